/* Placeholder using openat2 only; the full implementation with the fallback
 * walk replaces this file. */
#include "common/safepath.h"
#include "common/cleanup.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool force_fallback;

void safe_path_force_fallback(bool on)
{
        force_fallback = on;
}

const char *safe_fd_path(int fd, char *buf, size_t len)
{
        snprintf(buf, len, "/proc/self/fd/%d", fd);
        return buf;
}

int safe_openat_in_root(int rootfd, const char *path, int flags, mode_t mode, BerthError **err)
{
        struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                               .mode = (flags & O_CREAT) ? mode : 0,
                               .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
        while (*path == '/')
                path++;
        int fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof(how));
        if (fd < 0)
                return error_set_errno(err, errno, "open '%s' inside the root", path);
        return fd;
}

int safe_mkdir_p_in_root(int rootfd, const char *path, mode_t mode, BerthError **err)
{
        return error_set(err, ENOSYS, "safe_mkdir_p_in_root: not implemented");
}

int safe_mkfile_in_root(int rootfd, const char *path, mode_t mode, BerthError **err)
{
        return error_set(err, ENOSYS, "safe_mkfile_in_root: not implemented");
}

int safe_resolve_in_root(const char *root, const char *path, char **ret, BerthError **err)
{
        return error_set(err, ENOSYS, "safe_resolve_in_root: not implemented");
}
