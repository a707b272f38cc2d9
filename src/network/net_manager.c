/* The network manager: opening, the predefined networks, restore, and the
 * /networks operations. */
#include <ctype.h>
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "network/link.h"
#include "network/loproxy.h"
#include "network/net_internal.h"
#include "network/nft.h"

#define LOCK(m)   pthread_mutex_lock(&(m)->lock)
#define UNLOCK(m) pthread_mutex_unlock(&(m)->lock)

static int push_pool6(NetManager *m, NetPool6 p)
{
        NetPool6 *v = reallocarray(m->pools6, m->n_pools6 + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v[m->n_pools6++] = p;
        m->pools6 = v;
        return 0;
}

/* The IPv6 items of default-address-pools, else Docker's ULA default. */
static int parse_pools6(NetManager *m, json_t *pools, const char *host_id, BerthError **err)
{
        size_t i;
        json_t *p;
        json_array_foreach(pools, i, p)
        {
                const char *base = json_string_value(json_object_get(p, "base"));
                json_int_t size = json_integer_value(json_object_get(p, "size"));
                if (!net_is_ip6_text(base))
                        continue;
                NetPool6 pool;
                if (net_subnet6_parse(base, false, &pool.base, NULL, err) < 0)
                        return error_prefix(err, "default-address-pools[%zu].base", i);
                if (size < pool.base.prefix || size > 124)
                        return error_set(err, EINVAL,
                                         "default-address-pools[%zu].size: %lld is not between "
                                         "the base's prefix and 124",
                                         i, (long long)size);
                pool.size = (uint8_t)size;
                if (push_pool6(m, pool) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        if (m->n_pools6)
                return 0;
        _cleanup_free_ char *mid = NULL;
        if (!host_id)
                (void)read_file("/etc/machine-id", &mid, NULL, NULL);
        NetPool6 def;
        net_pool6_default(host_id ? host_id : mid ? mid : "berth", &def);
        if (push_pool6(m, def) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

static int parse_pools(NetManager *m, json_t *pools, BerthError **err)
{
        size_t n4 = 0;
        for (size_t i = 0; i < json_array_size(pools); i++)
                n4 += !net_is_ip6_text(
                    json_string_value(json_object_get(json_array_get(pools, i), "base")));
        if (!pools || n4 == 0) {
                m->pools = calloc(NET_DEFAULT_POOLS_LEN, sizeof(*m->pools));
                if (!m->pools)
                        return error_set(err, ENOMEM, "out of memory");
                memcpy(m->pools, NET_DEFAULT_POOLS, NET_DEFAULT_POOLS_LEN * sizeof(*m->pools));
                m->n_pools = NET_DEFAULT_POOLS_LEN;
                return 0;
        }
        if (!json_is_array(pools))
                return error_set(err, EINVAL, "default-address-pools: expected an array");
        m->pools = calloc(json_array_size(pools), sizeof(*m->pools));
        if (!m->pools)
                return error_set(err, ENOMEM, "out of memory");
        size_t i;
        json_t *p;
        json_array_foreach(pools, i, p)
        {
                const char *base = json_string_value(json_object_get(p, "base"));
                json_int_t size = json_integer_value(json_object_get(p, "size"));
                if (net_is_ip6_text(base))
                        continue; /* parse_pools6 */
                NetPool4 pool;
                int r = net_subnet4_parse(base, false, &pool.base, NULL, err);
                if (r < 0)
                        return error_prefix(err, "default-address-pools[%zu].base", i);
                if (size < pool.base.prefix || size > 30)
                        return error_set(err, EINVAL,
                                         "default-address-pools[%zu].size: %lld is not between "
                                         "the base's prefix and 30",
                                         i, (long long)size);
                pool.size = (uint8_t)size;
                m->pools[m->n_pools++] = pool;
        }
        return 0;
}

/* Subnets new networks must avoid: every other network's and the host's. */
static int used_subnets(NetManager *m, NetSubnet4 **ret, size_t *ret_n, BerthError **err)
{
        NetSubnet4 *v = NULL;
        size_t n = 0;
        if (!m->no_host_changes) {
                int r = net_host_subnets4(&v, &n, err);
                if (r < 0)
                        return r;
        }
        NetSubnet4 *nv = reallocarray(v, n + m->n_nets + 1, sizeof(*v));
        if (!nv) {
                free(v);
                return error_set(err, ENOMEM, "out of memory");
        }
        v = nv;
        for (size_t i = 0; i < m->n_nets; i++)
                if (m->nets[i]->has_subnet)
                        v[n++] = m->nets[i]->subnet;
        *ret = v;
        *ret_n = n;
        return 0;
}

/* The IPv6 subnets of the other networks and every route of the host's. */
static int used_subnets6(NetManager *m, NetSubnet6 **ret, size_t *ret_n, BerthError **err)
{
        NetSubnet6 *v = NULL;
        size_t n = 0;
        if (!m->no_host_changes) {
                int r = net_host_subnets6("/proc/net/ipv6_route", &v, &n, err);
                if (r < 0)
                        return r;
        }
        NetSubnet6 *nv = reallocarray(v, n + m->n_nets + 1, sizeof(*v));
        if (!nv) {
                free(v);
                return error_set(err, ENOMEM, "out of memory");
        }
        v = nv;
        for (size_t i = 0; i < m->n_nets; i++)
                if (m->nets[i]->has_subnet6)
                        v[n++] = m->nets[i]->subnet6;
        *ret = v;
        *ret_n = n;
        return 0;
}

/* Gives n its IPv6 subnet: cidr ("fd00:1::/64", host bits allowed as for
 * fixed-cidr-v6), else the first free /64 of the IPv6 pools; gateway
 * (NULL = the subnet's first address), range (NULL = all of it). */
static int setup_ipv6(NetManager *m, NetNetwork *n, const char *cidr, const char *gateway,
                      const char *range, BerthError **err)
{
        int r;
        if (cidr && *cidr) {
                r = net_subnet6_parse(cidr, true, &n->subnet6, NULL, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < m->n_nets; i++)
                        if (m->nets[i] != n && m->nets[i]->has_subnet6 &&
                            net_subnet6_overlap(m->nets[i]->subnet6, n->subnet6))
                                return error_set(err, EPERM,
                                                 "Pool overlaps with other one on this address "
                                                 "space");
        } else {
                _cleanup_free_ NetSubnet6 *used = NULL;
                size_t n_used = 0;
                r = used_subnets6(m, &used, &n_used, err);
                if (r >= 0)
                        r = net_pool6_pick(m->pools6, m->n_pools6, used, n_used, &n->subnet6, err);
                if (r < 0)
                        return r;
        }
        n->has_range6 = false;
        if (range && *range) {
                r = net_subnet6_parse(range, false, &n->range6, NULL, err);
                if (r < 0)
                        return r;
                n->has_range6 = true;
        }
        n->gateway6 = net_ip6_add(n->subnet6.addr, 1);
        if (gateway && *gateway) {
                if (net_ip6_parse(gateway, &n->gateway6) < 0)
                        return error_set(err, EINVAL, "invalid gateway address: %s", gateway);
                if (!net_subnet6_contains(n->subnet6, n->gateway6))
                        return error_set(err, EINVAL, "no matching subnet for gateway %s", gateway);
        }
        n->has_subnet6 = true;
        n->ipv6 = true;
        r = net_model_space6(n, err);
        if (r < 0)
                n->has_subnet6 = n->ipv6 = false;
        return r;
}

/* The host side of a network's IPv6: the gateway on the bridge, forwarding. */
static int host_ipv6(const NetNetwork *n, BerthError **err)
{
        int r = net_sysctl_write("net/ipv6/conf/all/forwarding", "1", err);
        if (r >= 0)
                r = net_link_bridge_add_ip6(n->bridge, n->gateway6, n->subnet6.prefix, err);
        return r;
}

/* daemon.json "ipv6"/"fixed-cidr-v6" on the default bridge, also when they
 * change between runs (while no container uses the bridge). */
static int default_bridge_ipv6(NetManager *m, const NetManagerConfig *c, BerthError **err)
{
        NetNetwork *n = NULL;
        for (size_t i = 0; i < m->n_nets; i++)
                if (m->nets[i]->predefined && STREQ(m->nets[i]->driver, "bridge"))
                        n = m->nets[i];
        if (!n || !n->has_subnet)
                return 0;
        char cur[NET_SUBNET6_STRLEN] = "";
        if (n->has_subnet6)
                net_subnet6_format(n->subnet6, cur, sizeof(cur));
        NetSubnet6 want;
        bool same = c->ipv6 == n->has_subnet6 &&
                    (!c->ipv6 || !c->fixed_cidr_v6 ||
                     (net_subnet6_parse(c->fixed_cidr_v6, true, &want, NULL, NULL) == 0 &&
                      net_subnet6_overlap(want, n->subnet6) && want.prefix == n->subnet6.prefix));
        if (same || net_model_in_use(m, n))
                return 0;
        net_addrspace6_free(n->space6);
        n->space6 = NULL;
        n->has_subnet6 = n->ipv6 = false;
        if (c->ipv6) {
                int r = setup_ipv6(m, n, c->fixed_cidr_v6, NULL, NULL, err);
                if (r < 0)
                        return error_prefix(err, "fixed-cidr-v6");
        }
        return net_db_save_network(m, n, err);
}

static int add_predefined(NetManager *m, const char *name, const char *driver, const char *bip,
                          BerthError **err)
{
        for (size_t i = 0; i < m->n_nets; i++)
                if (STREQ(m->nets[i]->name, name))
                        return 0;
        NetNetwork *n = net_network_new();
        if (!n || !(n->name = strdup(name)) || !(n->driver = strdup(driver))) {
                net_network_free(n);
                return error_set(err, ENOMEM, "out of memory");
        }
        net_random_id(n->id);
        net_now_rfc3339(n->created, sizeof(n->created));
        n->predefined = true;
        int r = 0;
        if (STREQ(driver, "bridge")) {
                snprintf(n->bridge, sizeof(n->bridge), "%s", m->bridge_name);
                if (bip) {
                        r = net_subnet4_parse(bip, true, &n->subnet, &n->gateway, err);
                        if (r < 0)
                                r = error_prefix(err, "bip");
                } else {
                        _cleanup_free_ NetSubnet4 *used = NULL;
                        size_t n_used = 0;
                        r = used_subnets(m, &used, &n_used, err);
                        if (r >= 0)
                                r = net_pool_pick(m->pools, m->n_pools, used, n_used, &n->subnet,
                                                  err);
                        n->gateway = n->subnet.addr + 1;
                }
                n->has_subnet = r >= 0;
                json_object_set_new(n->options, "com.docker.network.bridge.default_bridge",
                                    json_string("true"));
                json_object_set_new(n->options, "com.docker.network.bridge.enable_icc",
                                    json_string("true"));
                json_object_set_new(n->options, "com.docker.network.bridge.enable_ip_masquerade",
                                    json_string("true"));
                json_object_set_new(n->options, "com.docker.network.bridge.host_binding_ipv4",
                                    json_string("0.0.0.0"));
                json_object_set_new(n->options, "com.docker.network.bridge.name",
                                    json_string(m->bridge_name));
                json_object_set_new(n->options, "com.docker.network.driver.mtu",
                                    json_string("1500"));
                if (r >= 0)
                        r = net_model_space(n, err);
        }
        if (r >= 0)
                r = net_db_save_network(m, n, err);
        if (r >= 0 && net_model_add_network(m, n) < 0)
                r = error_set(err, ENOMEM, "out of memory");
        if (r < 0)
                net_network_free(n);
        return r;
}

/* Brings the host in line with the state: bridges up, rules in place. */
static int restore_host(NetManager *m, BerthError **err)
{
        if (m->no_host_changes)
                return 0;
        int r = net_sysctl_write("net/ipv4/ip_forward", "1", err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_nets; i++) {
                const NetNetwork *n = m->nets[i];
                if (!STREQ(n->driver, "bridge") || !n->has_subnet)
                        continue;
                r = net_link_bridge_ensure(n->bridge, n->gateway, n->subnet.prefix, 0, err);
                if (r < 0)
                        return r;
                /* 127.0.0.1 → published port is DNATed into the bridge. */
                char key[64];
                snprintf(key, sizeof(key), "net/ipv4/conf/%s/route_localnet", n->bridge);
                r = net_sysctl_write(key, "1", err);
                if (r >= 0 && n->has_subnet6)
                        r = host_ipv6(n, err);
                if (r < 0)
                        return r;
        }
        return net_model_sync_rules(m, err);
}

int net_manager_new(const NetManagerConfig *c, NetManager **ret, BerthError **err)
{
        NetManager *m = calloc(1, sizeof(*m));
        if (!m)
                return error_set(err, ENOMEM, "out of memory");
        pthread_mutex_init(&m->lock, NULL);
        m->no_host_changes = c->no_host_changes;
        m->bridge_name = strdup(c->bridge_name ? c->bridge_name : "berth0");
        m->bridge_prefix = strdup(c->bridge_prefix ? c->bridge_prefix : "br-");
        m->nft_table = strdup(c->nft_table ? c->nft_table : NET_NFT_TABLE);
        int r = 0;
        if (!m->bridge_name || !m->bridge_prefix || !m->nft_table)
                r = error_set(err, ENOMEM, "out of memory");
        if (r >= 0)
                r = parse_pools(m, c->address_pools, err);
        if (r >= 0)
                r = parse_pools6(m, c->address_pools, c->host_id, err);
        if (r >= 0)
                r = net_db_open(m, c->data_root, err);
        if (r >= 0)
                r = net_db_load(m, err);
        if (r >= 0)
                r = add_predefined(m, "bridge", "bridge", c->bip, err);
        if (r >= 0)
                r = default_bridge_ipv6(m, c, err);
        if (r >= 0)
                r = add_predefined(m, "host", "host", NULL, err);
        if (r >= 0)
                r = add_predefined(m, "none", "null", NULL, err);
        if (r >= 0)
                r = restore_host(m, err);
        if (r >= 0 && !m->no_host_changes) {
                NetDnsResolver res = {net_dns_lookup_a, net_dns_lookup_ptr, m, net_dns_lookup_aaaa,
                                      net_dns_lookup_ptr6};
                r = net_dns_new(&res, c->dns_upstreams, &m->dns, err);
        }
        /* Live restore: containers still running get their DNS back. */
        for (size_t i = 0; r >= 0 && m->dns && i < m->n_eps; i++) {
                const NetEndpoint *e = m->eps[i];
                if (e->plugged && e->pid > 0 && kill(e->pid, 0) == 0 &&
                    net_model_wants_dns(m, e->container_id))
                        (void)net_dns_add(m->dns, e->container_id, e->pid, NULL);
        }
        if (r < 0) {
                net_manager_free(m);
                return r;
        }
        *ret = m;
        return 0;
}

NetManager *net_manager_free(NetManager *m)
{
        if (!m)
                return NULL;
        net_link_flush_deletes(); /* nothing is left behind at shutdown */
        net_dns_free(m->dns);
        for (size_t i = 0; i < m->n_eps; i++)
                net_endpoint_free(m->eps[i]);
        for (size_t i = 0; i < m->n_nets; i++)
                net_network_free(m->nets[i]);
        free(m->eps);
        free(m->nets);
        free(m->ports);
        free(m->pools);
        free(m->pools6);
        free(m->bridge_name);
        free(m->bridge_prefix);
        free(m->nft_table);
        free(m->nft_applied);
        net_loproxy_free(m->loproxy);
        if (m->db)
                sqlite3_close(m->db);
        pthread_mutex_destroy(&m->lock);
        free(m);
        return NULL;
}

static bool valid_name(const char *s)
{
        if (!s || !isalnum((unsigned char)s[0]))
                return false;
        for (const char *p = s; *p; p++)
                if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
                        return false;
        return strlen(s) < 128;
}

static int create_locked(NetManager *m, json_t *req, json_t **ret, BerthError **err)
{
        const char *name = json_string_value(json_object_get(req, "Name"));
        if (!name || !*name)
                return error_set(err, EINVAL, "network name is required (Name)");
        if (!valid_name(name))
                return error_set(err, EINVAL,
                                 "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] "
                                 "are allowed",
                                 name);
        for (size_t i = 0; i < m->n_nets; i++)
                if (STREQ(m->nets[i]->name, name))
                        return error_set(err, EEXIST, "network with name %s already exists", name);
        const char *driver = json_string_value(json_object_get(req, "Driver"));
        if (driver && *driver && !STREQ(driver, "bridge"))
                return error_set(err, ENOENT, "plugin \"%s\" not found", driver);
        bool ipv6 = json_is_true(json_object_get(req, "EnableIPv6"));

        _cleanup_(net_network_freep) NetNetwork *n = net_network_new();
        if (!n || !(n->name = strdup(name)) || !(n->driver = strdup("bridge")))
                return error_set(err, ENOMEM, "out of memory");
        net_random_id(n->id);
        net_now_rfc3339(n->created, sizeof(n->created));
        n->internal = json_is_true(json_object_get(req, "Internal"));
        json_t *labels = json_object_get(req, "Labels");
        json_t *options = json_object_get(req, "Options");
        if (json_is_object(labels))
                json_object_update(n->labels, labels);
        if (json_is_object(options))
                json_object_update(n->options, options);
        static const char *const modes[] = {"com.docker.network.bridge.gateway_mode_ipv4",
                                            "com.docker.network.bridge.gateway_mode_ipv6"};
        for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
                const char *mode = json_string_value(json_object_get(n->options, modes[i]));
                if (mode && *mode && !STREQ(mode, "nat") && !STREQ(mode, "routed"))
                        return error_set(err, EINVAL,
                                         "%s: gateway mode \"%s\" is not supported by berth "
                                         "(nat or routed)",
                                         modes[i], mode);
        }
        const char *brname =
            json_string_value(json_object_get(n->options, "com.docker.network.bridge.name"));
        if (brname && *brname) {
                if (strlen(brname) >= sizeof(n->bridge))
                        return error_set(err, EINVAL,
                                         "com.docker.network.bridge.name: \"%s\" is longer than "
                                         "15 characters",
                                         brname);
                snprintf(n->bridge, sizeof(n->bridge), "%s", brname);
        } else {
                snprintf(n->bridge, sizeof(n->bridge), "%s%.12s", m->bridge_prefix, n->id);
        }
        for (size_t i = 0; i < m->n_nets; i++)
                if (STREQ(m->nets[i]->bridge, n->bridge))
                        return error_set(err, EEXIST, "bridge name %s is used by network %s",
                                         n->bridge, m->nets[i]->name);

        _cleanup_free_ NetSubnet4 *used = NULL;
        size_t n_used = 0;
        int r = used_subnets(m, &used, &n_used, err);
        if (r < 0)
                return r;
        /* IPAM.Config: at most one item per family (Subnet, else Gateway,
         * says which). */
        json_t *cfg = NULL, *cfg6 = NULL, *item;
        size_t ci;
        json_array_foreach(json_object_get(json_object_get(req, "IPAM"), "Config"), ci, item)
        {
                const char *sn = json_string_value(json_object_get(item, "Subnet"));
                const char *gw = json_string_value(json_object_get(item, "Gateway"));
                bool six = net_is_ip6_text(sn && *sn ? sn : gw);
                json_t **slot = six ? &cfg6 : &cfg;
                if (*slot)
                        return error_set(err, EINVAL, "berth supports one IPv%d subnet per network",
                                         six ? 6 : 4);
                *slot = item;
        }
        if (cfg6 && !ipv6)
                return error_set(err, EINVAL,
                                 "IPv6 subnet %s requires IPv6 to be enabled on the network "
                                 "(--ipv6)",
                                 json_string_value(json_object_get(cfg6, "Subnet"))
                                     ? json_string_value(json_object_get(cfg6, "Subnet"))
                                     : "");
        const char *subnet = json_string_value(json_object_get(cfg, "Subnet"));
        const char *gateway = json_string_value(json_object_get(cfg, "Gateway"));
        const char *range = json_string_value(json_object_get(cfg, "IPRange"));
        if (subnet && *subnet) {
                r = net_subnet4_parse(subnet, true, &n->subnet, NULL, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < m->n_nets; i++)
                        if (m->nets[i]->has_subnet &&
                            net_subnet4_overlap(m->nets[i]->subnet, n->subnet))
                                return error_set(err, EPERM,
                                                 "Pool overlaps with other one on this address "
                                                 "space");
        } else {
                r = net_pool_pick(m->pools, m->n_pools, used, n_used, &n->subnet, err);
                if (r < 0)
                        return r;
        }
        n->has_subnet = true;
        if (range && *range) {
                r = net_subnet4_parse(range, false, &n->range, NULL, err);
                if (r < 0)
                        return r;
                n->has_range = true;
        }
        n->gateway = n->subnet.addr + 1;
        if (gateway && *gateway) {
                if (net_ip4_parse(gateway, &n->gateway) < 0)
                        return error_set(err, EINVAL, "invalid gateway address: %s", gateway);
                if (!net_subnet4_contains(n->subnet, n->gateway))
                        return error_set(err, EINVAL, "no matching subnet for gateway %s", gateway);
        }
        r = net_model_space(n, err);
        if (r < 0)
                return r;
        if (ipv6) {
                r = setup_ipv6(m, n, json_string_value(json_object_get(cfg6, "Subnet")),
                               json_string_value(json_object_get(cfg6, "Gateway")),
                               json_string_value(json_object_get(cfg6, "IPRange")), err);
                if (r < 0)
                        return r;
        }
        if (!m->no_host_changes) {
                r = net_link_bridge_ensure(n->bridge, n->gateway, n->subnet.prefix, 0, err);
                if (r >= 0 && n->has_subnet6)
                        r = host_ipv6(n, err);
                if (r < 0) {
                        (void)net_link_delete(n->bridge, NULL);
                        return r;
                }
                char key[64];
                snprintf(key, sizeof(key), "net/ipv4/conf/%s/route_localnet", n->bridge);
                (void)net_sysctl_write(key, "1", NULL);
        }
        r = net_db_save_network(m, n, err);
        if (r >= 0 && net_model_add_network(m, n) < 0)
                r = error_set(err, ENOMEM, "out of memory");
        if (r < 0) {
                if (!m->no_host_changes)
                        (void)net_link_delete(n->bridge, NULL);
                return r;
        }
        NetNetwork *added = TAKE_PTR(n);
        r = net_model_sync_rules(m, err);
        if (r < 0) {
                (void)net_db_delete_network(m, added->id, NULL);
                if (!m->no_host_changes)
                        (void)net_link_delete(added->bridge, NULL);
                net_model_remove_network(m, added);
                return r;
        }
        *ret = json_pack("{s:s, s:s}", "Id", added->id, "Warning", "");
        return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
}

int net_network_create(NetManager *m, json_t *request, json_t **ret, BerthError **err)
{
        LOCK(m);
        int r = create_locked(m, request, ret, err);
        UNLOCK(m);
        return r;
}

int net_network_remove(NetManager *m, const char *name, BerthError **err)
{
        LOCK(m);
        int r = 0;
        NetNetwork *n = net_model_find(m, name, err);
        if (!n)
                r = -(err && *err ? (*err)->code : ENOENT);
        else if (n->predefined)
                r = error_set(err, EPERM, "%s is a pre-defined network and cannot be removed",
                              n->name);
        else if (net_model_in_use(m, n))
                r = error_set(err, EPERM,
                              "error while removing network: network %s id %s has active "
                              "endpoints",
                              n->name, n->id);
        if (r >= 0)
                r = net_db_delete_network(m, n->id, err);
        if (r >= 0) {
                if (!m->no_host_changes)
                        r = net_link_delete(n->bridge, err);
                net_model_remove_network(m, n);
                int r2 = net_model_sync_rules(m, r < 0 ? NULL : err);
                r = r < 0 ? r : r2;
        }
        UNLOCK(m);
        return r;
}

int net_network_inspect(NetManager *m, const char *name, json_t **ret, BerthError **err)
{
        LOCK(m);
        NetNetwork *n = net_model_find(m, name, err);
        int r = n ? 0 : -(err && *err ? (*err)->code : ENOENT);
        if (n && !(*ret = net_network_json(m, n, true)))
                r = error_set(err, ENOMEM, "out of memory");
        UNLOCK(m);
        return r;
}

int net_network_lookup(NetManager *m, const char *name, char **ret_id, char **ret_name,
                       BerthError **err)
{
        LOCK(m);
        NetNetwork *n = net_model_find(m, name, err);
        int r = n ? 0 : -(err && *err ? (*err)->code : ENOENT);
        if (n) {
                if (ret_id && !(*ret_id = strdup(n->id)))
                        r = error_set(err, ENOMEM, "out of memory");
                if (r >= 0 && ret_name && !(*ret_name = strdup(n->name)))
                        r = error_set(err, ENOMEM, "out of memory");
        }
        UNLOCK(m);
        return r;
}

/* Docker's filter semantics: within one key any value matches (OR), across
 * keys all must match (AND). */
static bool filter_values_match(json_t *filters, const char *key,
                                bool (*match)(const NetNetwork *, const char *, NetManager *),
                                const NetNetwork *n, NetManager *m)
{
        json_t *vals = json_object_get(filters, key);
        if (!vals)
                return true;
        const char *v;
        if (json_is_object(vals)) {
                const char *k;
                json_t *x;
                json_object_foreach(vals, k, x) if (match(n, k, m)) return true;
                return false;
        }
        size_t i;
        json_t *x;
        json_array_foreach(vals, i,
                           x) if ((v = json_string_value(x)) && match(n, v, m)) return true;
        return false;
}

static bool m_name(const NetNetwork *n, const char *v, NetManager *m)
{
        return strstr(n->name, v) != NULL;
}
static bool m_id(const NetNetwork *n, const char *v, NetManager *m)
{
        return strncmp(n->id, v, strlen(v)) == 0;
}
static bool m_driver(const NetNetwork *n, const char *v, NetManager *m)
{
        return STREQ(n->driver, v);
}
static bool m_type(const NetNetwork *n, const char *v, NetManager *m)
{
        return (STREQ(v, "builtin") && n->predefined) || (STREQ(v, "custom") && !n->predefined);
}
static bool m_label(const NetNetwork *n, const char *v, NetManager *m)
{
        const char *eq = strchr(v, '=');
        _cleanup_free_ char *key = eq ? strndup(v, (size_t)(eq - v)) : strdup(v);
        if (!key)
                return false;
        json_t *val = json_object_get(n->labels, key);
        if (!val)
                return false;
        return !eq || STREQ(json_string_value(val) ? json_string_value(val) : "", eq + 1);
}
static bool m_dangling(const NetNetwork *n, const char *v, NetManager *m)
{
        bool dangling = !n->predefined && !net_model_in_use(m, n);
        bool want = STREQ(v, "true") || STREQ(v, "1");
        return dangling == want;
}

static int check_filters(json_t *filters, BerthError **err)
{
        static const char *const known[] = {"name",  "id",       "driver", "type",
                                            "label", "dangling", "scope",  "until"};
        const char *k;
        json_t *v;
        json_object_foreach(filters, k, v)
        {
                bool ok = false;
                for (size_t i = 0; i < ARRAY_SIZE(known); i++)
                        ok |= STREQ(k, known[i]);
                if (!ok)
                        return error_set(err, EINVAL, "invalid filter '%s'", k);
        }
        json_t *type = json_object_get(filters, "type");
        size_t i;
        json_t *x;
        json_array_foreach(type, i, x)
        {
                const char *t = json_string_value(x);
                if (!t || (!STREQ(t, "custom") && !STREQ(t, "builtin")))
                        return error_set(err, EINVAL, "invalid filter: 'type'='%s'", t ? t : "");
        }
        return 0;
}

static bool matches(NetManager *m, const NetNetwork *n, json_t *filters)
{
        return filter_values_match(filters, "name", m_name, n, m) &&
               filter_values_match(filters, "id", m_id, n, m) &&
               filter_values_match(filters, "driver", m_driver, n, m) &&
               filter_values_match(filters, "type", m_type, n, m) &&
               filter_values_match(filters, "label", m_label, n, m) &&
               filter_values_match(filters, "dangling", m_dangling, n, m);
}

int net_network_list(NetManager *m, json_t *filters, json_t **ret, BerthError **err)
{
        int r = filters ? check_filters(filters, err) : 0;
        if (r < 0)
                return r;
        json_t *a = json_array();
        if (!a)
                return error_set(err, ENOMEM, "out of memory");
        LOCK(m);
        for (size_t i = 0; i < m->n_nets; i++)
                if (!filters || matches(m, m->nets[i], filters))
                        json_array_append_new(a, net_network_json(m, m->nets[i], false));
        UNLOCK(m);
        *ret = a;
        return 0;
}

int net_network_prune(NetManager *m, json_t *filters, json_t **ret, BerthError **err)
{
        json_t *deleted = json_array();
        if (!deleted)
                return error_set(err, ENOMEM, "out of memory");
        LOCK(m);
        for (size_t i = m->n_nets; i-- > 0;) {
                NetNetwork *n = m->nets[i];
                if (n->predefined || net_model_in_use(m, n) ||
                    !filter_values_match(filters, "label", m_label, n, m))
                        continue;
                if (net_db_delete_network(m, n->id, NULL) < 0)
                        continue;
                if (!m->no_host_changes)
                        (void)net_link_delete(n->bridge, NULL);
                json_array_append_new(deleted, json_string(n->name));
                net_model_remove_network(m, n);
        }
        int r = net_model_sync_rules(m, err);
        UNLOCK(m);
        if (r < 0) {
                json_decref(deleted);
                return r;
        }
        *ret = json_pack("{s:o}", "NetworksDeleted", deleted);
        return 0;
}

bool net_network_is_predefined(NetManager *m, const char *name)
{
        LOCK(m);
        NetNetwork *n = net_model_find(m, name, NULL);
        bool p = n && n->predefined;
        UNLOCK(m);
        return p;
}
