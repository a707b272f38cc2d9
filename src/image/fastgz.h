/* Whole-buffer gzip decoding with libdeflate, for layer blobs that are
 * regular files (the blob store spools them): the compressed file is mapped
 * and decoded member by member into one growing anonymous mapping. libdeflate
 * decodes about twice as fast as zlib, but only whole members, so the output
 * of a layer is held in memory at once (up to max_out bytes); larger layers
 * and pipes are decoded by zlib as a stream (see decompress.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct ImgFastGzOut {
        uint8_t *data; /* anonymous mapping of cap bytes; NULL when empty */
        size_t len;    /* decoded bytes */
        size_t cap;
} ImgFastGzOut;

/* The default limit of the decoded size of one layer held in memory:
 * 1 GiB, or an eighth of the RAM when that is less. BERTH_FASTGZ_MAX_MIB
 * overrides it (0 disables the whole-buffer path; used by tests). */
size_t img_fastgz_default_max(void);

/* Decodes every gzip member of in[0..in_len) (bytes after the last member
 * that do not start another member are ignored, as gzip(1) does). On
 * success *ret owns the output (img_fastgz_out_free) and *ret_in_used is the
 * number of input bytes decoded. Returns -EFBIG when the output would exceed
 * max_out, -EBADMSG when the data is corrupt or truncated, -ENOMEM. */
int img_fastgz_decode(const void *in, size_t in_len, size_t max_out, ImgFastGzOut *ret,
                      size_t *ret_in_used);

/* Gives back the pages of out[0..upto) (rounded down to pages) while the
 * rest stays readable: a consumer that has read that far frees them. */
void img_fastgz_out_release(ImgFastGzOut *out, size_t upto);
void img_fastgz_out_free(ImgFastGzOut *out);
