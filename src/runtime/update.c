/* `update` and `events`: changing the resources of a container's cgroup
 * while it runs, and reading its usage back. */
#include <errno.h>

#include "common/cleanup.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/container_internal.h"

static int open_live_cgroup(const char *root, const char *id, RtCgroup **ret, BerthError **err)
{
        _cleanup_state_ RtState *st = NULL;
        int r = rt_state_load(root ? root : RT_DEFAULT_ROOT, id, &st, err);
        if (r < 0)
                return r;
        if (st->status == RT_STATUS_STOPPED)
                return error_set(err, ESRCH, "container '%s' is not running", id);
        if (!st->cgroup_path || !*st->cgroup_path)
                return error_set(err, ENOENT, "container '%s' has no cgroup", id);
        return rt_cgroup_open(st->cgroup_path, ret, err);
}

int rt_container_update(const char *root, const char *id, const RtResources *res, BerthError **err)
{
        _cleanup_(rt_cgroup_freep) RtCgroup *cg = NULL;
        int r = open_live_cgroup(root, id, &cg, err);
        if (r < 0)
                return r;
        RtResources copy = *res;
        copy.devices = NULL;
        copy.n_devices = 0;
        if ((r = rt_cgroup_apply(cg, &copy, err)) < 0)
                return error_prefix(err, "update container '%s'", id);
        return 0;
}

int rt_container_stats(const char *root, const char *id, json_t **ret, BerthError **err)
{
        _cleanup_(rt_cgroup_freep) RtCgroup *cg = NULL;
        int r = open_live_cgroup(root, id, &cg, err);
        if (r < 0)
                return r;
        return rt_cgroup_stats(cg, ret, err);
}

int rt_container_oom_kills(const char *root, const char *id, uint64_t *ret, BerthError **err)
{
        _cleanup_(rt_cgroup_freep) RtCgroup *cg = NULL;
        int r = open_live_cgroup(root, id, &cg, err);
        if (r < 0)
                return r;
        return rt_cgroup_oom_kills(cg, ret, err);
}
