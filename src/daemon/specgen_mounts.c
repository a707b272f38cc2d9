/* Mounts of a container as moby's withMounts makes them: Docker's default
 * mounts (minus those a user mount replaces), /dev/shm sized by ShmSize,
 * the /etc/{resolv.conf,hostname,hosts} binds, Binds ("src:dst[:mode]"),
 * HostConfig.Mounts (bind, tmpfs) and HostConfig.Tmpfs, with Docker's
 * parsing rules and error texts (daemon/volume/mounts/linux_parser.go). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/strv.h"
#include "daemon/specgen_internal.h"

void sg_bind_clear(SgBind *b)
{
        free(b->source);
        free(b->destination);
        free(b->propagation);
        memset(b, 0, sizeof(*b));
}

static const char *const propagation_modes[] = {"private", "rprivate", "slave", "rslave",
                                                "shared",  "rshared",  NULL};

static bool in_list(const char *const *l, const char *s, size_t len)
{
        for (size_t i = 0; l[i]; i++)
                if (strlen(l[i]) == len && strncmp(l[i], s, len) == 0)
                        return true;
        return false;
}

/* linuxValidMountMode: a comma list with at most one of each kind. */
static bool valid_mount_mode(const char *mode, bool *ret_ro, const char **ret_prop,
                             size_t *ret_prop_len)
{
        static const char *const rw[] = {"rw", "ro", NULL};
        static const char *const label[] = {"z", "Z", NULL};
        static const char *const copy[] = {"nocopy", NULL};
        static const char *const consistency[] = {"consistent", "cached", "delegated", NULL};
        int n_rw = 0, n_label = 0, n_prop = 0, n_copy = 0, n_cons = 0;
        if (ret_ro)
                *ret_ro = false;
        if (ret_prop)
                *ret_prop = NULL;
        if (!*mode)
                return true;
        const char *p = mode;
        for (;;) {
                const char *c = strchr(p, ',');
                size_t len = c ? (size_t)(c - p) : strlen(p);
                if (in_list(rw, p, len)) {
                        n_rw++;
                        if (ret_ro && len == 2 && strncmp(p, "ro", 2) == 0)
                                *ret_ro = true;
                } else if (in_list(label, p, len))
                        n_label++;
                else if (in_list(propagation_modes, p, len)) {
                        n_prop++;
                        if (ret_prop) {
                                *ret_prop = p;
                                *ret_prop_len = len;
                        }
                } else if (in_list(copy, p, len))
                        n_copy++;
                else if (in_list(consistency, p, len))
                        n_cons++;
                else
                        return false;
                if (!c)
                        break;
                p = c + 1;
        }
        return n_rw <= 1 && n_label <= 1 && n_prop <= 1 && n_copy <= 1 && n_cons <= 1;
}

/* path.Clean(p) == "/" */
static bool is_root_path(const char *p)
{
        if (!*p)
                return false;
        for (; *p; p++)
                if (*p != '/' && !(*p == '.' && (p[1] == '/' || !p[1])))
                        return false;
        return true;
}

static int validate_target(const char *target, BerthError **err, const char *prefix)
{
        if (is_root_path(target))
                return error_set(err, EINVAL, "%sinvalid specification: destination can't be '/'",
                                 prefix);
        if (target[0] != '/')
                return error_set(err, EINVAL,
                                 "%sinvalid mount path: '%s' mount path must be absolute", prefix,
                                 target);
        return 0;
}

int sg_parse_bind(const char *raw, SgBind *ret, BerthError **err)
{
        memset(ret, 0, sizeof(*ret));
        _cleanup_free_ char *copy = strdup(raw);
        if (!copy)
                return error_set(err, ENOMEM, "out of memory");
        char *arr[4];
        size_t n = 0;
        char *p = copy;
        while (n < 3) {
                arr[n++] = p;
                char *c = strchr(p, ':');
                if (!c) {
                        p = NULL;
                        break;
                }
                *c = '\0';
                p = c + 1;
        }
        if (p)
                arr[n++] = p;
        if (!*arr[0])
                return error_set(err, EINVAL, "invalid volume specification: '%s'", raw);
        const char *src = "", *dst, *mode = "";
        switch (n) {
        case 1:
                dst = arr[0];
                break;
        case 2:
                if (valid_mount_mode(arr[1], NULL, NULL, NULL))
                        return error_set(err, EINVAL, "invalid volume specification: '%s'", raw);
                src = arr[0];
                dst = arr[1];
                break;
        case 3:
                src = arr[0];
                dst = arr[1];
                mode = arr[2];
                break;
        default:
                return error_set(err, EINVAL, "invalid volume specification: '%s'", raw);
        }
        bool ro;
        const char *prop;
        size_t prop_len = 0;
        if (!valid_mount_mode(mode, &ro, &prop, &prop_len))
                return error_set(err, EINVAL, "invalid mode: %s", mode);
        _cleanup_free_ char *prefix = NULL;
        if (asprintf(&prefix, "invalid volume specification: '%s': ", raw) < 0)
                return error_set(err, ENOMEM, "out of memory");
        int r = validate_target(dst, err, prefix);
        if (r < 0)
                return r;
        ret->source = strdup(src);
        ret->destination = strdup(dst);
        ret->read_only = ro;
        ret->is_volume = src[0] != '/';
        ret->propagation = prop ? strndup(prop, prop_len) : NULL;
        if (!ret->source || !ret->destination || (prop && !ret->propagation)) {
                sg_bind_clear(ret);
                return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

/* ---- tmpfs options (moby's MergeTmpfsOptions) ---- */

static const char *const mount_flags[] = {
    "ro",          "rw",         "suid",        "nosuid",        "dev",     "nodev", "exec",
    "noexec",      "sync",       "async",       "dirsync",       "remount", "mand",  "nomand",
    "atime",       "noatime",    "diratime",    "nodiratime",    "bind",    "rbind", "unbindable",
    "runbindable", "private",    "rprivate",    "shared",        "rshared", "slave", "rslave",
    "relatime",    "norelatime", "strictatime", "nostrictatime", NULL,
};
static const char *const tmpfs_data[] = {"size",      "mode",      "uid",  "gid",
                                         "nr_inodes", "nr_blocks", "mpol", NULL};

/* Flags that collide (one wins): the same "key" names them. */
static const char *flag_key(const char *f)
{
        static const char *const pairs[][2] = {
            {"ro", "rdonly"},
            {"rw", "rdonly"},
            {"suid", "nosuid"},
            {"nosuid", "nosuid"},
            {"dev", "nodev"},
            {"nodev", "nodev"},
            {"exec", "noexec"},
            {"noexec", "noexec"},
            {"sync", "sync"},
            {"async", "sync"},
            {"mand", "mand"},
            {"nomand", "mand"},
            {"atime", "noatime"},
            {"noatime", "noatime"},
            {"diratime", "nodiratime"},
            {"nodiratime", "nodiratime"},
            {"relatime", "relatime"},
            {"norelatime", "relatime"},
            {"strictatime", "strictatime"},
            {"nostrictatime", "strictatime"},
            {"bind", "bind"},
            {"rbind", "rbind"},
            {"dirsync", "dirsync"},
            {"remount", "remount"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(pairs); i++)
                if (STREQ(pairs[i][0], f))
                        return pairs[i][1];
        return "propagation";
}

int sg_tmpfs_options(const char *dest, const char *data, json_t **ret, BerthError **err)
{
        if (ret)
                *ret = NULL;
        int r = validate_target(dest, err, "");
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **opts = NULL;
        static const char *const defaults[] = {"noexec", "nosuid", "nodev", "rprivate"};
        for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
                strv_append(&opts, defaults[i]);
        if (data && *data) {
                _cleanup_free_ char *copy = strdup(data);
                if (!copy)
                        return error_set(err, ENOMEM, "out of memory");
                char *p = copy;
                for (;;) {
                        char *c = strchr(p, ',');
                        if (c)
                                *c = '\0';
                        strv_append(&opts, p);
                        if (!c)
                                break;
                        p = c + 1;
                }
        }
        /* Walk backwards keeping the last of each kind, then reverse. */
        size_t n = strv_length(opts);
        _cleanup_strv_free_ char **keys = NULL;
        _cleanup_strv_free_ char **out = NULL;
        for (size_t k = n; k-- > 0;) {
                const char *o = opts[k];
                if (STREQ(o, "defaults"))
                        continue;
                _cleanup_free_ char *key = NULL;
                if (in_list(mount_flags, o, strlen(o))) {
                        if (asprintf(&key, "flag:%s", flag_key(o)) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                } else {
                        const char *eq = strchr(o, '=');
                        if (!eq || !in_list(tmpfs_data, o, (size_t)(eq - o)))
                                return error_set(err, EINVAL, "invalid tmpfs option [\"%s\"]", o);
                        if (asprintf(&key, "data:%.*s", (int)(eq - o), o) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                }
                if (strv_contains(keys, key))
                        continue;
                strv_push(&keys, TAKE_PTR(key));
                strv_append(&out, o);
        }
        if (ret) {
                json_t *a = json_array();
                for (size_t k = strv_length(out); k-- > 0;)
                        json_array_append_new(a, json_string(out[k]));
                *ret = a;
        }
        return 0;
}

/* ---- HostConfig.Mounts ---- */

static int mount_error(BerthError **err, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int mount_error(BerthError **err, const char *type, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                return error_set(err, ENOMEM, "out of memory");
        return error_set(err, EINVAL, "invalid mount config for type \"%s\": %s", type, msg);
}

/* ConvertTmpfsOptions: "ro,mode=...,size=...". */
static int tmpfs_mount_data(json_t *m, char **ret, BerthError **err)
{
        json_t *to = sg_object(m, "TmpfsOptions");
        _cleanup_free_ char *s = strdup(sg_bool(m, "ReadOnly") ? "ro" : "");
        if (!s)
                return -ENOMEM;
        char *n = NULL;
        int64_t mode = sg_int(to, "Mode");
        if (mode) {
                if (asprintf(&n, "%s%smode=%llo", s, *s ? "," : "", (unsigned long long)mode) < 0)
                        return -ENOMEM;
                free(s);
                s = n;
        }
        int64_t size = sg_int(to, "SizeBytes");
        if (size) {
                const char *suffix = "";
                if (size % (1LL << 30) == 0) {
                        size /= 1LL << 30;
                        suffix = "g";
                } else if (size % (1LL << 20) == 0) {
                        size /= 1LL << 20;
                        suffix = "m";
                } else if (size % (1LL << 10) == 0) {
                        size /= 1LL << 10;
                        suffix = "k";
                }
                if (asprintf(&n, "%s%ssize=%lld%s", s, *s ? "," : "", (long long)size, suffix) < 0)
                        return -ENOMEM;
                free(s);
                s = n;
        }
        size_t i;
        json_t *o;
        json_array_foreach(sg_array(to, "Options"), i, o)
        {
                size_t len = json_array_size(o);
                if (!json_is_array(o) || len < 1 || len > 2)
                        return mount_error(err, "tmpfs", "%s", "invalid option array length");
                const char *k = json_string_value(json_array_get(o, 0));
                if (!k || !(STREQ(k, "exec") || STREQ(k, "noexec")))
                        return mount_error(err, "tmpfs", "invalid option: %s", k ? k : "");
                const char *v = len == 2 ? json_string_value(json_array_get(o, 1)) : NULL;
                if (asprintf(&n, "%s%s%s%s%s", s, *s ? "," : "", k, v ? "=" : "", v ? v : "") < 0)
                        return -ENOMEM;
                free(s);
                s = n;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

int sg_validate_mount(json_t *m, BerthError **err)
{
        if (!json_is_object(m))
                return error_set(err, EINVAL, "invalid mount config: expected an object");
        const char *type = sg_str0(m, "Type");
        static const struct {
                const char *field, *type;
        } exclusive[] = {{"BindOptions", "bind"},
                         {"VolumeOptions", "volume"},
                         {"ImageOptions", "image"},
                         {"TmpfsOptions", "tmpfs"},
                         {"ClusterOptions", "cluster"}};
        for (size_t i = 0; i < ARRAY_SIZE(exclusive); i++) {
                json_t *v = json_object_get(m, exclusive[i].field);
                if (v && !json_is_null(v) && !STREQ(type, exclusive[i].type))
                        return mount_error(err, type, "field %s must not be specified",
                                           exclusive[i].field);
        }
        const char *target = sg_str0(m, "Target");
        if (!*target)
                return mount_error(err, type, "field %s must not be empty", "Target");
        if (is_root_path(target))
                return mount_error(err, type, "%s",
                                   "invalid specification: destination can't be '/'");
        if (target[0] != '/')
                return mount_error(err, type,
                                   "invalid mount path: '%s' mount path must be absolute", target);
        const char *source = sg_str0(m, "Source");
        if (STREQ(type, "bind")) {
                if (!*source)
                        return mount_error(err, type, "field %s must not be empty", "Source");
                json_t *bo = sg_object(m, "BindOptions");
                const char *prop = sg_str(bo, "Propagation");
                if (prop && *prop && !in_list(propagation_modes, prop, strlen(prop)))
                        return mount_error(err, type, "invalid propagation mode: %s", prop);
                if (source[0] != '/')
                        return mount_error(err, type,
                                           "invalid mount path: '%s' mount path must be absolute",
                                           source);
                struct stat st;
                if (stat(source, &st) < 0 && !sg_bool(bo, "CreateMountpoint"))
                        return mount_error(err, type, "bind source path does not exist: %s",
                                           source);
                return 0;
        }
        if (STREQ(type, "tmpfs")) {
                if (*source)
                        return mount_error(err, type, "field %s must not be specified", "Source");
                _cleanup_free_ char *data = NULL;
                int r = tmpfs_mount_data(m, &data, err);
                if (r == -ENOMEM)
                        return error_set(err, ENOMEM, "out of memory");
                return r;
        }
        if (STREQ(type, "volume") || STREQ(type, "image") || STREQ(type, "cluster") ||
            STREQ(type, "npipe"))
                return error_set(err, EINVAL,
                                 "invalid mount config for type \"%s\": mounts of type %s are not "
                                 "supported yet",
                                 type, type);
        return mount_error(err, type, "%s", "mount type unknown");
}

/* ---- building ---- */

typedef struct UserMount {
        char *destination;
        json_t *mount; /* OCI mount */
} UserMount;

static size_t dest_depth(const char *d)
{
        size_t n = 1;
        bool in = false;
        for (const char *p = d; *p; p++) {
                if (*p == '/')
                        in = false;
                else if (!in) {
                        in = true;
                        n++;
                }
        }
        return n;
}

static json_t *oci_mount(const char *dest, const char *type, const char *source, json_t *opts)
{
        json_t *m = json_object();
        json_object_set_new(m, "destination", json_string(dest));
        json_object_set_new(m, "type", json_string(type));
        json_object_set_new(m, "source", json_string(source));
        json_object_set_new(m, "options", opts);
        return m;
}

static json_t *bind_mount(const char *dest, const char *source, bool ro, const char *prop,
                          bool recursive)
{
        json_t *o = json_array();
        json_array_append_new(o, json_string(recursive ? "rbind" : "bind"));
        if (ro)
                json_array_append_new(o, json_string("ro"));
        json_array_append_new(o, json_string(prop && *prop ? prop : "rprivate"));
        return oci_mount(dest, "bind", source, o);
}

static int add_user_mount(json_t *list, const char *dest, json_t *m)
{
        /* a later mount on the same destination replaces an earlier one */
        size_t i;
        json_t *e;
        json_array_foreach(list, i, e)
        {
                if (STREQ(json_string_value(json_object_get(e, "destination")), dest)) {
                        json_array_set_new(list, i, m);
                        return 0;
                }
        }
        return json_array_append_new(list, m);
}

/* /dev/shm shared with the host (--ipc host) or with the container whose
 * IPC namespace is joined (--ipc container:X, reached through
 * /proc/PID/root of its namespace holder), as Docker binds its ShmPath. */
static char *shared_shm(json_t *hc, json_t *spec)
{
        SgMode ipc = sg_parse_mode('i', sg_str(hc, "IpcMode"), NULL);
        if (ipc == SG_MODE_HOST)
                return access("/dev/shm", F_OK) == 0 ? strdup("/dev/shm") : NULL;
        if (ipc != SG_MODE_CONTAINER)
                return NULL;
        size_t i;
        json_t *n;
        json_array_foreach(json_object_get(json_object_get(spec, "linux"), "namespaces"), i, n)
        {
                const char *type = sg_str(n, "type"), *path = sg_str(n, "path");
                if (!type || !STREQ(type, "ipc") || !path)
                        continue;
                size_t len = strlen(path);
                if (strncmp(path, "/proc/", 6) != 0 || len < 13 ||
                    !STREQ(path + len - 7, "/ns/ipc"))
                        return NULL;
                char *out = NULL;
                if (asprintf(&out, "%.*s/root/dev/shm", (int)(len - 7), path) < 0)
                        return NULL;
                return out;
        }
        return NULL;
}

static int collect_user_mounts(const SpecgenInput *in, json_t *hc, json_t *spec, bool readonly_root,
                               json_t *list, BerthError **err)
{
        int r;
        size_t i;
        json_t *v;
        /* /etc/resolv.conf, /etc/hostname, /etc/hosts (not with a
         * container's network: it brings its own). */
        static const char *const etc[] = {"resolv.conf", "hostname", "hosts"};
        for (size_t k = 0; in->container_dir && k < ARRAY_SIZE(etc); k++) {
                _cleanup_free_ char *src = NULL, *dst = NULL;
                if (asprintf(&src, "%s/%s", in->container_dir, etc[k]) < 0 ||
                    asprintf(&dst, "/etc/%s", etc[k]) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                add_user_mount(list, dst, bind_mount(dst, src, readonly_root, NULL, true));
        }
        _cleanup_free_ char *shm = shared_shm(hc, spec);
        if (shm)
                add_user_mount(list, "/dev/shm", bind_mount("/dev/shm", shm, false, NULL, true));

        json_array_foreach(sg_array(hc, "Binds"), i, v)
        {
                const char *raw = json_string_value(v);
                if (!raw)
                        return error_set(err, EINVAL, "invalid Binds: expected strings");
                SgBind b;
                r = sg_parse_bind(raw, &b, err);
                if (r < 0)
                        return r;
                if (b.is_volume) {
                        sg_bind_clear(&b);
                        return error_set(err, EINVAL,
                                         "invalid volume specification: '%s': named and anonymous "
                                         "volumes are not supported yet",
                                         raw);
                }
                /* Docker creates a missing bind source as a directory. */
                struct stat st;
                if (stat(b.source, &st) < 0) {
                        r = mkdir_p(b.source, 0755, err);
                        if (r < 0) {
                                sg_bind_clear(&b);
                                return error_prefix(err, "create bind source %s", raw);
                        }
                }
                add_user_mount(
                    list, b.destination,
                    bind_mount(b.destination, b.source, b.read_only, b.propagation, true));
                sg_bind_clear(&b);
        }

        json_array_foreach(sg_array(hc, "Mounts"), i, v)
        {
                r = sg_validate_mount(v, err);
                if (r < 0)
                        return r;
                const char *type = sg_str0(v, "Type");
                const char *target = sg_str0(v, "Target");
                if (STREQ(type, "bind")) {
                        json_t *bo = sg_object(v, "BindOptions");
                        const char *src = sg_str0(v, "Source");
                        struct stat st;
                        if (stat(src, &st) < 0 && sg_bool(bo, "CreateMountpoint")) {
                                r = mkdir_p(src, 0755, err);
                                if (r < 0)
                                        return error_prefix(err, "create bind source %s", src);
                        }
                        add_user_mount(list, target,
                                       bind_mount(target, src, sg_bool(v, "ReadOnly"),
                                                  sg_str(bo, "Propagation"),
                                                  !sg_bool(bo, "NonRecursive")));
                } else { /* tmpfs */
                        _cleanup_free_ char *data = NULL;
                        r = tmpfs_mount_data(v, &data, err);
                        if (r < 0)
                                return r == -ENOMEM ? error_set(err, ENOMEM, "out of memory") : r;
                        json_t *opts = NULL;
                        r = sg_tmpfs_options(target, data, &opts, err);
                        if (r < 0)
                                return r;
                        add_user_mount(list, target, oci_mount(target, "tmpfs", "tmpfs", opts));
                }
        }

        const char *dest;
        json_object_foreach(sg_object(hc, "Tmpfs"), dest, v)
        {
                const char *data = json_is_string(v) ? json_string_value(v) : "";
                json_t *opts = NULL;
                r = sg_tmpfs_options(dest, data, &opts, err);
                if (r < 0)
                        return r;
                add_user_mount(list, dest, oci_mount(dest, "tmpfs", "tmpfs", opts));
        }
        return 0;
}

static bool has_option(json_t *opts, const char *o)
{
        size_t i;
        json_t *v;
        json_array_foreach(opts, i, v) if (STREQ(json_string_value(v), o)) return true;
        return false;
}

static void remove_option(json_t *opts, const char *o)
{
        for (size_t i = json_array_size(opts); i-- > 0;)
                if (STREQ(json_string_value(json_array_get(opts, i)), o))
                        json_array_remove(opts, i);
}

int sg_build_mounts(const SpecgenInput *in, json_t *spec, bool privileged, bool readonly_root,
                    bool ipc_none, BerthError **err)
{
        json_t *hc = sg_host_config(in->request);
        json_t *mounts = json_object_get(spec, "mounts");
        _cleanup_json_ json_t *earlier = json_deep_copy(mounts); /* --init's bind */
        json_array_clear(mounts);

        _cleanup_json_ json_t *user = json_array();
        int r = collect_user_mounts(in, hc, spec, readonly_root, user, err);
        if (r < 0)
                return r;
        bool user_dev = false;
        size_t i;
        json_t *v;
        json_array_foreach(
            user, i, v) if (STREQ(json_string_value(json_object_get(v, "destination")), "/dev"))
            user_dev = true;

        int64_t shm = sg_int(hc, "ShmSize");
        if (shm <= 0)
                shm = SG_DEFAULT_SHM_SIZE;
        char shm_opt[48];
        snprintf(shm_opt, sizeof(shm_opt), "size=%lld", (long long)shm);

        struct {
                const char *dest, *type, *source, *opts[8];
        } defaults[] = {
            {"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}},
            {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
            {"/dev/pts",
             "devpts",
             "devpts",
             {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
            {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}},
            {"/sys/fs/cgroup", "cgroup", "cgroup", {"ro", "nosuid", "noexec", "nodev"}},
            {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
            {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", shm_opt}},
        };
        json_t *list = json_array();
        for (size_t k = 0; k < ARRAY_SIZE(defaults); k++) {
                const char *d = defaults[k].dest;
                bool overridden = false;
                json_array_foreach(
                    user, i, v) if (STREQ(json_string_value(json_object_get(v, "destination")), d))
                    overridden = true;
                if (overridden || (user_dev && strncmp(d, "/dev/", 5) == 0))
                        continue;
                if (STREQ(d, "/dev/shm") && ipc_none)
                        continue;
                json_t *o = json_array();
                for (size_t j = 0; defaults[k].opts[j]; j++)
                        json_array_append_new(o, json_string(defaults[k].opts[j]));
                json_array_append_new(list, oci_mount(d, defaults[k].type, defaults[k].source, o));
        }
        size_t n_defaults = json_array_size(list);
        json_array_extend(list, earlier);
        size_t n_fixed = json_array_size(list);

        /* user mounts, parents before children */
        size_t n_user = json_array_size(user);
        json_t **sorted = calloc(n_user ? n_user : 1, sizeof(*sorted));
        if (!sorted) {
                json_decref(list);
                return error_set(err, ENOMEM, "out of memory");
        }
        json_array_foreach(user, i, v) sorted[i] = v;
        for (size_t a = 1; a < n_user; a++) { /* insertion sort: stable */
                json_t *x = sorted[a];
                size_t dx = dest_depth(json_string_value(json_object_get(x, "destination")));
                size_t b = a;
                while (b > 0 && dest_depth(json_string_value(
                                    json_object_get(sorted[b - 1], "destination"))) > dx) {
                        sorted[b] = sorted[b - 1];
                        b--;
                }
                sorted[b] = x;
        }
        for (size_t k = 0; k < n_user; k++)
                json_array_append(list, sorted[k]);
        free(sorted);

        if (readonly_root) {
                for (size_t k = 0; k < n_fixed; k++) {
                        json_t *m = json_array_get(list, k);
                        const char *d = json_string_value(json_object_get(m, "destination"));
                        if (k >= n_defaults)
                                continue; /* the init binary is already ro */
                        if (STREQ(d, "/proc") || STREQ(d, "/dev/pts") || STREQ(d, "/dev/shm") ||
                            STREQ(d, "/dev/mqueue") || STREQ(d, "/dev"))
                                continue;
                        json_t *o = json_object_get(m, "options");
                        if (!has_option(o, "ro"))
                                json_array_append_new(o, json_string("ro"));
                }
        }
        if (privileged) {
                json_array_foreach(list, i, v)
                {
                        const char *d = json_string_value(json_object_get(v, "destination"));
                        const char *t = json_string_value(json_object_get(v, "type"));
                        if (STREQ(d, "/sys") || (t && STREQ(t, "cgroup")))
                                remove_option(json_object_get(v, "options"), "ro");
                }
        }
        json_array_extend(mounts, list);

        /* A shared or slave bind needs a root that propagates: Docker makes
         * the root shared, or rslave, for it. */
        const char *root_prop = NULL;
        json_array_foreach(user, i, v)
        {
                json_t *o = json_object_get(v, "options");
                if (has_option(o, "shared") || has_option(o, "rshared"))
                        root_prop = "shared";
                else if (!root_prop && (has_option(o, "slave") || has_option(o, "rslave")))
                        root_prop = "rslave";
        }
        if (root_prop) {
                json_t *l = json_object_get(spec, "linux");
                if (json_is_object(l))
                        json_object_set_new(l, "rootfsPropagation", json_string(root_prop));
        }
        json_decref(list);
        return 0;
}
