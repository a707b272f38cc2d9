#!/usr/bin/env bats
# Legacy links (--link NAME:ALIAS on the default bridge) and the layout of
# /etc/hosts, as Docker writes them: the link's environment variables with
# the target's real address, its hosts line, the errors for a missing or
# stopped target, and a hosts file written once per start with the
# container's own address last.

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

DEFAULT_HOSTS='127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::	ip6-localnet
ff00::	ip6-mcastprefix
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters'

ip_of() { # NAME: its address on the default bridge
        berth inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}}' "$1"
}

@test "--link gives Docker's environment variables with the target's address" {
        run berth run -d --name db --expose 5432 -e PASSWORD=x busybox sleep 60
        assert_success
        ip=$(ip_of db)
        [[ "$ip" =~ ^[0-9.]+$ ]] || fail "no address: $ip"
        run berth run --rm --name web --link db:webdb busybox env
        assert_success
        for want in "WEBDB_NAME=/web/webdb" \
                "WEBDB_PORT=tcp://$ip:5432" \
                "WEBDB_PORT_5432_TCP=tcp://$ip:5432" \
                "WEBDB_PORT_5432_TCP_ADDR=$ip" \
                "WEBDB_PORT_5432_TCP_PORT=5432" \
                "WEBDB_PORT_5432_TCP_PROTO=tcp" \
                "WEBDB_ENV_PASSWORD=x"; do
                grep -qxF "$want" <<<"$output" || fail "no $want in: $output"
        done
        # PATH and HOME of the target are not passed on
        ! grep -q '^WEBDB_ENV_PATH=' <<<"$output" || fail "$output"
        # the container's own Env wins over a link's variable
        run berth run --rm --link db:webdb -e WEBDB_NAME=mine busybox sh -c 'echo $WEBDB_NAME'
        assert_success
        [ "$output" = mine ] || fail "$output"
        # the docker client sends the same request
        run dkr run --rm --name web2 --link db:my-db busybox sh -c 'echo $MY_DB_NAME $MY_DB_PORT'
        assert_success
        [ "$output" = "/web2/my-db tcp://$ip:5432" ] || fail "$output"
        # inspect shows the links in Docker's stored form
        berth create --name web3 --link db:webdb busybox true >/dev/null
        run berth inspect -f '{{json .HostConfig.Links}}' web3
        assert_success
        [ "$output" = '["/db:/web3/webdb"]' ] || fail "$output"
        berth rm -f web3 db >/dev/null
}

@test "--link: the target's hosts line sits between --add-host and the own address" {
        berth run -d --name hdb busybox sleep 60 >/dev/null
        dbip=$(ip_of hdb)
        dbhost=$(berth inspect -f '{{.Config.Hostname}}' hdb)
        berth run -d --name hweb --hostname hweb --add-host extra:10.9.8.7 --link hdb:alias \
                busybox sleep 60 >/dev/null
        ip=$(ip_of hweb)
        run berth exec hweb cat /etc/hosts
        assert_success
        want="$DEFAULT_HOSTS
10.9.8.7	extra
$dbip	alias $dbhost hdb
$ip	hweb"
        [ "$output" = "$want" ] || fail "got:
$output
want:
$want"
        # the container's process got the variables
        run berth exec hweb sh -c 'tr "\0" "\n" </proc/1/environ | grep ^ALIAS_NAME='
        [ "$output" = "ALIAS_NAME=/hweb/alias" ] || fail "$output"
        # the alias resolves to the target
        run berth exec hweb ping -c1 -W2 alias
        assert_success
        [[ "$output" == *"($dbip)"* ]] || fail "$output"
        berth rm -f hweb hdb >/dev/null
}

@test "--link to a missing container fails at create, to a stopped one at start" {
        run api_json POST "/containers/create?name=lnk1" \
                '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Links":["nosuch:x"]}}'
        assert_http 400
        [[ "$output" == *"could not get container for nosuch: No such container: nosuch"* ]] ||
                fail "$output"
        run api GET /containers/lnk1/json
        assert_http 404

        berth create --name stopped busybox true >/dev/null
        run berth run --name lnk2 --link stopped:s busybox true
        assert_failure
        [[ "$output" == *"Cannot link to a non running container: /stopped AS /lnk2/s"* ]] ||
                fail "$output"
        # the same start succeeds once the target runs
        berth rm -f stopped lnk2 >/dev/null
        berth run -d --name stopped busybox sleep 60 >/dev/null
        run berth run --rm --link stopped:s busybox sh -c 'echo $S_NAME'
        assert_success
        [[ "$output" == /*/s ]] || fail "$output"
        berth rm -f stopped >/dev/null
}

@test "a restarted linking container gets the target's new address, hosts written once" {
        berth run -d --name rdb busybox sleep 60 >/dev/null
        berth run -d --name rweb --link rdb:r busybox sleep 60 >/dev/null
        berth rm -f rdb >/dev/null
        # a new rdb, likely at another address (the old one may be taken)
        berth run -d --name taker busybox sleep 60 >/dev/null
        berth run -d --name rdb busybox sleep 60 >/dev/null
        newip=$(ip_of rdb)
        berth restart -t 0 rweb >/dev/null
        run berth exec rweb sh -c 'tr "\0" "\n" </proc/1/environ | grep ^R_NAME='
        [ "$output" = "R_NAME=/rweb/r" ] || fail "$output"
        ip=$(ip_of rweb)
        hn=$(berth inspect -f '{{.Config.Hostname}}' rweb)
        run berth exec rweb cat /etc/hosts
        want="$DEFAULT_HOSTS
$newip	r $(berth inspect -f '{{.Config.Hostname}}' rdb) rdb
$ip	$hn"
        [ "$output" = "$want" ] || fail "got:
$output
want:
$want"
        berth rm -f rweb rdb taker >/dev/null
}

@test "/etc/hosts: default bridge, user network, --domainname, none and host" {
        run berth run --rm --hostname plain busybox cat /etc/hosts
        assert_success
        ip=$(grep -v -e localhost -e ip6- <<<"$output" | cut -f1)
        [ "$output" = "$DEFAULT_HOSTS
$ip	plain" ] || fail "$output"
        [[ "$ip" =~ ^[0-9.]+$ ]] || fail "own line: $output"

        berth network create --subnet 10.43.0.0/24 hostsnet >/dev/null
        run berth run --rm --network hostsnet --ip 10.43.0.9 --hostname u busybox cat /etc/hosts
        assert_success
        [ "$output" = "$DEFAULT_HOSTS
10.43.0.9	u" ] || fail "$output"
        run berth run --rm --network hostsnet --ip 10.43.0.10 --hostname d --domainname example.com \
                busybox cat /etc/hosts
        [ "$output" = "$DEFAULT_HOSTS
10.43.0.10	d.example.com d" ] || fail "$output"
        berth network rm hostsnet >/dev/null

        run berth run --rm --network none --hostname n busybox cat /etc/hosts
        assert_success
        [ "$output" = "$DEFAULT_HOSTS" ] || fail "$output"

        run berth run --rm --network host busybox cat /etc/hosts
        assert_success
        [ "$output" = "$(cat /etc/hosts)" ] || fail "$output"
}

@test "/etc/hosts is written afresh at every start" {
        berth run -d --name again --hostname again busybox sleep 60 >/dev/null
        berth restart -t 0 again >/dev/null
        berth restart -t 0 again >/dev/null
        ip=$(ip_of again)
        run berth exec again cat /etc/hosts
        [ "$output" = "$DEFAULT_HOSTS
$ip	again" ] || fail "$output"
        berth rm -f again >/dev/null
}
