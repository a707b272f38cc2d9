/* libFuzzer target for specgen's handling of untrusted create requests:
 * any bytes that parse as JSON go through specgen_validate and, when they
 * pass, through specgen_merge_config (with and without an image config,
 * and as the image config themselves). Every failure must carry a message;
 * every merged config must be an object with something to run. Nothing
 * here touches the file system (specgen_build creates bind sources). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "daemon/specgen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char image_text[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"},"
    "\"config\":{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"run\"],\"Env\":[\"PATH=/bin\",\"A=1\"],"
    "\"Labels\":{\"a\":\"b\"},\"ExposedPorts\":{\"80/tcp\":{}},\"Volumes\":{\"/v\":{}},"
    "\"Healthcheck\":{\"Test\":[\"NONE\"]},\"WorkingDir\":\"/w\",\"User\":\"u\"}}";

static void check_error(int r, BerthError *err)
{
        if (r >= 0 || !err || !err->message || !*err->message)
                __builtin_trap();
}

static void check_config(json_t *c)
{
        if (!json_is_object(c))
                __builtin_trap();
        json_t *cmd = json_object_get(c, "Cmd");
        json_t *ep = json_object_get(c, "Entrypoint");
        if (json_array_size(cmd) == 0 && json_array_size(ep) == 0)
                __builtin_trap();
        if (!json_is_array(json_object_get(c, "Env")) ||
            !json_is_object(json_object_get(c, "Labels")))
                __builtin_trap();
}

static void merge(json_t *req, json_t *img)
{
        _cleanup_json_ json_t *config = NULL;
        _cleanup_error_ BerthError *err = NULL;
        int r = specgen_merge_config(req, img, &config, &err);
        if (r < 0)
                check_error(r, err);
        else
                check_config(config);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_json_ json_t *req = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
        if (!req)
                return 0;
        static json_t *image;
        if (!image)
                image = json_loads(image_text, 0, NULL);

        _cleanup_error_ BerthError *err = NULL;
        int r = specgen_validate(req, &err);
        if (r < 0) {
                check_error(r, err);
                return 0;
        }
        merge(req, NULL);
        merge(req, image);
        /* the input as an image config under a minimal request */
        _cleanup_json_ json_t *small = json_pack("{s:s, s:[s]}", "Image", "x", "Cmd", "sh");
        merge(small, req);
        return 0;
}
