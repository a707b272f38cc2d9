/* User and group names of `exec --user NAME[:GROUP]`, looked up in the
 * container's own /etc/passwd and /etc/group (opened inside its root, never
 * by a host path string), the way docker resolves them. */
#include "runtime/passwd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/safepath.h"
#include "common/strv.h"

/* A database above this size is not a real one. */
#define DB_MAX (4 * 1024 * 1024)

static int parse_id(const char *s, uint32_t *ret)
{
        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end || v > UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t)v;
        return 0;
}

/* Splits line (modified) into at most max ':'-separated fields; returns how
 * many. */
static size_t split_fields(char *line, char **f, size_t max)
{
        size_t n = 0;
        f[n++] = line;
        for (char *p = line; *p && n < max; p++)
                if (*p == ':') {
                        *p = '\0';
                        f[n++] = p + 1;
                }
        return n;
}

/* Calls fn on every line (a NUL-terminated copy) until it returns non-zero. */
static int each_line(const char *text, int (*fn)(char *line, void *arg), void *arg)
{
        const char *p = text;
        while (p && *p) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);
                _cleanup_free_ char *line = strndup(p, len);
                if (!line)
                        return -ENOMEM;
                if (len && line[len - 1] == '\r')
                        line[len - 1] = '\0';
                if (*line && *line != '#') {
                        int r = fn(line, arg);
                        if (r != 0)
                                return r;
                }
                p = nl ? nl + 1 : NULL;
        }
        return 0;
}

/* The line of name in an /etc/passwd or /etc/group text; its ids are the
 * n numeric fields from the third on (uid and gid, or gid). */
typedef struct IdFind {
        const char *name;
        size_t n;
        uint32_t ids[2];
} IdFind;

static int id_line(char *line, void *arg)
{
        IdFind *q = arg;
        char *f[7];
        if (split_fields(line, f, 7) < 2 + q->n || !STREQ(f[0], q->name))
                return 0;
        for (size_t i = 0; i < q->n; i++)
                if (parse_id(f[2 + i], &q->ids[i]) < 0)
                        return -EINVAL;
        return 1;
}

static int find_ids(const char *text, const char *name, size_t n, uint32_t *ret)
{
        IdFind q = {.name = name, .n = n};
        int r = each_line(text, id_line, &q);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        memcpy(ret, q.ids, n * sizeof(*ret));
        return 0;
}

int rt_passwd_find(const char *text, const char *name, uint32_t *ret_uid, uint32_t *ret_gid)
{
        uint32_t ids[2];
        int r = find_ids(text, name, 2, ids);
        if (r < 0)
                return r;
        *ret_uid = ids[0];
        *ret_gid = ids[1];
        return 0;
}

int rt_group_find(const char *text, const char *name, uint32_t *ret_gid)
{
        return find_ids(text, name, 1, ret_gid);
}

typedef struct GrMembers {
        const char *user;
        uint32_t *gids;
        size_t n;
} GrMembers;

static int member_line(char *line, void *arg)
{
        GrMembers *q = arg;
        char *f[4];
        uint32_t gid;
        if (split_fields(line, f, 4) < 4 || parse_id(f[2], &gid) < 0)
                return 0;
        char *save = NULL;
        for (char *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save)) {
                if (!STREQ(m, q->user))
                        continue;
                for (size_t i = 0; i < q->n; i++)
                        if (q->gids[i] == gid)
                                return 0;
                uint32_t *g = reallocarray(q->gids, q->n + 1, sizeof(*g));
                if (!g)
                        return -ENOMEM;
                q->gids = g;
                q->gids[q->n++] = gid;
                return 0;
        }
        return 0;
}

int rt_group_members(const char *text, const char *user, uint32_t **ret, size_t *ret_n)
{
        GrMembers q = {.user = user};
        int r = each_line(text, member_line, &q);
        if (r < 0) {
                free(q.gids);
                return r;
        }
        *ret = q.gids;
        *ret_n = q.n;
        return 0;
}

/* The text of a file inside the root; NULL text (and 0) when it is absent. */
static int read_in_root(int rootfd, const char *path, char **ret, BerthError **err)
{
        *ret = NULL;
        /* non-blocking: a fifo planted there must not hang us */
        _cleanup_close_ int fd = safe_openat_in_root(rootfd, path, O_RDONLY | O_NONBLOCK, 0, NULL);
        if (fd < 0)
                return fd == -ENOENT ? 0
                                     : error_set_errno(err, fd, "open %s in the container", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, errno, "stat %s in the container", path);
        if (!S_ISREG(st.st_mode))
                return error_set(err, EINVAL, "%s in the container is not a regular file", path);
        _cleanup_free_ char *buf = malloc(DB_MAX + 1);
        if (!buf)
                return error_set(err, ENOMEM, "out of memory");
        ssize_t n = read_all_fd(fd, buf, DB_MAX + 1);
        if (n < 0)
                return error_set_errno(err, (int)n, "read %s in the container", path);
        if (n > DB_MAX)
                return error_set(err, EFBIG, "%s in the container is too large", path);
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

int rt_user_resolve(int rootfd, const char *spec, RtUserIds *ret, BerthError **err)
{
        _cleanup_free_ char *copy = strdup(spec);
        if (!copy)
                return error_set(err, ENOMEM, "out of memory");
        char *user = copy;
        char *group = strchr(copy, ':');
        if (group)
                *group++ = '\0';
        if (!*user || (group && !*group))
                return error_set(err, EINVAL, "--user '%s': expected user[:group]", spec);
        RtUserIds ids = {0};
        _cleanup_free_ char *passwd = NULL;
        _cleanup_free_ char *groups = NULL;
        int r;
        bool user_is_name = parse_id(user, &ids.uid) < 0;
        bool group_is_name = group && parse_id(group, &ids.gid) < 0;
        if (user_is_name && (r = read_in_root(rootfd, "/etc/passwd", &passwd, err)) < 0)
                return r;
        if ((group_is_name || user_is_name) &&
            (r = read_in_root(rootfd, "/etc/group", &groups, err)) < 0)
                return r;
        if (user_is_name) {
                uint32_t gid = 0;
                r = passwd ? rt_passwd_find(passwd, user, &ids.uid, &gid) : -ENOENT;
                if (r == -ENOENT)
                        return error_set(err, ENOENT,
                                         "--user '%s': no user '%s' in the container's /etc/passwd",
                                         spec, user);
                if (r < 0)
                        return error_set_errno(err, r, "--user '%s': read /etc/passwd", spec);
                if (!group)
                        ids.gid = gid;
                if (groups && (r = rt_group_members(groups, user, &ids.additional_gids,
                                                    &ids.n_additional_gids)) < 0)
                        return error_set_errno(err, r, "--user '%s': read /etc/group", spec);
        }
        if (group_is_name) {
                r = groups ? rt_group_find(groups, group, &ids.gid) : -ENOENT;
                if (r < 0) {
                        rt_user_ids_done(&ids);
                        if (r == -ENOENT)
                                return error_set(
                                    err, ENOENT,
                                    "--user '%s': no group '%s' in the container's /etc/group",
                                    spec, group);
                        return error_set_errno(err, r, "--user '%s': read /etc/group", spec);
                }
        }
        *ret = ids;
        return 0;
}

void rt_user_ids_done(RtUserIds *ids)
{
        free(ids->additional_gids);
        ids->additional_gids = NULL;
        ids->n_additional_gids = 0;
}
