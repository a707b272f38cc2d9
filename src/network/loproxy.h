/* A proxy for TCP ports published on [::1], inside berthd.
 *
 * IPv4 loopback publishing needs no proxy (DNAT plus route_localnet), but
 * Linux has no IPv6 route_localnet: a connection from ::1 DNATed into a
 * bridge would leave with a loopback source and be dropped. For these
 * bindings only, berthd listens on [::1]:PORT itself and relays each
 * connection to the container: one thread with epoll for every binding and
 * connection (no process per port, as docker-proxy would be). The client's
 * address is ::1 anyway, so nothing is lost by not keeping it. UDP and SCTP
 * on [::1] are not relayed. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "network/ipam.h"

typedef struct NetLoProxy NetLoProxy;

/* [::1]:host_first..host_last → [container_ip6]:container_first.. */
typedef struct NetLoProxyRule {
        uint16_t host_first, host_last;
        NetIp6 container_ip6;
        uint16_t container_first;
} NetLoProxyRule;

NetLoProxy *net_loproxy_new(BerthError **err);
/* Listens for exactly these rules from now on: new ports are bound, ports
 * no longer wanted stop listening (connections already relayed go on until
 * either side closes). A port that cannot be bound is an error naming it;
 * the others are still applied. */
int net_loproxy_set(NetLoProxy *p, const NetLoProxyRule *rules, size_t n, BerthError **err);
/* Stops the thread, closes every listener and connection. */
void net_loproxy_free(NetLoProxy *p);
