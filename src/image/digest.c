/* Digest parsing (go-digest rules) and hashing through GNU Nettle: berthd
 * loads it anyway (gnutls), and libcrypto would cost megabytes of RSS. */
#include "image/digest.h"
#include "common/cleanup.h"
#include "image/quote.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ImgHasher {
        ImgDigestAlgo algo;
        bool finished;
        union {
                struct sha256_ctx sha256;
                struct sha512_ctx sha512;
        } ctx;
};

const char *img_digest_algo_name(ImgDigestAlgo algo)
{
        return algo == IMG_DIGEST_SHA512 ? "sha512" : "sha256";
}

size_t img_digest_algo_hex_len(ImgDigestAlgo algo)
{
        return algo == IMG_DIGEST_SHA512 ? 128 : 64;
}

const char *img_digest_hex(const ImgDigest *d)
{
        return d->str + strlen(img_digest_algo_name(d->algo)) + 1;
}

bool img_digest_equal(const ImgDigest *a, const ImgDigest *b)
{
        return a->algo == b->algo && STREQ(a->str, b->str);
}

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]+(?:[.+_-][a-z0-9]+)* */
static bool algorithm_matches(const char *s, size_t len)
{
        bool need_alnum = true;
        for (size_t i = 0; i < len; i++) {
                if (is_lower_alnum(s[i]))
                        need_alnum = false;
                else if (strchr(".+_-", s[i]) && !need_alnum)
                        need_alnum = true;
                else
                        return false;
        }
        return !need_alnum;
}

/* [a-zA-Z0-9=_-]+ */
static bool encoded_matches(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!is_lower_alnum(*s) && !(*s >= 'A' && *s <= 'Z') && !strchr("=_-", *s))
                        return false;
        return true;
}

int img_digest_parse(const char *s, ImgDigest *ret, BerthError **err)
{
        char q[IMG_QUOTE_MAX];
        const char *colon = s ? strchr(s, ':') : NULL;
        if (!colon || colon == s || colon[1] == '\0')
                return error_set(err, EINVAL, "invalid digest '%s': invalid checksum digest format",
                                 img_quote(s, q));
        size_t alen = (size_t)(colon - s);
        ImgDigestAlgo algo;
        if (alen == 6 && strncmp(s, "sha256", 6) == 0)
                algo = IMG_DIGEST_SHA256;
        else if (alen == 6 && strncmp(s, "sha512", 6) == 0)
                algo = IMG_DIGEST_SHA512;
        else if (!algorithm_matches(s, alen) || !encoded_matches(colon + 1))
                return error_set(err, EINVAL, "invalid digest '%s': invalid checksum digest format",
                                 img_quote(s, q));
        else
                return error_set(err, EINVAL, "invalid digest '%s': unsupported digest algorithm",
                                 img_quote(s, q));
        const char *hex = colon + 1;
        if (strlen(hex) != img_digest_algo_hex_len(algo))
                return error_set(err, EINVAL, "invalid digest '%s': invalid checksum digest length",
                                 img_quote(s, q));
        for (const char *p = hex; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return error_set(err, EINVAL,
                                         "invalid digest '%s': invalid checksum digest format",
                                         img_quote(s, q));
        if (ret) {
                ret->algo = algo;
                memcpy(ret->str, s, strlen(s) + 1);
        }
        return 0;
}

bool img_digest_is_valid(const char *s)
{
        return img_digest_parse(s, NULL, NULL) == 0;
}

int img_hasher_new(ImgDigestAlgo algo, ImgHasher **ret)
{
        _cleanup_free_ ImgHasher *h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->algo = algo;
        if (algo == IMG_DIGEST_SHA512)
                sha512_init(&h->ctx.sha512);
        else
                sha256_init(&h->ctx.sha256);
        *ret = TAKE_PTR(h);
        return 0;
}

int img_hasher_update(ImgHasher *h, const void *buf, size_t len)
{
        if (h->finished)
                return -EINVAL;
        if (h->algo == IMG_DIGEST_SHA512)
                sha512_update(&h->ctx.sha512, len, buf);
        else
                sha256_update(&h->ctx.sha256, len, buf);
        return 0;
}

int img_hasher_final(ImgHasher *h, ImgDigest *ret)
{
        uint8_t md[SHA512_DIGEST_SIZE];
        size_t n;
        static const char hexdig[] = "0123456789abcdef";

        if (h->finished)
                return -EINVAL;
        h->finished = true;
        if (h->algo == IMG_DIGEST_SHA512) {
                n = SHA512_DIGEST_SIZE;
                sha512_digest(&h->ctx.sha512, n, md);
        } else {
                n = SHA256_DIGEST_SIZE;
                sha256_digest(&h->ctx.sha256, n, md);
        }
        const char *name = img_digest_algo_name(h->algo);
        size_t off = strlen(name);
        memcpy(ret->str, name, off);
        ret->str[off++] = ':';
        for (size_t i = 0; i < n; i++) {
                ret->str[off++] = hexdig[md[i] >> 4];
                ret->str[off++] = hexdig[md[i] & 0xf];
        }
        ret->str[off] = '\0';
        ret->algo = h->algo;
        return 0;
}

ImgHasher *img_hasher_free(ImgHasher *h)
{
        free(h);
        return NULL;
}

int img_digest_buffer(ImgDigestAlgo algo, const void *buf, size_t len, ImgDigest *ret)
{
        _cleanup_hasher_ ImgHasher *h = NULL;
        int r = img_hasher_new(algo, &h);
        if (r < 0)
                return r;
        r = img_hasher_update(h, buf, len);
        if (r < 0)
                return r;
        return img_hasher_final(h, ret);
}

int img_digest_fd(ImgDigestAlgo algo, int fd, ImgDigest *ret, uint64_t *ret_size, BerthError **err)
{
        _cleanup_hasher_ ImgHasher *h = NULL;
        _cleanup_free_ char *buf = malloc(128 * 1024);
        uint64_t total = 0;
        int r;

        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        r = img_hasher_new(algo, &h);
        if (r < 0)
                return error_set_errno(err, r, "create %s hasher", img_digest_algo_name(algo));
        for (;;) {
                ssize_t n = read(fd, buf, 128 * 1024);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_set_errno(err, errno, "read blob for hashing");
                }
                if (n == 0)
                        break;
                r = img_hasher_update(h, buf, (size_t)n);
                if (r < 0)
                        return error_set_errno(err, r, "hash blob");
                total += (uint64_t)n;
        }
        r = img_hasher_final(h, ret);
        if (r < 0)
                return error_set_errno(err, r, "hash blob");
        if (ret_size)
                *ret_size = total;
        return 0;
}
