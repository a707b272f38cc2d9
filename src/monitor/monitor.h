/* berth-monitor: the contract between berthd and the per-container monitor.
 *
 * berthd starts one monitor per run of a container:
 *
 *   berth-monitor --id ID --bundle DIR --dir EXECDIR --runtime-root ROOT
 *                 --sync-fd N [--log-path FILE] [--log-max-size BYTES]
 *                 [--log-max-file N] [--tty] [--stdin] [--stdin-once]
 *
 * The monitor detaches (setsid, then one fork so that it is not berthd's
 * child, and makes itself a child subreaper), creates the container through
 * the runtime library in its own process (root ROOT, bundle DIR) with the
 * container's stdio on pipes or, with --tty, a pty, and then:
 *
 * sync fd (a SOCK_SEQPACKET socket berthd passes; one JSON object per
 * message):
 *   monitor → berthd  {"status":"created","pid":INIT_PID,"monitor_pid":PID}
 *                     once the container is created and EXECDIR/attach.sock
 *                     listens; or {"status":"error","message":"..."} (then
 *                     it exits, leaving nothing behind);
 *   berthd → monitor  {"op":"start"}  (after pending attach clients are
 *                     connected, so no early output is lost);
 *   monitor → berthd  {"status":"started","pid":INIT_PID} or
 *                     {"status":"error","message":"..."}; then the monitor
 *                     closes its end. EOF before "start" means berthd gave up:
 *                     the monitor deletes the container and exits.
 *
 * Files in EXECDIR (berthd creates the directory, the monitor its files):
 *   monitor.pid   the monitor's pid (written before "created")
 *   attach.sock   attach clients (below)
 *   ctl.sock      control: one JSON request line, one JSON reply line per
 *                 connection: {"op":"resize","height":H,"width":W} →
 *                 {"ok":true} or {"ok":false,"message":"..."}
 *   exit.json     written atomically when the container's init has exited,
 *                 before the monitor deletes the container and exits:
 *                 {"ExitCode":N,"OOMKilled":bool,"FinishedAt":"RFC 3339 nano
 *                 UTC","Error":""}. N is the code, or 128+signal.
 *
 * attach.sock: a client connects and sends one JSON line
 *   {"stdin":bool,"stdout":bool,"stderr":bool}
 * then receives the container's output from that moment: raw bytes with
 * --tty, else Docker's multiplexed frames (1 byte stream 1=stdout 2=stderr,
 * 3 zero bytes, 4-byte big-endian length, payload), ready to be relayed to
 * an API client as they are. With "stdin":true, bytes the client sends go to
 * the container's stdin; when such a client shuts down its write side and
 * --stdin-once was given, the container's stdin is closed. The monitor
 * closes every client connection after the container exits and all its
 * output was sent. A slow client never blocks the container or the others:
 * its output is dropped beyond a bounded buffer.
 *
 * Logs (--log-path): Docker's json-file format, one line per chunk of output
 * ending in a newline (or a partial line at 16 KiB):
 *   {"log":"text\n","stream":"stdout","time":"2026-11-23T17:00:00.123456789Z"}
 * Rotation when the file would exceed --log-max-size: FILE → FILE.1 → ...
 * up to --log-max-file files (Docker's numbering). Defaults when absent:
 * no logs without --log-path; max-size 10 MiB, max-file 5.
 *
 * OOM: the monitor watches the container's memory cgroup (v1 oom events,
 * v2 memory.events oom_kill) and reports OOMKilled in exit.json.
 */
#pragma once

#define MONITOR_PID_FILE    "monitor.pid"
#define MONITOR_ATTACH_SOCK "attach.sock"
#define MONITOR_CTL_SOCK    "ctl.sock"
#define MONITOR_EXIT_FILE   "exit.json"

#define MONITOR_DEFAULT_LOG_MAX_SIZE ((long long)10 << 20)
#define MONITOR_DEFAULT_LOG_MAX_FILE 5

/* Docker's stream multiplexing header. */
#define MONITOR_STREAM_STDIN  0
#define MONITOR_STREAM_STDOUT 1
#define MONITOR_STREAM_STDERR 2
#define MONITOR_FRAME_HEADER  8
