/* seccomp: the name tables of the config, compiling a filter to BPF with
 * libseccomp in the runtime, and loading the compiled program in the child. */
#include <errno.h>
#include <linux/seccomp.h>
#include "runtime/libseccomp.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/strv.h"
#include "runtime/seccomp.h"

static const char *const action_names[] = {
    [RT_SCMP_KILL] = "SCMP_ACT_KILL",
    [RT_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [RT_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [RT_SCMP_TRAP] = "SCMP_ACT_TRAP",
    [RT_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
    [RT_SCMP_TRACE] = "SCMP_ACT_TRACE",
    [RT_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
    [RT_SCMP_LOG] = "SCMP_ACT_LOG",
    [RT_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const op_names[] = {
    [RT_SCMP_CMP_NE] = "SCMP_CMP_NE",
    [RT_SCMP_CMP_LT] = "SCMP_CMP_LT",
    [RT_SCMP_CMP_LE] = "SCMP_CMP_LE",
    [RT_SCMP_CMP_EQ] = "SCMP_CMP_EQ",
    [RT_SCMP_CMP_GE] = "SCMP_CMP_GE",
    [RT_SCMP_CMP_GT] = "SCMP_CMP_GT",
    [RT_SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static const enum scmp_compare op_scmp[] = {
    [RT_SCMP_CMP_NE] = SCMP_CMP_NE,
    [RT_SCMP_CMP_LT] = SCMP_CMP_LT,
    [RT_SCMP_CMP_LE] = SCMP_CMP_LE,
    [RT_SCMP_CMP_EQ] = SCMP_CMP_EQ,
    [RT_SCMP_CMP_GE] = SCMP_CMP_GE,
    [RT_SCMP_CMP_GT] = SCMP_CMP_GT,
    [RT_SCMP_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

/* token 0: an architecture runc accepts that this libseccomp does not know. */
static const struct {
        const char *name;
        uint32_t token;
} arch_table[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#else
    {"SCMP_ARCH_LOONGARCH64", 0},
#endif
};

static const struct {
        const char *name;
        unsigned int flag;
} flag_table[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1U << 5},
};

int rt_seccomp_action_from_name(const char *name)
{
        if (!name)
                return -EINVAL;
        for (size_t i = 0; i < ARRAY_SIZE(action_names); i++)
                if (STREQ(action_names[i], name))
                        return (int)i;
        return -EINVAL;
}

const char *rt_seccomp_action_to_name(RtSeccompAction a)
{
        if ((unsigned)a >= ARRAY_SIZE(action_names))
                return NULL;
        return action_names[a];
}

int rt_seccomp_op_from_name(const char *name)
{
        if (!name)
                return -EINVAL;
        for (size_t i = 0; i < ARRAY_SIZE(op_names); i++)
                if (STREQ(op_names[i], name))
                        return (int)i;
        return -EINVAL;
}

static int arch_lookup(const char *name)
{
        for (size_t i = 0; name && i < ARRAY_SIZE(arch_table); i++)
                if (STREQ(arch_table[i].name, name))
                        return (int)i;
        return -EINVAL;
}

bool rt_seccomp_arch_known(const char *name)
{
        return arch_lookup(name) >= 0;
}

static int flag_lookup(const char *name)
{
        for (size_t i = 0; name && i < ARRAY_SIZE(flag_table); i++)
                if (STREQ(flag_table[i].name, name))
                        return (int)i;
        return -EINVAL;
}

const char *rt_seccomp_op_name(size_t i)
{
        return i < ARRAY_SIZE(op_names) ? op_names[i] : NULL;
}

const char *rt_seccomp_arch_name(size_t i)
{
        return i < ARRAY_SIZE(arch_table) ? arch_table[i].name : NULL;
}

const char *rt_seccomp_flag_name(size_t i)
{
        return i < ARRAY_SIZE(flag_table) ? flag_table[i].name : NULL;
}

bool rt_seccomp_flag_known(const char *name)
{
        return flag_lookup(name) >= 0;
}

unsigned int rt_seccomp_known_flags(void)
{
        unsigned int mask = 0;
        for (size_t i = 0; i < ARRAY_SIZE(flag_table); i++)
                mask |= flag_table[i].flag;
        return mask;
}

RtSeccompProgram *rt_seccomp_program_free(RtSeccompProgram *p)
{
        if (p) {
                free(p->filter);
                free(p);
        }
        return NULL;
}

DEFINE_CLEANUP(RtSeccompProgram, rt_seccomp_program_free)

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

/* The libseccomp action of a config action; errno_ret as runc reads it:
 * ERRNO and TRACE default to EPERM. */
static int action_value(RtSeccompAction a, const RtOpt *errno_ret, uint32_t *ret, BerthError **err)
{
        uint32_t code = errno_ret && errno_ret->set ? (uint32_t)errno_ret->value : EPERM;
        switch (a) {
        case RT_SCMP_KILL:
        case RT_SCMP_KILL_THREAD:
                *ret = SCMP_ACT_KILL_THREAD;
                return 0;
        case RT_SCMP_KILL_PROCESS:
                *ret = SCMP_ACT_KILL_PROCESS;
                return 0;
        case RT_SCMP_TRAP:
                *ret = SCMP_ACT_TRAP;
                return 0;
        case RT_SCMP_ERRNO:
                *ret = SCMP_ACT_ERRNO(code);
                return 0;
        case RT_SCMP_TRACE:
                *ret = SCMP_ACT_TRACE(code);
                return 0;
        case RT_SCMP_ALLOW:
                *ret = SCMP_ACT_ALLOW;
                return 0;
        case RT_SCMP_LOG:
                *ret = SCMP_ACT_LOG;
                return 0;
        case RT_SCMP_NOTIFY:
                *ret = SCMP_ACT_NOTIFY;
                return 0;
        }
        return error_set(err, EINVAL, "unknown seccomp action %d", (int)a);
}

static bool args_share_index(const RtSeccompRule *rule)
{
        for (size_t i = 0; i < rule->n_args; i++)
                for (size_t j = i + 1; j < rule->n_args; j++)
                        if (rule->args[i].index == rule->args[j].index)
                                return true;
        return false;
}

static int make_cmp(const RtSeccompArg *a, struct scmp_arg_cmp *ret, BerthError **err)
{
        if (a->index > 5)
                return error_set(err, EINVAL, "seccomp argument index %u out of range (0-5)",
                                 a->index);
        if ((unsigned)a->op >= ARRAY_SIZE(op_scmp))
                return error_set(err, EINVAL, "unknown seccomp comparison %d", (int)a->op);
        /* For MASKED_EQ, value is the mask and valueTwo the expected value. */
        *ret = (struct scmp_arg_cmp){
            .arg = a->index,
            .op = op_scmp[a->op],
            .datum_a = a->value,
            .datum_b = a->value_two,
        };
        return 0;
}

static int add_rule(scmp_filter_ctx ctx, const RtSeccompRule *rule, const char *name,
                    uint32_t action, BerthError **err)
{
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) {
                log_debug("seccomp: unknown syscall '%s' skipped", name);
                return 0;
        }
        struct scmp_arg_cmp cmps[6];
        int r;
        if (rule->n_args == 0) {
                r = seccomp_rule_add_array(ctx, action, nr, 0, NULL);
        } else if (args_share_index(rule)) {
                /* runc: conditions on the same argument are alternatives, one rule each. */
                for (size_t i = 0; i < rule->n_args; i++) {
                        r = make_cmp(&rule->args[i], &cmps[0], err);
                        if (r < 0)
                                return error_prefix(err, "seccomp rule for '%s'", name);
                        r = seccomp_rule_add_array(ctx, action, nr, 1, cmps);
                        if (r < 0)
                                break;
                }
        } else {
                if (rule->n_args > ARRAY_SIZE(cmps))
                        return error_set(err, EINVAL, "seccomp rule for '%s': too many arguments",
                                         name);
                for (size_t i = 0; i < rule->n_args; i++) {
                        r = make_cmp(&rule->args[i], &cmps[i], err);
                        if (r < 0)
                                return error_prefix(err, "seccomp rule for '%s'", name);
                }
                r = seccomp_rule_add_array(ctx, action, nr, (unsigned)rule->n_args, cmps);
        }
        if (r < 0)
                return error_set_errno(err, r, "add seccomp rule for '%s'", name);
        return 0;
}

/* libseccomp writes BPF only to an fd: use a memfd and read it back. */
static int export_bpf(scmp_filter_ctx ctx, RtSeccompProgram *p, BerthError **err)
{
        _cleanup_close_ int fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "create a memfd for the seccomp filter");
        int r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return error_set_errno(err, r, "export the seccomp filter");
        struct stat st;
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat the exported seccomp filter");
        size_t size = (size_t)st.st_size;
        if (size == 0 || size % sizeof(struct sock_filter) != 0)
                return error_set(err, EIO, "exported seccomp filter has a bad size %zu", size);
        _cleanup_free_ struct sock_filter *buf = malloc(size);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory for the seccomp filter");
        if (lseek(fd, 0, SEEK_SET) < 0)
                return error_set_errno(err, errno, "rewind the exported seccomp filter");
        ssize_t n = read_all_fd(fd, buf, size);
        if (n < 0)
                return error_set_errno(err, (int)n, "read the exported seccomp filter");
        if ((size_t)n != size)
                return error_set(err, EIO, "short read of the exported seccomp filter");
        p->filter = TAKE_PTR(buf);
        p->len = size / sizeof(struct sock_filter);
        return 0;
}

int rt_seccomp_compile(const RtSeccomp *s, RtSeccompProgram **ret, BerthError **err)
{
        if (s->default_action == RT_SCMP_NOTIFY)
                return error_set(err, EINVAL,
                                 "seccomp default action: SCMP_ACT_NOTIFY cannot be the default "
                                 "(the runtime's own setup would wait on the listener)");
        bool notify = false;
        for (size_t i = 0; i < s->n_syscalls; i++)
                notify |= s->syscalls[i].action == RT_SCMP_NOTIFY;
        if (notify && (!s->listener_path || !*s->listener_path))
                return error_set(err, EINVAL,
                                 "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY rules");
        uint32_t def;
        int r = action_value(s->default_action, &s->default_errno_ret, &def, err);
        if (r < 0)
                return error_prefix(err, "seccomp default action");

        _cleanup_(rt_seccomp_program_freep) RtSeccompProgram *p = calloc(1, sizeof(*p));
        if (!p)
                return error_set(err, ENOMEM, "out of memory");
        STRV_FOREACH(f, s->flags)
        {
                int i = flag_lookup(*f);
                if (i < 0)
                        return error_set(err, EINVAL, "unknown seccomp flag '%s'", *f);
                p->flags |= flag_table[i].flag;
        }

        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(def);
        if (!ctx)
                return error_set(err, EINVAL, "initialise the seccomp filter");
        /* The runtime sets no_new_privs itself when the config asks for it. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return error_set_errno(err, r, "seccomp: disable no_new_privs on load");

        STRV_FOREACH(a, s->architectures)
        {
                int i = arch_lookup(*a);
                if (i < 0)
                        return error_set(err, EINVAL, "unknown seccomp architecture '%s'", *a);
                if (arch_table[i].token == 0) {
                        log_debug("seccomp: architecture %s unknown to libseccomp, skipped", *a);
                        continue;
                }
                r = seccomp_arch_add(ctx, arch_table[i].token);
                if (r < 0 && r != -EEXIST)
                        return error_set_errno(err, r, "add seccomp architecture %s", *a);
        }

        for (size_t i = 0; i < s->n_syscalls; i++) {
                const RtSeccompRule *rule = &s->syscalls[i];
                uint32_t action;
                r = action_value(rule->action, &rule->errno_ret, &action, err);
                if (r < 0)
                        return error_prefix(err, "seccomp rule %zu", i);
                /* libseccomp refuses rules that repeat the default action. */
                if (action == def)
                        continue;
                STRV_FOREACH(name, rule->names)
                {
                        r = add_rule(ctx, rule, *name, action, err);
                        if (r < 0)
                                return r;
                }
        }

        r = export_bpf(ctx, p, err);
        if (r < 0)
                return r;
        p->notify = notify;
        *ret = TAKE_PTR(p);
        return 0;
}

int rt_seccomp_load(const RtSeccompProgram *p, BerthError **err)
{
        struct sock_fprog prog = {
            .len = (unsigned short)p->len,
            .filter = p->filter,
        };
        if (p->len == 0 || p->len > BPF_MAXINSNS)
                return error_set(err, EINVAL, "seccomp filter has %zu instructions (1-%d allowed)",
                                 p->len, BPF_MAXINSNS);
        unsigned int flags = p->flags | (p->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
        long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
        if (fd >= 0)
                return p->notify ? (int)fd : 0;
        int e = errno;
        if (e == ENOSYS && p->flags == 0) {
                if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0)
                        return 0;
                e = errno;
        }
        return error_set_errno(err, e, "load the seccomp filter");
}
