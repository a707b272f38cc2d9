/* Container state kept under --root: <root>/<id>/state.json (written
 * atomically) and <root>/<id>/exec.fifo while the container is "created".
 * The status is never stored: it is derived when the state is read, from the
 * init process (alive, same start time), the fifo and the freezer. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

#define RT_OCI_VERSION  "1.0.2"
#define RT_DEFAULT_ROOT "/run/berth-runtime"

typedef enum RtStatus {
        RT_STATUS_CREATING = 0,
        RT_STATUS_CREATED,
        RT_STATUS_RUNNING,
        RT_STATUS_PAUSED,
        RT_STATUS_STOPPED,
} RtStatus;

typedef struct RtState {
        char *id;
        pid_t pid;
        uint64_t pid_start; /* /proc/PID/stat field 22, to detect pid reuse */
        char *bundle;
        char *rootfs;
        char *created; /* RFC 3339 UTC with nanoseconds */
        char *owner;
        char *cgroup_path;
        json_t *annotations; /* object, owned */
        RtStatus status;     /* derived by rt_state_load */
} RtState;

const char *rt_status_name(RtStatus s);

/* Container ids: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 1024 characters
 * (runc's rule), so an id is always a safe single path component. */
int rt_id_validate(const char *id, BerthError **err);

/* "<root>/<id>" and "<root>/<id>/<name>". Caller frees. */
char *rt_state_dir(const char *root, const char *id);
char *rt_state_file(const char *root, const char *id, const char *name);

/* The start time of a process (clock ticks since boot), from the text of
 * /proc/PID/stat (the comm field may hold spaces and parentheses). */
int rt_parse_stat_start_time(const char *stat, uint64_t *ret);
int rt_proc_start_time(pid_t pid, uint64_t *ret);
/* True when pid runs and started at start_time (a reused pid is dead to us). */
bool rt_proc_alive(pid_t pid, uint64_t start_time);

/* "2026-11-23T14:17:36.123456789Z" into buf (>= 40 bytes). */
void rt_now_rfc3339(char *buf, size_t len);

/* Serialization of the stored file. */
json_t *rt_state_to_json(const RtState *st);
int rt_state_from_json(json_t *j, RtState **ret, BerthError **err);
/* The runtime-spec state document (what `state` prints and hooks read). */
json_t *rt_state_public_json(const RtState *st, bool with_runc_fields);

int rt_state_save(const char *root, const RtState *st, BerthError **err);
/* Reads the state and derives its status. -ENOENT: "container 'x' does not exist". */
int rt_state_load(const char *root, const char *id, RtState **ret, BerthError **err);
/* Derives the status from the process, the fifo and the freezer. */
RtStatus rt_state_derive_status(const char *root, const RtState *st);

RtState *rt_state_free(RtState *st);
static inline void rt_state_freep(RtState **s)
{
        rt_state_free(*s);
        *s = NULL;
}
#define _cleanup_state_ __attribute__((cleanup(rt_state_freep)))
