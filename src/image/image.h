/* The image store: the public contract of src/image for the daemon.
 *
 * It joins the blob store (blobs/sha256/<hex>), the layer store (layers/)
 * and the image metadata kept in SQLite (<data_root>/berth.db, WAL; its own
 * tables, prefixed img_, beside the daemon's): images, references (tags and
 * digests), layers with reference counts, and which containers use which
 * image. One process (berthd) owns a store; every function is safe to call
 * from several threads at once.
 *
 * Names given by users (`name` below) are resolved as Docker does: a full
 * or "sha256:"-prefixed ID, an unambiguous ID prefix (>= 1 hex char, not
 * when it also parses as a tag of a known repository), a reference
 * ("busybox" → docker.io/library/busybox:latest), or name@digest.
 * Unknown names are -ENOENT "No such image: NAME".
 *
 * JSON results use the Docker Engine API shapes (ImageSummary, ImageInspect,
 * HistoryResponseItem, ImageDeleteResponseItem, ImagePruneResponse), with
 * short references shown as Docker shows them ("busybox:latest").
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "image/digest.h"
#include "image/layerstore.h"

typedef struct ImgStore ImgStore;

/* Opens (creating) the store under data_root with the given driver. */
int img_store_open(const char *data_root, ImgDriverKind driver, ImgStore **ret, BerthError **err);
ImgStore *img_store_free(ImgStore *s);
/* "overlay2" or "vfs", as /info reports it. */
const char *img_store_driver_name(const ImgStore *s);

/* ---- what containers need ---- */

typedef struct ImgImage {
        char id[IMG_DIGEST_LEN + 1];           /* "sha256:..." (the config digest) */
        char top_chain_id[IMG_DIGEST_LEN + 1]; /* "" for an image with no layers */
        json_t *config; /* the whole image config blob (os, architecture, config{}, rootfs...) */
        char *ref;      /* the reference the name resolved through, or NULL */
} ImgImage;
void img_image_free(ImgImage *img);

/* Resolves name to an image. */
int img_store_get(ImgStore *s, const char *name, ImgImage **ret, BerthError **err);

/* Records that container_id uses image_id, and composes its root filesystem
 * in container_dir (see img_layerstore_mount); *ret_rootfs is the path.
 * Calling it again for the same container (e.g. after a reboot) re-mounts. */
int img_store_container_mount(ImgStore *s, const char *image_id, const char *container_id,
                              const char *container_dir, char **ret_rootfs, BerthError **err);
/* Unmounts the container's rootfs (it stays registered). */
int img_store_container_unmount(ImgStore *s, const char *container_dir, BerthError **err);
/* Unmounts, removes the container's upper layer and forgets it. Unknown
 * containers are not an error. */
int img_store_container_remove(ImgStore *s, const char *container_id, const char *container_dir,
                               BerthError **err);
/* Writes the container's whole filesystem (image + changes) as one tar
 * (docker export). */
int img_store_container_export(ImgStore *s, const char *image_id, const char *container_dir,
                               int out_fd, BerthError **err);
/* The container's changes against its image: Docker's /containers/{id}/changes
 * array ({"Path": "/x", "Kind": 0 modified | 1 added | 2 deleted}). */
int img_store_container_changes(ImgStore *s, const char *image_id, const char *container_dir,
                                json_t **ret, BerthError **err);

/* ---- image operations (the /images endpoints) ---- */

/* Loads a `docker save` archive (any Docker version; manifest.json and/or
 * the legacy repositories file) or an OCI image layout archive (index.json,
 * with org.opencontainers.image.ref.name annotations) read from fd, plain
 * or compressed. Layers are verified against the config's diff_ids;
 * nothing partial stays in the store on error. *ret_loaded gets one line
 * per image as `docker load` prints them: "Loaded image: busybox:latest" or
 * "Loaded image ID: sha256:...". */
int img_store_load(ImgStore *s, int fd, json_t **ret_loaded, BerthError **err);

/* Writes one or more images (names; a repository name alone means all its
 * tags) as a `docker save` archive that also holds an OCI layout
 * (oci-layout, index.json, blobs/sha256/...), as Docker 25+ writes it. */
int img_store_save(ImgStore *s, const char *const *names, int out_fd, BerthError **err);

typedef struct ImgImportOptions {
        const char *ref;      /* tag the result; NULL = untagged */
        const char *message;  /* history comment */
        json_t *changes;      /* a partial image "config" object merged over the defaults
                               * (Env, Cmd, Entrypoint, WorkingDir, User, ExposedPorts,
                               * Volumes, Labels, StopSignal, OnBuild); may be NULL */
        const char *platform; /* "linux/amd64"; NULL = the host's */
} ImgImportOptions;
/* Imports a root filesystem tarball (plain, gzip, zstd, xz, bzip2) read
 * from fd as a one-layer image; ret_id gets its ID. */
int img_store_import(ImgStore *s, int fd, const ImgImportOptions *o,
                     char ret_id[IMG_DIGEST_LEN + 1], BerthError **err);

/* Tags the image `source` as `target` (normalised; the default tag is
 * latest). -EINVAL with a message for an invalid target. */
int img_store_tag(ImgStore *s, const char *source, const char *target, BerthError **err);

/* docker rmi. A reference untags (and deletes the image when it was its
 * last reference); an ID deletes the image with all its tags, which
 * without force is refused (-EBUSY) when it has several repositories.
 * An image a container uses is refused (-EBUSY, Docker's "conflict: unable
 * to remove repository reference ... (must force) - container X is using
 * its referenced image Y" / "... is being used by running container ...")
 * unless force, and even with force while that container runs. Layers no
 * longer used by any image are removed unless noprune. *ret is the array of
 * {"Untagged": ref} and {"Deleted": id} items. */
int img_store_remove(ImgStore *s, const char *name, bool force, bool noprune, json_t **ret,
                     BerthError **err);

/* GET /images/json: ImageSummary items, newest first. filters is the
 * parsed `filters` object (dangling, label, before, since, reference). */
int img_store_list(ImgStore *s, bool all, json_t *filters, json_t **ret, BerthError **err);
/* GET /images/{name}/json. */
int img_store_inspect(ImgStore *s, const char *name, json_t **ret, BerthError **err);
/* GET /images/{name}/history, newest first. */
int img_store_history(ImgStore *s, const char *name, json_t **ret, BerthError **err);
/* POST /images/prune: dangling images (or all unused with dangling=false),
 * honouring filters (until, label); then unreferenced layers and blobs.
 * *ret is {"ImagesDeleted": [...] or null, "SpaceReclaimed": N}. */
int img_store_prune(ImgStore *s, json_t *filters, json_t **ret, BerthError **err);

/* Counts for /info: images, and bytes of layers. */
int img_store_counts(ImgStore *s, uint64_t *ret_images, uint64_t *ret_layer_bytes,
                     BerthError **err);

static inline void img_store_freep(ImgStore **s)
{
        img_store_free(*s);
        *s = NULL;
}
#define _cleanup_img_store_ __attribute__((cleanup(img_store_freep)))
