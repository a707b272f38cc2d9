/* Mount options as runc knows them: flag names become MS_* bits, the
 * propagation names a separate mask, anything else goes to the filesystem. */
#include "runtime/rootfs.h"
#include "runtime/rootfs_internal.h"
#include "common/cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

typedef struct MountOption {
        const char *name;
        bool clear; /* the option removes the flag instead of setting it */
        unsigned long flag;
} MountOption;

static const MountOption mount_options[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"suid", true, MS_NOSUID},
    {"nosuid", false, MS_NOSUID},
    {"dev", true, MS_NODEV},
    {"nodev", false, MS_NODEV},
    {"exec", true, MS_NOEXEC},
    {"noexec", false, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"lazytime", false, MS_LAZYTIME},
    {"nolazytime", true, MS_LAZYTIME},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"symfollow", true, MS_NOSYMFOLLOW},
};

/* The recursive forms, applied with mount_setattr(AT_RECURSIVE). The atime
 * modes are one field: each sets it whole (MOUNT_ATTR__ATIME cleared first). */
typedef struct RecOption {
        const char *name;
        bool clear;
        uint64_t attr;
        bool atime;
} RecOption;

static const RecOption rec_options[] = {
    {"rro", false, MOUNT_ATTR_RDONLY, false},
    {"rrw", true, MOUNT_ATTR_RDONLY, false},
    {"rnosuid", false, MOUNT_ATTR_NOSUID, false},
    {"rsuid", true, MOUNT_ATTR_NOSUID, false},
    {"rnodev", false, MOUNT_ATTR_NODEV, false},
    {"rdev", true, MOUNT_ATTR_NODEV, false},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC, false},
    {"rexec", true, MOUNT_ATTR_NOEXEC, false},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME, false},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME, false},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW, false},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW, false},
    {"rnoatime", false, MOUNT_ATTR_NOATIME, true},
    {"ratime", false, MOUNT_ATTR_RELATIME, true},
    {"rrelatime", false, MOUNT_ATTR_RELATIME, true},
    {"rnorelatime", false, MOUNT_ATTR_STRICTATIME, true},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME, true},
    {"rnostrictatime", false, MOUNT_ATTR_RELATIME, true},
};

static bool parse_rec_option(const char *opt, RtMountFlags *f)
{
        for (size_t i = 0; i < ARRAY_SIZE(rec_options); i++) {
                const RecOption *o = &rec_options[i];
                if (!STREQ(opt, o->name))
                        continue;
                if (o->atime) {
                        f->rec_clear |= MOUNT_ATTR__ATIME;
                        f->rec_set = (f->rec_set & ~(uint64_t)MOUNT_ATTR__ATIME) | o->attr;
                } else if (o->clear) {
                        f->rec_set &= ~o->attr;
                        f->rec_clear |= o->attr;
                } else {
                        f->rec_set |= o->attr;
                        f->rec_clear &= ~o->attr;
                }
                return true;
        }
        return false;
}

static const MountOption propagation_options[] = {
    {"private", false, MS_PRIVATE},       {"rprivate", false, MS_PRIVATE | MS_REC},
    {"shared", false, MS_SHARED},         {"rshared", false, MS_SHARED | MS_REC},
    {"slave", false, MS_SLAVE},           {"rslave", false, MS_SLAVE | MS_REC},
    {"unbindable", false, MS_UNBINDABLE}, {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

const char *rt_mount_option_name(size_t i)
{
        static const char *const special[] = {"bind", "rbind", "tmpcopyup"};
        if (i < ARRAY_SIZE(mount_options))
                return mount_options[i].name;
        i -= ARRAY_SIZE(mount_options);
        if (i < ARRAY_SIZE(propagation_options))
                return propagation_options[i].name;
        i -= ARRAY_SIZE(propagation_options);
        if (i < ARRAY_SIZE(rec_options))
                return rec_options[i].name;
        i -= ARRAY_SIZE(rec_options);
        return i < ARRAY_SIZE(special) ? special[i] : NULL;
}

int rt_propagation_parse(const char *name, unsigned long *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(propagation_options); i++)
                if (STREQ(name, propagation_options[i].name)) {
                        *ret = propagation_options[i].flag;
                        return 0;
                }
        return -EINVAL;
}

static int data_append(char **data, const char *opt)
{
        char *joined = NULL;
        if (!*data)
                joined = strdup(opt);
        else if (asprintf(&joined, "%s,%s", *data, opt) < 0)
                joined = NULL;
        if (!joined)
                return -ENOMEM;
        free(*data);
        *data = joined;
        return 0;
}

int rt_mount_flags_parse(char *const *options, RtMountFlags *ret, BerthError **err)
{
        RtMountFlags f = {0};
        for (char *const *o = options; o && *o; o++) {
                const char *opt = *o;
                bool known = false;
                for (size_t i = 0; i < ARRAY_SIZE(mount_options) && !known; i++) {
                        const MountOption *m = &mount_options[i];
                        if (!STREQ(opt, m->name))
                                continue;
                        known = true;
                        if (m->clear) {
                                f.flags &= ~m->flag;
                                f.clear |= m->flag;
                        } else {
                                f.flags |= m->flag;
                                f.clear &= ~m->flag;
                        }
                }
                if (known)
                        continue;
                unsigned long prop = 0;
                if (rt_propagation_parse(opt, &prop) == 0) {
                        f.propagation = prop;
                } else if (STREQ(opt, "bind") || STREQ(opt, "rbind")) {
                        f.bind = true;
                        f.flags |= MS_BIND;
                        if (opt[0] == 'r')
                                f.flags |= MS_REC;
                } else if (parse_rec_option(opt, &f)) {
                        continue;
                } else if (STREQ(opt, "tmpcopyup")) {
                        f.tmpcopyup = true;
                } else if (STREQ(opt, "idmap") || STREQ(opt, "ridmap")) {
                        f.idmap = true;
                } else if (data_append(&f.data, opt) < 0) {
                        rt_mount_flags_done(&f);
                        return error_set(err, ENOMEM, "out of memory");
                }
        }
        *ret = f;
        return 0;
}

void rt_mount_flags_done(RtMountFlags *f)
{
        if (!f)
                return;
        free(f->data);
        f->data = NULL;
}
