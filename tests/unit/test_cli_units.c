/* Units as docker prints and parses them; detach keys; stdcopy frames;
 * option parsing rules. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "common/strv.h"

static void expect_size(double v, const char *want)
{
        char *s = cli_human_size(v);
        assert_string_equal(s, want);
        free(s);
}

static void test_human_size(void **state)
{
        expect_size(0, "0B");
        expect_size(999, "999B");
        expect_size(1000, "1kB");
        expect_size(4261, "4.26kB");
        expect_size(1234567, "1.23MB");
        expect_size(4400000, "4.4MB");
        expect_size(1e9, "1GB");
        expect_size(123456789012.0, "123GB");
}

static void expect_dur(int64_t s, const char *want)
{
        char *d = cli_human_duration(s);
        assert_string_equal(d, want);
        free(d);
}

static void test_human_duration(void **state)
{
        expect_dur(0, "Less than a second");
        expect_dur(1, "1 second");
        expect_dur(3, "3 seconds");
        expect_dur(59, "59 seconds");
        expect_dur(60, "About a minute");
        expect_dur(119, "About a minute");
        expect_dur(120, "2 minutes");
        expect_dur(3599, "59 minutes");
        expect_dur(3600, "About an hour");
        expect_dur(2 * 3600, "2 hours");
        expect_dur(47 * 3600, "47 hours");
        expect_dur(48 * 3600, "2 days");
        expect_dur(14 * 86400, "2 weeks");
        expect_dur(60 * 86400, "2 months");
        expect_dur(2 * 365 * 86400, "2 years");
}

static void test_ram(void **state)
{
        int64_t v;
        assert_int_equal(cli_parse_ram("512m", &v), 0);
        assert_int_equal(v, 536870912);
        assert_int_equal(cli_parse_ram("1g", &v), 0);
        assert_int_equal(v, 1073741824);
        assert_int_equal(cli_parse_ram("64MB", &v), 0);
        assert_int_equal(v, 64 << 20);
        assert_int_equal(cli_parse_ram("1.5k", &v), 0);
        assert_int_equal(v, 1536);
        assert_int_equal(cli_parse_ram("100", &v), 0);
        assert_int_equal(v, 100);
        assert_int_equal(cli_parse_ram("10b", &v), 0);
        assert_int_equal(v, 10);
        assert_int_equal(cli_parse_ram("2GiB", &v), 0);
        assert_int_equal(v, 2LL << 30);
        assert_true(cli_parse_ram("", &v) < 0);
        assert_true(cli_parse_ram("lots", &v) < 0);
        assert_true(cli_parse_ram("-1", &v) < 0);
        assert_true(cli_parse_ram("12x", &v) < 0);
        assert_true(cli_parse_ram("12mm", &v) < 0);
}

static void test_swap_and_restart(void **state)
{
        int64_t v;
        assert_int_equal(cli_parse_memory_swap("-1", &v), 0);
        assert_int_equal(v, -1);
        assert_int_equal(cli_parse_memory_swap("80m", &v), 0);
        assert_int_equal(v, 80 * 1024 * 1024);
        assert_true(cli_parse_memory_swap("-2", &v) < 0);

        char *why = NULL;
        json_t *p = cli_parse_restart_policy("on-failure:3", &why);
        assert_non_null(p);
        assert_string_equal(json_string_value(json_object_get(p, "Name")), "on-failure");
        assert_int_equal(json_integer_value(json_object_get(p, "MaximumRetryCount")), 3);
        json_decref(p);
        p = cli_parse_restart_policy("no", &why);
        assert_int_equal(json_integer_value(json_object_get(p, "MaximumRetryCount")), 0);
        json_decref(p);
        static const struct {
                const char *in, *why;
        } bad[] = {
            {"sometimes", "invalid restart policy: unknown policy 'sometimes'; use one of 'no', "
                          "'always', 'on-failure', or 'unless-stopped'"},
            {"on-failure:x", "invalid restart policy format: maximum retry count must be an "
                             "integer"},
            {"on-failure:-1", "invalid restart policy format: maximum retry count must be an "
                              "integer"},
            {"always:2", "invalid restart policy: maximum retry count can only be used with "
                         "'on-failure'"},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_null(cli_parse_restart_policy(bad[i].in, &why));
                assert_string_equal(why, bad[i].why);
                free(why);
        }
}

static void test_cpus_and_time(void **state)
{
        int64_t v;
        assert_int_equal(cli_parse_nanocpus("1.5", &v), 0);
        assert_int_equal(v, 1500000000);
        assert_int_equal(cli_parse_nanocpus("0.01", &v), 0);
        assert_int_equal(v, 10000000);
        assert_true(cli_parse_nanocpus("x", &v) < 0);
        assert_int_equal(cli_parse_time("2024-01-02T03:04:05Z", &v), 0);
        assert_int_equal(v, 1704164645);
        assert_int_equal(cli_parse_time("2024-01-02T03:04:05.123456789Z", &v), 0);
        assert_int_equal(v, 1704164645);
        assert_int_equal(cli_parse_time("2024-01-02T05:04:05+02:00", &v), 0);
        assert_int_equal(v, 1704164645);
        assert_true(cli_parse_time("yesterday", &v) < 0);
        char *s = cli_timestamp_arg("10m", 1000000);
        assert_string_equal(s, "999400");
        free(s);
        s = cli_timestamp_arg("1h30m", 1000000);
        assert_string_equal(s, "994600");
        free(s);
        s = cli_timestamp_arg("2024-01-02T03:04:05Z", 0);
        assert_string_equal(s, "1704164645");
        free(s);
        s = cli_timestamp_arg("1704164645.5", 0);
        assert_string_equal(s, "1704164645.5");
        free(s);
        assert_null(cli_timestamp_arg("soon", 0));
}

static void test_detach_keys(void **state)
{
        unsigned char k[16];
        BerthError *err = NULL;
        assert_int_equal(cli_detach_keys_parse("ctrl-p,ctrl-q", k, sizeof(k), &err), 2);
        assert_int_equal(k[0], 16);
        assert_int_equal(k[1], 17);
        assert_int_equal(cli_detach_keys_parse("a,ctrl-@,ctrl-[,ctrl-_,ctrl-A", k, sizeof(k), &err),
                         5);
        assert_int_equal(k[0], 'a');
        assert_int_equal(k[1], 0);
        assert_int_equal(k[2], 27);
        assert_int_equal(k[3], 31);
        assert_int_equal(k[4], 1);
        assert_true(cli_detach_keys_parse("ctrl-1", k, sizeof(k), &err) < 0);
        assert_non_null(strstr(err->message, "ctrl-1"));
        err = error_free(err);
        assert_true(cli_detach_keys_parse("", k, sizeof(k), &err) < 0);
        err = error_free(err);
        assert_true(cli_detach_keys_parse("ab", k, sizeof(k), &err) < 0);
        err = error_free(err);
        assert_true(cli_detach_keys_parse("a,", k, sizeof(k), &err) < 0);
        err = error_free(err);
}

static void test_detach_filter(void **state)
{
        CliDetach d = {.keys = {16, 17}, .nkeys = 2};
        unsigned char out[64];
        bool det;
        /* plain bytes pass */
        size_t n = cli_detach_filter(&d, (const unsigned char *)"ab", 2, out, &det);
        assert_int_equal(n, 2);
        assert_false(det);
        /* ctrl-p held back, then released by a non-matching byte */
        const unsigned char a[] = {'x', 16};
        n = cli_detach_filter(&d, a, 2, out, &det);
        assert_int_equal(n, 1);
        assert_false(det);
        const unsigned char b[] = {'y'};
        n = cli_detach_filter(&d, b, 1, out, &det);
        assert_int_equal(n, 2);
        assert_int_equal(out[0], 16);
        assert_int_equal(out[1], 'y');
        /* split across reads: ctrl-p | ctrl-q detaches */
        const unsigned char c1[] = {'z', 16};
        n = cli_detach_filter(&d, c1, 2, out, &det);
        assert_int_equal(n, 1);
        const unsigned char c2[] = {17, 'w'};
        n = cli_detach_filter(&d, c2, 2, out, &det);
        assert_true(det);
        assert_int_equal(n, 0);
        /* ctrl-p ctrl-p ctrl-q: first ctrl-p forwarded, then detach */
        CliDetach d2 = {.keys = {16, 17}, .nkeys = 2};
        const unsigned char e[] = {16, 16, 17};
        n = cli_detach_filter(&d2, e, 3, out, &det);
        assert_true(det);
        assert_int_equal(n, 1);
        assert_int_equal(out[0], 16);
}

static void test_demux(void **state)
{
        int o[2], e[2];
        assert_int_equal(pipe2(o, O_NONBLOCK), 0);
        assert_int_equal(pipe2(e, O_NONBLOCK), 0);
        CliDemux d;
        cli_demux_init(&d, o[1], e[1]);
        const char frames[] = "\x01\0\0\0\0\0\0\x05hello\x02\0\0\0\0\0\0\x03"
                              "err\x01\0\0\0\0\0\0\x01!";
        /* fed one byte at a time: headers split across reads */
        for (size_t i = 0; i < sizeof(frames) - 1; i++)
                assert_int_equal(cli_demux_feed(&d, frames + i, 1), 0);
        char buf[64];
        ssize_t n = read(o[0], buf, sizeof(buf));
        assert_int_equal(n, 6);
        assert_memory_equal(buf, "hello!", 6);
        n = read(e[0], buf, sizeof(buf));
        assert_int_equal(n, 3);
        assert_memory_equal(buf, "err", 3);
        close(o[0]);
        close(o[1]);
        close(e[0]);
        close(e[1]);
}

/* Option parser rules (pflag): combined short flags, =values, lists,
 * "--", interspersed positional arguments, and docker's usage errors. */
static void test_options(void **state)
{
        static const CliCommand cmd = {"x", "[OPTIONS] A [B...]", "test", NULL, 1, -1, true};
        bool all = false, quiet = false;
        const char *fmt = NULL;
        long long n = -1;
        char **list = NULL;
        CliOpt opts[] = {
            {'a', "all", CLI_OPT_BOOL, &all, NULL, "all"},
            {'q', "quiet", CLI_OPT_BOOL, &quiet, NULL, "quiet"},
            {0, "format", CLI_OPT_STRING, &fmt, "string", "fmt"},
            {'n', "last", CLI_OPT_INT, &n, "int", "n"},
            {'f', "filter", CLI_OPT_LIST, &list, "filter", "f"},
            {0},
        };
        char *argv[] = {"x",   "p1", "-aq", "--format={{.ID}}",
                        "-n3", "-f", "a=b", "--filter=c=d",
                        "p2",  "--", "-a",  NULL};
        char **args = NULL;
        int nargs = 0, code = 0;
        assert_int_equal(cli_parse(&cmd, opts, 11, argv, &args, &nargs, &code), 0);
        assert_true(all);
        assert_true(quiet);
        assert_string_equal(fmt, "{{.ID}}");
        assert_int_equal(n, 3);
        assert_int_equal(strv_length(list), 2);
        assert_string_equal(list[1], "c=d");
        assert_int_equal(nargs, 3);
        assert_string_equal(args[0], "p1");
        assert_string_equal(args[1], "p2");
        assert_string_equal(args[2], "-a");
        free(args);
        strv_free(list);
        list = NULL;

        char *bad1[] = {"x", "--all=maybe", "p", NULL};
        assert_true(cli_parse(&cmd, opts, 3, bad1, &args, &nargs, &code) < 0);
        assert_int_equal(code, 125);
        char *bad2[] = {"x", "-n", "x", "p", NULL};
        assert_true(cli_parse(&cmd, opts, 4, bad2, &args, &nargs, &code) < 0);
        assert_int_equal(code, 125);
        char *bad3[] = {"x", "--format", NULL};
        assert_true(cli_parse(&cmd, opts, 2, bad3, &args, &nargs, &code) < 0);
        assert_int_equal(code, 125);
        char *none[] = {"x", "-a", NULL};
        assert_true(cli_parse(&cmd, opts, 2, none, &args, &nargs, &code) < 0);
        assert_int_equal(code, 1);
        char *f[] = {"x", "--all=false", "p", NULL};
        all = true;
        assert_int_equal(cli_parse(&cmd, opts, 3, f, &args, &nargs, &code), 0);
        assert_false(all);
        assert_true(opts[0].set);
        free(args);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_human_size),
            cmocka_unit_test(test_human_duration),
            cmocka_unit_test(test_ram),
            cmocka_unit_test(test_cpus_and_time),
            cmocka_unit_test(test_swap_and_restart),
            cmocka_unit_test(test_detach_keys),
            cmocka_unit_test(test_detach_filter),
            cmocka_unit_test(test_demux),
            cmocka_unit_test(test_options),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
