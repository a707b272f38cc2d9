/* Unit tests for the exec helpers that need no container: users resolved
 * in a root filesystem, the exec's OCI process, detach keys. */
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
#include "daemon/api_exec_proc.h"

static char root[64];

static int setup(void **state)
{
        strcpy(root, "/tmp/test_api_exec.XXXXXX");
        if (!mkdtemp(root))
                return -1;
        char path[128];
        snprintf(path, sizeof(path), "%s/etc", root);
        mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/etc/passwd", root);
        const char *pw = "root:x:0:0:root:/root:/bin/sh\n"
                         "# comment\n"
                         "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                         "www:x:33:44:www:/var/www:/bin/false\n"
                         "1000:x:2000:2001:numeric name:/:/bin/sh\n";
        if (write_file_atomic(path, pw, strlen(pw), 0644, NULL) < 0)
                return -1;
        snprintf(path, sizeof(path), "%s/etc/group", root);
        const char *gr = "root:x:0:\n"
                         "staff:x:50:www,daemon\n"
                         "web:x:44:\n"
                         "audio:x:29: www\n";
        if (write_file_atomic(path, gr, strlen(gr), 0644, NULL) < 0)
                return -1;
        /* a symlink out of the root must stay inside it */
        snprintf(path, sizeof(path), "%s/evil", root);
        mkdir(path, 0755);
        return 0;
}

static int teardown(void **state)
{
        rm_rf(root, NULL);
        return 0;
}

static void test_resolve_user(void **state)
{
        uint32_t uid = 99, gid = 99, *gids = NULL;
        size_t n = 0;
        assert_int_equal(api_exec_resolve_user(root, "www", &uid, &gid, &gids, &n, NULL), 0);
        assert_int_equal(uid, 33);
        assert_int_equal(gid, 44);
        assert_int_equal(n, 2); /* staff and audio */
        assert_int_equal(gids[0], 50);
        assert_int_equal(gids[1], 29);
        free(gids);
        gids = NULL;
        assert_int_equal(api_exec_resolve_user(root, "33:staff", &uid, &gid, NULL, NULL, NULL), 0);
        assert_int_equal(uid, 33);
        assert_int_equal(gid, 50);
        /* numbers need no entry */
        assert_int_equal(api_exec_resolve_user(root, "4242:4343", &uid, &gid, NULL, NULL, NULL), 0);
        assert_int_equal(uid, 4242);
        assert_int_equal(gid, 4343);
        assert_int_equal(api_exec_resolve_user(root, "4242", &uid, &gid, NULL, NULL, NULL), 0);
        assert_int_equal(gid, 0);
        /* a name wins over a uid */
        assert_int_equal(api_exec_resolve_user(root, "1000", &uid, &gid, NULL, NULL, NULL), 0);
        assert_int_equal(uid, 2000);
        assert_int_equal(gid, 2001);
        assert_int_equal(api_exec_resolve_user(root, "daemon", &uid, &gid, &gids, &n, NULL), 0);
        assert_int_equal(uid, 1);
        assert_int_equal(n, 1);
        free(gids);
        BerthError *err = NULL;
        assert_int_equal(api_exec_resolve_user(root, "nobody", &uid, &gid, NULL, NULL, &err),
                         -EINVAL);
        assert_string_equal(err->message,
                            "unable to find user nobody: no matching entries in passwd file");
        err = error_free(err);
        assert_int_equal(api_exec_resolve_user(root, "root:nogroup", &uid, &gid, NULL, NULL, &err),
                         -EINVAL);
        assert_non_null(strstr(err->message, "unable to find group nogroup"));
        err = error_free(err);
        /* a root without /etc/passwd: only numbers */
        char empty[128];
        snprintf(empty, sizeof(empty), "%s/evil", root);
        assert_int_equal(api_exec_resolve_user(empty, "0:0", &uid, &gid, NULL, NULL, NULL), 0);
        assert_int_equal(api_exec_resolve_user(empty, "root", &uid, &gid, NULL, NULL, NULL),
                         -EINVAL);
}

static void test_build_process(void **state)
{
        _cleanup_json_ json_t *base = json_loads(
            "{\"terminal\":false,\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},"
            "\"env\":[\"PATH=/bin\",\"HOME=/root\"],\"noNewPrivileges\":true,"
            "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]}}",
            0, NULL);
        _cleanup_json_ json_t *cfg = json_loads(
            "{\"Cmd\":[\"ls\",\"-l\"],\"Env\":[\"HOME=/tmp\",\"X=1\"],\"WorkingDir\":\"/srv\","
            "\"User\":\"www\",\"Tty\":true,\"ConsoleSize\":[24,80]}",
            0, NULL);
        json_t *p = NULL;
        assert_int_equal(api_exec_build_process(base, cfg, root, &p, NULL), 0);
        _cleanup_json_ json_t *want = json_loads(
            "{\"terminal\":true,\"args\":[\"ls\",\"-l\"],\"cwd\":\"/srv\",\"user\":{\"uid\":33,"
            "\"gid\":44,\"additionalGids\":[50,29]},\"env\":[\"PATH=/bin\",\"HOME=/tmp\",\"X=1\"],"
            "\"noNewPrivileges\":true,\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]},"
            "\"consoleSize\":{\"height\":24,\"width\":80}}",
            0, NULL);
        if (!json_equal(p, want)) {
                char *s = json_dumps(p, JSON_SORT_KEYS);
                fprintf(stderr, "# got %s\n", s);
                free(s);
        }
        assert_true(json_equal(p, want));
        json_decref(p);
        /* the base is not modified */
        assert_string_equal(json_string_value(json_array_get(json_object_get(base, "args"), 0)),
                            "sh");
        /* privileged: every capability */
        _cleanup_json_ json_t *priv = json_loads("{\"Cmd\":[\"id\"],\"Privileged\":true}", 0, NULL);
        assert_int_equal(api_exec_build_process(base, priv, root, &p, NULL), 0);
        json_t *bounding = json_object_get(json_object_get(p, "capabilities"), "bounding");
        assert_true(json_array_size(bounding) >= 38);
        assert_true(json_is_false(json_object_get(p, "terminal")));
        assert_null(json_object_get(p, "consoleSize"));
        json_decref(p);
        /* errors */
        BerthError *err = NULL;
        _cleanup_json_ json_t *nocmd = json_loads("{\"Cmd\":[]}", 0, NULL);
        assert_int_equal(api_exec_build_process(base, nocmd, root, &p, &err), -EINVAL);
        assert_string_equal(err->message, "No exec command specified");
        err = error_free(err);
        _cleanup_json_ json_t *rel =
            json_loads("{\"Cmd\":[\"x\"],\"WorkingDir\":\"rel\"}", 0, NULL);
        assert_int_equal(api_exec_build_process(base, rel, root, &p, &err), -EINVAL);
        err = error_free(err);
        _cleanup_json_ json_t *nouser = json_loads("{\"Cmd\":[\"x\"],\"User\":\"ghost\"}", 0, NULL);
        assert_int_equal(api_exec_build_process(base, nouser, root, &p, &err), -EINVAL);
        err = error_free(err);
}

static void test_detach_keys(void **state)
{
        unsigned char k[16];
        size_t n = 0;
        assert_int_equal(api_exec_parse_detach_keys(NULL, k, sizeof(k), &n, NULL), 0);
        assert_int_equal(n, 2);
        assert_int_equal(k[0], 16);
        assert_int_equal(k[1], 17);
        assert_int_equal(
            api_exec_parse_detach_keys("ctrl-a,x,ctrl-@,ctrl-[,ctrl-_,DEL", k, sizeof(k), &n, NULL),
            0);
        assert_int_equal(n, 6);
        assert_memory_equal(k, "\x01x\x00\x1b\x1f\x7f", 6);
        BerthError *err = NULL;
        assert_int_equal(api_exec_parse_detach_keys("ctrl-1", k, sizeof(k), &n, &err), -EINVAL);
        assert_string_equal(err->message, "Unknown character: 'ctrl-1'");
        err = error_free(err);
        assert_int_equal(api_exec_parse_detach_keys("abc", k, sizeof(k), &n, NULL), -EINVAL);
        assert_int_equal(api_exec_parse_detach_keys(",", k, sizeof(k), &n, NULL), -EINVAL);
}

static void test_detach_scan(void **state)
{
        const unsigned char keys[] = {16, 17};
        DetachScanner d = {.keys = keys, .n_keys = 2};
        unsigned char out[64];
        bool det = false;
        size_t n = detach_scan(&d, (const unsigned char *)"hello", 5, out, &det);
        assert_int_equal(n, 5);
        assert_false(det);
        assert_memory_equal(out, "hello", 5);
        /* a broken sequence is passed through, across calls */
        n = detach_scan(&d, (const unsigned char *)"a\x10", 2, out, &det);
        assert_int_equal(n, 1);
        n = detach_scan(&d, (const unsigned char *)"b", 1, out, &det);
        assert_int_equal(n, 2);
        assert_memory_equal(out,
                            "\x10"
                            "b",
                            2);
        /* ctrl-p ctrl-p ctrl-q: the first ctrl-p passes, then detach */
        n = detach_scan(&d, (const unsigned char *)"x\x10\x10\x11tail", 8, out, &det);
        assert_true(det);
        assert_int_equal(n, 2);
        assert_memory_equal(out, "x\x10", 2);
        /* split across reads */
        det = false;
        n = detach_scan(&d, (const unsigned char *)"\x10", 1, out, &det);
        assert_int_equal(n, 0);
        assert_false(det);
        n = detach_scan(&d, (const unsigned char *)"\x11", 1, out, &det);
        assert_true(det);
        /* no keys: everything passes */
        DetachScanner none = {0};
        n = detach_scan(&none, (const unsigned char *)"\x10\x11", 2, out, &det);
        assert_int_equal(n, 2);
        assert_false(det);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_resolve_user),
            cmocka_unit_test(test_build_process),
            cmocka_unit_test(test_detach_keys),
            cmocka_unit_test(test_detach_scan),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
