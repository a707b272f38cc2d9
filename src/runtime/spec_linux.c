/* config.json "linux": namespaces, id mappings, devices, sysctl, paths,
 * personality. resources and seccomp are parsed in their own files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"
#include "runtime/spec.h"
#include "runtime/spec_internal.h"

void rt_linux_clear(RtLinux *l)
{
        for (size_t i = 0; l->namespaces && i < l->n_namespaces; i++)
                free(l->namespaces[i].path);
        free(l->namespaces);
        free(l->uid_mappings);
        free(l->gid_mappings);
        for (size_t i = 0; l->devices && i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        free(l->cgroups_path);
        rt_resources_clear(&l->resources);
        rt_keyvalues_free(l->sysctl, l->n_sysctl);
        rt_seccomp_free(l->seccomp);
        free(l->rootfs_propagation);
        strv_free(l->masked_paths);
        strv_free(l->readonly_paths);
        free(l->mount_label);
}

static int parse_namespace(json_t *e, const char *ep, void *elem, void *userdata, BerthError **err)
{
        (void)userdata;
        RtNamespace *ns = elem;
        const char *type = NULL;
        int r = json_get_string(e, ep, "type", true, &type, err);
        if (r < 0)
                return r;
        int t = rt_ns_type_from_name(type);
        if (t < 0)
                return error_set(err, EINVAL, "%s.type: unknown namespace type '%s'", ep,
                                 rt_show(type));
        ns->type = (RtNsType)t;
        r = rt_json_dup_string(e, ep, "path", false, &ns->path, err);
        return r < 0 ? r : 0;
}

static int parse_namespaces(json_t *obj, const char *path, RtLinux *l, BerthError **err)
{
        return rt_json_parse_objects(obj, path, "namespaces", sizeof(RtNamespace),
                                     (void **)&l->namespaces, &l->n_namespaces, parse_namespace,
                                     NULL, err);
}

static int parse_device(json_t *e, const char *ep, void *elem, void *userdata, BerthError **err)
{
        (void)userdata;
        RtDevice *d = elem;
        const char *type = NULL;
        int r = json_get_string(e, ep, "type", true, &type, err);
        if (r < 0)
                return r;
        if (strlen(type) != 1)
                return error_set(err, EINVAL,
                                 "%s.type: unknown device type '%s' (expected c, b, u or p)", ep,
                                 rt_show(type));
        d->type = type[0];
        r = rt_json_dup_string(e, ep, "path", true, &d->path, err);
        if (r >= 0)
                r = json_get_int64(e, ep, "major", false, &d->major, err);
        if (r >= 0)
                r = json_get_int64(e, ep, "minor", false, &d->minor, err);
        if (r >= 0)
                r = rt_json_opt_uint(e, ep, "fileMode", 07777, &d->file_mode, err);
        if (r >= 0)
                r = rt_json_opt_uint(e, ep, "uid", UINT32_MAX, &d->uid, err);
        if (r >= 0)
                r = rt_json_opt_uint(e, ep, "gid", UINT32_MAX, &d->gid, err);
        return r < 0 ? r : 0;
}

static int parse_devices(json_t *obj, const char *path, RtLinux *l, BerthError **err)
{
        return rt_json_parse_objects(obj, path, "devices", sizeof(RtDevice), (void **)&l->devices,
                                     &l->n_devices, parse_device, NULL, err);
}

static int parse_personality(json_t *obj, const char *path, RtLinux *l, BerthError **err)
{
        json_t *pers = NULL;
        _cleanup_free_ char *pp = NULL;
        int r = rt_json_sub_object(obj, path, "personality", &pers, &pp, err);
        if (r <= 0)
                return r;
        const char *domain = NULL;
        r = json_get_string(pers, pp, "domain", true, &domain, err);
        if (r < 0)
                return r;
        if (STREQ(domain, "LINUX"))
                l->personality_domain = (RtOpt){.set = true, .value = PER_LINUX};
        else if (STREQ(domain, "LINUX32"))
                l->personality_domain = (RtOpt){.set = true, .value = PER_LINUX32};
        else
                return error_set(err, EINVAL, "%s.domain: unknown personality domain '%s'", pp,
                                 rt_show(domain));
        /* No flags are defined by the spec yet; still check their type. */
        _cleanup_strv_free_ char **flags = NULL;
        r = json_get_strv(pers, pp, "flags", false, false, &flags, err);
        return r;
}

static int parse_resources(json_t *obj, const char *path, RtLinux *l, BerthError **err)
{
        json_t *res = NULL;
        _cleanup_free_ char *rp = NULL;
        int r = rt_json_sub_object(obj, path, "resources", &res, &rp, err);
        if (r <= 0)
                return r;
        l->has_resources = true;
        return rt_resources_parse(res, rp, &l->resources, err);
}

static int parse_seccomp(json_t *obj, const char *path, RtLinux *l, BerthError **err)
{
        json_t *sec = NULL;
        _cleanup_free_ char *sp = NULL;
        int r = rt_json_sub_object(obj, path, "seccomp", &sec, &sp, err);
        if (r <= 0)
                return r;
        return rt_seccomp_parse(sec, sp, &l->seccomp, err);
}

static int parse_time_offset(json_t *offsets, const char *tp, const char *clock, RtTimeOffset *ret,
                             BerthError **err)
{
        json_t *o = NULL;
        _cleanup_free_ char *cp = NULL;
        int r = rt_json_sub_object(offsets, tp, clock, &o, &cp, err);
        if (r <= 0)
                return r;
        r = json_get_int64(o, cp, "secs", false, &ret->secs, err);
        if (r >= 0)
                r = rt_json_get_uint32(o, cp, "nanosecs", false, &ret->nanosecs, err);
        if (r < 0)
                return r;
        if (ret->nanosecs >= 1000000000)
                return error_set(err, EINVAL, "%s.nanosecs: %u is out of range (0 to 999999999)",
                                 cp, ret->nanosecs);
        ret->set = true;
        return 1;
}

static int parse_time_offsets(json_t *obj, const char *path, RtLinux *l, BerthError **err)
{
        json_t *offsets = NULL;
        _cleanup_free_ char *tp = NULL;
        int r = rt_json_sub_object(obj, path, "timeOffsets", &offsets, &tp, err);
        if (r <= 0)
                return r;
        const char *key;
        json_t *v;
        json_object_foreach(offsets, key, v)
        {
                if (!STREQ(key, "monotonic") && !STREQ(key, "boottime"))
                        return error_set(err, EINVAL,
                                         "%s.%s: unknown clock (expected monotonic or boottime)",
                                         tp, rt_show(key));
        }
        r = parse_time_offset(offsets, tp, "monotonic", &l->monotonic, err);
        if (r >= 0)
                r = parse_time_offset(offsets, tp, "boottime", &l->boottime, err);
        return r;
}

int rt_linux_parse(json_t *obj, const char *path, RtLinux *l, BerthError **err)
{
        int r = parse_namespaces(obj, path, l, err);
        if (r >= 0)
                r = rt_parse_idmaps(obj, path, "uidMappings", &l->uid_mappings, &l->n_uid_mappings,
                                    err);
        if (r >= 0)
                r = rt_parse_idmaps(obj, path, "gidMappings", &l->gid_mappings, &l->n_gid_mappings,
                                    err);
        if (r >= 0)
                r = parse_devices(obj, path, l, err);
        if (r >= 0)
                r = rt_json_dup_string(obj, path, "cgroupsPath", false, &l->cgroups_path, err);
        if (r >= 0)
                r = parse_resources(obj, path, l, err);
        if (r >= 0)
                r = rt_parse_string_map(obj, path, "sysctl", &l->sysctl, &l->n_sysctl, err);
        if (r >= 0)
                r = parse_seccomp(obj, path, l, err);
        if (r >= 0)
                r = rt_json_dup_string(obj, path, "rootfsPropagation", false,
                                       &l->rootfs_propagation, err);
        if (r >= 0)
                r = json_get_strv(obj, path, "maskedPaths", false, false, &l->masked_paths, err);
        if (r >= 0)
                r = json_get_strv(obj, path, "readonlyPaths", false, false, &l->readonly_paths,
                                  err);
        if (r >= 0)
                r = rt_json_dup_string(obj, path, "mountLabel", false, &l->mount_label, err);
        if (r >= 0)
                r = parse_personality(obj, path, l, err);
        if (r >= 0)
                r = parse_time_offsets(obj, path, l, err);
        return r < 0 ? r : 0;
}
