#!/usr/bin/env bats
# Namespaces: pid, uts, mount, ipc, network, and the hostname.

load helpers

@test "pid namespace: the process is pid 1 and sees only its own processes" {
        make_bundle sh -c 'echo pid=$$; ls -d /proc/[0-9]* | wc -l'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "${lines[0]}" "pid=1"
        # sh and ls (and maybe wc) only, not the host's processes.
        [ "${lines[1]}" -le 3 ] || fail "container sees ${lines[1]} processes"
}

@test "uts namespace: hostname from the config, host's unchanged" {
        make_bundle hostname
        update_config '.hostname = "berth-box"'
        host_before=$(hostname)
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "$output" berth-box
        assert_equal "$(hostname)" "$host_before"
}

@test "uts namespace: setting the hostname inside does not touch the host" {
        make_bundle sh -c 'hostname changed-inside && hostname'
        update_config '.hostname = "berth-box" | .process.capabilities[] += ["CAP_SYS_ADMIN"]'
        host_before=$(hostname)
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "$output" changed-inside
        assert_equal "$(hostname)" "$host_before"
}

@test "domainname from the config" {
        skip_if_runc_1_1 "runc 1.1 predates the domainname field (runtime-spec 1.1)"
        make_bundle cat /proc/sys/kernel/domainname
        update_config '.domainname = "berth.test"'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "$output" berth.test
}

@test "mount namespace: the container sees its rootfs as / and none of the host's mounts" {
        make_bundle sh -c 'cut -d" " -f2 /proc/mounts; echo; ls /'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        [ "${lines[0]}" = / ] || fail "first mount is not /: $output"
        # The root is the bundle's rootfs: busybox at /bin and no host paths.
        assert_output_contains "bin"
        assert_output_not_contains "$BUNDLE"
        assert_output_not_contains "$BATS_TEST_TMPDIR"
        # The config's mounts are there.
        for m in /proc /dev /dev/pts /dev/shm /dev/mqueue /sys; do
                grep -qx "$m" <<<"$output" || fail "no $m mount: $output"
        done
}

@test "mount namespace: a mount made inside does not appear on the host" {
        make_bundle sh -c 'mkdir -p /mnt/x && mount -t tmpfs none /mnt/x && grep -c " /mnt/x " /proc/mounts'
        # CAP_SYS_ADMIN for mount(2) inside.
        update_config '.process.capabilities[] += ["CAP_SYS_ADMIN"]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "$output" 1
        ! grep -q "$BUNDLE/rootfs/mnt/x" /proc/mounts
}

@test "mount: bind mount from the host, read-only" {
        mkdir -p "$BATS_TEST_TMPDIR/share"
        echo shared-content >"$BATS_TEST_TMPDIR/share/file"
        make_bundle sh -c 'cat /share/file; echo x >/share/new && echo WROTE || echo write-failed'
        update_config '.mounts += [{"destination": "/share", "type": "bind", "source": $s, "options": ["rbind", "ro"]}]' --arg s "$BATS_TEST_TMPDIR/share"
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains shared-content
        assert_output_contains write-failed
        [ ! -e "$BATS_TEST_TMPDIR/share/new" ]
}

@test "mount: bind mount from the host, writable" {
        mkdir -p "$BATS_TEST_TMPDIR/share"
        make_bundle sh -c 'echo from-container >/share/new'
        update_config '.mounts += [{"destination": "/share", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]' --arg s "$BATS_TEST_TMPDIR/share"
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "$(cat "$BATS_TEST_TMPDIR/share/new")" from-container
}

@test "mount: tmpfs with options" {
        make_bundle sh -c 'grep " /scratch " /proc/mounts'
        update_config '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "noexec", "size=1m"]}]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains tmpfs
        assert_output_contains noexec
        assert_output_contains nosuid
}

@test "ipc namespace: its own; a host message queue is not visible inside" {
        command -v ipcmk >/dev/null || skip "ipcmk (util-linux) not installed on the host"
        qid=$(ipcmk -Q | grep -o '[0-9]*$')
        make_bundle sh -c 'readlink /proc/self/ns/ipc; cat /proc/sysvipc/msg'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        ipcrm -q "$qid"
        assert_success
        [ "${lines[0]}" != "$(readlink /proc/self/ns/ipc)" ] || fail "same ipc namespace as the host"
        # Only the header line of /proc/sysvipc/msg: no queue inside.
        [ "${#lines[@]}" -eq 2 ] || fail "queues visible inside: $output"
}

@test "network namespace: only lo" {
        make_bundle sh -c 'ls /sys/class/net; readlink /proc/self/ns/net'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "${lines[0]}" lo
        [ "${#lines[@]}" -eq 2 ]
        [ "${lines[1]}" != "$(readlink /proc/self/ns/net)" ]
}

@test "network namespace: joined by path" {
        nsname="berth-test-$$-$RANDOM"
        ip netns add "$nsname"
        ip -n "$nsname" link set lo up
        ino=$(stat -L -c %i "/run/netns/$nsname")
        make_bundle sh -c 'readlink /proc/self/ns/net; cat /sys/class/net/lo/operstate'
        update_config '(.linux.namespaces[] | select(.type == "network")) .path = $p' --arg p "/run/netns/$nsname"
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        ip netns del "$nsname"
        assert_success
        assert_equal "${lines[0]}" "net:[$ino]"
        # lo was set up in that namespace from the host.
        [ "${lines[1]}" != down ] || fail "lo is down: not the joined namespace"
}

@test "no network namespace in the config: the host's network" {
        make_bundle readlink /proc/self/ns/net
        update_config '.linux.namespaces |= map(select(.type != "network"))'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "$output" "$(readlink /proc/self/ns/net)"
}

@test "cgroup namespace: the container's cgroup is its root" {
        make_bundle cat /proc/self/cgroup
        update_config '.linux.namespaces += [{"type": "cgroup"}]'
        id=$(new_id)
        use_cgroup "$id"
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_not_contains "berth-test-$id"
        assert_output_contains ":/"
}

@test "devices: default devices exist and work" {
        make_bundle sh -c 'ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/ptmx; head -c 4 /dev/zero | wc -c; echo x >/dev/null && echo null-ok; ls -l /dev/fd /dev/stdin /dev/stdout /dev/stderr'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains null-ok
        [[ $output == *"/dev/fd -> /proc/self/fd"* ]] || fail "no /dev/fd link: $output"
        [[ ${lines[7]} == 4 ]] || fail "reading /dev/zero: $output"
}

@test "devices: linux.devices creates the node" {
        make_bundle ls -l /dev/berthnull
        update_config '.linux.devices = [{"path": "/dev/berthnull", "type": "c", "major": 1, "minor": 3, "fileMode": 438, "uid": 0, "gid": 0}] | .linux.resources.devices = [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        [[ $output == crw-rw-rw-*" 1,"*" 3 "*/dev/berthnull ]] || fail "$output"
}

@test "time namespace: linux.timeOffsets shift boottime and monotonic, for init and exec" {
        [ -e /proc/self/ns/time ] || skip "this kernel has no time namespace"
        make_bundle sleep 1000
        update_config '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"boottime": {"secs": 864000}, "monotonic": {"secs": 7200, "nanosecs": 5}}'
        id=$(new_id)
        run_detached "$id"
        host_up=$(cut -d. -f1 /proc/uptime)
        run rt exec "$id" cut -d. -f1 /proc/uptime
        assert_success
        # boottime moved by ten days (and a few seconds of test at most)
        [ "$output" -ge $((host_up + 864000)) ] && [ "$output" -lt $((host_up + 864000 + 60)) ] || fail "uptime $output, host $host_up"
        pid=$(container_pid "$id")
        [ "$(readlink /proc/$pid/ns/time)" != "$(readlink /proc/self/ns/time)" ] || fail "init not in its own time namespace"
        run rt exec "$id" readlink /proc/self/ns/time
        assert_equal "$output" "$(readlink /proc/$pid/ns/time)"
        grep -q "^monotonic *7200 *5$" /proc/$pid/timens_offsets || fail "$(cat /proc/$pid/timens_offsets)"
}

@test "time namespace: offsets without a new time namespace are refused" {
        make_bundle true
        update_config '.linux.timeOffsets = {"boottime": {"secs": 10}}'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
        assert_output_contains "linux.timeOffsets: offsets need a new time namespace"
        update_config '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"realtime": {"secs": 10}}'
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
        assert_output_contains "linux.timeOffsets.realtime: unknown clock"
}

@test "mount: recursive options (rro, rnosuid, rnoexec) reach the submounts of an rbind" {
        make_bundle sh -c 'grep " /hostdev/shm " /proc/self/mountinfo; touch /hostdev/shm/berth-rro-test 2>&1; echo rc=$?'
        update_config '.mounts += [{"destination": "/hostdev", "type": "bind", "source": "/dev", "options": ["rbind", "rro", "rnosuid", "rnoexec"]}]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        line=$(grep "/hostdev/shm" <<<"$output")
        [[ $line == *" ro,"* ]] || fail "submount not read-only: $output"
        [[ $line == *nosuid* && $line == *noexec* ]] || fail "submount flags: $line"
        assert_output_contains "Read-only file system"
        assert_output_contains "rc=1"
        [ ! -e /dev/shm/berth-rro-test ] || fail "written to the host"
        # the host's own mount is untouched
        grep " /dev/shm " /proc/self/mountinfo | grep -q " rw," || fail "host /dev/shm changed"
}
