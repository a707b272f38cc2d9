/* Image config parsing and writing. Field names, order and omission rules
 * follow the Go structs Docker (image.Image, container.Config) and the OCI
 * image-spec (ocispec.Image) marshal, so written configs match theirs byte
 * for byte. */
#include "image/imageconfig.h"
#include "common/cleanup.h"
#include "image/quote.h"
#include "common/json.h"
#include "common/strv.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void img_container_config_free(ImgContainerConfig *cc)
{
        if (!cc)
                return;
        free(cc->hostname);
        free(cc->domainname);
        free(cc->user);
        strv_free(cc->exposed_ports);
        strv_free(cc->env);
        strv_free(cc->cmd);
        if (cc->healthcheck) {
                strv_free(cc->healthcheck->test);
                free(cc->healthcheck);
        }
        free(cc->image);
        strv_free(cc->volumes);
        free(cc->working_dir);
        strv_free(cc->entrypoint);
        free(cc->mac_address);
        strv_free(cc->on_build);
        img_strmap_free(cc->labels);
        free(cc->stop_signal);
        strv_free(cc->shell);
        free(cc);
}

ImgConfig *img_config_free(ImgConfig *c)
{
        if (!c)
                return NULL;
        free(c->id);
        free(c->parent);
        free(c->comment);
        free(c->created);
        free(c->container);
        free(c->docker_version);
        free(c->author);
        img_container_config_free(c->container_config);
        img_container_config_free(c->config);
        free(c->architecture);
        free(c->variant);
        free(c->os);
        free(c->os_version);
        strv_free(c->os_features);
        free(c->rootfs_type);
        strv_free(c->diff_ids);
        for (size_t i = 0; i < c->n_history; i++) {
                free(c->history[i].created);
                free(c->history[i].author);
                free(c->history[i].created_by);
                free(c->history[i].comment);
        }
        free(c->history);
        free(c);
        return NULL;
}

size_t img_config_non_empty_history(const ImgConfig *c)
{
        size_t n = 0;
        for (size_t i = 0; i < c->n_history; i++)
                if (!c->history[i].empty_layer)
                        n++;
        return n;
}

/* ---- parsing ---- */

/* RFC 3339 as Go's time.Time accepts it: date 'T' time [.frac] (Z | ±hh:mm). */
static bool rfc3339_valid(const char *s)
{
        static const char pattern[] = "dddd-dd-ddTdd:dd:dd";
        size_t i;
        for (i = 0; pattern[i]; i++) {
                if (pattern[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pattern[i]) {
                        if (pattern[i] == 'T' && s[i] == 't')
                                continue;
                        return false;
                }
        }
        if (s[i] == '.') {
                size_t start = ++i;
                while (isdigit((unsigned char)s[i]))
                        i++;
                if (i == start)
                        return false;
        }
        if (s[i] == 'Z' || s[i] == 'z')
                return s[i + 1] == '\0';
        if (s[i] != '+' && s[i] != '-')
                return false;
        return isdigit((unsigned char)s[i + 1]) && isdigit((unsigned char)s[i + 2]) &&
               s[i + 3] == ':' && isdigit((unsigned char)s[i + 4]) &&
               isdigit((unsigned char)s[i + 5]) && s[i + 6] == '\0';
}

static int dup_string(json_t *obj, const char *path, const char *key, char **ret, BerthError **err)
{
        const char *s = NULL;
        int r = json_get_string(obj, path, key, false, &s, err);
        if (r <= 0)
                return r;
        if (!(*ret = strdup(s)))
                return error_set(err, ENOMEM, "out of memory");
        return 1;
}

static int get_time(json_t *obj, const char *path, const char *key, char **ret, BerthError **err)
{
        int r = dup_string(obj, path, key, ret, err);
        if (r > 0 && !rfc3339_valid(*ret)) {
                _cleanup_free_ char *p = json_path_join(path, key);
                char q[IMG_QUOTE_MAX];
                return error_set(err, EINVAL, "%s: invalid timestamp '%s' (expected RFC 3339)",
                                 p ? p : key, img_quote(*ret, q));
        }
        return r;
}

static int get_flag(json_t *obj, const char *path, const char *key, bool *ret, BerthError **err)
{
        int r = json_get_bool(obj, path, key, false, ret, err);
        return r < 0 ? r : 0;
}

/* The keys of an object whose values are ignored (Go's map[string]struct{}). */
static int get_key_set(json_t *obj, const char *path, const char *key, char ***ret,
                       BerthError **err)
{
        json_t *o = NULL;
        int r = json_get_object(obj, path, key, false, &o, err);
        if (r <= 0)
                return r;
        _cleanup_strv_free_ char **keys = calloc(json_object_size(o) + 1, sizeof(char *));
        if (!keys)
                return error_set(err, ENOMEM, "out of memory");
        const char *k;
        json_t *v;
        size_t i = 0;
        json_object_foreach(o, k, v)
        {
                if (!(keys[i++] = strdup(k)))
                        return error_set(err, ENOMEM, "out of memory");
        }
        *ret = TAKE_PTR(keys);
        return 1;
}

static int parse_healthcheck(json_t *obj, const char *path, ImgHealthcheck **ret, BerthError **err)
{
        _cleanup_free_ ImgHealthcheck *h = calloc(1, sizeof(*h));
        int r;
        if (!h)
                return error_set(err, ENOMEM, "out of memory");
        r = json_get_strv(obj, path, "Test", false, false, &h->test, err);
        if (r >= 0)
                r = json_get_int64(obj, path, "Interval", false, &h->interval, err);
        if (r >= 0)
                r = json_get_int64(obj, path, "Timeout", false, &h->timeout, err);
        if (r >= 0)
                r = json_get_int64(obj, path, "StartPeriod", false, &h->start_period, err);
        if (r >= 0)
                r = json_get_int64(obj, path, "StartInterval", false, &h->start_interval, err);
        if (r >= 0)
                r = json_get_int64(obj, path, "Retries", false, &h->retries, err);
        if (r < 0) {
                strv_free(h->test);
                return r;
        }
        *ret = TAKE_PTR(h);
        return 0;
}

static int parse_container_config(json_t *obj, const char *path, ImgContainerConfig **ret,
                                  BerthError **err)
{
        ImgContainerConfig *cc = calloc(1, sizeof(*cc));
        json_t *sub = NULL;
        int r;
        if (!cc)
                return error_set(err, ENOMEM, "out of memory");

#define STEP(call)                                                                                 \
        do {                                                                                       \
                r = (call);                                                                        \
                if (r < 0)                                                                         \
                        goto fail;                                                                 \
        } while (0)
        STEP(dup_string(obj, path, "Hostname", &cc->hostname, err));
        STEP(dup_string(obj, path, "Domainname", &cc->domainname, err));
        STEP(dup_string(obj, path, "User", &cc->user, err));
        STEP(get_flag(obj, path, "AttachStdin", &cc->attach_stdin, err));
        STEP(get_flag(obj, path, "AttachStdout", &cc->attach_stdout, err));
        STEP(get_flag(obj, path, "AttachStderr", &cc->attach_stderr, err));
        STEP(get_key_set(obj, path, "ExposedPorts", &cc->exposed_ports, err));
        STEP(get_flag(obj, path, "Tty", &cc->tty, err));
        STEP(get_flag(obj, path, "OpenStdin", &cc->open_stdin, err));
        STEP(get_flag(obj, path, "StdinOnce", &cc->stdin_once, err));
        STEP(json_get_strv(obj, path, "Env", false, false, &cc->env, err));
        STEP(json_get_strv(obj, path, "Cmd", false, false, &cc->cmd, err));
        STEP(json_get_object(obj, path, "Healthcheck", false, &sub, err));
        if (r > 0) {
                _cleanup_free_ char *p = json_path_join(path, "Healthcheck");
                STEP(parse_healthcheck(sub, p ? p : "Healthcheck", &cc->healthcheck, err));
        }
        STEP(get_flag(obj, path, "ArgsEscaped", &cc->args_escaped, err));
        STEP(dup_string(obj, path, "Image", &cc->image, err));
        STEP(get_key_set(obj, path, "Volumes", &cc->volumes, err));
        STEP(dup_string(obj, path, "WorkingDir", &cc->working_dir, err));
        STEP(json_get_strv(obj, path, "Entrypoint", false, false, &cc->entrypoint, err));
        STEP(get_flag(obj, path, "NetworkDisabled", &cc->network_disabled, err));
        STEP(dup_string(obj, path, "MacAddress", &cc->mac_address, err));
        STEP(json_get_strv(obj, path, "OnBuild", false, false, &cc->on_build, err));
        sub = NULL;
        STEP(json_get_object(obj, path, "Labels", false, &sub, err));
        if (r > 0) {
                _cleanup_free_ char *p = json_path_join(path, "Labels");
                STEP(img_strmap_from_json(sub, p ? p : "Labels", &cc->labels, err));
        }
        STEP(dup_string(obj, path, "StopSignal", &cc->stop_signal, err));
        STEP(json_get_int64(obj, path, "StopTimeout", false, &cc->stop_timeout, err));
        cc->has_stop_timeout = r > 0;
        STEP(json_get_strv(obj, path, "Shell", false, false, &cc->shell, err));
#undef STEP
        *ret = cc;
        return 0;
fail:
        img_container_config_free(cc);
        return r;
}

static int parse_history(json_t *arr, ImgConfig *c, BerthError **err)
{
        size_t n = json_array_size(arr);
        c->history = calloc(n ? n : 1, sizeof(ImgHistory));
        if (!c->history)
                return error_set(err, ENOMEM, "out of memory");
        c->has_history = true;
        for (size_t i = 0; i < n; i++) {
                json_t *e = json_array_get(arr, i);
                ImgHistory *h = &c->history[i];
                char path[32];
                int r;
                snprintf(path, sizeof(path), "history[%zu]", i);
                c->n_history = i + 1;
                if (!json_is_object(e))
                        return error_set(err, EINVAL, "%s: expected an object, got %s", path,
                                         json_type_name(e));
                if ((r = get_time(e, path, "created", &h->created, err)) < 0 ||
                    (r = dup_string(e, path, "author", &h->author, err)) < 0 ||
                    (r = dup_string(e, path, "created_by", &h->created_by, err)) < 0 ||
                    (r = dup_string(e, path, "comment", &h->comment, err)) < 0 ||
                    (r = get_flag(e, path, "empty_layer", &h->empty_layer, err)) < 0)
                        return r;
        }
        return 0;
}

static int parse_rootfs(json_t *doc, ImgConfig *c, BerthError **err)
{
        json_t *rootfs = NULL;
        const char *type = NULL;
        char q[IMG_QUOTE_MAX];
        int r = json_get_object(doc, "", "rootfs", true, &rootfs, err);
        if (r < 0)
                return r;
        r = json_get_string(rootfs, "rootfs", "type", true, &type, err);
        if (r < 0)
                return r;
        if (!STREQ(type, "layers"))
                return error_set(err, EINVAL, "rootfs.type: expected \"layers\", got \"%s\"",
                                 img_quote(type, q));
        if (!(c->rootfs_type = strdup(type)))
                return error_set(err, ENOMEM, "out of memory");
        /* A config without layers ("FROM scratch" + metadata) has diff_ids [] or none. */
        r = json_get_strv(rootfs, "rootfs", "diff_ids", false, false, &c->diff_ids, err);
        if (r < 0)
                return r;
        if (r == 0 && !(c->diff_ids = calloc(1, sizeof(char *))))
                return error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; c->diff_ids[i]; i++) {
                _cleanup_error_ BerthError *derr = NULL;
                if (img_digest_parse(c->diff_ids[i], NULL, &derr) < 0)
                        return error_set(err, EINVAL, "rootfs.diff_ids[%zu]: %s", i, derr->message);
        }
        return 0;
}

static int config_from_json(json_t *doc, ImgConfig *c, BerthError **err)
{
        json_t *sub = NULL;
        int r;
        if (!json_is_object(doc))
                return error_set(err, EINVAL, "expected a JSON object, got %s",
                                 json_type_name(doc));
        if ((r = dup_string(doc, "", "id", &c->id, err)) < 0 ||
            (r = dup_string(doc, "", "parent", &c->parent, err)) < 0 ||
            (r = dup_string(doc, "", "comment", &c->comment, err)) < 0 ||
            (r = get_time(doc, "", "created", &c->created, err)) < 0 ||
            (r = dup_string(doc, "", "container", &c->container, err)) < 0 ||
            (r = dup_string(doc, "", "docker_version", &c->docker_version, err)) < 0 ||
            (r = dup_string(doc, "", "author", &c->author, err)) < 0 ||
            (r = dup_string(doc, "", "architecture", &c->architecture, err)) < 0 ||
            (r = dup_string(doc, "", "variant", &c->variant, err)) < 0 ||
            (r = dup_string(doc, "", "os", &c->os, err)) < 0 ||
            (r = dup_string(doc, "", "os.version", &c->os_version, err)) < 0 ||
            (r = json_get_strv(doc, "", "os.features", false, false, &c->os_features, err)) < 0 ||
            (r = json_get_int64(doc, "", "Size", false, &c->size, err)) < 0)
                return r;
        r = json_get_object(doc, "", "config", false, &sub, err);
        if (r < 0)
                return r;
        if (r > 0 && (r = parse_container_config(sub, "config", &c->config, err)) < 0)
                return r;
        sub = NULL;
        r = json_get_object(doc, "", "container_config", false, &sub, err);
        if (r < 0)
                return r;
        if (r > 0 &&
            (r = parse_container_config(sub, "container_config", &c->container_config, err)) < 0)
                return r;
        r = parse_rootfs(doc, c, err);
        if (r < 0)
                return r;
        sub = NULL;
        r = json_get_array(doc, "", "history", false, &sub, err);
        if (r < 0)
                return r;
        if (r > 0) {
                /* A history that disagrees with diff_ids is not refused: real
                 * images have them, and Docker loads them. */
                r = parse_history(sub, c, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int img_config_parse(const char *buf, size_t len, ImgConfig **ret, BerthError **err)
{
        if (len > IMG_CONFIG_MAX_SIZE)
                return error_set(err, EFBIG, "config: %zu bytes is more than the limit of %u bytes",
                                 len, IMG_CONFIG_MAX_SIZE);
        _cleanup_json_ json_t *doc = NULL;
        _cleanup_error_ BerthError *perr = NULL;
        int r = json_parse_buffer(buf, len, "config", &doc, &perr);
        if (r < 0) {
                img_error_escape(perr);
                return error_move(err, TAKE_PTR(perr));
        }
        _cleanup_config_ ImgConfig *c = calloc(1, sizeof(*c));
        if (!c)
                return error_set(err, ENOMEM, "out of memory");
        r = config_from_json(doc, c, err);
        if (r < 0)
                return error_prefix(err, "config");
        *ret = TAKE_PTR(c);
        return 0;
}

/* ---- writing ---- */

/* Builders collect failures in *bad instead of checking every call. */
static void put(json_t *o, const char *key, json_t *v, bool *bad)
{
        if (!v || json_object_set_new(o, key, v) < 0)
                *bad = true;
}

static json_t *strv_json(char **v)
{
        if (!v)
                return json_null();
        json_t *a = json_array();
        STRV_FOREACH(s, v)
        if (!a || json_array_append_new(a, json_string(*s)) < 0) {
                json_decref(a);
                return NULL;
        }
        return a;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Go marshals maps with sorted keys. */
static json_t *key_set_json(char **keys)
{
        if (!keys)
                return json_null();
        size_t n = strv_length(keys);
        _cleanup_free_ char **sorted = calloc(n + 1, sizeof(char *));
        json_t *o = json_object();
        if (!sorted || !o) {
                json_decref(o);
                return NULL;
        }
        memcpy(sorted, keys, n * sizeof(char *));
        qsort(sorted, n, sizeof(char *), cmp_str);
        for (size_t i = 0; i < n; i++)
                if (json_object_set_new(o, sorted[i], json_object()) < 0) {
                        json_decref(o);
                        return NULL;
                }
        return o;
}

static json_t *labels_json(const ImgStrMap *m)
{
        if (!m)
                return json_null();
        _cleanup_free_ size_t *order = calloc(m->n + 1, sizeof(size_t));
        json_t *o = json_object();
        if (!order || !o) {
                json_decref(o);
                return NULL;
        }
        for (size_t i = 0; i < m->n; i++)
                order[i] = i;
        /* insertion sort by key: label sets are small */
        for (size_t i = 1; i < m->n; i++)
                for (size_t j = i; j > 0 && strcmp(m->keys[order[j - 1]], m->keys[order[j]]) > 0;
                     j--) {
                        size_t t = order[j];
                        order[j] = order[j - 1];
                        order[j - 1] = t;
                }
        for (size_t i = 0; i < m->n; i++)
                if (json_object_set_new(o, m->keys[order[i]], json_string(m->values[order[i]])) <
                    0) {
                        json_decref(o);
                        return NULL;
                }
        return o;
}

static json_t *str_or_empty(const char *s)
{
        return json_string(s ? s : "");
}

static json_t *healthcheck_json(const ImgHealthcheck *h)
{
        json_t *o = json_object();
        bool bad = !o;
        if (bad)
                return NULL;
        if (h->test && h->test[0])
                put(o, "Test", strv_json(h->test), &bad);
        if (h->interval)
                put(o, "Interval", json_integer(h->interval), &bad);
        if (h->timeout)
                put(o, "Timeout", json_integer(h->timeout), &bad);
        if (h->start_period)
                put(o, "StartPeriod", json_integer(h->start_period), &bad);
        if (h->start_interval)
                put(o, "StartInterval", json_integer(h->start_interval), &bad);
        if (h->retries)
                put(o, "Retries", json_integer(h->retries), &bad);
        if (bad) {
                json_decref(o);
                return NULL;
        }
        return o;
}

/* container.Config in Go field order. */
static json_t *docker_container_config(const ImgContainerConfig *cc)
{
        static const ImgContainerConfig empty = {0};
        json_t *o = json_object();
        bool bad = !o;
        if (bad)
                return NULL;
        if (!cc)
                cc = &empty;
        put(o, "Hostname", str_or_empty(cc->hostname), &bad);
        put(o, "Domainname", str_or_empty(cc->domainname), &bad);
        put(o, "User", str_or_empty(cc->user), &bad);
        put(o, "AttachStdin", json_boolean(cc->attach_stdin), &bad);
        put(o, "AttachStdout", json_boolean(cc->attach_stdout), &bad);
        put(o, "AttachStderr", json_boolean(cc->attach_stderr), &bad);
        if (cc->exposed_ports && cc->exposed_ports[0])
                put(o, "ExposedPorts", key_set_json(cc->exposed_ports), &bad);
        put(o, "Tty", json_boolean(cc->tty), &bad);
        put(o, "OpenStdin", json_boolean(cc->open_stdin), &bad);
        put(o, "StdinOnce", json_boolean(cc->stdin_once), &bad);
        put(o, "Env", strv_json(cc->env), &bad);
        put(o, "Cmd", strv_json(cc->cmd), &bad);
        if (cc->healthcheck)
                put(o, "Healthcheck", healthcheck_json(cc->healthcheck), &bad);
        if (cc->args_escaped)
                put(o, "ArgsEscaped", json_true(), &bad);
        put(o, "Image", str_or_empty(cc->image), &bad);
        put(o, "Volumes", key_set_json(cc->volumes), &bad);
        put(o, "WorkingDir", str_or_empty(cc->working_dir), &bad);
        put(o, "Entrypoint", strv_json(cc->entrypoint), &bad);
        if (cc->network_disabled)
                put(o, "NetworkDisabled", json_true(), &bad);
        if (cc->mac_address && *cc->mac_address)
                put(o, "MacAddress", json_string(cc->mac_address), &bad);
        put(o, "OnBuild", strv_json(cc->on_build), &bad);
        put(o, "Labels", labels_json(cc->labels), &bad);
        if (cc->stop_signal && *cc->stop_signal)
                put(o, "StopSignal", json_string(cc->stop_signal), &bad);
        if (cc->has_stop_timeout)
                put(o, "StopTimeout", json_integer(cc->stop_timeout), &bad);
        if (cc->shell && cc->shell[0])
                put(o, "Shell", strv_json(cc->shell), &bad);
        if (bad) {
                json_decref(o);
                return NULL;
        }
        return o;
}

/* ocispec.ImageConfig: every field omitempty. */
static json_t *oci_container_config(const ImgContainerConfig *cc)
{
        json_t *o = json_object();
        bool bad = !o;
        if (bad || !cc)
                return o;
        if (cc->user && *cc->user)
                put(o, "User", json_string(cc->user), &bad);
        if (cc->exposed_ports && cc->exposed_ports[0])
                put(o, "ExposedPorts", key_set_json(cc->exposed_ports), &bad);
        if (cc->env && cc->env[0])
                put(o, "Env", strv_json(cc->env), &bad);
        if (cc->entrypoint && cc->entrypoint[0])
                put(o, "Entrypoint", strv_json(cc->entrypoint), &bad);
        if (cc->cmd && cc->cmd[0])
                put(o, "Cmd", strv_json(cc->cmd), &bad);
        if (cc->volumes && cc->volumes[0])
                put(o, "Volumes", key_set_json(cc->volumes), &bad);
        if (cc->working_dir && *cc->working_dir)
                put(o, "WorkingDir", json_string(cc->working_dir), &bad);
        if (cc->labels && cc->labels->n)
                put(o, "Labels", labels_json(cc->labels), &bad);
        if (cc->stop_signal && *cc->stop_signal)
                put(o, "StopSignal", json_string(cc->stop_signal), &bad);
        if (cc->args_escaped)
                put(o, "ArgsEscaped", json_true(), &bad);
        if (bad) {
                json_decref(o);
                return NULL;
        }
        return o;
}

/* Docker's diff_ids is omitempty, the OCI one is not. */
static json_t *rootfs_json(const ImgConfig *c, bool docker)
{
        json_t *o = json_object();
        bool bad = !o;
        if (bad)
                return NULL;
        put(o, "type", json_string(c->rootfs_type ? c->rootfs_type : "layers"), &bad);
        if (!docker || (c->diff_ids && c->diff_ids[0]))
                put(o, "diff_ids", strv_json(c->diff_ids), &bad);
        if (bad) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static json_t *history_json(const ImgConfig *c, bool docker)
{
        json_t *a = json_array();
        bool bad = !a;
        for (size_t i = 0; !bad && i < c->n_history; i++) {
                const ImgHistory *h = &c->history[i];
                json_t *o = json_object();
                if (!o) {
                        bad = true;
                        break;
                }
                if (docker)
                        put(o, "created",
                            json_string(h->created ? h->created : "0001-01-01T00:00:00Z"), &bad);
                else if (h->created)
                        put(o, "created", json_string(h->created), &bad);
                if (docker && h->author && *h->author)
                        put(o, "author", json_string(h->author), &bad);
                if (h->created_by && *h->created_by)
                        put(o, "created_by", json_string(h->created_by), &bad);
                if (!docker && h->author && *h->author)
                        put(o, "author", json_string(h->author), &bad);
                if (h->comment && *h->comment)
                        put(o, "comment", json_string(h->comment), &bad);
                if (h->empty_layer)
                        put(o, "empty_layer", json_true(), &bad);
                if (json_array_append_new(a, o) < 0)
                        bad = true;
        }
        if (bad) {
                json_decref(a);
                return NULL;
        }
        return a;
}

static bool set(const char *s)
{
        return s && *s;
}

/* image.Image marshals through a map, so its top-level keys come out sorted
 * (byte order: "Size" before the lowercase keys). */
static json_t *docker_config(const ImgConfig *c)
{
        json_t *o = json_object();
        bool bad = !o;
        if (bad)
                return NULL;
        if (c->size)
                put(o, "Size", json_integer(c->size), &bad);
        if (set(c->architecture))
                put(o, "architecture", json_string(c->architecture), &bad);
        if (set(c->author))
                put(o, "author", json_string(c->author), &bad);
        if (set(c->comment))
                put(o, "comment", json_string(c->comment), &bad);
        if (c->config)
                put(o, "config", docker_container_config(c->config), &bad);
        if (set(c->container))
                put(o, "container", json_string(c->container), &bad);
        put(o, "container_config", docker_container_config(c->container_config), &bad);
        put(o, "created", json_string(c->created ? c->created : "0001-01-01T00:00:00Z"), &bad);
        if (set(c->docker_version))
                put(o, "docker_version", json_string(c->docker_version), &bad);
        if (c->n_history)
                put(o, "history", history_json(c, true), &bad);
        if (set(c->id))
                put(o, "id", json_string(c->id), &bad);
        if (set(c->os))
                put(o, "os", json_string(c->os), &bad);
        if (c->os_features && c->os_features[0])
                put(o, "os.features", strv_json(c->os_features), &bad);
        if (set(c->os_version))
                put(o, "os.version", json_string(c->os_version), &bad);
        if (set(c->parent))
                put(o, "parent", json_string(c->parent), &bad);
        put(o, "rootfs", rootfs_json(c, true), &bad);
        if (set(c->variant))
                put(o, "variant", json_string(c->variant), &bad);
        if (bad) {
                json_decref(o);
                return NULL;
        }
        return o;
}

/* ocispec.Image (image-spec 1.1 field order). */
static json_t *oci_config(const ImgConfig *c)
{
        json_t *o = json_object();
        bool bad = !o;
        if (bad)
                return NULL;
        if (c->created)
                put(o, "created", json_string(c->created), &bad);
        if (set(c->author))
                put(o, "author", json_string(c->author), &bad);
        put(o, "architecture", json_string(c->architecture ? c->architecture : ""), &bad);
        put(o, "os", json_string(c->os ? c->os : ""), &bad);
        if (set(c->os_version))
                put(o, "os.version", json_string(c->os_version), &bad);
        if (c->os_features && c->os_features[0])
                put(o, "os.features", strv_json(c->os_features), &bad);
        if (set(c->variant))
                put(o, "variant", json_string(c->variant), &bad);
        put(o, "config", oci_container_config(c->config), &bad);
        put(o, "rootfs", rootfs_json(c, false), &bad);
        if (c->n_history)
                put(o, "history", history_json(c, false), &bad);
        if (bad) {
                json_decref(o);
                return NULL;
        }
        return o;
}

int img_config_to_json(const ImgConfig *c, ImgConfigStyle style, char **ret, size_t *ret_len,
                       BerthError **err)
{
        _cleanup_json_ json_t *o = style == IMG_CONFIG_STYLE_OCI ? oci_config(c) : docker_config(c);
        if (!o)
                return error_set(err, ENOMEM, "serialise config: out of memory");
        char *s = img_json_dump_go(o, 0, ret_len);
        if (!s)
                return error_set(err, ENOMEM, "serialise config: out of memory");
        *ret = s;
        return 0;
}
