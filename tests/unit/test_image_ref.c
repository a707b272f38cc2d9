/* Unit tests for image references (Docker's normalisation and messages) and digests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "image/digest.h"
#include "image/reference.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Parses with Docker's normalisation and checks the full string. */
static void expect_normalized(const char *in, const char *full, const char *familiar)
{
        _cleanup_reference_ ImgReference *ref = NULL;
        _cleanup_error_ BerthError *err = NULL;
        int r = img_reference_parse_normalized(in, &ref, &err);
        if (r < 0)
                fail_msg("'%s': %s", in, err->message);
        _cleanup_free_ char *s = img_reference_string(ref);
        _cleanup_free_ char *f = img_reference_familiar_string(ref);
        assert_string_equal(s, full);
        assert_string_equal(f, familiar);
}

static void expect_error(const char *in, const char *message)
{
        _cleanup_reference_ ImgReference *ref = NULL;
        _cleanup_error_ BerthError *err = NULL;
        int r = img_reference_parse_normalized(in, &ref, &err);
        if (r >= 0)
                fail_msg("'%s' parsed but should fail with '%s'", in, message);
        assert_int_equal(r, -EINVAL);
        assert_null(ref);
        assert_string_equal(err->message, message);
}

static void test_official_image(void **state)
{
        _cleanup_reference_ ImgReference *ref = NULL;
        assert_int_equal(img_reference_parse_docker("busybox", &ref, NULL), 0);
        assert_string_equal(ref->domain, "docker.io");
        assert_string_equal(ref->path, "library/busybox");
        assert_string_equal(ref->tag, "latest");
        assert_null(ref->digest);
        _cleanup_free_ char *s = img_reference_string(ref);
        _cleanup_free_ char *f = img_reference_familiar_string(ref);
        _cleanup_free_ char *n = img_reference_familiar_name(ref);
        assert_string_equal(s, "docker.io/library/busybox:latest");
        assert_string_equal(f, "busybox:latest");
        assert_string_equal(n, "busybox");
        /* ParseNormalizedNamed alone adds no tag */
        expect_normalized("busybox", "docker.io/library/busybox", "busybox");
}

static void test_user_image(void **state)
{
        expect_normalized("user/img", "docker.io/user/img", "user/img");
        expect_normalized("user/img:1.0", "docker.io/user/img:1.0", "user/img:1.0");
        expect_normalized("docker.io/user/img", "docker.io/user/img", "user/img");
        expect_normalized("docker.io/busybox", "docker.io/library/busybox", "busybox");
        expect_normalized("index.docker.io/busybox:1", "docker.io/library/busybox:1", "busybox:1");
        expect_normalized("org/sub/img", "docker.io/org/sub/img", "org/sub/img");
        /* only library/<name> is shortened */
        expect_normalized("docker.io/library/a/b", "docker.io/library/a/b", "library/a/b");
}

static void test_localhost_and_ports(void **state)
{
        _cleanup_reference_ ImgReference *ref = NULL;
        assert_int_equal(img_reference_parse_normalized("localhost:5000/x:tag", &ref, NULL), 0);
        assert_string_equal(ref->domain, "localhost:5000");
        assert_string_equal(ref->path, "x");
        assert_string_equal(ref->tag, "tag");
        expect_normalized("localhost:5000/x:tag", "localhost:5000/x:tag", "localhost:5000/x:tag");
        expect_normalized("localhost/x", "localhost/x", "localhost/x");
        expect_normalized("myhost:5000/img", "myhost:5000/img", "myhost:5000/img");
        /* no '.', ':' and not localhost: a Docker Hub user */
        expect_normalized("myhost/img", "docker.io/myhost/img", "myhost/img");
        /* a bare "name:port" is a name and a tag */
        expect_normalized("localhost:5000", "docker.io/library/localhost:5000", "localhost:5000");
        expect_normalized("[::1]:5000/foo:bar", "[::1]:5000/foo:bar", "[::1]:5000/foo:bar");
}

static void test_registry_digest(void **state)
{
        _cleanup_reference_ ImgReference *ref = NULL;
        const char *in = "registry.example.com/a/b@sha256:" HEX64;
        assert_int_equal(img_reference_parse_docker(in, &ref, NULL), 0);
        assert_string_equal(ref->domain, "registry.example.com");
        assert_string_equal(ref->path, "a/b");
        assert_null(ref->tag); /* no "latest" when a digest is given */
        assert_string_equal(ref->digest, "sha256:" HEX64);
        _cleanup_free_ char *s = img_reference_string(ref);
        assert_string_equal(s, in);
        _cleanup_free_ char *n = img_reference_name(ref);
        assert_string_equal(n, "registry.example.com/a/b");
}

static void test_tag_and_digest(void **state)
{
        expect_normalized("busybox:1.36@sha256:" HEX64,
                          "docker.io/library/busybox:1.36@sha256:" HEX64,
                          "busybox:1.36@sha256:" HEX64);
        /* ParseDockerRef keeps only the digest */
        _cleanup_reference_ ImgReference *ref = NULL;
        assert_int_equal(img_reference_parse_docker("busybox:1.36@sha256:" HEX64, &ref, NULL), 0);
        assert_null(ref->tag);
        _cleanup_free_ char *f = img_reference_familiar_string(ref);
        assert_string_equal(f, "busybox@sha256:" HEX64);
}

static void test_lowercase_rules(void **state)
{
        const char *msg = "invalid reference format: repository name must be lowercase";
        expect_error("Busybox", msg);
        expect_error("user/Img:tag", msg);
        expect_error("localhost/Foo", msg);
        expect_error("docker.io/Library/foo", msg);
        /* Docker 20.10: an uppercase first component without '.' is not a domain */
        expect_error("Foo/bar", msg);
        /* tags and domains may have uppercase */
        expect_normalized("busybox:TAG", "docker.io/library/busybox:TAG", "busybox:TAG");
        expect_normalized("Registry.Example.com/foo", "Registry.Example.com/foo",
                          "Registry.Example.com/foo");
}

static void test_invalid_format(void **state)
{
        const char *bad[] = {"",
                             "busybox:",
                             ":tag",
                             "a//b",
                             "-abc",
                             "busybox:-x",
                             "foo bar",
                             "busybox:latest:x",
                             "a/b/",
                             "/a",
                             "busybox@",
                             "busybox@sha256:abc",
                             "a..b",
                             "a___b",
                             "a._b",
                             "a-",
                             "busybox:a/b",
                             "host:/x",
                             "ex.com:abc/x",
                             ("x@y@sha256:" HEX64)};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                expect_error(bad[i], "invalid reference format");
}

static void test_separators(void **state)
{
        const char *good[] = {"a__b", "a-b", "a--b", "a.b", "a_b", "a0.b1-c2__d3", "x/y-z/w.v"};
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                _cleanup_reference_ ImgReference *ref = NULL;
                if (img_reference_parse_normalized(good[i], &ref, NULL) < 0)
                        fail_msg("'%s' should parse", good[i]);
        }
}

static void test_tag_grammar(void **state)
{
        char tag[200];
        memset(tag, 'a', sizeof(tag));
        tag[128] = '\0';
        assert_true(img_tag_is_valid(tag));
        tag[128] = 'a';
        tag[129] = '\0';
        assert_false(img_tag_is_valid(tag));
        assert_true(img_tag_is_valid("_tag"));
        assert_true(img_tag_is_valid("v1.2-rc_3"));
        assert_false(img_tag_is_valid(".tag"));
        assert_false(img_tag_is_valid("-tag"));
        assert_false(img_tag_is_valid(""));
        assert_false(img_tag_is_valid("a+b"));

        char ref[300];
        memset(tag, 'a', sizeof(tag));
        tag[128] = '\0';
        snprintf(ref, sizeof(ref), "busybox:%s", tag);
        _cleanup_reference_ ImgReference *r1 = NULL;
        assert_int_equal(img_reference_parse_normalized(ref, &r1, NULL), 0);
        snprintf(ref, sizeof(ref), "busybox:%sa", tag);
        expect_error(ref, "invalid reference format");
}

static void test_hex_id_refused(void **state)
{
        expect_error(HEX64, "invalid repository name (" HEX64
                            "), cannot specify 64-byte hexadecimal strings");
        assert_true(img_is_hex_id(HEX64));
        assert_false(img_is_hex_id("sha256:" HEX64));
        /* 63 hex characters are an ordinary name */
        char full[128];
        snprintf(full, sizeof(full), "docker.io/library/%s", &HEX64[1]);
        expect_normalized(&HEX64[1], full, &HEX64[1]);
}

static void test_name_too_long(void **state)
{
        char name[300];
        /* docker.io/library/ (18) + 237 = 255: allowed */
        memset(name, 'a', 237);
        name[237] = '\0';
        _cleanup_reference_ ImgReference *ref = NULL;
        assert_int_equal(img_reference_parse_normalized(name, &ref, NULL), 0);
        name[237] = 'a';
        name[238] = '\0';
        expect_error(name, "repository name must not be more than 255 characters");
}

static void test_digest_errors_in_reference(void **state)
{
        char hex63[64];
        memcpy(hex63, HEX64, 63);
        hex63[63] = '\0';
        char in[128];
        snprintf(in, sizeof(in), "busybox@sha256:%s", hex63);
        expect_error(in, "invalid checksum digest length");
        expect_error("busybox@md5:0123456789abcdef0123456789abcdef",
                     "unsupported digest algorithm");
}

static void test_parse_without_normalisation(void **state)
{
        _cleanup_reference_ ImgReference *a = NULL, *b = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_reference_parse("foo/bar:1", &a, NULL), 0);
        assert_string_equal(a->domain, "foo");
        assert_string_equal(a->path, "bar");
        assert_int_equal(img_reference_parse("foo", &b, NULL), 0);
        assert_string_equal(b->domain, "");
        assert_string_equal(b->path, "foo");
        _cleanup_free_ char *s = img_reference_string(b);
        assert_string_equal(s, "foo");
        ImgReference *c = NULL;
        assert_int_equal(img_reference_parse("", &c, &err), -EINVAL);
        assert_string_equal(err->message, "repository name must have at least one component");
        error_freep(&err);
        assert_int_equal(img_reference_parse("Foo", &c, &err), -EINVAL);
        assert_string_equal(err->message, "repository name must be lowercase");
}

/* ---- digests ---- */

static void test_digest_parse_valid(void **state)
{
        ImgDigest d;
        assert_int_equal(img_digest_parse("sha256:" HEX64, &d, NULL), 0);
        assert_int_equal(d.algo, IMG_DIGEST_SHA256);
        assert_string_equal(img_digest_hex(&d), HEX64);
        assert_int_equal(img_digest_parse("sha512:" HEX64 HEX64, &d, NULL), 0);
        assert_int_equal(d.algo, IMG_DIGEST_SHA512);
        assert_string_equal(img_digest_hex(&d), HEX64 HEX64);
}

static void expect_digest_error(const char *in, const char *msg)
{
        _cleanup_error_ BerthError *err = NULL;
        ImgDigest d;
        assert_int_equal(img_digest_parse(in, &d, &err), -EINVAL);
        assert_string_equal(err->message, msg);
        assert_false(img_digest_is_valid(in));
}

static void test_digest_parse_invalid(void **state)
{
        expect_digest_error("sha256:zz",
                            "invalid digest 'sha256:zz': invalid checksum digest length");
        expect_digest_error(
            "sha256:"
            "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
            "invalid digest 'sha256:ABCDEF0123456789abcdef0123456789abcdef0123456789"
            "abcdef0123456789': invalid checksum digest format");
        expect_digest_error("md5:abc", "invalid digest 'md5:abc': unsupported digest algorithm");
        expect_digest_error("sha256", "invalid digest 'sha256': invalid checksum digest format");
        expect_digest_error(":abc", "invalid digest ':abc': invalid checksum digest format");
        expect_digest_error("sha256:", "invalid digest 'sha256:': invalid checksum digest format");
        expect_digest_error("SHA256:" HEX64,
                            "invalid digest 'SHA256:" HEX64 "': invalid checksum digest format");
        expect_digest_error("sha512:" HEX64,
                            "invalid digest 'sha512:" HEX64 "': invalid checksum digest length");
}

/* untrusted text in messages is escaped and cut, so errors stay one line */
static void test_digest_error_quoting(void **state)
{
        expect_digest_error("sha256:ab\ncd", "invalid digest 'sha256:ab\\x0acd': invalid checksum "
                                             "digest length");
        char big[1000];
        memset(big, 'a', sizeof(big));
        memcpy(big, "md5:", 4);
        big[sizeof(big) - 1] = '\0';
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(img_digest_parse(big, NULL, &err), -EINVAL);
        assert_true(strlen(err->message) < 220);
        assert_non_null(strstr(err->message, "...': unsupported digest algorithm"));
}

static void test_hasher_vectors(void **state)
{
        ImgDigest d, e;
        assert_int_equal(img_digest_buffer(IMG_DIGEST_SHA256, "abc", 3, &d), 0);
        assert_string_equal(d.str, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff"
                                   "61f20015ad");
        assert_int_equal(img_digest_buffer(IMG_DIGEST_SHA512, "abc", 3, &d), 0);
        assert_string_equal(d.str, "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eee"
                                   "e64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9"
                                   "ac94fa54ca49f");
        assert_int_equal(img_digest_buffer(IMG_DIGEST_SHA256, "", 0, &d), 0);
        assert_string_equal(d.str, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca49599"
                                   "1b7852b855");
        /* streaming in uneven chunks gives the one-shot result */
        char buf[10000];
        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (char)(i * 7);
        ImgHasher *h = NULL;
        assert_int_equal(img_hasher_new(IMG_DIGEST_SHA256, &h), 0);
        for (size_t off = 0, step = 1; off < sizeof(buf); off += step, step = step * 3 + 1)
                assert_int_equal(
                    img_hasher_update(h, buf + off,
                                      off + step > sizeof(buf) ? sizeof(buf) - off : step),
                    0);
        assert_int_equal(img_hasher_final(h, &d), 0);
        assert_int_equal(img_hasher_update(h, "x", 1), -EINVAL);
        img_hasher_free(h);
        assert_int_equal(img_digest_buffer(IMG_DIGEST_SHA256, buf, sizeof(buf), &e), 0);
        assert_true(img_digest_equal(&d, &e));
}

static void test_digest_fd(void **state)
{
        char path[] = "/tmp/berth-digest-XXXXXX";
        int fd = mkostemp(path, O_CLOEXEC);
        assert_true(fd >= 0);
        unlink(path);
        assert_int_equal(write(fd, "abc", 3), 3);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        ImgDigest d;
        uint64_t size = 0;
        assert_int_equal(img_digest_fd(IMG_DIGEST_SHA256, fd, &d, &size, NULL), 0);
        assert_int_equal(size, 3);
        assert_string_equal(d.str, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff"
                                   "61f20015ad");
        close(fd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_official_image),
            cmocka_unit_test(test_user_image),
            cmocka_unit_test(test_localhost_and_ports),
            cmocka_unit_test(test_registry_digest),
            cmocka_unit_test(test_tag_and_digest),
            cmocka_unit_test(test_lowercase_rules),
            cmocka_unit_test(test_invalid_format),
            cmocka_unit_test(test_separators),
            cmocka_unit_test(test_tag_grammar),
            cmocka_unit_test(test_hex_id_refused),
            cmocka_unit_test(test_name_too_long),
            cmocka_unit_test(test_digest_errors_in_reference),
            cmocka_unit_test(test_parse_without_normalisation),
            cmocka_unit_test(test_digest_parse_valid),
            cmocka_unit_test(test_digest_parse_invalid),
            cmocka_unit_test(test_digest_error_quoting),
            cmocka_unit_test(test_hasher_vectors),
            cmocka_unit_test(test_digest_fd),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
