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
                char ip[16], mac[18], cidr[24];
                net_ip4_format(e->ip, ip, sizeof(ip));
                snprintf(cidr, sizeof(cidr), "%s/%u", ip, n->subnet.prefix);
                net_mac_format(e->mac, mac, sizeof(mac));
                json_object_set_new(o, e->container_id,
                                    json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name",
                                              e->container_name, "EndpointID", e->endpoint_id,
                                              "MacAddress", mac, "IPv4Address", cidr, "IPv6Address",
                                              ""));
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
