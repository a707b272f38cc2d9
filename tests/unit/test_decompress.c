/* Unit tests for layer stream decoding: the three gzip decoders (libdeflate
 * over a mapped file, zlib streaming, libarchive) give the same bytes for
 * one- and multi-member streams, at an offset, from pipes, with trailing
 * padding; corrupt and truncated streams fail with a clear message; the
 * memory limit falls back to streaming; zstd still decodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "image/decompress.h"
#include "image/fastgz.h"

typedef struct Bytes {
        uint8_t *data;
        size_t len;
} Bytes;

static void bytes_free(Bytes *b)
{
        free(b->data);
        *b = (Bytes){0};
}

/* Mixed content: text-like runs and pseudo-random bytes. */
static Bytes make_data(size_t len, unsigned seed)
{
        Bytes b = {.data = malloc(len), .len = len};
        uint32_t x = seed * 2654435761u + 1;
        for (size_t i = 0; i < len; i++) {
                if ((i / 4096) % 2 == 0) {
                        b.data[i] = (uint8_t)("berth layer text "[i % 17]);
                } else {
                        x ^= x << 13;
                        x ^= x >> 17;
                        x ^= x << 5;
                        b.data[i] = (uint8_t)x;
                }
        }
        return b;
}

/* One gzip member holding data. */
static Bytes gzip_member(const Bytes *in)
{
        z_stream z = {0};
        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                         Z_OK);
        Bytes out = {.data = malloc(deflateBound(&z, in->len) + 64)};
        z.next_in = in->data;
        z.avail_in = (uInt)in->len;
        z.next_out = out.data;
        z.avail_out = (uInt)(deflateBound(&z, in->len) + 64);
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        out.len = z.total_out;
        deflateEnd(&z);
        return out;
}

static void append(Bytes *b, const void *p, size_t len)
{
        b->data = realloc(b->data, b->len + len);
        memcpy(b->data + b->len, p, len);
        b->len += len;
}

static int memfd_with(const void *p, size_t len, off_t prefix)
{
        int fd = memfd_create("stream", MFD_CLOEXEC);
        assert_true(fd >= 0);
        if (prefix > 0) {
                char *junk = calloc(1, (size_t)prefix);
                assert_int_equal(write(fd, junk, (size_t)prefix), prefix);
                free(junk);
        }
        assert_int_equal(write(fd, p, len), (ssize_t)len);
        lseek(fd, prefix, SEEK_SET);
        return fd;
}

typedef struct Feeder {
        int fd;
        const uint8_t *p;
        size_t len;
} Feeder;

static void *feed(void *arg)
{
        Feeder *f = arg;
        size_t off = 0;
        while (off < f->len) {
                size_t n = f->len - off < 7777 ? f->len - off : 7777; /* odd chunks */
                ssize_t w = write(f->fd, f->p + off, n);
                if (w <= 0)
                        break;
                off += (size_t)w;
        }
        close(f->fd);
        return NULL;
}

/* Decodes fd whole; returns 0 or the error (message into *ret_msg). */
static int decode_all(int fd, Bytes *ret, char **ret_msg)
{
        _cleanup_error_ BerthError *err = NULL;
        ImgDecompressor *d = NULL;
        int r = img_decompressor_new(fd, &d, &err);
        *ret = (Bytes){0};
        while (r >= 0) {
                const void *buf;
                ssize_t n = img_decompressor_read(d, &buf, &err);
                if (n < 0)
                        r = (int)n;
                else if (n == 0)
                        break;
                else
                        append(ret, buf, (size_t)n);
        }
        img_decompressor_free(d);
        if (r < 0 && ret_msg)
                *ret_msg = strdup(err ? err->message : "?");
        return r;
}

static const char *const decoders[] = {"", "zlib", "libarchive"};

static void set_decoder(const char *name)
{
        if (*name)
                setenv("BERTH_GZIP_DECODER", name, 1);
        else
                unsetenv("BERTH_GZIP_DECODER");
}

static void expect_decodes_to(int fd, const Bytes *want, const char *how)
{
        Bytes got;
        _cleanup_free_ char *msg = NULL;
        int r = decode_all(fd, &got, &msg);
        if (r < 0)
                fail_msg("%s: %s", how, msg);
        assert_int_equal(got.len, want->len);
        assert_memory_equal(got.data, want->data, want->len);
        bytes_free(&got);
}

static void test_detect(void **state)
{
        assert_int_equal(img_compression_detect("\x1f\x8b\x08", 3), IMG_COMPRESSION_GZIP);
        assert_int_equal(img_compression_detect("\x28\xb5\x2f\xfd", 4), IMG_COMPRESSION_ZSTD);
        assert_int_equal(img_compression_detect("\xfd"
                                                "7zXZ\0",
                                                6),
                         IMG_COMPRESSION_XZ);
        assert_int_equal(img_compression_detect("BZh9", 4), IMG_COMPRESSION_BZIP2);
        assert_int_equal(img_compression_detect("ustar", 5), IMG_COMPRESSION_NONE);
        assert_string_equal(img_compression_name(IMG_COMPRESSION_GZIP), "gzip");
}

/* Every decoder, from a file and from a pipe, one member of 3 MiB. */
static void test_gzip_all_decoders(void **state)
{
        Bytes data = make_data(3 << 20, 1);
        Bytes gz = gzip_member(&data);
        for (size_t i = 0; i < sizeof(decoders) / sizeof(*decoders); i++) {
                set_decoder(decoders[i]);
                int fd = memfd_with(gz.data, gz.len, 0);
                expect_decodes_to(fd, &data, decoders[i]);
                /* the file offset ends after the stream, as with read(2) */
                assert_int_equal(lseek(fd, 0, SEEK_CUR), (off_t)gz.len);
                close(fd);

                int p[2];
                assert_int_equal(pipe2(p, O_CLOEXEC), 0);
                Feeder f = {.fd = p[1], .p = gz.data, .len = gz.len};
                pthread_t t;
                pthread_create(&t, NULL, feed, &f);
                expect_decodes_to(p[0], &data, decoders[i]);
                pthread_join(t, NULL);
                close(p[0]);
        }
        set_decoder("");
        bytes_free(&gz);
        bytes_free(&data);
}

/* Two members, then zero padding (ignored, as gzip(1) does). */
static void test_gzip_multi_member_and_padding(void **state)
{
        Bytes a = make_data(200000, 2), b = make_data(50000, 3), empty = {0};
        Bytes ga = gzip_member(&a), gb = gzip_member(&b), ge = gzip_member(&empty);
        Bytes stream = {0}, want = {0};
        append(&stream, ga.data, ga.len);
        append(&stream, ge.data, ge.len);
        append(&stream, gb.data, gb.len);
        append(&stream, "\0\0\0\0\0\0\0\0", 8);
        append(&want, a.data, a.len);
        append(&want, b.data, b.len);
        for (size_t i = 0; i < 2; i++) { /* libdeflate and zlib */
                set_decoder(decoders[i]);
                int fd = memfd_with(stream.data, stream.len, 0);
                expect_decodes_to(fd, &want, decoders[i]);
                close(fd);
        }
        set_decoder("");
        Bytes *all[] = {&a, &b, &ga, &gb, &ge, &stream, &want};
        for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
                bytes_free(all[i]);
}

/* A stream that starts at an offset in its file (not page aligned). */
static void test_gzip_at_offset(void **state)
{
        Bytes data = make_data(100000, 4);
        Bytes gz = gzip_member(&data);
        int fd = memfd_with(gz.data, gz.len, 5001);
        expect_decodes_to(fd, &data, "offset");
        close(fd);
        bytes_free(&gz);
        bytes_free(&data);
}

/* Over the memory limit of the whole-buffer path: streamed instead. */
static void test_gzip_over_limit_streams(void **state)
{
        Bytes data = make_data(3 << 20, 5);
        Bytes gz = gzip_member(&data);
        setenv("BERTH_FASTGZ_MAX_MIB", "1", 1);
        int fd = memfd_with(gz.data, gz.len, 0);
        expect_decodes_to(fd, &data, "over the limit");
        close(fd);
        unsetenv("BERTH_FASTGZ_MAX_MIB");

        ImgFastGzOut out;
        size_t used;
        assert_int_equal(img_fastgz_decode(gz.data, gz.len, 1 << 20, &out, &used), -EFBIG);
        assert_int_equal(img_fastgz_decode(gz.data, gz.len, 8 << 20, &out, &used), 0);
        assert_int_equal(used, gz.len);
        assert_int_equal(out.len, data.len);
        assert_memory_equal(out.data, data.data, data.len);
        img_fastgz_out_release(&out, out.len / 2);
        assert_memory_equal(out.data + out.len - 100, data.data + data.len - 100, 100);
        img_fastgz_out_free(&out);
        assert_null(out.data);
        bytes_free(&gz);
        bytes_free(&data);
}

/* The ISIZE trailer lies (a multi-member stream looks like this): the
 * output buffer grows until the data fits. */
static void test_gzip_wrong_isize_grows(void **state)
{
        Bytes small = make_data(1000, 6), big = make_data(1 << 20, 7);
        Bytes gbig = gzip_member(&big), gsmall = gzip_member(&small);
        Bytes stream = {0}, want = {0};
        append(&stream, gbig.data, gbig.len);
        append(&stream, gsmall.data, gsmall.len); /* last ISIZE: 1000 */
        append(&want, big.data, big.len);
        append(&want, small.data, small.len);
        ImgFastGzOut out;
        size_t used;
        assert_int_equal(img_fastgz_decode(stream.data, stream.len, 64 << 20, &out, &used), 0);
        assert_int_equal(out.len, want.len);
        assert_memory_equal(out.data, want.data, want.len);
        img_fastgz_out_free(&out);
        Bytes *all[] = {&small, &big, &gbig, &gsmall, &stream, &want};
        for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
                bytes_free(all[i]);
}

static void expect_fails(const Bytes *stream, const char *decoder, const char *want)
{
        set_decoder(decoder);
        int fd = memfd_with(stream->data, stream->len, 0);
        Bytes got;
        _cleanup_free_ char *msg = NULL;
        if (decode_all(fd, &got, &msg) >= 0)
                fail_msg("%s: decoded a bad stream (%zu bytes)", decoder, got.len);
        bytes_free(&got);
        close(fd);
        set_decoder("");
        if (!strstr(msg, want))
                fail_msg("%s: message '%s' lacks '%s'", decoder, msg, want);
}

static void test_gzip_corrupt_and_truncated(void **state)
{
        Bytes data = make_data(300000, 8);
        Bytes gz = gzip_member(&data);
        Bytes bad = {0}, cut = {0};
        append(&bad, gz.data, gz.len);
        for (size_t i = 100; i < 200; i++)
                bad.data[i] ^= 0x5a;
        append(&cut, gz.data, gz.len / 2);
        for (size_t i = 0; i < sizeof(decoders) / sizeof(*decoders); i++)
                expect_fails(&cut, decoders[i], "gzip stream is corrupt or truncated");
        /* (libarchive's raw gzip filter lets some corrupt data through;
         * the diff_id check catches it later) */
        expect_fails(&bad, "", "gzip stream is corrupt or truncated");
        expect_fails(&bad, "zlib", "gzip stream is corrupt or truncated");
        /* a wrong CRC alone is caught too */
        Bytes crc = {0};
        append(&crc, gz.data, gz.len);
        crc.data[crc.len - 8] ^= 1;
        expect_fails(&crc, "", "gzip stream is corrupt or truncated");
        expect_fails(&crc, "zlib", "gzip stream is corrupt or truncated");
        Bytes *all[] = {&data, &gz, &bad, &cut, &crc};
        for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
                bytes_free(all[i]);
}

static void test_uncompressed_passthrough(void **state)
{
        Bytes data = make_data(500000, 9);
        data.data[0] = 'x'; /* no magic */
        int fd = memfd_with(data.data, data.len, 0);
        expect_decodes_to(fd, &data, "plain");
        close(fd);
        Bytes tiny = {0};
        append(&tiny, "abc", 3);
        fd = memfd_with(tiny.data, tiny.len, 0);
        expect_decodes_to(fd, &tiny, "short");
        close(fd);
        bytes_free(&tiny);
        bytes_free(&data);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_detect),
            cmocka_unit_test(test_gzip_all_decoders),
            cmocka_unit_test(test_gzip_multi_member_and_padding),
            cmocka_unit_test(test_gzip_at_offset),
            cmocka_unit_test(test_gzip_over_limit_streams),
            cmocka_unit_test(test_gzip_wrong_isize_grows),
            cmocka_unit_test(test_gzip_corrupt_and_truncated),
            cmocka_unit_test(test_uncompressed_passthrough),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
