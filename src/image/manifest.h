/* Image manifests and indexes: Docker Image Manifest V2 Schema 2, Docker
 * manifest lists, OCI image manifest and index (image-spec 1.0/1.1), and the
 * manifest.json of `docker save` archives. Parsers take untrusted bytes and
 * fail with a sentence naming the field ("manifest: layers[2].digest: invalid
 * digest 'sha256:zz'"); writers produce the bytes Docker produces. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define IMG_MEDIA_TYPE_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMG_MEDIA_TYPE_DOCKER_MANIFEST_LIST                                                        \
        "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMG_MEDIA_TYPE_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define IMG_MEDIA_TYPE_DOCKER_LAYER  "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define IMG_MEDIA_TYPE_DOCKER_FOREIGN_LAYER                                                        \
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define IMG_MEDIA_TYPE_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define IMG_MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED                                                       \
        "application/vnd.docker.distribution.manifest.v1+prettyjws"

#define IMG_MEDIA_TYPE_OCI_MANIFEST   "application/vnd.oci.image.manifest.v1+json"
#define IMG_MEDIA_TYPE_OCI_INDEX      "application/vnd.oci.image.index.v1+json"
#define IMG_MEDIA_TYPE_OCI_CONFIG     "application/vnd.oci.image.config.v1+json"
#define IMG_MEDIA_TYPE_OCI_LAYER      "application/vnd.oci.image.layer.v1.tar"
#define IMG_MEDIA_TYPE_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMG_MEDIA_TYPE_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define IMG_MEDIA_TYPE_OCI_LAYER_ND   "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define IMG_MEDIA_TYPE_OCI_LAYER_ND_GZIP                                                           \
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define IMG_MEDIA_TYPE_OCI_LAYER_ND_ZSTD                                                           \
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
#define IMG_MEDIA_TYPE_OCI_EMPTY             "application/vnd.oci.empty.v1+json"
#define IMG_OCI_REF_NAME_ANNOTATION          "org.opencontainers.image.ref.name"
#define IMG_CONTAINERD_IMAGE_NAME_ANNOTATION "io.containerd.image.name"

/* Untrusted JSON documents are refused above these sizes. */
#define IMG_MANIFEST_MAX_SIZE (4u * 1024 * 1024)
#define IMG_CONFIG_MAX_SIZE   (8u * 1024 * 1024)

typedef enum ImgLayerCompression {
        IMG_LAYER_UNKNOWN = 0, /* not a layer media type */
        IMG_LAYER_TAR,
        IMG_LAYER_TAR_GZIP,
        IMG_LAYER_TAR_ZSTD,
} ImgLayerCompression;

/* The compression a layer media type implies. Docker's rootfs.diff.tar.gzip
 * is also used for uncompressed tars in `docker save`; detect by magic then. */
ImgLayerCompression img_media_type_layer_compression(const char *media_type);
bool img_media_type_is_manifest(const char *media_type);
bool img_media_type_is_index(const char *media_type);
bool img_media_type_is_config(const char *media_type);

typedef struct ImgPlatform {
        char *architecture;
        char *os;
        char *os_version;   /* NULL when absent */
        char **os_features; /* NULL when absent */
        char *variant;      /* NULL when absent */
        char **features;    /* NULL when absent (Docker manifest lists) */
} ImgPlatform;

/* Key/value pairs in document order. NULL keys/values when n == 0. */
typedef struct ImgStrMap {
        size_t n;
        char **keys;
        char **values;
} ImgStrMap;

typedef struct ImgDescriptor {
        char *media_type;
        char *digest;           /* validated */
        int64_t size;           /* >= 0 */
        char **urls;            /* NULL when absent */
        ImgStrMap *annotations; /* NULL when absent */
        ImgPlatform *platform;  /* NULL when absent */
        char *artifact_type;    /* NULL when absent */
} ImgDescriptor;

typedef struct ImgManifest {
        char *media_type;            /* IMG_MEDIA_TYPE_DOCKER_MANIFEST or _OCI_MANIFEST */
        bool media_type_in_document; /* the "mediaType" field was present */
        ImgDescriptor config;
        ImgDescriptor *layers;
        size_t n_layers;
        ImgDescriptor *subject; /* NULL when absent */
        char *artifact_type;
        ImgStrMap *annotations;
} ImgManifest;

typedef struct ImgIndex {
        char *media_type; /* IMG_MEDIA_TYPE_DOCKER_MANIFEST_LIST or _OCI_INDEX */
        bool media_type_in_document;
        ImgDescriptor *manifests;
        size_t n_manifests;
        ImgDescriptor *subject;
        char *artifact_type;
        ImgStrMap *annotations;
} ImgIndex;

/* The media type of a manifest-like document: its "mediaType" field, else
 * (OCI documents may omit it) "manifests" means an OCI index and "config"
 * with "layers" an OCI manifest. hint (optional: a Content-Type or a
 * descriptor's mediaType) must agree with the field when both are present.
 * Unknown and schema1 media types are rejected. ret points into static storage. */
int img_manifest_detect(const char *buf, size_t len, const char *hint, const char **ret,
                        BerthError **err);

int img_manifest_parse(const char *buf, size_t len, const char *hint, ImgManifest **ret,
                       BerthError **err);
int img_index_parse(const char *buf, size_t len, const char *hint, ImgIndex **ret,
                    BerthError **err);

/* Serialises as Docker/containerd do: Docker schema2 with distribution's
 * 3-space indent, OCI manifests and indexes compact; Go's field order and
 * escaping (<, >, & as \u003c...). Caller frees. */
int img_manifest_to_json(const ImgManifest *m, char **ret, size_t *ret_len, BerthError **err);
int img_index_to_json(const ImgIndex *idx, char **ret, size_t *ret_len, BerthError **err);

/* Picks the manifest for a platform from an index: os and architecture
 * must match; variant must match when both sides give one ("arm64" with no
 * variant also matches "v8"). Returns the index or -ENOENT. */
int img_index_select(const ImgIndex *idx, const char *os, const char *arch, const char *variant);

ImgManifest *img_manifest_free(ImgManifest *m);
ImgIndex *img_index_free(ImgIndex *idx);
void img_descriptor_clear(ImgDescriptor *d);
void img_platform_free(ImgPlatform *p);
void img_strmap_free(ImgStrMap *m);
const char *img_strmap_get(const ImgStrMap *m, const char *key);
static inline void img_manifest_freep(ImgManifest **m)
{
        *m = img_manifest_free(*m);
}
static inline void img_index_freep(ImgIndex **i)
{
        *i = img_index_free(*i);
}
#define _cleanup_manifest_ __attribute__((cleanup(img_manifest_freep)))
#define _cleanup_index_    __attribute__((cleanup(img_index_freep)))

/* One entry of a `docker save` archive's manifest.json. */
typedef struct ImgArchiveEntry {
        char *config;     /* path of the config in the archive */
        char **repo_tags; /* NULL-terminated, maybe empty */
        char **layers;    /* paths of the layer tars, base first */
        char *parent;     /* NULL when absent */
} ImgArchiveEntry;

typedef struct ImgArchiveManifest {
        ImgArchiveEntry *entries;
        size_t n_entries;
} ImgArchiveManifest;

/* Parses manifest.json; paths with ".." components or a leading '/' are refused. */
int img_archive_manifest_parse(const char *buf, size_t len, ImgArchiveManifest **ret,
                               BerthError **err);
ImgArchiveManifest *img_archive_manifest_free(ImgArchiveManifest *m);
static inline void img_archive_manifest_freep(ImgArchiveManifest **m)
{
        *m = img_archive_manifest_free(*m);
}
#define _cleanup_archive_manifest_ __attribute__((cleanup(img_archive_manifest_freep)))

/* JSON helpers shared by the image parsers/writers (manifest.c). */
int img_strmap_from_json(json_t *obj, const char *path, ImgStrMap **ret, BerthError **err);
json_t *img_strmap_to_json(const ImgStrMap *m);
/* json_dumps plus Go's escaping of <, >, &, U+2028 and U+2029. indent 0 = compact. */
char *img_json_dump_go(json_t *j, int indent, size_t *ret_len);
