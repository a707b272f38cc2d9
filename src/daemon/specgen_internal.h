/* specgen's internal helpers, shared by its files (not part of the contract). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "common/json.h"
#include "daemon/specgen.h"

#define SG_DEFAULT_PATH     "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SG_DEFAULT_SHM_SIZE (64LL * 1024 * 1024)
#define SG_MIN_MEMORY       (6LL * 1024 * 1024)
#define SG_INIT_PATH        "/sbin/docker-init"
#define SG_MAX_HOSTNAME     64

/* ---- tolerant accessors (absent or null = default) ---- */
json_t *sg_host_config(json_t *request);
/* The string member, or NULL when absent, null or not a string. */
const char *sg_str(json_t *obj, const char *key);
/* The string member or "" */
const char *sg_str0(json_t *obj, const char *key);
int64_t sg_int(json_t *obj, const char *key);
bool sg_bool(json_t *obj, const char *key);
/* The array member or NULL (absent, null, not an array). */
json_t *sg_array(json_t *obj, const char *key);
json_t *sg_object(json_t *obj, const char *key);

/* ---- namespace modes: "", "host", "private", "shareable", "none",
 * "container:X" ---- */
typedef enum SgMode {
        SG_MODE_DEFAULT = 0, /* "" */
        SG_MODE_PRIVATE,
        SG_MODE_HOST,
        SG_MODE_SHAREABLE,
        SG_MODE_NONE,
        SG_MODE_CONTAINER,
        SG_MODE_BRIDGE, /* network: "bridge" / "default" / a network name */
        SG_MODE_INVALID,
} SgMode;
/* kind: 'p' pid, 'i' ipc, 'u' uts, 'n' network, 'c' cgroupns.
 * *ret_container points into value for SG_MODE_CONTAINER. */
SgMode sg_parse_mode(char kind, const char *value, const char **ret_container);

/* ---- capabilities ---- */
/* "chown" / "CAP_CHOWN" / "all" → "CAP_CHOWN" / "ALL" (allocated);
 * -EINVAL for names the kernel does not know. */
int sg_cap_normalize(const char *name, char **ret);
/* The capability list Docker computes (defaults, CapAdd, CapDrop,
 * Privileged), bounded by the engine's own bounding set. */
int sg_caps_compute(json_t *host_config, char ***ret, BerthError **err);

/* ---- seccomp (seccomp_default.c) ---- */
/* Docker's default profile in moby's format (includes/excludes). */
json_t *specgen_default_profile(void);
/* moby's setupSeccomp: a profile (moby format) → OCI linux.seccomp for the
 * native architecture and the given bounding capabilities. *ret stays NULL
 * when the profile disables seccomp (no defaultAction and no syscalls). */
int specgen_seccomp_from_profile(json_t *profile, const char *const *caps, json_t **ret,
                                 BerthError **err);

/* ---- user (specgen_user.c) ---- */
/* Resolves User ("", "name", "uid", "name:group", "uid:gid") and GroupAdd
 * against rootfs's /etc/passwd and /etc/group, as moby's getUser does.
 * *ret is an OCI process.user object. rootfs NULL = no files. */
int sg_resolve_user(const char *rootfs, const char *user, json_t *group_add, json_t **ret,
                    BerthError **err);

/* ---- mounts (specgen_mounts.c) ---- */
typedef struct SgBind {
        char *source;      /* absolute host path, or a volume name */
        char *destination; /* absolute */
        bool read_only;
        char *propagation; /* NULL = default */
        bool is_volume;    /* source is a name, not a path */
} SgBind;
void sg_bind_clear(SgBind *b);
/* Parses "src:dst[:mode]" as moby's ParseMountRaw (without touching the
 * file system). Errors carry Docker's texts. */
int sg_parse_bind(const char *raw, SgBind *ret, BerthError **err);
/* Validates one HostConfig.Mounts entry (ValidateMountConfig). */
int sg_validate_mount(json_t *m, BerthError **err);
/* Validates a tmpfs destination and its option string; *ret (optional) gets
 * the merged options with Docker's defaults. */
int sg_tmpfs_options(const char *dest, const char *data, json_t **ret, BerthError **err);
/* Appends every mount of the container to spec.mounts. */
int sg_build_mounts(const SpecgenInput *in, json_t *spec, bool privileged, bool readonly_root,
                    bool ipc_none, BerthError **err);

/* ---- resources (specgen_resources.c) ---- */
int sg_validate_resources(json_t *hc, BerthError **err);
/* Whether this host's cgroups support "swap", "swappiness", "blkio-weight"
 * or "cpu-rt"; what they do not support is dropped, as Docker drops it. */
bool sg_cgroup_supports(const char *feature);
int sg_build_resources(json_t *hc, json_t *resources, BerthError **err);
/* Docker's ulimit names ("nofile") → "RLIMIT_NOFILE"; NULL if unknown. */
const char *sg_rlimit_name(const char *name, int *ret_resource);
int sg_validate_ulimits(json_t *hc, BerthError **err);
int sg_build_rlimits(json_t *hc, json_t *process, BerthError **err);
/* Docker CLI's ValidateSysctl and runc's namespace rules. */
int sg_validate_sysctl(const char *key, json_t *hc, BerthError **err);
/* Parses a cpuset list "0-3,5"; max_index receives the largest number. */
int sg_parse_cpuset(const char *s, long *ret_max);

/* ---- etc files (specgen_etc.c) ---- */
/* The container's hostname (Config.Hostname or the first 12 of the id;
 * the host's name with --network host). Caller frees. */
char *sg_hostname(const SpecgenInput *in);
/* host's resolv.conf path (tests may point it elsewhere). */
extern const char *sg_host_resolv_conf;
int sg_validate_extra_host(const char *val, BerthError **err);
/* Checks HostConfig.SecurityOpt (and a seccomp profile given inline). */
int specgen_security_check(json_t *host_config, BerthError **err);
/* Appends HostConfig.DeviceCgroupRules to linux.resources.devices. */
int sg_device_cgroup_rules(json_t *host_config, json_t *rules, BerthError **err);
