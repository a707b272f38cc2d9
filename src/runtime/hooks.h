/* OCI hooks: each runs with the container's state JSON on its stdin, with
 * its own args and env, killed when its timeout passes. */
#pragma once

#include "common/error.h"
#include "runtime/spec.h"

/* Runs every hook of a stage in order; the first failure stops the stage.
 * state_json is the state document (runtime-spec "state"). */
int rt_hooks_run(const RtSpec *spec, RtHookStage stage, const char *state_json, BerthError **err);
const char *rt_hook_stage_name(RtHookStage stage); /* "createRuntime" ... */
