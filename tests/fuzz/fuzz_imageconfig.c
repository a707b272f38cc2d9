/* libFuzzer target for the image config parser and writer: any bytes give a
 * config or one error line; both writer styles produce JSON that parses
 * again and is a fixpoint of parse + write. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "image/imageconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(BerthError *err)
{
        if (!err || !err->message || strchr(err->message, '\n'))
                __builtin_trap();
}

static void roundtrip(const ImgConfig *c, ImgConfigStyle style)
{
        _cleanup_free_ char *out = NULL, *out2 = NULL;
        size_t n = 0, n2 = 0;
        _cleanup_config_ ImgConfig *c2 = NULL;
        if (img_config_to_json(c, style, &out, &n, NULL) < 0)
                __builtin_trap();
        if (img_config_parse(out, n, &c2, NULL) < 0)
                __builtin_trap();
        if (img_config_to_json(c2, style, &out2, &n2, NULL) < 0 || n != n2 ||
            memcmp(out, out2, n) != 0)
                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_config_ ImgConfig *c = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (img_config_parse((const char *)data, size, &c, &err) < 0) {
                check_error(err);
                return 0;
        }
        size_t n = 0;
        while (c->diff_ids[n])
                n++;
        if (n > 0) {
                ImgDigest chain;
                if (img_chain_id(c->diff_ids, n, &chain, NULL) < 0)
                        __builtin_trap();
        }
        roundtrip(c, IMG_CONFIG_STYLE_DOCKER);
        roundtrip(c, IMG_CONFIG_STYLE_OCI);
        return 0;
}
