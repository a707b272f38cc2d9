/* Containers on networks: prepare (addresses, host ports), plug (devices,
 * rules), unplug, and what inspect and ps show. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "network/link.h"
#include "network/net_internal.h"
#include "network/portspec.h"

#define LOCK(m)   pthread_mutex_lock(&(m)->lock)
#define UNLOCK(m) pthread_mutex_unlock(&(m)->lock)

void net_container_prep_free(NetContainerPrep *p)
{
        if (!p)
                return;
        strv_free(p->env);
        free(p->hosts_extra);
        strv_free(p->dns);
        free(p);
}

static bool mode_is_ours(const char *mode)
{
        return !(STREQ(mode, "none") || STREQ(mode, "host") || !strncmp(mode, "container:", 10));
}

static const char *default_network(const char *mode)
{
        return !*mode || STREQ(mode, "default") ? "bridge" : mode;
}

/* ---- host ports ---- */

static bool port_taken_by_us(NetManager *m, const char *proto, uint32_t ip, unsigned port)
{
        for (size_t i = 0; i < m->n_ports; i++) {
                const NetPortRec *p = &m->ports[i];
                if (STREQ(p->proto, proto) && port >= p->host_first && port <= p->host_last &&
                    (!p->host_ip || !ip || p->host_ip == ip))
                        return true;
        }
        return false;
}

/* Whether a process of the host holds the port (a bind test). */
static bool port_bound_on_host(const char *proto, uint32_t ip, unsigned port)
{
        if (STREQ(proto, "sctp"))
                return false;
        _cleanup_close_ int fd =
            socket(AF_INET, (STREQ(proto, "udp") ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return false;
        struct sockaddr_in sa = {
            .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(ip)};
        return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EADDRINUSE;
}

static bool port_free(NetManager *m, const char *proto, uint32_t ip, unsigned port)
{
        return !port_taken_by_us(m, proto, ip, port) &&
               (m->no_host_changes || !port_bound_on_host(proto, ip, port));
}

static void ephemeral_range(unsigned *lo, unsigned *hi)
{
        *lo = 49153;
        *hi = 60999;
        _cleanup_fclose_ FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
        unsigned a, b;
        if (f && fscanf(f, "%u %u", &a, &b) == 2 && a > 0 && a <= b && b <= 65535) {
                *lo = a;
                *hi = b;
        }
}

static int pick_port(NetManager *m, const char *proto, uint32_t ip, unsigned lo, unsigned hi,
                     uint16_t *ret, BerthError **err)
{
        static unsigned cursor;
        unsigned n = hi - lo + 1;
        unsigned start = cursor % n;
        for (unsigned k = 0; k < n; k++) {
                unsigned port = lo + (start + k) % n;
                if (port_free(m, proto, ip, port)) {
                        cursor = start + k + 1;
                        *ret = (uint16_t)port;
                        return 0;
                }
        }
        return error_set(err, EADDRINUSE, "no free host port in %u-%u/%s", lo, hi, proto);
}

static int add_port(NetManager *m, const NetPortRec *p)
{
        NetPortRec *v = reallocarray(m->ports, m->n_ports + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v[m->n_ports++] = *p;
        m->ports = v;
        return 0;
}

static void drop_ports(NetManager *m, const char *id)
{
        size_t j = 0;
        for (size_t i = 0; i < m->n_ports; i++)
                if (!STREQ(m->ports[i].container_id, id))
                        m->ports[j++] = m->ports[i];
        m->n_ports = j;
}

static int bind_fail(BerthError **err, uint32_t ip, unsigned port)
{
        char buf[16];
        return error_set(err, EADDRINUSE, "Bind for %s:%u failed: port is already allocated",
                         net_ip4_format(ip, buf, sizeof(buf)), port);
}

/* One PortBindings item for container port cport. */
static int publish_one(NetManager *m, const char *id, const char *proto, unsigned cport,
                       uint32_t cip, json_t *binding, BerthError **err)
{
        const char *hip_s = json_string_value(json_object_get(binding, "HostIp"));
        const char *hport = json_string_value(json_object_get(binding, "HostPort"));
        uint32_t hip = 0;
        if (hip_s && *hip_s && !STREQ(hip_s, "0.0.0.0")) {
                if (strchr(hip_s, ':'))
                        return 0; /* IPv6 host addresses arrive with --ipv6 */
                if (net_ip4_parse(hip_s, &hip) < 0)
                        return error_set(err, EINVAL, "invalid host IP address: %s", hip_s);
        }
        NetPortRec p = {.host_ip = hip, .container_ip = cip, .container_first = (uint16_t)cport};
        snprintf(p.container_id, sizeof(p.container_id), "%s", id);
        snprintf(p.proto, sizeof(p.proto), "%s", proto);
        uint16_t lo = 0, hi = 0;
        if (hport && *hport && !STREQ(hport, "0")) {
                char tmp[5];
                _cleanup_free_ char *key = NULL;
                if (asprintf(&key, "%s/%s", hport, proto) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                if (net_port_key_parse(key, &lo, &hi, tmp, NULL) < 0)
                        return error_set(err, EINVAL, "invalid host port: %s", hport);
        }
        int r;
        if (lo && lo == hi) {
                if (!port_free(m, proto, hip, lo))
                        return bind_fail(err, hip, lo);
                p.host_first = lo;
        } else {
                unsigned elo, ehi;
                ephemeral_range(&elo, &ehi);
                r = pick_port(m, proto, hip, lo ? lo : elo, lo ? hi : ehi, &p.host_first, err);
                if (r < 0)
                        return r;
        }
        p.host_last = p.host_first;
        return add_port(m, &p) < 0 ? error_set(err, ENOMEM, "out of memory") : 0;
}

/* Consecutive single-port records of the container become one range
 * record, so that a 1000-port range is one rule. */
static void coalesce_ports(NetManager *m, const char *id)
{
        for (size_t i = 0; i < m->n_ports; i++) {
                NetPortRec *a = &m->ports[i];
                if (!STREQ(a->container_id, id))
                        continue;
                for (size_t j = i + 1; j < m->n_ports;) {
                        NetPortRec *b = &m->ports[j];
                        unsigned span = a->host_last - a->host_first;
                        if (STREQ(b->container_id, id) && STREQ(a->proto, b->proto) &&
                            a->host_ip == b->host_ip && a->container_ip == b->container_ip &&
                            b->host_first == a->host_last + 1 && b->host_last == b->host_first &&
                            b->container_first == a->container_first + span + 1) {
                                a->host_last = b->host_first;
                                memmove(b, b + 1, (m->n_ports - j - 1) * sizeof(*b));
                                m->n_ports--;
                        } else {
                                j++;
                        }
                }
        }
}

static int publish_ports(NetManager *m, const NetContainerRequest *r, uint32_t cip,
                         NetContainerPrep *prep, BerthError **err)
{
        const char *key;
        json_t *list;
        json_object_foreach(r->port_bindings, key, list)
        {
                uint16_t f, l;
                char proto[5];
                int q = net_port_key_parse(key, &f, &l, proto, err);
                if (q < 0)
                        return q;
                for (unsigned port = f; port <= l; port++) {
                        if (!json_is_array(list) || json_array_size(list) == 0) {
                                json_t *any = json_pack("{s:s, s:s}", "HostIp", "", "HostPort", "");
                                q = publish_one(m, r->id, proto, port, cip, any, err);
                                json_decref(any);
                                if (q < 0)
                                        return q;
                                continue;
                        }
                        size_t i;
                        json_t *b;
                        json_array_foreach(list, i, b)
                        {
                                q = publish_one(m, r->id, proto, port, cip, b, err);
                                if (q < 0)
                                        return q;
                        }
                }
        }
        if (r->publish_all) {
                json_t *v;
                json_object_foreach(r->exposed_ports, key, v)
                {
                        if (json_object_get(r->port_bindings, key))
                                continue;
                        uint16_t f, l;
                        char proto[5];
                        int q = net_port_key_parse(key, &f, &l, proto, err);
                        if (q < 0)
                                return q;
                        json_t *any = json_pack("{s:s, s:s}", "HostIp", "", "HostPort", "");
                        for (unsigned port = f; q >= 0 && port <= l; port++)
                                q = publish_one(m, r->id, proto, port, cip, any, err);
                        json_decref(any);
                        if (q < 0)
                                return q;
                }
        }
        size_t i;
        json_t *s;
        json_array_foreach(r->same_ports, i, s)
        {
                const char *env = json_string_value(json_object_get(s, "Env"));
                const char *proto = json_string_value(json_object_get(s, "Proto"));
                if (!env || !proto)
                        return error_set(err, EINVAL,
                                         "same-port item %zu: Env and Proto are "
                                         "required",
                                         i);
                unsigned lo, hi;
                ephemeral_range(&lo, &hi);
                NetPortRec p = {.container_ip = cip};
                snprintf(p.container_id, sizeof(p.container_id), "%s", r->id);
                snprintf(p.proto, sizeof(p.proto), "%s", proto);
                int q = pick_port(m, proto, 0, lo, hi, &p.host_first, err);
                if (q < 0)
                        return q;
                p.host_last = p.container_first = p.host_first;
                char *kv = NULL;
                if (add_port(m, &p) < 0 || asprintf(&kv, "%s=%u", env, p.host_first) < 0 ||
                    strv_push(&prep->env, kv) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        coalesce_ports(m, r->id);
        return 0;
}

/* ---- endpoints ---- */

static json_t *endpoint_config(const NetContainerRequest *r, const NetNetwork *n)
{
        json_t *c = json_object_get(r->endpoints_config, n->name);
        return c ? c : json_object_get(r->endpoints_config, n->id);
}

static int add_endpoint(NetManager *m, NetNetwork *n, const NetContainerRequest *r,
                        NetEndpoint **ret, BerthError **err)
{
        if (net_model_endpoint(m, r->id, n->id))
                return error_set(err, EEXIST, "endpoint with name %s already exists in network %s",
                                 r->name, n->name);
        json_t *cfg = endpoint_config(r, n);
        const char *want =
            json_string_value(json_object_get(json_object_get(cfg, "IPAMConfig"), "IPv4Address"));
        _cleanup_(net_endpoint_freep) NetEndpoint *e = calloc(1, sizeof(*e));
        if (!e || !(e->container_name = strdup(r->name)) || !(e->aliases = json_array()))
                return error_set(err, ENOMEM, "out of memory");
        snprintf(e->network_id, sizeof(e->network_id), "%s", n->id);
        snprintf(e->container_id, sizeof(e->container_id), "%s", r->id);
        net_random_id(e->endpoint_id);
        char rnd[65];
        net_random_id(rnd);
        snprintf(e->host_ifname, sizeof(e->host_ifname), "veth%.7s", rnd);
        int q;
        if (want && *want) {
                if (n->predefined)
                        return error_set(err, EINVAL,
                                         "user specified IP address is supported on "
                                         "user defined networks only");
                if (net_ip4_parse(want, &e->ip) < 0)
                        return error_set(err, EINVAL, "invalid IPv4 address: %s", want);
                q = net_addrspace_reserve(n->space, e->ip, err);
        } else {
                q = net_addrspace_next(n->space, &e->ip, err);
        }
        if (q < 0)
                return q;
        net_mac_from_ip4(e->ip, e->mac);
        if (!n->predefined) {
                /* Names this endpoint answers to on the network's DNS. */
                json_array_append_new(e->aliases, json_string(r->name));
                size_t i;
                json_t *a;
                json_array_foreach(json_object_get(cfg, "Aliases"), i, a) if (json_is_string(a))
                    json_array_append(e->aliases, a);
                char short_id[13];
                snprintf(short_id, sizeof(short_id), "%.12s", r->id);
                json_array_append_new(e->aliases, json_string(short_id));
        }
        q = net_db_save_endpoint(m, e, err);
        if (q >= 0 && net_model_add_endpoint(m, e) < 0)
                q = error_set(err, ENOMEM, "out of memory");
        if (q < 0) {
                net_addrspace_release(n->space, e->ip);
                return q;
        }
        *ret = TAKE_PTR(e);
        return 0;
}

static void remove_endpoint(NetManager *m, NetEndpoint *e)
{
        NetNetwork *n = net_model_find_id(m, e->network_id);
        if (e->plugged && !m->no_host_changes)
                (void)net_link_delete(e->host_ifname, NULL);
        if (n && n->space)
                net_addrspace_release(n->space, e->ip);
        (void)net_db_delete_endpoints(m, e->container_id, e->network_id, NULL);
        net_model_remove_endpoint(m, e);
}

static void unplug_locked(NetManager *m, const char *id)
{
        for (size_t i = m->n_eps; i-- > 0;)
                if (STREQ(m->eps[i]->container_id, id))
                        remove_endpoint(m, m->eps[i]);
        drop_ports(m, id);
        (void)net_db_save_ports(m, id, NULL);
}

static int hosts_line(char **hosts, const NetEndpoint *e, const char *hostname)
{
        char ip[16];
        char *line = NULL;
        if (asprintf(&line, "%s%s\t%s\n", *hosts ? *hosts : "",
                     net_ip4_format(e->ip, ip, sizeof(ip)), hostname) < 0)
                return -ENOMEM;
        free(*hosts);
        *hosts = line;
        return 0;
}

/* Legacy links on the default bridge: "name:alias" → a hosts line. */
static int link_lines(NetManager *m, const NetContainerRequest *r, NetContainerPrep *prep,
                      BerthError **err)
{
        size_t i;
        json_t *l;
        json_array_foreach(r->links, i, l)
        {
                const char *spec = json_string_value(l);
                if (!spec)
                        continue;
                const char *colon = strchr(spec, ':');
                _cleanup_free_ char *target =
                    colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
                if (!target)
                        return error_set(err, ENOMEM, "out of memory");
                const char *want = target[0] == '/' ? target + 1 : target;
                const char *alias = colon ? colon + 1 : want;
                if (alias[0] == '/') {
                        const char *slash = strrchr(alias, '/');
                        alias = slash + 1;
                }
                const NetEndpoint *found = NULL;
                for (size_t k = 0; k < m->n_eps && !found; k++)
                        if (STREQ(m->eps[k]->container_name, want))
                                found = m->eps[k];
                if (!found)
                        return error_set(err, EINVAL,
                                         "could not get container for %s: the linked container "
                                         "must be running",
                                         want);
                _cleanup_free_ char *names = NULL;
                if (asprintf(&names, "%s %s", alias, want) < 0 ||
                    hosts_line(&prep->hosts_extra, found, names) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static int prepare_locked(NetManager *m, const NetContainerRequest *r, NetContainerPrep *prep,
                          BerthError **err)
{
        const char *mode = r->network_mode ? r->network_mode : "";
        if (!mode_is_ours(mode))
                return 0;
        NetNetwork *first = net_model_find(m, default_network(mode), err);
        if (!first)
                return -(err && *err ? (*err)->code : ENOENT);
        if (!STREQ(first->driver, "bridge"))
                return 0;
        NetEndpoint *ep;
        int q = add_endpoint(m, first, r, &ep, err);
        if (q < 0)
                return q;
        const NetEndpoint *main_ep = ep;
        /* Further networks of NetworkingConfig (API >= 1.44 takes several). */
        const char *key;
        json_t *v;
        json_object_foreach(r->endpoints_config, key, v)
        {
                NetNetwork *n = net_model_find(m, key, err);
                if (!n)
                        return -(err && *err ? (*err)->code : ENOENT);
                if (n == first)
                        continue;
                if (!STREQ(n->driver, "bridge"))
                        return error_set(err, EINVAL,
                                         "container cannot be connected to network %s: its "
                                         "driver is %s",
                                         n->name, n->driver);
                q = add_endpoint(m, n, r, &ep, err);
                if (q < 0)
                        return q;
        }
        q = publish_ports(m, r, main_ep->ip, prep, err);
        if (q >= 0 &&
            hosts_line(&prep->hosts_extra, main_ep, r->hostname ? r->hostname : r->name) < 0)
                q = error_set(err, ENOMEM, "out of memory");
        if (q >= 0 && first->predefined)
                q = link_lines(m, r, prep, err);
        if (q >= 0 && net_model_wants_dns(m, r->id) && strv_append(&prep->dns, NET_DNS_ADDR) < 0)
                q = error_set(err, ENOMEM, "out of memory");
        if (q >= 0)
                q = net_db_save_ports(m, r->id, err);
        return q;
}

int net_container_prepare(NetManager *m, const NetContainerRequest *r, NetContainerPrep **ret,
                          BerthError **err)
{
        NetContainerPrep *prep = calloc(1, sizeof(*prep));
        if (!prep)
                return error_set(err, ENOMEM, "out of memory");
        LOCK(m);
        unplug_locked(m, r->id); /* a restart starts clean */
        int q = prepare_locked(m, r, prep, err);
        if (q < 0)
                unplug_locked(m, r->id);
        UNLOCK(m);
        if (q < 0) {
                net_container_prep_free(prep);
                return q;
        }
        *ret = prep;
        return 0;
}

static int plug_locked(NetManager *m, const char *id, pid_t pid, BerthError **err)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
        _cleanup_close_ int fd = -1;
        for (size_t i = 0; i < m->n_eps; i++) {
                NetEndpoint *e = m->eps[i];
                if (!STREQ(e->container_id, id) || e->plugged)
                        continue;
                NetNetwork *n = net_model_find_id(m, e->network_id);
                if (!n)
                        return error_set(err, ENOENT, "network %s not found", e->network_id);
                if (m->no_host_changes) {
                        e->plugged = true;
                        continue;
                }
                if (fd < 0) {
                        fd = open(path, O_RDONLY | O_CLOEXEC);
                        if (fd < 0)
                                return error_set_errno(err, errno, "opening %s", path);
                }
                char ifname[16];
                unsigned k = 0;
                for (size_t j = 0; j < i; j++)
                        k += STREQ(m->eps[j]->container_id, id);
                snprintf(ifname, sizeof(ifname), "eth%u", k);
                NetEndpointConfig c = {.bridge = n->bridge,
                                       .host_ifname = e->host_ifname,
                                       .netns_fd = fd,
                                       .ifname = ifname,
                                       .ip = e->ip,
                                       .prefix = n->subnet.prefix,
                                       .gateway = k == 0 ? n->gateway : 0};
                memcpy(c.mac, e->mac, 6);
                int q = net_endpoint_create(&c, err);
                if (q < 0)
                        return error_prefix(err, "connecting to network %s", n->name);
                e->plugged = true;
                e->pid = pid;
                (void)net_db_save_endpoint(m, e, NULL);
        }
        return net_model_sync_rules(m, err);
}

/* The DNS server is called outside the manager's lock: its thread takes
 * the lock in the other order when it looks names up. */
static int dns_follow(NetManager *m, const char *id, pid_t pid, BerthError **err)
{
        if (!m->dns)
                return 0;
        LOCK(m);
        bool want = net_model_wants_dns(m, id);
        UNLOCK(m);
        if (!want) {
                net_dns_remove(m->dns, id);
                return 0;
        }
        return pid > 0 ? net_dns_add(m->dns, id, pid, err) : 0;
}

int net_container_plug(NetManager *m, const char *id, pid_t pid, BerthError **err)
{
        LOCK(m);
        int q = plug_locked(m, id, pid, err);
        if (q < 0) {
                unplug_locked(m, id);
                (void)net_model_sync_rules(m, NULL);
        }
        UNLOCK(m);
        if (q >= 0) {
                q = dns_follow(m, id, pid, err);
                if (q < 0)
                        (void)net_container_unplug(m, id, NULL);
        }
        return q;
}

int net_container_unplug(NetManager *m, const char *id, BerthError **err)
{
        if (m->dns)
                net_dns_remove(m->dns, id);
        LOCK(m);
        unplug_locked(m, id);
        int q = net_model_sync_rules(m, err);
        UNLOCK(m);
        return q;
}

static json_t *endpoint_json(const NetNetwork *n, const NetEndpoint *e)
{
        char ip[16], gw[16], mac[18];
        json_t *aliases = NULL;
        if (!n->predefined && json_array_size(e->aliases) > 0)
                aliases = json_deep_copy(e->aliases);
        return json_pack("{s:n, s:n, s:o*, s:s, s:n, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:O*}",
                         "IPAMConfig", "Links", "Aliases", aliases, "MacAddress",
                         net_mac_format(e->mac, mac, sizeof(mac)), "DriverOpts", "NetworkID", n->id,
                         "EndpointID", e->endpoint_id, "Gateway",
                         net_ip4_format(n->gateway, gw, sizeof(gw)), "IPAddress",
                         net_ip4_format(e->ip, ip, sizeof(ip)), "IPPrefixLen", n->subnet.prefix,
                         "IPv6Gateway", "", "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0,
                         "DNSNames", n->predefined ? NULL : e->aliases);
}

static json_t *ports_map(NetManager *m, const char *id)
{
        json_t *o = json_object();
        for (size_t i = 0; o && i < m->n_ports; i++) {
                const NetPortRec *p = &m->ports[i];
                if (!STREQ(p->container_id, id))
                        continue;
                for (unsigned k = 0; k <= (unsigned)(p->host_last - p->host_first); k++) {
                        char key[16], hp[8], hip[16] = "0.0.0.0";
                        snprintf(key, sizeof(key), "%u/%s", p->container_first + k, p->proto);
                        snprintf(hp, sizeof(hp), "%u", p->host_first + k);
                        if (p->host_ip)
                                net_ip4_format(p->host_ip, hip, sizeof(hip));
                        json_t *list = json_object_get(o, key);
                        if (!list) {
                                list = json_array();
                                json_object_set_new(o, key, list);
                        }
                        json_array_append_new(
                            list, json_pack("{s:s, s:s}", "HostIp", hip, "HostPort", hp));
                }
        }
        return o;
}

int net_container_settings(NetManager *m, const char *id, json_t **ret, BerthError **err)
{
        LOCK(m);
        json_t *nets = json_object();
        json_t *s = json_pack("{s:s, s:s, s:s, s:b, s:s, s:i, s:n, s:n, s:s, s:s, s:s, s:i, s:s, "
                              "s:i, s:s, s:s, s:o, s:o}",
                              "Bridge", "", "SandboxID", "", "SandboxKey", "", "HairpinMode", false,
                              "LinkLocalIPv6Address", "", "LinkLocalIPv6PrefixLen", 0,
                              "SecondaryIPAddresses", "SecondaryIPv6Addresses", "EndpointID", "",
                              "Gateway", "", "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0,
                              "IPAddress", "", "IPPrefixLen", 0, "IPv6Gateway", "", "MacAddress",
                              "", "Ports", ports_map(m, id), "Networks", nets);
        for (size_t i = 0; s && i < m->n_eps; i++) {
                const NetEndpoint *e = m->eps[i];
                const NetNetwork *n = net_model_find_id(m, e->network_id);
                if (!n || !STREQ(e->container_id, id))
                        continue;
                json_t *ej = endpoint_json(n, e);
                if (n->predefined && STREQ(n->name, "bridge")) {
                        /* The legacy top-level fields mirror the default bridge. */
                        const char *k;
                        json_t *v;
                        json_object_foreach(ej, k,
                                            v) if (json_object_get(s, k) && !STREQ(k, "Networks"))
                            json_object_set(s, k, v);
                }
                json_object_set_new(nets, n->name, ej);
        }
        UNLOCK(m);
        if (!s)
                return error_set(err, ENOMEM, "out of memory");
        *ret = s;
        return 0;
}

int net_container_ports(NetManager *m, const char *id, json_t **ret, BerthError **err)
{
        json_t *a = json_array();
        if (!a)
                return error_set(err, ENOMEM, "out of memory");
        LOCK(m);
        for (size_t i = 0; i < m->n_ports; i++) {
                const NetPortRec *p = &m->ports[i];
                if (!STREQ(p->container_id, id))
                        continue;
                for (unsigned k = 0; k <= (unsigned)(p->host_last - p->host_first); k++) {
                        char hip[16] = "0.0.0.0";
                        if (p->host_ip)
                                net_ip4_format(p->host_ip, hip, sizeof(hip));
                        json_array_append_new(a, json_pack("{s:s, s:i, s:i, s:s}", "IP", hip,
                                                           "PrivatePort", p->container_first + k,
                                                           "PublicPort", p->host_first + k, "Type",
                                                           p->proto));
                }
        }
        UNLOCK(m);
        *ret = a;
        return 0;
}

int net_network_connect(NetManager *m, const char *network, const NetContainerRequest *r, pid_t pid,
                        BerthError **err)
{
        LOCK(m);
        int q = 0;
        NetNetwork *n = net_model_find(m, network, err);
        if (!n)
                q = -(err && *err ? (*err)->code : ENOENT);
        else if (!STREQ(n->driver, "bridge"))
                q = error_set(err, EPERM,
                              "container cannot be disconnected from host network or connected "
                              "to host network");
        NetEndpoint *e = NULL;
        if (q >= 0 && pid > 0)
                q = add_endpoint(m, n, r, &e, err);
        if (q >= 0 && pid > 0) {
                q = plug_locked(m, r->id, pid, err);
                if (q < 0) {
                        remove_endpoint(m, e);
                        (void)net_model_sync_rules(m, NULL);
                }
        }
        UNLOCK(m);
        if (q >= 0 && pid > 0)
                q = dns_follow(m, r->id, pid, err);
        return q;
}

int net_network_disconnect(NetManager *m, const char *network, const char *container_id, bool force,
                           BerthError **err)
{
        LOCK(m);
        int q = 0;
        NetNetwork *n = net_model_find(m, network, err);
        if (!n)
                q = -(err && *err ? (*err)->code : ENOENT);
        NetEndpoint *e = q >= 0 ? net_model_endpoint(m, container_id, n->id) : NULL;
        if (q >= 0 && !e && !force)
                q = error_set(err, EINVAL, "container %.12s is not connected to network %s",
                              container_id, n->name);
        if (e) {
                remove_endpoint(m, e);
                q = net_model_sync_rules(m, err);
        }
        UNLOCK(m);
        if (q >= 0)
                (void)dns_follow(m, container_id, 0, NULL);
        return q;
}

bool net_model_wants_dns(NetManager *m, const char *container_id)
{
        for (size_t i = 0; i < m->n_eps; i++) {
                const NetEndpoint *e = m->eps[i];
                if (!STREQ(e->container_id, container_id))
                        continue;
                const NetNetwork *n = net_model_find_id(m, e->network_id);
                if (n && !n->predefined)
                        return true;
        }
        return false;
}

/* name, or name.network, among the aliases of an endpoint of network n. */
static bool answers_to(const NetEndpoint *e, const NetNetwork *n, const char *name)
{
        size_t i;
        json_t *a;
        json_array_foreach(e->aliases, i, a)
        {
                const char *s = json_string_value(a);
                if (!s)
                        continue;
                size_t l = strlen(s);
                if (strncasecmp(s, name, l) != 0)
                        continue;
                if (name[l] == '\0' || (name[l] == '.' && strcasecmp(name + l + 1, n->name) == 0))
                        return true;
        }
        return false;
}

/* Calls visit(peer endpoint, its network) for every plugged endpoint that
 * shares a user-defined network with container_id, until visit returns
 * true. Called with the lock held. */
static void for_each_peer(NetManager *m, const char *container_id,
                          bool (*visit)(const NetEndpoint *, const NetNetwork *, void *), void *ctx)
{
        for (size_t i = 0; i < m->n_eps; i++) {
                const NetEndpoint *mine = m->eps[i];
                if (!STREQ(mine->container_id, container_id))
                        continue;
                const NetNetwork *net = net_model_find_id(m, mine->network_id);
                if (!net || net->predefined)
                        continue;
                for (size_t j = 0; j < m->n_eps; j++) {
                        const NetEndpoint *e = m->eps[j];
                        if (STREQ(e->network_id, net->id) && e->plugged && visit(e, net, ctx))
                                return;
                }
        }
}

typedef struct LookupA {
        const char *name;
        uint32_t *ips;
        size_t n, max;
} LookupA;

static bool visit_a(const NetEndpoint *e, const NetNetwork *net, void *ctx)
{
        LookupA *l = ctx;
        if (answers_to(e, net, l->name))
                l->ips[l->n++] = e->ip;
        return l->n == l->max;
}

size_t net_dns_lookup_a(void *userdata, const char *container_id, const char *name, uint32_t *ips,
                        size_t max)
{
        NetManager *m = userdata;
        LookupA l = {name, ips, 0, max};
        LOCK(m);
        if (max)
                for_each_peer(m, container_id, visit_a, &l);
        UNLOCK(m);
        return l.n;
}

typedef struct LookupPtr {
        uint32_t ip;
        char *name;
        size_t len;
        bool found;
} LookupPtr;

static bool visit_ptr(const NetEndpoint *e, const NetNetwork *net, void *ctx)
{
        LookupPtr *l = ctx;
        if (e->ip != l->ip)
                return false;
        snprintf(l->name, l->len, "%s.%s", e->container_name, net->name);
        l->found = true;
        return true;
}

int net_dns_lookup_ptr(void *userdata, const char *container_id, uint32_t ip, char *name,
                       size_t len)
{
        NetManager *m = userdata;
        LookupPtr l = {ip, name, len, false};
        LOCK(m);
        for_each_peer(m, container_id, visit_ptr, &l);
        UNLOCK(m);
        return l.found ? 0 : -ENOENT;
}
