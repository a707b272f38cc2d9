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
#include "network/nft.h"

static char dir[64];

static int setup(void **state)
{
        snprintf(dir, sizeof(dir), "/tmp/berth-netmgr.XXXXXX");
        return mkdtemp(dir) ? 0 : -1;
}

static void host_run_abandoned(void);

static int teardown(void **state)
{
        host_run_abandoned();
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

static json_t *ipam_config(NetManager *m, const char *net, size_t i)
{
        _cleanup_json_ json_t *insp = NULL;
        assert_int_equal(net_network_inspect(m, net, &insp, NULL), 0);
        json_t *c = json_array_get(json_object_get(json_object_get(insp, "IPAM"), "Config"), i);
        return json_incref(c);
}

static void test_ipv6_state(void **state)
{
        NetManagerConfig c = {.data_root = dir,
                              .no_host_changes = true,
                              .bip = "10.77.0.1/24",
                              .ipv6 = true,
                              .fixed_cidr_v6 = "fd00:77::/64",
                              .host_id = "abcdef0123456789"};
        NetManager *m = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (net_manager_new(&c, &m, &err) < 0)
                fail_msg("%s", err->message);
        /* The default bridge has IPv6 from fixed-cidr-v6. */
        _cleanup_json_ json_t *bc = ipam_config(m, "bridge", 1);
        assert_string_equal(str_at(bc, "Subnet", NULL), "fd00:77::/64");
        assert_string_equal(str_at(bc, "Gateway", NULL), "fd00:77::1");

        /* An IPv6 subnet needs --ipv6; with it, both families are listed. */
        _cleanup_json_ json_t *bad = req("{\"Name\":\"v6\",\"IPAM\":{\"Config\":[{\"Subnet\":"
                                         "\"fd00:66::/64\"}]}}");
        _cleanup_json_ json_t *out = NULL;
        assert_int_equal(net_network_create(m, bad, &out, &err), -EINVAL);
        assert_non_null(strstr(err->message, "--ipv6"));
        err = error_free(err);
        _cleanup_json_ json_t *r1 =
            req("{\"Name\":\"v6\",\"EnableIPv6\":true,\"IPAM\":{\"Config\":[{\"Subnet\":"
                "\"10.66.0.0/24\"},{\"Subnet\":\"fd00:66::/64\",\"Gateway\":\"fd00:66::fe\"}]}}");
        if (net_network_create(m, r1, &out, &err) < 0)
                fail_msg("%s", err->message);
        _cleanup_json_ json_t *insp = NULL;
        assert_int_equal(net_network_inspect(m, "v6", &insp, NULL), 0);
        assert_true(json_is_true(json_object_get(insp, "EnableIPv6")));
        _cleanup_json_ json_t *c0 = ipam_config(m, "v6", 0);
        _cleanup_json_ json_t *c1 = ipam_config(m, "v6", 1);
        assert_string_equal(str_at(c0, "Subnet", NULL), "10.66.0.0/24");
        assert_string_equal(str_at(c1, "Subnet", NULL), "fd00:66::/64");
        assert_string_equal(str_at(c1, "Gateway", NULL), "fd00:66::fe");
        /* Overlapping IPv6 subnets are refused; without one, a /64 of the
         * ULA pool derived from the host ID. */
        _cleanup_json_ json_t *r2 =
            req("{\"Name\":\"v6b\",\"EnableIPv6\":true,\"IPAM\":{\"Config\":[{\"Subnet\":"
                "\"fd00:66::/48\"}]}}");
        json_decref(out);
        out = NULL;
        assert_int_equal(net_network_create(m, r2, &out, &err), -EPERM);
        err = error_free(err);
        _cleanup_json_ json_t *rbad =
            req("{\"Name\":\"gm\",\"EnableIPv6\":true,\"Options\":{"
                "\"com.docker.network.bridge.gateway_mode_ipv6\":\"bogus\"}}");
        assert_int_equal(net_network_create(m, rbad, &out, &err), -EINVAL);
        assert_non_null(strstr(err->message, "gateway mode"));
        err = error_free(err);
        _cleanup_json_ json_t *r3 = req("{\"Name\":\"auto6\",\"EnableIPv6\":true}");
        assert_int_equal(net_network_create(m, r3, &out, NULL), 0);
        _cleanup_json_ json_t *a6 = ipam_config(m, "auto6", 1);
        assert_string_equal(str_at(a6, "Subnet", NULL), "fdab:cdef:123::/64");
        assert_string_equal(str_at(a6, "Gateway", NULL), "fdab:cdef:123::1");

        /* A container gets the first free address (not the gateway); ""
         * publishes on both families, "::1" on IPv6 only. */
        _cleanup_json_ json_t *bind =
            req("{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}],"
                "\"81/tcp\":[{\"HostIp\":\"::1\",\"HostPort\":\"8081\"}],"
                "\"82/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8082\"}]}");
        const char *id1 = "6666666666666666666666666666666666666666666666666666666666666666";
        NetContainerRequest q1 = {.id = id1,
                                  .name = "one",
                                  .hostname = "one",
                                  .network_mode = "v6",
                                  .port_bindings = bind};
        NetContainerPrep *prep = NULL;
        if (net_container_prepare(m, &q1, &prep, &err) < 0)
                fail_msg("%s", err->message);
        assert_non_null(strstr(prep->hosts_extra, "fd00:66::1\tone\n"));
        net_container_prep_free(prep);
        assert_int_equal(net_container_plug(m, id1, 1, NULL), 0);
        _cleanup_json_ json_t *st = NULL;
        assert_int_equal(net_container_settings(m, id1, &st, NULL), 0);
        json_t *ep = json_object_get(json_object_get(st, "Networks"), "v6");
        assert_string_equal(str_at(ep, "GlobalIPv6Address", NULL), "fd00:66::1");
        assert_int_equal(json_integer_value(json_object_get(ep, "GlobalIPv6PrefixLen")), 64);
        assert_string_equal(str_at(ep, "IPv6Gateway", NULL), "fd00:66::fe");
        json_t *p80 = json_object_get(json_object_get(st, "Ports"), "80/tcp");
        assert_int_equal(json_array_size(p80), 2);
        assert_string_equal(str_at(json_array_get(p80, 0), "HostIp", NULL), "0.0.0.0");
        assert_string_equal(str_at(json_array_get(p80, 1), "HostIp", NULL), "::");
        json_t *p81 = json_object_get(json_object_get(st, "Ports"), "81/tcp");
        assert_int_equal(json_array_size(p81), 1);
        assert_string_equal(str_at(json_array_get(p81, 0), "HostIp", NULL), "::1");
        assert_int_equal(json_array_size(json_object_get(json_object_get(st, "Ports"), "82/tcp")),
                         1);
        _cleanup_json_ json_t *ps = NULL;
        assert_int_equal(net_container_ports(m, id1, &ps, NULL), 0);
        assert_int_equal(json_array_size(ps), 4);
        _cleanup_json_ json_t *nc = NULL;
        assert_int_equal(net_network_inspect(m, "v6", &nc, NULL), 0);
        assert_string_equal(
            str_at(json_object_get(json_object_get(nc, "Containers"), id1), "IPv6Address", NULL),
            "fd00:66::1/64");

        /* [::]:8080 is taken now (the failed attempts' addresses, ::2 and
         * ::3, are not reused at once); a second container gets the next. */
        const char *id2 = "7777777777777777777777777777777777777777777777777777777777777777";
        _cleanup_json_ json_t *b2 = req("{\"80/tcp\":[{\"HostIp\":\"::\",\"HostPort\":\"8080\"}]}");
        NetContainerRequest q2 = {
            .id = id2, .name = "two", .network_mode = "v6", .port_bindings = b2};
        assert_int_equal(net_container_prepare(m, &q2, &prep, &err), -EADDRINUSE);
        assert_non_null(
            strstr(err->message, "Bind for [::]:8080 failed: port is already allocated"));
        err = error_free(err);
        /* "" wants both families: the IPv6 side is the taken one here. */
        _cleanup_json_ json_t *b3 = req("{\"90/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8081\"}]}");
        q2.port_bindings = b3;
        assert_int_equal(net_container_prepare(m, &q2, &prep, &err), -EADDRINUSE);
        assert_non_null(
            strstr(err->message, "Bind for [::]:8081 failed: port is already allocated"));
        err = error_free(err);
        q2.port_bindings = NULL;
        assert_int_equal(net_container_prepare(m, &q2, &prep, NULL), 0);
        net_container_prep_free(prep);
        _cleanup_json_ json_t *st2 = NULL;
        assert_int_equal(net_container_settings(m, id2, &st2, NULL), 0);
        assert_string_equal(str_at(json_object_get(json_object_get(st2, "Networks"), "v6"),
                                   "GlobalIPv6Address", NULL),
                            "fd00:66::4");

        /* Persisted: a reopened manager keeps both and hands out neither
         * (it starts over at the first free one, ::2). */
        net_manager_free(m);
        if (net_manager_new(&c, &m, &err) < 0)
                fail_msg("%s", err->message);
        _cleanup_json_ json_t *st3 = NULL;
        assert_int_equal(net_container_settings(m, id1, &st3, NULL), 0);
        assert_string_equal(str_at(json_object_get(json_object_get(st3, "Networks"), "v6"),
                                   "GlobalIPv6Address", NULL),
                            "fd00:66::1");
        assert_int_equal(json_array_size(json_object_get(json_object_get(st3, "Ports"), "80/tcp")),
                         2);
        const char *id3 = "8888888888888888888888888888888888888888888888888888888888888888";
        NetContainerRequest q3 = {.id = id3, .name = "three", .network_mode = "v6"};
        assert_int_equal(net_container_prepare(m, &q3, &prep, NULL), 0);
        net_container_prep_free(prep);
        _cleanup_json_ json_t *st4 = NULL;
        assert_int_equal(net_container_settings(m, id3, &st4, NULL), 0);
        assert_string_equal(str_at(json_object_get(json_object_get(st4, "Networks"), "v6"),
                                   "GlobalIPv6Address", NULL),
                            "fd00:66::2");
        /* On the default bridge, the legacy top-level fields show IPv6. */
        const char *id4 = "9999999999999999999999999999999999999999999999999999999999999999";
        NetContainerRequest q4 = {.id = id4, .name = "four"};
        assert_int_equal(net_container_prepare(m, &q4, &prep, NULL), 0);
        net_container_prep_free(prep);
        _cleanup_json_ json_t *st5 = NULL;
        assert_int_equal(net_container_settings(m, id4, &st5, NULL), 0);
        assert_string_equal(str_at(st5, "GlobalIPv6Address", NULL), "fd00:77::2");
        assert_string_equal(str_at(st5, "IPv6Gateway", NULL), "fd00:77::1");

        /* Unplugged, the addresses are released (and later reused). */
        assert_int_equal(net_container_unplug(m, id1, NULL), 0);
        assert_int_equal(net_container_unplug(m, id2, NULL), 0);
        assert_int_equal(net_container_unplug(m, id3, NULL), 0);
        assert_int_equal(net_container_unplug(m, id4, NULL), 0);
        assert_int_equal(net_network_remove(m, "v6", NULL), 0);
        net_manager_free(m);

        /* "ipv6": false again: the default bridge drops IPv6. */
        c.ipv6 = false;
        assert_int_equal(net_manager_new(&c, &m, NULL), 0);
        _cleanup_json_ json_t *bc2 = ipam_config(m, "bridge", 1);
        assert_null(bc2);
        net_manager_free(m);
}

/* The names of a host test's own devices and table, and its manager's
 * configuration (no DNS upstream). */
typedef struct HostRun {
        char bridge[16], table[32], prefix[8];
        NetManagerConfig c;
} HostRun;

static void host_run_init(HostRun *h, const char *tag, const char *bip)
{
        snprintf(h->bridge, sizeof(h->bridge), "bm%s%d", tag, getpid() % 100000);
        snprintf(h->prefix, sizeof(h->prefix), "b%s%d", tag, getpid() % 100);
        snprintf(h->table, sizeof(h->table), "berthmgr%s%d", tag, getpid());
        static char *no_upstreams[] = {NULL};
        h->c = (NetManagerConfig){.data_root = dir,
                                  .bridge_name = h->bridge,
                                  .nft_table = h->table,
                                  .bridge_prefix = h->prefix,
                                  .bip = bip,
                                  .dns_upstreams = no_upstreams};
}

/* What a host test has made, for teardown to undo when an assertion ends
 * the test early: otherwise its processes, networks, bridge and table
 * outlive it, and the next run collides with their addresses. */
static struct {
        bool active;
        HostRun h; /* a copy: the test's frame is gone when teardown runs */
        NetManager *m;
        pid_t a, b;
        const char *ida, *idb;
} live;

static void host_run_track(HostRun *h, NetManager *m, pid_t a, pid_t b, const char *ida,
                           const char *idb)
{
        live.active = true;
        live.h = *h;
        live.m = m;
        live.a = a;
        live.b = b;
        live.ida = ida;
        live.idb = idb;
}

static void host_run_abandoned(void)
{
        if (!live.active)
                return;
        if (live.a > 0 && kill(live.a, SIGKILL) == 0)
                waitpid(live.a, NULL, 0);
        if (live.b > 0 && kill(live.b, SIGKILL) == 0)
                waitpid(live.b, NULL, 0);
        if (live.m) {
                if (live.ida)
                        (void)net_container_unplug(live.m, live.ida, NULL);
                if (live.idb)
                        (void)net_container_unplug(live.m, live.idb, NULL);
                json_t *nets = NULL;
                if (net_network_list(live.m, NULL, &nets, NULL) == 0) {
                        size_t i;
                        json_t *n;
                        json_array_foreach(nets, i, n)
                        {
                                const char *name = json_string_value(json_object_get(n, "Name"));
                                if (name && !STREQ(name, "bridge") && !STREQ(name, "host") &&
                                    !STREQ(name, "none"))
                                        (void)net_network_remove(live.m, name, NULL);
                        }
                        json_decref(nets);
                }
                net_manager_free(live.m);
        }
        net_link_delete(live.h.bridge, NULL);
        (void)net_nft_remove(live.h.table, NULL);
        memset(&live, 0, sizeof(live));
}

/* Stops the namespaces, frees the manager, removes the bridge and tables. */
static void host_run_done(HostRun *h, NetManager *m, pid_t a, pid_t b)
{
        memset(&live, 0, sizeof(live));
        kill(a, SIGKILL);
        kill(b, SIGKILL);
        waitpid(a, NULL, 0);
        waitpid(b, NULL, 0);
        net_manager_free(m);
        net_link_delete(h->bridge, NULL);
        assert_int_equal(net_nft_remove(h->table, NULL), 0);
        assert_false(net_link_exists(h->bridge));
        assert_int_not_equal(net_harness_sh("nft list table ip6 %s >/dev/null 2>&1", h->table), 0);
}

/* Runs "busybox nc -l -p 80 -e busybox echo TEXT" inside pid's namespace. */
static pid_t serve_echo(pid_t pid, const char *text)
{
        pid_t srv = fork();
        if (srv == 0) {
                char opt[64];
                snprintf(opt, sizeof(opt), "--net=/proc/%d/ns/net", pid);
                execlp("nsenter", "nsenter", opt, "busybox", "nc", "-l", "-p", "80", "-e",
                       "busybox", "echo", text, NULL);
                _exit(127);
        }
        return srv;
}

/* Whether "busybox nc HOST PORT" from the host gets TEXT (retrying while
 * the server starts). */
static bool reaches(const char *host, unsigned port, const char *text, int tries)
{
        for (int i = 0; i < tries; i++) {
                if (net_harness_sh("busybox nc -w 1 %s %u </dev/null 2>/dev/null | grep -q %s",
                                   host, port, text) == 0)
                        return true;
                usleep(100000);
        }
        return false;
}

static void test_host_run6(void **state)
{
        if (geteuid() != 0) {
                printf("# SKIP: needs root\n");
                skip();
        }
        if (access("/proc/sys/net/ipv6", F_OK) != 0) {
                printf("# SKIP: the kernel has no IPv6\n");
                skip();
        }
        _cleanup_free_ char *fwd = NULL;
        (void)read_file("/proc/sys/net/ipv6/conf/all/forwarding", &fwd, NULL, NULL);
        HostRun h;
        host_run_init(&h, "6", "10.216.0.1/24");
        const char *prefix = h.prefix, *table = h.table;
        NetManager *m = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (net_manager_new(&h.c, &m, &err) < 0)
                fail_msg("%s", err->message);
        _cleanup_json_ json_t *netreq =
            json_loads("{\"Name\":\"six\",\"EnableIPv6\":true,\"IPAM\":{\"Config\":["
                       "{\"Subnet\":\"10.217.0.0/24\"},{\"Subnet\":\"fd00:217::/64\"}]}}",
                       0, NULL);
        _cleanup_json_ json_t *netout = NULL;
        if (net_network_create(m, netreq, &netout, &err) < 0)
                fail_msg("%s", err->message);
        char six_bridge[32];
        snprintf(six_bridge, sizeof(six_bridge), "%s%.12s", prefix,
                 json_string_value(json_object_get(netout, "Id")));
        six_bridge[15] = '\0'; /* IFNAMSIZ, as the manager cuts it */
        assert_int_equal(
            net_harness_sh("ip -6 addr show dev %s | grep -q 'fd00:217::1/64'", six_bridge), 0);

        pid_t a = net_harness_spawn_netns(), b = net_harness_spawn_netns();
        host_run_track(&h, m, a, b,
                       "a6a6000000000000000000000000000000000000000000000000000000000000",
                       "b6b6000000000000000000000000000000000000000000000000000000000000");
        assert_true(a > 0 && b > 0);
        /* a publishes 80 on [::1]:18091 and on both families at 18092. */
        _cleanup_json_ json_t *bind =
            json_loads("{\"80/tcp\":[{\"HostIp\":\"::1\",\"HostPort\":\"18091\"},"
                       "{\"HostIp\":\"\",\"HostPort\":\"18092\"}]}",
                       0, NULL);
        const char *ida = "a6a6000000000000000000000000000000000000000000000000000000000000";
        const char *idb = "b6b6000000000000000000000000000000000000000000000000000000000000";
        NetContainerRequest ra = {
            .id = ida, .name = "a", .network_mode = "six", .port_bindings = bind};
        NetContainerRequest rb = {.id = idb, .name = "b", .network_mode = "six"};
        NetContainerPrep *prep;
        if (net_container_prepare(m, &ra, &prep, &err) < 0)
                fail_msg("%s", err->message);
        net_container_prep_free(prep);
        assert_int_equal(net_container_prepare(m, &rb, &prep, NULL), 0);
        net_container_prep_free(prep);
        if (net_container_plug(m, ida, a, &err) < 0 || net_container_plug(m, idb, b, &err) < 0)
                fail_msg("%s", err->message);

        /* Addresses and routes inside; b pings a, a pings the gateway. */
        assert_int_equal(net_harness_sh("nsenter --net=/proc/%d/ns/net ip -6 addr show dev eth0 | "
                                        "grep -q 'fd00:217::2/64'",
                                        a),
                         0);
        assert_int_equal(net_harness_sh("nsenter --net=/proc/%d/ns/net ip -6 route | grep -q "
                                        "'default via fd00:217::1'",
                                        a),
                         0);
        assert_int_equal(net_harness_sh("nsenter --net=/proc/%d/ns/net busybox ping -6 -c1 -W2 "
                                        "fd00:217::2 >/dev/null",
                                        b),
                         0);
        assert_int_equal(net_harness_sh("nsenter --net=/proc/%d/ns/net busybox ping -6 -c1 -W2 "
                                        "fd00:217::1 >/dev/null",
                                        a),
                         0);
        assert_int_equal(net_harness_sh("nft list table ip6 %s | grep -q 'ip6 saddr "
                                        "fd00:217::/64 oifname != \"%s\" masquerade'",
                                        table, six_bridge),
                         0);

        /* Published ports: through the host's own IPv6 address (the bridge
         * gateway), IPv4 too for "", and [::1]. */
        pid_t srv = serve_echo(a, "hi-from-a6");
        bool via_gw = reaches("fd00:217::1", 18092, "hi-from-a6", 30);
        kill(srv, SIGKILL);
        waitpid(srv, NULL, 0);
        assert_true(via_gw);
        srv = serve_echo(a, "hi-from-a4");
        bool via_v4 = reaches("127.0.0.1", 18092, "hi-from-a4", 30);
        kill(srv, SIGKILL);
        waitpid(srv, NULL, 0);
        assert_true(via_v4);
        srv = serve_echo(a, "hi-from-lo6");
        bool via_lo = reaches("::1", 18091, "hi-from-lo6", 30);
        kill(srv, SIGKILL);
        waitpid(srv, NULL, 0);
        assert_true(via_lo);
        /* TCP on [::1] goes through berthd's relay (IPv6 has no
         * route_localnet): a listener, and no DNAT rule that would send
         * the connection to the kernel's drop; 127.0.0.1:18091 is not
         * published. */
        assert_int_equal(net_harness_sh("ss -Hltn 'sport = :18091' | grep -q '\\[::1\\]:18091'"),
                         0);
        assert_int_equal(net_harness_sh("nft list table ip6 %s | grep -q 18091", table), 1);
        assert_int_equal(net_harness_sh("nft list table ip %s | grep -q 18091", table), 1);

        /* AAAA (and A) answers from the embedded DNS. */
        assert_int_equal(net_harness_sh("nsenter --net=/proc/%d/ns/net busybox nslookup "
                                        "-type=aaaa b 127.0.0.11 2>&1 | grep -q fd00:217::3",
                                        a),
                         0);
        assert_int_equal(net_harness_sh("nsenter --net=/proc/%d/ns/net busybox nslookup "
                                        "-type=a b 127.0.0.11 2>&1 | grep -q 10.217.0.3",
                                        a),
                         0);
        assert_int_equal(net_harness_sh("nsenter --net=/proc/%d/ns/net busybox nslookup "
                                        "fd00:217::3 127.0.0.11 2>&1 | grep -q b.six",
                                        a),
                         0);

        /* Everything goes away. */
        assert_int_equal(net_container_unplug(m, ida, NULL), 0);
        assert_int_equal(net_container_unplug(m, idb, NULL), 0);
        assert_int_equal(net_harness_sh("ss -Hltn 'sport = :18091' | grep -q 18091"), 1);
        assert_int_equal(net_network_remove(m, "six", NULL), 0);
        assert_false(net_link_exists(six_bridge));
        host_run_done(&h, m, a, b);
        if (fwd && fwd[0] == '0')
                (void)net_harness_sh("sysctl -qw net.ipv6.conf.all.forwarding=0");
}

static void test_host_run(void **state)
{
        if (geteuid() != 0) {
                printf("# SKIP: needs root\n");
                skip();
        }
        HostRun h;
        host_run_init(&h, "t", "10.214.0.1/24");
        const char *bridge = h.bridge, *table = h.table;
        NetManagerConfig c = h.c;
        rm_rf(dir, NULL);
        mkdir(dir, 0700);
        NetManager *m = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (net_manager_new(&c, &m, &err) < 0)
                fail_msg("%s", err->message);
        assert_true(net_link_exists(bridge));

        pid_t a = net_harness_spawn_netns(), b = net_harness_spawn_netns();
        host_run_track(&h, m, a, b,
                       "aaaa000000000000000000000000000000000000000000000000000000000000",
                       "bbbb000000000000000000000000000000000000000000000000000000000000");
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
        pid_t srv = serve_echo(a, "hi-from-a");
        bool ok = reaches("127.0.0.1", 18081, "hi-from-a", 50);
        kill(srv, SIGKILL);
        waitpid(srv, NULL, 0);
        assert_true(ok);

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
        host_run_done(&h, m, a, b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_predefined_and_create, setup, teardown),
            cmocka_unit_test_setup_teardown(test_containers, setup, teardown),
            cmocka_unit_test_setup_teardown(test_ipv6_state, setup, teardown),
            cmocka_unit_test_setup_teardown(test_host_run, setup, teardown),
            cmocka_unit_test_setup_teardown(test_host_run6, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
