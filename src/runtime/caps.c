/* Stub: replaced by the real implementation. */
#include <errno.h>
#include "runtime/caps.h"

int rt_cap_from_name(const char *name) { return -EINVAL; }
const char *rt_cap_to_name(int cap) { return NULL; }
int rt_cap_last(void) { return 40; }
uint64_t rt_cap_bounding_mask(void) { return 0; }
int rt_caps_prepare(const RtProcess *proc, BerthError **err) { return 0; }
int rt_caps_apply(const RtProcess *proc, BerthError **err) { return 0; }
