/* Legacy links (`--link NAME:ALIAS`) on the default bridge, as Docker has
 * them: the linked container must exist at create and run at start; the
 * linking container then gets an /etc/hosts line for it and the
 * environment variables Docker sets (ALIAS_NAME, ALIAS_PORT...,
 * ALIAS_ENV_...), computed at start because only then is the target's
 * address known. On user-defined networks links are DNS aliases, not this.
 *
 * The links_* functions are pure; engine_links_* read the engine's
 * containers (they take Engine.lock). */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"
#include "daemon/engine_internal.h"

/* Docker's ParseLink: "name:alias", "name" (alias = name) or the stored
 * "/name:/parent/alias"; the name comes back without a leading '/', the
 * alias as its last path element. -EINVAL "bad format for links: X". */
int links_parse(const char *spec, char **ret_name, char **ret_alias, BerthError **err);

/* The variables one link gives, in Docker's order: link_name is the full
 * link name ("/web/webdb"; its last element, upper-cased with '-' → '_',
 * prefixes every variable), ip the target's address, exposed_ports its
 * Config.ExposedPorts ({"5432/tcp": {}}), env its Config.Env. Ports are
 * sorted TCP first, then by protocol and number: ALIAS_PORT names the first;
 * each gets ALIAS_PORT_<n>_<PROTO>[_ADDR|_PORT|_PROTO]; runs of consecutive
 * ports also get _START/_PORT_START/_END/_PORT_END. Then ALIAS_NAME, and
 * ALIAS_ENV_<K>=<V> for each of env but HOME and PATH. *ret is a
 * NULL-terminated list of "KEY=VALUE". */
int links_env(const char *link_name, const char *ip, json_t *exposed_ports, json_t *env,
              char ***ret);

/* The /etc/hosts lines of one link: "<ip>\t<alias> <hostname>[ <name>]\n"
 * for ip and, when not NULL or empty, ip6 (the name only when it differs
 * from the alias). Appended to *hosts. */
int links_hosts_lines(char **hosts, const char *alias, const char *hostname, const char *name,
                      const char *ip, const char *ip6);

/* Whether HostConfig has links that work as legacy links: any Links and a
 * NetworkMode of the default bridge ("", "default", "bridge"). */
bool engine_links_apply(json_t *host_config);

/* At create: every link names an existing container ("could not get
 * container for X: No such container: X", -EINVAL as Docker's invalid
 * parameter) that does not use host networking. */
int engine_links_check(Engine *e, json_t *host_config, BerthError **err);

typedef struct EngineLinks {
        char **env;  /* KEY=VALUE for the process */
        char *hosts; /* lines for /etc/hosts */
} EngineLinks;
void engine_links_clear(EngineLinks *l);

/* At start of the container named self_name ("/web"): every target is
 * running on the default bridge ("Cannot link to a non running container:
 * /db AS /web/webdb", "Cannot link to /db, as it does not belong to the
 * default network"); fills ret with the variables and hosts lines of all
 * links. Nothing when engine_links_apply is false. */
int engine_links_resolve(Engine *e, const char *self_name, json_t *host_config, EngineLinks *ret,
                         BerthError **err);
