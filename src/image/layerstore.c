/* Layer store: metadata, creation (tmp + rename), lookup, removal and the
 * container entry points that dispatch to the driver. */
#include "image/layerstore.h"
#include "image/overlay_legacy.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/strv.h"
#include "image/digest.h"
#include "image/layer_fs.h"
#include "image/layerstore_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int img_driver_parse(const char *s, ImgDriverKind *ret)
{
        if (!s || !*s || STREQ(s, "auto"))
                *ret = IMG_DRIVER_AUTO;
        else if (STREQ(s, "overlay") || STREQ(s, "overlay2"))
                *ret = IMG_DRIVER_OVERLAY;
        else if (STREQ(s, "vfs"))
                *ret = IMG_DRIVER_VFS;
        else
                return -EINVAL;
        return 0;
}

/* The 64 hex digits of a "sha256:<hex>" digest, or NULL when malformed. */
static const char *digest_hex(const char *digest)
{
        if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != IMG_DIGEST_LEN)
                return NULL;
        for (const char *p = digest + 7; *p; p++)
                if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
                        return NULL;
        return digest + 7;
}

int img_layer_chain_id(const char *parent_chain_id, const char *diff_id,
                       char ret[IMG_DIGEST_LEN + 1])
{
        if (!digest_hex(diff_id) ||
            (parent_chain_id && *parent_chain_id && !digest_hex(parent_chain_id)))
                return -EINVAL;
        if (!parent_chain_id || !*parent_chain_id) {
                memcpy(ret, diff_id, IMG_DIGEST_LEN + 1);
                return 0;
        }
        char buf[2 * IMG_DIGEST_LEN + 2];
        snprintf(buf, sizeof(buf), "%s %s", parent_chain_id, diff_id);
        ImgDigest d;
        int r = img_digest_buffer(IMG_DIGEST_SHA256, buf, strlen(buf), &d);
        if (r < 0)
                return r;
        memcpy(ret, d.str, IMG_DIGEST_LEN + 1);
        return 0;
}

/* Temporary and half-removed layers of a process that died midway. */
static void remove_leftovers(int dirfd)
{
        int fd = dup(dirfd);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strncmp(de->d_name, ".tmp-", 5) == 0 || strncmp(de->d_name, ".rm-", 4) == 0 ||
                    strncmp(de->d_name, ".probe-", 7) == 0) {
                        log_debug("layer store: removing leftover '%s'", de->d_name);
                        img_rm_rf_at(dirfd, de->d_name);
                }
        }
        closedir(d);
}

int img_layerstore_open(const char *data_root, ImgDriverKind driver, ImgLayerStore **ret,
                        BerthError **err)
{
        _cleanup_free_ char *root = NULL;
        if (asprintf(&root, "%s/layers", data_root) < 0)
                return error_set(err, ENOMEM, "out of memory");
        int r = mkdir_p(root, 0700, err);
        if (r < 0)
                return error_prefix(err, "layer store");
        _cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "layer store: open '%s'", root);
        remove_leftovers(fd);
        const ImgDriverOps *ops = &img_driver_vfs;
        if (driver == IMG_DRIVER_OVERLAY) {
                r = img_overlay_probe(root, err);
                if (r < 0)
                        return error_prefix(err, "layer store: overlay driver forced but unusable");
                ops = &img_driver_overlay;
        } else if (driver == IMG_DRIVER_AUTO) {
                _cleanup_error_ BerthError *perr = NULL;
                if (img_overlay_probe(root, &perr) >= 0)
                        ops = &img_driver_overlay;
                else
                        log_debug("layer store: overlay unusable, using vfs: %s", perr->message);
        }
        ImgLayerStore *ls = calloc(1, sizeof(*ls));
        if (!ls)
                return error_set(err, ENOMEM, "out of memory");
        ls->root = TAKE_PTR(root);
        ls->root_fd = TAKE_FD(fd);
        ls->ops = ops;
        *ret = ls;
        return 0;
}

ImgLayerStore *img_layerstore_free(ImgLayerStore *ls)
{
        if (!ls)
                return NULL;
        if (ls->root_fd >= 0)
                close(ls->root_fd);
        free(ls->root);
        free(ls);
        return NULL;
}

const char *img_layerstore_driver_name(const ImgLayerStore *ls)
{
        return ls->ops->name;
}

static int read_meta(ImgLayerStore *ls, const char *hex, const char *file, char *out, size_t len)
{
        _cleanup_free_ char *path = NULL, *buf = NULL;
        if (asprintf(&path, "%s/%s/%s", ls->root, hex, file) < 0)
                return -ENOMEM;
        int r = read_file(path, &buf, NULL, NULL);
        if (r < 0)
                return r;
        buf[strcspn(buf, "\n")] = '\0';
        if (strlen(buf) >= len)
                return -EINVAL;
        strcpy(out, buf);
        return 0;
}

int img_layerstore_get(ImgLayerStore *ls, const char *chain_id, ImgLayerInfo *ret, BerthError **err)
{
        const char *hex = digest_hex(chain_id);
        if (!hex)
                return error_set(err, EINVAL, "invalid layer chain id '%s'", chain_id);
        ImgLayerInfo info = {0};
        char size[32] = "";
        int r = read_meta(ls, hex, "diff_id", info.diff_id, sizeof(info.diff_id));
        if (r == -ENOENT)
                return error_set(err, ENOENT, "layer %s not found", chain_id);
        if (r >= 0)
                r = read_meta(ls, hex, "size", size, sizeof(size));
        if (r >= 0) {
                r = read_meta(ls, hex, "parent", info.parent, sizeof(info.parent));
                if (r == -ENOENT)
                        r = 0;
        }
        if (r < 0)
                return error_set_errno(err, r, "layer %s: read metadata", chain_id);
        strcpy(info.chain_id, chain_id);
        info.size = strtoull(size, NULL, 10);
        if (ret)
                *ret = info;
        return 0;
}

bool img_layerstore_exists(ImgLayerStore *ls, const char *chain_id)
{
        return img_layerstore_get(ls, chain_id, NULL, NULL) >= 0;
}

int img_layerstore_diff_path(ImgLayerStore *ls, const char *chain_id, char **ret, BerthError **err)
{
        const char *hex = digest_hex(chain_id);
        if (!hex)
                return error_set(err, EINVAL, "invalid layer chain id '%s'", chain_id);
        if (asprintf(ret, "%s/%s/diff", ls->root, hex) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

int img_layerstore_lowers(ImgLayerStore *ls, const char *chain_id, char ***ret, BerthError **err)
{
        _cleanup_strv_free_ char **v = NULL;
        char cur[IMG_DIGEST_LEN + 1];
        snprintf(cur, sizeof(cur), "%s", chain_id);
        while (*cur) {
                ImgLayerInfo info;
                int r = img_layerstore_get(ls, cur, &info, err);
                if (r < 0)
                        return error_prefix(err, "layer chain of %s", chain_id);
                char *path = NULL;
                r = img_layerstore_diff_path(ls, cur, &path, err);
                if (r < 0)
                        return r;
                if (strv_push(&v, path) < 0) {
                        free(path);
                        return error_set(err, ENOMEM, "out of memory");
                }
                if (strv_length(v) > 500)
                        return error_set(err, ELOOP, "layer %s: chain longer than 500 layers",
                                         chain_id);
                strcpy(cur, info.parent);
        }
        *ret = TAKE_PTR(v);
        return 0;
}

static int write_meta(const char *dir, const char *file, const char *value, BerthError **err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return write_file_atomic(path, value, strlen(value), 0644, err);
}

int img_layerstore_create(ImgLayerStore *ls, const char *parent_chain_id,
                          const char *expected_diff_id, int src_fd, ImgLayerInfo *ret,
                          BerthError **err)
{
        if (parent_chain_id && !*parent_chain_id)
                parent_chain_id = NULL;
        if (parent_chain_id && ls->ops->needs_parent && !img_layerstore_exists(ls, parent_chain_id))
                return error_set(err, ENOENT, "layer on %s: parent layer not found",
                                 parent_chain_id);
        char chain[IMG_DIGEST_LEN + 1];
        if (expected_diff_id) {
                if (img_layer_chain_id(parent_chain_id, expected_diff_id, chain) < 0)
                        return error_set(err, EINVAL, "invalid diff_id '%s'", expected_diff_id);
                if (img_layerstore_get(ls, chain, ret, NULL) >= 0)
                        return 0; /* shared with another image: unpacked once */
        }
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s/.tmp-XXXXXX", ls->root) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (!mkdtemp(tmp))
                return error_set_errno(err, errno, "layer store: create '%s'", tmp);
        _cleanup_free_ char *diff = NULL, *final = NULL;
        int r;
        ImgUnpackResult res;
        _cleanup_close_ int dfd = -1;
        if (asprintf(&diff, "%s/diff", tmp) < 0) {
                r = error_set(err, ENOMEM, "out of memory");
                goto fail;
        }
        if (mkdir(diff, 0755) < 0 || (dfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
                r = error_set_errno(err, errno, "layer store: create '%s'", diff);
                goto fail;
        }
        r = ls->ops->prepare_layer(ls, parent_chain_id, dfd, err);
        if (r < 0)
                goto fail;
        ImgUnpackOptions opts = {.whiteouts = ls->ops->whiteouts,
                                 .name = expected_diff_id ?: "(new)"};
        r = img_layer_unpack(src_fd, dfd, &opts, &res, err);
        if (r < 0)
                goto fail;
        if (expected_diff_id && !STREQ(expected_diff_id, res.diff_id)) {
                r = error_set(err, EINVAL, "layer %s: content has diff_id %s", expected_diff_id,
                              res.diff_id);
                goto fail;
        }
        if (img_layer_chain_id(parent_chain_id, res.diff_id, chain) < 0) {
                r = error_set(err, EIO, "layer %s: compute the chain id", res.diff_id);
                goto fail;
        }
        char size[32];
        snprintf(size, sizeof(size), "%" PRIu64 "\n", res.size);
        r = write_meta(tmp, "diff_id", res.diff_id, err);
        if (r >= 0)
                r = write_meta(tmp, "size", size, err);
        if (r >= 0 && parent_chain_id)
                r = write_meta(tmp, "parent", parent_chain_id, err);
        if (r < 0)
                goto fail;
        if (asprintf(&final, "%s/%s", ls->root, chain + 7) < 0) {
                r = error_set(err, ENOMEM, "out of memory");
                goto fail;
        }
        if (rename(tmp, final) < 0) {
                if (errno == EEXIST || errno == ENOTEMPTY) { /* lost a race: same content */
                        rm_rf(tmp, NULL);
                        r = img_layerstore_get(ls, chain, ret, err);
                        return r < 0 ? r : 0;
                }
                r = error_set_errno(err, errno, "layer store: rename '%s' to '%s'", tmp, final);
                goto fail;
        }
        fsync(ls->root_fd);
        if (ret) {
                *ret = (ImgLayerInfo){.size = res.size};
                strcpy(ret->chain_id, chain);
                strcpy(ret->diff_id, res.diff_id);
                snprintf(ret->parent, sizeof(ret->parent), "%s", parent_chain_id ?: "");
        }
        return 1;
fail:
        rm_rf(tmp, NULL);
        return r;
}

int img_layerstore_remove(ImgLayerStore *ls, const char *chain_id, BerthError **err)
{
        const char *hex = digest_hex(chain_id);
        if (!hex)
                return error_set(err, EINVAL, "invalid layer chain id '%s'", chain_id);
        /* Rename first so a half-removed layer is never taken for a whole one. */
        _cleanup_free_ char *path = NULL, *gone = NULL;
        if (asprintf(&path, "%s/%s", ls->root, hex) < 0 ||
            asprintf(&gone, "%s/.rm-%s", ls->root, hex) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (rename(path, gone) < 0)
                return error_set_errno(err, errno, "remove layer %s", chain_id);
        /* Its short link for old kernels' overlay mounts, if any. */
        char sid[IMG_OVERLAY_SHORT_ID_LEN + 1];
        _cleanup_free_ char *link = NULL;
        if (img_overlay_short_id(hex, sid) == 0 && asprintf(&link, "%s/l/%s", ls->root, sid) >= 0)
                (void)unlink(link);
        return rm_rf(gone, err);
}

static int rootfs_path(const char *container_dir, char **ret, BerthError **err)
{
        if (asprintf(ret, "%s/rootfs", container_dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

int img_layerstore_mount(ImgLayerStore *ls, const char *chain_id, const char *container_dir,
                         char **ret_rootfs, BerthError **err)
{
        if (chain_id && !*chain_id)
                chain_id = NULL;
        if (chain_id && !img_layerstore_exists(ls, chain_id))
                return error_set(err, ENOENT, "mount: layer %s not found", chain_id);
        _cleanup_free_ char *rootfs = NULL;
        int r = rootfs_path(container_dir, &rootfs, err);
        if (r < 0)
                return r;
        r = ls->ops->mount(ls, chain_id, container_dir, rootfs, err);
        if (r < 0)
                return r;
        if (ret_rootfs)
                *ret_rootfs = TAKE_PTR(rootfs);
        return 0;
}

int img_layerstore_unmount(ImgLayerStore *ls, const char *container_dir, BerthError **err)
{
        _cleanup_free_ char *rootfs = NULL;
        int r = rootfs_path(container_dir, &rootfs, err);
        if (r < 0)
                return r;
        return ls->ops->unmount(ls, container_dir, rootfs, err);
}

int img_layerstore_remove_container(ImgLayerStore *ls, const char *container_dir, BerthError **err)
{
        int r = img_layerstore_unmount(ls, container_dir, err);
        if (r < 0)
                return r;
        static const char *const parts[] = {"rootfs", "upper", "work", "empty"};
        for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", container_dir, parts[i]) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                r = rm_rf(p, err);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

int img_layerstore_changes(ImgLayerStore *ls, const char *chain_id, const char *container_dir,
                           int out_fd, BerthError **err)
{
        if (chain_id && !*chain_id)
                chain_id = NULL;
        return ls->ops->changes(ls, chain_id, container_dir, out_fd, err);
}
