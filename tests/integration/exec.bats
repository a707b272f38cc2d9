#!/usr/bin/env bats
# exec into a running container.

load helpers

start_sleeper() {
        make_bundle sleep 1000
        id=$(new_id)
        run_detached "$id"
}

@test "exec: runs in the container's namespaces and root" {
        start_sleeper
        run rt exec "$id" sh -c 'ps -o pid,args; hostname; ls /'
        assert_success
        # pid 1 is the container's sleep.
        [[ $output == *"1 sleep 1000"* ]] || [[ $output == *"    1 root"*"sleep 1000"* ]] || fail "$output"
        assert_output_contains linuxrc
        pid=$(container_pid "$id")
        # Same namespaces as the container's init.
        run rt exec "$id" sh -c 'for n in pid mnt net ipc uts; do readlink /proc/self/ns/$n; done'
        assert_success
        for i in 0 1 2 3 4; do
                ns=$(echo pid mnt net ipc uts | cut -d' ' -f$((i + 1)))
                assert_equal "${lines[$i]}" "$(readlink /proc/$pid/ns/$ns)"
        done
}

@test "exec: exit status propagates" {
        start_sleeper
        run rt exec "$id" sh -c 'exit 7'
        [ "$status" -eq 7 ] || fail "expected 7, got $status: $output"
        run rt exec "$id" false
        [ "$status" -eq 1 ]
        run rt exec "$id" true
        assert_success
}

@test "exec: stdout, stderr and stdin" {
        start_sleeper
        run bash -c 'echo input-line | "$1" --root "$2" exec "$3" sh -c "read l; echo out:\$l; echo err >&2" 3>&-' _ "$RUNTIME" "$ROOT" "$id"
        assert_success
        assert_output_contains out:input-line
        assert_output_contains err
}

@test "exec: -e, --cwd and -u" {
        start_sleeper
        run rt exec -e FOO=bar -e BAZ=qux --cwd /tmp -u 1000:1001 "$id" sh -c 'echo $FOO $BAZ; pwd; id -u; id -g'
        assert_success
        assert_equal "${lines[0]}" "bar qux"
        assert_equal "${lines[1]}" /tmp
        assert_equal "${lines[2]}" 1000
        assert_equal "${lines[3]}" 1001
}

@test "exec -u: user and group names from the container's /etc/passwd and /etc/group" {
        make_bundle sleep 1000
        echo 'app:x:1234:4321:App:/:/bin/sh' >>"$BUNDLE/rootfs/etc/passwd"
        printf 'appgrp:x:4321:\nextra:x:777:app\n' >>"$BUNDLE/rootfs/etc/group"
        id=$(new_id)
        run_detached "$id"
        run rt exec -u app "$id" id
        assert_success
        assert_equal "$output" "uid=1234(app) gid=4321(appgrp) groups=777(extra)"
        run rt exec --user app:nobody "$id" sh -c 'id -u; id -g'
        assert_success
        assert_equal "${lines[0]}" 1234
        assert_equal "${lines[1]}" 65534
        run rt exec --user=0:appgrp "$id" sh -c 'id -u; id -g'
        assert_success
        assert_equal "${lines[0]}" 0
        assert_equal "${lines[1]}" 4321
        run rt exec -u nosuchuser "$id" true
        assert_failure
        assert_output_contains "no user 'nosuchuser' in the container's /etc/passwd"
        # the container's file, not the host's: a host-only name is unknown
        run rt exec -u "$(id -un 0):nosuchgroup" "$id" true
        assert_failure
        assert_output_contains "no group 'nosuchgroup'"
}

@test "exec: the container's environment is the base for exec" {
        make_bundle sleep 1000
        update_config '.process.env += ["FROM_CONFIG=yes"]'
        id=$(new_id)
        run_detached "$id"
        run rt exec "$id" env
        assert_success
        assert_output_contains FROM_CONFIG=yes
}

@test "exec --process: a process.json" {
        start_sleeper
        cat >"$BATS_TEST_TMPDIR/process.json" <<'JSON'
{
  "terminal": false,
  "user": {"uid": 65534, "gid": 65534, "additionalGids": [10]},
  "args": ["sh", "-c", "echo $MSG; pwd; id -u; id -G; exit 3"],
  "env": ["PATH=/bin:/usr/bin", "MSG=from-process-json"],
  "cwd": "/tmp",
  "capabilities": {"bounding": ["CAP_KILL"], "effective": [], "permitted": []},
  "noNewPrivileges": true
}
JSON
        run rt exec --process "$BATS_TEST_TMPDIR/process.json" "$id"
        [ "$status" -eq 3 ] || fail "expected 3, got $status: $output"
        assert_equal "${lines[0]}" from-process-json
        assert_equal "${lines[1]}" /tmp
        assert_equal "${lines[2]}" 65534
        [[ ${lines[3]} == *10* ]] || fail "groups: ${lines[3]}"
}

@test "exec --process: rlimits and capabilities from the file" {
        start_sleeper
        cat >"$BATS_TEST_TMPDIR/process.json" <<'JSON'
{
  "args": ["sh", "-c", "ulimit -n; grep CapEff /proc/self/status"],
  "env": ["PATH=/bin"],
  "cwd": "/",
  "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 321, "hard": 321}],
  "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}
}
JSON
        run rt exec --process "$BATS_TEST_TMPDIR/process.json" "$id"
        assert_success
        assert_equal "${lines[0]}" 321
        assert_output_contains "CapEff:	0000000000000020"
}

@test "exec -d --pid-file: detached exec" {
        start_sleeper
        rt exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$id" sh -c 'echo detached >/tmp/marker; sleep 1000' </dev/null >/dev/null 2>&1
        pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
        [ -d "/proc/$pid" ] || fail "no process $pid"
        grep -q "sleep" "/proc/$pid/cmdline" || grep -q "sh" "/proc/$pid/cmdline"
        wait_for 50 test -s "$BUNDLE/rootfs/tmp/marker"
        # The exec'd process is part of the container: ps lists it.
        run rt ps --format json "$id"
        jq -e --argjson p "$pid" 'index($p) != null' <<<"$output" >/dev/null || fail "ps: $output"
}

@test "exec: the process is in the container's cgroup" {
        make_bundle sleep 1000
        id=$(new_id)
        use_cgroup "$id"
        run_detached "$id"
        run rt exec "$id" cat /proc/self/cgroup
        assert_success
        assert_output_contains "berth-test-$id"
}

@test "exec: into a stopped container fails" {
        make_bundle true
        id=$(new_id)
        run_detached "$id"
        wait_for 50 status_is "$id" stopped
        run rt exec "$id" true
        assert_failure
}

@test "exec: into an unknown container fails" {
        mkdir -p "$ROOT"
        run rt exec no-such-container true
        assert_failure
}

@test "exec: a missing binary is reported with its name" {
        start_sleeper
        run rt exec "$id" /bin/no-such-binary
        assert_failure
        assert_output_contains no-such-binary
        status_is "$id" running
}
