/* Unit tests for src/runtime/hooks.c: hooks run in order with the state on
 * stdin, their own args and env, within their timeout; failures are sentences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/fileutil.h"
#include "runtime/hooks.h"

#define SH "/bin/sh"

static char tmpdir[64];

static int setup(void **state)
{
        strcpy(tmpdir, "/tmp/berth-test-hooks-XXXXXX");
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
        return rm_rf(tmpdir, NULL) < 0 ? -1 : 0;
}

/* A path in the test's directory, valid until the next call with the same slot. */
static const char *tpath(int slot, const char *name)
{
        static char buf[4][256];
        snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", tmpdir, name);
        return buf[slot];
}

static char *read_text(const char *path)
{
        char *buf = NULL;
        if (read_file(path, &buf, NULL, NULL) < 0)
                return NULL;
        return buf;
}

/* A hook running `sh -c script`. The strings live in the caller. */
static RtHook sh_hook(char **argv)
{
        return (RtHook){.path = SH, .args = argv};
}

static int run_stage(RtHookStage stage, RtHook *hooks, size_t n, const char *state_json,
                     BerthError **err)
{
        RtSpec spec = {0};
        spec.hooks[stage].hooks = hooks;
        spec.hooks[stage].n = n;
        return rt_hooks_run(&spec, stage, state_json, err);
}

static void test_stage_names(void **state)
{
        assert_string_equal(rt_hook_stage_name(RT_HOOK_PRESTART), "prestart");
        assert_string_equal(rt_hook_stage_name(RT_HOOK_CREATE_RUNTIME), "createRuntime");
        assert_string_equal(rt_hook_stage_name(RT_HOOK_CREATE_CONTAINER), "createContainer");
        assert_string_equal(rt_hook_stage_name(RT_HOOK_START_CONTAINER), "startContainer");
        assert_string_equal(rt_hook_stage_name(RT_HOOK_POSTSTART), "poststart");
        assert_string_equal(rt_hook_stage_name(RT_HOOK_POSTSTOP), "poststop");
        assert_null(rt_hook_stage_name(RT_HOOK_STAGE_COUNT));
}

static void test_empty_stage(void **state)
{
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(run_stage(RT_HOOK_PRESTART, NULL, 0, "{}", &err), 0);
        assert_null(err);
}

static void test_hooks_run_in_order(void **state)
{
        char s1[300], s2[300];
        const char *out = tpath(0, "order");
        snprintf(s1, sizeof(s1), "echo one >> %s", out);
        snprintf(s2, sizeof(s2), "echo two >> %s", out);
        char *a1[] = {"sh", "-c", s1, NULL};
        char *a2[] = {"sh", "-c", s2, NULL};
        RtHook hooks[] = {sh_hook(a1), sh_hook(a2)};
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(run_stage(RT_HOOK_CREATE_RUNTIME, hooks, 2, "{}", &err), 0);
        _cleanup_free_ char *text = read_text(out);
        assert_non_null(text);
        assert_string_equal(text, "one\ntwo\n");
}

static void test_state_on_stdin(void **state)
{
        char script[300];
        const char *out = tpath(0, "state");
        snprintf(script, sizeof(script), "cat > %s", out);
        char *argv[] = {"sh", "-c", script, NULL};
        RtHook hooks[] = {sh_hook(argv)};
        const char *json = "{\"ociVersion\":\"1.0.2\",\"id\":\"abc\",\"status\":\"creating\","
                           "\"pid\":42,\"bundle\":\"/tmp/b\"}";
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(run_stage(RT_HOOK_PRESTART, hooks, 1, json, &err), 0);
        _cleanup_free_ char *text = read_text(out);
        assert_non_null(text);
        assert_string_equal(text, json);
}

static char *big_state(size_t len)
{
        char *s = malloc(len + 1);
        assert_non_null(s);
        for (size_t i = 0; i < len; i++)
                s[i] = (char)('a' + i % 26);
        s[len] = '\0';
        return s;
}

static void test_big_state_arrives_intact(void **state)
{
        /* more than a pipe buffer: the writes must interleave with the wait */
        _cleanup_free_ char *json = big_state(300000);
        char script[300];
        const char *out = tpath(0, "big");
        snprintf(script, sizeof(script), "cat > %s", out);
        char *argv[] = {"sh", "-c", script, NULL};
        RtHook hooks[] = {sh_hook(argv)};
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(run_stage(RT_HOOK_POSTSTART, hooks, 1, json, &err), 0);
        _cleanup_free_ char *text = read_text(out);
        assert_non_null(text);
        assert_int_equal(strlen(text), strlen(json));
        assert_string_equal(text, json);
}

static void test_hook_ignoring_stdin(void **state)
{
        /* the hook exits without reading: EPIPE/SIGPIPE must not hurt us */
        _cleanup_free_ char *json = big_state(1 << 20);
        char *quick[] = {"sh", "-c", "exit 0", NULL};
        char *slow[] = {"sh", "-c", "exec sleep 0.2", NULL};
        RtHook hooks[] = {sh_hook(quick), sh_hook(slow)};
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(run_stage(RT_HOOK_POSTSTOP, hooks, 2, json, &err), 0);
        assert_null(err);
}

static void test_args_and_env(void **state)
{
        char script[300];
        const char *out = tpath(0, "argsenv");
        snprintf(script, sizeof(script), "echo \"$0|$1|$FOO|$BAR|$BERTH_TEST_MARK\" > %s", out);
        char *argv[] = {"sh", "-c", script, "zero", "one", NULL};
        char *env[] = {"FOO=foo", "BAR=b a r", NULL};
        setenv("BERTH_TEST_MARK", "leaked", 1);
        RtHook hooks[] = {{.path = SH, .args = argv, .env = env}};
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(run_stage(RT_HOOK_CREATE_CONTAINER, hooks, 1, "{}", &err), 0);
        _cleanup_free_ char *text = read_text(out);
        assert_non_null(text);
        assert_string_equal(text, "zero|one|foo|b a r|\n");
}

static void test_env_absent_is_empty(void **state)
{
        if (access("/usr/bin/env", X_OK) < 0) {
                printf("# skipped: no /usr/bin/env\n");
                skip();
        }
        char script[300];
        const char *out = tpath(0, "noenv");
        snprintf(script, sizeof(script), "/usr/bin/env > %s", out);
        char *argv[] = {"sh", "-c", script, NULL};
        setenv("BERTH_TEST_MARK", "leaked", 1);
        RtHook hooks[] = {sh_hook(argv)};
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(run_stage(RT_HOOK_START_CONTAINER, hooks, 1, "{}", &err), 0);
        _cleanup_free_ char *text = read_text(out);
        assert_non_null(text);
        assert_null(strstr(text, "BERTH_TEST_MARK"));
        assert_null(strstr(text, "HOME="));
}

static void test_args_absent_uses_path(void **state)
{
        const char *script = tpath(1, "hook.sh");
        const char *out = tpath(0, "noargs");
        char body[400];
        snprintf(body, sizeof(body), "#!/bin/sh\necho \"ran $#\" > %s\n", out);
        assert_int_equal(write_file_atomic(script, body, strlen(body), 0755, NULL), 0);
        char *empty[] = {NULL};
        RtHook hooks[] = {{.path = (char *)script, .args = NULL},
                          {.path = (char *)script, .args = empty}};
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(run_stage(RT_HOOK_PRESTART, hooks, 2, "{}", &err), 0);
        _cleanup_free_ char *text = read_text(out);
        assert_non_null(text);
        assert_string_equal(text, "ran 0\n");
}

static void test_failing_hook_stops_stage(void **state)
{
        char s2[300];
        const char *out = tpath(0, "after");
        snprintf(s2, sizeof(s2), "echo ran > %s", out);
        char *a1[] = {"sh", "-c", "exit 3", NULL};
        char *a2[] = {"sh", "-c", s2, NULL};
        RtHook hooks[] = {sh_hook(a1), sh_hook(a2)};
        _cleanup_error_ BerthError *err = NULL;
        assert_true(run_stage(RT_HOOK_CREATE_RUNTIME, hooks, 2, "{}", &err) < 0);
        assert_non_null(err);
        assert_string_equal(err->message, "createRuntime hook /bin/sh: exited with status 3");
        assert_int_equal(access(out, F_OK), -1);
}

static void test_hook_killed_by_signal(void **state)
{
        char *argv[] = {"sh", "-c", "kill -9 $$", NULL};
        RtHook hooks[] = {sh_hook(argv)};
        _cleanup_error_ BerthError *err = NULL;
        assert_true(run_stage(RT_HOOK_POSTSTOP, hooks, 1, "{}", &err) < 0);
        assert_string_equal(err->message, "poststop hook /bin/sh: killed by signal 9");
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_timeout_kills(void **state)
{
        char *argv[] = {"sh", "-c", "exec sleep 30", NULL};
        RtHook hooks[] = {{.path = SH, .args = argv, .timeout = {.set = true, .value = 1}}};
        _cleanup_error_ BerthError *err = NULL;
        double t0 = now_s();
        assert_int_equal(run_stage(RT_HOOK_CREATE_RUNTIME, hooks, 1, "{}", &err), -ETIMEDOUT);
        double elapsed = now_s() - t0;
        assert_string_equal(err->message, "hook 'createRuntime' /bin/sh timed out after 1 s");
        assert_true(elapsed >= 0.9);
        assert_true(elapsed < 5.0);
}

static void test_timeout_not_reached(void **state)
{
        char *argv[] = {"sh", "-c", "cat >/dev/null; exit 0", NULL};
        RtHook hooks[] = {{.path = SH, .args = argv, .timeout = {.set = true, .value = 5}}};
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(run_stage(RT_HOOK_CREATE_RUNTIME, hooks, 1, "{\"id\":\"x\"}", &err), 0);
}

static void test_exec_failure(void **state)
{
        RtHook hooks[] = {{.path = "/nonexistent/berth-hook"}};
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(run_stage(RT_HOOK_PRESTART, hooks, 1, "{}", &err), -ENOENT);
        assert_string_equal(
            err->message, "prestart hook /nonexistent/berth-hook: exec: No such file or directory");
}

static void test_fds_closed_in_hook(void **state)
{
        /* an fd the runtime forgot to mark close-on-exec */
        int fd = open("/dev/null", O_RDONLY);
        assert_true(fd >= 0);
        int high = fcntl(fd, F_DUPFD, 100);
        assert_true(high >= 100);
        char script[300];
        snprintf(script, sizeof(script),
                 "for f in 3 %d %d; do [ -e /proc/$$/fd/$f ] && exit 4; done; exit 0", fd, high);
        char *argv[] = {"sh", "-c", script, NULL};
        RtHook hooks[] = {sh_hook(argv)};
        _cleanup_error_ BerthError *err = NULL;
        int r = run_stage(RT_HOOK_PRESTART, hooks, 1, "{}", &err);
        close(fd);
        close(high);
        if (r < 0)
                print_message("# %s\n", err->message);
        assert_int_equal(r, 0);
}

static void test_stdout_inherited(void **state)
{
        /* the hook's stdout is ours: redirect ours to a file around the run */
        const char *out = tpath(0, "stdout");
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        fflush(stdout);
        int saved = dup(STDOUT_FILENO);
        assert_true(saved >= 0);
        assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
        char *argv[] = {"sh", "-c", "echo hello-from-hook", NULL};
        RtHook hooks[] = {sh_hook(argv)};
        _cleanup_error_ BerthError *err = NULL;
        int r = run_stage(RT_HOOK_POSTSTART, hooks, 1, "{}", &err);
        dup2(saved, STDOUT_FILENO);
        close(saved);
        close(fd);
        assert_int_equal(r, 0);
        _cleanup_free_ char *text = read_text(out);
        assert_non_null(text);
        assert_string_equal(text, "hello-from-hook\n");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stage_names),
            cmocka_unit_test(test_empty_stage),
            cmocka_unit_test_setup_teardown(test_hooks_run_in_order, setup, teardown),
            cmocka_unit_test_setup_teardown(test_state_on_stdin, setup, teardown),
            cmocka_unit_test_setup_teardown(test_big_state_arrives_intact, setup, teardown),
            cmocka_unit_test(test_hook_ignoring_stdin),
            cmocka_unit_test_setup_teardown(test_args_and_env, setup, teardown),
            cmocka_unit_test_setup_teardown(test_env_absent_is_empty, setup, teardown),
            cmocka_unit_test_setup_teardown(test_args_absent_uses_path, setup, teardown),
            cmocka_unit_test_setup_teardown(test_failing_hook_stops_stage, setup, teardown),
            cmocka_unit_test(test_hook_killed_by_signal),
            cmocka_unit_test(test_timeout_kills),
            cmocka_unit_test(test_timeout_not_reached),
            cmocka_unit_test(test_exec_failure),
            cmocka_unit_test(test_fds_closed_in_hook),
            cmocka_unit_test_setup_teardown(test_stdout_inherited, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
