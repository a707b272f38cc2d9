#!/usr/bin/env bats
# Networking through berthd: the default bridge, user networks with service
# discovery, every port-publishing flavour, --internal, connect/disconnect,
# live restore of published ports, and nothing left behind. Containers talk
# to each other and to 127.0.0.1 only.

load daemon-helpers

setup_file() {
        daemon_start
}

teardown_file() {
        daemon_stop
}

setup() {
        daemon_test_setup
}

# run_ctr NAME JSON-EXTRA ARGS...: creates and starts a detached busybox
# container named NAME running ARGS, with JSON-EXTRA merged into the create
# body (jq object syntax). Prints its ID.
run_ctr() {
        local name=$1 extra=$2
        shift 2
        local body out id
        body=$(jq -nc --argjson cmd "$(printf '%s\n' "$@" | jq -R . | jq -sc .)" \
                "{Image: \"busybox\", Cmd: \$cmd} * ($extra)")
        out=$(api_json POST "/containers/create?name=$name" "$body")
        [ "$(tail -n1 <<<"$out")" = 201 ] || fail "create $name: $out"
        id=$(sed '$d' <<<"$out" | jq -r .Id)
        out=$(api POST "/containers/$id/start")
        [ "$(tail -n1 <<<"$out")" = 204 ] || fail "start $name: $out"
        echo "$id"
}

ctr_exec() { # NAME CMD... : runs CMD in the container (docker exec), prints output
        local name=$1
        shift
        dkr exec "$name" "$@"
}

inspect() { # NAME JQ
        api GET "/containers/$1/json" | sed '$d' | jq -r "$2"
}

http_get() { # URL: through the host's busybox
        curl -gsf --max-time 3 "$1"
}

start_httpd() { # NAME EXTRA: a container serving "hello from NAME" on port 80
        run_ctr "$1" "${2:-{\}}" sh -c "mkdir -p /www && echo hello from $1 >/www/index.html && exec httpd -f -p 80 -h /www"
}

@test "a plain run joins the default bridge with an address, a gateway and inspect fields" {
        start_httpd plain >/dev/null
        ip=$(inspect plain .NetworkSettings.IPAddress)
        gw=$(inspect plain .NetworkSettings.Gateway)
        [ -n "$ip" ] && [ "$ip" != null ] || fail "no IPAddress: $(inspect plain .NetworkSettings)"
        [ "$(inspect plain .NetworkSettings.Networks.bridge.IPAddress)" = "$ip" ]
        [ "$(inspect plain .NetworkSettings.MacAddress)" != "" ]
        run ctr_exec plain ip -4 route
        assert_success
        [[ "$output" == *"default via $gw"* ]] || fail "$output"
        # The host reaches the container directly on the bridge.
        wait_for 150 http_get "http://$ip/" >/dev/null
        [ "$(http_get "http://$ip/")" = "hello from plain" ]
        api DELETE "/containers/plain?force=1" >/dev/null
}

@test "static->static, static1->static2, random->static and host-IP publishing reach the container from 127.0.0.1" {
        start_httpd pub '{HostConfig: {PortBindings: {"80/tcp": [{HostIp: "127.0.0.1", HostPort: "18080"}], "81/tcp": [{HostPort: ""}]}}, ExposedPorts: {"80/tcp": {}, "81/tcp": {}}}' >/dev/null
        wait_for 150 http_get http://127.0.0.1:18080/ >/dev/null || fail "18080 not reachable"
        [ "$(http_get http://127.0.0.1:18080/)" = "hello from pub" ]
        # The random port is shown by inspect and ps.
        random=$(inspect pub '.NetworkSettings.Ports["81/tcp"][0].HostPort')
        [ -n "$random" ] && [ "$random" -gt 1024 ] || fail "random port: $random"
        run api GET '/containers/json?filters={"name":["pub"]}'
        [[ "$output" == *"\"PrivatePort\":80"* ]] || fail "$output"
        [[ "$output" == *"\"PublicPort\":18080"* ]] || fail "$output"
        run dkr port pub 80
        [[ "$output" == *"127.0.0.1:18080"* ]] || fail "$output"
        api DELETE "/containers/pub?force=1" >/dev/null
        # Removed: the rule is gone with it.
        ! nft list table ip "$DAEMON_NFT_TABLE" | grep -q 18080
}

@test "random->random publishing tells the container its port" {
        run_ctr same '{HostConfig: {BerthSamePorts: [{Env: "MY_PORT", Proto: "tcp", HostIp: ""}]}}' \
                sh -c 'mkdir /www; echo same-port-$MY_PORT >/www/index.html; exec httpd -f -p $MY_PORT -h /www' >/dev/null
        port=$(ctr_exec same sh -c 'echo $MY_PORT')
        [ -n "$port" ] && [ "$port" -gt 1024 ] || fail "MY_PORT: $port"
        [ "$(inspect same ".NetworkSettings.Ports[\"$port/tcp\"][0].HostPort")" = "$port" ]
        wait_for 150 http_get "http://127.0.0.1:$port/" >/dev/null || fail "port $port not reachable"
        [ "$(http_get "http://127.0.0.1:$port/")" = "same-port-$port" ]
        api DELETE "/containers/same?force=1" >/dev/null
}

@test "a 1000-port range publishes as one rule and unpublishes with the container" {
        bindings=$(jq -nc '[range(21000;22000)] | map({key: "\(.)/tcp", value: [{HostIp: "127.0.0.1", HostPort: "\(.)"}]}) | from_entries')
        run_ctr range "{HostConfig: {PortBindings: $bindings}}" sleep 300 >/dev/null
        [ "$(nft list table ip "$DAEMON_NFT_TABLE" | grep -c 'dport 21000-21999')" = 1 ]
        [ "$(inspect range '.NetworkSettings.Ports | length')" = 1000 ]
        api DELETE "/containers/range?force=1" >/dev/null
        ! nft list table ip "$DAEMON_NFT_TABLE" | grep -q 21000
}

@test "a host port in use is refused with Docker's message, and nothing is left half-configured" {
        start_httpd holder '{HostConfig: {PortBindings: {"80/tcp": [{HostPort: "18090"}]}}}' >/dev/null
        body='{"Image":"busybox","Cmd":["true"],"HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"18090"}]}}}'
        out=$(api_json POST "/containers/create?name=clash" "$body")
        [ "$(tail -n1 <<<"$out")" = 201 ]
        run api POST /containers/clash/start
        [[ "$output" == *"port is already allocated"* ]] || fail "$output"
        [ "$(tail -n1 <<<"$output")" -ge 400 ]
        [ "$(inspect clash .State.Running)" = false ]
        [ "$(nft list table ip "$DAEMON_NFT_TABLE" | grep -c 18090)" = 1 ]
        api DELETE "/containers/clash?force=1" >/dev/null
        api DELETE "/containers/holder?force=1" >/dev/null
}

@test "user network: containers reach each other by name and alias; inspect and DNSNames agree" {
        run api_json POST /networks/create '{"Name":"appnet","Labels":{"t":"1"}}'
        assert_http 201
        start_httpd web '{HostConfig: {NetworkMode: "appnet"}, NetworkingConfig: {EndpointsConfig: {appnet: {Aliases: ["www"]}}}}' >/dev/null
        run_ctr client '{HostConfig: {NetworkMode: "appnet"}}' sleep 300 >/dev/null
        run ctr_exec client cat /etc/resolv.conf
        [[ "$output" == *"nameserver 127.0.0.11"* ]] || fail "$output"
        wait_for 150 ctr_exec client timeout 3 wget -q -O - http://web/ >/dev/null || fail "web not reachable by name"
        [ "$(ctr_exec client timeout 3 wget -q -O - http://web/)" = "hello from web" ]
        [ "$(ctr_exec client timeout 3 wget -q -O - http://www/)" = "hello from web" ]
        [ "$(ctr_exec client timeout 3 wget -q -O - http://web.appnet/)" = "hello from web" ]
        run api GET /networks/appnet
        [[ "$output" == *"\"Name\":\"web\""* ]] || fail "$output"
        [ "$(inspect web '.NetworkSettings.Networks.appnet.DNSNames | index("www") != null')" = true ]
        # An outside name fails at once (the test daemon has no upstream).
        run ctr_exec client nslookup nothing.invalid 127.0.0.11
        [ "$status" -ne 0 ]
        # In use: refused.
        run api DELETE /networks/appnet
        assert_http 403
        api DELETE "/containers/web?force=1" >/dev/null
        api DELETE "/containers/client?force=1" >/dev/null
        run api DELETE /networks/appnet
        assert_http 204
}

@test "connect and disconnect a running container" {
        api_json POST /networks/create '{"Name":"late"}' >/dev/null
        start_httpd lateweb '{HostConfig: {NetworkMode: "late"}}' >/dev/null
        run_ctr joiner '{}' sleep 300 >/dev/null
        run ctr_exec joiner nslookup lateweb 127.0.0.11
        [ "$status" -ne 0 ]
        run api_json POST /networks/late/connect '{"Container":"joiner"}'
        assert_http 200
        wait_for 150 ctr_exec joiner timeout 3 wget -q -O - http://lateweb/ >/dev/null || fail "not reachable after connect"
        late_ip=$(inspect joiner .NetworkSettings.Networks.late.IPAddress)
        [ -n "$late_ip" ] && [ "$late_ip" != null ]
        # as Docker: the new address gets its /etc/hosts line, with the
        # names of the container's first one
        first=$(inspect joiner .NetworkSettings.Networks.bridge.IPAddress)
        run ctr_exec joiner cat /etc/hosts
        names=$(grep -P "^\Q$first\E\t" <<<"$output" | cut -f2-)
        grep -qxP "\Q$late_ip\E\t\Q$names\E" <<<"$output" || fail "no line for $late_ip: $output"
        run api_json POST /networks/late/disconnect '{"Container":"joiner"}'
        assert_http 200
        run ctr_exec joiner timeout 3 wget -q -O - http://lateweb/
        [ "$status" -ne 0 ]
        run ctr_exec joiner cat /etc/hosts
        ! grep -q "^$late_ip[[:space:]]" <<<"$output" || fail "line for $late_ip left: $output"
        grep -q "^$first[[:space:]]" <<<"$output" || fail "own line gone: $output"
        run api_json POST /networks/nope/connect '{"Container":"joiner"}'
        assert_http 404
        api DELETE "/containers/lateweb?force=1" >/dev/null
        api DELETE "/containers/joiner?force=1" >/dev/null
        api DELETE /networks/late >/dev/null
}

@test "--internal networks have no way out; bad network requests get Docker's codes" {
        run api_json POST /networks/create '{"Name":"inner","Internal":true}'
        assert_http 201
        run_ctr sealed '{HostConfig: {NetworkMode: "inner"}}' sleep 300 >/dev/null
        gw=$(api GET /networks/bridge | sed '$d' | jq -r '.IPAM.Config[0].Gateway')
        run ctr_exec sealed ping -c1 -W1 "$gw"
        [ "$status" -ne 0 ]
        api DELETE "/containers/sealed?force=1" >/dev/null
        api DELETE /networks/inner >/dev/null
        run api_json POST /networks/create '{"Name":"x","IPAM":{"Config":[{"Subnet":"10.1.0.0/99"}]}}'
        assert_http 400
        run api_json POST /networks/create '{"Name":"bridge"}'
        assert_http 409
        run api DELETE /networks/bridge
        assert_http 403
        run api GET /networks/nope
        assert_http 404
}

@test "published ports survive kill -9 of berthd; nothing is duplicated; removal leaves nothing" {
        start_httpd survivor '{HostConfig: {PortBindings: {"80/tcp": [{HostIp: "127.0.0.1", HostPort: "18095"}]}}}' >/dev/null
        wait_for 150 http_get http://127.0.0.1:18095/ >/dev/null || fail "not reachable"
        daemon_restart KILL
        [ "$(http_get http://127.0.0.1:18095/)" = "hello from survivor" ]
        [ "$(nft list table ip "$DAEMON_NFT_TABLE" | grep -c 18095)" = 1 ]
        veth=$(ip -o link show master "$DAEMON_BRIDGE" | wc -l)
        [ "$veth" -ge 1 ]
        api DELETE "/containers/survivor?force=1" >/dev/null
        # the host end of an exited container's veth goes in the background
        no_veth() { [ "$(ip -o link show master "$DAEMON_BRIDGE" | wc -l)" = 0 ]; }
        wait_for 30 no_veth
        ! nft list table ip "$DAEMON_NFT_TABLE" | grep -q 18095
}

@test "the embedded DNS answers over TCP: length-prefixed, two queries in one segment, idle close" {
        api_json POST /networks/create '{"Name":"tcpdns"}' >/dev/null
        run_ctr dnsweb '{HostConfig: {NetworkMode: "tcpdns"}}' sleep 300 >/dev/null
        run_ctr dnsclient '{HostConfig: {NetworkMode: "tcpdns"}}' sleep 300 >/dev/null
        ip=$(inspect dnsweb .NetworkSettings.Networks.tcpdns.IPAddress)
        [ -n "$ip" ] || fail "no address"
        iphex=$(printf '%02x ' ${ip//./ })
        # Two framed A queries for dnsweb (ids 0x1234, 0x5678) in one write;
        # the server closes the connection once idle, which ends nc.
        q='\000\030\022\064\001\000\000\001\000\000\000\000\000\000\006dnsweb\000\000\001\000\001'
        q2='\000\030\126\170\001\000\000\001\000\000\000\000\000\000\006dnsweb\000\000\001\000\001'
        run ctr_exec dnsclient sh -c "printf '$q$q2' | timeout 20 nc 127.0.0.11 53 | od -An -tx1 -v"
        out=$(echo $output)
        # Each answer: length 40, the id, QR+RD+RA NOERROR, one question, one
        # A record ending in the address.
        [[ "$out" == "00 28 12 34 81 80 00 01 00 01 00 00 00 00 06 64 6e 73 77 65 62 00 00 01 00 01 c0 0c 00 01 00 01 00 00 02 58 00 04 ${iphex}00 28 56 78 81 80 "* ]] || fail "$out"
        [[ "$out" == *"00 04 ${iphex% }" ]] || fail "$out"
        [ "$(wc -w <<<"$out")" = 84 ] || fail "$out"
        # UDP still answers the same name.
        run ctr_exec dnsclient nslookup dnsweb 127.0.0.11
        [[ "$output" == *"$ip"* ]] || fail "$output"
        api DELETE "/containers/dnsweb?force=1" >/dev/null
        api DELETE "/containers/dnsclient?force=1" >/dev/null
        run api DELETE /networks/tcpdns
        assert_http 204
}

@test "TCP published on [::1] is relayed by berthd to an IPv6 container; the listener goes with it" {
        run api_json POST /networks/create \
                '{"Name":"lo6net","EnableIPv6":true,"IPAM":{"Config":[{"Subnet":"10.218.0.0/24"},{"Subnet":"fd00:218::/64"}]}}'
        [ "$(tail -n1 <<<"$output")" = 201 ] || fail "$output"
        start_httpd lo6 '{HostConfig: {NetworkMode: "lo6net", PortBindings: {"80/tcp": [{HostIp: "::1", HostPort: "18097"}]}}}' >/dev/null
        wait_for 150 http_get 'http://[::1]:18097/' >/dev/null || fail "[::1]:18097 not reachable"
        [ "$(http_get 'http://[::1]:18097/')" = "hello from lo6" ]
        # a listener of berthd's, no DNAT rule for it, nothing on 127.0.0.1
        ss -Hltnp 'sport = :18097' | grep -q berthd
        ! nft list table ip6 "$DAEMON_NFT_TABLE" 2>/dev/null | grep -q 18097
        ! http_get 'http://127.0.0.1:18097/'
        api DELETE "/containers/lo6?force=1" >/dev/null
        ! ss -Hltn 'sport = :18097' | grep -q 18097
        api DELETE /networks/lo6net >/dev/null
}

@test "berth's table coexists with another tool's rules, which it never touches" {
        # Another tool's rules: a table of its own beside ours, and (when
        # iptables is installed) Docker-style chains made through iptables.
        local foreign=berthtest_foreign_$$ ipt_chain=BERTHTEST-$$
        nft -f - <<NFT
table ip $foreign {
        chain foreign_forward {
                type filter hook forward priority 0; policy accept;
                counter
        }
        chain foreign_prerouting {
                type nat hook prerouting priority -100; policy accept;
                tcp dport 18099 counter
        }
}
NFT
        local have_ipt= had_nat=
        nft list table ip nat >/dev/null 2>&1 && had_nat=1
        if command -v iptables >/dev/null && iptables -t nat -N "$ipt_chain" 2>/dev/null; then
                have_ipt=1
                iptables -t nat -A "$ipt_chain" -p tcp --dport 18098 -j RETURN
        fi
        before=$(nft list table ip "$foreign")
        ipt_before=$([ -z "$have_ipt" ] || iptables -t nat -S "$ipt_chain")

        start_httpd coexist '{HostConfig: {PortBindings: {"80/tcp": [{HostIp: "127.0.0.1", HostPort: "18096"}]}}}' >/dev/null
        wait_for 150 http_get http://127.0.0.1:18096/ >/dev/null || fail "not reachable beside the foreign rules"
        api DELETE "/containers/coexist?force=1" >/dev/null
        daemon_restart KILL

        # counters may have moved; the rules themselves must be as they were
        strip() { sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'; }
        after=$(nft list table ip "$foreign")
        ipt_after=$([ -z "$have_ipt" ] || iptables -t nat -S "$ipt_chain")
        nft delete table ip "$foreign"
        if [ -n "$have_ipt" ]; then
                iptables -t nat -F "$ipt_chain"
                iptables -t nat -X "$ipt_chain"
                # iptables-nft made the nat table for it
                [ -n "$had_nat" ] || nft delete table ip nat 2>/dev/null || true
        fi
        [ "$(strip <<<"$before")" = "$(strip <<<"$after")" ] || fail "foreign table changed: $after"
        [ "$ipt_before" = "$ipt_after" ] || fail "iptables chain changed: $ipt_after"
        [ -n "$have_ipt" ] || echo "# iptables not installed: only the nft table was checked" >&3
}
