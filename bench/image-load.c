/* bench/image-load: times loading a `docker save` archive into a fresh
 * store under DATA_ROOT (which must not hold a store yet).
 *
 *   image-load [--mode store|layers|decode] [--driver overlay|vfs] [--threads N] ARCHIVE DATA_ROOT
 *
 * --mode store (default): img_store_load, what POST /images/load runs.
 * --mode layers: the layer store alone: the archive is extracted into
 *   DATA_ROOT/spool (as the store spools blobs), then every layer named by
 *   manifest.json is unpacked by img_layerstore_create_many from its
 *   compressed file; --threads limits that pool (0 = the CPUs).
 * --mode decode: like layers, but each layer is only decompressed and
 *   hashed (sha256) on one thread: the CPU cost of a load without the
 *   file system.
 *
 * Prints "total_ms=... [spool_ms=... unpack_ms=...] cpu_ms=..." on stdout
 * (cpu_ms: user + system time of all threads); the
 * decoder can be chosen with BERTH_GZIP_DECODER (zlib, libarchive). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileutil.h"
#include "image/decompress.h"
#include "image/digest.h"
#include "image/image.h"
#include "image/layerstore.h"

static double now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of the process (all threads) so far, user + system. */
static double cpu_ms(void)
{
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int die(const char *what, BerthError *err)
{
        fprintf(stderr, "image-load: %s: %s\n", what, err ? err->message : strerror(errno));
        error_free(err);
        return 1;
}

/* Extracts the outer (uncompressed) archive into dir: regular files and
 * directories only, names as in the archive. */
static int spool(const char *archive, const char *dir)
{
        struct archive *a = archive_read_new();
        archive_read_support_format_tar(a);
        if (archive_read_open_filename(a, archive, 1 << 20) != ARCHIVE_OK) {
                fprintf(stderr, "image-load: open %s: %s\n", archive, archive_error_string(a));
                archive_read_free(a);
                return -1;
        }
        struct archive_entry *e;
        int r = 0;
        while (r == 0 && archive_read_next_header(a, &e) == ARCHIVE_OK) {
                char *p = NULL;
                const char *name = archive_entry_pathname(e);
                if (strstr(name, "..") || asprintf(&p, "%s/%s", dir, name) < 0) {
                        r = -1;
                        break;
                }
                if (archive_entry_filetype(e) == AE_IFDIR) {
                        mkdir_p(p, 0755, NULL);
                } else if (archive_entry_filetype(e) == AE_IFREG) {
                        char *slash = strrchr(p, '/');
                        *slash = '\0';
                        mkdir_p(p, 0755, NULL);
                        *slash = '/';
                        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                        if (fd < 0 || archive_read_data_into_fd(a, fd) != ARCHIVE_OK)
                                r = -1;
                        if (fd >= 0)
                                close(fd);
                }
                free(p);
        }
        archive_read_free(a);
        return r;
}

/* Decompresses and hashes one layer file, as the unpacker does. */
static int decode_file(const char *path, uint64_t *total, BerthError **err)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "open '%s'", path);
        ImgDecompressor *d = NULL;
        int r = img_decompressor_new(fd, &d, err);
        ImgHasher *h = NULL;
        if (r >= 0)
                r = img_hasher_new(IMG_DIGEST_SHA256, &h);
        while (r >= 0) {
                const void *buf;
                ssize_t n = img_decompressor_read(d, &buf, err);
                if (n <= 0) {
                        r = (int)n;
                        break;
                }
                img_hasher_update(h, buf, (size_t)n);
                *total += (uint64_t)n;
        }
        ImgDigest out;
        if (h)
                img_hasher_final(h, &out);
        img_hasher_free(h);
        img_decompressor_free(d);
        close(fd);
        return r;
}

static int run_layers(const char *archive, const char *root, ImgDriverKind driver, unsigned threads,
                      bool decode_only)
{
        char *dir = NULL, *path = NULL;
        if (asprintf(&dir, "%s/spool", root) < 0 || mkdir_p(dir, 0700, NULL) < 0)
                return die("spool dir", NULL);
        double t0 = now_ms();
        if (spool(archive, dir) < 0)
                return die("extract the archive", NULL);
        double t1 = now_ms();

        if (asprintf(&path, "%s/manifest.json", dir) < 0)
                return 1;
        json_error_t jerr;
        json_t *m = json_load_file(path, 0, &jerr);
        free(path);
        json_t *img = json_array_get(m, 0);
        const char *config = json_string_value(json_object_get(img, "Config"));
        json_t *layers = json_object_get(img, "Layers");
        if (!config || !json_is_array(layers))
                return die("manifest.json", NULL);
        if (asprintf(&path, "%s/%s", dir, config) < 0)
                return 1;
        json_t *cfg = json_load_file(path, 0, &jerr);
        free(path);
        json_t *diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
        size_t n = json_array_size(layers);
        if (json_array_size(diff_ids) != n)
                return die("config rootfs.diff_ids", NULL);

        BerthError *err = NULL;
        if (decode_only) {
                double d0 = now_ms();
                uint64_t total = 0;
                for (size_t i = 0; i < n; i++) {
                        if (asprintf(&path, "%s/%s", dir,
                                     json_string_value(json_array_get(layers, i))) < 0)
                                return 1;
                        int r = decode_file(path, &total, &err);
                        free(path);
                        if (r < 0)
                                return die("decode", err);
                }
                double d1 = now_ms();
                printf("total_ms=%.0f spool_ms=%.0f decode_hash_ms=%.0f bytes=%llu cpu_ms=%.0f\n",
                       d1 - t0, t1 - t0, d1 - d0, (unsigned long long)total, cpu_ms());
                json_decref(cfg);
                json_decref(m);
                free(dir);
                return 0;
        }
        ImgLayerStore *ls = NULL;
        if (img_layerstore_open(root, driver, &ls, &err) < 0)
                return die("open the layer store", err);
        ImgLayerJob *jobs = calloc(n, sizeof(*jobs));
        char(*chains)[IMG_DIGEST_LEN + 1] = calloc(n, sizeof(*chains));
        for (size_t i = 0; i < n; i++) {
                const char *diff_id = json_string_value(json_array_get(diff_ids, i));
                if (asprintf(&path, "%s/%s", dir, json_string_value(json_array_get(layers, i))) < 0)
                        return 1;
                jobs[i].src_fd = open(path, O_RDONLY | O_CLOEXEC);
                if (jobs[i].src_fd < 0)
                        return die(path, NULL);
                free(path);
                jobs[i].expected_diff_id = diff_id;
                jobs[i].parent_chain_id = i ? chains[i - 1] : NULL;
                if (img_layer_chain_id(jobs[i].parent_chain_id, diff_id, chains[i]) < 0)
                        return die("diff_id", NULL);
        }
        double t2 = now_ms();
        if (img_layerstore_create_many(ls, jobs, n, threads, &err) < 0)
                return die("unpack", err);
        double t3 = now_ms();
        printf("total_ms=%.0f spool_ms=%.0f unpack_ms=%.0f layers=%zu driver=%s cpu_ms=%.0f\n",
               t3 - t0, t1 - t0, t3 - t2, n, img_layerstore_driver_name(ls), cpu_ms());
        for (size_t i = 0; i < n; i++)
                close(jobs[i].src_fd);
        free(jobs);
        free(chains);
        json_decref(cfg);
        json_decref(m);
        img_layerstore_free(ls);
        free(dir);
        return 0;
}

static int run_store(const char *archive, const char *root, ImgDriverKind driver)
{
        BerthError *err = NULL;
        ImgStore *s = NULL;
        double t0 = now_ms();
        if (img_store_open(root, driver, &s, &err) < 0)
                return die("open the image store", err);
        int fd = open(archive, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return die(archive, NULL);
        json_t *loaded = NULL;
        if (img_store_load(s, fd, &loaded, &err) < 0)
                return die("load", err);
        double t1 = now_ms();
        printf("total_ms=%.0f driver=%s cpu_ms=%.0f\n", t1 - t0, img_store_driver_name(s),
               cpu_ms());
        json_decref(loaded);
        close(fd);
        img_store_free(s);
        return 0;
}

int main(int argc, char **argv)
{
        const char *mode = "store";
        ImgDriverKind driver = IMG_DRIVER_AUTO;
        unsigned threads = 0;
        static const struct option opts[] = {{"mode", required_argument, NULL, 'm'},
                                             {"driver", required_argument, NULL, 'd'},
                                             {"threads", required_argument, NULL, 't'},
                                             {NULL, 0, NULL, 0}};
        int c;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 'm')
                        mode = optarg;
                else if (c == 'd' && img_driver_parse(optarg, &driver) == 0)
                        continue;
                else if (c == 't')
                        threads = (unsigned)strtoul(optarg, NULL, 10);
                else
                        goto usage;
        }
        if (argc - optind != 2)
                goto usage;
        if (strcmp(mode, "layers") == 0)
                return run_layers(argv[optind], argv[optind + 1], driver, threads, false);
        if (strcmp(mode, "decode") == 0)
                return run_layers(argv[optind], argv[optind + 1], driver, threads, true);
        if (strcmp(mode, "store") == 0)
                return run_store(argv[optind], argv[optind + 1], driver);
usage:
        fprintf(stderr, "usage: image-load [--mode store|layers|decode] [--driver overlay|vfs] "
                        "[--threads N] ARCHIVE DATA_ROOT\n");
        return 2;
}
