/* User and groups of the container's process, resolved against the
 * rootfs's /etc/passwd and /etc/group the way moby/sys/user's GetExecUser
 * and GetAdditionalGroups do. The files are opened inside the rootfs with
 * safepath, so a symlinked /etc/passwd cannot point outside it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/safepath.h"
#include "daemon/specgen_internal.h"

#define MAX_ID 2147483647LL

typedef struct PwEnt {
        char *name;
        long long uid;
        long long gid;
} PwEnt;

typedef struct GrEnt {
        char *name;
        long long gid;
        char **members; /* NULL-terminated */
} GrEnt;

/* Go's strconv.Atoi on the whole string: 1 = number, 0 = not a number,
 * -ERANGE = out of range for an id. */
static int parse_numeric(const char *s, long long *ret)
{
        *ret = 0;
        if (!s || !*s)
                return 0;
        const char *p = s;
        if (*p == '+' || *p == '-')
                p++;
        if (!*p)
                return 0;
        for (const char *q = p; *q; q++)
                if (*q < '0' || *q > '9')
                        return 0;
        errno = 0;
        long long v = strtoll(s, NULL, 10);
        if (errno == ERANGE || v < 0 || v > MAX_ID)
                return -ERANGE;
        *ret = v;
        return 1;
}

static long long atoi_or_zero(const char *s)
{
        long long v;
        return parse_numeric(s, &v) == 1 ? v : 0;
}

/* Reads a file of the rootfs; *ret = NULL when it does not exist. */
static int read_root_file(const char *rootfs, const char *path, char **ret)
{
        *ret = NULL;
        if (!rootfs)
                return 0;
        _cleanup_close_ int root = open(rootfs, O_DIRECTORY | O_PATH | O_CLOEXEC);
        if (root < 0)
                return 0;
        _cleanup_close_ int fd = safe_openat_in_root(root, path, O_RDONLY, 0, NULL);
        if (fd < 0)
                return 0;
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len + 1 >= cap) {
                        if (cap > 64u * 1024 * 1024)
                                return -EFBIG;
                        cap *= 2;
                        char *n = realloc(buf, cap);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                }
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Splits a line on ':' into at most n fields (missing ones are ""). */
static void split_fields(char *line, char **f, size_t n)
{
        for (size_t i = 0; i < n; i++)
                f[i] = (char *)"";
        for (size_t i = 0; i < n && line; i++) {
                f[i] = line;
                char *c = strchr(line, ':');
                if (c)
                        *c++ = '\0';
                line = c;
        }
}

static char *trim(char *s)
{
        while (*s == ' ' || *s == '\t' || *s == '\r')
                s++;
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                s[--n] = '\0';
        return s;
}

/* Each callback returns true to keep the entry; parsing stops at nothing. */
static size_t parse_passwd(char *buf, PwEnt *out, size_t max)
{
        size_t n = 0;
        for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line && n < max;
             line = strtok_r(NULL, "\n", &save)) {
                line = trim(line);
                if (!*line || line[0] == '#')
                        continue;
                char *f[7];
                split_fields(line, f, 7);
                out[n].name = f[0];
                out[n].uid = atoi_or_zero(f[2]);
                out[n].gid = atoi_or_zero(f[3]);
                n++;
        }
        return n;
}

static void free_groups(GrEnt *g, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(g[i].members);
        free(g);
}

static size_t parse_group(char *buf, GrEnt **ret)
{
        size_t n = 0, cap = 0;
        GrEnt *g = NULL;
        for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                line = trim(line);
                if (!*line || line[0] == '#')
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : 32;
                        GrEnt *ng = realloc(g, cap * sizeof(*g));
                        if (!ng)
                                break;
                        g = ng;
                }
                char *f[4];
                split_fields(line, f, 4);
                g[n].name = f[0];
                g[n].gid = atoi_or_zero(f[2]);
                size_t m = 1;
                for (char *c = f[3]; *c; c++)
                        m += *c == ',';
                g[n].members = calloc(m + 1, sizeof(char *));
                size_t k = 0;
                if (g[n].members && *f[3])
                        for (char *s2 = NULL, *u = strtok_r(f[3], ",", &s2); u && k < m;
                             u = strtok_r(NULL, ",", &s2))
                                g[n].members[k++] = u;
                n++;
        }
        *ret = g;
        return n;
}

static int gids_add(long long **v, size_t *n, long long gid)
{
        for (size_t i = 0; i < *n; i++)
                if ((*v)[i] == gid)
                        return 0;
        long long *nv = realloc(*v, (*n + 1) * sizeof(**v));
        if (!nv)
                return -ENOMEM;
        nv[(*n)++] = gid;
        *v = nv;
        return 0;
}

int sg_resolve_user(const char *rootfs, const char *userspec, json_t *group_add, json_t **ret,
                    BerthError **err)
{
        *ret = NULL;
        _cleanup_free_ char *spec = strdup(userspec ? userspec : "");
        _cleanup_free_ char *pwbuf = NULL, *grbuf = NULL;
        if (!spec)
                return error_set(err, ENOMEM, "out of memory");
        int r = read_root_file(rootfs, "/etc/passwd", &pwbuf);
        if (r < 0)
                return error_set_errno(err, r, "read /etc/passwd of the container");
        r = read_root_file(rootfs, "/etc/group", &grbuf);
        if (r < 0)
                return error_set_errno(err, r, "read /etc/group of the container");

        char *f[2];
        split_fields(spec, f, 2);
        const char *user_arg = f[0], *group_arg = f[1];
        long long uid_arg, gid_arg;
        int is_uid = parse_numeric(user_arg, &uid_arg);
        int is_gid = parse_numeric(group_arg, &gid_arg);
        if (is_uid < 0 || is_gid < 0)
                return error_set(err, EINVAL, "uids and gids must be in range 0-%lld", MAX_ID);

        long long uid = 0, gid = 0;
        long long *gids = NULL;
        size_t n_gids = 0;
        _cleanup_free_ long long *gids_owner = NULL;

        size_t n_pw = 0;
        _cleanup_free_ PwEnt *pw = NULL;
        if (pwbuf) {
                size_t lines = 1;
                for (char *c = pwbuf; *c; c++)
                        lines += *c == '\n';
                pw = calloc(lines, sizeof(*pw));
                if (!pw)
                        return error_set(err, ENOMEM, "out of memory");
                n_pw = parse_passwd(pwbuf, pw, lines);
        }
        const char *matched = NULL;
        for (size_t i = 0; i < n_pw; i++) {
                bool m;
                if (!*user_arg)
                        m = pw[i].uid == 0;
                else if (is_uid)
                        m = pw[i].uid == uid_arg;
                else
                        m = STREQ(pw[i].name, user_arg);
                if (m) {
                        matched = pw[i].name;
                        uid = pw[i].uid;
                        gid = pw[i].gid;
                        break;
                }
        }
        if (!matched && *user_arg) {
                if (!is_uid)
                        return error_set(err, EINVAL,
                                         "unable to find user %s: no matching entries in passwd "
                                         "file",
                                         user_arg);
                uid = uid_arg;
        }

        GrEnt *gr = NULL;
        size_t n_gr = grbuf ? parse_group(grbuf, &gr) : 0;
        if (*group_arg || matched) {
                bool found = false;
                for (size_t i = 0; i < n_gr; i++) {
                        bool m = false;
                        if (!*group_arg) {
                                for (char **u = gr[i].members; u && *u; u++)
                                        if (STREQ(*u, matched))
                                                m = true;
                        } else if (is_gid)
                                m = gr[i].gid == gid_arg;
                        else
                                m = STREQ(gr[i].name, group_arg);
                        if (!m)
                                continue;
                        if (*group_arg) {
                                if (!found)
                                        gid = gr[i].gid;
                                found = true;
                                break;
                        }
                        if (gids_add(&gids, &n_gids, gr[i].gid) < 0) {
                                free_groups(gr, n_gr);
                                return error_set(err, ENOMEM, "out of memory");
                        }
                }
                if (*group_arg && !found) {
                        if (!is_gid) {
                                free_groups(gr, n_gr);
                                free(gids);
                                return error_set(err, EINVAL,
                                                 "unable to find group %s: no matching entries in "
                                                 "group file",
                                                 group_arg);
                        }
                        gid = gid_arg;
                }
        }
        gids_owner = gids;

        /* additionalGids: the primary gid, the user's groups, GroupAdd. */
        _cleanup_free_ long long *all = NULL;
        size_t n_all = 0;
        int e = gids_add(&all, &n_all, gid);
        for (size_t i = 0; e == 0 && i < n_gids; i++)
                e = gids_add(&all, &n_all, gids[i]);
        size_t i;
        json_t *v;
        json_array_foreach(group_add, i, v)
        {
                if (e < 0)
                        break;
                const char *g = json_string_value(v);
                if (!g) {
                        free_groups(gr, n_gr);
                        return error_set(err, EINVAL, "GroupAdd: expected strings");
                }
                long long num;
                int isnum = parse_numeric(g, &num);
                if (isnum < 0) {
                        free_groups(gr, n_gr);
                        return error_set(err, EINVAL, "uids and gids must be in range 0-%lld",
                                         MAX_ID);
                }
                bool found = false;
                for (size_t k = 0; k < n_gr && !found; k++) {
                        if (isnum ? gr[k].gid == num : STREQ(gr[k].name, g)) {
                                e = gids_add(&all, &n_all, gr[k].gid);
                                found = true;
                        }
                }
                if (!found) {
                        if (!isnum) {
                                free_groups(gr, n_gr);
                                return error_set(err, EINVAL,
                                                 "unable to find group %s: no matching entries in "
                                                 "group file",
                                                 g);
                        }
                        e = gids_add(&all, &n_all, num);
                }
        }
        free_groups(gr, n_gr);
        if (e < 0)
                return error_set(err, ENOMEM, "out of memory");

        json_t *u = json_object();
        json_object_set_new(u, "uid", json_integer(uid));
        json_object_set_new(u, "gid", json_integer(gid));
        json_t *ag = json_array();
        for (size_t k = 0; k < n_all; k++)
                json_array_append_new(ag, json_integer(all[k]));
        json_object_set_new(u, "additionalGids", ag);
        *ret = u;
        return 0;
}
