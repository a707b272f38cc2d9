/* Bridges, veth endpoints and the nftables table on the real host (root
 * only): a bridge and a namespace of the test's own, a table of the test's
 * own name, and a published port reached from the host through 127.0.0.1.
 * Everything is removed at the end. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "net_harness.h"
#include "common/error.h"
#include "network/ipam.h"
#include "network/link.h"
#include "network/nft.h"

static char bridge[16], table[32], veth[16];
static pid_t ns_pid;

static int setup(void **state)
{
        if (geteuid() != 0) {
                printf("# SKIP: network host tests need root\n");
                return 0;
        }
        snprintf(bridge, sizeof(bridge), "btst%d", getpid() % 100000);
        snprintf(veth, sizeof(veth), "vtst%d", getpid() % 100000);
        snprintf(table, sizeof(table), "berthtest%d", getpid());
        return 0;
}

static int teardown(void **state)
{
        if (geteuid() != 0)
                return 0;
        if (ns_pid > 0) {
                kill(ns_pid, SIGKILL);
                waitpid(ns_pid, NULL, 0);
        }
        net_link_delete(veth, NULL);
        net_link_delete(bridge, NULL);
        net_nft_remove(table, NULL);
        return 0;
}

static void test_render(void **state)
{
        NetNftNetwork nets[] = {{"berth0", {0xac120000, 16}, false},
                                {"br-int", {0x0a000000, 24}, true}};
        NetNftPort ports[] = {
            {"tcp", 0, 8080, 8080, 0xac120002, 80},
            {"udp", 0x7f000001, 20000, 20999, 0xac120002, 20000},
            {"tcp", 0, 8000, 8001, 0xac120003, 9000},
        };
        _cleanup_free_ char *text = NULL;
        assert_int_equal(net_nft_render("t", nets, 2, ports, 3, &text, NULL), 0);
        assert_non_null(strstr(text, "table ip t\ndelete table ip t\ntable ip t {\n"));
        assert_non_null(strstr(text, "\t\ttcp dport 8080 dnat to 172.18.0.2:80\n"));
        assert_non_null(
            strstr(text, "\t\tip daddr 127.0.0.1 udp dport 20000-20999 dnat to 172.18.0.2\n"));
        assert_non_null(strstr(
            text,
            "dnat ip to tcp dport map { 8000 : 172.18.0.3 . 9000, 8001 : 172.18.0.3 . 9001 }"));
        assert_non_null(strstr(text, "ip saddr 172.18.0.0/16 oifname != \"berth0\" masquerade"));
        assert_null(strstr(text, "ip saddr 10.0.0.0/24 oifname"));
        assert_non_null(strstr(text, "iifname \"br-int\" oifname != \"br-int\" drop"));
        /* No IPv6 network or binding: no ip6 table (an old one is deleted). */
        assert_non_null(strstr(text, "table ip6 t\ndelete table ip6 t\n"));
        assert_null(strstr(text, "table ip6 t {"));
}

static void test_render6(void **state)
{
        NetNftNetwork nets[] = {{"br-six", {0x0a000000, 24}, false, true}};
        net_subnet6_parse("fd00:1::/64", false, &nets[0].subnet6, NULL, NULL);
        NetNftPort ports[3] = {
            {"tcp", 0, 8080, 8080, 0x0a000002, 80},
            {"tcp", 0, 8080, 8080, 0x0a000002, 80, true},
            {"udp", 0, 9000, 9001, 0x0a000002, 7000, true},
        };
        net_ip6_parse("fd00:1::2", &ports[1].container_ip6);
        net_ip6_parse("::1", &ports[1].host_ip6);
        net_ip6_parse("fd00:1::2", &ports[2].container_ip6);
        _cleanup_free_ char *text = NULL;
        assert_int_equal(net_nft_render("t", nets, 1, ports, 3, &text, NULL), 0);
        const char *t6 = strstr(text, "table ip6 t\ndelete table ip6 t\ntable ip6 t {\n");
        assert_non_null(t6);
        /* IPv4 rules stay in the ip table, IPv6 ones go to the ip6 table. */
        const char *r4 = strstr(text, "\t\ttcp dport 8080 dnat to 10.0.0.2:80\n");
        assert_true(r4 && r4 < t6);
        assert_non_null(strstr(t6, "\t\tip6 daddr ::1 tcp dport 8080 dnat to [fd00:1::2]:80\n"));
        assert_non_null(strstr(
            t6, "dnat ip6 to udp dport map { 9000 : fd00:1::2 . 7000, 9001 : fd00:1::2 . 7001 }"));
        assert_non_null(strstr(t6, "ip6 saddr fd00:1::/64 oifname != \"br-six\" masquerade"));
        assert_non_null(strstr(t6, "ip6 saddr ::1 oifname \"br-six\" masquerade"));
        assert_non_null(strstr(t6, "oifname \"br-six\" ct status dnat accept"));
        assert_null(strstr(t6, "10.0.0.2"));
}

static void test_render_routed(void **state)
{
        /* gateway_mode_ipv6 routed: no IPv6 masquerade, the published port
         * and ICMPv6 are let in at the container's address; IPv4 is NAT. */
        NetNftNetwork nets[] = {{"br-rt", {0x0a010000, 24}, false, true, .routed6 = true}};
        net_subnet6_parse("fd00:2::/64", false, &nets[0].subnet6, NULL, NULL);
        NetNftPort ports[] = {{"tcp", 0, 8443, 8443, 0x0a010005, 443, true}};
        net_ip6_parse("fd00:2::5", &ports[0].container_ip6);
        _cleanup_free_ char *text = NULL;
        const char *name = geteuid() == 0 ? table : "t";
        assert_int_equal(net_nft_render(name, nets, 1, ports, 1, &text, NULL), 0);
        assert_non_null(strstr(text, "ip saddr 10.1.0.0/24 oifname != \"br-rt\" masquerade"));
        assert_null(strstr(text, "ip6 saddr fd00:2::/64"));
        assert_non_null(
            strstr(text, "oifname \"br-rt\" ip6 daddr fd00:2::5 tcp dport 443-443 accept"));
        assert_non_null(strstr(text, "oifname \"br-rt\" meta l4proto ipv6-icmp accept"));
        if (geteuid() != 0)
                return;
        /* nft takes it (both tables, one transaction), and it goes again. */
        _cleanup_error_ BerthError *err = NULL;
        if (net_nft_apply(text, &err) < 0)
                fail_msg("%s", err->message);
        assert_int_equal(net_harness_sh("nft list table ip6 %s | grep -q 'dnat to "
                                        "\\[fd00:2::5\\]:443'",
                                        table),
                         0);
        assert_int_equal(net_nft_remove(table, NULL), 0);
        assert_int_not_equal(net_harness_sh("nft list table ip6 %s >/dev/null 2>&1", table), 0);
}

static void test_nft_apply(void **state)
{
        if (geteuid() != 0)
                skip();
        NetNftNetwork nets[] = {{bridge, {0x0ad50000, 24}, false}};
        NetNftPort ports[] = {{"tcp", 0, 20000, 20999, 0x0ad50002, 20000}};
        _cleanup_error_ BerthError *err = NULL;
        if (net_nft_sync(table, nets, 1, ports, 1, &err) < 0)
                fail_msg("%s", err->message);
        assert_int_equal(
            net_harness_sh("nft list table ip %s | grep -q 'tcp dport 20000-20999 dnat to "
                           "10.213.0.2'",
                           table),
            0);
        /* A second sync replaces, it does not add. */
        assert_int_equal(net_nft_sync(table, nets, 1, NULL, 0, NULL), 0);
        assert_int_not_equal(net_harness_sh("nft list table ip %s | grep -q 'dport 20000'", table),
                             0);
        assert_int_equal(net_nft_remove(table, NULL), 0);
        assert_int_not_equal(net_harness_sh("nft list table ip %s >/dev/null 2>&1", table), 0);
        assert_int_equal(net_nft_remove(table, NULL), 0);
        /* Bad input gets nft's message. */
        err = error_free(err);
        assert_int_equal(net_nft_apply("table ip x { chain c { bogus } }", &err), -EIO);
        assert_non_null(strstr(err->message, "nftables"));
}

static void test_endpoint_and_publish(void **state)
{
        if (geteuid() != 0)
                skip();
        _cleanup_error_ BerthError *err = NULL;
        uint32_t gw = 0x0ad50001, ip = 0x0ad50002;
        if (net_link_bridge_ensure(bridge, gw, 24, 0, &err) < 0)
                fail_msg("%s", err->message);
        /* Idempotent. */
        assert_int_equal(net_link_bridge_ensure(bridge, gw, 24, 0, NULL), 0);
        ns_pid = net_harness_spawn_netns();
        assert_true(ns_pid > 0);
        char nspath[64];
        snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", ns_pid);
        _cleanup_close_ int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
        assert_true(nsfd >= 0);
        NetEndpointConfig ep = {.bridge = bridge,
                                .host_ifname = veth,
                                .netns_fd = nsfd,
                                .ifname = "eth0",
                                .ip = ip,
                                .prefix = 24,
                                .gateway = gw};
        net_mac_from_ip4(ip, ep.mac);
        char mac[18];
        assert_string_equal(net_mac_format(ep.mac, mac, sizeof(mac)), "02:42:0a:d5:00:02");
        if (net_endpoint_create(&ep, &err) < 0)
                fail_msg("%s", err->message);
        /* Same name again: refused, and the first endpoint is unharmed. */
        assert_true(net_endpoint_create(&ep, NULL) < 0);
        assert_int_equal(
            net_harness_sh("nsenter --net=%s ip -4 addr show eth0 | grep -q 10.213.0.2/24", nspath),
            0);
        assert_int_equal(
            net_harness_sh("nsenter --net=%s ip route | grep -q 'default via 10.213.0.1'", nspath),
            0);
        assert_int_equal(
            net_harness_sh("nsenter --net=%s ip link show eth0 | grep -q 02:42:0a:d5:00:02",
                           nspath),
            0);
        assert_int_equal(
            net_harness_sh("nsenter --net=%s busybox ping -c1 -W2 10.213.0.1 >/dev/null 2>&1",
                           nspath),
            0);

        /* The host subnets now include the bridge's. */
        NetSubnet4 *subs = NULL;
        size_t n = 0;
        assert_int_equal(net_host_subnets4(&subs, &n, NULL), 0);
        bool found = false;
        for (size_t i = 0; i < n; i++)
                found |= subs[i].addr == 0x0ad50000 && subs[i].prefix == 24;
        free(subs);
        assert_true(found);

        /* Publish 127.0.0.1:18080 → 10.213.0.2:80 and reach it from the host. */
        char key[64];
        snprintf(key, sizeof(key), "net/ipv4/conf/%s/route_localnet", bridge);
        assert_int_equal(net_sysctl_write(key, "1", NULL), 0);
        NetNftNetwork nets[] = {{bridge, {0x0ad50000, 24}, false}};
        NetNftPort ports[] = {{"tcp", 0x7f000001, 18080, 18080, ip, 80}};
        if (net_nft_sync(table, nets, 1, ports, 1, &err) < 0)
                fail_msg("%s", err->message);
        pid_t srv = fork();
        if (srv == 0) {
                char netopt[80];
                snprintf(netopt, sizeof(netopt), "--net=%s", nspath);
                execlp("nsenter", "nsenter", netopt, "busybox", "nc", "-l", "-p", "80", "-e",
                       "busybox", "echo", "hello-through-nat", NULL);
                _exit(127);
        }
        int ok = 1;
        for (int i = 0; i < 50 && ok != 0; i++) {
                usleep(100000);
                ok = net_harness_sh(
                    "busybox nc -w 2 127.0.0.1 18080 </dev/null 2>/dev/null | grep -q "
                    "hello-through-nat");
        }
        kill(srv, SIGKILL);
        waitpid(srv, NULL, 0);
        assert_int_equal(ok, 0);
        assert_int_equal(net_nft_remove(table, NULL), 0);

        assert_int_equal(net_link_delete(veth, NULL), 0);
        assert_false(net_link_exists(veth));
        assert_int_equal(net_link_delete(bridge, NULL), 0);
        assert_false(net_link_exists(bridge));
        assert_int_equal(net_link_delete(bridge, NULL), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_render),
            cmocka_unit_test(test_render6),
            cmocka_unit_test(test_render_routed),
            cmocka_unit_test(test_nft_apply),
            cmocka_unit_test(test_endpoint_and_publish),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
