/* OCI hooks: fork+exec each hook of a stage with the state JSON on its
 * stdin, wait for it within its timeout, and turn a failure into a sentence. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/hooks.h"

static const char *const stage_names[] = {
    [RT_HOOK_PRESTART] = "prestart",
    [RT_HOOK_CREATE_RUNTIME] = "createRuntime",
    [RT_HOOK_CREATE_CONTAINER] = "createContainer",
    [RT_HOOK_START_CONTAINER] = "startContainer",
    [RT_HOOK_POSTSTART] = "poststart",
    [RT_HOOK_POSTSTOP] = "poststop",
};

const char *rt_hook_stage_name(RtHookStage stage)
{
        if ((unsigned)stage >= ARRAY_SIZE(stage_names))
                return NULL;
        return stage_names[stage];
}

/* Without a pidfd the wait loop polls the child at this interval. */
#define HOOK_POLL_MS 20

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the forked child: only async-signal-safe calls until execve. */
static _Noreturn void hook_child(const RtHook *hook, char *const argv[], char *const envp[],
                                 int in_fd, int err_fd)
{
        int e;
        sigset_t none;

        /* A clean start: default dispositions, nothing blocked. */
        for (int sig = 1; sig < NSIG; sig++)
                signal(sig, SIG_DFL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);

        if (in_fd == STDIN_FILENO) {
                if (fcntl(in_fd, F_SETFD, 0) < 0)
                        goto fail;
        } else if (dup2(in_fd, STDIN_FILENO) < 0) {
                goto fail;
        }
        if (err_fd != 3) {
                if (dup2(err_fd, 3) < 0)
                        goto fail;
                err_fd = 3;
        }
        if (fcntl(err_fd, F_SETFD, FD_CLOEXEC) < 0)
                goto fail;
        if (close_range(4, ~0U, 0) < 0) {
                for (int fd = 4; fd < 65536; fd++)
                        close(fd);
        }
        execve(hook->path, argv, envp);
fail:
        e = errno;
        (void)!write(err_fd, &e, sizeof(e));
        _exit(127);
}

typedef struct HookWait {
        pid_t pid;
        int pidfd; /* -1 when the kernel has none */
        int in_fd; /* write end of the hook's stdin; -1 once done */
        const char *data;
        size_t len;
        size_t off;
        int status;
        bool exited;
} HookWait;

/* Feeds stdin and waits for the exit, up to deadline (< 0: none).
 * Returns 0 when the hook exited, -ETIMEDOUT when the deadline passed. */
static int hook_wait(HookWait *w, int64_t deadline)
{
        for (;;) {
                if (w->off == w->len && w->in_fd >= 0) {
                        close(w->in_fd); /* EOF for the hook */
                        w->in_fd = -1;
                }
                pid_t r = waitpid(w->pid, &w->status, WNOHANG);
                if (r == w->pid) {
                        w->exited = true;
                        return 0;
                }
                if (r < 0 && errno != EINTR)
                        return -errno;

                int timeout = -1;
                if (deadline >= 0) {
                        int64_t left = deadline - now_ms();
                        if (left <= 0)
                                return -ETIMEDOUT;
                        timeout = left > INT32_MAX ? INT32_MAX : (int)left;
                }
                if (w->pidfd < 0 && (timeout < 0 || timeout > HOOK_POLL_MS))
                        timeout = HOOK_POLL_MS;

                struct pollfd pfd[2];
                nfds_t n = 0;
                if (w->pidfd >= 0)
                        pfd[n++] = (struct pollfd){.fd = w->pidfd, .events = POLLIN};
                int in_idx = -1;
                if (w->in_fd >= 0) {
                        in_idx = (int)n;
                        pfd[n++] = (struct pollfd){.fd = w->in_fd, .events = POLLOUT};
                }
                if (n == 0) {
                        poll(NULL, 0, timeout);
                        continue;
                }
                if (poll(pfd, n, timeout) < 0 && errno != EINTR)
                        return -errno;
                if (in_idx >= 0 && pfd[in_idx].revents) {
                        ssize_t k = write(w->in_fd, w->data + w->off, w->len - w->off);
                        if (k > 0) {
                                w->off += (size_t)k;
                        } else if (k < 0 && errno != EAGAIN && errno != EINTR) {
                                /* The hook closed its stdin (EPIPE): not our failure. */
                                log_debug("hook stdin: %s", strerror(errno));
                                close(w->in_fd);
                                w->in_fd = -1;
                        }
                }
        }
}

static int hook_error(const char *stage, const RtHook *hook, int status, BerthError **err)
{
        if (WIFEXITED(status))
                return error_set(err, EIO, "%s hook %s: exited with status %d", stage, hook->path,
                                 WEXITSTATUS(status));
        if (WIFSIGNALED(status))
                return error_set(err, EIO, "%s hook %s: killed by signal %d", stage, hook->path,
                                 WTERMSIG(status));
        return error_set(err, EIO, "%s hook %s: ended with wait status %d", stage, hook->path,
                         status);
}

static int run_hook(const char *stage, const RtHook *hook, const char *state_json, BerthError **err)
{
        char *default_argv[] = {hook->path, NULL};
        char *empty_env[] = {NULL};
        char *const *argv = hook->args && hook->args[0] ? hook->args : default_argv;
        char *const *envp = hook->env ? hook->env : empty_env;
        int in[2], errp[2];

        if (!hook->path)
                return error_set(err, EINVAL, "%s hook: no path", stage);
        if (pipe2(in, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "%s hook %s: create stdin pipe", stage,
                                       hook->path);
        _cleanup_close_ int in_r = in[0], in_w = in[1];
        if (pipe2(errp, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "%s hook %s: create pipe", stage, hook->path);
        _cleanup_close_ int err_r = errp[0], err_w = errp[1];

        /* SIGPIPE must not kill the runtime when the hook ignores its stdin. */
        sigset_t pipe_set, old_mask, pending;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        sigpending(&pending);
        bool was_pending = sigismember(&pending, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);

        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
                return error_set_errno(err, e, "%s hook %s: fork", stage, hook->path);
        }
        if (pid == 0)
                hook_child(hook, (char *const *)argv, (char *const *)envp, in_r, err_w);

        close(TAKE_FD(in_r));
        close(TAKE_FD(err_w));
        fcntl(in_w, F_SETFL, O_NONBLOCK);

        _cleanup_close_ int pidfd = pidfd_open(pid, 0);
        HookWait w = {
            .pid = pid,
            .pidfd = pidfd,
            .in_fd = TAKE_FD(in_w),
            .data = state_json ?: "",
            .len = state_json ? strlen(state_json) : 0,
        };
        int64_t deadline = -1;
        if (hook->timeout.set && hook->timeout.value > 0)
                deadline = now_ms() + hook->timeout.value * 1000;

        int r = hook_wait(&w, deadline);
        if (w.in_fd >= 0)
                close(w.in_fd);
        if (!w.exited) {
                /* Timed out or the wait failed: never leave the hook behind. */
                kill(pid, SIGKILL);
                while (waitpid(pid, &w.status, 0) < 0 && errno == EINTR)
                        ;
        }

        /* Drop a SIGPIPE our writes raised, then restore the caller's mask. */
        sigpending(&pending);
        if (!was_pending && sigismember(&pending, SIGPIPE)) {
                struct timespec zero = {0, 0};
                sigtimedwait(&pipe_set, NULL, &zero);
        }
        pthread_sigmask(SIG_SETMASK, &old_mask, NULL);

        if (r == -ETIMEDOUT)
                return error_set(err, ETIMEDOUT, "hook '%s' %s timed out after %lld s", stage,
                                 hook->path, (long long)hook->timeout.value);
        if (r < 0)
                return error_set_errno(err, r, "%s hook %s: wait", stage, hook->path);

        int exec_errno = 0;
        if (read(err_r, &exec_errno, sizeof(exec_errno)) == (ssize_t)sizeof(exec_errno))
                return error_set_errno(err, exec_errno, "%s hook %s: exec", stage, hook->path);
        if (WIFEXITED(w.status) && WEXITSTATUS(w.status) == 0)
                return 0;
        return hook_error(stage, hook, w.status, err);
}

int rt_hooks_run(const RtSpec *spec, RtHookStage stage, const char *state_json, BerthError **err)
{
        const char *name = rt_hook_stage_name(stage);
        if (!name)
                return error_set(err, EINVAL, "unknown hook stage %d", (int)stage);
        const RtHookList *list = &spec->hooks[stage];
        for (size_t i = 0; i < list->n; i++) {
                log_debug("running %s hook %s", name, list->hooks[i].path);
                int r = run_hook(name, &list->hooks[i], state_json, err);
                if (r < 0)
                        return r;
        }
        return 0;
}
