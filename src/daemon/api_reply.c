/* Building replies, writing them on the wire, and the one place that maps
 * error codes to statuses. */
#include "daemon/api_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "berth-config.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/strv.h"

#define STREAM_BUF (32 * 1024)

unsigned api_status_from_errno(int code)
{
        if (code < 0)
                code = -code;
        switch (code) {
        case ENOENT:
                return 404;
        case EEXIST:
        case EBUSY:
                return 409;
        case EINVAL:
                return 400;
        case EPERM:
                return 403;
        case EFBIG: /* a request body over the route's limit */
                return 413;
        default:
                return 500;
        }
}

int api_reply_header(ApiRequest *req, const char *name, const char *value)
{
        if (strv_append(&req->headers, name) < 0 || strv_append(&req->headers, value) < 0)
                return -ENOMEM;
        return 0;
}

void api_reply_reset(ApiRequest *req)
{
        free(req->content_type);
        req->content_type = NULL;
        free(req->data);
        req->data = NULL;
        req->data_len = 0;
        if (req->stream_fd >= 0)
                close(req->stream_fd);
        req->stream_fd = -1;
        api_hijack_free(req->hijack);
        req->hijack = NULL;
        req->kind = API_REPLY_NONE;
        req->status = 0;
}

/* Starts a reply; a second one is a handler bug: keep the first. */
static int reply_begin(ApiRequest *req, ApiReplyKind kind, unsigned status,
                       const char *content_type)
{
        if (req->kind != API_REPLY_NONE)
                return -EALREADY;
        if (content_type && !(req->content_type = strdup(content_type)))
                return -ENOMEM;
        req->kind = kind;
        req->status = status;
        return 0;
}

/* Takes data (malloc'd, len bytes). */
static int reply_buffer(ApiRequest *req, unsigned status, const char *content_type, char *data,
                        size_t len)
{
        int r = reply_begin(req, API_REPLY_DATA, status, content_type);
        if (r < 0) {
                free(data);
                return r;
        }
        req->data = data;
        req->data_len = len;
        return 0;
}

int api_reply_data(ApiRequest *req, unsigned status, const char *content_type, const void *data,
                   size_t len)
{
        char *copy = malloc(len ? len : 1);
        if (!copy)
                return -ENOMEM;
        if (len)
                memcpy(copy, data, len);
        return reply_buffer(req, status, content_type, copy, len);
}

int api_reply_empty(ApiRequest *req, unsigned status)
{
        return api_reply_data(req, status, NULL, "", 0);
}

int api_reply_json(ApiRequest *req, unsigned status, json_t *body)
{
        _cleanup_free_ char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        json_decref(body);
        if (!text)
                return -ENOMEM;
        size_t len = strlen(text);
        char *buf = malloc(len + 2);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, text, len);
        buf[len] = '\n';
        buf[len + 1] = '\0';
        return reply_buffer(req, status, "application/json", buf, len + 1);
}

int api_reply_message(ApiRequest *req, unsigned status, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        json_t *body = json_pack("{s:s}", "message", msg);
        if (!body)
                return -ENOMEM;
        return api_reply_json(req, status, body);
}

int api_reply_error(ApiRequest *req, int code, const BerthError *err)
{
        int c = err ? err->code : code;
        const char *msg = err && err->message ? err->message : strerror(c < 0 ? -c : c);
        return api_reply_message(req, api_status_from_errno(c), "%s", msg);
}

int api_reply_stream_fd(ApiRequest *req, unsigned status, const char *content_type, int fd)
{
        int r = reply_begin(req, API_REPLY_STREAM, status, content_type);
        if (r < 0) {
                close(fd);
                return r;
        }
        req->stream_fd = fd;
        return 0;
}

/* ---- the wire ---- */

static int send_iov(int fd, struct iovec *iov, size_t n)
{
        while (n > 0) {
                struct msghdr m = {.msg_iov = iov, .msg_iovlen = n};
                ssize_t k = sendmsg(fd, &m, MSG_NOSIGNAL);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                size_t left = (size_t)k;
                while (n > 0 && left >= iov->iov_len) {
                        left -= iov->iov_len;
                        iov++;
                        n--;
                }
                if (n > 0) {
                        iov->iov_base = (char *)iov->iov_base + left;
                        iov->iov_len -= left;
                }
        }
        return 0;
}

int api_send_all(int fd, const void *buf, size_t len)
{
        struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
        return send_iov(fd, &iov, 1);
}

static const char *reason(unsigned status)
{
        if (status == 101)
                return "UPGRADED"; /* Docker's words; clients look at the code */
        const char *s = http_status_str((enum http_status)status);
        return s && *s != '<' ? s : "Unknown";
}

/* The status line and headers. framing is "Content-Length: N",
 * "Transfer-Encoding: chunked" or NULL; connection the value of a
 * Connection header or NULL. */
static char *build_head(const ApiRequest *req, unsigned status, const char *framing,
                        const char *connection, const char *extra, size_t *ret_len)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        char date[64];
        struct tm tm;
        time_t now = time(NULL);
        strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&now, &tm));
        /* What Docker's middleware puts on every reply. */
        fprintf(f,
                "HTTP/1.1 %u %s\r\nApi-Version: " API_MAX_VERSION
                "\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Berth/" BERTH_VERSION
                " (linux)\r\nDate: %s\r\n",
                status, reason(status), date);
        if (req->content_type)
                fprintf(f, "Content-Type: %s\r\n", req->content_type);
        for (char **h = req->headers; h && h[0] && h[1]; h += 2)
                fprintf(f, "%s: %s\r\n", h[0], h[1]);
        if (framing)
                fprintf(f, "%s\r\n", framing);
        if (connection)
                fprintf(f, "Connection: %s\r\n", connection);
        if (extra)
                fputs(extra, f);
        fputs("\r\n", f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        *ret_len = len;
        return buf;
}

static bool is_http10(const ApiRequest *req)
{
        return req->http->http_major == 1 && req->http->http_minor == 0;
}

/* The Connection header for a reply that keeps (or not) the connection. */
static const char *connection_value(const ApiRequest *req, bool keep_alive)
{
        if (!keep_alive)
                return "close";
        return is_http10(req) ? "keep-alive" : NULL;
}

static int send_head(const ApiRequest *req, unsigned status, const char *framing,
                     const char *connection, const char *extra)
{
        size_t len = 0;
        _cleanup_free_ char *head = build_head(req, status, framing, connection, extra, &len);
        if (!head)
                return -ENOMEM;
        return api_send_all(req->fd, head, len);
}

static int send_data(ApiRequest *req, bool keep_alive)
{
        bool head_only = STREQ(req->method, "HEAD");
        bool no_body = req->status == 204 || req->status == 304 || req->status < 200;
        char framing[64];
        snprintf(framing, sizeof(framing), "Content-Length: %zu", req->data_len);
        size_t len = 0;
        _cleanup_free_ char *head = build_head(req, req->status, no_body ? NULL : framing,
                                               connection_value(req, keep_alive), NULL, &len);
        if (!head)
                return -ENOMEM;
        struct iovec iov[2] = {{.iov_base = head, .iov_len = len},
                               {.iov_base = req->data, .iov_len = req->data_len}};
        return send_iov(req->fd, iov, head_only || no_body || req->data_len == 0 ? 1 : 2);
}

/* Copies stream_fd to the client until EOF there, server stop, or the
 * client hanging up (a quiet `logs -f` whose client left must not keep its
 * thread). 0 at EOF, -errno otherwise. */
static int pump_stream(ApiRequest *req, bool chunked)
{
        _cleanup_free_ char *buf = malloc(STREAM_BUF);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                struct pollfd p[3] = {
                    {.fd = req->stream_fd, .events = POLLIN},
                    {.fd = req->server->stop_efd, .events = POLLIN},
                    {.fd = req->fd, .events = 0},
                };
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (p[1].revents & POLLIN)
                        return -ESHUTDOWN;
                if (p[2].revents & (POLLHUP | POLLERR))
                        return -EPIPE;
                if (!p[0].revents)
                        continue;
                ssize_t n = read(req->stream_fd, buf, STREAM_BUF);
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return chunked ? api_send_all(req->fd, "0\r\n\r\n", 5) : 0;
                char size[32];
                int sn = snprintf(size, sizeof(size), "%zx\r\n", (size_t)n);
                struct iovec iov[3] = {{.iov_base = size, .iov_len = (size_t)sn},
                                       {.iov_base = buf, .iov_len = (size_t)n},
                                       {.iov_base = (void *)"\r\n", .iov_len = 2}};
                int r = chunked ? send_iov(req->fd, iov, 3) : send_iov(req->fd, iov + 1, 1);
                if (r < 0)
                        return r;
        }
}

static int send_stream(ApiRequest *req, bool *keep_alive)
{
        /* HTTP/1.0 has no chunks: the end of the body is the end of the
         * connection. */
        bool chunked = !is_http10(req);
        if (!chunked)
                *keep_alive = false;
        int r = send_head(req, req->status, chunked ? "Transfer-Encoding: chunked" : NULL,
                          connection_value(req, *keep_alive), NULL);
        if (r < 0 || STREQ(req->method, "HEAD"))
                return r;
        r = pump_stream(req, chunked);
        if (r < 0)
                log_debug("API: stream of %s %s ended: %s", req->method, req->path, strerror(-r));
        return r;
}

static int send_hijack(ApiRequest *req, const char *pending, size_t pending_len)
{
        ApiHijack *h = TAKE_PTR(req->hijack);
        /* Docker's server only checks that an Upgrade header is there. */
        bool upgrade = api_request_header(req, "Upgrade") != NULL;
        int r = upgrade ? send_head(req, 101, NULL, "Upgrade", "Upgrade: tcp\r\n")
                        : send_head(req, 200, NULL, "close", NULL);
        if (r < 0) {
                api_hijack_free(h);
                return r;
        }
        if (!upgrade) {
                /* A plain HTTP client is reading a close-delimited body and
                 * has nothing more to send: the callback reads EOF. */
                shutdown(req->fd, SHUT_RD);
                pending = NULL;
                pending_len = 0;
        }
        api_hijack_run(h, req->fd, pending, pending_len);
        return 0;
}

int api_reply_send(ApiRequest *req, bool *keep_alive, const char *pending, size_t pending_len)
{
        switch (req->kind) {
        case API_REPLY_DATA:
                return send_data(req, *keep_alive);
        case API_REPLY_STREAM:
                return send_stream(req, keep_alive);
        case API_REPLY_HIJACK:
                *keep_alive = false;
                return send_hijack(req, pending, pending_len);
        case API_REPLY_NONE:
                break;
        }
        return -EINVAL;
}

void api_reply_bare_error(int fd, unsigned status, const char *message)
{
        char buf[512];
        int body = (int)strlen(message) + (int)strlen("{\"message\":\"\"}\n");
        int n = snprintf(buf, sizeof(buf),
                         "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
                         "Content-Length: %d\r\nConnection: close\r\n\r\n{\"message\":\"%s\"}\n",
                         status, reason(status), body, message);
        if (n > 0 && (size_t)n < sizeof(buf))
                api_send_all(fd, buf, (size_t)n);
}
