/* Parent/child messages of create and exec (see sync.h). */
#include "runtime/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "runtime/container_internal.h"
#include "runtime/state.h"

static const char *const type_names[] = {
    [RT_SYNC_GO] = "go",       [RT_SYNC_HOOKS] = "hooks", [RT_SYNC_HOOKS_DONE] = "hooks-done",
    [RT_SYNC_READY] = "ready", [RT_SYNC_START] = "start", [RT_SYNC_ERROR] = "error",
    [RT_SYNC_WARN] = "warn",   [RT_SYNC_PTY] = "pty",     [RT_SYNC_SECCOMP] = "seccomp",
};

const char *rt_sync_type_name(RtSyncType t)
{
        if (t <= 0 || t >= RT_SYNC_TYPE_MAX)
                return "unknown";
        return type_names[t];
}

size_t rt_sync_encode(RtSyncType type, int code, const char *data, size_t len, void *buf)
{
        RtSyncHeader h = {.type = (uint32_t)type, .code = code, .len = (uint32_t)len};
        memcpy(buf, &h, sizeof(h));
        if (len)
                memcpy((char *)buf + sizeof(h), data, len);
        return sizeof(h) + len;
}

int rt_sync_decode(const void *buf, size_t n, RtSyncMsg *ret)
{
        RtSyncHeader h;
        if (n < sizeof(h))
                return -EBADMSG;
        memcpy(&h, buf, sizeof(h));
        if (h.type == 0 || h.type >= RT_SYNC_TYPE_MAX || h.len > RT_SYNC_MAX_PAYLOAD ||
            h.len != n - sizeof(h) || h.code < 0)
                return -EBADMSG;
        char *data = malloc(h.len + 1);
        if (!data)
                return -ENOMEM;
        memcpy(data, (const char *)buf + sizeof(h), h.len);
        data[h.len] = '\0';
        *ret = (RtSyncMsg){.type = h.type, .code = h.code, .data = data, .len = h.len, .fd = -1};
        return 0;
}

void rt_sync_msg_done(RtSyncMsg *m)
{
        free(m->data);
        m->data = NULL;
        if (m->fd >= 0)
                close(m->fd);
        m->fd = -1;
}

static int send_msg(int fd, RtSyncType type, int code, const char *data, int passfd)
{
        size_t len = data ? strnlen(data, RT_SYNC_MAX_PAYLOAD) : 0;
        _cleanup_free_ char *buf = malloc(sizeof(RtSyncHeader) + len);
        if (!buf)
                return -ENOMEM;
        size_t n = rt_sync_encode(type, code, data, len, buf);
        if (passfd >= 0)
                return send_fd(fd, passfd, buf, n);
        ssize_t w;
        do
                w = send(fd, buf, n, MSG_NOSIGNAL);
        while (w < 0 && errno == EINTR);
        return w < 0 ? -errno : 0;
}

int rt_sync_send(int fd, RtSyncType type, int code, const char *data)
{
        return send_msg(fd, type, code, data, -1);
}

int rt_sync_send_fd(int fd, RtSyncType type, int passfd, const char *data)
{
        return send_msg(fd, type, 0, data, passfd);
}

int rt_sync_send_error(int fd, const BerthError *e, int code)
{
        if (e)
                return rt_sync_send(fd, RT_SYNC_ERROR, e->code ? e->code : EIO,
                                    e->message ? e->message : "error");
        return rt_sync_send(fd, RT_SYNC_ERROR, code < 0 ? -code : code,
                            strerror(code < 0 ? -code : code));
}

int rt_sync_recv(int fd, RtSyncMsg *ret)
{
        size_t cap = sizeof(RtSyncHeader) + RT_SYNC_MAX_PAYLOAD;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        int passed = -1;
        int n = recv_fd(fd, &passed, buf, cap);
        if (n < 0)
                return n;
        int r = rt_sync_decode(buf, (size_t)n, ret);
        if (r < 0) {
                if (passed >= 0)
                        close(passed);
                return r;
        }
        ret->fd = passed;
        return 0;
}

int rt_sync_expect(int fd, RtSyncType want, RtSyncMsg *ret, BerthError **err)
{
        for (;;) {
                RtSyncMsg m;
                int r = rt_sync_recv(fd, &m);
                if (r == -ECONNRESET)
                        return error_set(err, ECONNRESET, "container process exited during setup");
                if (r < 0)
                        return error_set_errno(err, r, "read from container process");
                if (m.type == RT_SYNC_WARN) {
                        log_warn("%s", m.data);
                        rt_sync_msg_done(&m);
                        continue;
                }
                if (m.type == RT_SYNC_ERROR) {
                        r = error_set(err, m.code ? m.code : EIO, "%s", m.data);
                        rt_sync_msg_done(&m);
                        return r;
                }
                if (m.type != want) {
                        r = error_set(err, EPROTO, "container process sent '%s', expected '%s'",
                                      rt_sync_type_name(m.type), rt_sync_type_name(want));
                        rt_sync_msg_done(&m);
                        return r;
                }
                if (ret)
                        *ret = m;
                else
                        rt_sync_msg_done(&m);
                return 0;
        }
}

int rt_exec_status_open(const char *root, const char *id, BerthError **err)
{
        _cleanup_free_ char *path = rt_state_file(root, id, "exec.status");
        if (!path)
                return error_set(err, ENOMEM, "out of memory");
        if (mkfifo(path, 0600) < 0)
                return error_set_errno(err, errno, "create '%s'", path);
        int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open '%s'", path);
        return fd;
}

int rt_exec_status_report(int fd, const BerthError *e)
{
        if (fd < 0)
                return -EBADF;
        const char *msg = e && e->message ? e->message : "the container process failed to start";
        size_t len = strnlen(msg, 1024);
        char buf[sizeof(RtSyncHeader) + 1024];
        int code = e && e->code > 0 ? e->code : EIO;
        size_t n = rt_sync_encode(RT_SYNC_ERROR, code, msg, len, buf);
        /* one write below PIPE_BUF: atomic */
        return write_all_fd(fd, buf, n);
}

int rt_exec_status_wait(int fd, BerthError **err)
{
        char buf[sizeof(RtSyncHeader) + 1024];
        size_t n = 0;
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return error_set_errno(err, errno, "wait for the container process");
                }
                ssize_t k = read(fd, buf + n, sizeof(buf) - n);
                if (k < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (k < 0)
                        return error_set_errno(err, errno, "read the exec status");
                if (k == 0 || (n += (size_t)k) == sizeof(buf))
                        break;
        }
        if (n == 0)
                return 0; /* EOF without a word: the execve succeeded */
        RtSyncMsg m;
        if (rt_sync_decode(buf, n, &m) < 0)
                return error_set(err, EIO, "the container process failed to start");
        int r = error_set(err, m.code > 0 ? m.code : EIO, "%s", m.data);
        rt_sync_msg_done(&m);
        return r;
}
