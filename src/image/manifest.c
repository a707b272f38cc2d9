/* Manifest, index and `docker save` manifest.json parsers and writers. */
#include "image/manifest.h"
#include "common/cleanup.h"
#include "image/quote.h"
#include "common/json.h"
#include "common/strv.h"
#include "image/digest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const layer_types[][2] = {
    {IMG_MEDIA_TYPE_DOCKER_LAYER, "gzip"},      {IMG_MEDIA_TYPE_DOCKER_FOREIGN_LAYER, "gzip"},
    {IMG_MEDIA_TYPE_OCI_LAYER, "tar"},          {IMG_MEDIA_TYPE_OCI_LAYER_GZIP, "gzip"},
    {IMG_MEDIA_TYPE_OCI_LAYER_ZSTD, "zstd"},    {IMG_MEDIA_TYPE_OCI_LAYER_ND, "tar"},
    {IMG_MEDIA_TYPE_OCI_LAYER_ND_GZIP, "gzip"}, {IMG_MEDIA_TYPE_OCI_LAYER_ND_ZSTD, "zstd"},
};

ImgLayerCompression img_media_type_layer_compression(const char *media_type)
{
        for (size_t i = 0; media_type && i < ARRAY_SIZE(layer_types); i++) {
                if (!STREQ(media_type, layer_types[i][0]))
                        continue;
                if (STREQ(layer_types[i][1], "gzip"))
                        return IMG_LAYER_TAR_GZIP;
                if (STREQ(layer_types[i][1], "zstd"))
                        return IMG_LAYER_TAR_ZSTD;
                return IMG_LAYER_TAR;
        }
        return IMG_LAYER_UNKNOWN;
}

bool img_media_type_is_manifest(const char *media_type)
{
        return media_type && (STREQ(media_type, IMG_MEDIA_TYPE_DOCKER_MANIFEST) ||
                              STREQ(media_type, IMG_MEDIA_TYPE_OCI_MANIFEST));
}

bool img_media_type_is_index(const char *media_type)
{
        return media_type && (STREQ(media_type, IMG_MEDIA_TYPE_DOCKER_MANIFEST_LIST) ||
                              STREQ(media_type, IMG_MEDIA_TYPE_OCI_INDEX));
}

bool img_media_type_is_config(const char *media_type)
{
        return media_type && (STREQ(media_type, IMG_MEDIA_TYPE_DOCKER_CONFIG) ||
                              STREQ(media_type, IMG_MEDIA_TYPE_OCI_CONFIG));
}

/* ---- freeing ---- */

void img_strmap_free(ImgStrMap *m)
{
        if (!m)
                return;
        for (size_t i = 0; i < m->n; i++) {
                free(m->keys[i]);
                free(m->values[i]);
        }
        free(m->keys);
        free(m->values);
        free(m);
}

const char *img_strmap_get(const ImgStrMap *m, const char *key)
{
        for (size_t i = 0; m && i < m->n; i++)
                if (STREQ(m->keys[i], key))
                        return m->values[i];
        return NULL;
}

void img_platform_free(ImgPlatform *p)
{
        if (!p)
                return;
        free(p->architecture);
        free(p->os);
        free(p->os_version);
        strv_free(p->os_features);
        free(p->variant);
        strv_free(p->features);
        free(p);
}

void img_descriptor_clear(ImgDescriptor *d)
{
        if (!d)
                return;
        free(d->media_type);
        free(d->digest);
        strv_free(d->urls);
        img_strmap_free(d->annotations);
        img_platform_free(d->platform);
        free(d->artifact_type);
        *d = (ImgDescriptor){0};
}

static void descriptor_free(ImgDescriptor *d)
{
        img_descriptor_clear(d);
        free(d);
}

ImgManifest *img_manifest_free(ImgManifest *m)
{
        if (!m)
                return NULL;
        free(m->media_type);
        img_descriptor_clear(&m->config);
        for (size_t i = 0; i < m->n_layers; i++)
                img_descriptor_clear(&m->layers[i]);
        free(m->layers);
        descriptor_free(m->subject);
        free(m->artifact_type);
        img_strmap_free(m->annotations);
        free(m);
        return NULL;
}

ImgIndex *img_index_free(ImgIndex *idx)
{
        if (!idx)
                return NULL;
        free(idx->media_type);
        for (size_t i = 0; i < idx->n_manifests; i++)
                img_descriptor_clear(&idx->manifests[i]);
        free(idx->manifests);
        descriptor_free(idx->subject);
        free(idx->artifact_type);
        img_strmap_free(idx->annotations);
        free(idx);
        return NULL;
}

/* ---- JSON helpers ---- */

int img_strmap_from_json(json_t *obj, const char *path, ImgStrMap **ret, BerthError **err)
{
        if (!json_is_object(obj))
                return error_set(err, EINVAL, "%s: expected an object, got %s", path,
                                 json_type_name(obj));
        size_t n = json_object_size(obj);
        ImgStrMap *m = calloc(1, sizeof(*m));
        if (!m)
                return error_set(err, ENOMEM, "out of memory");
        m->keys = calloc(n ? n : 1, sizeof(char *));
        m->values = calloc(n ? n : 1, sizeof(char *));
        if (!m->keys || !m->values) {
                img_strmap_free(m);
                return error_set(err, ENOMEM, "out of memory");
        }
        const char *k;
        json_t *v;
        json_object_foreach(obj, k, v)
        {
                if (!json_is_string(v)) {
                        char q[IMG_QUOTE_MAX];
                        int r = error_set(err, EINVAL, "%s.%s: expected a string, got %s", path,
                                          img_quote(k, q), json_type_name(v));
                        img_strmap_free(m);
                        return r;
                }
                m->keys[m->n] = strdup(k);
                m->values[m->n] = strdup(json_string_value(v));
                m->n++;
                if (!m->keys[m->n - 1] || !m->values[m->n - 1]) {
                        img_strmap_free(m);
                        return error_set(err, ENOMEM, "out of memory");
                }
        }
        *ret = m;
        return 0;
}

json_t *img_strmap_to_json(const ImgStrMap *m)
{
        json_t *o = json_object();
        for (size_t i = 0; o && m && i < m->n; i++)
                if (json_object_set_new(o, m->keys[i], json_string(m->values[i])) < 0) {
                        json_decref(o);
                        return NULL;
                }
        return o;
}

char *img_json_dump_go(json_t *j, int indent, size_t *ret_len)
{
        size_t flags = indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT;
        _cleanup_free_ char *raw = json_dumps(j, flags | JSON_PRESERVE_ORDER);
        if (!raw)
                return NULL;
        size_t n = strlen(raw);
        /* worst case every byte becomes a 6-byte escape */
        char *out = malloc(n * 6 + 1);
        if (!out)
                return NULL;
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)raw[i];
                if (c == '\\' && i + 1 < n) {
                        out[o++] = raw[i++];
                        out[o++] = raw[i];
                        if (raw[i] == 'u')
                                /* Go writes \u escapes in lowercase hex */
                                for (int k = 0; k < 4 && i + 1 < n; k++) {
                                        char h = raw[++i];
                                        out[o++] = (h >= 'A' && h <= 'F') ? (char)(h + 32) : h;
                                }
                } else if (c == '<' || c == '>' || c == '&') {
                        o += (size_t)sprintf(out + o, "\\u%04x", c);
                } else if (c == 0xe2 && i + 2 < n && (unsigned char)raw[i + 1] == 0x80 &&
                           ((unsigned char)raw[i + 2] == 0xa8 ||
                            (unsigned char)raw[i + 2] == 0xa9)) {
                        o += (size_t)sprintf(out + o, "\\u202%c",
                                             (unsigned char)raw[i + 2] == 0xa8 ? '8' : '9');
                        i += 2;
                } else {
                        out[o++] = (char)c;
                }
        }
        out[o] = '\0';
        if (ret_len)
                *ret_len = o;
        return out;
}

static int parse_document(const char *buf, size_t len, size_t max, const char *what, json_t **ret,
                          BerthError **err)
{
        if (len > max)
                return error_set(err, EFBIG, "%s: %zu bytes is more than the limit of %zu bytes",
                                 what, len, max);
        json_t *j = NULL;
        _cleanup_error_ BerthError *perr = NULL;
        int r = json_parse_buffer(buf, len, what, &j, &perr);
        if (r < 0) {
                img_error_escape(perr);
                return error_move(err, TAKE_PTR(perr));
        }
        *ret = j;
        return 0;
}

/* ---- descriptors ---- */

static int parse_platform(json_t *obj, const char *path, ImgPlatform **ret, BerthError **err)
{
        ImgPlatform *p = calloc(1, sizeof(*p));
        const char *s;
        int r;
        if (!p)
                return error_set(err, ENOMEM, "out of memory");
        r = json_get_string(obj, path, "architecture", true, &s, err);
        if (r < 0)
                goto fail;
        p->architecture = strdup(s);
        r = json_get_string(obj, path, "os", true, &s, err);
        if (r < 0)
                goto fail;
        p->os = strdup(s);
        s = NULL;
        r = json_get_string(obj, path, "os.version", false, &s, err);
        if (r < 0)
                goto fail;
        if (s && !(p->os_version = strdup(s)))
                goto oom;
        s = NULL;
        r = json_get_string(obj, path, "variant", false, &s, err);
        if (r < 0)
                goto fail;
        if (s && !(p->variant = strdup(s)))
                goto oom;
        r = json_get_strv(obj, path, "os.features", false, false, &p->os_features, err);
        if (r < 0)
                goto fail;
        r = json_get_strv(obj, path, "features", false, false, &p->features, err);
        if (r < 0)
                goto fail;
        if (!p->architecture || !p->os)
                goto oom;
        *ret = p;
        return 0;
oom:
        r = error_set(err, ENOMEM, "out of memory");
fail:
        img_platform_free(p);
        return r;
}

static int parse_descriptor(json_t *obj, const char *path, ImgDescriptor *d, BerthError **err)
{
        const char *s = NULL;
        json_t *sub = NULL;
        uint64_t size = 0;
        int r;

        if (!json_is_object(obj))
                return error_set(err, EINVAL, "%s: expected an object, got %s", path,
                                 json_type_name(obj));
        r = json_get_string(obj, path, "mediaType", true, &s, err);
        if (r < 0)
                return r;
        if (!*s)
                return error_set(err, EINVAL, "%s.mediaType: must not be empty", path);
        if (!(d->media_type = strdup(s)))
                return error_set(err, ENOMEM, "out of memory");
        r = json_get_string(obj, path, "digest", true, &s, err);
        if (r < 0)
                return r;
        if (!img_digest_is_valid(s)) {
                _cleanup_error_ BerthError *derr = NULL;
                img_digest_parse(s, NULL, &derr);
                return error_set(err, EINVAL, "%s.digest: %s", path, derr ? derr->message : s);
        }
        if (!(d->digest = strdup(s)))
                return error_set(err, ENOMEM, "out of memory");
        r = json_get_uint64(obj, path, "size", true, INT64_MAX, &size, err);
        if (r < 0)
                return r;
        d->size = (int64_t)size;
        r = json_get_strv(obj, path, "urls", false, false, &d->urls, err);
        if (r < 0)
                return r;
        r = json_get_object(obj, path, "annotations", false, &sub, err);
        if (r < 0)
                return r;
        if (r > 0) {
                _cleanup_free_ char *p = json_path_join(path, "annotations");
                r = img_strmap_from_json(sub, p ? p : "annotations", &d->annotations, err);
                if (r < 0)
                        return r;
        }
        sub = NULL;
        r = json_get_object(obj, path, "platform", false, &sub, err);
        if (r < 0)
                return r;
        if (r > 0) {
                _cleanup_free_ char *p = json_path_join(path, "platform");
                r = parse_platform(sub, p ? p : "platform", &d->platform, err);
                if (r < 0)
                        return r;
        }
        s = NULL;
        r = json_get_string(obj, path, "artifactType", false, &s, err);
        if (r < 0)
                return r;
        if (s && !(d->artifact_type = strdup(s)))
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

/* ---- media type detection ---- */

static const char *const known_types[] = {
    IMG_MEDIA_TYPE_DOCKER_MANIFEST,
    IMG_MEDIA_TYPE_DOCKER_MANIFEST_LIST,
    IMG_MEDIA_TYPE_OCI_MANIFEST,
    IMG_MEDIA_TYPE_OCI_INDEX,
};

static const char *known_type(const char *s)
{
        for (size_t i = 0; i < ARRAY_SIZE(known_types); i++)
                if (STREQ(s, known_types[i]))
                        return known_types[i];
        return NULL;
}

/* A Content-Type as a hint: parameters dropped; generic types say nothing
 * (some registries serve manifests as application/json). */
static const char *clean_hint(const char *hint, char *buf, size_t len)
{
        if (!hint)
                return NULL;
        size_t n = strcspn(hint, ";");
        while (n > 0 && (hint[n - 1] == ' ' || hint[n - 1] == '\t'))
                n--;
        if (n == 0 || n >= len)
                return NULL;
        memcpy(buf, hint, n);
        buf[n] = '\0';
        if (STREQ(buf, "application/json") || STREQ(buf, "text/plain") ||
            STREQ(buf, "application/octet-stream"))
                return NULL;
        return buf;
}

static int detect(json_t *doc, const char *raw_hint, const char **ret, bool *ret_in_doc,
                  BerthError **err)
{
        const char *field = NULL, *mt;
        int64_t version = 0;
        char q1[IMG_QUOTE_MAX], q2[IMG_QUOTE_MAX], hint_buf[256];
        const char *hint = clean_hint(raw_hint, hint_buf, sizeof(hint_buf));
        int r;

        if (!json_is_object(doc))
                return error_set(err, EINVAL, "expected a JSON object, got %s",
                                 json_type_name(doc));
        r = json_get_string(doc, "", "mediaType", false, &field, err);
        if (r < 0)
                return r;
        if (field && hint && *hint && !STREQ(field, hint))
                return error_set(err, EINVAL, "mediaType '%s' does not match the expected '%s'",
                                 img_quote(field, q1), img_quote(hint, q2));
        if (field)
                mt = field;
        else if (hint && *hint)
                mt = hint;
        else if (json_object_get(doc, "manifests"))
                mt = IMG_MEDIA_TYPE_OCI_INDEX;
        else if (json_object_get(doc, "config") && json_object_get(doc, "layers"))
                mt = IMG_MEDIA_TYPE_OCI_MANIFEST;
        else if (json_is_integer(json_object_get(doc, "schemaVersion")) &&
                 json_integer_value(json_object_get(doc, "schemaVersion")) == 1)
                mt = IMG_MEDIA_TYPE_DOCKER_SCHEMA1;
        else
                return error_set(err, EINVAL,
                                 "no mediaType, and neither manifests nor config and layers");

        if (STREQ(mt, IMG_MEDIA_TYPE_DOCKER_SCHEMA1) ||
            STREQ(mt, IMG_MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED))
                return error_set(err, EINVAL,
                                 "media type '%s': Docker Image Manifest V2 Schema 1 is not "
                                 "supported",
                                 img_quote(mt, q1));
        const char *known = known_type(mt);
        if (!known)
                return error_set(err, EINVAL, "unsupported media type '%s'", img_quote(mt, q1));
        r = json_get_int64(doc, "", "schemaVersion", true, &version, err);
        if (r < 0)
                return r;
        if (version != 2)
                return error_set(err, EINVAL, "schemaVersion: expected 2, got %lld",
                                 (long long)version);
        *ret = known;
        if (ret_in_doc)
                *ret_in_doc = field != NULL;
        return 0;
}

int img_manifest_detect(const char *buf, size_t len, const char *hint, const char **ret,
                        BerthError **err)
{
        _cleanup_json_ json_t *doc = NULL;
        int r = parse_document(buf, len, IMG_MANIFEST_MAX_SIZE, "manifest", &doc, err);
        if (r < 0)
                return r;
        r = detect(doc, hint, ret, NULL, err);
        if (r < 0)
                return error_prefix(err, "manifest");
        return 0;
}

static int parse_common(json_t *doc, ImgDescriptor **subject, char **artifact_type,
                        ImgStrMap **annotations, BerthError **err)
{
        json_t *sub = NULL;
        const char *s = NULL;
        int r = json_get_object(doc, "", "subject", false, &sub, err);
        if (r < 0)
                return r;
        if (r > 0) {
                *subject = calloc(1, sizeof(ImgDescriptor));
                if (!*subject)
                        return error_set(err, ENOMEM, "out of memory");
                r = parse_descriptor(sub, "subject", *subject, err);
                if (r < 0)
                        return r;
        }
        r = json_get_string(doc, "", "artifactType", false, &s, err);
        if (r < 0)
                return r;
        if (s && !(*artifact_type = strdup(s)))
                return error_set(err, ENOMEM, "out of memory");
        sub = NULL;
        r = json_get_object(doc, "", "annotations", false, &sub, err);
        if (r < 0)
                return r;
        if (r > 0)
                return img_strmap_from_json(sub, "annotations", annotations, err);
        return 0;
}

static int manifest_from_json(json_t *doc, const char *hint, ImgManifest *m, BerthError **err)
{
        const char *mt;
        json_t *cfg = NULL, *layers = NULL;
        char q[IMG_QUOTE_MAX];
        int r = detect(doc, hint, &mt, &m->media_type_in_document, err);
        if (r < 0)
                return r;
        if (img_media_type_is_index(mt))
                return error_set(err, EINVAL,
                                 "media type '%s' is an index (manifest list), not an image "
                                 "manifest",
                                 mt);
        if (!(m->media_type = strdup(mt)))
                return error_set(err, ENOMEM, "out of memory");
        r = json_get_object(doc, "", "config", true, &cfg, err);
        if (r < 0)
                return r;
        r = parse_descriptor(cfg, "config", &m->config, err);
        if (r < 0)
                return r;
        if (!img_media_type_is_config(m->config.media_type))
                return error_set(err, EINVAL,
                                 "config.mediaType: unsupported config media type '%s'",
                                 img_quote(m->config.media_type, q));
        r = json_get_array(doc, "", "layers", true, &layers, err);
        if (r < 0)
                return r;
        size_t n = json_array_size(layers);
        m->layers = calloc(n ? n : 1, sizeof(ImgDescriptor));
        if (!m->layers)
                return error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                char path[32];
                snprintf(path, sizeof(path), "layers[%zu]", i);
                m->n_layers = i + 1;
                r = parse_descriptor(json_array_get(layers, i), path, &m->layers[i], err);
                if (r < 0)
                        return r;
                if (img_media_type_layer_compression(m->layers[i].media_type) == IMG_LAYER_UNKNOWN)
                        return error_set(err, EINVAL,
                                         "%s.mediaType: unsupported layer media type '%s'", path,
                                         img_quote(m->layers[i].media_type, q));
        }
        return parse_common(doc, &m->subject, &m->artifact_type, &m->annotations, err);
}

int img_manifest_parse(const char *buf, size_t len, const char *hint, ImgManifest **ret,
                       BerthError **err)
{
        _cleanup_json_ json_t *doc = NULL;
        int r = parse_document(buf, len, IMG_MANIFEST_MAX_SIZE, "manifest", &doc, err);
        if (r < 0)
                return r;
        _cleanup_manifest_ ImgManifest *m = calloc(1, sizeof(*m));
        if (!m)
                return error_set(err, ENOMEM, "out of memory");
        r = manifest_from_json(doc, hint, m, err);
        if (r < 0)
                return error_prefix(err, "manifest");
        *ret = TAKE_PTR(m);
        return 0;
}

static int index_from_json(json_t *doc, const char *hint, ImgIndex *idx, BerthError **err)
{
        const char *mt;
        json_t *list = NULL;
        int r = detect(doc, hint, &mt, &idx->media_type_in_document, err);
        if (r < 0)
                return r;
        if (img_media_type_is_manifest(mt))
                return error_set(err, EINVAL, "media type '%s' is an image manifest, not an index",
                                 mt);
        if (!(idx->media_type = strdup(mt)))
                return error_set(err, ENOMEM, "out of memory");
        r = json_get_array(doc, "", "manifests", true, &list, err);
        if (r < 0)
                return r;
        size_t n = json_array_size(list);
        idx->manifests = calloc(n ? n : 1, sizeof(ImgDescriptor));
        if (!idx->manifests)
                return error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                char path[32];
                snprintf(path, sizeof(path), "manifests[%zu]", i);
                idx->n_manifests = i + 1;
                r = parse_descriptor(json_array_get(list, i), path, &idx->manifests[i], err);
                if (r < 0)
                        return r;
        }
        return parse_common(doc, &idx->subject, &idx->artifact_type, &idx->annotations, err);
}

int img_index_parse(const char *buf, size_t len, const char *hint, ImgIndex **ret, BerthError **err)
{
        _cleanup_json_ json_t *doc = NULL;
        int r = parse_document(buf, len, IMG_MANIFEST_MAX_SIZE, "index", &doc, err);
        if (r < 0)
                return r;
        _cleanup_index_ ImgIndex *idx = calloc(1, sizeof(*idx));
        if (!idx)
                return error_set(err, ENOMEM, "out of memory");
        r = index_from_json(doc, hint, idx, err);
        if (r < 0)
                return error_prefix(err, "index");
        *ret = TAKE_PTR(idx);
        return 0;
}

/* ---- writers ---- */

static int set_strv(json_t *o, const char *key, char **v)
{
        json_t *a = json_array();
        if (!a)
                return -ENOMEM;
        STRV_FOREACH(s, v)
        if (json_array_append_new(a, json_string(*s)) < 0) {
                json_decref(a);
                return -ENOMEM;
        }
        return json_object_set_new(o, key, a) < 0 ? -ENOMEM : 0;
}

static json_t *platform_to_json(const ImgPlatform *p)
{
        json_t *o = json_object();
        int r = 0;
        if (!o)
                return NULL;
        r |= json_object_set_new(o, "architecture", json_string(p->architecture));
        r |= json_object_set_new(o, "os", json_string(p->os));
        if (p->os_version)
                r |= json_object_set_new(o, "os.version", json_string(p->os_version));
        if (p->os_features && p->os_features[0])
                r |= set_strv(o, "os.features", p->os_features);
        if (p->variant && *p->variant)
                r |= json_object_set_new(o, "variant", json_string(p->variant));
        if (p->features && p->features[0])
                r |= set_strv(o, "features", p->features);
        if (r) {
                json_decref(o);
                return NULL;
        }
        return o;
}

/* distribution orders mediaType, size, digest; OCI mediaType, digest, size. */
static json_t *descriptor_to_json(const ImgDescriptor *d, bool docker)
{
        json_t *o = json_object();
        int r = 0;
        if (!o)
                return NULL;
        r |= json_object_set_new(o, "mediaType", json_string(d->media_type));
        if (docker) {
                /* Go omits a zero size; we always write it since parsers
                 * (ours, the OCI spec) require it, and no real blob is empty. */
                r |= json_object_set_new(o, "size", json_integer(d->size));
                r |= json_object_set_new(o, "digest", json_string(d->digest));
        } else {
                r |= json_object_set_new(o, "digest", json_string(d->digest));
                r |= json_object_set_new(o, "size", json_integer(d->size));
        }
        if (d->urls && d->urls[0])
                r |= set_strv(o, "urls", d->urls);
        if (d->annotations && d->annotations->n)
                r |= json_object_set_new(o, "annotations", img_strmap_to_json(d->annotations));
        if (d->platform)
                r |= json_object_set_new(o, "platform", platform_to_json(d->platform));
        if (!docker && d->artifact_type)
                r |= json_object_set_new(o, "artifactType", json_string(d->artifact_type));
        if (r) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static int finish_dump(json_t *o, int indent, char **ret, size_t *ret_len, BerthError **err)
{
        char *s = img_json_dump_go(o, indent, ret_len);
        if (!s)
                return error_set(err, ENOMEM, "serialise manifest: out of memory");
        *ret = s;
        return 0;
}

int img_manifest_to_json(const ImgManifest *m, char **ret, size_t *ret_len, BerthError **err)
{
        bool docker = STREQ(m->media_type, IMG_MEDIA_TYPE_DOCKER_MANIFEST);
        _cleanup_json_ json_t *o = json_object();
        json_t *layers = json_array();
        int r = 0;
        if (!o || !layers) {
                json_decref(layers);
                return error_set(err, ENOMEM, "serialise manifest: out of memory");
        }
        r |= json_object_set_new(o, "schemaVersion", json_integer(2));
        if (docker || m->media_type_in_document)
                r |= json_object_set_new(o, "mediaType", json_string(m->media_type));
        if (!docker && m->artifact_type)
                r |= json_object_set_new(o, "artifactType", json_string(m->artifact_type));
        r |= json_object_set_new(o, "config", descriptor_to_json(&m->config, docker));
        for (size_t i = 0; i < m->n_layers; i++)
                r |= json_array_append_new(layers, descriptor_to_json(&m->layers[i], docker));
        r |= json_object_set_new(o, "layers", layers);
        if (!docker && m->subject)
                r |= json_object_set_new(o, "subject", descriptor_to_json(m->subject, false));
        if (!docker && m->annotations && m->annotations->n)
                r |= json_object_set_new(o, "annotations", img_strmap_to_json(m->annotations));
        if (r)
                return error_set(err, ENOMEM, "serialise manifest: out of memory");
        return finish_dump(o, docker ? 3 : 0, ret, ret_len, err);
}

int img_index_to_json(const ImgIndex *idx, char **ret, size_t *ret_len, BerthError **err)
{
        bool docker = STREQ(idx->media_type, IMG_MEDIA_TYPE_DOCKER_MANIFEST_LIST);
        _cleanup_json_ json_t *o = json_object();
        json_t *list = json_array();
        int r = 0;
        if (!o || !list) {
                json_decref(list);
                return error_set(err, ENOMEM, "serialise index: out of memory");
        }
        r |= json_object_set_new(o, "schemaVersion", json_integer(2));
        if (docker || idx->media_type_in_document)
                r |= json_object_set_new(o, "mediaType", json_string(idx->media_type));
        if (!docker && idx->artifact_type)
                r |= json_object_set_new(o, "artifactType", json_string(idx->artifact_type));
        for (size_t i = 0; i < idx->n_manifests; i++)
                r |= json_array_append_new(list, descriptor_to_json(&idx->manifests[i], docker));
        r |= json_object_set_new(o, "manifests", list);
        if (!docker && idx->subject)
                r |= json_object_set_new(o, "subject", descriptor_to_json(idx->subject, false));
        if (!docker && idx->annotations && idx->annotations->n)
                r |= json_object_set_new(o, "annotations", img_strmap_to_json(idx->annotations));
        if (r)
                return error_set(err, ENOMEM, "serialise index: out of memory");
        return finish_dump(o, docker ? 3 : 0, ret, ret_len, err);
}

int img_index_select(const ImgIndex *idx, const char *os, const char *arch, const char *variant)
{
        for (size_t i = 0; i < idx->n_manifests; i++) {
                const ImgDescriptor *d = &idx->manifests[i];
                const ImgPlatform *p = d->platform;
                if (!img_media_type_is_manifest(d->media_type) || !p)
                        continue;
                if (!STREQ(p->os, os) || !STREQ(p->architecture, arch))
                        continue;
                if (variant && *variant && p->variant && *p->variant && !STREQ(variant, p->variant))
                        continue;
                if (variant && *variant && (!p->variant || !*p->variant) &&
                    !(STREQ(arch, "arm64") && STREQ(variant, "v8")))
                        continue;
                return (int)i;
        }
        return -ENOENT;
}

/* ---- docker save manifest.json ---- */

ImgArchiveManifest *img_archive_manifest_free(ImgArchiveManifest *m)
{
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_entries; i++) {
                free(m->entries[i].config);
                strv_free(m->entries[i].repo_tags);
                strv_free(m->entries[i].layers);
                free(m->entries[i].parent);
        }
        free(m->entries);
        free(m);
        return NULL;
}

/* A relative path that stays inside the archive. */
static bool archive_path_ok(const char *p)
{
        if (!*p || *p == '/')
                return false;
        for (const char *c = p; c;) {
                const char *next = strchr(c, '/');
                size_t n = next ? (size_t)(next - c) : strlen(c);
                if (n == 2 && c[0] == '.' && c[1] == '.')
                        return false;
                c = next ? next + 1 : NULL;
        }
        return true;
}

static int archive_entry(json_t *e, const char *path, ImgArchiveEntry *out, BerthError **err)
{
        char q[IMG_QUOTE_MAX];
        const char *s = NULL;
        int r;
        if (!json_is_object(e))
                return error_set(err, EINVAL, "%s: expected an object, got %s", path,
                                 json_type_name(e));
        r = json_get_string(e, path, "Config", true, &s, err);
        if (r < 0)
                return r;
        if (!archive_path_ok(s))
                return error_set(err, EINVAL, "%s.Config: path '%s' leaves the archive", path,
                                 img_quote(s, q));
        if (!(out->config = strdup(s)))
                return error_set(err, ENOMEM, "out of memory");
        r = json_get_strv(e, path, "RepoTags", false, false, &out->repo_tags, err);
        if (r < 0)
                return r;
        if (r == 0 && !(out->repo_tags = calloc(1, sizeof(char *))))
                return error_set(err, ENOMEM, "out of memory");
        r = json_get_strv(e, path, "Layers", true, false, &out->layers, err);
        if (r < 0)
                return r;
        for (size_t i = 0; out->layers[i]; i++)
                if (!archive_path_ok(out->layers[i]))
                        return error_set(err, EINVAL,
                                         "%s.Layers[%zu]: path '%s' leaves the archive", path, i,
                                         img_quote(out->layers[i], q));
        s = NULL;
        r = json_get_string(e, path, "Parent", false, &s, err);
        if (r < 0)
                return r;
        if (s && *s && !(out->parent = strdup(s)))
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

int img_archive_manifest_parse(const char *buf, size_t len, ImgArchiveManifest **ret,
                               BerthError **err)
{
        _cleanup_json_ json_t *doc = NULL;
        int r = parse_document(buf, len, IMG_MANIFEST_MAX_SIZE, "manifest.json", &doc, err);
        if (r < 0)
                return r;
        if (!json_is_array(doc))
                return error_set(err, EINVAL, "manifest.json: expected an array, got %s",
                                 json_type_name(doc));
        _cleanup_archive_manifest_ ImgArchiveManifest *m = calloc(1, sizeof(*m));
        size_t n = json_array_size(doc);
        if (!m || !(m->entries = calloc(n ? n : 1, sizeof(ImgArchiveEntry))))
                return error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                char path[32];
                snprintf(path, sizeof(path), "[%zu]", i);
                m->n_entries = i + 1;
                r = archive_entry(json_array_get(doc, i), path, &m->entries[i], err);
                if (r < 0)
                        return error_prefix(err, "manifest.json");
        }
        *ret = TAKE_PTR(m);
        return 0;
}
