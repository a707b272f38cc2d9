/* Unit tests for manifests, indexes, image configs, image and chain IDs,
 * checked against archives written by real Docker 20.10 and skopeo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/json.h"
#include "common/strv.h"
#include "image/digest.h"
#include "image/imageconfig.h"
#include "image/manifest.h"

#define HEX64   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIGEST1 "sha256:" HEX64

/* ---- fixtures ---- */

static char *fixtures;

static bool find_fixtures(void)
{
        const char *env = getenv("BERTH_FIXTURES");
        _cleanup_free_ char *here = strdup(__FILE__);
        char *cand[3] = {NULL, NULL, NULL};
        if (env && *env)
                cand[0] = strdup(env);
        /* __FILE__ is <repo>/tests/unit/x.c; the fixtures live in <repo>/../shared */
        if (asprintf(&cand[1], "%s/../../../shared/fixtures", dirname(here)) < 0)
                cand[1] = NULL;
        cand[2] = strdup("/work/shared/fixtures");
        for (int i = 0; i < 3; i++) {
                _cleanup_free_ char *probe = NULL;
                if (!fixtures && cand[i] &&
                    asprintf(&probe, "%s/multilayer-docker-inspect.json", cand[i]) >= 0 &&
                    access(probe, R_OK) == 0)
                        fixtures = TAKE_PTR(cand[i]);
                free(cand[i]);
        }
        return fixtures != NULL;
}

#define REQUIRE_FIXTURES()                                                                         \
        do {                                                                                       \
                if (!fixtures) {                                                                   \
                        printf("# skipped: ../shared/fixtures not found (set BERTH_FIXTURES)\n");  \
                        skip();                                                                    \
                }                                                                                  \
        } while (0)

/* Reads one member of a tar archive from the fixtures into memory. */
static char *tar_member(const char *archive_name, const char *member, size_t *ret_len)
{
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", fixtures, archive_name);
        struct archive *a = archive_read_new();
        struct archive_entry *e;
        char *out = NULL;
        archive_read_support_format_tar(a);
        if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK)
                fail_msg("open %s: %s", path, archive_error_string(a));
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
                const char *name = archive_entry_pathname(e);
                if (strncmp(name, "./", 2) == 0)
                        name += 2;
                if (!STREQ(name, member))
                        continue;
                size_t n = (size_t)archive_entry_size(e);
                out = malloc(n + 1);
                if ((size_t)archive_read_data(a, out, n) != n)
                        fail_msg("read %s from %s", member, path);
                out[n] = '\0';
                *ret_len = n;
                break;
        }
        archive_read_free(a);
        if (!out)
                fail_msg("%s has no member %s", path, member);
        return out;
}

static json_t *inspect_json(void)
{
        char path[8192];
        json_t *j = NULL;
        snprintf(path, sizeof(path), "%s/multilayer-docker-inspect.json", fixtures);
        assert_int_equal(json_load_path(path, NULL, &j, NULL), 0);
        return j;
}

static void assert_strv_matches_json(char **v, json_t *arr)
{
        assert_non_null(v);
        assert_true(json_is_array(arr));
        assert_int_equal(strv_length(v), json_array_size(arr));
        for (size_t i = 0; v[i]; i++)
                assert_string_equal(v[i], json_string_value(json_array_get(arr, i)));
}

/* The config values Docker reports must be exactly what we parsed. */
static void assert_config_matches_inspect(const ImgConfig *c, json_t *inspect)
{
        json_t *img = json_array_get(inspect, 0);
        json_t *cfg = json_object_get(img, "Config");
        assert_strv_matches_json(c->diff_ids,
                                 json_object_get(json_object_get(img, "RootFS"), "Layers"));
        assert_string_equal(c->rootfs_type, "layers");
        assert_string_equal(c->architecture,
                            json_string_value(json_object_get(img, "Architecture")));
        assert_string_equal(c->os, json_string_value(json_object_get(img, "Os")));
        assert_string_equal(c->created, json_string_value(json_object_get(img, "Created")));
        assert_non_null(c->config);
        assert_strv_matches_json(c->config->env, json_object_get(cfg, "Env"));
        assert_strv_matches_json(c->config->cmd, json_object_get(cfg, "Cmd"));
        assert_string_equal(c->config->working_dir,
                            json_string_value(json_object_get(cfg, "WorkingDir")));
        assert_null(c->config->entrypoint);
        json_t *labels = json_object_get(cfg, "Labels");
        assert_int_equal(c->config->labels->n, json_object_size(labels));
        const char *k;
        json_t *v;
        json_object_foreach(labels, k, v)
        {
                assert_string_equal(img_strmap_get(c->config->labels, k), json_string_value(v));
        }
        json_t *ports = json_object_get(cfg, "ExposedPorts");
        assert_int_equal(strv_length(c->config->exposed_ports), json_object_size(ports));
        STRV_FOREACH(p, c->config->exposed_ports)
        assert_non_null(json_object_get(ports, *p));
        /* spelled out too, so a broken inspect file can not hide a bug */
        assert_string_equal(c->config->env[1], "GREETING=hello");
        assert_string_equal(c->config->cmd[2], "echo $GREETING from fixture");
        assert_string_equal(c->config->exposed_ports[0], "8080/tcp");
        assert_string_equal(img_strmap_get(c->config->labels, "org.example.fixture"), "multilayer");
        assert_int_equal(c->n_history, 8);
        assert_int_equal(img_config_non_empty_history(c), 3);
        assert_true(c->history[3].empty_layer);
        assert_string_equal(c->history[0].comment, "Imported from -");
}

#define ML_ID        "sha256:a044766accfdfb4cecb98bb9cfee5d6f3f9f7556c252dbd9e0d5fd3fbbf8d11b"
#define ML_L0        "sha256:e6bdc571b7cf8a7e6d665b33e5cad76e6f4bad580187f20ef163b7c4141ef3c3"
#define ML_L1        "sha256:8ece7cac32c300e117d19c0d156d456401048ef29857ab72e4247f8d7396e878"
#define ML_L2        "sha256:bbe55a6d8ee2535432408a9dddb4498ac13e5c20680e6c30030c452a72f94680"
#define OCI_MANIFEST "716244f254c2b6538711db14b44034d571ddb5e94f617441199d6db2577843c7"

static void test_docker_save_fixture(void **state)
{
        REQUIRE_FIXTURES();
        const char *tar = "multilayer-docker-save.tar";
        size_t len;
        _cleanup_free_ char *mj = tar_member(tar, "manifest.json", &len);
        _cleanup_archive_manifest_ ImgArchiveManifest *am = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (img_archive_manifest_parse(mj, len, &am, &err) < 0)
                fail_msg("%s", err->message);
        assert_int_equal(am->n_entries, 1);
        assert_string_equal(am->entries[0].repo_tags[0], "fixture/multilayer:1.0");
        assert_int_equal(strv_length(am->entries[0].layers), 3);

        _cleanup_free_ char *blob = tar_member(tar, am->entries[0].config, &len);
        ImgDigest id;
        assert_int_equal(img_image_id(blob, len, &id), 0);
        _cleanup_json_ json_t *inspect = inspect_json();
        assert_string_equal(id.str,
                            json_string_value(json_object_get(json_array_get(inspect, 0), "Id")));
        assert_string_equal(id.str, ML_ID);

        _cleanup_config_ ImgConfig *c = NULL;
        if (img_config_parse(blob, len, &c, &err) < 0)
                fail_msg("%s", err->message);
        assert_config_matches_inspect(c, inspect);
        assert_string_equal(
            c->config->image,
            "sha256:8b77908062a13bc9263268d8e8bbf2801b1ca579335088ea2f1cf94a73923863");
        assert_string_equal(c->docker_version, "20.10.24+dfsg1");
}

static void test_docker_save_layers_hash_to_diff_ids(void **state)
{
        REQUIRE_FIXTURES();
        const char *tar = "multilayer-docker-save.tar";
        const char *diff_ids[] = {ML_L0, ML_L1, ML_L2};
        size_t len;
        _cleanup_free_ char *mj = tar_member(tar, "manifest.json", &len);
        _cleanup_archive_manifest_ ImgArchiveManifest *am = NULL;
        assert_int_equal(img_archive_manifest_parse(mj, len, &am, NULL), 0);
        for (size_t i = 0; i < 3; i++) {
                _cleanup_free_ char *layer = tar_member(tar, am->entries[0].layers[i], &len);
                _cleanup_(img_hasher_freep) ImgHasher *h = NULL;
                ImgDigest d;
                assert_int_equal(img_hasher_new(IMG_DIGEST_SHA256, &h), 0);
                for (size_t off = 0; off < len; off += 8192)
                        assert_int_equal(
                            img_hasher_update(h, layer + off, len - off < 8192 ? len - off : 8192),
                            0);
                assert_int_equal(img_hasher_final(h, &d), 0);
                assert_string_equal(d.str, diff_ids[i]);
        }
}

static void test_chain_ids(void **state)
{
        char *diff_ids[] = {ML_L0, ML_L1, ML_L2, NULL};
        ImgDigest chain[3];
        assert_int_equal(img_chain_ids(diff_ids, 3, chain, NULL), 0);
        assert_string_equal(chain[0].str, ML_L0);
        /* sha256("<L0> <L1>"), then sha256("<C1> <L2>"), computed with sha256sum */
        assert_string_equal(chain[1].str, "sha256:bd944515a829e07dc2a32b94afe5a3742dd879cdd021835"
                                          "f2c79a459789523f4");
        assert_string_equal(chain[2].str, "sha256:6f11a8add7f202f3d1b46378eb695e3a03e2bfd22f30672"
                                          "b0b7da9cdf20e287a");
        ImgDigest top;
        assert_int_equal(img_chain_id(diff_ids, 3, &top, NULL), 0);
        assert_string_equal(top.str, chain[2].str);
        _cleanup_error_ BerthError *err = NULL;
        char *bad[] = {ML_L0, "sha256:zz", NULL};
        assert_int_equal(img_chain_ids(bad, 2, chain, &err), -EINVAL);
        assert_string_equal(
            err->message,
            "diff_ids[1]: invalid digest 'sha256:zz': invalid checksum digest length");
        error_freep(&err);
        assert_int_equal(img_chain_id(diff_ids, 0, &top, &err), -EINVAL);
}

static void test_oci_fixture(void **state)
{
        REQUIRE_FIXTURES();
        const char *tar = "multilayer-oci.tar";
        _cleanup_error_ BerthError *err = NULL;
        size_t len;
        _cleanup_free_ char *ij = tar_member(tar, "index.json", &len);
        _cleanup_index_ ImgIndex *idx = NULL;
        if (img_index_parse(ij, len, NULL, &idx, &err) < 0)
                fail_msg("%s", err->message);
        assert_string_equal(idx->media_type, IMG_MEDIA_TYPE_OCI_INDEX);
        assert_false(idx->media_type_in_document);
        assert_int_equal(idx->n_manifests, 1);
        const ImgDescriptor *md = &idx->manifests[0];
        assert_string_equal(md->media_type, IMG_MEDIA_TYPE_OCI_MANIFEST);
        assert_string_equal(img_strmap_get(md->annotations, IMG_OCI_REF_NAME_ANNOTATION),
                            "fixture/multilayer:1.0");

        _cleanup_free_ char *mb = tar_member(tar, "blobs/sha256/" OCI_MANIFEST, &len);
        assert_int_equal((int64_t)len, md->size);
        ImgDigest d;
        assert_int_equal(img_digest_buffer(IMG_DIGEST_SHA256, mb, len, &d), 0);
        assert_string_equal(d.str, md->digest);
        _cleanup_manifest_ ImgManifest *m = NULL;
        if (img_manifest_parse(mb, len, md->media_type, &m, &err) < 0)
                fail_msg("%s", err->message);
        assert_int_equal(m->n_layers, 3);
        assert_string_equal(m->config.media_type, IMG_MEDIA_TYPE_OCI_CONFIG);
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(img_media_type_layer_compression(m->layers[i].media_type),
                                 IMG_LAYER_TAR_GZIP);

        char cpath[128];
        snprintf(cpath, sizeof(cpath), "blobs/sha256/%s", m->config.digest + 7);
        _cleanup_free_ char *cb = tar_member(tar, cpath, &len);
        assert_int_equal(img_image_id(cb, len, &d), 0);
        /* skopeo rewrote the config: its ID is the sha256 of these bytes */
        assert_string_equal(d.str, m->config.digest);
        _cleanup_config_ ImgConfig *c = NULL;
        if (img_config_parse(cb, len, &c, &err) < 0)
                fail_msg("%s", err->message);
        _cleanup_json_ json_t *inspect = inspect_json();
        assert_config_matches_inspect(c, inspect);
        assert_null(c->container_config);
}

/* Writing what we parsed must give the bytes the other tool wrote. */
static void expect_same(const char *what, const char *a, size_t alen, const char *b, size_t blen)
{
        if (alen != blen || memcmp(a, b, alen) != 0)
                fail_msg("%s differs:\n got: %.*s\nwant: %.*s", what, (int)alen, a, (int)blen, b);
}

static void test_oci_writers_roundtrip(void **state)
{
        REQUIRE_FIXTURES();
        const char *tar = "multilayer-oci.tar";
        size_t len, out_len;
        _cleanup_free_ char *ij = tar_member(tar, "index.json", &len);
        _cleanup_index_ ImgIndex *idx = NULL;
        assert_int_equal(img_index_parse(ij, len, NULL, &idx, NULL), 0);
        _cleanup_free_ char *iout = NULL;
        assert_int_equal(img_index_to_json(idx, &iout, &out_len, NULL), 0);
        expect_same("index.json", iout, out_len, ij, len);

        _cleanup_free_ char *mb = tar_member(tar, "blobs/sha256/" OCI_MANIFEST, &len);
        _cleanup_manifest_ ImgManifest *m = NULL;
        assert_int_equal(img_manifest_parse(mb, len, NULL, &m, NULL), 0);
        _cleanup_free_ char *mout = NULL;
        assert_int_equal(img_manifest_to_json(m, &mout, &out_len, NULL), 0);
        expect_same("manifest", mout, out_len, mb, len);

        char cpath[128];
        snprintf(cpath, sizeof(cpath), "blobs/sha256/%s", m->config.digest + 7);
        _cleanup_free_ char *cb = tar_member(tar, cpath, &len);
        _cleanup_config_ ImgConfig *c = NULL;
        assert_int_equal(img_config_parse(cb, len, &c, NULL), 0);
        _cleanup_free_ char *cout = NULL;
        assert_int_equal(img_config_to_json(c, IMG_CONFIG_STYLE_OCI, &cout, &out_len, NULL), 0);
        expect_same("OCI config", cout, out_len, cb, len);
}

static void docker_config_roundtrip(const char *tar)
{
        size_t len, out_len;
        _cleanup_free_ char *mj = tar_member(tar, "manifest.json", &len);
        _cleanup_archive_manifest_ ImgArchiveManifest *am = NULL;
        assert_int_equal(img_archive_manifest_parse(mj, len, &am, NULL), 0);
        _cleanup_free_ char *blob = tar_member(tar, am->entries[0].config, &len);
        _cleanup_config_ ImgConfig *c = NULL;
        assert_int_equal(img_config_parse(blob, len, &c, NULL), 0);
        _cleanup_free_ char *out = NULL;
        assert_int_equal(img_config_to_json(c, IMG_CONFIG_STYLE_DOCKER, &out, &out_len, NULL), 0);
        expect_same(tar, out, out_len, blob, len);
        /* hence the same image ID */
        ImgDigest a, b;
        img_image_id(out, out_len, &a);
        img_image_id(blob, len, &b);
        assert_string_equal(a.str, b.str);
}

static void test_docker_config_roundtrip(void **state)
{
        REQUIRE_FIXTURES();
        docker_config_roundtrip("multilayer-docker-save.tar");
        docker_config_roundtrip("busybox-docker-save.tar");
}

/* A Docker-written config using the fields the fixtures lack, in Docker's layout. */
static const char full_config[] =
    "{\"architecture\":\"arm64\",\"author\":\"me \\u003cme@example.com\\u003e\","
    "\"config\":{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"1000:1000\","
    "\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,"
    "\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{}},\"Tty\":false,\"OpenStdin\":false,"
    "\"StdinOnce\":false,\"Env\":[\"A=1\"],\"Cmd\":[],\"Healthcheck\":{\"Test\":[\"CMD-SHELL\","
    "\"true \\u0026\\u0026 true\"],\"Interval\":30000000000,\"Retries\":3},\"ArgsEscaped\":true,"
    "\"Image\":\"\",\"Volumes\":{\"/data\":{}},\"WorkingDir\":\"/w\",\"Entrypoint\":[\"/init\"],"
    "\"OnBuild\":[\"RUN x\"],\"Labels\":{\"a\":\"1\",\"b\":\"2\"},\"StopSignal\":\"SIGTERM\","
    "\"StopTimeout\":5,\"Shell\":[\"/bin/bash\",\"-c\"]},"
    "\"container_config\":{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\","
    "\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"Tty\":false,"
    "\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":null,\"Cmd\":null,\"Image\":\"\","
    "\"Volumes\":null,\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":null},"
    "\"created\":\"2024-01-02T03:04:05+01:00\",\"history\":[{\"created\":\"2024-01-02T03:04:05Z\","
    "\"author\":\"me\",\"created_by\":\"x\",\"empty_layer\":true}],\"os\":\"linux\","
    "\"rootfs\":{\"type\":\"layers\"},\"variant\":\"v8\"}";

static void test_config_all_fields(void **state)
{
        _cleanup_config_ ImgConfig *c = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (img_config_parse(full_config, strlen(full_config), &c, &err) < 0)
                fail_msg("%s", err->message);
        assert_string_equal(c->author, "me <me@example.com>");
        assert_string_equal(c->variant, "v8");
        ImgContainerConfig *cc = c->config;
        assert_string_equal(cc->user, "1000:1000");
        assert_non_null(cc->cmd);
        assert_null(cc->cmd[0]); /* [] is kept apart from null */
        assert_string_equal(cc->healthcheck->test[1], "true && true");
        assert_int_equal(cc->healthcheck->interval, 30000000000LL);
        assert_int_equal(cc->healthcheck->retries, 3);
        assert_true(cc->args_escaped);
        assert_string_equal(cc->volumes[0], "/data");
        assert_string_equal(cc->entrypoint[0], "/init");
        assert_string_equal(cc->on_build[0], "RUN x");
        assert_string_equal(cc->stop_signal, "SIGTERM");
        assert_true(cc->has_stop_timeout);
        assert_int_equal(cc->stop_timeout, 5);
        assert_string_equal(cc->shell[0], "/bin/bash");
        assert_int_equal(strv_length(c->diff_ids), 0);
        _cleanup_free_ char *out = NULL;
        size_t n;
        assert_int_equal(img_config_to_json(c, IMG_CONFIG_STYLE_DOCKER, &out, &n, NULL), 0);
        expect_same("config", out, n, full_config, strlen(full_config));
}

static void test_config_writer_sorts_maps(void **state)
{
        const char *in =
            "{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\","
            "\"diff_ids\":[]},\"config\":{\"Labels\":{\"z\":\"<\",\"a\":\"\\u2028\"},"
            "\"ExposedPorts\":{\"9/tcp\":{},\"10/tcp\":{}}}}";
        _cleanup_config_ ImgConfig *c = NULL;
        assert_int_equal(img_config_parse(in, strlen(in), &c, NULL), 0);
        _cleanup_free_ char *out = NULL;
        assert_int_equal(img_config_to_json(c, IMG_CONFIG_STYLE_OCI, &out, NULL, NULL), 0);
        assert_string_equal(out, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":"
                                 "{\"ExposedPorts\":{\"10/tcp\":{},\"9/tcp\":{}},\"Labels\":{\"a\":"
                                 "\"\\u2028\",\"z\":\"\\u003c\"}},\"rootfs\":{\"type\":\"layers\","
                                 "\"diff_ids\":[]}}");
}

static void expect_config_error(const char *json, const char *msg)
{
        _cleanup_config_ ImgConfig *c = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_true(img_config_parse(json, strlen(json), &c, &err) < 0);
        assert_null(c);
        assert_string_equal(err->message, msg);
}

static void test_config_errors(void **state)
{
        expect_config_error("{\"os\":\"linux\"}", "config: rootfs: required field is missing");
        expect_config_error("{\"rootfs\":{\"type\":\"tarball\"}}",
                            "config: rootfs.type: expected \"layers\", got \"tarball\"");
        expect_config_error("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" DIGEST1
                            "\",\"sha256:zz\"]}}",
                            "config: rootfs.diff_ids[1]: invalid digest 'sha256:zz': invalid "
                            "checksum digest length");
        expect_config_error("{\"created\":\"yesterday\",\"rootfs\":{\"type\":\"layers\"}}",
                            "config: created: invalid timestamp 'yesterday' (expected RFC 3339)");
        expect_config_error("{\"config\":{\"Env\":[1]},\"rootfs\":{\"type\":\"layers\"}}",
                            "config: config.Env[0]: expected a string, got an integer");
        expect_config_error("{\"config\":{\"Labels\":{\"a\":1}},\"rootfs\":{\"type\":\"layers\"}}",
                            "config: config.Labels.a: expected a string, got an integer");
        expect_config_error("{\"rootfs\":{\"type\":\"layers\"},\"history\":[{\"empty_layer\":1}]}",
                            "config: history[0].empty_layer: expected a boolean, got an integer");
        expect_config_error("[]", "config: expected a JSON object, got an array");
        expect_config_error(
            "{\"rootfs\":",
            "config: invalid JSON at line 1 column 10: unexpected token near end of file");
}

static void test_config_size_limit(void **state)
{
        size_t n = IMG_CONFIG_MAX_SIZE + 1;
        _cleanup_free_ char *big = malloc(n);
        memset(big, ' ', n);
        _cleanup_config_ ImgConfig *c = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_config_parse(big, n, &c, &err), -EFBIG);
        assert_non_null(strstr(err->message, "more than the limit"));
}

/* ---- manifests ---- */

#define LAYER(mt, d) "{\"mediaType\":\"" mt "\",\"size\":10,\"digest\":\"" d "\"}"
#define DOCKER_MANIFEST(layers)                                                                    \
        "{\"schemaVersion\":2,\"mediaType\":\"" IMG_MEDIA_TYPE_DOCKER_MANIFEST "\","               \
        "\"config\":{\"mediaType\":\"" IMG_MEDIA_TYPE_DOCKER_CONFIG "\",\"size\":7,"               \
        "\"digest\":\"" DIGEST1 "\"},\"layers\":[" layers "]}"

static void expect_manifest_error(const char *json, const char *hint, int code, const char *msg)
{
        _cleanup_manifest_ ImgManifest *m = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_manifest_parse(json, strlen(json), hint, &m, &err), -code);
        assert_null(m);
        assert_string_equal(err->message, msg);
}

static void test_manifest_bad_layer_digest(void **state)
{
        expect_manifest_error(DOCKER_MANIFEST(LAYER(IMG_MEDIA_TYPE_DOCKER_LAYER, DIGEST1) "," LAYER(
                                  IMG_MEDIA_TYPE_DOCKER_LAYER,
                                  DIGEST1) "," LAYER(IMG_MEDIA_TYPE_DOCKER_LAYER, "sha256:zz")),
                              NULL, EINVAL,
                              "manifest: layers[2].digest: invalid digest 'sha256:zz': invalid "
                              "checksum digest length");
}

static void test_manifest_media_types(void **state)
{
        expect_manifest_error("{\"schemaVersion\":2,\"mediaType\":\"application/x-foo\"}", NULL,
                              EINVAL, "manifest: unsupported media type 'application/x-foo'");
        expect_manifest_error("{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}", NULL, EINVAL,
                              "manifest: media type '" IMG_MEDIA_TYPE_DOCKER_SCHEMA1
                              "': Docker Image Manifest V2 Schema 1 is not supported");
        expect_manifest_error(DOCKER_MANIFEST(""), IMG_MEDIA_TYPE_OCI_MANIFEST, EINVAL,
                              "manifest: mediaType '" IMG_MEDIA_TYPE_DOCKER_MANIFEST
                              "' does not match the expected '" IMG_MEDIA_TYPE_OCI_MANIFEST "'");
        expect_manifest_error(DOCKER_MANIFEST(LAYER("application/x-tar", DIGEST1)), NULL, EINVAL,
                              "manifest: layers[0].mediaType: unsupported layer media type "
                              "'application/x-tar'");
        expect_manifest_error("{\"schemaVersion\":2,\"mediaType\":\"" IMG_MEDIA_TYPE_OCI_INDEX
                              "\",\"manifests\":[]}",
                              NULL, EINVAL,
                              "manifest: media type '" IMG_MEDIA_TYPE_OCI_INDEX
                              "' is an index (manifest list), not an image manifest");
        expect_manifest_error("{\"schemaVersion\":3,\"config\":{},\"layers\":[]}", NULL, EINVAL,
                              "manifest: schemaVersion: expected 2, got 3");
        expect_manifest_error(
            "{}", NULL, EINVAL,
            "manifest: no mediaType, and neither manifests nor config and layers");
}

static void test_manifest_field_errors(void **state)
{
        expect_manifest_error(
            "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" IMG_MEDIA_TYPE_OCI_CONFIG
            "\",\"digest\":\"" DIGEST1 "\",\"size\":-1},\"layers\":[]}",
            NULL, EINVAL,
            "manifest: config.size: -1 is out of range (0 to "
            "9223372036854775807)");
        expect_manifest_error(
            "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" IMG_MEDIA_TYPE_OCI_CONFIG
            "\",\"size\":1},\"layers\":[]}",
            NULL, EINVAL, "manifest: config.digest: required field is missing");
        expect_manifest_error(
            "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" IMG_MEDIA_TYPE_OCI_CONFIG
            "\",\"size\":1,\"digest\":\"" DIGEST1 "\"},\"layers\":{}}",
            NULL, EINVAL, "manifest: layers: expected an array, got an object");
        expect_manifest_error("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/x-c\","
                              "\"size\":1,\"digest\":\"" DIGEST1 "\"},\"layers\":[]}",
                              NULL, EINVAL,
                              "manifest: config.mediaType: unsupported config media type "
                              "'application/x-c'");
        expect_manifest_error("{\"schemaVersion\":2,", NULL, EINVAL,
                              "manifest: invalid JSON at line 1 column 19: string or '}' expected "
                              "near end of file");
        /* duplicate keys are refused rather than silently resolved */
        expect_manifest_error("{\"schemaVersion\":2,\"schemaVersion\":2}", NULL, EINVAL,
                              "manifest: invalid JSON at line 1 column 34: duplicate object key "
                              "near '\"schemaVersion\"'");
}

/* jansson quotes raw input in its errors; ours stay on one line */
static void test_json_error_one_line(void **state)
{
        const char *in = "[{\"Config\":\"/0on\"\"]}\\\n";
        _cleanup_archive_manifest_ ImgArchiveManifest *am = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_archive_manifest_parse(in, strlen(in), &am, &err), -EINVAL);
        assert_null(strchr(err->message, '\n'));
        assert_non_null(strstr(err->message, "\\x0a"));
        _cleanup_config_ ImgConfig *c = NULL;
        _cleanup_error_ BerthError *cerr = NULL;
        assert_int_equal(img_config_parse(in, strlen(in), &c, &cerr), -EINVAL);
        assert_null(strchr(cerr->message, '\n'));
}

static void test_manifest_size_limit(void **state)
{
        size_t n = IMG_MANIFEST_MAX_SIZE + 1;
        _cleanup_free_ char *big = malloc(n);
        memset(big, ' ', n);
        big[0] = '{';
        big[n - 1] = '}';
        _cleanup_manifest_ ImgManifest *m = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_manifest_parse(big, n, NULL, &m, &err), -EFBIG);
        assert_string_equal(err->message,
                            "manifest: 4194305 bytes is more than the limit of 4194304 bytes");
}

static void test_docker_manifest_writer(void **state)
{
        const char *in = DOCKER_MANIFEST(LAYER(IMG_MEDIA_TYPE_DOCKER_LAYER, DIGEST1) "," LAYER(
            IMG_MEDIA_TYPE_DOCKER_FOREIGN_LAYER, DIGEST1));
        _cleanup_manifest_ ImgManifest *m = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (img_manifest_parse(in, strlen(in), IMG_MEDIA_TYPE_DOCKER_MANIFEST, &m, &err) < 0)
                fail_msg("%s", err->message);
        assert_int_equal(m->n_layers, 2);
        assert_int_equal(m->config.size, 7);
        _cleanup_free_ char *out = NULL;
        assert_int_equal(img_manifest_to_json(m, &out, NULL, NULL), 0);
        /* distribution's schema2: MarshalIndent with 3 spaces, mediaType/size/digest */
        const char *want = "{\n"
                           "   \"schemaVersion\": 2,\n"
                           "   \"mediaType\": \"" IMG_MEDIA_TYPE_DOCKER_MANIFEST "\",\n"
                           "   \"config\": {\n"
                           "      \"mediaType\": \"" IMG_MEDIA_TYPE_DOCKER_CONFIG "\",\n"
                           "      \"size\": 7,\n"
                           "      \"digest\": \"" DIGEST1 "\"\n"
                           "   },\n"
                           "   \"layers\": [\n"
                           "      {\n"
                           "         \"mediaType\": \"" IMG_MEDIA_TYPE_DOCKER_LAYER "\",\n"
                           "         \"size\": 10,\n"
                           "         \"digest\": \"" DIGEST1 "\"\n"
                           "      },\n"
                           "      {\n"
                           "         \"mediaType\": \"" IMG_MEDIA_TYPE_DOCKER_FOREIGN_LAYER "\",\n"
                           "         \"size\": 10,\n"
                           "         \"digest\": \"" DIGEST1 "\"\n"
                           "      }\n"
                           "   ]\n"
                           "}";
        assert_string_equal(out, want);
        /* and it parses back to the same thing */
        _cleanup_manifest_ ImgManifest *again = NULL;
        assert_int_equal(img_manifest_parse(out, strlen(out), NULL, &again, NULL), 0);
        assert_string_equal(again->layers[1].media_type, IMG_MEDIA_TYPE_DOCKER_FOREIGN_LAYER);
}

static const char manifest_list[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" IMG_MEDIA_TYPE_DOCKER_MANIFEST_LIST "\",\"manifests\":["
    "{\"mediaType\":\"" IMG_MEDIA_TYPE_DOCKER_MANIFEST "\",\"size\":1,\"digest\":\"sha256:"
    "1111111111111111111111111111111111111111111111111111111111111111\",\"platform\":"
    "{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"" IMG_MEDIA_TYPE_DOCKER_MANIFEST "\",\"size\":2,\"digest\":\"sha256:"
    "2222222222222222222222222222222222222222222222222222222222222222\",\"platform\":"
    "{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}},"
    "{\"mediaType\":\"" IMG_MEDIA_TYPE_DOCKER_MANIFEST "\",\"size\":3,\"digest\":\"sha256:"
    "3333333333333333333333333333333333333333333333333333333333333333\",\"platform\":"
    "{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"" IMG_MEDIA_TYPE_DOCKER_MANIFEST "\",\"size\":4,\"digest\":\"sha256:"
    "4444444444444444444444444444444444444444444444444444444444444444\",\"platform\":"
    "{\"architecture\":\"amd64\",\"os\":\"windows\",\"os.version\":\"10.0.17763.1\"}}]}";

static void test_manifest_list(void **state)
{
        _cleanup_index_ ImgIndex *idx = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (img_index_parse(manifest_list, strlen(manifest_list), NULL, &idx, &err) < 0)
                fail_msg("%s", err->message);
        assert_string_equal(idx->media_type, IMG_MEDIA_TYPE_DOCKER_MANIFEST_LIST);
        assert_int_equal(idx->n_manifests, 4);
        assert_string_equal(idx->manifests[3].platform->os_version, "10.0.17763.1");
        assert_int_equal(img_index_select(idx, "linux", "amd64", NULL), 0);
        assert_int_equal(img_index_select(idx, "linux", "arm", "v7"), 1);
        assert_int_equal(img_index_select(idx, "linux", "arm", "v6"), -ENOENT);
        assert_int_equal(img_index_select(idx, "linux", "arm64", "v8"), 2);
        assert_int_equal(img_index_select(idx, "windows", "amd64", NULL), 3);
        assert_int_equal(img_index_select(idx, "linux", "s390x", NULL), -ENOENT);
        /* the writer produces the list back, in distribution's indented form */
        _cleanup_free_ char *out = NULL;
        assert_int_equal(img_index_to_json(idx, &out, NULL, NULL), 0);
        assert_non_null(strstr(out, "\n   \"manifests\": [\n      {\n         \"mediaType\""));
        _cleanup_index_ ImgIndex *again = NULL;
        assert_int_equal(img_index_parse(out, strlen(out), NULL, &again, NULL), 0);
        assert_int_equal(again->n_manifests, 4);
        assert_string_equal(again->manifests[1].platform->variant, "v7");
}

static void test_index_errors(void **state)
{
        _cleanup_index_ ImgIndex *idx = NULL;
        _cleanup_error_ BerthError *err = NULL;
        const char *m = DOCKER_MANIFEST("");
        assert_int_equal(img_index_parse(m, strlen(m), NULL, &idx, &err), -EINVAL);
        assert_string_equal(err->message, "index: media type '" IMG_MEDIA_TYPE_DOCKER_MANIFEST
                                          "' is an image manifest, not an index");
        error_freep(&err);
        const char *noplat =
            "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x/y\",\"size\":1,"
            "\"digest\":\"" DIGEST1 "\",\"platform\":{\"os\":\"linux\"}}]}";
        assert_int_equal(img_index_parse(noplat, strlen(noplat), NULL, &idx, &err), -EINVAL);
        assert_string_equal(err->message,
                            "index: manifests[0].platform.architecture: required field is missing");
}

static void test_detect(void **state)
{
        const char *mt = NULL;
        const char *oci = "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}";
        assert_int_equal(img_manifest_detect(oci, strlen(oci), NULL, &mt, NULL), 0);
        assert_string_equal(mt, IMG_MEDIA_TYPE_OCI_MANIFEST);
        assert_int_equal(img_manifest_detect(manifest_list, strlen(manifest_list), NULL, &mt, NULL),
                         0);
        assert_string_equal(mt, IMG_MEDIA_TYPE_DOCKER_MANIFEST_LIST);
        assert_true(img_media_type_is_index(mt));
        assert_false(img_media_type_is_manifest(mt));
        assert_int_equal(img_media_type_layer_compression(IMG_MEDIA_TYPE_OCI_LAYER_ZSTD),
                         IMG_LAYER_TAR_ZSTD);
        assert_int_equal(img_media_type_layer_compression(IMG_MEDIA_TYPE_OCI_LAYER), IMG_LAYER_TAR);
        assert_int_equal(img_media_type_layer_compression(IMG_MEDIA_TYPE_DOCKER_CONFIG),
                         IMG_LAYER_UNKNOWN);
}

static void test_content_type_hints(void **state)
{
        const char *mt = NULL;
        const char *m = DOCKER_MANIFEST("");
        /* parameters are dropped, generic types ignored */
        assert_int_equal(img_manifest_detect(m, strlen(m),
                                             IMG_MEDIA_TYPE_DOCKER_MANIFEST "; charset=utf-8", &mt,
                                             NULL),
                         0);
        assert_string_equal(mt, IMG_MEDIA_TYPE_DOCKER_MANIFEST);
        const char *oci = "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}";
        assert_int_equal(img_manifest_detect(oci, strlen(oci), "application/json", &mt, NULL), 0);
        assert_string_equal(mt, IMG_MEDIA_TYPE_OCI_MANIFEST);
        /* without a mediaType field the hint decides */
        assert_int_equal(
            img_manifest_detect(oci, strlen(oci), IMG_MEDIA_TYPE_DOCKER_MANIFEST, &mt, NULL), 0);
        assert_string_equal(mt, IMG_MEDIA_TYPE_DOCKER_MANIFEST);
}

static void test_oci_manifest_extras(void **state)
{
        const char *in =
            "{\"schemaVersion\":2,\"mediaType\":\"" IMG_MEDIA_TYPE_OCI_MANIFEST "\","
            "\"artifactType\":\"application/"
            "x-sbom\",\"config\":{\"mediaType\":\"" IMG_MEDIA_TYPE_OCI_CONFIG
            "\",\"digest\":\"" DIGEST1 "\",\"size\":2},"
            "\"layers\":[{\"mediaType\":\"" IMG_MEDIA_TYPE_OCI_LAYER_ZSTD "\",\"digest\""
            ":\"" DIGEST1 "\",\"size\":3,\"urls\":[\"https://x/y\"],\"annotations\":"
            "{\"k\":\"v \\u0026 w\"}}],\"subject\":{\"mediaType\":\"" IMG_MEDIA_TYPE_OCI_MANIFEST
            "\",\"digest\":\"" DIGEST1 "\",\"size\":4},"
            "\"annotations\":{\"org.opencontainers.image.created\":\"now\"}}";
        _cleanup_manifest_ ImgManifest *m = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (img_manifest_parse(in, strlen(in), NULL, &m, &err) < 0)
                fail_msg("%s", err->message);
        assert_string_equal(m->artifact_type, "application/x-sbom");
        assert_string_equal(m->layers[0].urls[0], "https://x/y");
        assert_string_equal(img_strmap_get(m->layers[0].annotations, "k"), "v & w");
        assert_int_equal(m->subject->size, 4);
        _cleanup_free_ char *out = NULL;
        size_t n;
        assert_int_equal(img_manifest_to_json(m, &out, &n, NULL), 0);
        expect_same("OCI manifest", out, n, in, strlen(in));
}

static void test_archive_manifest_errors(void **state)
{
        _cleanup_archive_manifest_ ImgArchiveManifest *am = NULL;
        _cleanup_error_ BerthError *err = NULL;
        const char *evil = "[{\"Config\":\"a.json\",\"RepoTags\":null,\"Layers\":[\"x/layer.tar\","
                           "\"../../etc/passwd\"]}]";
        assert_int_equal(img_archive_manifest_parse(evil, strlen(evil), &am, &err), -EINVAL);
        assert_string_equal(
            err->message,
            "manifest.json: [0].Layers[1]: path '../../etc/passwd' leaves the archive");
        error_freep(&err);
        const char *abs = "[{\"Config\":\"/a.json\",\"Layers\":[]}]";
        assert_int_equal(img_archive_manifest_parse(abs, strlen(abs), &am, &err), -EINVAL);
        assert_string_equal(err->message,
                            "manifest.json: [0].Config: path '/a.json' leaves the archive");
        error_freep(&err);
        const char *obj = "{\"Config\":\"a\"}";
        assert_int_equal(img_archive_manifest_parse(obj, strlen(obj), &am, &err), -EINVAL);
        assert_string_equal(err->message, "manifest.json: expected an array, got an object");
        /* Docker 25+ layout: blobs/sha256/<hex> paths, no RepoTags */
        const char *ok =
            "[{\"Config\":\"blobs/sha256/" HEX64 "\",\"Layers\":[\"blobs/sha256/" HEX64 "\"]}]";
        assert_int_equal(img_archive_manifest_parse(ok, strlen(ok), &am, NULL), 0);
        assert_int_equal(strv_length(am->entries[0].repo_tags), 0);
}

static int group_setup(void **state)
{
        if (!find_fixtures())
                printf("# ../shared/fixtures not found: fixture tests will be skipped\n");
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_docker_save_fixture),
            cmocka_unit_test(test_docker_save_layers_hash_to_diff_ids),
            cmocka_unit_test(test_chain_ids),
            cmocka_unit_test(test_oci_fixture),
            cmocka_unit_test(test_oci_writers_roundtrip),
            cmocka_unit_test(test_docker_config_roundtrip),
            cmocka_unit_test(test_config_all_fields),
            cmocka_unit_test(test_config_writer_sorts_maps),
            cmocka_unit_test(test_config_errors),
            cmocka_unit_test(test_config_size_limit),
            cmocka_unit_test(test_manifest_bad_layer_digest),
            cmocka_unit_test(test_manifest_media_types),
            cmocka_unit_test(test_manifest_field_errors),
            cmocka_unit_test(test_json_error_one_line),
            cmocka_unit_test(test_manifest_size_limit),
            cmocka_unit_test(test_docker_manifest_writer),
            cmocka_unit_test(test_manifest_list),
            cmocka_unit_test(test_index_errors),
            cmocka_unit_test(test_detect),
            cmocka_unit_test(test_content_type_hints),
            cmocka_unit_test(test_oci_manifest_extras),
            cmocka_unit_test(test_archive_manifest_errors),
        };
        return cmocka_run_group_tests(tests, group_setup, NULL);
}
