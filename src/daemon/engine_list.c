/* What GET /containers/json and /containers/{id}/json show: filters,
 * ContainerSummary, ContainerInspect. */
#include <errno.h>
#include <ftw.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "daemon/api_router.h"
#include "daemon/engine_internal.h"
#include "daemon/engine_links.h"

static const char *const list_filters[] = {
    "id",     "name",    "label",   "status", "exited", "ancestor",  "before",  "since",
    "volume", "network", "publish", "expose", "health", "isolation", "is-task", NULL,
};

/* "80", "80/udp", "8000-8080", "8000-8080/tcp" (nat.SplitProtoPort and
 * ParsePortRange): the protocol defaults to tcp. */
int engine_port_range_parse(const char *value, unsigned *ret_start, unsigned *ret_end, char *proto,
                            size_t proto_len)
{
        if (!value || !*value || value[0] == '/')
                return -EINVAL;
        const char *slash = strchr(value, '/');
        size_t port_len = slash ? (size_t)(slash - value) : strlen(value);
        const char *pr = slash && slash[1] ? slash + 1 : "tcp";
        if (strchr(pr, '/') || strlen(pr) >= proto_len)
                return -EINVAL;
        char port[32];
        if (port_len == 0 || port_len >= sizeof(port))
                return -EINVAL;
        memcpy(port, value, port_len);
        port[port_len] = '\0';
        unsigned long v[2];
        char *part = port, *dash = strchr(port, '-');
        if (dash)
                *dash = '\0';
        for (int k = 0; k < 2; k++) {
                const char *t = k == 0 ? part : dash ? dash + 1 : part;
                char *end;
                if (!*t || *t < '0' || *t > '9')
                        return -EINVAL;
                errno = 0;
                v[k] = strtoul(t, &end, 10);
                if (errno || *end || v[k] > 65535)
                        return -EINVAL;
        }
        if (v[1] < v[0])
                return -ERANGE;
        *ret_start = (unsigned)v[0];
        *ret_end = (unsigned)v[1];
        snprintf(proto, proto_len, "%s", pr);
        return 0;
}

static int check_port_filter(json_t *filters, const char *key, BerthError **err)
{
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(filters, key), i, v)
        {
                const char *s = json_string_value(v);
                unsigned a, b;
                char proto[16];
                if (s && strchr(s, ':'))
                        return error_set(err, EINVAL, "filter for '%s' should not contain ':': %s",
                                         key, s);
                int r = engine_port_range_parse(s, &a, &b, proto, sizeof(proto));
                if (r == -ERANGE)
                        return error_set(err, EINVAL,
                                         "error while looking up for %s %s: invalid range "
                                         "specified for port: %s",
                                         key, s, s);
                if (r < 0)
                        return error_set(err, EINVAL,
                                         "error while looking up for %s %s: invalid port '%s'", key,
                                         s ? s : "", s ? s : "");
        }
        return 0;
}

int engine_filters_check(json_t *filters, BerthError **err)
{
        int r = api_filters_validate(filters, list_filters, err);
        if (r < 0)
                return r;
        if ((r = check_port_filter(filters, "publish", err)) < 0 ||
            (r = check_port_filter(filters, "expose", err)) < 0)
                return r;
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(filters, "status"), i, v)
        {
                EngineRunState st;
                const char *s = json_string_value(v);
                if (!s || engine_state_parse(s, &st) < 0)
                        return error_set(err, EINVAL,
                                         "invalid filter 'status=%s': unrecognised filter value",
                                         s ? s : "");
        }
        json_array_foreach(json_object_get(filters, "exited"), i, v)
        {
                const char *s = json_string_value(v);
                char *end;
                if (!s || !*s || (strtol(s, &end, 10), *end))
                        return error_set(err, EINVAL, "invalid filter 'exited=%s'", s ? s : "");
        }
        json_array_foreach(json_object_get(filters, "health"), i, v)
        {
                const char *s = json_string_value(v);
                if (!s || !(STREQ(s, "starting") || STREQ(s, "healthy") || STREQ(s, "unhealthy") ||
                            STREQ(s, "none")))
                        return error_set(err, EINVAL, "Unrecognised filter value for health: %s",
                                         s ? s : "");
        }
        const char *regex_filters[] = {"id", "name"};
        for (size_t k = 0; k < ARRAY_SIZE(regex_filters); k++)
                json_array_foreach(json_object_get(filters, regex_filters[k]), i, v)
                {
                        regex_t re;
                        const char *s = json_string_value(v);
                        if (!s || regcomp(&re, s, REG_EXTENDED | REG_NOSUB) != 0)
                                return error_set(err, EINVAL, "invalid filter '%s=%s'",
                                                 regex_filters[k], s ? s : "");
                        regfree(&re);
                }
        return 0;
}

static bool regex_any(json_t *values, const char *a, const char *b)
{
        size_t i;
        json_t *v;
        json_array_foreach(values, i, v)
        {
                regex_t re;
                const char *s = json_string_value(v);
                if (!s || regcomp(&re, s, REG_EXTENDED | REG_NOSUB) != 0)
                        continue;
                bool m = (a && regexec(&re, a, 0, NULL, 0) == 0) ||
                         (b && regexec(&re, b, 0, NULL, 0) == 0);
                regfree(&re);
                if (m)
                        return true;
        }
        return false;
}

static bool labels_match(json_t *values, json_t *labels)
{
        size_t i;
        json_t *v;
        json_array_foreach(values, i, v)
        {
                const char *s = json_string_value(v);
                if (!s)
                        return false;
                const char *eq = strchr(s, '=');
                _cleanup_free_ char *key = eq ? strndup(s, (size_t)(eq - s)) : strdup(s);
                if (!key)
                        return false;
                json_t *have = json_object_get(labels, key);
                if (!json_is_string(have))
                        return false;
                if (eq && !STREQ(json_string_value(have), eq + 1))
                        return false;
        }
        return true;
}

static bool string_in(json_t *values, const char *s)
{
        size_t i;
        json_t *v;
        json_array_foreach(values, i, v)
        {
                if (json_is_string(v) && s && STREQ(json_string_value(v), s))
                        return true;
        }
        return false;
}

/* Whether a key of ports ("80/tcp", or a range) lies in a range of a
 * filter value: Docker's publish (HostConfig.PortBindings) and expose
 * (Config.ExposedPorts) filters. */
static bool ports_match(json_t *values, json_t *ports)
{
        size_t i;
        json_t *v;
        json_array_foreach(values, i, v)
        {
                unsigned fa, fb;
                char fproto[16];
                if (engine_port_range_parse(json_string_value(v), &fa, &fb, fproto,
                                            sizeof(fproto)) < 0)
                        continue;
                const char *key;
                json_t *ignored;
                json_object_foreach(ports, key, ignored)
                {
                        unsigned pa, pb;
                        char pproto[16];
                        if (engine_port_range_parse(key, &pa, &pb, pproto, sizeof(pproto)) < 0)
                                continue;
                        if (strcasecmp(pproto, fproto) == 0 && pa <= fb && fa <= pb)
                                return true;
                }
        }
        return false;
}

static json_t *mounts_json(const Ctr *c);

/* Docker's volume filter: a mount's volume name (a bind's source) or its
 * destination. */
static bool volumes_match(json_t *values, const Ctr *c)
{
        _cleanup_json_ json_t *mounts = mounts_json(c);
        size_t i, k;
        json_t *v, *m;
        json_array_foreach(values, i, v)
        {
                const char *want = json_string_value(v);
                if (!want)
                        continue;
                json_array_foreach(mounts, k, m)
                {
                        const char *name = json_string_value(json_object_get(m, "Name"));
                        const char *src = json_string_value(json_object_get(m, "Source"));
                        const char *dst = json_string_value(json_object_get(m, "Destination"));
                        if ((dst && STREQ(dst, want)) ||
                            (name && *name ? STREQ(name, want) : src && STREQ(src, want)))
                                return true;
                }
        }
        return false;
}

bool engine_filter_match(const Ctr *c, json_t *filters, const EngineFilterCtx *fc)
{
        json_t *f;
        if ((f = json_object_get(filters, "id")) && json_array_size(f) &&
            !regex_any(f, c->id, NULL))
                return false;
        if ((f = json_object_get(filters, "name")) && json_array_size(f) &&
            !regex_any(f, c->name, c->name + 1))
                return false;
        if ((f = json_object_get(filters, "label")) && json_array_size(f) &&
            !labels_match(f, json_object_get(c->config, "Labels")))
                return false;
        if ((f = json_object_get(filters, "status")) && json_array_size(f) &&
            !string_in(f, engine_state_name(c->state)))
                return false;
        if ((f = json_object_get(filters, "exited")) && json_array_size(f)) {
                if (c->state != ENGINE_EXITED || c->started_at == 0)
                        return false;
                bool ok = false;
                size_t i;
                json_t *v;
                json_array_foreach(f, i, v)
                {
                        const char *s = json_string_value(v);
                        if (s && atoi(s) == c->exit_code)
                                ok = true;
                }
                if (!ok)
                        return false;
        }
        if ((f = json_object_get(filters, "ancestor")) && json_array_size(f)) {
                bool ok = string_in(f, c->image);
                for (char **p = fc ? fc->ancestor_ids : NULL; !ok && p && *p; p++)
                        if (STREQ(*p, c->image_id))
                                ok = true;
                if (!ok)
                        return false;
        }
        if (fc && fc->before && c->created >= fc->before)
                return false;
        if (fc && fc->since && c->created <= fc->since)
                return false;
        if ((f = json_object_get(filters, "health")) && json_array_size(f) && !string_in(f, "none"))
                return false;
        if ((f = json_object_get(filters, "network")) && json_array_size(f)) {
                const char *mode =
                    json_string_value(json_object_get(c->host_config, "NetworkMode"));
                if (!mode || !*mode || STREQ(mode, "default"))
                        mode = "bridge";
                if (!string_in(f, mode))
                        return false;
        }
        if ((f = json_object_get(filters, "publish")) && json_array_size(f) &&
            !ports_match(f, json_object_get(c->host_config, "PortBindings")))
                return false;
        if ((f = json_object_get(filters, "expose")) && json_array_size(f) &&
            !ports_match(f, json_object_get(c->config, "ExposedPorts")))
                return false;
        if ((f = json_object_get(filters, "volume")) && json_array_size(f) && !volumes_match(f, c))
                return false;
        if ((f = json_object_get(filters, "is-task")) && json_array_size(f) &&
            !string_in(f, "false") && !string_in(f, "0"))
                return false;
        return true;
}

static const char *network_mode(const Ctr *c)
{
        const char *mode = json_string_value(json_object_get(c->host_config, "NetworkMode"));
        return mode && *mode ? mode : "default";
}

static json_t *networks_json(const Ctr *c)
{
        const char *mode = network_mode(c);
        if (STREQ(mode, "default"))
                mode = "bridge";
        json_t *nets = json_object();
        if (strncmp(mode, "container:", 10) == 0)
                return nets;
        json_object_set_new(
            nets, mode,
            json_pack("{s:n, s:n, s:n, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:n, s:n}",
                      "IPAMConfig", "Links", "Aliases", "MacAddress", "", "NetworkID", "",
                      "EndpointID", "", "Gateway", "", "IPAddress", "", "IPPrefixLen", 0,
                      "IPv6Gateway", "", "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0,
                      "DriverOpts", "DNSNames"));
        return nets;
}

/* HostConfig as inspect shows it: Links in Docker's stored form
 * "/db:/web/webdb", whatever form create was given. */
static json_t *inspect_host_config(const Ctr *c)
{
        if (!c->host_config)
                return json_object();
        json_t *links = json_object_get(c->host_config, "Links");
        if (json_array_size(links) == 0)
                return json_incref(c->host_config);
        json_t *hc = json_copy(c->host_config);
        json_t *out = json_array();
        const char *self = c->name && c->name[0] == '/' ? c->name + 1 : c->name ? c->name : "";
        size_t i;
        json_t *l;
        json_array_foreach(links, i, l)
        {
                char *name = NULL, *alias = NULL, *s = NULL;
                const char *spec = json_string_value(l);
                if (spec && links_parse(spec, &name, &alias, NULL) >= 0 &&
                    asprintf(&s, "/%s:/%s/%s", name, self, alias) >= 0)
                        json_array_append_new(out, json_string(s));
                else if (spec)
                        json_array_append_new(out, json_string(spec));
                free(name);
                free(alias);
                free(s);
        }
        if (!hc || !out || json_object_set_new(hc, "Links", out) < 0) {
                json_decref(hc);
                return json_incref(c->host_config);
        }
        return hc;
}

static json_t *mounts_json(const Ctr *c)
{
        json_t *out = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(c->host_config, "Binds"), i, v)
        {
                const char *s = json_string_value(v);
                if (!s)
                        continue;
                _cleanup_free_ char *copy = strdup(s);
                if (!copy)
                        continue;
                char *src = copy, *dst = strchr(copy, ':'), *mode = NULL;
                if (!dst)
                        continue;
                *dst++ = '\0';
                mode = strchr(dst, ':');
                if (mode)
                        *mode++ = '\0';
                bool rw = !(mode && (strstr(mode, "ro") == mode || strstr(mode, ",ro")));
                bool bind = src[0] == '/';
                json_array_append_new(out,
                                      json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type",
                                                bind ? "bind" : "volume", bind ? "Source" : "Name",
                                                src, "Destination", dst, "Mode", mode ? mode : "",
                                                "RW", rw, "Propagation", bind ? "rprivate" : ""));
        }
        json_array_foreach(json_object_get(c->host_config, "Mounts"), i, v)
        {
                const char *type = json_string_value(json_object_get(v, "Type"));
                const char *src = json_string_value(json_object_get(v, "Source"));
                const char *dst = json_string_value(json_object_get(v, "Target"));
                if (!type || !dst)
                        continue;
                json_array_append_new(
                    out, json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type", type, "Source",
                                   src ? src : "", "Destination", dst, "Mode", "", "RW",
                                   !json_is_true(json_object_get(v, "ReadOnly")), "Propagation",
                                   STREQ(type, "bind") ? "rprivate" : ""));
        }
        return out;
}

/* Path and Args: the entrypoint and command as Docker splits them. */
static void path_args(const Ctr *c, const char **ret_path, json_t **ret_args)
{
        json_t *all = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(c->config, "Entrypoint"), i, v)
            json_array_append(all, v);
        json_array_foreach(json_object_get(c->config, "Cmd"), i, v) json_array_append(all, v);
        *ret_path = "";
        if (json_array_size(all) > 0) {
                *ret_path = json_string_value(json_array_get(all, 0));
                json_array_remove(all, 0);
        }
        *ret_args = all;
}

/* ---- ContainerSummary as text: GET /containers/json builds thousands of
 * them, and jansson objects cost an allocation per field. ---- */

static bool sb_grow(EngineBuf *b, size_t more)
{
        if (b->oom)
                return false;
        if (b->len + more + 1 <= b->cap)
                return true;
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + more + 1)
                cap *= 2;
        char *n = realloc(b->data, cap);
        if (!n) {
                b->oom = true;
                return false;
        }
        b->data = n;
        b->cap = cap;
        return true;
}

void engine_buf_put(EngineBuf *b, const char *s, size_t n)
{
        if (!sb_grow(b, n))
                return;
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
}

static void sb_puts(EngineBuf *b, const char *s)
{
        engine_buf_put(b, s, strlen(s));
}

static void sb_printf(EngineBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(EngineBuf *b, const char *fmt, ...)
{
        char tmp[256];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t)n < sizeof(tmp)) {
                engine_buf_put(b, tmp, (size_t)n);
                return;
        }
        if (!sb_grow(b, (size_t)n))
                return;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
}

/* A JSON string literal (the input is valid UTF-8: it came from JSON). */
static void sb_str(EngineBuf *b, const char *s)
{
        if (!s)
                s = "";
        engine_buf_put(b, "\"", 1);
        const char *run = s;
        for (; *s; s++) {
                unsigned char ch = (unsigned char)*s;
                if (ch >= 0x20 && ch != '"' && ch != '\\')
                        continue;
                engine_buf_put(b, run, (size_t)(s - run));
                char esc[8];
                switch (ch) {
                case '"':
                        engine_buf_put(b, "\\\"", 2);
                        break;
                case '\\':
                        engine_buf_put(b, "\\\\", 2);
                        break;
                case '\n':
                        engine_buf_put(b, "\\n", 2);
                        break;
                case '\t':
                        engine_buf_put(b, "\\t", 2);
                        break;
                case '\r':
                        engine_buf_put(b, "\\r", 2);
                        break;
                default:
                        snprintf(esc, sizeof(esc), "\\u%04x", ch);
                        engine_buf_put(b, esc, 6);
                }
                run = s + 1;
        }
        engine_buf_put(b, run, (size_t)(s - run));
        engine_buf_put(b, "\"", 1);
}

static void sb_json(EngineBuf *b, json_t *j)
{
        char *t = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!t) {
                b->oom = true;
                return;
        }
        sb_puts(b, t);
        free(t);
}

void engine_summary_append(EngineBuf *b, const Ctr *c, int64_t now, const int64_t *sizes)
{
        char status[128];
        engine_status_string(c, now, status, sizeof(status));
        sb_puts(b, "{\"Id\":");
        sb_str(b, c->id);
        sb_puts(b, ",\"Names\":[");
        sb_str(b, c->name);
        sb_puts(b, "],\"Image\":");
        sb_str(b, c->image);
        sb_puts(b, ",\"ImageID\":");
        sb_str(b, c->image_id);
        /* Command: the entrypoint and command joined by spaces */
        sb_puts(b, ",\"Command\":\"");
        bool first = true;
        const char *keys[] = {"Entrypoint", "Cmd"};
        for (size_t k = 0; k < 2; k++) {
                size_t i;
                json_t *v;
                json_array_foreach(json_object_get(c->config, keys[k]), i, v)
                {
                        if (!first)
                                engine_buf_put(b, " ", 1);
                        first = false;
                        size_t at = b->len;
                        sb_str(b, json_string_value(v));
                        /* drop the quotes sb_str added */
                        if (!b->oom && b->len >= at + 2) {
                                memmove(b->data + at, b->data + at + 1, b->len - at - 2);
                                b->len -= 2;
                                b->data[b->len] = '\0';
                        }
                }
        }
        sb_printf(b, "\",\"Created\":%lld,\"Ports\":", (long long)(c->created / 1000000000LL));
        if (c->net_ports)
                sb_json(b, c->net_ports);
        else
                sb_puts(b, "[]");
        sb_puts(b, ",\"Labels\":{");
        const char *key;
        json_t *val;
        first = true;
        json_object_foreach(json_object_get(c->config, "Labels"), key, val)
        {
                if (!json_is_string(val))
                        continue;
                if (!first)
                        engine_buf_put(b, ",", 1);
                first = false;
                sb_str(b, key);
                engine_buf_put(b, ":", 1);
                sb_str(b, json_string_value(val));
        }
        sb_puts(b, "},\"State\":");
        sb_str(b, engine_state_name(c->state));
        sb_puts(b, ",\"Status\":");
        sb_str(b, status);
        if (sizes)
                sb_printf(b, ",\"SizeRw\":%lld,\"SizeRootFs\":%lld", (long long)sizes[0],
                          (long long)sizes[1]);
        const char *mode = network_mode(c);
        sb_puts(b, ",\"HostConfig\":{\"NetworkMode\":");
        sb_str(b, mode);
        sb_puts(b, "},\"NetworkSettings\":{\"Networks\":");
        json_t *nets = json_object_get(c->net_settings, "Networks");
        if (json_object_size(nets)) {
                sb_json(b, nets);
                sb_puts(b, "}");
                goto mounts;
        }
        sb_puts(b, "{");
        if (STREQ(mode, "default"))
                mode = "bridge";
        if (strncmp(mode, "container:", 10) != 0) {
                sb_str(b, mode);
                sb_puts(b, ":{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":null,"
                           "\"MacAddress\":\"\",\"NetworkID\":\"\",\"EndpointID\":\"\","
                           "\"Gateway\":\"\",\"IPAddress\":\"\",\"IPPrefixLen\":0,"
                           "\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\","
                           "\"GlobalIPv6PrefixLen\":0,\"DriverOpts\":null,\"DNSNames\":null}");
        }
        sb_puts(b, "}}");
mounts:
        sb_puts(b, ",\"Mounts\":");
        if (json_array_size(json_object_get(c->host_config, "Binds")) ||
            json_array_size(json_object_get(c->host_config, "Mounts"))) {
                json_t *m = mounts_json(c);
                sb_json(b, m);
                json_decref(m);
        } else {
                sb_puts(b, "[]");
        }
        sb_puts(b, "}");
}

static __thread int64_t walk_total;

static int walk_add(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)path;
        (void)ftw;
        if (flag == FTW_F || flag == FTW_SL)
                walk_total += st->st_size;
        return 0;
}

void engine_ctr_sizes(Engine *e, const char *id, const char *image_id, int64_t *ret_rw,
                      int64_t *ret_rootfs)
{
        *ret_rw = *ret_rootfs = 0;
        char upper[4200];
        snprintf(upper, sizeof(upper), "%s/%s/upper", e->containers_dir, id);
        walk_total = 0;
        if (nftw(upper, walk_add, 16, FTW_PHYS | FTW_MOUNT) == 0)
                *ret_rw = walk_total;
        json_t *img = NULL;
        int64_t image_size = 0;
        if (e->images && img_store_inspect(e->images, image_id, &img, NULL) >= 0) {
                image_size = json_integer_value(json_object_get(img, "Size"));
                json_decref(img);
        }
        *ret_rootfs = *ret_rw + image_size;
}

json_t *engine_summary(const Ctr *c, int64_t now)
{
        EngineBuf b = {0};
        engine_summary_append(&b, c, now, NULL);
        json_t *j = NULL;
        if (!b.oom && b.data) {
                json_error_t jerr;
                j = json_loadb(b.data, b.len, 0, &jerr);
        }
        free(b.data);
        return j;
}

json_t *engine_inspect_json(Engine *e, const Ctr *c, int64_t now)
{
        (void)now;
        char created[64], started[64], finished[64];
        engine_time_format(c->created, created, sizeof(created));
        engine_time_format(c->started_at, started, sizeof(started));
        engine_time_format(c->finished_at, finished, sizeof(finished));
        const char *path;
        json_t *args;
        path_args(c, &path, &args);
        _cleanup_free_ char *dir = engine_ctr_dir(e, c->id);
        _cleanup_free_ char *log_path = engine_log_path(e, c);
        char resolv[4200], hostname[4200], hosts[4200];
        snprintf(resolv, sizeof(resolv), "%s/resolv.conf", dir ? dir : "");
        snprintf(hostname, sizeof(hostname), "%s/hostname", dir ? dir : "");
        snprintf(hosts, sizeof(hosts), "%s/hosts", dir ? dir : "");
        bool live = c->state == ENGINE_RUNNING || c->state == ENGINE_PAUSED;
        const char *driver = e && e->images ? img_store_driver_name(e->images) : "";
        json_t *state = json_pack(
            "{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}", "Status",
            engine_state_name(c->state), "Running", live || c->state == ENGINE_RESTARTING, "Paused",
            c->state == ENGINE_PAUSED, "Restarting", c->state == ENGINE_RESTARTING, "OOMKilled",
            c->oom_killed, "Dead", c->state == ENGINE_DEAD, "Pid", live ? (int)c->pid : 0,
            "ExitCode", c->exit_code, "Error", c->error ? c->error : "", "StartedAt", started,
            "FinishedAt", finished);
        json_t *gd_data = json_object();
        if (c->rootfs)
                json_object_set_new(gd_data, "MergedDir", json_string(c->rootfs));
        json_t *j = json_pack(
            "{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s, s:s?, s:s, s:i, s:s, s:s, s:s, s:s, "
            "s:s, s:n, s:o, s:{s:s, s:o}, s:o, s:o}",
            "Id", c->id, "Created", created, "Path", path ? path : "", "Args", args, "State", state,
            "Image", c->image_id, "ResolvConfPath", resolv, "HostnamePath", hostname, "HostsPath",
            hosts, "LogPath", log_path, "Name", c->name, "RestartCount", c->restart_count, "Driver",
            driver, "Platform", "linux", "MountLabel", "", "ProcessLabel", "", "AppArmorProfile",
            "", "ExecIDs", "HostConfig", inspect_host_config(c), "GraphDriver", "Name", driver,
            "Data", gd_data, "Mounts", mounts_json(c), "Config",
            c->config ? json_incref(c->config) : json_object());
        if (!j)
                return NULL;
        json_t *ns =
            json_pack("{s:s, s:s, s:b, s:s, s:{}, s:s, s:n, s:n, s:s, s:s, s:i, s:s, "
                      "s:i, s:s, s:s, s:s, s:o}",
                      "Bridge", "", "SandboxID", "", "HairpinMode", 0, "LinkLocalIPv6Address", "",
                      "Ports", "SandboxKey", "", "SecondaryIPAddresses", "SecondaryIPv6Addresses",
                      "EndpointID", "", "Gateway", "", "GlobalIPv6PrefixLen", 0, "IPAddress", "",
                      "IPPrefixLen", 0, "IPv6Gateway", "", "GlobalIPv6Address", "", "MacAddress",
                      "", "Networks", networks_json(c));
        if (c->net_settings) {
                json_decref(ns);
                ns = json_deep_copy(c->net_settings);
        }
        json_object_set_new(j, "NetworkSettings", ns ? ns : json_object());
        return j;
}
