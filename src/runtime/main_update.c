/* berth-runtime features, update and events: the runc commands around a
 * running container's resources. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "runtime/container.h"
#include "runtime/main.h"
#include "runtime/spec.h"

int cmd_features(const Globals *g, int argc, char **argv)
{
        (void)g;
        Parsed p;
        int r = parse_opts("features", NULL, 0, argc, argv, &p);
        if (r == 0 && p.n_pos > 0)
                r = fail("features: takes no arguments");
        parsed_done(&p);
        if (r)
                return r;
        json_t *j = rt_features();
        r = print_json(j, JSON_INDENT(4));
        json_decref(j);
        return r;
}

/* A size as runc takes it (docker's RAMInBytes): a number of bytes with an
 * optional binary suffix b, k, m, g, t (kb, mib... too); -1 is unlimited. */
static int parse_size(const char *s, int64_t *ret)
{
        if (STREQ(s, "-1")) {
                *ret = -1;
                return 0;
        }
        char *end = NULL;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || end == s || v < 0)
                return -EINVAL;
        static const struct {
                const char *suffix;
                int shift;
        } units[] = {{"", 0},    {"b", 0},    {"k", 10}, {"kb", 10}, {"kib", 10}, {"m", 20},
                     {"mb", 20}, {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}, {"t", 40},
                     {"tb", 40}, {"tib", 40}, {"p", 50}, {"pb", 50}, {"pib", 50}};
        for (size_t i = 0; i < ARRAY_SIZE(units); i++)
                if (strcasecmp(end, units[i].suffix) == 0) {
                        double bytes = v * (double)(UINT64_C(1) << units[i].shift);
                        if (bytes >= 9.2e18)
                                return -ERANGE;
                        *ret = (int64_t)bytes;
                        return 0;
                }
        return -EINVAL;
}

static int parse_i64(const char *s, int64_t *ret)
{
        char *end = NULL;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

enum {
        U_RESOURCES,
        U_MEMORY,
        U_MEMORY_RES,
        U_MEMORY_SWAP,
        U_KMEM,
        U_KMEM_TCP,
        U_CPU_SHARES,
        U_CPU_QUOTA,
        U_CPU_PERIOD,
        U_CPU_RT_PERIOD,
        U_CPU_RT_RUNTIME,
        U_CPUSET_CPUS,
        U_CPUSET_MEMS,
        U_PIDS,
        U_BLKIO_WEIGHT,
        U_COUNT
};
static const Opt update_opts[] = {
    [U_RESOURCES] = {"resources", 'r', 1},
    [U_MEMORY] = {"memory", 'm', 1},
    [U_MEMORY_RES] = {"memory-reservation", 0, 1},
    [U_MEMORY_SWAP] = {"memory-swap", 0, 1},
    [U_KMEM] = {"kernel-memory", 0, 1},
    [U_KMEM_TCP] = {"kernel-memory-tcp", 0, 1},
    [U_CPU_SHARES] = {"cpu-share", 0, 1},
    [U_CPU_QUOTA] = {"cpu-quota", 0, 1},
    [U_CPU_PERIOD] = {"cpu-period", 0, 1},
    [U_CPU_RT_PERIOD] = {"cpu-rt-period", 0, 1},
    [U_CPU_RT_RUNTIME] = {"cpu-rt-runtime", 0, 1},
    [U_CPUSET_CPUS] = {"cpuset-cpus", 0, 1},
    [U_CPUSET_MEMS] = {"cpuset-mems", 0, 1},
    [U_PIDS] = {"pids-limit", 0, 1},
    [U_BLKIO_WEIGHT] = {"blkio-weight", 0, 1},
};

/* The flags over what -r gave (runc: flags win). */
static int apply_flags(const Parsed *p, RtResources *res)
{
        static const struct {
                int opt;
                bool size;
                size_t offset;
        } nums[] = {
            {U_MEMORY, true, offsetof(RtResources, memory.limit)},
            {U_MEMORY_RES, true, offsetof(RtResources, memory.reservation)},
            {U_MEMORY_SWAP, true, offsetof(RtResources, memory.swap)},
            {U_KMEM, true, offsetof(RtResources, memory.kernel)},
            {U_KMEM_TCP, true, offsetof(RtResources, memory.kernel_tcp)},
            {U_CPU_SHARES, false, offsetof(RtResources, cpu.shares)},
            {U_CPU_QUOTA, false, offsetof(RtResources, cpu.quota)},
            {U_CPU_PERIOD, false, offsetof(RtResources, cpu.period)},
            {U_CPU_RT_PERIOD, false, offsetof(RtResources, cpu.realtime_period)},
            {U_CPU_RT_RUNTIME, false, offsetof(RtResources, cpu.realtime_runtime)},
            {U_PIDS, false, offsetof(RtResources, pids.limit)},
            {U_BLKIO_WEIGHT, false, offsetof(RtResources, blkio.weight)},
        };
        for (size_t i = 0; i < ARRAY_SIZE(nums); i++) {
                const char *v = p->values[nums[i].opt];
                if (!v)
                        continue;
                int64_t n = 0;
                int r = nums[i].size ? parse_size(v, &n) : parse_i64(v, &n);
                if (r < 0)
                        return fail("update: --%s: '%s' is not a valid %s",
                                    update_opts[nums[i].opt].lng, v,
                                    nums[i].size ? "size" : "number");
                *(RtOpt *)((char *)res + nums[i].offset) = (RtOpt){.set = true, .value = n};
        }
        static const struct {
                int opt;
                size_t offset;
        } strs[] = {{U_CPUSET_CPUS, offsetof(RtResources, cpu.cpus)},
                    {U_CPUSET_MEMS, offsetof(RtResources, cpu.mems)}};
        for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
                const char *v = p->values[strs[i].opt];
                if (!v)
                        continue;
                char **field = (char **)((char *)res + strs[i].offset);
                free(*field);
                if (!(*field = strdup(v)))
                        return fail("out of memory");
        }
        return 0;
}

static int load_resources(const char *path, RtResources *res)
{
        _cleanup_json_ json_t *doc = NULL;
        BerthError *err = NULL;
        int r;
        if (STREQ(path, "-")) {
                _cleanup_free_ char *buf = NULL;
                size_t len = 0;
                if ((r = read_file("/dev/stdin", &buf, &len, &err)) < 0 ||
                    (r = rt_spec_parse_text(buf, len, "resources", &doc, &err)) < 0)
                        return fail_err(err);
        } else if ((r = rt_spec_load_text(path, path, &doc, &err)) < 0) {
                return fail_err(err);
        }
        if (rt_resources_from_json(doc, STREQ(path, "-") ? "resources" : path, res, &err) < 0)
                return fail_err(err);
        return 0;
}

int cmd_update(const Globals *g, int argc, char **argv)
{
        Parsed p;
        RtResources res = {0};
        int r = parse_opts("update", update_opts, ARRAY_SIZE(update_opts), argc, argv, &p);
        if (r == 0)
                r = need_id("update", &p, 0);
        if (r == 0 && p.values[U_RESOURCES])
                r = load_resources(p.values[U_RESOURCES], &res);
        if (r == 0)
                r = apply_flags(&p, &res);
        BerthError *err = NULL;
        if (r == 0 && rt_container_update(g->root, p.pos[0], &res, &err) < 0)
                r = fail_err(err);
        rt_resources_done(&res);
        parsed_done(&p);
        return r;
}

/* A Go duration as runc's --interval takes it ("5s", "500ms", "1m"); a bare
 * number is seconds. */
static int parse_interval(const char *s, long *ret_ms)
{
        char *end = NULL;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || end == s || v <= 0)
                return -EINVAL;
        double ms;
        if (!*end || STREQ(end, "s"))
                ms = v * 1000;
        else if (STREQ(end, "ms"))
                ms = v;
        else if (STREQ(end, "m"))
                ms = v * 60000;
        else if (STREQ(end, "h"))
                ms = v * 3600000;
        else
                return -EINVAL;
        if (ms < 1 || ms > 86400000.0)
                return -ERANGE;
        *ret_ms = (long)ms;
        return 0;
}

static int print_event(const char *type, const char *id, json_t *data)
{
        json_t *e = json_pack("{s:s, s:s}", "type", type, "id", id);
        if (e && data)
                json_object_set(e, "data", data);
        int r = print_json(e, JSON_COMPACT);
        json_decref(e);
        fflush(stdout);
        return r;
}

int cmd_events(const Globals *g, int argc, char **argv)
{
        static const Opt opts[] = {{"stats", 0, 0}, {"interval", 0, 1}};
        Parsed p;
        int r = parse_opts("events", opts, ARRAY_SIZE(opts), argc, argv, &p);
        if (r == 0)
                r = need_id("events", &p, 0);
        long interval_ms = 5000;
        if (r == 0 && p.values[1] && parse_interval(p.values[1], &interval_ms) < 0)
                r = fail("events: --interval: '%s' is not a duration (like 5s or 500ms)",
                         p.values[1]);
        if (r) {
                parsed_done(&p);
                return r;
        }
        const char *id = p.pos[0];
        BerthError *err = NULL;
        uint64_t ooms = 0;
        bool have_ooms = rt_container_oom_kills(g->root, id, &ooms, NULL) >= 0;
        for (bool first = true;; first = false) {
                json_t *stats = NULL;
                if (rt_container_stats(g->root, id, &stats, &err) < 0) {
                        /* a container that stops ends the stream, as in runc */
                        if (!first && err && err->code == ESRCH) {
                                error_free(err);
                                break;
                        }
                        r = fail_err(err);
                        break;
                }
                uint64_t now = 0;
                if (!first && have_ooms && rt_container_oom_kills(g->root, id, &now, NULL) >= 0 &&
                    now > ooms) {
                        ooms = now;
                        print_event("oom", id, NULL);
                }
                r = print_event("stats", id, stats);
                json_decref(stats);
                if (r || p.set[0])
                        break;
                struct timespec ts = {.tv_sec = interval_ms / 1000,
                                      .tv_nsec = (interval_ms % 1000) * 1000000L};
                while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                        ;
        }
        parsed_done(&p);
        return r;
}
