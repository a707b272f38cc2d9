/* The container's root filesystem, built inside its new mount namespace:
 * mounts, devices, /dev links, pivot_root, masked and read-only paths,
 * sysctls. All of this runs in the container child, as root of its user
 * namespace when there is one. Paths inside the rootfs are resolved with
 * common/safepath.h, never by string joins. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "runtime/spec.h"

/* Before pivot_root: sets the propagation of / (rslave unless
 * rootfsPropagation says otherwise), bind-mounts the rootfs onto itself,
 * performs spec->mounts in order, creates the default devices and
 * linux.devices (bind-mounted from the host inside a user namespace),
 * /dev/pts/ptmx, /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr, /dev/core.
 * rootfs is the absolute host path of the root. */
int rt_rootfs_prepare(const RtSpec *spec, const char *rootfs, BerthError **err);
/* pivot_root into rootfs and detach the old root; where pivot_root is not
 * possible (rootfs on ramfs/initramfs) or no_pivot is set, MS_MOVE + chroot. */
int rt_rootfs_pivot(const char *rootfs, bool no_pivot, BerthError **err);
/* After pivot_root: masked paths, read-only paths, the read-only remount of
 * / when root.readonly, and the final propagation of /. */
int rt_rootfs_finalize(const RtSpec *spec, BerthError **err);
/* Writes linux.sysctl under /proc/sys (after the new /proc is mounted). */
int rt_sysctl_apply(const RtSpec *spec, BerthError **err);

/* Idmapped bind mounts, made by the runtime before clone() (see
 * rootfs_idmap.c): one detached, idmapped tree fd per mount of the spec
 * (-1 where none; *ret NULL when no mount wants one). The init hands the
 * array to rt_rootfs_set_idmap_fds before rt_rootfs_prepare. */
int rt_rootfs_idmap_prepare(const RtSpec *spec, int **ret, BerthError **err);
void rt_rootfs_idmap_done(int *fds, size_t n);
void rt_rootfs_set_idmap_fds(const int *fds, size_t n);

/* Parses mount options into flags (MS_*), propagation flags and the data
 * string for mount(2). Exposed for unit tests. */
typedef struct RtMountFlags {
        unsigned long flags;       /* MS_RDONLY, MS_NOSUID, ... and MS_BIND/MS_REC */
        unsigned long clear;       /* flags explicitly cleared ("rw", "suid", ...) */
        unsigned long propagation; /* MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE (| MS_REC) */
        char *data;                /* the rest, comma-joined, for the filesystem */
        bool bind;
        bool tmpcopyup; /* tmpfs: copy what was under the mount point into it */
        bool idmap;     /* "idmap"/"ridmap": idmapped mounts, refused at mount time */
        /* "rro", "rnosuid", "ratime"...: MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE)
         * over the mount and every mount below it */
        uint64_t rec_set;
        uint64_t rec_clear;
} RtMountFlags;
/* The i-th mount option name we know (NULL past the end): for `features`. */
const char *rt_mount_option_name(size_t i);
int rt_mount_flags_parse(char *const *options, RtMountFlags *ret, BerthError **err);
void rt_mount_flags_done(RtMountFlags *f);
