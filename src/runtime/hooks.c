/* Stub: replaced by the real implementation. */
#include <errno.h>
#include "runtime/hooks.h"

int rt_hooks_run(const RtSpec *spec, RtHookStage stage, const char *state_json, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
const char *rt_hook_stage_name(RtHookStage stage) { return "?"; }
