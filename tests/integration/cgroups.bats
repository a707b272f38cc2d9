#!/usr/bin/env bats
# cgroup resources: memory, pids, cpu, cpuset, devices; values read from the
# host side. Written for cgroup v1 (this host) with the v2 file names where
# they differ.

load helpers

cg_read() { # CONTROLLER V1-FILE V2-FILE
        if [ "$CGROUP_V2" = 1 ]; then
                cat "$(cgroup_dir "$1")/$3"
        else
                cat "$(cgroup_dir "$1")/$2"
        fi
}

@test "memory: the limit is written to the container's cgroup" {
        make_bundle sleep 100
        id=$(new_id)
        use_cgroup "$id"
        update_config '.linux.resources.memory = {"limit": 33554432, "reservation": 16777216}'
        run_detached "$id"
        assert_equal "$(cg_read memory memory.limit_in_bytes memory.max)" 33554432
        assert_equal "$(cg_read memory memory.soft_limit_in_bytes memory.low)" 16777216
        # The container's process is in that cgroup.
        grep -qx "$(container_pid "$id")" "$(cgroup_dir memory)/cgroup.procs"
}

@test "memory: a process allocating over the limit is OOM-killed" {
        # one allocating process, first in the OOM killer's line (see below)
        make_bundle sh -c 'sh -c "echo 1000 >/proc/self/oom_score_adj; exec tail /dev/zero; echo survived"; echo "status=$?" >/tmp/status; sleep 100'
        id=$(new_id)
        use_cgroup "$id"
        update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
        run_detached "$id"
        wait_for 300 test -s "$BUNDLE/rootfs/tmp/status" || fail "allocator did not finish"
        status_line=$(cat "$BUNDLE/rootfs/tmp/status")
        if [ "$CGROUP_V2" = 1 ]; then
                ooms=$(awk '$1 == "oom_kill" {print $2}' "$(cgroup_dir memory)/memory.events")
        else
                ooms=$(awk '$1 == "oom_kill" {print $2}' "$(cgroup_dir memory)/memory.oom_control")
        fi
        [ "$status_line" = status=137 ] || fail "allocator not killed: $status_line"
        [ "${ooms:-0}" -gt 0 ] || fail "oom_kill counter is ${ooms:-missing}"
}

@test "memory: pid 1 over the limit: run exits with 137" {
        make_bundle sh -c 'x=$(head -c 200m /dev/zero | tr "\0" a); echo survived'
        id=$(new_id)
        use_cgroup "$id"
        update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
        run rt run --bundle "$BUNDLE" "$id"
        [ "$status" -eq 137 ] || fail "expected 137, got $status: $output"
        assert_output_not_contains survived
}

@test "pids: pids.max is written and a fork bomb is bounded" {
        make_bundle sh -c 'i=0; while [ $i -lt 30 ]; do sleep 30 & i=$((i+1)); done 2>/tmp/fork-errors; echo forked; cat /tmp/fork-errors; sleep 100'
        id=$(new_id)
        use_cgroup "$id"
        update_config '.linux.resources.pids = {"limit": 10}'
        run_detached "$id"
        assert_equal "$(cat "$(cgroup_dir pids)/pids.max")" 10
        wait_for 100 grep -q . "$BUNDLE/rootfs/tmp/fork-errors" || fail "no fork failed"
        grep -qi "fork" "$BUNDLE/rootfs/tmp/fork-errors"
        current=$(cat "$(cgroup_dir pids)/pids.current")
        [ "$current" -le 10 ] || fail "pids.current is $current"
        [ "$(wc -l <"$(cgroup_dir pids)/cgroup.procs")" -le 10 ]
}

@test "cpu: quota, period and shares are written" {
        make_bundle sleep 100
        id=$(new_id)
        use_cgroup "$id"
        update_config '.linux.resources.cpu = {"quota": 50000, "period": 100000, "shares": 512}'
        run_detached "$id"
        if [ "$CGROUP_V2" = 1 ]; then
                assert_equal "$(cat "$(cgroup_dir cpu)/cpu.max")" "50000 100000"
        else
                assert_equal "$(cat "$(cgroup_dir cpu)/cpu.cfs_quota_us")" 50000
                assert_equal "$(cat "$(cgroup_dir cpu)/cpu.cfs_period_us")" 100000
                assert_equal "$(cat "$(cgroup_dir cpu)/cpu.shares")" 512
        fi
}

@test "cpuset: cpus and mems are written" {
        make_bundle sh -c 'grep Cpus_allowed_list /proc/self/status'
        id=$(new_id)
        use_cgroup "$id"
        update_config '.linux.resources.cpu = {"cpus": "0", "mems": "0"}'
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        [[ $output == *"Cpus_allowed_list:"*[[:space:]]0 ]] || fail "$output"
}

@test "devices: a device node the cgroup denies cannot be opened" {
        # 1:11 (kmsg) is not among the default allowed devices.
        make_bundle sh -c '(: </dev/denied) && echo denied-opened; echo x >/dev/null && echo null-opened'
        id=$(new_id)
        use_cgroup "$id"
        update_config '.linux.devices = [{"path": "/dev/denied", "type": "c", "major": 1, "minor": 11, "fileMode": 420}]
                | .linux.resources.devices = [{"allow": false, "access": "rwm"}]'
        run rt run --bundle "$BUNDLE" "$id"
        assert_output_contains null-opened
        assert_output_not_contains denied-opened
        assert_output_contains "Operation not permitted"
}

@test "cgroupsPath relative: placed under the runtime's own cgroup" {
        make_bundle sleep 100
        id=$(new_id)
        update_config '.linux.cgroupsPath = $p' --arg p "berth-test-$id"
        run_detached "$id"
        pid=$(container_pid "$id")
        grep -q "berth-test-$id" "/proc/$pid/cgroup"
}

@test "cgroups: removed after the container exits and is deleted" {
        make_bundle true
        id=$(new_id)
        use_cgroup "$id"
        update_config '.linux.resources.pids = {"limit": 10}'
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_nothing_left "$id"
}

@test "update: flags and -r resources.json change a running container's limits" {
        make_bundle sleep 100
        id=$(new_id)
        use_cgroup "$id"
        update_config '.linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 10}'
        run_detached "$id"
        run rt update --memory 64m --pids-limit 20 --cpu-quota 20000 --cpu-period 100000 "$id"
        assert_success
        assert_equal "$(cg_read memory memory.limit_in_bytes memory.max)" 67108864
        assert_equal "$(cg_read pids pids.max pids.max)" 20
        if [ "$CGROUP_V2" = 1 ]; then
                assert_equal "$(cg_read cpu x cpu.max)" "20000 100000"
        else
                assert_equal "$(cg_read cpu cpu.cfs_quota_us x)" 20000
        fi
        echo '{"memory": {"limit": 50331648}, "pids": {"limit": 7}}' >"$BATS_TEST_TMPDIR/res.json"
        run rt update -r "$BATS_TEST_TMPDIR/res.json" "$id"
        assert_success
        assert_equal "$(cg_read memory memory.limit_in_bytes memory.max)" 50331648
        assert_equal "$(cg_read pids pids.max pids.max)" 7
        # from stdin; the flags win over the file
        run bash -c 'echo "{\"pids\": {\"limit\": 9}}" | "$1" --root "$2" update -r - --memory 40m "$3" 3>&-' _ "$RUNTIME" "$ROOT" "$id"
        assert_success
        assert_equal "$(cg_read pids pids.max pids.max)" 9
        assert_equal "$(cg_read memory memory.limit_in_bytes memory.max)" 41943040
        # bad input is named
        run rt update --memory lots "$id"
        assert_failure
        assert_output_contains "--memory: 'lots' is not a valid size"
        echo '{"pids": {"limit": "many"}}' >"$BATS_TEST_TMPDIR/bad.json"
        run rt update -r "$BATS_TEST_TMPDIR/bad.json" "$id"
        assert_failure
        assert_output_contains "pids.limit"
        run rt update --pids-limit 5 no-such-container
        assert_failure
}

@test "events --stats: one JSON stats event read from the cgroup" {
        make_bundle sh -c 'sleep 100 & sleep 100 & wait'
        id=$(new_id)
        use_cgroup "$id"
        update_config '.linux.resources.memory = {"limit": 33554432} | .linux.resources.pids = {"limit": 10}'
        run_detached "$id"
        wait_for 50 test "$(cat "$(cgroup_dir pids)/cgroup.procs" | wc -l)" -eq 3 || fail "not 3 processes"
        run rt events --stats "$id"
        assert_success
        assert_equal "$(jq -r .type <<<"$output")" stats
        assert_equal "$(jq -r .id <<<"$output")" "$id"
        assert_equal "$(jq -r .data.pids.current <<<"$output")" 3
        assert_equal "$(jq -r .data.pids.limit <<<"$output")" 10
        assert_equal "$(jq -r .data.memory.usage.limit <<<"$output")" 33554432
        [ "$(jq -r .data.memory.usage.usage <<<"$output")" -gt 0 ] || fail "no memory usage: $output"
        [ "$(jq -r .data.cpu.usage.total <<<"$output")" -gt 0 ] || fail "no cpu usage: $output"
        jq -e '.data.memory.raw | length > 0' <<<"$output" >/dev/null || fail "no raw memory stats"
        run rt events --stats no-such-container
        assert_failure
}

@test "events: a stream ends when the container stops; oom kills are events" {
        # One allocating process, first in the OOM killer's line (a pipeline
        # of several let a second kill take the container's init now and then)
        make_bundle sh -c 'sleep 1; sh -c "echo 1000 >/proc/self/oom_score_adj; exec tail /dev/zero"; echo done >/tmp/status; sleep 100'
        id=$(new_id)
        use_cgroup "$id"
        update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
        run_detached "$id"
        events=$BATS_TEST_TMPDIR/events
        timeout 120 "$RUNTIME" --root "$ROOT" events --interval 300ms "$id" >"$events" 2>&1 3>&- &
        evpid=$!
        wait_for 600 test -s "$BUNDLE/rootfs/tmp/status" || fail "allocator did not finish"
        sleep 0.7
        rt kill "$id" KILL
        wait "$evpid" || fail "events failed: $(tail -c 300 "$events")"
        [ "$(wc -l <"$events")" -ge 3 ] || fail "expected several events: $(cat "$events")"
        [ "$(head -n1 "$events" | jq -r .type)" = stats ] || fail "$(head -c 300 "$events")"
        grep -q '"type":"oom"' "$events" || fail "no oom event"
}
