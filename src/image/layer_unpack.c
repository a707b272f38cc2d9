/* Tar stream → layer directory. One pass: the decompressed bytes are hashed
 * (diff_id) as libarchive's tar reader pulls them. */
#include "image/layer_unpack.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/safepath.h"
#include "image/digest.h"
#include "image/layer_fs.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META   ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

typedef struct DirTimes {
        char *path;
        struct timespec ts[2];
} DirTimes;

typedef struct Unpacker {
        int root;
        const ImgUnpackOptions *opts;
        ImgDecompressor *dec;
        ImgHasher *hasher; /* diff_id: sha256 of the decompressed stream */
        uint64_t tar_size;
        uint64_t size;
        BerthError *read_err; /* the stream's own error, kept for the message */
        ImgStrSet *unpacked;  /* vfs: paths this layer created (opaque dirs keep them) */
        DirTimes *dirs;
        size_t n_dirs, cap_dirs;
        BerthError **err;
} Unpacker;

static const char *layer_name(const Unpacker *u)
{
        return u->opts && u->opts->name ? u->opts->name : "<unnamed>";
}

static int entry_fail(Unpacker *u, const char *entry, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int entry_fail(Unpacker *u, const char *entry, int code, const char *fmt, ...)
{
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return error_set(u->err, code, "layer %s: entry '%s': %s", layer_name(u), entry, msg);
}

int img_layer_clean_path(const char *name, char **ret)
{
        if (name[0] == '/')
                return -EXDEV;
        size_t len = strlen(name);
        char *out = malloc(len + 1);
        if (!out)
                return -ENOMEM;
        size_t o = 0;
        const char *p = name;
        while (*p) {
                const char *e = strchrnul(p, '/');
                size_t n = (size_t)(e - p);
                if (n == 0 || (n == 1 && p[0] == '.')) {
                        /* skip */
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        if (o == 0) {
                                free(out);
                                return -EXDEV;
                        }
                        while (o > 0 && out[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--; /* the separator */
                } else {
                        if (o > 0)
                                out[o++] = '/';
                        memcpy(out + o, p, n);
                        o += n;
                }
                p = *e ? e + 1 : e;
        }
        out[o] = '\0';
        *ret = out;
        return 0;
}

/* Splits a cleaned path into its parent ("" for the root) and base name. */
static void split_path(char *path, const char **ret_parent, const char **ret_base)
{
        char *slash = strrchr(path, '/');
        if (!slash) {
                *ret_parent = "";
                *ret_base = path;
                return;
        }
        *slash = '\0';
        *ret_parent = path;
        *ret_base = slash + 1;
}

/* The parent directory, resolved inside the layer root (symlinks bounded by
 * the root) and created when missing. Returns an O_PATH fd. */
static int open_parent(Unpacker *u, const char *entry, const char *parent, bool create)
{
        int fd;
        if (!*parent) {
                fd = openat(u->root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        fd = -errno;
        } else if (create) {
                fd = safe_mkdir_p_in_root(u->root, parent, 0755, NULL);
        } else {
                fd = safe_openat_in_root(u->root, parent, O_PATH | O_DIRECTORY, 0, NULL);
        }
        if (fd < 0) {
                int code = -fd;
                if (!create && code == ENOENT)
                        return -ENOENT;
                return entry_fail(u, entry, code, "parent directory '%s': %s", parent,
                                  strerror(code));
        }
        return fd;
}

static la_ssize_t tar_read_cb(struct archive *a, void *client, const void **buff)
{
        Unpacker *u = client;
        ssize_t n = img_decompressor_read(u->dec, buff, &u->read_err);
        if (n < 0) {
                archive_set_error(a, (int)-n, "%s",
                                  u->read_err ? u->read_err->message : "read error");
                return -1;
        }
        if (n > 0) {
                img_hasher_update(u->hasher, *buff, (size_t)n);
                u->tar_size += (uint64_t)n;
        }
        return n;
}

static int record_dir(Unpacker *u, const char *path, struct archive_entry *e)
{
        if (u->n_dirs == u->cap_dirs) {
                size_t ncap = u->cap_dirs ? u->cap_dirs * 2 : 64;
                DirTimes *nd = realloc(u->dirs, ncap * sizeof(*nd));
                if (!nd)
                        return error_set(u->err, ENOMEM, "out of memory");
                u->dirs = nd;
                u->cap_dirs = ncap;
        }
        DirTimes *d = &u->dirs[u->n_dirs];
        d->path = strdup(path);
        if (!d->path)
                return error_set(u->err, ENOMEM, "out of memory");
        d->ts[1] = (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
        if (archive_entry_atime_is_set(e))
                d->ts[0] = (struct timespec){archive_entry_atime(e), archive_entry_atime_nsec(e)};
        else
                d->ts[0] = d->ts[1];
        u->n_dirs++;
        return 0;
}

static int whiteout(Unpacker *u, const char *entry, const char *parent, const char *name,
                    struct archive_entry *e)
{
        if (!*name || STREQ(name, ".") || STREQ(name, ".."))
                return entry_fail(u, entry, EINVAL, "invalid whiteout name");
        if (u->opts->whiteouts == IMG_WHITEOUT_DELETE) {
                _cleanup_close_ int pfd = open_parent(u, entry, parent, false);
                if (pfd == -ENOENT)
                        return 0; /* nothing below to hide */
                if (pfd < 0)
                        return pfd;
                int r = img_rm_rf_at(pfd, name);
                if (r < 0)
                        return entry_fail(u, entry, -r, "remove '%s': %s", name, strerror(-r));
                return 0;
        }
        _cleanup_close_ int pfd = open_parent(u, entry, parent, true);
        if (pfd < 0)
                return pfd;
        int r = img_rm_rf_at(pfd, name);
        if (r < 0)
                return entry_fail(u, entry, -r, "replace '%s': %s", name, strerror(-r));
        if (mknodat(pfd, name, S_IFCHR, makedev(0, 0)) < 0)
                return entry_fail(u, entry, errno, "create whiteout device: %s", strerror(errno));
        if (fchownat(pfd, name, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
                     AT_SYMLINK_NOFOLLOW) < 0)
                return entry_fail(u, entry, errno, "chown whiteout: %s", strerror(errno));
        return 0;
}

static int opaque(Unpacker *u, const char *entry, const char *parent)
{
        _cleanup_close_ int pfd = open_parent(u, entry, parent, true);
        if (pfd < 0)
                return pfd;
        char p[64];
        if (u->opts->whiteouts == IMG_WHITEOUT_OVERLAY) {
                if (setxattr(img_fd_path(pfd, NULL, p, sizeof(p)), "trusted.overlay.opaque", "y", 1,
                             0) < 0)
                        return entry_fail(u, entry, errno, "set the opaque xattr: %s",
                                          strerror(errno));
                return 0;
        }
        /* vfs: drop what the lower layers put here, keep this layer's own. */
        _cleanup_close_ int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return entry_fail(u, entry, errno, "open '%s': %s", parent, strerror(errno));
        DIR *d = fdopendir(dfd);
        if (!d)
                return entry_fail(u, entry, errno, "open '%s': %s", parent, strerror(errno));
        dfd = -1; /* owned by d */
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *child = NULL;
                if (asprintf(&child, "%s%s%s", parent, *parent ? "/" : "", de->d_name) < 0) {
                        r = error_set(u->err, ENOMEM, "out of memory");
                        break;
                }
                if (img_strset_contains(u->unpacked, child))
                        continue;
                r = img_rm_rf_at(dirfd(d), de->d_name);
                if (r < 0) {
                        r = entry_fail(u, entry, -r, "remove '%s': %s", child, strerror(-r));
                        break;
                }
        }
        closedir(d);
        return r;
}

static int write_data(Unpacker *u, struct archive *a, const char *entry, int fd, int64_t size)
{
        const void *buf;
        size_t len;
        la_int64_t off;
        int64_t end = 0;
        for (;;) {
                int r = archive_read_data_block(a, &buf, &len, &off);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return entry_fail(u, entry, EIO, "read data: %s",
                                          u->read_err ? u->read_err->message
                                                      : archive_error_string(a));
                const char *p = buf;
                while (len > 0) {
                        ssize_t w = pwrite(fd, p, len, off);
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return entry_fail(u, entry, errno, "write: %s", strerror(errno));
                        p += w;
                        off += w;
                        len -= (size_t)w;
                }
                if (off > end)
                        end = off;
        }
        if (end < size && ftruncate(fd, size) < 0) /* sparse tail */
                return entry_fail(u, entry, errno, "truncate: %s", strerror(errno));
        u->size += (uint64_t)size;
        return 0;
}

static int set_xattrs(Unpacker *u, const char *entry, int pfd, const char *base,
                      struct archive_entry *e)
{
        char p[PATH_MAX];
        img_fd_path(pfd, base, p, sizeof(p));
        const char *name;
        const void *value;
        size_t size;
        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                /* An archive must not forge overlay metadata (redirects,
                 * opaque markers): only whiteouts make those. */
                if (strncmp(name, "trusted.overlay.", 16) == 0)
                        continue;
                if (lsetxattr(p, name, value, size, 0) < 0) {
                        if (errno == ENOTSUP || errno == EPERM) {
                                log_debug("layer %s: entry '%s': xattr %s not supported here",
                                          layer_name(u), entry, name);
                                continue;
                        }
                        return entry_fail(u, entry, errno, "set xattr %s: %s", name,
                                          strerror(errno));
                }
        }
        return 0;
}

static int hardlink(Unpacker *u, const char *entry, int pfd, const char *base, const char *target)
{
        _cleanup_free_ char *clean = NULL;
        int r = img_layer_clean_path(target, &clean);
        if (r == -EXDEV)
                return entry_fail(u, entry, EXDEV, "hard link target '%s' escapes the layer",
                                  target);
        if (r < 0)
                return error_set(u->err, r, "out of memory");
        if (!*clean)
                return entry_fail(u, entry, EINVAL, "hard link to the layer root");
        const char *tparent, *tbase;
        split_path(clean, &tparent, &tbase);
        _cleanup_close_ int tfd = open_parent(u, entry, tparent, false);
        if (tfd == -ENOENT)
                return entry_fail(u, entry, ENOENT, "hard link target '%s' is not in the layer",
                                  target);
        if (tfd < 0)
                return tfd;
        if (linkat(tfd, tbase, pfd, base, 0) < 0)
                return entry_fail(u, entry, errno, "hard link to '%s': %s", target,
                                  errno == ENOENT ? "target is not in the layer" : strerror(errno));
        return 0;
}

static int unpack_entry(Unpacker *u, struct archive *a, struct archive_entry *e)
{
        const char *raw = archive_entry_pathname(e);
        if (!raw || !*raw)
                return error_set(u->err, EINVAL, "layer %s: entry without a name", layer_name(u));
        _cleanup_free_ char *clean = NULL;
        int r = img_layer_clean_path(raw, &clean);
        if (r == -EXDEV)
                return entry_fail(u, raw, EXDEV, "path escapes the layer");
        if (r < 0)
                return error_set(u->err, r, "out of memory");
        mode_t type = archive_entry_filetype(e);
        const char *hl = archive_entry_hardlink(e);

        if (!*clean) { /* the layer root itself */
                if (type != AE_IFDIR)
                        return entry_fail(u, raw, EINVAL, "the layer root is not a directory");
                char p[64];
                img_fd_path(u->root, NULL, p, sizeof(p));
                if (fchownat(u->root, "", (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
                             AT_EMPTY_PATH) < 0 ||
                    chmod(p, archive_entry_perm(e) & 07777) < 0)
                        return entry_fail(u, raw, errno, "root metadata: %s", strerror(errno));
                return record_dir(u, "", e);
        }

        _cleanup_free_ char *path = strdup(clean);
        if (!path)
                return error_set(u->err, ENOMEM, "out of memory");
        const char *parent, *base;
        split_path(clean, &parent, &base);

        if (strncmp(base, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0) {
                if (STREQ(base, WHITEOUT_OPAQUE))
                        return opaque(u, raw, parent);
                if (strncmp(base, WHITEOUT_META, strlen(WHITEOUT_META)) == 0)
                        return 0; /* aufs bookkeeping (.wh..wh.plnk etc.) */
                return whiteout(u, raw, parent, base + strlen(WHITEOUT_PREFIX), e);
        }

        _cleanup_close_ int pfd = open_parent(u, raw, parent, true);
        if (pfd < 0)
                return pfd;

        struct stat st;
        if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            !(S_ISDIR(st.st_mode) && type == AE_IFDIR && !hl)) {
                r = img_rm_rf_at(pfd, base);
                if (r < 0)
                        return entry_fail(u, raw, -r, "replace existing entry: %s", strerror(-r));
        }
        if (u->unpacked && img_strset_add(u->unpacked, path) < 0)
                return error_set(u->err, ENOMEM, "out of memory");

        if (hl)
                return hardlink(u, raw, pfd, base, hl);

        mode_t perm = archive_entry_perm(e) & 07777;
        switch (type) {
        case AE_IFDIR:
                if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
                        return entry_fail(u, raw, errno, "mkdir: %s", strerror(errno));
                break;
        case AE_IFREG: {
                _cleanup_close_ int fd =
                    openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                        return entry_fail(u, raw, errno, "create: %s", strerror(errno));
                r = write_data(u, a, raw, fd, archive_entry_size(e));
                if (r < 0)
                        return r;
                break;
        }
        case AE_IFLNK: {
                const char *target = archive_entry_symlink(e);
                if (!target || !*target)
                        return entry_fail(u, raw, EINVAL, "symlink without a target");
                if (symlinkat(target, pfd, base) < 0)
                        return entry_fail(u, raw, errno, "symlink: %s", strerror(errno));
                break;
        }
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                if (mknodat(pfd, base, type | perm, archive_entry_rdev(e)) < 0)
                        return entry_fail(u, raw, errno, "mknod: %s", strerror(errno));
                break;
        default:
                log_debug("layer %s: entry '%s': skipped (type %o)", layer_name(u), raw, type);
                return 0;
        }

        /* chown first: it clears setuid/setgid and security.capability. */
        if (fchownat(pfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
                     AT_SYMLINK_NOFOLLOW) < 0)
                return entry_fail(u, raw, errno, "chown: %s", strerror(errno));
        r = set_xattrs(u, raw, pfd, base, e);
        if (r < 0)
                return r;
        if (type != AE_IFLNK && fchmodat(pfd, base, perm, 0) < 0)
                return entry_fail(u, raw, errno, "chmod: %s", strerror(errno));
        if (type == AE_IFDIR)
                return record_dir(u, path, e);
        struct timespec ts[2] = {
            {archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
            {archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
        };
        if (archive_entry_atime_is_set(e))
                ts[0] = (struct timespec){archive_entry_atime(e), archive_entry_atime_nsec(e)};
        if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_fail(u, raw, errno, "set times: %s", strerror(errno));
        return 0;
}

/* Directory times last: creating their children changed them. */
static int apply_dir_times(Unpacker *u)
{
        for (size_t i = u->n_dirs; i-- > 0;) {
                DirTimes *d = &u->dirs[i];
                _cleanup_close_ int fd =
                    *d->path ? safe_openat_in_root(u->root, d->path,
                                                   O_PATH | O_DIRECTORY | O_NOFOLLOW, 0, NULL)
                             : openat(u->root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue; /* replaced or whited out later in the stream */
                char p[64];
                if (utimensat(AT_FDCWD, img_fd_path(fd, NULL, p, sizeof(p)), d->ts, 0) < 0)
                        return error_set_errno(u->err, errno, "layer %s: set times of '%s'",
                                               layer_name(u), d->path);
        }
        return 0;
}

static int unpack_stream(Unpacker *u)
{
        struct archive *a = archive_read_new();
        if (!a)
                return error_set(u->err, ENOMEM, "out of memory");
        archive_read_support_format_tar(a);
        int r = 0;
        if (archive_read_open(a, u, NULL, tar_read_cb, NULL) != ARCHIVE_OK) {
                r = error_set(u->err, EINVAL, "layer %s: not a tar archive: %s", layer_name(u),
                              u->read_err ? u->read_err->message
                                          : archive_error_string(a) ?: "unknown error");
                goto out;
        }
        for (;;) {
                struct archive_entry *e;
                int ar = archive_read_next_header(a, &e);
                if (ar == ARCHIVE_EOF)
                        break;
                if (ar < ARCHIVE_WARN) {
                        r = error_set(u->err, EINVAL, "layer %s: corrupt or truncated tar: %s",
                                      layer_name(u),
                                      u->read_err ? u->read_err->message
                                                  : archive_error_string(a) ?: "unknown error");
                        goto out;
                }
                r = unpack_entry(u, a, e);
                if (r < 0)
                        goto out;
        }
        /* The diff_id covers the whole stream, padding after the end marker too. */
        for (;;) {
                const void *buf;
                ssize_t n = img_decompressor_read(u->dec, &buf, u->err);
                if (n < 0) {
                        r = error_prefix(u->err, "layer %s", layer_name(u));
                        goto out;
                }
                if (n == 0)
                        break;
                img_hasher_update(u->hasher, buf, (size_t)n);
                u->tar_size += (uint64_t)n;
        }
        r = apply_dir_times(u);
out:
        archive_read_free(a);
        return r;
}

int img_layer_unpack(int src_fd, int root_dirfd, const ImgUnpackOptions *opts, ImgUnpackResult *ret,
                     BerthError **err)
{
        static const ImgUnpackOptions defaults = {0};
        Unpacker u = {.root = root_dirfd, .opts = opts ?: &defaults, .err = err};
        int r = img_decompressor_new(src_fd, &u.dec, err);
        if (r < 0)
                return error_prefix(err, "layer %s", layer_name(&u));
        r = img_hasher_new(IMG_DIGEST_SHA256, &u.hasher);
        if (r < 0) {
                r = error_set_errno(err, r, "layer %s: init sha256", layer_name(&u));
                goto out;
        }
        if (u.opts->whiteouts == IMG_WHITEOUT_DELETE && !(u.unpacked = img_strset_new())) {
                r = error_set(err, ENOMEM, "out of memory");
                goto out;
        }
        r = unpack_stream(&u);
        if (r >= 0 && ret) {
                ImgDigest diff_id;
                r = img_hasher_final(u.hasher, &diff_id);
                if (r < 0) {
                        r = error_set_errno(err, r, "layer %s: hash", layer_name(&u));
                        goto out;
                }
                memcpy(ret->diff_id, diff_id.str, IMG_DIGEST_LEN + 1);
                ret->size = u.size;
                ret->tar_size = u.tar_size;
                ret->compression = img_decompressor_compression(u.dec);
        }
out:
        for (size_t i = 0; i < u.n_dirs; i++)
                free(u.dirs[i].path);
        free(u.dirs);
        img_strset_free(u.unpacked);
        error_free(u.read_err);
        img_hasher_free(u.hasher);
        img_decompressor_free(u.dec);
        return r;
}

int img_layer_unpack_path(int src_fd, const char *dest, const ImgUnpackOptions *opts,
                          ImgUnpackResult *ret, BerthError **err)
{
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s.tmp-XXXXXX", dest) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (!mkdtemp(tmp))
                return error_set_errno(err, errno, "create '%s'", tmp);
        int r;
        {
                _cleanup_close_ int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0 || fchmod(dfd, 0755) < 0)
                        r = error_set_errno(err, errno, "open '%s'", tmp);
                else
                        r = img_layer_unpack(src_fd, dfd, opts, ret, err);
        }
        if (r >= 0 && rename(tmp, dest) < 0)
                r = error_set_errno(err, errno, "rename '%s' to '%s'", tmp, dest);
        if (r < 0)
                rm_rf(tmp, NULL);
        return r;
}
