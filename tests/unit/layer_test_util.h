/* Helpers for the layer tests: tar streams built with libarchive's writer in
 * a memfd, temp dirs, small file checks. */
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileutil.h"

typedef struct TarBuilder {
        struct archive *a;
        int fd;
} TarBuilder;

/* filter: NULL, "gzip" or "zstd". */
static inline TarBuilder tb_new(const char *filter)
{
        TarBuilder t = {.a = archive_write_new(), .fd = memfd_create("layer", MFD_CLOEXEC)};
        archive_write_set_format_pax_restricted(t.a);
        if (filter && strcmp(filter, "gzip") == 0)
                archive_write_add_filter_gzip(t.a);
        else if (filter && strcmp(filter, "zstd") == 0)
                archive_write_add_filter_zstd(t.a);
        archive_write_set_bytes_in_last_block(t.a, 1);
        archive_write_open_fd(t.a, t.fd);
        return t;
}

static inline struct archive_entry *tb_entry(const char *path, mode_t type, mode_t perm)
{
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, perm);
        archive_entry_set_mtime(e, 1500000000, 0);
        return e;
}

static inline void tb_put(TarBuilder *t, struct archive_entry *e, const char *data, size_t len)
{
        archive_entry_set_size(e, (la_int64_t)len);
        if (archive_write_header(t->a, e) != ARCHIVE_OK)
                fprintf(stderr, "tb_put: %s\n", archive_error_string(t->a));
        if (len)
                archive_write_data(t->a, data, len);
        archive_entry_free(e);
}

static inline void tb_file(TarBuilder *t, const char *path, const char *content, mode_t perm)
{
        tb_put(t, tb_entry(path, AE_IFREG, perm), content, strlen(content));
}

static inline void tb_dir(TarBuilder *t, const char *path, mode_t perm)
{
        tb_put(t, tb_entry(path, AE_IFDIR, perm), NULL, 0);
}

static inline void tb_symlink(TarBuilder *t, const char *path, const char *target)
{
        struct archive_entry *e = tb_entry(path, AE_IFLNK, 0777);
        archive_entry_set_symlink(e, target);
        tb_put(t, e, NULL, 0);
}

static inline void tb_hardlink(TarBuilder *t, const char *path, const char *target)
{
        struct archive_entry *e = tb_entry(path, AE_IFREG, 0644);
        archive_entry_set_hardlink(e, target);
        tb_put(t, e, NULL, 0);
}

/* Finishes the archive; returns the memfd positioned at 0. */
static inline int tb_finish(TarBuilder *t)
{
        archive_write_close(t->a);
        archive_write_free(t->a);
        lseek(t->fd, 0, SEEK_SET);
        return t->fd;
}

static inline char *make_tmpdir(const char *tag)
{
        char *p = NULL;
        if (asprintf(&p, "/tmp/berth-test-%s-XXXXXX", tag) < 0 || !mkdtemp(p))
                abort();
        return p;
}

static inline char *path_cat(const char *a, const char *b)
{
        char *p = NULL;
        if (asprintf(&p, "%s/%s", a, b) < 0)
                abort();
        return p;
}

/* Whole small file as a string (or NULL). */
static inline char *slurp(const char *path)
{
        char *buf = NULL;
        size_t len = 0;
        if (read_file(path, &buf, &len, NULL) < 0)
                return NULL;
        return buf;
}

static inline bool exists_nofollow(const char *path)
{
        struct stat st;
        return lstat(path, &st) == 0;
}

/* Number of entries in a directory (not . and ..). */
static inline int count_entries(const char *path)
{
        DIR *d = opendir(path);
        if (!d)
                return -1;
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}
