/* config.json: the top level (root, mounts, hooks, annotations), loading,
 * freeing and the namespace tables. "process" and "linux" have their own
 * files. Parsing fills the RtSpec in place so that a failure at any point is
 * released by one rt_spec_free(). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"
#include "runtime/hooks.h"
#include "runtime/spec.h"
#include "runtime/spec_internal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
        const char *name;
        const char *proc;
        int flag;
} ns_table[RT_NS_COUNT] = {
    [RT_NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [RT_NS_NETWORK] = {"network", "net", CLONE_NEWNET},
    [RT_NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
    [RT_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [RT_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [RT_NS_USER] = {"user", "user", CLONE_NEWUSER},
    [RT_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [RT_NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

const char *rt_ns_type_name(RtNsType t)
{
        if ((unsigned)t >= RT_NS_COUNT)
                return NULL;
        return ns_table[t].name;
}

int rt_ns_type_from_name(const char *name)
{
        if (!name)
                return -EINVAL;
        for (int i = 0; i < RT_NS_COUNT; i++)
                if (STREQ(ns_table[i].name, name))
                        return i;
        return -EINVAL;
}

int rt_ns_clone_flag(RtNsType t)
{
        if ((unsigned)t >= RT_NS_COUNT)
                return 0;
        return ns_table[t].flag;
}

const char *rt_ns_proc_name(RtNsType t)
{
        if ((unsigned)t >= RT_NS_COUNT)
                return NULL;
        return ns_table[t].proc;
}

const RtNamespace *rt_spec_find_ns(const RtSpec *spec, RtNsType t)
{
        if (!spec)
                return NULL;
        for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
                if (spec->linux_.namespaces[i].type == t)
                        return &spec->linux_.namespaces[i];
        return NULL;
}

static void mount_clear(RtMount *m)
{
        free(m->destination);
        free(m->type);
        free(m->source);
        strv_free(m->options);
        free(m->uid_mappings);
        free(m->gid_mappings);
}

static void hook_clear(RtHook *h)
{
        free(h->path);
        strv_free(h->args);
        strv_free(h->env);
}

RtSpec *rt_spec_free(RtSpec *spec)
{
        if (!spec)
                return NULL;
        free(spec->oci_version);
        free(spec->root.path);
        free(spec->hostname);
        free(spec->domainname);
        for (size_t i = 0; spec->mounts && i < spec->n_mounts; i++)
                mount_clear(&spec->mounts[i]);
        free(spec->mounts);
        rt_process_free(spec->process);
        for (int s = 0; s < RT_HOOK_STAGE_COUNT; s++) {
                for (size_t i = 0; spec->hooks[s].hooks && i < spec->hooks[s].n; i++)
                        hook_clear(&spec->hooks[s].hooks[i]);
                free(spec->hooks[s].hooks);
        }
        rt_keyvalues_free(spec->annotations, spec->n_annotations);
        rt_linux_clear(&spec->linux_);
        json_decref(spec->raw);
        free(spec);
        return NULL;
}

static int parse_root(json_t *doc, RtSpec *spec, BerthError **err)
{
        json_t *root = NULL;
        int r = json_get_object(doc, "", "root", false, &root, err);
        if (r <= 0)
                return r;
        r = rt_json_dup_string(root, "root", "path", true, &spec->root.path, err);
        if (r < 0)
                return r;
        return json_get_bool(root, "root", "readonly", false, &spec->root.readonly, err);
}

static int parse_mount(json_t *e, const char *ep, void *elem, void *userdata, BerthError **err)
{
        (void)userdata;
        RtMount *m = elem;
        int r = rt_json_dup_string(e, ep, "destination", true, &m->destination, err);
        if (r >= 0)
                r = rt_json_dup_string(e, ep, "type", false, &m->type, err);
        if (r >= 0)
                r = rt_json_dup_string(e, ep, "source", false, &m->source, err);
        if (r >= 0)
                r = json_get_strv(e, ep, "options", false, false, &m->options, err);
        if (r >= 0)
                r = rt_parse_idmaps(e, ep, "uidMappings", &m->uid_mappings, &m->n_uid_mappings,
                                    err);
        if (r >= 0)
                r = rt_parse_idmaps(e, ep, "gidMappings", &m->gid_mappings, &m->n_gid_mappings,
                                    err);
        return r < 0 ? r : 0;
}

static int parse_mounts(json_t *doc, RtSpec *spec, BerthError **err)
{
        int r = rt_json_parse_objects(doc, "", "mounts", sizeof(RtMount), (void **)&spec->mounts,
                                      &spec->n_mounts, parse_mount, NULL, err);
        return r < 0 ? r : 0;
}

static int parse_hook(json_t *e, const char *ep, void *elem, void *userdata, BerthError **err)
{
        (void)userdata;
        RtHook *h = elem;
        int r = rt_json_dup_string(e, ep, "path", true, &h->path, err);
        if (r >= 0)
                r = json_get_strv(e, ep, "args", false, false, &h->args, err);
        if (r >= 0)
                r = json_get_strv(e, ep, "env", false, false, &h->env, err);
        if (r >= 0)
                r = rt_json_opt_int64(e, ep, "timeout", &h->timeout, err);
        return r < 0 ? r : 0;
}

static int parse_hooks(json_t *doc, RtSpec *spec, BerthError **err)
{
        json_t *hooks = NULL;
        int r = json_get_object(doc, "", "hooks", false, &hooks, err);
        if (r <= 0)
                return r;
        for (int s = 0; s < RT_HOOK_STAGE_COUNT; s++) {
                RtHookList *list = &spec->hooks[s];
                r = rt_json_parse_objects(hooks, "hooks", rt_hook_stage_name(s), sizeof(RtHook),
                                          (void **)&list->hooks, &list->n, parse_hook, NULL, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_process(json_t *doc, RtSpec *spec, BerthError **err)
{
        json_t *obj = NULL;
        int r = json_get_object(doc, "", "process", false, &obj, err);
        if (r <= 0)
                return r;
        spec->process = calloc(1, sizeof(RtProcess));
        if (!spec->process)
                return rt_oom(err);
        return rt_process_parse_into(obj, "process", spec->process, err);
}

static int parse_linux(json_t *doc, RtSpec *spec, BerthError **err)
{
        json_t *obj = NULL;
        int r = json_get_object(doc, "", "linux", false, &obj, err);
        if (r <= 0)
                return r;
        return rt_linux_parse(obj, "linux", &spec->linux_, err);
}

static int spec_parse(json_t *doc, RtSpec *spec, BerthError **err)
{
        if (!json_is_object(doc))
                return error_set(err, EINVAL, "expected a JSON object, got %s",
                                 json_type_name(doc));
        int r = rt_json_dup_string(doc, "", "ociVersion", true, &spec->oci_version, err);
        if (r >= 0)
                r = parse_root(doc, spec, err);
        if (r >= 0)
                r = rt_json_dup_string(doc, "", "hostname", false, &spec->hostname, err);
        if (r >= 0)
                r = rt_json_dup_string(doc, "", "domainname", false, &spec->domainname, err);
        if (r >= 0)
                r = parse_mounts(doc, spec, err);
        if (r >= 0)
                r = parse_process(doc, spec, err);
        if (r >= 0)
                r = parse_hooks(doc, spec, err);
        if (r >= 0)
                r = rt_parse_string_map(doc, "", "annotations", &spec->annotations,
                                        &spec->n_annotations, err);
        if (r >= 0)
                r = parse_linux(doc, spec, err);
        return r < 0 ? r : 0;
}

int rt_spec_parse(json_t *doc, const char *what, RtSpec **ret, BerthError **err)
{
        if (!what)
                what = "config.json";
        _cleanup_spec_ RtSpec *spec = calloc(1, sizeof(*spec));
        if (!spec)
                return rt_oom(err);
        int r = spec_parse(doc, spec, err);
        if (r < 0) {
                error_prefix(err, "%s", what);
                return r;
        }
        spec->raw = json_incref(doc);
        *ret = TAKE_PTR(spec);
        return 0;
}

int rt_spec_load(const char *bundle, RtSpec **ret, BerthError **err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/config.json", bundle && *bundle ? bundle : ".") < 0)
                return rt_oom(err);
        _cleanup_json_ json_t *doc = NULL;
        int r = rt_spec_load_text(path, "config.json", &doc, err);
        if (r < 0)
                return r;
        return rt_spec_parse(doc, "config.json", ret, err);
}
