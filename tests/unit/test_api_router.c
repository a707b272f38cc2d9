/* Unit tests for the API router and the helpers that need no connection:
 * versions, path parameters, booleans, filters, the errno→status table,
 * and the host facts of /info. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "daemon/api.h"
#include "daemon/api_router.h"
#include "daemon/sysinfo.h"

static int h_a(ApiRequest *req, void *ud, BerthError **err)
{
        return 0;
}

static int h_b(ApiRequest *req, void *ud, BerthError **err)
{
        return 0;
}

static ApiRouter *make_router(void)
{
        ApiRouter *r = api_router_new();
        assert_non_null(r);
        assert_int_equal(api_router_add(r, "GET", "/_ping", h_a, NULL, 0, 0), 0);
        assert_int_equal(api_router_add(r, "GET", "/containers/{id}/json", h_a, NULL, 0, 0), 0);
        assert_int_equal(api_router_add(r, "POST", "/containers/{id}/start", h_b, NULL, 0, 0), 0);
        assert_int_equal(api_router_add(r, "GET", "/images/{name*}/json", h_b, NULL, 0, 0), 0);
        assert_int_equal(api_router_add(r, "POST", "/images/{name*}/tag", h_a, (void *)"tag", 0, 0),
                         0);
        return r;
}

static void test_route_unversioned(void **state)
{
        ApiRouter *r = make_router();
        ApiMatch m;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(api_router_match(r, "GET", "/containers/abc123/json", &m, &err), 0);
        assert_ptr_equal(api_route_handler(m.route), h_a);
        assert_string_equal(m.version, "");
        assert_string_equal(api_match_param(&m, "id"), "abc123");
        assert_null(api_match_param(&m, "name"));
        api_match_clear(&m);
        api_router_free(r);
}

static void test_route_versioned(void **state)
{
        ApiRouter *r = make_router();
        ApiMatch m;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(api_router_match(r, "POST", "/v1.41/containers/x/start", &m, &err), 0);
        assert_ptr_equal(api_route_handler(m.route), h_b);
        assert_string_equal(m.version, "1.41");
        assert_string_equal(api_match_param(&m, "id"), "x");
        api_match_clear(&m);
        /* both ends of the supported range */
        assert_int_equal(api_router_match(r, "GET", "/v1.24/_ping", &m, &err), 0);
        api_match_clear(&m);
        assert_int_equal(api_router_match(r, "GET", "/v" API_MAX_VERSION "/_ping", &m, &err), 0);
        api_match_clear(&m);
        api_router_free(r);
}

static void test_route_greedy_param(void **state)
{
        ApiRouter *r = make_router();
        ApiMatch m;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(
            api_router_match(r, "GET", "/v1.41/images/reg:5000/library/busybox/json", &m, &err), 0);
        assert_string_equal(api_match_param(&m, "name"), "reg:5000/library/busybox");
        api_match_clear(&m);
        assert_int_equal(api_router_match(r, "POST", "/images/busybox/tag", &m, &err), 0);
        assert_string_equal(api_match_param(&m, "name"), "busybox");
        assert_string_equal(api_route_userdata(m.route), "tag");
        api_match_clear(&m);
        /* a greedy parameter still needs one segment */
        assert_int_equal(api_router_match(r, "GET", "/images/json", &m, &err), -ENOENT);
        api_router_free(r);
}

static void test_route_not_found(void **state)
{
        ApiRouter *r = make_router();
        ApiMatch m;
        BerthError *err = NULL;
        assert_int_equal(api_router_match(r, "GET", "/nope", &m, &err), -ENOENT);
        assert_string_equal(err->message, "page not found");
        err = error_free(err);
        /* wrong method: Docker answers 404 page not found too */
        assert_int_equal(api_router_match(r, "DELETE", "/_ping", &m, &err), -ENOENT);
        assert_string_equal(err->message, "page not found");
        err = error_free(err);
        /* not a version prefix: no route */
        assert_int_equal(api_router_match(r, "GET", "/v1.x/_ping", &m, &err), -ENOENT);
        err = error_free(err);
        /* a version on an unknown path is a 404, not a version error */
        assert_int_equal(api_router_match(r, "GET", "/v1.12/nope", &m, &err), -ENOENT);
        err = error_free(err);
        /* trailing segments do not match */
        assert_int_equal(api_router_match(r, "GET", "/containers/a/json/x", &m, &err), -ENOENT);
        err = error_free(err);
        api_router_free(r);
}

static void test_route_version_errors(void **state)
{
        ApiRouter *r = make_router();
        ApiMatch m;
        BerthError *err = NULL;
        assert_int_equal(api_router_match(r, "GET", "/v1.12/_ping", &m, &err), -EINVAL);
        assert_string_equal(err->message,
                            "client version 1.12 is too old. Minimum supported API version is "
                            "1.24, please upgrade your client to a newer version");
        assert_int_equal(api_status_from_errno(err->code), 400);
        err = error_free(err);
        assert_int_equal(api_router_match(r, "GET", "/v1.57/_ping", &m, &err), -EINVAL);
        assert_string_equal(err->message, "client version 1.57 is too new. Maximum supported "
                                          "API version is " API_MAX_VERSION);
        err = error_free(err);
        assert_int_equal(api_router_match(r, "GET", "/v2/_ping", &m, &err), -EINVAL);
        err = error_free(err);
        api_router_free(r);
}

static void test_route_bad_patterns(void **state)
{
        ApiRouter *r = api_router_new();
        assert_int_equal(api_router_add(r, "GET", "nope", h_a, NULL, 0, 0), -EINVAL);
        assert_int_equal(api_router_add(r, "GET", "/a/{id", h_a, NULL, 0, 0), -EINVAL);
        assert_int_equal(api_router_add(r, "GET", "/a/x{id}", h_a, NULL, 0, 0), -EINVAL);
        assert_int_equal(api_router_add(r, "", "/a", h_a, NULL, 0, 0), -EINVAL);
        assert_int_equal(api_router_add(r, "GET", "/a", NULL, NULL, 0, 0), -EINVAL);
        assert_int_equal(api_router_add(r, "GET", "/a/{id}", h_a, NULL, API_ROUTE_NO_BODY, 77), 0);
        ApiMatch m;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(api_router_match(r, "GET", "//a//7/", &m, &err), 0);
        assert_string_equal(api_match_param(&m, "id"), "7");
        assert_int_equal(api_route_flags(m.route), API_ROUTE_NO_BODY);
        assert_int_equal(api_route_body_limit(m.route), 77);
        api_match_clear(&m);
        api_router_free(r);
}

static void test_route_long_path(void **state)
{
        ApiRouter *r = make_router();
        char path[1024] = "";
        for (int i = 0; i < 100; i++)
                strcat(path, "/a");
        ApiMatch m;
        BerthError *err = NULL;
        assert_int_equal(api_router_match(r, "GET", path, &m, &err), -ENOENT);
        error_free(err);
        api_router_free(r);
}

static void test_version_compare(void **state)
{
        assert_true(api_version_compare("1.24", "1.24") == 0);
        assert_true(api_version_compare("1.9", "1.24") < 0);
        assert_true(api_version_compare("1.100", "1.56") > 0);
        assert_true(api_version_compare("1.24.0", "1.24") == 0);
        assert_true(api_version_compare("2", "1.56") > 0);
        assert_true(api_version_compare("1..5", "1.0.5") == 0);
        assert_true(api_version_compare("", "0") == 0);
}

static void test_parse_bool(void **state)
{
        const char *truthy[] = {"1", "true", "True", "TRUE", "yes", " 1 ", "anything"};
        const char *falsy[] = {"", "0", "false", "False", "no", "NO", "none", " false "};
        for (size_t i = 0; i < ARRAY_SIZE(truthy); i++)
                assert_true(api_parse_bool(truthy[i]));
        for (size_t i = 0; i < ARRAY_SIZE(falsy); i++)
                assert_false(api_parse_bool(falsy[i]));
        assert_false(api_parse_bool(NULL));
}

static void assert_values(json_t *arr, const char *a, const char *b)
{
        assert_non_null(arr);
        assert_int_equal(json_array_size(arr), b ? 2 : 1);
        assert_string_equal(json_string_value(json_array_get(arr, 0)), a);
        if (b)
                assert_string_equal(json_string_value(json_array_get(arr, 1)), b);
}

static void test_filters_forms(void **state)
{
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_json_ json_t *f = NULL;
        assert_int_equal(
            api_filters_parse("{\"label\":{\"a=b\":true,\"c\":true},\"status\":{\"running\":true}}",
                              &f, &err),
            0);
        assert_values(api_filters_get(f, "label"), "a=b", "c");
        assert_values(api_filters_get(f, "status"), "running", NULL);
        assert_null(api_filters_get(f, "name"));
        json_decref(f);
        /* the legacy list form, duplicates collapse as in Docker's sets */
        assert_int_equal(api_filters_parse("{\"label\":[\"a=b\",\"a=b\",\"x\"]}", &f, &err), 0);
        assert_values(api_filters_get(f, "label"), "a=b", "x");
        json_decref(f);
        assert_int_equal(api_filters_parse("", &f, &err), 0);
        assert_int_equal(json_object_size(f), 0);
        json_decref(f);
        assert_int_equal(api_filters_parse(NULL, &f, &err), 0);
        assert_int_equal(json_object_size(f), 0);
}

static void test_filters_errors(void **state)
{
        json_t *f = NULL;
        BerthError *err = NULL;
        assert_int_equal(api_filters_parse("{nope", &f, &err), -EINVAL);
        assert_non_null(strstr(err->message, "invalid filters"));
        err = error_free(err);
        /* jansson quotes the bad text; the message stays on one line */
        assert_int_equal(api_filters_parse("{\"\\\n\n\n", &f, &err), -EINVAL);
        assert_null(strchr(err->message, '\n'));
        err = error_free(err);
        assert_int_equal(api_filters_parse("[1]", &f, &err), -EINVAL);
        err = error_free(err);
        assert_int_equal(api_filters_parse("{\"label\":[1]}", &f, &err), -EINVAL);
        assert_string_equal(err->message,
                            "invalid filters: label[0]: expected a string, got an integer");
        err = error_free(err);
        assert_int_equal(api_filters_parse("{\"label\":{\"a\":\"yes\"}}", &f, &err), -EINVAL);
        assert_string_equal(err->message,
                            "invalid filters: label.a: expected a boolean, got a string");
        err = error_free(err);
        assert_int_equal(api_filters_parse("{\"label\":5}", &f, &err), -EINVAL);
        err = error_free(err);

        assert_int_equal(api_filters_parse("{\"label\":[\"a\"],\"bogus\":[\"x\"]}", &f, &err), 0);
        static const char *const allowed[] = {"label", "status", NULL};
        assert_int_equal(api_filters_validate(f, allowed, &err), -EINVAL);
        assert_string_equal(err->message, "invalid filter 'bogus'");
        err = error_free(err);
        json_object_del(f, "bogus");
        assert_int_equal(api_filters_validate(f, allowed, &err), 0);
        json_decref(f);

        /* a name with a (JSON-escaped) newline: still one line */
        assert_int_equal(api_filters_parse("{\"o\\nta\":[\"a=b\"]}", &f, &err), 0);
        assert_int_equal(api_filters_validate(f, allowed, &err), -EINVAL);
        assert_string_equal(err->message, "invalid filter 'o ta'");
        err = error_free(err);
        json_decref(f);
        assert_int_equal(api_filters_parse("{\"x\\ny\":7}", &f, &err), -EINVAL);
        assert_null(strchr(err->message, '\n'));
        err = error_free(err);
}

static void test_status_mapping(void **state)
{
        static const struct {
                int code;
                unsigned status;
        } table[] = {
            {ENOENT, 404}, {-ENOENT, 404}, {EEXIST, 409}, {EBUSY, 409},  {EINVAL, 400},
            {-EPERM, 403}, {EIO, 500},     {ENOMEM, 500}, {EACCES, 500}, {EFBIG, 413},
        };
        for (size_t i = 0; i < ARRAY_SIZE(table); i++)
                assert_int_equal(api_status_from_errno(table[i].code), table[i].status);
}

static void test_os_release(void **state)
{
        char dir[] = "/tmp/test_api_osr.XXXXXX";
        assert_non_null(mkdtemp(dir));
        char path[256];
        snprintf(path, sizeof(path), "%s/os-release", dir);
        const char *text = "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n"
                           "PRETTY_NAME=\"Debian \\\"GNU\\\"/Linux 12 (bookworm)\"\nID=debian\n";
        assert_int_equal(write_file_atomic(path, text, strlen(text), 0644, NULL), 0);
        _cleanup_free_ char *name = NULL, *version = NULL;
        assert_int_equal(sysinfo_os_release(path, &name, &version, NULL), 0);
        assert_string_equal(name, "Debian \"GNU\"/Linux 12 (bookworm)");
        assert_string_equal(version, "12");
        free(name);
        free(version);
        const char *plain = "NAME=Alpine\n";
        assert_int_equal(write_file_atomic(path, plain, strlen(plain), 0644, NULL), 0);
        assert_int_equal(sysinfo_os_release(path, &name, &version, NULL), 0);
        assert_string_equal(name, "Alpine");
        assert_string_equal(version, "");
        free(name);
        free(version);
        name = version = NULL;
        unlink(path);
        BerthError *err = NULL;
        assert_int_equal(sysinfo_os_release(path, &name, &version, &err), -ENOENT);
        error_free(err);
        rmdir(dir);
}

static void test_sysinfo_facts(void **state)
{
        assert_string_equal(sysinfo_go_arch("x86_64"), "amd64");
        assert_string_equal(sysinfo_go_arch("aarch64"), "arm64");
        assert_string_equal(sysinfo_go_arch("armv7l"), "arm");
        assert_string_equal(sysinfo_go_arch("mips"), "mips");
        assert_true(sysinfo_ncpu() >= 1);
        assert_true(sysinfo_mem_total() > 0);
}

static void test_engine_id(void **state)
{
        char dir[] = "/tmp/test_api_id.XXXXXX";
        assert_non_null(mkdtemp(dir));
        _cleanup_free_ char *a = NULL, *b = NULL;
        assert_int_equal(sysinfo_engine_id(dir, &a, NULL), 0);
        assert_int_equal(strlen(a), 36);
        assert_int_equal(a[14], '4'); /* version 4 */
        assert_int_equal(sysinfo_engine_id(dir, &b, NULL), 0);
        assert_string_equal(a, b); /* persisted */
        char path[256];
        snprintf(path, sizeof(path), "%s/engine-id", dir);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_route_unversioned),
            cmocka_unit_test(test_route_versioned),
            cmocka_unit_test(test_route_greedy_param),
            cmocka_unit_test(test_route_not_found),
            cmocka_unit_test(test_route_version_errors),
            cmocka_unit_test(test_route_bad_patterns),
            cmocka_unit_test(test_route_long_path),
            cmocka_unit_test(test_version_compare),
            cmocka_unit_test(test_parse_bool),
            cmocka_unit_test(test_filters_forms),
            cmocka_unit_test(test_filters_errors),
            cmocka_unit_test(test_status_mapping),
            cmocka_unit_test(test_os_release),
            cmocka_unit_test(test_sysinfo_facts),
            cmocka_unit_test(test_engine_id),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
