/* cgroup v2: one hierarchy; controllers are enabled down the path through
 * cgroup.subtree_control, and v1-style values are converted (weights,
 * cpu.max, memory.swap.max). Devices are filtered by an eBPF program. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/cgroup_internal.h"

int rt_cg_v2_enable_controllers(RtCgHier *h, const char *path, const char *const *wanted,
                                BerthError **err)
{
        /* every ancestor of the leaf, from the hierarchy root down */
        _cleanup_free_ char *dir = malloc(strlen(h->mount) + strlen(path) + 1);
        if (!dir)
                return error_set(err, ENOMEM, "out of memory");
        strcpy(dir, h->mount);
        size_t len = strlen(dir);
        for (const char *p = path; *p;) {
                _cleanup_free_ char *avail = NULL, *enabled = NULL;
                if (rt_cg_read(dir, "cgroup.controllers", &avail, NULL) < 0)
                        avail = strdup("");
                if (rt_cg_read(dir, "cgroup.subtree_control", &enabled, NULL) < 0)
                        enabled = strdup("");
                if (!avail || !enabled)
                        return error_set(err, ENOMEM, "out of memory");
                for (const char *const *c = wanted; *c; c++) {
                        if (!rt_cg_controller_listed(avail, *c, ' ') ||
                            rt_cg_controller_listed(enabled, *c, ' '))
                                continue;
                        /* one at a time: one refused controller must not
                         * keep the others off; a knob that is then missing
                         * fails with its name when written */
                        BerthError *e = NULL;
                        if (rt_cg_writef(dir, "cgroup.subtree_control", &e, "+%s", *c) < 0)
                                log_debug("cgroup: enable %s in %s: %s", *c, dir,
                                          e ? e->message : "");
                        error_free(e);
                }
                const char *e = strchrnul(p + 1, '/');
                if (!*e)
                        break; /* the leaf itself holds processes: nothing to enable */
                memcpy(dir + len, p, (size_t)(e - p));
                len += (size_t)(e - p);
                dir[len] = '\0';
                p = e;
        }
        return 0;
}

static int write_i64_or_max(const char *dir, const char *file, int64_t v, BerthError **err)
{
        if (v < 0)
                return rt_cg_write(dir, file, "max", err);
        return rt_cg_writef(dir, file, err, "%" PRId64, v);
}

static int apply_memory(const char *dir, const RtResources *res, BerthError **err)
{
        const typeof(res->memory) *m = &res->memory;
        int r;
        if (m->limit.set && m->limit.value != 0 &&
            (r = write_i64_or_max(dir, "memory.max", m->limit.value, err)) < 0)
                return r;
        if (m->reservation.set && m->reservation.value != 0 &&
            (r = write_i64_or_max(dir, "memory.low", m->reservation.value, err)) < 0)
                return r;
        /* as runc: unlimited memory with no swap given means unlimited swap */
        if ((m->swap.set && m->swap.value != 0) || (m->limit.set && m->limit.value == -1)) {
                int64_t swap = 0;
                r = rt_cgroup_swap_v2(m->limit.set ? m->limit.value : 0,
                                      m->swap.set ? m->swap.value : 0, &swap, err);
                if (r < 0)
                        return r;
                if ((r = write_i64_or_max(dir, "memory.swap.max", swap, err)) < 0)
                        return r;
        }
        /* swappiness, kernel memory and the OOM-killer switch have no v2
         * counterpart; runc and crun ignore them there too */
        if (m->swappiness.set && m->swappiness.value >= 0)
                log_debug("cgroup: memory.swappiness is not supported on cgroup v2, ignored");
        return 0;
}

static int apply_cpu(const char *dir, const RtResources *res, BerthError **err)
{
        const typeof(res->cpu) *c = &res->cpu;
        int r;
        if (c->shares.set && c->shares.value > 0 &&
            (r = rt_cg_writef(dir, "cpu.weight", err, "%" PRIu64,
                              rt_cgroup_shares_to_weight((uint64_t)c->shares.value))) < 0)
                return r;
        char max[64];
        rt_cgroup_cpu_max(res, max, sizeof(max));
        if (*max && (r = rt_cg_write(dir, "cpu.max", max, err)) < 0)
                return r;
        if (c->burst.set &&
            (r = rt_cg_writef(dir, "cpu.max.burst", err, "%" PRId64, c->burst.value)) < 0)
                return r;
        if (c->idle.set && (r = rt_cg_writef(dir, "cpu.idle", err, "%" PRId64, c->idle.value)) < 0)
                return r;
        if (c->realtime_runtime.set || c->realtime_period.set)
                return error_set(err, ENOTSUP,
                                 "cgroup: realtime cpu limits are not supported on cgroup v2");
        if (c->cpus && *c->cpus && (r = rt_cg_write(dir, "cpuset.cpus", c->cpus, err)) < 0)
                return r;
        if (c->mems && *c->mems && (r = rt_cg_write(dir, "cpuset.mems", c->mems, err)) < 0)
                return r;
        return 0;
}

static int write_io_max(const char *dir, const char *key, const RtThrottleDevice *d, size_t n,
                        BerthError **err)
{
        for (size_t i = 0; i < n; i++) {
                int r = rt_cg_writef(dir, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
                                     d[i].major, d[i].minor, key, d[i].rate);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int apply_io(const char *dir, const RtResources *res, BerthError **err)
{
        const typeof(res->blkio) *b = &res->blkio;
        int r;
        /* io.weight comes from iocost; io.bfq.weight (1..1000, the v1 range)
         * is the only weight knob when BFQ is the scheduler */
        bool bfq = !rt_cg_file_exists(dir, "io.weight") && rt_cg_file_exists(dir, "io.bfq.weight");
        if (b->weight.set && b->weight.value > 0) {
                if (bfq)
                        r = rt_cg_writef(dir, "io.bfq.weight", err, "%" PRId64, b->weight.value);
                else
                        r = rt_cg_writef(dir, "io.weight", err, "default %" PRIu64,
                                         rt_cgroup_blkio_to_io_weight((uint64_t)b->weight.value));
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < b->n_weight_device; i++) {
                const RtWeightDevice *d = &b->weight_device[i];
                if (!d->weight.set)
                        continue;
                if (bfq)
                        r = rt_cg_writef(dir, "io.bfq.weight", err,
                                         "%" PRId64 ":%" PRId64 " %" PRId64, d->major, d->minor,
                                         d->weight.value);
                else
                        r = rt_cg_writef(dir, "io.weight", err, "%" PRId64 ":%" PRId64 " %" PRIu64,
                                         d->major, d->minor,
                                         rt_cgroup_blkio_to_io_weight((uint64_t)d->weight.value));
                if (r < 0)
                        return r;
        }
        if ((r = write_io_max(dir, "rbps", b->throttle_read_bps, b->n_throttle_read_bps, err)) <
                0 ||
            (r = write_io_max(dir, "wbps", b->throttle_write_bps, b->n_throttle_write_bps, err)) <
                0 ||
            (r = write_io_max(dir, "riops", b->throttle_read_iops, b->n_throttle_read_iops, err)) <
                0 ||
            (r = write_io_max(dir, "wiops", b->throttle_write_iops, b->n_throttle_write_iops,
                              err)) < 0)
                return r;
        return 0;
}

static int apply_unified(const char *dir, const RtResources *res, BerthError **err)
{
        for (size_t i = 0; i < res->n_unified; i++) {
                const RtKeyValue *kv = &res->unified[i];
                if (!kv->key || !*kv->key || strchr(kv->key, '/') || kv->key[0] == '.')
                        return error_set(err, EINVAL,
                                         "cgroup: linux.resources.unified: invalid file name '%s'",
                                         kv->key ? kv->key : "");
                int r = rt_cg_write(dir, kv->key, kv->value ? kv->value : "", err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int rt_cg_v2_apply(RtCgroup *cg, const RtResources *res, BerthError **err)
{
        const char *dir = cg->h[0].dir;
        int r;
        if ((r = apply_cpu(dir, res, err)) < 0 || (r = apply_memory(dir, res, err)) < 0)
                return r;
        if (res->pids.limit.set &&
            (r = write_i64_or_max(dir, "pids.max",
                                  res->pids.limit.value > 0 ? res->pids.limit.value : -1, err)) < 0)
                return r;
        if ((r = apply_io(dir, res, err)) < 0)
                return r;
        for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                const RtHugepageLimit *l = &res->hugepage_limits[i];
                if (!l->page_size || strchr(l->page_size, '/'))
                        return error_set(err, EINVAL, "cgroup: invalid hugepage size '%s'",
                                         l->page_size ? l->page_size : "");
                _cleanup_free_ char *file = NULL;
                if (asprintf(&file, "hugetlb.%s.max", l->page_size) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                if ((r = rt_cg_writef(dir, file, err, "%" PRIu64, l->limit)) < 0)
                        return r;
        }
        if (res->n_devices > 0 &&
            (r = rt_cg_bpf_devices_attach(dir, res->devices, res->n_devices, err)) < 0)
                return r;
        /* last: raw values override the converted ones, as in runc */
        return apply_unified(dir, res, err);
}
