/* SCMP_ACT_NOTIFY: the container's seccomp listener fd goes to the agent at
 * linux.seccomp.listenerPath over a unix socket, in one message whose bytes
 * are the "container process state" of runtime-spec config-linux.md and
 * whose SCM_RIGHTS carry the fds that state lists. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "runtime/container_internal.h"
#include "runtime/state.h"

int rt_seccomp_notify_send(const RtSeccomp *cfg, int listener_fd, pid_t pid, const char *state_json,
                           BerthError **err)
{
        const char *path = cfg ? cfg->listener_path : NULL;
        if (!path || !*path)
                return error_set(err, EINVAL, "linux.seccomp.listenerPath: not set");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(sa.sun_path))
                return error_set(err, ENAMETOOLONG, "linux.seccomp.listenerPath '%s': too long",
                                 path);
        memcpy(sa.sun_path, path, strlen(path) + 1);

        json_error_t je;
        json_t *state = state_json ? json_loads(state_json, 0, &je) : json_object();
        json_t *msg = json_pack("{s:s, s:[s], s:i, s:s, s:o}", "ociVersion", RT_OCI_VERSION, "fds",
                                "seccompFd", "pid", (int)pid, "metadata",
                                cfg->listener_metadata ? cfg->listener_metadata : "", "state",
                                state ? state : json_object());
        _cleanup_free_ char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
        json_decref(msg);
        if (!text)
                return error_set(err, ENOMEM, "out of memory");

        _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s < 0)
                return error_set_errno(err, errno, "seccomp listener: socket");
        if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return error_set_errno(err, errno, "connect to the seccomp agent at '%s'", path);
        int r = send_fd(s, listener_fd, text, strlen(text));
        if (r < 0)
                return error_set_errno(err, r, "send the seccomp listener to '%s'", path);
        return 0;
}
