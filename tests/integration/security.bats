#!/usr/bin/env bats
# seccomp, capabilities, no_new_privs, readonly root, masked and readonly
# paths.

load helpers

@test "seccomp: a denied syscall fails with the configured errno" {
        make_bundle sh -c 'mkdir /tmp/newdir; echo "status=$?"; ls -d /tmp/newdir 2>&1; echo still-alive'
        update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains "Function not implemented"
        assert_output_contains "status=1"
        assert_output_contains still-alive
        [ ! -d "$BUNDLE/rootfs/tmp/newdir" ]
}

@test "seccomp: SCMP_ACT_ERRNO without errnoRet gives EPERM" {
        make_bundle sh -c 'mkdir /tmp/newdir'
        update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
        assert_output_contains "Operation not permitted"
}

@test "seccomp: argument conditions select the call" {
        # kill(pid, SIGUSR1) is denied, kill(pid, SIGUSR2) is not.
        make_bundle sh -c 'trap "echo got-usr2" USR2; trap "echo got-usr1" USR1; kill -USR2 $$; kill -USR1 $$ || echo usr1-denied'
        update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
                              "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]}'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains got-usr2
        assert_output_contains usr1-denied
        assert_output_not_contains got-usr1
}

@test "seccomp: SCMP_ACT_KILL kills the process (SIGSYS)" {
        # mkdir as the container's process: the kill ends the container.
        make_bundle mkdir /tmp/x
        update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]}'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        [ "$status" -eq 159 ] || fail "expected 159 (SIGSYS), got $status: $output"
        assert_output_not_contains survived
}

@test "seccomp: default action errno with an allow list" {
        # Everything busybox echo needs is allowed; mkdir is not on the list.
        make_bundle sh -c 'echo allowed; mkdir /tmp/x || echo mkdir-denied'
        allowed='["read","write","openat","open","close","fstat","newfstatat","stat","lstat","mmap","munmap","brk","rt_sigaction","rt_sigprocmask","rt_sigreturn","ioctl","execve","exit","exit_group","getpid","getppid","getuid","geteuid","getgid","getegid","arch_prctl","set_tid_address","wait4","clone","clone3","fork","vfork","fcntl","dup2","dup3","getcwd","uname","prctl","getpgrp","setpgid","access","faccessat","faccessat2","readlink","readlinkat","sigaltstack","futex","set_robust_list","rseq","prlimit64","getrandom","mprotect","pread64","statx","lseek","pipe","pipe2","capget","capset","setgroups","setuid","setgid","setresuid","setresgid","chdir","fchdir","getdents64","select","pselect6","poll","ppoll","nanosleep","clock_nanosleep","kill","tkill","tgkill","umask","sched_getaffinity","getrlimit","setrlimit","epoll_create1","epoll_ctl","epoll_pwait","epoll_wait","close_range","sysinfo","statfs","fstatfs","mount","umount2","pivot_root","sethostname","setdomainname","keyctl","socket","connect","sendto","recvfrom","recvmsg","sendmsg","unshare","setns","seccomp","personality","getdents","gettid","madvise","chown","fchown","fchownat","lchown","chmod","fchmod","fchmodat","symlink","symlinkat","unlink","unlinkat","openat2","mknod","mknodat","sched_yield","write","writev","readv","getsockname","getpeername","socketpair","bind","listen","accept","accept4","setsockopt","getsockopt","shutdown","inotify_init1","inotify_add_watch","eventfd2","signalfd4","timerfd_create","timerfd_settime","getpriority","setpriority","getrusage","times","clock_gettime","gettimeofday","time","mremap","sched_setaffinity","ioprio_set","membarrier","getcpu","fsync","fdatasync","rename","renameat","renameat2","link","linkat","truncate","ftruncate","fallocate","utimensat","sync","syncfs","flock","pidfd_open","pidfd_send_signal","pidfd_getfd","waitid","exit","restart_syscall","setsid","getsid","getpgid","getitimer","setitimer","alarm","pause","rt_sigsuspend","rt_sigtimedwait","rt_sigqueueinfo","sched_getparam","sched_getscheduler","sched_setscheduler","getresuid","getresgid","getgroups","setfsuid","setfsgid","mlock","munlock","msync","mincore","shmget","shmat","shmctl","shmdt","ipc","fstatat64","memfd_create","copy_file_range","sendfile","splice","tee","process_vm_readv","get_mempolicy","set_mempolicy","mbind","name_to_handle_at","open_by_handle_at","fanotify_init","fanotify_mark","userfaultfd","io_uring_setup","io_uring_enter","io_uring_register","fadvise64","readahead","fsopen","fsmount","fsconfig","move_mount","open_tree","mount_setattr","chroot","setreuid","setregid","setxattr","lsetxattr","fsetxattr","getxattr","lgetxattr","fgetxattr","listxattr","llistxattr","flistxattr","removexattr","lremovexattr","fremovexattr"]'
        update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
                "syscalls": [{"names": $a, "action": "SCMP_ACT_ALLOW"}]}' --argjson a "$allowed"
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains allowed
        assert_output_contains mkdir-denied
}

@test "capabilities: chown fails without CAP_CHOWN" {
        make_bundle sh -c 'touch /tmp/f && chown 1000 /tmp/f'
        update_config '.process.capabilities |= map_values(map(select(. != "CAP_CHOWN")))'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
        assert_output_contains "Operation not permitted"
        assert_equal "$(stat -c %u "$BUNDLE/rootfs/tmp/f")" 0
}

@test "capabilities: chown works with CAP_CHOWN" {
        make_bundle sh -c 'touch /tmp/f && chown 1000 /tmp/f'
        update_config '.process.capabilities[] += ["CAP_CHOWN"]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "$(stat -c %u "$BUNDLE/rootfs/tmp/f")" 1000
}

@test "capabilities: the five sets are as configured" {
        # CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29).
        make_bundle grep ^Cap /proc/self/status
        update_config '.process.capabilities = {"bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"],
                "effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"], "permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
                "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains "CapInh:	0000000000000020"
        assert_output_contains "CapPrm:	0000000000000420"
        assert_output_contains "CapEff:	0000000000000420"
        assert_output_contains "CapBnd:	0000000020000420"
        assert_output_contains "CapAmb:	0000000000000020"
}

@test "capabilities: a non-root user keeps only ambient capabilities" {
        make_bundle grep ^CapEff /proc/self/status
        update_config '.process.user = {"uid": 1000, "gid": 1000}
                | .process.capabilities = {"bounding": ["CAP_KILL", "CAP_CHOWN"], "effective": ["CAP_KILL", "CAP_CHOWN"],
                   "permitted": ["CAP_KILL", "CAP_CHOWN"], "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains "CapEff:	0000000000000020"
}

@test "noNewPrivileges: set in the process" {
        make_bundle grep NoNewPrivs /proc/self/status
        update_config '.process.noNewPrivileges = true'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_output_contains "NoNewPrivs:	1"
}

@test "readonly root: writing / fails with Read-only file system" {
        make_bundle sh -c 'touch /newfile; echo x >/tmp/y; grep " / " /proc/mounts'
        update_config '.root.readonly = true'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_output_contains "Read-only file system"
        [ ! -e "$BUNDLE/rootfs/newfile" ]
        [ ! -e "$BUNDLE/rootfs/tmp/y" ]
        [[ $output == *" / "*" ro"* ]] || fail "root not mounted ro: $output"
}

@test "readonly root: a tmpfs mount on it stays writable" {
        make_bundle sh -c 'echo ok >/scratch/f && cat /scratch/f'
        update_config '.root.readonly = true | .mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs"}]'
        mkdir -p "$BUNDLE/rootfs/scratch"
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "$output" ok
}

@test "maskedPaths: masked files read empty, a masked directory is empty" {
        # /proc/kcore when the kernel has it (this host's does not).
        files="/proc/keys /proc/timer_list"
        [ -e /proc/kcore ] && files="/proc/kcore $files"
        make_bundle sh -c 'for f in '"$files"'; do echo "$f $(wc -c <$f)"; done; echo "dir $(ls -A /sys/firmware | wc -l)"'
        update_config '.linux.maskedPaths = ($f | split(" ")) + ["/sys/firmware"]' --arg f "$files"
        [ -n "$(ls -A /sys/firmware)" ] || fail "host /sys/firmware is empty: the test cannot tell"
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        for f in $files; do
                assert_output_contains "$f 0"
        done
        assert_output_contains "dir 0"
}

@test "readonlyPaths: /proc/sys cannot be written" {
        make_bundle sh -c 'echo 1 >/proc/sys/kernel/shm_rmid_forced; grep " /proc/sys " /proc/mounts'
        update_config '.linux.readonlyPaths = ["/proc/sys"] | .process.capabilities[] += ["CAP_SYS_ADMIN"]'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_output_contains "Read-only file system"
        [[ $output == *"/proc/sys proc ro"* ]] || fail "not mounted ro: $output"
}

@test "sysctl: set inside the container's namespaces" {
        make_bundle sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced'
        update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"}'
        host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
        host_shm=$(cat /proc/sys/kernel/shm_rmid_forced)
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_success
        assert_equal "${lines[0]}" 1
        assert_equal "${lines[1]}" 1
        assert_equal "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd"
        assert_equal "$(cat /proc/sys/kernel/shm_rmid_forced)" "$host_shm"
}

@test "sysctl: a host-wide sysctl is refused" {
        make_bundle true
        update_config '.linux.sysctl = {"kernel.hostname_not_namespaced_test": "1", "vm.swappiness": "10"}'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
}

# start_agent ERRNO: the seccomp agent on $AGENT_SOCK, answering -ERRNO; the
# state message of its Nth connection lands in $AGENT_STATE.N. Stopped by PID.
start_agent() {
        AGENT_SOCK=$BATS_TEST_TMPDIR/agent.sock
        AGENT_STATE=$BATS_TEST_TMPDIR/agent.state
        python3 "$BATS_TEST_DIRNAME/seccomp-agent.py" "$AGENT_SOCK" "$AGENT_STATE" "$1" 3>&- &
        AGENT_PID=$!
        wait_for 50 test -S "$AGENT_SOCK" || fail "agent did not start"
}

stop_agent() {
        kill "$AGENT_PID" 2>/dev/null || true
        wait "$AGENT_PID" 2>/dev/null || true
}

@test "seccomp: SCMP_ACT_NOTIFY hands the listener to the agent, which answers the call" {
        make_bundle sh -c 'mkdir /tmp/notified 2>&1; echo rc=$?; echo alive'
        update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p, "listenerMetadata": "berth-test",
                "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' --arg p "$BATS_TEST_TMPDIR/agent.sock"
        start_agent 28 # ENOSPC
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        stop_agent
        assert_success
        # the agent's answer, not the kernel's
        assert_output_contains "No space left on device"
        assert_output_contains "rc=1"
        assert_output_contains alive
        [ ! -e "$BUNDLE/rootfs/tmp/notified" ] || fail "mkdir was not intercepted"
        # the container process state, as runtime-spec describes it
        local st=$AGENT_STATE.1
        [ -s "$st" ] || fail "no state message"
        assert_equal "$(jq -c .fds "$st")" '["seccompFd"]'
        assert_equal "$(jq -r .metadata "$st")" berth-test
        assert_equal "$(jq -r .state.id "$st")" "$id"
        [ "$(jq -r .pid "$st")" -gt 0 ] || fail "no pid: $(cat "$st")"
        assert_nothing_left "$id"
}

@test "seccomp: SCMP_ACT_NOTIFY: each exec hands its own listener to the agent" {
        make_bundle sleep 1000
        update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p,
                "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' --arg p "$BATS_TEST_TMPDIR/agent.sock"
        start_agent 13 # EACCES
        id=$(new_id)
        run_detached "$id"
        run rt exec "$id" sh -c 'mkdir /tmp/by-exec 2>&1; echo rc=$?'
        assert_success
        assert_output_contains "Permission denied"
        assert_output_contains "rc=1"
        [ ! -e "$BUNDLE/rootfs/tmp/by-exec" ] || fail "mkdir was not intercepted"
        [ -s "$AGENT_STATE.2" ] || fail "no state message from exec"
        assert_equal "$(jq -r .state.status "$AGENT_STATE.2")" running
        [ "$(jq -r .pid "$AGENT_STATE.2")" != "$(jq -r .pid "$AGENT_STATE.1")" ] || fail "same pid for init and exec"
        rt delete --force "$id"
        stop_agent
}

@test "seccomp: SCMP_ACT_NOTIFY needs a listenerPath, and an agent that listens" {
        make_bundle true
        update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
        id=$(new_id)
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
        assert_output_contains "listenerPath: required by SCMP_ACT_NOTIFY rules"
        assert_nothing_left "$id"
        update_config '.linux.seccomp.listenerPath = $p' --arg p "$BATS_TEST_TMPDIR/nobody.sock"
        run rt run --bundle "$BUNDLE" "$id"
        assert_failure
        assert_output_contains "connect to the seccomp agent at '$BATS_TEST_TMPDIR/nobody.sock'"
        assert_nothing_left "$id"
}
