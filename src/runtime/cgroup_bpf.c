/* The cgroup v2 device filter: an eBPF program of type CGROUP_DEVICE,
 * assembled here and loaded with bpf(2) (no libbpf). It sees
 * {access_type = access << 16 | type, major, minor} and returns 1 to allow.
 * Rules are tested from the last to the first and the first hit decides,
 * which is "last match wins" as in runc; no hit denies. An allow rule hits
 * when it grants all the access asked for, a deny rule when it names any
 * of it (so "deny w" refuses an open for read+write, as v1 does). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/cgroup_internal.h"

#define INSN(c, d, s, o, i)                                                                        \
        ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
/* rD = *(u32 *)(rS + off) */
#define LDX_W(d, s, o)    INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define ALU32_K(op, d, i) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define MOV32_X(d, s)     INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_K(d, i)     INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
/* 32-bit compares: the context fields are u32 and majors may exceed INT32_MAX */
#define JNE32_K(d, i) INSN(BPF_JMP32 | BPF_JNE | BPF_K, d, 0, 0, i)
#define JNE32_X(d, s) INSN(BPF_JMP32 | BPF_JNE | BPF_X, d, s, 0, 0)
#define JEQ32_K(d, i) INSN(BPF_JMP32 | BPF_JEQ | BPF_K, d, 0, 0, i)
#define EXIT()        INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int access_mask(const char *access, int32_t *ret)
{
        int32_t m = 0;
        for (const char *p = access && *access ? access : "rwm"; *p; p++) {
                switch (*p) {
                case 'r':
                        m |= BPF_DEVCG_ACC_READ;
                        break;
                case 'w':
                        m |= BPF_DEVCG_ACC_WRITE;
                        break;
                case 'm':
                        m |= BPF_DEVCG_ACC_MKNOD;
                        break;
                default:
                        return -EINVAL;
                }
        }
        *ret = m;
        return 0;
}

int rt_cg_bpf_devices_program(const RtDeviceRule *rules, size_t n, struct bpf_insn **ret,
                              size_t *ret_n, BerthError **err)
{
        /* at most 6 prologue, 7 per rule, 2 epilogue */
        size_t cap = 8 + 7 * n, len = 0;
        _cleanup_free_ struct bpf_insn *p = calloc(cap, sizeof(*p));
        if (!p)
                return error_set(err, ENOMEM, "out of memory");
        p[len++] = LDX_W(BPF_REG_2, BPF_REG_1, 0); /* type */
        p[len++] = ALU32_K(BPF_AND, BPF_REG_2, 0xffff);
        p[len++] = LDX_W(BPF_REG_3, BPF_REG_1, 0); /* access */
        p[len++] = ALU32_K(BPF_RSH, BPF_REG_3, 16);
        p[len++] = LDX_W(BPF_REG_4, BPF_REG_1, 4); /* major */
        p[len++] = LDX_W(BPF_REG_5, BPF_REG_1, 8); /* minor */
        const int32_t all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
        bool total = false;
        for (size_t k = n; k-- > 0;) {
                const RtDeviceRule *d = &rules[k];
                char type = d->type ? d->type : 'a';
                int32_t acc;
                if (type != 'a' && type != 'b' && type != 'c')
                        return error_set(err, EINVAL, "cgroup: device rule %zu: bad type '%c'", k,
                                         type);
                if (access_mask(d->access, &acc) < 0)
                        return error_set(err, EINVAL, "cgroup: device rule %zu: bad access '%s'", k,
                                         d->access);
                if (d->major > UINT32_MAX || d->minor > UINT32_MAX)
                        return error_set(err, EINVAL, "cgroup: device rule %zu: bad number", k);
                size_t start = len;
                if (type != 'a')
                        p[len++] = JNE32_K(BPF_REG_2,
                                           type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
                if (acc != all) {
                        p[len++] = MOV32_X(BPF_REG_1, BPF_REG_3);
                        p[len++] = ALU32_K(BPF_AND, BPF_REG_1, acc);
                        if (d->allow)
                                p[len++] = JNE32_X(BPF_REG_1, BPF_REG_3); /* asks for more */
                        else
                                p[len++] = JEQ32_K(BPF_REG_1, 0); /* asks for none of it */
                }
                if (d->major >= 0)
                        p[len++] = JNE32_K(BPF_REG_4, (int32_t)(uint32_t)d->major);
                if (d->minor >= 0)
                        p[len++] = JNE32_K(BPF_REG_5, (int32_t)(uint32_t)d->minor);
                p[len++] = MOV64_K(BPF_REG_0, d->allow ? 1 : 0);
                p[len++] = EXIT();
                /* each failed test jumps past this rule's block */
                for (size_t j = start; j < len; j++)
                        if (BPF_CLASS(p[j].code) == BPF_JMP32)
                                p[j].off = (int16_t)(len - j - 1);
                if (len == start + 2) {
                        total = true; /* matches everything: earlier rules are unreachable */
                        break;
                }
        }
        if (!total) {
                p[len++] = MOV64_K(BPF_REG_0, 0);
                p[len++] = EXIT();
        }
        *ret = TAKE_PTR(p);
        *ret_n = len;
        return 0;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
        return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int load(const struct bpf_insn *insns, size_t n, BerthError **err)
{
        static const char license[] = "Apache-2.0";
        union bpf_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t)(uintptr_t)insns;
        attr.insn_cnt = (uint32_t)n;
        attr.license = (uint64_t)(uintptr_t)license;
        int fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0)
                return fd;
        int e = errno;
        /* again with the verifier's log, to say why */
        char log[4096] = "";
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = sizeof(log);
        attr.log_level = 1;
        fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0)
                return fd;
        log[sizeof(log) - 1] = '\0';
        char *nl = strrchr(log, '\n');
        while (nl && nl > log && nl[1] == '\0') {
                *nl = '\0';
                nl = strrchr(log, '\n');
        }
        if (*log)
                return error_set_errno(err, e, "cgroup: load the device filter (%s)",
                                       nl ? nl + 1 : log);
        return error_set_errno(err, e, "cgroup: load the device filter");
}

int rt_cg_bpf_devices_attach(const char *dir, const RtDeviceRule *rules, size_t n, BerthError **err)
{
        _cleanup_free_ struct bpf_insn *insns = NULL;
        size_t ninsns = 0;
        int r = rt_cg_bpf_devices_program(rules, n, &insns, &ninsns, err);
        if (r < 0)
                return r;
        _cleanup_close_ int prog = load(insns, ninsns, err);
        if (prog < 0)
                return prog;
        _cleanup_close_ int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgfd < 0)
                return error_set_errno(err, errno, "cgroup: open %s", dir);

        /* programs attached before (an earlier apply): replaced below */
        uint32_t old[64];
        union bpf_attr q;
        memset(&q, 0, sizeof(q));
        q.query.target_fd = (uint32_t)cgfd;
        q.query.attach_type = BPF_CGROUP_DEVICE;
        q.query.prog_ids = (uint64_t)(uintptr_t)old;
        q.query.prog_cnt = ARRAY_SIZE(old);
        size_t n_old = 0;
        if (sys_bpf(BPF_PROG_QUERY, &q) == 0)
                n_old = q.query.prog_cnt;

        union bpf_attr a;
        memset(&a, 0, sizeof(a));
        a.target_fd = (uint32_t)cgfd;
        a.attach_bpf_fd = (uint32_t)prog;
        a.attach_type = BPF_CGROUP_DEVICE;
        a.attach_flags = BPF_F_ALLOW_MULTI;
        bool attached = sys_bpf(BPF_PROG_ATTACH, &a) == 0;
        int attach_errno = errno;
        for (size_t i = 0; i < n_old; i++) {
                union bpf_attr g;
                memset(&g, 0, sizeof(g));
                g.prog_id = old[i];
                _cleanup_close_ int ofd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
                if (ofd < 0)
                        continue;
                union bpf_attr d;
                memset(&d, 0, sizeof(d));
                d.target_fd = (uint32_t)cgfd;
                d.attach_bpf_fd = (uint32_t)ofd;
                d.attach_type = BPF_CGROUP_DEVICE;
                if (sys_bpf(BPF_PROG_DETACH, &d) < 0)
                        log_debug("cgroup: detach device program %u from %s: %m", old[i], dir);
        }
        /* an old program attached without ALLOW_MULTI refuses company:
         * it is gone now, so try once more */
        if (!attached && n_old > 0)
                attached = sys_bpf(BPF_PROG_ATTACH, &a) == 0 || (attach_errno = errno, false);
        if (!attached)
                return error_set_errno(err, attach_errno, "cgroup: attach the device filter to %s",
                                       dir);
        return 0;
}
