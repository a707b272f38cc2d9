/* System commands: info, version, system prune. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "berth-config.h"
#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/strv.h"

static const char *goarch(void)
{
        static struct utsname u;
        if (uname(&u) < 0)
                return "unknown";
        if (STREQ(u.machine, "x86_64"))
                return "amd64";
        if (STREQ(u.machine, "aarch64"))
                return "arm64";
        return u.machine;
}

static const char *str(json_t *o, const char *k)
{
        const char *s = json_string_value(json_object_get(o, k));
        return s ? s : "";
}

/* Go's units.BytesSize: binary, 4 significant digits. */
static char *bytes_size(double v)
{
        static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        size_t i = 0;
        char *s = NULL;
        while (v >= 1024.0 && i + 1 < ARRAY_SIZE(units)) {
                v /= 1024.0;
                i++;
        }
        if (asprintf(&s, "%.4g%s", v, units[i]) < 0)
                return NULL;
        return s;
}

static json_t *client_version(void)
{
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Platform", "berth", "Version",
                         BERTH_VERSION, "ApiVersion", CLI_API_VERSION, "DefaultAPIVersion",
                         CLI_API_VERSION, "Os", "linux", "Arch", goarch(), "Context", "default");
}

int cmd_version(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {
            "version", "[OPTIONS]", "Show the berth version information", NULL, 0, 0, true};
        const char *format = NULL;
        CliOpt opts[] = {
            {'f', "format", CLI_OPT_STRING, &format, "string",
             "Format output using a custom template: 'json' or 'TEMPLATE'"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_json_ json_t *server = NULL;
        _cleanup_json_ json_t *client = client_version();
        int r = cli_get_json(ctx, "/version", &server, &err);
        if (r >= 0 && ctx->api_version)
                json_object_set_new(client, "ApiVersion", json_string(ctx->api_version));
        if (format && *format) {
                _cleanup_json_ json_t *all = json_pack("{s:O, s:O}", "Client", client, "Server",
                                                       server ? server : json_null());
                CliTemplate *t = NULL;
                _cleanup_error_ BerthError *terr = NULL;
                const char *f = STREQ(format, "json") ? "{{json .}}" : format;
                if (cli_template_parse(f, &t, NULL, &terr) < 0) {
                        fprintf(stderr, "%s\n", terr->message);
                        return 1;
                }
                char *out = cli_template_render(t, all, &terr);
                cli_template_free(t);
                if (!out) {
                        fprintf(stderr, "%s\n", terr->message);
                        return 1;
                }
                printf("%s\n", out);
                free(out);
                return r < 0 ? cli_fail(err, 1) : 0;
        }
        printf("Client:\n");
        printf(" Version:           %s\n", BERTH_VERSION);
        printf(" API version:       %s\n", str(client, "ApiVersion"));
        printf(" OS/Arch:           linux/%s\n", goarch());
        printf(" Context:           default\n");
        if (r < 0) {
                fflush(stdout);
                return cli_fail(err, 1);
        }
        const char *pname = str(json_object_get(server, "Platform"), "Name");
        printf("\nServer:%s%s\n", *pname ? " " : "", pname);
        json_t *components = json_object_get(server, "Components");
        bool engine_done = false;
        size_t i;
        json_t *c;
        json_array_foreach(components, i, c)
        {
                const char *name = str(c, "Name");
                json_t *d = json_object_get(c, "Details");
                printf(" %s:\n", name);
                printf("  Version:          %s\n", str(c, "Version"));
                if (STREQ(name, "Engine")) {
                        engine_done = true;
                        printf("  API version:      %s (minimum version %s)\n",
                               str(server, "ApiVersion"), str(server, "MinAPIVersion"));
                        if (*str(d, "GitCommit"))
                                printf("  Git commit:       %s\n", str(d, "GitCommit"));
                        if (*str(d, "BuildTime")) {
                                int64_t t;
                                char buf[64] = "";
                                if (cli_parse_time(str(d, "BuildTime"), &t) == 0) {
                                        time_t tt = (time_t)t;
                                        struct tm tm;
                                        localtime_r(&tt, &tm);
                                        /* Go's time.ANSIC */
                                        strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
                                }
                                printf("  Built:            %s\n",
                                       *buf ? buf : str(d, "BuildTime"));
                        }
                        printf("  OS/Arch:          %s/%s\n", str(server, "Os"),
                               str(server, "Arch"));
                        printf("  Experimental:     %s\n",
                               json_is_true(json_object_get(server, "Experimental")) ? "true"
                                                                                     : "false");
                } else if (*str(d, "GitCommit")) {
                        printf("  GitCommit:        %s\n", str(d, "GitCommit"));
                }
        }
        if (!engine_done) {
                printf(" Engine:\n");
                printf("  Version:          %s\n", str(server, "Version"));
                printf("  API version:      %s (minimum version %s)\n", str(server, "ApiVersion"),
                       str(server, "MinAPIVersion"));
                if (*str(server, "GitCommit"))
                        printf("  Git commit:       %s\n", str(server, "GitCommit"));
                printf("  OS/Arch:          %s/%s\n", str(server, "Os"), str(server, "Arch"));
        }
        return 0;
}

int cmd_info(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"info",
                                       "[OPTIONS]",
                                       "Display system-wide information",
                                       "berth system info, berth info",
                                       0,
                                       0,
                                       true};
        const char *format = NULL;
        CliOpt opts[] = {
            {'f', "format", CLI_OPT_STRING, &format, "string",
             "Format output using a custom template: 'json' or 'TEMPLATE'"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_json_ json_t *info = NULL;
        int r = cli_get_json(ctx, "/info", &info, &err);
        if (format && *format) {
                if (r < 0)
                        return cli_fail(err, 1);
                CliTemplate *t = NULL;
                _cleanup_error_ BerthError *terr = NULL;
                const char *f = STREQ(format, "json") ? "{{json .}}" : format;
                if (cli_template_parse(f, &t, NULL, &terr) < 0) {
                        fprintf(stderr, "%s\n", terr->message);
                        return 1;
                }
                char *out = cli_template_render(t, info, &terr);
                cli_template_free(t);
                if (!out) {
                        fprintf(stderr, "%s\n", terr->message);
                        return 1;
                }
                printf("%s\n", out);
                free(out);
                return 0;
        }
        printf("Client:\n Version:    %s\n Context:    default\n Debug Mode: %s\n\n", BERTH_VERSION,
               ctx->debug ? "true" : "false");
        printf("Server:\n");
        if (r < 0) {
                fflush(stdout);
                return cli_fail(err, 1);
        }
#define INT(k) ((long long)json_integer_value(json_object_get(info, k)))
        printf(" Containers: %lld\n", INT("Containers"));
        printf("  Running: %lld\n", INT("ContainersRunning"));
        printf("  Paused: %lld\n", INT("ContainersPaused"));
        printf("  Stopped: %lld\n", INT("ContainersStopped"));
        printf(" Images: %lld\n", INT("Images"));
        printf(" Server Version: %s\n", str(info, "ServerVersion"));
        printf(" Storage Driver: %s\n", str(info, "Driver"));
        size_t i;
        json_t *kv;
        json_array_foreach(json_object_get(info, "DriverStatus"), i, kv)
        {
                printf("  %s: %s\n", json_string_value(json_array_get(kv, 0)),
                       json_string_value(json_array_get(kv, 1)));
        }
        printf(" Logging Driver: %s\n", str(info, "LoggingDriver"));
        printf(" Cgroup Driver: %s\n", str(info, "CgroupDriver"));
        printf(" Cgroup Version: %s\n", str(info, "CgroupVersion"));
        json_t *rt = json_object_get(info, "Runtimes");
        if (json_object_size(rt)) {
                const char *k;
                json_t *v;
                printf(" Runtimes:");
                json_object_foreach(rt, k, v) printf(" %s", k);
                printf("\n");
        }
        if (*str(info, "DefaultRuntime"))
                printf(" Default Runtime: %s\n", str(info, "DefaultRuntime"));
        if (*str(info, "InitBinary"))
                printf(" Init Binary: %s\n", str(info, "InitBinary"));
        json_t *so = json_object_get(info, "SecurityOptions");
        if (json_array_size(so)) {
                printf(" Security Options:\n");
                json_array_foreach(so, i, kv)
                {
                        _cleanup_free_ char *s =
                            strdup(json_string_value(kv) ? json_string_value(kv) : "");
                        /* "name=seccomp,profile=builtin" → "seccomp\n   Profile: builtin" */
                        char *save = NULL;
                        bool first = true;
                        for (char *tok = strtok_r(s, ",", &save); tok;
                             tok = strtok_r(NULL, ",", &save)) {
                                char *eq = strchr(tok, '=');
                                if (!eq)
                                        continue;
                                *eq = 0;
                                if (first && STREQ(tok, "name"))
                                        printf("  %s\n", eq + 1);
                                else
                                        printf("   %c%s: %s\n", tok[0] & ~0x20, tok + 1, eq + 1);
                                first = false;
                        }
                }
        }
        printf(" Kernel Version: %s\n", str(info, "KernelVersion"));
        printf(" Operating System: %s\n", str(info, "OperatingSystem"));
        printf(" OSType: %s\n", str(info, "OSType"));
        printf(" Architecture: %s\n", str(info, "Architecture"));
        printf(" CPUs: %lld\n", INT("NCPU"));
        _cleanup_free_ char *mem = bytes_size((double)INT("MemTotal"));
        printf(" Total Memory: %s\n", mem ? mem : "");
        printf(" Name: %s\n", str(info, "Name"));
        printf(" ID: %s\n", str(info, "ID"));
        printf(" Berth Root Dir: %s\n", str(info, "DockerRootDir"));
        printf(" Debug Mode: %s\n",
               json_is_true(json_object_get(info, "Debug")) ? "true" : "false");
        printf(" Experimental: %s\n",
               json_is_true(json_object_get(info, "ExperimentalBuild")) ? "true" : "false");
        printf(" Live Restore Enabled: %s\n",
               json_is_true(json_object_get(info, "LiveRestoreEnabled")) ? "true" : "false");
#undef INT
        json_array_foreach(json_object_get(info, "Warnings"), i, kv)
            fprintf(stderr, "%s\n", json_string_value(kv));
        return 0;
}

int cmd_system_prune(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {
            "system prune", "[OPTIONS]", "Remove unused data", NULL, 0, 0, true};
        bool all = false, force = false, volumes = false;
        _cleanup_strv_free_ char **filters = NULL;
        CliOpt opts[] = {
            {'a', "all", CLI_OPT_BOOL, &all, NULL,
             "Remove all unused images not just dangling ones"},
            {0, "filter", CLI_OPT_LIST, &filters, "filter",
             "Provide filter values (e.g. \"label=<key>=<value>\")"},
            {'f', "force", CLI_OPT_BOOL, &force, NULL, "Do not prompt for confirmation"},
            {0, "volumes", CLI_OPT_BOOL, &volumes, NULL, "Prune anonymous volumes"},
            {0},
        };
        PARSE(cmd, opts);
        if (!force && !cli_confirm(all ? "WARNING! This will remove:\n"
                                         "  - all stopped containers\n"
                                         "  - all images without at least one container "
                                         "associated to them\n"
                                       : "WARNING! This will remove:\n"
                                         "  - all stopped containers\n"
                                         "  - all dangling images\n"))
                return 0;
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_json_ json_t *c = NULL, *im = NULL;
        if (cli_post_json(ctx, "/containers/prune", NULL, &c, &err) < 0)
                return cli_fail(err, 1);
        const char *path = all ? "/images/prune?filters=%7B%22dangling%22%3A%7B%22false%22%3Atrue"
                                 "%7D%7D"
                               : "/images/prune?filters=%7B%22dangling%22%3A%7B%22true%22%3Atrue"
                                 "%7D%7D";
        if (cli_post_json(ctx, path, NULL, &im, &err) < 0)
                return cli_fail(err, 1);
        size_t i;
        json_t *d;
        json_t *cd = json_object_get(c, "ContainersDeleted");
        if (json_array_size(cd)) {
                printf("Deleted Containers:\n");
                json_array_foreach(cd, i, d) printf("%s\n", json_string_value(d));
                printf("\n");
        }
        json_t *id = json_object_get(im, "ImagesDeleted");
        if (json_array_size(id)) {
                printf("Deleted Images:\n");
                json_array_foreach(id, i, d)
                {
                        const char *u = json_string_value(json_object_get(d, "Untagged"));
                        const char *x = json_string_value(json_object_get(d, "Deleted"));
                        if (u)
                                printf("untagged: %s\n", u);
                        if (x)
                                printf("deleted: %s\n", x);
                }
                printf("\n");
        }
        double total = (double)json_integer_value(json_object_get(c, "SpaceReclaimed")) +
                       (double)json_integer_value(json_object_get(im, "SpaceReclaimed"));
        _cleanup_free_ char *sz = cli_human_size(total);
        printf("Total reclaimed space: %s\n", sz ? sz : "0B");
        return 0;
}
