/* POST /containers/{id}/attach, GET /containers/{id}/logs (api_logs.c) and
 * POST /containers/{id}/resize: the daemon's side of berth-monitor's
 * attach.sock and ctl.sock (see monitor/monitor.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/log.h"
#include "daemon/api.h"
#include "daemon/api_attach_internal.h"
#include "daemon/api_routes.h"
#include "monitor/monitor.h"

#define WAIT_SLICE_MS 500
#define RELAY_BUF     (32 * 1024)

/* Connects to EXECDIR/NAME; paths longer than sun_path go through
 * /proc/self/fd of the directory. */
static int connect_monitor(const char *exec_dir, const char *name, BerthError **err)
{
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        _cleanup_close_ int dfd = -1;
        int n = snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", exec_dir, name);
        if (n < 0 || (size_t)n >= sizeof(a.sun_path)) {
                dfd = open(exec_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0)
                        return error_set_errno(err, errno, "open '%s'", exec_dir);
                snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/%s", dfd, name);
        }
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "socket");
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
                int e = errno;
                close(fd);
                return error_set_errno(err, e, "connect to the container's monitor (%s/%s)",
                                       exec_dir, name);
        }
        return fd;
}

static const char *stream_content_type(const ApiRequest *req, bool tty)
{
        if (tty || api_version_compare(api_request_version(req), "1.42") < 0)
                return "application/vnd.docker.raw-stream";
        return "application/vnd.docker.multiplexed-stream";
}

/* ---- attach ---- */

typedef struct AttachJob {
        Engine *e;
        char id[65];
        char *exec_dir;
        char *log_path;
        bool tty;
        bool running;
        uint64_t starts;
        bool in, out, err, logs, stream;
        ApiDetachFilter detach;
} AttachJob;

static void attach_job_free(void *p)
{
        AttachJob *j = p;
        if (!j)
                return;
        free(j->exec_dir);
        free(j->log_path);
        free(j);
}

static bool peer_hung_up(int fd)
{
        struct pollfd p = {.fd = fd, .events = POLLRDHUP};
        return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

/* Bytes from the client (pending first) to the monitor. Returns 1 on
 * detach, 0 otherwise, < 0 when the monitor is gone. */
static int forward_input(AttachJob *j, int mon, const void *data, size_t n)
{
        uint8_t out[RELAY_BUF + API_DETACH_KEYS_MAX];
        const uint8_t *p = data;
        while (n > 0) {
                size_t take = n > RELAY_BUF ? RELAY_BUF : n;
                size_t olen = 0;
                bool det = api_detach_filter(&j->detach, p, take, out, &olen);
                if (olen && write_all_fd(mon, out, olen) < 0)
                        return -EPIPE;
                if (det)
                        return 1;
                p += take;
                n -= take;
        }
        return 0;
}

static void relay(AttachJob *j, int client, int mon, const void *pending, size_t pending_len)
{
        char buf[RELAY_BUF];
        bool client_in = j->in;
        if (client_in && pending_len > 0) {
                int r = forward_input(j, mon, pending, pending_len);
                if (r != 0)
                        return;
        }
        for (;;) {
                struct pollfd p[2] = {
                    {.fd = mon, .events = POLLIN},
                    {.fd = client, .events = client_in ? POLLIN : 0},
                };
                int n = poll(p, 2, -1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return;
                if (p[1].revents & (POLLERR | POLLNVAL))
                        return;
                if (p[1].revents & POLLIN) {
                        ssize_t r = read(client, buf, sizeof(buf));
                        if (r > 0) {
                                if (forward_input(j, mon, buf, (size_t)r) != 0)
                                        return;
                        } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                                /* the client closed its input: so does its stdin */
                                client_in = false;
                                shutdown(mon, SHUT_WR);
                        }
                } else if ((p[1].revents & POLLHUP) && !(p[0].revents & POLLIN)) {
                        return;
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t r = read(mon, buf, sizeof(buf));
                        if (r < 0 && errno == EINTR)
                                continue;
                        if (r <= 0)
                                return; /* the container exited and all was sent */
                        if (write_all_fd(client, buf, (size_t)r) < 0)
                                return;
                }
        }
}

static void attach_fn(int fd, const void *pending, size_t pending_len, void *userdata)
{
        AttachJob *j = userdata;
        if (j->logs && j->log_path) {
                ApiLogsOptions o = {.out = j->out, .err = j->err, .tty = j->tty, .tail = -1};
                if (api_logs_write(j->e, j->id, j->log_path, &o, fd) < 0)
                        return;
        }
        if (!j->stream)
                return;
        bool waited = false;
        if (!j->running) {
                /* attach before start: wait for the next start, then connect
                 * before the engine lets the container run */
                for (;;) {
                        int r = engine_wait_started(j->e, j->id, j->starts, WAIT_SLICE_MS, NULL);
                        if (r == 0)
                                break;
                        if (r != -ETIMEDOUT || peer_hung_up(fd))
                                return;
                }
                waited = true;
        }
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_close_ int mon = connect_monitor(j->exec_dir, MONITOR_ATTACH_SOCK, &err);
        if (mon >= 0) {
                char req[96];
                snprintf(req, sizeof(req), "{\"stdin\":%s,\"stdout\":%s,\"stderr\":%s}\n",
                         j->in ? "true" : "false", j->out ? "true" : "false",
                         j->err ? "true" : "false");
                if (write_all_fd(mon, req, strlen(req)) < 0)
                        close(TAKE_FD(mon));
        }
        if (waited)
                engine_attach_connected(j->e, j->id);
        if (mon < 0) {
                log_debug("container %.12s: attach: %s", j->id,
                          err && err->message ? err->message : "monitor gone");
                return;
        }
        relay(j, fd, mon, pending, pending_len);
}

static int attach_handler(ApiRequest *req, void *userdata, BerthError **err)
{
        Engine *e = userdata;
        uint8_t keys[API_DETACH_KEYS_MAX];
        size_t nkeys = 0;
        int r = api_detach_keys_parse(api_request_query(req, "detachKeys"), keys, &nkeys, err);
        if (r < 0)
                return r;
        EngineContainer *c = NULL;
        if ((r = engine_container_get(e, api_request_param(req, "id"), &c, err)) < 0)
                return r;
        if (c->state == ENGINE_PAUSED) {
                engine_container_free(c);
                return error_set(err, EBUSY,
                                 "You cannot attach to a paused container, unpause it first");
        }
        if (c->state == ENGINE_RESTARTING) {
                engine_container_free(c);
                return error_set(err, EBUSY,
                                 "You cannot attach to a restarting container, wait "
                                 "until it is running");
        }
        AttachJob *j = calloc(1, sizeof(*j));
        if (!j || !(j->exec_dir = strdup(c->exec_dir)) ||
            (c->log_path && !(j->log_path = strdup(c->log_path)))) {
                attach_job_free(j);
                engine_container_free(c);
                return error_set(err, ENOMEM, "out of memory");
        }
        j->e = e;
        memcpy(j->id, c->id, sizeof(j->id));
        j->tty = c->tty;
        j->running = c->state == ENGINE_RUNNING;
        j->starts = c->starts;
        j->stream = api_request_query_bool(req, "stream", false);
        j->logs = api_request_query_bool(req, "logs", false);
        j->in = api_request_query_bool(req, "stdin", false) && c->open_stdin;
        j->out = api_request_query_bool(req, "stdout", false);
        j->err = api_request_query_bool(req, "stderr", false);
        memcpy(j->detach.keys, keys, nkeys);
        j->detach.n = nkeys;
        engine_container_free(c);
        return api_reply_hijack(req, stream_content_type(req, j->tty), attach_fn, j,
                                attach_job_free);
}

/* ---- resize ---- */

static int parse_dim(const char *s, const char *what, unsigned *ret, BerthError **err)
{
        char *end;
        errno = 0;
        long v = s ? strtol(s, &end, 10) : 0;
        if (!s || !*s || errno || *end || v < 0 || v > 65535)
                return error_set(err, EINVAL, "invalid %s '%s': expected a number of %s", what,
                                 s ? s : "", strcmp(what, "h") == 0 ? "rows" : "columns");
        *ret = (unsigned)v;
        return 0;
}

static int resize_handler(ApiRequest *req, void *userdata, BerthError **err)
{
        Engine *e = userdata;
        unsigned h, w;
        int r;
        if ((r = parse_dim(api_request_query(req, "h"), "h", &h, err)) < 0 ||
            (r = parse_dim(api_request_query(req, "w"), "w", &w, err)) < 0)
                return r;
        EngineContainer *c = NULL;
        if ((r = engine_container_get(e, api_request_param(req, "id"), &c, err)) < 0)
                return r;
        if (c->state != ENGINE_RUNNING && c->state != ENGINE_PAUSED) {
                r = error_set(err, EBUSY, "Container %s is not running", c->id);
                engine_container_free(c);
                return r;
        }
        int fd = connect_monitor(c->exec_dir, MONITOR_CTL_SOCK, err);
        engine_container_free(c);
        if (fd < 0)
                return fd;
        _cleanup_close_ int sock = fd;
        char line[128];
        snprintf(line, sizeof(line), "{\"op\":\"resize\",\"height\":%u,\"width\":%u}\n", h, w);
        struct timeval tv = {.tv_sec = 5};
        setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (write_all_fd(sock, line, strlen(line)) < 0)
                return error_set_errno(err, errno, "send the resize to the container's monitor");
        char reply[512];
        size_t n = 0;
        while (n < sizeof(reply) - 1) {
                ssize_t k = read(sock, reply + n, sizeof(reply) - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                n += (size_t)k;
                if (memchr(reply, '\n', n))
                        break;
        }
        reply[n] = 0;
        _cleanup_json_ json_t *j = json_loads(reply, JSON_DISABLE_EOF_CHECK, NULL);
        if (!json_is_object(j))
                return error_set(err, EIO, "the container's monitor did not answer the resize");
        if (!json_is_true(json_object_get(j, "ok"))) {
                const char *m = json_string_value(json_object_get(j, "message"));
                return error_set(err, EIO, "resize: %s", m ? m : "failed");
        }
        return api_reply_empty(req, 200);
}

int api_attach_register(Engine *e, ApiRouter *r, BerthError **err)
{
        if (api_router_add(r, "POST", "/containers/{id}/attach", attach_handler, e,
                           API_ROUTE_NO_BODY, 0) < 0 ||
            api_router_add(r, "GET", "/containers/{id}/logs", api_logs_handler, e,
                           API_ROUTE_NO_BODY, 0) < 0 ||
            api_router_add(r, "POST", "/containers/{id}/resize", resize_handler, e,
                           API_ROUTE_NO_BODY, 0) < 0)
                return error_set(err, EINVAL, "register the attach, logs and resize routes");
        return 0;
}
