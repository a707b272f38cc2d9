/* CVE-2019-5736 defence for programs that create containers: run from a
 * sealed memfd copy of our own binary. Whatever a container does with
 * /proc/<runtime process>/exe, it reaches a memfd that can be neither written
 * nor resized (F_SEAL_WRITE|F_SEAL_GROW|F_SEAL_SHRINK|F_SEAL_SEAL), never the
 * binary on the host. The copy is made in the kernel (sendfile) and costs one
 * execve; programs re-executed this way recognise the seals and go on. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/container.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Where the binary was on disk, for the sealed copy (see
 * rt_ensure_sealed_exe_origin). */
#define ORIGIN_ENV "BERTH_SEALED_EXE_ORIGIN"

static bool is_sealed(int self)
{
        int seals = fcntl(self, F_GET_SEALS);
        return seals >= 0 && (seals & SEALS) == SEALS;
}

/* Copies self into a sealed memfd called name and executes it; returns only
 * on failure. */
static int reexec_sealed(int self, const char *name, char **argv, char **envp)
{
        struct stat st;
        if (fstat(self, &st) < 0)
                return -errno;
        _cleanup_close_ int mfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        if (mfd < 0 && errno == EINVAL)
                mfd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0)
                return -errno;
        off_t off = 0;
        while (off < st.st_size) {
                ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
        }
        if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
                return -errno;
        syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
        return -errno;
}

int rt_ensure_sealed_exe(int argc, char **argv, char **envp)
{
        (void)argc;
        _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return -errno;
        if (is_sealed(self))
                return 0;
        return reexec_sealed(self, "berth-runtime", argv, envp);
}

/* The sealed copy's side: takes the origin out of the environment (our
 * children must not inherit it) and gives the process its name back, which
 * the kernel took from the memfd. */
static int take_origin(char **ret_origin)
{
        const char *v = getenv(ORIGIN_ENV);
        *ret_origin = NULL;
        if (v && v[0] == '/') {
                *ret_origin = strdup(v);
                if (!*ret_origin)
                        return -ENOMEM;
                const char *base = strrchr(*ret_origin, '/') + 1;
                if (*base)
                        prctl(PR_SET_NAME, base, 0, 0, 0);
        }
        unsetenv(ORIGIN_ENV);
        return 0;
}

int rt_ensure_sealed_exe_origin(char **argv, char **envp, const char *name, char **ret_origin)
{
        _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return -errno;
        if (is_sealed(self))
                return take_origin(ret_origin);
        char origin[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", origin, sizeof(origin) - 1);
        if (n <= 0)
                return n < 0 ? -errno : -EIO;
        origin[n] = '\0';
        /* envp without any ORIGIN_ENV of its own, plus ours */
        size_t count = 0;
        while (envp && envp[count])
                count++;
        _cleanup_free_ char **env = calloc(count + 2, sizeof(char *));
        _cleanup_free_ char *entry = NULL;
        if (!env || asprintf(&entry, ORIGIN_ENV "=%s", origin) < 0)
                return -ENOMEM;
        size_t k = 0;
        for (size_t i = 0; i < count; i++)
                if (strncmp(envp[i], ORIGIN_ENV "=", sizeof(ORIGIN_ENV)) != 0)
                        env[k++] = envp[i];
        env[k++] = entry;
        env[k] = NULL;
        return reexec_sealed(self, name, argv, env);
}
