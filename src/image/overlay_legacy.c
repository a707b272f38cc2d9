/* Overlay with mount(2) and short relative lower paths (see the header). */
#include "image/overlay_legacy.h"
#include "common/cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_bool legacy_mode;

bool img_overlay_use_legacy(void)
{
        return atomic_load(&legacy_mode);
}

void img_overlay_set_legacy(bool legacy)
{
        atomic_store(&legacy_mode, legacy);
}

bool img_overlay_legacy_forced(void)
{
        const char *env = getenv("BERTH_OVERLAY_MOUNT");
        return env && strcmp(env, "legacy") == 0;
}

static int hexval(char c)
{
        return c <= '9' ? c - '0' : c - 'a' + 10;
}

int img_overlay_short_id(const char *hex, char ret[IMG_OVERLAY_SHORT_ID_LEN + 1])
{
        static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        if (strlen(hex) != 64)
                return -EINVAL;
        for (size_t i = 0; i < 64; i++)
                if (!isxdigit((unsigned char)hex[i]) || isupper((unsigned char)hex[i]))
                        return -EINVAL;
        /* 26 x 5 bits from the hex digits' 4-bit groups. */
        unsigned acc = 0, bits = 0;
        size_t h = 0;
        for (size_t i = 0; i < IMG_OVERLAY_SHORT_ID_LEN; i++) {
                while (bits < 5) {
                        acc = (acc << 4) | (unsigned)hexval(hex[h++]);
                        bits += 4;
                }
                ret[i] = b32[(acc >> (bits - 5)) & 31];
                bits -= 5;
        }
        ret[IMG_OVERLAY_SHORT_ID_LEN] = '\0';
        return 0;
}

int img_overlay_short_link(int root_fd, const char *hex, char ret[IMG_OVERLAY_SHORT_ID_LEN + 1],
                           BerthError **err)
{
        if (img_overlay_short_id(hex, ret) < 0)
                return error_set(err, EINVAL, "overlay: invalid layer id '%s'", hex);
        char link[3 + IMG_OVERLAY_SHORT_ID_LEN], target[80], have[80];
        snprintf(link, sizeof(link), "l/%s", ret);
        snprintf(target, sizeof(target), "../%s/diff", hex);
        if (mkdirat(root_fd, "l", 0700) < 0 && errno != EEXIST)
                return error_set_errno(err, errno, "overlay: create the short link directory");
        if (symlinkat(target, root_fd, link) == 0)
                return 0;
        if (errno != EEXIST)
                return error_set_errno(err, errno, "overlay: create the short link '%s'", link);
        ssize_t n = readlinkat(root_fd, link, have, sizeof(have) - 1);
        if (n >= 0) {
                have[n] = '\0';
                if (strcmp(have, target) == 0)
                        return 0;
        }
        /* Not ours (or not a link): replace it atomically. */
        char tmp[sizeof(link) + 8];
        snprintf(tmp, sizeof(tmp), "%s.tmp", link);
        (void)unlinkat(root_fd, tmp, 0);
        if (symlinkat(target, root_fd, tmp) < 0 || renameat(root_fd, tmp, root_fd, link) < 0) {
                int e = errno;
                (void)unlinkat(root_fd, tmp, 0);
                return error_set_errno(err, e, "overlay: replace the short link '%s'", link);
        }
        return 0;
}

/* The layer hex of "<root>/<hex>/diff", or NULL when path is not a layer
 * of this store. */
static const char *layer_hex(const char *root, const char *path, char hex[65])
{
        size_t rl = strlen(root);
        if (strncmp(path, root, rl) != 0 || path[rl] != '/')
                return NULL;
        const char *p = path + rl + 1;
        if (strlen(p) != 64 + 5 || strcmp(p + 64, "/diff") != 0)
                return NULL;
        memcpy(hex, p, 64);
        hex[64] = '\0';
        return hex;
}

typedef struct MountReq {
        int dir_fd;
        const char *target;
        const char *opts;
        int error;
} MountReq;

/* In its own thread: unshare(CLONE_FS) gives this thread alone a working
 * directory, so the chdir does not move the rest of the process. */
static void *mount_in_dir(void *arg)
{
        MountReq *m = arg;
        if (unshare(CLONE_FS) < 0 || fchdir(m->dir_fd) < 0 ||
            mount("overlay", m->target, "overlay", 0, m->opts) < 0)
                m->error = errno;
        return NULL;
}

static int mount_relative(int dir_fd, const char *target, const char *opts)
{
        MountReq m = {.dir_fd = dir_fd, .target = target, .opts = opts};
        pthread_t t;
        int r = pthread_create(&t, NULL, mount_in_dir, &m);
        if (r != 0)
                return -r;
        pthread_join(t, NULL);
        return -m.error;
}

/* Joins the options; NULL when they do not fit in max bytes. */
static char *build_opts(char **lowers, const char *upper, const char *work, const char *extra,
                        size_t max)
{
        size_t len = strlen("lowerdir=,upperdir=,workdir=") + strlen(upper) + strlen(work) +
                     strlen(extra) + 1;
        for (size_t i = 0; lowers[i]; i++)
                len += strlen(lowers[i]) + 1;
        if (len > max)
                return NULL;
        char *opts = malloc(len);
        if (!opts)
                return NULL;
        char *p = opts + sprintf(opts, "lowerdir=");
        for (size_t i = 0; lowers[i]; i++)
                p += sprintf(p, "%s%s", i ? ":" : "", lowers[i]);
        sprintf(p, ",upperdir=%s,workdir=%s%s", upper, work, extra);
        return opts;
}

/* A diff walks the upper dir alone: no redirects or metadata-only copy-ups.
 * A kernel that does not know an option refuses the mount, and then does
 * not enable it either: retried without. */
#define OFF_OPTS ",redirect_dir=off,metacopy=off,index=off"

static int try_mount(int dir_fd, char **lowers, const char *upper, const char *work,
                     const char *target)
{
        size_t page = (size_t)getpagesize();
        int r = -E2BIG;
        for (int pass = 0; pass < 2; pass++) {
                _cleanup_free_ char *opts =
                    build_opts(lowers, upper, work, pass == 0 ? OFF_OPTS : "", page);
                if (!opts)
                        continue; /* too long: maybe without the extras */
                if (dir_fd < 0)
                        r = mount("overlay", target, "overlay", 0, opts) < 0 ? -errno : 0;
                else
                        r = mount_relative(dir_fd, target, opts);
                if (r != -EINVAL)
                        return r;
        }
        return r;
}

static void free_strv(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

static char *absolute(const char *path)
{
        return path[0] == '/' ? strdup(path) : realpath(path, NULL);
}

int img_overlay_legacy_mount(const char *root, int root_fd, char **lowers, const char *upper,
                             const char *work, const char *target, BerthError **err)
{
        size_t n = 0;
        while (lowers[n])
                n++;
        if (!root || root_fd < 0 || !img_overlay_legacy_forced() || n < 2) {
                int r = try_mount(-1, lowers, upper, work, target);
                if (r == 0)
                        return 0;
                if (r != -E2BIG)
                        return error_set_errno(err, -r, "overlay: mount '%s'", target);
                if (!root || root_fd < 0)
                        return error_set(err, E2BIG,
                                         "overlay: %zu layers do not fit in the mount options", n);
        }
        /* Too long with absolute paths (or forced by tests): short links,
         * named from root; the other paths must not depend on the cwd. */
        _cleanup_free_ char *abs_upper = absolute(upper);
        _cleanup_free_ char *abs_work = absolute(work);
        _cleanup_free_ char *abs_target = absolute(target);
        if (!abs_upper || !abs_work || !abs_target)
                return error_set_errno(err, errno ?: ENOMEM,
                                       "overlay: resolve the directories of '%s'", target);
        upper = abs_upper;
        work = abs_work;
        target = abs_target;
        char **rel = calloc(n + 1, sizeof(char *));
        if (!rel)
                return error_set(err, ENOMEM, "out of memory");
        int r = 0;
        for (size_t i = 0; i < n && r >= 0; i++) {
                char hex[65], id[IMG_OVERLAY_SHORT_ID_LEN + 1];
                if (!layer_hex(root, lowers[i], hex)) {
                        rel[i] = strdup(lowers[i]);
                } else {
                        r = img_overlay_short_link(root_fd, hex, id, err);
                        if (r >= 0 && asprintf(&rel[i], "l/%s", id) < 0)
                                rel[i] = NULL;
                }
                if (r >= 0 && !rel[i])
                        r = error_set(err, ENOMEM, "out of memory");
        }
        if (r >= 0) {
                r = try_mount(root_fd, rel, upper, work, target);
                if (r == -E2BIG)
                        r = error_set(err, E2BIG,
                                      "overlay: %zu layers do not fit in the mount options on "
                                      "this kernel (needs lowerdir+, Linux 6.8)",
                                      n);
                else if (r < 0)
                        r = error_set_errno(err, -r, "overlay: mount '%s'", target);
        }
        free_strv(rel);
        return r;
}
