/* Shared pieces of the rootfs code (rootfs*.c, mount_flags.c); not a public
 * contract. */
#pragma once

#include <stdbool.h>

#include "common/error.h"
#include "runtime/rootfs.h"
#include "runtime/spec.h"

/* "private", "rslave", ... to MS_* | MS_REC; -EINVAL for anything else. */
int rt_propagation_parse(const char *name, unsigned long *ret);

/* True inside a user namespace other than the initial one. */
bool rt_in_user_ns(void);

/* mount(2) onto the object an O_PATH fd names, through /proc/self/fd/N, so a
 * symlink swapped into the rootfs after we resolved it can't redirect us.
 * Returns 0 or -errno (no message). */
int rt_mount_on_fd(const char *source, int fd, const char *type, unsigned long flags,
                   const char *data);

/* Remounts the bind mount at fd (which must be the mount's root) with
 * MS_BIND|MS_REMOUNT|flags. A bind remount replaces ro/nosuid/nodev/noexec,
 * so those the mount already has are kept unless named in `clear` ("rw",
 * "suid"...): binding a read-only or nosuid source never loosens it. When
 * the kernel still says EPERM (flags locked by a user namespace), retries
 * keeping every flag the mount has. */
int rt_bind_remount(int fd, unsigned long flags, unsigned long clear);

/* The per-mount MS_* flags of the mount holding fd (from statfs f_flags). */
unsigned long rt_mount_flags_of(int fd);

/* The detached idmapped tree for spec->mounts[mount_index], or -1. */
int rt_rootfs_idmap_fd(size_t mount_index);

/* Devices and /dev links, after the spec mounts (rootfs_devices.c). */
int rt_rootfs_devices(const RtSpec *spec, int rootfd, BerthError **err);

/* A spec mount of type "cgroup" (rootfs_cgroup.c). */
int rt_rootfs_mount_cgroup(const RtMount *m, const RtMountFlags *f, int rootfd, int fd,
                           BerthError **err);

/* One line of /proc/self/mountinfo (strings unescaped, owned). */
typedef struct RtMountInfo {
        char *root; /* the mount's root within its filesystem */
        char *mountpoint;
        char *optional; /* "shared:1 master:2" or "" */
        char *fstype;
        char *source;
        char *superopts;
} RtMountInfo;

int rt_mountinfo_read(RtMountInfo **ret, size_t *ret_n, BerthError **err);
void rt_mountinfo_free(RtMountInfo *v, size_t n);
