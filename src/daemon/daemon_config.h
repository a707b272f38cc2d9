/* berthd's configuration: command-line flags merged with the JSON config
 * file, with dockerd's rules (unknown keys and flag/file conflicts are
 * errors). */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

#define DAEMON_DEFAULT_HOST        "unix:///run/berth/berth.sock"
#define DAEMON_DEFAULT_DATA_ROOT   "/var/lib/berth"
#define DAEMON_DEFAULT_EXEC_ROOT   "/run/berth"
#define DAEMON_DEFAULT_CONFIG_FILE "/etc/berth/daemon.json"
#define DAEMON_DEFAULT_DRIVER      "overlay2"
#define DAEMON_DEFAULT_BRIDGE      "berth0"

typedef struct DaemonConfig {
        char **hosts;   /* as given: "unix:///path" */
        char **sockets; /* the paths of hosts */
        char *data_root;
        char *exec_root;
        char *pidfile;
        char *config_file;
        char *log_level;
        char *storage_driver;
        char *bridge;          /* the default network's bridge ("bridge", -b) */
        char *bip;             /* its address/prefix ("bip"); NULL = from the pools */
        json_t *address_pools; /* "default-address-pools"; NULL = Docker's */
        bool ipv6;             /* "ipv6": the default bridge has IPv6 too */
        char *fixed_cidr_v6;   /* "fixed-cidr-v6"; NULL = from the pool */
        bool debug;
        bool show_help;
        bool show_version;
} DaemonConfig;

/* Parses argv, then the config file, and fills the defaults. */
int daemon_config_load(int argc, char **argv, DaemonConfig **ret, BerthError **err);
DaemonConfig *daemon_config_free(DaemonConfig *c);
/* "unix:///run/x.sock" → "/run/x.sock"; "unix://" → the default socket.
 * Other schemes are -EINVAL for now. */
int daemon_parse_host(const char *host, char **ret_path, BerthError **err);
void daemon_config_usage(const char *prog);

/* Takes the single-instance lock <exec_root>/berthd.lock and records our pid
 * in it; EBUSY with "berthd is already running (pid N)" when held. */
int daemon_lock_acquire(const char *exec_root, int *ret_fd, BerthError **err);
int daemon_pidfile_write(const char *path, BerthError **err);
/* Removes the pidfile when it still holds our pid. */
void daemon_pidfile_remove(const char *path);

static inline void daemon_config_freep(DaemonConfig **c)
{
        daemon_config_free(*c);
        *c = NULL;
}
#define _cleanup_daemon_config_ __attribute__((cleanup(daemon_config_freep)))
