#!/usr/bin/env bats
# pause/resume through the freezer cgroup.

load helpers

# A counter the host can read through the rootfs.
start_counter() {
        make_bundle sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.05; done'
        id=$(new_id)
        use_cgroup "$id"
        run_detached "$id"
        wait_for 50 test -s "$BUNDLE/rootfs/tmp/count" || fail "counter did not start"
}

count() {
        cat "$BUNDLE/rootfs/tmp/count"
}

@test "pause: state shows paused and processes are frozen" {
        start_counter
        run rt pause "$id"
        assert_success
        assert_equal "$(container_status "$id")" paused
        if [ "$CGROUP_V2" = 1 ]; then
                assert_equal "$(cat "$(cgroup_dir freezer)/cgroup.freeze")" 1
        else
                assert_equal "$(cat "$(cgroup_dir freezer)/freezer.state")" FROZEN
        fi
        c1=$(count)
        sleep 0.5
        c2=$(count)
        assert_equal "$c2" "$c1"
        run rt list
        [[ $(grep "^$id " <<<"$output") == *paused* ]] || fail "list: $output"
}

@test "resume: state shows running and processes go on" {
        start_counter
        rt pause "$id"
        c1=$(count)
        sleep 0.3
        run rt resume "$id"
        assert_success
        assert_equal "$(container_status "$id")" running
        wait_for 50 eval '[ "$(count)" -gt "$c1" ]' || fail "counter stuck at $c1 after resume"
        if [ "$CGROUP_V2" = 0 ]; then
                assert_equal "$(cat "$(cgroup_dir freezer)/freezer.state")" THAWED
        fi
}

@test "pause: a paused container can be deleted with --force" {
        start_counter
        rt pause "$id"
        run rt delete --force "$id"
        assert_success
        assert_nothing_left "$id"
}

@test "pause: a stopped or never-started container cannot be paused" {
        make_bundle true
        id=$(new_id)
        run_detached "$id"
        wait_for 50 status_is "$id" stopped
        run rt pause "$id"
        assert_failure
        run rt resume "$id"
        assert_failure
}

@test "resume: a running container cannot be resumed" {
        make_bundle sleep 100
        id=$(new_id)
        run_detached "$id"
        run rt resume "$id"
        assert_failure
        assert_equal "$(container_status "$id")" running
}
