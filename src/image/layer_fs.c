/* Filesystem helpers for layers: recursive removal and copy by fd, string
 * sets and inode maps. */
#include "image/layer_fs.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

const char *img_fd_path(int fd, const char *name, char *buf, size_t len)
{
        if (name && *name)
                snprintf(buf, len, "/proc/self/fd/%d/%s", fd, name);
        else
                snprintf(buf, len, "/proc/self/fd/%d", fd);
        return buf;
}

static int rm_children(int dfd)
{
        int fd = dup(dfd);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                int r = -errno;
                close(fd);
                return r;
        }
        int ret = 0;
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                int r = img_rm_rf_at(dfd, de->d_name);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        closedir(d);
        return ret;
}

int img_rm_rf_at(int dirfd, const char *name)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
        _cleanup_close_ int fd =
            openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct stat pst;
        if (fstat(dirfd, &pst) < 0)
                return -errno;
        if (pst.st_dev != st.st_dev)
                return -EBUSY; /* a mount point: never descend */
        int r = rm_children(fd);
        if (r < 0)
                return r;
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int img_copy_xattrs(const char *src_path, const char *dst_path, const char *skip_prefix)
{
        ssize_t n = llistxattr(src_path, NULL, 0);
        if (n < 0)
                return errno == ENOTSUP ? 0 : -errno;
        if (n == 0)
                return 0;
        _cleanup_free_ char *names = malloc((size_t)n);
        if (!names)
                return -ENOMEM;
        n = llistxattr(src_path, names, (size_t)n);
        if (n < 0)
                return -errno;
        for (char *k = names; k < names + n; k += strlen(k) + 1) {
                if (skip_prefix && strncmp(k, skip_prefix, strlen(skip_prefix)) == 0)
                        continue;
                ssize_t vn = lgetxattr(src_path, k, NULL, 0);
                if (vn < 0)
                        return -errno;
                _cleanup_free_ char *v = malloc((size_t)vn + 1);
                if (!v)
                        return -ENOMEM;
                vn = lgetxattr(src_path, k, v, (size_t)vn);
                if (vn < 0)
                        return -errno;
                if (lsetxattr(dst_path, k, v, (size_t)vn, 0) < 0 && errno != ENOTSUP &&
                    errno != EPERM)
                        return -errno;
        }
        return 0;
}

/* ---- copy ---- */

typedef struct CopyCtx {
        int dst_root;
        ImgInodeMap *links;
        BerthError **err;
} CopyCtx;

static int copy_data(int sfd, int dfd, off_t size)
{
        if (ioctl(dfd, FICLONE, sfd) == 0)
                return 0;
        off_t done = 0;
        while (done < size) {
                ssize_t n = copy_file_range(sfd, NULL, dfd, NULL, (size_t)(size - done), 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 &&
                    (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP))
                        break;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                done += n;
        }
        if (done >= size)
                return 0;
        /* Fallback for filesystems without copy_file_range. */
        char buf[65536];
        for (;;) {
                ssize_t n = pread(sfd, buf, sizeof(buf), done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                for (ssize_t off = 0; off < n;) {
                        ssize_t w = pwrite(dfd, buf + off, (size_t)(n - off), done + off);
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return -errno;
                        off += w;
                }
                done += n;
        }
}

/* Ownership, xattrs, mode (after chown, which clears setuid), times. */
static int copy_meta(int sdir, int ddir, const char *name, const struct stat *st)
{
        char sp[PATH_MAX], dp[PATH_MAX];
        if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        int r = img_copy_xattrs(img_fd_path(sdir, name, sp, sizeof(sp)),
                                img_fd_path(ddir, name, dp, sizeof(dp)), NULL);
        if (r < 0)
                return r;
        if (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
                return -errno;
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return 0;
}

static int copy_dir(CopyCtx *c, int sdir, int ddir, const char *rel);

static int copy_entry(CopyCtx *c, int sdir, int ddir, const char *rel, const char *name)
{
        struct stat st;
        if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return error_set_errno(c->err, errno, "copy '%s': stat", rel);
        int r = 0;
        if (S_ISDIR(st.st_mode)) {
                if (mkdirat(ddir, name, 0700) < 0 && errno != EEXIST)
                        return error_set_errno(c->err, errno, "copy '%s': mkdir", rel);
                _cleanup_close_ int s =
                    openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_close_ int d =
                    openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (s < 0 || d < 0)
                        return error_set_errno(c->err, errno, "copy '%s': open directory", rel);
                r = copy_dir(c, s, d, rel);
                if (r < 0)
                        return r;
        } else if (S_ISREG(st.st_mode)) {
                if (st.st_nlink > 1) {
                        int e = 0;
                        const char *first =
                            img_inodemap_get_or_add(c->links, st.st_dev, st.st_ino, rel, &e);
                        if (e < 0)
                                return error_set_errno(c->err, e, "copy '%s'", rel);
                        if (first) {
                                if (linkat(c->dst_root, first, ddir, name, 0) < 0)
                                        return error_set_errno(c->err, errno,
                                                               "copy '%s': hard link", rel);
                                return 0;
                        }
                }
                _cleanup_close_ int s = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (s < 0)
                        return error_set_errno(c->err, errno, "copy '%s': open", rel);
                _cleanup_close_ int d =
                    openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (d < 0)
                        return error_set_errno(c->err, errno, "copy '%s': create", rel);
                r = copy_data(s, d, st.st_size);
                if (r < 0)
                        return error_set_errno(c->err, r, "copy '%s': data", rel);
        } else if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);
                if (n < 0)
                        return error_set_errno(c->err, errno, "copy '%s': readlink", rel);
                target[n] = '\0';
                if (symlinkat(target, ddir, name) < 0)
                        return error_set_errno(c->err, errno, "copy '%s': symlink", rel);
        } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
                if (mknodat(ddir, name, st.st_mode, st.st_rdev) < 0)
                        return error_set_errno(c->err, errno, "copy '%s': mknod", rel);
        } else {
                return 0; /* sockets are not part of a layer */
        }
        r = copy_meta(sdir, ddir, name, &st);
        if (r < 0)
                return error_set_errno(c->err, r, "copy '%s': metadata", rel);
        return 0;
}

static int copy_dir(CopyCtx *c, int sdir, int ddir, const char *rel)
{
        int fd = dup(sdir);
        if (fd < 0)
                return error_set_errno(c->err, errno, "copy '%s'", rel);
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return error_set_errno(c->err, errno, "copy '%s'", rel);
        }
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *child = NULL;
                if (asprintf(&child, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0) {
                        r = error_set(c->err, ENOMEM, "copy: out of memory");
                        break;
                }
                r = copy_entry(c, sdir, ddir, child, de->d_name);
                if (r < 0)
                        break;
        }
        closedir(d);
        return r;
}

int img_copy_tree(int src_dirfd, int dst_dirfd, BerthError **err)
{
        CopyCtx c = {.dst_root = dst_dirfd, .links = img_inodemap_new(), .err = err};
        if (!c.links)
                return error_set(err, ENOMEM, "copy: out of memory");
        int r = copy_dir(&c, src_dirfd, dst_dirfd, "");
        img_inodemap_free(c.links);
        if (r < 0)
                return r;
        struct stat st;
        if (fstat(src_dirfd, &st) < 0)
                return error_set_errno(err, errno, "copy: stat the source root");
        char sp[PATH_MAX], dp[PATH_MAX];
        img_fd_path(src_dirfd, NULL, sp, sizeof(sp));
        img_fd_path(dst_dirfd, NULL, dp, sizeof(dp));
        if (fchown(dst_dirfd, st.st_uid, st.st_gid) < 0)
                return error_set_errno(err, errno, "copy: chown the root");
        r = img_copy_xattrs(sp, dp, NULL);
        if (r < 0)
                return error_set_errno(err, r, "copy: xattrs of the root");
        struct timespec ts[2] = {st.st_atim, st.st_mtim};
        if (fchmod(dst_dirfd, st.st_mode & 07777) < 0 || futimens(dst_dirfd, ts) < 0)
                return error_set_errno(err, errno, "copy: mode and times of the root");
        return 0;
}

/* ---- string set ---- */

struct ImgStrSet {
        char **slots;
        size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
        uint64_t h = 1469598103934665603ULL;
        for (; *s; s++)
                h = (h ^ (uint8_t)*s) * 1099511628211ULL;
        return h;
}

ImgStrSet *img_strset_new(void)
{
        ImgStrSet *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->cap = 64;
        s->slots = calloc(s->cap, sizeof(char *));
        if (!s->slots) {
                free(s);
                return NULL;
        }
        return s;
}

static void strset_insert(char **slots, size_t cap, char *str)
{
        size_t i = hash_str(str) & (cap - 1);
        while (slots[i])
                i = (i + 1) & (cap - 1);
        slots[i] = str;
}

int img_strset_add(ImgStrSet *s, const char *str)
{
        if (img_strset_contains(s, str))
                return 0;
        if ((s->n + 1) * 2 > s->cap) {
                size_t ncap = s->cap * 2;
                char **ns = calloc(ncap, sizeof(char *));
                if (!ns)
                        return -ENOMEM;
                for (size_t i = 0; i < s->cap; i++)
                        if (s->slots[i])
                                strset_insert(ns, ncap, s->slots[i]);
                free(s->slots);
                s->slots = ns;
                s->cap = ncap;
        }
        char *copy = strdup(str);
        if (!copy)
                return -ENOMEM;
        strset_insert(s->slots, s->cap, copy);
        s->n++;
        return 1;
}

bool img_strset_contains(const ImgStrSet *s, const char *str)
{
        for (size_t i = hash_str(str) & (s->cap - 1); s->slots[i]; i = (i + 1) & (s->cap - 1))
                if (STREQ(s->slots[i], str))
                        return true;
        return false;
}

ImgStrSet *img_strset_free(ImgStrSet *s)
{
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->cap; i++)
                free(s->slots[i]);
        free(s->slots);
        free(s);
        return NULL;
}

/* ---- inode map: few entries (only files with several links) ---- */

typedef struct InodeEntry {
        dev_t dev;
        ino_t ino;
        char *path;
} InodeEntry;

struct ImgInodeMap {
        InodeEntry *v;
        size_t n, cap;
};

ImgInodeMap *img_inodemap_new(void)
{
        return calloc(1, sizeof(ImgInodeMap));
}

const char *img_inodemap_get_or_add(ImgInodeMap *m, dev_t dev, ino_t ino, const char *path,
                                    int *ret_err)
{
        for (size_t i = 0; i < m->n; i++)
                if (m->v[i].dev == dev && m->v[i].ino == ino)
                        return m->v[i].path;
        if (m->n == m->cap) {
                size_t ncap = m->cap ? m->cap * 2 : 16;
                InodeEntry *nv = realloc(m->v, ncap * sizeof(*nv));
                if (!nv) {
                        *ret_err = -ENOMEM;
                        return NULL;
                }
                m->v = nv;
                m->cap = ncap;
        }
        char *p = strdup(path);
        if (!p) {
                *ret_err = -ENOMEM;
                return NULL;
        }
        m->v[m->n++] = (InodeEntry){.dev = dev, .ino = ino, .path = p};
        return NULL;
}

ImgInodeMap *img_inodemap_free(ImgInodeMap *m)
{
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n; i++)
                free(m->v[i].path);
        free(m->v);
        free(m);
        return NULL;
}
