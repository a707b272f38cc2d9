/* Unit tests for src/runtime/caps.c: the name table, what the runtime holds,
 * and applying the five sets in a forked child (checked in /proc/self/status). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/fileutil.h"
#include "runtime/caps.h"

#define BIT(c) ((uint64_t)1 << (c))

static void test_cap_names_both_ways(void **state)
{
        assert_int_equal(rt_cap_from_name("CAP_CHOWN"), 0);
        assert_int_equal(rt_cap_from_name("CAP_NET_BIND_SERVICE"), 10);
        assert_int_equal(rt_cap_from_name("CAP_SYS_ADMIN"), 21);
        assert_int_equal(rt_cap_from_name("CAP_SYS_RESOURCE"), 24);
        assert_int_equal(rt_cap_from_name("CAP_AUDIT_READ"), 37);
        assert_int_equal(rt_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
        assert_string_equal(rt_cap_to_name(0), "CAP_CHOWN");
        assert_string_equal(rt_cap_to_name(CAP_SETFCAP), "CAP_SETFCAP");
        assert_string_equal(rt_cap_to_name(40), "CAP_CHECKPOINT_RESTORE");
        for (int i = 0; i <= 40; i++) {
                const char *n = rt_cap_to_name(i);
                assert_non_null(n);
                assert_int_equal(rt_cap_from_name(n), i);
        }
}

static void test_cap_names_case_and_prefix(void **state)
{
        assert_int_equal(rt_cap_from_name("cap_chown"), CAP_CHOWN);
        assert_int_equal(rt_cap_from_name("chown"), CAP_CHOWN);
        assert_int_equal(rt_cap_from_name("Net_Raw"), CAP_NET_RAW);
        assert_int_equal(rt_cap_from_name("CAP_sys_admin"), CAP_SYS_ADMIN);
        assert_int_equal(rt_cap_from_name("SYS_PTRACE"), CAP_SYS_PTRACE);
        assert_int_equal(rt_cap_from_name("bpf"), CAP_BPF);
}

static void test_cap_names_unknown(void **state)
{
        assert_int_equal(rt_cap_from_name("CAP_FOO"), -EINVAL);
        assert_int_equal(rt_cap_from_name(""), -EINVAL);
        assert_int_equal(rt_cap_from_name("CAP_"), -EINVAL);
        assert_int_equal(rt_cap_from_name(NULL), -EINVAL);
        assert_int_equal(rt_cap_from_name("CAP_CHOWNX"), -EINVAL);
        assert_int_equal(rt_cap_from_name("CAPCHOWN"), -EINVAL);
        assert_null(rt_cap_to_name(-1));
        assert_null(rt_cap_to_name(41));
        assert_null(rt_cap_to_name(64));
}

static uint64_t status_mask(const char *buf, const char *field)
{
        char key[32];
        snprintf(key, sizeof(key), "\n%s:", field);
        const char *p = strstr(buf, key);
        if (!p)
                return UINT64_MAX;
        return strtoull(p + strlen(key), NULL, 16);
}

static void test_cap_last(void **state)
{
        _cleanup_free_ char *buf = NULL;
        assert_int_equal(read_file("/proc/sys/kernel/cap_last_cap", &buf, NULL, NULL), 0);
        int kernel = atoi(buf);
        int last = rt_cap_last();
        assert_int_equal(last, kernel < 40 ? kernel : 40);
        assert_true(last >= 36);
        assert_non_null(rt_cap_to_name(last));
}

static void test_cap_bounding_mask(void **state)
{
        _cleanup_free_ char *buf = NULL;
        assert_int_equal(read_file("/proc/self/status", &buf, NULL, NULL), 0);
        uint64_t expect = status_mask(buf, "CapBnd");
        assert_int_not_equal(expect, UINT64_MAX);
        assert_int_equal(rt_cap_bounding_mask(), expect);
        /* nothing beyond what the kernel knows */
        assert_int_equal(rt_cap_bounding_mask() >> (rt_cap_last() + 1), 0);
}

/* Runs fn in a forked child; the child reports a failure as text. */
typedef int (*ChildFn)(void *arg, char *msg, size_t msg_len);

static int run_child(ChildFn fn, void *arg, char *msg, size_t msg_len)
{
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                char m[512] = "";
                int r = fn(arg, m, sizeof(m));
                (void)!write(p[1], m, strlen(m));
                _exit(r == 0 ? 0 : 1);
        }
        close(p[1]);
        ssize_t n = read_all_fd(p[0], msg, msg_len - 1);
        msg[n > 0 ? n : 0] = '\0';
        close(p[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static bool have_root_caps(void)
{
        uint64_t need = BIT(CAP_SETPCAP) | BIT(CAP_SETUID) | BIT(CAP_SETGID);
        if (geteuid() != 0 || (rt_cap_bounding_mask() & need) != need) {
                printf("# skipped: needs root with CAP_SETPCAP, CAP_SETUID, CAP_SETGID\n");
                return false;
        }
        return true;
}

static int check_status(const RtCapabilities *want, char *msg, size_t len)
{
        _cleanup_free_ char *buf = NULL;
        if (read_file("/proc/self/status", &buf, NULL, NULL) < 0) {
                snprintf(msg, len, "read /proc/self/status");
                return -1;
        }
        static const char *fields[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
        uint64_t expect[] = {want->inheritable, want->permitted, want->effective, want->bounding,
                             want->ambient};
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
                uint64_t got = status_mask(buf, fields[i]);
                if (got != expect[i]) {
                        snprintf(msg, len, "%s: got %016llx, want %016llx", fields[i],
                                 (unsigned long long)got, (unsigned long long)expect[i]);
                        return -1;
                }
        }
        return 0;
}

static int switch_user(uid_t uid, char *msg, size_t len)
{
        if (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0) {
                snprintf(msg, len, "switch to uid %u: %s", (unsigned)uid, strerror(errno));
                return -1;
        }
        return 0;
}

typedef struct ApplyCase {
        RtProcess proc;
        uid_t uid;           /* switch to this uid between prepare and apply */
        RtCapabilities want; /* as /proc/self/status must show after apply */
        uint64_t drop_first; /* removed from every set before the runtime runs */
} ApplyCase;

static int drop_from_all(uint64_t mask, char *msg, size_t len)
{
        for (int c = 0; c < 64; c++)
                if ((mask & BIT(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
                        snprintf(msg, len, "drop %d: %s", c, strerror(errno));
                        return -1;
                }
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct d[2];
        if (syscall(SYS_capget, &hdr, d) < 0)
                return -1;
        for (int i = 0; i < 2; i++) {
                uint32_t m = (uint32_t)(mask >> (32 * i));
                d[i].effective &= ~m;
                d[i].permitted &= ~m;
                d[i].inheritable &= ~m;
        }
        if (syscall(SYS_capset, &hdr, d) < 0) {
                snprintf(msg, len, "capset: %s", strerror(errno));
                return -1;
        }
        return 0;
}

static int apply_child(void *arg, char *msg, size_t len)
{
        ApplyCase *c = arg;
        _cleanup_error_ BerthError *err = NULL;
        if (c->drop_first && drop_from_all(c->drop_first, msg, len) < 0)
                return -1;
        if (rt_caps_prepare(&c->proc, &err) < 0) {
                snprintf(msg, len, "prepare: %s", err->message);
                return -1;
        }
        if (c->uid != 0 && switch_user(c->uid, msg, len) < 0)
                return -1;
        if (rt_caps_apply(&c->proc, &err) < 0) {
                snprintf(msg, len, "apply: %s", err->message);
                return -1;
        }
        if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 0) {
                snprintf(msg, len, "keepcaps still set");
                return -1;
        }
        return check_status(&c->want, msg, len);
}

static void run_apply_case(ApplyCase *c)
{
        char msg[512];
        int r = run_child(apply_child, c, msg, sizeof(msg));
        if (r != 0)
                print_message("# child: %s\n", msg);
        assert_int_equal(r, 0);
}

static void test_caps_apply_reduced_set_as_user(void **state)
{
        if (!have_root_caps())
                skip();
        uint64_t base =
            BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_AUDIT_WRITE);
        ApplyCase c = {.uid = 1000};
        c.proc.has_capabilities = true;
        c.proc.capabilities = (RtCapabilities){
            .bounding = base,
            .effective = BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE),
            .permitted = base,
            .inheritable = BIT(CAP_NET_BIND_SERVICE),
            .ambient = BIT(CAP_NET_BIND_SERVICE),
        };
        c.want = c.proc.capabilities;
        run_apply_case(&c);
}

static void test_caps_apply_as_root(void **state)
{
        if (!have_root_caps())
                skip();
        uint64_t base = BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FOWNER) | BIT(CAP_SETUID) |
                        BIT(CAP_SETGID) | BIT(CAP_SYS_CHROOT);
        ApplyCase c = {.uid = 0};
        c.proc.has_capabilities = true;
        c.proc.capabilities = (RtCapabilities){
            .bounding = base,
            .effective = base,
            .permitted = base,
            .inheritable = 0,
            .ambient = 0,
        };
        c.want = c.proc.capabilities;
        run_apply_case(&c);
}

static void test_caps_none_means_empty(void **state)
{
        if (!have_root_caps())
                skip();
        ApplyCase c = {.uid = 0};
        c.proc.has_capabilities = false;
        /* ignored: the process has no capabilities member */
        c.proc.capabilities.effective = BIT(CAP_CHOWN);
        c.proc.capabilities.bounding = BIT(CAP_CHOWN);
        c.want = (RtCapabilities){0};
        run_apply_case(&c);
}

static void test_caps_unheld_are_skipped(void **state)
{
        if (!have_root_caps())
                skip();
        /* The runtime lacks CAP_SYS_NICE (as this host's root lacks
         * CAP_SYS_RESOURCE): asking for it everywhere is no error. */
        uint64_t held = rt_cap_bounding_mask() & ~BIT(CAP_SYS_NICE);
        uint64_t ask = BIT(CAP_CHOWN) | BIT(CAP_SYS_NICE) | BIT(CAP_SYS_RESOURCE);
        ApplyCase c = {.uid = 0, .drop_first = BIT(CAP_SYS_NICE)};
        c.proc.has_capabilities = true;
        c.proc.capabilities = (RtCapabilities){
            .bounding = ask,
            .effective = ask,
            .permitted = ask,
            .inheritable = ask,
            .ambient = ask,
        };
        uint64_t got = ask & held;
        c.want = (RtCapabilities){
            .bounding = got,
            .effective = got,
            .permitted = got,
            .inheritable = got,
            .ambient = got,
        };
        run_apply_case(&c);
}

static void test_caps_ambient_needs_inheritable(void **state)
{
        if (!have_root_caps())
                skip();
        ApplyCase c = {.uid = 1000};
        c.proc.has_capabilities = true;
        c.proc.capabilities = (RtCapabilities){
            .bounding = BIT(CAP_KILL) | BIT(CAP_CHOWN),
            .effective = BIT(CAP_KILL),
            .permitted = BIT(CAP_KILL) | BIT(CAP_CHOWN),
            .inheritable = BIT(CAP_CHOWN),
            .ambient = BIT(CAP_KILL) | BIT(CAP_CHOWN), /* KILL is not inheritable */
        };
        c.want = c.proc.capabilities;
        c.want.ambient = BIT(CAP_CHOWN);
        run_apply_case(&c);
}

/* After exec as a non-root user only the ambient set survives in
 * permitted/effective: what a container process really gets. */
static int exec_child(void *arg, char *msg, size_t len)
{
        ApplyCase *c = arg;
        _cleanup_error_ BerthError *err = NULL;
        if (rt_caps_prepare(&c->proc, &err) < 0 || switch_user(c->uid, msg, len) < 0 ||
            rt_caps_apply(&c->proc, &err) < 0) {
                snprintf(msg, len, "setup: %s", err ? err->message : msg);
                return -1;
        }
        int p[2];
        if (pipe(p) < 0)
                return -1;
        pid_t pid = fork();
        if (pid == 0) {
                dup2(p[1], 1);
                execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
                _exit(127);
        }
        close(p[1]);
        static char buf[8192];
        ssize_t n = read_all_fd(p[0], buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = '\0';
        int status;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                snprintf(msg, len, "cat failed");
                return -1;
        }
        static const char *fields[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
        uint64_t expect[] = {c->want.inheritable, c->want.permitted, c->want.effective,
                             c->want.bounding, c->want.ambient};
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
                uint64_t got = status_mask(buf, fields[i]);
                if (got != expect[i]) {
                        snprintf(msg, len, "after exec %s: got %016llx, want %016llx", fields[i],
                                 (unsigned long long)got, (unsigned long long)expect[i]);
                        return -1;
                }
        }
        return 0;
}

static void test_caps_ambient_survives_exec(void **state)
{
        if (!have_root_caps())
                skip();
        if (access("/bin/cat", X_OK) < 0) {
                printf("# skipped: no /bin/cat\n");
                skip();
        }
        uint64_t base = BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_KILL);
        ApplyCase c = {.uid = 1000};
        c.proc.has_capabilities = true;
        c.proc.capabilities = (RtCapabilities){
            .bounding = base,
            .effective = base,
            .permitted = base,
            .inheritable = BIT(CAP_NET_BIND_SERVICE),
            .ambient = BIT(CAP_NET_BIND_SERVICE),
        };
        c.want = (RtCapabilities){
            .bounding = base,
            .effective = BIT(CAP_NET_BIND_SERVICE),
            .permitted = BIT(CAP_NET_BIND_SERVICE),
            .inheritable = BIT(CAP_NET_BIND_SERVICE),
            .ambient = BIT(CAP_NET_BIND_SERVICE),
        };
        char msg[512];
        int r = run_child(exec_child, &c, msg, sizeof(msg));
        if (r != 0)
                print_message("# child: %s\n", msg);
        assert_int_equal(r, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_cap_names_both_ways),
            cmocka_unit_test(test_cap_names_case_and_prefix),
            cmocka_unit_test(test_cap_names_unknown),
            cmocka_unit_test(test_cap_last),
            cmocka_unit_test(test_cap_bounding_mask),
            cmocka_unit_test(test_caps_apply_reduced_set_as_user),
            cmocka_unit_test(test_caps_apply_as_root),
            cmocka_unit_test(test_caps_none_means_empty),
            cmocka_unit_test(test_caps_unheld_are_skipped),
            cmocka_unit_test(test_caps_ambient_needs_inheritable),
            cmocka_unit_test(test_caps_ambient_survives_exec),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
