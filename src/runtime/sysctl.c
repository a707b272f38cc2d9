/* linux.sysctl: "net.ipv4.ip_forward" is /proc/sys/net/ipv4/ip_forward. */
#include "runtime/rootfs.h"
#include "common/cleanup.h"
#include "common/fileutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int rt_sysctl_apply(const RtSpec *spec, BerthError **err)
{
        for (size_t i = 0; i < spec->linux_.n_sysctl; i++) {
                const RtKeyValue *kv = &spec->linux_.sysctl[i];
                const char *key = kv->key ? kv->key : "";
                /* a key must not climb out of /proc/sys */
                if (!*key || strchr(key, '/') || key[0] == '.' || strstr(key, ".."))
                        return error_set(err, EINVAL, "sysctl '%s': invalid name", key);
                char path[4096];
                int n = snprintf(path, sizeof(path), "/proc/sys/%s", key);
                if (n < 0 || (size_t)n >= sizeof(path))
                        return error_set(err, ENAMETOOLONG, "sysctl '%s': name too long", key);
                for (char *c = path + strlen("/proc/sys/"); *c; c++)
                        if (*c == '.')
                                *c = '/';
                _cleanup_close_ int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return error_set_errno(err, errno, "sysctl '%s': open %s", key, path);
                const char *v = kv->value ? kv->value : "";
                int r = write_all_fd(fd, v, strlen(v));
                if (r < 0)
                        return error_set_errno(err, r, "sysctl '%s': write '%s' to %s", key, v,
                                               path);
        }
        return 0;
}
