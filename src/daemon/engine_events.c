/* The event log: a ring of recent events (for ?since=) and the live
 * subscribers of GET /events, each a socket the API streams from. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "daemon/engine_internal.h"

#define EVENT_RING_SIZE 1024

struct EventSub {
        EventSub *next;
        uint64_t serial;
        int fd;
        json_t *filters;
        int64_t until;
};

static uint64_t sub_serial;

void engine_events_init(Engine *e)
{
        pthread_mutex_init(&e->ev_lock, NULL);
        e->ev_cap = EVENT_RING_SIZE;
        e->ev_ring = calloc(e->ev_cap, sizeof(json_t *));
        if (!e->ev_ring)
                e->ev_cap = 0;
}

static void sub_free(EventSub *s)
{
        if (s->fd >= 0)
                close(s->fd);
        json_decref(s->filters);
        free(s);
}

void engine_events_free(Engine *e)
{
        for (size_t i = 0; i < e->ev_len; i++)
                json_decref(e->ev_ring[(e->ev_start + i) % e->ev_cap]);
        free(e->ev_ring);
        e->ev_ring = NULL;
        while (e->subs) {
                EventSub *s = e->subs;
                e->subs = s->next;
                sub_free(s);
        }
        pthread_mutex_destroy(&e->ev_lock);
}

static bool values_match(json_t *values, const char *a, const char *b)
{
        size_t i;
        json_t *v;
        json_array_foreach(values, i, v)
        {
                const char *s = json_string_value(v);
                if (!s)
                        continue;
                if ((a && STREQ(s, a)) || (b && STREQ(s, b)))
                        return true;
        }
        return false;
}

static bool label_match(json_t *values, json_t *attrs)
{
        size_t i;
        json_t *v;
        json_array_foreach(values, i, v)
        {
                const char *s = json_string_value(v);
                if (!s)
                        continue;
                const char *eq = strchr(s, '=');
                _cleanup_free_ char *key = eq ? strndup(s, (size_t)(eq - s)) : strdup(s);
                if (!key)
                        return false;
                json_t *have = json_object_get(attrs, key);
                if (!json_is_string(have))
                        return false;
                if (eq && !STREQ(json_string_value(have), eq + 1))
                        return false;
        }
        return true;
}

bool engine_event_match(json_t *ev, json_t *filters)
{
        const char *type = json_string_value(json_object_get(ev, "Type"));
        const char *action = json_string_value(json_object_get(ev, "Action"));
        json_t *actor = json_object_get(ev, "Actor");
        const char *id = json_string_value(json_object_get(actor, "ID"));
        json_t *attrs = json_object_get(actor, "Attributes");
        const char *name = json_string_value(json_object_get(attrs, "name"));
        json_t *f;
        if ((f = json_object_get(filters, "type")) && json_array_size(f) &&
            !values_match(f, type, NULL))
                return false;
        if ((f = json_object_get(filters, "event")) && json_array_size(f)) {
                /* "exec_create: sh" matches the filter "exec_create" */
                char base[64] = "";
                if (action) {
                        snprintf(base, sizeof(base), "%s", action);
                        char *colon = strchr(base, ':');
                        if (colon)
                                *colon = '\0';
                }
                if (!values_match(f, action, base))
                        return false;
        }
        if ((f = json_object_get(filters, "scope")) && json_array_size(f) &&
            !values_match(f, "local", NULL))
                return false;
        static const char *const actor_filters[][2] = {
            {"container", "container"}, {"network", "network"}, {"volume", "volume"},
            {"plugin", "plugin"},       {"daemon", "daemon"},   {"config", "config"},
            {"secret", "secret"},       {"service", "service"}, {"node", "node"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(actor_filters); i++) {
                if (!(f = json_object_get(filters, actor_filters[i][0])) || !json_array_size(f))
                        continue;
                if (!type || !STREQ(type, actor_filters[i][1]))
                        return false;
                bool ok = values_match(f, id, name);
                if (!ok && id) {
                        /* a short ID prefix */
                        size_t k;
                        json_t *v;
                        json_array_foreach(f, k, v)
                        {
                                const char *s = json_string_value(v);
                                if (s && *s && strncmp(id, s, strlen(s)) == 0)
                                        ok = true;
                        }
                }
                if (!ok)
                        return false;
        }
        if ((f = json_object_get(filters, "image")) && json_array_size(f)) {
                const char *img = json_string_value(json_object_get(attrs, "image"));
                bool ok = values_match(f, img, NULL);
                if (!ok && type && STREQ(type, "image"))
                        ok = values_match(f, id, name);
                if (!ok)
                        return false;
        }
        if ((f = json_object_get(filters, "label")) && json_array_size(f) && !label_match(f, attrs))
                return false;
        return true;
}

static int sub_write(EventSub *s, json_t *ev)
{
        _cleanup_free_ char *line = json_dumps(ev, JSON_COMPACT);
        if (!line)
                return -ENOMEM;
        size_t len = strlen(line);
        line[len] = '\n'; /* json_dumps's terminator becomes the newline */
        ssize_t n = send(s->fd, line, len + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n != (ssize_t)(len + 1))
                return -EPIPE; /* gone or too slow: dropped */
        return 0;
}

static void record(Engine *e, json_t *ev)
{
        int64_t t = json_integer_value(json_object_get(ev, "timeNano"));
        pthread_mutex_lock(&e->ev_lock);
        if (e->ev_cap) {
                if (e->ev_len == e->ev_cap) {
                        json_decref(e->ev_ring[e->ev_start]);
                        e->ev_ring[e->ev_start] = json_incref(ev);
                        e->ev_start = (e->ev_start + 1) % e->ev_cap;
                } else {
                        e->ev_ring[(e->ev_start + e->ev_len) % e->ev_cap] = json_incref(ev);
                        e->ev_len++;
                }
        }
        for (EventSub **pp = &e->subs; *pp;) {
                EventSub *s = *pp;
                bool drop = false;
                if (s->until && t > s->until)
                        drop = true;
                else if (engine_event_match(ev, s->filters) && sub_write(s, ev) < 0)
                        drop = true;
                if (drop) {
                        *pp = s->next;
                        sub_free(s);
                } else {
                        pp = &s->next;
                }
        }
        pthread_mutex_unlock(&e->ev_lock);
        json_decref(ev);
}

static json_t *event_new(const char *type, const char *action, const char *actor_id,
                         json_t *attributes, const char *from)
{
        int64_t now = engine_now_ns();
        json_t *attrs = attributes ? attributes : json_object();
        json_t *ev = json_pack("{s:s, s:s, s:{s:s, s:o}, s:s, s:I, s:I}", "Type", type, "Action",
                               action, "Actor", "ID", actor_id ? actor_id : "", "Attributes", attrs,
                               "scope", "local", "time", (json_int_t)(now / 1000000000LL),
                               "timeNano", (json_int_t)now);
        if (!ev)
                return NULL;
        if (STREQ(type, "container") || STREQ(type, "image")) {
                json_object_set_new(ev, "status", json_string(action));
                json_object_set_new(ev, "id", json_string(actor_id ? actor_id : ""));
                if (from)
                        json_object_set_new(ev, "from", json_string(from));
        }
        return ev;
}

void engine_event(Engine *e, const char *type, const char *action, const char *actor_id,
                  json_t *attributes)
{
        if (!e || !type || !action)
                return;
        const char *from = json_string_value(json_object_get(attributes, "image"));
        json_t *ev = event_new(type, action, actor_id, attributes, from);
        if (ev)
                record(e, ev);
}

void engine_ctr_event_locked(Engine *e, const Ctr *c, const char *action, json_t *attrs)
{
        if (!attrs)
                attrs = json_object();
        json_t *labels = json_object_get(c->config, "Labels");
        const char *k;
        json_t *v;
        json_object_foreach(labels, k, v)
        {
                if (json_is_string(v) && !json_object_get(attrs, k))
                        json_object_set(attrs, k, v);
        }
        json_object_set_new(attrs, "image", json_string(c->image ? c->image : ""));
        json_object_set_new(attrs, "name", json_string(c->name + 1));
        json_t *ev = event_new("container", action, c->id, attrs, c->image ? c->image : "");
        if (ev)
                record(e, ev);
}

typedef struct UntilTimer {
        Engine *e;
        uint64_t serial;
        int64_t until;
} UntilTimer;

static void *until_main(void *arg)
{
        UntilTimer *t = arg;
        Engine *e = t->e;
        pthread_mutex_lock(&e->lock);
        while (!e->stopping) {
                int64_t left = t->until - engine_now_ns();
                if (left <= 0)
                        break;
                struct timespec dl;
                clock_gettime(CLOCK_MONOTONIC, &dl);
                int64_t step = left > 1000000000LL ? 1000000000LL : left;
                dl.tv_nsec += (long)(step % 1000000000LL);
                dl.tv_sec += (time_t)(step / 1000000000LL) + dl.tv_nsec / 1000000000L;
                dl.tv_nsec %= 1000000000L;
                pthread_cond_timedwait(&e->cond, &e->lock, &dl);
        }
        pthread_mutex_unlock(&e->lock);
        pthread_mutex_lock(&e->ev_lock);
        for (EventSub **pp = &e->subs; *pp; pp = &(*pp)->next)
                if ((*pp)->serial == t->serial) {
                        EventSub *s = *pp;
                        *pp = s->next;
                        sub_free(s);
                        break;
                }
        pthread_mutex_unlock(&e->ev_lock);
        free(t);
        return NULL;
}

int engine_events_subscribe(Engine *e, int fd, int64_t since, int64_t until, json_t *filters,
                            BerthError **err)
{
        EventSub *s = calloc(1, sizeof(*s));
        if (!s) {
                close(fd);
                json_decref(filters);
                return error_set(err, ENOMEM, "out of memory");
        }
        s->fd = fd;
        s->filters = filters ? filters : json_object();
        s->until = until;
        int64_t now = engine_now_ns();
        pthread_mutex_lock(&e->ev_lock);
        s->serial = ++sub_serial;
        if (since > 0 || (until > 0 && until <= now)) {
                for (size_t i = 0; i < e->ev_len; i++) {
                        json_t *ev = e->ev_ring[(e->ev_start + i) % e->ev_cap];
                        int64_t t = json_integer_value(json_object_get(ev, "timeNano"));
                        if (t < since || (until > 0 && t > until))
                                continue;
                        if (engine_event_match(ev, s->filters) && sub_write(s, ev) < 0)
                                break;
                }
        }
        if (until > 0 && until <= now) {
                pthread_mutex_unlock(&e->ev_lock);
                sub_free(s);
                return 0;
        }
        s->next = e->subs;
        e->subs = s;
        uint64_t serial = s->serial;
        pthread_mutex_unlock(&e->ev_lock);
        if (until > 0) {
                UntilTimer *t = malloc(sizeof(*t));
                if (t) {
                        *t = (UntilTimer){e, serial, until};
                        if (engine_spawn_helper(e, until_main, t) < 0)
                                free(t);
                }
        }
        return 0;
}
