/* JSON helpers over jansson. Getters name the field in their errors:
 * "process.args: expected an array of strings". `path` is the dotted path of
 * `obj` itself ("" or NULL at the top), `key` is the member to read.
 * Getters return 1 when the member was present, 0 when it was absent and not
 * required (the out-value is left alone), -EINVAL otherwise. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* "what" names the document in errors ("config.json"). */
int json_load_path(const char *path, const char *what, json_t **ret, BerthError **err);
int json_parse_buffer(const char *buf, size_t len, const char *what, json_t **ret,
                      BerthError **err);
int json_dump_file_atomic(const char *path, json_t *j, BerthError **err);
/* The same through write_file_replace (no fsync; see fileutil.h). */
int json_dump_file_replace(const char *path, json_t *j, BerthError **err);

int json_get_string(json_t *obj, const char *path, const char *key, bool required, const char **ret,
                    BerthError **err);
int json_get_bool(json_t *obj, const char *path, const char *key, bool required, bool *ret,
                  BerthError **err);
int json_get_int64(json_t *obj, const char *path, const char *key, bool required, int64_t *ret,
                   BerthError **err);
/* Rejects negatives and values above max. */
int json_get_uint64(json_t *obj, const char *path, const char *key, bool required, uint64_t max,
                    uint64_t *ret, BerthError **err);
/* Returns a borrowed reference. */
int json_get_object(json_t *obj, const char *path, const char *key, bool required, json_t **ret,
                    BerthError **err);
int json_get_array(json_t *obj, const char *path, const char *key, bool required, json_t **ret,
                   BerthError **err);
/* A NULL-terminated copy of an array of strings. non_empty rejects []. */
int json_get_strv(json_t *obj, const char *path, const char *key, bool required, bool non_empty,
                  char ***ret, BerthError **err);

/* "a.b" from path and key; "key" when path is empty. Caller frees. */
char *json_path_join(const char *path, const char *key);
/* "a.b[3]". Caller frees. */
char *json_path_index(const char *path, size_t index);
const char *json_type_name(const json_t *j);

static inline void berth_json_unrefp(json_t **j)
{
        json_decref(*j);
        *j = NULL;
}
#define _cleanup_json_ __attribute__((cleanup(berth_json_unrefp)))
