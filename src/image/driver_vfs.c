/* vfs: every layer directory is a full copy of its parent plus its own
 * changes (reflinked when the filesystem can), and a container's rootfs is a
 * copy of the top layer. Works on any filesystem, costs space. */
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "image/layer_diff.h"
#include "image/layer_fs.h"
#include "image/layerstore_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_layer_diff(ImgLayerStore *ls, const char *chain_id, BerthError **err)
{
        _cleanup_free_ char *path = NULL;
        int r = img_layerstore_diff_path(ls, chain_id, &path, err);
        if (r < 0)
                return r;
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open layer '%s'", path);
        return fd;
}

static int vfs_prepare_layer(ImgLayerStore *ls, const char *parent_chain_id, int diff_dirfd,
                             BerthError **err)
{
        if (!parent_chain_id)
                return 0;
        _cleanup_close_ int pfd = open_layer_diff(ls, parent_chain_id, err);
        if (pfd < 0)
                return pfd;
        int r = img_copy_tree(pfd, diff_dirfd, err);
        if (r < 0)
                return error_prefix(err, "vfs: copy parent layer %s", parent_chain_id);
        return 0;
}

static int vfs_mount(ImgLayerStore *ls, const char *chain_id, const char *container_dir,
                     const char *rootfs, BerthError **err)
{
        struct stat st;
        if (lstat(rootfs, &st) == 0 && S_ISDIR(st.st_mode))
                return 0; /* already composed */
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.tmp-XXXXXX", rootfs) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (!mkdtemp(tmp))
                return error_set_errno(err, errno, "vfs: create '%s'", tmp);
        int r = 0;
        {
                _cleanup_close_ int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0 || fchmod(dfd, 0755) < 0) {
                        r = error_set_errno(err, errno, "vfs: open '%s'", tmp);
                } else if (chain_id) {
                        _cleanup_close_ int lfd = open_layer_diff(ls, chain_id, err);
                        r = lfd < 0 ? lfd : img_copy_tree(lfd, dfd, err);
                        if (r < 0)
                                error_prefix(err, "vfs: copy layer %s to '%s'", chain_id, rootfs);
                }
        }
        if (r >= 0 && rename(tmp, rootfs) < 0)
                r = error_set_errno(err, errno, "vfs: rename '%s' to '%s'", tmp, rootfs);
        if (r < 0)
                rm_rf(tmp, NULL);
        return r;
}

static int vfs_unmount(ImgLayerStore *ls, const char *container_dir, const char *rootfs,
                       BerthError **err)
{
        return 0;
}

static int vfs_changes(ImgLayerStore *ls, const char *chain_id, const char *container_dir,
                       int out_fd, BerthError **err)
{
        _cleanup_free_ char *rootfs = NULL;
        if (asprintf(&rootfs, "%s/rootfs", container_dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        _cleanup_close_ int nfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (nfd < 0)
                return error_set_errno(err, errno, "vfs: open '%s'", rootfs);
        _cleanup_close_ int ofd = -1;
        if (chain_id) {
                ofd = open_layer_diff(ls, chain_id, err);
                if (ofd < 0)
                        return ofd;
        }
        return img_layer_diff_vfs(ofd, nfd, out_fd, err);
}

const ImgDriverOps img_driver_vfs = {
    .name = "vfs",
    .whiteouts = IMG_WHITEOUT_DELETE,
    .needs_parent = true,
    .prepare_layer = vfs_prepare_layer,
    .mount = vfs_mount,
    .unmount = vfs_unmount,
    .changes = vfs_changes,
};
