/* Checks on a parsed config beyond JSON types: what create/run needs to be
 * able to build the container (absolute paths, consistent user namespace,
 * no duplicates). Errors name the field like the parser's. */
#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "runtime/hooks.h"
#include "runtime/spec.h"
#include "runtime/spec_internal.h"

#define WHAT "config.json"

static bool is_absolute(const char *p)
{
        return p && p[0] == '/';
}

static int validate_process(const RtProcess *p, BerthError **err)
{
        if (!p)
                return error_set(err, EINVAL, WHAT ": process: required field is missing");
        if (!p->args || !p->args[0])
                return error_set(err, EINVAL,
                                 WHAT ": process.args: expected a non-empty array of strings");
        if (!is_absolute(p->cwd))
                return error_set(err, EINVAL, WHAT ": process.cwd: '%s' is not an absolute path",
                                 rt_show(p->cwd));
        for (size_t i = 0; i < p->n_rlimits; i++) {
                const RtRlimit *rl = &p->rlimits[i];
                if (rl->soft > rl->hard)
                        return error_set(err, EINVAL,
                                         WHAT ": process.rlimits[%zu]: soft limit %llu is above "
                                              "the hard limit %llu",
                                         i, (unsigned long long)rl->soft,
                                         (unsigned long long)rl->hard);
                for (size_t j = 0; j < i; j++)
                        if (p->rlimits[j].resource == rl->resource)
                                return error_set(err, EINVAL,
                                                 WHAT ": process.rlimits[%zu].type: duplicate "
                                                      "rlimit '%s'",
                                                 i, rt_show(rl->type));
        }
        if (p->oom_score_adj.set &&
            (p->oom_score_adj.value < -1000 || p->oom_score_adj.value > 1000))
                return error_set(err, EINVAL,
                                 WHAT ": process.oomScoreAdj: %lld is out of range (-1000 to "
                                      "1000)",
                                 (long long)p->oom_score_adj.value);
        return 0;
}

static int validate_mounts(const RtSpec *spec, BerthError **err)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const char *d = spec->mounts[i].destination;
                if (!is_absolute(d))
                        return error_set(err, EINVAL,
                                         WHAT ": mounts[%zu].destination: '%s' is not an "
                                              "absolute path",
                                         i, rt_show(d));
        }
        return 0;
}

static int validate_hooks(const RtSpec *spec, BerthError **err)
{
        for (int s = 0; s < RT_HOOK_STAGE_COUNT; s++) {
                for (size_t i = 0; i < spec->hooks[s].n; i++) {
                        const RtHook *h = &spec->hooks[s].hooks[i];
                        if (!is_absolute(h->path))
                                return error_set(err, EINVAL,
                                                 WHAT ": hooks.%s[%zu].path: '%s' is not an "
                                                      "absolute path",
                                                 rt_hook_stage_name(s), i, rt_show(h->path));
                        if (h->timeout.set && h->timeout.value <= 0)
                                return error_set(err, EINVAL,
                                                 WHAT ": hooks.%s[%zu].timeout: must be greater "
                                                      "than zero",
                                                 rt_hook_stage_name(s), i);
                }
        }
        return 0;
}

static int validate_mappings(const char *key, const RtIdMap *m, size_t n, BerthError **err)
{
        for (size_t i = 0; i < n; i++) {
                if (m[i].size == 0)
                        return error_set(err, EINVAL, WHAT ": linux.%s[%zu].size: must not be 0",
                                         key, i);
                if ((uint64_t)m[i].container_id + m[i].size - 1 > UINT32_MAX ||
                    (uint64_t)m[i].host_id + m[i].size - 1 > UINT32_MAX)
                        return error_set(err, EINVAL,
                                         WHAT ": linux.%s[%zu]: the range passes the largest id",
                                         key, i);
        }
        return 0;
}

static int validate_namespaces(const RtLinux *l, BerthError **err)
{
        bool seen[RT_NS_COUNT] = {false};
        for (size_t i = 0; i < l->n_namespaces; i++) {
                const RtNamespace *ns = &l->namespaces[i];
                if ((unsigned)ns->type >= RT_NS_COUNT)
                        return error_set(err, EINVAL,
                                         WHAT ": linux.namespaces[%zu].type: unknown namespace "
                                              "type",
                                         i);
                if (seen[ns->type])
                        return error_set(err, EINVAL,
                                         WHAT ": linux.namespaces[%zu].type: duplicate namespace "
                                              "type '%s'",
                                         i, rt_ns_type_name(ns->type));
                seen[ns->type] = true;
                if (ns->path && !is_absolute(ns->path))
                        return error_set(err, EINVAL,
                                         WHAT ": linux.namespaces[%zu].path: '%s' is not an "
                                              "absolute path",
                                         i, rt_show(ns->path));
        }

        bool new_time = false;
        for (size_t i = 0; i < l->n_namespaces; i++)
                if (l->namespaces[i].type == RT_NS_TIME && !l->namespaces[i].path)
                        new_time = true;
        if ((l->monotonic.set || l->boottime.set) && !new_time)
                return error_set(err, EINVAL,
                                 WHAT ": linux.timeOffsets: offsets need a new time namespace "
                                      "in linux.namespaces");

        const RtNamespace *user = NULL;
        for (size_t i = 0; i < l->n_namespaces; i++)
                if (l->namespaces[i].type == RT_NS_USER)
                        user = &l->namespaces[i];
        bool has_maps = l->n_uid_mappings > 0 || l->n_gid_mappings > 0;
        if (!user && has_maps)
                return error_set(err, EINVAL,
                                 WHAT ": linux.%s: id mappings are given but no user namespace "
                                      "is configured",
                                 l->n_uid_mappings > 0 ? "uidMappings" : "gidMappings");
        if (user && !user->path && (l->n_uid_mappings == 0 || l->n_gid_mappings == 0))
                return error_set(err, EINVAL,
                                 WHAT ": linux.%s: a new user namespace needs uid and gid "
                                      "mappings",
                                 l->n_uid_mappings == 0 ? "uidMappings" : "gidMappings");
        int r = validate_mappings("uidMappings", l->uid_mappings, l->n_uid_mappings, err);
        if (r < 0)
                return r;
        return validate_mappings("gidMappings", l->gid_mappings, l->n_gid_mappings, err);
}

static int validate_devices(const RtLinux *l, BerthError **err)
{
        for (size_t i = 0; i < l->n_devices; i++) {
                const RtDevice *d = &l->devices[i];
                if (!strchr("cbup", d->type) || d->type == '\0')
                        return error_set(err, EINVAL,
                                         WHAT ": linux.devices[%zu].type: unknown device type "
                                              "'%c' (expected c, b, u or p)",
                                         i, d->type ? rt_show_char(d->type) : '?');
                if (!is_absolute(d->path))
                        return error_set(err, EINVAL,
                                         WHAT ": linux.devices[%zu].path: '%s' is not an "
                                              "absolute path",
                                         i, rt_show(d->path));
        }
        const RtResources *res = &l->resources;
        for (size_t i = 0; i < res->n_devices; i++) {
                const RtDeviceRule *d = &res->devices[i];
                if (!strchr("acb", d->type) || d->type == '\0')
                        return error_set(err, EINVAL,
                                         WHAT ": linux.resources.devices[%zu].type: unknown "
                                              "device type '%c' (expected a, c or b)",
                                         i, d->type ? rt_show_char(d->type) : '?');
                const char *a = d->access ? d->access : "";
                if (strspn(a, "rwm") != strlen(a))
                        return error_set(err, EINVAL,
                                         WHAT ": linux.resources.devices[%zu].access: '%s' is "
                                              "not a combination of r, w and m",
                                         i, rt_show(a));
        }
        return 0;
}

static int validate_propagation(const RtLinux *l, BerthError **err)
{
        static const char *const known[] = {"shared",  "slave",  "private",  "unbindable",
                                            "rshared", "rslave", "rprivate", "runbindable"};
        const char *p = l->rootfs_propagation;
        if (!p || !*p)
                return 0;
        for (size_t i = 0; i < ARRAY_SIZE(known); i++)
                if (STREQ(known[i], p))
                        return 0;
        return error_set(err, EINVAL, WHAT ": linux.rootfsPropagation: unknown propagation '%s'",
                         rt_show(p));
}

int rt_spec_validate(const RtSpec *spec, BerthError **err)
{
        if (!spec)
                return error_set(err, EINVAL, WHAT ": no configuration");
        if (!spec->root.path || !*spec->root.path)
                return error_set(err, EINVAL, WHAT ": root.path: required field is missing");
        int r = validate_process(spec->process, err);
        if (r >= 0)
                r = validate_mounts(spec, err);
        if (r >= 0)
                r = validate_hooks(spec, err);
        if (r >= 0)
                r = validate_namespaces(&spec->linux_, err);
        if (r >= 0)
                r = validate_devices(&spec->linux_, err);
        if (r >= 0)
                r = validate_propagation(&spec->linux_, err);
        return r < 0 ? r : 0;
}
