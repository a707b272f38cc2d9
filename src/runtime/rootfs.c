/* Before pivot_root: propagation of /, the rootfs bound onto itself, then
 * every spec mount in order, then devices. Each mount point is resolved
 * inside the rootfs with safepath and mounted through its O_PATH fd. */
#include "runtime/rootfs.h"
#include "runtime/rootfs_internal.h"
#include "common/cleanup.h"
#include "common/safepath.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static void mount_flags_donep(RtMountFlags *f)
{
        rt_mount_flags_done(f);
}

static const char *mount_type_name(const RtMount *m, const RtMountFlags *f)
{
        if (m->type && !STREQ(m->type, "none"))
                return m->type;
        return f->bind ? "bind" : "none";
}

static bool is_bind(const RtMount *m, const RtMountFlags *f)
{
        return f->bind || (m->type && (STREQ(m->type, "bind") || STREQ(m->type, "rbind")));
}

/* pivot_root refuses a new root whose parent mount is shared: make the
 * mount holding the rootfs private (only in our namespace). The walk goes up
 * from the rootfs's directory; MS_PRIVATE succeeds only on a mount's root,
 * so the first success is the parent mount. No mountinfo read: its cost
 * grows with every container running on the host. */
static int make_parent_private(const char *rootfs, BerthError **err)
{
        char real[PATH_MAX];
        if (!realpath(rootfs, real))
                return error_set_errno(err, errno, "resolve rootfs '%s'", rootfs);
        for (;;) {
                char *slash = strrchr(real, '/');
                if (!slash)
                        return 0;
                if (slash == real)
                        slash[1] = '\0'; /* "/" itself */
                else
                        *slash = '\0';
                if (mount(NULL, real, NULL, MS_PRIVATE, NULL) == 0)
                        return 0;
                if (errno != EINVAL)
                        return error_set_errno(err, errno, "make '%s' private", real);
                if (STREQ(real, "/"))
                        return 0;
        }
}

static int set_root_propagation(const RtSpec *spec, const char *rootfs, BerthError **err)
{
        unsigned long flag = MS_SLAVE | MS_REC;
        const char *prop = spec->linux_.rootfs_propagation;
        if (prop && rt_propagation_parse(prop, &flag) < 0)
                return error_set(err, EINVAL, "linux.rootfsPropagation: unknown value '%s'", prop);
        if (mount(NULL, "/", NULL, flag, NULL) < 0)
                return error_set_errno(err, errno, "set the propagation of / to %s",
                                       prop ? prop : "rslave");
        /* after a recursive slave or private, no mount is shared */
        if ((flag & MS_REC) && !(flag & MS_SHARED))
                return 0;
        return make_parent_private(rootfs, err);
}

/* Copies what lies under a tmpfs mount point into the new tmpfs (the
 * "tmpcopyup" option). src is the directory opened before the mount. */
static int copy_tree(int src, int dst)
{
        int dupfd = fcntl(src, F_DUPFD_CLOEXEC, 3);
        if (dupfd < 0)
                return -errno;
        _cleanup_closedir_ DIR *d = fdopendir(dupfd);
        if (!d) {
                close(dupfd);
                return -errno;
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                struct stat st;
                if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                int r = 0;
                if (S_ISDIR(st.st_mode)) {
                        if (mkdirat(dst, de->d_name, st.st_mode & 07777) < 0)
                                return -errno;
                        _cleanup_close_ int s2 = openat(
                            src, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        _cleanup_close_ int d2 = openat(
                            dst, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (s2 < 0 || d2 < 0)
                                return -errno;
                        r = copy_tree(s2, d2);
                } else if (S_ISREG(st.st_mode)) {
                        _cleanup_close_ int in =
                            openat(src, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                        _cleanup_close_ int out =
                            openat(dst, de->d_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                                   st.st_mode & 07777);
                        if (in < 0 || out < 0)
                                return -errno;
                        char buf[65536];
                        ssize_t got;
                        while ((got = read(in, buf, sizeof(buf))) > 0)
                                if (write(out, buf, (size_t)got) != got)
                                        return -EIO;
                        if (got < 0)
                                return -errno;
                } else if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t l = readlinkat(src, de->d_name, target, sizeof(target) - 1);
                        if (l < 0)
                                return -errno;
                        target[l] = '\0';
                        if (symlinkat(target, dst, de->d_name) < 0)
                                return -errno;
                } else if (mknodat(dst, de->d_name, st.st_mode, st.st_rdev) < 0) {
                        return -errno;
                }
                if (r < 0)
                        return r;
                if (fchownat(dst, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                if (!S_ISLNK(st.st_mode) && fchmodat(dst, de->d_name, st.st_mode & 07777, 0) < 0)
                        return -errno;
        }
        return -errno;
}

/* Opens (creating when missing) the mount point of m inside the root. */
static int open_mount_point(int rootfd, const RtMount *m, bool bind, BerthError **err)
{
        _cleanup_error_ BerthError *lookup = NULL;
        int fd = safe_openat_in_root(rootfd, m->destination, O_PATH, 0, &lookup);
        if (fd != -ENOENT)
                return fd >= 0 ? fd : error_move(err, TAKE_PTR(lookup));
        struct stat st;
        if (bind && m->source && stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode))
                return safe_mkfile_in_root(rootfd, m->destination, 0644, err);
        return safe_mkdir_p_in_root(rootfd, m->destination, 0755, err);
}

/* After mounting, the fd we resolved still names the directory under the
 * new mount; reopen to get the mount's root (for remounts). */
static int reopen(int rootfd, const RtMount *m, BerthError **err)
{
        return safe_openat_in_root(rootfd, m->destination, O_PATH, 0, err);
}

static int apply_propagation(const RtMountFlags *f, int fd)
{
        if (!f->propagation)
                return 0;
        return rt_mount_on_fd(NULL, fd, NULL, f->propagation, NULL);
}

/* tree: a detached idmapped copy of the source to attach instead, or -1. */
static int mount_bind(int rootfd, const RtMount *m, const RtMountFlags *f, int fd, int tree,
                      BerthError **err)
{
        if (!m->source)
                return error_set(err, EINVAL, "bind mount to %s: no source", m->destination);
        unsigned long rec = f->flags & MS_REC;
        int r = 0;
        if (tree >= 0) {
                if (move_mount(tree, "", fd, "",
                               MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        return error_set_errno(err, errno,
                                               "mount %s to %s (idmapped bind): move_mount",
                                               m->source, m->destination);
        } else {
                r = rt_mount_on_fd(m->source, fd, NULL, MS_BIND | rec, NULL);
        }
        if (r < 0)
                return error_set_errno(err, r, "mount %s to %s (type bind)", m->source,
                                       m->destination);
        _cleanup_close_ int mfd = reopen(rootfd, m, err);
        if (mfd < 0)
                return mfd;
        /* the per-mount flags need a second, remount call */
        unsigned long extra = f->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
        if (extra || f->clear) {
                r = rt_bind_remount(mfd, extra, f->clear);
                if (r < 0)
                        return error_set_errno(err, r, "remount %s (bind of %s) with its options",
                                               m->destination, m->source);
        }
        r = apply_propagation(f, mfd);
        if (r < 0)
                return error_set_errno(err, r, "set the propagation of %s", m->destination);
        return 0;
}

/* Inside a user namespace without its own netns, sysfs can't be mounted;
 * mqueue may be refused likewise: bind the host's instead. */
static int bind_host_fallback(int rootfd, const RtMount *m, const RtMountFlags *f, int fd,
                              const char *host, BerthError **err)
{
        RtMount alt = *m;
        alt.source = (char *)host;
        RtMountFlags af = *f;
        af.flags |= MS_BIND | MS_REC;
        return mount_bind(rootfd, &alt, &af, fd, -1, err);
}

static int mount_fs(int rootfd, const RtMount *m, const RtMountFlags *f, int fd, BerthError **err)
{
        const char *type = m->type;
        const char *source = m->source ? m->source : type;
        _cleanup_free_ char *data = f->data ? strdup(f->data) : NULL;
        if (f->data && !data)
                return error_set(err, ENOMEM, "out of memory");

        if (STREQ(type, "devpts")) {
                /* our own pts instance; the ptmx of it usable by everyone */
                const char *add[] = {"newinstance", "ptmxmode=0666"};
                const char *key[] = {"newinstance", "ptmxmode="};
                for (size_t i = 0; i < ARRAY_SIZE(add); i++) {
                        if (data && strstr(data, key[i]))
                                continue;
                        char *joined = NULL;
                        if (asprintf(&joined, "%s%s%s", data ? data : "", data ? "," : "", add[i]) <
                            0)
                                return error_set(err, ENOMEM, "out of memory");
                        free(data);
                        data = joined;
                }
        }

        _cleanup_close_ int below = -1;
        if (f->tmpcopyup && STREQ(type, "tmpfs")) {
                char p[32];
                below = open(safe_fd_path(fd, p, sizeof(p)), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (below < 0)
                        return error_set_errno(err, errno, "tmpcopyup: open %s", m->destination);
        }

        unsigned long flags = f->flags & ~(MS_BIND | MS_REC);
        int r = rt_mount_on_fd(source, fd, type, flags, data);
        if (r == -EPERM && rt_in_user_ns()) {
                if (STREQ(type, "sysfs"))
                        return bind_host_fallback(rootfd, m, f, fd, "/sys", err);
                if (STREQ(type, "mqueue") && access("/dev/mqueue", F_OK) == 0)
                        return bind_host_fallback(rootfd, m, f, fd, "/dev/mqueue", err);
        }
        if (r < 0)
                return error_set_errno(err, r, "mount %s to %s (type %s)", source, m->destination,
                                       type);

        _cleanup_close_ int mfd = -1;
        if (below >= 0 || f->propagation) {
                mfd = reopen(rootfd, m, err);
                if (mfd < 0)
                        return mfd;
        }
        if (below >= 0) {
                char p[32];
                _cleanup_close_ int top =
                    open(safe_fd_path(mfd, p, sizeof(p)), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct stat st;
                r = top < 0 ? -errno : copy_tree(below, top);
                if (r == 0 && fstat(below, &st) == 0 &&
                    (fchown(top, st.st_uid, st.st_gid) < 0 || fchmod(top, st.st_mode & 07777) < 0))
                        r = -errno;
                if (r < 0)
                        return error_set_errno(err, r, "tmpcopyup into %s", m->destination);
        }
        if (f->propagation) {
                r = apply_propagation(f, mfd);
                if (r < 0)
                        return error_set_errno(err, r, "set the propagation of %s", m->destination);
        }
        return 0;
}

/* "rro", "rnosuid"...: mount_setattr over the new mount and all below it. */
static int apply_recursive(int rootfd, const RtMount *m, const RtMountFlags *f, BerthError **err)
{
        if (!f->rec_set && !f->rec_clear)
                return 0;
        _cleanup_close_ int mfd = reopen(rootfd, m, err);
        if (mfd < 0)
                return mfd;
        struct mount_attr attr = {.attr_set = f->rec_set, .attr_clr = f->rec_clear};
        if (mount_setattr(mfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                return error_set_errno(err, errno,
                                       "set the recursive mount options of %s (mount_setattr)",
                                       m->destination);
        return 0;
}

static int do_mount(int rootfd, const RtMount *m, size_t index, BerthError **err)
{
        _cleanup_(mount_flags_donep) RtMountFlags f = {0};
        int r = rt_mount_flags_parse(m->options, &f, err);
        if (r < 0)
                return r;
        bool bind = is_bind(m, &f);
        const char *tname = mount_type_name(m, &f);
        const char *src = m->source ? m->source : tname;
        if (!m->destination || m->destination[0] != '/')
                return error_set(err, EINVAL, "mount %s to '%s': destination must be absolute", src,
                                 m->destination ? m->destination : "");
        if (!bind && (!m->type || STREQ(m->type, "none")))
                return error_set(err, EINVAL, "mount %s to %s: no type and not a bind mount", src,
                                 m->destination);
        int tree = rt_rootfs_idmap_fd(index);
        if ((f.idmap || m->n_uid_mappings || m->n_gid_mappings) && tree < 0)
                return error_set(err, ENOTSUP,
                                 "mount %s to %s (type %s): the idmapped mount was not prepared",
                                 src, m->destination, tname);

        _cleanup_close_ int fd = open_mount_point(rootfd, m, bind, err);
        if (fd < 0) {
                error_prefix(err, "mount %s to %s (type %s): mount point", src, m->destination,
                             tname);
                return fd;
        }
        if (bind) {
                if (!(f.flags & MS_BIND))
                        f.flags |= MS_BIND;
                r = mount_bind(rootfd, m, &f, fd, tree, err);
        } else if (STREQ(m->type, "cgroup")) {
                r = rt_rootfs_mount_cgroup(m, &f, rootfd, fd, err);
        } else {
                r = mount_fs(rootfd, m, &f, fd, err);
        }
        if (r < 0)
                return r;
        return apply_recursive(rootfd, m, &f, err);
}

int rt_rootfs_prepare(const RtSpec *spec, const char *rootfs, BerthError **err)
{
        int r = set_root_propagation(spec, rootfs, err);
        if (r < 0)
                return r;
        if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                return error_set_errno(err, errno, "bind mount the rootfs %s onto itself", rootfs);
        /* opened after the bind, so mounts land on the new bind mount */
        _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return error_set_errno(err, errno, "open rootfs %s", rootfs);
        for (size_t i = 0; i < spec->n_mounts; i++) {
                r = do_mount(rootfd, &spec->mounts[i], i, err);
                if (r < 0)
                        return r;
        }
        return rt_rootfs_devices(spec, rootfd, err);
}
