/* The exec endpoints: POST /containers/{id}/exec, /exec/{id}/start,
 * /exec/{id}/resize, GET /exec/{id}/json.
 *
 * Exec instances live in memory (as in Docker). Starting one forks a
 * helper process that puts its stdio on our pipes (or /dev/null), calls
 * rt_container_exec() detached and waits for the exec'd process, exiting
 * with its status; berthd waits for that helper only (by its pidfd, then
 * waitpid(helper)). With a TTY, the runtime sends the pty master over a
 * console socket to berthd, which relays it and resizes it. The relay runs
 * in the hijacked connection's thread, or in a thread of its own when
 * detached. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "daemon/api.h"
#include "daemon/api_exec_proc.h"
#include "daemon/api_routes.h"
#include "daemon/engine_internal.h"
#include "monitor/monitor.h"
#include "runtime/container.h"

#define EXEC_MAX_KEYS         16
#define EXEC_KEEP_IDLE        256 /* finished or never started instances kept */
#define EXEC_DRAIN_MS         200 /* output still read after the process exited */
#define EXEC_START_TIMEOUT_MS (60 * 1000)

typedef struct ExecRec {
        char id[65];
        char container_id[65];
        Engine *engine;
        json_t *config; /* the ExecConfig as created (Cmd normalised to an array) */
        bool started, running, exited;
        int exit_code;
        pid_t pid;
        int pty; /* pty master while running with a TTY, else -1 */
        unsigned refs;
        struct ExecRec *next;
} ExecRec;

static pthread_mutex_t execs_lock = PTHREAD_MUTEX_INITIALIZER;
static ExecRec *execs;

static void rec_unref(ExecRec *r)
{
        if (!r)
                return;
        pthread_mutex_lock(&execs_lock);
        bool last = --r->refs == 0;
        pthread_mutex_unlock(&execs_lock);
        if (!last)
                return;
        if (r->pty >= 0)
                close(r->pty);
        json_decref(r->config);
        free(r);
}

/* A reference to the instance with this ID; NULL when unknown. */
static ExecRec *rec_get(const char *id)
{
        pthread_mutex_lock(&execs_lock);
        ExecRec *r = execs;
        while (r && !STREQ(r->id, id))
                r = r->next;
        if (r)
                r->refs++;
        pthread_mutex_unlock(&execs_lock);
        return r;
}

/* Called with execs_lock held, which it releases: unlinks the instances
 * pick chooses, then drops the list's references to them unlocked. */
static void drop_where(bool (*pick)(const ExecRec *x, void *ctx), void *ctx)
{
        ExecRec *drop = NULL;
        for (ExecRec **p = &execs; *p;) {
                ExecRec *x = *p;
                if (pick(x, ctx)) {
                        *p = x->next;
                        x->next = drop;
                        drop = x;
                        continue;
                }
                p = &x->next;
        }
        pthread_mutex_unlock(&execs_lock);
        while (drop) {
                ExecRec *n = drop->next;
                rec_unref(drop);
                drop = n;
        }
}

static bool beyond_idle_limit(const ExecRec *x, void *ctx)
{
        unsigned *finished = ctx;
        return (x->exited || !x->started) && ++*finished > EXEC_KEEP_IDLE;
}

static bool of_container(const ExecRec *x, void *ctx)
{
        return STREQ(x->container_id, (const char *)ctx);
}

/* Adds r (taking the caller's reference for the list) and forgets the
 * oldest finished or never started instances beyond EXEC_KEEP_IDLE. */
static void rec_add(ExecRec *r)
{
        pthread_mutex_lock(&execs_lock);
        r->next = execs;
        execs = r;
        unsigned finished = 0;
        drop_where(beyond_idle_limit, &finished);
}

/* Forgets every instance of the container (it was removed): their IDs
 * answer 404 from now on; sessions still running keep their reference. */
void api_exec_forget_container(const char *container_id)
{
        pthread_mutex_lock(&execs_lock);
        drop_where(of_container, (void *)container_id);
}

json_t *api_exec_container_ids(const char *container_id)
{
        json_t *ids = json_array();
        if (!ids)
                return NULL;
        pthread_mutex_lock(&execs_lock);
        /* the list is newest first; Docker's order is no order: show the
         * oldest first */
        for (ExecRec *x = execs; x; x = x->next)
                if (STREQ(x->container_id, container_id) && !x->exited)
                        json_array_insert_new(ids, 0, json_string(x->id));
        pthread_mutex_unlock(&execs_lock);
        if (json_array_size(ids) == 0) {
                json_decref(ids);
                return json_null();
        }
        return ids;
}

static int random_id(char id[65])
{
        unsigned char b[32];
        size_t got = 0;
        while (got < sizeof(b)) {
                ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                got += (size_t)n;
        }
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(id + 2 * i, 3, "%02x", b[i]);
        return 0;
}

/* "sh -c echo hi": the command as Docker shows it in events. */
static char *command_line(json_t *config)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return NULL;
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(config, "Cmd"), i, a)
            fprintf(f, "%s%s", i ? " " : "", json_string_value(a) ? json_string_value(a) : "");
        fclose(f);
        return buf;
}

static void exec_event(ExecRec *r, const char *what, json_t *attrs)
{
        _cleanup_free_ char *cmd = command_line(r->config);
        _cleanup_free_ char *action = NULL;
        if (STREQ(what, "exec_die"))
                action = strdup(what);
        else if (asprintf(&action, "%s: %s", what, cmd ? cmd : "") < 0)
                action = NULL;
        if (!attrs)
                attrs = json_object();
        json_object_set_new(attrs, "execID", json_string(r->id));
        if (action)
                engine_event(r->engine, "container", action, r->container_id, attrs);
        else
                json_decref(attrs);
}

/* ---- POST /containers/{id}/exec ---- */

static int not_running(const EngineContainer *c, BerthError **err)
{
        switch (c->state) {
        case ENGINE_RUNNING:
                return 0;
        case ENGINE_PAUSED:
                return error_set(
                    err, EBUSY, "container %s is paused, unpause the container before exec", c->id);
        case ENGINE_RESTARTING:
                return error_set(err, EBUSY,
                                 "container %s is restarting, wait until the container is running",
                                 c->id);
        default:
                return error_set(err, EBUSY, "container %s is not running", c->id);
        }
}

/* Checks and normalises the ExecConfig in place. */
static int check_config(json_t *cfg, BerthError **err)
{
        json_t *cmd = json_object_get(cfg, "Cmd");
        if (json_is_string(cmd)) {
                json_object_set_new(cfg, "Cmd", json_pack("[s]", json_string_value(cmd)));
                cmd = json_object_get(cfg, "Cmd");
        }
        if (!json_is_array(cmd) || json_array_size(cmd) == 0)
                return error_set(err, EINVAL, "No exec command specified");
        size_t i;
        json_t *v;
        json_array_foreach(cmd, i, v)
        {
                if (!json_is_string(v))
                        return error_set(err, EINVAL, "Cmd: expected an array of strings");
        }
        json_t *env = json_object_get(cfg, "Env");
        if (env && !json_is_null(env)) {
                if (!json_is_array(env))
                        return error_set(err, EINVAL, "Env: expected an array of strings");
                json_array_foreach(env, i, v)
                {
                        const char *s = json_string_value(v);
                        if (!s || !*s || *s == '=')
                                return error_set(err, EINVAL, "invalid environment variable: %s",
                                                 s ? s : "(not a string)");
                }
        }
        static const char *const strings[] = {"User", "WorkingDir", "DetachKeys"};
        for (size_t k = 0; k < ARRAY_SIZE(strings); k++) {
                json_t *s = json_object_get(cfg, strings[k]);
                if (s && !json_is_null(s) && !json_is_string(s))
                        return error_set(err, EINVAL, "%s: expected a string", strings[k]);
        }
        const char *keys = json_string_value(json_object_get(cfg, "DetachKeys"));
        unsigned char buf[EXEC_MAX_KEYS];
        size_t n;
        if (keys && *keys && api_exec_parse_detach_keys(keys, buf, sizeof(buf), &n, NULL) < 0)
                return error_set(err, EINVAL, "Invalid detach keys (%s) provided", keys);
        const char *wd = json_string_value(json_object_get(cfg, "WorkingDir"));
        if (wd && *wd && wd[0] != '/')
                return error_set(err, EINVAL,
                                 "the working directory '%s' is invalid, it needs to be an "
                                 "absolute path",
                                 wd);
        return 0;
}

static int h_create(ApiRequest *req, void *ud, BerthError **err)
{
        Engine *e = ud;
        EngineContainer *c = NULL;
        int r = engine_container_get(e, api_request_param(req, "id"), &c, err);
        if (r < 0)
                return r;
        char cid[65];
        snprintf(cid, sizeof(cid), "%s", c->id);
        r = not_running(c, err);
        engine_container_free(c);
        if (r < 0)
                return r;
        _cleanup_json_ json_t *cfg = NULL;
        if ((r = api_request_json(req, false, &cfg, err)) < 0)
                return r;
        if (!json_is_object(cfg))
                return error_set(err, EINVAL, "exec config: expected a JSON object");
        if ((r = check_config(cfg, err)) < 0)
                return r;
        ExecRec *rec = calloc(1, sizeof(*rec));
        if (!rec)
                return -ENOMEM;
        rec->pty = -1;
        rec->refs = 1;
        rec->engine = e;
        rec->config = json_incref(cfg);
        snprintf(rec->container_id, sizeof(rec->container_id), "%s", cid);
        if ((r = random_id(rec->id)) < 0) {
                rec_unref(rec);
                return error_set_errno(err, -r, "exec: random ID");
        }
        rec->refs++; /* ours, beside the list's */
        rec_add(rec);
        /* a removal that ran since the check above forgot the container's
         * instances before this one was added: no record outlives it */
        EngineContainer *still = NULL;
        if (engine_container_get(e, cid, &still, NULL) < 0) {
                api_exec_forget_container(cid);
                rec_unref(rec);
                return error_set(err, ENOENT, "No such container: %s",
                                 api_request_param(req, "id"));
        }
        engine_container_free(still);
        exec_event(rec, "exec_create", NULL);
        r = api_reply_json(req, 201, json_pack("{s:s}", "Id", rec->id));
        rec_unref(rec);
        return r;
}

/* ---- the process ---- */

static void container_freep(EngineContainer **c)
{
        engine_container_free(*c);
        *c = NULL;
}

typedef struct ExecSession {
        ExecRec *rec;
        pid_t helper;
        int pidfd;
        int in_fd;          /* to the process's stdin, or -1 */
        int out_fd, err_fd; /* from its stdout and stderr, or -1 */
        int pty;            /* the pty master (a dup of rec->pty), or -1 */
        bool tty;           /* raw stream (else multiplexed frames) */
        bool attach_stdin;
        unsigned char keys[EXEC_MAX_KEYS];
        size_t n_keys;
        char *start_error; /* written to the stream when the start failed */
        char *process_path;
        bool ran;
        bool helper_failed; /* the runtime refused to start the process */
} ExecSession;

static void close_fd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static void session_free(ExecSession *s)
{
        if (!s)
                return;
        close_fd(&s->pidfd);
        close_fd(&s->in_fd);
        close_fd(&s->out_fd);
        close_fd(&s->err_fd);
        close_fd(&s->pty);
        if (s->process_path)
                unlink(s->process_path);
        free(s->process_path);
        free(s->start_error);
        rec_unref(s->rec);
        free(s);
}

/* The root filesystem of the container: root.path of its config.json. */
static char *container_rootfs(const EngineContainer *c)
{
        _cleanup_free_ char *cfg_path = NULL;
        if (asprintf(&cfg_path, "%s/config.json", c->container_dir) < 0)
                return NULL;
        _cleanup_json_ json_t *spec = NULL;
        const char *root = NULL;
        if (json_load_path(cfg_path, "config.json", &spec, NULL) >= 0)
                root = json_string_value(json_object_get(json_object_get(spec, "root"), "path"));
        char *out = NULL;
        if (!root)
                root = "rootfs";
        if (root[0] == '/')
                return strdup(root);
        if (asprintf(&out, "%s/%s", c->container_dir, root) < 0)
                return NULL;
        return out;
}

static int open_null(int flags)
{
        return open("/dev/null", flags | O_CLOEXEC);
}

/* In the helper: never returns. Fds: 0-2 stdio, 3 the report pipe. */
static _Noreturn void helper_main(const char *runtime_root, const char *container_id,
                                  const char *process_path, const char *console_name)
{
        RtExecOptions o = {
            .root = runtime_root,
            .id = container_id,
            .process_path = process_path,
            .console_socket = console_name,
            .detach = true,
        };
        BerthError *err = NULL;
        pid_t pid = 0;
        int status = 0;
        int r = rt_container_exec(&o, &pid, &status, &err);
        char msg[4096];
        if (r < 0) {
                snprintf(msg, sizeof(msg), "E %d %s\n", -r,
                         err && err->message ? err->message : strerror(-r));
                (void)!write(3, msg, strlen(msg));
                _exit(r == -ENOENT ? 127 : 126);
        }
        snprintf(msg, sizeof(msg), "P %d\n", (int)pid);
        (void)!write(3, msg, strlen(msg));
        close(3);
        int null = open("/dev/null", O_RDWR);
        for (int fd = 0; fd < 3; fd++)
                dup2(null, fd);
        int st = 0;
        pid_t w;
        do
                w = waitpid(pid, &st, 0);
        while (w < 0 && errno == EINTR);
        if (w < 0)
                _exit(255);
        if (WIFEXITED(st))
                _exit(WEXITSTATUS(st));
        _exit(WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255);
}

/* Reads the helper's report: "P <pid>" or "E <errno> <message>". */
static int read_report(int fd, pid_t *ret_pid, BerthError **err)
{
        char buf[4096];
        size_t len = 0;
        while (len < sizeof(buf) - 1) {
                ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (memchr(buf, '\n', len))
                        break;
        }
        buf[len] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        if (buf[0] == 'P' && buf[1] == ' ') {
                *ret_pid = (pid_t)atoi(buf + 2);
                return 0;
        }
        if (buf[0] == 'E' && buf[1] == ' ') {
                char *end = NULL;
                long code = strtol(buf + 2, &end, 10);
                if (code <= 0)
                        code = EIO;
                return error_set(err, (int)code, "OCI runtime exec failed: %s",
                                 end && *end ? end + 1 : "unknown error");
        }
        return error_set(err, EIO, "OCI runtime exec failed: the exec helper ended without a word");
}

/* Waits for the console connection and receives the pty master. */
static int receive_pty(int listen_fd, int report_fd, int *ret_pty, BerthError **err)
{
        struct pollfd p[2] = {{.fd = listen_fd, .events = POLLIN},
                              {.fd = report_fd, .events = POLLIN}};
        for (;;) {
                int n = poll(p, 2, EXEC_START_TIMEOUT_MS);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "exec: wait for the console");
                if (n == 0)
                        return error_set(err, ETIMEDOUT, "exec: timed out waiting for the console");
                if (p[0].revents & POLLIN)
                        break;
                /* the helper reported (an error) before any console came */
                return 1;
        }
        _cleanup_close_ int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                return error_set_errno(err, errno, "exec: accept the console connection");
        char name[256];
        int fd = -1;
        int r = recv_fd(conn, &fd, name, sizeof(name) - 1);
        if (r < 0 || fd < 0)
                return error_set_errno(err, r < 0 ? -r : EIO, "exec: receive the pty master");
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0)
                fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
        *ret_pty = fd;
        return 0;
}

typedef struct Launch {
        bool detach;
        bool tty;
        json_t *console_size; /* from the start request, may be NULL */
} Launch;

/* Starts the process of s->rec. On failure returns -errno with err set;
 * the instance is then marked exited (126, or 127 for a missing binary). */
static int launch(ExecSession *s, const Launch *l, BerthError **err)
{
        ExecRec *rec = s->rec;
        Engine *e = rec->engine;
        EngineContainer *c = NULL;
        int r = engine_container_get(e, rec->container_id, &c, err);
        if (r < 0)
                return r;
        _cleanup_(container_freep) EngineContainer *cont = c;
        if ((r = not_running(c, err)) < 0)
                return r;
        _cleanup_free_ char *rootfs = container_rootfs(c);
        if (!rootfs)
                return -ENOMEM;
        _cleanup_json_ json_t *cfg = json_deep_copy(rec->config);
        if (!cfg)
                return -ENOMEM;
        if (l->console_size && json_is_array(l->console_size))
                json_object_set(cfg, "ConsoleSize", l->console_size);
        _cleanup_json_ json_t *proc = NULL;
        if ((r = api_exec_build_process(c->process, cfg, rootfs, &proc, err)) < 0)
                return r;

        const char *dir = c->exec_dir && *c->exec_dir ? c->exec_dir : c->container_dir;
        if ((r = mkdir_p(dir, 0700, err)) < 0)
                return r;
        if (asprintf(&s->process_path, "%s/exec-%.12s.json", dir, rec->id) < 0) {
                s->process_path = NULL;
                return -ENOMEM;
        }
        _cleanup_json_ json_t *doc = json_incref(proc);
        if ((r = json_dump_file_replace(s->process_path, doc, err)) < 0)
                return r;

        bool attach_in = !l->detach && json_is_true(json_object_get(cfg, "AttachStdin"));
        bool attach_out = !l->detach && json_is_true(json_object_get(cfg, "AttachStdout"));
        bool attach_err = !l->detach && json_is_true(json_object_get(cfg, "AttachStderr"));
        s->tty = l->tty;
        s->attach_stdin = attach_in;
        bool tty = json_is_true(json_object_get(cfg, "Tty"));

        /* stdio of the helper (and so of a non-tty process) */
        int child_fd[3] = {-1, -1, -1};
        int pipes_ok = 0;
        int p[2];
        if (!tty && attach_in && pipe2(p, O_CLOEXEC) == 0) {
                child_fd[0] = p[0];
                s->in_fd = p[1];
        } else {
                child_fd[0] = open_null(O_RDONLY);
        }
        if (!tty && attach_out && pipe2(p, O_CLOEXEC) == 0) {
                child_fd[1] = p[1];
                s->out_fd = p[0];
        } else {
                child_fd[1] = open_null(O_WRONLY);
        }
        if (!tty && attach_err && pipe2(p, O_CLOEXEC) == 0) {
                child_fd[2] = p[1];
                s->err_fd = p[0];
        } else {
                child_fd[2] = open_null(O_WRONLY);
        }
        pipes_ok = child_fd[0] >= 0 && child_fd[1] >= 0 && child_fd[2] >= 0;

        /* the console socket, bound through /proc/self/fd/N so that its
         * path stays short whatever the exec directory */
        _cleanup_close_ int dir_fd = -1, listen_fd = -1;
        char console_name[64] = "";
        if (tty && pipes_ok) {
                snprintf(console_name, sizeof(console_name), "exec-%.12s.sock", rec->id);
                dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                struct sockaddr_un sa = {.sun_family = AF_UNIX};
                snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dir_fd,
                         console_name);
                if (dir_fd >= 0)
                        unlinkat(dir_fd, console_name, 0);
                if (dir_fd < 0 || listen_fd < 0 ||
                    bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
                    listen(listen_fd, 1) < 0)
                        pipes_ok = 0;
        }
        int report[2] = {-1, -1};
        if (pipes_ok && pipe2(report, O_CLOEXEC) < 0)
                pipes_ok = 0;
        if (!pipes_ok) {
                r = error_set_errno(err, errno ? errno : EIO, "exec: set up the process's stdio");
                for (int i = 0; i < 3; i++)
                        close_fd(&child_fd[i]);
                close_fd(&report[0]);
                close_fd(&report[1]);
                if (dir_fd >= 0 && console_name[0])
                        unlinkat(dir_fd, console_name, 0);
                return r;
        }

        const char *runtime_root = engine_runtime_root(e);
        pid_t pid = fork();
        if (pid == 0) {
                /* the helper: what berthd blocks or ignores must not reach
                 * the exec'd process */
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                for (int sig = 1; sig < NSIG; sig++)
                        if (sig != SIGKILL && sig != SIGSTOP)
                                signal(sig, SIG_DFL);
                int fds[4] = {child_fd[0], child_fd[1], child_fd[2], report[1]};
                /* move them above 3 first so that dup2 cannot clobber one */
                for (int i = 0; i < 4; i++)
                        if ((fds[i] = fcntl(fds[i], F_DUPFD, 10)) < 0)
                                _exit(126);
                for (int i = 0; i < 4; i++)
                        if (dup2(fds[i], i) < 0)
                                _exit(126);
                if (tty && fchdir(dir_fd) < 0)
                        _exit(126);
                syscall(SYS_close_range, 4U, ~0U, 0U);
                helper_main(runtime_root, rec->container_id, s->process_path,
                            tty ? console_name : NULL);
        }
        int saved = errno;
        for (int i = 0; i < 3; i++)
                close_fd(&child_fd[i]);
        close_fd(&report[1]);
        _cleanup_close_ int report_fd = report[0];
        if (pid < 0) {
                if (dir_fd >= 0 && console_name[0])
                        unlinkat(dir_fd, console_name, 0);
                return error_set_errno(err, saved, "exec: fork");
        }
        s->helper = pid;
        s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

        if (tty) {
                r = receive_pty(listen_fd, report_fd, &s->pty, err);
                unlinkat(dir_fd, console_name, 0);
        }
        pid_t exec_pid = 0;
        if (r >= 0) {
                r = read_report(report_fd, &exec_pid, err);
                s->helper_failed = r < 0;
        }
        unlink(s->process_path);
        if (r < 0) {
                kill(pid, SIGKILL);
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                s->helper = 0;
                return r;
        }
        int pty_dup = s->pty >= 0 ? fcntl(s->pty, F_DUPFD_CLOEXEC, 3) : -1;
        pthread_mutex_lock(&execs_lock);
        rec->running = true;
        rec->pid = exec_pid;
        rec->pty = pty_dup;
        pthread_mutex_unlock(&execs_lock);
        exec_event(rec, "exec_start", NULL);
        return 0;
}

/* ---- the relay ---- */

static int write_frame(int fd, int stream, const void *data, size_t len, bool raw)
{
        if (!raw) {
                unsigned char h[MONITOR_FRAME_HEADER] = {(unsigned char)stream,
                                                         0,
                                                         0,
                                                         0,
                                                         (unsigned char)(len >> 24),
                                                         (unsigned char)(len >> 16),
                                                         (unsigned char)(len >> 8),
                                                         (unsigned char)len};
                int r = write_all_fd(fd, h, sizeof(h));
                if (r < 0)
                        return r;
        }
        return write_all_fd(fd, data, len);
}

static long long now_ms(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Feeds client input to the process; false when the client detached. */
static bool feed_input(ExecSession *s, DetachScanner *d, const unsigned char *in, size_t n)
{
        unsigned char out[8192 + EXEC_MAX_KEYS];
        bool detach = false;
        while (n > 0) {
                size_t k = n > 8192 ? 8192 : n;
                size_t m = detach_scan(d, in, k, out, &detach);
                int target = s->pty >= 0 ? s->pty : s->in_fd;
                if (m > 0 && target >= 0 && write_all_fd(target, out, m) < 0 && s->in_fd >= 0)
                        close_fd(&s->in_fd);
                if (detach)
                        return false;
                in += k;
                n -= k;
        }
        return true;
}

static void finish(ExecSession *s, int code)
{
        ExecRec *rec = s->rec;
        int pty = -1;
        pthread_mutex_lock(&execs_lock);
        rec->running = false;
        rec->exited = true;
        rec->exit_code = code;
        pty = rec->pty;
        rec->pty = -1;
        pthread_mutex_unlock(&execs_lock);
        if (pty >= 0)
                close(pty);
        char c[16];
        snprintf(c, sizeof(c), "%d", code);
        exec_event(rec, "exec_die", json_pack("{s:s}", "exitCode", c));
}

/* Relays between the client (client < 0: none) and the process until it
 * exited and its output is drained, then records the exit. */
static void relay(ExecSession *s, int client, const void *pending, size_t pending_len)
{
        DetachScanner det = {.keys = s->keys, .n_keys = s->attach_stdin ? s->n_keys : 0};
        bool reading_client = client >= 0;
        if (pending_len > 0 && s->attach_stdin && !feed_input(s, &det, pending, pending_len))
                goto detached;
        bool exited = false;
        int code = 0;
        long long deadline = 0;
        unsigned char buf[32768];
        for (;;) {
                int src[3] = {s->out_fd, s->err_fd, s->pty};
                bool open_out = src[0] >= 0 || src[1] >= 0 || src[2] >= 0;
                if (exited && (!open_out || now_ms() >= deadline))
                        break;
                struct pollfd p[5];
                int np = 0;
                for (int i = 0; i < 3; i++)
                        p[np++] = (struct pollfd){.fd = src[i], .events = POLLIN};
                p[np++] = (struct pollfd){.fd = exited ? -1 : s->pidfd, .events = POLLIN};
                p[np++] = (struct pollfd){.fd = reading_client ? client : -1, .events = POLLIN};
                int timeout = exited ? (int)(deadline - now_ms()) : -1;
                if (exited && timeout < 0)
                        timeout = 0;
                int n = poll(p, (nfds_t)np, timeout);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        break;
                for (int i = 0; i < 3; i++) {
                        if (!p[i].revents)
                                continue;
                        ssize_t k = read(src[i], buf, sizeof(buf));
                        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (k <= 0) { /* EOF, or EIO once the pty's slave is gone */
                                close_fd(i == 0 ? &s->out_fd : i == 1 ? &s->err_fd : &s->pty);
                                continue;
                        }
                        int stream = i == 1 ? MONITOR_STREAM_STDERR : MONITOR_STREAM_STDOUT;
                        if (client >= 0 &&
                            write_frame(client, stream, buf, (size_t)k, s->tty) < 0) {
                                /* the client went away: go on without it */
                                reading_client = false;
                                client = -1;
                        }
                }
                if (p[3].revents) {
                        int st = 0;
                        pid_t w;
                        do
                                w = waitpid(s->helper, &st, 0);
                        while (w < 0 && errno == EINTR);
                        code = w < 0             ? 255
                               : WIFEXITED(st)   ? WEXITSTATUS(st)
                               : WIFSIGNALED(st) ? 128 + WTERMSIG(st)
                                                 : 255;
                        exited = true;
                        deadline = now_ms() + EXEC_DRAIN_MS;
                        close_fd(&s->in_fd);
                }
                if (p[4].revents) {
                        ssize_t k = read(client, buf, sizeof(buf));
                        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (k <= 0) {
                                /* the client closed its side: so does stdin */
                                reading_client = false;
                                close_fd(&s->in_fd);
                                if (k < 0)
                                        client = -1;
                                continue;
                        }
                        if (!s->attach_stdin)
                                continue;
                        if (!feed_input(s, &det, buf, (size_t)k))
                                goto detached;
                }
        }
        if (!exited) {
                /* the pidfd failed: wait plainly */
                int st = 0;
                while (waitpid(s->helper, &st, 0) < 0 && errno == EINTR)
                        ;
                code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        finish(s, code);
        return;

detached:
        /* the client detached: end its stream and keep waiting alone */
        shutdown(client, SHUT_RDWR);
        close_fd(&s->in_fd);
        s->attach_stdin = false;
        relay(s, -1, NULL, 0);
}

static void session_hijacked(int fd, const void *pending, size_t pending_len, void *userdata)
{
        ExecSession *s = userdata;
        s->ran = true;
        if (s->start_error) {
                size_t len = strlen(s->start_error);
                write_frame(fd, MONITOR_STREAM_STDOUT, s->start_error, len, s->tty);
                return;
        }
        relay(s, fd, pending, pending_len);
}

static void *session_thread(void *arg)
{
        ExecSession *s = arg;
        relay(s, -1, NULL, 0);
        session_free(s);
        return NULL;
}

/* Runs the relay of s without a client in a thread of its own (taking s). */
static int session_background(ExecSession *s)
{
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        int r = pthread_create(&t, &attr, session_thread, s);
        pthread_attr_destroy(&attr);
        return -r;
}

static void session_release(void *userdata)
{
        ExecSession *s = userdata;
        /* a hijack that never happened must not leave the process unwatched */
        if (!s->ran && !s->start_error && s->helper > 0 && session_background(s) == 0)
                return;
        if (!s->ran && !s->start_error && s->helper > 0) {
                while (waitpid(s->helper, NULL, 0) < 0 && errno == EINTR)
                        ;
                finish(s, 255);
        }
        session_free(s);
}

/* ---- POST /exec/{id}/start ---- */

static int h_start(ApiRequest *req, void *ud, BerthError **err)
{
        const char *id = api_request_param(req, "id");
        _cleanup_json_ json_t *body = NULL;
        int r = api_request_json(req, true, &body, err);
        if (r < 0)
                return r;
        ExecRec *rec = rec_get(id);
        if (!rec)
                return error_set(err, ENOENT, "No such exec instance: %s", id);
        ExecSession *s = calloc(1, sizeof(*s));
        if (!s) {
                rec_unref(rec);
                return -ENOMEM;
        }
        *s = (ExecSession){
            .rec = rec, .pidfd = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1, .pty = -1};
        pthread_mutex_lock(&execs_lock);
        bool already = rec->started, running = rec->running;
        rec->started = true;
        pthread_mutex_unlock(&execs_lock);
        if (already) {
                session_free(s);
                return error_set(err, EBUSY,
                                 running ? "Error: Exec command %s is already running"
                                         : "Error: Exec command %s has already run",
                                 id);
        }
        bool detach = json_is_true(json_object_get(body, "Detach"));
        json_t *tty_j = json_object_get(body, "Tty");
        bool cfg_tty = json_is_true(json_object_get(rec->config, "Tty"));
        Launch l = {
            .detach = detach,
            .tty = json_is_boolean(tty_j) ? json_is_true(tty_j) : cfg_tty,
            .console_size = json_object_get(body, "ConsoleSize"),
        };
        const char *keys = json_string_value(json_object_get(rec->config, "DetachKeys"));
        if (api_exec_parse_detach_keys(keys, s->keys, sizeof(s->keys), &s->n_keys, NULL) < 0)
                s->n_keys = 0;

        BerthError *start_err = NULL;
        r = launch(s, &l, &start_err);
        if (r < 0) {
                bool conflict = r == -EBUSY && !s->helper_failed;
                if (conflict) {
                        /* the container is not running: the instance may be started later */
                        pthread_mutex_lock(&execs_lock);
                        rec->started = false;
                        pthread_mutex_unlock(&execs_lock);
                } else {
                        finish(s, s->helper_failed && r == -ENOENT ? 127 : 126);
                }
                if (detach || conflict) {
                        bool helper_failed = s->helper_failed;
                        session_free(s);
                        if (!start_err)
                                return r;
                        *err = start_err;
                        /* the runtime's failures are the server's (500) */
                        if (helper_failed)
                                (*err)->code = EIO;
                        return helper_failed ? -EIO : r;
                }
                /* Docker writes the error into the stream and the client
                 * reads the exit code (126) from inspect. */
                if (asprintf(&s->start_error, "%s\r\n",
                             start_err && start_err->message ? start_err->message : "exec failed") <
                    0)
                        s->start_error = NULL;
                error_free(start_err);
                if (!s->start_error) {
                        session_free(s);
                        return -ENOMEM;
                }
        }
        if (detach) {
                if ((r = session_background(s)) < 0) {
                        session_release(s);
                        return error_set_errno(err, -r, "exec: start a thread");
                }
                return api_reply_empty(req, 200);
        }
        const char *ct = l.tty ? "application/vnd.docker.raw-stream"
                               : "application/vnd.docker.multiplexed-stream";
        if (api_version_compare(api_request_version(req), "1.42") < 0)
                ct = "application/vnd.docker.raw-stream";
        return api_reply_hijack(req, ct, session_hijacked, s, session_release);
}

/* ---- POST /exec/{id}/resize ---- */

static int parse_dim(const char *s, unsigned short *ret)
{
        if (!s || !*s)
                return -EINVAL;
        char *end = NULL;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *end || v > 65535 || s[0] == '-')
                return -EINVAL;
        *ret = (unsigned short)v;
        return 0;
}

static int h_resize(ApiRequest *req, void *ud, BerthError **err)
{
        const char *id = api_request_param(req, "id");
        unsigned short h = 0, w = 0;
        const char *hs = api_request_query(req, "h"), *ws = api_request_query(req, "w");
        if (parse_dim(hs, &h) < 0 || parse_dim(ws, &w) < 0)
                return error_set(err, EINVAL, "invalid resize parameters: h=%s w=%s", hs ? hs : "",
                                 ws ? ws : "");
        ExecRec *rec = rec_get(id);
        if (!rec)
                return error_set(err, ENOENT, "No such exec instance: %s", id);
        int r = 0;
        pthread_mutex_lock(&execs_lock);
        if (rec->pty >= 0) {
                struct winsize ws_ = {.ws_row = h, .ws_col = w};
                if (ioctl(rec->pty, TIOCSWINSZ, &ws_) < 0)
                        r = -errno;
        }
        pthread_mutex_unlock(&execs_lock);
        rec_unref(rec);
        if (r < 0)
                return error_set_errno(err, -r, "resize the exec's terminal");
        /* a process without a TTY, or one that already ended: nothing to do */
        return api_reply_empty(req, 200);
}

/* ---- GET /exec/{id}/json ---- */

static int h_inspect(ApiRequest *req, void *ud, BerthError **err)
{
        const char *id = api_request_param(req, "id");
        ExecRec *rec = rec_get(id);
        if (!rec)
                return error_set(err, ENOENT, "No such exec instance: %s", id);
        json_t *cfg = rec->config;
        json_t *cmd = json_object_get(cfg, "Cmd");
        json_t *args = json_array();
        for (size_t i = 1; i < json_array_size(cmd); i++)
                json_array_append(args, json_array_get(cmd, i));
        const char *user = json_string_value(json_object_get(cfg, "User"));
        const char *keys = json_string_value(json_object_get(cfg, "DetachKeys"));
        pthread_mutex_lock(&execs_lock);
        bool running = rec->running, exited = rec->exited;
        int code = rec->exit_code;
        pid_t pid = rec->running ? rec->pid : 0;
        pthread_mutex_unlock(&execs_lock);
        json_t *j = json_pack(
            "{s:b, s:s, s:b, s:o, s:{s:b, s:s, s:o, s:b, s:s}, s:b, s:b, s:b, s:s, s:s, s:i}",
            "CanRemove", 0, "DetachKeys", keys ? keys : "", "Running", running, "ExitCode",
            exited ? json_integer(code) : json_null(), "ProcessConfig", "tty",
            json_is_true(json_object_get(cfg, "Tty")), "entrypoint",
            json_string_value(json_array_get(cmd, 0)) ? json_string_value(json_array_get(cmd, 0))
                                                      : "",
            "arguments", args, "privileged", json_is_true(json_object_get(cfg, "Privileged")),
            "user", user ? user : "", "OpenStdin",
            json_is_true(json_object_get(cfg, "AttachStdin")), "OpenStderr",
            json_is_true(json_object_get(cfg, "AttachStderr")), "OpenStdout",
            json_is_true(json_object_get(cfg, "AttachStdout")), "ContainerID", rec->container_id,
            "ID", rec->id, "Pid", (int)pid);
        rec_unref(rec);
        if (!j)
                return -ENOMEM;
        return api_reply_json(req, 200, j);
}

int api_exec_register(Engine *e, ApiRouter *r, BerthError **err)
{
        static const struct {
                const char *method, *pattern;
                ApiHandler fn;
                unsigned flags;
        } routes[] = {
            {"POST", "/containers/{id}/exec", h_create, 0},
            {"POST", "/exec/{id}/start", h_start, 0},
            {"POST", "/exec/{id}/resize", h_resize, API_ROUTE_NO_BODY},
            {"GET", "/exec/{id}/json", h_inspect, API_ROUTE_NO_BODY},
        };
        for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
                int rc = api_router_add(r, routes[i].method, routes[i].pattern, routes[i].fn, e,
                                        routes[i].flags, 0);
                if (rc < 0)
                        return error_set(err, -rc, "register %s %s", routes[i].method,
                                         routes[i].pattern);
        }
        return 0;
}
