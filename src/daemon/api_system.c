/* /_ping, /version and the first, partial /info. */
#include "daemon/api_system.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "berth-config.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "daemon/api.h"
#include "daemon/sysinfo.h"
#include "git-commit.h"

/* berth has no BuildKit: "1" tells clients to use the classic builder. */
#define BUILDER_VERSION "1"

static int ping(ApiRequest *req, void *userdata, BerthError **err)
{
        bool head = STREQ(api_request_method(req), "HEAD");
        int r = 0;
        r = r ?: api_reply_header(req, "Builder-Version", BUILDER_VERSION);
        r = r ?: api_reply_header(req, "Swarm", "inactive");
        r = r ?: api_reply_header(req, "Cache-Control", "no-cache, no-store, must-revalidate");
        r = r ?: api_reply_header(req, "Pragma", "no-cache");
        r = r ?: api_reply_data(req, 200, "text/plain; charset=utf-8", "OK", head ? 0 : 2);
        if (r < 0)
                return error_set(err, r, "_ping: out of memory");
        return 0;
}

const char *api_system_build_time(void)
{
        static char out[48];
        static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        const char *date = __DATE__; /* "Nov 23 2026" */
        const char *p = strstr(months, (char[4]){date[0], date[1], date[2], 0});
        int month = p ? (int)(p - months) / 3 + 1 : 1;
        int day = atoi(date + 4);
        int year = atoi(date + 7);
        snprintf(out, sizeof(out), "%04d-%02d-%02dT%s.000000000+00:00", year, month, day, __TIME__);
        return out;
}

static int version(ApiRequest *req, void *userdata, BerthError **err)
{
        struct utsname u;
        if (uname(&u) < 0)
                return error_set_errno(err, errno, "version: uname");
        const char *arch = sysinfo_go_arch(u.machine);
        const char *built = api_system_build_time();
        json_t *details =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ApiVersion",
                      API_MAX_VERSION, "MinAPIVersion", API_MIN_VERSION, "GitCommit",
                      BERTH_GIT_COMMIT, "GoVersion", "n/a", "Os", "linux", "Arch", arch,
                      "KernelVersion", u.release, "BuildTime", built, "Experimental", "false");
        json_t *body =
            json_pack("{s:{s:s}, s:[{s:s, s:s, s:o}], s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                      "Platform", "Name", "Berth Engine", "Components", "Name", "Engine", "Version",
                      BERTH_VERSION, "Details", details, "Version", BERTH_VERSION, "ApiVersion",
                      API_MAX_VERSION, "MinAPIVersion", API_MIN_VERSION, "GitCommit",
                      BERTH_GIT_COMMIT, "GoVersion", "n/a", "Os", "linux", "Arch", arch,
                      "KernelVersion", u.release, "BuildTime", built);
        if (!body)
                return error_set(err, ENOMEM, "version: out of memory");
        int r = api_reply_json(req, 200, body);
        return r < 0 ? error_set(err, r, "version: out of memory") : 0;
}

static int count_fds(void)
{
        int n = 0;
        _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
        if (!d)
                return 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        return n > 0 ? n - 1 : 0; /* minus the one opendir holds */
}

static int info(ApiRequest *req, void *userdata, BerthError **err)
{
        const ApiSystemInfo *si = userdata;
        struct utsname u;
        if (uname(&u) < 0)
                return error_set_errno(err, errno, "info: uname");
        char host[256] = "";
        gethostname(host, sizeof(host) - 1);
        _cleanup_free_ char *os = NULL, *os_version = NULL;
        if (sysinfo_os_release("/etc/os-release", &os, &os_version, NULL) < 0 &&
            sysinfo_os_release("/usr/lib/os-release", &os, &os_version, NULL) < 0) {
                os = strdup("Linux");
                os_version = strdup("");
                if (!os || !os_version)
                        return error_set(err, ENOMEM, "info: out of memory");
        }
        char now[64];
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        size_t n = strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(now + n, sizeof(now) - n, ".%09ldZ", ts.tv_nsec);

        /* Partial: the fields berth can already answer truthfully. Container
         * and image counts are 0 until the state store exists. */
        json_t *body = json_pack(
            "{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:[], s:b, s:i, s:s, s:s, s:s, s:s,"
            " s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:s, s:s, s:[], s:b, s:{s:s, s:s, s:s, s:b},"
            " s:{s:[], s:[], s:n, s:[]}, s:b, s:[]}",
            "ID", si->engine_id, "Name", host, "Containers", 0, "ContainersRunning", 0,
            "ContainersPaused", 0, "ContainersStopped", 0, "Images", 0, "Driver",
            si->storage_driver, "DriverStatus", "Debug", si->debug, "NFd", count_fds(),
            "SystemTime", now, "LoggingDriver", "json-file", "CgroupDriver", "cgroupfs",
            "CgroupVersion", sysinfo_cgroup_version(), "KernelVersion", u.release,
            "OperatingSystem", os, "OSVersion", os_version, "OSType", "linux", "Architecture",
            u.machine, "NCPU", sysinfo_ncpu(), "MemTotal", (json_int_t)sysinfo_mem_total(),
            "DockerRootDir", si->data_root, "ServerVersion", BERTH_VERSION, "Labels",
            "ExperimentalBuild", false, "Swarm", "NodeID", "", "NodeAddr", "", "LocalNodeState",
            "inactive", "ControlAvailable", false, "Plugins", "Volume", "Network", "Authorization",
            "Log", "LiveRestoreEnabled", false, "Warnings");
        if (!body)
                return error_set(err, ENOMEM, "info: out of memory");
        int r = api_reply_json(req, 200, body);
        return r < 0 ? error_set(err, r, "info: out of memory") : 0;
}

int api_system_register(ApiRouter *r, const ApiSystemInfo *si)
{
        int ret = 0;
        ret = ret ?: api_router_add(r, "GET", "/_ping", ping, NULL, API_ROUTE_NO_BODY, 0);
        ret = ret ?: api_router_add(r, "HEAD", "/_ping", ping, NULL, API_ROUTE_NO_BODY, 0);
        ret = ret ?: api_router_add(r, "GET", "/version", version, NULL, API_ROUTE_NO_BODY, 0);
        ret = ret ?: api_router_add(r, "GET", "/info", info, (void *)si, API_ROUTE_NO_BODY, 0);
        return ret;
}
