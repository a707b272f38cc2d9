/* `berth-runtime features`: what this runtime supports, as the OCI
 * runtime-spec "features" document (features.md of runtime-spec 1.1) that
 * runc and crun print, so that engines can ask before they write a config. */
#include <errno.h>
#include "runtime/libseccomp.h"
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/caps.h"
#include "runtime/container.h"
#include "runtime/hooks.h"
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"

static json_t *strings(const char *(*name)(size_t))
{
        json_t *a = json_array();
        /* every table is far shorter; NULL slots (unused enum values) are skipped */
        for (size_t i = 0; a && i < 128; i++)
                if (name(i))
                        json_array_append_new(a, json_string(name(i)));
        return a;
}

static const char *action_name(size_t i)
{
        return rt_seccomp_action_to_name((RtSeccompAction)i);
}

static bool kernel_has_ns(RtNsType t)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/ns/%s", rt_ns_proc_name(t));
        return access(path, F_OK) == 0;
}

/* Idmapped mounts (mount_setattr MOUNT_ATTR_IDMAP). */
#define RT_FEATURE_IDMAP 1

json_t *rt_features(void)
{
        json_t *hooks = json_array();
        for (int s = 0; s < RT_HOOK_STAGE_COUNT; s++)
                json_array_append_new(hooks, json_string(rt_hook_stage_name((RtHookStage)s)));
        json_t *ns = json_array();
        for (int t = 0; t < RT_NS_COUNT; t++)
                if (kernel_has_ns((RtNsType)t))
                        json_array_append_new(ns, json_string(rt_ns_type_name((RtNsType)t)));
        json_t *caps = json_array();
        for (int c = 0; c <= rt_cap_last(); c++)
                if (rt_cap_to_name(c))
                        json_array_append_new(caps, json_string(rt_cap_to_name(c)));
        const struct scmp_version *v = seccomp_version();
        char ver[48] = "";
        if (v)
                snprintf(ver, sizeof(ver), "%u.%u.%u", v->major, v->minor, v->micro);
        struct stat st;
        bool v2 = stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0;
        json_t *j = json_pack(
            "{s:s, s:s, s:o, s:o, s:{s:o, s:o, s:{s:b, s:b, s:b, s:b}, s:{s:b, s:o, s:o, s:o}, "
            "s:{s:b}, s:{s:b}, s:{s:b}, s:{s:{s:b}}}, s:{s:s, s:s}}",
            "ociVersionMin", "1.0.0", "ociVersionMax", "1.1.0", "hooks", hooks, "mountOptions",
            strings(rt_mount_option_name), "linux", "namespaces", ns, "capabilities", caps,
            "cgroup", "v1", true, "v2", true, "systemd", false, "systemdUser", false, "seccomp",
            "enabled", true, "actions", strings(action_name), "operators",
            strings(rt_seccomp_op_name), "archs", strings(rt_seccomp_arch_name), "apparmor",
            "enabled", false, "selinux", "enabled", false, "intelRdt", "enabled", false,
            "mountExtensions", "idmap", "enabled", RT_FEATURE_IDMAP, "annotations",
            "io.github.seccomp.libseccomp.version", ver, "org.berth.runtime.cgroup.mode",
            v2 ? "unified" : "v1");
        return j;
}
