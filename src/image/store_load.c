/* img_store_load: `docker save` archives (manifest.json, any Docker
 * version since 1.10) and OCI image layout archives (index.json).
 *
 * The archive is extracted into a scratch directory first (its members may
 * come in any order). Then, for every image: the config is parsed, each
 * layer's uncompressed content is stored as a blob checked against the
 * config's diff_id, the layers are unpacked (img_layerstore_create_many)
 * and finally one transaction records images and tags. Any failure undoes
 * what this load created (blobs, layers, rows): nothing partial stays. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/strv.h"
#include "image/decompress.h"
#include "image/manifest.h"
#include "image/store_internal.h"

/* ---- archive extraction ---- */

static int mkdir_parents(const char *dir, const char *rel, BerthError **err)
{
        _cleanup_free_ char *p = NULL;
        if (asprintf(&p, "%s/%s", dir, rel) < 0)
                return error_set(err, ENOMEM, "out of memory");
        char *slash = strrchr(p, '/');
        *slash = '\0';
        return mkdir_p(p, 0700, err);
}

int store_extract_tar(int fd, const char *dir, char ***ret_links, BerthError **err)
{
        _cleanup_strv_free_ char **links = NULL;
        struct archive *a = archive_read_new();
        if (!a)
                return error_set(err, ENOMEM, "out of memory");
        archive_read_support_filter_all(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_gnutar(a);
        int r = 0;
        if (archive_read_open_fd(a, fd, 128 * 1024) != ARCHIVE_OK) {
                r = error_set(err, EINVAL, "read archive: %s", archive_error_string(a));
                goto out;
        }
        struct archive_entry *e;
        int rc;
        size_t n_entries = 0;
        while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
                n_entries++;
                const char *name = archive_entry_pathname(e);
                _cleanup_free_ char *clean = NULL;
                int cr = name ? img_layer_clean_path(name, &clean) : -EINVAL;
                if (cr == -ENOMEM) {
                        r = error_set(err, ENOMEM, "out of memory");
                        goto out;
                }
                if (cr < 0) {
                        r = error_set(err, EINVAL, "archive entry '%s' escapes the archive",
                                      name ? name : "");
                        goto out;
                }
                if (!*clean)
                        continue;
                mode_t type = archive_entry_filetype(e);
                const char *hl = archive_entry_hardlink(e);
                if (hl || type == AE_IFLNK) {
                        _cleanup_free_ char *target = NULL;
                        if (hl) {
                                if (img_layer_clean_path(hl, &target) < 0) {
                                        r = error_set(
                                            err, EINVAL,
                                            "archive entry '%s' links outside the archive", clean);
                                        goto out;
                                }
                        } else {
                                const char *t = archive_entry_symlink(e);
                                _cleanup_free_ char *joined = NULL;
                                const char *slash = strrchr(clean, '/');
                                if (!t || t[0] == '/' ||
                                    asprintf(&joined, "%.*s%s%s", slash ? (int)(slash - clean) : 0,
                                             clean, slash ? "/" : "", t) < 0 ||
                                    img_layer_clean_path(joined, &target) < 0) {
                                        r = error_set(
                                            err, EINVAL,
                                            "archive entry '%s' links outside the archive", clean);
                                        goto out;
                                }
                        }
                        if (strv_append(&links, clean) < 0 || strv_append(&links, target) < 0) {
                                r = error_set(err, ENOMEM, "out of memory");
                                goto out;
                        }
                        continue;
                }
                if (type == AE_IFDIR) {
                        _cleanup_free_ char *p = NULL;
                        if (asprintf(&p, "%s/%s", dir, clean) < 0) {
                                r = error_set(err, ENOMEM, "out of memory");
                                goto out;
                        }
                        r = mkdir_p(p, 0700, err);
                        if (r < 0)
                                goto out;
                        continue;
                }
                if (type != AE_IFREG)
                        continue;
                r = mkdir_parents(dir, clean, err);
                if (r < 0)
                        goto out;
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", dir, clean) < 0) {
                        r = error_set(err, ENOMEM, "out of memory");
                        goto out;
                }
                _cleanup_close_ int ofd =
                    open(p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (ofd < 0) {
                        r = error_set_errno(err, errno, "archive entry '%s'", clean);
                        goto out;
                }
                const void *buf;
                size_t len;
                int64_t off;
                while ((rc = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
                        if (lseek(ofd, off, SEEK_SET) < 0 || write_all_fd(ofd, buf, len) < 0) {
                                r = error_set_errno(err, errno, "archive entry '%s': write", clean);
                                goto out;
                        }
                }
                if (rc != ARCHIVE_EOF) {
                        r = error_set(
                            err, EINVAL,
                            "archive entry '%s': %s (the archive is truncated or corrupt)", clean,
                            archive_error_string(a));
                        goto out;
                }
                struct stat st;
                if (fstat(ofd, &st) == 0 && st.st_size < archive_entry_size(e) &&
                    ftruncate(ofd, archive_entry_size(e)) < 0) {
                        r = error_set_errno(err, errno, "archive entry '%s'", clean);
                        goto out;
                }
        }
        if (rc != ARCHIVE_EOF) {
                r = error_set(err, EINVAL, "read archive: %s (truncated or not a tar archive)",
                              archive_error_string(a) ? archive_error_string(a) : "error");
                goto out;
        }
        if (n_entries == 0) {
                r = error_set(err, EINVAL, "read archive: the archive is empty");
                goto out;
        }
        if (!links && !(links = calloc(1, sizeof(char *)))) {
                r = error_set(err, ENOMEM, "out of memory");
                goto out;
        }
        *ret_links = TAKE_PTR(links);
out:
        archive_read_free(a);
        return r;
}

/* The file on disk holding an extracted member, its links followed. */
static int member_path(const char *dir, char **links, const char *path, char **ret,
                       BerthError **err)
{
        _cleanup_free_ char *cur = NULL;
        if (img_layer_clean_path(path, &cur) < 0)
                return error_set(err, EINVAL, "'%s' escapes the archive", path);
        for (int hops = 0; hops < 16; hops++) {
                bool followed = false;
                for (size_t i = 0; links && links[i] && links[i + 1]; i += 2)
                        if (STREQ(links[i], cur)) {
                                free(cur);
                                if (!(cur = strdup(links[i + 1])))
                                        return error_set(err, ENOMEM, "out of memory");
                                followed = true;
                                break;
                        }
                if (!followed)
                        break;
        }
        if (asprintf(ret, "%s/%s", dir, cur) < 0) {
                *ret = NULL;
                return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

int store_open_member(const char *dir, char **links, const char *path, BerthError **err)
{
        _cleanup_free_ char *p = NULL;
        int r = member_path(dir, links, path, &p, err);
        if (r < 0)
                return r;
        int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return error_set(err, ENOENT, "'%s' is missing from the archive", path);
                return error_set_errno(err, errno, "open '%s' in the archive", path);
        }
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return error_set(err, EINVAL, "'%s' in the archive is not a file", path);
        }
        return fd;
}

int store_read_member(const char *dir, char **links, const char *path, size_t max, char **ret,
                      size_t *ret_len, BerthError **err)
{
        _cleanup_close_ int fd = store_open_member(dir, links, path, err);
        if (fd < 0)
                return fd;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat '%s'", path);
        if ((uint64_t)st.st_size > max)
                return error_set(err, EFBIG, "'%s' is too large (%lld bytes, at most %zu)", path,
                                 (long long)st.st_size, max);
        _cleanup_free_ char *buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        ssize_t n = read_all_fd(fd, buf, (size_t)st.st_size);
        if (n != st.st_size)
                return error_set(err, EIO, "read '%s': short read", path);
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_len = (size_t)n;
        return 0;
}

/* ---- the load ---- */

typedef struct LoadImage {
        char id[IMG_DIGEST_LEN + 1];
        ImgConfig *cfg;
        char **tags; /* full references */
        char *parent;
        StoreLayer *layers;
        size_t n_layers;
} LoadImage;

/* One layer to store as an uncompressed blob (run in parallel). */
typedef struct BlobJob {
        int fd;          /* the member, owned */
        char *disk_path; /* the member's file (docker-save), or NULL */
        char diff_id[IMG_DIGEST_LEN + 1];
        char *raw_digest;              /* OCI: the descriptor's digest to verify, or NULL */
        int64_t raw_size;              /* OCI: the descriptor's size, -1 = unchecked */
        char *what;                    /* for messages */
        char blob[IMG_DIGEST_LEN + 1]; /* result: the stored blob */
        int created;
        int r;
        BerthError *err;
} BlobJob;

typedef struct Load {
        ImgStore *s;
        const char *dir;
        char **links;
        LoadImage *imgs;
        size_t n_imgs;
        char **created_blobs;
        char **created_layers; /* in creation order */
        BlobJob *jobs;
        size_t n_jobs;
        size_t next_job; /* under job_lock */
        pthread_mutex_t job_lock;
} Load;

static void load_clear(Load *l)
{
        for (size_t i = 0; i < l->n_imgs; i++) {
                img_config_free(l->imgs[i].cfg);
                strv_free(l->imgs[i].tags);
                free(l->imgs[i].parent);
                free(l->imgs[i].layers);
        }
        free(l->imgs);
        for (size_t i = 0; i < l->n_jobs; i++) {
                if (l->jobs[i].fd >= 0)
                        close(l->jobs[i].fd);
                free(l->jobs[i].disk_path);
                free(l->jobs[i].raw_digest);
                free(l->jobs[i].what);
                error_free(l->jobs[i].err);
        }
        free(l->jobs);
        strv_free(l->created_blobs);
        strv_free(l->created_layers);
        strv_free(l->links);
}

static void load_undo(Load *l)
{
        size_t n = strv_length(l->created_layers);
        for (size_t i = n; i > 0; i--)
                (void)img_layerstore_remove(l->s->layers, l->created_layers[i - 1], NULL);
        STRV_FOREACH(b, l->created_blobs)
        (void)img_blobstore_delete(l->s->blobs, *b, NULL);
}

static LoadImage *load_new_image(Load *l, BerthError **err)
{
        LoadImage *v = realloc(l->imgs, (l->n_imgs + 1) * sizeof(*v));
        if (!v) {
                error_set(err, ENOMEM, "out of memory");
                return NULL;
        }
        l->imgs = v;
        LoadImage *img = &v[l->n_imgs++];
        *img = (LoadImage){0};
        return img;
}

static int note_blob(Load *l, const char *digest, int created, BerthError **err)
{
        if (created > 0 && strv_append(&l->created_blobs, digest) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

/* Stores the config blob and checks it against the diff_ids count. */
static int load_config(Load *l, LoadImage *img, const char *buf, size_t len, const char *what,
                       size_t n_layers, BerthError **err)
{
        int r = img_config_parse(buf, len, &img->cfg, err);
        if (r < 0)
                return error_prefix(err, "%s", what);
        ImgDigest id;
        r = img_image_id(buf, len, &id);
        if (r < 0)
                return error_set(err, -r, "%s: hash", what);
        memcpy(img->id, id.str, IMG_DIGEST_LEN);
        img->id[IMG_DIGEST_LEN] = '\0';
        size_t n_diff = strv_length(img->cfg->diff_ids);
        if (n_diff != n_layers)
                return error_set(err, EINVAL,
                                 "%s: the image has %zu layers but its config lists %zu diff_ids",
                                 what, n_layers, n_diff);
        ImgDigest got;
        r = img_blobstore_put(l->s->blobs, buf, len, img->id, &got, err);
        if (r < 0)
                return error_prefix(err, "%s", what);
        r = note_blob(l, img->id, r, err);
        if (r < 0)
                return r;
        img->layers = calloc(n_layers ? n_layers : 1, sizeof(StoreLayer));
        if (!img->layers)
                return error_set(err, ENOMEM, "out of memory");
        img->n_layers = n_layers;
        const char *parent = NULL;
        for (size_t i = 0; i < n_layers; i++) {
                snprintf(img->layers[i].diff_id, sizeof(img->layers[i].diff_id), "%s",
                         img->cfg->diff_ids[i]);
                img_layer_chain_id(parent, img->cfg->diff_ids[i], img->layers[i].chain_id);
                parent = img->layers[i].chain_id;
        }
        return 0;
}

/* Stores a layer member as received (compressed or not) as the blob
 * `digest` (already checked by the caller): hard-linked from the scratch
 * dir (same filesystem) when possible, else copied. Returns 1 when this
 * call stored it, 0 when it was present. */
static int adopt_blob(Load *l, int fd, const char *disk_path, const char *digest, BerthError **err)
{
        int r = img_blobstore_exists(l->s->blobs, digest, err);
        if (r != 0)
                return r < 0 ? r : 0;
        if (disk_path) {
                _cleanup_free_ char *dest = NULL;
                r = img_blobstore_path(l->s->blobs, digest, &dest, err);
                if (r < 0)
                        return r;
                if (fsync(fd) < 0 || fchmod(fd, 0644) < 0)
                        return error_set_errno(err, errno, "blob %s", digest);
                if (link(disk_path, dest) == 0)
                        return 1;
        }
        if (lseek(fd, 0, SEEK_SET) < 0)
                return error_set_errno(err, errno, "blob %s: rewind", digest);
        return img_blobstore_put_fd(l->s->blobs, fd, digest, -1, NULL, err);
}

/* True when the store already holds a blob of this layer (recorded for
 * another image, or its uncompressed tar); layer->blob gets it. */
static bool known_layer_blob(Load *l, StoreLayer *layer)
{
        char blob[IMG_DIGEST_LEN + 1] = "";
        {
                STORE_LOCKED(l->s);
                _cleanup_stmt_ sqlite3_stmt *st = NULL;
                if (store_db_prepare(l->s,
                                     "SELECT blob FROM img_image_layers WHERE diff_id = ? AND"
                                     " blob != '' LIMIT 1",
                                     &st, NULL) >= 0) {
                        sqlite3_bind_text(st, 1, layer->diff_id, -1, SQLITE_STATIC);
                        if (sqlite3_step(st) == SQLITE_ROW)
                                snprintf(blob, sizeof(blob), "%s",
                                         (const char *)sqlite3_column_text(st, 0));
                }
        }
        if (*blob && img_blobstore_exists(l->s->blobs, blob, NULL) > 0) {
                memcpy(layer->blob, blob, sizeof(blob));
                return true;
        }
        if (img_blobstore_exists(l->s->blobs, layer->diff_id, NULL) > 0) {
                memcpy(layer->blob, layer->diff_id, sizeof(layer->blob));
                return true;
        }
        return false;
}

/* Queues the uncompressed content of one layer (member fd, taken) to be
 * stored as a blob named by its diff_id. */
static int queue_layer_blob(Load *l, const char *diff_id, int fd, const char *disk_path,
                            const ImgDescriptor *raw, const char *what, BerthError **err)
{
        for (size_t i = 0; i < l->n_jobs; i++)
                if (STREQ(l->jobs[i].diff_id, diff_id)) {
                        close(fd);
                        return 0;
                }
        BlobJob *v = realloc(l->jobs, (l->n_jobs + 1) * sizeof(*v));
        if (!v) {
                close(fd);
                return error_set(err, ENOMEM, "out of memory");
        }
        l->jobs = v;
        BlobJob *j = &v[l->n_jobs++];
        *j = (BlobJob){.fd = fd, .raw_size = -1};
        snprintf(j->diff_id, sizeof(j->diff_id), "%s", diff_id);
        j->what = strdup(what);
        if (disk_path)
                j->disk_path = strdup(disk_path);
        if (raw) {
                j->raw_digest = strdup(raw->digest);
                j->raw_size = raw->size;
        }
        if (!j->what || (disk_path && !j->disk_path) || (raw && !j->raw_digest))
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

/* Checks a layer member and stores it as received. An uncompressed
 * member must hash to its diff_id; a compressed one is checked against its
 * diff_id while it is unpacked (img_layerstore_create_many). */
static int run_blob_job(Load *l, BlobJob *j, BerthError **err)
{
        unsigned char head[8];
        ssize_t hn = pread(j->fd, head, sizeof(head), 0);
        if (hn < 0)
                return error_set_errno(err, errno, "layer '%s'", j->what);
        bool plain = img_compression_detect(head, (size_t)hn) == IMG_COMPRESSION_NONE;
        ImgDigest want, got;
        uint64_t size = 0;
        int r = img_digest_parse(j->raw_digest ? j->raw_digest : j->diff_id, &want, err);
        if (r < 0)
                return r;
        r = img_digest_fd(want.algo, j->fd, &got, &size, err);
        if (r < 0)
                return error_prefix(err, "layer '%s'", j->what);
        if (j->raw_digest) {
                if (!img_digest_equal(&got, &want))
                        return error_set(err, EINVAL, "blob %s: content has digest %s",
                                         j->raw_digest, got.str);
                if (j->raw_size >= 0 && size != (uint64_t)j->raw_size)
                        return error_set(err, EINVAL, "blob %s: size %llu, expected %lld",
                                         j->raw_digest, (unsigned long long)size,
                                         (long long)j->raw_size);
        }
        if (plain && !STREQ(got.str, j->diff_id)) {
                if (j->raw_digest) /* sha512 descriptor of a plain layer: hash again */
                        r = img_digest_fd(IMG_DIGEST_SHA256,
                                          lseek(j->fd, 0, SEEK_SET) < 0 ? -1 : j->fd, &got, NULL,
                                          err);
                if (r < 0 || !STREQ(got.str, j->diff_id))
                        return error_set(err, EINVAL,
                                         "layer '%s': digest mismatch: its content has diff_id "
                                         "%s, the image config lists %s",
                                         j->what, got.str, j->diff_id);
        }
        r = adopt_blob(l, j->fd, j->disk_path, got.str, err);
        if (r < 0)
                return error_prefix(err, "layer '%s'", j->what);
        j->created = r;
        memcpy(j->blob, got.str, sizeof(j->blob));
        j->blob[IMG_DIGEST_LEN] = '\0';
        return 0;
}

static void *blob_worker(void *arg)
{
        Load *l = arg;
        for (;;) {
                pthread_mutex_lock(&l->job_lock);
                size_t i = l->next_job++;
                pthread_mutex_unlock(&l->job_lock);
                if (i >= l->n_jobs)
                        return NULL;
                BlobJob *j = &l->jobs[i];
                j->r = run_blob_job(l, j, &j->err);
        }
}

/* Runs the queued layer jobs, several at once (decompression and hashing
 * of one layer overlap the others). The first failing job's error wins. */
static int load_blobs(Load *l, BerthError **err)
{
        if (l->n_jobs == 0)
                return 0;
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        size_t n = ncpu > 0 ? (size_t)ncpu : 1;
        if (n > l->n_jobs)
                n = l->n_jobs;
        if (n > 8)
                n = 8;
        pthread_mutex_init(&l->job_lock, NULL);
        l->next_job = 0;
        pthread_t th[8];
        size_t started = 0;
        for (size_t i = 1; i < n; i++)
                if (pthread_create(&th[started], NULL, blob_worker, l) == 0)
                        started++;
        blob_worker(l);
        for (size_t i = 0; i < started; i++)
                pthread_join(th[i], NULL);
        pthread_mutex_destroy(&l->job_lock);
        int r = 0;
        for (size_t i = 0; i < l->n_imgs; i++)
                for (size_t k = 0; k < l->imgs[i].n_layers; k++) {
                        StoreLayer *sl = &l->imgs[i].layers[k];
                        for (size_t q = 0; q < l->n_jobs && !*sl->blob; q++)
                                if (STREQ(l->jobs[q].diff_id, sl->diff_id) && !l->jobs[q].r)
                                        memcpy(sl->blob, l->jobs[q].blob, sizeof(sl->blob));
                }
        for (size_t i = 0; i < l->n_jobs; i++) {
                BlobJob *j = &l->jobs[i];
                if (j->created && note_blob(l, j->blob, 1, err) < 0)
                        r = -ENOMEM;
                if (j->r < 0 && r >= 0) {
                        r = j->r;
                        error_move(err, TAKE_PTR(j->err));
                }
        }
        return r;
}

static int load_tags(LoadImage *img, char *const *repo_tags, BerthError **err)
{
        img->tags = calloc(1, sizeof(char *));
        if (!img->tags)
                return error_set(err, ENOMEM, "out of memory");
        STRV_FOREACH(t, (char **)repo_tags)
        {
                _cleanup_reference_ ImgReference *ref = NULL;
                int r = img_reference_parse_normalized(*t, &ref, err);
                if (r < 0)
                        return error_prefix(err, "manifest.json: RepoTags '%s'", *t);
                if (!ref->tag || ref->digest)
                        return error_set(err, EINVAL, "manifest.json: invalid tag \"%s\"", *t);
                char *full = img_reference_string(ref);
                if (!full || strv_push(&img->tags, full) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static int load_docker_save(Load *l, BerthError **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = store_read_member(l->dir, l->links, "manifest.json", IMG_MANIFEST_MAX_SIZE, &buf,
                                  &len, err);
        if (r < 0)
                return r;
        _cleanup_archive_manifest_ ImgArchiveManifest *m = NULL;
        r = img_archive_manifest_parse(buf, len, &m, err);
        if (r < 0)
                return r;
        if (m->n_entries == 0)
                return error_set(err, EINVAL, "manifest.json: no images");
        for (size_t e = 0; e < m->n_entries; e++) {
                ImgArchiveEntry *ent = &m->entries[e];
                LoadImage *img = load_new_image(l, err);
                if (!img)
                        return -ENOMEM;
                _cleanup_free_ char *cbuf = NULL;
                size_t clen = 0;
                r = store_read_member(l->dir, l->links, ent->config, IMG_CONFIG_MAX_SIZE, &cbuf,
                                      &clen, err);
                if (r < 0)
                        return error_prefix(err, "manifest.json: Config");
                _cleanup_free_ char *what = NULL;
                if (asprintf(&what, "config '%s'", ent->config) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                r = load_config(l, img, cbuf, clen, what, strv_length(ent->layers), err);
                if (r < 0)
                        return r;
                r = load_tags(img, ent->repo_tags, err);
                if (r < 0)
                        return r;
                if (ent->parent && !(img->parent = strdup(ent->parent)))
                        return error_set(err, ENOMEM, "out of memory");
                for (size_t i = 0; i < img->n_layers; i++) {
                        if (known_layer_blob(l, &img->layers[i]))
                                continue;
                        _cleanup_close_ int fd =
                            store_open_member(l->dir, l->links, ent->layers[i], err);
                        if (fd < 0)
                                return error_prefix(err, "manifest.json: Layers");
                        _cleanup_free_ char *disk = NULL;
                        r = member_path(l->dir, l->links, ent->layers[i], &disk, err);
                        if (r >= 0)
                                r = queue_layer_blob(l, img->layers[i].diff_id, TAKE_FD(fd), disk,
                                                     NULL, ent->layers[i], err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* Opens blobs/<algo>/<hex> of an OCI layout. */
static int oci_open_raw(Load *l, const ImgDescriptor *d, BerthError **err)
{
        ImgDigest dg;
        int r = img_digest_parse(d->digest, &dg, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "blobs/%s/%s", img_digest_algo_name(dg.algo), img_digest_hex(&dg)) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return store_open_member(l->dir, l->links, path, err);
}

/* Opens blobs/<algo>/<hex> of an OCI layout and checks its digest. */
static int oci_open_blob(Load *l, const ImgDescriptor *d, BerthError **err)
{
        ImgDigest dg;
        int r = img_digest_parse(d->digest, &dg, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = oci_open_raw(l, d, err);
        if (fd < 0)
                return fd;
        ImgDigest got;
        uint64_t size = 0;
        r = img_digest_fd(dg.algo, fd, &got, &size, err);
        if (r < 0)
                return r;
        if (!img_digest_equal(&got, &dg))
                return error_set(err, EINVAL, "blob %s: content has digest %s", d->digest, got.str);
        if (d->size >= 0 && size != (uint64_t)d->size)
                return error_set(err, EINVAL, "blob %s: size %llu, expected %lld", d->digest,
                                 (unsigned long long)size, (long long)d->size);
        if (lseek(fd, 0, SEEK_SET) < 0)
                return error_set_errno(err, errno, "blob %s: rewind", d->digest);
        return TAKE_FD(fd);
}

static int oci_read_blob(Load *l, const ImgDescriptor *d, size_t max, char **ret, size_t *ret_len,
                         BerthError **err)
{
        if (d->size > (int64_t)max)
                return error_set(err, EFBIG, "blob %s: too large (%lld bytes)", d->digest,
                                 (long long)d->size);
        _cleanup_close_ int fd = oci_open_blob(l, d, err);
        if (fd < 0)
                return fd;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "blob %s", d->digest);
        if ((uint64_t)st.st_size > max)
                return error_set(err, EFBIG, "blob %s: too large", d->digest);
        _cleanup_free_ char *buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        if (read_all_fd(fd, buf, (size_t)st.st_size) != st.st_size)
                return error_set(err, EIO, "blob %s: short read", d->digest);
        buf[st.st_size] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_len = (size_t)st.st_size;
        return 0;
}

static void host_platform(const char **os, const char **arch)
{
        struct utsname u;
        *os = "linux";
        *arch = "amd64";
        if (uname(&u) == 0) {
                if (STREQ(u.machine, "aarch64"))
                        *arch = "arm64";
                else if (strncmp(u.machine, "arm", 3) == 0)
                        *arch = "arm";
                else if (STREQ(u.machine, "ppc64le"))
                        *arch = "ppc64le";
                else if (STREQ(u.machine, "s390x"))
                        *arch = "s390x";
                else if (STREQ(u.machine, "riscv64"))
                        *arch = "riscv64";
        }
}

/* The reference an index entry names: io.containerd.image.name, or
 * org.opencontainers.image.ref.name when it is a whole reference (a bare
 * tag names no repository). NULL when none. */
static const char *oci_ref_name(const ImgDescriptor *d)
{
        const char *n = img_strmap_get(d->annotations, IMG_CONTAINERD_IMAGE_NAME_ANNOTATION);
        if (n)
                return n;
        n = img_strmap_get(d->annotations, IMG_OCI_REF_NAME_ANNOTATION);
        if (n && (strchr(n, ':') || strchr(n, '/')))
                return n;
        return NULL;
}

static int oci_load_manifest(Load *l, const ImgDescriptor *d, const char *ref_name, int depth,
                             BerthError **err)
{
        if (depth > 4)
                return error_set(err, EINVAL, "index.json: indexes nested too deeply");
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = oci_read_blob(l, d, IMG_MANIFEST_MAX_SIZE, &buf, &len, err);
        if (r < 0)
                return r;
        const char *mt = NULL;
        r = img_manifest_detect(buf, len, d->media_type, &mt, err);
        if (r < 0)
                return error_prefix(err, "manifest %s", d->digest);
        if (img_media_type_is_index(mt)) {
                _cleanup_index_ ImgIndex *idx = NULL;
                r = img_index_parse(buf, len, mt, &idx, err);
                if (r < 0)
                        return error_prefix(err, "index %s", d->digest);
                const char *os, *arch;
                host_platform(&os, &arch);
                int sel = img_index_select(idx, os, arch, NULL);
                if (sel < 0)
                        return error_set(err, ENOENT, "index %s: no manifest for %s/%s", d->digest,
                                         os, arch);
                return oci_load_manifest(l, &idx->manifests[sel], ref_name, depth + 1, err);
        }
        _cleanup_manifest_ ImgManifest *m = NULL;
        r = img_manifest_parse(buf, len, mt, &m, err);
        if (r < 0)
                return error_prefix(err, "manifest %s", d->digest);
        LoadImage *img = load_new_image(l, err);
        if (!img)
                return -ENOMEM;
        _cleanup_free_ char *cbuf = NULL;
        size_t clen = 0;
        r = oci_read_blob(l, &m->config, IMG_CONFIG_MAX_SIZE, &cbuf, &clen, err);
        if (r < 0)
                return error_prefix(err, "manifest %s: config", d->digest);
        _cleanup_free_ char *what = NULL;
        if (asprintf(&what, "config %s", m->config.digest) < 0)
                return error_set(err, ENOMEM, "out of memory");
        r = load_config(l, img, cbuf, clen, what, m->n_layers, err);
        if (r < 0)
                return r;
        char *tags[2] = {(char *)ref_name, NULL};
        r = load_tags(img, ref_name ? tags : NULL, err);
        if (r < 0)
                return error_prefix(err, "index.json");
        for (size_t i = 0; i < m->n_layers; i++) {
                if (known_layer_blob(l, &img->layers[i]))
                        continue;
                int fd = oci_open_raw(l, &m->layers[i], err);
                if (fd < 0)
                        return error_prefix(err, "manifest %s: layers[%zu]", d->digest, i);
                _cleanup_free_ char *rel = NULL, *disk = NULL;
                ImgDigest dg;
                if (img_digest_parse(m->layers[i].digest, &dg, NULL) < 0 ||
                    asprintf(&rel, "blobs/%s/%s", img_digest_algo_name(dg.algo),
                             img_digest_hex(&dg)) < 0 ||
                    member_path(l->dir, l->links, rel, &disk, NULL) < 0) {
                        close(fd);
                        return error_set(err, ENOMEM, "out of memory");
                }
                r = queue_layer_blob(l, img->layers[i].diff_id, fd, disk, &m->layers[i],
                                     m->layers[i].digest, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int load_oci(Load *l, BerthError **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = store_read_member(l->dir, l->links, "index.json", IMG_MANIFEST_MAX_SIZE, &buf, &len,
                                  err);
        if (r < 0)
                return r;
        _cleanup_index_ ImgIndex *idx = NULL;
        r = img_index_parse(buf, len, IMG_MEDIA_TYPE_OCI_INDEX, &idx, err);
        if (r < 0)
                return error_prefix(err, "index.json");
        if (idx->n_manifests == 0)
                return error_set(err, EINVAL, "index.json: no manifests");
        for (size_t i = 0; i < idx->n_manifests; i++) {
                r = oci_load_manifest(l, &idx->manifests[i], oci_ref_name(&idx->manifests[i]), 0,
                                      err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Unpacks the layers of every image (content_lock held). */
static int load_unpack(Load *l, BerthError **err)
{
        for (size_t i = 0; i < l->n_imgs; i++) {
                LoadImage *img = &l->imgs[i];
                if (img->n_layers == 0)
                        continue;
                _cleanup_free_ ImgLayerJob *jobs = calloc(img->n_layers, sizeof(*jobs));
                _cleanup_free_ bool *existed = calloc(img->n_layers, sizeof(bool));
                if (!jobs || !existed)
                        return error_set(err, ENOMEM, "out of memory");
                int r = 0;
                for (size_t j = 0; j < img->n_layers; j++)
                        jobs[j].src_fd = -1;
                for (size_t j = 0; j < img->n_layers; j++) {
                        existed[j] = img_layerstore_exists(l->s->layers, img->layers[j].chain_id);
                        jobs[j].parent_chain_id = j ? img->layers[j - 1].chain_id : NULL;
                        jobs[j].expected_diff_id = img->layers[j].diff_id;
                        if (existed[j])
                                continue;
                        jobs[j].src_fd =
                            img_blobstore_open_blob(l->s->blobs, img->layers[j].blob, err);
                        if (jobs[j].src_fd < 0) {
                                r = jobs[j].src_fd;
                                jobs[j].src_fd = -1;
                                break;
                        }
                }
                if (r >= 0)
                        r = img_layerstore_create_many(l->s->layers, jobs, img->n_layers, 0, err);
                for (size_t j = 0; j < img->n_layers; j++)
                        if (jobs[j].src_fd >= 0)
                                close(jobs[j].src_fd);
                if (r < 0)
                        return error_prefix(err, "image %s", img->id);
                for (size_t j = 0; j < img->n_layers; j++) {
                        if (!existed[j] &&
                            strv_append(&l->created_layers, img->layers[j].chain_id) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        ImgLayerInfo info;
                        r = img_layerstore_get(l->s->layers, img->layers[j].chain_id, &info, err);
                        if (r < 0)
                                return r;
                        img->layers[j].size = info.size;
                }
        }
        return 0;
}

static int load_commit(Load *l, json_t *lines, BerthError **err)
{
        STORE_LOCKED(l->s);
        int r = store_db_exec(l->s, "BEGIN IMMEDIATE", err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < l->n_imgs && r >= 0; i++) {
                LoadImage *img = &l->imgs[i];
                const char *parent = NULL;
                if (img->parent && store_db_image_exists(l->s, img->parent, NULL) > 0)
                        parent = img->parent;
                StoreNewImage ni = {
                    .id = img->id,
                    .top_chain_id = img->n_layers ? img->layers[img->n_layers - 1].chain_id : "",
                    .created = img->cfg->created,
                    .parent = parent,
                    .layers = img->layers,
                    .n_layers = img->n_layers,
                };
                r = store_db_add_image(l->s, &ni, err);
                if (r < 0)
                        break;
                /* Blobs the image now references are no longer this load's to undo. */
                STRV_FOREACH(t, img->tags)
                {
                        _cleanup_reference_ ImgReference *ref = NULL;
                        r = img_reference_parse_normalized(*t, &ref, err);
                        if (r < 0)
                                break;
                        _cleanup_free_ char *repo = img_reference_name(ref);
                        _cleanup_free_ char *fam = img_reference_familiar_string(ref);
                        _cleanup_free_ char *old = NULL;
                        if (!repo || !fam) {
                                r = error_set(err, ENOMEM, "out of memory");
                                break;
                        }
                        r = store_db_set_ref(l->s, *t, repo, false, img->id, &old, err);
                        if (r < 0)
                                break;
                        if (old)
                                json_array_append_new(
                                    lines,
                                    json_sprintf("The image %s already exists, renaming the old "
                                                 "one with ID %s to empty string",
                                                 fam, old));
                        json_array_append_new(lines, json_sprintf("Loaded image: %s", fam));
                }
                if (r >= 0 && !img->tags[0])
                        json_array_append_new(lines, json_sprintf("Loaded image ID: %s", img->id));
        }
        if (r < 0) {
                (void)store_db_exec(l->s, "ROLLBACK", NULL);
                return r;
        }
        r = store_db_exec(l->s, "COMMIT", err);
        if (r < 0)
                (void)store_db_exec(l->s, "ROLLBACK", NULL);
        return r;
}

int img_store_load(ImgStore *s, int fd, json_t **ret_loaded, BerthError **err)
{
        _cleanup_free_ char *dir = NULL;
        int r = store_mkdtemp(s, "load", &dir, err);
        if (r < 0)
                return error_prefix(err, "load");
        Load l = {.s = s, .dir = dir};
        _cleanup_json_ json_t *lines = json_array();
        _cleanup_free_ char *rpath = NULL;
        r = store_extract_tar(fd, dir, &l.links, err);
        if (r < 0)
                goto out;
        pthread_mutex_lock(&s->content_lock);
        struct stat st;
        int has_manifest = store_open_member(dir, l.links, "manifest.json", NULL);
        if (has_manifest >= 0)
                close(has_manifest);
        int has_index = store_open_member(dir, l.links, "index.json", NULL);
        if (has_index >= 0)
                close(has_index);
        if (has_manifest >= 0) {
                r = load_docker_save(&l, err);
        } else if (has_index >= 0) {
                r = load_oci(&l, err);
        } else if (asprintf(&rpath, "%s/repositories", dir) >= 0 && stat(rpath, &st) == 0) {
                r = error_set(err, EINVAL,
                              "the archive has no manifest.json: archives of Docker before 1.10 "
                              "are not supported");
        } else {
                r = error_set(err, EINVAL,
                              "the archive has neither manifest.json nor index.json: it is not "
                              "a docker save archive or an OCI image layout");
        }
        if (r >= 0)
                r = load_blobs(&l, err);
        if (r >= 0)
                r = load_unpack(&l, err);
        if (r >= 0)
                r = load_commit(&l, lines, err);
        if (r < 0)
                load_undo(&l);
        pthread_mutex_unlock(&s->content_lock);
out:
        (void)rm_rf(dir, NULL);
        load_clear(&l);
        if (r < 0)
                return error_prefix(err, "load");
        if (ret_loaded)
                *ret_loaded = TAKE_PTR(lines);
        return 0;
}
