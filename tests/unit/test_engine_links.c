/* Unit tests for legacy links (daemon/engine_links.h): the variables and
 * hosts lines Docker gives a container for `--link NAME:ALIAS`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"
#include "daemon/engine_links.h"

static json_t *parse(const char *text)
{
        json_error_t e;
        json_t *j = json_loads(text, 0, &e);
        assert_non_null(j);
        return j;
}

/* Compares a list with the expected items, in order. */
static void assert_strv(char **got, const char *const *want)
{
        size_t n = 0;
        for (; want[n]; n++) {
                assert_non_null(got[n]);
                assert_string_equal(got[n], want[n]);
        }
        assert_null(got[n]);
}

static void test_parse(void **state)
{
        (void)state;
        _cleanup_free_ char *name = NULL, *alias = NULL;
        assert_int_equal(links_parse("db:webdb", &name, &alias, NULL), 0);
        assert_string_equal(name, "db");
        assert_string_equal(alias, "webdb");
        free(TAKE_PTR(name));
        free(TAKE_PTR(alias));
        /* one name: the alias is the name */
        assert_int_equal(links_parse("db", &name, &alias, NULL), 0);
        assert_string_equal(name, "db");
        assert_string_equal(alias, "db");
        free(TAKE_PTR(name));
        free(TAKE_PTR(alias));
        /* the form Docker stores in HostConfig.Links */
        assert_int_equal(links_parse("/db:/web/webdb", &name, &alias, NULL), 0);
        assert_string_equal(name, "db");
        assert_string_equal(alias, "webdb");
        free(TAKE_PTR(name));
        free(TAKE_PTR(alias));

        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(links_parse("a:b:c", &name, &alias, &err), -EINVAL);
        assert_string_equal(err->message, "bad format for links: a:b:c");
        assert_null(name);
        error_free(TAKE_PTR(err));
        assert_int_equal(links_parse("", &name, &alias, &err), -EINVAL);
        assert_string_equal(err->message, "empty string specified for links");
        error_free(TAKE_PTR(err));
        assert_int_equal(links_parse("db:", &name, &alias, &err), -EINVAL);
}

static void test_env_one_port(void **state)
{
        (void)state;
        _cleanup_json_ json_t *ports = parse("{\"5432/tcp\": {}}");
        _cleanup_json_ json_t *env =
            parse("[\"PATH=/usr/bin:/bin\", \"PASSWORD=x\", \"HOME=/root\", \"EMPTY=\", "
                  "\"NOVALUE\", \"URL=a=b\"]");
        _cleanup_strv_free_ char **got = NULL;
        assert_int_equal(links_env("/web/webdb", "172.17.0.2", ports, env, &got), 0);
        const char *want[] = {"WEBDB_PORT=tcp://172.17.0.2:5432",
                              "WEBDB_PORT_5432_TCP=tcp://172.17.0.2:5432",
                              "WEBDB_PORT_5432_TCP_ADDR=172.17.0.2",
                              "WEBDB_PORT_5432_TCP_PORT=5432",
                              "WEBDB_PORT_5432_TCP_PROTO=tcp",
                              "WEBDB_NAME=/web/webdb",
                              "WEBDB_ENV_PASSWORD=x",
                              "WEBDB_ENV_EMPTY=",
                              "WEBDB_ENV_URL=a=b",
                              NULL};
        assert_strv(got, want);
}

static void test_env_alias_and_no_ports(void **state)
{
        (void)state;
        /* upper case, '-' → '_'; no ports: only the name */
        _cleanup_strv_free_ char **got = NULL;
        assert_int_equal(links_env("/app/my-db.1", "10.0.0.9", NULL, NULL, &got), 0);
        const char *want[] = {"MY_DB.1_NAME=/app/my-db.1", NULL};
        assert_strv(got, want);
}

static void test_env_ports_sorted_and_ranges(void **state)
{
        (void)state;
        /* TCP first, then other protocols by name; runs of consecutive
         * ports of one protocol get _START and _END; a bare number is tcp */
        _cleanup_json_ json_t *ports = parse("{\"6300/udp\": {}, \"6381/tcp\": {}, \"6379\": {},"
                                             " \"6380/tcp\": {}, \"6382/udp\": {}, \"53/sctp\": {},"
                                             " \"bad\": {}}");
        _cleanup_strv_free_ char **got = NULL;
        assert_int_equal(links_env("/p/d", "1.2.3.4", ports, NULL, &got), 0);
        const char *want[] = {"D_PORT=tcp://1.2.3.4:6379",
                              "D_PORT_6379_TCP=tcp://1.2.3.4:6379",
                              "D_PORT_6379_TCP_ADDR=1.2.3.4",
                              "D_PORT_6379_TCP_PORT=6379",
                              "D_PORT_6379_TCP_PROTO=tcp",
                              "D_PORT_6380_TCP=tcp://1.2.3.4:6380",
                              "D_PORT_6380_TCP_ADDR=1.2.3.4",
                              "D_PORT_6380_TCP_PORT=6380",
                              "D_PORT_6380_TCP_PROTO=tcp",
                              "D_PORT_6381_TCP=tcp://1.2.3.4:6381",
                              "D_PORT_6381_TCP_ADDR=1.2.3.4",
                              "D_PORT_6381_TCP_PORT=6381",
                              "D_PORT_6381_TCP_PROTO=tcp",
                              "D_PORT_6379_TCP_START=tcp://1.2.3.4:6379",
                              "D_PORT_6379_TCP_PORT_START=6379",
                              "D_PORT_6379_TCP_END=tcp://1.2.3.4:6381",
                              "D_PORT_6379_TCP_PORT_END=6381",
                              "D_PORT_53_SCTP=sctp://1.2.3.4:53",
                              "D_PORT_53_SCTP_ADDR=1.2.3.4",
                              "D_PORT_53_SCTP_PORT=53",
                              "D_PORT_53_SCTP_PROTO=sctp",
                              "D_PORT_6300_UDP=udp://1.2.3.4:6300",
                              "D_PORT_6300_UDP_ADDR=1.2.3.4",
                              "D_PORT_6300_UDP_PORT=6300",
                              "D_PORT_6300_UDP_PROTO=udp",
                              "D_PORT_6382_UDP=udp://1.2.3.4:6382",
                              "D_PORT_6382_UDP_ADDR=1.2.3.4",
                              "D_PORT_6382_UDP_PORT=6382",
                              "D_PORT_6382_UDP_PROTO=udp",
                              "D_NAME=/p/d",
                              NULL};
        assert_strv(got, want);
}

static void test_hosts_lines(void **state)
{
        (void)state;
        _cleanup_free_ char *hosts = NULL;
        assert_int_equal(
            links_hosts_lines(&hosts, "webdb", "0123456789ab", "db", "172.17.0.2", NULL), 0);
        assert_string_equal(hosts, "172.17.0.2\twebdb 0123456789ab db\n");
        /* the name is not repeated when it is the alias; IPv6 too */
        assert_int_equal(links_hosts_lines(&hosts, "cache", "c1", "cache", "172.17.0.3", "fd00::3"),
                         0);
        assert_string_equal(hosts, "172.17.0.2\twebdb 0123456789ab db\n"
                                   "172.17.0.3\tcache c1\n"
                                   "fd00::3\tcache c1\n");
}

static void test_apply(void **state)
{
        (void)state;
        _cleanup_json_ json_t *none = parse("{}");
        _cleanup_json_ json_t *dflt = parse("{\"Links\": [\"db:x\"]}");
        _cleanup_json_ json_t *bridge =
            parse("{\"Links\": [\"db:x\"], \"NetworkMode\": \"bridge\"}");
        _cleanup_json_ json_t *deflt =
            parse("{\"Links\": [\"db:x\"], \"NetworkMode\": \"default\"}");
        _cleanup_json_ json_t *user = parse("{\"Links\": [\"db:x\"], \"NetworkMode\": \"mynet\"}");
        _cleanup_json_ json_t *empty = parse("{\"Links\": [], \"NetworkMode\": \"bridge\"}");
        assert_false(engine_links_apply(none));
        assert_true(engine_links_apply(dflt));
        assert_true(engine_links_apply(bridge));
        assert_true(engine_links_apply(deflt));
        /* user networks: links are DNS aliases there, not legacy links */
        assert_false(engine_links_apply(user));
        assert_false(engine_links_apply(empty));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse),
            cmocka_unit_test(test_env_one_port),
            cmocka_unit_test(test_env_alias_and_no_ports),
            cmocka_unit_test(test_env_ports_sorted_and_ranges),
            cmocka_unit_test(test_hosts_lines),
            cmocka_unit_test(test_apply),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
