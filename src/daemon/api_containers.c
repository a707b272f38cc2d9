/* The /containers endpoints over the engine. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "daemon/api.h"
#include "daemon/api_routes.h"
#include "daemon/engine_internal.h"
#include "daemon/specgen.h"
#include "runtime/container.h"

#define ID_PARAM(req) api_request_param(req, "id")

/* ---- create ---- */

static void remove_new_ctr(Engine *e, Ctr *c)
{
        pthread_mutex_lock(&e->lock);
        for (size_t i = 0; i < e->n_ctrs; i++)
                if (e->ctrs[i] == c) {
                        memmove(&e->ctrs[i], &e->ctrs[i + 1],
                                (e->n_ctrs - i - 1) * sizeof(e->ctrs[0]));
                        e->n_ctrs--;
                        break;
                }
        c->removed = true;
        c->busy = false;
        pthread_cond_broadcast(&e->cond);
        ctr_unref(c);
        pthread_mutex_unlock(&e->lock);
}

static json_t *normalized_host_config(json_t *body)
{
        json_t *hc = json_object_get(body, "HostConfig");
        hc = json_is_object(hc) ? json_deep_copy(hc) : json_object();
        const char *nm = json_string_value(json_object_get(hc, "NetworkMode"));
        if (!nm || !*nm || STREQ(nm, "default"))
                json_object_set_new(hc, "NetworkMode", json_string("bridge"));
        json_t *rp = json_object_get(hc, "RestartPolicy");
        if (!json_is_object(rp) || !json_is_string(json_object_get(rp, "Name"))) {
                json_object_set_new(hc, "RestartPolicy",
                                    json_pack("{s:s, s:i}", "Name", "no", "MaximumRetryCount", 0));
        } else if (!*json_string_value(json_object_get(rp, "Name"))) {
                json_object_set_new(rp, "Name", json_string("no"));
        }
        json_t *lc = json_object_get(hc, "LogConfig");
        if (!json_is_object(lc) || !json_is_string(json_object_get(lc, "Type")) ||
            !*json_string_value(json_object_get(lc, "Type")))
                json_object_set_new(hc, "LogConfig",
                                    json_pack("{s:s, s:{}}", "Type", "json-file", "Config"));
        return hc;
}

static int insert_ctr_locked(Engine *e, Ctr *c)
{
        if (e->n_ctrs == e->cap_ctrs) {
                size_t cap = e->cap_ctrs ? e->cap_ctrs * 2 : 64;
                Ctr **v = realloc(e->ctrs, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                e->ctrs = v;
                e->cap_ctrs = cap;
        }
        e->ctrs[e->n_ctrs++] = c;
        return 0;
}

static int h_create(ApiRequest *req, void *ud, BerthError **err)
{
        Engine *e = ud;
        const char *name = api_request_query(req, "name");
        if (name && *name && !engine_name_valid(name))
                return error_set(err, EINVAL,
                                 "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
                                 "allowed",
                                 name);
        _cleanup_json_ json_t *body = NULL;
        int r = api_request_json(req, false, &body, err);
        if (r < 0)
                return r;
        if (!json_is_object(body))
                return error_set(err, EINVAL, "container config must be a JSON object");
        const char *image = json_string_value(json_object_get(body, "Image"));
        if (!image || !*image)
                return error_set(err, EINVAL,
                                 "Config cannot be empty in order to create a "
                                 "container");
        r = specgen_validate(body, err);
        if (r < 0)
                return r;
        json_t *hc_req = json_object_get(body, "HostConfig");
        const char *rpn =
            json_string_value(json_object_get(json_object_get(hc_req, "RestartPolicy"), "Name"));
        if (json_is_true(json_object_get(hc_req, "AutoRemove")) && rpn && *rpn && !STREQ(rpn, "no"))
                return error_set(err, EINVAL,
                                 "can't create 'AutoRemove' container with restart "
                                 "policy");

        ImgImage *img = NULL;
        r = img_store_get(e->images, image, &img, err);
        if (r < 0)
                return r;
        _cleanup_json_ json_t *config = NULL;
        r = specgen_merge_config(body, img->config, &config, err);
        if (r < 0) {
                img_image_free(img);
                return r;
        }
        if (json_array_size(json_object_get(config, "Cmd")) == 0 &&
            json_array_size(json_object_get(config, "Entrypoint")) == 0) {
                img_image_free(img);
                return error_set(err, EINVAL, "No command specified");
        }

        Ctr *c = ctr_new();
        if (!c) {
                img_image_free(img);
                return -ENOMEM;
        }
        c->image = strdup(image);
        snprintf(c->image_id, sizeof(c->image_id), "%s", img->id);
        c->created = engine_now_ns();
        c->request = json_incref(body);
        c->config = json_incref(config);
        c->host_config = normalized_host_config(body);
        c->state = ENGINE_CREATED;
        c->busy = true;

        pthread_mutex_lock(&e->lock);
        do
                engine_id_new(c->id);
        while (engine_lookup(e->ctrs, e->n_ctrs, c->id, NULL));
        if (name && *name) {
                Ctr *other = engine_lookup_name(e->ctrs, e->n_ctrs, name);
                if (other) {
                        r = error_set(err, EEXIST,
                                      "Conflict. The container name \"/%s\" is already in use by "
                                      "container \"%s\". You have to remove (or rename) that "
                                      "container to be able to reuse that name.",
                                      name[0] == '/' ? name + 1 : name, other->id);
                        pthread_mutex_unlock(&e->lock);
                        ctr_unref(c);
                        img_image_free(img);
                        return r;
                }
                if (asprintf(&c->name, "/%s", name[0] == '/' ? name + 1 : name) < 0)
                        c->name = NULL;
        } else {
                char buf[64];
                for (int i = 0;; i++) {
                        engine_name_random(buf, sizeof(buf));
                        if (i >= 10) {
                                size_t l = strlen(buf);
                                snprintf(buf + l, sizeof(buf) - l, "%d", i);
                        }
                        if (!engine_lookup_name(e->ctrs, e->n_ctrs, buf))
                                break;
                }
                if (asprintf(&c->name, "/%s", buf) < 0)
                        c->name = NULL;
        }
        if (!c->name || !c->image || !c->host_config || insert_ctr_locked(e, c) < 0) {
                pthread_mutex_unlock(&e->lock);
                ctr_unref(c);
                img_image_free(img);
                return -ENOMEM;
        }
        char id[65];
        memcpy(id, c->id, 65);
        _cleanup_free_ char *cname = strdup(c->name);
        pthread_mutex_unlock(&e->lock);

        _cleanup_free_ char *dir = engine_ctr_dir(e, id);
        _cleanup_free_ char *rootfs = NULL;
        r = dir ? mkdir_p(dir, 0710, err) : -ENOMEM;
        if (r >= 0) {
                r = img_store_container_mount(e->images, img->id, id, dir, &rootfs, err);
                if (r < 0)
                        error_prefix(err, "create the container's root filesystem");
        }
        if (r >= 0) {
                /* The rootfs stays mounted for the start that usually
                 * follows (an overlay unmount costs tens of ms); it goes at
                 * the first exit or with the container. */
                r = engine_write_bundle(e, id, cname ? cname : "", body, config, img->config,
                                        rootfs, dir, err);
        }
        img_image_free(img);
        if (r < 0) {
                remove_new_ctr(e, c);
                img_store_container_remove(e->images, id, dir, NULL);
                if (dir)
                        rm_rf(dir, NULL);
                return r;
        }

        pthread_mutex_lock(&e->lock);
        c->rootfs = rootfs ? strdup(rootfs) : NULL;
        engine_save_locked(e, c);
        engine_ctr_event_locked(e, c, "create", NULL);
        engine_release_locked(e, c);
        pthread_mutex_unlock(&e->lock);
        log_debug("container %.12s created", id);
        return api_reply_json(req, 201, json_pack("{s:s, s:[]}", "Id", id, "Warnings"));
}

/* ---- list, inspect ---- */

static int h_list(ApiRequest *req, void *ud, BerthError **err)
{
        Engine *e = ud;
        bool all = api_request_query_bool(req, "all", false);
        bool size = api_request_query_bool(req, "size", false);
        long limit = -1;
        const char *ls = api_request_query(req, "limit");
        if (ls && *ls) {
                char *end;
                limit = strtol(ls, &end, 10);
                if (*end)
                        return error_set(err, EINVAL, "invalid limit \"%s\"", ls);
        }
        _cleanup_json_ json_t *filters = NULL;
        int r = api_request_filters(req, &filters, err);
        if (r < 0)
                return r;
        r = engine_filters_check(filters, err);
        if (r < 0)
                return r;
        EngineFilterCtx fc = {0};
        _cleanup_strv_free_ char **anc = NULL;
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(filters, "ancestor"), i, v)
        {
                ImgImage *img = NULL;
                if (json_is_string(v) &&
                    img_store_get(e->images, json_string_value(v), &img, NULL) >= 0) {
                        strv_append(&anc, img->id);
                        img_image_free(img);
                }
        }
        fc.ancestor_ids = anc;
        bool any_state = all || limit > 0 || json_object_get(filters, "status") ||
                         json_object_get(filters, "exited") || json_object_get(filters, "before") ||
                         json_object_get(filters, "since");
        EngineBuf out = {0};
        size_t count = 0;
        engine_buf_put(&out, "[", 1);
        pthread_mutex_lock(&e->lock);
        const char *bounds[] = {"before", "since"};
        for (size_t k = 0; k < 2; k++) {
                json_t *bv = json_array_get(json_object_get(filters, bounds[k]), 0);
                if (!bv)
                        continue;
                Ctr *b = engine_find_locked(e, json_string_value(bv) ?: "", err);
                if (!b) {
                        pthread_mutex_unlock(&e->lock);
                        free(out.data);
                        return -ENOENT;
                }
                if (k == 0)
                        fc.before = b->created;
                else
                        fc.since = b->created;
        }
        int64_t now = engine_now_ns();
        bool no_filters = json_object_size(filters) == 0;
        _cleanup_strv_free_ char **size_ids = NULL, **size_images = NULL;
        _cleanup_free_ int64_t *sizes = NULL;
        if (size) {
                /* sizes walk directories: not under the lock */
                for (size_t n = e->n_ctrs; n > 0; n--) {
                        Ctr *c = e->ctrs[n - 1];
                        if (limit > 0 && strv_length(size_ids) >= (size_t)limit)
                                break;
                        if (!any_state && c->state != ENGINE_RUNNING && c->state != ENGINE_PAUSED &&
                            c->state != ENGINE_RESTARTING)
                                continue;
                        if (!no_filters && !engine_filter_match(c, filters, &fc))
                                continue;
                        strv_append(&size_ids, c->id);
                        strv_append(&size_images, c->image_id);
                }
                pthread_mutex_unlock(&e->lock);
                size_t ns = strv_length(size_ids);
                sizes = calloc(2 * ns + 1, sizeof(*sizes));
                for (size_t k = 0; sizes && k < ns && size_images && size_images[k]; k++)
                        engine_ctr_sizes(e, size_ids[k], size_images[k], &sizes[2 * k],
                                         &sizes[2 * k + 1]);
                pthread_mutex_lock(&e->lock);
        }
        for (size_t n = e->n_ctrs; n > 0; n--) {
                Ctr *c = e->ctrs[n - 1];
                if (limit > 0 && count >= (size_t)limit)
                        break;
                if (!any_state && c->state != ENGINE_RUNNING && c->state != ENGINE_PAUSED &&
                    c->state != ENGINE_RESTARTING)
                        continue;
                if (!no_filters && !engine_filter_match(c, filters, &fc))
                        continue;
                if (count++)
                        engine_buf_put(&out, ",", 1);
                const int64_t *sz = NULL;
                static const int64_t zero[2] = {0, 0};
                if (size) {
                        sz = zero;
                        for (size_t k = 0; sizes && size_ids && size_ids[k]; k++)
                                if (STREQ(size_ids[k], c->id)) {
                                        sz = &sizes[2 * k];
                                        break;
                                }
                }
                engine_summary_append(&out, c, now, sz);
        }
        pthread_mutex_unlock(&e->lock);
        engine_buf_put(&out, "]\n", 2);
        if (out.oom) {
                free(out.data);
                return error_set(err, ENOMEM, "list containers: out of memory");
        }
        r = api_reply_data(req, 200, "application/json", out.data, out.len);
        free(out.data);
        return r;
}

static int h_inspect(ApiRequest *req, void *ud, BerthError **err)
{
        Engine *e = ud;
        pthread_mutex_lock(&e->lock);
        Ctr *c = engine_find_locked(e, ID_PARAM(req), err);
        if (!c) {
                pthread_mutex_unlock(&e->lock);
                return -ENOENT;
        }
        json_t *j = engine_inspect_json(e, c, engine_now_ns());
        char id[65], image_id[80];
        memcpy(id, c->id, 65);
        memcpy(image_id, c->image_id, sizeof(image_id));
        pthread_mutex_unlock(&e->lock);
        if (!j)
                return error_set(err, ENOMEM, "inspect: out of memory");
        json_object_set_new(j, "ExecIDs", api_exec_container_ids(id));
        if (api_request_query_bool(req, "size", false)) {
                int64_t rw = 0, rootfs = 0;
                engine_ctr_sizes(e, id, image_id, &rw, &rootfs);
                json_object_set_new(j, "SizeRw", json_integer(rw));
                json_object_set_new(j, "SizeRootFs", json_integer(rootfs));
        }
        return api_reply_json(req, 200, j);
}

/* ---- lifecycle ---- */

static int h_start(ApiRequest *req, void *ud, BerthError **err)
{
        int r = engine_start(ud, ID_PARAM(req), err);
        if (r < 0)
                return r;
        return api_reply_empty(req, r == 1 ? 304 : 204);
}

static int parse_timeout(ApiRequest *req, int *ret, BerthError **err)
{
        const char *t = api_request_query(req, "t");
        if (!t || !*t)
                t = api_request_query(req, "timeout");
        *ret = INT_MIN;
        if (!t || !*t)
                return 0;
        char *end;
        long v = strtol(t, &end, 10);
        if (*end || v < INT_MIN + 1 || v > INT_MAX)
                return error_set(err, EINVAL, "invalid value for t: \"%s\"", t);
        *ret = (int)v;
        return 0;
}

static int parse_stop_signal(ApiRequest *req, int *ret, BerthError **err)
{
        const char *s = api_request_query(req, "signal");
        *ret = 0;
        if (s && *s && engine_signal_parse(s, ret) < 0)
                return error_set(err, EINVAL, "Invalid signal: %s", s);
        return 0;
}

static int h_stop(ApiRequest *req, void *ud, BerthError **err)
{
        int t, sig;
        int r = parse_timeout(req, &t, err);
        if (r >= 0)
                r = parse_stop_signal(req, &sig, err);
        if (r < 0)
                return r;
        r = engine_stop(ud, ID_PARAM(req), t, sig, false, err);
        if (r < 0)
                return r;
        return api_reply_empty(req, r == 1 ? 304 : 204);
}

static int h_restart(ApiRequest *req, void *ud, BerthError **err)
{
        int t, sig;
        int r = parse_timeout(req, &t, err);
        if (r >= 0)
                r = parse_stop_signal(req, &sig, err);
        if (r < 0)
                return r;
        r = engine_stop(ud, ID_PARAM(req), t, sig, true, err);
        if (r < 0)
                return r;
        return api_reply_empty(req, 204);
}

static int h_kill(ApiRequest *req, void *ud, BerthError **err)
{
        const char *s = api_request_query(req, "signal");
        int sig = SIGKILL;
        if (s && *s && engine_signal_parse(s, &sig) < 0)
                return error_set(err, EINVAL, "Invalid signal: %s", s);
        int r = engine_kill(ud, ID_PARAM(req), sig, err);
        if (r < 0)
                return r;
        return api_reply_empty(req, 204);
}

static int h_delete(ApiRequest *req, void *ud, BerthError **err)
{
        if (api_request_query_bool(req, "link", false))
                return error_set(err, EINVAL,
                                 "Conflict, cannot remove the default link name of "
                                 "the container");
        int r = engine_remove(ud, ID_PARAM(req), api_request_query_bool(req, "force", false),
                              api_request_query_bool(req, "v", false), err);
        if (r < 0)
                return r;
        return api_reply_empty(req, 204);
}

static int h_rename(ApiRequest *req, void *ud, BerthError **err)
{
        int r = engine_rename(ud, ID_PARAM(req), api_request_query(req, "name"), err);
        if (r < 0)
                return r;
        return api_reply_empty(req, 204);
}

static int h_pause(ApiRequest *req, void *ud, BerthError **err)
{
        int r = engine_pause(ud, ID_PARAM(req), true, err);
        return r < 0 ? r : api_reply_empty(req, 204);
}

static int h_unpause(ApiRequest *req, void *ud, BerthError **err)
{
        int r = engine_pause(ud, ID_PARAM(req), false, err);
        return r < 0 ? r : api_reply_empty(req, 204);
}

/* ---- wait ---- */

typedef enum WaitCond { WAIT_NOT_RUNNING, WAIT_NEXT_EXIT, WAIT_REMOVED } WaitCond;

typedef struct Waiter {
        Engine *e;
        Ctr *c;
        WaitCond cond;
        uint64_t exits0;
        int fd;
} Waiter;

static bool live_state(EngineRunState s)
{
        return s == ENGINE_RUNNING || s == ENGINE_PAUSED || s == ENGINE_RESTARTING;
}

static bool wait_done_locked(const Waiter *w)
{
        const Ctr *c = w->c;
        switch (w->cond) {
        case WAIT_NOT_RUNNING:
                return c->removed || (!live_state(c->state) && !c->busy) ||
                       (!live_state(c->state) && c->exits > w->exits0);
        case WAIT_NEXT_EXIT:
                return c->removed || c->exits > w->exits0;
        case WAIT_REMOVED:
                return c->removed;
        }
        return true;
}

static void *waiter_main(void *arg)
{
        Waiter *w = arg;
        Engine *e = w->e;
        pthread_mutex_lock(&e->lock);
        bool gone = false;
        while (!wait_done_locked(w) && !e->stopping) {
                struct timespec dl;
                clock_gettime(CLOCK_MONOTONIC, &dl);
                dl.tv_sec += 1;
                pthread_cond_timedwait(&e->cond, &e->lock, &dl);
                /* the client left: stop waiting */
                struct pollfd p = {.fd = w->fd, .events = 0};
                if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR))) {
                        gone = true;
                        break;
                }
        }
        int code = w->c->exit_code;
        bool ok = wait_done_locked(w);
        ctr_unref(w->c);
        pthread_mutex_unlock(&e->lock);
        if (ok && !gone) {
                char buf[128];
                int n = snprintf(buf, sizeof(buf), "{\"StatusCode\":%d,\"Error\":null}\n", code);
                if (send(w->fd, buf, (size_t)n, MSG_NOSIGNAL) < 0)
                        log_debug("wait: the client left");
        }
        close(w->fd);
        free(w);
        return NULL;
}

static int h_wait(ApiRequest *req, void *ud, BerthError **err)
{
        Engine *e = ud;
        const char *cs = api_request_query(req, "condition");
        WaitCond cond = WAIT_NOT_RUNNING;
        if (cs && *cs) {
                if (STREQ(cs, "not-running"))
                        cond = WAIT_NOT_RUNNING;
                else if (STREQ(cs, "next-exit"))
                        cond = WAIT_NEXT_EXIT;
                else if (STREQ(cs, "removed"))
                        cond = WAIT_REMOVED;
                else
                        return error_set(err, EINVAL, "invalid condition: \"%s\"", cs);
        }
        Waiter *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        pthread_mutex_lock(&e->lock);
        Ctr *c = engine_find_locked(e, ID_PARAM(req), err);
        if (!c) {
                pthread_mutex_unlock(&e->lock);
                free(w);
                return -ENOENT;
        }
        *w = (Waiter){e, ctr_ref(c), cond, c->exits, -1};
        if (cond == WAIT_NOT_RUNNING && !live_state(c->state) && !c->busy) {
                int code = c->exit_code;
                ctr_unref(c);
                pthread_mutex_unlock(&e->lock);
                free(w);
                return api_reply_json(req, 200,
                                      json_pack("{s:i, s:n}", "StatusCode", code, "Error"));
        }
        pthread_mutex_unlock(&e->lock);
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                int r = error_set_errno(err, errno, "socketpair");
                pthread_mutex_lock(&e->lock);
                ctr_unref(w->c);
                pthread_mutex_unlock(&e->lock);
                free(w);
                return r;
        }
        shutdown(sv[0], SHUT_WR);
        w->fd = sv[1];
        if (engine_spawn_helper(e, waiter_main, w) < 0) {
                close(sv[0]);
                close(sv[1]);
                pthread_mutex_lock(&e->lock);
                ctr_unref(w->c);
                pthread_mutex_unlock(&e->lock);
                free(w);
                return error_set(err, EAGAIN, "cannot start a thread to wait");
        }
        return api_reply_stream_fd(req, 200, "application/json", sv[0]);
}

/* ---- top ---- */

static int run_ps(const char *args, char **ret_out, BerthError **err)
{
        _cleanup_strv_free_ char **argv = NULL;
        strv_append(&argv, "ps");
        _cleanup_free_ char *copy = strdup(args);
        if (!copy)
                return -ENOMEM;
        for (char *save = NULL, *tok = strtok_r(copy, " \t", &save); tok;
             tok = strtok_r(NULL, " \t", &save))
                strv_append(&argv, tok);
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "pipe");
        pid_t pid = fork();
        if (pid < 0) {
                close(pfd[0]);
                close(pfd[1]);
                return error_set_errno(err, errno, "fork");
        }
        if (pid == 0) {
                dup2(pfd[1], 1);
                int nul = open("/dev/null", O_RDWR);
                if (nul >= 0) {
                        dup2(nul, 0);
                        dup2(nul, 2);
                }
                execvp("ps", argv);
                _exit(127);
        }
        close(pfd[1]);
        size_t cap = 65536, len = 0;
        char *buf = malloc(cap);
        for (;;) {
                if (!buf)
                        break;
                if (len + 4096 > cap) {
                        char *nb = realloc(buf, cap * 2);
                        if (!nb) {
                                free(buf);
                                buf = NULL;
                                break;
                        }
                        buf = nb;
                        cap *= 2;
                }
                ssize_t n = read(pfd[0], buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        close(pfd[0]);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!buf)
                return -ENOMEM;
        buf[len] = '\0';
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                free(buf);
                return error_set(err, EINVAL, "ps: invalid arguments \"%s\"", args);
        }
        *ret_out = buf;
        return 0;
}

static int h_top(ApiRequest *req, void *ud, BerthError **err)
{
        Engine *e = ud;
        const char *args = api_request_query(req, "ps_args");
        if (!args || !*args)
                args = "-ef";
        pthread_mutex_lock(&e->lock);
        Ctr *c = engine_find_locked(e, ID_PARAM(req), err);
        if (!c) {
                pthread_mutex_unlock(&e->lock);
                return -ENOENT;
        }
        if (c->state != ENGINE_RUNNING && c->state != ENGINE_PAUSED) {
                int r = error_set(err, EEXIST, "Container %s is not running", c->id);
                pthread_mutex_unlock(&e->lock);
                return r;
        }
        char id[65];
        memcpy(id, c->id, 65);
        pthread_mutex_unlock(&e->lock);
        _cleanup_free_ pid_t *pids = NULL;
        size_t n_pids = 0;
        int r = rt_container_pids(e->runtime_root, id, &pids, &n_pids, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *out = NULL;
        r = run_ps(args, &out, err);
        if (r < 0)
                return r;
        char *save = NULL;
        char *line = strtok_r(out, "\n", &save);
        if (!line)
                return error_set(err, EIO, "ps printed nothing");
        json_t *titles = json_array();
        int pid_col = -1;
        {
                _cleanup_free_ char *hdr = strdup(line);
                char *s2 = NULL;
                for (char *t = strtok_r(hdr, " \t", &s2); t; t = strtok_r(NULL, " \t", &s2)) {
                        if (STREQ(t, "PID"))
                                pid_col = (int)json_array_size(titles);
                        json_array_append_new(titles, json_string(t));
                }
        }
        if (pid_col < 0) {
                json_decref(titles);
                return error_set(err, EINVAL, "Couldn't find PID field in ps output");
        }
        size_t ncol = json_array_size(titles);
        json_t *procs = json_array();
        while ((line = strtok_r(NULL, "\n", &save))) {
                json_t *row = json_array();
                char *p = line;
                for (size_t col = 0; col < ncol; col++) {
                        while (*p == ' ' || *p == '\t')
                                p++;
                        if (col == ncol - 1) {
                                json_array_append_new(row, json_string(p));
                                break;
                        }
                        char *end = p;
                        while (*end && *end != ' ' && *end != '\t')
                                end++;
                        json_array_append_new(row, json_stringn(p, (size_t)(end - p)));
                        p = *end ? end : end;
                }
                const char *ps = json_string_value(json_array_get(row, (size_t)pid_col));
                bool ours = false;
                if (ps) {
                        long pid = strtol(ps, NULL, 10);
                        for (size_t k = 0; k < n_pids; k++)
                                if (pids[k] == pid)
                                        ours = true;
                }
                if (ours)
                        json_array_append_new(procs, row);
                else
                        json_decref(row);
        }
        return api_reply_json(req, 200,
                              json_pack("{s:o, s:o}", "Titles", titles, "Processes", procs));
}

/* ---- changes, export ---- */

static int ctr_image_dir(Engine *e, const char *name, char id[65], char **ret_image_id,
                         char **ret_dir, BerthError **err)
{
        pthread_mutex_lock(&e->lock);
        Ctr *c = engine_find_locked(e, name, err);
        if (!c) {
                pthread_mutex_unlock(&e->lock);
                return -ENOENT;
        }
        memcpy(id, c->id, 65);
        *ret_image_id = strdup(c->image_id);
        pthread_mutex_unlock(&e->lock);
        *ret_dir = engine_ctr_dir(e, id);
        if (!*ret_image_id || !*ret_dir)
                return -ENOMEM;
        return 0;
}

static int h_changes(ApiRequest *req, void *ud, BerthError **err)
{
        Engine *e = ud;
        char id[65];
        _cleanup_free_ char *image_id = NULL, *dir = NULL;
        int r = ctr_image_dir(e, ID_PARAM(req), id, &image_id, &dir, err);
        if (r < 0)
                return r;
        json_t *changes = NULL;
        r = img_store_container_changes(e->images, image_id, dir, &changes, err);
        if (r < 0)
                return r;
        return api_reply_json(req, 200, changes ? changes : json_null());
}

typedef struct Exporter {
        Engine *e;
        char *image_id, *dir;
        int fd;
} Exporter;

static void *export_main(void *arg)
{
        Exporter *x = arg;
        _cleanup_error_ BerthError *err = NULL;
        if (img_store_container_export(x->e->images, x->image_id, x->dir, x->fd, &err) < 0)
                log_warn("export: %s", err ? err->message : "failed");
        close(x->fd);
        free(x->image_id);
        free(x->dir);
        free(x);
        return NULL;
}

static int h_export(ApiRequest *req, void *ud, BerthError **err)
{
        Engine *e = ud;
        char id[65];
        Exporter *x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        int r = ctr_image_dir(e, ID_PARAM(req), id, &x->image_id, &x->dir, err);
        if (r < 0) {
                free(x->image_id);
                free(x->dir);
                free(x);
                return r;
        }
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0) {
                free(x->image_id);
                free(x->dir);
                free(x);
                return error_set_errno(err, errno, "pipe");
        }
        x->e = e;
        x->fd = pfd[1];
        if (engine_spawn_helper(e, export_main, x) < 0) {
                close(pfd[0]);
                close(pfd[1]);
                free(x->image_id);
                free(x->dir);
                free(x);
                return error_set(err, EAGAIN, "cannot start a thread to export");
        }
        return api_reply_stream_fd(req, 200, "application/x-tar", pfd[0]);
}

/* ---- prune, update ---- */

static int h_prune(ApiRequest *req, void *ud, BerthError **err)
{
        Engine *e = ud;
        _cleanup_json_ json_t *filters = NULL;
        int r = api_request_filters(req, &filters, err);
        if (r < 0)
                return r;
        static const char *const allowed[] = {"until", "label", "label!", NULL};
        r = api_filters_validate(filters, allowed, err);
        if (r < 0)
                return r;
        int64_t until = 0;
        json_t *uv = json_array_get(json_object_get(filters, "until"), 0);
        if (uv && engine_time_arg_parse(json_string_value(uv), engine_now_ns(), &until) < 0)
                return error_set(err, EINVAL, "invalid filter 'until=%s'",
                                 json_string_value(uv) ?: "");
        _cleanup_strv_free_ char **ids = NULL;
        pthread_mutex_lock(&e->lock);
        for (size_t i = 0; i < e->n_ctrs; i++) {
                Ctr *c = e->ctrs[i];
                if (live_state(c->state) || c->busy)
                        continue;
                if (until && c->created >= until)
                        continue;
                json_t *lf = json_object_get(filters, "label");
                if (lf && json_array_size(lf)) {
                        _cleanup_json_ json_t *only = json_pack("{s:O}", "label", lf);
                        if (!engine_filter_match(c, only, NULL))
                                continue;
                }
                json_t *nf = json_object_get(filters, "label!");
                bool skip = false;
                size_t k;
                json_t *v;
                json_array_foreach(nf, k, v)
                {
                        _cleanup_json_ json_t *one = json_pack("{s:[O]}", "label", v);
                        if (engine_filter_match(c, one, NULL))
                                skip = true;
                }
                if (!skip)
                        strv_append(&ids, c->id);
        }
        pthread_mutex_unlock(&e->lock);
        json_t *deleted = json_array();
        STRV_FOREACH(id, ids)
        {
                _cleanup_error_ BerthError *rerr = NULL;
                if (engine_remove(e, *id, false, false, &rerr) >= 0)
                        json_array_append_new(deleted, json_string(*id));
        }
        engine_event(e, "container", "prune", "", json_pack("{s:s}", "reclaimed", "0"));
        if (json_array_size(deleted) == 0) {
                json_decref(deleted);
                deleted = json_null();
        }
        return api_reply_json(
            req, 200, json_pack("{s:o, s:i}", "ContainersDeleted", deleted, "SpaceReclaimed", 0));
}

/* ---- update ---- */

static int64_t int_of(json_t *obj, const char *key)
{
        return json_integer_value(json_object_get(obj, key));
}

static bool blkio_weight_supported(void)
{
        if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
                char buf[512] = "";
                FILE *f = fopen("/sys/fs/cgroup/cgroup.controllers", "re");
                if (f) {
                        if (!fgets(buf, sizeof(buf), f))
                                buf[0] = '\0';
                        fclose(f);
                }
                return strstr(buf, "io") != NULL;
        }
        return access("/sys/fs/cgroup/blkio/blkio.weight", F_OK) == 0 ||
               access("/sys/fs/cgroup/blkio/blkio.bfq.weight", F_OK) == 0;
}

/* Docker's Container.UpdateContainer, first half: refuses what conflicts
 * with what hc already sets (-EEXIST, 409). */
static int update_check(json_t *hc, json_t *upd, BerthError **err)
{
        /* NanoCpus excludes CpuPeriod and CpuQuota, either way round:
         * Docker's messages */
        static const struct {
                const char *update, *set, *message;
        } cpu[] = {
            {"NanoCpus", "CpuPeriod",
             "Nano CPUs cannot be updated as CPU Period has already been set"},
            {"NanoCpus", "CpuQuota",
             "Nano CPUs cannot be updated as CPU Quota has already been set"},
            {"CpuPeriod", "NanoCpus",
             "CPU Period cannot be updated as NanoCPUs has already been set"},
            {"CpuQuota", "NanoCpus",
             "CPU Quota cannot be updated as NanoCPUs has already been set"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cpu); i++)
                if (int_of(upd, cpu[i].update) > 0 && int_of(hc, cpu[i].set) > 0)
                        return error_set(err, EEXIST, "Conflicting options: %s", cpu[i].message);
        if (int_of(upd, "Memory") != 0 && int_of(upd, "Memory") > int_of(hc, "MemorySwap") &&
            int_of(upd, "MemorySwap") == 0)
                return error_set(err, EEXIST,
                                 "Memory limit should be smaller than already set memoryswap "
                                 "limit, update the memoryswap at the same time");
        const char *rpn =
            json_string_value(json_object_get(json_object_get(upd, "RestartPolicy"), "Name"));
        if (rpn && *rpn && !STREQ(rpn, "no") && json_is_true(json_object_get(hc, "AutoRemove")))
                return error_set(err, EEXIST,
                                 "Restart policy cannot be updated because AutoRemove is "
                                 "enabled for the container");
        return 0;
}

/* The second half: the update's non-zero resources, its pids limit and a
 * named restart policy over hc. */
static void update_apply(json_t *hc, json_t *upd)
{
        static const char *const nums[] = {
            "BlkioWeight",       "CpuShares",          "NanoCpus",
            "CpuPeriod",         "CpuQuota",           "Memory",
            "MemorySwap",        "MemoryReservation",  "KernelMemory",
            "CpuRealtimePeriod", "CpuRealtimeRuntime",
        };
        for (size_t i = 0; i < ARRAY_SIZE(nums); i++)
                if (int_of(upd, nums[i]) != 0)
                        json_object_set(hc, nums[i], json_object_get(upd, nums[i]));
        static const char *const strs[] = {"CpusetCpus", "CpusetMems"};
        for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
                const char *v = json_string_value(json_object_get(upd, strs[i]));
                if (v && *v)
                        json_object_set_new(hc, strs[i], json_string(v));
        }
        json_t *pl = json_object_get(upd, "PidsLimit");
        if (json_is_integer(pl))
                json_object_set(hc, "PidsLimit", pl);
        json_t *rp = json_object_get(upd, "RestartPolicy");
        const char *rpn = json_string_value(json_object_get(rp, "Name"));
        if (rpn && *rpn)
                json_object_set_new(hc, "RestartPolicy",
                                    json_pack("{s:s, s:I}", "Name", rpn, "MaximumRetryCount",
                                              int_of(rp, "MaximumRetryCount")));
}

static bool swap_limit_supported(void)
{
        if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
                return access("/sys/fs/cgroup/memory.swap.max", F_OK) == 0 ||
                       access("/sys/fs/cgroup/system.slice/memory.swap.max", F_OK) == 0 ||
                       access("/sys/fs/cgroup/init.scope/memory.swap.max", F_OK) == 0;
        return access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0;
}

static void opt_set(RtOpt *o, int64_t v)
{
        *o = (RtOpt){.set = true, .value = v};
}

/* The cgroup changes of an update (Docker's toContainerdResources): only
 * what it gives. */
static void update_resources(json_t *upd, RtResources *res)
{
        if (int_of(upd, "Memory") != 0)
                opt_set(&res->memory.limit, int_of(upd, "Memory"));
        if (int_of(upd, "MemorySwap") != 0 && swap_limit_supported())
                opt_set(&res->memory.swap, int_of(upd, "MemorySwap"));
        if (int_of(upd, "MemoryReservation") != 0)
                opt_set(&res->memory.reservation, int_of(upd, "MemoryReservation"));
        if (int_of(upd, "CpuShares") != 0)
                opt_set(&res->cpu.shares, int_of(upd, "CpuShares"));
        if (int_of(upd, "NanoCpus") != 0) {
                opt_set(&res->cpu.period, 100000);
                opt_set(&res->cpu.quota, int_of(upd, "NanoCpus") * 100000 / 1000000000LL);
        }
        if (int_of(upd, "CpuPeriod") != 0)
                opt_set(&res->cpu.period, int_of(upd, "CpuPeriod"));
        if (int_of(upd, "CpuQuota") != 0)
                opt_set(&res->cpu.quota, int_of(upd, "CpuQuota"));
        if (int_of(upd, "CpuRealtimePeriod") != 0)
                opt_set(&res->cpu.realtime_period, int_of(upd, "CpuRealtimePeriod"));
        if (int_of(upd, "CpuRealtimeRuntime") != 0)
                opt_set(&res->cpu.realtime_runtime, int_of(upd, "CpuRealtimeRuntime"));
        const char *cpus = json_string_value(json_object_get(upd, "CpusetCpus"));
        const char *mems = json_string_value(json_object_get(upd, "CpusetMems"));
        res->cpu.cpus = cpus && *cpus ? (char *)cpus : NULL;
        res->cpu.mems = mems && *mems ? (char *)mems : NULL;
        json_t *pl = json_object_get(upd, "PidsLimit");
        if (json_is_integer(pl))
                opt_set(&res->pids.limit, json_integer_value(pl) > 0 ? json_integer_value(pl) : -1);
        if (int_of(upd, "BlkioWeight") != 0)
                opt_set(&res->blkio.weight, int_of(upd, "BlkioWeight"));
}

static void set_int(json_t *obj, const char *section, const char *key, const RtOpt *o)
{
        if (!o->set)
                return;
        json_t *sec = json_object_get(obj, section);
        if (!json_is_object(sec)) {
                json_object_set_new(obj, section, json_object());
                sec = json_object_get(obj, section);
        }
        json_object_set_new(sec, key, json_integer(o->value));
}

/* The bundle's linux.resources get the changes too: a start reuses
 * config.json as it is. Without one, the next start writes it from the
 * (updated) request. */
static int update_bundle(Engine *e, const char *id, const RtResources *res, BerthError **err)
{
        _cleanup_free_ char *dir = engine_ctr_dir(e, id), *path = NULL;
        if (!dir || asprintf(&path, "%s/config.json", dir) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (access(path, F_OK) < 0)
                return 0;
        _cleanup_json_ json_t *spec = NULL;
        int r = json_load_path(path, "config.json", &spec, err);
        if (r < 0)
                return r;
        json_t *linux_ = json_object_get(spec, "linux");
        if (!json_is_object(linux_))
                return 0;
        json_t *rs = json_object_get(linux_, "resources");
        if (!json_is_object(rs)) {
                json_object_set_new(linux_, "resources", json_object());
                rs = json_object_get(linux_, "resources");
        }
        set_int(rs, "memory", "limit", &res->memory.limit);
        set_int(rs, "memory", "swap", &res->memory.swap);
        set_int(rs, "memory", "reservation", &res->memory.reservation);
        set_int(rs, "cpu", "shares", &res->cpu.shares);
        set_int(rs, "cpu", "quota", &res->cpu.quota);
        set_int(rs, "cpu", "period", &res->cpu.period);
        set_int(rs, "cpu", "realtimePeriod", &res->cpu.realtime_period);
        set_int(rs, "cpu", "realtimeRuntime", &res->cpu.realtime_runtime);
        set_int(rs, "pids", "limit", &res->pids.limit);
        set_int(rs, "blockIO", "weight", &res->blkio.weight);
        const char *strs[][2] = {{"cpus", res->cpu.cpus}, {"mems", res->cpu.mems}};
        for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
                if (!strs[i][1])
                        continue;
                json_t *cpu = json_object_get(rs, "cpu");
                if (!json_is_object(cpu)) {
                        json_object_set_new(rs, "cpu", json_object());
                        cpu = json_object_get(rs, "cpu");
                }
                json_object_set_new(cpu, strs[i][0], json_string(strs[i][1]));
        }
        return json_dump_file_replace(path, spec, err);
}

static int h_update(ApiRequest *req, void *ud, BerthError **err)
{
        Engine *e = ud;
        _cleanup_json_ json_t *body = NULL;
        int r = api_request_json(req, false, &body, err);
        if (r < 0)
                return r;
        if (!json_is_object(body))
                return error_set(err, EINVAL, "update config must be a JSON object");
        json_t *rp = json_object_get(body, "RestartPolicy");
        if (rp && !json_is_null(rp)) {
                const char *n = json_string_value(json_object_get(rp, "Name"));
                if (!json_is_object(rp) || (n && *n && !STREQ(n, "no") && !STREQ(n, "always") &&
                                            !STREQ(n, "unless-stopped") && !STREQ(n, "on-failure")))
                        return error_set(err, EINVAL, "invalid restart policy '%s'", n ? n : "");
        }
        /* what create checks of the same fields (types, ranges), with its
         * messages */
        _cleanup_json_ json_t *as_create =
            json_pack("{s:s, s:O}", "Image", "-", "HostConfig", body);
        if (!as_create)
                return -ENOMEM;
        if ((r = specgen_validate(as_create, err)) < 0)
                return r;
        _cleanup_json_ json_t *warnings = json_array();
        if (int_of(body, "BlkioWeight") != 0 && !blkio_weight_supported()) {
                json_array_append_new(warnings,
                                      json_string("Your kernel does not support Block I/O weight "
                                                  "or the cgroup is not mounted. Weight "
                                                  "discarded."));
                json_object_del(body, "BlkioWeight");
        }
        if (int_of(body, "MemorySwap") > 0 && !swap_limit_supported()) {
                /* as Docker: the memory limit goes on without its swap part */
                json_array_append_new(warnings,
                                      json_string("Your kernel does not support swap limit "
                                                  "capabilities or the cgroup is not mounted. "
                                                  "Memory limited without swap."));
                json_object_set_new(body, "MemorySwap", json_integer(-1));
        }

        pthread_mutex_lock(&e->lock);
        Ctr *c;
        if ((r = engine_take_locked(e, ID_PARAM(req), &c, err)) < 0) {
                pthread_mutex_unlock(&e->lock);
                return r;
        }
        char id[65];
        memcpy(id, c->id, sizeof(id));
        BerthError *uerr = NULL;
        json_t *hc = json_deep_copy(c->host_config);
        if (!hc)
                hc = json_object();
        BerthError *merr = NULL;
        if ((r = update_check(hc, body, &merr)) < 0) {
                r = error_set(err, merr->code, "Cannot update container %s: %s", id, merr->message);
                error_free(merr);
                json_decref(hc);
                goto out;
        }
        update_apply(hc, body);
        /* a running (or paused) container gets the new limits at once; the
         * bundle keeps them for the next start */
        bool live = c->state == ENGINE_RUNNING || c->state == ENGINE_PAUSED;
        RtResources res = {0};
        update_resources(body, &res);
        pthread_mutex_unlock(&e->lock);
        r = live ? rt_container_update(e->runtime_root, id, &res, &uerr) : 0;
        if (r >= 0)
                r = update_bundle(e, id, &res, &uerr);
        pthread_mutex_lock(&e->lock);
        if (r < 0) {
                /* the stored config stays as it was */
                r = error_set(err, EIO, "Cannot update container %s: %s", id,
                              uerr && uerr->message ? uerr->message : strerror(-r));
                json_decref(hc);
                goto out;
        }
        /* the next start builds its config from the create request: it
         * gets the same changes (the checks above hold for it too) */
        json_t *req_copy = json_deep_copy(c->request);
        if (req_copy) {
                json_t *rhc = json_object_get(req_copy, "HostConfig");
                if (!json_is_object(rhc)) {
                        json_object_set_new(req_copy, "HostConfig", json_object());
                        rhc = json_object_get(req_copy, "HostConfig");
                }
                update_apply(rhc, body);
                json_decref(c->request);
                c->request = req_copy;
        }
        json_decref(c->host_config);
        c->host_config = hc;
        engine_save_locked(e, c);
        engine_ctr_event_locked(e, c, "update", NULL);
out:
        engine_release_locked(e, c);
        ctr_unref(c);
        pthread_mutex_unlock(&e->lock);
        error_free(uerr);
        if (r < 0)
                return r;
        return api_reply_json(req, 200, json_pack("{s:O}", "Warnings", warnings));
}

int api_containers_register(Engine *e, ApiRouter *r, BerthError **err)
{
        static const struct {
                const char *method, *pattern;
                ApiHandler fn;
                unsigned flags;
        } routes[] = {
            {"POST", "/containers/create", h_create, 0},
            {"GET", "/containers/json", h_list, API_ROUTE_NO_BODY},
            {"GET", "/containers/{id}/json", h_inspect, API_ROUTE_NO_BODY},
            {"POST", "/containers/{id}/start", h_start, API_ROUTE_NO_BODY},
            {"POST", "/containers/{id}/stop", h_stop, API_ROUTE_NO_BODY},
            {"POST", "/containers/{id}/restart", h_restart, API_ROUTE_NO_BODY},
            {"POST", "/containers/{id}/kill", h_kill, API_ROUTE_NO_BODY},
            {"POST", "/containers/{id}/wait", h_wait, API_ROUTE_NO_BODY},
            {"DELETE", "/containers/{id}", h_delete, API_ROUTE_NO_BODY},
            {"POST", "/containers/{id}/rename", h_rename, API_ROUTE_NO_BODY},
            {"POST", "/containers/{id}/pause", h_pause, API_ROUTE_NO_BODY},
            {"POST", "/containers/{id}/unpause", h_unpause, API_ROUTE_NO_BODY},
            {"GET", "/containers/{id}/top", h_top, API_ROUTE_NO_BODY},
            {"GET", "/containers/{id}/changes", h_changes, API_ROUTE_NO_BODY},
            {"GET", "/containers/{id}/export", h_export, API_ROUTE_NO_BODY},
            {"POST", "/containers/prune", h_prune, API_ROUTE_NO_BODY},
            {"POST", "/containers/{id}/update", h_update, 0},
        };
        for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
                int q = api_router_add(r, routes[i].method, routes[i].pattern, routes[i].fn, e,
                                       routes[i].flags, 0);
                if (q < 0)
                        return error_set(err, -q, "register %s %s", routes[i].method,
                                         routes[i].pattern);
        }
        return 0;
}
