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
#include "network/portprobe.h"
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

/* Where a binding listens: IPv4 (ip4, 0 = every address), IPv6 (ip6, ::
 * = every address), or both ("HostIp": "" on a container with IPv6). */
typedef struct HostAddrs {
        bool v4, v6;
        uint32_t ip4;
        NetIp6 ip6;
} HostAddrs;

static bool port_taken_by_us(NetManager *m, const char *proto, bool v6, uint32_t ip, NetIp6 ip6,
                             unsigned port)
{
        for (size_t i = 0; i < m->n_ports; i++) {
                const NetPortRec *p = &m->ports[i];
                if (!STREQ(p->proto, proto) || port < p->host_first || port > p->host_last ||
                    p->v6 != v6)
                        continue;
                if (!v6 && (!p->host_ip || !ip || p->host_ip == ip))
                        return true;
                if (v6 && (net_ip6_is_zero(p->host_ip6) || net_ip6_is_zero(ip6) ||
                           net_ip6_equal(p->host_ip6, ip6)))
                        return true;
        }
        return false;
}

static NetPortQuery port_query(const char *proto, const HostAddrs *h)
{
        int pr = net_portprobe_proto(proto);
        return (NetPortQuery){.proto = pr < 0 ? NET_PORT_TCP : (NetPortProto)pr,
                              .v4 = h->v4,
                              .v6 = h->v6,
                              .ip4 = h->ip4,
                              .ip6 = h->ip6};
}

/* probe: the host's sockets, read once per container (portprobe.h). */
static bool port_free_in(NetManager *m, NetPortProbe *probe, const char *proto, bool v6,
                         uint32_t ip, NetIp6 ip6, unsigned port)
{
        HostAddrs h = {.v4 = !v6, .v6 = v6, .ip4 = ip, .ip6 = ip6};
        NetPortQuery q = port_query(proto, &h);
        return !port_taken_by_us(m, proto, v6, ip, ip6, port) &&
               net_portprobe_free(probe, &q, (uint16_t)port);
}

static bool port_free(NetManager *m, NetPortProbe *probe, const char *proto, const HostAddrs *h,
                      unsigned port)
{
        return (!h->v4 || port_free_in(m, probe, proto, false, h->ip4, h->ip6, port)) &&
               (!h->v6 || port_free_in(m, probe, proto, true, h->ip4, h->ip6, port));
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

typedef struct OurPorts {
        NetManager *m;
        const char *proto;
        const HostAddrs *h;
} OurPorts;

static bool taken_by_us(void *userdata, uint16_t port)
{
        const OurPorts *o = userdata;
        return (o->h->v4 && port_taken_by_us(o->m, o->proto, false, o->h->ip4, o->h->ip6, port)) ||
               (o->h->v6 && port_taken_by_us(o->m, o->proto, true, o->h->ip4, o->h->ip6, port));
}

static int pick_port(NetManager *m, NetPortProbe *probe, const char *proto, const HostAddrs *h,
                     unsigned lo, unsigned hi, uint16_t *ret, BerthError **err)
{
        static unsigned cursor;
        NetPortQuery q = port_query(proto, h);
        OurPorts o = {m, proto, h};
        if (net_portprobe_pick(probe, &q, lo, hi, cursor, taken_by_us, &o, ret, &cursor) < 0)
                return error_set(err, EADDRINUSE, "no free host port in %u-%u/%s", lo, hi, proto);
        return 0;
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

static int bind_fail(BerthError **err, const HostAddrs *h, unsigned port)
{
        char buf[NET_IP6_STRLEN];
        if (h->v4)
                return error_set(err, EADDRINUSE,
                                 "Bind for %s:%u failed: port is already allocated",
                                 net_ip4_format(h->ip4, buf, sizeof(buf)), port);
        return error_set(err, EADDRINUSE, "Bind for [%s]:%u failed: port is already allocated",
                         net_ip6_format(h->ip6, buf, sizeof(buf)), port);
}

/* The records of one binding: IPv4 and/or IPv6, the same host port. */
static int add_binding(NetManager *m, const char *id, const char *proto, const HostAddrs *h,
                       const NetEndpoint *ep, uint16_t host_port, uint16_t cport)
{
        NetPortRec p = {.host_first = host_port,
                        .host_last = host_port,
                        .container_first = cport,
                        .container_ip = ep->ip};
        snprintf(p.container_id, sizeof(p.container_id), "%s", id);
        snprintf(p.proto, sizeof(p.proto), "%s", proto);
        if (h->v4) {
                p.host_ip = h->ip4;
                if (add_port(m, &p) < 0)
                        return -ENOMEM;
        }
        if (h->v6) {
                p.v6 = true;
                p.host_ip = 0;
                p.host_ip6 = h->ip6;
                p.container_ip6 = ep->ip6;
                if (add_port(m, &p) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* One PortBindings item for container port cport. */
static int publish_one(NetManager *m, NetPortProbe *probe, const char *id, const char *proto,
                       unsigned cport, const NetEndpoint *ep, json_t *binding, BerthError **err)
{
        const char *hip_s = json_string_value(json_object_get(binding, "HostIp"));
        const char *hport = json_string_value(json_object_get(binding, "HostPort"));
        /* "" is every address of both families when the container has
         * IPv6, as in Docker; "0.0.0.0" and "::" are one family's. */
        HostAddrs h = {.v4 = true, .v6 = ep->has_ip6};
        if (hip_s && net_is_ip6_text(hip_s)) {
                if (net_ip6_parse(hip_s, &h.ip6) < 0)
                        return error_set(err, EINVAL, "invalid host IP address: %s", hip_s);
                if (!ep->has_ip6)
                        return 0; /* no IPv6 address to forward to (no NAT64) */
                h.v4 = false;
        } else if (hip_s && *hip_s) {
                if (net_ip4_parse(hip_s, &h.ip4) < 0)
                        return error_set(err, EINVAL, "invalid host IP address: %s", hip_s);
                h.v6 = false;
        }
        uint16_t lo = 0, hi = 0, host_port;
        if (hport && *hport && !STREQ(hport, "0")) {
                char tmp[5];
                _cleanup_free_ char *key = NULL;
                if (asprintf(&key, "%s/%s", hport, proto) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                if (net_port_key_parse(key, &lo, &hi, tmp, NULL) < 0)
                        return error_set(err, EINVAL, "invalid host port: %s", hport);
        }
        if (lo && lo == hi) {
                if (!port_free(m, probe, proto, &h, lo)) {
                        /* Name the family whose port is taken. */
                        HostAddrs taken = h;
                        taken.v4 = h.v4 && !port_free_in(m, probe, proto, false, h.ip4, h.ip6, lo);
                        return bind_fail(err, &taken, lo);
                }
                host_port = lo;
        } else {
                unsigned elo, ehi;
                ephemeral_range(&elo, &ehi);
                int r =
                    pick_port(m, probe, proto, &h, lo ? lo : elo, lo ? hi : ehi, &host_port, err);
                if (r < 0)
                        return r;
        }
        if (add_binding(m, id, proto, &h, ep, host_port, (uint16_t)cport) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
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
                            a->v6 == b->v6 && net_ip6_equal(a->host_ip6, b->host_ip6) &&
                            net_ip6_equal(a->container_ip6, b->container_ip6) &&
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

static int publish_ports(NetManager *m, const NetContainerRequest *r, const NetEndpoint *ep,
                         NetContainerPrep *prep, BerthError **err)
{
        /* The host's sockets are read once, for all the bindings. */
        _cleanup_(net_portprobe_clear) NetPortProbe host_ports;
        net_portprobe_init(&host_ports, !m->no_host_changes);
        NetPortProbe *probe = &host_ports;
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
                                q = publish_one(m, probe, r->id, proto, port, ep, any, err);
                                json_decref(any);
                                if (q < 0)
                                        return q;
                                continue;
                        }
                        size_t i;
                        json_t *b;
                        json_array_foreach(list, i, b)
                        {
                                q = publish_one(m, probe, r->id, proto, port, ep, b, err);
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
                                q = publish_one(m, probe, r->id, proto, port, ep, any, err);
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
                HostAddrs h = {.v4 = true, .v6 = ep->has_ip6};
                uint16_t port;
                int q = pick_port(m, probe, proto, &h, lo, hi, &port, err);
                if (q < 0)
                        return q;
                char *kv = NULL;
                if (add_binding(m, r->id, proto, &h, ep, port, port) < 0 ||
                    asprintf(&kv, "%s=%u", env, port) < 0 || strv_push(&prep->env, kv) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        coalesce_ports(m, r->id);
        return 0;
}

/* ---- endpoints ---- */

static json_t *endpoint_config(const NetContainerRequest *r, const NetNetwork *n)
{
        json_t *c = json_object_get(r->endpoints_config, n->name);
        if (!c && n->predefined && STREQ(n->name, "bridge"))
                c = json_object_get(r->endpoints_config, "default");
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
        if (n->has_subnet6 && n->space6) {
                const char *want6 = json_string_value(
                    json_object_get(json_object_get(cfg, "IPAMConfig"), "IPv6Address"));
                if (want6 && *want6) {
                        if (n->predefined)
                                q = error_set(err, EINVAL,
                                              "user specified IP address is supported on "
                                              "user defined networks only");
                        else if (net_ip6_parse(want6, &e->ip6) < 0)
                                q = error_set(err, EINVAL, "invalid IPv6 address: %s", want6);
                        else
                                q = net_addrspace6_reserve(n->space6, e->ip6, err);
                } else {
                        q = net_addrspace6_next(n->space6, &e->ip6, err);
                }
                if (q < 0) {
                        net_addrspace_release(n->space, e->ip);
                        return q;
                }
                e->has_ip6 = true;
        }
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
                if (e->has_ip6)
                        net_addrspace6_release(n->space6, e->ip6);
                return q;
        }
        *ret = TAKE_PTR(e);
        return 0;
}

/* later: the container has exited (or never ran), so nothing waits for its
 * link to go; a disconnect of a running container deletes it at once. */
static void remove_endpoint(NetManager *m, NetEndpoint *e, bool later)
{
        NetNetwork *n = net_model_find_id(m, e->network_id);
        if (e->plugged && !m->no_host_changes) {
                if (later)
                        net_link_delete_later(e->host_ifname);
                else
                        (void)net_link_delete(e->host_ifname, NULL);
        }
        if (n && n->space)
                net_addrspace_release(n->space, e->ip);
        if (n && n->space6 && e->has_ip6)
                net_addrspace6_release(n->space6, e->ip6);
        (void)net_db_delete_endpoints(m, e->container_id, e->network_id, NULL);
        net_model_remove_endpoint(m, e);
}

static void unplug_locked(NetManager *m, const char *id)
{
        for (size_t i = m->n_eps; i-- > 0;)
                if (STREQ(m->eps[i]->container_id, id))
                        remove_endpoint(m, m->eps[i], true);
        drop_ports(m, id);
        (void)net_db_save_ports(m, id, NULL);
}

static int hosts_line(char **hosts, const NetEndpoint *e, const char *hostname)
{
        char ip[16], ip6[NET_IP6_STRLEN];
        _cleanup_free_ char *line6 = NULL;
        char *line = NULL;
        if (e->has_ip6 &&
            asprintf(&line6, "%s\t%s\n", net_ip6_format(e->ip6, ip6, sizeof(ip6)), hostname) < 0)
                return -ENOMEM;
        if (asprintf(&line, "%s%s\t%s\n%s", *hosts ? *hosts : "",
                     net_ip4_format(e->ip, ip, sizeof(ip)), hostname, line6 ? line6 : "") < 0)
                return -ENOMEM;
        free(*hosts);
        *hosts = line;
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
                /* The docker client names the default network "default". */
                NetNetwork *n = net_model_find(m, default_network(key), err);
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
        q = publish_ports(m, r, main_ep, prep, err);
        if (q >= 0 &&
            hosts_line(&prep->hosts_extra, main_ep, r->hostname ? r->hostname : r->name) < 0)
                q = error_set(err, ENOMEM, "out of memory");
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
                /* eth<k>; the IPv6 default route comes from the first
                 * network with IPv6, which need not be the first one. */
                /* The default routes come from the first network that is
                 * not --internal (internal ones have no way out). */
                unsigned k = 0, k4 = 0, k6 = 0;
                for (size_t j = 0; j < i; j++) {
                        if (!STREQ(m->eps[j]->container_id, id))
                                continue;
                        const NetNetwork *nj = net_model_find_id(m, m->eps[j]->network_id);
                        bool out = nj && !nj->internal;
                        k++;
                        k4 += out;
                        k6 += out && m->eps[j]->has_ip6;
                }
                snprintf(ifname, sizeof(ifname), "eth%u", k);
                NetEndpointConfig c = {.bridge = n->bridge,
                                       .host_ifname = e->host_ifname,
                                       .netns_fd = fd,
                                       .ifname = ifname,
                                       .ip = e->ip,
                                       .prefix = n->subnet.prefix,
                                       .gateway = k4 == 0 && !n->internal ? n->gateway : 0,
                                       .has_ip6 = e->has_ip6 && n->has_subnet6,
                                       .ip6 = e->ip6,
                                       .prefix6 = n->subnet6.prefix};
                if (k6 == 0 && c.has_ip6 && !n->internal)
                        c.gateway6 = n->gateway6;
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
        char ip[16], gw[16], mac[18], ip6[NET_IP6_STRLEN] = "", gw6[NET_IP6_STRLEN] = "";
        if (e->has_ip6 && n->has_subnet6) {
                net_ip6_format(e->ip6, ip6, sizeof(ip6));
                net_ip6_format(n->gateway6, gw6, sizeof(gw6));
        }
        json_t *aliases = NULL;
        if (!n->predefined && json_array_size(e->aliases) > 0)
                aliases = json_deep_copy(e->aliases);
        return json_pack(
            "{s:n, s:n, s:o*, s:s, s:n, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:O*}",
            "IPAMConfig", "Links", "Aliases", aliases, "MacAddress",
            net_mac_format(e->mac, mac, sizeof(mac)), "DriverOpts", "NetworkID", n->id,
            "EndpointID", e->endpoint_id, "Gateway", net_ip4_format(n->gateway, gw, sizeof(gw)),
            "IPAddress", net_ip4_format(e->ip, ip, sizeof(ip)), "IPPrefixLen", n->subnet.prefix,
            "IPv6Gateway", gw6, "GlobalIPv6Address", ip6, "GlobalIPv6PrefixLen",
            *ip6 ? n->subnet6.prefix : 0, "DNSNames", n->predefined ? NULL : e->aliases);
}

/* The host address as Docker shows it: "0.0.0.0", "::", or the address. */
static void port_host_ip(const NetPortRec *p, char *buf, size_t len)
{
        if (p->v6)
                net_ip6_format(p->host_ip6, buf, len);
        else
                net_ip4_format(p->host_ip, buf, len);
}

static json_t *ports_map(NetManager *m, const char *id)
{
        json_t *o = json_object();
        for (size_t i = 0; o && i < m->n_ports; i++) {
                const NetPortRec *p = &m->ports[i];
                if (!STREQ(p->container_id, id))
                        continue;
                for (unsigned k = 0; k <= (unsigned)(p->host_last - p->host_first); k++) {
                        char key[16], hp[8], hip[NET_IP6_STRLEN];
                        snprintf(key, sizeof(key), "%u/%s", p->container_first + k, p->proto);
                        snprintf(hp, sizeof(hp), "%u", p->host_first + k);
                        port_host_ip(p, hip, sizeof(hip));
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
                        char hip[NET_IP6_STRLEN];
                        port_host_ip(p, hip, sizeof(hip));
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
                        remove_endpoint(m, e, false);
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
                remove_endpoint(m, e, false);
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

/* A or AAAA: the addresses of the endpoints answering to name. */
typedef struct LookupAddr {
        const char *name;
        uint32_t *ips; /* A */
        NetIp6 *ips6;  /* AAAA */
        size_t n, max;
} LookupAddr;

static bool visit_addr(const NetEndpoint *e, const NetNetwork *net, void *ctx)
{
        LookupAddr *l = ctx;
        if ((l->ips || e->has_ip6) && answers_to(e, net, l->name)) {
                if (l->ips)
                        l->ips[l->n++] = e->ip;
                else
                        l->ips6[l->n++] = e->ip6;
        }
        return l->n == l->max;
}

static size_t lookup_addr(NetManager *m, const char *container_id, LookupAddr *l)
{
        LOCK(m);
        if (l->max)
                for_each_peer(m, container_id, visit_addr, l);
        UNLOCK(m);
        return l->n;
}

size_t net_dns_lookup_a(void *userdata, const char *container_id, const char *name, uint32_t *ips,
                        size_t max)
{
        LookupAddr l = {.name = name, .ips = ips, .max = max};
        return lookup_addr(userdata, container_id, &l);
}

size_t net_dns_lookup_aaaa(void *userdata, const char *container_id, const char *name, NetIp6 *ips,
                           size_t max)
{
        LookupAddr l = {.name = name, .ips6 = ips, .max = max};
        return lookup_addr(userdata, container_id, &l);
}

typedef struct LookupPtr {
        bool v6;
        uint32_t ip;
        NetIp6 ip6;
        char *name;
        size_t len;
        bool found;
} LookupPtr;

static bool visit_ptr(const NetEndpoint *e, const NetNetwork *net, void *ctx)
{
        LookupPtr *l = ctx;
        if (l->v6 ? !e->has_ip6 || !net_ip6_equal(e->ip6, l->ip6) : e->ip != l->ip)
                return false;
        snprintf(l->name, l->len, "%s.%s", e->container_name, net->name);
        l->found = true;
        return true;
}

static int lookup_ptr(NetManager *m, const char *container_id, LookupPtr *l)
{
        LOCK(m);
        for_each_peer(m, container_id, visit_ptr, l);
        UNLOCK(m);
        return l->found ? 0 : -ENOENT;
}

int net_dns_lookup_ptr(void *userdata, const char *container_id, uint32_t ip, char *name,
                       size_t len)
{
        LookupPtr l = {.ip = ip, .name = name, .len = len};
        return lookup_ptr(userdata, container_id, &l);
}

int net_dns_lookup_ptr6(void *userdata, const char *container_id, NetIp6 ip, char *name, size_t len)
{
        LookupPtr l = {.v6 = true, .ip6 = ip, .name = name, .len = len};
        return lookup_ptr(userdata, container_id, &l);
}
