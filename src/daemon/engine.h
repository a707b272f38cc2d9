/* The engine: berthd's core. It owns the containers (their rows in
 * <data_root>/berth.db, their directories, their monitors), the image store
 * and the event log, and is what every /containers, /exec, /images and
 * /events handler calls. Thread-safe: handlers run in their own threads and
 * a slow one never blocks the others (no lock is held across I/O with a
 * client or a monitor).
 *
 * Paths of a container ID:
 *   <data_root>/containers/<id>/   config.v2.json (berthd's record), config.json
 *                                  (OCI bundle), hostname, hosts, resolv.conf,
 *                                  <id>-json.log, rootfs/ (+ upper/ work/)
 *   <exec_root>/containers/<id>/   the monitor's files (see monitor/monitor.h)
 *   <exec_root>/runtime/           the runtime library's state root
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "daemon/api_router.h"
#include "image/image.h"

typedef struct Engine Engine;

typedef struct EngineConfig {
        const char *data_root;
        const char *exec_root;
        const char *storage_driver; /* "" = probe */
        const char *monitor_path;   /* berth-monitor; NULL = next to berthd */
        const char *init_path;      /* berth-init; NULL = next to berthd */
        const char *self_exe;       /* berthd's binary on disk, where the helpers are
                                     * looked for (NULL: /proc/self/exe) */
        bool debug;
        /* networking (daemon.json "bridge", "bip", "default-address-pools") */
        const char *bridge; /* NULL = "berth0" */
        const char *bip;
        json_t *address_pools;
        bool ipv6;
        const char *fixed_cidr_v6;
} EngineConfig;

/* Opens the database and the image store, then restores: adopts every
 * container whose monitor still runs, records exits that happened while
 * berthd was down, and applies restart policies. */
int engine_new(const EngineConfig *c, Engine **ret, BerthError **err);
/* Stops supervising (containers keep running: live restore) and frees. */
Engine *engine_free(Engine *e);

ImgStore *engine_images(Engine *e);
const char *engine_runtime_root(const Engine *e);

/* Container counts for /info (Containers, ContainersRunning, ...Paused,
 * ...Stopped); any pointer may be NULL. */
void engine_counts(Engine *e, unsigned *ret_total, unsigned *ret_running, unsigned *ret_paused,
                   unsigned *ret_stopped);

/* Registers /containers/... routes (the engine's own), /exec/..., /images/...
 * and /events: each api_*.c file has one such function. */
int engine_register_routes(Engine *e, ApiRouter *r, BerthError **err);

/* ---- for the stream handlers (attach, logs, exec) ---- */

typedef enum EngineRunState {
        ENGINE_CREATED,
        ENGINE_RUNNING,
        ENGINE_PAUSED,
        ENGINE_RESTARTING,
        ENGINE_EXITED,
        ENGINE_REMOVING,
        ENGINE_DEAD,
} EngineRunState;

/* A snapshot of one container (owned by the caller). */
typedef struct EngineContainer {
        char id[65];
        char *name; /* "/name" */
        EngineRunState state;
        pid_t pid;       /* the init's host pid while running, else 0 */
        uint64_t starts; /* how many times it was started: see engine_wait_started */
        bool tty, open_stdin, stdin_once;
        char *container_dir; /* <data_root>/containers/<id> */
        char *exec_dir;      /* <exec_root>/containers/<id> */
        char *log_path;      /* json-file log, NULL when logging is off */
        json_t *config;      /* Config as inspect shows it */
        json_t *host_config; /* HostConfig as inspect shows it */
        json_t *process;     /* the OCI process of config.json (exec defaults) */
} EngineContainer;
void engine_container_free(EngineContainer *c);

/* Finds a container by full ID, unique ID prefix or name (with or without
 * '/'); -ENOENT "No such container: NAME". */
int engine_container_get(Engine *e, const char *name, EngineContainer **ret, BerthError **err);

/* Attach before start: registers interest, then blocks until the container's
 * start count exceeds `starts` and its monitor's attach socket listens
 * (returns 0; call engine_attach_connected next), until it is removed
 * (-ENOENT) or timeout_ms passes (-ETIMEDOUT; < 0 = no timeout). */
int engine_wait_started(Engine *e, const char *id, uint64_t starts, int timeout_ms,
                        BerthError **err);
/* Tells the engine this attach client is connected to the monitor (or gave
 * up), so that the start that waits for attach clients may proceed. */
void engine_attach_connected(Engine *e, const char *id);

/* Records an event (type "container", "image", "network"...; action
 * "create", "start", "die", "exec_create: sh -c ..." ...). attributes (may
 * be NULL, stolen) are the Actor attributes beside name/image. */
void engine_event(Engine *e, const char *type, const char *action, const char *actor_id,
                  json_t *attributes);

/* ---- networks (engine_net.c) ---- */

typedef struct NetManager NetManager;
NetManager *engine_network(Engine *e);
/* POST /networks/{id}/connect: records the network in the container's
 * configuration and, when it runs, plugs it in at once. */
int engine_network_connect(Engine *e, const char *network, const char *container,
                           json_t *endpoint_config, BerthError **err);
int engine_network_disconnect(Engine *e, const char *network, const char *container, bool force,
                              BerthError **err);

/* Container counts for /info (Containers, ContainersRunning, ...Paused,
 * ...Stopped); any pointer may be NULL. */
void engine_counts(Engine *e, unsigned *ret_total, unsigned *ret_running, unsigned *ret_paused,
                   unsigned *ret_stopped);
