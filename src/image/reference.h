/* Image references ("busybox", "localhost:5000/x:tag", "reg/a/b@sha256:...")
 * parsed and normalised exactly as Docker does (distribution/reference as
 * vendored by Docker 20.10), with Docker's error messages. */
#pragma once

#include <stdbool.h>

#include "common/error.h"

#define IMG_DEFAULT_DOMAIN "docker.io"
#define IMG_DEFAULT_TAG    "latest"
#define IMG_NAME_TOTAL_MAX 255
#define IMG_TAG_MAX        128

typedef struct ImgReference {
        char *domain; /* "docker.io"; "" only for img_reference_parse of a bare path */
        char *path;   /* "library/busybox" */
        char *tag;    /* NULL when absent */
        char *digest; /* "sha256:<hex>", NULL when absent */
} ImgReference;

/* Docker's ParseNormalizedNamed: "busybox" -> docker.io/library/busybox
 * (no tag is added). Errors carry Docker's messages, e.g.
 * "invalid reference format: repository name must be lowercase". */
int img_reference_parse_normalized(const char *s, ImgReference **ret, BerthError **err);
/* Docker's ParseDockerRef: normalised, "latest" added when neither tag nor
 * digest is given, and the tag dropped when a digest is given. */
int img_reference_parse_docker(const char *s, ImgReference **ret, BerthError **err);
/* distribution's Parse: the grammar only, no normalisation. A first
 * component that is a valid host is taken as the domain. */
int img_reference_parse(const char *s, ImgReference **ret, BerthError **err);

/* Adds "latest" when the reference has neither tag nor digest. */
int img_reference_tag_name_only(ImgReference *ref);

/* "docker.io/library/busybox" */
char *img_reference_name(const ImgReference *ref);
/* "docker.io/library/busybox:latest@sha256:..." */
char *img_reference_string(const ImgReference *ref);
/* "busybox", "user/img", "localhost:5000/x" */
char *img_reference_familiar_name(const ImgReference *ref);
/* "busybox:latest" */
char *img_reference_familiar_string(const ImgReference *ref);

/* [\w][\w.-]{0,127} */
bool img_tag_is_valid(const char *tag);
/* True for 64 lowercase hex characters (an image ID without "sha256:"). */
bool img_is_hex_id(const char *s);

ImgReference *img_reference_free(ImgReference *ref);
static inline void img_reference_freep(ImgReference **r)
{
        *r = img_reference_free(*r);
}
#define _cleanup_reference_ __attribute__((cleanup(img_reference_freep)))
