#!/usr/bin/env bats
# Bad input: one clear line, exit status 1, nothing left behind.

load helpers

# The single error line (runc prefixes logrus fields; berth prints a sentence).
assert_one_error_line() {
        [ "$status" -eq 1 ] || fail "expected status 1, got $status: $output"
        [ "${#lines[@]}" -eq 1 ] || fail "expected one line, got ${#lines[@]}: $output"
}

# bad_bundle FILTER [ARGS...]: the busybox bundle running ARGS (default
# `true`) for a new container $id with its own cgroup, its config.json
# edited by the jq FILTER ("" for none).
bad_bundle() {
        local filter=$1
        shift
        make_bundle "${@:-true}"
        id=$(new_id)
        use_cgroup "$id"
        [ -z "$filter" ] || update_config "$filter"
}

# bad_run: `run` of that bundle ($status and $output as bats' `run` sets
# them); then nothing may be left.
bad_run() {
        run rt run --bundle "$BUNDLE" "$id"
        assert_nothing_left "$id"
}

@test "bad input: config.json that is not JSON" {
        bad_bundle ""
        echo '{"ociVersion": "1.0.2", "process": ' >"$BUNDLE/config.json"
        bad_run
        assert_one_error_line
        [[ ${output,,} == *json* || ${output,,} == *"unexpected end"* || ${output,,} == *eof* ]] || fail "does not name the problem: $output"
}

@test "bad input: a missing config.json" {
        bad_bundle ""
        rm "$BUNDLE/config.json"
        bad_run
        assert_one_error_line
        assert_output_contains config.json
}

@test "bad input: process.args empty" {
        bad_bundle '.process.args = []'
        bad_run
        assert_one_error_line
        [[ $output == *process.args* || $output == *"args must not be empty"* ]] || fail "does not name process.args: $output"
}

@test "bad input: a wrong type" {
        bad_bundle '.process.args = "true"'
        bad_run
        assert_one_error_line
        [[ $output == *args* ]] || fail "does not name the field: $output"
}

@test "bad input: a missing binary names the binary and ENOENT" {
        bad_bundle "" /bin/no-such-binary
        bad_run
        assert_failure
        assert_output_contains /bin/no-such-binary
        [[ ${output,,} == *"no such file or directory"* ]] || fail "no ENOENT sentence: $output"
}

@test "bad input: a missing rootfs" {
        bad_bundle '.root.path = "no-such-rootfs"'
        bad_run
        assert_failure
        assert_output_contains no-such-rootfs
}

@test "bad input: a mount that cannot be made names the mount" {
        bad_bundle '.mounts += [{"destination": "/bad", "type": "bind", "source": "/no/such/source", "options": ["bind"]}]'
        bad_run
        assert_failure
        assert_output_contains /no/such/source
}

@test "bad input: an unknown namespace type" {
        bad_bundle '.linux.namespaces += [{"type": "bogus"}]'
        bad_run
        assert_failure
        assert_output_contains bogus
}

@test "bad input: an unknown capability is named (refused, or ignored with a warning as runc does)" {
        bad_bundle '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
        bad_run
        assert_output_contains CAP_NO_SUCH_THING
}

@test "bad input: an unknown seccomp syscall name is ignored or named" {
        bad_bundle '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["no_such_syscall_x"], "action": "SCMP_ACT_ERRNO"}]}' echo ran
        bad_run
        [ "$status" -eq 0 ] && [[ $output == *ran* ]] || [[ $output == *no_such_syscall_x* ]] || fail "$output"
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

# big_number FILTER NUMBER: edits config.json with the jq FILTER, where
# 987654321 stands for NUMBER (jq would round a number above 2^53).
big_number() {
        update_config "$1"
        sed -i "s/987654321/$2/g" "$BUNDLE/config.json"
}

@test "bad input: a 64-bit rlimit is taken (RLIM_INFINITY as runc writes it), a larger one is named" {
        bad_bundle "" sh -c 'ulimit -Hc'
        big_number '.process.rlimits = [{"type": "RLIMIT_CORE", "hard": 987654321, "soft": 987654321}]' 18446744073709551615
        bad_run
        assert_success
        [ "$output" = unlimited ] || fail "RLIMIT_CORE not unlimited: $output"

        bad_bundle ""
        big_number '.process.rlimits = [{"type": "RLIMIT_CORE", "hard": 987654321, "soft": 1}]' 18446744073709551616
        bad_run
        assert_one_error_line
        assert_output_contains "config.json: invalid JSON"
}

@test "bad input: a signed field above 2^63-1 names the field and the range" {
        bad_bundle ""
        big_number '.linux.resources.memory = {"limit": 987654321}' 18446744073709551615
        bad_run
        assert_one_error_line
        assert_output_contains "linux.resources.memory.limit: 18446744073709551615 is out of range"
}
