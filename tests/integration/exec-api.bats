#!/usr/bin/env bats
# The exec endpoints of berthd: create, start (attached, detached, TTY),
# resize, inspect; and the docker client's `docker exec`.

load daemon-helpers

setup_file() {
        daemon_start
        local out
        out=$(api_json POST /containers/create '{"Image":"busybox","Cmd":["sleep","1000"]}')
        [ "$(tail -n1 <<<"$out")" = 201 ] || fail "create: $out"
        CID=$(sed '$d' <<<"$out" | jq -r .Id)
        export CID
        out=$(api POST "/containers/$CID/start")
        [ "$(tail -n1 <<<"$out")" = 204 ] || fail "start: $out"
}

teardown_file() { daemon_stop; }
setup() { daemon_test_setup; }

# exec_create JSON: prints the new exec ID.
exec_create() {
        local out
        out=$(api_json POST "/containers/$CID/exec" "$1")
        [ "$(tail -n1 <<<"$out")" = 201 ] || fail "exec create: $out"
        sed '$d' <<<"$out" | jq -r .Id
}

# exec_start ID [JSON]: the raw stream into $DAEMON_DIR/stream.
exec_start() {
        curl -sS --unix-socket "$DAEMON_SOCK" -X POST -H 'Content-Type: application/json' \
                -d "${2:-{\"Detach\":false,\"Tty\":false\}}" -D "$DAEMON_DIR/stream.headers" \
                -o "$DAEMON_DIR/stream" "http://localhost/exec/$1/start"
}

# demux: the multiplexed stream as "1:text" / "2:text" lines, one per frame.
demux() {
        python3 -c '
import sys, struct
d = open(sys.argv[1], "rb").read()
i = 0
while i + 8 <= len(d):
    s, n = d[i], struct.unpack(">I", d[i+4:i+8])[0]
    sys.stdout.write("%d:%s\n" % (s, d[i+8:i+8+n].decode().rstrip("\n")))
    i += 8 + n
if i != len(d):
    sys.stdout.write("TRAILING:%r\n" % d[i:])
' "$DAEMON_DIR/stream"
}

exec_inspect() {
        api GET "/exec/$1/json" | sed '$d'
}

@test "exec: create and inspect before start" {
        id=$(exec_create '{"AttachStdout":true,"Cmd":["echo","hi there"],"User":"nobody"}')
        [ ${#id} = 64 ] || fail "id: $id"
        run exec_inspect "$id"
        jq -e --arg c "$CID" '.ID != "" and .Running == false and .ExitCode == null and .ContainerID == $c
                and .ProcessConfig.entrypoint == "echo" and .ProcessConfig.arguments == ["hi there"]
                and .ProcessConfig.user == "nobody" and .OpenStdout == true and .OpenStdin == false' <<<"$output" ||
                fail "$output"
}

@test "exec: attached run, multiplexed stdout and stderr, exit code" {
        id=$(exec_create '{"AttachStdout":true,"AttachStderr":true,"Cmd":["sh","-c","echo out; echo err >&2; exit 3"]}')
        exec_start "$id"
        grep -qi 'Content-Type: application/vnd.docker.multiplexed-stream' "$DAEMON_DIR/stream.headers" ||
                fail "$(cat "$DAEMON_DIR/stream.headers")"
        run demux
        [[ $output == *"1:out"* ]] || fail "$output"
        [[ $output == *"2:err"* ]] || fail "$output"
        [[ $output != *TRAILING* ]] || fail "$output"
        run exec_inspect "$id"
        jq -e '.Running == false and .ExitCode == 3 and .Pid == 0' <<<"$output" || fail "$output"
}

@test "exec: env, working dir and user by name" {
        id=$(exec_create '{"AttachStdout":true,"Env":["FOO=bar"],"WorkingDir":"/etc","User":"nobody","Cmd":["sh","-c","echo $FOO; pwd; id -u; id -g"]}')
        exec_start "$id"
        run demux
        [ "$output" = "1:bar
/etc
65534
65534" ] || [ "$(tr -d '\n' <<<"$output" | sed 's/1://g')" = "bar/etc6553465534" ] || fail "$output"
        id=$(exec_create '{"AttachStdout":true,"User":"ghost","Cmd":["true"]}')
        exec_start "$id"
        grep -q "unable to find user ghost" "$DAEMON_DIR/stream" || fail "$(cat "$DAEMON_DIR/stream")"
        run exec_inspect "$id"
        jq -e '.ExitCode == 126' <<<"$output" || fail "$output"
}

@test "exec: runs in the container (same pid namespace)" {
        id=$(exec_create '{"AttachStdout":true,"Cmd":["sh","-c","cat /proc/1/cmdline | tr \"\\0\" \" \""]}')
        exec_start "$id"
        run demux
        [[ $output == *"sleep 1000"* ]] || fail "$output"
}

@test "exec: a missing binary fails the start with exit code 126 or 127" {
        id=$(exec_create '{"AttachStdout":true,"AttachStderr":true,"Cmd":["/no/such/binary"]}')
        exec_start "$id"
        grep -q "OCI runtime exec failed" "$DAEMON_DIR/stream" || fail "$(cat -v "$DAEMON_DIR/stream")"
        run exec_inspect "$id"
        jq -e '.ExitCode == 127 or .ExitCode == 126' <<<"$output" || fail "$output"
}

@test "exec: TTY gives a raw stream from a terminal" {
        id=$(exec_create '{"AttachStdout":true,"Tty":true,"ConsoleSize":[33,101],"Cmd":["sh","-c","tty; stty size"]}')
        exec_start "$id" '{"Detach":false,"Tty":true}'
        grep -qi 'Content-Type: application/vnd.docker.raw-stream' "$DAEMON_DIR/stream.headers" ||
                fail "$(cat "$DAEMON_DIR/stream.headers")"
        run cat "$DAEMON_DIR/stream"
        [[ $output == *"/dev/pts/"* ]] || fail "$output"
        [[ $output == *"33 101"* ]] || fail "$output"
}

@test "exec: detached start, then inspect running and finished" {
        id=$(exec_create '{"Cmd":["sh","-c","sleep 1; touch /tmp/detached-done"]}')
        run api_json POST "/exec/$id/start" '{"Detach":true}'
        assert_http 200
        run exec_inspect "$id"
        jq -e '.Running == true and .Pid > 0' <<<"$output" || fail "$output"
        pid=$(jq .Pid <<<"$output")
        [ -d "/proc/$pid" ] || fail "no process $pid"
        wait_for 50 sh -c "api GET /exec/$id/json >/dev/null; curl -s --unix-socket $DAEMON_SOCK http://localhost/exec/$id/json | jq -e '.Running == false' >/dev/null"
        run exec_inspect "$id"
        jq -e '.ExitCode == 0' <<<"$output" || fail "$output"
        id2=$(exec_create '{"AttachStdout":true,"Cmd":["ls","/tmp/detached-done"]}')
        exec_start "$id2"
        run demux
        [ "$output" = "1:/tmp/detached-done" ] || fail "$output"
        # started twice
        run api_json POST "/exec/$id/start" '{"Detach":true}'
        assert_http 409
}

@test "exec: resize a TTY exec; errors for unknown instances" {
        id=$(exec_create '{"Tty":true,"Cmd":["sh","-c","sleep 1; stty size > /tmp/size"]}')
        run api_json POST "/exec/$id/start" '{"Detach":true,"Tty":true}'
        assert_http 200
        run api POST "/exec/$id/resize?h=40&w=120"
        assert_http 200
        run api POST "/exec/$id/resize?h=x&w=120"
        assert_http 400
        wait_for 50 sh -c "curl -s --unix-socket $DAEMON_SOCK http://localhost/exec/$id/json | jq -e '.Running == false' >/dev/null"
        id2=$(exec_create '{"AttachStdout":true,"Cmd":["cat","/tmp/size"]}')
        exec_start "$id2"
        run demux
        [ "$output" = "1:40 120" ] || fail "$output"
        run api POST "/exec/nosuch/resize?h=1&w=1"
        assert_http 404
        run api GET /exec/nosuch/json
        assert_http 404
        [[ $output == *"No such exec instance: nosuch"* ]] || fail "$output"
        run api_json POST /exec/nosuch/start '{}'
        assert_http 404
}

@test "exec: bad requests" {
        run api_json POST "/containers/$CID/exec" '{"Cmd":[]}'
        assert_http 400
        run api_json POST "/containers/$CID/exec" '{"Cmd":["true"],"DetachKeys":"ctrl-1"}'
        assert_http 400
        [[ $output == *"Invalid detach keys"* ]] || fail "$output"
        run api_json POST /containers/nosuch/exec '{"Cmd":["true"]}'
        assert_http 404
}

@test "exec: a stopped container refuses exec with 409" {
        out=$(api_json POST /containers/create '{"Image":"busybox","Cmd":["true"]}')
        c2=$(sed '$d' <<<"$out" | jq -r .Id)
        run api_json POST "/containers/$c2/exec" '{"Cmd":["true"]}'
        assert_http 409
        [[ $output == *"container $c2 is not running"* ]] || fail "$output"
        api DELETE "/containers/$c2?force=1" >/dev/null
}

@test "exec: events exec_create, exec_start, exec_die" {
        since=$(date +%s)
        id=$(exec_create '{"AttachStdout":true,"Cmd":["true"]}')
        exec_start "$id"
        until=$(($(date +%s) + 1))
        run api GET "/events?since=$since&until=$until"
        assert_http 200
        [[ $output == *'"exec_create: true"'* ]] || fail "$output"
        [[ $output == *'"exec_start: true"'* ]] || fail "$output"
        [[ $output == *'"exec_die"'* ]] || fail "$output"
}

@test "exec: the docker client (exit codes, stdin, user)" {
        command -v docker >/dev/null || skip "no docker client"
        run dkr exec "$CID" echo hello from exec
        assert_success
        [ "$output" = "hello from exec" ] || fail "$output"
        run dkr exec "$CID" sh -c 'exit 7'
        [ "$status" = 7 ] || fail "status $status: $output"
        run bash -c 'printf "line one\nline two\n" | DOCKER_HOST=unix://$1 DOCKER_CONFIG=$2 docker exec -i "$3" sh -c "cat; echo done" 3>&-' _ "$DAEMON_SOCK" "$DAEMON_DIR/docker-config" "$CID"
        assert_success
        [ "$output" = "line one
line two
done" ] || fail "$output"
        run dkr exec -u nobody -w /tmp -e X=1 "$CID" sh -c 'echo $(id -u) $(pwd) $X'
        assert_success
        [ "$output" = "65534 /tmp 1" ] || fail "$output"
        run dkr exec -d "$CID" sleep 2
        assert_success
        rc=0
        out=$(dkr exec "$CID" /no/such/binary 2>&1) || rc=$?
        [ "$rc" = 126 ] || [ "$rc" = 127 ] || fail "status $rc: $out"
        [[ $out == *"OCI runtime exec failed"* ]] || fail "$out"
}

# upgraded_session ID: starts the exec over an upgraded connection, sends
# "ping\n", reads the echo, then the detach keys ctrl-p ctrl-q; prints what
# it read and "EOF" when the server ended the stream.
upgraded_session() {
        python3 - "$DAEMON_SOCK" "$1" "${2:-false}" <<'PY'
import socket, sys, time
tty = sys.argv[3] == "true"
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)
body = b'{"Detach":false,"Tty":%s}' % sys.argv[3].encode()
s.sendall(b"POST /v1.47/exec/%s/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: %d\r\n\r\n%s"
          % (sys.argv[2].encode(), len(body), body))
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
head, rest = buf.split(b"\r\n\r\n", 1)
print(head.split(b"\r\n")[0].decode())
s.sendall(b"ping\n")
while rest.count(b"ping") < (2 if tty else 1):
    rest += s.recv(4096)
if tty:
    print("raw", rest.decode().replace("\r\n", "|"))
else:
    print("frame", rest[0], rest[8:].decode().strip())
s.sendall(b"\x10\x11")
t = time.time()
try:
    while s.recv(4096):
        pass
    print("EOF" if time.time() - t < 1.5 else "LATE EOF")
except socket.timeout:
    print("TIMEOUT")
PY
}

@test "exec: stdin over an upgraded connection, detach keys" {
        id=$(exec_create '{"AttachStdin":true,"AttachStdout":true,"Cmd":["sh","-c","cat; sleep 3"]}')
        run upgraded_session "$id"
        assert_success
        [ "${lines[0]}" = "HTTP/1.1 101 UPGRADED" ] || fail "$output"
        [ "${lines[1]}" = "frame 1 ping" ] || fail "$output"
        [ "${lines[2]}" = "EOF" ] || fail "$output"
        # detached: the stream ended, the process goes on (its stdin
        # closed, as Docker does without a TTY)
        run exec_inspect "$id"
        jq -e '.Running == true and .Pid > 0' <<<"$output" || fail "$output"
        wait_for 60 sh -c "curl -s --unix-socket $DAEMON_SOCK http://localhost/exec/$id/json | jq -e '.Running == false' >/dev/null"
        run exec_inspect "$id"
        jq -e '.ExitCode == 0' <<<"$output" || fail "$output"
}

@test "exec: TTY with stdin over an upgraded connection, detach keys" {
        id=$(exec_create '{"AttachStdin":true,"AttachStdout":true,"Tty":true,"Cmd":["cat"]}')
        run upgraded_session "$id" true
        assert_success
        [ "${lines[0]}" = "HTTP/1.1 101 UPGRADED" ] || fail "$output"
        # the terminal echoes, then cat writes the line back
        [ "${lines[1]}" = "raw ping|ping|" ] || fail "$output"
        [ "${lines[2]}" = "EOF" ] || fail "$output"
        # with a TTY, detaching leaves the process and its terminal alone
        sleep 0.5
        run exec_inspect "$id"
        jq -e '.Running == true and .Pid > 0' <<<"$output" || fail "$output"
        kill "$(jq .Pid <<<"$output")"
        wait_for 50 sh -c "curl -s --unix-socket $DAEMON_SOCK http://localhost/exec/$id/json | jq -e '.Running == false' >/dev/null"
        run exec_inspect "$id"
        jq -e '.ExitCode == 143' <<<"$output" || fail "$output"
}

# CVE-2019-5736: exec processes are forked from berthd, so berthd must not
# run from its binary on disk.
berthd_pid() { cat "$DAEMON_DIR/berthd.pid"; }

@test "exec: berthd runs from a sealed memfd copy of itself" {
        pid=$(berthd_pid)
        exe=$(readlink "/proc/$pid/exe")
        [[ $exe == /memfd:* ]] || fail "berthd's exe: $exe"
        # the memfd is sealed: even root on the host cannot write to it
        run sh -c "printf x >>/proc/$pid/exe"
        assert_failure
        # it keeps its name, and the monitors it spawned found berth-monitor
        # next to the real binary and did not inherit the re-exec's variable
        [ "$(cat "/proc/$pid/comm")" = berthd ] || fail "comm: $(cat "/proc/$pid/comm")"
        mon=$(daemon_monitor_pids | head -n1)
        [ -n "$mon" ] || fail "no monitor"
        m=$(tr '\0' '\n' <"/proc/$mon/cmdline" | head -n1)
        [[ $m == /*/berth-monitor && -x $m ]] || fail "monitor: $m"
        ! tr '\0' '\n' <"/proc/$mon/environ" | grep -q '^BERTH_SEALED_EXE_ORIGIN=' ||
                fail "the monitor inherited BERTH_SEALED_EXE_ORIGIN"
}

@test "exec: a #!/proc/self/exe script cannot overwrite berthd's binary" {
        before=$(sha256sum <"$BERTHD")
        make=$(jq -nc --arg s "printf '#!/proc/self/exe\n' >/evil.sh && chmod +x /evil.sh" \
                '{AttachStdout:true,AttachStderr:true,Cmd:["sh","-c",$s]}')
        id=$(exec_create "$make")
        exec_start "$id"
        run exec_inspect "$id"
        jq -e '.ExitCode == 0' <<<"$output" || fail "making /evil.sh: $output $(demux)"
        # the kernel would run berthd's own binary inside the container; it
        # must at most be the sealed copy (the runtime also refuses it)
        id=$(exec_create '{"AttachStdout":true,"AttachStderr":true,"Cmd":["/evil.sh"]}')
        exec_start "$id" || true
        [ "$(sha256sum <"$BERTHD")" = "$before" ] || fail "berthd's binary changed"
        run curl -sS --unix-socket "$DAEMON_SOCK" http://localhost/_ping
        [ "$output" = OK ] || fail "berthd does not answer: $output"
        kill -0 "$(berthd_pid)"
}
