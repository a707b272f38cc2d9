/* The "cgroup" mount type. On a cgroup v2 host: cgroup2. On a v1 (or
 * hybrid) host: a tmpfs holding one mount per hierarchy the cgroup code
 * found (rt_cg_discover), as /sys/fs/cgroup looks on the host, with
 * cpu -> cpu,cpuacct style links for co-mounted controllers. In a new cgroup
 * namespace each hierarchy shows the container's own cgroup as its root;
 * without one, our own cgroup's directory is bound instead (as runc does), so
 * the host's tree stays hidden either way. */
#include "runtime/rootfs_internal.h"
#include "runtime/cgroup_internal.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define HOST_CGROUP_ROOT "/sys/fs/cgroup"

/* Mounts a hierarchy at fd; in a user namespace without a cgroup namespace
 * of its own the kernel refuses, then the host's mount is bound instead. */
/* Mounts a hierarchy at fd. Outside a cgroup namespace of our own (our
 * cgroup is not "/") a new mount would show the host's whole tree: bind our
 * own cgroup's directory instead, as runc does. Inside a user namespace the
 * kernel may refuse the mount: then bind too. */
static int mount_hierarchy(const RtMountInfo *e, const char *data, const char *own, int fd,
                           unsigned long flags, int rootfd, const char *path)
{
        int r = -EPERM;
        if (!own || STREQ(own, "/")) {
                r = rt_mount_on_fd(e->fstype, fd, e->fstype, flags, data);
                if (r != -EPERM || !rt_in_user_ns())
                        return r;
        }
        _cleanup_free_ char *src = NULL;
        if (asprintf(&src, "%s%s", e->mountpoint, own && !STREQ(own, "/") ? own : "") < 0)
                return -ENOMEM;
        r = rt_mount_on_fd(src, fd, NULL, MS_BIND | MS_REC, NULL);
        if (r < 0 || !flags)
                return r;
        /* reopen: fd still names the directory under the new mount */
        _cleanup_close_ int mfd = safe_openat_in_root(rootfd, path, O_PATH, 0, NULL);
        if (mfd < 0)
                return mfd;
        return rt_bind_remount(mfd, flags, 0);
}

/* "rw,cpu,cpuacct" -> "cpu,cpuacct": what to ask the kernel for. */
static char *controllers_of(const char *superopts)
{
        _cleanup_free_ char *copy = strdup(superopts);
        char *out = calloc(1, strlen(superopts) + 1);
        if (!copy || !out) {
                free(out);
                return NULL;
        }
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (STREQ(t, "rw") || STREQ(t, "ro") || strncmp(t, "release_agent=", 14) == 0)
                        continue;
                if (out[0])
                        strcat(out, ",");
                strcat(out, t);
        }
        return out;
}

static int link_comounted(int dirfd, const char *name)
{
        if (!strchr(name, ','))
                return 0;
        _cleanup_free_ char *copy = strdup(name);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (symlinkat(name, dirfd, t) < 0 && errno != EEXIST)
                        return -errno;
        return 0;
}

/* True when every comma-separated token of `want` is one of `have`'s. */
static bool tokens_within(const char *want, const char *have)
{
        _cleanup_free_ char *w = strdup(want);
        if (!w)
                return false;
        char *save = NULL;
        for (char *t = strtok_r(w, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                size_t l = strlen(t);
                const char *p = have;
                bool found = false;
                while (!found && (p = strstr(p, t))) {
                        found = (p == have || p[-1] == ',') && (p[l] == ',' || p[l] == '\0');
                        p += l;
                }
                if (!found)
                        return false;
        }
        return true;
}

/* /proc/self/cgroup, read once for all hierarchies; NULL when unreadable. */
static char *read_self_cgroup(void)
{
        char *buf = NULL;
        return read_file("/proc/self/cgroup", &buf, NULL, NULL) < 0 ? NULL : buf;
}

/* Our cgroup in a hierarchy, from the text of /proc/self/cgroup ("/" in a
 * new cgroup namespace); NULL when not found. v1 hierarchies are matched by
 * their controllers, cgroup2 by the "0::" line. */
static char *own_cgroup(const RtMountInfo *e, const char *self_cgroup)
{
        if (!self_cgroup)
                return NULL;
        bool v2 = STREQ(e->fstype, "cgroup2");
        _cleanup_free_ char *text = strdup(self_cgroup);
        if (!text)
                return NULL;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(line, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = '\0';
                const char *ctrl = c1 + 1;
                bool match = v2 ? !*ctrl : (*ctrl && tokens_within(ctrl, e->superopts));
                if (!match)
                        continue;
                const char *path = c2 + 1;
                /* the host mount may itself show a subtree */
                size_t rl = strlen(e->root);
                if (!STREQ(e->root, "/") && strncmp(path, e->root, rl) == 0 &&
                    (path[rl] == '/' || !path[rl]))
                        path += rl;
                return strdup(*path ? path : "/");
        }
        return NULL;
}

static int mount_v1(const RtMount *m, const RtMountFlags *f, int rootfd, int fd,
                    unsigned long flags, BerthError **err)
{
        int r = rt_mount_on_fd("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
        if (r < 0)
                return error_set_errno(err, r, "mount tmpfs to %s (type cgroup)", m->destination);
        _cleanup_close_ int top =
            safe_openat_in_root(rootfd, m->destination, O_PATH | O_DIRECTORY, 0, err);
        if (top < 0)
                return top;

        /* the hierarchies as the cgroup code found them: usually still
         * known from making this container's cgroup, so mountinfo is not
         * read again */
        RtCgroupMode mode;
        RtCgHier *h = NULL;
        size_t n = 0;
        r = rt_cg_discover(&mode, &h, &n, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *self_cgroup = read_self_cgroup();
        for (size_t i = 0; i < n && r >= 0; i++) {
                bool v1 = !h[i].v2;
                const RtMountInfo hier = {.root = h[i].mount_root,
                                          .mountpoint = h[i].mount,
                                          .fstype = v1 ? "cgroup" : "cgroup2",
                                          .superopts = v1 ? h[i].controllers : ""};
                const RtMountInfo *e = &hier;
                const char *slash = strrchr(e->mountpoint, '/');
                if (!slash || (size_t)(slash - e->mountpoint) != strlen(HOST_CGROUP_ROOT) ||
                    strncmp(e->mountpoint, HOST_CGROUP_ROOT, strlen(HOST_CGROUP_ROOT)) != 0)
                        continue;
                const char *name = slash + 1;
                if (!*name || STREQ(name, ".") || STREQ(name, ".."))
                        continue;
                if (mkdirat(top, name, 0755) < 0) {
                        if (errno == EEXIST)
                                continue; /* seen already: stacked mounts */
                        r = error_set_errno(err, errno, "create %s/%s", m->destination, name);
                        break;
                }
                _cleanup_close_ int sub =
                    openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0) {
                        r = error_set_errno(err, errno, "open %s/%s", m->destination, name);
                        break;
                }
                _cleanup_free_ char *data = v1 ? controllers_of(e->superopts) : NULL;
                if (v1 && !data) {
                        r = error_set(err, ENOMEM, "out of memory");
                        break;
                }
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s", m->destination, name) < 0) {
                        r = error_set(err, ENOMEM, "out of memory");
                        break;
                }
                _cleanup_free_ char *own = own_cgroup(e, self_cgroup);
                r = mount_hierarchy(e, data, own, sub, flags, rootfd, path);
                if (r < 0) {
                        r = error_set_errno(err, r, "mount %s to %s/%s (type %s)", e->fstype,
                                            m->destination, name, e->fstype);
                        break;
                }
                r = link_comounted(top, name);
                if (r < 0)
                        r = error_set_errno(err, r, "link the controllers of %s/%s", m->destination,
                                            name);
        }
        rt_cg_hiers_free(h, n);
        if (r < 0)
                return r;
        if (flags & MS_RDONLY) {
                r = rt_bind_remount(top, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
                if (r < 0)
                        return error_set_errno(err, r, "remount %s read-only", m->destination);
        }
        if (f->propagation && (r = rt_mount_on_fd(NULL, top, NULL, f->propagation, NULL)) < 0)
                return error_set_errno(err, r, "set the propagation of %s", m->destination);
        return 0;
}

int rt_rootfs_mount_cgroup(const RtMount *m, const RtMountFlags *f, int rootfd, int fd,
                           BerthError **err)
{
        unsigned long flags = f->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
        struct statfs sf;
        if (statfs(HOST_CGROUP_ROOT, &sf) < 0)
                return error_set_errno(err, errno, "mount cgroup to %s: statfs %s", m->destination,
                                       HOST_CGROUP_ROOT);
        if (sf.f_type != CGROUP2_SUPER_MAGIC)
                return mount_v1(m, f, rootfd, fd, flags, err);

        RtMountInfo host = {
            .root = "/", .mountpoint = HOST_CGROUP_ROOT, .fstype = "cgroup2", .superopts = ""};
        _cleanup_free_ char *self_cgroup = read_self_cgroup();
        _cleanup_free_ char *own = own_cgroup(&host, self_cgroup);
        int r = mount_hierarchy(&host, f->data, own, fd, flags, rootfd, m->destination);
        if (r < 0)
                return error_set_errno(err, r, "mount cgroup2 to %s (type cgroup)", m->destination);
        if (f->propagation) {
                _cleanup_close_ int top =
                    safe_openat_in_root(rootfd, m->destination, O_PATH, 0, err);
                if (top < 0)
                        return top;
                r = rt_mount_on_fd(NULL, top, NULL, f->propagation, NULL);
                if (r < 0)
                        return error_set_errno(err, r, "set the propagation of %s", m->destination);
        }
        return 0;
}
