/* Stub: replaced by the real implementation. */
#include <errno.h>
#include "runtime/cgroup.h"

void rt_cgroup_set_fs_root(const char *path) {}
int rt_cgroup_detect(RtCgroupMode *ret, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_cgroup_path_for(const char *cgroups_path, const char *id, char **ret, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_cgroup_create(const char *path, const RtResources *res, pid_t pid, RtCgroup **ret, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_cgroup_open(const char *path, RtCgroup **ret, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
const char *rt_cgroup_get_path(const RtCgroup *cg) { return NULL; }
RtCgroupMode rt_cgroup_get_mode(const RtCgroup *cg) { return RT_CGROUP_V1; }
int rt_cgroup_apply(RtCgroup *cg, const RtResources *res, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_cgroup_add_pid(RtCgroup *cg, pid_t pid, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_cgroup_freeze(RtCgroup *cg, bool frozen, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_cgroup_is_frozen(RtCgroup *cg, bool *ret, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_cgroup_pids(RtCgroup *cg, pid_t **ret, size_t *ret_n, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_cgroup_kill_all(RtCgroup *cg, int sig, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_cgroup_oom_kills(RtCgroup *cg, uint64_t *ret, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_cgroup_destroy(RtCgroup *cg, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
RtCgroup *rt_cgroup_free(RtCgroup *cg) { return NULL; }
uint64_t rt_cgroup_shares_to_weight(uint64_t shares) { return 0; }
uint64_t rt_cgroup_blkio_to_io_weight(uint64_t weight) { return 0; }
void rt_cgroup_cpu_max(const RtResources *res, char *buf, size_t len) { buf[0] = 0; }
int rt_cgroup_swap_v2(int64_t limit, int64_t swap, int64_t *ret, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
