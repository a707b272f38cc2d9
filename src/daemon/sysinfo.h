/* Facts about the host for /version and /info. */
#pragma once

#include <stdint.h>

#include "common/error.h"

/* PRETTY_NAME (else NAME, else "Linux") and VERSION_ID from an os-release
 * file; *ret_version is "" when absent. */
int sysinfo_os_release(const char *path, char **ret_name, char **ret_version, BerthError **err);
/* Go's GOARCH for a uname machine: x86_64 → amd64, aarch64 → arm64... */
const char *sysinfo_go_arch(const char *machine);
/* CPUs this process may run on (Go's runtime.NumCPU). */
int sysinfo_ncpu(void);
int64_t sysinfo_mem_total(void);
/* The engine's ID (a UUID) kept in <data_root>/engine-id, created once. */
int sysinfo_engine_id(const char *data_root, char **ret, BerthError **err);
/* "2" on a unified cgroup hierarchy, else "1". */
const char *sysinfo_cgroup_version(void);
