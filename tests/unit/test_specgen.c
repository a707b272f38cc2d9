/* Unit tests for specgen: from a Docker create request and an image config
 * to the OCI config, compared with what Docker does for the same request.
 * Every generated spec must also pass our own runtime's parser and
 * validator (src/runtime/spec.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "daemon/specgen.h"
#include "daemon/specgen_internal.h"
#include "runtime/caps.h"
#include "runtime/spec.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef struct Fixture {
        char dir[64];
        char rootfs[128];
        char cdir[128];
        char resolv[128];
} Fixture;

static void put(const char *dir, const char *name, const char *text)
{
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        assert_int_equal(write_file_atomic(p, text, strlen(text), 0644, NULL), 0);
}

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(*f));
        strcpy(f->dir, "/tmp/test_specgen.XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->rootfs, sizeof(f->rootfs), "%s/rootfs", f->dir);
        snprintf(f->cdir, sizeof(f->cdir), "%s/container", f->dir);
        snprintf(f->resolv, sizeof(f->resolv), "%s/host-resolv.conf", f->dir);
        char etc[160];
        snprintf(etc, sizeof(etc), "%s/etc", f->rootfs);
        if (mkdir_p(etc, 0755, NULL) < 0 || mkdir_p(f->cdir, 0755, NULL) < 0)
                return -1;
        put(f->rootfs, "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\n"
            "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
            "# a comment\n"
            "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
            "bob:x:1001:100:Bob:/home/bob:/bin/sh\n");
        put(f->rootfs, "etc/group",
            "root:x:0:\n"
            "daemon:x:1:\n"
            "users:x:100:alice\n"
            "alice:x:1000:\n"
            "audio:x:29:alice,bob\n"
            "video:x:44:\n");
        put(f->dir, "host-resolv.conf",
            "# host file\nnameserver 127.0.0.53\nsearch example.org\noptions edns0\n");
        sg_host_resolv_conf = strdup(f->resolv);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;
        rm_rf(f->dir, NULL);
        free((char *)sg_host_resolv_conf);
        sg_host_resolv_conf = "/etc/resolv.conf";
        free(f);
        return 0;
}

static json_t *parse(const char *text)
{
        json_error_t e;
        json_t *j = json_loads(text, 0, &e);
        if (!j)
                fail_msg("bad JSON in test: %s: %s", text, e.text);
        return j;
}

typedef struct Built {
        json_t *request;
        json_t *config;
        json_t *spec;
        BerthError *err;
        int r;
} Built;

static void built_free(Built *b)
{
        json_decref(b->request);
        json_decref(b->config);
        json_decref(b->spec);
        error_free(b->err);
}

static int fake_resolver(void *userdata, const char *container, const char *ns_type,
                         char **ret_path, BerthError **err)
{
        if (STREQ(container, "missing"))
                return error_set(err, ENOENT, "No such container: %s", container);
        return asprintf(ret_path, "/proc/4242/ns/%s", ns_type) < 0 ? -ENOMEM : 0;
}

/* Validates, merges with image and builds; the spec must pass the runtime's
 * parser and validator whenever building succeeds. */
static Built build_with(Fixture *f, const char *request, const char *image)
{
        Built b = {0};
        b.request = parse(request);
        _cleanup_json_ json_t *img = image ? parse(image) : NULL;
        b.r = specgen_validate(b.request, &b.err);
        if (b.r < 0)
                return b;
        b.r = specgen_merge_config(b.request, img, &b.config, &b.err);
        if (b.r < 0)
                return b;
        SpecgenInput in = {
            .id = ID,
            .name = "test",
            .request = b.request,
            .config = b.config,
            .image_config = img,
            .rootfs = f->rootfs,
            .container_dir = f->cdir,
            .cgroup_parent = "",
            .init_path = "/usr/libexec/berth/berth-init",
            .netns_path = NULL,
            .resolve_ns = fake_resolver,
        };
        b.r = specgen_build(&in, &b.spec, &b.err);
        if (b.r < 0)
                return b;
        _cleanup_spec_ RtSpec *spec = NULL;
        BerthError *perr = NULL;
        int r = rt_spec_parse(b.spec, "config.json", &spec, &perr);
        if (r < 0)
                fail_msg("generated spec does not parse: %s", perr->message);
        r = rt_spec_validate(spec, &perr);
        if (r < 0)
                fail_msg("generated spec is not valid: %s", perr->message);
        return b;
}

static Built build(Fixture *f, const char *request)
{
        return build_with(f, request, NULL);
}

static void assert_ok(Built *b)
{
        if (b->r < 0)
                fail_msg("unexpected error %d: %s", b->r, b->err ? b->err->message : "(none)");
}

static void assert_err(Built *b, const char *msg)
{
        assert_int_equal(b->r, -EINVAL);
        assert_non_null(b->err);
        if (!strstr(b->err->message, msg))
                fail_msg("error '%s' does not contain '%s'", b->err->message, msg);
}

static json_t *path_get(json_t *j, const char *path)
{
        char buf[256];
        snprintf(buf, sizeof(buf), "%s", path);
        char *save = NULL;
        for (char *k = strtok_r(buf, ".", &save); k && j; k = strtok_r(NULL, ".", &save)) {
                if (json_is_array(j))
                        j = json_array_get(j, (size_t)atoi(k));
                else
                        j = json_object_get(j, k);
        }
        return j;
}

static const char *path_str(json_t *j, const char *path)
{
        return json_string_value(path_get(j, path));
}

static bool strv_json_has(json_t *arr, const char *s)
{
        size_t i;
        json_t *v;
        json_array_foreach(arr, i,
                           v) if (json_is_string(v) && STREQ(json_string_value(v), s)) return true;
        return false;
}

static json_t *find_mount(json_t *spec, const char *dest)
{
        size_t i;
        json_t *m;
        json_array_foreach(
            json_object_get(spec, "mounts"), i,
            m) if (STREQ(json_string_value(json_object_get(m, "destination")), dest)) return m;
        return NULL;
}

static const char *env_get(json_t *spec, const char *key)
{
        size_t i, n = strlen(key);
        json_t *v;
        json_array_foreach(path_get(spec, "process.env"), i, v)
        {
                const char *e = json_string_value(v);
                if (strncmp(e, key, n) == 0 && e[n] == '=')
                        return e + n + 1;
        }
        return NULL;
}

static char *args_joined(json_t *spec)
{
        static char buf[512];
        buf[0] = '\0';
        size_t i;
        json_t *v;
        json_array_foreach(path_get(spec, "process.args"), i, v)
        {
                if (i)
                        strcat(buf, " ");
                strcat(buf, json_string_value(v));
        }
        return buf;
}

/* ---- merge: Cmd / Entrypoint / Env ---- */

static void test_cmd_entrypoint_rules(void **state)
{
        Fixture *f = *state;
        const char *img = "{\"architecture\":\"amd64\",\"rootfs\":{},\"config\":{"
                          "\"Entrypoint\":[\"/ep\",\"x\"],\"Cmd\":[\"img-cmd\"],"
                          "\"Env\":[\"PATH=/img/bin\",\"A=img\",\"B=img\"],"
                          "\"WorkingDir\":\"/srv\",\"User\":\"daemon\","
                          "\"Labels\":{\"l1\":\"img\",\"l2\":\"img\"},"
                          "\"ExposedPorts\":{\"80/tcp\":{}},\"StopSignal\":\"SIGQUIT\"}}";
        static const struct {
                const char *request;
                const char *args;
        } cases[] = {
            /* image defaults */
            {"{\"Image\":\"i\"}", "/ep x img-cmd"},
            /* request Cmd overrides image Cmd, keeps the image Entrypoint */
            {"{\"Image\":\"i\",\"Cmd\":[\"a\",\"b\"]}", "/ep x a b"},
            /* request Entrypoint overrides and resets the image Cmd */
            {"{\"Image\":\"i\",\"Entrypoint\":[\"/bin/sh\"]}", "/bin/sh"},
            {"{\"Image\":\"i\",\"Entrypoint\":[\"/bin/sh\"],\"Cmd\":[\"-c\",\"x\"]}",
             "/bin/sh -c x"},
            /* Entrypoint [""] clears the image Entrypoint (and its Cmd) */
            {"{\"Image\":\"i\",\"Entrypoint\":[\"\"],\"Cmd\":[\"ls\"]}", "ls"},
            /* a lone string is a one-element strslice */
            {"{\"Image\":\"i\",\"Entrypoint\":\"/bin/true\"}", "/bin/true"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                Built b = build_with(f, cases[i].request, img);
                assert_ok(&b);
                assert_string_equal(args_joined(b.spec), cases[i].args);
                built_free(&b);
        }
        /* [""] without Cmd: nothing to run */
        Built b = build_with(f, "{\"Image\":\"i\",\"Entrypoint\":[\"\"]}", img);
        assert_err(&b, "no command specified");
        built_free(&b);
        b = build(f, "{\"Image\":\"i\"}");
        assert_err(&b, "no command specified");
        built_free(&b);
}

static void test_merge_config(void **state)
{
        Fixture *f = *state;
        const char *img = "{\"config\":{\"Cmd\":[\"sh\"],"
                          "\"Env\":[\"PATH=/img/bin\",\"A=img\",\"B=img\"],"
                          "\"WorkingDir\":\"/srv\",\"User\":\"daemon\","
                          "\"Labels\":{\"l1\":\"img\",\"l2\":\"img\"},"
                          "\"ExposedPorts\":{\"80/tcp\":{}},\"StopSignal\":\"SIGQUIT\","
                          "\"Volumes\":{\"/data\":{}},"
                          "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":5000000000}}}";
        Built b = build_with(f,
                             "{\"Image\":\"busybox\",\"Env\":[\"A=req\",\"C=req\"],"
                             "\"Labels\":{\"l1\":\"req\"},\"ExposedPorts\":{\"53/udp\":{}},"
                             "\"Healthcheck\":{\"Retries\":3}}",
                             img);
        assert_ok(&b);
        json_t *c = b.config;
        /* Env: request first, image keys not in the request appended */
        json_t *env = json_object_get(c, "Env");
        assert_int_equal(json_array_size(env), 4);
        assert_string_equal(path_str(c, "Env.0"), "A=req");
        assert_string_equal(path_str(c, "Env.1"), "C=req");
        assert_string_equal(path_str(c, "Env.2"), "PATH=/img/bin");
        assert_string_equal(path_str(c, "Env.3"), "B=img");
        assert_string_equal(path_str(c, "Labels.l1"), "req");
        assert_string_equal(path_str(c, "Labels.l2"), "img");
        assert_non_null(path_get(c, "ExposedPorts.80/tcp"));
        assert_non_null(path_get(c, "ExposedPorts.53/udp"));
        assert_string_equal(path_str(c, "WorkingDir"), "/srv");
        assert_string_equal(path_str(c, "User"), "daemon");
        assert_string_equal(path_str(c, "StopSignal"), "SIGQUIT");
        assert_string_equal(path_str(c, "Image"), "busybox");
        assert_non_null(path_get(c, "Volumes./data"));
        assert_int_equal(json_integer_value(path_get(c, "Healthcheck.Retries")), 3);
        assert_int_equal(json_integer_value(path_get(c, "Healthcheck.Interval")), 5000000000LL);
        assert_string_equal(path_str(c, "Healthcheck.Test.1"), "true");
        /* Hostname: the first 12 of the id, written back into Config */
        assert_string_equal(path_str(c, "Hostname"), "0123456789ab");
        /* process env: PATH from the image wins over the default */
        assert_string_equal(env_get(b.spec, "PATH"), "/img/bin");
        assert_string_equal(env_get(b.spec, "HOSTNAME"), "0123456789ab");
        assert_string_equal(env_get(b.spec, "A"), "req");
        assert_null(env_get(b.spec, "TERM"));
        assert_string_equal(path_str(b.spec, "process.cwd"), "/srv");
        /* the working directory was created in the rootfs */
        char wd[256];
        snprintf(wd, sizeof(wd), "%s/srv", f->rootfs);
        struct stat st;
        assert_int_equal(stat(wd, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        /* user daemon: uid 1, gid 1 */
        assert_int_equal(json_integer_value(path_get(b.spec, "process.user.uid")), 1);
        assert_int_equal(json_integer_value(path_get(b.spec, "process.user.gid")), 1);
        built_free(&b);
}

static void test_env_defaults(void **state)
{
        Fixture *f = *state;
        Built b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"Tty\":true,\"Hostname\":\"web\","
                           "\"Domainname\":\"example.com\",\"Env\":[\"HOSTNAME=mine\"]}");
        assert_ok(&b);
        assert_string_equal(env_get(b.spec, "PATH"), SG_DEFAULT_PATH);
        assert_string_equal(env_get(b.spec, "TERM"), "xterm");
        assert_string_equal(env_get(b.spec, "HOSTNAME"), "mine");
        assert_string_equal(path_str(b.spec, "hostname"), "web");
        assert_string_equal(path_str(b.spec, "domainname"), "example.com");
        assert_true(json_is_true(path_get(b.spec, "process.terminal")));
        assert_string_equal(path_str(b.spec, "process.cwd"), "/");
        assert_int_equal(json_integer_value(path_get(b.spec, "process.user.uid")), 0);
        built_free(&b);
}

/* ---- defaults ---- */

static void test_default_spec(void **state)
{
        Fixture *f = *state;
        Built b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"]}");
        assert_ok(&b);
        json_t *s = b.spec;
        assert_string_equal(path_str(s, "hostname"), "0123456789ab");
        assert_string_equal(path_str(s, "linux.cgroupsPath"), "/berth/" ID);
        assert_string_equal(path_str(s, "root.path"), f->rootfs);
        assert_false(json_is_true(path_get(s, "root.readonly")));
        /* Docker's 14 default capabilities, bounded by ours */
        static const char *const defaults[] = {
            "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
            "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
            "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
            "CAP_KILL",    "CAP_AUDIT_WRITE"};
        uint64_t have = rt_cap_bounding_mask();
        size_t expect = 0;
        json_t *bounding = path_get(s, "process.capabilities.bounding");
        for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
                bool held = have & (1ULL << rt_cap_from_name(defaults[i]));
                assert_int_equal(strv_json_has(bounding, defaults[i]), held);
                expect += held;
        }
        assert_int_equal(json_array_size(bounding), expect);
        assert_true(json_equal(bounding, path_get(s, "process.capabilities.effective")));
        assert_true(json_equal(bounding, path_get(s, "process.capabilities.permitted")));
        assert_null(path_get(s, "process.capabilities.inheritable"));
        /* mounts as Docker's, in its order, plus the etc binds */
        static const char *const dests[] = {
            "/proc",       "/dev",     "/dev/pts",         "/sys",          "/sys/fs/cgroup",
            "/dev/mqueue", "/dev/shm", "/etc/resolv.conf", "/etc/hostname", "/etc/hosts"};
        json_t *mounts = json_object_get(s, "mounts");
        assert_int_equal(json_array_size(mounts), ARRAY_SIZE(dests));
        for (size_t i = 0; i < ARRAY_SIZE(dests); i++)
                assert_string_equal(path_str(json_array_get(mounts, i), "destination"), dests[i]);
        json_t *shm = find_mount(s, "/dev/shm");
        assert_true(strv_json_has(json_object_get(shm, "options"), "size=67108864"));
        assert_true(strv_json_has(path_get(find_mount(s, "/dev/pts"), "options"), "gid=5"));
        assert_true(strv_json_has(path_get(find_mount(s, "/sys"), "options"), "ro"));
        assert_true(strv_json_has(path_get(find_mount(s, "/sys/fs/cgroup"), "options"), "ro"));
        json_t *hosts = find_mount(s, "/etc/hosts");
        char src[256];
        snprintf(src, sizeof(src), "%s/hosts", f->cdir);
        assert_string_equal(path_str(hosts, "source"), src);
        assert_string_equal(path_str(hosts, "options.0"), "rbind");
        assert_string_equal(path_str(hosts, "options.1"), "rprivate");
        /* masked and read-only paths */
        json_t *masked = path_get(s, "linux.maskedPaths");
        assert_true(strv_json_has(masked, "/proc/kcore"));
        assert_true(strv_json_has(masked, "/proc/keys"));
        assert_true(strv_json_has(masked, "/sys/firmware"));
        assert_true(strv_json_has(masked, "/proc/interrupts"));
        json_t *ro = path_get(s, "linux.readonlyPaths");
        assert_int_equal(json_array_size(ro), 5);
        assert_true(strv_json_has(ro, "/proc/sysrq-trigger"));
        /* namespaces: mount, network, uts, pid, ipc (no cgroup on v1) */
        json_t *nss = path_get(s, "linux.namespaces");
        size_t n = json_array_size(nss);
        bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
        assert_int_equal(n, v2 ? 6 : 5);
        /* seccomp: Docker's default profile */
        assert_string_equal(path_str(s, "linux.seccomp.defaultAction"), "SCMP_ACT_ERRNO");
        assert_int_equal(json_integer_value(path_get(s, "linux.seccomp.defaultErrnoRet")), 1);
        assert_true(json_array_size(path_get(s, "linux.seccomp.syscalls")) > 10);
        /* device rules: deny all, then Docker's allowed ones */
        json_t *rules = path_get(s, "linux.resources.devices");
        assert_int_equal(json_array_size(rules), 8);
        assert_false(json_is_true(path_get(rules, "0.allow")));
        assert_int_equal(json_integer_value(path_get(rules, "7.minor")), 229);
        /* oom score and memory defaults */
        assert_int_equal(json_integer_value(path_get(s, "process.oomScoreAdj")), 0);
        assert_false(json_is_true(path_get(s, "linux.resources.memory.disableOOMKiller")));
        assert_null(path_get(s, "linux.resources.memory.limit"));
        /* default sysctls for a private network namespace */
        if (access("/proc/sys/net/ipv4/ip_unprivileged_port_start", F_OK) == 0)
                assert_string_equal(
                    json_string_value(json_object_get(path_get(s, "linux.sysctl"),
                                                      "net.ipv4.ip_unprivileged_port_start")),
                    "0");
        /* RLIMIT_NOFILE: Docker's 1048576, bounded by our own hard limit */
        struct rlimit own;
        assert_int_equal(getrlimit(RLIMIT_NOFILE, &own), 0);
        json_t *rl = path_get(s, "process.rlimits.0");
        assert_string_equal(path_str(rl, "type"), "RLIMIT_NOFILE");
        uint64_t hard = (uint64_t)json_integer_value(json_object_get(rl, "hard"));
        assert_true(hard <= own.rlim_max);
        assert_true(hard == 1048576 || hard == own.rlim_max);
        assert_false(json_is_true(path_get(s, "process.noNewPrivileges")));
        built_free(&b);
}

/* ---- capabilities ---- */

static void test_capabilities(void **state)
{
        Fixture *f = *state;
        uint64_t have = rt_cap_bounding_mask();
        static const struct {
                const char *hc;
                const char *present[4];
                const char *absent[4];
        } cases[] = {
            {"{\"CapAdd\":[\"NET_ADMIN\"],\"CapDrop\":[\"chown\"]}",
             {"CAP_NET_ADMIN", "CAP_KILL"},
             {"CAP_CHOWN"}},
            {"{\"CapAdd\":[\"cap_sys_ptrace\"]}",
             {"CAP_SYS_PTRACE", "CAP_CHOWN"},
             {"CAP_SYS_ADMIN"}},
            {"{\"CapDrop\":[\"ALL\"],\"CapAdd\":[\"Kill\"]}",
             {"CAP_KILL"},
             {"CAP_CHOWN", "CAP_SETUID"}},
            {"{\"CapAdd\":[\"all\"],\"CapDrop\":[\"MKNOD\"]}",
             {"CAP_SYS_ADMIN", "CAP_NET_ADMIN"},
             {"CAP_MKNOD"}},
            /* never more than the engine holds */
            {"{\"CapAdd\":[\"SYS_RESOURCE\"]}", {"CAP_CHOWN"}, {NULL}},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char req[512];
                snprintf(req, sizeof(req), "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":%s}",
                         cases[i].hc);
                Built b = build(f, req);
                assert_ok(&b);
                json_t *bounding = path_get(b.spec, "process.capabilities.bounding");
                for (size_t k = 0; k < 4 && cases[i].present[k]; k++)
                        if (have & (1ULL << rt_cap_from_name(cases[i].present[k])))
                                assert_true(strv_json_has(bounding, cases[i].present[k]));
                for (size_t k = 0; k < 4 && cases[i].absent[k]; k++)
                        assert_false(strv_json_has(bounding, cases[i].absent[k]));
                size_t j;
                json_t *v;
                json_array_foreach(bounding, j, v)
                    assert_true(have & (1ULL << rt_cap_from_name(json_string_value(v))));
                built_free(&b);
        }
        Built b =
            build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"CapAdd\":[\"FOO\"]}}");
        assert_err(&b, "invalid CapAdd: unknown capability: \"CAP_FOO\"");
        built_free(&b);
        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"CapDrop\":[\"bar\"]}}");
        assert_err(&b, "invalid CapDrop: unknown capability: \"CAP_BAR\"");
        built_free(&b);
}

static void test_devices_annotations(void **state)
{
        Fixture *f = *state;
        Built b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{"
                           "\"DeviceCgroupRules\":[\"c 1:3 rw\",\"b *:* m\",\"c 10:*\"],"
                           "\"Devices\":[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":"
                           "\"/dev/mynull\",\"CgroupPermissions\":\"rw\"}],"
                           "\"Annotations\":{\"org.example\":\"yes\"}}}");
        assert_ok(&b);
        json_t *rules = path_get(b.spec, "linux.resources.devices");
        /* 8 defaults, the device's own rule, then the 3 cgroup rules */
        assert_int_equal(json_array_size(rules), 12);
        assert_string_equal(path_str(rules, "8.access"), "rw");
        assert_int_equal(json_integer_value(path_get(rules, "8.major")), 1);
        assert_int_equal(json_integer_value(path_get(rules, "8.minor")), 3);
        assert_string_equal(path_str(rules, "9.access"), "rw");
        assert_string_equal(path_str(rules, "10.type"), "b");
        assert_null(path_get(rules, "10.major"));
        assert_string_equal(path_str(rules, "10.access"), "m");
        assert_int_equal(json_integer_value(path_get(rules, "11.major")), 10);
        assert_null(path_get(rules, "11.minor"));
        assert_string_equal(path_str(b.spec, "linux.devices.0.path"), "/dev/mynull");
        assert_string_equal(path_str(b.spec, "linux.devices.0.type"), "c");
        json_t *ann = json_object_get(b.spec, "annotations");
        assert_string_equal(json_string_value(json_object_get(ann, "org.example")), "yes");
        built_free(&b);

        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{"
                     "\"DeviceCgroupRules\":[\"x 1:3 rwm\"]}}");
        assert_err(&b, "invalid device cgroup format 'x 1:3 rwm'");
        built_free(&b);
        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{"
                     "\"DeviceCgroupRules\":[\"c 1:3 rwx\"]}}");
        assert_err(&b, "invalid device cgroup format");
        built_free(&b);
        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{"
                     "\"Annotations\":{\"\":\"x\"}}}");
        assert_err(&b, "invalid Annotations: the empty string is not permitted");
        built_free(&b);
}

static void test_privileged(void **state)
{
        Fixture *f = *state;
        Built b =
            build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"Privileged\":true}}");
        assert_ok(&b);
        json_t *s = b.spec;
        uint64_t have = rt_cap_bounding_mask();
        size_t n = 0;
        for (int c = 0; c <= rt_cap_last(); c++)
                n += (have >> c) & 1;
        assert_int_equal(json_array_size(path_get(s, "process.capabilities.bounding")), n);
        assert_null(path_get(s, "linux.seccomp"));
        assert_null(path_get(s, "linux.maskedPaths"));
        assert_null(path_get(s, "linux.readonlyPaths"));
        assert_false(strv_json_has(path_get(find_mount(s, "/sys"), "options"), "ro"));
        assert_false(strv_json_has(path_get(find_mount(s, "/sys/fs/cgroup"), "options"), "ro"));
        assert_true(json_array_size(path_get(s, "linux.devices")) > 0);
        json_t *rules = path_get(s, "linux.resources.devices");
        assert_int_equal(json_array_size(rules), 1);
        assert_true(json_is_true(path_get(rules, "0.allow")));
        built_free(&b);
}

/* ---- security options and seccomp ---- */

static void test_security_opts(void **state)
{
        Fixture *f = *state;
        Built b =
            build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"SecurityOpt\":["
                     "\"no-new-privileges\",\"seccomp=unconfined\",\"apparmor=docker-default\","
                     "\"label=disable\"]}}");
        assert_ok(&b);
        assert_true(json_is_true(path_get(b.spec, "process.noNewPrivileges")));
        assert_null(path_get(b.spec, "linux.seccomp"));
        built_free(&b);

        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"SecurityOpt\":["
                     "\"no-new-privileges:true\",\"no-new-privileges=false\"]}}");
        assert_ok(&b);
        assert_false(json_is_true(path_get(b.spec, "process.noNewPrivileges")));
        built_free(&b);

        /* seccomp=<profile JSON>, as the docker client sends it */
        b = build(
            f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"SecurityOpt\":["
               "\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\",\\\"archMap\\\":[{"
               "\\\"architecture\\\":\\\"SCMP_ARCH_X86_64\\\",\\\"subArchitectures\\\":["
               "\\\"SCMP_ARCH_X86\\\"]}],\\\"syscalls\\\":[{\\\"names\\\":[\\\"mkdir\\\"],"
               "\\\"action\\\":\\\"SCMP_ACT_ERRNO\\\",\\\"errnoRet\\\":1},{\\\"name\\\":"
               "\\\"reboot\\\",\\\"action\\\":\\\"SCMP_ACT_ERRNO\\\"},{\\\"names\\\":[\\\"bpf\\\"],"
               "\\\"action\\\":\\\"SCMP_ACT_ERRNO\\\",\\\"includes\\\":{\\\"caps\\\":["
               "\\\"CAP_SYS_ADMIN\\\"]}}]}\"]}}");
        assert_ok(&b);
        json_t *sc = path_get(b.spec, "linux.seccomp");
        assert_string_equal(path_str(sc, "defaultAction"), "SCMP_ACT_ALLOW");
        assert_int_equal(json_array_size(path_get(sc, "syscalls")), 2);
        assert_string_equal(path_str(sc, "syscalls.1.names.0"), "reboot");
        assert_null(path_get(sc, "syscalls.0.includes"));
#if defined(__x86_64__)
        assert_string_equal(path_str(sc, "architectures.0"), "SCMP_ARCH_X86_64");
        assert_string_equal(path_str(sc, "architectures.1"), "SCMP_ARCH_X86");
#endif
        built_free(&b);

        static const struct {
                const char *opt, *msg;
        } bad[] = {
            {"foo", "invalid --security-opt 1: \\\"foo\\\""},
            {"no-new-privileges=maybe", "invalid --security-opt 2"},
            {"bogus=1", "invalid --security-opt 2: \\\"bogus=1\\\""},
            {"seccomp={not json", "Decoding seccomp profile failed"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                char req[256];
                snprintf(req, sizeof(req),
                         "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"SecurityOpt\":"
                         "[\"%s\"]}}",
                         bad[i].opt);
                Built e = build(f, req);
                char msg[128];
                /* un-escape the expected text */
                size_t k = 0;
                for (const char *p = bad[i].msg; *p && k + 1 < sizeof(msg); p++)
                        if (*p != '\\')
                                msg[k++] = *p;
                msg[k] = '\0';
                assert_err(&e, msg);
                built_free(&e);
        }
}

static bool seccomp_allows(json_t *sc, const char *name)
{
        size_t i, j;
        json_t *r, *n;
        json_array_foreach(json_object_get(sc, "syscalls"), i, r)
        {
                if (!STREQ(json_string_value(json_object_get(r, "action")), "SCMP_ACT_ALLOW") ||
                    json_object_get(r, "args"))
                        continue;
                json_array_foreach(json_object_get(r, "names"), j,
                                   n) if (STREQ(json_string_value(n), name)) return true;
        }
        return false;
}

static void test_default_seccomp_caps(void **state)
{
        const char *base[] = {"CAP_CHOWN", NULL};
        const char *admin[] = {"CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_SYS_PTRACE", NULL};
        _cleanup_json_ json_t *a = specgen_default_seccomp(base);
        _cleanup_json_ json_t *b = specgen_default_seccomp(admin);
        assert_non_null(a);
        assert_non_null(b);
        assert_true(seccomp_allows(a, "read"));
        assert_true(seccomp_allows(a, "ptrace")); /* minKernel 4.8 */
        assert_false(seccomp_allows(a, "mount"));
        assert_true(seccomp_allows(b, "mount"));
        assert_false(seccomp_allows(a, "kcmp"));
        assert_true(seccomp_allows(b, "kcmp"));
#if defined(__x86_64__)
        assert_true(seccomp_allows(a, "arch_prctl"));
        assert_false(seccomp_allows(a, "s390_runtime_instr"));
        assert_int_equal(json_array_size(json_object_get(a, "architectures")), 3);
#endif
        /* clone3 gets ENOSYS without CAP_SYS_ADMIN, is allowed with it */
        bool enosys = false;
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(a, "syscalls"), i, r)
        {
                if (STREQ(json_string_value(path_get(r, "names.0")), "clone3") &&
                    json_integer_value(json_object_get(r, "errnoRet")) == 38)
                        enosys = true;
                assert_null(json_object_get(r, "includes"));
                assert_null(json_object_get(r, "excludes"));
        }
        assert_true(enosys);
        json_array_foreach(json_object_get(b, "syscalls"), i, r)
            assert_false(STREQ(json_string_value(path_get(r, "names.0")), "clone3") &&
                         json_object_get(r, "errnoRet"));
}

/* ---- user ---- */

static void test_user(void **state)
{
        Fixture *f = *state;
        static const struct {
                const char *user;
                const char *group_add;
                long uid, gid;
                const char *gids;
        } cases[] = {
            {"", "[]", 0, 0, "0"},
            {"root", "[]", 0, 0, "0"},
            {"daemon", "[]", 1, 1, "1"},
            {"alice", "[]", 1000, 1000, "1000 100 29"},
            {"1000", "[]", 1000, 1000, "1000 100 29"},
            {"4242", "[]", 4242, 0, "0"},
            {"4242:4243", "[]", 4242, 4243, "4243"},
            {"alice:video", "[]", 1000, 44, "44"},
            {"bob:0", "[]", 1001, 0, "0"},
            {"bob", "[\"video\",\"555\"]", 1001, 100, "100 29 44 555"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char req[256];
                snprintf(req, sizeof(req),
                         "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"User\":\"%s\","
                         "\"HostConfig\":{\"GroupAdd\":%s}}",
                         cases[i].user, cases[i].group_add);
                Built b = build(f, req);
                assert_ok(&b);
                json_t *u = path_get(b.spec, "process.user");
                assert_int_equal(json_integer_value(json_object_get(u, "uid")), cases[i].uid);
                assert_int_equal(json_integer_value(json_object_get(u, "gid")), cases[i].gid);
                char gids[128] = "";
                size_t k;
                json_t *g;
                json_array_foreach(json_object_get(u, "additionalGids"), k, g)
                {
                        char one[16];
                        snprintf(one, sizeof(one), "%s%lld", k ? " " : "",
                                 (long long)json_integer_value(g));
                        strcat(gids, one);
                }
                if (!STREQ(gids, cases[i].gids))
                        fail_msg("user '%s': gids '%s', expected '%s'", cases[i].user, gids,
                                 cases[i].gids);
                built_free(&b);
        }
        Built b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"User\":\"x\"}");
        assert_err(&b, "unable to find user x: no matching entries in passwd file");
        built_free(&b);
        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"User\":\"alice:nogroup\"}");
        assert_err(&b, "unable to find group nogroup: no matching entries in group file");
        built_free(&b);
        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"GroupAdd\":[\"nope\"]}}");
        assert_err(&b, "unable to find group nope");
        built_free(&b);
}

/* /etc/passwd as a symlink out of the rootfs stays inside it. */
static void test_user_symlink_escape(void **state)
{
        Fixture *f = *state;
        char p[256];
        snprintf(p, sizeof(p), "%s/etc/passwd", f->rootfs);
        unlink(p);
        assert_int_equal(symlink("/etc/passwd", p), 0); /* resolves to rootfs/etc/passwd */
        Built b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"User\":\"daemon\"}");
        /* the link points at itself inside the root: no host file is read */
        assert_err(&b, "unable to find user daemon");
        built_free(&b);
        unlink(p);
}

/* ---- resources ---- */

static void test_resources(void **state)
{
        Fixture *f = *state;
        Built b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{"
                           "\"Memory\":67108864,\"MemoryReservation\":33554432,"
                           "\"NanoCpus\":1500000000,\"CpuShares\":512,\"CpusetCpus\":\"0\","
                           "\"PidsLimit\":100,\"BlkioWeight\":300,\"OomKillDisable\":true,"
                           "\"OomScoreAdj\":500,\"ShmSize\":1048576}}");
        assert_ok(&b);
        json_t *r = path_get(b.spec, "linux.resources");
        assert_int_equal(json_integer_value(path_get(r, "memory.limit")), 67108864);
        if (sg_cgroup_supports("swap"))
                assert_int_equal(json_integer_value(path_get(r, "memory.swap")), 2 * 67108864);
        else
                assert_null(path_get(r, "memory.swap"));
        assert_int_equal(json_integer_value(path_get(r, "memory.reservation")), 33554432);
        assert_true(json_is_true(path_get(r, "memory.disableOOMKiller")));
        assert_int_equal(json_integer_value(path_get(r, "cpu.quota")), 150000);
        assert_int_equal(json_integer_value(path_get(r, "cpu.period")), 100000);
        assert_int_equal(json_integer_value(path_get(r, "cpu.shares")), 512);
        assert_string_equal(path_str(r, "cpu.cpus"), "0");
        assert_int_equal(json_integer_value(path_get(r, "pids.limit")), 100);
        /* dropped where the kernel has no blkio weight (no CFQ/BFQ), as Docker does */
        if (sg_cgroup_supports("blkio-weight"))
                assert_int_equal(json_integer_value(path_get(r, "blockIO.weight")), 300);
        else
                assert_null(path_get(r, "blockIO"));
        assert_int_equal(json_integer_value(path_get(b.spec, "process.oomScoreAdj")), 500);
        assert_true(
            strv_json_has(path_get(find_mount(b.spec, "/dev/shm"), "options"), "size=1048576"));
        built_free(&b);

        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{"
                     "\"Memory\":67108864,\"MemorySwap\":-1,\"CpuQuota\":50000,"
                     "\"CpuPeriod\":100000,\"PidsLimit\":0}}");
        assert_ok(&b);
        r = path_get(b.spec, "linux.resources");
        assert_null(path_get(r, "memory.swap"));
        assert_int_equal(json_integer_value(path_get(r, "cpu.quota")), 50000);
        assert_int_equal(json_integer_value(path_get(r, "pids.limit")), -1);
        built_free(&b);
}

static void test_ulimits_sysctls(void **state)
{
        Fixture *f = *state;
        Built b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{"
                           "\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":1000000,\"Hard\":1000000},"
                           "{\"Name\":\"nproc\",\"Soft\":10,\"Hard\":20},"
                           "{\"Name\":\"core\",\"Soft\":-1,\"Hard\":-1}],"
                           "\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"1024\","
                           "\"fs.mqueue.msg_max\":\"20\"}}}");
        assert_ok(&b);
        struct rlimit own;
        getrlimit(RLIMIT_NOFILE, &own);
        json_t *rl = path_get(b.spec, "process.rlimits");
        assert_int_equal(json_array_size(rl), 3);
        struct rlimit core;
        getrlimit(RLIMIT_CORE, &core);
        if (core.rlim_max == RLIM_INFINITY)
                assert_int_equal(json_integer_value(path_get(rl, "2.hard")), INT64_MAX);
        else
                assert_int_equal(json_integer_value(path_get(rl, "2.hard")), core.rlim_max);
        assert_string_equal(path_str(rl, "0.type"), "RLIMIT_NOFILE");
        uint64_t want = own.rlim_max < 1000000 ? own.rlim_max : 1000000;
        assert_int_equal(json_integer_value(path_get(rl, "0.hard")), want);
        assert_int_equal(json_integer_value(path_get(rl, "0.soft")), want);
        assert_string_equal(path_str(rl, "1.type"), "RLIMIT_NPROC");
        json_t *sys = path_get(b.spec, "linux.sysctl");
        assert_string_equal(json_string_value(json_object_get(sys, "kernel.shmmax")), "1024");
        assert_string_equal(json_string_value(json_object_get(sys, "net.ipv4.ip_forward")), "1");
        built_free(&b);
}

/* ---- namespaces ---- */

static bool has_ns(json_t *spec, const char *type, const char **ret_path)
{
        size_t i;
        json_t *n;
        json_array_foreach(path_get(spec, "linux.namespaces"), i, n)
        {
                if (STREQ(path_str(n, "type"), type)) {
                        if (ret_path)
                                *ret_path = path_str(n, "path");
                        return true;
                }
        }
        return false;
}

static void test_namespaces(void **state)
{
        Fixture *f = *state;
        Built b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{"
                           "\"PidMode\":\"host\",\"IpcMode\":\"container:db\","
                           "\"UTSMode\":\"host\",\"NetworkMode\":\"host\"}}");
        assert_ok(&b);
        const char *p = NULL;
        assert_false(has_ns(b.spec, "pid", NULL));
        assert_false(has_ns(b.spec, "uts", NULL));
        assert_false(has_ns(b.spec, "network", NULL));
        assert_true(has_ns(b.spec, "ipc", &p));
        assert_string_equal(p, "/proc/4242/ns/ipc");
        /* the joined container's /dev/shm, bound as Docker binds its ShmPath */
        json_t *shm = find_mount(b.spec, "/dev/shm");
        assert_string_equal(path_str(shm, "type"), "bind");
        assert_string_equal(path_str(shm, "source"), "/proc/4242/root/dev/shm");
        assert_null(path_get(b.spec, "hostname"));
        /* no network sysctls without a network namespace of our own */
        assert_null(json_object_get(path_get(b.spec, "linux.sysctl"),
                                    "net.ipv4.ip_unprivileged_port_start"));
        built_free(&b);

        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{"
                     "\"PidMode\":\"container:web\",\"NetworkMode\":\"container:web\"}}");
        assert_ok(&b);
        assert_true(has_ns(b.spec, "pid", &p));
        assert_string_equal(p, "/proc/4242/ns/pid");
        assert_true(has_ns(b.spec, "network", &p));
        assert_string_equal(p, "/proc/4242/ns/net");
        built_free(&b);

        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"NetworkMode\":\"none\","
                     "\"IpcMode\":\"none\"}}");
        assert_ok(&b);
        assert_true(has_ns(b.spec, "network", &p));
        assert_null(p);
        assert_null(find_mount(b.spec, "/dev/shm"));
        built_free(&b);

        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"IpcMode\":\"host\"}}");
        assert_ok(&b);
        assert_false(has_ns(b.spec, "ipc", NULL));
        assert_string_equal(path_str(find_mount(b.spec, "/dev/shm"), "source"), "/dev/shm");
        built_free(&b);

        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"PidMode\":"
                     "\"container:missing\"}}");
        assert_int_equal(b.r, -ENOENT);
        assert_non_null(strstr(b.err->message, "failed to join PID namespace"));
        built_free(&b);
}

/* ---- init ---- */

static void test_init(void **state)
{
        Fixture *f = *state;
        Built b = build(f, "{\"Image\":\"i\",\"Entrypoint\":[\"/bin/sh\"],\"Cmd\":[\"-c\",\"x\"],"
                           "\"HostConfig\":{\"Init\":true}}");
        assert_ok(&b);
        assert_string_equal(args_joined(b.spec), "/sbin/docker-init -- /bin/sh -c x");
        json_t *m = find_mount(b.spec, "/sbin/docker-init");
        assert_non_null(m);
        assert_string_equal(path_str(m, "source"), "/usr/libexec/berth/berth-init");
        assert_true(strv_json_has(json_object_get(m, "options"), "ro"));
        built_free(&b);
        /* not with the host's pid namespace: it already has an init */
        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"Init\":true,"
                     "\"PidMode\":\"host\"}}");
        assert_ok(&b);
        assert_string_equal(args_joined(b.spec), "sh");
        assert_null(find_mount(b.spec, "/sbin/docker-init"));
        built_free(&b);
}

/* ---- mounts ---- */

static void test_mounts(void **state)
{
        Fixture *f = *state;
        char req[1024];
        snprintf(req, sizeof(req),
                 "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{"
                 "\"Binds\":[\"%s/src/a/b:/data/x:ro\",\"%s:/data\"],"
                 "\"Tmpfs\":{\"/run\":\"rw,size=64m,exec\"},"
                 "\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/cache\","
                 "\"TmpfsOptions\":{\"SizeBytes\":1048576,\"Mode\":448}},"
                 "{\"Type\":\"bind\",\"Source\":\"%s\",\"Target\":\"/mnt\",\"ReadOnly\":true,"
                 "\"BindOptions\":{\"Propagation\":\"rslave\"}}]}}",
                 f->dir, f->dir, f->dir);
        Built b = build(f, req);
        assert_ok(&b);
        /* the missing bind source was created as a directory */
        char src[256];
        snprintf(src, sizeof(src), "%s/src/a/b", f->dir);
        struct stat st;
        assert_int_equal(stat(src, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        json_t *x = find_mount(b.spec, "/data/x");
        assert_string_equal(path_str(x, "type"), "bind");
        assert_string_equal(path_str(x, "options.0"), "rbind");
        assert_string_equal(path_str(x, "options.1"), "ro");
        assert_string_equal(path_str(x, "options.2"), "rprivate");
        /* parents before children */
        size_t i_data = 0, i_x = 0, i;
        json_t *m;
        json_array_foreach(json_object_get(b.spec, "mounts"), i, m)
        {
                if (STREQ(path_str(m, "destination"), "/data"))
                        i_data = i;
                if (STREQ(path_str(m, "destination"), "/data/x"))
                        i_x = i;
        }
        assert_true(i_data < i_x);
        json_t *run = find_mount(b.spec, "/run");
        assert_string_equal(path_str(run, "type"), "tmpfs");
        json_t *o = json_object_get(run, "options");
        /* Docker's MergeTmpfsOptions: exec replaces noexec, defaults kept */
        assert_true(strv_json_has(o, "exec"));
        assert_false(strv_json_has(o, "noexec"));
        assert_true(strv_json_has(o, "nosuid"));
        assert_true(strv_json_has(o, "size=64m"));
        assert_true(strv_json_has(o, "rprivate"));
        o = path_get(find_mount(b.spec, "/cache"), "options");
        assert_true(strv_json_has(o, "size=1m"));
        assert_true(strv_json_has(o, "mode=700"));
        json_t *mnt = find_mount(b.spec, "/mnt");
        assert_true(strv_json_has(json_object_get(mnt, "options"), "rslave"));
        assert_true(strv_json_has(json_object_get(mnt, "options"), "ro"));
        /* an rslave bind makes the root rslave, as Docker does */
        assert_string_equal(path_str(b.spec, "linux.rootfsPropagation"), "rslave");
        built_free(&b);

        /* a user /dev replaces every default mount under /dev */
        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"Tmpfs\":{\"/dev\":\"\"},"
                     "\"ReadonlyRootfs\":true}}");
        assert_ok(&b);
        assert_null(find_mount(b.spec, "/dev/pts"));
        assert_null(find_mount(b.spec, "/dev/shm"));
        assert_true(json_is_true(path_get(b.spec, "root.readonly")));
        assert_true(strv_json_has(path_get(find_mount(b.spec, "/etc/hosts"), "options"), "ro"));
        assert_true(strv_json_has(path_get(find_mount(b.spec, "/sys/fs/cgroup"), "options"), "ro"));
        assert_false(strv_json_has(path_get(find_mount(b.spec, "/proc"), "options"), "ro"));
        built_free(&b);
}

/* ---- etc files ---- */

static char *read_cdir(Fixture *f, const char *name)
{
        char p[256];
        snprintf(p, sizeof(p), "%s/%s", f->cdir, name);
        char *buf = NULL;
        assert_int_equal(read_file(p, &buf, NULL, NULL), 0);
        return buf;
}

/* At start: Docker's layout, with links before the own addresses. */
static void test_hosts_at_start(void **state)
{
        Fixture *f = *state;
        const char *defaults = "127.0.0.1\tlocalhost\n"
                               "::1\tlocalhost ip6-localhost ip6-loopback\n"
                               "fe00::\tip6-localnet\n"
                               "ff00::\tip6-mcastprefix\n"
                               "ff02::1\tip6-allnodes\n"
                               "ff02::2\tip6-allrouters\n";
        Built b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"Hostname\":\"web\","
                           "\"HostConfig\":{\"ExtraHosts\":[\"db:10.0.0.5\"]}}");
        assert_ok(&b);
        SpecgenInput in = {
            .id = ID, .request = b.request, .config = b.config, .container_dir = f->cdir};
        char *addrs[] = {(char *)"172.17.0.3", (char *)"fd00::3", NULL};
        assert_int_equal(specgen_write_hosts(&in, "172.17.0.2\twebdb abc db\n", addrs, NULL), 0);
        _cleanup_free_ char *hosts = read_cdir(f, "hosts");
        _cleanup_free_ char *want = NULL;
        assert_true(asprintf(&want,
                             "%s10.0.0.5\tdb\n172.17.0.2\twebdb abc db\n172.17.0.3\tweb\n"
                             "fd00::3\tweb\n",
                             defaults) > 0);
        assert_string_equal(hosts, want);
        /* written again at the next start: nothing accumulates */
        char *addrs2[] = {(char *)"172.17.0.4", NULL};
        assert_int_equal(specgen_write_hosts(&in, NULL, addrs2, NULL), 0);
        _cleanup_free_ char *again = read_cdir(f, "hosts");
        _cleanup_free_ char *want2 = NULL;
        assert_true(asprintf(&want2, "%s10.0.0.5\tdb\n172.17.0.4\tweb\n", defaults) > 0);
        assert_string_equal(again, want2);
        built_free(&b);

        /* a domain: the FQDN, then the bare name */
        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"Hostname\":\"web\","
                     "\"Domainname\":\"example.com\"}");
        assert_ok(&b);
        in.request = b.request;
        in.config = b.config;
        assert_int_equal(specgen_write_hosts(&in, NULL, addrs2, NULL), 0);
        _cleanup_free_ char *fq = read_cdir(f, "hosts");
        _cleanup_free_ char *want3 = NULL;
        assert_true(asprintf(&want3, "%s172.17.0.4\tweb.example.com web\n", defaults) > 0);
        assert_string_equal(fq, want3);
        built_free(&b);

        /* --network none: no address, no own line */
        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"NetworkMode\":"
                     "\"none\"}}");
        assert_ok(&b);
        _cleanup_free_ char *none = read_cdir(f, "hosts");
        assert_string_equal(none, defaults);
        built_free(&b);

        /* host networking with --add-host: Docker's defaults, not the host's */
        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"NetworkMode\":"
                     "\"host\",\"ExtraHosts\":[\"db:10.0.0.5\"]}}");
        assert_ok(&b);
        _cleanup_free_ char *hh = read_cdir(f, "hosts");
        _cleanup_free_ char *want4 = NULL;
        assert_true(asprintf(&want4, "%s10.0.0.5\tdb\n", defaults) > 0);
        assert_string_equal(hh, want4);
        built_free(&b);
}

/* Links' variables sit after PATH/HOSTNAME and before Config.Env, which
 * overrides them (Docker's CreateDaemonEnvironment). */
static void test_link_env(void **state)
{
        Fixture *f = *state;
        Built b = {0};
        b.request = parse("{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"Hostname\":\"web\","
                          "\"Env\":[\"WEBDB_NAME=mine\",\"A=1\"]}");
        assert_int_equal(specgen_merge_config(b.request, NULL, &b.config, NULL), 0);
        char *link_env[] = {(char *)"WEBDB_PORT=tcp://172.17.0.2:5432",
                            (char *)"WEBDB_NAME=/web/webdb", NULL};
        SpecgenInput in = {.id = ID,
                           .name = "web",
                           .request = b.request,
                           .config = b.config,
                           .rootfs = f->rootfs,
                           .container_dir = f->cdir,
                           .cgroup_parent = "",
                           .link_env = link_env};
        assert_int_equal(specgen_build(&in, &b.spec, NULL), 0);
        json_t *env = path_get(b.spec, "process.env");
        assert_int_equal(json_array_size(env), 5);
        assert_string_equal(json_string_value(json_array_get(env, 1)), "HOSTNAME=web");
        assert_string_equal(json_string_value(json_array_get(env, 2)),
                            "WEBDB_PORT=tcp://172.17.0.2:5432");
        assert_string_equal(json_string_value(json_array_get(env, 3)), "WEBDB_NAME=mine");
        assert_string_equal(json_string_value(json_array_get(env, 4)), "A=1");
        built_free(&b);
}

static void test_etc_files(void **state)
{
        Fixture *f = *state;
        Built b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"Hostname\":\"web\","
                           "\"HostConfig\":{\"ExtraHosts\":[\"db:10.0.0.5\",\"v6:[::2]\"]}}");
        assert_ok(&b);
        _cleanup_free_ char *hostname = read_cdir(f, "hostname");
        assert_string_equal(hostname, "web\n");
        _cleanup_free_ char *hosts = read_cdir(f, "hosts");
        assert_non_null(strstr(hosts, "127.0.0.1\tlocalhost\n"));
        assert_non_null(strstr(hosts, "::1\tlocalhost ip6-localhost ip6-loopback\n"));
        assert_non_null(strstr(hosts, "ff02::2\tip6-allrouters\n"));
        assert_non_null(strstr(hosts, "10.0.0.5\tdb\n"));
        assert_non_null(strstr(hosts, "::2\tv6\n"));
        /* the own name waits for the addresses of the start */
        assert_null(strstr(hosts, "\tweb\n"));
        assert_null(strstr(hosts, "127.0.0.1\tweb"));
        /* host resolv.conf with only a localhost server: Docker's defaults */
        _cleanup_free_ char *resolv = read_cdir(f, "resolv.conf");
        assert_null(strstr(resolv, "127.0.0.53"));
        assert_non_null(strstr(resolv, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n"));
        assert_non_null(strstr(resolv, "search example.org\n"));
        assert_non_null(strstr(resolv, "options edns0\n"));
        built_free(&b);

        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"Dns\":[\"1.1.1.1\"],"
                     "\"DnsSearch\":[\"a.test\",\"b.test\"],\"DnsOptions\":[\"ndots:2\"]}}");
        assert_ok(&b);
        _cleanup_free_ char *r2 = read_cdir(f, "resolv.conf");
        assert_non_null(strstr(r2, "nameserver 1.1.1.1\n"));
        assert_null(strstr(r2, "8.8.8.8"));
        assert_non_null(strstr(r2, "search a.test b.test\n"));
        assert_non_null(strstr(r2, "options ndots:2\n"));
        built_free(&b);

        put(f->dir, "host-resolv.conf", "nameserver 10.1.2.3\nnameserver 127.0.0.1\n");
        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"]}");
        assert_ok(&b);
        _cleanup_free_ char *r3 = read_cdir(f, "resolv.conf");
        assert_non_null(strstr(r3, "nameserver 10.1.2.3\n"));
        assert_null(strstr(r3, "127.0.0.1"));
        assert_null(strstr(r3, "8.8.8.8"));
        built_free(&b);

        /* host networking: the host's hosts file, localhost servers kept */
        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"NetworkMode\":"
                     "\"host\"}}");
        assert_ok(&b);
        _cleanup_free_ char *h4 = read_cdir(f, "hosts");
        _cleanup_free_ char *host_hosts = NULL;
        if (read_file("/etc/hosts", &host_hosts, NULL, NULL) == 0)
                assert_non_null(strstr(h4, host_hosts));
        _cleanup_free_ char *r4 = read_cdir(f, "resolv.conf");
        assert_non_null(strstr(r4, "nameserver 127.0.0.1\n"));
        char host_name[256];
        assert_int_equal(gethostname(host_name, sizeof(host_name)), 0);
        assert_string_equal(path_str(b.config, "Hostname"), host_name);
        built_free(&b);

        b = build(f, "{\"Image\":\"i\",\"Cmd\":[\"sh\"],\"HostConfig\":{\"ExtraHosts\":"
                     "[\"gw:host-gateway\"]}}");
        assert_int_equal(b.r, -EINVAL);
        assert_non_null(strstr(b.err->message, "host-gateway"));
        built_free(&b);
}

/* ---- validation: Docker's messages ---- */

static void test_validate(void **state)
{
        Fixture *f = *state;
        static const struct {
                const char *request;
                const char *msg;
        } cases[] = {
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"sometimes\"}}}",
             "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', "
             "'on-failure', or 'unless-stopped'"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"always\","
             "\"MaximumRetryCount\":3}}}",
             "invalid restart policy: maximum retry count can only be used with 'on-failure'"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"on-failure\","
             "\"MaximumRetryCount\":-1}}}",
             "invalid restart policy: maximum retry count cannot be negative"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"AutoRemove\":true,\"RestartPolicy\":{"
             "\"Name\":\"always\"}}}",
             "can't create 'AutoRemove' container with restart policy"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Memory\":1024}}",
             "Minimum memory limit allowed is 6MB"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Memory\":67108864,\"MemorySwap\":1048576}}",
             "Minimum memoryswap limit should be larger than memory limit, see usage"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"MemorySwap\":67108864}}",
             "You should always set the Memory limit when using Memoryswap limit, see usage"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"MemoryReservation\":1024}}",
             "Minimum memory reservation allowed is 6MB"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"NanoCpus\":1000000000,\"CpuQuota\":5000}}",
             "Conflicting options: Nano CPUs and CPU Quota cannot both be set"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"NanoCpus\":1000000000000}}",
             "range of CPUs is from 0.01 to"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"CpuPeriod\":10}}",
             "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"CpuQuota\":10}}",
             "CPU cfs quota can not be less than 1ms (i.e. 1000)"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"CpuShares\":-5}}",
             "invalid CPU shares (-5): value must be a positive integer"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"CpusetCpus\":\"0-\"}}",
             "Invalid value 0- for cpuset cpus"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"CpusetCpus\":\"4000\"}}",
             "Requested CPUs are not available - requested 4000, available: "},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"BlkioWeight\":5}}",
             "Range of blkio weight is from 10 to 1000"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"OomScoreAdj\":1001}}",
             "Invalid value 1001, range for oom score adj is [-1000, 1000]"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"ShmSize\":-1}}",
             "SHM size can not be less than 0"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"PidMode\":\"bogus\"}}",
             "invalid PID mode: bogus"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"PidMode\":\"container:\"}}",
             "invalid PID mode: container:"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"IpcMode\":\"bogus\"}}",
             "invalid IPC mode: bogus"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"UTSMode\":\"private\"}}",
             "invalid UTS mode: private"},
            {"{\"Cmd\":[\"sh\"],\"Hostname\":\"h\",\"HostConfig\":{\"UTSMode\":\"host\"}}",
             "conflicting options: hostname and the UTS mode"},
            {"{\"Cmd\":[\"sh\"],\"Hostname\":\"h\",\"HostConfig\":{\"NetworkMode\":\"container:x\"}"
             "}",
             "conflicting options: hostname and the network mode"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"NetworkMode\":\"container:\"}}",
             "invalid network mode: invalid container format container:<name|id>"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Ulimits\":[{\"Name\":\"bogus\",\"Soft\":1,"
             "\"Hard\":1}]}}",
             "invalid ulimit type: bogus"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":10,"
             "\"Hard\":5}]}}",
             "ulimit soft limit must be less than or equal to hard limit: 10 > 5"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Ulimits\":[{\"Name\":\"core\",\"Soft\":-1,"
             "\"Hard\":5}]}}",
             "ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), "
             "hard: 5"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Sysctls\":{\"kernel.panic\":\"1\"}}}",
             "sysctl 'kernel.panic' is not allowed"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"NetworkMode\":\"host\",\"Sysctls\":{"
             "\"net.ipv4.ip_forward\":\"1\"}}}",
             "not allowed in host network namespace"},
            {"{\"Cmd\":[\"sh\"],\"ExposedPorts\":{\"80/tcpx\":{}}}",
             "invalid port specification: \"80/tcpx\""},
            {"{\"Cmd\":[\"sh\"],\"ExposedPorts\":{\"0/tcp\":{}}}",
             "invalid port specification: \"0/tcp\""},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":"
             "\"99999\"}]}}}",
             "invalid port specification: \"99999\""},
            {"{\"Cmd\":[\"sh\"],\"StopSignal\":\"SIGFOO\"}", "invalid signal: SIGFOO"},
            {"{\"Cmd\":[\"sh\"],\"StopSignal\":\"0\"}", "invalid signal: 0"},
            {"{\"Cmd\":[\"sh\"],\"WorkingDir\":\"rel\"}",
             "the working directory 'rel' is invalid, it needs to be an absolute path"},
            {"{\"Cmd\":[\"sh\"],\"Env\":[\"=x\"]}", "invalid environment variable: =x"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Binds\":[\"/a:/b:bogus\"]}}",
             "invalid mode: bogus"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Binds\":[\"/a:/\"]}}",
             "invalid volume specification: '/a:/': invalid specification: destination can't be "
             "'/'"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Binds\":[\"/a:rel\"]}}",
             "invalid volume specification: '/a:rel': invalid mount path: 'rel' mount path must "
             "be absolute"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Binds\":[\"/a:ro\"]}}",
             "invalid volume specification: '/a:ro'"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":"
             "\"/nonexistent/xyz\",\"Target\":\"/x\"}]}}",
             "invalid mount config for type \"bind\": bind source path does not exist: "
             "/nonexistent/xyz"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Mounts\":[{\"Type\":\"tmpfs\",\"Source\":"
             "\"x\",\"Target\":\"/x\"}]}}",
             "invalid mount config for type \"tmpfs\": field Source must not be specified"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\",\"Source\":"
             "\"v\",\"Target\":\"/x\"}]}}",
             "not supported yet"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Mounts\":[{\"Type\":\"weird\",\"Target\":"
             "\"/x\"}]}}",
             "invalid mount config for type \"weird\": mount type unknown"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":"
             "\"/tmp\"}]}}",
             "invalid mount config for type \"bind\": field Target must not be empty"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Tmpfs\":{\"/x\":\"size=1m,bogus\"}}}",
             "invalid tmpfs option [\"bogus\"]"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Tmpfs\":{\"rel\":\"\"}}}",
             "invalid mount path: 'rel' mount path must be absolute"},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"ExtraHosts\":[\"nocolon\"]}}",
             "bad format for add-host: \"nocolon\""},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"ExtraHosts\":[\"h:1.2.3\"]}}",
             "invalid IP address in add-host: \"1.2.3\""},
            {"{\"Cmd\":[\"sh\"],\"HostConfig\":{\"Memory\":\"big\"}}",
             "json: cannot unmarshal string into Go struct field HostConfig.Memory of type int64"},
            {"{\"Cmd\":[\"sh\"],\"Env\":\"A=1\"}",
             "json: cannot unmarshal string into Go struct field Config.Env of type []string"},
            {"{\"Cmd\":[\"sh\"],\"Hostname\":"
             "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
             "is too long (maximum 64 bytes)"},
            {"{\"Cmd\":[\"sh\"],\"Healthcheck\":{\"Interval\":5}}",
             "Interval in Healthcheck cannot be less than 1ms"},
            {"[]", "expected a JSON object"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_json_ json_t *req = parse(cases[i].request);
                _cleanup_error_ BerthError *err = NULL;
                int r = specgen_validate(req, &err);
                if (r != -EINVAL || !err || !strstr(err->message, cases[i].msg))
                        fail_msg("case %zu: %s: got %d '%s', expected '%s'", i, cases[i].request, r,
                                 err ? err->message : "(none)", cases[i].msg);
        }
        /* and some that Docker accepts */
        static const char *const good[] = {
            "{\"Cmd\":[\"sh\"],\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"on-failure\","
            "\"MaximumRetryCount\":3},\"Memory\":6291456,\"MemorySwap\":-1}}",
            "{\"Cmd\":\"sh\",\"StopSignal\":\"SIGRTMIN+3\",\"ExposedPorts\":{\"53/udp\":{},"
            "\"80\":{}},\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\","
            "\"HostPort\":\"\"},{\"HostPort\":\"8000-8010\"}]}}}",
            "{\"Cmd\":[\"sh\"],\"HostConfig\":{\"CapAdd\":[\"ALL\"],\"IpcMode\":\"shareable\","
            "\"CgroupnsMode\":\"host\",\"Binds\":[\"/a:/b:ro,Z,rprivate\"],\"UnknownField\":1}}",
            "{\"Cmd\":[\"sh\"],\"HostConfig\":null,\"StopSignal\":\"kill\"}",
        };
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                _cleanup_json_ json_t *req = parse(good[i]);
                _cleanup_error_ BerthError *err = NULL;
                int r = specgen_validate(req, &err);
                if (r != 0)
                        fail_msg("good %zu: %s", i, err ? err->message : "?");
        }
        (void)f;
}

/* The body the real docker CLI (v28) sends for
 *   docker create --init --cap-add net_admin --cap-drop ALL
 *     --security-opt seccomp=prof.json --security-opt no-new-privileges
 *     --tmpfs /run:size=1m,exec --ulimit nofile=100:200
 *     --sysctl net.ipv4.ip_forward=1 -v DIR:/x:ro --mount type=tmpfs,dst=/t,tmpfs-size=1m
 *     --add-host db:1.2.3.4 -m 64m --cpus 1.5 --pids-limit 10 -e A=1 --entrypoint ""
 *     -u 1000:1000 -w /w -p 8080:80 --restart on-failure:3 --shm-size 1m
 *     --device-cgroup-rule 'c 1:3 rw' busybox sh
 * captured from the wire; @BIND@ stands for DIR. */
static const char docker_cli_request[] =
    "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"1000:1000\",\"AttachStdin\":fa"
    "lse,\"AttachStdout\":true,\"AttachStderr\":true,\"ExposedPorts\":{\"80/tcp\":{}}"
    ",\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":[\"A=1\"],\"Cmd\""
    ":[\"sh\"],\"Image\":\"busybox\",\"Volumes\":{},\"WorkingDir\":\"/w\",\"Entrypoin"
    "t\":[\"\"],\"OnBuild\":null,\"Labels\":{},\"HostConfig\":{\"Binds\":[\"@BIND@:/x"
    ":ro\"],\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"\",\"Config\":{}},\"Ne"
    "tworkMode\":\"default\",\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\",\"HostPor"
    "t\":\"8080\"}]},\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\""
    ":3},\"AutoRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,\"ConsoleSiz"
    "e\":[0,0],\"CapAdd\":[\"CAP_NET_ADMIN\"],\"CapDrop\":[\"ALL\"],\"CgroupnsMode\":"
    "\"\",\"Dns\":[],\"DnsOptions\":[],\"DnsSearch\":[],\"ExtraHosts\":[\"db:1.2.3.4"
    "\"],\"GroupAdd\":null,\"IpcMode\":\"\",\"Cgroup\":\"\",\"Links\":null,\"OomScore"
    "Adj\":0,\"PidMode\":\"\",\"Privileged\":false,\"PublishAllPorts\":false,\"Readon"
    "lyRootfs\":false,\"SecurityOpt\":[\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_"
    "ALLOW\\\",\\\"syscalls\\\":[{\\\"names\\\":[\\\"mkdir\\\"],\\\"action\\\":\\\"SC"
    "MP_ACT_ERRNO\\\"}]}\",\"no-new-privileges\"],\"Tmpfs\":{\"/run\":\"size=1m,exec"
    "\"},\"UTSMode\":\"\",\"UsernsMode\":\"\",\"ShmSize\":1048576,\"Sysctls\":{\"net."
    "ipv4.ip_forward\":\"1\"},\"Isolation\":\"\",\"CpuShares\":0,\"Memory\":67108864,"
    "\"NanoCpus\":1500000000,\"CgroupParent\":\"\",\"BlkioWeight\":0,\"BlkioWeightDev"
    "ice\":[],\"BlkioDeviceReadBps\":[],\"BlkioDeviceWriteBps\":[],\"BlkioDeviceReadI"
    "Ops\":[],\"BlkioDeviceWriteIOps\":[],\"CpuPeriod\":0,\"CpuQuota\":0,\"CpuRealtim"
    "ePeriod\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\",\"CpusetMems\":\"\",\"D"
    "evices\":[],\"DeviceCgroupRules\":[\"c 1:3 rw\"],\"DeviceRequests\":null,\"Memor"
    "yReservation\":0,\"MemorySwap\":0,\"MemorySwappiness\":-1,\"OomKillDisable\":fal"
    "se,\"PidsLimit\":10,\"Ulimits\":[{\"Name\":\"nofile\",\"Hard\":200,\"Soft\":100}"
    "],\"CpuCount\":0,\"CpuPercent\":0,\"IOMaximumIOps\":0,\"IOMaximumBandwidth\":0,"
    "\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/t\",\"TmpfsOptions\":{\"SizeBytes"
    "\":1048576}}],\"MaskedPaths\":null,\"ReadonlyPaths\":null,\"Init\":true},\"Netwo"
    "rkingConfig\":{\"EndpointsConfig\":{\"default\":{\"IPAMConfig\":null,\"Links\":n"
    "ull,\"Aliases\":null,\"MacAddress\":\"\",\"DriverOpts\":null,\"GwPriority\":0,\""
    "NetworkID\":\"\",\"EndpointID\":\"\",\"Gateway\":\"\",\"IPAddress\":\"\",\"IPPre"
    "fixLen\":0,\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen"
    "\":0,\"DNSNames\":null}}}}";

static void test_docker_cli_request(void **state)
{
        Fixture *f = *state;
        char bind[160];
        snprintf(bind, sizeof(bind), "%s/xbind", f->dir);
        char req[4096];
        const char *at = strstr(docker_cli_request, "@BIND@");
        assert_non_null(at);
        snprintf(req, sizeof(req), "%.*s%s%s", (int)(at - docker_cli_request), docker_cli_request,
                 bind, at + 6);
        const char *img = "{\"config\":{\"Cmd\":[\"sh\"],\"Env\":[\"PATH=/usr/local/bin:/bin\"]}}";
        Built b = build_with(f, req, img);
        assert_ok(&b);
        json_t *s = b.spec;
        assert_string_equal(args_joined(s), "/sbin/docker-init -- sh");
        assert_int_equal(json_integer_value(path_get(s, "process.user.uid")), 1000);
        assert_int_equal(json_integer_value(path_get(s, "process.user.gid")), 1000);
        assert_string_equal(path_str(s, "process.cwd"), "/w");
        assert_string_equal(env_get(s, "A"), "1");
        assert_string_equal(env_get(s, "PATH"), "/usr/local/bin:/bin");
        json_t *bounding = path_get(s, "process.capabilities.bounding");
        if (rt_cap_bounding_mask() & (1ULL << rt_cap_from_name("CAP_NET_ADMIN"))) {
                assert_int_equal(json_array_size(bounding), 1);
                assert_string_equal(path_str(bounding, "0"), "CAP_NET_ADMIN");
        }
        assert_true(json_is_true(path_get(s, "process.noNewPrivileges")));
        assert_string_equal(path_str(s, "process.rlimits.0.type"), "RLIMIT_NOFILE");
        assert_int_equal(json_integer_value(path_get(s, "process.rlimits.0.soft")), 100);
        assert_int_equal(json_integer_value(path_get(s, "process.rlimits.0.hard")), 200);
        /* the profile the CLI read from prof.json, as given */
        json_t *sc = path_get(s, "linux.seccomp");
        assert_string_equal(path_str(sc, "defaultAction"), "SCMP_ACT_ALLOW");
        assert_string_equal(path_str(sc, "syscalls.0.names.0"), "mkdir");
        assert_null(json_object_get(sc, "architectures"));
        assert_string_equal(
            json_string_value(json_object_get(path_get(s, "linux.sysctl"), "net.ipv4.ip_forward")),
            "1");
        assert_int_equal(json_integer_value(path_get(s, "linux.resources.memory.limit")), 67108864);
        assert_int_equal(json_integer_value(path_get(s, "linux.resources.cpu.quota")), 150000);
        assert_int_equal(json_integer_value(path_get(s, "linux.resources.pids.limit")), 10);
        assert_true(strv_json_has(path_get(find_mount(s, "/dev/shm"), "options"), "size=1048576"));
        assert_true(strv_json_has(path_get(find_mount(s, "/x"), "options"), "ro"));
        assert_true(strv_json_has(path_get(find_mount(s, "/t"), "options"), "size=1m"));
        assert_true(strv_json_has(path_get(find_mount(s, "/run"), "options"), "exec"));
        assert_non_null(find_mount(s, "/sbin/docker-init"));
        json_t *rules = path_get(s, "linux.resources.devices");
        assert_string_equal(path_str(json_array_get(rules, json_array_size(rules) - 1), "access"),
                            "rw");
        _cleanup_free_ char *hosts = read_cdir(f, "hosts");
        assert_non_null(strstr(hosts, "1.2.3.4\tdb\n"));
        /* the merged Config: the CLI's Entrypoint [""] cleared, Cmd kept */
        assert_true(json_is_null(json_object_get(b.config, "Entrypoint")));
        assert_string_equal(path_str(b.config, "Cmd.0"), "sh");
        built_free(&b);
}

static void test_signals(void **state)
{
        assert_int_equal(specgen_parse_signal("SIGTERM"), 15);
        assert_int_equal(specgen_parse_signal("term"), 15);
        assert_int_equal(specgen_parse_signal("9"), 9);
        assert_int_equal(specgen_parse_signal("SIGRTMIN+1"), SIGRTMIN + 1);
        assert_int_equal(specgen_parse_signal("RTMAX-2"), SIGRTMAX - 2);
        assert_int_equal(specgen_parse_signal(""), -EINVAL);
        assert_int_equal(specgen_parse_signal("SIGNOPE"), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_cmd_entrypoint_rules, setup, teardown),
            cmocka_unit_test_setup_teardown(test_merge_config, setup, teardown),
            cmocka_unit_test_setup_teardown(test_env_defaults, setup, teardown),
            cmocka_unit_test_setup_teardown(test_default_spec, setup, teardown),
            cmocka_unit_test_setup_teardown(test_capabilities, setup, teardown),
            cmocka_unit_test_setup_teardown(test_privileged, setup, teardown),
            cmocka_unit_test_setup_teardown(test_devices_annotations, setup, teardown),
            cmocka_unit_test_setup_teardown(test_security_opts, setup, teardown),
            cmocka_unit_test(test_default_seccomp_caps),
            cmocka_unit_test_setup_teardown(test_user, setup, teardown),
            cmocka_unit_test_setup_teardown(test_user_symlink_escape, setup, teardown),
            cmocka_unit_test_setup_teardown(test_resources, setup, teardown),
            cmocka_unit_test_setup_teardown(test_ulimits_sysctls, setup, teardown),
            cmocka_unit_test_setup_teardown(test_namespaces, setup, teardown),
            cmocka_unit_test_setup_teardown(test_init, setup, teardown),
            cmocka_unit_test_setup_teardown(test_mounts, setup, teardown),
            cmocka_unit_test_setup_teardown(test_etc_files, setup, teardown),
            cmocka_unit_test_setup_teardown(test_hosts_at_start, setup, teardown),
            cmocka_unit_test_setup_teardown(test_link_env, setup, teardown),
            cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
            cmocka_unit_test_setup_teardown(test_docker_cli_request, setup, teardown),
            cmocka_unit_test(test_signals),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
