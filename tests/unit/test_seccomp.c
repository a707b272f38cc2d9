/* Unit tests for src/runtime/seccomp.c: the name tables, compiling a
 * profile, and loading it in a forked child to see the syscalls it blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/fileutil.h"
#include "runtime/seccomp.h"

DEFINE_CLEANUP(RtSeccompProgram, rt_seccomp_program_free)
#define _cleanup_prog_ _cleanup_(rt_seccomp_program_freep)

static void test_action_names(void **state)
{
        static const struct {
                const char *name;
                RtSeccompAction a;
        } t[] = {
            {"SCMP_ACT_KILL", RT_SCMP_KILL},
            {"SCMP_ACT_KILL_PROCESS", RT_SCMP_KILL_PROCESS},
            {"SCMP_ACT_KILL_THREAD", RT_SCMP_KILL_THREAD},
            {"SCMP_ACT_TRAP", RT_SCMP_TRAP},
            {"SCMP_ACT_ERRNO", RT_SCMP_ERRNO},
            {"SCMP_ACT_TRACE", RT_SCMP_TRACE},
            {"SCMP_ACT_ALLOW", RT_SCMP_ALLOW},
            {"SCMP_ACT_LOG", RT_SCMP_LOG},
            {"SCMP_ACT_NOTIFY", RT_SCMP_NOTIFY},
        };
        for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
                assert_int_equal(rt_seccomp_action_from_name(t[i].name), t[i].a);
                assert_string_equal(rt_seccomp_action_to_name(t[i].a), t[i].name);
        }
        assert_int_equal(rt_seccomp_action_from_name("SCMP_ACT_FOO"), -EINVAL);
        assert_int_equal(rt_seccomp_action_from_name("ALLOW"), -EINVAL);
        assert_int_equal(rt_seccomp_action_from_name(""), -EINVAL);
        assert_int_equal(rt_seccomp_action_from_name(NULL), -EINVAL);
        assert_null(rt_seccomp_action_to_name((RtSeccompAction)99));
}

static void test_op_names(void **state)
{
        assert_int_equal(rt_seccomp_op_from_name("SCMP_CMP_NE"), RT_SCMP_CMP_NE);
        assert_int_equal(rt_seccomp_op_from_name("SCMP_CMP_LT"), RT_SCMP_CMP_LT);
        assert_int_equal(rt_seccomp_op_from_name("SCMP_CMP_LE"), RT_SCMP_CMP_LE);
        assert_int_equal(rt_seccomp_op_from_name("SCMP_CMP_EQ"), RT_SCMP_CMP_EQ);
        assert_int_equal(rt_seccomp_op_from_name("SCMP_CMP_GE"), RT_SCMP_CMP_GE);
        assert_int_equal(rt_seccomp_op_from_name("SCMP_CMP_GT"), RT_SCMP_CMP_GT);
        assert_int_equal(rt_seccomp_op_from_name("SCMP_CMP_MASKED_EQ"), RT_SCMP_CMP_MASKED_EQ);
        assert_int_equal(rt_seccomp_op_from_name("SCMP_CMP_XX"), -EINVAL);
        assert_int_equal(rt_seccomp_op_from_name(NULL), -EINVAL);
}

static void test_arch_and_flag_names(void **state)
{
        static const char *archs[] = {
            "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",
            "SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",     "SCMP_ARCH_MIPS",
            "SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
            "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
            "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_S390",
            "SCMP_ARCH_S390X",    "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
        };
        for (size_t i = 0; i < ARRAY_SIZE(archs); i++)
                assert_true(rt_seccomp_arch_known(archs[i]));
        assert_false(rt_seccomp_arch_known("SCMP_ARCH_VAX"));
        assert_false(rt_seccomp_arch_known("x86_64"));
        assert_false(rt_seccomp_arch_known(NULL));

        assert_true(rt_seccomp_flag_known("SECCOMP_FILTER_FLAG_TSYNC"));
        assert_true(rt_seccomp_flag_known("SECCOMP_FILTER_FLAG_LOG"));
        assert_true(rt_seccomp_flag_known("SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
        assert_true(rt_seccomp_flag_known("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
        assert_false(rt_seccomp_flag_known("SECCOMP_FILTER_FLAG_NEW_LISTENER"));
        assert_false(rt_seccomp_flag_known("LOG"));
        assert_false(rt_seccomp_flag_known(NULL));
}

/* Profile building helpers: tests own static arrays, never freed. */
static char *mkdir_names[] = {"mkdir", "mkdirat", NULL};

static RtSeccomp profile(RtSeccompAction def, RtSeccompRule *rules, size_t n)
{
        return (RtSeccomp){.default_action = def, .syscalls = rules, .n_syscalls = n};
}

static RtOpt opt(int64_t v)
{
        return (RtOpt){.set = true, .value = v};
}

static void test_compile_basic(void **state)
{
        RtSeccompRule rules[] = {
            {.names = mkdir_names, .action = RT_SCMP_ERRNO, .errno_ret = opt(ENOSYS)},
        };
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        _cleanup_prog_ RtSeccompProgram *p = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_seccomp_compile(&s, &p, &err), 0);
        assert_non_null(p);
        assert_true(p->len > 3);
        assert_int_equal(p->flags, 0);
        /* the last instruction of a filter is a return */
        assert_int_equal(BPF_CLASS(p->filter[p->len - 1].code), BPF_RET);
}

static void test_compile_flags(void **state)
{
        char *flags[] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL};
        RtSeccomp s = profile(RT_SCMP_ALLOW, NULL, 0);
        s.flags = flags;
        _cleanup_prog_ RtSeccompProgram *p = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_seccomp_compile(&s, &p, &err), 0);
        assert_int_equal(p->flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
}

static void test_compile_bad_flag_and_arch(void **state)
{
        char *flags[] = {"SECCOMP_FILTER_FLAG_BOGUS", NULL};
        char *archs[] = {"SCMP_ARCH_VAX", NULL};
        RtSeccomp s = profile(RT_SCMP_ALLOW, NULL, 0);
        RtSeccompProgram *p = NULL;
        {
                _cleanup_error_ BerthError *err = NULL;
                s.flags = flags;
                assert_int_equal(rt_seccomp_compile(&s, &p, &err), -EINVAL);
                assert_non_null(strstr(err->message, "SECCOMP_FILTER_FLAG_BOGUS"));
        }
        {
                _cleanup_error_ BerthError *err = NULL;
                s.flags = NULL;
                s.architectures = archs;
                assert_int_equal(rt_seccomp_compile(&s, &p, &err), -EINVAL);
                assert_non_null(strstr(err->message, "SCMP_ARCH_VAX"));
        }
        assert_null(p);
}

static void test_compile_architectures(void **state)
{
        char *archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
                         "SCMP_ARCH_LOONGARCH64", NULL};
        RtSeccompRule rules[] = {
            {.names = mkdir_names, .action = RT_SCMP_ERRNO},
        };
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        s.architectures = archs;
        _cleanup_prog_ RtSeccompProgram *one = NULL, *many = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_seccomp_compile(&s, &many, &err), 0);
        s.architectures = NULL;
        assert_int_equal(rt_seccomp_compile(&s, &one, &err), 0);
        /* more architectures, more code to check them */
        assert_true(many->len > one->len);
}

static void test_compile_foreign_syscalls(void **state)
{
        /* names of other architectures, as Docker's default profile has them */
        char *archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};
        char *names[] = {"socketcall", "_llseek", "arm_fadvise64_64", "s390_pci_mmio_read",
                         "ipc",        "open",    "berth_unknown",    NULL};
        RtSeccompRule rules[] = {{.names = names, .action = RT_SCMP_ERRNO}};
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        s.architectures = archs;
        _cleanup_prog_ RtSeccompProgram *p = NULL;
        _cleanup_error_ BerthError *err = NULL;
        int r = rt_seccomp_compile(&s, &p, &err);
        if (r < 0)
                print_message("# %s\n", err->message);
        assert_int_equal(r, 0);
}

static void test_compile_notify(void **state)
{
        RtSeccomp s = profile(RT_SCMP_NOTIFY, NULL, 0);
        RtSeccompProgram *p = NULL;
        {
                _cleanup_error_ BerthError *err = NULL;
                assert_int_equal(rt_seccomp_compile(&s, &p, &err), -EINVAL);
                assert_non_null(strstr(err->message, "SCMP_ACT_NOTIFY cannot be the default"));
        }
        RtSeccompRule rules[] = {{.names = mkdir_names, .action = RT_SCMP_NOTIFY}};
        s = profile(RT_SCMP_ALLOW, rules, 1);
        {
                _cleanup_error_ BerthError *err = NULL;
                assert_int_equal(rt_seccomp_compile(&s, &p, &err), -EINVAL);
                assert_string_equal(
                    err->message, "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY rules");
        }
        assert_null(p);
        s.listener_path = "/run/agent.sock";
        _cleanup_prog_ RtSeccompProgram *ok = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_seccomp_compile(&s, &ok, &err), 0);
        assert_true(ok->notify);
}

static void test_compile_rule_equal_to_default(void **state)
{
        /* libseccomp refuses such rules; runc skips them, so do we */
        char *names[] = {"read", "write", NULL};
        RtSeccompRule rules[] = {{.names = names, .action = RT_SCMP_ALLOW}};
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        _cleanup_prog_ RtSeccompProgram *p = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_seccomp_compile(&s, &p, &err), 0);
}

static void test_compile_bad_arg_index(void **state)
{
        RtSeccompArg args[] = {{.index = 6, .value = 1, .op = RT_SCMP_CMP_EQ}};
        RtSeccompRule rules[] = {
            {.names = mkdir_names, .action = RT_SCMP_ERRNO, .args = args, .n_args = 1}};
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        RtSeccompProgram *p = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_seccomp_compile(&s, &p, &err), -EINVAL);
        assert_non_null(strstr(err->message, "mkdir"));
        assert_null(p);
}

static void test_load_rejects_empty(void **state)
{
        RtSeccompProgram p = {0};
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_seccomp_load(&p, &err), -EINVAL);
        assert_null(rt_seccomp_program_free(NULL));
}

/* Runs check() in a child under the compiled filter. check() may only use
 * syscalls the profile allows; it returns 0 or a line number. */
typedef int (*CheckFn)(void);

static int run_filtered(const RtSeccomp *s, CheckFn check)
{
        _cleanup_prog_ RtSeccompProgram *p = NULL;
        _cleanup_error_ BerthError *err = NULL;
        int r = rt_seccomp_compile(s, &p, &err);
        if (r < 0)
                print_message("# compile: %s\n", err->message);
        assert_int_equal(r, 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                BerthError *cerr = NULL;
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(200);
                if (rt_seccomp_load(p, &cerr) < 0)
                        _exit(201);
                _exit(check());
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return status;
}

static void assert_exit_ok(int status)
{
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
                print_message("# child failed at line %d (mod 200)\n", WEXITSTATUS(status));
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

/* Allows everything but the calls of name matching args, which fail with
 * errno_ret, and runs check under that filter. */
static void assert_errno_rule(const char *name, RtSeccompArg *args, size_t n_args, int errno_ret,
                              CheckFn check)
{
        char *names[] = {(char *)name, NULL};
        RtSeccompRule rules[] = {{.names = names,
                                  .action = RT_SCMP_ERRNO,
                                  .errno_ret = opt(errno_ret),
                                  .args = args,
                                  .n_args = n_args}};
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        assert_exit_ok(run_filtered(&s, check));
}

#define CHECK(cond)                                                                                \
        do {                                                                                       \
                if (!(cond))                                                                       \
                        return __LINE__ % 200 ?: 1;                                                \
        } while (0)

/* SCMP_ACT_NOTIFY end to end: the child loads the filter, passes the
 * listener to us, and its getppid() is answered by us. */
static void test_load_notify_listener(void **state)
{
        static char *names[] = {"getppid", NULL};
        RtSeccompRule rules[] = {{.names = names, .action = RT_SCMP_NOTIFY}};
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        s.listener_path = "/unused";
        _cleanup_prog_ RtSeccompProgram *p = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_seccomp_compile(&s, &p, &err), 0);
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(sv[0]);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(200);
                int fd = rt_seccomp_load(p, NULL);
                if (fd < 0 || send_fd(sv[1], fd, "x", 1) < 0)
                        _exit(201);
                close(fd);
                _exit(syscall(SYS_getppid) == 4242 ? 0 : 202);
        }
        close(sv[1]);
        int listener = -1;
        char c;
        assert_int_equal(recv_fd(sv[0], &listener, &c, 1), 1);
        close(sv[0]);
        assert_true(listener >= 0);
        struct seccomp_notif req;
        memset(&req, 0, sizeof(req));
        assert_int_equal(ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
        assert_int_equal(req.data.nr, SYS_getppid);
        assert_int_equal(req.pid, pid);
        struct seccomp_notif_resp resp = {.id = req.id, .val = 4242};
        assert_int_equal(ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
        close(listener);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_exit_ok(status);
}

static int check_mkdir_enosys(void)
{
        CHECK(mkdir("/tmp/berth-seccomp-test-never", 0700) < 0 && errno == ENOSYS);
        CHECK(syscall(SYS_mkdirat, AT_FDCWD, "/tmp/berth-seccomp-test-never", 0700) < 0 &&
              errno == ENOSYS);
        CHECK(getpid() > 1);
        CHECK(getppid() > 0);
        /* arg-filtered: getpriority(PRIO_PGRP, ...) is refused, PRIO_PROCESS works */
        errno = 0;
        getpriority(PRIO_PROCESS, 0);
        CHECK(errno == 0);
        CHECK(getpriority(PRIO_PGRP, 0) == -1 && errno == EPERM);
        return 0;
}

static void test_load_errno_rules(void **state)
{
        static char *prio[] = {"getpriority", NULL};
        RtSeccompArg args[] = {{.index = 0, .value = PRIO_PGRP, .op = RT_SCMP_CMP_EQ}};
        RtSeccompRule rules[] = {
            {.names = mkdir_names, .action = RT_SCMP_ERRNO, .errno_ret = opt(ENOSYS)},
            {.names = prio, .action = RT_SCMP_ERRNO, .args = args, .n_args = 1},
        };
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, ARRAY_SIZE(rules));
        assert_exit_ok(run_filtered(&s, check_mkdir_enosys));
}

static int check_same_index_or(void)
{
        CHECK(getpriority(PRIO_PGRP, 0) == -1 && errno == EACCES);
        CHECK(getpriority(PRIO_USER, 0) == -1 && errno == EACCES);
        errno = 0;
        getpriority(PRIO_PROCESS, 0);
        CHECK(errno == 0);
        return 0;
}

static void test_load_same_index_args_are_ored(void **state)
{
        RtSeccompArg args[] = {
            {.index = 0, .value = PRIO_PGRP, .op = RT_SCMP_CMP_EQ},
            {.index = 0, .value = PRIO_USER, .op = RT_SCMP_CMP_EQ},
        };
        assert_errno_rule("getpriority", args, 2, EACCES, check_same_index_or);
}

static int check_different_index_and(void)
{
        CHECK(getpriority(PRIO_PROCESS, 777777) == -1 && errno == EACCES);
        /* only one condition matches: the kernel answers (no such process) */
        CHECK(getpriority(PRIO_PGRP, 777777) == -1 && errno == ESRCH);
        errno = 0;
        getpriority(PRIO_PROCESS, 0);
        CHECK(errno == 0);
        return 0;
}

static void test_load_different_index_args_are_anded(void **state)
{
        RtSeccompArg args[] = {
            {.index = 0, .value = PRIO_PROCESS, .op = RT_SCMP_CMP_EQ},
            {.index = 1, .value = 777777, .op = RT_SCMP_CMP_EQ},
        };
        assert_errno_rule("getpriority", args, 2, EACCES, check_different_index_and);
}

static int check_masked_eq(void)
{
        /* (mode & 0700) == 0700 is refused */
        CHECK(syscall(SYS_umask, 0755) == -1 && errno == EXDEV);
        CHECK(syscall(SYS_umask, 0700) == -1 && errno == EXDEV);
        CHECK(syscall(SYS_umask, 0022) >= 0);
        CHECK(syscall(SYS_umask, 0100) >= 0);
        return 0;
}

static void test_load_masked_eq(void **state)
{
        /* MASKED_EQ: value is the mask, valueTwo the expected value */
        RtSeccompArg args[] = {
            {.index = 0, .value = 0700, .value_two = 0700, .op = RT_SCMP_CMP_MASKED_EQ},
        };
        assert_errno_rule("umask", args, 1, EXDEV, check_masked_eq);
}

static int check_masked_eq_true(void)
{
        CHECK(syscall(SYS_umask, 0750) == -1 && errno == EXDEV);
        CHECK(syscall(SYS_umask, 0751) == -1 && errno == EXDEV);
        CHECK(syscall(SYS_umask, 0700) >= 0); /* group bits 0 */
        CHECK(syscall(SYS_umask, 0770) >= 0); /* group bits 7 */
        return 0;
}

static void test_load_masked_eq_value_two(void **state)
{
        /* (mode & 070) == 050 is refused */
        RtSeccompArg args[] = {
            {.index = 0, .value = 070, .value_two = 050, .op = RT_SCMP_CMP_MASKED_EQ},
        };
        assert_errno_rule("umask", args, 1, EXDEV, check_masked_eq_true);
}

static int check_mkdir_eperm(void)
{
        CHECK(mkdir("/tmp/berth-seccomp-test-never", 0700) < 0 && errno == EPERM);
        CHECK(getpid() > 1);
        return 0;
}

static void test_unknown_syscall_skipped(void **state)
{
        char *names[] = {"berth_no_such_syscall", "mkdir", "mkdirat", NULL};
        RtSeccompRule rules[] = {{.names = names, .action = RT_SCMP_ERRNO}};
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        /* no errnoRet: EPERM, as runc */
        assert_exit_ok(run_filtered(&s, check_mkdir_eperm));
}

static int check_default_errno(void)
{
        CHECK(getpid() > 1); /* allowed */
        CHECK(mkdir("/tmp/berth-seccomp-test-never", 0700) < 0 && errno == EOPNOTSUPP);
        CHECK(syscall(SYS_getppid) == -1 && errno == EOPNOTSUPP);
        return 0;
}

/* what the child and sanitizers need on the way out */
static char *minimal_allow[] = {"getpid",      "exit",   "exit_group",     "write",
                                "sigaltstack", "munmap", "rt_sigprocmask", NULL};

static void test_default_errno_with_errno_ret(void **state)
{
        RtSeccompRule rules[] = {{.names = minimal_allow, .action = RT_SCMP_ALLOW}};
        RtSeccomp s = profile(RT_SCMP_ERRNO, rules, 1);
        s.default_errno_ret = opt(EOPNOTSUPP);
        assert_exit_ok(run_filtered(&s, check_default_errno));
}

static int check_default_eperm(void)
{
        CHECK(getpid() > 1);
        CHECK(syscall(SYS_getppid) == -1 && errno == EPERM);
        return 0;
}

static void test_default_errno_is_eperm(void **state)
{
        RtSeccompRule rules[] = {{.names = minimal_allow, .action = RT_SCMP_ALLOW}};
        RtSeccomp s = profile(RT_SCMP_ERRNO, rules, 1);
        assert_exit_ok(run_filtered(&s, check_default_eperm));
}

static int check_killed(void)
{
        mkdir("/tmp/berth-seccomp-test-never", 0700);
        return 99; /* not reached */
}

static void test_kill_process_action(void **state)
{
        RtSeccompRule rules[] = {{.names = mkdir_names, .action = RT_SCMP_KILL_PROCESS}};
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        int status = run_filtered(&s, check_killed);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGSYS);
}

static int check_log_flag(void)
{
        CHECK(mkdir("/tmp/berth-seccomp-test-never", 0700) < 0 && errno == ENOSYS);
        return 0;
}

static void test_load_with_flags(void **state)
{
        char *flags[] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC", NULL};
        RtSeccompRule rules[] = {
            {.names = mkdir_names, .action = RT_SCMP_ERRNO, .errno_ret = opt(ENOSYS)}};
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        s.flags = flags;
        assert_exit_ok(run_filtered(&s, check_log_flag));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_action_names),
            cmocka_unit_test(test_op_names),
            cmocka_unit_test(test_arch_and_flag_names),
            cmocka_unit_test(test_compile_basic),
            cmocka_unit_test(test_compile_flags),
            cmocka_unit_test(test_compile_bad_flag_and_arch),
            cmocka_unit_test(test_compile_architectures),
            cmocka_unit_test(test_compile_foreign_syscalls),
            cmocka_unit_test(test_compile_notify),
            cmocka_unit_test(test_load_notify_listener),
            cmocka_unit_test(test_compile_rule_equal_to_default),
            cmocka_unit_test(test_compile_bad_arg_index),
            cmocka_unit_test(test_load_rejects_empty),
            cmocka_unit_test(test_load_errno_rules),
            cmocka_unit_test(test_load_same_index_args_are_ored),
            cmocka_unit_test(test_load_different_index_args_are_anded),
            cmocka_unit_test(test_load_masked_eq),
            cmocka_unit_test(test_load_masked_eq_value_two),
            cmocka_unit_test(test_unknown_syscall_skipped),
            cmocka_unit_test(test_default_errno_with_errno_ret),
            cmocka_unit_test(test_default_errno_is_eperm),
            cmocka_unit_test(test_kill_process_action),
            cmocka_unit_test(test_load_with_flags),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
