/* Resolving paths inside a root directory without ever leaving it, the way
 * chroot would: "..", absolute symlinks and relative symlinks are all bounded
 * by the root. Uses openat2(RESOLVE_IN_ROOT) and falls back to a walk of our
 * own on kernels without it (< 5.6). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

/* Opens `path` inside `rootfd` (a directory fd). flags are open(2) flags;
 * O_CLOEXEC is always added. With O_CREAT the last component is created
 * inside the root. Returns the fd or -errno. */
int safe_openat_in_root(int rootfd, const char *path, int flags, mode_t mode, BerthError **err);

/* Creates every missing directory of `path` inside the root (like mkdir -p)
 * and returns an O_PATH|O_DIRECTORY fd to the last one. */
int safe_mkdir_p_in_root(int rootfd, const char *path, mode_t mode, BerthError **err);

/* Makes sure `path` exists inside the root as a regular file (created empty
 * when missing, parents created) and returns an O_PATH fd to it. Used for
 * bind-mount targets of files. */
int safe_mkfile_in_root(int rootfd, const char *path, mode_t mode, BerthError **err);

/* Resolves path inside the root to a host path string "<root>/<resolved>"
 * without opening it (for messages and for APIs that need a string).
 * Caller frees. Symlinks are followed within the root. */
int safe_resolve_in_root(const char *root, const char *path, char **ret, BerthError **err);

/* Forces the built-in walk instead of openat2 (for tests of the fallback). */
void safe_path_force_fallback(bool on);

/* "/proc/self/fd/N" for an fd, into buf of at least 32 bytes. */
const char *safe_fd_path(int fd, char *buf, size_t len);
