/* Legacy links: Docker's link environment and hosts lines (engine_links.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "daemon/engine_links.h"

/* A container: mode may point at another container's network: the link
 * goes to the container that owns it (bounded, a chain cannot loop). */
#define MAX_NET_CHAIN 16

int links_parse(const char *spec, char **ret_name, char **ret_alias, BerthError **err)
{
        *ret_name = *ret_alias = NULL;
        if (!spec || !*spec)
                return error_set(err, EINVAL, "empty string specified for links");
        const char *colon = strchr(spec, ':');
        if (colon && strchr(colon + 1, ':'))
                return error_set(err, EINVAL, "bad format for links: %s", spec);
        const char *name = spec[0] == '/' ? spec + 1 : spec;
        size_t nlen = colon ? (size_t)(colon - name) : strlen(name);
        const char *alias = colon ? colon + 1 : name;
        size_t alen = colon ? strlen(alias) : nlen;
        /* the stored form "/db:/web/webdb": the alias is the last element */
        const char *slash = memrchr(alias, '/', alen);
        if (slash) {
                alen -= (size_t)(slash + 1 - alias);
                alias = slash + 1;
        }
        if (nlen == 0 || alen == 0)
                return error_set(err, EINVAL, "bad format for links: %s", spec);
        *ret_name = strndup(name, nlen);
        *ret_alias = strndup(alias, alen);
        if (!*ret_name || !*ret_alias) {
                free(TAKE_PTR(*ret_name));
                free(TAKE_PTR(*ret_alias));
                return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

typedef struct LinkPort {
        unsigned num;
        char proto[16]; /* lower case, as in ExposedPorts */
} LinkPort;

/* TCP before every other protocol, then by protocol, then by number. */
static int port_cmp(const void *a, const void *b)
{
        const LinkPort *x = a, *y = b;
        int c = strcmp(x->proto, y->proto);
        if (c != 0) {
                if (STREQ(x->proto, "tcp"))
                        return -1;
                if (STREQ(y->proto, "tcp"))
                        return 1;
                return c;
        }
        return x->num < y->num ? -1 : x->num > y->num;
}

/* "5432/tcp" or "5432" (tcp); false for anything else. */
static bool port_parse(const char *key, LinkPort *ret)
{
        char *end;
        if (!isdigit((unsigned char)key[0]))
                return false;
        unsigned long n = strtoul(key, &end, 10);
        if (n == 0 || n > 65535 || (*end && *end != '/'))
                return false;
        const char *proto = *end ? end + 1 : "tcp";
        if (!*proto || strlen(proto) >= sizeof(ret->proto))
                return false;
        ret->num = (unsigned)n;
        for (size_t i = 0; i <= strlen(proto); i++)
                ret->proto[i] = (char)tolower((unsigned char)proto[i]);
        return true;
}

static void upper(char *s)
{
        for (; *s; s++)
                *s = (char)toupper((unsigned char)*s);
}

/* strv_push of a formatted string; a failure is remembered in *oom. */
static void add(char ***v, bool *oom, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char ***v, bool *oom, const char *fmt, ...)
{
        if (*oom)
                return;
        va_list ap;
        va_start(ap, fmt);
        char *s = NULL;
        int n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0 || strv_push(v, s) < 0) /* strv_push frees s on failure */
                *oom = true;
}

int links_env(const char *link_name, const char *ip, json_t *exposed_ports, json_t *env,
              char ***ret)
{
        *ret = NULL;
        const char *last = strrchr(link_name, '/');
        _cleanup_free_ char *alias = strdup(last ? last + 1 : link_name);
        _cleanup_free_ LinkPort *ports =
            calloc(json_object_size(exposed_ports) + 1, sizeof(*ports));
        if (!alias || !ports)
                return -ENOMEM;
        upper(alias);
        for (char *p = alias; *p; p++)
                if (*p == '-')
                        *p = '_';
        size_t n = 0;
        const char *key;
        json_t *v;
        json_object_foreach(exposed_ports, key, v)
        {
                if (port_parse(key, &ports[n]))
                        n++;
        }
        qsort(ports, n, sizeof(*ports), port_cmp);

        _cleanup_strv_free_ char **out = NULL;
        bool oom = false;
        size_t start = 0; /* the first port of the current run */
        for (size_t i = 0; i < n; i++) {
                const LinkPort *p = &ports[i];
                char up[sizeof(p->proto)];
                memcpy(up, p->proto, sizeof(up));
                upper(up);
                if (i == 0)
                        add(&out, &oom, "%s_PORT=%s://%s:%u", alias, p->proto, ip, p->num);
                add(&out, &oom, "%s_PORT_%u_%s=%s://%s:%u", alias, p->num, up, p->proto, ip,
                    p->num);
                add(&out, &oom, "%s_PORT_%u_%s_ADDR=%s", alias, p->num, up, ip);
                add(&out, &oom, "%s_PORT_%u_%s_PORT=%u", alias, p->num, up, p->num);
                add(&out, &oom, "%s_PORT_%u_%s_PROTO=%s", alias, p->num, up, p->proto);
                /* A run of consecutive ports of one protocol ends here when
                 * the next port does not continue it. */
                const LinkPort *next = i + 1 < n ? &ports[i + 1] : NULL;
                if (next && next->num == p->num + 1 && STREQ(next->proto, p->proto))
                        continue;
                const LinkPort *s = &ports[start];
                if (s != p) {
                        char sup[sizeof(s->proto)];
                        memcpy(sup, s->proto, sizeof(sup));
                        upper(sup);
                        add(&out, &oom, "%s_PORT_%u_%s_START=%s://%s:%u", alias, s->num, sup,
                            s->proto, ip, s->num);
                        add(&out, &oom, "%s_PORT_%u_%s_PORT_START=%u", alias, s->num, sup, s->num);
                        add(&out, &oom, "%s_PORT_%u_%s_END=%s://%s:%u", alias, s->num, sup,
                            p->proto, ip, p->num);
                        add(&out, &oom, "%s_PORT_%u_%s_PORT_END=%u", alias, s->num, sup, p->num);
                }
                start = i + 1;
        }
        add(&out, &oom, "%s_NAME=%s", alias, link_name);
        size_t i;
        json_array_foreach(env, i, v)
        {
                const char *kv = json_string_value(v);
                const char *eq = kv ? strchr(kv, '=') : NULL;
                if (!eq)
                        continue;
                size_t klen = (size_t)(eq - kv);
                /* set by image builds, of no use to the linking container */
                if (klen == 4 && (!strncmp(kv, "HOME", 4) || !strncmp(kv, "PATH", 4)))
                        continue;
                add(&out, &oom, "%s_ENV_%s", alias, kv);
        }
        if (oom)
                return -ENOMEM;
        if (!out && !(out = calloc(1, sizeof(*out))))
                return -ENOMEM;
        *ret = TAKE_PTR(out);
        return 0;
}

int links_hosts_lines(char **hosts, const char *alias, const char *hostname, const char *name,
                      const char *ip, const char *ip6)
{
        _cleanup_free_ char *names = NULL;
        bool with_name = name && *name && !STREQ(alias, name);
        if (asprintf(&names, "%s%s%s%s%s", alias, hostname && *hostname ? " " : "",
                     hostname ? hostname : "", with_name ? " " : "", with_name ? name : "") < 0)
                return -ENOMEM;
        char *out = NULL;
        bool v6 = ip6 && *ip6;
        if (asprintf(&out, "%s%s\t%s\n%s%s%s%s", *hosts ? *hosts : "", ip, names, v6 ? ip6 : "",
                     v6 ? "\t" : "", v6 ? names : "", v6 ? "\n" : "") < 0)
                return -ENOMEM;
        free(*hosts);
        *hosts = out;
        return 0;
}

bool engine_links_apply(json_t *host_config)
{
        if (json_array_size(json_object_get(host_config, "Links")) == 0)
                return false;
        const char *mode = json_string_value(json_object_get(host_config, "NetworkMode"));
        return !mode || !*mode || STREQ(mode, "default") || STREQ(mode, "bridge");
}

void engine_links_clear(EngineLinks *l)
{
        strv_free(TAKE_PTR(l->env));
        free(TAKE_PTR(l->hosts));
}

/* Under lock: the container a link names, following container: network
 * modes to the one that owns the network; NULL + err (Docker's words). */
static Ctr *find_target_locked(Engine *e, const char *name, BerthError **err)
{
        const char *want = name;
        for (int hop = 0; hop < MAX_NET_CHAIN; hop++) {
                _cleanup_error_ BerthError *ferr = NULL;
                Ctr *t = engine_find_locked(e, want, &ferr);
                if (!t) {
                        /* an invalid parameter, not "not found": the docker
                         * client would report a missing image otherwise */
                        error_set(err, EINVAL, "could not get container for %s: %s", want,
                                  ferr && ferr->message ? ferr->message : "not found");
                        return NULL;
                }
                const char *mode =
                    json_string_value(json_object_get(t->host_config, "NetworkMode"));
                if (!mode || strncmp(mode, "container:", 10) != 0)
                        return t;
                want = mode + 10;
        }
        error_set(err, EINVAL, "could not get container for %s: too many container: network hops",
                  name);
        return NULL;
}

static bool uses_host_network(const Ctr *t)
{
        const char *mode = json_string_value(json_object_get(t->host_config, "NetworkMode"));
        return mode && STREQ(mode, "host");
}

int engine_links_check(Engine *e, json_t *host_config, BerthError **err)
{
        if (!engine_links_apply(host_config))
                return 0;
        size_t i;
        json_t *l;
        json_array_foreach(json_object_get(host_config, "Links"), i, l)
        {
                _cleanup_free_ char *name = NULL, *alias = NULL;
                int r = links_parse(json_string_value(l), &name, &alias, err);
                if (r < 0)
                        return r;
                pthread_mutex_lock(&e->lock);
                Ctr *t = find_target_locked(e, name, err);
                bool host = t && uses_host_network(t);
                pthread_mutex_unlock(&e->lock);
                if (!t)
                        return -EINVAL;
                if (host)
                        return error_set(err, EINVAL,
                                         "conflicting options: host type networking can't be "
                                         "used with links. This would result in undefined "
                                         "behavior");
        }
        return 0;
}

/* What a link needs of its target, copied under the lock. */
typedef struct Target {
        char *name; /* "/db" */
        char *hostname;
        char *ip, *ip6;
        json_t *exposed_ports, *env;
} Target;

static void target_clear(Target *t)
{
        free(t->name);
        free(t->hostname);
        free(t->ip);
        free(t->ip6);
        json_decref(t->exposed_ports);
        json_decref(t->env);
}

static int target_get(Engine *e, const char *name, const char *link_name, Target *ret,
                      BerthError **err)
{
        pthread_mutex_lock(&e->lock);
        int r = 0;
        Ctr *t = find_target_locked(e, name, err);
        if (!t) {
                r = -EINVAL;
                goto out;
        }
        if (t->state != ENGINE_RUNNING && t->state != ENGINE_PAUSED) {
                r = error_set(err, EIO, "Cannot link to a non running container: %s AS %s", t->name,
                              link_name);
                goto out;
        }
        json_t *bridge = json_object_get(json_object_get(t->net_settings, "Networks"), "bridge");
        const char *ip = json_string_value(json_object_get(bridge, "IPAddress"));
        const char *ip6 = json_string_value(json_object_get(bridge, "GlobalIPv6Address"));
        if (!ip || !*ip) {
                r = error_set(err, EIO,
                              "Cannot link to %s, as it does not belong to the default "
                              "network",
                              t->name);
                goto out;
        }
        const char *hn = json_string_value(json_object_get(t->config, "Hostname"));
        *ret = (Target){
            .name = strdup(t->name),
            .hostname = strdup(hn ? hn : ""),
            .ip = strdup(ip),
            .ip6 = ip6 && *ip6 ? strdup(ip6) : NULL,
            .exposed_ports = json_deep_copy(json_object_get(t->config, "ExposedPorts")),
            .env = json_deep_copy(json_object_get(t->config, "Env")),
        };
        if (!ret->name || !ret->hostname || !ret->ip)
                r = error_set(err, ENOMEM, "out of memory");
out:
        pthread_mutex_unlock(&e->lock);
        return r;
}

int engine_links_resolve(Engine *e, const char *self_name, json_t *host_config, EngineLinks *ret,
                         BerthError **err)
{
        *ret = (EngineLinks){0};
        if (!engine_links_apply(host_config))
                return 0;
        const char *self = self_name[0] == '/' ? self_name + 1 : self_name;
        size_t i;
        json_t *l;
        int r = 0;
        json_array_foreach(json_object_get(host_config, "Links"), i, l)
        {
                _cleanup_free_ char *name = NULL, *alias = NULL, *link_name = NULL;
                r = links_parse(json_string_value(l), &name, &alias, err);
                if (r < 0)
                        break;
                if (asprintf(&link_name, "/%s/%s", self, alias) < 0) {
                        r = error_set(err, ENOMEM, "out of memory");
                        break;
                }
                Target t = {0};
                r = target_get(e, name, link_name, &t, err);
                _cleanup_strv_free_ char **env = NULL;
                if (r >= 0 && (links_env(link_name, t.ip, t.exposed_ports, t.env, &env) < 0 ||
                               links_hosts_lines(&ret->hosts, alias, t.hostname, t.name + 1, t.ip,
                                                 t.ip6) < 0))
                        r = error_set(err, ENOMEM, "out of memory");
                STRV_FOREACH(kv, env)
                if (r >= 0 && strv_append(&ret->env, *kv) < 0)
                        r = error_set(err, ENOMEM, "out of memory");
                target_clear(&t);
                if (r < 0)
                        break;
        }
        if (r < 0)
                engine_links_clear(ret);
        return r;
}
