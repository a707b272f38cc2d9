/* berth network ...: Docker's network commands over /networks. */
#include "cli/cli_network.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"

/* "k=v" items into an object; false on an item without '='. */
static bool kv_into(json_t *obj, char **items, const char **bad)
{
        STRV_FOREACH(s, items)
        {
                const char *eq = strchr(*s, '=');
                _cleanup_free_ char *k = eq ? strndup(*s, (size_t)(eq - *s)) : strdup(*s);
                if (!k)
                        return false;
                if (!eq && bad) {
                        *bad = *s;
                        return false;
                }
                json_object_set_new(obj, k, json_string(eq ? eq + 1 : ""));
        }
        return true;
}

int cmd_network_create(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {
            "network create", "[OPTIONS] NETWORK", "Create a network", NULL, 1, 1, true};
        const char *driver = "bridge", *subnet = NULL, *gateway = NULL, *ip_range = NULL;
        bool internal = false, ipv6 = false, attachable = false;
        _cleanup_strv_free_ char **labels = NULL, **options = NULL;
        CliOpt opts[] = {
            {0, "attachable", CLI_OPT_BOOL, &attachable, NULL,
             "Enable manual container attachment"},
            {'d', "driver", CLI_OPT_STRING, &driver, "string",
             "Driver to manage the Network (default \"bridge\")"},
            {0, "gateway", CLI_OPT_STRING, &gateway, "string",
             "IPv4 Gateway for the master subnet"},
            {0, "internal", CLI_OPT_BOOL, &internal, NULL,
             "Restrict external access to the network"},
            {0, "ip-range", CLI_OPT_STRING, &ip_range, "string",
             "Allocate container ip from a sub-range"},
            {0, "ipv6", CLI_OPT_BOOL, &ipv6, NULL, "Enable IPv6 networking"},
            {0, "label", CLI_OPT_LIST, &labels, "list", "Set metadata on a network"},
            {'o', "opt", CLI_OPT_LIST, &options, "map", "Set driver specific options"},
            {0, "subnet", CLI_OPT_STRING, &subnet, "string",
             "Subnet in CIDR format that represents a network segment"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_json_ json_t *body = json_pack(
            "{s:s, s:s, s:b, s:b, s:b, s:{}, s:{}}", "Name", args[0], "Driver", driver, "Internal",
            internal, "EnableIPv6", ipv6, "Attachable", attachable, "Labels", "Options");
        if (!body)
                return 1;
        const char *bad = NULL;
        if (!kv_into(json_object_get(body, "Labels"), labels, NULL) ||
            !kv_into(json_object_get(body, "Options"), options, &bad)) {
                fprintf(stderr,
                        "invalid argument \"%s\" for \"-o, --opt\" flag: invalid key/value "
                        "pair format in driver options\n",
                        bad ? bad : "");
                return CLI_EXIT_ENGINE;
        }
        if (subnet || gateway || ip_range) {
                if (!subnet) {
                        fprintf(stderr,
                                "%s: Error response from daemon: every ip-range or gateway "
                                "must have a corresponding subnet\n",
                                cli_program);
                        return 1;
                }
                json_t *c = json_pack("{s:s}", "Subnet", subnet);
                if (gateway)
                        json_object_set_new(c, "Gateway", json_string(gateway));
                if (ip_range)
                        json_object_set_new(c, "IPRange", json_string(ip_range));
                json_object_set_new(body, "IPAM",
                                    json_pack("{s:s, s:[o]}", "Driver", "default", "Config", c));
        }
        _cleanup_json_ json_t *out = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (cli_post_json(ctx, "/networks/create", body, &out, &err) < 0)
                return cli_fail(err, 1);
        printf("%s\n", json_string_value(json_object_get(out, "Id")));
        return 0;
}

int cmd_network_ls(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"network ls",
                                       "[OPTIONS]",
                                       "List networks",
                                       "berth network ls, berth network list",
                                       0,
                                       0,
                                       true};
        bool quiet = false, no_trunc = false;
        const char *format = NULL;
        _cleanup_strv_free_ char **filters = NULL;
        CliOpt opts[] = {
            {'f', "filter", CLI_OPT_LIST, &filters, "filter",
             "Provide filter values (e.g. \"driver=bridge\")"},
            {0, "format", CLI_OPT_STRING, &format, "string",
             "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or "
             "'TEMPLATE'"},
            {0, "no-trunc", CLI_OPT_BOOL, &no_trunc, NULL, "Do not truncate the output"},
            {'q', "quiet", CLI_OPT_BOOL, &quiet, NULL, "Only display network IDs"},
            {0},
        };
        PARSE(cmd, opts);
        char *bad = NULL;
        _cleanup_free_ char *fq = cli_filters_query(filters, &bad), *path = NULL;
        if (cli_filters_bad(bad, "-f, --filter"))
                return CLI_EXIT_ENGINE;
        if (asprintf(&path, "/networks%s%s", fq ? "?filters=" : "", fq ? fq : "") < 0)
                return 1;
        _cleanup_json_ json_t *list = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (cli_get_json(ctx, path, &list, &err) < 0)
                return cli_fail(err, 1);
        /* Docker sorts by name. */
        size_t n = json_array_size(list);
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0; j--) {
                        json_t *a = json_array_get(list, j - 1), *b = json_array_get(list, j);
                        const char *na = json_string_value(json_object_get(a, "Name"));
                        const char *nb = json_string_value(json_object_get(b, "Name"));
                        if (!na || !nb || strcmp(na, nb) <= 0)
                                break;
                        json_incref(a);
                        json_array_set(list, j - 1, b);
                        json_array_set_new(list, j, a);
                }
        _cleanup_json_ json_t *rows = json_array();
        size_t i;
        json_t *net;
        json_array_foreach(list, i, net)
        {
                const char *id = json_string_value(json_object_get(net, "Id"));
                char short_id[13];
                snprintf(short_id, sizeof(short_id), "%.12s", id ? id : "");
                json_t *row = json_pack(
                    "{s:s, s:O, s:O, s:O, s:s, s:s, s:s, s:O}", "ID", no_trunc ? id : short_id,
                    "Name", json_object_get(net, "Name"), "Driver", json_object_get(net, "Driver"),
                    "Scope", json_object_get(net, "Scope"), "IPv6",
                    json_is_true(json_object_get(net, "EnableIPv6")) ? "true" : "false", "Internal",
                    json_is_true(json_object_get(net, "Internal")) ? "true" : "false", "CreatedAt",
                    json_string_value(json_object_get(net, "Created")) ?: "", "Labels",
                    json_object_get(net, "Labels"));
                json_array_append_new(rows, row);
        }
        _cleanup_json_ json_t *header =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "NETWORK ID", "Name",
                      "NAME", "Driver", "DRIVER", "Scope", "SCOPE", "IPv6", "IPV6", "Internal",
                      "INTERNAL", "CreatedAt", "CREATED AT", "Labels", "LABELS");
        if (quiet)
                format = "{{.ID}}";
        if (cli_format_rows(stdout, format, "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
                            rows, header, &err) < 0)
                return cli_fail(err, 1);
        return 0;
}

int cmd_network_inspect(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"network inspect",
                                       "[OPTIONS] NETWORK [NETWORK...]",
                                       "Display detailed information on one or more networks",
                                       NULL,
                                       1,
                                       -1,
                                       true};
        const char *format = NULL;
        bool verbose = false;
        CliOpt opts[] = {
            {'f', "format", CLI_OPT_STRING, &format, "string",
             "Format output using a custom template: 'json' or 'TEMPLATE'"},
            {'v', "verbose", CLI_OPT_BOOL, &verbose, NULL, "Verbose output for diagnostics"},
            {0},
        };
        PARSE(cmd, opts);
        CliTemplate *tmpl = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (format && *format && !STREQ(format, "json") &&
            cli_template_parse(format, &tmpl, NULL, &err) < 0) {
                fprintf(stderr, "%s\n", err->message);
                return 1;
        }
        _cleanup_json_ json_t *all = json_array();
        int failed = 0;
        for (int i = 0; i < nargs; i++) {
                _cleanup_free_ char *q = cli_urlencode(args[i]), *path = NULL;
                if (!q || asprintf(&path, "/networks/%s", q) < 0)
                        break;
                json_t *obj = NULL;
                BerthError *e = NULL;
                if (cli_get_json(ctx, path, &obj, &e) < 0) {
                        failed = 1;
                        if (e && e->code == ENOENT)
                                fprintf(stderr, "Error: No such network: %s\n", args[i]);
                        else
                                fprintf(stderr, "%s\n", e ? e->message : "error");
                        error_free(e);
                        continue;
                }
                if (tmpl) {
                        BerthError *te = NULL;
                        char *out = cli_template_render(tmpl, obj, &te);
                        if (out)
                                printf("%s\n", out);
                        else
                                fprintf(stderr, "%s\n", te ? te->message : "template error");
                        failed |= !out;
                        free(out);
                        error_free(te);
                        json_decref(obj);
                } else {
                        json_array_append_new(all, obj);
                }
        }
        if (!tmpl) {
                _cleanup_free_ char *txt =
                    json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
                printf("%s\n", txt ? txt : "[]");
        }
        cli_template_free(tmpl);
        return failed;
}

int cmd_network_rm(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"network rm",
                                       "[OPTIONS] NETWORK [NETWORK...]",
                                       "Remove one or more networks",
                                       "berth network rm, berth network remove",
                                       1,
                                       -1,
                                       true};
        bool force = false;
        CliOpt opts[] = {
            {'f', "force", CLI_OPT_BOOL, &force, NULL,
             "Do not error if the network does not exist"},
            {0},
        };
        PARSE(cmd, opts);
        int failed = 0;
        for (int i = 0; i < nargs; i++) {
                _cleanup_free_ char *q = cli_urlencode(args[i]), *path = NULL;
                if (!q || asprintf(&path, "/networks/%s", q) < 0)
                        return 1;
                BerthError *e = NULL;
                if (cli_delete(ctx, path, NULL, &e) < 0) {
                        if (!(force && e && e->code == ENOENT)) {
                                fprintf(stderr, "%s\n", e ? e->message : "error");
                                failed = 1;
                        }
                        error_free(e);
                        continue;
                }
                printf("%s\n", args[i]);
        }
        return failed;
}

int cmd_network_prune(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {
            "network prune", "[OPTIONS]", "Remove all unused networks", NULL, 0, 0, true};
        bool force = false;
        _cleanup_strv_free_ char **filters = NULL;
        CliOpt opts[] = {
            {0, "filter", CLI_OPT_LIST, &filters, "filter",
             "Provide filter values (e.g. \"label=<key>=<value>\")"},
            {'f', "force", CLI_OPT_BOOL, &force, NULL, "Do not prompt for confirmation"},
            {0},
        };
        PARSE(cmd, opts);
        if (!force && !cli_confirm("WARNING! This will remove all custom networks not used by at "
                                   "least one container."))
                return 0;
        char *bad = NULL;
        _cleanup_free_ char *fq = cli_filters_query(filters, &bad), *path = NULL;
        if (cli_filters_bad(bad, "--filter"))
                return CLI_EXIT_ENGINE;
        if (asprintf(&path, "/networks/prune%s%s", fq ? "?filters=" : "", fq ? fq : "") < 0)
                return 1;
        _cleanup_json_ json_t *out = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (cli_post_json(ctx, path, NULL, &out, &err) < 0)
                return cli_fail(err, 1);
        json_t *deleted = json_object_get(out, "NetworksDeleted");
        if (json_array_size(deleted)) {
                printf("Deleted Networks:\n");
                size_t i;
                json_t *n;
                json_array_foreach(deleted, i, n) printf("%s\n", json_string_value(n));
        }
        return 0;
}

int cmd_network_connect(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"network connect",
                                       "[OPTIONS] NETWORK CONTAINER",
                                       "Connect a container to a network",
                                       NULL,
                                       2,
                                       2,
                                       true};
        _cleanup_strv_free_ char **aliases = NULL, **links = NULL;
        const char *ip = NULL;
        CliOpt opts[] = {
            {0, "alias", CLI_OPT_LIST, &aliases, "strings",
             "Add network-scoped alias for the "
             "container"},
            {0, "ip", CLI_OPT_STRING, &ip, "string", "IPv4 address (e.g., \"172.30.100.104\")"},
            {0, "link", CLI_OPT_LIST, &links, "list", "Add link to another container"},
            {0},
        };
        PARSE(cmd, opts);
        json_t *ep = json_object();
        json_t *al = json_array();
        STRV_FOREACH(a, aliases) json_array_append_new(al, json_string(*a));
        json_object_set_new(ep, "Aliases", al);
        if (ip)
                json_object_set_new(ep, "IPAMConfig", json_pack("{s:s}", "IPv4Address", ip));
        _cleanup_json_ json_t *body =
            json_pack("{s:s, s:o}", "Container", args[1], "EndpointConfig", ep);
        _cleanup_free_ char *q = cli_urlencode(args[0]), *path = NULL;
        if (!body || !q || asprintf(&path, "/networks/%s/connect", q) < 0)
                return 1;
        _cleanup_error_ BerthError *err = NULL;
        if (cli_post_json(ctx, path, body, NULL, &err) < 0)
                return cli_fail(err, 1);
        return 0;
}

int cmd_network_disconnect(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"network disconnect",
                                       "[OPTIONS] NETWORK CONTAINER",
                                       "Disconnect a container from a network",
                                       NULL,
                                       2,
                                       2,
                                       true};
        bool force = false;
        CliOpt opts[] = {
            {'f', "force", CLI_OPT_BOOL, &force, NULL,
             "Force the container to disconnect from a network"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_json_ json_t *body = json_pack("{s:s, s:b}", "Container", args[1], "Force", force);
        _cleanup_free_ char *q = cli_urlencode(args[0]), *path = NULL;
        if (!body || !q || asprintf(&path, "/networks/%s/disconnect", q) < 0)
                return 1;
        _cleanup_error_ BerthError *err = NULL;
        if (cli_post_json(ctx, path, body, NULL, &err) < 0)
                return cli_fail(err, 1);
        return 0;
}
