/* Connection hijacking for attach and exec start. The server owns its
 * sockets, so after the reply head (101 UPGRADED, or 200 for clients
 * without Upgrade) the callback runs in the connection's thread on the
 * client socket itself (blocking). Running callbacks are registered so that
 * stop can shut their sockets down and wait for them. */
#include "daemon/api_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/log.h"

struct ApiHijack {
        ApiServer *server;
        ApiHijackFn fn;
        void *userdata;
        void (*free_userdata)(void *);
        int fd; /* while fn runs */
        ApiHijack *next;
};

#define HIJACK_STOP_WAIT_SEC 5

ApiHijack *api_hijack_new(ApiServer *s, ApiHijackFn fn, void *userdata,
                          void (*free_userdata)(void *))
{
        ApiHijack *h = calloc(1, sizeof(*h));
        if (!h)
                return NULL;
        *h = (ApiHijack){
            .server = s, .fn = fn, .userdata = userdata, .free_userdata = free_userdata, .fd = -1};
        return h;
}

void api_hijack_free(ApiHijack *h)
{
        if (!h)
                return;
        if (h->free_userdata)
                h->free_userdata(h->userdata);
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

void api_hijack_run(ApiHijack *h, int fd, const void *pending, size_t pending_len)
{
        ApiServer *s = h->server;
        pthread_mutex_lock(&s->lock);
        if (s->stopping) {
                pthread_mutex_unlock(&s->lock);
                api_hijack_free(h);
                return;
        }
        h->fd = fd;
        h->next = s->hijacks;
        s->hijacks = h;
        s->n_hijacks++;
        pthread_mutex_unlock(&s->lock);

        h->fn(fd, pending, pending_len, h->userdata);

        /* The caller closes fd only after this: stop never shuts down a
         * reused fd number. */
        pthread_mutex_lock(&s->lock);
        unlink_locked(s, h);
        pthread_mutex_unlock(&s->lock);
        api_hijack_free(h);
}

int api_reply_hijack(ApiRequest *req, const char *content_type, ApiHijackFn fn, void *userdata,
                     void (*free_userdata)(void *))
{
        if (req->kind != API_REPLY_NONE) {
                if (free_userdata)
                        free_userdata(userdata);
                return -EALREADY;
        }
        ApiHijack *h = api_hijack_new(req->server, fn, userdata, free_userdata);
        if (!h) {
                if (free_userdata)
                        free_userdata(userdata);
                return -ENOMEM;
        }
        req->content_type =
            strdup(content_type ? content_type : "application/vnd.docker.raw-stream");
        if (!req->content_type) {
                api_hijack_free(h);
                return -ENOMEM;
        }
        req->kind = API_REPLY_HIJACK;
        req->status = 101;
        req->hijack = h;
        return 0;
}

void api_hijack_stop_all(ApiServer *s)
{
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += HIJACK_STOP_WAIT_SEC;
        pthread_mutex_lock(&s->lock);
        for (ApiHijack *h = s->hijacks; h; h = h->next)
                shutdown(h->fd, SHUT_RDWR);
        while (s->n_hijacks > 0)
                if (pthread_cond_timedwait(&s->cond, &s->lock, &deadline) == ETIMEDOUT) {
                        log_warn("API: %u hijacked stream(s) did not end at shutdown",
                                 s->n_hijacks);
                        break;
                }
        pthread_mutex_unlock(&s->lock);
}
