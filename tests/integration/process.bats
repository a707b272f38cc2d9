#!/usr/bin/env bats
# The process: args, env, cwd, user, groups, umask, rlimits, oomScoreAdj.

load helpers

@test "env: exactly the configured environment" {
        make_bundle env
        update_config '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains "FOO=bar baz"
        assert_output_contains "EMPTY="
        assert_output_contains "PATH=/bin:/usr/bin"
        # Nothing from the runtime's own environment.
        assert_output_not_contains "BATS_"
}

@test "args: resolved through PATH from process.env" {
        make_bundle true
        update_config '.process.env = ["PATH=/usr/bin"] | .process.args = ["env", "A=1"]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains "A=1"
}

@test "cwd: the process starts in process.cwd, created if missing" {
        make_bundle pwd
        update_config '.process.cwd = "/var/work/dir"'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "$output" /var/work/dir
}

@test "user: uid, gid and additionalGids" {
        make_bundle sh -c 'id -u; id -g; id -G; grep -E "^(Uid|Gid|Groups):" /proc/self/status'
        update_config '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [10, 20, 65534]}'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "${lines[0]}" 1000
        assert_equal "${lines[1]}" 1001
        [[ ${lines[2]} == *10* && ${lines[2]} == *20* && ${lines[2]} == *65534* ]] || fail "groups: ${lines[2]}"
        [[ $output == *"Uid:	1000	1000	1000	1000"* ]] || fail "$output"
        [[ $output == *"Groups:	10 20 65534"* ]] || fail "$output"
}

@test "user: a non-root user cannot write where root owns" {
        make_bundle sh -c 'touch /root/x 2>&1; echo x >/etc/passwd 2>&1; echo done'
        update_config '.process.user = {"uid": 65534, "gid": 65534}'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_output_contains "Permission denied"
        [ ! -e "$BUNDLE/rootfs/root/x" ]
}

@test "user: umask" {
        make_bundle sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
        update_config '.process.user.umask = 63'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "${lines[0]}" 0077
        assert_equal "${lines[1]}" 600
}

@test "rlimits: soft and hard limits" {
        make_bundle sh -c 'ulimit -n; ulimit -Hn; ulimit -c; ulimit -Sc'
        update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}, {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "${lines[0]}" 123
        assert_equal "${lines[1]}" 456
        assert_equal "${lines[2]}" 0
}

@test "rlimits: RLIMIT_NPROC shows in /proc/self/limits" {
        make_bundle sh -c 'grep "Max processes" /proc/self/limits'
        update_config '.process.rlimits = [{"type": "RLIMIT_NPROC", "soft": 77, "hard": 88}]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        [[ $output == *"Max processes"*77*88*processes* ]] || fail "$output"
}

@test "oomScoreAdj" {
        make_bundle cat /proc/self/oom_score_adj
        update_config '.process.oomScoreAdj = 500'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "$output" 500
}

@test "stdin: the process reads the runtime's stdin" {
        make_bundle sh -c 'read line; echo "got:$line"'
        id=$(new_id)
        run bash -c 'echo piped-in | "$1" --root "$2" run --bundle "$3" "$4" 3>&-' _ "$RUNTIME" "$ROOT" "$BUNDLE" "$id"
        assert_success
        assert_equal "$output" "got:piped-in"
}

@test "mounts: /dev/shm, /dev/mqueue, /dev/pts are usable" {
        make_bundle sh -c 'echo shm >/dev/shm/x && cat /dev/shm/x; ls -d /dev/mqueue; ls /dev/pts'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains shm
        assert_output_contains ptmx
}
