/* The API client against an in-process fake daemon on a unix socket:
 * version negotiation, versioned paths, docker's error texts, the "cannot
 * connect" message, hijacked streams and raw (chunked) responses. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "common/strv.h"

typedef struct Fake {
        char dir[64];
        char sock[128];
        int lfd;
        pthread_t thread;
        const char *api_version; /* API-Version header, NULL: none */
        char last_request[8192]; /* request line + headers + body of the last non-ping call */
} Fake;

#define R(match, text)                                                                             \
        {                                                                                          \
                match, text, sizeof(text) - 1                                                      \
        }
static const struct {
        const char *match;
        const char *data;
        size_t len;
} replies[] = {
    R("/containers/json", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                          "14\r\n\r\n[{\"Id\":\"abc\"}]"),
    R("/containers/missing/json",
      "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
      "Content-Length: 40\r\n\r\n{\"message\":\"No such container: missing\"}"),
    R("/plain-error",
      "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 10\r\n\r\nit broke\r\n"),
    R("/attach", "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                 "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n\x01\0\0\0\0\0\0\x02hi"),
    R("/wait", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               "a\r\n{\"StatusCo\r\n8\r\nde\":42}\n\r\n0\r\n\r\n"),
    R("/create", "HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\n{\"Id\":\"x\"}\n"),
    R("", "HTTP/1.1 404 Not Found\r\nContent-Length: 22\r\n\r\n{\"message\":\"no route\"}"),
};

/* NULL for /_ping (built from f->api_version). */
static const char *reply_for(Fake *f, const char *line, size_t *ret_len)
{
        if (strstr(line, "/_ping"))
                return NULL;
        for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++)
                if (strstr(line, replies[i].match)) {
                        *ret_len = replies[i].len;
                        return replies[i].data;
                }
        return NULL;
}

static void *serve(void *arg)
{
        Fake *f = arg;
        for (;;) {
                int c = accept(f->lfd, NULL, NULL);
                if (c < 0)
                        return NULL;
                char buf[8192];
                size_t len = 0;
                for (;;) {
                        ssize_t n = read(c, buf + len, sizeof(buf) - 1 - len);
                        if (n <= 0)
                                break;
                        len += (size_t)n;
                        buf[len] = 0;
                        char *end = strstr(buf, "\r\n\r\n");
                        if (!end)
                                continue;
                        char *cl = strcasestr(buf, "Content-Length:");
                        size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
                        if (len >= (size_t)(end + 4 - buf) + want)
                                break;
                }
                size_t rlen = 0;
                const char *r = reply_for(f, buf, &rlen);
                char ping[256];
                if (!r) {
                        snprintf(ping, sizeof(ping),
                                 "HTTP/1.1 200 OK\r\n%s%s%sContent-Length: 2\r\n\r\nOK",
                                 f->api_version ? "API-Version: " : "",
                                 f->api_version ? f->api_version : "",
                                 f->api_version ? "\r\n" : "");
                        r = ping;
                        rlen = strlen(ping);
                } else {
                        snprintf(f->last_request, sizeof(f->last_request), "%s", buf);
                }
                if (strncmp(buf, "HEAD", 4) == 0) {
                        /* no body for HEAD */
                        const char *e = strstr(r, "\r\n\r\n");
                        (void)!write(c, r, (size_t)(e + 4 - r));
                } else {
                        (void)!write(c, r, rlen);
                }
                close(c);
        }
}

static int setup(void **state)
{
        Fake *f = calloc(1, sizeof(*f));
        strcpy(f->dir, "/tmp/test_cli_httpXXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->sock, sizeof(f->sock), "%s/s.sock", f->dir);
        f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        strcpy(sa.sun_path, f->sock);
        assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(f->lfd, 16), 0);
        f->api_version = "1.41";
        assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fake *f = *state;
        shutdown(f->lfd, SHUT_RDWR);
        close(f->lfd);
        pthread_join(f->thread, NULL);
        unlink(f->sock);
        rmdir(f->dir);
        free(f);
        return 0;
}

static void ctx_for(Fake *f, CliContext *ctx)
{
        char host[160];
        BerthError *err = NULL;
        snprintf(host, sizeof(host), "unix://%s", f->sock);
        assert_int_equal(cli_context_init(ctx, host, &err), 0);
}

static void test_negotiate_older_server(void **state)
{
        Fake *f = *state;
        CliContext ctx;
        BerthError *err = NULL;
        json_t *j = NULL;
        ctx_for(f, &ctx);
        assert_int_equal(cli_get_json(&ctx, "/containers/json?all=1", &j, &err), 0);
        assert_string_equal(ctx.api_version, "1.41");
        assert_non_null(strstr(f->last_request, "GET /v1.41/containers/json?all=1 HTTP/1.1"));
        assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "Id")), "abc");
        json_decref(j);
        cli_context_done(&ctx);
}

static void test_negotiate_newer_server(void **state)
{
        Fake *f = *state;
        CliContext ctx;
        BerthError *err = NULL;
        f->api_version = "1.56";
        ctx_for(f, &ctx);
        assert_int_equal(cli_negotiate(&ctx, &err), 0);
        assert_string_equal(ctx.api_version, CLI_API_VERSION);
        cli_context_done(&ctx);
        /* no header: docker's fallback, API 1.24 */
        f->api_version = NULL;
        ctx_for(f, &ctx);
        json_t *j = NULL;
        assert_int_equal(cli_get_json(&ctx, "/containers/json", &j, &err), 0);
        assert_string_equal(ctx.api_version, "1.24");
        assert_non_null(strstr(f->last_request, "GET /v1.24/containers/json HTTP/1.1"));
        json_decref(j);
        cli_context_done(&ctx);
}

static void test_errors(void **state)
{
        Fake *f = *state;
        CliContext ctx;
        BerthError *err = NULL;
        json_t *j = NULL;
        ctx_for(f, &ctx);
        assert_int_equal(cli_get_json(&ctx, "/containers/missing/json", &j, &err), -ENOENT);
        assert_string_equal(err->message, "Error response from daemon: No such container: missing");
        err = error_free(err);
        assert_int_equal(cli_get_json(&ctx, "/plain-error", &j, &err), -EIO);
        assert_string_equal(err->message, "Error response from daemon: it broke");
        err = error_free(err);
        cli_context_done(&ctx);
}

static void test_post_body(void **state)
{
        Fake *f = *state;
        CliContext ctx;
        BerthError *err = NULL;
        json_t *res = NULL;
        json_t *body = json_pack("{s:s}", "Image", "busybox");
        ctx_for(f, &ctx);
        assert_int_equal(cli_post_json(&ctx, "/containers/create?name=a", body, &res, &err), 0);
        assert_non_null(strstr(f->last_request, "POST /v1.41/containers/create?name=a"));
        assert_non_null(strcasestr(f->last_request, "Content-Type: application/json"));
        assert_non_null(strstr(f->last_request, "{\"Image\":\"busybox\"}"));
        assert_string_equal(json_string_value(json_object_get(res, "Id")), "x");
        json_decref(res);
        json_decref(body);
        cli_context_done(&ctx);
}

static void test_no_daemon(void **state)
{
        CliContext ctx;
        BerthError *err = NULL;
        json_t *j = NULL;
        assert_int_equal(cli_context_init(&ctx, "unix:///nonexistent/berth.sock", &err), 0);
        assert_int_equal(cli_get_json(&ctx, "/containers/json", &j, &err), -ECONNREFUSED);
        assert_string_equal(err->message,
                            "Cannot connect to the berth daemon at unix:///nonexistent/berth.sock. "
                            "Is the daemon running? (start it with: berthd &)");
        err = error_free(err);
        assert_true(cli_raw_send(&ctx, "POST", "/x", NULL, &err) < 0);
        assert_non_null(strstr(err->message, "Cannot connect"));
        err = error_free(err);
        cli_context_done(&ctx);
        assert_true(cli_context_init(&ctx, "tcp://1.2.3.4:2375", &err) < 0);
        assert_non_null(strstr(err->message, "tcp://1.2.3.4:2375"));
        err = error_free(err);
        cli_context_done(&ctx);
}

static void test_hijack_and_raw(void **state)
{
        Fake *f = *state;
        CliContext ctx;
        BerthError *err = NULL;
        char *extra = NULL;
        size_t extra_len = 0;
        ctx_for(f, &ctx);
        int fd = cli_hijack(&ctx, "POST", "/containers/c/attach?stream=1&stdout=1", NULL, &extra,
                            &extra_len, &err);
        assert_true(fd >= 0);
        assert_non_null(strstr(f->last_request, "Upgrade: tcp"));
        assert_non_null(strstr(f->last_request, "Connection: Upgrade"));
        assert_int_equal(extra_len, 10);
        assert_memory_equal(extra, "\x01\0\0\0\0\0\0\x02hi", 10);
        free(extra);
        close(fd);
        fd = cli_hijack(&ctx, "POST", "/containers/missing/json", NULL, &extra, &extra_len, &err);
        assert_int_equal(fd, -ENOENT);
        assert_string_equal(err->message, "Error response from daemon: No such container: missing");
        err = error_free(err);

        fd = cli_raw_send(&ctx, "POST", "/containers/c/wait?condition=next-exit", NULL, &err);
        assert_true(fd >= 0);
        CliResponse resp;
        assert_int_equal(cli_raw_response(fd, &resp, &err), 0);
        assert_int_equal(resp.status, 200);
        assert_string_equal(resp.body, "{\"StatusCode\":42}\n");
        cli_response_clear(&resp);
        close(fd);
        cli_context_done(&ctx);
}

static void test_query_helpers(void **state)
{
        char *s = cli_urlencode("a b/c:d=é");
        assert_string_equal(s, "a%20b%2Fc%3Ad%3D%C3%A9");
        free(s);
        char **filters = NULL, *bad = NULL;
        strv_append(&filters, "status=exited");
        strv_append(&filters, "name=web");
        strv_append(&filters, "status=created");
        s = cli_filters_query(filters, &bad);
        assert_null(bad);
        /* {"name":{"web":true},"status":{"created":true,"exited":true}} */
        assert_string_equal(s, "%7B%22name%22%3A%7B%22web%22%3Atrue%7D%2C%22status%22%3A%7B%22"
                               "created%22%3Atrue%2C%22exited%22%3Atrue%7D%7D");
        free(s);
        strv_append(&filters, "novalue");
        s = cli_filters_query(filters, &bad);
        assert_null(s);
        assert_string_equal(bad, "novalue");
        strv_free(filters);
        assert_null(cli_filters_query(NULL, &bad));
        char *m = cli_error_message("{\"message\":\"boom\"}", 18);
        assert_string_equal(m, "boom");
        free(m);
        assert_int_equal(cli_exit_code_for_start("exec: \"x\": executable file not found in $PATH"),
                         127);
        assert_int_equal(cli_exit_code_for_start("exec '/x': No such file or directory"), 127);
        assert_int_equal(cli_exit_code_for_start("exec /etc: permission denied"), 126);
        assert_int_equal(cli_exit_code_for_start("cgroup setup failed"), 125);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_negotiate_older_server, setup, teardown),
            cmocka_unit_test_setup_teardown(test_negotiate_newer_server, setup, teardown),
            cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
            cmocka_unit_test_setup_teardown(test_post_body, setup, teardown),
            cmocka_unit_test(test_no_daemon),
            cmocka_unit_test_setup_teardown(test_hijack_and_raw, setup, teardown),
            cmocka_unit_test(test_query_helpers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
