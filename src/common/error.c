#include "common/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int abs_code(int code)
{
        if (code < 0)
                code = -code;
        return code ? code : EIO;
}

int error_setv(BerthError **ret_err, int code, const char *fmt, va_list ap)
{
        code = abs_code(code);
        if (!ret_err || *ret_err)
                return -code;
        BerthError *e = calloc(1, sizeof(*e));
        if (!e)
                return -code;
        e->code = code;
        if (vasprintf(&e->message, fmt, ap) < 0)
                e->message = NULL;
        *ret_err = e;
        return -code;
}

int error_set(BerthError **ret_err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = error_setv(ret_err, code, fmt, ap);
        va_end(ap);
        return r;
}

int error_set_errno(BerthError **ret_err, int code, const char *fmt, ...)
{
        code = abs_code(code);
        if (!ret_err || *ret_err)
                return -code;
        char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                msg = NULL;
        int r = error_set(ret_err, code, "%s: %s", msg ? msg : "error", strerror(code));
        free(msg);
        return r;
}

int error_prefix(BerthError **err, const char *fmt, ...)
{
        if (!err || !*err)
                return -EIO;
        char *pre = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&pre, fmt, ap);
        va_end(ap);
        if (n >= 0) {
                char *joined = NULL;
                if (asprintf(&joined, "%s: %s", pre, (*err)->message ? (*err)->message : "error") >=
                    0) {
                        free((*err)->message);
                        (*err)->message = joined;
                }
                free(pre);
        }
        return -(*err)->code;
}

int error_move(BerthError **dst, BerthError *src)
{
        if (!src)
                return -EIO;
        int code = src->code;
        if (dst && !*dst)
                *dst = src;
        else
                error_free(src);
        return -code;
}

BerthError *error_free(BerthError *err)
{
        if (err) {
                free(err->message);
                free(err);
        }
        return NULL;
}
