/* berth-monitor internals: the process state shared by main.c (lifecycle)
 * and io.c (the epoll loop: container stdio, attach and control clients). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "monitor/jsonlog.h"

/* Output kept for one slow attach client before frames are dropped. */
#define MON_CLIENT_BUF_MAX (256 * 1024)
/* stdin bytes buffered for the container before clients are paused. */
#define MON_STDIN_BUF_MAX (64 * 1024)
/* After the init exits: how long output may still come, and how long
 * clients get to take what is queued for them. */
#define MON_DRAIN_MS 2000

typedef enum MonKind {
        MON_W_SIGNAL = 1,
        MON_W_SYNC,
        MON_W_ATTACH_LISTEN,
        MON_W_CTL_LISTEN,
        MON_W_STDOUT,
        MON_W_STDERR,
        MON_W_STDIN,
        MON_W_OOM,
        MON_W_CLIENT,
        MON_W_CTL,
} MonKind;

typedef struct MonBuf {
        char *data;
        size_t len, cap;
} MonBuf;

typedef struct MonWatch {
        MonKind kind;
        int fd;
} MonWatch;

typedef struct MonClient {
        MonWatch w; /* first: the epoll data points here */
        struct MonClient *next;
        bool ready; /* the request line was read */
        bool want_in, want_out, want_err;
        bool read_eof;
        uint32_t events;
        MonBuf in;  /* request line (attach, ctl) */
        MonBuf out; /* queued output */
} MonClient;

typedef struct Mon {
        /* options */
        const char *id;
        char *bundle;
        char *exec_dir;
        char *runtime_root;
        const char *log_path;
        long long log_max_size;
        int log_max_file;
        bool tty, open_stdin, stdin_once;

        int epfd;
        MonWatch sig, sync, attach_l, ctl_l, out, err, in, oom;
        MonBuf in_pend; /* bytes for the container's stdin */
        bool close_in_when_flushed;
        MonClient *clients;
        JsonLog *log;

        pid_t init_pid;
        bool started;
        bool init_exited;
        int exit_code;
        int64_t finished_ns;
        bool oom_killed;
        char *cgroup_path;
        bool quit;       /* leave the loop */
        bool abandon;    /* berthd gave up before start: delete, no exit.json */
        char *error_msg; /* start failed */
} Mon;

/* io.c */
int mon_epoll_add(Mon *m, MonWatch *w, uint32_t events);
void mon_watch_close(Mon *m, MonWatch *w);
/* Runs the loop until the init has exited and its output was drained and
 * delivered (or m->quit is set). */
int mon_loop(Mon *m);
void mon_clients_close(Mon *m);
/* Accepts waiting attach clients and reads their request lines. */
void mon_accept_pending(Mon *m);
int mon_sync_send(Mon *m, const char *status, const char *message);

/* main.c: the sync fd said "start"; reaping from the signalfd */
void mon_on_start(Mon *m);
void mon_reap(Mon *m);
