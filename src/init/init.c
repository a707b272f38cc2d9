/* berth-init: the small init that `run --init` puts in front of a
 * container's command (mounted at /sbin/docker-init, as Docker does with
 * tini). As PID 1 of the container it:
 *   - starts the command as its child, in its own process group when the
 *     command runs in the foreground of a terminal-less container;
 *   - forwards every catchable signal it receives to the child;
 *   - reaps every zombie re-parented to it;
 *   - exits with the child's status (128 + signal when the child was killed).
 *
 * Usage: berth-init [-s] [-g] [--] COMMAND [ARGS...]
 *   -s  be a child subreaper even when not PID 1 (PR_SET_CHILD_SUBREAPER)
 *   -g  send forwarded signals to the child's whole process group
 *
 * Linked statically and kept free of anything but libc, so that it runs in
 * any image. Signals are taken with signalfd-free sigtimedwait so that no
 * handler races with waitpid. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
        fprintf(f, "usage: berth-init [-s] [-g] [--] COMMAND [ARGS...]\n"
                   "  -s  register as a child subreaper (when not PID 1)\n"
                   "  -g  forward signals to the child's process group\n");
}

/* Signals berth-init never forwards: those that report faults of its own
 * and those the kernel sends about its children or its terminal. */
static bool forwardable(int sig)
{
        switch (sig) {
        case SIGFPE:
        case SIGILL:
        case SIGSEGV:
        case SIGBUS:
        case SIGABRT:
        case SIGTRAP:
        case SIGSYS:
        case SIGTTIN:
        case SIGTTOU:
        case SIGCHLD:
                return false;
        default:
                return true;
        }
}

static int status_to_code(int status)
{
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 1;
}

/* Reaps every exited child; returns true once the main child is gone and
 * stores its exit code. */
static bool reap(pid_t child, int *ret_code)
{
        bool child_done = false;
        for (;;) {
                int status;
                pid_t p = waitpid(-1, &status, WNOHANG);
                if (p <= 0) {
                        if (p < 0 && errno == EINTR)
                                continue;
                        break;
                }
                if (p == child) {
                        *ret_code = status_to_code(status);
                        child_done = true;
                }
        }
        return child_done;
}

int main(int argc, char **argv)
{
        bool subreaper = false, group = false;
        int i = 1;
        for (; i < argc; i++) {
                const char *a = argv[i];
                if (strcmp(a, "--") == 0) {
                        i++;
                        break;
                }
                if (strcmp(a, "-s") == 0)
                        subreaper = true;
                else if (strcmp(a, "-g") == 0)
                        group = true;
                else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                        usage(stdout);
                        return 0;
                } else if (strcmp(a, "--version") == 0) {
                        printf("berth-init 0.1\n");
                        return 0;
                } else if (a[0] == '-') {
                        fprintf(stderr, "berth-init: unknown option '%s'\n", a);
                        usage(stderr);
                        return 2;
                } else
                        break;
        }
        if (i >= argc) {
                usage(stderr);
                return 2;
        }

        if (subreaper || getpid() != 1) {
                if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 && subreaper)
                        fprintf(stderr, "berth-init: cannot become a subreaper: %s\n",
                                strerror(errno));
        }

        /* Block everything we forward or wait for; the child gets the
         * original mask back before exec. */
        sigset_t all, orig;
        sigfillset(&all);
        for (int s = 1; s < NSIG; s++)
                if (!forwardable(s) && s != SIGCHLD)
                        sigdelset(&all, s);
        if (sigprocmask(SIG_BLOCK, &all, &orig) < 0) {
                fprintf(stderr, "berth-init: sigprocmask: %s\n", strerror(errno));
                return 1;
        }

        pid_t child = fork();
        if (child < 0) {
                fprintf(stderr, "berth-init: fork: %s\n", strerror(errno));
                return 1;
        }
        if (child == 0) {
                if (group)
                        setpgid(0, 0);
                sigprocmask(SIG_SETMASK, &orig, NULL);
                execvp(argv[i], argv + i);
                int e = errno;
                fprintf(stderr, "berth-init: exec %s: %s\n", argv[i], strerror(e));
                _exit(e == ENOENT ? 127 : 126);
        }
        if (group)
                setpgid(child, child);

        int code = 1;
        for (;;) {
                struct timespec ts = {.tv_sec = 1, .tv_nsec = 0};
                siginfo_t info;
                int sig = sigtimedwait(&all, &info, &ts);
                if (sig < 0) {
                        if (errno != EAGAIN && errno != EINTR) {
                                fprintf(stderr, "berth-init: sigtimedwait: %s\n", strerror(errno));
                                return 1;
                        }
                } else if (sig != SIGCHLD && forwardable(sig)) {
                        if (kill(group ? -child : child, sig) < 0 && errno != ESRCH)
                                fprintf(stderr, "berth-init: forwarding signal %d: %s\n", sig,
                                        strerror(errno));
                }
                if (reap(child, &code))
                        break;
        }
        /* Reap whatever exited meanwhile, without waiting for the rest. */
        int dummy;
        reap(-1, &dummy);
        return code;
}
