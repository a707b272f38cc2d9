/* json-file logs (Docker's format): writer with rotation, line reader, and
 * the multiplexed stream frame header. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/strv.h"
#include "monitor/jsonlog.h"

void jsonlog_frame_header(uint8_t hdr[8], int stream, uint32_t len)
{
        hdr[0] = (uint8_t)stream;
        hdr[1] = hdr[2] = hdr[3] = 0;
        hdr[4] = (uint8_t)(len >> 24);
        hdr[5] = (uint8_t)(len >> 16);
        hdr[6] = (uint8_t)(len >> 8);
        hdr[7] = (uint8_t)len;
}

int64_t jsonlog_now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void jsonlog_format_time(int64_t ns, char *buf, size_t len)
{
        time_t sec = (time_t)(ns / 1000000000);
        long frac = (long)(ns % 1000000000);
        if (frac < 0) {
                frac += 1000000000;
                sec--;
        }
        struct tm tm;
        gmtime_r(&sec, &tm);
        snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static int digits(const char **p, int n, int *ret)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (**p < '0' || **p > '9')
                        return -EINVAL;
                v = v * 10 + (**p - '0');
                (*p)++;
        }
        *ret = v;
        return 0;
}

int jsonlog_parse_time(const char *s, int64_t *ret)
{
        int y, mo, d, h, mi, se;
        const char *p = s;
        if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 || *p++ != '-' ||
            digits(&p, 2, &d) < 0 || (*p != 'T' && *p != 't' && *p != ' '))
                return -EINVAL;
        p++;
        if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0 || *p++ != ':' ||
            digits(&p, 2, &se) < 0)
                return -EINVAL;
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
                return -EINVAL;
        int64_t frac = 0;
        if (*p == '.') {
                p++;
                int n = 0;
                while (*p >= '0' && *p <= '9') {
                        if (n < 9) {
                                frac = frac * 10 + (*p - '0');
                                n++;
                        }
                        p++;
                }
                if (n == 0)
                        return -EINVAL;
                for (; n < 9; n++)
                        frac *= 10;
        }
        int64_t off = 0;
        if (*p == 'Z' || *p == 'z') {
                p++;
        } else if (*p == '+' || *p == '-') {
                int sign = *p++ == '-' ? -1 : 1, oh, om;
                if (digits(&p, 2, &oh) < 0 || *p++ != ':' || digits(&p, 2, &om) < 0)
                        return -EINVAL;
                off = sign * ((int64_t)oh * 3600 + om * 60);
        } else {
                return -EINVAL;
        }
        if (*p)
                return -EINVAL;
        struct tm tm = {.tm_year = y - 1900,
                        .tm_mon = mo - 1,
                        .tm_mday = d,
                        .tm_hour = h,
                        .tm_min = mi,
                        .tm_sec = se};
        time_t t = timegm(&tm);
        *ret = ((int64_t)t - off) * 1000000000 + frac;
        return 0;
}

int jsonlog_parse_timestamp_arg(const char *s, int64_t *ret)
{
        if (!s || !*s)
                return -EINVAL;
        if (strchr(s, '-') || strchr(s, 'T'))
                return jsonlog_parse_time(s, ret);
        const char *p = s;
        int64_t sec = 0, frac = 0;
        int n = 0;
        if (*p < '0' || *p > '9')
                return -EINVAL;
        while (*p >= '0' && *p <= '9') {
                if (sec > INT64_MAX / 10 / 1000000000)
                        return -EINVAL;
                sec = sec * 10 + (*p++ - '0');
        }
        if (*p == '.') {
                p++;
                while (*p >= '0' && *p <= '9') {
                        if (n < 9) {
                                frac = frac * 10 + (*p - '0');
                                n++;
                        }
                        p++;
                }
                for (; n < 9; n++)
                        frac *= 10;
        }
        if (*p)
                return -EINVAL;
        *ret = sec * 1000000000 + frac;
        return 0;
}

/* ---- formatting ---- */

static int buf_reserve(char **buf, size_t *cap, size_t need)
{
        if (need <= *cap)
                return 0;
        size_t n = *cap ? *cap : 256;
        while (n < need)
                n *= 2;
        char *b = realloc(*buf, n);
        if (!b)
                return -ENOMEM;
        *buf = b;
        *cap = n;
        return 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_valid(const unsigned char *s, size_t n)
{
        unsigned char c = s[0];
        if (c < 0x80)
                return 1;
        size_t need;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
                need = 2;
                cp = c & 0x1F;
                min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
                need = 3;
                cp = c & 0x0F;
                min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
                need = 4;
                cp = c & 0x07;
                min = 0x10000;
        } else {
                return 0;
        }
        if (n < need)
                return 0;
        for (size_t i = 1; i < need; i++) {
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        return need;
}

int jsonlog_format_entry(int stream, const char *data, size_t len, int64_t time_ns, char **buf,
                         size_t *buf_len, size_t *buf_cap)
{
        static const char hex[] = "0123456789abcdef";
        /* worst case: 6 bytes per input byte, plus the frame */
        if (buf_reserve(buf, buf_cap, *buf_len + len * 6 + 128) < 0)
                return -ENOMEM;
        char *o = *buf + *buf_len;
        const unsigned char *s = (const unsigned char *)data;
        o = stpcpy(o, "{\"log\":\"");
        for (size_t i = 0; i < len;) {
                unsigned char c = s[i];
                if (c >= 0x80) {
                        size_t n = utf8_valid(s + i, len - i);
                        if (n == 0) {
                                o = stpcpy(o, "\\ufffd");
                                i++;
                        } else if (n == 3 && c == 0xE2 && s[i + 1] == 0x80 &&
                                   (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
                                o = stpcpy(o, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
                                i += 3;
                        } else {
                                memcpy(o, s + i, n);
                                o += n;
                                i += n;
                        }
                        continue;
                }
                i++;
                switch (c) {
                case '"':
                        o = stpcpy(o, "\\\"");
                        break;
                case '\\':
                        o = stpcpy(o, "\\\\");
                        break;
                case '\n':
                        o = stpcpy(o, "\\n");
                        break;
                case '\r':
                        o = stpcpy(o, "\\r");
                        break;
                case '\t':
                        o = stpcpy(o, "\\t");
                        break;
                case '<':
                case '>':
                case '&':
                        o = stpcpy(o, "\\u00");
                        *o++ = hex[c >> 4];
                        *o++ = hex[c & 15];
                        break;
                default:
                        if (c < 0x20) {
                                o = stpcpy(o, "\\u00");
                                *o++ = hex[c >> 4];
                                *o++ = hex[c & 15];
                        } else {
                                *o++ = (char)c;
                        }
                }
        }
        o = stpcpy(o, stream == 2 ? "\",\"stream\":\"stderr\",\"time\":\""
                                  : "\",\"stream\":\"stdout\",\"time\":\"");
        char tb[40];
        jsonlog_format_time(time_ns ? time_ns : jsonlog_now_ns(), tb, sizeof(tb));
        o = stpcpy(o, tb);
        o = stpcpy(o, "\"}\n");
        *buf_len = (size_t)(o - *buf);
        return 0;
}

/* ---- writer ---- */

typedef struct Pending {
        char *data;
        size_t len;
} Pending;

struct JsonLog {
        char *path;
        int fd;
        long long size;
        long long max_size;
        int max_file;
        Pending pend[2]; /* stdout, stderr */
        char *buf;
        size_t buf_cap;
};

int jsonlog_open(const char *path, long long max_size, int max_file, JsonLog **ret,
                 BerthError **err)
{
        _cleanup_free_ JsonLog *l = calloc(1, sizeof(*l));
        if (!l)
                return error_set(err, ENOMEM, "out of memory");
        l->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (l->fd < 0)
                return error_set_errno(err, errno, "open log file '%s'", path);
        struct stat st;
        if (fstat(l->fd, &st) < 0 || !(l->path = strdup(path))) {
                int e = errno ? errno : ENOMEM;
                close(l->fd);
                return error_set_errno(err, e, "log file '%s'", path);
        }
        l->size = st.st_size;
        l->max_size = max_size;
        l->max_file = max_file < 1 ? 1 : max_file;
        *ret = TAKE_PTR(l);
        return 0;
}

JsonLog *jsonlog_free(JsonLog *l)
{
        if (!l)
                return NULL;
        if (l->fd >= 0)
                close(l->fd);
        free(l->pend[0].data);
        free(l->pend[1].data);
        free(l->buf);
        free(l->path);
        free(l);
        return NULL;
}

static int rotate(JsonLog *l)
{
        if (l->max_file <= 1) {
                if (ftruncate(l->fd, 0) < 0)
                        return -errno;
                l->size = 0;
                return 0;
        }
        size_t plen = strlen(l->path) + 16;
        _cleanup_free_ char *from = malloc(plen);
        _cleanup_free_ char *to = malloc(plen);
        if (!from || !to)
                return -ENOMEM;
        for (int i = l->max_file - 1; i >= 2; i--) {
                snprintf(from, plen, "%s.%d", l->path, i - 1);
                snprintf(to, plen, "%s.%d", l->path, i);
                if (rename(from, to) < 0 && errno != ENOENT)
                        return -errno;
        }
        snprintf(to, plen, "%s.1", l->path);
        if (rename(l->path, to) < 0)
                return -errno;
        int fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_TRUNC, 0640);
        if (fd < 0)
                return -errno;
        close(l->fd);
        l->fd = fd;
        l->size = 0;
        return 0;
}

int jsonlog_write_entry(JsonLog *l, int stream, const char *data, size_t len, int64_t now_ns)
{
        size_t n = 0;
        int r = jsonlog_format_entry(stream, data, len, now_ns, &l->buf, &n, &l->buf_cap);
        if (r < 0)
                return r;
        if (l->max_size > 0 && l->size > 0 && l->size + (long long)n > l->max_size &&
            (r = rotate(l)) < 0)
                return r;
        if ((r = write_all_fd(l->fd, l->buf, n)) < 0)
                return r;
        l->size += (long long)n;
        return 0;
}

int jsonlog_feed(JsonLog *l, int stream, const char *data, size_t len)
{
        Pending *p = &l->pend[stream == 2 ? 1 : 0];
        int r = 0;
        while (len > 0) {
                const char *nl = memchr(data, '\n', len);
                size_t take = nl ? (size_t)(nl - data) + 1 : len;
                if (p->len + take > JSONLOG_MAX_LINE)
                        take = JSONLOG_MAX_LINE - p->len;
                bool complete =
                    (nl && take == (size_t)(nl - data) + 1) || p->len + take == JSONLOG_MAX_LINE;
                if (complete && p->len == 0) {
                        /* the common case: a whole line straight from the input */
                        int w = jsonlog_write_entry(l, stream, data, take, 0);
                        if (w < 0)
                                r = w;
                } else {
                        if (!p->data && !(p->data = malloc(JSONLOG_MAX_LINE)))
                                return -ENOMEM;
                        memcpy(p->data + p->len, data, take);
                        p->len += take;
                        if (complete) {
                                int w = jsonlog_write_entry(l, stream, p->data, p->len, 0);
                                if (w < 0)
                                        r = w;
                                p->len = 0;
                        }
                }
                data += take;
                len -= take;
        }
        return r;
}

int jsonlog_flush(JsonLog *l, int stream)
{
        Pending *p = &l->pend[stream == 2 ? 1 : 0];
        int r = 0;
        if (p->len > 0)
                r = jsonlog_write_entry(l, stream, p->data, p->len, 0);
        p->len = 0;
        free(p->data);
        p->data = NULL;
        return r;
}

/* ---- reader ---- */

void jsonlog_entry_clear(JsonLogEntry *e)
{
        free(e->log);
        *e = (JsonLogEntry){0};
}

int jsonlog_parse_line(const char *line, size_t len, JsonLogEntry *ret)
{
        *ret = (JsonLogEntry){0};
        json_t *j = json_loadb(line, len, JSON_ALLOW_NUL, NULL);
        if (!j)
                return -EINVAL;
        json_t *log = json_object_get(j, "log");
        json_t *stream = json_object_get(j, "stream");
        json_t *tm = json_object_get(j, "time");
        int r = -EINVAL;
        if (!json_is_string(log) || !json_is_string(tm))
                goto out;
        if (jsonlog_parse_time(json_string_value(tm), &ret->time_ns) < 0)
                goto out;
        ret->stream =
            json_is_string(stream) && strcmp(json_string_value(stream), "stderr") == 0 ? 2 : 1;
        ret->len = json_string_length(log);
        ret->log = malloc(ret->len + 1);
        if (!ret->log) {
                r = -ENOMEM;
                goto out;
        }
        memcpy(ret->log, json_string_value(log), ret->len);
        ret->log[ret->len] = 0;
        r = 0;
out:
        json_decref(j);
        return r;
}

int jsonlog_files(const char *path, char ***ret, BerthError **err)
{
        _cleanup_strv_free_ char **v = NULL;
        int n = 0;
        size_t plen = strlen(path) + 16;
        _cleanup_free_ char *p = malloc(plen);
        if (!p)
                return error_set(err, ENOMEM, "out of memory");
        for (;;) {
                snprintf(p, plen, "%s.%d", path, n + 1);
                if (access(p, F_OK) < 0)
                        break;
                n++;
        }
        for (int i = n; i >= 1; i--) {
                snprintf(p, plen, "%s.%d", path, i);
                if (strv_append(&v, p) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        if (access(path, F_OK) == 0 && strv_append(&v, path) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (!v && !(v = calloc(1, sizeof(char *))))
                return error_set(err, ENOMEM, "out of memory");
        *ret = TAKE_PTR(v);
        return 0;
}
