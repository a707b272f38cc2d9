/* Unit tests for the content-addressed blob store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/fileutil.h"
#include "common/strv.h"
#include "image/blobstore.h"

/* sha256("hello") */
#define HELLO_DIGEST "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
#define ABC_DIGEST   "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

typedef struct Fixture {
        char root[64];
        ImgBlobStore *bs;
} Fixture;

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(*f));
        strcpy(f->root, "/tmp/berth-blobstore-XXXXXX");
        if (!mkdtemp(f->root))
                return -1;
        if (img_blobstore_open(f->root, &f->bs, NULL) < 0)
                return -1;
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;
        img_blobstore_free(f->bs);
        rm_rf(f->root, NULL);
        free(f);
        return 0;
}

static size_t count_entries(const char *root, const char *sub)
{
        char path[128];
        snprintf(path, sizeof(path), "%s/blobs/%s", root, sub);
        _cleanup_closedir_ DIR *d = opendir(path);
        size_t n = 0;
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        return n;
}

static void test_put_read(void **state)
{
        Fixture *f = *state;
        ImgDigest d;
        assert_int_equal(img_blobstore_put(f->bs, "hello", 5, NULL, &d, NULL), 1);
        assert_string_equal(d.str, HELLO_DIGEST);
        assert_int_equal(img_blobstore_exists(f->bs, HELLO_DIGEST, NULL), 1);
        assert_int_equal(img_blobstore_exists(f->bs, ABC_DIGEST, NULL), 0);
        uint64_t size = 0;
        assert_int_equal(img_blobstore_size(f->bs, HELLO_DIGEST, &size, NULL), 0);
        assert_int_equal(size, 5);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        assert_int_equal(img_blobstore_read(f->bs, HELLO_DIGEST, 1024, &buf, &len, NULL), 0);
        assert_int_equal(len, 5);
        assert_string_equal(buf, "hello");
        /* on disk where DESIGN.md says */
        char path[160];
        snprintf(path, sizeof(path), "%s/blobs/sha256/%s", f->root, &HELLO_DIGEST[7]);
        assert_int_equal(access(path, R_OK), 0);
        _cleanup_free_ char *p = NULL;
        assert_int_equal(img_blobstore_path(f->bs, HELLO_DIGEST, &p, NULL), 0);
        assert_string_equal(p, path);
        assert_int_equal(count_entries(f->root, "tmp"), 0);
}

static void test_digest_mismatch_stores_nothing(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_blobstore_put(f->bs, "hellO", 5, HELLO_DIGEST, NULL, &err), -EINVAL);
        assert_non_null(strstr(err->message, "digest mismatch: expected " HELLO_DIGEST));
        assert_int_equal(img_blobstore_exists(f->bs, HELLO_DIGEST, NULL), 0);
        assert_int_equal(count_entries(f->root, "sha256"), 0);
        assert_int_equal(count_entries(f->root, "tmp"), 0);
}

static void test_size_checks(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        ImgBlobWriter *w = NULL;
        /* short: fails at commit */
        assert_int_equal(img_blob_writer_new(f->bs, HELLO_DIGEST, 6, &w, NULL), 0);
        assert_int_equal(img_blob_writer_write(w, "hello", 5, NULL), 0);
        assert_int_equal(img_blob_writer_commit(w, NULL, &err), -EINVAL);
        assert_non_null(strstr(err->message, "size mismatch: expected 6 bytes, got 5"));
        w = img_blob_writer_free(w);
        error_freep(&err);
        /* long: fails while writing */
        assert_int_equal(img_blob_writer_new(f->bs, NULL, 4, &w, NULL), 0);
        assert_int_equal(img_blob_writer_write(w, "hello", 5, &err), -EINVAL);
        assert_non_null(strstr(err->message, "more data than the expected 4 bytes"));
        w = img_blob_writer_free(w);
        assert_int_equal(count_entries(f->root, "sha256"), 0);
        assert_int_equal(count_entries(f->root, "tmp"), 0);
}

static void test_streaming_writer(void **state)
{
        Fixture *f = *state;
        _cleanup_blob_writer_ ImgBlobWriter *w = NULL;
        ImgDigest d;
        assert_int_equal(img_blob_writer_new(f->bs, ABC_DIGEST, -1, &w, NULL), 0);
        assert_int_equal(img_blob_writer_write(w, "a", 1, NULL), 0);
        assert_int_equal(img_blob_writer_write(w, "bc", 2, NULL), 0);
        /* nothing visible before commit */
        assert_int_equal(img_blobstore_exists(f->bs, ABC_DIGEST, NULL), 0);
        assert_int_equal(count_entries(f->root, "tmp"), 1);
        assert_int_equal(img_blob_writer_commit(w, &d, NULL), 1);
        assert_string_equal(d.str, ABC_DIGEST);
        assert_int_equal(img_blobstore_exists(f->bs, ABC_DIGEST, NULL), 1);
        assert_int_equal(img_blob_writer_write(w, "x", 1, NULL), -EINVAL);
        assert_int_equal(count_entries(f->root, "tmp"), 0);
}

static void test_abandoned_writer(void **state)
{
        Fixture *f = *state;
        ImgBlobWriter *w = NULL;
        assert_int_equal(img_blob_writer_new(f->bs, NULL, -1, &w, NULL), 0);
        assert_int_equal(img_blob_writer_write(w, "partial", 7, NULL), 0);
        assert_int_equal(count_entries(f->root, "tmp"), 1);
        img_blob_writer_free(w);
        assert_int_equal(count_entries(f->root, "tmp"), 0);
        assert_int_equal(count_entries(f->root, "sha256"), 0);
}

static void test_put_twice(void **state)
{
        Fixture *f = *state;
        assert_int_equal(img_blobstore_put(f->bs, "hello", 5, HELLO_DIGEST, NULL, NULL), 1);
        assert_int_equal(img_blobstore_put(f->bs, "hello", 5, HELLO_DIGEST, NULL, NULL), 0);
        assert_int_equal(count_entries(f->root, "sha256"), 1);
        assert_int_equal(count_entries(f->root, "tmp"), 0);
}

static void test_delete_and_list(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_blobstore_put(f->bs, "hello", 5, NULL, NULL, NULL), 1);
        assert_int_equal(img_blobstore_put(f->bs, "abc", 3, NULL, NULL, NULL), 1);
        _cleanup_strv_free_ char **list = NULL;
        assert_int_equal(img_blobstore_list(f->bs, &list, NULL), 0);
        assert_int_equal(strv_length(list), 2);
        assert_string_equal(list[0], HELLO_DIGEST); /* sorted: 2cf... < ba7... */
        assert_string_equal(list[1], ABC_DIGEST);
        assert_int_equal(img_blobstore_delete(f->bs, HELLO_DIGEST, NULL), 0);
        assert_int_equal(img_blobstore_exists(f->bs, HELLO_DIGEST, NULL), 0);
        assert_int_equal(img_blobstore_delete(f->bs, HELLO_DIGEST, &err), -ENOENT);
        assert_string_equal(err->message, "blob " HELLO_DIGEST ": not found");
        strv_freep(&list);
        assert_int_equal(img_blobstore_list(f->bs, &list, NULL), 0);
        assert_int_equal(strv_length(list), 1);
}

static void test_missing_and_invalid(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_blobstore_open_blob(f->bs, HELLO_DIGEST, &err), -ENOENT);
        assert_string_equal(err->message, "blob " HELLO_DIGEST ": not found");
        error_freep(&err);
        assert_int_equal(img_blobstore_exists(f->bs, "sha256:../../etc/passwd", &err), -EINVAL);
        error_freep(&err);
        assert_int_equal(img_blobstore_open_blob(f->bs, "sha256:zz", &err), -EINVAL);
        assert_string_equal(err->message,
                            "invalid digest 'sha256:zz': invalid checksum digest length");
}

static void test_read_limit(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        char *buf = NULL;
        assert_int_equal(img_blobstore_put(f->bs, "hello", 5, NULL, NULL, NULL), 1);
        assert_int_equal(img_blobstore_read(f->bs, HELLO_DIGEST, 4, &buf, NULL, &err), -EFBIG);
        assert_null(buf);
        assert_string_equal(err->message,
                            "blob " HELLO_DIGEST " is 5 bytes, more than the limit of 4 bytes");
}

static void test_put_fd(void **state)
{
        Fixture *f = *state;
        char path[] = "/tmp/berth-blobsrc-XXXXXX";
        int fd = mkostemp(path, O_CLOEXEC);
        assert_true(fd >= 0);
        unlink(path);
        /* bigger than one copy buffer */
        size_t n = 600 * 1024;
        _cleanup_free_ char *data = malloc(n);
        for (size_t i = 0; i < n; i++)
                data[i] = (char)(i % 251);
        assert_int_equal(write_all_fd(fd, data, n), 0);
        ImgDigest want, got;
        assert_int_equal(img_digest_buffer(IMG_DIGEST_SHA256, data, n, &want), 0);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        assert_int_equal(img_blobstore_put_fd(f->bs, fd, want.str, (int64_t)n, &got, NULL), 1);
        assert_string_equal(got.str, want.str);
        close(fd);
        /* the stored bytes hash to their name */
        int bfd = img_blobstore_open_blob(f->bs, want.str, NULL);
        assert_true(bfd >= 0);
        ImgDigest again;
        assert_int_equal(img_digest_fd(IMG_DIGEST_SHA256, bfd, &again, NULL, NULL), 0);
        assert_string_equal(again.str, want.str);
        close(bfd);
}

/* Many processes store the same blob at once: every one succeeds, exactly
 * one of them places it, and no temp file is left. */
static void test_concurrent_writers(void **state)
{
        Fixture *f = *state;
        enum { N = 16 };
        size_t n = 256 * 1024;
        _cleanup_free_ char *data = malloc(n);
        for (size_t i = 0; i < n; i++)
                data[i] = (char)(i * 31 % 253);
        ImgDigest want;
        assert_int_equal(img_digest_buffer(IMG_DIGEST_SHA256, data, n, &want), 0);
        pid_t pids[N];
        for (int i = 0; i < N; i++) {
                pids[i] = fork();
                assert_true(pids[i] >= 0);
                if (pids[i] == 0) {
                        ImgBlobStore *bs = NULL;
                        if (img_blobstore_open(f->root, &bs, NULL) < 0)
                                _exit(10);
                        ImgBlobWriter *w = NULL;
                        if (img_blob_writer_new(bs, want.str, (int64_t)n, &w, NULL) < 0)
                                _exit(11);
                        for (size_t off = 0; off < n; off += 4096)
                                if (img_blob_writer_write(w, data + off, 4096, NULL) < 0)
                                        _exit(12);
                        int r = img_blob_writer_commit(w, NULL, NULL);
                        img_blob_writer_free(w);
                        img_blobstore_free(bs);
                        _exit(r == 1 ? 0 : r == 0 ? 1 : 13);
                }
        }
        int stored = 0, present = 0;
        for (int i = 0; i < N; i++) {
                int status = 0;
                assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
                assert_true(WIFEXITED(status));
                int code = WEXITSTATUS(status);
                if (code == 0)
                        stored++;
                else if (code == 1)
                        present++;
                else
                        fail_msg("writer %d failed with %d", i, code);
        }
        assert_int_equal(stored, 1);
        assert_int_equal(stored + present, N);
        assert_int_equal(count_entries(f->root, "tmp"), 0);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        assert_int_equal(img_blobstore_read(f->bs, want.str, n, &buf, &len, NULL), 0);
        assert_int_equal(len, n);
        assert_memory_equal(buf, data, n);
}

static void test_reopen(void **state)
{
        Fixture *f = *state;
        assert_int_equal(img_blobstore_put(f->bs, "abc", 3, NULL, NULL, NULL), 1);
        ImgBlobStore *again = NULL;
        assert_int_equal(img_blobstore_open(f->root, &again, NULL), 0);
        assert_int_equal(img_blobstore_exists(again, ABC_DIGEST, NULL), 1);
        img_blobstore_free(again);
}

static void test_verify_detects_corruption(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_blobstore_put(f->bs, "hello", 5, NULL, NULL, NULL), 1);
        assert_int_equal(img_blobstore_verify(f->bs, HELLO_DIGEST, NULL), 0);
        char path[160];
        snprintf(path, sizeof(path), "%s/blobs/sha256/%s", f->root, &HELLO_DIGEST[7]);
        assert_int_equal(write_file_atomic(path, "hellO", 5, 0644, NULL), 0);
        assert_int_equal(img_blobstore_verify(f->bs, HELLO_DIGEST, &err), -EIO);
        assert_string_equal(err->message, "blob " HELLO_DIGEST " is corrupt: its content hashes to "
                                          "sha256:04a6f55face2f46be8c23f627d539827615851e10751b63e"
                                          "c59db6d2c706b770");
}

static void test_clean_tmp(void **state)
{
        Fixture *f = *state;
        /* a dead writer's leftover, and a live writer */
        char stale[160];
        snprintf(stale, sizeof(stale), "%s/blobs/tmp/deadbeef", f->root);
        assert_int_equal(write_file_atomic(stale, "x", 1, 0644, NULL), 0);
        struct timespec old[2] = {{.tv_sec = 1000}, {.tv_sec = 1000}};
        assert_int_equal(utimensat(AT_FDCWD, stale, old, 0), 0);
        _cleanup_blob_writer_ ImgBlobWriter *w = NULL;
        assert_int_equal(img_blob_writer_new(f->bs, NULL, -1, &w, NULL), 0);
        assert_int_equal(img_blob_writer_write(w, "abc", 3, NULL), 0);
        assert_int_equal(img_blobstore_clean_tmp(f->bs, 3600, NULL), 1);
        assert_int_equal(access(stale, F_OK), -1);
        /* the live writer is untouched and still commits */
        assert_int_equal(img_blob_writer_commit(w, NULL, NULL), 1);
        assert_int_equal(img_blobstore_exists(f->bs, ABC_DIGEST, NULL), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_put_read, setup, teardown),
            cmocka_unit_test_setup_teardown(test_digest_mismatch_stores_nothing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_size_checks, setup, teardown),
            cmocka_unit_test_setup_teardown(test_streaming_writer, setup, teardown),
            cmocka_unit_test_setup_teardown(test_abandoned_writer, setup, teardown),
            cmocka_unit_test_setup_teardown(test_put_twice, setup, teardown),
            cmocka_unit_test_setup_teardown(test_delete_and_list, setup, teardown),
            cmocka_unit_test_setup_teardown(test_missing_and_invalid, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_limit, setup, teardown),
            cmocka_unit_test_setup_teardown(test_put_fd, setup, teardown),
            cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
            cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
            cmocka_unit_test_setup_teardown(test_verify_detects_corruption, setup, teardown),
            cmocka_unit_test_setup_teardown(test_clean_tmp, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
