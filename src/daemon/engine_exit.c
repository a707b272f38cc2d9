/* Exits: the watcher thread (epoll over the monitors' pidfds), recording an
 * exit from the monitor's exit.json, restart policies with Docker's
 * back-off, --rm, and the restore of every container at daemon start. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/log.h"
#include "daemon/engine_internal.h"
#include "daemon/engine_net.h"
#include "monitor/monitor.h"
#include "runtime/container.h"

#define NO_EXIT_FILE_CODE 255

static int pidfd_open_(pid_t pid)
{
        return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* ---- exit records ---- */

typedef struct ExitInfo {
        bool have;
        int code;
        bool oom;
        int64_t finished;
        char *error;
} ExitInfo;

static void read_exit(Engine *e, const char *id, ExitInfo *x)
{
        *x = (ExitInfo){0};
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/%s/%s", e->exec_containers_dir, id, MONITOR_EXIT_FILE);
        json_error_t jerr;
        json_t *j = json_load_file(p, 0, &jerr);
        if (!json_is_object(j)) {
                json_decref(j);
                x->code = NO_EXIT_FILE_CODE;
                x->finished = engine_now_ns();
                x->error = strdup("berth-monitor exited without recording the container's exit "
                                  "(it was killed or crashed); the container was stopped");
                return;
        }
        x->have = true;
        x->code = (int)json_integer_value(json_object_get(j, "ExitCode"));
        x->oom = json_is_true(json_object_get(j, "OOMKilled"));
        const char *f = json_string_value(json_object_get(j, "FinishedAt"));
        if (!f || engine_time_parse(f, &x->finished) < 0 || x->finished == 0)
                x->finished = engine_now_ns();
        const char *er = json_string_value(json_object_get(j, "Error"));
        if (er && *er)
                x->error = strdup(er);
        json_decref(j);
}

/* Without the lock: what is left of the run goes (the runtime state when
 * the monitor could not delete it, the rootfs mount). */
static void cleanup_run(Engine *e, const char *id, bool had_exit_file, bool keep_mounted)
{
        char st[PATH_MAX];
        snprintf(st, sizeof(st), "%s/%s", e->runtime_root, id);
        if (!had_exit_file || access(st, F_OK) == 0) {
                _cleanup_error_ BerthError *err = NULL;
                if (rt_container_delete(e->runtime_root, id, true, &err) < 0 && err &&
                    err->code != ENOENT)
                        log_debug("container %.12s: delete: %s", id, err->message);
        }
        engine_net_unplug(e, id);
        if (keep_mounted)
                return;
        _cleanup_free_ char *dir = engine_ctr_dir(e, id);
        _cleanup_error_ BerthError *err = NULL;
        if (dir && img_store_container_unmount(e->images, dir, &err) < 0)
                log_warn("container %.12s: unmount the root filesystem: %s", id,
                         err ? err->message : "failed");
}

typedef struct AutoRemove {
        Engine *e;
        Ctr *c;
} AutoRemove;

static void *autoremove_main(void *arg);

/* Under lock: the run of c ended as x says. */
static void apply_exit_locked(Engine *e, Ctr *c, ExitInfo *x, bool at_restore)
{
        bool by_user = c->stopping;
        c->stopping = false;
        c->exits++;
        c->exit_code = x->code;
        c->oom_killed = x->oom;
        c->finished_at = x->finished;
        free(c->error);
        c->error = TAKE_PTR(x->error);
        c->pid = 0;
        c->monitor_pid = 0;
        c->state = ENGINE_EXITED;
        json_decref(TAKE_PTR(c->net_settings));
        json_decref(TAKE_PTR(c->net_ports));
        if (x->oom)
                engine_ctr_event_locked(e, c, "oom", NULL);
        char code[16];
        snprintf(code, sizeof(code), "%d", x->code);
        engine_ctr_event_locked(e, c, "die", json_pack("{s:s}", "exitCode", code));

        bool restart = !by_user && !c->remove_requested && !c->removed && !e->stopping &&
                       engine_policy_should_restart(c->host_config, x->code, c->restart_count,
                                                    c->manually_stopped);
        if (restart) {
                int64_t ran_ms = (c->finished_at - c->started_at) / 1000000;
                c->backoff_ms = engine_restart_backoff(c->backoff_ms, ran_ms);
                engine_schedule_restart_locked(e, c, at_restore ? 0 : c->backoff_ms);
        } else if (json_is_true(json_object_get(c->host_config, "AutoRemove")) &&
                   !c->remove_requested && !c->removed) {
                AutoRemove *ar = malloc(sizeof(*ar));
                if (ar) {
                        *ar = (AutoRemove){e, ctr_ref(c)};
                        if (engine_spawn_helper_locked(e, autoremove_main, ar) < 0) {
                                ctr_unref(ar->c);
                                free(ar);
                        }
                }
        }
        engine_save_locked(e, c);
        pthread_cond_broadcast(&e->cond);
}

static void *autoremove_main(void *arg)
{
        AutoRemove *ar = arg;
        char id[65];
        pthread_mutex_lock(&ar->e->lock);
        memcpy(id, ar->c->id, 65);
        bool gone = ar->c->removed;
        ctr_unref(ar->c);
        pthread_mutex_unlock(&ar->e->lock);
        _cleanup_error_ BerthError *err = NULL;
        if (!gone && engine_remove(ar->e, id, true, true, &err) < 0 && err && err->code != ENOENT)
                log_warn("container %.12s: auto-remove: %s", id, err->message);
        free(ar);
        return NULL;
}

/* ---- restart ---- */

typedef struct Restart {
        Engine *e;
        Ctr *c;
        uint64_t gen;
        int64_t delay_ms;
} Restart;

static void *restart_main(void *arg)
{
        Restart *rs = arg;
        Engine *e = rs->e;
        Ctr *c = rs->c;
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += rs->delay_ms / 1000;
        dl.tv_nsec += (long)(rs->delay_ms % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
                dl.tv_sec++;
                dl.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&e->lock);
        while (c->restart_gen == rs->gen && !c->removed && !e->stopping)
                if (pthread_cond_timedwait(&e->cond, &e->lock, &dl) == ETIMEDOUT)
                        break;
        bool go =
            c->restart_gen == rs->gen && !c->removed && !e->stopping && engine_acquire_locked(e, c);
        if (go && (c->restart_gen != rs->gen || c->state != ENGINE_RESTARTING)) {
                engine_release_locked(e, c);
                go = false;
        }
        if (go) {
                c->restart_count++;
                pthread_mutex_unlock(&e->lock);
                _cleanup_error_ BerthError *err = NULL;
                if (engine_start_held(e, c, &err) < 0)
                        log_warn("container %.12s: restart failed: %s", c->id,
                                 err ? err->message : "?");
                pthread_mutex_lock(&e->lock);
                engine_release_locked(e, c);
        }
        ctr_unref(c);
        pthread_mutex_unlock(&e->lock);
        free(rs);
        return NULL;
}

void engine_schedule_restart_locked(Engine *e, Ctr *c, int64_t delay_ms)
{
        c->state = ENGINE_RESTARTING;
        Restart *rs = malloc(sizeof(*rs));
        if (!rs)
                return;
        *rs = (Restart){e, ctr_ref(c), ++c->restart_gen, delay_ms};
        if (engine_spawn_helper_locked(e, restart_main, rs) < 0) {
                ctr_unref(rs->c);
                free(rs);
                c->state = ENGINE_EXITED;
        }
}

/* ---- the watcher ---- */

int engine_watch_locked(Engine *e, Ctr *c)
{
        if (c->pidfd >= 0 || c->monitor_pid <= 0)
                return 0;
        int fd = pidfd_open_(c->monitor_pid);
        if (fd < 0)
                fd = -errno;
        if (fd < 0 && fd != -ESRCH)
                return fd;
        if (fd < 0) {
                /* already gone: let the watcher see a readable fd anyway */
                int efd = eventfd(1, EFD_CLOEXEC);
                if (efd < 0)
                        return -errno;
                fd = efd;
        }
        c->pidfd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = ctr_ref(c)};
        if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                int r = -errno;
                close(fd);
                c->pidfd = -1;
                c->refs--;
                return r;
        }
        return 0;
}

static void process_exit(Engine *e, Ctr *c)
{
        /* c is referenced by the caller; lock not held */
        char id[65];
        pthread_mutex_lock(&e->lock);
        memcpy(id, c->id, 65);
        /* --rm or a removal under way: the removal unmounts */
        bool auto_remove =
            json_is_true(json_object_get(c->host_config, "AutoRemove")) || c->remove_requested;
        pthread_mutex_unlock(&e->lock);
        ExitInfo x;
        read_exit(e, id, &x);
        cleanup_run(e, id, x.have, auto_remove);
        pthread_mutex_lock(&e->lock);
        if (x.have)
                log_debug("container %.12s exited with %d", id, x.code);
        else
                log_warn("container %.12s: its berth-monitor is gone without an exit file", id);
        if (c->state == ENGINE_RUNNING || c->state == ENGINE_PAUSED)
                apply_exit_locked(e, c, &x, false);
        free(x.error);
        pthread_mutex_unlock(&e->lock);
}

static void *watcher_main(void *arg)
{
        Engine *e = arg;
        struct epoll_event evs[32];
        for (;;) {
                int n = epoll_wait(e->epfd, evs, (int)ARRAY_SIZE(evs), -1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        log_error("engine: epoll_wait: %s", strerror(errno));
                        return NULL;
                }
                for (int i = 0; i < n; i++) {
                        if (evs[i].data.ptr == NULL) {
                                pthread_mutex_lock(&e->lock);
                                bool stop = e->stopping;
                                pthread_mutex_unlock(&e->lock);
                                if (stop)
                                        return NULL;
                                continue;
                        }
                        Ctr *c = evs[i].data.ptr;
                        pthread_mutex_lock(&e->lock);
                        if (c->pidfd >= 0) {
                                epoll_ctl(e->epfd, EPOLL_CTL_DEL, c->pidfd, NULL);
                                close(c->pidfd);
                                c->pidfd = -1;
                        }
                        pthread_mutex_unlock(&e->lock);
                        process_exit(e, c);
                        pthread_mutex_lock(&e->lock);
                        ctr_unref(c);
                        pthread_mutex_unlock(&e->lock);
                }
        }
}

int engine_watcher_start(Engine *e, BerthError **err)
{
        e->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (e->epfd < 0)
                return error_set_errno(err, errno, "epoll_create1");
        e->wake_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (e->wake_efd < 0)
                return error_set_errno(err, errno, "eventfd");
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
        if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->wake_efd, &ev) < 0)
                return error_set_errno(err, errno, "epoll_ctl");
        int r = pthread_create(&e->watcher, NULL, watcher_main, e);
        if (r != 0)
                return error_set_errno(err, r, "start the exit watcher");
        e->watcher_started = true;
        return 0;
}

void engine_watcher_stop(Engine *e)
{
        if (e->watcher_started) {
                pthread_mutex_lock(&e->lock);
                e->stopping = true;
                pthread_mutex_unlock(&e->lock);
                uint64_t one = 1;
                if (write(e->wake_efd, &one, sizeof(one)) < 0)
                        log_debug("engine: wake the watcher: %s", strerror(errno));
                pthread_join(e->watcher, NULL);
                e->watcher_started = false;
        }
        /* drop the watch references */
        pthread_mutex_lock(&e->lock);
        for (size_t i = 0; i < e->n_ctrs; i++) {
                Ctr *c = e->ctrs[i];
                if (c->pidfd >= 0) {
                        close(c->pidfd);
                        c->pidfd = -1;
                        c->refs--;
                }
        }
        pthread_mutex_unlock(&e->lock);
        if (e->epfd >= 0)
                close(e->epfd);
        if (e->wake_efd >= 0)
                close(e->wake_efd);
        e->epfd = e->wake_efd = -1;
}

/* ---- restore ---- */

/* The pid in EXECDIR/monitor.pid when that process still runs and is the
 * monitor of this container; else 0. */
static pid_t live_monitor(Engine *e, const char *id)
{
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/%s/%s", e->exec_containers_dir, id, MONITOR_PID_FILE);
        _cleanup_free_ char *buf = NULL;
        if (read_file(p, &buf, NULL, NULL) < 0)
                return 0;
        long pid = strtol(buf, NULL, 10);
        if (pid <= 0 || pid > INT_MAX)
                return 0;
        char cl[64];
        snprintf(cl, sizeof(cl), "/proc/%ld/cmdline", pid);
        _cleanup_free_ char *cmd = NULL;
        size_t len = 0;
        if (read_file(cl, &cmd, &len, NULL) < 0)
                return 0;
        /* the arguments are NUL-separated: look for the ID among them */
        for (size_t off = 0; off < len; off += strlen(cmd + off) + 1)
                if (STREQ(cmd + off, id))
                        return (pid_t)pid;
        return 0;
}

int engine_restore(Engine *e, BerthError **err)
{
        _cleanup_json_ json_t *recs = NULL;
        int r = edb_load(e->db, &recs, err);
        if (r < 0)
                return r;
        size_t i;
        json_t *rec;
        json_array_foreach(recs, i, rec)
        {
                Ctr *c = NULL;
                _cleanup_error_ BerthError *rerr = NULL;
                if (ctr_from_record(rec, &c, &rerr) < 0) {
                        log_warn("skipping a container record: %s",
                                 rerr ? rerr->message : "invalid");
                        continue;
                }
                if (e->n_ctrs == e->cap_ctrs) {
                        size_t cap = e->cap_ctrs ? e->cap_ctrs * 2 : 64;
                        Ctr **v = realloc(e->ctrs, cap * sizeof(*v));
                        if (!v) {
                                ctr_unref(c);
                                return error_set(err, ENOMEM, "out of memory");
                        }
                        e->ctrs = v;
                        e->cap_ctrs = cap;
                }
                e->ctrs[e->n_ctrs++] = c;
        }

        size_t adopted = 0, exited = 0, restarted = 0;
        pthread_mutex_lock(&e->lock);
        for (i = 0; i < e->n_ctrs; i++) {
                Ctr *c = e->ctrs[i];
                if (c->state == ENGINE_REMOVING) {
                        c->state = ENGINE_DEAD;
                        engine_save_locked(e, c);
                        continue;
                }
                if (c->state == ENGINE_RUNNING || c->state == ENGINE_PAUSED) {
                        pid_t mon = live_monitor(e, c->id);
                        if (mon > 0) {
                                c->monitor_pid = mon;
                                if (engine_watch_locked(e, c) == 0) {
                                        adopted++;
                                        engine_net_cache_locked(e, c);
                                        log_info("container %.12s: adopted (monitor pid %d)", c->id,
                                                 (int)mon);
                                        continue;
                                }
                        }
                        /* it ended while berthd was down */
                        ExitInfo x;
                        read_exit(e, c->id, &x);
                        /* (the API does not serve yet: nothing waits on the lock) */
                        cleanup_run(e, c->id, x.have, false);
                        log_info("container %.12s: exited with %d while berthd was down", c->id,
                                 x.code);
                        apply_exit_locked(e, c, &x, true);
                        free(x.error);
                        exited++;
                        if (c->state == ENGINE_RESTARTING)
                                restarted++;
                        continue;
                }
                if (c->state == ENGINE_RESTARTING)
                        c->state = ENGINE_EXITED;
                /* berthd died between "started" and recording it: the
                 * container runs, its record says otherwise */
                pid_t mon = live_monitor(e, c->id);
                RtState *st = NULL;
                if (mon > 0 && rt_container_state(e->runtime_root, c->id, &st, NULL) >= 0 &&
                    (st->status == RT_STATUS_RUNNING || st->status == RT_STATUS_PAUSED)) {
                        c->state = st->status == RT_STATUS_PAUSED ? ENGINE_PAUSED : ENGINE_RUNNING;
                        c->pid = st->pid;
                        c->monitor_pid = mon;
                        c->started_at = engine_now_ns();
                        rt_state_free(st);
                        if (engine_watch_locked(e, c) == 0) {
                                adopted++;
                                engine_net_cache_locked(e, c);
                                engine_save_locked(e, c);
                                log_info("container %.12s: adopted (monitor pid %d)", c->id,
                                         (int)mon);
                                continue;
                        }
                } else {
                        rt_state_free(st);
                }
                /* Docker starts containers whose policy says so at daemon
                 * start, when they ran before. */
                if (c->state == ENGINE_EXITED && c->started_at != 0 &&
                    engine_policy_should_restart(c->host_config, c->exit_code, c->restart_count,
                                                 c->manually_stopped)) {
                        engine_schedule_restart_locked(e, c, 0);
                        engine_save_locked(e, c);
                        restarted++;
                }
        }
        pthread_mutex_unlock(&e->lock);
        if (e->n_ctrs)
                log_info("restored %zu containers: %zu running adopted, %zu exited while down, "
                         "%zu restarting",
                         e->n_ctrs, adopted, exited, restarted);
        return 0;
}
