/* The engine's side of networking: a container's run joins its networks
 * (src/network) between its creation and the start of its process, and
 * leaves them when it exits. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "daemon/engine_internal.h"
#include "daemon/engine_net.h"
#include "daemon/specgen.h"
#include "network/network.h"

/* The request the network manager needs, from the container's record. */
static void net_request(const Ctr *c, NetContainerRequest *r)
{
        json_t *hc = c->host_config;
        *r = (NetContainerRequest){
            .id = c->id,
            .name = c->name[0] == '/' ? c->name + 1 : c->name,
            .hostname = json_string_value(json_object_get(c->config, "Hostname")),
            .network_mode = json_string_value(json_object_get(hc, "NetworkMode")),
            .port_bindings = json_object_get(hc, "PortBindings"),
            .publish_all = json_is_true(json_object_get(hc, "PublishAllPorts")),
            .exposed_ports = json_object_get(c->config, "ExposedPorts"),
            .same_ports = json_object_get(hc, "BerthSamePorts"),
            /* legacy links are the engine's (engine_links.c) */
        };
        r->endpoints_config =
            json_object_get(json_object_get(c->request, "NetworkingConfig"), "EndpointsConfig");
}

/* Adds NAME=VALUE items to process.env of the bundle's config.json. */
static int patch_env(const char *ctr_dir, char **env, BerthError **err)
{
        if (!env || !*env)
                return 0;
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/config.json", ctr_dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        _cleanup_json_ json_t *spec = NULL;
        int r = json_load_path(path, "config.json", &spec, err);
        if (r < 0)
                return r;
        json_t *penv = json_object_get(json_object_get(spec, "process"), "env");
        if (!json_is_array(penv))
                return error_set(err, EINVAL, "%s: process.env is not an array", path);
        STRV_FOREACH(kv, env)
        {
                size_t klen = strcspn(*kv, "=");
                size_t i;
                json_t *v;
                bool replaced = false;
                json_array_foreach(penv, i, v)
                {
                        const char *s = json_string_value(v);
                        if (s && strncmp(s, *kv, klen + 1) == 0) {
                                json_array_set_new(penv, i, json_string(*kv));
                                replaced = true;
                                break;
                        }
                }
                if (!replaced)
                        json_array_append_new(penv, json_string(*kv));
        }
        return json_dump_file_replace(path, spec, err);
}

/* The addresses of the network's hosts lines ("<addr>\t<names>\n"). */
static char **own_addresses(const char *lines)
{
        char **addrs = NULL;
        for (const char *l = lines; l && *l;) {
                size_t n = strcspn(l, "\t\n");
                _cleanup_free_ char *a = strndup(l, n);
                if (!a || (n > 0 && strv_push(&addrs, TAKE_PTR(a)) < 0))
                        return strv_free(addrs);
                l = strchr(l, '\n');
                l = l ? l + 1 : NULL;
        }
        return addrs ? addrs : calloc(1, sizeof(char *));
}

/* /etc/hosts, written once now that the addresses are known: Docker's
 * layout (specgen_write_hosts) with the links' lines and the container's
 * own addresses. Untouched when the container has no network of ours. */
static int write_hosts(const Ctr *c, const char *ctr_dir, const char *net_lines,
                       const char *link_lines, BerthError **err)
{
        if ((!net_lines || !*net_lines) && (!link_lines || !*link_lines))
                return 0;
        _cleanup_strv_free_ char **addrs = own_addresses(net_lines);
        if (!addrs)
                return error_set(err, ENOMEM, "out of memory");
        SpecgenInput in = {
            .id = c->id,
            .name = c->name[0] == '/' ? c->name + 1 : c->name,
            .request = c->request,
            .config = c->config,
            .container_dir = ctr_dir,
        };
        return specgen_write_hosts(&in, link_lines, addrs, err);
}

/* A file bind-mounted into a running container is rewritten in place (a
 * rename would leave the mount on the old file). */
static int rewrite_in_place(const char *path, const char *text, BerthError **err)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        size_t len = strlen(text);
        if (fd < 0 || write(fd, text, len) != (ssize_t)len)
                return error_set_errno(err, errno, "rewriting %s", path);
        return 0;
}

/* resolv.conf: the embedded DNS server replaces the nameservers; search
 * and options stay. A running container has the file bind-mounted: it is
 * then rewritten in place (a rename would leave the mount on the old one). */
static int patch_resolv(const char *ctr_dir, char **dns, bool in_place, BerthError **err)
{
        if (!dns || !*dns)
                return 0;
        _cleanup_free_ char *path = NULL, *text = NULL;
        if (asprintf(&path, "%s/resolv.conf", ctr_dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        int r = read_file(path, &text, NULL, err);
        if (r < 0)
                return r;
        char *out = NULL;
        size_t len = 0;
        _cleanup_fclose_ FILE *f = open_memstream(&out, &len);
        if (!f)
                return error_set(err, ENOMEM, "out of memory");
        STRV_FOREACH(ns, dns) fprintf(f, "nameserver %s\n", *ns);
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                if (strncmp(line, "nameserver", 10) != 0 && strncmp(line, "# ", 2) != 0)
                        fprintf(f, "%s\n", line);
        fclose(TAKE_PTR(f));
        r = in_place ? rewrite_in_place(path, out ? out : "", err)
                     : write_file_replace(path, out, len, 0644, err);
        free(out);
        return r;
}

int engine_net_prepare(Engine *e, Ctr *c, const char *ctr_dir, const char *link_hosts,
                       BerthError **err)
{
        NetContainerRequest req;
        pthread_mutex_lock(&e->lock);
        /* The request is copied: network connect edits it under the lock
         * while this start holds the container. */
        Ctr copy = {.request = json_deep_copy(c->request),
                    .config = json_incref(c->config),
                    .host_config = json_incref(c->host_config),
                    .name = strdup(c->name)};
        memcpy(copy.id, c->id, sizeof(copy.id));
        pthread_mutex_unlock(&e->lock);
        NetContainerPrep *prep = NULL;
        int r = copy.request && copy.name ? 0 : error_set(err, ENOMEM, "out of memory");
        if (r >= 0) {
                net_request(&copy, &req);
                r = net_container_prepare(e->net, &req, &prep, err);
        }
        if (r >= 0)
                r = patch_env(ctr_dir, prep->env, err);
        if (r >= 0)
                r = write_hosts(&copy, ctr_dir, prep->hosts_extra, link_hosts, err);
        if (r >= 0)
                r = patch_resolv(ctr_dir, prep->dns, false, err);
        json_decref(copy.request);
        json_decref(copy.config);
        json_decref(copy.host_config);
        free(copy.name);
        bool prepared = prep != NULL;
        net_container_prep_free(prep);
        if (r < 0 && prepared)
                (void)net_container_unplug(e->net, c->id, NULL);
        return r;
}

int engine_net_plug(Engine *e, const char *id, pid_t pid, BerthError **err)
{
        int r = net_container_plug(e->net, id, pid, err);
        if (r < 0)
                error_prefix(err, "connecting the container to its networks");
        return r;
}

void engine_net_unplug(Engine *e, const char *id)
{
        _cleanup_error_ BerthError *err = NULL;
        if (net_container_unplug(e->net, id, &err) < 0)
                log_warn("container %.12s: leaving its networks: %s", id, err->message);
}

static json_t *engine_net_settings(Engine *e, const Ctr *c)
{
        json_t *s = NULL;
        if (net_container_settings(e->net, c->id, &s, NULL) < 0)
                return NULL;
        if (c->pid > 0) {
                char key[64];
                snprintf(key, sizeof(key), "/proc/%d/ns/net", (int)c->pid);
                json_object_set_new(s, "SandboxKey", json_string(key));
        }
        /* Networks the container is configured for but not on (stopped):
         * shown with empty addresses, as Docker does. */
        json_t *nets = json_object_get(s, "Networks");
        const char *mode = json_string_value(json_object_get(c->host_config, "NetworkMode"));
        bool joined = mode && strncmp(mode, "container:", 10) == 0;
        if (mode && !joined && !json_object_get(nets, mode))
                json_object_set_new(
                    nets, mode,
                    json_pack("{s:n, s:n, s:n, s:s, s:n, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, "
                              "s:n}",
                              "IPAMConfig", "Links", "Aliases", "MacAddress", "", "DriverOpts",
                              "NetworkID", "", "EndpointID", "", "Gateway", "", "IPAddress", "",
                              "IPPrefixLen", 0, "IPv6Gateway", "", "GlobalIPv6Address", "",
                              "GlobalIPv6PrefixLen", 0, "DNSNames"));
        return s;
}

static json_t *engine_net_ports(Engine *e, const Ctr *c)
{
        json_t *p = NULL;
        if (net_container_ports(e->net, c->id, &p, NULL) < 0)
                return json_array();
        return p;
}

NetManager *engine_network(Engine *e)
{
        return e->net;
}

/* ---- /etc/hosts of a running container on connect and disconnect ----
 * As Docker: joining a network adds "<address>\t<names>" lines for the new
 * addresses, leaving removes them. The file is bind-mounted into the
 * container, so it is changed in place. */

/* The container's addresses on one network ("" when it has none). */
static void network_addrs(Engine *e, const char *id, const char *net_name, char ip4[64],
                          char ip6[64])
{
        ip4[0] = ip6[0] = '\0';
        json_t *settings = NULL;
        if (net_container_settings(e->net, id, &settings, NULL) < 0)
                return;
        json_t *ep = json_object_get(json_object_get(settings, "Networks"), net_name);
        const char *a = json_string_value(json_object_get(ep, "IPAddress"));
        const char *b = json_string_value(json_object_get(ep, "GlobalIPv6Address"));
        snprintf(ip4, 64, "%s", a ? a : "");
        snprintf(ip6, 64, "%s", b ? b : "");
        json_decref(settings);
}

static bool line_is_for(const char *line, const char *addr)
{
        size_t n = strlen(addr);
        return n > 0 && strncmp(line, addr, n) == 0 && (line[n] == '\t' || line[n] == ' ');
}

static void hosts_update(Engine *e, const char *id, const char *ip4, const char *ip6, bool add)
{
        if (!*ip4 && !*ip6)
                return;
        _cleanup_free_ char *dir = engine_ctr_dir(e, id);
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (!dir || asprintf(&path, "%s/hosts", dir) < 0 || read_file(path, &text, NULL, &err) < 0)
                return;
        char *out = NULL;
        size_t len = 0;
        _cleanup_fclose_ FILE *f = open_memstream(&out, &len);
        if (!f)
                return;
        /* the container's own lines come last: their names are reused */
        const char *names = NULL;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (!add && (line_is_for(line, ip4) || line_is_for(line, ip6)))
                        continue;
                fprintf(f, "%s\n", line);
                const char *tab = strchr(line, '\t');
                if (tab && !strstr(line, "localhost") && !strstr(line, "ip6-"))
                        names = tab + 1;
        }
        if (add && names) {
                if (*ip4)
                        fprintf(f, "%s\t%s\n", ip4, names);
                if (*ip6)
                        fprintf(f, "%s\t%s\n", ip6, names);
        }
        fclose(TAKE_PTR(f));
        if (rewrite_in_place(path, out ? out : "", &err) < 0)
                log_warn("container %.12s: %s", id, err->message);
        free(out);
}

void engine_net_cache_locked(Engine *e, Ctr *c)
{
        json_t *ns = engine_net_settings(e, c), *ports = engine_net_ports(e, c);
        json_decref(c->net_settings);
        json_decref(c->net_ports);
        c->net_settings = ns;
        c->net_ports = ports;
}

/* inspect and ps read the cached settings: refreshed when networks change */
static void refresh_cached_settings(Engine *e, const char *id)
{
        pthread_mutex_lock(&e->lock);
        Ctr *c = engine_find_locked(e, id, NULL);
        if (c && c->pid > 0)
                engine_net_cache_locked(e, c);
        pthread_mutex_unlock(&e->lock);
}

int engine_network_connect(Engine *e, const char *network, const char *container,
                           json_t *endpoint_config, BerthError **err)
{
        _cleanup_free_ char *net_id = NULL, *net_name = NULL;
        int r = net_network_lookup(e->net, network, &net_id, &net_name, err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&e->lock);
        Ctr *c = engine_find_locked(e, container, err);
        if (!c) {
                pthread_mutex_unlock(&e->lock);
                return -ENOENT;
        }
        ctr_ref(c);
        const char *mode = json_string_value(json_object_get(c->host_config, "NetworkMode"));
        if (mode &&
            (STREQ(mode, "host") || STREQ(mode, "none") || !strncmp(mode, "container:", 10))) {
                ctr_unref(c);
                pthread_mutex_unlock(&e->lock);
                return error_set(err, EPERM,
                                 "container cannot be disconnected from host network or "
                                 "connected to host network");
        }
        /* Recorded in the request so that the next start joins it too. */
        json_t *nc = json_object_get(c->request, "NetworkingConfig");
        if (!json_is_object(nc)) {
                nc = json_object();
                json_object_set_new(c->request, "NetworkingConfig", nc);
        }
        json_t *ec = json_object_get(nc, "EndpointsConfig");
        if (!json_is_object(ec)) {
                ec = json_object();
                json_object_set_new(nc, "EndpointsConfig", ec);
        }
        if (json_object_get(ec, net_name) ||
            (mode && (STREQ(mode, net_name) || STREQ(mode, net_id)) && c->pid > 0)) {
                ctr_unref(c);
                pthread_mutex_unlock(&e->lock);
                return error_set(err, EPERM, "endpoint with name %s already exists in network %s",
                                 c->name + 1, net_name);
        }
        json_object_set_new(ec, net_name,
                            json_is_object(endpoint_config) ? json_deep_copy(endpoint_config)
                                                            : json_object());
        /* The request is read after the lock is dropped: from a copy. */
        Ctr copy = {.request = json_deep_copy(c->request),
                    .config = json_incref(c->config),
                    .host_config = json_incref(c->host_config),
                    .name = strdup(c->name)};
        memcpy(copy.id, c->id, sizeof(copy.id));
        NetContainerRequest req;
        r = copy.request && copy.name ? 0 : error_set(err, ENOMEM, "out of memory");
        if (r >= 0)
                net_request(&copy, &req);
        pid_t pid = c->state == ENGINE_RUNNING || c->state == ENGINE_PAUSED ? c->pid : 0;
        engine_save_locked(e, c);
        pthread_mutex_unlock(&e->lock);
        if (r >= 0 && pid > 0)
                r = net_network_connect(e->net, net_name, &req, pid, err);
        pthread_mutex_lock(&e->lock);
        char id[65];
        memcpy(id, c->id, sizeof(id));
        if (r < 0) {
                json_object_del(ec, net_name);
                engine_save_locked(e, c);
        }
        json_decref(copy.request);
        json_decref(copy.config);
        json_decref(copy.host_config);
        free(copy.name);
        ctr_unref(c);
        pthread_mutex_unlock(&e->lock);
        if (r >= 0 && pid > 0 && !net_network_is_predefined(e->net, net_id)) {
                /* Now on a user network: names resolve through the embedded
                 * DNS server from here on. */
                _cleanup_free_ char *dir = engine_ctr_dir(e, id);
                char *dns[] = {(char *)"127.0.0.11", NULL};
                _cleanup_error_ BerthError *derr = NULL;
                if (dir && patch_resolv(dir, dns, true, &derr) < 0)
                        log_warn("container %.12s: %s", id, derr->message);
        }
        if (r >= 0 && pid > 0) {
                char ip4[64], ip6[64];
                network_addrs(e, id, net_name, ip4, ip6);
                hosts_update(e, id, ip4, ip6, true);
                refresh_cached_settings(e, id);
        }
        if (r >= 0)
                engine_event(e, "network", "connect", net_id,
                             json_pack("{s:s, s:s, s:s}", "container", id, "name", net_name, "type",
                                       "bridge"));
        return r;
}

int engine_network_disconnect(Engine *e, const char *network, const char *container, bool force,
                              BerthError **err)
{
        _cleanup_free_ char *net_id = NULL, *net_name = NULL;
        int r = net_network_lookup(e->net, network, &net_id, &net_name, err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&e->lock);
        Ctr *c = engine_find_locked(e, container, err);
        if (!c) {
                pthread_mutex_unlock(&e->lock);
                return -ENOENT;
        }
        char id[65];
        memcpy(id, c->id, sizeof(id));
        json_t *ec =
            json_object_get(json_object_get(c->request, "NetworkingConfig"), "EndpointsConfig");
        json_object_del(ec, net_name);
        json_object_del(ec, net_id);
        engine_save_locked(e, c);
        pthread_mutex_unlock(&e->lock);
        char ip4[64], ip6[64];
        network_addrs(e, id, net_name, ip4, ip6);
        r = net_network_disconnect(e->net, net_name, id, force, err);
        if (r >= 0) {
                hosts_update(e, id, ip4, ip6, false);
                refresh_cached_settings(e, id);
        }
        if (r >= 0)
                engine_event(e, "network", "disconnect", net_id,
                             json_pack("{s:s, s:s, s:s}", "container", id, "name", net_name, "type",
                                       "bridge"));
        return r;
}
