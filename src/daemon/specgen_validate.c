/* What Docker checks when a container is created, with its messages:
 * JSON types (as Go's decoder words them), validateContainerConfig,
 * validateHostConfig, verifyPlatformContainerSettings and
 * verifyPlatformContainerResources, validateNetMode, and the parsing of
 * binds, tmpfs, ulimits, sysctls and security options. Every error is
 * -EINVAL (400). */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/strv.h"
#include "daemon/specgen_internal.h"

/* ---- JSON types ---- */

typedef enum FieldType {
        F_STRING,
        F_BOOL,
        F_INT,
        F_STRSLICE, /* array of strings or a lone string */
        F_STRV,     /* array of strings */
        F_STRMAP,   /* object of strings */
        F_OBJECT,
        F_ARRAY_OBJ, /* array of objects */
        F_ARRAY,
} FieldType;

typedef struct Field {
        const char *name;
        FieldType type;
        const char *go_type;
} Field;

static const Field config_fields[] = {
    {"Hostname", F_STRING, "string"},
    {"Domainname", F_STRING, "string"},
    {"User", F_STRING, "string"},
    {"AttachStdin", F_BOOL, "bool"},
    {"AttachStdout", F_BOOL, "bool"},
    {"AttachStderr", F_BOOL, "bool"},
    {"ExposedPorts", F_OBJECT, "nat.PortSet"},
    {"Tty", F_BOOL, "bool"},
    {"OpenStdin", F_BOOL, "bool"},
    {"StdinOnce", F_BOOL, "bool"},
    {"Env", F_STRV, "[]string"},
    {"Cmd", F_STRSLICE, "strslice.StrSlice"},
    {"Healthcheck", F_OBJECT, "container.HealthConfig"},
    {"Image", F_STRING, "string"},
    {"Volumes", F_OBJECT, "map[string]struct {}"},
    {"WorkingDir", F_STRING, "string"},
    {"Entrypoint", F_STRSLICE, "strslice.StrSlice"},
    {"NetworkDisabled", F_BOOL, "bool"},
    {"MacAddress", F_STRING, "string"},
    {"Labels", F_STRMAP, "map[string]string"},
    {"StopSignal", F_STRING, "string"},
    {"StopTimeout", F_INT, "int"},
    {"Shell", F_STRSLICE, "strslice.StrSlice"},
    {"HostConfig", F_OBJECT, "container.HostConfig"},
    {"NetworkingConfig", F_OBJECT, "network.NetworkingConfig"},
};

static const Field host_fields[] = {
    {"Binds", F_STRV, "[]string"},
    {"ContainerIDFile", F_STRING, "string"},
    {"LogConfig", F_OBJECT, "container.LogConfig"},
    {"NetworkMode", F_STRING, "container.NetworkMode"},
    {"PortBindings", F_OBJECT, "nat.PortMap"},
    {"RestartPolicy", F_OBJECT, "container.RestartPolicy"},
    {"AutoRemove", F_BOOL, "bool"},
    {"VolumeDriver", F_STRING, "string"},
    {"VolumesFrom", F_STRV, "[]string"},
    {"ConsoleSize", F_ARRAY, "[2]uint"},
    {"Annotations", F_STRMAP, "map[string]string"},
    {"CapAdd", F_STRSLICE, "strslice.StrSlice"},
    {"CapDrop", F_STRSLICE, "strslice.StrSlice"},
    {"CgroupnsMode", F_STRING, "container.CgroupnsMode"},
    {"Dns", F_STRV, "[]string"},
    {"DnsOptions", F_STRV, "[]string"},
    {"DnsSearch", F_STRV, "[]string"},
    {"ExtraHosts", F_STRV, "[]string"},
    {"GroupAdd", F_STRV, "[]string"},
    {"IpcMode", F_STRING, "container.IpcMode"},
    {"Cgroup", F_STRING, "container.CgroupSpec"},
    {"Links", F_STRV, "[]string"},
    {"OomScoreAdj", F_INT, "int"},
    {"PidMode", F_STRING, "container.PidMode"},
    {"Privileged", F_BOOL, "bool"},
    {"PublishAllPorts", F_BOOL, "bool"},
    {"ReadonlyRootfs", F_BOOL, "bool"},
    {"SecurityOpt", F_STRV, "[]string"},
    {"StorageOpt", F_STRMAP, "map[string]string"},
    {"Tmpfs", F_STRMAP, "map[string]string"},
    {"UTSMode", F_STRING, "container.UTSMode"},
    {"UsernsMode", F_STRING, "container.UsernsMode"},
    {"ShmSize", F_INT, "int64"},
    {"Sysctls", F_STRMAP, "map[string]string"},
    {"Runtime", F_STRING, "string"},
    {"Isolation", F_STRING, "container.Isolation"},
    {"CpuShares", F_INT, "int64"},
    {"Memory", F_INT, "int64"},
    {"NanoCpus", F_INT, "int64"},
    {"CgroupParent", F_STRING, "string"},
    {"BlkioWeight", F_INT, "uint16"},
    {"CpuPeriod", F_INT, "int64"},
    {"CpuQuota", F_INT, "int64"},
    {"CpuRealtimePeriod", F_INT, "int64"},
    {"CpuRealtimeRuntime", F_INT, "int64"},
    {"CpusetCpus", F_STRING, "string"},
    {"CpusetMems", F_STRING, "string"},
    {"Devices", F_ARRAY_OBJ, "[]container.DeviceMapping"},
    {"DeviceCgroupRules", F_STRV, "[]string"},
    {"KernelMemory", F_INT, "int64"},
    {"MemoryReservation", F_INT, "int64"},
    {"MemorySwap", F_INT, "int64"},
    {"MemorySwappiness", F_INT, "int64"},
    {"OomKillDisable", F_BOOL, "bool"},
    {"PidsLimit", F_INT, "int64"},
    {"Ulimits", F_ARRAY_OBJ, "[]*units.Ulimit"},
    {"CpuCount", F_INT, "int64"},
    {"CpuPercent", F_INT, "int64"},
    {"IOMaximumIOps", F_INT, "uint64"},
    {"IOMaximumBandwidth", F_INT, "uint64"},
    {"Mounts", F_ARRAY_OBJ, "[]mount.Mount"},
    {"MaskedPaths", F_STRV, "[]string"},
    {"ReadonlyPaths", F_STRV, "[]string"},
    {"Init", F_BOOL, "bool"},
};

static const char *go_kind(const json_t *v)
{
        switch (json_typeof(v)) {
        case JSON_OBJECT:
                return "object";
        case JSON_ARRAY:
                return "array";
        case JSON_STRING:
                return "string";
        case JSON_INTEGER:
        case JSON_REAL:
                return "number";
        case JSON_TRUE:
        case JSON_FALSE:
                return "bool";
        default:
                return "null";
        }
}

static bool all_strings(json_t *arr)
{
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v) if (!json_is_string(v)) return false;
        return true;
}

static int type_error(BerthError **err, json_t *v, const char *where, const Field *f)
{
        return error_set(err, EINVAL,
                         "json: cannot unmarshal %s into Go struct field %s.%s of type %s",
                         go_kind(v), where, f->name, f->go_type);
}

static int check_fields(json_t *obj, const char *where, const Field *fields, size_t n,
                        BerthError **err)
{
        for (size_t i = 0; i < n; i++) {
                const Field *f = &fields[i];
                json_t *v = json_object_get(obj, f->name);
                if (!v || json_is_null(v))
                        continue;
                bool ok;
                switch (f->type) {
                case F_STRING:
                        ok = json_is_string(v);
                        break;
                case F_BOOL:
                        ok = json_is_boolean(v);
                        break;
                case F_INT:
                        ok = json_is_integer(v) ||
                             (json_is_real(v) &&
                              json_real_value(v) == (double)(long long)json_real_value(v));
                        break;
                case F_STRSLICE:
                        ok = json_is_string(v) || (json_is_array(v) && all_strings(v));
                        break;
                case F_STRV:
                        ok = json_is_array(v) && all_strings(v);
                        break;
                case F_STRMAP: {
                        ok = json_is_object(v);
                        const char *k;
                        json_t *e;
                        json_object_foreach(v, k, e) if (!json_is_string(e)) ok = false;
                        break;
                }
                case F_OBJECT:
                        ok = json_is_object(v);
                        break;
                case F_ARRAY_OBJ: {
                        ok = json_is_array(v);
                        size_t k;
                        json_t *e;
                        json_array_foreach(v, k, e) if (!json_is_object(e)) ok = false;
                        break;
                }
                case F_ARRAY:
                        ok = json_is_array(v);
                        break;
                default:
                        ok = true;
                }
                if (!ok) {
                        if (f->type == F_STRV && json_is_array(v)) {
                                size_t k;
                                json_t *e;
                                json_array_foreach(
                                    v, k, e) if (!json_is_string(e)) return type_error(err, e,
                                                                                       where, f);
                        }
                        return type_error(err, v, where, f);
                }
        }
        return 0;
}

/* ---- signals (moby/sys/signal's SignalMap) ---- */

static const struct {
        const char *name;
        int sig;
} signals[] = {
    {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS},       {"CHLD", SIGCHLD},
    {"CLD", SIGCHLD},  {"CONT", SIGCONT}, {"FPE", SIGFPE},       {"HUP", SIGHUP},
    {"ILL", SIGILL},   {"INT", SIGINT},   {"IO", SIGIO},         {"IOT", SIGIOT},
    {"KILL", SIGKILL}, {"PIPE", SIGPIPE}, {"POLL", SIGPOLL},     {"PROF", SIGPROF},
    {"PWR", SIGPWR},   {"QUIT", SIGQUIT}, {"SEGV", SIGSEGV},     {"STKFLT", SIGSTKFLT},
    {"STOP", SIGSTOP}, {"SYS", SIGSYS},   {"TERM", SIGTERM},     {"TRAP", SIGTRAP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"VTALRM", SIGVTALRM}, {"WINCH", SIGWINCH},
    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
};

/* ParseSignal: a number (not 0) or a name with or without SIG. */
int specgen_parse_signal(const char *raw)
{
        if (!raw || !*raw)
                return -EINVAL;
        char *end;
        errno = 0;
        long n = strtol(raw, &end, 10);
        if (*end == '\0' && errno == 0) {
                if (n <= 0 || n > 64)
                        return -EINVAL;
                return (int)n;
        }
        char up[32];
        size_t len = strlen(raw);
        if (len >= sizeof(up))
                return -EINVAL;
        for (size_t i = 0; i <= len; i++)
                up[i] = (char)toupper((unsigned char)raw[i]);
        const char *s = strncmp(up, "SIG", 3) == 0 ? up + 3 : up;
        for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
                if (STREQ(signals[i].name, s))
                        return signals[i].sig;
        if (STREQ(s, "RTMIN"))
                return SIGRTMIN;
        if (STREQ(s, "RTMAX"))
                return SIGRTMAX;
        long off;
        if (strncmp(s, "RTMIN+", 6) == 0) {
                off = strtol(s + 6, &end, 10);
                if (*end == '\0' && off >= 1 && off <= 15 && isdigit((unsigned char)s[6]))
                        return SIGRTMIN + (int)off;
        }
        if (strncmp(s, "RTMAX-", 6) == 0) {
                off = strtol(s + 6, &end, 10);
                if (*end == '\0' && off >= 1 && off <= 14 && isdigit((unsigned char)s[6]))
                        return SIGRTMAX - (int)off;
        }
        return -EINVAL;
}

/* ---- ports ---- */

static bool parse_port_number(const char *s, size_t len, long min, long *ret)
{
        if (len == 0 || len > 5)
                return false;
        long v = 0;
        for (size_t i = 0; i < len; i++) {
                if (!isdigit((unsigned char)s[i]))
                        return false;
                v = v * 10 + (s[i] - '0');
        }
        if (v < min || v > 65535)
                return false;
        *ret = v;
        return true;
}

/* "80", "80/tcp", "53/udp", "132/sctp" (ranges "8000-8010/tcp" too). */
static bool valid_port_key(const char *key)
{
        const char *slash = strchr(key, '/');
        size_t plen = slash ? (size_t)(slash - key) : strlen(key);
        if (slash) {
                const char *proto = slash + 1;
                if (!STREQ(proto, "tcp") && !STREQ(proto, "udp") && !STREQ(proto, "sctp"))
                        return false;
        }
        const char *dash = memchr(key, '-', plen);
        long a, b;
        if (!dash)
                return parse_port_number(key, plen, 1, &a);
        return parse_port_number(key, (size_t)(dash - key), 1, &a) &&
               parse_port_number(dash + 1, plen - (size_t)(dash - key) - 1, 1, &b) && a <= b;
}

/* ParsePortRange: "8080" or "8000-8010". */
static bool valid_host_port(const char *s)
{
        const char *dash = strchr(s, '-');
        long a, b;
        if (!dash)
                return parse_port_number(s, strlen(s), 0, &a);
        return parse_port_number(s, (size_t)(dash - s), 0, &a) &&
               parse_port_number(dash + 1, strlen(dash + 1), 0, &b) && a <= b;
}

static int validate_ports(json_t *request, json_t *hc, BerthError **err)
{
        const char *key;
        json_t *v;
        json_object_foreach(sg_object(request, "ExposedPorts"), key, v)
        {
                if (!valid_port_key(key))
                        return error_set(err, EINVAL, "invalid port specification: \"%s\"", key);
        }
        json_object_foreach(sg_object(hc, "PortBindings"), key, v)
        {
                if (!valid_port_key(key))
                        return error_set(err, EINVAL, "invalid port specification: \"%s\"", key);
                if (json_is_null(v))
                        continue;
                if (!json_is_array(v))
                        return error_set(err, EINVAL,
                                         "json: cannot unmarshal %s into Go struct field "
                                         "HostConfig.PortBindings of type []nat.PortBinding",
                                         go_kind(v));
                size_t i;
                json_t *b;
                json_array_foreach(v, i, b)
                {
                        if (!json_is_object(b))
                                return error_set(err, EINVAL,
                                                 "json: cannot unmarshal %s into Go struct field "
                                                 "HostConfig.PortBindings of type nat.PortBinding",
                                                 go_kind(b));
                        json_t *hp = json_object_get(b, "HostPort");
                        json_t *hip = json_object_get(b, "HostIp");
                        if ((hp && !json_is_string(hp) && !json_is_null(hp)) ||
                            (hip && !json_is_string(hip) && !json_is_null(hip)))
                                return error_set(err, EINVAL,
                                                 "json: cannot unmarshal number into Go struct "
                                                 "field PortBinding.HostPort of type string");
                        const char *port = json_string_value(hp);
                        if (port && *port && !valid_host_port(port))
                                return error_set(err, EINVAL, "invalid port specification: \"%s\"",
                                                 port);
                }
        }
        return 0;
}

/* ---- the rest ---- */

static int validate_restart_policy(json_t *hc, BerthError **err)
{
        json_t *rp = sg_object(hc, "RestartPolicy");
        if (!rp)
                return 0;
        json_t *name = json_object_get(rp, "Name");
        json_t *cnt = json_object_get(rp, "MaximumRetryCount");
        if (name && !json_is_string(name) && !json_is_null(name))
                return error_set(err, EINVAL,
                                 "json: cannot unmarshal %s into Go struct field "
                                 "RestartPolicy.HostConfig.RestartPolicy.Name of type "
                                 "container.RestartPolicyMode",
                                 go_kind(name));
        if (cnt && !json_is_integer(cnt) && !json_is_null(cnt))
                return error_set(err, EINVAL,
                                 "json: cannot unmarshal %s into Go struct field "
                                 "RestartPolicy.HostConfig.RestartPolicy.MaximumRetryCount of "
                                 "type int",
                                 go_kind(cnt));
        const char *n = sg_str0(rp, "Name");
        int64_t max = sg_int(rp, "MaximumRetryCount");
        if (STREQ(n, "always") || STREQ(n, "unless-stopped") || STREQ(n, "no")) {
                if (max != 0)
                        return error_set(err, EINVAL,
                                         "invalid restart policy: maximum retry count can only be "
                                         "used with 'on-failure'%s",
                                         max < 0 ? " and cannot be negative" : "");
                return 0;
        }
        if (STREQ(n, "on-failure")) {
                if (max < 0)
                        return error_set(err, EINVAL,
                                         "invalid restart policy: maximum retry count "
                                         "cannot be negative");
                return 0;
        }
        if (!*n)
                return 0;
        return error_set(err, EINVAL,
                         "invalid restart policy: unknown policy '%s'; use one of 'no', 'always', "
                         "'on-failure', or 'unless-stopped'",
                         n);
}

static int validate_healthcheck(json_t *request, BerthError **err)
{
        json_t *h = sg_object(request, "Healthcheck");
        if (!h)
                return 0;
        static const char *const durations[] = {"Interval", "Timeout", "StartPeriod",
                                                "StartInterval"};
        for (size_t i = 0; i < ARRAY_SIZE(durations); i++) {
                json_t *v = json_object_get(h, durations[i]);
                if (v && !json_is_integer(v) && !json_is_null(v))
                        return error_set(err, EINVAL,
                                         "json: cannot unmarshal %s into Go struct field "
                                         "HealthConfig.Healthcheck.%s of type time.Duration",
                                         go_kind(v), durations[i]);
                int64_t d = sg_int(h, durations[i]);
                if (d != 0 && d < 1000000)
                        return error_set(err, EINVAL, "%s in Healthcheck cannot be less than 1ms",
                                         durations[i]);
        }
        if (sg_int(h, "Retries") < 0)
                return error_set(err, EINVAL, "Retries in Healthcheck cannot be negative");
        return 0;
}

static int validate_modes(json_t *request, json_t *hc, BerthError **err)
{
        const char *c;
        if (sg_parse_mode('i', sg_str(hc, "IpcMode"), NULL) == SG_MODE_INVALID)
                return error_set(err, EINVAL, "invalid IPC mode: %s", sg_str0(hc, "IpcMode"));
        if (sg_parse_mode('p', sg_str(hc, "PidMode"), NULL) == SG_MODE_INVALID)
                return error_set(err, EINVAL, "invalid PID mode: %s", sg_str0(hc, "PidMode"));
        SgMode uts = sg_parse_mode('u', sg_str(hc, "UTSMode"), NULL);
        if (uts == SG_MODE_INVALID)
                return error_set(err, EINVAL, "invalid UTS mode: %s", sg_str0(hc, "UTSMode"));
        if (sg_parse_mode('c', sg_str(hc, "CgroupnsMode"), NULL) == SG_MODE_INVALID)
                return error_set(err, EINVAL, "invalid cgroup namespace mode: %s",
                                 sg_str0(hc, "CgroupnsMode"));
        const char *nm = sg_str0(hc, "NetworkMode");
        SgMode net = sg_parse_mode('n', nm, &c);
        const char *hostname = sg_str0(request, "Hostname");
        if (STREQ(nm, "container") || (strncmp(nm, "container:", 10) == 0 && !nm[10]))
                return error_set(err, EINVAL,
                                 "invalid network mode: invalid container format "
                                 "container:<name|id>");
        if (net == SG_MODE_CONTAINER) {
                if (*hostname)
                        return error_set(err, EINVAL,
                                         "conflicting options: hostname and the network mode");
                if (json_array_size(sg_array(hc, "Links")) > 0)
                        return error_set(err, EINVAL,
                                         "conflicting options: container type network can't be "
                                         "used with links. This would result in undefined "
                                         "behavior");
                if (json_array_size(sg_array(hc, "Dns")) > 0)
                        return error_set(err, EINVAL,
                                         "conflicting options: dns and the network mode");
                if (json_array_size(sg_array(hc, "ExtraHosts")) > 0)
                        return error_set(err, EINVAL,
                                         "conflicting options: custom host-to-IP "
                                         "mapping and the network mode");
                if (json_object_size(sg_object(hc, "PortBindings")) > 0 ||
                    sg_bool(hc, "PublishAllPorts"))
                        return error_set(err, EINVAL,
                                         "conflicting options: port publishing and "
                                         "the container type network mode");
                if (json_object_size(sg_object(request, "ExposedPorts")) > 0)
                        return error_set(err, EINVAL,
                                         "conflicting options: port exposing and the "
                                         "container type network mode");
        }
        if (uts == SG_MODE_HOST && *hostname)
                return error_set(err, EINVAL, "conflicting options: hostname and the UTS mode");
        if (net == SG_MODE_HOST && json_array_size(sg_array(hc, "Links")) > 0)
                return error_set(err, EINVAL,
                                 "conflicting options: host type networking can't be used with "
                                 "links. This would result in undefined behavior");
        return 0;
}

int specgen_validate(json_t *request, BerthError **err)
{
        if (!json_is_object(request))
                return error_set(err, EINVAL, "container config: expected a JSON object");
        int r = check_fields(request, "Config", config_fields, ARRAY_SIZE(config_fields), err);
        if (r < 0)
                return r;
        json_t *hc = sg_host_config(request);
        if (hc) {
                r = check_fields(hc, "HostConfig", host_fields, ARRAY_SIZE(host_fields), err);
                if (r < 0)
                        return r;
        }

        /* validateContainerConfig */
        const char *wd = sg_str0(request, "WorkingDir");
        if (*wd && wd[0] != '/')
                return error_set(err, EINVAL,
                                 "the working directory '%s' is invalid, it needs to be an "
                                 "absolute path",
                                 wd);
        const char *sig = sg_str0(request, "StopSignal");
        if (*sig && specgen_parse_signal(sig) < 0)
                return error_set(err, EINVAL, "invalid signal: %s", sig);
        size_t i;
        json_t *v;
        json_array_foreach(sg_array(request, "Env"), i, v)
        {
                const char *e = json_string_value(v);
                if (!*e || e[0] == '=')
                        return error_set(err, EINVAL, "invalid environment variable: %s", e);
        }
        r = validate_healthcheck(request, err);
        if (r < 0)
                return r;
        const char *hostname = sg_str0(request, "Hostname");
        if (strlen(hostname) > SG_MAX_HOSTNAME)
                return error_set(err, EINVAL, "hostname \"%s\" is too long (maximum %d bytes)",
                                 hostname, SG_MAX_HOSTNAME);
        r = validate_ports(request, hc, err);
        if (r < 0)
                return r;
        if (!hc)
                return 0;

        /* validateHostConfig */
        const char *rp = sg_str0(sg_object(hc, "RestartPolicy"), "Name");
        if (sg_bool(hc, "AutoRemove") && *rp && !STREQ(rp, "no"))
                return error_set(err, EINVAL,
                                 "can't create 'AutoRemove' container with restart policy");
        json_array_foreach(sg_array(hc, "Mounts"), i, v)
        {
                r = sg_validate_mount(v, err);
                if (r < 0)
                        return r;
        }
        json_array_foreach(sg_array(hc, "ExtraHosts"), i, v)
        {
                r = sg_validate_extra_host(json_string_value(v), err);
                if (r < 0)
                        return r;
        }
        r = validate_restart_policy(hc, err);
        if (r < 0)
                return r;
        _cleanup_strv_free_ char **caps = NULL;
        r = sg_caps_compute(hc, &caps, err);
        if (r < 0)
                return r;
        const char *iso = sg_str0(hc, "Isolation");
        if (*iso && !STREQ(iso, "default"))
                return error_set(err, EINVAL, "invalid isolation '%s' on linux", iso);
        const char *key;
        json_object_foreach(sg_object(hc, "Annotations"), key, v)
        {
                if (!*key)
                        return error_set(err, EINVAL,
                                         "invalid Annotations: the empty string is "
                                         "not permitted as an annotation key");
        }

        /* verifyPlatformContainerSettings */
        r = sg_validate_resources(hc, err);
        if (r < 0)
                return r;
        r = validate_modes(request, hc, err);
        if (r < 0)
                return r;
        json_object_foreach(sg_object(hc, "Tmpfs"), key, v)
        {
                r = sg_tmpfs_options(key, json_string_value(v), NULL, err);
                if (r < 0)
                        return r;
        }
        json_array_foreach(sg_array(hc, "Binds"), i, v)
        {
                SgBind b;
                r = sg_parse_bind(json_string_value(v), &b, err);
                if (r < 0)
                        return r;
                sg_bind_clear(&b);
        }
        r = sg_validate_ulimits(hc, err);
        if (r < 0)
                return r;
        json_object_foreach(sg_object(hc, "Sysctls"), key, v)
        {
                r = sg_validate_sysctl(key, hc, err);
                if (r < 0)
                        return r;
        }
        r = specgen_security_check(hc, err);
        if (r < 0)
                return r;
        json_t *cs = sg_array(hc, "ConsoleSize");
        if (cs && json_array_size(cs) != 2)
                return error_set(err, EINVAL,
                                 "json: cannot unmarshal array into Go struct field "
                                 "HostConfig.ConsoleSize of type [2]uint");
        json_array_foreach(
            cs, i, v) if (!json_is_integer(v) ||
                          json_integer_value(v) <
                              0) return error_set(err, EINVAL,
                                                  "json: cannot unmarshal %s into Go struct field "
                                                  "HostConfig.ConsoleSize of type uint",
                                                  go_kind(v));
        _cleanup_json_ json_t *rules = json_array();
        r = sg_device_cgroup_rules(hc, rules, err);
        if (r < 0)
                return r;
        json_array_foreach(sg_array(hc, "Devices"), i, v)
        {
                const char *p = sg_str(v, "PathOnHost");
                if (!p || !*p)
                        return error_set(err, EINVAL,
                                         "invalid device mapping: PathOnHost is empty");
        }
        return 0;
}
