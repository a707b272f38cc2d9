/* Linux capabilities: the name table, what the runtime holds, and applying
 * the five sets of a process in the container child. Uses raw syscalls and
 * prctl only, so it is safe in a freshly cloned child. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/caps.h"

/* Indexed by capability number (values of <linux/capability.h>). */
static const char *const cap_names[] = {
    [CAP_CHOWN] = "CAP_CHOWN",
    [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
    [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
    [CAP_FOWNER] = "CAP_FOWNER",
    [CAP_FSETID] = "CAP_FSETID",
    [CAP_KILL] = "CAP_KILL",
    [CAP_SETGID] = "CAP_SETGID",
    [CAP_SETUID] = "CAP_SETUID",
    [CAP_SETPCAP] = "CAP_SETPCAP",
    [CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
    [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
    [CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
    [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
    [CAP_NET_RAW] = "CAP_NET_RAW",
    [CAP_IPC_LOCK] = "CAP_IPC_LOCK",
    [CAP_IPC_OWNER] = "CAP_IPC_OWNER",
    [CAP_SYS_MODULE] = "CAP_SYS_MODULE",
    [CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
    [CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
    [CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
    [CAP_SYS_PACCT] = "CAP_SYS_PACCT",
    [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
    [CAP_SYS_BOOT] = "CAP_SYS_BOOT",
    [CAP_SYS_NICE] = "CAP_SYS_NICE",
    [CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
    [CAP_SYS_TIME] = "CAP_SYS_TIME",
    [CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
    [CAP_MKNOD] = "CAP_MKNOD",
    [CAP_LEASE] = "CAP_LEASE",
    [CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
    [CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
    [CAP_SETFCAP] = "CAP_SETFCAP",
    [CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
    [CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
    [CAP_SYSLOG] = "CAP_SYSLOG",
    [CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
    [CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
    [CAP_AUDIT_READ] = "CAP_AUDIT_READ",
    [CAP_PERFMON] = "CAP_PERFMON",
    [CAP_BPF] = "CAP_BPF",
    [CAP_CHECKPOINT_RESTORE] = "CAP_CHECKPOINT_RESTORE",
};

#define CAP_TABLE_LAST ((int)ARRAY_SIZE(cap_names) - 1)

int rt_cap_from_name(const char *name)
{
        if (!name)
                return -EINVAL;
        if (strncasecmp(name, "CAP_", 4) == 0)
                name += 4;
        if (*name == '\0')
                return -EINVAL;
        for (int i = 0; i <= CAP_TABLE_LAST; i++)
                if (strcasecmp(cap_names[i] + 4, name) == 0)
                        return i;
        return -EINVAL;
}

const char *rt_cap_to_name(int cap)
{
        if (cap < 0 || cap > CAP_TABLE_LAST)
                return NULL;
        return cap_names[cap];
}

/* Reads a small /proc file into buf (NUL-terminated) without allocating. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t len = 0;
        while (len < size - 1) {
                ssize_t n = read(fd, buf + len, size - 1 - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        return (ssize_t)len;
}

int rt_cap_last(void)
{
        char buf[32];
        if (read_small("/proc/sys/kernel/cap_last_cap", buf, sizeof(buf)) <= 0)
                return CAP_TABLE_LAST;
        char *end = NULL;
        long v = strtol(buf, &end, 10);
        if (end == buf || v < 0)
                return CAP_TABLE_LAST;
        return v < CAP_TABLE_LAST ? (int)v : CAP_TABLE_LAST;
}

uint64_t rt_cap_bounding_mask(void)
{
        char buf[4096];
        if (read_small("/proc/self/status", buf, sizeof(buf)) <= 0)
                return 0;
        const char *p = strstr(buf, "\nCapBnd:");
        if (!p)
                return 0;
        return strtoull(p + strlen("\nCapBnd:"), NULL, 16);
}

static uint64_t cap_bit(int cap)
{
        return (uint64_t)1 << cap;
}

/* Every capability number the kernel and our table know. */
static uint64_t known_mask(void)
{
        int last = rt_cap_last();
        return last >= 63 ? UINT64_MAX : (cap_bit(last + 1) - 1);
}

int rt_caps_prepare(const RtProcess *proc, BerthError **err)
{
        uint64_t want = proc->has_capabilities ? proc->capabilities.bounding : 0;
        uint64_t held = rt_cap_bounding_mask();
        int last = rt_cap_last();

        for (int cap = 0; cap <= last; cap++) {
                if (!(want & cap_bit(cap))) {
                        if (!(held & cap_bit(cap)))
                                continue; /* already gone */
                        if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) < 0)
                                return error_set_errno(err, errno, "drop %s from the bounding set",
                                                       cap_names[cap]);
                } else if (!(held & cap_bit(cap))) {
                        log_debug("capability %s is not in the runtime's bounding set, skipped",
                                  cap_names[cap]);
                }
        }
        if (want & ~known_mask())
                log_debug("bounding set asks for capabilities the kernel does not know, skipped");
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "set keep-capabilities");
        return 0;
}

static int capget_current(uint64_t *ret_eff, uint64_t *ret_prm, uint64_t *ret_inh)
{
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct data[2] = {0};
        if (syscall(SYS_capget, &hdr, data) < 0)
                return -errno;
        *ret_eff = data[0].effective | ((uint64_t)data[1].effective << 32);
        *ret_prm = data[0].permitted | ((uint64_t)data[1].permitted << 32);
        *ret_inh = data[0].inheritable | ((uint64_t)data[1].inheritable << 32);
        return 0;
}

static void log_skipped(const char *set, uint64_t skipped)
{
        if (!skipped || log_get_level() < LOG_LEVEL_DEBUG)
                return;
        for (int cap = 0; cap < 64; cap++)
                if (skipped & cap_bit(cap))
                        log_debug("capability %s (%s set) is not held by the runtime, skipped",
                                  rt_cap_to_name(cap) ?: "?", set);
}

int rt_caps_apply(const RtProcess *proc, BerthError **err)
{
        const RtCapabilities *c = &proc->capabilities;
        bool has = proc->has_capabilities;
        uint64_t cur_eff = 0, cur_prm = 0, cur_inh = 0;
        int r = capget_current(&cur_eff, &cur_prm, &cur_inh);
        if (r < 0)
                return error_set_errno(err, r, "read the current capabilities");

        /* A set can only shrink: keep what the runtime holds, skip the rest. */
        uint64_t limit = cur_prm & known_mask();
        uint64_t prm = has ? c->permitted : 0;
        uint64_t eff = has ? c->effective : 0;
        uint64_t inh = has ? c->inheritable : 0;
        uint64_t amb = has ? c->ambient : 0;
        /* capset's rule without CAP_SETPCAP effective (cleared by the uid switch). */
        uint64_t inh_limit =
            (cur_inh | cur_prm) & (cur_inh | rt_cap_bounding_mask()) & known_mask();
        log_skipped("permitted", prm & ~limit);
        log_skipped("inheritable", inh & ~inh_limit);
        prm &= limit;
        eff &= prm; /* effective must lie within permitted */
        inh &= inh_limit;

        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct data[2] = {
            {.effective = (uint32_t)eff, .permitted = (uint32_t)prm, .inheritable = (uint32_t)inh},
            {.effective = (uint32_t)(eff >> 32),
             .permitted = (uint32_t)(prm >> 32),
             .inheritable = (uint32_t)(inh >> 32)},
        };
        if (syscall(SYS_capset, &hdr, data) < 0)
                return error_set_errno(err, errno, "set capabilities");

        /* An ambient capability must be both permitted and inheritable. */
        log_skipped("ambient", amb & ~(prm & inh));
        amb &= prm & inh;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
                /* Kernels before 4.3 have no ambient set: fine if none is asked. */
                if (!(errno == EINVAL && amb == 0))
                        return error_set_errno(err, errno, "clear the ambient capabilities");
        }
        for (int cap = 0; cap < 64; cap++) {
                if (!(amb & cap_bit(cap)))
                        continue;
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0, 0) < 0)
                        return error_set_errno(err, errno, "raise ambient capability %s",
                                               cap_names[cap]);
        }
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "reset keep-capabilities");
        return 0;
}
