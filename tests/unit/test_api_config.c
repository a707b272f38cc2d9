/* Unit tests for berthd's configuration (flags + daemon.json, dockerd's
 * rules), the single-instance lock and the pid file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "daemon/daemon_config.h"

typedef struct Fixture {
        char dir[64];
        char conf[128];
} Fixture;

static int setup(void **state)
{
        Fixture *f = calloc(1, sizeof(*f));
        strcpy(f->dir, "/tmp/test_api_config.XXXXXX");
        if (!mkdtemp(f->dir))
                return -1;
        snprintf(f->conf, sizeof(f->conf), "%s/daemon.json", f->dir);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        Fixture *f = *state;
        rm_rf(f->dir, NULL);
        free(f);
        return 0;
}

static void write_conf(Fixture *f, const char *text)
{
        assert_int_equal(write_file_atomic(f->conf, text, strlen(text), 0644, NULL), 0);
}

#define LOAD(ret, err, ...)                                                                        \
        ({                                                                                         \
                char *argv_[] = {"berthd", __VA_ARGS__, NULL};                                     \
                daemon_config_load((int)ARRAY_SIZE(argv_) - 1, argv_, ret, err);                   \
        })

static void test_config_defaults(void **state)
{
        Fixture *f = *state;
        write_conf(f, "{}");
        _cleanup_daemon_config_ DaemonConfig *c = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(LOAD(&c, &err, "--config-file", f->conf), 0);
        assert_string_equal(c->hosts[0], DAEMON_DEFAULT_HOST);
        assert_null(c->hosts[1]);
        assert_string_equal(c->sockets[0], "/run/berth/berth.sock");
        assert_string_equal(c->data_root, "/var/lib/berth");
        assert_string_equal(c->exec_root, "/run/berth");
        assert_string_equal(c->pidfile, "/run/berth/berthd.pid");
        assert_string_equal(c->log_level, "info");
        assert_false(c->debug);
}

static void test_config_flags(void **state)
{
        Fixture *f = *state;
        write_conf(f, "{}");
        _cleanup_daemon_config_ DaemonConfig *c = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(LOAD(&c, &err, "--config-file", f->conf, "-H", "unix:///tmp/a.sock",
                              "--host=unix:///tmp/b.sock", "--data-root", "/d", "--exec-root", "/e",
                              "-D", "--log-level", "warn"),
                         0);
        assert_string_equal(c->sockets[0], "/tmp/a.sock");
        assert_string_equal(c->sockets[1], "/tmp/b.sock");
        assert_string_equal(c->data_root, "/d");
        assert_string_equal(c->pidfile, "/e/berthd.pid"); /* follows exec-root */
        assert_true(c->debug);
        assert_string_equal(c->log_level, "warn");
}

static void test_config_file_values(void **state)
{
        Fixture *f = *state;
        write_conf(f, "{\"hosts\":[\"unix:///tmp/c.sock\"],\"data-root\":\"/dd\","
                      "\"pidfile\":\"/p/x.pid\",\"debug\":true,\"storage-driver\":\"vfs\"}");
        _cleanup_daemon_config_ DaemonConfig *c = NULL;
        _cleanup_error_ BerthError *err = NULL;
        /* a flag for one key and the file for others is fine */
        assert_int_equal(LOAD(&c, &err, "--config-file", f->conf, "--exec-root", "/ee"), 0);
        assert_string_equal(c->sockets[0], "/tmp/c.sock");
        assert_string_equal(c->data_root, "/dd");
        assert_string_equal(c->exec_root, "/ee");
        assert_string_equal(c->pidfile, "/p/x.pid");
        assert_string_equal(c->storage_driver, "vfs");
        assert_true(c->debug);
}

static void test_config_unknown_keys(void **state)
{
        Fixture *f = *state;
        write_conf(f, "{\"debug\":true,\"foo\":1,\"bar\":\"x\"}");
        DaemonConfig *c = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(LOAD(&c, &err, "--config-file", f->conf), -EINVAL);
        char want[512];
        snprintf(want, sizeof(want),
                 "unable to configure the berth daemon with file %s: the following directives "
                 "don't match any configuration option: foo, bar",
                 f->conf);
        assert_string_equal(err->message, want);
}

static void test_config_conflicts(void **state)
{
        Fixture *f = *state;
        write_conf(f, "{\"hosts\":[\"unix:///tmp/f.sock\"],\"debug\":false}");
        DaemonConfig *c = NULL;
        _cleanup_error_ BerthError *err = NULL;
        assert_int_equal(LOAD(&c, &err, "--config-file", f->conf, "-H", "unix:///tmp/a.sock", "-D"),
                         -EINVAL);
        char want[512];
        snprintf(want, sizeof(want),
                 "unable to configure the berth daemon with file %s: the following directives "
                 "are specified both as a flag and in the configuration file: hosts: (from "
                 "flag: [unix:///tmp/a.sock], from file: [unix:///tmp/f.sock]), debug: (from "
                 "flag: true, from file: false)",
                 f->conf);
        assert_string_equal(err->message, want);
}

static void test_config_file_errors(void **state)
{
        Fixture *f = *state;
        DaemonConfig *c = NULL;
        BerthError *err = NULL;
        /* an explicit file must exist */
        assert_int_equal(LOAD(&c, &err, "--config-file", "/nonexistent/daemon.json"), -ENOENT);
        assert_non_null(strstr(err->message, "unable to configure the berth daemon with file "
                                             "/nonexistent/daemon.json"));
        err = error_free(err);
        write_conf(f, "{\"hosts\":\"unix:///x\"}");
        assert_int_equal(LOAD(&c, &err, "--config-file", f->conf), -EINVAL);
        assert_non_null(strstr(err->message, "hosts: expected an array of strings, got a string"));
        err = error_free(err);
        write_conf(f, "{\"debug\":");
        assert_int_equal(LOAD(&c, &err, "--config-file", f->conf), -EINVAL);
        err = error_free(err);
        write_conf(f, "{\"log-level\":\"loud\"}");
        assert_int_equal(LOAD(&c, &err, "--config-file", f->conf), -EINVAL);
        assert_string_equal(err->message, "unable to parse logging level: loud");
        err = error_free(err);
        write_conf(f, "{}");
        assert_int_equal(LOAD(&c, &err, "--config-file", f->conf, "--data-root", "rel"), -EINVAL);
        assert_string_equal(err->message, "data-root: 'rel' is not an absolute path");
        err = error_free(err);
}

static void test_config_bad_flags(void **state)
{
        Fixture *f = *state;
        write_conf(f, "{}");
        DaemonConfig *c = NULL;
        BerthError *err = NULL;
        assert_int_equal(LOAD(&c, &err, "--config-file", f->conf, "--bogus"), -EINVAL);
        assert_string_equal(err->message, "unknown flag: --bogus");
        err = error_free(err);
        assert_int_equal(LOAD(&c, &err, "--config-file", f->conf, "-H"), -EINVAL);
        assert_string_equal(err->message, "flag needs an argument: -H");
        err = error_free(err);
        assert_int_equal(LOAD(&c, &err, "--config-file", f->conf, "-H", "tcp://0.0.0.0:2375"),
                         -EINVAL);
        assert_string_equal(
            err->message, "host 'tcp://0.0.0.0:2375': only unix:// sockets are supported for now");
        err = error_free(err);
        /* Docker's "no default bridge": refused, not a bridge named "none" */
        assert_int_equal(LOAD(&c, &err, "--config-file", f->conf, "--bridge", "none"), -ENOTSUP);
        assert_string_equal(err->message, "bridge: \"none\" (no default bridge network) is not "
                                          "supported yet; give an interface name");
        err = error_free(err);
        _cleanup_daemon_config_ DaemonConfig *h = NULL;
        assert_int_equal(LOAD(&h, &err, "--help"), 0);
        assert_true(h->show_help);
}

static void test_parse_host(void **state)
{
        _cleanup_free_ char *p = NULL, *q = NULL;
        BerthError *err = NULL;
        assert_int_equal(daemon_parse_host("unix:///a/b.sock", &p, NULL), 0);
        assert_string_equal(p, "/a/b.sock");
        assert_int_equal(daemon_parse_host("unix://", &q, NULL), 0);
        assert_string_equal(q, "/run/berth/berth.sock");
        assert_int_equal(daemon_parse_host("unix://rel.sock", &p, &err), -EINVAL);
        err = error_free(err);
        assert_int_equal(daemon_parse_host("/a.sock", &p, &err), -EINVAL);
        err = error_free(err);
}

static void test_single_instance_lock(void **state)
{
        Fixture *f = *state;
        int fd = -1, fd2 = -1;
        BerthError *err = NULL;
        assert_int_equal(daemon_lock_acquire(f->dir, &fd, &err), 0);
        /* flock locks belong to the open file: a second open conflicts */
        assert_int_equal(daemon_lock_acquire(f->dir, &fd2, &err), -EBUSY);
        char want[64];
        snprintf(want, sizeof(want), "berthd is already running (pid %ld)", (long)getpid());
        assert_string_equal(err->message, want);
        err = error_free(err);
        close(fd);
        assert_int_equal(daemon_lock_acquire(f->dir, &fd2, &err), 0);
        close(fd2);
}

static void test_pidfile(void **state)
{
        Fixture *f = *state;
        char path[128];
        snprintf(path, sizeof(path), "%s/berthd.pid", f->dir);
        assert_int_equal(daemon_pidfile_write(path, NULL), 0);
        _cleanup_free_ char *buf = NULL;
        assert_int_equal(read_file(path, &buf, NULL, NULL), 0);
        assert_int_equal(strtol(buf, NULL, 10), getpid());
        daemon_pidfile_remove(path);
        assert_int_equal(access(path, F_OK), -1);
        /* somebody else's pidfile stays */
        assert_int_equal(write_file_atomic(path, "1\n", 2, 0644, NULL), 0);
        daemon_pidfile_remove(path);
        assert_int_equal(access(path, F_OK), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_config_defaults, setup, teardown),
            cmocka_unit_test_setup_teardown(test_config_flags, setup, teardown),
            cmocka_unit_test_setup_teardown(test_config_file_values, setup, teardown),
            cmocka_unit_test_setup_teardown(test_config_unknown_keys, setup, teardown),
            cmocka_unit_test_setup_teardown(test_config_conflicts, setup, teardown),
            cmocka_unit_test_setup_teardown(test_config_file_errors, setup, teardown),
            cmocka_unit_test_setup_teardown(test_config_bad_flags, setup, teardown),
            cmocka_unit_test(test_parse_host),
            cmocka_unit_test_setup_teardown(test_single_instance_lock, setup, teardown),
            cmocka_unit_test_setup_teardown(test_pidfile, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
