/* Stub: replaced by the real implementation. */
#include <errno.h>
#include "runtime/spec.h"

int rt_spec_parse(json_t *doc, const char *what, RtSpec **ret, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_spec_load(const char *bundle, RtSpec **ret, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_spec_validate(const RtSpec *spec, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
RtSpec *rt_spec_free(RtSpec *spec) { return NULL; }
int rt_process_parse(json_t *obj, const char *path, RtProcess **ret, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
RtProcess *rt_process_free(RtProcess *p) { return NULL; }
json_t *rt_spec_default(bool rootless) { return NULL; }
const char *rt_ns_type_name(RtNsType t) { return "?"; }
int rt_ns_type_from_name(const char *name) { return -EINVAL; }
int rt_ns_clone_flag(RtNsType t) { return 0; }
const char *rt_ns_proc_name(RtNsType t) { return "?"; }
const RtNamespace *rt_spec_find_ns(const RtSpec *spec, RtNsType t) { return NULL; }
