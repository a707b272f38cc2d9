/* Path resolution bounded by a root. The fast path is openat2 with
 * RESOLVE_IN_ROOT; the walk below does the same job one component at a time
 * (openat O_PATH|O_NOFOLLOW, symlinks re-walked by hand) for kernels without
 * openat2 and for creating directories on the way. */
#include "common/safepath.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* As the kernel's MAXSYMLINKS. */
#define SAFE_MAX_LINKS 40

static bool force_fallback;
static bool no_openat2;

void safe_path_force_fallback(bool on)
{
        force_fallback = on;
}

const char *safe_fd_path(int fd, char *buf, size_t len)
{
        snprintf(buf, len, "/proc/self/fd/%d", fd);
        return buf;
}

static bool use_openat2(void)
{
        return !force_fallback && !no_openat2;
}

/* openat2 relative to the root; -ENOSYS remembered so the walk takes over. */
static int openat2_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
        struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                               .mode = (flags & O_CREAT) ? mode : 0,
                               .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
        while (*path == '/')
                path++;
        for (int tries = 0;; tries++) {
                int fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
                if (fd >= 0)
                        return fd;
                /* the kernel asks for a retry when a rename raced the walk */
                if (errno == EAGAIN && tries < 32)
                        continue;
                if (errno == ENOSYS)
                        no_openat2 = true;
                return -errno;
        }
}

typedef enum WalkMode {
        WALK_OPEN,    /* open the target, O_CREAT creates the last component */
        WALK_MKDIR,   /* create missing directories, return the last */
        WALK_RESOLVE, /* produce the resolved path; missing parts kept as written */
} WalkMode;

/* The directories walked so far below the root: ".." pops, never past 0. */
typedef struct WalkStack {
        int *fds; /* owned; -1 for components that do not exist (resolve) */
        char **names;
        size_t n, cap;
} WalkStack;

static void stack_pop(WalkStack *s)
{
        if (s->n == 0)
                return;
        s->n--;
        if (s->fds[s->n] >= 0)
                close(s->fds[s->n]);
        free(s->names[s->n]);
}

static void stack_clear(WalkStack *s)
{
        while (s->n > 0)
                stack_pop(s);
}

static void stack_done(WalkStack *s)
{
        stack_clear(s);
        free(s->fds);
        free(s->names);
}

/* Takes ownership of fd in every case. */
static int stack_push(WalkStack *s, int fd, const char *name, size_t len)
{
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 16;
                int *fds = realloc(s->fds, cap * sizeof(*fds));
                if (fds)
                        s->fds = fds;
                char **names = fds ? realloc(s->names, cap * sizeof(*names)) : NULL;
                if (!names) {
                        if (fd >= 0)
                                close(fd);
                        return -ENOMEM;
                }
                s->names = names;
                s->cap = cap;
        }
        char *copy = strndup(name, len);
        if (!copy) {
                if (fd >= 0)
                        close(fd);
                return -ENOMEM;
        }
        s->fds[s->n] = fd;
        s->names[s->n] = copy;
        s->n++;
        return 0;
}

static int stack_top(const WalkStack *s, int rootfd)
{
        return s->n ? s->fds[s->n - 1] : rootfd;
}

static int stack_parent(const WalkStack *s, int rootfd)
{
        return s->n >= 2 ? s->fds[s->n - 2] : rootfd;
}

/* "<root>/<a>/<b>" from the names on the stack. */
static int stack_join(const WalkStack *s, const char *root, char **ret)
{
        size_t rl = strlen(root);
        while (rl > 1 && root[rl - 1] == '/')
                rl--;
        size_t len = rl + 2;
        for (size_t i = 0; i < s->n; i++)
                len += strlen(s->names[i]) + 1;
        char *out = malloc(len);
        if (!out)
                return -ENOMEM;
        memcpy(out, root, rl);
        size_t pos = rl;
        if (s->n == 0 && rl == 0)
                out[pos++] = '/';
        for (size_t i = 0; i < s->n; i++) {
                if (pos == 0 || out[pos - 1] != '/')
                        out[pos++] = '/';
                size_t nl = strlen(s->names[i]);
                memcpy(out + pos, s->names[i], nl);
                pos += nl;
        }
        out[pos] = '\0';
        *ret = out;
        return 0;
}

/* Replaces the unwalked rest of the path with "<target>/<rest>". */
static int splice_link(char **buf, size_t *pos, const char *target)
{
        const char *rest = *buf + *pos;
        char *joined = NULL;
        if (asprintf(&joined, "%s/%s", target, rest) < 0)
                return -ENOMEM;
        free(*buf);
        *buf = joined;
        *pos = 0;
        return 0;
}

static bool only_slashes(const char *p)
{
        while (*p == '/')
                p++;
        return *p == '\0';
}

typedef struct WalkResult {
        int fd;     /* WALK_OPEN / WALK_MKDIR */
        char *path; /* WALK_RESOLVE */
} WalkResult;

static int walk_finish(WalkStack *s, int rootfd, WalkMode mode, int flags, mode_t fmode,
                       const char *root, WalkResult *res, const char *path, BerthError **err)
{
        if (mode == WALK_RESOLVE) {
                if (stack_join(s, root, &res->path) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                return 0;
        }
        int top = stack_top(s, rootfd);
        struct stat st;
        if (fstat(top, &st) < 0)
                return error_set_errno(err, errno, "stat '%s' inside the root", path);
        if (mode == WALK_MKDIR) {
                if (!S_ISDIR(st.st_mode))
                        return error_set(err, ENOTDIR, "'%s' inside the root: %s", path,
                                         strerror(ENOTDIR));
                if (s->n == 0) {
                        res->fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (res->fd < 0)
                                return error_set_errno(err, errno, "open the root");
                        return 0;
                }
                res->fd = TAKE_FD(s->fds[s->n - 1]);
                return 0;
        }
        if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode))
                return error_set(err, ENOTDIR, "open '%s' inside the root: %s", path,
                                 strerror(ENOTDIR));
        if ((flags & O_CREAT) && (flags & O_EXCL))
                return error_set(err, EEXIST, "create '%s' inside the root: %s", path,
                                 strerror(EEXIST));
        if ((flags & O_PATH) && s->n > 0) {
                res->fd = TAKE_FD(s->fds[s->n - 1]);
                return 0;
        }
        /* Reopen by name from the parent with O_NOFOLLOW: a symlink swapped in
         * since we looked fails with ELOOP instead of leading out. */
        int fd;
        if (s->n == 0)
                fd = openat(rootfd, ".", (flags & ~O_CREAT) | O_CLOEXEC);
        else
                fd = openat(stack_parent(s, rootfd), s->names[s->n - 1],
                            (flags & ~O_CREAT) | O_NOFOLLOW | O_CLOEXEC, fmode);
        if (fd < 0)
                return error_set_errno(err, errno, "open '%s' inside the root", path);
        res->fd = fd;
        return 0;
}

static int walk(int rootfd, const char *root, const char *path, WalkMode mode, int flags,
                mode_t fmode, WalkResult *res, BerthError **err)
{
        _cleanup_(stack_done) WalkStack s = {0};
        _cleanup_free_ char *buf = strdup(path);
        _cleanup_free_ char *comp = NULL;
        size_t pos = 0;
        int links = 0;
        bool missing = false; /* resolve: a component did not exist */

        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        for (;;) {
                while (buf[pos] == '/')
                        pos++;
                if (!buf[pos])
                        break;
                size_t len = strcspn(buf + pos, "/");
                free(comp);
                comp = strndup(buf + pos, len);
                if (!comp)
                        return error_set(err, ENOMEM, "out of memory");
                pos += len;
                bool last = only_slashes(buf + pos);

                if (STREQ(comp, "."))
                        continue;
                if (STREQ(comp, "..")) {
                        stack_pop(&s);
                        if (missing && (s.n == 0 || s.fds[s.n - 1] >= 0))
                                missing = false;
                        continue;
                }
                if (missing) { /* resolve mode past a missing component */
                        if (stack_push(&s, -1, comp, len) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        continue;
                }
                int cur = stack_top(&s, rootfd);
                int mkdir_tries = 0;
        retry:;
                int fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        int e = errno;
                        if (e != ENOENT)
                                return error_set_errno(err, e, "open '%s' inside the root", path);
                        /* EEXIST then ENOENT again means a racing rename:
                         * retry, a few times only */
                        if (mode == WALK_MKDIR && mkdir_tries++ < 8) {
                                if (mkdirat(cur, comp, fmode) < 0 && errno != EEXIST)
                                        return error_set_errno(err, errno,
                                                               "create directory '%s' of '%s'",
                                                               comp, path);
                                goto retry;
                        }
                        if (mode == WALK_RESOLVE) {
                                missing = true;
                                if (stack_push(&s, -1, comp, len) < 0)
                                        return error_set(err, ENOMEM, "out of memory");
                                continue;
                        }
                        if (last && (flags & O_CREAT)) {
                                fd = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC, fmode);
                                if (fd < 0)
                                        return error_set_errno(err, errno,
                                                               "create '%s' inside the root", path);
                                res->fd = fd;
                                return 0;
                        }
                        return error_set_errno(err, e, "open '%s' inside the root", path);
                }
                struct stat st;
                if (fstat(fd, &st) < 0) {
                        int e = errno;
                        close(fd);
                        return error_set_errno(err, e, "stat '%s' inside the root", path);
                }
                if (S_ISLNK(st.st_mode)) {
                        if (last && mode == WALK_OPEN && (flags & O_NOFOLLOW)) {
                                if (flags & O_PATH) {
                                        res->fd = fd;
                                        return 0;
                                }
                                close(fd);
                                return error_set(err, ELOOP, "open '%s' inside the root: %s", path,
                                                 strerror(ELOOP));
                        }
                        if (++links > SAFE_MAX_LINKS) {
                                close(fd);
                                return error_set(err, ELOOP, "resolve '%s' inside the root: %s",
                                                 path, strerror(ELOOP));
                        }
                        char target[PATH_MAX];
                        ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
                        int e = errno;
                        close(fd);
                        if (n < 0)
                                return error_set_errno(err, e, "read link '%s' in '%s'", comp,
                                                       path);
                        target[n] = '\0';
                        if (target[0] == '/')
                                stack_clear(&s);
                        if (splice_link(&buf, &pos, target) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        continue;
                }
                if (!last && !S_ISDIR(st.st_mode)) {
                        close(fd);
                        return error_set(err, ENOTDIR, "resolve '%s' inside the root: %s", path,
                                         strerror(ENOTDIR));
                }
                if (stack_push(&s, fd, comp, len) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        return walk_finish(&s, rootfd, mode, flags, fmode, root, res, path, err);
}

int safe_openat_in_root(int rootfd, const char *path, int flags, mode_t mode, BerthError **err)
{
        if (use_openat2()) {
                int fd = openat2_in_root(rootfd, path, flags, mode);
                if (fd >= 0)
                        return fd;
                if (fd != -ENOSYS)
                        return error_set_errno(err, fd, "open '%s' inside the root", path);
        }
        WalkResult res = {.fd = -1};
        int r = walk(rootfd, NULL, path, WALK_OPEN, flags, mode, &res, err);
        return r < 0 ? r : res.fd;
}

int safe_mkdir_p_in_root(int rootfd, const char *path, mode_t mode, BerthError **err)
{
        /* The common case is a directory that exists; creation always walks,
         * since each mkdirat needs the parent resolved one step at a time. */
        if (use_openat2()) {
                int fd = openat2_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0);
                if (fd >= 0)
                        return fd;
                if (fd != -ENOENT && fd != -ENOSYS)
                        return error_set_errno(err, fd, "open directory '%s' inside the root",
                                               path);
        }
        WalkResult res = {.fd = -1};
        int r = walk(rootfd, NULL, path, WALK_MKDIR, 0, mode, &res, err);
        return r < 0 ? r : res.fd;
}

/* The parent part of path, "" for a single component. */
static char *parent_of(const char *path)
{
        char *p = strdup(path);
        if (!p)
                return NULL;
        size_t n = strlen(p);
        while (n > 0 && p[n - 1] == '/')
                n--;
        while (n > 0 && p[n - 1] != '/')
                n--;
        p[n] = '\0';
        return p;
}

int safe_mkfile_in_root(int rootfd, const char *path, mode_t mode, BerthError **err)
{
        _cleanup_error_ BerthError *first = NULL;
        int fd = safe_openat_in_root(rootfd, path, O_PATH, 0, &first);
        if (fd >= 0 || fd != -ENOENT)
                return fd >= 0 ? fd : error_move(err, TAKE_PTR(first));

        _cleanup_free_ char *parent = parent_of(path);
        if (!parent)
                return error_set(err, ENOMEM, "out of memory");
        _cleanup_close_ int dfd = safe_mkdir_p_in_root(rootfd, parent, 0755, err);
        if (dfd < 0)
                return dfd;
        /* O_CREAT follows a dangling last symlink, bounded by the root like
         * every other step; O_NONBLOCK so a FIFO raced in can't hang us. */
        _cleanup_close_ int wfd = safe_openat_in_root(
            rootfd, path, O_CREAT | O_RDONLY | O_NOCTTY | O_NONBLOCK, mode, err);
        if (wfd < 0)
                return wfd;
        return safe_openat_in_root(rootfd, path, O_PATH, 0, err);
}

int safe_resolve_in_root(const char *root, const char *path, char **ret, BerthError **err)
{
        _cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return error_set_errno(err, errno, "open root '%s'", root);
        WalkResult res = {.fd = -1};
        int r = walk(rootfd, root, path, WALK_RESOLVE, 0, 0, &res, err);
        if (r < 0) {
                error_prefix(err, "resolve under '%s'", root);
                return r;
        }
        *ret = res.path;
        return 0;
}
