/* The image config (Docker image JSON / OCI image config): parsing of the
 * untrusted blob, and writing in Docker's or the OCI layout. The config blob
 * is always stored byte-for-byte as received (its sha256 is the image ID);
 * the writer is for configs berth creates (commit, build, import). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "image/digest.h"
#include "image/manifest.h"

/* Absent/null list fields are NULL; [] is an allocated empty list. */
typedef struct ImgHealthcheck {
        char **test;      /* ["NONE"], ["CMD", ...], ["CMD-SHELL", "..."] */
        int64_t interval; /* nanoseconds, 0 = inherit */
        int64_t timeout;
        int64_t start_period;
        int64_t start_interval;
        int64_t retries;
} ImgHealthcheck;

/* Docker's container.Config as stored in images. */
typedef struct ImgContainerConfig {
        char *hostname, *domainname, *user;
        bool attach_stdin, attach_stdout, attach_stderr;
        char **exposed_ports; /* keys of ExposedPorts ("8080/tcp"), NULL when absent */
        bool tty, open_stdin, stdin_once;
        char **env;
        char **cmd;
        ImgHealthcheck *healthcheck;
        bool args_escaped;
        char *image;
        char **volumes; /* keys of Volumes */
        char *working_dir;
        char **entrypoint;
        bool network_disabled;
        char *mac_address;
        char **on_build;
        ImgStrMap *labels;
        char *stop_signal;
        bool has_stop_timeout;
        int64_t stop_timeout;
        char **shell;
} ImgContainerConfig;

typedef struct ImgHistory {
        char *created; /* RFC 3339, NULL when absent */
        char *author;
        char *created_by;
        char *comment;
        bool empty_layer;
} ImgHistory;

typedef struct ImgConfig {
        /* Docker's V1Image fields; NULL/empty when absent */
        char *id, *parent, *comment, *created, *container, *docker_version, *author;
        ImgContainerConfig *container_config; /* NULL when absent */
        ImgContainerConfig *config;           /* NULL when absent */
        char *architecture, *variant, *os, *os_version;
        char **os_features;
        int64_t size;
        char *rootfs_type; /* "layers" */
        char **diff_ids;   /* validated digests, base layer first */
        ImgHistory *history;
        size_t n_history;
        bool has_history;
} ImgConfig;

typedef enum ImgConfigStyle {
        /* Docker's image.Image: top-level keys sorted, container config in
         * Go field order, V1 fields kept (what `docker build/commit` wrote). */
        IMG_CONFIG_STYLE_DOCKER = 0,
        /* OCI image-spec ocispec.Image field order, empty fields omitted. */
        IMG_CONFIG_STYLE_OCI,
} ImgConfigStyle;

/* Parses a config blob (at most IMG_CONFIG_MAX_SIZE). rootfs with type
 * "layers" and valid diff_ids is required; errors read "config:
 * rootfs.diff_ids[1]: invalid digest ...". */
int img_config_parse(const char *buf, size_t len, ImgConfig **ret, BerthError **err);
/* Serialises; the result is what Docker (or an OCI tool) would write for
 * the same values, so re-serialising a parsed Docker config gives it back. */
int img_config_to_json(const ImgConfig *c, ImgConfigStyle style, char **ret, size_t *ret_len,
                       BerthError **err);
/* Number of history entries that are not empty_layer (must equal the
 * number of diff_ids when history is present). */
size_t img_config_non_empty_history(const ImgConfig *c);

ImgConfig *img_config_free(ImgConfig *c);
void img_container_config_free(ImgContainerConfig *cc);
static inline void img_config_freep(ImgConfig **c)
{
        *c = img_config_free(*c);
}
#define _cleanup_config_ __attribute__((cleanup(img_config_freep)))

/* imageid.c */

/* Image ID: the sha256 digest of the config blob exactly as stored. */
int img_image_id(const char *config_blob, size_t len, ImgDigest *ret);
/* Chain IDs as Docker computes them: ChainID(L0) = DiffID(L0),
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). ret gets n digests. */
int img_chain_ids(char *const *diff_ids, size_t n, ImgDigest *ret, BerthError **err);
/* The chain ID of the whole stack (the top layer's). */
int img_chain_id(char *const *diff_ids, size_t n, ImgDigest *ret, BerthError **err);
