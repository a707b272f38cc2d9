/* Image commands: images, rmi, tag, save, load, import, history, image
 * prune. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/strv.h"

static char *image_short_id(const char *id, bool no_trunc)
{
        if (!id)
                return strdup("");
        if (no_trunc)
                return strdup(id);
        if (strncmp(id, "sha256:", 7) == 0)
                id += 7;
        return strndup(id, 12);
}

static char *ago(int64_t t, int64_t now)
{
        _cleanup_free_ char *d = cli_human_duration(now - t);
        char *s = NULL;
        if (asprintf(&s, "%s ago", d ? d : "") < 0)
                return NULL;
        return s;
}

static char *rfc3339(int64_t t)
{
        char buf[64];
        time_t tt = (time_t)t;
        struct tm tm;
        localtime_r(&tt, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S%z", &tm);
        /* +0000 → +00:00 as Go's RFC 3339 */
        size_t n = strlen(buf);
        if (n > 5 && (buf[n - 5] == '+' || buf[n - 5] == '-')) {
                memmove(buf + n - 1, buf + n - 2, 3);
                buf[n - 2] = ':';
                if (STREQ(buf + n - 5, "+00:00")) {
                        buf[n - 5] = 'Z';
                        buf[n - 4] = 0;
                }
        }
        return strdup(buf);
}

static char *created_at(int64_t t)
{
        char buf[128];
        time_t tt = (time_t)t;
        struct tm tm;
        localtime_r(&tt, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z %Z", &tm);
        return strdup(buf);
}

static json_t *image_row(json_t *img, const char *repo, const char *tag, const char *digest,
                         bool no_trunc, int64_t now)
{
        int64_t created = json_integer_value(json_object_get(img, "Created"));
        _cleanup_free_ char *id =
            image_short_id(json_string_value(json_object_get(img, "Id")), no_trunc);
        _cleanup_free_ char *since = ago(created, now), *at = created_at(created);
        _cleanup_free_ char *size =
            cli_human_size((double)json_integer_value(json_object_get(img, "Size")));
        json_int_t containers = json_integer_value(json_object_get(img, "Containers"));
        char cbuf[32];
        if (!json_is_integer(json_object_get(img, "Containers")) || containers < 0)
                snprintf(cbuf, sizeof(cbuf), "N/A");
        else
                snprintf(cbuf, sizeof(cbuf), "%lld", (long long)containers);
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Containers",
                         cbuf, "CreatedAt", at ? at : "", "CreatedSince", since ? since : "",
                         "Digest", digest, "ID", id ? id : "", "Repository", repo, "SharedSize",
                         "N/A", "Size", size ? size : "", "Tag", tag, "UniqueSize", "N/A",
                         "VirtualSize", size ? size : "");
}

int cmd_images(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"images",
                                       "[OPTIONS] [REPOSITORY[:TAG]]",
                                       "List images",
                                       "berth image ls, berth image list, berth images",
                                       0,
                                       1,
                                       true};
        bool all = false, digests = false, no_trunc = false, quiet = false;
        const char *format = NULL;
        _cleanup_strv_free_ char **filters = NULL;
        CliOpt opts[] = {
            {'a', "all", CLI_OPT_BOOL, &all, NULL,
             "Show all images (default hides intermediate images)"},
            {0, "digests", CLI_OPT_BOOL, &digests, NULL, "Show digests"},
            {'f', "filter", CLI_OPT_LIST, &filters, "filter",
             "Filter output based on conditions provided"},
            {0, "format", CLI_OPT_STRING, &format, "string",
             "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or "
             "'TEMPLATE'"},
            {0, "no-trunc", CLI_OPT_BOOL, &no_trunc, NULL, "Don't truncate output"},
            {'q', "quiet", CLI_OPT_BOOL, &quiet, NULL, "Only show image IDs"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_error_ BerthError *err = NULL;
        if (nargs == 1) {
                char *ref = NULL;
                if (asprintf(&ref, "reference=%s", args[0]) < 0 || strv_push(&filters, ref) < 0)
                        return 1;
        }
        char *bad = NULL;
        _cleanup_free_ char *fq = cli_filters_query(filters, &bad), *path = NULL;
        if (cli_filters_bad(bad, "-f, --filter"))
                return CLI_EXIT_ENGINE;
        if (asprintf(&path, "/images/json%s%s%s%s", all || fq ? "?" : "", all ? "all=1" : "",
                     all && fq ? "&filters="
                     : fq      ? "filters="
                               : "",
                     fq ? fq : "") < 0)
                return 1;
        _cleanup_json_ json_t *list = NULL;
        if (cli_get_json(ctx, path, &list, &err) < 0)
                return cli_fail(err, 1);
        size_t i;
        json_t *img;
        if (quiet && (!format || !*format)) {
                _cleanup_strv_free_ char **seen = NULL;
                json_array_foreach(list, i, img)
                {
                        _cleanup_free_ char *id =
                            image_short_id(json_string_value(json_object_get(img, "Id")), no_trunc);
                        if (id && !strv_contains(seen, id)) {
                                printf("%s\n", id);
                                strv_append(&seen, id);
                        }
                }
                return 0;
        }
        int64_t now = (int64_t)time(NULL);
        _cleanup_json_ json_t *rows = json_array();
        json_array_foreach(list, i, img)
        {
                json_t *tags = json_object_get(img, "RepoTags");
                json_t *dig = json_object_get(img, "RepoDigests");
                const char *digest = "<none>";
                if (json_array_size(dig)) {
                        const char *d = json_string_value(json_array_get(dig, 0));
                        const char *at = d ? strchr(d, '@') : NULL;
                        if (at)
                                digest = at + 1;
                }
                size_t n = 0, j;
                json_t *t;
                json_array_foreach(tags, j, t)
                {
                        const char *s = json_string_value(t);
                        if (!s || STREQ(s, "<none>:<none>"))
                                continue;
                        _cleanup_free_ char *repo = strdup(s);
                        char *colon = strrchr(repo, ':');
                        if (colon && !strchr(colon, '/'))
                                *colon = 0;
                        json_array_append_new(rows, image_row(img, repo, colon ? colon + 1 : "",
                                                              digest, no_trunc, now));
                        n++;
                }
                if (n == 0)
                        json_array_append_new(
                            rows, image_row(img, "<none>", "<none>", digest, no_trunc, now));
        }
        _cleanup_json_ json_t *header = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Containers", "CONTAINERS",
            "CreatedAt", "CREATED AT", "CreatedSince", "CREATED", "Digest", "DIGEST", "ID",
            "IMAGE ID", "Repository", "REPOSITORY", "SharedSize", "SHARED SIZE", "Size", "SIZE",
            "Tag", "TAG", "UniqueSize", "UNIQUE SIZE", "VirtualSize", "VIRTUAL SIZE");
        const char *def = digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t"
                                    "{{.CreatedSince}}\t{{.Size}}"
                                  : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}"
                                    "\t{{.Size}}";
        if (quiet)
                format = "{{.ID}}";
        if (cli_format_rows(stdout, format, def, rows, header, &err) < 0)
                return cli_fail(err, 1);
        return 0;
}

int cmd_rmi(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"rmi",
                                       "[OPTIONS] IMAGE [IMAGE...]",
                                       "Remove one or more images",
                                       "berth image rm, berth image remove, berth rmi",
                                       1,
                                       -1,
                                       true};
        bool force = false, no_prune = false;
        CliOpt opts[] = {
            {'f', "force", CLI_OPT_BOOL, &force, NULL, "Force removal of the image"},
            {0, "no-prune", CLI_OPT_BOOL, &no_prune, NULL, "Do not delete untagged parents"},
            {0},
        };
        PARSE(cmd, opts);
        int failed = 0;
        for (int i = 0; i < nargs; i++) {
                _cleanup_error_ BerthError *err = NULL;
                _cleanup_json_ json_t *res = NULL;
                _cleanup_free_ char *q = cli_urlencode(args[i]), *path = NULL;
                if (!q || asprintf(&path, "/images/%s%s%s%s", q, force || no_prune ? "?" : "",
                                   force ? "force=1" : "",
                                   no_prune ? (force ? "&noprune=1" : "noprune=1") : "") < 0)
                        return 1;
                if (cli_delete(ctx, path, &res, &err) < 0) {
                        fprintf(stderr, "%s\n", err->message);
                        failed = 1;
                        continue;
                }
                size_t j;
                json_t *e;
                json_array_foreach(res, j, e)
                {
                        const char *u = json_string_value(json_object_get(e, "Untagged"));
                        const char *d = json_string_value(json_object_get(e, "Deleted"));
                        if (u)
                                printf("Untagged: %s\n", u);
                        if (d)
                                printf("Deleted: %s\n", d);
                }
        }
        return failed;
}

int cmd_tag(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"tag",
                                       "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
                                       "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
                                       "berth image tag, berth tag",
                                       2,
                                       2,
                                       true};
        CliOpt opts[] = {{0}};
        PARSE(cmd, opts);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *target = strdup(args[1]);
        if (!target)
                return 1;
        const char *tag = "latest";
        char *slash = strrchr(target, '/');
        char *colon = strrchr(target, ':');
        if (colon && (!slash || colon > slash)) {
                *colon = 0;
                tag = colon + 1;
        }
        _cleanup_free_ char *q = cli_urlencode(args[0]), *r = cli_urlencode(target),
                            *t = cli_urlencode(tag), *path = NULL;
        if (!q || !r || !t || asprintf(&path, "/images/%s/tag?repo=%s&tag=%s", q, r, t) < 0)
                return 1;
        if (cli_post_json(ctx, path, NULL, NULL, &err) < 0)
                return cli_fail(err, 1);
        return 0;
}

int cmd_save(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"save",
                                       "[OPTIONS] IMAGE [IMAGE...]",
                                       "Save one or more images to a tar archive (streamed to "
                                       "STDOUT by default)",
                                       "berth image save, berth save",
                                       1,
                                       -1,
                                       true};
        const char *output = NULL;
        CliOpt opts[] = {
            {'o', "output", CLI_OPT_STRING, &output, "string",
             "Write to a file, instead of STDOUT"},
            {0},
        };
        PARSE(cmd, opts);
        char *path = strdup("/images/get?");
        for (int i = 0; path && i < nargs; i++) {
                _cleanup_free_ char *q = cli_urlencode(args[i]);
                char *p2 = NULL;
                if (!q || asprintf(&p2, "%s%snames=%s", path, i ? "&" : "", q) < 0) {
                        free(path);
                        return 1;
                }
                free(path);
                path = p2;
        }
        if (!path)
                return 1;
        int r = cli_download(ctx, path, output, "save image");
        free(path);
        return r;
}

/* Prints a JSON message stream (load, import): "stream" and "status" text;
 * an "error" fails. */
static int print_json_stream(const char *body, size_t len, bool quiet)
{
        size_t off = 0;
        int failed = 0;
        while (off < len) {
                json_error_t jerr;
                while (off < len && (body[off] == '\n' || body[off] == '\r' || body[off] == ' '))
                        off++;
                if (off >= len)
                        break;
                json_t *m = json_loadb(body + off, len - off, JSON_DISABLE_EOF_CHECK, &jerr);
                if (!m) {
                        fwrite(body + off, 1, len - off, stdout);
                        break;
                }
                off += jerr.position;
                const char *e = json_string_value(json_object_get(m, "error"));
                const char *s = json_string_value(json_object_get(m, "stream"));
                const char *st = json_string_value(json_object_get(m, "status"));
                if (e) {
                        fprintf(stderr, "%s\n", e);
                        failed = 1;
                } else if (s && !quiet) {
                        fputs(s, stdout);
                } else if (s && quiet && strncmp(s, "Loaded image", 12) == 0) {
                        fputs(s, stdout);
                } else if (st && !quiet) {
                        printf("%s\n", st);
                }
                json_decref(m);
        }
        return failed;
}

static int upload(CliContext *ctx, const char *path, int fd, bool quiet)
{
        _cleanup_error_ BerthError *err = NULL;
        CliRequest req = {
            .method = "POST", .path = path, .upload_fd = fd, .content_type = "application/x-tar"};
        CliResponse resp = {0};
        int r = cli_call(ctx, &req, &resp, &err);
        if (r < 0)
                return cli_fail(err, 1);
        r = print_json_stream(resp.body, resp.len, quiet);
        cli_response_clear(&resp);
        return r;
}

int cmd_load(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"load",
                                       "[OPTIONS]",
                                       "Load an image from a tar archive or STDIN",
                                       "berth image load, berth load",
                                       0,
                                       0,
                                       true};
        const char *input = NULL;
        bool quiet = false;
        CliOpt opts[] = {
            {'i', "input", CLI_OPT_STRING, &input, "string",
             "Read from tar archive file, instead of STDIN"},
            {'q', "quiet", CLI_OPT_BOOL, &quiet, NULL, "Suppress the load output"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_close_ int fd = -1;
        int in = STDIN_FILENO;
        if (input && *input) {
                fd = open(input, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        fprintf(stderr, "open %s: %s\n", input, strerror(errno));
                        return 1;
                }
                in = fd;
        } else if (isatty(STDIN_FILENO)) {
                fprintf(stderr, "requested load from stdin, but stdin is empty\n");
                return 1;
        }
        return upload(ctx, quiet ? "/images/load?quiet=1" : "/images/load", in, quiet);
}

int cmd_import(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"import",
                                       "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
                                       "Import the contents from a tarball to create a filesystem "
                                       "image",
                                       "berth image import, berth import",
                                       1,
                                       2,
                                       true};
        _cleanup_strv_free_ char **changes = NULL;
        const char *message = NULL, *platform = NULL;
        CliOpt opts[] = {
            {'c', "change", CLI_OPT_LIST, &changes, "list",
             "Apply Dockerfile instruction to the created image"},
            {'m', "message", CLI_OPT_STRING, &message, "string",
             "Set commit message for imported image"},
            {0, "platform", CLI_OPT_STRING, &platform, "string",
             "Set platform if server is multi-platform capable"},
            {0},
        };
        PARSE(cmd, opts);
        const char *src = args[0];
        bool url = strncmp(src, "http://", 7) == 0 || strncmp(src, "https://", 8) == 0;
        _cleanup_close_ int fd = -1;
        char *path = NULL;
        if (asprintf(&path, "/images/create?fromSrc=%s", url ? "" : "-") < 0)
                return 1;
#define APPEND(key, val)                                                                           \
        do {                                                                                       \
                _cleanup_free_ char *q_ = cli_urlencode(val);                                      \
                char *p_ = NULL;                                                                   \
                if (!q_ || asprintf(&p_, "%s&%s=%s", path, key, q_) < 0) {                         \
                        free(path);                                                                \
                        return 1;                                                                  \
                }                                                                                  \
                free(path);                                                                        \
                path = p_;                                                                         \
        } while (0)
        if (url) {
                free(path);
                path = strdup("/images/create?");
                _cleanup_free_ char *q = cli_urlencode(src);
                char *p2 = NULL;
                if (!path || !q || asprintf(&p2, "%sfromSrc=%s", path, q) < 0) {
                        free(path);
                        return 1;
                }
                free(path);
                path = p2;
        }
        STRV_FOREACH(c, changes)
        APPEND("changes", *c);
        if (message)
                APPEND("message", message);
        if (platform)
                APPEND("platform", platform);
        if (nargs > 1) {
                _cleanup_free_ char *ref = strdup(args[1]);
                char *slash = ref ? strrchr(ref, '/') : NULL;
                char *colon = ref ? strrchr(ref, ':') : NULL;
                if (colon && (!slash || colon > slash)) {
                        *colon = 0;
                        APPEND("tag", colon + 1);
                }
                APPEND("repo", ref);
        }
#undef APPEND
        int in = -1;
        if (!url) {
                if (STREQ(src, "-")) {
                        in = STDIN_FILENO;
                } else {
                        fd = open(src, O_RDONLY | O_CLOEXEC);
                        if (fd < 0) {
                                fprintf(stderr, "open %s: %s\n", src, strerror(errno));
                                free(path);
                                return 1;
                        }
                        in = fd;
                }
        }
        int r;
        if (in >= 0) {
                r = upload(ctx, path, in, false);
        } else {
                _cleanup_error_ BerthError *err = NULL;
                CliRequest req = {.method = "POST", .path = path, .upload_fd = -1};
                CliResponse resp = {0};
                r = cli_call(ctx, &req, &resp, &err);
                if (r < 0)
                        r = cli_fail(err, 1);
                else
                        r = print_json_stream(resp.body, resp.len, false);
                cli_response_clear(&resp);
        }
        free(path);
        return r;
}

static char *ellipsis45(const char *s, bool trunc)
{
        size_t n = 0;
        const char *p = s;
        char *out = strdup(s);
        for (char *q = out; q && *q; q++)
                if (*q == '\t')
                        *q = ' ';
        if (!trunc || !out)
                return out;
        for (p = out; *p; p++) {
                if (((unsigned char)*p & 0xC0) != 0x80) {
                        if (n == 44) {
                                size_t rest = 0;
                                for (const char *q = p; *q; q++)
                                        if (((unsigned char)*q & 0xC0) != 0x80)
                                                rest++;
                                if (rest > 1) {
                                        char *t = NULL;
                                        if (asprintf(&t, "%.*s…", (int)(p - out), out) >= 0) {
                                                free(out);
                                                return t;
                                        }
                                }
                                return out;
                        }
                        n++;
                }
        }
        return out;
}

int cmd_history(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {"history",
                                       "[OPTIONS] IMAGE",
                                       "Show the history of an image",
                                       "berth image history, berth history",
                                       1,
                                       1,
                                       true};
        bool human = true, no_trunc = false, quiet = false;
        const char *format = NULL;
        CliOpt opts[] = {
            {0, "format", CLI_OPT_STRING, &format, "string",
             "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or "
             "'TEMPLATE'"},
            {'H', "human", CLI_OPT_BOOL, &human, NULL,
             "Print sizes and dates in human readable format (default true)"},
            {0, "no-trunc", CLI_OPT_BOOL, &no_trunc, NULL, "Don't truncate output"},
            {'q', "quiet", CLI_OPT_BOOL, &quiet, NULL, "Only show image IDs"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *q = cli_urlencode(args[0]), *path = NULL;
        if (!q || asprintf(&path, "/images/%s/history", q) < 0)
                return 1;
        _cleanup_json_ json_t *list = NULL;
        if (cli_get_json(ctx, path, &list, &err) < 0)
                return cli_fail(err, 1);
        int64_t now = (int64_t)time(NULL);
        _cleanup_json_ json_t *rows = json_array();
        size_t i;
        json_t *h;
        json_array_foreach(list, i, h)
        {
                const char *id = json_string_value(json_object_get(h, "Id"));
                int64_t created = json_integer_value(json_object_get(h, "Created"));
                int64_t size = json_integer_value(json_object_get(h, "Size"));
                const char *by = json_string_value(json_object_get(h, "CreatedBy"));
                const char *comment = json_string_value(json_object_get(h, "Comment"));
                _cleanup_free_ char *sid = id && !STREQ(id, "<missing>")
                                               ? image_short_id(id, no_trunc)
                                               : strdup("<missing>");
                _cleanup_free_ char *since = created <= 0 ? strdup("N/A")
                                             : human      ? ago(created, now)
                                                          : rfc3339(created);
                _cleanup_free_ char *at = rfc3339(created);
                _cleanup_free_ char *b = ellipsis45(by ? by : "", !no_trunc);
                _cleanup_free_ char *sz = NULL;
                if (human)
                        sz = cli_human_size((double)size);
                else if (asprintf(&sz, "%lld", (long long)size) < 0)
                        sz = NULL;
                json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
                                                      sid ? sid : "", "CreatedSince",
                                                      since ? since : "", "CreatedAt", at ? at : "",
                                                      "CreatedBy", b ? b : "", "Size", sz ? sz : "",
                                                      "Comment", comment ? comment : ""));
        }
        _cleanup_json_ json_t *header = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "IMAGE", "CreatedSince", "CREATED", "CreatedAt",
            "CREATED AT", "CreatedBy", "CREATED BY", "Size", "SIZE", "Comment", "COMMENT");
        if (quiet)
                format = "{{.ID}}";
        if (cli_format_rows(stdout, format,
                            human ? "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t"
                                    "{{.Comment}}"
                                  : "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t"
                                    "{{.Comment}}",
                            rows, header, &err) < 0)
                return cli_fail(err, 1);
        return 0;
}

int cmd_image_prune(CliContext *ctx, int argc, char **argv)
{
        static const CliCommand cmd = {
            "image prune", "[OPTIONS]", "Remove unused images", NULL, 0, 0, true};
        bool all = false, force = false;
        _cleanup_strv_free_ char **filters = NULL;
        CliOpt opts[] = {
            {'a', "all", CLI_OPT_BOOL, &all, NULL,
             "Remove all unused images, not just dangling ones"},
            {0, "filter", CLI_OPT_LIST, &filters, "filter",
             "Provide filter values (e.g. \"until=<timestamp>\")"},
            {'f', "force", CLI_OPT_BOOL, &force, NULL, "Do not prompt for confirmation"},
            {0},
        };
        PARSE(cmd, opts);
        _cleanup_error_ BerthError *err = NULL;
        /* a malformed --filter is a flag error, before any question */
        char *bad = NULL;
        _cleanup_free_ char *fq0 = cli_filters_query(filters, &bad);
        if (cli_filters_bad(bad, "--filter"))
                return CLI_EXIT_ENGINE;
        if (!force &&
            !cli_confirm(all ? "WARNING! This will remove all images without at least one "
                               "container associated to them."
                             : "WARNING! This will remove all dangling images."))
                return 0;
        if (strv_append(&filters, all ? "dangling=false" : "dangling=true") < 0)
                return 1;
        _cleanup_free_ char *fq = cli_filters_query(filters, &bad), *path = NULL;
        if (asprintf(&path, "/images/prune?filters=%s", fq ? fq : "") < 0)
                return 1;
        _cleanup_json_ json_t *res = NULL;
        if (cli_post_json(ctx, path, NULL, &res, &err) < 0)
                return cli_fail(err, 1);
        json_t *del = json_object_get(res, "ImagesDeleted");
        if (json_array_size(del)) {
                size_t i;
                json_t *d;
                printf("Deleted Images:\n");
                json_array_foreach(del, i, d)
                {
                        const char *u = json_string_value(json_object_get(d, "Untagged"));
                        const char *x = json_string_value(json_object_get(d, "Deleted"));
                        if (u)
                                printf("untagged: %s\n", u);
                        if (x)
                                printf("deleted: %s\n", x);
                }
                printf("\n");
        }
        _cleanup_free_ char *sz =
            cli_human_size((double)json_integer_value(json_object_get(res, "SpaceReclaimed")));
        printf("Total reclaimed space: %s\n", sz ? sz : "0B");
        return 0;
}
