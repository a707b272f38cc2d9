/* Helpers for the network tests that run on the real host. */
#pragma once

#include <sys/types.h>

/* A child in a new network namespace that waits to be killed; -1 on error. */
pid_t net_harness_spawn_netns(void);
/* Runs a shell command; its exit status. */
int net_harness_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
