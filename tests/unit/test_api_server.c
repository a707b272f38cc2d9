/* Unit tests for the API server driven in-process over a temporary unix
 * socket with libcurl (and a raw socket for the connection hijack). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/strv.h"
#include "daemon/api.h"
#include "daemon/api_system.h"

static char tmpdir[64];
static char sock_path[128];
static char sock2_path[128];
static ApiServer *server;
static ApiSystemInfo sysinfo = {
    .engine_id = "0c9a5c9e-0000-4000-8000-000000000000",
    .data_root = "/tmp/berth-test-root",
    .storage_driver = "vfs",
};
static atomic_int slow_started, slow_done;

/* ---- test routes ---- */

static int h_json(ApiRequest *req, void *ud, BerthError **err)
{
        json_t *doc = NULL;
        int r = api_request_json(req, false, &doc, err);
        if (r < 0)
                return r;
        return api_reply_json(req, 200, doc);
}

static int h_small(ApiRequest *req, void *ud, BerthError **err)
{
        size_t len = 0;
        api_request_body(req, &len);
        return api_reply_json(req, 200, json_pack("{s:I}", "len", (json_int_t)len));
}

static int h_params(ApiRequest *req, void *ud, BerthError **err)
{
        return api_reply_json(req, 200,
                              json_pack("{s:s, s:s, s:s}", "id", api_request_param(req, "id"),
                                        "version", api_request_version(req), "path",
                                        api_request_path(req)));
}

static int h_fail(ApiRequest *req, void *ud, BerthError **err)
{
        int code = atoi(api_request_param(req, "code"));
        return error_set(err, code, "failure %d for '%s'", code, api_request_param(req, "code"));
}

static int h_query(ApiRequest *req, void *ud, BerthError **err)
{
        json_t *filters = NULL;
        int r = api_request_filters(req, &filters, err);
        if (r < 0)
                return r;
        return api_reply_json(
            req, 200,
            json_pack("{s:b, s:b, s:o}", "all", api_request_query_bool(req, "all", false), "stream",
                      api_request_query_bool(req, "stream", true), "filters", filters));
}

static int h_slow(ApiRequest *req, void *ud, BerthError **err)
{
        atomic_store(&slow_started, 1);
        usleep(1000 * 1000);
        atomic_store(&slow_done, 1);
        return api_reply_data(req, 200, "text/plain", "slow", 4);
}

static int h_noreply(ApiRequest *req, void *ud, BerthError **err)
{
        return 0;
}

static void echo_fn(int fd, const void *pending, size_t pending_len, void *ud)
{
        write_all_fd(fd, "ready\n", 6);
        if (pending_len)
                write_all_fd(fd, pending, pending_len);
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                if (write_all_fd(fd, buf, (size_t)n) < 0)
                        break;
}

static int h_hijack(ApiRequest *req, void *ud, BerthError **err)
{
        return api_reply_hijack(req, NULL, echo_fn, NULL, NULL);
}

static void *stream_writer(void *arg)
{
        int fd = (int)(intptr_t)arg;
        for (int i = 0; i < 3; i++) {
                char line[16];
                int n = snprintf(line, sizeof(line), "line %d\n", i);
                write_all_fd(fd, line, (size_t)n);
                usleep(20 * 1000);
        }
        close(fd);
        return NULL;
}

static int h_stream(ApiRequest *req, void *ud, BerthError **err)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "pipe");
        pthread_t t;
        pthread_create(&t, NULL, stream_writer, (void *)(intptr_t)p[1]);
        pthread_detach(t);
        return api_reply_stream_fd(req, 200, "text/plain", p[0]);
}

/* A fake exec for the real docker client: just enough routes for
 * `docker exec -i` to run through a hijacked, multiplexed stream. */
static void mux_frame(int fd, const void *p, size_t n)
{
        unsigned char h[8] = {1,
                              0,
                              0,
                              0,
                              (unsigned char)(n >> 24),
                              (unsigned char)(n >> 16),
                              (unsigned char)(n >> 8),
                              (unsigned char)n};
        write_all_fd(fd, h, sizeof(h));
        write_all_fd(fd, p, n);
}

static void exec_fn(int fd, const void *pending, size_t pending_len, void *ud)
{
        mux_frame(fd, "hello from berth\n", 17);
        if (pending_len)
                mux_frame(fd, pending, pending_len);
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                mux_frame(fd, buf, (size_t)n);
}

static int h_exec_start(ApiRequest *req, void *ud, BerthError **err)
{
        return api_reply_hijack(req, "application/vnd.docker.multiplexed-stream", exec_fn, NULL,
                                NULL);
}

static int h_exec_create(ApiRequest *req, void *ud, BerthError **err)
{
        return api_reply_json(req, 201, json_pack("{s:s}", "Id", "e1"));
}

static int h_exec_inspect(ApiRequest *req, void *ud, BerthError **err)
{
        return api_reply_json(req, 200,
                              json_pack("{s:s, s:b, s:i, s:s}", "ID", "e1", "Running", 0,
                                        "ExitCode", 0, "ContainerID", "c1"));
}

/* Reads the spooled body: its length, how many 'x' it holds, whether the
 * file is unlinked and how many entries the spool directory has. */
static char spool_path[160];

static int count_entries(const char *dir)
{
        DIR *d = opendir(dir);
        if (!d)
                return -1;
        int n = 0;
        struct dirent *e;
        while ((e = readdir(d)))
                if (!STREQ(e->d_name, ".") && !STREQ(e->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

static int h_spool(ApiRequest *req, void *ud, BerthError **err)
{
        int fd = api_request_body_fd(req);
        if (fd < 0)
                return error_set_errno(err, -fd, "no body fd");
        size_t mem_len = 99;
        api_request_body(req, &mem_len);
        struct stat st;
        fstat(fd, &st);
        char buf[65536];
        ssize_t n;
        json_int_t len = 0, xs = 0;
        while ((n = read(fd, buf, sizeof(buf))) > 0) {
                len += n;
                for (ssize_t i = 0; i < n; i++)
                        xs += buf[i] == 'x';
        }
        /* a second call rewinds */
        int again = api_request_body_fd(req);
        off_t pos = lseek(again, 0, SEEK_CUR);
        return api_reply_json(req, 200,
                              json_pack("{s:I, s:I, s:I, s:I, s:i, s:I}", "len", len, "x", xs,
                                        "links", (json_int_t)st.st_nlink, "mem",
                                        (json_int_t)mem_len, "entries", count_entries(spool_path),
                                        "rewound", (json_int_t)pos));
}

static int h_not_spooled(ApiRequest *req, void *ud, BerthError **err)
{
        return api_reply_json(req, 200, json_pack("{s:i}", "fd", api_request_body_fd(req)));
}

static int h_query_all(ApiRequest *req, void *ud, BerthError **err)
{
        char **v = NULL;
        if (api_request_query_all(req, "names", &v) < 0)
                return -ENOMEM;
        json_t *a = json_array();
        for (char **p = v; *p; p++)
                json_array_append_new(a, json_string(*p));
        strv_free(v);
        return api_reply_json(req, 200, a);
}

static void add_routes(ApiServer *s)
{
        ApiRouter *r = api_server_router(s);
        assert_int_equal(api_system_register(r, &sysinfo), 0);
        assert_int_equal(api_router_add(r, "POST", "/test/json", h_json, NULL, 0, 0), 0);
        assert_int_equal(api_router_add(r, "POST", "/test/small", h_small, NULL, 0, 1024), 0);
        assert_int_equal(api_router_add(r, "GET", "/containers/{id}/json", h_params, NULL, 0, 0),
                         0);
        assert_int_equal(api_router_add(r, "GET", "/test/fail/{code}", h_fail, NULL, 0, 0), 0);
        assert_int_equal(api_router_add(r, "GET", "/test/query", h_query, NULL, 0, 0), 0);
        assert_int_equal(api_router_add(r, "GET", "/test/slow", h_slow, NULL, 0, 0), 0);
        assert_int_equal(api_router_add(r, "GET", "/test/noreply", h_noreply, NULL, 0, 0), 0);
        assert_int_equal(api_router_add(r, "POST", "/test/echo", h_hijack, NULL, 0, 0), 0);
        assert_int_equal(api_router_add(r, "GET", "/test/stream", h_stream, NULL, 0, 0), 0);
        assert_int_equal(
            api_router_add(r, "POST", "/containers/{id}/exec", h_exec_create, NULL, 0, 0), 0);
        assert_int_equal(api_router_add(r, "POST", "/exec/{id}/start", h_exec_start, NULL, 0, 0),
                         0);
        assert_int_equal(api_router_add(r, "GET", "/exec/{id}/json", h_exec_inspect, NULL, 0, 0),
                         0);
        assert_int_equal(
            api_router_add(r, "POST", "/test/spool", h_spool, NULL, API_ROUTE_SPOOL_BODY, 0), 0);
        assert_int_equal(api_router_add(r, "POST", "/test/spoolsmall", h_spool, NULL,
                                        API_ROUTE_SPOOL_BODY, 1024),
                         0);
        assert_int_equal(api_router_add(r, "POST", "/test/notspooled", h_not_spooled, NULL, 0, 0),
                         0);
        assert_int_equal(api_router_add(r, "GET", "/test/queryall", h_query_all, NULL, 0, 0), 0);
}

static int group_setup(void **state)
{
        signal(SIGPIPE, SIG_IGN);
        curl_global_init(CURL_GLOBAL_DEFAULT);
        strcpy(tmpdir, "/tmp/test_api_server.XXXXXX");
        if (!mkdtemp(tmpdir))
                return -1;
        snprintf(sock_path, sizeof(sock_path), "%s/api.sock", tmpdir);
        snprintf(sock2_path, sizeof(sock2_path), "%s/second.sock", tmpdir);
        BerthError *err = NULL;
        if (api_server_new(&server, &err) < 0)
                return -1;
        char spool_parent[128];
        snprintf(spool_parent, sizeof(spool_parent), "%s/spool", tmpdir);
        snprintf(spool_path, sizeof(spool_path), "%s/tmp", spool_parent);
        if (api_server_set_spool_dir(server, spool_parent, "tmp", &err) < 0)
                return -1;
        add_routes(server);
        if (api_server_listen_unix(server, sock_path, &err) < 0 ||
            api_server_listen_unix(server, sock2_path, &err) < 0) {
                fprintf(stderr, "listen: %s\n", err->message);
                return -1;
        }
        return 0;
}

static int group_teardown(void **state)
{
        api_server_free(server);
        rm_rf(tmpdir, NULL);
        curl_global_cleanup();
        return 0;
}

/* ---- a small curl client ---- */

typedef struct Resp {
        long status;
        char *body;
        size_t len;
        char *headers;
        size_t hlen;
        double seconds;
} Resp;

static void resp_clear(Resp *r)
{
        free(r->body);
        free(r->headers);
        *r = (Resp){0};
}

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
        char **buf = ud;
        size_t *len = (size_t *)(buf + 1);
        size_t add = size * n;
        char *nb = realloc(*buf, *len + add + 1);
        if (!nb)
                return 0;
        memcpy(nb + *len, p, add);
        *len += add;
        nb[*len] = '\0';
        *buf = nb;
        return add;
}

typedef struct Upload {
        size_t left;
        size_t chunk; /* bytes per read */
} Upload;

static size_t upload_read(char *buf, size_t size, size_t n, void *ud)
{
        Upload *u = ud;
        size_t k = size * n < u->left ? size * n : u->left;
        if (k > u->chunk)
                k = u->chunk;
        memset(buf, 'x', k);
        u->left -= k;
        return k;
}

/* chunked > 0 sends that many bytes with chunked transfer encoding. */
static Resp request_full(const char *sock, const char *method, const char *path, const char *ctype,
                         const char *body, size_t chunked)
{
        Resp r = {0};
        struct {
                char *buf;
                size_t len;
        } b = {0}, h = {0};
        CURL *c = curl_easy_init();
        assert_non_null(c);
        char url[512];
        snprintf(url, sizeof(url), "http://localhost%s", path);
        struct curl_slist *hdrs = NULL;
        char ct[128];
        if (ctype) {
                snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
                hdrs = curl_slist_append(hdrs, ct);
        }
        /* small chunks, but not for the multi-MiB bodies of the spool tests */
        Upload up = {.left = chunked, .chunk = chunked > ((size_t)1 << 20) ? 65536 : 100};
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
        if (STREQ(method, "HEAD"))
                curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        else if (chunked) {
                hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
                curl_easy_setopt(c, CURLOPT_POST, 1L);
                curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
                curl_easy_setopt(c, CURLOPT_READDATA, &up);
        } else if (body) {
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        }
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        CURLcode rc = curl_easy_perform(c);
        if (rc != CURLE_OK)
                fprintf(stderr, "# curl %s %s: %s\n", method, path, curl_easy_strerror(rc));
        assert_int_equal(rc, CURLE_OK);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
        curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r.seconds);
        curl_easy_cleanup(c);
        curl_slist_free_all(hdrs);
        r.body = b.buf ? b.buf : strdup("");
        r.len = b.len;
        r.headers = h.buf ? h.buf : strdup("");
        r.hlen = h.len;
        return r;
}

static Resp request(const char *method, const char *path, const char *ctype, const char *body)
{
        return request_full(sock_path, method, path, ctype, body, 0);
}

/* The value of a response header, or NULL. Static buffer. */
static const char *header(const Resp *r, const char *name)
{
        static char value[256];
        char key[128];
        snprintf(key, sizeof(key), "\n%s:", name);
        const char *p = strcasestr(r->headers, key);
        if (!p)
                return NULL;
        p += strlen(key);
        while (*p == ' ')
                p++;
        size_t n = strcspn(p, "\r\n");
        snprintf(value, sizeof(value), "%.*s", (int)n, p);
        return value;
}

static json_t *body_json(const Resp *r)
{
        json_error_t e;
        json_t *j = json_loadb(r->body, r->len, 0, &e);
        if (!j)
                fprintf(stderr, "# not JSON: %s\n", r->body);
        assert_non_null(j);
        return j;
}

static void assert_message(const Resp *r, long status, const char *message)
{
        assert_int_equal(r->status, status);
        assert_string_equal(header(r, "Content-Type"), "application/json");
        _cleanup_json_ json_t *j = body_json(r);
        assert_int_equal(json_object_size(j), 1);
        if (message)
                assert_string_equal(json_string_value(json_object_get(j, "message")), message);
        else
                assert_non_null(json_string_value(json_object_get(j, "message")));
}

/* ---- tests ---- */

static void test_ping(void **state)
{
        Resp r = request("GET", "/_ping", NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "OK");
        assert_string_equal(header(&r, "API-Version"), API_MAX_VERSION);
        assert_string_equal(header(&r, "Docker-Experimental"), "false");
        assert_string_equal(header(&r, "Ostype"), "linux");
        assert_string_equal(header(&r, "Builder-Version"), "1");
        assert_non_null(strstr(header(&r, "Cache-Control"), "no-cache"));
        assert_string_equal(header(&r, "Pragma"), "no-cache");
        resp_clear(&r);
        r = request("GET", "/v1.41/_ping", NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "OK");
        resp_clear(&r);
}

static void test_ping_head(void **state)
{
        Resp r = request("HEAD", "/_ping", NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.len, 0);
        assert_string_equal(header(&r, "API-Version"), API_MAX_VERSION);
        assert_string_equal(header(&r, "Ostype"), "linux");
        assert_string_equal(header(&r, "Pragma"), "no-cache");
        resp_clear(&r);
}

static void test_version_shape(void **state)
{
        Resp r = request("GET", "/v1.41/version", NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_string_equal(header(&r, "Content-Type"), "application/json");
        assert_int_equal(r.body[r.len - 1], '\n');
        _cleanup_json_ json_t *j = body_json(&r);
        const char *keys[] = {"Version", "ApiVersion", "MinAPIVersion", "GitCommit", "GoVersion",
                              "Os",      "Arch",       "KernelVersion", "BuildTime"};
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                assert_true(json_is_string(json_object_get(j, keys[i])));
        assert_string_equal(json_string_value(json_object_get(j, "ApiVersion")), API_MAX_VERSION);
        assert_string_equal(json_string_value(json_object_get(j, "MinAPIVersion")), "1.24");
        assert_string_equal(json_string_value(json_object_get(j, "Os")), "linux");
        assert_true(json_is_string(json_object_get(json_object_get(j, "Platform"), "Name")));
        json_t *comp = json_array_get(json_object_get(j, "Components"), 0);
        assert_string_equal(json_string_value(json_object_get(comp, "Name")), "Engine");
        json_t *det = json_object_get(comp, "Details");
        assert_string_equal(json_string_value(json_object_get(det, "ApiVersion")), API_MAX_VERSION);
        assert_string_equal(json_string_value(json_object_get(det, "MinAPIVersion")), "1.24");
        assert_non_null(json_object_get(det, "KernelVersion"));
        assert_non_null(json_object_get(det, "GitCommit"));
        resp_clear(&r);
}

static void test_info_partial(void **state)
{
        Resp r = request("GET", "/info", NULL, NULL);
        assert_int_equal(r.status, 200);
        _cleanup_json_ json_t *j = body_json(&r);
        assert_string_equal(json_string_value(json_object_get(j, "ID")), sysinfo.engine_id);
        assert_string_equal(json_string_value(json_object_get(j, "Driver")), "vfs");
        assert_string_equal(json_string_value(json_object_get(j, "DockerRootDir")),
                            sysinfo.data_root);
        assert_string_equal(json_string_value(json_object_get(j, "OSType")), "linux");
        assert_true(json_integer_value(json_object_get(j, "NCPU")) >= 1);
        assert_true(json_integer_value(json_object_get(j, "MemTotal")) > 0);
        assert_int_equal(json_integer_value(json_object_get(j, "Containers")), 0);
        assert_int_equal(json_integer_value(json_object_get(j, "Images")), 0);
        assert_true(json_is_string(json_object_get(j, "OperatingSystem")));
        assert_true(json_is_string(json_object_get(j, "Name")));
        resp_clear(&r);
}

static void test_routing_params(void **state)
{
        Resp r = request("GET", "/v1.30/containers/abc/json", NULL, NULL);
        assert_int_equal(r.status, 200);
        _cleanup_json_ json_t *j = body_json(&r);
        assert_string_equal(json_string_value(json_object_get(j, "id")), "abc");
        assert_string_equal(json_string_value(json_object_get(j, "version")), "1.30");
        assert_string_equal(json_string_value(json_object_get(j, "path")), "/containers/abc/json");
        resp_clear(&r);
        r = request("GET", "/containers/def/json", NULL, NULL);
        assert_int_equal(r.status, 200);
        _cleanup_json_ json_t *k = body_json(&r);
        assert_string_equal(json_string_value(json_object_get(k, "id")), "def");
        assert_string_equal(json_string_value(json_object_get(k, "version")), API_MAX_VERSION);
        resp_clear(&r);
}

static void test_version_too_old(void **state)
{
        Resp r = request("GET", "/v1.12/version", NULL, NULL);
        assert_message(&r, 400,
                       "client version 1.12 is too old. Minimum supported API version is 1.24, "
                       "please upgrade your client to a newer version");
        resp_clear(&r);
}

static void test_version_too_new(void **state)
{
        Resp r = request("GET", "/v1.99/_ping", NULL, NULL);
        assert_message(
            &r, 400,
            "client version 1.99 is too new. Maximum supported API version is " API_MAX_VERSION);
        resp_clear(&r);
}

static void test_not_found(void **state)
{
        Resp r = request("GET", "/v1.41/nothing/here", NULL, NULL);
        assert_message(&r, 404, "page not found");
        resp_clear(&r);
        r = request("DELETE", "/_ping", NULL, NULL);
        assert_message(&r, 404, "page not found");
        resp_clear(&r);
        r = request("POST", "/", NULL, "{}");
        assert_message(&r, 404, "page not found");
        resp_clear(&r);
}

static void test_body_too_large(void **state)
{
        char *big = malloc(4097);
        memset(big, 'a', 4096);
        big[4096] = '\0';
        Resp r = request("POST", "/test/small", "application/json", big);
        assert_message(&r, 413, NULL);
        assert_non_null(strstr(r.body, "exceeds the limit of 1024 bytes"));
        resp_clear(&r);
        free(big);
        /* within the limit */
        r = request("POST", "/test/small", "application/json", "{\"a\":1}");
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "{\"len\":7}\n");
        resp_clear(&r);
}

static void test_body_too_large_chunked(void **state)
{
        Resp r = request_full(sock_path, "POST", "/test/small", "application/json", NULL, 4096);
        assert_message(&r, 413, "request body exceeds the limit of 1024 bytes");
        resp_clear(&r);
        /* the server still answers afterwards */
        r = request("GET", "/_ping", NULL, NULL);
        assert_int_equal(r.status, 200);
        resp_clear(&r);
}

static void test_json_body(void **state)
{
        Resp r = request("POST", "/test/json", "application/json", "{\"Image\":\"busybox\"}");
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "{\"Image\":\"busybox\"}\n");
        resp_clear(&r);
        r = request("POST", "/test/json", "application/json; charset=utf-8", " {} ");
        assert_int_equal(r.status, 200);
        resp_clear(&r);
}

static void test_json_malformed(void **state)
{
        Resp r = request("POST", "/test/json", "application/json", "{\"Image\": busybox}");
        assert_message(&r, 400, NULL);
        assert_non_null(strstr(r.body, "invalid JSON in request body"));
        assert_non_null(strstr(r.body, "column"));
        resp_clear(&r);
        r = request("POST", "/test/json", "application/json", "");
        assert_message(&r, 400, "invalid JSON: got EOF while reading request body");
        resp_clear(&r);
        r = request("POST", "/test/json", "text/plain", "{}");
        assert_message(&r, 400,
                       "unsupported Content-Type header (text/plain): must be 'application/json'");
        resp_clear(&r);
}

static void test_error_mapping(void **state)
{
        static const struct {
                int code;
                long status;
        } table[] = {{ENOENT, 404}, {EEXIST, 409}, {EBUSY, 409},
                     {EINVAL, 400}, {EPERM, 403},  {EIO, 500}};
        for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
                char path[64], msg[64];
                snprintf(path, sizeof(path), "/v1.41/test/fail/%d", table[i].code);
                snprintf(msg, sizeof(msg), "failure %d for '%d'", table[i].code, table[i].code);
                Resp r = request("GET", path, NULL, NULL);
                assert_message(&r, table[i].status, msg);
                resp_clear(&r);
        }
}

static void test_no_reply_is_500(void **state)
{
        Resp r = request("GET", "/test/noreply", NULL, NULL);
        assert_message(&r, 500, "internal error: the handler of GET /test/noreply sent no reply");
        resp_clear(&r);
}

static void test_query_filters(void **state)
{
        Resp r = request("GET",
                         "/test/query?all=1&stream=0&filters=%7B%22label%22%3A%7B%22a%3Db%22%3A"
                         "true%7D%7D",
                         NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body,
                            "{\"all\":true,\"stream\":false,\"filters\":{\"label\":[\"a=b\"]}}\n");
        resp_clear(&r);
        /* legacy list form; True; defaults */
        r = request("GET", "/test/query?all=True&filters=%7B%22status%22%3A%5B%22running%22%5D%7D",
                    NULL, NULL);
        assert_string_equal(
            r.body, "{\"all\":true,\"stream\":true,\"filters\":{\"status\":[\"running\"]}}\n");
        resp_clear(&r);
        r = request("GET", "/test/query?all=false", NULL, NULL);
        assert_string_equal(r.body, "{\"all\":false,\"stream\":true,\"filters\":{}}\n");
        resp_clear(&r);
        r = request("GET", "/test/query?filters=%7Bbad", NULL, NULL);
        assert_message(&r, 400, NULL);
        assert_non_null(strstr(r.body, "invalid filters"));
        resp_clear(&r);
}

static int connect_unix(const char *path)
{
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        strcpy(sa.sun_path, path);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        struct timeval tv = {.tv_sec = 10};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        return fd;
}

/* Reads until the end of the response head; returns it, leaves the rest in
 * *extra. */
static char *read_head(int fd, char *extra, size_t *extra_len)
{
        static char buf[8192];
        size_t len = 0;
        char *end = NULL;
        while (!end) {
                ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
                assert_true(n > 0);
                len += (size_t)n;
                buf[len] = '\0';
                end = strstr(buf, "\r\n\r\n");
        }
        size_t head = (size_t)(end - buf) + 4;
        *extra_len = len - head;
        memcpy(extra, buf + head, *extra_len);
        buf[head] = '\0';
        return buf;
}

static void read_exact(int fd, char *have, size_t have_len, const char *want)
{
        char buf[256];
        size_t want_len = strlen(want);
        assert_true(have_len <= want_len);
        if (have_len)
                memcpy(buf, have, have_len);
        size_t len = have_len;
        while (len < want_len) {
                ssize_t n = read(fd, buf + len, want_len - len);
                assert_true(n > 0);
                len += (size_t)n;
        }
        assert_memory_equal(buf, want, want_len);
}

/* Reads one response with a Content-Length body from a kept-alive socket. */
static void read_response(int fd, const char *status_line, const char *body)
{
        char extra[8192];
        size_t extra_len = 0;
        char *head = read_head(fd, extra, &extra_len);
        assert_non_null(strstr(head, status_line));
        assert_null(strcasestr(head, "Connection: close"));
        read_exact(fd, extra, extra_len, body);
}

static void test_keepalive_after_error(void **state)
{
        /* An error on a request without a body keeps the connection, as
         * Docker clients reuse it for the next call. */
        _cleanup_close_ int fd = connect_unix(sock_path);
        const char *a = "GET /v1.12/version HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_int_equal(write_all_fd(fd, a, strlen(a)), 0);
        read_response(fd, " 400 ",
                      "{\"message\":\"client version 1.12 is too old. Minimum supported API "
                      "version is 1.24, please upgrade your client to a newer version\"}\n");
        const char *b = "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_int_equal(write_all_fd(fd, b, strlen(b)), 0);
        read_response(fd, " 404 ", "{\"message\":\"page not found\"}\n");
        const char *c = "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_int_equal(write_all_fd(fd, c, strlen(c)), 0);
        read_response(fd, " 200 ", "OK");
}

static void test_hijack_upgrade(void **state)
{
        _cleanup_close_ int fd = connect_unix(sock_path);
        const char *req = "POST /v1.41/test/echo?stream=1&stdin=1 HTTP/1.1\r\n"
                          "Host: api.moby.localhost\r\nContent-Type: text/plain\r\n"
                          "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n";
        assert_int_equal(write_all_fd(fd, req, strlen(req)), 0);
        char extra[8192];
        size_t extra_len = 0;
        char *head = read_head(fd, extra, &extra_len);
        assert_non_null(strstr(head, "HTTP/1.1 101"));
        assert_non_null(strcasestr(head, "Content-Type: application/vnd.docker.raw-stream"));
        assert_non_null(strcasestr(head, "Upgrade: tcp"));
        assert_non_null(strcasestr(head, "\nConnection: Upgrade\r\n"));
        read_exact(fd, extra, extra_len, "ready\n");
        const char *msg = "hello through the hijacked socket";
        assert_int_equal(write_all_fd(fd, msg, strlen(msg)), 0);
        read_exact(fd, NULL, 0, msg);
        /* half-close: the callback sees EOF, returns, the server closes */
        shutdown(fd, SHUT_WR);
        char c;
        assert_int_equal(read(fd, &c, 1), 0);
}

static void test_hijack_pending_bytes(void **state)
{
        _cleanup_close_ int fd = connect_unix(sock_path);
        /* bytes right behind the request must reach the callback, in order */
        const char *req = "POST /test/echo HTTP/1.1\r\nHost: x\r\n"
                          "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\nEARLY";
        assert_int_equal(write_all_fd(fd, req, strlen(req)), 0);
        char extra[8192];
        size_t extra_len = 0;
        char *head = read_head(fd, extra, &extra_len);
        assert_non_null(strstr(head, " 101 "));
        read_exact(fd, extra, extra_len, "ready\nEARLY");
        shutdown(fd, SHUT_WR);
}

static void test_hijack_without_upgrade(void **state)
{
        /* Clients without Upgrade get 200 and a one-way raw stream. */
        Resp r = request("POST", "/v1.41/test/echo", NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_string_equal(header(&r, "Content-Type"), "application/vnd.docker.raw-stream");
        assert_string_equal(r.body, "ready\n");
        resp_clear(&r);
}

static void test_stream_reply(void **state)
{
        Resp r = request("GET", "/test/stream", NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "line 0\nline 1\nline 2\n");
        resp_clear(&r);
}

static json_int_t jint(json_t *j, const char *key)
{
        json_t *v = json_object_get(j, key);
        assert_true(json_is_integer(v));
        return json_integer_value(v);
}

static void test_spool_large_body(void **state)
{
        /* beyond the 16 MiB limit of buffered bodies, with Content-Length */
        size_t size = ((size_t)20 << 20) + 7;
        char *big = malloc(size + 1);
        assert_non_null(big);
        memset(big, 'x', size);
        big[size] = '\0';
        Resp r = request("POST", "/test/spool", "application/x-tar", big);
        free(big);
        assert_int_equal(r.status, 200);
        _cleanup_json_ json_t *j = body_json(&r);
        assert_int_equal(jint(j, "len"), (json_int_t)size);
        assert_int_equal(jint(j, "x"), (json_int_t)size);
        assert_int_equal(jint(j, "links"), 0);   /* unlinked */
        assert_int_equal(jint(j, "mem"), 0);     /* not in memory */
        assert_int_equal(jint(j, "entries"), 0); /* nothing visible in the spool dir */
        assert_int_equal(jint(j, "rewound"), 0);
        resp_clear(&r);
        assert_int_equal(count_entries(spool_path), 0);
}

static void test_spool_chunked_body(void **state)
{
        size_t size = ((size_t)17 << 20) + 3;
        Resp r = request_full(sock_path, "POST", "/test/spool", "application/x-tar", NULL, size);
        assert_int_equal(r.status, 200);
        _cleanup_json_ json_t *j = body_json(&r);
        assert_int_equal(jint(j, "len"), (json_int_t)size);
        assert_int_equal(jint(j, "x"), (json_int_t)size);
        resp_clear(&r);
        /* the connection and the server go on */
        r = request("GET", "/_ping", NULL, NULL);
        assert_int_equal(r.status, 200);
        resp_clear(&r);
}

static void test_spool_empty_and_small(void **state)
{
        Resp r = request("POST", "/test/spool", NULL, NULL);
        assert_int_equal(r.status, 200);
        _cleanup_json_ json_t *j = body_json(&r);
        assert_int_equal(jint(j, "len"), 0);
        resp_clear(&r);
        r = request("POST", "/test/spool", "text/plain", "abcxx");
        assert_int_equal(r.status, 200);
        _cleanup_json_ json_t *k = body_json(&r);
        assert_int_equal(jint(k, "len"), 5);
        assert_int_equal(jint(k, "x"), 2);
        resp_clear(&r);
}

static void test_spool_limit(void **state)
{
        char big[2049];
        memset(big, 'x', 2048);
        big[2048] = '\0';
        Resp r = request("POST", "/test/spoolsmall", "text/plain", big);
        assert_message(&r, 413, NULL);
        resp_clear(&r);
        r = request_full(sock_path, "POST", "/test/spoolsmall", "text/plain", NULL, 4096);
        assert_message(&r, 413, "request body exceeds the limit of 1024 bytes");
        resp_clear(&r);
        r = request("POST", "/test/spoolsmall", "text/plain", "xx");
        assert_int_equal(r.status, 200);
        resp_clear(&r);
        assert_int_equal(count_entries(spool_path), 0);
}

static void test_body_fd_needs_spool_route(void **state)
{
        Resp r = request("POST", "/test/notspooled", "text/plain", "abc");
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "{\"fd\":-9}\n"); /* -EBADF */
        resp_clear(&r);
}

static void test_query_all(void **state)
{
        Resp r =
            request("GET", "/test/queryall?names=busybox%3Alatest&x=1&names=alpine", NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "[\"busybox:latest\",\"alpine\"]\n");
        resp_clear(&r);
        r = request("GET", "/test/queryall", NULL, NULL);
        assert_string_equal(r.body, "[]\n");
        resp_clear(&r);
}

static void test_docker_client_hijack(void **state)
{
        if (system("command -v docker >/dev/null 2>&1") != 0) {
                printf("# skip: no docker client installed\n");
                skip();
        }
        char cmd[512];
        snprintf(cmd, sizeof(cmd),
                 "printf 'typed input\\n' | DOCKER_HOST=unix://%s DOCKER_CONFIG=%s/docker "
                 "timeout 20 docker exec -i c1 cat 2>&1",
                 sock_path, tmpdir);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char out[1024];
        size_t n = fread(out, 1, sizeof(out) - 1, p);
        out[n] = '\0';
        int status = pclose(p);
        if (status != 0)
                printf("# docker exec said: %s\n", out);
        assert_int_equal(status, 0);
        assert_string_equal(out, "hello from berth\ntyped input\n");
}

static void *slow_client(void *arg)
{
        Resp *r = arg;
        *r = request("GET", "/test/slow", NULL, NULL);
        return NULL;
}

static void test_slow_handler_does_not_block_ping(void **state)
{
        atomic_store(&slow_started, 0);
        atomic_store(&slow_done, 0);
        Resp slow = {0};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, slow_client, &slow), 0);
        while (!atomic_load(&slow_started))
                usleep(1000);
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        Resp r = request("GET", "/_ping", NULL, NULL);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        printf("# /_ping latency during a 1 s handler: %.2f ms\n", ms);
        assert_int_equal(r.status, 200);
        /* answered while the slow handler still runs */
        assert_false(atomic_load(&slow_done));
        resp_clear(&r);
        pthread_join(t, NULL);
        assert_int_equal(slow.status, 200);
        assert_string_equal(slow.body, "slow");
        resp_clear(&slow);
}

static void test_second_socket(void **state)
{
        Resp r = request_full(sock2_path, "GET", "/_ping", NULL, NULL, 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "OK");
        resp_clear(&r);
}

static void test_socket_mode(void **state)
{
        struct stat st;
        assert_int_equal(stat(sock_path, &st), 0);
        assert_true(S_ISSOCK(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0660);
}

static void test_socket_stale_and_live(void **state)
{
        char path[160];
        snprintf(path, sizeof(path), "%s/stale.sock", tmpdir);
        /* a socket file nobody listens on */
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        strcpy(sa.sun_path, path);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        close(fd);
        ApiServer *s = NULL;
        BerthError *err = NULL;
        assert_int_equal(api_server_new(&s, &err), 0);
        add_routes(s);
        assert_int_equal(api_server_listen_unix(s, path, &err), 0);
        Resp r = request_full(path, "GET", "/_ping", NULL, NULL, 0);
        assert_int_equal(r.status, 200);
        resp_clear(&r);
        /* a live one is refused, and left alone */
        ApiServer *s2 = NULL;
        assert_int_equal(api_server_new(&s2, &err), 0);
        assert_int_equal(api_server_listen_unix(s2, path, &err), -EADDRINUSE);
        assert_non_null(strstr(err->message, "already listening"));
        err = error_free(err);
        api_server_free(s2);
        assert_int_equal(access(path, F_OK), 0);
        /* not a socket */
        char file[160];
        snprintf(file, sizeof(file), "%s/plain", tmpdir);
        assert_int_equal(write_file_atomic(file, "x", 1, 0644, NULL), 0);
        ApiServer *s3 = NULL;
        assert_int_equal(api_server_new(&s3, &err), 0);
        assert_int_equal(api_server_listen_unix(s3, file, &err), -EEXIST);
        err = error_free(err);
        api_server_free(s3);
        /* stopping removes our socket file */
        api_server_free(s);
        assert_int_equal(access(path, F_OK), -1);
}

static void test_stop_ends_hijack(void **state)
{
        char path[160];
        snprintf(path, sizeof(path), "%s/stop.sock", tmpdir);
        ApiServer *s = NULL;
        BerthError *err = NULL;
        assert_int_equal(api_server_new(&s, &err), 0);
        add_routes(s);
        assert_int_equal(api_server_listen_unix(s, path, &err), 0);
        _cleanup_close_ int fd = connect_unix(path);
        const char *req = "POST /test/echo HTTP/1.1\r\nHost: x\r\n"
                          "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
        assert_int_equal(write_all_fd(fd, req, strlen(req)), 0);
        char extra[8192];
        size_t extra_len = 0;
        read_head(fd, extra, &extra_len);
        read_exact(fd, extra, extra_len, "ready\n");
        /* the client keeps its side open: stop must still end the stream */
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        api_server_free(s);
        clock_gettime(CLOCK_MONOTONIC, &b);
        assert_true(b.tv_sec - a.tv_sec < 3);
        char c;
        assert_int_equal(read(fd, &c, 1), 0);
        assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_ping),
            cmocka_unit_test(test_ping_head),
            cmocka_unit_test(test_version_shape),
            cmocka_unit_test(test_info_partial),
            cmocka_unit_test(test_routing_params),
            cmocka_unit_test(test_version_too_old),
            cmocka_unit_test(test_version_too_new),
            cmocka_unit_test(test_not_found),
            cmocka_unit_test(test_body_too_large),
            cmocka_unit_test(test_body_too_large_chunked),
            cmocka_unit_test(test_json_body),
            cmocka_unit_test(test_json_malformed),
            cmocka_unit_test(test_error_mapping),
            cmocka_unit_test(test_no_reply_is_500),
            cmocka_unit_test(test_query_filters),
            cmocka_unit_test(test_keepalive_after_error),
            cmocka_unit_test(test_hijack_upgrade),
            cmocka_unit_test(test_hijack_pending_bytes),
            cmocka_unit_test(test_hijack_without_upgrade),
            cmocka_unit_test(test_docker_client_hijack),
            cmocka_unit_test(test_stream_reply),
            cmocka_unit_test(test_spool_large_body),
            cmocka_unit_test(test_spool_chunked_body),
            cmocka_unit_test(test_spool_empty_and_small),
            cmocka_unit_test(test_spool_limit),
            cmocka_unit_test(test_body_fd_needs_spool_route),
            cmocka_unit_test(test_query_all),
            cmocka_unit_test(test_slow_handler_does_not_block_ping),
            cmocka_unit_test(test_second_socket),
            cmocka_unit_test(test_socket_mode),
            cmocka_unit_test(test_socket_stale_and_live),
            cmocka_unit_test(test_stop_ends_hijack),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
