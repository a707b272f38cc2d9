/* seccomp filters from the config. The filter is compiled in the runtime
 * before the container is entered (libseccomp needs no access to the
 * container's filesystem then); the child only loads the compiled program. */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "runtime/spec.h"

/* "SCMP_ACT_ERRNO" -> RT_SCMP_ERRNO; -EINVAL when unknown. */
int rt_seccomp_action_from_name(const char *name);
const char *rt_seccomp_action_to_name(RtSeccompAction a);
/* "SCMP_CMP_EQ" -> RT_SCMP_CMP_EQ; -EINVAL when unknown. */
int rt_seccomp_op_from_name(const char *name);
/* The i-th name of each table (i from 0; NULL past the end; a slot of the
 * operator table may be NULL): for `features`. */
const char *rt_seccomp_op_name(size_t i);
const char *rt_seccomp_arch_name(size_t i);
const char *rt_seccomp_flag_name(size_t i);
/* "SCMP_ARCH_X86_64" and the other names runc accepts. */
bool rt_seccomp_arch_known(const char *name);
/* "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
 * "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV". */
bool rt_seccomp_flag_known(const char *name);

typedef struct RtSeccompProgram {
        struct sock_filter *filter;
        size_t len;         /* number of instructions */
        unsigned int flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
        bool notify;        /* has SCMP_ACT_NOTIFY rules: loading makes a listener fd */
} RtSeccompProgram;

/* Compiles the config's filter into BPF. Unknown syscall names are skipped
 * (logged at debug), as runc and crun do, so one profile serves many kernels. */
int rt_seccomp_compile(const RtSeccomp *s, RtSeccompProgram **ret, BerthError **err);
/* Loads a compiled program into the calling thread (needs no_new_privs or
 * CAP_SYS_ADMIN). Async-signal-safe enough for a freshly cloned child.
 * Returns 0, or with p->notify the new listener fd (the caller's to close). */
int rt_seccomp_load(const RtSeccompProgram *p, BerthError **err);
RtSeccompProgram *rt_seccomp_program_free(RtSeccompProgram *p);
/* The SECCOMP_FILTER_FLAG_* bits rt_seccomp_compile may set. */
unsigned int rt_seccomp_known_flags(void);

/* At most this many programs are kept in a cache directory; adding one more
 * removes the least recently used. */
#define RT_SECCOMP_CACHE_MAX 64

/* rt_seccomp_compile through a cache of compiled programs in
 * <root>/.seccomp-cache (seccomp_cache.c): identical profiles compile once.
 * root NULL, or a cache that cannot be read or written, means compiling
 * as rt_seccomp_compile does; the cache never makes this fail.
 * Returns 1 when the program came from the cache, 0 when it was compiled. */
int rt_seccomp_compile_cached(const RtSeccomp *s, const char *root, RtSeccompProgram **ret,
                              BerthError **err);
