/* Image IDs and layer chain IDs, computed as Docker computes them. */
#include "image/imageconfig.h"
#include "common/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int img_image_id(const char *config_blob, size_t len, ImgDigest *ret)
{
        return img_digest_buffer(IMG_DIGEST_SHA256, config_blob, len, ret);
}

int img_chain_ids(char *const *diff_ids, size_t n, ImgDigest *ret, BerthError **err)
{
        for (size_t i = 0; i < n; i++) {
                ImgDigest diff;
                int r = img_digest_parse(diff_ids[i], &diff, err);
                if (r < 0)
                        return error_prefix(err, "diff_ids[%zu]", i);
                if (i == 0) {
                        ret[0] = diff;
                        continue;
                }
                /* the "sha256:..." strings joined by one space */
                char buf[2 * IMG_DIGEST_STRING_MAX + 1];
                int len = snprintf(buf, sizeof(buf), "%s %s", ret[i - 1].str, diff.str);
                r = img_digest_buffer(IMG_DIGEST_SHA256, buf, (size_t)len, &ret[i]);
                if (r < 0)
                        return error_set_errno(err, r, "chain ID of layer %zu", i);
        }
        return 0;
}

int img_chain_id(char *const *diff_ids, size_t n, ImgDigest *ret, BerthError **err)
{
        if (n == 0)
                return error_set(err, EINVAL, "chain ID of an image without layers");
        _cleanup_free_ ImgDigest *all = calloc(n, sizeof(ImgDigest));
        if (!all)
                return error_set(err, ENOMEM, "out of memory");
        int r = img_chain_ids(diff_ids, n, all, err);
        if (r < 0)
                return r;
        *ret = all[n - 1];
        return 0;
}
