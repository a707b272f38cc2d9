/* libFuzzer target for the layer unpacker: arbitrary bytes as a (possibly
 * compressed) layer stream, unpacked into a fresh temporary directory that
 * is checked to hold everything written, then removed. The first byte picks
 * the whiteout mode. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileutil.h"
#include "image/layer_unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[64];

static void remove_base(void)
{
        rm_rf(base, NULL);
}

/* Anything written outside the layer dir would land in base beside it. */
static void check_confined(void)
{
        struct stat st;
        char p[128];
        snprintf(p, sizeof(p), "%s/outside", base);
        if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_nlink != 2)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (!base[0]) {
                /* tmpfs when there is one: ext4 metadata ops dominate otherwise */
                strcpy(base, "/dev/shm/fuzz-untar-XXXXXX");
                if (!mkdtemp(base)) {
                        strcpy(base, "/tmp/fuzz-untar-XXXXXX");
                        if (!mkdtemp(base))
                                abort();
                }
                atexit(remove_base);
                char p[128];
                snprintf(p, sizeof(p), "%s/outside", base);
                mkdir(p, 0755);
        }
        if (size < 1)
                return 0;
        ImgWhiteoutMode mode = data[0] & 1 ? IMG_WHITEOUT_DELETE : IMG_WHITEOUT_OVERLAY;
        int fd = memfd_create("fuzz", MFD_CLOEXEC);
        if (fd < 0)
                abort();
        if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
                abort();
        lseek(fd, 0, SEEK_SET);
        char dir[128];
        snprintf(dir, sizeof(dir), "%s/layer", base);
        mkdir(dir, 0755);
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                abort();
        ImgUnpackOptions opts = {.whiteouts = mode, .name = "fuzz"};
        ImgUnpackResult res;
        BerthError *err = NULL;
        int r = img_layer_unpack(fd, dfd, &opts, &res, &err);
        if (r < 0 && (!err || !err->message || !*err->message))
                abort(); /* every failure explains itself */
        error_free(err);
        close(dfd);
        close(fd);
        check_confined();
        rm_rf(dir, NULL);
        return 0;
}
