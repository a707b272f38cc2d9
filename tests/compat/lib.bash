# Sourced by the tests/compat scripts: the real docker client against a
# berthd of the test's own (data root, exec root, socket, default bridge and
# rule table under names of its own), TAP helpers, and a cleanup that stops
# what the script started, by PID, and removes what berthd made.
#
#   . "$(dirname "$0")/lib.bash"
#   compat_init "$@"            # skips (TAP 1..0) without docker, berthd or root
#   echo "1..N"
#   compat_start_daemon          # exports DOCKER_HOST; d() runs docker
#   ... ok / not_ok / check / expect ...
#   compat_done                  # exit status: 0 when nothing failed

compat_init() {
	here=$(cd "$(dirname "$0")" && pwd)
	root=$(cd "$here/../.." && pwd)
	berthd=${1:-${BERTHD:-$root/build/src/daemon/berthd}}
	docker=${DOCKER:-$(command -v docker || true)}
	shared=${SHARED_FIXTURES:-$root/../shared/fixtures}
	[ -d "$shared" ] || shared=/work/shared/fixtures
	if [ -z "$docker" ]; then
		echo "1..0 # SKIP no docker client installed"
		exit 0
	fi
	if [ ! -x "$berthd" ]; then
		echo "1..0 # SKIP berthd not built at $berthd (pass its path as \$1)"
		exit 0
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP berthd needs root"
		exit 0
	fi
	tmp=$(mktemp -d /tmp/berth-compat.XXXXXX)
	sock=$tmp/berth.sock
	bridge=bc$((RANDOM % 100000))
	pid=
	n=0
	failed=0
	echo "{\"bridge\": \"$bridge\"}" >"$tmp/daemon.json"
	trap compat_cleanup EXIT
}

compat_cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		local id
		for id in $("$docker" ps -aq 2>/dev/null); do
			"$docker" rm -f "$id" >/dev/null 2>&1
		done
		for id in $("$docker" network ls -q --filter type=custom 2>/dev/null); do
			"$docker" network rm "$id" >/dev/null 2>&1
		done
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	if grep -qF " $tmp/" /proc/mounts; then
		echo "# left behind: mounts under $tmp"
		grep -F " $tmp/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do
			umount -l "$m"
		done
	fi
	ip link delete "$bridge" 2>/dev/null
	nft delete table ip "berth_$bridge" 2>/dev/null
	nft delete table ip6 "berth_$bridge" 2>/dev/null
	rm -rf "$tmp"
}

# Starts berthd (extra flags after the standard ones) and waits for it.
compat_start_daemon() {
	"$berthd" -H "unix://$sock" --data-root "$tmp/data" --exec-root "$tmp/exec" \
		--pidfile "$tmp/berthd.pid" --config-file "$tmp/daemon.json" "$@" \
		2>"$tmp/berthd.log" &
	pid=$!
	local i
	for i in $(seq 1 100); do
		[ -S "$sock" ] && break
		sleep 0.05
	done
	export DOCKER_HOST=unix://$sock DOCKER_CONFIG=$tmp/docker-config
}

d() { "$docker" "$@"; }

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -n "${2:-}" ] && sed 's/^/# /' <<<"$2"
}
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}
# expect DESCRIPTION WANT COMMAND...: passes when the output equals WANT.
expect() {
	local desc=$1 want=$2 out
	shift 2
	out=$("$@" 2>&1)
	if [ "$out" = "$want" ]; then ok "$desc"; else not_ok "$desc" "want: $want
got: $out"; fi
}
# wait_until TRIES COMMAND...: retries every 0.1 s.
wait_until() {
	local i tries=$1
	shift
	for ((i = 0; i < tries; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

compat_done() {
	[ "$failed" -eq 0 ]
}
