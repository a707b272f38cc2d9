/* Whole-buffer gzip decoding with libdeflate into a growing anonymous
 * mapping (mremap moves page tables, it never copies the decoded bytes). */
#include "image/fastgz.h"

#include <errno.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FASTGZ_DEFAULT_MAX ((size_t)1 << 30)

size_t img_fastgz_default_max(void)
{
        const char *env = getenv("BERTH_FASTGZ_MAX_MIB");
        if (env && *env) {
                char *end = NULL;
                unsigned long long mib = strtoull(env, &end, 10);
                if (end && !*end && mib < ((size_t)1 << 24))
                        return (size_t)mib << 20;
        }
        long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
        size_t max = FASTGZ_DEFAULT_MAX;
        if (pages > 0 && psize > 0 && (size_t)pages / 8 < max / (size_t)psize)
                max = (size_t)pages / 8 * (size_t)psize;
        return max;
}

static size_t page_round_up(size_t n)
{
        size_t ps = (size_t)sysconf(_SC_PAGESIZE);
        return (n + ps - 1) / ps * ps;
}

static int out_grow(ImgFastGzOut *out, size_t want)
{
        want = page_round_up(want);
        void *p;
        if (!out->data)
                p = mmap(NULL, want, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        else
                p = mremap(out->data, out->cap, want, MREMAP_MAYMOVE);
        if (p == MAP_FAILED)
                return -ENOMEM;
        /* Fewer page faults for a large layer (THP is often "madvise"). */
        (void)madvise(p, want, MADV_HUGEPAGE);
        out->data = p;
        out->cap = want;
        return 0;
}

static uint32_t le32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int decode(struct libdeflate_decompressor *dec, const uint8_t *in, size_t in_len,
                  size_t max_out, ImgFastGzOut *out, size_t *ret_in_used)
{
        /* ISIZE of the last member: the exact size of a one-member stream
         * under 4 GiB, the usual case. Otherwise grow as needed. */
        size_t guess = le32(in + in_len - 4);
        if (guess > max_out)
                return -EFBIG;
        if (guess < in_len)
                guess = in_len < max_out / 4 ? in_len * 4 : max_out;
        int r = out_grow(out, guess + 1);
        if (r < 0)
                return r;
        size_t pos = 0;
        while (pos < in_len) {
                size_t in_used = 0, out_used = 0;
                enum libdeflate_result res =
                    libdeflate_gzip_decompress_ex(dec, in + pos, in_len - pos, out->data + out->len,
                                                  out->cap - out->len, &in_used, &out_used);
                if (res == LIBDEFLATE_INSUFFICIENT_SPACE) {
                        if (out->cap >= max_out)
                                return -EFBIG;
                        size_t want = out->cap * 2 < max_out ? out->cap * 2 : max_out;
                        r = out_grow(out, want);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (res != LIBDEFLATE_SUCCESS)
                        return -EBADMSG;
                out->len += out_used;
                pos += in_used;
                /* Another member follows, or trailing bytes that are ignored. */
                if (in_len - pos < 2 || in[pos] != 0x1f || in[pos + 1] != 0x8b)
                        break;
        }
        *ret_in_used = pos;
        return 0;
}

int img_fastgz_decode(const void *in, size_t in_len, size_t max_out, ImgFastGzOut *ret,
                      size_t *ret_in_used)
{
        const uint8_t *b = in;
        if (in_len < 18 || b[0] != 0x1f || b[1] != 0x8b)
                return -EBADMSG;
        struct libdeflate_decompressor *dec = libdeflate_alloc_decompressor();
        if (!dec)
                return -ENOMEM;
        ImgFastGzOut out = {0};
        size_t used = 0;
        int r = decode(dec, b, in_len, max_out, &out, &used);
        libdeflate_free_decompressor(dec);
        if (r < 0) {
                img_fastgz_out_free(&out);
                return r;
        }
        *ret = out;
        if (ret_in_used)
                *ret_in_used = used;
        return 0;
}

void img_fastgz_out_release(ImgFastGzOut *out, size_t upto)
{
        size_t ps = (size_t)sysconf(_SC_PAGESIZE);
        upto = upto / ps * ps;
        if (out->data && upto > 0 && upto <= out->cap)
                (void)madvise(out->data, upto, MADV_DONTNEED);
}

void img_fastgz_out_free(ImgFastGzOut *out)
{
        if (out->data)
                munmap(out->data, out->cap);
        *out = (ImgFastGzOut){0};
}
