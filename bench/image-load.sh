#!/bin/bash
# bench/image-load.sh: load a ~200 MB multi-layer image (gzip layers in a
# `docker save` archive) with berth, `docker load` and `skopeo copy`, and
# record the times in docs/benchmarks.md ("Image load" section).
#
#   RUNS=3  IMAGE_LOAD=path/to/bench/image-load  RESULTS=docs/benchmarks.md
#   ARCHIVE=path (reuse an archive made by an earlier run; kept when given)
#
# The archive: 6 layers, each ~22 MB of text (headers from /usr/include)
# and ~12 MB of random bytes, compressed by gzip -6 like Docker's layers.
# berth is timed through bench/image-load (the image store's load, what
# POST /images/load runs) and its layer store alone with each gzip decoder.
# dockerd (if installed) runs by hand with its own data root, exec root and
# socket in a temp dir and is stopped by its PID. Each tool gets a fresh
# store for every run; the archive is in the page cache for all of them.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
. "$(dirname "$0")/lib.bash"
RUNS=${RUNS:-3}
IMAGE_LOAD=${IMAGE_LOAD:-$top/build/bench/image-load}
RESULTS=${RESULTS:-$top/docs/benchmarks.md}

need_root "unpacking layers (ownership, overlay) needs root"
if ! [ -x "$IMAGE_LOAD" ]; then
        echo "image-load.sh: $IMAGE_LOAD not built (ninja -C build bench/image-load)" >&2
        exit 1
fi

bench_init image

make_archive() { # out
        local out=$1 img=$work/img layers=() diff_ids=() i
        mkdir -p "$img"
        find /usr/include -type f -size -2M | sort >"$work/files"
        split -n l/6 -d "$work/files" "$work/part."
        for i in 0 1 2 3 4 5; do
                local root=$work/layer$i
                mkdir -p "$root/usr/include" "$root/data"
                # text: a sixth of the headers, ~22 MB
                tar -cf - -T "$work/part.0$i" 2>/dev/null | tar -xf - -C "$root"
                # random data: 8 x 1 MiB and one 4 MiB file
                for f in 1 2 3 4 5 6 7 8; do
                        head -c 1048576 /dev/urandom >"$root/data/random-$i-$f.bin"
                done
                head -c 4194304 /dev/urandom >"$root/data/big-$i.bin"
                tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
                        -C "$root" -cf "$work/layer$i.tar" .
                diff_ids+=("sha256:$(sha256sum "$work/layer$i.tar" | cut -d' ' -f1)")
                gzip -6 -n "$work/layer$i.tar"
                local id
                id=$(sha256sum "$work/layer$i.tar.gz" | cut -d' ' -f1)
                mkdir -p "$img/$id"
                mv "$work/layer$i.tar.gz" "$img/$id/layer.tar"
                echo "1.0" >"$img/$id/VERSION"
                printf '{"id":"%s"}' "$id" >"$img/$id/json"
                layers+=("\"$id/layer.tar\"")
                rm -rf "$root"
        done
        local ids hist
        ids=$(printf '"%s",' "${diff_ids[@]}")
        hist=$(for _ in "${diff_ids[@]}"; do printf '{"created":"1970-01-01T00:00:00Z","created_by":"bench layer"},'; done)
        printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"created":"1970-01-01T00:00:00Z","history":[%s],"rootfs":{"type":"layers","diff_ids":[%s]}}' \
                "${hist%,}" "${ids%,}" >"$work/config.json"
        local cfg
        cfg=$(sha256sum "$work/config.json" | cut -d' ' -f1)
        mv "$work/config.json" "$img/$cfg.json"
        local l
        l=$(IFS=,; echo "${layers[*]}")
        printf '[{"Config":"%s.json","RepoTags":["bench/image-load:latest"],"Layers":[%s]}]' \
                "$cfg" "$l" >"$img/manifest.json"
        printf '{"bench/image-load":{"latest":"%s"}}' "${layers[-1]//\"/}" >"$img/repositories"
        tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$img" -cf "$out" .
        rm -rf "$img" "$work"/part.* "$work/files"
}

archive=${ARCHIVE:-$work/image.tar}
if ! [ -f "$archive" ]; then
        echo "making $archive" >&2
        make_archive "$archive"
fi
cat "$archive" >/dev/null # into the page cache
archive_mb=$(($(stat -c %s "$archive") / 1048576))
tar_mb=$(tar -xOf "$archive" --wildcards '*/layer.tar' | gzip -dc | wc -c)
tar_mb=$((tar_mb / 1048576))

# "median min" in whole ms from nanoseconds on stdin.
stats_median_min() {
        sort -n | awk '{ v[NR] = $1 } END {
                n = NR; if (n == 0) exit 1
                med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
                printf "%.0f %.0f\n", med / 1e6, v[1] / 1e6 }'
}

# Deleting a store frees thousands of inodes; ext4 skips "recently
# deleted" inodes when it allocates new ones (a scan that slowed the next
# run by seconds), so every run waits for that window to pass.
settle() {
        sync
        sleep "${SETTLE:-6}"
}

# CPU ms (user + system, children included) of a PID from /proc.
proc_cpu_ms() {
        awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15 + $16 + $17) * 1000 / hz }' "/proc/$1/stat"
}

rows=()
record() { # name what cpu_ms_median times...
        local name=$1 what=$2 cpu=$3 s med min
        shift 3
        s=$(printf '%s\n' "$@" | stats_median_min)
        read -r med min <<<"$s"
        rows+=("| $name | $what | $med | $min | $cpu | $RUNS |")
        echo "$name: median $med ms, min $min ms, cpu $cpu ms" >&2
        eval "med_$(echo "$name" | tr -c 'a-z0-9\n' '_')=$med cpu_$(echo "$name" | tr -c 'a-z0-9\n' '_')=$cpu"
}
# The median (the lower one of an even count) of the arguments, whole.
median_of() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "%.0f", v[int((NR + 1) / 2)] }'; }

time_berth() { # name what [env...] -- image-load args
        local name=$1 what=$2 envs=() times=() cpus=() i root t0
        shift 2
        while [ "$1" != -- ]; do envs+=("$1"); shift; done
        shift
        for ((i = 0; i < RUNS; i++)); do
                root=$work/berth-$i
                t0=$(now)
                if ! env "${envs[@]}" "$IMAGE_LOAD" "$@" "$archive" "$root" >"$work/out" 2>"$work/err"; then
                        rows+=("| $name | $what | failed: $(tail -n1 "$work/err" | tr '|' '/') | | | |")
                        echo "$name: failed: $(cat "$work/err")" >&2
                        rm -rf "$root"
                        return 1
                fi
                times+=($(($(now) - t0)))
                cpus+=("$(sed -n 's/.*cpu_ms=\([0-9]*\).*/\1/p' "$work/out")")
                rm -rf "$root"
                settle
        done
        record "$name" "$what" "$(median_of "${cpus[@]}")" "${times[@]}"
}

time_berth "berth" "image store load (img_store_load)" -- --mode store || true
time_berth "berth-decode" "decompress + sha256 only (libdeflate), no files" -- --mode decode || true
time_berth "berth-decode-zlib" "decompress + sha256 only (zlib), no files" BERTH_GZIP_DECODER=zlib -- --mode decode || true
time_berth "berth-layers" "layer store only: libdeflate, parallel" -- --mode layers || true
time_berth "berth-layers-1thread" "layer store only: libdeflate, 1 thread" -- --mode layers --threads 1 || true
time_berth "berth-layers-zlib" "layer store only: zlib stream, parallel" BERTH_GZIP_DECODER=zlib -- --mode layers || true
time_berth "berth-layers-libarchive" "layer store only: libarchive (before), 1 thread" BERTH_GZIP_DECODER=libarchive -- --mode layers --threads 1 || true

docker_version=
if command -v dockerd >/dev/null 2>&1; then
        if start_dockerd; then
                docker_version=$(dk version --format '{{.Server.Version}}')
                times=() cpus=()
                settle
                for ((i = 0; i < RUNS; i++)); do
                        c0=$(proc_cpu_ms "$dockerd_pid")
                        t0=$(now)
                        dk load -q -i "$archive" >/dev/null
                        times+=($(($(now) - t0)))
                        cpus+=("$(awk -v a="$c0" -v b="$(proc_cpu_ms "$dockerd_pid")" 'BEGIN { printf "%.0f", b - a }')")
                        dk rmi -f bench/image-load:latest >/dev/null
                        settle
                done
                record "docker load" "dockerd $docker_version, overlay2 (cpu: dockerd)" "$(median_of "${cpus[@]}")" "${times[@]}"
        else
                rows+=("| docker load | dockerd did not start: $(tail -n1 "$dockerd_dir/log" | tr '|' '/') | | | | |")
        fi
        stop_dockerd
        rm -rf "$dockerd_dir" 2>/dev/null || { sleep 1; rm -rf "$dockerd_dir"; }
else
        rows+=("| docker load | not installed | | | | |")
fi

skopeo_version=
if command -v skopeo >/dev/null 2>&1; then
        skopeo_version=$(skopeo --version | cut -d' ' -f3)
        times=() cpus=()
        for ((i = 0; i < RUNS; i++)); do
                t0=$(now)
                # bash's `times`: the subshell's children, user and system
                c=$( (skopeo copy -q "docker-archive:$archive" "oci:$work/oci-$i:bench" >/dev/null; times) | tail -n1)
                times+=($(($(now) - t0)))
                cpus+=("$(awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.0f", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }' <<<"$c")")
                rm -rf "$work/oci-$i"
                settle
        done
        record "skopeo copy" "docker-archive: to oci: (no unpacking)" "$(median_of "${cpus[@]}")" "${times[@]}"
else
        rows+=("| skopeo copy | not installed | | | | |")
fi

ratio=
if [ -n "${med_berth:-}" ] && [ -n "${med_docker_load:-}" ] && [ "$med_berth" -gt 0 ]; then
        ratio=$(awk -v a="$med_docker_load" -v b="$med_berth" -v c="${cpu_docker_load:-0}" -v d="${cpu_berth:-0}" \
                'BEGIN { printf "%.1fx as fast as docker load (median wall time)", a / b
                         if (c > 0 && d > 0) printf ", with %.1fx less CPU", c / d }')
fi

section=$(
        echo "Results of \`bench/image-load.sh\` on $(date -u +%Y-%m-%d) ($(uname -r), $(nproc) CPUs, load average at the end: $(cut -d' ' -f1 /proc/loadavg); archive: ${archive_mb} MB, 6 gzip layers, ${tar_mb} MB uncompressed):"
        echo
        echo "| tool | what | median ms | min ms | cpu ms (median) | runs |"
        echo "|---|---|---|---|---|---|"
        printf '%s\n' "${rows[@]}"
        echo
        [ -z "$ratio" ] || echo "berth (img_store_load) loads this archive ${ratio}."
        echo
        echo "Versions: docker ${docker_version:-none}; skopeo ${skopeo_version:-none}; libdeflate $(dpkg-query -W -f='${Version}' libdeflate0 2>/dev/null || echo '?'); zlib $(dpkg-query -W -f='${Version}' zlib1g 2>/dev/null || echo '?')."
)
replace_section image-load "Image load" "$section" >&2
