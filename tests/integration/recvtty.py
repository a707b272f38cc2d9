#!/usr/bin/env python3
"""recvtty.py SOCKET [INPUT]: a console-socket receiver for the tests.

Listens on the unix socket SOCKET, accepts one connection from the runtime,
receives the pty master over SCM_RIGHTS, writes INPUT (if given) to it and
copies everything the container writes to stdout until the pty closes (EIO)
or 20 seconds pass. Prints "recvtty: ..." to stderr on errors.
"""
import array
import os
import select
import socket
import sys
import time


def main():
    if len(sys.argv) < 2:
        print("usage: recvtty.py SOCKET [INPUT]", file=sys.stderr)
        return 2
    path = sys.argv[1]
    data = sys.argv[2].encode() if len(sys.argv) > 2 else b""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(20)
    conn, _ = srv.accept()
    fds = array.array("i")
    _, ancdata, _, _ = conn.recvmsg(1024, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, cdata in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(cdata[: len(cdata) - (len(cdata) % fds.itemsize)])
    conn.close()
    srv.close()
    if not fds:
        print("recvtty: no file descriptor received", file=sys.stderr)
        return 1
    master = fds[0]
    print("recvtty: got fd, isatty=%d" % os.isatty(master), file=sys.stderr)
    if data:
        os.write(master, data)
    deadline = time.time() + 20
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
