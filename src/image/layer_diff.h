/* A container's changes as a layer tar (uncompressed, pax), for commit,
 * build and diff. Entries are written in sorted order with parents first. */
#pragma once

#include "common/error.h"

/* overlay: walks the upper dir. 0/0 character devices become ".wh.<name>",
 * directories with trusted.overlay.opaque="y" get ".wh..wh..opq". */
int img_layer_diff_overlay(int upper_dirfd, int out_fd, BerthError **err);

/* vfs: compares a full copy (new_dirfd) against its parent's copy
 * (old_dirfd, -1 for none): added or changed entries (type, mode, owner,
 * size, mtime, symlink target, device number; unchanged metadata means
 * unchanged content, as Docker's naive differ assumes), and ".wh.<name>"
 * for what was removed. Parent directories of changes are included. */
int img_layer_diff_vfs(int old_dirfd, int new_dirfd, int out_fd, BerthError **err);
