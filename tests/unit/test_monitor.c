/* Unit tests for the daemon side of berth-monitor's streams: detach keys
 * parsed as Docker parses them and applied to attach input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "daemon/api_attach_internal.h"

static void test_detach_keys_parse(void **state)
{
        (void)state;
        uint8_t k[API_DETACH_KEYS_MAX];
        size_t n = 0;
        assert_int_equal(api_detach_keys_parse(NULL, k, &n, NULL), 0);
        assert_int_equal(n, 2);
        assert_int_equal(k[0], 16); /* ctrl-p */
        assert_int_equal(k[1], 17); /* ctrl-q */
        assert_int_equal(api_detach_keys_parse("", k, &n, NULL), 0);
        assert_int_equal(n, 2);
        assert_int_equal(api_detach_keys_parse("ctrl-@,CTRL-A,ctrl-z,ctrl-[,ctrl-\\,ctrl-],ctrl-^,"
                                               "ctrl-_,a,,",
                                               k, &n, NULL),
                         -EINVAL); /* an empty key is not a key */
        assert_int_equal(api_detach_keys_parse("ctrl-@,CTRL-A,ctrl-z,ctrl-[,ctrl-\\,ctrl-],ctrl-^,"
                                               "ctrl-_,a,,,X",
                                               k, &n, NULL),
                         -EINVAL);
        assert_int_equal(api_detach_keys_parse("ctrl-@,CTRL-A,ctrl-z,ctrl-[,ctrl-\\,ctrl-],ctrl-^,"
                                               "ctrl-_,a,X",
                                               k, &n, NULL),
                         0);
        const uint8_t want[] = {0, 1, 26, 27, 28, 29, 30, 31, 'a', 'X'};
        assert_int_equal(n, sizeof(want));
        assert_memory_equal(k, want, sizeof(want));
        /* as in Docker, a comma cannot be a key: "a,,,b" has empty keys */
        assert_int_equal(api_detach_keys_parse("a,,,b", k, &n, NULL), -EINVAL);

        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(api_detach_keys_parse("ctrl-1", k, &n, &err), -EINVAL);
        assert_string_equal(err->message, "Invalid detach keys (ctrl-1) provided");
        assert_int_equal(api_detach_keys_parse("ab", k, &n, NULL), -EINVAL);
        assert_int_equal(api_detach_keys_parse("ctrl-", k, &n, NULL), -EINVAL);
        assert_int_equal(api_detach_keys_parse("ctrl-pp", k, &n, NULL), -EINVAL);
}

static void test_detach_filter(void **state)
{
        (void)state;
        ApiDetachFilter f = {.keys = {16, 17}, .n = 2};
        uint8_t out[64 + API_DETACH_KEYS_MAX];
        size_t n;
        /* plain bytes go through */
        assert_false(api_detach_filter(&f, (const uint8_t *)"abc", 3, out, &n));
        assert_int_equal(n, 3);
        assert_memory_equal(out, "abc", 3);
        /* ctrl-p is held back, then released when the sequence breaks */
        assert_false(api_detach_filter(&f, (const uint8_t *)"x\x10", 2, out, &n));
        assert_int_equal(n, 1);
        assert_false(api_detach_filter(&f, (const uint8_t *)"y", 1, out, &n));
        assert_int_equal(n, 2);
        assert_memory_equal(out, "\x10y", 2);
        /* ctrl-p ctrl-p ctrl-q: the first is released, the pair detaches */
        assert_true(api_detach_filter(&f, (const uint8_t *)"z\x10\x10\x11rest", 8, out, &n));
        assert_int_equal(n, 2);
        assert_memory_equal(out, "z\x10", 2);
        /* across calls */
        f.matched = 0;
        assert_false(api_detach_filter(&f, (const uint8_t *)"\x10", 1, out, &n));
        assert_int_equal(n, 0);
        assert_true(api_detach_filter(&f, (const uint8_t *)"\x11", 1, out, &n));
        assert_int_equal(n, 0);
        /* no keys: never detaches */
        ApiDetachFilter none = {.n = 0};
        assert_false(api_detach_filter(&none, (const uint8_t *)"\x10\x11", 2, out, &n));
        assert_int_equal(n, 2);
        /* one key */
        ApiDetachFilter one = {.keys = {'q'}, .n = 1};
        assert_true(api_detach_filter(&one, (const uint8_t *)"abq", 3, out, &n));
        assert_int_equal(n, 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_detach_keys_parse),
            cmocka_unit_test(test_detach_filter),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
