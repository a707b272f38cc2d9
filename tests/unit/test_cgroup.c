/* Unit tests for src/runtime/cgroup*.c: value conversions, path resolution,
 * detection, the exact values written on fake v1 and v2 trees, the v2
 * device program (run by a small interpreter here and, as root, by the
 * kernel), and a live container-like cycle on the host's cgroups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/fileutil.h"
#include "runtime/cgroup.h"
#include "runtime/cgroup_internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* ---------- fake trees ---------- */

typedef struct Fake {
        char root[64];
        bool v2;
        char *log[256]; /* "memory/berth/c1/memory.limit_in_bytes=104857600" */
        size_t n_log;
} Fake;

static Fake fake;

static void put(const char *dir, const char *file, const char *content)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs(content, f);
        fclose(f);
}

static void putf(const char *rel, const char *content)
{
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/%s", fake.root, rel);
        char *slash = strrchr(dir, '/');
        *slash = '\0';
        put(dir, slash + 1, content);
}

static char *get(const char *rel)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", fake.root, rel);
        char *buf = NULL;
        size_t len = 0;
        if (read_file(path, &buf, &len, NULL) < 0)
                return NULL;
        while (len > 0 && buf[len - 1] == '\n')
                buf[--len] = '\0';
        return buf;
}

#define assert_file(rel, want)                                                                     \
        do {                                                                                       \
                char *_got = get(rel);                                                             \
                assert_non_null(_got);                                                             \
                assert_string_equal(_got, want);                                                   \
                free(_got);                                                                        \
        } while (0)

static bool exists(const char *rel)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", fake.root, rel);
        return access(path, F_OK) == 0;
}

/* The knob files the kernel would show in a new directory. */
static void populate(const char *dir, const char *hier)
{
        put(dir, "cgroup.procs", "");
        if (fake.v2 || STREQ(hier, "unified")) {
                put(dir, "cgroup.controllers",
                    fake.v2 ? "cpuset cpu io memory pids hugetlb\n" : "hugetlb\n");
                put(dir, "cgroup.subtree_control", "");
                put(dir, "cgroup.events", "populated 0\nfrozen 0\n");
                put(dir, "cgroup.freeze", "0\n");
                put(dir, "cgroup.kill", "");
                put(dir, "hugetlb.2MB.max", "max\n");
                if (!fake.v2)
                        return;
                static const char *const files[] = {
                    "memory.max",  "memory.low", "memory.swap.max", "memory.high",
                    "cpu.weight",  "cpu.max",    "cpu.max.burst",   "cpuset.cpus",
                    "cpuset.mems", "pids.max",   "io.weight",       "io.max"};
                for (size_t i = 0; i < ARRAY_SIZE(files); i++)
                        put(dir, files[i], "");
                put(dir, "memory.events", "low 0\nhigh 0\nmax 4\noom 3\noom_kill 3\n");
                return;
        }
        if (STREQ(hier, "cpu,cpuacct")) {
                put(dir, "cpu.shares", "1024\n");
                put(dir, "cpu.cfs_period_us", "100000\n");
                put(dir, "cpu.cfs_quota_us", "-1\n");
        } else if (STREQ(hier, "cpuset")) {
                put(dir, "cpuset.cpus", "\n");
                put(dir, "cpuset.mems", "\n");
        } else if (STREQ(hier, "memory")) {
                put(dir, "memory.limit_in_bytes", "9223372036854771712\n");
                put(dir, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
                put(dir, "memory.soft_limit_in_bytes", "9223372036854771712\n");
                put(dir, "memory.swappiness", "60\n");
                put(dir, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        } else if (STREQ(hier, "devices")) {
                put(dir, "devices.allow", "");
                put(dir, "devices.deny", "");
        } else if (STREQ(hier, "freezer")) {
                put(dir, "freezer.state", "THAWED\n");
        } else if (STREQ(hier, "blkio")) {
                static const char *const files[] = {"blkio.weight",
                                                    "blkio.weight_device",
                                                    "blkio.throttle.read_bps_device",
                                                    "blkio.throttle.write_bps_device",
                                                    "blkio.throttle.read_iops_device",
                                                    "blkio.throttle.write_iops_device"};
                for (size_t i = 0; i < ARRAY_SIZE(files); i++)
                        put(dir, files[i], "");
        } else if (STREQ(hier, "pids")) {
                put(dir, "pids.max", "max\n");
        } else if (STREQ(hier, "hugetlb")) {
                put(dir, "hugetlb.2MB.limit_in_bytes", "\n");
        }
}

static void on_mkdir(const char *dir, void *userdata)
{
        size_t rl = strlen(fake.root);
        assert_memory_equal(dir, fake.root, rl);
        char hier[64] = "";
        if (!fake.v2)
                sscanf(dir + rl + 1, "%63[^/]", hier);
        populate(dir, hier);
}

static void on_write(const char *path, const char *value, void *userdata)
{
        size_t rl = strlen(fake.root);
        if (strncmp(path, fake.root, rl) != 0)
                return;
        char *entry = NULL;
        assert_true(asprintf(&entry, "%s=%s", path + rl + 1, value) > 0);
        assert_true(fake.n_log < ARRAY_SIZE(fake.log));
        fake.log[fake.n_log++] = entry;
        /* the kernel reports the freeze it was asked for */
        const char *base = strrchr(path, '/') + 1;
        if (STREQ(base, "cgroup.freeze")) {
                char dir[512];
                snprintf(dir, sizeof(dir), "%.*s", (int)(base - path - 1), path);
                put(dir, "cgroup.events",
                    STREQ(value, "1") ? "populated 1\nfrozen 1\n" : "populated 1\nfrozen 0\n");
        }
}

static ssize_t log_index(const char *entry)
{
        for (size_t i = 0; i < fake.n_log; i++)
                if (STREQ(fake.log[i], entry))
                        return (ssize_t)i;
        return -1;
}

static void log_clear(void)
{
        for (size_t i = 0; i < fake.n_log; i++)
                free(fake.log[i]);
        fake.n_log = 0;
}

/* rmdir as on cgroupfs: knob files do not count, subdirectories do. */
static int fake_rmdir(const char *path)
{
        _cleanup_closedir_ DIR *d = opendir(path);
        if (!d)
                return -1;
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && de->d_type == DT_DIR) {
                        errno = ENOTEMPTY;
                        return -1;
                }
        rewinddir(d);
        while ((de = readdir(d)))
                if (de->d_type == DT_REG) {
                        char f[800];
                        snprintf(f, sizeof(f), "%s/%s", path, de->d_name);
                        unlink(f);
                }
        return rmdir(path);
}

static int fake_statfs_v2(const char *path, struct statfs *buf)
{
        memset(buf, 0, sizeof(*buf));
        buf->f_type = CGROUP2_SUPER_MAGIC;
        return 0;
}

static const char *const v1_hiers[] = {"cpu,cpuacct", "cpuset",  "memory", "devices",
                                       "freezer",     "blkio",   "pids",   "hugetlb",
                                       "systemd",     "unified", NULL};

static int setup_v1(void **state)
{
        memset(&fake, 0, sizeof(fake));
        strcpy(fake.root, "/tmp/berth-cg-XXXXXX");
        assert_non_null(mkdtemp(fake.root));
        char mi[512], self[512];
        snprintf(mi, sizeof(mi), "%s/mountinfo", fake.root);
        snprintf(self, sizeof(self), "%s/self-cgroup", fake.root);
        char *cgroot = NULL;
        assert_true(asprintf(&cgroot, "%s/cg", fake.root) > 0);
        assert_int_equal(mkdir(cgroot, 0755), 0);
        FILE *f = fopen(mi, "we");
        assert_non_null(f);
        fprintf(f, "22 1 0:21 / /proc rw,nosuid - proc proc rw\n");
        fprintf(f, "30 22 0:27 / %s rw,relatime - tmpfs tmpfs rw,mode=755\n", cgroot);
        int id = 31;
        for (const char *const *h = v1_hiers; *h; h++, id++) {
                char dir[512];
                snprintf(dir, sizeof(dir), "%s/%s", cgroot, *h);
                assert_int_equal(mkdir(dir, 0755), 0);
                if (STREQ(*h, "unified")) {
                        fprintf(f, "%d 30 0:%d / %s rw,relatime shared:9 - cgroup2 cgroup2 rw\n",
                                id, id, dir);
                } else {
                        const char *opt = STREQ(*h, "systemd") ? "xattr,name=systemd" : *h;
                        fprintf(f, "%d 30 0:%d / %s rw,relatime shared:%d - cgroup cgroup rw,%s\n",
                                id, id, dir, id, opt);
                }
                populate(dir, *h);
        }
        /* a cgroup mount elsewhere must be ignored */
        fprintf(f, "90 1 0:90 / /elsewhere/memory rw - cgroup cgroup rw,memory\n");
        fclose(f);
        put(strcat(strcpy((char[512]){0}, cgroot), "/cpuset"), "cpuset.cpus", "0-3\n");
        put(strcat(strcpy((char[512]){0}, cgroot), "/cpuset"), "cpuset.mems", "0\n");
        f = fopen(self, "we");
        assert_non_null(f);
        fprintf(f, "9:name=systemd:/system.slice/berthd.service\n4:memory:/other\n0::/\n");
        fclose(f);
        /* fake.root now names the cgroup fs root; files above sit beside it */
        strcpy(fake.root, cgroot);
        free(cgroot);
        rt_cgroup_set_fs_root(fake.root);
        rt_cgroup_test_set_proc_files(mi, self);
        rt_cgroup_test_set_write_hook(on_write, NULL);
        rt_cgroup_test_set_mkdir_hook(on_mkdir, NULL);
        rt_cgroup_test_set_rmdir(fake_rmdir);
        rt_cg_settle_timeout_ms = 200;
        return 0;
}

static int setup_v2(void **state)
{
        memset(&fake, 0, sizeof(fake));
        fake.v2 = true;
        strcpy(fake.root, "/tmp/berth-cg2-XXXXXX");
        assert_non_null(mkdtemp(fake.root));
        populate(fake.root, "");
        char self[512];
        snprintf(self, sizeof(self), "%s.self", fake.root);
        put("/tmp", strrchr(self, '/') + 1, "0::/user.slice/session-1.scope\n");
        rt_cgroup_set_fs_root(fake.root);
        /* an empty mountinfo: nothing real may leak in */
        rt_cgroup_test_set_proc_files("/dev/null", self);
        rt_cgroup_test_set_statfs(fake_statfs_v2);
        rt_cgroup_test_set_write_hook(on_write, NULL);
        rt_cgroup_test_set_mkdir_hook(on_mkdir, NULL);
        rt_cgroup_test_set_rmdir(fake_rmdir);
        rt_cg_settle_timeout_ms = 200;
        return 0;
}

static int teardown_fake(void **state)
{
        log_clear();
        rt_cgroup_set_fs_root(NULL);
        rt_cgroup_test_set_proc_files(NULL, NULL);
        rt_cgroup_test_set_statfs(NULL);
        rt_cgroup_test_set_write_hook(NULL, NULL);
        rt_cgroup_test_set_mkdir_hook(NULL, NULL);
        rt_cgroup_test_set_rmdir(NULL);
        rt_cg_settle_timeout_ms = 5000;
        char top[512];
        snprintf(top, sizeof(top), "%s", fake.root);
        if (!fake.v2) {
                *strrchr(top, '/') = '\0'; /* the temp dir holding cg/ */
        } else {
                char self[560];
                snprintf(self, sizeof(self), "%s.self", fake.root);
                unlink(self);
        }
        assert_int_equal(rm_rf(top, NULL), 0);
        return 0;
}

/* ---------- conversions ---------- */

static void test_shares_to_weight(void **state)
{
        assert_int_equal(rt_cgroup_shares_to_weight(0), 0);
        assert_int_equal(rt_cgroup_shares_to_weight(2), 1);
        assert_int_equal(rt_cgroup_shares_to_weight(1024), 39);
        assert_int_equal(rt_cgroup_shares_to_weight(512), 20);
        assert_int_equal(rt_cgroup_shares_to_weight(262144), 10000);
        /* out of range values are clamped, not wrapped */
        assert_int_equal(rt_cgroup_shares_to_weight(1), 1);
        assert_int_equal(rt_cgroup_shares_to_weight(1000000), 10000);
}

static void test_blkio_to_io_weight(void **state)
{
        assert_int_equal(rt_cgroup_blkio_to_io_weight(0), 0);
        assert_int_equal(rt_cgroup_blkio_to_io_weight(10), 1);
        assert_int_equal(rt_cgroup_blkio_to_io_weight(100), 910);
        assert_int_equal(rt_cgroup_blkio_to_io_weight(500), 4950);
        assert_int_equal(rt_cgroup_blkio_to_io_weight(1000), 10000);
        assert_int_equal(rt_cgroup_blkio_to_io_weight(5), 1);
}

static void test_cpu_max(void **state)
{
        RtResources r = {0};
        char buf[64];
        rt_cgroup_cpu_max(&r, buf, sizeof(buf));
        assert_string_equal(buf, "");
        r.cpu.quota = (RtOpt){true, 50000};
        r.cpu.period = (RtOpt){true, 100000};
        rt_cgroup_cpu_max(&r, buf, sizeof(buf));
        assert_string_equal(buf, "50000 100000");
        r.cpu.quota = (RtOpt){true, -1};
        rt_cgroup_cpu_max(&r, buf, sizeof(buf));
        assert_string_equal(buf, "max 100000");
        r.cpu.quota = (RtOpt){false, 0};
        r.cpu.period = (RtOpt){true, 250000};
        rt_cgroup_cpu_max(&r, buf, sizeof(buf));
        assert_string_equal(buf, "max 250000");
        r.cpu.quota = (RtOpt){true, 25000};
        r.cpu.period = (RtOpt){false, 0};
        rt_cgroup_cpu_max(&r, buf, sizeof(buf));
        assert_string_equal(buf, "25000 100000");
}

static void test_swap_v2(void **state)
{
        _cleanup_error_ BerthError *err = NULL;
        int64_t v = 0;
        assert_int_equal(rt_cgroup_swap_v2(100, -1, &v, &err), 0);
        assert_int_equal(v, -1);
        assert_int_equal(rt_cgroup_swap_v2(-1, 0, &v, &err), 0);
        assert_int_equal(v, -1);
        assert_int_equal(rt_cgroup_swap_v2(100, 300, &v, &err), 0);
        assert_int_equal(v, 200);
        assert_int_equal(rt_cgroup_swap_v2(100, 100, &v, &err), 0);
        assert_int_equal(v, 0);
        assert_int_equal(rt_cgroup_swap_v2(200, 100, &v, &err), -EINVAL);
        assert_string_equal(err->message,
                            "cgroup: memory+swap limit 100 is lower than the memory limit 200");
        err = error_free(err);
        assert_int_equal(rt_cgroup_swap_v2(-1, 300, &v, &err), -EINVAL);
        err = error_free(err);
        assert_int_equal(rt_cgroup_swap_v2(0, 300, &v, &err), -EINVAL);
}

/* ---------- paths ---------- */

static void expect_path(const char *in, const char *id, const char *want)
{
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *p = NULL;
        int r = rt_cgroup_path_for(in, id, &p, &err);
        if (r < 0)
                fail_msg("path_for('%s'): %s", in ? in : "(null)", err ? err->message : "");
        assert_string_equal(p, want);
}

static void expect_path_error(const char *in, const char *id)
{
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *p = NULL;
        assert_int_equal(rt_cgroup_path_for(in, id, &p, &err), -EINVAL);
        assert_non_null(err);
        assert_null(p);
}

static void test_path_absolute_and_default(void **state)
{
        expect_path(NULL, "abc", "/berth/abc");
        expect_path("", "abc", "/berth/abc");
        expect_path("/a//b/./c/", "x", "/a/b/c");
        expect_path("/docker/123", "x", "/docker/123");
        expect_path_error("/a/../../etc", "x");
        expect_path_error(NULL, "a/b");
        expect_path_error(NULL, "..");
}

static void test_path_systemd(void **state)
{
        expect_path("system.slice:docker:abc", "x", "/system.slice/docker-abc.scope");
        expect_path("machine-test.slice:berth:c1", "x",
                    "/machine.slice/machine-test.slice/berth-c1.scope");
        expect_path(":berth:c1", "x", "/system.slice/berth-c1.scope");
        expect_path("-.slice::c1", "x", "/c1.scope");
        expect_path_error("notaslice:berth:c1", "x");
        expect_path_error("a--b.slice:berth:c1", "x");
        expect_path_error("system.slice:berth:", "x");
}

static void test_path_relative_v1(void **state)
{
        /* v1: under the name=systemd entry of /proc/self/cgroup */
        expect_path("foo/bar", "x", "/system.slice/berthd.service/foo/bar");
        expect_path("./c1", "x", "/system.slice/berthd.service/c1");
}

static void test_path_relative_v2(void **state)
{
        expect_path("c1", "x", "/user.slice/session-1.scope/c1");
}

/* ---------- detection ---------- */

static void test_detect_v1_mountinfo(void **state)
{
        _cleanup_error_ BerthError *err = NULL;
        RtCgroupMode mode = 0;
        assert_int_equal(rt_cgroup_detect(&mode, &err), 0);
        assert_int_equal(mode, RT_CGROUP_V1);
        RtCgHier *h = NULL;
        size_t n = 0;
        assert_int_equal(rt_cg_discover(&mode, &h, &n, &err), 0);
        assert_int_equal(n, 10); /* /elsewhere/memory is not under the root */
        assert_string_equal(h[0].controllers, "cpu,cpuacct");
        assert_false(h[0].v2);
        assert_string_equal(h[8].controllers, "name=systemd");
        assert_true(h[9].v2);
        assert_true(h[9].optional);
        assert_string_equal(h[9].controllers, "hugetlb");
        rt_cg_hiers_free(h, n);
}

static void test_detect_v1_scan(void **state)
{
        /* no mountinfo entry under the root: the directories are the hierarchies */
        rt_cgroup_test_set_proc_files("/dev/null", NULL);
        _cleanup_error_ BerthError *err = NULL;
        RtCgroupMode mode = 0;
        RtCgHier *h = NULL;
        size_t n = 0;
        assert_int_equal(rt_cg_discover(&mode, &h, &n, &err), 0);
        assert_int_equal(mode, RT_CGROUP_V1);
        assert_int_equal(n, 10);
        bool systemd = false, joined = false;
        for (size_t i = 0; i < n; i++) {
                systemd |= STREQ(h[i].controllers, "name=systemd");
                joined |= STREQ(h[i].controllers, "cpu,cpuacct");
        }
        assert_true(systemd && joined);
        rt_cg_hiers_free(h, n);
}

static void test_detect_v2(void **state)
{
        _cleanup_error_ BerthError *err = NULL;
        RtCgroupMode mode = 0;
        assert_int_equal(rt_cgroup_detect(&mode, &err), 0);
        assert_int_equal(mode, RT_CGROUP_UNIFIED);
        /* without the statfs seam, a fake root with cgroup.controllers is v2 too */
        rt_cgroup_test_set_statfs(NULL);
        assert_int_equal(rt_cgroup_detect(&mode, &err), 0);
        assert_int_equal(mode, RT_CGROUP_UNIFIED);
}

/* ---------- v1 on the fake tree ---------- */

static RtCgroup *create_ok(const char *path, const RtResources *res, pid_t pid)
{
        _cleanup_error_ BerthError *err = NULL;
        RtCgroup *cg = NULL;
        int r = rt_cgroup_create(path, res, pid, &cg, &err);
        if (r < 0)
                fail_msg("create %s: %s", path, err ? err->message : "");
        return cg;
}

static void test_v1_create_layout_and_destroy(void **state)
{
        /* a pre-existing (empty) parent in one hierarchy must survive destroy */
        char keep[512];
        snprintf(keep, sizeof(keep), "%s/memory/keep", fake.root);
        assert_int_equal(mkdir(keep, 0755), 0);
        /* far above any pid_max: destroy signals what it finds there */
        RtCgroup *cg = create_ok("/keep/berth/c1", NULL, 2000000001);
        assert_int_equal(rt_cgroup_get_mode(cg), RT_CGROUP_V1);
        assert_string_equal(rt_cgroup_get_path(cg), "/keep/berth/c1");
        for (const char *const *h = v1_hiers; *h; h++) {
                char rel[256];
                snprintf(rel, sizeof(rel), "%s/keep/berth/c1/cgroup.procs", *h);
                assert_file(rel, "2000000001"); /* every hierarchy, the hybrid one too */
                putf(rel, "");                  /* and gone, as after the kernel's kill */
        }
        /* cpuset inherited level by level */
        assert_file("cpuset/keep/cpuset.cpus", "0-3");
        assert_file("cpuset/keep/berth/cpuset.mems", "0");
        assert_file("cpuset/keep/berth/c1/cpuset.cpus", "0-3");
        _cleanup_error_ BerthError *err = NULL;
        int r = rt_cgroup_destroy(cg, &err);
        if (r < 0)
                fail_msg("destroy: %s", err->message);
        rt_cgroup_free(cg);
        assert_false(exists("memory/keep/berth"));
        assert_true(exists("memory/keep")); /* was there before: not ours to remove */
        assert_false(exists("cpu,cpuacct/keep"));
        assert_false(exists("systemd/keep"));
        assert_false(exists("unified/keep"));
}

static void test_v1_memory(void **state)
{
        RtResources res = {0};
        res.memory.limit = (RtOpt){true, 104857600};
        res.memory.reservation = (RtOpt){true, 52428800};
        res.memory.swap = (RtOpt){true, 209715200};
        res.memory.swappiness = (RtOpt){true, 10};
        res.memory.disable_oom_killer = true;
        RtCgroup *cg = create_ok("/berth/c1", &res, 0);
        assert_file("memory/berth/c1/memory.limit_in_bytes", "104857600");
        assert_file("memory/berth/c1/memory.soft_limit_in_bytes", "52428800");
        assert_file("memory/berth/c1/memory.memsw.limit_in_bytes", "209715200");
        assert_file("memory/berth/c1/memory.swappiness", "10");
        assert_file("memory/berth/c1/memory.oom_control", "1");
        /* the current limit is above the new memsw: memory first */
        ssize_t lim = log_index("memory/berth/c1/memory.limit_in_bytes=104857600");
        ssize_t sw = log_index("memory/berth/c1/memory.memsw.limit_in_bytes=209715200");
        assert_true(lim >= 0 && sw > lim);

        /* raising both: memsw has to go first */
        log_clear();
        res.memory.limit = (RtOpt){true, 314572800};
        res.memory.swap = (RtOpt){true, 419430400};
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_cgroup_apply(cg, &res, &err), 0);
        lim = log_index("memory/berth/c1/memory.limit_in_bytes=314572800");
        sw = log_index("memory/berth/c1/memory.memsw.limit_in_bytes=419430400");
        assert_true(sw >= 0 && lim > sw);

        /* unlimited */
        res = (RtResources){0};
        res.memory.limit = (RtOpt){true, -1};
        assert_int_equal(rt_cgroup_apply(cg, &res, &err), 0);
        assert_file("memory/berth/c1/memory.limit_in_bytes", "-1");
        rt_cgroup_free(cg);
}

static void test_v1_memory_errors(void **state)
{
        RtResources res = {0};
        res.memory.limit = (RtOpt){true, 209715200};
        res.memory.swap = (RtOpt){true, 104857600};
        _cleanup_error_ BerthError *err = NULL;
        RtCgroup *cg = NULL;
        assert_int_equal(rt_cgroup_create("/berth/c1", &res, 0, &cg, &err), -EINVAL);
        assert_string_equal(
            err->message,
            "cgroup: memory+swap limit 104857600 is lower than the memory limit 209715200");
        assert_null(cg);
        /* nothing is left behind after a failed create */
        assert_false(exists("memory/berth"));
        assert_false(exists("cpuset/berth"));
        assert_false(exists("unified/berth"));
        err = error_free(err);

        /* a refused write names the file and the value */
        cg = create_ok("/berth/c2", NULL, 0);
        char path[512];
        snprintf(path, sizeof(path), "%s/memory/berth/c2/memory.limit_in_bytes", fake.root);
        unlink(path);
        res = (RtResources){0};
        res.memory.limit = (RtOpt){true, 104857600};
        assert_int_equal(rt_cgroup_apply(cg, &res, &err), -ENOENT);
        assert_string_equal(err->message, "cgroup: write '104857600' to memory.limit_in_bytes: No "
                                          "such file or directory");
        rt_cgroup_free(cg);
}

static void test_v1_cpu_and_cpuset(void **state)
{
        RtResources res = {0};
        res.cpu.shares = (RtOpt){true, 512};
        res.cpu.quota = (RtOpt){true, 50000};
        res.cpu.period = (RtOpt){true, 200000};
        res.cpu.cpus = "0-1";
        res.cpu.mems = "0";
        RtCgroup *cg = create_ok("/berth/c1", &res, 0);
        assert_file("cpu,cpuacct/berth/c1/cpu.shares", "512");
        assert_file("cpu,cpuacct/berth/c1/cpu.cfs_period_us", "200000");
        assert_file("cpu,cpuacct/berth/c1/cpu.cfs_quota_us", "50000");
        assert_file("cpuset/berth/c1/cpuset.cpus", "0-1");
        assert_file("cpuset/berth/c1/cpuset.mems", "0");
        assert_file("cpuset/berth/cpuset.cpus", "0-3");
        /* period before quota */
        assert_true(log_index("cpu,cpuacct/berth/c1/cpu.cfs_period_us=200000") <
                    log_index("cpu,cpuacct/berth/c1/cpu.cfs_quota_us=50000"));
        _cleanup_error_ BerthError *err = NULL;
        res = (RtResources){0};
        res.cpu.quota = (RtOpt){true, -1};
        assert_int_equal(rt_cgroup_apply(cg, &res, &err), 0);
        assert_file("cpu,cpuacct/berth/c1/cpu.cfs_quota_us", "-1");
        rt_cgroup_free(cg);
}

static void test_v1_pids(void **state)
{
        RtResources res = {0};
        res.pids.limit = (RtOpt){true, 10};
        RtCgroup *cg = create_ok("/berth/c1", &res, 0);
        assert_file("pids/berth/c1/pids.max", "10");
        _cleanup_error_ BerthError *err = NULL;
        res.pids.limit = (RtOpt){true, 0};
        assert_int_equal(rt_cgroup_apply(cg, &res, &err), 0);
        assert_file("pids/berth/c1/pids.max", "max");
        res.pids.limit = (RtOpt){true, 5};
        assert_int_equal(rt_cgroup_apply(cg, &res, &err), 0);
        res.pids.limit = (RtOpt){true, -1};
        assert_int_equal(rt_cgroup_apply(cg, &res, &err), 0);
        assert_file("pids/berth/c1/pids.max", "max");
        rt_cgroup_free(cg);
}

static void test_v1_blkio(void **state)
{
        RtWeightDevice wd = {.major = 8, .minor = 0, .weight = {true, 300}};
        RtThrottleDevice rbps = {8, 0, 1048576}, wiops = {8, 16, 100};
        RtResources res = {0};
        res.blkio.weight = (RtOpt){true, 500};
        res.blkio.weight_device = &wd;
        res.blkio.n_weight_device = 1;
        res.blkio.throttle_read_bps = &rbps;
        res.blkio.n_throttle_read_bps = 1;
        res.blkio.throttle_write_iops = &wiops;
        res.blkio.n_throttle_write_iops = 1;
        RtCgroup *cg = create_ok("/berth/c1", &res, 0);
        assert_file("blkio/berth/c1/blkio.weight", "500");
        assert_file("blkio/berth/c1/blkio.weight_device", "8:0 300");
        assert_file("blkio/berth/c1/blkio.throttle.read_bps_device", "8:0 1048576");
        assert_file("blkio/berth/c1/blkio.throttle.write_iops_device", "8:16 100");
        /* no CFQ: BFQ's knob */
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/blkio/berth/c1", fake.root);
        char p[600];
        snprintf(p, sizeof(p), "%s/blkio.weight", dir);
        unlink(p);
        put(dir, "blkio.bfq.weight", "");
        _cleanup_error_ BerthError *err = NULL;
        res = (RtResources){0};
        res.blkio.weight = (RtOpt){true, 700};
        assert_int_equal(rt_cgroup_apply(cg, &res, &err), 0);
        assert_file("blkio/berth/c1/blkio.bfq.weight", "700");
        rt_cgroup_free(cg);
}

static void test_v1_devices(void **state)
{
        RtDeviceRule rules[] = {
            {.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
            {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},
            {.allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rw"},
            {.allow = false, .type = 'c', .major = 1, .minor = 3, .access = "w"},
        };
        RtResources res = {0};
        res.devices = rules;
        res.n_devices = ARRAY_SIZE(rules);
        RtCgroup *cg = create_ok("/berth/c1", &res, 0);
        const char *want[] = {
            "devices/berth/c1/devices.deny=a",          "devices/berth/c1/devices.deny=a *:* rwm",
            "devices/berth/c1/devices.allow=c 1:3 rwm", "devices/berth/c1/devices.allow=c 136:* rw",
            "devices/berth/c1/devices.deny=c 1:3 w",
        };
        ssize_t prev = -1;
        for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
                ssize_t at = log_index(want[i]);
                if (at <= prev)
                        fail_msg("'%s' missing or out of order", want[i]);
                prev = at;
        }
        rt_cgroup_free(cg);
}

static void test_v1_unified_refused_and_hugetlb(void **state)
{
        RtKeyValue kv = {"memory.high", "100M"};
        RtResources res = {0};
        res.unified = &kv;
        res.n_unified = 1;
        _cleanup_error_ BerthError *err = NULL;
        RtCgroup *cg = NULL;
        assert_int_equal(rt_cgroup_create("/berth/c1", &res, 0, &cg, &err), -ENOTSUP);
        assert_non_null(strstr(err->message, "needs cgroup v2"));
        assert_false(exists("memory/berth"));
        err = error_free(err);

        RtHugepageLimit hp = {"2MB", 4194304};
        res = (RtResources){0};
        res.hugepage_limits = &hp;
        res.n_hugepage_limits = 1;
        cg = create_ok("/berth/c1", &res, 0);
        assert_file("hugetlb/berth/c1/hugetlb.2MB.limit_in_bytes", "4194304");
        rt_cgroup_free(cg);
}

static void test_v1_hugetlb_on_hybrid_mount(void **state)
{
        /* like this host: no v1 hugetlb, the cgroup2 mount offers it */
        char mi[512], tmp[520];
        snprintf(mi, sizeof(mi), "%.*s/mountinfo", (int)(strrchr(fake.root, '/') - fake.root),
                 fake.root);
        snprintf(tmp, sizeof(tmp), "%s.new", mi);
        FILE *in = fopen(mi, "re"), *out = fopen(tmp, "we");
        assert_true(in && out);
        char line[1024];
        while (fgets(line, sizeof(line), in))
                if (!strstr(line, "/hugetlb "))
                        fputs(line, out);
        fclose(in);
        fclose(out);
        assert_int_equal(rename(tmp, mi), 0);
        RtHugepageLimit hp = {"2MB", 4194304};
        RtResources res = {0};
        res.hugepage_limits = &hp;
        res.n_hugepage_limits = 1;
        RtCgroup *cg = create_ok("/berth/c1", &res, 0);
        assert_file("unified/berth/c1/hugetlb.2MB.max", "4194304");
        assert_true(log_index("unified/cgroup.subtree_control=+hugetlb") >= 0);
        assert_true(log_index("unified/berth/cgroup.subtree_control=+hugetlb") >= 0);
        rt_cgroup_free(cg);
}

/* A thawed cgroup freezes and thaws again; file shows each state. */
static void assert_freeze_cycle(RtCgroup *cg, const char *file, const char *frozen_text,
                                const char *thawed_text)
{
        _cleanup_error_ BerthError *err = NULL;
        bool frozen = true;
        assert_int_equal(rt_cgroup_is_frozen(cg, &frozen, &err), 0);
        assert_false(frozen);
        assert_int_equal(rt_cgroup_freeze(cg, true, &err), 0);
        assert_file(file, frozen_text);
        assert_int_equal(rt_cgroup_is_frozen(cg, &frozen, &err), 0);
        assert_true(frozen);
        assert_int_equal(rt_cgroup_freeze(cg, false, &err), 0);
        assert_file(file, thawed_text);
}

static void test_v1_freeze_pids_oom_open(void **state)
{
        RtCgroup *cg = create_ok("/berth/c1", NULL, 0);
        _cleanup_error_ BerthError *err = NULL;
        assert_freeze_cycle(cg, "freezer/berth/c1/freezer.state", "FROZEN", "THAWED");

        putf("pids/berth/c1/cgroup.procs", "2000000012\n2000000034\n");
        pid_t *pids = NULL;
        size_t n = 0;
        assert_int_equal(rt_cgroup_pids(cg, &pids, &n, &err), 0);
        assert_int_equal(n, 2);
        assert_int_equal(pids[0], 2000000012);
        assert_int_equal(pids[1], 2000000034);
        free(pids);

        uint64_t ooms = 0;
        assert_int_equal(rt_cgroup_oom_kills(cg, &ooms, &err), 0);
        assert_int_equal(ooms, 2);
        rt_cgroup_free(cg);

        assert_int_equal(rt_cgroup_open("/berth/c1", &cg, &err), 0);
        assert_int_equal(rt_cgroup_get_mode(cg), RT_CGROUP_V1);
        rt_cgroup_free(cg);
        assert_int_equal(rt_cgroup_open("/berth/none", &cg, &err), -ENOENT);
}

/* ---------- v2 on the fake tree ---------- */

static void test_v2_resources(void **state)
{
        RtWeightDevice wd = {.major = 8, .minor = 0, .weight = {true, 100}};
        RtThrottleDevice rbps = {8, 0, 1048576}, wbps = {8, 0, 2097152};
        RtHugepageLimit hp = {"2MB", 4194304};
        RtKeyValue kv = {"memory.high", "157286400"};
        RtResources res = {0};
        res.memory.limit = (RtOpt){true, 104857600};
        res.memory.reservation = (RtOpt){true, 52428800};
        res.memory.swap = (RtOpt){true, 209715200};
        res.memory.swappiness = (RtOpt){true, 10}; /* ignored on v2 */
        res.cpu.shares = (RtOpt){true, 1024};
        res.cpu.quota = (RtOpt){true, 50000};
        res.cpu.period = (RtOpt){true, 100000};
        res.cpu.cpus = "0-1";
        res.cpu.mems = "0";
        res.pids.limit = (RtOpt){true, 0};
        res.blkio.weight = (RtOpt){true, 500};
        res.blkio.weight_device = &wd;
        res.blkio.n_weight_device = 1;
        res.blkio.throttle_read_bps = &rbps;
        res.blkio.n_throttle_read_bps = 1;
        res.blkio.throttle_write_bps = &wbps;
        res.blkio.n_throttle_write_bps = 1;
        res.hugepage_limits = &hp;
        res.n_hugepage_limits = 1;
        res.unified = &kv;
        res.n_unified = 1;
        RtCgroup *cg = create_ok("/berth/c1", &res, 2000000777);
        assert_int_equal(rt_cgroup_get_mode(cg), RT_CGROUP_UNIFIED);
        assert_file("berth/c1/memory.max", "104857600");
        assert_file("berth/c1/memory.low", "52428800");
        assert_file("berth/c1/memory.swap.max", "104857600");
        assert_file("berth/c1/cpu.weight", "39");
        assert_file("berth/c1/cpu.max", "50000 100000");
        assert_file("berth/c1/cpuset.cpus", "0-1");
        assert_file("berth/c1/cpuset.mems", "0");
        assert_file("berth/c1/pids.max", "max");
        assert_file("berth/c1/hugetlb.2MB.max", "4194304");
        assert_file("berth/c1/memory.high", "157286400");
        assert_file("berth/c1/cgroup.procs", "2000000777");
        assert_true(log_index("berth/c1/io.weight=default 4950") >= 0);
        assert_true(log_index("berth/c1/io.weight=8:0 910") >= 0);
        assert_true(log_index("berth/c1/io.max=8:0 rbps=1048576") >= 0);
        assert_true(log_index("berth/c1/io.max=8:0 wbps=2097152") >= 0);
        /* controllers enabled in each ancestor, never in the leaf */
        assert_true(log_index("cgroup.subtree_control=+memory") >= 0);
        assert_true(log_index("berth/cgroup.subtree_control=+memory") >= 0);
        assert_true(log_index("berth/cgroup.subtree_control=+io") >= 0);
        assert_true(log_index("berth/c1/cgroup.subtree_control=+memory") < 0);
        assert_false(exists("berth/c1/memory.swappiness"));

        _cleanup_error_ BerthError *err = NULL;
        res = (RtResources){0};
        res.memory.limit = (RtOpt){true, -1};
        res.cpu.quota = (RtOpt){true, -1};
        assert_int_equal(rt_cgroup_apply(cg, &res, &err), 0);
        assert_file("berth/c1/memory.max", "max");
        assert_file("berth/c1/memory.swap.max", "max");
        assert_file("berth/c1/cpu.max", "max 100000");
        rt_cgroup_free(cg);
}

static void test_v2_freeze_kill_oom(void **state)
{
        RtCgroup *cg = create_ok("/berth/c1", NULL, 0);
        _cleanup_error_ BerthError *err = NULL;
        assert_freeze_cycle(cg, "berth/c1/cgroup.freeze", "1", "0");
        assert_int_equal(rt_cgroup_kill_all(cg, SIGKILL, &err), 0);
        assert_file("berth/c1/cgroup.kill", "1");
        uint64_t ooms = 0;
        assert_int_equal(rt_cgroup_oom_kills(cg, &ooms, &err), 0);
        assert_int_equal(ooms, 3);
        rt_cgroup_free(cg);
}

static void test_v2_freeze_timeout(void **state)
{
        RtCgroup *cg = create_ok("/berth/c1", NULL, 0);
        rt_cgroup_test_set_write_hook(NULL, NULL); /* events never report frozen */
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_cgroup_freeze(cg, true, &err), -EBUSY);
        assert_non_null(strstr(err->message, "frozen 1"));
        assert_file("berth/c1/cgroup.freeze", "0"); /* rolled back */
        rt_cgroup_free(cg);
}

/* ---------- the device program ---------- */

/* Runs the program on one request: just the instructions we emit. */
static int run_prog(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t acc, uint32_t major,
                    uint32_t minor)
{
        uint32_t ctx[3] = {acc << 16 | type, major, minor};
        uint64_t r[11] = {0};
        for (size_t pc = 0, steps = 0; pc < n && steps < 10000; steps++) {
                const struct bpf_insn *i = &p[pc++];
                switch (i->code) {
                case BPF_LDX | BPF_MEM | BPF_W:
                        assert_int_equal(i->src_reg, BPF_REG_1);
                        assert_true(i->off >= 0 && i->off <= 8 && i->off % 4 == 0);
                        r[i->dst_reg] = ctx[i->off / 4];
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        r[i->dst_reg] = (uint32_t)r[i->dst_reg] & (uint32_t)i->imm;
                        break;
                case BPF_ALU | BPF_RSH | BPF_K:
                        r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
                        break;
                case BPF_ALU | BPF_MOV | BPF_X:
                        r[i->dst_reg] = (uint32_t)r[i->src_reg];
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_K:
                        r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
                        break;
                case BPF_JMP32 | BPF_JNE | BPF_K:
                        if ((uint32_t)r[i->dst_reg] != (uint32_t)i->imm)
                                pc += (size_t)i->off;
                        break;
                case BPF_JMP32 | BPF_JEQ | BPF_K:
                        if ((uint32_t)r[i->dst_reg] == (uint32_t)i->imm)
                                pc += (size_t)i->off;
                        break;
                case BPF_JMP32 | BPF_JNE | BPF_X:
                        if ((uint32_t)r[i->dst_reg] != (uint32_t)r[i->src_reg])
                                pc += (size_t)i->off;
                        break;
                case BPF_JMP | BPF_EXIT:
                        return (int)r[0];
                default:
                        fail_msg("unexpected opcode 0x%x at %zu", i->code, pc - 1);
                }
        }
        fail_msg("program ran off its end");
        return -1;
}

#define CHR BPF_DEVCG_DEV_CHAR
#define BLK BPF_DEVCG_DEV_BLOCK
#define RD  BPF_DEVCG_ACC_READ
#define WR  BPF_DEVCG_ACC_WRITE
#define MK  BPF_DEVCG_ACC_MKNOD

static void test_bpf_program_semantics(void **state)
{
        RtDeviceRule rules[] = {
            {.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
            {.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},
            {.allow = true, .type = 'c', .major = -1, .minor = -1, .access = "m"},
            {.allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rw"},
            {.allow = true, .type = 'b', .major = 8, .minor = 0, .access = "r"},
            {.allow = false, .type = 'c', .major = 1, .minor = 3, .access = "w"},
            {.allow = true, .type = 'c', .major = 3000000000LL, .minor = 1, .access = "r"},
        };
        struct bpf_insn *p = NULL;
        size_t n = 0;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_cg_bpf_devices_program(rules, ARRAY_SIZE(rules), &p, &n, &err), 0);
        assert_int_equal(run_prog(p, n, CHR, RD, 1, 3), 1);
        assert_int_equal(run_prog(p, n, CHR, RD | WR, 1, 3), 0); /* later deny of w wins */
        assert_int_equal(run_prog(p, n, CHR, WR, 1, 3), 0);
        assert_int_equal(run_prog(p, n, CHR, MK, 1, 3), 1);
        assert_int_equal(run_prog(p, n, CHR, RD, 1, 5), 0);
        assert_int_equal(run_prog(p, n, CHR, MK, 10, 200), 1); /* mknod of any char */
        assert_int_equal(run_prog(p, n, BLK, MK, 8, 0), 0);
        assert_int_equal(run_prog(p, n, CHR, RD | WR, 136, 7), 1);
        /* no single rule grants all three */
        assert_int_equal(run_prog(p, n, CHR, RD | WR | MK, 136, 7), 0);
        assert_int_equal(run_prog(p, n, BLK, RD, 8, 0), 1);
        assert_int_equal(run_prog(p, n, BLK, WR, 8, 0), 0);
        assert_int_equal(run_prog(p, n, BLK, RD, 136, 7), 0);
        assert_int_equal(run_prog(p, n, CHR, RD, 3000000000u, 1), 1);
        free(p);

        /* an allow-all rule last short-cuts everything before it */
        RtDeviceRule all[] = {
            {.allow = false, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},
            {.allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
        };
        assert_int_equal(rt_cg_bpf_devices_program(all, 2, &p, &n, &err), 0);
        assert_int_equal(n, 8);
        assert_int_equal(run_prog(p, n, CHR, RD, 1, 3), 1);
        free(p);
        /* no rules: deny */
        assert_int_equal(rt_cg_bpf_devices_program(NULL, 0, &p, &n, &err), 0);
        assert_int_equal(run_prog(p, n, CHR, RD, 1, 3), 0);
        free(p);
        RtDeviceRule bad = {.allow = true, .type = 'x', .major = -1, .minor = -1, .access = "r"};
        assert_int_equal(rt_cg_bpf_devices_program(&bad, 1, &p, &n, &err), -EINVAL);
}

/* ---------- live, on the host's cgroups (root) ---------- */

static bool live_ok(const char *what)
{
        struct statfs sf;
        if (geteuid() != 0) {
                printf("# skip %s: needs root\n", what);
                return false;
        }
        if (statfs("/sys/fs/cgroup", &sf) < 0 ||
            (sf.f_type != TMPFS_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC)) {
                printf("# skip %s: no cgroup filesystem at /sys/fs/cgroup\n", what);
                return false;
        }
        return true;
}

static pid_t spawn_sleeper(void)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                execl("/bin/sleep", "sleep", "60", (char *)NULL);
                _exit(127);
        }
        return pid;
}

/* Nothing named like top may remain anywhere under /sys/fs/cgroup. */
static void assert_gone_everywhere(const char *top)
{
        _cleanup_closedir_ DIR *d = opendir("/sys/fs/cgroup");
        assert_non_null(d);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                char p[512];
                snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s", de->d_name, top);
                if (access(p, F_OK) == 0)
                        fail_msg("%s is left behind", p);
        }
        char p[512];
        snprintf(p, sizeof(p), "/sys/fs/cgroup%s", top);
        assert_int_not_equal(access(p, F_OK), 0);
}

static void test_live_cycle(void **state)
{
        if (!live_ok("live cgroup cycle"))
                skip();
        char top[64], path[96];
        snprintf(top, sizeof(top), "/berth-test-%d", (int)getpid());
        snprintf(path, sizeof(path), "%s/ctr", top);
        RtResources res = {0};
        res.memory.limit = (RtOpt){true, 64 << 20};
        res.pids.limit = (RtOpt){true, 10};
        res.cpu.quota = (RtOpt){true, 50000};
        res.cpu.period = (RtOpt){true, 100000};
        pid_t child = spawn_sleeper();
        _cleanup_error_ BerthError *err = NULL;
        RtCgroup *cg = NULL;
        int r = rt_cgroup_create(path, &res, child, &cg, &err);
        if (r < 0) {
                kill(child, SIGKILL);
                waitpid(child, NULL, 0);
                fail_msg("create: %s", err->message);
        }
        RtCgroupMode mode = rt_cgroup_get_mode(cg);
        char buf[64] = "";
        _cleanup_free_ char *v = NULL;
        if (mode == RT_CGROUP_V1) {
                char dir[160];
                snprintf(dir, sizeof(dir), "/sys/fs/cgroup/memory%s", path);
                assert_int_equal(rt_cg_read(dir, "memory.limit_in_bytes", &v, &err), 0);
                assert_string_equal(v, "67108864");
                free(v);
                snprintf(dir, sizeof(dir), "/sys/fs/cgroup/pids%s", path);
                assert_int_equal(rt_cg_read(dir, "pids.max", &v, &err), 0);
                assert_string_equal(v, "10");
                free(v);
                snprintf(dir, sizeof(dir), "/sys/fs/cgroup/cpu%s", path);
                assert_int_equal(rt_cg_read(dir, "cpu.cfs_quota_us", &v, &err), 0);
                assert_string_equal(v, "50000");
                free(v);
                v = NULL;
        }
        snprintf(buf, sizeof(buf), "%d", (int)child);
        struct statfs sf;
        if (mode == RT_CGROUP_V1 && statfs("/sys/fs/cgroup/unified", &sf) == 0 &&
            sf.f_type == CGROUP2_SUPER_MAGIC) {
                /* hybrid: the pid is placed in the cgroup2 hierarchy too */
                char dir[160];
                snprintf(dir, sizeof(dir), "/sys/fs/cgroup/unified%s", path);
                assert_int_equal(rt_cg_read(dir, "cgroup.procs", &v, &err), 0);
                assert_string_equal(v, buf);
                free(v);
                v = NULL;
        }

        assert_int_equal(rt_cgroup_freeze(cg, true, &err), 0);
        bool frozen = false;
        assert_int_equal(rt_cgroup_is_frozen(cg, &frozen, &err), 0);
        assert_true(frozen);
        assert_int_equal(rt_cgroup_freeze(cg, false, &err), 0);
        assert_int_equal(rt_cgroup_is_frozen(cg, &frozen, &err), 0);
        assert_false(frozen);

        pid_t *pids = NULL;
        size_t n = 0;
        assert_int_equal(rt_cgroup_pids(cg, &pids, &n, &err), 0);
        assert_int_equal(n, 1);
        assert_int_equal(pids[0], child);
        free(pids);
        uint64_t ooms = 99;
        assert_int_equal(rt_cgroup_oom_kills(cg, &ooms, &err), 0);
        assert_int_equal(ooms, 0);

        assert_int_equal(rt_cgroup_kill_all(cg, SIGKILL, &err), 0);
        int status = 0;
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
        rt_cgroup_free(cg);
        assert_gone_everywhere(top);
}

static void test_live_destroy_kills_and_reopen(void **state)
{
        if (!live_ok("live destroy"))
                skip();
        char path[64];
        snprintf(path, sizeof(path), "/berth-test-%d-b", (int)getpid());
        pid_t child = spawn_sleeper();
        _cleanup_error_ BerthError *err = NULL;
        RtCgroup *cg = NULL;
        if (rt_cgroup_create(path, NULL, child, &cg, &err) < 0) {
                kill(child, SIGKILL);
                waitpid(child, NULL, 0);
                fail_msg("create: %s", err->message);
        }
        rt_cgroup_free(cg);
        /* as `delete` does: from the path kept in the state, a live process
         * still inside, frozen even */
        assert_int_equal(rt_cgroup_open(path, &cg, &err), 0);
        assert_int_equal(rt_cgroup_freeze(cg, true, &err), 0);
        assert_int_equal(rt_cgroup_destroy(cg, &err), 0);
        rt_cgroup_free(cg);
        int status = 0;
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFSIGNALED(status));
        assert_gone_everywhere(path);
}

static void test_live_bpf_device_filter(void **state)
{
        if (!live_ok("live device filter"))
                skip();
        RtCgroupMode mode;
        RtCgHier *h = NULL;
        size_t n = 0;
        assert_int_equal(rt_cg_discover(&mode, &h, &n, NULL), 0);
        const char *mnt = NULL;
        for (size_t i = 0; i < n; i++)
                if (h[i].v2)
                        mnt = h[i].mount;
        if (!mnt) {
                printf("# skip live device filter: no cgroup2 mount\n");
                rt_cg_hiers_free(h, n);
                skip();
        }
        char dir[256];
        snprintf(dir, sizeof(dir), "%s/berth-test-%d-bpf", mnt, (int)getpid());
        rt_cg_hiers_free(h, n);
        assert_int_equal(mkdir(dir, 0755), 0);
        /* everything but reading /dev/null (1:3) */
        RtDeviceRule rules[] = {
            {.allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
            {.allow = false, .type = 'c', .major = 1, .minor = 3, .access = "r"},
        };
        _cleanup_error_ BerthError *err = NULL;
        int r = rt_cg_bpf_devices_attach(dir, rules, 2, &err);
        if (r < 0) {
                rmdir(dir);
                fail_msg("attach: %s", err->message);
        }
        for (int round = 0; round < 2; round++) {
                pid_t pid = fork();
                assert_true(pid >= 0);
                if (pid == 0) {
                        char me[32];
                        snprintf(me, sizeof(me), "%d", (int)getpid());
                        if (rt_cg_write(dir, "cgroup.procs", me, NULL) < 0)
                                _exit(10);
                        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                        int e = errno;
                        int z = open("/dev/zero", O_RDONLY | O_CLOEXEC);
                        if (z < 0)
                                _exit(11);
                        if (round == 0)
                                _exit(fd < 0 && e == EPERM ? 0 : 12);
                        _exit(fd >= 0 ? 0 : 13);
                }
                int status = 0;
                assert_int_equal(waitpid(pid, &status, 0), pid);
                assert_true(WIFEXITED(status));
                assert_int_equal(WEXITSTATUS(status), 0);
                if (round == 0) {
                        /* replacing the program lifts the restriction */
                        RtDeviceRule open_all = {
                            .allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm"};
                        assert_int_equal(rt_cg_bpf_devices_attach(dir, &open_all, 1, &err), 0);
                }
        }
        assert_int_equal(rmdir(dir), 0);
}

/* ---------- stats ---------- */

static json_t *stats_of(RtCgroup *cg)
{
        _cleanup_error_ BerthError *err = NULL;
        json_t *j = NULL;
        if (rt_cgroup_stats(cg, &j, &err) < 0)
                fail_msg("stats: %s", err ? err->message : "");
        return j;
}

static json_int_t at(json_t *j, const char *a, const char *b, const char *c)
{
        json_t *v = json_object_get(json_object_get(j, a), b);
        if (c)
                v = json_object_get(v, c);
        if (!json_is_integer(v))
                fail_msg("%s.%s.%s is not an integer", a, b, c ? c : "");
        return json_integer_value(v);
}

static void test_v1_stats(void **state)
{
        RtCgroup *cg = create_ok("/berth/c1", NULL, 0);
        putf("cpu,cpuacct/berth/c1/cpuacct.usage", "5000\n");
        putf("cpu,cpuacct/berth/c1/cpuacct.usage_percpu", "3000 2000 \n");
        putf("cpu,cpuacct/berth/c1/cpuacct.stat", "user 3\nsystem 1\n");
        putf("cpu,cpuacct/berth/c1/cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 99\n");
        putf("memory/berth/c1/memory.usage_in_bytes", "4096\n");
        putf("memory/berth/c1/memory.max_usage_in_bytes", "8192\n");
        putf("memory/berth/c1/memory.limit_in_bytes", "104857600\n");
        putf("memory/berth/c1/memory.failcnt", "2\n");
        putf("memory/berth/c1/memory.stat", "cache 100\nrss 200\n");
        putf("pids/berth/c1/pids.current", "3\n");
        putf("blkio/berth/c1/blkio.throttle.io_service_bytes_recursive",
             "8:0 Read 512\n8:0 Write 1024\nTotal 1536\n");
        json_t *j = stats_of(cg);
        json_t *cpu = json_object_get(j, "cpu");
        assert_int_equal(at(cpu, "usage", "total", NULL), 5000);
        assert_int_equal(json_array_size(json_object_get(json_object_get(cpu, "usage"), "percpu")),
                         2);
        long hz = sysconf(_SC_CLK_TCK);
        assert_int_equal(at(cpu, "usage", "user", NULL), 3 * (1000000000 / hz));
        assert_int_equal(at(cpu, "usage", "kernel", NULL), 1 * (1000000000 / hz));
        assert_int_equal(at(cpu, "throttling", "throttled_periods", NULL), 4);
        assert_int_equal(at(j, "memory", "usage", "usage"), 4096);
        assert_int_equal(at(j, "memory", "usage", "max"), 8192);
        assert_int_equal(at(j, "memory", "usage", "limit"), 104857600);
        assert_int_equal(at(j, "memory", "usage", "failcnt"), 2);
        assert_int_equal(at(j, "memory", "cache", NULL), 100);
        assert_int_equal(at(j, "memory", "raw", "rss"), 200);
        assert_int_equal(at(j, "pids", "current", NULL), 3);
        assert_int_equal(at(j, "pids", "limit", NULL), 0); /* "max" */
        json_t *io = json_object_get(json_object_get(j, "blkio"), "ioServiceBytesRecursive");
        assert_int_equal(json_array_size(io), 2); /* the Total line is not a device */
        assert_string_equal(json_string_value(json_object_get(json_array_get(io, 1), "op")),
                            "Write");
        assert_int_equal(json_integer_value(json_object_get(json_array_get(io, 1), "value")), 1024);
        json_decref(j);
        rt_cgroup_free(cg);
}

static void test_v2_stats(void **state)
{
        RtResources res = {0};
        res.pids.limit = (RtOpt){true, 42};
        RtCgroup *cg = create_ok("/berth/c1", &res, 0);
        putf("berth/c1/cpu.stat", "usage_usec 7\nuser_usec 5\nsystem_usec 2\nnr_periods 1\n"
                                  "nr_throttled 1\nthrottled_usec 3\n");
        putf("berth/c1/memory.current", "4096\n");
        putf("berth/c1/memory.max", "max\n");
        putf("berth/c1/memory.stat", "anon 10\nfile 20\n");
        putf("berth/c1/pids.current", "2\n");
        putf("berth/c1/io.stat", "8:0 rbytes=512 wbytes=1024 rios=1 wios=2 dbytes=0 dios=0\n");
        json_t *j = stats_of(cg);
        json_t *cpu = json_object_get(j, "cpu");
        assert_int_equal(at(cpu, "usage", "total", NULL), 7000);
        assert_int_equal(at(cpu, "usage", "user", NULL), 5000);
        assert_int_equal(at(cpu, "throttling", "throttled_time", NULL), 3000);
        assert_int_equal(at(j, "memory", "usage", "usage"), 4096);
        assert_int_equal(at(j, "memory", "usage", "limit"), 0);
        assert_int_equal(at(j, "memory", "usage", "failcnt"), 4); /* memory.events max */
        assert_int_equal(at(j, "memory", "cache", NULL), 20);
        assert_int_equal(at(j, "pids", "current", NULL), 2);
        assert_int_equal(at(j, "pids", "limit", NULL), 42);
        json_t *ios = json_object_get(json_object_get(j, "blkio"), "ioServicedRecursive");
        assert_int_equal(json_array_size(ios), 2);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(ios, 1), "value")), 2);
        json_decref(j);
        rt_cgroup_free(cg);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_shares_to_weight),
            cmocka_unit_test(test_blkio_to_io_weight),
            cmocka_unit_test(test_cpu_max),
            cmocka_unit_test(test_swap_v2),
            cmocka_unit_test(test_path_absolute_and_default),
            cmocka_unit_test(test_path_systemd),
            cmocka_unit_test_setup_teardown(test_path_relative_v1, setup_v1, teardown_fake),
            cmocka_unit_test_setup_teardown(test_path_relative_v2, setup_v2, teardown_fake),
            cmocka_unit_test_setup_teardown(test_detect_v1_mountinfo, setup_v1, teardown_fake),
            cmocka_unit_test_setup_teardown(test_detect_v1_scan, setup_v1, teardown_fake),
            cmocka_unit_test_setup_teardown(test_detect_v2, setup_v2, teardown_fake),
            cmocka_unit_test_setup_teardown(test_v1_create_layout_and_destroy, setup_v1,
                                            teardown_fake),
            cmocka_unit_test_setup_teardown(test_v1_memory, setup_v1, teardown_fake),
            cmocka_unit_test_setup_teardown(test_v1_memory_errors, setup_v1, teardown_fake),
            cmocka_unit_test_setup_teardown(test_v1_cpu_and_cpuset, setup_v1, teardown_fake),
            cmocka_unit_test_setup_teardown(test_v1_pids, setup_v1, teardown_fake),
            cmocka_unit_test_setup_teardown(test_v1_blkio, setup_v1, teardown_fake),
            cmocka_unit_test_setup_teardown(test_v1_devices, setup_v1, teardown_fake),
            cmocka_unit_test_setup_teardown(test_v1_unified_refused_and_hugetlb, setup_v1,
                                            teardown_fake),
            cmocka_unit_test_setup_teardown(test_v1_hugetlb_on_hybrid_mount, setup_v1,
                                            teardown_fake),
            cmocka_unit_test_setup_teardown(test_v1_freeze_pids_oom_open, setup_v1, teardown_fake),
            cmocka_unit_test_setup_teardown(test_v2_resources, setup_v2, teardown_fake),
            cmocka_unit_test_setup_teardown(test_v2_freeze_kill_oom, setup_v2, teardown_fake),
            cmocka_unit_test_setup_teardown(test_v2_freeze_timeout, setup_v2, teardown_fake),
            cmocka_unit_test_setup_teardown(test_v1_stats, setup_v1, teardown_fake),
            cmocka_unit_test_setup_teardown(test_v2_stats, setup_v2, teardown_fake),
            cmocka_unit_test(test_bpf_program_semantics),
            cmocka_unit_test(test_live_cycle),
            cmocka_unit_test(test_live_destroy_kills_and_reopen),
            cmocka_unit_test(test_live_bpf_device_filter),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
