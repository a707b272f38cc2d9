/* The embedded DNS server's thread, sockets (UDP, and TCP connections)
 * and forwarding. */
#include "network/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "network/dns_packet.h"

#define MAX_UPSTREAMS  3
#define MAX_PENDING    256
#define FORWARD_TTL_MS 5000
#define ANSWER_TTL     600
#define TOKEN_WAKE     0
#define TOKEN_FORWARD  1
/* DNS over TCP: tokens of listeners and connections carry a mark; the
 * rest are the containers' UDP sockets. */
#define TOKEN_LISTEN (UINT64_C(1) << 62)
#define TOKEN_CONN   (UINT64_C(1) << 63)
#define MAX_CONNS    64 /* in all */
#define MAX_CONNS_CT 16 /* of one container */
#define CONN_IDLE_MS 5000
#define MAX_QUERY    4096 /* a query over TCP; longer ones close the connection */
#define CONN_OUT_CAP 16384

typedef struct Served {
        char id[65];
        int fd;
        uint64_t token;
        int tcp_fd; /* the listener beside the UDP socket */
        uint64_t tcp_token;
} Served;

/* Where an answer goes: a container's UDP socket and the client's
 * address, or a TCP connection. */
typedef struct Client {
        uint64_t token;
        struct sockaddr_in addr;
} Client;

typedef struct Conn {
        int fd;
        uint64_t token;
        uint64_t served; /* the Served token of its container */
        int64_t deadline_ms;
        bool eof; /* the client has sent all it will */
        bool polling_out;
        size_t in_len, out_len;
        uint8_t in[2 + MAX_QUERY];
        uint8_t out[CONN_OUT_CAP];
} Conn;

typedef struct Pending {
        bool used;
        uint16_t new_id, old_id;
        Client client;
        int64_t deadline_ms;
} Pending;

struct NetDns {
        NetDnsResolver resolver;
        pthread_mutex_t lock;
        pthread_t thread;
        bool running;
        int epfd, wakefd, fwdfd;
        struct sockaddr_in upstream[MAX_UPSTREAMS];
        size_t n_upstream;
        Served *served;
        size_t n_served;
        uint64_t next_token;
        Pending pending[MAX_PENDING];
        Conn *conns[MAX_CONNS];
        bool stop;
};

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static Served *find_token(NetDns *d, uint64_t token)
{
        for (size_t i = 0; i < d->n_served; i++)
                if (d->served[i].token == token)
                        return &d->served[i];
        return NULL;
}

static Conn *find_conn(NetDns *d, uint64_t token)
{
        for (size_t i = 0; i < MAX_CONNS; i++)
                if (d->conns[i] && d->conns[i]->token == token)
                        return d->conns[i];
        return NULL;
}

static void conn_close(NetDns *d, size_t i)
{
        Conn *c = d->conns[i];
        epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        free(c);
        d->conns[i] = NULL;
}

static void conn_close_token(NetDns *d, uint64_t token)
{
        for (size_t i = 0; i < MAX_CONNS; i++)
                if (d->conns[i] && d->conns[i]->token == token)
                        conn_close(d, i);
}

/* Writes what the connection has queued; false when it is to be closed. */
static bool conn_flush(NetDns *d, Conn *c)
{
        while (c->out_len) {
                ssize_t n = send(c->fd, c->out, c->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        break;
                if (n <= 0)
                        return false;
                memmove(c->out, c->out + n, c->out_len - (size_t)n);
                c->out_len -= (size_t)n;
        }
        /* Wait for room to write, or for the next query. */
        uint32_t want = (c->out_len ? EPOLLOUT : 0) | (c->eof ? 0 : EPOLLIN);
        bool out = c->out_len != 0;
        if (out != c->polling_out || c->eof) {
                struct epoll_event ev = {.events = want, .data.u64 = c->token};
                epoll_ctl(d->epfd, EPOLL_CTL_MOD, c->fd, &ev);
                c->polling_out = out;
        }
        return true;
}

/* Whether an answer is still to come for the connection (forwarded). */
static bool conn_awaits(NetDns *d, uint64_t token)
{
        int64_t t = now_ms();
        for (size_t i = 0; i < MAX_PENDING; i++)
                if (d->pending[i].used && d->pending[i].client.token == token &&
                    d->pending[i].deadline_ms >= t)
                        return true;
        return false;
}

/* A connection whose client has stopped sending ends once it has all its
 * answers. */
static bool conn_done(NetDns *d, const Conn *c)
{
        return c->eof && c->out_len == 0 && !conn_awaits(d, c->token);
}

/* Sends an answer to its client; a connection that cannot take it (its
 * client reads nothing) is closed. */
static void deliver(NetDns *d, const Client *to, const uint8_t *msg, size_t n)
{
        if (!(to->token & TOKEN_CONN)) {
                Served *s = find_token(d, to->token);
                if (s)
                        (void)sendto(s->fd, msg, n, MSG_DONTWAIT,
                                     (const struct sockaddr *)&to->addr, sizeof(to->addr));
                return;
        }
        Conn *c = find_conn(d, to->token);
        if (!c)
                return;
        size_t k = net_dns_frame_put(msg, n, c->out + c->out_len, sizeof(c->out) - c->out_len);
        c->out_len += k;
        c->deadline_ms = now_ms() + CONN_IDLE_MS;
        if (k == 0 || !conn_flush(d, c) || conn_done(d, c))
                conn_close_token(d, to->token);
}

/* Answers one query of the container's, over UDP or (tcp) a connection:
 * the same answers, but over UDP one too long for the client is cut to
 * its question with TC set. */
static void answer(NetDns *d, const char *container_id, const Client *to, bool tcp,
                   const uint8_t *pkt, size_t len)
{
        NetDnsQuery q;
        uint8_t out[4096];
        size_t n = 0;
        if (net_dns_parse_query(pkt, len, &q) < 0) {
                if (len < 12)
                        return;
                n = net_dns_build_reply(pkt, &(NetDnsQuery){.id = q.id, .flags = q.flags},
                                        NET_DNS_RCODE_FORMERR, NULL, 0, NULL, 0, out, sizeof(out));
        } else if (q.qclass == NET_DNS_CLASS_IN &&
                   (q.qtype == NET_DNS_TYPE_A || q.qtype == NET_DNS_TYPE_AAAA)) {
                uint32_t ips[16];
                NetIp6 ips6[16];
                size_t found = d->resolver.lookup_a(d->resolver.userdata, container_id, q.name, ips,
                                                    ARRAY_SIZE(ips));
                size_t found6 = d->resolver.lookup_aaaa
                                    ? d->resolver.lookup_aaaa(d->resolver.userdata, container_id,
                                                              q.name, ips6, ARRAY_SIZE(ips6))
                                    : 0;
                /* A known name: its addresses of the asked family, or no
                 * data (NOERROR, no answer) when it has none of that family. */
                if (q.qtype == NET_DNS_TYPE_AAAA && found6)
                        n = net_dns_build_reply6(pkt, &q, NET_DNS_RCODE_OK, ips6, found6,
                                                 ANSWER_TTL, out, sizeof(out));
                else if (found || found6)
                        n = net_dns_build_reply(pkt, &q, NET_DNS_RCODE_OK, ips,
                                                q.qtype == NET_DNS_TYPE_A ? found : 0, NULL,
                                                ANSWER_TTL, out, sizeof(out));
        } else if (q.qclass == NET_DNS_CLASS_IN && q.qtype == NET_DNS_TYPE_PTR) {
                uint32_t ip;
                char name[NET_DNS_MAX_NAME + 1];
                NetIp6 ip6;
                if ((net_dns_ptr_ip4(q.name, &ip) == 0 &&
                     d->resolver.lookup_ptr(d->resolver.userdata, container_id, ip, name,
                                            sizeof(name)) == 0) ||
                    (d->resolver.lookup_ptr6 && net_dns_ptr_ip6(q.name, &ip6) == 0 &&
                     d->resolver.lookup_ptr6(d->resolver.userdata, container_id, ip6, name,
                                             sizeof(name)) == 0))
                        n = net_dns_build_reply(pkt, &q, NET_DNS_RCODE_OK, NULL, 0, name,
                                                ANSWER_TTL, out, sizeof(out));
        }
        if (n == 0 && q.question_end) {
                /* Not ours: forward (over UDP, whatever the client used),
                 * or SERVFAIL when there is nowhere to. */
                int64_t t = now_ms();
                Pending *slot = NULL;
                for (size_t i = 0; i < MAX_PENDING && !slot; i++)
                        if (!d->pending[i].used || d->pending[i].deadline_ms < t)
                                slot = &d->pending[i];
                if (d->n_upstream && slot && len <= 4096) {
                        uint8_t copy[4096];
                        memcpy(copy, pkt, len);
                        uint16_t nid;
                        if (getrandom(&nid, sizeof(nid), 0) != sizeof(nid))
                                nid = (uint16_t)t;
                        copy[0] = (uint8_t)(nid >> 8);
                        copy[1] = (uint8_t)nid;
                        *slot = (Pending){true, nid, q.id, *to, t + FORWARD_TTL_MS};
                        for (size_t i = 0; i < d->n_upstream; i++)
                                (void)sendto(d->fwdfd, copy, len, MSG_DONTWAIT,
                                             (struct sockaddr *)&d->upstream[i],
                                             sizeof(d->upstream[i]));
                        return;
                }
                n = net_dns_build_reply(pkt, &q, NET_DNS_RCODE_SERVFAIL, NULL, 0, NULL, 0, out,
                                        sizeof(out));
        }
        if (n && !tcp && q.question_end && n > net_dns_udp_limit(&q, sizeof(out)))
                n = net_dns_truncate(out, n, &q);
        if (n)
                deliver(d, to, out, n);
}

static void forward_reply(NetDns *d)
{
        uint8_t buf[4096];
        struct sockaddr_in from;
        socklen_t fl = sizeof(from);
        ssize_t n =
            recvfrom(d->fwdfd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 12)
                return;
        bool known = false;
        for (size_t i = 0; i < d->n_upstream; i++)
                known |= from.sin_addr.s_addr == d->upstream[i].sin_addr.s_addr &&
                         from.sin_port == d->upstream[i].sin_port;
        if (!known)
                return;
        uint16_t id = (uint16_t)(buf[0] << 8 | buf[1]);
        for (size_t i = 0; i < MAX_PENDING; i++) {
                Pending *p = &d->pending[i];
                if (!p->used || p->new_id != id)
                        continue;
                p->used = false;
                buf[0] = (uint8_t)(p->old_id >> 8);
                buf[1] = (uint8_t)p->old_id;
                deliver(d, &p->client, buf, (size_t)n);
                return;
        }
}

static Served *find_listener(NetDns *d, uint64_t token)
{
        for (size_t i = 0; i < d->n_served; i++)
                if (d->served[i].tcp_token == token)
                        return &d->served[i];
        return NULL;
}

/* A new connection, unless there are too many (in all, or of this
 * container): then it is closed at once. */
static void conn_accept(NetDns *d, Served *s)
{
        int fd = accept4(s->tcp_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
                return;
        size_t slot = MAX_CONNS, mine = 0;
        for (size_t i = 0; i < MAX_CONNS; i++) {
                if (!d->conns[i] && slot == MAX_CONNS)
                        slot = i;
                else if (d->conns[i] && d->conns[i]->served == s->token)
                        mine++;
        }
        Conn *c = slot < MAX_CONNS && mine < MAX_CONNS_CT ? malloc(sizeof(*c)) : NULL;
        if (!c) {
                close(fd);
                return;
        }
        c->fd = fd;
        c->token = TOKEN_CONN | d->next_token++;
        c->served = s->token;
        c->deadline_ms = now_ms() + CONN_IDLE_MS;
        c->eof = c->polling_out = false;
        c->in_len = c->out_len = 0;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = c->token};
        if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                close(fd);
                free(c);
                return;
        }
        d->conns[slot] = c;
}

/* Reads what the client sent and answers every whole query in it. */
static void conn_read(NetDns *d, Conn *c)
{
        uint64_t token = c->token;
        ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                return;
        if (n <= 0) {
                /* The client is done sending; answers still pending (being
                 * forwarded) are written before the idle timer ends it. */
                c->eof = true;
                if (n < 0 || !conn_flush(d, c) || conn_done(d, c))
                        conn_close_token(d, token);
                return;
        }
        c->in_len += (size_t)n;
        c->deadline_ms = now_ms() + CONN_IDLE_MS;
        Served *s = find_token(d, c->served);
        size_t off = 0;
        for (;;) {
                long m = net_dns_frame_next(c->in + off, c->in_len - off, MAX_QUERY);
                if (m < 0 || !s) {
                        conn_close_token(d, token);
                        return;
                }
                if (m == 0)
                        break;
                Client to = {.token = token};
                answer(d, s->id, &to, true, c->in + off + 2, (size_t)m);
                /* Answering may have closed the connection (its client
                 * does not read). */
                c = find_conn(d, token);
                if (!c)
                        return;
                off += 2 + (size_t)m;
        }
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
}

/* Idle connections are closed after a few seconds (RFC 7766 6.2.3). */
static void conn_expire(NetDns *d)
{
        int64_t t = now_ms();
        for (size_t i = 0; i < MAX_CONNS; i++)
                if (d->conns[i] && d->conns[i]->deadline_ms < t)
                        conn_close(d, i);
}

static void *dns_thread(void *arg)
{
        NetDns *d = arg;
        struct epoll_event evs[16];
        for (;;) {
                int n = epoll_wait(d->epfd, evs, ARRAY_SIZE(evs), 1000);
                if (n < 0 && errno != EINTR)
                        break;
                pthread_mutex_lock(&d->lock);
                if (d->stop) {
                        pthread_mutex_unlock(&d->lock);
                        break;
                }
                for (int i = 0; i < n; i++) {
                        uint64_t token = evs[i].data.u64;
                        if (token == TOKEN_WAKE) {
                                uint64_t v;
                                (void)!read(d->wakefd, &v, sizeof(v));
                        } else if (token == TOKEN_FORWARD) {
                                forward_reply(d);
                        } else if (token & TOKEN_CONN) {
                                Conn *c = find_conn(d, token);
                                if (c && (evs[i].events & (EPOLLERR | EPOLLHUP)) &&
                                    !(evs[i].events & EPOLLIN))
                                        conn_close_token(d, token);
                                else if (c && (evs[i].events & EPOLLOUT) &&
                                         (!conn_flush(d, c) || conn_done(d, c)))
                                        conn_close_token(d, token);
                                else if (c && (evs[i].events & EPOLLIN))
                                        conn_read(d, c);
                                else if (c && conn_done(d, c))
                                        conn_close_token(d, token);
                        } else if (token & TOKEN_LISTEN) {
                                Served *s = find_listener(d, token);
                                if (s)
                                        conn_accept(d, s);
                        } else {
                                Served *s = find_token(d, token);
                                uint8_t buf[4096];
                                Client from = {.token = token};
                                socklen_t fl = sizeof(from.addr);
                                ssize_t len = s ? recvfrom(s->fd, buf, sizeof(buf), MSG_DONTWAIT,
                                                           (struct sockaddr *)&from.addr, &fl)
                                                : -1;
                                if (len > 0 && fl == sizeof(from.addr))
                                        answer(d, s->id, &from, false, buf, (size_t)len);
                        }
                }
                conn_expire(d);
                pthread_mutex_unlock(&d->lock);
        }
        return NULL;
}

static void read_resolv_conf(NetDns *d)
{
        _cleanup_fclose_ FILE *f = fopen("/etc/resolv.conf", "re");
        char line[256];
        while (f && fgets(line, sizeof(line), f) && d->n_upstream < MAX_UPSTREAMS) {
                char ip[64];
                struct in_addr a;
                if (sscanf(line, " nameserver %63s", ip) == 1 && inet_pton(AF_INET, ip, &a) == 1)
                        d->upstream[d->n_upstream++] = (struct sockaddr_in){
                            .sin_family = AF_INET, .sin_port = htons(53), .sin_addr = a};
        }
}

int net_dns_new(const NetDnsResolver *resolver, char **upstreams, NetDns **ret, BerthError **err)
{
        NetDns *d = calloc(1, sizeof(*d));
        if (!d)
                return error_set(err, ENOMEM, "out of memory");
        d->resolver = *resolver;
        d->next_token = 2;
        d->epfd = d->wakefd = d->fwdfd = -1;
        pthread_mutex_init(&d->lock, NULL);
        if (upstreams) {
                STRV_FOREACH(u, upstreams)
                {
                        struct in_addr a;
                        if (d->n_upstream < MAX_UPSTREAMS && inet_pton(AF_INET, *u, &a) == 1)
                                d->upstream[d->n_upstream++] = (struct sockaddr_in){
                                    .sin_family = AF_INET, .sin_port = htons(53), .sin_addr = a};
                }
        } else {
                read_resolv_conf(d);
        }
        int r = 0;
        d->epfd = epoll_create1(EPOLL_CLOEXEC);
        d->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        d->fwdfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (d->epfd < 0 || d->wakefd < 0 || d->fwdfd < 0)
                r = error_set_errno(err, errno, "embedded DNS: creating its descriptors");
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TOKEN_WAKE};
        if (r >= 0 && epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->wakefd, &ev) < 0)
                r = error_set_errno(err, errno, "embedded DNS: epoll");
        ev.data.u64 = TOKEN_FORWARD;
        if (r >= 0 && epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->fwdfd, &ev) < 0)
                r = error_set_errno(err, errno, "embedded DNS: epoll");
        if (r >= 0) {
                int e = pthread_create(&d->thread, NULL, dns_thread, d);
                if (e)
                        r = error_set_errno(err, e, "embedded DNS: starting its thread");
                else
                        d->running = true;
        }
        if (r < 0) {
                net_dns_free(d);
                return r;
        }
        *ret = d;
        return 0;
}

NetDns *net_dns_free(NetDns *d)
{
        if (!d)
                return NULL;
        if (d->running) {
                pthread_mutex_lock(&d->lock);
                d->stop = true;
                pthread_mutex_unlock(&d->lock);
                uint64_t one = 1;
                (void)!write(d->wakefd, &one, sizeof(one));
                pthread_join(d->thread, NULL);
        }
        for (size_t i = 0; i < MAX_CONNS; i++)
                if (d->conns[i])
                        conn_close(d, i);
        for (size_t i = 0; i < d->n_served; i++) {
                close(d->served[i].fd);
                close(d->served[i].tcp_fd);
        }
        free(d->served);
        if (d->epfd >= 0)
                close(d->epfd);
        if (d->wakefd >= 0)
                close(d->wakefd);
        if (d->fwdfd >= 0)
                close(d->fwdfd);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return NULL;
}

typedef struct SockJob {
        pid_t pid;
        int fd, tcp_fd;
        int err;
        const char *what;
} SockJob;

/* setns() moves only this thread; the sockets keep the namespace. */
static void *sock_thread(void *arg)
{
        SockJob *j = arg;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)j->pid);
        _cleanup_close_ int ns = open(path, O_RDONLY | O_CLOEXEC);
        if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
                j->err = errno;
                j->what = "entering the container's network namespace";
                return NULL;
        }
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
        inet_pton(AF_INET, NET_DNS_ADDR, &sa.sin_addr);
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                j->err = errno;
                j->what = "binding " NET_DNS_ADDR ":53 in the container";
                return NULL;
        }
        _cleanup_close_ int tfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        int one = 1;
        if (tfd < 0 || setsockopt(tfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(tfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(tfd, 16) < 0) {
                j->err = errno;
                j->what = "listening on " NET_DNS_ADDR ":53 (TCP) in the container";
                return NULL;
        }
        j->fd = TAKE_FD(fd);
        j->tcp_fd = TAKE_FD(tfd);
        return NULL;
}

/* sock_thread only opens sockets: a small stack, not RLIMIT_STACK's */
#define NETNS_THREAD_STACK (256 * 1024)

int net_dns_add(NetDns *d, const char *container_id, pid_t pid, BerthError **err)
{
        SockJob j = {.pid = pid, .fd = -1, .tcp_fd = -1};
        pthread_t t;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setstacksize(&a, NETNS_THREAD_STACK);
        int e = pthread_create(&t, &a, sock_thread, &j);
        pthread_attr_destroy(&a);
        if (e)
                return error_set_errno(err, e, "embedded DNS: starting a thread");
        pthread_join(t, NULL);
        if (j.fd < 0)
                return error_set_errno(err, j.err, "embedded DNS: %s", j.what);
        net_dns_remove(d, container_id);
        pthread_mutex_lock(&d->lock);
        Served *v = reallocarray(d->served, d->n_served + 1, sizeof(*v));
        int r = 0;
        if (!v) {
                r = error_set(err, ENOMEM, "out of memory");
        } else {
                d->served = v;
                Served *s = &v[d->n_served];
                snprintf(s->id, sizeof(s->id), "%s", container_id);
                s->fd = j.fd;
                s->token = d->next_token++;
                s->tcp_fd = j.tcp_fd;
                s->tcp_token = TOKEN_LISTEN | d->next_token++;
                struct epoll_event ev = {.events = EPOLLIN, .data.u64 = s->token};
                struct epoll_event tev = {.events = EPOLLIN, .data.u64 = s->tcp_token};
                if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0)
                        r = error_set_errno(err, errno, "embedded DNS: epoll");
                else if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, s->tcp_fd, &tev) < 0) {
                        r = error_set_errno(err, errno, "embedded DNS: epoll");
                        epoll_ctl(d->epfd, EPOLL_CTL_DEL, s->fd, NULL);
                } else
                        d->n_served++;
        }
        pthread_mutex_unlock(&d->lock);
        if (r < 0) {
                close(j.fd);
                close(j.tcp_fd);
        }
        return r;
}

void net_dns_remove(NetDns *d, const char *container_id)
{
        pthread_mutex_lock(&d->lock);
        for (size_t i = 0; i < d->n_served;) {
                if (STREQ(d->served[i].id, container_id)) {
                        for (size_t k = 0; k < MAX_CONNS; k++)
                                if (d->conns[k] && d->conns[k]->served == d->served[i].token)
                                        conn_close(d, k);
                        epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->served[i].fd, NULL);
                        epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->served[i].tcp_fd, NULL);
                        close(d->served[i].fd);
                        close(d->served[i].tcp_fd);
                        d->served[i] = d->served[--d->n_served];
                } else {
                        i++;
                }
        }
        pthread_mutex_unlock(&d->lock);
}
