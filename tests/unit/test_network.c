/* Port specs and IPAM. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/json.h"
#include "network/dns_packet.h"
#include "network/ipam.h"
#include "network/portspec.h"

typedef struct {
        const char *spec;
        const char *ip;
        unsigned hf, hl, cf, cl;
        const char *proto;
} GoodSpec;

static void test_portspec_good(void **state)
{
        static const GoodSpec cases[] = {
            {"80", "", 0, 0, 80, 80, "tcp"},
            {"8080:80", "", 8080, 8080, 80, 80, "tcp"},
            {"80:80/udp", "", 80, 80, 80, 80, "udp"},
            {"127.0.0.1:8080:80", "127.0.0.1", 8080, 8080, 80, 80, "tcp"},
            {"127.0.0.1::80", "127.0.0.1", 0, 0, 80, 80, "tcp"},
            {"[::1]:8080:80", "::1", 8080, 8080, 80, 80, "tcp"},
            {"8000-8010:8000-8010", "", 8000, 8010, 8000, 8010, "tcp"},
            {"8000-8010:80", "", 8000, 8010, 80, 80, "tcp"},
            {"9000-9001/SCTP", "", 0, 0, 9000, 9001, "sctp"},
            {"53/", "", 0, 0, 53, 53, "tcp"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                NetPortSpec s;
                _cleanup_error_ BerthError *err = NULL;
                int r = net_portspec_parse(cases[i].spec, &s, &err);
                if (r < 0)
                        fail_msg("%s: %s", cases[i].spec, err->message);
                assert_string_equal(s.host_ip, cases[i].ip);
                assert_int_equal(s.host_first, cases[i].hf);
                assert_int_equal(s.host_last, cases[i].hl);
                assert_int_equal(s.container_first, cases[i].cf);
                assert_int_equal(s.container_last, cases[i].cl);
                assert_string_equal(s.proto, cases[i].proto);
                assert_string_equal(s.same_env, "");
        }
}

static void test_portspec_bad(void **state)
{
        static const char *const cases[][2] = {
            {"99999", "invalid containerPort: 99999"},
            {"a:b", "invalid containerPort: b"},
            {"a:80", "invalid hostPort: a"},
            {"8010-8000:80", "invalid hostPort: 8010-8000"},
            {"80-82:90-91",
             "invalid ranges specified for container and host Ports: 90-91 and 80-82"},
            {"80/xyz", "invalid proto: xyz"},
            {"1.2.3:80:80", "invalid IP address: 1.2.3"},
            {"8080:", "no port specified: 8080:<empty>"},
            {"", "no port specified: <empty>"},
            {"=1X", "invalid port spec =1X"},
            {"-80", "invalid containerPort: -80"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                NetPortSpec s;
                _cleanup_error_ BerthError *err = NULL;
                int r = net_portspec_parse(cases[i][0], &s, &err);
                if (r >= 0)
                        fail_msg("%s: accepted", cases[i][0]);
                assert_int_equal(r, -EINVAL);
                if (strncmp(err->message, cases[i][1], strlen(cases[i][1])) != 0)
                        fail_msg("%s: got \"%s\", want \"%s\"", cases[i][0], err->message,
                                 cases[i][1]);
        }
}

static void test_portspec_same(void **state)
{
        NetPortSpec s;
        assert_int_equal(net_portspec_parse("=RABBIT_PORT/udp", &s, NULL), 0);
        assert_string_equal(s.same_env, "RABBIT_PORT");
        assert_string_equal(s.proto, "udp");
        _cleanup_json_ json_t *same = json_array();
        _cleanup_json_ json_t *bind = json_object();
        assert_int_equal(net_portspec_to_api(&s, NULL, bind, same, NULL), 0);
        assert_int_equal(json_object_size(bind), 0);
        assert_string_equal(json_string_value(json_object_get(json_array_get(same, 0), "Env")),
                            "RABBIT_PORT");
}

static char *dump(json_t *j)
{
        return json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
}

static void test_portspec_api(void **state)
{
        _cleanup_json_ json_t *exposed = json_object();
        _cleanup_json_ json_t *bind = json_object();
        const char *specs[] = {"127.0.0.1:8000-8001:80-81", "9000-9010:53/udp", "7"};
        for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
                NetPortSpec s;
                assert_int_equal(net_portspec_parse(specs[i], &s, NULL), 0);
                assert_int_equal(net_portspec_to_api(&s, exposed, bind, NULL, NULL), 0);
        }
        _cleanup_free_ char *e = dump(exposed);
        _cleanup_free_ char *b = dump(bind);
        assert_string_equal(e, "{\"53/udp\":{},\"7/tcp\":{},\"80/tcp\":{},\"81/tcp\":{}}");
        assert_string_equal(b, "{\"53/udp\":[{\"HostIp\":\"\",\"HostPort\":\"9000-9010\"}],"
                               "\"7/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}],"
                               "\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8000\"}],"
                               "\"81/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8001\"}]}");
}

static void test_expose(void **state)
{
        uint16_t f, l;
        char proto[5];
        assert_int_equal(net_expose_parse("8000-8010/udp", &f, &l, proto, NULL), 0);
        assert_int_equal(f, 8000);
        assert_int_equal(l, 8010);
        assert_string_equal(proto, "udp");
        assert_int_equal(net_expose_parse("x", &f, &l, proto, NULL), -EINVAL);
        assert_int_equal(net_port_key_parse("443/tcp", &f, &l, proto, NULL), 0);
        assert_int_equal(f, 443);
}

static void test_subnet(void **state)
{
        NetSubnet4 s;
        uint32_t ip;
        char buf[20];
        assert_int_equal(net_subnet4_parse("172.17.0.0/16", false, &s, NULL, NULL), 0);
        assert_string_equal(net_subnet4_format(s, buf, sizeof(buf)), "172.17.0.0/16");
        assert_int_equal(net_subnet4_parse("172.17.0.1/16", false, &s, NULL, NULL), -EINVAL);
        assert_int_equal(net_subnet4_parse("172.17.0.1/16", true, &s, &ip, NULL), 0);
        assert_string_equal(net_ip4_format(ip, buf, sizeof(buf)), "172.17.0.1");
        assert_string_equal(net_subnet4_format(s, buf, sizeof(buf)), "172.17.0.0/16");
        assert_int_equal(net_subnet4_parse("10.0.0.0/33", false, &s, NULL, NULL), -EINVAL);
        assert_int_equal(net_subnet4_parse("10.0.0.0", false, &s, NULL, NULL), -EINVAL);
        NetSubnet4 a, b;
        net_subnet4_parse("10.0.0.0/8", false, &a, NULL, NULL);
        net_subnet4_parse("10.1.2.0/24", false, &b, NULL, NULL);
        assert_true(net_subnet4_overlap(a, b));
        net_subnet4_parse("11.0.0.0/8", false, &b, NULL, NULL);
        assert_false(net_subnet4_overlap(a, b));
}

static void test_pool_pick(void **state)
{
        NetSubnet4 used[3], got;
        char buf[20];
        assert_int_equal(
            net_pool_pick(NET_DEFAULT_POOLS, NET_DEFAULT_POOLS_LEN, NULL, 0, &got, NULL), 0);
        assert_string_equal(net_subnet4_format(got, buf, sizeof(buf)), "172.17.0.0/16");
        /* docker0 and a host route inside 172.18 are avoided. */
        net_subnet4_parse("172.17.0.0/16", false, &used[0], NULL, NULL);
        net_subnet4_parse("172.18.5.0/24", false, &used[1], NULL, NULL);
        net_subnet4_parse("172.20.0.0/15", false, &used[2], NULL, NULL);
        assert_int_equal(
            net_pool_pick(NET_DEFAULT_POOLS, NET_DEFAULT_POOLS_LEN, used, 3, &got, NULL), 0);
        assert_string_equal(net_subnet4_format(got, buf, sizeof(buf)), "172.19.0.0/16");
        assert_int_equal(
            net_pool_pick(NET_DEFAULT_POOLS, NET_DEFAULT_POOLS_LEN, used, 2, &got, NULL), 0);
        assert_string_equal(net_subnet4_format(got, buf, sizeof(buf)), "172.19.0.0/16");
        /* A default route (0.0.0.0/0) must be ignored by the caller; with
         * everything used the error is Docker's. */
        NetSubnet4 all = {0, 0};
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(
            net_pool_pick(NET_DEFAULT_POOLS, NET_DEFAULT_POOLS_LEN, &all, 1, &got, &err), -ENOSPC);
        assert_non_null(strstr(err->message, "non-overlapping"));
}

static void test_addrspace(void **state)
{
        NetSubnet4 s;
        net_subnet4_parse("10.9.0.0/29", false, &s, NULL, NULL);
        NetAddrSpace *a;
        assert_int_equal(net_addrspace_new(s, NULL, &a, NULL), 0);
        uint32_t gw, ip, first;
        net_ip4_parse("10.9.0.1", &gw);
        assert_int_equal(net_addrspace_reserve(a, gw, NULL), 0);
        assert_int_equal(net_addrspace_reserve(a, gw, NULL), -EEXIST);
        char buf[16];
        assert_int_equal(net_addrspace_next(a, &first, NULL), 0);
        assert_string_equal(net_ip4_format(first, buf, sizeof(buf)), "10.9.0.2");
        /* .3 .. .6 remain; then it is full (.7 is broadcast). */
        for (int i = 0; i < 4; i++)
                assert_int_equal(net_addrspace_next(a, &ip, NULL), 0);
        assert_string_equal(net_ip4_format(ip, buf, sizeof(buf)), "10.9.0.6");
        assert_int_equal(net_addrspace_next(a, &ip, NULL), -ENOSPC);
        /* A released address comes back only after wrapping. */
        net_addrspace_release(a, first);
        assert_int_equal(net_addrspace_next(a, &ip, NULL), 0);
        assert_int_equal(ip, first);
        uint32_t outside;
        net_ip4_parse("10.9.1.1", &outside);
        assert_int_equal(net_addrspace_reserve(a, outside, NULL), -EINVAL);
        net_addrspace_free(a);

        /* An ip-range narrows dynamic allocation. */
        NetSubnet4 big, range;
        net_subnet4_parse("10.10.0.0/16", false, &big, NULL, NULL);
        net_subnet4_parse("10.10.5.0/24", false, &range, NULL, NULL);
        assert_int_equal(net_addrspace_new(big, &range, &a, NULL), 0);
        assert_int_equal(net_addrspace_next(a, &ip, NULL), 0);
        assert_string_equal(net_ip4_format(ip, buf, sizeof(buf)), "10.10.5.0");
        net_addrspace_free(a);
        net_subnet4_parse("10.11.0.0/24", false, &range, NULL, NULL);
        assert_int_equal(net_addrspace_new(big, &range, &a, NULL), -EINVAL);
}

static void test_subnet6(void **state)
{
        NetSubnet6 s;
        NetIp6 ip;
        char buf[NET_SUBNET6_STRLEN];
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(net_subnet6_parse("fd00:1:2:3::/64", false, &s, NULL, NULL), 0);
        assert_string_equal(net_subnet6_format(s, buf, sizeof(buf)), "fd00:1:2:3::/64");
        assert_int_equal(net_subnet6_parse("fd00::5/64", false, &s, NULL, &err), -EINVAL);
        assert_non_null(strstr(err->message, "host bits"));
        assert_int_equal(net_subnet6_parse("2001:db8::1/64", true, &s, &ip, NULL), 0);
        assert_string_equal(net_subnet6_format(s, buf, sizeof(buf)), "2001:db8::/64");
        assert_string_equal(net_ip6_format(ip, buf, sizeof(buf)), "2001:db8::1");
        assert_true(net_subnet6_contains(s, ip));
        assert_int_equal(net_subnet6_parse("2001:db8::/129", false, &s, NULL, NULL), -EINVAL);
        assert_int_equal(net_subnet6_parse("10.0.0.0/8", false, &s, NULL, NULL), -EINVAL);
        assert_int_equal(net_subnet6_parse("2001:db8::", false, &s, NULL, NULL), -EINVAL);
        assert_int_equal(net_ip6_parse("::1", &ip), 0);
        assert_int_equal(net_ip6_parse("1.2.3.4", &ip), -EINVAL);
        assert_true(net_is_ip6_text("::") && !net_is_ip6_text("0.0.0.0"));
        /* Overlap and the 128-bit add across 64-bit halves. */
        NetSubnet6 a, b;
        net_subnet6_parse("fd00:1::/48", false, &a, NULL, NULL);
        net_subnet6_parse("fd00:1:0:5::/64", false, &b, NULL, NULL);
        assert_true(net_subnet6_overlap(a, b) && net_subnet6_overlap(b, a));
        net_subnet6_parse("fd00:2::/64", false, &b, NULL, NULL);
        assert_false(net_subnet6_overlap(a, b));
        net_ip6_parse("fd00::ffff:ffff:ffff:ffff", &ip);
        assert_string_equal(net_ip6_format(net_ip6_add(ip, 1), buf, sizeof(buf)), "fd00:0:0:1::");
}

static void test_pool6(void **state)
{
        NetPool6 p;
        char buf[NET_SUBNET6_STRLEN];
        /* Docker's shape: fd + 40 bits of global ID, a /48 in /64s. */
        net_pool6_default("0123456789abcdef0123456789abcdef", &p);
        assert_string_equal(net_subnet6_format(p.base, buf, sizeof(buf)), "fd01:2345:6789::/48");
        assert_int_equal(p.size, 64);
        NetPool6 q;
        net_pool6_default("not hex at all", &q);
        assert_int_equal(q.base.addr.b[0], 0xfd);
        assert_int_equal(q.base.prefix, 48);
        NetSubnet6 used[2], got;
        net_subnet6_parse("fd01:2345:6789::/64", false, &used[0], NULL, NULL);
        net_subnet6_parse("fd01:2345:6789:1::/64", false, &used[1], NULL, NULL);
        assert_int_equal(net_pool6_pick(&p, 1, used, 2, &got, NULL), 0);
        assert_string_equal(net_subnet6_format(got, buf, sizeof(buf)), "fd01:2345:6789:2::/64");
        /* A pool covered by a used subnet is exhausted. */
        NetSubnet6 all;
        net_subnet6_parse("fd00::/8", false, &all, NULL, NULL);
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(net_pool6_pick(&p, 1, &all, 1, &got, &err), -ENOSPC);
        assert_non_null(strstr(err->message, "IPv6"));
}

/* The host's IPv6 routes, as /proc/net/ipv6_route shows them, are avoided
 * by the automatic choice as the IPv4 pool avoids the host's routes. */
static void test_pool6_host_routes(void **state)
{
        static const char routes[] =
            /* fd01:2345:6789::/64 on eth0 */
            "fd012345678900000000000000000000 40 00000000000000000000000000000000 00 "
            "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
            /* fe80::/64 */
            "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 "
            "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
            /* the default route (via fd00::1): not a subnet to avoid */
            "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
            "fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n"
            /* an address of the host, fd01:2345:6789:1::5/128 (local table) */
            "fd012345678900010000000000000005 80 00000000000000000000000000000000 00 "
            "00000000000000000000000000000000 00000000 00000004 00000000 80200001     eth0\n"
            /* a routed /63 (a VPN, say): :2 and :3 */
            "fd012345678900020000000000000000 3f 00000000000000000000000000000000 00 "
            "fd000000000000000000000000000001 00000400 00000002 00000000 00000003     tun0\n"
            "junk\n"
            "fd01234567890004000000000000000g 40 x\n"
            "fd012345678900040000000000000000 81 too long a prefix\n";
        NetSubnet6 *used = NULL;
        size_t n = 0;
        assert_int_equal(net_ipv6_routes_parse(routes, strlen(routes), &used, &n), 0);
        assert_int_equal(n, 4);
        char buf[NET_SUBNET6_STRLEN];
        assert_string_equal(net_subnet6_format(used[3], buf, sizeof(buf)), "fd01:2345:6789:2::/63");
        assert_string_equal(net_subnet6_format(used[2], buf, sizeof(buf)),
                            "fd01:2345:6789:1::5/128");
        NetPool6 p;
        net_pool6_default("0123456789abcdef0123456789abcdef", &p);
        NetSubnet6 got;
        assert_int_equal(net_pool6_pick(&p, 1, used, n, &got, NULL), 0);
        assert_string_equal(net_subnet6_format(got, buf, sizeof(buf)), "fd01:2345:6789:4::/64");
        free(used);

        /* Read from a file; a missing file (no IPv6) is no routes. */
        char path[] = "/tmp/ipv6_route-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, routes, strlen(routes)), (ssize_t)strlen(routes));
        close(fd);
        assert_int_equal(net_host_subnets6(path, &used, &n, NULL), 0);
        assert_int_equal(n, 4);
        free(used);
        unlink(path);
        assert_int_equal(net_host_subnets6(path, &used, &n, NULL), 0);
        assert_int_equal(n, 0);
        free(used);
}

/* A query for "web" type A, id 0x1234, RD; with an EDNS record of
 * payload size edns when edns is not 0. */
static size_t web_query(uint8_t *out, uint16_t id, uint16_t edns)
{
        static const uint8_t q[] = {0x12, 0x34, 0x01, 0x00, 0,   1, 0, 0, 0, 0, 0,
                                    0,    3,    'w',  'e',  'b', 0, 0, 1, 0, 1};
        memcpy(out, q, sizeof(q));
        out[0] = (uint8_t)(id >> 8);
        out[1] = (uint8_t)id;
        if (!edns)
                return sizeof(q);
        out[11] = 1;
        const uint8_t opt[] = {0, 0, 41, (uint8_t)(edns >> 8), (uint8_t)edns, 0, 0, 0, 0, 0, 0};
        memcpy(out + sizeof(q), opt, sizeof(opt));
        return sizeof(q) + sizeof(opt);
}

static void test_dns_tcp_framing(void **state)
{
        uint8_t q1[64], q2[64], stream[256];
        size_t n1 = web_query(q1, 1, 0), n2 = web_query(q2, 2, 0);
        size_t f1 = net_dns_frame_put(q1, n1, stream, sizeof(stream));
        assert_int_equal(f1, n1 + 2);
        assert_int_equal(stream[0], 0);
        assert_int_equal(stream[1], n1);
        size_t f2 = net_dns_frame_put(q2, n2, stream + f1, sizeof(stream) - f1);
        assert_int_equal(f2, n2 + 2);
        /* Partial reads: nothing until the whole message is there. */
        for (size_t k = 0; k < f1; k++)
                assert_int_equal(net_dns_frame_next(stream, k, 4096), 0);
        /* Two queries in one segment: one after the other. */
        assert_int_equal(net_dns_frame_next(stream, f1 + f2, 4096), (long)n1);
        NetDnsQuery q;
        assert_int_equal(net_dns_parse_query(stream + 2, n1, &q), 0);
        assert_int_equal(q.id, 1);
        assert_int_equal(net_dns_frame_next(stream + f1, f2, 4096), (long)n2);
        assert_int_equal(net_dns_parse_query(stream + f1 + 2, n2, &q), 0);
        assert_int_equal(q.id, 2);
        assert_int_equal(net_dns_frame_next(stream + f1, f2 - 1, 4096), 0);
        /* An announced length over the bound, or 0, ends the connection. */
        const uint8_t big[] = {0x10, 0x01, 0, 0};
        assert_int_equal(net_dns_frame_next(big, sizeof(big), 4096), -EMSGSIZE);
        assert_int_equal(net_dns_frame_next(big, 1, 4096), 0);
        const uint8_t zero[] = {0, 0, 1};
        assert_int_equal(net_dns_frame_next(zero, sizeof(zero), 4096), -EMSGSIZE);
        /* Framing refuses what does not fit. */
        assert_int_equal(net_dns_frame_put(q1, n1, stream, n1 + 1), 0);
}

static void test_dns_truncation(void **state)
{
        uint8_t pkt[64], out[1024];
        size_t n = web_query(pkt, 7, 0);
        NetDnsQuery q;
        assert_int_equal(net_dns_parse_query(pkt, n, &q), 0);
        assert_int_equal(q.edns_size, 0);
        assert_int_equal(net_dns_udp_limit(&q, 4096), 512);
        /* 40 A records: 21 + 40 * 16 bytes, over 512. */
        uint32_t ips[40];
        for (int i = 0; i < 40; i++)
                ips[i] = 0x0a000000u + (uint32_t)i;
        size_t len = net_dns_build_reply(pkt, &q, 0, ips, 40, NULL, 60, out, sizeof(out));
        assert_int_equal(len, 21 + 40 * 16);
        size_t t = net_dns_truncate(out, len, &q);
        /* Header and question, TC set, no records. */
        assert_int_equal(t, 21);
        assert_true(out[2] & 0x02);
        assert_int_equal(out[5], 1);
        assert_int_equal(out[7], 0);
        assert_int_equal(out[0] << 8 | out[1], 7);
        assert_memory_equal(out + 12, pkt + 12, 9);
        /* With EDNS the client's size applies (within the cap). */
        n = web_query(pkt, 8, 1232);
        assert_int_equal(net_dns_parse_query(pkt, n, &q), 0);
        assert_int_equal(q.edns_size, 1232);
        assert_int_equal(net_dns_udp_limit(&q, 4096), 1232);
        assert_int_equal(net_dns_udp_limit(&q, 1000), 1000);
        n = web_query(pkt, 9, 100); /* below 512: 512 still */
        assert_int_equal(net_dns_parse_query(pkt, n, &q), 0);
        assert_int_equal(net_dns_udp_limit(&q, 4096), 512);
}

static void test_addrspace6(void **state)
{
        NetSubnet6 s;
        net_subnet6_parse("fd00:9::/64", false, &s, NULL, NULL);
        NetAddrSpace6 *a;
        assert_int_equal(net_addrspace6_new(s, NULL, &a, NULL), 0);
        NetIp6 gw = net_ip6_add(s.addr, 1), ip, first;
        char buf[NET_IP6_STRLEN];
        assert_int_equal(net_addrspace6_reserve(a, gw, NULL), 0);
        assert_int_equal(net_addrspace6_reserve(a, gw, NULL), -EEXIST);
        /* The subnet-router anycast address is never given. */
        assert_int_equal(net_addrspace6_reserve(a, s.addr, NULL), -EINVAL);
        assert_int_equal(net_addrspace6_next(a, &first, NULL), 0);
        assert_string_equal(net_ip6_format(first, buf, sizeof(buf)), "fd00:9::2");
        assert_int_equal(net_addrspace6_next(a, &ip, NULL), 0);
        assert_string_equal(net_ip6_format(ip, buf, sizeof(buf)), "fd00:9::3");
        /* A taken address is skipped; a released one is not reused at once. */
        NetIp6 five;
        net_ip6_parse("fd00:9::5", &five);
        assert_int_equal(net_addrspace6_reserve(a, five, NULL), 0);
        net_addrspace6_release(a, first);
        assert_false(net_addrspace6_in_use(a, first));
        assert_int_equal(net_addrspace6_next(a, &ip, NULL), 0);
        assert_string_equal(net_ip6_format(ip, buf, sizeof(buf)), "fd00:9::4");
        assert_int_equal(net_addrspace6_next(a, &ip, NULL), 0);
        assert_string_equal(net_ip6_format(ip, buf, sizeof(buf)), "fd00:9::6");
        for (int i = 0; i < 1000; i++)
                assert_int_equal(net_addrspace6_next(a, &ip, NULL), 0);
        assert_string_equal(net_ip6_format(ip, buf, sizeof(buf)), "fd00:9::3ee");
        NetIp6 outside;
        net_ip6_parse("fd00:a::1", &outside);
        assert_int_equal(net_addrspace6_reserve(a, outside, NULL), -EINVAL);
        net_addrspace6_free(a);

        /* A /126: ::1 is the gateway, ::2 and ::3 remain, then it is full;
         * a released address comes back after wrapping. */
        net_subnet6_parse("fd00:8::/126", false, &s, NULL, NULL);
        assert_int_equal(net_addrspace6_new(s, NULL, &a, NULL), 0);
        assert_int_equal(net_addrspace6_reserve(a, net_ip6_add(s.addr, 1), NULL), 0);
        assert_int_equal(net_addrspace6_next(a, &first, NULL), 0);
        assert_int_equal(net_addrspace6_next(a, &ip, NULL), 0);
        assert_string_equal(net_ip6_format(ip, buf, sizeof(buf)), "fd00:8::3");
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(net_addrspace6_next(a, &ip, &err), -ENOSPC);
        assert_non_null(strstr(err->message, "fd00:8::/126"));
        net_addrspace6_release(a, first);
        assert_int_equal(net_addrspace6_next(a, &ip, NULL), 0);
        assert_true(net_ip6_equal(ip, first));
        net_addrspace6_free(a);

        /* An ip-range narrows dynamic allocation; one outside is refused. */
        NetSubnet6 range;
        net_subnet6_parse("fd00:7::/64", false, &s, NULL, NULL);
        net_subnet6_parse("fd00:7::ab00/120", false, &range, NULL, NULL);
        assert_int_equal(net_addrspace6_new(s, &range, &a, NULL), 0);
        assert_int_equal(net_addrspace6_next(a, &ip, NULL), 0);
        assert_string_equal(net_ip6_format(ip, buf, sizeof(buf)), "fd00:7::ab00");
        net_addrspace6_free(a);
        net_subnet6_parse("fd00:6::/120", false, &range, NULL, NULL);
        assert_int_equal(net_addrspace6_new(s, &range, &a, NULL), -EINVAL);
        net_subnet6_parse("fd00:6::/127", false, &s, NULL, NULL);
        assert_int_equal(net_addrspace6_new(s, NULL, &a, NULL), -EINVAL);
}

static void test_dns_aaaa(void **state)
{
        /* A query for AAAA of "db" (id 0x1234, RD). */
        static const uint8_t query[] = {0x12, 0x34, 0x01, 0x00, 0,   1, 0, 0,  0, 0,
                                        0,    0,    2,    'd',  'b', 0, 0, 28, 0, 1};
        NetDnsQuery q;
        assert_int_equal(net_dns_parse_query(query, sizeof(query), &q), 0);
        assert_int_equal(q.qtype, NET_DNS_TYPE_AAAA);
        NetIp6 ips[2];
        net_ip6_parse("fd00::2", &ips[0]);
        net_ip6_parse("fd00::3", &ips[1]);
        uint8_t out[512];
        size_t n = net_dns_build_reply6(query, &q, 0, ips, 2, 600, out, sizeof(out));
        assert_int_equal(n, sizeof(query) + 2 * 28);
        assert_int_equal(out[7], 2); /* ANCOUNT */
        const uint8_t *rr = out + sizeof(query);
        assert_int_equal(rr[0], 0xc0);
        assert_int_equal(rr[1], 0x0c);
        assert_int_equal(rr[3], 28);  /* TYPE AAAA */
        assert_int_equal(rr[11], 16); /* RDLENGTH */
        assert_memory_equal(rr + 12, ips[0].b, 16);
        assert_memory_equal(rr + 28 + 12, ips[1].b, 16);
        /* ip6.arpa names: 32 nibbles, least significant first. */
        NetIp6 got;
        char buf[NET_IP6_STRLEN];
        assert_int_equal(
            net_dns_ptr_ip6(
                "3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.1.2.0.0.0.0.0.0.0.d.f.ip6.arpa", &got),
            0);
        assert_string_equal(net_ip6_format(got, buf, sizeof(buf)), "fd00:0:217::3");
        assert_int_equal(net_dns_ptr_ip6("3.0.ip6.arpa", &got), -EINVAL);
        assert_int_equal(
            net_dns_ptr_ip6(
                "3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.1.2.0.0.0.0.0.0.0.d.f.in-addr.arpa",
                &got),
            -EINVAL);
        assert_int_equal(
            net_dns_ptr_ip6(
                "g.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.7.1.2.0.0.0.0.0.0.0.d.f.ip6.arpa", &got),
            -EINVAL);
        /* Too small a buffer: nothing. */
        assert_int_equal(net_dns_build_reply6(query, &q, 0, ips, 2, 600, out, 40), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_portspec_good),
            cmocka_unit_test(test_portspec_bad),
            cmocka_unit_test(test_portspec_same),
            cmocka_unit_test(test_portspec_api),
            cmocka_unit_test(test_expose),
            cmocka_unit_test(test_subnet),
            cmocka_unit_test(test_pool_pick),
            cmocka_unit_test(test_addrspace),
            cmocka_unit_test(test_subnet6),
            cmocka_unit_test(test_pool6),
            cmocka_unit_test(test_addrspace6),
            cmocka_unit_test(test_dns_aaaa),
            cmocka_unit_test(test_pool6_host_routes),
            cmocka_unit_test(test_dns_tcp_framing),
            cmocka_unit_test(test_dns_truncation),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
