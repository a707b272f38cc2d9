/* specgen: from a Docker container-create request and an image config to
 * the OCI runtime config (config.json) berth-monitor runs. Pure functions
 * over JSON plus the files of the container directory; no daemon state.
 *
 * The request is the body of POST /containers/create: the container Config
 * fields at the top level (Image, Cmd, Entrypoint, Env, User, WorkingDir,
 * Tty, OpenStdin, Labels, StopSignal, ExposedPorts, Hostname, Domainname,
 * ...), "HostConfig" and "NetworkingConfig". Unknown-but-valid fields are
 * ignored as Docker does.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

/* Checks what Docker checks at create time and answers with Docker's
 * messages (all -EINVAL → 400): wrong JSON types, invalid memory/cpu
 * values ("Minimum memory limit allowed is 6MB"), unknown capabilities,
 * invalid restart policies, bad ulimits, sysctls, tmpfs options, security
 * options, pid/ipc/uts modes, port specs, mounts/binds syntax... */
int specgen_validate(json_t *request, BerthError **err);

/* The container's Config as `inspect` shows it: the request's Config
 * fields with the image's defaults filled in as Docker merges them (Env
 * merged by key, Cmd/Entrypoint rules, WorkingDir, User, Labels,
 * ExposedPorts, Volumes, StopSignal, Healthcheck, Image = the name given). */
int specgen_merge_config(json_t *request, json_t *image_config, json_t **ret_config,
                         BerthError **err);

/* Resolves "container:NAME" for --pid/--ipc/--uts/--network to the path of
 * that running container's namespace file (/proc/PID/ns/TYPE); -ENOENT or
 * -EINVAL (not running) with Docker's message. */
typedef int (*SpecgenNsResolver)(void *userdata, const char *container, const char *ns_type,
                                 char **ret_path, BerthError **err);

typedef struct SpecgenInput {
        const char *id;            /* 64 hex */
        const char *name;          /* without the leading '/' */
        json_t *request;           /* the create body (validated) */
        json_t *config;            /* from specgen_merge_config */
        json_t *image_config;      /* the image config blob; NULL for none */
        const char *rootfs;        /* absolute path of the composed rootfs */
        const char *container_dir; /* hostname, hosts, resolv.conf are written here */
        const char *cgroup_parent; /* "" = Docker's default ("/berth" here) */
        const char *init_path;     /* berth-init for HostConfig.Init; NULL = unavailable */
        const char *netns_path;    /* a network namespace to join (host: NULL + host mode) */
        SpecgenNsResolver resolve_ns;
        void *resolve_userdata;
        /* Legacy links' KEY=VALUE (engine_links.h), known at start: placed
         * as Docker places them, after PATH, HOSTNAME and TERM and before
         * Config.Env, which overrides them. NULL = none. */
        char *const *link_env;
} SpecgenInput;

/* Builds the OCI config: Docker's default capabilities (bounded by the
 * engine's own bounding set; --privileged = every capability the engine
 * has, all devices, no seccomp, no masked paths), Docker's default seccomp
 * profile, masked and read-only paths, mounts (/proc, /dev, /dev/pts,
 * /dev/shm with ShmSize, /dev/mqueue, /sys, /sys/fs/cgroup, tmpfs, binds,
 * /etc/hostname, /etc/hosts, /etc/resolv.conf), user and groups resolved
 * against the rootfs's /etc/passwd and /etc/group, env, cwd, rlimits
 * (ulimits, capped at the engine's own hard limits), resources (memory,
 * swap, cpus, shares, cpuset, pids, blkio weight), sysctls, namespaces
 * (pid/ipc/uts host or container:X), --init, --read-only, oom score,
 * no-new-privileges, seccomp=unconfined|FILE. */
int specgen_build(const SpecgenInput *in, json_t **ret_spec, BerthError **err);

/* Writes <container_dir>/hostname, hosts and resolv.conf (from the host's,
 * with 127.0.0.x nameservers dropped as Docker does, or --dns/--dns-search/
 * --dns-option; --add-host entries in hosts). Called by specgen_build:
 * hosts has no line for the container's own name yet, as its addresses
 * come at start (specgen_write_hosts). */
int specgen_write_etc_files(const SpecgenInput *in, BerthError **err);

/* Writes <container_dir>/hosts in Docker's layout, once the container's
 * addresses are known: the localhost and IPv6 records, --add-host entries,
 * then link_lines ("IP\tnames\n" of legacy links, may be NULL), then one
 * line per own address "<addr>\t<hostname>" (the FQDN and the bare name when
 * the name or Domainname has a domain). With host networking the host's
 * hosts file is kept whatever the arguments. */
int specgen_write_hosts(const SpecgenInput *in, const char *link_lines, char *const *own_addrs,
                        BerthError **err);

/* Docker's default seccomp profile as an OCI linux.seccomp object, for the
 * given capabilities (some syscalls are allowed only with a capability). */
json_t *specgen_default_seccomp(const char *const *caps);

/* Docker's signal names ("SIGTERM", "term", "15", "RTMIN+3") to a number;
 * -EINVAL for anything else (as moby/sys/signal's ParseSignal). */
int specgen_parse_signal(const char *raw);
