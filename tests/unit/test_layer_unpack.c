/* Unit tests for layer unpacking: formats, diff_id, file types, metadata,
 * whiteouts for both drivers, and hostile archives. Run as root (the test
 * VM); the tests that need root skip with a reason otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <nettle/sha2.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/safepath.h"
#include "image/decompress.h"
#include "image/layer_unpack.h"
#include "layer_test_util.h"

#define NAME "sha256:test"

typedef struct Fixture {
        char *outer; /* holds layer/ and host/ (the "outside world") */
        char *layer;
        char *host;
} Fixture;

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(*f));
        f->outer = make_tmpdir("unpack");
        f->layer = path_cat(f->outer, "layer");
        f->host = path_cat(f->outer, "host");
        mkdir(f->layer, 0755);
        mkdir(f->host, 0755);
        _cleanup_free_ char *sentinel = path_cat(f->host, "sentinel");
        write_file_atomic(sentinel, "original", 8, 0644, NULL);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;
        rm_rf(f->outer, NULL);
        free(f->outer);
        free(f->layer);
        free(f->host);
        free(f);
        return 0;
}

static bool need_root(void)
{
        if (geteuid() == 0)
                return true;
        printf("# skipped: needs root (ownership, devices, trusted xattrs)\n");
        return false;
}

static int unpack_mode(int fd, const char *dir, ImgWhiteoutMode mode, ImgUnpackResult *res,
                       BerthError **err)
{
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        ImgUnpackOptions o = {.whiteouts = mode, .name = NAME};
        ImgUnpackResult local;
        int r = img_layer_unpack(fd, dfd, &o, res ? res : &local, err);
        close(dfd);
        close(fd);
        return r;
}

static int unpack(int fd, const char *dir, BerthError **err)
{
        return unpack_mode(fd, dir, IMG_WHITEOUT_OVERLAY, NULL, err);
}

/* The outside world is untouched: outer holds only layer/ and host/, and
 * host/ only its sentinel with its original content. */
static void assert_outside_untouched(Fixture *f)
{
        assert_int_equal(count_entries(f->outer), 2);
        assert_int_equal(count_entries(f->host), 1);
        _cleanup_free_ char *s = path_cat(f->host, "sentinel");
        _cleanup_free_ char *c = slurp(s);
        assert_non_null(c);
        assert_string_equal(c, "original");
}

static char *layer_file(Fixture *f, const char *rel)
{
        return path_cat(f->layer, rel);
}

static void assert_file_content(Fixture *f, const char *rel, const char *want)
{
        _cleanup_free_ char *p = layer_file(f, rel);
        _cleanup_free_ char *c = slurp(p);
        assert_non_null(c);
        assert_string_equal(c, want);
}

static int basic_tar(const char *filter)
{
        TarBuilder t = tb_new(filter);
        tb_dir(&t, "etc", 0755);
        tb_file(&t, "etc/hostname", "box\n", 0644);
        tb_dir(&t, "usr/", 0755);
        tb_file(&t, "./usr/bin/tool", "#!/bin/sh\n", 0755); /* parent created implicitly */
        return tb_finish(&t);
}

static void sha256_of_fd(int fd, char out[IMG_DIGEST_LEN + 1])
{
        /* nettle directly, not the unpacker's hasher: an independent check */
        struct sha256_ctx md;
        sha256_init(&md);
        uint8_t buf[4096];
        ssize_t n;
        lseek(fd, 0, SEEK_SET);
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                sha256_update(&md, (size_t)n, buf);
        uint8_t d[SHA256_DIGEST_SIZE];
        sha256_digest(&md, sizeof(d), d);
        strcpy(out, "sha256:");
        for (int i = 0; i < 32; i++)
                sprintf(out + 7 + 2 * i, "%02x", d[i]);
        lseek(fd, 0, SEEK_SET);
}

/* ---- formats and diff_id ---- */

static void test_plain_tar(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        int fd = basic_tar(NULL);
        char want[IMG_DIGEST_LEN + 1];
        sha256_of_fd(fd, want);
        ImgUnpackResult res;
        assert_int_equal(unpack_mode(fd, f->layer, IMG_WHITEOUT_OVERLAY, &res, &err), 0);
        assert_file_content(f, "etc/hostname", "box\n");
        assert_file_content(f, "usr/bin/tool", "#!/bin/sh\n");
        assert_string_equal(res.diff_id, want);
        assert_int_equal(res.compression, IMG_COMPRESSION_NONE);
        assert_int_equal(res.size, 4 + 10);
        struct stat st;
        _cleanup_free_ char *tool = layer_file(f, "usr/bin/tool");
        assert_int_equal(stat(tool, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0755);
        assert_int_equal(st.st_mtim.tv_sec, 1500000000);
}

static void check_compressed(Fixture *f, const char *filter, ImgCompression want_c)
{
        _cleanup_error_ BerthError *err = NULL;
        int plain = basic_tar(NULL);
        char want[IMG_DIGEST_LEN + 1];
        sha256_of_fd(plain, want);
        close(plain);
        ImgUnpackResult res;
        assert_int_equal(unpack_mode(basic_tar(filter), f->layer, IMG_WHITEOUT_OVERLAY, &res, &err),
                         0);
        assert_int_equal(res.compression, want_c);
        /* the diff_id is the digest of the uncompressed stream */
        assert_string_equal(res.diff_id, want);
        assert_file_content(f, "etc/hostname", "box\n");
}

static void test_gzip(void **state)
{
        check_compressed(*state, "gzip", IMG_COMPRESSION_GZIP);
}

static void test_zstd(void **state)
{
        check_compressed(*state, "zstd", IMG_COMPRESSION_ZSTD);
}

static void test_detect(void **state)
{
        assert_int_equal(img_compression_detect("\x1f\x8b\x08", 3), IMG_COMPRESSION_GZIP);
        assert_int_equal(img_compression_detect("\x28\xb5\x2f\xfd", 4), IMG_COMPRESSION_ZSTD);
        assert_int_equal(img_compression_detect("\xfd"
                                                "7zXZ\0",
                                                6),
                         IMG_COMPRESSION_XZ);
        assert_int_equal(img_compression_detect("BZh9", 4), IMG_COMPRESSION_BZIP2);
        assert_int_equal(img_compression_detect("etc/", 4), IMG_COMPRESSION_NONE);
        assert_int_equal(img_compression_detect("", 0), IMG_COMPRESSION_NONE);
}

static void test_clean_path(void **state)
{
        static const struct {
                const char *in, *out;
        } ok[] = {{"./a//b/../c/", "a/c"}, {".", ""}, {"./", ""}, {"a/./b", "a/b"}, {"a/..", ""}};
        for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
                _cleanup_free_ char *c = NULL;
                assert_int_equal(img_layer_clean_path(ok[i].in, &c), 0);
                assert_string_equal(c, ok[i].out);
        }
        static const char *const bad[] = {"..", "../x", "a/../../x", "/etc/passwd", "/"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                char *c = NULL;
                assert_int_equal(img_layer_clean_path(bad[i], &c), -EXDEV);
        }
}

/* ---- file types and metadata ---- */

static void test_symlink_and_hardlink(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        TarBuilder t = tb_new(NULL);
        tb_file(&t, "bin/busybox", "elf", 0755);
        tb_symlink(&t, "bin/sh", "busybox");
        tb_symlink(&t, "bin/abs", "/bin/busybox");
        tb_hardlink(&t, "bin/ls", "bin/busybox");
        assert_int_equal(unpack(tb_finish(&t), f->layer, &err), 0);
        char target[64] = "";
        _cleanup_free_ char *sh = layer_file(f, "bin/sh");
        _cleanup_free_ char *abs = layer_file(f, "bin/abs");
        assert_int_equal(readlink(sh, target, sizeof(target)), 7);
        assert_memory_equal(target, "busybox", 7);
        assert_int_equal(readlink(abs, target, sizeof(target)), 12);
        struct stat a, b;
        _cleanup_free_ char *bb = layer_file(f, "bin/busybox");
        _cleanup_free_ char *ls = layer_file(f, "bin/ls");
        assert_int_equal(stat(bb, &a), 0);
        assert_int_equal(stat(ls, &b), 0);
        assert_int_equal(a.st_ino, b.st_ino);
        assert_int_equal(a.st_nlink, 2);
}

static void test_devices_and_fifo(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        _cleanup_error_ BerthError *err = NULL;
        TarBuilder t = tb_new(NULL);
        struct archive_entry *e = tb_entry("dev/null", AE_IFCHR, 0666);
        archive_entry_set_rdev(e, makedev(1, 3));
        tb_put(&t, e, NULL, 0);
        e = tb_entry("dev/loop0", AE_IFBLK, 0660);
        archive_entry_set_rdev(e, makedev(7, 0));
        tb_put(&t, e, NULL, 0);
        tb_put(&t, tb_entry("run/fifo", AE_IFIFO, 0600), NULL, 0);
        assert_int_equal(unpack(tb_finish(&t), f->layer, &err), 0);
        struct stat st;
        _cleanup_free_ char *n = layer_file(f, "dev/null");
        _cleanup_free_ char *l = layer_file(f, "dev/loop0");
        _cleanup_free_ char *p = layer_file(f, "run/fifo");
        assert_int_equal(lstat(n, &st), 0);
        assert_true(S_ISCHR(st.st_mode));
        assert_int_equal(st.st_rdev, makedev(1, 3));
        assert_int_equal(st.st_mode & 0777, 0666);
        assert_int_equal(lstat(l, &st), 0);
        assert_true(S_ISBLK(st.st_mode));
        assert_int_equal(st.st_rdev, makedev(7, 0));
        assert_int_equal(lstat(p, &st), 0);
        assert_true(S_ISFIFO(st.st_mode));
}

static void test_ownership_and_special_modes(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        _cleanup_error_ BerthError *err = NULL;
        TarBuilder t = tb_new(NULL);
        struct archive_entry *e = tb_entry("usr/bin/su", AE_IFREG, 04755);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        tb_put(&t, e, "x", 1);
        e = tb_entry("usr/bin/own", AE_IFREG, 06711);
        archive_entry_set_uid(e, 1000);
        archive_entry_set_gid(e, 1001);
        tb_put(&t, e, "y", 1);
        e = tb_entry("tmp", AE_IFDIR, 01777);
        tb_put(&t, e, NULL, 0);
        e = tb_entry("srv", AE_IFDIR, 02750);
        archive_entry_set_uid(e, 33);
        archive_entry_set_gid(e, 33);
        tb_put(&t, e, NULL, 0);
        e = tb_entry("srv/link", AE_IFLNK, 0777);
        archive_entry_set_symlink(e, "/nowhere");
        archive_entry_set_uid(e, 44);
        archive_entry_set_gid(e, 45);
        tb_put(&t, e, NULL, 0);
        assert_int_equal(unpack(tb_finish(&t), f->layer, &err), 0);
        struct stat st;
        _cleanup_free_ char *su = layer_file(f, "usr/bin/su");
        _cleanup_free_ char *own = layer_file(f, "usr/bin/own");
        _cleanup_free_ char *tmp = layer_file(f, "tmp");
        _cleanup_free_ char *srv = layer_file(f, "srv");
        _cleanup_free_ char *link = layer_file(f, "srv/link");
        assert_int_equal(lstat(su, &st), 0);
        assert_int_equal(st.st_mode & 07777, 04755);
        assert_int_equal(lstat(own, &st), 0);
        assert_int_equal(st.st_mode & 07777, 06711); /* kept after the chown */
        assert_int_equal(st.st_uid, 1000);
        assert_int_equal(st.st_gid, 1001);
        assert_int_equal(lstat(tmp, &st), 0);
        assert_int_equal(st.st_mode & 07777, 01777);
        assert_int_equal(lstat(srv, &st), 0);
        assert_int_equal(st.st_mode & 07777, 02750);
        assert_int_equal(st.st_uid, 33);
        assert_int_equal(lstat(link, &st), 0);
        assert_int_equal(st.st_uid, 44); /* lchown: the link, not its target */
        assert_int_equal(st.st_gid, 45);
}

static void test_xattrs_and_capability(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        _cleanup_error_ BerthError *err = NULL;
        /* v2 file capability: cap_net_bind_service (bit 10) permitted+effective */
        static const unsigned char cap[20] = {0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00,
                                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
        TarBuilder t = tb_new(NULL);
        struct archive_entry *e = tb_entry("bin/ping", AE_IFREG, 0755);
        archive_entry_set_uid(e, 1000);
        archive_entry_xattr_add_entry(e, "security.capability", cap, sizeof(cap));
        archive_entry_xattr_add_entry(e, "user.note", "hello", 5);
        tb_put(&t, e, "elf", 3);
        e = tb_entry("evil", AE_IFDIR, 0755);
        archive_entry_xattr_add_entry(e, "trusted.overlay.redirect", "/etc", 4);
        tb_put(&t, e, NULL, 0);
        assert_int_equal(unpack(tb_finish(&t), f->layer, &err), 0);
        _cleanup_free_ char *p = layer_file(f, "bin/ping");
        unsigned char got[32];
        ssize_t n = lgetxattr(p, "security.capability", got, sizeof(got));
        assert_int_equal(n, sizeof(cap)); /* survived the chown */
        assert_memory_equal(got, cap, sizeof(cap));
        char v[16];
        assert_int_equal(lgetxattr(p, "user.note", v, sizeof(v)), 5);
        assert_memory_equal(v, "hello", 5);
        /* archives cannot forge overlay metadata */
        _cleanup_free_ char *evil = layer_file(f, "evil");
        assert_int_equal(lgetxattr(evil, "trusted.overlay.redirect", v, sizeof(v)), -1);
}

static void test_directory_mtimes_set_last(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        TarBuilder t = tb_new(NULL);
        struct archive_entry *e = tb_entry("var", AE_IFDIR, 0755);
        archive_entry_set_mtime(e, 1234567890, 0);
        tb_put(&t, e, NULL, 0);
        tb_file(&t, "var/a", "a", 0644); /* would bump var's mtime */
        tb_file(&t, "var/b", "b", 0644);
        assert_int_equal(unpack(tb_finish(&t), f->layer, &err), 0);
        struct stat st;
        _cleanup_free_ char *var = layer_file(f, "var");
        assert_int_equal(stat(var, &st), 0);
        assert_int_equal(st.st_mtim.tv_sec, 1234567890);
}

static void test_replace_types(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        TarBuilder t = tb_new(NULL);
        tb_file(&t, "x", "file", 0644);
        tb_dir(&t, "x", 0755); /* file replaced by a directory */
        tb_file(&t, "x/in", "in", 0644);
        tb_dir(&t, "y", 0755);
        tb_file(&t, "y/child", "c", 0644);
        tb_file(&t, "y", "now a file", 0600); /* directory replaced by a file */
        tb_file(&t, "z", "old", 0644);
        tb_file(&t, "z", "new", 0644);
        assert_int_equal(unpack(tb_finish(&t), f->layer, &err), 0);
        assert_file_content(f, "x/in", "in");
        assert_file_content(f, "y", "now a file");
        assert_file_content(f, "z", "new");
}

static void test_sparse_and_large(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        size_t len = 3 * 1024 * 1024 + 17;
        char *big = malloc(len);
        for (size_t i = 0; i < len; i++)
                big[i] = (char)(i * 7);
        TarBuilder t = tb_new("gzip");
        tb_put(&t, tb_entry("big", AE_IFREG, 0644), big, len);
        ImgUnpackResult res;
        assert_int_equal(unpack_mode(tb_finish(&t), f->layer, IMG_WHITEOUT_OVERLAY, &res, &err), 0);
        _cleanup_free_ char *p = layer_file(f, "big");
        char *got = NULL;
        size_t got_len = 0;
        assert_int_equal(read_file(p, &got, &got_len, NULL), 0);
        assert_int_equal(got_len, len);
        assert_memory_equal(got, big, len);
        assert_int_equal(res.size, len);
        free(got);
        free(big);
}

/* ---- whiteouts ---- */

static void test_whiteouts_overlay(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        _cleanup_error_ BerthError *err = NULL;
        TarBuilder t = tb_new(NULL);
        tb_dir(&t, "data", 0755);
        tb_file(&t, "data/.wh.gone", "", 0600);
        tb_dir(&t, "opq", 0755);
        tb_file(&t, "opq/.wh..wh..opq", "", 0600);
        tb_file(&t, "opq/new", "n", 0644);
        tb_file(&t, "data/.wh..wh.plnk", "", 0600); /* aufs metadata: ignored */
        assert_int_equal(unpack(tb_finish(&t), f->layer, &err), 0);
        struct stat st;
        _cleanup_free_ char *gone = layer_file(f, "data/gone");
        assert_int_equal(lstat(gone, &st), 0);
        assert_true(S_ISCHR(st.st_mode));
        assert_int_equal(st.st_rdev, makedev(0, 0));
        _cleanup_free_ char *opq = layer_file(f, "opq");
        char v[4];
        assert_int_equal(lgetxattr(opq, "trusted.overlay.opaque", v, sizeof(v)), 1);
        assert_int_equal(v[0], 'y');
        assert_file_content(f, "opq/new", "n");
        _cleanup_free_ char *data = layer_file(f, "data");
        assert_int_equal(count_entries(data), 1);
}

static void test_whiteouts_vfs(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        /* The lower content a vfs layer starts from. */
        TarBuilder t = tb_new(NULL);
        tb_file(&t, "data/gone", "g", 0644);
        tb_file(&t, "data/keep", "k", 0644);
        tb_file(&t, "tree/sub/deep", "d", 0644);
        tb_file(&t, "opq/old1", "1", 0644);
        tb_file(&t, "opq/old2", "2", 0644);
        assert_int_equal(unpack_mode(tb_finish(&t), f->layer, IMG_WHITEOUT_DELETE, NULL, &err), 0);
        t = tb_new(NULL);
        tb_file(&t, "data/.wh.gone", "", 0600);
        tb_file(&t, ".wh.tree", "", 0600);
        tb_file(&t, "opq/-early", "e", 0644); /* sorts before the marker: must stay */
        tb_file(&t, "opq/.wh..wh..opq", "", 0600);
        tb_file(&t, "opq/new", "n", 0644);
        tb_file(&t, "data/.wh.never-existed", "", 0600);
        assert_int_equal(unpack_mode(tb_finish(&t), f->layer, IMG_WHITEOUT_DELETE, NULL, &err), 0);
        _cleanup_free_ char *gone = layer_file(f, "data/gone");
        _cleanup_free_ char *tree = layer_file(f, "tree");
        _cleanup_free_ char *opq = layer_file(f, "opq");
        assert_false(exists_nofollow(gone));
        assert_false(exists_nofollow(tree));
        assert_file_content(f, "data/keep", "k");
        assert_int_equal(count_entries(opq), 2);
        assert_file_content(f, "opq/-early", "e");
        assert_file_content(f, "opq/new", "n");
}

static void test_whiteout_bad_name(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        TarBuilder t = tb_new(NULL);
        tb_file(&t, "a/.wh.", "", 0600);
        assert_true(unpack_mode(tb_finish(&t), f->layer, IMG_WHITEOUT_DELETE, NULL, &err) < 0);
        assert_non_null(strstr(err->message, "entry 'a/.wh.'"));
}

/* ---- hostile archives ---- */

static void expect_rejected(Fixture *f, int fd, const char *want_msg)
{
        _cleanup_error_ BerthError *err = NULL;
        assert_true(unpack(fd, f->layer, &err) < 0);
        assert_non_null(err);
        if (!strstr(err->message, want_msg))
                fail_msg("message '%s' lacks '%s'", err->message, want_msg);
        assert_outside_untouched(f);
}

static void test_reject_dotdot(void **state)
{
        Fixture *f = *state;
        TarBuilder t = tb_new(NULL);
        tb_file(&t, "ok", "fine", 0644);
        tb_file(&t, "../../etc/passwd", "root::0:0::/:/bin/sh\n", 0644);
        expect_rejected(f, tb_finish(&t),
                        "layer sha256:test: entry '../../etc/passwd': path escapes the layer");
}

static void test_reject_dotdot_sibling(void **state)
{
        Fixture *f = *state;
        TarBuilder t = tb_new(NULL);
        tb_file(&t, "a/../../host/sentinel", "pwned", 0644);
        expect_rejected(f, tb_finish(&t), "entry 'a/../../host/sentinel': path escapes the layer");
}

static void test_reject_absolute(void **state)
{
        Fixture *f = *state;
        _cleanup_free_ char *abs = path_cat(f->host, "sentinel");
        TarBuilder t = tb_new(NULL);
        tb_file(&t, abs, "pwned", 0644);
        _cleanup_free_ char *want = NULL;
        assert_true(asprintf(&want, "entry '%s': path escapes the layer", abs) > 0);
        expect_rejected(f, tb_finish(&t), want);
}

static void test_symlink_absolute_write_through(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        TarBuilder t = tb_new(NULL);
        tb_symlink(&t, "evil", f->host); /* absolute path of the real host dir */
        tb_file(&t, "evil/pwned", "x", 0644);
        tb_file(&t, "evil/sentinel", "overwritten", 0644);
        assert_int_equal(unpack(tb_finish(&t), f->layer, &err), 0);
        assert_outside_untouched(f);
        /* confined: the symlink resolved inside the layer, as in a chroot */
        _cleanup_free_ char *inside = NULL;
        assert_true(asprintf(&inside, "%s%s/pwned", f->layer, f->host) > 0);
        assert_true(exists_nofollow(inside));
}

static void test_symlink_relative_escape(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        TarBuilder t = tb_new(NULL);
        tb_symlink(&t, "up", "../../../../../..");
        tb_file(&t, "up/host/sentinel", "overwritten", 0644);
        tb_dir(&t, "d", 0755);
        tb_symlink(&t, "d/parent", "../host");
        tb_file(&t, "d/parent/pwned", "x", 0644);
        assert_int_equal(unpack(tb_finish(&t), f->layer, &err), 0);
        assert_outside_untouched(f);
        assert_file_content(f, "host/sentinel", "overwritten");
        assert_file_content(f, "host/pwned", "x");
}

static void test_symlink_replaced_not_followed(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *target = path_cat(f->host, "sentinel");
        TarBuilder t = tb_new(NULL);
        tb_symlink(&t, "x", target);
        tb_file(&t, "x", "written", 0644); /* must replace the link, not write through */
        assert_int_equal(unpack(tb_finish(&t), f->layer, &err), 0);
        assert_outside_untouched(f);
        _cleanup_free_ char *x = layer_file(f, "x");
        struct stat st;
        assert_int_equal(lstat(x, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_file_content(f, "x", "written");
}

static void test_symlinked_parent_dir(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        TarBuilder t = tb_new(NULL);
        tb_symlink(&t, "etc", f->host);
        tb_dir(&t, "etc/sub", 0755);
        tb_file(&t, "etc/sub/file", "x", 0644);
        tb_put(&t, tb_entry("etc/fifo", AE_IFIFO, 0600), NULL, 0);
        tb_symlink(&t, "etc/link", "/etc/shadow");
        assert_int_equal(unpack(tb_finish(&t), f->layer, &err), 0);
        assert_outside_untouched(f);
        _cleanup_free_ char *inside = NULL;
        assert_true(asprintf(&inside, "%s%s/sub/file", f->layer, f->host) > 0);
        assert_true(exists_nofollow(inside));
}

static void test_hardlink_to_etc_passwd(void **state)
{
        Fixture *f = *state;
        struct stat before, after;
        assert_int_equal(stat("/etc/passwd", &before), 0);
        TarBuilder t = tb_new(NULL);
        tb_hardlink(&t, "pw", "/etc/passwd");
        expect_rejected(f, tb_finish(&t), "entry 'pw': hard link target '/etc/passwd' escapes");
        assert_int_equal(stat("/etc/passwd", &after), 0);
        assert_int_equal(before.st_nlink, after.st_nlink);
}

static void test_hardlink_dotdot(void **state)
{
        Fixture *f = *state;
        TarBuilder t = tb_new(NULL);
        tb_hardlink(&t, "pw", "../host/sentinel");
        expect_rejected(f, tb_finish(&t),
                        "entry 'pw': hard link target '../host/sentinel' escapes the layer");
        _cleanup_free_ char *s = path_cat(f->host, "sentinel");
        struct stat st;
        assert_int_equal(stat(s, &st), 0);
        assert_int_equal(st.st_nlink, 1);
}

static void test_hardlink_through_symlink(void **state)
{
        Fixture *f = *state;
        TarBuilder t = tb_new(NULL);
        tb_symlink(&t, "h", f->host);
        tb_hardlink(&t, "pw", "h/sentinel"); /* resolves inside the layer: not there */
        expect_rejected(f, tb_finish(&t), "entry 'pw': hard link");
        _cleanup_free_ char *s = path_cat(f->host, "sentinel");
        struct stat st;
        assert_int_equal(stat(s, &st), 0);
        assert_int_equal(st.st_nlink, 1);
}

static void test_hardlink_then_write(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        TarBuilder t = tb_new(NULL);
        tb_file(&t, "a", "first", 0644);
        tb_hardlink(&t, "b", "a");
        tb_file(&t, "b", "second", 0644); /* replaces b; a keeps its content */
        assert_int_equal(unpack(tb_finish(&t), f->layer, &err), 0);
        assert_file_content(f, "a", "first");
        assert_file_content(f, "b", "second");
}

static void test_deep_nesting(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        char path[2048] = "";
        for (int i = 0; i < 300; i++)
                strcat(path, "d/");
        strcat(path, "leaf");
        TarBuilder t = tb_new(NULL);
        tb_file(&t, path, "deep", 0644);
        assert_int_equal(unpack(tb_finish(&t), f->layer, &err), 0);
        assert_file_content(f, path, "deep");
        assert_outside_untouched(f);
}

static void test_path_too_long(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        size_t n = 3000;
        char *path = malloc(2 * n + 8);
        path[0] = '\0';
        for (size_t i = 0; i < n; i++)
                strcat(path, "d/");
        strcat(path, "leaf");
        TarBuilder t = tb_new(NULL);
        tb_file(&t, path, "deep", 0644);
        assert_true(unpack(tb_finish(&t), f->layer, &err) < 0);
        assert_non_null(strstr(err->message, "entry 'd/d/d/"));
        assert_outside_untouched(f);
        free(path);
}

/* ---- corrupt streams ---- */

static int truncated_copy(int fd, double fraction)
{
        struct stat st;
        fstat(fd, &st);
        size_t len = (size_t)((double)st.st_size * fraction);
        char *buf = malloc(len);
        assert_int_equal(pread(fd, buf, len, 0), (ssize_t)len);
        int out = memfd_create("trunc", MFD_CLOEXEC);
        assert_int_equal(write(out, buf, len), (ssize_t)len);
        lseek(out, 0, SEEK_SET);
        free(buf);
        close(fd);
        return out;
}

static int big_layer(const char *filter)
{
        TarBuilder t = tb_new(filter);
        size_t len = 256 * 1024;
        char *data = malloc(len);
        for (size_t i = 0; i < len; i++)
                data[i] = (char)(i * 13 + i / 7);
        tb_put(&t, tb_entry("a", AE_IFREG, 0644), data, len);
        tb_put(&t, tb_entry("b", AE_IFREG, 0644), data, len);
        free(data);
        return tb_finish(&t);
}

static void expect_unpack_path_fails(Fixture *f, int fd, const char *want)
{
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *dest = path_cat(f->outer, "dest");
        ImgUnpackOptions o = {.name = NAME};
        ImgUnpackResult res;
        assert_true(img_layer_unpack_path(fd, dest, &o, &res, &err) < 0);
        close(fd);
        if (!strstr(err->message, want))
                fail_msg("message '%s' lacks '%s'", err->message, want);
        assert_false(exists_nofollow(dest));
        assert_outside_untouched(f); /* no dest.tmp-XXXXXX left behind */
}

static void test_truncated_gzip(void **state)
{
        expect_unpack_path_fails(*state, truncated_copy(big_layer("gzip"), 0.5),
                                 "layer sha256:test");
}

static void test_truncated_zstd(void **state)
{
        expect_unpack_path_fails(*state, truncated_copy(big_layer("zstd"), 0.5),
                                 "layer sha256:test");
}

static void test_truncated_tar(void **state)
{
        expect_unpack_path_fails(*state, truncated_copy(big_layer(NULL), 0.7),
                                 "entry 'b': read data: Truncated tar archive");
}

static void test_garbage(void **state)
{
        int fd = memfd_create("garbage", MFD_CLOEXEC);
        char buf[4096];
        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (char)(i * 31 + 7);
        assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
        lseek(fd, 0, SEEK_SET);
        expect_unpack_path_fails(*state, fd, "layer sha256:test");
}

static void test_corrupt_gzip_body(void **state)
{
        int fd = big_layer("gzip");
        /* flip bytes in the middle of the deflate stream */
        char junk[64];
        memset(junk, 0x55, sizeof(junk));
        assert_int_equal(pwrite(fd, junk, sizeof(junk), 2000), (ssize_t)sizeof(junk));
        expect_unpack_path_fails(*state, fd, "layer sha256:test");
}

static void test_unpack_path_success(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *dest = path_cat(f->outer, "dest");
        ImgUnpackOptions o = {.name = NAME};
        ImgUnpackResult res;
        int fd = basic_tar("gzip");
        assert_int_equal(img_layer_unpack_path(fd, dest, &o, &res, &err), 0);
        close(fd);
        assert_int_equal(count_entries(f->outer), 3); /* layer, host, dest: no temp dir */
        _cleanup_free_ char *h = path_cat(dest, "etc/hostname");
        _cleanup_free_ char *c = slurp(h);
        assert_string_equal(c, "box\n");
        struct stat st;
        assert_int_equal(stat(dest, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0755);
}

static void test_from_pipe(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        int src = basic_tar("zstd");
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        if (pid == 0) {
                char buf[7]; /* tiny writes: detection must gather enough bytes */
                ssize_t n;
                close(p[0]);
                while ((n = read(src, buf, sizeof(buf))) > 0)
                        if (write(p[1], buf, (size_t)n) != n)
                                _exit(1);
                _exit(0);
        }
        close(p[1]);
        close(src);
        ImgUnpackResult res;
        assert_int_equal(unpack_mode(p[0], f->layer, IMG_WHITEOUT_OVERLAY, &res, &err), 0);
        waitpid(pid, NULL, 0);
        assert_int_equal(res.compression, IMG_COMPRESSION_ZSTD);
        assert_file_content(f, "usr/bin/tool", "#!/bin/sh\n");
}

/* The same confinement through safepath's own walk (kernels without openat2). */
static void test_confined_with_fallback_walk(void **state)
{
        safe_path_force_fallback(true);
        test_symlink_relative_escape(state);
        test_symlinked_parent_dir(state);
        safe_path_force_fallback(false);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
        const struct CMUnitTest tests[] = {
            T(test_plain_tar),
            T(test_gzip),
            T(test_zstd),
            cmocka_unit_test(test_detect),
            cmocka_unit_test(test_clean_path),
            T(test_symlink_and_hardlink),
            T(test_devices_and_fifo),
            T(test_ownership_and_special_modes),
            T(test_xattrs_and_capability),
            T(test_directory_mtimes_set_last),
            T(test_replace_types),
            T(test_sparse_and_large),
            T(test_whiteouts_overlay),
            T(test_whiteouts_vfs),
            T(test_whiteout_bad_name),
            T(test_reject_dotdot),
            T(test_reject_dotdot_sibling),
            T(test_reject_absolute),
            T(test_symlink_absolute_write_through),
            T(test_symlink_relative_escape),
            T(test_symlink_replaced_not_followed),
            T(test_symlinked_parent_dir),
            T(test_confined_with_fallback_walk),
            T(test_hardlink_to_etc_passwd),
            T(test_hardlink_dotdot),
            T(test_hardlink_through_symlink),
            T(test_hardlink_then_write),
            T(test_deep_nesting),
            T(test_path_too_long),
            T(test_truncated_gzip),
            T(test_truncated_zstd),
            T(test_truncated_tar),
            T(test_garbage),
            T(test_corrupt_gzip_body),
            T(test_unpack_path_success),
            T(test_from_pipe),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
