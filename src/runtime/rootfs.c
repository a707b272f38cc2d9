/* Stub: replaced by the real implementation. */
#include <errno.h>
#include "runtime/rootfs.h"

int rt_rootfs_prepare(const RtSpec *spec, const char *rootfs, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_rootfs_pivot(const char *rootfs, bool no_pivot, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_rootfs_finalize(const RtSpec *spec, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_sysctl_apply(const RtSpec *spec, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_mount_flags_parse(char *const *options, RtMountFlags *ret, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
void rt_mount_flags_done(RtMountFlags *f) {}
