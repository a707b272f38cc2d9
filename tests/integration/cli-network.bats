#!/usr/bin/env bats
# The berth client's network commands and network flags, as the man pages
# show them: network create/ls/inspect/connect/disconnect/rm/prune, run
# --network/--network-alias/--ip/-p (including -p =NAME), port.

load daemon-helpers

setup_file() {
        daemon_start
}

teardown_file() {
        daemon_stop
}

setup() {
        daemon_test_setup
        [ -x "$BERTH" ] || skip "berth not built at $BERTH"
}

@test "berth network create, ls, inspect -f, rm" {
        run berth network create --subnet 10.41.0.0/24 --label team=web clinet
        assert_success
        [[ "$output" =~ ^[0-9a-f]{64}$ ]] || fail "$output"
        run berth network ls --filter type=custom --format '{{.Name}} {{.Driver}}'
        assert_success
        [ "$output" = "clinet bridge" ] || fail "$output"
        run berth network ls
        [[ "${lines[0]}" == "NETWORK ID"*NAME*DRIVER*SCOPE ]] || fail "$output"
        run berth network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Labels.team}}' clinet
        [ "$output" = "10.41.0.0/24 10.41.0.1 web" ] || fail "$output"
        run berth network inspect nosuchnet
        [ "$status" -eq 1 ]
        [[ "$output" == *"No such network: nosuchnet"* ]] || fail "$output"
        run berth network rm clinet
        assert_success
        [ "$output" = clinet ]
        run berth network rm clinet
        [ "$status" -eq 1 ]
}

@test "berth run --network --network-alias --ip; a peer finds it by alias" {
        berth network create --subnet 10.42.0.0/24 aliasnet >/dev/null
        run berth run -d --name aweb --network aliasnet --network-alias www --ip 10.42.0.50 busybox \
                sh -c 'mkdir /w; echo alias-ok >/w/index.html; exec httpd -f -p 80 -h /w'
        assert_success
        run berth inspect -f '{{.NetworkSettings.Networks.aliasnet.IPAddress}}' aweb
        [ "$output" = 10.42.0.50 ] || fail "$output"
        run berth run --rm --network aliasnet busybox sh -c 'i=0; while [ $i -lt 60 ]; do timeout 3 wget -qO- http://www/ && exit 0; i=$((i+1)); sleep 0.3; done; exit 1'
        assert_success
        [ "$output" = alias-ok ] || fail "$output"
        # --ip on the default bridge is refused, as by docker.
        run berth run --rm --ip 172.17.0.9 busybox true
        [ "$status" -eq 125 ]
        [[ "$output" == *"user defined networks only"* ]] || fail "$output"
        berth rm -f aweb >/dev/null
        berth network rm aliasnet >/dev/null
}

@test "berth run -p, port, ps; -p =NAME publishes random->random" {
        run berth run -d --name pweb -p 127.0.0.1:18280:80 busybox \
                sh -c 'mkdir /w; echo port-ok >/w/index.html; exec httpd -f -p 80 -h /w'
        assert_success
        run berth port pweb
        [ "$output" = "80/tcp -> 127.0.0.1:18280" ] || fail "$output"
        run berth port pweb 80
        [ "$output" = "127.0.0.1:18280" ] || fail "$output"
        run berth ps --filter name=pweb --format '{{.Ports}}'
        [[ "$output" == *"127.0.0.1:18280->80/tcp"* ]] || fail "$output"
        wait_for 150 curl -sf --max-time 2 http://127.0.0.1:18280/ >/dev/null || fail "not reachable"
        [ "$(curl -sf --max-time 2 http://127.0.0.1:18280/)" = port-ok ]
        run berth run -d --name same -p =WEB_PORT busybox \
                sh -c 'mkdir /w; echo same-$WEB_PORT >/w/index.html; exec httpd -f -p $WEB_PORT -h /w'
        assert_success
        port=$(berth exec same sh -c 'echo $WEB_PORT')
        [ -n "$port" ] || fail "no WEB_PORT"
        run berth port same
        [ "$output" = "$port/tcp -> 0.0.0.0:$port" ] || fail "$output"
        wait_for 150 curl -sf --max-time 2 "http://127.0.0.1:$port/" >/dev/null || fail "$port not reachable"
        [ "$(curl -sf --max-time 2 "http://127.0.0.1:$port/")" = "same-$port" ]
        run berth run --rm -p 99999 busybox true
        [ "$status" -eq 125 ]
        [[ "$output" == *"invalid containerPort: 99999"* ]] || fail "$output"
        run berth run --rm -p =1BAD busybox true
        [ "$status" -eq 125 ]
        berth rm -f pweb same >/dev/null
}

@test "berth network connect and disconnect a running container; prune" {
        berth network create joinnet >/dev/null
        berth run -d --name jweb --network joinnet busybox \
                sh -c 'mkdir /w; echo joined >/w/index.html; exec httpd -f -p 80 -h /w' >/dev/null
        berth run -d --name jcli busybox sleep 300 >/dev/null
        run berth network connect --alias helper joinnet jcli
        assert_success
        run berth exec jcli sh -c 'i=0; while [ $i -lt 60 ]; do timeout 3 wget -qO- http://jweb/ && exit 0; i=$((i+1)); sleep 0.3; done; exit 1'
        [ "$output" = joined ] || fail "$output"
        run berth network disconnect joinnet jcli
        assert_success
        run berth inspect -f '{{index .NetworkSettings.Networks "joinnet"}}' jcli
        [[ "$output" == *"no value"* || "$output" == "<nil>" || -z "$output" ]] || fail "$output"
        berth rm -f jweb jcli >/dev/null
        run berth network prune -f
        assert_success
        [[ "$output" == *"Deleted Networks:"*joinnet* ]] || fail "$output"
}
