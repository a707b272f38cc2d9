/* The blob store: directory fds held open, every path relative to them. */
#include "image/blobstore.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/strv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct ImgBlobStore {
        char *root;
        int blobs_fd; /* <root>/blobs */
        int tmp_fd;   /* <root>/blobs/tmp */
};

struct ImgBlobWriter {
        ImgBlobStore *bs;
        int fd;
        char tmp_name[40];
        ImgHasher *hasher;
        bool has_expected;
        ImgDigest expected;
        int64_t expected_size;
        uint64_t written;
        bool done;
};

static int open_or_make_dir(int dirfd, const char *name, BerthError **err, const char *what)
{
        if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
                return error_set_errno(err, errno, "create '%s'", what);
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return error_set_errno(err, errno, "open '%s'", what);
        return fd;
}

int img_blobstore_open(const char *root, ImgBlobStore **ret, BerthError **err)
{
        _cleanup_free_ char *blobs = NULL;
        if (asprintf(&blobs, "%s/blobs", root) < 0)
                return error_set(err, ENOMEM, "out of memory");
        int r = mkdir_p(blobs, 0700, err);
        if (r < 0)
                return error_prefix(err, "open blob store '%s'", root);
        _cleanup_free_ ImgBlobStore *bs = calloc(1, sizeof(*bs));
        if (!bs)
                return error_set(err, ENOMEM, "out of memory");
        _cleanup_close_ int bfd = open(blobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (bfd < 0)
                return error_set_errno(err, errno, "open blob store '%s'", blobs);
        _cleanup_close_ int tfd = open_or_make_dir(bfd, "tmp", err, "blobs/tmp");
        if (tfd < 0)
                return error_prefix(err, "open blob store '%s'", root);
        _cleanup_close_ int sfd = open_or_make_dir(bfd, "sha256", err, "blobs/sha256");
        if (sfd < 0)
                return error_prefix(err, "open blob store '%s'", root);
        bs->root = strdup(root);
        if (!bs->root)
                return error_set(err, ENOMEM, "out of memory");
        bs->blobs_fd = TAKE_FD(bfd);
        bs->tmp_fd = TAKE_FD(tfd);
        *ret = TAKE_PTR(bs);
        return 0;
}

ImgBlobStore *img_blobstore_free(ImgBlobStore *bs)
{
        if (bs) {
                if (bs->blobs_fd >= 0)
                        close(bs->blobs_fd);
                if (bs->tmp_fd >= 0)
                        close(bs->tmp_fd);
                free(bs->root);
                free(bs);
        }
        return NULL;
}

/* "sha256/<hex>" relative to blobs_fd, into buf. */
static int rel_path(const char *digest, ImgDigest *d, char *buf, size_t len, BerthError **err)
{
        int r = img_digest_parse(digest, d, err);
        if (r < 0)
                return r;
        snprintf(buf, len, "%s/%s", img_digest_algo_name(d->algo), img_digest_hex(d));
        return 0;
}

int img_blobstore_path(ImgBlobStore *bs, const char *digest, char **ret, BerthError **err)
{
        char rel[IMG_DIGEST_STRING_MAX + 8];
        ImgDigest d;
        int r = rel_path(digest, &d, rel, sizeof(rel), err);
        if (r < 0)
                return r;
        if (asprintf(ret, "%s/blobs/%s", bs->root, rel) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return 0;
}

int img_blobstore_exists(ImgBlobStore *bs, const char *digest, BerthError **err)
{
        char rel[IMG_DIGEST_STRING_MAX + 8];
        ImgDigest d;
        struct stat st;
        int r = rel_path(digest, &d, rel, sizeof(rel), err);
        if (r < 0)
                return r;
        if (fstatat(bs->blobs_fd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return error_set_errno(err, errno, "blob %s", digest);
        }
        return S_ISREG(st.st_mode) ? 1 : 0;
}

int img_blobstore_open_blob(ImgBlobStore *bs, const char *digest, BerthError **err)
{
        char rel[IMG_DIGEST_STRING_MAX + 8];
        ImgDigest d;
        int r = rel_path(digest, &d, rel, sizeof(rel), err);
        if (r < 0)
                return r;
        int fd = openat(bs->blobs_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT)
                        return error_set(err, ENOENT, "blob %s: not found", digest);
                return error_set_errno(err, errno, "open blob %s", digest);
        }
        return fd;
}

int img_blobstore_size(ImgBlobStore *bs, const char *digest, uint64_t *ret, BerthError **err)
{
        _cleanup_close_ int fd = img_blobstore_open_blob(bs, digest, err);
        struct stat st;
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat blob %s", digest);
        *ret = (uint64_t)st.st_size;
        return 0;
}

int img_blobstore_read(ImgBlobStore *bs, const char *digest, size_t max_size, char **ret_buf,
                       size_t *ret_len, BerthError **err)
{
        _cleanup_close_ int fd = img_blobstore_open_blob(bs, digest, err);
        struct stat st;
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat blob %s", digest);
        if ((uint64_t)st.st_size > max_size)
                return error_set(err, EFBIG,
                                 "blob %s is %" PRIu64 " bytes, more than the limit of %zu bytes",
                                 digest, (uint64_t)st.st_size, max_size);
        _cleanup_free_ char *buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        ssize_t n = read_all_fd(fd, buf, (size_t)st.st_size);
        if (n < 0)
                return error_set_errno(err, (int)-n, "read blob %s", digest);
        if ((size_t)n != (size_t)st.st_size)
                return error_set(err, EIO, "read blob %s: short read", digest);
        buf[n] = '\0';
        *ret_buf = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = (size_t)n;
        return 0;
}

int img_blobstore_delete(ImgBlobStore *bs, const char *digest, BerthError **err)
{
        char rel[IMG_DIGEST_STRING_MAX + 8];
        ImgDigest d;
        int r = rel_path(digest, &d, rel, sizeof(rel), err);
        if (r < 0)
                return r;
        if (unlinkat(bs->blobs_fd, rel, 0) < 0) {
                if (errno == ENOENT)
                        return error_set(err, ENOENT, "blob %s: not found", digest);
                return error_set_errno(err, errno, "delete blob %s", digest);
        }
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_algo(ImgBlobStore *bs, ImgDigestAlgo algo, char ***out, BerthError **err)
{
        const char *name = img_digest_algo_name(algo);
        int fd = openat(bs->blobs_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                return error_set_errno(err, errno, "list blobs/%s", name);
        }
        _cleanup_closedir_ DIR *dir = fdopendir(fd);
        if (!dir) {
                close(fd);
                return error_set_errno(err, errno, "list blobs/%s", name);
        }
        struct dirent *de;
        while ((errno = 0, de = readdir(dir))) {
                char *s = NULL;
                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&s, "%s:%s", name, de->d_name) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                if (!img_digest_is_valid(s)) {
                        free(s);
                        continue;
                }
                if (strv_push(out, s) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }
        if (errno)
                return error_set_errno(err, errno, "list blobs/%s", name);
        return 0;
}

int img_blobstore_list(ImgBlobStore *bs, char ***ret, BerthError **err)
{
        _cleanup_strv_free_ char **out = calloc(1, sizeof(char *));
        if (!out)
                return error_set(err, ENOMEM, "out of memory");
        int r = list_algo(bs, IMG_DIGEST_SHA256, &out, err);
        if (r >= 0)
                r = list_algo(bs, IMG_DIGEST_SHA512, &out, err);
        if (r < 0)
                return r;
        qsort(out, strv_length(out), sizeof(char *), cmp_str);
        *ret = TAKE_PTR(out);
        return 0;
}

int img_blobstore_verify(ImgBlobStore *bs, const char *digest, BerthError **err)
{
        ImgDigest want, got;
        int r = img_digest_parse(digest, &want, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = img_blobstore_open_blob(bs, digest, err);
        if (fd < 0)
                return fd;
        r = img_digest_fd(want.algo, fd, &got, NULL, err);
        if (r < 0)
                return error_prefix(err, "verify blob %s", digest);
        if (!img_digest_equal(&want, &got))
                return error_set(err, EIO, "blob %s is corrupt: its content hashes to %s", digest,
                                 got.str);
        return 0;
}

int img_blobstore_clean_tmp(ImgBlobStore *bs, unsigned min_age_seconds, BerthError **err)
{
        int fd = openat(bs->tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open '%s/blobs/tmp'", bs->root);
        _cleanup_closedir_ DIR *dir = fdopendir(fd);
        if (!dir) {
                close(fd);
                return error_set_errno(err, errno, "open '%s/blobs/tmp'", bs->root);
        }
        time_t now = time(NULL);
        int removed = 0;
        struct dirent *de;
        while ((de = readdir(dir))) {
                struct stat st;
                if (de->d_name[0] == '.')
                        continue;
                if (fstatat(bs->tmp_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue; /* raced with its writer */
                if (now - st.st_mtime < (time_t)min_age_seconds)
                        continue;
                if (unlinkat(bs->tmp_fd, de->d_name, 0) == 0)
                        removed++;
        }
        return removed;
}

int img_blob_writer_new(ImgBlobStore *bs, const char *expected_digest, int64_t expected_size,
                        ImgBlobWriter **ret, BerthError **err)
{
        _cleanup_(img_blob_writer_freep) ImgBlobWriter *w = calloc(1, sizeof(*w));
        if (!w)
                return error_set(err, ENOMEM, "out of memory");
        w->bs = bs;
        w->fd = -1;
        w->expected_size = expected_size;
        if (expected_digest) {
                int r = img_digest_parse(expected_digest, &w->expected, err);
                if (r < 0)
                        return r;
                w->has_expected = true;
        }
        int r = img_hasher_new(w->has_expected ? w->expected.algo : IMG_DIGEST_SHA256, &w->hasher);
        if (r < 0)
                return error_set_errno(err, r, "start blob hash");
        for (int tries = 0; w->fd < 0; tries++) {
                uint64_t rnd[2];
                if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
                        return error_set_errno(err, errno, "blob temp name");
                snprintf(w->tmp_name, sizeof(w->tmp_name), "%016" PRIx64 "%016" PRIx64, rnd[0],
                         rnd[1]);
                w->fd = openat(bs->tmp_fd, w->tmp_name,
                               O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (w->fd < 0 && (errno != EEXIST || tries > 8)) {
                        w->tmp_name[0] = '\0';
                        return error_set_errno(err, errno,
                                               "create temporary blob in '%s/blobs/tmp'", bs->root);
                }
        }
        *ret = TAKE_PTR(w);
        return 0;
}

static const char *writer_name(ImgBlobWriter *w)
{
        return w->has_expected ? w->expected.str : "blob";
}

int img_blob_writer_write(ImgBlobWriter *w, const void *buf, size_t len, BerthError **err)
{
        if (w->done || w->fd < 0)
                return error_set(err, EINVAL, "%s: write after commit", writer_name(w));
        if (w->expected_size >= 0 && w->written + len > (uint64_t)w->expected_size)
                return error_set(err, EINVAL, "%s: more data than the expected %" PRId64 " bytes",
                                 writer_name(w), w->expected_size);
        int r = img_hasher_update(w->hasher, buf, len);
        if (r < 0)
                return error_set_errno(err, r, "%s: hash", writer_name(w));
        r = write_all_fd(w->fd, buf, len);
        if (r < 0)
                return error_set_errno(err, r, "%s: write temporary file", writer_name(w));
        w->written += len;
        return 0;
}

static void discard_tmp(ImgBlobWriter *w)
{
        if (w->tmp_name[0]) {
                (void)unlinkat(w->bs->tmp_fd, w->tmp_name, 0);
                w->tmp_name[0] = '\0';
        }
}

int img_blob_writer_commit(ImgBlobWriter *w, ImgDigest *ret_digest, BerthError **err)
{
        ImgDigest got;
        int r;

        if (w->done || w->fd < 0)
                return error_set(err, EINVAL, "%s: already committed", writer_name(w));
        w->done = true;
        r = img_hasher_final(w->hasher, &got);
        if (r < 0) {
                discard_tmp(w);
                return error_set_errno(err, r, "%s: hash", writer_name(w));
        }
        if (w->expected_size >= 0 && w->written != (uint64_t)w->expected_size) {
                discard_tmp(w);
                return error_set(err, EINVAL,
                                 "%s: size mismatch: expected %" PRId64 " bytes, got %" PRIu64,
                                 writer_name(w), w->expected_size, w->written);
        }
        if (w->has_expected && !img_digest_equal(&w->expected, &got)) {
                discard_tmp(w);
                return error_set(err, EINVAL, "blob digest mismatch: expected %s, got %s",
                                 w->expected.str, got.str);
        }
        if (fsync(w->fd) < 0) {
                r = -errno;
                discard_tmp(w);
                return error_set_errno(err, r, "%s: fsync", got.str);
        }
        const char *algo = img_digest_algo_name(got.algo);
        _cleanup_close_ int algo_fd = open_or_make_dir(w->bs->blobs_fd, algo, err, algo);
        if (algo_fd < 0) {
                discard_tmp(w);
                return algo_fd;
        }
        const char *hex = img_digest_hex(&got);
        bool stored = true;
        if (renameat2(w->bs->tmp_fd, w->tmp_name, algo_fd, hex, RENAME_NOREPLACE) < 0) {
                if (errno == EEXIST) {
                        stored = false;
                } else if (errno == EINVAL || errno == ENOSYS) {
                        /* no RENAME_NOREPLACE here: a plain rename of identical
                         * content is harmless */
                        if (renameat(w->bs->tmp_fd, w->tmp_name, algo_fd, hex) < 0) {
                                r = -errno;
                                discard_tmp(w);
                                return error_set_errno(err, r, "%s: move into place", got.str);
                        }
                } else {
                        r = -errno;
                        discard_tmp(w);
                        return error_set_errno(err, r, "%s: move into place", got.str);
                }
        }
        if (stored)
                w->tmp_name[0] = '\0';
        else
                discard_tmp(w);
        (void)fsync(algo_fd);
        if (ret_digest)
                *ret_digest = got;
        return stored ? 1 : 0;
}

ImgBlobWriter *img_blob_writer_free(ImgBlobWriter *w)
{
        if (w) {
                if (w->bs)
                        discard_tmp(w);
                if (w->fd >= 0)
                        close(w->fd);
                img_hasher_free(w->hasher);
                free(w);
        }
        return NULL;
}

int img_blobstore_put(ImgBlobStore *bs, const void *buf, size_t len, const char *expected_digest,
                      ImgDigest *ret_digest, BerthError **err)
{
        _cleanup_blob_writer_ ImgBlobWriter *w = NULL;
        int r = img_blob_writer_new(bs, expected_digest, (int64_t)len, &w, err);
        if (r < 0)
                return r;
        r = img_blob_writer_write(w, buf, len, err);
        if (r < 0)
                return r;
        return img_blob_writer_commit(w, ret_digest, err);
}

int img_blobstore_put_fd(ImgBlobStore *bs, int fd, const char *expected_digest,
                         int64_t expected_size, ImgDigest *ret_digest, BerthError **err)
{
        _cleanup_blob_writer_ ImgBlobWriter *w = NULL;
        _cleanup_free_ char *buf = malloc(256 * 1024);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        int r = img_blob_writer_new(bs, expected_digest, expected_size, &w, err);
        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = read(fd, buf, 256 * 1024);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_set_errno(err, errno, "%s: read source", writer_name(w));
                }
                if (n == 0)
                        break;
                r = img_blob_writer_write(w, buf, (size_t)n, err);
                if (r < 0)
                        return r;
        }
        return img_blob_writer_commit(w, ret_digest, err);
}
