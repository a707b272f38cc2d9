/* The config.json `berth-runtime spec` writes: runc 1.1's example spec
 * (libcontainer/specconv/example.go), with hostname "berth", and for
 * --rootless the same conversion runc applies. */
#include <linux/magic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/spec.h"

static json_t *strings(const char *const *v)
{
        json_t *a = json_array();
        for (; a && *v; v++)
                json_array_append_new(a, json_string(*v));
        return a;
}

static json_t *default_caps(void)
{
        static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                           NULL};
        /* runc 1.1 lists the three in bounding, permitted, ambient and effective. */
        return json_pack("{s:o, s:o, s:o, s:o}", "bounding", strings(caps), "permitted",
                         strings(caps), "ambient", strings(caps), "effective", strings(caps));
}

static json_t *mount(const char *dest, const char *type, const char *source,
                     const char *const *options)
{
        json_t *m =
            json_pack("{s:s, s:s, s:s}", "destination", dest, "type", type, "source", source);
        if (m && options)
                json_object_set_new(m, "options", strings(options));
        return m;
}

static json_t *default_mounts(bool rootless)
{
        static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
        static const char *const pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                                          "mode=0620", "gid=5",  NULL};
        /* rootless: a gid= option would name a group outside the mapping. */
        static const char *const pts_rootless[] = {"nosuid",        "noexec",    "newinstance",
                                                   "ptmxmode=0666", "mode=0620", NULL};
        static const char *const shm[] = {"nosuid",    "noexec",      "nodev",
                                          "mode=1777", "size=65536k", NULL};
        static const char *const mqueue[] = {"nosuid", "noexec", "nodev", NULL};
        static const char *const sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
        static const char *const sys_rbind[] = {"rbind", "nosuid", "noexec", "nodev", "ro", NULL};
        static const char *const cgroup[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};

        json_t *a = json_array();
        if (!a)
                return NULL;
        json_array_append_new(a, mount("/proc", "proc", "proc", NULL));
        json_array_append_new(a, mount("/dev", "tmpfs", "tmpfs", dev));
        json_array_append_new(a,
                              mount("/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts));
        json_array_append_new(a, mount("/dev/shm", "tmpfs", "shm", shm));
        json_array_append_new(a, mount("/dev/mqueue", "mqueue", "mqueue", mqueue));
        if (rootless) {
                /* sysfs cannot be mounted without owning the network namespace:
                 * bind the host's, which brings its /sys/fs/cgroup along. */
                json_array_append_new(a, mount("/sys", "none", "/sys", sys_rbind));
        } else {
                json_array_append_new(a, mount("/sys", "sysfs", "sysfs", sys));
                json_array_append_new(a, mount("/sys/fs/cgroup", "cgroup", "cgroup", cgroup));
        }
        return a;
}

static bool cgroup2_unified(void)
{
        struct statfs fs;
        return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

static json_t *default_namespaces(bool rootless)
{
        json_t *a = json_array();
        if (!a)
                return NULL;
        json_array_append_new(a, json_pack("{s:s}", "type", "pid"));
        if (!rootless)
                json_array_append_new(a, json_pack("{s:s}", "type", "network"));
        json_array_append_new(a, json_pack("{s:s}", "type", "ipc"));
        json_array_append_new(a, json_pack("{s:s}", "type", "uts"));
        json_array_append_new(a, json_pack("{s:s}", "type", "mount"));
        /* As runc: a cgroup namespace only where the hierarchy is unified. */
        if (cgroup2_unified())
                json_array_append_new(a, json_pack("{s:s}", "type", "cgroup"));
        if (rootless)
                json_array_append_new(a, json_pack("{s:s}", "type", "user"));
        return a;
}

static json_t *default_linux(bool rootless)
{
        static const char *const masked[] = {"/proc/acpi",
                                             "/proc/asound",
                                             "/proc/kcore",
                                             "/proc/keys",
                                             "/proc/latency_stats",
                                             "/proc/timer_list",
                                             "/proc/timer_stats",
                                             "/proc/sched_debug",
                                             "/sys/firmware",
                                             "/proc/scsi",
                                             "/sys/devices/virtual/tpm",
                                             NULL};
        static const char *const readonly[] = {
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};
        json_t *l = json_pack("{s:o, s:o}", "maskedPaths", strings(masked), "readonlyPaths",
                              strings(readonly));
        if (!l)
                return NULL;
        if (rootless) {
                json_object_set_new(l, "uidMappings",
                                    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                                              (json_int_t)geteuid(), "size", 1));
                json_object_set_new(l, "gidMappings",
                                    json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                                              (json_int_t)getegid(), "size", 1));
        } else {
                /* Deny every device; the runtime allows the default ones itself. */
                json_object_set_new(
                    l, "resources",
                    json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));
        }
        json_object_set_new(l, "namespaces", default_namespaces(rootless));
        return l;
}

json_t *rt_spec_default(bool rootless)
{
        static const char *const args[] = {"sh", NULL};
        static const char *const env[] = {
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
            NULL};
        json_t *process =
            json_pack("{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:o, s:[{s:s, s:i, s:i}], s:b}",
                      "terminal", 1, "user", "uid", 0, "gid", 0, "args", strings(args), "env",
                      strings(env), "cwd", "/", "capabilities", default_caps(), "rlimits", "type",
                      "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges", 1);
        /* json_pack steals the "o" references even on failure, so a NULL
         * part makes the whole result NULL without leaking. */
        return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.0.2-dev",
                         "process", process, "root", "path", "rootfs", "readonly", 1, "hostname",
                         "berth", "mounts", default_mounts(rootless), "linux",
                         default_linux(rootless));
}
