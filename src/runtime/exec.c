/* exec: a new process in a running container. The parent joins the
 * container's pid namespace for its children only (pid_for_children) and
 * clones one child, which therefore lands in it; the child joins the other
 * namespaces: net, ipc, uts, cgroup and mnt with the host's privileges, then
 * the user namespace last (joining it first would forfeit the right to enter
 * namespaces owned by the host, such as a network namespace given by path).
 * The parent puts the child in the container's cgroup before it goes on.
 * The child is non-dumpable from its first instruction (CVE-2019-5736): a
 * container process cannot open /proc/<it>/exe while it still runs the
 * runtime's code inside the container's namespaces. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/strv.h"
#include "common/json.h"
#include "common/log.h"
#include "runtime/container.h"
#include "runtime/container_internal.h"
#include "runtime/passwd.h"
#include "runtime/spec.h"
#include "runtime/sync.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* In joining order; pid is handled by the parent. */
static const struct {
        int flag;
        const char *name;
} exec_ns[] = {
    {CLONE_NEWTIME, "time"}, {CLONE_NEWNET, "net"},       {CLONE_NEWIPC, "ipc"},
    {CLONE_NEWUTS, "uts"},   {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWNS, "mnt"},
    {CLONE_NEWUSER, "user"},
};

typedef struct ExecChild {
        const RtProcess *proc;
        const RtSeccompProgram *seccomp;
        int ns_fds[ARRAY_SIZE(exec_ns)];
        int sync_fd;
        int console_fd;
        int preserve_fds;
} ExecChild;

static int exec_child_setup(ExecChild *a, char **ret_exec, BerthError **err)
{
        const RtProcess *p = a->proc;
        int r;
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return error_set_errno(err, errno, "make the exec process non-dumpable");
        if (rt_sync_expect(a->sync_fd, RT_SYNC_GO, NULL, err) < 0)
                _exit(1);
        for (size_t i = 0; i < ARRAY_SIZE(exec_ns); i++) {
                if (a->ns_fds[i] < 0)
                        continue;
                if (setns(a->ns_fds[i], exec_ns[i].flag) < 0)
                        return error_set_errno(err, errno, "join the container's %s namespace",
                                               exec_ns[i].name);
                close(a->ns_fds[i]);
                a->ns_fds[i] = -1;
        }
        if ((r = rt_proc_set_rlimits(p, a->sync_fd, err)) < 0)
                return r;
        int *keep[] = {&a->sync_fd};
        if ((r = rt_proc_enter(p, a->seccomp, a->sync_fd, &a->console_fd, a->preserve_fds, keep,
                               ARRAY_SIZE(keep), ret_exec, err)) < 0)
                return r;
        if (a->seccomp && p->no_new_privileges && !a->seccomp->notify &&
            (r = rt_seccomp_load(a->seccomp, err)) < 0)
                return error_prefix(err, "load seccomp filter");
        (void)prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
        return 0;
}

static _Noreturn void exec_child(ExecChild *a)
{
        BerthError *err = NULL;
        char *path = NULL;
        if (exec_child_setup(a, &path, &err) < 0) {
                rt_sync_send_error(a->sync_fd, err, EIO);
                _exit(1);
        }
        execve(path, a->proc->args, a->proc->env ? a->proc->env : (char *[]){NULL});
        error_set_errno(&err, errno, "exec '%s'", a->proc->args[0]);
        rt_sync_send_error(a->sync_fd, err, EIO);
        _exit(127);
}

static int json_add_strings(json_t *obj, const char *key, char **values)
{
        json_t *a = json_object_get(obj, key);
        if (!json_is_array(a)) {
                a = json_array();
                if (!a || json_object_set_new(obj, key, a) < 0)
                        return -ENOMEM;
        }
        STRV_FOREACH(v, values)
        json_array_append_new(a, json_string(*v));
        return 0;
}

static int parse_uint(const char *s, uint32_t *ret)
{
        char *end = NULL;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v > UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t)v;
        return 0;
}

/* --user: numbers as they are; names through the container's own
 * /etc/passwd and /etc/group, read through /proc/PID/root (its mount
 * namespace, after pivot_root) and resolved inside that root. */
static int resolve_user(const char *spec, const RtState *st, RtUserIds *ret, BerthError **err)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/root", (int)st->pid);
        _cleanup_close_ int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return error_set_errno(err, errno, "open %s", path);
        if (!rt_proc_alive(st->pid, st->pid_start))
                return error_set(err, ESRCH, "cannot exec in a stopped container");
        return rt_user_resolve(root, spec, ret, err);
}

/* The process: process.json as given, or the config's process with the
 * command line's overrides (what runc does). Edited as JSON, then parsed by
 * the config parser, so both paths are validated the same way. */
static int build_process(const RtExecOptions *o, const RtSpec *spec, const RtState *st,
                         RtProcess **ret, BerthError **err)
{
        _cleanup_json_ json_t *doc = NULL;
        int r;
        if (o->process_path) {
                if ((r = rt_spec_load_text(o->process_path, "process.json", &doc, err)) < 0)
                        return r;
                if (o->tty_set)
                        json_object_set_new(doc, "terminal", json_boolean(o->tty));
                return rt_process_parse(doc, "process.json", ret, err);
        }
        json_t *base = spec->raw ? json_object_get(spec->raw, "process") : NULL;
        doc = base ? json_deep_copy(base) : json_object();
        if (!doc)
                return error_set(err, ENOMEM, "out of memory");
        if (strv_length(o->args) == 0)
                return error_set(err, EINVAL, "exec: no command given");
        json_t *args = json_array();
        STRV_FOREACH(a, o->args)
        json_array_append_new(args, json_string(*a));
        json_object_set_new(doc, "args", args);
        json_object_set_new(doc, "terminal", json_boolean(o->tty));
        if (o->env && json_add_strings(doc, "env", o->env) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (o->cwd)
                json_object_set_new(doc, "cwd", json_string(o->cwd));
        if (o->no_new_privs)
                json_object_set_new(doc, "noNewPrivileges", json_true());
        json_t *user = json_object_get(doc, "user");
        if (!json_is_object(user)) {
                user = json_pack("{s:i, s:i}", "uid", 0, "gid", 0);
                json_object_set_new(doc, "user", user);
        }
        if (o->user) {
                RtUserIds ids = {0};
                r = resolve_user(o->user, st, &ids, err);
                if (r < 0)
                        return r;
                json_object_set_new(user, "uid", json_integer(ids.uid));
                json_object_set_new(user, "gid", json_integer(ids.gid));
                if (ids.n_additional_gids > 0) {
                        json_t *g = json_array();
                        for (size_t i = 0; g && i < ids.n_additional_gids; i++)
                                json_array_append_new(g, json_integer(ids.additional_gids[i]));
                        json_object_set_new(user, "additionalGids", g);
                }
                rt_user_ids_done(&ids);
        }
        if (o->additional_gids) {
                json_t *g = json_array();
                STRV_FOREACH(s, o->additional_gids)
                {
                        uint32_t gid;
                        if (parse_uint(*s, &gid) < 0) {
                                json_decref(g);
                                return error_set(err, EINVAL,
                                                 "--additional-gids '%s': not a number", *s);
                        }
                        json_array_append_new(g, json_integer(gid));
                }
                json_object_set_new(user, "additionalGids", g);
        }
        if (o->caps) {
                json_t *caps = json_object_get(doc, "capabilities");
                if (!json_is_object(caps)) {
                        caps = json_object();
                        json_object_set_new(doc, "capabilities", caps);
                }
                static const char *const sets[] = {"bounding", "effective", "permitted"};
                for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
                        if (json_add_strings(caps, sets[i], o->caps) < 0)
                                return error_set(err, ENOMEM, "out of memory");
        }
        return rt_process_parse(doc, "process", ret, err);
}

static bool same_ns(pid_t pid, const char *name)
{
        char a[64], b[64];
        struct stat sa, sb;
        snprintf(a, sizeof(a), "/proc/self/ns/%s", name);
        snprintf(b, sizeof(b), "/proc/%d/ns/%s", (int)pid, name);
        if (stat(a, &sa) < 0)
                return true; /* a kind of namespace this kernel does not have */
        if (stat(b, &sb) < 0)
                return false;
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int open_ns(pid_t pid, const char *name, BerthError **err)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open %s", path);
        return fd;
}

/* Waits for EOF on the sync socket (the process exec'd), collecting the pty
 * master and warnings on the way, and handing a seccomp listener to its agent. */
static int await_exec(int sync_fd, int *pty_master, const RtSpec *spec, const RtState *st,
                      pid_t pid, BerthError **err)
{
        for (;;) {
                RtSyncMsg m;
                int r = rt_sync_recv(sync_fd, &m);
                if (r == -ECONNRESET)
                        return 0;
                if (r < 0)
                        return error_set_errno(err, r, "read from the exec process");
                switch (m.type) {
                case RT_SYNC_WARN:
                        log_warn("%s", m.data);
                        break;
                case RT_SYNC_PTY:
                        if (*pty_master >= 0)
                                close(*pty_master);
                        *pty_master = TAKE_FD(m.fd);
                        break;
                case RT_SYNC_SECCOMP: {
                        json_t *j = rt_state_public_json(st, false);
                        _cleanup_free_ char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
                        json_decref(j);
                        r = rt_seccomp_notify_send(spec->linux_.seccomp, m.fd, pid, text, err);
                        rt_sync_msg_done(&m);
                        if (r < 0)
                                return r;
                        continue;
                }
                case RT_SYNC_ERROR:
                        r = error_set(err, m.code ? m.code : EIO, "%s", m.data);
                        rt_sync_msg_done(&m);
                        return r;
                default:
                        r = error_set(err, EPROTO, "unexpected message '%s' from the exec process",
                                      rt_sync_type_name(m.type));
                        rt_sync_msg_done(&m);
                        return r;
                }
                rt_sync_msg_done(&m);
        }
}

int rt_container_exec(const RtExecOptions *o, pid_t *ret_pid, int *ret_status, BerthError **err)
{
        const char *root = o->root ? o->root : RT_DEFAULT_ROOT;
        _cleanup_state_ RtState *st = NULL;
        _cleanup_spec_ RtSpec *spec = NULL;
        _cleanup_process_ RtProcess *proc = NULL;
        _cleanup_(rt_seccomp_program_freep) RtSeccompProgram *sc = NULL;
        _cleanup_(rt_cgroup_freep) RtCgroup *cg = NULL;
        _cleanup_close_ int console_fd = -1;
        _cleanup_close_ int sync_fd = -1;
        _cleanup_close_ int pty_master = -1;
        _cleanup_close_ int own_pidns = -1;
        _cleanup_close_ int pidns = -1;
        int r;

        if ((r = rt_state_load(root, o->id, &st, err)) < 0)
                return r;
        if (st->status == RT_STATUS_STOPPED)
                return error_set(err, ESRCH, "cannot exec in a stopped container");
        if (st->status == RT_STATUS_PAUSED)
                return error_set(err, EBUSY, "cannot exec in a paused container");
        if ((r = rt_spec_load(st->bundle, &spec, err)) < 0)
                return r;
        if ((r = build_process(o, spec, st, &proc, err)) < 0)
                return r;
        if (proc->terminal && !o->console_socket && o->detach)
                return error_set(
                    err, EINVAL,
                    "cannot allocate a pseudo-TTY without --console-socket when detached");
        if (spec->linux_.seccomp &&
            (r = rt_seccomp_compile_cached(spec->linux_.seccomp, root, &sc, err)) < 0)
                return error_prefix(err, "seccomp");
        if (st->cgroup_path && *st->cgroup_path &&
            (r = rt_cgroup_open(st->cgroup_path, &cg, err)) < 0)
                return r;
        if (proc->terminal && o->console_socket &&
            (console_fd = rt_console_connect(o->console_socket, err)) < 0)
                return console_fd;

        ExecChild a = {
            .proc = proc, .seccomp = sc, .console_fd = console_fd, .preserve_fds = o->preserve_fds};
        for (size_t i = 0; i < ARRAY_SIZE(exec_ns); i++)
                a.ns_fds[i] = -1;
        r = 0;
        for (size_t i = 0; i < ARRAY_SIZE(exec_ns) && r >= 0; i++)
                if (!same_ns(st->pid, exec_ns[i].name) &&
                    (a.ns_fds[i] = open_ns(st->pid, exec_ns[i].name, err)) < 0)
                        r = a.ns_fds[i];
        if (r >= 0 && !same_ns(st->pid, "pid")) {
                own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
                pidns = open_ns(st->pid, "pid", err);
                if (own_pidns < 0 || pidns < 0)
                        r = pidns < 0 ? pidns
                                      : error_set_errno(err, errno, "open /proc/self/ns/pid");
        }
        /* the namespaces are held open now: make sure they were the init's */
        if (r >= 0 && !rt_proc_alive(st->pid, st->pid_start))
                r = error_set(err, ESRCH, "cannot exec in a stopped container");
        int sv[2] = {-1, -1};
        if (r >= 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                r = error_set_errno(err, errno, "create sync socket");
        if (r >= 0 && pidns >= 0 && setns(pidns, CLONE_NEWPID) < 0)
                r = error_set_errno(err, errno, "join the container's pid namespace");
        pid_t pid = -1;
        if (r >= 0) {
                sync_fd = sv[0];
                a.sync_fd = sv[1];
                pid = rt_clone(SIGCHLD);
                if (pid == 0) {
                        close(sv[0]);
                        exec_child(&a);
                }
                if (pid < 0)
                        r = error_set_errno(err, errno, "create the exec process (clone)");
                close(sv[1]);
        }
        if (own_pidns >= 0 && pidns >= 0 && setns(own_pidns, CLONE_NEWPID) < 0)
                log_warn("restore the runtime's pid namespace: %s", strerror(errno));
        for (size_t i = 0; i < ARRAY_SIZE(exec_ns); i++)
                if (a.ns_fds[i] >= 0)
                        close(a.ns_fds[i]);
        if (r < 0)
                return r;
        if (cg && (r = rt_cgroup_add_pid(cg, pid, err)) < 0)
                goto fail;
        if ((r = rt_sync_send(sync_fd, RT_SYNC_GO, 0, NULL)) < 0) {
                r = error_set_errno(err, r, "start the exec process");
                goto fail;
        }
        if ((r = await_exec(sync_fd, &pty_master, spec, st, pid, err)) < 0)
                goto fail;
        if (o->pid_file && (r = rt_write_pid_file(o->pid_file, pid, err)) < 0)
                goto fail;
        if (ret_pid)
                *ret_pid = pid;
        if (o->detach) {
                if (ret_status)
                        *ret_status = 0;
                return 0;
        }
        int status = 0;
        rt_wait_forward(pid, pty_master, &status);
        if (ret_status)
                *ret_status = status;
        return 0;
fail:
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return r;
}
