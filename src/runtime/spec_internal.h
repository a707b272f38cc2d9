/* Shared helpers of the config.json parser (spec*.c only). Every helper names
 * the offending field in its error, like the getters of common/json.h, and
 * leaves partial results in the caller's struct so one free releases them. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "runtime/spec.h"

/* A strdup'ed copy of a string member; *ret untouched when absent. */
int rt_json_dup_string(json_t *obj, const char *path, const char *key, bool required, char **ret,
                       BerthError **err);
/* Optional integers into RtOpt (set = present). */
int rt_json_opt_int64(json_t *obj, const char *path, const char *key, RtOpt *ret, BerthError **err);
int rt_json_opt_uint(json_t *obj, const char *path, const char *key, uint64_t max, RtOpt *ret,
                     BerthError **err);
/* json_get_uint64 that also takes the values above INT64_MAX that
 * rt_spec_parse_text let through (RLIM_INFINITY, seccomp masks). */
int rt_json_get_uint64(json_t *obj, const char *path, const char *key, bool required, uint64_t max,
                       uint64_t *ret, BerthError **err);
bool rt_json_is_big_uint(json_t *v);
int rt_json_get_uint32(json_t *obj, const char *path, const char *key, bool required, uint32_t *ret,
                       BerthError **err);

/* Reads an array member and allocates a zeroed array of n elements of size
 * elem_size. *ret_arr is the JSON array, NULL (with *ret NULL, *n 0) when
 * absent or empty. */
int rt_json_alloc_array(json_t *obj, const char *path, const char *key, bool required,
                        size_t elem_size, void **ret, size_t *n, json_t **ret_arr,
                        BerthError **err);
/* An optional object member and its path "path.key" (malloc'd, for the
 * errors of its own members): 1 when present, 0 when absent. */
int rt_json_sub_object(json_t *obj, const char *path, const char *key, json_t **ret,
                       char **ret_path, BerthError **err);
/* "path.key[i]", or NULL when out of memory (callers fall back to key). */
char *rt_json_elem_path(const char *path, const char *key, size_t i);
/* Fails with "<epath>: expected an object, got ..." unless e is an object. */
int rt_json_expect_object(json_t *e, const char *epath, BerthError **err);

/* Parses one element e (named epath in errors) into elem, a zeroed slot of
 * the array being filled. */
typedef int (*RtJsonElemParser)(json_t *e, const char *epath, void *elem, void *userdata,
                                BerthError **err);
/* Reads the optional array member key, allocates *ret with one zeroed element
 * of elem_size per item (*n of them) and calls parse on each, in order.
 * rt_json_parse_objects first rejects an element that is not an object.
 * Returns 1 when present and non-empty, 0 when absent or empty. On failure
 * *ret and *n stay set so the caller's free releases partial results. */
int rt_json_parse_objects(json_t *obj, const char *path, const char *key, size_t elem_size,
                          void **ret, size_t *n, RtJsonElemParser parse, void *userdata,
                          BerthError **err);
int rt_json_parse_array(json_t *obj, const char *path, const char *key, size_t elem_size,
                        void **ret, size_t *n, RtJsonElemParser parse, void *userdata,
                        BerthError **err);

int rt_parse_idmaps(json_t *obj, const char *path, const char *key, RtIdMap **ret, size_t *n,
                    BerthError **err);
/* An object of string values ("annotations", "linux.sysctl", "unified"). */
int rt_parse_string_map(json_t *obj, const char *path, const char *key, RtKeyValue **ret, size_t *n,
                        BerthError **err);
void rt_keyvalues_free(RtKeyValue *kv, size_t n);

int rt_oom(BerthError **err);
/* A copy of s fit for a one-line message: control characters become '?',
 * long values are cut. Points into a per-thread buffer valid until the next
 * call, so use it once per message. */
const char *rt_show(const char *s);
/* The same for a single character. */
char rt_show_char(char c);

/* Parses the members of "process" into p (already zeroed, owned by caller). */
int rt_process_parse_into(json_t *obj, const char *path, RtProcess *p, BerthError **err);
void rt_process_clear(RtProcess *p);

/* Parses "linux" into l; resources and seccomp have their own files. */
int rt_linux_parse(json_t *obj, const char *path, RtLinux *l, BerthError **err);
void rt_linux_clear(RtLinux *l);
int rt_resources_parse(json_t *obj, const char *path, RtResources *r, BerthError **err);
void rt_resources_clear(RtResources *r);
int rt_seccomp_parse(json_t *obj, const char *path, RtSeccomp **ret, BerthError **err);
RtSeccomp *rt_seccomp_free(RtSeccomp *s);
