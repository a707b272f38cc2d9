/* The monitor's event loop: the container's output to the log and to attach
 * clients, attach clients' input to the container's stdin, control requests,
 * the sync socket, signals and OOM events. One thread, one epoll set;
 * nothing here blocks. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "monitor/monitor.h"
#include "monitor/monitor_internal.h"

#define READ_CHUNK   8192
#define REQUEST_MAX  1024
#define SMALL_BUFCAP (64 * 1024)

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int buf_append(MonBuf *b, const void *data, size_t len)
{
        if (b->len + len > b->cap) {
                size_t n = b->cap ? b->cap : 4096;
                while (n < b->len + len)
                        n *= 2;
                char *d = realloc(b->data, n);
                if (!d)
                        return -ENOMEM;
                b->data = d;
                b->cap = n;
        }
        memcpy(b->data + b->len, data, len);
        b->len += len;
        return 0;
}

static void buf_consume(MonBuf *b, size_t n)
{
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
        if (b->len == 0 && b->cap > SMALL_BUFCAP) {
                free(b->data);
                *b = (MonBuf){0};
        }
}

static void buf_free(MonBuf *b)
{
        free(b->data);
        *b = (MonBuf){0};
}

int mon_epoll_add(Mon *m, MonWatch *w, uint32_t events)
{
        if (w->fd < 0)
                return 0;
        struct epoll_event ev = {.events = events, .data.ptr = w};
        return epoll_ctl(m->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0 ? -errno : 0;
}

void mon_watch_close(Mon *m, MonWatch *w)
{
        if (w->fd < 0)
                return;
        if (m->epfd >= 0)
                (void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, w->fd, NULL);
        close(w->fd);
        w->fd = -1;
}

int mon_sync_send(Mon *m, const char *status, const char *message)
{
        if (m->sync.fd < 0)
                return -EBADF;
        _cleanup_json_ json_t *j = NULL;
        if (strcmp(status, "error") == 0)
                j = json_pack("{s:s,s:s}", "status", status, "message", message ? message : "");
        else if (strcmp(status, "created") == 0)
                j = json_pack("{s:s,s:i,s:i}", "status", status, "pid", (int)m->init_pid,
                              "monitor_pid", (int)getpid());
        else
                j = json_pack("{s:s,s:i}", "status", status, "pid", (int)m->init_pid);
        _cleanup_free_ char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        if (!s)
                return -ENOMEM;
        if (send(m->sync.fd, s, strlen(s), MSG_NOSIGNAL) < 0)
                return -errno;
        return 0;
}

/* ---- clients ---- */

static void client_kill(Mon *m, MonClient *c)
{
        mon_watch_close(m, &c->w);
}

static void client_update(Mon *m, MonClient *c)
{
        if (c->w.fd < 0)
                return;
        uint32_t ev = 0;
        if (!c->read_eof && (!c->ready || !c->want_in || m->in_pend.len < MON_STDIN_BUF_MAX))
                ev |= EPOLLIN;
        if (c->out.len > 0)
                ev |= EPOLLOUT;
        if (ev == c->events)
                return;
        struct epoll_event e = {.events = ev, .data.ptr = &c->w};
        if (epoll_ctl(m->epfd, EPOLL_CTL_MOD, c->w.fd, &e) == 0)
                c->events = ev;
}

static void clients_update(Mon *m)
{
        for (MonClient *c = m->clients; c; c = c->next)
                client_update(m, c);
}

static void client_flush(Mon *m, MonClient *c)
{
        while (c->w.fd >= 0 && c->out.len > 0) {
                ssize_t n = send(c->w.fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        break;
                if (n <= 0) {
                        client_kill(m, c);
                        return;
                }
                buf_consume(&c->out, (size_t)n);
        }
        client_update(m, c);
}

static void client_queue(Mon *m, MonClient *c, int stream, const char *data, size_t len)
{
        size_t need = len + (m->tty ? 0 : MONITOR_FRAME_HEADER);
        if (c->out.len + need > MON_CLIENT_BUF_MAX) {
                log_debug("%.12s: attach client too slow: %zu bytes dropped", m->id, len);
                return;
        }
        if (!m->tty) {
                uint8_t hdr[MONITOR_FRAME_HEADER];
                jsonlog_frame_header(hdr, stream, (uint32_t)len);
                if (buf_append(&c->out, hdr, sizeof(hdr)) < 0)
                        return;
        }
        if (buf_append(&c->out, data, len) < 0)
                return;
        client_flush(m, c);
}

static void stdin_flush(Mon *m);

static void stdin_set_out_watch(Mon *m, bool on)
{
        static bool watching;
        if (m->in.fd < 0) {
                watching = false;
                return;
        }
        if (on == watching)
                return;
        struct epoll_event e = {.events = EPOLLOUT, .data.ptr = &m->in};
        if (epoll_ctl(m->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, m->in.fd, &e) == 0)
                watching = on;
}

static void stdin_close(Mon *m)
{
        stdin_set_out_watch(m, false);
        if (m->in.fd >= 0) {
                close(m->in.fd);
                m->in.fd = -1;
        }
        buf_free(&m->in_pend);
}

static void stdin_flush(Mon *m)
{
        while (m->in.fd >= 0 && m->in_pend.len > 0) {
                ssize_t n = write(m->in.fd, m->in_pend.data, m->in_pend.len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n < 0) { /* EPIPE: the container closed its stdin */
                        stdin_close(m);
                        break;
                }
                buf_consume(&m->in_pend, (size_t)n);
        }
        if (m->in.fd < 0)
                buf_free(&m->in_pend);
        stdin_set_out_watch(m, m->in_pend.len > 0);
        if (m->in_pend.len == 0 && m->close_in_when_flushed && !m->tty)
                stdin_close(m);
        clients_update(m);
}

static void stdin_queue(Mon *m, const char *data, size_t len)
{
        if (m->in.fd < 0 || len == 0)
                return;
        if (buf_append(&m->in_pend, data, len) < 0)
                return;
        stdin_flush(m);
}

static void attach_request(Mon *m, MonClient *c, const char *line, size_t len)
{
        json_t *j = json_loadb(line, len, 0, NULL);
        if (!json_is_object(j)) {
                json_decref(j);
                client_kill(m, c);
                return;
        }
        c->want_in = json_is_true(json_object_get(j, "stdin"));
        c->want_out = json_is_true(json_object_get(j, "stdout"));
        c->want_err = json_is_true(json_object_get(j, "stderr"));
        c->ready = true;
        json_decref(j);
}

static void ctl_request(Mon *m, MonClient *c, const char *line, size_t len)
{
        json_t *j = json_loadb(line, len, 0, NULL);
        const char *op = json_string_value(json_object_get(j, "op"));
        char reply[256];
        if (op && strcmp(op, "resize") == 0) {
                json_int_t h = json_integer_value(json_object_get(j, "height"));
                json_int_t w = json_integer_value(json_object_get(j, "width"));
                int fd = m->out.fd >= 0 ? m->out.fd : m->in.fd;
                struct winsize ws = {.ws_row = (unsigned short)h, .ws_col = (unsigned short)w};
                if (h < 0 || w < 0 || h > 65535 || w > 65535)
                        snprintf(reply, sizeof(reply),
                                 "{\"ok\":false,\"message\":\"invalid size %lldx%lld\"}\n",
                                 (long long)h, (long long)w);
                else if (!m->tty || fd < 0 || ioctl(fd, TIOCSWINSZ, &ws) == 0)
                        snprintf(reply, sizeof(reply), "{\"ok\":true}\n");
                else
                        snprintf(reply, sizeof(reply),
                                 "{\"ok\":false,\"message\":\"resize the tty: %s\"}\n",
                                 strerror(errno));
        } else {
                snprintf(reply, sizeof(reply),
                         "{\"ok\":false,\"message\":\"unknown or missing op\"}\n");
        }
        json_decref(j);
        (void)buf_append(&c->out, reply, strlen(reply));
        c->read_eof = true; /* one request per connection */
        client_flush(m, c);
        if (c->w.fd >= 0 && c->out.len == 0)
                client_kill(m, c);
}

static void client_input(Mon *m, MonClient *c, const char *data, size_t n)
{
        if (c->ready) {
                if (c->want_in)
                        stdin_queue(m, data, n);
                return;
        }
        const char *nl = memchr(data, '\n', n);
        size_t take = nl ? (size_t)(nl - data) + 1 : n;
        if (c->in.len + take > REQUEST_MAX || buf_append(&c->in, data, take) < 0) {
                client_kill(m, c);
                return;
        }
        if (!nl)
                return;
        if (c->w.kind == MON_W_CTL) {
                ctl_request(m, c, c->in.data, c->in.len);
                buf_free(&c->in);
                return;
        }
        attach_request(m, c, c->in.data, c->in.len);
        buf_free(&c->in);
        if (c->w.fd >= 0 && take < n)
                client_input(m, c, data + take, n - take);
}

static void client_read(Mon *m, MonClient *c, bool hup)
{
        char buf[READ_CHUNK];
        for (int rounds = 0; c->w.fd >= 0 && !c->read_eof; rounds++) {
                if (c->ready && c->want_in && m->in_pend.len >= MON_STDIN_BUF_MAX)
                        break;
                ssize_t n = read(c->w.fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n < 0) {
                        client_kill(m, c);
                        return;
                }
                if (n == 0) {
                        c->read_eof = true;
                        if (!c->ready) {
                                client_kill(m, c);
                                return;
                        }
                        if (c->want_in && m->stdin_once) {
                                m->close_in_when_flushed = true;
                                stdin_flush(m);
                        }
                        break;
                }
                client_input(m, c, buf, (size_t)n);
                if (!hup && rounds >= 4)
                        break; /* be fair to the others */
        }
        if (hup && c->w.fd >= 0) {
                if (c->out.len > 0)
                        client_flush(m, c);
                client_kill(m, c);
                return;
        }
        client_update(m, c);
}

static void accept_clients(Mon *m, MonWatch *l)
{
        for (;;) {
                int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        return;
                }
                MonClient *c = calloc(1, sizeof(*c));
                if (!c) {
                        close(fd);
                        return;
                }
                c->w = (MonWatch){l->kind == MON_W_CTL_LISTEN ? MON_W_CTL : MON_W_CLIENT, fd};
                c->events = EPOLLIN;
                if (mon_epoll_add(m, &c->w, EPOLLIN) < 0) {
                        close(fd);
                        free(c);
                        continue;
                }
                c->next = m->clients;
                m->clients = c;
        }
}

void mon_accept_pending(Mon *m)
{
        /* berthd sends "start" once its attach clients are connected and
         * have sent their request: take them in first, so that they get
         * the container's output from its first byte */
        if (m->attach_l.fd >= 0)
                accept_clients(m, &m->attach_l);
        for (MonClient *c = m->clients; c; c = c->next)
                if (c->w.fd >= 0 && c->w.kind == MON_W_CLIENT && !c->ready)
                        client_read(m, c, false);
}

static void clients_gc(Mon *m)
{
        MonClient **pp = &m->clients;
        while (*pp) {
                MonClient *c = *pp;
                if (c->w.fd < 0) {
                        *pp = c->next;
                        buf_free(&c->in);
                        buf_free(&c->out);
                        free(c);
                } else {
                        pp = &c->next;
                }
        }
}

void mon_clients_close(Mon *m)
{
        for (MonClient *c = m->clients; c; c = c->next)
                client_kill(m, c);
        clients_gc(m);
        mon_watch_close(m, &m->attach_l);
        mon_watch_close(m, &m->ctl_l);
}

static bool clients_have_output(Mon *m)
{
        for (MonClient *c = m->clients; c; c = c->next)
                if (c->w.fd >= 0 && c->ready && c->out.len > 0)
                        return true;
        return false;
}

/* ---- container output ---- */

static void output(Mon *m, MonWatch *w)
{
        int stream = w->kind == MON_W_STDERR ? MONITOR_STREAM_STDERR : MONITOR_STREAM_STDOUT;
        char buf[READ_CHUNK];
        for (int rounds = 0; rounds < 8 && w->fd >= 0; rounds++) {
                ssize_t n = read(w->fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0) { /* EOF, or EIO from a pty whose slave is closed */
                        if (m->log)
                                jsonlog_flush(m->log, stream);
                        if (m->tty && w == &m->out)
                                stdin_close(m);
                        mon_watch_close(m, w);
                        return;
                }
                if (m->log && jsonlog_feed(m->log, stream, buf, (size_t)n) < 0)
                        log_debug("%.12s: log write failed", m->id);
                for (MonClient *c = m->clients; c; c = c->next) {
                        if (c->w.kind != MON_W_CLIENT || c->w.fd < 0 || !c->ready)
                                continue;
                        bool want =
                            m->tty ? (c->want_out || c->want_err)
                                   : (stream == MONITOR_STREAM_STDOUT ? c->want_out : c->want_err);
                        if (want)
                                client_queue(m, c, stream, buf, (size_t)n);
                }
        }
}

static void sync_read(Mon *m)
{
        char buf[1024];
        ssize_t n = recv(m->sync.fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                mon_watch_close(m, &m->sync);
                if (!m->started && !m->init_exited) {
                        log_debug("%.12s: berthd gave up before start", m->id);
                        m->abandon = true;
                        m->quit = true;
                }
                return;
        }
        json_t *j = json_loadb(buf, (size_t)n, 0, NULL);
        const char *op = json_string_value(json_object_get(j, "op"));
        if (op && strcmp(op, "start") == 0 && !m->started)
                mon_on_start(m);
        json_decref(j);
}

static void signals(Mon *m)
{
        struct signalfd_siginfo si;
        while (read(m->sig.fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                if (si.ssi_signo == SIGCHLD)
                        mon_reap(m);
                else
                        log_debug("%.12s: signal %u ignored", m->id, si.ssi_signo);
        }
}

int mon_loop(Mon *m)
{
        struct epoll_event evs[16];
        int64_t deadline = 0;
        bool outputs_done = false;
        while (!m->quit) {
                int timeout = -1;
                if (m->init_exited) {
                        if (m->sync.fd >= 0 && !m->started) {
                                mon_sync_send(m, "error",
                                              "the container's process exited before start");
                                mon_watch_close(m, &m->sync);
                        }
                        int64_t now = now_ms();
                        if (!deadline)
                                deadline = now + MON_DRAIN_MS;
                        if (!outputs_done && (m->out.fd < 0 && m->err.fd < 0)) {
                                outputs_done = true;
                                deadline = now + MON_DRAIN_MS;
                        }
                        if (!outputs_done && now >= deadline) {
                                /* a process outside the pid namespace holds them */
                                if (m->log) {
                                        jsonlog_flush(m->log, MONITOR_STREAM_STDOUT);
                                        jsonlog_flush(m->log, MONITOR_STREAM_STDERR);
                                }
                                mon_watch_close(m, &m->out);
                                mon_watch_close(m, &m->err);
                                outputs_done = true;
                                deadline = now + MON_DRAIN_MS;
                        }
                        if (outputs_done && (!clients_have_output(m) || now >= deadline))
                                break;
                        timeout = (int)(deadline - now);
                        if (timeout > 100)
                                timeout = 100;
                        if (timeout < 0)
                                timeout = 0;
                }
                int n = epoll_wait(m->epfd, evs, (int)ARRAY_SIZE(evs), timeout);
                if (n < 0 && errno != EINTR)
                        return -errno;
                for (int i = 0; i < n; i++) {
                        MonWatch *w = evs[i].data.ptr;
                        uint32_t e = evs[i].events;
                        if (w->fd < 0)
                                continue;
                        switch (w->kind) {
                        case MON_W_SIGNAL:
                                signals(m);
                                break;
                        case MON_W_SYNC:
                                sync_read(m);
                                break;
                        case MON_W_ATTACH_LISTEN:
                        case MON_W_CTL_LISTEN:
                                accept_clients(m, w);
                                break;
                        case MON_W_STDOUT:
                        case MON_W_STDERR:
                                output(m, w);
                                break;
                        case MON_W_STDIN:
                                stdin_flush(m);
                                break;
                        case MON_W_OOM: {
                                uint64_t v;
                                if (read(w->fd, &v, sizeof(v)) == (ssize_t)sizeof(v) && v > 0)
                                        m->oom_killed = true;
                                break;
                        }
                        case MON_W_CLIENT:
                        case MON_W_CTL: {
                                MonClient *c = (MonClient *)w;
                                if (e & EPOLLERR) {
                                        client_kill(m, c);
                                        break;
                                }
                                if (e & EPOLLOUT)
                                        client_flush(m, c);
                                if (e & (EPOLLIN | EPOLLHUP))
                                        client_read(m, c, (e & EPOLLHUP) != 0);
                                break;
                        }
                        }
                }
                clients_gc(m);
        }
        return 0;
}
