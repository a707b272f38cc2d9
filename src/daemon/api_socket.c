/* Listening unix sockets: created here, apart from the HTTP code, so that we control the
 * mode, the stale-socket check and the removal at exit. */
#include "daemon/api_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"

/* The gid of the "berth" group, or -1. Looked up in a short-lived child:
 * glibc never unloads the NSS modules a lookup loads (nss_systemd and its
 * libraries cost berthd ~0.3 MiB for as long as it runs), and the group may
 * live in LDAP or systemd's userdb, so /etc/group alone would not do. */
static gid_t berth_group_gid(void)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return (gid_t)-1;
        pid_t pid = fork();
        if (pid == 0) {
                struct group gr, *grp = NULL;
                char buf[4096];
                gid_t gid = (gid_t)-1;
                if (getgrnam_r("berth", &gr, buf, sizeof(buf), &grp) == 0 && grp)
                        gid = grp->gr_gid;
                _exit(write(p[1], &gid, sizeof(gid)) == sizeof(gid) ? 0 : 1);
        }
        close(p[1]);
        gid_t gid = (gid_t)-1;
        if (pid > 0) {
                if (read(p[0], &gid, sizeof(gid)) != sizeof(gid))
                        gid = (gid_t)-1;
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        close(p[0]);
        return gid;
}

static int fill_addr(const char *path, struct sockaddr_un *sa, BerthError **err)
{
        *sa = (struct sockaddr_un){.sun_family = AF_UNIX};
        if (!path || path[0] != '/')
                return error_set(err, EINVAL, "socket path '%s' is not absolute", path ? path : "");
        if (strlen(path) >= sizeof(sa->sun_path))
                return error_set(err, ENAMETOOLONG, "socket path '%s' is too long (max %zu bytes)",
                                 path, sizeof(sa->sun_path) - 1);
        strcpy(sa->sun_path, path);
        return 0;
}

/* A socket file nobody listens on is left over from a crash: remove it.
 * One with a listener is another daemon's. */
static int clear_stale(const char *path, const struct sockaddr_un *sa, BerthError **err)
{
        struct stat st;
        if (lstat(path, &st) < 0) {
                if (errno == ENOENT)
                        return 0;
                return error_set_errno(err, errno, "stat '%s'", path);
        }
        if (!S_ISSOCK(st.st_mode))
                return error_set(err, EEXIST, "'%s' exists and is not a socket", path);
        _cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe < 0)
                return error_set_errno(err, errno, "socket for '%s'", path);
        if (connect(probe, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
                return error_set(err, EADDRINUSE, "another daemon is already listening on '%s'",
                                 path);
        if (errno != ECONNREFUSED)
                return error_set_errno(err, errno, "probe stale socket '%s'", path);
        if (unlink(path) < 0 && errno != ENOENT)
                return error_set_errno(err, errno, "remove stale socket '%s'", path);
        return 0;
}

int api_socket_bind_unix(const char *path, int *ret_fd, dev_t *ret_dev, ino_t *ret_ino,
                         BerthError **err)
{
        struct sockaddr_un sa;
        int r = fill_addr(path, &sa, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *dir_buf = strdup(path);
        if (!dir_buf)
                return error_set(err, ENOMEM, "socket '%s': out of memory", path);
        r = mkdir_p(dirname(dir_buf), 0755, err);
        if (r < 0)
                return error_prefix(err, "socket '%s'", path);
        r = clear_stale(path, &sa, err);
        if (r < 0)
                return r;

        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "socket for '%s'", path);
        /* The socket file takes its mode from the umask at bind time: never
         * let it be wider than 0660, not even for a moment. */
        mode_t old = umask(0117);
        r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        int saved = errno;
        umask(old);
        if (r < 0)
                return error_set_errno(err, saved, "bind '%s'", path);
        /* Like Docker's "docker" group: members of "berth" may use the API. */
        gid_t gid = berth_group_gid();
        if (gid != (gid_t)-1 && chown(path, 0, gid) < 0)
                saved = errno; /* not fatal: root can still connect */
        struct stat st;
        if (chmod(path, 0660) < 0 || stat(path, &st) < 0) {
                saved = errno;
                unlink(path);
                return error_set_errno(err, saved, "set mode of '%s'", path);
        }
        if (listen(fd, SOMAXCONN) < 0) {
                saved = errno;
                unlink(path);
                return error_set_errno(err, saved, "listen on '%s'", path);
        }
        *ret_dev = st.st_dev;
        *ret_ino = st.st_ino;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

void api_socket_remove(const char *path, dev_t dev, ino_t ino)
{
        struct stat st;
        if (lstat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
                unlink(path);
}
