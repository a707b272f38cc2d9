#!/usr/bin/env bats
# berth-init, the init of `run --init`: a container whose process is
# /sbin/docker-init -- sh -c '...' (berth-init bind-mounted there read-only,
# as specgen does) must reap orphaned zombies, forward signals to its child
# and exit with the child's status.

load helpers

BERTH_INIT=${BERTH_INIT:-$TOP/build/src/init/berth-init}

setup() {
        common_setup
        [ -x "$BERTH_INIT" ] || fail "berth-init not found: $BERTH_INIT (build it, or set BERTH_INIT)"
}

teardown() {
        common_teardown
}

# init_bundle SCRIPT: the busybox bundle running berth-init -- sh -c SCRIPT,
# with berth-init mounted at /sbin/docker-init as Docker mounts its init.
init_bundle() {
        make_bundle /sbin/docker-init -- sh -c "$1"
        update_config '.mounts += [{"destination": "/sbin/docker-init", "type": "bind",
                "source": $src, "options": ["bind", "ro"]}]' --arg src "$BERTH_INIT"
}

@test "init: the child's exit status is the container's" {
        init_bundle 'exit 7'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        [ "$status" -eq 7 ] || fail "expected 7, got $status: $output"
}

@test "init: a child killed by a signal gives 128+signal" {
        init_bundle 'kill -KILL $$'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        [ "$status" -eq 137 ] || fail "expected 137, got $status: $output"
}

@test "init: runs as PID 1 with the command as its child" {
        init_bundle 'echo "pid=$$ ppid=$PPID"; cat /proc/1/cmdline | tr "\0" " "'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains "ppid=1"
        assert_output_contains "/sbin/docker-init -- sh -c"
}

@test "init: orphaned zombies are reaped" {
        # The inner shell leaves a background sleep behind and exits: the
        # sleep is re-parented to PID 1 (berth-init, not the shell) and,
        # once it exits, must disappear from /proc, i.e. be reaped.
        init_bundle 'sh -c "sleep 0.5 & echo \$! >/tmp/orphan; exit 0"; sleep 0.2
                read -r pid </tmp/orphan
                grep -q "^PPid:[[:space:]]*1$" /proc/$pid/status || { echo "not re-parented"; exit 2; }
                sleep 1.2
                [ -e /proc/$pid ] && { echo "zombie: $(cat /proc/$pid/stat)"; exit 1; }
                exit 0'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        [ "$status" -eq 0 ] || fail "orphan not reaped (status $status): $output"
}

@test "init: signals sent to the container reach the command" {
        init_bundle 'trap "echo term >/tmp/got; exit 3" TERM
                trap "echo usr1 >>/tmp/got" USR1
                echo ready >/tmp/ready
                while :; do sleep 0.1; done'
        id=$(new_id)
        run_detached "$id"
        wait_for 50 test -e "$BUNDLE/rootfs/tmp/ready" || fail "the command did not start"
        rt kill "$id" USR1
        wait_for 50 grep -q usr1 "$BUNDLE/rootfs/tmp/got" || fail "USR1 was not forwarded"
        rt kill "$id" TERM
        wait_for 50 status_is "$id" stopped || fail "the container did not stop on TERM"
        grep -q term "$BUNDLE/rootfs/tmp/got" || fail "TERM was not forwarded"
}

@test "init: a command that cannot be run gives 127" {
        init_bundle 'true'
        set_args /sbin/docker-init -- /no/such/command
        id=$(new_id)
        status=0
        output=$(rt run --bundle "$BUNDLE" "$id" 2>&1) || status=$?
        [ "$status" -eq 127 ] || fail "expected 127, got $status: $output"
        assert_output_contains "berth-init: exec /no/such/command"
}

@test "init: usage errors" {
        run "$BERTH_INIT"
        [ "$status" -eq 2 ] || fail "expected 2, got $status"
        assert_output_contains "usage: berth-init"
        run "$BERTH_INIT" --bogus -- true
        [ "$status" -eq 2 ] || fail "expected 2, got $status"
}
