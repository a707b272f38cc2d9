/* Unit tests for the config.json parser, validator and default spec
 * (src/runtime/spec*.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <libgen.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "common/strv.h"
#include "runtime/caps.h"
#include "runtime/seccomp.h"
#include "runtime/spec.h"

#define CAP_BIT(name) (UINT64_C(1) << rt_cap_from_name(name))

/* tests/unit/data/spec/<name>, found next to this source file (meson runs
 * tests from the build directory, where __FILE__ is relative to). */
static json_t *load_data(const char *name)
{
        char src[] = __FILE__;
        _cleanup_free_ char *path = NULL;
        assert_true(asprintf(&path, "%s/data/spec/%s", dirname(src), name) > 0);
        json_t *doc = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (json_load_path(path, name, &doc, &err) < 0)
                fail_msg("cannot load %s: %s", path, err->message);
        return doc;
}

static json_t *parse_text(const char *text)
{
        json_t *doc = NULL;
        _cleanup_error_ BerthError *err = NULL;
        if (rt_spec_parse_text(text, strlen(text), "test", &doc, &err) < 0)
                fail_msg("bad test JSON: %s", err->message);
        return doc;
}

/* Parses doc, which must succeed. */
static RtSpec *parse_ok(json_t *doc)
{
        _cleanup_error_ BerthError *err = NULL;
        RtSpec *s = NULL;
        if (rt_spec_parse(doc, "config.json", &s, &err) < 0)
                fail_msg("%s", err->message);
        return s;
}

/* Parses text and expects failure with exactly `message`. */
static void expect_parse_error(const char *text, const char *message)
{
        _cleanup_json_ json_t *doc = parse_text(text);
        _cleanup_error_ BerthError *err = NULL;
        RtSpec *spec = (RtSpec *)0x1;
        assert_int_equal(rt_spec_parse(doc, "config.json", &spec, &err), -EINVAL);
        assert_ptr_equal(spec, (RtSpec *)0x1); /* untouched on failure */
        assert_non_null(err);
        assert_int_equal(err->code, EINVAL);
        assert_string_equal(err->message, message);
        assert_null(strchr(err->message, '\n'));
}

/* Parses text (must succeed) and expects validation to fail with message. */
static void expect_invalid(const char *text, const char *message)
{
        _cleanup_json_ json_t *doc = parse_text(text);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *spec = NULL;
        if (rt_spec_parse(doc, "config.json", &spec, &err) < 0)
                fail_msg("parse failed: %s", err->message);
        assert_int_equal(rt_spec_validate(spec, &err), -EINVAL);
        assert_non_null(err);
        assert_string_equal(err->message, message);
}

/* A valid minimal config with one member of "process" or the top level
 * replaced by the caller's fragment. */
#define MINIMAL_PROCESS "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}"
#define MINIMAL_HEAD    "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, "

static void test_parse_full(void **state)
{
        _cleanup_json_ json_t *doc = load_data("full.json");
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = parse_ok(doc);
        assert_int_equal(rt_spec_validate(s, &err), 0);

        assert_string_equal(s->oci_version, "1.0.2-dev");
        assert_string_equal(s->root.path, "rootfs");
        assert_true(s->root.readonly);
        assert_string_equal(s->hostname, "box");
        assert_string_equal(s->domainname, "example.org");
        assert_ptr_equal(s->raw, doc);

        /* process */
        RtProcess *p = s->process;
        assert_non_null(p);
        assert_true(p->terminal);
        assert_true(p->console_height.set);
        assert_int_equal(p->console_height.value, 25);
        assert_int_equal(p->console_width.value, 80);
        assert_int_equal(p->user.uid, 1000);
        assert_int_equal(p->user.gid, 100);
        assert_true(p->user.umask.set);
        assert_int_equal(p->user.umask.value, 022);
        assert_int_equal(p->user.n_additional_gids, 3);
        assert_int_equal(p->user.additional_gids[1], 6);
        assert_int_equal(p->user.additional_gids[2], 4294967295u);
        assert_string_equal(p->user.username, "me");
        assert_int_equal(strv_length(p->args), 3);
        assert_string_equal(p->args[2], "echo hi");
        assert_string_equal(p->env[1], "TERM=xterm");
        assert_null(p->env[2]);
        assert_string_equal(p->cwd, "/work");
        assert_true(p->has_capabilities);
        assert_int_equal(p->capabilities.bounding, CAP_BIT("CAP_AUDIT_WRITE") |
                                                       CAP_BIT("CAP_KILL") |
                                                       CAP_BIT("CAP_NET_BIND_SERVICE"));
        assert_int_equal(p->capabilities.effective, CAP_BIT("CAP_KILL"));
        assert_int_equal(p->capabilities.inheritable, 0);
        assert_int_equal(p->capabilities.permitted, p->capabilities.bounding);
        assert_int_equal(p->capabilities.ambient, CAP_BIT("CAP_NET_BIND_SERVICE"));
        assert_int_equal(p->n_rlimits, 2);
        assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
        assert_string_equal(p->rlimits[0].type, "RLIMIT_NOFILE");
        assert_int_equal(p->rlimits[0].hard, 1024);
        assert_int_equal(p->rlimits[0].soft, 512);
        assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
        assert_int_equal(p->rlimits[1].hard, INT64_MAX);
        assert_true(p->no_new_privileges);
        assert_string_equal(p->apparmor_profile, "docker-default");
        assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
        assert_true(p->oom_score_adj.set);
        assert_int_equal(p->oom_score_adj.value, -500);
        assert_null(p->command_line);

        /* mounts */
        assert_int_equal(s->n_mounts, 3);
        assert_string_equal(s->mounts[0].destination, "/proc");
        assert_string_equal(s->mounts[0].type, "proc");
        assert_null(s->mounts[0].options);
        assert_string_equal(s->mounts[1].options[3], "size=65536k");
        assert_null(s->mounts[2].type);
        assert_string_equal(s->mounts[2].source, "/srv/data");
        assert_int_equal(s->mounts[2].n_uid_mappings, 1);
        assert_int_equal(s->mounts[2].uid_mappings[0].host_id, 100000);
        assert_int_equal(s->mounts[2].uid_mappings[0].size, 65536);
        assert_int_equal(s->mounts[2].gid_mappings[0].host_id, 200000);

        /* hooks, all six stages */
        assert_int_equal(s->hooks[RT_HOOK_PRESTART].n, 1);
        RtHook *h = &s->hooks[RT_HOOK_PRESTART].hooks[0];
        assert_string_equal(h->path, "/usr/bin/pre");
        assert_string_equal(h->args[1], "a");
        assert_string_equal(h->env[0], "X=1");
        assert_true(h->timeout.set);
        assert_int_equal(h->timeout.value, 5);
        assert_int_equal(s->hooks[RT_HOOK_CREATE_RUNTIME].n, 2);
        assert_string_equal(s->hooks[RT_HOOK_CREATE_RUNTIME].hooks[1].path, "/bin/cr2");
        assert_false(s->hooks[RT_HOOK_CREATE_RUNTIME].hooks[1].timeout.set);
        assert_string_equal(s->hooks[RT_HOOK_CREATE_CONTAINER].hooks[0].path, "/bin/cc");
        assert_string_equal(s->hooks[RT_HOOK_START_CONTAINER].hooks[0].path, "/bin/sc");
        assert_string_equal(s->hooks[RT_HOOK_POSTSTART].hooks[0].path, "/bin/ps");
        assert_int_equal(s->hooks[RT_HOOK_POSTSTOP].hooks[0].timeout.value, 10);

        /* annotations keep their order */
        assert_int_equal(s->n_annotations, 2);
        assert_string_equal(s->annotations[0].key, "org.example.key");
        assert_string_equal(s->annotations[0].value, "value");
        assert_string_equal(s->annotations[1].value, "");

        /* linux */
        RtLinux *l = &s->linux_;
        assert_int_equal(l->n_namespaces, 7);
        assert_int_equal(l->namespaces[1].type, RT_NS_NETWORK);
        assert_string_equal(l->namespaces[1].path, "/var/run/netns/x");
        assert_null(l->namespaces[0].path);
        assert_int_equal(l->namespaces[6].type, RT_NS_CGROUP);
        assert_int_equal(l->n_uid_mappings, 1);
        assert_int_equal(l->n_gid_mappings, 2);
        assert_int_equal(l->gid_mappings[1].container_id, 65536);
        assert_int_equal(l->gid_mappings[1].host_id, 5);
        assert_int_equal(l->n_devices, 3);
        assert_int_equal(l->devices[0].type, 'c');
        assert_int_equal(l->devices[0].major, 10);
        assert_int_equal(l->devices[0].minor, 229);
        assert_int_equal(l->devices[0].file_mode.value, 0666);
        assert_true(l->devices[0].uid.set);
        assert_false(l->devices[1].file_mode.set);
        assert_int_equal(l->devices[2].type, 'p');
        assert_string_equal(l->cgroups_path, "/berth/abc");
        assert_int_equal(l->n_sysctl, 2);
        assert_string_equal(l->sysctl[1].key, "kernel.msgmax");
        assert_string_equal(l->sysctl[1].value, "8192");
        assert_string_equal(l->rootfs_propagation, "rslave");
        assert_string_equal(l->masked_paths[1], "/sys/firmware");
        assert_string_equal(l->readonly_paths[0], "/proc/sys");
        assert_string_equal(l->mount_label, "system_u:object_r:container_file_t:s0");
        assert_true(l->personality_domain.set);
        assert_int_equal(l->personality_domain.value, PER_LINUX32);
}

static void test_parse_full_resources(void **state)
{
        _cleanup_json_ json_t *doc = load_data("full.json");
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = parse_ok(doc);
        assert_true(s->linux_.has_resources);
        RtResources *r = &s->linux_.resources;
        assert_int_equal(r->n_devices, 3);
        assert_false(r->devices[0].allow);
        assert_int_equal(r->devices[0].type, 'a');
        assert_int_equal(r->devices[0].major, -1);
        assert_int_equal(r->devices[0].minor, -1);
        assert_string_equal(r->devices[0].access, "rwm");
        assert_true(r->devices[1].allow);
        assert_int_equal(r->devices[1].type, 'c');
        assert_int_equal(r->devices[1].minor, 229);
        assert_string_equal(r->devices[1].access, "rw");
        assert_int_equal(r->devices[2].major, 8);
        assert_int_equal(r->devices[2].minor, -1);
        assert_string_equal(r->devices[2].access, "rwm");

        assert_int_equal(r->memory.limit.value, 536870912);
        assert_int_equal(r->memory.reservation.value, 268435456);
        assert_true(r->memory.swap.set);
        assert_int_equal(r->memory.swap.value, -1);
        assert_int_equal(r->memory.kernel.value, 1000);
        assert_int_equal(r->memory.kernel_tcp.value, 2000);
        assert_int_equal(r->memory.swappiness.value, 60);
        assert_true(r->memory.disable_oom_killer);
        assert_true(r->memory.use_hierarchy);
        assert_true(r->memory.check_before_update);

        assert_int_equal(r->cpu.shares.value, 1024);
        assert_int_equal(r->cpu.quota.value, 50000);
        assert_int_equal(r->cpu.burst.value, 1000);
        assert_int_equal(r->cpu.period.value, 100000);
        assert_int_equal(r->cpu.realtime_runtime.value, 950);
        assert_int_equal(r->cpu.realtime_period.value, 1000);
        assert_string_equal(r->cpu.cpus, "0-3,5");
        assert_string_equal(r->cpu.mems, "0");
        assert_int_equal(r->cpu.idle.value, 1);
        assert_int_equal(r->pids.limit.value, 100);

        assert_int_equal(r->blkio.weight.value, 500);
        assert_int_equal(r->blkio.leaf_weight.value, 300);
        assert_int_equal(r->blkio.n_weight_device, 2);
        assert_int_equal(r->blkio.weight_device[0].weight.value, 600);
        assert_int_equal(r->blkio.weight_device[0].leaf_weight.value, 100);
        assert_int_equal(r->blkio.weight_device[1].minor, 16);
        assert_false(r->blkio.weight_device[1].leaf_weight.set);
        assert_int_equal(r->blkio.n_throttle_read_bps, 1);
        assert_int_equal(r->blkio.throttle_read_bps[0].rate, 1048576);
        assert_int_equal(r->blkio.throttle_write_bps[0].rate, 2097152);
        assert_int_equal(r->blkio.throttle_read_iops[0].rate, 100);
        assert_int_equal(r->blkio.n_throttle_write_iops, 2);
        assert_int_equal(r->blkio.throttle_write_iops[1].rate, 300);

        assert_int_equal(r->n_hugepage_limits, 2);
        assert_string_equal(r->hugepage_limits[0].page_size, "2MB");
        assert_int_equal(r->hugepage_limits[0].limit, 209715200);
        assert_int_equal(r->n_unified, 2);
        assert_string_equal(r->unified[1].key, "io.weight");
        assert_string_equal(r->unified[1].value, "default 100");
}

static void test_parse_full_seccomp(void **state)
{
        _cleanup_json_ json_t *doc = load_data("full.json");
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = parse_ok(doc);
        RtSeccomp *sc = s->linux_.seccomp;
        assert_non_null(sc);
        assert_int_equal(sc->default_action, RT_SCMP_ERRNO);
        assert_true(sc->default_errno_ret.set);
        assert_int_equal(sc->default_errno_ret.value, 1);
        assert_int_equal(strv_length(sc->architectures), 3);
        assert_string_equal(sc->architectures[2], "SCMP_ARCH_X32");
        assert_string_equal(sc->flags[0], "SECCOMP_FILTER_FLAG_LOG");
        assert_string_equal(sc->listener_path, "/run/seccomp.sock");
        assert_string_equal(sc->listener_metadata, "meta");
        assert_int_equal(sc->n_syscalls, 4);
        assert_int_equal(strv_length(sc->syscalls[0].names), 3);
        assert_string_equal(sc->syscalls[0].names[2], "exit_group");
        assert_int_equal(sc->syscalls[0].action, RT_SCMP_ALLOW);
        assert_false(sc->syscalls[0].errno_ret.set);
        assert_int_equal(sc->syscalls[0].n_args, 0);
        assert_int_equal(sc->syscalls[1].args[0].value, 4294967295u);
        assert_int_equal(sc->syscalls[1].args[0].op, RT_SCMP_CMP_EQ);
        RtSeccompRule *clone = &sc->syscalls[2];
        assert_int_equal(clone->action, RT_SCMP_ERRNO);
        assert_int_equal(clone->errno_ret.value, 38);
        assert_int_equal(clone->n_args, 2);
        assert_int_equal(clone->args[0].index, 1);
        assert_int_equal(clone->args[0].value, 2114060288);
        assert_int_equal(clone->args[0].value_two, 0);
        assert_int_equal(clone->args[0].op, RT_SCMP_CMP_MASKED_EQ);
        assert_int_equal(clone->args[1].index, 5);
        assert_int_equal(clone->args[1].op, RT_SCMP_CMP_GT);
        assert_int_equal(sc->syscalls[3].action, RT_SCMP_KILL_PROCESS);
}

static void test_parse_minimal(void **state)
{
        _cleanup_json_ json_t *doc = parse_text("{\"ociVersion\": \"1.1.0\"}");
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = NULL;
        assert_int_equal(rt_spec_parse(doc, NULL, &s, &err), 0);
        assert_string_equal(s->oci_version, "1.1.0");
        assert_null(s->process);
        assert_null(s->root.path);
        assert_null(s->hostname);
        assert_int_equal(s->n_mounts, 0);
        assert_null(s->linux_.seccomp);
        assert_false(s->linux_.has_resources);
        assert_false(s->linux_.personality_domain.set);
        for (int i = 0; i < RT_HOOK_STAGE_COUNT; i++)
                assert_int_equal(s->hooks[i].n, 0);
        /* the validator wants a root and a process */
        assert_int_equal(rt_spec_validate(s, &err), -EINVAL);
        assert_string_equal(err->message, "config.json: root.path: required field is missing");
}

static void test_parse_no_capabilities(void **state)
{
        _cleanup_json_ json_t *doc = parse_text(MINIMAL_HEAD MINIMAL_PROCESS "}");
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = NULL;
        assert_int_equal(rt_spec_parse(doc, "config.json", &s, &err), 0);
        assert_int_equal(rt_spec_validate(s, &err), 0);
        assert_false(s->process->has_capabilities);
        assert_int_equal(s->process->capabilities.bounding, 0);
        assert_false(s->process->terminal);
        assert_false(s->process->oom_score_adj.set);
        assert_int_equal(s->process->user.uid, 0);
        assert_null(s->process->env);
}

static void test_unknown_fields_ignored(void **state)
{
        _cleanup_json_ json_t *doc =
            parse_text(MINIMAL_HEAD "\"future\": [1, 2], \"process\": {\"args\": [\"sh\"], "
                                    "\"cwd\": \"/\", \"scheduler\": {\"policy\": \"x\"}}, "
                                    "\"linux\": {\"intelRdt\": {}, \"memoryPolicy\": 3}}");
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = NULL;
        assert_int_equal(rt_spec_parse(doc, "config.json", &s, &err), 0);
        assert_null(err);
        /* null members count as absent */
        _cleanup_json_ json_t *doc2 =
            parse_text(MINIMAL_HEAD MINIMAL_PROCESS ", \"hostname\": null, \"linux\": null}");
        _cleanup_spec_ RtSpec *s2 = NULL;
        assert_int_equal(rt_spec_parse(doc2, "config.json", &s2, &err), 0);
        assert_null(s2->hostname);
}

static void test_error_missing_required(void **state)
{
        expect_parse_error("{}", "config.json: ociVersion: required field is missing");
        expect_parse_error("{\"ociVersion\": \"1\", \"root\": {}}",
                           "config.json: root.path: required field is missing");
        expect_parse_error(MINIMAL_HEAD "\"process\": {\"cwd\": \"/\"}}",
                           "config.json: process.args: required field is missing");
        expect_parse_error(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"]}}",
                           "config.json: process.cwd: required field is missing");
        expect_parse_error(MINIMAL_HEAD "\"mounts\": [{\"type\": \"proc\"}]}",
                           "config.json: mounts[0].destination: required field is missing");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"seccomp\": {}}}",
                           "config.json: linux.seccomp.defaultAction: required field is missing");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"uidMappings\": [{\"containerID\": 0, "
                                        "\"hostID\": 1}]}}",
                           "config.json: linux.uidMappings[0].size: required field is missing");
        expect_parse_error(MINIMAL_HEAD "\"hooks\": {\"poststop\": [{\"path\": \"/x\"}, {}]}}",
                           "config.json: hooks.poststop[1].path: required field is missing");
}

static void test_error_args(void **state)
{
        expect_parse_error(MINIMAL_HEAD "\"process\": {\"args\": [], \"cwd\": \"/\"}}",
                           "config.json: process.args: expected a non-empty array of strings");
        expect_parse_error(MINIMAL_HEAD "\"process\": {\"args\": \"sh\", \"cwd\": \"/\"}}",
                           "config.json: process.args: expected a non-empty array of strings");
        expect_parse_error(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\", 3], \"cwd\": \"/\"}}",
                           "config.json: process.args[1]: expected a string, got an integer");
}

static void test_error_types(void **state)
{
        expect_parse_error("[]", "config.json: expected a JSON object, got an array");
        expect_parse_error("{\"ociVersion\": 1}",
                           "config.json: ociVersion: expected a string, got an integer");
        expect_parse_error(MINIMAL_HEAD "\"process\": []}",
                           "config.json: process: expected an object, got an array");
        expect_parse_error(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", "
                                        "\"terminal\": \"yes\"}}",
                           "config.json: process.terminal: expected a boolean, got a string");
        expect_parse_error(MINIMAL_HEAD "\"mounts\": [{\"destination\": \"/a\"}, \"/b\"]}",
                           "config.json: mounts[1]: expected an object, got a string");
        expect_parse_error(MINIMAL_HEAD "\"annotations\": {\"a\": \"b\", \"c\": 1}}",
                           "config.json: annotations.c: expected a string, got an integer");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"sysctl\": {\"kernel.x\": true}}}",
                           "config.json: linux.sysctl.kernel.x: expected a string, got a boolean");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"resources\": {\"memory\": {\"limit\": "
                                        "1.5}}}}",
                           "config.json: linux.resources.memory.limit: expected an integer, got "
                           "a number");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"resources\": {\"cpu\": {\"shares\": "
                                        "-2}}}}",
                           "config.json: linux.resources.cpu.shares: -2 is out of range (0 to "
                           "9223372036854775807)");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"uidMappings\": [{\"containerID\": 0, "
                                        "\"hostID\": 4294967296, \"size\": 1}]}}",
                           "config.json: linux.uidMappings[0].hostID: 4294967296 is out of range "
                           "(0 to 4294967295)");
        expect_parse_error(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", "
                                        "\"user\": {\"additionalGids\": [1, -1]}}}",
                           "config.json: process.user.additionalGids[1]: expected a group id (0 "
                           "to 4294967295)");
        expect_parse_error(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", "
                                        "\"consoleSize\": {\"height\": 1}}}",
                           "config.json: process.consoleSize.width: required field is missing");
}

static void test_error_unknown_namespace(void **state)
{
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, "
                                        "{\"type\": \"mount\"}, {\"type\": \"foo\"}]}}",
                           "config.json: linux.namespaces[2].type: unknown namespace type 'foo'");
}

static void test_error_one_line(void **state)
{
        /* values from the config are quoted without control characters */
        expect_parse_error(MINIMAL_HEAD
                           "\"linux\": {\"namespaces\": [{\"type\": \"a\\nb\\u001b\"}]}}",
                           "config.json: linux.namespaces[0].type: unknown namespace type 'a?b?'");
        expect_parse_error(MINIMAL_HEAD "\"annotations\": {\"x\\ny\": 1}}",
                           "config.json: annotations.x?y: expected a string, got an integer");
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"devices\": [{\"path\": "
                                                    "\"/dev/x\", \"type\": \"\\n\"}]}}",
                       "config.json: linux.devices[0].type: unknown device type '?' (expected "
                       "c, b, u or p)");
        /* and long ones are cut */
        char text[1024];
        char big[301];
        memset(big, 'z', 300);
        big[300] = '\0';
        snprintf(text, sizeof(text),
                 MINIMAL_HEAD MINIMAL_PROCESS ", \"mounts\": [{\"destination\": \"%s\"}]}", big);
        _cleanup_json_ json_t *doc = parse_text(text);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = NULL;
        assert_int_equal(rt_spec_parse(doc, "config.json", &s, &err), 0);
        assert_int_equal(rt_spec_validate(s, &err), -EINVAL);
        assert_true(strlen(err->message) < 200);
        assert_non_null(strstr(err->message, "zzz...' is not an absolute path"));
}

static void test_error_unknown_rlimit(void **state)
{
        expect_parse_error(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", "
                                        "\"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"hard\": 1, "
                                        "\"soft\": 1}]}}",
                           "config.json: process.rlimits[0].type: unknown rlimit 'RLIMIT_FOO'");
        expect_parse_error(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", "
                                        "\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": "
                                        "1}]}}",
                           "config.json: process.rlimits[0].hard: required field is missing");
}

static void test_error_unknown_capability(void **state)
{
        expect_parse_error(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", "
                                        "\"capabilities\": {\"bounding\": [\"CAP_KILL\", "
                                        "\"CAP_FOO\"]}}}",
                           "config.json: process.capabilities.bounding[1]: unknown capability "
                           "'CAP_FOO'");
        expect_parse_error(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", "
                                        "\"capabilities\": {\"ambient\": [7]}}}",
                           "config.json: process.capabilities.ambient[0]: expected a string, got "
                           "an integer");
}

static void test_error_seccomp(void **state)
{
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"seccomp\": {\"defaultAction\": "
                                        "\"SCMP_ACT_NOPE\"}}}",
                           "config.json: linux.seccomp.defaultAction: unknown seccomp action "
                           "'SCMP_ACT_NOPE'");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"seccomp\": {\"defaultAction\": "
                                        "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"a\"], "
                                        "\"action\": \"SCMP_ACT_LOG\"}, {\"names\": [\"b\"], "
                                        "\"action\": \"SCMP_ACT_FOO\"}]}}}",
                           "config.json: linux.seccomp.syscalls[1].action: unknown seccomp action "
                           "'SCMP_ACT_FOO'");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"seccomp\": {\"defaultAction\": "
                                        "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"a\"], "
                                        "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": "
                                        "0, \"value\": 1, \"op\": \"SCMP_CMP_ALMOST\"}]}]}}}",
                           "config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp "
                           "operator 'SCMP_CMP_ALMOST'");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"seccomp\": {\"defaultAction\": "
                                        "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"a\"], "
                                        "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": "
                                        "6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}}}",
                           "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is out of "
                           "range (0 to 5)");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"seccomp\": {\"defaultAction\": "
                                        "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], "
                                        "\"action\": \"SCMP_ACT_ALLOW\"}]}}}",
                           "config.json: linux.seccomp.syscalls[0].names: expected a non-empty "
                           "array of strings");
}

static void test_error_linux_misc(void **state)
{
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"personality\": {\"domain\": \"BSD\"}}}",
                           "config.json: linux.personality.domain: unknown personality domain "
                           "'BSD'");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"devices\": [{\"path\": \"/dev/x\", "
                                        "\"type\": \"char\"}]}}",
                           "config.json: linux.devices[0].type: unknown device type 'char' "
                           "(expected c, b, u or p)");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"resources\": {\"devices\": [{\"access\": "
                                        "\"r\"}]}}}",
                           "config.json: linux.resources.devices[0].allow: required field is "
                           "missing");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"resources\": {\"blockIO\": "
                                        "{\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": "
                                        "0}]}}}}",
                           "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: "
                           "required field is missing");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"resources\": {\"blockIO\": {\"weight\": "
                                        "70000}}}}",
                           "config.json: linux.resources.blockIO.weight: 70000 is out of range (0 "
                           "to 65535)");
        expect_parse_error(MINIMAL_HEAD "\"linux\": {\"resources\": {\"hugepageLimits\": "
                                        "[{\"limit\": 1}]}}}",
                           "config.json: linux.resources.hugepageLimits[0].pageSize: required "
                           "field is missing");
}

static void test_what_prefix(void **state)
{
        _cleanup_json_ json_t *doc = parse_text("{}");
        _cleanup_error_ BerthError *err = NULL;
        RtSpec *s = NULL;
        assert_int_equal(rt_spec_parse(doc, "bundle/config.json", &s, &err), -EINVAL);
        assert_string_equal(err->message, "bundle/config.json: ociVersion: required field is "
                                          "missing");
}

static void test_validate_process(void **state)
{
        expect_invalid(MINIMAL_HEAD "\"hostname\": \"x\"}",
                       "config.json: process: required field is missing");
        expect_invalid(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"work\"}}",
                       "config.json: process.cwd: 'work' is not an absolute path");
        expect_invalid("{\"ociVersion\": \"1\", " MINIMAL_PROCESS "}",
                       "config.json: root.path: required field is missing");
        expect_invalid(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", "
                                    "\"oomScoreAdj\": 1001}}",
                       "config.json: process.oomScoreAdj: 1001 is out of range (-1000 to 1000)");
}

static void test_validate_rlimits(void **state)
{
        expect_invalid(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", "
                                    "\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 10, "
                                    "\"soft\": 10}, {\"type\": \"RLIMIT_NPROC\", \"hard\": 1, "
                                    "\"soft\": 1}, {\"type\": \"RLIMIT_NOFILE\", \"hard\": 20, "
                                    "\"soft\": 20}]}}",
                       "config.json: process.rlimits[2].type: duplicate rlimit 'RLIMIT_NOFILE'");
        expect_invalid(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", "
                                    "\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 10, "
                                    "\"soft\": 11}]}}",
                       "config.json: process.rlimits[0]: soft limit 11 is above the hard limit "
                       "10");
}

static void test_validate_paths(void **state)
{
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"mounts\": [{\"destination\": \"/a\"}, "
                                                    "{\"destination\": \"b\"}]}",
                       "config.json: mounts[1].destination: 'b' is not an absolute path");
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"hooks\": {\"createContainer\": "
                                                    "[{\"path\": \"hook.sh\"}]}}",
                       "config.json: hooks.createContainer[0].path: 'hook.sh' is not an absolute "
                       "path");
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"hooks\": {\"prestart\": "
                                                    "[{\"path\": \"/h\", \"timeout\": 0}]}}",
                       "config.json: hooks.prestart[0].timeout: must be greater than zero");
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"namespaces\": [{\"type\": "
                                                    "\"network\", \"path\": \"netns\"}]}}",
                       "config.json: linux.namespaces[0].path: 'netns' is not an absolute path");
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"rootfsPropagation\": "
                                                    "\"sideways\"}}",
                       "config.json: linux.rootfsPropagation: unknown propagation 'sideways'");
}

static void test_validate_namespaces(void **state)
{
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"namespaces\": [{\"type\": "
                                                    "\"pid\"}, {\"type\": \"uts\"}, {\"type\": "
                                                    "\"pid\"}]}}",
                       "config.json: linux.namespaces[2].type: duplicate namespace type 'pid'");
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"namespaces\": [{\"type\": "
                                                    "\"user\"}], \"uidMappings\": "
                                                    "[{\"containerID\": 0, \"hostID\": 1000, "
                                                    "\"size\": 1}]}}",
                       "config.json: linux.gidMappings: a new user namespace needs uid and gid "
                       "mappings");
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"namespaces\": [{\"type\": "
                                                    "\"user\"}]}}",
                       "config.json: linux.uidMappings: a new user namespace needs uid and gid "
                       "mappings");
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"namespaces\": [{\"type\": "
                                                    "\"pid\"}], \"gidMappings\": "
                                                    "[{\"containerID\": 0, \"hostID\": 1000, "
                                                    "\"size\": 1}]}}",
                       "config.json: linux.gidMappings: id mappings are given but no user "
                       "namespace is configured");
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS
                       ", \"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": "
                       "[{\"containerID\": 0, \"hostID\": 1000, \"size\": 0}], \"gidMappings\": "
                       "[{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]}}",
                       "config.json: linux.uidMappings[0].size: must not be 0");

        /* joining an existing user namespace needs no mappings */
        _cleanup_json_ json_t *doc =
            parse_text(MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"namespaces\": "
                                                    "[{\"type\": \"user\", \"path\": "
                                                    "\"/proc/1/ns/user\"}]}}");
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = NULL;
        assert_int_equal(rt_spec_parse(doc, "config.json", &s, &err), 0);
        assert_int_equal(rt_spec_validate(s, &err), 0);
}

static void test_validate_devices(void **state)
{
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"devices\": [{\"path\": "
                                                    "\"/dev/x\", \"type\": \"z\"}]}}",
                       "config.json: linux.devices[0].type: unknown device type 'z' (expected "
                       "c, b, u or p)");
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"devices\": [{\"path\": "
                                                    "\"dev/x\", \"type\": \"c\"}]}}",
                       "config.json: linux.devices[0].path: 'dev/x' is not an absolute path");
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"resources\": {\"devices\": "
                                                    "[{\"allow\": true, \"type\": \"p\"}]}}}",
                       "config.json: linux.resources.devices[0].type: unknown device type 'p' "
                       "(expected a, c or b)");
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"resources\": {\"devices\": "
                                                    "[{\"allow\": true, \"access\": \"rwx\"}]}}}",
                       "config.json: linux.resources.devices[0].access: 'rwx' is not a "
                       "combination of r, w and m");
}

static json_t *find_member(json_t *arr, const char *key, const char *value)
{
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e)
        {
                json_t *v = json_object_get(e, key);
                if (json_is_string(v) && STREQ(json_string_value(v), value))
                        return e;
        }
        return NULL;
}

static void test_default_spec(void **state)
{
        _cleanup_json_ json_t *doc = rt_spec_default(false);
        assert_non_null(doc);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = parse_ok(doc);
        if (rt_spec_validate(s, &err) < 0)
                fail_msg("%s", err->message);
        assert_string_equal(s->root.path, "rootfs");
        assert_true(s->root.readonly);
        assert_string_equal(s->hostname, "berth");
        RtProcess *p = s->process;
        assert_true(p->terminal);
        assert_string_equal(p->args[0], "sh");
        assert_null(p->args[1]);
        assert_string_equal(p->env[0],
                            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        assert_string_equal(p->env[1], "TERM=xterm");
        assert_string_equal(p->cwd, "/");
        assert_true(p->no_new_privileges);
        uint64_t caps =
            CAP_BIT("CAP_AUDIT_WRITE") | CAP_BIT("CAP_KILL") | CAP_BIT("CAP_NET_BIND_SERVICE");
        assert_int_equal(p->capabilities.bounding, caps);
        assert_int_equal(p->capabilities.effective, caps);
        assert_int_equal(p->capabilities.permitted, caps);
        assert_int_equal(p->capabilities.ambient, caps);
        assert_int_equal(p->capabilities.inheritable, 0);
        assert_int_equal(p->n_rlimits, 1);
        assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
        assert_int_equal(p->rlimits[0].soft, 1024);
        assert_int_equal(p->rlimits[0].hard, 1024);

        static const char *const dests[] = {"/proc",       "/dev", "/dev/pts",      "/dev/shm",
                                            "/dev/mqueue", "/sys", "/sys/fs/cgroup"};
        assert_int_equal(s->n_mounts, ARRAY_SIZE(dests));
        for (size_t i = 0; i < ARRAY_SIZE(dests); i++)
                assert_string_equal(s->mounts[i].destination, dests[i]);
        assert_string_equal(s->mounts[5].type, "sysfs");
        assert_true(strv_contains(s->mounts[2].options, "gid=5"));
        assert_true(strv_contains(s->mounts[6].options, "ro"));

        RtLinux *l = &s->linux_;
        assert_non_null(rt_spec_find_ns(s, RT_NS_PID));
        assert_non_null(rt_spec_find_ns(s, RT_NS_NETWORK));
        assert_non_null(rt_spec_find_ns(s, RT_NS_IPC));
        assert_non_null(rt_spec_find_ns(s, RT_NS_UTS));
        assert_non_null(rt_spec_find_ns(s, RT_NS_MOUNT));
        assert_null(rt_spec_find_ns(s, RT_NS_USER));
        assert_true(strv_contains(l->masked_paths, "/proc/kcore"));
        assert_true(strv_contains(l->masked_paths, "/sys/firmware"));
        assert_true(strv_contains(l->readonly_paths, "/proc/sysrq-trigger"));
        assert_int_equal(strv_length(l->readonly_paths), 5);
        assert_true(l->has_resources);
        assert_int_equal(l->resources.n_devices, 1);
        assert_false(l->resources.devices[0].allow);
        assert_string_equal(l->resources.devices[0].access, "rwm");
        assert_int_equal(l->n_uid_mappings, 0);

        /* it serialises and reads back the same */
        _cleanup_free_ char *text = json_dumps(doc, JSON_INDENT(2));
        _cleanup_json_ json_t *back = parse_text(text);
        assert_true(json_equal(back, doc));
}

static void test_default_spec_rootless(void **state)
{
        _cleanup_json_ json_t *doc = rt_spec_default(true);
        assert_non_null(doc);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = parse_ok(doc);
        if (rt_spec_validate(s, &err) < 0)
                fail_msg("%s", err->message);
        RtLinux *l = &s->linux_;
        const RtNamespace *user = rt_spec_find_ns(s, RT_NS_USER);
        assert_non_null(user);
        assert_null(user->path);
        assert_null(rt_spec_find_ns(s, RT_NS_NETWORK));
        assert_non_null(rt_spec_find_ns(s, RT_NS_MOUNT));
        assert_int_equal(l->n_uid_mappings, 1);
        assert_int_equal(l->uid_mappings[0].container_id, 0);
        assert_int_equal(l->uid_mappings[0].host_id, geteuid());
        assert_int_equal(l->uid_mappings[0].size, 1);
        assert_int_equal(l->n_gid_mappings, 1);
        assert_int_equal(l->gid_mappings[0].host_id, getegid());
        assert_false(l->has_resources);
        json_t *mounts = json_object_get(doc, "mounts");
        json_t *sys = find_member(mounts, "destination", "/sys");
        assert_non_null(sys);
        assert_string_equal(json_string_value(json_object_get(sys, "type")), "none");
        assert_string_equal(json_string_value(json_object_get(sys, "source")), "/sys");
        assert_string_equal(json_string_value(json_array_get(json_object_get(sys, "options"), 0)),
                            "rbind");
        assert_null(find_member(mounts, "destination", "/sys/fs/cgroup"));
        for (size_t i = 0; i < s->n_mounts; i++)
                STRV_FOREACH(o, s->mounts[i].options)
                {
                        assert_false(strncmp(*o, "gid=", 4) == 0);
                        assert_false(strncmp(*o, "uid=", 4) == 0);
                }
}

static void test_process_parse(void **state)
{
        _cleanup_json_ json_t *doc = load_data("process.json");
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_process_ RtProcess *p = NULL;
        if (rt_process_parse(doc, NULL, &p, &err) < 0)
                fail_msg("%s", err->message);
        assert_false(p->terminal);
        assert_string_equal(p->args[0], "/bin/ls");
        assert_string_equal(p->args[1], "-l");
        assert_string_equal(p->cwd, "/tmp");
        assert_int_equal(p->user.uid, 65534);
        assert_int_equal(p->user.gid, 65534);
        assert_int_equal(p->capabilities.effective, CAP_BIT("CAP_CHOWN"));
        assert_int_equal(p->n_rlimits, 1);
        assert_int_equal(p->rlimits[0].resource, RLIMIT_NPROC);
        assert_true(p->no_new_privileges);
        assert_int_equal(p->oom_score_adj.value, 100);
}

static void test_process_parse_errors(void **state)
{
        _cleanup_json_ json_t *doc = parse_text("{\"args\": [], \"cwd\": \"/\"}");
        _cleanup_error_ BerthError *err = NULL;
        RtProcess *p = NULL;
        assert_int_equal(rt_process_parse(doc, "", &p, &err), -EINVAL);
        assert_null(p);
        assert_string_equal(err->message, "args: expected a non-empty array of strings");
        err = error_free(err);

        assert_int_equal(rt_process_parse(doc, "process", &p, &err), -EINVAL);
        assert_string_equal(err->message, "process.args: expected a non-empty array of strings");
        err = error_free(err);

        _cleanup_json_ json_t *arr = parse_text("[1]");
        assert_int_equal(rt_process_parse(arr, NULL, &p, &err), -EINVAL);
        assert_string_equal(err->message, "process: expected an object, got an array");
        err = error_free(err);

        /* an error after many allocations frees them (checked under ASan/valgrind) */
        _cleanup_json_ json_t *late = parse_text(
            "{\"args\": [\"a\", \"b\"], \"env\": [\"A=1\"], \"cwd\": \"/\", \"user\": "
            "{\"username\": \"x\", \"additionalGids\": [1, 2]}, \"apparmorProfile\": \"p\", "
            "\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1, \"soft\": 1}, "
            "{\"type\": \"RLIMIT_NPROC\", \"hard\": 1}]}");
        assert_int_equal(rt_process_parse(late, NULL, &p, &err), -EINVAL);
        assert_string_equal(err->message, "rlimits[1].soft: required field is missing");
}

/* Cuts the full config at every member and every array element: each parse
 * either succeeds or fails with one line, and frees what it built. */
static void test_partial_results_freed(void **state)
{
        _cleanup_json_ json_t *full = load_data("full.json");
        const char *poison_keys[] = {"path",  "type",  "destination", "names", "action",
                                     "hard",  "major", "pageSize",    "rate",  "allow",
                                     "value", "op",    "containerID", "args",  "cwd"};
        /* Breaking one key anywhere in the tree must fail cleanly. */
        for (size_t k = 0; k < ARRAY_SIZE(poison_keys); k++) {
                _cleanup_free_ char *text = json_dumps(full, JSON_COMPACT);
                _cleanup_free_ char *needle = NULL;
                assert_true(asprintf(&needle, "\"%s\":", poison_keys[k]) > 0);
                char *at = text;
                int n = 0;
                while ((at = strstr(at, needle))) {
                        /* rename the key so that a required member goes missing */
                        at[1] = 'X';
                        _cleanup_json_ json_t *doc = NULL;
                        _cleanup_error_ BerthError *err = NULL;
                        if (json_parse_buffer(text, strlen(text), "t", &doc, &err) < 0)
                                break; /* duplicate keys after renaming: stop here */
                        RtSpec *s = NULL;
                        int r = rt_spec_parse(doc, "config.json", &s, &err);
                        if (r < 0) {
                                assert_null(s);
                                assert_non_null(err);
                                assert_non_null(strstr(err->message, "config.json: "));
                                assert_null(strchr(err->message, '\n'));
                        } else {
                                rt_spec_free(s);
                        }
                        at[1] = poison_keys[k][0];
                        at++;
                        n++;
                }
                assert_true(n > 0);
        }
        assert_null(rt_spec_free(NULL));
        assert_null(rt_process_free(NULL));
}

static void test_ns_tables(void **state)
{
        static const struct {
                RtNsType t;
                const char *name;
                const char *proc;
                int flag;
        } want[] = {
            {RT_NS_PID, "pid", "pid", CLONE_NEWPID},
            {RT_NS_NETWORK, "network", "net", CLONE_NEWNET},
            {RT_NS_MOUNT, "mount", "mnt", CLONE_NEWNS},
            {RT_NS_IPC, "ipc", "ipc", CLONE_NEWIPC},
            {RT_NS_UTS, "uts", "uts", CLONE_NEWUTS},
            {RT_NS_USER, "user", "user", CLONE_NEWUSER},
            {RT_NS_CGROUP, "cgroup", "cgroup", CLONE_NEWCGROUP},
            {RT_NS_TIME, "time", "time", 0x80},
        };
        assert_int_equal(ARRAY_SIZE(want), RT_NS_COUNT);
        for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
                assert_string_equal(rt_ns_type_name(want[i].t), want[i].name);
                assert_string_equal(rt_ns_proc_name(want[i].t), want[i].proc);
                assert_int_equal(rt_ns_clone_flag(want[i].t), want[i].flag);
                assert_int_equal(rt_ns_type_from_name(want[i].name), want[i].t);
        }
        assert_int_equal(rt_ns_type_from_name("net"), -EINVAL);
        assert_int_equal(rt_ns_type_from_name("PID"), -EINVAL);
        assert_int_equal(rt_ns_type_from_name(NULL), -EINVAL);
        assert_null(rt_ns_type_name(RT_NS_COUNT));
        assert_int_equal(rt_ns_clone_flag(RT_NS_COUNT), 0);
        assert_null(rt_spec_find_ns(NULL, RT_NS_PID));
}

static void test_find_ns(void **state)
{
        _cleanup_json_ json_t *doc = load_data("full.json");
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = NULL;
        assert_int_equal(rt_spec_parse(doc, "config.json", &s, &err), 0);
        const RtNamespace *net = rt_spec_find_ns(s, RT_NS_NETWORK);
        assert_non_null(net);
        assert_ptr_equal(net, &s->linux_.namespaces[1]);
        assert_string_equal(net->path, "/var/run/netns/x");
        assert_null(rt_spec_find_ns(s, RT_NS_TIME));
}

static void test_spec_load(void **state)
{
        char dir[] = "/tmp/berth-test-spec-XXXXXX";
        assert_non_null(mkdtemp(dir));
        _cleanup_free_ char *path = NULL;
        assert_true(asprintf(&path, "%s/config.json", dir) > 0);
        _cleanup_error_ BerthError *err = NULL;
        RtSpec *s = NULL;

        /* missing file */
        assert_true(rt_spec_load(dir, &s, &err) < 0);
        assert_null(s);
        assert_non_null(strstr(err->message, "config.json"));
        err = error_free(err);

        /* invalid JSON names the document */
        const char *bad = "{\"ociVersion\": ";
        assert_int_equal(write_file_atomic(path, bad, strlen(bad), 0644, &err), 0);
        assert_int_equal(rt_spec_load(dir, &s, &err), -EINVAL);
        assert_true(strncmp(err->message, "config.json: invalid JSON", 25) == 0);
        err = error_free(err);

        _cleanup_json_ json_t *def = rt_spec_default(false);
        assert_int_equal(json_dump_file_atomic(path, def, &err), 0);
        assert_int_equal(rt_spec_load(dir, &s, &err), 0);
        assert_string_equal(s->hostname, "berth");
        assert_true(json_equal(s->raw, def));
        s = rt_spec_free(s);

        unlink(path);
        rmdir(dir);
}

static void test_huge_arrays(void **state)
{
        /* 100000 mounts and 100000 masked paths parse and free. */
        json_t *doc = rt_spec_default(false);
        json_t *mounts = json_object_get(doc, "mounts");
        json_t *masked = json_object_get(json_object_get(doc, "linux"), "maskedPaths");
        char buf[64];
        for (int i = 0; i < 100000; i++) {
                snprintf(buf, sizeof(buf), "/m/%d", i);
                json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s]}", "destination",
                                                        buf, "type", "tmpfs", "source", "tmpfs",
                                                        "options", "ro"));
                json_array_append_new(masked, json_string(buf));
        }
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = NULL;
        assert_int_equal(rt_spec_parse(doc, "config.json", &s, &err), 0);
        json_decref(doc); /* the spec keeps its own reference */
        assert_int_equal(s->n_mounts, 100007);
        assert_string_equal(s->mounts[100006].destination, "/m/99999");
        assert_int_equal(strv_length(s->linux_.masked_paths), 100011);
        assert_int_equal(rt_spec_validate(s, &err), 0);
        assert_ptr_equal(json_object_get(s->raw, "mounts"), mounts);
}

/* runc writes RLIM_INFINITY as 2^64-1, which jansson alone rejects. */
static void test_big_uints(void **state)
{
        _cleanup_json_ json_t *doc = parse_text(
            MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"env\": "
                         "[\"X=18446744073709551615\"], \"rlimits\": [{\"type\": "
                         "\"RLIMIT_NOFILE\", \"hard\": 18446744073709551615, \"soft\": "
                         "9223372036854775808}]}, \"linux\": {\"seccomp\": {\"defaultAction\": "
                         "\"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
                         "\"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": "
                         "18446744073709551614, \"valueTwo\": 9223372036854775807, \"op\": "
                         "\"SCMP_CMP_MASKED_EQ\"}]}]}}}");
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = parse_ok(doc);
        assert_true(s->process->rlimits[0].hard == UINT64_MAX);
        assert_true(s->process->rlimits[0].hard == RLIM_INFINITY);
        assert_true(s->process->rlimits[0].soft == UINT64_C(9223372036854775808));
        assert_true(s->linux_.seccomp->syscalls[0].args[0].value == UINT64_MAX - 1);
        assert_true(s->linux_.seccomp->syscalls[0].args[0].value_two == INT64_MAX);
        /* a number inside a string stays the string it was */
        assert_string_equal(s->process->env[0], "X=18446744073709551615");
}

static void test_big_uint_errors(void **state)
{
        /* above 64 bits: still jansson's error */
        json_t *doc = NULL;
        _cleanup_error_ BerthError *err = NULL;
        const char *text = "{\"a\": 18446744073709551616}";
        assert_int_equal(rt_spec_parse_text(text, strlen(text), "config.json", &doc, &err),
                         -EINVAL);
        assert_non_null(strstr(err->message, "config.json: invalid JSON"));
        err = error_free(err);
        /* negative, fraction and exponent forms are left to jansson */
        text = "[-9223372036854775808, 1.5, 1e3, 0, 9223372036854775807]";
        assert_int_equal(rt_spec_parse_text(text, strlen(text), "t", &doc, &err), 0);
        assert_true(json_is_integer(json_array_get(doc, 0)));
        assert_int_equal(json_integer_value(json_array_get(doc, 0)), INT64_MIN);
        assert_true(json_is_real(json_array_get(doc, 1)));
        assert_true(json_is_real(json_array_get(doc, 2)));
        assert_int_equal(json_integer_value(json_array_get(doc, 4)), INT64_MAX);
        json_decref(doc);
        /* a signed field names the range */
        expect_parse_error(MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"resources\": {\"memory\": "
                                                        "{\"limit\": 18446744073709551615}}}}",
                           "config.json: linux.resources.memory.limit: 18446744073709551615 is out "
                           "of range (-9223372036854775808 to 9223372036854775807)");
        /* an unsigned field with a smaller range */
        expect_parse_error(MINIMAL_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", "
                                        "\"user\": {\"uid\": 18446744073709551615}}}",
                           "config.json: process.user.uid: 18446744073709551615 is out of range "
                           "(0 to 4294967295)");
}

/* `update -r`: a resources object alone. */
static void test_resources_from_json(void **state)
{
        _cleanup_json_ json_t *doc = parse_text(
            "{\"memory\": {\"limit\": 1048576}, \"pids\": {\"limit\": 5}, \"cpu\": {\"cpus\": "
            "\"0-1\"}, \"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, "
            "\"rate\": 18446744073709551615}]}}");
        _cleanup_error_ BerthError *err = NULL;
        RtResources res;
        assert_int_equal(rt_resources_from_json(doc, "r.json", &res, &err), 0);
        assert_true(res.memory.limit.set);
        assert_int_equal(res.memory.limit.value, 1048576);
        assert_int_equal(res.pids.limit.value, 5);
        assert_string_equal(res.cpu.cpus, "0-1");
        assert_true(res.blkio.throttle_read_bps[0].rate == UINT64_MAX);
        rt_resources_done(&res);
        json_decref(doc);
        doc = parse_text("{\"pids\": {\"limit\": \"x\"}}");
        assert_int_equal(rt_resources_from_json(doc, "r.json", &res, &err), -EINVAL);
        assert_string_equal(err->message, "r.json: pids.limit: expected an integer, got a string");
        assert_null(res.cpu.cpus);
        err = error_free(err);
        json_decref(doc);
        doc = parse_text("[1]");
        assert_int_equal(rt_resources_from_json(doc, "r.json", &res, &err), -EINVAL);
        assert_string_equal(err->message, "r.json: expected an object, got an array");
}

static void test_time_offsets(void **state)
{
        _cleanup_json_ json_t *doc = parse_text(
            MINIMAL_HEAD MINIMAL_PROCESS ", \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, "
                                         "{\"type\": \"time\"}], \"timeOffsets\": "
                                         "{\"boottime\": {\"secs\": -5, \"nanosecs\": 7}, "
                                         "\"monotonic\": {\"secs\": 3600}}}}");
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_spec_ RtSpec *s = parse_ok(doc);
        assert_int_equal(rt_spec_validate(s, &err), 0);
        assert_true(s->linux_.boottime.set);
        assert_int_equal(s->linux_.boottime.secs, -5);
        assert_int_equal(s->linux_.boottime.nanosecs, 7);
        assert_true(s->linux_.monotonic.set);
        assert_int_equal(s->linux_.monotonic.secs, 3600);
        assert_non_null(rt_spec_find_ns(s, RT_NS_TIME));

        expect_parse_error(MINIMAL_HEAD MINIMAL_PROCESS
                           ", \"linux\": {\"timeOffsets\": {\"realtime\": {\"secs\": 1}}}}",
                           "config.json: linux.timeOffsets.realtime: unknown clock (expected "
                           "monotonic or boottime)");
        expect_parse_error(
            MINIMAL_HEAD MINIMAL_PROCESS
            ", \"linux\": {\"timeOffsets\": {\"boottime\": {\"nanosecs\": 1000000000}}}}",
            "config.json: linux.timeOffsets.boottime.nanosecs: 1000000000 is out of range (0 to "
            "999999999)");
        expect_invalid(MINIMAL_HEAD MINIMAL_PROCESS
                       ", \"linux\": {\"timeOffsets\": {\"boottime\": {\"secs\": 1}}}}",
                       "config.json: linux.timeOffsets: offsets need a new time namespace in "
                       "linux.namespaces");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse_full),
            cmocka_unit_test(test_parse_full_resources),
            cmocka_unit_test(test_parse_full_seccomp),
            cmocka_unit_test(test_parse_minimal),
            cmocka_unit_test(test_parse_no_capabilities),
            cmocka_unit_test(test_unknown_fields_ignored),
            cmocka_unit_test(test_error_missing_required),
            cmocka_unit_test(test_error_args),
            cmocka_unit_test(test_error_types),
            cmocka_unit_test(test_error_unknown_namespace),
            cmocka_unit_test(test_error_one_line),
            cmocka_unit_test(test_error_unknown_rlimit),
            cmocka_unit_test(test_error_unknown_capability),
            cmocka_unit_test(test_error_seccomp),
            cmocka_unit_test(test_error_linux_misc),
            cmocka_unit_test(test_what_prefix),
            cmocka_unit_test(test_validate_process),
            cmocka_unit_test(test_validate_rlimits),
            cmocka_unit_test(test_validate_paths),
            cmocka_unit_test(test_validate_namespaces),
            cmocka_unit_test(test_validate_devices),
            cmocka_unit_test(test_default_spec),
            cmocka_unit_test(test_default_spec_rootless),
            cmocka_unit_test(test_process_parse),
            cmocka_unit_test(test_process_parse_errors),
            cmocka_unit_test(test_partial_results_freed),
            cmocka_unit_test(test_ns_tables),
            cmocka_unit_test(test_find_ns),
            cmocka_unit_test(test_spec_load),
            cmocka_unit_test(test_huge_arrays),
            cmocka_unit_test(test_big_uints),
            cmocka_unit_test(test_big_uint_errors),
            cmocka_unit_test(test_resources_from_json),
            cmocka_unit_test(test_time_offsets),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
