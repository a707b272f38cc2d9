/* Unit tests for the image store (image.h): loading the Docker and OCI
 * fixtures (IDs, configs and diff_ids as Docker reports them), the
 * composed rootfs of the multilayer image, failures that leave nothing
 * behind, concurrent loads, tags, rmi rules, list/inspect/history, prune,
 * save round trips, import, export and changes. Mounting needs root: those
 * tests skip with a reason otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/strv.h"
#include "image/image.h"
#include "layer_test_util.h"

#define FIXTURES "/work/shared/fixtures"
#define MULTI_ID "sha256:a044766accfdfb4cecb98bb9cfee5d6f3f9f7556c252dbd9e0d5fd3fbbf8d11b"
#define BB_ID    "sha256:03301f02ef00570a5cd8cfd627f73ccc8c6a9fea7a9fd52c7bc43ea8c343cd04"
#define OCI_ID   "sha256:74262fae2061cd998bc62b519492f68fe190f13e13324d65b9bcdf27906319c0"

typedef struct Fixture {
        char *root;
        ImgStore *s;
} Fixture;

/* BERTH_TEST_DRIVER=vfs|overlay runs the suite on one driver (default: probe). */
static ImgDriverKind test_driver(void)
{
        ImgDriverKind k = IMG_DRIVER_AUTO;
        const char *d = getenv("BERTH_TEST_DRIVER");
        if (d)
                img_driver_parse(d, &k);
        return k;
}

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(*f));
        f->root = make_tmpdir("imgstore");
        _cleanup_error_ BerthError *err = NULL;
        int r = img_store_open(f->root, test_driver(), &f->s, &err);
        if (r < 0) {
                fprintf(stderr, "open: %s\n", err->message);
                return -1;
        }
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;
        img_store_free(f->s);
        rm_rf(f->root, NULL);
        free(f->root);
        free(f);
        return 0;
}

/* tests/fixtures/make-image, found from this file's path. */
static char *make_image_path(void)
{
        _cleanup_free_ char *dir = strdup(__FILE__);
        *strrchr(dir, '/') = '\0';
        char *p = NULL;
        assert_true(asprintf(&p, "%s/../fixtures/make-image", dir) > 0);
        if (access(p, X_OK) == 0)
                return p;
        free(p);
        return strdup("/work/main/tests/fixtures/make-image");
}

static int64_t store_test_time(const char *s)
{
        struct tm tm = {0};
        strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return (int64_t)timegm(&tm);
}

static const char *err_msg(BerthError *err)
{
        return err && err->message ? err->message : "(no message)";
}

static bool is_root(void)
{
        if (geteuid() == 0)
                return true;
        printf("# skipped: needs root (mounts)\n");
        return false;
}

static int load_path(ImgStore *s, const char *path, json_t **ret, BerthError **err)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        json_t *lines = NULL;
        int r = img_store_load(s, fd, &lines, err);
        close(fd);
        if (ret)
                *ret = lines;
        else
                json_decref(lines);
        return r;
}

static void load_ok(ImgStore *s, const char *path)
{
        _cleanup_error_ BerthError *err = NULL;
        int r = load_path(s, path, NULL, &err);
        if (r < 0)
                fail_msg("load %s: %s", path, err->message);
}

static json_t *inspect_fixture(void)
{
        json_t *j = json_load_file(FIXTURES "/multilayer-docker-inspect.json", 0, NULL);
        assert_non_null(j);
        json_t *o = json_incref(json_array_get(j, 0));
        json_decref(j);
        return o;
}

/* Entries under the store's layers/ and blobs/sha256/ (not counting tmp). */
static int count_layers(Fixture *f)
{
        _cleanup_free_ char *p = path_cat(f->root, "layers");
        int n = 0;
        _cleanup_closedir_ DIR *d = opendir(p);
        for (struct dirent *de; d && (de = readdir(d));)
                if (de->d_name[0] != '.')
                        n++;
        return n;
}

static int count_blobs(Fixture *f)
{
        _cleanup_free_ char *p = path_cat(f->root, "blobs/sha256");
        return count_entries(p);
}

static void test_load_multilayer(void **state)
{
        Fixture *f = *state;
        json_t *lines = NULL;
        _cleanup_error_ BerthError *err = NULL;
        int r = load_path(f->s, FIXTURES "/multilayer-docker-save.tar", &lines, &err);
        if (r < 0)
                fail_msg("load: %s", err->message);
        assert_int_equal(json_array_size(lines), 1);
        assert_string_equal(json_string_value(json_array_get(lines, 0)),
                            "Loaded image: fixture/multilayer:1.0");
        json_decref(lines);

        ImgImage *img = NULL;
        r = img_store_get(f->s, "fixture/multilayer:1.0", &img, &err);
        assert_int_equal(r, 0);
        assert_string_equal(img->id, MULTI_ID);
        assert_string_equal(img->ref, "docker.io/fixture/multilayer:1.0");
        json_t *want = inspect_fixture();
        json_t *diffs = json_object_get(json_object_get(img->config, "rootfs"), "diff_ids");
        assert_true(json_equal(diffs, json_object_get(json_object_get(want, "RootFS"), "Layers")));
        json_t *cfg = json_object_get(img->config, "config");
        json_t *wcfg = json_object_get(want, "Config");
        assert_true(json_equal(json_object_get(cfg, "Env"), json_object_get(wcfg, "Env")));
        assert_true(json_equal(json_object_get(cfg, "Cmd"), json_object_get(wcfg, "Cmd")));
        assert_true(json_equal(json_object_get(cfg, "Labels"), json_object_get(wcfg, "Labels")));
        assert_string_equal(json_string_value(json_object_get(cfg, "WorkingDir")), "/data");
        assert_true(strlen(img->top_chain_id) == 71);
        json_decref(want);
        img_image_free(img);

        /* by ID, short ID, sha256:prefix */
        const char *names[] = {MULTI_ID, &MULTI_ID[7], "a044766acc", "sha256:a04476"};
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                r = img_store_get(f->s, names[i], &img, &err);
                assert_int_equal(r, 0);
                assert_string_equal(img->id, MULTI_ID);
                assert_null(img->ref);
                img_image_free(img);
        }
        r = img_store_get(f->s, "busybox", &img, &err);
        assert_int_equal(r, -ENOENT);
        assert_string_equal(err->message, "No such image: busybox:latest");
}

static void test_load_busybox_and_make_image(void **state)
{
        Fixture *f = *state;
        load_ok(f->s, FIXTURES "/busybox-docker-save.tar");
        ImgImage *img = NULL;
        _cleanup_error_ BerthError *err = NULL;
        /* the fixture's legacy layout is tagged bb:latest */
        assert_int_equal(img_store_get(f->s, "bb", &img, &err), 0);
        assert_string_equal(img->id, BB_ID);
        img_image_free(img);

        _cleanup_free_ char *tmp = make_tmpdir("mkimg");
        _cleanup_free_ char *tar = path_cat(tmp, "x.tar");
        _cleanup_free_ char *cmd = NULL;
        _cleanup_free_ char *tool = make_image_path();
        assert_true(asprintf(&cmd, "%s %s >/dev/null", tool, tar) > 0);
        if (system(cmd) != 0) {
                printf("# skipped: make-image failed (busybox-static missing?)\n");
                rm_rf(tmp, NULL);
                return;
        }
        load_ok(f->s, tar);
        assert_int_equal(img_store_get(f->s, "busybox:latest", &img, &err), 0);
        assert_string_equal(img->ref, "docker.io/library/busybox:latest");
        img_image_free(img);
        /* the same image tagged bb:latest takes the tag from the fixture */
        free(cmd);
        cmd = NULL;
        assert_true(asprintf(&cmd, "%s %s bb:latest >/dev/null", tool, tar) > 0);
        assert_int_equal(system(cmd), 0);
        json_t *lines = NULL;
        assert_int_equal(load_path(f->s, tar, &lines, &err), 0);
        assert_int_equal(json_array_size(lines), 2);
        assert_string_equal(
            json_string_value(json_array_get(lines, 0)),
            "The image bb:latest already exists, renaming the old one with ID " BB_ID
            " to empty string");
        assert_string_equal(json_string_value(json_array_get(lines, 1)), "Loaded image: bb:latest");
        json_decref(lines);
        json_t *flt = json_loads("{\"dangling\": [\"true\"]}", 0, NULL);
        json_t *list = NULL;
        assert_int_equal(img_store_list(f->s, false, flt, &list, &err), 0);
        assert_int_equal(json_array_size(list), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "Id")),
                            BB_ID);
        json_decref(list);
        json_decref(flt);
        rm_rf(tmp, NULL);
}

/* Names of an archive's members, one a line, in archive order. */
static char *archive_names(const char *path, json_t **ret_manifest)
{
        struct archive *a = archive_read_new();
        archive_read_support_format_tar(a);
        assert_int_equal(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
        char *out = strdup("");
        struct archive_entry *e;
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
                const char *name = archive_entry_pathname(e);
                char *n = NULL;
                assert_true(asprintf(&n, "%s%s\n", out, name) > 0);
                free(out);
                out = n;
                if (ret_manifest && STREQ(name, "manifest.json")) {
                        char buf[65536];
                        ssize_t len = archive_read_data(a, buf, sizeof(buf) - 1);
                        assert_true(len > 0);
                        buf[len] = '\0';
                        *ret_manifest = json_loads(buf, 0, NULL);
                }
        }
        archive_read_free(a);
        return out;
}

static void test_load_oci(void **state)
{
        Fixture *f = *state;
        load_ok(f->s, FIXTURES "/multilayer-oci.tar");
        ImgImage *img = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_store_get(f->s, "fixture/multilayer:1.0", &img, &err), 0);
        assert_string_equal(img->id, OCI_ID);
        json_t *want = inspect_fixture();
        json_t *diffs = json_object_get(json_object_get(img->config, "rootfs"), "diff_ids");
        assert_true(json_equal(diffs, json_object_get(json_object_get(want, "RootFS"), "Layers")));
        img_image_free(img);

        /* Its layers are kept gzipped; save writes them uncompressed, named
         * by diff_id, and the archive loads back to the same image. */
        _cleanup_free_ char *dir = make_tmpdir("ocisave");
        _cleanup_free_ char *out = path_cat(dir, "out.tar");
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        const char *names[] = {"fixture/multilayer:1.0", NULL};
        int r = img_store_save(f->s, names, fd, &err);
        close(fd);
        if (r < 0)
                fail_msg("save: %s", err_msg(err));
        json_t *manifest = NULL;
        _cleanup_free_ char *got = archive_names(out, &manifest);
        for (size_t i = 0; i < 3; i++) {
                char line[128];
                snprintf(line, sizeof(line), "blobs/sha256/%s\n",
                         json_string_value(json_array_get(
                             json_object_get(json_object_get(want, "RootFS"), "Layers"), i)) +
                             7);
                assert_non_null(strstr(got, line));
        }
        json_decref(manifest);
        json_decref(want);
        Fixture g = {.root = make_tmpdir("ocistore2")};
        assert_int_equal(img_store_open(g.root, test_driver(), &g.s, &err), 0);
        r = load_path(g.s, out, NULL, &err);
        if (r < 0)
                fail_msg("load saved: %s", err_msg(err));
        assert_int_equal(img_store_get(g.s, "fixture/multilayer:1.0", &img, &err), 0);
        assert_string_equal(img->id, OCI_ID);
        img_image_free(img);
        img_store_free(g.s);
        rm_rf(g.root, NULL);
        free(g.root);
        rm_rf(dir, NULL);
}

/* The composed rootfs as the fixtures README describes: list /data, then
 * print the files. */
static void list_tree(const char *base, const char *rel, char **out, char **contents)
{
        _cleanup_free_ char *p = path_cat(base, rel);
        struct dirent **names = NULL;
        int n = scandir(p, &names, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                if (names[i]->d_name[0] == '.' &&
                    (!names[i]->d_name[1] || STREQ(names[i]->d_name, ".."))) {
                        free(names[i]);
                        continue;
                }
                _cleanup_free_ char *child = NULL;
                assert_true(asprintf(&child, "%s/%s", rel, names[i]->d_name) > 0);
                char *o = NULL;
                assert_true(asprintf(&o, "%s%s\n", *out, child) > 0);
                free(*out);
                *out = o;
                _cleanup_free_ char *cp = path_cat(base, child);
                struct stat st;
                assert_int_equal(lstat(cp, &st), 0);
                if (S_ISDIR(st.st_mode)) {
                        list_tree(base, child, out, contents);
                } else {
                        _cleanup_free_ char *data = slurp(cp);
                        char *c = NULL;
                        assert_true(asprintf(&c, "%s%s", *contents, data) > 0);
                        free(*contents);
                        *contents = c;
                }
                free(names[i]);
        }
        free(names);
}

static void check_listing(const char *rootfs)
{
        char *out = strdup("/data\n"), *contents = strdup("");
        list_tree(rootfs, "/data", &out, &contents);
        _cleanup_free_ char *want = slurp(FIXTURES "/multilayer-data-listing.txt");
        _cleanup_free_ char *got = NULL;
        assert_true(asprintf(&got, "%s%s", out, contents) > 0);
        assert_string_equal(got, want);
        free(out);
        free(contents);
}

static void test_mount_listing(void **state)
{
        Fixture *f = *state;
        if (!is_root())
                return;
        const char *archives[] = {FIXTURES "/multilayer-docker-save.tar",
                                  FIXTURES "/multilayer-oci.tar"};
        for (size_t i = 0; i < 2; i++) {
                load_ok(f->s, archives[i]);
                _cleanup_free_ char *cdir = NULL;
                assert_true(asprintf(&cdir, "%s/containers/c%zu", f->root, i) > 0);
                assert_int_equal(mkdir_p(cdir, 0700, NULL), 0);
                _cleanup_free_ char *rootfs = NULL;
                _cleanup_error_ BerthError *err = NULL;
                char cid[16];
                snprintf(cid, sizeof(cid), "c%zu", i);
                int r = img_store_container_mount(f->s, "fixture/multilayer:1.0", cid, cdir,
                                                  &rootfs, &err);
                if (r < 0)
                        fail_msg("mount: %s", err->message);
                check_listing(rootfs);
                assert_int_equal(img_store_container_unmount(f->s, cdir, &err), 0);
                assert_int_equal(img_store_container_remove(f->s, cid, cdir, &err), 0);
                /* unknown containers are no error */
                assert_int_equal(img_store_container_remove(f->s, cid, cdir, &err), 0);
        }
}

/* Writes a copy of a fixture with one member replaced (NULL content: dropped). */
static char *rewrite_archive(const char *src, const char *dir, const char *member,
                             const char *content, size_t truncate_at)
{
        _cleanup_free_ char *out = path_cat(dir, "bad.tar");
        struct archive *in = archive_read_new();
        archive_read_support_format_tar(in);
        assert_int_equal(archive_read_open_filename(in, src, 65536), ARCHIVE_OK);
        struct archive *w = archive_write_new();
        archive_write_set_format_pax_restricted(w);
        assert_int_equal(archive_write_open_filename(w, out), ARCHIVE_OK);
        struct archive_entry *e;
        while (archive_read_next_header(in, &e) == ARCHIVE_OK) {
                const char *name = archive_entry_pathname(e);
                bool match = member && strstr(name, member) != NULL;
                if (match && !content)
                        continue;
                struct archive_entry *c = archive_entry_clone(e);
                if (match)
                        archive_entry_set_size(c, (la_int64_t)strlen(content));
                archive_write_header(w, c);
                if (match) {
                        archive_write_data(w, content, strlen(content));
                } else {
                        const void *buf;
                        size_t len;
                        int64_t off;
                        while (archive_read_data_block(in, &buf, &len, &off) == ARCHIVE_OK)
                                archive_write_data(w, buf, len);
                }
                archive_entry_free(c);
        }
        archive_read_free(in);
        archive_write_free(w);
        if (truncate_at)
                assert_int_equal(truncate(out, (off_t)truncate_at), 0);
        return strdup(out);
}

static void expect_load_fails(Fixture *f, const char *path, const char *needle)
{
        _cleanup_error_ BerthError *err = NULL;
        int r = load_path(f->s, path, NULL, &err);
        assert_true(r < 0);
        assert_non_null(err);
        if (!strstr(err->message, needle))
                fail_msg("error '%s' lacks '%s'", err->message, needle);
        assert_int_equal(count_layers(f), 0);
        assert_int_equal(count_blobs(f), 0);
        json_t *list = NULL;
        assert_int_equal(img_store_list(f->s, true, NULL, &list, &err), 0);
        assert_int_equal(json_array_size(list), 0);
        json_decref(list);
        _cleanup_free_ char *tmp = path_cat(f->root, "tmp");
        assert_int_equal(count_entries(tmp), 0);
}

static void test_load_failures(void **state)
{
        Fixture *f = *state;
        _cleanup_free_ char *dir = make_tmpdir("bad");
        const char *multi = FIXTURES "/multilayer-docker-save.tar";
        _cleanup_free_ char *p = NULL;

        p = rewrite_archive(multi, dir, NULL, NULL, 1024 * 1024);
        expect_load_fails(f, p, "truncated");
        free(p);
        /* a layer whose content is not what the config says */
        p = rewrite_archive(
            multi, dir,
            "60b433d3348bd141b92610bb3718ee08b80de69736866fa1228d70908e59ea0d/layer.tar",
            "not a layer", 0);
        expect_load_fails(f, p, "digest mismatch");
        free(p);
        p = rewrite_archive(multi, dir, "manifest.json", "[{\"Config\": 3}]", 0);
        expect_load_fails(f, p, "manifest.json");
        free(p);
        p = rewrite_archive(multi, dir, "manifest.json", "{not json", 0);
        expect_load_fails(f, p, "manifest.json");
        free(p);
        p = rewrite_archive(
            multi, dir,
            "b598483038d8a9514fe3de013ff2590953a22b5ab8f57bd9653a51ad79dc3fd1/layer.tar", NULL, 0);
        expect_load_fails(f, p, "missing from the archive");
        free(p);
        p = rewrite_archive(multi, dir, "manifest.json", NULL, 0);
        expect_load_fails(f, p, "no manifest.json");
        free(p);
        /* OCI: a corrupted blob */
        p = rewrite_archive(FIXTURES "/multilayer-oci.tar", dir,
                            "2f8d4c1bd536f3b52be67fcaed48bf362f24383432887594995c7c5825148f0b",
                            "garbage", 0);
        expect_load_fails(f, p, "content has digest");
        free(p);
        p = NULL;
        rm_rf(dir, NULL);
}

/* A docker-save archive (Docker 25 layout) of images given as lists of
 * layer streams (memfds at 0); tags[i] names image i (NULL: untagged).
 * Written to path. */
static void make_archive(const char *path, int layers[][4], const size_t *n_layers, size_t n_imgs,
                         const char *const *tags)
{
        struct archive *a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
        json_t *manifest = json_array();
        for (size_t i = 0; i < n_imgs; i++) {
                json_t *diffs = json_array(), *paths = json_array();
                for (size_t j = 0; j < n_layers[i]; j++) {
                        int fd = layers[i][j];
                        ImgDigest d;
                        uint64_t size = 0;
                        lseek(fd, 0, SEEK_SET);
                        assert_int_equal(img_digest_fd(IMG_DIGEST_SHA256, fd, &d, &size, NULL), 0);
                        lseek(fd, 0, SEEK_SET);
                        char name[160];
                        snprintf(name, sizeof(name), "blobs/sha256/%s", d.str + 7);
                        struct archive_entry *e = tb_entry(name, AE_IFREG, 0644);
                        archive_entry_set_size(e, (la_int64_t)size);
                        archive_write_header(a, e);
                        archive_entry_free(e);
                        char buf[65536];
                        ssize_t n;
                        while ((n = read(fd, buf, sizeof(buf))) > 0)
                                archive_write_data(a, buf, (size_t)n);
                        json_array_append_new(diffs, json_string(d.str));
                        json_array_append_new(paths, json_string(name));
                }
                json_t *cfg = json_pack("{s:s,s:s,s:{s:[s]},s:{s:s,s:o}}", "architecture", "amd64",
                                        "os", "linux", "config", "Cmd", "sh", "rootfs", "type",
                                        "layers", "diff_ids", diffs);
                char *cbuf = json_dumps(cfg, JSON_COMPACT);
                ImgDigest cd;
                img_digest_buffer(IMG_DIGEST_SHA256, cbuf, strlen(cbuf), &cd);
                char cname[160];
                snprintf(cname, sizeof(cname), "blobs/sha256/%s", cd.str + 7);
                struct archive_entry *e = tb_entry(cname, AE_IFREG, 0644);
                archive_entry_set_size(e, (la_int64_t)strlen(cbuf));
                archive_write_header(a, e);
                archive_write_data(a, cbuf, strlen(cbuf));
                archive_entry_free(e);
                free(cbuf);
                json_decref(cfg);
                json_array_append_new(manifest, json_pack("{s:s,s:[],s:o}", "Config", cname,
                                                          "RepoTags", "Layers", paths));
                if (tags[i])
                        json_array_append_new(
                            json_object_get(json_array_get(manifest, i), "RepoTags"),
                            json_string(tags[i]));
        }
        char *m = json_dumps(manifest, JSON_COMPACT);
        struct archive_entry *e = tb_entry("manifest.json", AE_IFREG, 0644);
        archive_entry_set_size(e, (la_int64_t)strlen(m));
        archive_write_header(a, e);
        archive_write_data(a, m, strlen(m));
        archive_entry_free(e);
        free(m);
        json_decref(manifest);
        archive_write_close(a);
        archive_write_free(a);
}

/* The second image's layer fails to unpack (an entry escaping the layer):
 * the first image's layers, created by the same load, go again. */
static void test_load_failure_second_image(void **state)
{
        Fixture *f = *state;
        _cleanup_free_ char *dir = make_tmpdir("two");
        _cleanup_free_ char *path = path_cat(dir, "two.tar");
        TarBuilder t1 = tb_new(NULL);
        tb_dir(&t1, "etc", 0755);
        tb_file(&t1, "etc/one", "1\n", 0644);
        TarBuilder t2 = tb_new(NULL);
        tb_file(&t2, "ok", "2\n", 0644);
        TarBuilder t3 = tb_new(NULL);
        tb_file(&t3, "../../escape", "bad\n", 0644);
        int layers[2][4] = {{tb_finish(&t1)}, {0, 0}};
        layers[1][0] = tb_finish(&t2);
        layers[1][1] = tb_finish(&t3);
        size_t n_layers[2] = {1, 2};
        const char *tags[2] = {"good:1", "bad:1"};
        make_archive(path, layers, n_layers, 2, tags);
        expect_load_fails(f, path, "escape");
        /* the good image alone loads */
        make_archive(path, layers, n_layers, 1, tags);
        json_t *lines = NULL;
        _cleanup_error_ BerthError *err = NULL;
        int r = load_path(f->s, path, &lines, &err);
        if (r < 0)
                fail_msg("load: %s", err_msg(err));
        assert_string_equal(json_string_value(json_array_get(lines, 0)), "Loaded image: good:1");
        json_decref(lines);
        /* loading it again under the same tag changes nothing */
        assert_int_equal(load_path(f->s, path, &lines, &err), 0);
        assert_int_equal(json_array_size(lines), 1);
        json_decref(lines);
        for (int i = 0; i < 2; i++)
                for (int j = 0; j < (int)n_layers[i]; j++)
                        close(layers[i][j]);
        rm_rf(dir, NULL);
}

/* The state survives a reopen; content no row refers to (a load that died
 * before its transaction) is collected at open. */
static void test_reopen_and_crash_leftovers(void **state)
{
        Fixture *f = *state;
        load_ok(f->s, FIXTURES "/multilayer-docker-save.tar");
        load_ok(f->s, FIXTURES "/busybox-docker-save.tar");
        img_store_free(f->s);
        f->s = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_store_open(f->root, test_driver(), &f->s, &err), 0);
        ImgImage *img = NULL;
        assert_int_equal(img_store_get(f->s, "fixture/multilayer:1.0", &img, &err), 0);
        img_image_free(img);
        assert_int_equal(count_layers(f), 3);
        /* the busybox fixture shares the base layer: 2 configs + 3 layers */
        assert_int_equal(count_blobs(f), 5);
        img_store_free(f->s);
        f->s = NULL;

        _cleanup_free_ char *db = path_cat(f->root, "berth.db");
        sqlite3 *h = NULL;
        assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
        assert_int_equal(sqlite3_exec(h,
                                      "DELETE FROM img_images WHERE id = '" MULTI_ID "';"
                                      "DELETE FROM img_image_layers WHERE image_id = '" MULTI_ID
                                      "';DELETE FROM img_refs WHERE image_id = '" MULTI_ID "';",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(h);
        assert_int_equal(img_store_open(f->root, test_driver(), &f->s, &err), 0);
        assert_int_equal(count_layers(f), 1);
        assert_int_equal(count_blobs(f), 2);
        assert_int_equal(img_store_get(f->s, "bb:latest", &img, &err), 0);
        assert_string_equal(img->id, BB_ID);
        img_image_free(img);
}

/* docker load < x.tar.gz: a compressed archive read from a pipe. */
static void test_load_gzip_pipe(void **state)
{
        Fixture *f = *state;
        FILE *p = popen("gzip -c " FIXTURES "/multilayer-docker-save.tar", "r");
        assert_non_null(p);
        json_t *lines = NULL;
        _cleanup_error_ BerthError *err = NULL;
        int r = img_store_load(f->s, fileno(p), &lines, &err);
        assert_int_equal(pclose(p), 0);
        if (r < 0)
                fail_msg("load: %s", err_msg(err));
        assert_string_equal(json_string_value(json_array_get(lines, 0)),
                            "Loaded image: fixture/multilayer:1.0");
        json_decref(lines);
        ImgImage *img = NULL;
        assert_int_equal(img_store_get(f->s, "fixture/multilayer:1.0", &img, &err), 0);
        assert_string_equal(img->id, MULTI_ID);
        img_image_free(img);
}

typedef struct Churn {
        ImgStore *s;
        int which;
        int failures;
        char msg[256];
} Churn;

static void *churn_thread(void *arg)
{
        Churn *c = arg;
        for (int i = 0; i < 6; i++) {
                BerthError *err = NULL;
                json_t *j = NULL;
                int r = 0;
                if (c->which == 0) {
                        r = load_path(c->s, FIXTURES "/multilayer-docker-save.tar", NULL, &err);
                } else if (c->which == 1) {
                        r = img_store_remove(c->s, "fixture/multilayer:1.0", false, false, &j,
                                             &err);
                        if (r == -ENOENT)
                                r = 0;
                } else {
                        r = img_store_list(c->s, true, NULL, &j, &err);
                        if (r >= 0) {
                                json_decref(j);
                                j = NULL;
                                r = img_store_inspect(c->s, MULTI_ID, &j, &err);
                                if (r == -ENOENT)
                                        r = 0;
                        }
                }
                json_decref(j);
                if (r < 0) {
                        c->failures++;
                        snprintf(c->msg, sizeof(c->msg), "%s", err_msg(err));
                }
                error_free(err);
        }
        return NULL;
}

/* Loads, removals and reads at once: every call succeeds (or finds
 * nothing), and the store ends consistent. */
static void test_concurrent_churn(void **state)
{
        Fixture *f = *state;
        Churn c[3] = {{.s = f->s, .which = 0}, {.s = f->s, .which = 1}, {.s = f->s, .which = 2}};
        pthread_t th[3];
        for (int i = 0; i < 3; i++)
                pthread_create(&th[i], NULL, churn_thread, &c[i]);
        for (int i = 0; i < 3; i++) {
                pthread_join(th[i], NULL);
                if (c[i].failures)
                        fail_msg("thread %d: %d failures, last: %s", i, c[i].failures, c[i].msg);
        }
        load_ok(f->s, FIXTURES "/multilayer-docker-save.tar");
        assert_int_equal(count_layers(f), 3);
        assert_int_equal(count_blobs(f), 4);
        json_t *recs = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(
            img_store_remove(f->s, "fixture/multilayer:1.0", false, false, &recs, &err), 0);
        json_decref(recs);
        assert_int_equal(count_layers(f), 0);
        assert_int_equal(count_blobs(f), 0);
}

typedef struct LoadThread {
        ImgStore *s;
        int r;
        char msg[256];
} LoadThread;

static void *load_thread(void *arg)
{
        LoadThread *t = arg;
        BerthError *err = NULL;
        t->r = load_path(t->s, FIXTURES "/multilayer-docker-save.tar", NULL, &err);
        if (err)
                snprintf(t->msg, sizeof(t->msg), "%s", err->message);
        error_free(err);
        return NULL;
}

static void test_concurrent_load(void **state)
{
        Fixture *f = *state;
        LoadThread t[3] = {{.s = f->s}, {.s = f->s}, {.s = f->s}};
        pthread_t th[3];
        for (int i = 0; i < 3; i++)
                pthread_create(&th[i], NULL, load_thread, &t[i]);
        for (int i = 0; i < 3; i++) {
                pthread_join(th[i], NULL);
                if (t[i].r < 0)
                        fail_msg("load %d: %s", i, t[i].msg);
        }
        assert_int_equal(count_layers(f), 3);
        json_t *list = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_store_list(f->s, false, NULL, &list, &err), 0);
        assert_int_equal(json_array_size(list), 1);
        json_decref(list);
}

/* {"Untagged": x} / {"Deleted": x} items as "U:x" / "D:x" lines. */
static char *records_str(json_t *recs)
{
        char *out = strdup("");
        size_t i;
        json_t *it;
        json_array_foreach(recs, i, it)
        {
                const char *u = json_string_value(json_object_get(it, "Untagged"));
                const char *d = json_string_value(json_object_get(it, "Deleted"));
                char *n = NULL;
                assert_true(asprintf(&n, "%s%s:%s\n", out, u ? "U" : "D", u ? u : d) > 0);
                free(out);
                out = n;
        }
        return out;
}

static void test_tag_and_rmi_rules(void **state)
{
        Fixture *f = *state;
        load_ok(f->s, FIXTURES "/multilayer-docker-save.tar");
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_store_tag(f->s, "fixture/multilayer:1.0", "other", &err), 0);
        assert_int_equal(img_store_tag(f->s, "a044766a", "localhost:5000/x/y:v2", &err), 0);
        assert_int_equal(img_store_tag(f->s, "fixture/multilayer:1.0", "Bad:tag", &err), -EINVAL);
        error_free(err);
        err = NULL;
        assert_int_equal(img_store_tag(f->s, "nope", "x:1", &err), -ENOENT);
        assert_string_equal(err->message, "No such image: nope:latest");
        error_free(err);
        err = NULL;
        ImgImage *img = NULL;
        assert_int_equal(img_store_get(f->s, "other:latest", &img, &err), 0);
        assert_string_equal(img->id, MULTI_ID);
        img_image_free(img);

        /* An ID with several repositories needs force. */
        json_t *recs = NULL;
        assert_int_equal(img_store_remove(f->s, "a044766acc", false, false, &recs, &err), -EBUSY);
        assert_string_equal(err->message,
                            "conflict: unable to delete a044766accfd (must be forced) - image is "
                            "referenced in multiple repositories");
        error_free(err);
        err = NULL;
        /* A tag untags only. */
        assert_int_equal(img_store_remove(f->s, "other", false, false, &recs, &err), 0);
        _cleanup_free_ char *s1 = records_str(recs);
        assert_string_equal(s1, "U:other:latest\n");
        json_decref(recs);
        assert_int_equal(img_store_remove(f->s, "other", false, false, &recs, &err), -ENOENT);
        error_free(err);
        err = NULL;
        /* Force by ID: every tag, the image, its layers. */
        assert_int_equal(img_store_remove(f->s, MULTI_ID, true, false, &recs, &err), 0);
        _cleanup_free_ char *s2 = records_str(recs);
        json_decref(recs);
        assert_non_null(strstr(s2, "U:fixture/multilayer:1.0\nU:localhost:5000/x/y:v2\nD:" MULTI_ID
                                   "\nD:sha256:"));
        assert_int_equal(count_layers(f), 0);
        assert_int_equal(count_blobs(f), 0);

        /* The last tag of an image deletes it. */
        load_ok(f->s, FIXTURES "/multilayer-docker-save.tar");
        assert_int_equal(img_store_remove(f->s, "fixture/multilayer:1.0", false, true, &recs, &err),
                         0);
        _cleanup_free_ char *s3 = records_str(recs);
        json_decref(recs);
        assert_string_equal(s3, "U:fixture/multilayer:1.0\nD:" MULTI_ID "\n");
        /* noprune kept the layers; prune takes them */
        assert_int_equal(count_layers(f), 3);
        json_t *pr = NULL;
        assert_int_equal(img_store_prune(f->s, NULL, &pr, &err), 0);
        assert_true(json_is_null(json_object_get(pr, "ImagesDeleted")) ||
                    json_array_size(json_object_get(pr, "ImagesDeleted")) == 3);
        assert_true(json_integer_value(json_object_get(pr, "SpaceReclaimed")) > 0);
        json_decref(pr);
        assert_int_equal(count_layers(f), 0);
        assert_int_equal(count_blobs(f), 0);
}

static void test_rmi_container_conflicts(void **state)
{
        Fixture *f = *state;
        if (!is_root())
                return;
        load_ok(f->s, FIXTURES "/multilayer-docker-save.tar");
        _cleanup_free_ char *cdir = path_cat(f->root, "containers/c1");
        assert_int_equal(mkdir_p(cdir, 0700, NULL), 0);
        const char *cid = "c1c1c1c1c1c1c1c1";
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *rootfs = NULL;
        assert_int_equal(
            img_store_container_mount(f->s, "fixture/multilayer:1.0", cid, cdir, &rootfs, &err), 0);
        json_t *recs = NULL;
        assert_int_equal(
            img_store_remove(f->s, "fixture/multilayer:1.0", false, false, &recs, &err), -EBUSY);
        assert_string_equal(err->message,
                            "conflict: unable to remove repository reference "
                            "\"fixture/multilayer:1.0\" (must force) - container c1c1c1c1c1c1 is "
                            "using its referenced image a044766accfd");
        error_free(err);
        err = NULL;
        /* force untags, but the running container keeps the image */
        assert_int_equal(img_store_remove(f->s, "fixture/multilayer:1.0", true, false, &recs, &err),
                         0);
        _cleanup_free_ char *s1 = records_str(recs);
        json_decref(recs);
        assert_string_equal(s1, "U:fixture/multilayer:1.0\n");
        assert_int_equal(img_store_remove(f->s, MULTI_ID, true, false, &recs, &err), -EBUSY);
        assert_string_equal(err->message,
                            "conflict: unable to delete a044766accfd (cannot be forced) - image is "
                            "being used by running container c1c1c1c1c1c1");
        error_free(err);
        err = NULL;
        assert_int_equal(img_store_container_unmount(f->s, cdir, &err), 0);
        assert_int_equal(img_store_remove(f->s, MULTI_ID, false, false, &recs, &err), -EBUSY);
        assert_string_equal(err->message,
                            "conflict: unable to delete a044766accfd (must be forced) - image is "
                            "being used by stopped container c1c1c1c1c1c1");
        error_free(err);
        err = NULL;
        assert_int_equal(img_store_remove(f->s, MULTI_ID, true, false, &recs, &err), 0);
        json_decref(recs);
        /* the container's layers stay until it is gone; it mounts again */
        assert_int_equal(count_layers(f), 3);
        free(rootfs);
        rootfs = NULL;
        assert_int_equal(img_store_container_remove(f->s, cid, cdir, &err), 0);
        json_t *pr = NULL;
        assert_int_equal(img_store_prune(f->s, NULL, &pr, &err), 0);
        json_decref(pr);
        assert_int_equal(count_layers(f), 0);
}

static void test_list_filters(void **state)
{
        Fixture *f = *state;
        load_ok(f->s, FIXTURES "/busybox-docker-save.tar");
        load_ok(f->s, FIXTURES "/multilayer-docker-save.tar");
        _cleanup_error_ BerthError *err = NULL;
        json_t *list = NULL;
        assert_int_equal(img_store_list(f->s, false, NULL, &list, &err), 0);
        assert_int_equal(json_array_size(list), 2);
        json_t *first = json_array_get(list, 0);
        assert_string_equal(json_string_value(json_object_get(first, "Id")), MULTI_ID);
        assert_string_equal(
            json_string_value(json_array_get(json_object_get(first, "RepoTags"), 0)),
            "fixture/multilayer:1.0");
        assert_string_equal(json_string_value(json_object_get(json_object_get(first, "Labels"),
                                                              "org.example.fixture")),
                            "multilayer");
        assert_int_equal(json_integer_value(json_object_get(first, "Created")),
                         store_test_time("2026-11-22T15:39:31Z"));
        assert_true(json_integer_value(json_object_get(first, "Size")) > 1000000);
        assert_int_equal(json_integer_value(json_object_get(first, "SharedSize")), -1);
        assert_int_equal(json_array_size(json_object_get(first, "RepoDigests")), 0);
        json_decref(list);

        struct {
                const char *filters;
                const char *want_id; /* NULL: empty */
        } cases[] = {
            {"{\"reference\": {\"bb\": true}}", BB_ID},
            {"{\"reference\": [\"fixture/*\"]}", MULTI_ID},
            {"{\"reference\": [\"nothing\"]}", NULL},
            {"{\"label\": {\"org.example.fixture=multilayer\": true}}", MULTI_ID},
            {"{\"label\": {\"org.example.fixture\": true}}", MULTI_ID},
            {"{\"label\": {\"org.example.fixture=other\": true}}", NULL},
            {"{\"before\": {\"fixture/multilayer:1.0\": true}}", BB_ID},
            {"{\"since\": {\"bb:latest\": true}}", MULTI_ID},
            {"{\"dangling\": {\"true\": true}}", NULL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                json_t *flt = json_loads(cases[i].filters, 0, NULL);
                assert_non_null(flt);
                int r = img_store_list(f->s, false, flt, &list, &err);
                if (r < 0)
                        fail_msg("%s: %s", cases[i].filters, err_msg(err));
                if (!cases[i].want_id) {
                        assert_int_equal(json_array_size(list), 0);
                } else {
                        if (json_array_size(list) != 1)
                                fail_msg("%s: %zu images", cases[i].filters, json_array_size(list));
                        assert_string_equal(
                            json_string_value(json_object_get(json_array_get(list, 0), "Id")),
                            cases[i].want_id);
                }
                json_decref(list);
                json_decref(flt);
        }
        json_t *bad = json_loads("{\"color\": [\"red\"]}", 0, NULL);
        assert_int_equal(img_store_list(f->s, false, bad, &list, &err), -EINVAL);
        assert_string_equal(err->message, "invalid filter 'color'");
        json_decref(bad);

        uint64_t n = 0, bytes = 0;
        assert_int_equal(img_store_counts(f->s, &n, &bytes, NULL), 0);
        assert_int_equal(n, 2);
        assert_true(bytes > 1000000);
}

static void test_inspect_history(void **state)
{
        Fixture *f = *state;
        load_ok(f->s, FIXTURES "/multilayer-docker-save.tar");
        _cleanup_error_ BerthError *err = NULL;
        json_t *got = NULL;
        assert_int_equal(img_store_inspect(f->s, "fixture/multilayer:1.0", &got, &err), 0);
        json_t *want = inspect_fixture();
        static const char *const same[] = {"Id",      "RepoTags",      "RepoDigests",  "Comment",
                                           "Created", "Config",        "Architecture", "Os",
                                           "RootFS",  "DockerVersion", "Author"};
        for (size_t i = 0; i < ARRAY_SIZE(same); i++)
                if (!json_equal(json_object_get(got, same[i]), json_object_get(want, same[i])))
                        fail_msg("inspect %s differs: %s", same[i],
                                 json_dumps(json_object_get(got, same[i]), JSON_COMPACT));
        json_t *gd = json_object_get(got, "GraphDriver");
        assert_true(json_is_object(json_object_get(gd, "Data")));
        assert_string_equal(json_string_value(json_object_get(gd, "Name")),
                            img_store_driver_name(f->s));
        assert_true(
            json_is_string(json_object_get(json_object_get(got, "Metadata"), "LastTagTime")));
        assert_true(json_integer_value(json_object_get(got, "Size")) > 1000000);
        assert_string_equal(json_string_value(json_object_get(got, "Parent")), "");
        json_decref(want);
        json_decref(got);

        json_t *hist = NULL;
        assert_int_equal(img_store_history(f->s, "fixture/multilayer:1.0", &hist, &err), 0);
        _cleanup_free_ char *want_h = slurp(FIXTURES "/multilayer-history.txt");
        char *got_h = strdup("");
        size_t i;
        json_t *h;
        json_array_foreach(hist, i, h)
        {
                char *n = NULL;
                assert_true(asprintf(&n, "%s%s\n", got_h,
                                     json_string_value(json_object_get(h, "CreatedBy"))) > 0);
                free(got_h);
                got_h = n;
        }
        assert_string_equal(got_h, want_h);
        free(got_h);
        json_t *top = json_array_get(hist, 0);
        assert_string_equal(json_string_value(json_object_get(top, "Id")), MULTI_ID);
        assert_string_equal(json_string_value(json_array_get(json_object_get(top, "Tags"), 0)),
                            "fixture/multilayer:1.0");
        json_t *second = json_array_get(hist, 1);
        assert_string_equal(json_string_value(json_object_get(second, "Id")), "<missing>");
        assert_true(json_is_null(json_object_get(second, "Tags")));
        /* the rm layer (index 5) is small, the base import is large */
        assert_true(json_integer_value(json_object_get(json_array_get(hist, 7), "Size")) > 1000000);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(hist, 4), "Size")), 0);
        json_decref(hist);
}

static void test_save_round_trip(void **state)
{
        Fixture *f = *state;
        load_ok(f->s, FIXTURES "/multilayer-docker-save.tar");
        load_ok(f->s, FIXTURES "/busybox-docker-save.tar");
        _cleanup_free_ char *dir = make_tmpdir("save");
        _cleanup_free_ char *out = path_cat(dir, "out.tar");
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        _cleanup_error_ BerthError *err = NULL;
        const char *names[] = {"fixture/multilayer:1.0", NULL};
        int r = img_store_save(f->s, names, fd, &err);
        close(fd);
        if (r < 0)
                fail_msg("save: %s", err_msg(err));
        json_t *manifest = NULL;
        _cleanup_free_ char *got = archive_names(out, &manifest);
        /* Docker 25's layout: blobs (config, layers by diff_id, OCI
         * manifest), index.json, manifest.json, oci-layout, repositories. */
        json_t *want = inspect_fixture();
        json_t *diffs = json_object_get(json_object_get(want, "RootFS"), "Layers");
        assert_non_null(strstr(got, "blobs/\nblobs/sha256/\n"));
        assert_non_null(
            strstr(got, "blobs/sha256/"
                        "a044766accfdfb4cecb98bb9cfee5d6f3f9f7556c252dbd9e0d5fd3fbbf8d11b\n"));
        for (size_t i = 0; i < 3; i++) {
                const char *d = json_string_value(json_array_get(diffs, i));
                char line[128];
                snprintf(line, sizeof(line), "blobs/sha256/%s\n", d + 7);
                assert_non_null(strstr(got, line));
                char path[128];
                snprintf(path, sizeof(path), "blobs/sha256/%s", d + 7);
                json_t *layers = json_object_get(json_array_get(manifest, 0), "Layers");
                assert_string_equal(json_string_value(json_array_get(layers, i)), path);
        }
        assert_non_null(strstr(got, "index.json\nmanifest.json\noci-layout\nrepositories\n"));
        assert_int_equal(json_array_size(manifest), 1);
        json_t *m0 = json_array_get(manifest, 0);
        assert_string_equal(
            json_string_value(json_object_get(m0, "Config")),
            "blobs/sha256/a044766accfdfb4cecb98bb9cfee5d6f3f9f7556c252dbd9e0d5fd3fbbf8d11b");
        assert_string_equal(json_string_value(json_array_get(json_object_get(m0, "RepoTags"), 0)),
                            "fixture/multilayer:1.0");
        json_decref(manifest);
        json_decref(want);

        /* Load into a fresh store: the same ID; then as an OCI layout alone. */
        Fixture g = {.root = make_tmpdir("store2")};
        assert_int_equal(img_store_open(g.root, test_driver(), &g.s, &err), 0);
        json_t *lines = NULL;
        assert_int_equal(load_path(g.s, out, &lines, &err), 0);
        assert_string_equal(json_string_value(json_array_get(lines, 0)),
                            "Loaded image: fixture/multilayer:1.0");
        json_decref(lines);
        ImgImage *img = NULL;
        assert_int_equal(img_store_get(g.s, "fixture/multilayer:1.0", &img, &err), 0);
        assert_string_equal(img->id, MULTI_ID);
        img_image_free(img);
        _cleanup_free_ char *oci = rewrite_archive(out, dir, "manifest.json", NULL, 0);
        Fixture h = {.root = make_tmpdir("store3")};
        assert_int_equal(img_store_open(h.root, test_driver(), &h.s, &err), 0);
        r = load_path(h.s, oci, NULL, &err);
        if (r < 0)
                fail_msg("load OCI layout: %s", err_msg(err));
        assert_int_equal(img_store_get(h.s, "fixture/multilayer:1.0", &img, &err), 0);
        assert_string_equal(img->id, MULTI_ID);
        img_image_free(img);

        /* save by repository name alone: all its tags; by ID: untagged */
        assert_int_equal(img_store_tag(f->s, "bb", "bb:two", &err), 0);
        fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        const char *names2[] = {"bb", MULTI_ID, NULL};
        assert_int_equal(img_store_save(f->s, names2, fd, &err), 0);
        close(fd);
        manifest = NULL;
        free(archive_names(out, &manifest));
        assert_int_equal(json_array_size(manifest), 2);
        assert_int_equal(json_array_size(json_object_get(json_array_get(manifest, 0), "RepoTags")),
                         2);
        assert_int_equal(json_array_size(json_object_get(json_array_get(manifest, 1), "RepoTags")),
                         0);
        json_decref(manifest);
        img_store_free(g.s);
        rm_rf(g.root, NULL);
        free(g.root);
        img_store_free(h.s);
        rm_rf(h.root, NULL);
        free(h.root);
        rm_rf(dir, NULL);
}

static int rootfs_tar(const char *compress)
{
        TarBuilder t = tb_new(compress);
        tb_dir(&t, "bin", 0755);
        tb_file(&t, "bin/hello", "#!/bin/sh\necho hi\n", 0755);
        tb_dir(&t, "etc", 0755);
        tb_file(&t, "etc/motd", "welcome\n", 0644);
        return tb_finish(&t);
}

static void test_import_prune(void **state)
{
        Fixture *f = *state;
        _cleanup_error_ BerthError *err = NULL;
        json_t *changes = json_loads("{\"Cmd\": [\"sh\"], \"Env\": [\"A=b\"], \"Labels\": "
                                     "{\"k\": \"v\"}}",
                                     0, NULL);
        ImgImportOptions o = {.ref = "imp:1", .message = "hello", .changes = changes};
        char id1[IMG_DIGEST_LEN + 1], id2[IMG_DIGEST_LEN + 1];
        int fd = rootfs_tar("gzip");
        int r = img_store_import(f->s, fd, &o, id1, &err);
        close(fd);
        if (r < 0)
                fail_msg("import: %s", err_msg(err));
        json_t *got = NULL;
        assert_int_equal(img_store_inspect(f->s, "imp:1", &got, &err), 0);
        assert_string_equal(json_string_value(json_object_get(got, "Id")), id1);
        assert_string_equal(json_string_value(json_object_get(got, "Comment")), "hello");
        json_t *cfg = json_object_get(got, "Config");
        assert_string_equal(json_string_value(json_array_get(json_object_get(cfg, "Cmd"), 0)),
                            "sh");
        assert_string_equal(json_string_value(json_array_get(json_object_get(cfg, "Env"), 0)),
                            "A=b");
        assert_int_equal(json_array_size(json_object_get(json_object_get(got, "RootFS"), "Layers")),
                         1);
        json_decref(got);
        /* imported gzipped, saved uncompressed: it loads back as the same image */
        {
                _cleanup_free_ char *dir = make_tmpdir("impsave");
                _cleanup_free_ char *out = path_cat(dir, "out.tar");
                int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                const char *names[] = {"imp:1", NULL};
                assert_int_equal(img_store_save(f->s, names, ofd, &err), 0);
                close(ofd);
                Fixture g = {.root = make_tmpdir("impstore2")};
                assert_int_equal(img_store_open(g.root, test_driver(), &g.s, &err), 0);
                assert_int_equal(load_path(g.s, out, NULL, &err), 0);
                ImgImage *back = NULL;
                assert_int_equal(img_store_get(g.s, "imp:1", &back, &err), 0);
                assert_string_equal(back->id, id1);
                img_image_free(back);
                img_store_free(g.s);
                rm_rf(g.root, NULL);
                free(g.root);
                rm_rf(dir, NULL);
        }
        json_t *hist = NULL;
        assert_int_equal(img_store_history(f->s, "imp:1", &hist, &err), 0);
        assert_int_equal(json_array_size(hist), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 0), "Comment")),
                            "hello");
        json_decref(hist);

        /* A second import under the same tag leaves the first dangling. */
        o.message = NULL;
        fd = rootfs_tar(NULL);
        assert_int_equal(img_store_import(f->s, fd, &o, id2, &err), 0);
        close(fd);
        assert_string_not_equal(id1, id2);
        json_t *flt = json_loads("{\"dangling\": [\"true\"]}", 0, NULL);
        json_t *list = NULL;
        assert_int_equal(img_store_list(f->s, false, flt, &list, &err), 0);
        assert_int_equal(json_array_size(list), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "Id")), id1);
        assert_int_equal(json_array_size(json_object_get(json_array_get(list, 0), "RepoTags")), 0);
        json_decref(list);
        json_decref(flt);

        /* label filter on prune: no match, nothing pruned */
        json_t *pf = json_loads("{\"label\": [\"k=other\"]}", 0, NULL);
        json_t *pr = NULL;
        assert_int_equal(img_store_prune(f->s, pf, &pr, &err), 0);
        assert_true(json_is_null(json_object_get(pr, "ImagesDeleted")));
        json_decref(pr);
        json_decref(pf);
        assert_int_equal(img_store_prune(f->s, NULL, &pr, &err), 0);
        json_t *del = json_object_get(pr, "ImagesDeleted");
        assert_true(json_array_size(del) >= 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(del, 0), "Deleted")),
                            id1);
        json_decref(pr);
        ImgImage *img = NULL;
        assert_int_equal(img_store_get(f->s, id1, &img, &err), -ENOENT);
        error_free(err);
        err = NULL;
        assert_int_equal(img_store_get(f->s, "imp:1", &img, &err), 0);
        assert_string_equal(img->id, id2);
        img_image_free(img);
        /* dangling=false prunes unused tagged images too */
        pf = json_loads("{\"dangling\": [\"false\"]}", 0, NULL);
        assert_int_equal(img_store_prune(f->s, pf, &pr, &err), 0);
        _cleanup_free_ char *s = records_str(json_object_get(pr, "ImagesDeleted"));
        assert_non_null(strstr(s, "U:imp:1\n"));
        json_decref(pr);
        json_decref(pf);
        assert_int_equal(count_layers(f), 0);
        assert_int_equal(count_blobs(f), 0);
        json_decref(changes);
}

static bool tar_has(int fd, const char *name)
{
        lseek(fd, 0, SEEK_SET);
        struct archive *a = archive_read_new();
        archive_read_support_format_tar(a);
        assert_int_equal(archive_read_open_fd(a, fd, 65536), ARCHIVE_OK);
        struct archive_entry *e;
        bool found = false;
        while (archive_read_next_header(a, &e) == ARCHIVE_OK)
                if (STREQ(archive_entry_pathname(e), name))
                        found = true;
        archive_read_free(a);
        return found;
}

static int change_kind(json_t *changes, const char *path)
{
        size_t i;
        json_t *c;
        json_array_foreach(
            changes, i,
            c) if (STREQ(json_string_value(json_object_get(c, "Path")),
                         path)) return (int)json_integer_value(json_object_get(c, "Kind"));
        return -1;
}

static void test_export_changes(void **state)
{
        Fixture *f = *state;
        if (!is_root())
                return;
        load_ok(f->s, FIXTURES "/multilayer-docker-save.tar");
        _cleanup_free_ char *cdir = path_cat(f->root, "containers/c2");
        assert_int_equal(mkdir_p(cdir, 0700, NULL), 0);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *rootfs = NULL;
        assert_int_equal(img_store_container_mount(f->s, MULTI_ID, "c2", cdir, &rootfs, &err), 0);
        _cleanup_free_ char *newf = path_cat(rootfs, "data/new");
        _cleanup_free_ char *oldf = path_cat(rootfs, "data/keep/file");
        int wfd = open(newf, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(wfd >= 0);
        assert_int_equal(write(wfd, "n\n", 2), 2);
        close(wfd);
        assert_int_equal(unlink(oldf), 0);

        json_t *ch = NULL;
        int r = img_store_container_changes(f->s, MULTI_ID, cdir, &ch, &err);
        if (r < 0)
                fail_msg("changes: %s", err_msg(err));
        assert_int_equal(change_kind(ch, "/data/new"), 1);
        assert_int_equal(change_kind(ch, "/data/keep/file"), 2);
        assert_int_equal(change_kind(ch, "/data"), 0);
        assert_int_equal(change_kind(ch, "/bin/busybox"), -1);
        json_decref(ch);

        int fd = memfd_create("export", MFD_CLOEXEC);
        r = img_store_container_export(f->s, MULTI_ID, cdir, fd, &err);
        if (r < 0)
                fail_msg("export: %s", err_msg(err));
        assert_true(tar_has(fd, "data/new"));
        assert_true(tar_has(fd, "data/keep/second"));
        assert_false(tar_has(fd, "data/keep/file"));
        assert_false(tar_has(fd, "data/gone"));
        assert_true(tar_has(fd, "bin/busybox") || tar_has(fd, "bin/sh"));
        close(fd);
        /* export of an unmounted container mounts it for the time of the export */
        assert_int_equal(img_store_container_unmount(f->s, cdir, &err), 0);
        fd = memfd_create("export", MFD_CLOEXEC);
        assert_int_equal(img_store_container_export(f->s, MULTI_ID, cdir, fd, &err), 0);
        assert_true(tar_has(fd, "data/new"));
        close(fd);
        assert_int_equal(img_store_container_remove(f->s, "c2", cdir, &err), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
        if (geteuid() != 0) {
                /* unpacking layers sets owners; mounting needs root too */
                printf("1..0 # SKIP needs root (layer ownership, mounts)\n");
                return 0;
        }
        const struct CMUnitTest tests[] = {
            T(test_load_multilayer),
            T(test_load_busybox_and_make_image),
            T(test_load_oci),
            T(test_mount_listing),
            T(test_load_failures),
            T(test_load_failure_second_image),
            T(test_concurrent_load),
            T(test_tag_and_rmi_rules),
            T(test_rmi_container_conflicts),
            T(test_list_filters),
            T(test_inspect_history),
            T(test_save_round_trip),
            T(test_import_prune),
            T(test_export_changes),
            T(test_reopen_and_crash_leftovers),
            T(test_load_gzip_pipe),
            T(test_concurrent_churn),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
