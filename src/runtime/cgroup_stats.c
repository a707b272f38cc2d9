/* The container's resource usage read back from its cgroup, in the shape of
 * runc's `events --stats` ("data" of a stats event): cpu, memory, pids,
 * blkio and hugetlb, from v1 files or their v2 equivalents. A controller
 * that is not mounted (or a file the kernel does not have) is left out or
 * reads as zero: stats are best effort, as in runc. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/cgroup.h"
#include "runtime/cgroup_internal.h"

static uint64_t read_u64(const char *dir, const char *file)
{
        _cleanup_free_ char *buf = NULL;
        if (!dir || rt_cg_read(dir, file, &buf, NULL) < 0)
                return 0;
        /* "max" (v2) and v1's "unlimited" page-rounded INT64_MAX both mean none */
        if (strncmp(buf, "max", 3) == 0)
                return 0;
        return strtoull(buf, NULL, 10);
}

static uint64_t keyed(const char *dir, const char *file, const char *key)
{
        uint64_t v = 0;
        if (dir)
                (void)rt_cg_read_keyed(dir, file, key, &v, NULL);
        return v;
}

/* A flat-keyed file ("key value" lines) as an object. */
static json_t *keyed_object(const char *dir, const char *file)
{
        json_t *o = json_object();
        _cleanup_free_ char *buf = NULL;
        if (!o || !dir || rt_cg_read(dir, file, &buf, NULL) < 0)
                return o;
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char key[128];
                unsigned long long v;
                if (sscanf(line, "%127s %llu", key, &v) == 2)
                        json_object_set_new(o, key, json_integer((json_int_t)v));
        }
        return o;
}

static json_t *usage_entry(uint64_t usage, uint64_t max, uint64_t limit, uint64_t failcnt)
{
        return json_pack("{s:I, s:I, s:I, s:I}", "usage", (json_int_t)usage, "max", (json_int_t)max,
                         "limit", (json_int_t)limit, "failcnt", (json_int_t)failcnt);
}

static json_t *cpu_v1(RtCgroup *cg)
{
        RtCgHier *acct = rt_cg_hier_for(cg, "cpuacct");
        RtCgHier *cpu = rt_cg_hier_for(cg, "cpu");
        const char *ad = acct ? acct->dir : NULL;
        const char *cd = cpu ? cpu->dir : NULL;
        json_t *percpu = json_array();
        _cleanup_free_ char *buf = NULL;
        if (ad && rt_cg_read(ad, "cpuacct.usage_percpu", &buf, NULL) >= 0) {
                char *save = NULL;
                for (char *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
                        json_array_append_new(percpu,
                                              json_integer((json_int_t)strtoull(t, NULL, 10)));
        }
        /* cpuacct.stat counts USER_HZ ticks; runc reports nanoseconds */
        long hz = sysconf(_SC_CLK_TCK);
        uint64_t tick_ns = hz > 0 ? 1000000000ULL / (uint64_t)hz : 10000000ULL;
        return json_pack("{s:{s:I, s:o, s:I, s:I}, s:{s:I, s:I, s:I}}", "usage", "total",
                         (json_int_t)read_u64(ad, "cpuacct.usage"), "percpu", percpu, "kernel",
                         (json_int_t)(keyed(ad, "cpuacct.stat", "system") * tick_ns), "user",
                         (json_int_t)(keyed(ad, "cpuacct.stat", "user") * tick_ns), "throttling",
                         "periods", (json_int_t)keyed(cd, "cpu.stat", "nr_periods"),
                         "throttled_periods", (json_int_t)keyed(cd, "cpu.stat", "nr_throttled"),
                         "throttled_time", (json_int_t)keyed(cd, "cpu.stat", "throttled_time"));
}

static json_t *cpu_v2(const char *d)
{
        return json_pack("{s:{s:I, s:[], s:I, s:I}, s:{s:I, s:I, s:I}}", "usage", "total",
                         (json_int_t)(keyed(d, "cpu.stat", "usage_usec") * 1000), "percpu",
                         "kernel", (json_int_t)(keyed(d, "cpu.stat", "system_usec") * 1000), "user",
                         (json_int_t)(keyed(d, "cpu.stat", "user_usec") * 1000), "throttling",
                         "periods", (json_int_t)keyed(d, "cpu.stat", "nr_periods"),
                         "throttled_periods", (json_int_t)keyed(d, "cpu.stat", "nr_throttled"),
                         "throttled_time",
                         (json_int_t)(keyed(d, "cpu.stat", "throttled_usec") * 1000));
}

static json_t *memory_v1(RtCgroup *cg)
{
        RtCgHier *h = rt_cg_hier_for(cg, "memory");
        const char *d = h ? h->dir : NULL;
        json_t *raw = keyed_object(d, "memory.stat");
        json_t *cache = json_object_get(raw, "cache");
        return json_pack(
            "{s:I, s:o, s:o, s:o, s:o, s:o}", "cache",
            (json_int_t)(json_is_integer(cache) ? json_integer_value(cache) : 0), "usage",
            usage_entry(read_u64(d, "memory.usage_in_bytes"),
                        read_u64(d, "memory.max_usage_in_bytes"),
                        read_u64(d, "memory.limit_in_bytes"), read_u64(d, "memory.failcnt")),
            "swap",
            usage_entry(read_u64(d, "memory.memsw.usage_in_bytes"),
                        read_u64(d, "memory.memsw.max_usage_in_bytes"),
                        read_u64(d, "memory.memsw.limit_in_bytes"),
                        read_u64(d, "memory.memsw.failcnt")),
            "kernel",
            usage_entry(read_u64(d, "memory.kmem.usage_in_bytes"),
                        read_u64(d, "memory.kmem.max_usage_in_bytes"),
                        read_u64(d, "memory.kmem.limit_in_bytes"),
                        read_u64(d, "memory.kmem.failcnt")),
            "kernelTCP",
            usage_entry(read_u64(d, "memory.kmem.tcp.usage_in_bytes"),
                        read_u64(d, "memory.kmem.tcp.max_usage_in_bytes"),
                        read_u64(d, "memory.kmem.tcp.limit_in_bytes"),
                        read_u64(d, "memory.kmem.tcp.failcnt")),
            "raw", raw);
}

static json_t *memory_v2(const char *d)
{
        json_t *raw = keyed_object(d, "memory.stat");
        json_t *file = json_object_get(raw, "file");
        return json_pack(
            "{s:I, s:o, s:o, s:o}", "cache",
            (json_int_t)(json_is_integer(file) ? json_integer_value(file) : 0), "usage",
            usage_entry(read_u64(d, "memory.current"), read_u64(d, "memory.peak"),
                        read_u64(d, "memory.max"), keyed(d, "memory.events", "max")),
            "swap",
            usage_entry(read_u64(d, "memory.swap.current"), read_u64(d, "memory.swap.peak"),
                        read_u64(d, "memory.swap.max"), keyed(d, "memory.swap.events", "max")),
            "raw", raw);
}

/* v1 "8:0 Read 4096" lines into [{major, minor, op, value}]. */
static json_t *blkio_v1_list(const char *d, const char *file)
{
        json_t *a = json_array();
        _cleanup_free_ char *buf = NULL;
        if (!d || rt_cg_read(d, file, &buf, NULL) < 0)
                return a;
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned maj, min;
                char op[16];
                unsigned long long v;
                if (sscanf(line, "%u:%u %15s %llu", &maj, &min, op, &v) == 4)
                        json_array_append_new(
                            a, json_pack("{s:I, s:I, s:s, s:I}", "major", (json_int_t)maj, "minor",
                                         (json_int_t)min, "op", op, "value", (json_int_t)v));
        }
        return a;
}

/* v2 io.stat "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." into the same two
 * lists runc fills from it. */
static json_t *blkio_v2(const char *d)
{
        json_t *bytes = json_array(), *ios = json_array();
        _cleanup_free_ char *buf = NULL;
        if (d && rt_cg_read(d, "io.stat", &buf, NULL) >= 0) {
                char *save = NULL;
                for (char *line = strtok_r(buf, "\n", &save); line;
                     line = strtok_r(NULL, "\n", &save)) {
                        unsigned maj, min;
                        int off = 0;
                        if (sscanf(line, "%u:%u%n", &maj, &min, &off) != 2)
                                continue;
                        static const struct {
                                const char *key, *op;
                                bool bytes;
                        } map[] = {{"rbytes=", "Read", true},
                                   {"wbytes=", "Write", true},
                                   {"rios=", "Read", false},
                                   {"wios=", "Write", false}};
                        for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
                                const char *p = strstr(line + off, map[i].key);
                                if (!p)
                                        continue;
                                json_t *e = json_pack(
                                    "{s:I, s:I, s:s, s:I}", "major", (json_int_t)maj, "minor",
                                    (json_int_t)min, "op", map[i].op, "value",
                                    (json_int_t)strtoull(p + strlen(map[i].key), NULL, 10));
                                json_array_append_new(map[i].bytes ? bytes : ios, e);
                        }
                }
        }
        return json_pack("{s:o, s:o}", "ioServiceBytesRecursive", bytes, "ioServicedRecursive",
                         ios);
}

static json_t *pids_entry(const char *d)
{
        return json_pack("{s:I, s:I}", "current", (json_int_t)read_u64(d, "pids.current"), "limit",
                         (json_int_t)read_u64(d, "pids.max"));
}

int rt_cgroup_stats(RtCgroup *cg, json_t **ret, BerthError **err)
{
        json_t *data = NULL;
        if (cg->mode == RT_CGROUP_UNIFIED) {
                const char *d = cg->h[0].dir;
                data =
                    json_pack("{s:o, s:o, s:o, s:o, s:{}}", "cpu", cpu_v2(d), "memory",
                              memory_v2(d), "pids", pids_entry(d), "blkio", blkio_v2(d), "hugetlb");
        } else {
                RtCgHier *p = rt_cg_hier_for(cg, "pids");
                RtCgHier *b = rt_cg_hier_for(cg, "blkio");
                const char *bd = b ? b->dir : NULL;
                data =
                    json_pack("{s:o, s:o, s:o, s:{s:o, s:o}, s:{}}", "cpu", cpu_v1(cg), "memory",
                              memory_v1(cg), "pids", pids_entry(p ? p->dir : NULL), "blkio",
                              "ioServiceBytesRecursive",
                              blkio_v1_list(bd, "blkio.throttle.io_service_bytes_recursive"),
                              "ioServicedRecursive",
                              blkio_v1_list(bd, "blkio.throttle.io_serviced_recursive"), "hugetlb");
        }
        if (!data)
                return error_set(err, ENOMEM, "out of memory");
        *ret = data;
        return 0;
}
