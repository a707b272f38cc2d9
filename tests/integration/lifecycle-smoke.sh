#!/bin/bash
# Quick end-to-end checks of the container lifecycle (as root), in plain bash:
# berth-runtime [path] (default: the repo's build). Prints TAP.
# Every check also verifies that nothing is left behind.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
rt_bin=${1:-${BERTH_RUNTIME:-$top/build/src/runtime/berth-runtime}}
if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP containers need root"
        exit 0
fi
tmp=$(mktemp -d /tmp/lifecycle-smoke.XXXXXX)
root=$tmp/state
bundle=$tmp/bundle
trap 'for d in "$root"/*/; do [ -d "$d" ] && "$rt_bin" --root "$root" delete -f "$(basename "$d")" >/dev/null 2>&1; done; rm -rf "$tmp"' EXIT
"$top/tests/fixtures/make-bundle" "$bundle" true >/dev/null || { echo "1..0 # SKIP cannot build the bundle"; exit 0; }

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && echo "# $2"; }
check() { # name, command...
        local name=$1; shift
        if "$@"; then ok "$name"; else not_ok "$name"; fi
}
rt() { "$rt_bin" --root "$root" "$@"; }
args() { # sets process.args
        local a
        a=$(for x in "$@"; do printf '%s' "$x" | jq -Rs .; done | jq -sc .)
        jq --argjson a "$a" '.process.args = $a' "$bundle/config.json" >"$bundle/c.new" && mv "$bundle/c.new" "$bundle/config.json"
}
nothing_left() { # id
        [ ! -e "$root/$1" ] || { echo "# left: $root/$1"; return 1; }
        ! grep -qF " $bundle" /proc/mounts || { echo "# left: mounts"; return 1; }
        [ -z "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$1" 2>/dev/null)" ] || { echo "# left: cgroup"; return 1; }
}

args sh -c 'echo hello; exit 3'
out=$(rt run -b "$bundle" s1 2>&1); rc=$?
check "run: output and exit status" test "$out" = hello -a "$rc" = 3
check "run: nothing left" nothing_left s1

args sleep 100
rt create -b "$bundle" --pid-file "$tmp/pid" s2 </dev/null >/dev/null 2>&1
check "create: status created, pid file written" test "$(rt state s2 | jq -r .status)" = created -a "$(cat "$tmp/pid")" = "$(rt state s2 | jq -r .pid)"
rt start s2
check "start: status running" test "$(rt state s2 | jq -r .status)" = running
out=$(rt exec s2 sh -c 'echo $$; exit 4'); rc=$?
check "exec: runs in the container's pid namespace, exit status" test "$rc" = 4 -a "$out" -gt 1
rt pause s2
check "pause: status paused" test "$(rt state s2 | jq -r .status)" = paused
rt resume s2
check "resume: status running" test "$(rt state s2 | jq -r .status)" = running
check "ps: the init's pid" test "$(rt ps --format json s2 | jq -r '.[0]')" = "$(rt state s2 | jq -r .pid)"
rt delete s2 2>/dev/null
check "delete: refused while running" test -d "$root/s2"
rt kill s2 KILL
pid=$(rt state s2 | jq -r .pid)
for _ in $(seq 50); do [ "$(rt state s2 | jq -r .status)" = stopped ] && break; sleep 0.1; done
check "kill: status stopped" test "$(rt state s2 | jq -r .status)" = stopped
rt delete s2
check "delete: nothing left" nothing_left s2

args nosuch-binary
out=$(rt run -b "$bundle" s3 2>&1); rc=$?
check "missing binary: one sentence with the errno" test "$rc" = 1 -a "$out" = "berth-runtime: exec 'nosuch-binary': No such file or directory"
check "missing binary: nothing left" nothing_left s3

args true
jq '.mounts += [{"destination": "/mnt", "type": "bind", "source": "/nonexistent-src", "options": ["bind"]}]' "$bundle/config.json" >"$bundle/c.new" && mv "$bundle/c.new" "$bundle/config.json"
out=$(rt run -b "$bundle" s4 2>&1); rc=$?
check "failed mount: names path and errno" test "$rc" = 1 -a -n "$(echo "$out" | grep '/nonexistent-src.*No such file or directory')"
check "failed mount: nothing left" nothing_left s4
jq 'del(.mounts[-1])' "$bundle/config.json" >"$bundle/c.new" && mv "$bundle/c.new" "$bundle/config.json"

echo 7 >"$tmp/fd3"
args sh -c 'cat <&3 && ! cat <&4'
out=$(rt run --preserve-fds 1 -b "$bundle" s5 3<"$tmp/fd3" 4<"$tmp/fd3" 2>/dev/null); rc=$?
check "preserve-fds: fd 3 passed, fd 4 not leaked" test "$rc" = 0 -a "$out" = 7

printf '#!/proc/self/exe\n' >"$bundle/rootfs/selfexe"
chmod +x "$bundle/rootfs/selfexe"
args /selfexe
out=$(rt run -b "$bundle" s6 2>&1); rc=$?
check "CVE-2019-5736: #!/proc/self/exe is refused" test "$rc" = 1 -a -n "$(echo "$out" | grep refusing)"
rm -f "$bundle/rootfs/selfexe"

args sh -c 'trap "exit 9" TERM; sleep 100 & wait'
"$rt_bin" --root "$root" run -b "$bundle" s7 </dev/null &
bg=$!
for _ in $(seq 50); do [ "$(rt state s7 2>/dev/null | jq -r .status)" = running ] && break; sleep 0.1; done
sleep 0.2
kill -TERM $bg
wait $bg; rc=$?
check "run: forwards SIGTERM and exits with the status" test "$rc" = 9
check "run: nothing left after a forwarded signal" nothing_left s7

echo "1..$n"
[ "$failed" = 0 ]
