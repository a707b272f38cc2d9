/* Which host ports the host's processes hold, read once from the kernel's
 * socket tables (/proc/net/tcp, tcp6, udp, udp6 and /proc/net/sctp/eps) so
 * that a 1000-port range is checked without a bind() per port.
 *
 * What counts as in use: TCP listeners (state LISTEN), every bound UDP
 * socket, every SCTP endpoint. The kernel's conflict rules apply: a socket
 * on the wildcard address (0.0.0.0, ::) holds the port on every address; a
 * socket on one address holds it on that address and on the wildcard. An
 * IPv6 socket on :: is taken to hold the IPv4 port too (the socket tables
 * do not say whether it is IPV6_V6ONLY; dual-stack is the default); an IPv4
 * socket never holds an IPv6 port (berth's bindings on IPv6 are v6-only).
 *
 * The tables are those of the reader's network namespace: berthd reads them
 * in the host's. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "network/ipam.h"

typedef enum NetPortProto {
        NET_PORT_TCP,
        NET_PORT_UDP,
        NET_PORT_SCTP,
} NetPortProto;

/* One socket holding a port. */
typedef struct NetPortUse {
        uint16_t port;
        uint8_t proto; /* NetPortProto */
        bool v6;       /* an IPv6 address (IPv4-mapped ones are stored as IPv4) */
        NetIp6 addr;   /* network order; IPv4 in the first 4 bytes */
} NetPortUse;

typedef struct NetPortProbe {
        NetPortUse *v; /* sorted by (proto, port) once read */
        size_t n, cap;
        bool host;   /* read the host's tables on first use; bind-test picks */
        bool loaded; /* the tables (or a fixture) are in v */
        bool sorted;
} NetPortProbe;

/* Where a binding would listen: IPv4 (ip4 host order, 0 = every address)
 * and/or IPv6 (ip6, :: = every address). */
typedef struct NetPortQuery {
        NetPortProto proto;
        bool v4, v6;
        uint32_t ip4;
        NetIp6 ip6;
} NetPortQuery;

/* host: the host's tables, read lazily on the first query; !host: nothing
 * is in use but what is parsed in (tests, and managers that keep state
 * only). */
void net_portprobe_init(NetPortProbe *p, bool host);
void net_portprobe_clear(NetPortProbe *p);

/* "tcp", "udp", "sctp" → NetPortProto; -EINVAL otherwise. */
int net_portprobe_proto(const char *name);

/* Adds the sockets of one table's text (untrusted length-bounded bytes,
 * fuzzed): the /proc/net/{tcp,udp}[6] format for proto and family, or
 * /proc/net/sctp/eps. Lines that do not parse are skipped. -ENOMEM. */
int net_portprobe_parse(NetPortProbe *p, NetPortProto proto, bool v6, const char *text, size_t len);
int net_portprobe_parse_sctp(NetPortProbe *p, const char *text, size_t len);
/* Reads every table under dir ("/proc/net"); a missing table is empty. */
int net_portprobe_load(NetPortProbe *p, const char *dir);

/* Whether port is free for the query in every family it names. */
bool net_portprobe_free(NetPortProbe *p, const NetPortQuery *q, uint16_t port);

/* A free port of [lo, hi], trying from lo + start (wrapping), that
 * also_taken (may be NULL) does not refuse. With a host probe the port
 * found is also bind()-tested, as the tables are a moment old. The index
 * of the port after it (for the next start) in *ret_next. -EADDRINUSE. */
int net_portprobe_pick(NetPortProbe *p, const NetPortQuery *q, unsigned lo, unsigned hi,
                       unsigned start, bool (*also_taken)(void *userdata, uint16_t port),
                       void *userdata, uint16_t *ret, unsigned *ret_next);
