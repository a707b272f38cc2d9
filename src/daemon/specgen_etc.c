/* <container_dir>/hostname, hosts and resolv.conf, written as Docker writes
 * them (libnetwork/etchosts, libnetwork/internal/resolvconf): the default
 * localhost and IPv6 records plus --add-host entries, and at start legacy
 * links and the container's own addresses; the host's resolv.conf without
 * localhost nameservers (Docker's defaults when none remain), or
 * --dns/--dns-search/--dns-option. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/strv.h"
#include "daemon/specgen_internal.h"

const char *sg_host_resolv_conf = "/etc/resolv.conf";

/* A growing string. */
typedef struct Buf {
        char *s;
        size_t len, cap;
        bool oom;
} Buf;

static void buf_add(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_add(Buf *b, const char *fmt, ...)
{
        if (b->oom)
                return;
        va_list ap;
        va_start(ap, fmt);
        char *t = NULL;
        int n = vasprintf(&t, fmt, ap);
        va_end(ap);
        if (n < 0) {
                b->oom = true;
                return;
        }
        if (b->len + (size_t)n + 1 > b->cap) {
                size_t cap = (b->cap ? b->cap * 2 : 256) + (size_t)n;
                char *ns = realloc(b->s, cap);
                if (!ns) {
                        free(t);
                        b->oom = true;
                        return;
                }
                b->s = ns;
                b->cap = cap;
        }
        memcpy(b->s + b->len, t, (size_t)n + 1);
        b->len += (size_t)n;
        free(t);
}

static bool valid_ip(const char *s, bool *ret_v6)
{
        unsigned char addr[16];
        if (inet_pton(AF_INET, s, addr) == 1) {
                if (ret_v6)
                        *ret_v6 = false;
                return true;
        }
        if (inet_pton(AF_INET6, s, addr) == 1) {
                if (ret_v6)
                        *ret_v6 = true;
                return true;
        }
        return false;
}

int sg_validate_extra_host(const char *val, BerthError **err)
{
        const char *c = strchr(val, ':');
        if (!c || c == val)
                return error_set(err, EINVAL, "bad format for add-host: \"%s\"", val);
        const char *ip = c + 1;
        if (STREQ(ip, "host-gateway"))
                return 0;
        /* "[::1]" is accepted in brackets too */
        _cleanup_free_ char *copy = strdup(ip);
        if (!copy)
                return -ENOMEM;
        size_t n = strlen(copy);
        if (n >= 2 && copy[0] == '[' && copy[n - 1] == ']') {
                copy[n - 1] = '\0';
                memmove(copy, copy + 1, n - 1);
        }
        if (!valid_ip(copy, NULL))
                return error_set(err, EINVAL, "invalid IP address in add-host: \"%s\"", ip);
        return 0;
}

/* The names of the container's own lines, as libnetwork's makeHostsRecs:
 * the FQDN (hostname + Domainname), then the bare name if it has a dot. */
static char *own_names(const SpecgenInput *in, const char *hostname)
{
        const char *dn = sg_str(in->config, "Domainname");
        char *fqdn = NULL;
        if (asprintf(&fqdn, "%s%s%s", hostname, dn && *dn ? "." : "", dn ? dn : "") < 0)
                return NULL;
        const char *dot = strchr(fqdn, '.');
        if (!dot)
                return fqdn;
        char *names = NULL;
        if (asprintf(&names, "%s %.*s", fqdn, (int)(dot - fqdn), fqdn) < 0)
                names = NULL;
        free(fqdn);
        return names;
}

static int build_hosts(const SpecgenInput *in, json_t *hc, const char *hostname,
                       const char *link_lines, char *const *own_addrs, Buf *b, BerthError **err)
{
        SgMode net = sg_parse_mode('n', sg_str(hc, "NetworkMode"), NULL);
        /* Host networking: the host's own hosts file, unless --add-host
         * asks for entries that may override it (libnetwork). */
        if (net == SG_MODE_HOST && json_array_size(sg_array(hc, "ExtraHosts")) == 0) {
                _cleanup_free_ char *host = NULL;
                if (read_file("/etc/hosts", &host, NULL, NULL) >= 0)
                        buf_add(b, "%s", host);
        } else {
                buf_add(b, "127.0.0.1\tlocalhost\n");
                buf_add(b, "::1\tlocalhost ip6-localhost ip6-loopback\n");
                buf_add(b, "fe00::\tip6-localnet\n");
                buf_add(b, "ff00::\tip6-mcastprefix\n");
                buf_add(b, "ff02::1\tip6-allnodes\n");
                buf_add(b, "ff02::2\tip6-allrouters\n");
        }
        size_t i;
        json_t *v;
        json_array_foreach(sg_array(hc, "ExtraHosts"), i, v)
        {
                const char *e = json_string_value(v);
                if (!e)
                        return error_set(err, EINVAL, "invalid ExtraHosts: expected strings");
                int r = sg_validate_extra_host(e, err);
                if (r < 0)
                        return r;
                const char *c = strchr(e, ':');
                const char *ip = c + 1;
                if (STREQ(ip, "host-gateway"))
                        return error_set(err, EINVAL,
                                         "add-host \"%s\": host-gateway is not supported until "
                                         "networking is",
                                         e);
                size_t iplen = strlen(ip);
                if (iplen >= 2 && ip[0] == '[' && ip[iplen - 1] == ']') {
                        ip++;
                        iplen -= 2;
                }
                buf_add(b, "%.*s\t%.*s\n", (int)iplen, ip, (int)(c - e), e);
        }
        if (net == SG_MODE_HOST)
                return 0;
        /* Links come as extra hosts after --add-host, the container's own
         * addresses last (libnetwork's buildHostsFile). */
        if (link_lines)
                buf_add(b, "%s", link_lines);
        if (own_addrs && *own_addrs) {
                _cleanup_free_ char *names = own_names(in, hostname);
                if (!names)
                        return error_set(err, ENOMEM, "out of memory");
                STRV_FOREACH(a, (char **)own_addrs)
                buf_add(b, "%s\t%s\n", *a, names);
        }
        return 0;
}

static bool is_localhost_ns(const char *ip)
{
        return strncmp(ip, "127.", 4) == 0 || STREQ(ip, "::1") ||
               strncmp(ip, "0:0:0:0:0:0:0:1", 15) == 0;
}

static int build_resolv(json_t *hc, Buf *b, BerthError **err)
{
        SgMode net = sg_parse_mode('n', sg_str(hc, "NetworkMode"), NULL);
        _cleanup_free_ char *host = NULL;
        (void)read_file(sg_host_resolv_conf, &host, NULL, NULL);
        _cleanup_strv_free_ char **ns = NULL, **other = NULL;
        _cleanup_free_ char *search = NULL, *options = NULL;
        if (host) {
                char *save = NULL;
                for (char *line = strtok_r(host, "\n", &save); line;
                     line = strtok_r(NULL, "\n", &save)) {
                        char *p = line;
                        while (*p == ' ' || *p == '\t')
                                p++;
                        if (strncmp(p, "nameserver", 10) == 0 && (p[10] == ' ' || p[10] == '\t')) {
                                char *ip = p + 10;
                                while (*ip == ' ' || *ip == '\t')
                                        ip++;
                                ip[strcspn(ip, " \t\r#;")] = '\0';
                                bool v6 = false;
                                if (!valid_ip(ip, &v6))
                                        continue;
                                /* legacy networking: no localhost servers, and
                                 * no IPv6 ones without IPv6 */
                                if (net != SG_MODE_HOST && (is_localhost_ns(ip) || v6))
                                        continue;
                                strv_append(&ns, ip);
                        } else if ((strncmp(p, "search", 6) == 0 || strncmp(p, "domain", 6) == 0) &&
                                   (p[6] == ' ' || p[6] == '\t')) {
                                free(search);
                                search = strdup(p + 7);
                        } else if (strncmp(p, "options", 7) == 0 && (p[7] == ' ' || p[7] == '\t')) {
                                free(options);
                                options = strdup(p + 8);
                        } else if (*p && *p != '#' && *p != ';')
                                strv_append(&other, p);
                }
        }
        _cleanup_strv_free_ char **overrides = NULL;
        bool used_defaults = false;
        size_t i;
        json_t *v;
        json_t *dns = sg_array(hc, "Dns");
        if (json_array_size(dns) > 0) {
                strv_free(ns);
                ns = NULL;
                json_array_foreach(dns, i, v)
                {
                        const char *ip = json_string_value(v);
                        if (!ip || !valid_ip(ip, NULL))
                                return error_set(err, EINVAL, "%s is not an ip address",
                                                 ip ? ip : "(non-string)");
                        strv_append(&ns, ip);
                }
                strv_append(&overrides, "nameservers");
        } else if (!ns) {
                strv_append(&ns, "8.8.8.8");
                strv_append(&ns, "8.8.4.4");
                used_defaults = true;
        }
        json_t *ds = sg_array(hc, "DnsSearch");
        if (json_array_size(ds) > 0) {
                Buf sb = {0};
                json_array_foreach(ds, i, v) if (json_is_string(v))
                    buf_add(&sb, "%s%s", sb.len ? " " : "", json_string_value(v));
                free(search);
                search = sb.s;
                strv_append(&overrides, "search");
        }
        json_t *dopt = sg_array(hc, "DnsOptions");
        if (json_array_size(dopt) > 0) {
                Buf ob = {0};
                json_array_foreach(dopt, i, v) if (json_is_string(v))
                    buf_add(&ob, "%s%s", ob.len ? " " : "", json_string_value(v));
                free(options);
                options = ob.s;
                strv_append(&overrides, "options");
        }

        buf_add(b, "# Generated by Docker Engine.\n"
                   "# This file can be edited; Docker Engine will not make further changes once "
                   "it\n# has been modified.\n\n");
        STRV_FOREACH(n, ns)
        buf_add(b, "nameserver %s\n", *n);
        /* "." alone clears the search list */
        if (search && *search && !STREQ(search, "."))
                buf_add(b, "search %s\n", search);
        if (options && *options)
                buf_add(b, "options %s\n", options);
        STRV_FOREACH(o, other)
        buf_add(b, "%s\n", *o);
        buf_add(b, "\n# Based on host file: '%s' (legacy)\n", sg_host_resolv_conf);
        if (used_defaults)
                buf_add(b, "# Used default nameservers.\n");
        buf_add(b, "# Overrides: [");
        STRV_FOREACH(o, overrides)
        buf_add(b, "%s%s", o == overrides ? "" : " ", *o);
        buf_add(b, "]\n");
        return 0;
}

static int write_one(const char *dir, const char *name, Buf *b, BerthError **err)
{
        if (b->oom)
                return error_set(err, ENOMEM, "out of memory");
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return write_file_replace(path, b->s ? b->s : "", b->len, 0644, err);
}

int specgen_write_etc_files(const SpecgenInput *in, BerthError **err)
{
        if (!in || !in->container_dir)
                return 0;
        json_t *hc = sg_host_config(in->request);
        _cleanup_free_ char *hostname = sg_hostname(in);
        if (!hostname)
                return error_set(err, ENOMEM, "out of memory");
        Buf h = {0}, hosts = {0}, resolv = {0};
        buf_add(&h, "%s\n", hostname);
        int r = build_hosts(in, hc, hostname, NULL, NULL, &hosts, err);
        if (r >= 0)
                r = build_resolv(hc, &resolv, err);
        if (r >= 0)
                r = write_one(in->container_dir, "hostname", &h, err);
        if (r >= 0)
                r = write_one(in->container_dir, "hosts", &hosts, err);
        if (r >= 0)
                r = write_one(in->container_dir, "resolv.conf", &resolv, err);
        free(h.s);
        free(hosts.s);
        free(resolv.s);
        return r < 0 ? r : 0;
}

int specgen_write_hosts(const SpecgenInput *in, const char *link_lines, char *const *own_addrs,
                        BerthError **err)
{
        if (!in || !in->container_dir)
                return 0;
        _cleanup_free_ char *hostname = sg_hostname(in);
        if (!hostname)
                return error_set(err, ENOMEM, "out of memory");
        Buf hosts = {0};
        int r = build_hosts(in, sg_host_config(in->request), hostname, link_lines, own_addrs,
                            &hosts, err);
        if (r >= 0)
                r = write_one(in->container_dir, "hosts", &hosts, err);
        free(hosts.s);
        return r < 0 ? r : 0;
}
