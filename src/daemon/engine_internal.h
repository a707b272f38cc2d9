/* Shared between the engine's files (engine*.c, api_containers.c,
 * api_events.c); not a contract for other modules. */
#pragma once

#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "daemon/engine.h"

/* One container as the engine keeps it. Fields are protected by
 * Engine.lock; `refs` keeps a record alive for a thread that dropped the
 * lock (a waiter, a start in progress) even after it left the list. */
typedef struct Ctr {
        unsigned refs;
        char id[65];
        char *name;  /* "/name" */
        char *image; /* as given at create */
        char image_id[80];
        int64_t created;     /* ns since the epoch */
        json_t *request;     /* the create body (for specgen at start) */
        json_t *config;      /* Config as inspect shows it */
        json_t *host_config; /* HostConfig as inspect shows it */
        char *rootfs;        /* the composed rootfs path (set at create) */
        /* networking while plugged in (engine_net.c): NetworkSettings as
         * inspect shows it and the Ports of ps; NULL otherwise */
        json_t *net_settings;
        json_t *net_ports;

        /* state (persisted) */
        EngineRunState state;
        bool oom_killed;
        pid_t pid;         /* the init's host pid while running */
        pid_t monitor_pid; /* while running */
        int exit_code;
        char *error;
        int64_t started_at, finished_at; /* ns; 0 = never */
        int restart_count;
        bool manually_stopped;
        int64_t backoff_ms; /* the next restart delay (Docker's back-off) */

        /* runtime only */
        int pidfd;       /* of the monitor while watched, else -1 */
        bool busy;       /* start/stop/remove holds the container */
        bool removed;    /* gone from the list */
        uint64_t starts; /* monitors that reported "created" */
        uint64_t exits;  /* exits handled */
        unsigned pending_attach;
        uint64_t restart_gen;  /* bumped to cancel a pending restart */
        bool stopping;         /* a stop/kill by the user is under way */
        bool remove_requested; /* a remove is under way: no --rm, no restart */
} Ctr;

typedef struct EventSub EventSub;

struct Engine {
        char *data_root, *exec_root, *runtime_root;
        char *containers_dir;      /* <data_root>/containers */
        char *exec_containers_dir; /* <exec_root>/containers */
        char *monitor_path, *init_path;
        /* A sealed memfd copy of berth-monitor every monitor runs from
         * (CVE-2019-5736): one copy for all, and no monitor re-executes
         * itself to seal; -1 when it could not be made (monitors then seal
         * themselves). */
        int monitor_memfd;
        bool debug;
        ImgStore *images;
        NetManager *net; /* networking (engine_net.c); NULL without it */
        sqlite3 *db;

        pthread_mutex_t lock;
        pthread_cond_t cond; /* broadcast on every state change */
        Ctr **ctrs;
        size_t n_ctrs, cap_ctrs;

        /* exit watcher: epoll over the monitors' pidfds */
        int epfd, wake_efd;
        pthread_t watcher;
        bool watcher_started;
        bool stopping;
        unsigned helpers; /* detached helper threads still running */

        /* events: ring of recent events and live subscribers */
        pthread_mutex_t ev_lock;
        json_t **ev_ring;
        size_t ev_cap, ev_start, ev_len;
        EventSub *subs;
};

/* ---- engine.c ---- */
void ctr_unref(Ctr *c);
Ctr *ctr_ref(Ctr *c);
Ctr *ctr_new(void);
/* Under lock: resolution as engine_container_get documents; NULL + err. */
Ctr *engine_find_locked(Engine *e, const char *name, BerthError **err);
/* Under lock: persists c (errors are logged). */
void engine_save_locked(Engine *e, Ctr *c);
/* Waits (under lock) until c is not busy, then takes it. false when it was
 * removed meanwhile. */
bool engine_acquire_locked(Engine *e, Ctr *c);
/* Under lock: finds name (as engine_find_locked), takes a reference and
 * holds it (engine_acquire_locked). 0, or -errno with err set; the caller
 * ends with engine_release_locked and ctr_unref. */
int engine_take_locked(Engine *e, const char *name, Ctr **ret, BerthError **err);
void engine_release_locked(Engine *e, Ctr *c);
char *engine_ctr_dir(Engine *e, const char *id);
char *engine_ctr_exec_dir(Engine *e, const char *id);
/* Runs fn(arg) in a detached helper thread that engine_free waits for. */
int engine_spawn_helper(Engine *e, void *(*fn)(void *), void *arg);
int engine_spawn_helper_locked(Engine *e, void *(*fn)(void *), void *arg);
void engine_helper_done(Engine *e);
int64_t engine_now_ns(void);

/* ---- engine_names.c ---- */
bool engine_name_valid(const char *name);
/* A random "adjective_surname". */
void engine_name_random(char *buf, size_t len);
void engine_id_new(char id[65]);
/* Docker's lookup: full ID, then name, then unique ID prefix. -ENOENT
 * "No such container: NAME" or -EINVAL for an ambiguous prefix. */
Ctr *engine_lookup(Ctr *const *v, size_t n, const char *name, BerthError **err);
Ctr *engine_lookup_name(Ctr *const *v, size_t n, const char *name);

/* ---- engine_status.c ---- */
const char *engine_state_name(EngineRunState s);
int engine_state_parse(const char *s, EngineRunState *ret);
/* Docker's units.HumanDuration. */
void engine_human_duration(int64_t ns, char *buf, size_t len);
/* "Up 3 seconds", "Exited (0) 2 minutes ago", "Created"... */
void engine_status_string(const Ctr *c, int64_t now_ns, char *buf, size_t len);
/* RFC 3339 with nanoseconds, UTC ("0001-01-01T00:00:00Z" for 0). */
void engine_time_format(int64_t ns, char *buf, size_t len);
/* Parses RFC 3339 (fractions and offsets allowed); -EINVAL. */
int engine_time_parse(const char *s, int64_t *ret_ns);
/* Docker's --since/--until values: unix seconds[.nanos], RFC 3339, or a
 * duration ("10m") before now. */
int engine_time_arg_parse(const char *s, int64_t now_ns, int64_t *ret_ns);
/* Docker's restart back-off: the delay before the next restart, given the
 * previous delay and how long the container ran. */
int64_t engine_restart_backoff(int64_t prev_ms, int64_t ran_ms);
/* Whether the policy restarts a container that exited with code. */
bool engine_policy_should_restart(json_t *host_config, int exit_code, int restart_count,
                                  bool manually_stopped);

/* ---- engine_db.c ---- */
int edb_open(const char *path, sqlite3 **ret, BerthError **err);
void edb_close(sqlite3 *db);
json_t *ctr_to_record(const Ctr *c);
int ctr_from_record(json_t *rec, Ctr **ret, BerthError **err);
int edb_save(sqlite3 *db, const Ctr *c, BerthError **err);
int edb_delete(sqlite3 *db, const char *id, BerthError **err);
/* Every record, oldest first: an array of what ctr_to_record makes. */
int edb_load(sqlite3 *db, json_t **ret, BerthError **err);

/* ---- engine_list.c ---- */
typedef struct EngineFilterCtx {
        int64_t before, since; /* created bounds (ns); 0 = none */
        char **ancestor_ids;   /* image IDs the ancestor filter resolved to */
} EngineFilterCtx;
/* A publish/expose filter value or a port key: "80", "80/udp",
 * "8000-8080[/proto]" (protocol tcp when absent). -EINVAL, or -ERANGE for
 * a range that ends before it starts. */
int engine_port_range_parse(const char *value, unsigned *ret_start, unsigned *ret_end, char *proto,
                            size_t proto_len);
/* Validates the filter names and values for GET /containers/json. */
int engine_filters_check(json_t *filters, BerthError **err);
bool engine_filter_match(const Ctr *c, json_t *filters, const EngineFilterCtx *fc);
typedef struct EngineBuf {
        char *data;
        size_t len, cap;
        bool oom;
} EngineBuf;
void engine_buf_put(EngineBuf *b, const char *s, size_t n);
/* Appends the ContainerSummary of c as JSON text; sizes (NULL = none) are
 * SizeRw and SizeRootFs. */
void engine_summary_append(EngineBuf *b, const Ctr *c, int64_t now_ns, const int64_t *sizes);
/* The bytes of the container's writable layer, and with its image's.
 * Lock not held. */
void engine_ctr_sizes(Engine *e, const char *id, const char *image_id, int64_t *ret_rw,
                      int64_t *ret_rootfs);
json_t *engine_summary(const Ctr *c, int64_t now_ns);
json_t *engine_inspect_json(Engine *e, const Ctr *c, int64_t now_ns);

/* ---- engine_start.c ---- */
/* 0 started, 1 already running (304). */
int engine_start(Engine *e, const char *name, BerthError **err);
/* Starts c, held by the caller (busy); lock not held. */
int engine_start_held(Engine *e, Ctr *c, BerthError **err);
char *engine_find_helper(const char *configured, const char *self_exe, const char *name,
                         const char *subdir);
/* The sealed memfd copy of path; -errno. */
int engine_seal_helper(const char *path);
/* Writes <container_dir>/config.json with specgen_build. */
int engine_write_bundle(Engine *e, const char *id, const char *name, json_t *request,
                        json_t *config, json_t *image_config, const char *rootfs,
                        const char *container_dir, BerthError **err);
/* The json-file log of c; NULL when its LogConfig turns logging off. */
char *engine_log_path(Engine *e, const Ctr *c);

/* ---- engine_exit.c ---- */
int engine_watcher_start(Engine *e, BerthError **err);
void engine_watcher_stop(Engine *e);
/* Under lock: watches the monitor of c (pidfd). */
int engine_watch_locked(Engine *e, Ctr *c);
/* Under lock: schedules a restart of c (state restarting) after delay_ms. */
void engine_schedule_restart_locked(Engine *e, Ctr *c, int64_t delay_ms);
/* Restores every container from the database at engine_new. */
int engine_restore(Engine *e, BerthError **err);

/* ---- engine_ops.c ---- */
/* 0 stopped, 1 was not running (304). timeout_s < 0: wait forever,
 * INT_MIN: the container's StopTimeout (default 10); sig 0: its
 * StopSignal (default SIGTERM). */
int engine_stop(Engine *e, const char *name, int timeout_s, int sig, bool restart_after,
                BerthError **err);
int engine_kill(Engine *e, const char *name, int sig, BerthError **err);
int engine_remove(Engine *e, const char *name, bool force, bool volumes, BerthError **err);
int engine_pause(Engine *e, const char *name, bool pause, BerthError **err);
int engine_rename(Engine *e, const char *name, const char *new_name, BerthError **err);
/* Parses "SIGKILL", "KILL", "9"; -EINVAL. */
int engine_signal_parse(const char *s, int *ret);

/* ---- api_exec.c (the exec instances, kept in memory) ---- */
/* The IDs of the container's exec instances that have not exited (a JSON
 * array, oldest first), or JSON null when there are none, as Docker's
 * ExecIDs. */
json_t *api_exec_container_ids(const char *container_id);
/* Drops the container's exec instances: called when it is removed. */
void api_exec_forget_container(const char *container_id);

/* ---- engine_events.c ---- */
void engine_events_init(Engine *e);
void engine_events_free(Engine *e);
/* Subscribes fd (a socket; owned) to events matching filters (stolen),
 * first replaying the recorded ones in [since, until] (ns; 0 = none).
 * With until in the past, the replay is all and fd is closed. */
int engine_events_subscribe(Engine *e, int fd, int64_t since, int64_t until, json_t *filters,
                            BerthError **err);
bool engine_event_match(json_t *ev, json_t *filters);
/* Under lock (engine): records a container event with name/image/labels. */
void engine_ctr_event_locked(Engine *e, const Ctr *c, const char *action, json_t *attrs);
