/* run and create, and the attach-start-wait flow shared with start -a and
 * attach: hijack the attach stream before start so that no output is lost,
 * issue the wait before start (next-exit, or removed with --rm), start,
 * pump the streams (raw terminal and resize with -t, signals forwarded
 * without it), then exit with the container's status. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_run.h"
#include "common/cleanup.h"

int cli_fail(BerthError *err, int exit_code)
{
        fprintf(stderr, "%s\n", err && err->message ? err->message : "unknown error");
        return exit_code;
}

static int run_fail(const char *cmd, BerthError *err, int exit_code)
{
        fprintf(stderr, "%s: %s\n\nRun '%s %s --help' for more information\n", cli_program,
                err && err->message ? err->message : "unknown error", cli_program, cmd);
        return exit_code;
}

int cli_exit_code_for_start(const char *msg)
{
        if (!msg)
                return CLI_EXIT_ENGINE;
        if (strcasestr(msg, "executable file not found") ||
            strcasestr(msg, "no such file or directory") || strcasestr(msg, "not found in $PATH"))
                return CLI_EXIT_NOT_FOUND;
        if (strcasestr(msg, "permission denied") || strcasestr(msg, "cannot execute binary") ||
            strcasestr(msg, "exec format error") || strcasestr(msg, "is a directory"))
                return CLI_EXIT_CANNOT;
        return CLI_EXIT_ENGINE;
}

static int post_simple(CliContext *ctx, const char *path, BerthError **err)
{
        return cli_post_json(ctx, path, NULL, NULL, err);
}

typedef struct AttachPlan {
        const char *id;
        bool tty, in, out, err;
        const char *detach_keys;
        bool sig_proxy;
        bool start;      /* start the container after attaching */
        bool rm;         /* wait for removal instead of next-exit */
        const char *cmd; /* for error messages: "run", "start" */
} AttachPlan;

/* Attach, (start), stream, wait. Returns the exit code for the process. */
static int attach_start_wait(CliContext *ctx, const AttachPlan *p)
{
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *path = NULL, *extra = NULL, *keys_q = NULL;
        size_t extra_len = 0;
        int r;
        bool is_run = STREQ(p->cmd, "run");

        if (p->tty && p->in && !isatty(STDIN_FILENO)) {
                fprintf(stderr, "the input device is not a TTY\n");
                return 1;
        }
        if (p->detach_keys)
                keys_q = cli_urlencode(p->detach_keys);
        if (asprintf(&path, "/containers/%s/attach?stream=1%s%s%s%s%s", p->id,
                     p->in ? "&stdin=1" : "", p->out ? "&stdout=1" : "", p->err ? "&stderr=1" : "",
                     keys_q ? "&detachKeys=" : "", keys_q ? keys_q : "") < 0)
                return CLI_EXIT_ENGINE;
        _cleanup_close_ int fd = -1;
        if (p->in || p->out || p->err) {
                fd = cli_hijack(ctx, "POST", path, NULL, &extra, &extra_len, &err);
                if (fd < 0)
                        return is_run ? run_fail(p->cmd, err, CLI_EXIT_ENGINE) : cli_fail(err, 1);
        }
        _cleanup_free_ char *wpath = NULL;
        if (asprintf(&wpath, "/containers/%s/wait?condition=%s", p->id,
                     p->rm      ? "removed"
                     : p->start ? "next-exit"
                                : "not-running") < 0)
                return CLI_EXIT_ENGINE;
        _cleanup_close_ int wfd = cli_raw_send(ctx, "POST", wpath, NULL, &err);
        if (wfd < 0)
                return is_run ? run_fail(p->cmd, err, CLI_EXIT_ENGINE) : cli_fail(err, 1);
        if (p->start) {
                _cleanup_free_ char *spath = NULL;
                if (asprintf(&spath, "/containers/%s/start", p->id) < 0)
                        return CLI_EXIT_ENGINE;
                r = post_simple(ctx, spath, &err);
                if (r < 0) {
                        int code = cli_exit_code_for_start(err ? err->message : NULL);
                        if (p->rm) {
                                _cleanup_free_ char *dpath = NULL;
                                BerthError *e2 = NULL;
                                if (asprintf(&dpath, "/containers/%s?force=1", p->id) >= 0)
                                        cli_delete(ctx, dpath, NULL, &e2);
                                error_free(e2);
                        }
                        return is_run ? run_fail(p->cmd, err, code) : cli_fail(err, 1);
                }
        }
        if (fd >= 0) {
                bool raw = p->tty && p->in && isatty(STDIN_FILENO);
                if (raw)
                        cli_term_raw(STDIN_FILENO);
                CliStreamOpts so = {
                    .tty = p->tty,
                    .use_stdin = p->in,
                    .detach = p->in ? (p->detach_keys ? p->detach_keys : "ctrl-p,ctrl-q") : NULL,
                    .container = p->id,
                    .sig_proxy = p->sig_proxy && !p->tty,
                    .resize = p->tty && isatty(STDOUT_FILENO),
                };
                r = cli_stream(ctx, fd, extra, extra_len, &so, &err);
                if (raw)
                        cli_term_restore();
                if (r < 0)
                        return cli_fail(err, CLI_EXIT_ENGINE);
                if (r == 1) {
                        /* detached: the container keeps running */
                        return 0;
                }
        }
        CliResponse resp = {0};
        r = cli_raw_response(wfd, &resp, &err);
        if (r < 0)
                return cli_fail(err, CLI_EXIT_ENGINE);
        int status = CLI_EXIT_ENGINE;
        if (resp.status >= 400) {
                _cleanup_free_ char *msg = cli_error_message(resp.body, resp.len);
                /* with --rm the container may be gone before the wait lands */
                if (!(p->rm && resp.status == 404))
                        fprintf(stderr, "Error response from daemon: %s\n", msg ? msg : "");
                else
                        status = 0;
        } else {
                _cleanup_json_ json_t *j = json_loadb(resp.body, resp.len, 0, NULL);
                json_t *sc = j ? json_object_get(j, "StatusCode") : NULL;
                json_t *e = j ? json_object_get(j, "Error") : NULL;
                json_t *m = json_is_object(e) ? json_object_get(e, "Message") : NULL;
                if (json_is_string(m) && json_string_length(m))
                        fprintf(stderr, "Error response from daemon: %s\n", json_string_value(m));
                if (json_is_integer(sc))
                        status = (int)json_integer_value(sc);
        }
        cli_response_clear(&resp);
        return status;
}

/* POST /containers/create; "Unable to find image" on a missing image. */
static int create_container(CliContext *ctx, const char *cmd, json_t *body, const char *name,
                            const CliRunFlags *f, char **ret_id, int *ret_exit)
{
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *path = NULL, *qname = NULL;
        _cleanup_json_ json_t *res = NULL;
        int r;

        if (name) {
                qname = cli_urlencode(name);
                r = asprintf(&path, "/containers/create?name=%s", qname ? qname : "");
        } else {
                r = asprintf(&path, "/containers/create");
        }
        if (r < 0) {
                *ret_exit = CLI_EXIT_ENGINE;
                return -ENOMEM;
        }
        r = cli_post_json(ctx, path, body, &res, &err);
        if (r < 0) {
                if (r == -ENOENT && err && strstr(err->message, "No such image")) {
                        fprintf(stderr, "Unable to find image '%s' locally\n", f->image);
                        /* pulling comes with registry support; say why it failed */
                }
                /* docker: run reports "docker: MSG" + hint and exits 125;
                 * create prints the bare message and exits 1 */
                if (STREQ(cmd, "run"))
                        *ret_exit = run_fail(cmd, err, CLI_EXIT_ENGINE);
                else
                        *ret_exit = cli_fail(err, 1);
                return r;
        }
        json_t *id = json_object_get(res, "Id");
        json_t *warnings = json_object_get(res, "Warnings");
        size_t i;
        json_t *w;
        json_array_foreach(warnings, i, w)
        {
                if (json_is_string(w))
                        fprintf(stderr, "WARNING: %s\n", json_string_value(w));
        }
        if (!json_is_string(id)) {
                fprintf(stderr, "%s: the daemon's answer has no container Id\n", cli_program);
                *ret_exit = CLI_EXIT_ENGINE;
                return -EPROTO;
        }
        if (f->cidfile) {
                _cleanup_close_ int cfd =
                    open(f->cidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                if (cfd < 0 || write(cfd, json_string_value(id), json_string_length(id)) < 0) {
                        fprintf(stderr, "%s: failed to write the container ID to %s: %s\n",
                                cli_program, f->cidfile, strerror(errno));
                }
        }
        *ret_id = strdup(json_string_value(id));
        return *ret_id ? 0 : -ENOMEM;
}

int cmd_create(CliContext *ctx, int argc, char **argv)
{
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_json_ json_t *body = NULL;
        _cleanup_free_ char *name = NULL, *id = NULL;
        CliRunFlags *f = NULL;
        int code = 0;

        int r = cli_run_parse(false, argc, argv, &body, &name, &f, &code, &err);
        if (r == 1)
                return 0;
        if (r < 0)
                return err ? cli_fail(err, CLI_EXIT_ENGINE) : code;
        r = create_container(ctx, "create", body, name, f, &id, &code);
        cli_run_flags_free(f);
        if (r < 0)
                return code;
        printf("%s\n", id);
        return 0;
}

int cmd_run(CliContext *ctx, int argc, char **argv)
{
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_json_ json_t *body = NULL;
        _cleanup_free_ char *name = NULL, *id = NULL;
        CliRunFlags *f = NULL;
        int code = 0;

        int r = cli_run_parse(true, argc, argv, &body, &name, &f, &code, &err);
        if (r == 1)
                return 0;
        if (r < 0)
                return err ? cli_fail(err, CLI_EXIT_ENGINE) : code;
        if (f->tty && f->attach_stdin && !f->detach && !isatty(STDIN_FILENO)) {
                cli_run_flags_free(f);
                fprintf(stderr, "the input device is not a TTY\n");
                return 1;
        }
        r = create_container(ctx, "run", body, name, f, &id, &code);
        if (r < 0) {
                cli_run_flags_free(f);
                return code;
        }
        if (f->detach) {
                _cleanup_free_ char *spath = NULL;
                if (asprintf(&spath, "/containers/%s/start", id) < 0) {
                        cli_run_flags_free(f);
                        return CLI_EXIT_ENGINE;
                }
                r = post_simple(ctx, spath, &err);
                if (r < 0) {
                        code = cli_exit_code_for_start(err->message);
                        if (f->rm) {
                                _cleanup_free_ char *dpath = NULL;
                                BerthError *e2 = NULL;
                                if (asprintf(&dpath, "/containers/%s?force=1", id) >= 0)
                                        cli_delete(ctx, dpath, NULL, &e2);
                                error_free(e2);
                        }
                        cli_run_flags_free(f);
                        return run_fail("run", err, code);
                }
                printf("%s\n", id);
                cli_run_flags_free(f);
                return 0;
        }
        AttachPlan p = {
            .id = id,
            .tty = f->tty,
            .in = f->attach_stdin,
            .out = f->attach_stdout,
            .err = f->attach_stderr,
            .detach_keys = f->detach_keys,
            .sig_proxy = f->sig_proxy,
            .start = true,
            .rm = f->rm,
            .cmd = "run",
        };
        code = attach_start_wait(ctx, &p);
        cli_run_flags_free(f);
        return code;
}

/* start -a/-i and attach reuse the flow; they learn the container's TTY
 * and stdin settings from inspect. */
int cli_attach_container(CliContext *ctx, const char *cmd, const char *ref, bool start, bool in,
                         const char *detach_keys, bool sig_proxy, bool want_out)
{
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_json_ json_t *info = NULL;
        _cleanup_free_ char *path = NULL, *qref = cli_urlencode(ref);

        if (!qref || asprintf(&path, "/containers/%s/json", qref) < 0)
                return 1;
        if (cli_get_json(ctx, path, &info, &err) < 0)
                return cli_fail(err, 1);
        json_t *config = json_object_get(info, "Config");
        json_t *state = json_object_get(info, "State");
        json_t *hostcfg = json_object_get(info, "HostConfig");
        const char *id = json_string_value(json_object_get(info, "Id"));
        bool tty = json_is_true(json_object_get(config, "Tty"));
        bool open_stdin = json_is_true(json_object_get(config, "OpenStdin"));
        bool running = json_is_true(json_object_get(state, "Running"));
        bool paused = json_is_true(json_object_get(state, "Paused"));
        if (!id)
                return 1;
        if (!start) {
                if (!running) {
                        fprintf(stderr,
                                "You cannot attach to a stopped container, start it first\n");
                        return 1;
                }
                if (paused) {
                        fprintf(stderr,
                                "You cannot attach to a paused container, unpause it first\n");
                        return 1;
                }
        } else if (running) {
                /* docker start -a on a running container just attaches */
                start = false;
        }
        AttachPlan p = {
            .id = id,
            .tty = tty,
            .in = in && open_stdin,
            .out = want_out,
            .err = want_out,
            .detach_keys = detach_keys,
            .sig_proxy = sig_proxy,
            .start = start,
            .rm = json_is_true(json_object_get(hostcfg, "AutoRemove")),
            .cmd = cmd,
        };
        return attach_start_wait(ctx, &p);
}
