/* overlay: layers are lowerdirs, each container gets its own upper and work
 * dir. Mounted with the new mount API, one "lowerdir+" per layer, so many
 * layers never hit the one-page limit of mount(2)'s option string (and no
 * chdir or short symlinks are needed). Kernels before 6.8 lack "lowerdir+"
 * (the probe finds out once): they get mount(2), with short symlinks and
 * relative lower paths when the absolute ones do not fit in a page, as
 * Docker's overlay2 does (overlay_legacy.c). */
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/strv.h"
#include "image/layer_diff.h"
#include "image/layerstore_internal.h"
#include "image/overlay_legacy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* The kernel's own explanation of a failed fsconfig, when it left one. */
static void fs_log(int fsfd, char *buf, size_t len)
{
        buf[0] = '\0';
        ssize_t n = read(fsfd, buf, len - 1);
        if (n > 2) {
                buf[n] = '\0';
                buf[strcspn(buf, "\n")] = '\0';
        } else {
                buf[0] = '\0';
        }
}

/* ls is NULL for the probe (no short links). */
static int legacy_mount(ImgLayerStore *ls, char **lowers, const char *upper, const char *work,
                        const char *target, BerthError **err)
{
        img_overlay_set_legacy(true);
        return img_overlay_legacy_mount(ls ? ls->root : NULL, ls ? ls->root_fd : -1, lowers, upper,
                                        work, target, err);
}

static int overlay_mount_at(ImgLayerStore *ls, char **lowers, const char *upper, const char *work,
                            const char *target, BerthError **err)
{
        if (img_overlay_use_legacy())
                return legacy_mount(ls, lowers, upper, work, target, err);
        _cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fsfd < 0) {
                if (errno == ENOSYS)
                        return legacy_mount(ls, lowers, upper, work, target, err);
                return error_set_errno(err, errno, "overlay: open the filesystem");
        }
        char log[256];
        for (size_t i = 0; lowers[i]; i++) {
                if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) == 0)
                        continue;
                if (i == 0 && errno == EINVAL) /* kernel without lowerdir+ */
                        return legacy_mount(ls, lowers, upper, work, target, err);
                int e = errno;
                fs_log(fsfd, log, sizeof(log));
                return error_set_errno(err, e, "overlay: lower layer '%s'%s%s", lowers[i],
                                       *log ? ": " : "", log);
        }
        /* A diff walks the upper dir alone: no redirects or metadata-only
         * copy-ups that would leave content in the lowers. Older kernels
         * may not know an option, and then also do not enable it. */
        static const char *const off[] = {"redirect_dir", "metacopy", "index"};
        for (size_t i = 0; i < ARRAY_SIZE(off); i++)
                (void)fsconfig(fsfd, FSCONFIG_SET_STRING, off[i], "off", 0);
        if (fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
            fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
            fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
                int e = errno;
                fs_log(fsfd, log, sizeof(log));
                return error_set_errno(err, e, "overlay: create the mount for '%s'%s%s", target,
                                       *log ? ": " : "", log);
        }
        _cleanup_close_ int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
        if (mfd < 0)
                return error_set_errno(err, errno, "overlay: mount '%s'", target);
        if (move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return error_set_errno(err, errno, "overlay: attach the mount at '%s'", target);
        return 0;
}

static char *path_join(const char *a, const char *b)
{
        char *p = NULL;
        return asprintf(&p, "%s/%s", a, b) < 0 ? NULL : p;
}

int img_overlay_probe(const char *dir, BerthError **err)
{
        _cleanup_free_ char *base = path_join(dir, ".probe-XXXXXX");
        if (!base)
                return error_set(err, ENOMEM, "out of memory");
        if (!mkdtemp(base))
                return error_set_errno(err, errno, "overlay probe: create '%s'", base);
        _cleanup_free_ char *lower = path_join(base, "lower");
        _cleanup_free_ char *upper = path_join(base, "upper");
        _cleanup_free_ char *work = path_join(base, "work");
        _cleanup_free_ char *merged = path_join(base, "merged");
        int r;
        if (!lower || !upper || !work || !merged) {
                r = error_set(err, ENOMEM, "out of memory");
        } else if (mkdir(lower, 0755) < 0 || mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 ||
                   mkdir(merged, 0755) < 0) {
                r = error_set_errno(err, errno, "overlay probe: create directories in '%s'", base);
        } else {
                /* Decides the mount path of every later mount: the new
                 * API with lowerdir+, or mount(2) (old kernel, or forced
                 * by BERTH_OVERLAY_MOUNT=legacy for tests). */
                img_overlay_set_legacy(img_overlay_legacy_forced());
                char *lowers[] = {lower, NULL};
                r = overlay_mount_at(NULL, lowers, upper, work, merged, err);
                if (r >= 0)
                        umount2(merged, MNT_DETACH);
        }
        rm_rf(base, NULL);
        return r;
}

static bool is_mounted(const char *rootfs, const char *container_dir)
{
        struct stat a, b;
        return stat(rootfs, &a) == 0 && stat(container_dir, &b) == 0 && a.st_dev != b.st_dev;
}

static int overlay_mount(ImgLayerStore *ls, const char *chain_id, const char *container_dir,
                         const char *rootfs, BerthError **err)
{
        if (is_mounted(rootfs, container_dir))
                return 0;
        _cleanup_free_ char *upper = path_join(container_dir, "upper");
        _cleanup_free_ char *work = path_join(container_dir, "work");
        if (!upper || !work)
                return error_set(err, ENOMEM, "out of memory");
        if ((mkdir(upper, 0755) < 0 && errno != EEXIST) ||
            (mkdir(work, 0700) < 0 && errno != EEXIST) ||
            (mkdir(rootfs, 0755) < 0 && errno != EEXIST))
                return error_set_errno(err, errno, "overlay: create the directories of '%s'",
                                       container_dir);
        _cleanup_strv_free_ char **lowers = NULL;
        int r;
        if (chain_id) {
                r = img_layerstore_lowers(ls, chain_id, &lowers, err);
                if (r < 0)
                        return r;
        } else {
                /* overlay needs a lowerdir even for an empty image */
                char *empty = path_join(container_dir, "empty");
                if (!empty || (mkdir(empty, 0755) < 0 && errno != EEXIST) ||
                    strv_push(&lowers, empty) < 0) {
                        free(empty);
                        return error_set_errno(err, errno ?: ENOMEM,
                                               "overlay: create the empty lower dir");
                }
        }
        return overlay_mount_at(ls, lowers, upper, work, rootfs, err);
}

static int overlay_unmount(ImgLayerStore *ls, const char *container_dir, const char *rootfs,
                           BerthError **err)
{
        if (!is_mounted(rootfs, container_dir))
                return 0;
        if (umount2(rootfs, 0) == 0)
                return 0;
        if (errno == EBUSY && umount2(rootfs, MNT_DETACH) == 0)
                return 0;
        if (errno == EINVAL || errno == ENOENT)
                return 0;
        return error_set_errno(err, errno, "overlay: unmount '%s'", rootfs);
}

static int overlay_prepare_layer(ImgLayerStore *ls, const char *parent_chain_id, int diff_dirfd,
                                 BerthError **err)
{
        return 0; /* a layer holds only its own changes */
}

static int overlay_changes(ImgLayerStore *ls, const char *chain_id, const char *container_dir,
                           int out_fd, BerthError **err)
{
        _cleanup_free_ char *upper = path_join(container_dir, "upper");
        if (!upper)
                return error_set(err, ENOMEM, "out of memory");
        _cleanup_close_ int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "overlay: open '%s'", upper);
        return img_layer_diff_overlay(fd, out_fd, err);
}

const ImgDriverOps img_driver_overlay = {
    .name = "overlay",
    .whiteouts = IMG_WHITEOUT_OVERLAY,
    .needs_parent = false,
    .prepare_layer = overlay_prepare_layer,
    .mount = overlay_mount,
    .unmount = overlay_unmount,
    .changes = overlay_changes,
};
