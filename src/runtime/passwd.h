/* Names of users and groups inside a container's root (exec --user). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct RtUserIds {
        uint32_t uid;
        uint32_t gid;
        uint32_t *additional_gids; /* groups of /etc/group naming the user */
        size_t n_additional_gids;
} RtUserIds;

/* In the text of an /etc/passwd: the uid and primary gid of name.
 * -ENOENT when absent, -EINVAL when its line is malformed. */
int rt_passwd_find(const char *text, const char *name, uint32_t *ret_uid, uint32_t *ret_gid);
/* In the text of an /etc/group: the gid of a group name. */
int rt_group_find(const char *text, const char *name, uint32_t *ret_gid);
/* Every gid of a group that lists user as a member (malloc'd, no repeats). */
int rt_group_members(const char *text, const char *user, uint32_t **ret, size_t *ret_n);

/* "user[:group]", each a name or a number. Names are looked up in /etc/passwd
 * and /etc/group opened inside rootfd (a directory fd of the container's
 * root, e.g. /proc/PID/root); a user name also brings the groups listing it.
 * A numeric user alone gets gid 0 (runc's rule). */
int rt_user_resolve(int rootfd, const char *spec, RtUserIds *ret, BerthError **err);
void rt_user_ids_done(RtUserIds *ids);
