/* The manager's in-memory model: networks, endpoints, lookups, rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/cleanup.h"
#include "network/net_internal.h"
#include "network/loproxy.h"
#include "network/nft.h"

NetNetwork *net_network_new(void)
{
        NetNetwork *n = calloc(1, sizeof(*n));
        if (!n)
                return NULL;
        n->labels = json_object();
        n->options = json_object();
        if (!n->labels || !n->options) {
                net_network_free(n);
                return NULL;
        }
        return n;
}

void net_network_free(NetNetwork *n)
{
        if (!n)
                return;
        free(n->name);
        free(n->driver);
        json_decref(n->labels);
        json_decref(n->options);
        net_addrspace_free(n->space);
        net_addrspace6_free(n->space6);
        free(n);
}

void net_endpoint_free(NetEndpoint *e)
{
        if (!e)
                return;
        free(e->container_name);
        json_decref(e->aliases);
        free(e);
}

int net_model_add_network(NetManager *m, NetNetwork *n)
{
        NetNetwork **v = reallocarray(m->nets, m->n_nets + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v[m->n_nets++] = n;
        m->nets = v;
        return 0;
}

void net_model_remove_network(NetManager *m, NetNetwork *n)
{
        for (size_t i = 0; i < m->n_nets; i++)
                if (m->nets[i] == n) {
                        memmove(&m->nets[i], &m->nets[i + 1],
                                (m->n_nets - i - 1) * sizeof(*m->nets));
                        m->n_nets--;
                        break;
                }
        net_network_free(n);
}

int net_model_add_endpoint(NetManager *m, NetEndpoint *e)
{
        NetEndpoint **v = reallocarray(m->eps, m->n_eps + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v[m->n_eps++] = e;
        m->eps = v;
        return 0;
}

void net_model_remove_endpoint(NetManager *m, NetEndpoint *e)
{
        for (size_t i = 0; i < m->n_eps; i++)
                if (m->eps[i] == e) {
                        memmove(&m->eps[i], &m->eps[i + 1], (m->n_eps - i - 1) * sizeof(*m->eps));
                        m->n_eps--;
                        break;
                }
        net_endpoint_free(e);
}

NetNetwork *net_model_find_id(NetManager *m, const char *id)
{
        for (size_t i = 0; i < m->n_nets; i++)
                if (STREQ(m->nets[i]->id, id))
                        return m->nets[i];
        return NULL;
}

NetNetwork *net_model_find(NetManager *m, const char *name, BerthError **err)
{
        if (!name || !*name) {
                error_set(err, EINVAL, "network name is empty");
                return NULL;
        }
        /* Docker's order: full ID, exact name, then a unique ID prefix. */
        NetNetwork *n = net_model_find_id(m, name);
        if (n)
                return n;
        for (size_t i = 0; i < m->n_nets; i++)
                if (STREQ(m->nets[i]->name, name))
                        return m->nets[i];
        size_t len = strlen(name);
        NetNetwork *found = NULL;
        for (size_t i = 0; i < m->n_nets; i++) {
                if (strncmp(m->nets[i]->id, name, len) != 0)
                        continue;
                if (found) {
                        error_set(err, EINVAL,
                                  "network %s is ambiguous (%zu matches found based on ID prefix)",
                                  name, (size_t)2);
                        return NULL;
                }
                found = m->nets[i];
        }
        if (!found)
                error_set(err, ENOENT, "network %s not found", name);
        return found;
}

bool net_model_in_use(NetManager *m, const NetNetwork *n)
{
        for (size_t i = 0; i < m->n_eps; i++)
                if (STREQ(m->eps[i]->network_id, n->id))
                        return true;
        return false;
}

NetEndpoint *net_model_endpoint(NetManager *m, const char *container_id, const char *network_id)
{
        for (size_t i = 0; i < m->n_eps; i++)
                if (STREQ(m->eps[i]->container_id, container_id) &&
                    STREQ(m->eps[i]->network_id, network_id))
                        return m->eps[i];
        return NULL;
}

void net_random_id(char out[65])
{
        uint8_t b[32];
        if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
                /* getrandom cannot fail for 32 bytes once the pool is ready;
                 * fall back to the clock rather than abort. */
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                for (size_t i = 0; i < sizeof(b); i++)
                        b[i] = (uint8_t)((ts.tv_nsec >> (i % 8)) ^ (i * 131));
        }
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
}

void net_now_rfc3339(char *buf, size_t len)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char base[32];
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}

int net_model_space(NetNetwork *n, BerthError **err)
{
        net_addrspace_free(n->space);
        n->space = NULL;
        int r = net_addrspace_new(n->subnet, n->has_range ? &n->range : NULL, &n->space, err);
        if (r < 0)
                return r;
        return net_addrspace_reserve(n->space, n->gateway, err);
}

int net_model_space6(NetNetwork *n, BerthError **err)
{
        net_addrspace6_free(n->space6);
        n->space6 = NULL;
        int r = net_addrspace6_new(n->subnet6, n->has_range6 ? &n->range6 : NULL, &n->space6, err);
        if (r < 0)
                return r;
        return net_addrspace6_reserve(n->space6, n->gateway6, err);
}

bool net_network_routed(const NetNetwork *n, bool v6)
{
        const char *mode = json_string_value(
            json_object_get(n->options, v6 ? "com.docker.network.bridge.gateway_mode_ipv6"
                                           : "com.docker.network.bridge.gateway_mode_ipv4"));
        return mode && STREQ(mode, "routed");
}

int net_model_sync_rules(NetManager *m, BerthError **err)
{
        if (m->no_host_changes)
                return 0;
        _cleanup_free_ NetNftNetwork *nets = calloc(m->n_nets + 1, sizeof(*nets));
        _cleanup_free_ NetNftPort *ports = calloc(m->n_ports + 1, sizeof(*ports));
        if (!nets || !ports)
                return error_set(err, ENOMEM, "out of memory");
        size_t nn = 0;
        for (size_t i = 0; i < m->n_nets; i++) {
                const NetNetwork *n = m->nets[i];
                if (!STREQ(n->driver, "bridge") || !n->has_subnet)
                        continue;
                nets[nn++] =
                    (NetNftNetwork){n->bridge, n->subnet, n->internal, n->has_subnet6, n->subnet6};
        }
        /* TCP on [::1] goes through berthd's relay (loproxy.h), the rest
         * through nft. */
        _cleanup_free_ NetLoProxyRule *lo = calloc(m->n_ports + 1, sizeof(*lo));
        if (!lo)
                return error_set(err, ENOMEM, "out of memory");
        size_t np = 0, nlo = 0;
        for (size_t i = 0; i < m->n_ports; i++) {
                const NetPortRec *p = &m->ports[i];
                if (p->v6 && net_ip6_is_loopback(p->host_ip6) && STREQ(p->proto, "tcp")) {
                        lo[nlo++] = (NetLoProxyRule){p->host_first, p->host_last, p->container_ip6,
                                                     p->container_first};
                        continue;
                }
                ports[np++] = (NetNftPort){p->proto,     p->host_ip,      p->host_first,
                                           p->host_last, p->container_ip, p->container_first,
                                           p->v6,        p->host_ip6,     p->container_ip6};
        }
        if (nlo > 0 && !m->loproxy && !(m->loproxy = net_loproxy_new(err)))
                return -(err && *err ? (*err)->code : ENOMEM);
        if (m->loproxy) {
                int q = net_loproxy_set(m->loproxy, lo, nlo, err);
                if (q < 0)
                        return q;
        }
        /* Most starts and stops (no published port, no new network) leave
         * the ruleset as it is: then the netlink round trips are skipped. */
        char *script = NULL;
        int r = net_nft_render(m->nft_table, nets, nn, ports, np, &script, err);
        if (r < 0)
                return r;
        if (m->nft_applied && STREQ(m->nft_applied, script)) {
                free(script);
                return 0;
        }
        free(m->nft_applied);
        m->nft_applied = NULL;
        r = net_nft_apply(script, err);
        if (r < 0) {
                free(script);
                return r;
        }
        m->nft_applied = script;
        return 0;
}
