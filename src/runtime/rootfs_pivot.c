/* Entering the rootfs. pivot_root(".", ".") stacks the old root on top of
 * the new one; detaching "." then drops it without needing a temp dir (the
 * trick runc uses). When / is ramfs/initramfs pivot_root can't work: there,
 * and on request, the rootfs is moved onto / and chrooted into. */
#include "runtime/rootfs.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

static bool root_is_ramfs(int oldroot)
{
        struct statfs sf;
        if (fstatfs(oldroot, &sf) < 0)
                return false;
        return sf.f_type == RAMFS_MAGIC || sf.f_type == TMPFS_MAGIC;
}

static int move_root(int newroot, const char *rootfs, BerthError **err)
{
        if (fchdir(newroot) < 0)
                return error_set_errno(err, errno, "chdir to rootfs %s", rootfs);
        if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
                return error_set_errno(err, errno, "move rootfs %s onto /", rootfs);
        if (chroot(".") < 0)
                return error_set_errno(err, errno, "chroot into %s", rootfs);
        if (chdir("/") < 0)
                return error_set_errno(err, errno, "chdir / in the new root");
        return 0;
}

int rt_rootfs_pivot(const char *rootfs, bool no_pivot, BerthError **err)
{
        _cleanup_close_ int newroot = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (newroot < 0)
                return error_set_errno(err, errno, "open rootfs %s", rootfs);
        if (no_pivot)
                return move_root(newroot, rootfs, err);

        _cleanup_close_ int oldroot = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (oldroot < 0)
                return error_set_errno(err, errno, "open the old root");
        if (fchdir(newroot) < 0)
                return error_set_errno(err, errno, "chdir to rootfs %s", rootfs);
        if (syscall(SYS_pivot_root, ".", ".") < 0) {
                int e = errno;
                /* only for a root on ramfs/initramfs: elsewhere a silent
                 * chroot would weaken the container */
                if (e == EINVAL && root_is_ramfs(oldroot))
                        return move_root(newroot, rootfs, err);
                return error_set_errno(err, e, "pivot_root into %s", rootfs);
        }
        /* "." is now the old root, stacked on the new one */
        if (fchdir(oldroot) < 0)
                return error_set_errno(err, errno, "chdir to the old root");
        /* so the detach below can't propagate to the host */
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return error_set_errno(err, errno, "make the old root rslave");
        if (umount2(".", MNT_DETACH) < 0)
                return error_set_errno(err, errno, "detach the old root");
        if (chdir("/") < 0)
                return error_set_errno(err, errno, "chdir / in the new root");
        return 0;
}
