/* Compression detection and streaming decoding. gzip goes through
 * libarchive's filter (zlib): libdeflate only decodes whole buffers, which
 * would mean holding a whole layer (compressed and uncompressed) in memory. */
#include "image/decompress.h"
#include "common/cleanup.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DECOMP_BUF_SIZE (128 * 1024)

struct ImgDecompressor {
        int fd;
        ImgCompression compression;
        uint8_t *buf;
        size_t peek_len; /* bytes of buf read for detection, not yet served */
        size_t peek_pos;
        struct archive *a; /* NULL for uncompressed streams */
};

ImgCompression img_compression_detect(const void *buf, size_t len)
{
        const uint8_t *b = buf;
        if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b)
                return IMG_COMPRESSION_GZIP;
        if (len >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
                return IMG_COMPRESSION_ZSTD;
        if (len >= 6 && memcmp(b,
                               "\xfd"
                               "7zXZ\0",
                               6) == 0)
                return IMG_COMPRESSION_XZ;
        if (len >= 3 && memcmp(b, "BZh", 3) == 0)
                return IMG_COMPRESSION_BZIP2;
        return IMG_COMPRESSION_NONE;
}

const char *img_compression_name(ImgCompression c)
{
        switch (c) {
        case IMG_COMPRESSION_GZIP:
                return "gzip";
        case IMG_COMPRESSION_ZSTD:
                return "zstd";
        case IMG_COMPRESSION_XZ:
                return "xz";
        case IMG_COMPRESSION_BZIP2:
                return "bzip2";
        case IMG_COMPRESSION_NONE:
                break;
        }
        return "none";
}

/* Serves the detection bytes first, then reads the fd. */
static ssize_t raw_read(ImgDecompressor *d, const void **ret_buf)
{
        if (d->peek_pos < d->peek_len) {
                *ret_buf = d->buf + d->peek_pos;
                size_t n = d->peek_len - d->peek_pos;
                d->peek_pos = d->peek_len;
                return (ssize_t)n;
        }
        ssize_t n;
        do
                n = read(d->fd, d->buf, DECOMP_BUF_SIZE);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        *ret_buf = d->buf;
        return n;
}

static la_ssize_t archive_read_cb(struct archive *a, void *client, const void **buff)
{
        ImgDecompressor *d = client;
        ssize_t n = raw_read(d, buff);
        if (n < 0) {
                archive_set_error(a, (int)-n, "read layer stream: %s", strerror((int)-n));
                return -1;
        }
        return n;
}

int img_decompressor_new(int fd, ImgDecompressor **ret, BerthError **err)
{
        ImgDecompressor *d = calloc(1, sizeof(*d));
        if (!d)
                return error_set(err, ENOMEM, "allocate decompressor");
        d->fd = fd;
        d->buf = malloc(DECOMP_BUF_SIZE);
        if (!d->buf) {
                img_decompressor_free(d);
                return error_set(err, ENOMEM, "allocate decompressor");
        }
        /* Short reads from pipes: gather enough bytes to see every magic. */
        while (d->peek_len < 6) {
                ssize_t n = read(fd, d->buf + d->peek_len, DECOMP_BUF_SIZE - d->peek_len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = error_set_errno(err, errno, "read layer stream");
                        img_decompressor_free(d);
                        return r;
                }
                if (n == 0)
                        break;
                d->peek_len += (size_t)n;
        }
        d->compression = img_compression_detect(d->buf, d->peek_len);
        if (d->compression != IMG_COMPRESSION_NONE) {
                d->a = archive_read_new();
                if (!d->a) {
                        img_decompressor_free(d);
                        return error_set(err, ENOMEM, "allocate decompressor");
                }
                archive_read_support_filter_gzip(d->a);
                archive_read_support_filter_zstd(d->a);
                archive_read_support_filter_xz(d->a);
                archive_read_support_filter_bzip2(d->a);
                archive_read_support_format_raw(d->a);
                struct archive_entry *e;
                if (archive_read_open(d->a, d, NULL, archive_read_cb, NULL) != ARCHIVE_OK ||
                    archive_read_next_header(d->a, &e) != ARCHIVE_OK) {
                        int r = error_set(err, EINVAL, "open %s stream: %s",
                                          img_compression_name(d->compression),
                                          archive_error_string(d->a) ?: "unknown error");
                        img_decompressor_free(d);
                        return r;
                }
        }
        *ret = d;
        return 0;
}

ImgCompression img_decompressor_compression(const ImgDecompressor *d)
{
        return d->compression;
}

ssize_t img_decompressor_read(ImgDecompressor *d, const void **ret_buf, BerthError **err)
{
        if (!d->a) {
                ssize_t n = raw_read(d, ret_buf);
                if (n < 0)
                        return error_set_errno(err, (int)-n, "read layer stream");
                return n;
        }
        size_t size = 0;
        la_int64_t offset = 0;
        for (;;) {
                int r = archive_read_data_block(d->a, ret_buf, &size, &offset);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r < ARCHIVE_WARN) {
                        int code = archive_errno(d->a) > 0 ? archive_errno(d->a) : EINVAL;
                        return error_set(err, code, "%s stream is corrupt or truncated: %s",
                                         img_compression_name(d->compression),
                                         archive_error_string(d->a) ?: "unknown error");
                }
                if (size > 0)
                        return (ssize_t)size;
        }
}

ImgDecompressor *img_decompressor_free(ImgDecompressor *d)
{
        if (!d)
                return NULL;
        if (d->a)
                archive_read_free(d->a);
        free(d->buf);
        free(d);
        return NULL;
}
