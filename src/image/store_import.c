/* img_store_import: a root filesystem tarball as a one-layer image, with
 * the config `docker import` writes (Docker's image.Image: the given
 * changes as "config", one history entry with the message, the layer's
 * diff_id). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "berth-config.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/strv.h"
#include "image/store_internal.h"

static const char *host_arch(void)
{
        static __thread struct utsname u;
        if (uname(&u) < 0)
                return "amd64";
        if (STREQ(u.machine, "x86_64"))
                return "amd64";
        if (STREQ(u.machine, "aarch64"))
                return "arm64";
        if (strncmp(u.machine, "arm", 3) == 0)
                return "arm";
        return u.machine;
}

static int parse_platform(const char *p, char **os, char **arch, char **variant, BerthError **err)
{
        *os = *arch = *variant = NULL;
        if (!p || !*p) {
                *os = strdup("linux");
                *arch = strdup(host_arch());
                return *os && *arch ? 0 : error_set(err, ENOMEM, "out of memory");
        }
        _cleanup_free_ char *copy = strdup(p);
        if (!copy)
                return error_set(err, ENOMEM, "out of memory");
        char *save = NULL;
        char *a = strtok_r(copy, "/", &save);
        char *b = strtok_r(NULL, "/", &save);
        char *c = strtok_r(NULL, "/", &save);
        if (!a || strtok_r(NULL, "/", &save))
                return error_set(err, EINVAL, "invalid platform '%s'", p);
        if (!STREQ(a, "linux"))
                return error_set(err, EINVAL,
                                 "invalid platform '%s': operating system '%s' is not supported", p,
                                 a);
        *os = strdup(a);
        *arch = strdup(b ? b : host_arch());
        if (c)
                *variant = strdup(c);
        return 0;
}

/* Copies fd to EOF into <dir>/layer, hashing it. */
static int spool_stream(int fd, const char *dir, char **ret_path, ImgDigest *ret, BerthError **err)
{
        if (asprintf(ret_path, "%s/layer", dir) < 0) {
                *ret_path = NULL;
                return error_set(err, ENOMEM, "out of memory");
        }
        _cleanup_close_ int out = open(*ret_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (out < 0)
                return error_set_errno(err, errno, "create '%s'", *ret_path);
        _cleanup_hasher_ ImgHasher *h = NULL;
        int r = img_hasher_new(IMG_DIGEST_SHA256, &h);
        if (r < 0)
                return error_set_errno(err, -r, "hash");
        _cleanup_free_ char *buf = malloc(128 * 1024);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        uint64_t total = 0;
        for (;;) {
                ssize_t n = read(fd, buf, 128 * 1024);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "read");
                if (n == 0)
                        break;
                if (img_hasher_update(h, buf, (size_t)n) < 0 ||
                    write_all_fd(out, buf, (size_t)n) < 0)
                        return error_set_errno(err, errno ? errno : EIO, "write '%s'", *ret_path);
                total += (uint64_t)n;
        }
        if (total == 0)
                return error_set(err, EINVAL, "the archive is empty");
        if (fsync(out) < 0)
                return error_set_errno(err, errno, "fsync '%s'", *ret_path);
        r = img_hasher_final(h, ret);
        return r < 0 ? error_set_errno(err, -r, "hash") : 0;
}

int img_store_import(ImgStore *s, int fd, const ImgImportOptions *o,
                     char ret_id[IMG_DIGEST_LEN + 1], BerthError **err)
{
        ImgImportOptions none = {0};
        if (!o)
                o = &none;
        _cleanup_free_ char *os = NULL, *arch = NULL, *variant = NULL;
        int r = parse_platform(o->platform, &os, &arch, &variant, err);
        if (r < 0)
                return error_prefix(err, "import");
        _cleanup_reference_ ImgReference *ref = NULL;
        _cleanup_free_ char *full = NULL, *repo = NULL;
        if (o->ref && *o->ref) {
                r = img_reference_parse_normalized(o->ref, &ref, err);
                if (r < 0)
                        return error_prefix(err, "import");
                if (ref->digest)
                        return error_set(err, EINVAL, "import: cannot import digest reference '%s'",
                                         o->ref);
                img_reference_tag_name_only(ref);
                full = img_reference_string(ref);
                repo = img_reference_name(ref);
                if (!full || !repo)
                        return error_set(err, ENOMEM, "out of memory");
        }
        if (o->changes && !json_is_object(o->changes))
                return error_set(err, EINVAL, "import: changes must be an object, not %s",
                                 json_type_name(o->changes));

        /* The stream is spooled to scratch space first (a slow client
         * holds no lock), then stored as received (compressed or not) as a
         * blob and unpacked from it, which yields its diff_id. */
        _cleanup_free_ char *dir = NULL, *spool = NULL;
        ImgDigest raw;
        r = store_mkdtemp(s, "import", &dir, err);
        if (r >= 0)
                r = spool_stream(fd, dir, &spool, &raw, err);
        if (r < 0) {
                if (dir)
                        (void)rm_rf(dir, NULL);
                return error_prefix(err, "import: read the archive");
        }
        pthread_mutex_lock(&s->content_lock);
        ImgDigest diff = {0};
        int created_blob = 0, created_layer = 0, created_cfg = 0;
        char chain[IMG_DIGEST_LEN + 1] = "";
        char id[IMG_DIGEST_LEN + 1] = "";
        ImgLayerInfo info = {0};
        {
                r = img_blobstore_exists(s->blobs, raw.str, err);
                if (r == 0) {
                        _cleanup_free_ char *dest = NULL;
                        r = img_blobstore_path(s->blobs, raw.str, &dest, err);
                        if (r >= 0 && link(spool, dest) == 0) {
                                created_blob = 1;
                        } else if (r >= 0) {
                                _cleanup_close_ int sfd = open(spool, O_RDONLY | O_CLOEXEC);
                                r = sfd < 0 ? error_set_errno(err, errno, "open '%s'", spool)
                                            : img_blobstore_put_fd(s->blobs, sfd, raw.str, -1, NULL,
                                                                   err);
                                created_blob = r > 0;
                        }
                }
                if (r < 0)
                        goto fail;
                _cleanup_close_ int bfd = img_blobstore_open_blob(s->blobs, raw.str, err);
                if (bfd < 0) {
                        r = bfd;
                        goto fail;
                }
                r = img_layerstore_create(s->layers, NULL, NULL, bfd, &info, err);
                if (r < 0) {
                        r = error_prefix(err, "import");
                        goto fail;
                }
                created_layer = r;
                memcpy(chain, info.chain_id, sizeof(chain));
                if (img_digest_parse(info.diff_id, &diff, err) < 0) {
                        r = -EIO;
                        goto fail;
                }
        }
        {
                char now[40];
                store_now_rfc3339(now);
                const char *msg = o->message && *o->message ? o->message : "Imported from -";
                _cleanup_json_ json_t *doc =
                    json_pack("{s:s,s:s,s:s,s:o,s:s,s:s,s:{s:s,s:[s]},s:[{s:s,s:s}]}",
                              "architecture", arch, "os", os, "created", now, "config",
                              o->changes ? json_deep_copy(o->changes) : json_object(), "comment",
                              msg, "docker_version", BERTH_VERSION, "rootfs", "type", "layers",
                              "diff_ids", diff.str, "history", "created", now, "comment", msg);
                if (!doc) {
                        r = error_set(err, ENOMEM, "out of memory");
                        goto fail;
                }
                if (variant)
                        json_object_set_new(doc, "variant", json_string(variant));
                _cleanup_free_ char *tmp = json_dumps(doc, JSON_COMPACT);
                _cleanup_config_ ImgConfig *cfg = NULL;
                r = tmp ? img_config_parse(tmp, strlen(tmp), &cfg, err) : -ENOMEM;
                if (r < 0) {
                        r = error_prefix(err, "import: changes");
                        goto fail;
                }
                if (!cfg->config && !(cfg->config = calloc(1, sizeof(*cfg->config)))) {
                        r = error_set(err, ENOMEM, "out of memory");
                        goto fail;
                }
                _cleanup_free_ char *blob = NULL;
                size_t len = 0;
                r = img_config_to_json(cfg, IMG_CONFIG_STYLE_DOCKER, &blob, &len, err);
                if (r < 0)
                        goto fail;
                ImgDigest cd;
                r = img_blobstore_put(s->blobs, blob, len, NULL, &cd, err);
                if (r < 0)
                        goto fail;
                created_cfg = r;
                memcpy(id, cd.str, IMG_DIGEST_LEN);
                id[IMG_DIGEST_LEN] = '\0';
                StoreLayer layer = {.size = info.size};
                memcpy(layer.chain_id, chain, sizeof(chain));
                memcpy(layer.diff_id, diff.str, IMG_DIGEST_LEN);
                memcpy(layer.blob, raw.str, IMG_DIGEST_LEN);
                StoreNewImage ni = {.id = id,
                                    .top_chain_id = chain,
                                    .created = now,
                                    .layers = &layer,
                                    .n_layers = 1};
                STORE_LOCKED(s);
                r = store_db_exec(s, "BEGIN IMMEDIATE", err);
                if (r < 0)
                        goto fail;
                r = store_db_add_image(s, &ni, err);
                if (r >= 0 && full)
                        r = store_db_set_ref(s, full, repo, false, id, NULL, err);
                if (r >= 0)
                        r = store_db_exec(s, "COMMIT", err);
                if (r < 0) {
                        (void)store_db_exec(s, "ROLLBACK", NULL);
                        goto fail;
                }
        }
        pthread_mutex_unlock(&s->content_lock);
        (void)rm_rf(dir, NULL);
        memcpy(ret_id, id, IMG_DIGEST_LEN + 1);
        return 0;
fail:
        if (created_cfg > 0)
                (void)img_blobstore_delete(s->blobs, id, NULL);
        if (created_layer > 0)
                (void)img_layerstore_remove(s->layers, chain, NULL);
        if (created_blob > 0)
                (void)img_blobstore_delete(s->blobs, raw.str, NULL);
        pthread_mutex_unlock(&s->content_lock);
        (void)rm_rf(dir, NULL);
        return r;
}
