/* Shared between the parent (create, exec) and the code that runs in the
 * cloned child. Not part of the public API (container.h). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/cleanup.h"
#include "runtime/cgroup.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"

DEFINE_CLEANUP(RtCgroup, rt_cgroup_free)
DEFINE_CLEANUP(RtSeccompProgram, rt_seccomp_program_free)

/* What the container init needs, prepared by the parent before clone();
 * the child reads its copy of the parent's memory. */
typedef struct RtChildArgs {
        const RtSpec *spec;
        const RtProcess *proc;
        const char *rootfs;
        const RtSeccompProgram *seccomp; /* NULL = none */
        int sync_fd;                     /* child end of the sync socket */
        int fifo_fd;                     /* exec.fifo opened O_RDWR; -1 for run */
        int status_fd;      /* exec.status fifo O_RDWR: a failure after start; -1 for run */
        int console_fd;     /* connected --console-socket; -1 */
        bool pty_to_parent; /* terminal without console socket (run in foreground) */
        int preserve_fds;
        bool no_pivot;
        bool no_new_keyring;
        int userns_fd;        /* join this user namespace first; -1 */
        int mntns_fd;         /* join this mount namespace; -1 */
        int timens_fd;        /* join this time namespace; -1 */
        const int *idmap_fds; /* per spec mount: detached idmapped tree, or -1; NULL: none */
        bool new_timens;      /* unshare a time namespace with linux.timeOffsets */
        int unshare_flags; /* created by unshare() in the child (user ns joined by path, cgroup) */
        bool new_userns;
        bool has_hooks_in_parent; /* createRuntime/prestart: stop for the parent */
} RtChildArgs;

/* The container init, after clone(). Never returns. */
_Noreturn void rt_child_main(RtChildArgs *a);

/* Building blocks of the container process, shared by init and exec. Each
 * fills err with a sentence; sync_fd receives warnings. */
int rt_proc_set_rlimits(const RtProcess *p, int sync_fd, BerthError **err);
int rt_proc_set_oom_score_adj(const RtProcess *p, BerthError **err);
/* no_new_privs, caps, groups, gid, uid, umask; seccomp when no_new_privs is
 * off (loading then needs CAP_SYS_ADMIN, so before the switch of user). */
int rt_proc_set_identity(const RtProcess *p, const RtSeccompProgram *sc, int sync_fd,
                         BerthError **err);
/* SCMP_ACT_NOTIFY: hands the listener fd received from the child to the
 * agent at linux.seccomp.listenerPath, with the container process state
 * (runtime-spec: ociVersion, fds ["seccompFd"], pid, metadata, state). */
int rt_seccomp_notify_send(const RtSeccomp *cfg, int listener_fd, pid_t pid, const char *state_json,
                           BerthError **err);
int rt_proc_chdir(const RtProcess *p, BerthError **err);
/* execvpe's search with the container's PATH; ret is the path to exec. */
int rt_proc_resolve_exec(const RtProcess *p, char **ret, BerthError **err);
/* CVE-2024-21626: fds 3..3+preserve-1 stay open (CLOEXEC cleared), every
 * other fd above 2 gets CLOEXEC, so exec leaves only those. *keep (n of
 * them) are moved above the preserved range when needed. */
int rt_proc_prepare_fds(int preserve_fds, int **keep, size_t n, BerthError **err);
/* The common tail of init and exec: terminal (or setsid), closes
 * *console_fd, identity, cwd, finds the binary and closes the fds the
 * process must not see (keeping *keep). */
int rt_proc_enter(const RtProcess *p, const RtSeccompProgram *sc, int sync_fd, int *console_fd,
                  int preserve_fds, int **keep, size_t n_keep, char **ret_exec, BerthError **err);
/* Opens a pty in the container's /dev/pts, sends the master to console_fd
 * (the runc protocol: SCM_RIGHTS + name) or to the parent over sync_fd,
 * and makes the slave the controlling terminal and stdio. */
int rt_terminal_setup(const RtProcess *p, int console_fd, int sync_fd, BerthError **err);
/* Copies between our stdio and a pty master until the master hangs up. */
int rt_terminal_proxy(int master, pid_t child);
/* Connects to a console socket path. */
int rt_console_connect(const char *path, BerthError **err);

/* exec.status: a fifo in the state directory that the init holds open for
 * writing (O_CLOEXEC) from create until its execve. `start` opens it for
 * reading before it signals exec.fifo and then reads until EOF: nothing
 * means the execve succeeded, else one sync message (code + sentence). */
int rt_exec_status_open(const char *root, const char *id, BerthError **err);
/* Child side: writes e to fd; -EBADF when fd < 0. */
int rt_exec_status_report(int fd, const BerthError *e);
/* start side: fd (O_RDONLY) is read to EOF; a reported failure becomes *err. */
int rt_exec_status_wait(int fd, BerthError **err);

/* Writes one map ("uid_map" or "gid_map") of pid's user namespace. */
int rt_userns_write_map(pid_t pid, const char *file, const RtIdMap *m, size_t n, BerthError **err);
/* Writes uid_map/gid_map of pid. */
int rt_userns_write_maps(pid_t pid, const RtSpec *spec, BerthError **err);

/* Forwards the
 * common signals to pid (and copies a pty when pty_master >= 0), waits for it
 * and stores its exit code (or 128 + signal). */
int rt_wait_forward(pid_t pid, int pty_master, int *ret_status);
/* Writes the pid file atomically. */
int rt_write_pid_file(const char *path, pid_t pid, BerthError **err);
/* clone() as fork with namespace flags (no new stack). */
pid_t rt_clone(unsigned long flags);
