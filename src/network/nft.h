/* berth's packet rules: nftables tables of our own ("ip berth" and, while
 * there are IPv6 networks or bindings, "ip6 berth" with the same chains),
 * rendered whole from the networks and published ports and swapped in one
 * atomic transaction, so that a crash never leaves half a rule set and a
 * restart rebuilds exactly what the state says. Nothing outside the table
 * is ever touched (Docker's iptables rules may live beside it).
 *
 * Chains and priorities (documented for administrators in
 * docs/networking.md):
 *   prerouting  nat    dstnat (-100)  published ports, traffic from outside
 *   output      nat    -100           published ports, traffic from the host
 *   postrouting nat    srcnat (100)   masquerade out of each network; and
 *                                     for 127.0.0.1 → published port (the
 *                                     bridge needs route_localnet=1)
 *   forward     filter filter (0)     isolation: only replies and published
 *                                     (DNATed) traffic enter a network;
 *                                     --internal networks neither in nor out
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "network/ipam.h"

/* The table berthd uses; tests pass their own name. */
#define NET_NFT_TABLE "berth"

typedef struct NetNftNetwork {
        const char *bridge;
        NetSubnet4 subnet;
        bool internal;
        bool has_subnet6; /* --ipv6: masqueraded in the ip6 table */
        NetSubnet6 subnet6;
        /* gateway_mode_ipv4/_ipv6 "routed": no masquerade; published ports
         * (and ICMP) are let in at the containers' own addresses */
        bool routed4, routed6;
} NetNftNetwork;

typedef struct NetNftPort {
        const char *proto; /* tcp, udp, sctp */
        uint32_t host_ip;  /* 0 = every local address */
        uint16_t host_first, host_last;
        uint32_t container_ip;
        uint16_t container_first; /* container_last = first + (host_last - host_first) */
        bool v6;                  /* an IPv6 binding: the *_ip6 fields apply */
        NetIp6 host_ip6;          /* :: = every local address */
        NetIp6 container_ip6;
} NetNftPort;

/* Both tables as one nft script text (caller frees). */
int net_nft_render(const char *table, const NetNftNetwork *nets, size_t n_nets,
                   const NetNftPort *ports, size_t n_ports, char **ret, BerthError **err);
/* Runs nft script text in one transaction through libnftables, in the
 * berth-nft helper (net_nft_set_helper): berthd itself never maps it. */
int net_nft_apply(const char *script, BerthError **err);
/* render + apply. */
int net_nft_sync(const char *table, const NetNftNetwork *nets, size_t n_nets,
                 const NetNftPort *ports, size_t n_ports, BerthError **err);
/* Deletes both tables (absent is fine). */
int net_nft_remove(const char *table, BerthError **err);
