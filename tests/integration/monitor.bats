#!/usr/bin/env bats
# berth-monitor driven directly (no daemon), with tests/integration/monitor_sync.py
# playing berthd's side of the sync protocol (src/monitor/monitor.h).
#
# The monitor under test is $BERTH_MONITOR (default: the repo's build), the
# runtime used to check and clean up is $BERTH_RUNTIME (same build).

BUILD_DIR=${BERTH_BUILD:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build}
export BERTH_RUNTIME=${BERTH_RUNTIME:-$BUILD_DIR/src/runtime/berth-runtime}
MONITOR=${BERTH_MONITOR:-$BUILD_DIR/src/monitor/berth-monitor}
load helpers

SYNC="$BATS_TEST_DIRNAME/monitor_sync.py"
PY=$(command -v /usr/bin/python3 || command -v python3)

setup() {
        common_setup
        [ -x "$MONITOR" ] || fail "berth-monitor not built at $MONITOR"
        EXECDIR=$BATS_TEST_TMPDIR/exec
        mkdir -p "$EXECDIR"
        ID=$(new_id)
        LOG=$EXECDIR/ctr-json.log
}

teardown() {
        local pid
        if [ -f "$EXECDIR/monitor.pid" ]; then
                pid=$(cat "$EXECDIR/monitor.pid")
                # a monitor still running at teardown is a failure; stop it
                if kill -0 "$pid" 2>/dev/null; then
                        rt kill "$ID" KILL >/dev/null 2>&1 || true
                        wait_for 50 not_alive "$pid" || kill -9 "$pid" 2>/dev/null
                fi
        fi
        common_teardown
}

not_alive() { ! kill -0 "$1" 2>/dev/null; }

# mon ARGS...: monitor_sync.py ARGS... -- berth-monitor (this test's
# options); its stdout (the sync messages) in $output via `run`.
mon_args() {
        echo --id "$ID" --bundle "$BUNDLE" --dir "$EXECDIR" --runtime-root "$ROOT" \
                --log-path "$LOG"
}

mon() {
        local sep=() extra=()
        while [ $# -gt 0 ] && [ "$1" != "--" ]; do
                sep+=("$1")
                shift
        done
        [ $# -gt 0 ] && shift
        extra=("$@")
        # the monitor keeps stderr: a file, so that `run` does not wait on it
        "$PY" "$SYNC" run "${sep[@]}" -- "$MONITOR" $(mon_args) "${extra[@]}" \
                2>>"$BATS_TEST_TMPDIR/monitor.err" 3>&-
}

monitor_pid() { cat "$EXECDIR/monitor.pid"; }

# Waits for exit.json and for the monitor to be gone.
wait_exit() {
        wait_for 100 test -f "$EXECDIR/exit.json" || fail "no exit.json; stderr: $(cat "$BATS_TEST_TMPDIR/monitor.err")"
        wait_for 100 not_alive "$(monitor_pid)" || fail "monitor still runs after exit.json"
}

exit_field() { jq -r ".$1" "$EXECDIR/exit.json"; }

assert_clean() {
        [ ! -e "$ROOT/$ID" ] || fail "runtime state left: $ROOT/$ID"
        [ ! -e "$EXECDIR/attach.sock" ] || fail "attach.sock left"
        [ ! -e "$EXECDIR/ctl.sock" ] || fail "ctl.sock left"
        wait_for 30 no_cgroups "$ID" || fail "cgroups left: $(find_cgroups "$ID")"
}

@test "monitor: created, started, exit 0: exit.json, json-file log, nothing left" {
        make_bundle sh -c 'echo out; echo err >&2'
        run mon
        assert_success
        [[ ${lines[0]} == '{"status":"created","pid":'*',"monitor_pid":'* ]] || fail "$output"
        [[ ${lines[1]} == '{"status":"started","pid":'* ]] || fail "$output"
        local pid
        pid=$(jq -r .pid <<<"${lines[0]}")
        [ "$(jq -r .pid <<<"${lines[1]}")" = "$pid" ]
        wait_exit
        [ "$(jq -r .monitor_pid <<<"${lines[0]}")" = "$(monitor_pid)" ]
        [ "$(exit_field ExitCode)" = 0 ]
        [ "$(exit_field OOMKilled)" = false ]
        [ "$(exit_field Error)" = "" ]
        [[ $(exit_field FinishedAt) =~ ^20[0-9][0-9]-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$ ]]
        run jq -c '[.log, .stream]' "$LOG"
        assert_success
        [[ $output == *'["out\n","stdout"]'* ]] || fail "$output"
        [[ $output == *'["err\n","stderr"]'* ]] || fail "$output"
        [ "$(jq -r .time "$LOG" | grep -cE '^20[0-9-]+T[0-9:]+\.[0-9]{9}Z$')" = 2 ]
        assert_clean
}

@test "monitor: exit codes 3 and 128+signal" {
        make_bundle sh -c 'exit 3'
        run mon
        assert_success
        wait_exit
        [ "$(exit_field ExitCode)" = 3 ]
        assert_clean

        # (the init of a pid namespace only dies of signals sent from outside)
        rm -rf "$EXECDIR" && mkdir -p "$EXECDIR"
        make_bundle sleep 100
        run mon
        assert_success
        rt kill "$ID" KILL
        wait_exit
        [ "$(exit_field ExitCode)" = 137 ]
        assert_clean
}

@test "monitor: attach.sock gets stdout and stderr as multiplexed frames" {
        make_bundle sh -c 'echo one; echo two >&2; echo three'
        run mon --attach "$BATS_TEST_TMPDIR/att"
        assert_success
        wait_exit
        run "$PY" "$SYNC" frames "$BATS_TEST_TMPDIR/att"
        assert_success
        [ "$output" = "$(printf '1:one\n1:three\n2:two')" ] || fail "frames: $output"
}

@test "monitor: stdin from an attach client reaches the container (cat), stdin-once closes it" {
        make_bundle cat
        run mon --attach "$BATS_TEST_TMPDIR/att" --stdin "$(printf 'hello\nworld')" --stdin-close \
                -- --stdin --stdin-once
        assert_success
        wait_exit
        [ "$(exit_field ExitCode)" = 0 ]
        run "$PY" "$SYNC" frames "$BATS_TEST_TMPDIR/att"
        [ "$output" = "$(printf '1:hello\n1:world')" ] || fail "frames: $output"
        run jq -r .log "$LOG"
        [ "$output" = "$(printf 'hello\n\nworld')" ] || fail "log: $output"
}

@test "monitor: tty: raw output, a pty in the container, resize through ctl.sock" {
        # waits (at most 30 s) until the tty has the size the test sets
        make_bundle sh -c 'tty; i=0; while [ "$(stty size 2>/dev/null)" != "40 100" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; stty size; echo done'
        update_config '.process.terminal = true'
        mon --attach "$BATS_TEST_TMPDIR/att" -- --tty >"$BATS_TEST_TMPDIR/sync.out" &
        local bg=$!
        wait_for 100 test -s "$BATS_TEST_TMPDIR/att" || fail "no attach output: $(cat "$BATS_TEST_TMPDIR/sync.out")"
        run "$PY" "$SYNC" resize "$EXECDIR/ctl.sock" 40 100
        [ "$output" = '{"ok":true}' ] || fail "resize: $output"
        wait "$bg" || fail "sync: $(cat "$BATS_TEST_TMPDIR/sync.out")"
        wait_exit
        [ "$(exit_field ExitCode)" = 0 ]
        run cat "$BATS_TEST_TMPDIR/att"
        # raw bytes (a tty turns \n into \r\n), no frame headers
        [[ $output == /dev/pts/0$'\r\n'* ]] || fail "attach: $output"
        [[ $output == *"40 100"$'\r\n'"done"* ]] || fail "attach: $output"
        run jq -r .stream "$LOG"
        [[ $output != *stderr* ]] || fail "tty logs have only stdout: $output"
        grep -q '40 100' "$LOG"
        assert_clean
}

@test "monitor: json-file log rotation with a small max size" {
        make_bundle sh -c 'i=0; while [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); done'
        run mon -- --log-max-size 2000 --log-max-file 3
        assert_success
        wait_exit
        [ -f "$LOG" ] && [ -f "$LOG.1" ] && [ -f "$LOG.2" ]
        [ ! -e "$LOG.3" ] || fail "more than 3 files"
        local f
        for f in "$LOG" "$LOG.1" "$LOG.2"; do
                [ "$(stat -c %s "$f")" -le 2000 ] || fail "$f is larger than 2000 bytes"
        done
        [ "$(tail -n1 "$LOG" | jq -r .log)" = "line 299" ]
        # the files continue each other: last of .1 + 1 = first of the current
        local last first
        last=$(tail -n1 "$LOG.1" | jq -r .log | cut -d' ' -f2)
        first=$(head -n1 "$LOG" | jq -r .log | cut -d' ' -f2)
        [ "$((last + 1))" = "$first" ]
}

@test "monitor: berthd giving up before start: the container is deleted, no exit.json" {
        make_bundle sleep 100
        run mon --no-start
        assert_success
        [[ ${lines[0]} == '{"status":"created"'* ]]
        wait_for 100 not_alive "$(monitor_pid)" || fail "monitor still runs"
        [ ! -e "$EXECDIR/exit.json" ]
        assert_clean
}

@test "monitor: a bundle that cannot be created: an error message, nothing left" {
        make_bundle /nonexistent-binary
        update_config '.root.path = "/nonexistent-rootfs"'
        run mon
        assert_failure
        [[ ${lines[0]} == '{"status":"error","message":'* ]] || fail "$output"
        [[ $output == *nonexistent-rootfs* ]] || fail "$output"
        wait_for 50 not_alive "$(monitor_pid 2>/dev/null || echo 0)" || true
        assert_clean
}

@test "monitor: outlives its starter, ignores SIGTERM, records a kill by the runtime" {
        make_bundle sleep 100
        # the starter (monitor_sync.py) has exited when `run` returns
        run mon
        assert_success
        local mpid
        mpid=$(monitor_pid)
        kill -0 "$mpid"
        # detached: its own session, not a child of this shell
        [ "$(ps -o sid= -p "$mpid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
        [ "$(ps -o ppid= -p "$mpid" | tr -d ' ')" != "$$" ]
        [ "$(container_status "$ID")" = running ]
        kill -TERM "$mpid"
        sleep 0.3
        kill -0 "$mpid" || fail "SIGTERM stopped the monitor"
        [ "$(container_status "$ID")" = running ]
        rt kill "$ID" KILL
        wait_exit
        [ "$(exit_field ExitCode)" = 137 ]
        assert_clean
}

@test "monitor: an OOM kill in the container's cgroup is recorded as OOMKilled" {
        make_bundle sh -c 'x=$(head -c 200m /dev/zero | tr "\0" a); echo survived'
        update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
        run mon
        assert_success
        wait_exit
        [ "$(exit_field OOMKilled)" = true ] || fail "exit.json: $(cat "$EXECDIR/exit.json")"
        [ "$(exit_field ExitCode)" = 137 ]
        assert_clean

        # and a container that is not OOM-killed is not reported so
        rm -rf "$EXECDIR" && mkdir -p "$EXECDIR"
        make_bundle sh -c 'exit 0'
        update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
        run mon
        wait_exit
        [ "$(exit_field OOMKilled)" = false ]
}

@test "monitor: stdout and stderr are read as they come (log in time order)" {
        make_bundle sh -c 'echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three; sleep 0.3; echo four >&2'
        run mon
        assert_success
        wait_exit
        run jq -r '.stream + ":" + .log' "$LOG"
        [ "$output" = "$(printf 'stdout:one\n\nstderr:two\n\nstdout:three\n\nstderr:four\n')" ] || fail "$output"
}

@test "monitor: an attach client that never reads does not block the container" {
        # 4 MB of output while a client sits on attach.sock without reading
        make_bundle sh -c 'sleep 0.5; i=0; while [ $i -lt 40 ]; do head -c 100000 /dev/zero | tr "\0" a; echo; i=$((i+1)); done; echo end'
        mon >"$BATS_TEST_TMPDIR/sync.out" &
        local bg=$!
        wait_for 100 test -S "$EXECDIR/attach.sock" || fail "no attach.sock"
        "$PY" "$SYNC" stall "$EXECDIR/attach.sock" 60 >"$BATS_TEST_TMPDIR/stall.out" 3>&- &
        local stall=$!
        wait_for 100 grep -q attached "$BATS_TEST_TMPDIR/stall.out"
        wait_exit
        wait "$bg" || fail "sync: $(cat "$BATS_TEST_TMPDIR/sync.out")"
        # the monitor hung up on the stalled client when it was done
        wait_for 50 not_alive "$stall" || { kill "$stall"; fail "stalled client not closed"; }
        [ "$(exit_field ExitCode)" = 0 ]
        [ "$(tail -n1 "$LOG" | jq -r .log)" = "end" ] || fail "log incomplete"
        [ "$(jq -r .log "$LOG" | tr -d '\n' | wc -c)" = $((40 * 100000 + 3)) ]
}
