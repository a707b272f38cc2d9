/* NULL-terminated string arrays. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef char **Strv;

size_t strv_length(char *const *v);
char **strv_free(char **v);
/* Appends s (ownership moves in). Returns 0 or -ENOMEM (s is freed then). */
int strv_push(char ***v, char *s);
/* Appends a copy of s. */
int strv_append(char ***v, const char *s);
char **strv_copy(char *const *v);
bool strv_contains(char *const *v, const char *s);

static inline void strv_freep(char ***v)
{
        strv_free(*v);
        *v = NULL;
}
#define _cleanup_strv_free_ __attribute__((cleanup(strv_freep)))

#define STRV_FOREACH(s, v) for (char **s = (v); s && *s; s++)
