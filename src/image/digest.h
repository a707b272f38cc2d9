/* Content digests ("sha256:<64 hex>") as the OCI image-spec and go-digest
 * define them: parsing, validation and streaming hashing (GNU Nettle). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef enum ImgDigestAlgo {
        IMG_DIGEST_SHA256 = 0,
        IMG_DIGEST_SHA512,
} ImgDigestAlgo;

/* "sha512:" + 128 hex + NUL */
#define IMG_DIGEST_STRING_MAX 136
#define IMG_SHA256_HEX_LEN    64

typedef struct ImgDigest {
        ImgDigestAlgo algo;
        char str[IMG_DIGEST_STRING_MAX]; /* "sha256:<hex>" */
} ImgDigest;

/* Parses and validates "algorithm:encoded" the way go-digest does: only
 * sha256 and sha512 are accepted, with lowercase hex of the exact length.
 * Errors: "invalid checksum digest format", "unsupported digest algorithm",
 * "invalid checksum digest length" (prefixed with the digest in quotes). */
int img_digest_parse(const char *s, ImgDigest *ret, BerthError **err);
bool img_digest_is_valid(const char *s);
/* The hex part of d->str. */
const char *img_digest_hex(const ImgDigest *d);
const char *img_digest_algo_name(ImgDigestAlgo algo);
/* Hex length of an algorithm's digests (64 or 128). */
size_t img_digest_algo_hex_len(ImgDigestAlgo algo);
bool img_digest_equal(const ImgDigest *a, const ImgDigest *b);

/* Streaming hasher. */
typedef struct ImgHasher ImgHasher;
int img_hasher_new(ImgDigestAlgo algo, ImgHasher **ret);
int img_hasher_update(ImgHasher *h, const void *buf, size_t len);
/* Finishes the hash; the hasher can not be updated afterwards. */
int img_hasher_final(ImgHasher *h, ImgDigest *ret);
ImgHasher *img_hasher_free(ImgHasher *h);
static inline void img_hasher_freep(ImgHasher **h)
{
        *h = img_hasher_free(*h);
}
#define _cleanup_hasher_ __attribute__((cleanup(img_hasher_freep)))

int img_digest_buffer(ImgDigestAlgo algo, const void *buf, size_t len, ImgDigest *ret);
/* Hashes fd from its current offset to EOF; ret_size (optional) gets the byte count. */
int img_digest_fd(ImgDigestAlgo algo, int fd, ImgDigest *ret, uint64_t *ret_size, BerthError **err);
