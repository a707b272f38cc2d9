# Shared setup for suites that drive berthd (bats, as root). Source it from
# a suite instead of helpers.bash:
#
#   load daemon-helpers
#   setup_file()    { daemon_start; }       # one daemon per suite
#   teardown_file() { daemon_stop; }
#   setup()         { daemon_test_setup; }
#
# daemon_start runs berthd from the repo's build with its own data root, exec
# root and socket under a temp directory, and loads the busybox image
# (tests/fixtures/busybox-image.tar.gz, made from the host's busybox-static)
# as busybox:latest. daemon_stop stops it by PID and checks that nothing is
# left: no mount under the temp directory, no berth-monitor of ours.

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
FIXTURES=$TOP/tests/fixtures
# Docker-made images: ../shared/fixtures beside the checkout, else the
# workspace's copy (a clean checkout may live elsewhere).
if [ -z "${SHARED_FIXTURES:-}" ]; then
        SHARED_FIXTURES=$TOP/../shared/fixtures
        [ -d "$SHARED_FIXTURES" ] || SHARED_FIXTURES=/work/shared/fixtures
fi
BUILD=${BERTH_BUILD:-$TOP/build}
BERTHD=${BERTHD:-$BUILD/src/daemon/berthd}
BERTH=${BERTH:-$BUILD/src/cli/berth}

fail() {
        echo "$*" >&2
        return 1
}

# api METHOD PATH [CURL-ARGS...]: one Engine API call; prints the body, and
# the HTTP status on the last line.
api() {
        local method=$1 path=$2
        shift 2
        curl -gsS --unix-socket "$DAEMON_SOCK" -X "$method" -w '\n%{http_code}' "$@" \
                "http://localhost$path"
}

# api_json METHOD PATH JSON: a call with a JSON body.
api_json() {
        api "$1" "$2" -H 'Content-Type: application/json' --data-binary "$3"
}

# berth ARGS...: the berth CLI against the test daemon (fd 3 closed).
berth() {
        DOCKER_HOST=unix://$DAEMON_SOCK "$BERTH" "$@" 3>&-
}

# dkr ARGS...: the real docker client against the test daemon.
dkr() {
        DOCKER_HOST=unix://$DAEMON_SOCK DOCKER_CONFIG=$DAEMON_DIR/docker-config docker "$@" 3>&-
}

daemon_start() {
        [ "$(id -u)" = 0 ] || skip "berthd needs root"
        [ -x "$BERTHD" ] || fail "berthd not built at $BERTHD"
        DAEMON_DIR=$(mktemp -d /tmp/berth-test.XXXXXX)
        DAEMON_SOCK=$DAEMON_DIR/berth.sock
        # A default bridge (and so a rule table) of the suite's own.
        DAEMON_BRIDGE=bt$((RANDOM % 100000))
        DAEMON_NFT_TABLE=berth_$DAEMON_BRIDGE
        export DAEMON_DIR DAEMON_SOCK DAEMON_BRIDGE DAEMON_NFT_TABLE
        echo "{\"bridge\": \"$DAEMON_BRIDGE\"}" >"$DAEMON_DIR/daemon.json"
        "$BERTHD" -H "unix://$DAEMON_SOCK" --data-root "$DAEMON_DIR/data" \
                --exec-root "$DAEMON_DIR/exec" --pidfile "$DAEMON_DIR/berthd.pid" \
                --config-file "$DAEMON_DIR/daemon.json" ${BERTHD_ARGS:-} \
                </dev/null >>"$DAEMON_DIR/berthd.log" 2>&1 3>&- &
        DAEMON_PID=$!
        export DAEMON_PID
        local i
        for ((i = 0; i < 200; i++)); do
                curl -s --unix-socket "$DAEMON_SOCK" http://localhost/_ping >/dev/null 2>&1 && break
                kill -0 "$DAEMON_PID" 2>/dev/null || fail "berthd exited: $(cat "$DAEMON_DIR/berthd.log")"
                sleep 0.05
        done
        [ -S "$DAEMON_SOCK" ] || fail "berthd did not listen: $(cat "$DAEMON_DIR/berthd.log")"
        daemon_load_busybox
}

# Loads busybox:latest into the test daemon (once per daemon).
daemon_load_busybox() {
        local tar=$DAEMON_DIR/busybox-image.tar
        "$FIXTURES/make-image" "$tar" busybox:latest >/dev/null ||
                fail "make-image failed"
        local out
        out=$(api POST /images/load -H 'Content-Type: application/x-tar' --data-binary "@$tar")
        [ "$(tail -n1 <<<"$out")" = 200 ] || fail "loading busybox failed: $out"
}

# Restarts berthd (same roots); with kill9, by SIGKILL (live restore tests).
daemon_restart() {
        local sig=${1:-TERM} i
        # an earlier test of the file may have restarted it (in its own
        # subshell): then the pid file names the berthd running now
        local p
        p=$(cat "$DAEMON_DIR/berthd.pid" 2>/dev/null || true)
        if [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = berthd ]; then
                DAEMON_PID=$p
        fi
        kill -"$sig" "$DAEMON_PID" 2>/dev/null || true
        wait "$DAEMON_PID" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
                kill -0 "$DAEMON_PID" 2>/dev/null || break
                sleep 0.1
        done
        "$BERTHD" -H "unix://$DAEMON_SOCK" --data-root "$DAEMON_DIR/data" \
                --exec-root "$DAEMON_DIR/exec" --pidfile "$DAEMON_DIR/berthd.pid" \
                --config-file "$DAEMON_DIR/daemon.json" ${BERTHD_ARGS:-} \
                </dev/null >>"$DAEMON_DIR/berthd.log" 2>&1 3>&- &
        DAEMON_PID=$!
        for ((i = 0; i < 200; i++)); do
                curl -s --unix-socket "$DAEMON_SOCK" http://localhost/_ping >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        fail "berthd did not come back: $(tail -20 "$DAEMON_DIR/berthd.log")"
}

# Our monitors: processes whose command line names our exec root.
daemon_monitor_pids() {
        local p
        for p in /proc/[0-9]*; do
                tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q "berth-monitor.*$DAEMON_DIR/" &&
                        echo "${p#/proc/}"
        done
        return 0
}

daemon_stop() {
        [ -n "${DAEMON_DIR:-}" ] || return 0
        local left=0 ids id
        # A test that restarted berthd ran in a subshell: the pid file knows
        # the daemon that runs now.
        if [ -s "$DAEMON_DIR/berthd.pid" ]; then
                DAEMON_PID=$(cat "$DAEMON_DIR/berthd.pid")
        fi
        if kill -0 "${DAEMON_PID:-0}" 2>/dev/null; then
                # Remove every container this suite left, then stop berthd.
                ids=$(api GET '/containers/json?all=1' | sed '$d' | jq -r '.[].Id' 2>/dev/null)
                for id in $ids; do api DELETE "/containers/$id?force=1" >/dev/null 2>&1; done
                # and its networks (their bridges would outlive the daemon)
                ids=$(api GET '/networks?filters={"type":["custom"]}' | sed '$d' | jq -r '.[].Id' 2>/dev/null)
                for id in $ids; do api DELETE "/networks/$id" >/dev/null 2>&1; done
                kill "$DAEMON_PID"
                wait "$DAEMON_PID" 2>/dev/null || true
                # Not our child when a test restarted it: wait for it to go.
                wait_for 100 eval '! kill -0 "$DAEMON_PID" 2>/dev/null' || kill -9 "$DAEMON_PID"
        fi
        local p
        for p in $(daemon_monitor_pids); do
                echo "left behind: monitor $p" >&2
                kill -9 "$p" 2>/dev/null
                left=1
        done
        if grep -qF " $DAEMON_DIR/" /proc/mounts; then
                echo "left behind: mounts:" >&2
                grep -F " $DAEMON_DIR/" /proc/mounts >&2
                grep -F " $DAEMON_DIR/" /proc/mounts | awk '{print $2}' | sort -r |
                        while read -r m; do umount -l "$m"; done
                left=1
        fi
        # The suite's bridge and table go with it (berthd itself keeps them
        # across restarts, as Docker keeps docker0).
        # (an exited container's veth is deleted in the background: wait)
        for _ in $(seq 30); do
                [ -z "$(ip -o link show master "$DAEMON_BRIDGE" 2>/dev/null)" ] && break
                sleep 0.1
        done
        if [ -n "$(ip -o link show master "$DAEMON_BRIDGE" 2>/dev/null)" ]; then
                echo "left behind: devices on $DAEMON_BRIDGE:" >&2
                ip -o link show master "$DAEMON_BRIDGE" >&2
                left=1
        fi
        ip link delete "$DAEMON_BRIDGE" 2>/dev/null
        nft delete table ip "$DAEMON_NFT_TABLE" 2>/dev/null
        [ $left = 0 ] && rm -rf "$DAEMON_DIR"
        return $left
}

daemon_test_setup() {
        [ "$(id -u)" = 0 ] || skip "berthd needs root"
        [ -S "${DAEMON_SOCK:-}" ] || fail "no daemon (daemon_start in setup_file)"
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

assert_success() {
        [ "$status" -eq 0 ] || fail "expected success, got status $status; output: $output"
}

assert_failure() {
        [ "$status" -ne 0 ] || fail "expected failure, got success; output: $output"
}

# assert_status CODE: the last line of $output (from `run api ...`).
assert_http() {
        [ "$(tail -n1 <<<"$output")" = "$1" ] || fail "expected HTTP $1; got: $output"
}

# body: $output without the status line.
body() {
        sed '$d' <<<"$output"
}
