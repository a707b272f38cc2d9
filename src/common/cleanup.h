/* Scope-bound ownership: cleanup attributes and ownership transfer. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

static inline void freep(void *p)
{
        free(*(void **)p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

static inline void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

#define _cleanup_(f)       __attribute__((cleanup(f)))
#define _cleanup_free_     _cleanup_(freep)
#define _cleanup_close_    _cleanup_(closep)
#define _cleanup_fclose_   _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Declares `name##p(type **)` calling `freefn` when the pointer is non-NULL. */
#define DEFINE_CLEANUP(type, freefn)                                                               \
        static inline void freefn##p(type **p)                                                     \
        {                                                                                          \
                if (*p)                                                                            \
                        freefn(*p);                                                                \
        }

/* Move ownership out of a cleanup-managed variable. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                typeof(p) _tmp = (p);                                                              \
                (p) = NULL;                                                                        \
                _tmp;                                                                              \
        })

#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _tmp = (fd);                                                                   \
                (fd) = -1;                                                                         \
                _tmp;                                                                              \
        })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define STREQ(a, b) (strcmp((a), (b)) == 0)
