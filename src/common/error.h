/* The error object. Functions return >= 0 on success and -errno on failure;
 * across module boundaries they also fill an optional BerthError that callers
 * prefix with context, so the user reads one sentence naming thing and cause. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

typedef struct BerthError {
        int code;      /* positive errno value */
        char *message; /* human sentence, no trailing newline */
} BerthError;

/* Sets *ret_err (when ret_err is non-NULL and *ret_err is still NULL) and
 * returns -code. code may be given positive or negative. */
int error_set(BerthError **ret_err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like error_set, appending ": strerror(code)". */
int error_set_errno(BerthError **ret_err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int error_setv(BerthError **ret_err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Prepends "context: " to an existing message and returns -code.
 * When no error is set it does nothing and returns -EIO. */
int error_prefix(BerthError **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Moves src into *dst when *dst is empty, else frees src. Returns -code. */
int error_move(BerthError **dst, BerthError *src);

BerthError *error_free(BerthError *err);

static inline void error_freep(BerthError **e)
{
        error_free(*e);
        *e = NULL;
}
#define _cleanup_error_ __attribute__((cleanup(error_freep)))
