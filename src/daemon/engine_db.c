/* The containers table in <data_root>/berth.db: one row per container,
 * the record as JSON beside the columns that are looked up. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/sqlite_conn.h"
#include "common/json.h"
#include "daemon/engine_internal.h"

static const char schema[] = "CREATE TABLE IF NOT EXISTS containers ("
                             " id TEXT PRIMARY KEY,"
                             " name TEXT NOT NULL UNIQUE,"
                             " created INTEGER NOT NULL,"
                             " record TEXT NOT NULL);";

static int db_error(sqlite3 *db, BerthError **err, const char *what)
{
        int rc = sqlite3_extended_errcode(db);
        int code = (rc & 0xff) == SQLITE_CONSTRAINT ? EEXIST
                   : (rc & 0xff) == SQLITE_BUSY     ? EBUSY
                                                    : EIO;
        return error_set(err, code, "database: %s: %s", what, sqlite3_errmsg(db));
}

int edb_open(const char *path, sqlite3 **ret, BerthError **err)
{
        sqlite3 *db = NULL;
        int rc = sqlite3_open_v2(
            path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
        if (rc != SQLITE_OK) {
                int r = error_set(err, EIO, "open the database %s: %s", path,
                                  db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
                sqlite3_close(db);
                return r;
        }
        berth_sqlite_busy_setup(db);
        const char *pragmas = BERTH_SQLITE_PRAGMAS;
        if (sqlite3_exec(db, pragmas, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) {
                int r = db_error(db, err, path);
                sqlite3_close(db);
                return r;
        }
        *ret = db;
        return 0;
}

void edb_close(sqlite3 *db)
{
        sqlite3_close(db);
}

json_t *ctr_to_record(const Ctr *c)
{
        EngineRunState st = c->state;
        return json_pack(
            "{s:s, s:s, s:s, s:s, s:I, s:O, s:O, s:O, s:s?, s:s, s:b, s:i, s:i, s:i, s:s, s:I, "
            "s:I, s:i, s:b, s:I}",
            "Id", c->id, "Name", c->name, "Image", c->image ? c->image : "", "ImageID", c->image_id,
            "Created", (json_int_t)c->created, "Request", c->request ? c->request : json_null(),
            "Config", c->config ? c->config : json_null(), "HostConfig",
            c->host_config ? c->host_config : json_null(), "Rootfs", c->rootfs, "State",
            engine_state_name(st), "OOMKilled", c->oom_killed, "Pid", (int)c->pid, "MonitorPid",
            (int)c->monitor_pid, "ExitCode", c->exit_code, "Error", c->error ? c->error : "",
            "StartedAt", (json_int_t)c->started_at, "FinishedAt", (json_int_t)c->finished_at,
            "RestartCount", c->restart_count, "ManuallyStopped", c->manually_stopped, "BackoffMs",
            (json_int_t)c->backoff_ms);
}

static char *dup_str(json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));
        return s ? strdup(s) : NULL;
}

int ctr_from_record(json_t *rec, Ctr **ret, BerthError **err)
{
        const char *id = json_string_value(json_object_get(rec, "Id"));
        const char *name = json_string_value(json_object_get(rec, "Name"));
        const char *state = json_string_value(json_object_get(rec, "State"));
        if (!id || strlen(id) != 64 || !name || name[0] != '/')
                return error_set(err, EINVAL, "database: malformed container record");
        Ctr *c = ctr_new();
        if (!c)
                return -ENOMEM;
        memcpy(c->id, id, 65);
        c->name = strdup(name);
        c->image = dup_str(rec, "Image");
        const char *iid = json_string_value(json_object_get(rec, "ImageID"));
        snprintf(c->image_id, sizeof(c->image_id), "%s", iid ? iid : "");
        c->created = json_integer_value(json_object_get(rec, "Created"));
        json_t *j;
        if ((j = json_object_get(rec, "Request")) && !json_is_null(j))
                c->request = json_incref(j);
        if ((j = json_object_get(rec, "Config")) && !json_is_null(j))
                c->config = json_incref(j);
        if ((j = json_object_get(rec, "HostConfig")) && !json_is_null(j))
                c->host_config = json_incref(j);
        c->rootfs = dup_str(rec, "Rootfs");
        if (!state || engine_state_parse(state, &c->state) < 0)
                c->state = ENGINE_DEAD;
        c->oom_killed = json_is_true(json_object_get(rec, "OOMKilled"));
        c->pid = (pid_t)json_integer_value(json_object_get(rec, "Pid"));
        c->monitor_pid = (pid_t)json_integer_value(json_object_get(rec, "MonitorPid"));
        c->exit_code = (int)json_integer_value(json_object_get(rec, "ExitCode"));
        const char *e = json_string_value(json_object_get(rec, "Error"));
        c->error = e && *e ? strdup(e) : NULL;
        c->started_at = json_integer_value(json_object_get(rec, "StartedAt"));
        c->finished_at = json_integer_value(json_object_get(rec, "FinishedAt"));
        c->restart_count = (int)json_integer_value(json_object_get(rec, "RestartCount"));
        c->manually_stopped = json_is_true(json_object_get(rec, "ManuallyStopped"));
        c->backoff_ms = json_integer_value(json_object_get(rec, "BackoffMs"));
        if (!c->name) {
                ctr_unref(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

int edb_save(sqlite3 *db, const Ctr *c, BerthError **err)
{
        _cleanup_json_ json_t *rec = ctr_to_record(c);
        if (!rec)
                return error_set(err, ENOMEM, "database: serialize container %.12s", c->id);
        _cleanup_free_ char *text = json_dumps(rec, JSON_COMPACT);
        if (!text)
                return -ENOMEM;
        sqlite3_stmt *st = NULL;
        const char *sql =
            "INSERT INTO containers (id, name, created, record) VALUES (?1, ?2, ?3, ?4)"
            " ON CONFLICT(id) DO UPDATE SET name = ?2, record = ?4";
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
                return db_error(db, err, "prepare");
        sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, c->created);
        sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        int r = 0;
        if (rc != SQLITE_DONE)
                r = db_error(db, err, "save container");
        sqlite3_finalize(st);
        return r;
}

int edb_delete(sqlite3 *db, const char *id, BerthError **err)
{
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "DELETE FROM containers WHERE id = ?1", -1, &st, NULL) !=
            SQLITE_OK)
                return db_error(db, err, "prepare");
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int r = 0;
        if (sqlite3_step(st) != SQLITE_DONE)
                r = db_error(db, err, "delete container");
        sqlite3_finalize(st);
        return r;
}

int edb_load(sqlite3 *db, json_t **ret, BerthError **err)
{
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "SELECT id, record FROM containers ORDER BY created, id", -1,
                               &st, NULL) != SQLITE_OK)
                return db_error(db, err, "prepare");
        json_t *arr = json_array();
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *id = (const char *)sqlite3_column_text(st, 0);
                const char *text = (const char *)sqlite3_column_text(st, 1);
                json_error_t jerr;
                json_t *rec = text ? json_loads(text, 0, &jerr) : NULL;
                if (!rec) {
                        /* one bad row must not keep the daemon from starting */
                        continue;
                }
                (void)id;
                json_array_append_new(arr, rec);
        }
        int r = 0;
        if (rc != SQLITE_DONE) {
                r = db_error(db, err, "load containers");
                json_decref(arr);
                arr = NULL;
        }
        sqlite3_finalize(st);
        *ret = arr;
        return r;
}
