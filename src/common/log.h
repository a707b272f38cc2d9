/* One log API for every program. Libraries log at debug at most; the program
 * that owns an error logs it once. */
#pragma once

#include <stdbool.h>

typedef enum LogLevel {
        LOG_LEVEL_ERROR = 0,
        LOG_LEVEL_WARN,
        LOG_LEVEL_INFO,
        LOG_LEVEL_DEBUG,
} LogLevel;

typedef enum LogFormat {
        LOG_FORMAT_TEXT = 0,
        LOG_FORMAT_JSON, /* runc's: {"level":"error","msg":"...","time":"RFC3339"} */
} LogFormat;

void log_set_level(LogLevel level);
LogLevel log_get_level(void);
/* Name the program in text lines ("berth-runtime: error: ..."). */
void log_set_program(const char *name);
/* fd < 0 means stderr. The fd is not closed by the logger. */
void log_set_output(int fd, LogFormat format);
/* Parses "error", "warn"/"warning", "info", "debug"; -EINVAL otherwise. */
int log_level_parse(const char *s, LogLevel *ret);
int log_format_parse(const char *s, LogFormat *ret);

void log_msg(LogLevel level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
        do {                                                                                       \
                if (log_get_level() >= LOG_LEVEL_DEBUG)                                            \
                        log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);                                     \
        } while (0)
