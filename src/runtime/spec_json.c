/* Typed readers shared by the config.json parser. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "runtime/spec_internal.h"

/* Integers above INT64_MAX that jansson cannot hold are turned into this
 * string by rt_spec_parse_text (a control character cannot come from a
 * valid JSON string without an escape, so a real value is never taken for
 * it by accident). */
#define BIG_UINT_MARK "\001u64:"

static int big_uint(json_t *v, uint64_t *ret)
{
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        if (!s || strncmp(s, BIG_UINT_MARK, strlen(BIG_UINT_MARK)) != 0)
                return -EINVAL;
        char *end = NULL;
        errno = 0;
        unsigned long long u = strtoull(s + strlen(BIG_UINT_MARK), &end, 10);
        if (errno || !end || *end)
                return -EINVAL;
        *ret = u;
        return 0;
}

int rt_oom(BerthError **err)
{
        return error_set(err, ENOMEM, "out of memory");
}

const char *rt_show(const char *s)
{
        static __thread char buf[132];
        size_t n = 0;
        for (; s && *s && n < 128; s++, n++)
                buf[n] = rt_show_char(*s);
        if (s && *s) {
                memcpy(buf + n, "...", 3);
                n += 3;
        }
        buf[n] = '\0';
        return buf;
}

char rt_show_char(char c)
{
        return (unsigned char)c < 0x20 || c == 0x7f ? '?' : c;
}

int rt_json_dup_string(json_t *obj, const char *path, const char *key, bool required, char **ret,
                       BerthError **err)
{
        const char *s = NULL;
        int r = json_get_string(obj, path, key, required, &s, err);
        if (r <= 0)
                return r;
        char *copy = strdup(s);
        if (!copy)
                return rt_oom(err);
        free(*ret);
        *ret = copy;
        return 1;
}

int rt_json_opt_int64(json_t *obj, const char *path, const char *key, RtOpt *ret, BerthError **err)
{
        int64_t v;
        json_t *j = json_is_object(obj) ? json_object_get(obj, key) : NULL;
        if (j && rt_json_is_big_uint(j)) {
                _cleanup_free_ char *p = json_path_join(path, key);
                return error_set(err, EINVAL, "%s: %s is out of range (%" PRId64 " to %" PRId64 ")",
                                 p ? p : key, json_string_value(j) + strlen(BIG_UINT_MARK),
                                 INT64_MIN, INT64_MAX);
        }
        int r = json_get_int64(obj, path, key, false, &v, err);
        if (r <= 0)
                return r;
        ret->set = true;
        ret->value = v;
        return 1;
}

int rt_json_get_uint64(json_t *obj, const char *path, const char *key, bool required, uint64_t max,
                       uint64_t *ret, BerthError **err)
{
        json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
        uint64_t u;
        if (!v || big_uint(v, &u) < 0)
                return json_get_uint64(obj, path, key, required, max, ret, err);
        if (u > max) {
                _cleanup_free_ char *p = json_path_join(path, key);
                return error_set(err, EINVAL, "%s: %" PRIu64 " is out of range (0 to %" PRIu64 ")",
                                 p ? p : key, u, max);
        }
        *ret = u;
        return 1;
}

bool rt_json_is_big_uint(json_t *v)
{
        uint64_t u;
        return big_uint(v, &u) == 0;
}

int rt_json_opt_uint(json_t *obj, const char *path, const char *key, uint64_t max, RtOpt *ret,
                     BerthError **err)
{
        uint64_t v;
        /* RtOpt holds an int64: larger values cannot come from jansson anyway. */
        if (max > INT64_MAX)
                max = INT64_MAX;
        int r = rt_json_get_uint64(obj, path, key, false, max, &v, err);
        if (r <= 0)
                return r;
        ret->set = true;
        ret->value = (int64_t)v;
        return 1;
}

int rt_json_get_uint32(json_t *obj, const char *path, const char *key, bool required, uint32_t *ret,
                       BerthError **err)
{
        uint64_t v;
        int r = rt_json_get_uint64(obj, path, key, required, UINT32_MAX, &v, err);
        if (r <= 0)
                return r;
        *ret = (uint32_t)v;
        return 1;
}

int rt_json_sub_object(json_t *obj, const char *path, const char *key, json_t **ret,
                       char **ret_path, BerthError **err)
{
        int r = json_get_object(obj, path, key, false, ret, err);
        if (r <= 0)
                return r;
        *ret_path = json_path_join(path, key);
        return *ret_path ? 1 : rt_oom(err);
}

char *rt_json_elem_path(const char *path, const char *key, size_t i)
{
        _cleanup_free_ char *p = json_path_join(path, key);
        if (!p)
                return NULL;
        return json_path_index(p, i);
}

int rt_json_expect_object(json_t *e, const char *epath, BerthError **err)
{
        if (json_is_object(e))
                return 0;
        return error_set(err, EINVAL, "%s: expected an object, got %s", epath ? epath : "?",
                         json_type_name(e));
}

int rt_json_alloc_array(json_t *obj, const char *path, const char *key, bool required,
                        size_t elem_size, void **ret, size_t *n, json_t **ret_arr, BerthError **err)
{
        json_t *arr = NULL;
        int r = json_get_array(obj, path, key, required, &arr, err);
        if (r < 0)
                return r;
        *ret_arr = NULL;
        if (r == 0 || json_array_size(arr) == 0)
                return r;
        void *a = calloc(json_array_size(arr), elem_size);
        if (!a)
                return rt_oom(err);
        *ret = a;
        *n = json_array_size(arr);
        *ret_arr = arr;
        return 1;
}

static int parse_elems(json_t *obj, const char *path, const char *key, bool objects,
                       size_t elem_size, void **ret, size_t *n, RtJsonElemParser parse,
                       void *userdata, BerthError **err)
{
        json_t *arr;
        int r = rt_json_alloc_array(obj, path, key, false, elem_size, ret, n, &arr, err);
        if (r <= 0 || !arr)
                return r;
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e)
        {
                _cleanup_free_ char *ep = rt_json_elem_path(path, key, i);
                if (!ep)
                        return rt_oom(err);
                if (objects && rt_json_expect_object(e, ep, err) < 0)
                        return -EINVAL;
                r = parse(e, ep, (char *)*ret + i * elem_size, userdata, err);
                if (r < 0)
                        return r;
        }
        return 1;
}

int rt_json_parse_objects(json_t *obj, const char *path, const char *key, size_t elem_size,
                          void **ret, size_t *n, RtJsonElemParser parse, void *userdata,
                          BerthError **err)
{
        return parse_elems(obj, path, key, true, elem_size, ret, n, parse, userdata, err);
}

int rt_json_parse_array(json_t *obj, const char *path, const char *key, size_t elem_size,
                        void **ret, size_t *n, RtJsonElemParser parse, void *userdata,
                        BerthError **err)
{
        return parse_elems(obj, path, key, false, elem_size, ret, n, parse, userdata, err);
}

static int parse_idmap(json_t *e, const char *ep, void *elem, void *userdata, BerthError **err)
{
        (void)userdata;
        RtIdMap *m = elem;
        if (rt_json_get_uint32(e, ep, "containerID", true, &m->container_id, err) < 0 ||
            rt_json_get_uint32(e, ep, "hostID", true, &m->host_id, err) < 0 ||
            rt_json_get_uint32(e, ep, "size", true, &m->size, err) < 0)
                return -EINVAL;
        return 0;
}

int rt_parse_idmaps(json_t *obj, const char *path, const char *key, RtIdMap **ret, size_t *n,
                    BerthError **err)
{
        return rt_json_parse_objects(obj, path, key, sizeof(RtIdMap), (void **)ret, n, parse_idmap,
                                     NULL, err);
}

void rt_keyvalues_free(RtKeyValue *kv, size_t n)
{
        for (size_t i = 0; kv && i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

int rt_parse_string_map(json_t *obj, const char *path, const char *key, RtKeyValue **ret, size_t *n,
                        BerthError **err)
{
        json_t *map = NULL;
        int r = json_get_object(obj, path, key, false, &map, err);
        if (r <= 0 || json_object_size(map) == 0)
                return r;
        _cleanup_free_ char *mp = json_path_join(path, key);
        if (!mp)
                return rt_oom(err);
        RtKeyValue *kv = calloc(json_object_size(map), sizeof(*kv));
        if (!kv)
                return rt_oom(err);
        *ret = kv;
        *n = 0;
        const char *k;
        json_t *v;
        json_object_foreach(map, k, v)
        {
                if (!json_is_string(v))
                        return error_set(err, EINVAL, "%s.%s: expected a string, got %s", mp,
                                         rt_show(k), json_type_name(v));
                kv[*n].key = strdup(k);
                kv[*n].value = strdup(json_string_value(v));
                (*n)++;
                if (!kv[*n - 1].key || !kv[*n - 1].value)
                        return rt_oom(err);
        }
        return 1;
}

/* Copies text, turning every integer literal outside strings that is above
 * INT64_MAX but fits 64 bits into the string BIG_UINT_MARK "digits". */
static char *mark_big_uints(const char *buf, size_t len, size_t *ret_len)
{
        /* a 19-digit number grows by 9 bytes at most: twice the size is plenty */
        char *out = malloc(len * 2 + 1);
        if (!out)
                return NULL;
        size_t o = 0;
        bool in_string = false;
        for (size_t i = 0; i < len;) {
                char c = buf[i];
                if (in_string) {
                        out[o++] = c;
                        i++;
                        if (c == '\\' && i < len)
                                out[o++] = buf[i++];
                        else if (c == '"')
                                in_string = false;
                        continue;
                }
                if (c == '"') {
                        in_string = true;
                        out[o++] = buf[i++];
                        continue;
                }
                if (c < '0' || c > '9' ||
                    (i > 0 && (buf[i - 1] == '-' || buf[i - 1] == '.' ||
                               (buf[i - 1] >= '0' && buf[i - 1] <= '9')))) {
                        out[o++] = buf[i++];
                        continue;
                }
                size_t j = i;
                while (j < len && buf[j] >= '0' && buf[j] <= '9')
                        j++;
                bool plain = j == len || !strchr(".eE", buf[j]);
                size_t digits = j - i;
                if (plain && digits >= 19 && digits <= 20 && buf[i] != '0') {
                        char num[21];
                        memcpy(num, buf + i, digits);
                        num[digits] = '\0';
                        errno = 0;
                        unsigned long long u = strtoull(num, NULL, 10);
                        if (errno == 0 && u > (unsigned long long)INT64_MAX) {
                                o += (size_t)sprintf(out + o, "\"\\u0001u64:%s\"", num);
                                i = j;
                                continue;
                        }
                }
                memcpy(out + o, buf + i, digits);
                o += digits;
                i = j;
        }
        out[o] = '\0';
        *ret_len = o;
        return out;
}

int rt_spec_parse_text(const char *buf, size_t len, const char *what, json_t **ret,
                       BerthError **err)
{
        size_t n = 0;
        _cleanup_free_ char *text = mark_big_uints(buf, len, &n);
        if (!text)
                return rt_oom(err);
        return json_parse_buffer(text, n, what, ret, err);
}

int rt_spec_load_text(const char *path, const char *what, json_t **ret, BerthError **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = read_file(path, &buf, &len, err);
        if (r < 0)
                return r;
        return rt_spec_parse_text(buf, len, what ? what : path, ret, err);
}
