/* Tests for runtime/rootfs: mount option parsing, and (as root) real
 * containers' root filesystems built in fresh namespaces by the harness:
 * mounts, devices, pivot_root, masked and read-only paths, sysctls, errors,
 * and the same inside a user namespace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "runtime/rootfs.h"
#include "rootfs_harness.h"

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

/* ---- rt_mount_flags_parse ---------------------------------------------- */

static RtMountFlags parse(char **opts)
{
        RtMountFlags f;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_mount_flags_parse(opts, &f, &err), 0);
        assert_null(err);
        return f;
}

static void test_flags_basic(void **state)
{
        char *o[] = {"ro", "nosuid", "nodev", "noexec", NULL};
        RtMountFlags f = parse(o);
        assert_int_equal(f.flags, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        assert_int_equal(f.clear, 0);
        assert_int_equal(f.propagation, 0);
        assert_null(f.data);
        assert_false(f.bind);
        rt_mount_flags_done(&f);
}

static void test_flags_last_wins(void **state)
{
        char *o[] = {"ro", "rw", "nosuid", "suid", "dev", "nodev", "exec", NULL};
        RtMountFlags f = parse(o);
        assert_int_equal(f.flags, MS_NODEV);
        assert_int_equal(f.clear, MS_RDONLY | MS_NOSUID | MS_NOEXEC);
        rt_mount_flags_done(&f);
}

static void test_flags_bind(void **state)
{
        char *b[] = {"bind", NULL};
        RtMountFlags f = parse(b);
        assert_true(f.bind);
        assert_int_equal(f.flags, MS_BIND);
        char *rb[] = {"rbind", "ro", NULL};
        RtMountFlags g = parse(rb);
        assert_true(g.bind);
        assert_int_equal(g.flags, MS_BIND | MS_REC | MS_RDONLY);
}

static void test_flags_propagation(void **state)
{
        static const struct {
                const char *name;
                unsigned long want;
        } cases[] = {
            {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
            {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
            {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
            {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *o[] = {"rbind", (char *)cases[i].name, NULL};
                RtMountFlags f = parse(o);
                assert_int_equal(f.propagation, cases[i].want);
                /* propagation never leaks into the mount flags */
                assert_int_equal(f.flags, MS_BIND | MS_REC);
        }
}

static void test_flags_data(void **state)
{
        char *o[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
        RtMountFlags f = parse(o);
        assert_int_equal(f.flags, MS_NOSUID | MS_STRICTATIME);
        assert_string_equal(f.data, "mode=755,size=65536k");
        rt_mount_flags_done(&f);
        assert_null(f.data);
        char *d[] = {"newinstance", "ptmxmode=0666", "mode=0620", "gid=5", "noexec", NULL};
        RtMountFlags g = parse(d);
        assert_string_equal(g.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        assert_int_equal(g.flags, MS_NOEXEC);
        rt_mount_flags_done(&g);
}

static void test_flags_recursive(void **state)
{
        char *o[] = {"rbind", "rro", "rnosuid", "rnodev", "rexec", "rnoatime", NULL};
        RtMountFlags f = parse(o);
        /* the per-mount flags stay untouched: mount_setattr does the tree */
        assert_int_equal(f.flags, MS_BIND | MS_REC);
        assert_int_equal(f.clear, 0);
        assert_null(f.data);
        assert_true(f.rec_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                  MOUNT_ATTR_NOATIME));
        assert_true(f.rec_clear == (MOUNT_ATTR_NOEXEC | MOUNT_ATTR__ATIME));
        /* last one wins, and atime modes replace each other */
        char *p[] = {"rro", "rrw", "rnoatime", "rstrictatime", "rnosymfollow", "rsymfollow", NULL};
        RtMountFlags g = parse(p);
        assert_true(g.rec_set == MOUNT_ATTR_STRICTATIME);
        assert_true(g.rec_clear ==
                    (MOUNT_ATTR_RDONLY | MOUNT_ATTR__ATIME | MOUNT_ATTR_NOSYMFOLLOW));
        char *q[] = {"ratime", NULL};
        RtMountFlags h = parse(q);
        assert_true(h.rec_set == MOUNT_ATTR_RELATIME && h.rec_clear == MOUNT_ATTR__ATIME);
        /* every name is listed for `features` */
        bool seen_rro = false, seen_rnosymfollow = false;
        for (size_t i = 0; rt_mount_option_name(i); i++) {
                seen_rro |= STREQ(rt_mount_option_name(i), "rro");
                seen_rnosymfollow |= STREQ(rt_mount_option_name(i), "rnosymfollow");
        }
        assert_true(seen_rro && seen_rnosymfollow);
}

static void test_flags_atime(void **state)
{
        char *o[] = {"noatime", "nodiratime", "relatime", NULL};
        RtMountFlags f = parse(o);
        assert_int_equal(f.flags, MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
        char *c[] = {"relatime",    "norelatime",    "atime", "diratime",
                     "strictatime", "nostrictatime", NULL};
        RtMountFlags g = parse(c);
        assert_int_equal(g.flags, 0);
        assert_int_equal(g.clear, MS_RELATIME | MS_NOATIME | MS_NODIRATIME | MS_STRICTATIME);
}

static void test_flags_misc(void **state)
{
        char *o[] = {"sync", "dirsync", "mand", "lazytime", "remount", "defaults", NULL};
        RtMountFlags f = parse(o);
        assert_int_equal(f.flags,
                         MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK | MS_LAZYTIME | MS_REMOUNT);
        assert_null(f.data);
        char *c[] = {"sync", "async", "mand", "nomand", "lazytime", "nolazytime", NULL};
        RtMountFlags g = parse(c);
        assert_int_equal(g.flags, 0);
        assert_int_equal(g.clear, MS_SYNCHRONOUS | MS_MANDLOCK | MS_LAZYTIME);
}

static void test_flags_special(void **state)
{
        char *o[] = {"tmpcopyup", "mode=1777", NULL};
        RtMountFlags f = parse(o);
        assert_true(f.tmpcopyup);
        assert_false(f.idmap);
        assert_string_equal(f.data, "mode=1777");
        rt_mount_flags_done(&f);
        char *i[] = {"rbind", "idmap", NULL};
        RtMountFlags g = parse(i);
        assert_true(g.idmap);
        assert_null(g.data);
        char *r[] = {"ridmap", NULL};
        RtMountFlags h = parse(r);
        assert_true(h.idmap);
}

static void test_flags_empty(void **state)
{
        RtMountFlags f = parse(NULL);
        assert_int_equal(f.flags, 0);
        assert_null(f.data);
        char *o[] = {NULL};
        RtMountFlags g = parse(o);
        assert_int_equal(g.flags | g.clear | g.propagation, 0);
        rt_mount_flags_done(NULL);
}

/* ---- root scenarios ----------------------------------------------------- */

static const char *skip_reason(void)
{
        if (geteuid() != 0)
                return "needs root";
        if (access("/usr/bin/busybox", X_OK) != 0 && access("/bin/busybox", X_OK) != 0)
                return "needs busybox-static (/usr/bin/busybox)";
        return NULL;
}

#define SKIP_UNLESS_ROOT()                                                                         \
        do {                                                                                       \
                const char *why_ = skip_reason();                                                  \
                if (why_) {                                                                        \
                        printf("# skip: %s\n", why_);                                              \
                        skip();                                                                    \
                }                                                                                  \
        } while (0)

static void expect(const Harness *h, const char *name)
{
        const HarnessResult *fatal = harness_find(h, "fatal");
        const HarnessResult *r = harness_find(h, name);
        if (!r) {
                fail_msg("check '%s' did not run (child exit %d%s%s)", name, h->exit_status,
                         fatal ? ": " : "", fatal ? fatal->detail : "");
                return;
        }
        if (!r->ok)
                fail_msg("%s: %s", name, r->detail);
}

static void check_file(const char *name, const char *path, const char *want)
{
        char got[256];
        bool ok = harness_file_is(path, want, got, sizeof(got));
        harness_check(name, ok, "%s: got '%s', want '%s'", path, got, want);
}

static void check_chardev(const char *name, const char *path, unsigned maj, unsigned min,
                          mode_t mode, uid_t uid)
{
        struct stat st;
        if (stat(path, &st) < 0) {
                harness_check(name, false, "stat %s: %s", path, strerror(errno));
                return;
        }
        bool ok = S_ISCHR(st.st_mode) && major(st.st_rdev) == maj && minor(st.st_rdev) == min &&
                  (st.st_mode & 07777) == mode && st.st_uid == uid;
        harness_check(name, ok, "%s: mode %o dev %u:%u uid %u", path, st.st_mode, major(st.st_rdev),
                      minor(st.st_rdev), st.st_uid);
}

static void check_erofs_create(const char *name, const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        int e = errno;
        if (fd >= 0)
                close(fd);
        harness_check(name, fd < 0 && e == EROFS, "create %s: %s", path,
                      fd >= 0 ? "succeeded" : strerror(e));
}

static void check_fs(const char *name, const char *path, long want)
{
        long t = harness_fs_type(path);
        harness_check(name, t == want, "%s: f_type %lx, want %lx", path, t, want);
}

/* err is read after the call that filled it */
static bool step(const char *name, int r, BerthError **err)
{
        harness_check(name, r >= 0, "%s (%d)", *err && (*err)->message ? (*err)->message : "", r);
        return r >= 0;
}

/* Runs /bin/sh of the rootfs to show the result can run a program. */
static void check_exec(const char *name, const char *out)
{
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "echo from-sh > %s", out);
        pid_t pid = fork();
        if (pid == 0) {
                execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
                _exit(127);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        char got[64] = "";
        bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                  harness_file_is(out, "from-sh\n", got, sizeof(got));
        harness_check(name, ok, "status %d, output '%s'", status, got);
}

/* The full scenario: runc's default mounts plus binds, devices, masks. */
typedef struct FullCtx {
        char hostdata[256];
        char hostfile[256];
        char victim[256];
        char locked[256];
        bool host_cgroup2;
} FullCtx;

static Harness full_h;
static FullCtx full_ctx;

static char *o_proc[] = {"nosuid", "noexec", "nodev", NULL};
static char *o_dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
static char *o_pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                        "mode=0620", "gid=5",  NULL};
static char *o_shm[] = {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL};
static char *o_mq[] = {"nosuid", "noexec", "nodev", NULL};
static char *o_sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
static char *o_cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
static char *o_bind_ro[] = {"rbind", "ro", "rprivate", NULL};
static char *o_bind_file[] = {"bind", "ro", NULL};
static char *o_bind_rw[] = {"bind", "rw", "nosuid", NULL};
static char *o_bind_keep[] = {"bind", "ro", NULL};
static char *o_bind_loosen[] = {"bind", "suid", NULL};
static char *o_tmp[] = {"mode=755", NULL};
static char *o_copyup[] = {"tmpcopyup", "mode=755", NULL};
static char *masked[] = {"/proc/kcore", "/proc/timer_list", "/proc/nonexistent", "/masked_dir",
                         NULL};
static char *readonly[] = {"/proc/sys", "/rodir", "/nonexistent", NULL};

static void full_spec(RtSpec *s, RtMount *m, RtDevice *d, RtKeyValue *kv, FullCtx *c)
{
        size_t n = 0;
        m[n++] =
            (RtMount){.destination = "/proc", .type = "proc", .source = "proc", .options = o_proc};
        m[n++] =
            (RtMount){.destination = "/dev", .type = "tmpfs", .source = "tmpfs", .options = o_dev};
        m[n++] = (RtMount){
            .destination = "/dev/pts", .type = "devpts", .source = "devpts", .options = o_pts};
        m[n++] = (RtMount){
            .destination = "/dev/shm", .type = "tmpfs", .source = "shm", .options = o_shm};
        m[n++] = (RtMount){
            .destination = "/dev/mqueue", .type = "mqueue", .source = "mqueue", .options = o_mq};
        m[n++] =
            (RtMount){.destination = "/sys", .type = "sysfs", .source = "sysfs", .options = o_sys};
        m[n++] = (RtMount){
            .destination = "/sys/fs/cgroup", .type = "cgroup", .source = "cgroup", .options = o_cg};
        m[n++] = (RtMount){
            .destination = "/data", .type = "bind", .source = c->hostdata, .options = o_bind_ro};
        m[n++] = (RtMount){
            .destination = "/etc/hostfile.conf", .source = c->hostfile, .options = o_bind_file};
        m[n++] = (RtMount){.destination = "/data-rw", .source = c->hostdata, .options = o_bind_rw};
        m[n++] = (RtMount){
            .destination = "/keep", .type = "bind", .source = c->locked, .options = o_bind_keep};
        m[n++] = (RtMount){.destination = "/loosen",
                           .type = "bind",
                           .source = c->locked,
                           .options = o_bind_loosen};
        m[n++] =
            (RtMount){.destination = "/evil", .type = "tmpfs", .source = "tmpfs", .options = o_tmp};
        m[n++] = (RtMount){
            .destination = "/tmpcopy", .type = "tmpfs", .source = "tmpfs", .options = o_copyup};
        s->mounts = m;
        s->n_mounts = n;
        d[0] = (RtDevice){.path = "/dev/mydev",
                          .type = 'c',
                          .major = 1,
                          .minor = 3,
                          .file_mode = {true, 0640},
                          .uid = {true, 1000},
                          .gid = {true, 1000}};
        d[1] = (RtDevice){.path = "/dev/sub/myfifo", .type = 'p', .file_mode = {true, 0600}};
        s->linux_.devices = d;
        s->linux_.n_devices = 2;
        kv[0] = (RtKeyValue){"net.ipv4.ip_forward", "1"};
        kv[1] = (RtKeyValue){"kernel.shm_rmid_forced", "1"};
        s->linux_.sysctl = kv;
        s->linux_.n_sysctl = 2;
        s->linux_.masked_paths = masked;
        s->linux_.readonly_paths = readonly;
        s->root.readonly = true;
}

static void full_checks_dev(void)
{
        check_chardev("dev_null", "/dev/null", 1, 3, 0666, 0);
        check_chardev("dev_zero", "/dev/zero", 1, 5, 0666, 0);
        check_chardev("dev_full", "/dev/full", 1, 7, 0666, 0);
        check_chardev("dev_random", "/dev/random", 1, 8, 0666, 0);
        check_chardev("dev_urandom", "/dev/urandom", 1, 9, 0666, 0);
        check_chardev("dev_tty", "/dev/tty", 5, 0, 0666, 0);
        check_chardev("dev_custom", "/dev/mydev", 1, 3, 0640, 1000);
        struct stat st;
        bool fifo = stat("/dev/sub/myfifo", &st) == 0 && S_ISFIFO(st.st_mode) &&
                    (st.st_mode & 0777) == 0600;
        harness_check("dev_fifo", fifo, "/dev/sub/myfifo mode %o", fifo ? 0 : st.st_mode);

        char link[64] = "";
        ssize_t n = readlink("/dev/ptmx", link, sizeof(link) - 1);
        link[n > 0 ? n : 0] = '\0';
        int pfd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        harness_check("dev_ptmx", STREQ(link, "pts/ptmx") && pfd >= 0, "link '%s', open: %s", link,
                      pfd >= 0 ? "ok" : strerror(errno));
        if (pfd >= 0)
                close(pfd);
        static const char *const links[][2] = {{"/dev/fd", "/proc/self/fd"},
                                               {"/dev/stdin", "/proc/self/fd/0"},
                                               {"/dev/stdout", "/proc/self/fd/1"},
                                               {"/dev/stderr", "/proc/self/fd/2"},
                                               {"/dev/core", "/proc/kcore"}};
        bool ok = true;
        char bad[128] = "";
        for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
                n = readlink(links[i][0], link, sizeof(link) - 1);
                link[n > 0 ? n : 0] = '\0';
                if (!STREQ(link, links[i][1])) {
                        ok = false;
                        snprintf(bad, sizeof(bad), "%s -> '%s'", links[i][0], link);
                }
        }
        harness_check("dev_links", ok, "%s", bad);
        check_fs("devpts", "/dev/pts", DEVPTS_SUPER_MAGIC);
        bool shm = stat("/dev/shm", &st) == 0 && (st.st_mode & 07777) == 01777 &&
                   harness_fs_type("/dev/shm") == TMPFS_MAGIC;
        harness_check("dev_shm", shm, "/dev/shm mode %o", st.st_mode);
        check_fs("mqueue", "/dev/mqueue", MQUEUE_MAGIC);
}

static void full_checks_mounts(const Harness *h, const FullCtx *c)
{
        harness_check("pid1_proc",
                      getpid() == 1 && access("/proc/1/comm", F_OK) == 0 &&
                          harness_fs_type("/proc") == PROC_SUPER_MAGIC,
                      "pid %d", (int)getpid());
        bool sys = harness_fs_type("/sys") == SYSFS_MAGIC && harness_is_ro("/sys") &&
                   access("/sys/kernel", F_OK) == 0;
        harness_check("sysfs_ro", sys, "sysfs type %lx ro %d", harness_fs_type("/sys"),
                      harness_is_ro("/sys"));
        if (c->host_cgroup2) {
                check_fs("cgroup_hierarchies", "/sys/fs/cgroup", CGROUP2_SUPER_MAGIC);
                harness_check("cgroup_tmpfs", true, "v2 host: no tmpfs");
        } else {
                check_fs("cgroup_tmpfs", "/sys/fs/cgroup", TMPFS_MAGIC);
                bool mem = harness_fs_type("/sys/fs/cgroup/memory") == CGROUP_SUPER_MAGIC &&
                           access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) == 0;
                harness_check("cgroup_hierarchies", mem, "memory: f_type %lx",
                              harness_fs_type("/sys/fs/cgroup/memory"));
        }
        bool cro = harness_is_ro("/sys/fs/cgroup") &&
                   (c->host_cgroup2 || harness_is_ro("/sys/fs/cgroup/memory"));
        harness_check("cgroup_ro", cro, "read-only flags missing");

        check_file("bind_ro_dir", "/data/hello", "hi");
        check_erofs_create("bind_ro_dir_erofs", "/data/new");
        check_file("bind_file", "/etc/hostfile.conf", "conf");
        harness_check("bind_file_ro", harness_is_ro("/etc/hostfile.conf"), "not read-only");
        int fd = open("/data-rw/written", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        struct statvfs sv;
        bool rw = fd >= 0 && statvfs("/data-rw", &sv) == 0 && (sv.f_flag & ST_NOSUID) &&
                  !(sv.f_flag & ST_RDONLY);
        harness_check("bind_rw", rw, "open: %s", fd >= 0 ? "ok" : strerror(errno));
        if (fd >= 0)
                close(fd);
        check_fs("evil_inside", "/evil", TMPFS_MAGIC);
        check_file("tmpcopyup", "/tmpcopy/keep", "kept");
        check_fs("tmpcopyup_tmpfs", "/tmpcopy", TMPFS_MAGIC);

        static const char *const mps[] = {
            "/proc",    "/dev",           "/dev/pts", "/dev/shm",           "/dev/mqueue",
            "/sys",     "/sys/fs/cgroup", "/data",    "/etc/hostfile.conf", "/proc/timer_list",
            "/proc/sys"};
        const char *missing = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(mps); i++)
                if (!harness_mountinfo_has(mps[i]))
                        missing = mps[i];
        harness_check("mountinfo", !missing, "missing %s", missing ? missing : "");
        bool gone = access("/usr", F_OK) != 0 && !harness_mountinfo_has(h->rootfs) &&
                    !harness_mountinfo_has("/usr");
        harness_check("old_root_gone", gone, "the host's / is still visible");
}

/* A bind remount must not drop what the source had unless told to. */
static void check_mount_flags(const char *name, const char *path, unsigned long want,
                              unsigned long unwanted)
{
        struct statvfs sv;
        bool ok = statvfs(path, &sv) == 0 && (sv.f_flag & want) == want && !(sv.f_flag & unwanted);
        harness_check(name, ok, "%s: flags %lx, want %lx without %lx", path, sv.f_flag, want,
                      unwanted);
}

static void full_checks_final(void)
{
        check_mount_flags("bind_keeps_source_flags", "/keep", ST_RDONLY | ST_NOSUID | ST_NODEV, 0);
        check_mount_flags("bind_suid_clears", "/loosen", ST_NODEV, ST_NOSUID | ST_RDONLY);
        char buf[16];
        /* /proc/timer_list is never empty unless masked */
        int fd = open("/proc/timer_list", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
        harness_check("masked_file", n == 0, "read %zd bytes", n);
        if (fd >= 0)
                close(fd);
        bool empty = access("/masked_dir/secret", F_OK) != 0 && harness_is_ro("/masked_dir") &&
                     harness_fs_type("/masked_dir") == TMPFS_MAGIC;
        harness_check("masked_dir", empty, "secret still visible or not a ro tmpfs");
        fd = open("/proc/sys/kernel/domainname", O_WRONLY | O_CLOEXEC);
        harness_check("readonly_proc_sys", fd < 0 && errno == EROFS, "open: %s",
                      fd < 0 ? strerror(errno) : "succeeded");
        if (fd >= 0)
                close(fd);
        check_erofs_create("readonly_dir", "/rodir/new");
        struct statvfs sv;
        bool flags =
            statvfs("/rodir", &sv) == 0 &&
            (sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC)) == (ST_NOSUID | ST_NODEV | ST_NOEXEC);
        harness_check("readonly_dir_flags", flags, "flags %lx", sv.f_flag);
        check_file("readonly_dir_readable", "/rodir/file", "x");
        check_erofs_create("readonly_root", "/newfile");
        check_file("sysctl_ip_forward", "/proc/sys/net/ipv4/ip_forward", "1\n");
        check_file("sysctl_shm_rmid_forced", "/proc/sys/kernel/shm_rmid_forced", "1\n");
}

static void full_body(Harness *h, void *arg)
{
        FullCtx *c = arg;
        RtSpec s = {0};
        RtMount m[20];
        RtDevice d[2];
        RtKeyValue kv[2];
        full_spec(&s, m, d, kv, c);
        _cleanup_error_ BerthError *err = NULL;
        if (!step("prepare", rt_rootfs_prepare(&s, h->rootfs, &err), &err))
                return;
        /* the symlink /evil -> <host victim> was followed inside the rootfs */
        harness_check("evil_contained", harness_fs_type(c->victim) != TMPFS_MAGIC,
                      "tmpfs landed on the host path %s", c->victim);
        if (!step("pivot", rt_rootfs_pivot(h->rootfs, false, &err), &err))
                return;
        if (!step("sysctl_apply", rt_sysctl_apply(&s, &err), &err))
                return;
        if (!step("finalize", rt_rootfs_finalize(&s, &err), &err))
                return;
        full_checks_dev();
        full_checks_mounts(h, c);
        full_checks_final();
        check_exec("exec_busybox", "/dev/shm/out");
}

/* In the namespace child before the rootfs: a nosuid,nodev source. */
static void full_pre(Harness *h, void *arg)
{
        FullCtx *c = arg;
        if (mount("tmpfs", c->locked, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") < 0)
                harness_check("fatal", false, "tmpfs on %s: %s", c->locked, strerror(errno));
}

static void put(const char *dir, const char *name, const char *text)
{
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        if (!text) {
                assert_int_equal(mkdir(p, 0755), 0);
                return;
        }
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write_all_fd(fd, text, strlen(text)), 0);
}

static const Harness *full(void)
{
        SKIP_UNLESS_ROOT();
        if (full_h.ran)
                return &full_h;
        Harness *h = &full_h;
        FullCtx *c = &full_ctx;
        assert_int_equal(harness_build_rootfs(h), 0);
        snprintf(c->hostdata, sizeof(c->hostdata), "%s/hostdata", h->top);
        snprintf(c->hostfile, sizeof(c->hostfile), "%s/hostfile", h->top);
        snprintf(c->victim, sizeof(c->victim), "%s/hostvictim", h->top);
        snprintf(c->locked, sizeof(c->locked), "%s/locked", h->top);
        put(h->top, "locked", NULL);
        put(h->top, "hostdata", NULL);
        put(h->top, "hostdata/hello", "hi");
        put(h->top, "hostfile", "conf");
        put(h->top, "hostvictim", NULL);
        char p[512];
        snprintf(p, sizeof(p), "%s/evil", h->rootfs);
        assert_int_equal(symlink(c->victim, p), 0);
        put(h->rootfs, "tmpcopy", NULL);
        put(h->rootfs, "tmpcopy/keep", "kept");
        put(h->rootfs, "masked_dir", NULL);
        put(h->rootfs, "masked_dir/secret", "s");
        put(h->rootfs, "rodir", NULL);
        put(h->rootfs, "rodir/file", "x");
        c->host_cgroup2 = harness_fs_type("/sys/fs/cgroup") == CGROUP2_SUPER_MAGIC;
        assert_int_equal(harness_run(h,
                                     CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
                                         CLONE_NEWNET | CLONE_NEWCGROUP,
                                     false, full_pre, full_body, c),
                         0);
        return h;
}

#define FULL_TEST(name)                                                                            \
        static void test_full_##name(void **state)                                                 \
        {                                                                                          \
                expect(full(), #name);                                                             \
        }

FULL_TEST(prepare)
FULL_TEST(evil_contained)
FULL_TEST(evil_inside)
FULL_TEST(pivot)
FULL_TEST(old_root_gone)
FULL_TEST(pid1_proc)
FULL_TEST(dev_null)
FULL_TEST(dev_zero)
FULL_TEST(dev_full)
FULL_TEST(dev_random)
FULL_TEST(dev_urandom)
FULL_TEST(dev_tty)
FULL_TEST(dev_custom)
FULL_TEST(dev_fifo)
FULL_TEST(dev_ptmx)
FULL_TEST(dev_links)
FULL_TEST(devpts)
FULL_TEST(dev_shm)
FULL_TEST(mqueue)
FULL_TEST(sysfs_ro)
FULL_TEST(cgroup_tmpfs)
FULL_TEST(cgroup_hierarchies)
FULL_TEST(cgroup_ro)
FULL_TEST(bind_ro_dir)
FULL_TEST(bind_ro_dir_erofs)
FULL_TEST(bind_file)
FULL_TEST(bind_file_ro)
FULL_TEST(tmpcopyup)
FULL_TEST(tmpcopyup_tmpfs)
FULL_TEST(mountinfo)
FULL_TEST(masked_file)
FULL_TEST(masked_dir)
FULL_TEST(readonly_proc_sys)
FULL_TEST(readonly_dir)
FULL_TEST(readonly_dir_flags)
FULL_TEST(readonly_dir_readable)
FULL_TEST(readonly_root)
FULL_TEST(sysctl_apply)
FULL_TEST(sysctl_ip_forward)
FULL_TEST(sysctl_shm_rmid_forced)
FULL_TEST(finalize)
FULL_TEST(exec_busybox)
FULL_TEST(bind_keeps_source_flags)
FULL_TEST(bind_suid_clears)

static void test_full_bind_rw(void **state)
{
        const Harness *h = full();
        expect(h, "bind_rw");
        /* the write went through to the host directory */
        char p[512];
        snprintf(p, sizeof(p), "%s/hostdata/written", h->top);
        assert_int_equal(access(p, F_OK), 0);
}

static void test_full_host_untouched(void **state)
{
        const Harness *h = full();
        char p[512];
        /* nothing of the container's was created beside the rootfs */
        snprintf(p, sizeof(p), "%s/hostvictim/.", h->top);
        assert_int_equal(access(p, F_OK), 0);
        snprintf(p, sizeof(p), "%s/rootfs%s", h->top, full_ctx.victim);
        assert_int_equal(access(p, F_OK), 0); /* created inside the rootfs instead */
        snprintf(p, sizeof(p), "%s/rootfs/dev/null", h->top);
        assert_int_not_equal(access(p, F_OK), 0); /* /dev was a tmpfs */
}

/* ---- no pivot_root (MS_MOVE + chroot); propagation of / ------------------ */

typedef struct PropCase {
        bool no_pivot;
        const char *propagation;
        bool want_shared; /* else private: no shared:/master: on / */
} PropCase;

static Harness nopivot_h, shared_h;

/* A v1 hierarchy where the test runs in a cgroup other than the root: the
 * container, without a cgroup namespace, must see that cgroup as the root. */
static char cg_name[64];
static ino_t cg_ino;

static void find_own_cgroup(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
        char line[1024];
        while (f && fgets(line, sizeof(line), f)) {
                char ctrl[64], path[900];
                line[strcspn(line, "\n")] = '\0';
                if (sscanf(line, "%*[0-9]:%63[^:]:%899s", ctrl, path) != 2 || STREQ(path, "/") ||
                    strchr(ctrl, '=') || strchr(ctrl, ','))
                        continue;
                char dir[1024];
                struct stat st;
                snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s%s", ctrl, path);
                if (stat(dir, &st) == 0) {
                        snprintf(cg_name, sizeof(cg_name), "%s", ctrl);
                        cg_ino = st.st_ino;
                        return;
                }
        }
}

/* The optional fields of / in mountinfo: "-" when there are none. */
static void root_optional(char *buf, size_t len)
{
        snprintf(buf, len, "(no line for /)");
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096];
        while (f && fgets(line, sizeof(line), f)) {
                char mp[1024], opt[1024];
                if (sscanf(line, "%*s %*s %*s %*s %1023s %*s %1023s", mp, opt) == 2 &&
                    STREQ(mp, "/"))
                        snprintf(buf, len, "%s", opt);
        }
}

static void prop_body(Harness *h, void *arg)
{
        const PropCase *pc = arg;
        static char *o_tmp2[] = {"nosuid", "mode=755", NULL};
        static char *o_cg2[] = {"ro", NULL};
        RtMount m[] = {
            {.destination = "/proc", .type = "proc", .source = "proc"},
            {.destination = "/dev", .type = "tmpfs", .source = "tmpfs", .options = o_tmp2},
            {.destination = "/sys/fs/cgroup",
             .type = "cgroup",
             .source = "cgroup",
             .options = o_cg2},
        };
        RtSpec s = {.mounts = m, .n_mounts = ARRAY_SIZE(m)};
        s.linux_.rootfs_propagation = (char *)pc->propagation;
        _cleanup_error_ BerthError *err = NULL;
        if (!step("prepare", rt_rootfs_prepare(&s, h->rootfs, &err), &err) ||
            !step("pivot", rt_rootfs_pivot(h->rootfs, pc->no_pivot, &err), &err) ||
            !step("finalize", rt_rootfs_finalize(&s, &err), &err))
                return;
        harness_check("in_rootfs", access("/bin/busybox", X_OK) == 0 && access("/usr", F_OK) != 0,
                      "not in the rootfs");
        check_chardev("dev_null", "/dev/null", 1, 3, 0666, 0);
        char opt[1100];
        root_optional(opt, sizeof(opt));
        bool ok = pc->want_shared ? strncmp(opt, "shared:", 7) == 0 : STREQ(opt, "-");
        harness_check("root_propagation", ok, "optional fields of /: '%s'", opt);
        if (cg_name[0]) {
                char dir[128];
                struct stat st = {0};
                snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", cg_name);
                harness_check("cgroup_own", stat(dir, &st) == 0 && st.st_ino == cg_ino,
                              "%s: inode %lu, want %lu (our own cgroup)", dir,
                              (unsigned long)st.st_ino, (unsigned long)cg_ino);
        } else {
                harness_check("cgroup_own", access("/sys/fs/cgroup", R_OK) == 0, "no cgroup mount");
        }
        check_exec("exec_busybox", "/dev/out");
}

static const Harness *prop_run(Harness *h, const PropCase *pc)
{
        SKIP_UNLESS_ROOT();
        if (!h->ran) {
                find_own_cgroup();
                assert_int_equal(harness_build_rootfs(h), 0);
                assert_int_equal(
                    harness_run(h, CLONE_NEWNS | CLONE_NEWPID, false, NULL, prop_body, (void *)pc),
                    0);
        }
        return h;
}

static void expect_prop(const Harness *h)
{
        expect(h, "prepare");
        expect(h, "pivot");
        expect(h, "finalize");
        expect(h, "in_rootfs");
        expect(h, "dev_null");
        expect(h, "exec_busybox");
}

static const PropCase nopivot_case = {.no_pivot = true, .propagation = "private"};
static const PropCase shared_case = {
    .no_pivot = false, .propagation = "rshared", .want_shared = true};

static void test_nopivot(void **state)
{
        expect_prop(prop_run(&nopivot_h, &nopivot_case));
}

static void test_nopivot_private(void **state)
{
        expect(prop_run(&nopivot_h, &nopivot_case), "root_propagation");
}

static void test_nopivot_cgroup_own(void **state)
{
        expect(prop_run(&nopivot_h, &nopivot_case), "cgroup_own");
}

static void test_pivot_rshared(void **state)
{
        expect_prop(prop_run(&shared_h, &shared_case));
}

static void test_pivot_rshared_root(void **state)
{
        expect(prop_run(&shared_h, &shared_case), "root_propagation");
}

/* ---- a root on ramfs: pivot_root refuses, MS_MOVE + chroot instead ------ */

static Harness ramfs_h;

static void ramfs_body(Harness *h, void *arg)
{
        char ram[256], p[320];
        snprintf(ram, sizeof(ram), "%s/ram", h->top);
        /* The process root becomes a bind mount inside a shared ramfs: like a
         * root on initramfs, pivot_root refuses it (EINVAL). */
        if (mkdir(ram, 0755) < 0 || mount("ramfs", ram, "ramfs", 0, "mode=755") < 0 ||
            mount(NULL, ram, NULL, MS_SHARED, NULL) < 0) {
                harness_check("fatal", false, "ramfs: %s", strerror(errno));
                return;
        }
        static const char *const dirs[] = {"sub", "sub/proc", "sub/rootfs", "sub/rootfs/bin"};
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                snprintf(p, sizeof(p), "%s/%s", ram, dirs[i]);
                mkdir(p, 0755);
        }
        char bb[256];
        snprintf(bb, sizeof(bb), "%s/bin/busybox", h->rootfs);
        snprintf(p, sizeof(p), "%s/sub/rootfs/bin/busybox", ram);
        int r = harness_copy_file(bb, p, 0755);
        snprintf(p, sizeof(p), "%s/sub/rootfs/bin/sh", ram);
        if (r < 0 || symlink("busybox", p) < 0) {
                harness_check("fatal", false, "copy busybox into the ramfs: %s", strerror(errno));
                return;
        }
        snprintf(p, sizeof(p), "%s/sub", ram);
        if (mount(p, p, NULL, MS_BIND, NULL) < 0 || chdir(p) < 0 || chroot(".") < 0 ||
            mount("proc", "/proc", "proc", 0, NULL) < 0) {
                harness_check("fatal", false, "chroot: %s", strerror(errno));
                return;
        }
        RtMount m[] = {{.destination = "/proc", .type = "proc", .source = "proc"},
                       {.destination = "/dev", .type = "tmpfs", .source = "tmpfs"}};
        RtSpec s = {.mounts = m, .n_mounts = ARRAY_SIZE(m)};
        _cleanup_error_ BerthError *err = NULL;
        if (!step("prepare", rt_rootfs_prepare(&s, "/rootfs", &err), &err) ||
            !step("pivot", rt_rootfs_pivot("/rootfs", false, &err), &err))
                return;
        harness_check("in_rootfs",
                      access("/bin/busybox", X_OK) == 0 && access("/rootfs", F_OK) != 0,
                      "not in the rootfs");
        check_exec("exec_busybox", "/dev/out");
}

static void test_pivot_ramfs_fallback(void **state)
{
        SKIP_UNLESS_ROOT();
        if (!ramfs_h.ran) {
                assert_int_equal(harness_build_rootfs(&ramfs_h), 0);
                assert_int_equal(harness_run(&ramfs_h, CLONE_NEWNS | CLONE_NEWPID, false, NULL,
                                             ramfs_body, NULL),
                                 0);
        }
        expect(&ramfs_h, "prepare");
        expect(&ramfs_h, "pivot");
        expect(&ramfs_h, "in_rootfs");
        expect(&ramfs_h, "exec_busybox");
}

/* ---- errors name the mount and the cause --------------------------------- */

static Harness err_h;

static void expect_error(const char *name, int r, BerthError *err, int code, const char *want)
{
        bool ok =
            r == -code && err && err->code == code && err->message && strstr(err->message, want);
        harness_check(name, ok, "r=%d message '%s', want '%s'", r,
                      err && err->message ? err->message : "(none)", want);
}

/* A fresh rootfs dir per attempt: a failed prepare leaves its mounts. */
static void try_mount(Harness *h, const char *name, RtMount *m, const char *prop, int code,
                      const char *want)
{
        char dir[256];
        snprintf(dir, sizeof(dir), "%s/%s", h->top, name);
        mkdir(dir, 0755);
        char p[300];
        snprintf(p, sizeof(p), "%s/etc", dir);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/etc/file", dir);
        close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
        RtSpec s = {.mounts = m, .n_mounts = m ? 1 : 0};
        s.linux_.rootfs_propagation = (char *)prop;
        _cleanup_error_ BerthError *err = NULL;
        int r = rt_rootfs_prepare(&s, dir, &err);
        expect_error(name, r, err, code, want);
}

static void errors_body(Harness *h, void *arg)
{
        static char *o_idmap[] = {"rbind", "idmap", NULL};
        static char *o_bind[] = {"bind", NULL};
        RtMount fstype = {.destination = "/x", .type = "nosuchfs", .source = "nosuchfs"};
        try_mount(h, "err_fstype", &fstype, NULL, ENODEV,
                  "mount nosuchfs to /x (type nosuchfs): No such device");
        RtMount idmap = {.destination = "/x", .type = "bind", .source = "/tmp", .options = o_idmap};
        try_mount(h, "err_idmap", &idmap, NULL, ENOTSUP,
                  "mount /tmp to /x (type bind): the idmapped mount was not prepared");
        RtMount missing = {.destination = "/y", .source = "/nonexistent-berth", .options = o_bind};
        try_mount(h, "err_bind_missing", &missing, NULL, ENOENT,
                  "mount /nonexistent-berth to /y (type bind): No such file or directory");
        try_mount(h, "err_propagation", NULL, "bogus", EINVAL,
                  "linux.rootfsPropagation: unknown value 'bogus'");
        RtMount onfile = {.destination = "/etc/file", .type = "proc", .source = "proc"};
        try_mount(h, "err_dest_file", &onfile, NULL, ENOTDIR,
                  "mount proc to /etc/file (type proc): Not a directory");
        RtMount notype = {.destination = "/z", .source = "/tmp"};
        try_mount(h, "err_no_type", &notype, NULL, EINVAL, "no type and not a bind mount");
        RtMount relative = {.destination = "proc", .type = "proc", .source = "proc"};
        try_mount(h, "err_relative_dest", &relative, NULL, EINVAL,
                  "mount proc to 'proc': destination must be absolute");
        RtMount through = {.destination = "/etc/file/sub", .type = "tmpfs", .source = "tmpfs"};
        try_mount(h, "err_mount_point", &through, NULL, ENOTDIR,
                  "mount tmpfs to /etc/file/sub (type tmpfs): mount point");

        RtKeyValue bad[] = {{"../../etc/passwd", "1"}};
        RtSpec s = {0};
        s.linux_.sysctl = bad;
        s.linux_.n_sysctl = 1;
        _cleanup_error_ BerthError *err = NULL;
        int r = rt_sysctl_apply(&s, &err);
        expect_error("err_sysctl_name", r, err, EINVAL, "sysctl '../../etc/passwd': invalid name");
        RtKeyValue unknown[] = {{"kernel.no_such_knob_berth", "1"}};
        s.linux_.sysctl = unknown;
        err = error_free(err);
        r = rt_sysctl_apply(&s, &err);
        expect_error("err_sysctl_missing", r, err, ENOENT,
                     "sysctl 'kernel.no_such_knob_berth': open "
                     "/proc/sys/kernel/no_such_knob_berth: No such file or directory");
}

static const Harness *errors(void)
{
        SKIP_UNLESS_ROOT();
        if (!err_h.ran) {
                assert_int_equal(harness_build_rootfs(&err_h), 0);
                assert_int_equal(
                    harness_run(&err_h, CLONE_NEWNS | CLONE_NEWPID, false, NULL, errors_body, NULL),
                    0);
        }
        return &err_h;
}

#define ERR_TEST(name)                                                                             \
        static void test_##name(void **state)                                                      \
        {                                                                                          \
                expect(errors(), #name);                                                           \
        }
ERR_TEST(err_fstype)
ERR_TEST(err_idmap)
ERR_TEST(err_bind_missing)
ERR_TEST(err_propagation)
ERR_TEST(err_dest_file)
ERR_TEST(err_no_type)
ERR_TEST(err_mount_point)
ERR_TEST(err_relative_dest)
ERR_TEST(err_sysctl_name)
ERR_TEST(err_sysctl_missing)

/* ---- inside a user namespace ---------------------------------------------- */

static Harness userns_h;
static char userns_locked[200];

/* A nosuid,nodev mount the user namespace will inherit with locked flags. */
static void userns_pre(Harness *h, void *arg)
{
        if (mkdir(userns_locked, 0755) < 0 ||
            mount("tmpfs", userns_locked, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") < 0) {
                harness_check("fatal", false, "locked tmpfs: %s", strerror(errno));
                return;
        }
        char p[256];
        snprintf(p, sizeof(p), "%s/f", userns_locked);
        close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
}

static void userns_body(Harness *h, void *arg)
{
        static char *o_ro[] = {"nosuid", "noexec", "nodev", "ro", NULL};
        static char *o_bind_ro2[] = {"rbind", "ro", NULL};
        static char *o_pts2[] = {"nosuid", "noexec", "mode=0620", "gid=5", NULL};
        static char *mask[] = {"/proc/timer_list", NULL};
        RtMount m[] = {
            {.destination = "/proc", .type = "proc", .source = "proc"},
            {.destination = "/dev", .type = "tmpfs", .source = "tmpfs"},
            {.destination = "/dev/pts", .type = "devpts", .source = "devpts", .options = o_pts2},
            {.destination = "/dev/mqueue", .type = "mqueue", .source = "mqueue"},
            {.destination = "/sys", .type = "sysfs", .source = "sysfs", .options = o_ro},
            {.destination = "/sys/fs/cgroup",
             .type = "cgroup",
             .source = "cgroup",
             .options = o_ro},
            {.destination = "/locked",
             .type = "bind",
             .source = userns_locked,
             .options = o_bind_ro2},
        };
        RtSpec s = {.mounts = m, .n_mounts = ARRAY_SIZE(m)};
        s.root.readonly = true;
        s.linux_.masked_paths = mask;
        _cleanup_error_ BerthError *err = NULL;
        if (!step("ns_prepare", rt_rootfs_prepare(&s, h->rootfs, &err), &err) ||
            !step("ns_pivot", rt_rootfs_pivot(h->rootfs, false, &err), &err) ||
            !step("ns_finalize", rt_rootfs_finalize(&s, &err), &err))
                return;
        check_chardev("ns_dev_null", "/dev/null", 1, 3, 0666, 0);
        harness_check("ns_dev_null_bound", harness_mountinfo_has("/dev/null"),
                      "/dev/null is not a bind mount");
        bool sys = access("/sys/kernel", F_OK) == 0 && harness_is_ro("/sys");
        harness_check("ns_sysfs", sys, "/sys: type %lx", harness_fs_type("/sys"));
        struct statvfs sv;
        bool locked = statvfs("/locked", &sv) == 0 && (sv.f_flag & ST_RDONLY) &&
                      (sv.f_flag & ST_NOSUID) && (sv.f_flag & ST_NODEV) &&
                      access("/locked/f", F_OK) == 0;
        harness_check("ns_locked_flags", locked, "flags %lx", sv.f_flag);
        check_erofs_create("ns_readonly_root", "/newfile");
        char buf[8];
        int fd = open("/proc/timer_list", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
        harness_check("ns_masked", n == 0, "read %zd", n);
        if (fd >= 0)
                close(fd);
        harness_check("ns_cgroup",
                      harness_is_ro("/sys/fs/cgroup") && access("/sys/fs/cgroup", R_OK) == 0,
                      "cgroup not mounted read-only");
        check_file("ns_uid_map", "/proc/self/uid_map", "         0          0      65536\n");
}

static const Harness *userns(void)
{
        SKIP_UNLESS_ROOT();
        if (!userns_h.ran) {
                assert_int_equal(harness_build_rootfs(&userns_h), 0);
                snprintf(userns_locked, sizeof(userns_locked), "%s/locked", userns_h.top);
                assert_int_equal(
                    harness_run(&userns_h,
                                CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWCGROUP, true,
                                userns_pre, userns_body, NULL),
                    0);
        }
        const HarnessResult *fatal = harness_find(&userns_h, "fatal");
        if (fatal && strstr(fatal->detail, "unshare user")) {
                printf("# skip: no user namespaces: %s\n", fatal->detail);
                skip();
        }
        return &userns_h;
}

#define NS_TEST(name)                                                                              \
        static void test_##name(void **state)                                                      \
        {                                                                                          \
                expect(userns(), #name);                                                           \
        }
NS_TEST(ns_prepare)
NS_TEST(ns_pivot)
NS_TEST(ns_finalize)
NS_TEST(ns_dev_null)
NS_TEST(ns_dev_null_bound)
NS_TEST(ns_sysfs)
NS_TEST(ns_locked_flags)
NS_TEST(ns_readonly_root)
NS_TEST(ns_masked)
NS_TEST(ns_cgroup)
NS_TEST(ns_uid_map)

static int cleanup_all(void **state)
{
        harness_cleanup(&full_h);
        harness_cleanup(&nopivot_h);
        harness_cleanup(&shared_h);
        harness_cleanup(&ramfs_h);
        harness_cleanup(&err_h);
        harness_cleanup(&userns_h);
        return 0;
}

#define T(name) cmocka_unit_test(test_##name)

int main(void)
{
        const struct CMUnitTest tests[] = {
            T(flags_basic),
            T(flags_last_wins),
            T(flags_bind),
            T(flags_propagation),
            T(flags_data),
            T(flags_atime),
            T(flags_recursive),
            T(flags_misc),
            T(flags_special),
            T(flags_empty),
            T(full_prepare),
            T(full_evil_contained),
            T(full_evil_inside),
            T(full_pivot),
            T(full_old_root_gone),
            T(full_pid1_proc),
            T(full_dev_null),
            T(full_dev_zero),
            T(full_dev_full),
            T(full_dev_random),
            T(full_dev_urandom),
            T(full_dev_tty),
            T(full_dev_custom),
            T(full_dev_fifo),
            T(full_dev_ptmx),
            T(full_dev_links),
            T(full_devpts),
            T(full_dev_shm),
            T(full_mqueue),
            T(full_sysfs_ro),
            T(full_cgroup_tmpfs),
            T(full_cgroup_hierarchies),
            T(full_cgroup_ro),
            T(full_bind_ro_dir),
            T(full_bind_ro_dir_erofs),
            T(full_bind_file),
            T(full_bind_file_ro),
            T(full_bind_rw),
            T(full_tmpcopyup),
            T(full_tmpcopyup_tmpfs),
            T(full_mountinfo),
            T(full_masked_file),
            T(full_masked_dir),
            T(full_readonly_proc_sys),
            T(full_readonly_dir),
            T(full_readonly_dir_flags),
            T(full_readonly_dir_readable),
            T(full_readonly_root),
            T(full_sysctl_apply),
            T(full_sysctl_ip_forward),
            T(full_sysctl_shm_rmid_forced),
            T(full_finalize),
            T(full_exec_busybox),
            T(full_bind_keeps_source_flags),
            T(full_bind_suid_clears),
            T(full_host_untouched),
            T(nopivot),
            T(nopivot_private),
            T(nopivot_cgroup_own),
            T(pivot_rshared),
            T(pivot_rshared_root),
            T(pivot_ramfs_fallback),
            T(err_fstype),
            T(err_idmap),
            T(err_bind_missing),
            T(err_propagation),
            T(err_dest_file),
            T(err_no_type),
            T(err_mount_point),
            T(err_relative_dest),
            T(err_sysctl_name),
            T(err_sysctl_missing),
            T(ns_prepare),
            T(ns_pivot),
            T(ns_finalize),
            T(ns_dev_null),
            T(ns_dev_null_bound),
            T(ns_sysfs),
            T(ns_locked_flags),
            T(ns_readonly_root),
            T(ns_masked),
            T(ns_cgroup),
            T(ns_uid_map),
        };
        return cmocka_run_group_tests(tests, NULL, cleanup_all);
}
