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
# shellcheck source-path=SCRIPTDIR source=lib.bash
. "$(dirname "$0")/lib.bash"
RUNS=${RUNS:-20}
BERTH_RUNTIME=${BERTH_RUNTIME:-$top/build/src/runtime/berth-runtime}
RESULTS=${RESULTS:-$top/docs/benchmarks.md}

need_root "containers need root"
need_commands crun runc
bench_init runtime
bundle=$work/bundle
"$top/tests/fixtures/make-bundle" "$bundle" true >/dev/null

# Nanoseconds for each of RUNS runs of `$rt run` with unique ids, one a line.
time_loop() { # name binary [global flags...]
        local name=$1 bin=$2 i t0 t1
        shift 2
        for ((i = 0; i < RUNS; i++)); do
                t0=$(now)
                "$bin" --root "$work/state-$name" "$@" run --bundle "$bundle" "bench-$name-$$-$i" </dev/null >/dev/null 2>&1
                t1=$(now)
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
        echo "Results of \`bench/runtime-run.sh\` on $(date -u +%Y-%m-%d) ($(uname -r), $(nproc) CPUs, timer: $timer):"
        echo
        echo "| runtime | median ms | p90 ms | min ms | runs |"
        echo "|---|---|---|---|---|"
        printf '%s\n' "${rows[@]}"
        echo
        echo "Versions: $("$BERTH_RUNTIME" --version 2>/dev/null | head -1 || echo 'berth-runtime: unknown'); $(crun --version 2>/dev/null | head -1); $(runc --version 2>/dev/null | head -1)."
)
replace_section runtime-run "berth-runtime run" "$section"
