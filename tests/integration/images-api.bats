#!/usr/bin/env bats
# The /images endpoints of berthd: list, inspect, history, tag, remove,
# prune, load (spooled, chunked too), save, import with changes.

load daemon-helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }
setup() { daemon_test_setup; }

# A small root filesystem tarball for import.
make_rootfs_tar() {
        local d=$DAEMON_DIR/import-src
        rm -rf "$d"
        mkdir -p "$d/etc" "$d/data"
        echo imported >"$d/data/hello"
        tar -C "$d" -cf "$1" .
}

@test "images: list shows busybox:latest" {
        run api GET /images/json
        assert_http 200
        body | jq -e 'map(select(.RepoTags | index("busybox:latest"))) | length == 1' ||
                fail "$output"
        body | jq -e '.[0] | (.Id | startswith("sha256:")) and (.Size >= 0) and (.Created >= 0)' ||
                fail "$output"
}

@test "images: list filters" {
        run api GET '/images/json?filters=%7B%22reference%22%3A%5B%22busybox%22%5D%7D'
        assert_http 200
        body | jq -e 'length == 1' || fail "$output"
        run api GET '/images/json?filters=%7B%22reference%22%3A%5B%22nothing-like-this%22%5D%7D'
        assert_http 200
        body | jq -e 'length == 0' || fail "$output"
        run api GET '/images/json?filters=%7B%22colour%22%3A%5B%22red%22%5D%7D'
        assert_http 400
        [[ $output == *"invalid filter 'colour'"* ]] || fail "$output"
}

@test "images: inspect by name, ID and prefix; 404 for unknown" {
        run api GET /images/busybox/json
        assert_http 200
        id=$(body | jq -r .Id)
        [[ $id == sha256:* ]] || fail "$output"
        body | jq -e '.RepoTags == ["busybox:latest"] and .Config.Cmd == ["sh"] and .Os == "linux"' ||
                fail "$output"
        run api GET "/images/$id/json"
        assert_http 200
        run api GET "/images/${id:7:12}/json"
        assert_http 200
        [ "$(body | jq -r .Id)" = "$id" ] || fail "$output"
        run api GET /images/nosuch/json
        assert_http 404
        [[ $output == *"No such image: nosuch"* ]] || fail "$output"
}

@test "images: history" {
        run api GET /images/busybox:latest/history
        assert_http 200
        body | jq -e 'length == 1 and (.[0].CreatedBy | contains("make-image"))' || fail "$output"
        run api GET /images/nosuch/history
        assert_http 404
}

@test "images: tag, inspect the new name (with slashes), untag" {
        run api POST '/images/busybox/tag?repo=example.com/team/bb&tag=v1'
        assert_http 201
        run api GET /images/example.com/team/bb:v1/json
        assert_http 200
        body | jq -e '.RepoTags | index("example.com/team/bb:v1")' || fail "$output"
        run api POST '/images/busybox/tag?repo=Bad%20Name'
        assert_http 400
        run api POST '/images/busybox/tag'
        assert_http 400
        run api POST '/images/nosuch/tag?repo=x'
        assert_http 404
        run api DELETE /images/example.com/team/bb:v1
        assert_http 200
        body | jq -e '. == [{"Untagged":"example.com/team/bb:v1"}]' || fail "$output"
        run api GET /images/example.com/team/bb:v1/json
        assert_http 404
        run api DELETE /images/nosuch
        assert_http 404
}

@test "images: removing an ID with two repositories needs force" {
        run api POST '/images/busybox/tag?repo=other&tag=x'
        assert_http 201
        id=$(api GET /images/busybox/json | sed '$d' | jq -r .Id)
        run api DELETE "/images/$id"
        assert_http 409
        run api DELETE /images/other:x
        assert_http 200
}

@test "images: load a docker save archive (chunked) and an OCI archive" {
        [ -f "$SHARED_FIXTURES/multilayer-docker-save.tar" ] || skip "no shared fixtures"
        run api POST /images/load -H 'Content-Type: application/x-tar' \
                -H 'Transfer-Encoding: chunked' --data-binary "@$SHARED_FIXTURES/multilayer-docker-save.tar" \
                -D "$DAEMON_DIR/load-headers"
        assert_http 200
        grep -qi '^Content-Type: application/json' "$DAEMON_DIR/load-headers" ||
                fail "$(cat "$DAEMON_DIR/load-headers")"
        body | jq -e -s 'map(.stream) | index("Loaded image: fixture/multilayer:1.0\n")' ||
                fail "$output"
        run api GET /images/fixture/multilayer:1.0/json
        assert_http 200
        body | jq -e '.Config.WorkingDir == "/data" and (.RootFS.Layers | length) == 3' ||
                fail "$output"
        run api GET /images/fixture/multilayer:1.0/history
        assert_http 200
        run api DELETE /images/fixture/multilayer:1.0
        assert_http 200
        run api POST '/images/load?quiet=1' -H 'Content-Type: application/x-tar' \
                --data-binary "@$SHARED_FIXTURES/multilayer-oci.tar"
        assert_http 200
        [[ $output == *'"stream":"Loaded image'* ]] || fail "$output"
}

@test "images: a broken archive is refused and nothing is left" {
        before=$(api GET '/images/json?all=1' | sed '$d' | jq length)
        head -c 100000 /dev/urandom >"$DAEMON_DIR/junk.tar"
        run api POST /images/load -H 'Content-Type: application/x-tar' \
                --data-binary "@$DAEMON_DIR/junk.tar"
        [ "$(tail -n1 <<<"$output")" != 200 ] || fail "$output"
        after=$(api GET '/images/json?all=1' | sed '$d' | jq length)
        [ "$before" = "$after" ]
        # no spooled body is left behind
        [ -z "$(ls -A "$DAEMON_DIR/data/tmp" 2>/dev/null)" ] || fail "$(ls -la "$DAEMON_DIR/data/tmp")"
}

@test "images: save one image and a list of names" {
        api GET /images/busybox/get -o "$DAEMON_DIR/one.tar" >/dev/null
        tar -tf "$DAEMON_DIR/one.tar" >"$DAEMON_DIR/one.list"
        grep -qx 'manifest.json' "$DAEMON_DIR/one.list" || fail "$(cat "$DAEMON_DIR/one.list")"
        grep -qx 'index.json' "$DAEMON_DIR/one.list" || fail "$(cat "$DAEMON_DIR/one.list")"
        tar -xOf "$DAEMON_DIR/one.tar" manifest.json | jq -e '.[0].RepoTags == ["busybox:latest"]'
        run api POST '/images/busybox/tag?repo=copy&tag=1'
        assert_http 201
        api GET '/images/get?names=busybox&names=copy:1' -o "$DAEMON_DIR/two.tar" >/dev/null
        tar -xOf "$DAEMON_DIR/two.tar" manifest.json |
                jq -e '[.[].RepoTags[]] | sort == ["busybox:latest", "copy:1"]' ||
                fail "$(tar -xOf "$DAEMON_DIR/two.tar" manifest.json)"
        run api GET /images/nosuch:1/get
        assert_http 404
        run api DELETE /images/copy:1
        assert_http 200
        # what save wrote loads back
        run api POST /images/load -H 'Content-Type: application/x-tar' \
                --data-binary "@$DAEMON_DIR/one.tar"
        assert_http 200
        [[ $output == *"Loaded image: busybox:latest"* ]] || fail "$output"
}

@test "images: import with changes, message and tag" {
        make_rootfs_tar "$DAEMON_DIR/rootfs.tar"
        run api POST '/images/create?fromSrc=-&repo=imported&tag=v1&message=hello%20import&changes=CMD%20%5B%22%2Fbin%2Fsh%22%5D&changes=ENV%20A%3Db%20C%3D%22d%20e%22&changes=WORKDIR%20%2Fdata&changes=EXPOSE%208080&changes=LABEL%20k%3Dv' \
                -H 'Content-Type: application/x-tar' --data-binary "@$DAEMON_DIR/rootfs.tar"
        assert_http 200
        id=$(body | grep status | tail -n1 | jq -r .status)
        [[ $id == sha256:* ]] || fail "$output"
        run api GET /images/imported:v1/json
        assert_http 200
        [ "$(body | jq -r .Id)" = "$id" ] || fail "$output"
        body | jq -e '.Config.Cmd == ["/bin/sh"] and (.Config.Env | index("A=b")) and (.Config.Env | index("C=d e"))
                and .Config.WorkingDir == "/data" and .Config.ExposedPorts["8080/tcp"] == {}
                and .Config.Labels.k == "v" and (.RootFS.Layers | length) == 1' || fail "$output"
        run api GET /images/imported:v1/history
        assert_http 200
        body | jq -e '.[0].Comment == "hello import"' || fail "$output"
}

@test "images: import of a body beyond 16 MiB (spooled)" {
        local d=$DAEMON_DIR/big-src
        mkdir -p "$d"
        head -c $((20 << 20)) /dev/urandom >"$d/blob"
        tar -C "$d" -cf "$DAEMON_DIR/big.tar" .
        run api POST '/images/create?fromSrc=-&repo=big' -H 'Content-Type: application/x-tar' \
                -H 'Transfer-Encoding: chunked' --data-binary "@$DAEMON_DIR/big.tar"
        assert_http 200
        [[ $output == *'"status":"sha256:'* ]] || fail "$output"
        run api GET /images/big/json
        assert_http 200
        body | jq -e '.Size >= 20971520' || fail "$output"
        run api DELETE /images/big
        assert_http 200
}

@test "images: import errors; pull is not supported yet" {
        run api POST '/images/create?fromSrc=-&changes=RUN%20echo' -H 'Content-Type: application/x-tar' \
                --data-binary 'x'
        assert_http 400
        [[ $output == *"RUN is not a valid change command"* ]] || fail "$output"
        run api POST '/images/create?fromImage=alpine&tag=latest'
        assert_http 501
        [[ $output == *"pull is not supported yet"* ]] || fail "$output"
        run api POST '/images/create?fromSrc=http%3A%2F%2Fexample.com%2Fx.tar'
        assert_http 501
        run api POST '/images/create'
        assert_http 400
        run api POST /images/busybox/push
        assert_http 501
        [[ $output == *"push is not supported yet"* ]] || fail "$output"
        run api GET '/images/search?term=busybox'
        assert_http 501
}

@test "images: prune dangling images" {
        make_rootfs_tar "$DAEMON_DIR/rootfs.tar"
        run api POST '/images/create?fromSrc=-&message=dangling' -H 'Content-Type: application/x-tar' \
                --data-binary "@$DAEMON_DIR/rootfs.tar"
        assert_http 200
        id=$(body | grep status | tail -n1 | jq -r .status)
        run api POST /images/prune
        assert_http 200
        body | jq -e --arg id "$id" '(.ImagesDeleted | map(.Deleted) | index($id)) and .SpaceReclaimed >= 0' ||
                fail "$output"
        run api GET "/images/$id/json"
        assert_http 404
        run api GET /images/busybox/json
        assert_http 200
        run api POST '/images/prune?filters=%7B%22bogus%22%3A%5B%221%22%5D%7D'
        assert_http 400
}
