/* The /images endpoints: thin handlers over the image store (image.h), plus
 * the streaming parts: load and import read a spooled body, save streams
 * the archive a thread writes into a pipe. Image events are recorded here. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "daemon/api.h"
#include "daemon/api_images_changes.h"
#include "daemon/api_routes.h"

static ImgStore *store_of(void *ud)
{
        return engine_images((Engine *)ud);
}

/* Records an image event with the name attribute Docker gives. */
static void image_event(Engine *e, const char *action, const char *id, const char *name)
{
        json_t *attrs = name ? json_pack("{s:s}", "name", name) : NULL;
        engine_event(e, "image", action, id, attrs);
}

/* A JSON message stream (what the docker client reads from load, import
 * and pull): one {"stream": ...} or {"status": ...} object per line. */
typedef struct MsgStream {
        char *buf;
        size_t len;
        FILE *f;
} MsgStream;

static int msgs_open(MsgStream *m)
{
        *m = (MsgStream){0};
        m->f = open_memstream(&m->buf, &m->len);
        return m->f ? 0 : -ENOMEM;
}

static void msgs_add(MsgStream *m, const char *key, const char *text)
{
        json_t *j = json_pack("{s:s}", key, text);
        char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        if (s)
                fprintf(m->f, "%s\n", s);
        free(s);
        json_decref(j);
}

static int msgs_reply(ApiRequest *req, MsgStream *m)
{
        if (fclose(m->f) != 0) {
                free(m->buf);
                return -ENOMEM;
        }
        m->f = NULL;
        int r = api_reply_data(req, 200, "application/json", m->buf, m->len);
        free(m->buf);
        m->buf = NULL;
        return r;
}

static void msgs_done(MsgStream *m)
{
        if (m->f)
                fclose(m->f);
        free(m->buf);
}

/* ---- GET /images/json ---- */

static int h_list(ApiRequest *req, void *ud, BerthError **err)
{
        static const char *const allowed[] = {"before", "dangling", "label", "reference",
                                              "since",  "until",    NULL};
        _cleanup_json_ json_t *filters = NULL;
        int r = api_request_filters(req, &filters, err);
        if (r < 0)
                return r;
        if ((r = api_filters_validate(filters, allowed, err)) < 0)
                return r;
        json_t *list = NULL;
        r = img_store_list(store_of(ud), api_request_query_bool(req, "all", false), filters, &list,
                           err);
        if (r < 0)
                return r;
        return api_reply_json(req, 200, list);
}

/* ---- GET /images/{name}/json, /history ---- */

static int h_inspect(ApiRequest *req, void *ud, BerthError **err)
{
        json_t *j = NULL;
        int r = img_store_inspect(store_of(ud), api_request_param(req, "name"), &j, err);
        if (r < 0)
                return r;
        return api_reply_json(req, 200, j);
}

static int h_history(ApiRequest *req, void *ud, BerthError **err)
{
        json_t *j = NULL;
        int r = img_store_history(store_of(ud), api_request_param(req, "name"), &j, err);
        if (r < 0)
                return r;
        return api_reply_json(req, 200, j);
}

/* ---- POST /images/{name}/tag ---- */

static int h_tag(ApiRequest *req, void *ud, BerthError **err)
{
        const char *name = api_request_param(req, "name");
        const char *repo = api_request_query(req, "repo");
        const char *tag = api_request_query(req, "tag");
        if (!repo || !*repo)
                return error_set(err, EINVAL, "repository name must have at least one component");
        _cleanup_free_ char *target = NULL;
        if (asprintf(&target, "%s%s%s", repo, tag && *tag ? ":" : "", tag && *tag ? tag : "") < 0)
                return -ENOMEM;
        ImgStore *s = store_of(ud);
        int r = img_store_tag(s, name, target, err);
        if (r < 0)
                return r;
        ImgImage *img = NULL;
        if (img_store_get(s, target, &img, NULL) >= 0) {
                image_event(ud, "tag", img->id, img->ref ? img->ref : target);
                img_image_free(img);
        }
        return api_reply_empty(req, 201);
}

/* ---- DELETE /images/{name} ---- */

static int h_remove(ApiRequest *req, void *ud, BerthError **err)
{
        /* the image's ID for the untag events, known only before */
        char id[IMG_DIGEST_LEN + 1] = "";
        ImgImage *img = NULL;
        if (img_store_get(store_of(ud), api_request_param(req, "name"), &img, NULL) >= 0) {
                snprintf(id, sizeof(id), "%s", img->id);
                img_image_free(img);
        }
        json_t *items = NULL;
        int r = img_store_remove(store_of(ud), api_request_param(req, "name"),
                                 api_request_query_bool(req, "force", false),
                                 api_request_query_bool(req, "noprune", false), &items, err);
        if (r < 0)
                return r;
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
                const char *u = json_string_value(json_object_get(it, "Untagged"));
                const char *d = json_string_value(json_object_get(it, "Deleted"));
                if (u)
                        image_event(ud, "untag", id[0] ? id : u, u);
                if (d)
                        image_event(ud, "delete", d, d);
        }
        return api_reply_json(req, 200, items);
}

/* ---- POST /images/prune ---- */

static int h_prune(ApiRequest *req, void *ud, BerthError **err)
{
        static const char *const allowed[] = {"dangling", "label", "label!", "until", NULL};
        _cleanup_json_ json_t *filters = NULL;
        int r = api_request_filters(req, &filters, err);
        if (r < 0)
                return r;
        if ((r = api_filters_validate(filters, allowed, err)) < 0)
                return r;
        json_t *report = NULL;
        if ((r = img_store_prune(store_of(ud), filters, &report, err)) < 0)
                return r;
        char reclaimed[32];
        snprintf(reclaimed, sizeof(reclaimed), "%lld",
                 (long long)json_integer_value(json_object_get(report, "SpaceReclaimed")));
        engine_event(ud, "image", "prune", "", json_pack("{s:s}", "reclaimed", reclaimed));
        return api_reply_json(req, 200, report);
}

/* ---- POST /images/load ---- */

static int h_load(ApiRequest *req, void *ud, BerthError **err)
{
        int fd = api_request_body_fd(req);
        if (fd < 0)
                return error_set_errno(err, -fd, "load: read the request body");
        json_t *loaded = NULL;
        int r = img_store_load(store_of(ud), fd, &loaded, err);
        if (r < 0)
                return r;
        _cleanup_json_ json_t *lines = loaded;
        MsgStream m;
        if (msgs_open(&m) < 0)
                return -ENOMEM;
        size_t i;
        json_t *l;
        json_array_foreach(lines, i, l)
        {
                const char *text = json_string_value(l);
                if (!text)
                        continue;
                _cleanup_free_ char *line = NULL;
                if (asprintf(&line, "%s\n", text) < 0) {
                        msgs_done(&m);
                        return -ENOMEM;
                }
                msgs_add(&m, "stream", line);
                /* "Loaded image: REF" or "Loaded image ID: ID" */
                const char *name = strstr(text, ": ");
                name = name ? name + 2 : text;
                ImgImage *img = NULL;
                if (img_store_get(store_of(ud), name, &img, NULL) >= 0) {
                        image_event(ud, "load", img->id, name);
                        img_image_free(img);
                }
        }
        return msgs_reply(req, &m);
}

/* ---- POST /images/create (import; pull is for later) ---- */

static int h_create(ApiRequest *req, void *ud, BerthError **err)
{
        const char *from_image = api_request_query(req, "fromImage");
        const char *from_src = api_request_query(req, "fromSrc");
        if (from_image && *from_image)
                return api_reply_message(req, 501,
                                         "pull is not supported yet (registries arrive with #5): "
                                         "cannot pull '%s'; load it with docker load instead",
                                         from_image);
        if (!from_src || !*from_src)
                return error_set(err, EINVAL, "either fromImage or fromSrc is required");
        if (!STREQ(from_src, "-"))
                return api_reply_message(req, 501,
                                         "importing from a URL is not supported yet: '%s'; send "
                                         "the archive as the request body (fromSrc=-)",
                                         from_src);

        _cleanup_strv_free_ char **changes = NULL;
        if (api_request_query_all(req, "changes", &changes) < 0)
                return -ENOMEM;
        _cleanup_json_ json_t *cfg = NULL;
        int r = api_images_parse_changes(changes, &cfg, err);
        if (r < 0)
                return r;

        const char *repo = api_request_query(req, "repo");
        const char *tag = api_request_query(req, "tag");
        _cleanup_free_ char *ref = NULL;
        if (repo && *repo &&
            asprintf(&ref, "%s%s%s", repo, tag && *tag ? ":" : "", tag && *tag ? tag : "") < 0)
                return -ENOMEM;
        int fd = api_request_body_fd(req);
        if (fd < 0)
                return error_set_errno(err, -fd, "import: read the request body");
        ImgImportOptions o = {
            .ref = ref,
            .message = api_request_query(req, "message"),
            .changes = cfg,
            .platform = api_request_query(req, "platform"),
        };
        if (o.platform && !*o.platform)
                o.platform = NULL;
        char id[IMG_DIGEST_LEN + 1];
        if ((r = img_store_import(store_of(ud), fd, &o, id, err)) < 0)
                return r;
        image_event(ud, "import", id, ref ? ref : id);
        MsgStream m;
        if (msgs_open(&m) < 0)
                return -ENOMEM;
        msgs_add(&m, "status", id);
        return msgs_reply(req, &m);
}

/* ---- GET /images/get, /images/{name}/get (save) ---- */

typedef struct SaveJob {
        Engine *engine;
        char **names;
        int fd;
} SaveJob;

static void *save_thread(void *arg)
{
        SaveJob *j = arg;
        _cleanup_error_ BerthError *err = NULL;
        int r =
            img_store_save(engine_images(j->engine), (const char *const *)j->names, j->fd, &err);
        if (r < 0)
                log_warn("save %s: %s", j->names[0], err && err->message ? err->message : "failed");
        else {
                STRV_FOREACH(n, j->names)
                {
                        image_event(j->engine, "save", *n, *n);
                }
        }
        close(j->fd);
        strv_free(j->names);
        free(j);
        return NULL;
}

static int save(ApiRequest *req, Engine *e, char **names, BerthError **err)
{
        if (strv_length(names) == 0) {
                strv_free(names);
                return error_set(err, EINVAL, "no image names given to save");
        }
        /* Unknown names are 404 before the stream starts. A bare repository
         * name also stands for all its tags: let those through. */
        STRV_FOREACH(n, names)
        {
                ImgImage *img = NULL;
                int r = img_store_get(engine_images(e), *n, &img, err);
                img_image_free(img);
                if (r == -ENOENT && !strpbrk(strrchr(*n, '/') ? strrchr(*n, '/') : *n, ":@")) {
                        error_free(*err);
                        *err = NULL;
                        continue;
                }
                if (r < 0) {
                        strv_free(names);
                        return r;
                }
        }
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) {
                strv_free(names);
                return error_set_errno(err, errno, "save: pipe");
        }
        SaveJob *j = calloc(1, sizeof(*j));
        if (!j) {
                close(p[0]);
                close(p[1]);
                strv_free(names);
                return -ENOMEM;
        }
        *j = (SaveJob){.engine = e, .names = names, .fd = p[1]};
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int r = pthread_create(&t, &attr, save_thread, j);
        pthread_attr_destroy(&attr);
        if (r != 0) {
                close(p[0]);
                close(p[1]);
                strv_free(names);
                free(j);
                return error_set_errno(err, r, "save: start a thread");
        }
        return api_reply_stream_fd(req, 200, "application/x-tar", p[0]);
}

static int h_save_many(ApiRequest *req, void *ud, BerthError **err)
{
        char **names = NULL;
        if (api_request_query_all(req, "names", &names) < 0)
                return -ENOMEM;
        /* names=a,b is accepted too, as the docker client never sends it */
        return save(req, ud, names, err);
}

static int h_save_one(ApiRequest *req, void *ud, BerthError **err)
{
        char **names = NULL;
        if (strv_append(&names, api_request_param(req, "name")) < 0)
                return -ENOMEM;
        return save(req, ud, names, err);
}

/* ---- registries: later ---- */

static int h_push(ApiRequest *req, void *ud, BerthError **err)
{
        return api_reply_message(req, 501,
                                 "push is not supported yet (registries arrive with #5): cannot "
                                 "push '%s'; use docker save instead",
                                 api_request_param(req, "name"));
}

static int h_search(ApiRequest *req, void *ud, BerthError **err)
{
        return api_reply_message(req, 501,
                                 "search is not supported yet (registries arrive with #5)");
}

int api_images_register(Engine *e, ApiRouter *r, BerthError **err)
{
        static const struct {
                const char *method, *pattern;
                ApiHandler fn;
                unsigned flags;
        } routes[] = {
            {"GET", "/images/json", h_list, API_ROUTE_NO_BODY},
            {"GET", "/images/get", h_save_many, API_ROUTE_NO_BODY},
            {"POST", "/images/load", h_load, API_ROUTE_SPOOL_BODY},
            {"POST", "/images/create", h_create, API_ROUTE_SPOOL_BODY},
            {"POST", "/images/prune", h_prune, API_ROUTE_NO_BODY},
            {"GET", "/images/search", h_search, API_ROUTE_NO_BODY},
            {"POST", "/images/{name*}/push", h_push, API_ROUTE_NO_BODY},
            {"GET", "/images/{name*}/json", h_inspect, API_ROUTE_NO_BODY},
            {"GET", "/images/{name*}/history", h_history, API_ROUTE_NO_BODY},
            {"GET", "/images/{name*}/get", h_save_one, API_ROUTE_NO_BODY},
            {"POST", "/images/{name*}/tag", h_tag, API_ROUTE_NO_BODY},
            {"DELETE", "/images/{name*}", h_remove, API_ROUTE_NO_BODY},
        };
        for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
                int rc = api_router_add(r, routes[i].method, routes[i].pattern, routes[i].fn, e,
                                        routes[i].flags, 0);
                if (rc < 0)
                        return error_set(err, -rc, "register %s %s", routes[i].method,
                                         routes[i].pattern);
        }
        return 0;
}
