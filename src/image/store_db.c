/* The image store's SQLite tables (prefixed img_) in <data_root>/berth.db. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/sqlite_conn.h"
#include "common/strv.h"
#include "image/store_internal.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS img_images("
    " id TEXT PRIMARY KEY,"
    " top_chain TEXT NOT NULL,"
    " created TEXT,"
    " parent TEXT NOT NULL DEFAULT '',"
    " added INTEGER NOT NULL,"
    " last_tag_time TEXT,"
    " size INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS img_image_layers("
    " image_id TEXT NOT NULL,"
    " pos INTEGER NOT NULL,"
    " chain_id TEXT NOT NULL,"
    " diff_id TEXT NOT NULL,"
    " size INTEGER NOT NULL,"
    " blob TEXT NOT NULL DEFAULT '',"
    " PRIMARY KEY(image_id, pos));"
    "CREATE INDEX IF NOT EXISTS img_image_layers_chain ON img_image_layers(chain_id);"
    "CREATE TABLE IF NOT EXISTS img_refs("
    " ref TEXT PRIMARY KEY,"
    " repo TEXT NOT NULL,"
    " image_id TEXT NOT NULL,"
    " is_digest INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS img_refs_image ON img_refs(image_id);"
    "CREATE TABLE IF NOT EXISTS img_containers("
    " container_id TEXT PRIMARY KEY,"
    " image_id TEXT NOT NULL,"
    " container_dir TEXT NOT NULL,"
    " top_chain TEXT NOT NULL DEFAULT '',"
    " mounted INTEGER NOT NULL DEFAULT 0);";

void store_lock(ImgStore *s)
{
        pthread_mutex_lock(&s->db_lock);
}

void store_unlock(ImgStore *s)
{
        pthread_mutex_unlock(&s->db_lock);
}

int store_db_error(ImgStore *s, const char *what, BerthError **err)
{
        int code = sqlite3_errcode(s->db);
        int e = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? EBUSY : EIO;
        return error_set(err, e, "image store database: %s: %s", what, sqlite3_errmsg(s->db));
}

int store_db_exec(ImgStore *s, const char *sql, BerthError **err)
{
        char *msg = NULL;
        if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
                int code = sqlite3_errcode(s->db);
                int r = error_set(err, code == SQLITE_BUSY ? EBUSY : EIO,
                                  "image store database: %s", msg ? msg : "error");
                sqlite3_free(msg);
                return r;
        }
        return 0;
}

int store_db_prepare(ImgStore *s, const char *sql, sqlite3_stmt **ret, BerthError **err)
{
        if (sqlite3_prepare_v2(s->db, sql, -1, ret, NULL) != SQLITE_OK)
                return store_db_error(s, "prepare", err);
        return 0;
}

int store_db_open(ImgStore *s, BerthError **err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/berth.db", s->data_root) < 0)
                return error_set(err, ENOMEM, "out of memory");
        int rc = sqlite3_open_v2(
            path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
        if (rc != SQLITE_OK) {
                int r = error_set(err, EIO, "open database '%s': %s", path,
                                  s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
                sqlite3_close(s->db);
                s->db = NULL;
                return r;
        }
        berth_sqlite_busy_setup(s->db);
        int r = store_db_exec(s, BERTH_SQLITE_PRAGMAS, err);
        if (r >= 0)
                r = store_db_exec(s, schema, err);
        if (r >= 0) /* tables made before the blob column existed */
                (void)store_db_exec(
                    s, "ALTER TABLE img_image_layers ADD COLUMN blob TEXT NOT NULL DEFAULT ''",
                    NULL);
        if (r < 0)
                return error_prefix(err, "open database '%s'", path);
        return 0;
}

void store_db_close(ImgStore *s)
{
        if (s->db)
                sqlite3_close(s->db);
        s->db = NULL;
}

int store_db_image_exists(ImgStore *s, const char *id, BerthError **err)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = store_db_prepare(s, "SELECT 1 FROM img_images WHERE id = ?", &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        return store_db_error(s, "look up image", err);
}

int store_db_add_image(ImgStore *s, const StoreNewImage *img, BerthError **err)
{
        int r = store_db_image_exists(s, img->id, err);
        if (r != 0)
                return r < 0 ? r : 0;
        uint64_t size = 0;
        for (size_t i = 0; i < img->n_layers; i++)
                size += img->layers[i].size;
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        r = store_db_prepare(s,
                             "INSERT INTO img_images(id, top_chain, created, parent, added, size)"
                             " VALUES(?, ?, ?, ?, ?, ?)",
                             &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, img->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, img->top_chain_id ? img->top_chain_id : "", -1, SQLITE_STATIC);
        if (img->created)
                sqlite3_bind_text(st, 3, img->created, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, 3);
        sqlite3_bind_text(st, 4, img->parent ? img->parent : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, store_now_ns());
        sqlite3_bind_int64(st, 6, (int64_t)size);
        if (sqlite3_step(st) != SQLITE_DONE)
                return store_db_error(s, "add image", err);
        _cleanup_stmt_ sqlite3_stmt *ls = NULL;
        r = store_db_prepare(s,
                             "INSERT INTO img_image_layers(image_id, pos, chain_id, diff_id, size,"
                             " blob) VALUES(?, ?, ?, ?, ?, ?)",
                             &ls, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < img->n_layers; i++) {
                sqlite3_reset(ls);
                sqlite3_bind_text(ls, 1, img->id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(ls, 2, (int64_t)i);
                sqlite3_bind_text(ls, 3, img->layers[i].chain_id, -1, SQLITE_STATIC);
                sqlite3_bind_text(ls, 4, img->layers[i].diff_id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(ls, 5, (int64_t)img->layers[i].size);
                const char *blob = img->layers[i].blob;
                sqlite3_bind_text(ls, 6, *blob ? blob : img->layers[i].diff_id, -1, SQLITE_STATIC);
                if (sqlite3_step(ls) != SQLITE_DONE)
                        return store_db_error(s, "add image layer", err);
        }
        return 1;
}

int store_db_set_ref(ImgStore *s, const char *ref, const char *repo, bool is_digest,
                     const char *image_id, char **ret_old, BerthError **err)
{
        if (ret_old)
                *ret_old = NULL;
        _cleanup_stmt_ sqlite3_stmt *q = NULL;
        int r = store_db_prepare(s, "SELECT image_id FROM img_refs WHERE ref = ?", &q, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(q, 1, ref, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
                const char *old = (const char *)sqlite3_column_text(q, 0);
                if (old && STREQ(old, image_id))
                        return 0;
                if (ret_old && old && !(*ret_old = strdup(old)))
                        return error_set(err, ENOMEM, "out of memory");
        } else if (rc != SQLITE_DONE) {
                return store_db_error(s, "look up reference", err);
        }
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        r = store_db_prepare(s,
                             "INSERT OR REPLACE INTO img_refs(ref, repo, image_id, is_digest)"
                             " VALUES(?, ?, ?, ?)",
                             &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, repo, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, image_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, is_digest);
        if (sqlite3_step(st) != SQLITE_DONE)
                return store_db_error(s, "set reference", err);
        _cleanup_stmt_ sqlite3_stmt *t = NULL;
        r = store_db_prepare(s, "UPDATE img_images SET last_tag_time = ? WHERE id = ?", &t, err);
        if (r < 0)
                return r;
        char now[40];
        store_now_rfc3339(now);
        sqlite3_bind_text(t, 1, now, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(t, 2, image_id, -1, SQLITE_STATIC);
        if (sqlite3_step(t) != SQLITE_DONE)
                return store_db_error(s, "set tag time", err);
        return 1;
}

int store_db_image_layers(ImgStore *s, const char *id, StoreLayer **ret, size_t *ret_n,
                          BerthError **err)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = store_db_prepare(s,
                                 "SELECT chain_id, diff_id, size, blob FROM img_image_layers"
                                 " WHERE image_id = ? ORDER BY pos",
                                 &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        _cleanup_free_ StoreLayer *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                StoreLayer *nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv)
                        return error_set(err, ENOMEM, "out of memory");
                v = nv;
                snprintf(v[n].chain_id, sizeof(v[n].chain_id), "%s",
                         (const char *)sqlite3_column_text(st, 0));
                snprintf(v[n].diff_id, sizeof(v[n].diff_id), "%s",
                         (const char *)sqlite3_column_text(st, 1));
                v[n].size = (uint64_t)sqlite3_column_int64(st, 2);
                const char *blob = (const char *)sqlite3_column_text(st, 3);
                snprintf(v[n].blob, sizeof(v[n].blob), "%s", blob && *blob ? blob : v[n].diff_id);
                n++;
        }
        if (rc != SQLITE_DONE)
                return store_db_error(s, "list image layers", err);
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

int store_db_image_refs(ImgStore *s, const char *id, char ***ret, BerthError **err)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = store_db_prepare(s, "SELECT ref FROM img_refs WHERE image_id = ? ORDER BY ref", &st,
                                 err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        _cleanup_strv_free_ char **v = NULL;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                if (strv_append(&v, (const char *)sqlite3_column_text(st, 0)) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        if (rc != SQLITE_DONE)
                return store_db_error(s, "list references", err);
        if (!v && !(v = calloc(1, sizeof(char *))))
                return error_set(err, ENOMEM, "out of memory");
        *ret = TAKE_PTR(v);
        return 0;
}

int64_t store_now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void store_now_rfc3339(char buf[40])
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        size_t n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, 40 - n, ".%09dZ", (int)(ts.tv_nsec % 1000000000));
}

int64_t store_parse_time(const char *s)
{
        if (!s)
                return 0;
        struct tm tm = {0};
        const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!p)
                return 0;
        int64_t t = (int64_t)timegm(&tm);
        if (*p == '.')
                for (p++; *p >= '0' && *p <= '9'; p++)
                        ;
        if (*p == '+' || *p == '-') {
                int hh = 0, mm = 0;
                if (sscanf(p + 1, "%d:%d", &hh, &mm) == 2) {
                        int64_t off = (int64_t)hh * 3600 + mm * 60;
                        t += *p == '+' ? -off : off;
                }
        }
        return t;
}
