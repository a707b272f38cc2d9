#!/usr/bin/env bats
# OCI hooks: each appends its name to a host file; the order must be
# prestart, createRuntime, createContainer, startContainer, poststart,
# poststop.

load helpers

@test "hooks: run in order, with the state on stdin" {
        skip_if_runc_1_1 "runc 1.1 runs poststart hooks during create, before startContainer (fixed in runc 1.2)"
        log=$BATS_TEST_TMPDIR/hooks/log
        mkdir -p "$BATS_TEST_TMPDIR/hooks"
        make_bundle sleep 100
        # Host hooks append to $log; startContainer runs inside the
        # container, so it writes through a bind mount of the same directory.
        hook() { # NAME: a host-side hook
                jq -n --arg name "$1" --arg log "$log" --arg dir "$BATS_TEST_TMPDIR/hooks" \
                        '{"path": "/bin/sh", "args": ["sh", "-c", "cat >\($dir)/\($name).json; echo \($name) >>\($log)"]}'
        }
        update_config '.mounts += [{"destination": "/hooklog", "type": "bind", "source": $dir, "options": ["rbind", "rw"]}]
                | .hooks = {
                    "prestart": [$pre], "createRuntime": [$cr], "createContainer": [$cc],
                    "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "echo startContainer >>/hooklog/log"]}],
                    "poststart": [$ps], "poststop": [$pst]}' \
                --arg dir "$BATS_TEST_TMPDIR/hooks" --argjson pre "$(hook prestart)" --argjson cr "$(hook createRuntime)" \
                --argjson cc "$(hook createContainer)" --argjson ps "$(hook poststart)" --argjson pst "$(hook poststop)"
        id=$(new_id)
        rt create --bundle "$BUNDLE" "$id" </dev/null >"$BATS_TEST_TMPDIR/create.out" 2>&1 || fail "create: $(cat "$BATS_TEST_TMPDIR/create.out")"
        assert_equal "$(cat "$log" | tr '\n' ' ')" "prestart createRuntime createContainer "
        run rt start "$id"
        assert_success
        wait_for 50 grep -q poststart "$log"
        assert_equal "$(cat "$log" | tr '\n' ' ')" "prestart createRuntime createContainer startContainer poststart "
        rt kill "$id" KILL
        wait_for 50 status_is "$id" stopped
        run rt delete "$id"
        assert_success
        assert_equal "$(cat "$log" | tr '\n' ' ')" "prestart createRuntime createContainer startContainer poststart poststop "
        # Each hook got the state: the id, the bundle, a pid while running.
        for h in prestart createRuntime createContainer poststart poststop; do
                assert_equal "$(jq -r .id "$BATS_TEST_TMPDIR/hooks/$h.json")" "$id"
                assert_equal "$(jq -r .bundle "$BATS_TEST_TMPDIR/hooks/$h.json")" "$BUNDLE"
        done
        assert_equal "$(jq -r .status "$BATS_TEST_TMPDIR/hooks/createRuntime.json")" creating
        [ "$(jq -r .pid "$BATS_TEST_TMPDIR/hooks/poststart.json")" -gt 0 ]
}

@test "hooks: without poststart, the others run in order" {
        log=$BATS_TEST_TMPDIR/hooks/log
        mkdir -p "$BATS_TEST_TMPDIR/hooks"
        make_bundle sleep 100
        # Host hooks append to $log; startContainer runs inside the
        # container, so it writes through a bind mount of the same directory.
        hook() { # NAME: a host-side hook
                jq -n --arg name "$1" --arg log "$log" --arg dir "$BATS_TEST_TMPDIR/hooks" \
                        '{"path": "/bin/sh", "args": ["sh", "-c", "cat >\($dir)/\($name).json; echo \($name) >>\($log)"]}'
        }
        update_config '.mounts += [{"destination": "/hooklog", "type": "bind", "source": $dir, "options": ["rbind", "rw"]}]
                | .hooks = {
                    "prestart": [$pre], "createRuntime": [$cr], "createContainer": [$cc],
                    "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "echo startContainer >>/hooklog/log"]}],
                    "poststop": [$pst]}' \
                --arg dir "$BATS_TEST_TMPDIR/hooks" --argjson pre "$(hook prestart)" --argjson cr "$(hook createRuntime)" \
                --argjson cc "$(hook createContainer)" --argjson pst "$(hook poststop)"
        id=$(new_id)
        rt create --bundle "$BUNDLE" "$id" </dev/null >"$BATS_TEST_TMPDIR/create.out" 2>&1 || fail "create: $(cat "$BATS_TEST_TMPDIR/create.out")"
        assert_equal "$(cat "$log" | tr '\n' ' ')" "prestart createRuntime createContainer "
        run rt start "$id"
        assert_success
        wait_for 50 grep -q startContainer "$log"
        assert_equal "$(cat "$log" | tr '\n' ' ')" "prestart createRuntime createContainer startContainer "
        rt kill "$id" KILL
        wait_for 50 status_is "$id" stopped
        run rt delete "$id"
        assert_success
        assert_equal "$(cat "$log" | tr '\n' ' ')" "prestart createRuntime createContainer startContainer poststop "
        # Each hook got the state: the id, the bundle, a pid while running.
        for h in prestart createRuntime createContainer poststop; do
                assert_equal "$(jq -r .id "$BATS_TEST_TMPDIR/hooks/$h.json")" "$id"
                assert_equal "$(jq -r .bundle "$BATS_TEST_TMPDIR/hooks/$h.json")" "$BUNDLE"
        done
        assert_equal "$(jq -r .status "$BATS_TEST_TMPDIR/hooks/createRuntime.json")" creating
        [ "$(jq -r .pid "$BATS_TEST_TMPDIR/hooks/createContainer.json")" -gt 0 ]
}

@test "hooks: a failing createRuntime hook fails create and leaves nothing" {
        make_bundle sleep 100
        update_config '.hooks.createRuntime = [{"path": "/bin/false", "args": ["false"]}]'
        id=$(new_id)
        use_cgroup "$id"
        run rt_file create --bundle "$BUNDLE" "$id"
        assert_failure
        run rt state "$id"
        assert_failure
        assert_nothing_left "$id"
}

@test "hooks: a failing poststart hook is a warning, the container runs" {
        # runtime-spec: a failing poststart hook is logged as a warning and
        # the lifecycle continues.
        skip_if_runc_1_1 "runc 1.1 runs poststart hooks during create (fixed in runc 1.2)"
        make_bundle sleep 100
        update_config '.hooks.poststart = [{"path": "/bin/false", "args": ["false"]}]'
        id=$(new_id)
        rt create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1
        run rt start "$id"
        assert_success
        assert_output_contains /bin/false
        status_is "$id" running
}

@test "hooks: env and timeout" {
        make_bundle true
        update_config '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "echo $HOOKVAR >\($f)"], "env": ["HOOKVAR=from-hook-env"]},
                                                 {"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]' --arg f "$BATS_TEST_TMPDIR/env.out"
        update_config '.hooks.createRuntime[0].args[2] = "echo $HOOKVAR >" + $f' --arg f "$BATS_TEST_TMPDIR/env.out"
        id=$(new_id)
        SECONDS=0
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
        [ "$SECONDS" -lt 20 ] || fail "hook timeout not applied (${SECONDS}s)"
        assert_equal "$(cat "$BATS_TEST_TMPDIR/env.out")" from-hook-env
}
