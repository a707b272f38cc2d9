/* Networks as the Engine API shows them (NetworkInspect / list items). */
#include <string.h>

#include "common/cleanup.h"
#include "network/link.h"
#include "network/net_internal.h"

static json_t *containers_json(NetManager *m, const NetNetwork *n)
{
        json_t *o = json_object();
        for (size_t i = 0; o && i < m->n_eps; i++) {
                const NetEndpoint *e = m->eps[i];
                if (!STREQ(e->network_id, n->id))
                        continue;
                char ip[NET_IP6_STRLEN], mac[18], cidr[NET_SUBNET6_STRLEN],
                    cidr6[NET_SUBNET6_STRLEN] = "";
                net_ip4_format(e->ip, ip, sizeof(ip));
                snprintf(cidr, sizeof(cidr), "%s/%u", ip, n->subnet.prefix);
                if (e->has_ip6 && n->has_subnet6)
                        snprintf(cidr6, sizeof(cidr6), "%s/%u",
                                 net_ip6_format(e->ip6, ip, sizeof(ip)), n->subnet6.prefix);
                net_mac_format(e->mac, mac, sizeof(mac));
                json_object_set_new(o, e->container_id,
                                    json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name",
                                              e->container_name, "EndpointID", e->endpoint_id,
                                              "MacAddress", mac, "IPv4Address", cidr, "IPv6Address",
                                              cidr6));
        }
        return o;
}

json_t *net_network_json(NetManager *m, const NetNetwork *n, bool with_containers)
{
        json_t *config = json_array();
        if (n->has_subnet && config) {
                char sn[20], gw[16], range[20];
                json_t *c =
                    json_pack("{s:s, s:s}", "Subnet", net_subnet4_format(n->subnet, sn, sizeof(sn)),
                              "Gateway", net_ip4_format(n->gateway, gw, sizeof(gw)));
                if (c && n->has_range)
                        json_object_set_new(
                            c, "IPRange",
                            json_string(net_subnet4_format(n->range, range, sizeof(range))));
                json_array_append_new(config, c);
        }
        if (n->has_subnet6 && config) {
                char sn[NET_SUBNET6_STRLEN], gw[NET_IP6_STRLEN], range[NET_SUBNET6_STRLEN];
                json_t *c = json_pack("{s:s, s:s}", "Subnet",
                                      net_subnet6_format(n->subnet6, sn, sizeof(sn)), "Gateway",
                                      net_ip6_format(n->gateway6, gw, sizeof(gw)));
                if (c && n->has_range6)
                        json_object_set_new(
                            c, "IPRange",
                            json_string(net_subnet6_format(n->range6, range, sizeof(range))));
                json_array_append_new(config, c);
        }
        json_t *o = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:{s:s, s:n, s:o}, s:b, s:b, s:b, s:{s:s}, s:b,"
            " s:o, s:O, s:O}",
            "Name", n->name, "Id", n->id, "Created", n->created, "Scope", "local", "Driver",
            n->driver, "EnableIPv4", n->has_subnet || !STREQ(n->driver, "null"), "EnableIPv6",
            n->ipv6, "IPAM", "Driver", "default", "Options", "Config", config, "Internal",
            n->internal, "Attachable", false, "Ingress", false, "ConfigFrom", "Network", "",
            "ConfigOnly", false, "Containers",
            with_containers ? containers_json(m, n) : json_object(), "Options", n->options,
            "Labels", n->labels);
        return o;
}
