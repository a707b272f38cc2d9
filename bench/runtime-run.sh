#!/bin/bash
# bench/runtime-run.sh: time `run` of the busybox bundle (args `true`, no
# terminal) with berth-runtime, crun and runc, side by side.
#
#   RUNS=20 (runs per runtime)  BERTH_RUNTIME=path  RESULTS=docs/benchmarks.md
#
# Prints median/p90/min per runtime and replaces the section between the
# markers in docs/benchmarks.md. A runtime that cannot run on this host is
# recorded with the reason instead of failing the benchmark.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-20}
BERTH_RUNTIME=${BERTH_RUNTIME:-$top/build/src/runtime/berth-runtime}
RESULTS=${RESULTS:-$top/docs/benchmarks.md}

if [ "$(id -u)" != 0 ]; then
        echo "runtime-run.sh: containers need root" >&2
        exit 1
fi
for p in crun runc; do
        if ! command -v "$p" >/dev/null 2>&1; then
                echo "runtime-run.sh: installing $p" >&2
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
        fi
done

work=$(mktemp -d /tmp/berth-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
bundle=$work/bundle
"$top/tests/fixtures/make-bundle" "$bundle" true >/dev/null

# Nanoseconds for each of RUNS runs of `$rt run` with unique ids, one a line.
time_loop() { # name binary [global flags...]
        local name=$1 bin=$2 i t0 t1
        shift 2
        for ((i = 0; i < RUNS; i++)); do
                t0=$(date +%s%N)
                "$bin" --root "$work/state-$name" "$@" run --bundle "$bundle" "bench-$name-$$-$i" </dev/null >/dev/null 2>&1
                t1=$(date +%s%N)
                echo $((t1 - t0))
        done
}

# With hyperfine: the same runs, ids unique per run through a counter file.
time_hyperfine() { # name binary [global flags...]
        local name=$1 bin=$2
        shift 2
        local cmd="$bin --root $work/state-$name $* run --bundle $bundle bench-$name-$$"
        # `run` deletes the container when it exits; --prepare makes sure of
        # it so that every run starts from nothing under the same id.
        hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$work/$name.json" \
                --prepare "$bin --root $work/state-$name delete --force bench-$name-$$" \
                "$cmd" >/dev/null 2>&1 || return 1
        jq -r '.results[0].times[] | . * 1e9 | floor' "$work/$name.json"
}

# "median p90 min" in ms from nanoseconds on stdin.
stats() {
        sort -n | awk '{ v[NR] = $1 } END {
                n = NR; if (n == 0) exit 1
                med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
                p = int(0.9 * n + 0.999); if (p < 1) p = 1; if (p > n) p = n
                printf "%.1f %.1f %.1f\n", med / 1e6, v[p] / 1e6, v[1] / 1e6 }'
}

rows=()
bench() { # name binary [global flags...]
        local name=$1 bin=$2 err times s
        shift 2
        if ! [ -x "$bin" ] && ! command -v "$bin" >/dev/null 2>&1; then
                rows+=("| $name | not installed | | | |")
                echo "$name: not installed"
                return
        fi
        # One trial run: a runtime that cannot run here is recorded, not timed.
        if ! err=$("$bin" --root "$work/state-$name" "$@" run --bundle "$bundle" "bench-$name-trial-$$" </dev/null 2>&1 >/dev/null); then
                err=$(printf '%s' "$err" | tail -n1 | tr '|' '/')
                if [[ $err == *"hybrid mode"* ]]; then
                        err="does not run on this host (mixed cgroup v1+v2 layout): $err"
                else
                        err="does not run on this host: $err"
                fi
                rows+=("| $name | $err | | | |")
                echo "$name: $err"
                return
        fi
        if command -v hyperfine >/dev/null 2>&1; then
                times=$(time_hyperfine "$name" "$bin" "$@") || times=$(time_loop "$name" "$bin" "$@")
        else
                times=$(time_loop "$name" "$bin" "$@")
        fi
        s=$(stats <<<"$times")
        read -r med p90 min <<<"$s"
        rows+=("| $name | $med | $p90 | $min | $RUNS |")
        echo "$name: median ${med} ms, p90 ${p90} ms, min ${min} ms ($RUNS runs)"
}

bench berth-runtime "$BERTH_RUNTIME"
# crun refuses a hybrid cgroup layout whatever the cgroup manager; the
# trial run records that (tried: --cgroup-manager=disabled, no resources).
bench crun crun
bench runc runc

timer=loop
command -v hyperfine >/dev/null 2>&1 && timer="hyperfine $(hyperfine --version | cut -d' ' -f2)"
section=$(
        echo "<!-- bench:runtime-run:start -->"
        echo "Results of \`bench/runtime-run.sh\` on $(date -u +%Y-%m-%d) ($(uname -r), $(nproc) CPUs, timer: $timer):"
        echo
        echo "| runtime | median ms | p90 ms | min ms | runs |"
        echo "|---|---|---|---|---|"
        printf '%s\n' "${rows[@]}"
        echo
        echo "Versions: $("$BERTH_RUNTIME" --version 2>/dev/null | head -1 || echo 'berth-runtime: unknown'); $(crun --version 2>/dev/null | head -1); $(runc --version 2>/dev/null | head -1)."
        echo "<!-- bench:runtime-run:end -->"
)
if [ -f "$RESULTS" ] && grep -q '<!-- bench:runtime-run:start -->' "$RESULTS"; then
        awk -v section="$section" '
                /<!-- bench:runtime-run:start -->/ { print section; skip = 1; next }
                /<!-- bench:runtime-run:end -->/ { skip = 0; next }
                !skip { print }' "$RESULTS" >"$RESULTS.new"
        mv "$RESULTS.new" "$RESULTS"
else
        printf '\n## berth-runtime run\n\n%s\n' "$section" >>"$RESULTS"
fi
echo "results written to $RESULTS"
