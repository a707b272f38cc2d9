/* The image store (image.h): opening, lookups and what containers need.
 * Loading, saving, import, removal and the JSON views live in store_*.c. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth-config.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/strv.h"
#include "image/image.h"
#include "image/manifest.h"
#include "image/store_internal.h"

const char *img_library_version(void);
const char *img_library_version(void)
{
        return BERTH_VERSION;
}

/* Scratch left by a process that died mid-load. */
static void clean_scratch(ImgStore *s)
{
        _cleanup_closedir_ DIR *d = opendir(s->tmp_dir);
        for (struct dirent *de; d && (de = readdir(d));) {
                if (strncmp(de->d_name, "img-", 4) != 0)
                        continue;
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", s->tmp_dir, de->d_name) >= 0)
                        (void)rm_rf(p, NULL);
        }
}

int img_store_open(const char *data_root, ImgDriverKind driver, ImgStore **ret, BerthError **err)
{
        ImgStore *s = calloc(1, sizeof(*s));
        if (!s)
                return error_set(err, ENOMEM, "out of memory");
        pthread_mutex_init(&s->db_lock, NULL);
        pthread_mutex_init(&s->content_lock, NULL);
        s->driver = driver;
        int r;
        if (!(s->data_root = strdup(data_root)) || asprintf(&s->tmp_dir, "%s/tmp", data_root) < 0) {
                s->tmp_dir = NULL;
                r = error_set(err, ENOMEM, "out of memory");
                goto fail;
        }
        r = mkdir_p(data_root, 0711, err);
        if (r >= 0)
                r = mkdir_p(s->tmp_dir, 0700, err);
        if (r < 0)
                goto fail;
        clean_scratch(s);
        r = store_db_open(s, err);
        if (r >= 0)
                r = img_blobstore_open(data_root, &s->blobs, err);
        if (r >= 0)
                r = img_layerstore_open(data_root, driver, &s->layers, err);
        if (r < 0)
                goto fail;
        (void)img_blobstore_clean_tmp(s->blobs, 0, NULL);
        /* Layers and blobs of a load or removal that died half-way: no
         * image row refers to them (rows are written last, in one
         * transaction). */
        (void)store_gc(s, NULL, NULL, NULL);
        *ret = s;
        return 0;
fail:
        img_store_free(s);
        return error_prefix(err, "image store '%s'", data_root);
}

ImgStore *img_store_free(ImgStore *s)
{
        if (!s)
                return NULL;
        store_db_close(s);
        img_blobstore_free(s->blobs);
        img_layerstore_free(s->layers);
        pthread_mutex_destroy(&s->db_lock);
        pthread_mutex_destroy(&s->content_lock);
        free(s->data_root);
        free(s->tmp_dir);
        free(s);
        return NULL;
}

const char *img_store_driver_name(const ImgStore *s)
{
        const char *n = img_layerstore_driver_name(s->layers);
        return STREQ(n, "overlay") ? "overlay2" : n;
}

int store_mkdtemp(ImgStore *s, const char *what, char **ret, BerthError **err)
{
        if (asprintf(ret, "%s/img-%s-XXXXXX", s->tmp_dir, what) < 0) {
                *ret = NULL;
                return error_set(err, ENOMEM, "out of memory");
        }
        if (!mkdtemp(*ret)) {
                int r = error_set_errno(err, errno, "create '%s'", *ret);
                free(*ret);
                *ret = NULL;
                return r;
        }
        return 0;
}

int store_read_config(ImgStore *s, const char *id, json_t **ret_json, ImgConfig **ret_cfg,
                      BerthError **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = img_blobstore_read(s->blobs, id, IMG_CONFIG_MAX_SIZE, &buf, &len, err);
        if (r < 0)
                return error_prefix(err, "image %s: config", id);
        if (ret_json) {
                r = json_parse_buffer(buf, len, "image config", ret_json, err);
                if (r < 0)
                        return r;
        }
        if (ret_cfg) {
                r = img_config_parse(buf, len, ret_cfg, err);
                if (r < 0) {
                        if (ret_json) {
                                json_decref(*ret_json);
                                *ret_json = NULL;
                        }
                        return r;
                }
        }
        return 0;
}

void img_image_free(ImgImage *img)
{
        if (!img)
                return;
        json_decref(img->config);
        free(img->ref);
        free(img);
}

static int image_top_chain(ImgStore *s, const char *id, char ret[IMG_DIGEST_LEN + 1],
                           BerthError **err)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = store_db_prepare(s, "SELECT top_chain FROM img_images WHERE id = ?", &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return error_set(err, ENOENT, "No such image: %s", id);
        if (rc != SQLITE_ROW)
                return store_db_error(s, "look up image", err);
        snprintf(ret, IMG_DIGEST_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
        return 0;
}

int img_store_get(ImgStore *s, const char *name, ImgImage **ret, BerthError **err)
{
        _cleanup_free_ ImgImage *img = calloc(1, sizeof(*img));
        if (!img)
                return error_set(err, ENOMEM, "out of memory");
        {
                STORE_LOCKED(s);
                int r = store_resolve(s, name, img->id, &img->ref, err);
                if (r >= 0)
                        r = image_top_chain(s, img->id, img->top_chain_id, err);
                if (r < 0) {
                        free(img->ref);
                        return r;
                }
        }
        int r = store_read_config(s, img->id, &img->config, NULL, err);
        if (r < 0) {
                free(img->ref);
                return r;
        }
        *ret = TAKE_PTR(img);
        return 0;
}

/* ---- containers ---- */

static int container_row(ImgStore *s, const char *container_id, const char *image_id,
                         const char *top, const char *dir, BerthError **err)
{
        STORE_LOCKED(s);
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = store_db_prepare(s,
                                 "INSERT OR REPLACE INTO img_containers(container_id, image_id,"
                                 " container_dir, top_chain, mounted) VALUES(?, ?, ?, ?, 0)",
                                 &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, image_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, dir, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, top, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
                return store_db_error(s, "record container", err);
        return 0;
}

static int container_set_mounted(ImgStore *s, const char *dir, int mounted, BerthError **err)
{
        STORE_LOCKED(s);
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = store_db_prepare(s, "UPDATE img_containers SET mounted = ? WHERE container_dir = ?",
                                 &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_int(st, 1, mounted);
        sqlite3_bind_text(st, 2, dir, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
                return store_db_error(s, "record container", err);
        return 0;
}

int img_store_container_mount(ImgStore *s, const char *image_id, const char *container_id,
                              const char *container_dir, char **ret_rootfs, BerthError **err)
{
        char id[IMG_DIGEST_LEN + 1], top[IMG_DIGEST_LEN + 1];
        {
                STORE_LOCKED(s);
                int r = store_resolve(s, image_id, id, NULL, err);
                if (r >= 0)
                        r = image_top_chain(s, id, top, err);
                if (r < 0)
                        return error_prefix(err, "mount container %s", container_id);
        }
        int r = container_row(s, container_id, id, top, container_dir, err);
        if (r < 0)
                return r;
        r = img_layerstore_mount(s->layers, *top ? top : NULL, container_dir, ret_rootfs, err);
        if (r < 0)
                return error_prefix(err, "mount container %s", container_id);
        return container_set_mounted(s, container_dir, 1, err);
}

int img_store_container_unmount(ImgStore *s, const char *container_dir, BerthError **err)
{
        int r = img_layerstore_unmount(s->layers, container_dir, err);
        if (r < 0)
                return r;
        return container_set_mounted(s, container_dir, 0, err);
}

int img_store_container_remove(ImgStore *s, const char *container_id, const char *container_dir,
                               BerthError **err)
{
        int r = img_layerstore_remove_container(s->layers, container_dir, err);
        if (r < 0)
                return error_prefix(err, "remove container %s", container_id);
        STORE_LOCKED(s);
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        r = store_db_prepare(s, "DELETE FROM img_containers WHERE container_id = ?", &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
                return store_db_error(s, "forget container", err);
        return 0;
}

/* Mounts the container's rootfs when it is not mounted; *ret_mounted_here
 * says whether the caller must unmount it again. */
static int ensure_rootfs(ImgStore *s, const char *image_id, const char *container_dir,
                         char **ret_rootfs, bool *ret_mounted_here, BerthError **err)
{
        int mounted = 0;
        {
                STORE_LOCKED(s);
                _cleanup_stmt_ sqlite3_stmt *st = NULL;
                int r = store_db_prepare(
                    s, "SELECT mounted FROM img_containers WHERE container_dir = ?", &st, err);
                if (r < 0)
                        return r;
                sqlite3_bind_text(st, 1, container_dir, -1, SQLITE_STATIC);
                if (sqlite3_step(st) == SQLITE_ROW)
                        mounted = sqlite3_column_int(st, 0);
        }
        *ret_mounted_here = false;
        if (mounted) {
                if (asprintf(ret_rootfs, "%s/rootfs", container_dir) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                return 0;
        }
        char id[IMG_DIGEST_LEN + 1], top[IMG_DIGEST_LEN + 1];
        {
                STORE_LOCKED(s);
                int r = store_resolve(s, image_id, id, NULL, err);
                if (r >= 0)
                        r = image_top_chain(s, id, top, err);
                if (r < 0)
                        return r;
        }
        int r = img_layerstore_mount(s->layers, *top ? top : NULL, container_dir, ret_rootfs, err);
        if (r < 0)
                return r;
        *ret_mounted_here = true;
        return 0;
}

static int write_tree(struct archive *out, const char *root, BerthError **err)
{
        struct archive *disk = archive_read_disk_new();
        if (!disk)
                return error_set(err, ENOMEM, "out of memory");
        archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS |
                                                 ARCHIVE_READDISK_NO_XATTR);
        struct archive_entry_linkresolver *lr = archive_entry_linkresolver_new();
        archive_entry_linkresolver_set_strategy(lr, archive_format(out));
        int r = 0;
        if (archive_read_disk_open(disk, root) != ARCHIVE_OK) {
                r = error_set(err, EIO, "export: open '%s': %s", root, archive_error_string(disk));
                goto out;
        }
        size_t rootlen = strlen(root);
        for (;;) {
                struct archive_entry *e = archive_entry_new();
                int rc = archive_read_next_header2(disk, e);
                if (rc == ARCHIVE_EOF) {
                        archive_entry_free(e);
                        break;
                }
                if (rc < ARCHIVE_WARN) {
                        r = error_set(err, EIO, "export: %s", archive_error_string(disk));
                        archive_entry_free(e);
                        goto out;
                }
                archive_read_disk_descend(disk);
                const char *p = archive_entry_pathname(e);
                if (strncmp(p, root, rootlen) == 0)
                        p += rootlen;
                while (*p == '/')
                        p++;
                if (!*p) {
                        archive_entry_free(e);
                        continue;
                }
                _cleanup_free_ char *name = strdup(p);
                archive_entry_set_pathname(e, name);
                struct archive_entry *sparse = NULL;
                struct archive_entry *cur = e;
                archive_entry_linkify(lr, &cur, &sparse);
                if (cur) {
                        if (archive_write_header(out, cur) < ARCHIVE_WARN) {
                                r = error_set(err, EIO, "export: write '%s': %s", name,
                                              archive_error_string(out));
                                archive_entry_free(e);
                                goto out;
                        }
                        if (archive_entry_filetype(cur) == AE_IFREG &&
                            archive_entry_size(cur) > 0) {
                                const void *buf;
                                size_t len;
                                int64_t off;
                                while ((rc = archive_read_data_block(disk, &buf, &len, &off)) ==
                                       ARCHIVE_OK)
                                        if (archive_write_data(out, buf, len) < 0) {
                                                r = error_set(err, EIO, "export: write: %s",
                                                              archive_error_string(out));
                                                archive_entry_free(e);
                                                goto out;
                                        }
                                if (rc != ARCHIVE_EOF) {
                                        r = error_set(err, EIO, "export: read '%s': %s", name,
                                                      archive_error_string(disk));
                                        archive_entry_free(e);
                                        goto out;
                                }
                        }
                }
                archive_entry_free(e);
        }
out:
        archive_entry_linkresolver_free(lr);
        archive_read_free(disk);
        return r;
}

int img_store_container_export(ImgStore *s, const char *image_id, const char *container_dir,
                               int out_fd, BerthError **err)
{
        _cleanup_free_ char *rootfs = NULL;
        bool mounted_here = false;
        int r = ensure_rootfs(s, image_id, container_dir, &rootfs, &mounted_here, err);
        if (r < 0)
                return error_prefix(err, "export");
        struct archive *out = archive_write_new();
        if (!out) {
                r = error_set(err, ENOMEM, "out of memory");
                goto done;
        }
        archive_write_set_format_pax_restricted(out);
        archive_write_set_bytes_in_last_block(out, 1);
        if (archive_write_open_fd(out, out_fd) != ARCHIVE_OK) {
                r = error_set(err, EIO, "export: %s", archive_error_string(out));
                archive_write_free(out);
                goto done;
        }
        r = write_tree(out, rootfs, err);
        if (archive_write_close(out) != ARCHIVE_OK && r >= 0)
                r = error_set(err, EIO, "export: %s", archive_error_string(out));
        archive_write_free(out);
done:
        if (mounted_here)
                (void)img_layerstore_unmount(s->layers, container_dir, NULL);
        return r;
}

static bool in_image(char **lowers, const char *path)
{
        STRV_FOREACH(l, lowers)
        {
                _cleanup_free_ char *p = NULL;
                struct stat st;
                if (asprintf(&p, "%s/%s", *l, path) >= 0 && lstat(p, &st) == 0)
                        return true;
        }
        return false;
}

int img_store_container_changes(ImgStore *s, const char *image_id, const char *container_dir,
                                json_t **ret, BerthError **err)
{
        char id[IMG_DIGEST_LEN + 1], top[IMG_DIGEST_LEN + 1];
        _cleanup_free_ StoreLayer *layers = NULL;
        size_t n = 0;
        {
                STORE_LOCKED(s);
                int r = store_resolve(s, image_id, id, NULL, err);
                if (r >= 0)
                        r = image_top_chain(s, id, top, err);
                if (r >= 0)
                        r = store_db_image_layers(s, id, &layers, &n, err);
                if (r < 0)
                        return error_prefix(err, "changes");
        }
        _cleanup_strv_free_ char **lowers = NULL;
        bool vfs = STREQ(img_layerstore_driver_name(s->layers), "vfs");
        for (size_t i = vfs && n ? n - 1 : 0; i < n; i++) {
                char *p = NULL;
                int r = img_layerstore_diff_path(s->layers, layers[i].chain_id, &p, err);
                if (r < 0)
                        return r;
                if (strv_push(&lowers, p) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        _cleanup_close_ int fd = open(s->tmp_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "changes: temporary file in '%s'", s->tmp_dir);
        int r = img_layerstore_changes(s->layers, *top ? top : NULL, container_dir, fd, err);
        if (r < 0)
                return error_prefix(err, "changes");
        if (lseek(fd, 0, SEEK_SET) < 0)
                return error_set_errno(err, errno, "changes: rewind");
        struct archive *a = archive_read_new();
        archive_read_support_format_tar(a);
        if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
                r = error_set(err, EIO, "changes: %s", archive_error_string(a));
                archive_read_free(a);
                return r;
        }
        _cleanup_json_ json_t *arr = json_array();
        struct archive_entry *e;
        int rc;
        while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
                _cleanup_free_ char *clean = NULL;
                if (img_layer_clean_path(archive_entry_pathname(e), &clean) < 0 || !*clean)
                        continue;
                const char *slash = strrchr(clean, '/');
                const char *base = slash ? slash + 1 : clean;
                int dirlen = slash ? (int)(slash - clean) + 1 : 0;
                int kind;
                _cleanup_free_ char *path = NULL;
                int pr;
                if (STREQ(base, ".wh..wh..opq")) {
                        continue;
                } else if (strncmp(base, ".wh.", 4) == 0) {
                        kind = 2;
                        pr = asprintf(&path, "/%.*s%s", dirlen, clean, base + 4);
                } else {
                        kind = in_image(lowers, clean) ? 0 : 1;
                        pr = asprintf(&path, "/%s", clean);
                }
                if (pr < 0) {
                        archive_read_free(a);
                        return error_set(err, ENOMEM, "out of memory");
                }
                json_array_append_new(arr, json_pack("{s:s,s:i}", "Path", path, "Kind", kind));
        }
        if (rc != ARCHIVE_EOF) {
                r = error_set(err, EIO, "changes: %s", archive_error_string(a));
                archive_read_free(a);
                return r;
        }
        archive_read_free(a);
        *ret = TAKE_PTR(arr);
        return 0;
}
