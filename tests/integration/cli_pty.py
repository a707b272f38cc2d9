#!/usr/bin/env python3
"""Runs a command on a new pseudo-terminal (for `berth run -it` tests).

cli_pty.py [--rows R --cols C] [--wait TEXT --send BYTES]... [--timeout S] -- CMD...

Each --wait/--send pair waits until TEXT appeared in the output, then
writes BYTES (Python escapes allowed, e.g. '\\x10\\x11' for ctrl-p ctrl-q).
A --resize ROWSxCOLS step (after a --wait) changes the window size. Prints
everything the command wrote and exits with its status (124 on timeout).
"""
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time


def main():
    args = sys.argv[1:]
    steps, timeout, rows, cols = [], 20.0, 24, 80
    while args and args[0] != "--":
        opt = args.pop(0)
        val = args.pop(0)
        if opt == "--wait":
            steps.append(("wait", val.encode()))
        elif opt == "--send":
            steps.append(("send", val.encode().decode("unicode_escape").encode("latin-1")))
        elif opt == "--resize":
            r, c = val.split("x")
            steps.append(("resize", (int(r), int(c))))
        elif opt == "--timeout":
            timeout = float(val)
        elif opt == "--rows":
            rows = int(val)
        elif opt == "--cols":
            cols = int(val)
    cmd = args[1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    out = b""
    seen = 0  # output consumed by --wait steps
    deadline = time.time() + timeout
    status = None
    while True:
        while steps and steps[0][0] != "wait":
            kind, val = steps.pop(0)
            if kind == "send":
                os.write(fd, val)
            else:
                fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", val[0], val[1], 0, 0))
                os.kill(pid, signal.SIGWINCH)
        if steps and steps[0][0] == "wait":
            idx = out.find(steps[0][1], seen)
            if idx >= 0:
                seen = idx + len(steps[0][1])
                steps.pop(0)
                continue
        left = deadline - time.time()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stdout.write(out.decode("utf-8", "replace"))
            sys.stdout.write("\n[cli_pty: timeout]\n")
            sys.exit(124)
        r, _, _ = select.select([fd], [], [], min(left, 0.2))
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                break
            out += data
        else:
            wpid, st = os.waitpid(pid, os.WNOHANG)
            if wpid:
                status = st
                # drain what is left
                try:
                    while select.select([fd], [], [], 0.1)[0]:
                        data = os.read(fd, 65536)
                        if not data:
                            break
                        out += data
                except OSError:
                    pass
                break
    if status is None:
        _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode("utf-8", "replace"))
    sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)


if __name__ == "__main__":
    main()
