/* state.json under --root and the derived container status (see state.h). */
#include "runtime/state.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/json.h"
#include "runtime/cgroup.h"

static const char *const status_names[] = {
    [RT_STATUS_CREATING] = "creating", [RT_STATUS_CREATED] = "created",
    [RT_STATUS_RUNNING] = "running",   [RT_STATUS_PAUSED] = "paused",
    [RT_STATUS_STOPPED] = "stopped",
};

const char *rt_status_name(RtStatus s)
{
        if ((unsigned)s >= ARRAY_SIZE(status_names))
                return "unknown";
        return status_names[s];
}

int rt_id_validate(const char *id, BerthError **err)
{
        size_t n = id ? strlen(id) : 0;
        if (n == 0)
                return error_set(err, EINVAL, "container id cannot be empty");
        if (n > 1024)
                return error_set(err, EINVAL, "invalid container id '%.32s...': too long", id);
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)id[i];
                bool ok = isalnum(c) || (i > 0 && (c == '_' || c == '.' || c == '-' || c == '+'));
                if (!ok)
                        return error_set(err, EINVAL,
                                         "invalid container id '%s': use letters, digits, '_', "
                                         "'.', '+' and '-', starting with a letter or digit",
                                         id);
        }
        return 0;
}

char *rt_state_dir(const char *root, const char *id)
{
        char *p = NULL;
        if (asprintf(&p, "%s/%s", root, id) < 0)
                return NULL;
        return p;
}

char *rt_state_file(const char *root, const char *id, const char *name)
{
        char *p = NULL;
        if (asprintf(&p, "%s/%s/%s", root, id, name) < 0)
                return NULL;
        return p;
}

int rt_parse_stat_start_time(const char *stat, uint64_t *ret)
{
        /* "pid (comm) state ppid ..." : comm may contain anything, so skip to
         * the last ')' and count fields from there: state is field 3. */
        const char *p = strrchr(stat, ')');
        if (!p)
                return -EINVAL;
        p++;
        for (int field = 2; field < 22; field++) {
                while (*p == ' ')
                        p++;
                if (!*p)
                        return -EINVAL;
                if (field == 21) {
                        char *end = NULL;
                        errno = 0;
                        unsigned long long v = strtoull(p, &end, 10);
                        if (errno || end == p || (*end && *end != ' ' && *end != '\n'))
                                return -EINVAL;
                        *ret = v;
                        return 0;
                }
                while (*p && *p != ' ')
                        p++;
        }
        return -EINVAL;
}

int rt_proc_start_time(pid_t pid, uint64_t *ret)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_free_ char *buf = NULL;
        int r = read_file(path, &buf, NULL, NULL);
        if (r < 0)
                return r;
        return rt_parse_stat_start_time(buf, ret);
}

bool rt_proc_alive(pid_t pid, uint64_t start_time)
{
        if (pid <= 0)
                return false;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_free_ char *buf = NULL;
        if (read_file(path, &buf, NULL, NULL) < 0)
                return false;
        uint64_t st = 0;
        if (rt_parse_stat_start_time(buf, &st) < 0 || st != start_time)
                return false;
        /* a zombie has exited: only its parent has not reaped it yet */
        const char *p = strrchr(buf, ')');
        return !(p && (p[2] == 'Z' || p[2] == 'X'));
}

void rt_now_rfc3339(char *buf, size_t len)
{
        struct timespec now;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        char ts[32];
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf, len, "%s.%09ldZ", ts, now.tv_nsec);
}

json_t *rt_state_to_json(const RtState *st)
{
        json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "ociVersion",
                              RT_OCI_VERSION, "id", st->id, "pid", (json_int_t)st->pid, "pid_start",
                              (json_int_t)st->pid_start, "bundle", st->bundle ? st->bundle : "",
                              "rootfs", st->rootfs ? st->rootfs : "", "created",
                              st->created ? st->created : "", "owner", st->owner ? st->owner : "",
                              "cgroup_path", st->cgroup_path ? st->cgroup_path : "");
        if (j && st->annotations)
                json_object_set(j, "annotations", st->annotations);
        return j;
}

static int dup_field(json_t *j, const char *key, bool required, char **ret, BerthError **err)
{
        const char *s = NULL;
        int r = json_get_string(j, "state.json", key, required, &s, err);
        if (r <= 0)
                return r;
        *ret = strdup(s);
        return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
}

int rt_state_from_json(json_t *j, RtState **ret, BerthError **err)
{
        _cleanup_state_ RtState *st = calloc(1, sizeof(*st));
        if (!st)
                return error_set(err, ENOMEM, "out of memory");
        int r;
        if ((r = dup_field(j, "id", true, &st->id, err)) < 0 ||
            (r = dup_field(j, "bundle", true, &st->bundle, err)) < 0 ||
            (r = dup_field(j, "rootfs", false, &st->rootfs, err)) < 0 ||
            (r = dup_field(j, "created", false, &st->created, err)) < 0 ||
            (r = dup_field(j, "owner", false, &st->owner, err)) < 0 ||
            (r = dup_field(j, "cgroup_path", false, &st->cgroup_path, err)) < 0)
                return r;
        int64_t pid = 0;
        uint64_t start = 0;
        if ((r = json_get_int64(j, "state.json", "pid", true, &pid, err)) < 0)
                return r;
        if (pid < 0 || pid > INT32_MAX)
                return error_set(err, EINVAL, "state.json: pid: out of range");
        st->pid = (pid_t)pid;
        if ((r = json_get_uint64(j, "state.json", "pid_start", false, UINT64_MAX, &start, err)) < 0)
                return r;
        st->pid_start = start;
        json_t *ann = NULL;
        if ((r = json_get_object(j, "state.json", "annotations", false, &ann, err)) < 0)
                return r;
        if (ann)
                st->annotations = json_incref(ann);
        st->status = RT_STATUS_STOPPED;
        *ret = TAKE_PTR(st);
        return 0;
}

json_t *rt_state_public_json(const RtState *st, bool with_runc_fields)
{
        bool dead = st->status == RT_STATUS_STOPPED;
        json_t *j =
            json_pack("{s:s, s:s, s:s, s:I, s:s}", "ociVersion", RT_OCI_VERSION, "id", st->id,
                      "status", rt_status_name(st->status), "pid", (json_int_t)(dead ? 0 : st->pid),
                      "bundle", st->bundle ? st->bundle : "");
        if (!j)
                return NULL;
        if (with_runc_fields) {
                json_object_set_new(j, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
                json_object_set_new(j, "created", json_string(st->created ? st->created : ""));
                json_object_set_new(j, "owner", json_string(st->owner ? st->owner : ""));
        }
        if (st->annotations && json_object_size(st->annotations) > 0)
                json_object_set(j, "annotations", st->annotations);
        return j;
}

int rt_state_save(const char *root, const RtState *st, BerthError **err)
{
        _cleanup_free_ char *path = rt_state_file(root, st->id, "state.json");
        json_t *j = rt_state_to_json(st);
        if (!path || !j) {
                json_decref(j);
                return error_set(err, ENOMEM, "out of memory");
        }
        _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        if (!text)
                return error_set(err, ENOMEM, "out of memory");
        return write_file_replace(path, text, strlen(text), 0600, err);
}

RtStatus rt_state_derive_status(const char *root, const RtState *st)
{
        if (!rt_proc_alive(st->pid, st->pid_start))
                return RT_STATUS_STOPPED;
        if (st->cgroup_path && *st->cgroup_path) {
                RtCgroup *cg = NULL;
                if (rt_cgroup_open(st->cgroup_path, &cg, NULL) >= 0) {
                        bool frozen = false;
                        int r = rt_cgroup_is_frozen(cg, &frozen, NULL);
                        rt_cgroup_free(cg);
                        if (r >= 0 && frozen)
                                return RT_STATUS_PAUSED;
                }
        }
        _cleanup_free_ char *fifo = rt_state_file(root, st->id, "exec.fifo");
        if (fifo && access(fifo, F_OK) == 0)
                return RT_STATUS_CREATED;
        return RT_STATUS_RUNNING;
}

int rt_state_load(const char *root, const char *id, RtState **ret, BerthError **err)
{
        int r = rt_id_validate(id, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *path = rt_state_file(root, id, "state.json");
        if (!path)
                return error_set(err, ENOMEM, "out of memory");
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        r = read_file(path, &text, &len, NULL);
        if (r == -ENOENT)
                return error_set(err, ENOENT, "container '%s' does not exist", id);
        if (r < 0)
                return error_set_errno(err, r, "read state of container '%s'", id);
        _cleanup_json_ json_t *j = NULL;
        if ((r = json_parse_buffer(text, len, path, &j, err)) < 0)
                return r;
        RtState *st = NULL;
        if ((r = rt_state_from_json(j, &st, err)) < 0)
                return r;
        st->status = rt_state_derive_status(root, st);
        *ret = st;
        return 0;
}

RtState *rt_state_free(RtState *st)
{
        if (!st)
                return NULL;
        free(st->id);
        free(st->bundle);
        free(st->rootfs);
        free(st->created);
        free(st->owner);
        free(st->cgroup_path);
        json_decref(st->annotations);
        free(st);
        return NULL;
}
