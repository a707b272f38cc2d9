#!/bin/bash
# The real docker client drives berthd's networks: network create / ls /
# inspect / connect / disconnect / rm / prune, run -p and -P, port, and
# service discovery by name. TAP output. Everything stays on this machine.
# Usage: tests/compat/test_networks.sh [path/to/berthd]   (or BERTHD=...)
set -u

. "$(dirname "$0")/lib.bash"
compat_init "$@"
dk() { "$docker" "$@"; }

echo "1..12"
compat_start_daemon
"$root/tests/fixtures/make-image" "$tmp/busybox.tar" busybox:latest >/dev/null
check "docker load of the busybox image" dk load -i "$tmp/busybox.tar"

out=$(dk network ls 2>&1)
if grep -q ' bridge ' <<<"$out" && grep -q ' host ' <<<"$out" && grep -q ' none ' <<<"$out"; then
	ok "network ls shows bridge, host and none"
else
	not_ok "network ls shows bridge, host and none" "$out"
fi

id=$(dk network create --subnet 10.231.0.0/24 --label purpose=test netc 2>&1)
if [[ "$id" =~ ^[0-9a-f]{64}$ ]]; then ok "network create prints the ID"; else not_ok "network create prints the ID" "$id"; fi

out=$(dk network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Labels.purpose}}' netc 2>&1)
if [ "$out" = "10.231.0.0/24 10.231.0.1 test" ]; then ok "network inspect -f"; else not_ok "network inspect -f" "$out"; fi

out=$(dk network create --subnet 10.231.0.0/25 overlap 2>&1)
if [ $? -ne 0 ] && grep -q "Pool overlaps" <<<"$out"; then ok "an overlapping subnet is refused"; else not_ok "an overlapping subnet is refused" "$out"; fi

dk run -d --name web --network netc --network-alias www busybox \
	sh -c 'mkdir /w; echo compat-web >/w/index.html; exec httpd -f -p 80 -h /w' >/dev/null 2>"$tmp/err"
out=""
for _ in $(seq 1 100); do
	out=$(dk run --rm --network netc busybox timeout 3 wget -q -O - http://www/ 2>&1) && break
	sleep 0.2
done
if [ "$out" = "compat-web" ]; then ok "run on a user network finds another container by alias"; else not_ok "run on a user network finds another container by alias" "$out $(cat "$tmp/err")"; fi

dk run -d --name pub -p 127.0.0.1:18180:80 -p 80 busybox \
	sh -c 'mkdir /w; echo compat-pub >/w/index.html; exec httpd -f -p 80 -h /w' >/dev/null 2>&1
out=""
for _ in $(seq 1 100); do
	out=$(curl -sf --max-time 2 http://127.0.0.1:18180/ 2>&1) && break
	sleep 0.2
done
if [ "$out" = "compat-pub" ]; then ok "run -p 127.0.0.1:18180:80 is reached from the host"; else not_ok "run -p 127.0.0.1:18180:80 is reached from the host" "$out"; fi

out=$(dk port pub 2>&1)
if grep -q '80/tcp -> 127.0.0.1:18180' <<<"$out" && grep -Eq '80/tcp -> 0.0.0.0:[0-9]+' <<<"$out"; then
	ok "docker port lists both bindings"
else
	not_ok "docker port lists both bindings" "$out"
fi

out=$(dk ps --filter name=pub --format '{{.Ports}}' 2>&1)
if grep -q '127.0.0.1:18180->80/tcp' <<<"$out"; then ok "ps shows the ports"; else not_ok "ps shows the ports" "$out"; fi

dk run -d --name joiner busybox sleep 300 >/dev/null 2>&1
check "network connect" dk network connect netc joiner
out=$(dk exec joiner timeout 3 wget -q -O - http://web/ 2>&1)
if [ "$out" = "compat-web" ] && dk network disconnect netc joiner >/dev/null 2>&1; then
	ok "a connected container reaches the network by name; disconnect"
else
	not_ok "a connected container reaches the network by name; disconnect" "$out"
fi

out=$(dk network rm netc 2>&1)
if [ $? -ne 0 ] && grep -q "active endpoints" <<<"$out"; then ok "network rm of a network in use is refused"; else not_ok "network rm of a network in use is refused" "$out"; fi
dk rm -f web pub joiner >/dev/null 2>&1
[ $failed -eq 0 ]
