/* Unit tests for the /images helpers that need no image store: the
 * `changes` parser of docker import. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "daemon/api_images_changes.h"

/* Parses the changes and compares the result to want (JSON text). */
static void check(const char *const *changes, const char *want)
{
        json_t *got = NULL;
        BerthError *err = NULL;
        int r = api_images_parse_changes((char *const *)changes, &got, &err);
        if (r < 0)
                fprintf(stderr, "# %s\n", err->message);
        assert_int_equal(r, 0);
        _cleanup_json_ json_t *w = json_loads(want, 0, NULL);
        assert_non_null(w);
        if (!json_equal(got, w)) {
                char *s = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
                fprintf(stderr, "# got  %s\n# want %s\n", s, want);
                free(s);
        }
        assert_true(json_equal(got, w));
        json_decref(got);
}

static void check_error(const char *const *changes, const char *message)
{
        json_t *got = NULL;
        BerthError *err = NULL;
        int r = api_images_parse_changes((char *const *)changes, &got, &err);
        assert_int_equal(r, -EINVAL);
        assert_null(got);
        assert_non_null(err);
        if (!strstr(err->message, message))
                fprintf(stderr, "# message: %s\n", err->message);
        assert_non_null(strstr(err->message, message));
        error_free(err);
}

static void test_cmd_entrypoint(void **state)
{
        check((const char *[]){"CMD [\"/bin/sh\", \"-c\", \"echo hi\"]", NULL},
              "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hi\"]}");
        check((const char *[]){"CMD echo hello world", NULL},
              "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo hello world\"]}");
        check((const char *[]){"entrypoint [\"/init\"]", "CMD [\"a\"]", "CMD [\"b\"]", NULL},
              "{\"Entrypoint\":[\"/init\"],\"Cmd\":[\"b\"]}");
        /* not a JSON array of strings: shell form */
        check((const char *[]){"CMD [1, 2]", NULL}, "{\"Cmd\":[\"/bin/sh\",\"-c\",\"[1, 2]\"]}");
}

static void test_env(void **state)
{
        check((const char *[]){"ENV a=b c=\"d e\" f=g\\ h", NULL},
              "{\"Env\":[\"a=b\",\"c=d e\",\"f=g h\"]}");
        check((const char *[]){"ENV GREETING hello world", NULL},
              "{\"Env\":[\"GREETING=hello world\"]}");
        check((const char *[]){"ENV a=1 b=2", "ENV a=3", NULL}, "{\"Env\":[\"a=3\",\"b=2\"]}");
        check((const char *[]){"ENV q='single $x'", NULL}, "{\"Env\":[\"q=single $x\"]}");
        check_error((const char *[]){"ENV =x", NULL}, "can not be blank");
        check_error((const char *[]){"ENV lonely", NULL}, "ENV must have two arguments");
        check_error((const char *[]){"ENV a=\"open", NULL}, "unmatched");
}

static void test_simple_values(void **state)
{
        check((const char *[]){"WORKDIR /srv", "WORKDIR app", "USER nobody:nogroup",
                               "STOPSIGNAL SIGINT", NULL},
              "{\"WorkingDir\":\"/srv/app\",\"User\":\"nobody:nogroup\",\"StopSignal\":"
              "\"SIGINT\"}");
        check((const char *[]){"WORKDIR rel", NULL}, "{\"WorkingDir\":\"/rel\"}");
}

static void test_expose(void **state)
{
        check((const char *[]){"EXPOSE 80 53/udp 8000-8002/TCP", NULL},
              "{\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{},\"8000/tcp\":{},\"8001/tcp\":{},"
              "\"8002/tcp\":{}}}");
        check_error((const char *[]){"EXPOSE http", NULL}, "invalid containerPort: http");
        check_error((const char *[]){"EXPOSE 70000", NULL}, "invalid containerPort");
        check_error((const char *[]){"EXPOSE 80/icmp", NULL}, "invalid proto: icmp");
        check_error((const char *[]){"EXPOSE 90-80", NULL}, "invalid range");
}

static void test_label_volume_onbuild(void **state)
{
        check((const char *[]){"LABEL a=1 \"b c\"=\"two words\"", "LABEL a=2", NULL},
              "{\"Labels\":{\"a\":\"2\",\"b c\":\"two words\"}}");
        check((const char *[]){"VOLUME [\"/data\", \"/logs\"]", "VOLUME /cache /tmp/x", NULL},
              "{\"Volumes\":{\"/data\":{},\"/logs\":{},\"/cache\":{},\"/tmp/x\":{}}}");
        check((const char *[]){"ONBUILD run echo built", NULL},
              "{\"OnBuild\":[\"RUN echo built\"]}");
        check_error((const char *[]){"ONBUILD ONBUILD RUN x", NULL}, "isn't allowed");
}

static void test_lines(void **state)
{
        /* several instructions in one value, comments, continuations */
        check((const char *[]){"# a comment\nENV a=1 \\\n  b=2\n\nCMD [\"sh\"]\n", NULL},
              "{\"Env\":[\"a=1\",\"b=2\"],\"Cmd\":[\"sh\"]}");
        json_t *got = (json_t *)1;
        assert_int_equal(api_images_parse_changes(NULL, &got, NULL), 0);
        assert_null(got);
        got = (json_t *)1;
        assert_int_equal(api_images_parse_changes((char *[]){"", "  ", NULL}, &got, NULL), 0);
        assert_null(got);
}

static void test_invalid(void **state)
{
        check_error((const char *[]){"RUN echo no", NULL}, "RUN is not a valid change command");
        check_error((const char *[]){"FROM busybox", NULL}, "FROM is not a valid change command");
        check_error((const char *[]){"CMD", NULL}, "CMD requires at least one argument");
        check_error((const char *[]){"AVERYLONGINSTRUCTIONNAME x", NULL},
                    "is not a valid change command");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_cmd_entrypoint),
            cmocka_unit_test(test_env),
            cmocka_unit_test(test_simple_values),
            cmocka_unit_test(test_expose),
            cmocka_unit_test(test_label_volume_onbuild),
            cmocka_unit_test(test_lines),
            cmocka_unit_test(test_invalid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
