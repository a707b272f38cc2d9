/* Deleting a veth waits for the kernel's device teardown (RCU grace periods:
 * ~10 ms here). When the container has exited, nothing waits for that link
 * any more, so one background thread deletes such links, off the path of
 * `stop`, `rm` and `run --rm`. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "network/link.h"

typedef struct Pending {
        struct Pending *next;
        char name[];
} Pending;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static Pending *head, **tail = &head;
static unsigned busy; /* queued + being deleted */
static bool running;

static void *reaper(void *arg)
{
        (void)arg;
        pthread_mutex_lock(&lock);
        for (;;) {
                while (!head)
                        pthread_cond_wait(&cond, &lock);
                Pending *p = head;
                head = p->next;
                if (!head)
                        tail = &head;
                pthread_mutex_unlock(&lock);
                (void)net_link_delete(p->name, NULL);
                free(p);
                pthread_mutex_lock(&lock);
                busy--;
                pthread_cond_broadcast(&cond);
        }
        return NULL;
}

void net_link_delete_later(const char *name)
{
        size_t len = strlen(name) + 1;
        Pending *p = malloc(sizeof(*p) + len);
        pthread_mutex_lock(&lock);
        if (p && !running) {
                pthread_t t;
                pthread_attr_t a;
                pthread_attr_init(&a);
                pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
                running = pthread_create(&t, &a, reaper, NULL) == 0;
                pthread_attr_destroy(&a);
        }
        if (!p || !running) {
                pthread_mutex_unlock(&lock);
                free(p);
                (void)net_link_delete(name, NULL);
                return;
        }
        memcpy(p->name, name, len);
        p->next = NULL;
        *tail = p;
        tail = &p->next;
        busy++;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
}

void net_link_flush_deletes(void)
{
        pthread_mutex_lock(&lock);
        while (busy > 0)
                pthread_cond_wait(&cond, &lock);
        pthread_mutex_unlock(&lock);
}
