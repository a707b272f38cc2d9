/* Internals of the image store (image.h), shared by image.c and store_*.c.
 *
 * Locking: `db_lock` guards the SQLite connection (every statement and
 * transaction runs under it; it is never held across layer I/O).
 * `content_lock` serialises what creates or deletes layers and blobs
 * (load, import, rmi, prune), so a failing load can never remove content a
 * concurrent load has just adopted, and a removal never races a load that
 * is about to reference a layer. Reads (get, inspect, list, save, mount)
 * take only db_lock, for as long as a query runs. */
#pragma once

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/blobstore.h"
#include "image/image.h"
#include "image/imageconfig.h"
#include "image/layerstore.h"
#include "image/reference.h"

struct ImgStore {
        char *data_root;
        char *tmp_dir; /* <data_root>/tmp: scratch space for load/save/import */
        sqlite3 *db;
        pthread_mutex_t db_lock;
        pthread_mutex_t content_lock;
        ImgBlobStore *blobs;
        ImgLayerStore *layers;
        ImgDriverKind driver;
};

/* ---- store_db.c ---- */

int store_db_open(ImgStore *s, BerthError **err);
void store_db_close(ImgStore *s);
/* Runs SQL without results (under db_lock held by the caller). */
int store_db_exec(ImgStore *s, const char *sql, BerthError **err);
/* Prepares a statement; -EIO with the SQLite message on failure. */
int store_db_prepare(ImgStore *s, const char *sql, sqlite3_stmt **ret, BerthError **err);
int store_db_error(ImgStore *s, const char *what, BerthError **err);
static inline void store_stmt_finalizep(sqlite3_stmt **st)
{
        if (*st)
                sqlite3_finalize(*st);
        *st = NULL;
}
#define _cleanup_stmt_ __attribute__((cleanup(store_stmt_finalizep)))

void store_lock(ImgStore *s);
void store_unlock(ImgStore *s);
static inline void store_unlockp(ImgStore **s)
{
        if (*s)
                store_unlock(*s);
}
/* Takes db_lock until the end of the scope. */
#define STORE_LOCKED(s)                                                                            \
        __attribute__((cleanup(store_unlockp), unused)) ImgStore *_store_locked_ =                 \
            (store_lock(s), (s))

/* A layer of an image as recorded. */
typedef struct StoreLayer {
        char chain_id[IMG_DIGEST_LEN + 1];
        char diff_id[IMG_DIGEST_LEN + 1];
        /* the blob holding the layer as received: diff_id when it came
         * uncompressed, else the compressed stream's digest */
        char blob[IMG_DIGEST_LEN + 1];
        uint64_t size;
} StoreLayer;

/* An image to record (store_db_add_image). */
typedef struct StoreNewImage {
        const char *id;
        const char *top_chain_id;
        const char *created; /* the config's "created" (may be NULL) */
        const char *parent;  /* "" or NULL for none */
        const StoreLayer *layers;
        size_t n_layers;
} StoreNewImage;

/* Inserts (or keeps) an image row and its layers; db_lock and a
 * transaction are the caller's. */
int store_db_add_image(ImgStore *s, const StoreNewImage *img, BerthError **err);
/* Points ref (a full reference string as img_reference_string gives it)
 * at image_id. *ret_old gets the ID it pointed at before when different
 * (caller frees), else NULL. db_lock is the caller's. */
int store_db_set_ref(ImgStore *s, const char *ref, const char *repo, bool is_digest,
                     const char *image_id, char **ret_old, BerthError **err);
/* 1 when the image row exists. */
int store_db_image_exists(ImgStore *s, const char *id, BerthError **err);
/* The image's layers, base first. */
int store_db_image_layers(ImgStore *s, const char *id, StoreLayer **ret, size_t *ret_n,
                          BerthError **err);
/* The references of an image, as stored (full strings), sorted. */
int store_db_image_refs(ImgStore *s, const char *id, char ***ret, BerthError **err);
/* "2026-11-22T15:39:31.788273735Z" for now. */
void store_now_rfc3339(char buf[40]);
int64_t store_now_ns(void);
/* Parses RFC 3339 into unix seconds (0 when unparsable). */
int64_t store_parse_time(const char *s);

/* ---- store_resolve.c ---- */

/* Resolves a user's name to an image ID ("sha256:..."); *ret_ref
 * (optional) gets the full reference it resolved through, or NULL.
 * db_lock is the caller's. */
int store_resolve(ImgStore *s, const char *name, char ret_id[IMG_DIGEST_LEN + 1], char **ret_ref,
                  BerthError **err);
/* "busybox:latest" for a stored full reference ("docker.io/library/busybox:latest"). */
char *store_familiar(const char *full_ref);
/* True when name looks like (a prefix of) an image ID ("sha256:" optional). */
bool store_is_id_like(const char *name);

/* ---- image.c ---- */

/* Reads and parses an image's config blob. */
int store_read_config(ImgStore *s, const char *id, json_t **ret_json, ImgConfig **ret_cfg,
                      BerthError **err);

/* ---- store_json.c ---- */

/* Values of one key of a parsed `filters` object ({"k": {"v": true}} or
 * {"k": ["v"]}); NULL when the key is absent. */
char **store_filter_values(json_t *filters, const char *key);
/* -EINVAL "invalid filter 'x'" for keys not in allowed (NULL-terminated). */
int store_check_filter_keys(json_t *filters, const char *const *allowed, BerthError **err);
/* True when the config's labels satisfy every "key" or "key=value". */
bool store_config_labels_match(json_t *config, char **want);

/* ---- store_remove.c ---- */

/* Removes layers and blobs no image references any more. content_lock is
 * the caller's. deleted (optional) gets {"Deleted": chain} items, and
 * *reclaimed (optional) adds the bytes freed. */
int store_gc(ImgStore *s, json_t *deleted, uint64_t *reclaimed, BerthError **err);

/* ---- store_load.c (tar helpers shared with save/import) ---- */

/* Extracts a (possibly compressed) tar read from fd into dir: regular
 * files and directories. Symlinks and hard links are not created on disk
 * (so nothing can point outside dir): *ret_links gets pairs (path, target),
 * both clean and relative to the archive's root; other entries are skipped. */
int store_extract_tar(int fd, const char *dir, char ***ret_links, BerthError **err);
/* Opens a member of an extracted archive, following its links; -ENOENT
 * when absent. */
int store_open_member(const char *dir, char **links, const char *path, BerthError **err);
/* Reads a whole member (at most max bytes). */
int store_read_member(const char *dir, char **links, const char *path, size_t max, char **ret,
                      size_t *ret_len, BerthError **err);
/* Makes a fresh temp dir under <data_root>/tmp. */
int store_mkdtemp(ImgStore *s, const char *what, char **ret, BerthError **err);
