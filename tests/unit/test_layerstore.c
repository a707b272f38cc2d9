/* Unit tests for the layer store and its two drivers: the Docker fixture
 * (three layers, one deleting a directory and a file) composed by overlay
 * and vfs, shared layers, failures leaving nothing behind, container
 * changes as a tar and back, and many-layer overlay mounts. Needs root for
 * mounts and ownership; overlay tests skip when the probe mount fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/strv.h"
#include "image/layer_diff.h"
#include "image/layerstore.h"
#include "layer_test_util.h"

#define FIXTURES "/work/shared/fixtures"

/* The fixture, extracted once for the whole run. */
static char *fixture_dir;
static char *layer_paths[3];
static char *want_diff_ids[3];

static int extract_fixture(const char *tarpath, const char *dest)
{
        struct archive *a = archive_read_new();
        archive_read_support_format_tar(a);
        if (archive_read_open_filename(a, tarpath, 65536) != ARCHIVE_OK)
                return -1;
        struct archive_entry *e;
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
                _cleanup_free_ char *p = path_cat(dest, archive_entry_pathname(e));
                if (archive_entry_filetype(e) == AE_IFDIR) {
                        mkdir_p(p, 0755, NULL);
                        continue;
                }
                if (archive_entry_filetype(e) != AE_IFREG)
                        continue;
                int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (fd < 0) {
                        _cleanup_free_ char *dir = strdup(p);
                        *strrchr(dir, '/') = '\0';
                        mkdir_p(dir, 0755, NULL);
                        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                }
                if (fd < 0)
                        return -1;
                archive_read_data_into_fd(a, fd);
                close(fd);
        }
        archive_read_free(a);
        return 0;
}

static int group_setup(void **state)
{
        fixture_dir = make_tmpdir("fixture");
        if (extract_fixture(FIXTURES "/multilayer-docker-save.tar", fixture_dir) < 0)
                return -1;
        _cleanup_free_ char *mpath = path_cat(fixture_dir, "manifest.json");
        json_t *m = json_load_file(mpath, 0, NULL);
        json_t *layers = json_object_get(json_array_get(m, 0), "Layers");
        json_t *inspect = json_load_file(FIXTURES "/multilayer-docker-inspect.json", 0, NULL);
        json_t *diffs =
            json_object_get(json_object_get(json_array_get(inspect, 0), "RootFS"), "Layers");
        if (json_array_size(layers) != 3 || json_array_size(diffs) != 3)
                return -1;
        for (size_t i = 0; i < 3; i++) {
                layer_paths[i] =
                    path_cat(fixture_dir, json_string_value(json_array_get(layers, i)));
                want_diff_ids[i] = strdup(json_string_value(json_array_get(diffs, i)));
        }
        json_decref(m);
        json_decref(inspect);
        return 0;
}

static int group_teardown(void **state)
{
        rm_rf(fixture_dir, NULL);
        free(fixture_dir);
        for (size_t i = 0; i < 3; i++) {
                free(layer_paths[i]);
                free(want_diff_ids[i]);
        }
        return 0;
}

typedef struct Fixture {
        char *root;
        char *container;
        char *container2;
} Fixture;

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(*f));
        f->root = make_tmpdir("store");
        f->container = path_cat(f->root, "containers/c1");
        f->container2 = path_cat(f->root, "containers/c2");
        mkdir_p(f->container, 0700, NULL);
        mkdir_p(f->container2, 0700, NULL);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;
        _cleanup_free_ char *r1 = path_cat(f->container, "rootfs");
        _cleanup_free_ char *r2 = path_cat(f->container2, "rootfs");
        umount2(r1, MNT_DETACH);
        umount2(r2, MNT_DETACH);
        rm_rf(f->root, NULL);
        free(f->root);
        free(f->container);
        free(f->container2);
        free(f);
        return 0;
}

static bool need_root(void)
{
        if (geteuid() == 0)
                return true;
        printf("# skipped: needs root (mounts, ownership)\n");
        return false;
}

/* Opens a store with the driver, or returns NULL after printing why the
 * test is skipped (overlay unusable here). */
static ImgLayerStore *open_store(Fixture *f, ImgDriverKind kind)
{
        _cleanup_error_ BerthError *err = NULL;
        ImgLayerStore *ls = NULL;
        int r = img_layerstore_open(f->root, kind, &ls, &err);
        if (r < 0 && kind == IMG_DRIVER_OVERLAY) {
                printf("# skipped: overlay unusable here: %s\n", err->message);
                return NULL;
        }
        assert_int_equal(r, 0);
        return ls;
}

static int open_layer(size_t i)
{
        int fd = open(layer_paths[i], O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

/* Unpacks the fixture's three layers; ret_chain gets the top chain id. */
static void load_fixture(ImgLayerStore *ls, bool expect, char ret_chain[IMG_DIGEST_LEN + 1])
{
        char parent[IMG_DIGEST_LEN + 1] = "";
        for (size_t i = 0; i < 3; i++) {
                _cleanup_error_ BerthError *err = NULL;
                ImgLayerInfo info;
                int fd = open_layer(i);
                int r = img_layerstore_create(ls, parent, expect ? want_diff_ids[i] : NULL, fd,
                                              &info, &err);
                close(fd);
                if (r < 0)
                        fail_msg("layer %zu: %s", i, err->message);
                assert_int_equal(r, 1);
                /* the diff_ids Docker recorded */
                assert_string_equal(info.diff_id, want_diff_ids[i]);
                assert_string_equal(info.parent, parent);
                strcpy(parent, info.chain_id);
        }
        strcpy(ret_chain, parent);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "find /data" in sorted pre-order, then the files' contents. */
static void list_tree(const char *host, const char *rel, char **listing, char **contents)
{
        _cleanup_free_ char *hp = path_cat(host, rel);
        struct stat st;
        assert_int_equal(lstat(hp, &st), 0);
        char *n = NULL;
        assert_true(asprintf(&n, "%s%s\n", *listing, rel) > 0);
        free(*listing);
        *listing = n;
        if (S_ISREG(st.st_mode)) {
                _cleanup_free_ char *c = slurp(hp);
                assert_true(asprintf(&n, "%s%s", *contents, c) > 0);
                free(*contents);
                *contents = n;
                return;
        }
        if (!S_ISDIR(st.st_mode))
                return;
        DIR *d = opendir(hp);
        assert_non_null(d);
        char **names = NULL;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        strv_append(&names, de->d_name);
        closedir(d);
        size_t cnt = strv_length(names);
        if (cnt)
                qsort(names, cnt, sizeof(char *), cmp_str);
        for (size_t i = 0; i < cnt; i++) {
                _cleanup_free_ char *child = path_cat(rel, names[i]);
                list_tree(host, child, listing, contents);
        }
        strv_free(names);
}

static void assert_fixture_view(const char *rootfs)
{
        char *listing = strdup(""), *contents = strdup("");
        list_tree(rootfs, "/data", &listing, &contents);
        _cleanup_free_ char *want = slurp(FIXTURES "/multilayer-data-listing.txt");
        _cleanup_free_ char *got = NULL;
        assert_true(asprintf(&got, "%s%s", listing, contents) > 0);
        assert_string_equal(got, want);
        /* and the base layer's busybox is there */
        _cleanup_free_ char *sh = path_cat(rootfs, "bin/sh");
        struct stat st;
        assert_int_equal(lstat(sh, &st), 0);
        free(listing);
        free(contents);
}

static void fixture_with(void **state, ImgDriverKind kind, const char *name, bool expect)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, kind);
        if (!ls)
                skip();
        assert_string_equal(img_layerstore_driver_name(ls), name);
        char top[IMG_DIGEST_LEN + 1];
        load_fixture(ls, expect, top);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *rootfs = NULL;
        if (img_layerstore_mount(ls, top, f->container, &rootfs, &err) < 0)
                fail_msg("mount: %s", err->message);
        assert_fixture_view(rootfs);
        /* idempotent */
        assert_int_equal(img_layerstore_mount(ls, top, f->container, NULL, &err), 0);
        assert_int_equal(img_layerstore_remove_container(ls, f->container, &err), 0);
        assert_false(exists_nofollow(rootfs));
        img_layerstore_free(ls);
}

static void test_fixture_overlay(void **state)
{
        fixture_with(state, IMG_DRIVER_OVERLAY, "overlay", true);
}

static void test_fixture_vfs(void **state)
{
        fixture_with(state, IMG_DRIVER_VFS, "vfs", true);
}

static void test_fixture_overlay_computed_ids(void **state)
{
        fixture_with(state, IMG_DRIVER_OVERLAY, "overlay", false);
}

static void test_fixture_vfs_computed_ids(void **state)
{
        fixture_with(state, IMG_DRIVER_VFS, "vfs", false);
}

static void test_chain_id(void **state)
{
        char c[IMG_DIGEST_LEN + 1];
        assert_int_equal(img_layer_chain_id(NULL, want_diff_ids[0], c), 0);
        assert_string_equal(c, want_diff_ids[0]);
        assert_int_equal(img_layer_chain_id(want_diff_ids[0], want_diff_ids[1], c), 0);
        /* sha256("<parent> <diff>") computed independently */
        char buf[200];
        snprintf(buf, sizeof(buf), "%s %s", want_diff_ids[0], want_diff_ids[1]);
        struct sha256_ctx ctx;
        uint8_t md[SHA256_DIGEST_SIZE];
        sha256_init(&ctx);
        sha256_update(&ctx, strlen(buf), (const uint8_t *)buf);
        sha256_digest(&ctx, sizeof(md), md);
        char want[IMG_DIGEST_LEN + 1] = "sha256:";
        for (int i = 0; i < 32; i++)
                sprintf(want + 7 + 2 * i, "%02x", md[i]);
        assert_string_equal(c, want);
        assert_int_equal(img_layer_chain_id(NULL, "sha256:xyz", c), -EINVAL);
        assert_int_equal(img_layer_chain_id("md5:00", want_diff_ids[0], c), -EINVAL);
}

static void test_driver_parse(void **state)
{
        ImgDriverKind k;
        assert_int_equal(img_driver_parse("overlay2", &k), 0);
        assert_int_equal(k, IMG_DRIVER_OVERLAY);
        assert_int_equal(img_driver_parse("vfs", &k), 0);
        assert_int_equal(k, IMG_DRIVER_VFS);
        assert_int_equal(img_driver_parse("", &k), 0);
        assert_int_equal(k, IMG_DRIVER_AUTO);
        assert_int_equal(img_driver_parse("btrfs", &k), -EINVAL);
}

static void test_auto_probe(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_AUTO);
        const char *name = img_layerstore_driver_name(ls);
        assert_true(STREQ(name, "overlay") || STREQ(name, "vfs"));
        printf("# probed driver: %s\n", name);
        /* the probe leaves nothing behind */
        _cleanup_free_ char *layers = path_cat(f->root, "layers");
        assert_int_equal(count_entries(layers), 0);
        img_layerstore_free(ls);
}

static void test_shared_layer_unpacked_once(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_VFS);
        char top[IMG_DIGEST_LEN + 1];
        load_fixture(ls, true, top);
        _cleanup_error_ BerthError *err = NULL;
        ImgLayerInfo info;
        /* fd -1: an existing layer must not even read its stream */
        assert_int_equal(img_layerstore_create(ls, NULL, want_diff_ids[0], -1, &info, &err), 0);
        assert_string_equal(info.chain_id, want_diff_ids[0]);
        assert_int_equal(img_layerstore_get(ls, top, &info, &err), 0);
        assert_string_equal(info.diff_id, want_diff_ids[2]);
        assert_int_equal(info.size, 7); /* "second\n" */
        /* without an expected id: unpacked again, then found to exist */
        int fd = open_layer(0);
        assert_int_equal(img_layerstore_create(ls, NULL, NULL, fd, &info, &err), 0);
        close(fd);
        _cleanup_free_ char *layers = path_cat(f->root, "layers");
        assert_int_equal(count_entries(layers), 3);
        img_layerstore_free(ls);
}

static void test_diff_id_mismatch(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_VFS);
        _cleanup_error_ BerthError *err = NULL;
        int fd = open_layer(0);
        assert_true(img_layerstore_create(ls, NULL, want_diff_ids[1], fd, NULL, &err) < 0);
        close(fd);
        assert_non_null(strstr(err->message, "content has diff_id"));
        _cleanup_free_ char *layers = path_cat(f->root, "layers");
        assert_int_equal(count_entries(layers), 0); /* nothing partial remains */
        img_layerstore_free(ls);
}

static void test_corrupt_layer_leaves_nothing(void **state)
{
        Fixture *f = *state;
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_VFS);
        _cleanup_error_ BerthError *err = NULL;
        /* the first half of the busybox layer: truncated mid-stream */
        int src = open_layer(0);
        struct stat st;
        fstat(src, &st);
        size_t len = (size_t)st.st_size / 2;
        char *buf = malloc(len);
        assert_int_equal(read(src, buf, len), (ssize_t)len);
        close(src);
        int fd = memfd_create("half", MFD_CLOEXEC);
        assert_int_equal(write(fd, buf, len), (ssize_t)len);
        lseek(fd, 0, SEEK_SET);
        free(buf);
        assert_true(img_layerstore_create(ls, NULL, want_diff_ids[0], fd, NULL, &err) < 0);
        close(fd);
        assert_non_null(strstr(err->message, want_diff_ids[0]));
        _cleanup_free_ char *layers = path_cat(f->root, "layers");
        assert_int_equal(count_entries(layers), 0);
        assert_false(img_layerstore_exists(ls, want_diff_ids[0]));
        img_layerstore_free(ls);
}

static void test_missing_parent(void **state)
{
        Fixture *f = *state;
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_VFS);
        _cleanup_error_ BerthError *err = NULL;
        int fd = open_layer(1);
        assert_int_equal(img_layerstore_create(ls, want_diff_ids[0], NULL, fd, NULL, &err),
                         -ENOENT);
        close(fd);
        assert_non_null(strstr(err->message, "parent layer not found"));
        img_layerstore_free(ls);
}

static void test_remove_layer(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_VFS);
        char top[IMG_DIGEST_LEN + 1];
        load_fixture(ls, true, top);
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_layerstore_remove(ls, top, &err), 0);
        assert_false(img_layerstore_exists(ls, top));
        assert_int_equal(img_layerstore_get(ls, top, NULL, &err), -ENOENT);
        _cleanup_free_ char *layers = path_cat(f->root, "layers");
        assert_int_equal(count_entries(layers), 2);
        img_layerstore_free(ls);
}

/* Tar entry names of a layer stream, one per line. */
static char *tar_names(int fd)
{
        lseek(fd, 0, SEEK_SET);
        struct archive *a = archive_read_new();
        archive_read_support_format_tar(a);
        assert_int_equal(archive_read_open_fd(a, fd, 65536), ARCHIVE_OK);
        char *out = strdup("\n");
        struct archive_entry *e;
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
                char *n = NULL;
                assert_true(asprintf(&n, "%s%s\n", out, archive_entry_pathname(e)) > 0);
                free(out);
                out = n;
        }
        archive_read_free(a);
        lseek(fd, 0, SEEK_SET);
        return out;
}

static void assert_has(const char *names, const char *name, bool want)
{
        _cleanup_free_ char *needle = NULL;
        assert_true(asprintf(&needle, "\n%s\n", name) > 0);
        if ((strstr(names, needle) != NULL) != want)
                fail_msg("entry '%s' %s in:%s", name, want ? "missing" : "unexpected", names);
}

/* Changes made in a container come out as a tar with whiteouts, and that
 * tar as a new layer gives a second container the same view. */
static void changes_with(void **state, ImgDriverKind kind)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, kind);
        if (!ls)
                skip();
        char top[IMG_DIGEST_LEN + 1];
        load_fixture(ls, true, top);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *rootfs = NULL;
        assert_int_equal(img_layerstore_mount(ls, top, f->container, &rootfs, &err), 0);

        _cleanup_free_ char *added = path_cat(rootfs, "data/added");
        _cleanup_free_ char *kfile = path_cat(rootfs, "data/keep/file");
        _cleanup_free_ char *second = path_cat(rootfs, "data/keep/second");
        _cleanup_free_ char *keep = path_cat(rootfs, "data/keep");
        _cleanup_free_ char *fresh = path_cat(rootfs, "data/keep/fresh");
        _cleanup_free_ char *bin_echo = path_cat(rootfs, "bin/echo");
        assert_int_equal(write_file_atomic(added, "new\n", 4, 0640, NULL), 0);
        assert_int_equal(unlink(bin_echo), 0);
        /* replace data/keep wholesale: overlay makes it opaque */
        assert_int_equal(unlink(kfile), 0);
        assert_int_equal(unlink(second), 0);
        assert_int_equal(rmdir(keep), 0);
        assert_int_equal(mkdir(keep, 0700), 0);
        assert_int_equal(write_file_atomic(fresh, "fresh\n", 6, 0644, NULL), 0);

        int out = memfd_create("changes", MFD_CLOEXEC);
        if (img_layerstore_changes(ls, top, f->container, out, &err) < 0)
                fail_msg("changes: %s", err->message);
        _cleanup_free_ char *names = tar_names(out);
        assert_has(names, "data/added", true);
        assert_has(names, "bin/.wh.echo", true);
        assert_has(names, "data/keep/fresh", true);
        assert_has(names, "bin/busybox", false); /* unchanged content stays out */
        assert_has(names, "data/.wh.keep", false);
        if (kind == IMG_DRIVER_OVERLAY)
                assert_has(names, "data/keep/.wh..wh..opq", true);
        else
                assert_has(names, "data/keep/.wh.file", true);

        /* the changes as a layer on top, in a second container */
        ImgLayerInfo info;
        if (img_layerstore_create(ls, top, NULL, out, &info, &err) < 0)
                fail_msg("create from changes: %s", err->message);
        close(out);
        _cleanup_free_ char *rootfs2 = NULL;
        assert_int_equal(img_layerstore_mount(ls, info.chain_id, f->container2, &rootfs2, &err), 0);
        _cleanup_free_ char *added2 = path_cat(rootfs2, "data/added");
        _cleanup_free_ char *c = slurp(added2);
        assert_string_equal(c, "new\n");
        _cleanup_free_ char *keep2 = path_cat(rootfs2, "data/keep");
        assert_int_equal(count_entries(keep2), 1);
        _cleanup_free_ char *echo2 = path_cat(rootfs2, "bin/echo");
        assert_false(exists_nofollow(echo2));
        struct stat st;
        assert_int_equal(stat(keep2, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        assert_int_equal(stat(added2, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0640);

        assert_int_equal(img_layerstore_remove_container(ls, f->container, &err), 0);
        assert_int_equal(img_layerstore_remove_container(ls, f->container2, &err), 0);
        img_layerstore_free(ls);
}

static void test_changes_overlay(void **state)
{
        changes_with(state, IMG_DRIVER_OVERLAY);
}

static void test_changes_vfs(void **state)
{
        changes_with(state, IMG_DRIVER_VFS);
}

static void empty_with(void **state, ImgDriverKind kind)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, kind);
        if (!ls)
                skip();
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *rootfs = NULL;
        assert_int_equal(img_layerstore_mount(ls, NULL, f->container, &rootfs, &err), 0);
        assert_int_equal(count_entries(rootfs), 0);
        assert_int_equal(img_layerstore_remove_container(ls, f->container, &err), 0);
        img_layerstore_free(ls);
}

static void test_empty_image_overlay(void **state)
{
        empty_with(state, IMG_DRIVER_OVERLAY);
}

static void test_empty_image_vfs(void **state)
{
        empty_with(state, IMG_DRIVER_VFS);
}

/* More layers than one page of "lowerdir=" with absolute paths could name. */
static void test_many_layers_overlay(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_OVERLAY);
        if (!ls)
                skip();
        char parent[IMG_DIGEST_LEN + 1] = "";
        const int n = 80; /* 80 x ~110 bytes of path > 4096 */
        for (int i = 0; i < n; i++) {
                TarBuilder t = tb_new(NULL);
                char name[32], content[32];
                snprintf(name, sizeof(name), "layer%02d", i);
                snprintf(content, sizeof(content), "%d", i);
                tb_file(&t, name, content, 0644);
                tb_file(&t, "top", content, 0644);
                int fd = tb_finish(&t);
                _cleanup_error_ BerthError *err = NULL;
                ImgLayerInfo info;
                assert_int_equal(img_layerstore_create(ls, parent, NULL, fd, &info, &err), 1);
                close(fd);
                strcpy(parent, info.chain_id);
        }
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *rootfs = NULL;
        if (img_layerstore_mount(ls, parent, f->container, &rootfs, &err) < 0)
                fail_msg("mount: %s", err->message);
        assert_int_equal(count_entries(rootfs), n + 1);
        _cleanup_free_ char *top = path_cat(rootfs, "top");
        _cleanup_free_ char *first = path_cat(rootfs, "layer00");
        _cleanup_free_ char *c1 = slurp(top);
        _cleanup_free_ char *c2 = slurp(first);
        assert_string_equal(c1, "79");
        assert_string_equal(c2, "0");
        assert_int_equal(img_layerstore_remove_container(ls, f->container, &err), 0);
        img_layerstore_free(ls);
}

typedef struct ParallelJob {
        ImgLayerStore *ls;
        size_t index;
        bool no_expect;
        char parent[IMG_DIGEST_LEN + 1];
        int result;
        char message[256];
} ParallelJob;

static void *parallel_create(void *arg)
{
        ParallelJob *j = arg;
        BerthError *err = NULL;
        int fd = open(layer_paths[j->index], O_RDONLY | O_CLOEXEC);
        j->result =
            img_layerstore_create(j->ls, j->parent, want_diff_ids[j->index], fd, NULL, &err);
        if (err)
                snprintf(j->message, sizeof(j->message), "%s", err->message);
        error_free(err);
        close(fd);
        return NULL;
}

/* overlay layers do not depend on their parents' content: all three at once. */
static void test_parallel_overlay(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_OVERLAY);
        if (!ls)
                skip();
        ParallelJob jobs[3] = {{0}};
        pthread_t th[3];
        char chain[IMG_DIGEST_LEN + 1] = "";
        for (size_t i = 0; i < 3; i++) {
                jobs[i].ls = ls;
                jobs[i].index = i;
                strcpy(jobs[i].parent, chain);
                assert_int_equal(img_layer_chain_id(chain, want_diff_ids[i], chain), 0);
        }
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(pthread_create(&th[i], NULL, parallel_create, &jobs[i]), 0);
        for (size_t i = 0; i < 3; i++) {
                pthread_join(th[i], NULL);
                if (jobs[i].result != 1)
                        fail_msg("layer %zu: %s", i, jobs[i].message);
        }
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *rootfs = NULL;
        assert_int_equal(img_layerstore_mount(ls, chain, f->container, &rootfs, &err), 0);
        assert_fixture_view(rootfs);
        assert_int_equal(img_layerstore_remove_container(ls, f->container, &err), 0);
        img_layerstore_free(ls);
}

/* An overlay chain with a hole cannot be mounted, and says which layer. */
static void test_overlay_mount_incomplete_chain(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_OVERLAY);
        if (!ls)
                skip();
        _cleanup_error_ BerthError *err = NULL;
        char base[IMG_DIGEST_LEN + 1], top[IMG_DIGEST_LEN + 1];
        assert_int_equal(img_layer_chain_id(NULL, want_diff_ids[0], base), 0);
        int fd = open_layer(1);
        ImgLayerInfo info;
        assert_int_equal(img_layerstore_create(ls, base, want_diff_ids[1], fd, &info, &err), 1);
        close(fd);
        strcpy(top, info.chain_id);
        assert_true(img_layerstore_mount(ls, top, f->container, NULL, &err) < 0);
        assert_non_null(strstr(err->message, base));
        img_layerstore_free(ls);
}

static int open_dir(const char *p)
{
        int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static void unpack_into(int tarfd, const char *dir)
{
        _cleanup_error_ BerthError *err = NULL;
        int dfd = open_dir(dir);
        lseek(tarfd, 0, SEEK_SET);
        ImgUnpackOptions o = {.whiteouts = IMG_WHITEOUT_DELETE, .name = "diff"};
        ImgUnpackResult res;
        if (img_layer_unpack(tarfd, dfd, &o, &res, &err) < 0)
                fail_msg("unpack: %s", err->message);
        close(dfd);
}

/* An upper dir made by hand (no mount): whiteout device, opaque dir, hard
 * links, xattrs and a symlink come out as a tar that, applied vfs-style to
 * the lower, gives the merged view. */
static void test_diff_overlay_upper_roundtrip(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        _cleanup_free_ char *lower = path_cat(f->root, "lower");
        _cleanup_free_ char *upper = path_cat(f->root, "upper");
        TarBuilder t = tb_new(NULL);
        tb_file(&t, "etc/gone", "g", 0644);
        tb_file(&t, "etc/kept", "k", 0644);
        tb_file(&t, "opq/old", "o", 0644);
        mkdir(lower, 0755);
        int fd = tb_finish(&t);
        unpack_into(fd, lower);
        close(fd);

        assert_int_equal(mkdir_p(upper, 0755, NULL), 0);
        _cleanup_free_ char *etc = path_cat(upper, "etc");
        _cleanup_free_ char *gone = path_cat(upper, "etc/gone");
        _cleanup_free_ char *opq = path_cat(upper, "opq");
        _cleanup_free_ char *onew = path_cat(upper, "opq/new");
        _cleanup_free_ char *a = path_cat(upper, "a");
        _cleanup_free_ char *b = path_cat(upper, "b");
        _cleanup_free_ char *l = path_cat(upper, "l");
        assert_int_equal(mkdir(etc, 0755), 0);
        assert_int_equal(mknod(gone, S_IFCHR, makedev(0, 0)), 0);
        assert_int_equal(mkdir(opq, 0755), 0);
        assert_int_equal(setxattr(opq, "trusted.overlay.opaque", "y", 1, 0), 0);
        assert_int_equal(write_file_atomic(onew, "n", 1, 0644, NULL), 0);
        assert_int_equal(write_file_atomic(a, "shared", 6, 0600, NULL), 0);
        assert_int_equal(setxattr(a, "user.tag", "v1", 2, 0), 0);
        assert_int_equal(link(a, b), 0);
        assert_int_equal(symlink("/etc/kept", l), 0);

        int ufd = open_dir(upper);
        int out = memfd_create("diff", MFD_CLOEXEC);
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_layer_diff_overlay(ufd, out, &err), 0);
        close(ufd);
        _cleanup_free_ char *names = tar_names(out);
        assert_has(names, "etc/.wh.gone", true);
        assert_has(names, "opq/.wh..wh..opq", true);
        assert_has(names, "etc/gone", false);
        unpack_into(out, lower);
        close(out);

        _cleanup_free_ char *lg = path_cat(lower, "etc/gone");
        _cleanup_free_ char *lk = path_cat(lower, "etc/kept");
        _cleanup_free_ char *lo = path_cat(lower, "opq");
        _cleanup_free_ char *la = path_cat(lower, "a");
        _cleanup_free_ char *lb = path_cat(lower, "b");
        _cleanup_free_ char *ll = path_cat(lower, "l");
        assert_false(exists_nofollow(lg));
        assert_true(exists_nofollow(lk));
        assert_int_equal(count_entries(lo), 1); /* opq/old gone, opq/new there */
        struct stat sa, sb;
        assert_int_equal(lstat(la, &sa), 0);
        assert_int_equal(lstat(lb, &sb), 0);
        assert_int_equal(sa.st_ino, sb.st_ino); /* still one inode */
        assert_int_equal(sa.st_mode & 0777, 0600);
        char v[8];
        assert_int_equal(getxattr(la, "user.tag", v, sizeof(v)), 2);
        assert_memory_equal(v, "v1", 2);
        char target[32];
        assert_int_equal(readlink(ll, target, sizeof(target)), 9);
        assert_memory_equal(target, "/etc/kept", 9);
}

/* vfs: metadata-only changes count, untouched files stay out. */
static void test_diff_vfs_metadata(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        _cleanup_free_ char *old = path_cat(f->root, "old");
        _cleanup_free_ char *new = path_cat(f->root, "new");
        mkdir(old, 0755);
        mkdir(new, 0755);
        TarBuilder t = tb_new(NULL);
        tb_file(&t, "d/same", "s", 0644);
        tb_file(&t, "d/chmod", "c", 0644);
        tb_file(&t, "d/chown", "o", 0644);
        tb_file(&t, "e/untouched", "u", 0644);
        int fd = tb_finish(&t);
        unpack_into(fd, old);
        unpack_into(fd, new);
        close(fd);
        _cleanup_free_ char *cm = path_cat(new, "d/chmod");
        _cleanup_free_ char *co = path_cat(new, "d/chown");
        assert_int_equal(chmod(cm, 0600), 0);
        assert_int_equal(lchown(co, 123, 456), 0);
        int ofd = open_dir(old), nfd = open_dir(new);
        int out = memfd_create("diff", MFD_CLOEXEC);
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_layer_diff_vfs(ofd, nfd, out, &err), 0);
        close(ofd);
        close(nfd);
        _cleanup_free_ char *names = tar_names(out);
        close(out);
        assert_has(names, "d/", true); /* parent of changes, for its metadata */
        assert_has(names, "d/chmod", true);
        assert_has(names, "d/chown", true);
        assert_has(names, "d/same", false);
        assert_has(names, "e/", false);
        assert_has(names, "e/untouched", false);
}

static void test_leftovers_removed_on_open(void **state)
{
        Fixture *f = *state;
        _cleanup_free_ char *junk = path_cat(f->root, "layers/.tmp-abc123/diff/etc");
        _cleanup_free_ char *keep = path_cat(f->root, "layers/unrelated");
        assert_int_equal(mkdir_p(junk, 0755, NULL), 0);
        assert_int_equal(mkdir_p(keep, 0755, NULL), 0);
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_VFS);
        _cleanup_free_ char *layers = path_cat(f->root, "layers");
        assert_int_equal(count_entries(layers), 1);
        assert_true(exists_nofollow(keep));
        img_layerstore_free(ls);
}

/* Two writers of one layer: one unpacks it, the other finds it (or loses
 * the rename race and discards its copy); nothing temporary remains. */
static void test_concurrent_same_layer(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_VFS);
        ParallelJob jobs[2] = {{.ls = ls, .no_expect = true}, {.ls = ls, .no_expect = true}};
        pthread_t th[2];
        for (size_t i = 0; i < 2; i++)
                assert_int_equal(pthread_create(&th[i], NULL, parallel_create, &jobs[i]), 0);
        for (size_t i = 0; i < 2; i++)
                pthread_join(th[i], NULL);
        assert_int_equal(jobs[0].result + jobs[1].result, 1);
        assert_true(img_layerstore_exists(ls, want_diff_ids[0]));
        _cleanup_free_ char *layers = path_cat(f->root, "layers");
        assert_int_equal(count_entries(layers), 1);
        img_layerstore_free(ls);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_chain_id),
            cmocka_unit_test(test_driver_parse),
            T(test_auto_probe),
            T(test_fixture_overlay),
            T(test_fixture_vfs),
            T(test_fixture_overlay_computed_ids),
            T(test_fixture_vfs_computed_ids),
            T(test_shared_layer_unpacked_once),
            T(test_diff_id_mismatch),
            T(test_corrupt_layer_leaves_nothing),
            T(test_missing_parent),
            T(test_remove_layer),
            T(test_changes_overlay),
            T(test_changes_vfs),
            T(test_empty_image_overlay),
            T(test_empty_image_vfs),
            T(test_many_layers_overlay),
            T(test_parallel_overlay),
            T(test_concurrent_same_layer),
            T(test_leftovers_removed_on_open),
            T(test_diff_overlay_upper_roundtrip),
            T(test_diff_vfs_metadata),
            T(test_overlay_mount_incomplete_chain),
        };
        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
