/* The /networks endpoints over the network manager (src/network). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "daemon/api.h"
#include "daemon/api_routes.h"
#include "network/network.h"

static NetManager *mgr(void *userdata)
{
        return engine_network(userdata);
}

static int reply_or_fail(ApiRequest *req, int r, unsigned status, json_t *body, BerthError **err)
{
        if (r < 0)
                return r;
        r = api_reply_json(req, status, body);
        return r < 0 ? error_set(err, r, "out of memory") : 0;
}

static int list(ApiRequest *req, void *userdata, BerthError **err)
{
        _cleanup_json_ json_t *filters = NULL;
        int r = api_request_filters(req, &filters, err);
        if (r < 0)
                return r;
        json_t *out = NULL;
        r = net_network_list(mgr(userdata), filters, &out, err);
        return reply_or_fail(req, r, 200, out, err);
}

static int inspect(ApiRequest *req, void *userdata, BerthError **err)
{
        json_t *out = NULL;
        int r = net_network_inspect(mgr(userdata), api_request_param(req, "id"), &out, err);
        return reply_or_fail(req, r, 200, out, err);
}

static int create(ApiRequest *req, void *userdata, BerthError **err)
{
        _cleanup_json_ json_t *body = NULL;
        int r = api_request_json(req, false, &body, err);
        if (r < 0)
                return r;
        if (!json_is_object(body))
                return error_set(err, EINVAL, "network create: the body must be a JSON object");
        json_t *out = NULL;
        r = net_network_create(mgr(userdata), body, &out, err);
        if (r >= 0)
                engine_event(
                    userdata, "network", "create", json_string_value(json_object_get(out, "Id")),
                    json_pack("{s:s, s:s}", "name",
                              json_string_value(json_object_get(body, "Name")), "type", "bridge"));
        return reply_or_fail(req, r, 201, out, err);
}

static int remove_network(ApiRequest *req, void *userdata, BerthError **err)
{
        _cleanup_free_ char *id = NULL, *name = NULL;
        int r = net_network_lookup(mgr(userdata), api_request_param(req, "id"), &id, &name, err);
        if (r >= 0)
                r = net_network_remove(mgr(userdata), id, err);
        if (r < 0)
                return r;
        engine_event(userdata, "network", "destroy", id,
                     json_pack("{s:s, s:s}", "name", name, "type", "bridge"));
        r = api_reply_empty(req, 204);
        return r < 0 ? error_set(err, r, "out of memory") : 0;
}

static int prune(ApiRequest *req, void *userdata, BerthError **err)
{
        _cleanup_json_ json_t *filters = NULL;
        int r = api_request_filters(req, &filters, err);
        if (r < 0)
                return r;
        json_t *out = NULL;
        r = net_network_prune(mgr(userdata), filters, &out, err);
        return reply_or_fail(req, r, 200, out, err);
}

/* connect and disconnect need the container: the engine records the change
 * and plugs or unplugs a running container. */
static int connect_ep(ApiRequest *req, void *userdata, BerthError **err)
{
        _cleanup_json_ json_t *body = NULL;
        int r = api_request_json(req, false, &body, err);
        if (r < 0)
                return r;
        const char *ctr = json_string_value(json_object_get(body, "Container"));
        if (!ctr || !*ctr)
                return error_set(err, EINVAL, "network connect: Container is required");
        r = engine_network_connect(userdata, api_request_param(req, "id"), ctr,
                                   json_object_get(body, "EndpointConfig"), err);
        if (r < 0)
                return r;
        r = api_reply_empty(req, 200);
        return r < 0 ? error_set(err, r, "out of memory") : 0;
}

static int disconnect_ep(ApiRequest *req, void *userdata, BerthError **err)
{
        _cleanup_json_ json_t *body = NULL;
        int r = api_request_json(req, false, &body, err);
        if (r < 0)
                return r;
        const char *ctr = json_string_value(json_object_get(body, "Container"));
        if (!ctr || !*ctr)
                return error_set(err, EINVAL, "network disconnect: Container is required");
        r = engine_network_disconnect(userdata, api_request_param(req, "id"), ctr,
                                      json_is_true(json_object_get(body, "Force")), err);
        if (r < 0)
                return r;
        r = api_reply_empty(req, 200);
        return r < 0 ? error_set(err, r, "out of memory") : 0;
}

int api_networks_register(Engine *e, ApiRouter *r, BerthError **err)
{
        static const struct {
                const char *method, *path;
                ApiHandler fn;
        } routes[] = {
            {"GET", "/networks", list},
            {"GET", "/networks/{id}", inspect},
            {"POST", "/networks/create", create},
            {"DELETE", "/networks/{id}", remove_network},
            {"POST", "/networks/prune", prune},
            {"POST", "/networks/{id}/connect", connect_ep},
            {"POST", "/networks/{id}/disconnect", disconnect_ep},
        };
        for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
                int q = api_router_add(r, routes[i].method, routes[i].path, routes[i].fn, e, 0, 0);
                if (q < 0)
                        return error_set(err, q, "registering %s %s", routes[i].method,
                                         routes[i].path);
        }
        return 0;
}
