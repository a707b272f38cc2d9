#!/usr/bin/env python3
"""Test helper for berth-monitor (tests/integration/monitor.bats): plays
berthd's side of the protocol in src/monitor/monitor.h.

  monitor_sync.py run [--no-start] [--attach OUT] [--stdin DATA] [--stdin-close]
                      [--tty] -- MONITOR ARGS...
      Starts MONITOR ARGS... --sync-fd N with one end of a SOCK_SEQPACKET
      socketpair, prints each message it receives (one JSON per line), sends
      {"op":"start"} after "created" (unless --no-start: then it closes the
      socket, as berthd does when it gives up). With --attach, connects to
      attach.sock before start (stdout+stderr, and stdin with --stdin) and
      writes what it receives to OUT until the monitor closes it.
  monitor_sync.py attach SOCK OUT [--stdin DATA] [--stdin-close] [--tty]
      Attaches to a running monitor, sends DATA, writes output to OUT.
  monitor_sync.py api-attach SOCK PATH OUT [--stdin DATA] [--stdin-close]
                             [--then DATA]
      POST PATH (an Engine API attach URL) on berthd's socket SOCK with
      "Upgrade: tcp"; prints the status line and Content-Type, then writes
      the stream to OUT until berthd closes it; --then DATA is sent once
      the first output came.
  monitor_sync.py stall SOCK SECONDS  attaches (stdout) and never reads; prints
      "attached", exits after SECONDS or when the monitor closes the socket
  monitor_sync.py resize SOCK H W     one control request; prints the reply
  monitor_sync.py frames FILE         decodes multiplexed frames: "N:line" for
      each line of stream N (stdout lines first, then stderr)
"""
import json
import os
import socket
import subprocess
import sys


def arg_value(args, name):
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
    return None


def attach_connect(path, stdin):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    req = {"stdin": stdin is not None, "stdout": True, "stderr": True}
    s.sendall((json.dumps(req) + "\n").encode())
    return s


def attach_pump(s, out, stdin, close_stdin, then=None):
    if stdin is not None:
        s.sendall(stdin.encode())
        if close_stdin:
            s.shutdown(socket.SHUT_WR)
    s.settimeout(30)
    with open(out, "wb") as f:
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                sys.stderr.write("attach: timeout\n")
                return 1
            if not b:
                break
            f.write(b)
            f.flush()
            if then is not None:
                s.sendall(then.encode())
                then = None
    s.close()
    return 0


def opt(args, name, has_value):
    if name not in args:
        return None if has_value else False
    i = args.index(name)
    if has_value:
        v = args[i + 1]
        del args[i:i + 2]
        return v
    del args[i]
    return True


def cmd_run(args):
    sep = args.index("--")
    opts, mon = args[:sep], args[sep + 1:]
    no_start = opt(opts, "--no-start", False)
    attach = opt(opts, "--attach", True)
    stdin = opt(opts, "--stdin", True)
    close_stdin = opt(opts, "--stdin-close", False)
    opt(opts, "--tty", False)
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    b.set_inheritable(True)
    p = subprocess.Popen(mon + ["--sync-fd", str(b.fileno())], pass_fds=(b.fileno(),),
                         stdin=subprocess.DEVNULL)
    b.close()
    rc = p.wait()
    if rc != 0:
        sys.stderr.write("monitor exited with %d\n" % rc)
    a.settimeout(30)

    def recv():
        try:
            m = a.recv(4096)
        except socket.timeout:
            print('{"status":"timeout"}', flush=True)
            return None
        if not m:
            print('{"status":"eof"}', flush=True)
            return None
        print(m.decode(), flush=True)
        return json.loads(m)

    m = recv()
    if not m or m.get("status") != "created":
        return 1
    if no_start:
        a.close()
        return 0
    s = None
    if attach:
        d = arg_value(mon, "--dir")
        s = attach_connect(os.path.join(d, "attach.sock"), stdin)
    a.send(b'{"op":"start"}')
    m = recv()
    if not m or m.get("status") != "started":
        return 1
    if a.recv(16) != b"":
        print("expected EOF on the sync socket after started", file=sys.stderr)
        return 1
    if s is not None:
        return attach_pump(s, attach, stdin, close_stdin)
    return 0


def cmd_attach(args):
    stdin = opt(args, "--stdin", True)
    close_stdin = opt(args, "--stdin-close", False)
    opt(args, "--tty", False)
    sock, out = args[0], args[1]
    s = attach_connect(sock, stdin)
    return attach_pump(s, out, stdin, close_stdin)


def cmd_api_attach(args):
    stdin = opt(args, "--stdin", True)
    then = opt(args, "--then", True)
    close_stdin = opt(args, "--stdin-close", False)
    sock, path, out = args[0], args[1], args[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    s.sendall(("POST %s HTTP/1.1\r\nHost: berth\r\nConnection: Upgrade\r\n"
               "Upgrade: tcp\r\nContent-Length: 0\r\n\r\n" % path).encode())
    s.settimeout(30)
    head = b""
    while b"\r\n\r\n" not in head:
        b = s.recv(1)
        if not b:
            break
        head += b
    lines = head.decode(errors="replace").split("\r\n")
    print(lines[0], flush=True)
    for line in lines[1:]:
        if line.lower().startswith("content-type:"):
            print(line, flush=True)
    if not lines[0].split(" ")[1:2] or lines[0].split(" ")[1] not in ("101", "200"):
        sys.stdout.write(s.recv(65536).decode(errors="replace"))
        return 1
    return attach_pump(s, out, stdin, close_stdin, then)


def cmd_stall(args):
    s = attach_connect(args[0], None)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    print("attached", flush=True)
    import select
    import time
    end = time.time() + float(args[1])
    while time.time() < end:
        # wait for the monitor to hang up, without reading its data
        p = select.poll()
        p.register(s, select.POLLRDHUP)
        if p.poll(200):
            ev = p.poll(0)
            if ev and ev[0][1] & (select.POLLRDHUP | select.POLLHUP):
                return 0
    return 1


def cmd_resize(args):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(args[0])
    s.sendall((json.dumps({"op": "resize", "height": int(args[1]),
                           "width": int(args[2])}) + "\n").encode())
    s.settimeout(10)
    data = b""
    while not data.endswith(b"\n"):
        b = s.recv(1024)
        if not b:
            break
        data += b
    sys.stdout.write(data.decode())
    return 0


def cmd_frames(args):
    data = open(args[0], "rb").read()
    acc = {}
    i = 0
    while i < len(data):
        if i + 8 > len(data):
            print("truncated header", file=sys.stderr)
            return 1
        stream = data[i]
        if data[i + 1:i + 4] != b"\0\0\0":
            print("bad header", file=sys.stderr)
            return 1
        n = int.from_bytes(data[i + 4:i + 8], "big")
        payload = data[i + 8:i + 8 + n]
        if len(payload) != n:
            print("truncated payload", file=sys.stderr)
            return 1
        acc.setdefault(stream, b"")
        acc[stream] += payload
        i += 8 + n
    for stream in sorted(acc):
        for line in acc[stream].decode(errors="replace").splitlines():
            print("%d:%s" % (stream, line))
    return 0


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    return {"run": cmd_run, "attach": cmd_attach, "resize": cmd_resize,
            "api-attach": cmd_api_attach, "stall": cmd_stall,
            "frames": cmd_frames}[cmd](args)


if __name__ == "__main__":
    sys.exit(main())
