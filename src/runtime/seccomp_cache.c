/* A cache of compiled seccomp programs under the runtime root, so the
 * ~10 ms libseccomp spends on Docker's default profile is paid once per boot
 * rather than at every create and exec.
 *
 * The key is a byte serialization of everything that decides the program
 * (and whether compiling would fail), plus the libseccomp version, its API
 * level (what it found the kernel supports) and the native architecture.
 * A file is named after a 64-bit hash of the key and holds the whole key, so
 * a hash collision is only a miss. The file is trusted BPF: the directory
 * must be ours and not writable by anyone else, files are opened without
 * following symlinks, and anything that does not check out (short, torn,
 * wrong checksum, wrong key) is a miss that gets overwritten. Nothing here
 * can fail a container: every cache error falls back to compiling. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include "runtime/libseccomp.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "common/log.h"
#include "runtime/seccomp.h"

#define CACHE_DIR     ".seccomp-cache"
#define CACHE_SUFFIX  ".bpf"
#define CACHE_VERSION 1u
/* Docker's default profile serializes to ~10 KiB; a profile whose key is
 * much larger is not worth a cache slot. */
#define CACHE_MAX_KEY (128u * 1024)
/* A temp file older than this was left by a runtime killed mid-write. */
#define CACHE_STALE_TEMP 60
#define FNV_OFFSET       0xcbf29ce484222325ull
#define FNV_PRIME        0x100000001b3ull

static const char cache_magic[8] = {'B', 'S', 'E', 'C', 'C', 'A', 'C', 'H'};

/* Fixed-width fields in native byte order: the cache never leaves the host,
 * and the native architecture is part of the key. */
typedef struct CacheHeader {
        char magic[8];
        uint32_t version;
        uint32_t key_len;
        uint32_t flags;
        uint32_t notify;
        uint32_t n_insns;
        uint32_t reserved;
} CacheHeader;
/* followed by: key[key_len], struct sock_filter[n_insns], uint64_t checksum
 * (FNV-1a of everything before it) */

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
        const uint8_t *p = data;
        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= FNV_PRIME;
        }
        return h;
}

typedef struct KeyBuf {
        uint8_t *data;
        size_t len, cap;
        int error; /* -ENOMEM, or -E2BIG past CACHE_MAX_KEY */
} KeyBuf;

static void put(KeyBuf *b, const void *data, size_t len)
{
        if (b->error)
                return;
        if (b->len + len > CACHE_MAX_KEY) {
                b->error = -E2BIG;
                return;
        }
        if (b->len + len > b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 4096;
                while (cap < b->len + len)
                        cap *= 2;
                uint8_t *n = realloc(b->data, cap);
                if (!n) {
                        b->error = -ENOMEM;
                        return;
                }
                b->data = n;
                b->cap = cap;
        }
        memcpy(b->data + b->len, data, len);
        b->len += len;
}

static void put_u32(KeyBuf *b, uint32_t v)
{
        put(b, &v, sizeof(v));
}

static void put_u64(KeyBuf *b, uint64_t v)
{
        put(b, &v, sizeof(v));
}

static void put_opt(KeyBuf *b, const RtOpt *o)
{
        put_u32(b, o->set);
        put_u64(b, o->set ? (uint64_t)o->value : 0);
}

/* Strings are length-prefixed, lists count-prefixed, so no two different
 * profiles serialize to the same bytes. NULL strings differ from "". */
static void put_str(KeyBuf *b, const char *s)
{
        if (!s) {
                put_u32(b, UINT32_MAX);
                return;
        }
        size_t n = strlen(s);
        put_u32(b, (uint32_t)n);
        put(b, s, n);
}

static void put_strv(KeyBuf *b, char **v)
{
        uint32_t n = 0;
        for (char **p = v; p && *p; p++)
                n++;
        put_u32(b, v ? n : UINT32_MAX);
        for (char **p = v; p && *p; p++)
                put_str(b, *p);
}

static int cache_key(const RtSeccomp *s, uint8_t **ret, size_t *ret_len)
{
        KeyBuf b = {0};
        const struct scmp_version *v = seccomp_version();
        put(&b, "berth-seccomp-key", 17);
        put_u32(&b, CACHE_VERSION);
        put_u32(&b, v ? v->major : 0);
        put_u32(&b, v ? v->minor : 0);
        put_u32(&b, v ? v->micro : 0);
        /* The API level records which actions and flags libseccomp found the
         * kernel to support; it decides what compiles. */
        put_u32(&b, seccomp_api_get());
        put_u32(&b, seccomp_arch_native());

        put_u32(&b, (uint32_t)s->default_action);
        put_opt(&b, &s->default_errno_ret);
        put_strv(&b, s->architectures);
        put_strv(&b, s->flags);
        /* Only whether there is a listener path matters to the program (NOTIFY
         * rules need one); the path and metadata are read from the config at
         * hand-off, never from the program. */
        put_u32(&b, s->listener_path && *s->listener_path);
        put_u64(&b, s->n_syscalls);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const RtSeccompRule *r = &s->syscalls[i];
                put_strv(&b, r->names);
                put_u32(&b, (uint32_t)r->action);
                put_opt(&b, &r->errno_ret);
                put_u64(&b, r->n_args);
                for (size_t j = 0; j < r->n_args; j++) {
                        put_u32(&b, r->args[j].index);
                        put_u64(&b, r->args[j].value);
                        put_u64(&b, r->args[j].value_two);
                        put_u32(&b, (uint32_t)r->args[j].op);
                }
        }
        if (b.error) {
                free(b.data);
                return b.error;
        }
        *ret = b.data;
        *ret_len = b.len;
        return 0;
}

/* "<16 hex digits>.bpf" */
static void entry_name(const uint8_t *key, size_t key_len, char name[32])
{
        snprintf(name, 32, "%016llx" CACHE_SUFFIX,
                 (unsigned long long)fnv1a(FNV_OFFSET, key, key_len));
}

/* The cache directory, made if missing; refused unless it is a directory
 * of ours that no one else can write (its files are trusted as BPF). */
static int open_cache_dir(const char *root)
{
        _cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return -errno;
        if (mkdirat(rootfd, CACHE_DIR, 0700) < 0 && errno != EEXIST)
                return -errno;
        int fd = openat(rootfd, CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
                close(fd);
                return -EPERM;
        }
        return fd;
}

/* 1 and *ret on a valid entry for key; 0 on a miss of any kind. */
static int cache_read(int dirfd, const char *name, const uint8_t *key, size_t key_len,
                      RtSeccompProgram **ret)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return 0;
        struct stat st;
        size_t max = sizeof(CacheHeader) + key_len + BPF_MAXINSNS * sizeof(struct sock_filter) +
                     sizeof(uint64_t);
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max ||
            (size_t)st.st_size < sizeof(CacheHeader) + key_len + sizeof(uint64_t))
                return 0;
        size_t size = (size_t)st.st_size;
        _cleanup_free_ uint8_t *buf = malloc(size);
        if (!buf || read_all_fd(fd, buf, size) != (ssize_t)size)
                return 0;
        CacheHeader h;
        memcpy(&h, buf, sizeof(h));
        size_t insns_off = sizeof(h) + key_len;
        if (memcmp(h.magic, cache_magic, sizeof(cache_magic)) != 0 || h.version != CACHE_VERSION ||
            h.key_len != key_len || h.n_insns == 0 || h.n_insns > BPF_MAXINSNS || h.notify > 1 ||
            (h.flags & ~rt_seccomp_known_flags()) ||
            size != insns_off + h.n_insns * sizeof(struct sock_filter) + sizeof(uint64_t))
                return 0;
        uint64_t sum;
        memcpy(&sum, buf + size - sizeof(sum), sizeof(sum));
        if (sum != fnv1a(FNV_OFFSET, buf, size - sizeof(sum)) ||
            memcmp(buf + sizeof(h), key, key_len) != 0)
                return 0;

        _cleanup_free_ RtSeccompProgram *p = calloc(1, sizeof(*p));
        struct sock_filter *f = malloc(h.n_insns * sizeof(*f));
        if (!p || !f) {
                free(f);
                return 0;
        }
        memcpy(f, buf + insns_off, h.n_insns * sizeof(*f));
        p->filter = f;
        p->len = h.n_insns;
        p->flags = h.flags;
        p->notify = h.notify;
        /* mtime is the eviction order: a hit counts as a use */
        (void)futimens(fd, NULL);
        *ret = TAKE_PTR(p);
        return 1;
}

typedef struct Entry {
        char name[32];
        struct timespec mtime;
} Entry;

static int entry_older(const void *a, const void *b)
{
        const struct timespec *x = &((const Entry *)a)->mtime, *y = &((const Entry *)b)->mtime;
        if (x->tv_sec != y->tv_sec)
                return x->tv_sec < y->tv_sec ? -1 : 1;
        return x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec;
}

/* Makes room for one more entry (other than keep): removes the least
 * recently used entries beyond RT_SECCOMP_CACHE_MAX - 1, and temp files a
 * killed runtime left behind. Concurrent runtimes may briefly overshoot the
 * bound by the number of writers; the next addition trims it back. */
static void cache_trim(int dirfd, const char *keep)
{
        int dupfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
        if (dupfd < 0)
                return;
        _cleanup_closedir_ DIR *d = fdopendir(dupfd);
        if (!d) {
                close(dupfd);
                return;
        }
        _cleanup_free_ Entry *v = NULL;
        size_t n = 0, cap = 0;
        time_t now = time(NULL);
        struct dirent *de;
        while ((de = readdir(d))) {
                struct stat st;
                const char *nm = de->d_name;
                size_t len = strlen(nm);
                if (strncmp(nm, ".tmp-", 5) == 0) {
                        if (fstatat(dirfd, nm, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                            now - st.st_mtime > CACHE_STALE_TEMP)
                                (void)unlinkat(dirfd, nm, 0);
                        continue;
                }
                if (len != 16 + strlen(CACHE_SUFFIX) || !strcmp(nm, keep) ||
                    strcmp(nm + 16, CACHE_SUFFIX) != 0)
                        continue;
                if (fstatat(dirfd, nm, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : RT_SECCOMP_CACHE_MAX;
                        Entry *nv = realloc(v, cap * sizeof(*v));
                        if (!nv)
                                return;
                        v = nv;
                }
                memcpy(v[n].name, nm, len + 1);
                v[n].mtime = st.st_mtim;
                n++;
        }
        if (n < RT_SECCOMP_CACHE_MAX)
                return;
        qsort(v, n, sizeof(*v), entry_older);
        for (size_t i = 0; i + RT_SECCOMP_CACHE_MAX - 1 < n; i++)
                (void)unlinkat(dirfd, v[i].name, 0);
}

/* Temp file in the cache directory, then rename over the entry: readers see
 * the old file or the new one, never a part. No fsync: the cache lives on
 * tmpfs normally, and a file torn by a crash is a miss. */
static int cache_write(int dirfd, const char *name, const uint8_t *key, size_t key_len,
                       const RtSeccompProgram *p)
{
        CacheHeader h = {
            .version = CACHE_VERSION,
            .key_len = (uint32_t)key_len,
            .flags = p->flags,
            .notify = p->notify,
            .n_insns = (uint32_t)p->len,
        };
        memcpy(h.magic, cache_magic, sizeof(h.magic));
        size_t insns = p->len * sizeof(struct sock_filter);
        size_t size = sizeof(h) + key_len + insns + sizeof(uint64_t);
        _cleanup_free_ uint8_t *buf = malloc(size);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, &h, sizeof(h));
        memcpy(buf + sizeof(h), key, key_len);
        memcpy(buf + sizeof(h) + key_len, p->filter, insns);
        uint64_t sum = fnv1a(FNV_OFFSET, buf, size - sizeof(sum));
        memcpy(buf + size - sizeof(sum), &sum, sizeof(sum));

        cache_trim(dirfd, name);
        char tmp[64];
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        snprintf(tmp, sizeof(tmp), ".tmp-%d-%lx", (int)getpid(), (unsigned long)ts.tv_nsec);
        int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        int r = write_all_fd(fd, buf, size);
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0)
                (void)unlinkat(dirfd, tmp, 0);
        return r < 0 ? r : 0;
}

int rt_seccomp_compile_cached(const RtSeccomp *s, const char *root, RtSeccompProgram **ret,
                              BerthError **err)
{
        _cleanup_free_ uint8_t *key = NULL;
        size_t key_len = 0;
        _cleanup_close_ int dirfd = -1;
        char name[32];
        int r;

        if (root && (r = cache_key(s, &key, &key_len)) < 0)
                log_debug("seccomp cache: no key (%s): compiling", strerror(-r));
        if (key && (dirfd = open_cache_dir(root)) < 0)
                log_debug("seccomp cache: '%s/%s' unusable (%s): compiling", root, CACHE_DIR,
                          strerror(-dirfd));
        if (dirfd >= 0) {
                entry_name(key, key_len, name);
                if (cache_read(dirfd, name, key, key_len, ret) > 0)
                        return 1;
        }

        RtSeccompProgram *p = NULL;
        r = rt_seccomp_compile(s, &p, err);
        if (r < 0)
                return r;
        if (dirfd >= 0 && (r = cache_write(dirfd, name, key, key_len, p)) < 0)
                log_debug("seccomp cache: cannot store %s (%s)", name, strerror(-r));
        *ret = p;
        return 0;
}
