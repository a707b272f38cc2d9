/* Request routing, independent of the HTTP library (so it can be fuzzed):
 * methods, patterns with path parameters, the /vX.Y version prefix and its
 * checks, and the query helpers that need no connection. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define API_MIN_VERSION "1.24"
/* The version of ../shared/specs/docker-engine-api.yaml. */
#define API_MAX_VERSION "1.56"

typedef struct ApiRequest ApiRequest;
typedef int (*ApiHandler)(ApiRequest *req, void *userdata, BerthError **err);

typedef struct ApiRouter ApiRouter;
typedef struct ApiRoute ApiRoute;

/* Route flags. */
enum {
        /* The handler reads no body: any body is discarded unread. */
        API_ROUTE_NO_BODY = 1 << 0,
};

typedef struct ApiMatch {
        const ApiRoute *route;
        char version[16]; /* "" when the path had no /vX.Y prefix */
        char **params;    /* name, value, name, value, ..., NULL */
} ApiMatch;

ApiRouter *api_router_new(void);
ApiRouter *api_router_free(ApiRouter *r);
/* pattern: "/containers/{id}/json"; "{name*}" matches one or more segments
 * ("/images/{name*}/json" for "library/busybox"). body_limit 0 means the
 * default. -EINVAL for a malformed pattern. */
int api_router_add(ApiRouter *r, const char *method, const char *pattern, ApiHandler fn,
                   void *userdata, unsigned flags, size_t body_limit);
/* 0 on a match. -ENOENT with "page not found" when no route matches the path
 * and method (Docker answers 404 for both), -EINVAL with Docker's message for
 * a version outside [API_MIN_VERSION, API_MAX_VERSION]. */
int api_router_match(const ApiRouter *r, const char *method, const char *path, ApiMatch *ret,
                     BerthError **err);
void api_match_clear(ApiMatch *m);
const char *api_match_param(const ApiMatch *m, const char *name);

ApiHandler api_route_handler(const ApiRoute *route);
void *api_route_userdata(const ApiRoute *route);
unsigned api_route_flags(const ApiRoute *route);
size_t api_route_body_limit(const ApiRoute *route);

/* Docker's versions.compare: dot-separated integers, missing parts are 0,
 * non-numbers count as 0. Returns <0, 0, >0. */
int api_version_compare(const char *a, const char *b);

/* Docker's httputils.BoolValue for a present value. */
bool api_parse_bool(const char *s);
/* The `filters` parameter: {"label":["a=b"]} or the legacy
 * {"label":{"a=b":true}}. *ret maps each name to an array of strings.
 * An empty or NULL input gives an empty object. */
int api_filters_parse(const char *s, json_t **ret, BerthError **err);
/* Rejects names not in allowed (NULL-terminated) with Docker's
 * "invalid filter 'NAME'". */
int api_filters_validate(json_t *filters, const char *const *allowed, BerthError **err);
/* Values of one filter name, borrowed; NULL when the name is absent. */
json_t *api_filters_get(json_t *filters, const char *name);
