/* The network manager's in-memory model, shared by its files. One mutex
 * guards it; every change is written to SQLite in the same critical
 * section, then the rule table is re-synced. */
#pragma once

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/cleanup.h"
#include "network/dns.h"
#include "network/ipam.h"
#include "network/network.h"

typedef struct NetNetwork {
        char id[65];
        char *name;
        char *driver; /* "bridge", "host", "null" */
        char created[40];
        bool has_subnet;
        NetSubnet4 subnet;
        uint32_t gateway;
        bool has_range;
        NetSubnet4 range;
        char bridge[16];
        bool internal, ipv6, predefined;
        json_t *labels;  /* object */
        json_t *options; /* object */
        NetAddrSpace *space;
        /* IPv6 (EnableIPv6): subnet, gateway on the bridge, addresses */
        bool has_subnet6;
        NetSubnet6 subnet6;
        NetIp6 gateway6;
        bool has_range6;
        NetSubnet6 range6;
        NetAddrSpace6 *space6;
} NetNetwork;

typedef struct NetEndpoint {
        char network_id[65];
        char container_id[65];
        char *container_name;
        char endpoint_id[65];
        uint32_t ip;
        uint8_t mac[6];
        json_t *aliases; /* array of strings (names this endpoint answers to) */
        char host_ifname[16];
        bool plugged;
        pid_t pid; /* whose network namespace it is plugged into */
        bool has_ip6;
        NetIp6 ip6;
} NetEndpoint;

typedef struct NetPortRec {
        char container_id[65];
        char proto[5];
        uint32_t host_ip;
        uint16_t host_first, host_last;
        uint32_t container_ip;
        uint16_t container_first;
        bool v6;         /* an IPv6 binding: the *_ip6 fields apply */
        NetIp6 host_ip6; /* :: = every local address */
        NetIp6 container_ip6;
} NetPortRec;

void net_network_free(NetNetwork *n);
void net_endpoint_free(NetEndpoint *e);

struct NetManager {
        pthread_mutex_t lock;
        sqlite3 *db;
        char *bridge_name;
        char *bridge_prefix;
        char *nft_table;
        char *nft_applied;          /* the last ruleset applied (NULL: unknown, apply) */
        struct NetLoProxy *loproxy; /* TCP on [::1] (loproxy.h), made when first needed */
        bool no_host_changes;
        NetPool4 *pools;
        size_t n_pools;
        NetNetwork **nets;
        size_t n_nets;
        NetEndpoint **eps;
        size_t n_eps;
        NetPortRec *ports;
        size_t n_ports;
        NetDns *dns; /* NULL with no_host_changes */
        NetPool6 *pools6;
        size_t n_pools6;
};

DEFINE_CLEANUP(NetNetwork, net_network_free)
DEFINE_CLEANUP(NetEndpoint, net_endpoint_free)

/* net_db.c */
int net_db_open(NetManager *m, const char *data_root, BerthError **err);
int net_db_load(NetManager *m, BerthError **err);
int net_db_save_network(NetManager *m, const NetNetwork *n, BerthError **err);
int net_db_delete_network(NetManager *m, const char *id, BerthError **err);
int net_db_save_endpoint(NetManager *m, const NetEndpoint *e, BerthError **err);
int net_db_delete_endpoints(NetManager *m, const char *container_id, const char *network_id,
                            BerthError **err);
int net_db_save_ports(NetManager *m, const char *container_id, BerthError **err);

/* net_model.c */
NetNetwork *net_network_new(void);
void net_network_free(NetNetwork *n);
void net_endpoint_free(NetEndpoint *e);
int net_model_add_network(NetManager *m, NetNetwork *n);
void net_model_remove_network(NetManager *m, NetNetwork *n);
int net_model_add_endpoint(NetManager *m, NetEndpoint *e);
void net_model_remove_endpoint(NetManager *m, NetEndpoint *e);
/* By exact name, full ID or unique ID prefix; NULL + -ENOENT/-EINVAL. */
NetNetwork *net_model_find(NetManager *m, const char *name, BerthError **err);
NetNetwork *net_model_find_id(NetManager *m, const char *id);
bool net_model_in_use(NetManager *m, const NetNetwork *n);
NetEndpoint *net_model_endpoint(NetManager *m, const char *container_id, const char *network_id);
void net_random_id(char out[65]);
void net_now_rfc3339(char *buf, size_t len);
/* (Re)creates the bridge of a network and its address space. */
int net_model_space(NetNetwork *n, BerthError **err);
/* The same for the IPv6 side (has_subnet6). */
int net_model_space6(NetNetwork *n, BerthError **err);
/* com.docker.network.bridge.gateway_mode_ipv4/_ipv6 is "routed". */
bool net_network_routed(const NetNetwork *n, bool v6);
/* Renders and applies the rule table from the model. */
int net_model_sync_rules(NetManager *m, BerthError **err);

/* net_containers.c: the embedded DNS server's view (userdata: the manager). */
size_t net_dns_lookup_a(void *userdata, const char *container_id, const char *name, uint32_t *ips,
                        size_t max);
int net_dns_lookup_ptr(void *userdata, const char *container_id, uint32_t ip, char *name,
                       size_t len);
/* Whether the container has an endpoint on a user-defined network. */
size_t net_dns_lookup_aaaa(void *userdata, const char *container_id, const char *name, NetIp6 *ips,
                           size_t max);
int net_dns_lookup_ptr6(void *userdata, const char *container_id, NetIp6 ip, char *name,
                        size_t len);
bool net_model_wants_dns(NetManager *m, const char *container_id);

/* net_json.c */
json_t *net_network_json(NetManager *m, const NetNetwork *n, bool with_containers);
