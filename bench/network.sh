#!/bin/bash
# bench/network.sh: the networking performance targets (issue #11).
#
#   RUNS=20 (bridge cost runs per mode)  PUB_RUNS=10 (port range runs)
#   IPERF_TIME=5 (seconds per iperf3 test)  IPERF_REPS=3  BUILD=build
#   RESULTS=docs/benchmarks.md
#
# Against a berthd started here with its own data root, exec root, socket and
# default bridge (all in a temp dir, stopped by PID at the end), measures:
#   - the bridge set-up cost: `berth run --rm busybox true` on the default
#     bridge minus the same with --network none (runs interleaved);
#   - publishing `-p 20000-20999:20000-20999`: `berth run -d` and `berth rm -f`
#     of a sleeping container with the range minus without it, the number of
#     nft rules it adds and the processes it adds;
#   - TCP throughput with iperf3 (the host's binary and the libraries ldd
#     lists, bind-mounted into the busybox container): container→container,
#     host→container IP (direct), host→published port on 127.0.0.1 and on the
#     host's own address.
# Prints a summary table and replaces the section between the markers in
# docs/benchmarks.md.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
. "$(dirname "$0")/lib.bash"
RUNS=${RUNS:-20}
PUB_RUNS=${PUB_RUNS:-10}
IPERF_TIME=${IPERF_TIME:-5}
IPERF_REPS=${IPERF_REPS:-3}
BUILD=${BUILD:-$top/build}
RESULTS=${RESULTS:-$top/docs/benchmarks.md}
BERTHD=${BERTHD:-$BUILD/src/daemon/berthd}
BERTH=${BERTH:-$BUILD/src/cli/berth}

need_root "containers need root"
need_built "$BERTHD" "$BERTH"
need_commands iperf3
bench_init net
row_width=52

# --- berthd ---------------------------------------------------------------
start_berthd bn
table=berth_$bridge

# --- bridge set-up cost -----------------------------------------------------
# Interleaved so that a change of load on the machine hits both modes alike.
for _ in 1 2; do
        b run --rm --network none busybox true
        b run --rm busybox true
done
: >"$work/none" && : >"$work/bridge"
for ((i = 0; i < RUNS; i++)); do
        t0=$(now)
        b run --rm --network none busybox true
        echo $(($(now) - t0)) >>"$work/none"
        t0=$(now)
        b run --rm busybox true
        echo $(($(now) - t0)) >>"$work/bridge"
done
read -r none_med none_p90 none_min <<<"$(stats <"$work/none")"
read -r br_med br_p90 br_min <<<"$(stats <"$work/bridge")"
bridge_cost=$(sub "$br_med" "$none_med")
bridge_cost_min=$(sub "$br_min" "$none_min")
row "run --rm busybox true, --network none" "median $none_med ms, p90 $none_p90 ms (min $none_min)" "$RUNS runs"
row "run --rm busybox true, default bridge" "median $br_med ms, p90 $br_p90 ms (min $br_min)" "$RUNS runs, interleaved"
row "bridge set-up cost (bridge - none)" "$bridge_cost ms (medians), $bridge_cost_min ms (minimums)" ""

# --- a 1000-port range --------------------------------------------------------
# Processes of ours (cmdline names our temp dir: monitors) and proxies.
nprocs() {
        local p n=0
        for p in /proc/[0-9]*; do
                tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qE "$work/|proxy" && n=$((n + 1))
        done
        echo $n
}
: >"$work/start-plain" && : >"$work/start-range" && : >"$work/rm-plain" && : >"$work/rm-range"
rules='' procs_delta='' rss_delta=''
for ((i = 0; i < PUB_RUNS + 1; i++)); do
        t0=$(now)
        id=$(b run -d busybox sleep 600)
        t1=$(now)
        b rm -f "$id" >/dev/null
        t2=$(now)
        if ((i > 0)); then
                echo $((t1 - t0)) >>"$work/start-plain"
                echo $((t2 - t1)) >>"$work/rm-plain"
        fi
        p0=$(nprocs)
        r0=$(rss_kib "$berthd_pid")
        t0=$(now)
        id=$(b run -d -p 20000-20999:20000-20999 busybox sleep 600)
        t1=$(now)
        if [ -z "$rules" ]; then
                rules=$(nft list chain ip "$table" published | grep -c 'dnat to' || true)
                nft list chain ip "$table" published | grep 'dnat to' | sed 's/^[[:space:]]*//' >"$work/rule"
                procs_delta=$(($(nprocs) - p0))
                rss_delta=$(($(rss_kib "$berthd_pid") - r0))
        fi
        t2=$(now)
        b rm -f "$id" >/dev/null
        t3=$(now)
        if ((i > 0)); then
                echo $((t1 - t0)) >>"$work/start-range"
                echo $((t3 - t2)) >>"$work/rm-range"
        fi
done
left=$(nft list chain ip "$table" published | grep -c 'dnat to' || true)
read -r sp _ spmin <<<"$(stats <"$work/start-plain")"
read -r sr _ srmin <<<"$(stats <"$work/start-range")"
read -r rp _ rpmin <<<"$(stats <"$work/rm-plain")"
read -r rr _ rrmin <<<"$(stats <"$work/rm-range")"
setup_cost=$(sub "$sr" "$sp")
teardown_cost=$(sub "$rr" "$rp")
row "run -d busybox sleep 600, no ports" "median $sp ms (min $spmin)" "$PUB_RUNS runs"
row "run -d -p 20000-20999:20000-20999 busybox sleep 600" "median $sr ms (min $srmin)" "$PUB_RUNS runs, interleaved"
row "rm -f, no ports" "median $rp ms (min $rpmin)" ""
row "rm -f, with the 1000-port range" "median $rr ms (min $rrmin)" ""
row "1000-port range set-up (with - without)" "$setup_cost ms (medians), $(sub "$srmin" "$spmin") ms (minimums)" \
        "$rules nft rule(s): \`$(cat "$work/rule")\`; monitor/proxy processes added with the container: $procs_delta; berthd RSS +${rss_delta} KiB"
row "1000-port range tear-down (with - without)" "$teardown_cost ms (medians), $(sub "$rrmin" "$rpmin") ms (minimums)" "rules left after rm: $left"

# --- throughput ---------------------------------------------------------------
ir=$work/iperf
mkdir -p "$ir"
cp /usr/bin/iperf3 "$ir/"
for l in $(ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); do cp -L "$l" "$ir/"; done
ld=$(basename "$(ldd /usr/bin/iperf3 | grep -o '/[^ ]*ld-linux[^ ]*' | head -1)")
iperf_in=("/iperf/$ld" --library-path /iperf /iperf/iperf3)
srv=$(b run -d -v "$ir:/iperf" -p 5201:5201 busybox "${iperf_in[@]}" -s)
srv_ip=$(b inspect -f '{{.NetworkSettings.IPAddress}}' "$srv")
host_ip=$(ip -4 route get 1.1.1.1 2>/dev/null | grep -o 'src [0-9.]*' | cut -d' ' -f2 || true)
for _ in $(seq 50); do iperf3 -c "$srv_ip" -n 1K >/dev/null 2>&1 && break; sleep 0.1; done
gbits() { jq -r '.end.sum_received.bits_per_second / 1e9' 2>/dev/null || echo 0; }
declare -A tp
tp_med=()
paths=("container→container" "host→container IP (direct)" "host→published 127.0.0.1:5201")
[ -n "$host_ip" ] && paths+=("host→published $host_ip:5201")
for ((r = 0; r < IPERF_REPS; r++)); do
        for p in "${paths[@]}"; do
                case $p in
                container*) v=$(timeout $((IPERF_TIME + 30)) env DOCKER_HOST="unix://$sock" "$BERTH" run --rm -v "$ir:/iperf" busybox "${iperf_in[@]}" -c "$srv_ip" -t "$IPERF_TIME" -J | gbits) ;;
                *direct*) v=$(timeout $((IPERF_TIME + 30)) iperf3 -c "$srv_ip" -t "$IPERF_TIME" -J | gbits) ;;
                *127.0.0.1*) v=$(timeout $((IPERF_TIME + 30)) iperf3 -c 127.0.0.1 -p 5201 -t "$IPERF_TIME" -J | gbits) ;;
                *) v=$(timeout $((IPERF_TIME + 30)) iperf3 -c "$host_ip" -p 5201 -t "$IPERF_TIME" -J | gbits) ;;
                esac
                tp[$p]="${tp[$p]:-} $v"
        done
done
for p in "${paths[@]}"; do
        m=$(tr ' ' '\n' <<<"${tp[$p]}" | grep . | median)
        tp_med[${#tp_med[@]}]=$m
        # shellcheck disable=SC2086 # the rates, one word each
        row "TCP throughput $p" "$(printf '%.2f' "$m") Gbit/s" "median of $IPERF_REPS x ${IPERF_TIME} s:$(printf ' %.2f' ${tp[$p]})"
done
c2c=${tp_med[0]} direct=${tp_med[1]} pub=${tp_med[2]}
pub_ratio=$(awk -v a="$pub" -v b="$direct" 'BEGIN { printf "%.0f", 100 * a / b }')
pub2_ratio=
[ -n "$host_ip" ] && pub2_ratio=$(awk -v a="${tp_med[3]}" -v b="$direct" 'BEGIN { printf "%.0f", 100 * a / b }')
berthd_version=$(berthd_server_version)

# --- targets ----------------------------------------------------------------
targets=(
        "bridge set-up adds ≤ 5 ms to run --rm: $bridge_cost ms (medians; $bridge_cost_min ms between minimums): $(verdict "$bridge_cost" 5)"
        "1000-port range set up ≤ 50 ms: $setup_cost ms: $(verdict "$setup_cost" 50); torn down ≤ 50 ms: $teardown_cost ms: $(verdict "$teardown_cost" 50); $rules nft rule, $procs_delta monitor/proxy process added with the container (its monitor: no proxy)"
        "host→published port within 10% of direct: 127.0.0.1 $pub_ratio%${pub2_ratio:+, $host_ip $pub2_ratio%} of direct: $(verdict $((100 - pub_ratio)) 10)"
        "container→container ≥ Docker's (5.1 Gbit/s measured with Docker 20.10 in the issue): $(printf '%.2f' "$c2c") Gbit/s: $(awk -v a="$c2c" 'BEGIN { print (a >= 5.1) ? "met" : "NOT met" }')"
)
echo
printf 'target: %s\n' "${targets[@]}"

section=$(
        echo "Results of \`bench/network.sh\` on $(date -u +%Y-%m-%d) ($(uname -r), $(nproc) CPUs, load average at the end: $(cut -d' ' -f1 /proc/loadavg); RUNS=$RUNS, PUB_RUNS=$PUB_RUNS, iperf3 $(iperf3 --version | head -1 | cut -d' ' -f2) ${IPERF_REPS}x${IPERF_TIME} s; berthd $berthd_version):"
        echo
        echo "| what | result | notes |"
        echo "|---|---|---|"
        printf '%s\n' "${rows[@]}"
        echo
        echo "Targets (issue #11):"
        echo
        printf -- '- %s\n' "${targets[@]}"
)
replace_section network Networking "$section"
