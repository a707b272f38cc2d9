/* cgroups v1 and v2, detected at run time, with the same resources.
 * A hybrid host (v1 controllers plus a cgroup2 mount at
 * /sys/fs/cgroup/unified, as this one) is driven through v1, and the
 * container is also placed in the unified hierarchy when it is mounted. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "runtime/spec.h"

typedef enum RtCgroupMode {
        RT_CGROUP_V1 = 1,     /* legacy or hybrid */
        RT_CGROUP_UNIFIED = 2 /* cgroup v2 only */
} RtCgroupMode;

typedef struct RtCgroup RtCgroup;

/* Test seam: the directory where the cgroup filesystems are mounted
 * (default /sys/fs/cgroup). Also read from $BERTH_CGROUP_ROOT. */
void rt_cgroup_set_fs_root(const char *path);
int rt_cgroup_detect(RtCgroupMode *ret, BerthError **err);

/* The cgroup path (relative to each hierarchy's root, starting with '/')
 * for a container: cgroupsPath as given when absolute; when relative, under
 * the runtime's own cgroup; "/berth/<id>" when absent. Caller frees. */
int rt_cgroup_path_for(const char *cgroups_path, const char *id, char **ret, BerthError **err);

/* Creates the cgroup in every hierarchy, applies the resources (may be NULL)
 * and moves pid into it. On failure nothing is left behind. */
int rt_cgroup_create(const char *path, const RtResources *res, pid_t pid, RtCgroup **ret,
                     BerthError **err);
/* Re-opens an existing container cgroup from its path (kept in the state). */
int rt_cgroup_open(const char *path, RtCgroup **ret, BerthError **err);
const char *rt_cgroup_get_path(const RtCgroup *cg);
RtCgroupMode rt_cgroup_get_mode(const RtCgroup *cg);

int rt_cgroup_apply(RtCgroup *cg, const RtResources *res, BerthError **err);
int rt_cgroup_add_pid(RtCgroup *cg, pid_t pid, BerthError **err);
int rt_cgroup_freeze(RtCgroup *cg, bool frozen, BerthError **err);
/* "running", "paused" (frozen) */
int rt_cgroup_is_frozen(RtCgroup *cg, bool *ret, BerthError **err);
int rt_cgroup_pids(RtCgroup *cg, pid_t **ret, size_t *ret_n, BerthError **err);
int rt_cgroup_kill_all(RtCgroup *cg, int sig, BerthError **err);
/* How many times the OOM killer struck in this cgroup. */
int rt_cgroup_oom_kills(RtCgroup *cg, uint64_t *ret, BerthError **err);
/* Usage read back from the cgroup, as the "data" of runc's stats event:
 * {"cpu": {"usage": {...}, "throttling": {...}}, "memory": {...},
 * "pids": {...}, "blkio": {...}, "hugetlb": {}}. Missing files read as 0. */
int rt_cgroup_stats(RtCgroup *cg, json_t **ret, BerthError **err);
/* Removes the cgroup from every hierarchy; processes still inside are killed
 * first (SIGKILL) and waited for, briefly. */
int rt_cgroup_destroy(RtCgroup *cg, BerthError **err);
RtCgroup *rt_cgroup_free(RtCgroup *cg);

/* Value conversions, exposed for unit tests and for `update`. */
uint64_t rt_cgroup_shares_to_weight(uint64_t shares); /* v1 cpu.shares -> v2 cpu.weight */
uint64_t
rt_cgroup_blkio_to_io_weight(uint64_t weight); /* blkio.weight 10..1000 -> io.weight 1..10000 */
/* "max 100000" / "50000 100000" for cpu.max; buf of at least 64 bytes. */
void rt_cgroup_cpu_max(const RtResources *res, char *buf, size_t len);
/* memory.swap.max from the spec's memory+swap and limit: -1/unset -> "max". */
int rt_cgroup_swap_v2(int64_t limit, int64_t swap, int64_t *ret, BerthError **err);
