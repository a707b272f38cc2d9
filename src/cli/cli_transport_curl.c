/* The HTTP transport over libcurl (CURLOPT_UNIX_SOCKET_PATH); one easy
 * handle per process, so sequential requests reuse the connection. */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"

typedef struct Xfer {
        CURL *curl;
        const CliRequest *req;
        char *buf;
        size_t len, cap;
        char *api_version;
        int upload_fd;
        const char *upload_data;
        size_t upload_len, upload_off;
} Xfer;

static size_t on_write(char *data, size_t size, size_t nmemb, void *userdata)
{
        Xfer *x = userdata;
        size_t n = size * nmemb;
        long status = 0;

        curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
        if (x->req && x->req->write_fn && status >= 200 && status < 300)
                return x->req->write_fn(data, n, x->req->write_data) == n ? n : 0;
        if (x->len + n + 1 > x->cap) {
                size_t cap = x->cap ? x->cap : 4096;
                while (cap < x->len + n + 1)
                        cap *= 2;
                char *b = realloc(x->buf, cap);
                if (!b)
                        return 0;
                x->buf = b;
                x->cap = cap;
        }
        memcpy(x->buf + x->len, data, n);
        x->len += n;
        x->buf[x->len] = 0;
        return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
        Xfer *x = userdata;
        size_t n = size * nmemb;
        if (n > 12 && strncasecmp(data, "Api-Version:", 12) == 0) {
                const char *v = data + 12;
                while (*v == ' ')
                        v++;
                size_t l = 0;
                while (v + l < data + n && v[l] != '\r' && v[l] != '\n' && v[l] != ' ')
                        l++;
                free(x->api_version);
                x->api_version = strndup(v, l);
        }
        return n;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *userdata)
{
        Xfer *x = userdata;
        size_t n = size * nmemb;
        if (x->upload_fd >= 0) {
                ssize_t r;
                do
                        r = read(x->upload_fd, buf, n);
                while (r < 0 && errno == EINTR);
                return r < 0 ? CURL_READFUNC_ABORT : (size_t)r;
        }
        size_t left = x->upload_len - x->upload_off;
        if (n > left)
                n = left;
        memcpy(buf, x->upload_data + x->upload_off, n);
        x->upload_off += n;
        return n;
}

int cli_transport_perform(CliContext *ctx, const char *method, const char *path,
                          const CliRequest *req, CliResponse *resp, char **ret_api_version,
                          BerthError **err)
{
        _cleanup_free_ char *url = NULL;
        _cleanup_free_ char *data = NULL;
        struct curl_slist *headers = NULL;
        Xfer x = {.req = req, .upload_fd = -1};
        CURLcode rc;

        if (!ctx->curl) {
                curl_global_init(CURL_GLOBAL_DEFAULT);
                ctx->curl = curl_easy_init();
                if (!ctx->curl)
                        return error_set(err, ENOMEM, "cannot initialize libcurl");
        }
        CURL *c = ctx->curl;
        curl_easy_reset(c);
        x.curl = c;
        if (asprintf(&url, "http://localhost%s", path) < 0)
                return error_set(err, ENOMEM, "out of memory");
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, ctx->sock_path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
        curl_easy_setopt(c, CURLOPT_USERAGENT,
                         "berth-cli/"
                         "0.1");
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        headers = curl_slist_append(headers, "Expect:");
        if (STREQ(method, "HEAD")) {
                curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        } else if (STREQ(method, "GET")) {
                curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        } else {
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        }
        if (req && req->json) {
                data = json_dumps(req->json, JSON_COMPACT);
                if (!data) {
                        curl_slist_free_all(headers);
                        return error_set(err, ENOMEM, "cannot encode the request body");
                }
                x.upload_data = data;
                x.upload_len = strlen(data);
                headers = curl_slist_append(headers, "Content-Type: application/json");
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)x.upload_len);
        } else if (req && req->upload_fd >= 0) {
                char h[200];
                x.upload_fd = req->upload_fd;
                snprintf(h, sizeof(h), "Content-Type: %s",
                         req->content_type ? req->content_type : "application/x-tar");
                headers = curl_slist_append(headers, h);
                headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
                curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
                curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
                curl_easy_setopt(c, CURLOPT_READDATA, &x);
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        } else if (STREQ(method, "POST")) {
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
        rc = curl_easy_perform(c);
        curl_slist_free_all(headers);
        if (rc != CURLE_OK) {
                free(x.buf);
                free(x.api_version);
                if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
                        return cli_error_no_daemon(ctx, err);
                if (rc == CURLE_WRITE_ERROR)
                        return error_set(err, EPIPE, "writing the output failed");
                return error_set(err, EIO, "request %s %s failed: %s", method, path,
                                 curl_easy_strerror(rc));
        }
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
        resp->body = x.buf;
        resp->len = x.len;
        if (ret_api_version)
                *ret_api_version = x.api_version;
        else
                free(x.api_version);
        return 0;
}

void cli_transport_done(CliContext *ctx)
{
        if (ctx->curl)
                curl_easy_cleanup(ctx->curl);
        ctx->curl = NULL;
}
