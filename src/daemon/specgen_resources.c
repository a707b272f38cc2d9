/* Resources, ulimits and sysctls: moby's verifyPlatformContainerResources
 * checks (with its messages), getMemoryResources / getCPUResources /
 * getPidsLimit, withRlimits, and the docker CLI's ValidateSysctl rules. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "daemon/specgen_internal.h"

static const struct {
        const char *name;
        const char *oci;
        int resource;
} ulimits[] = {
    {"as", "RLIMIT_AS", RLIMIT_AS},
    {"core", "RLIMIT_CORE", RLIMIT_CORE},
    {"cpu", "RLIMIT_CPU", RLIMIT_CPU},
    {"data", "RLIMIT_DATA", RLIMIT_DATA},
    {"fsize", "RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"locks", "RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"memlock", "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"msgqueue", "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"nice", "RLIMIT_NICE", RLIMIT_NICE},
    {"nofile", "RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"nproc", "RLIMIT_NPROC", RLIMIT_NPROC},
    {"rss", "RLIMIT_RSS", RLIMIT_RSS},
    {"rtprio", "RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"rttime", "RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"sigpending", "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"stack", "RLIMIT_STACK", RLIMIT_STACK},
};

const char *sg_rlimit_name(const char *name, int *ret_resource)
{
        for (size_t i = 0; i < ARRAY_SIZE(ulimits); i++)
                if (STREQ(ulimits[i].name, name)) {
                        if (ret_resource)
                                *ret_resource = ulimits[i].resource;
                        return ulimits[i].oci;
                }
        return NULL;
}

int sg_validate_ulimits(json_t *hc, BerthError **err)
{
        size_t i;
        json_t *u;
        json_array_foreach(sg_array(hc, "Ulimits"), i, u)
        {
                if (!json_is_object(u))
                        return error_set(err, EINVAL, "invalid ulimit: expected an object");
                const char *name = sg_str0(u, "Name");
                if (!sg_rlimit_name(name, NULL))
                        return error_set(err, EINVAL, "invalid ulimit type: %s", name);
                int64_t soft = sg_int(u, "Soft"), hard = sg_int(u, "Hard");
                if (hard >= 0 && (soft < 0 || soft > hard)) {
                        if (soft == -1)
                                return error_set(err, EINVAL,
                                                 "ulimit soft limit must be less than or equal to "
                                                 "hard limit: soft: -1 (unlimited), hard: %lld",
                                                 (long long)hard);
                        return error_set(err, EINVAL,
                                         "ulimit soft limit must be less than or equal to hard "
                                         "limit: %lld > %lld",
                                         (long long)soft, (long long)hard);
                }
        }
        return 0;
}

static uint64_t to_rlim(int64_t v)
{
        return v < 0 ? (uint64_t)RLIM_INFINITY : (uint64_t)v;
}

/* JSON numbers here stop at INT64_MAX: "unlimited" (RLIM_INFINITY, which
 * Docker writes as 18446744073709551615) is written as INT64_MAX, which the
 * kernel treats as practically unlimited. */
static json_int_t rlim_json_value(uint64_t v)
{
        return v > (uint64_t)INT64_MAX ? (json_int_t)INT64_MAX : (json_int_t)v;
}

static json_t *rlimit_json(const char *type, uint64_t soft, uint64_t hard)
{
        json_t *r = json_object();
        json_object_set_new(r, "type", json_string(type));
        json_object_set_new(r, "hard", json_integer(rlim_json_value(hard)));
        json_object_set_new(r, "soft", json_integer(rlim_json_value(soft)));
        return r;
}

int sg_build_rlimits(json_t *hc, json_t *process, BerthError **err)
{
        int r = sg_validate_ulimits(hc, err);
        if (r < 0)
                return r;
        json_t *out = json_array();
        json_object_set_new(process, "rlimits", out);
        size_t i;
        json_t *u;
        bool have_nofile = false;
        json_array_foreach(sg_array(hc, "Ulimits"), i, u)
        {
                int res = 0;
                const char *oci = sg_rlimit_name(sg_str0(u, "Name"), &res);
                uint64_t soft = to_rlim(sg_int(u, "Soft")), hard = to_rlim(sg_int(u, "Hard"));
                /* Never ask for more than the engine holds: raising a hard
                 * limit needs CAP_SYS_RESOURCE, which this engine may lack. */
                struct rlimit own;
                if (getrlimit(res, &own) == 0 && own.rlim_max != RLIM_INFINITY) {
                        if (hard > own.rlim_max)
                                hard = own.rlim_max;
                        if (soft > hard)
                                soft = hard;
                }
                if (res == RLIMIT_NOFILE)
                        have_nofile = true;
                json_array_append_new(out, rlimit_json(oci, soft, hard));
        }
        /* Docker's containers get RLIMIT_NOFILE 1048576:1048576 (inherited
         * from containerd's unit); here it is explicit and bounded by the
         * engine's own hard limit, which it cannot raise. */
        if (!have_nofile) {
                uint64_t soft = 1048576, hard = 1048576;
                struct rlimit own;
                if (getrlimit(RLIMIT_NOFILE, &own) == 0 && own.rlim_max != RLIM_INFINITY &&
                    hard > own.rlim_max)
                        hard = soft = own.rlim_max;
                json_array_append_new(out, rlimit_json("RLIMIT_NOFILE", soft, hard));
        }
        return 0;
}

/* ---- sysctls (docker CLI's ValidateSysctl, runc's namespace rules) ---- */

static const char *const ipc_sysctls[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",          "kernel.sem", "kernel.shmall",
    "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", NULL,
};

int sg_validate_sysctl(const char *key, json_t *hc, BerthError **err)
{
        bool ipc = false, net = false, uts = false;
        for (size_t i = 0; ipc_sysctls[i]; i++)
                if (STREQ(ipc_sysctls[i], key))
                        ipc = true;
        if (strncmp(key, "fs.mqueue.", 10) == 0)
                ipc = true;
        if (strncmp(key, "net.", 4) == 0)
                net = true;
        if (STREQ(key, "kernel.domainname") || STREQ(key, "kernel.hostname"))
                uts = true;
        if (!ipc && !net && !uts)
                return error_set(err, EINVAL, "sysctl '%s' is not allowed", key);
        if (net && sg_parse_mode('n', sg_str(hc, "NetworkMode"), NULL) == SG_MODE_HOST)
                return error_set(err, EINVAL, "sysctl \"%s\" not allowed in host network namespace",
                                 key);
        if (ipc && sg_parse_mode('i', sg_str(hc, "IpcMode"), NULL) == SG_MODE_HOST)
                return error_set(err, EINVAL, "sysctl \"%s\" is not allowed in host IPC namespace",
                                 key);
        if (uts) {
                if (sg_parse_mode('u', sg_str(hc, "UTSMode"), NULL) == SG_MODE_HOST)
                        return error_set(err, EINVAL,
                                         "sysctl \"%s\" is not allowed as it conflicts with the "
                                         "OCI \"hostname\" field",
                                         key);
                return error_set(err, EINVAL,
                                 "sysctl \"%s\" is not allowed as it conflicts with the OCI "
                                 "\"%s\" field",
                                 key, STREQ(key, "kernel.hostname") ? "hostname" : "domainname");
        }
        return 0;
}

/* ---- cpusets ---- */

int sg_parse_cpuset(const char *s, long *ret_max)
{
        long max = -1;
        if (!s || !*s) {
                *ret_max = -1;
                return 0;
        }
        const char *p = s;
        for (;;) {
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                char *end;
                long a = strtol(p, &end, 10), b = a;
                if (a < 0 || a > 8192)
                        return -EINVAL;
                p = end;
                if (*p == '-') {
                        p++;
                        if (!isdigit((unsigned char)*p))
                                return -EINVAL;
                        b = strtol(p, &end, 10);
                        if (b < a || b > 8192)
                                return -EINVAL;
                        p = end;
                }
                if (b > max)
                        max = b;
                if (!*p)
                        break;
                if (*p != ',')
                        return -EINVAL;
                p++;
        }
        *ret_max = max;
        return 0;
}

/* The CPUs (or memory nodes) this machine has, as a list "0-1". */
static int read_online(const char *path, char *buf, size_t len)
{
        FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        if (!fgets(buf, (int)len, f)) {
                fclose(f);
                return -EIO;
        }
        fclose(f);
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

static bool in_set(const char *set, long n)
{
        const char *p = set;
        while (*p) {
                char *end;
                long a = strtol(p, &end, 10), b = a;
                if (end == p)
                        return false;
                p = end;
                if (*p == '-') {
                        b = strtol(p + 1, &end, 10);
                        p = end;
                }
                if (n >= a && n <= b)
                        return true;
                if (*p == ',')
                        p++;
                else
                        break;
        }
        return false;
}

static int check_cpuset(const char *value, const char *online_path, const char *what,
                        const char *unavailable, BerthError **err)
{
        long max;
        if (!value || !*value)
                return 0;
        if (sg_parse_cpuset(value, &max) < 0)
                return error_set(err, EINVAL, "Invalid value %s for cpuset %s: invalid format: %s",
                                 value, what, value);
        char online[256];
        if (read_online(online_path, online, sizeof(online)) < 0)
                return 0;
        /* every listed number must be available */
        const char *p = value;
        while (*p) {
                char *end;
                long a = strtol(p, &end, 10), b = a;
                p = end;
                if (*p == '-') {
                        b = strtol(p + 1, &end, 10);
                        p = end;
                }
                for (long n = a; n <= b; n++)
                        if (!in_set(online, n))
                                return error_set(err, EINVAL,
                                                 "Requested %s are not available - requested %s, "
                                                 "available: %s",
                                                 unavailable, value, online);
                if (*p == ',')
                        p++;
        }
        return 0;
}

/* ---- what the host's cgroups can do (moby's sysinfo) ---- */

static bool v2_controller(const char *name)
{
        char buf[512];
        if (read_online("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf)) < 0)
                return false;
        size_t n = strlen(name);
        for (char *p = buf; (p = strstr(p, name)); p += n)
                if ((p == buf || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
                        return true;
        return false;
}

bool sg_cgroup_supports(const char *feature)
{
        bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
        if (STREQ(feature, "swap"))
                return v2 ? v2_controller("memory")
                          : access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0;
        if (STREQ(feature, "swappiness"))
                return !v2 && access("/sys/fs/cgroup/memory/memory.swappiness", F_OK) == 0;
        if (STREQ(feature, "blkio-weight"))
                return v2 ? v2_controller("io")
                          : access("/sys/fs/cgroup/blkio/blkio.weight", F_OK) == 0 ||
                                access("/sys/fs/cgroup/blkio/blkio.bfq.weight", F_OK) == 0;
        if (STREQ(feature, "cpu-rt"))
                return !v2 && access("/sys/fs/cgroup/cpu/cpu.rt_runtime_us", F_OK) == 0;
        return false;
}

int sg_validate_resources(json_t *hc, BerthError **err)
{
        int64_t memory = sg_int(hc, "Memory");
        int64_t swap = sg_int(hc, "MemorySwap");
        int64_t reservation = sg_int(hc, "MemoryReservation");
        if (memory != 0 && memory < SG_MIN_MEMORY)
                return error_set(err, EINVAL, "Minimum memory limit allowed is 6MB");
        if (memory > 0 && swap > 0 && swap < memory)
                return error_set(err, EINVAL,
                                 "Minimum memoryswap limit should be larger than "
                                 "memory limit, see usage");
        if (memory == 0 && swap > 0)
                return error_set(err, EINVAL,
                                 "You should always set the Memory limit when using "
                                 "Memoryswap limit, see usage");
        json_t *sw = json_object_get(hc, "MemorySwappiness");
        if (json_is_integer(sw)) {
                int64_t s = json_integer_value(sw);
                if (s != -1 && (s < 0 || s > 100))
                        return error_set(err, EINVAL,
                                         "Invalid value: %lld, valid memory swappiness range is "
                                         "0-100",
                                         (long long)s);
        }
        if (reservation > 0 && reservation < SG_MIN_MEMORY)
                return error_set(err, EINVAL, "Minimum memory reservation allowed is 6MB");
        if (memory > 0 && reservation > 0 && memory < reservation)
                return error_set(err, EINVAL,
                                 "Minimum memory limit can not be less than memory "
                                 "reservation limit, see usage");

        int64_t nano = sg_int(hc, "NanoCpus");
        int64_t period = sg_int(hc, "CpuPeriod");
        int64_t quota = sg_int(hc, "CpuQuota");
        if (nano > 0 && period > 0)
                return error_set(
                    err, EINVAL,
                    "Conflicting options: Nano CPUs and CPU Period cannot both be set");
        if (nano > 0 && quota > 0)
                return error_set(err, EINVAL,
                                 "Conflicting options: Nano CPUs and CPU Quota cannot both be set");
        if (nano != 0) {
                long nc = sysconf(_SC_NPROCESSORS_ONLN);
                if (nc < 1)
                        nc = 1;
                if (nano < 0 || nano > (int64_t)nc * 1000000000LL)
                        return error_set(err, EINVAL,
                                         "range of CPUs is from 0.01 to %ld.00, as there are only "
                                         "%ld CPUs available",
                                         nc, nc);
        }
        int64_t shares = sg_int(hc, "CpuShares");
        if (shares < 0)
                return error_set(err, EINVAL,
                                 "invalid CPU shares (%lld): value must be a positive integer",
                                 (long long)shares);
        if (period != 0 && (period < 1000 || period > 1000000))
                return error_set(err, EINVAL,
                                 "CPU cfs period can not be less than 1ms (i.e. 1000) "
                                 "or larger than 1s (i.e. 1000000)");
        if (quota > 0 && quota < 1000)
                return error_set(err, EINVAL, "CPU cfs quota can not be less than 1ms (i.e. 1000)");
        int64_t rt_period = sg_int(hc, "CpuRealtimePeriod");
        int64_t rt_runtime = sg_int(hc, "CpuRealtimeRuntime");
        if ((rt_period != 0 || rt_runtime != 0) && !sg_cgroup_supports("cpu-rt"))
                return error_set(err, EINVAL, "kernel does not support CPU real-time scheduler");
        if (rt_period != 0 && rt_runtime != 0 && rt_runtime > rt_period)
                return error_set(
                    err, EINVAL,
                    "cpu real-time runtime cannot be higher than cpu real-time period");
        int r = check_cpuset(sg_str(hc, "CpusetCpus"), "/sys/devices/system/cpu/online", "cpus",
                             "CPUs", err);
        if (r < 0)
                return r;
        r = check_cpuset(sg_str(hc, "CpusetMems"), "/sys/devices/system/node/online", "mems",
                         "memory nodes", err);
        if (r < 0)
                return r;
        int64_t blkio = sg_int(hc, "BlkioWeight");
        if (blkio > 0 && (blkio < 10 || blkio > 1000))
                return error_set(err, EINVAL, "Range of blkio weight is from 10 to 1000");
        if (sg_int(hc, "IOMaximumBandwidth") != 0 || sg_int(hc, "IOMaximumIOps") != 0)
                return error_set(err, EINVAL,
                                 "Invalid QoS settings: linux does not support "
                                 "Maximum IO Bandwidth or Maximum IO IOps");
        if (sg_int(hc, "ShmSize") < 0)
                return error_set(err, EINVAL, "SHM size can not be less than 0");
        int64_t oom = sg_int(hc, "OomScoreAdj");
        if (oom < -1000 || oom > 1000)
                return error_set(err, EINVAL,
                                 "Invalid value %lld, range for oom score adj is [-1000, 1000]",
                                 (long long)oom);
        return 0;
}

int sg_build_resources(json_t *hc, json_t *res, BerthError **err)
{
        int r = sg_validate_resources(hc, err);
        if (r < 0)
                return r;
        /* memory */
        json_t *mem = json_object();
        int64_t memory = sg_int(hc, "Memory");
        int64_t swap = sg_int(hc, "MemorySwap");
        int64_t reservation = sg_int(hc, "MemoryReservation");
        if (memory > 0 && swap == 0)
                swap = memory * 2; /* Docker's default: swap as large as memory */
        if (!sg_cgroup_supports("swap"))
                swap = -1; /* Docker drops it (with a warning) */
        if (memory > 0)
                json_object_set_new(mem, "limit", json_integer(memory));
        if (reservation > 0)
                json_object_set_new(mem, "reservation", json_integer(reservation));
        if (memory > 0 && swap > 0)
                json_object_set_new(mem, "swap", json_integer(swap));
        json_t *sw = json_object_get(hc, "MemorySwappiness");
        if (json_is_integer(sw) && json_integer_value(sw) >= 0 && sg_cgroup_supports("swappiness"))
                json_object_set_new(mem, "swappiness", json_integer(json_integer_value(sw)));
        json_object_set_new(mem, "disableOOMKiller", json_boolean(sg_bool(hc, "OomKillDisable")));
        json_object_set_new(res, "memory", mem);

        /* cpu */
        json_t *cpu = json_object();
        int64_t shares = sg_int(hc, "CpuShares");
        if (shares > 0)
                json_object_set_new(cpu, "shares", json_integer(shares));
        const char *cpus = sg_str(hc, "CpusetCpus");
        if (cpus && *cpus)
                json_object_set_new(cpu, "cpus", json_string(cpus));
        const char *mems = sg_str(hc, "CpusetMems");
        if (mems && *mems)
                json_object_set_new(cpu, "mems", json_string(mems));
        int64_t nano = sg_int(hc, "NanoCpus");
        if (nano > 0) {
                json_object_set_new(cpu, "period", json_integer(100000));
                json_object_set_new(cpu, "quota", json_integer(nano * 100000 / 1000000000LL));
        }
        if (sg_int(hc, "CpuPeriod") != 0)
                json_object_set_new(cpu, "period", json_integer(sg_int(hc, "CpuPeriod")));
        if (sg_int(hc, "CpuQuota") != 0)
                json_object_set_new(cpu, "quota", json_integer(sg_int(hc, "CpuQuota")));
        if (sg_int(hc, "CpuRealtimePeriod") != 0)
                json_object_set_new(cpu, "realtimePeriod",
                                    json_integer(sg_int(hc, "CpuRealtimePeriod")));
        if (sg_int(hc, "CpuRealtimeRuntime") != 0)
                json_object_set_new(cpu, "realtimeRuntime",
                                    json_integer(sg_int(hc, "CpuRealtimeRuntime")));
        if (json_object_size(cpu) > 0)
                json_object_set_new(res, "cpu", cpu);
        else
                json_decref(cpu);

        /* pids */
        json_t *pl = json_object_get(hc, "PidsLimit");
        if (json_is_integer(pl)) {
                int64_t v = json_integer_value(pl);
                json_object_set_new(res, "pids", json_pack("{s:I}", "limit", v <= 0 ? -1 : v));
        }

        /* blkio */
        int64_t w = sg_int(hc, "BlkioWeight");
        if (w > 0 && sg_cgroup_supports("blkio-weight"))
                json_object_set_new(res, "blockIO", json_pack("{s:I}", "weight", w));
        return 0;
}
