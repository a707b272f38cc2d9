#!/usr/bin/env bats
# User namespace: uid/gid mappings.

load helpers

# A user namespace mapping container 0..65535 to host 100000..165535, with the
# rootfs owned by the mapped root (as engines do with a chowned layer).
setup_userns() {
        make_bundle "$@"
        chown -R 100000:100000 "$BUNDLE/rootfs"
        # The mapped root must be able to reach the rootfs: bats' temp
        # directories are 0700.
        local d=$BUNDLE
        while [ "$d" != / ] && [ "$d" != /tmp ]; do
                chmod o+x "$d"
                d=$(dirname "$d")
        done
        update_config '.linux.namespaces += [{"type": "user"}]
                | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
                | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

@test "user namespace: uid_map and gid_map as configured" {
        setup_userns sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        read -r a b c <<<"${lines[0]}"
        assert_equal "$a $b $c" "0 100000 65536"
        read -r a b c <<<"${lines[1]}"
        assert_equal "$a $b $c" "0 100000 65536"
        assert_equal "${lines[2]}" 0
        assert_equal "${lines[3]}" 0
}

@test "user namespace: a file made by root inside is owned by 100000 on the host" {
        setup_userns sh -c 'touch /tmp/made-inside && mkdir /tmp/dir-inside && chown 1000:1000 /tmp/dir-inside'
        update_config '.process.capabilities[] += ["CAP_CHOWN"]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/made-inside")" 100000:100000
        assert_equal "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/dir-inside")" 101000:101000
}

@test "user namespace: the host's process runs as the mapped uid" {
        setup_userns sleep 100
        id=$(new_id)
        run_detached "$id"
        pid=$(container_pid "$id")
        assert_equal "$(stat -c %u "/proc/$pid")" 100000
        grep -q "^Uid:[[:space:]]*100000" "/proc/$pid/status"
}

@test "user namespace: root inside cannot touch what host root owns" {
        setup_userns sh -c 'cat /hostfile 2>&1; echo x >>/hostfile 2>&1 || echo append-failed'
        echo secret >"$BATS_TEST_TMPDIR/hostfile"
        chmod 600 "$BATS_TEST_TMPDIR/hostfile"
        update_config '.mounts += [{"destination": "/hostfile", "type": "bind", "source": $s, "options": ["bind"]}]' --arg s "$BATS_TEST_TMPDIR/hostfile"
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_not_contains secret
        assert_output_contains append-failed
        assert_equal "$(cat "$BATS_TEST_TMPDIR/hostfile")" secret
}

# A host directory with a root-owned file, for idmapped mounts.
make_idsrc() {
        IDSRC=$BATS_TEST_TMPDIR/idsrc
        mkdir -p "$IDSRC"
        echo host >"$IDSRC/f"
        chown 0:0 "$IDSRC" "$IDSRC/f"
        chmod o+x "$BATS_TEST_TMPDIR"
}

@test "idmapped mount: uidMappings/gidMappings of a mount, without a user namespace" {
        make_bundle sh -c 'stat -c "%u %g" /idm/f'
        make_idsrc
        update_config '.mounts += [{"destination": "/idm", "type": "bind", "source": $s, "options": ["bind"],
                "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}],
                "gidMappings": [{"containerID": 0, "hostID": 2000, "size": 10}]}]' --arg s "$IDSRC"
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "$output" "1000 2000"
        # the host's view is unchanged
        assert_equal "$(stat -c '%u %g' "$IDSRC/f")" "0 0"
        assert_nothing_left "$id"
}

@test "idmapped mount: the host's root-owned files are the container root's, and stay root's" {
        setup_userns sh -c 'stat -c "%u %g" /idm/f; echo inside >>/idm/f && echo wrote'
        make_idsrc
        update_config '.mounts += [{"destination": "/idm", "type": "bind", "source": $s, "options": ["rbind"],
                "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
                "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]}]' --arg s "$IDSRC"
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "${lines[0]}" "0 0"
        assert_equal "${lines[1]}" wrote
        assert_equal "$(stat -c '%u %g' "$IDSRC/f")" "0 0"
        grep -q inside "$IDSRC/f"
        # "idmap" without mappings takes the container's own
        update_config '.mounts[-1] |= (del(.uidMappings, .gidMappings) | .options += ["idmap"])'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "${lines[0]}" "0 0"
}

@test "idmapped mount: only for bind mounts, and both mappings are needed" {
        make_bundle true
        update_config '.mounts += [{"destination": "/idm", "type": "tmpfs", "source": "tmpfs",
                "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
                "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
        assert_output_contains "idmapped mounts are for bind mounts only"
        assert_nothing_left "$id"
        update_config '.mounts[-1] = {"destination": "/idm", "type": "bind", "source": "/tmp", "options": ["bind"],
                "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}'
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
        assert_output_contains "needs both uidMappings and gidMappings"
        assert_nothing_left "$id"
}
