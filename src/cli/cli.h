/* berth, the command-line client: shared types of the commands, the option
 * parser, the API client and the output helpers. Commands follow the docker
 * CLI: names, flags, output columns and exit codes. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "common/json.h"

#define CLI_DEFAULT_HOST   "unix:///run/berth/berth.sock"
#define CLI_API_VERSION    "1.47"
#define CLI_MIN_API        "1.24"
#define CLI_EXIT_ENGINE    125
#define CLI_EXIT_CANNOT    126
#define CLI_EXIT_NOT_FOUND 127

typedef struct CliContext {
        char *host;        /* "unix:///path" */
        char *sock_path;   /* "/path" */
        char *api_version; /* negotiated, NULL until the first request */
        bool negotiated;
        bool debug;
        void *curl; /* CURL *, reused between requests */
} CliContext;

/* ---- options (cli_opts.c) ---------------------------------------------- */

typedef enum CliOptType {
        CLI_OPT_BOOL,   /* bool *; accepts --flag=false */
        CLI_OPT_STRING, /* char ** (borrowed from argv); `set` records presence */
        CLI_OPT_LIST,   /* char *** (strv of borrowed copies, caller frees with strv_free) */
        CLI_OPT_INT,    /* long long * */
} CliOptType;

typedef struct CliOpt {
        char short_name; /* 0: none */
        const char *long_name;
        CliOptType type;
        void *ptr;
        const char *type_name; /* shown in help: "string", "list", "int", "bytes" */
        const char *help;
        bool set; /* filled by the parser */
        bool hidden;
} CliOpt;

typedef struct CliCommand {
        const char *name;    /* "run", "container ls" */
        const char *usage;   /* "[OPTIONS] IMAGE [COMMAND] [ARG...]" */
        const char *summary; /* one line */
        const char *aliases; /* "berth container run, berth run" or NULL */
        int min_args;
        int max_args;      /* -1: unlimited */
        bool interspersed; /* flags may follow positional arguments */
} CliCommand;

/* Parses argv (argv[0] is the command name) against opts (terminated by an
 * entry with long_name NULL). On success returns 0 and sets *ret_args and
 * *ret_nargs to the positional arguments (a new array of borrowed strings;
 * free the array). Returns 1 when --help was printed (exit 0), or a negative
 * value after printing the usage error (exit with *ret_exit). */
int cli_parse(const CliCommand *cmd, CliOpt *opts, int argc, char **argv, char ***ret_args,
              int *ret_nargs, int *ret_exit);
void cli_print_usage(FILE *f, const CliCommand *cmd, const CliOpt *opts);
/* The option record for a long name (to ask `set`). */
const CliOpt *cli_opt_find(const CliOpt *opts, const char *long_name);

/* The first statement of a command: parses argc/argv against cmdv and
 * optsv into `args`/`nargs`, returning from the command on --help (0) or a
 * usage error (its exit code). */
#define PARSE(cmdv, optsv)                                                                         \
        _cleanup_free_ char **args = NULL;                                                         \
        int nargs = 0, code_ = 0;                                                                  \
        do {                                                                                       \
                int r_ = cli_parse(&(cmdv), (optsv), argc, argv, &args, &nargs, &code_);           \
                if (r_ == 1)                                                                       \
                        return 0;                                                                  \
                if (r_ < 0)                                                                        \
                        return code_;                                                              \
        } while (0)

/* ---- HTTP client (cli_http.c) ------------------------------------------ */

typedef size_t (*CliWriteFn)(const char *data, size_t len, void *userdata);

typedef struct CliRequest {
        const char *method;
        const char *path;         /* unversioned, with query: "/containers/json?all=1" */
        json_t *json;             /* body (borrowed) or NULL */
        int upload_fd;            /* body read from this fd when >= 0 */
        const char *content_type; /* for upload_fd */
        CliWriteFn write_fn;      /* 2xx body streamed here when set */
        void *write_data;
} CliRequest;

typedef struct CliResponse {
        long status;
        char *body;
        size_t len;
} CliResponse;

void cli_response_clear(CliResponse *r);
int cli_context_init(CliContext *ctx, const char *host, BerthError **err);
void cli_context_done(CliContext *ctx);
/* Negotiates the API version with HEAD /_ping once. */
int cli_negotiate(CliContext *ctx, BerthError **err);
/* "/v1.47/containers/json" from "/containers/json". Caller frees. */
char *cli_versioned_path(CliContext *ctx, const char *path);
/* Any status: the response is filled. Fails only when the daemon cannot be
 * reached ("Cannot connect to the berth daemon at ..."). */
int cli_http(CliContext *ctx, const CliRequest *req, CliResponse *resp, BerthError **err);
/* Like cli_http, but a status >= 400 becomes an error "Error response from
 * daemon: MSG" with code ENOENT for 404, EEXIST for 409, EIO otherwise. */
int cli_call(CliContext *ctx, const CliRequest *req, CliResponse *resp, BerthError **err);
/* Simple forms: body parsed as JSON into *ret (NULL when empty). */
int cli_get_json(CliContext *ctx, const char *path, json_t **ret, BerthError **err);
int cli_post_json(CliContext *ctx, const char *path, json_t *body, json_t **ret, BerthError **err);
int cli_delete(CliContext *ctx, const char *path, json_t **ret, BerthError **err);
/* The "message" of a JSON error body, or the body itself. Caller frees. */
char *cli_error_message(const char *body, size_t len);
/* Percent-encodes s for a query string. Caller frees. */
char *cli_urlencode(const char *s);
/* "Cannot connect to the berth daemon at HOST. Is the daemon running? ..." */
int cli_error_no_daemon(CliContext *ctx, BerthError **err);

/* The transport (cli_transport_curl.c or cli_transport_raw.c, chosen in
 * meson.build): one request to the versioned path; fills resp (status, and
 * the body unless req->write_fn took a 2xx body) and *ret_api_version from
 * the API-Version header when asked. Fails only when the daemon cannot be
 * reached or the exchange breaks. */
int cli_transport_perform(CliContext *ctx, const char *method, const char *path,
                          const CliRequest *req, CliResponse *resp, char **ret_api_version,
                          BerthError **err);
void cli_transport_done(CliContext *ctx);

/* ---- hijacked streams (cli_hijack.c) ----------------------------------- */

/* A new connection to the daemon's socket, or the "Cannot connect" error. */
int cli_connect_unix(CliContext *ctx, BerthError **err);
/* Reads a response head; bytes past it go to *ret_extra. */
int cli_read_head(int fd, long *ret_status, char **ret_head, char **ret_extra,
                  size_t *ret_extra_len, BerthError **err);
/* The value of a header in a head read by cli_read_head (caller frees). */
char *cli_header_value(const char *head, const char *name);

/* Sends METHOD path (versioned here) with Upgrade: tcp over a new unix socket
 * connection and reads the response head. On 101/200 returns the connected
 * fd; bytes read past the head are stored in *ret_extra and *ret_extra_len. On an
 * error status, fails with the daemon's message. */
int cli_hijack(CliContext *ctx, const char *method, const char *path, json_t *body,
               char **ret_extra, size_t *ret_extra_len, BerthError **err);
/* Sends a plain request on a new connection without reading the answer
 * (for POST /wait issued before start); read it later with cli_raw_response. */
int cli_raw_send(CliContext *ctx, const char *method, const char *path, json_t *body,
                 BerthError **err);
int cli_raw_response(int fd, CliResponse *resp, BerthError **err);

typedef struct CliStreamOpts {
        bool tty;              /* raw stream (no 8-byte frame headers) */
        bool use_stdin;        /* copy stdin to the connection */
        const char *detach;    /* detach key sequence ("ctrl-p,ctrl-q"), NULL: none */
        const char *container; /* for resize and signal proxy; NULL: none */
        bool exec;             /* resize an exec instead of a container */
        bool sig_proxy;
        bool resize;
} CliStreamOpts;

/* Pumps stdin to fd and fd to stdout/stderr until the stream ends. Returns
 * 1 when the user detached with the detach keys, 0 at the end of the stream. */
int cli_stream(CliContext *ctx, int fd, const char *extra, size_t extra_len, const CliStreamOpts *o,
               BerthError **err);

/* Demultiplexer of Docker's stdcopy frames, usable with partial input. */
typedef struct CliDemux {
        unsigned char hdr[8];
        size_t hdr_len;
        size_t remaining;
        int stream;
        int out_fd, err_fd;
} CliDemux;
void cli_demux_init(CliDemux *d, int out_fd, int err_fd);
/* Returns 0, or -EIO on a malformed frame (then the rest is written raw). */
int cli_demux_feed(CliDemux *d, const char *data, size_t len);

/* ---- terminal (cli_term.c) --------------------------------------------- */

/* Parses "ctrl-p,ctrl-q" / "a,ctrl-@" into bytes. Returns length or -EINVAL. */
int cli_detach_keys_parse(const char *spec, unsigned char *ret, size_t max, BerthError **err);

/* Matches typed bytes against the detach sequence, holding back a partial
 * match. */
typedef struct CliDetach {
        unsigned char keys[16];
        size_t nkeys;
        size_t matched;
} CliDetach;
/* Filters in[0..len) into out (room for len + nkeys bytes); returns the
 * number of bytes to forward, and sets *detached when the full sequence was
 * typed. */
size_t cli_detach_filter(CliDetach *d, const unsigned char *in, size_t len, unsigned char *out,
                         bool *detached);

int cli_term_raw(int fd);
void cli_term_restore(void);
int cli_term_size(int fd, unsigned *rows, unsigned *cols);

/* ---- formatting (cli_format.c) ----------------------------------------- */

typedef struct CliTemplate CliTemplate;
/* Parses a Go-template subset. "table " prefix sets *ret_table; literal
 * "\t" and "\n" become tab and newline as in docker. */
int cli_template_parse(const char *text, CliTemplate **ret, bool *ret_table, BerthError **err);
CliTemplate *cli_template_free(CliTemplate *t);
/* Renders over a JSON value; appends to *buf (malloc'd, NUL-terminated). */
int cli_template_exec(CliTemplate *t, json_t *dot, char **buf, size_t *len, BerthError **err);
/* Convenience: one string, caller frees. */
char *cli_template_render(CliTemplate *t, json_t *dot, BerthError **err);

/* Table writer like Go's tabwriter (minwidth 10, padding 3) for docker's
 * tables: rows of tab-separated cells. */
typedef struct CliTable {
        char **lines;
        size_t n, cap;
} CliTable;
int cli_table_add(CliTable *t, const char *line);
void cli_table_flush(CliTable *t, FILE *out);
/* With another minimum cell width (top uses 20). */
void cli_table_flush_min(CliTable *t, FILE *out, size_t minwidth);

/* Renders rows (an array of objects) with --format semantics: "" or "table"
 * → def (a "table ..." template), "json" → {{json .}}, else the template;
 * header maps field names to column titles. */
int cli_format_rows(FILE *out, const char *format, const char *def, json_t *rows, json_t *header,
                    BerthError **err);

/* ---- units (cli_units.c) ----------------------------------------------- */

/* "1.23MB" (decimal, 3 significant digits, as docker's HumanSize). */
char *cli_human_size(double bytes);
/* "3 seconds", "About a minute", ... (docker's HumanDuration). */
char *cli_human_duration(int64_t seconds);
/* "512m" → 536870912 (binary units, as docker's RAMInBytes). */
int cli_parse_ram(const char *s, int64_t *ret);
/* "1.5" → 1500000000. */
int cli_parse_nanocpus(const char *s, int64_t *ret);
/* --memory-swap: a size as cli_parse_ram, or "-1" (unlimited). */
int cli_parse_memory_swap(const char *s, int64_t *ret);
/* --restart of run and update, as docker's ParseRestartPolicy: "no",
 * "always", "unless-stopped" or "on-failure[:N]" → {"Name",
 * "MaximumRetryCount"}. NULL when invalid, with docker's message in
 * *ret_why (caller frees; NULL when out of memory). */
json_t *cli_parse_restart_policy(const char *s, char **ret_why);
/* RFC 3339 (with fractional seconds, Z or offset) → unix seconds. */
int cli_parse_time(const char *s, int64_t *ret);
/* --since/--until: a duration ("10m", "1h30m"), RFC 3339, or unix
 * timestamp → a unix timestamp string for the API. Caller frees. */
char *cli_timestamp_arg(const char *s, int64_t now);

/* ---- run/create (cli_run.c) -------------------------------------------- */

typedef struct CliRunFlags CliRunFlags;
/* Parses run/create arguments into the create request: *ret_body (the
 * Config with HostConfig and NetworkingConfig), *ret_name (may be NULL) and
 * the run-only settings. Returns 0, 1 (help printed), or < 0 with *ret_exit. */
int cli_run_parse(bool is_run, int argc, char **argv, json_t **ret_body, char **ret_name,
                  CliRunFlags **ret_flags, int *ret_exit, BerthError **err);
void cli_run_flags_free(CliRunFlags *f);

/* ---- commands ---------------------------------------------------------- */

typedef int (*CliCommandFn)(CliContext *ctx, int argc, char **argv);

int cmd_run(CliContext *ctx, int argc, char **argv);
int cmd_create(CliContext *ctx, int argc, char **argv);
int cmd_start(CliContext *ctx, int argc, char **argv);
int cmd_stop(CliContext *ctx, int argc, char **argv);
int cmd_restart(CliContext *ctx, int argc, char **argv);
int cmd_kill(CliContext *ctx, int argc, char **argv);
int cmd_rm(CliContext *ctx, int argc, char **argv);
int cmd_ps(CliContext *ctx, int argc, char **argv);
int cmd_logs(CliContext *ctx, int argc, char **argv);
int cmd_attach(CliContext *ctx, int argc, char **argv);
int cmd_exec(CliContext *ctx, int argc, char **argv);
int cmd_inspect(CliContext *ctx, int argc, char **argv);
int cmd_container_inspect(CliContext *ctx, int argc, char **argv);
int cmd_image_inspect(CliContext *ctx, int argc, char **argv);
int cmd_wait(CliContext *ctx, int argc, char **argv);
int cmd_rename(CliContext *ctx, int argc, char **argv);
int cmd_update(CliContext *ctx, int argc, char **argv);
int cmd_pause(CliContext *ctx, int argc, char **argv);
int cmd_unpause(CliContext *ctx, int argc, char **argv);
int cmd_top(CliContext *ctx, int argc, char **argv);
int cmd_port(CliContext *ctx, int argc, char **argv);
int cmd_export(CliContext *ctx, int argc, char **argv);
int cmd_container_prune(CliContext *ctx, int argc, char **argv);
int cmd_images(CliContext *ctx, int argc, char **argv);
int cmd_rmi(CliContext *ctx, int argc, char **argv);
int cmd_tag(CliContext *ctx, int argc, char **argv);
int cmd_save(CliContext *ctx, int argc, char **argv);
int cmd_load(CliContext *ctx, int argc, char **argv);
int cmd_import(CliContext *ctx, int argc, char **argv);
int cmd_history(CliContext *ctx, int argc, char **argv);
int cmd_image_prune(CliContext *ctx, int argc, char **argv);
int cmd_info(CliContext *ctx, int argc, char **argv);
int cmd_version(CliContext *ctx, int argc, char **argv);
int cmd_system_prune(CliContext *ctx, int argc, char **argv);

/* Prints "berth: " + message for run/create style errors, or the message
 * alone, to stderr. Returns exit_code. */
int cli_fail(BerthError *err, int exit_code);
/* Exit code for a failed run/start from the daemon's message (126, 127 or
 * 125). */
int cli_exit_code_for_start(const char *msg);
/* start -a/-i and attach: inspect the container, attach, (start), stream,
 * wait. Returns the exit code. */
int cli_attach_container(CliContext *ctx, const char *cmd, const char *ref, bool start, bool in,
                         const char *detach_keys, bool sig_proxy, bool want_out);
/* --filter k=v (repeatable) → docker's URL-encoded filters JSON
 * {"k":{"v":true}}; NULL when none or when one is malformed (*ret_bad). */
char *cli_filters_query(char **filters, char **ret_bad);
/* When bad (from cli_filters_query) is set, prints docker's message for
 * flag ("-f, --filter") and returns true: the command exits with 125. */
bool cli_filters_bad(const char *bad, const char *flag);
/* GET path into -o FILE (atomically) or stdout, refusing a terminal. */
int cli_download(CliContext *ctx, const char *path, const char *output, const char *what);
/* Prints the warning and asks "Are you sure you want to continue? [y/N]". */
bool cli_confirm(const char *warning);

/* "berth" or the program name used in messages. */
extern const char *cli_program;
/* "container ls" when a command runs under another name (for usage text);
 * NULL otherwise. */
extern const char *cli_invoked_as;
