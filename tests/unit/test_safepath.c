/* Unit tests for common/safepath: every case runs twice, once through
 * openat2(RESOLVE_IN_ROOT) and once through the forced fallback walk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/fileutil.h"
#include "common/safepath.h"
#include "runtime/passwd.h"

typedef struct Fixture {
        char top[64]; /* the temp dir: top/root is the root, top/outside the host */
        char root[96];
        int rootfd;
} Fixture;

static void put_file(const char *dir, const char *name, const char *text)
{
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        FILE *f = fopen(p, "we");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void put_link(const char *dir, const char *name, const char *target)
{
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        assert_int_equal(symlink(target, p), 0);
}

static void put_dir(const char *dir, const char *name)
{
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        assert_int_equal(mkdir(p, 0755), 0);
}

static bool exists(const char *dir, const char *name)
{
        char p[PATH_MAX];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        return lstat(p, &st) == 0;
}

/* Reads the whole (short) content behind an fd. */
static void assert_fd_content(int fd, const char *want)
{
        char buf[64] = {0};
        assert_true(fd >= 0);
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        assert_true(n >= 0);
        assert_string_equal(buf, want);
}

static int setup(void **state, bool fallback)
{
        Fixture *f = calloc(1, sizeof(*f));
        if (!f)
                return -1;
        snprintf(f->top, sizeof(f->top), "/tmp/berth-safepath-XXXXXX");
        if (!mkdtemp(f->top))
                return -1;
        snprintf(f->root, sizeof(f->root), "%s/root", f->top);
        /* host side: a secret the container must never reach */
        put_dir(f->top, "outside");
        put_file(f->top, "outside/secret", "host");
        put_dir(f->top, "real");
        /* inside the root */
        put_dir(f->top, "root");
        put_dir(f->root, "outside");
        put_file(f->root, "outside/secret", "root");
        put_dir(f->root, "etc");
        put_file(f->root, "etc/passwd", "passwd");
        put_link(f->root, "abs", "/outside");
        put_link(f->root, "absdotdot", "/../../../outside");
        put_link(f->root, "rel", "../../../../outside");
        put_link(f->root, "loop1", "loop2");
        put_link(f->root, "loop2", "/loop1");
        put_link(f->root, "self", "self");
        put_link(f->root, "dangling", "/etc/created");
        put_link(f->root, "dangling_out", "../../newfile");
        put_link(f->root, "linkdir", "../real");
        put_link(f->root, "etclink", "etc");
        put_link(f->root, "proclink", "/proc/self/root");
        put_dir(f->root, "chain");
        put_link(f->root, "chain/a", "../chain/b");
        put_link(f->root, "chain/b", "/abs");
        f->rootfd = open(f->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (f->rootfd < 0)
                return -1;
        safe_path_force_fallback(fallback);
        *state = f;
        return 0;
}

static int setup_openat2(void **state)
{
        return setup(state, false);
}

static int setup_fallback(void **state)
{
        return setup(state, true);
}

static int teardown(void **state)
{
        Fixture *f = *state;
        close(f->rootfd);
        rm_rf(f->top, NULL);
        free(f);
        safe_path_force_fallback(false);
        return 0;
}

static void test_dotdot_stays_in_root(void **state)
{
        Fixture *f = *state;
        _cleanup_close_ int fd =
            safe_openat_in_root(f->rootfd, "../../../outside/secret", O_RDONLY, 0, NULL);
        assert_fd_content(fd, "root");
        _cleanup_close_ int fd2 =
            safe_openat_in_root(f->rootfd, "/etc/../../../../outside/secret", O_RDONLY, 0, NULL);
        assert_fd_content(fd2, "root");
}

static void test_absolute_symlink(void **state)
{
        Fixture *f = *state;
        _cleanup_close_ int fd = safe_openat_in_root(f->rootfd, "abs/secret", O_RDONLY, 0, NULL);
        assert_fd_content(fd, "root");
        _cleanup_close_ int fd2 =
            safe_openat_in_root(f->rootfd, "absdotdot/secret", O_RDONLY, 0, NULL);
        assert_fd_content(fd2, "root");
}

static void test_relative_symlink_out(void **state)
{
        Fixture *f = *state;
        _cleanup_close_ int fd = safe_openat_in_root(f->rootfd, "rel/secret", O_RDONLY, 0, NULL);
        assert_fd_content(fd, "root");
        /* a chain mixing relative and absolute links */
        _cleanup_close_ int fd2 =
            safe_openat_in_root(f->rootfd, "chain/a/secret", O_RDONLY, 0, NULL);
        assert_fd_content(fd2, "root");
}

static void test_symlink_loop(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(safe_openat_in_root(f->rootfd, "loop1", O_RDONLY, 0, &err), -ELOOP);
        assert_non_null(err);
        assert_non_null(strstr(err->message, "loop1"));
        assert_int_equal(safe_openat_in_root(f->rootfd, "self/x", O_RDONLY, 0, NULL), -ELOOP);
        assert_int_equal(safe_mkdir_p_in_root(f->rootfd, "loop1/sub", 0755, NULL), -ELOOP);
}

static void test_dangling_creat_inside(void **state)
{
        Fixture *f = *state;
        _cleanup_close_ int fd =
            safe_openat_in_root(f->rootfd, "dangling", O_CREAT | O_WRONLY, 0644, NULL);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "x", 1), 1);
        assert_true(exists(f->root, "etc/created"));
        assert_false(exists("/etc", "created"));
        _cleanup_close_ int fd2 =
            safe_openat_in_root(f->rootfd, "dangling_out", O_CREAT | O_WRONLY, 0644, NULL);
        assert_true(fd2 >= 0);
        assert_true(exists(f->root, "newfile"));
        assert_false(exists(f->top, "newfile"));
        /* O_EXCL on something that exists */
        assert_int_equal(
            safe_openat_in_root(f->rootfd, "etc/passwd", O_CREAT | O_EXCL | O_WRONLY, 0644, NULL),
            -EEXIST);
}

static void test_mkdir_p_symlinked_parent(void **state)
{
        Fixture *f = *state;
        _cleanup_close_ int fd = safe_mkdir_p_in_root(f->rootfd, "linkdir/a/b", 0755, NULL);
        assert_true(fd >= 0);
        struct stat st, want;
        assert_int_equal(fstat(fd, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/real/a/b", f->root);
        assert_int_equal(stat(p, &want), 0);
        assert_int_equal(st.st_ino, want.st_ino);
        assert_false(exists(f->top, "real/a"));
        /* existing directory through a link, and the root itself */
        _cleanup_close_ int fd2 = safe_mkdir_p_in_root(f->rootfd, "etclink", 0755, NULL);
        assert_true(fd2 >= 0);
        _cleanup_close_ int fd3 = safe_mkdir_p_in_root(f->rootfd, "/", 0755, NULL);
        assert_true(fd3 >= 0);
        /* a file in the way */
        assert_int_equal(safe_mkdir_p_in_root(f->rootfd, "etc/passwd/x", 0755, NULL), -ENOTDIR);
}

static void test_mkfile(void **state)
{
        Fixture *f = *state;
        _cleanup_close_ int fd = safe_mkfile_in_root(f->rootfd, "abs/new/dir/file", 0600, NULL);
        assert_true(fd >= 0);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_true(exists(f->root, "outside/new/dir/file"));
        assert_false(exists(f->top, "outside/new"));
        /* existing file: same inode, content untouched */
        _cleanup_close_ int fd2 = safe_mkfile_in_root(f->rootfd, "etc/passwd", 0600, NULL);
        assert_true(fd2 >= 0);
        _cleanup_close_ int rd = safe_openat_in_root(f->rootfd, "etc/passwd", O_RDONLY, 0, NULL);
        assert_fd_content(rd, "passwd");
        /* through a dangling link pointing out */
        _cleanup_close_ int fd3 = safe_mkfile_in_root(f->rootfd, "dangling_out", 0600, NULL);
        assert_true(fd3 >= 0);
        assert_true(exists(f->root, "newfile"));
        assert_false(exists(f->top, "newfile"));
}

static void test_resolve_string(void **state)
{
        Fixture *f = *state;
        char want[PATH_MAX];
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
        assert_int_equal(safe_resolve_in_root(f->root, "abs/secret", &a, NULL), 0);
        snprintf(want, sizeof(want), "%s/outside/secret", f->root);
        assert_string_equal(a, want);
        assert_int_equal(safe_resolve_in_root(f->root, "../../rel/../etclink/passwd", &b, NULL), 0);
        snprintf(want, sizeof(want), "%s/etc/passwd", f->root);
        assert_string_equal(b, want);
        /* missing components are kept, ".." after them is lexical */
        assert_int_equal(safe_resolve_in_root(f->root, "linkdir/x/y/../z", &c, NULL), 0);
        snprintf(want, sizeof(want), "%s/real/x/z", f->root);
        assert_string_equal(c, want);
        assert_int_equal(safe_resolve_in_root(f->root, "/", &d, NULL), 0);
        assert_string_equal(d, f->root);
        char *e = NULL;
        assert_int_equal(safe_resolve_in_root(f->root, "loop2", &e, NULL), -ELOOP);
}

static void test_magic_link_not_followed(void **state)
{
        Fixture *f = *state;
        /* /proc/self/root inside the root is not the host's /proc */
        assert_true(safe_openat_in_root(f->rootfd, "proclink/etc/passwd", O_RDONLY, 0, NULL) < 0);
}

static void test_nofollow_and_types(void **state)
{
        Fixture *f = *state;
        assert_int_equal(safe_openat_in_root(f->rootfd, "abs", O_RDONLY | O_NOFOLLOW, 0, NULL),
                         -ELOOP);
        _cleanup_close_ int l = safe_openat_in_root(f->rootfd, "abs", O_PATH | O_NOFOLLOW, 0, NULL);
        assert_true(l >= 0);
        struct stat st;
        assert_int_equal(fstat(l, &st), 0);
        assert_true(S_ISLNK(st.st_mode));
        assert_int_equal(safe_openat_in_root(f->rootfd, "etc/passwd/x", O_RDONLY, 0, NULL),
                         -ENOTDIR);
        assert_int_equal(
            safe_openat_in_root(f->rootfd, "etc/passwd", O_RDONLY | O_DIRECTORY, 0, NULL),
            -ENOTDIR);
        assert_int_equal(safe_openat_in_root(f->rootfd, "nope/x", O_RDONLY, 0, NULL), -ENOENT);
        /* the root itself, however reached */
        struct stat rst, r2;
        assert_int_equal(fstat(f->rootfd, &rst), 0);
        _cleanup_close_ int r =
            safe_openat_in_root(f->rootfd, "../..", O_RDONLY | O_DIRECTORY, 0, NULL);
        assert_true(r >= 0);
        assert_int_equal(fstat(r, &r2), 0);
        assert_int_equal(rst.st_ino, r2.st_ino);
}

static void test_fd_path(void **state)
{
        char buf[32];
        assert_string_equal(safe_fd_path(7, buf, sizeof(buf)), "/proc/self/fd/7");
}

/* exec --user names: parsed from the container's databases. */
static void test_passwd_parse(void **state)
{
        (void)state;
        const char *pw = "# comment\nroot:x:0:0:root:/root:/bin/sh\r\n\nbad:x:zz:1::/:\n"
                         "app:x:1000:50:App:/home/app:/bin/sh\nshort:x\n";
        uint32_t uid = 7, gid = 7;
        assert_int_equal(rt_passwd_find(pw, "app", &uid, &gid), 0);
        assert_int_equal(uid, 1000);
        assert_int_equal(gid, 50);
        assert_int_equal(rt_passwd_find(pw, "root", &uid, &gid), 0);
        assert_int_equal(uid, 0);
        assert_int_equal(rt_passwd_find(pw, "nobody", &uid, &gid), -ENOENT);
        assert_int_equal(rt_passwd_find(pw, "short", &uid, &gid), -ENOENT);
        assert_int_equal(rt_passwd_find(pw, "bad", &uid, &gid), -EINVAL);
        assert_int_equal(rt_passwd_find(pw, "ap", &uid, &gid), -ENOENT); /* no prefix match */

        const char *gr = "root:x:0:\nstaff:x:50:app,other\nwheel:x:10:other,app\n"
                         "again:x:10:app\nbig:x:4294967296:app\n";
        assert_int_equal(rt_group_find(gr, "wheel", &gid), 0);
        assert_int_equal(gid, 10);
        assert_int_equal(rt_group_find(gr, "nope", &gid), -ENOENT);
        uint32_t *g = NULL;
        size_t n = 0;
        assert_int_equal(rt_group_members(gr, "app", &g, &n), 0);
        assert_int_equal(n, 2); /* staff and wheel; gid 10 once; the bad gid skipped */
        assert_int_equal(g[0], 50);
        assert_int_equal(g[1], 10);
        free(g);
        assert_int_equal(rt_group_members(gr, "ghost", &g, &n), 0);
        assert_int_equal(n, 0);
        free(g);
}

static void test_user_resolve_in_root(void **state)
{
        Fixture *f = *state;
        put_file(f->root, "etc/passwd", "app:x:1000:50::/:/bin/sh\n");
        put_file(f->root, "etc/group", "staff:x:50:\nwheel:x:10:app\n");
        /* the host's databases must never be read */
        put_file(f->top, "outside/group", "evil:x:666:app\n");
        RtUserIds ids;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(rt_user_resolve(f->rootfd, "app", &ids, &err), 0);
        assert_int_equal(ids.uid, 1000);
        assert_int_equal(ids.gid, 50);
        assert_int_equal(ids.n_additional_gids, 1);
        assert_int_equal(ids.additional_gids[0], 10);
        rt_user_ids_done(&ids);
        assert_int_equal(rt_user_resolve(f->rootfd, "app:wheel", &ids, &err), 0);
        assert_int_equal(ids.gid, 10);
        rt_user_ids_done(&ids);
        assert_int_equal(rt_user_resolve(f->rootfd, "12:34", &ids, &err), 0);
        assert_int_equal(ids.uid, 12);
        assert_int_equal(ids.gid, 34);
        assert_int_equal(ids.n_additional_gids, 0);
        assert_int_equal(rt_user_resolve(f->rootfd, "12", &ids, &err), 0);
        assert_int_equal(ids.gid, 0); /* runc's rule for a bare number */
        assert_int_equal(rt_user_resolve(f->rootfd, "0:staff", &ids, &err), 0);
        assert_int_equal(ids.uid, 0);
        assert_int_equal(ids.gid, 50);

        assert_int_equal(rt_user_resolve(f->rootfd, "bob", &ids, &err), -ENOENT);
        assert_string_equal(err->message,
                            "--user 'bob': no user 'bob' in the container's /etc/passwd");
        err = error_free(err);
        assert_int_equal(rt_user_resolve(f->rootfd, "app:", &ids, &err), -EINVAL);
        err = error_free(err);

        /* an absolute symlink to the host's file stays inside the root */
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/etc/group", f->root);
        assert_int_equal(unlink(p), 0);
        put_link(f->root, "etc/group", "/../../outside/group");
        assert_int_equal(rt_user_resolve(f->rootfd, "app:evil", &ids, &err), -ENOENT);
        assert_string_equal(err->message,
                            "--user 'app:evil': no group 'evil' in the container's /etc/group");
        err = error_free(err);

        /* a fifo in place of a database must not hang the runtime */
        assert_int_equal(unlink(p), 0);
        assert_int_equal(mkfifo(p, 0644), 0);
        assert_int_equal(rt_user_resolve(f->rootfd, "0:staff", &ids, &err), -EINVAL);
        assert_non_null(strstr(err->message, "not a regular file"));
}

#define BOTH(t)                                                                                    \
        {#t " (openat2)", t, setup_openat2, teardown, NULL},                                       \
        {                                                                                          \
#t " (fallback walk)", t, setup_fallback, teardown, NULL                           \
        }

int main(void)
{
        const struct CMUnitTest tests[] = {
            BOTH(test_dotdot_stays_in_root),
            BOTH(test_absolute_symlink),
            BOTH(test_relative_symlink_out),
            BOTH(test_symlink_loop),
            BOTH(test_dangling_creat_inside),
            BOTH(test_mkdir_p_symlinked_parent),
            BOTH(test_mkfile),
            BOTH(test_resolve_string),
            BOTH(test_magic_link_not_followed),
            BOTH(test_nofollow_and_types),
            cmocka_unit_test(test_fd_path),
            cmocka_unit_test(test_passwd_parse),
            BOTH(test_user_resolve_in_root),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
