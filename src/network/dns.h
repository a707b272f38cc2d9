/* The embedded DNS server: containers on user-defined networks find each
 * other by name. One thread in berthd serves every container through a UDP
 * socket and a TCP listener created inside the container's network
 * namespace on 127.0.0.11:53 (no process per container, nothing to rewrite
 * in the namespace's own rules). TCP connections (RFC 7766 framing) are
 * non-blocking, bounded in number and buffers, and closed when idle. Names it does not know are
 * forwarded from the host's namespace to the host's resolvers (so a systemd-resolved stub at
 * 127.0.0.53 works); without resolvers they get SERVFAIL at once. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "network/ipam.h"

#define NET_DNS_ADDR "127.0.0.11"

typedef struct NetDnsResolver {
        /* Up to max IPv4 addresses (host order) of name as container_id sees
         * it: 0 = name unknown. */
        size_t (*lookup_a)(void *userdata, const char *container_id, const char *name,
                           uint32_t *ips, size_t max);
        /* The name of ip as container_id sees it: 0 and the name, or -ENOENT. */
        int (*lookup_ptr)(void *userdata, const char *container_id, uint32_t ip, char *name,
                          size_t len);
        void *userdata;
        /* Up to max IPv6 addresses of name (NULL: no AAAA answers). */
        size_t (*lookup_aaaa)(void *userdata, const char *container_id, const char *name,
                              NetIp6 *ips, size_t max);
        /* The name of an IPv6 address (NULL: no ip6.arpa answers). */
        int (*lookup_ptr6)(void *userdata, const char *container_id, NetIp6 ip, char *name,
                           size_t len);
} NetDnsResolver;

typedef struct NetDns NetDns;

/* upstreams: "a.b.c.d" nameservers (NULL = those of /etc/resolv.conf). */
int net_dns_new(const NetDnsResolver *resolver, char **upstreams, NetDns **ret, BerthError **err);
NetDns *net_dns_free(NetDns *d);
/* Serves container_id inside the network namespace of pid (replacing any
 * earlier socket of that container). */
int net_dns_add(NetDns *d, const char *container_id, pid_t pid, BerthError **err);
void net_dns_remove(NetDns *d, const char *container_id);
