/* config.json "linux.seccomp". Action and operator names are resolved with
 * seccomp.c's tables; syscall names stay strings (resolved when compiling,
 * where unknown ones are skipped). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"
#include "runtime/spec_internal.h"

RtSeccomp *rt_seccomp_free(RtSeccomp *s)
{
        if (!s)
                return NULL;
        strv_free(s->architectures);
        strv_free(s->flags);
        free(s->listener_path);
        free(s->listener_metadata);
        for (size_t i = 0; s->syscalls && i < s->n_syscalls; i++) {
                strv_free(s->syscalls[i].names);
                free(s->syscalls[i].args);
        }
        free(s->syscalls);
        free(s);
        return NULL;
}

static int parse_action(json_t *obj, const char *path, const char *key, bool required,
                        RtSeccompAction *ret, BerthError **err)
{
        const char *name = NULL;
        int r = json_get_string(obj, path, key, required, &name, err);
        if (r <= 0)
                return r;
        int a = rt_seccomp_action_from_name(name);
        if (a < 0) {
                _cleanup_free_ char *p = json_path_join(path, key);
                return error_set(err, EINVAL, "%s: unknown seccomp action '%s'", p ? p : key,
                                 rt_show(name));
        }
        *ret = (RtSeccompAction)a;
        return 1;
}

static int parse_arg(json_t *e, const char *ep, void *elem, void *userdata, BerthError **err)
{
        (void)userdata;
        RtSeccompArg *a = elem;
        uint32_t index = 0;
        int r = rt_json_get_uint32(e, ep, "index", true, &index, err);
        if (r < 0)
                return r;
        /* A syscall has six arguments. */
        if (index > 5)
                return error_set(err, EINVAL, "%s.index: %u is out of range (0 to 5)", ep, index);
        a->index = index;
        r = rt_json_get_uint64(e, ep, "value", true, UINT64_MAX, &a->value, err);
        if (r >= 0)
                r = rt_json_get_uint64(e, ep, "valueTwo", false, UINT64_MAX, &a->value_two, err);
        if (r < 0)
                return r;
        const char *op = NULL;
        r = json_get_string(e, ep, "op", true, &op, err);
        if (r < 0)
                return r;
        int o = rt_seccomp_op_from_name(op);
        if (o < 0)
                return error_set(err, EINVAL, "%s.op: unknown seccomp operator '%s'", ep,
                                 rt_show(op));
        a->op = (RtSeccompOp)o;
        return 0;
}

static int parse_rule(json_t *e, const char *ep, void *elem, void *userdata, BerthError **err)
{
        (void)userdata;
        RtSeccompRule *rule = elem;
        int r = json_get_strv(e, ep, "names", true, true, &rule->names, err);
        if (r >= 0)
                r = parse_action(e, ep, "action", true, &rule->action, err);
        if (r >= 0)
                r = rt_json_opt_uint(e, ep, "errnoRet", UINT32_MAX, &rule->errno_ret, err);
        if (r < 0)
                return r;
        r = rt_json_parse_objects(e, ep, "args", sizeof(RtSeccompArg), (void **)&rule->args,
                                  &rule->n_args, parse_arg, NULL, err);
        return r < 0 ? r : 0;
}

static int seccomp_parse(json_t *obj, const char *path, RtSeccomp *s, BerthError **err)
{
        int r = parse_action(obj, path, "defaultAction", true, &s->default_action, err);
        if (r >= 0)
                r = rt_json_opt_uint(obj, path, "defaultErrnoRet", UINT32_MAX,
                                     &s->default_errno_ret, err);
        if (r >= 0)
                r = json_get_strv(obj, path, "architectures", false, false, &s->architectures, err);
        if (r >= 0)
                r = json_get_strv(obj, path, "flags", false, false, &s->flags, err);
        if (r >= 0)
                r = rt_json_dup_string(obj, path, "listenerPath", false, &s->listener_path, err);
        if (r >= 0)
                r = rt_json_dup_string(obj, path, "listenerMetadata", false, &s->listener_metadata,
                                       err);
        if (r < 0)
                return r;
        r = rt_json_parse_objects(obj, path, "syscalls", sizeof(RtSeccompRule),
                                  (void **)&s->syscalls, &s->n_syscalls, parse_rule, NULL, err);
        return r < 0 ? r : 0;
}

int rt_seccomp_parse(json_t *obj, const char *path, RtSeccomp **ret, BerthError **err)
{
        RtSeccomp *s = calloc(1, sizeof(*s));
        if (!s)
                return rt_oom(err);
        /* Owned by the caller's struct from here, so a failure is freed with it. */
        *ret = s;
        return seccomp_parse(obj, path, s, err);
}
