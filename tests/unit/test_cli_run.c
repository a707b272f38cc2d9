/* run/create flag parsing: the create request berth sends must equal the
 * one the real docker client sends for the same arguments (modulo fields
 * left at their zero value), and docker's option-parsing rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "cli/cli_run.h"
#include "common/strv.h"

/* Create bodies sent by the real docker client v28 (captured with a fake
 * server on a unix socket), for the argument lists named above each. */
static const char DOCKER_FULL[] =
    "{\"Hostname\":\"hn\",\"Domainname\":\"\",\"User\":\"1000:1000\",\"AttachStdin\":false,"
    "\"AttachStdout\":tru"
    "e,\"AttachStderr\":false,\"ExposedPorts\":{\"80/tcp\":{},\"90/"
    "tcp\":{}},\"Tty\":false,\"OpenStdin\":fa"
    "lse,\"StdinOnce\":false,\"Env\":[\"A=1\"],\"Cmd\":[\"echo\",\"hi\"],\"Image\":\"busybox\","
    "\"Volumes\":{},\"Wo"
    "rkingDir\":\"/tmp\",\"Entrypoint\":[\"/bin/"
    "sh\"],\"OnBuild\":null,\"Labels\":{\"x\":\"y\"},\"StopSignal\":\""
    "SIGINT\",\"StopTimeout\":5,\"HostConfig\":{\"Binds\":[\"/tmp:/"
    "mnt:ro\"],\"ContainerIDFile\":\"\",\"LogCo"
    "nfig\":{\"Type\":\"\",\"Config\":{\"max-file\":\"3\",\"max-size\":\"10m\"}},\"NetworkMode\":"
    "\"none\",\"PortBin"
    "dings\":{\"80/"
    "tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"}]},\"RestartPolicy\":{\"Name\":\"on-f"
    "ailure\",\"MaximumRetryCount\":3},\"AutoRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":"
    "null,\"Co"
    "nsoleSize\":[0,0],\"CapAdd\":[\"CAP_NET_ADMIN\"],\"CapDrop\":[\"ALL\"],\"CgroupnsMode\":\"\","
    "\"Dns\":[\"8."
    "8.8.8\"],\"DnsOptions\":[],\"DnsSearch\":[],\"ExtraHosts\":[\"a:1.2.3.4\"],\"GroupAdd\":["
    "\"10\"],\"IpcMo"
    "de\":\"host\",\"Cgroup\":\"\",\"Links\":null,\"OomScoreAdj\":0,\"PidMode\":\"host\","
    "\"Privileged\":true,\"Pu"
    "blishAllPorts\":true,\"ReadonlyRootfs\":true,\"SecurityOpt\":[\"no-new-privileges\"],"
    "\"Tmpfs\":{\"/r"
    "un\":\"size=64m\"},\"UTSMode\":\"host\",\"UsernsMode\":\"\",\"ShmSize\":134217728,\"Sysctls\":"
    "{\"net.core."
    "somaxconn\":\"1024\"},\"Isolation\":\"\",\"CpuShares\":512,\"Memory\":536870912,\"NanoCpus\":"
    "1500000000"
    ",\"CgroupParent\":\"\",\"BlkioWeight\":0,\"BlkioWeightDevice\":[],\"BlkioDeviceReadBps\":[],"
    "\"BlkioDe"
    "viceWriteBps\":[],\"BlkioDeviceReadIOps\":[],\"BlkioDeviceWriteIOps\":[],\"CpuPeriod\":0,"
    "\"CpuQuot"
    "a\":0,\"CpuRealtimePeriod\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"0-1\",\"CpusetMems\":"
    "\"\",\"Devi"
    "ces\":[],\"DeviceCgroupRules\":null,\"DeviceRequests\":null,\"MemoryReservation\":268435456,"
    "\"Memo"
    "rySwap\":1073741824,\"MemorySwappiness\":-1,\"OomKillDisable\":false,\"PidsLimit\":100,"
    "\"Ulimits\":"
    "[{\"Name\":\"nofile\",\"Hard\":2048,\"Soft\":1024}],\"CpuCount\":0,\"CpuPercent\":0,"
    "\"IOMaximumIOps\":0,"
    "\"IOMaximumBandwidth\":0,\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/"
    "m2\",\"ReadOnly\":"
    "true}],\"MaskedPaths\":null,\"ReadonlyPaths\":null,\"Init\":true},\"NetworkingConfig\":{"
    "\"Endpoints"
    "Config\":{}}}";

static const char DOCKER_MINIMAL[] = "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\","
                                     "\"AttachStdin\":false,\"AttachStdout\":true,\"AttachSt"
                                     "derr\":true,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":"
                                     "false,\"Env\":null,\"Cmd\":null,\"Image\":\""
                                     "busybox\",\"Volumes\":{},\"WorkingDir\":\"\",\"Entrypoint\":"
                                     "null,\"OnBuild\":null,\"Labels\":{},\"HostCo"
                                     "nfig\":{\"Binds\":null,\"ContainerIDFile\":\"\","
                                     "\"LogConfig\":{\"Type\":\"\",\"Config\":{}},\"NetworkMode\""
                                     ":\"default\",\"PortBindings\":{},\"RestartPolicy\":{\"Name\":"
                                     "\"no\",\"MaximumRetryCount\":0},\"AutoRemo"
                                     "ve\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,"
                                     "\"ConsoleSize\":[0,0],\"CapAdd\":null,\"CapDrop\""
                                     ":null,\"CgroupnsMode\":\"\",\"Dns\":[],\"DnsOptions\":[],"
                                     "\"DnsSearch\":[],\"ExtraHosts\":null,\"GroupAd"
                                     "d\":null,\"IpcMode\":\"\",\"Cgroup\":\"\",\"Links\":null,"
                                     "\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":fa"
                                     "lse,\"PublishAllPorts\":false,\"ReadonlyRootfs\":false,"
                                     "\"SecurityOpt\":null,\"UTSMode\":\"\",\"Userns"
                                     "Mode\":\"\",\"ShmSize\":0,\"Isolation\":\"\",\"CpuShares\":0,"
                                     "\"Memory\":0,\"NanoCpus\":0,\"CgroupParent\":\""
                                     "\",\"BlkioWeight\":0,\"BlkioWeightDevice\":[],"
                                     "\"BlkioDeviceReadBps\":[],\"BlkioDeviceWriteBps\":[],"
                                     "\"BlkioDeviceReadIOps\":[],\"BlkioDeviceWriteIOps\":[],"
                                     "\"CpuPeriod\":0,\"CpuQuota\":0,\"CpuRealtime"
                                     "Period\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\","
                                     "\"CpusetMems\":\"\",\"Devices\":[],\"DeviceCgrou"
                                     "pRules\":null,\"DeviceRequests\":null,\"MemoryReservation\":"
                                     "0,\"MemorySwap\":0,\"MemorySwappiness\""
                                     ":-1,\"OomKillDisable\":false,\"PidsLimit\":0,\"Ulimits\":[],"
                                     "\"CpuCount\":0,\"CpuPercent\":0,\"IOMaxim"
                                     "umIOps\":0,\"IOMaximumBandwidth\":0,\"MaskedPaths\":null,"
                                     "\"ReadonlyPaths\":null},\"NetworkingConfi"
                                     "g\":{\"EndpointsConfig\":{\"default\":{\"IPAMConfig\":null,"
                                     "\"Links\":null,\"Aliases\":null,\"MacAddres"
                                     "s\":\"\",\"DriverOpts\":null,\"GwPriority\":0,\"NetworkID\":"
                                     "\"\",\"EndpointID\":\"\",\"Gateway\":\"\",\"IPAddr"
                                     "ess\":\"\",\"IPPrefixLen\":0,\"IPv6Gateway\":\"\","
                                     "\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\"D"
                                     "NSNames\":null}}}}";

static const char DOCKER_DIT_RM[] = "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\","
                                    "\"AttachStdin\":false,\"AttachStdout\":false,\"AttachS"
                                    "tderr\":false,\"Tty\":true,\"OpenStdin\":true,\"StdinOnce\":"
                                    "false,\"Env\":null,\"Cmd\":[\"sh\"],\"Image\""
                                    ":\"busybox\",\"Volumes\":{},\"WorkingDir\":\"\","
                                    "\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":{},\"Host"
                                    "Config\":{\"Binds\":null,\"ContainerIDFile\":\"\","
                                    "\"LogConfig\":{\"Type\":\"\",\"Config\":{}},\"NetworkMod"
                                    "e\":\"default\",\"PortBindings\":{},\"RestartPolicy\":{"
                                    "\"Name\":\"no\",\"MaximumRetryCount\":0},\"AutoRe"
                                    "move\":true,\"VolumeDriver\":\"\",\"VolumesFrom\":null,"
                                    "\"ConsoleSize\":[0,0],\"CapAdd\":null,\"CapDrop"
                                    "\":null,\"CgroupnsMode\":\"\",\"Dns\":[],\"DnsOptions\":[],"
                                    "\"DnsSearch\":[],\"ExtraHosts\":null,\"GroupA"
                                    "dd\":null,\"IpcMode\":\"\",\"Cgroup\":\"\",\"Links\":null,"
                                    "\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":f"
                                    "alse,\"PublishAllPorts\":false,\"ReadonlyRootfs\":false,"
                                    "\"SecurityOpt\":null,\"UTSMode\":\"\",\"Usern"
                                    "sMode\":\"\",\"ShmSize\":0,\"Isolation\":\"\",\"CpuShares\":0,"
                                    "\"Memory\":0,\"NanoCpus\":0,\"CgroupParent\":"
                                    "\"\",\"BlkioWeight\":0,\"BlkioWeightDevice\":[],"
                                    "\"BlkioDeviceReadBps\":[],\"BlkioDeviceWriteBps\":[]"
                                    ",\"BlkioDeviceReadIOps\":[],\"BlkioDeviceWriteIOps\":[],"
                                    "\"CpuPeriod\":0,\"CpuQuota\":0,\"CpuRealtim"
                                    "ePeriod\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\","
                                    "\"CpusetMems\":\"\",\"Devices\":[],\"DeviceCgro"
                                    "upRules\":null,\"DeviceRequests\":null,\"MemoryReservation\":"
                                    "0,\"MemorySwap\":0,\"MemorySwappiness"
                                    "\":-1,\"OomKillDisable\":false,\"PidsLimit\":0,\"Ulimits\":[],"
                                    "\"CpuCount\":0,\"CpuPercent\":0,\"IOMaxi"
                                    "mumIOps\":0,\"IOMaximumBandwidth\":0,\"MaskedPaths\":null,"
                                    "\"ReadonlyPaths\":null},\"NetworkingConf"
                                    "ig\":{\"EndpointsConfig\":{\"default\":{\"IPAMConfig\":null,"
                                    "\"Links\":null,\"Aliases\":null,\"MacAddre"
                                    "ss\":\"\",\"DriverOpts\":null,\"GwPriority\":0,\"NetworkID\":"
                                    "\"\",\"EndpointID\":\"\",\"Gateway\":\"\",\"IPAdd"
                                    "ress\":\"\",\"IPPrefixLen\":0,\"IPv6Gateway\":\"\","
                                    "\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\""
                                    "DNSNames\":null}}}}";

static const char DOCKER_PORTS[] = "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\","
                                   "\"AttachStdin\":false,\"AttachStdout\":true,\"AttachSt"
                                   "derr\":true,\"ExposedPorts\":{\"80/tcp\":{},\"9000/"
                                   "udp\":{},\"9001/udp\":{}},\"Tty\":false,\"OpenStdin"
                                   "\":false,\"StdinOnce\":false,\"Env\":[\"FOO\"],\"Cmd\":null,"
                                   "\"Image\":\"busybox\",\"Volumes\":{},\"Working"
                                   "Dir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":{},"
                                   "\"HostConfig\":{\"Binds\":null,\"Container"
                                   "IDFile\":\"\",\"LogConfig\":{\"Type\":\"\",\"Config\":{}},"
                                   "\"NetworkMode\":\"host\",\"PortBindings\":{\"80/tc"
                                   "p\":[{\"HostIp\":\"\",\"HostPort\":\"\"}],\"9000/"
                                   "udp\":[{\"HostIp\":\"\",\"HostPort\":\"8000\"}],\"9001/udp\":["
                                   "{\"HostIp\":\"\",\"HostPort\":\"8001\"}]},\"RestartPolicy\":{"
                                   "\"Name\":\"always\",\"MaximumRetryCount\":0},"
                                   "\"AutoRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":"
                                   "null,\"ConsoleSize\":[0,0],\"CapAdd\":null,"
                                   "\"CapDrop\":null,\"CgroupnsMode\":\"\",\"Dns\":[],"
                                   "\"DnsOptions\":[],\"DnsSearch\":[],\"ExtraHosts\":null"
                                   ",\"GroupAdd\":null,\"IpcMode\":\"\",\"Cgroup\":\"\",\"Links\":"
                                   "null,\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privi"
                                   "leged\":false,\"PublishAllPorts\":false,\"ReadonlyRootfs\":"
                                   "false,\"SecurityOpt\":null,\"UTSMode\":\""
                                   "\",\"UsernsMode\":\"\",\"ShmSize\":0,\"Isolation\":\"\","
                                   "\"CpuShares\":0,\"Memory\":0,\"NanoCpus\":0,\"Cgroup"
                                   "Parent\":\"\",\"BlkioWeight\":0,\"BlkioWeightDevice\":[],"
                                   "\"BlkioDeviceReadBps\":[],\"BlkioDeviceWrit"
                                   "eBps\":[],\"BlkioDeviceReadIOps\":[],\"BlkioDeviceWriteIOps\":["
                                   "],\"CpuPeriod\":0,\"CpuQuota\":0,\"Cp"
                                   "uRealtimePeriod\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":"
                                   "\"\",\"CpusetMems\":\"\",\"Devices\":[],\"De"
                                   "viceCgroupRules\":null,\"DeviceRequests\":null,"
                                   "\"MemoryReservation\":0,\"MemorySwap\":0,\"MemorySw"
                                   "appiness\":-1,\"OomKillDisable\":false,\"PidsLimit\":0,"
                                   "\"Ulimits\":[],\"CpuCount\":0,\"CpuPercent\":0"
                                   ",\"IOMaximumIOps\":0,\"IOMaximumBandwidth\":0,\"MaskedPaths\":"
                                   "null,\"ReadonlyPaths\":null},\"Networ"
                                   "kingConfig\":{\"EndpointsConfig\":{}}}";

static const char DOCKER_RUN_D_I[] = "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\","
                                     "\"AttachStdin\":false,\"AttachStdout\":false,\"AttachS"
                                     "tderr\":false,\"Tty\":false,\"OpenStdin\":true,\"StdinOnce\":"
                                     "false,\"Env\":null,\"Cmd\":null,\"Image\":"
                                     "\"busybox\",\"Volumes\":{},\"WorkingDir\":\"\","
                                     "\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":{},\"HostC"
                                     "onfig\":{\"Binds\":null,\"ContainerIDFile\":\"\","
                                     "\"LogConfig\":{\"Type\":\"\",\"Config\":{}},\"NetworkMode"
                                     "\":\"default\",\"PortBindings\":{},\"RestartPolicy\":{"
                                     "\"Name\":\"no\",\"MaximumRetryCount\":0},\"AutoRem"
                                     "ove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,"
                                     "\"ConsoleSize\":[0,0],\"CapAdd\":null,\"CapDrop"
                                     "\":null,\"CgroupnsMode\":\"\",\"Dns\":[],\"DnsOptions\":[],"
                                     "\"DnsSearch\":[],\"ExtraHosts\":null,\"GroupA"
                                     "dd\":null,\"IpcMode\":\"\",\"Cgroup\":\"\",\"Links\":null,"
                                     "\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":f"
                                     "alse,\"PublishAllPorts\":false,\"ReadonlyRootfs\":false,"
                                     "\"SecurityOpt\":null,\"UTSMode\":\"\",\"Usern"
                                     "sMode\":\"\",\"ShmSize\":0,\"Isolation\":\"\",\"CpuShares\":"
                                     "0,\"Memory\":0,\"NanoCpus\":0,\"CgroupParent\":"
                                     "\"\",\"BlkioWeight\":0,\"BlkioWeightDevice\":[],"
                                     "\"BlkioDeviceReadBps\":[],\"BlkioDeviceWriteBps\":[]"
                                     ",\"BlkioDeviceReadIOps\":[],\"BlkioDeviceWriteIOps\":[],"
                                     "\"CpuPeriod\":0,\"CpuQuota\":0,\"CpuRealtim"
                                     "ePeriod\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\","
                                     "\"CpusetMems\":\"\",\"Devices\":[],\"DeviceCgro"
                                     "upRules\":null,\"DeviceRequests\":null,\"MemoryReservation\":"
                                     "0,\"MemorySwap\":0,\"MemorySwappiness"
                                     "\":-1,\"OomKillDisable\":false,\"PidsLimit\":0,\"Ulimits\":[]"
                                     ",\"CpuCount\":0,\"CpuPercent\":0,\"IOMaxi"
                                     "mumIOps\":0,\"IOMaximumBandwidth\":0,\"MaskedPaths\":null,"
                                     "\"ReadonlyPaths\":null},\"NetworkingConf"
                                     "ig\":{\"EndpointsConfig\":{\"default\":{\"IPAMConfig\":null,"
                                     "\"Links\":null,\"Aliases\":null,\"MacAddre"
                                     "ss\":\"\",\"DriverOpts\":null,\"GwPriority\":0,\"NetworkID\":"
                                     "\"\",\"EndpointID\":\"\",\"Gateway\":\"\",\"IPAdd"
                                     "ress\":\"\",\"IPPrefixLen\":0,\"IPv6Gateway\":\"\","
                                     "\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\""
                                     "DNSNames\":null}}}}";

static const char DOCKER_CREATE_IT_RM[] =
    "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":true,\"AttachStdout\":"
    "true,\"AttachStd"
    "err\":true,\"Tty\":true,\"OpenStdin\":true,\"StdinOnce\":true,\"Env\":null,\"Cmd\":[\"sh\",\"-"
    "c\",\"echo h"
    "i\"],\"Image\":\"busybox\",\"Volumes\":{},\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":"
    "null,\"Label"
    "s\":{},\"HostConfig\":{\"Binds\":null,\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"\","
    "\"Config\":{}},"
    "\"NetworkMode\":\"default\",\"PortBindings\":{},\"RestartPolicy\":{\"Name\":\"no\","
    "\"MaximumRetryCount\""
    ":0},\"AutoRemove\":true,\"VolumeDriver\":\"\",\"VolumesFrom\":null,\"ConsoleSize\":[0,0],"
    "\"CapAdd\":nu"
    "ll,\"CapDrop\":null,\"CgroupnsMode\":\"\",\"Dns\":[],\"DnsOptions\":[],\"DnsSearch\":[],"
    "\"ExtraHosts\":n"
    "ull,\"GroupAdd\":null,\"IpcMode\":\"\",\"Cgroup\":\"\",\"Links\":null,\"OomScoreAdj\":0,"
    "\"PidMode\":\"\",\"Pr"
    "ivileged\":false,\"PublishAllPorts\":false,\"ReadonlyRootfs\":false,\"SecurityOpt\":null,"
    "\"UTSMode"
    "\":\"\",\"UsernsMode\":\"\",\"ShmSize\":0,\"Isolation\":\"\",\"CpuShares\":0,\"Memory\":0,"
    "\"NanoCpus\":0,\"Cgr"
    "oupParent\":\"\",\"BlkioWeight\":0,\"BlkioWeightDevice\":[],\"BlkioDeviceReadBps\":[],"
    "\"BlkioDeviceW"
    "riteBps\":[],\"BlkioDeviceReadIOps\":[],\"BlkioDeviceWriteIOps\":[],\"CpuPeriod\":0,"
    "\"CpuQuota\":0,"
    "\"CpuRealtimePeriod\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\",\"CpusetMems\":\"\","
    "\"Devices\":[],"
    "\"DeviceCgroupRules\":null,\"DeviceRequests\":null,\"MemoryReservation\":0,\"MemorySwap\":0,"
    "\"Memor"
    "ySwappiness\":-1,\"OomKillDisable\":false,\"PidsLimit\":0,\"Ulimits\":[],\"CpuCount\":0,"
    "\"CpuPercent"
    "\":0,\"IOMaximumIOps\":0,\"IOMaximumBandwidth\":0,\"MaskedPaths\":null,\"ReadonlyPaths\":null}"
    ",\"Net"
    "workingConfig\":{\"EndpointsConfig\":{\"default\":{\"IPAMConfig\":null,\"Links\":null,"
    "\"Aliases\":nul"
    "l,\"MacAddress\":\"\",\"DriverOpts\":null,\"GwPriority\":0,\"NetworkID\":\"\",\"EndpointID\":"
    "\"\",\"Gateway"
    "\":\"\",\"IPAddress\":\"\",\"IPPrefixLen\":0,\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\","
    "\"GlobalIPv6Pre"
    "fixLen\":0,\"DNSNames\":null}}}}";

static const char DOCKER_ENTRYPOINT[] =
    "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,\"AttachStdout\":"
    "true,\"AttachSt"
    "derr\":true,\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":[\"X=1\"],\"Cmd\":["
    "\"-la\"],\"Im"
    "age\":\"busybox\",\"Volumes\":{},\"WorkingDir\":\"\",\"Entrypoint\":[\"\"],\"OnBuild\":null,"
    "\"Labels\":{},\""
    "HostConfig\":{\"Binds\":null,\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"\",\"Config\":"
    "{}},\"Networ"
    "kMode\":\"default\",\"PortBindings\":{},\"RestartPolicy\":{\"Name\":\"no\","
    "\"MaximumRetryCount\":0},\"Au"
    "toRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,\"ConsoleSize\":[0,0],\"CapAdd\":"
    "null,\"Ca"
    "pDrop\":null,\"CgroupnsMode\":\"\",\"Dns\":[],\"DnsOptions\":[],\"DnsSearch\":[],"
    "\"ExtraHosts\":null,\"G"
    "roupAdd\":null,\"IpcMode\":\"\",\"Cgroup\":\"\",\"Links\":null,\"OomScoreAdj\":0,\"PidMode\":"
    "\"\",\"Privileg"
    "ed\":false,\"PublishAllPorts\":false,\"ReadonlyRootfs\":false,\"SecurityOpt\":null,"
    "\"UTSMode\":\"\",\""
    "UsernsMode\":\"\",\"ShmSize\":0,\"Isolation\":\"\",\"CpuShares\":0,\"Memory\":0,\"NanoCpus\":"
    "0,\"CgroupPar"
    "ent\":\"\",\"BlkioWeight\":0,\"BlkioWeightDevice\":[],\"BlkioDeviceReadBps\":[],"
    "\"BlkioDeviceWriteBp"
    "s\":[],\"BlkioDeviceReadIOps\":[],\"BlkioDeviceWriteIOps\":[],\"CpuPeriod\":0,\"CpuQuota\":0,"
    "\"CpuRe"
    "altimePeriod\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\",\"CpusetMems\":\"\",\"Devices\":"
    "[],\"Devic"
    "eCgroupRules\":null,\"DeviceRequests\":null,\"MemoryReservation\":0,\"MemorySwap\":0,"
    "\"MemorySwapp"
    "iness\":-1,\"OomKillDisable\":false,\"PidsLimit\":0,\"Ulimits\":[],\"CpuCount\":0,"
    "\"CpuPercent\":0,\"I"
    "OMaximumIOps\":0,\"IOMaximumBandwidth\":0,\"MaskedPaths\":null,\"ReadonlyPaths\":null},"
    "\"Networkin"
    "gConfig\":{\"EndpointsConfig\":{\"default\":{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":"
    "null,\"Mac"
    "Address\":\"\",\"DriverOpts\":null,\"GwPriority\":0,\"NetworkID\":\"\",\"EndpointID\":\"\","
    "\"Gateway\":\"\",\""
    "IPAddress\":\"\",\"IPPrefixLen\":0,\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\","
    "\"GlobalIPv6PrefixLen"
    "\":0,\"DNSNames\":null}}}}";

static bool is_zero(json_t *v)
{
        if (!v || json_is_null(v) || json_is_false(v))
                return true;
        if (json_is_string(v))
                return json_string_length(v) == 0;
        if (json_is_integer(v))
                return json_integer_value(v) == 0 || json_integer_value(v) == -1;
        if (json_is_array(v))
                return json_array_size(v) == 0;
        if (json_is_object(v)) {
                const char *k;
                json_t *e;
                json_object_foreach(v, k, e) if (!is_zero(e)) return false;
                return true;
        }
        return false;
}

/* Objects compared member by member; maps of user data compared whole. */
static int diff(json_t *a, json_t *b, const char *path)
{
        int n = 0;
        json_t *keys = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(a, k, v) json_object_set(keys, k, json_true());
        json_object_foreach(b, k, v) json_object_set(keys, k, json_true());
        json_object_foreach(keys, k, v)
        {
                json_t *va = a ? json_object_get(a, k) : NULL;
                json_t *vb = b ? json_object_get(b, k) : NULL;
                bool usermap = !strcmp(k, "Labels") || !strcmp(k, "Tmpfs") ||
                               !strcmp(k, "Sysctls") || !strcmp(k, "ExposedPorts") ||
                               !strcmp(k, "Config") || !strcmp(k, "PortBindings");
                if (json_is_object(va) && json_is_object(vb) && !usermap) {
                        char sub[256];
                        snprintf(sub, sizeof(sub), "%s%s.", path, k);
                        n += diff(va, vb, sub);
                        continue;
                }
                if (is_zero(va) && is_zero(vb))
                        continue;
                if (!va || !vb || !json_equal(va, vb)) {
                        char *sa = va ? json_dumps(va, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
                        char *sb = vb ? json_dumps(vb, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
                        print_message("# %s%s: docker=%s berth=%s\n", path, k, sa ? sa : "-",
                                      sb ? sb : "-");
                        free(sa);
                        free(sb);
                        n++;
                }
        }
        json_decref(keys);
        return n;
}

/* Parses a space-separated argument list ("create" or "run" first). */
static int parse(const char *line, json_t **ret_body, char **ret_name, CliRunFlags **ret_flags,
                 int *ret_exit)
{
        char *copy = strdup(line), *save = NULL;
        char **argv = NULL;
        BerthError *err = NULL;
        for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
                /* '' is an empty argument, ~ a space inside one */
                for (char *p = t; *p; p++)
                        if (*p == '~')
                                *p = ' ';
                strv_append(&argv, strcmp(t, "''") == 0 ? "" : t);
        }
        bool is_run = strcmp(argv[0], "run") == 0;
        int r = cli_run_parse(is_run, (int)strv_length(argv), argv, ret_body, ret_name, ret_flags,
                              ret_exit, &err);
        if (err)
                print_message("# %s\n", err->message);
        error_free(err);
        /* the flags hold copies; argv pieces borrowed by cidfile are unused */
        strv_free(argv);
        free(copy);
        return r;
}

static void check_same(const char *golden, const char *line, const char *want_name)
{
        json_t *body = NULL;
        char *name = NULL;
        CliRunFlags *flags = NULL;
        int code = -1;
        json_error_t jerr;
        json_t *docker = json_loads(golden, 0, &jerr);

        assert_non_null(docker);
        assert_int_equal(parse(line, &body, &name, &flags, &code), 0);
        assert_non_null(body);
        assert_int_equal(diff(docker, body, ""), 0);
        if (want_name)
                assert_string_equal(name, want_name);
        else
                assert_null(name);
        json_decref(docker);
        json_decref(body);
        free(name);
        cli_run_flags_free(flags);
}

static void test_full_flag_set(void **state)
{
        check_same(DOCKER_FULL,
                   "create --name foo -e A=1 -l x=y -w /tmp -u 1000:1000 --entrypoint /bin/sh "
                   "--restart on-failure:3 -h hn --init --privileged --read-only --cap-add "
                   "NET_ADMIN --cap-drop ALL --security-opt no-new-privileges -m 512m "
                   "--memory-swap 1g --memory-reservation 256m --cpus 1.5 --cpu-shares 512 "
                   "--cpuset-cpus 0-1 --pids-limit 100 --ulimit nofile=1024:2048 --tmpfs "
                   "/run:size=64m --shm-size 128m --sysctl net.core.somaxconn=1024 --pid host "
                   "--ipc host --uts host --network none -p 127.0.0.1:8080:80/tcp --expose 90 -P "
                   "--add-host a:1.2.3.4 --dns 8.8.8.8 --stop-signal SIGINT --stop-timeout 5 -v "
                   "/tmp:/mnt:ro --mount type=bind,src=/tmp,dst=/m2,readonly --log-opt "
                   "max-size=10m --log-opt max-file=3 --group-add 10 -a stdout busybox echo hi",
                   "foo");
}

static void test_minimal(void **state)
{
        check_same(DOCKER_MINIMAL, "create busybox", NULL);
}

static void test_combined_short_flags(void **state)
{
        /* docker run -d --rm -it busybox sh */
        check_same(DOCKER_DIT_RM, "run -d --rm -it busybox sh", NULL);
        check_same(DOCKER_DIT_RM, "run -dit --rm busybox sh", NULL);
        check_same(DOCKER_DIT_RM, "run --detach=true --rm -ti busybox sh", NULL);
}

static void test_ports_env_restart(void **state)
{
        unsetenv("FOO");
        check_same(DOCKER_PORTS,
                   "create -p 80 -p 8000-8001:9000-9001/udp --network host -e FOO --env-file "
                   "/dev/null --restart always busybox",
                   NULL);
}

static void test_interactive(void **state)
{
        check_same(DOCKER_RUN_D_I, "run -d -i busybox", NULL);
        check_same(DOCKER_CREATE_IT_RM, "create -it --rm busybox sh -c echo~hi", NULL);
}

static void test_entrypoint_empty_and_dashdash(void **state)
{
        check_same(DOCKER_ENTRYPOINT, "create --entrypoint '' -e X=1 --name n1 -- busybox -la",
                   "n1");
        check_same(DOCKER_ENTRYPOINT, "create --entrypoint= -e=X=1 --name=n1 busybox -la", "n1");
}

static void test_args_after_image(void **state)
{
        json_t *body = NULL;
        char *name = NULL;
        CliRunFlags *flags = NULL;
        int code = 0;
        assert_int_equal(parse("run busybox ls -l --rm -d", &body, &name, &flags, &code), 0);
        json_t *cmd = json_object_get(body, "Cmd");
        assert_int_equal(json_array_size(cmd), 4);
        assert_string_equal(json_string_value(json_array_get(cmd, 2)), "--rm");
        assert_false(
            json_is_true(json_object_get(json_object_get(body, "HostConfig"), "AutoRemove")));
        json_decref(body);
        cli_run_flags_free(flags);
}

static void test_env_lookup_and_file(void **state)
{
        char path[] = "/tmp/test_cli_envXXXXXX";
        int fd = mkstemp(path);
        const char txt[] = "# comment\n\nA=1\n  B=two words\nHOMEVAR\n";
        assert_true(write(fd, txt, sizeof(txt) - 1) == (ssize_t)(sizeof(txt) - 1));
        close(fd);
        setenv("HOMEVAR", "h", 1);
        setenv("SETVAR", "s", 1);
        unsetenv("UNSETVAR");
        char line[256];
        snprintf(line, sizeof(line), "create --env-file %s -e SETVAR -e UNSETVAR -e C= busybox",
                 path);
        json_t *body = NULL;
        char *name = NULL;
        CliRunFlags *flags = NULL;
        int code = 0;
        assert_int_equal(parse(line, &body, &name, &flags, &code), 0);
        json_t *want = json_pack("[s,s,s,s,s,s]", "A=1", "B=two words", "HOMEVAR=h", "SETVAR=s",
                                 "UNSETVAR", "C=");
        assert_true(json_equal(json_object_get(body, "Env"), want));
        json_decref(want);
        json_decref(body);
        cli_run_flags_free(flags);
        unlink(path);
}

static void test_usage_errors(void **state)
{
        json_t *body = NULL;
        char *name = NULL;
        CliRunFlags *flags = NULL;
        int code = 0;
        assert_true(parse("run --nope busybox", &body, &name, &flags, &code) < 0);
        assert_int_equal(code, 125);
        assert_true(parse("run -Z busybox", &body, &name, &flags, &code) < 0);
        assert_int_equal(code, 125);
        assert_true(parse("run --name", &body, &name, &flags, &code) < 0);
        assert_int_equal(code, 125);
        assert_true(parse("run", &body, &name, &flags, &code) < 0);
        assert_int_equal(code, 1);
        assert_true(parse("run --rm --restart always busybox", &body, &name, &flags, &code) < 0);
        assert_int_equal(code, 125);
        assert_true(parse("run -d -a stdout busybox", &body, &name, &flags, &code) < 0);
        assert_int_equal(code, 125);
        assert_true(parse("run -m lots busybox", &body, &name, &flags, &code) < 0);
        assert_int_equal(code, 125);
        assert_true(parse("run --restart sometimes busybox", &body, &name, &flags, &code) < 0);
        assert_int_equal(code, 125);
        assert_true(parse("run --detach-keys ctrl-1 busybox", &body, &name, &flags, &code) < 0);
        assert_int_equal(code, 125);
        assert_true(parse("run --ulimit nofile=20:10 busybox", &body, &name, &flags, &code) < 0);
        assert_int_equal(code, 125);
        assert_true(parse("run -p 80:99999 busybox", &body, &name, &flags, &code) < 0);
        assert_int_equal(code, 125);
        assert_true(parse("create -d busybox", &body, &name, &flags, &code) < 0);
        assert_int_equal(code, 125);
        assert_null(body);
        /* --help prints the usage and succeeds */
        assert_int_equal(parse("run --help", &body, &name, &flags, &code), 1);
}

static void test_run_flags(void **state)
{
        json_t *body = NULL;
        char *name = NULL;
        CliRunFlags *flags = NULL;
        int code = 0;
        assert_int_equal(parse("run --rm -i -a stdin -a STDOUT --sig-proxy=false --detach-keys "
                               "ctrl-a,x busybox",
                               &body, &name, &flags, &code),
                         0);
        assert_true(flags->rm);
        assert_true(flags->interactive);
        assert_false(flags->sig_proxy);
        assert_true(flags->attach_stdin);
        assert_true(flags->attach_stdout);
        assert_false(flags->attach_stderr);
        assert_string_equal(flags->detach_keys, "ctrl-a,x");
        assert_string_equal(flags->image, "busybox");
        assert_true(json_is_true(json_object_get(body, "StdinOnce")));
        json_decref(body);
        cli_run_flags_free(flags);
}

static void test_publish_forms(void **state)
{
        json_t *ex = json_object(), *b = json_object();
        assert_int_equal(cli_parse_publish("[::1]:8080:80", ex, b, NULL, NULL), 0);
        assert_string_equal(json_string_value(json_object_get(
                                json_array_get(json_object_get(b, "80/tcp"), 0), "HostIp")),
                            "::1");
        assert_int_equal(cli_parse_publish("127.0.0.1::53/udp", ex, b, NULL, NULL), 0);
        json_t *u = json_array_get(json_object_get(b, "53/udp"), 0);
        assert_string_equal(json_string_value(json_object_get(u, "HostIp")), "127.0.0.1");
        assert_string_equal(json_string_value(json_object_get(u, "HostPort")), "");
        assert_true(cli_parse_publish("80/xyz", ex, b, NULL, NULL) < 0);
        assert_true(cli_parse_publish("a:b", ex, b, NULL, NULL) < 0);
        json_decref(ex);
        json_decref(b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_full_flag_set),
            cmocka_unit_test(test_minimal),
            cmocka_unit_test(test_combined_short_flags),
            cmocka_unit_test(test_ports_env_restart),
            cmocka_unit_test(test_interactive),
            cmocka_unit_test(test_entrypoint_empty_and_dashdash),
            cmocka_unit_test(test_args_after_image),
            cmocka_unit_test(test_env_lookup_and_file),
            cmocka_unit_test(test_usage_errors),
            cmocka_unit_test(test_run_flags),
            cmocka_unit_test(test_publish_forms),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
