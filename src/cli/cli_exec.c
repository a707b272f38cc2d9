/* exec, logs and inspect. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/strv.h"

int cmd_exec(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"exec",
                                       "[OPTIONS] CONTAINER COMMAND [ARG...]",
                                       "Execute a command in a running container",
                                       "berth container exec, berth exec",
                                       2,
                                       -1,
                                       false};
        bool detach = false, interactive = false, tty = false, privileged = false;
        const char *user = NULL, *workdir = NULL, *detach_keys = NULL;
        _cleanup_strv_free_ char **env = NULL, **env_file = NULL;
        CliOpt opts[] = {
            {'d', "detach", CLI_OPT_BOOL, &detach, NULL,
             "Detached mode: run command in the background"},
            {0, "detach-keys", CLI_OPT_STRING, &detach_keys, "string",
             "Override the key sequence for detaching a container"},
            {'e', "env", CLI_OPT_LIST, &env, "list", "Set environment variables"},
            {0, "env-file", CLI_OPT_LIST, &env_file, "list",
             "Read in a file of environment variables"},
            {'i', "interactive", CLI_OPT_BOOL, &interactive, NULL,
             "Keep STDIN open even if not attached"},
            {0, "privileged", CLI_OPT_BOOL, &privileged, NULL,
             "Give extended privileges to the command"},
            {'t', "tty", CLI_OPT_BOOL, &tty, NULL, "Allocate a pseudo-TTY"},
            {'u', "user", CLI_OPT_STRING, &user, "string",
             "Username or UID (format: \"<name|uid>[:<group|gid>]\")"},
            {'w', "workdir", CLI_OPT_STRING, &workdir, "string",
             "Working directory inside the container"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_error_ BerthError *err = NULL;

        if (tty && interactive && !detach && !isatty(STDIN_FILENO)) {
                fprintf(stderr, "the input device is not a TTY\n");
                return 1;
        }
        json_t *envs = json_array();
        STRV_FOREACH(f, env_file)
        {
                _cleanup_fclose_ FILE *fp = fopen(*f, "re");
                char *line = NULL;
                size_t cap = 0;
                ssize_t n;
                if (!fp) {
                        fprintf(stderr, "%s: open %s: %s\n", cli_program, *f, strerror(errno));
                        json_decref(envs);
                        return CLI_EXIT_ENGINE;
                }
                while ((n = getline(&line, &cap, fp)) >= 0) {
                        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                                line[--n] = 0;
                        if (!*line || *line == '#')
                                continue;
                        json_array_append_new(envs, json_string(line));
                }
                free(line);
        }
        STRV_FOREACH(e, env)
        {
                const char *v = strchr(*e, '=') ? NULL : getenv(*e);
                _cleanup_free_ char *s = NULL;
                if (v && asprintf(&s, "%s=%s", *e, v) < 0)
                        s = NULL;
                json_array_append_new(envs, json_string(s ? s : *e));
        }
        json_t *cmdv = json_array();
        for (int i = 1; i < nargs; i++)
                json_array_append_new(cmdv, json_string(args[i]));
        unsigned rows = 0, cols = 0;
        if (tty)
                cli_term_size(STDOUT_FILENO, &rows, &cols);
        _cleanup_json_ json_t *body = json_pack(
            "{s:s, s:b, s:b, s:[i,i], s:b, s:b, s:b, s:b, s:s, s:o, s:s, s:o}", "User",
            user ? user : "", "Privileged", privileged, "Tty", tty, "ConsoleSize", (int)rows,
            (int)cols, "AttachStdin", interactive && !detach, "AttachStderr", !detach,
            "AttachStdout", !detach, "Detach", detach, "DetachKeys", detach_keys ? detach_keys : "",
            "Env", envs, "WorkingDir", workdir ? workdir : "", "Cmd", cmdv);
        _cleanup_free_ char *q = cli_urlencode(args[0]), *path = NULL;
        if (!body || !q || asprintf(&path, "/containers/%s/exec", q) < 0)
                return CLI_EXIT_ENGINE;
        _cleanup_json_ json_t *res = NULL;
        if (cli_post_json(ctx, path, body, &res, &err) < 0)
                return cli_fail(err, 1);
        const char *id = json_string_value(json_object_get(res, "Id"));
        if (!id) {
                fprintf(stderr, "%s: the daemon's answer has no exec Id\n", cli_program);
                return CLI_EXIT_ENGINE;
        }
        _cleanup_free_ char *spath = NULL;
        if (asprintf(&spath, "/exec/%s/start", id) < 0)
                return CLI_EXIT_ENGINE;
        _cleanup_json_ json_t *sbody = json_pack("{s:b, s:b, s:[i,i]}", "Detach", detach, "Tty",
                                                 tty, "ConsoleSize", (int)rows, (int)cols);
        if (detach) {
                if (cli_post_json(ctx, spath, sbody, NULL, &err) < 0)
                        return cli_fail(err, cli_exit_code_for_start(err->message));
                return 0;
        }
        _cleanup_free_ char *extra = NULL;
        size_t extra_len = 0;
        _cleanup_close_ int fd = cli_hijack(ctx, "POST", spath, sbody, &extra, &extra_len, &err);
        if (fd < 0)
                return cli_fail(err, cli_exit_code_for_start(err->message));
        bool raw = tty && interactive && isatty(STDIN_FILENO);
        if (raw)
                cli_term_raw(STDIN_FILENO);
        CliStreamOpts so = {
            .tty = tty,
            .use_stdin = interactive,
            .detach = interactive ? (detach_keys ? detach_keys : "ctrl-p,ctrl-q") : NULL,
            .container = id,
            .exec = true,
            .resize = tty && isatty(STDOUT_FILENO),
        };
        int r = cli_stream(ctx, fd, extra, extra_len, &so, &err);
        if (raw)
                cli_term_restore();
        if (r < 0)
                return cli_fail(err, CLI_EXIT_ENGINE);
        if (r == 1)
                return 0;
        /* the exit code: inspect the exec, waiting briefly for it to be recorded */
        _cleanup_free_ char *ipath = NULL;
        if (asprintf(&ipath, "/exec/%s/json", id) < 0)
                return CLI_EXIT_ENGINE;
        for (int i = 0; i < 100; i++) {
                _cleanup_json_ json_t *info = NULL;
                if (cli_get_json(ctx, ipath, &info, &err) < 0)
                        return cli_fail(err, CLI_EXIT_ENGINE);
                if (!json_is_true(json_object_get(info, "Running"))) {
                        json_t *ec = json_object_get(info, "ExitCode");
                        return json_is_integer(ec) ? (int)json_integer_value(ec) : 0;
                }
                usleep(20000);
        }
        return 0;
}

/* ---- logs --------------------------------------------------------------- */

static size_t write_demux(const char *data, size_t len, void *userdata)
{
        CliDemux *d = userdata;
        if (cli_demux_feed(d, data, len) < 0)
                return 0;
        return len;
}

static size_t write_raw(const char *data, size_t len, void *userdata)
{
        size_t done = 0;
        while (done < len) {
                ssize_t w = write(STDOUT_FILENO, data + done, len - done);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return 0;
                }
                done += (size_t)w;
        }
        return len;
}

int cmd_logs(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"logs",
                                       "[OPTIONS] CONTAINER",
                                       "Fetch the logs of a container",
                                       "berth container logs, berth logs",
                                       1,
                                       1,
                                       true};
        bool follow = false, timestamps = false, details = false;
        const char *since = NULL, *until = NULL, *tail = NULL;
        CliOpt opts[] = {
            {0, "details", CLI_OPT_BOOL, &details, NULL, "Show extra details provided to logs"},
            {'f', "follow", CLI_OPT_BOOL, &follow, NULL, "Follow log output"},
            {0, "since", CLI_OPT_STRING, &since, "string",
             "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. "
             "\"42m\" for 42 minutes)"},
            {'n', "tail", CLI_OPT_STRING, &tail, "string",
             "Number of lines to show from the end of the logs (default \"all\")"},
            {'t', "timestamps", CLI_OPT_BOOL, &timestamps, NULL, "Show timestamps"},
            {0, "until", CLI_OPT_STRING, &until, "string",
             "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. "
             "\"42m\" for 42 minutes)"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *q = cli_urlencode(args[0]), *ipath = NULL;
        if (!q || asprintf(&ipath, "/containers/%s/json", q) < 0)
                return 1;
        _cleanup_json_ json_t *info = NULL;
        if (cli_get_json(ctx, ipath, &info, &err) < 0)
                return cli_fail(err, 1);
        bool tty = json_is_true(json_object_get(json_object_get(info, "Config"), "Tty"));
        int64_t now = (int64_t)time(NULL);
        _cleanup_free_ char *s = since ? cli_timestamp_arg(since, now) : NULL;
        _cleanup_free_ char *u = until ? cli_timestamp_arg(until, now) : NULL;
        if ((since && !s) || (until && !u)) {
                fprintf(stderr,
                        "invalid value for \"%s\": \"%s\" is not a valid timestamp or "
                        "duration\n",
                        since && !s ? "since" : "until", since && !s ? since : until);
                return 1;
        }
        _cleanup_free_ char *tq = tail ? cli_urlencode(tail) : NULL, *path = NULL;
        if (asprintf(&path, "/containers/%s/logs?stdout=1&stderr=1%s%s%s%s%s%s%s%s%s", q,
                     follow ? "&follow=1" : "", timestamps ? "&timestamps=1" : "",
                     details ? "&details=1" : "", s ? "&since=" : "", s ? s : "",
                     u ? "&until=" : "", u ? u : "", tq ? "&tail=" : "", tq ? tq : "") < 0)
                return 1;
        CliDemux d;
        cli_demux_init(&d, STDOUT_FILENO, STDERR_FILENO);
        CliRequest req = {.method = "GET",
                          .path = path,
                          .upload_fd = -1,
                          .write_fn = tty ? write_raw : write_demux,
                          .write_data = tty ? NULL : &d};
        CliResponse resp = {0};
        int r = cli_call(ctx, &req, &resp, &err);
        cli_response_clear(&resp);
        if (r < 0)
                return cli_fail(err, 1);
        return 0;
}

/* ---- inspect ------------------------------------------------------------ */

static int inspect_common(CliContext *ctx, int argc, char **argv, const char *fixed_type)
{
        static const CliCommand cmd = {"inspect",
                                       "[OPTIONS] NAME|ID [NAME|ID...]",
                                       "Return low-level information on berth objects",
                                       NULL,
                                       1,
                                       -1,
                                       true};
        static const CliCommand ccmd = {"container inspect",
                                        "[OPTIONS] CONTAINER [CONTAINER...]",
                                        "Display detailed information on one or more containers",
                                        NULL,
                                        1,
                                        -1,
                                        true};
        static const CliCommand icmd = {"image inspect",
                                        "[OPTIONS] IMAGE [IMAGE...]",
                                        "Display detailed information on one or more images",
                                        NULL,
                                        1,
                                        -1,
                                        true};
        const char *format = NULL, *type = fixed_type;
        bool size = false;
        CliOpt opts[] = {
            {'f', "format", CLI_OPT_STRING, &format, "string",
             "Format output using a custom template: 'json' or 'TEMPLATE'"},
            {'s', "size", CLI_OPT_BOOL, &size, NULL,
             "Display total file sizes if the type is container"},
            {0, "type", CLI_OPT_STRING, &type, "string", "Only inspect objects of the given type"},
            {0},
        };
        if (fixed_type)
                opts[2] = (CliOpt){0};
        if (fixed_type && STREQ(fixed_type, "image"))
                opts[1] = (CliOpt){0};
        const CliCommand *which = !fixed_type ? &cmd : STREQ(fixed_type, "image") ? &icmd : &ccmd;
        PARSE(*which, opts);
        if (type && !STREQ(type, "container") && !STREQ(type, "image")) {
                fprintf(stderr, "\"%s\" is not a valid value for --type\n", type);
                return 1;
        }
        CliTemplate *tmpl = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (format && *format && !STREQ(format, "json")) {
                if (cli_template_parse(format, &tmpl, NULL, &err) < 0) {
                        fprintf(stderr, "%s\n", err->message);
                        return 1;
                }
        }
        _cleanup_json_ json_t *all = json_array();
        char *errors = NULL;
        size_t errors_len = 0;
        FILE *errf = open_memstream(&errors, &errors_len);
        int failed = 0;
        if (!errf)
                return 1;
        for (int i = 0; i < nargs; i++) {
                _cleanup_free_ char *q = cli_urlencode(args[i]);
                json_t *obj = NULL;
                BerthError *e = NULL;
                int r = -ENOENT;
                if (!q)
                        return 1;
                if (!type || STREQ(type, "container")) {
                        _cleanup_free_ char *path = NULL;
                        if (asprintf(&path, "/containers/%s/json%s", q, size ? "?size=1" : "") < 0)
                                return 1;
                        r = cli_get_json(ctx, path, &obj, &e);
                        if (r == -ECONNREFUSED) {
                                cli_template_free(tmpl);
                                fclose(errf);
                                free(errors);
                                r = cli_fail(e, 1);
                                error_free(e);
                                return r;
                        }
                }
                if (r == -ENOENT && (!type || STREQ(type, "image"))) {
                        _cleanup_free_ char *path = NULL;
                        error_free(e);
                        e = NULL;
                        if (asprintf(&path, "/images/%s/json", q) < 0)
                                return 1;
                        r = cli_get_json(ctx, path, &obj, &e);
                }
                if (r < 0) {
                        failed = 1;
                        if (r == -ENOENT)
                                fprintf(errf, "Error: No such %s: %s\n", type ? type : "object",
                                        args[i]);
                        else
                                fprintf(errf, "%s\n", e ? e->message : "error");
                        error_free(e);
                        continue;
                }
                error_free(e);
                if (tmpl) {
                        BerthError *te = NULL;
                        char *out = cli_template_render(tmpl, obj, &te);
                        if (!out) {
                                fprintf(stderr, "%s\n", te ? te->message : "template error");
                                error_free(te);
                                json_decref(obj);
                                cli_template_free(tmpl);
                                fclose(errf);
                                free(errors);
                                return 1;
                        }
                        printf("%s\n", out);
                        free(out);
                        json_decref(obj);
                } else {
                        json_array_append_new(all, obj);
                }
        }
        bool templated = tmpl != NULL;
        cli_template_free(tmpl);
        if (!templated) {
                _cleanup_free_ char *txt =
                    json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
                printf("%s\n", txt ? txt : "[]");
        }
        fclose(errf);
        fflush(stdout);
        if (errors_len)
                fputs(errors, stderr);
        free(errors);
        return failed;
}

int cmd_inspect(CliContext *ctx, int argc, char **argv)
{
        return inspect_common(ctx, argc, argv, NULL);
}

int cmd_container_inspect(CliContext *ctx, int argc, char **argv)
{
        return inspect_common(ctx, argc, argv, "container");
}

int cmd_image_inspect(CliContext *ctx, int argc, char **argv)
{
        return inspect_common(ctx, argc, argv, "image");
}
