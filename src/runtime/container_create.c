/* create, start and run: the parent side of the container init's life.
 * One clone() makes the init with every namespace it needs (no re-exec, no
 * intermediate process); namespaces given by path are joined by the parent
 * just around the clone (net, ipc, uts, pid, cgroup) or by the child (user
 * first, mount). The parent then writes the id maps, creates the cgroup,
 * runs createRuntime hooks when the child asks, and records the state. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
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
#include "runtime/rootfs.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"
#include "runtime/sync.h"

pid_t rt_clone(unsigned long flags)
{
        return (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
}

int rt_write_pid_file(const char *path, pid_t pid, BerthError **err)
{
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
        /* a relative pid file is relative to where we were started */
        return write_file_replace(path, buf, (size_t)n, 0644, err);
}

typedef struct CreateCtx {
        RtSpec *spec;
        RtSeccompProgram *seccomp;
        const char *root;
        char *dir;
        bool dir_made;
        int sync_fd;
        int pty_master;
        pid_t pid;
        RtCgroup *cg;
        RtState *state;
} CreateCtx;

static void ctx_done(CreateCtx *c)
{
        if (c->sync_fd >= 0)
                close(c->sync_fd);
        if (c->pty_master >= 0)
                close(c->pty_master);
        rt_cgroup_free(c->cg);
        rt_state_free(c->state);
        rt_seccomp_program_free(c->seccomp);
        rt_spec_free(c->spec);
        free(c->dir);
        *c = (CreateCtx){.sync_fd = -1, .pty_master = -1};
}

/* After a failure: nothing of the container may remain. */
static void ctx_abort(CreateCtx *c)
{
        if (c->pid > 0) {
                kill(c->pid, SIGKILL);
                while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                c->pid = 0;
        }
        if (c->cg) {
                BerthError *e = NULL;
                if (rt_cgroup_destroy(c->cg, &e) < 0)
                        log_warn("%s", e && e->message ? e->message : "remove cgroup");
                error_free(e);
        }
        if (c->dir_made) {
                BerthError *e = NULL;
                if (rm_rf(c->dir, &e) < 0)
                        log_warn("%s", e && e->message ? e->message : "remove state directory");
                error_free(e);
                c->dir_made = false;
        }
}

static char *state_json_text(const RtState *st)
{
        json_t *j = rt_state_public_json(st, false);
        char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        return s;
}

static json_t *annotations_json(const RtSpec *spec)
{
        json_t *o = json_object();
        for (size_t i = 0; o && i < spec->n_annotations; i++)
                json_object_set_new(
                    o, spec->annotations[i].key,
                    json_string(spec->annotations[i].value ? spec->annotations[i].value : ""));
        return o;
}

static int run_hooks(const RtSpec *spec, RtHookStage stage, RtState *st, BerthError **err)
{
        if (spec->hooks[stage].n == 0)
                return 0;
        _cleanup_free_ char *text = state_json_text(st);
        if (!text)
                return error_set(err, ENOMEM, "out of memory");
        int r = rt_hooks_run(spec, stage, text, err);
        if (r < 0)
                return r; /* rt_hooks_run names the stage and the hook */
        return 0;
}

/* Namespaces joined by the parent around clone(): our own is saved and
 * restored right after, so the runtime's view never changes for long. */
typedef struct NsJoin {
        int type; /* CLONE_NEW* */
        int target_fd;
        int saved_fd;
} NsJoin;

static void ns_restore(NsJoin *j, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (j[i].saved_fd >= 0) {
                        if (setns(j[i].saved_fd, j[i].type) < 0)
                                log_warn("restore the runtime's namespace: %s", strerror(errno));
                        close(j[i].saved_fd);
                }
                if (j[i].target_fd >= 0)
                        close(j[i].target_fd);
        }
}

static int open_ns_path(const RtNamespace *ns, BerthError **err)
{
        int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open %s namespace '%s'",
                                       rt_ns_type_name(ns->type), ns->path);
        return fd;
}

typedef struct NsPlan {
        unsigned long clone_flags;
        int unshare_flags;
        bool new_userns;
        bool new_timens;
        int userns_fd;
        int mntns_fd;
        int timens_fd;
        NsJoin joins[RT_NS_COUNT];
        size_t n_joins;
} NsPlan;

static void ns_plan_done(NsPlan *p)
{
        if (p->userns_fd >= 0)
                close(p->userns_fd);
        if (p->mntns_fd >= 0)
                close(p->mntns_fd);
        if (p->timens_fd >= 0)
                close(p->timens_fd);
        p->userns_fd = p->mntns_fd = p->timens_fd = -1;
}

static int ns_plan(const RtSpec *spec, NsPlan *p, BerthError **err)
{
        *p = (NsPlan){.userns_fd = -1, .mntns_fd = -1, .timens_fd = -1};
        const RtNamespace *user = rt_spec_find_ns(spec, RT_NS_USER);
        bool join_user = user && user->path;
        if (!rt_spec_find_ns(spec, RT_NS_MOUNT))
                return error_set(err, EINVAL,
                                 "config.json: linux.namespaces: a mount namespace is required");
        for (size_t i = 0; i < spec->linux_.n_namespaces; i++) {
                const RtNamespace *ns = &spec->linux_.namespaces[i];
                int flag = rt_ns_clone_flag(ns->type);
                if (ns->type == RT_NS_TIME && access("/proc/self/ns/time", F_OK) < 0)
                        return error_set(err, EOPNOTSUPP,
                                         "config.json: linux.namespaces: this kernel has no time "
                                         "namespace (/proc/self/ns/time)");
                if (ns->path && *ns->path) {
                        int fd = open_ns_path(ns, err);
                        if (fd < 0)
                                return fd;
                        if (ns->type == RT_NS_USER)
                                p->userns_fd = fd;
                        else if (ns->type == RT_NS_MOUNT)
                                p->mntns_fd = fd;
                        else if (ns->type == RT_NS_TIME)
                                p->timens_fd = fd; /* joined by the child */
                        else
                                p->joins[p->n_joins++] = (NsJoin){flag, fd, -1};
                        continue;
                }
                if (ns->type == RT_NS_USER) {
                        p->new_userns = true;
                        p->clone_flags |= CLONE_NEWUSER;
                } else if (ns->type == RT_NS_TIME) {
                        /* clone() has no bit for it: the child unshares, sets
                         * the offsets, then joins it */
                        p->new_timens = true;
                } else if (ns->type == RT_NS_CGROUP) {
                        /* after the init is in its cgroup, so that it is the root */
                        p->unshare_flags |= CLONE_NEWCGROUP;
                } else if (join_user && ns->type != RT_NS_PID) {
                        /* must be owned by the joined user namespace */
                        p->unshare_flags |= flag;
                } else {
                        p->clone_flags |= (unsigned long)flag;
                }
        }
        return 0;
}

static int ns_join_parent(NsPlan *p, BerthError **err)
{
        static const struct {
                int flag;
                const char *name;
        } own[] = {{CLONE_NEWNET, "net"},
                   {CLONE_NEWIPC, "ipc"},
                   {CLONE_NEWUTS, "uts"},
                   {CLONE_NEWPID, "pid"},
                   {CLONE_NEWCGROUP, "cgroup"}};
        for (size_t i = 0; i < p->n_joins; i++) {
                NsJoin *j = &p->joins[i];
                const char *name = NULL;
                for (size_t k = 0; k < ARRAY_SIZE(own); k++)
                        if (own[k].flag == j->type)
                                name = own[k].name;
                char path[64];
                snprintf(path, sizeof(path), "/proc/self/ns/%s", name ? name : "?");
                j->saved_fd = open(path, O_RDONLY | O_CLOEXEC);
                if (j->saved_fd < 0)
                        return error_set_errno(err, errno, "open %s", path);
                if (setns(j->target_fd, j->type) < 0)
                        return error_set_errno(err, errno, "join the %s namespace given by path",
                                               name ? name : "?");
        }
        return 0;
}

static bool has_parent_hooks(const RtSpec *spec)
{
        return spec->hooks[RT_HOOK_PRESTART].n > 0 || spec->hooks[RT_HOOK_CREATE_RUNTIME].n > 0;
}

static int resolve_rootfs(const RtSpec *spec, const char *bundle, char **ret, BerthError **err)
{
        const char *rp = spec->root.path ? spec->root.path : "rootfs";
        _cleanup_free_ char *joined = NULL;
        if (rp[0] != '/' && asprintf(&joined, "%s/%s", bundle, rp) < 0)
                return error_set(err, ENOMEM, "out of memory");
        char *real = realpath(joined ? joined : rp, NULL);
        if (!real)
                return error_set_errno(err, errno, "rootfs '%s'", joined ? joined : rp);
        *ret = real;
        return 0;
}

/* Reads the child's messages until it is ready: warnings, the pty master,
 * the request to run createRuntime hooks, or its failure. */
static int await_ready(CreateCtx *c, BerthError **err)
{
        for (;;) {
                RtSyncMsg m;
                int r = rt_sync_recv(c->sync_fd, &m);
                if (r == -ECONNRESET) {
                        int status = 0;
                        if (waitpid(c->pid, &status, 0) == c->pid) {
                                c->pid = 0;
                                if (WIFSIGNALED(status))
                                        return error_set(err, ECHILD,
                                                         "container init was killed by signal %d "
                                                         "during setup",
                                                         WTERMSIG(status));
                        }
                        return error_set(err, ECHILD, "container init exited during setup");
                }
                if (r < 0)
                        return error_set_errno(err, r, "read from the container init");
                switch (m.type) {
                case RT_SYNC_WARN:
                        log_warn("%s", m.data);
                        break;
                case RT_SYNC_ERROR:
                        r = error_set(err, m.code ? m.code : EIO, "%s", m.data);
                        rt_sync_msg_done(&m);
                        return r;
                case RT_SYNC_PTY:
                        if (c->pty_master >= 0)
                                close(c->pty_master);
                        c->pty_master = TAKE_FD(m.fd);
                        break;
                case RT_SYNC_HOOKS:
                        rt_sync_msg_done(&m);
                        if ((r = run_hooks(c->spec, RT_HOOK_PRESTART, c->state, err)) < 0 ||
                            (r = run_hooks(c->spec, RT_HOOK_CREATE_RUNTIME, c->state, err)) < 0)
                                return r;
                        if ((r = rt_sync_send(c->sync_fd, RT_SYNC_HOOKS_DONE, 0, NULL)) < 0)
                                return error_set_errno(err, r, "resume the container init");
                        continue;
                case RT_SYNC_SECCOMP: {
                        _cleanup_free_ char *text = state_json_text(c->state);
                        r = rt_seccomp_notify_send(c->spec->linux_.seccomp, m.fd, c->pid, text,
                                                   err);
                        rt_sync_msg_done(&m);
                        if (r < 0)
                                return r;
                        continue;
                }
                case RT_SYNC_READY:
                        rt_sync_msg_done(&m);
                        return 0;
                default:
                        r = error_set(err, EPROTO,
                                      "unexpected message '%s' from the container init",
                                      rt_sync_type_name(m.type));
                        rt_sync_msg_done(&m);
                        return r;
                }
                rt_sync_msg_done(&m);
        }
}

static int new_state(CreateCtx *c, const char *id, const char *bundle, const char *rootfs,
                     BerthError **err)
{
        RtState *st = calloc(1, sizeof(*st));
        c->state = st;
        char created[48];
        rt_now_rfc3339(created, sizeof(created));
        if (!st || !(st->id = strdup(id)) || !(st->bundle = strdup(bundle)) ||
            !(st->rootfs = strdup(rootfs)) || !(st->created = strdup(created)) ||
            !(st->owner = strdup("")) || !(st->cgroup_path = strdup(rt_cgroup_get_path(c->cg))) ||
            !(st->annotations = annotations_json(c->spec)))
                return error_set(err, ENOMEM, "out of memory");
        st->pid = c->pid;
        int r = rt_proc_start_time(c->pid, &st->pid_start);
        if (r < 0)
                return error_set_errno(err, r, "read the start time of pid %d", (int)c->pid);
        st->status = RT_STATUS_CREATING;
        return 0;
}

/* The device rules the container gets: the config's, then (when it has
 * any) the devices every container needs and its linux.devices, as runc
 * does, so that a config denying everything still has /dev/null, the pty
 * devices... Later rules win. *ret points into res or into *ret_owned. */
static int effective_resources(const RtSpec *spec, RtResources *copy, RtDeviceRule **ret_owned,
                               const RtResources **ret, BerthError **err)
{
        static const struct {
                char type;
                int64_t major, minor;
        } defaults[] = {
            {'c', 1, 3},    {'c', 1, 5}, {'c', 1, 7},
            {'c', 1, 8},    {'c', 1, 9},              /* null zero full random urandom */
            {'c', 5, 0},    {'c', 5, 1}, {'c', 5, 2}, /* tty console ptmx */
            {'c', 136, -1},                           /* the ptys */
        };
        *ret_owned = NULL;
        *ret = spec->linux_.has_resources ? &spec->linux_.resources : NULL;
        if (!*ret || spec->linux_.resources.n_devices == 0)
                return 0;
        const RtResources *res = &spec->linux_.resources;
        size_t n = res->n_devices + ARRAY_SIZE(defaults) + spec->linux_.n_devices;
        RtDeviceRule *rules = calloc(n, sizeof(*rules));
        if (!rules)
                return error_set(err, ENOMEM, "out of memory");
        size_t k = 0;
        for (size_t i = 0; i < res->n_devices; i++)
                rules[k++] = res->devices[i];
        for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
                rules[k++] = (RtDeviceRule){.allow = true,
                                            .type = defaults[i].type,
                                            .major = defaults[i].major,
                                            .minor = defaults[i].minor,
                                            .access = (char *)"rwm"};
        for (size_t i = 0; i < spec->linux_.n_devices; i++) {
                const RtDevice *d = &spec->linux_.devices[i];
                if (d->type != 'c' && d->type != 'b' && d->type != 'u')
                        continue;
                rules[k++] = (RtDeviceRule){.allow = true,
                                            .type = d->type == 'u' ? 'c' : d->type,
                                            .major = d->major,
                                            .minor = d->minor,
                                            .access = (char *)"rwm"};
        }
        *copy = *res;
        copy->devices = rules;
        copy->n_devices = k;
        *ret_owned = rules;
        *ret = copy;
        return 0;
}

static int create_container(const RtCreateOptions *o, bool for_run, CreateCtx *c, BerthError **err)
{
        _cleanup_free_ char *bundle = NULL;
        _cleanup_free_ char *rootfs = NULL;
        _cleanup_free_ char *fifo = NULL;
        _cleanup_free_ char *cg_path = NULL;
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fifo_fd = -1;
        _cleanup_close_ int status_fd = -1;
        int *idmap_fds = NULL;
        _cleanup_close_ int console_fd = -1;
        NsPlan plan = {.userns_fd = -1, .mntns_fd = -1, .timens_fd = -1};
        RtResources res_copy;
        _cleanup_free_ RtDeviceRule *rules = NULL;
        const RtResources *res = NULL;
        int r;

        *c = (CreateCtx){.sync_fd = -1, .pty_master = -1};
        c->root = o->root ? o->root : RT_DEFAULT_ROOT;
        if ((r = rt_id_validate(o->id, err)) < 0)
                return r;
        bundle = realpath(o->bundle ? o->bundle : ".", NULL);
        if (!bundle)
                return error_set_errno(err, errno, "bundle '%s'", o->bundle ? o->bundle : ".");
        if ((r = rt_spec_load(bundle, &c->spec, err)) < 0 ||
            (r = rt_spec_validate(c->spec, err)) < 0)
                return r;
        const RtSpec *spec = c->spec;
        if (!spec->process)
                return error_set(err, EINVAL,
                                 "config.json: process: required to create a container");
        const RtProcess *proc = spec->process;
        bool pty_to_parent = false;
        if (proc->terminal && !o->console_socket) {
                if (!for_run || o->detach)
                        return error_set(err, EINVAL,
                                         "process.terminal is set: a --console-socket is needed to "
                                         "hand out the pty when detached");
                pty_to_parent = true;
        }
        if ((r = resolve_rootfs(spec, bundle, &rootfs, err)) < 0)
                return r;
        if (spec->linux_.seccomp &&
            (r = rt_seccomp_compile_cached(spec->linux_.seccomp, c->root, &c->seccomp, err)) < 0)
                return error_prefix(err, "seccomp");
        if ((r = ns_plan(spec, &plan, err)) < 0)
                goto fail;

        /* From here on, every failure must undo what was made. */
        if ((r = mkdir_p(c->root, 0711, err)) < 0)
                goto fail;
        c->dir = rt_state_dir(c->root, o->id);
        if (!c->dir) {
                r = error_set(err, ENOMEM, "out of memory");
                goto fail;
        }
        if (mkdir(c->dir, 0711) < 0) {
                r = errno == EEXIST ? error_set(err, EEXIST, "container '%s' already exists", o->id)
                                    : error_set_errno(err, errno, "create '%s'", c->dir);
                goto fail;
        }
        c->dir_made = true;
        if (!for_run) {
                fifo = rt_state_file(c->root, o->id, "exec.fifo");
                if (!fifo || mkfifo(fifo, 0600) < 0) {
                        r = error_set_errno(err, fifo ? errno : ENOMEM, "create exec fifo");
                        goto fail;
                }
                /* O_RDWR never blocks; the init reads it until `start` writes */
                fifo_fd = open(fifo, O_RDWR | O_CLOEXEC);
                if (fifo_fd < 0) {
                        r = error_set_errno(err, errno, "open '%s'", fifo);
                        goto fail;
                }
                status_fd = rt_exec_status_open(c->root, o->id, err);
                if (status_fd < 0) {
                        r = status_fd;
                        goto fail;
                }
        }
        if (proc->terminal && o->console_socket) {
                console_fd = rt_console_connect(o->console_socket, err);
                if (console_fd < 0) {
                        r = console_fd;
                        goto fail;
                }
        }
        if ((r = rt_rootfs_idmap_prepare(spec, &idmap_fds, err)) < 0)
                goto fail;
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
                r = error_set_errno(err, errno, "create sync socket");
                goto fail;
        }
        c->sync_fd = sv[0];
        RtChildArgs args = {
            .spec = spec,
            .proc = proc,
            .rootfs = rootfs,
            .seccomp = c->seccomp,
            .sync_fd = sv[1],
            .fifo_fd = fifo_fd,
            .status_fd = status_fd,
            .console_fd = console_fd,
            .pty_to_parent = pty_to_parent,
            .preserve_fds = o->preserve_fds,
            .no_pivot = o->no_pivot,
            .no_new_keyring = o->no_new_keyring,
            .userns_fd = plan.userns_fd,
            .mntns_fd = plan.mntns_fd,
            .timens_fd = plan.timens_fd,
            .idmap_fds = idmap_fds,
            .new_timens = plan.new_timens,
            .unshare_flags = plan.unshare_flags,
            .new_userns = plan.new_userns,
            .has_hooks_in_parent = has_parent_hooks(spec),
        };
        /* The cgroup path first, in our own namespaces. Finding the host's
         * hierarchies reads mountinfo; rt_cg_discover keeps the answer, and
         * the child inherits it for its cgroup mount, as does
         * rt_cgroup_create below: one read instead of three. */
        RtCgroupMode cg_mode;
        if ((r = rt_cgroup_detect(&cg_mode, err)) < 0 ||
            (r = rt_cgroup_path_for(spec->linux_.cgroups_path, o->id, &cg_path, err)) < 0) {
                close(sv[1]);
                goto fail;
        }
        if ((r = ns_join_parent(&plan, err)) < 0) {
                close(sv[1]);
                goto fail;
        }
        pid_t pid = rt_clone(plan.clone_flags | SIGCHLD);
        if (pid == 0) {
                close(sv[0]);
                rt_child_main(&args);
        }
        int clone_errno = errno;
        rt_rootfs_idmap_done(idmap_fds, spec->n_mounts); /* the child has its copies */
        idmap_fds = NULL;
        ns_restore(plan.joins, plan.n_joins);
        plan.n_joins = 0;
        ns_plan_done(&plan);
        close(sv[1]);
        if (pid < 0) {
                r = error_set_errno(err, clone_errno, "create the container process (clone)");
                goto fail;
        }
        c->pid = pid;

        if (plan.new_userns && (r = rt_userns_write_maps(pid, spec, err)) < 0)
                goto fail;
        if ((r = effective_resources(spec, &res_copy, &rules, &res, err)) < 0 ||
            (r = rt_cgroup_create(cg_path, res, pid, &c->cg, err)) < 0)
                goto fail;
        if ((r = new_state(c, o->id, bundle, rootfs, err)) < 0)
                goto fail;
        text = state_json_text(c->state);
        if (!text) {
                r = error_set(err, ENOMEM, "out of memory");
                goto fail;
        }
        if ((r = rt_sync_send(c->sync_fd, RT_SYNC_GO, 0, text)) < 0) {
                r = error_set_errno(err, r, "start the container setup");
                goto fail;
        }
        if ((r = await_ready(c, err)) < 0)
                goto fail;
        c->state->status = RT_STATUS_CREATED;
        if ((r = rt_state_save(c->root, c->state, err)) < 0)
                goto fail;
        if (o->pid_file && (r = rt_write_pid_file(o->pid_file, pid, err)) < 0)
                goto fail;
        return 0;

fail:
        rt_rootfs_idmap_done(idmap_fds, c->spec ? c->spec->n_mounts : 0);
        ns_restore(plan.joins, plan.n_joins);
        ns_plan_done(&plan);
        ctx_abort(c);
        return r;
}

int rt_container_create(const RtCreateOptions *o, pid_t *ret_pid, BerthError **err)
{
        CreateCtx c;
        int r = create_container(o, false, &c, err);
        if (r >= 0 && ret_pid)
                *ret_pid = c.pid;
        ctx_done(&c);
        return r;
}

static int delete_after_run(CreateCtx *c)
{
        BerthError *e = NULL;
        c->state->status = RT_STATUS_STOPPED;
        if (run_hooks(c->spec, RT_HOOK_POSTSTOP, c->state, &e) < 0)
                log_warn("%s", e->message);
        error_free(e);
        c->pid = 0; /* reaped already */
        ctx_abort(c);
        return 0;
}

int rt_container_run(const RtCreateOptions *o, pid_t *ret_pid, int *ret_status, BerthError **err)
{
        CreateCtx c;
        int r = create_container(o, true, &c, err);
        if (r < 0) {
                ctx_done(&c);
                return r;
        }
        if ((r = rt_sync_send(c.sync_fd, RT_SYNC_START, 0, NULL)) < 0) {
                r = error_set_errno(err, r, "start the container");
                goto fail;
        }
        /* The init's end of the socket closes on exec (CLOEXEC): EOF means
         * its program runs; a message means it could not. */
        RtSyncMsg m;
        r = rt_sync_recv(c.sync_fd, &m);
        if (r >= 0) {
                r = error_set(err, m.type == RT_SYNC_ERROR && m.code ? m.code : EIO, "%s",
                              m.type == RT_SYNC_ERROR ? m.data : "unexpected message");
                rt_sync_msg_done(&m);
                goto fail;
        }
        close(TAKE_FD(c.sync_fd));
        c.state->status = RT_STATUS_RUNNING;
        /* runtime-spec: a failing poststart hook is a warning only */
        BerthError *e = NULL;
        if (run_hooks(c.spec, RT_HOOK_POSTSTART, c.state, &e) < 0)
                log_warn("%s", e && e->message ? e->message : "poststart hook failed");
        error_free(e);
        if (ret_pid)
                *ret_pid = c.pid;
        if (o->detach) {
                if (ret_status)
                        *ret_status = 0;
                ctx_done(&c);
                return 0;
        }
        int status = 0;
        rt_wait_forward(c.pid, c.pty_master, &status);
        if (ret_status)
                *ret_status = status;
        if (o->keep) {
                ctx_done(&c);
                return 0;
        }
        delete_after_run(&c);
        ctx_done(&c);
        return 0;
fail:
        ctx_abort(&c);
        ctx_done(&c);
        return r;
}
