/* IPv4 subnets, pools and per-subnet address bitmaps. */
#include "network/ipam.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

#define POOL(a, b, c, d, p, s)                                                                     \
        {                                                                                          \
                {((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d), p}, s                     \
        }
const NetPool4 NET_DEFAULT_POOLS[] = {
    POOL(172, 17, 0, 0, 16, 16),  POOL(172, 18, 0, 0, 16, 16), POOL(172, 19, 0, 0, 16, 16),
    POOL(172, 20, 0, 0, 14, 16),  POOL(172, 24, 0, 0, 14, 16), POOL(172, 28, 0, 0, 14, 16),
    POOL(192, 168, 0, 0, 16, 20),
};
const size_t NET_DEFAULT_POOLS_LEN = ARRAY_SIZE(NET_DEFAULT_POOLS);

static uint32_t mask_of(uint8_t prefix)
{
        return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

int net_ip4_parse(const char *s, uint32_t *ret)
{
        struct in_addr a;
        if (!s || inet_pton(AF_INET, s, &a) != 1)
                return -EINVAL;
        *ret = ntohl(a.s_addr);
        return 0;
}

const char *net_ip4_format(uint32_t ip, char *buf, size_t len)
{
        snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
        return buf;
}

const char *net_subnet4_format(NetSubnet4 s, char *buf, size_t len)
{
        char ip[16];
        snprintf(buf, len, "%s/%u", net_ip4_format(s.addr, ip, sizeof(ip)), s.prefix);
        return buf;
}

int net_subnet4_parse(const char *s, bool allow_host_bits, NetSubnet4 *ret, uint32_t *ret_ip,
                      BerthError **err)
{
        const char *slash = s ? strchr(s, '/') : NULL;
        if (!slash)
                return error_set(err, EINVAL, "invalid CIDR address: %s", s ? s : "");
        char ip[16];
        size_t n = (size_t)(slash - s);
        if (n >= sizeof(ip))
                return error_set(err, EINVAL, "invalid CIDR address: %s", s);
        memcpy(ip, s, n);
        ip[n] = '\0';
        char *end;
        errno = 0;
        unsigned long p = strtoul(slash + 1, &end, 10);
        uint32_t addr;
        if (errno || *end || end == slash + 1 || p > 32 || net_ip4_parse(ip, &addr) < 0)
                return error_set(err, EINVAL, "invalid CIDR address: %s", s);
        uint32_t net = addr & mask_of((uint8_t)p);
        if (net != addr && !allow_host_bits)
                return error_set(err, EINVAL, "invalid subnet %s: it has host bits set", s);
        *ret = (NetSubnet4){net, (uint8_t)p};
        if (ret_ip)
                *ret_ip = addr;
        return 0;
}

bool net_subnet4_contains(NetSubnet4 s, uint32_t ip)
{
        return (ip & mask_of(s.prefix)) == s.addr;
}

bool net_subnet4_overlap(NetSubnet4 a, NetSubnet4 b)
{
        uint8_t p = a.prefix < b.prefix ? a.prefix : b.prefix;
        return (a.addr & mask_of(p)) == (b.addr & mask_of(p));
}

int net_pool_pick(const NetPool4 *pools, size_t n_pools, const NetSubnet4 *used, size_t n_used,
                  NetSubnet4 *ret, BerthError **err)
{
        for (size_t i = 0; i < n_pools; i++) {
                const NetPool4 *pool = &pools[i];
                if (pool->size < pool->base.prefix || pool->size > 30)
                        continue;
                uint64_t count = (uint64_t)1 << (pool->size - pool->base.prefix);
                uint64_t step = (uint64_t)1 << (32 - pool->size);
                for (uint64_t k = 0; k < count; k++) {
                        NetSubnet4 cand = {(uint32_t)(pool->base.addr + k * step), pool->size};
                        bool clash = false;
                        for (size_t j = 0; j < n_used && !clash; j++)
                                clash = net_subnet4_overlap(cand, used[j]);
                        if (!clash) {
                                *ret = cand;
                                return 0;
                        }
                }
        }
        return error_set(err, ENOSPC,
                         "could not find an available, non-overlapping IPv4 address pool "
                         "among the defaults to assign to the network");
}

struct NetAddrSpace {
        NetSubnet4 subnet;
        uint32_t first, last; /* dynamic range, inclusive */
        uint32_t cursor;      /* the last address handed out */
        uint64_t *bits;       /* one bit per address of the subnet */
};

NetAddrSpace *net_addrspace_free(NetAddrSpace *a)
{
        if (a) {
                free(a->bits);
                free(a);
        }
        return NULL;
}

int net_addrspace_new(NetSubnet4 subnet, const NetSubnet4 *range, NetAddrSpace **ret,
                      BerthError **err)
{
        if (subnet.prefix < 8 || subnet.prefix > 30)
                return error_set(err, EINVAL, "subnet prefix /%u is not supported (use /8 to /30)",
                                 subnet.prefix);
        if (range && (range->prefix < subnet.prefix || !net_subnet4_contains(subnet, range->addr)))
                return error_set(err, EINVAL, "the ip-range is not within the subnet");
        uint64_t size = (uint64_t)1 << (32 - subnet.prefix);
        NetAddrSpace *a = calloc(1, sizeof(*a));
        if (!a || !(a->bits = calloc((size + 63) / 64, sizeof(uint64_t)))) {
                free(a);
                return error_set(err, ENOMEM, "out of memory");
        }
        a->subnet = subnet;
        NetSubnet4 r = range ? *range : subnet;
        a->first = r.addr;
        a->last = (uint32_t)(r.addr + ((uint64_t)1 << (32 - r.prefix)) - 1);
        /* Never the network or the broadcast address. */
        uint32_t bcast = (uint32_t)(subnet.addr + size - 1);
        if (a->first == subnet.addr)
                a->first++;
        if (a->last == bcast)
                a->last--;
        a->cursor = a->first - 1;
        *ret = a;
        return 0;
}

static uint64_t index_of(const NetAddrSpace *a, uint32_t ip)
{
        return ip - a->subnet.addr;
}

bool net_addrspace_in_use(const NetAddrSpace *a, uint32_t ip)
{
        if (!net_subnet4_contains(a->subnet, ip))
                return false;
        uint64_t i = index_of(a, ip);
        return a->bits[i / 64] & ((uint64_t)1 << (i % 64));
}

int net_addrspace_reserve(NetAddrSpace *a, uint32_t ip, BerthError **err)
{
        char buf[16], sn[20];
        uint64_t size = (uint64_t)1 << (32 - a->subnet.prefix);
        if (!net_subnet4_contains(a->subnet, ip) || ip == a->subnet.addr ||
            ip == a->subnet.addr + size - 1)
                return error_set(err, EINVAL, "no available address %s in subnet %s",
                                 net_ip4_format(ip, buf, sizeof(buf)),
                                 net_subnet4_format(a->subnet, sn, sizeof(sn)));
        if (net_addrspace_in_use(a, ip))
                return error_set(err, EEXIST, "Address already in use: %s",
                                 net_ip4_format(ip, buf, sizeof(buf)));
        uint64_t i = index_of(a, ip);
        a->bits[i / 64] |= (uint64_t)1 << (i % 64);
        return 0;
}

void net_addrspace_release(NetAddrSpace *a, uint32_t ip)
{
        if (!net_subnet4_contains(a->subnet, ip))
                return;
        uint64_t i = index_of(a, ip);
        a->bits[i / 64] &= ~((uint64_t)1 << (i % 64));
}

int net_addrspace_next(NetAddrSpace *a, uint32_t *ret, BerthError **err)
{
        uint64_t n = (uint64_t)a->last - a->first + 1;
        uint32_t ip = a->cursor;
        for (uint64_t k = 0; k < n; k++) {
                ip = (ip >= a->last || ip < a->first) ? a->first : ip + 1;
                if (!net_addrspace_in_use(a, ip)) {
                        uint64_t i = index_of(a, ip);
                        a->bits[i / 64] |= (uint64_t)1 << (i % 64);
                        a->cursor = ip;
                        *ret = ip;
                        return 0;
                }
        }
        char sn[20];
        return error_set(err, ENOSPC,
                         "no available IPv4 addresses on this network's address "
                         "pools: %s",
                         net_subnet4_format(a->subnet, sn, sizeof(sn)));
}

/* ---- IPv6 ---- */

__extension__ typedef unsigned __int128 u128;

static u128 to_u128(NetIp6 ip)
{
        u128 v = 0;
        for (int i = 0; i < 16; i++)
                v = (v << 8) | ip.b[i];
        return v;
}

static NetIp6 from_u128(u128 v)
{
        NetIp6 ip;
        for (int i = 15; i >= 0; i--) {
                ip.b[i] = (uint8_t)v;
                v >>= 8;
        }
        return ip;
}

static u128 mask6_of(uint8_t prefix)
{
        return prefix == 0 ? 0 : ~(u128)0 << (128 - prefix);
}

int net_ip6_parse(const char *s, NetIp6 *ret)
{
        struct in6_addr a;
        if (!s || inet_pton(AF_INET6, s, &a) != 1)
                return -EINVAL;
        memcpy(ret->b, &a, 16);
        return 0;
}

const char *net_ip6_format(NetIp6 ip, char *buf, size_t len)
{
        if (!inet_ntop(AF_INET6, ip.b, buf, (socklen_t)len) && len)
                buf[0] = '\0';
        return buf;
}

bool net_ip6_is_zero(NetIp6 ip)
{
        return to_u128(ip) == 0;
}

bool net_ip6_equal(NetIp6 a, NetIp6 b)
{
        return memcmp(a.b, b.b, 16) == 0;
}

bool net_ip6_is_loopback(NetIp6 ip)
{
        static const NetIp6 lo = {.b = {[15] = 1}};
        return net_ip6_equal(ip, lo);
}

bool net_is_ip6_text(const char *s)
{
        return s && strchr(s, ':') != NULL;
}

NetIp6 net_ip6_add(NetIp6 ip, uint64_t n)
{
        return from_u128(to_u128(ip) + n);
}

int net_subnet6_parse(const char *s, bool allow_host_bits, NetSubnet6 *ret, NetIp6 *ret_ip,
                      BerthError **err)
{
        const char *slash = s ? strchr(s, '/') : NULL;
        if (!slash)
                return error_set(err, EINVAL, "invalid CIDR address: %s", s ? s : "");
        char ip[NET_IP6_STRLEN];
        size_t n = (size_t)(slash - s);
        if (n >= sizeof(ip))
                return error_set(err, EINVAL, "invalid CIDR address: %s", s);
        memcpy(ip, s, n);
        ip[n] = '\0';
        char *end;
        errno = 0;
        unsigned long p = strtoul(slash + 1, &end, 10);
        NetIp6 addr;
        if (errno || *end || end == slash + 1 || p > 128 || net_ip6_parse(ip, &addr) < 0)
                return error_set(err, EINVAL, "invalid CIDR address: %s", s);
        u128 net = to_u128(addr) & mask6_of((uint8_t)p);
        if (net != to_u128(addr) && !allow_host_bits)
                return error_set(err, EINVAL, "invalid subnet %s: it has host bits set", s);
        *ret = (NetSubnet6){from_u128(net), (uint8_t)p};
        if (ret_ip)
                *ret_ip = addr;
        return 0;
}

const char *net_subnet6_format(NetSubnet6 s, char *buf, size_t len)
{
        char ip[NET_IP6_STRLEN];
        snprintf(buf, len, "%s/%u", net_ip6_format(s.addr, ip, sizeof(ip)), s.prefix);
        return buf;
}

bool net_subnet6_contains(NetSubnet6 s, NetIp6 ip)
{
        return (to_u128(ip) & mask6_of(s.prefix)) == to_u128(s.addr);
}

bool net_subnet6_overlap(NetSubnet6 a, NetSubnet6 b)
{
        uint8_t p = a.prefix < b.prefix ? a.prefix : b.prefix;
        return (to_u128(a.addr) & mask6_of(p)) == (to_u128(b.addr) & mask6_of(p));
}

void net_pool6_default(const char *machine_id, NetPool6 *ret)
{
        /* 40 bits of global ID: the first 10 hex digits of the machine ID,
         * else a hash of whatever identifies the host. */
        uint64_t gid = 0;
        int got = 0;
        for (const char *p = machine_id; p && *p && got < 10; p++) {
                int v = *p >= '0' && *p <= '9'   ? *p - '0'
                        : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
                        : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
                                                 : -1;
                if (v < 0)
                        continue;
                gid = gid << 4 | (uint64_t)v;
                got++;
        }
        if (got < 10) {
                uint64_t h = 1469598103934665603ull; /* FNV-1a of the text */
                for (const char *p = machine_id; p && *p; p++)
                        h = (h ^ (uint8_t)*p) * 1099511628211ull;
                gid = h;
        }
        gid &= ((uint64_t)1 << 40) - 1;
        u128 base = (u128)0xfd << 120 | (u128)gid << 80;
        *ret = (NetPool6){{from_u128(base), 48}, 64};
}

int net_pool6_pick(const NetPool6 *pools, size_t n_pools, const NetSubnet6 *used, size_t n_used,
                   NetSubnet6 *ret, BerthError **err)
{
        for (size_t i = 0; i < n_pools; i++) {
                const NetPool6 *pool = &pools[i];
                if (pool->size < pool->base.prefix || pool->size > 124)
                        continue;
                unsigned bits = pool->size - pool->base.prefix;
                /* A /48 in /64s is 65536 candidates; wider pools are only
                 * searched that far (each used subnet rules out one). */
                uint64_t count = bits >= 20 ? (uint64_t)1 << 20 : (uint64_t)1 << bits;
                for (uint64_t k = 0; k < count; k++) {
                        u128 a = to_u128(pool->base.addr) + ((u128)k << (128 - pool->size));
                        NetSubnet6 cand = {from_u128(a), pool->size};
                        bool clash = false;
                        for (size_t j = 0; j < n_used && !clash; j++)
                                clash = net_subnet6_overlap(cand, used[j]);
                        if (!clash) {
                                *ret = cand;
                                return 0;
                        }
                }
        }
        return error_set(err, ENOSPC,
                         "could not find an available, non-overlapping IPv6 address pool "
                         "among the defaults to assign to the network");
}

/* One /proc/net/ipv6_route line: "<dest 32 hex> <plen hex> <src> <plen>
 * <next hop> <metric> <refcnt> <use> <flags> <dev>", bytes in order. */
static bool route6_line(const char *line, NetSubnet6 *ret)
{
        char dst[33];
        unsigned plen;
        if (sscanf(line, " %32[0-9a-fA-F] %2x ", dst, &plen) != 2 || strlen(dst) != 32 ||
            plen > 128)
                return false;
        NetIp6 ip;
        for (int i = 0; i < 16; i++) {
                unsigned v;
                if (sscanf(dst + 2 * i, "%2x", &v) != 1)
                        return false;
                ip.b[i] = (uint8_t)v;
        }
        ret->prefix = (uint8_t)plen;
        ret->addr = from_u128(to_u128(ip) & mask6_of(ret->prefix));
        return true;
}

int net_ipv6_routes_parse(const char *text, size_t len, NetSubnet6 **ret, size_t *ret_n)
{
        NetSubnet6 *v = NULL;
        size_t n = 0, cap = 0;
        const char *end = text + len;
        while (text < end) {
                const char *nl = memchr(text, '\n', (size_t)(end - text));
                size_t l = (size_t)((nl ? nl : end) - text);
                char line[256];
                if (l >= sizeof(line))
                        l = sizeof(line) - 1;
                memcpy(line, text, l);
                line[l] = '\0';
                text = nl ? nl + 1 : end;
                NetSubnet6 sn;
                /* Default routes (::/0) cover everything: not a subnet. */
                if (!route6_line(line, &sn) || sn.prefix == 0)
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : 16;
                        NetSubnet6 *nv = reallocarray(v, cap, sizeof(*v));
                        if (!nv) {
                                free(v);
                                return -ENOMEM;
                        }
                        v = nv;
                }
                v[n++] = sn;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int net_host_subnets6(const char *path, NetSubnet6 **ret, size_t *ret_n, BerthError **err)
{
        *ret = NULL;
        *ret_n = 0;
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return errno == ENOENT ? 0 : error_set_errno(err, errno, "reading %s", path);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        if (!mem)
                return error_set(err, ENOMEM, "out of memory");
        char buf[4096];
        size_t k;
        while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
                fwrite(buf, 1, k, mem);
        bool bad = ferror(f);
        if (fclose(mem) != 0 || !text)
                return error_set(err, ENOMEM, "out of memory");
        if (bad)
                return error_set_errno(err, EIO, "reading %s", path);
        if (net_ipv6_routes_parse(text, len, ret, ret_n) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

struct NetAddrSpace6 {
        NetSubnet6 subnet;
        u128 first, last; /* dynamic range, inclusive */
        u128 cursor;      /* the last address handed out */
        bool started;
        u128 *used; /* sorted */
        size_t n_used, cap;
};

NetAddrSpace6 *net_addrspace6_free(NetAddrSpace6 *a)
{
        if (a) {
                free(a->used);
                free(a);
        }
        return NULL;
}

int net_addrspace6_new(NetSubnet6 subnet, const NetSubnet6 *range, NetAddrSpace6 **ret,
                       BerthError **err)
{
        if (subnet.prefix < 8 || subnet.prefix > 126)
                return error_set(err, EINVAL,
                                 "IPv6 subnet prefix /%u is not supported (use /8 to /126)",
                                 subnet.prefix);
        if (range && (range->prefix < subnet.prefix || !net_subnet6_contains(subnet, range->addr)))
                return error_set(err, EINVAL, "the IPv6 ip-range is not within the subnet");
        NetAddrSpace6 *a = calloc(1, sizeof(*a));
        if (!a)
                return error_set(err, ENOMEM, "out of memory");
        a->subnet = subnet;
        NetSubnet6 r = range ? *range : subnet;
        a->first = to_u128(r.addr);
        a->last = a->first | ~mask6_of(r.prefix);
        /* Never the subnet-router anycast address. */
        if (a->first == to_u128(subnet.addr))
                a->first++;
        *ret = a;
        return 0;
}

/* The index of the first used address >= v. */
static size_t lower_bound(const NetAddrSpace6 *a, u128 v)
{
        size_t lo = 0, hi = a->n_used;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (a->used[mid] < v)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

bool net_addrspace6_in_use(const NetAddrSpace6 *a, NetIp6 ip)
{
        u128 v = to_u128(ip);
        size_t i = lower_bound(a, v);
        return i < a->n_used && a->used[i] == v;
}

static int insert_used(NetAddrSpace6 *a, u128 v)
{
        if (a->n_used == a->cap) {
                size_t cap = a->cap ? a->cap * 2 : 16;
                u128 *nv = reallocarray(a->used, cap, sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                a->used = nv;
                a->cap = cap;
        }
        size_t i = lower_bound(a, v);
        memmove(&a->used[i + 1], &a->used[i], (a->n_used - i) * sizeof(*a->used));
        a->used[i] = v;
        a->n_used++;
        return 0;
}

int net_addrspace6_reserve(NetAddrSpace6 *a, NetIp6 ip, BerthError **err)
{
        char buf[NET_IP6_STRLEN], sn[NET_SUBNET6_STRLEN];
        if (!net_subnet6_contains(a->subnet, ip) || net_ip6_equal(ip, a->subnet.addr))
                return error_set(err, EINVAL, "no available address %s in subnet %s",
                                 net_ip6_format(ip, buf, sizeof(buf)),
                                 net_subnet6_format(a->subnet, sn, sizeof(sn)));
        if (net_addrspace6_in_use(a, ip))
                return error_set(err, EEXIST, "Address already in use: %s",
                                 net_ip6_format(ip, buf, sizeof(buf)));
        if (insert_used(a, to_u128(ip)) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

void net_addrspace6_release(NetAddrSpace6 *a, NetIp6 ip)
{
        u128 v = to_u128(ip);
        size_t i = lower_bound(a, v);
        if (i < a->n_used && a->used[i] == v) {
                memmove(&a->used[i], &a->used[i + 1], (a->n_used - i - 1) * sizeof(*a->used));
                a->n_used--;
        }
}

int net_addrspace6_next(NetAddrSpace6 *a, NetIp6 *ret, BerthError **err)
{
        /* Each used address can push the candidate on by one, so n_used + 1
         * steps (bounded by the range's size) find a free one if any. */
        u128 size = a->last - a->first + 1;
        u128 steps = (u128)a->n_used + 1 < size ? (u128)a->n_used + 1 : size;
        u128 v = a->cursor;
        for (u128 k = 0; k < steps; k++) {
                v = (!a->started && k == 0) || v >= a->last || v < a->first ? a->first : v + 1;
                NetIp6 ip = from_u128(v);
                if (!net_addrspace6_in_use(a, ip)) {
                        if (insert_used(a, v) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        a->cursor = v;
                        a->started = true;
                        *ret = ip;
                        return 0;
                }
        }
        char sn[NET_SUBNET6_STRLEN];
        return error_set(err, ENOSPC,
                         "no available IPv6 addresses on this network's address pools: %s",
                         net_subnet6_format(a->subnet, sn, sizeof(sn)));
}
