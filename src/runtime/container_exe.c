/* CVE-2019-5736 defence for programs that create containers: run from a
 * sealed memfd copy of our own binary. Whatever a container does with
 * /proc/<runtime process>/exe, it reaches a memfd that can be neither written
 * nor resized (F_SEAL_WRITE|F_SEAL_GROW|F_SEAL_SHRINK|F_SEAL_SEAL), never the
 * binary on the host. The copy is made in the kernel (sendfile) and costs one
 * execve; programs re-executed this way recognise the seals and go on. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
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

int rt_ensure_sealed_exe(int argc, char **argv, char **envp)
{
        (void)argc;
        _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return -errno;
        int seals = fcntl(self, F_GET_SEALS);
        if (seals >= 0 && (seals & SEALS) == SEALS)
                return 0;
        struct stat st;
        if (fstat(self, &st) < 0)
                return -errno;
        _cleanup_close_ int mfd =
            memfd_create("berth-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        if (mfd < 0 && errno == EINVAL)
                mfd = memfd_create("berth-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
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
