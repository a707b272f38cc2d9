/* Where a container's cgroup lives: cgroupsPath absolute, relative to the
 * runtime's own cgroup, or systemd-style "slice:prefix:name". The systemd
 * form is mapped to the path systemd would use (/slice/prefix-name.scope)
 * and the directories are created directly: nothing is asked of systemd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "runtime/cgroup_internal.h"

/* ".." is refused so that a path cannot climb out of the hierarchy. */
int rt_cg_normalize(const char *in, char **ret, BerthError **err)
{
        if (!in || in[0] != '/')
                return error_set(err, EINVAL, "cgroup: path '%s' is not absolute", in ? in : "");
        size_t len = strlen(in);
        char *out = malloc(len + 2);
        if (!out)
                return error_set(err, ENOMEM, "out of memory");
        size_t w = 0;
        for (const char *p = in; *p;) {
                while (*p == '/')
                        p++;
                const char *e = strchrnul(p, '/');
                size_t n = (size_t)(e - p);
                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        free(out);
                        return error_set(err, EINVAL, "cgroup: path '%s' contains '..'", in);
                }
                if (n > 0 && !(n == 1 && p[0] == '.')) {
                        out[w++] = '/';
                        memcpy(out + w, p, n);
                        w += n;
                }
                p = e;
        }
        if (w == 0)
                out[w++] = '/';
        out[w] = '\0';
        *ret = out;
        return 0;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice", "-.slice" -> "" */
static int expand_slice(const char *slice, char **ret, BerthError **err)
{
        size_t len = strlen(slice);
        if (len < 6 || strcmp(slice + len - 6, ".slice") != 0 || strchr(slice, '/'))
                return error_set(err, EINVAL, "cgroup: '%s' is not a systemd slice name", slice);
        if (STREQ(slice, "-.slice")) {
                *ret = strdup("");
                return *ret ? 0 : error_set(err, ENOMEM, "out of memory");
        }
        size_t base = len - 6;
        if (slice[0] == '-' || slice[base - 1] == '-' || strstr(slice, "--"))
                return error_set(err, EINVAL, "cgroup: '%s' is not a valid systemd slice name",
                                 slice);
        /* each '-' adds one level: at most len levels of at most len + 7 bytes */
        char *out = malloc((len + 8) * (len + 1) + 1);
        if (!out)
                return error_set(err, ENOMEM, "out of memory");
        size_t w = 0;
        for (size_t i = 0; i <= base; i++) {
                if (i == base || slice[i] == '-') {
                        w += (size_t)sprintf(out + w, "/%.*s.slice", (int)i, slice);
                }
        }
        out[w] = '\0';
        *ret = out;
        return 0;
}

static int systemd_path(const char *spec, char **ret, BerthError **err)
{
        const char *c1 = strchr(spec, ':');
        const char *c2 = strchr(c1 + 1, ':');
        _cleanup_free_ char *slice = strndup(spec, (size_t)(c1 - spec));
        _cleanup_free_ char *prefix = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
        const char *name = c2 + 1;
        if (!slice || !prefix)
                return error_set(err, ENOMEM, "out of memory");
        if (!*name)
                return error_set(err, EINVAL, "cgroup: cgroupsPath '%s' has no unit name", spec);
        _cleanup_free_ char *dir = NULL;
        int r = expand_slice(*slice ? slice : "system.slice", &dir, err);
        if (r < 0)
                return error_prefix(err, "cgroupsPath '%s'", spec);
        char *out = NULL;
        if (asprintf(&out, "%s/%s%s%s.scope", dir, prefix, *prefix ? "-" : "", name) < 0)
                return error_set(err, ENOMEM, "out of memory");
        r = rt_cg_normalize(out, ret, err);
        free(out);
        return r;
}

/* The runtime's own cgroup: the unified entry of /proc/self/cgroup in
 * unified mode; on v1 the name=systemd entry (where the service manager
 * placed us), else the first controller entry. */
static int own_cgroup(char **ret, BerthError **err)
{
        RtCgroupMode mode;
        RtCgHier *h = NULL;
        size_t n = 0;
        int r = rt_cg_discover(&mode, &h, &n, err);
        if (r < 0)
                return r;
        RtCgroup tmp = {.mode = mode, .h = h, .n = n};
        const char *file = rt_cg_self_cgroup_file();
        _cleanup_fclose_ FILE *f = fopen(file, "re");
        if (!f) {
                rt_cg_hiers_free(h, n);
                return error_set_errno(err, errno, "cgroup: open %s", file);
        }
        _cleanup_free_ char *line = NULL, *best = NULL, *best_ctl = NULL;
        int best_rank = 0;
        size_t cap = 0;
        ssize_t len;
        while ((len = getline(&line, &cap, f)) > 0) {
                if (line[len - 1] == '\n')
                        line[len - 1] = '\0';
                char *c1 = strchr(line, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = '\0';
                const char *ctl = c1 + 1, *p = c2 + 1;
                int rank;
                if (mode == RT_CGROUP_UNIFIED)
                        rank = !*ctl ? 3 : 0;
                else if (STREQ(ctl, "name=systemd"))
                        rank = 3;
                else if (*ctl)
                        rank = 2;
                else
                        rank = 1;
                if (rank > best_rank) {
                        free(best);
                        free(best_ctl);
                        best = strdup(p);
                        best_ctl = strdup(ctl);
                        best_rank = rank;
                        if (!best || !best_ctl) {
                                rt_cg_hiers_free(h, n);
                                return error_set(err, ENOMEM, "out of memory");
                        }
                }
        }
        if (!best) {
                rt_cg_hiers_free(h, n);
                return error_set(err, ENOENT, "cgroup: %s names no cgroup of this process", file);
        }
        /* paths there are relative to the hierarchy root; ours are relative
         * to the mounted directory of it */
        const char *lookup = *best_ctl ? strtok(best_ctl, ",") : NULL;
        const RtCgHier *hh = mode == RT_CGROUP_UNIFIED ? &h[0]
                             : lookup                  ? rt_cg_hier_for(&tmp, lookup)
                                                       : rt_cg_hier_hybrid(&tmp);
        const char *p = best;
        if (hh && !STREQ(hh->mount_root, "/")) {
                size_t ml = strlen(hh->mount_root);
                if (strncmp(p, hh->mount_root, ml) == 0 && (p[ml] == '/' || p[ml] == '\0'))
                        p += ml;
        }
        r = rt_cg_normalize(*p ? p : "/", ret, err);
        rt_cg_hiers_free(h, n);
        return r;
}

int rt_cgroup_path_for(const char *cgroups_path, const char *id, char **ret, BerthError **err)
{
        if (!cgroups_path || !*cgroups_path) {
                if (!id || !*id || strchr(id, '/') || STREQ(id, ".") || STREQ(id, ".."))
                        return error_set(err, EINVAL, "cgroup: invalid container id '%s'",
                                         id ? id : "");
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "/berth/%s", id) < 0)
                        return error_set(err, ENOMEM, "out of memory");
                return rt_cg_normalize(p, ret, err);
        }
        if (cgroups_path[0] == '/')
                return rt_cg_normalize(cgroups_path, ret, err);
        const char *c1 = strchr(cgroups_path, ':');
        const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 && !strchr(c2 + 1, ':') && !strchr(cgroups_path, '/'))
                return systemd_path(cgroups_path, ret, err);
        _cleanup_free_ char *base = NULL, *joined = NULL;
        int r = own_cgroup(&base, err);
        if (r < 0)
                return r;
        if (asprintf(&joined, "%s/%s", base, cgroups_path) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return rt_cg_normalize(joined, ret, err);
}
