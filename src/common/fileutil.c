#include "common/fileutil.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

int write_all_fd(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

ssize_t read_all_fd(int fd, void *buf, size_t len)
{
        char *p = buf;
        size_t got = 0;
        while (got < len) {
                ssize_t n = read(fd, p + got, len - got);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                got += (size_t)n;
        }
        return (ssize_t)got;
}

static int write_file_renamed(const char *path, const void *data, size_t len, mode_t mode,
                              bool durable, BerthError **err)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_free_ char *dircopy = strdup(path);
        if (!dircopy || asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
                return error_set(err, ENOMEM, "out of memory");
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "create temporary file for '%s'", path);
        int r = write_all_fd(fd, data, len);
        if (r == 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r == 0 && durable && fsync(fd) < 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return error_set_errno(err, -r, "write '%s'", path);
        }
        if (!durable)
                return 0;
        _cleanup_close_ int dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void)fsync(dfd);
        return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, BerthError **err)
{
        return write_file_renamed(path, data, len, mode, true, err);
}

int write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
                       BerthError **err)
{
        return write_file_renamed(path, data, len, mode, false, err);
}

int read_file(const char *path, char **ret_buf, size_t *ret_len, BerthError **err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open '%s'", path);
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        for (;;) {
                if (len + 1 >= cap) {
                        cap *= 2;
                        char *nb = realloc(buf, cap);
                        if (!nb)
                                return error_set(err, ENOMEM, "out of memory");
                        buf = nb;
                }
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_set_errno(err, errno, "read '%s'", path);
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        *ret_buf = TAKE_PTR(buf);
        return 0;
}

int write_file_string(const char *path, const char *value, BerthError **err)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open '%s'", path);
        size_t len = strlen(value);
        ssize_t n;
        do
                n = write(fd, value, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return error_set_errno(err, errno, "write '%s' to '%s'", value, path);
        if ((size_t)n != len)
                return error_set(err, EIO, "short write of '%s' to '%s'", value, path);
        return 0;
}

int mkdir_p(const char *path, mode_t mode, BerthError **err)
{
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return error_set(err, ENOMEM, "out of memory");
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return error_set_errno(err, errno, "create directory '%s'", p);
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return error_set_errno(err, errno, "create directory '%s'", p);
        return 0;
}

static int rm_rf_at(int parent_fd, const char *name, dev_t dev, BerthError **err)
{
        struct stat st;
        if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : error_set_errno(err, errno, "stat '%s'", name);
        if (S_ISDIR(st.st_mode)) {
                if (st.st_dev != dev)
                        return error_set(err, EBUSY, "refusing to remove '%s': it is a mount point",
                                         name);
                int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return error_set_errno(err, errno, "open '%s'", name);
                _cleanup_closedir_ DIR *d = fdopendir(fd);
                if (!d) {
                        close(fd);
                        return error_set_errno(err, errno, "open '%s'", name);
                }
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                                continue;
                        int r = rm_rf_at(dirfd(d), de->d_name, dev, err);
                        if (r < 0)
                                return error_prefix(err, "remove '%s'", name);
                }
                if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                        return error_set_errno(err, errno, "remove directory '%s'", name);
                return 0;
        }
        if (unlinkat(parent_fd, name, 0) < 0 && errno != ENOENT)
                return error_set_errno(err, errno, "remove '%s'", name);
        return 0;
}

int rm_rf(const char *path, BerthError **err)
{
        struct stat st;
        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : error_set_errno(err, errno, "stat '%s'", path);
        return rm_rf_at(AT_FDCWD, path, st.st_dev, err);
}

int send_fd(int sock, int fd, const void *data, size_t len)
{
        char dummy = 0;
        struct iovec iov = {.iov_base = (void *)(data ? data : &dummy), .iov_len = data ? len : 1};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        memset(&u, 0, sizeof(u));
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        if (fd >= 0) {
                msg.msg_control = u.buf;
                msg.msg_controllen = sizeof(u.buf);
                struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        ssize_t n;
        do
                n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : 0;
}

int recv_fd(int sock, int *ret_fd, void *data, size_t len)
{
        char dummy;
        struct iovec iov = {.iov_base = data ? data : &dummy, .iov_len = data ? len : 1};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = u.buf,
                             .msg_controllen = sizeof(u.buf)};
        ssize_t n;
        do
                n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if (n == 0)
                return -ECONNRESET;
        *ret_fd = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        return (int)n;
}
