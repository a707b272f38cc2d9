/* Docker's json-file log format, written by berth-monitor and read by
 * berthd's logs and attach endpoints, and Docker's stream multiplexing
 * frames. See monitor.h for the format and the rotation scheme. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Longest payload of one log entry: longer lines are split (partial). */
#define JSONLOG_MAX_LINE (16 * 1024)

/* ---- frames ---- */

/* Fills hdr[0..7]: stream byte, three zero bytes, big-endian length. */
void jsonlog_frame_header(uint8_t hdr[8], int stream, uint32_t len);

/* ---- writer ---- */

typedef struct JsonLog JsonLog;

/* Opens (appending to) path. max_size <= 0: no rotation; max_file >= 1. */
int jsonlog_open(const char *path, long long max_size, int max_file, JsonLog **ret,
                 BerthError **err);
JsonLog *jsonlog_free(JsonLog *l);
/* Feeds output of one stream (1 stdout, 2 stderr): whole lines are written
 * at once, a partial line is kept until its newline, JSONLOG_MAX_LINE bytes
 * or jsonlog_flush(). Returns >= 0 or -errno (the entry is lost). */
int jsonlog_feed(JsonLog *l, int stream, const char *data, size_t len);
/* Writes what is pending for stream (at EOF). */
int jsonlog_flush(JsonLog *l, int stream);
/* Writes one entry as it is, with the time now_ns (ns since the epoch; 0 =
 * the current time). Rotates first when the file would exceed max_size. */
int jsonlog_write_entry(JsonLog *l, int stream, const char *data, size_t len, int64_t now_ns);

/* The JSON line of one entry (with its newline) appended to *buf (grown
 * with realloc). Go's encoding: <, >, & and U+2028/9 escaped; invalid UTF-8
 * becomes U+FFFD. */
int jsonlog_format_entry(int stream, const char *data, size_t len, int64_t time_ns, char **buf,
                         size_t *buf_len, size_t *buf_cap);

/* ---- reader ---- */

typedef struct JsonLogEntry {
        char *log; /* decoded text (may hold NUL bytes), owned */
        size_t len;
        int stream;      /* 1 stdout, 2 stderr */
        int64_t time_ns; /* since the epoch */
} JsonLogEntry;
void jsonlog_entry_clear(JsonLogEntry *e);

/* Parses one line of a json-file log. -EINVAL when it is not one. */
int jsonlog_parse_line(const char *line, size_t len, JsonLogEntry *ret);

/* "2026-11-23T17:00:00.123456789Z" (any number of fraction digits, Z or
 * +hh:mm) into ns since the epoch. */
int jsonlog_parse_time(const char *s, int64_t *ret);
/* The fixed RFC 3339 form with 9 fraction digits into buf (>= 32 bytes). */
void jsonlog_format_time(int64_t ns, char *buf, size_t len);
/* Docker's since/until values: "1700000000", "1700000000.5", or an RFC 3339
 * time; -EINVAL otherwise. */
int jsonlog_parse_timestamp_arg(const char *s, int64_t *ret);

/* The files of a log, oldest first: path.N ... path.1, path (only those
 * that exist). NULL-terminated, caller frees with strv_free(). */
int jsonlog_files(const char *path, char ***ret, BerthError **err);

int64_t jsonlog_now_ns(void);
