#!/usr/bin/env bats
# The berth CLI against a test berthd: docker's commands, flags, output and
# exit codes. Where the real docker client is installed (helper `dkr`), the
# same command through it is compared side by side.

load daemon-helpers
bats_require_minimum_version 1.5.0

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }
setup() { daemon_test_setup; }

PTY="$BATS_TEST_DIRNAME/cli_pty.py"

have_docker() { command -v docker >/dev/null 2>&1; }

# A name unique to this test, recorded so that teardown removes it.
cname() { echo "cli${BATS_TEST_NUMBER}-$1"; }

teardown() {
        local n
        for n in $(berth ps -aq --filter "name=cli${BATS_TEST_NUMBER}-" 2>/dev/null); do
                berth rm -f "$n" >/dev/null 2>&1 || true
        done
        return 0
}

@test "cli: no daemon: docker's message with how to start it; ps exits 1, run 125" {
        run env DOCKER_HOST=unix://$DAEMON_DIR/none.sock "$BERTH" ps
        [ "$status" -eq 1 ] || fail "status $status: $output"
        [[ $output == *"Cannot connect to the berth daemon at unix://$DAEMON_DIR/none.sock. Is the daemon running?"*"berthd"* ]] || fail "$output"
        run env DOCKER_HOST=unix://$DAEMON_DIR/none.sock "$BERTH" run busybox true
        [ "$status" -eq 125 ] || fail "status $status: $output"
        run "$BERTH" -H "unix://$DAEMON_DIR/none.sock" version
        [ "$status" -eq 1 ]
        [[ $output == *"Client:"*"Cannot connect"* ]] || fail "$output"
}

@test "cli: -H and DOCKER_HOST select the socket" {
        run "$BERTH" -H "unix://$DAEMON_SOCK" version --format '{{.Server.ApiVersion}}'
        assert_success
        [[ $output =~ ^1\.[0-9]+$ ]] || fail "$output"
        run env DOCKER_HOST="unix://$DAEMON_SOCK" "$BERTH" --host="unix://$DAEMON_SOCK" info --format '{{.OSType}}'
        assert_success
        [ "$output" = linux ]
}

@test "cli: version prints client and server sections" {
        run berth version
        assert_success
        [[ $output == "Client:"*" Version:"*" API version:"*"Server:"*" Engine:"*"  Version:"*"  API version:"*"(minimum version"* ]] || fail "$output"
}

@test "cli: info" {
        run berth info
        assert_success
        [[ $output == *"Server:"*" Containers: "*"  Running: "*" Images: "*" Kernel Version: "*" CPUs: "* ]] || fail "$output"
}

@test "cli: --help on every command, usage errors exit 125 or 1" {
        local c
        for c in run create start stop restart kill rm ps logs attach exec inspect wait rename \
                pause unpause top port images rmi tag save load import export history info \
                version "container ls" "container rm" "container prune" "image ls" "image rm" \
                "image prune" "system info" "system prune"; do
                run berth $c --help
                assert_success
                [[ $output == "Usage:  berth "* ]] || fail "$c --help: $output"
        done
        run berth ps --no-such-flag
        [ "$status" -eq 125 ] || fail "status $status"
        [[ $output == "unknown flag: --no-such-flag"*"Usage:  berth ps [OPTIONS]"* ]] || fail "$output"
        run berth rm
        [ "$status" -eq 1 ]
        [[ $output == *"'berth rm' requires at least 1 argument"* ]] || fail "$output"
        run berth run --memory lots busybox true
        [ "$status" -eq 125 ]
        run berth nosuchcommand
        [ "$status" -eq 1 ]
}

@test "cli: images lists busybox like docker" {
        run berth images
        assert_success
        [[ ${lines[0]} =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]] || fail "$output"
        [[ $output == *busybox*latest* ]] || fail "$output"
        run berth images -q
        assert_success
        [[ ${lines[0]} =~ ^[0-9a-f]{12}$ ]] || fail "$output"
        run berth images --format '{{.Repository}}:{{.Tag}}' busybox
        assert_success
        [ "$output" = busybox:latest ]
        run berth images --format '{{json .}}'
        assert_success
        jq -e '.Repository == "busybox"' <<<"${lines[0]}" >/dev/null || fail "$output"
        if have_docker; then
                [ "$(berth images --format '{{.ID}} {{.Repository}} {{.Tag}} {{.Size}}')" = \
                        "$(dkr images --format '{{.ID}} {{.Repository}} {{.Tag}} {{.Size}}')" ]
                [ "$(berth images | head -1)" = "$(dkr images | head -1)" ]
        fi
}

@test "cli: run prints output and exits with the container's status" {
        run berth run --rm busybox echo hello world
        assert_success
        [ "$output" = "hello world" ]
        run berth run --rm busybox sh -c 'echo out; echo err >&2; exit 3'
        [ "$status" -eq 3 ] || fail "status $status: $output"
        [[ $output == *out* && $output == *err* ]] || fail "$output"
        # stderr stays on stderr
        run bash -c '"$1" -H "unix://$2" run --rm busybox sh -c "echo err >&2" 2>/dev/null' _ "$BERTH" "$DAEMON_SOCK"
        [ -z "$output" ] || fail "$output"
}

@test "cli: run exit codes 125, 126, 127" {
        run -127 berth run --rm busybox /no/such/binary
        run berth run --rm busybox /etc
        [ "$status" -eq 126 ] || fail "status $status: $output"
        run berth run --rm no-such-image:tag true
        [ "$status" -eq 125 ] || fail "status $status: $output"
        [[ $output == *"Unable to find image 'no-such-image:tag' locally"* ]] || fail "$output"
        n=$(cname dup)
        berth create --name "$n" busybox true >/dev/null
        run berth run --name "$n" busybox true
        [ "$status" -eq 125 ]
        [[ $output == *"Error response from daemon:"* ]] || fail "$output"
}

@test "cli: run -i passes stdin and closes it" {
        run bash -c 'printf "line1\nline2\n" | "$1" -H "unix://$2" run -i --rm busybox sh -c "cat; echo done"' _ "$BERTH" "$DAEMON_SOCK"
        assert_success
        [ "$output" = "$(printf 'line1\nline2\ndone')" ] || fail "$output"
}

@test "cli: run flags reach the container" {
        run berth run --rm -e FOO=bar -w /tmp -u 1000:1000 -h myhost --env-file /dev/null busybox \
                sh -c 'echo $FOO; pwd; id -u; hostname'
        assert_success
        [ "${lines[0]}" = bar ] && [ "${lines[1]}" = /tmp ] && [ "${lines[2]}" = 1000 ] &&
                [ "${lines[3]}" = myhost ] || fail "$output"
        run berth run --rm --read-only busybox touch /x
        [ "$status" -ne 0 ]
        run berth run --rm --entrypoint /bin/echo busybox a b
        [ "$output" = "a b" ] || fail "$output"
}

@test "cli: run -d, ps, inspect -f, logs, stop, wait, rm" {
        n=$(cname web)
        run berth run -d --name "$n" -l tier=front busybox sh -c 'echo started; sleep 1000'
        assert_success
        id=$output
        [[ $id =~ ^[0-9a-f]{64}$ ]] || fail "$id"
        run berth ps
        assert_success
        [[ ${lines[0]} =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES$ ]] || fail "$output"
        # docker's daemon quotes arguments with spaces in Command ("sh -c 'echo start…")
        [[ $output == *"${id:0:12}"*busybox*'"sh -c '*'echo start'*'…"'*Up*"$n"* ]] || fail "$output"
        run berth ps -q --no-trunc --filter "name=$n"
        [ "$output" = "$id" ] || fail "$output"
        run berth ps --format '{{.Names}} {{.Labels}} {{.State}}' --filter "name=$n"
        [ "$output" = "$n tier=front running" ] || fail "$output"
        run berth ps --format '{{json .}}' --filter "name=$n"
        jq -e --arg n "$n" '.Names == $n and .Image == "busybox"' <<<"$output" >/dev/null || fail "$output"
        run berth inspect -f '{{.State.Running}} {{.Name}} {{.Config.Labels.tier}}' "$n"
        [ "$output" = "true /$n front" ] || fail "$output"
        run berth container inspect "$n"
        jq -e '.[0].State.Running' <<<"$output" >/dev/null || fail "$output"
        wait_for 50 bash -c '"$1" -H "unix://$2" logs "$3" | grep -q started' _ "$BERTH" "$DAEMON_SOCK" "$n"
        run berth logs "$n"
        [ "$output" = started ] || fail "$output"
        run berth logs -t "$n"
        [[ $output =~ ^20[0-9-]+T[0-9:.]+Z\ started$ ]] || fail "$output"
        if have_docker; then
                [ "$(berth ps --format '{{.ID}} {{.Image}} {{.Command}} {{.Names}}' --filter name=$n)" = \
                        "$(dkr ps --format '{{.ID}} {{.Image}} {{.Command}} {{.Names}}' --filter name=$n)" ]
                [ "$(berth inspect -f '{{.State.Pid}} {{.Config.Cmd}}' $n)" = \
                        "$(dkr inspect -f '{{.State.Pid}} {{.Config.Cmd}}' $n)" ]
        fi
        run berth stop -t 1 "$n"
        [ "$output" = "$n" ] || fail "$output"
        run berth wait "$n"
        [ "$output" = 137 ] || fail "$output"
        run berth ps -a --filter "name=$n" --format '{{.Status}}'
        [[ $output == "Exited (137)"* ]] || fail "$output"
        run berth rm "$n"
        [ "$output" = "$n" ]
        run berth inspect "$n"
        [ "$status" -eq 1 ]
        [[ $output == *"No such object: $n"* ]] || fail "$output"
}

@test "cli: logs --tail, --since, -f" {
        n=$(cname logs)
        berth run --name "$n" busybox sh -c 'for i in 1 2 3 4 5; do echo line$i; done' >/dev/null
        run berth logs --tail 2 "$n"
        [ "$output" = "$(printf 'line4\nline5')" ] || fail "$output"
        run berth logs -n 1 "$n"
        [ "$output" = line5 ] || fail "$output"
        run berth logs --since 1h "$n"
        [ "${#lines[@]}" -eq 5 ] || fail "$output"
        run berth logs --until 2000-01-01T00:00:00Z "$n"
        [ -z "$output" ] || fail "$output"
        # -f on an exited container returns at the end of the log
        run timeout 10 "$BERTH" -H "unix://$DAEMON_SOCK" logs -f "$n"
        assert_success
        [ "${#lines[@]}" -eq 5 ]
}

@test "cli: exec, exit codes, -e -w -u, stdin" {
        n=$(cname exec)
        berth run -d --name "$n" busybox sleep 1000 >/dev/null
        run berth exec "$n" echo hi
        assert_success
        [ "$output" = hi ]
        run berth exec "$n" sh -c 'exit 5'
        [ "$status" -eq 5 ] || fail "status $status"
        run berth exec -e A=1 -w /tmp -u 1000 "$n" sh -c 'echo $A; pwd; id -u'
        [ "$output" = "$(printf '1\n/tmp\n1000')" ] || fail "$output"
        run bash -c 'echo piped | "$1" -H "unix://$2" exec -i "$3" cat' _ "$BERTH" "$DAEMON_SOCK" "$n"
        [ "$output" = piped ] || fail "$output"
        run -127 berth exec "$n" /no/such/thing
        run berth exec -d "$n" sh -c 'echo bg > /tmp/bg'
        assert_success
        wait_for 50 bash -c '[ "$("$1" -H "unix://$2" exec "$3" cat /tmp/bg 2>/dev/null)" = bg ]' _ "$BERTH" "$DAEMON_SOCK" "$n"
}

@test "cli: run -it is a real terminal with the window size, exit status kept" {
        run python3 "$PTY" --rows 33 --cols 101 -- env DOCKER_HOST="unix://$DAEMON_SOCK" "$BERTH" \
                run -it --rm busybox sh -c 'tty; stty size; exit 4'
        [ "$status" -eq 4 ] || fail "status $status: $output"
        [[ $output == */dev/pts/*"33 101"* ]] || fail "$output"
}

@test "cli: run -it follows SIGWINCH and takes typed input" {
        run python3 "$PTY" --wait '#' --send 'echo typed$((1+1))\r' --wait 'typed2' \
                --resize 40x120 --send 'sleep 0.3; stty size; exit 0\r' -- \
                env DOCKER_HOST="unix://$DAEMON_SOCK" "$BERTH" run -it --rm busybox sh
        assert_success
        [[ $output == *typed2*"40 120"* ]] || fail "$output"
}

@test "cli: detach keys leave the container running; attach reattaches" {
        n=$(cname detach)
        run python3 "$PTY" --wait '#' --send '\x10\x11' -- env DOCKER_HOST="unix://$DAEMON_SOCK" \
                "$BERTH" run -it --name "$n" busybox sh
        assert_success
        run berth inspect -f '{{.State.Running}}' "$n"
        [ "$output" = true ] || fail "$output"
        run python3 "$PTY" --send '\r' --wait '#' --send 'exit 6\r' -- env DOCKER_HOST="unix://$DAEMON_SOCK" \
                "$BERTH" attach "$n"
        [ "$status" -eq 6 ] || fail "status $status: $output"
        # custom keys
        n2=$(cname detach2)
        run python3 "$PTY" --wait '#' --send 'ab' -- env DOCKER_HOST="unix://$DAEMON_SOCK" \
                "$BERTH" run -it --detach-keys a,b --name "$n2" busybox sh
        assert_success
        run berth inspect -f '{{.State.Running}}' "$n2"
        [ "$output" = true ] || fail "$output"
}

@test "cli: create, start -a, restart, kill -s, pause, unpause, rename, top, port" {
        n=$(cname life)
        run berth create --name "$n" busybox sh -c 'echo created-run; exit 2'
        assert_success
        run berth start -a "$n"
        [ "$status" -eq 2 ] || fail "status $status: $output"
        [ "$output" = created-run ] || fail "$output"
        n2=$(cname life2)
        berth run -d --name "$n2" busybox sleep 1000 >/dev/null
        run berth pause "$n2"
        [ "$output" = "$n2" ]
        run berth inspect -f '{{.State.Status}}' "$n2"
        [ "$output" = paused ] || fail "$output"
        run berth unpause "$n2"
        assert_success
        run berth top "$n2"
        assert_success
        [[ ${lines[0]} == *PID* && $output == *"sleep 1000"* ]] || fail "$output"
        run berth port "$n2"
        assert_success
        [ -z "$output" ]
        run berth rename "$n2" "$n2-renamed"
        assert_success
        run berth inspect -f '{{.Name}}' "$n2-renamed"
        [ "$output" = "/$n2-renamed" ] || fail "$output"
        run berth restart -t 1 "$n2-renamed"
        assert_success
        run berth kill -s KILL "$n2-renamed"
        [ "$output" = "$n2-renamed" ]
        run berth wait "$n2-renamed"
        [ "$output" = 137 ] || fail "$output"
        run berth rm -f "$n2-renamed"
        assert_success
        run berth stop no-such-container
        [ "$status" -eq 1 ]
        [[ $output == "Error response from daemon:"*"no-such-container"* ]] || fail "$output"
}

@test "cli: tag, rmi, history, save, load, export, import" {
        run berth tag busybox "cli-test/bb:v1"
        assert_success
        run berth images --format '{{.Repository}}:{{.Tag}}' cli-test/bb
        [ "$output" = cli-test/bb:v1 ] || fail "$output"
        run berth history busybox
        assert_success
        [[ ${lines[0]} =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]] || fail "$output"
        run berth save -o "$DAEMON_DIR/bb.tar" cli-test/bb:v1
        assert_success
        tar -tf "$DAEMON_DIR/bb.tar" | grep -q manifest.json || fail "no manifest.json in save"
        run berth rmi cli-test/bb:v1
        [ "$output" = "Untagged: cli-test/bb:v1" ] || fail "$output"
        run berth load -i "$DAEMON_DIR/bb.tar"
        assert_success
        [[ $output == *"Loaded image: cli-test/bb:v1"* ]] || fail "$output"
        run bash -c '"$1" -H "unix://$2" load -q < "$3"' _ "$BERTH" "$DAEMON_SOCK" "$DAEMON_DIR/bb.tar"
        assert_success
        # save to a terminal is refused
        run python3 "$PTY" -- env DOCKER_HOST="unix://$DAEMON_SOCK" "$BERTH" save busybox
        [ "$status" -ne 0 ]
        [[ $output == *"cowardly refusing to save to a terminal"* ]] || fail "$output"
        n=$(cname exp)
        berth run --name "$n" busybox sh -c 'echo exported > /marker' >/dev/null
        run berth export -o "$DAEMON_DIR/fs.tar" "$n"
        assert_success
        tar -tf "$DAEMON_DIR/fs.tar" | grep -q '^marker$' || fail "no /marker in export"
        run berth import -c 'CMD ["/bin/sh"]' -m imported "$DAEMON_DIR/fs.tar" cli-test/imported:1
        assert_success
        run berth run --rm cli-test/imported:1 cat /marker
        [ "$output" = exported ] || fail "$output"
        run bash -c 'cat "$3" | "$1" -H "unix://$2" import - cli-test/imported:2' _ "$BERTH" "$DAEMON_SOCK" "$DAEMON_DIR/fs.tar"
        assert_success
        run berth rmi cli-test/imported:1 cli-test/imported:2 cli-test/bb:v1
        assert_success
        run berth rmi no-such-image
        [ "$status" -eq 1 ]
}

@test "cli: container prune and image prune" {
        n=$(cname prune)
        berth create --name "$n" busybox true >/dev/null
        run berth container prune -f
        assert_success
        [[ $output == *"Total reclaimed space:"* ]] || fail "$output"
        run berth ps -a -q --filter "name=$n"
        [ -z "$output" ] || fail "$output"
        run berth image prune -f
        assert_success
        [[ $output == *"Total reclaimed space:"* ]] || fail "$output"
        run berth images -q busybox
        [ -n "$output" ]
        # without -f it asks; "n" keeps everything
        run bash -c 'echo n | "$1" -H "unix://$2" system prune' _ "$BERTH" "$DAEMON_SOCK"
        assert_success
        [[ $output == *"Are you sure you want to continue? [y/N]"* ]] || fail "$output"
}

@test "cli: run forwards signals to the container (--sig-proxy)" {
        n=$(cname sig)
        out=$BATS_TEST_TMPDIR/sig.out
        DOCKER_HOST=unix://$DAEMON_SOCK "$BERTH" run --name "$n" busybox sh -c \
                'trap "echo got-term; exit 9" TERM; echo ready; while true; do sleep 0.1; done' \
                >"$out" 2>&1 3>&- &
        pid=$!
        wait_for 100 grep -q ready "$out" || fail "not ready: $(cat "$out")"
        kill -TERM "$pid"
        st=0
        wait "$pid" || st=$?
        [ "$st" -eq 9 ] || fail "status $st: $(cat "$out")"
        grep -q got-term "$out" || fail "$(cat "$out")"
}

@test "cli: logs -f follows a running container until it exits" {
        n=$(cname follow)
        berth run -d --name "$n" busybox sh -c 'for i in 1 2 3; do echo tick$i; sleep 0.3; done' >/dev/null
        run timeout 20 "$BERTH" -H "unix://$DAEMON_SOCK" logs -f "$n"
        assert_success
        [ "$output" = "$(printf 'tick1\ntick2\ntick3')" ] || fail "$output"
}

@test "cli: same output as the docker client" {
        have_docker || skip "no docker client installed"
        n=$(cname same)
        berth run -d --name "$n" -l k=v busybox sleep 1000 >/dev/null
        local c
        for c in "images" "images -q" "images --digests" "images --no-trunc" "history busybox" \
                "history --no-trunc -H=false busybox" "ps --filter name=$n --format {{.ID}}|{{.Image}}|{{.Names}}|{{.Labels}}" \
                "ps -a -q" "ps --no-trunc --filter name=$n -q" "top $n" "port $n" \
                "inspect $n" "inspect busybox" "inspect -f {{.Config.Labels}}|{{.Config.Env}}|{{.State.Running}} $n" \
                "inspect --type image -f {{.Id}} busybox" "stop no-such" "rm no-such" \
                "inspect no-such" "rename no-such x" "rmi no-such" "logs no-such" \
                "exec no-such true" "kill no-such"; do
                b=$(berth $c 2>&1; echo "rc=$?")
                d=$(dkr $c 2>&1; echo "rc=$?")
                [ "$b" = "$d" ] || fail "berth $c differs from docker:
--- berth
$b
--- docker
$d"
        done
}

@test "cli: start -ai feeds stdin; attach --no-stdin returns the exit status" {
        n=$(cname ai)
        berth create -i --name "$n" busybox sh -c 'read x; echo got:$x; exit 7' >/dev/null
        run bash -c 'echo hello | "$1" -H "unix://$2" start -ai "$3"' _ "$BERTH" "$DAEMON_SOCK" "$n"
        [ "$status" -eq 7 ] || fail "status $status: $output"
        [ "$output" = got:hello ] || fail "$output"
        n2=$(cname at)
        berth run -d --name "$n2" busybox sh -c 'sleep 1; echo late; exit 2' >/dev/null
        run berth attach --no-stdin "$n2"
        [ "$status" -eq 2 ] || fail "status $status: $output"
        [ "$output" = late ] || fail "$output"
        run berth attach "$n2"
        [ "$status" -eq 1 ]
        [[ $output == *"You cannot attach to a stopped container, start it first"* ]] || fail "$output"
}

@test "cli: large outputs keep every byte on the right stream (run and logs)" {
        n=$(cname big)
        out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
        DOCKER_HOST=unix://$DAEMON_SOCK "$BERTH" run --name "$n" busybox sh -c \
                'head -c 3000000 /dev/zero | tr "\0" a; head -c 200000 /dev/zero | tr "\0" b >&2' \
                >"$out" 2>"$err" 3>&-
        [ "$(wc -c <"$out")" -eq 3000000 ] || fail "stdout size $(wc -c <"$out")"
        [ "$(tr -d a <"$out" | wc -c)" -eq 0 ] || fail "stdout mixed"
        [ "$(wc -c <"$err")" -eq 200000 ] || fail "stderr size $(wc -c <"$err")"
        [ "$(tr -d b <"$err" | wc -c)" -eq 0 ] || fail "stderr mixed"
        run bash -c '"$1" -H "unix://$2" logs "$3" 2>/dev/null | wc -c' _ "$BERTH" "$DAEMON_SOCK" "$n"
        [ "$output" -eq 3000000 ] || fail "logs stdout: $output bytes"
}
