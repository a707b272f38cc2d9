/* Flags + daemon.json, merged the way dockerd merges them. */
#include "daemon/daemon_config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"

/* The daemon.json keys berthd knows, with dockerd's names. */
enum {
        KEY_HOSTS,
        KEY_DATA_ROOT,
        KEY_EXEC_ROOT,
        KEY_PIDFILE,
        KEY_DEBUG,
        KEY_LOG_LEVEL,
        KEY_STORAGE_DRIVER,
        KEY_BRIDGE,
        KEY_BIP,
        KEY_ADDRESS_POOLS,
        KEY_IPV6,
        KEY_FIXED_CIDR_V6,
        KEY_MAX,
};

static const char *const key_names[KEY_MAX] = {
    [KEY_HOSTS] = "hosts",
    [KEY_DATA_ROOT] = "data-root",
    [KEY_EXEC_ROOT] = "exec-root",
    [KEY_PIDFILE] = "pidfile",
    [KEY_DEBUG] = "debug",
    [KEY_LOG_LEVEL] = "log-level",
    [KEY_STORAGE_DRIVER] = "storage-driver",
    [KEY_BRIDGE] = "bridge",
    [KEY_BIP] = "bip",
    [KEY_ADDRESS_POOLS] = "default-address-pools",
    [KEY_IPV6] = "ipv6",
    [KEY_FIXED_CIDR_V6] = "fixed-cidr-v6",
};

DaemonConfig *daemon_config_free(DaemonConfig *c)
{
        if (!c)
                return NULL;
        strv_free(c->hosts);
        strv_free(c->sockets);
        free(c->data_root);
        free(c->exec_root);
        free(c->pidfile);
        free(c->config_file);
        free(c->log_level);
        free(c->storage_driver);
        free(c->bridge);
        free(c->bip);
        json_decref(c->address_pools);
        free(c->fixed_cidr_v6);
        free(c);
        return NULL;
}

void daemon_config_usage(const char *prog)
{
        printf("Usage: %s [OPTIONS]\n\n"
               "A self-sufficient runtime for containers, speaking the Docker Engine API.\n\n"
               "Options:\n"
               "  -b, --bridge string         Bridge of the default network (default "
               "\"" DAEMON_DEFAULT_BRIDGE "\")\n"
               "      --bip string            Address and prefix of the default bridge "
               "(default: a free pool)\n"
               "      --config-file string    Daemon configuration file (default "
               "\"" DAEMON_DEFAULT_CONFIG_FILE "\")\n"
               "      --data-root string      Root directory of persistent state (default "
               "\"" DAEMON_DEFAULT_DATA_ROOT "\")\n"
               "  -D, --debug                 Enable debug mode\n"
               "      --exec-root string      Root directory for execution state files (default "
               "\"" DAEMON_DEFAULT_EXEC_ROOT "\")\n"
               "  -h, --help                  Print usage\n"
               "  -H, --host list             Daemon socket(s) to connect to (default "
               "\"" DAEMON_DEFAULT_HOST "\")\n"
               "  -l, --log-level string      Set the logging level (\"debug\"|\"info\"|\"warn\"|"
               "\"error\") (default \"info\")\n"
               "  -p, --pidfile string        Path to use for daemon PID file (default "
               "\"<exec-root>/berthd.pid\")\n"
               "  -s, --storage-driver string Storage driver to use (default "
               "\"" DAEMON_DEFAULT_DRIVER "\")\n"
               "  -v, --version               Print version information and quit\n",
               prog);
}

int daemon_parse_host(const char *host, char **ret_path, BerthError **err)
{
        const char *path;
        if (strncmp(host, "unix://", 7) == 0)
                path = host + 7;
        else if (strstr(host, "://"))
                return error_set(err, EINVAL,
                                 "host '%s': only unix:// sockets are supported for now", host);
        else
                return error_set(err, EINVAL, "host '%s': expected unix:///PATH", host);
        if (!*path)
                path = &DAEMON_DEFAULT_HOST[strlen("unix://")];
        if (path[0] != '/')
                return error_set(err, EINVAL, "host '%s': the socket path must be absolute", host);
        *ret_path = strdup(path);
        return *ret_path ? 0 : error_set(err, ENOMEM, "host '%s': out of memory", host);
}

/* Go's %v of a flag or file value, for the conflict message. */
static char *format_value(json_t *v)
{
        char *s = NULL;
        if (json_is_array(v)) {
                size_t len = 2, i;
                json_t *e;
                json_array_foreach(v, i, e) len += strlen(json_string_value(e) ?: "") + 1;
                s = calloc(1, len + 1);
                if (!s)
                        return NULL;
                strcat(s, "[");
                json_array_foreach(v, i, e)
                {
                        if (i > 0)
                                strcat(s, " ");
                        strcat(s, json_string_value(e) ?: "");
                }
                strcat(s, "]");
                return s;
        }
        if (json_is_string(v))
                return strdup(json_string_value(v));
        if (json_is_boolean(v))
                return strdup(json_is_true(v) ? "true" : "false");
        return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

static int join_append(char **acc, const char *item)
{
        char *n = NULL;
        if (asprintf(&n, "%s%s%s", *acc ? *acc : "", *acc ? ", " : "", item) < 0)
                return -ENOMEM;
        free(*acc);
        *acc = n;
        return 0;
}

/* Values from flags, as JSON so that they compare and print like the file's. */
typedef struct FlagValues {
        json_t *v[KEY_MAX];
} FlagValues;

static void flag_values_clear(FlagValues *f)
{
        for (size_t i = 0; i < KEY_MAX; i++)
                json_decref(f->v[i]);
}

static int set_flag(FlagValues *f, int key, const char *value)
{
        if (key == KEY_HOSTS) {
                if (!f->v[key])
                        f->v[key] = json_array();
                return f->v[key] && json_array_append_new(f->v[key], json_string(value)) == 0
                           ? 0
                           : -ENOMEM;
        }
        json_decref(f->v[key]);
        f->v[key] = key == KEY_DEBUG ? json_true() : json_string(value);
        return f->v[key] ? 0 : -ENOMEM;
}

static int parse_flags(int argc, char **argv, DaemonConfig *c, FlagValues *f, BerthError **err)
{
        enum { OPT_DATA_ROOT = 1000, OPT_EXEC_ROOT, OPT_CONFIG_FILE, OPT_BIP };
        static const struct option opts[] = {
            {"host", required_argument, NULL, 'H'},
            {"data-root", required_argument, NULL, OPT_DATA_ROOT},
            {"exec-root", required_argument, NULL, OPT_EXEC_ROOT},
            {"pidfile", required_argument, NULL, 'p'},
            {"config-file", required_argument, NULL, OPT_CONFIG_FILE},
            {"debug", no_argument, NULL, 'D'},
            {"log-level", required_argument, NULL, 'l'},
            {"storage-driver", required_argument, NULL, 's'},
            {"bridge", required_argument, NULL, 'b'},
            {"bip", required_argument, NULL, OPT_BIP},
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'v'},
            {},
        };
        optind = 0; /* restart getopt: tests parse several command lines */
        opterr = 0;
        int opt;
        while ((opt = getopt_long(argc, argv, ":H:p:Dl:s:b:hv", opts, NULL)) != -1) {
                int r = 0;
                switch (opt) {
                case 'H':
                        r = set_flag(f, KEY_HOSTS, optarg);
                        break;
                case OPT_DATA_ROOT:
                        r = set_flag(f, KEY_DATA_ROOT, optarg);
                        break;
                case OPT_EXEC_ROOT:
                        r = set_flag(f, KEY_EXEC_ROOT, optarg);
                        break;
                case 'p':
                        r = set_flag(f, KEY_PIDFILE, optarg);
                        break;
                case OPT_CONFIG_FILE:
                        free(c->config_file);
                        c->config_file = strdup(optarg);
                        r = c->config_file ? 0 : -ENOMEM;
                        break;
                case 'D':
                        r = set_flag(f, KEY_DEBUG, NULL);
                        break;
                case 'l':
                        r = set_flag(f, KEY_LOG_LEVEL, optarg);
                        break;
                case 's':
                        r = set_flag(f, KEY_STORAGE_DRIVER, optarg);
                        break;
                case 'b':
                        r = set_flag(f, KEY_BRIDGE, optarg);
                        break;
                case OPT_BIP:
                        r = set_flag(f, KEY_BIP, optarg);
                        break;
                case 'h':
                        c->show_help = true;
                        break;
                case 'v':
                        c->show_version = true;
                        break;
                case ':':
                        return error_set(err, EINVAL, "flag needs an argument: %s",
                                         argv[optind - 1]);
                default:
                        return error_set(err, EINVAL, "unknown flag: %s", argv[optind - 1]);
                }
                if (r < 0)
                        return error_set(err, ENOMEM, "flags: out of memory");
        }
        if (optind < argc)
                return error_set(err, EINVAL, "berthd takes no arguments, got '%s'", argv[optind]);
        return 0;
}

static int find_key(const char *name)
{
        for (int i = 0; i < KEY_MAX; i++)
                if (STREQ(key_names[i], name))
                        return i;
        return -1;
}

/* Checks the file's keys and types, and that no key is also a flag. */
static int check_file(json_t *doc, FlagValues *f, BerthError **err)
{
        if (!json_is_object(doc))
                return error_set(err, EINVAL, "expected a JSON object, got %s",
                                 json_type_name(doc));
        _cleanup_free_ char *unknown = NULL, *conflicts = NULL;
        const char *name;
        json_t *v;
        json_object_foreach(doc, name, v)
        {
                int key = find_key(name);
                if (key < 0) {
                        if (join_append(&unknown, name) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                        continue;
                }
                bool ok = key == KEY_HOSTS || key == KEY_ADDRESS_POOLS ? json_is_array(v)
                          : key == KEY_DEBUG || key == KEY_IPV6        ? json_is_boolean(v)
                                                                       : json_is_string(v);
                if (ok && key == KEY_HOSTS) {
                        size_t i;
                        json_t *e;
                        json_array_foreach(v, i, e) ok = ok && json_is_string(e);
                }
                if (!ok)
                        return error_set(err, EINVAL, "%s: expected %s, got %s", name,
                                         key == KEY_HOSTS   ? "an array of strings"
                                         : key == KEY_DEBUG ? "a boolean"
                                                            : "a string",
                                         json_type_name(v));
                if (f->v[key]) {
                        _cleanup_free_ char *fv = format_value(f->v[key]);
                        _cleanup_free_ char *jv = format_value(v);
                        _cleanup_free_ char *item = NULL;
                        if (!fv || !jv ||
                            asprintf(&item, "%s: (from flag: %s, from file: %s)", name, fv, jv) <
                                0 ||
                            join_append(&conflicts, item) < 0)
                                return error_set(err, ENOMEM, "out of memory");
                }
        }
        if (unknown)
                return error_set(err, EINVAL,
                                 "the following directives don't match any configuration "
                                 "option: %s",
                                 unknown);
        if (conflicts)
                return error_set(err, EINVAL,
                                 "the following directives are specified both as a flag and in "
                                 "the configuration file: %s",
                                 conflicts);
        return 0;
}

static int take_string(json_t *v, const char *def, char **ret)
{
        const char *s = v ? json_string_value(v) : def;
        *ret = strdup(s ? s : "");
        return *ret ? 0 : -ENOMEM;
}

static int check_abs(const char *name, const char *path, BerthError **err)
{
        if (path[0] != '/')
                return error_set(err, EINVAL, "%s: '%s' is not an absolute path", name, path);
        return 0;
}

int daemon_config_load(int argc, char **argv, DaemonConfig **ret, BerthError **err)
{
        _cleanup_daemon_config_ DaemonConfig *c = calloc(1, sizeof(*c));
        if (!c)
                return error_set(err, ENOMEM, "config: out of memory");
        _cleanup_(flag_values_clear) FlagValues f = {0};
        int r = parse_flags(argc, argv, c, &f, err);
        if (r < 0)
                return r;
        if (c->show_help || c->show_version) {
                *ret = TAKE_PTR(c);
                return 0;
        }

        bool explicit_file = c->config_file != NULL;
        if (!c->config_file && !(c->config_file = strdup(DAEMON_DEFAULT_CONFIG_FILE)))
                return error_set(err, ENOMEM, "config: out of memory");
        _cleanup_json_ json_t *doc = NULL;
        _cleanup_error_ BerthError *ferr = NULL;
        r = json_load_path(c->config_file, "daemon.json", &doc, &ferr);
        if (r == -ENOENT && !explicit_file) {
                doc = json_object();
                if (!doc)
                        return error_set(err, ENOMEM, "config: out of memory");
        } else if (r < 0 || check_file(doc, &f, &ferr) < 0) {
                r = error_move(err, TAKE_PTR(ferr));
                error_prefix(err, "unable to configure the berth daemon with file %s",
                             c->config_file);
                return r;
        }

        /* A key comes from a flag or from the file, never both (checked). */
        json_t *val[KEY_MAX];
        for (int i = 0; i < KEY_MAX; i++)
                val[i] = f.v[i] ? f.v[i] : json_object_get(doc, key_names[i]);

        if (val[KEY_HOSTS] && json_array_size(val[KEY_HOSTS]) > 0) {
                size_t i;
                json_t *e;
                json_array_foreach(val[KEY_HOSTS], i, e)
                {
                        if (strv_append(&c->hosts, json_string_value(e)) < 0)
                                return error_set(err, ENOMEM, "config: out of memory");
                }
        } else if (strv_append(&c->hosts, DAEMON_DEFAULT_HOST) < 0) {
                return error_set(err, ENOMEM, "config: out of memory");
        }
        STRV_FOREACH(h, c->hosts)
        {
                char *path = NULL;
                r = daemon_parse_host(*h, &path, err);
                if (r < 0)
                        return r;
                if (strv_push(&c->sockets, path) < 0)
                        return error_set(err, ENOMEM, "config: out of memory");
        }
        if (take_string(val[KEY_DATA_ROOT], DAEMON_DEFAULT_DATA_ROOT, &c->data_root) < 0 ||
            take_string(val[KEY_EXEC_ROOT], DAEMON_DEFAULT_EXEC_ROOT, &c->exec_root) < 0 ||
            take_string(val[KEY_LOG_LEVEL], "info", &c->log_level) < 0 ||
            take_string(val[KEY_STORAGE_DRIVER], DAEMON_DEFAULT_DRIVER, &c->storage_driver) < 0 ||
            take_string(val[KEY_BRIDGE], DAEMON_DEFAULT_BRIDGE, &c->bridge) < 0 ||
            (val[KEY_BIP] && take_string(val[KEY_BIP], NULL, &c->bip) < 0) ||
            (val[KEY_FIXED_CIDR_V6] &&
             take_string(val[KEY_FIXED_CIDR_V6], NULL, &c->fixed_cidr_v6) < 0))
                return error_set(err, ENOMEM, "config: out of memory");
        c->debug = val[KEY_DEBUG] && json_is_true(val[KEY_DEBUG]);
        c->address_pools = json_incref(val[KEY_ADDRESS_POOLS]);
        c->ipv6 = val[KEY_IPV6] && json_is_true(val[KEY_IPV6]);
        if (!*c->bridge || strlen(c->bridge) > 15)
                return error_set(err, EINVAL, "bridge: '%s' is not a valid interface name",
                                 c->bridge);
        /* Docker's "none" means no default bridge at all; until berth can
         * run without one, refuse it rather than make a bridge named so */
        if (STREQ(c->bridge, "none"))
                return error_set(err, ENOTSUP,
                                 "bridge: \"none\" (no default bridge network) is not supported "
                                 "yet; give an interface name");
        if (val[KEY_PIDFILE])
                r = take_string(val[KEY_PIDFILE], NULL, &c->pidfile);
        else
                r = asprintf(&c->pidfile, "%s/berthd.pid", c->exec_root) < 0 ? -ENOMEM : 0;
        if (r < 0)
                return error_set(err, ENOMEM, "config: out of memory");

        LogLevel level;
        if (log_level_parse(c->log_level, &level) < 0)
                return error_set(err, EINVAL, "unable to parse logging level: %s", c->log_level);
        if ((r = check_abs("data-root", c->data_root, err)) < 0 ||
            (r = check_abs("exec-root", c->exec_root, err)) < 0 ||
            (r = check_abs("pidfile", c->pidfile, err)) < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}
