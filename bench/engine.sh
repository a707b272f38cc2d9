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
# shellcheck source-path=SCRIPTDIR source=lib.bash
. "$(dirname "$0")/lib.bash"
RUNS=${RUNS:-20}
BUILD=${BUILD:-$top/build}
DETACHED=${DETACHED:-100}
LISTED=${LISTED:-1000}
GETS=${GETS:-20}
RESULTS=${RESULTS:-$top/docs/benchmarks.md}
BERTHD=${BERTHD:-$BUILD/src/daemon/berthd}
BERTH=${BERTH:-$BUILD/src/cli/berth}

need_root "containers need root"
need_built "$BERTHD" "$BERTH"
bench_init engine

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
                t0=$(now)
                bash -c "$cmd" </dev/null >/dev/null 2>&1
                ((i < 2)) || echo $(($(now) - t0))
        done
}

# A row of "median, p90 (min)" of time_cmd; the median is left in last_med.
timed_row() { # label command [prepare] [note]
        local s med p90 min
        s=$(time_cmd "t${#rows[@]}" "$2" "${3:-true}" | stats)
        read -r med p90 min <<<"$s"
        row "$1" "median $med ms, p90 $p90 ms (min $min)" "${4:-}"
        last_med=$med
}

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
start_berthd bb
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
        if ! start_dockerd; then
                row "docker run --rm --network none busybox true" \
                        "dockerd did not start: $(tail -n1 "$dockerd_dir/log" | tr '|' '/')" ""
        elif ! dk load -q -i "$work/busybox.tar" >/dev/null 2>&1 ||
                ! err=$(dk run --rm --network none busybox true 2>&1); then
                row "docker run --rm --network none busybox true" \
                        "does not run here: $(tail -n1 <<<"${err:-load failed}" | tr '|' '/')" ""
        else
                dv=$(dk version --format '{{.Server.Version}}')
                timed_row "docker run --rm --network none busybox true" \
                        "env DOCKER_HOST=unix://$dockerd_dir/docker.sock DOCKER_CONFIG=$dockerd_dir/config docker run --rm --network none busybox true" \
                        true "dockerd $dv"
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
rm_all

# --- many containers ----------------------------------------------------------
t0=$(now)
for ((i = 0; i < DETACHED; i++)); do b run -d busybox sleep 600 >/dev/null; done
seq_ms=$((($(now) - t0) / 1000000))
row "$DETACHED x run -d busybox sleep 600, sequential" "$seq_ms ms total" ""
rm_all
t0=$(now)
seq "$DETACHED" | xargs -P 10 -I{} "$BERTH" run -d busybox sleep 600 >/dev/null # DOCKER_HOST is exported
par_ms=$((($(now) - t0) / 1000000))
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
t0=$(now)
seq $((LISTED - n)) | xargs -P 4 -I{} curl -s -o /dev/null --unix-socket "$sock" \
        -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":["true"]}' \
        http://localhost/containers/create
create_ms=$((($(now) - t0) / 1000000))
read -r med p90 min <<<"$(get_lat)"
n=$(api GET '/containers/json?all=1' | jq length)
bytes=$(api GET '/containers/json?all=1' | wc -c)
row "GET /containers/json?all=1, $n containers" "median $med ms, p90 $p90 ms (min $min)" \
        "curl time_total, $GETS GETs, $((bytes / 1024)) KiB body; $((LISTED - n100)) creates took $create_ms ms (4 at a time)"
list1000=$med n1000=$n
t0=$(now)
rm_all
rm_ms=$((($(now) - t0) / 1000000))
row "DELETE ?force=1 of all $n1000 containers, 4 at a time" "$rm_ms ms total" ""

berthd_version=$(berthd_server_version)
stop_berthd

# --- targets ----------------------------------------------------------------
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
        echo "Results of \`bench/engine.sh\` on $(date -u +%Y-%m-%d) ($(uname -r), $(nproc) CPUs, load average at the end: $(cut -d' ' -f1 /proc/loadavg); RUNS=$RUNS; timer: $timer; berthd $berthd_version):"
        echo
        echo "| what | result | notes |"
        echo "|---|---|---|"
        printf '%s\n' "${rows[@]}"
        echo
        echo "Targets (issue #4):"
        echo
        printf -- '- %s\n' "${targets[@]}"
)
replace_section engine Engine "$section"
