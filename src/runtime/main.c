/* berth-runtime: a runc-compatible command line over the runtime library
 * (container.h). Same commands, flags, state JSON and exit codes as runc:
 * errors print one line and exit 1; run and exec exit with the status of
 * the container's process. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth-config.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "runtime/container.h"
#include "runtime/main.h"
#include "runtime/spec.h"

extern char **environ;

void parsed_done(Parsed *p)
{
        for (size_t i = 0; i < ARRAY_SIZE(p->lists); i++)
                strv_free(p->lists[i]);
        free(p->pos);
}

/* With --log, errors go to the log file (where containerd reads them) and
 * to stderr, as runc does. */
static bool log_to_file;

int fail(const char *fmt, ...)
{
        char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n >= 0) {
                log_error("%s", msg);
                if (log_to_file)
                        fprintf(stderr, "berth-runtime: %s\n", msg);
        }
        free(msg);
        return 1;
}

int fail_err(BerthError *e)
{
        int r = fail("%s", e && e->message ? e->message : "unknown error");
        error_free(e);
        return r;
}

/* Options come first; the first non-option (or "--") ends them, so that
 * `exec ID cmd -x` passes -x to cmd, as runc's parser does. */
int parse_opts(const char *cmd, const Opt *opts, size_t n_opts, int argc, char **argv, Parsed *p)
{
        memset(p, 0, sizeof(*p));
        p->pos = calloc((size_t)argc + 1, sizeof(char *));
        if (!p->pos)
                return fail("out of memory");
        int i = 0;
        for (; i < argc; i++) {
                const char *a = argv[i];
                if (STREQ(a, "--")) {
                        i++;
                        break;
                }
                if (a[0] != '-' || a[1] == '\0')
                        break;
                const char *name = a[1] == '-' ? a + 2 : a + 1;
                bool is_long = a[1] == '-';
                const char *eq = is_long ? strchr(name, '=') : NULL;
                size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
                size_t k = 0;
                for (; k < n_opts; k++) {
                        if (is_long || nlen > 1) {
                                if (strlen(opts[k].lng) == nlen &&
                                    strncmp(opts[k].lng, name, nlen) == 0)
                                        break;
                        } else if (opts[k].shrt && opts[k].shrt == name[0]) {
                                break;
                        }
                }
                if (k == n_opts)
                        return fail("%s: unknown option '%s' (see '%s --help')", cmd, a, cmd);
                p->set[k] = true;
                if (opts[k].has_arg == 0) {
                        if (eq && !(STREQ(eq + 1, "true") || STREQ(eq + 1, "false")))
                                return fail("%s: option '--%s' takes no value", cmd, opts[k].lng);
                        if (eq && STREQ(eq + 1, "false"))
                                p->set[k] = false;
                        continue;
                }
                const char *v = eq ? eq + 1 : NULL;
                if (!v) {
                        if (i + 1 >= argc)
                                return fail("%s: option '%s' needs a value", cmd, a);
                        v = argv[++i];
                }
                p->values[k] = v;
                if (opts[k].has_arg == 2 && strv_append(&p->lists[k], v) < 0)
                        return fail("out of memory");
        }
        for (; i < argc; i++)
                p->pos[p->n_pos++] = argv[i];
        return 0;
}

static bool wants_help(int argc, char **argv)
{
        for (int i = 0; i < argc; i++) {
                if (STREQ(argv[i], "--"))
                        return false;
                if (argv[i][0] != '-')
                        return false;
                if (STREQ(argv[i], "--help") || STREQ(argv[i], "-h"))
                        return true;
        }
        return false;
}

static int parse_int_opt(const char *cmd, const char *name, const char *v, int *ret)
{
        char *end = NULL;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (errno || end == v || *end || n < 0 || n > 65536)
                return fail("%s: --%s: '%s' is not a valid number", cmd, name, v);
        *ret = (int)n;
        return 0;
}

int need_id(const char *cmd, const Parsed *p, size_t max_extra)
{
        if (p->n_pos < 1)
                return fail("\"%s\" requires a container id (see '%s --help')", cmd, cmd);
        if (p->n_pos - 1 > max_extra)
                return fail("\"%s\": too many arguments (see '%s --help')", cmd, cmd);
        return 0;
}

/* ---- spec ---- */

static int cmd_spec(const Globals *g, int argc, char **argv)
{
        static const Opt opts[] = {{"bundle", 'b', 1}, {"rootless", 0, 0}};
        Parsed p;
        int r = parse_opts("spec", opts, ARRAY_SIZE(opts), argc, argv, &p);
        if (r == 0 && p.n_pos > 0)
                r = fail("\"spec\" takes no arguments");
        if (r) {
                parsed_done(&p);
                return r;
        }
        const char *bundle = p.values[0] ? p.values[0] : ".";
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/config.json", bundle) < 0)
                return fail("out of memory");
        bool rootless = p.set[1];
        parsed_done(&p);
        if (access(path, F_OK) == 0)
                return fail("File %s exists. Remove it first", path);
        _cleanup_json_ json_t *j = rt_spec_default(rootless);
        if (!j)
                return fail("spec: cannot build the default configuration");
        _cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!text)
                return fail("out of memory");
        size_t len = strlen(text);
        text[len] = '\0';
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                return fail("create %s: %s", path, strerror(errno));
        if (write_all_fd(fd, text, len) < 0 || write_all_fd(fd, "\n", 1) < 0)
                return fail("write %s: %s", path, strerror(errno));
        (void)g;
        return 0;
}

/* ---- create / run ---- */

enum {
        C_BUNDLE,
        C_CONSOLE,
        C_PIDFILE,
        C_NOPIVOT,
        C_NOKEYRING,
        C_PRESERVE,
        C_DETACH,
        C_KEEP,
        C_NOSUBREAPER
};
static const Opt create_opts[] = {
    [C_BUNDLE] = {"bundle", 'b', 1},          [C_CONSOLE] = {"console-socket", 0, 1},
    [C_PIDFILE] = {"pid-file", 0, 1},         [C_NOPIVOT] = {"no-pivot", 0, 0},
    [C_NOKEYRING] = {"no-new-keyring", 0, 0}, [C_PRESERVE] = {"preserve-fds", 0, 1},
    [C_DETACH] = {"detach", 'd', 0},          [C_KEEP] = {"keep", 0, 0},
    [C_NOSUBREAPER] = {"no-subreaper", 0, 0},
};

static int cmd_create_run(const Globals *g, bool run, int argc, char **argv)
{
        const char *cmd = run ? "run" : "create";
        Parsed p;
        size_t n_opts = run ? ARRAY_SIZE(create_opts) : C_PRESERVE + 1;
        int r = parse_opts(cmd, create_opts, n_opts, argc, argv, &p);
        if (r == 0)
                r = need_id(cmd, &p, 0);
        RtCreateOptions o = {.root = g->root,
                             .id = p.n_pos ? p.pos[0] : NULL,
                             .bundle = p.values[C_BUNDLE],
                             .pid_file = p.values[C_PIDFILE],
                             .console_socket = p.values[C_CONSOLE],
                             .no_pivot = p.set[C_NOPIVOT],
                             .no_new_keyring = p.set[C_NOKEYRING],
                             .detach = run && p.set[C_DETACH],
                             .keep = run && p.set[C_KEEP]};
        if (r == 0 && p.values[C_PRESERVE])
                r = parse_int_opt(cmd, "preserve-fds", p.values[C_PRESERVE], &o.preserve_fds);
        if (r) {
                parsed_done(&p);
                return r;
        }
        BerthError *err = NULL;
        int status = 0;
        if (run)
                r = rt_container_run(&o, NULL, &status, &err);
        else
                r = rt_container_create(&o, NULL, &err);
        parsed_done(&p);
        if (r < 0)
                return fail_err(err);
        return run ? status : 0;
}

/* ---- start, state, pause, resume, delete, kill ---- */

static int simple_id_cmd(const char *cmd, int argc, char **argv, const Opt *opts, size_t n_opts,
                         size_t max_extra, Parsed *p)
{
        int r = parse_opts(cmd, opts, n_opts, argc, argv, p);
        if (r == 0)
                r = need_id(cmd, p, max_extra);
        return r;
}

static int cmd_start(const Globals *g, int argc, char **argv)
{
        Parsed p;
        int r = simple_id_cmd("start", argc, argv, NULL, 0, 0, &p);
        BerthError *err = NULL;
        if (r == 0 && rt_container_start(g->root, p.pos[0], &err) < 0)
                r = fail_err(err);
        parsed_done(&p);
        return r;
}

int print_json(json_t *j, size_t flags)
{
        char *s = j ? json_dumps(j, flags | JSON_PRESERVE_ORDER) : NULL;
        if (!s)
                return fail("out of memory");
        printf("%s\n", s);
        free(s);
        return 0;
}

static int cmd_state(const Globals *g, int argc, char **argv)
{
        Parsed p;
        int r = simple_id_cmd("state", argc, argv, NULL, 0, 0, &p);
        if (r == 0) {
                _cleanup_state_ RtState *st = NULL;
                BerthError *err = NULL;
                if (rt_container_state(g->root, p.pos[0], &st, &err) < 0) {
                        r = fail_err(err);
                } else {
                        json_t *j = rt_state_public_json(st, true);
                        r = print_json(j, JSON_INDENT(2));
                        json_decref(j);
                }
        }
        parsed_done(&p);
        return r;
}

static int cmd_pause_resume(const Globals *g, bool pause, int argc, char **argv)
{
        Parsed p;
        int r = simple_id_cmd(pause ? "pause" : "resume", argc, argv, NULL, 0, 0, &p);
        BerthError *err = NULL;
        if (r == 0 && (pause ? rt_container_pause(g->root, p.pos[0], &err)
                             : rt_container_resume(g->root, p.pos[0], &err)) < 0)
                r = fail_err(err);
        parsed_done(&p);
        return r;
}

static int cmd_delete(const Globals *g, int argc, char **argv)
{
        static const Opt opts[] = {{"force", 'f', 0}};
        Parsed p;
        int r = parse_opts("delete", opts, ARRAY_SIZE(opts), argc, argv, &p);
        if (r == 0 && p.n_pos == 0)
                r = need_id("delete", &p, 0);
        /* runc deletes several containers at once */
        for (size_t i = 0; r == 0 && i < p.n_pos; i++) {
                BerthError *err = NULL;
                if (rt_container_delete(g->root, p.pos[i], p.set[0], &err) < 0)
                        r = fail_err(err);
        }
        parsed_done(&p);
        return r;
}

static int parse_signal(const char *s)
{
        char *end = NULL;
        long n = strtol(s, &end, 10);
        if (end != s && *end == '\0')
                return n > 0 && n <= SIGRTMAX ? (int)n : -EINVAL;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (int sig = 1; sig < SIGRTMIN; sig++) {
                const char *name = sigabbrev_np(sig);
                if (name && strcasecmp(name, s) == 0)
                        return sig;
        }
        if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
                bool min = strncasecmp(s, "RTMIN", 5) == 0;
                long off = 0;
                if (s[5] && ((s[5] != '+' && s[5] != '-') || (off = strtol(s + 5, &end, 10), *end)))
                        return -EINVAL;
                int sig = (min ? SIGRTMIN : SIGRTMAX) + (int)off;
                return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -EINVAL;
        }
        return -EINVAL;
}

static int cmd_kill(const Globals *g, int argc, char **argv)
{
        static const Opt opts[] = {{"all", 'a', 0}, {"pid", 'p', 1}};
        Parsed p;
        int r = parse_opts("kill", opts, ARRAY_SIZE(opts), argc, argv, &p);
        if (r == 0)
                r = need_id("kill", &p, 1);
        int sig = SIGTERM;
        if (r == 0 && p.n_pos > 1 && (sig = parse_signal(p.pos[1])) < 0)
                r = fail("kill: unknown signal '%s'", p.pos[1]);
        BerthError *err = NULL;
        if (r == 0 && rt_container_kill(g->root, p.pos[0], sig, p.set[0], &err) < 0)
                r = fail_err(err);
        parsed_done(&p);
        return r;
}

/* ---- list ---- */

/* Columns as Go's tabwriter(minwidth 12, padding 1) lays them out, which is
 * what runc prints and what scripts parse. */
static void print_table(char ***rows, size_t n_rows, size_t n_cols)
{
        size_t width[16] = {0};
        for (size_t r = 0; r < n_rows; r++)
                for (size_t c = 0; c < n_cols; c++) {
                        size_t w = strlen(rows[r][c]) + 1;
                        if (w > width[c])
                                width[c] = w;
                }
        for (size_t c = 0; c < n_cols; c++)
                if (width[c] < 12)
                        width[c] = 12;
        for (size_t r = 0; r < n_rows; r++) {
                for (size_t c = 0; c < n_cols; c++) {
                        if (c + 1 == n_cols)
                                printf("%s", rows[r][c]);
                        else
                                printf("%-*s", (int)width[c], rows[r][c]);
                }
                printf("\n");
        }
}

static int cmd_list(const Globals *g, int argc, char **argv)
{
        static const Opt opts[] = {{"quiet", 'q', 0}, {"format", 'f', 1}};
        Parsed p;
        int r = parse_opts("list", opts, ARRAY_SIZE(opts), argc, argv, &p);
        const char *format = p.values[1] ? p.values[1] : "table";
        if (r == 0 && !STREQ(format, "table") && !STREQ(format, "json"))
                r = fail("list: invalid format '%s': use table or json", format);
        bool quiet = p.set[0];
        parsed_done(&p);
        if (r)
                return r;
        RtState **v = NULL;
        size_t n = 0;
        BerthError *err = NULL;
        if (rt_container_list(g->root, &v, &n, &err) < 0)
                return fail_err(err);
        if (quiet) {
                for (size_t i = 0; i < n; i++)
                        printf("%s\n", v[i]->id);
        } else if (STREQ(format, "json")) {
                json_t *a = json_array();
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(a, rt_state_public_json(v[i], true));
                r = print_json(a, JSON_COMPACT);
                json_decref(a);
        } else {
                char ***rows = calloc(n + 1, sizeof(*rows));
                char *(*cells)[6] = calloc(n + 1, sizeof(*cells));
                char(*pids)[16] = calloc(n + 1, sizeof(*pids));
                if (!rows || !cells || !pids) {
                        r = fail("out of memory");
                } else {
                        static const char *const head[] = {"ID",     "PID",     "STATUS",
                                                           "BUNDLE", "CREATED", "OWNER"};
                        for (size_t c = 0; c < 6; c++)
                                cells[0][c] = (char *)head[c];
                        for (size_t i = 0; i < n; i++) {
                                snprintf(pids[i], sizeof(pids[i]), "%d",
                                         v[i]->status == RT_STATUS_STOPPED ? 0 : (int)v[i]->pid);
                                char **row = cells[i + 1];
                                row[0] = v[i]->id;
                                row[1] = pids[i];
                                row[2] = (char *)rt_status_name(v[i]->status);
                                row[3] = v[i]->bundle;
                                row[4] = v[i]->created ? v[i]->created : "";
                                row[5] = v[i]->owner ? v[i]->owner : "";
                        }
                        for (size_t i = 0; i <= n; i++)
                                rows[i] = cells[i];
                        print_table(rows, n + 1, 6);
                }
                free(rows);
                free(cells);
                free(pids);
        }
        for (size_t i = 0; i < n; i++)
                rt_state_free(v[i]);
        free(v);
        return r;
}

/* ---- ps ---- */

static int run_ps(char **ps_args, const pid_t *pids, size_t n)
{
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return fail("ps: %s", strerror(errno));
        pid_t child = fork();
        if (child < 0)
                return fail("ps: fork: %s", strerror(errno));
        if (child == 0) {
                dup2(pfd[1], STDOUT_FILENO);
                execvp("ps", ps_args);
                dprintf(STDERR_FILENO, "berth-runtime: exec ps: %s\n", strerror(errno));
                _exit(127);
        }
        close(pfd[1]);
        _cleanup_fclose_ FILE *f = fdopen(pfd[0], "r");
        if (!f) {
                close(pfd[0]);
                return fail("ps: %s", strerror(errno));
        }
        char *line = NULL;
        size_t cap = 0;
        int pid_col = -1;
        bool header = true;
        while (getline(&line, &cap, f) > 0) {
                if (header) {
                        /* find the PID column by name */
                        _cleanup_free_ char *copy = strdup(line);
                        char *save = NULL;
                        int col = 0;
                        for (char *t = strtok_r(copy, " \t\n", &save); t;
                             t = strtok_r(NULL, " \t\n", &save), col++)
                                if (STREQ(t, "PID"))
                                        pid_col = col;
                        fputs(line, stdout);
                        header = false;
                        continue;
                }
                _cleanup_free_ char *copy = strdup(line);
                char *save = NULL;
                char *t = strtok_r(copy, " \t\n", &save);
                for (int col = 0; t && col < pid_col; col++)
                        t = strtok_r(NULL, " \t\n", &save);
                if (!t)
                        continue;
                long pid = strtol(t, NULL, 10);
                for (size_t i = 0; i < n; i++)
                        if (pids[i] == pid) {
                                fputs(line, stdout);
                                break;
                        }
        }
        free(line);
        int status = 0;
        waitpid(child, &status, 0);
        if (pid_col < 0)
                return fail("ps: could not find the PID column in the output of ps");
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int cmd_ps(const Globals *g, int argc, char **argv)
{
        static const Opt opts[] = {{"format", 'f', 1}};
        Parsed p;
        int r = parse_opts("ps", opts, ARRAY_SIZE(opts), argc, argv, &p);
        if (r == 0)
                r = need_id("ps", &p, SIZE_MAX);
        const char *format = p.values[0] ? p.values[0] : "table";
        if (r == 0 && !STREQ(format, "table") && !STREQ(format, "json"))
                r = fail("ps: invalid format '%s': use table or json", format);
        pid_t *pids = NULL;
        size_t n = 0;
        BerthError *err = NULL;
        if (r == 0 && rt_container_pids(g->root, p.pos[0], &pids, &n, &err) < 0)
                r = fail_err(err);
        if (r == 0 && STREQ(format, "json")) {
                json_t *a = json_array();
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(a, json_integer(pids[i]));
                r = print_json(a, JSON_COMPACT);
                json_decref(a);
        } else if (r == 0) {
                _cleanup_strv_free_ char **args = NULL;
                strv_append(&args, "ps");
                if (p.n_pos > 1)
                        for (size_t i = 1; i < p.n_pos; i++)
                                strv_append(&args, p.pos[i]);
                else
                        strv_append(&args, "-ef");
                r = run_ps(args, pids, n);
        }
        free(pids);
        parsed_done(&p);
        return r;
}

/* ---- exec ---- */

enum {
        E_CONSOLE,
        E_CWD,
        E_ENV,
        E_TTY,
        E_USER,
        E_GIDS,
        E_PROCESS,
        E_DETACH,
        E_PIDFILE,
        E_LABEL,
        E_APPARMOR,
        E_NNP,
        E_CAP,
        E_PRESERVE,
        E_CGROUP,
        E_IGNORE_PAUSED
};
static const Opt exec_opts[] = {
    [E_CONSOLE] = {"console-socket", 0, 1},
    [E_CWD] = {"cwd", 0, 1},
    [E_ENV] = {"env", 'e', 2},
    [E_TTY] = {"tty", 't', 0},
    [E_USER] = {"user", 'u', 1},
    [E_GIDS] = {"additional-gids", 'g', 2},
    [E_PROCESS] = {"process", 'p', 1},
    [E_DETACH] = {"detach", 'd', 0},
    [E_PIDFILE] = {"pid-file", 0, 1},
    [E_LABEL] = {"process-label", 0, 1},
    [E_APPARMOR] = {"apparmor", 0, 1},
    [E_NNP] = {"no-new-privs", 0, 0},
    [E_CAP] = {"cap", 'c', 2},
    [E_PRESERVE] = {"preserve-fds", 0, 1},
    [E_CGROUP] = {"cgroup", 0, 2},
    [E_IGNORE_PAUSED] = {"ignore-paused", 0, 0},
};

static int cmd_exec(const Globals *g, int argc, char **argv)
{
        Parsed p;
        int r = parse_opts("exec", exec_opts, ARRAY_SIZE(exec_opts), argc, argv, &p);
        if (r == 0)
                r = need_id("exec", &p, SIZE_MAX);
        if (r == 0 && !p.values[E_PROCESS] && p.n_pos < 2)
                r = fail("exec: no command given (args or --process)");
        RtExecOptions o = {.root = g->root,
                           .id = p.n_pos ? p.pos[0] : NULL,
                           .process_path = p.values[E_PROCESS],
                           .args = p.n_pos > 1 ? p.pos + 1 : NULL,
                           .tty = p.set[E_TTY],
                           .tty_set = p.set[E_TTY],
                           .console_socket = p.values[E_CONSOLE],
                           .env = p.lists[E_ENV],
                           .cwd = p.values[E_CWD],
                           .user = p.values[E_USER],
                           .caps = p.lists[E_CAP],
                           .additional_gids = p.lists[E_GIDS],
                           .no_new_privs = p.set[E_NNP],
                           .detach = p.set[E_DETACH],
                           .pid_file = p.values[E_PIDFILE]};
        if (r == 0 && p.values[E_PRESERVE])
                r = parse_int_opt("exec", "preserve-fds", p.values[E_PRESERVE], &o.preserve_fds);
        if (r) {
                parsed_done(&p);
                return r;
        }
        BerthError *err = NULL;
        int status = 0;
        r = rt_container_exec(&o, NULL, &status, &err);
        parsed_done(&p);
        if (r < 0)
                return fail_err(err);
        return status;
}

static int cmd_create(const Globals *g, int argc, char **argv)
{
        return cmd_create_run(g, false, argc, argv);
}

static int cmd_run(const Globals *g, int argc, char **argv)
{
        return cmd_create_run(g, true, argc, argv);
}

static int cmd_pause(const Globals *g, int argc, char **argv)
{
        return cmd_pause_resume(g, true, argc, argv);
}

static int cmd_resume(const Globals *g, int argc, char **argv)
{
        return cmd_pause_resume(g, false, argc, argv);
}

/* ---- help ---- */

static const struct {
        const char *name;
        const char *usage;
} usages[] = {
    {"spec", "spec [--bundle DIR] [--rootless]\n  Write a default config.json into the bundle."},
    {"create", "create [--bundle DIR] [--console-socket PATH] [--pid-file FILE] [--no-pivot]\n"
               "       [--no-new-keyring] [--preserve-fds N] <container-id>\n"
               "  Create a container; its process waits for `start`."},
    {"start", "start <container-id>\n  Run the process of a created container."},
    {"run", "run [create options] [--detach] <container-id>\n"
            "  Create and start a container; without --detach wait for it and exit with its "
            "status."},
    {"state", "state <container-id>\n  Print the state of a container as JSON."},
    {"kill", "kill [--all] <container-id> [SIGNAL]\n  Send a signal (default SIGTERM)."},
    {"delete", "delete [--force] <container-id>...\n  Delete a stopped container (--force: any)."},
    {"exec", "exec [--process FILE | --tty --console-socket PATH --env K=V --cwd DIR --user "
             "USER[:GROUP]\n       --cap CAP --no-new-privs --detach --pid-file FILE "
             "--preserve-fds N] <container-id> [command args...]\n"
             "  Run a process in a running container."},
    {"list", "list [--quiet] [--format table|json]\n  List containers."},
    {"pause", "pause <container-id>\n  Freeze every process of a container."},
    {"resume", "resume <container-id>\n  Thaw a paused container."},
    {"ps", "ps [--format table|json] <container-id> [ps options]\n  List the processes of a "
           "container."},
    {"features", "features\n  Print what this runtime supports (OCI features JSON)."},
    {"update", "update [-r resources.json|-] [--memory SIZE] [--memory-reservation SIZE]\n"
               "       [--memory-swap SIZE] [--cpu-share N] [--cpu-quota N] [--cpu-period N]\n"
               "       [--cpuset-cpus LIST] [--cpuset-mems LIST] [--pids-limit N]\n"
               "       [--blkio-weight N] <container-id>\n"
               "  Change the resources of a container's cgroup."},
    {"events", "events [--stats] [--interval DURATION] <container-id>\n"
               "  Print the container's resource usage as JSON: once with --stats, else every\n"
               "  interval (default 5s) until it stops, with an oom event on each OOM kill."},
};

static void print_help(FILE *f, const char *cmd)
{
        for (size_t i = 0; cmd && i < ARRAY_SIZE(usages); i++)
                if (STREQ(usages[i].name, cmd)) {
                        fprintf(f, "Usage: berth-runtime [global options] %s\n", usages[i].usage);
                        return;
                }
        fprintf(f, "Usage: berth-runtime [global options] COMMAND [options] [arguments]\n\n"
                   "An OCI runtime, compatible with runc.\n\nCommands:\n");
        for (size_t i = 0; i < ARRAY_SIZE(usages); i++)
                fprintf(f, "  %s\n", usages[i].name);
        fprintf(f, "\nGlobal options:\n"
                   "  --root DIR           state directory (default " RT_DEFAULT_ROOT ")\n"
                   "  --log FILE           write log messages to FILE\n"
                   "  --log-format FORMAT  text or json\n"
                   "  --debug              log debug messages\n"
                   "  --systemd-cgroup     accepted for compatibility\n"
                   "  --version, -v        print the version\n"
                   "\nRun 'berth-runtime COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
        log_set_program("berth-runtime");
        Globals g = {.root = RT_DEFAULT_ROOT};
        const char *log_path = NULL, *log_format = NULL;
        bool debug = false;
        int i = 1;
        for (; i < argc && argv[i][0] == '-'; i++) {
                const char *a = argv[i];
                const char *eq = strchr(a, '=');
                size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
#define IS(name) (strlen(name) == nlen && strncmp(a, name, nlen) == 0)
#define VALUE()  (eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL))
                if (IS("--root")) {
                        if (!(g.root = VALUE()))
                                return fail("--root needs a value");
                } else if (IS("--log")) {
                        if (!(log_path = VALUE()))
                                return fail("--log needs a value");
                } else if (IS("--log-format")) {
                        if (!(log_format = VALUE()))
                                return fail("--log-format needs a value");
                } else if (IS("--debug")) {
                        debug = true;
                } else if (IS("--systemd-cgroup")) {
                        g.systemd_cgroup = true;
                } else if (IS("--rootless") || IS("--criu")) {
                        if (!eq)
                                (void)VALUE();
                } else if (IS("--version") || IS("-v")) {
                        printf("berth-runtime version %s\nspec: %s\n", BERTH_VERSION,
                               RT_OCI_VERSION);
                        return 0;
                } else if (IS("--help") || IS("-h")) {
                        print_help(stdout, NULL);
                        return 0;
                } else {
                        return fail("unknown global option '%s' (see 'berth-runtime --help')", a);
                }
#undef IS
#undef VALUE
        }
        LogFormat fmt = LOG_FORMAT_TEXT;
        if (log_format && log_format_parse(log_format, &fmt) < 0)
                return fail("--log-format: '%s' is not text or json", log_format);
        if (debug)
                log_set_level(LOG_LEVEL_DEBUG);
        if (log_path) {
                int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (fd < 0)
                        return fail("open log file '%s': %s", log_path, strerror(errno));
                log_set_output(fd, fmt);
                log_to_file = true;
        } else {
                log_set_output(-1, fmt);
        }
        if (i >= argc) {
                print_help(stderr, NULL);
                return 1;
        }
        const char *cmd = argv[i];
        int cargc = argc - i - 1;
        char **cargv = argv + i + 1;
        if (STREQ(cmd, "help")) {
                print_help(stdout, cargc > 0 ? cargv[0] : NULL);
                return 0;
        }
        if (wants_help(cargc, cargv)) {
                print_help(stdout, cmd);
                return 0;
        }
        if (STREQ(cmd, "exec")) {
                /* CVE-2019-5736: the exec'd process could be raced by the
                 * container's processes; make our exe an unwritable copy
                 * (create and run are covered in container_child.c) */
                int r = rt_ensure_sealed_exe(argc, argv, environ);
                if (r < 0)
                        return fail("re-execute from a sealed copy of berth-runtime: %s",
                                    strerror(-r));
        }
        static const struct {
                const char *name;
                int (*run)(const Globals *g, int argc, char **argv);
        } commands[] = {
            {"spec", cmd_spec},         {"create", cmd_create}, {"run", cmd_run},
            {"start", cmd_start},       {"state", cmd_state},   {"kill", cmd_kill},
            {"delete", cmd_delete},     {"exec", cmd_exec},     {"list", cmd_list},
            {"pause", cmd_pause},       {"resume", cmd_resume}, {"ps", cmd_ps},
            {"features", cmd_features}, {"update", cmd_update}, {"events", cmd_events},
        };
        for (size_t k = 0; k < ARRAY_SIZE(commands); k++)
                if (STREQ(cmd, commands[k].name))
                        return commands[k].run(&g, cargc, cargv);
        return fail("unknown command '%s' (see 'berth-runtime --help')", cmd);
}
