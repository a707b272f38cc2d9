/* Shared between the files of the API server; not for handlers. */
#pragma once

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "daemon/api.h"

typedef struct ApiHijack ApiHijack;

typedef struct ApiListener {
        char *path;
        struct MHD_Daemon *mhd;
        dev_t dev; /* of the socket file we bound, to remove only ours */
        ino_t ino;
} ApiListener;

struct ApiServer {
        ApiRouter *router;
        ApiListener *listeners;
        size_t n_listeners;
        int stop_efd;    /* readable once stopping: wakes blocked stream readers */
        char *spool_dir; /* API_ROUTE_SPOOL_BODY bodies; NULL = $TMPDIR or /var/tmp */

        pthread_mutex_t lock;
        pthread_cond_t cond;
        ApiHijack *hijacks; /* running hijack callbacks */
        unsigned n_hijacks;
        bool stopping;
};

struct ApiRequest {
        ApiServer *server;
        struct MHD_Connection *conn;
        const char *method; /* owned by MHD for the request's life */
        char *path;         /* without the version prefix */
        ApiMatch match;

        char *body;
        size_t body_len, body_cap, body_limit;
        bool body_too_large;
        bool spool;  /* the route spools its body to body_fd */
        int body_fd; /* the spool file, -1 until the first byte (or dispatch) */
        size_t body_spooled;
        int spool_error; /* errno of a failed spool write, reported at dispatch */
        bool dispatched; /* a reply was queued; ignore what follows */
        int early_code;  /* routing failed: reply once the request is read */
        BerthError *early_err;

        struct MHD_Response *response;
        unsigned status;
        char **headers; /* name, value, ... added before api_reply_* */
        ApiHijack *hijack;
};

/* api_reply.c */
/* Adds the headers every reply carries (API-Version, Server...) and the
 * handler's own. Takes ownership of resp (destroyed on failure). */
int api_reply_set(ApiRequest *req, unsigned status, struct MHD_Response *resp);
/* A chunked response reading fd until EOF or server stop; owns fd. */
struct MHD_Response *api_stream_response_new(ApiServer *s, struct MHD_Connection *conn, int fd);

/* api_hijack.c */
void api_hijack_request_done(ApiRequest *req, enum MHD_RequestTerminationCode toe);
/* Shuts down every hijacked socket and waits (bounded) for the callbacks. */
void api_hijack_stop_all(ApiServer *s);

/* api_socket.c */
/* Binds and listens on a unix socket at path, mode 0660. */
int api_socket_bind_unix(const char *path, int *ret_fd, dev_t *ret_dev, ino_t *ret_ino,
                         BerthError **err);
/* Removes path when it is still the socket we bound. */
void api_socket_remove(const char *path, dev_t dev, ino_t ino);
