/* Finding the cgroup hierarchies: statfs of the fs root tells unified from
 * legacy/hybrid; /proc/self/mountinfo gives each v1 hierarchy's mount point
 * and controllers ("cpu,cpuacct", "name=systemd"). A root with no cgroup
 * mount under it (a test's fake tree) is read from its directories. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "runtime/cgroup_internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static char *fs_root_override;
static RtCgStatfsFn statfs_fn = statfs;
static char *mountinfo_path;
static char *self_cgroup_path;

void rt_cgroup_set_fs_root(const char *path)
{
        free(fs_root_override);
        fs_root_override = path ? strdup(path) : NULL;
}

void rt_cgroup_test_set_statfs(RtCgStatfsFn fn)
{
        statfs_fn = fn ? fn : statfs;
}

void rt_cgroup_test_set_proc_files(const char *mountinfo, const char *self_cgroup)
{
        free(mountinfo_path);
        free(self_cgroup_path);
        mountinfo_path = mountinfo ? strdup(mountinfo) : NULL;
        self_cgroup_path = self_cgroup ? strdup(self_cgroup) : NULL;
}

const char *rt_cg_fs_root(void)
{
        if (fs_root_override)
                return fs_root_override;
        const char *env = getenv("BERTH_CGROUP_ROOT");
        return env && *env ? env : "/sys/fs/cgroup";
}

const char *rt_cg_self_cgroup_file(void)
{
        return self_cgroup_path ? self_cgroup_path : "/proc/self/cgroup";
}

void rt_cg_hiers_free(RtCgHier *h, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(h[i].mount);
                free(h[i].mount_root);
                free(h[i].controllers);
                free(h[i].dir);
        }
        free(h);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape_octal(char *s)
{
        char *w = s;
        for (char *r = s; *r;) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 4;
                } else {
                        *w++ = *r++;
                }
        }
        *w = '\0';
}

static const char *const v1_controllers[] = {
    "cpu",      "cpuacct", "cpuset",     "memory",  "devices", "freezer", "net_cls",
    "net_prio", "blkio",   "perf_event", "hugetlb", "pids",    "rdma",    "misc",
};

/* The controllers of a v1 mount from its super options, comma-joined. */
static char *v1_controllers_from_options(const char *opts)
{
        _cleanup_free_ char *copy = strdup(opts);
        if (!copy)
                return NULL;
        size_t cap = strlen(opts) + 1;
        char *out = calloc(1, cap);
        if (!out)
                return NULL;
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                bool keep = strncmp(t, "name=", 5) == 0;
                for (size_t i = 0; !keep && i < ARRAY_SIZE(v1_controllers); i++)
                        keep = STREQ(t, v1_controllers[i]);
                if (!keep)
                        continue;
                if (*out)
                        strcat(out, ",");
                strcat(out, t);
        }
        return out;
}

static bool under_root(const char *mnt, const char *root)
{
        size_t n = strlen(root);
        while (n > 1 && root[n - 1] == '/')
                n--;
        if (strncmp(mnt, root, n) != 0)
                return false;
        return mnt[n] == '\0' || mnt[n] == '/' || (n == 1 && root[0] == '/');
}

static int push_hier(RtCgHier **h, size_t *n, const char *mount, const char *mount_root,
                     char *controllers, bool v2)
{
        RtCgHier *nh = realloc(*h, (*n + 1) * sizeof(**h));
        if (!nh) {
                free(controllers);
                return -ENOMEM;
        }
        *h = nh;
        RtCgHier *e = &nh[*n];
        memset(e, 0, sizeof(*e));
        e->mount = strdup(mount);
        e->mount_root = strdup(mount_root);
        e->controllers = controllers;
        e->v2 = v2;
        (*n)++;
        if (!e->mount || !e->mount_root)
                return -ENOMEM;
        return 0;
}

/* cgroup.controllers is space-separated; we keep lists comma-joined. */
static char *v2_controllers(const char *mount)
{
        char *list = NULL;
        if (rt_cg_read(mount, "cgroup.controllers", &list, NULL) < 0)
                return strdup("");
        for (char *p = list; *p; p++)
                if (*p == ' ')
                        *p = ',';
        return list;
}

/* Cgroup mounts at or under root, in mountinfo order. v1 hierarchies already
 * seen (bind mounts of the same one) are skipped. */
static int parse_mountinfo(const char *root, RtCgHier **h, size_t *n, BerthError **err)
{
        const char *path = mountinfo_path ? mountinfo_path : "/proc/self/mountinfo";
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return error_set_errno(err, errno, "cgroup: open %s", path);
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                /* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
                char *fields[6] = {0};
                char *save = NULL, *t = strtok_r(line, " \n", &save);
                for (int i = 0; t && i < 6; i++, t = strtok_r(NULL, " \n", &save))
                        fields[i] = t;
                while (t && !STREQ(t, "-"))
                        t = strtok_r(NULL, " \n", &save);
                if (!t || !fields[4])
                        continue;
                char *fstype = strtok_r(NULL, " \n", &save);
                char *source = strtok_r(NULL, " \n", &save);
                char *super = strtok_r(NULL, " \n", &save);
                if (!fstype || !source || !super)
                        continue;
                bool v2 = STREQ(fstype, "cgroup2");
                if (!v2 && !STREQ(fstype, "cgroup"))
                        continue;
                unescape_octal(fields[3]);
                unescape_octal(fields[4]);
                if (!under_root(fields[4], root))
                        continue;
                char *ctl = v2 ? v2_controllers(fields[4]) : v1_controllers_from_options(super);
                if (!ctl)
                        return error_set(err, ENOMEM, "out of memory");
                bool dup = false;
                for (size_t i = 0; i < *n && !dup; i++)
                        dup = (*h)[i].v2 == v2 && (v2 || STREQ((*h)[i].controllers, ctl));
                if (dup || (!v2 && !*ctl)) {
                        free(ctl);
                        continue;
                }
                if (push_hier(h, n, fields[4], fields[3], ctl, v2) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

/* A fake tree: every subdirectory is a hierarchy named by its controllers
 * ("cpu,cpuacct"); "systemd" is name=systemd and "unified" the cgroup2 one. */
static int scan_fake_root(const char *root, RtCgHier **h, size_t *n, BerthError **err)
{
        _cleanup_closedir_ DIR *d = opendir(root);
        if (!d)
                return error_set_errno(err, errno, "cgroup: open %s", root);
        _cleanup_strv_free_ char **names = NULL;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || de->d_type != DT_DIR)
                        continue;
                if (strv_append(&names, de->d_name) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        size_t cnt = strv_length(names);
        /* readdir order is arbitrary: sort for a stable hierarchy order */
        for (size_t i = 1; i < cnt; i++)
                for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                        char *tmp = names[j];
                        names[j] = names[j - 1];
                        names[j - 1] = tmp;
                }
        STRV_FOREACH(name, names)
        {
                _cleanup_free_ char *mnt = NULL;
                if (asprintf(&mnt, "%s/%s", root, *name) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                bool v2 = STREQ(*name, "unified");
                char *ctl = NULL;
                if (v2)
                        ctl = v2_controllers(mnt);
                else if (STREQ(*name, "systemd"))
                        ctl = strdup("name=systemd");
                else
                        ctl = strdup(*name);
                if (!ctl || push_hier(h, n, mnt, "/", ctl, v2) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static int discover(RtCgroupMode *ret_mode, RtCgHier **ret_h, size_t *ret_n, BerthError **err);

/* Making one container asks for the hierarchies several times (its cgroup
 * path, the cgroup itself, the cgroup mount inside it), and each answer
 * reads /proc/self/mountinfo, which grows with every running container's
 * overlay mount: the kernel formats the whole table each time. An answer is
 * kept for a second, for the real /sys/fs/cgroup only (never with a test
 * seam set). A process cloned after an answer inherits it. */
#define DISCOVER_CACHE_NS 1000000000LL

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
        bool valid;
        long long at;
        RtCgroupMode mode;
        RtCgHier *h;
        size_t n;
} cache;

static long long now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool cacheable(void)
{
        const char *env = getenv("BERTH_CGROUP_ROOT");
        return !fs_root_override && !mountinfo_path && !self_cgroup_path && statfs_fn == statfs &&
               !(env && *env);
}

/* A copy without the container fields (dir, created). */
static int copy_hiers(const RtCgHier *h, size_t n, RtCgHier **ret)
{
        RtCgHier *c = calloc(n ? n : 1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                c[i].mount = strdup(h[i].mount);
                c[i].mount_root = strdup(h[i].mount_root);
                c[i].controllers = strdup(h[i].controllers);
                c[i].v2 = h[i].v2;
                c[i].optional = h[i].optional;
                if (!c[i].mount || !c[i].mount_root || !c[i].controllers) {
                        rt_cg_hiers_free(c, n);
                        return -ENOMEM;
                }
        }
        *ret = c;
        return 0;
}

int rt_cg_discover(RtCgroupMode *ret_mode, RtCgHier **ret_h, size_t *ret_n, BerthError **err)
{
        /* trylock: a child forked while another thread held the lock must
         * not wait for a thread it does not have */
        if (!cacheable() || pthread_mutex_trylock(&cache_lock) != 0)
                return discover(ret_mode, ret_h, ret_n, err);
        long long t = now_ns();
        if (cache.valid && t - cache.at < DISCOVER_CACHE_NS) {
                int r = copy_hiers(cache.h, cache.n, ret_h);
                RtCgroupMode mode = cache.mode;
                size_t n = cache.n;
                pthread_mutex_unlock(&cache_lock);
                if (r < 0)
                        return error_set(err, ENOMEM, "out of memory");
                *ret_mode = mode;
                *ret_n = n;
                return 0;
        }
        int r = discover(ret_mode, ret_h, ret_n, err);
        if (r >= 0) {
                RtCgHier *copy = NULL;
                if (copy_hiers(*ret_h, *ret_n, &copy) >= 0) {
                        rt_cg_hiers_free(cache.h, cache.n);
                        cache.h = copy;
                        cache.n = *ret_n;
                        cache.mode = *ret_mode;
                        cache.at = t;
                        cache.valid = true;
                }
        }
        pthread_mutex_unlock(&cache_lock);
        return r;
}

static int discover(RtCgroupMode *ret_mode, RtCgHier **ret_h, size_t *ret_n, BerthError **err)
{
        const char *root = rt_cg_fs_root();
        struct statfs sf;
        if (statfs_fn(root, &sf) < 0)
                return error_set_errno(err, errno, "cgroup: statfs %s", root);
        RtCgHier *h = NULL;
        size_t n = 0;
        int r;
        bool unified = (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC;
        if (!unified) {
                r = parse_mountinfo(root, &h, &n, err);
                if (r < 0) {
                        rt_cg_hiers_free(h, n);
                        return r;
                }
                for (size_t i = 0; i < n; i++)
                        if (h[i].v2 && STREQ(h[i].mount, root))
                                unified = true;
                if (n == 0) {
                        /* not mounted: a fake tree (tests, $BERTH_CGROUP_ROOT) */
                        if (rt_cg_file_exists(root, "cgroup.controllers"))
                                unified = true;
                        else if ((r = scan_fake_root(root, &h, &n, err)) < 0) {
                                rt_cg_hiers_free(h, n);
                                return r;
                        }
                }
                if (unified) {
                        rt_cg_hiers_free(h, n);
                        h = NULL;
                        n = 0;
                }
        }
        if (unified) {
                /* the mount root matters only for relative paths; best effort */
                RtCgHier *mh = NULL;
                size_t mn = 0;
                const char *mroot = "/";
                if (parse_mountinfo(root, &mh, &mn, NULL) >= 0)
                        for (size_t i = 0; i < mn; i++)
                                if (mh[i].v2 && STREQ(mh[i].mount, root))
                                        mroot = mh[i].mount_root;
                char *ctl = v2_controllers(root);
                r = ctl ? push_hier(&h, &n, root, mroot, ctl, true) : -ENOMEM;
                rt_cg_hiers_free(mh, mn);
                if (r < 0) {
                        rt_cg_hiers_free(h, n);
                        return error_set(err, ENOMEM, "out of memory");
                }
                *ret_mode = RT_CGROUP_UNIFIED;
                *ret_h = h;
                *ret_n = n;
                return 0;
        }
        size_t n_v1 = 0;
        for (size_t i = 0; i < n; i++) {
                if (h[i].v2)
                        h[i].optional = true;
                else
                        n_v1++;
        }
        if (n_v1 == 0) {
                rt_cg_hiers_free(h, n);
                return error_set(err, ENOENT, "cgroup: no cgroup v1 hierarchy is mounted under %s",
                                 root);
        }
        *ret_mode = RT_CGROUP_V1;
        *ret_h = h;
        *ret_n = n;
        return 0;
}

int rt_cgroup_detect(RtCgroupMode *ret, BerthError **err)
{
        RtCgHier *h = NULL;
        size_t n = 0;
        int r = rt_cg_discover(ret, &h, &n, err);
        if (r >= 0)
                rt_cg_hiers_free(h, n);
        return r;
}
