/* The pieces of exec that need no running container: the OCI process of an
 * exec built from Docker's ExecConfig, user names resolved through the
 * container's /etc/passwd and /etc/group, and detach keys. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* "user", "uid", "user:group", "uid:gid" (names looked up in rootfs's
 * /etc/passwd and /etc/group, opened without leaving rootfs; numbers need
 * no entry). *ret_gids (may be NULL) gets the supplementary groups the
 * user is a member of in /etc/group (caller frees). -EINVAL with Docker's
 * "unable to find user NAME: no matching entries in passwd file". */
int api_exec_resolve_user(const char *rootfs, const char *user, uint32_t *ret_uid,
                          uint32_t *ret_gid, uint32_t **ret_gids, size_t *ret_n_gids,
                          BerthError **err);

/* The OCI process of an exec: base (the container's process, not
 * modified) with the ExecConfig's Cmd, Env (added, replacing equal keys),
 * WorkingDir, User (resolved in rootfs), Tty, ConsoleSize [h, w] and
 * Privileged (every capability, no AppArmor profile) applied. */
int api_exec_build_process(json_t *base, json_t *exec_config, const char *rootfs, json_t **ret,
                           BerthError **err);

/* Docker's detach keys: "ctrl-p,ctrl-q", "a", "ctrl-@" ...; NULL or "" is
 * the default ctrl-p,ctrl-q. Writes up to cap bytes into keys. -EINVAL
 * "Unknown character: 'X'" / "invalid detach keys". */
int api_exec_parse_detach_keys(const char *spec, unsigned char *keys, size_t cap, size_t *ret_n,
                               BerthError **err);

/* Finds the detach sequence in a stream, across reads. */
typedef struct DetachScanner {
        const unsigned char *keys;
        size_t n_keys;
        size_t matched; /* keys[0..matched) seen and held back */
} DetachScanner;

/* Copies in (len bytes) to out (room for len + n_keys bytes): bytes that
 * are not part of a detach sequence, plus held-back key bytes once the
 * sequence breaks. Returns the number of bytes in out; *ret_detach is set
 * when the whole sequence was seen (bytes after it are dropped). */
size_t detach_scan(DetachScanner *d, const unsigned char *in, size_t len, unsigned char *out,
                   bool *ret_detach);
