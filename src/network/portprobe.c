/* The host's ports in use, from the kernel's socket tables (portprobe.h). */
#include "network/portprobe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"

#define TCP_LISTEN 0x0A
#define MAX_TABLE  (64u << 20) /* a sane bound on what one table may cost */

static const uint8_t V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void net_portprobe_init(NetPortProbe *p, bool host)
{
        *p = (NetPortProbe){.host = host, .loaded = !host};
}

void net_portprobe_clear(NetPortProbe *p)
{
        free(p->v);
        p->v = NULL;
        p->n = p->cap = 0;
        p->loaded = !p->host;
        p->sorted = false;
}

int net_portprobe_proto(const char *name)
{
        if (!strcmp(name, "tcp"))
                return NET_PORT_TCP;
        if (!strcmp(name, "udp"))
                return NET_PORT_UDP;
        if (!strcmp(name, "sctp"))
                return NET_PORT_SCTP;
        return -EINVAL;
}

static int push(NetPortProbe *p, NetPortProto proto, bool v6, const uint8_t addr[16], unsigned port)
{
        if (port == 0 || port > 65535)
                return 0;
        if (p->n == p->cap) {
                size_t cap = p->cap ? p->cap * 2 : 64;
                NetPortUse *v = reallocarray(p->v, cap, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                p->v = v;
                p->cap = cap;
        }
        NetPortUse *u = &p->v[p->n++];
        *u = (NetPortUse){.port = (uint16_t)port, .proto = (uint8_t)proto, .v6 = v6};
        /* An IPv4-mapped address is an IPv4 socket as far as conflicts go. */
        if (v6 && !memcmp(addr, V4_MAPPED, 12)) {
                u->v6 = false;
                memcpy(u->addr.b, addr + 12, 4);
        } else {
                memcpy(u->addr.b, addr, v6 ? 16 : 4);
        }
        p->sorted = false;
        return 0;
}

/* The next line of text as a NUL-terminated copy (long lines cut short:
 * they are not socket lines); false at the end. */
static bool next_line(const char **text, const char *end, char *buf, size_t cap)
{
        if (*text >= end)
                return false;
        const char *nl = memchr(*text, '\n', (size_t)(end - *text));
        const char *stop = nl ? nl : end;
        size_t n = (size_t)(stop - *text);
        if (n >= cap)
                n = cap - 1;
        memcpy(buf, *text, n);
        buf[n] = '\0';
        *text = nl ? nl + 1 : end;
        return true;
}

static int hexval(char c)
{
        return c >= '0' && c <= '9'   ? c - '0'
               : c >= 'a' && c <= 'f' ? c - 'a' + 10
               : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                      : -1;
}

/* The kernel prints each 32-bit word of the address with %08X of its
 * in-memory value: reading the word back as a number on the same machine
 * restores the bytes. */
static bool parse_addr(const char *hex, size_t len, uint8_t out[16])
{
        if (len != 8 && len != 32)
                return false;
        for (size_t w = 0; w < len / 8; w++) {
                uint32_t v = 0;
                for (size_t i = 0; i < 8; i++) {
                        int h = hexval(hex[w * 8 + i]);
                        if (h < 0)
                                return false;
                        v = v << 4 | (uint32_t)h;
                }
                memcpy(out + w * 4, &v, 4);
        }
        return true;
}

int net_portprobe_parse(NetPortProbe *p, NetPortProto proto, bool v6, const char *text, size_t len)
{
        const char *end = text + len;
        char line[512];
        while (next_line(&text, end, line, sizeof(line))) {
                /* "  0: 0100007F:0035 00000000:0000 0A ..." */
                char local[40];
                unsigned port, state;
                int used = 0;
                if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%4x %*[0-9A-Fa-f]:%*4x %2x%n", local, &port,
                           &state, &used) != 3 ||
                    used == 0)
                        continue;
                uint8_t addr[16] = {0};
                if (!parse_addr(local, strlen(local), addr) || strlen(local) != (v6 ? 32u : 8u))
                        continue;
                if (proto == NET_PORT_TCP && state != TCP_LISTEN)
                        continue;
                if (push(p, proto, v6, addr, port) < 0)
                        return -ENOMEM;
        }
        p->loaded = true;
        return 0;
}

int net_portprobe_parse_sctp(NetPortProbe *p, const char *text, size_t len)
{
        const char *end = text + len;
        char line[512];
        while (next_line(&text, end, line, sizeof(line))) {
                /* " ENDPT SOCK STY SST HBKT LPORT UID INODE LADDRS": the
                 * local addresses as text, one or more. */
                unsigned port;
                int off = 0;
                if (sscanf(line, " %*x %*x %*u %*u %*u %u %*u %*u%n", &port, &off) != 1 || off == 0)
                        continue;
                const char *s = line + off;
                bool any = false;
                char word[64];
                int n = 0;
                while (sscanf(s, " %63s%n", word, &n) == 1) {
                        s += n;
                        uint8_t addr[16] = {0};
                        bool v6 = strchr(word, ':') != NULL;
                        if (inet_pton(v6 ? AF_INET6 : AF_INET, word, addr) != 1)
                                continue;
                        if (push(p, NET_PORT_SCTP, v6, addr, port) < 0)
                                return -ENOMEM;
                        any = true;
                }
                /* No address printed: take it as bound to every address. */
                static const uint8_t zero[16];
                if (!any && push(p, NET_PORT_SCTP, true, zero, port) < 0)
                        return -ENOMEM;
        }
        p->loaded = true;
        return 0;
}

/* The whole file (NULL and *len 0 when it is missing or unreadable). */
static char *read_table(const char *path, size_t *len)
{
        *len = 0;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        size_t cap = 64 << 10, n = 0;
        char *buf = malloc(cap);
        while (buf) {
                if (n == cap) {
                        char *nb = cap < MAX_TABLE ? realloc(buf, cap * 2) : NULL;
                        if (!nb) {
                                free(buf);
                                return NULL;
                        }
                        buf = nb;
                        cap *= 2;
                }
                ssize_t r = read(fd, buf + n, cap - n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                n += (size_t)r;
        }
        *len = n;
        return buf;
}

int net_portprobe_load(NetPortProbe *p, const char *dir)
{
        static const struct {
                const char *name;
                NetPortProto proto;
                bool v6;
        } tables[] = {
            {"tcp", NET_PORT_TCP, false},
            {"tcp6", NET_PORT_TCP, true},
            {"udp", NET_PORT_UDP, false},
            {"udp6", NET_PORT_UDP, true},
        };
        char path[256];
        for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, tables[i].name);
                size_t len;
                _cleanup_free_ char *text = read_table(path, &len);
                if (text && net_portprobe_parse(p, tables[i].proto, tables[i].v6, text, len) < 0)
                        return -ENOMEM;
        }
        snprintf(path, sizeof(path), "%s/sctp/eps", dir);
        size_t len;
        _cleanup_free_ char *text = read_table(path, &len);
        if (text && net_portprobe_parse_sctp(p, text, len) < 0)
                return -ENOMEM;
        p->loaded = true;
        return 0;
}

static int cmp_use(const void *a, const void *b)
{
        const NetPortUse *x = a, *y = b;
        if (x->proto != y->proto)
                return x->proto < y->proto ? -1 : 1;
        return x->port < y->port ? -1 : x->port > y->port;
}

static void ready(NetPortProbe *p)
{
        if (!p->loaded) {
                /* Unreadable tables leave the probe empty: the bind test of
                 * picked ports still stands. */
                (void)net_portprobe_load(p, "/proc/net");
                p->loaded = true;
        }
        if (!p->sorted) {
                if (p->n)
                        qsort(p->v, p->n, sizeof(*p->v), cmp_use);
                p->sorted = true;
        }
}

static bool is_zero(const uint8_t *a, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (a[i])
                        return false;
        return true;
}

/* Whether the socket u holds the port for an IPv4 (v6 false) or IPv6
 * binding on addr (network order). */
static bool conflicts(const NetPortUse *u, bool v6, const uint8_t *addr)
{
        if (!v6) {
                if (u->v6) /* only a dual-stack :: socket reaches IPv4 */
                        return is_zero(u->addr.b, 16);
                return is_zero(u->addr.b, 4) || is_zero(addr, 4) || !memcmp(u->addr.b, addr, 4);
        }
        if (!u->v6)
                return false;
        return is_zero(u->addr.b, 16) || is_zero(addr, 16) || !memcmp(u->addr.b, addr, 16);
}

static bool held(const NetPortProbe *p, NetPortProto proto, bool v6, const uint8_t *addr,
                 uint16_t port)
{
        /* The first entry of (proto, port), by bisection. */
        size_t lo = 0, hi = p->n;
        NetPortUse key = {.port = port, .proto = (uint8_t)proto};
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (cmp_use(&p->v[mid], &key) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = lo; i < p->n && !cmp_use(&p->v[i], &key); i++)
                if (conflicts(&p->v[i], v6, addr))
                        return true;
        return false;
}

bool net_portprobe_free(NetPortProbe *p, const NetPortQuery *q, uint16_t port)
{
        ready(p);
        uint32_t be = htonl(q->ip4);
        return (!q->v4 || !held(p, q->proto, false, (const uint8_t *)&be, port)) &&
               (!q->v6 || !held(p, q->proto, true, q->ip6.b, port));
}

/* One bind() of the port: whether something holds it right now. */
static bool bind_busy(NetPortProto proto, bool v6, uint32_t ip4, NetIp6 ip6, uint16_t port)
{
        if (proto == NET_PORT_SCTP)
                return false; /* the table suffices; SCTP may not even be loaded */
        int type = (proto == NET_PORT_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC;
        _cleanup_close_ int fd = socket(v6 ? AF_INET6 : AF_INET, type, 0);
        if (fd < 0)
                return false;
        if (v6) {
                int one = 1;
                (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
                struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
                memcpy(&sa.sin6_addr, ip6.b, 16);
                return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EADDRINUSE;
        }
        struct sockaddr_in sa = {
            .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip4)};
        return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EADDRINUSE;
}

int net_portprobe_pick(NetPortProbe *p, const NetPortQuery *q, unsigned lo, unsigned hi,
                       unsigned start, bool (*also_taken)(void *userdata, uint16_t port),
                       void *userdata, uint16_t *ret, unsigned *ret_next)
{
        if (lo == 0 || lo > hi || hi > 65535)
                return -EINVAL;
        unsigned n = hi - lo + 1;
        start %= n;
        for (unsigned k = 0; k < n; k++) {
                uint16_t port = (uint16_t)(lo + (start + k) % n);
                if (!net_portprobe_free(p, q, port) || (also_taken && also_taken(userdata, port)))
                        continue;
                if (p->host && ((q->v4 && bind_busy(q->proto, false, q->ip4, q->ip6, port)) ||
                                (q->v6 && bind_busy(q->proto, true, q->ip4, q->ip6, port))))
                        continue;
                *ret = port;
                if (ret_next)
                        *ret_next = start + k + 1;
                return 0;
        }
        return -EADDRINUSE;
}
