/* berth update: changes the resources and restart policy of containers
 * (POST /containers/{id}/update), as `docker update`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/strv.h"

static int bad_flag(const char *flag, const char *value, const char *why)
{
        fprintf(stderr,
                "invalid argument \"%s\" for \"%s\" flag: %s\n\nUsage:  %s update [OPTIONS] "
                "CONTAINER [CONTAINER...]\n\nRun '%s update --help' for more information\n",
                value, flag, why, cli_program, cli_program);
        return CLI_EXIT_ENGINE;
}

int cmd_update(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"update",
                                       "[OPTIONS] CONTAINER [CONTAINER...]",
                                       "Update configuration of one or more containers",
                                       "berth container update, berth update",
                                       1,
                                       -1,
                                       true};
        const char *memory = NULL, *memory_swap = NULL, *memory_reservation = NULL, *cpus = NULL,
                   *cpuset_cpus = NULL, *cpuset_mems = NULL, *restart = NULL;
        long long blkio_weight = 0, cpu_period = 0, cpu_quota = 0, cpu_rt_period = 0,
                  cpu_rt_runtime = 0, cpu_shares = 0, pids_limit = 0;
        CliOpt opts[] = {
            {0, "blkio-weight", CLI_OPT_INT, &blkio_weight, "uint16",
             "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)"},
            {0, "cpu-period", CLI_OPT_INT, &cpu_period, "int",
             "Limit CPU CFS (Completely Fair Scheduler) period"},
            {0, "cpu-quota", CLI_OPT_INT, &cpu_quota, "int",
             "Limit CPU CFS (Completely Fair Scheduler) quota"},
            {0, "cpu-rt-period", CLI_OPT_INT, &cpu_rt_period, "int",
             "Limit the CPU real-time period in microseconds"},
            {0, "cpu-rt-runtime", CLI_OPT_INT, &cpu_rt_runtime, "int",
             "Limit the CPU real-time runtime in microseconds"},
            {'c', "cpu-shares", CLI_OPT_INT, &cpu_shares, "int", "CPU shares (relative weight)"},
            {0, "cpus", CLI_OPT_STRING, &cpus, "decimal", "Number of CPUs"},
            {0, "cpuset-cpus", CLI_OPT_STRING, &cpuset_cpus, "string",
             "CPUs in which to allow execution (0-3, 0,1)"},
            {0, "cpuset-mems", CLI_OPT_STRING, &cpuset_mems, "string",
             "MEMs in which to allow execution (0-3, 0,1)"},
            {'m', "memory", CLI_OPT_STRING, &memory, "bytes", "Memory limit"},
            {0, "memory-reservation", CLI_OPT_STRING, &memory_reservation, "bytes",
             "Memory soft limit"},
            {0, "memory-swap", CLI_OPT_STRING, &memory_swap, "bytes",
             "Swap limit equal to memory plus swap: -1 to enable unlimited swap"},
            {0, "pids-limit", CLI_OPT_INT, &pids_limit, "int",
             "Tune container pids limit (set -1 for unlimited)"},
            {0, "restart", CLI_OPT_STRING, &restart, "string",
             "Restart policy to apply when a container exits"},
            {0},
        };
        PARSE(cmd, opts);

        bool any = false;
        for (const CliOpt *o = opts; o->long_name; o++)
                any = any || o->set;
        if (!any) {
                fprintf(stderr, "you must provide one or more flags when using this command\n");
                return 1;
        }
        int64_t mem = 0, swap = 0, reservation = 0, nano = 0;
        if (memory && cli_parse_ram(memory, &mem) < 0)
                return bad_flag("-m, --memory", memory, "invalid size");
        if (memory_reservation && cli_parse_ram(memory_reservation, &reservation) < 0)
                return bad_flag("--memory-reservation", memory_reservation, "invalid size");
        if (memory_swap && cli_parse_memory_swap(memory_swap, &swap) < 0)
                return bad_flag("--memory-swap", memory_swap, "invalid size");
        if (cpus && cli_parse_nanocpus(cpus, &nano) < 0)
                return bad_flag("--cpus", cpus, "failed to parse as a rational number");
        if (blkio_weight < 0 || blkio_weight > 65535) {
                char v[32];
                snprintf(v, sizeof(v), "%lld", blkio_weight);
                return bad_flag("--blkio-weight", v, "value out of range");
        }
        _cleanup_json_ json_t *body = json_pack(
            "{s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:I, s:I, s:I, s:I}", "BlkioWeight",
            (json_int_t)blkio_weight, "CpuShares", (json_int_t)cpu_shares, "CpuPeriod",
            (json_int_t)cpu_period, "CpuQuota", (json_int_t)cpu_quota, "CpuRealtimePeriod",
            (json_int_t)cpu_rt_period, "CpuRealtimeRuntime", (json_int_t)cpu_rt_runtime,
            "CpusetCpus", cpuset_cpus ? cpuset_cpus : "", "CpusetMems",
            cpuset_mems ? cpuset_mems : "", "Memory", (json_int_t)mem, "MemoryReservation",
            (json_int_t)reservation, "MemorySwap", (json_int_t)swap, "NanoCpus", (json_int_t)nano);
        if (!body)
                return 1;
        if (cli_opt_find(opts, "pids-limit")->set)
                json_object_set_new(body, "PidsLimit", json_integer(pids_limit));
        if (restart) {
                _cleanup_free_ char *why = NULL;
                json_t *rp = cli_parse_restart_policy(restart, &why);
                if (!rp) {
                        fprintf(stderr, "%s\n", why ? why : "invalid restart policy");
                        return 1;
                }
                json_object_set_new(body, "RestartPolicy", rp);
        }

        int failed = 0;
        _cleanup_strv_free_ char **warnings = NULL;
        for (int i = 0; i < nargs; i++) {
                _cleanup_error_ BerthError *err = NULL;
                _cleanup_free_ char *q = cli_urlencode(args[i]), *path = NULL;
                if (!q || asprintf(&path, "/containers/%s/update", q) < 0)
                        return 1;
                _cleanup_json_ json_t *res = NULL;
                int r = cli_post_json(ctx, path, body, &res, &err);
                if (r < 0) {
                        fprintf(stderr, "%s\n", err && err->message ? err->message : "failed");
                        failed = 1;
                        if (r == -ECONNREFUSED)
                                return 1;
                        continue;
                }
                printf("%s\n", args[i]);
                size_t k;
                json_t *w;
                json_array_foreach(json_object_get(res, "Warnings"), k, w)
                {
                        if (json_string_value(w))
                                strv_append(&warnings, json_string_value(w));
                }
        }
        STRV_FOREACH(w, warnings)
        printf("%s\n", *w);
        return failed;
}
