/* Shared between the files of the API server; not for handlers. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "daemon/api.h"
#include "daemon/http_request.h"

typedef struct ApiHijack ApiHijack;
typedef struct ApiConn ApiConn;

typedef struct ApiListener {
        ApiServer *server;
        char *path;
        int fd;
        pthread_t thread; /* accepts until stop_efd fires */
        dev_t dev;        /* of the socket file we bound, to remove only ours */
        ino_t ino;
} ApiListener;

struct ApiServer {
        ApiRouter *router;
        ApiListener **listeners; /* each allocated once: its accept thread holds it */
        size_t n_listeners;
        int stop_efd;    /* readable once stopping: wakes accept loops and stream readers */
        char *spool_dir; /* API_ROUTE_SPOOL_BODY bodies; NULL = $TMPDIR or /var/tmp */

        pthread_mutex_t lock;
        pthread_cond_t cond;
        ApiConn *conns; /* connection threads running */
        unsigned n_conns;
        ApiHijack *hijacks; /* running hijack callbacks */
        unsigned n_hijacks;
        bool stopping;
};

typedef enum ApiReplyKind {
        API_REPLY_NONE,
        API_REPLY_DATA,
        API_REPLY_STREAM,
        API_REPLY_HIJACK,
} ApiReplyKind;

struct ApiRequest {
        ApiServer *server;
        const HttpRequest *http;
        int fd; /* the client socket (owned by the connection) */
        const char *method;
        char *path; /* without the version prefix */
        ApiMatch match;

        char *body;
        size_t body_len, body_cap, body_limit;
        bool body_too_large;
        bool spool;  /* the route spools its body to body_fd */
        int body_fd; /* the spool file, -1 until the first byte (or dispatch) */
        size_t body_spooled;
        int spool_error; /* errno of a failed spool write, reported at dispatch */

        /* the reply, built by api_reply_* and written by api_reply_send() */
        char **headers; /* name, value, ... added before api_reply_* */
        ApiReplyKind kind;
        unsigned status;
        char *content_type;
        char *data;
        size_t data_len;
        int stream_fd;
        ApiHijack *hijack;
};

/* api_reply.c */
/* Drops a reply built so far (to replace it with an error). */
void api_reply_reset(ApiRequest *req);
/* Writes the reply on req->fd. keep_alive says whether the client may send
 * another request (updated: false when the reply must end the connection).
 * A hijack runs its callback before this returns. Returns < 0 when the
 * connection must close (write error, stream cut short). */
int api_reply_send(ApiRequest *req, bool *keep_alive, const char *pending, size_t pending_len);
/* Writes a bare error reply with "Connection: close" (malformed requests,
 * before any ApiRequest exists). */
void api_reply_bare_error(int fd, unsigned status, const char *message);
/* send() of everything, without SIGPIPE. */
int api_send_all(int fd, const void *buf, size_t len);

/* api_hijack.c */
/* Builds the hijack record of api_reply_hijack(). */
ApiHijack *api_hijack_new(ApiServer *s, ApiHijackFn fn, void *userdata,
                          void (*free_userdata)(void *));
/* Frees a hijack that never ran (runs free_userdata). */
void api_hijack_free(ApiHijack *h);
/* Runs the callback on fd in this thread; registered so that stop can end
 * it. Frees h. Does not close fd. */
void api_hijack_run(ApiHijack *h, int fd, const void *pending, size_t pending_len);
/* Shuts down every hijacked socket and waits (bounded) for the callbacks. */
void api_hijack_stop_all(ApiServer *s);

/* api_socket.c */
/* Binds and listens on a unix socket at path, mode 0660. */
int api_socket_bind_unix(const char *path, int *ret_fd, dev_t *ret_dev, ino_t *ret_ino,
                         BerthError **err);
/* Removes path when it is still the socket we bound. */
void api_socket_remove(const char *path, dev_t dev, ino_t ino);
