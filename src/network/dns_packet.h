/* DNS messages for the embedded server: parsing one question out of an
 * untrusted query, building the answer, and the framing of DNS over TCP.
 * Pure functions (fuzzed). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "network/ipam.h"

#define NET_DNS_MAX_NAME  255
#define NET_DNS_TYPE_A    1
#define NET_DNS_TYPE_PTR  12
#define NET_DNS_TYPE_AAAA 28
#define NET_DNS_CLASS_IN  1

#define NET_DNS_RCODE_OK       0
#define NET_DNS_RCODE_FORMERR  1
#define NET_DNS_RCODE_SERVFAIL 2
#define NET_DNS_RCODE_NXDOMAIN 3
#define NET_DNS_RCODE_NOTIMP   4

typedef struct NetDnsQuery {
        uint16_t id;
        uint16_t flags;
        char name[NET_DNS_MAX_NAME + 1]; /* dotted, lower case, no trailing dot */
        uint16_t qtype, qclass;
        size_t question_end; /* offset just past the question */
        uint16_t edns_size;  /* the EDNS OPT record's UDP payload size; 0 = no EDNS */
} NetDnsQuery;

/* Without EDNS an answer over UDP is at most 512 bytes (RFC 1035 4.2.1). */
#define NET_DNS_UDP_MAX 512

/* 0 when pkt is a standard query with one question; -EINVAL otherwise
 * (q->id is still set when the header could be read, for FORMERR). */
int net_dns_parse_query(const uint8_t *pkt, size_t len, NetDnsQuery *q);

/* Builds a response to q, copying its question from pkt: rcode, and
 * n_a A records (ips, host byte order) or a PTR record (ptr_name) with
 * the given TTL. Returns the length, or 0 when cap is too small. */
size_t net_dns_build_reply(const uint8_t *pkt, const NetDnsQuery *q, int rcode, const uint32_t *ips,
                           size_t n_a, const char *ptr_name, uint32_t ttl, uint8_t *out,
                           size_t cap);

/* The same with n AAAA records (ips6) as the answers. */
size_t net_dns_build_reply6(const uint8_t *pkt, const NetDnsQuery *q, int rcode, const NetIp6 *ips6,
                            size_t n, uint32_t ttl, uint8_t *out, size_t cap);

/* "4.3.2.1.in-addr.arpa" → 1.2.3.4 (host order); -EINVAL otherwise. */
int net_dns_ptr_ip4(const char *name, uint32_t *ret);
/* "b.a.9.8.….ip6.arpa" (32 nibbles, least significant first) → the IPv6
 * address; -EINVAL otherwise. */
int net_dns_ptr_ip6(const char *name, NetIp6 *ret);

/* The largest answer q's client takes over UDP: 512, or what its EDNS
 * record announces (up to cap). */
size_t net_dns_udp_limit(const NetDnsQuery *q, size_t cap);
/* Cuts the reply msg (built for q) down to its header and question with
 * TC set, so that the client asks again over TCP; the new length. */
size_t net_dns_truncate(uint8_t *msg, size_t len, const NetDnsQuery *q);

/* DNS over TCP (RFC 1035 4.2.2, RFC 7766): every message is preceded by its
 * length in two bytes, network order. */

/* The first message framed at the start of buf[0..len): its length (the
 * frame is 2 bytes more) when all of it is there, 0 when more bytes are
 * needed, -EMSGSIZE when the announced length is 0 or over max (the
 * connection cannot be trusted to resynchronise: close it). */
long net_dns_frame_next(const uint8_t *buf, size_t len, size_t max);
/* msg framed into out: the frame's length, 0 when cap is too small or
 * msg over 65535 bytes. */
size_t net_dns_frame_put(const uint8_t *msg, size_t len, uint8_t *out, size_t cap);
