/* Docker's -p/--expose syntax, plus berth's random→random form. */
#include "network/portspec.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

/* "N" or "N-M" with 0 <= N <= M <= 65535, decimal digits only. */
static int parse_range(const char *s, uint16_t *first, uint16_t *last)
{
        unsigned long v[2];
        int n = 0;
        const char *p = s;
        for (;;) {
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                char *end;
                errno = 0;
                v[n] = strtoul(p, &end, 10);
                if (errno || v[n] > 65535 || end - p > 5)
                        return -EINVAL;
                n++;
                p = end;
                if (*p == '\0')
                        break;
                if (*p != '-' || n == 2)
                        return -EINVAL;
                p++;
        }
        *first = (uint16_t)v[0];
        *last = (uint16_t)(n == 2 ? v[1] : v[0]);
        return *last < *first ? -EINVAL : 0;
}

static bool valid_proto(const char *p)
{
        return STREQ(p, "tcp") || STREQ(p, "udp") || STREQ(p, "sctp");
}

/* "80/udp" → port "80", proto "udp"; no proto or an empty one is tcp.
 * port is modified in place. */
static int split_proto(char *port, char proto[5], BerthError **err)
{
        char *slash = strchr(port, '/');
        const char *p = "tcp";
        if (slash) {
                *slash = '\0';
                if (slash[1])
                        p = slash + 1;
        }
        char lower[8] = "";
        size_t n = strlen(p);
        for (size_t i = 0; i < n && i < sizeof(lower) - 1; i++)
                lower[i] = (char)tolower((unsigned char)p[i]);
        if (n >= sizeof(lower) || !valid_proto(lower))
                return error_set(err, EINVAL, "invalid proto: %s", p);
        memcpy(proto, lower, strlen(lower) + 1);
        return 0;
}

static bool valid_env_name(const char *s)
{
        if (!*s || strlen(s) >= NET_PORT_NAME_MAX || isdigit((unsigned char)*s))
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && *s != '_')
                        return false;
        return true;
}

static int parse_same(const char *spec, NetPortSpec *ret, BerthError **err)
{
        _cleanup_free_ char *name = strdup(spec + 1);
        if (!name)
                return error_set(err, ENOMEM, "out of memory");
        int r = split_proto(name, ret->proto, err);
        if (r < 0)
                return r;
        if (!valid_env_name(name))
                return error_set(err, EINVAL,
                                 "invalid port spec %s: after '=' comes the name of the "
                                 "environment variable that receives the port "
                                 "(letters, digits and '_')",
                                 spec);
        strcpy(ret->same_env, name);
        return 0;
}

int net_portspec_parse(const char *spec, NetPortSpec *ret, BerthError **err)
{
        *ret = (NetPortSpec){0};
        if (!spec || !*spec)
                return error_set(err, EINVAL, "no port specified: <empty>");
        if (spec[0] == '=')
                return parse_same(spec, ret, err);

        _cleanup_free_ char *copy = strdup(spec);
        if (!copy)
                return error_set(err, ENOMEM, "out of memory");
        /* The last two ':'-separated parts are the ports; the rest is the IP
         * (which may itself hold ':' for IPv6). */
        char *container = strrchr(copy, ':');
        char *host = NULL, *ip = NULL;
        if (container) {
                *container++ = '\0';
                char *h = strrchr(copy, ':');
                if (h) {
                        *h++ = '\0';
                        host = h;
                        ip = copy;
                } else {
                        host = copy;
                }
        } else {
                container = copy;
        }

        if (ip && ip[0] == '[') {
                size_t n = strlen(ip);
                if (n < 3 || ip[n - 1] != ']')
                        return error_set(err, EINVAL, "invalid IP address %s", ip);
                ip[n - 1] = '\0';
                ip++;
        }
        if (ip && *ip) {
                unsigned char buf[16];
                if (inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1)
                        return error_set(err, EINVAL, "invalid IP address: %s", ip);
                if (strlen(ip) >= sizeof(ret->host_ip))
                        return error_set(err, EINVAL, "invalid IP address: %s", ip);
                strcpy(ret->host_ip, ip);
        }

        int r = split_proto(container, ret->proto, err);
        if (r < 0)
                return r;
        if (!*container)
                return error_set(err, EINVAL, "no port specified: %s<empty>", spec);
        if (parse_range(container, &ret->container_first, &ret->container_last) < 0)
                return error_set(err, EINVAL, "invalid containerPort: %s", container);
        if (host && *host) {
                if (parse_range(host, &ret->host_first, &ret->host_last) < 0)
                        return error_set(err, EINVAL, "invalid hostPort: %s", host);
                unsigned cn = ret->container_last - ret->container_first;
                unsigned hn = ret->host_last - ret->host_first;
                /* A host range for one container port is the range to pick from. */
                if (cn != hn && cn != 0)
                        return error_set(err, EINVAL,
                                         "invalid ranges specified for container and host "
                                         "Ports: %s and %s",
                                         container, host);
        }
        return 0;
}

/* "N[-M][/proto]" into its parts; -EINVAL without a message. */
static int parse_port_proto(const char *spec, uint16_t *ret_first, uint16_t *ret_last,
                            char ret_proto[5], BerthError **err)
{
        _cleanup_free_ char *copy = strdup(spec ? spec : "");
        if (!copy)
                return error_set(err, ENOMEM, "out of memory");
        int r = split_proto(copy, ret_proto, err);
        if (r < 0)
                return r;
        return parse_range(copy, ret_first, ret_last);
}

int net_expose_parse(const char *spec, uint16_t *ret_first, uint16_t *ret_last, char ret_proto[5],
                     BerthError **err)
{
        int r = parse_port_proto(spec, ret_first, ret_last, ret_proto, err);
        if (r == -EINVAL && !(err && *err))
                return error_set(err, EINVAL, "invalid range format for --expose: %s", spec);
        return r;
}

int net_port_key_parse(const char *key, uint16_t *ret_first, uint16_t *ret_last, char ret_proto[5],
                       BerthError **err)
{
        int r = parse_port_proto(key, ret_first, ret_last, ret_proto, err);
        if (r == -EINVAL && !(err && *err))
                return error_set(err, EINVAL, "invalid port: %s", key);
        return r;
}

static int add_binding(json_t *bindings, const char *key, const char *ip, const char *host_port)
{
        json_t *list = json_object_get(bindings, key);
        if (!list) {
                list = json_array();
                if (!list || json_object_set_new(bindings, key, list) < 0)
                        return -ENOMEM;
        }
        json_t *b = json_pack("{s:s, s:s}", "HostIp", ip, "HostPort", host_port);
        return b && json_array_append_new(list, b) == 0 ? 0 : -ENOMEM;
}

int net_portspec_to_api(const NetPortSpec *s, json_t *exposed_ports, json_t *port_bindings,
                        json_t *same_ports, BerthError **err)
{
        if (s->same_env[0]) {
                if (!same_ports)
                        return 0;
                json_t *o = json_pack("{s:s, s:s, s:s}", "Env", s->same_env, "Proto", s->proto,
                                      "HostIp", s->host_ip);
                if (!o || json_array_append_new(same_ports, o) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                return 0;
        }
        bool host_range_pick =
            s->host_first != s->host_last && s->container_first == s->container_last;
        for (unsigned p = s->container_first; p <= s->container_last; p++) {
                char key[16], host[16] = "";
                snprintf(key, sizeof(key), "%u/%s", p, s->proto);
                if (host_range_pick)
                        snprintf(host, sizeof(host), "%u-%u", s->host_first, s->host_last);
                else if (s->host_first || s->host_last)
                        snprintf(host, sizeof(host), "%u",
                                 s->host_first + (p - s->container_first));
                if (exposed_ports && !json_object_get(exposed_ports, key) &&
                    json_object_set_new(exposed_ports, key, json_object()) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                if (port_bindings && add_binding(port_bindings, key, s->host_ip, host) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}
