/* Docker's default seccomp profile (moby/profiles seccomp/default.json) as data,
 * and the filter that turns a profile into an OCI linux.seccomp object for the
 * running architecture and a capability set, as moby's setupSeccomp does.
 * The tables below were transcribed from the profile; the logic is ours. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/cleanup.h"
#include "daemon/specgen.h"
#include "daemon/specgen_internal.h"

typedef struct SeccompArgDef {
        unsigned index;
        unsigned long long value;
        unsigned long long value_two;
        const char *op;
} SeccompArgDef;

typedef struct SeccompRuleDef {
        const char *const *names;
        const char *action;
        int errno_ret; /* -1: none */
        const SeccompArgDef *args;
        size_t n_args;
        const char *const *inc_arches;
        const char *const *inc_caps;
        const char *inc_min_kernel;
        const char *const *exc_arches;
        const char *const *exc_caps;
} SeccompRuleDef;

static const char *const names_0[] = {"accept",
                                      "accept4",
                                      "access",
                                      "adjtimex",
                                      "alarm",
                                      "bind",
                                      "brk",
                                      "cachestat",
                                      "capget",
                                      "capset",
                                      "chdir",
                                      "chmod",
                                      "chown",
                                      "chown32",
                                      "clock_adjtime",
                                      "clock_adjtime64",
                                      "clock_getres",
                                      "clock_getres_time64",
                                      "clock_gettime",
                                      "clock_gettime64",
                                      "clock_nanosleep",
                                      "clock_nanosleep_time64",
                                      "close",
                                      "close_range",
                                      "connect",
                                      "copy_file_range",
                                      "creat",
                                      "dup",
                                      "dup2",
                                      "dup3",
                                      "epoll_create",
                                      "epoll_create1",
                                      "epoll_ctl",
                                      "epoll_ctl_old",
                                      "epoll_pwait",
                                      "epoll_pwait2",
                                      "epoll_wait",
                                      "epoll_wait_old",
                                      "eventfd",
                                      "eventfd2",
                                      "execve",
                                      "execveat",
                                      "exit",
                                      "exit_group",
                                      "faccessat",
                                      "faccessat2",
                                      "fadvise64",
                                      "fadvise64_64",
                                      "fallocate",
                                      "fanotify_mark",
                                      "fchdir",
                                      "fchmod",
                                      "fchmodat",
                                      "fchmodat2",
                                      "fchown",
                                      "fchown32",
                                      "fchownat",
                                      "fcntl",
                                      "fcntl64",
                                      "fdatasync",
                                      "fgetxattr",
                                      "flistxattr",
                                      "flock",
                                      "fork",
                                      "fremovexattr",
                                      "fsetxattr",
                                      "fstat",
                                      "fstat64",
                                      "fstatat64",
                                      "fstatfs",
                                      "fstatfs64",
                                      "fsync",
                                      "ftruncate",
                                      "ftruncate64",
                                      "futex",
                                      "futex_requeue",
                                      "futex_time64",
                                      "futex_wait",
                                      "futex_waitv",
                                      "futex_wake",
                                      "futimesat",
                                      "getcpu",
                                      "getcwd",
                                      "getdents",
                                      "getdents64",
                                      "getegid",
                                      "getegid32",
                                      "geteuid",
                                      "geteuid32",
                                      "getgid",
                                      "getgid32",
                                      "getgroups",
                                      "getgroups32",
                                      "getitimer",
                                      "getpeername",
                                      "getpgid",
                                      "getpgrp",
                                      "getpid",
                                      "getppid",
                                      "getpriority",
                                      "getrandom",
                                      "getresgid",
                                      "getresgid32",
                                      "getresuid",
                                      "getresuid32",
                                      "getrlimit",
                                      "get_robust_list",
                                      "getrusage",
                                      "getsid",
                                      "getsockname",
                                      "getsockopt",
                                      "get_thread_area",
                                      "gettid",
                                      "gettimeofday",
                                      "getuid",
                                      "getuid32",
                                      "getxattr",
                                      "getxattrat",
                                      "inotify_add_watch",
                                      "inotify_init",
                                      "inotify_init1",
                                      "inotify_rm_watch",
                                      "io_cancel",
                                      "ioctl",
                                      "io_destroy",
                                      "io_getevents",
                                      "io_pgetevents",
                                      "io_pgetevents_time64",
                                      "ioprio_get",
                                      "ioprio_set",
                                      "io_setup",
                                      "io_submit",
                                      "ipc",
                                      "kill",
                                      "landlock_add_rule",
                                      "landlock_create_ruleset",
                                      "landlock_restrict_self",
                                      "lchown",
                                      "lchown32",
                                      "lgetxattr",
                                      "link",
                                      "linkat",
                                      "listen",
                                      "listmount",
                                      "listxattr",
                                      "listxattrat",
                                      "llistxattr",
                                      "_llseek",
                                      "lremovexattr",
                                      "lseek",
                                      "lsetxattr",
                                      "lstat",
                                      "lstat64",
                                      "madvise",
                                      "map_shadow_stack",
                                      "membarrier",
                                      "memfd_create",
                                      "memfd_secret",
                                      "mincore",
                                      "mkdir",
                                      "mkdirat",
                                      "mknod",
                                      "mknodat",
                                      "mlock",
                                      "mlock2",
                                      "mlockall",
                                      "mmap",
                                      "mmap2",
                                      "mprotect",
                                      "mq_getsetattr",
                                      "mq_notify",
                                      "mq_open",
                                      "mq_timedreceive",
                                      "mq_timedreceive_time64",
                                      "mq_timedsend",
                                      "mq_timedsend_time64",
                                      "mq_unlink",
                                      "mremap",
                                      "mseal",
                                      "msgctl",
                                      "msgget",
                                      "msgrcv",
                                      "msgsnd",
                                      "msync",
                                      "munlock",
                                      "munlockall",
                                      "munmap",
                                      "name_to_handle_at",
                                      "nanosleep",
                                      "newfstatat",
                                      "_newselect",
                                      "open",
                                      "openat",
                                      "openat2",
                                      "pause",
                                      "pidfd_open",
                                      "pidfd_send_signal",
                                      "pipe",
                                      "pipe2",
                                      "pkey_alloc",
                                      "pkey_free",
                                      "pkey_mprotect",
                                      "poll",
                                      "ppoll",
                                      "ppoll_time64",
                                      "prctl",
                                      "pread64",
                                      "preadv",
                                      "preadv2",
                                      "prlimit64",
                                      "process_mrelease",
                                      "pselect6",
                                      "pselect6_time64",
                                      "pwrite64",
                                      "pwritev",
                                      "pwritev2",
                                      "read",
                                      "readahead",
                                      "readlink",
                                      "readlinkat",
                                      "readv",
                                      "recv",
                                      "recvfrom",
                                      "recvmmsg",
                                      "recvmmsg_time64",
                                      "recvmsg",
                                      "remap_file_pages",
                                      "removexattr",
                                      "removexattrat",
                                      "rename",
                                      "renameat",
                                      "renameat2",
                                      "restart_syscall",
                                      "riscv_hwprobe",
                                      "rmdir",
                                      "rseq",
                                      "rt_sigaction",
                                      "rt_sigpending",
                                      "rt_sigprocmask",
                                      "rt_sigqueueinfo",
                                      "rt_sigreturn",
                                      "rt_sigsuspend",
                                      "rt_sigtimedwait",
                                      "rt_sigtimedwait_time64",
                                      "rt_tgsigqueueinfo",
                                      "sched_getaffinity",
                                      "sched_getattr",
                                      "sched_getparam",
                                      "sched_get_priority_max",
                                      "sched_get_priority_min",
                                      "sched_getscheduler",
                                      "sched_rr_get_interval",
                                      "sched_rr_get_interval_time64",
                                      "sched_setaffinity",
                                      "sched_setattr",
                                      "sched_setparam",
                                      "sched_setscheduler",
                                      "sched_yield",
                                      "seccomp",
                                      "select",
                                      "semctl",
                                      "semget",
                                      "semop",
                                      "semtimedop",
                                      "semtimedop_time64",
                                      "send",
                                      "sendfile",
                                      "sendfile64",
                                      "sendmmsg",
                                      "sendmsg",
                                      "sendto",
                                      "setfsgid",
                                      "setfsgid32",
                                      "setfsuid",
                                      "setfsuid32",
                                      "setgid",
                                      "setgid32",
                                      "setgroups",
                                      "setgroups32",
                                      "setitimer",
                                      "setpgid",
                                      "setpriority",
                                      "setregid",
                                      "setregid32",
                                      "setresgid",
                                      "setresgid32",
                                      "setresuid",
                                      "setresuid32",
                                      "setreuid",
                                      "setreuid32",
                                      "setrlimit",
                                      "set_robust_list",
                                      "setsid",
                                      "setsockopt",
                                      "set_thread_area",
                                      "set_tid_address",
                                      "setuid",
                                      "setuid32",
                                      "setxattr",
                                      "setxattrat",
                                      "shmat",
                                      "shmctl",
                                      "shmdt",
                                      "shmget",
                                      "shutdown",
                                      "sigaltstack",
                                      "signalfd",
                                      "signalfd4",
                                      "sigprocmask",
                                      "sigreturn",
                                      "socketcall",
                                      "socketpair",
                                      "splice",
                                      "stat",
                                      "stat64",
                                      "statfs",
                                      "statfs64",
                                      "statmount",
                                      "statx",
                                      "symlink",
                                      "symlinkat",
                                      "sync",
                                      "sync_file_range",
                                      "syncfs",
                                      "sysinfo",
                                      "tee",
                                      "tgkill",
                                      "time",
                                      "timer_create",
                                      "timer_delete",
                                      "timer_getoverrun",
                                      "timer_gettime",
                                      "timer_gettime64",
                                      "timer_settime",
                                      "timer_settime64",
                                      "timerfd_create",
                                      "timerfd_gettime",
                                      "timerfd_gettime64",
                                      "timerfd_settime",
                                      "timerfd_settime64",
                                      "times",
                                      "tkill",
                                      "truncate",
                                      "truncate64",
                                      "ugetrlimit",
                                      "umask",
                                      "uname",
                                      "unlink",
                                      "unlinkat",
                                      "uretprobe",
                                      "utime",
                                      "utimensat",
                                      "utimensat_time64",
                                      "utimes",
                                      "vfork",
                                      "vmsplice",
                                      "wait4",
                                      "waitid",
                                      "waitpid",
                                      "write",
                                      "writev",
                                      NULL};
static const char *const names_1[] = {"process_vm_readv", "process_vm_writev", "ptrace", NULL};
static const char *const names_2[] = {"socket", NULL};
static const SeccompArgDef args_2[] = {
    {0, 38ULL, 0ULL, "SCMP_CMP_LT"},
};
static const char *const names_3[] = {"socket", NULL};
static const SeccompArgDef args_3[] = {
    {0, 39ULL, 0ULL, "SCMP_CMP_EQ"},
};
static const char *const names_4[] = {"socket", NULL};
static const SeccompArgDef args_4[] = {
    {0, 40ULL, 0ULL, "SCMP_CMP_GT"},
};
static const char *const names_5[] = {"personality", NULL};
static const SeccompArgDef args_5[] = {
    {0, 0ULL, 0ULL, "SCMP_CMP_EQ"},
};
static const char *const names_6[] = {"personality", NULL};
static const SeccompArgDef args_6[] = {
    {0, 8ULL, 0ULL, "SCMP_CMP_EQ"},
};
static const char *const names_7[] = {"personality", NULL};
static const SeccompArgDef args_7[] = {
    {0, 131072ULL, 0ULL, "SCMP_CMP_EQ"},
};
static const char *const names_8[] = {"personality", NULL};
static const SeccompArgDef args_8[] = {
    {0, 131080ULL, 0ULL, "SCMP_CMP_EQ"},
};
static const char *const names_9[] = {"personality", NULL};
static const SeccompArgDef args_9[] = {
    {0, 4294967295ULL, 0ULL, "SCMP_CMP_EQ"},
};
static const char *const names_10[] = {"sync_file_range2", "swapcontext", NULL};
static const char *const inc_arches_10[] = {"ppc64le", NULL};
static const char *const names_11[] = {"arm_fadvise64_64",
                                       "arm_sync_file_range",
                                       "sync_file_range2",
                                       "breakpoint",
                                       "cacheflush",
                                       "set_tls",
                                       NULL};
static const char *const inc_arches_11[] = {"arm", "arm64", NULL};
static const char *const names_12[] = {"arch_prctl", NULL};
static const char *const inc_arches_12[] = {"amd64", "x32", NULL};
static const char *const names_13[] = {"modify_ldt", NULL};
static const char *const inc_arches_13[] = {"amd64", "x32", "x86", NULL};
static const char *const names_14[] = {"s390_pci_mmio_read", "s390_pci_mmio_write",
                                       "s390_runtime_instr", NULL};
static const char *const inc_arches_14[] = {"s390", "s390x", NULL};
static const char *const names_15[] = {"riscv_flush_icache", NULL};
static const char *const inc_arches_15[] = {"riscv64", NULL};
static const char *const names_16[] = {"open_by_handle_at", NULL};
static const char *const inc_caps_16[] = {"CAP_DAC_READ_SEARCH", NULL};
static const char *const names_17[] = {"bpf",
                                       "clone",
                                       "clone3",
                                       "fanotify_init",
                                       "fsconfig",
                                       "fsmount",
                                       "fsopen",
                                       "fspick",
                                       "lookup_dcookie",
                                       "lsm_get_self_attr",
                                       "lsm_list_modules",
                                       "lsm_set_self_attr",
                                       "mount",
                                       "mount_setattr",
                                       "move_mount",
                                       "open_tree",
                                       "perf_event_open",
                                       "quotactl",
                                       "quotactl_fd",
                                       "setdomainname",
                                       "sethostname",
                                       "setns",
                                       "syslog",
                                       "umount",
                                       "umount2",
                                       "unshare",
                                       NULL};
static const char *const inc_caps_17[] = {"CAP_SYS_ADMIN", NULL};
static const char *const names_18[] = {"clone", NULL};
static const SeccompArgDef args_18[] = {
    {0, 2114060288ULL, 0ULL, "SCMP_CMP_MASKED_EQ"},
};
static const char *const exc_arches_18[] = {"s390", "s390x", NULL};
static const char *const exc_caps_18[] = {"CAP_SYS_ADMIN", NULL};
static const char *const names_19[] = {"clone", NULL};
static const SeccompArgDef args_19[] = {
    {1, 2114060288ULL, 0ULL, "SCMP_CMP_MASKED_EQ"},
};
static const char *const inc_arches_19[] = {"s390", "s390x", NULL};
static const char *const exc_caps_19[] = {"CAP_SYS_ADMIN", NULL};
static const char *const names_20[] = {"clone3", NULL};
static const char *const exc_caps_20[] = {"CAP_SYS_ADMIN", NULL};
static const char *const names_21[] = {"reboot", NULL};
static const char *const inc_caps_21[] = {"CAP_SYS_BOOT", NULL};
static const char *const names_22[] = {"chroot", NULL};
static const char *const inc_caps_22[] = {"CAP_SYS_CHROOT", NULL};
static const char *const names_23[] = {"delete_module", "init_module", "finit_module", NULL};
static const char *const inc_caps_23[] = {"CAP_SYS_MODULE", NULL};
static const char *const names_24[] = {"acct", NULL};
static const char *const inc_caps_24[] = {"CAP_SYS_PACCT", NULL};
static const char *const names_25[] = {
    "kcmp",   "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
    "ptrace", NULL};
static const char *const inc_caps_25[] = {"CAP_SYS_PTRACE", NULL};
static const char *const names_26[] = {"iopl", "ioperm", NULL};
static const char *const inc_caps_26[] = {"CAP_SYS_RAWIO", NULL};
static const char *const names_27[] = {"settimeofday", "stime", "clock_settime", "clock_settime64",
                                       NULL};
static const char *const inc_caps_27[] = {"CAP_SYS_TIME", NULL};
static const char *const names_28[] = {"vhangup", NULL};
static const char *const inc_caps_28[] = {"CAP_SYS_TTY_CONFIG", NULL};
static const char *const names_29[] = {"get_mempolicy", "mbind", "set_mempolicy",
                                       "set_mempolicy_home_node", NULL};
static const char *const inc_caps_29[] = {"CAP_SYS_NICE", NULL};
static const char *const names_30[] = {"syslog", NULL};
static const char *const inc_caps_30[] = {"CAP_SYSLOG", NULL};
static const char *const names_31[] = {"bpf", NULL};
static const char *const inc_caps_31[] = {"CAP_BPF", NULL};
static const char *const names_32[] = {"perf_event_open", NULL};
static const char *const inc_caps_32[] = {"CAP_PERFMON", NULL};

static const SeccompRuleDef default_rules[] = {
    {names_0, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, NULL, NULL, NULL, NULL},
    {names_1, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, NULL, "4.8", NULL, NULL},
    {names_2, "SCMP_ACT_ALLOW", -1, args_2, 1, NULL, NULL, NULL, NULL, NULL},
    {names_3, "SCMP_ACT_ALLOW", -1, args_3, 1, NULL, NULL, NULL, NULL, NULL},
    {names_4, "SCMP_ACT_ALLOW", -1, args_4, 1, NULL, NULL, NULL, NULL, NULL},
    {names_5, "SCMP_ACT_ALLOW", -1, args_5, 1, NULL, NULL, NULL, NULL, NULL},
    {names_6, "SCMP_ACT_ALLOW", -1, args_6, 1, NULL, NULL, NULL, NULL, NULL},
    {names_7, "SCMP_ACT_ALLOW", -1, args_7, 1, NULL, NULL, NULL, NULL, NULL},
    {names_8, "SCMP_ACT_ALLOW", -1, args_8, 1, NULL, NULL, NULL, NULL, NULL},
    {names_9, "SCMP_ACT_ALLOW", -1, args_9, 1, NULL, NULL, NULL, NULL, NULL},
    {names_10, "SCMP_ACT_ALLOW", -1, NULL, 0, inc_arches_10, NULL, NULL, NULL, NULL},
    {names_11, "SCMP_ACT_ALLOW", -1, NULL, 0, inc_arches_11, NULL, NULL, NULL, NULL},
    {names_12, "SCMP_ACT_ALLOW", -1, NULL, 0, inc_arches_12, NULL, NULL, NULL, NULL},
    {names_13, "SCMP_ACT_ALLOW", -1, NULL, 0, inc_arches_13, NULL, NULL, NULL, NULL},
    {names_14, "SCMP_ACT_ALLOW", -1, NULL, 0, inc_arches_14, NULL, NULL, NULL, NULL},
    {names_15, "SCMP_ACT_ALLOW", -1, NULL, 0, inc_arches_15, NULL, NULL, NULL, NULL},
    {names_16, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_16, NULL, NULL, NULL},
    {names_17, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_17, NULL, NULL, NULL},
    {names_18, "SCMP_ACT_ALLOW", -1, args_18, 1, NULL, NULL, NULL, exc_arches_18, exc_caps_18},
    {names_19, "SCMP_ACT_ALLOW", -1, args_19, 1, inc_arches_19, NULL, NULL, NULL, exc_caps_19},
    {names_20, "SCMP_ACT_ERRNO", 38, NULL, 0, NULL, NULL, NULL, NULL, exc_caps_20},
    {names_21, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_21, NULL, NULL, NULL},
    {names_22, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_22, NULL, NULL, NULL},
    {names_23, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_23, NULL, NULL, NULL},
    {names_24, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_24, NULL, NULL, NULL},
    {names_25, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_25, NULL, NULL, NULL},
    {names_26, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_26, NULL, NULL, NULL},
    {names_27, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_27, NULL, NULL, NULL},
    {names_28, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_28, NULL, NULL, NULL},
    {names_29, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_29, NULL, NULL, NULL},
    {names_30, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_30, NULL, NULL, NULL},
    {names_31, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_31, NULL, NULL, NULL},
    {names_32, "SCMP_ACT_ALLOW", -1, NULL, 0, NULL, inc_caps_32, NULL, NULL, NULL},
};

typedef struct SeccompArchDef {
        const char *arch;
        const char *const *sub;
} SeccompArchDef;
static const char *const sub_0[] = {"SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};
static const char *const sub_1[] = {"SCMP_ARCH_ARM", NULL};
static const char *const sub_2[] = {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32", NULL};
static const char *const sub_3[] = {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", NULL};
static const char *const sub_4[] = {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32", NULL};
static const char *const sub_5[] = {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", NULL};
static const char *const sub_6[] = {"SCMP_ARCH_S390", NULL};
static const SeccompArchDef default_arch_map[] = {
    {"SCMP_ARCH_X86_64", sub_0},    {"SCMP_ARCH_AARCH64", sub_1},  {"SCMP_ARCH_MIPS64", sub_2},
    {"SCMP_ARCH_MIPS64N32", sub_3}, {"SCMP_ARCH_MIPSEL64", sub_4}, {"SCMP_ARCH_MIPSEL64N32", sub_5},
    {"SCMP_ARCH_S390X", sub_6},     {"SCMP_ARCH_RISCV64", NULL},   {"SCMP_ARCH_LOONGARCH64", NULL},
};

#define DEFAULT_ACTION    "SCMP_ACT_ERRNO"
#define DEFAULT_ERRNO_RET 1

/* The architecture names moby's profiles use in includes/excludes ("amd64")
 * and the libseccomp name of the running one. */
#if defined(__x86_64__)
#define NATIVE_ARCH "amd64"
#define NATIVE_SCMP "SCMP_ARCH_X86_64"
#elif defined(__i386__)
#define NATIVE_ARCH "x86"
#define NATIVE_SCMP "SCMP_ARCH_X86"
#elif defined(__aarch64__)
#define NATIVE_ARCH "arm64"
#define NATIVE_SCMP "SCMP_ARCH_AARCH64"
#elif defined(__arm__)
#define NATIVE_ARCH "arm"
#define NATIVE_SCMP "SCMP_ARCH_ARM"
#elif defined(__s390x__)
#define NATIVE_ARCH "s390x"
#define NATIVE_SCMP "SCMP_ARCH_S390X"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ARCH "ppc64le"
#define NATIVE_SCMP "SCMP_ARCH_PPC64LE"
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH "riscv64"
#define NATIVE_SCMP "SCMP_ARCH_RISCV64"
#elif defined(__loongarch64)
#define NATIVE_ARCH "loong64"
#define NATIVE_SCMP "SCMP_ARCH_LOONGARCH64"
#else
#define NATIVE_ARCH ""
#define NATIVE_SCMP ""
#endif

static json_t *strv_to_json(const char *const *v)
{
        json_t *a = json_array();
        for (size_t i = 0; v && v[i]; i++)
                json_array_append_new(a, json_string(v[i]));
        return a;
}

/* Docker's default profile in moby's profile format (with includes and
 * excludes), built from the tables above. */
json_t *specgen_default_profile(void)
{
        json_t *p = json_object();
        json_object_set_new(p, "defaultAction", json_string(DEFAULT_ACTION));
        json_object_set_new(p, "defaultErrnoRet", json_integer(DEFAULT_ERRNO_RET));
        json_t *am = json_array();
        for (size_t i = 0; i < ARRAY_SIZE(default_arch_map); i++) {
                json_t *e = json_object();
                json_object_set_new(e, "architecture", json_string(default_arch_map[i].arch));
                json_object_set_new(e, "subArchitectures",
                                    default_arch_map[i].sub ? strv_to_json(default_arch_map[i].sub)
                                                            : json_null());
                json_array_append_new(am, e);
        }
        json_object_set_new(p, "archMap", am);
        json_t *calls = json_array();
        for (size_t i = 0; i < ARRAY_SIZE(default_rules); i++) {
                const SeccompRuleDef *r = &default_rules[i];
                json_t *e = json_object();
                json_object_set_new(e, "names", strv_to_json(r->names));
                json_object_set_new(e, "action", json_string(r->action));
                if (r->errno_ret >= 0)
                        json_object_set_new(e, "errnoRet", json_integer(r->errno_ret));
                if (r->n_args > 0) {
                        json_t *args = json_array();
                        for (size_t k = 0; k < r->n_args; k++) {
                                json_t *a = json_object();
                                json_object_set_new(a, "index", json_integer(r->args[k].index));
                                json_object_set_new(a, "value",
                                                    json_integer((json_int_t)r->args[k].value));
                                if (r->args[k].value_two)
                                        json_object_set_new(
                                            a, "valueTwo",
                                            json_integer((json_int_t)r->args[k].value_two));
                                json_object_set_new(a, "op", json_string(r->args[k].op));
                                json_array_append_new(args, a);
                        }
                        json_object_set_new(e, "args", args);
                }
                if (r->inc_arches || r->inc_caps || r->inc_min_kernel) {
                        json_t *inc = json_object();
                        if (r->inc_arches)
                                json_object_set_new(inc, "arches", strv_to_json(r->inc_arches));
                        if (r->inc_caps)
                                json_object_set_new(inc, "caps", strv_to_json(r->inc_caps));
                        if (r->inc_min_kernel)
                                json_object_set_new(inc, "minKernel",
                                                    json_string(r->inc_min_kernel));
                        json_object_set_new(e, "includes", inc);
                }
                if (r->exc_arches || r->exc_caps) {
                        json_t *exc = json_object();
                        if (r->exc_arches)
                                json_object_set_new(exc, "arches", strv_to_json(r->exc_arches));
                        if (r->exc_caps)
                                json_object_set_new(exc, "caps", strv_to_json(r->exc_caps));
                        json_object_set_new(e, "excludes", exc);
                }
                json_array_append_new(calls, e);
        }
        json_object_set_new(p, "syscalls", calls);
        return p;
}

/* "4.8" against the running kernel (uname -r). */
static int kernel_at_least(const char *want, bool *ret)
{
        unsigned wmaj = 0, wmin = 0;
        if (sscanf(want, "%u.%u", &wmaj, &wmin) < 1)
                return -EINVAL;
        struct utsname u;
        if (uname(&u) < 0)
                return -errno;
        unsigned kmaj = 0, kmin = 0;
        if (sscanf(u.release, "%u.%u", &kmaj, &kmin) < 1)
                return -EINVAL;
        *ret = kmaj > wmaj || (kmaj == wmaj && kmin >= wmin);
        return 0;
}

static bool json_strv_contains(json_t *arr, const char *s)
{
        size_t i;
        json_t *v;
        if (!json_is_array(arr))
                return false;
        json_array_foreach(arr, i,
                           v) if (json_is_string(v) && STREQ(json_string_value(v), s)) return true;
        return false;
}

static bool caps_contains(const char *const *caps, const char *c)
{
        for (size_t i = 0; caps && caps[i]; i++)
                if (STREQ(caps[i], c))
                        return true;
        return false;
}

/* Any of arr's strings in caps (all_of=false), or all of them (true). */
static bool caps_match(json_t *arr, const char *const *caps, bool all_of)
{
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v)
        {
                bool in = json_is_string(v) && caps_contains(caps, json_string_value(v));
                if (all_of && !in)
                        return false;
                if (!all_of && in)
                        return true;
        }
        return all_of;
}

static int nonempty_array(json_t *obj, const char *key, json_t **ret)
{
        json_t *v = json_object_get(obj, key);
        if (!v || json_is_null(v)) {
                *ret = NULL;
                return 0;
        }
        if (!json_is_array(v))
                return -EINVAL;
        *ret = json_array_size(v) > 0 ? v : NULL;
        return 0;
}

int specgen_seccomp_from_profile(json_t *profile, const char *const *caps, json_t **ret,
                                 BerthError **err)
{
        *ret = NULL;
        if (!json_is_object(profile))
                return error_set(err, EINVAL,
                                 "Decoding seccomp profile failed: expected a JSON object");
        json_t *da = json_object_get(profile, "defaultAction");
        json_t *calls = json_object_get(profile, "syscalls");
        if (da && !json_is_string(da))
                return error_set(err, EINVAL,
                                 "Decoding seccomp profile failed: defaultAction must be a string");
        if (calls && !json_is_null(calls) && !json_is_array(calls))
                return error_set(err, EINVAL,
                                 "Decoding seccomp profile failed: syscalls must be an array");
        if ((!da || !*json_string_value(da)) && json_array_size(calls) == 0)
                return 0; /* no filter at all */
        json_t *arches, *arch_map;
        if (nonempty_array(profile, "architectures", &arches) < 0 ||
            nonempty_array(profile, "archMap", &arch_map) < 0)
                return error_set(err, EINVAL,
                                 "Decoding seccomp profile failed: architectures and archMap "
                                 "must be arrays");
        if (arches && arch_map)
                return error_set(err, EINVAL,
                                 "both 'architectures' and 'archMap' are specified in the seccomp "
                                 "profile, use either 'architectures' or 'archMap'");

        _cleanup_json_ json_t *out = json_object();
        if (!da || !*json_string_value(da))
                return error_set(err, EINVAL,
                                 "seccomp profile: defaultAction is required when syscalls are "
                                 "listed");
        json_object_set(out, "defaultAction", da);
        static const char *const copied[] = {"defaultErrnoRet", "flags", "listenerPath",
                                             "listenerMetadata"};
        for (size_t i = 0; i < ARRAY_SIZE(copied); i++) {
                json_t *v = json_object_get(profile, copied[i]);
                if (v && !json_is_null(v))
                        json_object_set(out, copied[i], v);
        }
        json_t *out_arches = json_array();
        if (arches)
                json_array_extend(out_arches, arches);
        size_t i;
        json_t *e;
        if (arch_map && *NATIVE_SCMP) {
                json_array_foreach(arch_map, i, e)
                {
                        json_t *a = json_object_get(e, "architecture");
                        if (!json_is_string(a) || !STREQ(json_string_value(a), NATIVE_SCMP))
                                continue;
                        json_array_append(out_arches, a);
                        json_t *sub = json_object_get(e, "subArchitectures");
                        if (json_is_array(sub))
                                json_array_extend(out_arches, sub);
                        break;
                }
        }

        if (json_array_size(out_arches) > 0)
                json_object_set_new(out, "architectures", out_arches);
        else
                json_decref(out_arches);
        json_t *out_calls = json_array();
        json_object_set_new(out, "syscalls", out_calls);
        json_array_foreach(calls, i, e)
        {
                if (!json_is_object(e))
                        return error_set(err, EINVAL,
                                         "Decoding seccomp profile failed: syscalls[%zu] must be "
                                         "an object",
                                         i);
                json_t *name = json_object_get(e, "name");
                json_t *names = json_object_get(e, "names");
                if (json_is_string(name) && *json_string_value(name) && json_array_size(names) > 0)
                        return error_set(err, EINVAL,
                                         "both 'name' and 'names' are specified in the seccomp "
                                         "profile, use either 'name' or 'names'");
                json_t *exc = json_object_get(e, "excludes");
                json_t *inc = json_object_get(e, "includes");
                bool skip = false;
                if (json_is_object(exc)) {
                        json_t *v = json_object_get(exc, "arches");
                        if (json_array_size(v) > 0 && json_strv_contains(v, NATIVE_ARCH))
                                skip = true;
                        v = json_object_get(exc, "caps");
                        if (!skip && json_array_size(v) > 0 && caps_match(v, caps, false))
                                skip = true;
                        v = json_object_get(exc, "minKernel");
                        if (!skip && json_is_string(v) && *json_string_value(v)) {
                                bool ge;
                                if (kernel_at_least(json_string_value(v), &ge) < 0)
                                        return error_set(err, EINVAL,
                                                         "seccomp profile: invalid kernel "
                                                         "version '%s'",
                                                         json_string_value(v));
                                skip = ge;
                        }
                }
                if (!skip && json_is_object(inc)) {
                        json_t *v = json_object_get(inc, "arches");
                        if (json_array_size(v) > 0 && !json_strv_contains(v, NATIVE_ARCH))
                                skip = true;
                        v = json_object_get(inc, "caps");
                        if (!skip && json_array_size(v) > 0 && !caps_match(v, caps, true))
                                skip = true;
                        v = json_object_get(inc, "minKernel");
                        if (!skip && json_is_string(v) && *json_string_value(v)) {
                                bool ge;
                                if (kernel_at_least(json_string_value(v), &ge) < 0)
                                        return error_set(err, EINVAL,
                                                         "seccomp profile: invalid kernel "
                                                         "version '%s'",
                                                         json_string_value(v));
                                skip = !ge;
                        }
                }
                if (skip)
                        continue;
                json_t *o = json_object();
                if (json_is_string(name) && *json_string_value(name)) {
                        json_t *n = json_array();
                        json_array_append(n, name);
                        json_object_set_new(o, "names", n);
                } else if (names)
                        json_object_set(o, "names", names);
                static const char *const keep[] = {"action", "errnoRet", "args"};
                for (size_t k = 0; k < ARRAY_SIZE(keep); k++) {
                        json_t *v = json_object_get(e, keep[k]);
                        if (v && !json_is_null(v))
                                json_object_set(o, keep[k], v);
                }
                json_array_append_new(out_calls, o);
        }
        *ret = TAKE_PTR(out);
        return 0;
}

json_t *specgen_default_seccomp(const char *const *caps)
{
        _cleanup_json_ json_t *profile = specgen_default_profile();
        json_t *out = NULL;
        if (specgen_seccomp_from_profile(profile, caps, &out, NULL) < 0)
                return NULL;
        return out;
}
