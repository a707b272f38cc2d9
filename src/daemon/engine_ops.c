/* Stop, kill, remove, pause, rename. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "daemon/engine_internal.h"
#include "daemon/engine_net.h"
#include "runtime/container.h"

static const struct {
        const char *name;
        int sig;
} signals[] = {
    {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS},       {"CHLD", SIGCHLD},
    {"CLD", SIGCHLD},  {"CONT", SIGCONT}, {"FPE", SIGFPE},       {"HUP", SIGHUP},
    {"ILL", SIGILL},   {"INT", SIGINT},   {"IO", SIGIO},         {"IOT", SIGIOT},
    {"KILL", SIGKILL}, {"PIPE", SIGPIPE}, {"POLL", SIGPOLL},     {"PROF", SIGPROF},
    {"PWR", SIGPWR},   {"QUIT", SIGQUIT}, {"SEGV", SIGSEGV},     {"STKFLT", SIGSTKFLT},
    {"STOP", SIGSTOP}, {"SYS", SIGSYS},   {"TERM", SIGTERM},     {"TRAP", SIGTRAP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH},
    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
};

int engine_signal_parse(const char *s, int *ret)
{
        if (!s || !*s)
                return -EINVAL;
        char *end;
        errno = 0;
        long n = strtol(s, &end, 10);
        if (end != s && *end == '\0') {
                if (errno || n <= 0 || n > SIGRTMAX)
                        return -EINVAL;
                *ret = (int)n;
                return 0;
        }
        const char *name = s;
        if (strncasecmp(name, "SIG", 3) == 0)
                name += 3;
        for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
                if (strcasecmp(signals[i].name, name) == 0) {
                        *ret = signals[i].sig;
                        return 0;
                }
        if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
                bool min = strncasecmp(name, "RTMIN", 5) == 0;
                const char *rest = name + 5;
                long off = 0;
                if (*rest) {
                        off = strtol(rest, &end, 10);
                        if (*end || (min && off < 0) || (!min && off > 0))
                                return -EINVAL;
                }
                long sig = (min ? SIGRTMIN : SIGRTMAX) + off;
                if (sig < SIGRTMIN || sig > SIGRTMAX)
                        return -EINVAL;
                *ret = (int)sig;
                return 0;
        }
        return -EINVAL;
}

static int ctr_stop_signal(const Ctr *c)
{
        const char *s = json_string_value(json_object_get(c->config, "StopSignal"));
        int sig;
        if (s && *s && engine_signal_parse(s, &sig) == 0)
                return sig;
        return SIGTERM;
}

static bool is_live(EngineRunState s)
{
        return s == ENGINE_RUNNING || s == ENGINE_PAUSED;
}

static void deadline_in(struct timespec *dl, int64_t ms)
{
        clock_gettime(CLOCK_MONOTONIC, dl);
        dl->tv_sec += ms / 1000;
        dl->tv_nsec += (long)(ms % 1000) * 1000000L;
        if (dl->tv_nsec >= 1000000000L) {
                dl->tv_sec++;
                dl->tv_nsec -= 1000000000L;
        }
}

/* Under lock: waits until the run that is live ends (c->exits > exits0);
 * false on timeout (ms < 0: none). */
static bool wait_exit_locked(Engine *e, Ctr *c, uint64_t exits0, int64_t ms)
{
        struct timespec dl;
        if (ms >= 0)
                deadline_in(&dl, ms);
        while (c->exits == exits0 && is_live(c->state)) {
                if (ms < 0)
                        pthread_cond_wait(&e->cond, &e->lock);
                else if (pthread_cond_timedwait(&e->cond, &e->lock, &dl) == ETIMEDOUT)
                        return !(c->exits == exits0 && is_live(c->state));
        }
        return true;
}

static void kill_event_locked(Engine *e, Ctr *c, int sig)
{
        char buf[16];
        snprintf(buf, sizeof(buf), "%d", sig);
        engine_ctr_event_locked(e, c, "kill", json_pack("{s:s}", "signal", buf));
}

/* Under lock, c held: kills the live run of c and waits for its exit
 * (stop: the stop signal, SIGKILL after timeout_s). */
static int stop_held_locked(Engine *e, Ctr *c, int sig, int timeout_s, BerthError **err)
{
        char id[65];
        memcpy(id, c->id, 65);
        uint64_t exits0 = c->exits;
        bool paused = c->state == ENGINE_PAUSED;
        c->stopping = true;
        c->manually_stopped = true;
        c->restart_gen++;
        kill_event_locked(e, c, sig);
        pthread_mutex_unlock(&e->lock);
        _cleanup_error_ BerthError *kerr = NULL;
        int r = rt_container_kill(e->runtime_root, id, sig, sig == SIGKILL, &kerr);
        if (paused)
                rt_container_resume(e->runtime_root, id, NULL);
        if (r < 0 && r != -ENOENT && r != -ESRCH)
                log_debug("container %.12s: kill %d: %s", id, sig, kerr ? kerr->message : "?");
        pthread_mutex_lock(&e->lock);
        if (sig != SIGKILL && wait_exit_locked(e, c, exits0, (int64_t)timeout_s * 1000))
                return 0;
        if (sig != SIGKILL) {
                log_info("container %.12s did not stop within %d seconds: killing it", id,
                         timeout_s);
                kill_event_locked(e, c, SIGKILL);
                pthread_mutex_unlock(&e->lock);
                rt_container_kill(e->runtime_root, id, SIGKILL, true, NULL);
                pthread_mutex_lock(&e->lock);
        }
        if (wait_exit_locked(e, c, exits0, 30000))
                return 0;
        /* the monitor does not report: SIGKILL it too, the watcher sees it */
        pid_t mon = c->monitor_pid;
        if (mon > 0)
                kill(mon, SIGKILL);
        if (wait_exit_locked(e, c, exits0, 10000))
                return 0;
        return error_set(err, EIO, "container %.12s did not exit after SIGKILL", id);
}

int engine_stop(Engine *e, const char *name, int timeout_s, int sig, bool restart_after,
                BerthError **err)
{
        pthread_mutex_lock(&e->lock);
        Ctr *c;
        int r = engine_take_locked(e, name, &c, err);
        if (r < 0) {
                pthread_mutex_unlock(&e->lock);
                return r;
        }
        if (timeout_s == INT_MIN) {
                json_int_t t = 10;
                json_t *st = json_object_get(c->config, "StopTimeout");
                if (json_is_integer(st))
                        t = json_integer_value(st);
                timeout_s = (int)t;
        }
        if (c->state == ENGINE_RESTARTING) {
                c->restart_gen++;
                c->manually_stopped = true;
                c->state = ENGINE_EXITED;
                engine_save_locked(e, c);
                pthread_cond_broadcast(&e->cond);
        } else if (!is_live(c->state)) {
                r = 1;
        } else {
                r = stop_held_locked(e, c, sig > 0 ? sig : ctr_stop_signal(c),
                                     timeout_s < 0 ? INT_MAX : timeout_s, err);
                if (r >= 0)
                        engine_ctr_event_locked(e, c, "stop", NULL);
        }
        if (restart_after && r >= 0) {
                c->restart_gen++;
                c->manually_stopped = false;
                c->backoff_ms = 0;
                pthread_mutex_unlock(&e->lock);
                r = engine_start_held(e, c, err);
                pthread_mutex_lock(&e->lock);
                if (r >= 0)
                        engine_ctr_event_locked(e, c, "restart", NULL);
        }
        engine_release_locked(e, c);
        ctr_unref(c);
        pthread_mutex_unlock(&e->lock);
        return r;
}

int engine_kill(Engine *e, const char *name, int sig, BerthError **err)
{
        pthread_mutex_lock(&e->lock);
        Ctr *c = engine_find_locked(e, name, err);
        if (!c) {
                int code = err && *err ? (*err)->code : ENOENT;
                pthread_mutex_unlock(&e->lock);
                return -code;
        }
        if (!is_live(c->state)) {
                int r =
                    error_set(err, EEXIST, "cannot kill container: %s: container %s is not running",
                              name, c->id);
                pthread_mutex_unlock(&e->lock);
                return r;
        }
        char id[65];
        memcpy(id, c->id, 65);
        if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == ctr_stop_signal(c)) {
                /* a kill by the user ends the run without its restart policy */
                c->stopping = true;
                c->manually_stopped = true;
                engine_save_locked(e, c);
        }
        kill_event_locked(e, c, sig);
        pthread_mutex_unlock(&e->lock);
        int r = rt_container_kill(e->runtime_root, id, sig, false, err);
        if (r == -ENOENT || r == -ESRCH)
                return error_set(err, EEXIST,
                                 "cannot kill container: %s: container %s is not running", name,
                                 id);
        return r < 0 ? r : 0;
}

int engine_pause(Engine *e, const char *name, bool pause, BerthError **err)
{
        pthread_mutex_lock(&e->lock);
        Ctr *c;
        int r = engine_take_locked(e, name, &c, err);
        if (r < 0) {
                pthread_mutex_unlock(&e->lock);
                return r;
        }
        if (!is_live(c->state))
                r = error_set(err, EEXIST, "Container %s is not running", c->id);
        else if (pause && c->state == ENGINE_PAUSED)
                r = error_set(err, EEXIST, "Container %s is already paused", c->id);
        else if (!pause && c->state != ENGINE_PAUSED)
                r = error_set(err, EEXIST, "Container %s is not paused", c->id);
        if (r < 0) {
                engine_release_locked(e, c);
                goto out;
        }
        char id[65];
        memcpy(id, c->id, 65);
        pthread_mutex_unlock(&e->lock);
        r = pause ? rt_container_pause(e->runtime_root, id, err)
                  : rt_container_resume(e->runtime_root, id, err);
        pthread_mutex_lock(&e->lock);
        if (r >= 0 && is_live(c->state)) {
                c->state = pause ? ENGINE_PAUSED : ENGINE_RUNNING;
                engine_ctr_event_locked(e, c, pause ? "pause" : "unpause", NULL);
                engine_save_locked(e, c);
        }
        engine_release_locked(e, c);
out:
        ctr_unref(c);
        pthread_mutex_unlock(&e->lock);
        return r < 0 ? r : 0;
}

int engine_remove(Engine *e, const char *name, bool force, bool volumes, BerthError **err)
{
        (void)volumes; /* volumes arrive with their own module */
        _cleanup_free_ char *dir = NULL, *xdir = NULL;
        _cleanup_error_ BerthError *rerr = NULL, *derr = NULL;
        pthread_mutex_lock(&e->lock);
        Ctr *c;
        int r = engine_take_locked(e, name, &c, err);
        if (r < 0) {
                pthread_mutex_unlock(&e->lock);
                return r;
        }
        if (is_live(c->state) || c->state == ENGINE_RESTARTING) {
                if (!force) {
                        r = error_set(err, EEXIST,
                                      "cannot remove container \"%s\": container is %s: stop the "
                                      "container before removing or force remove",
                                      c->name, engine_state_name(c->state));
                        engine_release_locked(e, c);
                        goto out;
                }
                c->remove_requested = true;
                if (c->state == ENGINE_RESTARTING) {
                        c->restart_gen++;
                        c->state = ENGINE_EXITED;
                } else {
                        r = stop_held_locked(e, c, SIGKILL, 0, err);
                        if (r < 0) {
                                c->remove_requested = false;
                                engine_release_locked(e, c);
                                goto out;
                        }
                }
        }
        c->remove_requested = true;
        c->state = ENGINE_REMOVING;
        engine_save_locked(e, c);
        char id[65];
        memcpy(id, c->id, 65);
        pthread_mutex_unlock(&e->lock);

        dir = engine_ctr_dir(e, id);
        xdir = engine_ctr_exec_dir(e, id);
        engine_net_unplug(e, id);
        r = img_store_container_remove(e->images, id, dir, &rerr);
        if (r >= 0 && dir)
                r = rm_rf(dir, &rerr);
        if (xdir)
                rm_rf(xdir, NULL);
        char st[PATH_MAX];
        snprintf(st, sizeof(st), "%s/%s", e->runtime_root, id);
        if (access(st, F_OK) == 0)
                rt_container_delete(e->runtime_root, id, true, NULL);

        pthread_mutex_lock(&e->lock);
        if (r < 0) {
                c->state = ENGINE_DEAD;
                free(c->error);
                c->error = strdup(rerr && rerr->message ? rerr->message : "removal failed");
                engine_save_locked(e, c);
                r = error_set(err, rerr ? rerr->code : EIO,
                              "unable to remove filesystem for %s: %s", id,
                              rerr && rerr->message ? rerr->message : "failed");
                engine_release_locked(e, c);
                goto out;
        }
        if (edb_delete(e->db, id, &derr) < 0)
                log_error("container %.12s: %s", id, derr->message);
        for (size_t i = 0; i < e->n_ctrs; i++)
                if (e->ctrs[i] == c) {
                        memmove(&e->ctrs[i], &e->ctrs[i + 1],
                                (e->n_ctrs - i - 1) * sizeof(e->ctrs[0]));
                        e->n_ctrs--;
                        break;
                }
        engine_ctr_event_locked(e, c, "destroy", NULL);
        c->removed = true;
        c->busy = false;
        pthread_cond_broadcast(&e->cond);
        ctr_unref(c); /* the list's reference */
        ctr_unref(c);
        pthread_mutex_unlock(&e->lock);
        /* its exec instances go with it (outside the engine's lock) */
        api_exec_forget_container(id);
        return 0;
out:
        ctr_unref(c);
        pthread_mutex_unlock(&e->lock);
        return r < 0 ? r : 0;
}

int engine_rename(Engine *e, const char *name, const char *new_name, BerthError **err)
{
        if (!new_name || !*new_name)
                return error_set(err, EINVAL, "Neither old nor new names may be empty");
        if (!engine_name_valid(new_name))
                return error_set(err, EINVAL,
                                 "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
                                 "allowed",
                                 new_name);
        pthread_mutex_lock(&e->lock);
        int r = 0;
        Ctr *c = engine_find_locked(e, name, err);
        if (!c) {
                r = -(err && *err ? (*err)->code : ENOENT);
                goto out;
        }
        const char *bare = new_name[0] == '/' ? new_name + 1 : new_name;
        if (STREQ(c->name + 1, bare)) {
                r = error_set(err, EINVAL,
                              "Renaming a container with the same name as its "
                              "current name");
                goto out;
        }
        Ctr *other = engine_lookup_name(e->ctrs, e->n_ctrs, bare);
        if (other) {
                r = error_set(err, EEXIST,
                              "Conflict. The container name \"/%s\" is already in use by container "
                              "\"%s\". You have to remove (or rename) that container to be able to "
                              "reuse that name.",
                              bare, other->id);
                goto out;
        }
        char *nn = NULL;
        if (asprintf(&nn, "/%s", bare) < 0) {
                r = -ENOMEM;
                goto out;
        }
        char *old = c->name;
        c->name = nn;
        engine_save_locked(e, c);
        engine_ctr_event_locked(e, c, "rename", json_pack("{s:s}", "oldName", old));
        free(old);
out:
        pthread_mutex_unlock(&e->lock);
        return r;
}
