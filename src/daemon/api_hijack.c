/* Connection hijacking for attach and exec start. Docker clients send
 * "Connection: Upgrade" + "Upgrade: tcp" and get 101 and the raw socket
 * (libmicrohttpd's upgrade responses); other clients get 200 and a one-way
 * close-delimited stream fed from a socketpair. The handler's callback runs
 * in its own thread either way and only ever sees a bidirectional socket. */
#include "daemon/api_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

struct ApiHijack {
        ApiServer *server;
        ApiHijackFn fn;
        void *userdata;
        void (*free_userdata)(void *);
        int fd;                                /* the socket fn uses */
        struct MHD_UpgradeResponseHandle *urh; /* NULL for the 200 stream */
        char *pending;
        size_t pending_len;
        bool started;
        bool closing; /* fd is being closed: hands off */
        ApiHijack *next;
};

#define HIJACK_STOP_WAIT_SEC 5

static void hijack_free(ApiHijack *h)
{
        if (h->free_userdata)
                h->free_userdata(h->userdata);
        free(h->pending);
        free(h);
}

static void unlink_locked(ApiServer *s, ApiHijack *h)
{
        for (ApiHijack **p = &s->hijacks; *p; p = &(*p)->next)
                if (*p == h) {
                        *p = h->next;
                        s->n_hijacks--;
                        break;
                }
        pthread_cond_broadcast(&s->cond);
}

static void *hijack_thread(void *arg)
{
        ApiHijack *h = arg;
        /* MHD's sockets are non-blocking; callbacks get a plain blocking one. */
        int fl = fcntl(h->fd, F_GETFL);
        if (fl >= 0 && (fl & O_NONBLOCK))
                fcntl(h->fd, F_SETFL, fl & ~O_NONBLOCK);
        h->fn(h->fd, h->pending, h->pending_len, h->userdata);
        ApiServer *s = h->server;
        /* Stop must neither shut down an fd number that is being closed
         * (it may be reused) nor stop MHD while the upgrade is closing. */
        pthread_mutex_lock(&s->lock);
        h->closing = true;
        pthread_mutex_unlock(&s->lock);
        if (h->urh)
                MHD_upgrade_action(h->urh, MHD_UPGRADE_ACTION_CLOSE); /* closes h->fd */
        else
                close(h->fd);
        pthread_mutex_lock(&s->lock);
        unlink_locked(s, h);
        pthread_mutex_unlock(&s->lock);
        hijack_free(h);
        return NULL;
}

/* Registers h and runs it in a detached thread. -errno when it cannot
 * start (h is then still the caller's). */
static int hijack_start(ApiHijack *h)
{
        ApiServer *s = h->server;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 512 * 1024);
        pthread_mutex_lock(&s->lock);
        if (s->stopping) {
                pthread_mutex_unlock(&s->lock);
                pthread_attr_destroy(&attr);
                return -ESHUTDOWN;
        }
        h->started = true;
        h->next = s->hijacks;
        s->hijacks = h;
        s->n_hijacks++;
        pthread_t t;
        int r = pthread_create(&t, &attr, hijack_thread, h);
        if (r != 0) {
                h->started = false;
                unlink_locked(s, h);
        }
        pthread_mutex_unlock(&s->lock);
        pthread_attr_destroy(&attr);
        return -r;
}

static void on_upgrade(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra_in,
                       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
        ApiHijack *h = cls;
        /* From here on h belongs to this callback and then to its thread,
         * which may free it before the request completes: the request must
         * not look at it again (req_cls is our ApiRequest). */
        ApiRequest *req = req_cls;
        if (req && req->hijack == h)
                req->hijack = NULL;
        h->fd = sock;
        h->urh = urh;
        if (extra_in_size > 0) {
                h->pending = malloc(extra_in_size);
                if (h->pending) {
                        memcpy(h->pending, extra_in, extra_in_size);
                        h->pending_len = extra_in_size;
                }
        }
        if (hijack_start(h) < 0) {
                log_debug("API: could not start the hijacked stream");
                MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
                hijack_free(h);
        }
}

static bool wants_upgrade(const ApiRequest *req)
{
        /* Docker's server only checks that an Upgrade header is there. */
        return api_request_header(req, MHD_HTTP_HEADER_UPGRADE) != NULL;
}

static int reply_upgrade(ApiRequest *req, const char *content_type, ApiHijack *h)
{
        struct MHD_Response *resp = MHD_create_response_for_upgrade(on_upgrade, h);
        if (!resp)
                return -ENOMEM;
        /* MHD adds "Connection: Upgrade" to upgrade responses itself. */
        if (MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "tcp") != MHD_YES ||
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES) {
                MHD_destroy_response(resp);
                return -ENOMEM;
        }
        int r = api_reply_set(req, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
        if (r < 0)
                return r;
        req->hijack = h;
        return 0;
}

static int reply_stream(ApiRequest *req, const char *content_type, ApiHijack *h)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        /* Nothing flows from the client: the callback reads EOF at once. */
        shutdown(sv[0], SHUT_WR);
        h->fd = sv[1];
        struct MHD_Response *resp = api_stream_response_new(req->server, req->conn, sv[0]);
        if (!resp) {
                close(sv[1]);
                return -ENOMEM;
        }
        if (MHD_set_response_options(resp, MHD_RF_HTTP_1_0_SERVER, MHD_RO_END) != MHD_YES ||
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES) {
                MHD_destroy_response(resp);
                close(sv[1]);
                return -ENOMEM;
        }
        int r = api_reply_set(req, MHD_HTTP_OK, resp);
        if (r < 0) {
                close(sv[1]);
                return r;
        }
        r = hijack_start(h);
        if (r < 0) {
                /* The reply is built; end its stream at once. */
                close(sv[1]);
                return r;
        }
        return 0;
}

int api_reply_hijack(ApiRequest *req, const char *content_type, ApiHijackFn fn, void *userdata,
                     void (*free_userdata)(void *))
{
        ApiHijack *h = calloc(1, sizeof(*h));
        if (!h) {
                if (free_userdata)
                        free_userdata(userdata);
                return -ENOMEM;
        }
        *h = (ApiHijack){.server = req->server,
                         .fn = fn,
                         .userdata = userdata,
                         .free_userdata = free_userdata,
                         .fd = -1};
        if (!content_type)
                content_type = "application/vnd.docker.raw-stream";
        int r = wants_upgrade(req) ? reply_upgrade(req, content_type, h)
                                   : reply_stream(req, content_type, h);
        if (r < 0 && !h->started)
                hijack_free(h);
        return r;
}

void api_hijack_request_done(ApiRequest *req, enum MHD_RequestTerminationCode toe)
{
        ApiHijack *h = req->hijack;
        req->hijack = NULL;
        if (!h)
                return;
        ApiServer *s = req->server;
        pthread_mutex_lock(&s->lock);
        bool started = h->started;
        pthread_mutex_unlock(&s->lock);
        /* A connection that ended before the upgrade never reaches on_upgrade. */
        if (!started && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
                hijack_free(h);
}

void api_hijack_stop_all(ApiServer *s)
{
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += HIJACK_STOP_WAIT_SEC;
        pthread_mutex_lock(&s->lock);
        for (ApiHijack *h = s->hijacks; h; h = h->next)
                if (!h->closing)
                        shutdown(h->fd, SHUT_RDWR);
        while (s->n_hijacks > 0)
                if (pthread_cond_timedwait(&s->cond, &s->lock, &deadline) == ETIMEDOUT) {
                        log_warn("API: %u hijacked stream(s) did not end at shutdown",
                                 s->n_hijacks);
                        break;
                }
        pthread_mutex_unlock(&s->lock);
}
