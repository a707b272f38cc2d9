/* The HTTP transport without libcurl: one unix-socket connection per
 * request ("Connection: close"), a JSON body with Content-Length or an
 * upload streamed from an fd with chunked encoding, and the answer read by
 * Content-Length, chunked decoding or to end of stream, incrementally, so
 * that logs -f and save stream as they come. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"

static int send_all(int fd, const void *buf, size_t len)
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

static int send_upload(int sock, int in, BerthError **err)
{
        char buf[65536 + 16];
        for (;;) {
                ssize_t n = read(in, buf + 10, 65536);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "reading the input");
                if (n == 0)
                        break;
                char hdr[12];
                int hl = snprintf(hdr, sizeof(hdr), "%zx\r\n", (size_t)n);
                memcpy(buf + 10 - hl, hdr, (size_t)hl);
                memcpy(buf + 10 + n, "\r\n", 2);
                if (send_all(sock, buf + 10 - hl, (size_t)hl + (size_t)n + 2) < 0)
                        return 1; /* the daemon stopped reading: its answer says why */
        }
        if (send_all(sock, "0\r\n\r\n", 5) < 0)
                return 1;
        return 0;
}

typedef struct Sink {
        const CliRequest *req;
        bool stream; /* to req->write_fn */
        char *buf;
        size_t len, cap;
        bool failed;
} Sink;

static int sink_put(Sink *s, const char *data, size_t len)
{
        if (!len)
                return 0;
        if (s->stream) {
                if (s->req->write_fn(data, len, s->req->write_data) != len) {
                        s->failed = true;
                        return -EPIPE;
                }
                return 0;
        }
        if (s->len + len + 1 > s->cap) {
                size_t cap = s->cap ? s->cap : 4096;
                while (cap < s->len + len + 1)
                        cap *= 2;
                char *b = realloc(s->buf, cap);
                if (!b)
                        return -ENOMEM;
                s->buf = b;
                s->cap = cap;
        }
        memcpy(s->buf + s->len, data, len);
        s->len += len;
        s->buf[s->len] = 0;
        return 0;
}

/* Incremental chunked decoding. */
typedef struct Chunked {
        enum { CH_SIZE, CH_DATA, CH_DATA_END, CH_DONE } state;
        char line[32];
        size_t line_len;
        size_t remaining;
} Chunked;

static int chunked_feed(Chunked *c, Sink *s, const char *data, size_t len)
{
        while (len && c->state != CH_DONE) {
                switch (c->state) {
                case CH_SIZE:
                        if (*data == '\n') {
                                c->line[c->line_len] = 0;
                                c->remaining = strtoul(c->line, NULL, 16);
                                c->line_len = 0;
                                c->state = c->remaining ? CH_DATA : CH_DONE;
                        } else if (c->line_len + 1 < sizeof(c->line)) {
                                c->line[c->line_len++] = *data;
                        } else {
                                return -EPROTO;
                        }
                        data++;
                        len--;
                        break;
                case CH_DATA: {
                        size_t n = c->remaining < len ? c->remaining : len;
                        int r = sink_put(s, data, n);
                        if (r < 0)
                                return r;
                        data += n;
                        len -= n;
                        c->remaining -= n;
                        if (!c->remaining) {
                                c->state = CH_DATA_END;
                                c->line_len = 0;
                        }
                        break;
                }
                case CH_DATA_END:
                        /* the CRLF after the data */
                        if (*data == '\n')
                                c->state = CH_SIZE;
                        data++;
                        len--;
                        break;
                case CH_DONE:
                        break;
                }
        }
        return 0;
}

int cli_transport_perform(CliContext *ctx, const char *method, const char *path,
                          const CliRequest *req, CliResponse *resp, char **ret_api_version,
                          BerthError **err)
{
        _cleanup_free_ char *data = NULL, *head = NULL, *rhead = NULL, *extra = NULL;
        size_t dlen = 0, extra_len = 0;
        long status = 0;
        bool upload = req && !req->json && req->upload_fd >= 0;
        int r;

        if (req && req->json) {
                data = json_dumps(req->json, JSON_COMPACT);
                if (!data)
                        return error_set(err, ENOMEM, "cannot encode the request body");
                dlen = strlen(data);
        }
        _cleanup_close_ int fd = cli_connect_unix(ctx, err);
        if (fd < 0)
                return fd;
        char ctype[160] = "";
        if (data)
                snprintf(ctype, sizeof(ctype), "Content-Type: application/json\r\n");
        else if (upload)
                snprintf(ctype, sizeof(ctype), "Content-Type: %s\r\n",
                         req->content_type ? req->content_type : "application/x-tar");
        char clen[64] = "";
        if (upload)
                snprintf(clen, sizeof(clen), "Transfer-Encoding: chunked\r\n");
        else if (data || (!STREQ(method, "GET") && !STREQ(method, "HEAD")))
                snprintf(clen, sizeof(clen), "Content-Length: %zu\r\n", dlen);
        if (asprintf(&head,
                     "%s %s HTTP/1.1\r\nHost: berth\r\nUser-Agent: berth-cli/0.1\r\n%s%s"
                     "Connection: close\r\n\r\n",
                     method, path, ctype, clen) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (send_all(fd, head, strlen(head)) < 0 || (dlen && send_all(fd, data, dlen) < 0))
                return error_set_errno(err, errno, "sending %s %s", method, path);
        if (upload) {
                r = send_upload(fd, req->upload_fd, err);
                if (r < 0)
                        return r;
        }
        r = cli_read_head(fd, &status, &rhead, &extra, &extra_len, err);
        if (r < 0)
                return r;
        while (status == 100) {
                /* "100 Continue": the real answer follows */
                _cleanup_free_ char *h2 = NULL, *x2 = NULL;
                size_t x2len = 0;
                if (extra_len) {
                        /* rare: parse from what was read past the first head */
                        char *end = memmem(extra, extra_len, "\r\n\r\n", 4);
                        if (!end)
                                return error_set(err, EPROTO, "malformed answer from the daemon");
                        size_t hl = (size_t)(end - extra) + 4;
                        if (sscanf(extra, "HTTP/1.%*d %ld", &status) != 1)
                                return error_set(err, EPROTO, "malformed answer from the daemon");
                        free(rhead);
                        rhead = strndup(extra, hl);
                        memmove(extra, extra + hl, extra_len - hl);
                        extra_len -= hl;
                        continue;
                }
                r = cli_read_head(fd, &status, &h2, &x2, &x2len, err);
                if (r < 0)
                        return r;
                free(rhead);
                free(extra);
                rhead = TAKE_PTR(h2);
                extra = TAKE_PTR(x2);
                extra_len = x2len;
        }
        if (ret_api_version)
                *ret_api_version = cli_header_value(rhead, "Api-Version");

        Sink sink = {.req = req, .stream = req && req->write_fn && status >= 200 && status < 300};
        if (!STREQ(method, "HEAD") && status != 204 && status != 304) {
                _cleanup_free_ char *te = cli_header_value(rhead, "Transfer-Encoding");
                _cleanup_free_ char *cl = cli_header_value(rhead, "Content-Length");
                bool chunked = te && strcasestr(te, "chunked");
                long long want = cl && !chunked ? strtoll(cl, NULL, 10) : -1;
                Chunked ch = {0};
                long long got = 0;
                char buf[65536];
                const char *p = extra;
                size_t n = extra_len;
                for (;;) {
                        if (want >= 0 && got + (long long)n > want)
                                n = (size_t)(want - got);
                        if (chunked)
                                r = chunked_feed(&ch, &sink, p, n);
                        else
                                r = sink_put(&sink, p, n);
                        if (r < 0)
                                break;
                        got += (long long)n;
                        if ((want >= 0 && got >= want) || (chunked && ch.state == CH_DONE))
                                break;
                        ssize_t k;
                        do
                                k = read(fd, buf, sizeof(buf));
                        while (k < 0 && errno == EINTR);
                        if (k <= 0)
                                break;
                        p = buf;
                        n = (size_t)k;
                }
                if (r < 0 || sink.failed) {
                        free(sink.buf);
                        if (ret_api_version) {
                                free(*ret_api_version);
                                *ret_api_version = NULL;
                        }
                        if (r == -EPIPE || sink.failed)
                                return error_set(err, EPIPE, "writing the output failed");
                        return error_set(err, -r, "reading the daemon's answer failed");
                }
        }
        resp->status = status;
        resp->body = sink.buf;
        resp->len = sink.len;
        return 0;
}

void cli_transport_done(CliContext *ctx)
{
        (void)ctx;
}
