/* Units as docker prints and parses them: decimal human sizes ("1.23MB"),
 * human durations ("About a minute"), binary memory sizes ("512m"), CPU
 * counts, and timestamps for --since/--until. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

char *cli_human_size(double size)
{
        static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
        size_t i = 0;
        char *s = NULL;
        while (size >= 1000.0 && i + 1 < sizeof(units) / sizeof(units[0])) {
                size /= 1000.0;
                i++;
        }
        if (asprintf(&s, "%.3g%s", size, units[i]) < 0)
                return NULL;
        return s;
}

char *cli_human_duration(int64_t seconds)
{
        char *s = NULL;
        int r;
        int64_t minutes = seconds / 60;
        int64_t hours = (int64_t)llround((double)seconds / 3600.0);

        if (seconds < 1)
                r = asprintf(&s, "Less than a second");
        else if (seconds == 1)
                r = asprintf(&s, "1 second");
        else if (seconds < 60)
                r = asprintf(&s, "%lld seconds", (long long)seconds);
        else if (minutes == 1)
                r = asprintf(&s, "About a minute");
        else if (minutes < 60)
                r = asprintf(&s, "%lld minutes", (long long)minutes);
        else if (hours == 1)
                r = asprintf(&s, "About an hour");
        else if (hours < 48)
                r = asprintf(&s, "%lld hours", (long long)hours);
        else if (hours < 24 * 7 * 2)
                r = asprintf(&s, "%lld days", (long long)(hours / 24));
        else if (hours < 24 * 30 * 2)
                r = asprintf(&s, "%lld weeks", (long long)(hours / 24 / 7));
        else if (hours < 24 * 365 * 2)
                r = asprintf(&s, "%lld months", (long long)(hours / 24 / 30));
        else
                r = asprintf(&s, "%lld years", (long long)((double)seconds / 3600.0 / 24 / 365));
        return r < 0 ? NULL : s;
}

int cli_parse_ram(const char *s, int64_t *ret)
{
        char *end = NULL;
        double v;
        int64_t mult = 1;

        if (!s || !*s || isspace((unsigned char)*s))
                return -EINVAL;
        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || v < 0)
                return -EINVAL;
        if (*end) {
                char u = (char)tolower((unsigned char)*end);
                const char *rest = end + 1;
                switch (u) {
                case 'b':
                        mult = 1;
                        break;
                case 'k':
                        mult = 1LL << 10;
                        break;
                case 'm':
                        mult = 1LL << 20;
                        break;
                case 'g':
                        mult = 1LL << 30;
                        break;
                case 't':
                        mult = 1LL << 40;
                        break;
                case 'p':
                        mult = 1LL << 50;
                        break;
                default:
                        return -EINVAL;
                }
                if (u != 'b' && *rest) {
                        if (strcasecmp(rest, "b") != 0 && strcasecmp(rest, "ib") != 0)
                                return -EINVAL;
                } else if (u == 'b' && *rest) {
                        return -EINVAL;
                }
        }
        double total = v * (double)mult;
        if (total > 9.2e18)
                return -ERANGE;
        *ret = (int64_t)total;
        return 0;
}

int cli_parse_nanocpus(const char *s, int64_t *ret)
{
        char *end = NULL;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || end == s || *end || v < 0 || v > 1e9)
                return -EINVAL;
        *ret = (int64_t)llround(v * 1e9);
        return 0;
}

int cli_parse_memory_swap(const char *s, int64_t *ret)
{
        if (strcmp(s, "-1") == 0) {
                *ret = -1;
                return 0;
        }
        return cli_parse_ram(s, ret);
}

json_t *cli_parse_restart_policy(const char *s, char **ret_why)
{
        *ret_why = NULL;
        char *name = strdup(s);
        if (!name)
                return NULL;
        long long retries = 0;
        char *colon = strchr(name, ':');
        const char *why = NULL;
        if (colon) {
                *colon++ = '\0';
                bool digits = *colon != '\0';
                for (const char *c = colon; *c; c++)
                        digits = digits && isdigit((unsigned char)*c);
                if (!digits)
                        why = "invalid restart policy format: maximum retry count must be an "
                              "integer";
                else
                        retries = strtoll(colon, NULL, 10);
        }
        if (!why && strcmp(name, "no") != 0 && strcmp(name, "always") != 0 &&
            strcmp(name, "unless-stopped") != 0 && strcmp(name, "on-failure") != 0) {
                if (asprintf(ret_why,
                             "invalid restart policy: unknown policy '%s'; use one of 'no', "
                             "'always', 'on-failure', or 'unless-stopped'",
                             name) < 0)
                        *ret_why = NULL;
                free(name);
                return NULL;
        }
        if (!why && colon && strcmp(name, "on-failure") != 0)
                why = "invalid restart policy: maximum retry count can only be used with "
                      "'on-failure'";
        json_t *p =
            why ? NULL
                : json_pack("{s:s, s:I}", "Name", name, "MaximumRetryCount", (json_int_t)retries);
        free(name);
        if (why)
                *ret_why = strdup(why);
        return p;
}

int cli_parse_time(const char *s, int64_t *ret)
{
        struct tm tm = {0};
        const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!p)
                return -EINVAL;
        time_t t = timegm(&tm);
        if (*p == '.') {
                p++;
                while (isdigit((unsigned char)*p))
                        p++;
        }
        if (*p == 'Z' || *p == 'z') {
                p++;
        } else if (*p == '+' || *p == '-') {
                int hh = 0, mm = 0;
                if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
                        return -EINVAL;
                long off = hh * 3600L + mm * 60L;
                t -= *p == '+' ? off : -off;
                p += 6;
        }
        if (*p)
                return -EINVAL;
        *ret = (int64_t)t;
        return 0;
}

/* Go durations: "1h30m", "10s", "1.5h". */
static int parse_go_duration(const char *s, double *ret)
{
        double total = 0;
        const char *p = s;
        if (!*p)
                return -EINVAL;
        while (*p) {
                char *end = NULL;
                double v = strtod(p, &end);
                if (end == p)
                        return -EINVAL;
                p = end;
                double unit;
                if (strncmp(p, "ns", 2) == 0)
                        unit = 1e-9, p += 2;
                else if (strncmp(p, "us", 2) == 0)
                        unit = 1e-6, p += 2;
                else if (strncmp(p, "ms", 2) == 0)
                        unit = 1e-3, p += 2;
                else if (*p == 's')
                        unit = 1, p++;
                else if (*p == 'm')
                        unit = 60, p++;
                else if (*p == 'h')
                        unit = 3600, p++;
                else
                        return -EINVAL;
                total += v * unit;
        }
        *ret = total;
        return 0;
}

char *cli_timestamp_arg(const char *s, int64_t now)
{
        char *out = NULL;
        double d;
        int64_t t;
        char *end = NULL;

        if (!s || !*s)
                return NULL;
        if (parse_go_duration(s, &d) == 0) {
                if (asprintf(&out, "%lld", (long long)(now - (int64_t)d)) < 0)
                        return NULL;
                return out;
        }
        if (cli_parse_time(s, &t) == 0) {
                if (asprintf(&out, "%lld", (long long)t) < 0)
                        return NULL;
                return out;
        }
        struct tm tm = {0};
        const char *p = strptime(s, "%Y-%m-%d", &tm);
        if (p && !*p) {
                if (asprintf(&out, "%lld", (long long)timegm(&tm)) < 0)
                        return NULL;
                return out;
        }
        strtod(s, &end);
        if (end != s && !*end)
                return strdup(s);
        return NULL;
}
