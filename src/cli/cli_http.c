/* The Engine API client: HTTP/1.1 over the daemon's unix socket (the
 * transport is cli_transport_curl.c or cli_transport_raw.c), API version
 * negotiation through /_ping, and docker's error text ("Error response from
 * daemon: MSG"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/json.h"

void cli_response_clear(CliResponse *r)
{
        free(r->body);
        r->body = NULL;
        r->len = 0;
        r->status = 0;
}

int cli_context_init(CliContext *ctx, const char *host, BerthError **err)
{
        memset(ctx, 0, sizeof(*ctx));
        if (!host || !*host)
                host = CLI_DEFAULT_HOST;
        if (strncmp(host, "unix://", 7) == 0) {
                ctx->sock_path = strdup(host + 7);
                ctx->host = strdup(host);
        } else if (host[0] == '/') {
                ctx->sock_path = strdup(host);
                if (asprintf(&ctx->host, "unix://%s", host) < 0)
                        ctx->host = NULL;
        } else {
                return error_set(err, EINVAL,
                                 "unsupported host \"%s\": only unix:// sockets are supported",
                                 host);
        }
        if (!ctx->sock_path || !ctx->host)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

void cli_context_done(CliContext *ctx)
{
        cli_transport_done(ctx);
        free(ctx->host);
        free(ctx->sock_path);
        free(ctx->api_version);
        memset(ctx, 0, sizeof(*ctx));
}

int cli_error_no_daemon(CliContext *ctx, BerthError **err)
{
        return error_set(err, ECONNREFUSED,
                         "Cannot connect to the berth daemon at %s. Is the daemon running? "
                         "(start it with: berthd &)",
                         ctx->host);
}

char *cli_urlencode(const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        size_t n = strlen(s);
        char *out = malloc(n * 3 + 1), *p = out;
        if (!out)
                return NULL;
        for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
                if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    (*c >= '0' && *c <= '9') || strchr("-_.~", *c)) {
                        *p++ = (char)*c;
                } else {
                        *p++ = '%';
                        *p++ = hex[*c >> 4];
                        *p++ = hex[*c & 15];
                }
        }
        *p = 0;
        return out;
}

char *cli_error_message(const char *body, size_t len)
{
        _cleanup_json_ json_t *j = NULL;
        json_error_t jerr;

        if (body && len) {
                j = json_loadb(body, len, 0, &jerr);
                json_t *m = j ? json_object_get(j, "message") : NULL;
                if (json_is_string(m))
                        return strdup(json_string_value(m));
        }
        if (!body || !len)
                return strdup("the daemon answered with an empty error");
        char *s = strndup(body, len);
        if (s) {
                size_t l = strlen(s);
                while (l && (s[l - 1] == '\n' || s[l - 1] == '\r'))
                        s[--l] = 0;
        }
        return s;
}

static int version_cmp(const char *a, const char *b)
{
        int amaj = 0, amin = 0, bmaj = 0, bmin = 0;
        sscanf(a, "%d.%d", &amaj, &amin);
        sscanf(b, "%d.%d", &bmaj, &bmin);
        if (amaj != bmaj)
                return amaj < bmaj ? -1 : 1;
        return amin < bmin ? -1 : amin > bmin;
}

char *cli_versioned_path(CliContext *ctx, const char *path)
{
        char *s = NULL;
        if (ctx->api_version) {
                if (asprintf(&s, "/v%s%s", ctx->api_version, path) < 0)
                        return NULL;
                return s;
        }
        return strdup(path);
}

int cli_negotiate(CliContext *ctx, BerthError **err)
{
        CliResponse resp = {0};
        char *server = NULL;
        int r;

        if (ctx->negotiated)
                return 0;
        r = cli_transport_perform(ctx, "HEAD", "/_ping", NULL, &resp, &server, err);
        if (r >= 0 && (resp.status >= 400 || !server)) {
                /* some servers answer only GET /_ping, as docker's client allows */
                free(server);
                server = NULL;
                cli_response_clear(&resp);
                r = cli_transport_perform(ctx, "GET", "/_ping", NULL, &resp, &server, err);
        }
        cli_response_clear(&resp);
        if (r < 0)
                return r;
        ctx->negotiated = true;
        /* as docker: a server that names no version speaks 1.24 */
        if (!server)
                server = strdup(CLI_MIN_API);
        if (server && version_cmp(server, CLI_API_VERSION) < 0) {
                ctx->api_version = server;
        } else {
                free(server);
                ctx->api_version = strdup(CLI_API_VERSION);
        }
        return 0;
}

int cli_http(CliContext *ctx, const CliRequest *req, CliResponse *resp, BerthError **err)
{
        _cleanup_free_ char *path = NULL;
        int r;

        memset(resp, 0, sizeof(*resp));
        r = cli_negotiate(ctx, err);
        if (r < 0)
                return r;
        path = cli_versioned_path(ctx, req->path);
        if (!path)
                return error_set(err, ENOMEM, "out of memory");
        return cli_transport_perform(ctx, req->method, path, req, resp, NULL, err);
}

int cli_call(CliContext *ctx, const CliRequest *req, CliResponse *resp, BerthError **err)
{
        int r = cli_http(ctx, req, resp, err);
        if (r < 0)
                return r;
        if (resp->status >= 400) {
                _cleanup_free_ char *msg = cli_error_message(resp->body, resp->len);
                int code = resp->status == 404 ? ENOENT : resp->status == 409 ? EEXIST : EIO;
                cli_response_clear(resp);
                return error_set(err, code, "Error response from daemon: %s",
                                 msg ? msg : "unknown error");
        }
        return 0;
}

static int call_json(CliContext *ctx, const char *method, const char *path, json_t *body,
                     json_t **ret, BerthError **err)
{
        CliResponse resp = {0};
        CliRequest req = {.method = method, .path = path, .json = body, .upload_fd = -1};
        int r = cli_call(ctx, &req, &resp, err);
        if (r < 0)
                return r;
        if (ret) {
                *ret = NULL;
                if (resp.len) {
                        r = json_parse_buffer(resp.body, resp.len, "the daemon's answer", ret, err);
                }
        }
        cli_response_clear(&resp);
        return r < 0 ? r : 0;
}

int cli_get_json(CliContext *ctx, const char *path, json_t **ret, BerthError **err)
{
        return call_json(ctx, "GET", path, NULL, ret, err);
}

int cli_post_json(CliContext *ctx, const char *path, json_t *body, json_t **ret, BerthError **err)
{
        return call_json(ctx, "POST", path, body, ret, err);
}

int cli_delete(CliContext *ctx, const char *path, json_t **ret, BerthError **err)
{
        return call_json(ctx, "DELETE", path, NULL, ret, err);
}
