#include "common/json.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/strv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

char *json_path_join(const char *path, const char *key)
{
        char *s = NULL;
        if (!path || !*path)
                return strdup(key);
        if (asprintf(&s, "%s.%s", path, key) < 0)
                return NULL;
        return s;
}

char *json_path_index(const char *path, size_t index)
{
        char *s = NULL;
        if (asprintf(&s, "%s[%zu]", path ? path : "", index) < 0)
                return NULL;
        return s;
}

const char *json_type_name(const json_t *j)
{
        switch (json_typeof(j)) {
        case JSON_OBJECT:
                return "an object";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
                return "an integer";
        case JSON_REAL:
                return "a number";
        case JSON_TRUE:
        case JSON_FALSE:
                return "a boolean";
        case JSON_NULL:
                return "null";
        }
        return "unknown";
}

int json_parse_buffer(const char *buf, size_t len, const char *what, json_t **ret, BerthError **err)
{
        json_error_t je;
        json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
        if (!j)
                return error_set(err, EINVAL, "%s: invalid JSON at line %d column %d: %s", what,
                                 je.line, je.column, je.text);
        *ret = j;
        return 0;
}

int json_load_path(const char *path, const char *what, json_t **ret, BerthError **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = read_file(path, &buf, &len, err);
        if (r < 0)
                return r;
        return json_parse_buffer(buf, len, what ? what : path, ret, err);
}

int json_dump_file_atomic(const char *path, json_t *j, BerthError **err)
{
        _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
        if (!s)
                return error_set(err, ENOMEM, "serialise '%s'", path);
        return write_file_atomic(path, s, strlen(s), 0644, err);
}

int json_dump_file_replace(const char *path, json_t *j, BerthError **err)
{
        _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
        if (!s)
                return error_set(err, ENOMEM, "serialise '%s'", path);
        return write_file_replace(path, s, strlen(s), 0644, err);
}

static int lookup(json_t *obj, const char *path, const char *key, bool required, json_t **ret,
                  BerthError **err)
{
        json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
        if (!v || json_is_null(v)) {
                if (required) {
                        _cleanup_free_ char *p = json_path_join(path, key);
                        return error_set(err, EINVAL, "%s: required field is missing", p ? p : key);
                }
                return 0;
        }
        *ret = v;
        return 1;
}

static int type_error(const char *path, const char *key, const char *expected, json_t *got,
                      BerthError **err)
{
        _cleanup_free_ char *p = json_path_join(path, key);
        return error_set(err, EINVAL, "%s: expected %s, got %s", p ? p : key, expected,
                         json_type_name(got));
}

int json_get_string(json_t *obj, const char *path, const char *key, bool required, const char **ret,
                    BerthError **err)
{
        json_t *v;
        int r = lookup(obj, path, key, required, &v, err);
        if (r <= 0)
                return r;
        if (!json_is_string(v))
                return type_error(path, key, "a string", v, err);
        *ret = json_string_value(v);
        return 1;
}

int json_get_bool(json_t *obj, const char *path, const char *key, bool required, bool *ret,
                  BerthError **err)
{
        json_t *v;
        int r = lookup(obj, path, key, required, &v, err);
        if (r <= 0)
                return r;
        if (!json_is_boolean(v))
                return type_error(path, key, "a boolean", v, err);
        *ret = json_is_true(v);
        return 1;
}

int json_get_int64(json_t *obj, const char *path, const char *key, bool required, int64_t *ret,
                   BerthError **err)
{
        json_t *v;
        int r = lookup(obj, path, key, required, &v, err);
        if (r <= 0)
                return r;
        if (!json_is_integer(v))
                return type_error(path, key, "an integer", v, err);
        *ret = (int64_t)json_integer_value(v);
        return 1;
}

int json_get_uint64(json_t *obj, const char *path, const char *key, bool required, uint64_t max,
                    uint64_t *ret, BerthError **err)
{
        json_t *v;
        int r = lookup(obj, path, key, required, &v, err);
        if (r <= 0)
                return r;
        if (!json_is_integer(v))
                return type_error(path, key, "a non-negative integer", v, err);
        json_int_t i = json_integer_value(v);
        if (i < 0 || (uint64_t)i > max) {
                _cleanup_free_ char *p = json_path_join(path, key);
                return error_set(err, EINVAL, "%s: %" PRId64 " is out of range (0 to %" PRIu64 ")",
                                 p ? p : key, (int64_t)i, max);
        }
        *ret = (uint64_t)i;
        return 1;
}

int json_get_object(json_t *obj, const char *path, const char *key, bool required, json_t **ret,
                    BerthError **err)
{
        json_t *v;
        int r = lookup(obj, path, key, required, &v, err);
        if (r <= 0)
                return r;
        if (!json_is_object(v))
                return type_error(path, key, "an object", v, err);
        *ret = v;
        return 1;
}

int json_get_array(json_t *obj, const char *path, const char *key, bool required, json_t **ret,
                   BerthError **err)
{
        json_t *v;
        int r = lookup(obj, path, key, required, &v, err);
        if (r <= 0)
                return r;
        if (!json_is_array(v))
                return type_error(path, key, "an array", v, err);
        *ret = v;
        return 1;
}

int json_get_strv(json_t *obj, const char *path, const char *key, bool required, bool non_empty,
                  char ***ret, BerthError **err)
{
        json_t *v;
        int r = lookup(obj, path, key, required, &v, err);
        if (r <= 0)
                return r;
        const char *what = non_empty ? "a non-empty array of strings" : "an array of strings";
        if (!json_is_array(v) || (non_empty && json_array_size(v) == 0)) {
                _cleanup_free_ char *p = json_path_join(path, key);
                return error_set(err, EINVAL, "%s: expected %s", p ? p : key, what);
        }
        _cleanup_strv_free_ char **out = calloc(json_array_size(v) + 1, sizeof(char *));
        if (!out)
                return error_set(err, ENOMEM, "out of memory");
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
                if (!json_is_string(e)) {
                        _cleanup_free_ char *p = json_path_join(path, key);
                        return error_set(err, EINVAL, "%s[%zu]: expected a string, got %s",
                                         p ? p : key, i, json_type_name(e));
                }
                out[i] = strdup(json_string_value(e));
                if (!out[i])
                        return error_set(err, ENOMEM, "out of memory");
        }
        *ret = TAKE_PTR(out);
        return 1;
}
