/* libFuzzer target for what berthd does with a request line before any
 * handler runs: route matching (version prefix, path parameters, greedy
 * parameters), the filters JSON, booleans and version comparison.
 * Input: first byte picks the method, then the path up to '\n', then the
 * filters text. Any bytes must give a match or one error line, never a
 * crash or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "daemon/api_router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int handler(ApiRequest *req, void *ud, BerthError **err)
{
        return 0;
}

static ApiRouter *router(void)
{
        static ApiRouter *r;
        if (r)
                return r;
        static const struct {
                const char *method, *pattern;
        } routes[] = {
            {"GET", "/_ping"},
            {"HEAD", "/_ping"},
            {"GET", "/version"},
            {"GET", "/containers/json"},
            {"GET", "/containers/{id}/json"},
            {"POST", "/containers/{id}/attach"},
            {"GET", "/images/{name*}/json"},
            {"POST", "/images/{name*}/tag"},
            {"POST", "/images/{name*}/push"},
            {"DELETE", "/images/{name*}"},
            {"GET", "/a/{x*}/b/{y*}/c"},
        };
        r = api_router_new();
        for (size_t i = 0; i < ARRAY_SIZE(routes); i++)
                if (api_router_add(r, routes[i].method, routes[i].pattern, handler, NULL, 0, 0) < 0)
                        __builtin_trap();
        return r;
}

static void check_error(BerthError *err)
{
        if (!err || !err->message || strchr(err->message, '\n'))
                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const methods[] = {"GET", "HEAD", "POST", "DELETE", "PUT"};
        if (size < 1)
                return 0;
        const char *method = methods[data[0] % ARRAY_SIZE(methods)];
        const char *rest = (const char *)data + 1;
        size_t rest_len = size - 1;
        const char *nl = memchr(rest, '\n', rest_len);
        size_t path_len = nl ? (size_t)(nl - rest) : rest_len;
        _cleanup_free_ char *path = strndup(rest, path_len);
        _cleanup_free_ char *filters = nl ? strndup(nl + 1, rest_len - path_len - 1) : strdup("");
        if (!path || !filters)
                return 0;

        ApiMatch m;
        _cleanup_error_ BerthError *err = NULL;
        if (api_router_match(router(), method, path, &m, &err) == 0) {
                for (char **p = m.params; p && *p; p += 2)
                        if (!p[1] || !*p[1])
                                __builtin_trap(); /* parameters are never empty */
                api_version_compare(m.version, API_MIN_VERSION);
                api_match_clear(&m);
        } else {
                check_error(err);
        }

        _cleanup_json_ json_t *f = NULL;
        _cleanup_error_ BerthError *ferr = NULL;
        if (api_filters_parse(filters, &f, &ferr) == 0) {
                static const char *const allowed[] = {"label", "status", NULL};
                _cleanup_error_ BerthError *verr = NULL;
                if (api_filters_validate(f, allowed, &verr) < 0)
                        check_error(verr);
                /* every value is an array of strings */
                const char *k;
                json_t *v;
                json_object_foreach(f, k, v)
                {
                        if (!json_is_array(v))
                                __builtin_trap();
                }
        } else {
                check_error(ferr);
        }
        api_parse_bool(filters);
        api_version_compare(path, filters);
        return 0;
}
