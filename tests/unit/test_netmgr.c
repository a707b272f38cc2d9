/* The network manager: networks, addresses, host ports and persistence
 * (state only: no device or rule is touched), then one real run on the
 * host as root (a bridge, a namespace and a rule table of the test's own). */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "net_harness.h"
#include "common/error.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/strv.h"
#include "network/link.h"
#include "network/network.h"

static char dir[64];

static int setup(void **state)
{
        snprintf(dir, sizeof(dir), "/tmp/berth-netmgr.XXXXXX");
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        rm_rf(dir, NULL);
        return 0;
}

static NetManager *open_mgr(void)
{
        NetManagerConfig c = {.data_root = dir, .no_host_changes = true, .bip = "10.77.0.1/24"};
        NetManager *m = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (net_manager_new(&c, &m, &err) < 0)
                fail_msg("net_manager_new: %s", err->message);
        return m;
}

static json_t *req(const char *text)
{
        json_t *j = json_loads(text, 0, NULL);
        assert_non_null(j);
        return j;
}

static const char *str_at(json_t *j, const char *a, const char *b)
{
        json_t *v = json_object_get(j, a);
        if (b)
                v = json_object_get(v, b);
        return json_string_value(v);
}

static void test_predefined_and_create(void **state)
{
        NetManager *m = open_mgr();
        _cleanup_json_ json_t *list = NULL;
        assert_int_equal(net_network_list(m, NULL, &list, NULL), 0);
        assert_int_equal(json_array_size(list), 3);
        _cleanup_json_ json_t *bridge = NULL;
        assert_int_equal(net_network_inspect(m, "bridge", &bridge, NULL), 0);
        json_t *cfg = json_array_get(json_object_get(json_object_get(bridge, "IPAM"), "Config"), 0);
        assert_string_equal(str_at(cfg, "Subnet", NULL), "10.77.0.0/24");
        assert_string_equal(str_at(cfg, "Gateway", NULL), "10.77.0.1");
        assert_string_equal(str_at(bridge, "Options", "com.docker.network.bridge.name"), "berth0");

        _cleanup_json_ json_t *r1 = req("{\"Name\":\"front\",\"Labels\":{\"tier\":\"web\"}}");
        _cleanup_json_ json_t *out = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(net_network_create(m, r1, &out, &err), 0);
        assert_int_equal(strlen(str_at(out, "Id", NULL)), 64);
        /* Duplicate name: 409. */
        assert_int_equal(net_network_create(m, r1, &out, &err), -EEXIST);
        assert_non_null(strstr(err->message, "network with name front already exists"));
        err = error_free(err);

        _cleanup_json_ json_t *r2 =
            req("{\"Name\":\"back\",\"Internal\":true,\"IPAM\":{\"Config\":[{\"Subnet\":"
                "\"10.88.0.0/16\",\"IPRange\":\"10.88.5.0/24\",\"Gateway\":\"10.88.0.254\"}]}}");
        json_decref(out);
        out = NULL;
        assert_int_equal(net_network_create(m, r2, &out, NULL), 0);
        _cleanup_json_ json_t *back = NULL;
        assert_int_equal(net_network_inspect(m, "back", &back, NULL), 0);
        assert_true(json_is_true(json_object_get(back, "Internal")));
        cfg = json_array_get(json_object_get(json_object_get(back, "IPAM"), "Config"), 0);
        assert_string_equal(str_at(cfg, "Gateway", NULL), "10.88.0.254");
        assert_string_equal(str_at(cfg, "IPRange", NULL), "10.88.5.0/24");

        /* Bad input. */
        static const char *const bad[][2] = {
            {"{\"Name\":\"x1\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.88.1.0/24\"}]}}",
             "Pool overlaps"},
            {"{\"Name\":\"x2\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.99.0.0/24\",\"Gateway\":"
             "\"10.98.0.1\"}]}}",
             "no matching subnet for gateway 10.98.0.1"},
            {"{\"Name\":\"x3\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.99.0.0/33\"}]}}",
             "invalid CIDR address"},
            {"{\"Name\":\"x4\",\"Driver\":\"overlay\"}", "plugin \"overlay\" not found"},
            {"{\"Name\":\"bad name\"}", "invalid network name"},
            {"{}", "network name is required"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                _cleanup_json_ json_t *b = req(bad[i][0]);
                _cleanup_error_ BerthError *e2 = NULL;
                json_t *o = NULL;
                assert_true(net_network_create(m, b, &o, &e2) < 0);
                if (!strstr(e2->message, bad[i][1]))
                        fail_msg("%s: got \"%s\"", bad[i][0], e2->message);
        }

        /* Filters. */
        _cleanup_json_ json_t *f = req("{\"type\":[\"custom\"]}");
        json_decref(list);
        assert_int_equal(net_network_list(m, f, &list, NULL), 0);
        assert_int_equal(json_array_size(list), 2);
        _cleanup_json_ json_t *f2 = req("{\"label\":[\"tier=web\"]}");
        json_decref(list);
        assert_int_equal(net_network_list(m, f2, &list, NULL), 0);
        assert_int_equal(json_array_size(list), 1);
        assert_string_equal(str_at(json_array_get(list, 0), "Name", NULL), "front");
        _cleanup_json_ json_t *f3 = req("{\"bogus\":[\"x\"]}");
        assert_int_equal(net_network_list(m, f3, &list, NULL), -EINVAL);

        /* Predefined networks cannot be removed. */
        assert_int_equal(net_network_remove(m, "bridge", &err), -EPERM);
        assert_non_null(strstr(err->message, "pre-defined network"));
        err = error_free(err);
        assert_int_equal(net_network_remove(m, "nope", &err), -ENOENT);
        net_manager_free(m);

        /* Everything survives a reopen, with the same IDs. */
        m = open_mgr();
        _cleanup_json_ json_t *again = NULL;
        assert_int_equal(net_network_inspect(m, "back", &again, NULL), 0);
        assert_string_equal(str_at(again, "Id", NULL), str_at(back, "Id", NULL));
        _cleanup_json_ json_t *pruned = NULL;
        assert_int_equal(net_network_prune(m, NULL, &pruned, NULL), 0);
        assert_int_equal(json_array_size(json_object_get(pruned, "NetworksDeleted")), 2);
        net_manager_free(m);
}

static void test_containers(void **state)
{
        NetManager *m = open_mgr();
        _cleanup_json_ json_t *r1 = req("{\"Name\":\"app\",\"IPAM\":{\"Config\":[{\"Subnet\":"
                                        "\"10.66.0.0/24\"}]}}");
        _cleanup_json_ json_t *out = NULL;
        assert_int_equal(net_network_create(m, r1, &out, NULL), 0);

        _cleanup_json_ json_t *bindings =
            req("{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"}],"
                "\"53/udp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}]}");
        _cleanup_json_ json_t *same =
            req("[{\"Env\":\"MY_PORT\",\"Proto\":\"tcp\",\"HostIp\":\"\"}]");
        _cleanup_json_ json_t *epc = req(
            "{\"app\":{\"Aliases\":[\"web\"],\"IPAMConfig\":{\"IPv4Address\":\"10.66.0.50\"}}}");
        const char *id1 = "1111111111111111111111111111111111111111111111111111111111111111";
        NetContainerRequest c1 = {.id = id1,
                                  .name = "one",
                                  .hostname = "one",
                                  .network_mode = "app",
                                  .endpoints_config = epc,
                                  .port_bindings = bindings,
                                  .same_ports = same};
        NetContainerPrep *prep = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (net_container_prepare(m, &c1, &prep, &err) < 0)
                fail_msg("%s", err->message);
        assert_int_equal(strv_length(prep->env), 1);
        assert_true(strncmp(prep->env[0], "MY_PORT=", 8) == 0);
        assert_non_null(strstr(prep->hosts_extra, "10.66.0.50\tone\n"));
        net_container_prep_free(prep);
        assert_int_equal(net_container_plug(m, id1, 1, NULL), 0);

        _cleanup_json_ json_t *s = NULL;
        assert_int_equal(net_container_settings(m, id1, &s, NULL), 0);
        json_t *ep = json_object_get(json_object_get(s, "Networks"), "app");
        assert_string_equal(str_at(ep, "IPAddress", NULL), "10.66.0.50");
        assert_string_equal(str_at(ep, "MacAddress", NULL), "02:42:0a:42:00:32");
        assert_int_equal(json_integer_value(json_object_get(ep, "IPPrefixLen")), 24);
        assert_string_equal(str_at(s, "IPAddress", NULL), ""); /* not the default bridge */
        json_t *p80 = json_array_get(json_object_get(json_object_get(s, "Ports"), "80/tcp"), 0);
        assert_string_equal(str_at(p80, "HostIp", NULL), "127.0.0.1");
        assert_string_equal(str_at(p80, "HostPort", NULL), "8080");
        assert_non_null(json_object_get(json_object_get(s, "Ports"), "53/udp"));
        _cleanup_json_ json_t *dns = json_object_get(ep, "DNSNames");
        json_incref(dns);
        assert_int_equal(json_array_size(dns), 3); /* one, web, short id */

        /* The same host port is refused for a second container; its
         * addresses are released again. */
        const char *id2 = "2222222222222222222222222222222222222222222222222222222222222222";
        _cleanup_json_ json_t *b2 = req("{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]}");
        NetContainerRequest c2 = {
            .id = id2, .name = "two", .network_mode = "bridge", .port_bindings = b2};
        assert_int_equal(net_container_prepare(m, &c2, &prep, &err), -EADDRINUSE);
        assert_non_null(
            strstr(err->message, "Bind for 0.0.0.0:8080 failed: port is already allocated"));
        err = error_free(err);
        /* --ip on the default bridge is refused as Docker does. */
        _cleanup_json_ json_t *epb =
            req("{\"bridge\":{\"IPAMConfig\":{\"IPv4Address\":\"10.77.0.9\"}}}");
        NetContainerRequest c3 = {
            .id = id2, .name = "two", .network_mode = "bridge", .endpoints_config = epb};
        assert_int_equal(net_container_prepare(m, &c3, &prep, &err), -EINVAL);
        assert_non_null(strstr(err->message, "user defined networks only"));
        err = error_free(err);

        /* A 1000-port range becomes one record (shown port by port). */
        _cleanup_json_ json_t *range = json_object();
        for (int p = 20000; p < 21000; p++) {
                char key[16], hp[8];
                snprintf(key, sizeof(key), "%d/tcp", p);
                snprintf(hp, sizeof(hp), "%d", p);
                json_object_set_new(range, key,
                                    json_pack("[{s:s, s:s}]", "HostIp", "", "HostPort", hp));
        }
        NetContainerRequest c4 = {
            .id = id2, .name = "two", .network_mode = "bridge", .port_bindings = range};
        if (net_container_prepare(m, &c4, &prep, &err) < 0)
                fail_msg("%s", err->message);
        net_container_prep_free(prep);
        _cleanup_json_ json_t *ports = NULL;
        assert_int_equal(net_container_ports(m, id2, &ports, NULL), 0);
        assert_int_equal(json_array_size(ports), 1000);
        _cleanup_json_ json_t *s2 = NULL;
        assert_int_equal(net_container_settings(m, id2, &s2, NULL), 0);
        assert_string_equal(str_at(s2, "IPAddress", NULL), "10.77.0.3");
        assert_string_equal(str_at(s2, "Gateway", NULL), "10.77.0.1");

        /* A network with endpoints cannot be removed. */
        assert_int_equal(net_network_remove(m, "app", &err), -EPERM);
        assert_non_null(strstr(err->message, "has active endpoints"));
        err = error_free(err);
        _cleanup_json_ json_t *inspect = NULL;
        assert_int_equal(net_network_inspect(m, "app", &inspect, NULL), 0);
        assert_non_null(json_object_get(json_object_get(inspect, "Containers"), id1));

        /* State survives a reopen (live restore). */
        net_manager_free(m);
        m = open_mgr();
        json_decref(ports);
        ports = NULL;
        assert_int_equal(net_container_ports(m, id2, &ports, NULL), 0);
        assert_int_equal(json_array_size(ports), 1000);

        /* Unplug frees the address: the next container gets a new one, and
         * the old one only after wrapping. */
        assert_int_equal(net_container_unplug(m, id1, NULL), 0);
        assert_int_equal(net_container_unplug(m, id2, NULL), 0);
        assert_int_equal(net_container_unplug(m, id2, NULL), 0);
        json_decref(ports);
        ports = NULL;
        assert_int_equal(net_container_ports(m, id2, &ports, NULL), 0);
        assert_int_equal(json_array_size(ports), 0);
        NetContainerRequest c5 = {.id = id2, .name = "two", .network_mode = "bridge"};
        assert_int_equal(net_container_prepare(m, &c5, &prep, NULL), 0);
        net_container_prep_free(prep);
        _cleanup_json_ json_t *s3 = NULL;
        assert_int_equal(net_container_settings(m, id2, &s3, NULL), 0);
        /* After a restart the search starts again from the bottom. */
        assert_string_equal(str_at(s3, "IPAddress", NULL), "10.77.0.2");
        assert_int_equal(net_container_unplug(m, id2, NULL), 0);
        assert_int_equal(net_network_remove(m, "app", NULL), 0);
        /* none/host/container: nothing of ours. */
        NetContainerRequest c6 = {.id = id2, .name = "two", .network_mode = "none"};
        assert_int_equal(net_container_prepare(m, &c6, &prep, NULL), 0);
        assert_null(prep->hosts_extra);
        net_container_prep_free(prep);
        NetContainerRequest c7 = {.id = id2, .name = "two", .network_mode = "missing"};
        assert_int_equal(net_container_prepare(m, &c7, &prep, &err), -ENOENT);
        net_manager_free(m);
}

static void test_host_run(void **state)
{
        if (geteuid() != 0) {
                printf("# SKIP: needs root\n");
                skip();
        }
        char bridge[16], table[32], prefix[8];
        snprintf(bridge, sizeof(bridge), "bmt%d", getpid() % 100000);
        snprintf(prefix, sizeof(prefix), "bq%d", getpid() % 100);
        snprintf(table, sizeof(table), "berthmgr%d", getpid());
        NetManagerConfig c = {.data_root = dir,
                              .bridge_name = bridge,
                              .nft_table = table,
                              .bridge_prefix = prefix,
                              .bip = "10.214.0.1/24",
                              .dns_upstreams = (char *[]){NULL}};
        rm_rf(dir, NULL);
        mkdir(dir, 0700);
        NetManager *m = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (net_manager_new(&c, &m, &err) < 0)
                fail_msg("%s", err->message);
        assert_true(net_link_exists(bridge));

        pid_t a = net_harness_spawn_netns(), b = net_harness_spawn_netns();
        assert_true(a > 0 && b > 0);
        _cleanup_json_ json_t *bind = json_loads("{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\","
                                                 "\"HostPort\":\"18081\"}]}",
                                                 0, NULL);
        const char *ida = "aaaa000000000000000000000000000000000000000000000000000000000000";
        const char *idb = "bbbb000000000000000000000000000000000000000000000000000000000000";
        NetContainerRequest ra = {.id = ida, .name = "a", .port_bindings = bind};
        NetContainerRequest rb = {.id = idb, .name = "b"};
        NetContainerPrep *prep;
        assert_int_equal(net_container_prepare(m, &ra, &prep, NULL), 0);
        net_container_prep_free(prep);
        assert_int_equal(net_container_prepare(m, &rb, &prep, NULL), 0);
        net_container_prep_free(prep);
        if (net_container_plug(m, ida, a, &err) < 0 || net_container_plug(m, idb, b, &err) < 0)
                fail_msg("%s", err->message);
        /* b reaches a over the bridge; the host reaches a's published port. */
        assert_int_equal(
            net_harness_sh("nsenter --net=/proc/%d/ns/net busybox ping -c1 -W2 10.214.0.2 "
                           ">/dev/null",
                           b),
            0);
        pid_t srv = fork();
        if (srv == 0) {
                char opt[64];
                snprintf(opt, sizeof(opt), "--net=/proc/%d/ns/net", a);
                execlp("nsenter", "nsenter", opt, "busybox", "nc", "-l", "-p", "80", "-e",
                       "busybox", "echo", "hi-from-a", NULL);
                _exit(127);
        }
        int ok = 1;
        for (int i = 0; i < 50 && ok; i++) {
                usleep(100000);
                ok = net_harness_sh(
                    "busybox nc -w 2 127.0.0.1 18081 </dev/null 2>/dev/null | grep -q "
                    "hi-from-a");
        }
        kill(srv, SIGKILL);
        waitpid(srv, NULL, 0);
        assert_int_equal(ok, 0);

        /* Service discovery on a user network: a finds b by name and alias,
         * b's name.network, and PTR; other names fail at once (no upstream). */
        _cleanup_json_ json_t *netreq = json_loads(
            "{\"Name\":\"disc\",\"IPAM\":{\"Config\":[{\"Subnet\":\"10.215.0.0/24\"}]}}", 0, NULL);
        _cleanup_json_ json_t *netout = NULL;
        if (net_network_create(m, netreq, &netout, &err) < 0)
                fail_msg("%s", err->message);
        _cleanup_json_ json_t *epc = json_loads("{\"disc\":{\"Aliases\":[\"db\"]}}", 0, NULL);
        NetContainerRequest rb2 = {.id = idb, .name = "b", .endpoints_config = epc};
        if (net_network_connect(m, "disc", &ra, a, &err) < 0 ||
            net_network_connect(m, "disc", &rb2, b, &err) < 0)
                fail_msg("%s", err->message);
        assert_int_equal(
            net_harness_sh("nsenter --net=/proc/%d/ns/net busybox nslookup b 127.0.0.11 2>&1 | "
                           "grep -q 10.215.0.3",
                           a),
            0);
        assert_int_equal(
            net_harness_sh("nsenter --net=/proc/%d/ns/net busybox nslookup db 127.0.0.11 2>&1 | "
                           "grep -q 10.215.0.3",
                           a),
            0);
        assert_int_equal(
            net_harness_sh("nsenter --net=/proc/%d/ns/net busybox nslookup a.disc 127.0.0.11 "
                           "2>&1 | grep -q 10.215.0.2",
                           b),
            0);
        assert_int_equal(net_harness_sh("nsenter --net=/proc/%d/ns/net busybox nslookup 10.215.0.3 "
                                        "127.0.0.11 2>&1 | grep -q b.disc",
                                        a),
                         0);
        assert_int_not_equal(
            net_harness_sh("nsenter --net=/proc/%d/ns/net timeout 5 busybox nslookup "
                           "nothing.invalid 127.0.0.11 2>&1 | grep -q 'Address.*10.'",
                           a),
            0);
        assert_int_equal(net_network_disconnect(m, "disc", idb, false, NULL), 0);
        assert_int_not_equal(
            net_harness_sh("nsenter --net=/proc/%d/ns/net busybox nslookup b 127.0.0.11 "
                           "2>&1 | grep -q 10.215.0.3",
                           a),
            0);
        assert_int_equal(net_network_remove(m, "disc", &err), -EPERM);
        err = error_free(err);

        /* A restarted manager keeps everything and duplicates nothing. */
        net_manager_free(m);
        assert_int_equal(net_manager_new(&c, &m, NULL), 0);
        assert_int_equal(
            net_harness_sh("test $(nft list table ip %s | grep -c 'dport 18081') = 1", table), 0);

        assert_int_equal(
            net_harness_sh("nsenter --net=/proc/%d/ns/net busybox nslookup a 127.0.0.11 2>&1 | "
                           "grep -q 10.215.0.2",
                           a),
            0);
        assert_int_equal(net_container_unplug(m, ida, NULL), 0);
        assert_int_equal(net_container_unplug(m, idb, NULL), 0);
        assert_int_equal(net_network_remove(m, "disc", NULL), 0);
        assert_int_equal(net_harness_sh("nft list table ip %s | grep -q 18081", table), 1);
        assert_int_equal(net_harness_sh("ip link | grep -q veth.*master.%s", bridge), 1);
        kill(a, SIGKILL);
        kill(b, SIGKILL);
        waitpid(a, NULL, 0);
        waitpid(b, NULL, 0);
        net_manager_free(m);
        net_link_delete(bridge, NULL);
        net_harness_sh("nft delete table ip %s", table);
        assert_false(net_link_exists(bridge));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_predefined_and_create, setup, teardown),
            cmocka_unit_test_setup_teardown(test_containers, setup, teardown),
            cmocka_unit_test_setup_teardown(test_host_run, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
