/* The layer store: unpacked layers under <data-root>/layers/<chainid-hex>/
 * and container root filesystems composed from them by a storage driver.
 *
 *   layers/<hex>/diff/     the layer's files (overlay: the layer's own
 *                          changes; vfs: a full copy of parent + changes)
 *   layers/<hex>/diff_id   "sha256:..." of the uncompressed tar
 *   layers/<hex>/parent    the parent's chain id (absent for a base layer)
 *   layers/<hex>/size      bytes of regular-file content in this layer
 *
 * A layer is unpacked into layers/.tmp-XXXXXX and renamed into place only
 * when complete, so a half-unpacked layer is never visible; two writers of
 * the same layer race harmlessly (the loser discards its copy). A layer
 * shared by several images is unpacked once (same chain id).
 *
 * Reference counting is the caller's job (the daemon's SQLite state): the
 * store removes a layer when told to, and the caller must remove children
 * before parents and never a layer a container still uses.
 *
 * Containers: <container_dir>/rootfs is the composed root; overlay keeps
 * <container_dir>/upper and /work beside it. Overlay mounts use the new
 * mount API with one "lowerdir+" parameter per layer (kernel >= 6.8), so
 * the number of layers is not bound by the one-page mount data limit;
 * older kernels get a classic mount(2) with the lowerdir list, through
 * short links (layers/l/<26 chars>, as Docker's overlay2) when the full
 * paths do not fit in a page (see overlay_legacy.h). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "image/layer_unpack.h"

typedef enum ImgDriverKind {
        IMG_DRIVER_AUTO = 0, /* overlay when a test mount works, else vfs */
        IMG_DRIVER_OVERLAY,
        IMG_DRIVER_VFS,
} ImgDriverKind;

/* "overlay" (also "overlay2"), "vfs", "" or "auto". */
int img_driver_parse(const char *s, ImgDriverKind *ret);

typedef struct ImgLayerStore ImgLayerStore;

typedef struct ImgLayerInfo {
        char chain_id[IMG_DIGEST_LEN + 1];
        char diff_id[IMG_DIGEST_LEN + 1];
        char parent[IMG_DIGEST_LEN + 1]; /* "" for a base layer */
        uint64_t size;
} ImgLayerInfo;

/* Opens (creating) <data_root>/layers and picks the driver: forced, or
 * probed with a test overlay mount inside data_root. Temporary directories
 * left by a process that died mid-unpack are removed: one process (the
 * daemon) owns a store. */
int img_layerstore_open(const char *data_root, ImgDriverKind driver, ImgLayerStore **ret,
                        BerthError **err);
ImgLayerStore *img_layerstore_free(ImgLayerStore *ls);
/* "overlay" or "vfs". */
const char *img_layerstore_driver_name(const ImgLayerStore *ls);

/* chain_id = diff_id for a base layer (parent NULL or ""), else
 * sha256("<parent chain id> <diff_id>"), as Docker computes it. */
int img_layer_chain_id(const char *parent_chain_id, const char *diff_id,
                       char ret[IMG_DIGEST_LEN + 1]);

/* Unpacks the layer read from src_fd on top of parent_chain_id (NULL for a
 * base layer). With expected_diff_id, an existing layer of that chain id is
 * reused without reading the stream, and a stream whose diff_id differs is
 * rejected. Returns 1 when unpacked, 0 when the layer already existed.
 * vfs needs the parent in the store first; overlay does not, so the layers
 * of an image can be unpacked in parallel (from several threads) when their
 * diff_ids are known, and the chain must be complete only to mount. */
int img_layerstore_create(ImgLayerStore *ls, const char *parent_chain_id,
                          const char *expected_diff_id, int src_fd, ImgLayerInfo *ret,
                          BerthError **err);
/* -ENOENT when the layer is not in the store. */
int img_layerstore_get(ImgLayerStore *ls, const char *chain_id, ImgLayerInfo *ret,
                       BerthError **err);
bool img_layerstore_exists(ImgLayerStore *ls, const char *chain_id);
/* The layer's diff directory (caller frees). */
int img_layerstore_diff_path(ImgLayerStore *ls, const char *chain_id, char **ret, BerthError **err);
int img_layerstore_remove(ImgLayerStore *ls, const char *chain_id, BerthError **err);

/* Composes <container_dir>/rootfs from the layer chain ending at chain_id
 * (NULL: an empty rootfs). container_dir must exist. Idempotent. */
int img_layerstore_mount(ImgLayerStore *ls, const char *chain_id, const char *container_dir,
                         char **ret_rootfs, BerthError **err);
/* Unmounts (overlay); nothing to do for vfs. Not mounted is not an error. */
int img_layerstore_unmount(ImgLayerStore *ls, const char *container_dir, BerthError **err);
/* Unmounts and removes rootfs, upper and work. */
int img_layerstore_remove_container(ImgLayerStore *ls, const char *container_dir, BerthError **err);
/* Writes the container's changes against its image (chain_id) as a layer
 * tar to out_fd. */
int img_layerstore_changes(ImgLayerStore *ls, const char *chain_id, const char *container_dir,
                           int out_fd, BerthError **err);

/* One layer of a batch for img_layerstore_create_many. */
typedef struct ImgLayerJob {
        int src_fd;                  /* the layer stream (plain or compressed); not closed */
        const char *parent_chain_id; /* NULL for the base layer */
        const char *expected_diff_id;
        ImgLayerInfo info; /* filled on success */
} ImgLayerJob;

/* Unpacks every layer of the batch, independent layers in parallel (up to
 * max_threads, 0 = the number of CPUs), so that decompression and hashing
 * of one layer overlap the others. All or nothing for the caller: on error
 * the layers this call created are removed again and the first error is
 * returned. */
int img_layerstore_create_many(ImgLayerStore *ls, ImgLayerJob *jobs, size_t n_jobs,
                               unsigned max_threads, BerthError **err);
