#!/usr/bin/env python3
"""A minimal seccomp agent for the SCMP_ACT_NOTIFY tests.

seccomp-agent.py SOCKET STATE-FILE ERRNO: listens on SOCKET; for each
connection of the runtime (the init, then each exec) writes the container
process state it sends to STATE-FILE.N (N = 1, 2...), and answers every
syscall notified on the listener it got with -ERRNO, until that listener
closes. Runs until killed: the test stops it (and so its children) by PID.
"""
import array
import fcntl
import os
import signal
import socket
import struct
import sys

# struct seccomp_notif: id u64, pid u32, flags u32, seccomp_data (nr i32,
# arch u32, ip u64, args u64[6]) = 80 bytes; seccomp_notif_resp: id u64,
# val s64, error s32, flags u32 = 24 bytes.
NOTIF_RECV = 0xC0502100
NOTIF_SEND = 0xC0182101


def serve(conn, state_file, err):
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    with open(state_file + ".tmp", "wb") as f:
        f.write(msg)
    os.rename(state_file + ".tmp", state_file)
    if not fds:
        return 1
    listener = fds[0]
    while True:
        buf = bytearray(80)
        try:
            fcntl.ioctl(listener, NOTIF_RECV, buf)
        except OSError:
            return 0  # the container is gone
        notif_id = struct.unpack_from("Q", buf, 0)[0]
        resp = bytearray(struct.pack("QqiI", notif_id, 0, -err, 0))
        try:
            fcntl.ioctl(listener, NOTIF_SEND, resp)
        except OSError:
            pass


def main():
    path, state_file, err = sys.argv[1], sys.argv[2], int(sys.argv[3])
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    n = 0
    children = []
    try:
        while True:
            conn, _ = srv.accept()
            n += 1
            pid = os.fork()
            if pid == 0:
                srv.close()
                os._exit(serve(conn, "%s.%d" % (state_file, n), err) or 0)
            children.append(pid)
            conn.close()
    finally:
        for pid in children:
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except OSError:
                pass


if __name__ == "__main__":
    sys.exit(main())
