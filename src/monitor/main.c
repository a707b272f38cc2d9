/* berth-monitor: one per run of a container (see monitor.h for the contract
 * with berthd). This file is the lifecycle: options, detaching, creating the
 * container with its stdio on pipes or a pty, the sync protocol, reaping,
 * exit.json and the final delete. io.c runs the event loop. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/log.h"
#include "monitor/monitor.h"
#include "monitor/monitor_internal.h"
#include "runtime/container.h"

extern char **environ;

#define CONSOLE_SOCK "console.sock"

static void usage(FILE *f)
{
        fputs("usage: berth-monitor --id ID --bundle DIR --dir EXECDIR --runtime-root ROOT\n"
              "                     --sync-fd N [--log-path FILE] [--log-max-size BYTES]\n"
              "                     [--log-max-file N] [--tty] [--stdin] [--stdin-once]\n",
              f);
}

/* An absolute path for p (relative to the current directory), without
 * requiring that it exists. */
static char *absolute(const char *p)
{
        if (p[0] == '/')
                return strdup(p);
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof(cwd)))
                return NULL;
        char *r = NULL;
        if (asprintf(&r, "%s/%s", cwd, p) < 0)
                return NULL;
        return r;
}

static int parse_ll(const char *s, long long min, long long *ret)
{
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || *end || v < min)
                return -EINVAL;
        *ret = v;
        return 0;
}

enum {
        OPT_ID = 1,
        OPT_BUNDLE,
        OPT_DIR,
        OPT_ROOT,
        OPT_SYNC,
        OPT_LOG,
        OPT_LOGSIZE,
        OPT_LOGFILE,
        OPT_TTY,
        OPT_STDIN,
        OPT_STDIN_ONCE,
        OPT_HELP
};

static int parse_args(Mon *m, int *sync_fd, int argc, char **argv)
{
        static const struct option opts[] = {
            {"id", required_argument, NULL, OPT_ID},
            {"bundle", required_argument, NULL, OPT_BUNDLE},
            {"dir", required_argument, NULL, OPT_DIR},
            {"runtime-root", required_argument, NULL, OPT_ROOT},
            {"sync-fd", required_argument, NULL, OPT_SYNC},
            {"log-path", required_argument, NULL, OPT_LOG},
            {"log-max-size", required_argument, NULL, OPT_LOGSIZE},
            {"log-max-file", required_argument, NULL, OPT_LOGFILE},
            {"tty", no_argument, NULL, OPT_TTY},
            {"stdin", no_argument, NULL, OPT_STDIN},
            {"stdin-once", no_argument, NULL, OPT_STDIN_ONCE},
            {"help", no_argument, NULL, OPT_HELP},
            {0},
        };
        const char *bundle = NULL, *dir = NULL, *root = NULL;
        long long v;
        int c;
        *sync_fd = -1;
        m->log_max_size = MONITOR_DEFAULT_LOG_MAX_SIZE;
        m->log_max_file = MONITOR_DEFAULT_LOG_MAX_FILE;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case OPT_ID:
                        m->id = optarg;
                        break;
                case OPT_BUNDLE:
                        bundle = optarg;
                        break;
                case OPT_DIR:
                        dir = optarg;
                        break;
                case OPT_ROOT:
                        root = optarg;
                        break;
                case OPT_SYNC:
                        if (parse_ll(optarg, 0, &v) < 0 || v > INT_MAX) {
                                log_error("--sync-fd: '%s' is not a file descriptor", optarg);
                                return -EINVAL;
                        }
                        *sync_fd = (int)v;
                        break;
                case OPT_LOG:
                        m->log_path = optarg;
                        break;
                case OPT_LOGSIZE:
                        if (parse_ll(optarg, -1, &m->log_max_size) < 0) {
                                log_error("--log-max-size: '%s' is not a size in bytes", optarg);
                                return -EINVAL;
                        }
                        break;
                case OPT_LOGFILE:
                        if (parse_ll(optarg, 1, &v) < 0 || v > 1000000) {
                                log_error("--log-max-file: '%s' is not a count >= 1", optarg);
                                return -EINVAL;
                        }
                        m->log_max_file = (int)v;
                        break;
                case OPT_TTY:
                        m->tty = true;
                        break;
                case OPT_STDIN:
                        m->open_stdin = true;
                        break;
                case OPT_STDIN_ONCE:
                        m->stdin_once = true;
                        break;
                case OPT_HELP:
                        usage(stdout);
                        exit(0);
                default:
                        usage(stderr);
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                log_error("unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        if (!m->id || !bundle || !dir || !root || *sync_fd < 0) {
                log_error("--id, --bundle, --dir, --runtime-root and --sync-fd are required");
                return -EINVAL;
        }
        if (fcntl(*sync_fd, F_GETFD) < 0) {
                log_error("--sync-fd %d: not an open file descriptor", *sync_fd);
                return -EBADF;
        }
        m->bundle = absolute(bundle);
        m->exec_dir = absolute(dir);
        m->runtime_root = absolute(root);
        if (!m->bundle || !m->exec_dir || !m->runtime_root)
                return -ENOMEM;
        return 0;
}

/* Docker's sync message for an early failure (before or without detaching). */
static void sync_error_fd(int fd, const char *msg)
{
        json_t *j = json_pack("{s:s,s:s}", "status", "error", "message", msg);
        char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        if (s)
                (void)send(fd, s, strlen(s), MSG_NOSIGNAL);
        free(s);
        json_decref(j);
}

/* Leaves berthd's process tree and session with one fork: this process
 * (berthd's child, never a process group leader after posix_spawn) starts
 * a new session and returns to berthd at once; its child is the monitor,
 * reparented to init, not a session leader (so it can never acquire a
 * controlling terminal), and the reaper of every orphan of the container. */
static int detach(void)
{
        pid_t p;
        if (setsid() < 0) {
                /* started as a group leader (a shell's job): one more fork */
                if (errno != EPERM)
                        return -errno;
                p = fork();
                if (p < 0)
                        return -errno;
                if (p > 0)
                        _exit(0);
                if (setsid() < 0)
                        return -errno;
        }
        p = fork();
        if (p < 0)
                return -errno;
        if (p > 0)
                _exit(0);
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                return -errno;
        return 0;
}

/* Handlers (not SIG_IGN, which a container would inherit across exec):
 * SIGTERM, SIGINT and SIGHUP must not stop the monitor, and writes to a
 * closed pipe must fail with EPIPE. */
static void ignore_signal(int sig)
{
        (void)sig;
}

static void setup_signal_handlers(void)
{
        struct sigaction sa = {.sa_handler = ignore_signal, .sa_flags = SA_RESTART};
        sigemptyset(&sa.sa_mask);
        int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2};
        for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
                sigaction(sigs[i], &sa, NULL);
}

static int listen_unix(const char *name, int *ret, BerthError **err)
{
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        if (strlen(name) >= sizeof(a.sun_path))
                return error_set(err, ENAMETOOLONG, "socket name '%s' too long", name);
        strcpy(a.sun_path, name);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "socket for %s", name);
        (void)unlink(name);
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(name, 0600) < 0 ||
            listen(fd, 64) < 0) {
                int e = errno;
                close(fd);
                return error_set_errno(err, e, "listen on %s", name);
        }
        *ret = fd;
        return 0;
}

static int open_null(int flags)
{
        return open("/dev/null", flags | O_CLOEXEC);
}

/* fd 0..2 of the monitor become the container's stdio for the clone. */
typedef struct Stdio {
        int child[3]; /* the container's ends (or -1: /dev/null) */
} Stdio;

static int prepare_stdio(Mon *m, Stdio *s, BerthError **err)
{
        int p[2];
        s->child[0] = s->child[1] = s->child[2] = -1;
        if (m->tty)
                return 0;
        if (m->open_stdin) {
                if (pipe2(p, O_CLOEXEC) < 0)
                        return error_set_errno(err, errno, "create the stdin pipe");
                s->child[0] = p[0];
                m->in.fd = p[1];
        }
        for (int i = 1; i <= 2; i++) {
                if (pipe2(p, O_CLOEXEC) < 0)
                        return error_set_errno(err, errno, "create the output pipes");
                s->child[i] = p[1];
                (i == 1 ? &m->out : &m->err)->fd = p[0];
                /* ours only: the container's end stays blocking */
                if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)
                        return error_set_errno(err, errno, "set up the output pipes");
        }
        return 0;
}

/* Puts the container's stdio on fds 0..2 (null where it has none). */
static int install_stdio(const Stdio *s)
{
        for (int i = 0; i < 3; i++) {
                int fd = s->child[i];
                int null = -1;
                if (fd < 0 && (fd = null = open_null(i == 0 ? O_RDONLY : O_WRONLY)) < 0)
                        return -errno;
                int r = dup2(fd, i) < 0 ? -errno : 0;
                if (null >= 0)
                        close(null);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void restore_stdio(Stdio *s, int saved_err)
{
        int null = open_null(O_RDWR);
        if (null >= 0) {
                dup2(null, 0);
                dup2(null, 1);
                dup2(saved_err >= 0 ? saved_err : null, 2);
                close(null);
        }
        for (int i = 0; i < 3; i++)
                if (s->child[i] >= 0)
                        close(s->child[i]);
}

/* The pty master the container's init sent over the console socket. */
static int receive_pty(Mon *m, int lfd, BerthError **err)
{
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
                return error_set_errno(err, errno, "accept on the console socket");
        char name[256];
        int master = -1;
        int r = recv_fd(c, &master, name, sizeof(name) - 1);
        close(c);
        if (r < 0 || master < 0)
                return error_set_errno(err, r < 0 ? r : EIO, "receive the pty master");
        int fl = fcntl(master, F_GETFL);
        (void)fcntl(master, F_SETFL, fl | O_NONBLOCK);
        m->out.fd = master;
        m->in.fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
        if (m->in.fd < 0)
                return error_set_errno(err, errno, "dup the pty master");
        return 0;
}

static bool path_is_dir(const char *p)
{
        struct stat st;
        return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* OOM watch: cgroup v1 oom events through an eventfd; v2 (and v1 kernels
 * with the counter) are read when the init exits. */
static void setup_oom(Mon *m)
{
        _cleanup_state_ RtState *st = NULL;
        if (rt_container_state(m->runtime_root, m->id, &st, NULL) < 0 || !st->cgroup_path)
                return;
        m->cgroup_path = strdup(st->cgroup_path);
        if (!m->cgroup_path || access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
                return; /* cgroup v2 only: memory.events is read at exit */
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "/sys/fs/cgroup/memory%s", m->cgroup_path) < 0 || !path_is_dir(dir))
                return;
        _cleanup_free_ char *ctl = NULL, *ev = NULL;
        if (asprintf(&ctl, "%s/memory.oom_control", dir) < 0 ||
            asprintf(&ev, "%s/cgroup.event_control", dir) < 0)
                return;
        _cleanup_close_ int cfd = open(ctl, O_RDONLY | O_CLOEXEC);
        if (cfd < 0)
                return;
        int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (efd < 0)
                return;
        char line[64];
        snprintf(line, sizeof(line), "%d %d", efd, cfd);
        if (write_file_string(ev, line, NULL) < 0) {
                close(efd);
                return;
        }
        m->oom.fd = efd;
}

static bool counter_positive(const char *path, const char *key)
{
        _cleanup_free_ char *text = NULL;
        if (read_file(path, &text, NULL, NULL) < 0)
                return false;
        size_t kl = strlen(key);
        for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
                        return strtoull(l + kl + 1, NULL, 10) > 0;
        return false;
}

static void check_oom_counters(Mon *m)
{
        if (m->oom_killed || !m->cgroup_path)
                return;
        _cleanup_free_ char *v1 = NULL, *v2 = NULL;
        if (asprintf(&v1, "/sys/fs/cgroup/memory%s/memory.oom_control", m->cgroup_path) >= 0 &&
            counter_positive(v1, "oom_kill"))
                m->oom_killed = true;
        const char *base = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0
                               ? "/sys/fs/cgroup"
                               : "/sys/fs/cgroup/unified";
        if (!m->oom_killed && asprintf(&v2, "%s%s/memory.events", base, m->cgroup_path) >= 0 &&
            counter_positive(v2, "oom_kill"))
                m->oom_killed = true;
}

void mon_reap(Mon *m)
{
        int status;
        pid_t p;
        while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
                if (p != m->init_pid || m->init_exited)
                        continue;
                m->init_exited = true;
                m->finished_ns = jsonlog_now_ns();
                if (WIFEXITED(status))
                        m->exit_code = WEXITSTATUS(status);
                else if (WIFSIGNALED(status))
                        m->exit_code = 128 + WTERMSIG(status);
                log_debug("%.12s: init %d exited with %d", m->id, (int)p, m->exit_code);
        }
}

void mon_on_start(Mon *m)
{
        _cleanup_error_ BerthError *e = NULL;
        if (m->init_exited) {
                mon_sync_send(m, "error", "the container's process exited before start");
                mon_watch_close(m, &m->sync);
                return;
        }
        mon_accept_pending(m);
        if (rt_container_start(m->runtime_root, m->id, &e) < 0) {
                log_error("%.12s: start: %s", m->id, e->message);
                mon_sync_send(m, "error", e->message);
                mon_watch_close(m, &m->sync);
                m->abandon = true;
                m->quit = true;
                return;
        }
        m->started = true;
        mon_sync_send(m, "started", NULL);
        mon_watch_close(m, &m->sync);
        /* Creating the container needed ~1 MiB of heap (spec, seccomp
         * program...) that is free now: give its pages back, since the
         * monitor lives as long as the container. */
        malloc_trim(0);
}

static int write_exit_file(Mon *m)
{
        char t[40];
        jsonlog_format_time(m->finished_ns ? m->finished_ns : jsonlog_now_ns(), t, sizeof(t));
        _cleanup_json_ json_t *j =
            json_pack("{s:i,s:b,s:s,s:s}", "ExitCode", m->exit_code, "OOMKilled", m->oom_killed,
                      "FinishedAt", t, "Error", m->error_msg ? m->error_msg : "");
        _cleanup_free_ char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        if (!s)
                return -ENOMEM;
        _cleanup_error_ BerthError *e = NULL;
        int r = write_file_replace(MONITOR_EXIT_FILE, s, strlen(s), 0644, &e);
        if (r < 0)
                log_error("%.12s: %s", m->id, e->message);
        return r;
}

static void cleanup_files(void)
{
        (void)unlink(MONITOR_ATTACH_SOCK);
        (void)unlink(MONITOR_CTL_SOCK);
        (void)unlink(CONSOLE_SOCK);
}

/* Everything up to "created": the container exists, attach.sock listens. */
static int create(Mon *m, BerthError **err)
{
        _cleanup_close_ int console_l = -1;
        Stdio s;
        int r;
        _cleanup_free_ char *pid = NULL;
        if (asprintf(&pid, "%d\n", (int)getpid()) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if ((r = write_file_replace(MONITOR_PID_FILE, pid, strlen(pid), 0644, err)) < 0)
                return r;
        if (m->log_path &&
            (r = jsonlog_open(m->log_path, m->log_max_size, m->log_max_file, &m->log, err)) < 0)
                return r;
        if ((r = listen_unix(MONITOR_ATTACH_SOCK, &m->attach_l.fd, err)) < 0 ||
            (r = listen_unix(MONITOR_CTL_SOCK, &m->ctl_l.fd, err)) < 0)
                return r;
        if (m->tty && (r = listen_unix(CONSOLE_SOCK, &console_l, err)) < 0)
                return r;
        if ((r = prepare_stdio(m, &s, err)) < 0)
                return r;
        int saved_err = fcntl(2, F_DUPFD_CLOEXEC, 3);
        if ((r = install_stdio(&s)) < 0) {
                restore_stdio(&s, saved_err);
                if (saved_err >= 0)
                        close(saved_err);
                return error_set_errno(err, r, "set up the container's stdio");
        }
        RtCreateOptions o = {
            .root = m->runtime_root,
            .id = m->id,
            .bundle = m->bundle,
            .console_socket = m->tty ? CONSOLE_SOCK : NULL,
        };
        r = rt_container_create(&o, &m->init_pid, err);
        restore_stdio(&s, saved_err);
        if (saved_err >= 0)
                close(saved_err);
        if (r < 0)
                return r;
        if (m->tty && (r = receive_pty(m, console_l, err)) < 0)
                goto fail;
        (void)unlink(CONSOLE_SOCK);
        if (m->in.fd >= 0) {
                int fl = fcntl(m->in.fd, F_GETFL);
                (void)fcntl(m->in.fd, F_SETFL, fl | O_NONBLOCK);
        }
        setup_oom(m);
        return 0;
fail:
        (void)rt_container_delete(m->runtime_root, m->id, true, NULL);
        return r;
}

static int setup_loop(Mon *m, BerthError **err)
{
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
            (m->sig.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
                return error_set_errno(err, errno, "signalfd");
        m->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (m->epfd < 0)
                return error_set_errno(err, errno, "epoll_create1");
        if (mon_epoll_add(m, &m->sig, EPOLLIN) < 0 || mon_epoll_add(m, &m->sync, EPOLLIN) < 0 ||
            mon_epoll_add(m, &m->attach_l, EPOLLIN) < 0 ||
            mon_epoll_add(m, &m->ctl_l, EPOLLIN) < 0 || mon_epoll_add(m, &m->out, EPOLLIN) < 0 ||
            mon_epoll_add(m, &m->err, EPOLLIN) < 0 || mon_epoll_add(m, &m->oom, EPOLLIN) < 0)
                return error_set_errno(err, errno, "epoll_ctl");
        /* the stdin fd joins the loop (EPOLLOUT) only while bytes wait */
        return 0;
}

static int mon_done(Mon *m, int status)
{
        m->log = jsonlog_free(m->log);
        free(m->bundle);
        free(m->exec_dir);
        free(m->runtime_root);
        free(m->cgroup_path);
        free(m->error_msg);
        return status;
}

int main(int argc, char **argv)
{
        /* CVE-2019-5736: the container's init is forked from this process */
        int r = rt_ensure_sealed_exe(argc, argv, environ);
        log_set_program("berth-monitor");
        /* run from a memfd, the kernel names us after its fd number */
        (void)prctl(PR_SET_NAME, "berth-monitor", 0, 0, 0);
        if (r < 0) {
                log_error("re-execute from a sealed copy: %s", strerror(-r));
                return 1;
        }
        Mon mon = {
            .epfd = -1,
            .sig = {MON_W_SIGNAL, -1},
            .sync = {MON_W_SYNC, -1},
            .attach_l = {MON_W_ATTACH_LISTEN, -1},
            .ctl_l = {MON_W_CTL_LISTEN, -1},
            .out = {MON_W_STDOUT, -1},
            .err = {MON_W_STDERR, -1},
            .in = {MON_W_STDIN, -1},
            .oom = {MON_W_OOM, -1},
        };
        Mon *m = &mon;
        int sync_fd;
        if (parse_args(m, &sync_fd, argc, argv) < 0) {
                if (sync_fd >= 0 && fcntl(sync_fd, F_GETFD) >= 0)
                        sync_error_fd(sync_fd, "berth-monitor: invalid arguments");
                return mon_done(m, 2);
        }
        /* nothing berthd leaked to us stays open (it could keep its pipes
         * or files alive as long as the container runs) */
        if (sync_fd > 3)
                (void)close_range(3, (unsigned)sync_fd - 1, 0);
        (void)close_range((unsigned)sync_fd + 1, ~0U, 0);
        (void)fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
        m->sync.fd = sync_fd;
        if (chdir(m->exec_dir) < 0) {
                char msg[512];
                snprintf(msg, sizeof(msg), "monitor directory '%s': %s", m->exec_dir,
                         strerror(errno));
                log_error("%s", msg);
                sync_error_fd(sync_fd, msg);
                return mon_done(m, 1);
        }
        if ((r = detach()) < 0) {
                log_error("detach: %s", strerror(-r));
                sync_error_fd(sync_fd, "berth-monitor: detach failed");
                return mon_done(m, 1);
        }
        setup_signal_handlers();
        /* our own stdio: nothing in, errors to the stderr berthd gave us */
        int null = open_null(O_RDWR);
        if (null >= 0) {
                dup2(null, 0);
                dup2(null, 1);
                if (fcntl(2, F_GETFD) < 0)
                        dup2(null, 2);
                close(null);
        }

        _cleanup_error_ BerthError *err = NULL;
        if ((r = create(m, &err)) < 0 || (r = setup_loop(m, &err)) < 0) {
                if (r < 0 && m->init_pid > 0)
                        (void)rt_container_delete(m->runtime_root, m->id, true, NULL);
                const char *msg = err && err->message ? err->message : strerror(-r);
                log_error("%.12s: create: %s", m->id, msg);
                sync_error_fd(m->sync.fd, msg);
                cleanup_files();
                return mon_done(m, 1);
        }
        if (mon_sync_send(m, "created", NULL) < 0) {
                (void)rt_container_delete(m->runtime_root, m->id, true, NULL);
                cleanup_files();
                return mon_done(m, 1);
        }
        mon_loop(m);

        /* the init exited (or berthd gave up before start) */
        mon_clients_close(m);
        if (m->log) {
                jsonlog_flush(m->log, MONITOR_STREAM_STDOUT);
                jsonlog_flush(m->log, MONITOR_STREAM_STDERR);
                m->log = jsonlog_free(m->log);
        }
        cleanup_files();
        if (!m->abandon) {
                check_oom_counters(m);
                write_exit_file(m);
        }
        _cleanup_error_ BerthError *de = NULL;
        if (rt_container_delete(m->runtime_root, m->id, true, &de) < 0)
                log_error("%.12s: delete: %s", m->id, de->message);
        mon_reap(m);
        return mon_done(m, 0);
}
