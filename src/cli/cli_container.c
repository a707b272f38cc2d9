/* Container commands: start, stop, restart, kill, rm, pause, unpause, wait,
 * rename, attach, ps, top, port, export, container prune. (logs, exec and
 * inspect are in cli_logs.c, cli_exec.c and cli_inspect.c.) */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/strv.h"

/* Runs METHOD /containers/<ref>SUFFIX for each argument, printing the
 * argument on success and the error otherwise; exit 1 if any failed. */
static int for_each(CliContext *ctx, char **args, int nargs, const char *method,
                    const char *fmt_suffix, const char *query, bool print)
{
        int failed = 0;
        for (int i = 0; i < nargs; i++) {
                _cleanup_error_ BerthError *err = NULL;
                _cleanup_free_ char *q = cli_urlencode(args[i]), *path = NULL;
                if (!q ||
                    asprintf(&path, "/containers/%s%s%s", q, fmt_suffix, query ? query : "") < 0)
                        return 1;
                int r = STREQ(method, "DELETE") ? cli_delete(ctx, path, NULL, &err)
                                                : cli_post_json(ctx, path, NULL, NULL, &err);
                if (r < 0) {
                        fprintf(stderr, "%s\n", err->message);
                        failed = 1;
                        if (r == -ECONNREFUSED)
                                return 1;
                        continue;
                }
                if (print)
                        printf("%s\n", args[i]);
        }
        return failed;
}

int cmd_start(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"start",
                                       "[OPTIONS] CONTAINER [CONTAINER...]",
                                       "Start one or more stopped containers",
                                       "berth container start, berth start",
                                       1,
                                       -1,
                                       true};
        bool attach = false, interactive = false;
        const char *detach_keys = NULL;
        CliOpt opts[] = {
            {'a', "attach", CLI_OPT_BOOL, &attach, NULL,
             "Attach STDOUT/STDERR and forward signals"},
            {0, "detach-keys", CLI_OPT_STRING, &detach_keys, "string",
             "Override the key sequence for detaching a container"},
            {'i', "interactive", CLI_OPT_BOOL, &interactive, NULL, "Attach container's STDIN"},
            {0},
        };
        PARSE(cmd, opts);
        if (attach || interactive) {
                if (nargs > 1) {
                        fprintf(stderr,
                                "%s: you cannot start and attach multiple containers at "
                                "once\n",
                                cli_program);
                        return 1;
                }
                return cli_attach_container(ctx, "start", args[0], true, interactive, detach_keys,
                                            true, attach || interactive);
        }
        int failed = 0;
        _cleanup_strv_free_ char **bad = NULL;
        for (int i = 0; i < nargs; i++) {
                _cleanup_error_ BerthError *err = NULL;
                _cleanup_free_ char *q = cli_urlencode(args[i]), *path = NULL;
                if (!q || asprintf(&path, "/containers/%s/start", q) < 0)
                        return 1;
                if (cli_post_json(ctx, path, NULL, NULL, &err) < 0) {
                        fprintf(stderr, "%s\n", err->message);
                        strv_append(&bad, args[i]);
                        failed = 1;
                        continue;
                }
                printf("%s\n", args[i]);
        }
        if (failed) {
                fprintf(stderr, "Error: failed to start containers:");
                STRV_FOREACH(b, bad)
                fprintf(stderr, " %s", *b);
                fprintf(stderr, "\n");
        }
        return failed;
}

static int stop_like(CliContext *ctx, int argc, char **argv, bool restart)
{
        static const CliCommand stop_cmd = {"stop",
                                            "[OPTIONS] CONTAINER [CONTAINER...]",
                                            "Stop one or more running containers",
                                            "berth container stop, berth stop",
                                            1,
                                            -1,
                                            true};
        static const CliCommand restart_cmd = {"restart",
                                               "[OPTIONS] CONTAINER [CONTAINER...]",
                                               "Restart one or more containers",
                                               "berth container restart, berth restart",
                                               1,
                                               -1,
                                               true};
        const char *sig = NULL;
        long long timeout = 0;
        CliOpt opts[] = {
            {'s', "signal", CLI_OPT_STRING, &sig, "string", "Signal to send to the container"},
            {'t', "timeout", CLI_OPT_INT, &timeout, "int",
             "Seconds to wait before killing the container"},
            {0, "time", CLI_OPT_INT, &timeout, "int",
             "Seconds to wait before killing the container", .hidden = true},
            {0},
        };
        const CliCommand *which = restart ? &restart_cmd : &stop_cmd;
        PARSE(*which, opts);
        _cleanup_free_ char *query = NULL, *qs = sig ? cli_urlencode(sig) : NULL;
        bool has_t = opts[1].set || opts[2].set;
        if (asprintf(&query, "%s%s%s%s%s", (sig || has_t) ? "?" : "", sig ? "signal=" : "",
                     qs ? qs : "", (sig && has_t) ? "&" : "", has_t ? "t=" : "") < 0)
                return 1;
        if (has_t) {
                char *q2 = NULL;
                if (asprintf(&q2, "%s%lld", query, timeout) < 0)
                        return 1;
                free(query);
                query = q2;
        }
        return for_each(ctx, args, nargs, "POST", restart ? "/restart" : "/stop", query, true);
}

int cmd_stop(CliContext *ctx, int argc, char **argv)
{
        return stop_like(ctx, argc, argv, false);
}

int cmd_restart(CliContext *ctx, int argc, char **argv)
{
        return stop_like(ctx, argc, argv, true);
}

int cmd_kill(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"kill",
                                       "[OPTIONS] CONTAINER [CONTAINER...]",
                                       "Kill one or more running containers",
                                       "berth container kill, berth kill",
                                       1,
                                       -1,
                                       true};
        const char *sig = NULL;
        CliOpt opts[] = {
            {'s', "signal", CLI_OPT_STRING, &sig, "string", "Signal to send to the container"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_free_ char *query = NULL, *qs = sig ? cli_urlencode(sig) : NULL;
        if (qs && asprintf(&query, "?signal=%s", qs) < 0)
                return 1;
        return for_each(ctx, args, nargs, "POST", "/kill", query, true);
}

int cmd_rm(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"rm",
                                       "[OPTIONS] CONTAINER [CONTAINER...]",
                                       "Remove one or more containers",
                                       "berth container rm, berth container remove, berth rm",
                                       1,
                                       -1,
                                       true};
        bool force = false, volumes = false, link = false;
        CliOpt opts[] = {
            {'f', "force", CLI_OPT_BOOL, &force, NULL,
             "Force the removal of a running container (uses SIGKILL)"},
            {'l', "link", CLI_OPT_BOOL, &link, NULL, "Remove the specified link"},
            {'v', "volumes", CLI_OPT_BOOL, &volumes, NULL,
             "Remove anonymous volumes associated with the container"},
            {0},
        };
        PARSE(cmd, opts);
        const char *q = force && volumes ? "?force=1&v=1"
                        : force          ? "?force=1"
                        : volumes        ? "?v=1"
                                         : NULL;
        return for_each(ctx, args, nargs, "DELETE", "", q, true);
}

int cmd_pause(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"pause",
                                       "CONTAINER [CONTAINER...]",
                                       "Pause all processes within one or more containers",
                                       "berth container pause, berth pause",
                                       1,
                                       -1,
                                       true};
        CliOpt opts[] = {{0}};
        PARSE(cmd, opts);
        return for_each(ctx, args, nargs, "POST", "/pause", NULL, true);
}

int cmd_unpause(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"unpause",
                                       "CONTAINER [CONTAINER...]",
                                       "Unpause all processes within one or more containers",
                                       "berth container unpause, berth unpause",
                                       1,
                                       -1,
                                       true};
        CliOpt opts[] = {{0}};
        PARSE(cmd, opts);
        return for_each(ctx, args, nargs, "POST", "/unpause", NULL, true);
}

int cmd_wait(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"wait",
                                       "CONTAINER [CONTAINER...]",
                                       "Block until one or more containers stop, then print their "
                                       "exit codes",
                                       "berth container wait, berth wait",
                                       1,
                                       -1,
                                       true};
        CliOpt opts[] = {{0}};
        PARSE(cmd, opts);
        int failed = 0;
        for (int i = 0; i < nargs; i++) {
                _cleanup_error_ BerthError *err = NULL;
                _cleanup_json_ json_t *res = NULL;
                _cleanup_free_ char *q = cli_urlencode(args[i]), *path = NULL;
                if (!q || asprintf(&path, "/containers/%s/wait", q) < 0)
                        return 1;
                if (cli_post_json(ctx, path, NULL, &res, &err) < 0) {
                        fprintf(stderr, "%s\n", err->message);
                        failed = 1;
                        continue;
                }
                json_t *sc = json_object_get(res, "StatusCode");
                printf("%lld\n", (long long)json_integer_value(sc));
        }
        return failed;
}

int cmd_rename(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"rename",
                                       "CONTAINER NEW_NAME",
                                       "Rename a container",
                                       "berth container rename, berth rename",
                                       2,
                                       2,
                                       true};
        CliOpt opts[] = {{0}};
        _cleanup_error_ BerthError *err = NULL;
        PARSE(cmd, opts);
        _cleanup_free_ char *q = cli_urlencode(args[0]), *n = cli_urlencode(args[1]), *path = NULL;
        if (!*args[0] || !*args[1]) {
                fprintf(stderr, "Error: Neither old nor new names may be empty\n");
                return 1;
        }
        if (!q || !n || asprintf(&path, "/containers/%s/rename?name=%s", q, n) < 0)
                return 1;
        if (cli_post_json(ctx, path, NULL, NULL, &err) < 0) {
                if (err->code == ECONNREFUSED)
                        return cli_fail(err, 1);
                fprintf(stderr, "%s\nError: failed to rename container named %s\n", err->message,
                        args[0]);
                return 1;
        }
        return 0;
}

int cmd_attach(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {
            "attach",
            "[OPTIONS] CONTAINER",
            "Attach local standard input, output, and error streams to a running container",
            "berth container attach, berth attach",
            1,
            1,
            true};
        bool no_stdin = false, sig_proxy = true;
        const char *detach_keys = NULL;
        CliOpt opts[] = {
            {0, "detach-keys", CLI_OPT_STRING, &detach_keys, "string",
             "Override the key sequence for detaching a container"},
            {0, "no-stdin", CLI_OPT_BOOL, &no_stdin, NULL, "Do not attach STDIN"},
            {0, "sig-proxy", CLI_OPT_BOOL, &sig_proxy, NULL,
             "Proxy all received signals to the process (default true)"},
            {0},
        };
        PARSE(cmd, opts);
        return cli_attach_container(ctx, "attach", args[0], false, !no_stdin, detach_keys,
                                    sig_proxy, true);
}

/* ---- ps ----------------------------------------------------------------- */

static char *ellipsis(const char *s, size_t max)
{
        size_t w = 0;
        const char *p = s;
        for (; *p; p++) {
                if (((unsigned char)*p & 0xC0) != 0x80) {
                        if (w == max - 1) {
                                /* does the rest fit? */
                                size_t rest = 0;
                                for (const char *q = p; *q; q++)
                                        if (((unsigned char)*q & 0xC0) != 0x80)
                                                rest++;
                                if (rest <= 1)
                                        return strdup(s);
                                char *out = NULL;
                                if (asprintf(&out, "%.*s…", (int)(p - s), s) < 0)
                                        return NULL;
                                return out;
                        }
                        w++;
                }
        }
        return strdup(s);
}

/* Go's strconv.Quote for printable text: escapes " and \ and controls. */
static char *go_quote(const char *s)
{
        size_t n = strlen(s);
        char *out = malloc(n * 4 + 3), *o = out;
        if (!out)
                return NULL;
        *o++ = '"';
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p == '"' || *p == '\\') {
                        *o++ = '\\';
                        *o++ = (char)*p;
                } else if (*p == '\n') {
                        *o++ = '\\';
                        *o++ = 'n';
                } else if (*p == '\t') {
                        *o++ = '\\';
                        *o++ = 't';
                } else if (*p < 0x20 || *p == 0x7f) {
                        o += sprintf(o, "\\x%02x", *p);
                } else {
                        *o++ = (char)*p;
                }
        }
        *o++ = '"';
        *o = 0;
        return out;
}

static char *short_id(const char *id, bool no_trunc)
{
        if (!id)
                return strdup("");
        if (strncmp(id, "sha256:", 7) == 0 && !no_trunc)
                id += 7;
        return no_trunc ? strdup(id) : strndup(id, 12);
}

static char *format_ports(json_t *ports)
{
        size_t i;
        json_t *p;
        char *out = strdup(""), *tmp;
        json_array_foreach(ports, i, p)
        {
                const char *ip = json_string_value(json_object_get(p, "IP"));
                json_int_t priv = json_integer_value(json_object_get(p, "PrivatePort"));
                json_int_t pub = json_integer_value(json_object_get(p, "PublicPort"));
                const char *type = json_string_value(json_object_get(p, "Type"));
                int r;
                if (pub)
                        r = asprintf(&tmp, "%s%s%s:%lld->%lld/%s", out, *out ? ", " : "",
                                     ip ? ip : "0.0.0.0", (long long)pub, (long long)priv,
                                     type ? type : "tcp");
                else
                        r = asprintf(&tmp, "%s%s%lld/%s", out, *out ? ", " : "", (long long)priv,
                                     type ? type : "tcp");
                if (r < 0)
                        break;
                free(out);
                out = tmp;
        }
        return out;
}

static char *local_time(int64_t t)
{
        char buf[128];
        time_t tt = (time_t)t;
        struct tm tm;
        localtime_r(&tt, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z %Z", &tm);
        return strdup(buf);
}

static json_t *ps_row(json_t *c, bool no_trunc, int64_t now)
{
        json_t *row = json_object();
        _cleanup_free_ char *id = short_id(json_string_value(json_object_get(c, "Id")), no_trunc);
        const char *image = json_string_value(json_object_get(c, "Image"));
        const char *command = json_string_value(json_object_get(c, "Command"));
        int64_t created = json_integer_value(json_object_get(c, "Created"));
        _cleanup_free_ char *cmd_t =
            no_trunc ? strdup(command ? command : "") : ellipsis(command ? command : "", 20);
        _cleanup_free_ char *cmd_q = go_quote(cmd_t ? cmd_t : "");
        _cleanup_free_ char *dur = cli_human_duration(now - created);
        _cleanup_free_ char *ago = NULL, *created_at = local_time(created);
        _cleanup_free_ char *ports = format_ports(json_object_get(c, "Ports"));
        _cleanup_free_ char *img = NULL;
        if (image && strncmp(image, "sha256:", 7) == 0)
                img = short_id(image, no_trunc);
        if (asprintf(&ago, "%s ago", dur ? dur : "") < 0)
                ago = NULL;

        /* names: without the leading slash, skipping link names */
        char *names = strdup(""), *tmp;
        size_t i;
        json_t *n;
        json_array_foreach(json_object_get(c, "Names"), i, n)
        {
                const char *s = json_string_value(n);
                if (!s)
                        continue;
                if (*s == '/')
                        s++;
                if (strchr(s, '/') && !no_trunc)
                        continue;
                if (asprintf(&tmp, "%s%s%s", names, *names ? "," : "", s) >= 0) {
                        free(names);
                        names = tmp;
                }
        }
        char *labels = strdup("");
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(c, "Labels"), k, v)
        {
                if (asprintf(&tmp, "%s%s%s=%s", labels, *labels ? "," : "", k,
                             json_string_value(v) ? json_string_value(v) : "") >= 0) {
                        free(labels);
                        labels = tmp;
                }
        }
        char *mounts = strdup("");
        json_array_foreach(json_object_get(c, "Mounts"), i, v)
        {
                const char *name = json_string_value(json_object_get(v, "Name"));
                if (!name)
                        name = json_string_value(json_object_get(v, "Source"));
                if (asprintf(&tmp, "%s%s%s", mounts, *mounts ? "," : "", name ? name : "") >= 0) {
                        free(mounts);
                        mounts = tmp;
                }
        }
        char *networks = strdup("");
        json_object_foreach(json_object_get(json_object_get(c, "NetworkSettings"), "Networks"), k,
                            v)
        {
                if (asprintf(&tmp, "%s%s%s", networks, *networks ? "," : "", k) >= 0) {
                        free(networks);
                        networks = tmp;
                }
        }
        char *size = cli_human_size((double)json_integer_value(json_object_get(c, "SizeRw")));
        json_t *rw = json_object_get(c, "SizeRw"), *rootfs = json_object_get(c, "SizeRootFs");
        if (json_integer_value(rootfs) > 0) {
                _cleanup_free_ char *a = cli_human_size((double)json_integer_value(rw));
                _cleanup_free_ char *b = cli_human_size((double)json_integer_value(rootfs));
                free(size);
                if (asprintf(&size, "%s (virtual %s)", a, b) < 0)
                        size = NULL;
        }
        json_object_set_new(row, "Command", json_string(cmd_q ? cmd_q : ""));
        json_object_set_new(row, "CreatedAt", json_string(created_at ? created_at : ""));
        json_object_set_new(row, "ID", json_string(id ? id : ""));
        json_object_set_new(row, "Image", json_string(img ? img : image ? image : ""));
        json_object_set_new(row, "Labels", json_string(labels ? labels : ""));
        json_object_set_new(row, "LocalVolumes", json_string("0"));
        json_object_set_new(row, "Mounts", json_string(mounts ? mounts : ""));
        json_object_set_new(row, "Names", json_string(names ? names : ""));
        json_object_set_new(row, "Networks", json_string(networks ? networks : ""));
        json_object_set_new(row, "Ports", json_string(ports ? ports : ""));
        json_object_set_new(row, "RunningFor", json_string(ago ? ago : ""));
        json_object_set_new(row, "Size", json_string(size ? size : "0B"));
        json_object_set_new(row, "State",
                            json_string(json_string_value(json_object_get(c, "State"))
                                            ? json_string_value(json_object_get(c, "State"))
                                            : ""));
        json_object_set_new(row, "Status",
                            json_string(json_string_value(json_object_get(c, "Status"))
                                            ? json_string_value(json_object_get(c, "Status"))
                                            : ""));
        free(names);
        free(labels);
        free(mounts);
        free(networks);
        free(size);
        return row;
}

/* --filter k=v (repeatable) → docker's filters JSON {"k":{"v":true}},
 * URL-encoded. NULL when there are none. */
bool cli_filters_bad(const char *bad, const char *flag)
{
        if (!bad)
                return false;
        fprintf(stderr,
                "invalid argument \"%s\" for \"%s\" flag: bad format of filter (expected "
                "name=value)\n",
                bad, flag);
        return true;
}

char *cli_filters_query(char **filters, char **ret_bad)
{
        _cleanup_json_ json_t *f = json_object();
        *ret_bad = NULL;
        if (!filters)
                return NULL;
        STRV_FOREACH(s, filters)
        {
                char *eq = strchr(*s, '=');
                if (!eq) {
                        *ret_bad = *s;
                        return NULL;
                }
                _cleanup_free_ char *k = strndup(*s, (size_t)(eq - *s));
                json_t *m = json_object_get(f, k);
                if (!m) {
                        m = json_object();
                        json_object_set_new(f, k, m);
                }
                json_object_set_new(m, eq + 1, json_true());
        }
        _cleanup_free_ char *txt = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS);
        return txt ? cli_urlencode(txt) : NULL;
}

static json_t *ps_header(void)
{
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                         "Command", "COMMAND", "CreatedAt", "CREATED AT", "ID", "CONTAINER ID",
                         "Image", "IMAGE", "Labels", "LABELS", "LocalVolumes", "LOCAL VOLUMES",
                         "Mounts", "MOUNTS", "Names", "NAMES", "Networks", "NETWORKS", "Ports",
                         "PORTS", "RunningFor", "CREATED", "Size", "SIZE", "State", "STATE",
                         "Status", "STATUS");
}

int cmd_ps(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"ps",
                                       "[OPTIONS]",
                                       "List containers",
                                       "berth container ls, berth container list, berth container "
                                       "ps, berth ps",
                                       0,
                                       0,
                                       true};
        bool all = false, latest = false, no_trunc = false, quiet = false, size = false;
        long long last = -1;
        const char *format = NULL;
        _cleanup_strv_free_ char **filters = NULL;
        CliOpt opts[] = {
            {'a', "all", CLI_OPT_BOOL, &all, NULL,
             "Show all containers (default shows just running)"},
            {'f', "filter", CLI_OPT_LIST, &filters, "filter",
             "Filter output based on conditions provided"},
            {0, "format", CLI_OPT_STRING, &format, "string",
             "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or "
             "'TEMPLATE'"},
            {'n', "last", CLI_OPT_INT, &last, "int",
             "Show n last created containers (includes all states) (default -1)"},
            {'l', "latest", CLI_OPT_BOOL, &latest, NULL,
             "Show the latest created container (includes all states)"},
            {0, "no-trunc", CLI_OPT_BOOL, &no_trunc, NULL, "Don't truncate output"},
            {'q', "quiet", CLI_OPT_BOOL, &quiet, NULL, "Only display container IDs"},
            {'s', "size", CLI_OPT_BOOL, &size, NULL, "Display total file sizes"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_error_ BerthError *err = NULL;
        char *bad = NULL;
        _cleanup_free_ char *fq = cli_filters_query(filters, &bad);
        if (bad) {
                fprintf(stderr,
                        "invalid argument \"%s\" for \"-f, --filter\" flag: bad format "
                        "of filter (expected name=value)\n\nUsage:  %s ps [OPTIONS]\n\n"
                        "Run '%s ps --help' for more information\n",
                        bad, cli_program, cli_program);
                return CLI_EXIT_ENGINE;
        }
        if (latest)
                last = 1;
        bool want_size = size && !quiet;
        if (format && strstr(format, ".Size"))
                want_size = true;
        _cleanup_free_ char *path = NULL;
        char lim[64] = "";
        if (last > 0)
                snprintf(lim, sizeof(lim), "&limit=%lld", last);
        if (asprintf(&path, "%s%s%s%s%s", (all || last > 0) ? "&all=1" : "", fq ? "&filters=" : "",
                     fq ? fq : "", lim, want_size ? "&size=1" : "") < 0)
                return 1;
        /* "/containers/json?all=1&..." (the first & becomes ?) */
        _cleanup_free_ char *full = NULL;
        if (asprintf(&full, "/containers/json%s%s", *path ? "?" : "", *path ? path + 1 : "") < 0)
                return 1;
        _cleanup_json_ json_t *list = NULL;
        if (cli_get_json(ctx, full, &list, &err) < 0)
                return cli_fail(err, 1);
        if (quiet && (!format || !*format)) {
                size_t i;
                json_t *c;
                json_array_foreach(list, i, c)
                {
                        _cleanup_free_ char *id =
                            short_id(json_string_value(json_object_get(c, "Id")), no_trunc);
                        printf("%s\n", id);
                }
                return 0;
        }
        _cleanup_json_ json_t *rows = json_array();
        size_t i;
        json_t *c;
        int64_t now = (int64_t)time(NULL);
        json_array_foreach(list, i, c) json_array_append_new(rows, ps_row(c, no_trunc, now));
        _cleanup_json_ json_t *header = ps_header();
        const char *def = size ? "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t"
                                 "{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}"
                               : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t"
                                 "{{.Status}}\t{{.Ports}}\t{{.Names}}";
        if (quiet)
                format = "{{.ID}}";
        if (cli_format_rows(stdout, format, def, rows, header, &err) < 0)
                return cli_fail(err, 1);
        return 0;
}

/* ---- top, port, export, prune ------------------------------------------- */

int cmd_top(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"top",
                                       "CONTAINER [ps OPTIONS]",
                                       "Display the running processes of a container",
                                       "berth container top, berth top",
                                       1,
                                       -1,
                                       false};
        CliOpt opts[] = {{0}};
        _cleanup_error_ BerthError *err = NULL;
        PARSE(cmd, opts);
        _cleanup_free_ char *q = cli_urlencode(args[0]), *path = NULL, *psargs = NULL;
        if (nargs > 1) {
                size_t len = 0;
                for (int i = 1; i < nargs; i++)
                        len += strlen(args[i]) + 1;
                char *joined = calloc(1, len + 1);
                for (int i = 1; joined && i < nargs; i++) {
                        if (i > 1)
                                strcat(joined, " ");
                        strcat(joined, args[i]);
                }
                psargs = joined ? cli_urlencode(joined) : NULL;
                free(joined);
        }
        if (!q || asprintf(&path, "/containers/%s/top%s%s", q, psargs ? "?ps_args=" : "",
                           psargs ? psargs : "") < 0)
                return 1;
        _cleanup_json_ json_t *res = NULL;
        if (cli_get_json(ctx, path, &res, &err) < 0)
                return cli_fail(err, 1);
        CliTable t = {0};
        json_t *titles = json_object_get(res, "Titles");
        size_t i, j;
        json_t *row, *cell;
        char *line = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&line, &len);
        json_array_foreach(titles, i, cell)
            fprintf(m, "%s%s", i ? "\t" : "", json_string_value(cell));
        fclose(m);
        cli_table_add(&t, line);
        free(line);
        json_array_foreach(json_object_get(res, "Processes"), j, row)
        {
                line = NULL;
                m = open_memstream(&line, &len);
                json_array_foreach(row, i, cell)
                    fprintf(m, "%s%s", i ? "\t" : "", json_string_value(cell));
                fclose(m);
                cli_table_add(&t, line);
                free(line);
        }
        cli_table_flush_min(&t, stdout, 20);
        return 0;
}

int cmd_port(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"port",
                                       "CONTAINER [PRIVATE_PORT[/PROTO]]",
                                       "List port mappings or a specific mapping for the container",
                                       "berth container port, berth port",
                                       1,
                                       2,
                                       true};
        CliOpt opts[] = {{0}};
        _cleanup_error_ BerthError *err = NULL;
        PARSE(cmd, opts);
        _cleanup_free_ char *q = cli_urlencode(args[0]), *path = NULL;
        if (!q || asprintf(&path, "/containers/%s/json", q) < 0)
                return 1;
        _cleanup_json_ json_t *info = NULL;
        if (cli_get_json(ctx, path, &info, &err) < 0)
                return cli_fail(err, 1);
        json_t *ports = json_object_get(json_object_get(info, "NetworkSettings"), "Ports");
        const char *k;
        json_t *v;
        _cleanup_free_ char *want = NULL;
        if (nargs > 1)
                want = strchr(args[1], '/')
                           ? strdup(args[1])
                           : (asprintf(&want, "%s/tcp", args[1]) < 0 ? NULL : want);
        bool found = false;
        json_object_foreach(ports, k, v)
        {
                size_t i;
                json_t *b;
                if (want && !STREQ(k, want))
                        continue;
                json_array_foreach(v, i, b)
                {
                        const char *ip = json_string_value(json_object_get(b, "HostIp"));
                        const char *hp = json_string_value(json_object_get(b, "HostPort"));
                        if (want)
                                printf("%s:%s\n", ip && *ip ? ip : "0.0.0.0", hp ? hp : "");
                        else
                                printf("%s -> %s:%s\n", k, ip && *ip ? ip : "0.0.0.0",
                                       hp ? hp : "");
                        found = true;
                }
        }
        if (want && !found) {
                fprintf(stderr, "Error: No public port '%s' published for %s\n", args[1], args[0]);
                return 1;
        }
        return 0;
}

static size_t write_fd(const char *data, size_t len, void *userdata)
{
        int fd = *(int *)userdata;
        size_t done = 0;
        while (done < len) {
                ssize_t w = write(fd, data + done, len - done);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return 0;
                }
                done += (size_t)w;
        }
        return len;
}

/* GET path into -o FILE or stdout (never a terminal). */
int cli_download(CliContext *ctx, const char *path, const char *output, const char *what)
{
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_close_ int ofd = -1;
        int fd = STDOUT_FILENO;
        _cleanup_free_ char *tmp = NULL;

        if (output && *output) {
                if (asprintf(&tmp, "%s.berth-tmp", output) < 0)
                        return 1;
                ofd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (ofd < 0) {
                        fprintf(stderr, "failed to %s: open %s: %s\n", what, output,
                                strerror(errno));
                        return 1;
                }
                fd = ofd;
        } else if (isatty(STDOUT_FILENO)) {
                fprintf(stderr,
                        "failed to %s: cowardly refusing to save to a terminal. Use the "
                        "-o flag or redirect\n",
                        what);
                return 1;
        }
        CliRequest req = {.method = "GET",
                          .path = path,
                          .upload_fd = -1,
                          .write_fn = write_fd,
                          .write_data = &fd};
        CliResponse resp = {0};
        int r = cli_call(ctx, &req, &resp, &err);
        cli_response_clear(&resp);
        if (r < 0) {
                if (tmp)
                        unlink(tmp);
                return cli_fail(err, 1);
        }
        if (tmp) {
                if (fsync(ofd) < 0 || rename(tmp, output) < 0) {
                        fprintf(stderr, "failed to %s: write %s: %s\n", what, output,
                                strerror(errno));
                        unlink(tmp);
                        return 1;
                }
        }
        return 0;
}

int cmd_export(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"export",
                                       "[OPTIONS] CONTAINER",
                                       "Export a container's filesystem as a tar archive",
                                       "berth container export, berth export",
                                       1,
                                       1,
                                       true};
        const char *output = NULL;
        CliOpt opts[] = {
            {'o', "output", CLI_OPT_STRING, &output, "string",
             "Write to a file, instead of STDOUT"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_free_ char *q = cli_urlencode(args[0]), *path = NULL;
        if (!q || asprintf(&path, "/containers/%s/export", q) < 0)
                return 1;
        return cli_download(ctx, path, output, "export container");
}

/* Asks "Are you sure you want to continue? [y/N]" on stdin. */
bool cli_confirm(const char *warning)
{
        char line[64];
        fprintf(stdout, "%s\nAre you sure you want to continue? [y/N] ", warning);
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin))
                return false;
        return line[0] == 'y' || line[0] == 'Y';
}

int cmd_container_prune(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {
            "container prune", "[OPTIONS]", "Remove all stopped containers", NULL, 0, 0, true};
        bool force = false;
        _cleanup_strv_free_ char **filters = NULL;
        CliOpt opts[] = {
            {0, "filter", CLI_OPT_LIST, &filters, "filter",
             "Provide filter values (e.g. \"until=<timestamp>\")"},
            {'f', "force", CLI_OPT_BOOL, &force, NULL, "Do not prompt for confirmation"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_error_ BerthError *err = NULL;
        /* a malformed --filter is a flag error, before any question */
        char *bad = NULL;
        _cleanup_free_ char *fq = cli_filters_query(filters, &bad), *path = NULL;
        if (cli_filters_bad(bad, "--filter"))
                return CLI_EXIT_ENGINE;
        if (!force && !cli_confirm("WARNING! This will remove all stopped containers."))
                return 0;
        if (asprintf(&path, "/containers/prune%s%s", fq ? "?filters=" : "", fq ? fq : "") < 0)
                return 1;
        _cleanup_json_ json_t *res = NULL;
        if (cli_post_json(ctx, path, NULL, &res, &err) < 0)
                return cli_fail(err, 1);
        json_t *del = json_object_get(res, "ContainersDeleted");
        if (json_array_size(del)) {
                size_t i;
                json_t *d;
                printf("Deleted Containers:\n");
                json_array_foreach(del, i, d) printf("%s\n", json_string_value(d));
                printf("\n");
        }
        _cleanup_free_ char *sz =
            cli_human_size((double)json_integer_value(json_object_get(res, "SpaceReclaimed")));
        printf("Total reclaimed space: %s\n", sz ? sz : "0B");
        return 0;
}
