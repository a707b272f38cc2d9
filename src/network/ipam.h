/* IPv4 address management: subnets, the address pools new networks take
 * their subnet from, and the addresses of a subnet. Pure but for
 * net_host_subnets6: the caller (the network store) persists allocations
 * and tells what the host routes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct NetSubnet4 {
        uint32_t addr; /* host byte order, the network address */
        uint8_t prefix;
} NetSubnet4;

/* "172.17.0.0/16"; the address must be the network's own (no host bits),
 * unless allow_host_bits (then they are cleared into *ret and *ret_ip, if
 * not NULL, keeps the given address, as for `bip` "172.17.0.1/16"). */
int net_subnet4_parse(const char *s, bool allow_host_bits, NetSubnet4 *ret, uint32_t *ret_ip,
                      BerthError **err);
/* "a.b.c.d/p" into buf (>= 19 bytes). */
const char *net_subnet4_format(NetSubnet4 s, char *buf, size_t len);
const char *net_ip4_format(uint32_t ip, char *buf, size_t len);
int net_ip4_parse(const char *s, uint32_t *ret);
bool net_subnet4_contains(NetSubnet4 s, uint32_t ip);
bool net_subnet4_overlap(NetSubnet4 a, NetSubnet4 b);

/* A pool: Docker's default-address-pools item {"base": CIDR, "size": N}. */
typedef struct NetPool4 {
        NetSubnet4 base;
        uint8_t size;
} NetPool4;

/* Docker's defaults: 172.17.0.0/16 … 172.31.0.0/16 in /16s, then
 * 192.168.0.0/16 in /20s. */
extern const NetPool4 NET_DEFAULT_POOLS[];
extern const size_t NET_DEFAULT_POOLS_LEN;

/* The first subnet of the pools, in order, that overlaps none of `used`
 * (the subnets of other networks and every route on the host); -ENOSPC
 * "could not find an available, non-overlapping IPv4 address pool among
 * the defaults to assign to the network" as Docker says. */
int net_pool_pick(const NetPool4 *pools, size_t n_pools, const NetSubnet4 *used, size_t n_used,
                  NetSubnet4 *ret, BerthError **err);

/* The addresses of one subnet: network and broadcast addresses (for
 * prefixes < 31) are never handed out, nor the gateway. An optional
 * ip-range narrows where dynamic addresses come from. */
typedef struct NetAddrSpace NetAddrSpace;
int net_addrspace_new(NetSubnet4 subnet, const NetSubnet4 *range, NetAddrSpace **ret,
                      BerthError **err);
NetAddrSpace *net_addrspace_free(NetAddrSpace *a);
/* Marks ip in use (the gateway, restored allocations, a requested --ip);
 * -EEXIST "Address already in use" / -EINVAL outside the subnet. */
int net_addrspace_reserve(NetAddrSpace *a, uint32_t ip, BerthError **err);
void net_addrspace_release(NetAddrSpace *a, uint32_t ip);
bool net_addrspace_in_use(const NetAddrSpace *a, uint32_t ip);
/* The next free address after the last one handed out (wrapping), so that
 * a released address is not reused at once, as Docker does; -ENOSPC. */
int net_addrspace_next(NetAddrSpace *a, uint32_t *ret, BerthError **err);

/* ---- IPv6 ---- */

/* An IPv6 address, network byte order. */
typedef struct NetIp6 {
        uint8_t b[16];
} NetIp6;

typedef struct NetSubnet6 {
        NetIp6 addr; /* the network address */
        uint8_t prefix;
} NetSubnet6;

#define NET_IP6_STRLEN     46 /* INET6_ADDRSTRLEN */
#define NET_SUBNET6_STRLEN 50

int net_ip6_parse(const char *s, NetIp6 *ret);
const char *net_ip6_format(NetIp6 ip, char *buf, size_t len);
bool net_ip6_is_zero(NetIp6 ip);
bool net_ip6_equal(NetIp6 a, NetIp6 b);
/* ::1 */
bool net_ip6_is_loopback(NetIp6 ip);
/* Whether a string is an IPv6 address or subnet (has a ':'). */
bool net_is_ip6_text(const char *s);
/* As net_subnet4_parse, for "fd00:1::/64". */
int net_subnet6_parse(const char *s, bool allow_host_bits, NetSubnet6 *ret, NetIp6 *ret_ip,
                      BerthError **err);
const char *net_subnet6_format(NetSubnet6 s, char *buf, size_t len);
bool net_subnet6_contains(NetSubnet6 s, NetIp6 ip);
bool net_subnet6_overlap(NetSubnet6 a, NetSubnet6 b);
/* The subnet's address plus n (the gateway is net_ip6_add(subnet, 1)). */
NetIp6 net_ip6_add(NetIp6 ip, uint64_t n);

typedef struct NetPool6 {
        NetSubnet6 base;
        uint8_t size;
} NetPool6;

/* Docker's default IPv6 pool (moby 27+): the ULA /48 fd00::/8 + a 40-bit
 * global ID derived from the host, split into /64s. berth takes the 40 bits
 * from /etc/machine-id (hex), so the pool is stable per host. */
void net_pool6_default(const char *machine_id, NetPool6 *ret);
/* The first /size of the pools that overlaps none of used; -ENOSPC. */
int net_pool6_pick(const NetPool6 *pools, size_t n_pools, const NetSubnet6 *used, size_t n_used,
                   NetSubnet6 *ret, BerthError **err);

/* The destinations of the host's IPv6 routes in /proc/net/ipv6_route's
 * text (every table: an address of the host shows as its /128 local route
 * beside its prefix route), default routes (::/0) left out. -ENOMEM. */
int net_ipv6_routes_parse(const char *text, size_t len, NetSubnet6 **ret, size_t *ret_n);
/* The same read from path ("/proc/net/ipv6_route"); none when the file is
 * missing (a kernel without IPv6). The caller hands them to
 * net_pool6_pick as used, so a new network avoids what the host routes. */
int net_host_subnets6(const char *path, NetSubnet6 **ret, size_t *ret_n, BerthError **err);

/* The addresses of an IPv6 subnet: a sparse set (sorted), not a bitmap.
 * The subnet-router anycast address (the subnet's own) is never handed
 * out; the gateway is reserved by the caller. Sequential from the start
 * of the range; a released address comes back only after the others. */
typedef struct NetAddrSpace6 NetAddrSpace6;
int net_addrspace6_new(NetSubnet6 subnet, const NetSubnet6 *range, NetAddrSpace6 **ret,
                       BerthError **err);
NetAddrSpace6 *net_addrspace6_free(NetAddrSpace6 *a);
int net_addrspace6_reserve(NetAddrSpace6 *a, NetIp6 ip, BerthError **err);
void net_addrspace6_release(NetAddrSpace6 *a, NetIp6 ip);
bool net_addrspace6_in_use(const NetAddrSpace6 *a, NetIp6 ip);
int net_addrspace6_next(NetAddrSpace6 *a, NetIp6 *ret, BerthError **err);
