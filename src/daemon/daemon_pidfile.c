/* The single-instance lock and the pid file. */
#include "daemon/daemon_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"

int daemon_lock_acquire(const char *exec_root, int *ret_fd, BerthError **err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/berthd.lock", exec_root) < 0)
                return error_set(err, ENOMEM, "lock: out of memory");
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return error_set_errno(err, errno, "open lock file '%s'", path);
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno != EWOULDBLOCK)
                        return error_set_errno(err, errno, "lock '%s'", path);
                char buf[32] = "";
                ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
                long pid = n > 0 ? strtol(buf, NULL, 10) : 0;
                if (pid > 0)
                        return error_set(err, EBUSY, "berthd is already running (pid %ld)", pid);
                return error_set(err, EBUSY, "berthd is already running (lock '%s' is held)", path);
        }
        /* The pid lives in the lock file too: the pidfile may be elsewhere. */
        char buf[32];
        int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len)
                return error_set_errno(err, errno, "write lock file '%s'", path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int daemon_pidfile_write(const char *path, BerthError **err)
{
        char buf[32];
        int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
        return write_file_replace(path, buf, (size_t)len, 0644, err);
}

void daemon_pidfile_remove(const char *path)
{
        _cleanup_free_ char *buf = NULL;
        if (read_file(path, &buf, NULL, NULL) < 0)
                return;
        if (strtol(buf, NULL, 10) == (long)getpid())
                unlink(path);
}
