/* After pivot_root: masked paths, read-only paths, read-only /, and the
 * final propagation of /. Paths are resolved inside the new root. */
#include "runtime/rootfs.h"
#include "runtime/rootfs_internal.h"
#include "common/cleanup.h"
#include "common/safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

/* O_PATH fd of path inside /, or -ENOENT (nothing to do) without an error. */
static int open_existing(int rootfd, const char *path, BerthError **err)
{
        _cleanup_error_ BerthError *e = NULL;
        int fd = safe_openat_in_root(rootfd, path, O_PATH, 0, &e);
        if (fd == -ENOENT)
                return fd;
        if (fd < 0)
                return error_move(err, TAKE_PTR(e));
        return fd;
}

static int mask_path(int rootfd, const char *path, BerthError **err)
{
        _cleanup_close_ int fd = open_existing(rootfd, path, err);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fd;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "mask %s: stat", path);
        int r;
        if (S_ISDIR(st.st_mode))
                r = rt_mount_on_fd("tmpfs", fd, "tmpfs",
                                   MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k");
        else
                r = rt_mount_on_fd("/dev/null", fd, NULL, MS_BIND, NULL);
        if (r < 0)
                return error_set_errno(err, r, "mask %s", path);
        return 0;
}

static int readonly_path(int rootfd, const char *path, BerthError **err)
{
        _cleanup_close_ int fd = open_existing(rootfd, path, err);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fd;
        char self[32];
        safe_fd_path(fd, self, sizeof(self));
        if (mount(self, self, NULL, MS_BIND | MS_REC, NULL) < 0)
                return error_set_errno(err, errno, "make %s read-only: bind onto itself", path);
        /* the old fd names what is under the new bind mount */
        _cleanup_close_ int mfd = safe_openat_in_root(rootfd, path, O_PATH, 0, err);
        if (mfd < 0)
                return mfd;
        int r = rt_bind_remount(mfd, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
        if (r < 0)
                return error_set_errno(err, r, "make %s read-only: remount", path);
        return 0;
}

int rt_rootfs_finalize(const RtSpec *spec, BerthError **err)
{
        _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return error_set_errno(err, errno, "open /");
        int r;
        for (char **p = spec->linux_.masked_paths; p && *p; p++)
                if ((r = mask_path(rootfd, *p, err)) < 0)
                        return r;
        for (char **p = spec->linux_.readonly_paths; p && *p; p++)
                if ((r = readonly_path(rootfd, *p, err)) < 0)
                        return r;
        if (spec->root.readonly) {
                unsigned long keep = rt_mount_flags_of(rootfd);
                r = rt_bind_remount(rootfd, keep | MS_RDONLY, 0);
                if (r < 0)
                        return error_set_errno(err, r, "remount / read-only");
        }
        const char *prop = spec->linux_.rootfs_propagation;
        if (prop) {
                unsigned long flag = 0;
                if (rt_propagation_parse(prop, &flag) < 0)
                        return error_set(err, EINVAL, "linux.rootfsPropagation: unknown value '%s'",
                                         prop);
                if (mount(NULL, "/", NULL, flag, NULL) < 0)
                        return error_set_errno(err, errno, "set the propagation of / to %s", prop);
        }
        return 0;
}
