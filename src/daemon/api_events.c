/* GET /events: recorded events since a time, then live ones while the
 * client stays, as JSON lines. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "daemon/api.h"
#include "daemon/api_routes.h"
#include "daemon/engine_internal.h"

static const char *const event_filters[] = {
    "config", "container", "daemon", "event",   "image", "label",  "network", "node",
    "plugin", "scope",     "secret", "service", "type",  "volume", NULL,
};

static int h_events(ApiRequest *req, void *ud, BerthError **err)
{
        Engine *e = ud;
        _cleanup_json_ json_t *filters = NULL;
        int r = api_request_filters(req, &filters, err);
        if (r < 0)
                return r;
        r = api_filters_validate(filters, event_filters, err);
        if (r < 0)
                return r;
        int64_t now = engine_now_ns();
        int64_t since = 0, until = 0;
        const char *s = api_request_query(req, "since");
        if (s && *s && engine_time_arg_parse(s, now, &since) < 0)
                return error_set(err, EINVAL, "invalid value for since: \"%s\"", s);
        if (s && *s && since <= 0)
                since = 1; /* since=0: everything recorded (0 means none below) */
        const char *u = api_request_query(req, "until");
        if (u && *u && engine_time_arg_parse(u, now, &until) < 0)
                return error_set(err, EINVAL, "invalid value for until: \"%s\"", u);
        if (since && until && until < since)
                return error_set(err, EINVAL, "`since` time (%s) cannot be after `until` time (%s)",
                                 s, u);
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return error_set_errno(err, errno, "socketpair");
        int big = 1 << 20;
        setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
        shutdown(sv[0], SHUT_WR);
        r = engine_events_subscribe(e, sv[1], since, until, TAKE_PTR(filters), err);
        if (r < 0) {
                close(sv[0]);
                return r;
        }
        return api_reply_stream_fd(req, 200, "application/json", sv[0]);
}

int api_events_register(Engine *e, ApiRouter *r, BerthError **err)
{
        int q = api_router_add(r, "GET", "/events", h_events, e, API_ROUTE_NO_BODY, 0);
        if (q < 0)
                return error_set(err, -q, "register GET /events");
        return 0;
}
