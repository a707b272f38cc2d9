/* DNS wire format: one question in, A/PTR answers out (RFC 1035), and the
 * two-byte framing of DNS over TCP. */
#include "network/dns_packet.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint16_t get16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
        put16(p, (uint16_t)(v >> 16));
        put16(p + 2, (uint16_t)v);
}

int net_dns_parse_query(const uint8_t *pkt, size_t len, NetDnsQuery *q)
{
        memset(q, 0, sizeof(*q));
        if (len < 12)
                return -EINVAL;
        q->id = get16(pkt);
        q->flags = get16(pkt + 2);
        /* A query (QR = 0), opcode QUERY, exactly one question. */
        if ((q->flags & 0x8000) || ((q->flags >> 11) & 0xf) != 0 || get16(pkt + 4) != 1)
                return -EINVAL;
        size_t off = 12, n = 0;
        for (;;) {
                if (off >= len)
                        return -EINVAL;
                uint8_t l = pkt[off++];
                if (l == 0)
                        break;
                /* No compression in a question we accept; labels <= 63. */
                if (l > 63 || off + l > len || n + l + 1 > NET_DNS_MAX_NAME)
                        return -EINVAL;
                if (n)
                        q->name[n++] = '.';
                for (uint8_t i = 0; i < l; i++) {
                        char c = (char)pkt[off + i];
                        if (c == '.' || c == '\0')
                                return -EINVAL;
                        q->name[n++] = (char)tolower((unsigned char)c);
                }
                off += l;
        }
        q->name[n] = '\0';
        if (off + 4 > len)
                return -EINVAL;
        q->qtype = get16(pkt + off);
        q->qclass = get16(pkt + off + 2);
        q->question_end = off + 4;
        /* EDNS: an OPT record (root owner, type 41) first in the additional
         * section; its class is the client's UDP payload size. */
        off += 4;
        if (get16(pkt + 6) == 0 && get16(pkt + 8) == 0 && get16(pkt + 10) >= 1 && off + 11 <= len &&
            pkt[off] == 0 && get16(pkt + off + 1) == 41)
                q->edns_size = get16(pkt + off + 3);
        return 0;
}

size_t net_dns_udp_limit(const NetDnsQuery *q, size_t cap)
{
        size_t limit = q->edns_size > NET_DNS_UDP_MAX ? q->edns_size : NET_DNS_UDP_MAX;
        return limit < cap ? limit : cap;
}

size_t net_dns_truncate(uint8_t *msg, size_t len, const NetDnsQuery *q)
{
        if (len < 12 || q->question_end > len)
                return len;
        put16(msg + 2, (uint16_t)(get16(msg + 2) | 0x0200));
        put16(msg + 6, 0);
        put16(msg + 8, 0);
        put16(msg + 10, 0);
        return q->question_end > 12 ? q->question_end : 12;
}

long net_dns_frame_next(const uint8_t *buf, size_t len, size_t max)
{
        if (len < 2)
                return 0;
        size_t n = get16(buf);
        if (n == 0 || n > max)
                return -EMSGSIZE;
        return len - 2 >= n ? (long)n : 0;
}

size_t net_dns_frame_put(const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
        if (len > 0xffff || cap < 2 || cap - 2 < len)
                return 0;
        put16(out, (uint16_t)len);
        memcpy(out + 2, msg, len);
        return len + 2;
}

/* Encodes a dotted name; returns bytes written or 0. */
static size_t put_name(const char *name, uint8_t *out, size_t cap)
{
        size_t off = 0;
        const char *p = name;
        while (*p) {
                const char *dot = strchr(p, '.');
                size_t l = dot ? (size_t)(dot - p) : strlen(p);
                if (l == 0 || l > 63 || off + 1 + l + 1 > cap)
                        return 0;
                out[off++] = (uint8_t)l;
                memcpy(out + off, p, l);
                off += l;
                p += l;
                if (*p == '.')
                        p++;
        }
        if (off + 1 > cap)
                return 0;
        out[off++] = 0;
        return off;
}

/* The header and the copied question; the offset after them, or 0. */
static size_t put_header(const uint8_t *pkt, const NetDnsQuery *q, int rcode, size_t n_ans,
                         uint8_t *out, size_t cap)
{
        size_t qlen = q->question_end > 12 ? q->question_end - 12 : 0;
        if (cap < 12 + qlen)
                return 0;
        put16(out, q->id);
        /* QR, the query's opcode and RD, RA, the rcode. */
        put16(out + 2, (uint16_t)(0x8000 | (q->flags & 0x0100) | 0x0080 | (rcode & 0xf)));
        put16(out + 4, qlen ? 1 : 0);
        put16(out + 6, (uint16_t)n_ans);
        put16(out + 8, 0);
        put16(out + 10, 0);
        memcpy(out + 12, pkt + 12, qlen);
        return 12 + qlen;
}

/* An answer's fixed part; the owner name is a pointer to the question. */
static size_t put_rr_head(uint8_t *out, size_t off, size_t cap, uint16_t type, uint32_t ttl)
{
        if (off + 12 > cap)
                return 0;
        put16(out + off, 0xc00c);
        put16(out + off + 2, type);
        put16(out + off + 4, NET_DNS_CLASS_IN);
        put32(out + off + 6, ttl);
        return off + 10;
}

size_t net_dns_build_reply(const uint8_t *pkt, const NetDnsQuery *q, int rcode, const uint32_t *ips,
                           size_t n_a, const char *ptr_name, uint32_t ttl, uint8_t *out, size_t cap)
{
        size_t n_ans = ptr_name ? 1 : n_a;
        size_t off = put_header(pkt, q, rcode, n_ans, out, cap);
        for (size_t i = 0; off && i < n_ans; i++) {
                off = put_rr_head(out, off, cap, ptr_name ? NET_DNS_TYPE_PTR : NET_DNS_TYPE_A, ttl);
                if (!off)
                        return 0;
                if (ptr_name) {
                        size_t n = put_name(ptr_name, out + off + 2, cap - off - 2);
                        if (n == 0)
                                return 0;
                        put16(out + off, (uint16_t)n);
                        off += 2 + n;
                } else {
                        if (off + 6 > cap)
                                return 0;
                        put16(out + off, 4);
                        put32(out + off + 2, ips[i]);
                        off += 6;
                }
        }
        return off;
}

size_t net_dns_build_reply6(const uint8_t *pkt, const NetDnsQuery *q, int rcode, const NetIp6 *ips6,
                            size_t n, uint32_t ttl, uint8_t *out, size_t cap)
{
        size_t off = put_header(pkt, q, rcode, n, out, cap);
        for (size_t i = 0; off && i < n; i++) {
                off = put_rr_head(out, off, cap, NET_DNS_TYPE_AAAA, ttl);
                if (!off || off + 18 > cap)
                        return 0;
                put16(out + off, 16);
                memcpy(out + off + 2, ips6[i].b, 16);
                off += 18;
        }
        return off;
}

int net_dns_ptr_ip4(const char *name, uint32_t *ret)
{
        unsigned a, b, c, d;
        int n = 0;
        if (sscanf(name, "%u.%u.%u.%u.in-addr.arpa%n", &d, &c, &b, &a, &n) != 4 ||
            name[n] != '\0' || a > 255 || b > 255 || c > 255 || d > 255)
                return -EINVAL;
        *ret = a << 24 | b << 16 | c << 8 | d;
        return 0;
}

int net_dns_ptr_ip6(const char *name, NetIp6 *ret)
{
        NetIp6 ip = {{0}};
        const char *p = name;
        for (int i = 31; i >= 0; i--) {
                int v = p[0] >= '0' && p[0] <= '9'   ? p[0] - '0'
                        : p[0] >= 'a' && p[0] <= 'f' ? p[0] - 'a' + 10
                                                     : -1;
                if (v < 0 || p[1] != '.')
                        return -EINVAL;
                ip.b[i / 2] |= (uint8_t)(i % 2 ? v : v << 4);
                p += 2;
        }
        if (strcmp(p, "ip6.arpa") != 0)
                return -EINVAL;
        *ret = ip;
        return 0;
}
