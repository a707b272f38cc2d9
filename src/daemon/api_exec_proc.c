/* The OCI process of an exec, users resolved inside the container's root
 * filesystem, and detach keys. */
#include "daemon/api_exec_proc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/safepath.h"
#include "common/strv.h"
#include "runtime/caps.h"

/* ---- /etc/passwd and /etc/group ---- */

static int parse_id(const char *s, uint32_t *ret)
{
        if (!*s)
                return -EINVAL;
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end || v > UINT32_MAX || !isdigit((unsigned char)*s))
                return -EINVAL;
        *ret = (uint32_t)v;
        return 0;
}

/* Reads rootfs/<path> (missing → empty). */
static int read_in_root(const char *rootfs, const char *path, char **ret, BerthError **err)
{
        _cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return error_set_errno(err, errno, "open the container's root '%s'", rootfs);
        _cleanup_close_ int fd = safe_openat_in_root(root, path, O_RDONLY, 0, NULL);
        if (fd < 0) {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        _cleanup_fclose_ FILE *f = fdopen(fd, "r");
        if (!f)
                return error_set_errno(err, errno, "read %s", path);
        fd = -1;
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (!m)
                return -ENOMEM;
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && len < ((size_t)16 << 20))
                fwrite(chunk, 1, n, m);
        fclose(m);
        *ret = buf;
        return 0;
}

/* Splits a colon-separated line into at most max fields (in place). */
static size_t fields(char *line, char **f, size_t max)
{
        size_t n = 0;
        char *p = line;
        while (n < max) {
                f[n++] = p;
                char *c = strchr(p, ':');
                if (!c)
                        break;
                *c = '\0';
                p = c + 1;
        }
        return n;
}

typedef struct PwEntry {
        bool found;
        char name[256];
        uint32_t uid, gid;
} PwEntry;

/* The passwd entry named key, or with uid key when numeric and no name
 * matches (names win, as in libcontainer). */
static void find_passwd(char *text, const char *key, PwEntry *ret)
{
        uint32_t num = 0;
        bool numeric = parse_id(key, &num) == 0;
        PwEntry by_id = {0};
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[7];
                if (line[0] == '#' || fields(line, f, 7) < 4)
                        continue;
                uint32_t uid, gid;
                if (parse_id(f[2], &uid) < 0 || parse_id(f[3], &gid) < 0)
                        continue;
                if (STREQ(f[0], key)) {
                        ret->found = true;
                        snprintf(ret->name, sizeof(ret->name), "%s", f[0]);
                        ret->uid = uid;
                        ret->gid = gid;
                        return;
                }
                if (numeric && uid == num && !by_id.found) {
                        by_id.found = true;
                        snprintf(by_id.name, sizeof(by_id.name), "%s", f[0]);
                        by_id.uid = uid;
                        by_id.gid = gid;
                }
        }
        *ret = by_id;
}

static bool member_of(char *members, const char *name)
{
        char *save = NULL;
        for (char *m = strtok_r(members, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
                while (*m == ' ')
                        m++;
                if (STREQ(m, name))
                        return true;
        }
        return false;
}

/* Looks up group (name or number) and collects the groups user_name is a
 * member of. */
static int scan_groups(char *text, const char *group, bool *ret_found, uint32_t *ret_gid,
                       const char *user_name, uint32_t **gids, size_t *n_gids)
{
        uint32_t num = 0;
        bool numeric = group && parse_id(group, &num) == 0;
        bool by_name = false, by_num = false;
        uint32_t gid_name = 0;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[4];
                if (line[0] == '#' || fields(line, f, 4) < 3)
                        continue;
                uint32_t gid;
                if (parse_id(f[2], &gid) < 0)
                        continue;
                if (group && !by_name && STREQ(f[0], group)) {
                        by_name = true;
                        gid_name = gid;
                }
                if (numeric && gid == num)
                        by_num = true;
                if (gids && user_name && *user_name && f[3] && member_of(f[3], user_name)) {
                        uint32_t *g = reallocarray(*gids, *n_gids + 1, sizeof(*g));
                        if (!g)
                                return -ENOMEM;
                        *gids = g;
                        g[(*n_gids)++] = gid;
                }
        }
        *ret_found = by_name || by_num;
        *ret_gid = by_name ? gid_name : num;
        return 0;
}

int api_exec_resolve_user(const char *rootfs, const char *user, uint32_t *ret_uid,
                          uint32_t *ret_gid, uint32_t **ret_gids, size_t *ret_n_gids,
                          BerthError **err)
{
        _cleanup_free_ char *u = strdup(user);
        if (!u)
                return error_set(err, ENOMEM, "out of memory");
        char *group = strchr(u, ':');
        if (group)
                *group++ = '\0';
        _cleanup_free_ char *passwd = NULL, *groups = NULL;
        int r = read_in_root(rootfs, "/etc/passwd", &passwd, err);
        if (r < 0)
                return r;
        if ((r = read_in_root(rootfs, "/etc/group", &groups, err)) < 0)
                return r;

        uint32_t uid = 0, gid = 0;
        PwEntry pw = {0};
        if (*u) {
                find_passwd(passwd, u, &pw);
                if (pw.found) {
                        uid = pw.uid;
                        gid = pw.gid;
                } else if (parse_id(u, &uid) < 0) {
                        return error_set(err, EINVAL,
                                         "unable to find user %s: no matching entries in passwd "
                                         "file",
                                         u);
                }
        }
        _cleanup_free_ uint32_t *gids = NULL;
        size_t n = 0;
        bool found = false;
        uint32_t g = 0;
        if ((r = scan_groups(groups, group && *group ? group : NULL, &found, &g,
                             pw.found ? pw.name : NULL, &gids, &n)) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (group && *group) {
                if (!found && parse_id(group, &g) < 0)
                        return error_set(err, EINVAL,
                                         "unable to find group %s: no matching entries in group "
                                         "file",
                                         group);
                gid = g;
        }
        *ret_uid = uid;
        *ret_gid = gid;
        if (ret_gids) {
                *ret_gids = TAKE_PTR(gids);
                *ret_n_gids = n;
        }
        return 0;
}

/* ---- the process ---- */

static int set_env(json_t *env, const char *kv)
{
        size_t klen = strcspn(kv, "=");
        size_t i;
        json_t *e;
        json_array_foreach(env, i, e)
        {
                const char *s = json_string_value(e);
                if (s && strncmp(s, kv, klen) == 0 && (s[klen] == '=' || s[klen] == '\0'))
                        return json_array_set_new(env, i, json_string(kv));
        }
        return json_array_append_new(env, json_string(kv));
}

static json_t *all_caps(void)
{
        json_t *a = json_array();
        for (int c = 0; a && c <= rt_cap_last(); c++) {
                const char *name = rt_cap_to_name(c);
                if (name)
                        json_array_append_new(a, json_string(name));
        }
        return a;
}

int api_exec_build_process(json_t *base, json_t *exec_config, const char *rootfs, json_t **ret,
                           BerthError **err)
{
        _cleanup_json_ json_t *p = json_is_object(base) ? json_deep_copy(base) : json_object();
        if (!p)
                return error_set(err, ENOMEM, "out of memory");
        json_t *cmd = json_object_get(exec_config, "Cmd");
        if (!json_is_array(cmd) || json_array_size(cmd) == 0)
                return error_set(err, EINVAL, "No exec command specified");
        json_object_set(p, "args", cmd);
        bool tty = json_is_true(json_object_get(exec_config, "Tty"));
        json_object_set_new(p, "terminal", json_boolean(tty));
        json_object_del(p, "consoleSize");
        json_t *cs = json_object_get(exec_config, "ConsoleSize");
        if (tty && json_is_array(cs) && json_array_size(cs) == 2) {
                json_int_t h = json_integer_value(json_array_get(cs, 0));
                json_int_t w = json_integer_value(json_array_get(cs, 1));
                if (h > 0 && w > 0)
                        json_object_set_new(p, "consoleSize",
                                            json_pack("{s:I, s:I}", "height", h, "width", w));
        }

        json_t *env = json_object_get(p, "env");
        if (!json_is_array(env)) {
                env = json_array();
                json_object_set_new(p, "env", env);
        }
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(exec_config, "Env"), i, e)
        {
                if (json_is_string(e) && set_env(env, json_string_value(e)) < 0)
                        return error_set(err, ENOMEM, "out of memory");
        }

        const char *wd = json_string_value(json_object_get(exec_config, "WorkingDir"));
        if (wd && *wd) {
                if (wd[0] != '/')
                        return error_set(err, EINVAL,
                                         "the working directory '%s' is invalid, it needs to be an "
                                         "absolute path",
                                         wd);
                json_object_set_new(p, "cwd", json_string(wd));
        }

        const char *user = json_string_value(json_object_get(exec_config, "User"));
        if (user && *user) {
                uint32_t uid, gid;
                _cleanup_free_ uint32_t *gids = NULL;
                size_t n = 0;
                int r = api_exec_resolve_user(rootfs, user, &uid, &gid, &gids, &n, err);
                if (r < 0)
                        return r;
                json_t *u = json_pack("{s:I, s:I}", "uid", (json_int_t)uid, "gid", (json_int_t)gid);
                if (!u)
                        return error_set(err, ENOMEM, "out of memory");
                if (n) {
                        json_t *a = json_array();
                        for (size_t k = 0; k < n; k++)
                                json_array_append_new(a, json_integer(gids[k]));
                        json_object_set_new(u, "additionalGids", a);
                }
                json_object_set_new(p, "user", u);
        }

        if (json_is_true(json_object_get(exec_config, "Privileged"))) {
                static const char *const sets[] = {"bounding", "effective", "permitted"};
                json_t *caps = json_object();
                for (size_t k = 0; caps && k < ARRAY_SIZE(sets); k++)
                        json_object_set_new(caps, sets[k], all_caps());
                if (!caps)
                        return error_set(err, ENOMEM, "out of memory");
                json_object_set_new(p, "capabilities", caps);
                /* as Docker: no AppArmor confinement for a privileged exec */
                json_object_del(p, "apparmorProfile");
        }
        *ret = TAKE_PTR(p);
        return 0;
}

/* ---- detach keys ---- */

int api_exec_parse_detach_keys(const char *spec, unsigned char *keys, size_t cap, size_t *ret_n,
                               BerthError **err)
{
        if (!spec || !*spec)
                spec = "ctrl-p,ctrl-q";
        _cleanup_free_ char *copy = strdup(spec);
        if (!copy)
                return error_set(err, ENOMEM, "out of memory");
        size_t n = 0;
        char *save = NULL;
        for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
                int code = -1;
                if (strlen(k) == 1) {
                        code = (unsigned char)k[0];
                } else if (STREQ(k, "DEL")) {
                        code = 127;
                } else if (strncmp(k, "ctrl-", 5) == 0 && strlen(k) == 6) {
                        char c = k[5];
                        if (c >= 'a' && c <= 'z')
                                code = c - 'a' + 1;
                        else if (c == '@')
                                code = 0;
                        else if (c >= '[' && c <= '_')
                                code = c - '[' + 27;
                }
                if (code < 0)
                        return error_set(err, EINVAL, "Unknown character: '%s'", k);
                if (n >= cap)
                        return error_set(err, EINVAL, "invalid detach keys '%s': too long", spec);
                keys[n++] = (unsigned char)code;
        }
        if (n == 0)
                return error_set(err, EINVAL, "invalid detach keys '%s'", spec);
        *ret_n = n;
        return 0;
}

size_t detach_scan(DetachScanner *d, const unsigned char *in, size_t len, unsigned char *out,
                   bool *ret_detach)
{
        size_t o = 0;
        *ret_detach = false;
        if (d->n_keys == 0) {
                memcpy(out, in, len);
                return len;
        }
        for (size_t i = 0; i < len; i++) {
                unsigned char b = in[i];
                if (b == d->keys[d->matched]) {
                        if (++d->matched == d->n_keys) {
                                d->matched = 0;
                                *ret_detach = true;
                                return o;
                        }
                        continue;
                }
                /* the sequence broke: release what was held, then retry b */
                memcpy(out + o, d->keys, d->matched);
                o += d->matched;
                d->matched = 0;
                if (b == d->keys[0]) {
                        if (d->n_keys == 1) {
                                *ret_detach = true;
                                return o;
                        }
                        d->matched = 1;
                        continue;
                }
                out[o++] = b;
        }
        return o;
}
