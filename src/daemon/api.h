/* The API server of berthd: the contract between the HTTP layer and the
 * handlers of every route. A handler gets an ApiRequest, queues exactly one
 * reply with an api_reply_* call and returns >= 0, or returns -errno with a
 * BerthError and the server replies {"message": ...} with the status that
 * api_status_from_errno() maps the code to (the one place that does it). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "daemon/api_router.h"

/* Buffered request bodies (JSON) larger than this get 413. */
#define API_BODY_LIMIT_DEFAULT ((size_t)16 << 20)

/* Route flag, beside those of api_router.h (pass it to api_router_add()):
 * the body (of any size, Content-Length or chunked) is spooled into an
 * unlinked temporary file under the server's spool directory instead of
 * memory; the handler reads it through api_request_body_fd(), and
 * api_request_body() is empty. body_limit 0 means no limit for such a route
 * (else 413 beyond it). For POST /images/load, /images/create?fromSrc=-... */
#define API_ROUTE_SPOOL_BODY (1u << 8)

typedef struct ApiServer ApiServer;
typedef struct ApiRequest ApiRequest;

/* ---- server ---- */

int api_server_new(ApiServer **ret, BerthError **err);
/* Stops listening (api_server_stop) when still running, then frees. */
ApiServer *api_server_free(ApiServer *s);
/* Routes are registered before the first api_server_listen_unix(). */
ApiRouter *api_server_router(ApiServer *s);
/* Binds PATH (mode 0660; a stale socket nobody listens on is replaced; a live
 * one is an error) and serves it. Call once per -H. */
int api_server_listen_unix(ApiServer *s, const char *path, BerthError **err);
/* Spooled bodies go to dir/sub (sub may be NULL), created 0700 when
 * missing; berthd gives (data_root, "tmp"). Without it: $TMPDIR, else
 * /var/tmp. */
int api_server_set_spool_dir(ApiServer *s, const char *dir, const char *sub, BerthError **err);
/* Ends hijacked streams, stops every listener and removes its socket file. */
void api_server_stop(ApiServer *s);

/* ---- request ---- */

const char *api_request_method(const ApiRequest *req);
/* The path without the /vX.Y prefix. */
const char *api_request_path(const ApiRequest *req);
/* The API version of the request: from the path, else the newest. */
const char *api_request_version(const ApiRequest *req);
/* Path parameter from the route pattern ("{id}"); NULL when absent. */
const char *api_request_param(const ApiRequest *req, const char *name);
const char *api_request_header(const ApiRequest *req, const char *name);
/* Query-string value (decoded); NULL when absent. */
const char *api_request_query(const ApiRequest *req, const char *key);
/* Every value of a repeated query key (?names=a&names=b), in order, as a
 * NULL-terminated strv the caller frees (empty when absent); -ENOMEM. */
int api_request_query_all(const ApiRequest *req, const char *key, char ***ret);
/* Docker's BoolValueOrDefault: absent → def; "", 0, no, false, none → false
 * (any case, trimmed); anything else → true. */
bool api_request_query_bool(const ApiRequest *req, const char *key, bool def);
/* The `filters` query parameter parsed by api_filters_parse(); an empty
 * object when absent. */
int api_request_filters(const ApiRequest *req, json_t **ret, BerthError **err);
/* The buffered body (NUL-terminated, may be empty). */
const char *api_request_body(const ApiRequest *req, size_t *ret_len);
/* The spooled body of an API_ROUTE_SPOOL_BODY route: a file descriptor
 * positioned at offset 0 (an empty file when no body came), owned by the
 * request and valid until the handler returns: dup() it (or reopen
 * /proc/self/fd/N for an independent offset) to use it longer. -EBADF for
 * other routes. */
int api_request_body_fd(const ApiRequest *req);
/* The body as JSON, Docker's rules: a non-empty body needs Content-Type
 * application/json; an empty one is an error unless allow_empty (then *ret
 * is an empty object). Errors are -EINVAL and name the problem. */
int api_request_json(const ApiRequest *req, bool allow_empty, json_t **ret, BerthError **err);

/* ---- replies (exactly one per request) ---- */

/* Adds a header to the reply being built; call before api_reply_*. */
int api_reply_header(ApiRequest *req, const char *name, const char *value);
/* Steals the reference to body; a trailing newline is added as Docker does. */
int api_reply_json(ApiRequest *req, unsigned status, json_t *body);
int api_reply_data(ApiRequest *req, unsigned status, const char *content_type, const void *data,
                   size_t len);
/* 204 and the like: no body. */
int api_reply_empty(ApiRequest *req, unsigned status);
/* {"message": "..."} with the given status. */
int api_reply_message(ApiRequest *req, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Maps err->code (or code when err is NULL) to a status and replies. */
int api_reply_error(ApiRequest *req, int code, const BerthError *err);
/* Streams bytes read from fd (owned, closed at the end) as the body, chunked;
 * the body ends at EOF on fd. The read blocks only this connection. */
int api_reply_stream_fd(ApiRequest *req, unsigned status, const char *content_type, int fd);

/* Connection hijack (attach, exec start). fn runs in its own thread with a
 * bidirectional socket to the client, plus any bytes the client sent after
 * its request that the server already read (feed them first). The socket is
 * closed and the connection ends when fn returns; fn must not close fd.
 * Clients sending "Upgrade: tcp" get 101 UPGRADED; others get 200 and a
 * one-way stream: reads on fd then see EOF at once. free_userdata (may be
 * NULL) runs after fn, or when the hijack never happens. Writes to a
 * closed peer raise SIGPIPE: the process must ignore it (berthd does). */
typedef void (*ApiHijackFn)(int fd, const void *pending, size_t pending_len, void *userdata);
int api_reply_hijack(ApiRequest *req, const char *content_type, ApiHijackFn fn, void *userdata,
                     void (*free_userdata)(void *));

/* ---- status mapping ---- */

/* ENOENT→404, EEXIST/EBUSY→409, EINVAL→400, EPERM→403, else 500; code may be
 * negative. */
unsigned api_status_from_errno(int code);
