/* Unit tests for src/common: errors, strv, JSON getters, atomic files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/strv.h"

static void test_error_prefix(void **state)
{
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(error_set(&err, ENOENT, "open '%s'", "x"), -ENOENT);
        /* a second set keeps the first error */
        assert_int_equal(error_set(&err, EINVAL, "ignored"), -EINVAL);
        assert_int_equal(error_prefix(&err, "load"), -ENOENT);
        assert_string_equal(err->message, "load: open 'x'");
        assert_int_equal(err->code, ENOENT);
}

static void test_error_errno(void **state)
{
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(error_set_errno(&err, -EACCES, "mount '%s'", "/a"), -EACCES);
        assert_string_equal(err->message, "mount '/a': Permission denied");
}

static void test_strv(void **state)
{
        _cleanup_strv_free_ char **v = NULL;
        assert_int_equal(strv_append(&v, "a"), 0);
        assert_int_equal(strv_append(&v, "b"), 0);
        assert_int_equal(strv_length(v), 2);
        assert_true(strv_contains(v, "b"));
        assert_false(strv_contains(v, "c"));
        _cleanup_strv_free_ char **c = strv_copy(v);
        assert_string_equal(c[1], "b");
        assert_null(c[2]);
}

static void test_json_getters(void **state)
{
        _cleanup_json_ json_t *doc = NULL;
        _cleanup_error_ BerthError *err = NULL;
        const char *text = "{\"process\": {\"args\": [], \"cwd\": 5, \"n\": 3}}";
        assert_int_equal(json_parse_buffer(text, strlen(text), "config.json", &doc, &err), 0);
        json_t *proc = NULL;
        assert_int_equal(json_get_object(doc, "", "process", true, &proc, &err), 1);
        char **args = NULL;
        assert_int_equal(json_get_strv(proc, "process", "args", true, true, &args, &err), -EINVAL);
        assert_string_equal(err->message, "process.args: expected a non-empty array of strings");
        err = error_free(err);
        const char *cwd = NULL;
        assert_int_equal(json_get_string(proc, "process", "cwd", true, &cwd, &err), -EINVAL);
        assert_string_equal(err->message, "process.cwd: expected a string, got an integer");
        err = error_free(err);
        assert_int_equal(json_get_string(proc, "process", "missing", false, &cwd, &err), 0);
        assert_int_equal(json_get_string(proc, "process", "missing", true, &cwd, &err), -EINVAL);
        assert_string_equal(err->message, "process.missing: required field is missing");
        err = error_free(err);
        uint64_t n = 0;
        assert_int_equal(json_get_uint64(proc, "process", "n", true, 2, &n, &err), -EINVAL);
        err = error_free(err);
        assert_int_equal(json_get_uint64(proc, "process", "n", true, 10, &n, &err), 1);
        assert_int_equal(n, 3);
}

static void test_json_bad_document(void **state)
{
        json_t *doc = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(json_parse_buffer("{", 1, "config.json", &doc, &err), -EINVAL);
        assert_non_null(strstr(err->message, "config.json: invalid JSON"));
}

static void test_atomic_write(void **state)
{
        char dir[] = "/tmp/berth-test-XXXXXX";
        assert_non_null(mkdtemp(dir));
        _cleanup_free_ char *path = NULL;
        assert_true(asprintf(&path, "%s/sub/f", dir) > 0);
        _cleanup_free_ char *sub = NULL;
        assert_true(asprintf(&sub, "%s/sub", dir) > 0);
        assert_int_equal(mkdir_p(sub, 0755, NULL), 0);
        assert_int_equal(write_file_atomic(path, "hello", 5, 0600, NULL), 0);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        assert_int_equal(read_file(path, &buf, &len, NULL), 0);
        assert_int_equal(len, 5);
        assert_string_equal(buf, "hello");
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(rm_rf(dir, NULL), 0);
        assert_int_equal(access(dir, F_OK), -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_error_prefix),
            cmocka_unit_test(test_error_errno),
            cmocka_unit_test(test_strv),
            cmocka_unit_test(test_json_getters),
            cmocka_unit_test(test_json_bad_document),
            cmocka_unit_test(test_atomic_write),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
