/* Shared by the attach, logs and resize endpoints (api_attach*.c,
 * api_logs.c): detach keys, and writing json-file logs to a client. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "daemon/api.h"
#include "daemon/engine.h"

#define API_DETACH_KEYS_MAX     32
#define API_DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"

/* ---- detach keys (Docker's term.ToBytes) ---- */

/* "ctrl-p,ctrl-q", "a,ctrl-@,ctrl-[": each comma-separated key is one
 * character or ctrl-X with X in a-z @ [ \ ] ^ _ (any case). An empty or
 * NULL string gives the default. -EINVAL with Docker's message otherwise. */
int api_detach_keys_parse(const char *s, uint8_t ret[API_DETACH_KEYS_MAX], size_t *ret_len,
                          BerthError **err);

typedef struct ApiDetachFilter {
        uint8_t keys[API_DETACH_KEYS_MAX];
        size_t n;       /* 0: never detaches */
        size_t matched; /* how many keys are held back */
} ApiDetachFilter;

/* Copies in to out (capacity n + API_DETACH_KEYS_MAX), holding back bytes
 * that may start the key sequence and releasing them when the sequence
 * breaks. Returns true when the whole sequence was typed: out then holds
 * what came before it, and the rest of in is dropped. */
bool api_detach_filter(ApiDetachFilter *f, const uint8_t *in, size_t n, uint8_t *out,
                       size_t *out_len);

/* ---- logs ---- */

typedef struct ApiLogsOptions {
        bool out, err;   /* streams wanted */
        bool timestamps; /* "RFC3339Nano-fixed " before each entry */
        bool follow;     /* wait for new entries while the container runs */
        bool tty;        /* raw bytes; else multiplexed frames */
        int64_t since;   /* ns since the epoch; 0: from the start */
        int64_t until;   /* ns; 0: no end */
        long tail;       /* < 0: everything */
} ApiLogsOptions;

/* Writes the entries of the json-file log at path (with its rotated files)
 * to fd, encoded for the client. With follow, keeps reading new entries
 * until the container e/id stops running, the client goes away (fd errors,
 * or POLLERR/POLLHUP on fd) or until passes. Returns >= 0 or -errno (a
 * write to fd failed). */
int api_logs_write(Engine *e, const char *id, const char *path, const ApiLogsOptions *o, int fd);

/* GET /containers/{id}/logs (userdata: the Engine). */
int api_logs_handler(ApiRequest *req, void *userdata, BerthError **err);
