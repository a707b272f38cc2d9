/* Unit tests for the request parser wrapper (http_request.h), fed from
 * buffers, and for what the server does with it on a real socket:
 * pipelining, 100-continue, HEAD, HTTP/1.0, oversized and malformed heads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "daemon/api.h"
#include "daemon/http_request.h"

typedef struct Body {
        char buf[4096];
        size_t len;
} Body;

static void collect_body(const char *data, size_t len, void *ud)
{
        Body *b = ud;
        assert_true(b->len + len < sizeof(b->buf));
        memcpy(b->buf + b->len, data, len);
        b->len += len;
}

/* Feeds text one chunk of `step` bytes at a time until the request leaves
 * HEAD and BODY, or fails. Returns the bytes consumed. */
static size_t feed_all(HttpRequest *r, const char *text, size_t len, size_t step)
{
        size_t pos = 0;
        while (pos < len && r->state != HTTP_STATE_DONE && r->state != HTTP_STATE_ERROR) {
                size_t n = len - pos < step ? len - pos : step;
                pos += http_request_feed(r, text + pos, n);
        }
        return pos;
}

static void test_pipelined(void **state)
{
        const char *in = "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n"
                         "POST /v1.41/containers/create?name=a HTTP/1.1\r\nHost: x\r\n"
                         "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                         "GET /version HTTP/1.1\r\n\r\n";
        size_t len = strlen(in), pos = 0;
        const char *paths[] = {"/_ping", "/v1.41/containers/create", "/version"};
        const char *bodies[] = {"", "{}", ""};
        for (int i = 0; i < 3; i++) {
                HttpRequest r;
                Body b = {0};
                http_request_init(&r);
                r.on_body = collect_body;
                r.body_userdata = &b;
                pos += http_request_feed(&r, in + pos, len - pos);
                assert_int_equal(r.state, HTTP_STATE_BODY);
                assert_string_equal(r.path, paths[i]);
                assert_true(r.keep_alive);
                pos += http_request_feed(&r, in + pos, len - pos);
                assert_int_equal(r.state, HTTP_STATE_DONE);
                assert_int_equal(b.len, strlen(bodies[i]));
                assert_memory_equal(b.buf, bodies[i], b.len);
                /* done: nothing more is taken */
                assert_int_equal(http_request_feed(&r, in + pos, len - pos), 0);
                http_request_clear(&r);
        }
        assert_int_equal(pos, len);
}

static void test_chunked_body_bytewise(void **state)
{
        const char *in = "POST /images/load HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\nNEXT";
        HttpRequest r;
        Body b = {0};
        http_request_init(&r);
        r.on_body = collect_body;
        r.body_userdata = &b;
        size_t n = feed_all(&r, in, strlen(in), 1);
        assert_int_equal(r.state, HTTP_STATE_DONE);
        assert_true(r.chunked);
        assert_true(http_request_has_body(&r));
        assert_int_equal(b.len, 12);
        assert_memory_equal(b.buf, "hello, world", 12);
        assert_string_equal(in + n, "NEXT");
        http_request_clear(&r);
}

static void test_expect_continue(void **state)
{
        HttpRequest r;
        http_request_init(&r);
        const char *a = "PUT /containers/c/archive HTTP/1.1\r\nExpect: 100-Continue\r\n"
                        "Content-Length: 3\r\n\r\nabc";
        http_request_feed(&r, a, strlen(a));
        assert_int_equal(r.state, HTTP_STATE_BODY);
        assert_true(r.expect_continue);
        assert_true(r.has_length);
        assert_int_equal(r.content_length, 3);
        http_request_clear(&r);
        /* HTTP/1.0 has no 100-continue */
        const char *b = "PUT /x HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
        http_request_feed(&r, b, strlen(b));
        assert_false(r.expect_continue);
        assert_false(r.keep_alive);
        http_request_clear(&r);
}

static void test_query_decoding(void **state)
{
        HttpRequest r;
        http_request_init(&r);
        const char *in = "GET /containers/foo%2Fbar+x/json?a=1+2&b=%41%zz&all&&names=x&names=y"
                         "&%6Bey=v%3D HTTP/1.1\r\n\r\n";
        http_request_feed(&r, in, strlen(in));
        assert_int_equal(r.state, HTTP_STATE_BODY);
        assert_string_equal(r.path, "/containers/foo/bar+x/json");
        static const char *want[][2] = {{"a", "1 2"},   {"b", "A%zz"},  {"all", NULL},
                                        {"names", "x"}, {"names", "y"}, {"key", "v="}};
        assert_int_equal(r.n_query, ARRAY_SIZE(want));
        for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
                assert_string_equal(r.query[i].name, want[i][0]);
                if (want[i][1])
                        assert_string_equal(r.query[i].value, want[i][1]);
                else
                        assert_null(r.query[i].value);
        }
        http_request_clear(&r);
}

static void test_headers(void **state)
{
        HttpRequest r;
        http_request_init(&r);
        const char *in = "GET / HTTP/1.1\r\nX-Registry-Auth: abc\r\nx-registry-auth: second\r\n"
                         "Empty:\r\nConnection: close\r\n\r\n";
        /* split inside names and values */
        feed_all(&r, in, strlen(in), 3);
        assert_int_equal(r.state, HTTP_STATE_DONE);
        assert_string_equal(http_request_header(&r, "x-REGISTRY-auth"), "abc");
        assert_string_equal(http_request_header(&r, "empty"), "");
        assert_null(http_request_header(&r, "Missing"));
        assert_false(r.keep_alive);
        http_request_clear(&r);
}

static void test_head_method(void **state)
{
        HttpRequest r;
        http_request_init(&r);
        const char *in = "HEAD /_ping HTTP/1.1\r\n\r\n";
        feed_all(&r, in, strlen(in), 64);
        assert_int_equal(r.state, HTTP_STATE_DONE);
        assert_string_equal(r.method, "HEAD");
        assert_false(http_request_has_body(&r));
        http_request_clear(&r);
}

/* prefix, fill bytes of c, and the end of the head. */
static char *big_request(const char *prefix, size_t fill, char c)
{
        size_t p = strlen(prefix);
        char *s = malloc(p + fill + 5);
        assert_non_null(s);
        memcpy(s, prefix, p);
        memset(s + p, c, fill);
        memcpy(s + p + fill, "\r\n\r\n", 5);
        return s;
}

static void test_oversized_head(void **state)
{
        char *in = big_request("GET / HTTP/1.1\r\nX-Registry-Auth: ", HTTP_HEAD_MAX + 10, 'a');
        HttpRequest r;
        http_request_init(&r);
        feed_all(&r, in, strlen(in), 4096);
        assert_int_equal(r.state, HTTP_STATE_ERROR);
        assert_int_equal(r.error_status, 431);
        http_request_clear(&r);
        free(in);
        /* 100 KiB of auth header is fine */
        in = big_request("GET / HTTP/1.1\r\nX-Registry-Auth: ", 100 * 1024, 'a');
        feed_all(&r, in, strlen(in), 4096);
        assert_int_equal(r.state, HTTP_STATE_DONE);
        assert_int_equal(strlen(http_request_header(&r, "X-Registry-Auth")), 100 * 1024);
        http_request_clear(&r);
        free(in);
}

static void test_malformed(void **state)
{
        static const char *bad[] = {
            "GET\r\n\r\n",
            "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
            "BREW / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                HttpRequest r;
                http_request_init(&r);
                feed_all(&r, bad[i], strlen(bad[i]), 1000);
                assert_int_equal(r.state, HTTP_STATE_ERROR);
                assert_int_equal(r.error_status, 400);
                http_request_clear(&r);
        }
}

static void test_upgrade_leaves_pending(void **state)
{
        const char *in = "POST /exec/e1/start HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                         "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}EARLY";
        HttpRequest r;
        Body b = {0};
        http_request_init(&r);
        r.on_body = collect_body;
        r.body_userdata = &b;
        size_t n = feed_all(&r, in, strlen(in), 1000);
        assert_int_equal(r.state, HTTP_STATE_DONE);
        assert_int_equal(b.len, 2);
        assert_string_equal(in + n, "EARLY");
        http_request_clear(&r);
}

/* ---- over a socket ---- */

static char tmpdir[64], sock_path[128];
static ApiServer *server;

static int h_echo_body(ApiRequest *req, void *ud, BerthError **err)
{
        size_t len = 0;
        const char *b = api_request_body(req, &len);
        return api_reply_data(req, 200, "text/plain", b, len);
}

static int h_ping(ApiRequest *req, void *ud, BerthError **err)
{
        return api_reply_data(req, 200, "text/plain", "OK", 2);
}

static int h_stream(ApiRequest *req, void *ud, BerthError **err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        write_all_fd(p[1], "streamed", 8);
        close(p[1]);
        return api_reply_stream_fd(req, 200, "text/plain", p[0]);
}

/* A stream whose writer never writes (a quiet `logs -f`). */
static int silent_fd = -1;

static int h_silent(ApiRequest *req, void *ud, BerthError **err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        silent_fd = p[1];
        return api_reply_stream_fd(req, 200, "text/plain", p[0]);
}

static int setup(void **state)
{
        signal(SIGPIPE, SIG_IGN);
        strcpy(tmpdir, "/tmp/test_http_request.XXXXXX");
        if (!mkdtemp(tmpdir))
                return -1;
        snprintf(sock_path, sizeof(sock_path), "%s/api.sock", tmpdir);
        BerthError *err = NULL;
        if (api_server_new(&server, &err) < 0)
                return -1;
        ApiRouter *r = api_server_router(server);
        if (api_router_add(r, "POST", "/echo", h_echo_body, NULL, 0, 0) < 0 ||
            api_router_add(r, "GET", "/ping", h_ping, NULL, 0, 0) < 0 ||
            api_router_add(r, "HEAD", "/ping", h_ping, NULL, 0, 0) < 0 ||
            api_router_add(r, "GET", "/stream", h_stream, NULL, 0, 0) < 0 ||
            api_router_add(r, "HEAD", "/stream", h_stream, NULL, 0, 0) < 0)
                return -1;
        if (api_server_listen_unix(server, sock_path, &err) < 0)
                return -1;
        return 0;
}

static int teardown(void **state)
{
        api_server_free(server);
        rm_rf(tmpdir, NULL);
        return 0;
}

static int connect_unix(void)
{
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        strcpy(sa.sun_path, sock_path);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        struct timeval tv = {.tv_sec = 10};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        return fd;
}

/* Reads until want appears in what the server sent (or EOF / timeout). */
static bool read_until(int fd, char *buf, size_t cap, size_t *len, const char *want)
{
        while (!strstr(buf, want)) {
                ssize_t n = read(fd, buf + *len, cap - 1 - *len);
                if (n <= 0)
                        return false;
                *len += (size_t)n;
                buf[*len] = '\0';
        }
        return true;
}

/* Everything until the server closes. */
static size_t read_to_eof(int fd, char *buf, size_t cap)
{
        size_t len = 0;
        ssize_t n;
        while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
                len += (size_t)n;
        buf[len] = '\0';
        return len;
}

static void test_wire_pipelining(void **state)
{
        _cleanup_close_ int fd = connect_unix();
        const char *in = "GET /ping HTTP/1.1\r\n\r\n"
                         "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                         "GET /ping HTTP/1.1\r\nConnection: close\r\n\r\n";
        assert_int_equal(write_all_fd(fd, in, strlen(in)), 0);
        char buf[8192];
        size_t len = read_to_eof(fd, buf, sizeof(buf));
        assert_true(len > 0);
        /* three replies, in order, the last one closing */
        char *a = strstr(buf, "\r\n\r\nOK");
        char *b = strstr(buf, "\r\n\r\nhello");
        assert_non_null(a);
        assert_non_null(b);
        assert_true(a < b);
        assert_non_null(strstr(b, "\r\n\r\nOK"));
        assert_non_null(strstr(b, "Connection: close\r\n"));
}

static void test_wire_expect_continue(void **state)
{
        _cleanup_close_ int fd = connect_unix();
        const char *head =
            "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
        assert_int_equal(write_all_fd(fd, head, strlen(head)), 0);
        char buf[4096] = "";
        size_t len = 0;
        assert_true(read_until(fd, buf, sizeof(buf), &len, "\r\n\r\n"));
        assert_string_equal(buf, "HTTP/1.1 100 Continue\r\n\r\n");
        assert_int_equal(write_all_fd(fd, "abc", 3), 0);
        assert_true(read_until(fd, buf, sizeof(buf), &len, "\r\n\r\nabc"));
        assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
        /* a route that does not exist: the error at once, no 100 */
        const char *nf =
            "POST /nowhere HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
        assert_int_equal(write_all_fd(fd, nf, strlen(nf)), 0);
        len = 0;
        buf[0] = '\0';
        read_to_eof(fd, buf, sizeof(buf));
        assert_null(strstr(buf, " 100 "));
        assert_non_null(strstr(buf, "HTTP/1.1 404 Not Found\r\n"));
}

static void test_wire_head(void **state)
{
        _cleanup_close_ int fd = connect_unix();
        const char *in = "HEAD /ping HTTP/1.1\r\n\r\nHEAD /stream HTTP/1.1\r\n\r\n"
                         "GET /stream HTTP/1.1\r\nConnection: close\r\n\r\n";
        assert_int_equal(write_all_fd(fd, in, strlen(in)), 0);
        char buf[8192];
        read_to_eof(fd, buf, sizeof(buf));
        /* no bodies on HEAD; Content-Length as for GET */
        char *first = strstr(buf, "Content-Length: 2\r\n");
        assert_non_null(first);
        char *second = strstr(first, "\r\n\r\nHTTP/1.1 200 OK\r\n");
        assert_non_null(second);
        assert_non_null(strstr(second, "Transfer-Encoding: chunked\r\n"));
        char *third = strstr(second + 4, "\r\n\r\nHTTP/1.1 200 OK\r\n");
        assert_non_null(third);
        assert_non_null(strstr(third, "\r\n\r\n8\r\nstreamed\r\n0\r\n\r\n"));
}

static void test_wire_http10(void **state)
{
        _cleanup_close_ int fd = connect_unix();
        const char *in = "GET /ping HTTP/1.0\r\n\r\n";
        assert_int_equal(write_all_fd(fd, in, strlen(in)), 0);
        char buf[4096];
        read_to_eof(fd, buf, sizeof(buf));
        assert_non_null(strstr(buf, "Connection: close\r\n"));
        assert_non_null(strstr(buf, "\r\n\r\nOK"));
        /* keep-alive asked for: kept; a stream is close-delimited */
        _cleanup_close_ int fd2 = connect_unix();
        const char *ka = "GET /ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                         "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
        assert_int_equal(write_all_fd(fd2, ka, strlen(ka)), 0);
        read_to_eof(fd2, buf, sizeof(buf));
        char *s = strstr(buf, "Connection: keep-alive\r\n");
        assert_non_null(s);
        assert_non_null(strstr(s, "Connection: close\r\n\r\nstreamed"));
}

static void test_wire_bad_input(void **state)
{
        _cleanup_close_ int fd = connect_unix();
        const char *in = "GET / HTTP/1.1\r\nbroken header\r\n\r\n";
        assert_int_equal(write_all_fd(fd, in, strlen(in)), 0);
        char buf[4096];
        read_to_eof(fd, buf, sizeof(buf));
        assert_non_null(strstr(buf, "HTTP/1.1 400 Bad Request\r\n"));
        assert_non_null(strstr(buf, "Connection: close\r\n"));
        /* oversized head */
        _cleanup_close_ int fd2 = connect_unix();
        char *big = big_request("GET /ping HTTP/1.1\r\nX-Big: ", HTTP_HEAD_MAX, 'b');
        /* the server may close before taking it all */
        write_all_fd(fd2, big, strlen(big));
        free(big);
        read_to_eof(fd2, buf, sizeof(buf));
        assert_non_null(strstr(buf, "HTTP/1.1 431 "));
        /* and serves on */
        _cleanup_close_ int fd3 = connect_unix();
        const char *ok = "GET /ping HTTP/1.1\r\nConnection: close\r\n\r\n";
        assert_int_equal(write_all_fd(fd3, ok, strlen(ok)), 0);
        read_to_eof(fd3, buf, sizeof(buf));
        assert_non_null(strstr(buf, "\r\n\r\nOK"));
}

static void test_wire_stop_idle_keepalive(void **state)
{
        /* an idle kept-alive connection and a silent stream must not hold
         * up stop */
        char path[160];
        snprintf(path, sizeof(path), "%s/stop.sock", tmpdir);
        ApiServer *s = NULL;
        BerthError *err = NULL;
        assert_int_equal(api_server_new(&s, &err), 0);
        assert_int_equal(api_router_add(api_server_router(s), "GET", "/ping", h_ping, NULL, 0, 0),
                         0);
        assert_int_equal(
            api_router_add(api_server_router(s), "GET", "/silent", h_silent, NULL, 0, 0), 0);
        assert_int_equal(api_server_listen_unix(s, path, &err), 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        strcpy(sa.sun_path, path);
        _cleanup_close_ int a = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        _cleanup_close_ int b = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_int_equal(connect(a, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(connect(b, (struct sockaddr *)&sa, sizeof(sa)), 0);
        const char *ping = "GET /ping HTTP/1.1\r\n\r\n";
        assert_int_equal(write_all_fd(a, ping, strlen(ping)), 0);
        const char *silent = "GET /silent HTTP/1.1\r\n\r\n";
        assert_int_equal(write_all_fd(b, silent, strlen(silent)), 0);
        char buf[4096] = "";
        size_t len = 0;
        assert_true(read_until(a, buf, sizeof(buf), &len, "\r\n\r\nOK"));
        buf[0] = '\0';
        len = 0;
        assert_true(read_until(b, buf, sizeof(buf), &len, "chunked\r\n"));
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        api_server_free(s);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_true(t1.tv_sec - t0.tv_sec < 3);
        char c;
        assert_int_equal(read(a, &c, 1), 0);
        /* the cut stream has no final chunk */
        read_to_eof(b, buf, sizeof(buf));
        assert_null(strstr(buf, "0\r\n\r\n"));
        assert_int_equal(access(path, F_OK), -1);
        close(silent_fd);
        silent_fd = -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pipelined),
            cmocka_unit_test(test_chunked_body_bytewise),
            cmocka_unit_test(test_expect_continue),
            cmocka_unit_test(test_query_decoding),
            cmocka_unit_test(test_headers),
            cmocka_unit_test(test_head_method),
            cmocka_unit_test(test_oversized_head),
            cmocka_unit_test(test_malformed),
            cmocka_unit_test(test_upgrade_leaves_pending),
            cmocka_unit_test(test_wire_pipelining),
            cmocka_unit_test(test_wire_expect_continue),
            cmocka_unit_test(test_wire_head),
            cmocka_unit_test(test_wire_http10),
            cmocka_unit_test(test_wire_bad_input),
            cmocka_unit_test(test_wire_stop_idle_keepalive),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
