/* Typed readers shared by the config.json parser. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "runtime/spec_internal.h"

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
        int r = json_get_int64(obj, path, key, false, &v, err);
        if (r <= 0)
                return r;
        ret->set = true;
        ret->value = v;
        return 1;
}

int rt_json_opt_uint(json_t *obj, const char *path, const char *key, uint64_t max, RtOpt *ret,
                     BerthError **err)
{
        uint64_t v;
        /* RtOpt holds an int64: larger values cannot come from jansson anyway. */
        if (max > INT64_MAX)
                max = INT64_MAX;
        int r = json_get_uint64(obj, path, key, false, max, &v, err);
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
        int r = json_get_uint64(obj, path, key, required, UINT32_MAX, &v, err);
        if (r <= 0)
                return r;
        *ret = (uint32_t)v;
        return 1;
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

int rt_parse_idmaps(json_t *obj, const char *path, const char *key, RtIdMap **ret, size_t *n,
                    BerthError **err)
{
        json_t *arr;
        int r =
            rt_json_alloc_array(obj, path, key, false, sizeof(RtIdMap), (void **)ret, n, &arr, err);
        if (r <= 0 || !arr)
                return r;
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e)
        {
                _cleanup_free_ char *ep = rt_json_elem_path(path, key, i);
                if (!ep)
                        return rt_oom(err);
                if (rt_json_expect_object(e, ep, err) < 0 ||
                    rt_json_get_uint32(e, ep, "containerID", true, &(*ret)[i].container_id, err) <
                        0 ||
                    rt_json_get_uint32(e, ep, "hostID", true, &(*ret)[i].host_id, err) < 0 ||
                    rt_json_get_uint32(e, ep, "size", true, &(*ret)[i].size, err) < 0)
                        return -EINVAL;
        }
        return 1;
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
