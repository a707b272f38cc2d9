/* Building replies, and the one place that maps error codes to statuses. */
#include "daemon/api_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth-config.h"
#include "common/cleanup.h"
#include "common/strv.h"

unsigned api_status_from_errno(int code)
{
        if (code < 0)
                code = -code;
        switch (code) {
        case ENOENT:
                return MHD_HTTP_NOT_FOUND;
        case EEXIST:
        case EBUSY:
                return MHD_HTTP_CONFLICT;
        case EINVAL:
                return MHD_HTTP_BAD_REQUEST;
        case EPERM:
                return MHD_HTTP_FORBIDDEN;
        case EFBIG: /* a request body over the route's limit */
                return MHD_HTTP_CONTENT_TOO_LARGE;
        default:
                return MHD_HTTP_INTERNAL_SERVER_ERROR;
        }
}

int api_reply_header(ApiRequest *req, const char *name, const char *value)
{
        if (strv_append(&req->headers, name) < 0 || strv_append(&req->headers, value) < 0)
                return -ENOMEM;
        return 0;
}

int api_reply_set(ApiRequest *req, unsigned status, struct MHD_Response *resp)
{
        if (!resp)
                return -ENOMEM;
        if (req->response) {
                /* A second reply is a handler bug; keep the first. */
                MHD_destroy_response(resp);
                return -EALREADY;
        }
        /* What Docker's middleware puts on every reply. */
        bool ok = MHD_add_response_header(resp, "Api-Version", API_MAX_VERSION) == MHD_YES &&
                  MHD_add_response_header(resp, "Docker-Experimental", "false") == MHD_YES &&
                  MHD_add_response_header(resp, "Ostype", "linux") == MHD_YES &&
                  MHD_add_response_header(resp, MHD_HTTP_HEADER_SERVER,
                                          "Berth/" BERTH_VERSION " (linux)") == MHD_YES;
        for (char **h = req->headers; ok && h && h[0] && h[1]; h += 2)
                ok = MHD_add_response_header(resp, h[0], h[1]) == MHD_YES;
        if (!ok) {
                MHD_destroy_response(resp);
                return -ENOMEM;
        }
        req->response = resp;
        req->status = status;
        return 0;
}

int api_reply_data(ApiRequest *req, unsigned status, const char *content_type, const void *data,
                   size_t len)
{
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
        if (resp && content_type &&
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES) {
                MHD_destroy_response(resp);
                return -ENOMEM;
        }
        return api_reply_set(req, status, resp);
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
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(len + 1, buf, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
                free(buf);
                return -ENOMEM;
        }
        if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") !=
            MHD_YES) {
                MHD_destroy_response(resp);
                return -ENOMEM;
        }
        return api_reply_set(req, status, resp);
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

/* ---- streamed bodies ---- */

typedef struct StreamCtx {
        int fd;
        int stop_efd;
        int client_fd;
} StreamCtx;

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
        StreamCtx *c = cls;
        for (;;) {
                struct pollfd p[3] = {
                    {.fd = c->fd, .events = POLLIN},
                    {.fd = c->stop_efd, .events = POLLIN},
                    /* A client that hangs up ends the stream even when fd is
                     * silent (logs -f of a quiet container). */
                    {.fd = c->client_fd, .events = 0},
                };
                if (poll(p, c->client_fd >= 0 ? 3 : 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return MHD_CONTENT_READER_END_WITH_ERROR;
                }
                if (p[1].revents & POLLIN)
                        return MHD_CONTENT_READER_END_WITH_ERROR;
                if (p[2].revents & (POLLHUP | POLLERR))
                        return MHD_CONTENT_READER_END_WITH_ERROR;
                if (!p[0].revents)
                        continue;
                ssize_t n = read(c->fd, buf, max);
                if (n > 0)
                        return n;
                if (n == 0)
                        return MHD_CONTENT_READER_END_OF_STREAM;
                if (errno == EINTR || errno == EAGAIN)
                        continue;
                return MHD_CONTENT_READER_END_WITH_ERROR;
        }
}

static void stream_free(void *cls)
{
        StreamCtx *c = cls;
        close(c->fd);
        free(c);
}

struct MHD_Response *api_stream_response_new(ApiServer *s, struct MHD_Connection *conn, int fd)
{
        StreamCtx *c = calloc(1, sizeof(*c));
        if (!c) {
                close(fd);
                return NULL;
        }
        c->fd = fd;
        c->stop_efd = s->stop_efd;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        c->client_fd = ci ? ci->connect_fd : -1;
        struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024,
                                                                      stream_read, c, stream_free);
        if (!resp)
                stream_free(c);
        return resp;
}

int api_reply_stream_fd(ApiRequest *req, unsigned status, const char *content_type, int fd)
{
        struct MHD_Response *resp = api_stream_response_new(req->server, req->conn, fd);
        if (resp && content_type &&
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES) {
                MHD_destroy_response(resp);
                return -ENOMEM;
        }
        return api_reply_set(req, status, resp);
}
