# Sourced by the bench/ scripts: a berthd (and a dockerd) of the script's own
# in a temp dir (own data root, exec root, socket, default bridge and rule
# table), a cleanup at exit that stops them by PID and removes what they left
# (containers, mounts, the bridge and its nft table), timing statistics, the
# results table and the replacing of the script's section in
# docs/benchmarks.md.
#
#   . "$(dirname "$0")/lib.bash"   # sets $top, the source tree
#   need_root "containers need root"
#   bench_init engine              # $work; bench_cleanup runs at exit
#   start_berthd bb                # $sock, $bridge; busybox:latest loaded
#   b run ...; api GET /_ping; row "what" "result" "notes"
#   stop_berthd
#   replace_section engine Engine "$body"

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_name=$(basename "$0")
work=
sock=
bridge=
berthd_pid=
dockerd_pid=
dockerd_dir=
rows=()
row_width=48

# need_root WHY: exits (with WHY) unless run as root.
need_root() {
        [ "$(id -u)" = 0 ] && return 0
        echo "$bench_name: $1" >&2
        exit 1
}

# need_built BINARY...: exits unless each one is built.
need_built() {
        local x
        for x in "$@"; do
                [ -x "$x" ] || {
                        echo "$bench_name: $x not built (ninja -C $BUILD)" >&2
                        exit 1
                }
        done
}

# need_commands NAME...: installs with apt-get each one missing from PATH
# (the package has the command's name).
need_commands() {
        local p
        for p in "$@"; do
                command -v "$p" >/dev/null 2>&1 && continue
                echo "$bench_name: installing $p" >&2
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
        done
}

# bench_init NAME: makes $work (/tmp/berth-bench-NAME.*) and has
# bench_cleanup run at exit.
bench_init() {
        work=$(mktemp -d "/tmp/berth-bench-$1.XXXXXX")
        trap bench_cleanup EXIT
}

# Stops what the script started, by PID, then unmounts and removes $work.
bench_cleanup() {
        set +e
        [ -n "$work" ] || return 0
        stop_berthd
        stop_dockerd
        # a killed dockerd leaves its overlay mounts and netns files behind
        grep -o " ${work}[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do
                umount -l "$m" 2>/dev/null
        done
        # dockerd's containerd may still be writing its state while it exits
        for _ in $(seq 20); do
                rm -rf "$work" 2>/dev/null
                [ -e "$work" ] || break
                sleep 0.5
        done
        [ ! -e "$work" ] || echo "$bench_name: could not remove $work" >&2
}

# api METHOD PATH [CURL-ARGS...]: a request to berthd.
api() {
        local m=$1 p=$2
        shift 2
        curl -gsS --unix-socket "$sock" -X "$m" "$@" "http://localhost$p"
}

# b ARGS...: the berth client against berthd.
b() { DOCKER_HOST=unix://$sock "$BERTH" "$@"; }

# start_berthd PREFIX: starts $BERTHD on $work/berth.sock with a default
# bridge of its own (PREFIX and a free number, in $bridge), waits for
# /_ping and loads busybox:latest made by tests/fixtures/make-image.
start_berthd() {
        sock=$work/berth.sock
        bridge=$1$((RANDOM % 10000))
        while ip link show "$bridge" >/dev/null 2>&1; do bridge=$1$((RANDOM % 10000)); done
        echo "{\"bridge\": \"$bridge\"}" >"$work/daemon.json"
        "$BERTHD" -H "unix://$sock" --data-root "$work/data" --exec-root "$work/exec" \
                --pidfile "$work/berthd.pid" --config-file "$work/daemon.json" \
                </dev/null >>"$work/berthd.log" 2>&1 &
        berthd_pid=$!
        for _ in $(seq 200); do
                curl -s --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1 && break
                kill -0 "$berthd_pid" 2>/dev/null || {
                        cat "$work/berthd.log" >&2
                        exit 1
                }
                sleep 0.05
        done
        "$top/tests/fixtures/make-image" "$work/busybox.tar" busybox:latest >/dev/null
        b load -i "$work/busybox.tar" >/dev/null
}

# rm_all: removes every container of berthd, 4 at a time; never fails.
rm_all() {
        api GET '/containers/json?all=1' 2>/dev/null | jq -r '.[].Id' 2>/dev/null |
                xargs -r -P 4 -I{} curl -s --unix-socket "$sock" -X DELETE \
                        "http://localhost/containers/{}?force=1" >/dev/null || true
}

# stop_berthd: removes its containers, stops it (SIGKILL after 10 s) and
# deletes its bridge and nft table. Does nothing when none is running.
stop_berthd() {
        [ -n "$berthd_pid" ] || return 0
        if kill -0 "$berthd_pid" 2>/dev/null; then
                rm_all
                kill "$berthd_pid"
                for _ in $(seq 100); do kill -0 "$berthd_pid" 2>/dev/null || break; sleep 0.1; done
                kill -0 "$berthd_pid" 2>/dev/null && kill -9 "$berthd_pid"
                wait "$berthd_pid" 2>/dev/null || true
        fi
        berthd_pid=
        ip link delete "$bridge" 2>/dev/null || true
        nft delete table ip "berth_$bridge" 2>/dev/null || true
}

# berthd_server_version: the server version berthd reports ("unknown" if none).
berthd_server_version() { b version --format '{{.Server.Version}}' 2>/dev/null || echo unknown; }

# dk ARGS...: the docker client against the dockerd of start_dockerd.
dk() { DOCKER_HOST=unix://$dockerd_dir/docker.sock DOCKER_CONFIG=$dockerd_dir/config docker "$@"; }

# start_dockerd: starts dockerd with its roots and socket in
# $dockerd_dir ($work/docker) and no networking of its own; fails when it
# does not answer within 20 s (its log: $dockerd_dir/log).
start_dockerd() {
        dockerd_dir=$work/docker
        mkdir -p "$dockerd_dir"
        dockerd --data-root "$dockerd_dir/root" --exec-root "$dockerd_dir/exec" \
                -H "unix://$dockerd_dir/docker.sock" --pidfile "$dockerd_dir/docker.pid" \
                --iptables=false --ip6tables=false --bridge=none --storage-driver overlay2 \
                </dev/null >"$dockerd_dir/log" 2>&1 &
        dockerd_pid=$!
        for _ in $(seq 100); do
                dk version >/dev/null 2>&1 && return 0
                sleep 0.2
        done
        dk version >/dev/null 2>&1
}

# stop_dockerd: stops dockerd, then the children it started (its
# containerd ends after it; SIGKILL after 15 s). Does nothing when none
# is running.
stop_dockerd() {
        [ -n "$dockerd_pid" ] || return 0
        local children c
        children=$(pgrep -P "$dockerd_pid" || true)
        kill "$dockerd_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.2; done
        wait "$dockerd_pid" 2>/dev/null || true
        for c in $children; do
                for _ in $(seq 75); do kill -0 "$c" 2>/dev/null || break; sleep 0.2; done
                kill -9 "$c" 2>/dev/null || true
        done
        dockerd_pid=
}

# now: nanoseconds since the epoch.
now() { date +%s%N; }

# stats: "median p90 min" in ms from nanoseconds on stdin, one a line.
stats() {
        sort -n | awk '{ v[NR] = $1 } END {
                n = NR; if (n == 0) exit 1
                med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
                p = int(0.9 * n + 0.999); if (p < 1) p = 1; if (p > n) p = n
                printf "%.1f %.1f %.1f\n", med / 1e6, v[p] / 1e6, v[1] / 1e6 }'
}

# median: the median of the numbers on stdin, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# sub A B: A - B to one decimal.
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }

# verdict VALUE LIMIT: "met" when both are given and VALUE <= LIMIT.
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && b != "" && a + 0 <= b + 0) ? "met" : "NOT met" }'; }

# kib KIB: KiB as "N.N MiB"; rss_kib PID: its resident set in KiB.
kib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# row WHAT RESULT NOTES: a line of the results table (in rows) and of the
# summary on stdout (WHAT padded to $row_width).
row() {
        rows+=("| $1 | $2 | $3 |")
        printf '%-*s %s  %s\n' "$row_width" "$1" "$2" "$3"
}

# replace_section NAME HEADING BODY: puts BODY between the markers
# <!-- bench:NAME:start --> and <!-- bench:NAME:end --> in $RESULTS,
# replacing what was there, or appends it under "## HEADING" when the
# markers are missing.
replace_section() {
        local name=$1 heading=$2 section
        section="<!-- bench:$name:start -->
$3
<!-- bench:$name:end -->"
        if [ -f "$RESULTS" ] && grep -q "<!-- bench:$name:start -->" "$RESULTS"; then
                awk -v section="$section" -v start="<!-- bench:$name:start -->" \
                        -v end="<!-- bench:$name:end -->" '
                        index($0, start) { print section; skip = 1; next }
                        index($0, end) { skip = 0; next }
                        !skip { print }' "$RESULTS" >"$RESULTS.new"
                mv "$RESULTS.new" "$RESULTS"
        else
                printf '\n## %s\n\n%s\n' "$heading" "$section" >>"$RESULTS"
        fi
        echo "results written to $RESULTS"
}
