/* Unit tests for src/runtime/seccomp.c: the name tables, compiling a
 * profile, and loading it in a forked child to see the syscalls it blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
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

static void assert_notify_answered(const RtSeccompProgram *p);

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
        assert_notify_answered(p);
}

/* Loads p (with a NOTIFY rule on getppid) in a child, which passes the
 * listener to us; we answer its getppid() with 4242. */
static void assert_notify_answered(const RtSeccompProgram *p)
{
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

/* ---- the cache of compiled programs (seccomp_cache.c) ---- */

/* A fresh runtime root; removed by rm_root. */
static char *make_root(void)
{
        char *root = strdup("/tmp/berth-seccomp-cache-XXXXXX");
        assert_non_null(root);
        assert_non_null(mkdtemp(root));
        return root;
}

static void rm_root(char *root)
{
        assert_int_equal(rm_rf(root, NULL), 0);
        free(root);
}

static char *cache_path(const char *root, const char *name)
{
        char *p = NULL;
        assert_true(asprintf(&p, "%s/.seccomp-cache%s%s", root, name ? "/" : "", name ? name : "") >
                    0);
        return p;
}

/* The number of cached programs, and the name of the last one seen. */
static size_t cache_entries(const char *root, char name[64])
{
        _cleanup_free_ char *dir = cache_path(root, NULL);
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return 0;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                if (len > 4 && STREQ(de->d_name + len - 4, ".bpf")) {
                        n++;
                        if (name && len < 64)
                                memcpy(name, de->d_name, len + 1);
                }
        }
        return n;
}

static void assert_same_program(const RtSeccompProgram *a, const RtSeccompProgram *b)
{
        assert_int_equal(a->len, b->len);
        assert_int_equal(a->flags, b->flags);
        assert_int_equal(a->notify, b->notify);
        assert_memory_equal(a->filter, b->filter, a->len * sizeof(*a->filter));
}

/* Compiles s through the cache at root; returns 1 (hit) or 0 (miss) after
 * checking the program is the one rt_seccomp_compile makes. */
static int cached(const RtSeccomp *s, const char *root)
{
        _cleanup_prog_ RtSeccompProgram *p = NULL;
        _cleanup_prog_ RtSeccompProgram *want = NULL;
        _cleanup_error_ BerthError *err = NULL;
        int r = rt_seccomp_compile_cached(s, root, &p, &err);
        if (r < 0)
                print_message("# cached compile: %s\n", err->message);
        assert_true(r == 0 || r == 1);
        assert_int_equal(rt_seccomp_compile(s, &want, &err), 0);
        assert_same_program(p, want);
        return r;
}

static void test_cache_miss_then_hit(void **state)
{
        char *root = make_root();
        char *flags[] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL};
        char *archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", NULL};
        RtSeccompArg args[] = {{.index = 0, .value = 1, .op = RT_SCMP_CMP_EQ}};
        static char *prio[] = {"getpriority", NULL};
        RtSeccompRule rules[] = {
            {.names = mkdir_names, .action = RT_SCMP_ERRNO, .errno_ret = opt(ENOSYS)},
            {.names = prio, .action = RT_SCMP_ERRNO, .args = args, .n_args = 1},
        };
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 2);
        s.flags = flags;
        s.architectures = archs;
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cache_entries(root, NULL), 1);
        assert_int_equal(cached(&s, root), 1);
        assert_int_equal(cached(&s, root), 1);
        assert_int_equal(cache_entries(root, NULL), 1);

        _cleanup_prog_ RtSeccompProgram *p = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_seccomp_compile_cached(&s, root, &p, &err), 1);
        assert_int_equal(p->flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
        assert_false(p->notify);

        /* the directory is private to the runtime */
        _cleanup_free_ char *dir = cache_path(root, NULL);
        struct stat st;
        assert_int_equal(stat(dir, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        /* no root: compiles, caches nothing */
        assert_int_equal(cached(&s, NULL), 0);
        rm_root(root);
}

/* A program from the cache is loaded and enforced like a compiled one,
 * flags included (TSYNC, LOG). */
static void test_cache_hit_loads(void **state)
{
        char *root = make_root();
        char *flags[] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC", NULL};
        RtSeccompRule rules[] = {
            {.names = mkdir_names, .action = RT_SCMP_ERRNO, .errno_ret = opt(ENOSYS)}};
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        s.flags = flags;
        assert_int_equal(cached(&s, root), 0);
        _cleanup_prog_ RtSeccompProgram *p = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_seccomp_compile_cached(&s, root, &p, &err), 1);
        assert_int_equal(p->flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_TSYNC);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(200);
                if (rt_seccomp_load(p, NULL) < 0)
                        _exit(201);
                _exit(check_log_flag());
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_exit_ok(status);
        rm_root(root);
}

/* The notify bit survives the cache, and the cached program still makes a
 * listener. The listener path is not part of the program: two paths share
 * an entry, while a missing path (a compile error) never hits. */
static void test_cache_notify(void **state)
{
        char *root = make_root();
        static char *names[] = {"getppid", NULL};
        RtSeccompRule rules[] = {{.names = names, .action = RT_SCMP_NOTIFY}};
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        s.listener_path = "/run/agent-a.sock";
        assert_int_equal(cached(&s, root), 0);
        s.listener_path = "/run/agent-b.sock";
        s.listener_metadata = "meta";
        _cleanup_prog_ RtSeccompProgram *p = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_seccomp_compile_cached(&s, root, &p, &err), 1);
        assert_true(p->notify);
        assert_notify_answered(p);

        s.listener_path = NULL;
        RtSeccompProgram *none = NULL;
        assert_int_equal(rt_seccomp_compile_cached(&s, root, &none, &err), -EINVAL);
        assert_non_null(strstr(err->message, "listenerPath"));
        assert_null(none);
        assert_int_equal(cache_entries(root, NULL), 1);
        rm_root(root);
}

/* Profiles that differ anywhere get entries of their own. */
static void test_cache_distinct_profiles(void **state)
{
        char *root = make_root();
        static char *prio[] = {"getpriority", NULL};
        static char *other[] = {"rmdir", NULL};
        RtSeccompArg args[] = {{.index = 0, .value = 1, .op = RT_SCMP_CMP_EQ}};
        RtSeccompRule rules[] = {
            {.names = mkdir_names, .action = RT_SCMP_ERRNO, .errno_ret = opt(ENOSYS)},
            {.names = prio, .action = RT_SCMP_ERRNO, .args = args, .n_args = 1},
        };
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 2);
        assert_int_equal(cached(&s, root), 0);
        size_t n = 1;

        rules[0].errno_ret = opt(EPERM); /* one errno value */
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cache_entries(root, NULL), ++n);
        rules[0].errno_ret = (RtOpt){0}; /* errno unset (EPERM as well) */
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cache_entries(root, NULL), ++n);
        rules[0].errno_ret = opt(ENOSYS);
        assert_int_equal(cached(&s, root), 1);

        args[0].value = 2; /* one argument value */
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cache_entries(root, NULL), ++n);
        args[0].op = RT_SCMP_CMP_NE; /* one operator */
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cache_entries(root, NULL), ++n);
        args[0].index = 1; /* one argument index */
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cache_entries(root, NULL), ++n);
        rules[1].names = other; /* one syscall name */
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cache_entries(root, NULL), ++n);
        s.default_errno_ret = opt(EPERM); /* unused, but part of the profile */
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cache_entries(root, NULL), ++n);
        s.default_action = RT_SCMP_LOG;
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cache_entries(root, NULL), ++n);
        char *flags[] = {"SECCOMP_FILTER_FLAG_LOG", NULL};
        s.flags = flags;
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cache_entries(root, NULL), ++n);
        char *archs[] = {"SCMP_ARCH_X86", NULL};
        s.architectures = archs;
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cache_entries(root, NULL), ++n);
        /* and every one of them is still there */
        s = profile(RT_SCMP_ALLOW, rules, 2);
        rules[0].errno_ret = opt(ENOSYS);
        rules[1].names = prio;
        args[0] = (RtSeccompArg){.index = 0, .value = 1, .op = RT_SCMP_CMP_EQ};
        assert_int_equal(cached(&s, root), 1);
        rules[0].errno_ret = opt(EPERM);
        assert_int_equal(cached(&s, root), 1);
        rm_root(root);
}

static void write_file_bytes(const char *path, const void *data, size_t len)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write_all_fd(fd, data, len), 0);
        close(fd);
}

/* A short, garbled or otherwise wrong file is a miss and gets replaced. */
static void test_cache_corrupt_file(void **state)
{
        char *root = make_root();
        RtSeccompRule rules[] = {
            {.names = mkdir_names, .action = RT_SCMP_ERRNO, .errno_ret = opt(ENOSYS)}};
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        assert_int_equal(cached(&s, root), 0);
        char name[64];
        assert_int_equal(cache_entries(root, name), 1);
        _cleanup_free_ char *path = cache_path(root, name);
        _cleanup_free_ char *good = NULL;
        size_t len = 0;
        assert_int_equal(read_file(path, &good, &len, NULL), 0);
        assert_true(len > 64);

        /* truncated at several points */
        size_t cuts[] = {0, 7, 32, len / 2, len - 8, len - 1};
        for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
                assert_int_equal(truncate(path, (off_t)cuts[i]), 0);
                assert_int_equal(cached(&s, root), 0);
                assert_int_equal(cached(&s, root), 1);
        }
        /* garbage of the right size */
        _cleanup_free_ char *junk = malloc(len);
        assert_non_null(junk);
        for (size_t i = 0; i < len; i++)
                junk[i] = (char)(i * 131 + 7);
        write_file_bytes(path, junk, len);
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cached(&s, root), 1);
        /* one bit of an instruction changed: caught by the checksum */
        memcpy(junk, good, len);
        junk[len - 12] ^= 1;
        write_file_bytes(path, junk, len);
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cached(&s, root), 1);
        /* longer than it should be */
        memcpy(junk, good, len);
        write_file_bytes(path, good, len);
        assert_int_equal(cached(&s, root), 1);
        int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write_all_fd(fd, "x", 1), 0);
        close(fd);
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cached(&s, root), 1);
        /* a symlink to a valid file is not followed, and gets replaced */
        _cleanup_free_ char *elsewhere = NULL;
        assert_true(asprintf(&elsewhere, "%s/elsewhere", root) > 0);
        write_file_bytes(elsewhere, good, len);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(symlink(elsewhere, path), 0);
        assert_int_equal(cached(&s, root), 0);
        struct stat st;
        assert_int_equal(lstat(path, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(cached(&s, root), 1);
        /* the file that was replaced is byte for byte the first one */
        _cleanup_free_ char *again = NULL;
        size_t len2 = 0;
        assert_int_equal(read_file(path, &again, &len2, NULL), 0);
        assert_int_equal(len2, len);
        assert_memory_equal(again, good, len);
        rm_root(root);
}

/* At most RT_SECCOMP_CACHE_MAX programs; the least recently used go first. */
static void test_cache_bound(void **state)
{
        char *root = make_root();
        RtSeccompRule rules[] = {{.names = mkdir_names, .action = RT_SCMP_ERRNO}};
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);
        for (int e = 1; e <= RT_SECCOMP_CACHE_MAX + 8; e++) {
                rules[0].errno_ret = opt(e);
                assert_int_equal(cached(&s, root), 0);
                assert_true(cache_entries(root, NULL) <= RT_SECCOMP_CACHE_MAX);
                if (e == RT_SECCOMP_CACHE_MAX - 1) {
                        /* errno 1 used again: it outlives 2 to 9, evicted below */
                        struct timespec ts = {.tv_nsec = 20 * 1000 * 1000};
                        nanosleep(&ts, NULL);
                        rules[0].errno_ret = opt(1);
                        assert_int_equal(cached(&s, root), 1);
                }
                /* distinct mtimes even on a coarse clock */
                struct timespec ts = {.tv_nsec = 2 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
        assert_int_equal(cache_entries(root, NULL), RT_SECCOMP_CACHE_MAX);
        rules[0].errno_ret = opt(RT_SECCOMP_CACHE_MAX + 8);
        assert_int_equal(cached(&s, root), 1);
        rules[0].errno_ret = opt(1);
        assert_int_equal(cached(&s, root), 1);
        rules[0].errno_ret = opt(2); /* evicted: misses, and is added back */
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cached(&s, root), 1);
        assert_int_equal(cache_entries(root, NULL), RT_SECCOMP_CACHE_MAX);
        rm_root(root);
}

/* A cache that cannot be used never stops a compile. */
static void test_cache_unusable(void **state)
{
        RtSeccompRule rules[] = {
            {.names = mkdir_names, .action = RT_SCMP_ERRNO, .errno_ret = opt(ENOSYS)}};
        RtSeccomp s = profile(RT_SCMP_ALLOW, rules, 1);

        /* no such root */
        assert_int_equal(cached(&s, "/nonexistent/berth-seccomp-root"), 0);
        assert_int_equal(cached(&s, "/nonexistent/berth-seccomp-root"), 0);

        /* the cache directory's name taken by a file */
        char *root = make_root();
        _cleanup_free_ char *dir = cache_path(root, NULL);
        write_file_bytes(dir, "x", 1);
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cached(&s, root), 0);
        /* ... or by a symlink to a directory */
        assert_int_equal(unlink(dir), 0);
        _cleanup_free_ char *target = NULL;
        assert_true(asprintf(&target, "%s/target", root) > 0);
        assert_int_equal(mkdir(target, 0700), 0);
        assert_int_equal(symlink(target, dir), 0);
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(unlink(dir), 0);

        /* a directory others may write, or that is not ours, is not trusted */
        assert_int_equal(mkdir(dir, 0700), 0);
        assert_int_equal(chmod(dir, 0777), 0);
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cache_entries(root, NULL), 0);
        assert_int_equal(chmod(dir, 0700), 0);
        if (geteuid() == 0) {
                assert_int_equal(chown(dir, 65534, 65534), 0);
                assert_int_equal(cached(&s, root), 0);
                assert_int_equal(cached(&s, root), 0);
                assert_int_equal(cache_entries(root, NULL), 0);
                assert_int_equal(chown(dir, 0, 0), 0);
        } else {
                print_message("# not root: the foreign-owner case is skipped\n");
        }
        assert_int_equal(cached(&s, root), 0);
        assert_int_equal(cached(&s, root), 1);

        /* a read-only cache directory: misses every time, still compiles */
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (unshare(CLONE_NEWNS) < 0 ||
                    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(77);
                if (mount("tmpfs", dir, "tmpfs", MS_RDONLY, "mode=0700") < 0)
                        _exit(78);
                _exit(cached(&s, root) == 0 && cached(&s, root) == 0 &&
                              cache_entries(root, NULL) == 0
                          ? 0
                          : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 77 || WEXITSTATUS(status) == 78)
                print_message("# cannot mount a read-only tmpfs here: that case is skipped\n");
        else
                assert_int_equal(WEXITSTATUS(status), 0);
        rm_root(root);
}

/* Not a test of speed (no assertion): prints what the cache saves on a
 * large profile, all syscalls of the x86_64 table with a few argument rules. */
static void test_cache_timing(void **state)
{
        static char *names[] = {"accept",
                                "accept4",
                                "access",
                                "adjtimex",
                                "alarm",
                                "bind",
                                "brk",
                                "capget",
                                "capset",
                                "chdir",
                                "chmod",
                                "chown",
                                "clock_getres",
                                "clock_gettime",
                                "clock_nanosleep",
                                "close",
                                "connect",
                                "copy_file_range",
                                "creat",
                                "dup",
                                "dup2",
                                "dup3",
                                "epoll_create",
                                "epoll_create1",
                                "epoll_ctl",
                                "epoll_pwait",
                                "epoll_wait",
                                "eventfd",
                                "eventfd2",
                                "execve",
                                "execveat",
                                "exit",
                                "exit_group",
                                "faccessat",
                                "faccessat2",
                                "fadvise64",
                                "fallocate",
                                "fchdir",
                                "fchmod",
                                "fchmodat",
                                "fchown",
                                "fchownat",
                                "fcntl",
                                "fdatasync",
                                "fgetxattr",
                                "flistxattr",
                                "flock",
                                "fork",
                                "fremovexattr",
                                "fsetxattr",
                                "fstat",
                                "fstatfs",
                                "fsync",
                                "ftruncate",
                                "futex",
                                "getcwd",
                                "getdents",
                                "getdents64",
                                "getegid",
                                "geteuid",
                                "getgid",
                                "getgroups",
                                "getitimer",
                                "getpeername",
                                "getpgid",
                                "getpgrp",
                                "getpid",
                                "getppid",
                                "getpriority",
                                "getrandom",
                                "getresgid",
                                "getresuid",
                                "getrlimit",
                                "getrusage",
                                "getsid",
                                "getsockname",
                                "getsockopt",
                                "gettid",
                                "gettimeofday",
                                "getuid",
                                "getxattr",
                                "inotify_add_watch",
                                "inotify_init",
                                "inotify_init1",
                                "inotify_rm_watch",
                                "io_cancel",
                                "io_destroy",
                                "io_getevents",
                                "io_setup",
                                "io_submit",
                                "ioctl",
                                "kill",
                                "lchown",
                                "lgetxattr",
                                "link",
                                "linkat",
                                "listen",
                                "listxattr",
                                "llistxattr",
                                "lremovexattr",
                                "lseek",
                                "lsetxattr",
                                "lstat",
                                "madvise",
                                "memfd_create",
                                "mincore",
                                "mkdir",
                                "mkdirat",
                                "mknod",
                                "mknodat",
                                "mlock",
                                "mlockall",
                                "mmap",
                                "mprotect",
                                "mremap",
                                "msync",
                                "munlock",
                                "munmap",
                                "nanosleep",
                                "newfstatat",
                                "open",
                                "openat",
                                "pause",
                                "pipe",
                                "pipe2",
                                "poll",
                                "ppoll",
                                "prctl",
                                "pread64",
                                "preadv",
                                "prlimit64",
                                "pselect6",
                                "pwrite64",
                                "pwritev",
                                "read",
                                "readahead",
                                "readlink",
                                "readlinkat",
                                "readv",
                                "recvfrom",
                                "recvmmsg",
                                "recvmsg",
                                "rename",
                                "renameat",
                                "renameat2",
                                "rmdir",
                                "rt_sigaction",
                                "rt_sigpending",
                                "rt_sigprocmask",
                                "rt_sigqueueinfo",
                                "rt_sigreturn",
                                "rt_sigsuspend",
                                "rt_sigtimedwait",
                                "sched_getaffinity",
                                "sched_yield",
                                "select",
                                "sendfile",
                                "sendmmsg",
                                "sendmsg",
                                "sendto",
                                "set_robust_list",
                                "set_tid_address",
                                "setgid",
                                "setgroups",
                                "setitimer",
                                "setpgid",
                                "setpriority",
                                "setsid",
                                "setsockopt",
                                "setuid",
                                "shutdown",
                                "sigaltstack",
                                "socket",
                                "socketpair",
                                "stat",
                                "statfs",
                                "statx",
                                "symlink",
                                "symlinkat",
                                "sync",
                                "sysinfo",
                                "tgkill",
                                "time",
                                "timer_create",
                                "timer_delete",
                                "timerfd_create",
                                "timerfd_gettime",
                                "timerfd_settime",
                                "tkill",
                                "truncate",
                                "umask",
                                "uname",
                                "unlink",
                                "unlinkat",
                                "utime",
                                "utimensat",
                                "utimes",
                                "vfork",
                                "wait4",
                                "waitid",
                                "write",
                                "writev",
                                NULL};
        static char *personality[] = {"personality", NULL};
        static char *clone[] = {"clone", NULL};
        RtSeccompArg pargs[] = {{.index = 0, .value = 0, .op = RT_SCMP_CMP_EQ},
                                {.index = 0, .value = 8, .op = RT_SCMP_CMP_EQ},
                                {.index = 0, .value = 0x20000, .op = RT_SCMP_CMP_EQ},
                                {.index = 0, .value = 0xffffffff, .op = RT_SCMP_CMP_EQ}};
        RtSeccompArg cargs[] = {{.index = 0, .value = 0x7e020000, .op = RT_SCMP_CMP_MASKED_EQ}};
        RtSeccompRule rules[] = {
            {.names = names, .action = RT_SCMP_ALLOW},
            {.names = personality, .action = RT_SCMP_ALLOW, .args = pargs, .n_args = 4},
            {.names = clone, .action = RT_SCMP_ALLOW, .args = cargs, .n_args = 1},
        };
        char *archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};
        RtSeccomp s = profile(RT_SCMP_ERRNO, rules, ARRAY_SIZE(rules));
        s.architectures = archs;
        char *root = make_root();
        enum { ROUNDS = 20 };
        double t_compile = 0, t_cached = 0;
        for (int i = 0; i < ROUNDS; i++) {
                struct timespec a, b, c;
                _cleanup_prog_ RtSeccompProgram *p1 = NULL;
                _cleanup_prog_ RtSeccompProgram *p2 = NULL;
                clock_gettime(CLOCK_MONOTONIC, &a);
                assert_int_equal(rt_seccomp_compile(&s, &p1, NULL), 0);
                clock_gettime(CLOCK_MONOTONIC, &b);
                assert_int_equal(rt_seccomp_compile_cached(&s, root, &p2, NULL), i > 0);
                clock_gettime(CLOCK_MONOTONIC, &c);
                assert_same_program(p1, p2);
                t_compile += (double)(b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
                if (i > 0)
                        t_cached +=
                            (double)(c.tv_sec - b.tv_sec) * 1e3 + (c.tv_nsec - b.tv_nsec) / 1e6;
        }
        print_message("# %zu-name profile: compile %.3f ms, cache hit %.3f ms (mean of %d)\n",
                      ARRAY_SIZE(names) - 1, t_compile / ROUNDS, t_cached / (ROUNDS - 1), ROUNDS);
        rm_root(root);
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
            cmocka_unit_test(test_cache_miss_then_hit),
            cmocka_unit_test(test_cache_hit_loads),
            cmocka_unit_test(test_cache_notify),
            cmocka_unit_test(test_cache_distinct_profiles),
            cmocka_unit_test(test_cache_corrupt_file),
            cmocka_unit_test(test_cache_bound),
            cmocka_unit_test(test_cache_unusable),
            cmocka_unit_test(test_cache_timing),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
