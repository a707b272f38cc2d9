/* GET /containers/{id}/logs, and the log replay of attach (logs=1): reads
 * the json-file log the container's monitor writes (with its rotated
 * files), filters and encodes it for the client; follow mode keeps reading
 * while the container runs, in its own thread, feeding a pipe that the
 * server streams. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/strv.h"
#include "daemon/api.h"
#include "daemon/api_attach_internal.h"
#include "monitor/jsonlog.h"
#include "monitor/monitor.h"

#define READ_BUF     (64 * 1024)
#define FOLLOW_POLL  200 /* ms between looks at the file and the container */
#define MAX_LOG_LINE (4 * 1024 * 1024)

typedef struct Out {
        int fd;
        const ApiLogsOptions *o;
        char *buf;
        size_t cap;
        bool done; /* until passed */
} Out;

static int emit(Out *w, const JsonLogEntry *en)
{
        const ApiLogsOptions *o = w->o;
        if (o->until && en->time_ns > o->until) {
                w->done = true;
                return 0;
        }
        if ((en->stream == MONITOR_STREAM_STDERR && !o->err) ||
            (en->stream != MONITOR_STREAM_STDERR && !o->out))
                return 0;
        if (o->since && en->time_ns < o->since)
                return 0;
        size_t need = MONITOR_FRAME_HEADER + 40 + en->len;
        if (need > w->cap) {
                char *b = realloc(w->buf, need);
                if (!b)
                        return -ENOMEM;
                w->buf = b;
                w->cap = need;
        }
        size_t n = o->tty ? 0 : MONITOR_FRAME_HEADER;
        if (o->timestamps) {
                jsonlog_format_time(en->time_ns, w->buf + n, 40);
                n += strlen(w->buf + n);
                w->buf[n++] = ' ';
        }
        memcpy(w->buf + n, en->log, en->len);
        n += en->len;
        if (!o->tty)
                jsonlog_frame_header((uint8_t *)w->buf, en->stream,
                                     (uint32_t)(n - MONITOR_FRAME_HEADER));
        return write_all_fd(w->fd, w->buf, n);
}

/* Tail: the last N entries of every file, in order. */
typedef struct Ring {
        JsonLogEntry *e;
        size_t cap, start, n;
} Ring;

static void ring_push(Ring *r, JsonLogEntry *en)
{
        if (r->cap == 0) {
                jsonlog_entry_clear(en);
                return;
        }
        size_t i = (r->start + r->n) % r->cap;
        if (r->n == r->cap) {
                jsonlog_entry_clear(&r->e[r->start]);
                r->start = (r->start + 1) % r->cap;
                i = (r->start + r->n - 1) % r->cap;
        } else {
                r->n++;
        }
        r->e[i] = *en;
        *en = (JsonLogEntry){0};
}

typedef struct Reader {
        int fd;
        char *buf;
        size_t len, cap;
} Reader;

typedef int (*LineFn)(JsonLogEntry *en, void *userdata);

/* Reads what fd has now and hands each complete entry to fn; a partial
 * last line stays in the reader for the next call. */
static int reader_pump(Reader *rd, LineFn fn, void *userdata)
{
        for (;;) {
                if (rd->cap - rd->len < READ_BUF / 2) {
                        size_t nc = rd->cap ? rd->cap * 2 : READ_BUF;
                        if (nc > MAX_LOG_LINE + READ_BUF) {
                                rd->len = 0; /* a line too long to be ours: drop it */
                                nc = rd->cap;
                        }
                        char *b = realloc(rd->buf, nc);
                        if (!b)
                                return -ENOMEM;
                        rd->buf = b;
                        rd->cap = nc;
                }
                ssize_t n = read(rd->fd, rd->buf + rd->len, rd->cap - rd->len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                rd->len += (size_t)n;
                size_t off = 0;
                char *nl;
                while ((nl = memchr(rd->buf + off, '\n', rd->len - off))) {
                        size_t ll = (size_t)(nl - (rd->buf + off));
                        JsonLogEntry en;
                        if (jsonlog_parse_line(rd->buf + off, ll, &en) == 0) {
                                int r = fn(&en, userdata);
                                jsonlog_entry_clear(&en);
                                if (r != 0) {
                                        memmove(rd->buf, nl + 1, rd->len - off - ll - 1);
                                        rd->len -= off + ll + 1;
                                        return r;
                                }
                        }
                        off += ll + 1;
                }
                memmove(rd->buf, rd->buf + off, rd->len - off);
                rd->len -= off;
        }
}

static int to_ring(JsonLogEntry *en, void *userdata)
{
        ring_push(userdata, en);
        return 0;
}

static int to_out(JsonLogEntry *en, void *userdata)
{
        Out *w = userdata;
        int r = emit(w, en);
        if (r < 0)
                return r;
        return w->done ? 1 : 0;
}

static bool still_running(Engine *e, const char *id)
{
        EngineContainer *c = NULL;
        if (engine_container_get(e, id, &c, NULL) < 0)
                return false;
        bool run = c->state == ENGINE_RUNNING || c->state == ENGINE_PAUSED ||
                   c->state == ENGINE_RESTARTING;
        engine_container_free(c);
        return run;
}

static bool client_gone(int fd, int timeout_ms)
{
        struct pollfd p = {.fd = fd, .events = 0};
        int n = poll(&p, 1, timeout_ms);
        return n > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

int api_logs_write(Engine *e, const char *id, const char *path, const ApiLogsOptions *o, int fd)
{
        Out w = {.fd = fd, .o = o};
        _cleanup_strv_free_ char **files = NULL;
        Reader cur = {.fd = -1};
        Ring ring = {0};
        int r = 0;
        if (o->follow && (cur.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 && errno != ENOENT)
                return -errno;
        if ((r = jsonlog_files(path, &files, NULL)) < 0)
                goto out;
        if (o->tail >= 0) {
                ring.cap = (size_t)o->tail;
                if (ring.cap && !(ring.e = calloc(ring.cap, sizeof(*ring.e)))) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        STRV_FOREACH(f, files)
        {
                bool is_cur = strcmp(*f, path) == 0 && cur.fd >= 0;
                Reader rd = {.fd = is_cur ? cur.fd : open(*f, O_RDONLY | O_CLOEXEC)};
                if (rd.fd < 0)
                        continue;
                r = reader_pump(&rd, o->tail >= 0 ? to_ring : to_out,
                                o->tail >= 0 ? (void *)&ring : (void *)&w);
                if (is_cur) {
                        cur.buf = rd.buf; /* keep a partial line for follow */
                        cur.len = rd.len;
                        cur.cap = rd.cap;
                } else {
                        close(rd.fd);
                        free(rd.buf);
                }
                if (r != 0)
                        break;
        }
        if (r < 0)
                goto out;
        r = 0;
        for (size_t i = 0; i < ring.n && !w.done; i++)
                if ((r = emit(&w, &ring.e[(ring.start + i) % ring.cap])) < 0)
                        goto out;
        if (!o->follow || w.done)
                goto out;
        /* follow: new entries until the container stops */
        for (;;) {
                if (client_gone(fd, FOLLOW_POLL))
                        break;
                bool running = still_running(e, id);
                if (cur.fd >= 0 && (r = reader_pump(&cur, to_out, &w)) != 0)
                        break;
                struct stat a, b;
                if (stat(path, &a) == 0 &&
                    (cur.fd < 0 || fstat(cur.fd, &b) < 0 || a.st_ino != b.st_ino)) {
                        /* rotated (or created): what was written to the old
                         * file before it was renamed is read first */
                        if (cur.fd >= 0) {
                                if ((r = reader_pump(&cur, to_out, &w)) != 0)
                                        break;
                                close(cur.fd);
                        }
                        cur.len = 0;
                        cur.fd = open(path, O_RDONLY | O_CLOEXEC);
                        if (cur.fd >= 0 && (r = reader_pump(&cur, to_out, &w)) != 0)
                                break;
                } else if (cur.fd >= 0 && fstat(cur.fd, &b) == 0 &&
                           b.st_size < lseek(cur.fd, 0, SEEK_CUR)) {
                        /* truncated in place (max-file 1): from the start */
                        (void)lseek(cur.fd, 0, SEEK_SET);
                        cur.len = 0;
                }
                if (!running || (o->until && jsonlog_now_ns() > o->until))
                        break;
        }
        if (r > 0)
                r = 0;
out:
        for (size_t i = 0; i < ring.n; i++)
                jsonlog_entry_clear(&ring.e[(ring.start + i) % ring.cap]);
        free(ring.e);
        if (cur.fd >= 0)
                close(cur.fd);
        free(cur.buf);
        free(w.buf);
        return r;
}

/* ---- GET /containers/{id}/logs ---- */

typedef struct LogsJob {
        Engine *e;
        char id[65];
        char *path;
        ApiLogsOptions o;
        int fd;
} LogsJob;

static void *logs_thread(void *arg)
{
        LogsJob *j = arg;
        int r = api_logs_write(j->e, j->id, j->path, &j->o, j->fd);
        if (r < 0 && r != -EPIPE)
                log_debug("container %.12s: logs: %s", j->id, strerror(-r));
        close(j->fd);
        free(j->path);
        free(j);
        return NULL;
}

static int logs_parse_time(const char *s, const char *what, int64_t *ret, BerthError **err)
{
        *ret = 0;
        if (!s || !*s)
                return 0;
        if (jsonlog_parse_timestamp_arg(s, ret) < 0)
                return error_set(err, EINVAL, "invalid value for \"%s\": '%s' is not a timestamp",
                                 what, s);
        return 0;
}

int api_logs_handler(ApiRequest *req, void *userdata, BerthError **err)
{
        Engine *e = userdata;
        ApiLogsOptions o = {
            .out = api_request_query_bool(req, "stdout", false),
            .err = api_request_query_bool(req, "stderr", false),
            .timestamps = api_request_query_bool(req, "timestamps", false),
            .follow = api_request_query_bool(req, "follow", false),
            .tail = -1,
        };
        if (!o.out && !o.err)
                return error_set(err, EINVAL,
                                 "Bad parameters: you must choose at least one stream");
        const char *tail = api_request_query(req, "tail");
        if (tail && *tail && strcmp(tail, "all") != 0) {
                char *end;
                errno = 0;
                long v = strtol(tail, &end, 10);
                if (errno || end == tail || *end)
                        return error_set(err, EINVAL, "invalid value for \"tail\" \"%s\"", tail);
                o.tail = v < 0 ? -1 : v;
        }
        int r;
        if ((r = logs_parse_time(api_request_query(req, "since"), "since", &o.since, err)) < 0 ||
            (r = logs_parse_time(api_request_query(req, "until"), "until", &o.until, err)) < 0)
                return r;
        EngineContainer *c = NULL;
        if ((r = engine_container_get(e, api_request_param(req, "id"), &c, err)) < 0)
                return r;
        if (!c->log_path) {
                engine_container_free(c);
                return api_reply_message(req, 501,
                                         "configured logging driver does not support reading");
        }
        o.tty = c->tty;
        if (o.follow && !(c->state == ENGINE_RUNNING || c->state == ENGINE_PAUSED ||
                          c->state == ENGINE_RESTARTING))
                o.follow = false;
        LogsJob *j = calloc(1, sizeof(*j));
        if (!j || !(j->path = strdup(c->log_path))) {
                free(j);
                engine_container_free(c);
                return error_set(err, ENOMEM, "out of memory");
        }
        j->e = e;
        memcpy(j->id, c->id, sizeof(j->id));
        j->o = o;
        engine_container_free(c);
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) {
                free(j->path);
                free(j);
                return error_set_errno(err, errno, "create a pipe for the logs");
        }
        j->fd = p[1];
        const char *ct = o.tty ? "application/vnd.docker.raw-stream"
                         : api_version_compare(api_request_version(req), "1.42") >= 0
                             ? "application/vnd.docker.multiplexed-stream"
                             : "application/vnd.docker.raw-stream";
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        r = pthread_create(&t, &at, logs_thread, j);
        pthread_attr_destroy(&at);
        if (r != 0) {
                close(p[0]);
                close(p[1]);
                free(j->path);
                free(j);
                return error_set_errno(err, r, "start the logs thread");
        }
        return api_reply_stream_fd(req, 200, ct, p[0]);
}
