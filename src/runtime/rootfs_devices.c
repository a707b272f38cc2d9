/* Device nodes and the /dev links. Skipped when /dev is bound from the
 * host. Inside a user namespace mknod is refused: the host's node is then
 * bound onto an empty file, as runc does. */
#include "runtime/rootfs_internal.h"
#include "common/cleanup.h"
#include "common/safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const RtDevice default_devices[] = {
    {.path = "/dev/null", .type = 'c', .major = 1, .minor = 3},
    {.path = "/dev/zero", .type = 'c', .major = 1, .minor = 5},
    {.path = "/dev/full", .type = 'c', .major = 1, .minor = 7},
    {.path = "/dev/random", .type = 'c', .major = 1, .minor = 8},
    {.path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9},
    {.path = "/dev/tty", .type = 'c', .major = 5, .minor = 0},
};

/* "/dev//null/" and "/dev/null" are the same destination. */
static bool same_path(const char *a, const char *b)
{
        for (;;) {
                while (*a == '/' && (a[1] == '/' || a[1] == '\0'))
                        a++;
                while (*b == '/' && (b[1] == '/' || b[1] == '\0'))
                        b++;
                if (*a != *b)
                        return false;
                if (!*a)
                        return true;
                a++;
                b++;
        }
}

static bool mounts_at(const RtSpec *spec, const char *dest, bool bind_only)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const RtMount *m = &spec->mounts[i];
                if (!m->destination || !same_path(m->destination, dest))
                        continue;
                if (!bind_only)
                        return true;
                if (m->type && (STREQ(m->type, "bind") || STREQ(m->type, "rbind")))
                        return true;
                for (char **o = m->options; o && *o; o++)
                        if (STREQ(*o, "bind") || STREQ(*o, "rbind"))
                                return true;
        }
        return false;
}

static int split_path(const char *path, char **ret_dir, const char **ret_name)
{
        const char *slash = strrchr(path, '/');
        if (!slash || !slash[1])
                return -EINVAL;
        *ret_dir = strndup(path, (size_t)(slash - path));
        if (!*ret_dir)
                return -ENOMEM;
        *ret_name = slash + 1;
        return 0;
}

static int bind_host_device(int rootfd, const RtDevice *d, BerthError **err)
{
        _cleanup_close_ int fd = safe_mkfile_in_root(rootfd, d->path, 0600, err);
        if (fd < 0)
                return fd;
        int r = rt_mount_on_fd(d->path, fd, NULL, MS_BIND, NULL);
        if (r < 0)
                return error_set_errno(err, r, "bind mount device %s from the host", d->path);
        return 0;
}

static int create_device(int rootfd, const RtDevice *d, bool userns, BerthError **err)
{
        mode_t type;
        switch (d->type) {
        case 'c':
        case 'u':
                type = S_IFCHR;
                break;
        case 'b':
                type = S_IFBLK;
                break;
        case 'p':
                type = S_IFIFO;
                break;
        default:
                return error_set(err, EINVAL, "device %s: unknown type '%c'", d->path, d->type);
        }
        if (!d->path || d->path[0] != '/')
                return error_set(err, EINVAL, "device '%s': path must be absolute",
                                 d->path ? d->path : "");
        mode_t mode = d->file_mode.set ? (mode_t)d->file_mode.value & 07777 : 0666;
        uid_t uid = d->uid.set ? (uid_t)d->uid.value : 0;
        gid_t gid = d->gid.set ? (gid_t)d->gid.value : 0;

        _cleanup_free_ char *dir = NULL;
        const char *name = NULL;
        int r = split_path(d->path, &dir, &name);
        if (r < 0)
                return error_set_errno(err, r, "device '%s'", d->path);
        if (userns && type != S_IFIFO)
                return bind_host_device(rootfd, d, err);
        _cleanup_close_ int dfd = safe_mkdir_p_in_root(rootfd, dir, 0755, err);
        if (dfd < 0)
                return dfd;
        if (mknodat(dfd, name, type | mode, makedev((unsigned)d->major, (unsigned)d->minor)) < 0) {
                if (errno == EEXIST) /* the image has it already */
                        return 0;
                if (errno == EPERM && type != S_IFIFO)
                        return bind_host_device(rootfd, d, err);
                return error_set_errno(err, errno, "create device %s", d->path);
        }
        /* mknod obeyed the umask and made it ours */
        if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return error_set_errno(err, errno, "chown device %s to %u:%u", d->path,
                                       (unsigned)uid, (unsigned)gid);
        if (fchmodat(dfd, name, mode, 0) < 0)
                return error_set_errno(err, errno, "chmod device %s", d->path);
        return 0;
}

static bool listed(const RtSpec *spec, const char *path)
{
        for (size_t i = 0; i < spec->linux_.n_devices; i++)
                if (spec->linux_.devices[i].path && same_path(spec->linux_.devices[i].path, path))
                        return true;
        return false;
}

static int make_links(const RtSpec *spec, int rootfd, BerthError **err)
{
        static const struct {
                const char *name, *target;
                bool needs_proc;
        } links[] = {
            {"fd", "/proc/self/fd", false},       {"stdin", "/proc/self/fd/0", false},
            {"stdout", "/proc/self/fd/1", false}, {"stderr", "/proc/self/fd/2", false},
            {"core", "/proc/kcore", true},
        };
        _cleanup_close_ int dev = safe_mkdir_p_in_root(rootfd, "/dev", 0755, err);
        if (dev < 0)
                return dev;
        bool proc = mounts_at(spec, "/proc", false);
        for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
                if (links[i].needs_proc && !proc)
                        continue;
                if (symlinkat(links[i].target, dev, links[i].name) < 0 && errno != EEXIST)
                        return error_set_errno(err, errno, "create symlink /dev/%s -> %s",
                                               links[i].name, links[i].target);
        }
        /* the ptmx of our own devpts instance */
        if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
                return error_set_errno(err, errno, "remove /dev/ptmx");
        if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
                return error_set_errno(err, errno, "create symlink /dev/ptmx -> pts/ptmx");
        return 0;
}

int rt_rootfs_devices(const RtSpec *spec, int rootfd, BerthError **err)
{
        if (mounts_at(spec, "/dev", true))
                return 0;
        bool userns = rt_in_user_ns();
        int r;
        for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
                if (listed(spec, default_devices[i].path))
                        continue;
                if ((r = create_device(rootfd, &default_devices[i], userns, err)) < 0)
                        return r;
        }
        for (size_t i = 0; i < spec->linux_.n_devices; i++)
                if ((r = create_device(rootfd, &spec->linux_.devices[i], userns, err)) < 0)
                        return r;
        return make_links(spec, rootfd, err);
}
