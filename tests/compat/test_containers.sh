#!/bin/bash
# The real docker client against berthd: the container lifecycle (run,
# ps, inspect, top, pause, rename, restart, stop, wait, kill, rm, --rm,
# restart policies, prune, events). TAP output.
# Usage: tests/compat/test_containers.sh [path/to/berthd]   (or BERTHD=...)
set -u

. "$(dirname "$0")/lib.bash"
compat_init "$@"

echo "1..21"
compat_start_daemon

"$root/tests/fixtures/make-image" "$tmp/busybox.tar" busybox:latest >/dev/null
check "docker load of busybox" d load -i "$tmp/busybox.tar"

expect "docker run --rm prints the output" hello d run --rm busybox echo hello
d run --name code3 busybox sh -c 'exit 3' >/dev/null 2>&1
rc=$?
if [ $rc = 3 ]; then ok "docker run exits with the container's status"; else
	not_ok "docker run exits with the container's status" "got $rc"; fi

check "docker run -d" d run -d --name web busybox sleep 1000
expect "docker ps --format shows it running" "web running" \
	d ps --format '{{.Names}} {{.State}}'
status=$(d ps --format '{{.Status}}' --filter name=web)
if [[ "$status" == Up* ]]; then ok "docker ps status is Up ..."; else
	not_ok "docker ps status is Up ..." "$status"; fi
expect "docker inspect -f" "true /web" d inspect -f '{{.State.Running}} {{.Name}}' web
top=$(d top web 2>&1)
if grep -q "sleep 1000" <<<"$top"; then ok "docker top lists the process"; else
	not_ok "docker top lists the process" "$top"; fi

d pause web >/dev/null
expect "docker pause" "paused" d inspect -f '{{.State.Status}}' web
d unpause web >/dev/null
expect "docker unpause" "running" d inspect -f '{{.State.Status}}' web

check "docker rename" d rename web web2
old=$(d inspect -f '{{.State.Pid}}' web2)
d restart -t 1 web2 >/dev/null
new=$(d inspect -f '{{.State.Pid}}' web2)
if [ "$old" != "$new" ] && [ "$(d inspect -f '{{.State.Running}}' web2)" = true ]; then
	ok "docker restart runs it again"
else
	not_ok "docker restart runs it again" "pid $old -> $new"
fi

d stop -t 1 web2 >/dev/null
expect "docker wait after stop gives 137" 137 d wait web2
if d kill web2 >/dev/null 2>&1; then not_ok "docker kill of a stopped container fails"; else
	ok "docker kill of a stopped container fails"; fi
check "docker rm" d rm web2
if d inspect web2 >/dev/null 2>&1; then not_ok "the removed container is gone"; else
	ok "the removed container is gone"; fi

d run -d --name busy busybox sleep 1000 >/dev/null
check "docker rm -f of a running container" d rm -f busy

d run --rm --name gone busybox true >/dev/null
if wait_until 30 bash -c "! DOCKER_HOST=$DOCKER_HOST $docker inspect gone"; then
	ok "--rm removes the container"; else not_ok "--rm removes the container"; fi

d run -d --name onf --restart on-failure:1 busybox sh -c 'exit 1' >/dev/null
if wait_until 100 bash -c "[ \"\$(DOCKER_HOST=$DOCKER_HOST $docker inspect -f '{{.RestartCount}} {{.State.Status}}' onf)\" = '1 exited' ]"; then
	ok "--restart on-failure:1 restarts once"
else
	not_ok "--restart on-failure:1 restarts once" "$(d inspect -f '{{.RestartCount}} {{.State.Status}}' onf 2>&1)"
fi

out=$(d container prune -f 2>&1)
if grep -q "Total reclaimed space" <<<"$out" && [ -z "$(d ps -aq)" ]; then
	ok "docker container prune removes the stopped containers"
else
	not_ok "docker container prune removes the stopped containers" "$out
$(d ps -a)"
fi

ev=$(d events --since 0 --until "$(date +%s)" --filter container=code3 --format '{{.Action}}' 2>&1 | tr '\n' ' ')
if [[ "$ev" == "create "*"start "*"die "* ]]; then ok "docker events replays create/start/die"; else
	not_ok "docker events replays create/start/die" "$ev"; fi

echo "# $failed failed"
[ $failed = 0 ]
