/* config.json "linux.resources": device rules, memory, cpu, pids, blockIO,
 * hugepageLimits and unified. Values are stored as written; converting them
 * to cgroup v1 or v2 files is cgroup.c's job. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "runtime/spec.h"
#include "runtime/spec_internal.h"

void rt_resources_clear(RtResources *r)
{
        for (size_t i = 0; r->devices && i < r->n_devices; i++)
                free(r->devices[i].access);
        free(r->devices);
        free(r->cpu.cpus);
        free(r->cpu.mems);
        free(r->blkio.weight_device);
        free(r->blkio.throttle_read_bps);
        free(r->blkio.throttle_write_bps);
        free(r->blkio.throttle_read_iops);
        free(r->blkio.throttle_write_iops);
        for (size_t i = 0; r->hugepage_limits && i < r->n_hugepage_limits; i++)
                free(r->hugepage_limits[i].page_size);
        free(r->hugepage_limits);
        rt_keyvalues_free(r->unified, r->n_unified);
}

static int parse_device_rule(json_t *e, const char *ep, void *elem, void *userdata,
                             BerthError **err)
{
        (void)userdata;
        RtDeviceRule *d = elem;
        int r = json_get_bool(e, ep, "allow", true, &d->allow, err);
        if (r < 0)
                return r;
        const char *type = NULL;
        r = json_get_string(e, ep, "type", false, &type, err);
        if (r < 0)
                return r;
        if (type && strlen(type) != 1)
                return error_set(err, EINVAL,
                                 "%s.type: unknown device type '%s' (expected a, c or b)", ep,
                                 rt_show(type));
        d->type = type ? type[0] : 'a';
        d->major = -1;
        d->minor = -1;
        r = json_get_int64(e, ep, "major", false, &d->major, err);
        if (r >= 0)
                r = json_get_int64(e, ep, "minor", false, &d->minor, err);
        if (r >= 0)
                r = rt_json_dup_string(e, ep, "access", false, &d->access, err);
        if (r < 0)
                return r;
        if (!d->access && !(d->access = strdup("rwm")))
                return rt_oom(err);
        return 0;
}

static int parse_device_rules(json_t *obj, const char *path, RtResources *res, BerthError **err)
{
        return rt_json_parse_objects(obj, path, "devices", sizeof(RtDeviceRule),
                                     (void **)&res->devices, &res->n_devices, parse_device_rule,
                                     NULL, err);
}

static int parse_memory(json_t *obj, const char *path, RtResources *res, BerthError **err)
{
        json_t *m = NULL;
        _cleanup_free_ char *mp = NULL;
        int r = rt_json_sub_object(obj, path, "memory", &m, &mp, err);
        if (r <= 0)
                return r;
        r = rt_json_opt_int64(m, mp, "limit", &res->memory.limit, err);
        if (r >= 0)
                r = rt_json_opt_int64(m, mp, "reservation", &res->memory.reservation, err);
        if (r >= 0)
                r = rt_json_opt_int64(m, mp, "swap", &res->memory.swap, err);
        if (r >= 0)
                r = rt_json_opt_int64(m, mp, "kernel", &res->memory.kernel, err);
        if (r >= 0)
                r = rt_json_opt_int64(m, mp, "kernelTCP", &res->memory.kernel_tcp, err);
        if (r >= 0)
                r = rt_json_opt_uint(m, mp, "swappiness", UINT64_MAX, &res->memory.swappiness, err);
        if (r >= 0)
                r = json_get_bool(m, mp, "disableOOMKiller", false, &res->memory.disable_oom_killer,
                                  err);
        if (r >= 0)
                r = json_get_bool(m, mp, "useHierarchy", false, &res->memory.use_hierarchy, err);
        if (r >= 0)
                r = json_get_bool(m, mp, "checkBeforeUpdate", false,
                                  &res->memory.check_before_update, err);
        return r;
}

static int parse_cpu(json_t *obj, const char *path, RtResources *res, BerthError **err)
{
        json_t *c = NULL;
        _cleanup_free_ char *cp = NULL;
        int r = rt_json_sub_object(obj, path, "cpu", &c, &cp, err);
        if (r <= 0)
                return r;
        r = rt_json_opt_uint(c, cp, "shares", UINT64_MAX, &res->cpu.shares, err);
        if (r >= 0)
                r = rt_json_opt_int64(c, cp, "quota", &res->cpu.quota, err);
        if (r >= 0)
                r = rt_json_opt_uint(c, cp, "burst", UINT64_MAX, &res->cpu.burst, err);
        if (r >= 0)
                r = rt_json_opt_uint(c, cp, "period", UINT64_MAX, &res->cpu.period, err);
        if (r >= 0)
                r = rt_json_opt_int64(c, cp, "realtimeRuntime", &res->cpu.realtime_runtime, err);
        if (r >= 0)
                r = rt_json_opt_uint(c, cp, "realtimePeriod", UINT64_MAX, &res->cpu.realtime_period,
                                     err);
        if (r >= 0)
                r = rt_json_dup_string(c, cp, "cpus", false, &res->cpu.cpus, err);
        if (r >= 0)
                r = rt_json_dup_string(c, cp, "mems", false, &res->cpu.mems, err);
        if (r >= 0)
                r = rt_json_opt_int64(c, cp, "idle", &res->cpu.idle, err);
        return r;
}

static int parse_pids(json_t *obj, const char *path, RtResources *res, BerthError **err)
{
        json_t *p = NULL;
        _cleanup_free_ char *pp = NULL;
        int r = rt_json_sub_object(obj, path, "pids", &p, &pp, err);
        if (r <= 0)
                return r;
        return rt_json_opt_int64(p, pp, "limit", &res->pids.limit, err);
}

/* The device of a blockIO entry: both numbers are required. */
static int parse_major_minor(json_t *e, const char *ep, int64_t *major, int64_t *minor,
                             BerthError **err)
{
        int r = json_get_int64(e, ep, "major", true, major, err);
        if (r >= 0)
                r = json_get_int64(e, ep, "minor", true, minor, err);
        return r;
}

static int parse_weight_device(json_t *e, const char *ep, void *elem, void *userdata,
                               BerthError **err)
{
        (void)userdata;
        RtWeightDevice *d = elem;
        int r = parse_major_minor(e, ep, &d->major, &d->minor, err);
        if (r >= 0)
                r = rt_json_opt_uint(e, ep, "weight", UINT16_MAX, &d->weight, err);
        if (r >= 0)
                r = rt_json_opt_uint(e, ep, "leafWeight", UINT16_MAX, &d->leaf_weight, err);
        return r < 0 ? r : 0;
}

static int parse_throttle_device(json_t *e, const char *ep, void *elem, void *userdata,
                                 BerthError **err)
{
        (void)userdata;
        RtThrottleDevice *d = elem;
        int r = parse_major_minor(e, ep, &d->major, &d->minor, err);
        if (r >= 0)
                r = rt_json_get_uint64(e, ep, "rate", true, UINT64_MAX, &d->rate, err);
        return r < 0 ? r : 0;
}

static int parse_throttle(json_t *obj, const char *path, const char *key, RtThrottleDevice **ret,
                          size_t *n, BerthError **err)
{
        return rt_json_parse_objects(obj, path, key, sizeof(RtThrottleDevice), (void **)ret, n,
                                     parse_throttle_device, NULL, err);
}

static int parse_blkio(json_t *obj, const char *path, RtResources *res, BerthError **err)
{
        json_t *b = NULL;
        _cleanup_free_ char *bp = NULL;
        int r = rt_json_sub_object(obj, path, "blockIO", &b, &bp, err);
        if (r <= 0)
                return r;
        r = rt_json_opt_uint(b, bp, "weight", UINT16_MAX, &res->blkio.weight, err);
        if (r >= 0)
                r = rt_json_opt_uint(b, bp, "leafWeight", UINT16_MAX, &res->blkio.leaf_weight, err);
        if (r >= 0)
                r = rt_json_parse_objects(b, bp, "weightDevice", sizeof(RtWeightDevice),
                                          (void **)&res->blkio.weight_device,
                                          &res->blkio.n_weight_device, parse_weight_device, NULL,
                                          err);
        if (r >= 0)
                r = parse_throttle(b, bp, "throttleReadBpsDevice", &res->blkio.throttle_read_bps,
                                   &res->blkio.n_throttle_read_bps, err);
        if (r >= 0)
                r = parse_throttle(b, bp, "throttleWriteBpsDevice", &res->blkio.throttle_write_bps,
                                   &res->blkio.n_throttle_write_bps, err);
        if (r >= 0)
                r = parse_throttle(b, bp, "throttleReadIOPSDevice", &res->blkio.throttle_read_iops,
                                   &res->blkio.n_throttle_read_iops, err);
        if (r >= 0)
                r = parse_throttle(b, bp, "throttleWriteIOPSDevice",
                                   &res->blkio.throttle_write_iops,
                                   &res->blkio.n_throttle_write_iops, err);
        return r;
}

static int parse_hugepage(json_t *e, const char *ep, void *elem, void *userdata, BerthError **err)
{
        (void)userdata;
        RtHugepageLimit *h = elem;
        int r = rt_json_dup_string(e, ep, "pageSize", true, &h->page_size, err);
        if (r >= 0)
                r = rt_json_get_uint64(e, ep, "limit", true, UINT64_MAX, &h->limit, err);
        return r < 0 ? r : 0;
}

static int parse_hugepages(json_t *obj, const char *path, RtResources *res, BerthError **err)
{
        return rt_json_parse_objects(obj, path, "hugepageLimits", sizeof(RtHugepageLimit),
                                     (void **)&res->hugepage_limits, &res->n_hugepage_limits,
                                     parse_hugepage, NULL, err);
}

int rt_resources_parse(json_t *obj, const char *path, RtResources *res, BerthError **err)
{
        int r = parse_device_rules(obj, path, res, err);
        if (r >= 0)
                r = parse_memory(obj, path, res, err);
        if (r >= 0)
                r = parse_cpu(obj, path, res, err);
        if (r >= 0)
                r = parse_pids(obj, path, res, err);
        if (r >= 0)
                r = parse_blkio(obj, path, res, err);
        if (r >= 0)
                r = parse_hugepages(obj, path, res, err);
        if (r >= 0)
                r = rt_parse_string_map(obj, path, "unified", &res->unified, &res->n_unified, err);
        return r < 0 ? r : 0;
}

int rt_resources_from_json(json_t *obj, const char *what, RtResources *ret, BerthError **err)
{
        *ret = (RtResources){0};
        if (!json_is_object(obj))
                return error_set(err, EINVAL, "%s: expected an object, got %s",
                                 what ? what : "resources", json_type_name(obj));
        int r = rt_resources_parse(obj, "", ret, err);
        if (r < 0) {
                error_prefix(err, "%s", what ? what : "resources");
                rt_resources_clear(ret);
                *ret = (RtResources){0};
        }
        return r;
}

void rt_resources_done(RtResources *res)
{
        if (!res)
                return;
        rt_resources_clear(res);
        *res = (RtResources){0};
}
