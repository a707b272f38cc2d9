#!/usr/bin/env bats
# Bad input: one clear line, exit status 1, nothing left behind.

load helpers

# The single error line (runc prefixes logrus fields; berth prints a sentence).
assert_one_error_line() {
        [ "$status" -eq 1 ] || fail "expected status 1, got $status: $output"
        [ "${#lines[@]}" -eq 1 ] || fail "expected one line, got ${#lines[@]}: $output"
}

@test "bad input: config.json that is not JSON" {
        make_bundle true
        echo '{"ociVersion": "1.0.2", "process": ' >"$BUNDLE/config.json"
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_one_error_line
        [[ ${output,,} == *json* || ${output,,} == *"unexpected end"* || ${output,,} == *eof* ]] || fail "does not name the problem: $output"
        assert_nothing_left "$id"
}

@test "bad input: a missing config.json" {
        make_bundle true
        rm "$BUNDLE/config.json"
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_one_error_line
        assert_output_contains config.json
        assert_nothing_left "$id"
}

@test "bad input: process.args empty" {
        make_bundle true
        update_config '.process.args = []'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_one_error_line
        [[ $output == *process.args* || $output == *"args must not be empty"* ]] || fail "does not name process.args: $output"
        assert_nothing_left "$id"
}

@test "bad input: a wrong type" {
        make_bundle true
        update_config '.process.args = "true"'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_one_error_line
        [[ $output == *args* ]] || fail "does not name the field: $output"
        assert_nothing_left "$id"
}

@test "bad input: a missing binary names the binary and ENOENT" {
        make_bundle /bin/no-such-binary
        id=$(new_id)
        use_cgroup "$id"
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
        assert_output_contains /bin/no-such-binary
        [[ ${output,,} == *"no such file or directory"* ]] || fail "no ENOENT sentence: $output"
        assert_nothing_left "$id"
}

@test "bad input: a missing rootfs" {
        make_bundle true
        update_config '.root.path = "no-such-rootfs"'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
        assert_output_contains no-such-rootfs
        assert_nothing_left "$id"
}

@test "bad input: a mount that cannot be made names the mount" {
        make_bundle true
        update_config '.mounts += [{"destination": "/bad", "type": "bind", "source": "/no/such/source", "options": ["bind"]}]'
        id=$(new_id)
        use_cgroup "$id"
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
        assert_output_contains /no/such/source
        assert_nothing_left "$id"
}

@test "bad input: an unknown namespace type" {
        make_bundle true
        update_config '.linux.namespaces += [{"type": "bogus"}]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
        assert_output_contains bogus
        assert_nothing_left "$id"
}

@test "bad input: an unknown capability is named (refused, or ignored with a warning as runc does)" {
        make_bundle true
        update_config '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_output_contains CAP_NO_SUCH_THING
        assert_nothing_left "$id"
}

@test "bad input: an unknown seccomp syscall name is ignored or named" {
        make_bundle echo ran
        update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["no_such_syscall_x"], "action": "SCMP_ACT_ERRNO"}]}'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        [ "$status" -eq 0 ] && [[ $output == *ran* ]] || [[ $output == *no_such_syscall_x* ]] || fail "$output"
        assert_nothing_left "$id"
}

@test "bad input: an invalid container id" {
        make_bundle true
        run rt run --bundle "$BUNDLE" "../escape"
        assert_failure
        [ ! -e "$BATS_TEST_TMPDIR/escape" ]
}

@test "bad input: unknown command and unknown flag" {
        run "$RUNTIME" no-such-command
        assert_failure
        run "$RUNTIME" --no-such-flag list
        assert_failure
}
