/* Private to the cgroup files: the hierarchy model, file helpers shared by
 * the v1 and v2 back ends, and test seams (never used outside tests). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/statfs.h>

#include "runtime/cgroup.h"

/* One mounted hierarchy and the container's directory in it. */
typedef struct RtCgHier {
        char *mount;       /* absolute mount point */
        char *mount_root;  /* the hierarchy directory mounted there ("/" usually) */
        char *controllers; /* "cpu,cpuacct", "name=systemd"; v2: from cgroup.controllers */
        bool v2;           /* a cgroup2 mount (unified, or the hybrid one) */
        bool optional;     /* the hybrid cgroup2 mount: best effort */
        char *dir;         /* mount + container path */
        int created;       /* trailing path components we created (0: none) */
} RtCgHier;

struct RtCgroup {
        RtCgroupMode mode;
        char *path; /* "/berth/<id>" */
        RtCgHier *h;
        size_t n;
};

const char *rt_cg_fs_root(void);
const char *rt_cg_self_cgroup_file(void);
/* "/a//b/./c/" -> "/a/b/c"; refuses relative paths and "..". */
int rt_cg_normalize(const char *in, char **ret, BerthError **err);

/* The hierarchies of the host under the fs root, without container dirs. */
int rt_cg_discover(RtCgroupMode *ret_mode, RtCgHier **ret_h, size_t *ret_n, BerthError **err);
void rt_cg_hiers_free(RtCgHier *h, size_t n);

/* The v1 hierarchy holding controller (or "name=systemd"); in unified mode the
 * single cgroup2 hierarchy. NULL when not mounted. */
RtCgHier *rt_cg_hier_for(const RtCgroup *cg, const char *controller);
/* The hybrid host's cgroup2 hierarchy, or NULL. */
RtCgHier *rt_cg_hier_hybrid(const RtCgroup *cg);
bool rt_cg_controller_listed(const char *list, const char *controller, char sep);

/* Writes value to <dir>/<file>. Error: "cgroup: write 'v' to file: cause". */
int rt_cg_write(const char *dir, const char *file, const char *value, BerthError **err);
int rt_cg_writef(const char *dir, const char *file, BerthError **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Reads <dir>/<file>, trailing whitespace stripped. */
int rt_cg_read(const char *dir, const char *file, char **ret, BerthError **err);
bool rt_cg_file_exists(const char *dir, const char *file);
/* Finds "key N" in a flat-keyed file (memory.events, memory.oom_control). */
int rt_cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *ret,
                     BerthError **err);

/* Back ends: apply resources to the container's directory. */
int rt_cg_v1_apply(RtCgroup *cg, const RtResources *res, BerthError **err);
int rt_cg_v2_apply(RtCgroup *cg, const RtResources *res, BerthError **err);
/* v1 cpuset: copy cpuset.cpus/mems down from the parent where empty, for
 * every directory from the hierarchy root to the leaf. */
int rt_cg_v1_cpuset_init(RtCgHier *h, const char *path, BerthError **err);
/* v2: enable the controllers the leaf needs in each ancestor's
 * cgroup.subtree_control (only those listed in cgroup.controllers). */
int rt_cg_v2_enable_controllers(RtCgHier *h, const char *path, const char *const *wanted,
                                BerthError **err);

/* The v2 device filter: builds the eBPF program for the rules (last match
 * wins; no match: deny) and attaches it to the cgroup directory, replacing
 * programs attached before. */
int rt_cg_bpf_devices_attach(const char *dir, const RtDeviceRule *rules, size_t n,
                             BerthError **err);

/* The instructions of the device program, for tests. Caller frees. */
struct bpf_insn;
int rt_cg_bpf_devices_program(const RtDeviceRule *rules, size_t n, struct bpf_insn **ret,
                              size_t *ret_n, BerthError **err);

/* Test seams. */
typedef int (*RtCgStatfsFn)(const char *path, struct statfs *buf);
typedef void (*RtCgWriteHook)(const char *path, const char *value, void *userdata);
void rt_cgroup_test_set_statfs(RtCgStatfsFn fn);
/* NULL restores /proc/self/mountinfo and /proc/self/cgroup. */
void rt_cgroup_test_set_proc_files(const char *mountinfo, const char *self_cgroup);
void rt_cgroup_test_set_write_hook(RtCgWriteHook fn, void *userdata);
/* Called after each directory we create: a fake tree fills in the knob files
 * that the kernel would provide. */
typedef void (*RtCgMkdirHook)(const char *dir, void *userdata);
void rt_cgroup_test_set_mkdir_hook(RtCgMkdirHook fn, void *userdata);
/* Replaces rmdir(2): a fake tree's knob files are real and must go too. */
typedef int (*RtCgRmdirFn)(const char *path);
void rt_cgroup_test_set_rmdir(RtCgRmdirFn fn);
/* Polling limits for freeze and destroy (milliseconds). */
extern int rt_cg_settle_timeout_ms;
