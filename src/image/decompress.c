/* Compression detection and decoding of layer streams.
 *
 * gzip, by far the most common layer compression, has two decoders:
 *  - a regular file (the blob store spools every blob to one) is mapped and
 *    decoded whole by libdeflate (fastgz.c; decoding alone is 1.7x faster
 *    than zlib, see docs/benchmarks.md), then served in cache-sized pieces
 *    whose pages are given back as they are consumed;
 *  - a pipe, or a layer whose decoded size is over the memory limit, is
 *    decoded as a stream by zlib directly (128 KiB output pieces,
 *    multi-member aware).
 * zstd, xz and bzip2 go through libarchive's filters (raw format).
 *
 * BERTH_GZIP_DECODER=zlib|libarchive forces another gzip decoder (used by
 * tests and bench/ to compare them). */
#include "image/decompress.h"
#include "common/cleanup.h"
#include "image/fastgz.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define DECOMP_BUF_SIZE (256 * 1024)
#define ZLIB_OUT_SIZE   (128 * 1024)
/* Served in pieces small enough to stay in cache between the hash and the
 * tar parser; the consumed pages are given back in larger steps. */
#define WHOLE_CHUNK   (256 * 1024)
#define WHOLE_RELEASE (8 * 1024 * 1024)

typedef enum DecodeMode {
        MODE_RAW = 0,
        MODE_WHOLE, /* gzip, libdeflate over a mapped regular file */
        MODE_ZLIB,  /* gzip, zlib stream */
        MODE_ARCHIVE,
} DecodeMode;

struct ImgDecompressor {
        int fd;
        ImgCompression compression;
        DecodeMode mode;
        uint8_t *buf;
        size_t peek_len; /* bytes of buf read for detection, not yet served */
        size_t peek_pos;
        struct archive *a; /* MODE_ARCHIVE */
        /* MODE_WHOLE */
        off_t start; /* offset of the stream in fd */
        off_t end;   /* file size */
        bool decoded;
        ImgFastGzOut out;
        size_t out_pos;
        size_t released; /* out[0..released) was given back */
        /* MODE_ZLIB */
        z_stream z;
        bool z_init;
        bool z_member_end; /* at the end of a member: another may follow */
        bool z_done;
        bool in_eof;
        uint8_t *z_out;
};

DEFINE_CLEANUP(ImgDecompressor, img_decompressor_free)

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

static int archive_open(ImgDecompressor *d, BerthError **err)
{
        d->mode = MODE_ARCHIVE;
        d->a = archive_read_new();
        if (!d->a)
                return error_set(err, ENOMEM, "allocate decompressor");
        archive_read_support_filter_gzip(d->a);
        archive_read_support_filter_zstd(d->a);
        archive_read_support_filter_xz(d->a);
        archive_read_support_filter_bzip2(d->a);
        archive_read_support_format_raw(d->a);
        struct archive_entry *e;
        if (archive_read_open(d->a, d, NULL, archive_read_cb, NULL) != ARCHIVE_OK ||
            archive_read_next_header(d->a, &e) != ARCHIVE_OK)
                return error_set(err, EINVAL, "open %s stream: %s",
                                 img_compression_name(d->compression),
                                 archive_error_string(d->a) ?: "unknown error");
        return 0;
}

static int zlib_open(ImgDecompressor *d, BerthError **err)
{
        d->mode = MODE_ZLIB;
        d->z_out = malloc(ZLIB_OUT_SIZE);
        if (!d->z_out)
                return error_set(err, ENOMEM, "allocate decompressor");
        /* 16 + 15: a gzip wrapper, the largest window. */
        if (inflateInit2(&d->z, 16 + MAX_WBITS) != Z_OK)
                return error_set(err, ENOMEM, "allocate decompressor");
        d->z_init = true;
        return 0;
}

static int corrupt(ImgDecompressor *d, const char *why, BerthError **err)
{
        return error_set(err, EINVAL, "%s stream is corrupt or truncated: %s",
                         img_compression_name(d->compression), why);
}

/* Fills the output buffer (or reaches the end of the stream). */
static ssize_t zlib_read(ImgDecompressor *d, const void **ret_buf, BerthError **err)
{
        z_stream *z = &d->z;
        z->next_out = d->z_out;
        z->avail_out = ZLIB_OUT_SIZE;
        while (z->avail_out > 0 && !d->z_done) {
                if (z->avail_in == 0 && !d->in_eof) {
                        const void *p;
                        ssize_t n = raw_read(d, &p);
                        if (n < 0)
                                return error_set_errno(err, (int)-n, "read layer stream");
                        if (n == 0)
                                d->in_eof = true;
                        z->next_in = (Bytef *)p;
                        z->avail_in = (uInt)n;
                }
                if (d->z_member_end) {
                        /* Another member, or the end (trailing bytes that
                         * are not a gzip member are ignored, as by gzip). */
                        if (z->avail_in == 0 || z->next_in[0] != 0x1f ||
                            (z->avail_in > 1 && z->next_in[1] != 0x8b)) {
                                d->z_done = true;
                                break;
                        }
                        if (inflateReset(z) != Z_OK)
                                return corrupt(d, "cannot reset the decoder", err);
                        d->z_member_end = false;
                }
                if (z->avail_in == 0 && d->in_eof)
                        return corrupt(d, "unexpected end of data", err);
                int r = inflate(z, Z_NO_FLUSH);
                if (r == Z_STREAM_END)
                        d->z_member_end = true;
                else if (r == Z_BUF_ERROR && z->avail_in == 0)
                        continue; /* needs more input */
                else if (r != Z_OK)
                        return corrupt(d, z->msg ?: "invalid data", err);
        }
        *ret_buf = d->z_out;
        return (ssize_t)(ZLIB_OUT_SIZE - z->avail_out);
}

/* Maps the file and decodes it whole. Returns 1 when the stream must be
 * decoded by zlib instead (too large, not mappable), 0 when decoded. */
static int whole_decode(ImgDecompressor *d, BerthError **err)
{
        size_t len = (size_t)(d->end - d->start);
        size_t ps = (size_t)sysconf(_SC_PAGESIZE);
        off_t map_off = d->start / (off_t)ps * (off_t)ps;
        size_t skip = (size_t)(d->start - map_off);
        void *map = mmap(NULL, len + skip, PROT_READ, MAP_PRIVATE, d->fd, map_off);
        if (map == MAP_FAILED)
                return 1;
        (void)madvise(map, len + skip, MADV_SEQUENTIAL);
        (void)madvise(map, len + skip, MADV_WILLNEED);
        size_t used = 0;
        int r =
            img_fastgz_decode((uint8_t *)map + skip, len, img_fastgz_default_max(), &d->out, &used);
        munmap(map, len + skip);
        if (r == -EFBIG || r == -ENOMEM)
                return 1;
        if (r < 0)
                return corrupt(d, "invalid or truncated deflate data", err);
        (void)lseek(d->fd, d->start + (off_t)used, SEEK_SET);
        d->decoded = true;
        return 0;
}

static ssize_t whole_read(ImgDecompressor *d, const void **ret_buf, BerthError **err)
{
        if (!d->decoded) {
                int r = whole_decode(d, err);
                if (r < 0)
                        return r;
                if (r > 0) {
                        /* Stream it with zlib from the start instead. */
                        if (lseek(d->fd, d->start, SEEK_SET) < 0)
                                return error_set_errno(err, errno, "read layer stream");
                        d->peek_len = d->peek_pos = 0;
                        r = zlib_open(d, err);
                        if (r < 0)
                                return r;
                        return zlib_read(d, ret_buf, err);
                }
        }
        /* The consumer is done with what was served before this call. */
        if (d->out_pos - d->released >= WHOLE_RELEASE) {
                img_fastgz_out_release(&d->out, d->out_pos);
                d->released = d->out_pos;
        }
        size_t n = d->out.len - d->out_pos;
        if (n > WHOLE_CHUNK)
                n = WHOLE_CHUNK;
        *ret_buf = d->out.data + d->out_pos;
        d->out_pos += n;
        return (ssize_t)n;
}

static DecodeMode gzip_mode(bool regular)
{
        const char *env = getenv("BERTH_GZIP_DECODER");
        if (env && strcmp(env, "libarchive") == 0)
                return MODE_ARCHIVE;
        if (env && strcmp(env, "zlib") == 0)
                return MODE_ZLIB;
        if (!regular || img_fastgz_default_max() == 0)
                return MODE_ZLIB;
        return MODE_WHOLE;
}

int img_decompressor_new(int fd, ImgDecompressor **ret, BerthError **err)
{
        _cleanup_(img_decompressor_freep) ImgDecompressor *d = calloc(1, sizeof(*d));
        if (!d)
                return error_set(err, ENOMEM, "allocate decompressor");
        d->fd = fd;
        d->buf = malloc(DECOMP_BUF_SIZE);
        if (!d->buf)
                return error_set(err, ENOMEM, "allocate decompressor");
        struct stat st;
        bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
        if (regular) {
                d->start = lseek(fd, 0, SEEK_CUR);
                d->end = st.st_size;
                if (d->start < 0 || d->start > d->end)
                        regular = false;
        }
        /* Short reads from pipes: gather enough bytes to see every magic. */
        while (d->peek_len < 6) {
                ssize_t n = read(fd, d->buf + d->peek_len, DECOMP_BUF_SIZE - d->peek_len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "read layer stream");
                if (n == 0)
                        break;
                d->peek_len += (size_t)n;
        }
        d->compression = img_compression_detect(d->buf, d->peek_len);
        int r = 0;
        switch (d->compression) {
        case IMG_COMPRESSION_NONE:
                d->mode = MODE_RAW;
                break;
        case IMG_COMPRESSION_GZIP:
                d->mode = gzip_mode(regular);
                if (d->mode == MODE_ARCHIVE)
                        r = archive_open(d, err);
                else if (d->mode == MODE_ZLIB)
                        r = zlib_open(d, err);
                break;
        default:
                r = archive_open(d, err);
                break;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(d);
        return 0;
}

ImgCompression img_decompressor_compression(const ImgDecompressor *d)
{
        return d->compression;
}

static ssize_t archive_read(ImgDecompressor *d, const void **ret_buf, BerthError **err)
{
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

ssize_t img_decompressor_read(ImgDecompressor *d, const void **ret_buf, BerthError **err)
{
        switch (d->mode) {
        case MODE_WHOLE:
                return whole_read(d, ret_buf, err);
        case MODE_ZLIB:
                return zlib_read(d, ret_buf, err);
        case MODE_ARCHIVE:
                return archive_read(d, ret_buf, err);
        case MODE_RAW:
                break;
        }
        ssize_t n = raw_read(d, ret_buf);
        if (n < 0)
                return error_set_errno(err, (int)-n, "read layer stream");
        return n;
}

ImgDecompressor *img_decompressor_free(ImgDecompressor *d)
{
        if (!d)
                return NULL;
        if (d->a)
                archive_read_free(d->a);
        if (d->z_init)
                inflateEnd(&d->z);
        free(d->z_out);
        img_fastgz_out_free(&d->out);
        free(d->buf);
        free(d);
        return NULL;
}
