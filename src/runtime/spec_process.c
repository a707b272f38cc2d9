/* config.json "process" (also process.json of exec --process): args, env,
 * cwd, user, capabilities, rlimits, console size, oomScoreAdj. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"
#include "runtime/caps.h"
#include "runtime/spec.h"
#include "runtime/spec_internal.h"

static const struct {
        const char *name;
        int resource;
} rlimit_table[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static int rlimit_from_name(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_table); i++)
                if (STREQ(rlimit_table[i].name, name))
                        return rlimit_table[i].resource;
        return -EINVAL;
}

void rt_process_clear(RtProcess *p)
{
        free(p->user.additional_gids);
        free(p->user.username);
        strv_free(p->args);
        free(p->command_line);
        strv_free(p->env);
        free(p->cwd);
        for (size_t i = 0; p->rlimits && i < p->n_rlimits; i++)
                free(p->rlimits[i].type);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
}

RtProcess *rt_process_free(RtProcess *p)
{
        if (!p)
                return NULL;
        rt_process_clear(p);
        free(p);
        return NULL;
}

static int parse_console_size(json_t *obj, const char *path, RtProcess *p, BerthError **err)
{
        json_t *cs = NULL;
        _cleanup_free_ char *cp = NULL;
        int r = rt_json_sub_object(obj, path, "consoleSize", &cs, &cp, err);
        if (r <= 0)
                return r;
        uint64_t v;
        r = json_get_uint64(cs, cp, "height", true, UINT32_MAX, &v, err);
        if (r < 0)
                return r;
        p->console_height = (RtOpt){.set = true, .value = (int64_t)v};
        r = json_get_uint64(cs, cp, "width", true, UINT32_MAX, &v, err);
        if (r < 0)
                return r;
        p->console_width = (RtOpt){.set = true, .value = (int64_t)v};
        return 1;
}

static int parse_gid(json_t *e, const char *ep, void *elem, void *userdata, BerthError **err)
{
        (void)userdata;
        json_int_t g = json_is_integer(e) ? json_integer_value(e) : -1;
        if (g < 0 || g > UINT32_MAX)
                return error_set(err, EINVAL, "%s: expected a group id (0 to 4294967295)", ep);
        *(gid_t *)elem = (gid_t)g;
        return 0;
}

static int parse_user(json_t *obj, const char *path, RtUser *u, BerthError **err)
{
        json_t *user = NULL;
        _cleanup_free_ char *up = NULL;
        int r = rt_json_sub_object(obj, path, "user", &user, &up, err);
        if (r <= 0)
                return r;
        r = rt_json_get_uint32(user, up, "uid", false, &u->uid, err);
        if (r >= 0)
                r = rt_json_get_uint32(user, up, "gid", false, &u->gid, err);
        if (r >= 0)
                r = rt_json_opt_uint(user, up, "umask", 07777, &u->umask, err);
        if (r >= 0)
                r = rt_json_dup_string(user, up, "username", false, &u->username, err);
        if (r < 0)
                return r;
        r = rt_json_parse_array(user, up, "additionalGids", sizeof(gid_t),
                                (void **)&u->additional_gids, &u->n_additional_gids, parse_gid,
                                NULL, err);
        return r < 0 ? r : 1;
}

static int parse_cap_set(json_t *caps, const char *cp, const char *key, uint64_t *ret,
                         BerthError **err)
{
        json_t *arr = NULL;
        int r = json_get_array(caps, cp, key, false, &arr, err);
        if (r <= 0)
                return r;
        uint64_t mask = 0;
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e)
        {
                _cleanup_free_ char *ep = rt_json_elem_path(cp, key, i);
                if (!ep)
                        return rt_oom(err);
                if (!json_is_string(e))
                        return error_set(err, EINVAL, "%s: expected a string, got %s", ep,
                                         json_type_name(e));
                int cap = rt_cap_from_name(json_string_value(e));
                if (cap < 0 || cap >= 64)
                        return error_set(err, EINVAL, "%s: unknown capability '%s'", ep,
                                         rt_show(json_string_value(e)));
                mask |= UINT64_C(1) << cap;
        }
        *ret = mask;
        return 1;
}

static int parse_capabilities(json_t *obj, const char *path, RtProcess *p, BerthError **err)
{
        json_t *caps = NULL;
        _cleanup_free_ char *cp = NULL;
        int r = rt_json_sub_object(obj, path, "capabilities", &caps, &cp, err);
        if (r <= 0)
                return r;
        p->has_capabilities = true;
        RtCapabilities *c = &p->capabilities;
        r = parse_cap_set(caps, cp, "bounding", &c->bounding, err);
        if (r >= 0)
                r = parse_cap_set(caps, cp, "effective", &c->effective, err);
        if (r >= 0)
                r = parse_cap_set(caps, cp, "inheritable", &c->inheritable, err);
        if (r >= 0)
                r = parse_cap_set(caps, cp, "permitted", &c->permitted, err);
        if (r >= 0)
                r = parse_cap_set(caps, cp, "ambient", &c->ambient, err);
        return r;
}

static int parse_rlimit(json_t *e, const char *ep, void *elem, void *userdata, BerthError **err)
{
        (void)userdata;
        RtRlimit *rl = elem;
        int r = rt_json_dup_string(e, ep, "type", true, &rl->type, err);
        if (r < 0)
                return r;
        rl->resource = rlimit_from_name(rl->type);
        if (rl->resource < 0)
                return error_set(err, EINVAL, "%s.type: unknown rlimit '%s'", ep,
                                 rt_show(rl->type));
        r = rt_json_get_uint64(e, ep, "hard", true, UINT64_MAX, &rl->hard, err);
        if (r >= 0)
                r = rt_json_get_uint64(e, ep, "soft", true, UINT64_MAX, &rl->soft, err);
        return r < 0 ? r : 0;
}

static int parse_rlimits(json_t *obj, const char *path, RtProcess *p, BerthError **err)
{
        return rt_json_parse_objects(obj, path, "rlimits", sizeof(RtRlimit), (void **)&p->rlimits,
                                     &p->n_rlimits, parse_rlimit, NULL, err);
}

int rt_process_parse_into(json_t *obj, const char *path, RtProcess *p, BerthError **err)
{
        if (!json_is_object(obj))
                return error_set(err, EINVAL, "%s: expected an object, got %s",
                                 path && *path ? path : "process", json_type_name(obj));
        int r = json_get_bool(obj, path, "terminal", false, &p->terminal, err);
        if (r >= 0)
                r = parse_console_size(obj, path, p, err);
        if (r >= 0)
                r = parse_user(obj, path, &p->user, err);
        if (r >= 0)
                r = json_get_strv(obj, path, "args", true, true, &p->args, err);
        if (r >= 0)
                r = rt_json_dup_string(obj, path, "commandLine", false, &p->command_line, err);
        if (r >= 0)
                r = json_get_strv(obj, path, "env", false, false, &p->env, err);
        if (r >= 0)
                r = rt_json_dup_string(obj, path, "cwd", true, &p->cwd, err);
        if (r >= 0)
                r = parse_capabilities(obj, path, p, err);
        if (r >= 0)
                r = parse_rlimits(obj, path, p, err);
        if (r >= 0)
                r = json_get_bool(obj, path, "noNewPrivileges", false, &p->no_new_privileges, err);
        if (r >= 0)
                r = rt_json_dup_string(obj, path, "apparmorProfile", false, &p->apparmor_profile,
                                       err);
        if (r >= 0)
                r = rt_json_dup_string(obj, path, "selinuxLabel", false, &p->selinux_label, err);
        if (r >= 0)
                r = rt_json_opt_int64(obj, path, "oomScoreAdj", &p->oom_score_adj, err);
        return r < 0 ? r : 0;
}

int rt_process_parse(json_t *obj, const char *path, RtProcess **ret, BerthError **err)
{
        _cleanup_process_ RtProcess *p = calloc(1, sizeof(*p));
        if (!p)
                return rt_oom(err);
        int r = rt_process_parse_into(obj, path ? path : "", p, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}
