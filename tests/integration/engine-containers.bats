#!/usr/bin/env bats
# The engine core through the Engine API: create/list/inspect/start/stop/
# kill/wait/rm/rename/pause/top/changes/export/prune, events, restart
# policies, --rm, live restore (kill -9 of berthd), a killed monitor, and
# 50 concurrent clients.

load daemon-helpers

setup_file() { daemon_start; }
# daemon_restart starts a new berthd: take its pid from the pidfile.
current_daemon() { DAEMON_PID=$(cat "$DAEMON_DIR/berthd.pid"); }
teardown_file() {
        current_daemon
        daemon_stop
}
setup() {
        daemon_test_setup
        current_daemon
}

# kill9_daemon: SIGKILL berthd and wait until it is gone (or a zombie).
# daemon_restart kills $DAEMON_PID first: a placeholder process stands in.
kill9_daemon() {
        local p=$DAEMON_PID
        kill -9 "$p"
        wait_for 50 bash -c "! kill -0 $p 2>/dev/null || grep -q ') Z' /proc/$p/stat"
        sleep 60 </dev/null >/dev/null 2>&1 3>&- &
        DAEMON_PID=$!
}

# create NAME JSON-BODY: creates, prints the ID.
create() {
        local out
        out=$(api_json POST "/containers/create?name=$1" "$2")
        [ "$(tail -n1 <<<"$out")" = 201 ] || fail "create $1: $out"
        sed '$d' <<<"$out" | jq -r .Id
}

# inspect NAME JQ-FILTER
inspect() {
        api GET "/containers/$1/json" | sed '$d' | jq -r "$2"
}

state_is() { [ "$(inspect "$1" .State.Status)" = "$2" ]; }

@test "create: 201, then inspect shows the record; name conflicts and bad input" {
        id=$(create c-basic '{"Image":"busybox","Cmd":["true"],"Labels":{"k":"v"}}')
        [ ${#id} = 64 ]
        [ "$(inspect c-basic .Name)" = /c-basic ]
        [ "$(inspect c-basic .State.Status)" = created ]
        [ "$(inspect c-basic .Config.Labels.k)" = v ]
        [ "$(inspect c-basic .Path)" = true ]
        [ "$(inspect "${id:0:12}" .Id)" = "$id" ]
        [ "$(inspect c-basic .HostConfig.RestartPolicy.Name)" = no ]

        run api_json POST '/containers/create?name=c-basic' '{"Image":"busybox","Cmd":["true"]}'
        assert_http 409
        [[ "$(body | jq -r .message)" == "Conflict. The container name \"/c-basic\" is already in use by container \"$id\""* ]]

        run api_json POST '/containers/create?name=-bad' '{"Image":"busybox"}'
        assert_http 400
        [[ "$output" == *"Invalid container name (-bad)"* ]]

        run api_json POST '/containers/create' '{"Image":"nosuchimage:1"}'
        assert_http 404
        [[ "$output" == *"No such image: nosuchimage:1"* ]]

        run api_json POST '/containers/create' '{"Image":'
        assert_http 400

        run api GET /containers/nope/json
        assert_http 404
        [[ "$output" == *"No such container: nope"* ]]

        # without ?name= a random adjective_surname name
        out=$(api_json POST '/containers/create' '{"Image":"busybox","Cmd":["true"]}')
        rid=$(sed '$d' <<<"$out" | jq -r .Id)
        [[ "$(inspect "$rid" .Name)" =~ ^/[a-z]+_[a-z]+[0-9]*$ ]]
        api DELETE "/containers/$rid" >/dev/null
        api DELETE /containers/c-basic >/dev/null
}

@test "start, 304 when running, ps and top, stop with timeout, 304 when stopped" {
        create c-life '{"Image":"busybox","Cmd":["sleep","1000"]}' >/dev/null
        run api POST /containers/c-life/start
        assert_http 204
        run api POST /containers/c-life/start
        assert_http 304
        state_is c-life running
        [ "$(inspect c-life .State.Running)" = true ]
        pid=$(inspect c-life .State.Pid)
        [ "$pid" -gt 0 ]
        kill -0 "$pid"

        run api GET /containers/json
        [[ "$(body | jq -r '.[] | select(.Names[0]=="/c-life") | .Status')" == Up* ]]

        run api GET /containers/c-life/top
        assert_http 200
        body | jq -e '.Titles | index("PID")'
        body | jq -e '[.Processes[] | select(.[-1] | test("sleep 1000"))] | length == 1'

        run api POST '/containers/c-life/stop?t=1'
        assert_http 204
        state_is c-life exited
        [ "$(inspect c-life .State.ExitCode)" = 137 ]
        [ "$(inspect c-life .State.FinishedAt)" != 0001-01-01T00:00:00Z ]
        ! kill -0 "$pid" 2>/dev/null
        run api POST /containers/c-life/stop
        assert_http 304
        run api GET /containers/json
        [ "$(body | jq '[.[] | select(.Names[0]=="/c-life")] | length')" = 0 ]
        run api GET '/containers/json?all=1'
        [[ "$(body | jq -r '.[] | select(.Names[0]=="/c-life") | .Status')" == "Exited (137)"* ]]
        # restarted: runs again
        run api POST '/containers/c-life/restart?t=0'
        assert_http 204
        state_is c-life running
        run api DELETE /containers/c-life
        assert_http 409
        [[ "$(body | jq -r .message)" == 'cannot remove container "/c-life": container is running'* ]]
        run api DELETE '/containers/c-life?force=1'
        assert_http 204
        run api GET /containers/c-life/json
        assert_http 404
}

@test "stop honours the StopSignal; kill with signal names; 409 when not running" {
        create c-sig '{"Image":"busybox","Cmd":["sh","-c","trap \"exit 7\" USR1; trap \"exit 9\" HUP; while :; do sleep 0.1; done"],"StopSignal":"SIGHUP"}' >/dev/null
        api POST /containers/c-sig/start >/dev/null
        run api POST '/containers/c-sig/stop?t=10'
        assert_http 204
        [ "$(inspect c-sig .State.ExitCode)" = 9 ]
        # ?signal= overrides it
        api POST /containers/c-sig/start >/dev/null
        run api POST '/containers/c-sig/stop?t=10&signal=USR1'
        assert_http 204
        [ "$(inspect c-sig .State.ExitCode)" = 7 ]
        api POST /containers/c-sig/start >/dev/null
        run api POST '/containers/c-sig/kill?signal=SIGUSR1'
        assert_http 204
        wait_for 50 state_is c-sig exited
        [ "$(inspect c-sig .State.ExitCode)" = 7 ]
        run api POST '/containers/c-sig/kill'
        assert_http 409
        [[ "$output" == *"is not running"* ]]
        run api POST '/containers/c-sig/kill?signal=SIGNOPE'
        assert_http 400
        api DELETE /containers/c-sig >/dev/null
}

@test "wait: next-exit registered before start; not-running returns at once" {
        create c-wait '{"Image":"busybox","Cmd":["sh","-c","sleep 0.3; exit 3"]}' >/dev/null
        api POST '/containers/c-wait/wait?condition=next-exit' >"$BATS_TEST_TMPDIR/w" &
        wpid=$!
        sleep 0.2
        api POST /containers/c-wait/start >/dev/null
        wait "$wpid"
        run cat "$BATS_TEST_TMPDIR/w"
        assert_http 200
        [ "$(body | jq .StatusCode)" = 3 ]
        run api POST /containers/c-wait/wait
        assert_http 200
        [ "$(body | jq .StatusCode)" = 3 ]
        run api POST '/containers/c-wait/wait?condition=bogus'
        assert_http 400
        api DELETE /containers/c-wait >/dev/null
}

@test "rename, pause and unpause" {
        create c-ren '{"Image":"busybox","Cmd":["sleep","1000"]}' >/dev/null
        create c-other '{"Image":"busybox","Cmd":["true"]}' >/dev/null
        run api POST '/containers/c-ren/rename?name=c-renamed'
        assert_http 204
        run api GET /containers/c-ren/json
        assert_http 404
        [ "$(inspect c-renamed .Name)" = /c-renamed ]
        run api POST '/containers/c-renamed/rename?name=c-other'
        assert_http 409

        api POST /containers/c-renamed/start >/dev/null
        run api POST /containers/c-renamed/pause
        assert_http 204
        state_is c-renamed paused
        [ "$(inspect c-renamed .State.Paused)" = true ]
        run api GET '/containers/json?filters=%7B%22status%22%3A%5B%22paused%22%5D%7D'
        [[ "$(body | jq -r '.[0].Status')" == *"(Paused)" ]]
        run api POST /containers/c-renamed/pause
        assert_http 409
        run api POST /containers/c-renamed/unpause
        assert_http 204
        state_is c-renamed running
        run api POST /containers/c-renamed/unpause
        assert_http 409
        api DELETE '/containers/c-renamed?force=1' >/dev/null
        api DELETE /containers/c-other >/dev/null
}

@test "list: all, limit and filters" {
        create f-a '{"Image":"busybox","Cmd":["sh","-c","exit 2"],"Labels":{"tier":"db"}}' >/dev/null
        create f-b '{"Image":"busybox","Cmd":["sleep","1000"],"Labels":{"tier":"web"}}' >/dev/null
        create f-c '{"Image":"busybox","Cmd":["true"]}' >/dev/null
        api POST /containers/f-a/start >/dev/null
        api POST /containers/f-b/start >/dev/null
        wait_for 50 state_is f-a exited
        q() { api GET "/containers/json?$1" | sed '$d' | jq -r '[.[].Names[0]] | join(" ")'; }
        enc() { jq -rn --arg s "$1" '$s|@uri'; }
        [ "$(q '')" = /f-b ]
        [ "$(q all=1)" = "/f-c /f-b /f-a" ]
        [ "$(q limit=2)" = "/f-c /f-b" ]
        [ "$(q "all=1&filters=$(enc '{"status":["exited"]}')")" = /f-a ]
        [ "$(q "filters=$(enc '{"status":["created"]}')")" = /f-c ]
        [ "$(q "all=1&filters=$(enc '{"label":["tier=web"]}')")" = /f-b ]
        [ "$(q "all=1&filters=$(enc '{"label":["tier"]}')")" = "/f-b /f-a" ]
        [ "$(q "all=1&filters=$(enc '{"name":["^f-[ab]$"]}')")" = "/f-b /f-a" ]
        [ "$(q "all=1&filters=$(enc '{"exited":["2"]}')")" = /f-a ]
        [ "$(q "all=1&filters=$(enc '{"before":["f-c"],"ancestor":["busybox"]}')")" = "/f-b /f-a" ]
        [ "$(q "all=1&filters=$(enc '{"since":["f-a"]}')")" = "/f-c /f-b" ]
        run api GET "/containers/json?filters=$(enc '{"status":["sleepy"]}')"
        assert_http 400
        run api GET "/containers/json?filters=$(enc '{"colour":["red"]}')"
        assert_http 400
        run api GET '/containers/json?all=1&size=1'
        body | jq -e 'all(.[]; has("SizeRw"))'
        for n in f-a f-b f-c; do api DELETE "/containers/$n?force=1" >/dev/null; done
}

@test "events: since/until replay with exitCode and signal attributes, filters" {
        t0=$(date +%s)
        create e-1 '{"Image":"busybox","Cmd":["sh","-c","exit 4"]}' >/dev/null
        api POST /containers/e-1/start >/dev/null
        wait_for 50 state_is e-1 exited
        api DELETE /containers/e-1 >/dev/null
        t1=$(($(date +%s) + 1))
        sleep 1
        run api GET "/events?since=$t0&until=$t1"
        assert_http 200
        actions=$(body | jq -r 'select(.Actor.Attributes.name=="e-1") | .Action' | tr '\n' ' ')
        [ "$actions" = "create start die destroy " ]
        [ "$(body | jq -r 'select(.Action=="die" and .Actor.Attributes.name=="e-1") | .Actor.Attributes.exitCode')" = 4 ]
        f=$(jq -rn '{"event":["die"],"container":["e-1"]}|tostring|@uri')
        run api GET "/events?since=$t0&until=$t1&filters=$f"
        [ "$(body | jq -r .Action | tr '\n' ' ')" = "die " ]

        # since=0 replays everything recorded, then keeps streaming
        curl -sS -m 1 --unix-socket "$DAEMON_SOCK" "http://localhost/events?since=0&filters=$f" >"$BATS_TEST_TMPDIR/ev0" || true
        [ "$(jq -r .Action "$BATS_TEST_TMPDIR/ev0" | tr '\n' ' ')" = "die " ]

        # live: a stream sees an event that happens while it is connected
        curl -sS --unix-socket "$DAEMON_SOCK" -N "http://localhost/events?filters=$(jq -rn '{"container":["e-live"]}|tostring|@uri')" >"$BATS_TEST_TMPDIR/ev" &
        cpid=$!
        sleep 0.3
        create e-live '{"Image":"busybox","Cmd":["true"]}' >/dev/null
        wait_for 30 grep -q '"Action":"create"' "$BATS_TEST_TMPDIR/ev"
        kill "$cpid"
        wait "$cpid" || true
        api DELETE /containers/e-live >/dev/null
}

@test "restart policy on-failure:2 restarts twice with back-off, then stays exited" {
        create r-onf '{"Image":"busybox","Cmd":["sh","-c","exit 1"],"HostConfig":{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":2}}}' >/dev/null
        api POST /containers/r-onf/start >/dev/null
        wait_for 100 bash -c "[ \"\$(curl -s --unix-socket $DAEMON_SOCK http://localhost/containers/r-onf/json | jq -r '.RestartCount')\" = 2 ]"
        wait_for 50 state_is r-onf exited
        sleep 1
        state_is r-onf exited
        [ "$(inspect r-onf .RestartCount)" = 2 ]
        [ "$(inspect r-onf .State.ExitCode)" = 1 ]
        api DELETE /containers/r-onf >/dev/null
}

@test "restart policy always: restarts after exit 0; stop ends it" {
        create r-alw '{"Image":"busybox","Cmd":["sh","-c","sleep 0.2"],"HostConfig":{"RestartPolicy":{"Name":"always"}}}' >/dev/null
        api POST /containers/r-alw/start >/dev/null
        wait_for 100 bash -c "[ \"\$(curl -s --unix-socket $DAEMON_SOCK http://localhost/containers/r-alw/json | jq -r '.RestartCount')\" -ge 2 ]"
        run api POST '/containers/r-alw/stop?t=1'
        [[ "$(tail -n1 <<<"$output")" =~ ^(204|304)$ ]]
        wait_for 30 state_is r-alw exited
        n=$(inspect r-alw .RestartCount)
        sleep 1
        state_is r-alw exited
        [ "$(inspect r-alw .RestartCount)" = "$n" ]
        api DELETE '/containers/r-alw?force=1' >/dev/null
}

@test "AutoRemove: the container goes when it exits; wait condition=removed" {
        id=$(create r-rm '{"Image":"busybox","Cmd":["sh","-c","sleep 0.3; exit 5"],"HostConfig":{"AutoRemove":true}}')
        api POST '/containers/r-rm/wait?condition=removed' >"$BATS_TEST_TMPDIR/w" &
        wpid=$!
        sleep 0.2
        api POST /containers/r-rm/start >/dev/null
        wait "$wpid"
        [ "$(sed '$d' "$BATS_TEST_TMPDIR/w" | jq .StatusCode)" = 5 ]
        run api GET "/containers/$id/json"
        assert_http 404
        [ ! -e "$DAEMON_DIR/data/containers/$id" ]
        run api_json POST '/containers/create' '{"Image":"busybox","HostConfig":{"AutoRemove":true,"RestartPolicy":{"Name":"always"}}}'
        assert_http 400
}

@test "changes, export and prune" {
        create x-1 '{"Image":"busybox","Cmd":["sh","-c","echo data >/newfile"]}' >/dev/null
        api POST /containers/x-1/start >/dev/null
        wait_for 50 state_is x-1 exited
        run api GET /containers/x-1/changes
        assert_http 200
        body | jq -e '[.[] | select(.Path=="/newfile" and .Kind==1)] | length == 1'
        # sizes: the writable layer holds the 5 bytes of /newfile
        run api GET '/containers/x-1/json?size=1'
        body | jq -e '.SizeRw >= 5 and .SizeRootFs > .SizeRw'
        run api GET "/containers/json?all=1&size=1&filters=$(jq -rn '{"name":["x-1"]}|tostring|@uri')"
        body | jq -e '.[0].SizeRw >= 5 and .[0].SizeRootFs > .[0].SizeRw'
        curl -sS --unix-socket "$DAEMON_SOCK" -o "$BATS_TEST_TMPDIR/x.tar" http://localhost/containers/x-1/export
        tar -tf "$BATS_TEST_TMPDIR/x.tar" | grep -qx 'newfile\|./newfile'
        tar -tf "$BATS_TEST_TMPDIR/x.tar" | grep -q 'bin/busybox'

        create x-run '{"Image":"busybox","Cmd":["sleep","1000"]}' >/dev/null
        api POST /containers/x-run/start >/dev/null
        run api POST /containers/prune
        assert_http 200
        body | jq -e '.ContainersDeleted | length >= 1'
        run api GET /containers/x-1/json
        assert_http 404
        state_is x-run running
        api DELETE '/containers/x-run?force=1' >/dev/null
}

@test "live restore: kill -9 of berthd keeps the container; the new berthd adopts it" {
        create lr-1 '{"Image":"busybox","Cmd":["sleep","1000"]}' >/dev/null
        create lr-2 '{"Image":"busybox","Cmd":["sh","-c","sleep 1; exit 6"]}' >/dev/null
        api POST /containers/lr-1/start >/dev/null
        api POST /containers/lr-2/start >/dev/null
        pid=$(inspect lr-1 .State.Pid)
        kill9_daemon
        kill -0 "$pid"
        # lr-2 exits while berthd is down
        sleep 1.5
        daemon_restart KILL
        state_is lr-1 running
        [ "$(inspect lr-1 .State.Pid)" = "$pid" ]
        run api GET /containers/json
        [ "$(body | jq -r '.[] | select(.Names[0]=="/lr-1") | .State')" = running ]
        run api GET /containers/lr-1/top
        body | jq -e '[.Processes[] | select(.[-1] | test("sleep 1000"))] | length == 1'
        wait_for 30 state_is lr-2 exited
        [ "$(inspect lr-2 .State.ExitCode)" = 6 ]
        run api POST '/containers/lr-1/stop?t=1'
        assert_http 204
        state_is lr-1 exited
        ! kill -0 "$pid" 2>/dev/null
        api DELETE /containers/lr-1 >/dev/null
        api DELETE /containers/lr-2 >/dev/null
}

@test "restart policy applies at daemon start to what exited while it was down" {
        create lr-alw '{"Image":"busybox","Cmd":["sleep","1000"],"HostConfig":{"RestartPolicy":{"Name":"always"}}}' >/dev/null
        api POST /containers/lr-alw/start >/dev/null
        pid=$(inspect lr-alw .State.Pid)
        kill9_daemon
        kill -9 "$pid"
        sleep 0.5
        daemon_restart KILL
        wait_for 50 state_is lr-alw running
        [ "$(inspect lr-alw .State.Pid)" != "$pid" ]
        [ "$(inspect lr-alw .RestartCount)" -ge 1 ]
        api DELETE '/containers/lr-alw?force=1' >/dev/null
}

@test "a killed monitor marks its container exited with a clear error" {
        create mk-1 '{"Image":"busybox","Cmd":["sleep","1000"]}' >/dev/null
        api POST /containers/mk-1/start >/dev/null
        id=$(inspect mk-1 .Id)
        pid=$(inspect mk-1 .State.Pid)
        mon=$(cat "$DAEMON_DIR/exec/containers/$id/monitor.pid")
        kill -9 "$mon"
        wait_for 50 state_is mk-1 exited
        [[ "$(inspect mk-1 .State.Error)" == *monitor* ]]
        # what the monitor held is stopped too
        wait_for 30 bash -c "! kill -0 $pid 2>/dev/null"
        [ "$(inspect mk-1 .State.ExitCode)" != 0 ]
        run api DELETE /containers/mk-1
        assert_http 204
}

@test "50 concurrent clients create, start, stop and remove: a consistent state" {
        one() {
                local n=$1 out id
                out=$(api_json POST "/containers/create?name=st-$n" '{"Image":"busybox","Cmd":["sleep","1000"]}')
                id=$(sed '$d' <<<"$out" | jq -r .Id)
                api POST "/containers/st-$n/start" >/dev/null
                api POST "/containers/st-$n/stop?t=0" >/dev/null
                api POST "/containers/st-$n/start" >/dev/null
                api DELETE "/containers/st-$n?force=1" | tail -n1
        }
        pids=()
        for n in $(seq 1 50); do
                one "$n" >"$BATS_TEST_TMPDIR/st-$n" 2>&1 &
                pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p"; done
        for n in $(seq 1 50); do
                [ "$(cat "$BATS_TEST_TMPDIR/st-$n")" = 204 ] || fail "client $n: $(cat "$BATS_TEST_TMPDIR/st-$n")"
        done
        run api GET '/containers/json?all=1'
        [ "$(body | jq '[.[] | select(.Names[0] | startswith("/st-"))] | length')" = 0 ]
        [ -z "$(ls "$DAEMON_DIR/data/containers" | head -1)" ] || {
                # only containers of other tests may remain
                for d in "$DAEMON_DIR"/data/containers/*; do
                        run api GET "/containers/$(basename "$d")/json"
                        assert_http 200
                done
        }
        ! grep -qF "$DAEMON_DIR/data/containers/" /proc/mounts
        [ -z "$(daemon_monitor_pids)" ]
        [ "$(sqlite3 "$DAEMON_DIR/data/berth.db" "select count(*) from containers where name like '/st-%'")" = 0 ]
}
