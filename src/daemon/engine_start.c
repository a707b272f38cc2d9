/* Starting a container: the OCI bundle, berth-monitor and its sync
 * protocol (monitor/monitor.h). */
#include <errno.h>
#include <sys/sendfile.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "daemon/engine_internal.h"
#include "daemon/engine_links.h"
#include "daemon/engine_net.h"
#include "daemon/specgen.h"
#include "monitor/monitor.h"
#include "runtime/container.h"

extern char **environ;

#define MONITOR_CREATED_TIMEOUT_MS 60000
#define MONITOR_STARTED_TIMEOUT_MS 60000
#define ATTACH_WAIT_MS             10000

static bool is_exec(const char *p)
{
        return p && access(p, X_OK) == 0;
}

char *engine_find_helper(const char *configured, const char *self_exe, const char *name,
                         const char *subdir)
{
        if (configured && *configured)
                return strdup(configured);
        char self[PATH_MAX];
        if (self_exe) {
                snprintf(self, sizeof(self), "%s", self_exe);
        } else {
                ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
                self[n > 0 ? n : 0] = '\0';
        }
        char *slash = strrchr(self, '/');
        if (slash) {
                *slash = '\0';
                char *p = NULL;
                if (asprintf(&p, "%s/%s", self, name) >= 0 && is_exec(p))
                        return p;
                free(p);
                p = NULL;
                if (asprintf(&p, "%s/../%s/%s", self, subdir, name) >= 0 && is_exec(p))
                        return p;
                free(p);
        }
        char *p = NULL;
        if (asprintf(&p, "/usr/libexec/berth/%s", name) >= 0 && is_exec(p))
                return p;
        free(p);
        return NULL;
}

/* ---- the bundle ---- */

static int resolve_ns(void *userdata, const char *container, const char *ns_type, char **ret_path,
                      BerthError **err)
{
        Engine *e = userdata;
        pthread_mutex_lock(&e->lock);
        Ctr *c = engine_find_locked(e, container, err);
        if (!c) {
                pthread_mutex_unlock(&e->lock);
                return -ENOENT;
        }
        if (c->state != ENGINE_RUNNING && c->state != ENGINE_PAUSED) {
                int r = error_set(err, EINVAL, "container %s is not running", c->id);
                pthread_mutex_unlock(&e->lock);
                return r;
        }
        pid_t pid = c->pid;
        pthread_mutex_unlock(&e->lock);
        if (asprintf(ret_path, "/proc/%d/ns/%s", (int)pid, ns_type) < 0)
                return -ENOMEM;
        return 0;
}

/* specgen_build into <container_dir>/config.json; link_env: the legacy
 * links' variables of this start (NULL at create). */
static int write_bundle(Engine *e, const char *id, const char *name, json_t *request,
                        json_t *config, json_t *image_config, const char *rootfs,
                        const char *container_dir, char *const *link_env, BerthError **err)
{
        json_t *hc = json_object_get(request, "HostConfig");
        const char *cgp = json_string_value(json_object_get(hc, "CgroupParent"));
        SpecgenInput in = {
            .id = id,
            .name = name[0] == '/' ? name + 1 : name,
            .request = request,
            .config = config,
            .image_config = image_config,
            .rootfs = rootfs,
            .container_dir = container_dir,
            .cgroup_parent = cgp ? cgp : "",
            .init_path = e->init_path,
            .netns_path = NULL,
            .resolve_ns = resolve_ns,
            .resolve_userdata = e,
            .link_env = link_env,
        };
        _cleanup_json_ json_t *spec = NULL;
        int r = specgen_build(&in, &spec, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/config.json", container_dir) < 0)
                return -ENOMEM;
        return json_dump_file_replace(path, spec, err);
}

int engine_write_bundle(Engine *e, const char *id, const char *name, json_t *request,
                        json_t *config, json_t *image_config, const char *rootfs,
                        const char *container_dir, BerthError **err)
{
        /* At create, as Docker registers links: their targets must exist. */
        int r = engine_links_check(e, json_object_get(request, "HostConfig"), err);
        if (r < 0)
                return r;
        return write_bundle(e, id, name, request, config, image_config, rootfs, container_dir, NULL,
                            err);
}

int engine_seal_helper(const char *path)
{
        _cleanup_close_ int src = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (src < 0 || fstat(src, &st) < 0)
                return -errno;
        int mfd = memfd_create("berth-monitor", MFD_CLOEXEC | MFD_ALLOW_SEALING | 0x0010U);
        if (mfd < 0 && errno == EINVAL) /* kernels before MFD_EXEC */
                mfd = memfd_create("berth-monitor", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0)
                return -errno;
        off_t off = 0;
        while (off < st.st_size) {
                ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        int e = n < 0 ? errno : EIO;
                        close(mfd);
                        return -e;
                }
        }
        if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
                int e = errno;
                close(mfd);
                return -e;
        }
        return mfd;
}

/* Whether the bundle depends on other containers as they are now: their
 * namespaces (container:X modes) or, for legacy links, their addresses. */
static bool needs_rebuild(json_t *hc)
{
        const char *keys[] = {"PidMode", "IpcMode", "UTSMode", "NetworkMode"};
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                const char *v = json_string_value(json_object_get(hc, keys[i]));
                if (v && strncmp(v, "container:", 10) == 0)
                        return true;
        }
        return engine_links_apply(hc);
}

/* ---- monitor ---- */

static long long parse_size(const char *s)
{
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno || v < 0)
                return -1;
        long long mul = 1;
        switch (*end) {
        case 'k':
        case 'K':
                mul = 1024;
                end++;
                break;
        case 'm':
        case 'M':
                mul = 1024 * 1024;
                end++;
                break;
        case 'g':
        case 'G':
                mul = 1024LL * 1024 * 1024;
                end++;
                break;
        default:
                break;
        }
        if (*end == 'b' || *end == 'B')
                end++;
        if (*end)
                return -1;
        return (long long)(v * (double)mul);
}

static int recv_msg(int fd, int timeout_ms, json_t **ret, BerthError **err)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        for (;;) {
                int n = poll(&p, 1, timeout_ms);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "wait for berth-monitor");
                if (n == 0)
                        return error_set(err, ETIMEDOUT, "berth-monitor did not answer in time");
                break;
        }
        char buf[8192];
        ssize_t len;
        do
                len = recv(fd, buf, sizeof(buf) - 1, 0);
        while (len < 0 && errno == EINTR);
        if (len < 0)
                return error_set_errno(err, errno, "read from berth-monitor");
        if (len == 0)
                return error_set(err, EPIPE, "berth-monitor exited without reporting");
        buf[len] = '\0';
        json_error_t jerr;
        json_t *j = json_loadb(buf, (size_t)len, 0, &jerr);
        if (!json_is_object(j)) {
                json_decref(j);
                return error_set(err, EPROTO, "berth-monitor sent a malformed message");
        }
        const char *status = json_string_value(json_object_get(j, "status"));
        if (status && STREQ(status, "error")) {
                const char *m = json_string_value(json_object_get(j, "message"));
                int code = EIO;
                if (m && (strstr(m, "not found") || strstr(m, "No such file") ||
                          strstr(m, "no such file")))
                        code = ENOENT;
                else if (m && (strstr(m, "ermission denied")))
                        code = EACCES;
                int r = error_set(err, code, "%s", m ? m : "berth-monitor failed");
                json_decref(j);
                return r;
        }
        *ret = j;
        return 0;
}

/* Waits (bounded) for the monitor's first process, which exits once the
 * monitor has detached. */
static void reap(pid_t pid)
{
        for (int i = 0; i < 500; i++) {
                pid_t w = waitpid(pid, NULL, WNOHANG);
                if (w == pid || (w < 0 && errno != EINTR))
                        return;
                usleep(10000);
        }
        log_warn("berth-monitor (pid %d) did not detach", (int)pid);
}

typedef struct StartPlan {
        char id[65];
        char *name;
        char *image_id;
        char *ctr_dir, *exec_dir;
        char *log_path;
        json_t *request, *config, *host_config;
        bool tty, open_stdin, stdin_once;
} StartPlan;

static void plan_clear(StartPlan *p)
{
        free(p->name);
        free(p->image_id);
        free(p->ctr_dir);
        free(p->exec_dir);
        free(p->log_path);
        json_decref(p->request);
        json_decref(p->config);
        json_decref(p->host_config);
}

static int spawn_monitor(Engine *e, const StartPlan *p, int child_fd, pid_t *ret_pid,
                         BerthError **err)
{
        _cleanup_strv_free_ char **argv = NULL;
        char fdbuf[16];
        snprintf(fdbuf, sizeof(fdbuf), "%d", 3);
        _cleanup_free_ char *bundle = strdup(p->ctr_dir);
        if (!bundle)
                return -ENOMEM;
        const char *fixed[] = {e->monitor_path, "--id",      p->id,       "--bundle",
                               bundle,          "--dir",     p->exec_dir, "--runtime-root",
                               e->runtime_root, "--sync-fd", fdbuf};
        for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
                if (strv_append(&argv, fixed[i]) < 0)
                        return -ENOMEM;
        if (p->log_path) {
                strv_append(&argv, "--log-path");
                strv_append(&argv, p->log_path);
                json_t *lc =
                    json_object_get(json_object_get(p->host_config, "LogConfig"), "Config");
                const char *ms = json_string_value(json_object_get(lc, "max-size"));
                const char *mf = json_string_value(json_object_get(lc, "max-file"));
                char buf[32];
                if (ms && parse_size(ms) > 0) {
                        snprintf(buf, sizeof(buf), "%lld", parse_size(ms));
                        strv_append(&argv, "--log-max-size");
                        strv_append(&argv, buf);
                }
                if (mf && atoi(mf) > 0) {
                        strv_append(&argv, "--log-max-file");
                        strv_append(&argv, mf);
                }
        }
        if (p->tty)
                strv_append(&argv, "--tty");
        if (p->open_stdin)
                strv_append(&argv, "--stdin");
        if (p->stdin_once)
                strv_append(&argv, "--stdin-once");

        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_RDWR, 0);
        posix_spawn_file_actions_adddup2(&fa, child_fd, 3);
        posix_spawnattr_t at;
        posix_spawnattr_init(&at);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&at, &none);
        posix_spawnattr_setsigdefault(&at, &all);
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        pid_t pid;
        char sealed[32];
        snprintf(sealed, sizeof(sealed), "/proc/self/fd/%d", e->monitor_memfd);
        int r = posix_spawn(&pid, e->monitor_memfd >= 0 ? sealed : e->monitor_path, &fa, &at, argv,
                            environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        if (r != 0)
                return error_set_errno(err, r, "run %s", e->monitor_path);
        *ret_pid = pid;
        return 0;
}

static void clean_exec_dir(const char *dir)
{
        const char *files[] = {MONITOR_PID_FILE, MONITOR_ATTACH_SOCK, MONITOR_CTL_SOCK,
                               MONITOR_EXIT_FILE};
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                char p[PATH_MAX];
                snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
                unlink(p);
        }
}

/* Records a failed start on c (under lock). */
static void start_failed_locked(Engine *e, Ctr *c, const BerthError *why, int code)
{
        free(c->error);
        c->error = strdup(why && why->message ? why->message : "start failed");
        c->exit_code = code == -ENOENT ? 127 : code == -EACCES ? 126 : 128;
        c->pid = 0;
        c->monitor_pid = 0;
        if (c->state == ENGINE_RESTARTING || c->state == ENGINE_RUNNING)
                c->state = ENGINE_EXITED;
        engine_save_locked(e, c);
        pthread_cond_broadcast(&e->cond);
}

int engine_start_held(Engine *e, Ctr *c, BerthError **err)
{
        StartPlan p = {0};
        int r;
        _cleanup_error_ BerthError *why = NULL;
        _cleanup_close_ int sync_fd = -1;
        _cleanup_free_ char *rootfs = NULL, *cfg_path = NULL;
        _cleanup_json_ json_t *created = NULL, *started = NULL;
        pid_t mon_pid = 0;
        bool net_prepared = false;
        bool plain_error = false; /* why is Docker's own message, unprefixed */
        _cleanup_(engine_links_clear) EngineLinks links = {0};

        pthread_mutex_lock(&e->lock);
        memcpy(p.id, c->id, 65);
        p.name = strdup(c->name);
        p.image_id = strdup(c->image_id);
        p.request = json_incref(c->request);
        p.config = json_incref(c->config);
        p.host_config = json_incref(c->host_config);
        p.log_path = engine_log_path(e, c);
        pthread_mutex_unlock(&e->lock);
        p.ctr_dir = engine_ctr_dir(e, p.id);
        p.exec_dir = engine_ctr_exec_dir(e, p.id);
        p.tty = json_is_true(json_object_get(p.config, "Tty"));
        p.open_stdin = json_is_true(json_object_get(p.config, "OpenStdin"));
        p.stdin_once = json_is_true(json_object_get(p.config, "StdinOnce"));
        if (!p.name || !p.image_id || !p.ctr_dir || !p.exec_dir) {
                r = error_set(&why, ENOMEM, "out of memory");
                goto fail;
        }
        if (!e->monitor_path) {
                r = error_set(&why, ENOENT,
                              "berth-monitor not found (next to berthd, ../monitor/ or "
                              "/usr/libexec/berth/)");
                goto fail;
        }

        /* Linked containers must run now: their addresses go into the
         * environment and /etc/hosts. */
        r = engine_links_resolve(e, p.name, p.host_config, &links, &why);
        if (r < 0) {
                plain_error = true;
                goto fail;
        }

        r = img_store_container_mount(e->images, p.image_id, p.id, p.ctr_dir, &rootfs, &why);
        if (r < 0) {
                error_prefix(&why, "mount the root filesystem");
                goto fail;
        }
        if (asprintf(&cfg_path, "%s/config.json", p.ctr_dir) < 0) {
                r = -ENOMEM;
                goto fail_mounted;
        }
        /* The bundle is written without fsync (see write_file_replace): after a
         * power loss it may be missing or empty, and is then made again. */
        struct stat cfg_st;
        if (needs_rebuild(p.host_config) || stat(cfg_path, &cfg_st) < 0 || cfg_st.st_size == 0) {
                ImgImage *img = NULL;
                r = img_store_get(e->images, p.image_id, &img, &why);
                if (r >= 0) {
                        r = write_bundle(e, p.id, p.name, p.request, p.config, img->config, rootfs,
                                         p.ctr_dir, links.env, &why);
                        img_image_free(img);
                }
                if (r < 0)
                        goto fail_mounted;
        }

        r = mkdir_p(p.exec_dir, 0700, &why);
        if (r < 0)
                goto fail_mounted;
        clean_exec_dir(p.exec_dir);
        {
                char st[PATH_MAX];
                snprintf(st, sizeof(st), "%s/%s", e->runtime_root, p.id);
                if (access(st, F_OK) == 0)
                        rt_container_delete(e->runtime_root, p.id, true, NULL);
        }

        /* Addresses and host ports before the monitor reads the bundle. */
        r = engine_net_prepare(e, c, p.ctr_dir, links.hosts, &why);
        if (r < 0)
                goto fail_mounted;
        net_prepared = true;

        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
                r = error_set_errno(&why, errno, "socketpair");
                goto fail_mounted;
        }
        sync_fd = sv[0];
        pid_t child = 0;
        r = spawn_monitor(e, &p, sv[1], &child, &why);
        close(sv[1]);
        if (r < 0)
                goto fail_mounted;

        r = recv_msg(sync_fd, MONITOR_CREATED_TIMEOUT_MS, &created, &why);
        reap(child);
        if (r < 0)
                goto fail_mounted;
        pid_t init_pid = (pid_t)json_integer_value(json_object_get(created, "pid"));
        mon_pid = (pid_t)json_integer_value(json_object_get(created, "monitor_pid"));

        /* The namespaces exist, the process has not started: plug it in. */
        r = engine_net_plug(e, p.id, init_pid, &why);
        if (r < 0)
                goto fail_mounted;
        pthread_mutex_lock(&e->lock);
        c->pid = init_pid;
        engine_net_cache_locked(e, c);
        pthread_mutex_unlock(&e->lock);

        /* Let attach clients that wait for this start connect first. */
        pthread_mutex_lock(&e->lock);
        c->starts++;
        c->pid = init_pid;
        c->monitor_pid = mon_pid;
        pthread_cond_broadcast(&e->cond);
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += ATTACH_WAIT_MS / 1000;
        while (c->pending_attach > 0 && !e->stopping)
                if (pthread_cond_timedwait(&e->cond, &e->lock, &dl) == ETIMEDOUT) {
                        log_warn("container %.12s: %u attach clients did not connect", c->id,
                                 c->pending_attach);
                        c->pending_attach = 0;
                        break;
                }
        pthread_mutex_unlock(&e->lock);

        static const char start_msg[] = "{\"op\":\"start\"}";
        if (send(sync_fd, start_msg, sizeof(start_msg) - 1, MSG_NOSIGNAL) < 0) {
                r = error_set_errno(&why, errno, "send start to berth-monitor");
                goto fail_mounted;
        }
        r = recv_msg(sync_fd, MONITOR_STARTED_TIMEOUT_MS, &started, &why);
        if (r < 0)
                goto fail_mounted;
        pid_t spid = (pid_t)json_integer_value(json_object_get(started, "pid"));

        pthread_mutex_lock(&e->lock);
        c->state = ENGINE_RUNNING;
        if (spid > 0)
                c->pid = spid;
        c->started_at = engine_now_ns();
        c->exit_code = 0;
        c->oom_killed = false;
        free(c->error);
        c->error = NULL;
        r = engine_watch_locked(e, c);
        if (r < 0)
                log_warn("container %.12s: cannot watch its monitor (pid %d): %s", c->id,
                         (int)mon_pid, strerror(-r));
        engine_save_locked(e, c);
        engine_ctr_event_locked(e, c, "start", NULL);
        pthread_cond_broadcast(&e->cond);
        pthread_mutex_unlock(&e->lock);
        log_debug("container %.12s started, pid %d, monitor %d", p.id, (int)c->pid, (int)mon_pid);
        plan_clear(&p);
        return 0;

fail_mounted:
        if (net_prepared) {
                engine_net_unplug(e, p.id);
                pthread_mutex_lock(&e->lock);
                json_decref(TAKE_PTR(c->net_settings));
                json_decref(TAKE_PTR(c->net_ports));
                pthread_mutex_unlock(&e->lock);
        }
        if (sync_fd >= 0) {
                /* EOF before "start" makes the monitor delete the container */
                close(TAKE_FD(sync_fd));
        }
        if (mon_pid > 0) {
                /* let the failing monitor clean up and let go of the rootfs */
                int pfd = (int)syscall(SYS_pidfd_open, mon_pid, 0);
                if (pfd >= 0) {
                        struct pollfd pp = {.fd = pfd, .events = POLLIN};
                        poll(&pp, 1, 5000);
                        close(pfd);
                }
        }
        {
                _cleanup_error_ BerthError *uerr = NULL;
                /* give a failing monitor a moment to let go of the rootfs */
                if (img_store_container_unmount(e->images, p.ctr_dir, &uerr) < 0) {
                        usleep(100000);
                        error_free(TAKE_PTR(uerr));
                        if (img_store_container_unmount(e->images, p.ctr_dir, &uerr) < 0)
                                log_warn("container %.12s: %s", p.id, uerr->message);
                }
        }
fail:
        pthread_mutex_lock(&e->lock);
        start_failed_locked(e, c, why, r);
        pthread_mutex_unlock(&e->lock);
        log_debug("container %.12s: start failed: %s", p.id, why ? why->message : "?");
        if (why && plain_error) {
                error_set(err, why->code, "%s", why->message);
        } else if (why) {
                int code = why->code;
                if (code == ENOENT || code == EACCES)
                        code = EINVAL; /* Docker: 400 for a command that cannot run */
                /* Go's lowercase error strings: the docker client maps
                 * "no such file or directory" to 127 and "permission
                 * denied" to 126 */
                _cleanup_free_ char *msg = strdup(why->message ? why->message : "failed");
                const char *pairs[][2] = {
                    {"No such file or directory", "no such file or directory"},
                    {"Permission denied", "permission denied"}};
                for (size_t i = 0; msg && i < ARRAY_SIZE(pairs); i++) {
                        char *at = strstr(msg, pairs[i][0]);
                        if (at)
                                memcpy(at, pairs[i][1], strlen(pairs[i][1]));
                }
                error_set(err, code, "failed to create task for container: %s",
                          msg ? msg : "failed");
        } else {
                error_set(err, -r, "start container %.12s failed", p.id);
        }
        plan_clear(&p);
        return r < 0 ? r : -EIO;
}

int engine_start(Engine *e, const char *name, BerthError **err)
{
        pthread_mutex_lock(&e->lock);
        Ctr *c;
        int r = engine_take_locked(e, name, &c, err);
        if (r < 0) {
                pthread_mutex_unlock(&e->lock);
                return r;
        }
        if (c->state == ENGINE_RUNNING) {
                engine_release_locked(e, c);
                r = 1;
                goto out;
        }
        if (c->state == ENGINE_PAUSED) {
                engine_release_locked(e, c);
                r = error_set(err, EEXIST, "cannot start a paused container, try unpause instead");
                goto out;
        }
        if (c->state == ENGINE_REMOVING || c->state == ENGINE_DEAD) {
                engine_release_locked(e, c);
                r = error_set(err, EEXIST, "container is marked for removal and cannot be started");
                goto out;
        }
        c->restart_gen++; /* cancels a pending restart */
        c->manually_stopped = false;
        c->backoff_ms = 0;
        pthread_mutex_unlock(&e->lock);
        r = engine_start_held(e, c, err);
        pthread_mutex_lock(&e->lock);
        engine_release_locked(e, c);
out:
        ctr_unref(c);
        pthread_mutex_unlock(&e->lock);
        return r;
}
