/* Value conversions between the spec's (cgroup v1) units and cgroup v2's,
 * with the same formulas as runc and crun so that a container gets the same
 * limits whichever runtime starts it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "runtime/cgroup.h"

uint64_t rt_cgroup_shares_to_weight(uint64_t shares)
{
        if (shares == 0)
                return 0; /* unset stays unset */
        if (shares < 2)
                shares = 2;
        if (shares > 262144)
                shares = 262144;
        /* maps [2, 262144] linearly onto [1, 10000] */
        return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t rt_cgroup_blkio_to_io_weight(uint64_t weight)
{
        if (weight == 0)
                return 0;
        if (weight < 10)
                weight = 10;
        if (weight > 1000)
                weight = 1000;
        /* maps [10, 1000] linearly onto [1, 10000] */
        return 1 + ((weight - 10) * 9999) / 990;
}

void rt_cgroup_cpu_max(const RtResources *res, char *buf, size_t len)
{
        if (len == 0)
                return;
        buf[0] = '\0';
        if (!res || (!res->cpu.quota.set && !res->cpu.period.set))
                return;
        int64_t period =
            res->cpu.period.set && res->cpu.period.value > 0 ? res->cpu.period.value : 100000;
        if (res->cpu.quota.set && res->cpu.quota.value > 0)
                snprintf(buf, len, "%" PRId64 " %" PRId64, res->cpu.quota.value, period);
        else
                snprintf(buf, len, "max %" PRId64, period);
}

int rt_cgroup_swap_v2(int64_t limit, int64_t swap, int64_t *ret, BerthError **err)
{
        /* v1's memory+swap of -1 (or none) means unlimited swap */
        if (swap <= 0) {
                *ret = -1;
                return 0;
        }
        if (limit < 0)
                return error_set(err, EINVAL,
                                 "cgroup: memory+swap limit %" PRId64
                                 " needs a memory limit, but memory is unlimited",
                                 swap);
        if (limit == 0)
                return error_set(err, EINVAL,
                                 "cgroup: memory+swap limit %" PRId64
                                 " cannot be set without a memory limit",
                                 swap);
        if (swap < limit)
                return error_set(err, EINVAL,
                                 "cgroup: memory+swap limit %" PRId64
                                 " is lower than the memory limit %" PRId64,
                                 swap, limit);
        *ret = swap - limit;
        return 0;
}
