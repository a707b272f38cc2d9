/* process.terminal: a pty allocated inside the container (its own devpts),
 * the master handed out over the console socket as runc does, the slave made
 * the controlling terminal and stdio of the container process. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "runtime/container_internal.h"
#include "runtime/sync.h"

int rt_console_connect(const char *path, BerthError **err)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(addr.sun_path))
                return error_set(err, ENAMETOOLONG, "console socket '%s': path too long", path);
        strcpy(addr.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return error_set_errno(err, errno, "console socket '%s'", path);
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return error_set_errno(err, errno, "connect to console socket '%s'", path);
        return TAKE_FD(fd);
}

int rt_terminal_setup(const RtProcess *p, int console_fd, int sync_fd, BerthError **err)
{
        _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return error_set_errno(err, errno, "open /dev/ptmx");
        if (unlockpt(master) < 0)
                return error_set_errno(err, errno, "unlockpt /dev/ptmx");
        char name[64];
        if (ptsname_r(master, name, sizeof(name)) != 0)
                return error_set_errno(err, errno, "ptsname of /dev/ptmx");
        /* TIOCGPTPEER opens the slave of this very master, not a path that
         * the container could have replaced */
        int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return error_set_errno(err, errno, "open %s", name);
        _cleanup_close_ int slave_fd = slave;
        if (p->console_height.set || p->console_width.set) {
                struct winsize ws = {.ws_row = (unsigned short)p->console_height.value,
                                     .ws_col = (unsigned short)p->console_width.value};
                (void)ioctl(slave_fd, TIOCSWINSZ, &ws);
        }
        int r;
        if (console_fd >= 0)
                r = send_fd(console_fd, master, name, strlen(name));
        else
                r = rt_sync_send_fd(sync_fd, RT_SYNC_PTY, master, name);
        if (r < 0)
                return error_set_errno(err, r, "send the pty master to the console socket");
        if (setsid() < 0 && errno != EPERM)
                return error_set_errno(err, errno, "setsid");
        if (ioctl(slave_fd, TIOCSCTTY, 0) < 0)
                return error_set_errno(err, errno, "make %s the controlling terminal", name);
        for (int i = 0; i < 3; i++)
                if (dup2(slave_fd, i) < 0)
                        return error_set_errno(err, errno, "dup %s to fd %d", name, i);
        return 0;
}

static struct termios saved_tio;
static bool tio_saved;

static void restore_tty(void)
{
        if (tio_saved)
                tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

int rt_terminal_proxy(int master, pid_t child)
{
        if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
                struct termios raw = saved_tio;
                cfmakeraw(&raw);
                raw.c_oflag |= OPOST; /* keep \n -> \r\n on our side */
                if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) {
                        tio_saved = true;
                        atexit(restore_tty);
                }
                struct winsize ws;
                if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                        (void)ioctl(master, TIOCSWINSZ, &ws);
        }
        struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
                                {.fd = master, .events = POLLIN}};
        char buf[8192];
        for (;;) {
                int n = poll(fds, 2, -1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
                        if (k <= 0)
                                fds[0].fd = -1; /* stdin closed: keep copying output */
                        else if (write_all_fd(master, buf, (size_t)k) < 0)
                                break;
                }
                if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t k = read(master, buf, sizeof(buf));
                        if (k <= 0)
                                break; /* EIO once every slave fd is closed */
                        if (write_all_fd(STDOUT_FILENO, buf, (size_t)k) < 0)
                                break;
                }
        }
        restore_tty();
        tio_saved = false;
        (void)child;
        return 0;
}
