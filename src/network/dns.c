/* The embedded DNS server's thread, sockets and forwarding. */
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

typedef struct Served {
        char id[65];
        int fd;
        uint64_t token;
} Served;

typedef struct Pending {
        bool used;
        uint16_t new_id, old_id;
        uint64_t token; /* the container socket to answer on */
        struct sockaddr_in client;
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

static void answer(NetDns *d, Served *s, const uint8_t *pkt, size_t len,
                   const struct sockaddr_in *from)
{
        NetDnsQuery q;
        uint8_t out[512];
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
                size_t found =
                    d->resolver.lookup_a(d->resolver.userdata, s->id, q.name, ips, ARRAY_SIZE(ips));
                size_t found6 = d->resolver.lookup_aaaa
                                    ? d->resolver.lookup_aaaa(d->resolver.userdata, s->id, q.name,
                                                              ips6, ARRAY_SIZE(ips6))
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
                     d->resolver.lookup_ptr(d->resolver.userdata, s->id, ip, name, sizeof(name)) ==
                         0) ||
                    (d->resolver.lookup_ptr6 && net_dns_ptr_ip6(q.name, &ip6) == 0 &&
                     d->resolver.lookup_ptr6(d->resolver.userdata, s->id, ip6, name,
                                             sizeof(name)) == 0))
                        n = net_dns_build_reply(pkt, &q, NET_DNS_RCODE_OK, NULL, 0, name,
                                                ANSWER_TTL, out, sizeof(out));
        }
        if (n == 0 && q.question_end) {
                /* Not ours: forward, or SERVFAIL when there is nowhere to. */
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
                        *slot = (Pending){true, nid, q.id, s->token, *from, t + FORWARD_TTL_MS};
                        for (size_t i = 0; i < d->n_upstream; i++)
                                (void)sendto(d->fwdfd, copy, len, MSG_DONTWAIT,
                                             (struct sockaddr *)&d->upstream[i],
                                             sizeof(d->upstream[i]));
                        return;
                }
                n = net_dns_build_reply(pkt, &q, NET_DNS_RCODE_SERVFAIL, NULL, 0, NULL, 0, out,
                                        sizeof(out));
        }
        if (n)
                (void)sendto(s->fd, out, n, MSG_DONTWAIT, (const struct sockaddr *)from,
                             sizeof(*from));
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
                Served *s = find_token(d, p->token);
                if (!s)
                        return;
                buf[0] = (uint8_t)(p->old_id >> 8);
                buf[1] = (uint8_t)p->old_id;
                (void)sendto(s->fd, buf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&p->client,
                             sizeof(p->client));
                return;
        }
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
                        } else {
                                Served *s = find_token(d, token);
                                uint8_t buf[4096];
                                struct sockaddr_in from;
                                socklen_t fl = sizeof(from);
                                ssize_t len = s ? recvfrom(s->fd, buf, sizeof(buf), MSG_DONTWAIT,
                                                           (struct sockaddr *)&from, &fl)
                                                : -1;
                                if (len > 0 && fl == sizeof(from))
                                        answer(d, s, buf, (size_t)len, &from);
                        }
                }
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
        for (size_t i = 0; i < d->n_served; i++)
                close(d->served[i].fd);
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
        int fd;
        int err;
        const char *what;
} SockJob;

/* setns() moves only this thread; the socket keeps the namespace. */
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
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
        inet_pton(AF_INET, NET_DNS_ADDR, &sa.sin_addr);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                j->err = errno;
                j->what = "binding " NET_DNS_ADDR ":53 in the container";
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        j->fd = fd;
        return NULL;
}

int net_dns_add(NetDns *d, const char *container_id, pid_t pid, BerthError **err)
{
        SockJob j = {.pid = pid, .fd = -1};
        pthread_t t;
        int e = pthread_create(&t, NULL, sock_thread, &j);
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
                struct epoll_event ev = {.events = EPOLLIN, .data.u64 = s->token};
                if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0)
                        r = error_set_errno(err, errno, "embedded DNS: epoll");
                else
                        d->n_served++;
        }
        pthread_mutex_unlock(&d->lock);
        if (r < 0)
                close(j.fd);
        return r;
}

void net_dns_remove(NetDns *d, const char *container_id)
{
        pthread_mutex_lock(&d->lock);
        for (size_t i = 0; i < d->n_served;) {
                if (STREQ(d->served[i].id, container_id)) {
                        epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->served[i].fd, NULL);
                        close(d->served[i].fd);
                        d->served[i] = d->served[--d->n_served];
                } else {
                        i++;
                }
        }
        pthread_mutex_unlock(&d->lock);
}
