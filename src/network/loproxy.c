/* The [::1] relay (see loproxy.h): listeners and connection pairs in one
 * epoll loop, changed under a lock by net_loproxy_set. */
#include "network/loproxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_BUF (64 * 1024)

typedef enum { W_LISTEN, W_CONN } WatchKind;

typedef struct Listener {
        WatchKind kind;
        int fd;
        uint16_t port;
        struct sockaddr_in6 to; /* the container's address and port */
        struct Listener *next;
} Listener;

/* One direction of a relayed connection: bytes read from src wait in buf
 * until dst takes them. */
typedef struct Half {
        size_t off, len;
        bool eof; /* src has no more to send */
        char buf[RELAY_BUF];
} Half;

typedef struct Conn {
        WatchKind kind;
        int fd;              /* this side's socket */
        struct Conn *peer;   /* the other side */
        Half in;             /* read from fd, to be written to peer */
        bool connecting;     /* the container side, until connect completes */
        bool shut_wr;        /* shutdown(SHUT_WR) done on fd */
        struct Conn *next;   /* every connection, for freeing */
        struct Conn **pprev; /* unlinking */
} Conn;

struct NetLoProxy {
        pthread_mutex_t lock;
        int epfd, wake;
        pthread_t thread;
        bool running;
        Listener *listeners;
        Conn *conns;
};

static int listen_on(uint16_t port, int *ret)
{
        int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        struct sockaddr_in6 a = {
            .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, SOMAXCONN) < 0) {
                int e = errno;
                close(fd);
                return -e;
        }
        *ret = fd;
        return 0;
}

static void conn_unlink_free(Conn *c)
{
        if (!c)
                return;
        if (c->fd >= 0)
                close(c->fd);
        *c->pprev = c->next;
        if (c->next)
                c->next->pprev = c->pprev;
        free(c);
}

/* Both sides go together. */
static void pair_close(Conn *c)
{
        Conn *p = c->peer;
        conn_unlink_free(c);
        if (p)
                conn_unlink_free(p);
}

static Conn *conn_new(NetLoProxy *x, int fd)
{
        Conn *c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->kind = W_CONN;
        c->fd = fd;
        c->next = x->conns;
        c->pprev = &x->conns;
        if (x->conns)
                x->conns->pprev = &c->next;
        x->conns = c;
        return c;
}

/* What a side waits for: to read while its buffer has room and its source
 * is open; to write while its peer's buffer holds bytes (or to connect). */
static void conn_arm(NetLoProxy *x, Conn *c)
{
        uint32_t ev = 0;
        if (c->connecting)
                ev = EPOLLOUT;
        else {
                if (!c->in.eof && c->in.len < RELAY_BUF && !c->peer->connecting)
                        ev |= EPOLLIN;
                if (c->peer->in.len > 0)
                        ev |= EPOLLOUT;
        }
        struct epoll_event e = {.events = ev, .data.ptr = c};
        if (epoll_ctl(x->epfd, EPOLL_CTL_MOD, c->fd, &e) < 0)
                (void)epoll_ctl(x->epfd, EPOLL_CTL_ADD, c->fd, &e);
}

static void accept_one(NetLoProxy *x, Listener *l)
{
        int cfd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
                return;
        int sfd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (sfd < 0) {
                close(cfd);
                return;
        }
        bool pending = false;
        if (connect(sfd, (struct sockaddr *)&l->to, sizeof(l->to)) < 0) {
                if (errno != EINPROGRESS) {
                        close(cfd);
                        close(sfd);
                        return;
                }
                pending = true;
        }
        Conn *a = conn_new(x, cfd);
        Conn *b = a ? conn_new(x, sfd) : NULL;
        if (!a || !b) {
                if (a)
                        conn_unlink_free(a);
                else
                        close(cfd);
                close(sfd);
                return;
        }
        a->peer = b;
        b->peer = a;
        b->connecting = pending;
        conn_arm(x, a);
        conn_arm(x, b);
}

/* Moves bytes for one side; false when the pair is finished or broken. */
static bool conn_io(NetLoProxy *x, Conn *c, uint32_t ev)
{
        Conn *p = c->peer;
        if (c->connecting) {
                int err = 0;
                socklen_t len = sizeof(err);
                if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
                        return false;
                c->connecting = false;
        }
        if ((ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->in.eof) {
                Half *h = &c->in;
                if (h->off > 0 && h->len > 0)
                        memmove(h->buf, h->buf + h->off, h->len);
                h->off = 0;
                ssize_t n = read(c->fd, h->buf + h->len, RELAY_BUF - h->len);
                if (n > 0)
                        h->len += (size_t)n;
                else if (n == 0)
                        h->eof = true;
                else if (errno != EAGAIN && errno != EINTR)
                        return false;
        }
        /* write what the peer read into this side */
        Half *ph = &p->in;
        while (ph->len > 0) {
                ssize_t n = send(c->fd, ph->buf + ph->off, ph->len, MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                break;
                        return false;
                }
                ph->off += (size_t)n;
                ph->len -= (size_t)n;
        }
        if (ph->len == 0)
                ph->off = 0;
        /* pass a half-close on once everything before it was written */
        if (ph->eof && ph->len == 0 && !c->shut_wr) {
                (void)shutdown(c->fd, SHUT_WR);
                c->shut_wr = true;
        }
        if (c->in.len == 0 && c->in.eof && !p->shut_wr && !p->connecting) {
                (void)shutdown(p->fd, SHUT_WR);
                p->shut_wr = true;
        }
        if (c->shut_wr && p->shut_wr)
                return false;
        conn_arm(x, c);
        conn_arm(x, p);
        return true;
}

static void *loop(void *arg)
{
        NetLoProxy *x = arg;
        struct epoll_event evs[32];
        for (;;) {
                int n = epoll_wait(x->epfd, evs, 32, -1);
                if (n < 0 && errno != EINTR)
                        break;
                pthread_mutex_lock(&x->lock);
                bool stop = false;
                for (int i = 0; i < n; i++) {
                        if (evs[i].data.ptr == NULL) {
                                stop = true;
                                continue;
                        }
                        WatchKind *k = evs[i].data.ptr;
                        if (*k == W_LISTEN) {
                                accept_one(x, (Listener *)k);
                                continue;
                        }
                        Conn *c = (Conn *)k;
                        /* a pair closed earlier in this batch left stale events */
                        bool live = false;
                        for (Conn *it = x->conns; it && !live; it = it->next)
                                live = it == c;
                        if (live && !conn_io(x, c, evs[i].events))
                                pair_close(c);
                }
                pthread_mutex_unlock(&x->lock);
                if (stop)
                        break;
        }
        return NULL;
}

NetLoProxy *net_loproxy_new(BerthError **err)
{
        NetLoProxy *x = calloc(1, sizeof(*x));
        if (!x) {
                error_set(err, ENOMEM, "out of memory");
                return NULL;
        }
        pthread_mutex_init(&x->lock, NULL);
        x->epfd = epoll_create1(EPOLL_CLOEXEC);
        x->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
        if (x->epfd < 0 || x->wake < 0 || epoll_ctl(x->epfd, EPOLL_CTL_ADD, x->wake, &e) < 0 ||
            pthread_create(&x->thread, NULL, loop, x) != 0) {
                error_set_errno(err, errno ? errno : EAGAIN, "start the [::1] port relay");
                if (x->epfd >= 0)
                        close(x->epfd);
                if (x->wake >= 0)
                        close(x->wake);
                free(x);
                return NULL;
        }
        x->running = true;
        return x;
}

static bool wanted(const NetLoProxyRule *rules, size_t n, uint16_t port, struct sockaddr_in6 *to)
{
        for (size_t i = 0; i < n; i++)
                if (port >= rules[i].host_first && port <= rules[i].host_last) {
                        *to = (struct sockaddr_in6){.sin6_family = AF_INET6};
                        memcpy(&to->sin6_addr, rules[i].container_ip6.b, 16);
                        to->sin6_port = htons(
                            (uint16_t)(rules[i].container_first + (port - rules[i].host_first)));
                        return true;
                }
        return false;
}

int net_loproxy_set(NetLoProxy *x, const NetLoProxyRule *rules, size_t n, BerthError **err)
{
        int ret = 0;
        pthread_mutex_lock(&x->lock);
        /* drop listeners no longer wanted; retarget the others */
        for (Listener **pl = &x->listeners; *pl;) {
                Listener *l = *pl;
                struct sockaddr_in6 to;
                if (wanted(rules, n, l->port, &to)) {
                        l->to = to;
                        pl = &l->next;
                        continue;
                }
                *pl = l->next;
                (void)epoll_ctl(x->epfd, EPOLL_CTL_DEL, l->fd, NULL);
                close(l->fd);
                free(l);
        }
        for (size_t i = 0; i < n; i++)
                for (unsigned port = rules[i].host_first; port <= rules[i].host_last; port++) {
                        bool have = false;
                        for (Listener *l = x->listeners; l && !have; l = l->next)
                                have = l->port == port;
                        if (have)
                                continue;
                        Listener *l = calloc(1, sizeof(*l));
                        int fd = -1, r = l ? listen_on((uint16_t)port, &fd) : -ENOMEM;
                        if (r < 0) {
                                free(l);
                                if (ret == 0)
                                        ret = error_set_errno(err, -r, "listen on [::1]:%u", port);
                                continue;
                        }
                        l->kind = W_LISTEN;
                        l->fd = fd;
                        l->port = (uint16_t)port;
                        (void)wanted(rules, n, l->port, &l->to);
                        struct epoll_event e = {.events = EPOLLIN, .data.ptr = l};
                        (void)epoll_ctl(x->epfd, EPOLL_CTL_ADD, fd, &e);
                        l->next = x->listeners;
                        x->listeners = l;
                }
        pthread_mutex_unlock(&x->lock);
        return ret;
}

void net_loproxy_free(NetLoProxy *x)
{
        if (!x)
                return;
        if (x->running) {
                uint64_t one = 1;
                (void)!write(x->wake, &one, sizeof(one));
                pthread_join(x->thread, NULL);
        }
        while (x->listeners) {
                Listener *l = x->listeners;
                x->listeners = l->next;
                close(l->fd);
                free(l);
        }
        while (x->conns)
                conn_unlink_free(x->conns);
        close(x->epfd);
        close(x->wake);
        pthread_mutex_destroy(&x->lock);
        free(x);
}
