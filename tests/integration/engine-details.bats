#!/usr/bin/env bats
# Details of the engine through the Engine API and the CLI: ExecIDs in
# inspect and exec records dropped with their container; the publish,
# expose and volume filters of GET /containers/json (and `berth ps`);
# prune with bad filters; POST /containers/{id}/update on a running
# container's cgroups, and `berth update`.

load daemon-helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }
setup() { daemon_test_setup; }

# create NAME JSON-BODY: creates, prints the ID.
create() {
        local out
        out=$(api_json POST "/containers/create?name=$1" "$2")
        [ "$(tail -n1 <<<"$out")" = 201 ] || fail "create $1: $out"
        sed '$d' <<<"$out" | jq -r .Id
}

start() {
        local out
        out=$(api POST "/containers/$1/start")
        [ "$(tail -n1 <<<"$out")" = 204 ] || fail "start $1: $out"
}

# inspect NAME JQ-FILTER
inspect() {
        api GET "/containers/$1/json" | sed '$d' | jq -r "$2"
}

exec_create() {
        local out
        out=$(api_json POST "/containers/$1/exec" "$2")
        [ "$(tail -n1 <<<"$out")" = 201 ] || fail "exec create: $out"
        sed '$d' <<<"$out" | jq -r .Id
}

# names FILTERS-JSON: the names GET /containers/json?all=1 lists, sorted, one line.
names() {
        local out
        out=$(api GET "/containers/json?all=1&filters=$(jq -rn --arg f "$1" '$f|@uri')")
        [ "$(tail -n1 <<<"$out")" = 200 ] || fail "list $1: $out"
        sed '$d' <<<"$out" | jq -r '[.[].Names[0][1:]] | sort | join(" ")'
}

# cg_file PID CONTROLLER V1-FILE V2-FILE: a cgroup file of the process, from
# the v1 hierarchy of the controller when it is mounted, else from cgroup v2.
cg_file() {
        local pid=$1 ctl=$2 path
        path=$(awk -F: -v c="$ctl" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3}' "/proc/$pid/cgroup")
        if [ -n "$path" ] && [ -f "/sys/fs/cgroup/$ctl$path/$3" ]; then
                cat "/sys/fs/cgroup/$ctl$path/$3"
                return
        fi
        path=$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup")
        cat "/sys/fs/cgroup$path/$4"
}

# ---- ExecIDs and exec records --------------------------------------------

@test "inspect: ExecIDs is null without execs, lists created and running ones, not exited" {
        create x-ids '{"Image":"busybox","Cmd":["sleep","1000"]}' >/dev/null
        start x-ids
        [ "$(inspect x-ids .ExecIDs)" = null ]

        e1=$(exec_create x-ids '{"Cmd":["sleep","1000"]}')
        e2=$(exec_create x-ids '{"AttachStdout":true,"Cmd":["true"]}')
        run inspect x-ids '.ExecIDs | sort | join(" ")'
        [ "$output" = "$(printf '%s\n' "$e1" "$e2" | sort | paste -sd' ')" ] || fail "ExecIDs: $output"

        # a detached running exec stays; one that ran to its end leaves the list
        run api_json POST "/exec/$e1/start" '{"Detach":true}'
        assert_http 200
        run api_json POST "/exec/$e2/start" '{"Detach":false}'
        wait_for 50 bash -c "[ \"\$(curl -s --unix-socket $DAEMON_SOCK http://localhost/exec/$e2/json | jq -r .Running)\" = false ]"
        wait_for 50 eval '[ "$(inspect x-ids ".ExecIDs | join(\" \")")" = "$e1" ]' ||
                fail "ExecIDs after the exit: $(inspect x-ids .ExecIDs)"
        # the exited instance can still be inspected
        run api GET "/exec/$e2/json"
        assert_http 200
        [ "$(body | jq -r .ExitCode)" = 0 ]

        # another container's execs are not listed
        create x-other '{"Image":"busybox","Cmd":["sleep","1000"]}' >/dev/null
        start x-other
        [ "$(inspect x-other .ExecIDs)" = null ]
        api DELETE '/containers/x-other?force=1' >/dev/null
        api DELETE '/containers/x-ids?force=1' >/dev/null
}

@test "remove: the container's exec instances go with it (404 No such exec instance)" {
        create x-rm '{"Image":"busybox","Cmd":["sleep","1000"]}' >/dev/null
        start x-rm
        e1=$(exec_create x-rm '{"Cmd":["sleep","1000"]}')
        e2=$(exec_create x-rm '{"Cmd":["true"]}')
        run api_json POST "/exec/$e1/start" '{"Detach":true}'
        assert_http 200
        run api GET "/exec/$e1/json"
        assert_http 200
        run api DELETE '/containers/x-rm?force=1'
        assert_http 204
        for e in "$e1" "$e2"; do
                run api GET "/exec/$e/json"
                assert_http 404
                [ "$(body | jq -r .message)" = "No such exec instance: $e" ]
                run api_json POST "/exec/$e/start" '{"Detach":true}'
                assert_http 404
        done

        # removed by --rm after its exit too
        create x-auto '{"Image":"busybox","Cmd":["sleep","1000"],"HostConfig":{"AutoRemove":true}}' >/dev/null
        start x-auto
        e3=$(exec_create x-auto '{"Cmd":["true"]}')
        run api POST '/containers/x-auto/kill'
        assert_http 204
        wait_for 100 eval '[ "$(api GET /containers/x-auto/json | tail -n1)" = 404 ]' ||
                fail "x-auto was not removed"
        run api GET "/exec/$e3/json"
        assert_http 404
}

# ---- publish, expose and volume filters ----------------------------------

@test "list: publish, expose and volume filters (API and berth ps)" {
        mkdir -p "$DAEMON_DIR/vol-src"
        create f-web '{"Image":"busybox","Cmd":["true"],"ExposedPorts":{"80/tcp":{},"8125/udp":{}},"HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"18080"}]}}}' >/dev/null
        create f-dns '{"Image":"busybox","Cmd":["true"],"ExposedPorts":{"53/udp":{},"9000/tcp":{}},"HostConfig":{"PortBindings":{"53/udp":[{"HostPort":"15353"}]}}}' >/dev/null
        create f-vol '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Binds":["'"$DAEMON_DIR"'/vol-src:/data:ro"],"Mounts":[{"Type":"tmpfs","Target":"/scratch"}]}}' >/dev/null
        create f-none '{"Image":"busybox","Cmd":["true"]}' >/dev/null

        [ "$(names '{"publish":["80"]}')" = f-web ]
        [ "$(names '{"publish":["80/tcp"]}')" = f-web ]
        [ "$(names '{"publish":["80/udp"]}')" = "" ]
        [ "$(names '{"publish":["53/udp"]}')" = f-dns ]
        [ "$(names '{"publish":["53"]}')" = "" ]
        [ "$(names '{"publish":["50-90"]}')" = f-web ]
        [ "$(names '{"publish":["50-90/udp"]}')" = f-dns ]
        [ "$(names '{"publish":["80","53/udp"]}')" = "f-dns f-web" ]
        # the host port is not what publish matches
        [ "$(names '{"publish":["18080"]}')" = "" ]

        [ "$(names '{"expose":["80"]}')" = f-web ]
        [ "$(names '{"expose":["8125/udp"]}')" = f-web ]
        [ "$(names '{"expose":["9000"]}')" = f-dns ]
        [ "$(names '{"expose":["8000-9000/tcp"]}')" = f-dns ]
        [ "$(names '{"expose":["1-65535/udp"]}')" = "f-dns f-web" ]

        [ "$(names '{"volume":["/data"]}')" = f-vol ]
        [ "$(names '{"volume":["'"$DAEMON_DIR"'/vol-src"]}')" = f-vol ]
        [ "$(names '{"volume":["/scratch"]}')" = f-vol ]
        [ "$(names '{"volume":["/nothing"]}')" = "" ]
        # filters combine
        [ "$(names '{"publish":["80"],"name":["f-dns"]}')" = "" ]

        run api GET "/containers/json?filters=$(jq -rn '{"publish":["8080:80"]}|tojson|@uri')"
        assert_http 400
        [ "$(body | jq -r .message)" = "filter for 'publish' should not contain ':': 8080:80" ]
        run api GET "/containers/json?filters=$(jq -rn '{"expose":["http"]}|tojson|@uri')"
        assert_http 400
        [[ "$(body | jq -r .message)" == "error while looking up for expose http"* ]]
        run api GET "/containers/json?filters=$(jq -rn '{"publish":["90-80"]}|tojson|@uri')"
        assert_http 400

        run berth ps -a --filter publish=80 --format '{{.Names}}'
        assert_success
        [ "$output" = f-web ]
        run berth ps -a --filter expose=53/udp --filter expose=80 --format '{{.Names}}'
        assert_success
        [ "$(sort <<<"$output" | paste -sd' ')" = "f-dns f-web" ]
        run berth ps -a --filter volume=/data -q
        assert_success
        [ "$output" = "$(inspect f-vol .Id | cut -c1-12)" ]
        run berth ps -a --filter publish=a:b
        [ "$status" = 1 ]
        [[ "$output" == *"Error response from daemon: filter for 'publish' should not contain ':': a:b"* ]]

        for n in f-web f-dns f-vol f-none; do api DELETE "/containers/$n" >/dev/null; done
}

# ---- prune with bad filters ----------------------------------------------

@test "prune: unknown filters are 400 naming them; malformed --filter is a flag error" {
        create p-keep '{"Image":"busybox","Cmd":["true"]}' >/dev/null

        run api POST "/containers/prune?filters=$(jq -rn '{"foo":["bar"]}|tojson|@uri')"
        assert_http 400
        [ "$(body | jq -r .message)" = "invalid filter 'foo'" ]
        run api POST "/containers/prune?filters=$(jq -rn '{"until":["soon"]}|tojson|@uri')"
        assert_http 400
        [[ "$(body | jq -r .message)" == "invalid filter 'until=soon'"* ]]
        run api POST '/containers/prune?filters=%7Bnot-json'
        assert_http 400
        run api POST "/images/prune?filters=$(jq -rn '{"foo":["bar"]}|tojson|@uri')"
        assert_http 400
        [ "$(body | jq -r .message)" = "invalid filter 'foo'" ]
        run api POST "/images/prune?filters=$(jq -rn '{"dangling":["maybe"]}|tojson|@uri')"
        assert_http 400
        [[ "$(body | jq -r .message)" == *"filter 'dangling=maybe'"* ]]

        # the CLI: a name without '=' is refused before any request (125)
        run berth container prune -f --filter foo
        [ "$status" = 125 ]
        [[ "$output" == *'invalid argument "foo" for "--filter" flag: bad format of filter (expected name=value)'* ]]
        run berth image prune -f --filter foo
        [ "$status" = 125 ]
        [[ "$output" == *'invalid argument "foo" for "--filter" flag'* ]]
        # without -f the question is not even asked
        run bash -c "DOCKER_HOST=unix://$DAEMON_SOCK $BERTH container prune --filter foo </dev/null"
        [ "$status" = 125 ]
        [[ "$output" != *"Are you sure"* ]]
        # an unknown name: the daemon's 400, as docker prints it (exit 1)
        run berth container prune -f --filter foo=bar
        [ "$status" = 1 ]
        [[ "$output" == *"Error response from daemon: invalid filter 'foo'"* ]]
        run berth image prune -f --filter foo=bar
        [ "$status" = 1 ]
        [[ "$output" == *"Error response from daemon: invalid filter 'foo'"* ]]

        # nothing was pruned by the refused requests
        [ "$(inspect p-keep .State.Status)" = created ]
        api DELETE /containers/p-keep >/dev/null
}

# ---- update ----------------------------------------------------------------

@test "update: a running container's memory, cpu shares and pids limit change in its cgroup" {
        create u-run '{"Image":"busybox","Cmd":["sleep","1000"],"HostConfig":{"Memory":67108864,"MemorySwap":134217728}}' >/dev/null
        start u-run
        pid=$(inspect u-run .State.Pid)
        run cg_file "$pid" memory memory.limit_in_bytes memory.max
        [ "$output" = 67108864 ] || fail "memory before: $output"

        run api_json POST /containers/u-run/update '{"Memory":50331648,"MemorySwap":100663296,"CpuShares":512,"PidsLimit":77}'
        assert_http 200
        body | jq -e '.Warnings | type == "array"'
        run cg_file "$pid" memory memory.limit_in_bytes memory.max
        [ "$output" = 50331648 ] || fail "memory after: $output"
        run cg_file "$pid" pids pids.max pids.max
        [ "$output" = 77 ] || fail "pids.max: $output"
        # v2 has no shares: 512 becomes a weight there (1 + (512-2)*9999/262142 = 20)
        run cg_file "$pid" cpu cpu.shares cpu.weight
        [ "$output" = 512 ] || [ "$output" = 20 ] || fail "cpu: $output"
        [ "$(inspect u-run .HostConfig.Memory)" = 50331648 ]
        [ "$(inspect u-run .HostConfig.MemorySwap)" = 100663296 ]
        [ "$(inspect u-run .HostConfig.CpuShares)" = 512 ]
        [ "$(inspect u-run .HostConfig.PidsLimit)" = 77 ]

        # zeros leave values alone (the docker client sends every field)
        run api_json POST /containers/u-run/update '{"Memory":0,"MemorySwap":0,"CpuShares":0,"CpusetCpus":"","RestartPolicy":{"Name":"","MaximumRetryCount":0}}'
        assert_http 200
        [ "$(inspect u-run .HostConfig.Memory)" = 50331648 ]
        [ "$(inspect u-run .HostConfig.RestartPolicy.Name)" = no ]
        run cg_file "$pid" memory memory.limit_in_bytes memory.max
        [ "$output" = 50331648 ]

        # --cpus on the running container: quota over a 100 ms period
        run api_json POST /containers/u-run/update '{"NanoCpus":500000000}'
        assert_http 200
        run cg_file "$pid" cpu cpu.cfs_quota_us cpu.max
        [ "$output" = 50000 ] || [ "$output" = "50000 100000" ] || fail "cpu quota: $output"
        [ "$(inspect u-run .HostConfig.NanoCpus)" = 500000000 ]
        # and the CFS quota conflicts with it now (Docker: 409)
        run api_json POST /containers/u-run/update '{"CpuQuota":20000}'
        assert_http 409
        [[ "$(body | jq -r .message)" == *"Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set"* ]]

        # Docker's rule: a memory limit above the set memory+swap needs both
        run api_json POST /containers/u-run/update '{"Memory":209715200}'
        assert_http 409
        [[ "$(body | jq -r .message)" == "Cannot update container $(inspect u-run .Id): Memory limit should be smaller than already set memoryswap limit"* ]]
        # what create refuses, update refuses
        run api_json POST /containers/u-run/update '{"Memory":1024}'
        assert_http 400
        [ "$(body | jq -r .message)" = "Minimum memory limit allowed is 6MB" ]
        [ "$(inspect u-run .HostConfig.Memory)" = 50331648 ]
        api DELETE '/containers/u-run?force=1' >/dev/null
}

@test "update: the kernel's refusal is a 500 and the stored config does not change" {
        # 24 MB of tmpfs pages charged to the container, no swap to put them in
        create u-full '{"Image":"busybox","Cmd":["sh","-c","head -c 25165824 /dev/zero >/dev/shm/fill; touch /tmp/ready; sleep 1000"],"HostConfig":{"Memory":67108864,"MemorySwap":-1}}' >/dev/null
        start u-full
        pid=$(inspect u-full .State.Pid)
        wait_for 100 test -e "/proc/$pid/root/tmp/ready" || fail "the container did not fill its memory"
        if [ -n "$(sed 1d /proc/swaps)" ]; then
                # with swap the kernel would make room instead of refusing
                run api_json POST /containers/u-full/update '{"Memory":8388608,"MemorySwap":8388608}'
        else
                run api_json POST /containers/u-full/update '{"Memory":8388608,"MemorySwap":-1}'
        fi
        assert_http 500
        [[ "$(body | jq -r .message)" == "Cannot update container $(inspect u-full .Id): "* ]] || fail "$output"
        [ "$(inspect u-full .HostConfig.Memory)" = 67108864 ]
        [ "$(inspect u-full .State.Status)" = running ]
        api DELETE '/containers/u-full?force=1' >/dev/null
}

@test "update: a stopped container keeps the limits for its next start; restart policy" {
        create u-later '{"Image":"busybox","Cmd":["sleep","1000"]}' >/dev/null
        run api_json POST /containers/u-later/update '{"Memory":41943040,"MemorySwap":83886080,"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}}'
        assert_http 200
        [ "$(inspect u-later .HostConfig.Memory)" = 41943040 ]
        [ "$(inspect u-later .HostConfig.RestartPolicy.Name)" = on-failure ]
        [ "$(inspect u-later .HostConfig.RestartPolicy.MaximumRetryCount)" = 3 ]
        start u-later
        run cg_file "$(inspect u-later .State.Pid)" memory memory.limit_in_bytes memory.max
        [ "$output" = 41943040 ] || fail "memory at start: $output"

        create u-auto '{"Image":"busybox","Cmd":["true"],"HostConfig":{"AutoRemove":true}}' >/dev/null
        run api_json POST /containers/u-auto/update '{"RestartPolicy":{"Name":"always"}}'
        assert_http 409
        [[ "$(body | jq -r .message)" == *"Restart policy cannot be updated because AutoRemove is enabled for the container"* ]]
        run api_json POST /containers/nope/update '{"Memory":41943040}'
        assert_http 404
        api DELETE '/containers/u-later?force=1' >/dev/null
        api DELETE /containers/u-auto >/dev/null
}

@test "berth update: flags, output, errors" {
        create u-cli '{"Image":"busybox","Cmd":["sleep","1000"],"HostConfig":{"Memory":67108864,"MemorySwap":134217728}}' >/dev/null
        start u-cli
        pid=$(inspect u-cli .State.Pid)
        run berth update --memory 40m --memory-swap 80m --cpu-shares 256 --pids-limit 50 --restart unless-stopped u-cli
        assert_success
        [ "$output" = u-cli ]
        run cg_file "$pid" memory memory.limit_in_bytes memory.max
        [ "$output" = 41943040 ] || fail "memory: $output"
        run cg_file "$pid" pids pids.max pids.max
        [ "$output" = 50 ]
        [ "$(inspect u-cli .HostConfig.CpuShares)" = 256 ]
        [ "$(inspect u-cli .HostConfig.RestartPolicy.Name)" = unless-stopped ]

        run berth container update --cpus 0.25 --cpuset-cpus 0 u-cli
        assert_success
        [ "$(inspect u-cli .HostConfig.NanoCpus)" = 250000000 ]
        [ "$(inspect u-cli .HostConfig.CpusetCpus)" = 0 ]
        run cg_file "$pid" cpuset cpuset.cpus cpuset.cpus
        [ "$output" = 0 ]

        run berth update u-cli
        [ "$status" = 1 ]
        [[ "$output" == *"you must provide one or more flags when using this command"* ]]
        run berth update --memory lots u-cli
        [ "$status" = 125 ]
        [[ "$output" == *'invalid argument "lots" for "-m, --memory" flag'* ]]
        run berth update --memory 200m u-cli
        [ "$status" = 1 ]
        [[ "$output" == *"Error response from daemon: Cannot update container"*"Memory limit should be smaller than already set memoryswap limit"* ]]
        run berth update --restart sometimes u-cli
        [ "$status" = 1 ]
        [[ "$output" == *"invalid restart policy"* ]]
        # several containers: the bad one fails, the others are updated
        run berth update --memory-reservation 20m u-cli nope
        [ "$status" = 1 ]
        [[ "$output" == *u-cli* ]]
        [[ "$output" == *"No such container: nope"* ]]
        [ "$(inspect u-cli .HostConfig.MemoryReservation)" = 20971520 ]

        # the docker client sends every field of the update (zeros, nulls)
        run dkr update --memory 36m --memory-swap 72m u-cli
        assert_success
        [ "$output" = u-cli ]
        [ "$(inspect u-cli .HostConfig.Memory)" = 37748736 ]
        [ "$(inspect u-cli .HostConfig.CpuShares)" = 256 ]
        [ "$(inspect u-cli .HostConfig.RestartPolicy.Name)" = unless-stopped ]
        run cg_file "$pid" memory memory.limit_in_bytes memory.max
        [ "$output" = 37748736 ] || fail "memory: $output"
        api DELETE '/containers/u-cli?force=1' >/dev/null
}

@test "socket: group berth (as Docker's docker group) when the host has one" {
        local created=
        if ! getent group berth >/dev/null; then
                groupadd -r berth || skip "cannot add a group here"
                created=1
        fi
        daemon_restart TERM
        local sg want
        sg=$(stat -c %g "$DAEMON_SOCK")
        want=$(getent group berth | cut -d: -f3)
        [ "$(stat -c %a "$DAEMON_SOCK")" = 660 ] || fail "mode $(stat -c %a "$DAEMON_SOCK")"
        if [ -n "$created" ]; then
                groupdel berth
                daemon_restart TERM
                [ "$(stat -c %g "$DAEMON_SOCK")" = 0 ] || fail "without the group: gid $(stat -c %g "$DAEMON_SOCK")"
        fi
        [ "$sg" = "$want" ] || fail "socket gid $sg, group berth is $want"
}
