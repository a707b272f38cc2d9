/* See rootfs_harness.h. */
#include "rootfs_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"

static int report_fd = -1;

void harness_check(const char *name, bool ok, const char *fmt, ...)
{
        char detail[480] = "";
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
        for (char *c = detail; *c; c++)
                if (*c == '\n' || *c == '\t')
                        *c = ' ';
        char line[600];
        int n = snprintf(line, sizeof(line), "%s\t%d\t%s\n", name, ok ? 1 : 0, detail);
        if (report_fd >= 0 && n > 0)
                write_all_fd(report_fd, line, (size_t)n);
}

int harness_copy_file(const char *from, const char *to, mode_t mode)
{
        _cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (in < 0 || out < 0)
                return -errno;
        char buf[65536];
        ssize_t n;
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write_all_fd(out, buf, (size_t)n) < 0)
                        return -EIO;
        return n < 0 ? -errno : 0;
}

int harness_build_rootfs(Harness *h)
{
        const char *bb = access("/usr/bin/busybox", X_OK) == 0 ? "/usr/bin/busybox"
                         : access("/bin/busybox", X_OK) == 0   ? "/bin/busybox"
                                                               : NULL;
        if (!bb)
                return -ENOENT;
        snprintf(h->top, sizeof(h->top), "/tmp/berth-rootfs-XXXXXX");
        if (!mkdtemp(h->top))
                return -errno;
        chmod(h->top, 0755);
        snprintf(h->rootfs, sizeof(h->rootfs), "%s/rootfs", h->top);
        char p[256];
        if (mkdir(h->rootfs, 0755) < 0)
                return -errno;
        snprintf(p, sizeof(p), "%s/bin", h->rootfs);
        if (mkdir(p, 0755) < 0)
                return -errno;
        snprintf(p, sizeof(p), "%s/bin/busybox", h->rootfs);
        int r = harness_copy_file(bb, p, 0755);
        if (r < 0)
                return r;
        snprintf(p, sizeof(p), "%s/bin/sh", h->rootfs);
        if (symlink("busybox", p) < 0)
                return -errno;
        snprintf(p, sizeof(p), "%s/etc", h->rootfs);
        if (mkdir(p, 0755) < 0)
                return -errno;
        return 0;
}

static void parse_results(Harness *h, char *buf)
{
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *t1 = strchr(line, '\t');
                char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
                if (!t2)
                        continue;
                *t1 = *t2 = '\0';
                HarnessResult *nr = realloc(h->results, (h->n_results + 1) * sizeof(*nr));
                if (!nr)
                        return;
                h->results = nr;
                HarnessResult *r = &h->results[h->n_results++];
                snprintf(r->name, sizeof(r->name), "%s", line);
                r->ok = t1[1] == '1';
                snprintf(r->detail, sizeof(r->detail), "%s", t2 + 1);
        }
}

static int wait_child(pid_t pid)
{
        int status = 0;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}

static int write_map(pid_t pid, const char *file, const char *map)
{
        char p[64];
        snprintf(p, sizeof(p), "/proc/%d/%s", (int)pid, file);
        return write_file_string(p, map, NULL);
}

/* The innermost child: pid 1 of the new pid namespace. */
static int run_body(Harness *h, int flags, HarnessFn body, void *arg)
{
        if (unshare(flags) < 0) {
                harness_check("fatal", false, "unshare: %s", strerror(errno));
                return 1;
        }
        pid_t pid = fork();
        if (pid < 0)
                return 1;
        if (pid == 0) {
                body(h, arg);
                _exit(0);
        }
        return wait_child(pid);
}

/* The middle child: makes the user namespace, waits for its maps. */
static int run_userns(Harness *h, int flags, HarnessFn body, void *arg)
{
        int to_parent[2], from_parent[2];
        if (pipe2(to_parent, O_CLOEXEC) < 0 || pipe2(from_parent, O_CLOEXEC) < 0)
                return 1;
        pid_t pid = fork();
        if (pid < 0)
                return 1;
        if (pid == 0) {
                close(to_parent[0]);
                close(from_parent[1]);
                char c = 0;
                if (unshare(CLONE_NEWUSER) < 0) {
                        harness_check("fatal", false, "unshare user: %s", strerror(errno));
                        _exit(1);
                }
                if (write(to_parent[1], "u", 1) != 1 || read(from_parent[0], &c, 1) != 1 ||
                    c != 'm')
                        _exit(1);
                _exit(run_body(h, flags, body, arg));
        }
        close(to_parent[1]);
        close(from_parent[0]);
        char c = 0;
        int ok = read(to_parent[0], &c, 1) == 1;
        /* a part of the id range only: a full identity map would look like
         * the initial namespace */
        if (ok)
                ok = write_map(pid, "uid_map", "0 0 65536\n") == 0 &&
                     write_map(pid, "gid_map", "0 0 65536\n") == 0;
        if (!ok)
                harness_check("fatal", false, "write id maps: %s", strerror(errno));
        if (write(from_parent[1], ok ? "m" : "x", 1) != 1)
                ok = 0;
        close(to_parent[0]);
        close(from_parent[1]);
        int st = wait_child(pid);
        return ok ? st : 1;
}

int harness_run(Harness *h, int flags, bool userns, HarnessFn pre, HarnessFn body, void *arg)
{
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -errno;
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                close(pfd[0]);
                report_fd = pfd[1];
                if (pre) {
                        if (unshare(CLONE_NEWNS) < 0 ||
                            mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0) {
                                harness_check("fatal", false, "pre: %s", strerror(errno));
                                _exit(1);
                        }
                        pre(h, arg);
                }
                _exit(userns ? run_userns(h, flags, body, arg) : run_body(h, flags, body, arg));
        }
        close(pfd[1]);
        size_t cap = 65536, len = 0;
        char *buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len + 1 >= cap) {
                        char *nb = realloc(buf, cap * 2);
                        if (!nb)
                                break;
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
        buf[len] = '\0';
        close(pfd[0]);
        h->exit_status = wait_child(pid);
        parse_results(h, buf);
        free(buf);
        h->ran = true;
        return 0;
}

const HarnessResult *harness_find(const Harness *h, const char *name)
{
        for (size_t i = 0; i < h->n_results; i++)
                if (STREQ(h->results[i].name, name))
                        return &h->results[i];
        return NULL;
}

void harness_cleanup(Harness *h)
{
        if (h->top[0])
                rm_rf(h->top, NULL);
        free(h->results);
        memset(h, 0, sizeof(*h));
}

void harness_write_file(const char *path, const char *text)
{
        write_file_string(path, text, NULL);
}

bool harness_file_is(const char *path, const char *want, char *got, size_t len)
{
        got[0] = '\0';
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                snprintf(got, len, "open: %s", strerror(errno));
                return false;
        }
        ssize_t n = read_all_fd(fd, got, len - 1);
        got[n > 0 ? n : 0] = '\0';
        return STREQ(got, want);
}

long harness_fs_type(const char *path)
{
        struct statfs sf;
        if (statfs(path, &sf) < 0)
                return -errno;
        return (long)sf.f_type;
}

bool harness_is_ro(const char *path)
{
        struct statvfs sv;
        return statvfs(path, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

bool harness_mountinfo_has(const char *mountpoint)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return false;
        char line[4096];
        while (fgets(line, sizeof(line), f)) {
                char mp[4096];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && STREQ(mp, mountpoint))
                        return true;
        }
        return false;
}
