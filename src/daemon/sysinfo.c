/* Host facts for /version and /info. */
#include "daemon/sysinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"

/* An os-release value: optionally quoted, with shell-style escapes. */
static char *unquote(const char *v)
{
        size_t n = strcspn(v, "\n");
        char *out = malloc(n + 1);
        if (!out)
                return NULL;
        char quote = 0;
        if (n > 0 && (v[0] == '"' || v[0] == '\'')) {
                quote = v[0];
                v++;
                n--;
        }
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                if (quote && v[i] == quote)
                        break;
                if (quote == '"' && v[i] == '\\' && i + 1 < n)
                        i++;
                out[o++] = v[i];
        }
        out[o] = '\0';
        return out;
}

int sysinfo_os_release(const char *path, char **ret_name, char **ret_version, BerthError **err)
{
        _cleanup_free_ char *buf = NULL;
        int r = read_file(path, &buf, NULL, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *pretty = NULL, *name = NULL, *version = NULL;
        for (char *line = buf; line && *line;) {
                char *next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                char **slot = NULL;
                const char *val = NULL;
                if (strncmp(line, "PRETTY_NAME=", 12) == 0)
                        slot = &pretty, val = line + 12;
                else if (strncmp(line, "NAME=", 5) == 0)
                        slot = &name, val = line + 5;
                else if (strncmp(line, "VERSION_ID=", 11) == 0)
                        slot = &version, val = line + 11;
                if (slot) {
                        free(*slot);
                        *slot = unquote(val);
                        if (!*slot)
                                return error_set(err, ENOMEM, "'%s': out of memory", path);
                }
                line = next;
        }
        char *n = pretty && *pretty ? TAKE_PTR(pretty)
                  : name && *name   ? TAKE_PTR(name)
                                    : strdup("Linux");
        char *v = version ? TAKE_PTR(version) : strdup("");
        if (!n || !v) {
                free(n);
                free(v);
                return error_set(err, ENOMEM, "'%s': out of memory", path);
        }
        *ret_name = n;
        *ret_version = v;
        return 0;
}

const char *sysinfo_go_arch(const char *machine)
{
        static const struct {
                const char *uname, *go;
        } map[] = {
            {"x86_64", "amd64"},    {"amd64", "amd64"}, {"aarch64", "arm64"},   {"arm64", "arm64"},
            {"armv7l", "arm"},      {"armv6l", "arm"},  {"i386", "386"},        {"i686", "386"},
            {"ppc64le", "ppc64le"}, {"s390x", "s390x"}, {"riscv64", "riscv64"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                if (STREQ(map[i].uname, machine))
                        return map[i].go;
        return machine;
}

int sysinfo_ncpu(void)
{
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof(set), &set) == 0)
                return CPU_COUNT(&set);
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n > 0 ? (int)n : 1;
}

int64_t sysinfo_mem_total(void)
{
        struct sysinfo si;
        if (sysinfo(&si) < 0)
                return 0;
        return (int64_t)si.totalram * si.mem_unit;
}

static bool valid_uuid(const char *s)
{
        if (strlen(s) != 36)
                return false;
        for (size_t i = 0; i < 36; i++) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
                        return false;
        }
        return true;
}

int sysinfo_engine_id(const char *data_root, char **ret, BerthError **err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/engine-id", data_root) < 0)
                return error_set(err, ENOMEM, "engine id: out of memory");
        _cleanup_free_ char *buf = NULL;
        if (read_file(path, &buf, NULL, NULL) == 0) {
                buf[strcspn(buf, "\n")] = '\0';
                if (valid_uuid(buf)) {
                        *ret = TAKE_PTR(buf);
                        return 0;
                }
        }
        /* A random (version 4) UUID, as dockerd has used since 23.0. */
        uint8_t b[16];
        if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
                return error_set_errno(err, errno, "engine id: getrandom");
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        char id[37];
        snprintf(id, sizeof(id),
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                 b[15]);
        char line[38];
        snprintf(line, sizeof(line), "%s\n", id);
        int r = write_file_atomic(path, line, strlen(line), 0600, err);
        if (r < 0)
                return error_prefix(err, "engine id");
        *ret = strdup(id);
        return *ret ? 0 : error_set(err, ENOMEM, "engine id: out of memory");
}

const char *sysinfo_cgroup_version(void)
{
        return access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "2" : "1";
}
