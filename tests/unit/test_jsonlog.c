/* Unit tests for the json-file log (src/monitor/jsonlog.c): entry encoding
 * as Docker writes it, line splitting, rotation, the reader, times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/strv.h"
#include "monitor/jsonlog.h"

static char tmpdir[64];

static int setup(void **state)
{
        (void)state;
        strcpy(tmpdir, "/tmp/test-jsonlog.XXXXXX");
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        return rm_rf(tmpdir, NULL) < 0 ? -1 : 0;
}

static char *path_in(const char *name)
{
        static char p[128];
        snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
        return p;
}

/* Lines of a file, NULL-terminated. */
static char **file_lines(const char *path)
{
        _cleanup_free_ char *text = NULL;
        char **v = NULL;
        if (read_file(path, &text, NULL, NULL) < 0)
                return calloc(1, sizeof(char *));
        char *save = NULL;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                strv_append(&v, l);
        return v ? v : calloc(1, sizeof(char *));
}

static void test_format_entry(void **state)
{
        (void)state;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        /* 2026-11-23T17:00:00.000000001Z */
        int64_t t = (int64_t)1795453200 * 1000000000 + 1;
        const char in[] = "a\"b\\<&>\t\x01\xff\xe2\x80\xa8\xc3\xa9\n";
        assert_int_equal(jsonlog_format_entry(2, in, sizeof(in) - 1, t, &buf, &len, &cap), 0);
        buf[len] = 0;
        assert_string_equal(buf, "{\"log\":\"a\\\"b\\\\\\u003c\\u0026\\u003e\\t\\u0001\\ufffd"
                                 "\\u2028\xc3\xa9\\n\",\"stream\":\"stderr\","
                                 "\"time\":\"2026-11-23T17:00:00.000000001Z\"}\n");
        /* and the reader gets it back (invalid byte as U+FFFD, as Docker) */
        JsonLogEntry e;
        assert_int_equal(jsonlog_parse_line(buf, len - 1, &e), 0);
        assert_int_equal(e.stream, 2);
        assert_true(e.time_ns == t);
        assert_int_equal(e.len, strlen("a\"b\\<&>\t\x01\xef\xbf\xbd\xe2\x80\xa8\xc3\xa9\n"));
        assert_memory_equal(e.log, "a\"b\\<&>\t\x01\xef\xbf\xbd\xe2\x80\xa8\xc3\xa9\n", e.len);
        jsonlog_entry_clear(&e);
        assert_int_equal(jsonlog_parse_line("{\"log\":1}", 9, &e), -EINVAL);
        assert_int_equal(jsonlog_parse_line("nope", 4, &e), -EINVAL);
}

static void test_frame_header(void **state)
{
        (void)state;
        uint8_t h[8];
        jsonlog_frame_header(h, 2, 0x01020304);
        const uint8_t want[8] = {2, 0, 0, 0, 1, 2, 3, 4};
        assert_memory_equal(h, want, 8);
        jsonlog_frame_header(h, 1, 5);
        const uint8_t want1[8] = {1, 0, 0, 0, 0, 0, 0, 5};
        assert_memory_equal(h, want1, 8);
}

static void test_times(void **state)
{
        (void)state;
        int64_t t;
        assert_int_equal(jsonlog_parse_time("1970-01-01T00:00:01.5Z", &t), 0);
        assert_true(t == 1500000000);
        assert_int_equal(jsonlog_parse_time("2026-11-23T17:00:00.123456789Z", &t), 0);
        char b[40];
        jsonlog_format_time(t, b, sizeof(b));
        assert_string_equal(b, "2026-11-23T17:00:00.123456789Z");
        assert_int_equal(jsonlog_parse_time("2026-11-23T18:00:00+01:00", &t), 0);
        jsonlog_format_time(t, b, sizeof(b));
        assert_string_equal(b, "2026-11-23T17:00:00.000000000Z");
        assert_int_equal(jsonlog_parse_time("2026-11-23 17:00", &t), -EINVAL);
        assert_int_equal(jsonlog_parse_time("2026-11-23T17:00:00", &t), -EINVAL);
        assert_int_equal(jsonlog_parse_timestamp_arg("1700000000", &t), 0);
        assert_true(t == (int64_t)1700000000 * 1000000000);
        assert_int_equal(jsonlog_parse_timestamp_arg("1700000000.25", &t), 0);
        assert_true(t == (int64_t)1700000000 * 1000000000 + 250000000);
        assert_int_equal(jsonlog_parse_timestamp_arg("1970-01-01T00:00:02Z", &t), 0);
        assert_true(t == 2000000000);
        assert_int_equal(jsonlog_parse_timestamp_arg("abc", &t), -EINVAL);
        assert_int_equal(jsonlog_parse_timestamp_arg("12x", &t), -EINVAL);
        assert_int_equal(jsonlog_parse_timestamp_arg("", &t), -EINVAL);
}

static void parse_all(const char *path, char ***ret_logs, int **ret_streams)
{
        char **lines = file_lines(path);
        size_t n = strv_length(lines);
        char **logs = calloc(n + 1, sizeof(char *));
        int *streams = calloc(n + 1, sizeof(int));
        for (size_t i = 0; i < n; i++) {
                JsonLogEntry e;
                assert_int_equal(jsonlog_parse_line(lines[i], strlen(lines[i]), &e), 0);
                logs[i] = strndup(e.log, e.len);
                streams[i] = e.stream;
                jsonlog_entry_clear(&e);
        }
        strv_free(lines);
        *ret_logs = logs;
        *ret_streams = streams;
}

static void test_feed_splits_lines(void **state)
{
        (void)state;
        JsonLog *l = NULL;
        const char *p = path_in("split.log");
        assert_int_equal(jsonlog_open(p, 0, 1, &l, NULL), 0);
        assert_int_equal(jsonlog_feed(l, 1, "one\ntw", 6), 0);
        assert_int_equal(jsonlog_feed(l, 2, "err", 3), 0);
        assert_int_equal(jsonlog_feed(l, 1, "o\nthree\nfour", 12), 0);
        assert_int_equal(jsonlog_feed(l, 2, "!\n", 2), 0);
        /* a line longer than 16 KiB is cut into partial entries */
        size_t big = JSONLOG_MAX_LINE + 100;
        char *x = malloc(big + 1);
        memset(x, 'x', big);
        x[big] = '\n';
        assert_int_equal(jsonlog_feed(l, 1, x, big + 1), 0);
        free(x);
        assert_int_equal(jsonlog_flush(l, 1), 0); /* "four" without newline at EOF */
        jsonlog_free(l);

        char **logs;
        int *streams;
        parse_all(p, &logs, &streams);
        assert_int_equal(strv_length(logs), 6);
        assert_string_equal(logs[0], "one\n");
        assert_string_equal(logs[1], "two\n");
        assert_string_equal(logs[2], "three\n");
        assert_string_equal(logs[3], "err!\n");
        assert_int_equal(streams[3], 2);
        /* "four" + 16 KiB - 4 x's, then the rest with its newline */
        assert_int_equal(strlen(logs[4]), JSONLOG_MAX_LINE);
        assert_memory_equal(logs[4], "fourxxx", 7);
        assert_int_equal(strlen(logs[5]), big + 1 - (JSONLOG_MAX_LINE - 4));
        assert_int_equal(logs[5][strlen(logs[5]) - 1], '\n');
        assert_int_equal(streams[0], 1);
        strv_free(logs);
        free(streams);
}

static void test_rotation(void **state)
{
        (void)state;
        JsonLog *l = NULL;
        _cleanup_free_ char *p = strdup(path_in("rot.log"));
        char *p1 = strdup(path_in("rot.log.1"));
        char *p2 = strdup(path_in("rot.log.2"));
        char *p3 = strdup(path_in("rot.log.3"));
        /* each entry is about 80 bytes: 2 fit in 200 */
        assert_int_equal(jsonlog_open(p, 200, 3, &l, NULL), 0);
        for (int i = 0; i < 10; i++) {
                char line[16];
                snprintf(line, sizeof(line), "line %d\n", i);
                assert_int_equal(jsonlog_feed(l, 1, line, strlen(line)), 0);
                struct stat st;
                assert_int_equal(stat(p, &st), 0);
                assert_true(st.st_size <= 200);
        }
        jsonlog_free(l);
        assert_int_equal(access(p3, F_OK), -1);
        char **logs;
        int *streams;
        parse_all(p, &logs, &streams);
        assert_int_equal(strv_length(logs), 2);
        assert_string_equal(logs[0], "line 8\n");
        assert_string_equal(logs[1], "line 9\n");
        strv_free(logs);
        free(streams);
        parse_all(p1, &logs, &streams);
        assert_string_equal(logs[0], "line 6\n");
        strv_free(logs);
        free(streams);
        parse_all(p2, &logs, &streams);
        assert_string_equal(logs[0], "line 4\n");
        strv_free(logs);
        free(streams);

        /* the files, oldest first */
        char **files = NULL;
        assert_int_equal(jsonlog_files(p, &files, NULL), 0);
        assert_int_equal(strv_length(files), 3);
        assert_string_equal(files[0], p2);
        assert_string_equal(files[1], p1);
        assert_string_equal(files[2], p);
        strv_free(files);

        /* reopening appends; one file only truncates */
        assert_int_equal(jsonlog_open(p, 100, 1, &l, NULL), 0);
        assert_int_equal(jsonlog_feed(l, 1, "a\n", 2), 0);
        jsonlog_free(l);
        parse_all(p, &logs, &streams);
        assert_int_equal(strv_length(logs), 1);
        assert_string_equal(logs[0], "a\n");
        strv_free(logs);
        free(streams);
        free(p1);
        free(p2);
        free(p3);
}

static void test_open_error(void **state)
{
        (void)state;
        JsonLog *l = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(jsonlog_open("/nonexistent/dir/x.log", 0, 1, &l, &err), -ENOENT);
        assert_non_null(strstr(err->message, "/nonexistent/dir/x.log"));
        char **files = NULL;
        assert_int_equal(jsonlog_files("/nonexistent/x.log", &files, NULL), 0);
        assert_int_equal(strv_length(files), 0);
        strv_free(files);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_format_entry), cmocka_unit_test(test_frame_header),
            cmocka_unit_test(test_times),        cmocka_unit_test(test_feed_splits_lines),
            cmocka_unit_test(test_rotation),     cmocka_unit_test(test_open_error),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
