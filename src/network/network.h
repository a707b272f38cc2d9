/* Networking: the public contract of src/network for the daemon.
 *
 * Networks (bridge driver) and the endpoints of running containers, kept in
 * SQLite (<data_root>/berth.db, tables prefixed net_), with the host side
 * made of one Linux bridge per network, one veth pair per endpoint and the
 * nftables tables "ip berth" and "ip6 berth" (see nft.h) rebuilt from the
 * state on every change. Networks created with EnableIPv6 have an IPv6
 * subnet too (docs/networking.md, "IPv6"). The predefined networks are "bridge" (the default, on
 * the bridge berth0), "host" and "none", as in Docker.
 *
 * A container's run, as the engine drives it:
 *   net_container_prepare  before the monitor creates the container:
 *                          addresses and host ports are allocated, and the
 *                          environment and /etc/hosts lines it needs are
 *                          returned (random→random ports are known here);
 *   net_container_plug     once the container's namespaces exist (its init
 *                          pid): veth pairs, addresses, routes, rules, DNS;
 *   net_container_unplug   when it has exited: rules, devices, addresses
 *                          and ports are released.
 * Thread-safe; every function returns >= 0 or -errno with a BerthError in
 * Docker's words (404 No such network, 409 conflicts, 403 predefined, 400
 * bad input).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

typedef struct NetManager NetManager;

typedef struct NetManagerConfig {
        const char *data_root;     /* berth.db lives here */
        const char *bridge_name;   /* default "berth0" */
        const char *bip;           /* daemon.json "bip" ("172.17.0.1/16"); NULL = pick */
        json_t *address_pools;     /* daemon.json "default-address-pools"; NULL = Docker's */
        const char *nft_table;     /* default NET_NFT_TABLE; tests use their own */
        const char *bridge_prefix; /* user networks' bridges: "br-" + 12 hex (default) */
        bool no_host_changes;      /* unit tests: keep state only, touch no device or rule */
        char **dns_upstreams;      /* the embedded DNS server's upstreams; NULL = the host's
                                    * resolv.conf; an empty list = none (tests) */
        /* daemon.json "ipv6" and "fixed-cidr-v6": IPv6 on the default bridge
         * (fixed_cidr_v6 NULL = a /64 of the default IPv6 pool). User
         * networks get IPv6 with EnableIPv6 regardless. */
        bool ipv6;
        const char *fixed_cidr_v6;
        /* The 40-bit ULA global ID of the default IPv6 pool comes from this
         * text's hex digits (NULL = /etc/machine-id), as Docker's from its
         * host ID; tests set it. */
        const char *host_id;
} NetManagerConfig;

/* The berth-nft helper that applies every nftables script (libnftables
 * stays out of berthd's memory); the path is copied. Set once, before
 * net_manager_new. The environment variable BERTH_NFT_HELPER overrides it
 * (tests). Without either, every rule change fails with an error naming
 * the missing helper. */
void net_nft_set_helper(const char *path);

/* Opens the state, makes sure the predefined networks exist, recreates the
 * bridges and the rule table from the state (live restore: endpoints of
 * containers still running are kept), enables IPv4 forwarding. */
int net_manager_new(const NetManagerConfig *c, NetManager **ret, BerthError **err);
/* Frees; leaves devices and rules in place for the containers that run on. */
NetManager *net_manager_free(NetManager *m);

/* ---- networks: the /networks endpoints ---- */

/* NetworkCreateRequest → {"Id": ..., "Warning": ""}. */
int net_network_create(NetManager *m, json_t *request, json_t **ret, BerthError **err);
/* By name, full ID or unique ID prefix. */
int net_network_remove(NetManager *m, const char *name, BerthError **err);
int net_network_inspect(NetManager *m, const char *name, json_t **ret, BerthError **err);
/* filters: name, id, driver, label, type (custom|builtin), dangling. */
int net_network_list(NetManager *m, json_t *filters, json_t **ret, BerthError **err);
/* Removes unused user networks: {"NetworksDeleted": [...]} */
int net_network_prune(NetManager *m, json_t *filters, json_t **ret, BerthError **err);
/* Resolves a name to the network's ID and name (either may be NULL). */
int net_network_lookup(NetManager *m, const char *name, char **ret_id, char **ret_name,
                       BerthError **err);

/* ---- containers ---- */

typedef struct NetContainerRequest {
        const char *id;       /* 64 hex */
        const char *name;     /* without '/' */
        const char *hostname; /* for /etc/hosts */
        /* HostConfig.NetworkMode: "", "default", "bridge", a network name or
         * ID, "none", "host", "container:X" (the last three: not ours) */
        const char *network_mode;
        json_t *endpoints_config; /* NetworkingConfig.EndpointsConfig (may be NULL) */
        json_t *port_bindings;    /* HostConfig.PortBindings (may be NULL) */
        bool publish_all;         /* HostConfig.PublishAllPorts */
        json_t *exposed_ports;    /* Config.ExposedPorts (may be NULL) */
        json_t *same_ports;       /* berth's random→random ports (portspec.h), may be NULL */
} NetContainerRequest;

typedef struct NetContainerPrep {
        char **env;        /* NAME=PORT for random→random ports */
        char *hosts_extra; /* lines for /etc/hosts: own address + name */
        char **dns;        /* nameservers for resolv.conf (127.0.0.11 on user networks) */
} NetContainerPrep;
void net_container_prep_free(NetContainerPrep *p);

/* Allocates addresses on every network of the request and host ports for
 * every binding (random ones from the ephemeral range; a host port already
 * bound by a process or another container is -EBUSY "Bind for 0.0.0.0:8080
 * failed: port is already allocated"). */
int net_container_prepare(NetManager *m, const NetContainerRequest *r, NetContainerPrep **ret,
                          BerthError **err);
/* Plugs the prepared container into its networks inside the network
 * namespace of pid. On failure everything of this container is undone. */
int net_container_plug(NetManager *m, const char *id, pid_t pid, BerthError **err);
/* Releases everything of the container (not an error when nothing is). */
int net_container_unplug(NetManager *m, const char *id, BerthError **err);
/* NetworkSettings as inspect shows it (Networks, Ports, IPAddress...). */
int net_container_settings(NetManager *m, const char *id, json_t **ret, BerthError **err);
/* Ports for `ps`: [{"IP","PrivatePort","PublicPort","Type"}]. */
int net_container_ports(NetManager *m, const char *id, json_t **ret, BerthError **err);

/* POST /networks/{id}/connect and disconnect. A running container (pid >
 * 0) is plugged or unplugged at once; a stopped one only records it. */
int net_network_connect(NetManager *m, const char *network, const NetContainerRequest *r, pid_t pid,
                        BerthError **err);
int net_network_disconnect(NetManager *m, const char *network, const char *container_id, bool force,
                           BerthError **err);

/* Whether the network (name or ID) is one of bridge, host, none. */
bool net_network_is_predefined(NetManager *m, const char *name);
