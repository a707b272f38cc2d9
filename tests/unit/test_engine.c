/* Unit tests for the engine's pure parts: names, IDs, lookup, status
 * strings, times, restart back-off and policies, the containers table,
 * list filters, signals, event filters, summary and inspect shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileutil.h"
#include "daemon/api_router.h"
#include "daemon/engine_internal.h"

#define SEC 1000000000LL

static Ctr *mk(const char *id_char, const char *name)
{
        Ctr *c = ctr_new();
        memset(c->id, id_char[0], 64);
        c->id[64] = '\0';
        if (id_char[1])
                c->id[1] = id_char[1];
        c->name = strdup(name);
        c->image = strdup("busybox");
        snprintf(c->image_id, sizeof(c->image_id), "sha256:%064d", 1);
        c->config = json_pack("{s:[s], s:{s:s, s:s}}", "Cmd", "sh", "Labels", "a", "1", "b", "two");
        c->host_config = json_pack("{s:s, s:{s:s, s:i}}", "NetworkMode", "bridge", "RestartPolicy",
                                   "Name", "no", "MaximumRetryCount", 0);
        return c;
}

static void test_names(void **state)
{
        (void)state;
        assert_true(engine_name_valid("web"));
        assert_true(engine_name_valid("/web-1.a_b"));
        assert_false(engine_name_valid("a"));
        assert_false(engine_name_valid("-web"));
        assert_false(engine_name_valid("we b"));
        assert_false(engine_name_valid("web/x"));
        assert_false(engine_name_valid(""));
        char buf[64];
        for (int i = 0; i < 20; i++) {
                engine_name_random(buf, sizeof(buf));
                assert_true(engine_name_valid(buf));
                assert_non_null(strchr(buf, '_'));
        }
        char id[65], id2[65];
        engine_id_new(id);
        engine_id_new(id2);
        assert_int_equal(strlen(id), 64);
        assert_string_not_equal(id, id2);
        for (int i = 0; i < 64; i++)
                assert_non_null(strchr("0123456789abcdef", id[i]));
}

static void test_lookup(void **state)
{
        (void)state;
        Ctr *v[3] = {mk("a", "/alpha"), mk("ab", "/beta"), mk("c", "/aaaa")};
        BerthError *err = NULL;
        assert_ptr_equal(engine_lookup(v, 3, v[0]->id, &err), v[0]);
        assert_ptr_equal(engine_lookup(v, 3, "alpha", &err), v[0]);
        assert_ptr_equal(engine_lookup(v, 3, "/beta", &err), v[1]);
        assert_ptr_equal(engine_lookup(v, 3, "c", &err), v[2]);
        assert_ptr_equal(engine_lookup(v, 3, "ab", &err), v[1]);
        /* a name wins over an ID prefix */
        assert_ptr_equal(engine_lookup(v, 3, "aaaa", &err), v[2]);
        assert_null(err);
        /* "a" prefixes two IDs */
        assert_null(engine_lookup(v, 3, "a", &err));
        assert_non_null(err);
        assert_int_equal(err->code, EINVAL);
        err = error_free(err);
        assert_null(engine_lookup(v, 3, "nope", &err));
        assert_int_equal(err->code, ENOENT);
        assert_string_equal(err->message, "No such container: nope");
        err = error_free(err);
        for (int i = 0; i < 3; i++)
                ctr_unref(v[i]);
}

static void test_human_duration(void **state)
{
        (void)state;
        char b[64];
        struct {
                int64_t ns;
                const char *want;
        } cases[] = {
            {SEC / 2, "Less than a second"},
            {SEC, "1 second"},
            {3 * SEC, "3 seconds"},
            {59 * SEC, "59 seconds"},
            {60 * SEC, "About a minute"},
            {119 * SEC, "About a minute"},
            {2 * 60 * SEC, "2 minutes"},
            {59 * 60 * SEC, "59 minutes"},
            {60 * 60 * SEC, "About an hour"},
            {3 * 3600 * SEC, "3 hours"},
            {3 * 24 * 3600 * SEC, "3 days"},
            {3 * 7 * 24 * 3600 * SEC, "3 weeks"},
            {90 * 24 * 3600LL * SEC, "3 months"},
            {3 * 365 * 24 * 3600LL * SEC, "3 years"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                engine_human_duration(cases[i].ns, b, sizeof(b));
                assert_string_equal(b, cases[i].want);
        }
}

static void test_status_string(void **state)
{
        (void)state;
        Ctr *c = mk("d", "/s");
        char b[128];
        int64_t now = 1000 * SEC;
        c->state = ENGINE_CREATED;
        engine_status_string(c, now, b, sizeof(b));
        assert_string_equal(b, "Created");
        c->state = ENGINE_RUNNING;
        c->started_at = now - 3 * SEC;
        engine_status_string(c, now, b, sizeof(b));
        assert_string_equal(b, "Up 3 seconds");
        c->state = ENGINE_PAUSED;
        engine_status_string(c, now, b, sizeof(b));
        assert_string_equal(b, "Up 3 seconds (Paused)");
        c->state = ENGINE_EXITED;
        c->exit_code = 137;
        c->finished_at = now - 120 * SEC;
        engine_status_string(c, now, b, sizeof(b));
        assert_string_equal(b, "Exited (137) 2 minutes ago");
        c->state = ENGINE_RESTARTING;
        c->exit_code = 1;
        c->finished_at = now - 2 * SEC;
        engine_status_string(c, now, b, sizeof(b));
        assert_string_equal(b, "Restarting (1) 2 seconds ago");
        c->state = ENGINE_REMOVING;
        engine_status_string(c, now, b, sizeof(b));
        assert_string_equal(b, "Removal In Progress");
        c->state = ENGINE_DEAD;
        engine_status_string(c, now, b, sizeof(b));
        assert_string_equal(b, "Dead");
        EngineRunState st;
        assert_int_equal(engine_state_parse("paused", &st), 0);
        assert_int_equal(st, ENGINE_PAUSED);
        assert_int_equal(engine_state_parse("bogus", &st), -EINVAL);
        ctr_unref(c);
}

static void test_times(void **state)
{
        (void)state;
        char b[64];
        engine_time_format(0, b, sizeof(b));
        assert_string_equal(b, "0001-01-01T00:00:00Z");
        int64_t t = 1795453200LL * SEC + 123456789;
        engine_time_format(t, b, sizeof(b));
        assert_string_equal(b, "2026-11-23T17:00:00.123456789Z");
        int64_t back;
        assert_int_equal(engine_time_parse(b, &back), 0);
        assert_true(back == t);
        engine_time_format(1795453200LL * SEC + 500000000, b, sizeof(b));
        assert_string_equal(b, "2026-11-23T17:00:00.5Z");
        assert_int_equal(engine_time_parse("2026-11-23T18:00:00+01:00", &back), 0);
        assert_true(back == 1795453200LL * SEC);
        assert_int_equal(engine_time_parse("0001-01-01T00:00:00Z", &back), 0);
        assert_true(back == 0);
        assert_int_equal(engine_time_parse("yesterday", &back), -EINVAL);

        int64_t now = 2000 * SEC;
        assert_int_equal(engine_time_arg_parse("1500", now, &back), 0);
        assert_true(back == 1500 * SEC);
        assert_int_equal(engine_time_arg_parse("1500.25", now, &back), 0);
        assert_true(back == 1500 * SEC + 250000000);
        assert_int_equal(engine_time_arg_parse("10m", now, &back), 0);
        assert_true(back == now - 600 * SEC);
        assert_int_equal(engine_time_arg_parse("1h30m", now, &back), 0);
        assert_true(back == now - 5400 * SEC);
        assert_int_equal(engine_time_arg_parse("2026-11-23T17:00:00Z", now, &back), 0);
        assert_true(back == 1795453200LL * SEC);
        assert_int_equal(engine_time_arg_parse("xyz", now, &back), -EINVAL);
}

static void test_backoff(void **state)
{
        (void)state;
        /* 100 ms doubling while the container keeps failing fast */
        int64_t d = 0;
        int64_t want[] = {100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000};
        for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
                d = engine_restart_backoff(d, 50);
                assert_int_equal(d, want[i]);
        }
        /* reset after 10 s of running */
        assert_int_equal(engine_restart_backoff(6400, 10000), 100);
        assert_int_equal(engine_restart_backoff(6400, 9999), 12800);
}

static void test_policy(void **state)
{
        (void)state;
        json_t *no = json_pack("{s:{s:s}}", "RestartPolicy", "Name", "no");
        json_t *always = json_pack("{s:{s:s}}", "RestartPolicy", "Name", "always");
        json_t *unless = json_pack("{s:{s:s}}", "RestartPolicy", "Name", "unless-stopped");
        json_t *onf = json_pack("{s:{s:s}}", "RestartPolicy", "Name", "on-failure");
        json_t *onf2 = json_pack("{s:{s:s, s:i}}", "RestartPolicy", "Name", "on-failure",
                                 "MaximumRetryCount", 2);
        json_t *none = json_object();
        assert_false(engine_policy_should_restart(no, 1, 0, false));
        assert_false(engine_policy_should_restart(none, 1, 0, false));
        assert_true(engine_policy_should_restart(always, 0, 5, false));
        assert_true(engine_policy_should_restart(always, 0, 5, true));
        assert_true(engine_policy_should_restart(unless, 0, 0, false));
        assert_false(engine_policy_should_restart(unless, 0, 0, true));
        assert_false(engine_policy_should_restart(onf, 0, 0, false));
        assert_true(engine_policy_should_restart(onf, 3, 100, false));
        assert_true(engine_policy_should_restart(onf2, 1, 0, false));
        assert_true(engine_policy_should_restart(onf2, 1, 1, false));
        assert_false(engine_policy_should_restart(onf2, 1, 2, false));
        json_decref(no);
        json_decref(always);
        json_decref(unless);
        json_decref(onf);
        json_decref(onf2);
        json_decref(none);
}

static void test_db(void **state)
{
        (void)state;
        char dir[] = "/tmp/test-engine-db.XXXXXX";
        assert_non_null(mkdtemp(dir));
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/berth.db", dir);
        sqlite3 *db = NULL;
        BerthError *err = NULL;
        assert_int_equal(edb_open(path, &db, &err), 0);

        Ctr *a = mk("a", "/alpha");
        a->created = 10 * SEC;
        a->state = ENGINE_RUNNING;
        a->pid = 1234;
        a->monitor_pid = 1230;
        a->started_at = 11 * SEC + 5;
        a->restart_count = 3;
        a->manually_stopped = true;
        a->backoff_ms = 400;
        a->error = strdup("boom");
        a->request = json_pack("{s:s}", "Image", "busybox");
        a->rootfs = strdup("/x/rootfs");
        Ctr *b = mk("b", "/beta");
        b->created = 20 * SEC;
        assert_int_equal(edb_save(db, b, &err), 0);
        assert_int_equal(edb_save(db, a, &err), 0);
        /* a second container with a taken name violates the constraint */
        Ctr *dup = mk("e", "/alpha");
        assert_true(edb_save(db, dup, &err) < 0);
        assert_int_equal(err->code, EEXIST);
        err = error_free(err);
        ctr_unref(dup);

        /* update in place */
        a->exit_code = 42;
        assert_int_equal(edb_save(db, a, &err), 0);
        edb_close(db);

        assert_int_equal(edb_open(path, &db, &err), 0);
        json_t *recs = NULL;
        assert_int_equal(edb_load(db, &recs, &err), 0);
        assert_int_equal(json_array_size(recs), 2);
        Ctr *la = NULL;
        assert_int_equal(ctr_from_record(json_array_get(recs, 0), &la, &err), 0);
        assert_string_equal(la->id, a->id);
        assert_string_equal(la->name, "/alpha");
        assert_string_equal(la->image, "busybox");
        assert_string_equal(la->image_id, a->image_id);
        assert_int_equal(la->state, ENGINE_RUNNING);
        assert_int_equal(la->pid, 1234);
        assert_int_equal(la->monitor_pid, 1230);
        assert_int_equal(la->exit_code, 42);
        assert_true(la->started_at == 11 * SEC + 5);
        assert_int_equal(la->restart_count, 3);
        assert_true(la->manually_stopped);
        assert_int_equal(la->backoff_ms, 400);
        assert_string_equal(la->error, "boom");
        assert_string_equal(la->rootfs, "/x/rootfs");
        assert_true(json_equal(la->config, a->config));
        assert_true(json_equal(la->host_config, a->host_config));
        assert_true(json_equal(la->request, a->request));
        ctr_unref(la);

        assert_int_equal(edb_delete(db, a->id, &err), 0);
        json_decref(recs);
        assert_int_equal(edb_load(db, &recs, &err), 0);
        assert_int_equal(json_array_size(recs), 1);
        json_decref(recs);
        edb_close(db);

        /* a malformed record is refused */
        json_t *bad = json_pack("{s:s}", "Id", "short");
        Ctr *x = NULL;
        assert_true(ctr_from_record(bad, &x, &err) < 0);
        err = error_free(err);
        json_decref(bad);

        ctr_unref(a);
        ctr_unref(b);
        rm_rf(dir, NULL);
}

static json_t *filt(const char *s)
{
        json_t *f = NULL;
        BerthError *err = NULL;
        assert_int_equal(api_filters_parse(s, &f, &err), 0);
        return f;
}

static bool match(const Ctr *c, const char *s, const EngineFilterCtx *fc)
{
        json_t *f = filt(s);
        bool m = engine_filter_match(c, f, fc);
        json_decref(f);
        return m;
}

static void test_filters(void **state)
{
        (void)state;
        Ctr *c = mk("f", "/web-1");
        c->created = 50 * SEC;
        c->state = ENGINE_EXITED;
        c->started_at = 40 * SEC;
        c->exit_code = 3;
        assert_true(match(c, "{}", NULL));
        assert_true(match(c, "{\"status\":[\"exited\"]}", NULL));
        assert_false(match(c, "{\"status\":[\"running\"]}", NULL));
        assert_true(match(c, "{\"status\":[\"running\",\"exited\"]}", NULL));
        assert_true(match(c, "{\"name\":[\"web\"]}", NULL));
        assert_true(match(c, "{\"name\":[\"^/web-1$\"]}", NULL));
        assert_true(match(c, "{\"name\":[\"^web\"]}", NULL));
        assert_false(match(c, "{\"name\":[\"db\"]}", NULL));
        assert_true(match(c, "{\"id\":[\"ffff\"]}", NULL));
        assert_false(match(c, "{\"id\":[\"abc\"]}", NULL));
        assert_true(match(c, "{\"label\":[\"a\"]}", NULL));
        assert_true(match(c, "{\"label\":[\"a=1\",\"b=two\"]}", NULL));
        assert_false(match(c, "{\"label\":[\"a=2\"]}", NULL));
        assert_false(match(c, "{\"label\":[\"zz\"]}", NULL));
        assert_true(match(c, "{\"exited\":[\"3\"]}", NULL));
        assert_false(match(c, "{\"exited\":[\"0\"]}", NULL));
        assert_true(match(c, "{\"ancestor\":[\"busybox\"]}", NULL));
        assert_false(match(c, "{\"ancestor\":[\"alpine\"]}", NULL));
        char *ids[] = {c->image_id, NULL};
        EngineFilterCtx fc = {.ancestor_ids = ids};
        assert_true(match(c, "{\"ancestor\":[\"sha256:0001\"]}", &fc));
        fc = (EngineFilterCtx){.before = 60 * SEC};
        assert_true(match(c, "{}", &fc));
        fc = (EngineFilterCtx){.before = 50 * SEC};
        assert_false(match(c, "{}", &fc));
        fc = (EngineFilterCtx){.since = 40 * SEC};
        assert_true(match(c, "{}", &fc));
        fc = (EngineFilterCtx){.since = 50 * SEC};
        assert_false(match(c, "{}", &fc));
        assert_true(match(c, "{\"network\":[\"bridge\"]}", NULL));
        assert_false(match(c, "{\"network\":[\"host\"]}", NULL));
        /* a created container never exited */
        c->state = ENGINE_CREATED;
        c->started_at = 0;
        assert_false(match(c, "{\"exited\":[\"3\"]}", NULL));

        BerthError *err = NULL;
        json_t *f = filt("{\"status\":[\"sleeping\"]}");
        assert_true(engine_filters_check(f, &err) < 0);
        assert_int_equal(err->code, EINVAL);
        err = error_free(err);
        json_decref(f);
        f = filt("{\"exited\":[\"x\"]}");
        assert_true(engine_filters_check(f, &err) < 0);
        err = error_free(err);
        json_decref(f);
        f = filt("{\"colour\":[\"red\"]}");
        assert_true(engine_filters_check(f, &err) < 0);
        assert_non_null(strstr(err->message, "colour"));
        err = error_free(err);
        json_decref(f);
        f = filt("{\"status\":[\"running\"],\"label\":[\"a\"],\"exited\":[\"0\"]}");
        assert_int_equal(engine_filters_check(f, &err), 0);
        json_decref(f);
        ctr_unref(c);
}

static void test_port_range_parse(void **state)
{
        (void)state;
        unsigned a = 0, b = 0;
        char proto[16];
        assert_int_equal(engine_port_range_parse("80", &a, &b, proto, sizeof(proto)), 0);
        assert_int_equal(a, 80);
        assert_int_equal(b, 80);
        assert_string_equal(proto, "tcp");
        assert_int_equal(engine_port_range_parse("53/udp", &a, &b, proto, sizeof(proto)), 0);
        assert_int_equal(a, 53);
        assert_string_equal(proto, "udp");
        assert_int_equal(engine_port_range_parse("8000-8080/sctp", &a, &b, proto, sizeof(proto)),
                         0);
        assert_int_equal(a, 8000);
        assert_int_equal(b, 8080);
        assert_string_equal(proto, "sctp");
        /* "80/" is tcp, as nat.SplitProtoPort has it */
        assert_int_equal(engine_port_range_parse("80/", &a, &b, proto, sizeof(proto)), 0);
        assert_string_equal(proto, "tcp");
        assert_int_equal(engine_port_range_parse("90-80", &a, &b, proto, sizeof(proto)), -ERANGE);
        const char *bad[] = {"",    "/tcp",  "http",  "80x",      "-80",
                             "80-", "65536", "1-2-3", "80/tcp/x", NULL};
        for (const char **p = bad; *p; p++)
                assert_int_equal(engine_port_range_parse(*p, &a, &b, proto, sizeof(proto)),
                                 -EINVAL);
        assert_int_equal(engine_port_range_parse(NULL, &a, &b, proto, sizeof(proto)), -EINVAL);
}

static void test_port_volume_filters(void **state)
{
        (void)state;
        Ctr *c = mk("p", "/web");
        json_object_set_new(c->config, "ExposedPorts",
                            json_pack("{s:{}, s:{}, s:{}}", "80/tcp", "8125/udp", "9000"));
        json_object_set_new(c->host_config, "PortBindings",
                            json_pack("{s:[{s:s}]}", "80/tcp", "HostPort", "8080"));
        json_object_set_new(c->host_config, "Binds", json_pack("[s]", "/srv/data:/data:ro"));
        json_object_set_new(c->host_config, "Mounts",
                            json_pack("[{s:s, s:s, s:s}]", "Type", "volume", "Source", "cache",
                                      "Target", "/cache"));
        assert_true(match(c, "{\"publish\":[\"80\"]}", NULL));
        assert_true(match(c, "{\"publish\":[\"80/tcp\"]}", NULL));
        assert_true(match(c, "{\"publish\":[\"1-100\"]}", NULL));
        assert_true(match(c, "{\"publish\":[\"443\",\"80\"]}", NULL));
        assert_false(match(c, "{\"publish\":[\"80/udp\"]}", NULL));
        assert_false(match(c, "{\"publish\":[\"8080\"]}", NULL));     /* the host port */
        assert_false(match(c, "{\"publish\":[\"8125/udp\"]}", NULL)); /* only exposed */
        assert_true(match(c, "{\"expose\":[\"80\"]}", NULL));
        assert_true(match(c, "{\"expose\":[\"8125/udp\"]}", NULL));
        assert_true(match(c, "{\"expose\":[\"9000/tcp\"]}", NULL));
        assert_true(match(c, "{\"expose\":[\"8100-8200/udp\"]}", NULL));
        assert_false(match(c, "{\"expose\":[\"8100-8200\"]}", NULL));
        assert_true(match(c, "{\"volume\":[\"/data\"]}", NULL));
        assert_true(match(c, "{\"volume\":[\"/srv/data\"]}", NULL));
        assert_true(match(c, "{\"volume\":[\"/cache\"]}", NULL));
        assert_false(match(c, "{\"volume\":[\"/srv\"]}", NULL));
        assert_true(match(c, "{\"volume\":[\"/srv\",\"/data\"]}", NULL));
        /* every filter must hold */
        assert_false(match(c, "{\"publish\":[\"80\"],\"volume\":[\"/nope\"]}", NULL));
        Ctr *bare = mk("q", "/bare");
        assert_false(match(bare, "{\"publish\":[\"80\"]}", NULL));
        assert_false(match(bare, "{\"expose\":[\"80\"]}", NULL));
        assert_false(match(bare, "{\"volume\":[\"/data\"]}", NULL));

        BerthError *err = NULL;
        json_t *f = filt("{\"publish\":[\"8080:80\"]}");
        assert_true(engine_filters_check(f, &err) < 0);
        assert_string_equal(err->message, "filter for 'publish' should not contain ':': 8080:80");
        err = error_free(err);
        json_decref(f);
        f = filt("{\"expose\":[\"http\"]}");
        assert_true(engine_filters_check(f, &err) < 0);
        assert_int_equal(err->code, EINVAL);
        assert_non_null(strstr(err->message, "error while looking up for expose http"));
        err = error_free(err);
        json_decref(f);
        f = filt("{\"publish\":[\"90-80\"]}");
        assert_true(engine_filters_check(f, &err) < 0);
        err = error_free(err);
        json_decref(f);
        f = filt("{\"publish\":[\"80/udp\"],\"expose\":[\"1-1024\"],\"volume\":[\"x\"]}");
        assert_int_equal(engine_filters_check(f, &err), 0);
        json_decref(f);
        ctr_unref(c);
        ctr_unref(bare);
}

/* No exec instance was ever created here: Docker's ExecIDs is null. */
static void test_exec_ids_none(void **state)
{
        (void)state;
        json_t *ids = api_exec_container_ids("0123");
        assert_true(json_is_null(ids));
        json_decref(ids);
        api_exec_forget_container("0123");
}

static void test_signals(void **state)
{
        (void)state;
        int s;
        assert_int_equal(engine_signal_parse("SIGKILL", &s), 0);
        assert_int_equal(s, SIGKILL);
        assert_int_equal(engine_signal_parse("term", &s), 0);
        assert_int_equal(s, SIGTERM);
        assert_int_equal(engine_signal_parse("9", &s), 0);
        assert_int_equal(s, 9);
        assert_int_equal(engine_signal_parse("SIGRTMIN+2", &s), 0);
        assert_int_equal(s, SIGRTMIN + 2);
        assert_int_equal(engine_signal_parse("SIGFOO", &s), -EINVAL);
        assert_int_equal(engine_signal_parse("0", &s), -EINVAL);
        assert_int_equal(engine_signal_parse("999", &s), -EINVAL);
        assert_int_equal(engine_signal_parse("", &s), -EINVAL);
}

static void test_event_match(void **state)
{
        (void)state;
        json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}}}", "Type", "container",
                               "Action", "exec_create: sh -c true", "Actor", "ID", "abcdef0123",
                               "Attributes", "name", "web", "image", "busybox", "tier", "front");
        json_t *f;
#define EM(s, want)                                                                                \
        do {                                                                                       \
                f = filt(s);                                                                       \
                assert_int_equal(engine_event_match(ev, f), want);                                 \
                json_decref(f);                                                                    \
        } while (0)
        EM("{}", true);
        EM("{\"type\":[\"container\"]}", true);
        EM("{\"type\":[\"image\"]}", false);
        EM("{\"event\":[\"exec_create\"]}", true);
        EM("{\"event\":[\"start\",\"die\"]}", false);
        EM("{\"container\":[\"web\"]}", true);
        EM("{\"container\":[\"abcd\"]}", true);
        EM("{\"container\":[\"db\"]}", false);
        EM("{\"image\":[\"busybox\"]}", true);
        EM("{\"label\":[\"tier=front\"]}", true);
        EM("{\"label\":[\"tier=back\"]}", false);
        EM("{\"network\":[\"n1\"]}", false);
#undef EM
        json_decref(ev);
}

static void test_shapes(void **state)
{
        (void)state;
        Engine e = {0};
        e.containers_dir = (char *)"/var/lib/berth/containers";
        Ctr *c = mk("9", "/shape");
        c->created = 1795453200LL * SEC;
        c->state = ENGINE_RUNNING;
        c->started_at = c->created + SEC;
        c->pid = 4242;
        json_object_set_new(c->config, "Entrypoint", json_pack("[s]", "/bin/init"));
        json_object_set_new(c->config, "Cmd", json_pack("[s,s]", "sh", "-c"));
        json_object_set_new(c->host_config, "Binds", json_pack("[s]", "/src:/dst:ro"));
        json_t *s = engine_summary(c, c->created + 4 * SEC);
        assert_non_null(s);
        assert_string_equal(json_string_value(json_object_get(s, "Id")), c->id);
        assert_string_equal(json_string_value(json_array_get(json_object_get(s, "Names"), 0)),
                            "/shape");
        assert_string_equal(json_string_value(json_object_get(s, "Command")), "/bin/init sh -c");
        assert_string_equal(json_string_value(json_object_get(s, "State")), "running");
        assert_string_equal(json_string_value(json_object_get(s, "Status")), "Up 3 seconds");
        assert_int_equal(json_integer_value(json_object_get(s, "Created")), 1795453200);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(s, "HostConfig"), "NetworkMode")),
            "bridge");
        json_t *m = json_array_get(json_object_get(s, "Mounts"), 0);
        assert_string_equal(json_string_value(json_object_get(m, "Destination")), "/dst");
        assert_false(json_is_true(json_object_get(m, "RW")));
        json_decref(s);

        json_t *j = engine_inspect_json(&e, c, 0);
        assert_non_null(j);
        json_t *st = json_object_get(j, "State");
        assert_string_equal(json_string_value(json_object_get(st, "Status")), "running");
        assert_true(json_is_true(json_object_get(st, "Running")));
        assert_int_equal(json_integer_value(json_object_get(st, "Pid")), 4242);
        assert_string_equal(json_string_value(json_object_get(st, "FinishedAt")),
                            "0001-01-01T00:00:00Z");
        assert_string_equal(json_string_value(json_object_get(j, "Created")),
                            "2026-11-23T17:00:00Z");
        assert_string_equal(json_string_value(json_object_get(j, "Path")), "/bin/init");
        assert_int_equal(json_array_size(json_object_get(j, "Args")), 2);
        assert_string_equal(json_string_value(json_object_get(j, "Name")), "/shape");
        char want[256];
        snprintf(want, sizeof(want), "/var/lib/berth/containers/%s/%s-json.log", c->id, c->id);
        assert_string_equal(json_string_value(json_object_get(j, "LogPath")), want);
        assert_non_null(json_object_get(json_object_get(j, "NetworkSettings"), "Networks"));
        assert_true(json_is_object(json_object_get(j, "Config")));
        json_decref(j);
        ctr_unref(c);
}

static void test_counts(void **state)
{
        (void)state;
        Engine e = {0};
        pthread_mutex_init(&e.lock, NULL);
        Ctr *v[4] = {mk("1", "/a"), mk("2", "/b"), mk("3", "/c"), mk("4", "/d")};
        v[0]->state = ENGINE_RUNNING;
        v[1]->state = ENGINE_PAUSED;
        v[2]->state = ENGINE_EXITED;
        v[3]->state = ENGINE_RESTARTING;
        e.ctrs = v;
        e.n_ctrs = 4;
        unsigned total, running, paused, stopped;
        engine_counts(&e, &total, &running, &paused, &stopped);
        assert_int_equal(total, 4);
        assert_int_equal(running, 2);
        assert_int_equal(paused, 1);
        assert_int_equal(stopped, 1);
        engine_counts(&e, NULL, NULL, NULL, NULL);
        for (int i = 0; i < 4; i++)
                ctr_unref(v[i]);
        pthread_mutex_destroy(&e.lock);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_names),
            cmocka_unit_test(test_lookup),
            cmocka_unit_test(test_human_duration),
            cmocka_unit_test(test_status_string),
            cmocka_unit_test(test_times),
            cmocka_unit_test(test_backoff),
            cmocka_unit_test(test_policy),
            cmocka_unit_test(test_db),
            cmocka_unit_test(test_filters),
            cmocka_unit_test(test_signals),
            cmocka_unit_test(test_event_match),
            cmocka_unit_test(test_shapes),
            cmocka_unit_test(test_counts),
            cmocka_unit_test(test_port_range_parse),
            cmocka_unit_test(test_port_volume_filters),
            cmocka_unit_test(test_exec_ids_none),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
