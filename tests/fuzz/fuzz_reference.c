/* libFuzzer target for image references and digests: any bytes give a
 * reference or one error line; a parsed reference prints to a string that
 * parses back to the same reference. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "image/digest.h"
#include "image/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(BerthError *err)
{
        if (!err || !err->message || strchr(err->message, '\n'))
                __builtin_trap();
}

static bool same(const ImgReference *a, const ImgReference *b)
{
        return STREQ(a->domain, b->domain) && STREQ(a->path, b->path) && !!a->tag == !!b->tag &&
               (!a->tag || STREQ(a->tag, b->tag)) && !!a->digest == !!b->digest &&
               (!a->digest || STREQ(a->digest, b->digest));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 4096)
                return 0;
        _cleanup_free_ char *s = strndup((const char *)data, size);
        if (!s)
                return 0;

        _cleanup_error_ BerthError *derr = NULL;
        ImgDigest d;
        if (img_digest_parse(s, &d, &derr) == 0) {
                if (!STREQ(d.str, s))
                        __builtin_trap();
        } else {
                check_error(derr);
        }

        _cleanup_reference_ ImgReference *ref = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (img_reference_parse_normalized(s, &ref, &err) < 0) {
                check_error(err);
                return 0;
        }
        /* the canonical string parses back, with or without normalisation */
        _cleanup_free_ char *full = img_reference_string(ref);
        _cleanup_reference_ ImgReference *again = NULL;
        if (!full || img_reference_parse(full, &again, NULL) < 0 || !same(ref, again))
                __builtin_trap();
        /* the familiar string normalises back to the same reference */
        _cleanup_free_ char *fam = img_reference_familiar_string(ref);
        _cleanup_reference_ ImgReference *back = NULL;
        if (!fam)
                __builtin_trap();
        /* Docker's quirks, kept: "docker.io/library/<64 hex>" shortens to a
         * name that reads as an image ID, and "docker.io/a.b/c" to one whose
         * first component reads as a registry */
        size_t first = strcspn(ref->path, "/");
        bool domain_like = STREQ(ref->domain, IMG_DEFAULT_DOMAIN) && ref->path[first] == '/' &&
                           (memchr(ref->path, '.', first) || memchr(ref->path, ':', first) ||
                            strncmp(ref->path, "localhost/", 10) == 0);
        if (!img_is_hex_id(fam) && !domain_like &&
            (img_reference_parse_normalized(fam, &back, NULL) < 0 || !same(ref, back)))
                __builtin_trap();
        _cleanup_reference_ ImgReference *docker = NULL;
        if (img_reference_parse_docker(s, &docker, NULL) < 0 || (!docker->tag && !docker->digest))
                __builtin_trap();
        return 0;
}
