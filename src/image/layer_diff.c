/* Upper dir (overlay) or full copy (vfs) → layer tar with whiteouts. */
#include "image/layer_diff.h"
#include "common/cleanup.h"
#include "image/layer_fs.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

typedef struct Differ {
        struct archive *a;
        ImgInodeMap *links;
        BerthError **err;
} Differ;

/* A directory whose header is written only once something below changed. */
typedef struct Pending {
        struct Pending *parent;
        int pfd;
        const char *name;
        const char *path;
        struct stat st;
        bool written;
} Pending;

typedef struct NameList {
        char **v;
        size_t n;
} NameList;

static void namelist_done(NameList *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i]);
        free(l->v);
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_sorted(int dfd, NameList *ret)
{
        *ret = (NameList){0};
        if (dfd < 0)
                return 0;
        int fd = dup(dfd);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        size_t cap = 0;
        struct dirent *de;
        int r = 0;
        rewinddir(d);
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                if (ret->n == cap) {
                        cap = cap ? cap * 2 : 32;
                        char **nv = realloc(ret->v, cap * sizeof(char *));
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        ret->v = nv;
                }
                if (!(ret->v[ret->n] = strdup(de->d_name))) {
                        r = -ENOMEM;
                        break;
                }
                ret->n++;
        }
        closedir(d);
        if (r < 0) {
                namelist_done(ret);
                return r;
        }
        if (ret->n)
                qsort(ret->v, ret->n, sizeof(char *), cmp_names);
        return 0;
}

static int add_xattrs(struct archive_entry *e, int pfd, const char *name)
{
        char p[PATH_MAX];
        img_fd_path(pfd, name, p, sizeof(p));
        ssize_t n = llistxattr(p, NULL, 0);
        if (n <= 0)
                return n < 0 && errno != ENOTSUP ? -errno : 0;
        _cleanup_free_ char *names = malloc((size_t)n);
        if (!names)
                return -ENOMEM;
        n = llistxattr(p, names, (size_t)n);
        if (n < 0)
                return -errno;
        for (char *k = names; k < names + n; k += strlen(k) + 1) {
                if (strncmp(k, "trusted.overlay.", 16) == 0)
                        continue;
                ssize_t vn = lgetxattr(p, k, NULL, 0);
                if (vn < 0)
                        return -errno;
                _cleanup_free_ char *v = malloc((size_t)vn + 1);
                if (!v)
                        return -ENOMEM;
                vn = lgetxattr(p, k, v, (size_t)vn);
                if (vn < 0)
                        return -errno;
                archive_entry_xattr_add_entry(e, k, v, (size_t)vn);
        }
        return 0;
}

static int write_header(Differ *d, struct archive_entry *e, const char *path)
{
        if (archive_write_header(d->a, e) < ARCHIVE_WARN)
                return error_set(d->err, EIO, "diff: write header of '%s': %s", path,
                                 archive_error_string(d->a));
        return 0;
}

static int write_whiteout(Differ *d, const char *dir, const char *name, const struct stat *st)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s%s.wh.%s", dir, *dir ? "/" : "", name) < 0)
                return error_set(d->err, ENOMEM, "out of memory");
        struct archive_entry *e = archive_entry_new();
        if (!e)
                return error_set(d->err, ENOMEM, "out of memory");
        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0600);
        archive_entry_set_size(e, 0);
        archive_entry_set_uid(e, st->st_uid);
        archive_entry_set_gid(e, st->st_gid);
        archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
        int r = write_header(d, e, path);
        archive_entry_free(e);
        return r;
}

static int write_data(Differ *d, int pfd, const char *name, const char *path)
{
        _cleanup_close_ int fd = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(d->err, errno, "diff: open '%s'", path);
        char buf[65536];
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(d->err, errno, "diff: read '%s'", path);
                if (n == 0)
                        return 0;
                if (archive_write_data(d->a, buf, (size_t)n) < 0)
                        return error_set(d->err, EIO, "diff: write '%s': %s", path,
                                         archive_error_string(d->a));
        }
}

static int write_entry(Differ *d, int pfd, const char *name, const char *path,
                       const struct stat *st)
{
        struct archive_entry *e = archive_entry_new();
        if (!e)
                return error_set(d->err, ENOMEM, "out of memory");
        archive_entry_copy_stat(e, st);
        archive_entry_set_pathname(e, path);
        archive_entry_unset_atime(e);
        archive_entry_unset_ctime(e);
        archive_entry_unset_birthtime(e);
        archive_entry_set_ino(e, 0);
        archive_entry_set_dev(e, 0);
        archive_entry_set_nlink(e, 1);
        bool data = S_ISREG(st->st_mode) && st->st_size > 0;
        int r = 0;
        if (!S_ISREG(st->st_mode))
                archive_entry_set_size(e, 0);
        if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(pfd, name, target, sizeof(target) - 1);
                if (n < 0) {
                        r = error_set_errno(d->err, errno, "diff: readlink '%s'", path);
                        goto out;
                }
                target[n] = '\0';
                archive_entry_set_symlink(e, target);
        }
        if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
                int ie = 0;
                const char *first =
                    img_inodemap_get_or_add(d->links, st->st_dev, st->st_ino, path, &ie);
                if (ie < 0) {
                        r = error_set(d->err, ENOMEM, "out of memory");
                        goto out;
                }
                if (first) {
                        archive_entry_set_hardlink(e, first);
                        archive_entry_set_size(e, 0);
                        data = false;
                }
        }
        r = add_xattrs(e, pfd, name);
        if (r < 0) {
                r = error_set_errno(d->err, r, "diff: xattrs of '%s'", path);
                goto out;
        }
        r = write_header(d, e, path);
        if (r >= 0 && data)
                r = write_data(d, pfd, name, path);
out:
        archive_entry_free(e);
        return r;
}

static int flush_pending(Differ *d, Pending *p)
{
        if (!p || p->written)
                return 0;
        int r = flush_pending(d, p->parent);
        if (r < 0)
                return r;
        p->written = true;
        return write_entry(d, p->pfd, p->name, p->path, &p->st);
}

static char *join(const char *dir, const char *name)
{
        char *p = NULL;
        if (asprintf(&p, "%s%s%s", dir, *dir ? "/" : "", name) < 0)
                return NULL;
        return p;
}

static int open_dir(int pfd, const char *name)
{
        return openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int walk_overlay(Differ *d, int dfd, const char *rel)
{
        NameList names;
        int r = list_sorted(dfd, &names);
        if (r < 0)
                return error_set_errno(d->err, r, "diff: list '%s'", *rel ? rel : "/");
        for (size_t i = 0; i < names.n && r >= 0; i++) {
                const char *name = names.v[i];
                _cleanup_free_ char *path = join(rel, name);
                struct stat st;
                if (!path) {
                        r = error_set(d->err, ENOMEM, "out of memory");
                        break;
                }
                if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = error_set_errno(d->err, errno, "diff: stat '%s'", path);
                        break;
                }
                if (S_ISCHR(st.st_mode) && st.st_rdev == 0) {
                        r = write_whiteout(d, rel, name, &st);
                        continue;
                }
                r = write_entry(d, dfd, name, path, &st);
                if (r < 0 || !S_ISDIR(st.st_mode))
                        continue;
                char p[PATH_MAX], v[2];
                if (lgetxattr(img_fd_path(dfd, name, p, sizeof(p)), "trusted.overlay.opaque", v,
                              sizeof(v)) == 1 &&
                    v[0] == 'y') {
                        r = write_whiteout(d, path, ".wh..opq", &st);
                        if (r < 0)
                                break;
                }
                _cleanup_close_ int cfd = open_dir(dfd, name);
                if (cfd < 0) {
                        r = error_set_errno(d->err, errno, "diff: open '%s'", path);
                        break;
                }
                r = walk_overlay(d, cfd, path);
        }
        namelist_done(&names);
        return r;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
        return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool entry_changed(int ofd, int nfd, const char *name, const struct stat *o,
                          const struct stat *n)
{
        if ((o->st_mode & S_IFMT) != (n->st_mode & S_IFMT) || o->st_mode != n->st_mode ||
            o->st_uid != n->st_uid || o->st_gid != n->st_gid || o->st_rdev != n->st_rdev)
                return true;
        if (S_ISDIR(n->st_mode))
                return false; /* a directory's mtime moves with its children */
        if (o->st_size != n->st_size || !same_time(&o->st_mtim, &n->st_mtim))
                return true;
        if (S_ISLNK(n->st_mode)) {
                char a[PATH_MAX], b[PATH_MAX];
                ssize_t la = readlinkat(ofd, name, a, sizeof(a));
                ssize_t lb = readlinkat(nfd, name, b, sizeof(b));
                return la != lb || la < 0 || memcmp(a, b, (size_t)la) != 0;
        }
        return false;
}

static int walk_vfs(Differ *d, int ofd, int nfd, const char *rel, Pending *parent)
{
        NameList on, nn;
        int r = list_sorted(ofd, &on);
        if (r < 0)
                return error_set_errno(d->err, r, "diff: list old '%s'", *rel ? rel : "/");
        r = list_sorted(nfd, &nn);
        if (r < 0) {
                namelist_done(&on);
                return error_set_errno(d->err, r, "diff: list '%s'", *rel ? rel : "/");
        }
        size_t i = 0, j = 0;
        while (r >= 0 && (i < nn.n || j < on.n)) {
                int c = i >= nn.n ? 1 : j >= on.n ? -1 : strcmp(nn.v[i], on.v[j]);
                if (c > 0) { /* removed */
                        struct stat ost;
                        if (fstatat(ofd, on.v[j], &ost, AT_SYMLINK_NOFOLLOW) < 0)
                                memset(&ost, 0, sizeof(ost));
                        r = flush_pending(d, parent);
                        if (r >= 0)
                                r = write_whiteout(d, rel, on.v[j], &ost);
                        j++;
                        continue;
                }
                const char *name = nn.v[i];
                struct stat nst, ost;
                bool has_old = c == 0;
                i++;
                if (has_old)
                        j++;
                _cleanup_free_ char *path = join(rel, name);
                if (!path) {
                        r = error_set(d->err, ENOMEM, "out of memory");
                        break;
                }
                if (fstatat(nfd, name, &nst, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = error_set_errno(d->err, errno, "diff: stat '%s'", path);
                        break;
                }
                if (has_old && fstatat(ofd, name, &ost, AT_SYMLINK_NOFOLLOW) < 0)
                        has_old = false;
                bool changed = !has_old || entry_changed(ofd, nfd, name, &ost, &nst);
                if (!S_ISDIR(nst.st_mode)) {
                        if (changed) {
                                r = flush_pending(d, parent);
                                if (r >= 0)
                                        r = write_entry(d, nfd, name, path, &nst);
                        }
                        continue;
                }
                Pending node = {
                    .parent = parent, .pfd = nfd, .name = name, .path = path, .st = nst};
                if (changed) {
                        r = flush_pending(d, &node);
                        if (r < 0)
                                break;
                }
                _cleanup_close_ int ncfd = open_dir(nfd, name);
                _cleanup_close_ int ocfd =
                    has_old && S_ISDIR(ost.st_mode) ? open_dir(ofd, name) : -1;
                if (ncfd < 0) {
                        r = error_set_errno(d->err, errno, "diff: open '%s'", path);
                        break;
                }
                r = walk_vfs(d, ocfd, ncfd, path, &node);
        }
        namelist_done(&on);
        namelist_done(&nn);
        return r;
}

static int differ_open(Differ *d, int out_fd, BerthError **err)
{
        *d = (Differ){.err = err};
        d->a = archive_write_new();
        d->links = img_inodemap_new();
        if (!d->a || !d->links)
                return error_set(err, ENOMEM, "out of memory");
        archive_write_set_format_pax_restricted(d->a);
        archive_write_set_bytes_in_last_block(d->a, 1);
        if (archive_write_open_fd(d->a, out_fd) != ARCHIVE_OK)
                return error_set(err, EIO, "diff: open output: %s", archive_error_string(d->a));
        return 0;
}

static int differ_close(Differ *d, int r)
{
        if (d->a) {
                if (archive_write_close(d->a) != ARCHIVE_OK && r >= 0)
                        r = error_set(d->err, EIO, "diff: finish the tar: %s",
                                      archive_error_string(d->a));
                archive_write_free(d->a);
        }
        img_inodemap_free(d->links);
        return r;
}

int img_layer_diff_overlay(int upper_dirfd, int out_fd, BerthError **err)
{
        Differ d;
        int r = differ_open(&d, out_fd, err);
        if (r >= 0)
                r = walk_overlay(&d, upper_dirfd, "");
        return differ_close(&d, r);
}

int img_layer_diff_vfs(int old_dirfd, int new_dirfd, int out_fd, BerthError **err)
{
        Differ d;
        int r = differ_open(&d, out_fd, err);
        if (r >= 0)
                r = walk_vfs(&d, old_dirfd, new_dirfd, "", NULL);
        return differ_close(&d, r);
}
