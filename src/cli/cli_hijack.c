/* Hijacked connections for attach and exec: a plain unix socket with a
 * minimal HTTP/1.1 writer and response-head reader, then raw bytes both
 * ways. Output without a TTY is Docker's stdcopy framing (8-byte headers). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"

static int write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        while (len) {
                ssize_t w = write(fd, p, len);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += w;
                len -= (size_t)w;
        }
        return 0;
}

/* Writes to the daemon's socket without dying of SIGPIPE when it is gone. */
static int sock_write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        while (len) {
                ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += w;
                len -= (size_t)w;
        }
        return 0;
}

int cli_connect_unix(CliContext *ctx, BerthError **err)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(ctx->sock_path) >= sizeof(sa.sun_path))
                return error_set(err, ENAMETOOLONG, "socket path %s is too long", ctx->sock_path);
        strcpy(sa.sun_path, ctx->sock_path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "socket");
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return cli_error_no_daemon(ctx, err);
        return TAKE_FD(fd);
}

static int send_request(CliContext *ctx, int fd, const char *method, const char *path, json_t *body,
                        bool upgrade, BerthError **err)
{
        _cleanup_free_ char *vpath = cli_versioned_path(ctx, path);
        _cleanup_free_ char *data = body ? json_dumps(body, JSON_COMPACT) : NULL;
        _cleanup_free_ char *head = NULL;
        size_t blen = data ? strlen(data) : 0;

        if (!vpath || (body && !data))
                return error_set(err, ENOMEM, "out of memory");
        if (asprintf(&head,
                     "%s %s HTTP/1.1\r\nHost: berth\r\nUser-Agent: berth-cli/0.1\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n",
                     method, vpath, blen,
                     upgrade ? "Connection: Upgrade\r\nUpgrade: tcp\r\n" : "") < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (sock_write_all(fd, head, strlen(head)) < 0 ||
            (blen && sock_write_all(fd, data, blen) < 0))
                return error_set_errno(err, errno, "sending %s %s", method, path);
        return 0;
}

/* Reads up to the end of the head; returns the status code and the bytes
 * past the head. */
int cli_read_head(int fd, long *ret_status, char **ret_head, char **ret_extra,
                  size_t *ret_extra_len, BerthError **err)
{
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap + 1);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        for (;;) {
                if (len == cap) {
                        if (cap > 1 << 20)
                                return error_set(err, EPROTO, "response head too large");
                        char *b = realloc(buf, cap * 2 + 1);
                        if (!b)
                                return error_set(err, ENOMEM, "out of memory");
                        buf = b;
                        cap *= 2;
                }
                ssize_t r = read(fd, buf + len, cap - len);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return error_set_errno(err, errno, "reading the daemon's answer");
                if (r == 0)
                        return error_set(err, EPROTO, "the daemon closed the connection");
                len += (size_t)r;
                buf[len] = 0;
                char *end = strstr(buf, "\r\n\r\n");
                if (!end)
                        continue;
                size_t hlen = (size_t)(end - buf) + 4;
                long status = 0;
                if (sscanf(buf, "HTTP/1.%*d %ld", &status) != 1)
                        return error_set(err, EPROTO, "malformed answer from the daemon");
                *ret_status = status;
                *ret_extra_len = len - hlen;
                *ret_extra = malloc(len - hlen + 1);
                if (!*ret_extra)
                        return error_set(err, ENOMEM, "out of memory");
                memcpy(*ret_extra, buf + hlen, len - hlen);
                buf[hlen] = 0;
                *ret_head = TAKE_PTR(buf);
                return 0;
        }
}

char *cli_header_value(const char *head, const char *name)
{
        size_t n = strlen(name);
        for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
                if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
                        const char *v = p + 3 + n;
                        const char *e = strstr(v, "\r\n");
                        while (*v == ' ' || *v == '\t')
                                v++;
                        return strndup(v, e ? (size_t)(e - v) : strlen(v));
                }
        }
        return NULL;
}

static long header_long(const char *head, const char *name)
{
        size_t n = strlen(name);
        for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
                if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':')
                        return strtol(p + 3 + n, NULL, 10);
        }
        return -1;
}

static bool header_has(const char *head, const char *name, const char *value)
{
        size_t n = strlen(name);
        for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
                if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
                        const char *e = strstr(p + 2, "\r\n");
                        const char *v = p + 3 + n;
                        size_t vl = strlen(value);
                        for (; v + vl <= e; v++)
                                if (strncasecmp(v, value, vl) == 0)
                                        return true;
                }
        }
        return false;
}

/* Reads a body after the head: Content-Length, chunked, or to EOF. */
static int read_body(int fd, const char *head, char *extra, size_t extra_len, CliResponse *resp)
{
        long clen = header_long(head, "Content-Length");
        bool chunked = header_has(head, "Transfer-Encoding", "chunked");
        size_t cap = extra_len + 4096, len = extra_len;
        char *buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, extra, extra_len);
        while (clen < 0 || len < (size_t)clen) {
                if (len == cap) {
                        char *b = realloc(buf, cap * 2 + 1);
                        if (!b) {
                                free(buf);
                                return -ENOMEM;
                        }
                        buf = b;
                        cap *= 2;
                }
                if (chunked) {
                        buf[len] = 0;
                        if (strstr(buf, "\r\n0\r\n") || strncmp(buf, "0\r\n", 3) == 0)
                                break;
                }
                ssize_t r = read(fd, buf + len, cap - len);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                len += (size_t)r;
        }
        buf[len] = 0;
        if (chunked) {
                /* de-chunk in place */
                size_t in = 0, out = 0;
                while (in < len) {
                        char *end = NULL;
                        unsigned long n = strtoul(buf + in, &end, 16);
                        char *crlf = strstr(buf + in, "\r\n");
                        if (!crlf || n == 0)
                                break;
                        in = (size_t)(crlf - buf) + 2;
                        if (in + n > len)
                                n = len - in;
                        memmove(buf + out, buf + in, n);
                        out += n;
                        in += n + 2;
                }
                len = out;
                buf[len] = 0;
        }
        resp->body = buf;
        resp->len = len;
        return 0;
}

int cli_hijack(CliContext *ctx, const char *method, const char *path, json_t *body,
               char **ret_extra, size_t *ret_extra_len, BerthError **err)
{
        _cleanup_free_ char *head = NULL;
        _cleanup_free_ char *extra = NULL;
        size_t extra_len = 0;
        long status = 0;
        int r;

        r = cli_negotiate(ctx, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = cli_connect_unix(ctx, err);
        if (fd < 0)
                return fd;
        r = send_request(ctx, fd, method, path, body, true, err);
        if (r < 0)
                return r;
        r = cli_read_head(fd, &status, &head, &extra, &extra_len, err);
        if (r < 0)
                return r;
        if (status >= 400) {
                CliResponse resp = {.status = status};
                read_body(fd, head, extra, extra_len, &resp);
                _cleanup_free_ char *msg = cli_error_message(resp.body, resp.len);
                cli_response_clear(&resp);
                return error_set(err,
                                 status == 404   ? ENOENT
                                 : status == 409 ? EEXIST
                                                 : EIO,
                                 "Error response from daemon: %s", msg ? msg : "unknown error");
        }
        *ret_extra = TAKE_PTR(extra);
        *ret_extra_len = extra_len;
        return TAKE_FD(fd);
}

int cli_raw_send(CliContext *ctx, const char *method, const char *path, json_t *body,
                 BerthError **err)
{
        int r = cli_negotiate(ctx, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = cli_connect_unix(ctx, err);
        if (fd < 0)
                return fd;
        r = send_request(ctx, fd, method, path, body, false, err);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

int cli_raw_response(int fd, CliResponse *resp, BerthError **err)
{
        _cleanup_free_ char *head = NULL;
        _cleanup_free_ char *extra = NULL;
        size_t extra_len = 0;
        int r;

        memset(resp, 0, sizeof(*resp));
        r = cli_read_head(fd, &resp->status, &head, &extra, &extra_len, err);
        if (r < 0)
                return r;
        r = read_body(fd, head, extra, extra_len, resp);
        if (r < 0)
                return error_set(err, -r, "reading the daemon's answer");
        return 0;
}

/* ---- stdcopy demultiplexing --------------------------------------------- */

void cli_demux_init(CliDemux *d, int out_fd, int err_fd)
{
        memset(d, 0, sizeof(*d));
        d->out_fd = out_fd;
        d->err_fd = err_fd;
}

int cli_demux_feed(CliDemux *d, const char *data, size_t len)
{
        while (len) {
                if (d->remaining == 0) {
                        size_t take = 8 - d->hdr_len;
                        if (take > len)
                                take = len;
                        memcpy(d->hdr + d->hdr_len, data, take);
                        d->hdr_len += take;
                        data += take;
                        len -= take;
                        if (d->hdr_len < 8)
                                return 0;
                        d->hdr_len = 0;
                        if (d->hdr[0] > 3 || d->hdr[1] || d->hdr[2] || d->hdr[3]) {
                                /* not a frame: pass through */
                                write_all(d->out_fd, d->hdr, 8);
                                d->remaining = SIZE_MAX;
                                d->stream = 1;
                                continue;
                        }
                        d->stream = d->hdr[0];
                        d->remaining = ((size_t)d->hdr[4] << 24) | ((size_t)d->hdr[5] << 16) |
                                       ((size_t)d->hdr[6] << 8) | d->hdr[7];
                        continue;
                }
                size_t n = d->remaining < len ? d->remaining : len;
                int fd = d->stream == 2 ? d->err_fd : d->out_fd;
                if (write_all(fd, data, n) < 0)
                        return -EIO;
                if (d->remaining != SIZE_MAX)
                        d->remaining -= n;
                data += n;
                len -= n;
        }
        return 0;
}

/* ---- the pump ----------------------------------------------------------- */

static void do_resize(CliContext *ctx, const CliStreamOpts *o)
{
        unsigned rows, cols;
        char path[512];
        CliResponse resp = {0};
        BerthError *err = NULL;

        if (!o->container || cli_term_size(STDOUT_FILENO, &rows, &cols) < 0)
                return;
        snprintf(path, sizeof(path), "/%s/%s/resize?h=%u&w=%u", o->exec ? "exec" : "containers",
                 o->container, rows, cols);
        CliRequest req = {.method = "POST", .path = path, .upload_fd = -1};
        cli_http(ctx, &req, &resp, &err);
        cli_response_clear(&resp);
        error_free(err);
}

static void proxy_signal(CliContext *ctx, const CliStreamOpts *o, int sig)
{
        char path[512];
        CliResponse resp = {0};
        BerthError *err = NULL;
        snprintf(path, sizeof(path), "/containers/%s/kill?signal=%d", o->container, sig);
        CliRequest req = {.method = "POST", .path = path, .upload_fd = -1};
        cli_http(ctx, &req, &resp, &err);
        cli_response_clear(&resp);
        error_free(err);
}

int cli_stream(CliContext *ctx, int fd, const char *extra, size_t extra_len, const CliStreamOpts *o,
               BerthError **err)
{
        CliDemux demux;
        CliDetach detach = {0};
        bool stdin_open = o->use_stdin, detached = false;
        sigset_t mask, old;
        int r;

        cli_demux_init(&demux, STDOUT_FILENO, STDERR_FILENO);
        if (o->detach && o->use_stdin) {
                r = cli_detach_keys_parse(o->detach, detach.keys, sizeof(detach.keys), err);
                if (r < 0)
                        return r;
                detach.nkeys = (size_t)r;
        }
        sigemptyset(&mask);
        if (o->resize)
                sigaddset(&mask, SIGWINCH);
        if (o->sig_proxy && o->container && !o->exec) {
                int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
                for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
                        sigaddset(&mask, sigs[i]);
        }
        sigprocmask(SIG_BLOCK, &mask, &old);
        _cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

        if (extra_len) {
                if (o->tty)
                        write_all(STDOUT_FILENO, extra, extra_len);
                else
                        cli_demux_feed(&demux, extra, extra_len);
        }
        if (o->resize)
                do_resize(ctx, o);
        for (;;) {
                struct pollfd p[3] = {
                    {.fd = fd, .events = POLLIN},
                    {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN},
                    {.fd = sfd, .events = POLLIN},
                };
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = error_set_errno(err, errno, "poll");
                        goto out;
                }
                if (p[2].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                if (si.ssi_signo == SIGWINCH)
                                        do_resize(ctx, o);
                                else
                                        proxy_signal(ctx, o, (int)si.ssi_signo);
                        }
                }
                if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                        unsigned char in[4096], out[4096 + 16];
                        ssize_t n = read(STDIN_FILENO, in, sizeof(in));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0) {
                                stdin_open = false;
                                /* half-close: the container sees EOF on stdin */
                                shutdown(fd, SHUT_WR);
                        } else {
                                size_t m = (size_t)n;
                                const unsigned char *w = in;
                                if (detach.nkeys) {
                                        m = cli_detach_filter(&detach, in, (size_t)n, out,
                                                              &detached);
                                        w = out;
                                }
                                if (m && sock_write_all(fd, w, m) < 0) {
                                        stdin_open = false;
                                }
                                if (detached) {
                                        r = 1;
                                        goto out;
                                }
                        }
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        char buf[65536];
                        ssize_t n = read(fd, buf, sizeof(buf));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                break;
                        if (o->tty)
                                write_all(STDOUT_FILENO, buf, (size_t)n);
                        else
                                cli_demux_feed(&demux, buf, (size_t)n);
                }
        }
        r = 0;
out:
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}
