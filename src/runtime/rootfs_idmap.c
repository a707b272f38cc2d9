/* Idmapped bind mounts (runtime-spec 1.1 mounts[].uidMappings/gidMappings,
 * and the "idmap"/"ridmap" options that take the container's own mappings).
 *
 * Setting MOUNT_ATTR_IDMAP needs privilege over the filesystem's user
 * namespace, which the container init no longer has once it is inside its
 * own user namespace. So the runtime makes each idmapped tree before clone():
 * a throwaway user namespace carries the mapping, open_tree(OPEN_TREE_CLONE)
 * detaches a copy of the source, mount_setattr() idmaps it; the init later
 * attaches the detached tree at its destination with move_mount(). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/strv.h"
#include "runtime/container_internal.h"
#include "runtime/rootfs.h"
#include "runtime/rootfs_internal.h"

static const int *child_fds; /* the init's copy of the parent's array */
static size_t child_n;

void rt_rootfs_set_idmap_fds(const int *fds, size_t n)
{
        child_fds = fds;
        child_n = n;
}

int rt_rootfs_idmap_fd(size_t mount_index)
{
        return child_fds && mount_index < child_n ? child_fds[mount_index] : -1;
}

/* A user namespace fd holding the mappings, made by a child that only
 * waits to be killed. */
static int userns_with(const RtIdMap *uids, size_t n_uids, const RtIdMap *gids, size_t n_gids,
                       BerthError **err)
{
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return error_set_errno(err, errno, "pipe");
        pid_t pid = rt_clone(CLONE_NEWUSER | SIGCHLD);
        if (pid == 0) {
                char c;
                close(pfd[1]);
                (void)!read(pfd[0], &c, 1);
                _exit(0);
        }
        close(pfd[0]);
        if (pid < 0) {
                close(pfd[1]);
                return error_set_errno(err, errno, "create a user namespace for an idmapped mount");
        }
        int r = rt_userns_write_map(pid, "uid_map", uids, n_uids, err);
        if (r >= 0)
                r = rt_userns_write_map(pid, "gid_map", gids, n_gids, err);
        int fd = -1;
        if (r >= 0) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        r = error_set_errno(err, errno, "open %s", path);
        }
        close(pfd[1]);
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        return r < 0 ? r : fd;
}

static int idmapped_tree(const RtSpec *spec, const RtMount *m, BerthError **err)
{
        _cleanup_(rt_mount_flags_done) RtMountFlags f = {0};
        int r = rt_mount_flags_parse(m->options, &f, err);
        if (r < 0)
                return r;
        const char *src = m->source ? m->source : "";
        if (!f.bind && !(m->type && STREQ(m->type, "bind")))
                return error_set(err, EINVAL,
                                 "mount %s to %s: idmapped mounts are for bind mounts only", src,
                                 m->destination);
        const RtIdMap *uids = m->uid_mappings, *gids = m->gid_mappings;
        size_t nu = m->n_uid_mappings, ng = m->n_gid_mappings;
        if (nu == 0 && ng == 0) { /* "idmap": the container's own mappings */
                uids = spec->linux_.uid_mappings;
                nu = spec->linux_.n_uid_mappings;
                gids = spec->linux_.gid_mappings;
                ng = spec->linux_.n_gid_mappings;
        }
        if (nu == 0 || ng == 0)
                return error_set(err, EINVAL,
                                 "mount %s to %s: an idmapped mount needs both uidMappings and "
                                 "gidMappings",
                                 src, m->destination);
        bool rec = (f.flags & MS_REC) || (m->options && strv_contains(m->options, "ridmap"));
        _cleanup_close_ int userns = userns_with(uids, nu, gids, ng, err);
        if (userns < 0)
                return error_prefix(err, "mount %s to %s", src, m->destination);
        int tree = open_tree(AT_FDCWD, src,
                             OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
        if (tree < 0)
                return error_set_errno(err, errno, "mount %s to %s: open_tree", src,
                                       m->destination);
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
        if (mount_setattr(tree, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &attr, sizeof(attr)) <
            0) {
                r = -errno;
                close(tree);
                return error_set_errno(err, r, "mount %s to %s: idmap the mount (mount_setattr)",
                                       src, m->destination);
        }
        return tree;
}

static bool wants_idmap(const RtMount *m)
{
        return m->n_uid_mappings || m->n_gid_mappings ||
               (m->options &&
                (strv_contains(m->options, "idmap") || strv_contains(m->options, "ridmap")));
}

int rt_rootfs_idmap_prepare(const RtSpec *spec, int **ret, BerthError **err)
{
        *ret = NULL;
        bool any = false;
        for (size_t i = 0; i < spec->n_mounts; i++)
                any |= wants_idmap(&spec->mounts[i]);
        if (!any)
                return 0;
        int *fds = malloc(spec->n_mounts * sizeof(*fds));
        if (!fds)
                return error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < spec->n_mounts; i++)
                fds[i] = -1;
        for (size_t i = 0; i < spec->n_mounts; i++) {
                if (!wants_idmap(&spec->mounts[i]))
                        continue;
                fds[i] = idmapped_tree(spec, &spec->mounts[i], err);
                if (fds[i] < 0) {
                        int r = fds[i];
                        fds[i] = -1;
                        rt_rootfs_idmap_done(fds, spec->n_mounts);
                        return r;
                }
        }
        *ret = fds;
        return 0;
}

void rt_rootfs_idmap_done(int *fds, size_t n)
{
        for (size_t i = 0; fds && i < n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        free(fds);
}
