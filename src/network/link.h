/* Network devices through rtnetlink (libnl-route-3): the bridge of a
 * network, the veth pair of a container endpoint, and what the host routes
 * (so that a new network's subnet avoids it). All functions act on the
 * calling thread's network namespace unless they say otherwise. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "network/ipam.h"

/* Creates the bridge (or keeps an existing one of that name), gives it
 * gateway/prefix (adding the address when missing) and sets it up. */
int net_link_bridge_ensure(const char *name, uint32_t gateway, uint8_t prefix, int mtu,
                           BerthError **err);
/* Gives the bridge an IPv6 gateway address (no DAD: it is usable at
 * once), with IPv6 enabled and forwarding on for it. */
int net_link_bridge_add_ip6(const char *name, NetIp6 gateway, uint8_t prefix, BerthError **err);
/* Deletes a link by name; a missing link is not an error. */
int net_link_delete(const char *name, BerthError **err);
bool net_link_exists(const char *name);
/* The same from one background thread (link_reaper.c): for the host end of
 * a veth whose container has exited, whose teardown (~10 ms of kernel RCU
 * waits) nobody needs to wait for. Errors are ignored, as a missing link is
 * what is wanted. net_link_flush_deletes returns when all queued deletions
 * are done. */
void net_link_delete_later(const char *name);
void net_link_flush_deletes(void);

typedef struct NetEndpointConfig {
        const char *bridge;      /* host side master */
        const char *host_ifname; /* "veth" + 7 hex chars */
        int netns_fd;            /* the container's network namespace */
        const char *ifname;      /* inside: "eth0" */
        uint32_t ip;
        uint8_t prefix;
        uint32_t gateway; /* 0 = no default route (e.g. --internal is still routed) */
        uint8_t mac[6];
        int mtu;      /* 0 = the bridge's */
        bool has_ip6; /* --ipv6 network: ip6/prefix6 on ifname */
        NetIp6 ip6;
        uint8_t prefix6;
        NetIp6 gateway6; /* :: = no IPv6 default route */
} NetEndpointConfig;

/* Docker's MAC for an IPv4 address: 02:42 followed by the address. */
void net_mac_from_ip4(uint32_t ip, uint8_t mac[6]);
const char *net_mac_format(const uint8_t mac[6], char *buf, size_t len);

/* Creates the veth pair with its peer directly in the container's
 * namespace, attaches the host side to the bridge, and inside configures
 * the address, MAC, MTU, loopback and default route. On failure nothing
 * is left (the host side is deleted, which deletes the peer). */
int net_endpoint_create(const NetEndpointConfig *c, BerthError **err);

/* Brings up "lo" in the namespace (for --network none). */
int net_netns_loopback_up(int netns_fd, BerthError **err);

/* Every IPv4 subnet the host has an address or a route for (the default
 * route excluded). */
int net_host_subnets4(NetSubnet4 **ret, size_t *ret_n, BerthError **err);

/* Writes a /proc/sys value ("net/ipv4/ip_forward", "1"). */
int net_sysctl_write(const char *key, const char *value, BerthError **err);
