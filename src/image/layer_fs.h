/* Filesystem building blocks shared by the unpacker, the diff writer and the
 * vfs driver. Internal to src/image. Everything works relative to directory
 * fds and never follows a symlink in the last component. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* Removes name (a tree or a single entry) inside dirfd; a missing entry is
 * not an error. Does not cross into other mounts' content by path: every
 * step is an fd opened with O_NOFOLLOW. */
int img_rm_rf_at(int dirfd, const char *name);

/* Copies the content of src_dirfd into dst_dirfd (which must exist):
 * files (reflinked when the filesystem can, else copy_file_range), symlinks,
 * devices, fifos, hard links, ownership, modes, xattrs and timestamps.
 * The root's own metadata is copied too. */
int img_copy_tree(int src_dirfd, int dst_dirfd, BerthError **err);

/* Copies the xattrs of src_path to dst_path (l* calls, so symlinks are not
 * followed); names with skip_prefix (may be NULL) are left out. */
int img_copy_xattrs(const char *src_path, const char *dst_path, const char *skip_prefix);

/* "/proc/self/fd/<fd>/<name>" (or without the name) into buf. */
const char *img_fd_path(int fd, const char *name, char *buf, size_t len);

/* A set of strings (paths unpacked by this layer). */
typedef struct ImgStrSet ImgStrSet;
ImgStrSet *img_strset_new(void);
int img_strset_add(ImgStrSet *s, const char *str);
bool img_strset_contains(const ImgStrSet *s, const char *str);
ImgStrSet *img_strset_free(ImgStrSet *s);

/* (dev, ino) → first path seen, for hard links. */
typedef struct ImgInodeMap ImgInodeMap;
ImgInodeMap *img_inodemap_new(void);
/* Returns the path recorded for (dev, ino) or NULL after recording path. */
const char *img_inodemap_get_or_add(ImgInodeMap *m, dev_t dev, ino_t ino, const char *path,
                                    int *ret_err);
ImgInodeMap *img_inodemap_free(ImgInodeMap *m);
