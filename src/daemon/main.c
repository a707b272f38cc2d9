/* berthd: the berth daemon. It opens the engine (containers, images,
 * events; restoring what runs), registers the system and engine routes and
 * serves them on its unix sockets until SIGTERM/SIGINT. Containers keep
 * running when berthd stops (live restore). */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth-config.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "common/strv.h"
#include "daemon/api.h"
#include "daemon/api_system.h"
#include "daemon/daemon_config.h"
#include "daemon/engine.h"
#include "daemon/sysinfo.h"
#include "git-commit.h"
#include "runtime/container.h"

extern char **environ;

DEFINE_CLEANUP(ApiServer, api_server_free)
DEFINE_CLEANUP(Engine, engine_free)

/* Serves until SIGTERM/SIGINT. The signals are taken synchronously by this
 * thread; every thread the server starts inherits the blocked mask. */
static int serve(DaemonConfig *c, const ApiSystemInfo *info, Engine *engine, BerthError **err)
{
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);

        _cleanup_(api_server_freep) ApiServer *server = NULL;
        int r = api_server_new(&server, err);
        if (r < 0)
                return r;
        if ((r = api_server_set_spool_dir(server, c->data_root, "tmp", err)) < 0)
                return r;
        r = api_system_register(api_server_router(server), info);
        if (r < 0)
                return error_set(err, r, "register the system routes");
        r = engine_register_routes(engine, api_server_router(server), err);
        if (r < 0)
                return error_prefix(err, "register the engine routes");
        STRV_FOREACH(sock, c->sockets)
        {
                r = api_server_listen_unix(server, *sock, err);
                if (r < 0)
                        return r;
                log_info("API listening on %s", *sock);
        }
        log_info("berthd %s (commit %s) started, pid %ld, data-root %s", BERTH_VERSION,
                 BERTH_GIT_COMMIT, (long)getpid(), c->data_root);

        for (;;) {
                siginfo_t si;
                int sig = sigwaitinfo(&set, &si);
                if (sig < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_set_errno(err, errno, "wait for signals");
                }
                if (sig == SIGHUP) {
                        log_warn("SIGHUP: reloading the configuration is not supported yet");
                        continue;
                }
                log_info("received %s, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
                api_server_stop(server);
                return 0;
        }
}

static int run(DaemonConfig *c, const char *origin, BerthError **err)
{
        int r = mkdir_p(c->exec_root, 0700, err);
        if (r < 0)
                return error_prefix(err, "exec-root");
        r = mkdir_p(c->data_root, 0711, err);
        if (r < 0)
                return error_prefix(err, "data-root");
        _cleanup_close_ int lock_fd = -1;
        r = daemon_lock_acquire(c->exec_root, &lock_fd, err);
        if (r < 0)
                return r;
        r = daemon_pidfile_write(c->pidfile, err);
        if (r < 0)
                return error_prefix(err, "pidfile");

        _cleanup_free_ char *engine_id = NULL;
        r = sysinfo_engine_id(c->data_root, &engine_id, err);
        _cleanup_(engine_freep) Engine *engine = NULL;
        if (r >= 0) {
                /* The engine starts threads: they must inherit the mask that
                 * lets serve() take the signals synchronously. */
                sigset_t set;
                sigemptyset(&set);
                sigaddset(&set, SIGTERM);
                sigaddset(&set, SIGINT);
                sigaddset(&set, SIGHUP);
                pthread_sigmask(SIG_BLOCK, &set, NULL);
                signal(SIGPIPE, SIG_IGN);
                EngineConfig ec = {
                    .data_root = c->data_root,
                    .exec_root = c->exec_root,
                    .storage_driver = c->storage_driver,
                    /* running from a sealed copy: the helpers are next to
                     * the original */
                    .self_exe = origin,
                    .debug = c->debug,
                    .bridge = c->bridge,
                    .bip = c->bip,
                    .address_pools = c->address_pools,
                    .ipv6 = c->ipv6,
                    .fixed_cidr_v6 = c->fixed_cidr_v6,
                };
                r = engine_new(&ec, &engine, err);
                if (r < 0)
                        error_prefix(err, "start the engine");
        }
        if (r >= 0) {
                ApiSystemInfo info = {
                    .engine_id = engine_id,
                    .data_root = c->data_root,
                    .storage_driver = c->storage_driver,
                    .debug = c->debug,
                };
                r = serve(c, &info, engine, err);
        }
        daemon_pidfile_remove(c->pidfile);
        return r;
}

int main(int argc, char **argv)
{
        /* One malloc arena per request thread would keep megabytes of freed
         * memory resident for an idle daemon; two are enough for berthd. */
        mallopt(M_ARENA_MAX, 2);
        log_set_program("berthd");
        log_set_level(LOG_LEVEL_INFO);
        _cleanup_error_ BerthError *err = NULL;
        _cleanup_daemon_config_ DaemonConfig *c = NULL;
        if (daemon_config_load(argc, argv, &c, &err) < 0) {
                log_error("%s", err && err->message ? err->message : "invalid configuration");
                return 1;
        }
        if (c->show_help) {
                daemon_config_usage(argv[0]);
                return 0;
        }
        if (c->show_version) {
                printf("berthd version %s, build %s\n", BERTH_VERSION, BERTH_GIT_COMMIT);
                return 0;
        }
        /* CVE-2019-5736: `exec` forks from berthd and enters the container,
         * where "#!/proc/self/exe" would run berthd's binary and let the
         * container reopen it for writing. Run from a sealed memfd copy
         * instead; the helpers are then looked for next to the original. */
        _cleanup_free_ char *origin = NULL;
        int r = rt_ensure_sealed_exe_origin(argv, environ, "berthd", &origin);
        if (r < 0) {
                log_error("re-execute %s from a sealed copy: %s", argv[0], strerror(-r));
                return 1;
        }
        LogLevel level = LOG_LEVEL_INFO;
        log_level_parse(c->log_level, &level);
        log_set_level(c->debug ? LOG_LEVEL_DEBUG : level);
        if (run(c, origin, &err) < 0) {
                log_error("%s", err && err->message ? err->message : "failed");
                return 1;
        }
        log_info("berthd stopped");
        return 0;
}
