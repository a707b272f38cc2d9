/* docker import --change: a small Dockerfile instruction parser that fills
 * a partial image config. Only the instructions Docker accepts for import
 * and commit; no variable substitution. */
#include "daemon/api_images_changes.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"

/* Splits s into words at unquoted blanks; '...' is literal, "..." and bare
 * words take backslash escapes. */
static int split_words(const char *s, char ***ret, BerthError **err)
{
        _cleanup_strv_free_ char **words = NULL;
        size_t len = strlen(s);
        _cleanup_free_ char *buf = malloc(len + 1);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        const char *p = s;
        for (;;) {
                while (*p && isspace((unsigned char)*p))
                        p++;
                if (!*p)
                        break;
                size_t n = 0;
                while (*p && !isspace((unsigned char)*p)) {
                        if (*p == '\'') {
                                const char *end = strchr(p + 1, '\'');
                                if (!end)
                                        return error_set(err, EINVAL, "unmatched ' in '%s'", s);
                                memcpy(buf + n, p + 1, (size_t)(end - p - 1));
                                n += (size_t)(end - p - 1);
                                p = end + 1;
                        } else if (*p == '"') {
                                p++;
                                while (*p && *p != '"') {
                                        if (*p == '\\' && p[1])
                                                p++;
                                        buf[n++] = *p++;
                                }
                                if (*p != '"')
                                        return error_set(err, EINVAL, "unmatched \" in '%s'", s);
                                p++;
                        } else {
                                if (*p == '\\' && p[1])
                                        p++;
                                buf[n++] = *p++;
                        }
                }
                buf[n] = '\0';
                if (strv_append(&words, buf) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        if (!words && !(words = calloc(1, sizeof(char *))))
                return error_set(err, ENOMEM, "out of memory");
        *ret = TAKE_PTR(words);
        return 0;
}

/* A JSON array of strings, or NULL when args is not one (shell form). */
static json_t *json_form(const char *args)
{
        if (args[0] != '[')
                return NULL;
        json_t *j = json_loads(args, JSON_DECODE_ANY, NULL);
        if (!json_is_array(j))
                goto no;
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
                if (!json_is_string(v))
                        goto no;
        }
        return j;
no:
        json_decref(j);
        return NULL;
}

static json_t *command(const char *args)
{
        json_t *j = json_form(args);
        if (j)
                return j;
        return json_pack("[s, s, s]", "/bin/sh", "-c", args);
}

/* KEY=VALUE pairs (quoted as in a Dockerfile), or the legacy "KEY VALUE"
 * with the value the rest of the line. Calls add(key, value). */
static int name_values(const char *ins, const char *args, json_t *target,
                       int (*add)(json_t *target, const char *k, const char *v), BerthError **err)
{
        size_t first = strcspn(args, " \t");
        if (memchr(args, '=', first) == NULL) {
                /* legacy form */
                _cleanup_free_ char *key = strndup(args, first);
                if (!key)
                        return error_set(err, ENOMEM, "out of memory");
                const char *v = args + first;
                while (*v == ' ' || *v == '\t')
                        v++;
                if (!*v)
                        return error_set(err, EINVAL, "%s must have two arguments", ins);
                return add(target, key, v);
        }
        _cleanup_strv_free_ char **words = NULL;
        int r = split_words(args, &words, err);
        if (r < 0)
                return error_prefix(err, "%s", ins);
        STRV_FOREACH(w, words)
        {
                char *eq = strchr(*w, '=');
                if (!eq || eq == *w)
                        return error_set(err, EINVAL, "%s names can not be blank: '%s'", ins, *w);
                *eq = '\0';
                if ((r = add(target, *w, eq + 1)) < 0)
                        return error_set(err, -r, "%s: out of memory", ins);
        }
        return 0;
}

static int add_env(json_t *env, const char *k, const char *v)
{
        size_t klen = strlen(k);
        _cleanup_free_ char *kv = NULL;
        if (asprintf(&kv, "%s=%s", k, v) < 0)
                return -ENOMEM;
        size_t i;
        json_t *e;
        json_array_foreach(env, i, e)
        {
                const char *s = json_string_value(e);
                if (s && strncmp(s, k, klen) == 0 && s[klen] == '=')
                        return json_array_set_new(env, i, json_string(kv)) < 0 ? -ENOMEM : 0;
        }
        return json_array_append_new(env, json_string(kv)) < 0 ? -ENOMEM : 0;
}

static int add_label(json_t *labels, const char *k, const char *v)
{
        return json_object_set_new(labels, k, json_string(v)) < 0 ? -ENOMEM : 0;
}

static json_t *object_member(json_t *obj, const char *key, bool array)
{
        json_t *m = json_object_get(obj, key);
        if (!m) {
                m = array ? json_array() : json_object();
                if (!m || json_object_set_new(obj, key, m) < 0)
                        return NULL;
        }
        return m;
}

static int parse_port(const char *s, size_t len, unsigned *ret)
{
        if (len == 0 || len > 5)
                return -EINVAL;
        unsigned v = 0;
        for (size_t i = 0; i < len; i++) {
                if (!isdigit((unsigned char)s[i]))
                        return -EINVAL;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (v == 0 || v > 65535)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int expose(json_t *ports, const char *spec, BerthError **err)
{
        const char *slash = strchr(spec, '/');
        size_t plen = slash ? (size_t)(slash - spec) : strlen(spec);
        const char *proto = slash ? slash + 1 : "tcp";
        if (strcasecmp(proto, "tcp") != 0 && strcasecmp(proto, "udp") != 0 &&
            strcasecmp(proto, "sctp") != 0)
                return error_set(err, EINVAL, "invalid proto: %s", proto);
        const char *dash = memchr(spec, '-', plen);
        unsigned lo, hi;
        if (dash) {
                if (parse_port(spec, (size_t)(dash - spec), &lo) < 0 ||
                    parse_port(dash + 1, plen - (size_t)(dash - spec) - 1, &hi) < 0 || hi < lo)
                        return error_set(err, EINVAL, "invalid range format for --expose: %s",
                                         spec);
        } else {
                if (parse_port(spec, plen, &lo) < 0)
                        return error_set(err, EINVAL, "invalid containerPort: %.*s", (int)plen,
                                         spec);
                hi = lo;
        }
        for (unsigned p = lo; p <= hi; p++) {
                char key[32];
                snprintf(key, sizeof(key), "%u/%s", p, proto);
                for (char *c = key; *c; c++)
                        *c = (char)tolower((unsigned char)*c);
                if (json_object_set_new(ports, key, json_object()) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static int workdir(json_t *cfg, const char *dir, BerthError **err)
{
        _cleanup_free_ char *path = NULL;
        if (dir[0] == '/') {
                path = strdup(dir);
        } else {
                const char *cur = json_string_value(json_object_get(cfg, "WorkingDir"));
                if (!cur || !*cur)
                        cur = "/";
                if (asprintf(&path, "%s%s%s", cur, cur[strlen(cur) - 1] == '/' ? "" : "/", dir) < 0)
                        path = NULL;
        }
        if (!path)
                return error_set(err, ENOMEM, "out of memory");
        return json_object_set_new(cfg, "WorkingDir", json_string(path)) < 0
                   ? error_set(err, ENOMEM, "out of memory")
                   : 0;
}

static int apply(json_t *cfg, const char *ins, const char *args, BerthError **err)
{
        int r;
        if (!*args)
                return error_set(err, EINVAL, "%s requires at least one argument", ins);
        if (STREQ(ins, "CMD") || STREQ(ins, "ENTRYPOINT")) {
                json_t *c = command(args);
                if (!c || json_object_set_new(cfg, STREQ(ins, "CMD") ? "Cmd" : "Entrypoint", c) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                return 0;
        }
        if (STREQ(ins, "ENV") || STREQ(ins, "LABEL")) {
                bool env = STREQ(ins, "ENV");
                json_t *t = object_member(cfg, env ? "Env" : "Labels", env);
                if (!t)
                        return error_set(err, ENOMEM, "out of memory");
                return name_values(ins, args, t, env ? add_env : add_label, err);
        }
        if (STREQ(ins, "WORKDIR"))
                return workdir(cfg, args, err);
        if (STREQ(ins, "USER") || STREQ(ins, "STOPSIGNAL")) {
                return json_object_set_new(cfg, STREQ(ins, "USER") ? "User" : "StopSignal",
                                           json_string(args)) < 0
                           ? error_set(err, ENOMEM, "out of memory")
                           : 0;
        }
        if (STREQ(ins, "EXPOSE") || STREQ(ins, "VOLUME")) {
                bool vol = STREQ(ins, "VOLUME");
                json_t *t = object_member(cfg, vol ? "Volumes" : "ExposedPorts", false);
                if (!t)
                        return error_set(err, ENOMEM, "out of memory");
                _cleanup_strv_free_ char **words = NULL;
                _cleanup_json_ json_t *j = vol ? json_form(args) : NULL;
                if (j) {
                        size_t i;
                        json_t *v;
                        json_array_foreach(j, i, v)
                        {
                                if (strv_append(&words, json_string_value(v)) < 0)
                                        return error_set(err, ENOMEM, "out of memory");
                        }
                } else if ((r = split_words(args, &words, err)) < 0) {
                        return error_prefix(err, "%s", ins);
                }
                STRV_FOREACH(w, words)
                {
                        if (vol) {
                                if (!**w)
                                        return error_set(err, EINVAL,
                                                         "VOLUME specified can not be an empty "
                                                         "string");
                                if (json_object_set_new(t, *w, json_object()) < 0)
                                        return error_set(err, ENOMEM, "out of memory");
                        } else if ((r = expose(t, *w, err)) < 0) {
                                return r;
                        }
                }
                return 0;
        }
        if (STREQ(ins, "ONBUILD")) {
                size_t n = strcspn(args, " \t");
                _cleanup_free_ char *line = strdup(args);
                if (!line)
                        return error_set(err, ENOMEM, "out of memory");
                for (size_t i = 0; i < n; i++)
                        line[i] = (char)toupper((unsigned char)line[i]);
                if (strncmp(line, "ONBUILD", n) == 0 && n == 7)
                        return error_set(err, EINVAL,
                                         "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
                json_t *t = object_member(cfg, "OnBuild", true);
                if (!t || json_array_append_new(t, json_string(line)) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                return 0;
        }
        return error_set(err, EINVAL, "%s is not a valid change command", ins);
}

/* One logical line: "INSTRUCTION args". */
static int apply_line(json_t *cfg, char *line, BerthError **err)
{
        while (isspace((unsigned char)*line))
                line++;
        size_t len = strlen(line);
        while (len > 0 && isspace((unsigned char)line[len - 1]))
                line[--len] = '\0';
        if (!*line || *line == '#')
                return 0;
        size_t n = strcspn(line, " \t");
        char ins[16];
        if (n >= sizeof(ins))
                return error_set(err, EINVAL, "%.*s is not a valid change command", (int)n, line);
        for (size_t i = 0; i < n; i++)
                ins[i] = (char)toupper((unsigned char)line[i]);
        ins[n] = '\0';
        const char *args = line + n;
        while (*args == ' ' || *args == '\t')
                args++;
        return apply(cfg, ins, args, err);
}

int api_images_parse_changes(char *const *changes, json_t **ret, BerthError **err)
{
        _cleanup_json_ json_t *cfg = json_object();
        if (!cfg)
                return error_set(err, ENOMEM, "out of memory");
        for (char *const *c = changes; c && *c; c++) {
                _cleanup_free_ char *text = strdup(*c);
                if (!text)
                        return error_set(err, ENOMEM, "out of memory");
                /* join continuation lines (a backslash at the end of a line) */
                char *line = text;
                for (char *p = text;; p++) {
                        if (*p == '\n' && p > text && p[-1] == '\\') {
                                p[-1] = ' ';
                                *p = ' ';
                                continue;
                        }
                        if (*p != '\n' && *p != '\0')
                                continue;
                        bool end = *p == '\0';
                        *p = '\0';
                        int r = apply_line(cfg, line, err);
                        if (r < 0)
                                return r;
                        if (end)
                                break;
                        line = p + 1;
                }
        }
        *ret = json_object_size(cfg) ? TAKE_PTR(cfg) : NULL;
        return 0;
}
