/* The JSON views of the store: GET /images/json (ImageSummary), inspect
 * (ImageInspect), history (HistoryResponseItem) and the /info counts. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"
#include "image/store_internal.h"

typedef struct Row {
        char id[IMG_DIGEST_LEN + 1];
        char top_chain[IMG_DIGEST_LEN + 1];
        char *created; /* config's, may be NULL */
        char *parent;
        char *last_tag_time;
        int64_t size;
        int64_t added;
} Row;

static void rows_free(Row *rows, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(rows[i].created);
                free(rows[i].parent);
                free(rows[i].last_tag_time);
        }
        free(rows);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
        const unsigned char *t = sqlite3_column_text(st, i);
        return t ? strdup((const char *)t) : NULL;
}

/* All image rows (id NULL) or one. db_lock is the caller's. */
static int load_rows(ImgStore *s, const char *id, Row **ret, size_t *ret_n, BerthError **err)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = store_db_prepare(s,
                                 id ? "SELECT id, top_chain, created, parent, last_tag_time, size,"
                                      " added FROM img_images WHERE id = ?"
                                    : "SELECT id, top_chain, created, parent, last_tag_time, size,"
                                      " added FROM img_images",
                                 &st, err);
        if (r < 0)
                return r;
        if (id)
                sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        Row *rows = NULL;
        size_t n = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                Row *nr = realloc(rows, (n + 1) * sizeof(*rows));
                if (!nr) {
                        rows_free(rows, n);
                        return error_set(err, ENOMEM, "out of memory");
                }
                rows = nr;
                Row *row = &rows[n++];
                *row = (Row){0};
                snprintf(row->id, sizeof(row->id), "%s", (const char *)sqlite3_column_text(st, 0));
                snprintf(row->top_chain, sizeof(row->top_chain), "%s",
                         (const char *)sqlite3_column_text(st, 1));
                row->created = col_dup(st, 2);
                row->parent = col_dup(st, 3);
                row->last_tag_time = col_dup(st, 4);
                row->size = sqlite3_column_int64(st, 5);
                row->added = sqlite3_column_int64(st, 6);
        }
        if (rc != SQLITE_DONE) {
                rows_free(rows, n);
                return store_db_error(s, "list images", err);
        }
        *ret = rows;
        *ret_n = n;
        return 0;
}

static int64_t row_created(const Row *r)
{
        if (r->created && *r->created)
                return store_parse_time(r->created);
        return r->added / 1000000000;
}

static bool has_children(ImgStore *s, const char *id)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        if (store_db_prepare(s, "SELECT 1 FROM img_images WHERE parent = ? LIMIT 1", &st, NULL) < 0)
                return false;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        return sqlite3_step(st) == SQLITE_ROW;
}

/* Docker's reference.FamiliarMatch: the familiar string, then the
 * familiar name, against a path.Match pattern. */
static bool familiar_match(const char *pattern, const char *full)
{
        _cleanup_reference_ ImgReference *ref = NULL;
        if (img_reference_parse_normalized(full, &ref, NULL) < 0)
                return false;
        _cleanup_free_ char *fs = img_reference_familiar_string(ref);
        _cleanup_free_ char *fn = img_reference_familiar_name(ref);
        return (fs && fnmatch(pattern, fs, FNM_PATHNAME) == 0) ||
               (fn && fnmatch(pattern, fn, FNM_PATHNAME) == 0);
}

/* The image's tags and digests in familiar form; patterns (optional)
 * keep only matching references. */
static int image_refs_json(ImgStore *s, const char *id, char **patterns, json_t **ret_tags,
                           json_t **ret_digests, BerthError **err)
{
        _cleanup_strv_free_ char **refs = NULL;
        int r = store_db_image_refs(s, id, &refs, err);
        if (r < 0)
                return r;
        json_t *tags = json_array(), *digests = json_array();
        STRV_FOREACH(ref, refs)
        {
                if (patterns) {
                        bool found = false;
                        STRV_FOREACH(p, patterns)
                        if (familiar_match(*p, *ref)) {
                                found = true;
                                break;
                        }
                        if (!found)
                                continue;
                }
                _cleanup_free_ char *fam = store_familiar(*ref);
                json_array_append_new(strchr(*ref, '@') ? digests : tags, json_string(fam));
        }
        *ret_tags = tags;
        *ret_digests = digests;
        return 0;
}

/* Values of one filter key: {"k": {"v": true}} or {"k": ["v"]}. */
char **store_filter_values(json_t *filters, const char *key)
{
        json_t *v = filters ? json_object_get(filters, key) : NULL;
        if (!v)
                return NULL;
        char **out = calloc(1, sizeof(char *));
        if (json_is_array(v)) {
                size_t i;
                json_t *x;
                json_array_foreach(v, i, x) if (json_is_string(x))
                    strv_append(&out, json_string_value(x));
        } else if (json_is_object(v)) {
                const char *k;
                json_t *x;
                json_object_foreach(v, k, x) if (json_is_true(x)) strv_append(&out, k);
        } else if (json_is_string(v)) {
                strv_append(&out, json_string_value(v));
        }
        return out;
}

int store_check_filter_keys(json_t *filters, const char *const *allowed, BerthError **err)
{
        if (!filters)
                return 0;
        const char *k;
        json_t *v;
        json_object_foreach(filters, k, v)
        {
                bool ok = false;
                for (size_t i = 0; allowed[i]; i++)
                        if (STREQ(k, allowed[i]))
                                ok = true;
                if (!ok)
                        return error_set(err, EINVAL, "invalid filter '%s'", k);
        }
        return 0;
}

/* 1 when the image's labels satisfy every "key" or "key=value". */
static bool labels_match(json_t *labels, char **want)
{
        STRV_FOREACH(w, want)
        {
                const char *eq = strchr(*w, '=');
                _cleanup_free_ char *key = eq ? strndup(*w, (size_t)(eq - *w)) : strdup(*w);
                json_t *v = json_object_get(labels, key);
                if (!v)
                        return false;
                if (eq && (!json_is_string(v) || !STREQ(json_string_value(v), eq + 1)))
                        return false;
        }
        return true;
}

bool store_config_labels_match(json_t *config, char **want)
{
        return labels_match(json_object_get(json_object_get(config, "config"), "Labels"), want);
}

static int filter_time(ImgStore *s, char **names, const char *what, int64_t *ret, BerthError **err)
{
        if (!names || !names[0])
                return 0;
        char id[IMG_DIGEST_LEN + 1];
        int r = store_resolve(s, names[0], id, NULL, err);
        if (r < 0)
                return r;
        Row *rows = NULL;
        size_t n = 0;
        r = load_rows(s, id, &rows, &n, err);
        if (r < 0)
                return r;
        if (n == 1)
                *ret = row_created(&rows[0]);
        rows_free(rows, n);
        return 1;
}

static int cmp_created_desc(const void *a, const void *b)
{
        const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
        json_int_t cx = json_integer_value(json_object_get(x, "Created"));
        json_int_t cy = json_integer_value(json_object_get(y, "Created"));
        if (cx != cy)
                return cx < cy ? 1 : -1;
        return strcmp(json_string_value(json_object_get(x, "Id")),
                      json_string_value(json_object_get(y, "Id")));
}

int img_store_list(ImgStore *s, bool all, json_t *filters, json_t **ret, BerthError **err)
{
        static const char *const allowed[] = {"dangling",  "label", "before", "since",
                                              "reference", "until", NULL};
        int r = store_check_filter_keys(filters, allowed, err);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **dangling = store_filter_values(filters, "dangling");
        _cleanup_strv_free_ char **labels = store_filter_values(filters, "label");
        _cleanup_strv_free_ char **before = store_filter_values(filters, "before");
        _cleanup_strv_free_ char **since = store_filter_values(filters, "since");
        _cleanup_strv_free_ char **refs = store_filter_values(filters, "reference");
        int dangling_only = -1; /* -1: no filter */
        if (dangling && dangling[0]) {
                if (STREQ(dangling[0], "true") || STREQ(dangling[0], "1"))
                        dangling_only = 1;
                else if (STREQ(dangling[0], "false") || STREQ(dangling[0], "0"))
                        dangling_only = 0;
                else
                        return error_set(err, EINVAL,
                                         "Invalid filter 'dangling=%s': must be 'true' or 'false'",
                                         dangling[0]);
        }
        Row *rows = NULL;
        size_t n = 0;
        int64_t before_t = 0, since_t = 0;
        int has_before = 0, has_since = 0;
        _cleanup_json_ json_t *out = json_array();
        {
                STORE_LOCKED(s);
                has_before = filter_time(s, before, "before", &before_t, err);
                if (has_before < 0)
                        return has_before;
                has_since = filter_time(s, since, "since", &since_t, err);
                if (has_since < 0)
                        return has_since;
                r = load_rows(s, NULL, &rows, &n, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i++) {
                        Row *row = &rows[i];
                        int64_t created = row_created(row);
                        if (has_before && created >= before_t)
                                continue;
                        if (has_since && created <= since_t)
                                continue;
                        json_t *tags = NULL, *digests = NULL;
                        r = image_refs_json(s, row->id, refs && refs[0] ? refs : NULL, &tags,
                                            &digests, err);
                        if (r < 0)
                                break;
                        bool untagged = json_array_size(tags) == 0 && json_array_size(digests) == 0;
                        bool skip = false;
                        if (untagged) {
                                if (!all && has_children(s, row->id))
                                        skip = true;
                                if (dangling_only == 0 || (refs && refs[0]))
                                        skip = true;
                        } else if (dangling_only == 1) {
                                skip = true;
                        }
                        if (skip) {
                                json_decref(tags);
                                json_decref(digests);
                                continue;
                        }
                        json_t *item = json_pack(
                            "{s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:I,s:I}", "Id", row->id, "ParentId",
                            row->parent ? row->parent : "", "RepoTags", tags, "RepoDigests",
                            digests, "Created", (json_int_t)created, "Size", (json_int_t)row->size,
                            "SharedSize", (json_int_t)-1, "VirtualSize", (json_int_t)row->size,
                            "Containers", (json_int_t)-1);
                        json_array_append_new(out, item);
                }
        }
        if (r < 0) {
                rows_free(rows, n);
                return r;
        }
        /* Labels come from the configs (outside the db lock). */
        _cleanup_json_ json_t *kept = json_array();
        size_t i;
        json_t *item;
        json_array_foreach(out, i, item)
        {
                _cleanup_json_ json_t *cfg = NULL;
                const char *id = json_string_value(json_object_get(item, "Id"));
                if (store_read_config(s, id, &cfg, NULL, NULL) < 0)
                        continue; /* removed meanwhile */
                json_t *l = json_object_get(json_object_get(cfg, "config"), "Labels");
                if (labels && labels[0] && !labels_match(l, labels))
                        continue;
                json_object_set_new(item, "Labels",
                                    json_is_object(l) ? json_deep_copy(l) : json_object());
                json_array_append(kept, item);
        }
        rows_free(rows, n);
        size_t m = json_array_size(kept);
        _cleanup_free_ json_t **v = calloc(m ? m : 1, sizeof(json_t *));
        if (!v)
                return error_set(err, ENOMEM, "out of memory");
        for (size_t k = 0; k < m; k++)
                v[k] = json_array_get(kept, k);
        qsort(v, m, sizeof(json_t *), cmp_created_desc);
        json_t *sorted = json_array();
        for (size_t k = 0; k < m; k++)
                json_array_append(sorted, v[k]);
        *ret = sorted;
        return 0;
}

/* The config with Docker's inspect defaults for absent fields. */
static json_t *inspect_config(json_t *cfg)
{
        json_t *c = json_object_get(cfg, "config");
        json_t *out = json_is_object(c) ? json_deep_copy(c) : json_object();
        static const char *const strs[] = {"Hostname", "Domainname", "User",
                                           "Image",    "WorkingDir", NULL};
        static const char *const bools[] = {
            "AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce", NULL};
        static const char *const nulls[] = {"Env",     "Cmd",    "Volumes", "Entrypoint",
                                            "OnBuild", "Labels", NULL};
        for (size_t i = 0; strs[i]; i++)
                if (!json_object_get(out, strs[i]))
                        json_object_set_new(out, strs[i], json_string(""));
        for (size_t i = 0; bools[i]; i++)
                if (!json_object_get(out, bools[i]))
                        json_object_set_new(out, bools[i], json_false());
        for (size_t i = 0; nulls[i]; i++)
                if (!json_object_get(out, nulls[i]))
                        json_object_set_new(out, nulls[i], json_null());
        return out;
}

static json_t *str_or_empty(json_t *cfg, const char *key)
{
        json_t *v = json_object_get(cfg, key);
        return json_string(json_is_string(v) ? json_string_value(v) : "");
}

int img_store_inspect(ImgStore *s, const char *name, json_t **ret, BerthError **err)
{
        char id[IMG_DIGEST_LEN + 1];
        Row *rows = NULL;
        size_t n = 0;
        json_t *tags = NULL, *digests = NULL;
        _cleanup_free_ StoreLayer *layers = NULL;
        size_t n_layers = 0;
        {
                STORE_LOCKED(s);
                int r = store_resolve(s, name, id, NULL, err);
                if (r >= 0)
                        r = load_rows(s, id, &rows, &n, err);
                if (r >= 0 && n != 1)
                        r = error_set(err, ENOENT, "No such image: %s", name);
                if (r >= 0)
                        r = image_refs_json(s, id, NULL, &tags, &digests, err);
                if (r >= 0)
                        r = store_db_image_layers(s, id, &layers, &n_layers, err);
                if (r < 0) {
                        rows_free(rows, n);
                        json_decref(tags);
                        json_decref(digests);
                        return r;
                }
        }
        _cleanup_json_ json_t *cfg = NULL;
        int r = store_read_config(s, id, &cfg, NULL, err);
        if (r < 0) {
                rows_free(rows, n);
                json_decref(tags);
                json_decref(digests);
                return r;
        }
        Row *row = &rows[0];
        json_t *o = json_object();
        json_object_set_new(o, "Id", json_string(id));
        json_object_set_new(o, "RepoTags", tags);
        json_object_set_new(o, "RepoDigests", digests);
        json_object_set_new(o, "Parent", json_string(row->parent ? row->parent : ""));
        json_object_set_new(o, "Comment", str_or_empty(cfg, "comment"));
        json_object_set_new(o, "Created", str_or_empty(cfg, "created"));
        json_object_set_new(o, "DockerVersion", str_or_empty(cfg, "docker_version"));
        json_object_set_new(o, "Author", str_or_empty(cfg, "author"));
        json_object_set_new(o, "Config", inspect_config(cfg));
        json_object_set_new(o, "Architecture", str_or_empty(cfg, "architecture"));
        json_t *variant = json_object_get(cfg, "variant");
        if (json_is_string(variant) && *json_string_value(variant))
                json_object_set(o, "Variant", variant);
        json_object_set_new(o, "Os", str_or_empty(cfg, "os"));
        json_t *osv = json_object_get(cfg, "os.version");
        if (json_is_string(osv) && *json_string_value(osv))
                json_object_set(o, "OsVersion", osv);
        json_object_set_new(o, "Size", json_integer(row->size));
        json_object_set_new(o, "VirtualSize", json_integer(row->size));

        json_t *data = json_object();
        bool overlay = STREQ(img_store_driver_name(s), "overlay2");
        if (overlay && n_layers > 0) {
                _cleanup_free_ char *top = NULL;
                if (img_layerstore_diff_path(s->layers, layers[n_layers - 1].chain_id, &top,
                                             NULL) >= 0) {
                        json_object_set_new(data, "UpperDir", json_string(top));
                        _cleanup_free_ char *work = strdup(top);
                        char *slash = work ? strrchr(work, '/') : NULL;
                        if (slash) {
                                strcpy(slash + 1, "work");
                                json_object_set_new(data, "WorkDir", json_string(work));
                        }
                }
                char *lower = NULL;
                for (size_t i = n_layers - 1; i > 0; i--) {
                        _cleanup_free_ char *p = NULL;
                        if (img_layerstore_diff_path(s->layers, layers[i - 1].chain_id, &p, NULL) <
                            0)
                                continue;
                        char *nl = NULL;
                        if (asprintf(&nl, "%s%s%s", lower ? lower : "", lower ? ":" : "", p) < 0)
                                break;
                        free(lower);
                        lower = nl;
                }
                if (lower)
                        json_object_set_new(data, "LowerDir", json_string(lower));
                free(lower);
        } else if (n_layers > 0) {
                _cleanup_free_ char *top = NULL;
                if (img_layerstore_diff_path(s->layers, layers[n_layers - 1].chain_id, &top,
                                             NULL) >= 0)
                        json_object_set_new(data, "Dir", json_string(top));
        }
        json_object_set_new(o, "GraphDriver",
                            json_pack("{s:o,s:s}", "Data", data, "Name", img_store_driver_name(s)));
        json_t *diffs = json_array();
        for (size_t i = 0; i < n_layers; i++)
                json_array_append_new(diffs, json_string(layers[i].diff_id));
        json_object_set_new(o, "RootFS", json_pack("{s:s,s:o}", "Type", "layers", "Layers", diffs));
        json_t *meta = json_object();
        if (row->last_tag_time)
                json_object_set_new(meta, "LastTagTime", json_string(row->last_tag_time));
        else
                json_object_set_new(meta, "LastTagTime", json_string("0001-01-01T00:00:00Z"));
        json_object_set_new(o, "Metadata", meta);
        rows_free(rows, n);
        *ret = o;
        return 0;
}

int img_store_history(ImgStore *s, const char *name, json_t **ret, BerthError **err)
{
        char id[IMG_DIGEST_LEN + 1];
        _cleanup_free_ StoreLayer *layers = NULL;
        size_t n_layers = 0;
        json_t *tags = NULL, *digests = NULL;
        {
                STORE_LOCKED(s);
                int r = store_resolve(s, name, id, NULL, err);
                if (r >= 0)
                        r = store_db_image_layers(s, id, &layers, &n_layers, err);
                if (r >= 0)
                        r = image_refs_json(s, id, NULL, &tags, &digests, err);
                if (r < 0)
                        return r;
        }
        json_decref(digests);
        _cleanup_json_ json_t *cfg = NULL;
        int r = store_read_config(s, id, &cfg, NULL, err);
        if (r < 0) {
                json_decref(tags);
                return r;
        }
        json_t *hist = json_object_get(cfg, "history");
        json_t *out = json_array();
        size_t layer = 0, i;
        json_t *h;
        json_array_foreach(hist, i, h)
        {
                int64_t size = 0;
                if (!json_is_true(json_object_get(h, "empty_layer"))) {
                        if (layer >= n_layers) {
                                json_decref(out);
                                json_decref(tags);
                                return error_set(err, EINVAL,
                                                 "image %s: history lists more layers than the "
                                                 "image has",
                                                 id);
                        }
                        size = (int64_t)layers[layer++].size;
                }
                json_t *created = json_object_get(h, "created");
                json_t *item = json_pack("{s:s,s:I,s:o,s:n,s:I,s:o}", "Id", "<missing>", "Created",
                                         (json_int_t)store_parse_time(json_string_value(created)),
                                         "CreatedBy", str_or_empty(h, "created_by"), "Tags", "Size",
                                         (json_int_t)size, "Comment", str_or_empty(h, "comment"));
                json_array_insert_new(out, 0, item);
        }
        json_t *top = json_array_get(out, 0);
        if (top) {
                json_object_set_new(top, "Id", json_string(id));
                json_object_set_new(top, "Tags",
                                    json_array_size(tags) ? json_incref(tags) : json_null());
        }
        json_decref(tags);
        *ret = out;
        return 0;
}

int img_store_counts(ImgStore *s, uint64_t *ret_images, uint64_t *ret_layer_bytes, BerthError **err)
{
        STORE_LOCKED(s);
        _cleanup_stmt_ sqlite3_stmt *a = NULL, *b = NULL;
        int r = store_db_prepare(s, "SELECT COUNT(*) FROM img_images", &a, err);
        if (r < 0)
                return r;
        r = store_db_prepare(s,
                             "SELECT COALESCE(SUM(size), 0) FROM (SELECT DISTINCT chain_id, size"
                             " FROM img_image_layers)",
                             &b, err);
        if (r < 0)
                return r;
        if (sqlite3_step(a) != SQLITE_ROW || sqlite3_step(b) != SQLITE_ROW)
                return store_db_error(s, "count images", err);
        if (ret_images)
                *ret_images = (uint64_t)sqlite3_column_int64(a, 0);
        if (ret_layer_bytes)
                *ret_layer_bytes = (uint64_t)sqlite3_column_int64(b, 0);
        return 0;
}
