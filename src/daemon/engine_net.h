/* The engine's side of networking (engine_net.c), for the engine's files. */
#pragma once

#include <jansson.h>
#include <sys/types.h>

#include "common/error.h"
#include "daemon/engine_internal.h"

/* Before the monitor creates the container: addresses and host ports are
 * allocated, and the bundle's env and resolv.conf get what the networks
 * need; /etc/hosts is written in full with the container's addresses and
 * link_hosts (legacy links' lines, engine_links.h; may be NULL). */
int engine_net_prepare(Engine *e, Ctr *c, const char *ctr_dir, const char *link_hosts,
                       BerthError **err);
/* Once the container's init exists (pid), before its process starts. */
int engine_net_plug(Engine *e, const char *id, pid_t pid, BerthError **err);
/* When it has exited, or is removed: never fails (logs). */
void engine_net_unplug(Engine *e, const char *id);
/* Caches c's NetworkSettings (inspect) and Ports (ps) from the network
 * manager: after a start, an adoption, a connect or a disconnect. c under
 * the engine's lock. */
void engine_net_cache_locked(Engine *e, Ctr *c);
