/* Route registration of each family of endpoints; engine_register_routes()
 * calls them all. */
#pragma once

#include "common/error.h"
#include "daemon/api_router.h"
#include "daemon/engine.h"

/* /containers/create, json, {id}/json, start, stop, restart, kill, wait,
 * DELETE, rename, pause, unpause, top, changes, export, prune, update. */
int api_containers_register(Engine *e, ApiRouter *r, BerthError **err);
/* /containers/{id}/attach, /containers/{id}/logs, /containers/{id}/resize. */
int api_attach_register(Engine *e, ApiRouter *r, BerthError **err);
/* /containers/{id}/exec, /exec/{id}/start, resize, json. */
int api_exec_register(Engine *e, ApiRouter *r, BerthError **err);
/* /images/... over image/image.h. */
int api_images_register(Engine *e, ApiRouter *r, BerthError **err);
/* GET /events. */
int api_events_register(Engine *e, ApiRouter *r, BerthError **err);
/* /networks/... over src/network (api_networks.c). */
int api_networks_register(Engine *e, ApiRouter *r, BerthError **err);
