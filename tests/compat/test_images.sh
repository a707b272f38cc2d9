#!/bin/bash
# The real docker client against berthd's image endpoints: docker load -i,
# images, tag, inspect, history, save | tar t, rmi, import. TAP output.
# Usage: tests/compat/test_images.sh [path/to/berthd]   (or BERTHD=...)
set -u

. "$(dirname "$0")/lib.bash"
compat_init "$@"

echo "1..13"
compat_start_daemon

"$root/tests/fixtures/make-image" "$tmp/busybox.tar" busybox:latest >/dev/null
out=$(d load -i "$tmp/busybox.tar" 2>&1)
if [ $? -eq 0 ] && grep -q '^Loaded image: busybox:latest$' <<<"$out"; then
	ok "docker load -i prints Loaded image: busybox:latest"
else
	not_ok "docker load -i prints Loaded image: busybox:latest" "$out$(tail -5 "$tmp/berthd.log")"
fi

out=$(d load <"$tmp/busybox.tar" 2>&1)
if [ $? -eq 0 ] && grep -q 'Loaded image: busybox:latest' <<<"$out"; then
	ok "docker load from stdin"
else
	not_ok "docker load from stdin" "$out"
fi

out=$(d images --format '{{.Repository}}:{{.Tag}} {{.ID}}' 2>&1)
if grep -q '^busybox:latest [0-9a-f]\{12\}$' <<<"$out"; then ok "docker images lists it"; else
	not_ok "docker images lists it" "$out"
fi

check "docker tag" d tag busybox:latest example.com/me/bb:v2
out=$(d images example.com/me/bb --format '{{.Tag}}' 2>&1)
if [ "$out" = v2 ]; then ok "docker images REPOSITORY shows the new tag"; else
	not_ok "docker images REPOSITORY shows the new tag" "$out"
fi

out=$(d inspect --format '{{json .Config.Cmd}} {{.Os}} {{index .RepoTags 0}}' busybox 2>&1)
if [[ $out == '["sh"] linux busybox:latest' ]]; then ok "docker inspect an image"; else
	not_ok "docker inspect an image" "$out"
fi

out=$(d history --no-trunc --format '{{.CreatedBy}}' busybox 2>&1)
if grep -q 'make-image' <<<"$out"; then ok "docker history"; else not_ok "docker history" "$out"; fi

out=$(d save busybox | tar -t 2>&1)
if grep -qx manifest.json <<<"$out" && grep -q '^blobs/sha256/' <<<"$out"; then
	ok "docker save | tar t"
else
	not_ok "docker save | tar t" "$out"
fi

check "docker save -o with two names" d save -o "$tmp/two.tar" busybox example.com/me/bb:v2
out=$(d rmi example.com/me/bb:v2 2>&1)
if [ $? -eq 0 ] && grep -q 'Untagged: example.com/me/bb:v2' <<<"$out"; then ok "docker rmi a tag"; else
	not_ok "docker rmi a tag" "$out"
fi

out=$(d rmi nosuch:1 2>&1)
if [ $? -ne 0 ] && grep -q 'No such image: nosuch:1' <<<"$out"; then ok "docker rmi of an unknown image fails"; else
	not_ok "docker rmi of an unknown image fails" "$out"
fi

mkdir -p "$tmp/rootfs/data" && echo hi >"$tmp/rootfs/data/file"
tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
out=$(d import -c 'CMD ["/bin/sh"]' -c 'ENV A=b' -m 'from compat' "$tmp/rootfs.tar" imported:1 2>&1)
id=$(tail -n1 <<<"$out")
cfg=$(d inspect --format '{{json .Config.Cmd}} {{json .Config.Env}}' imported:1 2>&1)
if [[ $id == sha256:* ]] && [[ $cfg == '["/bin/sh"] ["A=b"]'* ]]; then ok "docker import with --change"; else
	not_ok "docker import with --change" "$out
$cfg"
fi

if [ -f "$shared/multilayer-docker-save.tar" ]; then
	out=$(d load -i "$shared/multilayer-docker-save.tar" 2>&1 &&
		d inspect --format '{{.Config.WorkingDir}} {{len .RootFS.Layers}}' fixture/multilayer:1.0 2>&1)
	if grep -q 'Loaded image: fixture/multilayer:1.0' <<<"$out" && grep -q '^/data 3$' <<<"$out"; then
		ok "docker load of an archive made by Docker"
	else
		not_ok "docker load of an archive made by Docker" "$out"
	fi
else
	ok "docker load of an archive made by Docker # SKIP no shared fixtures"
fi

[ $failed -eq 0 ]
