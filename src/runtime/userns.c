/* uid_map and gid_map of a new user namespace, written by the parent. Root in
 * the parent namespace (CAP_SETUID/CAP_SETGID) may write any mapping, so
 * setgroups is left as it is. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "runtime/container_internal.h"

int rt_userns_write_map(pid_t pid, const char *file, const RtIdMap *m, size_t n, BerthError **err)
{
        if (n == 0)
                return 0;
        size_t cap = n * 40 + 1;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        size_t len = 0;
        for (size_t i = 0; i < n; i++)
                len += (size_t)snprintf(buf + len, cap - len, "%u %u %u\n", m[i].container_id,
                                        m[i].host_id, m[i].size);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open %s", path);
        /* the kernel wants the whole map in one write */
        ssize_t w = write(fd, buf, len);
        if (w < 0)
                return error_set_errno(err, errno, "write %s of the user namespace", file);
        if ((size_t)w != len)
                return error_set(err, EIO, "write %s of the user namespace: short write", file);
        return 0;
}

int rt_userns_write_maps(pid_t pid, const RtSpec *spec, BerthError **err)
{
        int r = rt_userns_write_map(pid, "uid_map", spec->linux_.uid_mappings,
                                    spec->linux_.n_uid_mappings, err);
        if (r < 0)
                return r;
        return rt_userns_write_map(pid, "gid_map", spec->linux_.gid_mappings,
                                   spec->linux_.n_gid_mappings, err);
}
