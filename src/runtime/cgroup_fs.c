/* Small file helpers for cgroup knobs: one write() per value (the kernel
 * parses each write as a whole), errors that name the file and the value. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/cgroup_internal.h"

static RtCgWriteHook write_hook;
static void *write_hook_data;

void rt_cgroup_test_set_write_hook(RtCgWriteHook fn, void *userdata)
{
        write_hook = fn;
        write_hook_data = userdata;
}

int rt_cg_write(const char *dir, const char *file, const char *value, BerthError **err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return error_set(err, ENOMEM, "out of memory");
        /* O_TRUNC is a no-op on cgroupfs and keeps fake trees (tests) exact */
        _cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "cgroup: write '%s' to %s", value, file);
        size_t len = strlen(value);
        ssize_t n;
        do
                n = write(fd, value, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return error_set_errno(err, errno, "cgroup: write '%s' to %s", value, file);
        if ((size_t)n != len)
                return error_set(err, EIO, "cgroup: write '%s' to %s: short write", value, file);
        log_debug("cgroup: wrote '%s' to %s", value, path);
        if (write_hook)
                write_hook(path, value, write_hook_data);
        return 0;
}

int rt_cg_writef(const char *dir, const char *file, BerthError **err, const char *fmt, ...)
{
        _cleanup_free_ char *value = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&value, fmt, ap);
        va_end(ap);
        if (n < 0)
                return error_set(err, ENOMEM, "out of memory");
        return rt_cg_write(dir, file, value, err);
}

int rt_cg_read(const char *dir, const char *file, char **ret, BerthError **err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return error_set(err, ENOMEM, "out of memory");
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "cgroup: read %s in %s", file, dir);
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        for (;;) {
                if (len + 1 >= cap) {
                        char *nb = realloc(buf, cap * 2);
                        if (!nb)
                                return error_set(err, ENOMEM, "out of memory");
                        buf = nb;
                        cap *= 2;
                }
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return error_set_errno(err, errno, "cgroup: read %s in %s", file, dir);
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' ' || buf[len - 1] == '\t'))
                len--;
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

bool rt_cg_file_exists(const char *dir, const char *file)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return false;
        return access(path, F_OK) == 0;
}

int rt_cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *ret,
                     BerthError **err)
{
        _cleanup_free_ char *buf = NULL;
        int r = rt_cg_read(dir, file, &buf, err);
        if (r < 0)
                return r;
        size_t klen = strlen(key);
        for (char *line = buf; line && *line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
                        char *end = NULL;
                        errno = 0;
                        unsigned long long v = strtoull(line + klen + 1, &end, 10);
                        if (errno || end == line + klen + 1)
                                return error_set(err, EINVAL, "cgroup: %s: bad value for '%s'",
                                                 file, key);
                        *ret = v;
                        return 0;
                }
                line = nl ? nl + 1 : NULL;
        }
        return error_set(err, ENOENT, "cgroup: %s has no '%s' entry", file, key);
}

bool rt_cg_controller_listed(const char *list, const char *controller, char sep)
{
        if (!list)
                return false;
        size_t clen = strlen(controller);
        for (const char *p = list; *p;) {
                const char *e = strchr(p, sep);
                size_t len = e ? (size_t)(e - p) : strlen(p);
                if (len == clen && strncmp(p, controller, len) == 0)
                        return true;
                if (!e)
                        break;
                p = e + 1;
        }
        return false;
}
