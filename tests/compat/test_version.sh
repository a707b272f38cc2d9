#!/bin/bash
# The real docker client against berthd: `docker version` and `docker info`
# must print a Server section without error. TAP output.
# Usage: tests/compat/test_version.sh [path/to/berthd]   (or BERTHD=...)
set -u

. "$(dirname "$0")/lib.bash"
compat_init "$@"

echo "1..8"
"$berthd" -H "unix://$sock" --data-root "$tmp/data" --exec-root "$tmp/exec" \
	--config-file "$tmp/daemon.json" 2>"$tmp/berthd.log" &
pid=$!
for _ in $(seq 1 100); do
	[ -S "$sock" ] && break
	sleep 0.05
done
if [ -S "$sock" ]; then ok "berthd starts and listens on its socket"; else
	not_ok "berthd starts and listens on its socket" "$(cat "$tmp/berthd.log")"
fi

export DOCKER_HOST=unix://$sock DOCKER_CONFIG=$tmp/docker-config
out=$("$docker" version 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q '^Client:' <<<"$out" && grep -q '^Server:' <<<"$out"; then
	ok "docker version prints Client and Server sections"
else
	not_ok "docker version prints Client and Server sections (rc $rc)" "$out"
fi
if grep -Eq 'API version: +1\.[0-9]+ \(minimum version 1\.24\)' <<<"$out"; then
	ok "docker version shows the server's API range"
else
	not_ok "docker version shows the server's API range" "$out"
fi

out=$("$docker" info 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q 'Server Version:' <<<"$out" && grep -q "Docker Root Dir: $tmp/data" <<<"$out"; then
	ok "docker info reports the engine"
else
	not_ok "docker info reports the engine (rc $rc)" "$out"
fi

out=$(DOCKER_API_VERSION=1.12 "$docker" version 2>&1)
if grep -q 'client version 1.12 is too old. Minimum supported API version is 1.24' <<<"$out"; then
	ok "an API version below 1.24 gets Docker's error"
else
	not_ok "an API version below 1.24 gets Docker's error" "$out"
fi

out=$("$berthd" -H "unix://$tmp/other.sock" --data-root "$tmp/data" --exec-root "$tmp/exec" \
	--config-file "$tmp/daemon.json" 2>&1)
if grep -q "berthd is already running (pid $pid)" <<<"$out"; then
	ok "a second berthd on the same exec-root is refused"
else
	not_ok "a second berthd on the same exec-root is refused" "$out"
fi

out=$("$berthd" -H "unix://$sock" --data-root "$tmp/data2" --exec-root "$tmp/exec2" \
	--config-file "$tmp/daemon.json" 2>&1)
if grep -q "already listening on '$sock'" <<<"$out" && [ -S "$sock" ]; then
	ok "a live socket is neither taken over nor removed"
else
	not_ok "a live socket is neither taken over nor removed" "$out"
fi

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
if [ $rc -eq 0 ] && [ ! -e "$sock" ] && [ ! -e "$tmp/exec/berthd.pid" ]; then
	ok "SIGTERM stops berthd and removes its socket and pidfile"
else
	not_ok "SIGTERM stops berthd and removes its socket and pidfile (rc $rc)" "$(ls -l "$tmp" "$tmp/exec"; cat "$tmp/berthd.log")"
fi

[ $failed -eq 0 ]
