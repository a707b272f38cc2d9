#include "common/log.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static LogLevel cur_level = LOG_LEVEL_WARN;
static LogFormat cur_format = LOG_FORMAT_TEXT;
static int cur_fd = -1;
static const char *program = NULL;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void log_set_level(LogLevel level)
{
        cur_level = level;
}

LogLevel log_get_level(void)
{
        return cur_level;
}

void log_set_program(const char *name)
{
        program = name;
}

void log_set_output(int fd, LogFormat format)
{
        cur_fd = fd;
        cur_format = format;
}

int log_level_parse(const char *s, LogLevel *ret)
{
        static const struct {
                const char *name;
                LogLevel level;
        } map[] = {{"error", LOG_LEVEL_ERROR},  {"warn", LOG_LEVEL_WARN},
                   {"warning", LOG_LEVEL_WARN}, {"info", LOG_LEVEL_INFO},
                   {"debug", LOG_LEVEL_DEBUG},  {"trace", LOG_LEVEL_DEBUG}};
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
                if (strcasecmp(s, map[i].name) == 0) {
                        *ret = map[i].level;
                        return 0;
                }
        return -EINVAL;
}

int log_format_parse(const char *s, LogFormat *ret)
{
        if (strcmp(s, "text") == 0)
                *ret = LOG_FORMAT_TEXT;
        else if (strcmp(s, "json") == 0)
                *ret = LOG_FORMAT_JSON;
        else
                return -EINVAL;
        return 0;
}

static void write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return;
                }
                buf += n;
                len -= (size_t)n;
        }
}

void log_msg(LogLevel level, const char *fmt, ...)
{
        if (level > cur_level)
                return;
        int saved = errno;
        char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0) {
                errno = saved;
                return;
        }
        int fd = cur_fd >= 0 ? cur_fd : STDERR_FILENO;
        char *line = NULL;
        if (cur_format == LOG_FORMAT_JSON) {
                char ts[64];
                struct timespec now;
                struct tm tm;
                clock_gettime(CLOCK_REALTIME, &now);
                gmtime_r(&now.tv_sec, &tm);
                strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
                char tsfull[96];
                snprintf(tsfull, sizeof(tsfull), "%s.%09ldZ", ts, now.tv_nsec);
                json_t *o = json_pack("{s:s, s:s, s:s}", "level", level_names[level], "msg", msg,
                                      "time", tsfull);
                char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
                json_decref(o);
                if (s && asprintf(&line, "%s\n", s) < 0)
                        line = NULL;
                free(s);
        } else if (program) {
                if (asprintf(&line, "%s: %s%s%s\n", program,
                             level == LOG_LEVEL_ERROR ? "" : level_names[level],
                             level == LOG_LEVEL_ERROR ? "" : ": ", msg) < 0)
                        line = NULL;
        } else {
                if (asprintf(&line, "%s\n", msg) < 0)
                        line = NULL;
        }
        if (line)
                write_all(fd, line, strlen(line));
        free(line);
        free(msg);
        errno = saved;
}
