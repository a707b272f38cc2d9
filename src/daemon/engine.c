/* The engine: construction, the container table and the public lookups. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "daemon/api_routes.h"
#include "daemon/engine_internal.h"
#include "network/network.h"

int64_t engine_now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

Ctr *ctr_new(void)
{
        Ctr *c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->refs = 1;
        c->pidfd = -1;
        return c;
}

Ctr *ctr_ref(Ctr *c)
{
        c->refs++;
        return c;
}

/* Callers hold Engine.lock (or own the only reference). */
void ctr_unref(Ctr *c)
{
        if (!c || --c->refs > 0)
                return;
        free(c->name);
        free(c->image);
        free(c->rootfs);
        free(c->error);
        json_decref(c->request);
        json_decref(c->config);
        json_decref(c->host_config);
        json_decref(c->net_settings);
        json_decref(c->net_ports);
        if (c->pidfd >= 0)
                close(c->pidfd);
        free(c);
}

char *engine_ctr_dir(Engine *e, const char *id)
{
        char *p = NULL;
        if (asprintf(&p, "%s/%s", e->containers_dir, id) < 0)
                return NULL;
        return p;
}

char *engine_ctr_exec_dir(Engine *e, const char *id)
{
        char *p = NULL;
        if (asprintf(&p, "%s/%s", e->exec_containers_dir, id) < 0)
                return NULL;
        return p;
}

Ctr *engine_find_locked(Engine *e, const char *name, BerthError **err)
{
        return engine_lookup(e->ctrs, e->n_ctrs, name, err);
}

void engine_save_locked(Engine *e, Ctr *c)
{
        if (c->removed)
                return;
        _cleanup_error_ BerthError *err = NULL;
        if (edb_save(e->db, c, &err) < 0)
                log_error("container %.12s: %s", c->id, err->message);
}

bool engine_acquire_locked(Engine *e, Ctr *c)
{
        while (c->busy && !c->removed)
                pthread_cond_wait(&e->cond, &e->lock);
        if (c->removed)
                return false;
        c->busy = true;
        return true;
}

int engine_take_locked(Engine *e, const char *name, Ctr **ret, BerthError **err)
{
        Ctr *c = engine_find_locked(e, name, err);
        if (!c)
                return -(err && *err ? (*err)->code : ENOENT);
        ctr_ref(c);
        if (!engine_acquire_locked(e, c)) {
                ctr_unref(c);
                return error_set(err, ENOENT, "No such container: %s", name);
        }
        *ret = c;
        return 0;
}

void engine_release_locked(Engine *e, Ctr *c)
{
        c->busy = false;
        pthread_cond_broadcast(&e->cond);
}

typedef struct Helper {
        Engine *e;
        void *(*fn)(void *);
        void *arg;
} Helper;

static void *helper_main(void *p)
{
        Helper h = *(Helper *)p;
        free(p);
        h.fn(h.arg);
        engine_helper_done(h.e);
        return NULL;
}

int engine_spawn_helper_locked(Engine *e, void *(*fn)(void *), void *arg)
{
        Helper *h = malloc(sizeof(*h));
        if (!h)
                return -ENOMEM;
        *h = (Helper){e, fn, arg};
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        pthread_t t;
        e->helpers++;
        int r = pthread_create(&t, &attr, helper_main, h);
        pthread_attr_destroy(&attr);
        if (r != 0) {
                free(h);
                e->helpers--;
                return -r;
        }
        return 0;
}

int engine_spawn_helper(Engine *e, void *(*fn)(void *), void *arg)
{
        pthread_mutex_lock(&e->lock);
        int r = engine_spawn_helper_locked(e, fn, arg);
        pthread_mutex_unlock(&e->lock);
        return r;
}

void engine_helper_done(Engine *e)
{
        pthread_mutex_lock(&e->lock);
        e->helpers--;
        pthread_cond_broadcast(&e->cond);
        pthread_mutex_unlock(&e->lock);
}

static char *path_join(const char *a, const char *b)
{
        char *p = NULL;
        if (asprintf(&p, "%s/%s", a, b) < 0)
                return NULL;
        return p;
}

int engine_new(const EngineConfig *cfg, Engine **ret, BerthError **err)
{
        Engine *e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        pthread_mutex_init(&e->lock, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&e->cond, &ca);
        pthread_condattr_destroy(&ca);
        _cleanup_free_ char *dbpath = NULL;
        e->epfd = -1;
        e->wake_efd = -1;
        e->monitor_memfd = -1;
        engine_events_init(e);
        e->debug = cfg->debug;
        e->data_root = strdup(cfg->data_root);
        e->exec_root = strdup(cfg->exec_root);
        e->runtime_root = path_join(cfg->exec_root, "runtime");
        e->containers_dir = path_join(cfg->data_root, "containers");
        e->exec_containers_dir = path_join(cfg->exec_root, "containers");
        e->monitor_path =
            engine_find_helper(cfg->monitor_path, cfg->self_exe, "berth-monitor", "monitor");
        e->init_path = engine_find_helper(cfg->init_path, cfg->self_exe, "berth-init", "init");
        if (e->monitor_path) {
                e->monitor_memfd = engine_seal_helper(e->monitor_path);
                if (e->monitor_memfd < 0)
                        log_warn("berth-monitor: no sealed copy (%s); each monitor seals itself",
                                 strerror(-e->monitor_memfd));
        }
        int r;
        if (!e->data_root || !e->exec_root || !e->runtime_root || !e->containers_dir ||
            !e->exec_containers_dir) {
                r = -ENOMEM;
                goto fail;
        }
        if ((r = mkdir_p(e->containers_dir, 0710, err)) < 0 ||
            (r = mkdir_p(e->exec_containers_dir, 0700, err)) < 0 ||
            (r = mkdir_p(e->runtime_root, 0700, err)) < 0)
                goto fail;

        dbpath = path_join(cfg->data_root, "berth.db");
        if (!dbpath) {
                r = -ENOMEM;
                goto fail;
        }
        if ((r = edb_open(dbpath, &e->db, err)) < 0)
                goto fail;

        ImgDriverKind kind = IMG_DRIVER_AUTO;
        if (cfg->storage_driver && img_driver_parse(cfg->storage_driver, &kind) < 0) {
                r = error_set(err, EINVAL, "unknown storage driver \"%s\"", cfg->storage_driver);
                goto fail;
        }
        if ((r = img_store_open(cfg->data_root, kind, &e->images, err)) < 0) {
                error_prefix(err, "open the image store");
                goto fail;
        }
        {
                /* The default bridge's table: "berth" for berth0, else
                 * berth_<bridge>, so that test daemons keep to their own. */
                const char *bridge = cfg->bridge && *cfg->bridge ? cfg->bridge : "berth0";
                _cleanup_free_ char *table = NULL;
                if (asprintf(&table, "%s%s", STREQ(bridge, "berth0") ? "berth" : "berth_",
                             STREQ(bridge, "berth0") ? "" : bridge) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                _cleanup_free_ char *nft =
                    engine_find_helper(NULL, cfg->self_exe, "berth-nft", "network");
                net_nft_set_helper(nft);
                NetManagerConfig nc = {
                    .data_root = cfg->data_root,
                    .bridge_name = bridge,
                    .bip = cfg->bip,
                    .address_pools = cfg->address_pools,
                    .nft_table = table,
                    .ipv6 = cfg->ipv6,
                    .fixed_cidr_v6 = cfg->fixed_cidr_v6,
                };
                if ((r = net_manager_new(&nc, &e->net, err)) < 0) {
                        error_prefix(err, "set up networking");
                        goto fail;
                }
        }
        if ((r = engine_watcher_start(e, err)) < 0)
                goto fail;
        if ((r = engine_restore(e, err)) < 0)
                goto fail;
        if (!e->monitor_path)
                log_warn("berth-monitor not found: containers cannot be started");
        *ret = e;
        return 0;
fail:
        engine_free(e);
        return r;
}

Engine *engine_free(Engine *e)
{
        if (!e)
                return NULL;
        pthread_mutex_lock(&e->lock);
        e->stopping = true;
        pthread_cond_broadcast(&e->cond);
        /* helpers (restarts waiting for their back-off, auto-removes) end */
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += 30;
        while (e->helpers > 0)
                if (pthread_cond_timedwait(&e->cond, &e->lock, &dl) == ETIMEDOUT)
                        break;
        bool leak = e->helpers > 0;
        pthread_mutex_unlock(&e->lock);
        engine_watcher_stop(e);
        if (leak) {
                /* a helper is stuck in a monitor call: keep what it uses */
                log_warn("engine: %u helper threads still running at shutdown", e->helpers);
                return NULL;
        }
        for (size_t i = 0; i < e->n_ctrs; i++) {
                e->ctrs[i]->removed = true;
                ctr_unref(e->ctrs[i]);
        }
        free(e->ctrs);
        img_store_free(e->images);
        net_manager_free(e->net);
        if (e->db)
                edb_close(e->db);
        engine_events_free(e);
        free(e->data_root);
        free(e->exec_root);
        free(e->runtime_root);
        free(e->containers_dir);
        free(e->exec_containers_dir);
        free(e->monitor_path);
        if (e->monitor_memfd >= 0)
                close(e->monitor_memfd);
        free(e->init_path);
        pthread_cond_destroy(&e->cond);
        pthread_mutex_destroy(&e->lock);
        free(e);
        return NULL;
}

ImgStore *engine_images(Engine *e)
{
        return e->images;
}

const char *engine_runtime_root(const Engine *e)
{
        return e->runtime_root;
}

void engine_counts(Engine *e, unsigned *ret_total, unsigned *ret_running, unsigned *ret_paused,
                   unsigned *ret_stopped)
{
        unsigned total = 0, running = 0, paused = 0;
        pthread_mutex_lock(&e->lock);
        for (size_t i = 0; i < e->n_ctrs; i++) {
                total++;
                if (e->ctrs[i]->state == ENGINE_RUNNING || e->ctrs[i]->state == ENGINE_RESTARTING)
                        running++;
                else if (e->ctrs[i]->state == ENGINE_PAUSED)
                        paused++;
        }
        pthread_mutex_unlock(&e->lock);
        if (ret_total)
                *ret_total = total;
        if (ret_running)
                *ret_running = running;
        if (ret_paused)
                *ret_paused = paused;
        if (ret_stopped)
                *ret_stopped = total - running - paused;
}

int engine_register_routes(Engine *e, ApiRouter *r, BerthError **err)
{
        int (*fns[])(Engine *, ApiRouter *, BerthError **) = {
            api_containers_register, api_attach_register, api_exec_register,
            api_images_register,     api_events_register, api_networks_register,
        };
        for (size_t i = 0; i < ARRAY_SIZE(fns); i++) {
                int q = fns[i](e, r, err);
                if (q < 0)
                        return q;
        }
        return 0;
}

void engine_container_free(EngineContainer *c)
{
        if (!c)
                return;
        free(c->name);
        free(c->container_dir);
        free(c->exec_dir);
        free(c->log_path);
        json_decref(c->config);
        json_decref(c->host_config);
        json_decref(c->process);
        free(c);
}

static json_t *load_process(const char *dir)
{
        _cleanup_free_ char *p = path_join(dir, "config.json");
        if (!p)
                return NULL;
        json_error_t jerr;
        json_t *spec = json_load_file(p, 0, &jerr);
        if (!spec)
                return NULL;
        json_t *proc = json_incref(json_object_get(spec, "process"));
        json_decref(spec);
        return proc;
}

char *engine_log_path(Engine *e, const Ctr *c)
{
        json_t *lc = json_object_get(c->host_config, "LogConfig");
        const char *type = json_string_value(json_object_get(lc, "Type"));
        if (type && *type && !STREQ(type, "json-file") && !STREQ(type, "local"))
                return NULL;
        char *p = NULL;
        if (asprintf(&p, "%s/%s/%s-json.log", e->containers_dir, c->id, c->id) < 0)
                return NULL;
        return p;
}

int engine_container_get(Engine *e, const char *name, EngineContainer **ret, BerthError **err)
{
        EngineContainer *out = calloc(1, sizeof(*out));
        if (!out)
                return -ENOMEM;
        pthread_mutex_lock(&e->lock);
        Ctr *c = engine_find_locked(e, name, err);
        if (!c) {
                pthread_mutex_unlock(&e->lock);
                free(out);
                return -(err && *err ? (*err)->code : ENOENT);
        }
        memcpy(out->id, c->id, 65);
        out->name = strdup(c->name);
        out->state = c->state;
        out->pid = (c->state == ENGINE_RUNNING || c->state == ENGINE_PAUSED) ? c->pid : 0;
        out->starts = c->starts;
        json_t *cfg = c->config;
        out->tty = json_is_true(json_object_get(cfg, "Tty"));
        out->open_stdin = json_is_true(json_object_get(cfg, "OpenStdin"));
        out->stdin_once = json_is_true(json_object_get(cfg, "StdinOnce"));
        out->container_dir = engine_ctr_dir(e, c->id);
        out->exec_dir = engine_ctr_exec_dir(e, c->id);
        out->log_path = engine_log_path(e, c);
        out->config = c->config ? json_deep_copy(c->config) : json_object();
        out->host_config = c->host_config ? json_deep_copy(c->host_config) : json_object();
        pthread_mutex_unlock(&e->lock);
        if (out->container_dir)
                out->process = load_process(out->container_dir);
        if (!out->name || !out->container_dir || !out->exec_dir) {
                engine_container_free(out);
                return -ENOMEM;
        }
        *ret = out;
        return 0;
}

int engine_wait_started(Engine *e, const char *id, uint64_t starts, int timeout_ms,
                        BerthError **err)
{
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        if (timeout_ms >= 0) {
                dl.tv_sec += timeout_ms / 1000;
                dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
                if (dl.tv_nsec >= 1000000000L) {
                        dl.tv_sec++;
                        dl.tv_nsec -= 1000000000L;
                }
        }
        pthread_mutex_lock(&e->lock);
        Ctr *c = engine_find_locked(e, id, err);
        if (!c) {
                pthread_mutex_unlock(&e->lock);
                return -ENOENT;
        }
        ctr_ref(c);
        c->pending_attach++;
        int r = 0;
        while (c->starts <= starts && !c->removed && !e->stopping) {
                if (timeout_ms < 0) {
                        pthread_cond_wait(&e->cond, &e->lock);
                } else if (pthread_cond_timedwait(&e->cond, &e->lock, &dl) == ETIMEDOUT) {
                        r = error_set(err, ETIMEDOUT, "container %.12s was not started in time",
                                      c->id);
                        break;
                }
        }
        if (r == 0 && (c->removed || e->stopping))
                r = error_set(err, ENOENT, "No such container: %s", id);
        if (r < 0) {
                c->pending_attach--;
                pthread_cond_broadcast(&e->cond);
        }
        ctr_unref(c);
        pthread_mutex_unlock(&e->lock);
        return r;
}

void engine_attach_connected(Engine *e, const char *id)
{
        pthread_mutex_lock(&e->lock);
        Ctr *c = engine_lookup(e->ctrs, e->n_ctrs, id, NULL);
        if (c && c->pending_attach > 0)
                c->pending_attach--;
        pthread_cond_broadcast(&e->cond);
        pthread_mutex_unlock(&e->lock);
}
