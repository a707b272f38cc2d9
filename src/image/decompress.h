/* A pull stream of the uncompressed bytes of a layer: the compression is
 * detected from the magic bytes. gzip from a regular file is decoded whole
 * by libdeflate (fastgz.h), gzip from a pipe (or too large to hold) by zlib
 * as a stream; zstd, xz and bzip2 by libarchive's filters (raw format). The
 * tar parser and the diff_id hash see the same bytes. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

typedef enum ImgCompression {
        IMG_COMPRESSION_NONE = 0,
        IMG_COMPRESSION_GZIP,
        IMG_COMPRESSION_ZSTD,
        IMG_COMPRESSION_XZ,
        IMG_COMPRESSION_BZIP2,
} ImgCompression;

/* Detects the compression from the first bytes of a stream (at least 6
 * bytes are needed to tell them all apart). */
ImgCompression img_compression_detect(const void *buf, size_t len);
const char *img_compression_name(ImgCompression c);

typedef struct ImgDecompressor ImgDecompressor;

/* Reads the first bytes of fd to detect the compression. fd is not closed. */
int img_decompressor_new(int fd, ImgDecompressor **ret, BerthError **err);
ImgCompression img_decompressor_compression(const ImgDecompressor *d);
/* Points *ret_buf at the next uncompressed bytes (valid until the next call)
 * and returns their count; 0 at the end of the stream. A regular file is
 * read from its current offset, which ends after the stream. */
ssize_t img_decompressor_read(ImgDecompressor *d, const void **ret_buf, BerthError **err);
ImgDecompressor *img_decompressor_free(ImgDecompressor *d);
