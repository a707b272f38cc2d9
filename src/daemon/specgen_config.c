/* The container's Config: the request's fields with the image's defaults
 * filled in as moby's merge (daemon/commit.go) and mergeAndVerifyConfig
 * (daemon/create.go) do. */
#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "daemon/specgen_internal.h"

/* A strslice (array of strings, or a lone string) as an array; NULL for
 * absent or null. Borrowed when already an array; *owned set otherwise. */
static json_t *strslice(json_t *obj, const char *key)
{
        json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
        if (json_is_array(v))
                return json_incref(v);
        if (json_is_string(v))
                return json_pack("[O]", v);
        return NULL;
}

static const char *env_key_len(const char *e, size_t *len)
{
        const char *eq = strchr(e, '=');
        *len = eq ? (size_t)(eq - e) : strlen(e);
        return e;
}

static json_t *merge_env(json_t *user, json_t *image)
{
        if (json_array_size(user) == 0)
                return json_is_array(image) ? json_deep_copy(image) : json_array();
        json_t *out = json_deep_copy(user);
        size_t i, j;
        json_t *ie, *ue;
        json_array_foreach(image, i, ie)
        {
                if (!json_is_string(ie))
                        continue;
                size_t ilen;
                const char *ik = env_key_len(json_string_value(ie), &ilen);
                bool found = false;
                json_array_foreach(user, j, ue)
                {
                        if (!json_is_string(ue))
                                continue;
                        size_t ulen;
                        const char *uk = env_key_len(json_string_value(ue), &ulen);
                        if (ulen == ilen && strncmp(uk, ik, ilen) == 0) {
                                found = true;
                                break;
                        }
                }
                if (!found)
                        json_array_append(out, ie);
        }
        return out;
}

/* Union of two objects; keys of `first` win. NULL when both are empty. */
static json_t *merge_objects(json_t *first, json_t *second, bool keep_empty)
{
        json_t *out = json_object();
        if (json_is_object(second))
                json_object_update(out, second);
        if (json_is_object(first))
                json_object_update(out, first);
        if (!keep_empty && json_object_size(out) == 0) {
                json_decref(out);
                return NULL;
        }
        return out;
}

static json_t *merge_healthcheck(json_t *user, json_t *image)
{
        if (!json_is_object(image))
                return json_is_object(user) ? json_deep_copy(user) : NULL;
        if (!json_is_object(user))
                return json_deep_copy(image);
        json_t *out = json_deep_copy(user);
        if (json_array_size(json_object_get(out, "Test")) == 0 && json_object_get(image, "Test"))
                json_object_set(out, "Test", json_object_get(image, "Test"));
        static const char *const nums[] = {"Interval", "Timeout", "StartPeriod", "StartInterval",
                                           "Retries"};
        for (size_t i = 0; i < ARRAY_SIZE(nums); i++)
                if (sg_int(out, nums[i]) == 0 && json_object_get(image, nums[i]))
                        json_object_set(out, nums[i], json_object_get(image, nums[i]));
        return out;
}

static void set_string(json_t *out, const char *key, const char *v)
{
        json_object_set_new(out, key, json_string(v ? v : ""));
}

int specgen_merge_config(json_t *request, json_t *image_config, json_t **ret_config,
                         BerthError **err)
{
        *ret_config = NULL;
        if (!json_is_object(request))
                return error_set(err, EINVAL, "container config: expected a JSON object");
        /* The image config blob keeps Docker's Config under "config". */
        json_t *img = NULL;
        if (json_is_object(image_config)) {
                json_t *inner = json_object_get(image_config, "config");
                if (json_is_object(inner))
                        img = inner;
                else if (!json_object_get(image_config, "rootfs"))
                        img = image_config; /* a Config object itself */
        }

        _cleanup_json_ json_t *out = json_object();
        set_string(out, "Hostname", sg_str(request, "Hostname"));
        set_string(out, "Domainname", sg_str(request, "Domainname"));
        const char *user = sg_str(request, "User");
        set_string(out, "User", user && *user ? user : sg_str(img, "User"));
        static const char *const bools[] = {"AttachStdin", "AttachStdout", "AttachStderr"};
        for (size_t i = 0; i < ARRAY_SIZE(bools); i++)
                json_object_set_new(out, bools[i], json_boolean(sg_bool(request, bools[i])));
        json_t *ports = merge_objects(sg_object(request, "ExposedPorts"),
                                      sg_object(img, "ExposedPorts"), false);
        if (ports)
                json_object_set_new(out, "ExposedPorts", ports);
        json_object_set_new(out, "Tty", json_boolean(sg_bool(request, "Tty")));
        json_object_set_new(out, "OpenStdin", json_boolean(sg_bool(request, "OpenStdin")));
        json_object_set_new(out, "StdinOnce", json_boolean(sg_bool(request, "StdinOnce")));
        json_object_set_new(out, "Env", merge_env(sg_array(request, "Env"), sg_array(img, "Env")));

        /* Cmd / Entrypoint */
        _cleanup_json_ json_t *cmd = strslice(request, "Cmd");
        _cleanup_json_ json_t *ep = strslice(request, "Entrypoint");
        if (json_array_size(ep) == 0) {
                if (json_array_size(cmd) == 0) {
                        json_decref(cmd);
                        cmd = strslice(img, "Cmd");
                }
                if (!ep)
                        ep = strslice(img, "Entrypoint");
        }
        if (json_array_size(ep) == 1 && json_is_string(json_array_get(ep, 0)) &&
            !*json_string_value(json_array_get(ep, 0))) {
                json_decref(ep);
                ep = NULL;
        }
        if (json_array_size(ep) == 0 && json_array_size(cmd) == 0)
                return error_set(err, EINVAL, "no command specified");
        json_object_set_new(out, "Cmd", cmd ? json_incref(cmd) : json_null());
        json_t *hc =
            merge_healthcheck(sg_object(request, "Healthcheck"), sg_object(img, "Healthcheck"));
        if (hc)
                json_object_set_new(out, "Healthcheck", hc);
        set_string(out, "Image", sg_str(request, "Image"));
        json_t *vols =
            merge_objects(sg_object(request, "Volumes"), sg_object(img, "Volumes"), false);
        json_object_set_new(out, "Volumes", vols ? vols : json_null());
        const char *wd = sg_str(request, "WorkingDir");
        set_string(out, "WorkingDir", wd && *wd ? wd : sg_str(img, "WorkingDir"));
        json_object_set_new(out, "Entrypoint", ep ? json_incref(ep) : json_null());
        if (sg_bool(request, "NetworkDisabled"))
                json_object_set_new(out, "NetworkDisabled", json_true());
        const char *mac = sg_str(request, "MacAddress");
        if (mac && *mac)
                set_string(out, "MacAddress", mac);
        json_t *onbuild = sg_array(img, "OnBuild");
        json_object_set_new(out, "OnBuild", onbuild ? json_deep_copy(onbuild) : json_null());
        json_object_set_new(
            out, "Labels",
            merge_objects(sg_object(request, "Labels"), sg_object(img, "Labels"), true));
        const char *sig = sg_str(request, "StopSignal");
        if (!sig || !*sig)
                sig = sg_str(img, "StopSignal");
        if (sig && *sig)
                set_string(out, "StopSignal", sig);
        json_t *st = json_object_get(request, "StopTimeout");
        if (json_is_integer(st))
                json_object_set(out, "StopTimeout", st);
        json_t *shell = sg_array(request, "Shell");
        if (!shell)
                shell = sg_array(img, "Shell");
        if (shell)
                json_object_set_new(out, "Shell", json_deep_copy(shell));
        *ret_config = TAKE_PTR(out);
        return 0;
}
