#!/bin/bash
# Images move between berth and real Docker unchanged: an image berth saves
# loads in dockerd with the same ID and layers, and one dockerd saves loads
# in berth with the same ID. Needs dockerd (Debian's docker.io); skipped
# without it. dockerd runs with roots and a socket of its own, no bridge and
# no iptables, and is stopped by PID. TAP output.
# Usage: tests/compat/test_docker_interop.sh [path/to/berthd]   (or BERTHD=...)
set -u

. "$(dirname "$0")/lib.bash"
compat_init "$@"
dockerd=${DOCKERD:-$(command -v dockerd || true)}
if [ -z "$dockerd" ]; then
	echo "1..0 # SKIP no dockerd installed (apt-get install docker.io)"
	exit 0
fi
dpid=
dk_cleanup() {
	if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
		kill "$dpid"
		wait "$dpid" 2>/dev/null
	fi
	grep -F " $tmp/dk/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do
		umount -l "$m"
	done
	compat_cleanup
}
trap dk_cleanup EXIT

echo "1..4"
compat_start_daemon
mkdir -p "$tmp/dk"
"$dockerd" --data-root "$tmp/dk/data" --exec-root "$tmp/dk/exec" -H "unix://$tmp/dk/sock" \
	--pidfile "$tmp/dk/dockerd.pid" --bridge none --iptables=false --ip6tables=false \
	>"$tmp/dk/log" 2>&1 &
dpid=$!
dkd() { DOCKER_HOST=unix://$tmp/dk/sock "$docker" "$@"; }
wait_until 150 dkd version || {
	echo "1..0 # SKIP dockerd did not start here: $(tail -3 "$tmp/dk/log" | tr '\n' ' ')"
	exit 0
}

"$root/tests/fixtures/make-image" "$tmp/busybox.tar" busybox:latest >/dev/null
d load -i "$tmp/busybox.tar" >/dev/null 2>&1
if [ -f "$shared/multilayer-docker-save.tar" ]; then
	d load -i "$shared/multilayer-docker-save.tar" >/dev/null 2>&1
	want_ml=$(jq -r '.[0].Id' "$shared/multilayer-docker-inspect.json")
fi

d save -o "$tmp/from-berth.tar" busybox:latest ${want_ml:+fixture/multilayer:1.0}
out=$(dkd load -i "$tmp/from-berth.tar" 2>&1)
if grep -q "Loaded image: busybox:latest" <<<"$out"; then ok "dockerd loads an archive berth saved"; else
	not_ok "dockerd loads an archive berth saved" "$out"; fi
expect "the same image ID in both" "$(d inspect -f '{{.Id}} {{json .RootFS.Layers}}' busybox:latest)" \
	dkd inspect -f '{{.Id}} {{json .RootFS.Layers}}' busybox:latest
if [ -n "${want_ml:-}" ]; then
	expect "the multilayer fixture keeps Docker's ID through berth" "$want_ml" \
		dkd inspect -f '{{.Id}}' fixture/multilayer:1.0
else
	ok "the multilayer fixture keeps Docker's ID through berth # SKIP no ../shared/fixtures"
fi

dkd tag busybox:latest roundtrip:docker >/dev/null
dkd save -o "$tmp/from-docker.tar" roundtrip:docker
d load -i "$tmp/from-docker.tar" >/dev/null 2>&1
expect "berth loads what dockerd saved, same ID" "$(dkd inspect -f '{{.Id}}' roundtrip:docker)" \
	d inspect -f '{{.Id}}' roundtrip:docker
compat_done
