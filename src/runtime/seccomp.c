/* Stub: replaced by the real implementation. */
#include <errno.h>
#include "runtime/seccomp.h"

int rt_seccomp_action_from_name(const char *name) { return -EINVAL; }
const char *rt_seccomp_action_to_name(RtSeccompAction a) { return "?"; }
int rt_seccomp_op_from_name(const char *name) { return -EINVAL; }
bool rt_seccomp_arch_known(const char *name) { return false; }
bool rt_seccomp_flag_known(const char *name) { return false; }
int rt_seccomp_compile(const RtSeccomp *s, RtSeccompProgram **ret, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
int rt_seccomp_load(const RtSeccompProgram *p, BerthError **err) { return error_set(err, ENOSYS, "not implemented"); }
RtSeccompProgram *rt_seccomp_program_free(RtSeccompProgram *p) { return NULL; }
