/* The container init after clone(): joins or finishes its namespaces, builds
 * the root filesystem, becomes the configured process and waits for start.
 * Every failure goes back to the parent as (errno, sentence) over the sync
 * socket; the parent then removes everything it made.
 *
 * CVE-2019-5736: this process is a clone of the runtime and never runs the
 * runtime binary again: after pivot_root it only execve()s the container's
 * program. It is made non-dumpable before it enters anything, so container
 * processes cannot open /proc/<it>/exe (ptrace access is checked against the
 * host user namespace the runtime's mm belongs to). The last door, a
 * container program that is (or whose #! interpreter chain leads to)
 * /proc/self/exe, which would make the kernel run our binary inside the
 * container, is refused by check_not_self(). The init is the first process
 * of its namespaces, so nothing in the container can race these checks.
 * `exec`, which enters a container whose processes could race it, runs from
 * a sealed memfd copy of the runtime instead (rt_ensure_sealed_exe). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/safepath.h"
#include "common/strv.h"
#include "runtime/caps.h"
#include "runtime/container_internal.h"
#include "runtime/hooks.h"
#include "runtime/rootfs.h"
#include "runtime/sync.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int send_warn(int sync_fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int send_warn(int sync_fd, const char *fmt, ...)
{
        char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        int r = sync_fd >= 0 ? rt_sync_send(sync_fd, RT_SYNC_WARN, 0, msg) : 0;
        free(msg);
        return r;
}

int rt_proc_set_rlimits(const RtProcess *p, int sync_fd, BerthError **err)
{
        for (size_t i = 0; i < p->n_rlimits; i++) {
                const RtRlimit *l = &p->rlimits[i];
                struct rlimit want = {.rlim_cur = l->soft, .rlim_max = l->hard};
                if (setrlimit(l->resource, &want) == 0)
                        continue;
                if (errno != EPERM)
                        return error_set_errno(err, errno, "set %s to %llu:%llu", l->type,
                                               (unsigned long long)l->soft,
                                               (unsigned long long)l->hard);
                /* Raising a hard limit needs CAP_SYS_RESOURCE in the host
                 * namespace, which the runtime may not hold: keep ours. */
                struct rlimit cur;
                if (getrlimit(l->resource, &cur) < 0)
                        return error_set_errno(err, errno, "get %s", l->type);
                struct rlimit clamped = {.rlim_max = want.rlim_max < cur.rlim_max ? want.rlim_max
                                                                                  : cur.rlim_max};
                clamped.rlim_cur =
                    want.rlim_cur < clamped.rlim_max ? want.rlim_cur : clamped.rlim_max;
                if (setrlimit(l->resource, &clamped) < 0)
                        return error_set_errno(err, errno, "set %s to %llu:%llu", l->type,
                                               (unsigned long long)clamped.rlim_cur,
                                               (unsigned long long)clamped.rlim_max);
                send_warn(
                    sync_fd, "%s: hard limit %llu is above the runtime's own %llu; using %llu:%llu",
                    l->type, (unsigned long long)l->hard, (unsigned long long)cur.rlim_max,
                    (unsigned long long)clamped.rlim_cur, (unsigned long long)clamped.rlim_max);
        }
        return 0;
}

int rt_proc_set_oom_score_adj(const RtProcess *p, BerthError **err)
{
        if (!p->oom_score_adj.set)
                return 0;
        char v[32];
        snprintf(v, sizeof(v), "%lld", (long long)p->oom_score_adj.value);
        BerthError *e = NULL;
        int r = write_file_string("/proc/self/oom_score_adj", v, &e);
        if (r < 0) {
                error_free(e);
                return error_set_errno(err, r, "set process.oomScoreAdj to %s", v);
        }
        return 0;
}

int rt_proc_set_identity(const RtProcess *p, const RtSeccompProgram *sc, int sync_fd,
                         BerthError **err)
{
        int r;
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "set no_new_privs");
        /* a listener fd must reach the runtime while it still listens: load
         * such a filter now even with no_new_privs */
        if (sc && (!p->no_new_privileges || sc->notify)) {
                if ((r = rt_seccomp_load(sc, err)) < 0)
                        return error_prefix(err, "load seccomp filter");
                if (sc->notify) {
                        int s = rt_sync_send_fd(sync_fd, RT_SYNC_SECCOMP, r, NULL);
                        close(r);
                        if (s < 0)
                                return error_set_errno(err, s,
                                                       "send the seccomp listener to the runtime");
                }
        }
        if ((r = rt_caps_prepare(p, err)) < 0)
                return r;
        if (setgroups(p->user.n_additional_gids, p->user.additional_gids) < 0 &&
            !(errno == EPERM && p->user.n_additional_gids == 0))
                return error_set_errno(err, errno, "set additional gids");
        if (setresgid(p->user.gid, p->user.gid, p->user.gid) < 0)
                return error_set_errno(err, errno, "set gid to %u", p->user.gid);
        if (setresuid(p->user.uid, p->user.uid, p->user.uid) < 0)
                return error_set_errno(err, errno, "set uid to %u", p->user.uid);
        if ((r = rt_caps_apply(p, err)) < 0)
                return r;
        umask(p->user.umask.set ? (mode_t)p->user.umask.value : 022);
        return 0;
}

int rt_proc_chdir(const RtProcess *p, BerthError **err)
{
        const char *cwd = p->cwd && *p->cwd ? p->cwd : "/";
        if (chdir(cwd) < 0)
                return error_set_errno(err, errno, "chdir to cwd '%s' set in config.json", cwd);
        return 0;
}

static const char *env_path(char *const *env)
{
        for (size_t i = 0; env && env[i]; i++)
                if (strncmp(env[i], "PATH=", 5) == 0)
                        return env[i] + 5;
        return DEFAULT_PATH;
}

static int rt_proc_resolve_path(const RtProcess *p, char **ret, BerthError **err);

static int check_exec(const char *path)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EACCES;
        if (access(path, X_OK) < 0)
                return -errno;
        return 0;
}

/* CVE-2019-5736, the "#!/proc/self/exe" form: a program (or a chain of
 * interpreters, as the kernel follows up to 4) that leads back to our own
 * binary would run the host's runtime inside the container, where its
 * /proc/PID/exe could be reopened for writing. Refuse it. */
static int check_not_self(const char *path, const struct stat *self, BerthError **err)
{
        char cur[PATH_MAX];
        snprintf(cur, sizeof(cur), "%s", path);
        for (int depth = 0; depth < 6; depth++) {
                struct stat st;
                if (stat(cur, &st) < 0)
                        return 0; /* execve will report it */
                if (self && st.st_dev == self->st_dev && st.st_ino == self->st_ino)
                        return error_set(err, EACCES,
                                         "exec '%s': refusing to run the container runtime's own "
                                         "binary inside the container",
                                         path);
                _cleanup_close_ int fd = open(cur, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return 0;
                char buf[256];
                ssize_t n = read(fd, buf, sizeof(buf) - 1);
                if (n < 3 || buf[0] != '#' || buf[1] != '!')
                        return 0;
                buf[n] = '\0';
                char *s = buf + 2;
                while (*s == ' ' || *s == '\t')
                        s++;
                size_t len = strcspn(s, " \t\n");
                if (len == 0 || len >= sizeof(cur))
                        return 0;
                memcpy(cur, s, len);
                cur[len] = '\0';
        }
        return 0;
}

int rt_proc_resolve_exec(const RtProcess *p, char **ret, BerthError **err)
{
        int r = rt_proc_resolve_path(p, ret, err);
        if (r < 0)
                return r;
        struct stat self;
        bool have_self = stat("/proc/self/exe", &self) == 0;
        if ((r = check_not_self(*ret, have_self ? &self : NULL, err)) < 0) {
                free(*ret);
                *ret = NULL;
        }
        return r;
}

static int rt_proc_resolve_path(const RtProcess *p, char **ret, BerthError **err)
{
        const char *name = p->args[0];
        if (strchr(name, '/')) {
                int r = check_exec(name);
                if (r < 0)
                        return error_set_errno(err, r, "exec '%s'", name);
                *ret = strdup(name);
                return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
        }
        int first_err = -ENOENT;
        _cleanup_free_ char *dirs = strdup(env_path(p->env));
        if (!dirs)
                return error_set(err, ENOMEM, "out of memory");
        char *save = NULL;
        for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *cand = NULL;
                if (asprintf(&cand, "%s/%s", *d ? d : ".", name) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                int r = check_exec(cand);
                if (r == 0) {
                        *ret = TAKE_PTR(cand);
                        return 0;
                }
                if (r == -EACCES && first_err == -ENOENT)
                        first_err = r;
        }
        return error_set_errno(err, first_err, "exec '%s'", name);
}

int rt_proc_prepare_fds(int preserve_fds, int **keep, size_t n, BerthError **err)
{
        int limit = 3 + (preserve_fds > 0 ? preserve_fds : 0);
        for (size_t i = 0; i < n; i++) {
                int fd = *keep[i];
                if (fd < 0 || fd >= limit)
                        continue;
                int nfd = fcntl(fd, F_DUPFD_CLOEXEC, limit);
                if (nfd < 0)
                        return error_set_errno(err, errno, "move fd %d", fd);
                close(fd);
                *keep[i] = nfd;
        }
        for (int fd = 3; fd < limit; fd++)
                if (fcntl(fd, F_SETFD, 0) < 0 && errno != EBADF)
                        return error_set_errno(err, errno, "pass fd %d", fd);
        if (syscall(SYS_close_range, (unsigned)limit, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
                return 0;
        /* kernels before 5.11: walk /proc/self/fd */
        _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
        if (!d)
                return error_set_errno(err, errno, "list open fds");
        struct dirent *de;
        while ((de = readdir(d))) {
                int fd = atoi(de->d_name);
                if (fd >= limit && fd != dirfd(d))
                        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
        return 0;
}

static int join_session_keyring(const RtSpec *spec)
{
        (void)spec;
        long r = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);
        return r < 0 ? -errno : 0;
}

/* process.cwd is created when missing, as runc does, inside the root and
 * before pivot_root (while we still hold every privilege of the mount). */
static int make_cwd(const char *rootfs, const RtProcess *p, BerthError **err)
{
        if (!p->cwd || STREQ(p->cwd, "/"))
                return 0;
        _cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return error_set_errno(err, errno, "open rootfs '%s'", rootfs);
        int fd = safe_mkdir_p_in_root(root, p->cwd, 0755, err);
        if (fd < 0)
                return error_prefix(err, "create cwd '%s'", p->cwd);
        close(fd);
        return 0;
}

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The time namespace: only unshare() makes one, and it is for the children
 * of the caller; its offsets are written before anyone is in it, then we
 * join it ourselves through time_for_children. */
static int enter_time_ns(const RtChildArgs *a, BerthError **err)
{
        if (a->timens_fd >= 0) {
                if (setns(a->timens_fd, CLONE_NEWTIME) < 0)
                        return error_set_errno(err, errno,
                                               "join the time namespace of linux.namespaces");
                return 0;
        }
        if (!a->new_timens)
                return 0;
        if (unshare(CLONE_NEWTIME) < 0)
                return error_set_errno(err, errno, "create the time namespace");
        const RtLinux *l = &a->spec->linux_;
        char buf[128];
        int n = 0;
        if (l->monotonic.set)
                n += snprintf(buf + n, sizeof(buf) - (size_t)n, "monotonic %" PRId64 " %u\n",
                              l->monotonic.secs, l->monotonic.nanosecs);
        if (l->boottime.set)
                n += snprintf(buf + n, sizeof(buf) - (size_t)n, "boottime %" PRId64 " %u\n",
                              l->boottime.secs, l->boottime.nanosecs);
        if (n > 0) {
                /* one write per clock: the kernel takes one line at a time */
                char *save = NULL;
                for (char *line = strtok_r(buf, "\n", &save); line;
                     line = strtok_r(NULL, "\n", &save)) {
                        int r = write_file_string("/proc/self/timens_offsets", line, NULL);
                        if (r < 0)
                                return error_set_errno(err, r,
                                                       "write linux.timeOffsets '%s' to "
                                                       "/proc/self/timens_offsets",
                                                       line);
                }
        }
        _cleanup_close_ int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open /proc/self/ns/time_for_children");
        if (setns(fd, CLONE_NEWTIME) < 0)
                return error_set_errno(err, errno, "enter the new time namespace");
        return 0;
}

static int child_setup(RtChildArgs *a, char **ret_state, char **ret_exec, BerthError **err)
{
        const RtSpec *spec = a->spec;
        const RtProcess *p = a->proc;
        int r;

        (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "make the container init non-dumpable");
        if (a->userns_fd >= 0 && setns(a->userns_fd, CLONE_NEWUSER) < 0)
                return error_set_errno(err, errno, "join the user namespace of linux.namespaces");
        if (a->userns_fd >= 0 && (a->unshare_flags & ~CLONE_NEWCGROUP) &&
            unshare(a->unshare_flags & ~CLONE_NEWCGROUP) < 0)
                return error_set_errno(err, errno, "create namespaces");

        RtSyncMsg go;
        if ((r = rt_sync_expect(a->sync_fd, RT_SYNC_GO, &go, err)) < 0)
                _exit(1); /* the parent is gone or failed: it cleans up */
        *ret_state = TAKE_PTR(go.data);
        rt_sync_msg_done(&go);

        if (a->new_userns || a->userns_fd >= 0) {
                /* become root of the namespace so files we create are owned right */
                if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                        return error_set_errno(err, errno,
                                               "become root in the user namespace (is 0 mapped?)");
        }
        if (a->mntns_fd >= 0 && setns(a->mntns_fd, CLONE_NEWNS) < 0)
                return error_set_errno(err, errno, "join the mount namespace of linux.namespaces");
        if ((a->unshare_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
                return error_set_errno(err, errno, "create the cgroup namespace");
        if ((r = enter_time_ns(a, err)) < 0)
                return r;
        if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
                return error_set_errno(err, errno, "set hostname '%s'", spec->hostname);
        if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
                return error_set_errno(err, errno, "set domainname '%s'", spec->domainname);
        if (!a->no_new_keyring && (r = join_session_keyring(spec)) < 0 && r != -ENOSYS &&
            r != -EPERM && r != -EACCES)
                return error_set_errno(err, r, "create a session keyring");

        rt_rootfs_set_idmap_fds(a->idmap_fds, spec->n_mounts);
        if ((r = rt_rootfs_prepare(spec, a->rootfs, err)) < 0)
                return r;
        if (a->has_hooks_in_parent) {
                if ((r = rt_sync_send(a->sync_fd, RT_SYNC_HOOKS, 0, NULL)) < 0)
                        return error_set_errno(err, r, "ask the runtime to run hooks");
                if ((r = rt_sync_expect(a->sync_fd, RT_SYNC_HOOKS_DONE, NULL, err)) < 0)
                        _exit(1);
        }
        if (spec->hooks[RT_HOOK_CREATE_CONTAINER].n > 0 &&
            (r = rt_hooks_run(spec, RT_HOOK_CREATE_CONTAINER, *ret_state, err)) < 0)
                return r;
        if ((r = make_cwd(a->rootfs, p, err)) < 0)
                return r;
        if ((r = rt_rootfs_pivot(a->rootfs, a->no_pivot, err)) < 0)
                return r;
        if ((r = rt_sysctl_apply(spec, err)) < 0)
                return r;
        if ((r = rt_rootfs_finalize(spec, err)) < 0)
                return r;
        if ((r = rt_proc_set_rlimits(p, a->sync_fd, err)) < 0 ||
            (r = rt_proc_set_oom_score_adj(p, err)) < 0)
                return r;
        int *keep[] = {&a->sync_fd, &a->fifo_fd, &a->status_fd};
        if ((r = rt_proc_enter(p, a->seccomp, a->sync_fd, &a->console_fd, a->preserve_fds, keep,
                               ARRAY_SIZE(keep), ret_exec, err)) < 0)
                return r;
        (void)prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
        return 0;
}

int rt_proc_enter(const RtProcess *p, const RtSeccompProgram *sc, int sync_fd, int *console_fd,
                  int preserve_fds, int **keep, size_t n_keep, char **ret_exec, BerthError **err)
{
        int r;
        if (p->terminal) {
                if ((r = rt_terminal_setup(p, *console_fd, sync_fd, err)) < 0)
                        return r;
        } else if (setsid() < 0) {
                return error_set_errno(err, errno, "setsid");
        }
        if (*console_fd >= 0) {
                close(*console_fd);
                *console_fd = -1;
        }
        if ((r = rt_proc_set_identity(p, sc, sync_fd, err)) < 0)
                return r;
        if ((r = rt_proc_chdir(p, err)) < 0)
                return r;
        if ((r = rt_proc_resolve_exec(p, ret_exec, err)) < 0)
                return r;
        return rt_proc_prepare_fds(preserve_fds, keep, n_keep, err);
}

static _Noreturn void fail_after_ready(int sync_fd, int status_fd, BerthError *e)
{
        /* `run` still listens on the sync socket; after `create`, `start`
         * reads exec.status; stderr is the last resort */
        if (rt_exec_status_report(status_fd, e) < 0 && rt_sync_send_error(sync_fd, e, EIO) < 0 &&
            e && e->message)
                dprintf(STDERR_FILENO, "berth-runtime: %s\n", e->message);
        _exit(127);
}

_Noreturn void rt_child_main(RtChildArgs *a)
{
        BerthError *err = NULL;
        _cleanup_free_ char *state = NULL;
        _cleanup_free_ char *exec_path = NULL;
        int r = child_setup(a, &state, &exec_path, &err);
        if (r < 0) {
                rt_sync_send_error(a->sync_fd, err, r);
                _exit(1);
        }
        if ((r = rt_sync_send(a->sync_fd, RT_SYNC_READY, 0, NULL)) < 0)
                _exit(1);
        if (a->fifo_fd >= 0) {
                char c;
                ssize_t n;
                do
                        n = read(a->fifo_fd, &c, 1);
                while (n < 0 && errno == EINTR);
                if (n != 1)
                        _exit(1);
                close(a->fifo_fd);
        } else if (rt_sync_expect(a->sync_fd, RT_SYNC_START, NULL, &err) < 0) {
                _exit(1);
        }
        const RtSpec *spec = a->spec;
        if (spec->hooks[RT_HOOK_START_CONTAINER].n > 0 &&
            rt_hooks_run(spec, RT_HOOK_START_CONTAINER, state, &err) < 0)
                fail_after_ready(a->sync_fd, a->status_fd, err);
        if (a->seccomp && a->proc->no_new_privileges && !a->seccomp->notify &&
            rt_seccomp_load(a->seccomp, &err) < 0) {
                error_prefix(&err, "load seccomp filter");
                fail_after_ready(a->sync_fd, a->status_fd, err);
        }
        execve(exec_path, a->proc->args, a->proc->env ? a->proc->env : (char *[]){NULL});
        error_set_errno(&err, errno, "exec '%s'", a->proc->args[0]);
        fail_after_ready(a->sync_fd, a->status_fd, err);
}
