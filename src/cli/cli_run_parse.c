/* run/create flags → the create request (Config + HostConfig +
 * NetworkingConfig), field by field as the docker client fills it. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "network/portspec.h"
#include "cli/cli_run.h"
#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/strv.h"

void cli_run_flags_free(CliRunFlags *f)
{
        if (!f)
                return;
        free(f->image);
        free(f->detach_keys);
        free(f);
}

/* Usage error of a flag value: docker prints it as
 * `invalid argument "X" for "-m, --memory" flag: ...` and exits 125. */
static int bad_value(const CliCommand *cmd, const char *flag, const char *value, const char *why,
                     int *ret_exit)
{
        fprintf(stderr,
                "invalid argument \"%s\" for \"%s\" flag: %s\n\nUsage:  %s %s %s\n\nRun '%s %s "
                "--help' for more information\n",
                value, flag, why, cli_program, cli_invoked_as ? cli_invoked_as : cmd->name,
                cmd->usage, cli_program, cli_invoked_as ? cli_invoked_as : cmd->name);
        *ret_exit = CLI_EXIT_ENGINE;
        return -EINVAL;
}

/* Errors docker reports after parsing: "berth: MSG" + the hint, exit 125. */
static int run_error(const CliCommand *cmd, int *ret_exit, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int run_error(const CliCommand *cmd, int *ret_exit, const char *fmt, ...)
{
        va_list ap;
        fprintf(stderr, "%s: ", cli_program);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\n\nRun '%s %s --help' for more information\n", cli_program,
                cli_invoked_as ? cli_invoked_as : cmd->name);
        *ret_exit = CLI_EXIT_ENGINE;
        return -EINVAL;
}

static char *env_entry(const char *s)
{
        if (strchr(s, '='))
                return strdup(s);
        const char *v = getenv(s);
        char *out = NULL;
        if (!v)
                return strdup(s);
        if (asprintf(&out, "%s=%s", s, v) < 0)
                return NULL;
        return out;
}

/* Lines of an env or label file: blank lines and # comments skipped. */
static int read_kv_file(const char *path, bool env, json_t *arr_or_obj, char **ret_err)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;

        if (!f) {
                if (asprintf(ret_err, "open %s: %s", path, strerror(errno)) < 0)
                        *ret_err = NULL;
                return -errno;
        }
        while ((n = getline(&line, &cap, f)) >= 0) {
                char *p = line;
                while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
                        p[--n] = 0;
                while (isspace((unsigned char)*p))
                        p++;
                if (!*p || *p == '#')
                        continue;
                if (env) {
                        char *e = env_entry(p);
                        json_array_append_new(arr_or_obj, json_string(e ? e : p));
                        free(e);
                } else {
                        char *eq = strchr(p, '=');
                        if (eq) {
                                *eq = 0;
                                json_object_set_new(arr_or_obj, p, json_string(eq + 1));
                        } else {
                                json_object_set_new(arr_or_obj, p, json_string(""));
                        }
                }
        }
        free(line);
        return 0;
}

static char *cap_name(const char *c)
{
        char *out = NULL;
        if (strcasecmp(c, "ALL") == 0)
                return strdup("ALL");
        if (strncasecmp(c, "CAP_", 4) == 0)
                out = strdup(c);
        else if (asprintf(&out, "CAP_%s", c) < 0)
                out = NULL;
        for (char *p = out; p && *p; p++)
                *p = (char)toupper((unsigned char)*p);
        return out;
}

static json_t *strv_json(char **v, bool null_when_empty)
{
        if (!v && null_when_empty)
                return json_null();
        json_t *a = json_array();
        STRV_FOREACH(s, v)
        json_array_append_new(a, json_string(*s));
        return a;
}

int cli_parse_publish(const char *spec, json_t *exposed, json_t *bindings, json_t *same,
                      BerthError **err)
{
        NetPortSpec ps;
        int r = net_portspec_parse(spec, &ps, err);
        if (r < 0)
                return r;
        return net_portspec_to_api(&ps, exposed, bindings, same, err);
}

static int parse_mount(const char *spec, json_t **ret)
{
        _cleanup_free_ char *s = strdup(spec);
        json_t *m = json_object();
        char *save = NULL;
        if (!s || !m)
                return -ENOMEM;
        for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(tok, '=');
                const char *val = eq ? eq + 1 : NULL;
                if (eq)
                        *eq = 0;
                if (STREQ(tok, "type") && val) {
                        json_object_set_new(m, "Type", json_string(val));
                } else if ((STREQ(tok, "source") || STREQ(tok, "src")) && val) {
                        json_object_set_new(m, "Source", json_string(val));
                } else if ((STREQ(tok, "target") || STREQ(tok, "dst") ||
                            STREQ(tok, "destination")) &&
                           val) {
                        json_object_set_new(m, "Target", json_string(val));
                } else if (STREQ(tok, "readonly") || STREQ(tok, "ro")) {
                        bool ro = !val || STREQ(val, "true") || STREQ(val, "1");
                        if (ro)
                                json_object_set_new(m, "ReadOnly", json_true());
                } else if (STREQ(tok, "bind-propagation") && val) {
                        json_object_set_new(m, "BindOptions",
                                            json_pack("{s:s}", "Propagation", val));
                } else if (STREQ(tok, "tmpfs-size") && val) {
                        int64_t sz;
                        if (cli_parse_ram(val, &sz) < 0) {
                                json_decref(m);
                                return -EINVAL;
                        }
                        json_t *o = json_object_get(m, "TmpfsOptions");
                        if (!o) {
                                o = json_object();
                                json_object_set_new(m, "TmpfsOptions", o);
                        }
                        json_object_set_new(o, "SizeBytes", json_integer(sz));
                } else if (STREQ(tok, "tmpfs-mode") && val) {
                        json_t *o = json_object_get(m, "TmpfsOptions");
                        if (!o) {
                                o = json_object();
                                json_object_set_new(m, "TmpfsOptions", o);
                        }
                        json_object_set_new(o, "Mode", json_integer(strtol(val, NULL, 8)));
                } else if (STREQ(tok, "volume-nocopy")) {
                        json_object_set_new(m, "VolumeOptions", json_pack("{s:b}", "NoCopy", 1));
                } else if (STREQ(tok, "consistency")) {
                        /* accepted, meaningless on Linux */
                } else {
                        json_decref(m);
                        return -EINVAL;
                }
        }
        if (!json_object_get(m, "Type"))
                json_object_set_new(m, "Type", json_string("volume"));
        if (!json_object_get(m, "Target")) {
                json_decref(m);
                return -EINVAL;
        }
        *ret = m;
        return 0;
}

int cli_run_parse(bool is_run, int argc, char **argv, json_t **ret_body, char **ret_name,
                  CliRunFlags **ret_flags, int *ret_exit, BerthError **err)
{
        static const CliCommand run_cmd = {
            .name = "run",
            .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
            .summary = "Create and run a new container from an image",
            .aliases = "berth container run, berth run",
            .min_args = 1,
            .max_args = -1,
        };
        static const CliCommand create_cmd = {
            .name = "create",
            .usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
            .summary = "Create a new container",
            .aliases = "berth container create, berth create",
            .min_args = 1,
            .max_args = -1,
        };
        const CliCommand *cmd = is_run ? &run_cmd : &create_cmd;
        bool detach = false, interactive = false, tty = false, rm = false, init = false,
             privileged = false, read_only = false, publish_all = false, sig_proxy = true,
             oom_kill_disable = false, quiet = false, no_healthcheck = false;
        const char *name = NULL, *workdir = NULL, *user = NULL, *entrypoint = NULL, *restart = NULL,
                   *hostname = NULL, *domainname = NULL, *memory = NULL, *memory_swap = NULL,
                   *memory_reservation = NULL, *cpus = NULL, *cpuset_cpus = NULL,
                   *cpuset_mems = NULL, *shm_size = NULL, *pid = NULL, *ipc = NULL, *uts = NULL,
                   *userns = NULL, *cgroupns = NULL, *cgroup_parent = NULL, *network = NULL,
                   *stop_signal = NULL, *detach_keys = NULL, *log_driver = NULL, *runtime = NULL,
                   *pull = NULL, *platform = NULL, *mac = NULL, *cidfile = NULL, *ip4 = NULL,
                   *ip6 = NULL;
        long long cpu_shares = 0, pids_limit = 0, stop_timeout = 0, cpu_period = 0, cpu_quota = 0,
                  oom_score_adj = 0, swappiness = -1;
        _cleanup_strv_free_ char **env = NULL, **env_file = NULL, **labels = NULL,
                                 **label_file = NULL, **cap_add = NULL, **cap_drop = NULL,
                                 **security_opt = NULL, **ulimits = NULL, **tmpfs = NULL,
                                 **sysctls = NULL, **publish = NULL, **expose = NULL,
                                 **add_host = NULL, **dns = NULL, **dns_search = NULL,
                                 **dns_option = NULL, **volumes = NULL, **mounts = NULL,
                                 **log_opts = NULL, **group_add = NULL, **attach = NULL,
                                 **network_alias = NULL, **volumes_from = NULL, **devices = NULL,
                                 **links = NULL;
        CliOpt opts[] = {
            {0, "add-host", CLI_OPT_LIST, &add_host, "list",
             "Add a custom host-to-IP mapping (host:ip)"},
            {'a', "attach", CLI_OPT_LIST, &attach, "list", "Attach to STDIN, STDOUT or STDERR"},
            {0, "cap-add", CLI_OPT_LIST, &cap_add, "list", "Add Linux capabilities"},
            {0, "cap-drop", CLI_OPT_LIST, &cap_drop, "list", "Drop Linux capabilities"},
            {0, "cgroup-parent", CLI_OPT_STRING, &cgroup_parent, "string",
             "Optional parent cgroup for the container"},
            {0, "cgroupns", CLI_OPT_STRING, &cgroupns, "string",
             "Cgroup namespace to use (host|private)"},
            {0, "cidfile", CLI_OPT_STRING, &cidfile, "string",
             "Write the container ID to the file"},
            {0, "cpu-period", CLI_OPT_INT, &cpu_period, "int",
             "Limit CPU CFS (Completely Fair Scheduler) period"},
            {0, "cpu-quota", CLI_OPT_INT, &cpu_quota, "int",
             "Limit CPU CFS (Completely Fair Scheduler) quota"},
            {'c', "cpu-shares", CLI_OPT_INT, &cpu_shares, "int", "CPU shares (relative weight)"},
            {0, "cpus", CLI_OPT_STRING, &cpus, "decimal", "Number of CPUs"},
            {0, "cpuset-cpus", CLI_OPT_STRING, &cpuset_cpus, "string",
             "CPUs in which to allow execution (0-3, 0,1)"},
            {0, "cpuset-mems", CLI_OPT_STRING, &cpuset_mems, "string",
             "MEMs in which to allow execution (0-3, 0,1)"},
            {'d', "detach", CLI_OPT_BOOL, &detach, NULL,
             "Run container in background and print container ID"},
            {0, "detach-keys", CLI_OPT_STRING, &detach_keys, "string",
             "Override the key sequence for detaching a container"},
            {0, "device", CLI_OPT_LIST, &devices, "list", "Add a host device to the container",
             .hidden = true},
            {0, "dns", CLI_OPT_LIST, &dns, "list", "Set custom DNS servers"},
            {0, "dns-option", CLI_OPT_LIST, &dns_option, "list", "Set DNS options"},
            {0, "dns-search", CLI_OPT_LIST, &dns_search, "list", "Set custom DNS search domains"},
            {0, "domainname", CLI_OPT_STRING, &domainname, "string", "Container NIS domain name"},
            {0, "entrypoint", CLI_OPT_STRING, &entrypoint, "string",
             "Overwrite the default ENTRYPOINT of the image"},
            {'e', "env", CLI_OPT_LIST, &env, "list", "Set environment variables"},
            {0, "env-file", CLI_OPT_LIST, &env_file, "list",
             "Read in a file of environment variables"},
            {0, "expose", CLI_OPT_LIST, &expose, "list", "Expose a port or a range of ports"},
            {0, "group-add", CLI_OPT_LIST, &group_add, "list", "Add additional groups to join"},
            {'h', "hostname", CLI_OPT_STRING, &hostname, "string", "Container host name"},
            {0, "init", CLI_OPT_BOOL, &init, NULL,
             "Run an init inside the container that forwards signals and reaps processes"},
            {'i', "interactive", CLI_OPT_BOOL, &interactive, NULL,
             "Keep STDIN open even if not attached"},
            {0, "ipc", CLI_OPT_STRING, &ipc, "string", "IPC mode to use"},
            {'l', "label", CLI_OPT_LIST, &labels, "list", "Set meta data on a container"},
            {0, "label-file", CLI_OPT_LIST, &label_file, "list",
             "Read in a line delimited file of labels"},
            {0, "log-driver", CLI_OPT_STRING, &log_driver, "string",
             "Logging driver for the container"},
            {0, "log-opt", CLI_OPT_LIST, &log_opts, "list", "Log driver options"},
            {0, "mac-address", CLI_OPT_STRING, &mac, "string", "Container MAC address",
             .hidden = true},
            {'m', "memory", CLI_OPT_STRING, &memory, "bytes", "Memory limit"},
            {0, "memory-reservation", CLI_OPT_STRING, &memory_reservation, "bytes",
             "Memory soft limit"},
            {0, "memory-swap", CLI_OPT_STRING, &memory_swap, "bytes",
             "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"},
            {0, "memory-swappiness", CLI_OPT_INT, &swappiness, "int",
             "Tune container memory swappiness (0 to 100) (default -1)"},
            {0, "mount", CLI_OPT_LIST, &mounts, "mount",
             "Attach a filesystem mount to the container"},
            {0, "name", CLI_OPT_STRING, &name, "string", "Assign a name to the container"},
            {0, "network", CLI_OPT_STRING, &network, "network", "Connect a container to a network"},
            {0, "net", CLI_OPT_STRING, &network, "network", "Connect a container to a network",
             .hidden = true},
            {0, "ip", CLI_OPT_STRING, &ip4, "string", "IPv4 address (e.g., 172.30.100.104)"},
            {0, "ip6", CLI_OPT_STRING, &ip6, "string", "IPv6 address (e.g., 2001:db8::33)"},
            {0, "link", CLI_OPT_LIST, &links, "list", "Add link to another container"},
            {0, "network-alias", CLI_OPT_LIST, &network_alias, "list",
             "Add network-scoped alias for the container"},
            {0, "no-healthcheck", CLI_OPT_BOOL, &no_healthcheck, NULL,
             "Disable any container-specified HEALTHCHECK"},
            {0, "oom-kill-disable", CLI_OPT_BOOL, &oom_kill_disable, NULL, "Disable OOM Killer"},
            {0, "oom-score-adj", CLI_OPT_INT, &oom_score_adj, "int",
             "Tune host's OOM preferences (-1000 to 1000)"},
            {0, "pid", CLI_OPT_STRING, &pid, "string", "PID namespace to use"},
            {0, "pids-limit", CLI_OPT_INT, &pids_limit, "int",
             "Tune container pids limit (set -1 for unlimited)"},
            {0, "platform", CLI_OPT_STRING, &platform, "string",
             "Set platform if server is multi-platform capable"},
            {0, "privileged", CLI_OPT_BOOL, &privileged, NULL,
             "Give extended privileges to this container"},
            {'p', "publish", CLI_OPT_LIST, &publish, "list",
             "Publish a container's port(s) to the host"},
            {'P', "publish-all", CLI_OPT_BOOL, &publish_all, NULL,
             "Publish all exposed ports to random ports"},
            {0, "pull", CLI_OPT_STRING, &pull, "string",
             "Pull image before running (\"always\", \"missing\", \"never\") (default "
             "\"missing\")"},
            {'q', "quiet", CLI_OPT_BOOL, &quiet, NULL, "Suppress the pull output"},
            {0, "read-only", CLI_OPT_BOOL, &read_only, NULL,
             "Mount the container's root filesystem as read only"},
            {0, "restart", CLI_OPT_STRING, &restart, "string",
             "Restart policy to apply when a container exits (default \"no\")"},
            {0, "rm", CLI_OPT_BOOL, &rm, NULL,
             "Automatically remove the container and its associated anonymous volumes when it "
             "exits"},
            {0, "runtime", CLI_OPT_STRING, &runtime, "string", "Runtime to use for this container"},
            {0, "security-opt", CLI_OPT_LIST, &security_opt, "list", "Security Options"},
            {0, "shm-size", CLI_OPT_STRING, &shm_size, "bytes", "Size of /dev/shm"},
            {0, "sig-proxy", CLI_OPT_BOOL, &sig_proxy, NULL,
             "Proxy received signals to the process (default true)"},
            {0, "stop-signal", CLI_OPT_STRING, &stop_signal, "string",
             "Signal to stop the container"},
            {0, "stop-timeout", CLI_OPT_INT, &stop_timeout, "int",
             "Timeout (in seconds) to stop a container"},
            {0, "sysctl", CLI_OPT_LIST, &sysctls, "map", "Sysctl options"},
            {'t', "tty", CLI_OPT_BOOL, &tty, NULL, "Allocate a pseudo-TTY"},
            {0, "tmpfs", CLI_OPT_LIST, &tmpfs, "list", "Mount a tmpfs directory"},
            {0, "ulimit", CLI_OPT_LIST, &ulimits, "ulimit", "Ulimit options"},
            {'u', "user", CLI_OPT_STRING, &user, "string",
             "Username or UID (format: <name|uid>[:<group|gid>])"},
            {0, "userns", CLI_OPT_STRING, &userns, "string", "User namespace to use"},
            {0, "uts", CLI_OPT_STRING, &uts, "string", "UTS namespace to use"},
            {'v', "volume", CLI_OPT_LIST, &volumes, "list", "Bind mount a volume"},
            {0, "volumes-from", CLI_OPT_LIST, &volumes_from, "list",
             "Mount volumes from the specified container(s)"},
            {'w', "workdir", CLI_OPT_STRING, &workdir, "string",
             "Working directory inside the container"},
            {0},
        };
        _cleanup_free_ char **args = NULL;
        int nargs = 0, r;

        *ret_body = NULL;
        *ret_name = NULL;
        *ret_flags = NULL;
        if (!is_run) {
                /* create has no -d, --rm is allowed, no --sig-proxy/--detach-keys */
                for (CliOpt *o = opts; o->long_name; o++)
                        if (STREQ(o->long_name, "detach") || STREQ(o->long_name, "sig-proxy") ||
                            STREQ(o->long_name, "detach-keys")) {
                                o->short_name = 0;
                                o->long_name = "\x01";
                                o->hidden = true;
                        }
        }
        r = cli_parse(cmd, opts, argc, argv, &args, &nargs, ret_exit);
        if (r != 0)
                return r;

        _cleanup_json_ json_t *body = json_object();
        json_t *hc = json_object();
        json_object_set_new(body, "HostConfig", hc);

        /* --- Config --- */
        json_object_set_new(body, "Hostname", json_string(hostname ? hostname : ""));
        json_object_set_new(body, "Domainname", json_string(domainname ? domainname : ""));
        json_object_set_new(body, "User", json_string(user ? user : ""));

        bool a_in = false, a_out = false, a_err = false;
        STRV_FOREACH(a, attach)
        {
                if (strcasecmp(*a, "stdin") == 0)
                        a_in = true;
                else if (strcasecmp(*a, "stdout") == 0)
                        a_out = true;
                else if (strcasecmp(*a, "stderr") == 0)
                        a_err = true;
                else
                        return bad_value(cmd, "-a, --attach", *a,
                                         "valid streams are STDIN, STDOUT and STDERR", ret_exit);
        }
        if (interactive)
                a_in = true;
        if (!attach) {
                a_out = true;
                a_err = true;
        }
        if (detach) {
                if (attach)
                        return run_error(cmd, ret_exit, "Conflicting options: -a and -d");
                a_in = a_out = a_err = false;
        }
        json_object_set_new(body, "AttachStdin", json_boolean(a_in));
        json_object_set_new(body, "AttachStdout", json_boolean(a_out));
        json_object_set_new(body, "AttachStderr", json_boolean(a_err));

        json_t *exposed = json_object();
        json_t *bindings = json_object();
        json_t *same_ports = json_array();
        STRV_FOREACH(p, publish)
        {
                _cleanup_error_ BerthError *perr = NULL;
                if (cli_parse_publish(*p, exposed, bindings, same_ports, &perr) < 0) {
                        json_decref(exposed);
                        json_decref(bindings);
                        json_decref(same_ports);
                        return bad_value(cmd, "-p, --publish", *p,
                                         perr ? perr->message : "invalid publish spec", ret_exit);
                }
        }
        if (json_array_size(same_ports))
                json_object_set(hc, "BerthSamePorts", same_ports);
        json_decref(same_ports);
        STRV_FOREACH(p, expose)
        {
                uint16_t ef, el;
                char eproto[5];
                if (net_expose_parse(*p, &ef, &el, eproto, NULL) < 0 ||
                    cli_parse_publish(*p, exposed, NULL, NULL, NULL) < 0) {
                        json_decref(exposed);
                        json_decref(bindings);
                        return run_error(cmd, ret_exit, "invalid range format for --expose: %s",
                                         *p);
                }
        }
        if (json_object_size(exposed))
                json_object_set(body, "ExposedPorts", exposed);
        json_decref(exposed);

        json_object_set_new(body, "Tty", json_boolean(tty));
        json_object_set_new(body, "OpenStdin", json_boolean(interactive));
        json_object_set_new(body, "StdinOnce", json_boolean(!detach && interactive && a_in));

        json_t *envs = json_array();
        STRV_FOREACH(f, env_file)
        {
                _cleanup_free_ char *msg = NULL;
                if (read_kv_file(*f, true, envs, &msg) < 0) {
                        json_decref(envs);
                        json_decref(bindings);
                        return run_error(cmd, ret_exit, "%s", msg ? msg : *f);
                }
        }
        STRV_FOREACH(e, env)
        {
                char *s = env_entry(*e);
                json_array_append_new(envs, json_string(s ? s : *e));
                free(s);
        }
        if (json_array_size(envs))
                json_object_set_new(body, "Env", envs);
        else {
                json_decref(envs);
                json_object_set_new(body, "Env", json_null());
        }
        json_object_set_new(body, "Cmd", nargs > 1 ? strv_json(args + 1, false) : json_null());
        json_object_set_new(body, "Image", json_string(args[0]));

        json_t *vols = json_object();
        json_t *binds = json_array();
        STRV_FOREACH(v, volumes)
        {
                const char *colon = strchr(*v, ':');
                if (!colon)
                        json_object_set_new(vols, *v, json_object());
                else
                        json_array_append_new(binds, json_string(*v));
        }
        json_object_set_new(body, "Volumes", vols);
        json_object_set_new(body, "WorkingDir", json_string(workdir ? workdir : ""));
        if (entrypoint && *entrypoint)
                json_object_set_new(body, "Entrypoint", json_pack("[s]", entrypoint));
        else if (cli_opt_find(opts, "entrypoint")->set)
                json_object_set_new(body, "Entrypoint", json_pack("[s]", ""));
        else
                json_object_set_new(body, "Entrypoint", json_null());
        json_object_set_new(body, "OnBuild", json_null());
        json_t *lab = json_object();
        STRV_FOREACH(f, label_file)
        {
                _cleanup_free_ char *msg = NULL;
                if (read_kv_file(*f, false, lab, &msg) < 0) {
                        json_decref(lab);
                        json_decref(binds);
                        json_decref(bindings);
                        return run_error(cmd, ret_exit, "%s", msg ? msg : *f);
                }
        }
        STRV_FOREACH(l, labels)
        {
                char *eq = strchr(*l, '=');
                if (eq) {
                        _cleanup_free_ char *k = strndup(*l, (size_t)(eq - *l));
                        json_object_set_new(lab, k, json_string(eq + 1));
                } else {
                        json_object_set_new(lab, *l, json_string(""));
                }
        }
        json_object_set_new(body, "Labels", lab);
        if (stop_signal)
                json_object_set_new(body, "StopSignal", json_string(stop_signal));
        if (cli_opt_find(opts, "stop-timeout")->set)
                json_object_set_new(body, "StopTimeout", json_integer(stop_timeout));
        if (no_healthcheck)
                json_object_set_new(body, "Healthcheck", json_pack("{s:[s]}", "Test", "NONE"));

        /* --- HostConfig --- */
        json_object_set_new(hc, "Binds", json_array_size(binds) ? binds : json_null());
        if (!json_array_size(binds))
                json_decref(binds);
        json_object_set_new(hc, "ContainerIDFile", json_string(cidfile ? cidfile : ""));
        json_t *logcfg = json_object();
        STRV_FOREACH(o, log_opts)
        {
                char *eq = strchr(*o, '=');
                if (!eq) {
                        json_decref(logcfg);
                        json_decref(bindings);
                        return run_error(cmd, ret_exit,
                                         "invalid key/value pair format in logging opts: %s", *o);
                }
                _cleanup_free_ char *k = strndup(*o, (size_t)(eq - *o));
                json_object_set_new(logcfg, k, json_string(eq + 1));
        }
        json_object_set_new(
            hc, "LogConfig",
            json_pack("{s:s, s:o}", "Type", log_driver ? log_driver : "", "Config", logcfg));
        json_object_set_new(hc, "NetworkMode", json_string(network ? network : "default"));
        json_object_set_new(hc, "PortBindings", bindings);

        _cleanup_free_ char *why = NULL;
        _cleanup_json_ json_t *policy =
            cli_parse_restart_policy(restart && *restart ? restart : "no", &why);
        if (!policy)
                return run_error(cmd, ret_exit, "%s", why ? why : "out of memory");
        if (rm && !STREQ(json_string_value(json_object_get(policy, "Name")), "no"))
                return run_error(cmd, ret_exit, "Conflicting options: --restart and --rm");
        json_object_set_new(hc, "RestartPolicy", TAKE_PTR(policy));
        json_object_set_new(hc, "AutoRemove", json_boolean(rm));
        json_object_set_new(hc, "VolumeDriver", json_string(""));
        json_object_set_new(hc, "VolumesFrom", strv_json(volumes_from, true));
        json_object_set_new(hc, "ConsoleSize", json_pack("[i,i]", 0, 0));
        if (tty && is_run && !detach) {
                unsigned rows, cols;
                if (cli_term_size(STDOUT_FILENO, &rows, &cols) == 0)
                        json_object_set_new(hc, "ConsoleSize",
                                            json_pack("[i,i]", (int)rows, (int)cols));
        }
        json_t *caps = json_array();
        STRV_FOREACH(c, cap_add)
        {
                char *n = cap_name(*c);
                json_array_append_new(caps, json_string(n ? n : *c));
                free(n);
        }
        json_object_set_new(hc, "CapAdd", json_array_size(caps) ? caps : json_null());
        if (!json_array_size(caps))
                json_decref(caps);
        caps = json_array();
        STRV_FOREACH(c, cap_drop)
        {
                char *n = cap_name(*c);
                json_array_append_new(caps, json_string(n ? n : *c));
                free(n);
        }
        json_object_set_new(hc, "CapDrop", json_array_size(caps) ? caps : json_null());
        if (!json_array_size(caps))
                json_decref(caps);
        json_object_set_new(hc, "CgroupnsMode", json_string(cgroupns ? cgroupns : ""));
        json_object_set_new(hc, "Dns", strv_json(dns, false));
        json_object_set_new(hc, "DnsOptions", strv_json(dns_option, false));
        json_object_set_new(hc, "DnsSearch", strv_json(dns_search, false));
        json_object_set_new(hc, "ExtraHosts", strv_json(add_host, true));
        json_object_set_new(hc, "GroupAdd", strv_json(group_add, true));
        json_object_set_new(hc, "IpcMode", json_string(ipc ? ipc : ""));
        json_object_set_new(hc, "Cgroup", json_string(""));
        if (links) {
                /* "name" means "name:name", as the docker client writes it. */
                json_t *l = json_array();
                STRV_FOREACH(k, links)
                {
                        _cleanup_free_ char *item = NULL;
                        if (asprintf(&item, strchr(*k, ':') ? "%s" : "%s:%s", *k, *k) < 0)
                                return -ENOMEM;
                        json_array_append_new(l, json_string(item));
                }
                json_object_set_new(hc, "Links", l);
        } else {
                json_object_set_new(hc, "Links", json_null());
        }
        json_object_set_new(hc, "OomScoreAdj", json_integer(oom_score_adj));
        json_object_set_new(hc, "PidMode", json_string(pid ? pid : ""));
        json_object_set_new(hc, "Privileged", json_boolean(privileged));
        json_object_set_new(hc, "PublishAllPorts", json_boolean(publish_all));
        json_object_set_new(hc, "ReadonlyRootfs", json_boolean(read_only));
        json_t *secopts = json_array();
        STRV_FOREACH(s, security_opt)
        {
                if (strncmp(*s, "seccomp=", 8) == 0 && !STREQ(*s + 8, "unconfined")) {
                        _cleanup_json_ json_t *prof = NULL;
                        json_error_t jerr;
                        prof = json_load_file(*s + 8, 0, &jerr);
                        if (!prof) {
                                json_decref(secopts);
                                return run_error(cmd, ret_exit,
                                                 "opening seccomp profile (%s) failed: %s", *s + 8,
                                                 jerr.text);
                        }
                        _cleanup_free_ char *txt = json_dumps(prof, JSON_COMPACT);
                        _cleanup_free_ char *opt = NULL;
                        if (asprintf(&opt, "seccomp=%s", txt ? txt : "") < 0)
                                opt = NULL;
                        json_array_append_new(secopts, json_string(opt ? opt : *s));
                } else if (strchr(*s, ':') && !strchr(*s, '=')) {
                        /* the old "label:..." form */
                        _cleanup_free_ char *o = strdup(*s);
                        if (o)
                                *strchr(o, ':') = '=';
                        json_array_append_new(secopts, json_string(o ? o : *s));
                } else {
                        json_array_append_new(secopts, json_string(*s));
                }
        }
        json_object_set_new(hc, "SecurityOpt",
                            json_array_size(secopts) ? json_incref(secopts) : json_null());
        json_decref(secopts);
        json_t *tm = json_object();
        STRV_FOREACH(t, tmpfs)
        {
                char *colon = strchr(*t, ':');
                if (colon) {
                        _cleanup_free_ char *k = strndup(*t, (size_t)(colon - *t));
                        json_object_set_new(tm, k, json_string(colon + 1));
                } else {
                        json_object_set_new(tm, *t, json_string(""));
                }
        }
        if (json_object_size(tm))
                json_object_set_new(hc, "Tmpfs", tm);
        else
                json_decref(tm);
        json_object_set_new(hc, "UTSMode", json_string(uts ? uts : ""));
        json_object_set_new(hc, "UsernsMode", json_string(userns ? userns : ""));
        int64_t v = 0;
        if (shm_size && cli_parse_ram(shm_size, &v) < 0)
                return bad_value(cmd, "--shm-size", shm_size, "invalid size", ret_exit);
        json_object_set_new(hc, "ShmSize", json_integer(shm_size ? v : 0));
        json_t *sc = json_object();
        STRV_FOREACH(s, sysctls)
        {
                char *eq = strchr(*s, '=');
                if (!eq) {
                        json_decref(sc);
                        return bad_value(cmd, "--sysctl", *s, "invalid value", ret_exit);
                }
                _cleanup_free_ char *k = strndup(*s, (size_t)(eq - *s));
                json_object_set_new(sc, k, json_string(eq + 1));
        }
        if (json_object_size(sc))
                json_object_set_new(hc, "Sysctls", sc);
        else
                json_decref(sc);
        json_object_set_new(hc, "Isolation", json_string(""));
        json_object_set_new(hc, "CpuShares", json_integer(cpu_shares));
        v = 0;
        if (memory && cli_parse_ram(memory, &v) < 0)
                return bad_value(cmd, "-m, --memory", memory, "invalid size", ret_exit);
        json_object_set_new(hc, "Memory", json_integer(v));
        v = 0;
        if (cpus && cli_parse_nanocpus(cpus, &v) < 0)
                return bad_value(cmd, "--cpus", cpus, "failed to parse as a rational number",
                                 ret_exit);
        json_object_set_new(hc, "NanoCpus", json_integer(v));
        json_object_set_new(hc, "CgroupParent", json_string(cgroup_parent ? cgroup_parent : ""));
        json_object_set_new(hc, "BlkioWeight", json_integer(0));
        json_object_set_new(hc, "CpuPeriod", json_integer(cpu_period));
        json_object_set_new(hc, "CpuQuota", json_integer(cpu_quota));
        json_object_set_new(hc, "CpusetCpus", json_string(cpuset_cpus ? cpuset_cpus : ""));
        json_object_set_new(hc, "CpusetMems", json_string(cpuset_mems ? cpuset_mems : ""));
        json_t *devs = json_array();
        STRV_FOREACH(d, devices)
        {
                _cleanup_free_ char *s = strdup(*d);
                char *p2 = strchr(s, ':'), *perm = "rwm";
                if (p2) {
                        *p2++ = 0;
                        char *p3 = strchr(p2, ':');
                        if (p3) {
                                *p3++ = 0;
                                perm = p3;
                        }
                }
                json_array_append_new(devs, json_pack("{s:s, s:s, s:s}", "PathOnHost", s,
                                                      "PathInContainer", p2 ? p2 : s,
                                                      "CgroupPermissions", perm));
        }
        json_object_set_new(hc, "Devices", devs);
        v = 0;
        if (memory_reservation && cli_parse_ram(memory_reservation, &v) < 0)
                return bad_value(cmd, "--memory-reservation", memory_reservation, "invalid size",
                                 ret_exit);
        json_object_set_new(hc, "MemoryReservation", json_integer(v));
        v = 0;
        if (memory_swap && cli_parse_memory_swap(memory_swap, &v) < 0)
                return bad_value(cmd, "--memory-swap", memory_swap, "invalid size", ret_exit);
        json_object_set_new(hc, "MemorySwap", json_integer(v));
        json_object_set_new(hc, "MemorySwappiness", json_integer(swappiness));
        json_object_set_new(hc, "OomKillDisable", json_boolean(oom_kill_disable));
        json_object_set_new(hc, "PidsLimit", json_integer(pids_limit));
        json_t *ul = json_array();
        STRV_FOREACH(u, ulimits)
        {
                char *eq = strchr(*u, '=');
                char *end = NULL;
                if (!eq) {
                        json_decref(ul);
                        return bad_value(cmd, "--ulimit", *u, "invalid ulimit argument", ret_exit);
                }
                _cleanup_free_ char *n = strndup(*u, (size_t)(eq - *u));
                long long soft = strtoll(eq + 1, &end, 10), hard = soft;
                if (end == eq + 1 || (*end && *end != ':')) {
                        json_decref(ul);
                        return bad_value(cmd, "--ulimit", *u, "invalid ulimit argument", ret_exit);
                }
                if (*end == ':') {
                        const char *h = end + 1;
                        hard = strtoll(h, &end, 10);
                        if (end == h || *end) {
                                json_decref(ul);
                                return bad_value(cmd, "--ulimit", *u, "invalid ulimit argument",
                                                 ret_exit);
                        }
                }
                if (soft > hard) {
                        json_decref(ul);
                        return bad_value(cmd, "--ulimit", *u,
                                         "ulimit soft limit must be less than or equal to hard "
                                         "limit",
                                         ret_exit);
                }
                json_array_append_new(ul, json_pack("{s:s, s:I, s:I}", "Name", n, "Hard",
                                                    (json_int_t)hard, "Soft", (json_int_t)soft));
        }
        json_object_set_new(hc, "Ulimits", ul);
        json_t *mnts = json_array();
        STRV_FOREACH(m, mounts)
        {
                json_t *mo = NULL;
                if (parse_mount(*m, &mo) < 0) {
                        json_decref(mnts);
                        return bad_value(cmd, "--mount", *m, "invalid field", ret_exit);
                }
                json_array_append_new(mnts, mo);
        }
        if (json_array_size(mnts))
                json_object_set_new(hc, "Mounts", mnts);
        else
                json_decref(mnts);
        json_object_set_new(hc, "MaskedPaths", json_null());
        json_object_set_new(hc, "ReadonlyPaths", json_null());
        if (init)
                json_object_set_new(hc, "Init", json_true());
        if (runtime)
                json_object_set_new(hc, "Runtime", json_string(runtime));

        json_t *endpoints = json_object();
        if ((network_alias || ip4 || ip6) && network && !STREQ(network, "default")) {
                json_t *ep = json_object();
                if (network_alias)
                        json_object_set_new(ep, "Aliases", strv_json(network_alias, false));
                if (ip4 || ip6) {
                        json_t *ipam = json_object();
                        if (ip4)
                                json_object_set_new(ipam, "IPv4Address", json_string(ip4));
                        if (ip6)
                                json_object_set_new(ipam, "IPv6Address", json_string(ip6));
                        json_object_set_new(ep, "IPAMConfig", ipam);
                }
                json_object_set_new(endpoints, network, ep);
        } else if (ip4 || ip6) {
                return run_error(cmd, ret_exit,
                                 "user specified IP address is supported on user defined "
                                 "networks only");
        }
        json_object_set_new(body, "NetworkingConfig",
                            json_pack("{s:o}", "EndpointsConfig", endpoints));

        if (detach_keys) {
                unsigned char keys[16];
                BerthError *kerr = NULL;
                if (cli_detach_keys_parse(detach_keys, keys, sizeof(keys), &kerr) < 0) {
                        run_error(cmd, ret_exit, "%s", kerr->message);
                        error_free(kerr);
                        return -EINVAL;
                }
        }

        CliRunFlags *f = calloc(1, sizeof(*f));
        if (!f)
                return error_set(err, ENOMEM, "out of memory");
        f->detach = detach;
        f->interactive = interactive;
        f->tty = tty;
        f->rm = rm;
        f->sig_proxy = sig_proxy;
        f->attach_stdin = a_in;
        f->attach_stdout = a_out;
        f->attach_stderr = a_err;
        f->quiet = quiet;
        f->image = strdup(args[0]);
        f->detach_keys = detach_keys ? strdup(detach_keys) : NULL;
        f->cidfile = cidfile;
        if (name) {
                *ret_name = strdup(name);
                if (!*ret_name) {
                        cli_run_flags_free(f);
                        return error_set(err, ENOMEM, "out of memory");
                }
        }
        *ret_flags = f;
        *ret_body = TAKE_PTR(body);
        return 0;
}
