/* Small file helpers: durable writes, whole-file reads, directory trees. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* Writes data to path durably: temp file in the same directory, fsync,
 * rename, fsync of the directory. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                      BerthError **err);
/* Replaces path atomically (temp file + rename: readers see the old or the
 * new content, never a torn file, even if the writer crashes) but without
 * fsync: for files that die with the machine anyway (exec root, runtime
 * state on tmpfs) or that are regenerated when missing or empty (bundles). */
int write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
                       BerthError **err);
/* Reads a whole file; *ret_buf is NUL-terminated and owned by the caller. */
int read_file(const char *path, char **ret_buf, size_t *ret_len, BerthError **err);
/* Writes a short string to an existing file (cgroup and /proc knobs). */
int write_file_string(const char *path, const char *value, BerthError **err);
int mkdir_p(const char *path, mode_t mode, BerthError **err);
/* Removes a tree without following symlinks and without crossing mount points. */
int rm_rf(const char *path, BerthError **err);
/* Sends/receives one fd with SCM_RIGHTS, plus a short payload. */
int send_fd(int sock, int fd, const void *data, size_t len);
int recv_fd(int sock, int *ret_fd, void *data, size_t len);
/* Writes/reads exactly len bytes, retrying on EINTR and short counts. */
int write_all_fd(int fd, const void *buf, size_t len);
ssize_t read_all_fd(int fd, void *buf, size_t len);
