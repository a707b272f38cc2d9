/* Shared by the parts of the berth-runtime command line (main*.c). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

typedef struct Globals {
        const char *root;
        bool systemd_cgroup;
} Globals;

/* One option of a command. has_arg: 0 flag, 1 value, 2 repeatable value. */
typedef struct Opt {
        const char *lng;
        char shrt;
        int has_arg;
} Opt;

typedef struct Parsed {
        const char *values[24];
        char **lists[24];
        bool set[24];
        char **pos; /* positional arguments (borrowed strings) */
        size_t n_pos;
} Parsed;

void parsed_done(Parsed *p);
/* Logs one error line and returns 1 (the exit status). */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* fail() with e's message; frees e. */
int fail_err(BerthError *e);
/* Options first; the first non-option (or "--") ends them. */
int parse_opts(const char *cmd, const Opt *opts, size_t n_opts, int argc, char **argv, Parsed *p);
/* A container id, and at most max_extra more positional arguments. */
int need_id(const char *cmd, const Parsed *p, size_t max_extra);
int print_json(json_t *j, size_t flags);

int cmd_features(const Globals *g, int argc, char **argv);
int cmd_update(const Globals *g, int argc, char **argv);
int cmd_events(const Globals *g, int argc, char **argv);
