/* libFuzzer target for the config.json parser: any bytes must give either a
 * spec or one error line, never a crash or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "runtime/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(BerthError *err)
{
        /* Errors are one line. */
        if (err && err->message && strchr(err->message, '\n'))
                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_json_ json_t *doc = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (rt_spec_parse_text((const char *)data, size, "config.json", &doc, &err) < 0)
                return 0;

        _cleanup_spec_ RtSpec *spec = NULL;
        if (rt_spec_parse(doc, "config.json", &spec, &err) == 0) {
                if (rt_spec_validate(spec, &err) < 0)
                        check_error(err);
                for (int t = 0; t < RT_NS_COUNT; t++)
                        (void)rt_spec_find_ns(spec, (RtNsType)t);
        } else {
                if (spec)
                        __builtin_trap(); /* *ret must stay untouched on failure */
                check_error(err);
        }
        err = error_free(err);

        /* The same bytes as an exec --process document. */
        _cleanup_process_ RtProcess *p = NULL;
        if (rt_process_parse(doc, NULL, &p, &err) < 0)
                check_error(err);
        return 0;
}
