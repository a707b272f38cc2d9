#!/usr/bin/env bats
# Known escapes of this class of runtime must fail.

load helpers

@test "CVE-2019-5736: /proc/<pid>/exe of the runtime cannot be opened for writing during exec" {
        make_bundle sh -c '
                n=0
                while :; do
                        for f in /proc/[0-9]*/exe; do
                                n=$((n+1))
                                if (: >>"$f") 2>/dev/null; then echo "OPENED $f $(readlink $f)" >>/tmp/escape.log; fi
                        done
                        echo $n >/tmp/attempts
                done'
        update_config '.process.capabilities[] += ["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE"]'
        before=$(sha256sum <"$(readlink -f "$RUNTIME")")
        id=$(new_id)
        run_detached "$id"
        for i in $(seq 30); do
                rt exec "$id" true >/dev/null 2>&1 || true
        done
        # The loop rewrites the file: retry until a number is read.
        wait_for 50 eval '[ "$(cat "$BUNDLE/rootfs/tmp/attempts" 2>/dev/null)" -gt 0 ] 2>/dev/null' || fail "the loop did not run"
        assert_equal "$(sha256sum <"$(readlink -f "$RUNTIME")")" "$before"
        if [ -e "$BUNDLE/rootfs/tmp/escape.log" ]; then
                fail "opened for writing: $(cat "$BUNDLE/rootfs/tmp/escape.log")"
        fi
}

@test "CVE-2019-5736: writing through /proc/self/exe of an exec'd process fails" {
        make_bundle sleep 100
        update_config '.process.capabilities[] += ["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE"]'
        before=$(sha256sum <"$(readlink -f "$RUNTIME")")
        id=$(new_id)
        run_detached "$id"
        run rt exec "$id" sh -c 'echo x >>/proc/self/exe && echo WROTE'
        assert_output_not_contains WROTE
        assert_equal "$(sha256sum <"$(readlink -f "$RUNTIME")")" "$before"
}

@test "CVE-2024-21626: no host fd leaks into the container" {
        make_bundle ls /proc/self/fd
        id=$(new_id)
        exec 7</etc/hostname 8>"$BATS_TEST_TMPDIR/extra-fd"
        run rt run --bundle "$BUNDLE" "$id"
        exec 7<&- 8>&-
        assert_success
        # 0, 1, 2 and the directory fd ls itself reads.
        [ "${#lines[@]}" -le 4 ] || fail "fds open in the container: $output"
        for fd in "${lines[@]}"; do
                [ "$fd" -le 3 ] || fail "fd $fd is open in the container: $output"
        done
}

@test "CVE-2024-21626: exec gets no host fds either" {
        make_bundle sleep 100
        id=$(new_id)
        run_detached "$id"
        exec 7</etc/hostname
        run rt exec "$id" ls /proc/self/fd
        exec 7<&-
        assert_success
        for fd in "${lines[@]}"; do
                [ "$fd" -le 3 ] || fail "fd $fd is open in the exec'd process: $output"
        done
}

@test "CVE-2024-21626: a cwd through a leaked fd does not reach the host" {
        # From a host directory, ../../.. reaches the host's / and then the probe.
        make_bundle sh -c 'cat ../../../../../../../..'"$BATS_TEST_TMPDIR"'/probe 2>/dev/null; pwd'
        echo "host-secret-$$" >"$BATS_TEST_TMPDIR/probe"
        # Whatever fd a runtime might leak, none may serve as a way out.
        for fd in 3 4 5 6 7 8 9 10; do
                update_config '.process.cwd = $c' --arg c "/proc/self/fd/$fd"
                id=$(new_id)
                run rt run --bundle "$BUNDLE" "$id"
                assert_output_not_contains "host-secret-$$"
                if [ "$status" -eq 0 ]; then
                        # If it ran, its cwd is inside the container.
                        [[ ${lines[-1]} != *"$BATS_TEST_TMPDIR"* ]] || fail "cwd outside the rootfs: $output"
                fi
        done
}

@test "the container cannot see the runtime's state directory" {
        make_bundle sh -c 'ls / ; cat /proc/1/environ | tr "\0" " "'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_not_contains "$ROOT"
}
