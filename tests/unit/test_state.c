/* Unit tests for the lifecycle's pure parts: container ids, /proc/PID/stat
 * parsing, state.json round trips and derived status, the sync protocol's
 * wire format and message passing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "runtime/container.h"
#include "runtime/state.h"
#include "runtime/sync.h"

static void test_id_validate(void **state)
{
        assert_int_equal(rt_id_validate("abc", NULL), 0);
        assert_int_equal(rt_id_validate("a-b_c.d+1", NULL), 0);
        assert_int_equal(rt_id_validate("0123456789abcdef", NULL), 0);
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_id_validate("../x", &err), -EINVAL);
        assert_non_null(strstr(err->message, "'../x'"));
        assert_int_equal(rt_id_validate("", NULL), -EINVAL);
        assert_int_equal(rt_id_validate(".hidden", NULL), -EINVAL);
        assert_int_equal(rt_id_validate("a/b", NULL), -EINVAL);
        assert_int_equal(rt_id_validate("a b", NULL), -EINVAL);
        assert_int_equal(rt_id_validate("-x", NULL), -EINVAL);
        char long_id[1100];
        memset(long_id, 'a', sizeof(long_id) - 1);
        long_id[sizeof(long_id) - 1] = '\0';
        assert_int_equal(rt_id_validate(long_id, NULL), -EINVAL);
}

static void test_stat_start_time(void **state)
{
        uint64_t v = 0;
        const char *plain = "1234 (sh) S 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 "
                            "987654 1000000 100 18446744073709551615";
        assert_int_equal(rt_parse_stat_start_time(plain, &v), 0);
        assert_int_equal(v, 987654);
        /* comm holding spaces and parentheses must not shift the fields */
        const char *tricky = "99 (a) b (c) d) R 1 99 99 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
                             "4242 0 0";
        assert_int_equal(rt_parse_stat_start_time(tricky, &v), 0);
        assert_int_equal(v, 4242);
        assert_int_equal(rt_parse_stat_start_time("12 (x) S 1 2 3", &v), -EINVAL);
        assert_int_equal(rt_parse_stat_start_time("garbage", &v), -EINVAL);
        const char *bad = "1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12z 0";
        assert_int_equal(rt_parse_stat_start_time(bad, &v), -EINVAL);

        /* our own start time is readable and stable */
        uint64_t a = 0, b = 0;
        assert_int_equal(rt_proc_start_time(getpid(), &a), 0);
        assert_int_equal(rt_proc_start_time(getpid(), &b), 0);
        assert_true(a > 0);
        assert_int_equal(a, b);
        assert_true(rt_proc_alive(getpid(), a));
        assert_false(rt_proc_alive(getpid(), a + 1)); /* a reused pid is not ours */
        assert_false(rt_proc_alive(0, a));
}

static void test_zombie_is_dead(void **state)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(0);
        uint64_t start = 0;
        assert_int_equal(rt_proc_start_time(pid, &start), 0);
        /* wait until it is a zombie, without reaping it */
        siginfo_t si;
        assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
        assert_false(rt_proc_alive(pid, start));
        waitpid(pid, NULL, 0);
}

static RtState *sample_state(const char *id, pid_t pid, uint64_t start)
{
        RtState *st = calloc(1, sizeof(*st));
        st->id = strdup(id);
        st->pid = pid;
        st->pid_start = start;
        st->bundle = strdup("/b");
        st->rootfs = strdup("/b/rootfs");
        st->created = strdup("2026-01-01T00:00:00.000000001Z");
        st->owner = strdup("");
        st->cgroup_path = strdup("");
        st->annotations = json_pack("{s:s}", "k", "v");
        return st;
}

static char *tmpdir_make(void)
{
        char *d = strdup("/tmp/test_state.XXXXXX");
        assert_non_null(mkdtemp(d));
        return d;
}

static void test_state_roundtrip(void **state)
{
        _cleanup_free_ char *root = tmpdir_make();
        uint64_t start = 0;
        assert_int_equal(rt_proc_start_time(getpid(), &start), 0);
        _cleanup_state_ RtState *st = sample_state("c1", getpid(), start);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *dir = rt_state_dir(root, "c1");
        assert_int_equal(mkdir(dir, 0700), 0);
        assert_int_equal(rt_state_save(root, st, &err), 0);

        _cleanup_state_ RtState *got = NULL;
        assert_int_equal(rt_state_load(root, "c1", &got, &err), 0);
        assert_string_equal(got->id, "c1");
        assert_int_equal(got->pid, getpid());
        assert_int_equal(got->pid_start, start);
        assert_string_equal(got->bundle, "/b");
        assert_string_equal(got->rootfs, "/b/rootfs");
        assert_string_equal(got->created, "2026-01-01T00:00:00.000000001Z");
        assert_string_equal(json_string_value(json_object_get(got->annotations, "k")), "v");
        /* alive, no fifo: running; with the fifo: created */
        assert_int_equal(got->status, RT_STATUS_RUNNING);
        _cleanup_free_ char *fifo = rt_state_file(root, "c1", "exec.fifo");
        assert_int_equal(mkfifo(fifo, 0600), 0);
        assert_int_equal(rt_state_derive_status(root, got), RT_STATUS_CREATED);
        unlink(fifo);
        /* a start time that does not match: the pid was reused, stopped */
        got->pid_start++;
        assert_int_equal(rt_state_derive_status(root, got), RT_STATUS_STOPPED);

        /* the public document: runtime-spec fields, pid 0 once stopped */
        got->status = RT_STATUS_STOPPED;
        json_t *pub = rt_state_public_json(got, true);
        assert_string_equal(json_string_value(json_object_get(pub, "status")), "stopped");
        assert_int_equal(json_integer_value(json_object_get(pub, "pid")), 0);
        assert_string_equal(json_string_value(json_object_get(pub, "ociVersion")), RT_OCI_VERSION);
        assert_non_null(json_object_get(pub, "created"));
        assert_non_null(json_object_get(pub, "annotations"));
        json_decref(pub);
        pub = rt_state_public_json(got, false);
        assert_null(json_object_get(pub, "rootfs"));
        json_decref(pub);

        rm_rf(root, NULL);
}

static void test_state_errors(void **state)
{
        _cleanup_free_ char *root = tmpdir_make();
        _cleanup_error_ BerthError *err = NULL;
        RtState *st = NULL;
        assert_int_equal(rt_state_load(root, "nope", &st, &err), -ENOENT);
        assert_string_equal(err->message, "container 'nope' does not exist");
        err = error_free(err);
        assert_int_equal(rt_state_load(root, "../etc", &st, &err), -EINVAL);
        err = error_free(err);

        /* a state file with a wrong type names the field */
        _cleanup_free_ char *dir = rt_state_dir(root, "bad");
        assert_int_equal(mkdir(dir, 0700), 0);
        _cleanup_free_ char *file = rt_state_file(root, "bad", "state.json");
        const char *text = "{\"id\":\"bad\",\"bundle\":\"/b\",\"pid\":\"12\"}";
        assert_int_equal(write_file_atomic(file, text, strlen(text), 0600, NULL), 0);
        assert_int_equal(rt_state_load(root, "bad", &st, &err), -EINVAL);
        assert_non_null(strstr(err->message, "pid"));
        rm_rf(root, NULL);
}

static void test_list(void **state)
{
        _cleanup_free_ char *root = tmpdir_make();
        const char *ids[] = {"zeta", "alpha", "mid"};
        for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
                _cleanup_state_ RtState *st = sample_state(ids[i], 0, 0);
                _cleanup_free_ char *dir = rt_state_dir(root, ids[i]);
                assert_int_equal(mkdir(dir, 0700), 0);
                assert_int_equal(rt_state_save(root, st, NULL), 0);
        }
        /* a directory without state is skipped */
        _cleanup_free_ char *junk = rt_state_dir(root, "junk");
        assert_int_equal(mkdir(junk, 0700), 0);
        RtState **v = NULL;
        size_t n = 0;
        assert_int_equal(rt_container_list(root, &v, &n, NULL), 0);
        assert_int_equal(n, 3);
        assert_string_equal(v[0]->id, "alpha");
        assert_string_equal(v[1]->id, "mid");
        assert_string_equal(v[2]->id, "zeta");
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(v[i]->status, RT_STATUS_STOPPED);
                rt_state_free(v[i]);
        }
        free(v);
        /* a missing root is an empty list, as runc's */
        assert_int_equal(rt_container_list("/nonexistent/berth-root", &v, &n, NULL), 0);
        assert_int_equal(n, 0);
        rm_rf(root, NULL);
}

static void test_sync_wire(void **state)
{
        char buf[128];
        size_t n = rt_sync_encode(RT_SYNC_ERROR, ENOENT, "mount x", 7, buf);
        assert_int_equal(n, sizeof(RtSyncHeader) + 7);
        RtSyncMsg m;
        assert_int_equal(rt_sync_decode(buf, n, &m), 0);
        assert_int_equal(m.type, RT_SYNC_ERROR);
        assert_int_equal(m.code, ENOENT);
        assert_string_equal(m.data, "mount x");
        assert_int_equal(m.fd, -1);
        rt_sync_msg_done(&m);
        /* truncated, length mismatch, unknown type, negative code */
        assert_int_equal(rt_sync_decode(buf, 3, &m), -EBADMSG);
        assert_int_equal(rt_sync_decode(buf, n - 1, &m), -EBADMSG);
        RtSyncHeader h = {.type = 999, .code = 0, .len = 0};
        assert_int_equal(rt_sync_decode(&h, sizeof(h), &m), -EBADMSG);
        h = (RtSyncHeader){.type = RT_SYNC_READY, .code = -1, .len = 0};
        assert_int_equal(rt_sync_decode(&h, sizeof(h), &m), -EBADMSG);
        h = (RtSyncHeader){.type = RT_SYNC_READY, .code = 0, .len = 0};
        assert_int_equal(rt_sync_decode(&h, sizeof(h), &m), 0);
        assert_string_equal(m.data, "");
        rt_sync_msg_done(&m);
        assert_string_equal(rt_sync_type_name(RT_SYNC_HOOKS), "hooks");
        assert_string_equal(rt_sync_type_name(0), "unknown");
}

static void test_sync_socket(void **state)
{
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        /* warnings are skipped, the wanted message is returned */
        assert_int_equal(rt_sync_send(sv[1], RT_SYNC_WARN, 0, "careful"), 0);
        assert_int_equal(rt_sync_send(sv[1], RT_SYNC_READY, 0, "payload"), 0);
        RtSyncMsg m;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_sync_expect(sv[0], RT_SYNC_READY, &m, &err), 0);
        assert_string_equal(m.data, "payload");
        rt_sync_msg_done(&m);
        /* an error from the child becomes the BerthError, code and sentence */
        BerthError child = {.code = EPERM,
                            .message = "mount proc to /proc: Operation not permitted"};
        assert_int_equal(rt_sync_send_error(sv[1], &child, 0), 0);
        assert_int_equal(rt_sync_expect(sv[0], RT_SYNC_READY, NULL, &err), -EPERM);
        assert_string_equal(err->message, "mount proc to /proc: Operation not permitted");
        err = error_free(err);
        /* an fd travels with its message */
        int pfd[2];
        assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
        assert_int_equal(rt_sync_send_fd(sv[1], RT_SYNC_PTY, pfd[1], "/dev/pts/0"), 0);
        assert_int_equal(rt_sync_recv(sv[0], &m), 0);
        assert_int_equal(m.type, RT_SYNC_PTY);
        assert_string_equal(m.data, "/dev/pts/0");
        assert_true(m.fd >= 0);
        assert_int_equal(write(m.fd, "x", 1), 1);
        char c = 0;
        assert_int_equal(read(pfd[0], &c, 1), 1);
        assert_int_equal(c, 'x');
        rt_sync_msg_done(&m);
        close(pfd[0]);
        close(pfd[1]);
        /* EOF (the child exec'd or died) */
        close(sv[1]);
        assert_int_equal(rt_sync_recv(sv[0], &m), -ECONNRESET);
        assert_int_equal(rt_sync_expect(sv[0], RT_SYNC_READY, NULL, &err), -ECONNRESET);
        close(sv[0]);
}

static void test_rfc3339(void **state)
{
        char buf[48];
        rt_now_rfc3339(buf, sizeof(buf));
        assert_int_equal(strlen(buf), 30);
        assert_int_equal(buf[4], '-');
        assert_int_equal(buf[10], 'T');
        assert_int_equal(buf[19], '.');
        assert_int_equal(buf[29], 'Z');
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_id_validate),    cmocka_unit_test(test_stat_start_time),
            cmocka_unit_test(test_zombie_is_dead), cmocka_unit_test(test_state_roundtrip),
            cmocka_unit_test(test_state_errors),   cmocka_unit_test(test_list),
            cmocka_unit_test(test_sync_wire),      cmocka_unit_test(test_sync_socket),
            cmocka_unit_test(test_rfc3339),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
