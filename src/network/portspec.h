/* Port-publishing specs as `-p`/`--publish` and `--expose` take them, with
 * Docker's syntax and meanings (go-connections nat.ParsePortSpec):
 *
 *   80               random host port → container 80 (random→static)
 *   8080:80          static1 → static2 (and 80:80, static → static)
 *   127.0.0.1:8080:80, [::1]:8080:80, 127.0.0.1::80   bound to one host IP
 *   8000-8010:8000-8010   equal-length ranges, port by port
 *   8000-8010:80     one free host port of the range → 80
 *   80/udp, 80/sctp  protocols (tcp by default)
 *
 * and one form of berth's own, which Docker rejects, for random → random:
 *
 *   =NAME[/proto]    the engine picks a free host port P and publishes
 *                    host P → container P, and sets NAME=P in the
 *                    container's environment, so that software that
 *                    advertises its own port (Erlang, Hadoop, MongoDB,
 *                    RabbitMQ) advertises one that works from outside.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

#define NET_PORT_NAME_MAX 64

typedef struct NetPortSpec {
        char host_ip[48];         /* "" = every address; IPv6 without brackets */
        uint16_t host_first;      /* 0 = the engine picks */
        uint16_t host_last;       /* == host_first for one port */
        uint16_t container_first; /* 0 only for the random→random form */
        uint16_t container_last;
        char proto[5];                    /* "tcp", "udp" or "sctp" */
        char same_env[NET_PORT_NAME_MAX]; /* the random→random form's NAME, else "" */
} NetPortSpec;

/* Parses one -p spec; -EINVAL with Docker's message naming the bad part
 * ("invalid containerPort: a", "invalid hostPort: 99999", "invalid ranges
 * specified for container and host Ports: 80-82 and 90-91", "invalid proto:
 * xyz", "invalid IP address: 1.2.3"). */
int net_portspec_parse(const char *spec, NetPortSpec *ret, BerthError **err);

/* Parses an --expose value ("80", "80/udp", "8000-8010"); *first..*last. */
int net_expose_parse(const char *spec, uint16_t *ret_first, uint16_t *ret_last, char ret_proto[5],
                     BerthError **err);

/* Adds the spec to Docker's API objects, as the docker client does:
 * ExposedPorts {"80/tcp": {}} and PortBindings {"80/tcp": [{"HostIp": "",
 * "HostPort": "8080"}]} (ranges expanded port by port; "8000-8010:80"
 * keeps HostPort "8000-8010"). The random→random form is not a Docker
 * binding: it is appended to same_ports ([{"Env": NAME, "Proto": "tcp",
 * "HostIp": ""}]) instead. Any of the three may be NULL to skip it. */
int net_portspec_to_api(const NetPortSpec *s, json_t *exposed_ports, json_t *port_bindings,
                        json_t *same_ports, BerthError **err);

/* "80/tcp" keys of ExposedPorts/PortBindings: port (or range) and proto. */
int net_port_key_parse(const char *key, uint16_t *ret_first, uint16_t *ret_last, char ret_proto[5],
                       BerthError **err);
