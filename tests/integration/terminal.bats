#!/usr/bin/env bats
# process.terminal: the pty master reaches the caller over --console-socket.

load helpers

# start_recvtty [INPUT]: the receiver on $SOCK, output in $TTY_OUT.
start_recvtty() {
        SOCK=$BATS_TEST_TMPDIR/console.sock
        TTY_OUT=$BATS_TEST_TMPDIR/tty.out
        python3 "$BATS_TEST_DIRNAME/recvtty.py" "$SOCK" "$@" >"$TTY_OUT" 2>"$BATS_TEST_TMPDIR/recvtty.err" 3>&- &
        RECVTTY_PID=$!
        wait_for 50 test -S "$SOCK" || fail "recvtty did not start: $(cat "$BATS_TEST_TMPDIR/recvtty.err")"
}

@test "terminal: run -d --console-socket gives a pty as stdio" {
        make_bundle sh -c 'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-ttys; stty size'
        update_config '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}'
        start_recvtty
        id=$(new_id)
        run_detached "$id" --console-socket "$SOCK"
        wait "$RECVTTY_PID"
        run cat "$TTY_OUT"
        assert_output_contains /dev/pts/0
        assert_output_contains all-ttys
        assert_output_contains "30 100"
}

@test "terminal: input written to the pty reaches the shell" {
        make_bundle sh
        update_config '.process.terminal = true'
        start_recvtty $'echo $((6*7))-answer\nexit\n'
        id=$(new_id)
        run_detached "$id" --console-socket "$SOCK"
        wait "$RECVTTY_PID"
        run cat "$TTY_OUT"
        assert_output_contains 42-answer
        wait_for 50 status_is "$id" stopped
}

@test "terminal: create + start with --console-socket" {
        make_bundle sh -c 'echo created-with-tty; tty'
        update_config '.process.terminal = true'
        start_recvtty
        id=$(new_id)
        rt create --bundle "$BUNDLE" --console-socket "$SOCK" "$id" </dev/null >"$BATS_TEST_TMPDIR/create.out" 2>&1 || fail "create: $(cat "$BATS_TEST_TMPDIR/create.out")"
        run rt start "$id"
        assert_success
        wait "$RECVTTY_PID"
        run cat "$TTY_OUT"
        assert_output_contains created-with-tty
        assert_output_contains /dev/pts/
}

@test "terminal: exec -t --console-socket into a running container" {
        make_bundle sleep 100
        id=$(new_id)
        run_detached "$id"
        start_recvtty
        rt exec -t --console-socket "$SOCK" -d "$id" sh -c 'tty; echo exec-tty' </dev/null >"$BATS_TEST_TMPDIR/exec.out" 2>&1 || fail "exec: $(cat "$BATS_TEST_TMPDIR/exec.out")"
        wait "$RECVTTY_PID"
        run cat "$TTY_OUT"
        assert_output_contains exec-tty
        assert_output_contains /dev/pts/
}

@test "terminal: terminal true without a console socket is refused when detached" {
        make_bundle sh
        update_config '.process.terminal = true'
        id=$(new_id)
        run rt_file run -d --bundle "$BUNDLE" "$id"
        assert_failure
}
