/* --format templates (Go text/template subset), inspect -f printing of
 * JSON values as Go prints them, and docker's table writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli.h"

static char *render(const char *tmpl, const char *json, int *ret)
{
        CliTemplate *t = NULL;
        BerthError *err = NULL;
        json_t *dot = json_loads(json, JSON_DECODE_ANY, NULL);
        char *out = NULL;
        *ret = cli_template_parse(tmpl, &t, NULL, &err);
        if (*ret >= 0) {
                out = cli_template_render(t, dot, &err);
                if (!out)
                        *ret = -1;
        }
        if (err)
                print_message("# %s\n", err->message);
        error_free(err);
        cli_template_free(t);
        json_decref(dot);
        return out;
}

static void expect(const char *tmpl, const char *json, const char *want)
{
        int r;
        char *out = render(tmpl, json, &r);
        assert_true(r >= 0);
        assert_string_equal(out, want);
        free(out);
}

static void expect_error(const char *tmpl, const char *json)
{
        int r;
        char *out = render(tmpl, json, &r);
        assert_true(r < 0);
        assert_null(out);
}

static const char *C = "{\"Id\":\"abc\",\"State\":{\"Running\":true,\"ExitCode\":0,\"Pid\":42},"
                       "\"Config\":{\"Env\":[\"A=1\",\"B=2\"],\"Labels\":{\"z\":\"1\",\"a\":\"x\"},"
                       "\"Cmd\":null},\"Name\":\"/web\",\"HostConfig\":{\"Memory\":536870912,"
                       "\"NanoCpus\":1.5,\"Binds\":[]},"
                       "\"Mounts\":[{\"Source\":\"/a\",\"Destination\":\"/b\"},"
                       "{\"Source\":\"/c\",\"Destination\":\"/d\"}]}";

static void test_fields(void **state)
{
        expect("{{.Id}}", C, "abc");
        expect("{{.State.Running}} {{.State.ExitCode}} {{.State.Pid}}", C, "true 0 42");
        expect("{{.HostConfig.Memory}}", C, "536870912");
        expect("{{.HostConfig.NanoCpus}}", C, "1.5");
        expect("{{.Name}}:{{.Nope}}", C, "/web:<no value>");
        expect("{{.Config.Cmd}}", C, "<nil>");
        expect("{{.Config.Env}}", C, "[A=1 B=2]");
        expect("{{.Config.Labels}}", C, "map[a:x z:1]");
        expect("{{.HostConfig.Binds}}", C, "[]");
        expect("{{.State.Missing.Deeper}}", C, "<no value>");
        expect("plain text", C, "plain text");
        expect("{{ .Id }}", C, "abc");
}

static void test_functions(void **state)
{
        expect("{{json .State}}", C, "{\"Running\":true,\"ExitCode\":0,\"Pid\":42}");
        expect("{{json .Config.Cmd}}", C, "null");
        expect("{{join .Config.Env \",\"}}", C, "A=1,B=2");
        expect("{{upper .Id}} {{lower \"ABC\"}} {{title \"hello world\"}}", C,
               "ABC abc Hello World");
        expect("{{index .Config.Labels \"z\"}}", C, "1");
        expect("{{len .Mounts}}", C, "2");
        expect("{{.Id | upper}}", C, "ABC");
        expect("{{printf \"%s-%d\" .Id .State.Pid}}", C, "abc-42");
        expect("{{split \"a:b:c\" \":\"}}", C, "[a b c]");
        expect("{{truncate .Name 2}}", C, "/w");
        expect("{{println .Id}}", C, "abc\n");
        expect("{{json .}}", "\"s\"", "\"s\"");
}

static void test_control(void **state)
{
        expect("{{range .Mounts}}{{.Source}}->{{.Destination}};{{end}}", C, "/a->/b;/c->/d;");
        expect("{{if .State.Running}}up{{else}}down{{end}}", C, "up");
        expect("{{if .Config.Cmd}}cmd{{else}}none{{end}}", C, "none");
        expect("{{range .Config.Cmd}}x{{else}}empty{{end}}", C, "empty");
        expect("{{if eq .Id \"abc\"}}yes{{end}}", C, "yes");
        expect("{{if not .State.Running}}no{{else}}yes{{end}}", C, "yes");
        expect("a  {{- .Id -}}  b", C, "aabcb");
        expect("{{/* comment */}}x", C, "x");
}

static void test_errors(void **state)
{
        expect_error("{{.Id", C);
        expect_error("{{nosuchfn .Id}}", C);
        expect_error("{{if .Id}}x", C);
        expect_error("{{end}}", C);
        expect_error("{{.Config.Env.Foo}}", C);
        expect_error("{{\"unterminated}}", C);
}

static void test_escapes_and_table(void **state)
{
        CliTemplate *t = NULL;
        bool table = false;
        BerthError *err = NULL;
        assert_int_equal(cli_template_parse("table {{.A}}\\t{{.B}}", &t, &table, &err), 0);
        assert_true(table);
        json_t *row = json_pack("{s:s,s:s}", "A", "x", "B", "y");
        char *out = cli_template_render(t, row, &err);
        assert_string_equal(out, "x\ty");
        free(out);
        json_decref(row);
        cli_template_free(t);
        assert_int_equal(cli_template_parse("{{.A}}\\n", &t, &table, &err), 0);
        assert_false(table);
        cli_template_free(t);
}

static char *rows_output(const char *format, const char *def)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        BerthError *err = NULL;
        json_t *rows = json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]", "ID", "0123456789ab", "Image",
                                 "busybox", "Names", "web", "ID", "ba9876543210", "Image",
                                 "a-much-longer-image-name:tag", "Names", "db");
        json_t *header =
            json_pack("{s:s,s:s,s:s}", "ID", "CONTAINER ID", "Image", "IMAGE", "Names", "NAMES");
        assert_int_equal(cli_format_rows(f, format, def, rows, header, &err), 0);
        fclose(f);
        json_decref(rows);
        json_decref(header);
        return buf;
}

static void test_format_rows(void **state)
{
        const char *def = "table {{.ID}}\t{{.Image}}\t{{.Names}}";
        char *s = rows_output(NULL, def);
        /* Go tabwriter: cell width = max(text + 3, 10); last column unpadded */
        assert_string_equal(s, "CONTAINER ID   IMAGE                          NAMES\n"
                               "0123456789ab   busybox                        web\n"
                               "ba9876543210   a-much-longer-image-name:tag   db\n");
        free(s);
        s = rows_output("table", def);
        assert_non_null(strstr(s, "CONTAINER ID   IMAGE"));
        free(s);
        s = rows_output("{{.Names}}", def);
        assert_string_equal(s, "web\ndb\n");
        free(s);
        s = rows_output("json", def);
        assert_string_equal(s, "{\"ID\":\"0123456789ab\",\"Image\":\"busybox\",\"Names\":\"web\"}\n"
                               "{\"ID\":\"ba9876543210\",\"Image\":\"a-much-longer-image-name:"
                               "tag\",\"Names\":\"db\"}\n");
        free(s);
        s = rows_output("table {{.Names}}\\t{{.ID}}", def);
        assert_string_equal(s, "NAMES     CONTAINER ID\nweb       0123456789ab\n"
                               "db        ba9876543210\n");
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_fields),
            cmocka_unit_test(test_functions),
            cmocka_unit_test(test_control),
            cmocka_unit_test(test_errors),
            cmocka_unit_test(test_escapes_and_table),
            cmocka_unit_test(test_format_rows),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
