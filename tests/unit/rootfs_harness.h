/* Root-only harness for the rootfs tests: builds a busybox rootfs in /tmp,
 * runs a body as pid 1 of fresh namespaces (optionally inside a user
 * namespace), and brings the body's named checks back through a pipe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct HarnessResult {
        char name[64];
        bool ok;
        char detail[512];
} HarnessResult;

typedef struct Harness {
        char top[64];     /* the temp dir; removed by harness_cleanup */
        char rootfs[128]; /* top/rootfs */
        HarnessResult *results;
        size_t n_results;
        int exit_status; /* of the namespace child */
        bool ran;
} Harness;

typedef void (*HarnessFn)(Harness *h, void *arg);

/* Creates top and a rootfs with bin/busybox and bin/sh. 0 or -errno. */
int harness_build_rootfs(Harness *h);
/* pre (may be NULL) runs in a private mount namespace before the user
 * namespace is made; body runs as pid 1 after unshare(flags). */
int harness_run(Harness *h, int flags, bool userns, HarnessFn pre, HarnessFn body, void *arg);
/* In the body: records one named result. */
void harness_check(const char *name, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const HarnessResult *harness_find(const Harness *h, const char *name);
void harness_cleanup(Harness *h);

/* Small helpers for bodies. */
int harness_copy_file(const char *from, const char *to, mode_t mode);
void harness_write_file(const char *path, const char *text);
bool harness_file_is(const char *path, const char *want, char *got, size_t len);
long harness_fs_type(const char *path);
bool harness_is_ro(const char *path);
bool harness_mountinfo_has(const char *mountpoint);
