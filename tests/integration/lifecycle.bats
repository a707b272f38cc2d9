#!/usr/bin/env bats
# create/start/state/kill/delete/list and run: the container lifecycle.

load helpers

@test "run: exit status of the process is the runtime's exit status" {
        make_bundle sh -c 'exit 42'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        [ "$status" -eq 42 ] || fail "expected 42, got $status: $output"
        # A foreground run deletes the container when it exits.
        run rt state "$id"
        assert_failure
}

@test "run: stdout and stderr of the process reach the caller" {
        make_bundle sh -c 'echo to-stdout; echo to-stderr >&2'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains to-stdout
        assert_output_contains to-stderr
}

@test "run: a container killed by a signal gives 128+signal" {
        make_bundle sleep 100
        id=$(new_id)
        rt run --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 &
        runner=$!
        wait_for 50 status_is "$id" running || fail "not running"
        run rt kill "$id" KILL
        assert_success
        st=0
        wait "$runner" || st=$?
        [ "$st" -eq 137 ] || fail "expected 137, got $st"
}

@test "run: --bundle defaults to the current directory" {
        make_bundle echo from-cwd-bundle
        id=$(new_id)
        run bash -c 'cd "$1" && "$2" --root "$3" run "$4" </dev/null 3>&-' _ "$BUNDLE" "$RUNTIME" "$ROOT" "$id"
        assert_success
        assert_output_contains from-cwd-bundle
}

@test "create, start, state, delete: status goes created -> running -> stopped" {
        make_bundle sleep 100
        id=$(new_id)
        run rt_file create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$id"
        assert_success
        run rt state "$id"
        assert_success
        [ "$(jq -r .status <<<"$output")" = created ]
        [ "$(jq -r .id <<<"$output")" = "$id" ]
        [ "$(jq -r .ociVersion <<<"$output")" != null ]
        [ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
        pid=$(jq -r .pid <<<"$output")
        [ "$pid" -gt 0 ]
        # --pid-file holds the container's init pid, as state reports it.
        [ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$pid" ]
        [ -d "/proc/$pid" ]

        run rt start "$id"
        assert_success
        status_is "$id" running
        [ "$(readlink /proc/$pid/exe)" != "$(readlink -f "$RUNTIME")" ]

        run rt kill "$id" KILL
        assert_success
        wait_for 50 status_is "$id" stopped || fail "not stopped: $(rt state "$id")"

        run rt delete "$id"
        assert_success
        run rt state "$id"
        assert_failure
        [ ! -d "/proc/$pid" ] || [ "$(cat /proc/$pid/stat 2>/dev/null | cut -d' ' -f3)" = Z ] || ! grep -q sleep "/proc/$pid/cmdline" 2>/dev/null
}

@test "start: a container can be started only once" {
        make_bundle sleep 100
        id=$(new_id)
        rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1
        run rt start "$id"
        assert_success
        run rt start "$id"
        assert_failure
}

@test "start: a failed exec is reported by start with the path and the errno" {
        make_bundle /bin/late
        cp "$BUNDLE/rootfs/bin/busybox" "$BUNDLE/rootfs/bin/late"
        id=$(new_id)
        rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 || fail "create failed"
        # the binary goes away between create and start
        rm "$BUNDLE/rootfs/bin/late"
        run rt start "$id"
        [ "$status" -eq 1 ] || fail "expected status 1, got $status: $output"
        assert_equal "$output" "berth-runtime: exec '/bin/late': No such file or directory"
        wait_for 50 status_is "$id" stopped || fail "not stopped: $(rt state "$id")"
        # a successful start says nothing and leaves no exec.status behind
        make_bundle sleep 100
        id=$(new_id)
        rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 || fail "create failed"
        run rt start "$id"
        assert_success
        assert_equal "$output" ""
        [ ! -e "$ROOT/$id/exec.status" ] || fail "exec.status left behind"
        status_is "$id" running
}

@test "run: a binary that cannot be executed is reported with the path and the errno" {
        make_bundle /bin/garbage
        printf 'not a program\n' >"$BUNDLE/rootfs/bin/garbage"
        chmod +x "$BUNDLE/rootfs/bin/garbage"
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        [ "$status" -ne 0 ] || fail "run succeeded: $output"
        assert_output_contains "exec '/bin/garbage': Exec format error"
        assert_nothing_left "$id"
        # and from start after create
        id=$(new_id)
        rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 || fail "create failed"
        run rt start "$id"
        assert_equal "$output" "berth-runtime: exec '/bin/garbage': Exec format error"
}

@test "create: an id that is already in use is refused" {
        make_bundle sleep 100
        id=$(new_id)
        run_detached "$id"
        run rt_file create --bundle "$BUNDLE" "$id"
        assert_failure
        status_is "$id" running
}

@test "state: an unknown container is an error" {
        mkdir -p "$ROOT"
        run rt state no-such-container
        assert_failure
}

@test "delete: a running container is refused without --force, removed with it" {
        make_bundle sleep 100
        id=$(new_id)
        run_detached "$id"
        pid=$(container_pid "$id")
        run rt delete "$id"
        assert_failure
        status_is "$id" running
        run rt delete --force "$id"
        assert_success
        run rt state "$id"
        assert_failure
        wait_for 30 eval '! kill -0 '"$pid"' 2>/dev/null' || fail "process $pid survived delete --force"
        assert_nothing_left "$id"
}

@test "delete: a created (never started) container is removed" {
        make_bundle sleep 100
        id=$(new_id)
        use_cgroup "$id"
        rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1
        [ -n "$(find_cgroups "$id")" ] || fail "no cgroup while created"
        run rt delete --force "$id"
        assert_success
        assert_nothing_left "$id"
}

@test "kill: signals by name, by SIG-name and by number" {
        make_bundle sh -c 'trap "echo got-usr1 >>/tmp/sig" USR1; trap "echo got-hup >>/tmp/sig" HUP; trap "echo got-term >>/tmp/sig; exit 0" TERM; while :; do sleep 0.1; done'
        id=$(new_id)
        run_detached "$id"
        sleep 0.3
        run rt kill "$id" USR1
        assert_success
        run rt kill "$id" SIGHUP
        assert_success
        sleep 0.3
        run rt exec "$id" cat /tmp/sig
        assert_output_contains got-usr1
        assert_output_contains got-hup
        run rt kill "$id" 15
        assert_success
        wait_for 50 status_is "$id" stopped
}

@test "kill: the default signal is SIGTERM" {
        make_bundle sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
        id=$(new_id)
        run_detached "$id"
        sleep 0.3
        run rt kill "$id"
        assert_success
        wait_for 50 status_is "$id" stopped || fail "SIGTERM did not stop the container"
}

@test "kill: an unknown signal is refused" {
        make_bundle sleep 100
        id=$(new_id)
        run_detached "$id"
        run rt kill "$id" SIGNOPE
        assert_failure
        status_is "$id" running
}

@test "kill --all: every process of the container gets the signal" {
        make_bundle sh -c 'sleep 100 & sleep 100 & wait'
        id=$(new_id)
        use_cgroup "$id"
        run_detached "$id"
        wait_for 30 eval '[ "$(rt ps "$id" 2>/dev/null | wc -l)" -ge 4 ]' || fail "no sleeps: $(rt ps "$id")"
        pids=$(cat "$(cgroup_dir pids)/cgroup.procs")
        run rt kill --all "$id" KILL
        assert_success
        wait_for 50 status_is "$id" stopped
        for p in $pids; do
                wait_for 30 eval '! kill -0 '"$p"' 2>/dev/null' || fail "pid $p survived kill --all"
        done
}

@test "kill: a stopped container cannot be signalled" {
        make_bundle true
        id=$(new_id)
        run_detached "$id"
        wait_for 50 status_is "$id" stopped
        run rt kill "$id" KILL
        assert_failure
}

@test "list: shows ids, pids, status and bundle; -q lists ids only; --format json" {
        make_bundle sleep 100
        id1=$(new_id)
        id2=$(new_id)
        run_detached "$id1"
        rt create --bundle "$BUNDLE" "$id2" </dev/null >/dev/null 2>&1
        run rt list
        assert_success
        [[ ${lines[0]} == ID*PID*STATUS*BUNDLE*CREATED* ]] || fail "header: ${lines[0]}"
        assert_output_contains "$id1"
        assert_output_contains "$id2"
        line=$(grep "^$id1 " <<<"$output")
        [[ $line == *" $(container_pid "$id1") "* ]] || fail "no pid in: $line"
        [[ $line == *running*"$BUNDLE"* ]] || fail "no status/bundle in: $line"
        [[ $(grep "^$id2 " <<<"$output") == *created* ]] || fail "id2 not created"

        run rt list -q
        assert_success
        [ "$(sort <<<"$output")" = "$(printf '%s\n' "$id1" "$id2" | sort)" ]

        run rt list --format json
        assert_success
        [ "$(jq length <<<"$output")" -eq 2 ]
        [ "$(jq -r --arg id "$id1" '.[] | select(.id == $id) | .status' <<<"$output")" = running ]
        [ "$(jq -r --arg id "$id2" '.[] | select(.id == $id) | .status' <<<"$output")" = created ]
        [ "$(jq -r --arg id "$id1" '.[] | select(.id == $id) | .bundle' <<<"$output")" = "$BUNDLE" ]
        [ "$(jq -r --arg id "$id1" '.[] | select(.id == $id) | .pid' <<<"$output")" = "$(container_pid "$id1")" ]
        [ "$(jq -r --arg id "$id1" '.[] | select(.id == $id) | .created' <<<"$output")" != null ]
}

@test "list: an empty or missing root lists nothing" {
        run rt list -q
        assert_success
        [ -z "$output" ]
}

@test "ps: lists the container's processes; --format json gives pids" {
        make_bundle sh -c 'sleep 100 & wait'
        id=$(new_id)
        run_detached "$id"
        wait_for 30 eval 'rt ps "$id" 2>/dev/null | grep -q "sleep 100"' || fail "$(rt ps "$id" 2>&1)"
        run rt ps "$id"
        assert_success
        [[ ${lines[0]} == *PID* ]] || fail "no header: ${lines[0]}"
        run rt ps --format json "$id"
        assert_success
        [ "$(jq length <<<"$output")" -eq 2 ]
        jq -e --argjson p "$(container_pid "$id")" 'index($p) != null' <<<"$output" >/dev/null
}

@test "spec: writes a config.json that runs" {
        mkdir -p "$BUNDLE"
        "$FIXTURES/make-rootfs" "$BUNDLE/rootfs"
        run bash -c 'cd "$1" && "$2" spec' _ "$BUNDLE" "$RUNTIME"
        assert_success
        jq -e '.ociVersion and .process.args and .root.path == "rootfs" and .linux.namespaces' "$BUNDLE/config.json" >/dev/null
        # spec refuses to overwrite an existing file.
        run bash -c 'cd "$1" && "$2" spec' _ "$BUNDLE" "$RUNTIME"
        assert_failure
        update_config '.process.terminal = false | .process.args = ["echo", "spec-ok"]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains spec-ok
}

@test "--log and --log-format json: errors are logged as JSON lines" {
        mkdir -p "$BUNDLE"
        "$FIXTURES/make-rootfs" "$BUNDLE/rootfs"
        echo '{' >"$BUNDLE/config.json"
        id=$(new_id)
        run "$RUNTIME" --root "$ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json run --bundle "$BUNDLE" "$id"
        assert_failure
        [ -s "$BATS_TEST_TMPDIR/log.json" ] || fail "empty log"
        while read -r l; do
                jq -e '.msg and .level and .time' <<<"$l" >/dev/null || fail "not a JSON log line: $l"
        done <"$BATS_TEST_TMPDIR/log.json"
        grep -q '"level": *"error"' "$BATS_TEST_TMPDIR/log.json"
}

@test "--pid-file: run -d writes the pid" {
        make_bundle sleep 100
        id=$(new_id)
        run_detached "$id" --pid-file "$BATS_TEST_TMPDIR/run.pid"
        [ "$(cat "$BATS_TEST_TMPDIR/run.pid")" = "$(container_pid "$id")" ]
}

@test "features: the OCI features document names what is supported" {
        run rt features
        assert_success
        jq -e . <<<"$output" >/dev/null || fail "not JSON: $output"
        assert_equal "$(jq -r .ociVersionMax <<<"$output")" 1.1.0
        jq -e '.hooks | index("createRuntime") and index("poststop")' <<<"$output" >/dev/null || fail "hooks"
        jq -e '.mountOptions | index("rbind") and index("nosuid") and index("rslave")' <<<"$output" >/dev/null || fail "mount options"
        jq -e '.linux.namespaces | index("pid") and index("user") and index("cgroup")' <<<"$output" >/dev/null || fail "namespaces"
        jq -e '.linux.capabilities | index("CAP_CHOWN") and index("CAP_SYS_ADMIN")' <<<"$output" >/dev/null || fail "capabilities"
        jq -e '.linux.seccomp.enabled and (.linux.seccomp.actions | index("SCMP_ACT_ERRNO")) and (.linux.seccomp.operators | index("SCMP_CMP_MASKED_EQ")) and (.linux.seccomp.archs | index("SCMP_ARCH_X86_64"))' <<<"$output" >/dev/null || fail "seccomp"
        jq -e '.linux.cgroup.v1 and .linux.cgroup.v2' <<<"$output" >/dev/null || fail "cgroup"
        [ -n "$(jq -r '.annotations["io.github.seccomp.libseccomp.version"]' <<<"$output")" ]
}
