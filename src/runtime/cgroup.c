/* The container cgroup's life: create in every hierarchy, join, freeze,
 * signal, destroy. Resources are applied by cgroup_v1.c / cgroup_v2.c. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/cgroup_internal.h"

int rt_cg_settle_timeout_ms = 5000;
static RtCgMkdirHook mkdir_hook;
static void *mkdir_hook_data;
static RtCgRmdirFn rmdir_fn = rmdir;

void rt_cgroup_test_set_rmdir(RtCgRmdirFn fn)
{
        rmdir_fn = fn ? fn : rmdir;
}

void rt_cgroup_test_set_mkdir_hook(RtCgMkdirHook fn, void *userdata)
{
        mkdir_hook = fn;
        mkdir_hook_data = userdata;
}

static void sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

RtCgHier *rt_cg_hier_for(const RtCgroup *cg, const char *controller)
{
        if (cg->mode == RT_CGROUP_UNIFIED)
                return strncmp(controller, "name=", 5) == 0 ? NULL : &cg->h[0];
        for (size_t i = 0; i < cg->n; i++)
                if (!cg->h[i].v2 && rt_cg_controller_listed(cg->h[i].controllers, controller, ','))
                        return &cg->h[i];
        return NULL;
}

RtCgHier *rt_cg_hier_hybrid(const RtCgroup *cg)
{
        if (cg->mode != RT_CGROUP_V1)
                return NULL;
        for (size_t i = 0; i < cg->n; i++)
                if (cg->h[i].v2)
                        return &cg->h[i];
        return NULL;
}

/* Where the member processes are read: any hierarchy holds them all. */
static RtCgHier *primary(const RtCgroup *cg)
{
        static const char *const pref[] = {"pids", "memory", "freezer", "cpu", "name=systemd"};
        if (cg->mode == RT_CGROUP_UNIFIED)
                return &cg->h[0];
        for (size_t i = 0; i < ARRAY_SIZE(pref); i++) {
                RtCgHier *h = rt_cg_hier_for(cg, pref[i]);
                if (h)
                        return h;
        }
        for (size_t i = 0; i < cg->n; i++)
                if (!cg->h[i].v2)
                        return &cg->h[i];
        return &cg->h[0];
}

static void drop_hier(RtCgroup *cg, size_t i)
{
        RtCgHier *h = &cg->h[i];
        free(h->mount);
        free(h->mount_root);
        free(h->controllers);
        free(h->dir);
        memmove(h, h + 1, (cg->n - i - 1) * sizeof(*h));
        cg->n--;
}

RtCgroup *rt_cgroup_free(RtCgroup *cg)
{
        if (!cg)
                return NULL;
        rt_cg_hiers_free(cg->h, cg->n);
        free(cg->path);
        free(cg);
        return NULL;
}
DEFINE_CLEANUP(RtCgroup, rt_cgroup_free)

/* The detected hierarchies with each one's directory for path set. */
static int cg_new(const char *path, RtCgroup **ret, BerthError **err)
{
        _cleanup_(rt_cgroup_freep) RtCgroup *cg = calloc(1, sizeof(*cg));
        if (!cg)
                return error_set(err, ENOMEM, "out of memory");
        int r = rt_cg_normalize(path, &cg->path, err);
        if (r < 0)
                return r;
        if (STREQ(cg->path, "/"))
                return error_set(err, EINVAL, "cgroup: refusing to use the root cgroup");
        r = rt_cg_discover(&cg->mode, &cg->h, &cg->n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < cg->n; i++) {
                const char *m = cg->h[i].mount;
                size_t ml = strlen(m);
                if (asprintf(&cg->h[i].dir, "%.*s%s",
                             (int)(ml > 1 && m[ml - 1] == '/' ? ml - 1 : ml), m, cg->path) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        *ret = TAKE_PTR(cg);
        return 0;
}

/* mkdir -p of the container path in one hierarchy, counting the trailing
 * components created here so that destroy removes those and no others. */
static int mkdir_tracked(RtCgHier *h, const char *path, BerthError **err)
{
        size_t ml = strlen(h->mount);
        _cleanup_free_ char *dir = malloc(ml + strlen(path) + 1);
        if (!dir)
                return error_set(err, ENOMEM, "out of memory");
        memcpy(dir, h->mount, ml + 1);
        if (ml > 1 && dir[ml - 1] == '/')
                dir[--ml] = '\0';
        h->created = 0;
        for (const char *p = path; *p;) {
                const char *e = strchrnul(p + 1, '/');
                memcpy(dir + ml, p, (size_t)(e - p));
                ml += (size_t)(e - p);
                dir[ml] = '\0';
                p = e;
                if (mkdir(dir, 0755) == 0) {
                        h->created++;
                        if (mkdir_hook)
                                mkdir_hook(dir, mkdir_hook_data);
                } else if (errno == EEXIST)
                        h->created = 0;
                else
                        return error_set_errno(err, errno, "cgroup: create %s", dir);
        }
        return 0;
}

/* rmdir of the leaf and then of up to levels - 1 parents. A parent that is
 * busy (another container's sibling) is left in place. */
static int remove_dirs(const RtCgHier *h, int levels, BerthError **err)
{
        _cleanup_free_ char *dir = strdup(h->dir);
        if (!dir)
                return error_set(err, ENOMEM, "out of memory");
        for (int i = 0; i < levels; i++) {
                if (rmdir_fn(dir) < 0) {
                        if (i == 0 && errno != ENOENT)
                                return error_set_errno(err, errno, "cgroup: remove %s", dir);
                        if (i > 0)
                                break;
                }
                char *slash = strrchr(dir, '/');
                if (!slash || slash == dir)
                        break;
                *slash = '\0';
        }
        return 0;
}

static void remove_created(RtCgroup *cg)
{
        for (size_t i = 0; i < cg->n; i++)
                if (cg->h[i].created > 0)
                        remove_dirs(&cg->h[i], cg->h[i].created, NULL);
}

static const char *const v2_wanted[] = {"cpuset",  "cpu",  "io",   "memory", "pids",
                                        "hugetlb", "rdma", "misc", NULL};

int rt_cgroup_create(const char *path, const RtResources *res, pid_t pid, RtCgroup **ret,
                     BerthError **err)
{
        _cleanup_(rt_cgroup_freep) RtCgroup *cg = NULL;
        int r = cg_new(path, &cg, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < cg->n;) {
                RtCgHier *h = &cg->h[i];
                BerthError *e = NULL;
                r = mkdir_tracked(h, cg->path, &e);
                if (r >= 0 && !h->v2 && rt_cg_controller_listed(h->controllers, "cpuset", ','))
                        r = rt_cg_v1_cpuset_init(h, cg->path, &e);
                if (r >= 0 && cg->mode == RT_CGROUP_UNIFIED)
                        r = rt_cg_v2_enable_controllers(h, cg->path, v2_wanted, &e);
                if (r < 0 && h->optional) {
                        /* the hybrid cgroup2 mount only mirrors membership */
                        log_debug("cgroup: skipping %s: %s", h->mount, e ? e->message : "");
                        error_free(e);
                        if (h->created > 0)
                                remove_dirs(h, h->created, NULL);
                        drop_hier(cg, i);
                        continue;
                }
                if (r < 0) {
                        error_move(err, e);
                        remove_created(cg);
                        return r;
                }
                i++;
        }
        if (res && (r = rt_cgroup_apply(cg, res, err)) < 0) {
                remove_created(cg);
                return r;
        }
        if (pid > 0 && (r = rt_cgroup_add_pid(cg, pid, err)) < 0) {
                remove_created(cg);
                return r;
        }
        *ret = TAKE_PTR(cg);
        return 0;
}

int rt_cgroup_open(const char *path, RtCgroup **ret, BerthError **err)
{
        _cleanup_(rt_cgroup_freep) RtCgroup *cg = NULL;
        int r = cg_new(path, &cg, err);
        if (r < 0)
                return r;
        struct stat st;
        if (stat(primary(cg)->dir, &st) < 0)
                return error_set_errno(err, errno, "cgroup: open %s", cg->path);
        /* hierarchies where the directory is missing were skipped at create */
        for (size_t i = 0; i < cg->n;) {
                if (stat(cg->h[i].dir, &st) < 0)
                        drop_hier(cg, i);
                else
                        i++;
        }
        *ret = TAKE_PTR(cg);
        return 0;
}

const char *rt_cgroup_get_path(const RtCgroup *cg)
{
        return cg ? cg->path : NULL;
}

RtCgroupMode rt_cgroup_get_mode(const RtCgroup *cg)
{
        return cg->mode;
}

int rt_cgroup_apply(RtCgroup *cg, const RtResources *res, BerthError **err)
{
        if (!res)
                return 0;
        if (cg->mode == RT_CGROUP_UNIFIED)
                return rt_cg_v2_apply(cg, res, err);
        return rt_cg_v1_apply(cg, res, err);
}

int rt_cgroup_add_pid(RtCgroup *cg, pid_t pid, BerthError **err)
{
        for (size_t i = 0; i < cg->n; i++) {
                BerthError *e = NULL;
                int r = rt_cg_writef(cg->h[i].dir, "cgroup.procs", &e, "%d", (int)pid);
                if (r < 0 && cg->h[i].optional) {
                        log_debug("cgroup: %s", e ? e->message : "");
                        error_free(e);
                        continue;
                }
                if (r < 0) {
                        error_move(err, e);
                        return error_prefix(err, "add pid %d to %s (%s)", (int)pid, cg->path,
                                            cg->h[i].controllers);
                }
        }
        return 0;
}

static RtCgHier *freezer(const RtCgroup *cg, BerthError **err)
{
        RtCgHier *h = rt_cg_hier_for(cg, "freezer");
        if (!h)
                error_set(err, ENOTSUP, "cgroup: the freezer controller is not mounted");
        return h;
}

static int v1_freeze(RtCgHier *h, bool frozen, BerthError **err)
{
        const char *want = frozen ? "FROZEN" : "THAWED";
        long deadline = now_ms() + rt_cg_settle_timeout_ms;
        for (long delay = 1;; delay = delay < 10 ? delay * 2 : 10) {
                /* rewriting FROZEN retries tasks that were busy last time */
                int r = rt_cg_write(h->dir, "freezer.state", want, err);
                if (r < 0)
                        return r;
                _cleanup_free_ char *state = NULL;
                r = rt_cg_read(h->dir, "freezer.state", &state, err);
                if (r < 0)
                        return r;
                if (STREQ(state, want))
                        return 0;
                if (now_ms() > deadline)
                        break;
                sleep_ms(delay);
        }
        if (frozen)
                rt_cg_write(h->dir, "freezer.state", "THAWED", NULL);
        return error_set(err, EBUSY, "cgroup: freezer.state did not become %s within %d ms", want,
                         rt_cg_settle_timeout_ms);
}

static int v2_freeze(RtCgHier *h, bool frozen, BerthError **err)
{
        int r = rt_cg_write(h->dir, "cgroup.freeze", frozen ? "1" : "0", err);
        if (r < 0)
                return r;
        long deadline = now_ms() + rt_cg_settle_timeout_ms;
        for (long delay = 1;; delay = delay < 10 ? delay * 2 : 10) {
                uint64_t v = 0;
                BerthError *e = NULL;
                r = rt_cg_read_keyed(h->dir, "cgroup.events", "frozen", &v, &e);
                error_free(e);
                if (r < 0 || v == (frozen ? 1 : 0))
                        return 0; /* no "frozen" key: nothing to wait for */
                if (now_ms() > deadline)
                        break;
                sleep_ms(delay);
        }
        if (frozen)
                rt_cg_write(h->dir, "cgroup.freeze", "0", NULL);
        return error_set(err, EBUSY, "cgroup: cgroup.events did not report frozen %d within %d ms",
                         frozen ? 1 : 0, rt_cg_settle_timeout_ms);
}

int rt_cgroup_freeze(RtCgroup *cg, bool frozen, BerthError **err)
{
        if (cg->mode == RT_CGROUP_UNIFIED)
                return v2_freeze(&cg->h[0], frozen, err);
        RtCgHier *h = freezer(cg, err);
        return h ? v1_freeze(h, frozen, err) : -ENOTSUP;
}

int rt_cgroup_is_frozen(RtCgroup *cg, bool *ret, BerthError **err)
{
        _cleanup_free_ char *state = NULL;
        int r;
        if (cg->mode == RT_CGROUP_UNIFIED) {
                r = rt_cg_read(cg->h[0].dir, "cgroup.freeze", &state, err);
                if (r >= 0)
                        *ret = STREQ(state, "1");
                return r;
        }
        RtCgHier *h = freezer(cg, err);
        if (!h)
                return -ENOTSUP;
        r = rt_cg_read(h->dir, "freezer.state", &state, err);
        if (r >= 0)
                *ret = STREQ(state, "FROZEN");
        return r;
}

static int read_pids(const char *dir, pid_t **ret, size_t *ret_n, BerthError **err)
{
        _cleanup_free_ char *buf = NULL;
        int r = rt_cg_read(dir, "cgroup.procs", &buf, err);
        if (r < 0)
                return r;
        size_t n = 0, cap = 8;
        _cleanup_free_ pid_t *v = malloc(cap * sizeof(*v));
        if (!v)
                return error_set(err, ENOMEM, "out of memory");
        for (char *p = buf; *p;) {
                char *end = NULL;
                long pid = strtol(p, &end, 10);
                if (end == p)
                        break;
                if (n == cap) {
                        pid_t *nv = realloc(v, (cap *= 2) * sizeof(*v));
                        if (!nv)
                                return error_set(err, ENOMEM, "out of memory");
                        v = nv;
                }
                v[n++] = (pid_t)pid;
                p = end;
                while (*p == '\n')
                        p++;
        }
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

int rt_cgroup_pids(RtCgroup *cg, pid_t **ret, size_t *ret_n, BerthError **err)
{
        return read_pids(primary(cg)->dir, ret, ret_n, err);
}

int rt_cgroup_kill_all(RtCgroup *cg, int sig, BerthError **err)
{
        int r;
        if (sig == SIGKILL) {
                /* cgroup.kill (5.14) reaches processes forked while we iterate */
                for (size_t i = 0; i < cg->n; i++) {
                        if (!cg->h[i].v2 || !rt_cg_file_exists(cg->h[i].dir, "cgroup.kill"))
                                continue;
                        r = rt_cg_write(cg->h[i].dir, "cgroup.kill", "1", err);
                        if (r < 0)
                                return r;
                        if (cg->mode == RT_CGROUP_UNIFIED)
                                return 0;
                }
        }
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        r = rt_cgroup_pids(cg, &pids, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (kill(pids[i], sig) < 0 && errno != ESRCH)
                        return error_set_errno(err, errno, "cgroup: signal %d to pid %d", sig,
                                               (int)pids[i]);
        if (sig == SIGKILL) {
                /* a frozen task dies only once thawed */
                bool frozen = false;
                if (rt_cgroup_is_frozen(cg, &frozen, NULL) >= 0 && frozen)
                        rt_cgroup_freeze(cg, false, NULL);
        }
        return 0;
}

int rt_cgroup_oom_kills(RtCgroup *cg, uint64_t *ret, BerthError **err)
{
        RtCgHier *h = rt_cg_hier_for(cg, "memory");
        if (!h)
                return error_set(err, ENOTSUP, "cgroup: the memory controller is not mounted");
        if (cg->mode == RT_CGROUP_UNIFIED)
                return rt_cg_read_keyed(h->dir, "memory.events", "oom_kill", ret, err);
        return rt_cg_read_keyed(h->dir, "memory.oom_control", "oom_kill", ret, err);
}

static bool is_empty(RtCgroup *cg)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        if (rt_cgroup_pids(cg, &pids, &n, NULL) < 0)
                return true; /* already gone */
        return n == 0;
}

int rt_cgroup_destroy(RtCgroup *cg, BerthError **err)
{
        long deadline = now_ms() + rt_cg_settle_timeout_ms;
        long delay = 1;
        while (!is_empty(cg)) {
                rt_cgroup_kill_all(cg, SIGKILL, NULL);
                if (now_ms() > deadline)
                        break;
                sleep_ms(delay);
                delay = delay < 20 ? delay * 2 : 20;
        }
        int ret = 0;
        /* cgroup v1 removes a dead task a moment after it exits: retry busy */
        for (size_t i = 0; i < cg->n; i++) {
                int levels = cg->h[i].created > 1 ? cg->h[i].created : 1;
                for (;;) {
                        BerthError *e = NULL;
                        int r = remove_dirs(&cg->h[i], levels, &e);
                        if (r >= 0 || r != -EBUSY || now_ms() > deadline) {
                                if (r < 0 && ret == 0)
                                        ret = error_move(err, e);
                                else
                                        error_free(e);
                                break;
                        }
                        error_free(e);
                        sleep_ms(5);
                }
                cg->h[i].created = 0;
        }
        return ret;
}
