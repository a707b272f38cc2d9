/* Content-addressed blob store: <root>/blobs/<algo>/<hex>. A blob enters the
 * store only after its digest checks: it is written to <root>/blobs/tmp/,
 * hashed while written, fsynced, verified, then renamed into place (atomic;
 * when two writers race on the same blob the loser discards its copy). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "image/digest.h"

typedef struct ImgBlobStore ImgBlobStore;
typedef struct ImgBlobWriter ImgBlobWriter;

/* Opens (creating when missing) the store under root. */
int img_blobstore_open(const char *root, ImgBlobStore **ret, BerthError **err);
ImgBlobStore *img_blobstore_free(ImgBlobStore *bs);
static inline void img_blobstore_freep(ImgBlobStore **b)
{
        *b = img_blobstore_free(*b);
}
#define _cleanup_blobstore_ __attribute__((cleanup(img_blobstore_freep)))

/* "<root>/blobs/sha256/<hex>" for a valid digest string. Caller frees. */
int img_blobstore_path(ImgBlobStore *bs, const char *digest, char **ret, BerthError **err);
/* 1 when present, 0 when absent, -errno on a bad digest or I/O error. */
int img_blobstore_exists(ImgBlobStore *bs, const char *digest, BerthError **err);
/* Opens a blob read-only (O_CLOEXEC); returns the fd. -ENOENT when absent. */
int img_blobstore_open_blob(ImgBlobStore *bs, const char *digest, BerthError **err);
int img_blobstore_size(ImgBlobStore *bs, const char *digest, uint64_t *ret, BerthError **err);
/* Reads a whole blob into memory, refusing blobs larger than max_size (for
 * manifests and configs). *ret_buf is NUL-terminated. */
int img_blobstore_read(ImgBlobStore *bs, const char *digest, size_t max_size, char **ret_buf,
                       size_t *ret_len, BerthError **err);
/* -ENOENT when absent. */
int img_blobstore_delete(ImgBlobStore *bs, const char *digest, BerthError **err);
/* Every stored blob as "algo:hex", sorted. */
int img_blobstore_list(ImgBlobStore *bs, char ***ret, BerthError **err);

/* Re-hashes a stored blob; -EIO with a message when its content no longer
 * matches its name (disk corruption or tampering). */
int img_blobstore_verify(ImgBlobStore *bs, const char *digest, BerthError **err);
/* Removes temp files left in blobs/tmp by writers that died, when not
 * modified for min_age_seconds (live writers keep theirs fresh). Returns the
 * number removed. */
int img_blobstore_clean_tmp(ImgBlobStore *bs, unsigned min_age_seconds, BerthError **err);

/* Starts a blob. expected_digest (optional) is checked at commit; without it
 * the blob is stored under the sha256 of what was written. expected_size < 0
 * means unknown; otherwise writing past it fails at once. */
int img_blob_writer_new(ImgBlobStore *bs, const char *expected_digest, int64_t expected_size,
                        ImgBlobWriter **ret, BerthError **err);
int img_blob_writer_write(ImgBlobWriter *w, const void *buf, size_t len, BerthError **err);
/* Verifies and moves the blob into place. Returns 1 when this writer stored
 * it, 0 when it was already present (the copy is discarded). The writer must
 * still be freed. ret_digest is optional. */
int img_blob_writer_commit(ImgBlobWriter *w, ImgDigest *ret_digest, BerthError **err);
/* Discards an uncommitted blob (unlinks the temp file). */
ImgBlobWriter *img_blob_writer_free(ImgBlobWriter *w);
static inline void img_blob_writer_freep(ImgBlobWriter **w)
{
        *w = img_blob_writer_free(*w);
}
#define _cleanup_blob_writer_ __attribute__((cleanup(img_blob_writer_freep)))

/* One-shot helpers over the writer. */
int img_blobstore_put(ImgBlobStore *bs, const void *buf, size_t len, const char *expected_digest,
                      ImgDigest *ret_digest, BerthError **err);
/* Copies fd to EOF into the store. */
int img_blobstore_put_fd(ImgBlobStore *bs, int fd, const char *expected_digest,
                         int64_t expected_size, ImgDigest *ret_digest, BerthError **err);
