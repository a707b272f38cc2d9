/* The HTTP server: one libmicrohttpd daemon per listening socket, a thread
 * per connection (see docs/berthd.md for why), requests routed through the
 * ApiRouter, bodies buffered up to the route's limit, or spooled to an
 * unlinked temporary file for API_ROUTE_SPOOL_BODY routes. */
#include "daemon/api_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/strv.h"

/* A connection thread runs the handlers: enough for JSON and SQLite work,
 * small enough for hundreds of idle clients. */
#define API_THREAD_STACK (512 * 1024)
#define API_CONN_MEMORY  (128 * 1024) /* request headers (X-Registry-Auth is large) */
#define API_MAX_CONNS    4096

int api_server_new(ApiServer **ret, BerthError **err)
{
        _cleanup_free_ ApiServer *s = calloc(1, sizeof(*s));
        if (!s)
                return error_set(err, ENOMEM, "API server: out of memory");
        s->router = api_router_new();
        if (!s->router)
                return error_set(err, ENOMEM, "API server: out of memory");
        s->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (s->stop_efd < 0) {
                int saved = errno;
                api_router_free(s->router);
                return error_set_errno(err, saved, "API server: eventfd");
        }
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->cond, NULL);
        *ret = TAKE_PTR(s);
        return 0;
}

ApiRouter *api_server_router(ApiServer *s)
{
        return s->router;
}

int api_server_set_spool_dir(ApiServer *s, const char *dir, const char *sub, BerthError **err)
{
        char *copy = NULL;
        if (asprintf(&copy, "%s%s%s", dir, sub ? "/" : "", sub ? sub : "") < 0)
                return error_set(err, ENOMEM, "out of memory");
        int r = mkdir_p(copy, 0700, err);
        if (r < 0) {
                free(copy);
                return error_prefix(err, "request body spool directory");
        }
        free(s->spool_dir);
        s->spool_dir = copy;
        return 0;
}

static const char *spool_dir(const ApiServer *s)
{
        if (s->spool_dir)
                return s->spool_dir;
        const char *t = getenv("TMPDIR");
        return t && *t ? t : "/var/tmp";
}

/* An unlinked read-write file in the spool directory. */
static int spool_open(const ApiServer *s)
{
        const char *dir = spool_dir(s);
        int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
                return fd >= 0 ? fd : -errno;
        /* a file system without O_TMPFILE */
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/body-XXXXXX", dir) < 0)
                return -ENOMEM;
        fd = mkostemp(path, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        unlink(path);
        return fd;
}

static void request_free(ApiRequest *req)
{
        if (!req)
                return;
        if (req->response)
                MHD_destroy_response(req->response);
        api_match_clear(&req->match);
        error_free(req->early_err);
        strv_free(req->headers);
        free(req->path);
        free(req->body);
        if (req->body_fd >= 0)
                close(req->body_fd);
        free(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
        ApiRequest *req = *req_cls;
        if (!req)
                return;
        api_hijack_request_done(req, toe);
        request_free(req);
        *req_cls = NULL;
}

static enum MHD_Result queue_reply(ApiRequest *req)
{
        req->dispatched = true;
        enum MHD_Result r = MHD_queue_response(req->conn, req->status, req->response);
        MHD_destroy_response(req->response);
        req->response = NULL;
        if (r != MHD_YES)
                log_debug("API: could not queue the %u reply to %s %s", req->status, req->method,
                          req->path);
        return r;
}

static enum MHD_Result reply_error_now(ApiRequest *req, int code, const BerthError *err)
{
        if (req->response) {
                MHD_destroy_response(req->response);
                req->response = NULL;
        }
        if (api_reply_error(req, code, err) < 0)
                return MHD_NO;
        return queue_reply(req);
}

/* Strips the /vX.Y prefix the router recognised. */
static char *unversioned_path(const char *url, const ApiMatch *m)
{
        if (!m->version[0])
                return strdup(url);
        const char *p = url;
        while (*p == '/')
                p++;
        p += 1 + strlen(m->version);
        return strdup(*p ? p : "/");
}

static bool has_body(struct MHD_Connection *conn)
{
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        return (cl && !STREQ(cl, "0")) ||
               MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                           MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
}

static enum MHD_Result start_request(ApiServer *s, struct MHD_Connection *conn, const char *url,
                                     const char *method, void **req_cls)
{
        ApiRequest *req = calloc(1, sizeof(*req));
        if (!req)
                return MHD_NO;
        *req_cls = req;
        req->body_fd = -1;
        req->server = s;
        req->conn = conn;
        req->method = method;

        _cleanup_error_ BerthError *err = NULL;
        int r = api_router_match(s->router, method, url, &req->match, &err);
        req->path = r == 0 ? unversioned_path(url, &req->match) : strdup(url);
        if (!req->path)
                return MHD_NO;
        if (r < 0) {
                log_debug("API: %s %s: %s", method, url, err ? err->message : "no route");
                /* Replying before the request is complete makes MHD close the
                 * connection; without a body, wait for the end and keep it. */
                if (has_body(conn))
                        return reply_error_now(req, r, err);
                req->early_code = r;
                req->early_err = TAKE_PTR(err);
                return MHD_YES;
        }
        log_debug("API: %s %s", method, url);

        req->body_limit = api_route_body_limit(req->match.route);
        req->spool = (api_route_flags(req->match.route) & API_ROUTE_SPOOL_BODY) != 0;
        if (req->body_limit == 0)
                req->body_limit = req->spool ? SIZE_MAX : API_BODY_LIMIT_DEFAULT;
        /* Refuse an announced oversized body before reading a byte of it. */
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && !(api_route_flags(req->match.route) & API_ROUTE_NO_BODY)) {
                char *end = NULL;
                errno = 0;
                uintmax_t n = strtoumax(cl, &end, 10);
                if (errno == 0 && end != cl && n > req->body_limit) {
                        error_set(&err, EFBIG,
                                  "request body of %ju bytes exceeds the limit of %zu bytes", n,
                                  req->body_limit);
                        req->body_too_large = true;
                        return reply_error_now(req, -EFBIG, err);
                }
        }
        return MHD_YES;
}

static void spool_body(ApiRequest *req, const char *data, size_t size)
{
        if (req->spool_error)
                return;
        if (size > req->body_limit - req->body_spooled) {
                req->body_too_large = true;
                return;
        }
        if (req->body_fd < 0) {
                int fd = spool_open(req->server);
                if (fd < 0) {
                        req->spool_error = -fd;
                        return;
                }
                req->body_fd = fd;
        }
        int r = write_all_fd(req->body_fd, data, size);
        if (r < 0) {
                req->spool_error = -r;
                return;
        }
        req->body_spooled += size;
}

static void take_body(ApiRequest *req, const char *data, size_t size)
{
        if (req->body_too_large || (api_route_flags(req->match.route) & API_ROUTE_NO_BODY))
                return;
        if (req->spool) {
                spool_body(req, data, size);
                return;
        }
        if (size > req->body_limit - req->body_len) {
                req->body_too_large = true;
                free(req->body);
                req->body = NULL;
                req->body_len = req->body_cap = 0;
                return;
        }
        if (req->body_len + size + 1 > req->body_cap) {
                size_t cap = req->body_cap ? req->body_cap : 4096;
                while (cap < req->body_len + size + 1)
                        cap *= 2;
                char *b = realloc(req->body, cap);
                if (!b) {
                        req->body_too_large = true;
                        return;
                }
                req->body = b;
                req->body_cap = cap;
        }
        memcpy(req->body + req->body_len, data, size);
        req->body_len += size;
        req->body[req->body_len] = '\0';
}

static enum MHD_Result dispatch(ApiRequest *req)
{
        _cleanup_error_ BerthError *err = NULL;
        if (req->body_too_large) {
                error_set(&err, EFBIG, "request body exceeds the limit of %zu bytes",
                          req->body_limit);
                return reply_error_now(req, -EFBIG, err);
        }
        if (req->spool && !req->spool_error && req->body_fd < 0) {
                int fd = spool_open(req->server);
                if (fd < 0)
                        req->spool_error = -fd;
                req->body_fd = fd;
        }
        if (req->spool_error) {
                error_set_errno(&err, req->spool_error, "store the request body in '%s'",
                                spool_dir(req->server));
                return reply_error_now(req, -req->spool_error, err);
        }
        ApiHandler fn = api_route_handler(req->match.route);
        int r = fn(req, api_route_userdata(req->match.route), &err);
        if (r < 0 && !req->response) {
                log_debug("API: %s %s: %s", req->method, req->path,
                          err && err->message ? err->message : strerror(-r));
                return reply_error_now(req, r, err);
        }
        if (!req->response) {
                error_set(&err, EIO, "internal error: the handler of %s %s sent no reply",
                          req->method, req->path);
                return reply_error_now(req, -EIO, err);
        }
        return queue_reply(req);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
        ApiServer *s = cls;
        ApiRequest *req = *req_cls;
        if (!req)
                return start_request(s, conn, url, method, req_cls);
        if (*upload_data_size > 0) {
                if (!req->dispatched && req->early_code == 0)
                        take_body(req, upload_data, *upload_data_size);
                *upload_data_size = 0;
                return MHD_YES;
        }
        if (req->dispatched)
                return MHD_YES;
        if (req->early_code < 0)
                return reply_error_now(req, req->early_code, req->early_err);
        return dispatch(req);
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
        if (log_get_level() < LOG_LEVEL_DEBUG)
                return;
        _cleanup_free_ char *msg = NULL;
        if (vasprintf(&msg, fmt, ap) < 0)
                return;
        msg[strcspn(msg, "\n")] = '\0';
        log_debug("libmicrohttpd: %s", msg);
}

int api_server_listen_unix(ApiServer *s, const char *path, BerthError **err)
{
        ApiListener *ls = reallocarray(s->listeners, s->n_listeners + 1, sizeof(*ls));
        if (!ls)
                return error_set(err, ENOMEM, "listen on '%s': out of memory", path);
        s->listeners = ls;
        ApiListener *l = &s->listeners[s->n_listeners];
        *l = (ApiListener){0};
        l->path = strdup(path);
        if (!l->path)
                return error_set(err, ENOMEM, "listen on '%s': out of memory", path);
        int fd = -1;
        int r = api_socket_bind_unix(path, &fd, &l->dev, &l->ino, err);
        if (r < 0) {
                free(l->path);
                return r;
        }
        /* Thread per connection: a handler may block (wait, logs -f, a slow
         * pull) without stalling any other client. Upgrade for hijacks. */
        unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                         MHD_USE_AUTO | MHD_ALLOW_UPGRADE | MHD_USE_ITC | MHD_USE_ERROR_LOG;
        l->mhd = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
            MHD_OPTION_THREAD_STACK_SIZE, (size_t)API_THREAD_STACK,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONN_MEMORY,
            MHD_OPTION_CONNECTION_LIMIT, (unsigned)API_MAX_CONNS, MHD_OPTION_END);
        if (!l->mhd) {
                close(fd);
                api_socket_remove(path, l->dev, l->ino);
                free(l->path);
                return error_set(err, EIO, "listen on '%s': libmicrohttpd failed to start", path);
        }
        s->n_listeners++;
        return 0;
}

void api_server_stop(ApiServer *s)
{
        pthread_mutex_lock(&s->lock);
        bool already = s->stopping;
        s->stopping = true;
        pthread_mutex_unlock(&s->lock);
        if (!already) {
                uint64_t one = 1;
                if (write(s->stop_efd, &one, sizeof(one)) < 0)
                        log_debug("API: wake stream readers: %m");
        }
        api_hijack_stop_all(s);
        for (size_t i = 0; i < s->n_listeners; i++) {
                ApiListener *l = &s->listeners[i];
                /* MHD closes the listening socket it was given. */
                MHD_stop_daemon(l->mhd);
                api_socket_remove(l->path, l->dev, l->ino);
                free(l->path);
        }
        free(s->listeners);
        s->listeners = NULL;
        s->n_listeners = 0;
}

ApiServer *api_server_free(ApiServer *s)
{
        if (!s)
                return NULL;
        api_server_stop(s);
        api_router_free(s->router);
        close(s->stop_efd);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->cond);
        free(s->spool_dir);
        free(s);
        return NULL;
}

/* ---- request accessors ---- */

const char *api_request_method(const ApiRequest *req)
{
        return req->method;
}

const char *api_request_path(const ApiRequest *req)
{
        return req->path;
}

const char *api_request_version(const ApiRequest *req)
{
        return req->match.version[0] ? req->match.version : API_MAX_VERSION;
}

const char *api_request_param(const ApiRequest *req, const char *name)
{
        return api_match_param(&req->match, name);
}

const char *api_request_header(const ApiRequest *req, const char *name)
{
        return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *api_request_query(const ApiRequest *req, const char *key)
{
        return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

typedef struct QueryAll {
        const char *key;
        char **values;
        bool oom;
} QueryAll;

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
        QueryAll *q = cls;
        if (key && STREQ(key, q->key) && strv_append(&q->values, value ? value : "") < 0)
                q->oom = true;
        return MHD_YES;
}

int api_request_query_all(const ApiRequest *req, const char *key, char ***ret)
{
        QueryAll q = {.key = key};
        MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect_query, &q);
        if (!q.oom && !q.values) {
                q.values = calloc(1, sizeof(char *));
                q.oom = !q.values;
        }
        if (q.oom) {
                strv_free(q.values);
                return -ENOMEM;
        }
        *ret = q.values;
        return 0;
}

bool api_request_query_bool(const ApiRequest *req, const char *key, bool def)
{
        /* MHD reports "?all" (no '=') with a NULL value: present and empty. */
        const char *v = NULL;
        if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, key, strlen(key), &v,
                                          NULL) != MHD_YES)
                return def;
        return api_parse_bool(v ? v : "");
}

int api_request_filters(const ApiRequest *req, json_t **ret, BerthError **err)
{
        return api_filters_parse(api_request_query(req, "filters"), ret, err);
}

const char *api_request_body(const ApiRequest *req, size_t *ret_len)
{
        if (ret_len)
                *ret_len = req->body_len;
        return req->body ? req->body : "";
}

int api_request_body_fd(const ApiRequest *req)
{
        if (!req->spool || req->body_fd < 0)
                return -EBADF;
        if (lseek(req->body_fd, 0, SEEK_SET) < 0)
                return -errno;
        return req->body_fd;
}

int api_request_json(const ApiRequest *req, bool allow_empty, json_t **ret, BerthError **err)
{
        size_t len = req->body_len;
        const char *p = req->body;
        while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
                p++, len--;
        if (len == 0) {
                if (!allow_empty)
                        return error_set(err, EINVAL,
                                         "invalid JSON: got EOF while reading request body");
                *ret = json_object();
                return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
        }
        const char *ct = api_request_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
        size_t ct_len = ct ? strcspn(ct, ";") : 0;
        while (ct_len > 0 && ct[ct_len - 1] == ' ')
                ct_len--;
        if (!ct || ct_len != strlen("application/json") ||
            strncasecmp(ct, "application/json", ct_len) != 0)
                return error_set(err, EINVAL,
                                 "unsupported Content-Type header (%s): must be "
                                 "'application/json'",
                                 ct ? ct : "");
        json_error_t jerr;
        json_t *doc = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc)
                return error_set(err, EINVAL,
                                 "invalid JSON in request body: %s (line %d, column %d)", jerr.text,
                                 jerr.line, jerr.column);
        *ret = doc;
        return 0;
}
