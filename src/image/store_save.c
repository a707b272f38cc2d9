/* img_store_save: the archive `docker save` writes since Docker 25, which
 * is both a classic docker-save archive and an OCI image layout:
 *
 *   blobs/sha256/<hex>   configs, uncompressed layer tars (named by their
 *                        diff_id) and OCI manifests
 *   index.json           one OCI manifest descriptor per tag (annotated with
 *                        io.containerd.image.name and
 *                        org.opencontainers.image.ref.name), or one without
 *                        annotations for an image saved by ID
 *   manifest.json        [{"Config", "RepoTags", "Layers"}] as paths into blobs/
 *   oci-layout           {"imageLayoutVersion": "1.0.0"}
 *   repositories         {"familiar name": {"tag": "<top layer hex>"}}
 *
 * Members are written sorted by name, as Docker's directory walk does;
 * configs and layers carry the image's creation time, the rest epoch 0
 * (index.json: now). Unlike Docker, the per-layer legacy v1 JSON blobs
 * (which nothing references) are not written, manifest.json has no
 * "Parent", and an image saved by ID gets an index entry without
 * annotations. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/strv.h"
#include "image/decompress.h"
#include "image/manifest.h"
#include "image/store_internal.h"

typedef struct SaveImage {
        char id[IMG_DIGEST_LEN + 1];
        char **tags; /* full tagged references */
} SaveImage;

typedef struct Member {
        char *name;
        char *blob; /* a blob of the store, or */
        int fd;     /* a temporary file (a decompressed layer), or */
        char *data; /* bytes in memory */
        size_t len;
        int64_t mtime;
} Member;

typedef struct Save {
        ImgStore *s;
        SaveImage *imgs;
        size_t n_imgs;
        Member *members;
        size_t n_members;
} Save;

static void save_clear(Save *v)
{
        for (size_t i = 0; i < v->n_imgs; i++)
                strv_free(v->imgs[i].tags);
        free(v->imgs);
        for (size_t i = 0; i < v->n_members; i++) {
                free(v->members[i].name);
                free(v->members[i].blob);
                free(v->members[i].data);
                if (v->members[i].fd >= 0)
                        close(v->members[i].fd);
        }
        free(v->members);
}

static int add_assoc(Save *v, const char *id, const char *tag, BerthError **err)
{
        SaveImage *img = NULL;
        for (size_t i = 0; i < v->n_imgs; i++)
                if (STREQ(v->imgs[i].id, id))
                        img = &v->imgs[i];
        if (!img) {
                SaveImage *n = realloc(v->imgs, (v->n_imgs + 1) * sizeof(*n));
                if (!n)
                        return error_set(err, ENOMEM, "out of memory");
                v->imgs = n;
                img = &n[v->n_imgs++];
                *img = (SaveImage){0};
                snprintf(img->id, sizeof(img->id), "%s", id);
                img->tags = calloc(1, sizeof(char *));
                if (!img->tags)
                        return error_set(err, ENOMEM, "out of memory");
        }
        if (tag && !strchr(tag, '@') && !strv_contains(img->tags, tag) &&
            strv_append(&img->tags, tag) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

/* Docker's parseNames (db_lock held). */
static int parse_name(Save *v, const char *name, BerthError **err)
{
        ImgStore *s = v->s;
        char id[IMG_DIGEST_LEN + 1];
        _cleanup_free_ char *via = NULL;
        if (img_is_hex_id(name) || strncmp(name, "sha256:", 7) == 0) {
                int r = store_resolve(s, name, id, &via, err);
                if (r < 0)
                        return r;
                return add_assoc(v, id, via, err);
        }
        _cleanup_reference_ ImgReference *ref = NULL;
        int r = img_reference_parse_normalized(name, &ref, err);
        if (r < 0)
                return r;
        if (!ref->tag && !ref->digest) {
                _cleanup_free_ char *repo = img_reference_name(ref);
                if (!repo)
                        return error_set(err, ENOMEM, "out of memory");
                _cleanup_stmt_ sqlite3_stmt *st = NULL;
                r = store_db_prepare(
                    s, "SELECT ref, image_id FROM img_refs WHERE repo = ? ORDER BY ref", &st, err);
                if (r < 0)
                        return r;
                sqlite3_bind_text(st, 1, repo, -1, SQLITE_STATIC);
                int found = 0;
                while (sqlite3_step(st) == SQLITE_ROW) {
                        r = add_assoc(v, (const char *)sqlite3_column_text(st, 1),
                                      (const char *)sqlite3_column_text(st, 0), err);
                        if (r < 0)
                                return r;
                        found++;
                }
                if (found)
                        return 0;
        }
        r = store_resolve(s, name, id, &via, err);
        if (r < 0)
                return r;
        return add_assoc(v, id, via, err);
}

static int add_member(Save *v, const char *name, const char *blob, char *data, size_t len,
                      int64_t mtime, BerthError **err)
{
        for (size_t i = 0; i < v->n_members; i++)
                if (STREQ(v->members[i].name, name)) {
                        free(data);
                        return 0;
                }
        Member *n = realloc(v->members, (v->n_members + 1) * sizeof(*n));
        if (!n) {
                free(data);
                return error_set(err, ENOMEM, "out of memory");
        }
        v->members = n;
        Member *m = &n[v->n_members++];
        *m = (Member){.data = data, .len = len, .mtime = mtime, .fd = -1};
        m->name = strdup(name);
        if (blob)
                m->blob = strdup(blob);
        if (!m->name || (blob && !m->blob))
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

static char *blob_path(const char *digest)
{
        char *p = NULL;
        if (asprintf(&p, "blobs/sha256/%s", digest + 7) < 0)
                return NULL;
        return p;
}

static json_t *descriptor(const char *media_type, const char *digest, uint64_t size)
{
        return json_pack("{s:s,s:s,s:I}", "mediaType", media_type, "digest", digest, "size",
                         (json_int_t)size);
}

/* A layer kept compressed (as it was loaded) is written uncompressed, as
 * Docker writes layers: decompressed into a temporary file, checked
 * against its diff_id. Returns the fd. */
static int decompress_layer(ImgStore *s, const StoreLayer *layer, uint64_t *ret_size,
                            BerthError **err)
{
        _cleanup_close_ int src = img_blobstore_open_blob(s->blobs, layer->blob, err);
        if (src < 0)
                return src;
        _cleanup_close_ int fd = open(s->tmp_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "temporary file in '%s'", s->tmp_dir);
        ImgDecompressor *d = NULL;
        int r = img_decompressor_new(src, &d, err);
        if (r < 0)
                return r;
        _cleanup_hasher_ ImgHasher *h = NULL;
        r = img_hasher_new(IMG_DIGEST_SHA256, &h);
        uint64_t total = 0;
        while (r >= 0) {
                const void *buf;
                ssize_t n = img_decompressor_read(d, &buf, err);
                if (n <= 0) {
                        r = (int)n;
                        break;
                }
                r = img_hasher_update(h, buf, (size_t)n);
                if (r >= 0 && write_all_fd(fd, buf, (size_t)n) < 0)
                        r = error_set_errno(err, errno, "write a temporary file");
                total += (uint64_t)n;
        }
        img_decompressor_free(d);
        if (r < 0)
                return r;
        ImgDigest got;
        r = img_hasher_final(h, &got);
        if (r < 0)
                return error_set_errno(err, -r, "hash layer %s", layer->diff_id);
        if (!STREQ(got.str, layer->diff_id))
                return error_set(err, EIO, "layer %s: its stored blob %s holds diff_id %s",
                                 layer->diff_id, layer->blob, got.str);
        *ret_size = total;
        return TAKE_FD(fd);
}

/* ocispec.Platform of the image, in Go's field order. */
static json_t *platform_json(json_t *cfg)
{
        json_t *p = json_object();
        json_t *v;
        json_object_set_new(
            p, "architecture",
            json_string(json_string_value(json_object_get(cfg, "architecture")) ?: ""));
        json_object_set_new(p, "os",
                            json_string(json_string_value(json_object_get(cfg, "os")) ?: ""));
        if (json_is_string(v = json_object_get(cfg, "os.version")) && *json_string_value(v))
                json_object_set(p, "os.version", v);
        if (json_is_string(v = json_object_get(cfg, "variant")) && *json_string_value(v))
                json_object_set(p, "variant", v);
        return p;
}

/* Adds one image's blobs and returns its manifest.json entry and OCI
 * manifest descriptor. */
static int save_image(Save *v, SaveImage *img, json_t *manifest_json, json_t *index_manifests,
                      json_t *repos, BerthError **err)
{
        ImgStore *s = v->s;
        _cleanup_free_ StoreLayer *layers = NULL;
        size_t n = 0;
        {
                STORE_LOCKED(s);
                int r = store_db_image_layers(s, img->id, &layers, &n, err);
                if (r < 0)
                        return r;
        }
        _cleanup_json_ json_t *cfg = NULL;
        int r = store_read_config(s, img->id, &cfg, NULL, err);
        if (r < 0)
                return r;
        int64_t created = store_parse_time(json_string_value(json_object_get(cfg, "created")));
        if (created < 0)
                created = 0;
        uint64_t cfg_size = 0;
        r = img_blobstore_size(s->blobs, img->id, &cfg_size, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *cfg_path = blob_path(img->id);
        if (!cfg_path)
                return error_set(err, ENOMEM, "out of memory");
        r = add_member(v, cfg_path, img->id, NULL, 0, created, err);
        if (r < 0)
                return r;
        json_t *layer_paths = json_array();
        json_t *layer_descs = json_array();
        for (size_t i = 0; i < n; i++) {
                uint64_t size = 0;
                int tmpfd = -1;
                if (STREQ(layers[i].blob, layers[i].diff_id)) {
                        r = img_blobstore_size(s->blobs, layers[i].diff_id, &size, err);
                } else {
                        r = tmpfd = decompress_layer(s, &layers[i], &size, err);
                }
                if (r < 0) {
                        json_decref(layer_paths);
                        json_decref(layer_descs);
                        return error_prefix(err, "image %s: layer %s", img->id, layers[i].diff_id);
                }
                _cleanup_free_ char *p = blob_path(layers[i].diff_id);
                if (p && tmpfd >= 0) {
                        size_t before = v->n_members;
                        r = add_member(v, p, NULL, NULL, 0, created, err);
                        if (r >= 0 && v->n_members > before)
                                v->members[v->n_members - 1].fd = tmpfd;
                        else
                                close(tmpfd);
                        if (r < 0) {
                                json_decref(layer_paths);
                                json_decref(layer_descs);
                                return r;
                        }
                } else if (!p || add_member(v, p, layers[i].diff_id, NULL, 0, created, err) < 0) {
                        json_decref(layer_paths);
                        json_decref(layer_descs);
                        return error_set(err, ENOMEM, "out of memory");
                }
                json_array_append_new(layer_paths, json_string(p));
                json_array_append_new(
                    layer_descs, descriptor(IMG_MEDIA_TYPE_OCI_LAYER, layers[i].diff_id, size));
        }
        /* The OCI manifest. */
        json_t *cfg_desc = descriptor(IMG_MEDIA_TYPE_OCI_CONFIG, img->id, cfg_size);
        json_object_set_new(cfg_desc, "platform", platform_json(cfg));
        _cleanup_json_ json_t *man =
            json_pack("{s:i,s:s,s:o,s:o}", "schemaVersion", 2, "mediaType",
                      IMG_MEDIA_TYPE_OCI_MANIFEST, "config", cfg_desc, "layers", layer_descs);
        size_t mlen = 0;
        char *mbuf = img_json_dump_go(man, 0, &mlen);
        if (!mbuf)
                return error_set(err, ENOMEM, "out of memory");
        ImgDigest md;
        img_digest_buffer(IMG_DIGEST_SHA256, mbuf, mlen, &md);
        _cleanup_free_ char *mpath = blob_path(md.str);
        if (!mpath) {
                free(mbuf);
                return error_set(err, ENOMEM, "out of memory");
        }
        r = add_member(v, mpath, NULL, mbuf, mlen, 0, err);
        if (r < 0)
                return r;
        json_t *fam_tags = json_array();
        STRV_FOREACH(t, img->tags)
        {
                _cleanup_reference_ ImgReference *ref = NULL;
                if (img_reference_parse_normalized(*t, &ref, NULL) < 0 || !ref->tag)
                        continue;
                _cleanup_free_ char *fam = img_reference_familiar_string(ref);
                _cleanup_free_ char *fname = img_reference_familiar_name(ref);
                json_array_append_new(fam_tags, json_string(fam));
                json_t *d = descriptor(IMG_MEDIA_TYPE_OCI_MANIFEST, md.str, mlen);
                json_object_set_new(d, "annotations",
                                    json_pack("{s:s,s:s}", IMG_CONTAINERD_IMAGE_NAME_ANNOTATION, *t,
                                              IMG_OCI_REF_NAME_ANNOTATION, ref->tag));
                json_object_set_new(d, "platform", platform_json(cfg));
                json_array_append_new(index_manifests, d);
                if (n > 0) {
                        json_t *repo = json_object_get(repos, fname);
                        if (!repo) {
                                repo = json_object();
                                json_object_set_new(repos, fname, repo);
                        }
                        json_object_set_new(repo, ref->tag, json_string(layers[n - 1].diff_id + 7));
                }
        }
        if (!img->tags[0]) {
                json_t *d = descriptor(IMG_MEDIA_TYPE_OCI_MANIFEST, md.str, mlen);
                json_object_set_new(d, "platform", platform_json(cfg));
                json_array_append_new(index_manifests, d);
        }
        json_array_append_new(manifest_json,
                              json_pack("{s:s,s:o,s:o}", "Config", cfg_path, "RepoTags", fam_tags,
                                        "Layers", layer_paths));
        return 0;
}

static int cmp_member(const void *a, const void *b)
{
        return strcmp(((const Member *)a)->name, ((const Member *)b)->name);
}

static int write_entry(struct archive *a, const char *name, mode_t type, int64_t size,
                       int64_t mtime, BerthError **err)
{
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
        archive_entry_set_size(e, type == AE_IFDIR ? 0 : size);
        archive_entry_set_mtime(e, mtime, 0);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        int rc = archive_write_header(a, e);
        archive_entry_free(e);
        if (rc < ARCHIVE_WARN)
                return error_set(err, EIO, "save: write '%s': %s", name, archive_error_string(a));
        return 0;
}

static int write_members(Save *v, int out_fd, BerthError **err)
{
        qsort(v->members, v->n_members, sizeof(Member), cmp_member);
        struct archive *a = archive_write_new();
        if (!a)
                return error_set(err, ENOMEM, "out of memory");
        archive_write_set_format_pax_restricted(a);
        archive_write_set_bytes_in_last_block(a, 1);
        int r = 0;
        if (archive_write_open_fd(a, out_fd) != ARCHIVE_OK) {
                r = error_set(err, EIO, "save: %s", archive_error_string(a));
                goto out;
        }
        bool dirs_done = false;
        for (size_t i = 0; i < v->n_members && r >= 0; i++) {
                Member *m = &v->members[i];
                if (!dirs_done && strncmp(m->name, "blobs/", 6) == 0) {
                        r = write_entry(a, "blobs/", AE_IFDIR, 0, 0, err);
                        if (r >= 0)
                                r = write_entry(a, "blobs/sha256/", AE_IFDIR, 0, 0, err);
                        dirs_done = true;
                        if (r < 0)
                                break;
                }
                if (m->blob || m->fd >= 0) {
                        _cleanup_close_ int fd =
                            m->fd >= 0 ? dup(m->fd)
                                       : img_blobstore_open_blob(v->s->blobs, m->blob, err);
                        if (m->fd >= 0 && (fd < 0 || lseek(fd, 0, SEEK_SET) < 0)) {
                                r = error_set_errno(err, errno, "save: layer '%s'", m->name);
                                break;
                        }
                        if (fd < 0) {
                                r = fd;
                                break;
                        }
                        struct stat st;
                        if (fstat(fd, &st) < 0) {
                                r = error_set_errno(err, errno, "save: blob %s", m->blob);
                                break;
                        }
                        r = write_entry(a, m->name, AE_IFREG, st.st_size, m->mtime, err);
                        if (r < 0)
                                break;
                        char buf[128 * 1024];
                        ssize_t n;
                        while ((n = read(fd, buf, sizeof(buf))) > 0)
                                if (archive_write_data(a, buf, (size_t)n) < 0) {
                                        r = error_set(err, EIO, "save: %s",
                                                      archive_error_string(a));
                                        break;
                                }
                        if (n < 0)
                                r = error_set_errno(err, errno, "save: read blob %s", m->blob);
                } else {
                        r = write_entry(a, m->name, AE_IFREG, (int64_t)m->len, m->mtime, err);
                        if (r >= 0 && m->len && archive_write_data(a, m->data, m->len) < 0)
                                r = error_set(err, EIO, "save: %s", archive_error_string(a));
                }
        }
        if (archive_write_close(a) != ARCHIVE_OK && r >= 0)
                r = error_set(err, EIO, "save: %s", archive_error_string(a));
out:
        archive_write_free(a);
        return r;
}

/* newline: written by Go's json.Encoder (manifest.json, repositories). */
static int add_json_member(Save *v, const char *name, json_t *j, bool newline, int64_t mtime,
                           BerthError **err)
{
        size_t len = 0;
        char *buf = img_json_dump_go(j, 0, &len);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        if (newline) {
                char *nb = realloc(buf, len + 2);
                if (!nb) {
                        free(buf);
                        return error_set(err, ENOMEM, "out of memory");
                }
                buf = nb;
                buf[len++] = '\n';
                buf[len] = '\0';
        }
        return add_member(v, name, NULL, buf, len, mtime, err);
}

int img_store_save(ImgStore *s, const char *const *names, int out_fd, BerthError **err)
{
        Save v = {.s = s};
        int r = 0;
        if (!names || !names[0])
                return error_set(err, EINVAL, "save: no images given");
        {
                STORE_LOCKED(s);
                for (size_t i = 0; names[i] && r >= 0; i++)
                        r = parse_name(&v, names[i], err);
        }
        _cleanup_json_ json_t *manifest_json = json_array();
        _cleanup_json_ json_t *index_manifests = json_array();
        _cleanup_json_ json_t *repos = json_object();
        for (size_t i = 0; i < v.n_imgs && r >= 0; i++)
                r = save_image(&v, &v.imgs[i], manifest_json, index_manifests, repos, err);
        if (r >= 0) {
                _cleanup_json_ json_t *index =
                    json_pack("{s:i,s:s,s:O}", "schemaVersion", 2, "mediaType",
                              IMG_MEDIA_TYPE_OCI_INDEX, "manifests", index_manifests);
                r = add_json_member(&v, "index.json", index, false, time(NULL), err);
                if (r >= 0)
                        r = add_json_member(&v, "manifest.json", manifest_json, true, 0, err);
                if (r >= 0) {
                        static const char layout[] = "{\"imageLayoutVersion\": \"1.0.0\"}";
                        char *copy = strdup(layout);
                        r = copy ? add_member(&v, "oci-layout", NULL, copy, strlen(layout), 0, err)
                                 : error_set(err, ENOMEM, "out of memory");
                }
                if (r >= 0 && json_object_size(repos))
                        r = add_json_member(&v, "repositories", repos, true, 0, err);
        }
        if (r >= 0)
                r = write_members(&v, out_fd, err);
        save_clear(&v);
        if (r < 0)
                return error_prefix(err, "save");
        return 0;
}
