/* specgen: the OCI config of a container, built the way moby's createSpec
 * does (daemon/oci_linux.go, pkg/oci/defaults.go): Docker's default spec,
 * then the common options, cgroups, resources, sysctls, user, devices,
 * rlimits, namespaces, capabilities, seccomp, mounts, oom score. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/safepath.h"
#include "common/strv.h"
#include "daemon/specgen.h"
#include "daemon/specgen_internal.h"
#include "runtime/caps.h"

/* ---- accessors ---- */

json_t *sg_host_config(json_t *request)
{
        json_t *hc = json_object_get(request, "HostConfig");
        return json_is_object(hc) ? hc : NULL;
}

const char *sg_str(json_t *obj, const char *key)
{
        json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
        return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *sg_str0(json_t *obj, const char *key)
{
        const char *s = sg_str(obj, key);
        return s ? s : "";
}

int64_t sg_int(json_t *obj, const char *key)
{
        json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
        if (json_is_integer(v))
                return json_integer_value(v);
        if (json_is_real(v))
                return (int64_t)json_real_value(v);
        return 0;
}

bool sg_bool(json_t *obj, const char *key)
{
        json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
        return json_is_true(v);
}

json_t *sg_array(json_t *obj, const char *key)
{
        json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
        return json_is_array(v) ? v : NULL;
}

json_t *sg_object(json_t *obj, const char *key)
{
        json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
        return json_is_object(v) ? v : NULL;
}

/* ---- modes ---- */

SgMode sg_parse_mode(char kind, const char *value, const char **ret_container)
{
        if (ret_container)
                *ret_container = NULL;
        if (!value || !*value)
                return SG_MODE_DEFAULT;
        if (STREQ(value, "host"))
                return kind == 'c' || kind == 'p' || kind == 'i' || kind == 'u' || kind == 'n'
                           ? SG_MODE_HOST
                           : SG_MODE_INVALID;
        if (strncmp(value, "container:", 10) == 0) {
                if (kind == 'u' || kind == 'c')
                        return SG_MODE_INVALID;
                if (!value[10])
                        return SG_MODE_INVALID;
                if (ret_container)
                        *ret_container = value + 10;
                return SG_MODE_CONTAINER;
        }
        switch (kind) {
        case 'i':
                if (STREQ(value, "private"))
                        return SG_MODE_PRIVATE;
                if (STREQ(value, "shareable"))
                        return SG_MODE_SHAREABLE;
                if (STREQ(value, "none"))
                        return SG_MODE_NONE;
                return SG_MODE_INVALID;
        case 'c':
                return STREQ(value, "private") ? SG_MODE_PRIVATE : SG_MODE_INVALID;
        case 'n':
                if (STREQ(value, "none"))
                        return SG_MODE_NONE;
                if (STREQ(value, "container"))
                        return SG_MODE_INVALID;
                /* "default", "bridge" and user-defined network names */
                return SG_MODE_BRIDGE;
        default:
                return SG_MODE_INVALID;
        }
}

/* ---- capabilities ---- */

static const char *const default_caps[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

int sg_cap_normalize(const char *name, char **ret)
{
        size_t n = strlen(name);
        _cleanup_free_ char *up = malloc(n + 5);
        if (!up)
                return -ENOMEM;
        for (size_t i = 0; i <= n; i++)
                up[i] = (char)toupper((unsigned char)name[i]);
        if (STREQ(up, "ALL")) {
                *ret = TAKE_PTR(up);
                return 0;
        }
        if (strncmp(up, "CAP_", 4) != 0) {
                memmove(up + 4, up, n + 1);
                memcpy(up, "CAP_", 4);
        }
        int c = rt_cap_from_name(up);
        if (c < 0 || c > rt_cap_last()) {
                *ret = TAKE_PTR(up);
                return -EINVAL;
        }
        *ret = TAKE_PTR(up);
        return 0;
}

/* Normalizes a CapAdd/CapDrop list with Docker's error texts. */
static int normalize_caps(json_t *arr, const char *what, char ***ret, BerthError **err)
{
        _cleanup_strv_free_ char **out = NULL;
        size_t i;
        json_t *v;
        *ret = NULL;
        json_array_foreach(arr, i, v)
        {
                if (!json_is_string(v))
                        return error_set(err, EINVAL,
                                         "invalid %s: capability names must be strings", what);
                char *c = NULL;
                int r = sg_cap_normalize(json_string_value(v), &c);
                if (r == -ENOMEM)
                        return error_set(err, ENOMEM, "out of memory");
                if (r < 0) {
                        error_set(err, EINVAL, "invalid %s: unknown capability: \"%s\"", what, c);
                        free(c);
                        return -EINVAL;
                }
                if (strv_push(&out, c) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        *ret = TAKE_PTR(out);
        return 0;
}

int sg_caps_compute(json_t *hc, char ***ret, BerthError **err)
{
        _cleanup_strv_free_ char **add = NULL, **drop = NULL, **caps = NULL;
        int r = normalize_caps(sg_array(hc, "CapAdd"), "CapAdd", &add, err);
        if (r < 0)
                return r;
        r = normalize_caps(sg_array(hc, "CapDrop"), "CapDrop", &drop, err);
        if (r < 0)
                return r;
        uint64_t have = rt_cap_bounding_mask();
        int last = rt_cap_last();
        bool privileged = sg_bool(hc, "Privileged");

        /* TweakCapabilities, then bounded by what the engine holds. */
        uint64_t want = 0;
        if (privileged || strv_contains(add, "ALL")) {
                for (int c = 0; c <= last && c < 64; c++)
                        want |= 1ULL << c;
                if (!privileged)
                        STRV_FOREACH(d, drop)
                        {
                                int c = rt_cap_from_name(*d);
                                if (c >= 0)
                                        want &= ~(1ULL << c);
                        }
        } else {
                if (!strv_contains(drop, "ALL"))
                        for (size_t i = 0; default_caps[i]; i++) {
                                if (strv_contains(drop, default_caps[i]))
                                        continue;
                                want |= 1ULL << rt_cap_from_name(default_caps[i]);
                        }
                STRV_FOREACH(a, add)
                {
                        int c = rt_cap_from_name(*a);
                        if (c >= 0)
                                want |= 1ULL << c;
                }
        }
        want &= have;

        /* Docker's order for the defaults (as `inspect` shows them), then
         * the others in number order. */
        for (size_t i = 0; default_caps[i]; i++) {
                int c = rt_cap_from_name(default_caps[i]);
                if (want & (1ULL << c)) {
                        if (strv_append(&caps, default_caps[i]) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        want &= ~(1ULL << c);
                }
        }
        for (int c = 0; c < 64; c++) {
                if (!(want & (1ULL << c)))
                        continue;
                const char *n = rt_cap_to_name(c);
                if (n && strv_append(&caps, n) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        if (!caps && !(caps = calloc(1, sizeof(char *))))
                return error_set(err, ENOMEM, "out of memory");
        *ret = TAKE_PTR(caps);
        return 0;
}

static json_t *strv_json(char *const *v)
{
        json_t *a = json_array();
        STRV_FOREACH(s, (char **)v)
        json_array_append_new(a, json_string(*s));
        return a;
}

/* ---- the spec ---- */

static const char *const masked_paths[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/sys/devices/virtual/powercap",
    "/sys/firmware",
    NULL,
};
static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static json_t *default_masked_paths(void)
{
        json_t *a = json_array();
        for (size_t i = 0; masked_paths[i]; i++)
                json_array_append_new(a, json_string(masked_paths[i]));
        /* /sys/devices/system/cpu/cpuN/thermal_throttle where it exists */
        _cleanup_closedir_ DIR *d = opendir("/sys/devices/system/cpu");
        if (!d)
                return a;
        long max = -1;
        struct dirent *de;
        while ((de = readdir(d))) {
                char *end;
                if (strncmp(de->d_name, "cpu", 3) != 0 || !isdigit((unsigned char)de->d_name[3]))
                        continue;
                long n = strtol(de->d_name + 3, &end, 10);
                if (*end == '\0' && n > max)
                        max = n;
        }
        for (long n = 0; n <= max; n++) {
                char p[96];
                snprintf(p, sizeof(p), "/sys/devices/system/cpu/cpu%ld/thermal_throttle", n);
                if (access(p, F_OK) == 0)
                        json_array_append_new(a, json_string(p));
        }
        return a;
}

static json_t *device_rule(bool allow, const char *type, int64_t major, int64_t minor)
{
        json_t *r = json_object();
        json_object_set_new(r, "allow", json_boolean(allow));
        if (type)
                json_object_set_new(r, "type", json_string(type));
        if (major >= 0)
                json_object_set_new(r, "major", json_integer(major));
        if (minor >= 0)
                json_object_set_new(r, "minor", json_integer(minor));
        json_object_set_new(r, "access", json_string("rwm"));
        return r;
}

static json_t *default_device_rules(bool privileged)
{
        json_t *a = json_array();
        if (privileged) {
                json_array_append_new(a, device_rule(true, NULL, -1, -1));
                return a;
        }
        json_array_append_new(a, device_rule(false, NULL, -1, -1));
        static const int allowed[][2] = {{1, 5}, {1, 3}, {1, 9}, {1, 8}, {5, 0}, {5, 1}};
        for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
                json_array_append_new(a, device_rule(true, "c", allowed[i][0], allowed[i][1]));
        json_array_append_new(a, device_rule(false, "c", 10, 229));
        return a;
}

static json_t *device_json(const char *path, const struct stat *st)
{
        json_t *d = json_object();
        json_object_set_new(d, "path", json_string(path));
        json_object_set_new(d, "type", json_string(S_ISBLK(st->st_mode) ? "b" : "c"));
        json_object_set_new(d, "major", json_integer(major(st->st_rdev)));
        json_object_set_new(d, "minor", json_integer(minor(st->st_rdev)));
        json_object_set_new(d, "fileMode", json_integer(st->st_mode & 07777));
        json_object_set_new(d, "uid", json_integer(st->st_uid));
        json_object_set_new(d, "gid", json_integer(st->st_gid));
        return d;
}

/* Every char and block device under /dev (containerd's HostDevices). */
static void host_devices(const char *dir, json_t *out, int depth)
{
        if (depth > 8)
                return;
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                const char *n = de->d_name;
                if (STREQ(n, ".") || STREQ(n, ".."))
                        continue;
                char p[4096];
                if (snprintf(p, sizeof(p), "%s/%s", dir, n) >= (int)sizeof(p))
                        continue;
                struct stat st;
                if (lstat(p, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        if (STREQ(n, "pts") || STREQ(n, "shm") || STREQ(n, "fd") ||
                            STREQ(n, "mqueue") || STREQ(n, ".lxc") || STREQ(n, ".lxd-mounts") ||
                            STREQ(n, ".udev"))
                                continue;
                        host_devices(p, out, depth + 1);
                        continue;
                }
                if (STREQ(p, "/dev/console"))
                        continue;
                if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                        continue;
                json_array_append_new(out, device_json(p, &st));
        }
}

/* HostConfig.Devices: {PathOnHost, PathInContainer, CgroupPermissions}. */
static int add_devices(json_t *hc, bool privileged, json_t *devices, json_t *rules,
                       BerthError **err)
{
        size_t i;
        json_t *m;
        json_array_foreach(sg_array(hc, "Devices"), i, m)
        {
                const char *host = sg_str(m, "PathOnHost");
                const char *inside = sg_str(m, "PathInContainer");
                const char *perm = sg_str(m, "CgroupPermissions");
                if (!host || !*host)
                        return error_set(err, EINVAL,
                                         "invalid device mapping: PathOnHost is empty");
                if (!inside || !*inside)
                        inside = host;
                if (!perm || !*perm)
                        perm = "rwm";
                if (privileged && STREQ(host, inside))
                        continue;
                struct stat st;
                if (stat(host, &st) < 0)
                        return error_set_errno(err, errno == ENOENT ? ENOENT : errno,
                                               "error gathering device information while adding "
                                               "custom device \"%s\"",
                                               host);
                if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                        return error_set(err, EINVAL,
                                         "error gathering device information while "
                                         "adding custom device \"%s\": not a device "
                                         "node",
                                         host);
                json_array_append_new(devices, device_json(inside, &st));
                if (!privileged) {
                        json_t *r = device_rule(true, S_ISBLK(st.st_mode) ? "b" : "c",
                                                major(st.st_rdev), minor(st.st_rdev));
                        json_object_set_new(r, "access", json_string(privileged ? "rwm" : perm));
                        json_array_append_new(rules, r);
                }
        }
        return 0;
}

/* DeviceCgroupRules: "c 1:3 rwm", "b *:* m", "a" (moby's
 * AppendDevicePermissionsFromCgroupRules). */
int sg_device_cgroup_rules(json_t *hc, json_t *rules, BerthError **err)
{
        size_t i;
        json_t *v;
        json_array_foreach(sg_array(hc, "DeviceCgroupRules"), i, v)
        {
                const char *s = json_string_value(v);
                if (!s)
                        return error_set(err, EINVAL,
                                         "invalid device cgroup rule: expected a "
                                         "string");
                char type = s[0];
                const char *p = s + 1;
                int64_t major = -1, minor = -1;
                char access[4] = "rwm";
                bool ok = type == 'a' || type == 'b' || type == 'c';
                if (ok && *p) {
                        ok = *p++ == ' ';
                        if (ok && *p == '*')
                                p++;
                        else if (ok && isdigit((unsigned char)*p))
                                major = strtoll(p, (char **)&p, 10);
                        else
                                ok = false;
                        ok = ok && *p++ == ':';
                        if (ok && *p == '*')
                                p++;
                        else if (ok && isdigit((unsigned char)*p))
                                minor = strtoll(p, (char **)&p, 10);
                        else
                                ok = false;
                        if (ok && *p == ' ') {
                                p++;
                                size_t n = strspn(p, "rwm");
                                ok = n > 0 && n <= 3 && p[n] == '\0';
                                if (ok) {
                                        memcpy(access, p, n);
                                        access[n] = '\0';
                                }
                        } else
                                ok = ok && *p == '\0';
                }
                if (!ok)
                        return error_set(err, EINVAL, "invalid device cgroup format '%s'", s);
                char t[2] = {type, '\0'};
                json_t *r = device_rule(true, t, major, minor);
                json_object_set_new(r, "access", json_string(access));
                json_array_append_new(rules, r);
        }
        return 0;
}

static void add_namespace(json_t *nss, const char *type, const char *path)
{
        json_t *n = json_object();
        json_object_set_new(n, "type", json_string(type));
        if (path)
                json_object_set_new(n, "path", json_string(path));
        json_array_append_new(nss, n);
}

static int join_container_ns(const SpecgenInput *in, json_t *nss, const char *container,
                             const char *ns_type, const char *oci_type, BerthError **err)
{
        if (!in->resolve_ns)
                return error_set(err, EINVAL,
                                 "cannot join the %s namespace of container %s: no resolver",
                                 ns_type, container);
        _cleanup_free_ char *path = NULL;
        int r = in->resolve_ns(in->resolve_userdata, container, ns_type, &path, err);
        if (r < 0)
                return r;
        add_namespace(nss, oci_type, path);
        return 0;
}

static int build_namespaces(const SpecgenInput *in, json_t *hc, json_t *linux_,
                            bool *ret_private_net, BerthError **err)
{
        json_t *nss = json_array();
        json_object_set_new(linux_, "namespaces", nss);
        add_namespace(nss, "mount", NULL);
        const char *c;
        int r;
        *ret_private_net = false;

        SgMode net = sg_parse_mode('n', sg_str(hc, "NetworkMode"), &c);
        if (sg_bool(in->config, "NetworkDisabled"))
                net = SG_MODE_NONE;
        switch (net) {
        case SG_MODE_HOST:
                break;
        case SG_MODE_CONTAINER:
                r = join_container_ns(in, nss, c, "net", "network", err);
                if (r < 0)
                        return r;
                break;
        case SG_MODE_INVALID:
                return error_set(err, EINVAL, "invalid network mode: %s",
                                 sg_str0(hc, "NetworkMode"));
        default:
                add_namespace(nss, "network", net == SG_MODE_NONE ? NULL : in->netns_path);
                *ret_private_net = true;
                break;
        }

        SgMode uts = sg_parse_mode('u', sg_str(hc, "UTSMode"), NULL);
        if (uts == SG_MODE_INVALID)
                return error_set(err, EINVAL, "invalid UTS mode: %s", sg_str0(hc, "UTSMode"));
        if (uts != SG_MODE_HOST)
                add_namespace(nss, "uts", NULL);

        SgMode pid = sg_parse_mode('p', sg_str(hc, "PidMode"), &c);
        if (pid == SG_MODE_INVALID)
                return error_set(err, EINVAL, "invalid PID mode: %s", sg_str0(hc, "PidMode"));
        if (pid == SG_MODE_CONTAINER) {
                r = join_container_ns(in, nss, c, "pid", "pid", err);
                if (r < 0)
                        return error_prefix(err, "failed to join PID namespace");
        } else if (pid != SG_MODE_HOST)
                add_namespace(nss, "pid", NULL);

        SgMode ipc = sg_parse_mode('i', sg_str(hc, "IpcMode"), &c);
        if (ipc == SG_MODE_INVALID)
                return error_set(err, EINVAL, "invalid IPC mode: %s", sg_str0(hc, "IpcMode"));
        if (ipc == SG_MODE_CONTAINER) {
                r = join_container_ns(in, nss, c, "ipc", "ipc", err);
                if (r < 0)
                        return error_prefix(err, "failed to join IPC namespace");
        } else if (ipc != SG_MODE_HOST)
                add_namespace(nss, "ipc", NULL);

        /* cgroup namespace: Docker's default is private on cgroup v2 only. */
        SgMode cg = sg_parse_mode('c', sg_str(hc, "CgroupnsMode"), NULL);
        if (cg == SG_MODE_INVALID)
                return error_set(err, EINVAL, "invalid cgroup namespace mode: %s",
                                 sg_str0(hc, "CgroupnsMode"));
        if (cg == SG_MODE_DEFAULT && access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
                cg = SG_MODE_PRIVATE;
        if (cg == SG_MODE_PRIVATE)
                add_namespace(nss, "cgroup", NULL);
        return 0;
}

/* ReplaceOrAppendEnvValues(defaults and links, Config.Env). */
static json_t *build_env(json_t *config, const char *hostname, char *const *link_env)
{
        _cleanup_strv_free_ char **env = NULL;
        strv_append(&env, "PATH=" SG_DEFAULT_PATH);
        _cleanup_free_ char *h = NULL;
        if (asprintf(&h, "HOSTNAME=%s", hostname) >= 0)
                strv_push(&env, TAKE_PTR(h));
        if (sg_bool(config, "Tty"))
                strv_append(&env, "TERM=xterm");
        STRV_FOREACH(kv, (char **)link_env)
        strv_append(&env, *kv);
        size_t i;
        json_t *v;
        json_array_foreach(sg_array(config, "Env"), i, v)
        {
                if (!json_is_string(v))
                        continue;
                const char *e = json_string_value(v);
                const char *eq = strchr(e, '=');
                size_t klen = eq ? (size_t)(eq - e) : strlen(e);
                bool replaced = false;
                for (size_t k = 0; env && env[k]; k++) {
                        const char *keq = strchr(env[k], '=');
                        size_t kl = keq ? (size_t)(keq - env[k]) : strlen(env[k]);
                        if (kl == klen && strncmp(env[k], e, klen) == 0) {
                                if (eq) {
                                        free(env[k]);
                                        env[k] = strdup(e);
                                } else {
                                        /* "KEY" alone removes it */
                                        free(env[k]);
                                        size_t n = strv_length(env);
                                        memmove(&env[k], &env[k + 1], (n - k) * sizeof(char *));
                                }
                                replaced = true;
                                break;
                        }
                }
                if (!replaced && eq)
                        strv_append(&env, e);
        }
        return strv_json(env);
}

static int build_args(const SpecgenInput *in, json_t *hc, json_t *process, json_t *mounts,
                      BerthError **err)
{
        json_t *args = json_array();
        json_object_set_new(process, "args", args);
        size_t i;
        json_t *v;
        bool init = false;
        json_t *jinit = json_object_get(hc, "Init");
        SgMode pid = sg_parse_mode('p', sg_str(hc, "PidMode"), NULL);
        if (json_is_true(jinit) && (pid == SG_MODE_DEFAULT || pid == SG_MODE_PRIVATE))
                init = true;
        if (init) {
                if (!in->init_path)
                        return error_set(err, EINVAL,
                                         "--init was requested but berth-init is not available");
                json_array_append_new(args, json_string(SG_INIT_PATH));
                json_array_append_new(args, json_string("--"));
        }
        size_t before = json_array_size(args);
        json_t *ep = sg_array(in->config, "Entrypoint");
        bool ep_blank = json_array_size(ep) == 1 && json_is_string(json_array_get(ep, 0)) &&
                        !*json_string_value(json_array_get(ep, 0));
        if (!ep_blank)
                json_array_foreach(ep, i, v) if (json_is_string(v))
                    json_array_append_new(args, json_string(json_string_value(v)));
        json_array_foreach(sg_array(in->config, "Cmd"), i, v) if (json_is_string(v))
            json_array_append_new(args, json_string(json_string_value(v)));
        if (json_array_size(args) == before)
                return error_set(err, EINVAL, "no command specified");
        if (init) {
                json_t *m = json_object();
                json_object_set_new(m, "destination", json_string(SG_INIT_PATH));
                json_object_set_new(m, "type", json_string("bind"));
                json_object_set_new(m, "source", json_string(in->init_path));
                json_object_set_new(m, "options", json_pack("[ss]", "bind", "ro"));
                json_array_append_new(mounts, m);
        }
        return 0;
}

/* Docker creates the working directory in the rootfs when missing. */
static int setup_workdir(const SpecgenInput *in, const char *cwd, BerthError **err)
{
        if (!in->rootfs || STREQ(cwd, "/"))
                return 0;
        _cleanup_close_ int root = open(in->rootfs, O_DIRECTORY | O_PATH | O_CLOEXEC);
        if (root < 0)
                return error_set_errno(err, errno, "open rootfs %s", in->rootfs);
        _cleanup_close_ int fd = safe_openat_in_root(root, cwd, O_PATH, 0, NULL);
        if (fd >= 0) {
                struct stat st;
                if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
                        return error_set(err, EINVAL, "Cannot mkdir: %s is not a directory", cwd);
                return 0;
        }
        int d = safe_mkdir_p_in_root(root, cwd, 0755, err);
        if (d < 0)
                return error_prefix(err, "create working directory %s", cwd);
        close(d);
        return 0;
}

/* SecurityOpt: no-new-privileges, seccomp, apparmor/label (ignored). */
typedef struct SgSecurity {
        bool no_new_privileges;
        bool seccomp_unconfined;
        const char *seccomp_profile; /* JSON text */
} SgSecurity;

static int parse_security_opts(json_t *hc, SgSecurity *sec, BerthError **err)
{
        size_t i;
        json_t *v;
        memset(sec, 0, sizeof(*sec));
        json_array_foreach(sg_array(hc, "SecurityOpt"), i, v)
        {
                if (!json_is_string(v))
                        return error_set(err, EINVAL, "invalid --security-opt: expected a string");
                const char *opt = json_string_value(v);
                if (STREQ(opt, "no-new-privileges")) {
                        sec->no_new_privileges = true;
                        continue;
                }
                if (STREQ(opt, "writable-cgroups") || STREQ(opt, "disable"))
                        continue;
                const char *sep = strchr(opt, '=');
                if (!sep)
                        sep = strchr(opt, ':');
                if (!sep)
                        return error_set(err, EINVAL, "invalid --security-opt 1: \"%s\"", opt);
                size_t klen = (size_t)(sep - opt);
                const char *val = sep + 1;
                if (klen == 5 && strncmp(opt, "label", 5) == 0)
                        continue;
                if (klen == 8 && strncmp(opt, "apparmor", 8) == 0)
                        continue;
                if (klen == 7 && strncmp(opt, "seccomp", 7) == 0) {
                        if (STREQ(val, "unconfined"))
                                sec->seccomp_unconfined = true;
                        else if (STREQ(val, "builtin") || !*val)
                                sec->seccomp_profile = NULL;
                        else
                                sec->seccomp_profile = val;
                        continue;
                }
                bool b;
                if ((klen == 17 && strncmp(opt, "no-new-privileges", 17) == 0) ||
                    (klen == 16 && strncmp(opt, "writable-cgroups", 16) == 0)) {
                        if (STREQ(val, "true") || STREQ(val, "1") || STREQ(val, "t") ||
                            STREQ(val, "T") || STREQ(val, "TRUE") || STREQ(val, "True"))
                                b = true;
                        else if (STREQ(val, "false") || STREQ(val, "0") || STREQ(val, "f") ||
                                 STREQ(val, "F") || STREQ(val, "FALSE") || STREQ(val, "False"))
                                b = false;
                        else
                                return error_set(err, EINVAL, "invalid --security-opt 2: \"%s\"",
                                                 opt);
                        if (klen == 17)
                                sec->no_new_privileges = b;
                        continue;
                }
                return error_set(err, EINVAL, "invalid --security-opt 2: \"%s\"", opt);
        }
        return 0;
}

int specgen_security_check(json_t *hc, BerthError **err)
{
        SgSecurity sec;
        int r = parse_security_opts(hc, &sec, err);
        if (r < 0)
                return r;
        if (sec.seccomp_profile && !sg_bool(hc, "Privileged")) {
                _cleanup_json_ json_t *p = json_loads(sec.seccomp_profile, 0, NULL);
                if (!p)
                        return error_set(err, EINVAL,
                                         "Decoding seccomp profile failed: the "
                                         "profile is not valid JSON");
                _cleanup_json_ json_t *out = NULL;
                const char *none[] = {NULL};
                return specgen_seccomp_from_profile(p, none, &out, err);
        }
        return 0;
}

static int build_seccomp(json_t *hc, const SgSecurity *sec, char *const *caps, json_t *linux_,
                         BerthError **err)
{
        if (sg_bool(hc, "Privileged") || sec->seccomp_unconfined)
                return 0;
        json_t *out = NULL;
        if (sec->seccomp_profile) {
                _cleanup_json_ json_t *p = json_loads(sec->seccomp_profile, 0, NULL);
                if (!p)
                        return error_set(err, EINVAL,
                                         "Decoding seccomp profile failed: the "
                                         "profile is not valid JSON");
                int r = specgen_seccomp_from_profile(p, (const char *const *)caps, &out, err);
                if (r < 0)
                        return r;
        } else {
                out = specgen_default_seccomp((const char *const *)caps);
                if (!out)
                        return error_set(err, EIO, "building the default seccomp profile failed");
        }
        if (out)
                json_object_set_new(linux_, "seccomp", out);
        return 0;
}

static bool sysctl_exists(const char *name)
{
        char p[256] = "/proc/sys/";
        size_t n = strlen(p);
        for (const char *s = name; *s && n + 1 < sizeof(p); s++)
                p[n++] = *s == '.' ? '/' : *s;
        p[n] = '\0';
        return access(p, F_OK) == 0;
}

char *sg_hostname(const SpecgenInput *in)
{
        const char *h = sg_str(in->config, "Hostname");
        if (h && *h)
                return strdup(h);
        json_t *hc = sg_host_config(in->request);
        if (sg_parse_mode('n', sg_str(hc, "NetworkMode"), NULL) == SG_MODE_HOST) {
                char buf[256];
                if (gethostname(buf, sizeof(buf)) == 0) {
                        buf[sizeof(buf) - 1] = '\0';
                        return strdup(buf);
                }
        }
        return strndup(in->id ? in->id : "", 12);
}

int specgen_build(const SpecgenInput *in, json_t **ret_spec, BerthError **err)
{
        *ret_spec = NULL;
        if (!in || !in->id || !in->config || !in->request)
                return error_set(err, EINVAL, "specgen: id, request and config are required");
        json_t *hc = sg_host_config(in->request);
        json_t *config = in->config;
        bool privileged = sg_bool(hc, "Privileged");
        bool readonly_root = sg_bool(hc, "ReadonlyRootfs");
        int r;

        _cleanup_free_ char *hostname = sg_hostname(in);
        if (!hostname)
                return error_set(err, ENOMEM, "out of memory");
        /* The container's Config shows the hostname it got, as in Docker. */
        const char *cfg_host = sg_str(config, "Hostname");
        if (!cfg_host || !*cfg_host)
                json_object_set_new(config, "Hostname", json_string(hostname));

        _cleanup_json_ json_t *spec = json_object();
        json_object_set_new(spec, "ociVersion", json_string("1.2.1"));
        json_object_set_new(spec, "root",
                            json_pack("{s:s, s:b}", "path", in->rootfs ? in->rootfs : "rootfs",
                                      "readonly", readonly_root));
        SgMode uts = sg_parse_mode('u', sg_str(hc, "UTSMode"), NULL);
        if (uts != SG_MODE_HOST) {
                json_object_set_new(spec, "hostname", json_string(hostname));
                const char *dn = sg_str(config, "Domainname");
                if (dn && *dn)
                        json_object_set_new(spec, "domainname", json_string(dn));
        }

        /* process */
        json_t *process = json_object();
        json_object_set_new(spec, "process", process);
        json_t *mounts = json_array();
        json_object_set_new(spec, "mounts", mounts);
        bool tty = sg_bool(config, "Tty");
        json_object_set_new(process, "terminal", json_boolean(tty));
        json_t *cs = sg_array(hc, "ConsoleSize");
        if (tty && json_array_size(cs) == 2) {
                json_int_t h = json_integer_value(json_array_get(cs, 0));
                json_int_t w = json_integer_value(json_array_get(cs, 1));
                if (h > 0 && w > 0)
                        json_object_set_new(process, "consoleSize",
                                            json_pack("{s:I, s:I}", "height", h, "width", w));
        }
        json_t *user = NULL;
        r = sg_resolve_user(in->rootfs, sg_str0(config, "User"), sg_array(hc, "GroupAdd"), &user,
                            err);
        if (r < 0)
                return r;
        json_object_set_new(process, "user", user);
        r = build_args(in, hc, process, mounts, err);
        if (r < 0)
                return r;
        json_object_set_new(process, "env", build_env(config, hostname, in->link_env));
        const char *cwd = sg_str(config, "WorkingDir");
        if (!cwd || !*cwd)
                cwd = "/";
        if (cwd[0] != '/')
                return error_set(err, EINVAL,
                                 "the working directory '%s' is invalid, it needs to be an "
                                 "absolute path",
                                 cwd);
        r = setup_workdir(in, cwd, err);
        if (r < 0)
                return r;
        json_object_set_new(process, "cwd", json_string(cwd));

        _cleanup_strv_free_ char **caps = NULL;
        r = sg_caps_compute(hc, &caps, err);
        if (r < 0)
                return r;
        json_object_set_new(process, "capabilities",
                            json_pack("{s:o, s:o, s:o}", "bounding", strv_json(caps), "effective",
                                      strv_json(caps), "permitted", strv_json(caps)));
        r = sg_build_rlimits(hc, process, err);
        if (r < 0)
                return r;
        SgSecurity sec;
        r = parse_security_opts(hc, &sec, err);
        if (r < 0)
                return r;
        if (sec.no_new_privileges)
                json_object_set_new(process, "noNewPrivileges", json_true());
        int64_t oom = sg_int(hc, "OomScoreAdj");
        if (oom < -1000 || oom > 1000)
                return error_set(err, EINVAL,
                                 "Invalid value %lld, range for oom score adj is [-1000, 1000]",
                                 (long long)oom);
        json_object_set_new(process, "oomScoreAdj", json_integer(oom));

        /* linux */
        json_t *linux_ = json_object();
        json_object_set_new(spec, "linux", linux_);
        bool private_net = false;
        r = build_namespaces(in, hc, linux_, &private_net, err);
        if (r < 0)
                return r;

        json_t *sysctl = json_object();
        json_object_set_new(linux_, "sysctl", sysctl);
        if (private_net) {
                if (sysctl_exists("net.ipv4.ping_group_range"))
                        json_object_set_new(sysctl, "net.ipv4.ping_group_range",
                                            json_string("0 2147483647"));
                if (sysctl_exists("net.ipv4.ip_unprivileged_port_start"))
                        json_object_set_new(sysctl, "net.ipv4.ip_unprivileged_port_start",
                                            json_string("0"));
        }
        const char *sk;
        json_t *sv;
        json_object_foreach(sg_object(hc, "Sysctls"), sk, sv)
        {
                if (!json_is_string(sv))
                        return error_set(err, EINVAL, "sysctl '%s': value must be a string", sk);
                r = sg_validate_sysctl(sk, hc, err);
                if (r < 0)
                        return r;
                json_object_set(sysctl, sk, sv);
        }

        json_t *resources = json_object();
        json_object_set_new(linux_, "resources", resources);
        json_t *rules = default_device_rules(privileged);
        json_object_set_new(resources, "devices", rules);
        r = sg_build_resources(hc, resources, err);
        if (r < 0)
                return r;

        const char *parent = sg_str(hc, "CgroupParent");
        if (!parent || !*parent)
                parent = in->cgroup_parent && *in->cgroup_parent ? in->cgroup_parent : "/berth";
        _cleanup_free_ char *cgpath = NULL;
        size_t plen = strlen(parent);
        while (plen > 1 && parent[plen - 1] == '/')
                plen--;
        if (asprintf(&cgpath, "%s%.*s/%s", parent[0] == '/' ? "" : "/", (int)plen, parent, in->id) <
            0)
                return error_set(err, ENOMEM, "out of memory");
        json_object_set_new(linux_, "cgroupsPath", json_string(cgpath));

        json_t *devices = json_array();
        json_object_set_new(linux_, "devices", devices);
        if (privileged)
                host_devices("/dev", devices, 0);
        r = add_devices(hc, privileged, devices, rules, err);
        if (r < 0)
                return r;
        if (!privileged) {
                r = sg_device_cgroup_rules(hc, rules, err);
                if (r < 0)
                        return r;
        }
        json_t *ann = sg_object(hc, "Annotations");
        if (ann && json_object_size(ann) > 0)
                json_object_set_new(spec, "annotations", json_deep_copy(ann));

        if (!privileged) {
                json_t *mp = sg_array(hc, "MaskedPaths");
                json_t *rp = sg_array(hc, "ReadonlyPaths");
                json_object_set_new(linux_, "maskedPaths",
                                    mp ? json_deep_copy(mp) : default_masked_paths());
                json_t *ro = json_array();
                if (rp)
                        json_array_extend(ro, rp);
                else
                        for (size_t i = 0; readonly_paths[i]; i++)
                                json_array_append_new(ro, json_string(readonly_paths[i]));
                json_object_set_new(linux_, "readonlyPaths", ro);
        }

        r = build_seccomp(hc, &sec, caps, linux_, err);
        if (r < 0)
                return r;

        SgMode ipc = sg_parse_mode('i', sg_str(hc, "IpcMode"), NULL);
        r = sg_build_mounts(in, spec, privileged, readonly_root, ipc == SG_MODE_NONE, err);
        if (r < 0)
                return r;

        r = specgen_write_etc_files(in, err);
        if (r < 0)
                return r;

        *ret_spec = TAKE_PTR(spec);
        return 0;
}
