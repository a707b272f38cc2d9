# Shared setup for the berth-runtime integration suites (bats, as root).
#
# Every test gets its own state root ($ROOT) and bundle ($BUNDLE) under
# $BATS_TEST_TMPDIR. Containers are named with new_id, which records them so
# that teardown deletes them (--force) and then checks that nothing is left:
# no state directory, no mount under the bundle, no cgroup directory.
#
# The runtime under test is $BERTH_RUNTIME (default: the repo's build); the
# suites are written against the runc CLI, so BERTH_RUNTIME=/usr/sbin/runc
# runs them against runc.

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
FIXTURES=$TOP/tests/fixtures
RUNTIME=${BERTH_RUNTIME:-$TOP/build/src/runtime/berth-runtime}

# Fails the test with a message on stderr (shown by bats).
fail() {
        echo "$*" >&2
        return 1
}

common_setup() {
        [ "$(id -u)" = 0 ] || skip "containers need root"
        [ -x "$RUNTIME" ] || fail "runtime not found or not executable: $RUNTIME (build it, or set BERTH_RUNTIME)"
        ROOT=$BATS_TEST_TMPDIR/state
        BUNDLE=$BATS_TEST_TMPDIR/bundle
        IDS_FILE=$BATS_TEST_TMPDIR/ids
        : >"$IDS_FILE"
        CGROUP_V2=0
        [ -f /sys/fs/cgroup/cgroup.controllers ] && CGROUP_V2=1
        # bats reports through fd 3; nothing we start may hold it open.
        return 0
}

common_teardown() {
        local id left=0
        [ -n "${IDS_FILE:-}" ] && [ -f "$IDS_FILE" ] || return 0
        while read -r id; do
                [ -n "$id" ] || continue
                rt delete --force "$id" >/dev/null 2>&1 || true
        done <"$IDS_FILE"
        while read -r id; do
                [ -n "$id" ] || continue
                assert_nothing_left "$id" || left=1
        done <"$IDS_FILE"
        return $left
}

setup() {
        common_setup
}

teardown() {
        common_teardown
}

# The runtime with this test's state root. fd 3 (bats' TAP stream) is closed
# so that a detached container cannot hold the test run open; stdin is
# /dev/null unless the caller redirects it.
rt() {
        "$RUNTIME" --root "$ROOT" "$@" 3>&-
}

# A fresh container id, recorded for teardown.
new_id() {
        local id="bt${BATS_TEST_NUMBER:-0}-$$-$RANDOM"
        echo "$id" >>"$IDS_FILE"
        echo "$id"
}

# make_bundle ARGS...: the busybox bundle at $BUNDLE running ARGS.
make_bundle() {
        "$FIXTURES/make-bundle" "$BUNDLE" "$@" >/dev/null
}

# update_config FILTER [JQ-ARGS...]: edits $BUNDLE/config.json with jq.
update_config() {
        local filter=$1
        shift
        jq "$@" "$filter" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
                mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# set_args ARGS...: process.args of the bundle.
set_args() {
        update_config '.process.args = $a' --argjson a "$(json_array "$@")"
}

# json_array STRINGS...: a JSON array of the strings (none is read as an
# option, unlike jq --args).
json_array() {
        local a
        for a in "$@"; do printf '%s' "$a" | jq -Rs .; done | jq -sc .
}

# rt_file ARGS...: the runtime with stdout and stderr through a file, then
# printed. For create/run -d under bats `run`: the container inherits the
# file, not the pipe `run` waits on.
rt_file() {
        local out rc
        out=$(mktemp "$BATS_TEST_TMPDIR/rt.XXXXXX")
        rt "$@" </dev/null >"$out" 2>&1
        rc=$?
        cat "$out"
        return $rc
}

# use_cgroup ID: an absolute cgroupsPath named after the container, so that
# the test can find its cgroup files from the host.
use_cgroup() {
        CGROUP_NAME="berth-test-$1"
        update_config '.linux.cgroupsPath = $p' --arg p "/$CGROUP_NAME"
}

# cgroup_dir CONTROLLER: the container's cgroup directory for a v1
# controller (or the unified directory on a cgroup v2 host).
cgroup_dir() {
        if [ "$CGROUP_V2" = 1 ]; then
                echo "/sys/fs/cgroup/$CGROUP_NAME"
        else
                echo "/sys/fs/cgroup/$1/$CGROUP_NAME"
        fi
}

# run_detached ID [RUN-FLAGS...]: `run -d` with stdio away from bats.
run_detached() {
        local id=$1
        shift
        rt run -d --bundle "$BUNDLE" "$@" "$id" </dev/null >"$BATS_TEST_TMPDIR/$id.out" 2>&1 ||
                fail "run -d $id failed: $(cat "$BATS_TEST_TMPDIR/$id.out")"
}

# container_status ID: the "status" field of `state`.
container_status() {
        rt state "$1" 2>/dev/null | jq -r .status
}

container_pid() {
        rt state "$1" 2>/dev/null | jq -r .pid
}

# wait_for TRIES CMD...: retries CMD every 0.1 s.
wait_for() {
        local tries=$1 i
        shift
        for ((i = 0; i < tries; i++)); do
                "$@" && return 0
                sleep 0.1
        done
        return 1
}

status_is() { # ID STATUS
        [ "$(container_status "$1")" = "$2" ]
}

# All cgroup directories of ID (or of its berth-test-ID cgroupsPath) in any
# hierarchy.
find_cgroups() {
        find /sys/fs/cgroup -maxdepth 6 -type d \( -name "$1" -o -name "berth-test-$1" \) 2>/dev/null
}

no_cgroups() {
        [ -z "$(find_cgroups "$1")" ]
}

assert_nothing_left() {
        local id=$1 ok=0
        if [ -e "$ROOT/$id" ]; then
                echo "left behind: state directory $ROOT/$id" >&2
                ok=1
        fi
        if grep -qF " $BUNDLE" /proc/mounts; then
                echo "left behind: mounts under $BUNDLE:" >&2
                grep -F " $BUNDLE" /proc/mounts >&2
                ok=1
        fi
        # The runtime removes cgroups after the last process is reaped.
        if ! wait_for 30 no_cgroups "$id"; then
                echo "left behind: cgroup directories:" >&2
                find_cgroups "$id" >&2
                ok=1
        fi
        return $ok
}

# skip_if_runc_1_1 REASON: for the few features runc 1.1 (Debian 12's runc,
# used to validate these suites) does not have.
skip_if_runc_1_1() {
        if "$RUNTIME" --version 2>/dev/null | grep -q '^runc version 1\.1\.'; then
                skip "$1"
        fi
}

# Assertions with readable failures.
assert_success() {
        [ "$status" -eq 0 ] || fail "expected success, got status $status; output: $output"
}

assert_failure() {
        [ "$status" -ne 0 ] || fail "expected failure, got status 0; output: $output"
}

assert_output_contains() {
        [[ $output == *"$1"* ]] || fail "expected output to contain '$1'; output: $output"
}

assert_output_not_contains() {
        [[ $output != *"$1"* ]] || fail "expected output not to contain '$1'; output: $output"
}

assert_equal() { # ACTUAL EXPECTED
        [ "$1" = "$2" ] || fail "expected '$2', got '$1'"
}
