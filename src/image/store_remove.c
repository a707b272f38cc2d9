/* docker tag, docker rmi (Docker's ImageDelete rules and messages), image
 * prune, and the garbage collection of layers and blobs no image uses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"
#include "image/store_internal.h"

/* ---- tag ---- */

int img_store_tag(ImgStore *s, const char *source, const char *target, BerthError **err)
{
        _cleanup_reference_ ImgReference *ref = NULL;
        int r = img_reference_parse_normalized(target, &ref, err);
        if (r < 0)
                return r;
        if (ref->digest)
                return error_set(err, EINVAL, "refusing to create a tag with a digest reference");
        img_reference_tag_name_only(ref);
        _cleanup_free_ char *fam_name = img_reference_familiar_name(ref);
        if (fam_name && STREQ(fam_name, "sha256"))
                return error_set(err, EINVAL,
                                 "refusing to create an ambiguous tag using digest algorithm as "
                                 "name");
        _cleanup_free_ char *full = img_reference_string(ref);
        _cleanup_free_ char *repo = img_reference_name(ref);
        if (!full || !repo)
                return error_set(err, ENOMEM, "out of memory");
        STORE_LOCKED(s);
        char id[IMG_DIGEST_LEN + 1];
        r = store_resolve(s, source, id, NULL, err);
        if (r < 0)
                return r;
        r = store_db_set_ref(s, full, repo, false, id, NULL, err);
        return r < 0 ? r : 0;
}

/* ---- garbage collection ---- */

static int chain_depth(ImgStore *s, const char *chain)
{
        int d = 0;
        char cur[IMG_DIGEST_LEN + 1];
        snprintf(cur, sizeof(cur), "%s", chain);
        while (d < 4096) {
                ImgLayerInfo info;
                if (img_layerstore_get(s->layers, cur, &info, NULL) < 0 || !info.parent[0])
                        break;
                memcpy(cur, info.parent, sizeof(cur));
                d++;
        }
        return d;
}

/* Adds chain and its ancestors to *used. */
static int add_with_ancestors(ImgStore *s, char ***used, const char *chain)
{
        char cur[IMG_DIGEST_LEN + 1];
        snprintf(cur, sizeof(cur), "%s", chain);
        for (int i = 0; *cur && i < 4096; i++) {
                if (strv_contains(*used, cur))
                        break;
                if (strv_append(used, cur) < 0)
                        return -ENOMEM;
                ImgLayerInfo info;
                if (img_layerstore_get(s->layers, cur, &info, NULL) < 0)
                        break;
                memcpy(cur, info.parent, sizeof(cur));
        }
        return 0;
}

static int query_strv(ImgStore *s, const char *sql, char ***v, BerthError **err)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = store_db_prepare(s, sql, &st, err);
        if (r < 0)
                return r;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *t = (const char *)sqlite3_column_text(st, 0);
                if (t && *t && strv_append(v, t) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        if (rc != SQLITE_DONE)
                return store_db_error(s, "query", err);
        return 0;
}

typedef struct Victim {
        char chain[IMG_DIGEST_LEN + 1];
        int depth;
} Victim;

static int cmp_depth_desc(const void *a, const void *b)
{
        const Victim *x = a, *y = b;
        return y->depth - x->depth;
}

int store_gc(ImgStore *s, json_t *deleted, uint64_t *reclaimed, BerthError **err)
{
        _cleanup_strv_free_ char **used_chains = NULL, **container_tops = NULL, **used_blobs = NULL;
        {
                STORE_LOCKED(s);
                int r = query_strv(s, "SELECT DISTINCT chain_id FROM img_image_layers",
                                   &used_chains, err);
                if (r >= 0)
                        r = query_strv(s, "SELECT DISTINCT top_chain FROM img_containers",
                                       &container_tops, err);
                if (r >= 0)
                        r = query_strv(s,
                                       "SELECT id FROM img_images UNION SELECT diff_id FROM "
                                       "img_image_layers UNION SELECT blob FROM img_image_layers",
                                       &used_blobs, err);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(t, container_tops)
        if (add_with_ancestors(s, &used_chains, *t) < 0)
                return error_set(err, ENOMEM, "out of memory");
        /* Layers */
        _cleanup_free_ char *ldir = NULL;
        if (asprintf(&ldir, "%s/layers", s->data_root) < 0)
                return error_set(err, ENOMEM, "out of memory");
        _cleanup_free_ Victim *victims = NULL;
        size_t nv = 0;
        {
                _cleanup_closedir_ DIR *d = opendir(ldir);
                for (struct dirent *de; d && (de = readdir(d));) {
                        if (de->d_name[0] == '.' || strlen(de->d_name) != IMG_SHA256_HEX_LEN)
                                continue;
                        char chain[IMG_DIGEST_LEN + 1];
                        snprintf(chain, sizeof(chain), "sha256:%.64s", de->d_name);
                        if (strv_contains(used_chains, chain))
                                continue;
                        Victim *nvv = realloc(victims, (nv + 1) * sizeof(*victims));
                        if (!nvv)
                                return error_set(err, ENOMEM, "out of memory");
                        victims = nvv;
                        memcpy(victims[nv].chain, chain, sizeof(chain));
                        victims[nv].depth = chain_depth(s, chain);
                        nv++;
                }
        }
        if (nv)
                qsort(victims, nv, sizeof(*victims), cmp_depth_desc);
        for (size_t i = 0; i < nv; i++) {
                ImgLayerInfo info;
                bool have = img_layerstore_get(s->layers, victims[i].chain, &info, NULL) >= 0;
                if (img_layerstore_remove(s->layers, victims[i].chain, NULL) < 0)
                        continue;
                if (deleted)
                        json_array_append_new(deleted,
                                              json_pack("{s:s}", "Deleted", victims[i].chain));
                if (reclaimed && have)
                        *reclaimed += info.size;
        }
        /* Blobs: a config of an image or the content of a used layer. */
        STRV_FOREACH(c, used_chains)
        {
                ImgLayerInfo info;
                if (img_layerstore_get(s->layers, *c, &info, NULL) >= 0 &&
                    !strv_contains(used_blobs, info.diff_id))
                        strv_append(&used_blobs, info.diff_id);
        }
        _cleanup_strv_free_ char **blobs = NULL;
        int r = img_blobstore_list(s->blobs, &blobs, err);
        if (r < 0)
                return r;
        STRV_FOREACH(b, blobs)
        {
                if (strv_contains(used_blobs, *b))
                        continue;
                uint64_t size = 0;
                (void)img_blobstore_size(s->blobs, *b, &size, NULL);
                if (img_blobstore_delete(s->blobs, *b, NULL) >= 0 && reclaimed)
                        *reclaimed += size;
        }
        return 0;
}

/* ---- rmi ---- */

static const char *trunc_id(const char *id)
{
        static __thread char buf[13];
        const char *hex = strchr(id, ':') ? strchr(id, ':') + 1 : id;
        snprintf(buf, sizeof(buf), "%.12s", hex);
        return buf;
}

static bool is_image_id_prefix(const char *image_id, const char *possible)
{
        if (strncmp(image_id, possible, strlen(possible)) == 0)
                return true;
        const char *c = strchr(image_id, ':');
        return c && strncmp(c + 1, possible, strlen(possible)) == 0;
}

static bool is_canonical(const char *ref)
{
        return strchr(ref, '@') != NULL;
}

static char *ref_repo(const char *ref)
{
        _cleanup_reference_ ImgReference *r = NULL;
        if (img_reference_parse_normalized(ref, &r, NULL) < 0)
                return strdup(ref);
        return img_reference_name(r);
}

/* Docker's isSingleReference: all references in one repository, at most one tag. */
static bool is_single_reference(char **refs)
{
        size_t n = strv_length(refs);
        if (n <= 1)
                return n == 1;
        const char *single = NULL;
        _cleanup_strv_free_ char **canonical_repos = NULL;
        STRV_FOREACH(r, refs)
        {
                if (is_canonical(*r)) {
                        char *repo = ref_repo(*r);
                        if (repo && !strv_contains(canonical_repos, repo))
                                strv_push(&canonical_repos, repo);
                        else
                                free(repo);
                } else if (!single) {
                        single = *r;
                } else {
                        return false;
                }
        }
        if (!single)
                single = refs[0];
        _cleanup_free_ char *srepo = ref_repo(single);
        return strv_length(canonical_repos) == 1 && srepo && strv_contains(canonical_repos, srepo);
}

/* The first container using id (running = mounted when want_running is
 * 1, stopped when 0, any when -1); NULL when none. */
static char *container_using(ImgStore *s, const char *id, int want_running)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        const char *sql =
            want_running < 0
                ? "SELECT container_id FROM img_containers WHERE image_id = ? ORDER BY container_id"
                : "SELECT container_id FROM img_containers WHERE image_id = ? AND mounted = ?"
                  " ORDER BY container_id";
        if (store_db_prepare(s, sql, &st, NULL) < 0)
                return NULL;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (want_running >= 0)
                sqlite3_bind_int(st, 2, want_running);
        if (sqlite3_step(st) != SQLITE_ROW)
                return NULL;
        return strdup((const char *)sqlite3_column_text(st, 0));
}

enum {
        CONFLICT_CHILD = 1,
        CONFLICT_RUNNING = 2,
        CONFLICT_REFERENCE = 4,
        CONFLICT_STOPPED = 8,
        CONFLICT_HARD = CONFLICT_CHILD | CONFLICT_RUNNING,
        CONFLICT_SOFT = CONFLICT_REFERENCE | CONFLICT_STOPPED,
};

/* 0 none; else -EBUSY with Docker's message; *ret_used tells the conflict
 * is a container's. */
static int check_conflict(ImgStore *s, const char *id, int mask, bool *ret_used, BerthError **err)
{
        *ret_used = false;
        if (mask & CONFLICT_CHILD) {
                _cleanup_stmt_ sqlite3_stmt *st = NULL;
                int r = store_db_prepare(s, "SELECT 1 FROM img_images WHERE parent = ? LIMIT 1",
                                         &st, err);
                if (r < 0)
                        return r;
                sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
                if (sqlite3_step(st) == SQLITE_ROW)
                        return error_set(err, EBUSY,
                                         "conflict: unable to delete %s (cannot be forced) - "
                                         "image has dependent child images",
                                         trunc_id(id));
        }
        if (mask & CONFLICT_RUNNING) {
                _cleanup_free_ char *c = container_using(s, id, 1);
                if (c) {
                        *ret_used = true;
                        return error_set(err, EBUSY,
                                         "conflict: unable to delete %s (cannot be forced) - "
                                         "image is being used by running container %.12s",
                                         trunc_id(id), c);
                }
        }
        if (mask & CONFLICT_REFERENCE) {
                _cleanup_strv_free_ char **refs = NULL;
                int r = store_db_image_refs(s, id, &refs, err);
                if (r < 0)
                        return r;
                if (refs[0])
                        return error_set(err, EBUSY,
                                         "conflict: unable to delete %s (must be forced) - image "
                                         "is referenced in multiple repositories",
                                         trunc_id(id));
        }
        if (mask & CONFLICT_STOPPED) {
                _cleanup_free_ char *c = container_using(s, id, 0);
                if (c) {
                        *ret_used = true;
                        return error_set(err, EBUSY,
                                         "conflict: unable to delete %s (must be forced) - image "
                                         "is being used by stopped container %.12s",
                                         trunc_id(id), c);
                }
        }
        return 0;
}

static int delete_ref(ImgStore *s, const char *ref, json_t *records, BerthError **err)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = store_db_prepare(s, "DELETE FROM img_refs WHERE ref = ?", &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
                return store_db_error(s, "untag", err);
        _cleanup_free_ char *fam = store_familiar(ref);
        json_array_append_new(records, json_pack("{s:s}", "Untagged", fam));
        return 0;
}

static int exec_id(ImgStore *s, const char *sql, const char *id, BerthError **err)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = store_db_prepare(s, sql, &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
                return store_db_error(s, "delete image", err);
        return 0;
}

static bool image_is_dangling(ImgStore *s, const char *id)
{
        _cleanup_strv_free_ char **refs = NULL;
        if (store_db_image_refs(s, id, &refs, NULL) < 0)
                return false;
        return refs[0] == NULL;
}

static char *image_parent(ImgStore *s, const char *id)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        if (store_db_prepare(s, "SELECT parent FROM img_images WHERE id = ?", &st, NULL) < 0)
                return NULL;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW)
                return NULL;
        const char *p = (const char *)sqlite3_column_text(st, 0);
        return p && *p ? strdup(p) : NULL;
}

/* Docker's imageDeleteHelper (db_lock held). */
static int delete_helper(ImgStore *s, const char *id, json_t *records, bool force, bool prune,
                         bool quiet, BerthError **err)
{
        int mask = CONFLICT_HARD | (force ? 0 : CONFLICT_SOFT);
        bool used = false;
        BerthError *cerr = NULL;
        int r = check_conflict(s, id, mask, &used, &cerr);
        if (r < 0) {
                if (r == -EBUSY && quiet && (!image_is_dangling(s, id) || used)) {
                        error_free(cerr);
                        return 0;
                }
                return error_move(err, cerr);
        }
        _cleanup_free_ char *parent = image_parent(s, id);
        _cleanup_strv_free_ char **refs = NULL;
        r = store_db_image_refs(s, id, &refs, err);
        if (r < 0)
                return r;
        STRV_FOREACH(ref, refs)
        {
                r = delete_ref(s, *ref, records, err);
                if (r < 0)
                        return r;
        }
        r = exec_id(s, "DELETE FROM img_image_layers WHERE image_id = ?", id, err);
        if (r >= 0)
                r = exec_id(s, "DELETE FROM img_images WHERE id = ?", id, err);
        if (r >= 0)
                r = exec_id(s, "UPDATE img_images SET parent = '' WHERE parent = ?", id, err);
        if (r < 0)
                return r;
        json_array_append_new(records, json_pack("{s:s}", "Deleted", id));
        if (!prune || !parent)
                return 0;
        return delete_helper(s, parent, records, false, true, true, err);
}

/* Docker's ImageDelete, with db_lock held and a transaction open. */
static int image_delete(ImgStore *s, const char *name, bool force, bool prune, json_t *records,
                        BerthError **err)
{
        char id[IMG_DIGEST_LEN + 1];
        int r = store_resolve(s, name, id, NULL, err);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **refs = NULL;
        r = store_db_image_refs(s, id, &refs, err);
        if (r < 0)
                return r;
        bool removed_ref = false;
        if (!is_image_id_prefix(id, name)) {
                if (!force && is_single_reference(refs)) {
                        _cleanup_free_ char *c = container_using(s, id, -1);
                        if (c)
                                return error_set(err, EBUSY,
                                                 "conflict: unable to remove repository reference "
                                                 "\"%s\" (must force) - container %.12s is using "
                                                 "its referenced image %s",
                                                 name, c, trunc_id(id));
                }
                _cleanup_reference_ ImgReference *ref = NULL;
                r = img_reference_parse_docker(name, &ref, err);
                if (r < 0)
                        return r;
                _cleanup_free_ char *full = img_reference_string(ref);
                _cleanup_free_ char *repo = img_reference_name(ref);
                if (!full || !repo)
                        return error_set(err, ENOMEM, "out of memory");
                if (!strv_contains(refs, full))
                        return error_set(err, ENOENT, "No such image: %s", name);
                r = delete_ref(s, full, records, err);
                if (r < 0)
                        return r;
                strv_free(refs);
                refs = NULL;
                r = store_db_image_refs(s, id, &refs, err);
                if (r < 0)
                        return r;
                if (!is_canonical(full)) {
                        bool found_tag = false;
                        STRV_FOREACH(rr, refs)
                        {
                                _cleanup_free_ char *rrepo = ref_repo(*rr);
                                if (!is_canonical(*rr) && rrepo && STREQ(rrepo, repo))
                                        found_tag = true;
                        }
                        if (!found_tag) {
                                STRV_FOREACH(rr, refs)
                                {
                                        _cleanup_free_ char *rrepo = ref_repo(*rr);
                                        if (is_canonical(*rr) && rrepo && STREQ(rrepo, repo)) {
                                                r = delete_ref(s, *rr, records, err);
                                                if (r < 0)
                                                        return r;
                                        }
                                }
                                strv_free(refs);
                                refs = NULL;
                                r = store_db_image_refs(s, id, &refs, err);
                                if (r < 0)
                                        return r;
                        }
                }
                if (refs[0])
                        return 0;
                removed_ref = true;
        } else if (is_single_reference(refs)) {
                int mask = CONFLICT_HARD | (force ? 0 : (CONFLICT_SOFT & ~CONFLICT_REFERENCE));
                bool used;
                r = check_conflict(s, id, mask, &used, err);
                if (r < 0)
                        return r;
                STRV_FOREACH(rr, refs)
                {
                        r = delete_ref(s, *rr, records, err);
                        if (r < 0)
                                return r;
                }
        }
        return delete_helper(s, id, records, force, prune, removed_ref, err);
}

int img_store_remove(ImgStore *s, const char *name, bool force, bool noprune, json_t **ret,
                     BerthError **err)
{
        _cleanup_json_ json_t *records = json_array();
        pthread_mutex_lock(&s->content_lock);
        int r;
        {
                STORE_LOCKED(s);
                r = store_db_exec(s, "BEGIN IMMEDIATE", err);
                if (r >= 0) {
                        r = image_delete(s, name, force, !noprune, records, err);
                        if (r >= 0)
                                r = store_db_exec(s, "COMMIT", err);
                        if (r < 0)
                                (void)store_db_exec(s, "ROLLBACK", NULL);
                }
        }
        bool deleted = false;
        size_t i;
        json_t *it;
        json_array_foreach(records, i, it) if (json_object_get(it, "Deleted")) deleted = true;
        if (r >= 0 && deleted && !noprune)
                (void)store_gc(s, records, NULL, NULL);
        pthread_mutex_unlock(&s->content_lock);
        if (r < 0)
                return r;
        if (ret)
                *ret = TAKE_PTR(records);
        return 0;
}

/* ---- prune ---- */

/* Docker's `until`: unix seconds (with fraction), RFC 3339, or a Go
 * duration before now ("24h", "1h30m"). */
static int parse_until(const char *v, int64_t *ret)
{
        char *end;
        double secs = strtod(v, &end);
        if (end != v && !*end) {
                *ret = (int64_t)secs;
                return 0;
        }
        if (strchr(v, 'T') || strchr(v, '-')) {
                int64_t t = store_parse_time(v);
                if (t == 0) {
                        struct tm tm = {0};
                        if (!strptime(v, "%Y-%m-%d", &tm))
                                return -EINVAL;
                        t = (int64_t)timegm(&tm);
                }
                *ret = t;
                return 0;
        }
        double total = 0;
        const char *p = v;
        while (*p) {
                double n = strtod(p, &end);
                if (end == p)
                        return -EINVAL;
                p = end;
                double unit;
                if (strncmp(p, "ms", 2) == 0) {
                        unit = 0.001;
                        p += 2;
                } else if (*p == 'h') {
                        unit = 3600;
                        p++;
                } else if (*p == 'm') {
                        unit = 60;
                        p++;
                } else if (*p == 's') {
                        unit = 1;
                        p++;
                } else {
                        return -EINVAL;
                }
                total += n * unit;
        }
        *ret = (int64_t)time(NULL) - (int64_t)total;
        return 0;
}

int img_store_prune(ImgStore *s, json_t *filters, json_t **ret, BerthError **err)
{
        static const char *const allowed[] = {"dangling", "label", "label!", "until", NULL};
        int r = store_check_filter_keys(filters, allowed, err);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **dangling = store_filter_values(filters, "dangling");
        _cleanup_strv_free_ char **labels = store_filter_values(filters, "label");
        _cleanup_strv_free_ char **nlabels = store_filter_values(filters, "label!");
        _cleanup_strv_free_ char **until = store_filter_values(filters, "until");
        bool dangling_only = true;
        if (dangling && dangling[0]) {
                if (STREQ(dangling[0], "false") || STREQ(dangling[0], "0"))
                        dangling_only = false;
                else if (!STREQ(dangling[0], "true") && !STREQ(dangling[0], "1"))
                        return error_set(err, EINVAL,
                                         "Invalid filter 'dangling=%s': must be 'true' or 'false'",
                                         dangling[0]);
        }
        int64_t until_t = 0;
        if (until && until[0] && parse_until(until[0], &until_t) < 0)
                return error_set(err, EINVAL, "invalid filter 'until=%s'", until[0]);

        _cleanup_json_ json_t *records = json_array();
        uint64_t reclaimed = 0;
        pthread_mutex_lock(&s->content_lock);
        /* Candidates: images without children, unused by containers. */
        _cleanup_strv_free_ char **ids = NULL;
        {
                STORE_LOCKED(s);
                r = query_strv(s,
                               "SELECT id FROM img_images i WHERE NOT EXISTS (SELECT 1 FROM "
                               "img_images c WHERE c.parent = i.id) AND NOT EXISTS (SELECT 1 "
                               "FROM img_containers k WHERE k.image_id = i.id) ORDER BY id",
                               &ids, err);
        }
        STRV_FOREACH(id, ids)
        {
                if (r < 0)
                        break;
                _cleanup_json_ json_t *cfg = NULL;
                if (store_read_config(s, *id, &cfg, NULL, NULL) < 0)
                        continue;
                if (until && until[0]) {
                        const char *c = json_string_value(json_object_get(cfg, "created"));
                        if (!c || store_parse_time(c) >= until_t)
                                continue;
                }
                if (labels && labels[0] && !store_config_labels_match(cfg, labels))
                        continue;
                bool excluded = false;
                STRV_FOREACH(nl, nlabels)
                {
                        char *one[2] = {*nl, NULL};
                        if (store_config_labels_match(cfg, one))
                                excluded = true;
                }
                if (excluded)
                        continue;
                STORE_LOCKED(s);
                _cleanup_strv_free_ char **refs = NULL;
                if (store_db_image_refs(s, *id, &refs, NULL) < 0)
                        continue;
                if (dangling_only && refs[0])
                        continue;
                if (store_db_exec(s, "BEGIN IMMEDIATE", err) < 0) {
                        r = -EIO;
                        break;
                }
                BerthError *e = NULL;
                int dr = 0;
                _cleanup_json_ json_t *rec = json_array();
                if (refs[0]) {
                        STRV_FOREACH(ref, refs)
                        {
                                dr = image_delete(s, *ref, false, true, rec, &e);
                                if (dr < 0)
                                        break;
                        }
                } else {
                        dr = image_delete(s, *id, false, true, rec, &e);
                }
                error_free(e);
                if (dr >= 0 && store_db_exec(s, "COMMIT", NULL) >= 0)
                        json_array_extend(records, rec);
                else
                        (void)store_db_exec(s, "ROLLBACK", NULL);
        }
        if (r >= 0)
                r = store_gc(s, records, &reclaimed, err);
        pthread_mutex_unlock(&s->content_lock);
        if (r < 0)
                return r;
        json_t *deleted = json_array_size(records) ? json_incref(records) : json_null();
        *ret = json_pack("{s:o,s:I}", "ImagesDeleted", deleted, "SpaceReclaimed",
                         (json_int_t)reclaimed);
        return 0;
}
