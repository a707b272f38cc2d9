/* The parent/child protocol of create and exec: numbered messages over a
 * SOCK_SEQPACKET socketpair (one message a datagram, so no framing). The
 * child reports every failure as (errno, sentence); the parent turns it into
 * a BerthError. The child's end is O_CLOEXEC: EOF after START means the
 * container process was exec'd. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef enum RtSyncType {
        RT_SYNC_GO = 1,     /* parent -> child: ids mapped, cgroup joined; payload: state JSON */
        RT_SYNC_HOOKS,      /* child -> parent: rootfs mounted, run createRuntime hooks */
        RT_SYNC_HOOKS_DONE, /* parent -> child */
        RT_SYNC_READY,      /* child -> parent: set up, waiting for start */
        RT_SYNC_START,      /* parent -> child (run): exec now */
        RT_SYNC_ERROR,      /* child -> parent: code + message */
        RT_SYNC_WARN,       /* child -> parent: a message to log, not fatal */
        RT_SYNC_PTY,        /* child -> parent: pty master in SCM_RIGHTS, payload: its name */
        RT_SYNC_SECCOMP,    /* child -> parent: seccomp listener fd in SCM_RIGHTS */
        RT_SYNC_TYPE_MAX,
} RtSyncType;

/* Wire format: a fixed header then the payload (no NUL on the wire). */
typedef struct RtSyncHeader {
        uint32_t type;
        int32_t code;
        uint32_t len;
} RtSyncHeader;

#define RT_SYNC_MAX_PAYLOAD (60 * 1024)

typedef struct RtSyncMsg {
        RtSyncType type;
        int code;   /* positive errno for RT_SYNC_ERROR */
        char *data; /* NUL-terminated payload, owned; never NULL after decode */
        size_t len;
        int fd; /* received with SCM_RIGHTS, -1 when none */
} RtSyncMsg;

const char *rt_sync_type_name(RtSyncType t);

/* Encodes into buf (at least sizeof(RtSyncHeader) + len); returns the size. */
size_t rt_sync_encode(RtSyncType type, int code, const char *data, size_t len, void *buf);
/* Decodes one datagram; -EBADMSG when it is malformed. */
int rt_sync_decode(const void *buf, size_t n, RtSyncMsg *ret);
void rt_sync_msg_done(RtSyncMsg *m);

int rt_sync_send(int fd, RtSyncType type, int code, const char *data);
int rt_sync_send_fd(int fd, RtSyncType type, int passfd, const char *data);
/* Returns -ECONNRESET at EOF. */
int rt_sync_recv(int fd, RtSyncMsg *ret);
/* Child side: sends RT_SYNC_ERROR from a BerthError (or from code + what). */
int rt_sync_send_error(int fd, const BerthError *e, int code);

/* Parent side: reads until a message of type `want`, logging RT_SYNC_WARN
 * messages on the way; an RT_SYNC_ERROR becomes *err. EOF becomes
 * -ECONNRESET with `eof_msg` when given. ret may be NULL. */
int rt_sync_expect(int fd, RtSyncType want, RtSyncMsg *ret, BerthError **err);
