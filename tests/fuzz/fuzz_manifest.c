/* libFuzzer target for manifests, indexes and docker-save manifest.json:
 * any bytes give a document or one error line; what parses serialises to
 * JSON that parses again and serialises to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "image/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(BerthError *err)
{
        if (!err || !err->message || strchr(err->message, '\n'))
                __builtin_trap();
}

static void manifest(const char *buf, size_t size)
{
        _cleanup_manifest_ ImgManifest *m = NULL, *m2 = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (img_manifest_parse(buf, size, NULL, &m, &err) < 0) {
                check_error(err);
                return;
        }
        _cleanup_free_ char *out = NULL, *out2 = NULL;
        size_t n = 0, n2 = 0;
        if (img_manifest_to_json(m, &out, &n, NULL) < 0)
                __builtin_trap();
        if (img_manifest_parse(out, n, m->media_type, &m2, NULL) < 0)
                __builtin_trap();
        if (img_manifest_to_json(m2, &out2, &n2, NULL) < 0 || n != n2 || memcmp(out, out2, n))
                __builtin_trap();
}

static void index_doc(const char *buf, size_t size)
{
        _cleanup_index_ ImgIndex *idx = NULL, *idx2 = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (img_index_parse(buf, size, NULL, &idx, &err) < 0) {
                check_error(err);
                return;
        }
        (void)img_index_select(idx, "linux", "arm64", "v8");
        _cleanup_free_ char *out = NULL, *out2 = NULL;
        size_t n = 0, n2 = 0;
        if (img_index_to_json(idx, &out, &n, NULL) < 0)
                __builtin_trap();
        if (img_index_parse(out, n, NULL, &idx2, NULL) < 0)
                __builtin_trap();
        if (img_index_to_json(idx2, &out2, &n2, NULL) < 0 || n != n2 || memcmp(out, out2, n))
                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *buf = (const char *)data;
        manifest(buf, size);
        index_doc(buf, size);
        _cleanup_archive_manifest_ ImgArchiveManifest *am = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (img_archive_manifest_parse(buf, size, &am, &err) < 0)
                check_error(err);
        const char *mt = NULL;
        _cleanup_error_ BerthError *derr = NULL;
        if (img_manifest_detect(buf, size, NULL, &mt, &derr) < 0)
                check_error(derr);
        return 0;
}
