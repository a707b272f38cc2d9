#!/bin/bash
# bench/engine.sh: the engine's performance targets (issue #4), side by side
# with bare runtimes and with docker when a docker engine is installed.
#
#   RUNS=20 (timed runs per command)  BUILD=build (meson build dir)
#   DETACHED=100  LISTED=1000  GETS=20  RESULTS=docs/benchmarks.md
#
# Measures, against a berthd started here with its own data root, exec root,
# socket and default bridge (all in a temp dir, stopped by PID at the end):
#   - `berth run --rm busybox true` with --network none and on the default
#     bridge; `runc run`/`crun run` of the same rootfs as an OCI bundle; and
#     `docker run --rm --network none` against a dockerd started by hand;
#   - berthd's RSS idle (after start and image load) and with 20 running
#     containers, and the PSS of each berth-monitor;
#   - DETACHED `berth run -d busybox sleep 600`, sequential and 10 at a time;
#   - `GET /containers/json?all=1` latency with DETACHED and LISTED containers.
# Prints a summary table and replaces the section between the markers in
# docs/benchmarks.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-20}
BUILD=${BUILD:-$top/build}
DETACHED=${DETACHED:-100}
LISTED=${LISTED:-1000}
GETS=${GETS:-20}
RESULTS=${RESULTS:-$top/docs/benchmarks.md}
BERTHD=${BERTHD:-$BUILD/src/daemon/berthd}
BERTH=${BERTH:-$BUILD/src/cli/berth}

if [ "$(id -u)" != 0 ]; then
        echo "engine.sh: containers need root" >&2
        exit 1
fi
for b in "$BERTHD" "$BERTH"; do
        [ -x "$b" ] || {
                echo "engine.sh: $b not built (ninja -C $BUILD)" >&2
                exit 1
        }
done

work=$(mktemp -d /tmp/berth-bench-engine.XXXXXX)
sock=$work/berth.sock
bridge=bb$((RANDOM % 10000))
while ip link show "$bridge" >/dev/null 2>&1; do bridge=bb$((RANDOM % 10000)); done
berthd_pid=
dockerd_pid=

api() { # METHOD PATH [CURL-ARGS...]
        local m=$1 p=$2
        shift 2
        curl -gsS --unix-socket "$sock" -X "$m" "$@" "http://localhost$p"
}
b() { DOCKER_HOST=unix://$sock "$BERTH" "$@"; }

stop_berthd() {
        [ -n "$berthd_pid" ] || return 0
        if kill -0 "$berthd_pid" 2>/dev/null; then
                api GET '/containers/json?all=1' 2>/dev/null | jq -r '.[].Id' 2>/dev/null |
                        xargs -r -P 4 -I{} curl -s --unix-socket "$sock" -X DELETE \
                                "http://localhost/containers/{}?force=1" >/dev/null || true
                kill "$berthd_pid"
                for _ in $(seq 100); do kill -0 "$berthd_pid" 2>/dev/null || break; sleep 0.1; done
                kill -0 "$berthd_pid" 2>/dev/null && kill -9 "$berthd_pid"
                wait "$berthd_pid" 2>/dev/null || true
        fi
        berthd_pid=
        ip link delete "$bridge" 2>/dev/null || true
        nft delete table ip "berth_$bridge" 2>/dev/null || true
}

stop_dockerd() {
        [ -n "$dockerd_pid" ] || return 0
        local children
        children=$(pgrep -P "$dockerd_pid" || true)
        kill "$dockerd_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.2; done
        wait "$dockerd_pid" 2>/dev/null || true
        for c in $children; do
                for _ in $(seq 50); do kill -0 "$c" 2>/dev/null || break; sleep 0.2; done
                kill -9 "$c" 2>/dev/null || true
        done
        dockerd_pid=
}

cleanup() {
        set +e
        stop_berthd
        stop_dockerd
        grep -o " ${work}[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do
                umount -l "$m" 2>/dev/null
        done || true
        for _ in $(seq 20); do
                rm -rf "$work" 2>/dev/null || true
                [ -e "$work" ] || break
                sleep 0.5
        done
}
trap cleanup EXIT

# "median p90 min" in ms from nanoseconds on stdin.
stats() {
        sort -n | awk '{ v[NR] = $1 } END {
                n = NR; if (n == 0) exit 1
                med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
                p = int(0.9 * n + 0.999); if (p < 1) p = 1; if (p > n) p = n
                printf "%.1f %.1f %.1f\n", med / 1e6, v[p] / 1e6, v[1] / 1e6 }'
}

# Nanoseconds of RUNS runs of a command (after 2 warm-up runs), one a line;
# hyperfine -N when installed, else a loop. PREPARE: a command run before each.
time_cmd() { # name command-string [prepare-string]
        local name=$1 cmd=$2 prep=${3:-true} i t0
        if command -v hyperfine >/dev/null 2>&1; then
                if hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$work/$name.json" \
                        --prepare "$prep" "$cmd" >/dev/null 2>&1; then
                        jq -r '.results[0].times[] | . * 1e9 | floor' "$work/$name.json"
                        return
                fi
        fi
        for ((i = 0; i < RUNS + 2; i++)); do
                bash -c "$prep" >/dev/null 2>&1 || true
                t0=$(date +%s%N)
                bash -c "$cmd" </dev/null >/dev/null 2>&1
                ((i < 2)) || echo $(($(date +%s%N) - t0))
        done
}

rows=()
row() { rows+=("| $1 | $2 | $3 |"); printf '%-48s %s  %s\n' "$1" "$2" "$3"; }
timed_row() { # label command [prepare] [note]
        local s med p90 min
        s=$(time_cmd "t${#rows[@]}" "$2" "${3:-true}" | stats)
        read -r med p90 min <<<"$s"
        row "$1" "median $med ms, p90 $p90 ms (min $min)" "${4:-}"
        last_med=$med
}

kib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
pss_kib() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup"; }
monitor_pids() {
        local p
        for p in /proc/[0-9]*; do
                tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q "berth-monitor.*$work/" &&
                        echo "${p#/proc/}"
        done
        return 0
}

# --- berthd ---------------------------------------------------------------
echo "{\"bridge\": \"$bridge\"}" >"$work/daemon.json"
"$BERTHD" -H "unix://$sock" --data-root "$work/data" --exec-root "$work/exec" \
        --pidfile "$work/berthd.pid" --config-file "$work/daemon.json" \
        </dev/null >>"$work/berthd.log" 2>&1 &
berthd_pid=$!
for _ in $(seq 200); do
        curl -s --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1 && break
        kill -0 "$berthd_pid" 2>/dev/null || { cat "$work/berthd.log" >&2; exit 1; }
        sleep 0.05
done
"$top/tests/fixtures/make-image" "$work/busybox.tar" busybox:latest >/dev/null
b load -i "$work/busybox.tar" >/dev/null
export DOCKER_HOST=unix://$sock

timed_row "berth run --rm --network none busybox true" \
        "$BERTH run --rm --network none busybox true"
berth_none=$last_med
timed_row "berth run --rm busybox true (default bridge)" "$BERTH run --rm busybox true"

# --- bare runtimes ------------------------------------------------------------
"$top/tests/fixtures/make-bundle" "$work/bundle" true >/dev/null
crun_med='' runc_med=''
for rt in crun runc; do
        if ! command -v "$rt" >/dev/null 2>&1; then
                row "$rt run (bundle, true)" "not installed" ""
                continue
        fi
        if ! err=$("$rt" --root "$work/state-$rt" run --bundle "$work/bundle" "trial-$rt" </dev/null 2>&1 >/dev/null); then
                row "$rt run (bundle, true)" "does not run here: $(tail -n1 <<<"$err" | tr '|' '/')" ""
                continue
        fi
        timed_row "$rt run (bundle, true)" \
                "$rt --root $work/state-$rt run --bundle $work/bundle bench-$rt" \
                "$rt --root $work/state-$rt delete --force bench-$rt"
        eval "${rt}_med=\$last_med"
done

# --- docker -------------------------------------------------------------------
docker_med=
if command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1; then
        d=$work/docker
        mkdir -p "$d"
        dockerd --data-root "$d/root" --exec-root "$d/exec" -H "unix://$d/docker.sock" \
                --pidfile "$d/docker.pid" --iptables=false --ip6tables=false --bridge=none \
                --storage-driver overlay2 </dev/null >"$d/log" 2>&1 &
        dockerd_pid=$!
        dk="env DOCKER_HOST=unix://$d/docker.sock DOCKER_CONFIG=$d/config docker"
        for _ in $(seq 100); do $dk version >/dev/null 2>&1 && break; sleep 0.2; done
        if ! $dk version >/dev/null 2>&1; then
                row "docker run --rm --network none busybox true" \
                        "dockerd did not start: $(tail -n1 "$d/log" | tr '|' '/')" ""
        elif ! $dk load -q -i "$work/busybox.tar" >/dev/null 2>&1 ||
                ! err=$($dk run --rm --network none busybox true 2>&1); then
                row "docker run --rm --network none busybox true" \
                        "does not run here: $(tail -n1 <<<"${err:-load failed}" | tr '|' '/')" ""
        else
                dv=$($dk version --format '{{.Server.Version}}')
                timed_row "docker run --rm --network none busybox true" \
                        "$dk run --rm --network none busybox true" true "dockerd $dv"
                docker_med=$last_med
        fi
        stop_dockerd
else
        row "docker run --rm --network none busybox true" "no docker engine installed" ""
fi

# --- memory -------------------------------------------------------------------
idle_rss=$(rss_kib "$berthd_pid")
idle_pss=$(pss_kib "$berthd_pid")
row "berthd idle (after start and image load)" "RSS $(kib "$idle_rss"), PSS $(kib "$idle_pss")" ""
for i in $(seq 20); do b run -d busybox sleep 600 >/dev/null; done
sleep 0.5
mons=$(monitor_pids)
nmon=$(wc -w <<<"$mons")
row "berthd with 20 running containers" \
        "RSS $(kib "$(rss_kib "$berthd_pid")"), PSS $(kib "$(pss_kib "$berthd_pid")")" ""
mstat=$(for p in $mons; do pss_kib "$p"; done | sort -n | awk '{ v[NR] = $1 } END {
        printf "%d %d %d", v[int((NR + 1) / 2)], v[NR], v[1] }')
read -r mon_med mon_max mon_min <<<"$mstat"
mon_rss=$(for p in $mons; do rss_kib "$p"; done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
row "berth-monitor PSS ($nmon monitors)" \
        "median $mon_med KiB, max $mon_max KiB, min $mon_min KiB (RSS $mon_rss KiB)" ""
api GET '/containers/json?all=1' | jq -r '.[].Id' |
        xargs -r -P 4 -I{} curl -s --unix-socket "$sock" -X DELETE "http://localhost/containers/{}?force=1" >/dev/null

# --- many containers ----------------------------------------------------------
rm_all() {
        api GET '/containers/json?all=1' | jq -r '.[].Id' |
                xargs -r -P 4 -I{} curl -s --unix-socket "$sock" -X DELETE "http://localhost/containers/{}?force=1" >/dev/null
}
t0=$(date +%s%N)
for ((i = 0; i < DETACHED; i++)); do b run -d busybox sleep 600 >/dev/null; done
seq_ms=$((($(date +%s%N) - t0) / 1000000))
row "$DETACHED x run -d busybox sleep 600, sequential" "$seq_ms ms total" ""
rm_all
t0=$(date +%s%N)
seq "$DETACHED" | xargs -P 10 -I{} env DOCKER_HOST="unix://$sock" "$BERTH" run -d busybox sleep 600 >/dev/null
par_ms=$((($(date +%s%N) - t0) / 1000000))
running=$(api GET '/containers/json' | jq length)
row "$DETACHED x run -d busybox sleep 600, 10 in parallel" "$par_ms ms total" "$running running after"

get_lat() { # label
        local i
        for ((i = 0; i < GETS + 2; i++)); do
                curl -s -o /dev/null -w '%{time_total}\n' --unix-socket "$sock" \
                        'http://localhost/containers/json?all=1'
        done | tail -n "$GETS" | awk '{ printf "%d\n", $1 * 1e9 }' | stats
}
read -r med p90 min <<<"$(get_lat)"
n=$(api GET '/containers/json?all=1' | jq length)
row "GET /containers/json?all=1, $n containers" "median $med ms, p90 $p90 ms (min $min)" "curl time_total, $GETS GETs"
list100=$med n100=$n
t0=$(date +%s%N)
seq $((LISTED - n)) | xargs -P 4 -I{} curl -s -o /dev/null --unix-socket "$sock" \
        -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":["true"]}' \
        http://localhost/containers/create
create_ms=$((($(date +%s%N) - t0) / 1000000))
read -r med p90 min <<<"$(get_lat)"
n=$(api GET '/containers/json?all=1' | jq length)
bytes=$(api GET '/containers/json?all=1' | wc -c)
row "GET /containers/json?all=1, $n containers" "median $med ms, p90 $p90 ms (min $min)" \
        "curl time_total, $GETS GETs, $((bytes / 1024)) KiB body; $((LISTED - n100)) creates took $create_ms ms (4 at a time)"
list1000=$med n1000=$n
t0=$(date +%s%N)
rm_all
rm_ms=$((($(date +%s%N) - t0) / 1000000))
row "DELETE ?force=1 of all $n1000 containers, 4 at a time" "$rm_ms ms total" ""

berthd_version=$(b version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)
stop_berthd

# --- targets ----------------------------------------------------------------
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && b != "" && a + 0 <= b + 0) ? "met" : "NOT met" }'; }
targets=()
if [ -n "$docker_med" ]; then
        targets+=("run --rm ≤ 1/10 of docker run --rm: $berth_none ms vs $docker_med/10 = $(awk -v d="$docker_med" 'BEGIN { printf "%.1f", d / 10 }') ms: $(verdict "$berth_none" "$(awk -v d="$docker_med" 'BEGIN { print d / 10 }')")")
else
        targets+=("run --rm ≤ 1/10 of docker run --rm: no docker number here (issue: docker ≈ 560 ms, so ≤ 56 ms): $berth_none ms: $(verdict "$berth_none" 56)")
fi
ref=${crun_med:-$runc_med}
refname=crun
[ -n "$crun_med" ] || refname="runc (crun does not run here)"
[ -n "$ref" ] && targets+=("run --rm ≤ 2x $refname: $berth_none ms vs 2 x $ref ms: $(verdict "$berth_none" "$(awk -v r="$ref" 'BEGIN { print 2 * r }')")")
targets+=("berthd idle RSS ≤ 10 MiB: $(kib "$idle_rss"): $(verdict "$idle_rss" 10240)")
targets+=("berth-monitor ≤ 1 MiB PSS: median $mon_med KiB, max $mon_max KiB: $(verdict "$mon_max" 1024)")
targets+=("$DETACHED detached ≤ 3 s: sequential $seq_ms ms: $(verdict "$seq_ms" 3000); 10 in parallel $par_ms ms: $(verdict "$par_ms" 3000)")
targets+=("list of $n1000 ≤ 20 ms: median $list1000 ms: $(verdict "$list1000" 20) (with $n100: $list100 ms)")
echo
printf 'target: %s\n' "${targets[@]}"

timer=loop
command -v hyperfine >/dev/null 2>&1 && timer="hyperfine $(hyperfine --version | cut -d' ' -f2) -N, 2 warm-up runs"
section=$(
        echo "<!-- bench:engine:start -->"
        echo "Results of \`bench/engine.sh\` on $(date -u +%Y-%m-%d) ($(uname -r), $(nproc) CPUs, load average at the end: $(cut -d' ' -f1 /proc/loadavg); RUNS=$RUNS; timer: $timer; berthd $berthd_version):"
        echo
        echo "| what | result | notes |"
        echo "|---|---|---|"
        printf '%s\n' "${rows[@]}"
        echo
        echo "Targets (issue #4):"
        echo
        printf -- '- %s\n' "${targets[@]}"
        echo "<!-- bench:engine:end -->"
)
if [ -f "$RESULTS" ] && grep -q '<!-- bench:engine:start -->' "$RESULTS"; then
        awk -v section="$section" '
                /<!-- bench:engine:start -->/ { print section; skip = 1; next }
                /<!-- bench:engine:end -->/ { skip = 0; next }
                !skip { print }' "$RESULTS" >"$RESULTS.new"
        mv "$RESULTS.new" "$RESULTS"
else
        printf '\n## Engine\n\n%s\n' "$section" >>"$RESULTS"
fi
echo "results written to $RESULTS"
