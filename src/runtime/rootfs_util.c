/* Small mount helpers shared by the rootfs files. */
#include "runtime/rootfs_internal.h"
#include "common/cleanup.h"
#include "common/safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>

/* The initial user namespace has this fixed inode (PROC_USER_INIT_INO). */
#define USER_NS_INIT_INO 0xEFFFFFFDUL

bool rt_in_user_ns(void)
{
        struct stat st;
        if (stat("/proc/self/ns/user", &st) == 0)
                return (unsigned long)st.st_ino != USER_NS_INIT_INO;
        /* no /proc: the initial namespace maps the whole range onto itself */
        _cleanup_fclose_ FILE *f = fopen("/proc/self/uid_map", "re");
        if (!f)
                return false;
        unsigned long inside, outside, count;
        if (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) != 3)
                return false;
        return !(inside == 0 && outside == 0 && count == 4294967295UL);
}

int rt_mount_on_fd(const char *source, int fd, const char *type, unsigned long flags,
                   const char *data)
{
        char target[32];
        safe_fd_path(fd, target, sizeof(target));
        if (mount(source, target, type, flags, data) < 0)
                return -errno;
        return 0;
}

unsigned long rt_mount_flags_of(int fd)
{
        static const struct {
                unsigned long st, ms;
        } map[] = {
            {ST_RDONLY, MS_RDONLY},   {ST_NOSUID, MS_NOSUID},           {ST_NODEV, MS_NODEV},
            {ST_NOEXEC, MS_NOEXEC},   {ST_SYNCHRONOUS, MS_SYNCHRONOUS}, {ST_MANDLOCK, MS_MANDLOCK},
            {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME},   {ST_RELATIME, MS_RELATIME},
        };
        struct statfs sf;
        if (fstatfs(fd, &sf) < 0)
                return 0;
        unsigned long out = 0;
        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                if ((unsigned long)sf.f_flags & map[i].st)
                        out |= map[i].ms;
        return out;
}

int rt_bind_remount(int fd, unsigned long flags, unsigned long clear)
{
        flags |= rt_mount_flags_of(fd) & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC) & ~clear;
        int r = rt_mount_on_fd(NULL, fd, NULL, MS_BIND | MS_REMOUNT | flags, NULL);
        if (r != -EPERM)
                return r;
        /* a user namespace locks nodev/nosuid/noexec/ro/atime of mounts it
         * inherited: keep them and try again */
        unsigned long keep = rt_mount_flags_of(fd);
        if (flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME))
                keep &= ~(MS_NOATIME | MS_RELATIME);
        return rt_mount_on_fd(NULL, fd, NULL, MS_BIND | MS_REMOUNT | flags | keep, NULL);
}

/* Undoes the octal escapes (\040 for space...) of mountinfo, in place. */
static void unescape(char *s)
{
        char *w = s;
        for (char *r = s; *r; r++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 3;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
}

void rt_mountinfo_free(RtMountInfo *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].root);
                free(v[i].mountpoint);
                free(v[i].optional);
                free(v[i].fstype);
                free(v[i].source);
                free(v[i].superopts);
        }
        free(v);
}

static int parse_line(char *line, RtMountInfo *mi)
{
        /* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
        char *fields[6] = {0};
        char *save = NULL;
        char *tok = strtok_r(line, " \n", &save);
        for (int i = 0; i < 5 && tok; i++, tok = strtok_r(NULL, " \n", &save))
                fields[i] = tok;
        if (!fields[4] || !tok)
                return -EINVAL;
        /* tok is now the mount options; optional fields until "-" */
        char optional[256] = "";
        for (tok = strtok_r(NULL, " \n", &save); tok && !STREQ(tok, "-");
             tok = strtok_r(NULL, " \n", &save)) {
                if (optional[0])
                        strncat(optional, " ", sizeof(optional) - strlen(optional) - 1);
                strncat(optional, tok, sizeof(optional) - strlen(optional) - 1);
        }
        if (!tok)
                return -EINVAL;
        char *fstype = strtok_r(NULL, " \n", &save);
        char *source = strtok_r(NULL, " \n", &save);
        char *superopts = strtok_r(NULL, " \n", &save);
        if (!fstype || !source)
                return -EINVAL;
        unescape(fields[3]);
        unescape(fields[4]);
        unescape(source);
        mi->root = strdup(fields[3]);
        mi->mountpoint = strdup(fields[4]);
        mi->optional = strdup(optional);
        mi->fstype = strdup(fstype);
        mi->source = strdup(source);
        mi->superopts = strdup(superopts ? superopts : "");
        if (!mi->root || !mi->mountpoint || !mi->optional || !mi->fstype || !mi->source ||
            !mi->superopts)
                return -ENOMEM;
        return 0;
}

int rt_mountinfo_read(RtMountInfo **ret, size_t *ret_n, BerthError **err)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return error_set_errno(err, errno, "open /proc/self/mountinfo");
        RtMountInfo *v = NULL;
        size_t n = 0, cap = 0;
        _cleanup_free_ char *line = NULL;
        size_t len = 0;
        while (getline(&line, &len, f) > 0) {
                if (n == cap) {
                        cap = cap ? cap * 2 : 64;
                        RtMountInfo *nv = realloc(v, cap * sizeof(*v));
                        if (!nv) {
                                rt_mountinfo_free(v, n);
                                return error_set(err, ENOMEM, "out of memory");
                        }
                        v = nv;
                }
                memset(&v[n], 0, sizeof(v[n]));
                int r = parse_line(line, &v[n]);
                if (r == -ENOMEM) {
                        rt_mountinfo_free(v, n + 1);
                        return error_set(err, ENOMEM, "out of memory");
                }
                if (r == 0) /* a malformed line allocated nothing: skip it */
                        n++;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}
