/* Linux capabilities: the name table and applying the five sets. */
#pragma once

#include <stdint.h>

#include "common/error.h"
#include "runtime/spec.h"

/* "CAP_CHOWN" -> 0. Case-insensitive; the "CAP_" prefix is optional.
 * Returns the number or -EINVAL for an unknown name. */
int rt_cap_from_name(const char *name);
/* 0 -> "CAP_CHOWN"; NULL when out of the table. */
const char *rt_cap_to_name(int cap);
/* Highest capability number the running kernel knows
 * (/proc/sys/kernel/cap_last_cap), bounded by what our table knows. */
int rt_cap_last(void);
/* The bounding set this process holds: a container can never get more
 * (this host's root lacks CAP_SYS_RESOURCE, for instance). */
uint64_t rt_cap_bounding_mask(void);

/* In the container child, before changing uid/gid: drops every capability
 * outside caps->bounding from the bounding set and sets PR_SET_KEEPCAPS so
 * that the switch of user keeps the permitted set. Capabilities the runtime
 * itself does not hold are skipped (logged at debug), never an error. */
int rt_caps_prepare(const RtProcess *proc, BerthError **err);
/* In the container child, after setuid/setgid: sets effective, permitted,
 * inheritable (capset) and raises the ambient set. */
int rt_caps_apply(const RtProcess *proc, BerthError **err);
