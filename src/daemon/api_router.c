/* Route table and matching: the /vX.Y prefix, methods, path parameters. */
#include "daemon/api_router.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/strv.h"

struct ApiRoute {
        char *method;
        char **segments; /* "containers", "{id}", "json" */
        ApiHandler fn;
        void *userdata;
        unsigned flags;
        size_t body_limit;
};

struct ApiRouter {
        ApiRoute *routes;
        size_t n_routes;
};

/* Bounds the work a hostile path can cause (segment splitting, backtracking). */
#define API_MAX_SEGMENTS 64

ApiRouter *api_router_new(void)
{
        return calloc(1, sizeof(ApiRouter));
}

ApiRouter *api_router_free(ApiRouter *r)
{
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_routes; i++) {
                free(r->routes[i].method);
                strv_free(r->routes[i].segments);
        }
        free(r->routes);
        free(r);
        return NULL;
}

/* Splits on '/', dropping empty segments. -E2BIG past API_MAX_SEGMENTS. */
static int split_path(const char *path, char ***ret)
{
        _cleanup_strv_free_ char **v = NULL;
        size_t n = 0;
        const char *p = path;
        while (*p) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                const char *end = strchrnul(p, '/');
                if (++n > API_MAX_SEGMENTS)
                        return -E2BIG;
                char *seg = strndup(p, (size_t)(end - p));
                if (!seg || strv_push(&v, seg) < 0)
                        return -ENOMEM;
                p = end;
        }
        if (!v) {
                v = calloc(1, sizeof(char *));
                if (!v)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

static bool is_param(const char *seg)
{
        size_t n = strlen(seg);
        return n >= 3 && seg[0] == '{' && seg[n - 1] == '}';
}

static bool is_greedy_param(const char *seg)
{
        size_t n = strlen(seg);
        return is_param(seg) && n >= 4 && seg[n - 2] == '*';
}

int api_router_add(ApiRouter *r, const char *method, const char *pattern, ApiHandler fn,
                   void *userdata, unsigned flags, size_t body_limit)
{
        if (!method || !*method || !pattern || pattern[0] != '/' || !fn)
                return -EINVAL;
        _cleanup_strv_free_ char **segs = NULL;
        int ret = split_path(pattern, &segs);
        if (ret < 0)
                return ret == -ENOMEM ? ret : -EINVAL;
        STRV_FOREACH(s, segs)
        {
                if (strchr(*s, '{') && !is_param(*s))
                        return -EINVAL;
        }
        ApiRoute *routes = reallocarray(r->routes, r->n_routes + 1, sizeof(*routes));
        if (!routes)
                return -ENOMEM;
        r->routes = routes;
        char *m = strdup(method);
        if (!m)
                return -ENOMEM;
        r->routes[r->n_routes++] = (ApiRoute){
            .method = m,
            .segments = TAKE_PTR(segs),
            .fn = fn,
            .userdata = userdata,
            .flags = flags,
            .body_limit = body_limit,
        };
        return 0;
}

static int push_param(char ***params, const char *pattern_seg, char *value)
{
        size_t n = strlen(pattern_seg);
        size_t strip = is_greedy_param(pattern_seg) ? 3 : 2;
        char *name = strndup(pattern_seg + 1, n - strip);
        if (!name) {
                free(value);
                return -ENOMEM;
        }
        if (strv_push(params, name) < 0) {
                free(value);
                return -ENOMEM;
        }
        return strv_push(params, value);
}

static char *join_segments(char **segs, size_t from, size_t to)
{
        size_t len = 0;
        for (size_t i = from; i < to; i++)
                len += strlen(segs[i]) + 1;
        char *s = malloc(len ? len : 1);
        if (!s)
                return NULL;
        char *p = s;
        for (size_t i = from; i < to; i++) {
                if (i > from)
                        *p++ = '/';
                p = stpcpy(p, segs[i]);
        }
        *p = '\0';
        return s;
}

/* Matches pattern segments against path segments; returns 1 on a match and
 * then (only then) appends the parameters to *params, so a failed branch
 * leaves nothing behind. A greedy parameter takes the longest run of
 * segments that lets the rest match. */
static int match_segments(char **pat, char **segs, char ***params)
{
        if (!*pat)
                return *segs ? 0 : 1;
        if (!*segs)
                return 0;
        if (is_greedy_param(*pat)) {
                for (size_t take = strv_length(segs); take >= 1; take--) {
                        int r = match_segments(pat + 1, segs + take, params);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                continue;
                        char *v = join_segments(segs, 0, take);
                        if (!v)
                                return -ENOMEM;
                        r = push_param(params, *pat, v);
                        return r < 0 ? r : 1;
                }
                return 0;
        }
        if (is_param(*pat)) {
                int r = match_segments(pat + 1, segs + 1, params);
                if (r <= 0)
                        return r;
                char *v = strdup(*segs);
                if (!v)
                        return -ENOMEM;
                r = push_param(params, *pat, v);
                return r < 0 ? r : 1;
        }
        if (!STREQ(*pat, *segs))
                return 0;
        return match_segments(pat + 1, segs + 1, params);
}

/* "v1.41" → "1.41" as gorilla's "/v{version:[0-9.]+}" does. */
static bool version_segment(const char *seg, char *ret, size_t size)
{
        if (seg[0] != 'v' || !seg[1])
                return false;
        size_t n = strspn(seg + 1, "0123456789.");
        if (seg[1 + n] != '\0' || n >= size)
                return false;
        memcpy(ret, seg + 1, n + 1);
        return true;
}

/* Finds the route for segs; 1 and fills m on a match. */
static int find_route(const ApiRouter *r, const char *method, char **segs, ApiMatch *m)
{
        for (size_t i = 0; i < r->n_routes; i++) {
                const ApiRoute *route = &r->routes[i];
                if (!STREQ(route->method, method))
                        continue;
                char **params = NULL;
                int ret = match_segments(route->segments, segs, &params);
                if (ret < 0) {
                        strv_free(params);
                        return ret;
                }
                if (ret > 0) {
                        m->route = route;
                        m->params = params;
                        return 1;
                }
                strv_free(params);
        }
        return 0;
}

int api_router_match(const ApiRouter *r, const char *method, const char *path, ApiMatch *ret,
                     BerthError **err)
{
        *ret = (ApiMatch){0};
        _cleanup_strv_free_ char **segs = NULL;
        int k = split_path(path ? path : "", &segs);
        if (k == -E2BIG)
                return error_set(err, ENOENT, "page not found");
        if (k < 0)
                return error_set(err, k, "route '%s': out of memory", path);

        char version[sizeof(ret->version)];
        if (segs[0] && version_segment(segs[0], version, sizeof(version))) {
                k = find_route(r, method, segs + 1, ret);
                if (k < 0)
                        return error_set(err, k, "route '%s': out of memory", path);
                if (k > 0) {
                        memcpy(ret->version, version, sizeof(version));
                        if (api_version_compare(version, API_MIN_VERSION) < 0) {
                                api_match_clear(ret);
                                return error_set(err, EINVAL,
                                                 "client version %s is too old. Minimum supported "
                                                 "API version is %s, please upgrade your client "
                                                 "to a newer version",
                                                 version, API_MIN_VERSION);
                        }
                        if (api_version_compare(version, API_MAX_VERSION) > 0) {
                                api_match_clear(ret);
                                return error_set(err, EINVAL,
                                                 "client version %s is too new. Maximum supported "
                                                 "API version is %s",
                                                 version, API_MAX_VERSION);
                        }
                        return 0;
                }
        }
        k = find_route(r, method, segs, ret);
        if (k < 0)
                return error_set(err, k, "route '%s': out of memory", path);
        if (k == 0)
                return error_set(err, ENOENT, "page not found");
        return 0;
}

void api_match_clear(ApiMatch *m)
{
        m->params = strv_free(m->params);
        m->route = NULL;
        m->version[0] = '\0';
}

const char *api_match_param(const ApiMatch *m, const char *name)
{
        for (char **p = m->params; p && p[0] && p[1]; p += 2)
                if (STREQ(p[0], name))
                        return p[1];
        return NULL;
}

ApiHandler api_route_handler(const ApiRoute *route)
{
        return route->fn;
}

void *api_route_userdata(const ApiRoute *route)
{
        return route->userdata;
}

unsigned api_route_flags(const ApiRoute *route)
{
        return route->flags;
}

size_t api_route_body_limit(const ApiRoute *route)
{
        return route->body_limit;
}

/* One dot-separated part as Docker's strconv.Atoi with errors ignored. */
static long version_part(const char **p)
{
        const char *end = strchrnul(*p, '.');
        long v = 0;
        bool ok = end > *p;
        for (const char *c = *p; c < end; c++) {
                if (!isdigit((unsigned char)*c)) {
                        ok = false;
                        break;
                }
                if (v < 100000000)
                        v = v * 10 + (*c - '0');
        }
        *p = *end ? end + 1 : end;
        return ok ? v : 0;
}

int api_version_compare(const char *a, const char *b)
{
        while (*a || *b) {
                long x = version_part(&a), y = version_part(&b);
                if (x != y)
                        return x < y ? -1 : 1;
        }
        return 0;
}
