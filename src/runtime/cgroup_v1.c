/* cgroup v1: one hierarchy per controller (or comma-joined group of them).
 * The spec's resources are v1's own units, so values go in as they are. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "runtime/cgroup_internal.h"

static RtCgHier *need(RtCgroup *cg, const char *controller, const char *what, BerthError **err)
{
        RtCgHier *h = rt_cg_hier_for(cg, controller);
        if (!h)
                error_set(err, ENOTSUP, "cgroup: %s requested but the %s controller is not mounted",
                          what, controller);
        return h;
}

static int copy_if_empty(const char *parent, const char *dir, const char *file, BerthError **err)
{
        _cleanup_free_ char *cur = NULL, *up = NULL;
        int r = rt_cg_read(dir, file, &cur, err);
        if (r < 0 || *cur)
                return r;
        r = rt_cg_read(parent, file, &up, err);
        if (r < 0)
                return r;
        return rt_cg_write(dir, file, up, err);
}

int rt_cg_v1_cpuset_init(RtCgHier *h, const char *path, BerthError **err)
{
        /* a new v1 cpuset starts with no cpus and no mems, and no task may
         * join it until both are set: inherit them level by level */
        _cleanup_free_ char *dir = malloc(strlen(h->mount) + strlen(path) + 1);
        if (!dir)
                return error_set(err, ENOMEM, "out of memory");
        strcpy(dir, h->mount);
        size_t len = strlen(dir);
        for (const char *p = path; *p;) {
                const char *e = strchrnul(p + 1, '/');
                _cleanup_free_ char *parent = strndup(dir, len);
                if (!parent)
                        return error_set(err, ENOMEM, "out of memory");
                memcpy(dir + len, p, (size_t)(e - p));
                len += (size_t)(e - p);
                dir[len] = '\0';
                p = e;
                int r = copy_if_empty(parent, dir, "cpuset.cpus", err);
                if (r >= 0)
                        r = copy_if_empty(parent, dir, "cpuset.mems", err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int apply_memory(RtCgroup *cg, const RtResources *res, BerthError **err)
{
        const typeof(res->memory) *m = &res->memory;
        /* 0 means "not given" for these, as in runc */
        bool limit = m->limit.set && m->limit.value != 0;
        bool swap = m->swap.set && m->swap.value != 0;
        bool reservation = m->reservation.set && m->reservation.value != 0;
        bool any = limit || reservation || swap || m->kernel_tcp.set ||
                   (m->swappiness.set && m->swappiness.value >= 0) || m->disable_oom_killer;
        if (!any)
                return 0;
        RtCgHier *h = need(cg, "memory", "a memory limit", err);
        if (!h)
                return -ENOTSUP;
        int r;
        if (limit && swap) {
                int64_t lim = m->limit.value, sw = m->swap.value;
                if (sw > 0 && lim > 0 && sw < lim)
                        return error_set(err, EINVAL,
                                         "cgroup: memory+swap limit %" PRId64
                                         " is lower than the memory limit %" PRId64,
                                         sw, lim);
                /* the kernel keeps memsw >= memory at every step: raise
                 * memsw first when the new memsw is above the current limit */
                _cleanup_free_ char *cur = NULL;
                uint64_t cur_limit = 0;
                if (rt_cg_read(h->dir, "memory.limit_in_bytes", &cur, NULL) >= 0)
                        cur_limit = strtoull(cur, NULL, 10);
                bool swap_first = sw == -1 || (sw > 0 && cur_limit < (uint64_t)sw);
                if (swap_first) {
                        r = rt_cg_writef(h->dir, "memory.memsw.limit_in_bytes", err, "%" PRId64,
                                         sw);
                        if (r >= 0)
                                r = rt_cg_writef(h->dir, "memory.limit_in_bytes", err, "%" PRId64,
                                                 lim);
                } else {
                        r = rt_cg_writef(h->dir, "memory.limit_in_bytes", err, "%" PRId64, lim);
                        if (r >= 0)
                                r = rt_cg_writef(h->dir, "memory.memsw.limit_in_bytes", err,
                                                 "%" PRId64, sw);
                }
                if (r < 0)
                        return r;
        } else if (limit) {
                r = rt_cg_writef(h->dir, "memory.limit_in_bytes", err, "%" PRId64, m->limit.value);
                if (r < 0)
                        return r;
        } else if (swap) {
                r = rt_cg_writef(h->dir, "memory.memsw.limit_in_bytes", err, "%" PRId64,
                                 m->swap.value);
                if (r < 0)
                        return r;
        }
        if (reservation && (r = rt_cg_writef(h->dir, "memory.soft_limit_in_bytes", err, "%" PRId64,
                                             m->reservation.value)) < 0)
                return r;
        if (m->kernel_tcp.set && (r = rt_cg_writef(h->dir, "memory.kmem.tcp.limit_in_bytes", err,
                                                   "%" PRId64, m->kernel_tcp.value)) < 0)
                return r;
        if (m->swappiness.set && m->swappiness.value >= 0) {
                if (m->swappiness.value > 100)
                        return error_set(err, EINVAL,
                                         "cgroup: memory swappiness %" PRId64
                                         " is out of range 0..100",
                                         m->swappiness.value);
                r = rt_cg_writef(h->dir, "memory.swappiness", err, "%" PRId64, m->swappiness.value);
                if (r < 0)
                        return r;
        }
        if (m->disable_oom_killer && (r = rt_cg_write(h->dir, "memory.oom_control", "1", err)) < 0)
                return r;
        return 0;
}

static int apply_cpu(RtCgroup *cg, const RtResources *res, BerthError **err)
{
        const typeof(res->cpu) *c = &res->cpu;
        int r;
        bool any = (c->shares.set && c->shares.value > 0) || c->quota.set || c->period.set ||
                   c->burst.set || c->realtime_runtime.set || c->realtime_period.set || c->idle.set;
        if (any) {
                RtCgHier *h = need(cg, "cpu", "a cpu limit", err);
                if (!h)
                        return -ENOTSUP;
                if (c->shares.set && c->shares.value > 0 &&
                    (r = rt_cg_writef(h->dir, "cpu.shares", err, "%" PRId64, c->shares.value)) < 0)
                        return r;
                /* the period first: the kernel checks quota against it */
                if (c->period.set && c->period.value > 0 &&
                    (r = rt_cg_writef(h->dir, "cpu.cfs_period_us", err, "%" PRId64,
                                      c->period.value)) < 0)
                        return r;
                if (c->quota.set &&
                    (r = rt_cg_writef(h->dir, "cpu.cfs_quota_us", err, "%" PRId64,
                                      c->quota.value > 0 ? c->quota.value : -1)) < 0)
                        return r;
                if (c->burst.set && (r = rt_cg_writef(h->dir, "cpu.cfs_burst_us", err, "%" PRId64,
                                                      c->burst.value)) < 0)
                        return r;
                if (c->realtime_period.set &&
                    (r = rt_cg_writef(h->dir, "cpu.rt_period_us", err, "%" PRId64,
                                      c->realtime_period.value)) < 0)
                        return r;
                if (c->realtime_runtime.set &&
                    (r = rt_cg_writef(h->dir, "cpu.rt_runtime_us", err, "%" PRId64,
                                      c->realtime_runtime.value)) < 0)
                        return r;
                if (c->idle.set &&
                    (r = rt_cg_writef(h->dir, "cpu.idle", err, "%" PRId64, c->idle.value)) < 0)
                        return r;
        }
        if ((c->cpus && *c->cpus) || (c->mems && *c->mems)) {
                RtCgHier *h = need(cg, "cpuset", "a cpuset", err);
                if (!h)
                        return -ENOTSUP;
                if (c->cpus && *c->cpus &&
                    (r = rt_cg_write(h->dir, "cpuset.cpus", c->cpus, err)) < 0)
                        return r;
                if (c->mems && *c->mems &&
                    (r = rt_cg_write(h->dir, "cpuset.mems", c->mems, err)) < 0)
                        return r;
        }
        return 0;
}

static int write_throttle(const char *dir, const char *file, const RtThrottleDevice *d, size_t n,
                          BerthError **err)
{
        for (size_t i = 0; i < n; i++) {
                int r = rt_cg_writef(dir, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64, d[i].major,
                                     d[i].minor, d[i].rate);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* blkio.weight went away with CFQ; BFQ offers blkio.bfq.weight instead */
static const char *weight_file(const char *dir, const char *cfq, const char *bfq)
{
        return rt_cg_file_exists(dir, cfq) || !rt_cg_file_exists(dir, bfq) ? cfq : bfq;
}

static int apply_blkio(RtCgroup *cg, const RtResources *res, BerthError **err)
{
        const typeof(res->blkio) *b = &res->blkio;
        bool any = (b->weight.set && b->weight.value > 0) ||
                   (b->leaf_weight.set && b->leaf_weight.value > 0) || b->n_weight_device ||
                   b->n_throttle_read_bps || b->n_throttle_write_bps || b->n_throttle_read_iops ||
                   b->n_throttle_write_iops;
        if (!any)
                return 0;
        RtCgHier *h = need(cg, "blkio", "a block I/O limit", err);
        if (!h)
                return -ENOTSUP;
        int r;
        if (b->weight.set && b->weight.value > 0 &&
            (r = rt_cg_writef(h->dir, weight_file(h->dir, "blkio.weight", "blkio.bfq.weight"), err,
                              "%" PRId64, b->weight.value)) < 0)
                return r;
        if (b->leaf_weight.set && b->leaf_weight.value > 0 &&
            (r = rt_cg_writef(h->dir, "blkio.leaf_weight", err, "%" PRId64, b->leaf_weight.value)) <
                0)
                return r;
        for (size_t i = 0; i < b->n_weight_device; i++) {
                const RtWeightDevice *d = &b->weight_device[i];
                if (d->weight.set && (r = rt_cg_writef(h->dir,
                                                       weight_file(h->dir, "blkio.weight_device",
                                                                   "blkio.bfq.weight_device"),
                                                       err, "%" PRId64 ":%" PRId64 " %" PRId64,
                                                       d->major, d->minor, d->weight.value)) < 0)
                        return r;
                if (d->leaf_weight.set &&
                    (r = rt_cg_writef(h->dir, "blkio.leaf_weight_device", err,
                                      "%" PRId64 ":%" PRId64 " %" PRId64, d->major, d->minor,
                                      d->leaf_weight.value)) < 0)
                        return r;
        }
        if ((r = write_throttle(h->dir, "blkio.throttle.read_bps_device", b->throttle_read_bps,
                                b->n_throttle_read_bps, err)) < 0 ||
            (r = write_throttle(h->dir, "blkio.throttle.write_bps_device", b->throttle_write_bps,
                                b->n_throttle_write_bps, err)) < 0 ||
            (r = write_throttle(h->dir, "blkio.throttle.read_iops_device", b->throttle_read_iops,
                                b->n_throttle_read_iops, err)) < 0 ||
            (r = write_throttle(h->dir, "blkio.throttle.write_iops_device", b->throttle_write_iops,
                                b->n_throttle_write_iops, err)) < 0)
                return r;
        return 0;
}

static int apply_hugetlb(RtCgroup *cg, const RtResources *res, BerthError **err)
{
        if (res->n_hugepage_limits == 0)
                return 0;
        RtCgHier *h = rt_cg_hier_for(cg, "hugetlb");
        bool v2 = false;
        int r;
        if (!h) {
                /* a hybrid host may offer hugetlb only on its cgroup2 mount */
                RtCgHier *u = rt_cg_hier_hybrid(cg);
                if (u && rt_cg_controller_listed(u->controllers, "hugetlb", ',')) {
                        static const char *const want[] = {"hugetlb", NULL};
                        r = rt_cg_v2_enable_controllers(u, cg->path, want, err);
                        if (r < 0)
                                return r;
                        h = u;
                        v2 = true;
                }
        }
        if (!h)
                return error_set(err, ENOTSUP,
                                 "cgroup: hugepage limits requested but the hugetlb controller is "
                                 "not mounted");
        for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                const RtHugepageLimit *l = &res->hugepage_limits[i];
                if (!l->page_size || strchr(l->page_size, '/'))
                        return error_set(err, EINVAL, "cgroup: invalid hugepage size '%s'",
                                         l->page_size ? l->page_size : "");
                _cleanup_free_ char *file = NULL;
                if (asprintf(&file, v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes",
                             l->page_size) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                r = rt_cg_writef(h->dir, file, err, "%" PRIu64, l->limit);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void devnum(char *buf, size_t len, int64_t v)
{
        if (v < 0)
                snprintf(buf, len, "*");
        else
                snprintf(buf, len, "%" PRId64, v);
}

static int apply_devices(RtCgroup *cg, const RtResources *res, BerthError **err)
{
        if (res->n_devices == 0)
                return 0;
        RtCgHier *h = need(cg, "devices", "a device rule", err);
        if (!h)
                return -ENOTSUP;
        /* start from nothing, then the rules in order: v1 keeps exceptions
         * to the default, so a later rule overrides an earlier one */
        int r = rt_cg_write(h->dir, "devices.deny", "a", err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < res->n_devices; i++) {
                const RtDeviceRule *d = &res->devices[i];
                char type = d->type ? d->type : 'a';
                if (type != 'a' && type != 'b' && type != 'c')
                        return error_set(err, EINVAL, "cgroup: device rule %zu: bad type '%c'", i,
                                         type);
                const char *access = d->access && *d->access ? d->access : "rwm";
                if (strspn(access, "rwm") != strlen(access))
                        return error_set(err, EINVAL, "cgroup: device rule %zu: bad access '%s'", i,
                                         access);
                char maj[24], min[24];
                devnum(maj, sizeof(maj), d->major);
                devnum(min, sizeof(min), d->minor);
                r = rt_cg_writef(h->dir, d->allow ? "devices.allow" : "devices.deny", err,
                                 "%c %s:%s %s", type, maj, min, access);
                if (r < 0)
                        return r;
        }
        return 0;
}

int rt_cg_v1_apply(RtCgroup *cg, const RtResources *res, BerthError **err)
{
        if (res->n_unified > 0)
                return error_set(err, ENOTSUP,
                                 "cgroup: linux.resources.unified needs cgroup v2, but this host "
                                 "uses cgroup v1");
        int r;
        if ((r = apply_cpu(cg, res, err)) < 0 || (r = apply_memory(cg, res, err)) < 0)
                return r;
        if (res->pids.limit.set) {
                RtCgHier *h = need(cg, "pids", "a pids limit", err);
                if (!h)
                        return -ENOTSUP;
                if (res->pids.limit.value > 0)
                        r = rt_cg_writef(h->dir, "pids.max", err, "%" PRId64,
                                         res->pids.limit.value);
                else
                        r = rt_cg_write(h->dir, "pids.max", "max", err);
                if (r < 0)
                        return r;
        }
        if ((r = apply_blkio(cg, res, err)) < 0 || (r = apply_hugetlb(cg, res, err)) < 0 ||
            (r = apply_devices(cg, res, err)) < 0)
                return r;
        return 0;
}
