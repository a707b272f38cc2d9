/* The operations on an existing container: start, state, kill, delete,
 * pause, resume, pids, list; and waiting for a process while forwarding the
 * signals we receive to it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/container_internal.h"
#include "runtime/hooks.h"
#include "runtime/spec.h"

static volatile pid_t forward_pid;
static volatile int forward_pty = -1;

static void forward_signal(int sig)
{
        int saved = errno;
        if (sig == SIGWINCH && forward_pty >= 0) {
                struct winsize ws;
                if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                        ioctl(forward_pty, TIOCSWINSZ, &ws);
        } else if (forward_pid > 0) {
                kill(forward_pid, sig);
        }
        errno = saved;
}

static const int forwarded[] = {SIGHUP,  SIGINT,  SIGQUIT,  SIGTERM, SIGUSR1,
                                SIGUSR2, SIGALRM, SIGWINCH, SIGCONT, SIGPIPE};

int rt_wait_forward(pid_t pid, int pty_master, int *ret_status)
{
        forward_pid = pid;
        forward_pty = pty_master;
        struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
                sigaction(forwarded[i], &sa, NULL);
        if (pty_master >= 0)
                rt_terminal_proxy(pty_master, pid);
        int status = 0;
        pid_t w;
        do
                w = waitpid(pid, &status, 0);
        while (w < 0 && errno == EINTR);
        forward_pid = 0;
        forward_pty = -1;
        sa.sa_handler = SIG_DFL;
        for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
                sigaction(forwarded[i], &sa, NULL);
        if (w < 0)
                return -errno;
        if (WIFEXITED(status))
                *ret_status = WEXITSTATUS(status);
        else if (WIFSIGNALED(status))
                *ret_status = 128 + WTERMSIG(status);
        else
                *ret_status = 255;
        return 0;
}

int rt_container_state(const char *root, const char *id, RtState **ret, BerthError **err)
{
        return rt_state_load(root ? root : RT_DEFAULT_ROOT, id, ret, err);
}

/* Whether config.json can have hooks: parsing the whole spec (~1 ms with a
 * seccomp profile) only to find none was a fixed cost of every start and
 * delete. A "hooks" anywhere in the text (even inside a string) means the
 * full parse, which decides; an unreadable file too, so that it reports. */
static bool may_have_hooks(const char *bundle)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t len = 0;
        if (asprintf(&path, "%s/config.json", bundle && *bundle ? bundle : ".") < 0 ||
            read_file(path, &text, &len, NULL) < 0)
                return true;
        return strstr(text, "\"hooks\"") != NULL || strlen(text) != len;
}

static int run_stage(const RtState *st, RtStatus status, RtHookStage stage, BerthError **err)
{
        if (!may_have_hooks(st->bundle))
                return 0;
        _cleanup_spec_ RtSpec *spec = NULL;
        int r = rt_spec_load(st->bundle, &spec, err);
        if (r < 0)
                return r;
        if (spec->hooks[stage].n == 0)
                return 0;
        RtState copy = *st;
        copy.status = status;
        json_t *j = rt_state_public_json(&copy, false);
        _cleanup_free_ char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!text)
                return error_set(err, ENOMEM, "out of memory");
        r = rt_hooks_run(spec, stage, text, err);
        if (r < 0)
                return r; /* rt_hooks_run names the stage and the hook */
        return 0;
}

static int pidfd_for(const RtState *st)
{
        int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
        if (fd < 0)
                return -errno;
        /* the pid could have been reused between reading the state and here */
        if (!rt_proc_alive(st->pid, st->pid_start)) {
                close(fd);
                return -ESRCH;
        }
        return fd;
}

int rt_container_start(const char *root, const char *id, BerthError **err)
{
        root = root ? root : RT_DEFAULT_ROOT;
        _cleanup_state_ RtState *st = NULL;
        int r = rt_state_load(root, id, &st, err);
        if (r < 0)
                return r;
        if (st->status == RT_STATUS_STOPPED)
                return error_set(err, EINVAL, "cannot start a container that has stopped");
        if (st->status != RT_STATUS_CREATED)
                return error_set(err, EINVAL, "cannot start an already running container");
        _cleanup_free_ char *fifo = rt_state_file(root, id, "exec.fifo");
        if (!fifo)
                return error_set(err, ENOMEM, "out of memory");
        _cleanup_free_ char *status = rt_state_file(root, id, "exec.status");
        if (!status)
                return error_set(err, ENOMEM, "out of memory");
        /* opened before the init is told to go, while it still holds the
         * write end; absent for containers made by an older runtime */
        _cleanup_close_ int status_fd = open(status, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (status_fd < 0 && errno != ENOENT)
                return error_set_errno(err, errno, "open '%s'", status);
        /* non-blocking: without a reader (the init died) this fails at once */
        _cleanup_close_ int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return errno == ENXIO
                           ? error_set(err, ESRCH, "cannot start a container that has stopped")
                           : error_set_errno(err, errno, "open '%s'", fifo);
        if ((r = write_all_fd(fd, "0", 1)) < 0)
                return error_set_errno(err, r, "write '%s'", fifo);
        if (unlink(fifo) < 0 && errno != ENOENT)
                return error_set_errno(err, errno, "remove '%s'", fifo);
        if (status_fd >= 0) {
                r = rt_exec_status_wait(status_fd, err);
                (void)unlink(status);
                if (r < 0)
                        return r;
        }
        /* runtime-spec: a failing poststart hook is a warning, the
         * container keeps running */
        BerthError *e = NULL;
        if (run_stage(st, RT_STATUS_RUNNING, RT_HOOK_POSTSTART, &e) < 0)
                log_warn("%s", e && e->message ? e->message : "poststart hook failed");
        error_free(e);
        return 0;
}

static int open_cgroup(const RtState *st, RtCgroup **ret, BerthError **err)
{
        if (!st->cgroup_path || !*st->cgroup_path)
                return error_set(err, ENOENT, "container '%s' has no cgroup", st->id);
        return rt_cgroup_open(st->cgroup_path, ret, err);
}

int rt_container_kill(const char *root, const char *id, int sig, bool all, BerthError **err)
{
        root = root ? root : RT_DEFAULT_ROOT;
        _cleanup_state_ RtState *st = NULL;
        int r = rt_state_load(root, id, &st, err);
        if (r < 0)
                return r;
        if (all) {
                _cleanup_(rt_cgroup_freep) RtCgroup *cg = NULL;
                if ((r = open_cgroup(st, &cg, err)) < 0)
                        return r;
                if ((r = rt_cgroup_kill_all(cg, sig, err)) < 0)
                        return r;
                return 0;
        }
        if (st->status == RT_STATUS_STOPPED)
                return error_set(err, ESRCH, "container not running");
        _cleanup_close_ int pfd = pidfd_for(st);
        if (pfd < 0)
                return error_set(err, ESRCH, "container not running");
        if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
                return error_set_errno(err, errno, "send signal %d to container '%s'", sig, id);
        return 0;
}

/* Kills the init (and, through the cgroup, every other process) and waits
 * for the init to be gone, with a pidfd: no sleeping loop. */
static int kill_and_wait(RtState *st, RtCgroup *cg)
{
        _cleanup_close_ int pfd = pidfd_for(st);
        if (cg) {
                (void)rt_cgroup_kill_all(cg, SIGKILL, NULL);
                (void)rt_cgroup_freeze(cg, false, NULL); /* frozen tasks die once thawed */
        }
        if (pfd < 0)
                return 0;
        syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        while (poll(&p, 1, 10000) < 0 && errno == EINTR)
                ;
        /* reap it when it is ours (run -d from a library caller) */
        (void)waitpid(st->pid, NULL, WNOHANG);
        return 0;
}

int rt_container_delete(const char *root, const char *id, bool force, BerthError **err)
{
        root = root ? root : RT_DEFAULT_ROOT;
        _cleanup_state_ RtState *st = NULL;
        _cleanup_free_ char *dir = NULL;
        BerthError *lerr = NULL;
        int r = rt_state_load(root, id, &st, &lerr);
        if (r < 0) {
                if (force && r == -ENOENT && rt_id_validate(id, NULL) >= 0) {
                        error_free(lerr);
                        dir = rt_state_dir(root, id);
                        return dir ? rm_rf(dir, err) : -ENOMEM;
                }
                return error_move(err, lerr);
        }
        if (!force && (st->status == RT_STATUS_RUNNING || st->status == RT_STATUS_PAUSED))
                return error_set(err, EBUSY, "cannot delete container '%s' that is not stopped: %s",
                                 id, rt_status_name(st->status));
        _cleanup_(rt_cgroup_freep) RtCgroup *cg = NULL;
        if (open_cgroup(st, &cg, NULL) < 0)
                cg = NULL;
        if (st->status != RT_STATUS_STOPPED)
                kill_and_wait(st, cg);
        if (cg && (r = rt_cgroup_destroy(cg, err)) < 0)
                return r;
        BerthError *e = NULL;
        st->status = RT_STATUS_STOPPED;
        if (run_stage(st, RT_STATUS_STOPPED, RT_HOOK_POSTSTOP, &e) < 0)
                log_warn("%s", e && e->message ? e->message : "poststop hook failed");
        error_free(e);
        dir = rt_state_dir(root, id);
        if (!dir)
                return error_set(err, ENOMEM, "out of memory");
        return rm_rf(dir, err);
}

static int freeze(const char *root, const char *id, bool frozen, BerthError **err)
{
        root = root ? root : RT_DEFAULT_ROOT;
        _cleanup_state_ RtState *st = NULL;
        int r = rt_state_load(root, id, &st, err);
        if (r < 0)
                return r;
        if (st->status == RT_STATUS_STOPPED)
                return error_set(err, ESRCH, "container not running");
        if (frozen && st->status == RT_STATUS_PAUSED)
                return error_set(err, EINVAL, "container '%s' is already paused", id);
        if (!frozen && st->status != RT_STATUS_PAUSED)
                return error_set(err, EINVAL, "container not paused");
        _cleanup_(rt_cgroup_freep) RtCgroup *cg = NULL;
        if ((r = open_cgroup(st, &cg, err)) < 0)
                return r;
        return rt_cgroup_freeze(cg, frozen, err);
}

int rt_container_pause(const char *root, const char *id, BerthError **err)
{
        return freeze(root, id, true, err);
}

int rt_container_resume(const char *root, const char *id, BerthError **err)
{
        return freeze(root, id, false, err);
}

int rt_container_pids(const char *root, const char *id, pid_t **ret, size_t *ret_n,
                      BerthError **err)
{
        root = root ? root : RT_DEFAULT_ROOT;
        _cleanup_state_ RtState *st = NULL;
        int r = rt_state_load(root, id, &st, err);
        if (r < 0)
                return r;
        if (st->status == RT_STATUS_STOPPED) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        _cleanup_(rt_cgroup_freep) RtCgroup *cg = NULL;
        if ((r = open_cgroup(st, &cg, err)) < 0)
                return r;
        return rt_cgroup_pids(cg, ret, ret_n, err);
}

static int cmp_state(const void *a, const void *b)
{
        const RtState *x = *(RtState *const *)a, *y = *(RtState *const *)b;
        return strcmp(x->id, y->id);
}

int rt_container_list(const char *root, RtState ***ret, size_t *ret_n, BerthError **err)
{
        root = root ? root : RT_DEFAULT_ROOT;
        *ret = NULL;
        *ret_n = 0;
        _cleanup_closedir_ DIR *d = opendir(root);
        if (!d)
                return errno == ENOENT ? 0 : error_set_errno(err, errno, "open '%s'", root);
        RtState **v = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || rt_id_validate(de->d_name, NULL) < 0)
                        continue;
                RtState *st = NULL;
                if (rt_state_load(root, de->d_name, &st, NULL) < 0)
                        continue;
                struct stat sb;
                char path[PATH_MAX];
                snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
                if (stat(path, &sb) == 0) {
                        free(st->owner);
                        st->owner = NULL;
                        struct passwd *pw = getpwuid(sb.st_uid);
                        if (pw)
                                st->owner = strdup(pw->pw_name);
                        else if (asprintf(&st->owner, "#%u", sb.st_uid) < 0)
                                st->owner = NULL;
                }
                RtState **nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv) {
                        rt_state_free(st);
                        for (size_t i = 0; i < n; i++)
                                rt_state_free(v[i]);
                        free(v);
                        return error_set(err, ENOMEM, "out of memory");
                }
                v = nv;
                v[n++] = st;
        }
        if (n)
                qsort(v, n, sizeof(*v), cmp_state);
        *ret = v;
        *ret_n = n;
        return 0;
}
