/* The container lifecycle as a library: what `berth-runtime` runs for each
 * command, and what berth-monitor calls in-process. Every function returns
 * >= 0 or -errno and fills the optional BerthError with one sentence.
 * `root` is the state directory (--root, RT_DEFAULT_ROOT when NULL). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "runtime/spec.h"
#include "runtime/state.h"

typedef struct RtCreateOptions {
        const char *root;
        const char *id;
        const char *bundle;   /* NULL = the current directory */
        const char *pid_file; /* NULL = none */
        const char
            *console_socket; /* required when process.terminal, unless run in the foreground */
        bool no_pivot;
        bool no_new_keyring;
        int preserve_fds; /* fds 3 .. 3+N-1 are passed to the container */
        bool detach;      /* run only: return once the process runs */
        bool keep;        /* run only: do not delete the container after it exits */
} RtCreateOptions;

/* Creates the container: its init is set up and waits on <root>/<id>/exec.fifo
 * for `start`. ret_pid (may be NULL) receives the init's host pid. On failure
 * nothing is left behind (no process, cgroup, mount or state directory). */
int rt_container_create(const RtCreateOptions *o, pid_t *ret_pid, BerthError **err);
/* Lets a created container run its process and waits until it is exec'd; a
 * failure to exec it (or of a startContainer hook) is returned as the init
 * reported it ("exec '/bin/x': No such file or directory"). Then runs the
 * poststart hooks. */
int rt_container_start(const char *root, const char *id, BerthError **err);
/* create + start in one process, without the fifo. With o->detach it returns
 * once the process runs (ret_status = 0, ret_pid set); otherwise it forwards
 * signals, waits, deletes the container and stores the exit status
 * (the code, or 128 + signal) in *ret_status. */
int rt_container_run(const RtCreateOptions *o, pid_t *ret_pid, int *ret_status, BerthError **err);

int rt_container_state(const char *root, const char *id, RtState **ret, BerthError **err);
/* Signals the init, or with all every process in the container's cgroup. */
int rt_container_kill(const char *root, const char *id, int sig, bool all, BerthError **err);
/* Removes a stopped (or, with force, any) container: kills what is left,
 * destroys the cgroup, runs poststop hooks, removes the state directory. */
int rt_container_delete(const char *root, const char *id, bool force, BerthError **err);
int rt_container_pause(const char *root, const char *id, BerthError **err);
int rt_container_resume(const char *root, const char *id, BerthError **err);
/* The pids (host view) of every process of the container. */
int rt_container_pids(const char *root, const char *id, pid_t **ret, size_t *ret_n,
                      BerthError **err);
/* Every container under root, sorted by id; states whose file cannot be
 * read are skipped. */
int rt_container_list(const char *root, RtState ***ret, size_t *ret_n, BerthError **err);

typedef struct RtExecOptions {
        const char *root;
        const char *id;
        const char *process_path; /* --process process.json; NULL = from args + config */
        char **args;              /* used without process_path */
        bool tty;
        bool tty_set; /* -t was given (overrides process.json) */
        const char *console_socket;
        char **env; /* appended to the config's env */
        const char *cwd;
        const char *user; /* "user[:group]": numbers, or names in the container */
        char **caps;      /* added to every set */
        char **additional_gids;
        bool no_new_privs;
        bool detach;
        const char *pid_file;
        int preserve_fds;
} RtExecOptions;

/* Runs a process in a running container. Without detach it waits and stores
 * the exit status (code, or 128 + signal) in *ret_status. */
int rt_container_exec(const RtExecOptions *o, pid_t *ret_pid, int *ret_status, BerthError **err);

/* `update`: applies res to the cgroup of a running, paused or created
 * container (device rules are not changed: res->devices is ignored). Only
 * the fields that are set are written. */
int rt_container_update(const char *root, const char *id, const RtResources *res, BerthError **err);
/* `events --stats`: the container's cgroup usage (see rt_cgroup_stats). */
int rt_container_stats(const char *root, const char *id, json_t **ret, BerthError **err);
/* How many times the OOM killer struck in the container's cgroup. */
int rt_container_oom_kills(const char *root, const char *id, uint64_t *ret, BerthError **err);

/* The OCI "features" document (runtime-spec features.md): hooks, mount
 * options, namespaces the kernel has, capabilities, cgroup and seccomp
 * support. Caller owns the reference. */
json_t *rt_features(void);

/* CVE-2019-5736: call first thing in main() of a program that runs `exec`
 * (see container_exe.c and container_child.c). It re-executes the program
 * from a sealed memfd once, so that /proc/PID/exe of any process it forks
 * never leads back to a writable host binary. Returns only on failure or
 * when already sealed. */
int rt_ensure_sealed_exe(int argc, char **argv, char **envp);
/* The same for programs that look for files next to their own binary (berthd
 * finds berth-monitor and berth-init there): the memfd is called name, the
 * binary's path on disk crosses the re-execution in the environment (which
 * the sealed copy clears again) and comes back in *ret_origin, to be freed;
 * NULL when the program was started sealed by someone else. The process also
 * gets its command name (comm) back from that path. */
int rt_ensure_sealed_exe_origin(char **argv, char **envp, const char *name, char **ret_origin);
