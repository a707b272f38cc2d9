/* The OCI runtime-spec config.json (1.0.x / 1.1) for Linux, parsed into plain
 * C structs. Every other part of the runtime reads these structs and never the
 * JSON. Parsing validates types and required fields and names the offending
 * field in its error: "config.json: process.args: expected a non-empty array".
 *
 * Conventions: strings are owned (char *), NULL when absent; arrays come with
 * an n_ count; optional numbers use RtOpt (set = present in the JSON). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

typedef struct RtOpt {
        bool set;
        int64_t value;
} RtOpt;

typedef struct RtKeyValue {
        char *key;
        char *value;
} RtKeyValue;

typedef enum RtNsType {
        RT_NS_PID = 0,
        RT_NS_NETWORK,
        RT_NS_MOUNT,
        RT_NS_IPC,
        RT_NS_UTS,
        RT_NS_USER,
        RT_NS_CGROUP,
        RT_NS_TIME,
        RT_NS_COUNT,
} RtNsType;

typedef struct RtNamespace {
        RtNsType type;
        char *path; /* join this namespace; NULL = create a new one */
} RtNamespace;

typedef struct RtIdMap {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
} RtIdMap;

typedef struct RtMount {
        char *destination; /* absolute path inside the container */
        char *type;        /* NULL for bind mounts given only by options */
        char *source;
        char **options;        /* NULL-terminated, as written in the config */
        RtIdMap *uid_mappings; /* idmapped mounts (1.1); parsed, may be unsupported */
        size_t n_uid_mappings;
        RtIdMap *gid_mappings;
        size_t n_gid_mappings;
} RtMount;

typedef struct RtRlimit {
        int resource; /* RLIMIT_* */
        char *type;   /* "RLIMIT_NOFILE" as written */
        uint64_t hard;
        uint64_t soft;
} RtRlimit;

typedef struct RtUser {
        uint32_t uid;
        uint32_t gid;
        RtOpt umask;
        gid_t *additional_gids;
        size_t n_additional_gids;
        char *username; /* accepted, unused on Linux */
} RtUser;

/* Capability sets as bitmasks (bit n = capability number n). has_capabilities
 * false means the process object had no "capabilities" member: then every set
 * is empty, as runc and crun treat it. */
typedef struct RtCapabilities {
        uint64_t bounding;
        uint64_t effective;
        uint64_t inheritable;
        uint64_t permitted;
        uint64_t ambient;
} RtCapabilities;

typedef struct RtProcess {
        bool terminal;
        RtOpt console_height;
        RtOpt console_width;
        RtUser user;
        char **args;        /* non-empty */
        char *command_line; /* Windows only; accepted, unused */
        char **env;
        char *cwd; /* absolute; required */
        bool has_capabilities;
        RtCapabilities capabilities;
        RtRlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        char *apparmor_profile; /* accepted, not applied (no AppArmor here) */
        char *selinux_label;    /* accepted, not applied */
        RtOpt oom_score_adj;
} RtProcess;

typedef struct RtHook {
        char *path; /* absolute */
        char **args;
        char **env;
        RtOpt timeout; /* seconds, > 0 */
} RtHook;

typedef enum RtHookStage {
        RT_HOOK_PRESTART = 0,
        RT_HOOK_CREATE_RUNTIME,
        RT_HOOK_CREATE_CONTAINER,
        RT_HOOK_START_CONTAINER,
        RT_HOOK_POSTSTART,
        RT_HOOK_POSTSTOP,
        RT_HOOK_STAGE_COUNT,
} RtHookStage;

typedef struct RtHookList {
        RtHook *hooks;
        size_t n;
} RtHookList;

typedef struct RtDevice {
        char *path; /* absolute path inside the container */
        char type;  /* 'c', 'b', 'u' or 'p' */
        int64_t major;
        int64_t minor;
        RtOpt file_mode;
        RtOpt uid;
        RtOpt gid;
} RtDevice;

/* linux.resources.devices[]: a cgroup device rule. major/minor -1 = any. */
typedef struct RtDeviceRule {
        bool allow;
        char type; /* 'a', 'c' or 'b' ('a' when absent) */
        int64_t major;
        int64_t minor;
        char *access; /* subset of "rwm"; "rwm" when absent */
} RtDeviceRule;

typedef struct RtWeightDevice {
        int64_t major;
        int64_t minor;
        RtOpt weight;
        RtOpt leaf_weight;
} RtWeightDevice;

typedef struct RtThrottleDevice {
        int64_t major;
        int64_t minor;
        uint64_t rate;
} RtThrottleDevice;

typedef struct RtHugepageLimit {
        char *page_size; /* "2MB" */
        uint64_t limit;
} RtHugepageLimit;

typedef struct RtResources {
        RtDeviceRule *devices;
        size_t n_devices;
        struct {
                RtOpt limit; /* bytes; -1 = unlimited */
                RtOpt reservation;
                RtOpt swap; /* memory+swap, v1 semantics as in the spec */
                RtOpt kernel;
                RtOpt kernel_tcp;
                RtOpt swappiness;
                bool disable_oom_killer;
                bool use_hierarchy;
                bool check_before_update;
        } memory;
        struct {
                RtOpt shares; /* v1 shares 2..262144; converted to v2 weight */
                RtOpt quota;  /* microseconds per period; -1 = unlimited */
                RtOpt burst;
                RtOpt period; /* microseconds */
                RtOpt realtime_runtime;
                RtOpt realtime_period;
                char *cpus; /* cpuset list "0-3,5" */
                char *mems;
                RtOpt idle;
        } cpu;
        struct {
                RtOpt limit; /* <= 0 = unlimited */
        } pids;
        struct {
                RtOpt weight; /* 10..1000 (v1 blkio.weight); converted for v2 */
                RtOpt leaf_weight;
                RtWeightDevice *weight_device;
                size_t n_weight_device;
                RtThrottleDevice *throttle_read_bps;
                size_t n_throttle_read_bps;
                RtThrottleDevice *throttle_write_bps;
                size_t n_throttle_write_bps;
                RtThrottleDevice *throttle_read_iops;
                size_t n_throttle_read_iops;
                RtThrottleDevice *throttle_write_iops;
                size_t n_throttle_write_iops;
        } blkio;
        RtHugepageLimit *hugepage_limits;
        size_t n_hugepage_limits;
        RtKeyValue *unified; /* raw cgroup v2 files */
        size_t n_unified;
} RtResources;

typedef enum RtSeccompAction {
        RT_SCMP_KILL = 0, /* SCMP_ACT_KILL == KILL_THREAD */
        RT_SCMP_KILL_PROCESS,
        RT_SCMP_KILL_THREAD,
        RT_SCMP_TRAP,
        RT_SCMP_ERRNO,
        RT_SCMP_TRACE,
        RT_SCMP_ALLOW,
        RT_SCMP_LOG,
        RT_SCMP_NOTIFY,
} RtSeccompAction;

typedef enum RtSeccompOp {
        RT_SCMP_CMP_NE = 0,
        RT_SCMP_CMP_LT,
        RT_SCMP_CMP_LE,
        RT_SCMP_CMP_EQ,
        RT_SCMP_CMP_GE,
        RT_SCMP_CMP_GT,
        RT_SCMP_CMP_MASKED_EQ,
} RtSeccompOp;

typedef struct RtSeccompArg {
        uint32_t index;
        uint64_t value;
        uint64_t value_two;
        RtSeccompOp op;
} RtSeccompArg;

typedef struct RtSeccompRule {
        char **names;
        RtSeccompAction action;
        RtOpt errno_ret;
        RtSeccompArg *args;
        size_t n_args;
} RtSeccompRule;

typedef struct RtSeccomp {
        RtSeccompAction default_action;
        RtOpt default_errno_ret;
        char **architectures; /* "SCMP_ARCH_X86_64" as written */
        char **flags;         /* "SECCOMP_FILTER_FLAG_LOG" ... */
        char *listener_path;
        char *listener_metadata;
        RtSeccompRule *syscalls;
        size_t n_syscalls;
} RtSeccomp;

/* linux.timeOffsets.<clock>: the offset of a clock in a new time namespace. */
typedef struct RtTimeOffset {
        bool set;
        int64_t secs;
        uint32_t nanosecs;
} RtTimeOffset;

typedef struct RtLinux {
        RtNamespace *namespaces;
        size_t n_namespaces;
        RtIdMap *uid_mappings;
        size_t n_uid_mappings;
        RtIdMap *gid_mappings;
        size_t n_gid_mappings;
        RtDevice *devices;
        size_t n_devices;
        char *cgroups_path;
        bool has_resources;
        RtResources resources;
        RtKeyValue *sysctl;
        size_t n_sysctl;
        RtSeccomp *seccomp;       /* NULL = no filter */
        char *rootfs_propagation; /* "private", "rslave", ... or NULL */
        char **masked_paths;
        char **readonly_paths;
        char *mount_label;
        RtOpt personality_domain; /* PER_LINUX / PER_LINUX32; parsed when present */
        RtTimeOffset monotonic;   /* linux.timeOffsets */
        RtTimeOffset boottime;
} RtLinux;

typedef struct RtSpec {
        char *oci_version; /* required */
        struct {
                char *path; /* as written: relative to the bundle or absolute */
                bool readonly;
        } root;
        char *hostname;
        char *domainname;
        RtMount *mounts;
        size_t n_mounts;
        RtProcess *process; /* NULL when absent (required by create/run) */
        RtHookList hooks[RT_HOOK_STAGE_COUNT];
        RtKeyValue *annotations;
        size_t n_annotations;
        RtLinux linux_; /* "linux" is a predefined macro under gnu17 */
        json_t *raw;    /* the whole document, kept for hooks' state and annotations */
} RtSpec;

/* Parses a whole config.json document. `what` prefixes errors ("config.json").
 * Unknown fields are ignored, as the spec requires. */
int rt_spec_parse(json_t *doc, const char *what, RtSpec **ret, BerthError **err);
/* JSON text of a config.json or process.json into a document, like
 * json_parse_buffer but keeping the unsigned 64-bit integers above INT64_MAX
 * that jansson rejects (runc writes RLIM_INFINITY as 18446744073709551615):
 * the parsers above read them back. */
int rt_spec_parse_text(const char *buf, size_t len, const char *what, json_t **ret,
                       BerthError **err);
/* The same, reading the file at path. */
int rt_spec_load_text(const char *path, const char *what, json_t **ret, BerthError **err);
/* Reads and parses <bundle>/config.json. */
int rt_spec_load(const char *bundle, RtSpec **ret, BerthError **err);
/* Checks what a create/run needs beyond types: a process, absolute paths,
 * user namespace mappings when a user namespace is created, no duplicate
 * namespaces, known rlimits... */
int rt_spec_validate(const RtSpec *spec, BerthError **err);
RtSpec *rt_spec_free(RtSpec *spec);

/* A "linux.resources" object alone (`update -r resources.json`); what names
 * the document in errors. rt_resources_done frees what it holds. */
int rt_resources_from_json(json_t *obj, const char *what, RtResources *ret, BerthError **err);
void rt_resources_done(RtResources *res);

/* Parses a process object alone (exec --process process.json). */
int rt_process_parse(json_t *obj, const char *path, RtProcess **ret, BerthError **err);
RtProcess *rt_process_free(RtProcess *p);

/* The default config.json that `berth-runtime spec` writes (runc's defaults:
 * sh, terminal, the default mounts, masked and read-only paths).
 * rootless adds a user namespace mapping the caller's ids. */
json_t *rt_spec_default(bool rootless);

const char *rt_ns_type_name(RtNsType t);    /* "pid", "network", ... */
int rt_ns_type_from_name(const char *name); /* RtNsType or -EINVAL */
int rt_ns_clone_flag(RtNsType t);           /* CLONE_NEWPID ... */
const char *rt_ns_proc_name(RtNsType t);    /* "pid", "net", "mnt" ... under /proc/PID/ns */
/* Finds the namespace entry of a type, NULL when the config has none. */
const RtNamespace *rt_spec_find_ns(const RtSpec *spec, RtNsType t);

static inline void rt_spec_freep(RtSpec **s)
{
        rt_spec_free(*s);
        *s = NULL;
}
#define _cleanup_spec_ __attribute__((cleanup(rt_spec_freep)))
static inline void rt_process_freep(RtProcess **p)
{
        rt_process_free(*p);
        *p = NULL;
}
#define _cleanup_process_ __attribute__((cleanup(rt_process_freep)))
