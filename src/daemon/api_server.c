/* The HTTP/1.1 server: an accept thread per listening socket, a detached
 * thread per connection (see docs/berthd.md for why) reading requests one
 * after the other (keep-alive, pipelining) through http_request.c, routed
 * through the ApiRouter, bodies buffered up to the route's limit, or spooled
 * to an unlinked temporary file for API_ROUTE_SPOOL_BODY routes. */
#include "daemon/api_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/strv.h"

/* A connection thread runs the handlers: enough for JSON and SQLite work,
 * small enough for hundreds of idle clients. */
#define API_THREAD_STACK (512 * 1024)
#define API_MAX_CONNS    4096
#define API_READ_BUF     (16 * 1024)
/* How long stop waits for busy connections, before and after shutting
 * their sockets down. */
#define API_STOP_WAIT_SEC 5

struct ApiConn {
        ApiServer *server;
        int fd;
        bool idle; /* waiting for the next request: stop may cut it */
        ApiConn *next;
};

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
        api_reply_reset(req);
        api_match_clear(&req->match);
        strv_free(req->headers);
        free(req->path);
        free(req->body);
        if (req->body_fd >= 0)
                close(req->body_fd);
        free(req);
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

static void take_body(const char *data, size_t size, void *userdata)
{
        ApiRequest *req = userdata;
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

static void reply_error_now(ApiRequest *req, int code, const BerthError *err)
{
        api_reply_reset(req);
        if (api_reply_error(req, code, err) < 0)
                log_debug("API: could not build the error reply to %s %s", req->method, req->path);
}

/* Routes a request whose head is complete. Returns 0 to read the body and
 * dispatch; 1 when an error reply is queued instead (the body, if any, is
 * not read); -ENOMEM. */
static int start_request(ApiRequest *req)
{
        const HttpRequest *h = req->http;
        _cleanup_error_ BerthError *err = NULL;
        int r = api_router_match(req->server->router, req->method, h->path, &req->match, &err);
        req->path = r == 0 ? unversioned_path(h->path, &req->match) : strdup(h->path);
        if (!req->path)
                return -ENOMEM;
        if (r < 0) {
                log_debug("API: %s %s: %s", req->method, h->path, err ? err->message : "no route");
                reply_error_now(req, r, err);
                return 1;
        }
        log_debug("API: %s %s", req->method, h->path);

        req->body_limit = api_route_body_limit(req->match.route);
        req->spool = (api_route_flags(req->match.route) & API_ROUTE_SPOOL_BODY) != 0;
        if (req->body_limit == 0)
                req->body_limit = req->spool ? SIZE_MAX : API_BODY_LIMIT_DEFAULT;
        /* Refuse an announced oversized body before reading a byte of it. */
        if (h->has_length && h->content_length > req->body_limit &&
            !(api_route_flags(req->match.route) & API_ROUTE_NO_BODY)) {
                error_set(&err, EFBIG,
                          "request body of %" PRIu64 " bytes exceeds the limit of %zu bytes",
                          h->content_length, req->body_limit);
                req->body_too_large = true;
                reply_error_now(req, -EFBIG, err);
                return 1;
        }
        return 0;
}

static void dispatch(ApiRequest *req)
{
        _cleanup_error_ BerthError *err = NULL;
        if (req->body_too_large) {
                error_set(&err, EFBIG, "request body exceeds the limit of %zu bytes",
                          req->body_limit);
                reply_error_now(req, -EFBIG, err);
                return;
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
                reply_error_now(req, -req->spool_error, err);
                return;
        }
        ApiHandler fn = api_route_handler(req->match.route);
        int r = fn(req, api_route_userdata(req->match.route), &err);
        if (r < 0 && req->kind == API_REPLY_NONE) {
                log_debug("API: %s %s: %s", req->method, req->path,
                          err && err->message ? err->message : strerror(-r));
                reply_error_now(req, r, err);
                return;
        }
        if (req->kind == API_REPLY_NONE) {
                error_set(&err, EIO, "internal error: the handler of %s %s sent no reply",
                          req->method, req->path);
                reply_error_now(req, -EIO, err);
        }
}

/* ---- connections ---- */

typedef struct ConnBuf {
        char *data;
        size_t start, end;
} ConnBuf;

/* Marks the connection idle (or busy). Returns false when the server is
 * stopping: the connection should end. */
static bool conn_set_idle(ApiConn *c, bool idle)
{
        ApiServer *s = c->server;
        pthread_mutex_lock(&s->lock);
        c->idle = idle;
        bool stopping = s->stopping;
        pthread_mutex_unlock(&s->lock);
        return !stopping;
}

/* Reads more bytes into an empty buffer. > 0 bytes, 0 at EOF, -errno. */
static ssize_t conn_fill(ApiConn *c, ConnBuf *b)
{
        b->start = b->end = 0;
        for (;;) {
                ssize_t n = read(c->fd, b->data, API_READ_BUF);
                if (n >= 0) {
                        b->end = (size_t)n;
                        return n;
                }
                if (errno != EINTR)
                        return -errno;
        }
}

/* Feeds buffered (then read) bytes until the request leaves state `while_in`.
 * Returns false when the connection ended or failed to read. */
static bool conn_parse(ApiConn *c, ConnBuf *b, HttpRequest *h, HttpState while_in)
{
        while (h->state == while_in) {
                if (b->start == b->end) {
                        /* between requests: stop may end us while we wait */
                        bool waiting = while_in == HTTP_STATE_HEAD && !h->started;
                        if (waiting && !conn_set_idle(c, true))
                                return false;
                        ssize_t n = conn_fill(c, b);
                        if (waiting && !conn_set_idle(c, false))
                                return false;
                        if (n <= 0)
                                return false;
                }
                b->start += http_request_feed(h, b->data + b->start, b->end - b->start);
        }
        return true;
}

static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

/* Reads and answers one request. Returns true when the connection may
 * carry another one. */
static bool conn_serve_one(ApiConn *c, ConnBuf *b)
{
        ApiServer *s = c->server;
        HttpRequest h;
        http_request_init(&h);
        bool keep = false;
        ApiRequest *req = NULL;

        if (!conn_parse(c, b, &h, HTTP_STATE_HEAD))
                goto out;
        if (h.state == HTTP_STATE_ERROR) {
                log_debug("API: malformed request: %s",
                          http_errno_description(HTTP_PARSER_ERRNO(&h.parser)));
                api_reply_bare_error(c->fd, h.error_status,
                                     h.error_status == 431 ? "request headers too large"
                                                           : "malformed HTTP request");
                goto out;
        }

        req = calloc(1, sizeof(*req));
        if (!req)
                goto out;
        req->server = s;
        req->http = &h;
        req->fd = c->fd;
        req->method = h.method;
        req->body_fd = -1;
        req->stream_fd = -1;
        h.on_body = take_body;
        h.body_userdata = req;
        keep = h.keep_alive;

        int r = start_request(req);
        if (r < 0)
                goto out;
        if (r > 0) {
                /* The error is known before the body: without one, keep the
                 * connection (Docker clients reuse it); with one, answer
                 * now and close rather than read what nobody wants. */
                if (http_request_has_body(&h))
                        keep = false;
                else if (!conn_parse(c, b, &h, HTTP_STATE_BODY) || h.state != HTTP_STATE_DONE)
                        goto out;
                if (api_reply_send(req, &keep, NULL, 0) < 0)
                        keep = false;
                goto out;
        }
        if (h.expect_continue && http_request_has_body(&h) &&
            api_send_all(c->fd, continue_line, strlen(continue_line)) < 0)
                goto out;
        if (!conn_parse(c, b, &h, HTTP_STATE_BODY) || h.state != HTTP_STATE_DONE) {
                keep = false;
                goto out;
        }
        h.on_body = NULL;
        dispatch(req);
        /* Stop wins over keep-alive, but the reply still goes out. */
        pthread_mutex_lock(&s->lock);
        if (s->stopping)
                keep = false;
        pthread_mutex_unlock(&s->lock);
        if (api_reply_send(req, &keep, b->data + b->start, b->end - b->start) < 0)
                keep = false;
        if (req->kind == API_REPLY_HIJACK)
                keep = false; /* the connection belonged to the callback */
out:
        request_free(req);
        http_request_clear(&h);
        return keep;
}

static void *conn_thread(void *arg)
{
        ApiConn *c = arg;
        ApiServer *s = c->server;
        ConnBuf b = {.data = malloc(API_READ_BUF)};
        if (b.data)
                while (conn_serve_one(c, &b))
                        ;
        free(b.data);
        /* Unlink before close: stop must never shut down a reused fd number. */
        pthread_mutex_lock(&s->lock);
        for (ApiConn **p = &s->conns; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
        s->n_conns--;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        close(c->fd);
        free(c);
        return NULL;
}

static void conn_start(ApiServer *s, int fd)
{
        ApiConn *c = calloc(1, sizeof(*c));
        if (!c) {
                close(fd);
                return;
        }
        c->server = s;
        c->fd = fd;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, API_THREAD_STACK);
        pthread_mutex_lock(&s->lock);
        int r = EBUSY;
        if (!s->stopping && s->n_conns < API_MAX_CONNS) {
                c->next = s->conns;
                s->conns = c;
                s->n_conns++;
                pthread_t t;
                r = pthread_create(&t, &attr, conn_thread, c);
                if (r != 0) {
                        s->conns = c->next;
                        s->n_conns--;
                }
        }
        pthread_mutex_unlock(&s->lock);
        pthread_attr_destroy(&attr);
        if (r != 0) {
                log_debug("API: connection refused: %s", strerror(r));
                close(fd);
                free(c);
        }
}

static void *accept_thread(void *arg)
{
        ApiListener *l = arg;
        ApiServer *s = l->server;
        for (;;) {
                struct pollfd p[2] = {{.fd = l->fd, .events = POLLIN},
                                      {.fd = s->stop_efd, .events = POLLIN}};
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        log_warn("API: poll on '%s': %m", l->path);
                        return NULL;
                }
                if (p[1].revents)
                        return NULL;
                if (!p[0].revents)
                        continue;
                int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
                if (fd < 0) {
                        if (errno == EMFILE || errno == ENFILE) {
                                /* out of fds: don't spin on the pending one */
                                log_warn("API: accept on '%s': %m", l->path);
                                struct pollfd w = {.fd = s->stop_efd, .events = POLLIN};
                                if (poll(&w, 1, 100) > 0)
                                        return NULL;
                        }
                        continue;
                }
                conn_start(s, fd);
        }
}

static void listener_free(ApiListener *l)
{
        if (!l)
                return;
        if (l->fd >= 0)
                close(l->fd);
        api_socket_remove(l->path, l->dev, l->ino);
        free(l->path);
        free(l);
}

int api_server_listen_unix(ApiServer *s, const char *path, BerthError **err)
{
        ApiListener **ls = reallocarray(s->listeners, s->n_listeners + 1, sizeof(*ls));
        if (!ls)
                return error_set(err, ENOMEM, "listen on '%s': out of memory", path);
        s->listeners = ls;
        ApiListener *l = calloc(1, sizeof(*l));
        if (!l)
                return error_set(err, ENOMEM, "listen on '%s': out of memory", path);
        l->server = s;
        l->fd = -1;
        l->path = strdup(path);
        if (!l->path) {
                free(l);
                return error_set(err, ENOMEM, "listen on '%s': out of memory", path);
        }
        int r = api_socket_bind_unix(path, &l->fd, &l->dev, &l->ino, err);
        if (r < 0) {
                free(l->path);
                free(l);
                return r;
        }
        r = pthread_create(&l->thread, NULL, accept_thread, l);
        if (r != 0) {
                listener_free(l);
                return error_set_errno(err, r, "listen on '%s': start the accept thread", path);
        }
        s->listeners[s->n_listeners++] = l;
        return 0;
}

/* Waits until no connection thread runs, or the deadline passes. */
static bool wait_conns(ApiServer *s, int seconds)
{
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += seconds;
        pthread_mutex_lock(&s->lock);
        while (s->n_conns > 0)
                if (pthread_cond_timedwait(&s->cond, &s->lock, &deadline) == ETIMEDOUT)
                        break;
        bool done = s->n_conns == 0;
        pthread_mutex_unlock(&s->lock);
        return done;
}

void api_server_stop(ApiServer *s)
{
        pthread_mutex_lock(&s->lock);
        bool already = s->stopping;
        s->stopping = true;
        /* idle keep-alive connections: their read sees EOF */
        for (ApiConn *c = s->conns; c; c = c->next)
                if (c->idle)
                        shutdown(c->fd, SHUT_RDWR);
        pthread_mutex_unlock(&s->lock);
        if (!already) {
                /* wakes the accept loops and stream readers */
                uint64_t one = 1;
                if (write(s->stop_efd, &one, sizeof(one)) < 0)
                        log_debug("API: wake stream readers: %m");
        }
        api_hijack_stop_all(s);
        for (size_t i = 0; i < s->n_listeners; i++) {
                pthread_join(s->listeners[i]->thread, NULL);
                listener_free(s->listeners[i]);
        }
        free(s->listeners);
        s->listeners = NULL;
        s->n_listeners = 0;
        /* Handlers still running get a while to finish their reply; then
         * their sockets are cut, which ends reads and writes on them. */
        if (wait_conns(s, API_STOP_WAIT_SEC))
                return;
        pthread_mutex_lock(&s->lock);
        log_warn("API: %u connection(s) still busy at shutdown, cutting them", s->n_conns);
        for (ApiConn *c = s->conns; c; c = c->next)
                shutdown(c->fd, SHUT_RDWR);
        pthread_mutex_unlock(&s->lock);
        if (!wait_conns(s, API_STOP_WAIT_SEC))
                log_warn("API: %u connection thread(s) did not end at shutdown", s->n_conns);
}

ApiServer *api_server_free(ApiServer *s)
{
        if (!s)
                return NULL;
        api_server_stop(s);
        pthread_mutex_lock(&s->lock);
        bool busy = s->n_conns > 0;
        pthread_mutex_unlock(&s->lock);
        if (busy)
                return NULL; /* threads still use it: leak rather than crash */
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
        return http_request_header(req->http, name);
}

/* libmicrohttpd's rules, which the handlers were written against: the first
 * value wins, and "?all" (no '=') has a NULL value. */
static const HttpField *query_field(const ApiRequest *req, const char *key)
{
        for (size_t i = 0; i < req->http->n_query; i++)
                if (STREQ(req->http->query[i].name, key))
                        return &req->http->query[i];
        return NULL;
}

const char *api_request_query(const ApiRequest *req, const char *key)
{
        const HttpField *f = query_field(req, key);
        return f ? f->value : NULL;
}

int api_request_query_all(const ApiRequest *req, const char *key, char ***ret)
{
        char **values = calloc(1, sizeof(char *));
        if (!values)
                return -ENOMEM;
        for (size_t i = 0; i < req->http->n_query; i++) {
                const HttpField *f = &req->http->query[i];
                if (STREQ(f->name, key) && strv_append(&values, f->value ? f->value : "") < 0) {
                        strv_free(values);
                        return -ENOMEM;
                }
        }
        *ret = values;
        return 0;
}

bool api_request_query_bool(const ApiRequest *req, const char *key, bool def)
{
        /* "?all" (no '=') is present and empty: false, as in Docker. */
        const HttpField *f = query_field(req, key);
        if (!f)
                return def;
        return api_parse_bool(f->value ? f->value : "");
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
        const char *ct = api_request_header(req, "Content-Type");
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
