/* Unit tests for img_layerstore_create_many (parallel unpacking, all or
 * nothing, the same layer twice in a batch) and for overlay mounts on the
 * path of kernels without "lowerdir+" (forced with BERTH_OVERLAY_MOUNT=
 * legacy): short links and relative lowers for 100+ layers. Need root for
 * mounts and ownership; overlay tests skip when the probe mount fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <nettle/sha2.h>
#include <sys/mount.h>
#include <zlib.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "image/layerstore.h"
#include "image/overlay_legacy.h"
#include "layer_test_util.h"

typedef struct Fixture {
        char *root;
        char *layers; /* <root>/layers */
        char *container;
} Fixture;

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(*f));
        f->root = make_tmpdir("batch");
        f->layers = path_cat(f->root, "layers");
        f->container = path_cat(f->root, "containers/c1");
        mkdir_p(f->container, 0700, NULL);
        unsetenv("BERTH_OVERLAY_MOUNT");
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;
        _cleanup_free_ char *rootfs = path_cat(f->container, "rootfs");
        umount2(rootfs, MNT_DETACH);
        rm_rf(f->root, NULL);
        unsetenv("BERTH_OVERLAY_MOUNT");
        free(f->root);
        free(f->layers);
        free(f->container);
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

/* A layer: its own file "f<i>", a shared "top" holding i, and 64 KiB of
 * data; gzip-compressed in a memfd (positioned at 0). */
typedef struct Layer {
        int fd;
        char diff_id[IMG_DIGEST_LEN + 1];
        char chain_id[IMG_DIGEST_LEN + 1];
} Layer;

static Layer make_layer(int i, const char *parent_chain)
{
        TarBuilder t = tb_new(NULL);
        char name[32], content[32];
        snprintf(name, sizeof(name), "f%03d", i);
        snprintf(content, sizeof(content), "%d", i);
        tb_file(&t, name, content, 0644);
        tb_file(&t, "top", content, 0644);
        size_t blen = 64 * 1024;
        char *blob = malloc(blen);
        for (size_t k = 0; k < blen; k++)
                blob[k] = (char)(k * 31 + (size_t)i * 7 + k / 1000);
        snprintf(name, sizeof(name), "data/%03d.bin", i);
        tb_put(&t, tb_entry(name, AE_IFREG, 0644), blob, blen);
        free(blob);
        int tar = tb_finish(&t);
        struct stat st;
        fstat(tar, &st);
        uint8_t *raw = malloc((size_t)st.st_size);
        assert_int_equal(pread(tar, raw, (size_t)st.st_size, 0), st.st_size);
        close(tar);

        Layer l = {.fd = memfd_create("layer", MFD_CLOEXEC)};
        struct sha256_ctx ctx;
        uint8_t md[SHA256_DIGEST_SIZE];
        sha256_init(&ctx);
        sha256_update(&ctx, (size_t)st.st_size, raw);
        sha256_digest(&ctx, sizeof(md), md);
        strcpy(l.diff_id, "sha256:");
        for (unsigned k = 0; k < 32; k++)
                snprintf(l.diff_id + 7 + 2 * k, 3, "%02x", md[k]);
        assert_int_equal(img_layer_chain_id(parent_chain, l.diff_id, l.chain_id), 0);

        z_stream z = {0};
        deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
        size_t cap = deflateBound(&z, (uLong)st.st_size);
        uint8_t *gz = malloc(cap);
        z.next_in = raw;
        z.avail_in = (uInt)st.st_size;
        z.next_out = gz;
        z.avail_out = (uInt)cap;
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        assert_int_equal(write(l.fd, gz, z.total_out), (ssize_t)z.total_out);
        lseek(l.fd, 0, SEEK_SET);
        deflateEnd(&z);
        free(gz);
        free(raw);
        return l;
}

/* A chain of n layers and their jobs. */
static Layer *make_chain(int n, ImgLayerJob **ret_jobs)
{
        Layer *l = calloc((size_t)n, sizeof(*l));
        ImgLayerJob *jobs = calloc((size_t)n, sizeof(*jobs));
        for (int i = 0; i < n; i++) {
                l[i] = make_layer(i, i ? l[i - 1].chain_id : NULL);
                jobs[i].src_fd = l[i].fd;
                jobs[i].parent_chain_id = i ? l[i - 1].chain_id : NULL;
                jobs[i].expected_diff_id = l[i].diff_id;
        }
        *ret_jobs = jobs;
        return l;
}

static void free_chain(Layer *l, int n, ImgLayerJob *jobs)
{
        for (int i = 0; i < n; i++)
                close(l[i].fd);
        free(l);
        free(jobs);
}

static void rewind_all(Layer *l, int n)
{
        for (int i = 0; i < n; i++)
                lseek(l[i].fd, 0, SEEK_SET);
}

/* Layer dirs in layers/ (not l/ nor leftovers). */
static int count_layers(Fixture *f)
{
        DIR *d = opendir(f->layers);
        assert_non_null(d);
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strlen(de->d_name) == 64)
                        n++;
                else if (de->d_name[0] == '.' && strcmp(de->d_name, ".") &&
                         strcmp(de->d_name, ".."))
                        fail_msg("leftover '%s' in the layer store", de->d_name);
        closedir(d);
        return n;
}

static void check_rootfs(ImgLayerStore *ls, Fixture *f, const char *chain, int n)
{
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_free_ char *rootfs = NULL;
        if (img_layerstore_mount(ls, chain, f->container, &rootfs, &err) < 0)
                fail_msg("mount: %s", err->message);
        assert_int_equal(count_entries(rootfs), n + 2); /* f000.., top, data */
        _cleanup_free_ char *top = path_cat(rootfs, "top");
        _cleanup_free_ char *first = path_cat(rootfs, "f000");
        _cleanup_free_ char *data = path_cat(rootfs, "data");
        _cleanup_free_ char *c1 = slurp(top);
        _cleanup_free_ char *c2 = slurp(first);
        char want[16];
        snprintf(want, sizeof(want), "%d", n - 1);
        assert_string_equal(c1, want);
        assert_string_equal(c2, "0");
        assert_int_equal(count_entries(data), n);
        assert_int_equal(img_layerstore_remove_container(ls, f->container, &err), 0);
}

static void parallel_success(Fixture *f, ImgDriverKind kind)
{
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, kind);
        if (!ls)
                skip();
        const int n = 7;
        ImgLayerJob *jobs;
        Layer *l = make_chain(n, &jobs);
        _cleanup_error_ BerthError *err = NULL;
        if (img_layerstore_create_many(ls, jobs, n, 4, &err) < 0)
                fail_msg("create_many: %s", err->message);
        for (int i = 0; i < n; i++) {
                assert_string_equal(jobs[i].info.chain_id, l[i].chain_id);
                assert_string_equal(jobs[i].info.diff_id, l[i].diff_id);
                assert_string_equal(jobs[i].info.parent, i ? l[i - 1].chain_id : "");
                assert_true(img_layerstore_exists(ls, l[i].chain_id));
        }
        assert_int_equal(count_layers(f), n);
        check_rootfs(ls, f, l[n - 1].chain_id, n);
        /* again: everything exists, nothing is read */
        for (int i = 0; i < n; i++)
                jobs[i].src_fd = -1;
        assert_int_equal(img_layerstore_create_many(ls, jobs, n, 0, &err), 0);
        assert_string_equal(jobs[n - 1].info.chain_id, l[n - 1].chain_id);
        free_chain(l, n, jobs);
        img_layerstore_free(ls);
}

static void test_parallel_success_overlay(void **state)
{
        parallel_success(*state, IMG_DRIVER_OVERLAY);
}

static void test_sequential_success_vfs(void **state)
{
        parallel_success(*state, IMG_DRIVER_VFS);
}

/* One bad layer: what this call created is removed, what existed stays. */
static void failure_all_or_nothing(Fixture *f, ImgDriverKind kind)
{
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, kind);
        if (!ls)
                skip();
        const int n = 6;
        ImgLayerJob *jobs;
        Layer *l = make_chain(n, &jobs);
        _cleanup_error_ BerthError *err = NULL;
        /* layer 0 exists before the batch */
        assert_int_equal(img_layerstore_create(ls, NULL, l[0].diff_id, l[0].fd, NULL, &err), 1);
        lseek(l[0].fd, 0, SEEK_SET);
        /* layer 3's content does not match its diff_id; layer 5 is cut short */
        static const char wrong[] =
            "sha256:0000000000000000000000000000000000000000000000000000000000000000";
        jobs[3].expected_diff_id = wrong;
        struct stat st;
        fstat(l[5].fd, &st);
        assert_int_equal(ftruncate(l[5].fd, st.st_size / 2), 0);
        int r = img_layerstore_create_many(ls, jobs, n, 3, &err);
        assert_int_equal(r, -EINVAL);
        assert_non_null(err);
        /* the lowest failing job's error, whatever the scheduling */
        if (!strstr(err->message, "layer sha256:00000000"))
                fail_msg("unexpected message '%s'", err->message);
        assert_true(img_layerstore_exists(ls, l[0].chain_id));
        for (int i = 1; i < n; i++)
                assert_false(img_layerstore_exists(ls, l[i].chain_id));
        assert_int_equal(count_layers(f), 1);
        free_chain(l, n, jobs);
        img_layerstore_free(ls);
}

static void test_failure_all_or_nothing_overlay(void **state)
{
        failure_all_or_nothing(*state, IMG_DRIVER_OVERLAY);
}

static void test_failure_all_or_nothing_vfs(void **state)
{
        failure_all_or_nothing(*state, IMG_DRIVER_VFS);
}

/* The same layer twice in one batch (two images sharing a base, or a
 * repeated layer): unpacked once, both jobs get its info. */
static void test_same_layer_twice(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_AUTO);
        Layer a = make_layer(0, NULL);
        Layer b = make_layer(0, NULL); /* same content, own fd */
        assert_string_equal(a.diff_id, b.diff_id);
        ImgLayerJob jobs[3] = {
            {.src_fd = a.fd, .expected_diff_id = a.diff_id},
            {.src_fd = b.fd, .expected_diff_id = b.diff_id},
            {.src_fd = a.fd, .expected_diff_id = a.diff_id}, /* the very same fd */
        };
        _cleanup_error_ BerthError *err = NULL;
        if (img_layerstore_create_many(ls, jobs, 3, 3, &err) < 0)
                fail_msg("create_many: %s", err->message);
        for (int i = 0; i < 3; i++)
                assert_string_equal(jobs[i].info.chain_id, a.chain_id);
        assert_int_equal(count_layers(f), 1);

        /* Without expected diff_ids the store's rename race decides: both
         * succeed, one copy remains. */
        assert_int_equal(img_layerstore_remove(ls, a.chain_id, &err), 0);
        rewind_all(&a, 1);
        rewind_all(&b, 1);
        ImgLayerJob blind[2] = {{.src_fd = a.fd}, {.src_fd = b.fd}};
        if (img_layerstore_create_many(ls, blind, 2, 2, &err) < 0)
                fail_msg("create_many: %s", err->message);
        assert_string_equal(blind[0].info.chain_id, a.chain_id);
        assert_string_equal(blind[1].info.chain_id, a.chain_id);
        assert_int_equal(count_layers(f), 1);
        close(a.fd);
        close(b.fd);
        img_layerstore_free(ls);
}

static void test_empty_batch(void **state)
{
        Fixture *f = *state;
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_VFS);
        assert_int_equal(img_layerstore_create_many(ls, NULL, 0, 0, NULL), 0);
        img_layerstore_free(ls);
}

static void test_short_id(void **state)
{
        char id[IMG_OVERLAY_SHORT_ID_LEN + 1], id2[IMG_OVERLAY_SHORT_ID_LEN + 1];
        const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_int_equal(img_overlay_short_id(hex, id), 0);
        assert_int_equal(strlen(id), IMG_OVERLAY_SHORT_ID_LEN);
        /* the first 130 bits in base32 (RFC 4648 alphabet) */
        assert_string_equal(id, "AERUKZ4JVPG66AJDIVTYTK6N54");
        assert_int_equal(img_overlay_short_id(hex, id2), 0);
        assert_string_equal(id, id2);
        assert_int_equal(img_overlay_short_id("xyz", id), -EINVAL);
        assert_int_equal(img_overlay_short_id("0123456789ABCDEF0123456789abcdef0123456789abcdef"
                                              "0123456789abcdef",
                                              id),
                         -EINVAL);
}

/* The options of the overlay mounted at path, from mountinfo. */
static char *mount_options(const char *path)
{
        FILE *fp = fopen("/proc/self/mountinfo", "re");
        assert_non_null(fp);
        char *line = NULL, *found = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, fp) > 0) {
                char mp[4096];
                if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) == 1 && strcmp(mp, path) == 0) {
                        free(found);
                        found = strdup(line);
                }
        }
        free(line);
        fclose(fp);
        return found;
}

/* Kernels before 6.8, forced: 120 layers fit with short relative lowers. */
static void test_overlay_legacy_many_layers(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        setenv("BERTH_OVERLAY_MOUNT", "legacy", 1);
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_OVERLAY);
        if (!ls)
                skip();
        assert_true(img_overlay_use_legacy());
        const int n = 120;
        ImgLayerJob *jobs;
        Layer *l = make_chain(n, &jobs);
        _cleanup_error_ BerthError *err = NULL;
        if (img_layerstore_create_many(ls, jobs, n, 0, &err) < 0)
                fail_msg("create_many: %s", err->message);
        _cleanup_free_ char *rootfs = NULL;
        if (img_layerstore_mount(ls, l[n - 1].chain_id, f->container, &rootfs, &err) < 0)
                fail_msg("mount: %s", err->message);
        _cleanup_free_ char *mi = mount_options(rootfs);
        assert_non_null(mi);
        if (!strstr(mi, "lowerdir=l/") && !strstr(mi, "lowerdir=/")) /* kernels show either */
                fail_msg("unexpected mount: %s", mi);
        assert_int_equal(img_layerstore_unmount(ls, f->container, &err), 0);
        _cleanup_free_ char *links = path_cat(f->layers, "l");
        assert_int_equal(count_entries(links), n);
        /* each link names its layer's diff dir */
        char id[IMG_OVERLAY_SHORT_ID_LEN + 1];
        assert_int_equal(img_overlay_short_id(l[7].chain_id + 7, id), 0);
        _cleanup_free_ char *link = path_cat(links, id);
        char target[128];
        ssize_t len = readlink(link, target, sizeof(target) - 1);
        assert_true(len > 0);
        target[len] = '\0';
        char want[128];
        snprintf(want, sizeof(want), "../%s/diff", l[7].chain_id + 7);
        assert_string_equal(target, want);
        /* the composed root is complete and the top layer wins */
        check_rootfs(ls, f, l[n - 1].chain_id, n);
        /* the process's working directory did not move */
        char cwd[4096];
        assert_non_null(getcwd(cwd, sizeof(cwd)));
        assert_null(strstr(cwd, f->layers));
        /* a stale link is replaced on the next mount */
        assert_int_equal(unlink(link), 0);
        assert_int_equal(symlink("../nowhere/diff", link), 0);
        check_rootfs(ls, f, l[n - 1].chain_id, n);
        len = readlink(link, target, sizeof(target) - 1);
        target[len] = '\0';
        assert_string_equal(target, want);
        free_chain(l, n, jobs);
        img_layerstore_free(ls);
        unsetenv("BERTH_OVERLAY_MOUNT");
}

/* 200 layers do not fit in a page even with short links: a clear error. */
static void test_overlay_legacy_too_many_layers(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        setenv("BERTH_OVERLAY_MOUNT", "legacy", 1);
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_OVERLAY);
        if (!ls)
                skip();
        const int n = 200;
        ImgLayerJob *jobs;
        Layer *l = make_chain(n, &jobs);
        _cleanup_error_ BerthError *err = NULL;
        if (img_layerstore_create_many(ls, jobs, n, 0, &err) < 0)
                fail_msg("create_many: %s", err->message);
        assert_int_equal(img_layerstore_mount(ls, l[n - 1].chain_id, f->container, NULL, &err),
                         -E2BIG);
        if (!strstr(err->message, "200 layers do not fit"))
                fail_msg("unexpected message '%s'", err->message);
        free_chain(l, n, jobs);
        img_layerstore_free(ls);
        unsetenv("BERTH_OVERLAY_MOUNT");
}

/* Without the override the probe picks lowerdir+ on this kernel. */
static void test_overlay_probe_resets(void **state)
{
        Fixture *f = *state;
        if (!need_root())
                skip();
        ImgLayerStore *ls = open_store(f, IMG_DRIVER_OVERLAY);
        if (!ls)
                skip();
        printf("# overlay mount path: %s\n",
               img_overlay_use_legacy() ? "mount(2) (no lowerdir+)" : "lowerdir+");
        const int n = 3;
        ImgLayerJob *jobs;
        Layer *l = make_chain(n, &jobs);
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_layerstore_create_many(ls, jobs, n, 0, &err), 0);
        check_rootfs(ls, f, l[n - 1].chain_id, n);
        free_chain(l, n, jobs);
        img_layerstore_free(ls);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
        const struct CMUnitTest tests[] = {
            T(test_parallel_success_overlay),
            T(test_sequential_success_vfs),
            T(test_failure_all_or_nothing_overlay),
            T(test_failure_all_or_nothing_vfs),
            T(test_same_layer_twice),
            T(test_empty_batch),
            T(test_short_id),
            T(test_overlay_legacy_many_layers),
            T(test_overlay_legacy_too_many_layers),
            T(test_overlay_probe_resets),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
