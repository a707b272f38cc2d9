/* Overlay mounts on kernels without "lowerdir+" (before Linux 6.8), where
 * the whole option string of mount(2) must fit in one page. Like Docker's
 * overlay2: every layer gets a short symlink layers/l/<26 chars> →
 * ../<hex>/diff and the mount names its lowers relative to layers/
 * ("l/<id>", 29 bytes each), from a thread whose working directory is
 * layers/ (unshare(CLONE_FS): the rest of the process keeps its own), so
 * 128 layers fit. */
#pragma once

#include <stdbool.h>

#include "common/error.h"

#define IMG_OVERLAY_SHORT_ID_LEN 26

/* The short id of a layer: 26 base32 characters derived from the first
 * 130 bits of its chain id hex (64 lowercase hex digits), so it needs no
 * bookkeeping and is the same every time. */
int img_overlay_short_id(const char *hex, char ret[IMG_OVERLAY_SHORT_ID_LEN + 1]);

/* Makes sure <root_fd>/l/<short id> links to ../<hex>/diff. */
int img_overlay_short_link(int root_fd, const char *hex, char ret[IMG_OVERLAY_SHORT_ID_LEN + 1],
                           BerthError **err);

/* Mounts overlay at target with mount(2): the absolute lower paths when the
 * options fit in a page, else the short links relative to root (lowers
 * that are not layers of the store at root stay absolute; root NULL: no
 * short links). lowers is top
 * first; upper, work and target are absolute. -E2BIG when even the short
 * form does not fit. */
int img_overlay_legacy_mount(const char *root, int root_fd, char **lowers, const char *upper,
                             const char *work, const char *target, BerthError **err);

/* Set by the probe, used by every mount: true when the kernel lacks
 * "lowerdir+" or BERTH_OVERLAY_MOUNT=legacy forces this path (tests). */
bool img_overlay_use_legacy(void);
void img_overlay_set_legacy(bool legacy);
/* BERTH_OVERLAY_MOUNT=legacy is set. */
bool img_overlay_legacy_forced(void);
