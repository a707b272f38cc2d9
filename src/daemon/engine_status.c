/* State names, Docker's status strings, times and restart policies. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/engine_internal.h"

static const char *const state_names[] = {
    [ENGINE_CREATED] = "created", [ENGINE_RUNNING] = "running",
    [ENGINE_PAUSED] = "paused",   [ENGINE_RESTARTING] = "restarting",
    [ENGINE_EXITED] = "exited",   [ENGINE_REMOVING] = "removing",
    [ENGINE_DEAD] = "dead",
};

const char *engine_state_name(EngineRunState s)
{
        if ((size_t)s < ARRAY_SIZE(state_names))
                return state_names[s];
        return "unknown";
}

int engine_state_parse(const char *s, EngineRunState *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(state_names); i++)
                if (STREQ(state_names[i], s)) {
                        *ret = (EngineRunState)i;
                        return 0;
                }
        return -EINVAL;
}

void engine_human_duration(int64_t ns, char *buf, size_t len)
{
        double secs_f = (double)ns / 1e9;
        int64_t secs = ns / 1000000000LL;
        if (secs < 1) {
                snprintf(buf, len, "Less than a second");
                return;
        }
        if (secs == 1) {
                snprintf(buf, len, "1 second");
                return;
        }
        if (secs < 60) {
                snprintf(buf, len, "%lld seconds", (long long)secs);
                return;
        }
        int64_t minutes = secs / 60;
        if (minutes == 1) {
                snprintf(buf, len, "About a minute");
                return;
        }
        if (minutes < 60) {
                snprintf(buf, len, "%lld minutes", (long long)minutes);
                return;
        }
        int64_t hours = (int64_t)(secs_f / 3600 + 0.5);
        if (hours == 1)
                snprintf(buf, len, "About an hour");
        else if (hours < 48)
                snprintf(buf, len, "%lld hours", (long long)hours);
        else if (hours < 24 * 7 * 2)
                snprintf(buf, len, "%lld days", (long long)(hours / 24));
        else if (hours < 24 * 30 * 2)
                snprintf(buf, len, "%lld weeks", (long long)(hours / 24 / 7));
        else if (hours < 24 * 365 * 2)
                snprintf(buf, len, "%lld months", (long long)(hours / 24 / 30));
        else
                snprintf(buf, len, "%lld years", (long long)(secs_f / 3600 / 24 / 365));
}

void engine_status_string(const Ctr *c, int64_t now, char *buf, size_t len)
{
        char d[64];
        switch (c->state) {
        case ENGINE_RUNNING:
        case ENGINE_PAUSED:
                engine_human_duration(now - c->started_at, d, sizeof(d));
                snprintf(buf, len, "Up %s%s", d, c->state == ENGINE_PAUSED ? " (Paused)" : "");
                return;
        case ENGINE_RESTARTING:
                engine_human_duration(now - c->finished_at, d, sizeof(d));
                snprintf(buf, len, "Restarting (%d) %s ago", c->exit_code, d);
                return;
        case ENGINE_REMOVING:
                snprintf(buf, len, "Removal In Progress");
                return;
        case ENGINE_DEAD:
                snprintf(buf, len, "Dead");
                return;
        default:
                break;
        }
        if (c->started_at == 0) {
                snprintf(buf, len, "Created");
                return;
        }
        if (c->finished_at == 0) {
                snprintf(buf, len, "%s", "");
                return;
        }
        engine_human_duration(now - c->finished_at, d, sizeof(d));
        snprintf(buf, len, "Exited (%d) %s ago", c->exit_code, d);
}

void engine_time_format(int64_t ns, char *buf, size_t len)
{
        if (ns <= 0) {
                snprintf(buf, len, "0001-01-01T00:00:00Z");
                return;
        }
        time_t secs = (time_t)(ns / 1000000000LL);
        long frac = (long)(ns % 1000000000LL);
        struct tm tm;
        gmtime_r(&secs, &tm);
        char base[32];
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        if (frac == 0) {
                snprintf(buf, len, "%sZ", base);
                return;
        }
        /* Go's RFC3339Nano trims trailing zeros of the fraction. */
        char f[16];
        snprintf(f, sizeof(f), "%09ld", frac);
        for (int i = 8; i > 0 && f[i] == '0'; i--)
                f[i] = '\0';
        snprintf(buf, len, "%s.%sZ", base, f);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        unsigned yoe = (unsigned)(y - era * 400);
        unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + (int64_t)doe - 719468;
}

int engine_time_parse(const char *s, int64_t *ret_ns)
{
        int y, mo, d, h, mi, se, n = 0;
        if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 ||
            n != 19)
                return -EINVAL;
        const char *p = s + n;
        int64_t frac = 0;
        if (*p == '.') {
                p++;
                int digits = 0;
                while (isdigit((unsigned char)*p)) {
                        if (digits < 9) {
                                frac = frac * 10 + (*p - '0');
                                digits++;
                        }
                        p++;
                }
                if (digits == 0)
                        return -EINVAL;
                while (digits++ < 9)
                        frac *= 10;
        }
        int64_t off = 0;
        if (*p == 'Z' || *p == 'z') {
                p++;
        } else if (*p == '+' || *p == '-') {
                int oh, om;
                if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2)
                        return -EINVAL;
                off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
                p += 6;
        } else {
                return -EINVAL;
        }
        if (*p)
                return -EINVAL;
        if (y <= 1) {
                *ret_ns = 0;
                return 0;
        }
        int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
        int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - off;
        *ret_ns = secs * 1000000000LL + frac;
        return 0;
}

int engine_time_arg_parse(const char *s, int64_t now_ns, int64_t *ret_ns)
{
        if (!s || !*s)
                return -EINVAL;
        /* unix seconds, optionally with a fraction */
        char *end;
        errno = 0;
        long long secs = strtoll(s, &end, 10);
        if (end != s && errno == 0 && (*end == '\0' || *end == '.')) {
                int64_t frac = 0;
                if (*end == '.') {
                        const char *p = end + 1;
                        int digits = 0;
                        while (isdigit((unsigned char)*p) && digits < 9) {
                                frac = frac * 10 + (*p - '0');
                                digits++;
                                p++;
                        }
                        if (*p)
                                return -EINVAL;
                        while (digits++ < 9)
                                frac *= 10;
                }
                *ret_ns = (int64_t)secs * 1000000000LL + frac;
                return 0;
        }
        if (engine_time_parse(s, ret_ns) == 0)
                return 0;
        /* "2006-01-02" */
        int y, mo, d, n = 0;
        if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && s[n] == '\0') {
                *ret_ns = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 * 1000000000LL;
                return 0;
        }
        /* a Go duration: 1h30m, 10m, 45s */
        const char *p = s;
        double total = 0;
        while (*p) {
                char *e2;
                double v = strtod(p, &e2);
                if (e2 == p)
                        return -EINVAL;
                p = e2;
                double unit;
                if (strncmp(p, "ms", 2) == 0) {
                        unit = 1e6;
                        p += 2;
                } else if (*p == 'h') {
                        unit = 3600e9;
                        p++;
                } else if (*p == 'm') {
                        unit = 60e9;
                        p++;
                } else if (*p == 's') {
                        unit = 1e9;
                        p++;
                } else {
                        return -EINVAL;
                }
                total += v * unit;
        }
        *ret_ns = now_ns - (int64_t)total;
        return 0;
}

int64_t engine_restart_backoff(int64_t prev_ms, int64_t ran_ms)
{
        /* moby restartmanager: 100 ms doubling, back to 100 ms once the
         * container ran for 10 s, capped at 1 minute. */
        if (ran_ms >= 10000 || prev_ms <= 0)
                return 100;
        int64_t next = prev_ms * 2;
        return next > 60000 ? 60000 : next;
}

bool engine_policy_should_restart(json_t *host_config, int exit_code, int restart_count,
                                  bool manually_stopped)
{
        json_t *rp = json_object_get(host_config, "RestartPolicy");
        const char *name = json_string_value(json_object_get(rp, "Name"));
        if (!name || !*name || STREQ(name, "no"))
                return false;
        /* moby's restartmanager.ShouldRestart; a stop by the user cancels
         * the policy of the run it ends (engine_exit.c), and only
         * unless-stopped remembers it across daemon restarts. */
        if (STREQ(name, "always"))
                return true;
        if (STREQ(name, "unless-stopped"))
                return !manually_stopped;
        if (STREQ(name, "on-failure")) {
                if (exit_code == 0)
                        return false;
                json_int_t max = json_integer_value(json_object_get(rp, "MaximumRetryCount"));
                return max <= 0 || restart_count < max;
        }
        return false;
}
