/* Unpacking a layer (tar, tar+gzip, tar+zstd; also xz and bzip2) into a
 * directory, computing its diff_id in the same pass.
 *
 * Archives are untrusted. Every entry is created relative to a directory fd
 * of the layer root; parents are resolved with RESOLVE_IN_ROOT semantics
 * (src/common/safepath.h), so symlinks in the layer, absolute or relative,
 * can never lead outside it (they are bounded by the layer root like a
 * chroot, as Docker's chrooted unpacker does); the last component is never
 * followed. Entries whose name or hard-link target escapes with ".." or is
 * absolute are rejected: "layer <name>: entry '../x': path escapes the layer". */
#pragma once

#include <stdint.h>

#include "common/error.h"
#include "image/decompress.h"

typedef enum ImgWhiteoutMode {
        /* overlay: ".wh.x" → 0/0 character device x; ".wh..wh..opq" →
         * trusted.overlay.opaque="y" on the directory. */
        IMG_WHITEOUT_OVERLAY = 0,
        /* vfs: the directory holds a full copy of the parent layer, so the
         * whited-out entries are deleted (an opaque directory loses all the
         * content this layer did not itself unpack). */
        IMG_WHITEOUT_DELETE,
} ImgWhiteoutMode;

typedef struct ImgUnpackOptions {
        ImgWhiteoutMode whiteouts;
        const char *name; /* used in messages ("layer <name>: ..."), may be NULL */
} ImgUnpackOptions;

#define IMG_DIGEST_LEN 71 /* "sha256:" + 64 hex */

typedef struct ImgUnpackResult {
        char diff_id[IMG_DIGEST_LEN + 1]; /* sha256 of the uncompressed tar stream */
        uint64_t size;                    /* bytes of regular-file content */
        uint64_t tar_size;                /* bytes of the uncompressed stream */
        ImgCompression compression;
} ImgUnpackResult;

/* Unpacks the stream read from src_fd into root_dirfd (an O_RDONLY
 * directory fd). On failure the directory is left partially filled: callers
 * unpack into a temporary directory (img_layer_unpack_path does). */
int img_layer_unpack(int src_fd, int root_dirfd, const ImgUnpackOptions *opts, ImgUnpackResult *ret,
                     BerthError **err);

/* Unpacks into "<dest>.tmp-XXXXXX" next to dest and renames it to dest on
 * success; on failure the temporary directory is removed. dest must not
 * exist. */
int img_layer_unpack_path(int src_fd, const char *dest, const ImgUnpackOptions *opts,
                          ImgUnpackResult *ret, BerthError **err);

/* Lexically cleans a tar entry name ("./a//b/../c/" → "a/c", root → "").
 * Returns -EXDEV when it is absolute or climbs above the root. */
int img_layer_clean_path(const char *name, char **ret);
