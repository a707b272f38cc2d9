/* The image store (image.h). Stubs: to be written. */
#include <errno.h>
#include <stdlib.h>

#include "berth-config.h"
#include "image/image.h"

const char *img_library_version(void);
const char *img_library_version(void)
{
        return BERTH_VERSION;
}

int img_store_open(const char *data_root, ImgDriverKind driver, ImgStore **ret,
                   BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

void img_image_free(ImgImage *img)
{
}

int img_store_get(ImgStore *s, const char *name, ImgImage **ret, BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_container_mount(ImgStore *s, const char *image_id, const char *container_id,
                              const char *container_dir, char **ret_rootfs, BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_container_unmount(ImgStore *s, const char *container_dir, BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_container_remove(ImgStore *s, const char *container_id, const char *container_dir,
                               BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_container_export(ImgStore *s, const char *image_id, const char *container_dir,
                               int out_fd, BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_container_changes(ImgStore *s, const char *image_id, const char *container_dir,
                                json_t **ret, BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_load(ImgStore *s, int fd, json_t **ret_loaded, BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_save(ImgStore *s, const char *const *names, int out_fd, BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_import(ImgStore *s, int fd, const ImgImportOptions *o,
                     char ret_id[IMG_DIGEST_LEN + 1], BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_tag(ImgStore *s, const char *source, const char *target, BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_remove(ImgStore *s, const char *name, bool force, bool noprune, json_t **ret,
                     BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_list(ImgStore *s, bool all, json_t *filters, json_t **ret, BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_inspect(ImgStore *s, const char *name, json_t **ret, BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_history(ImgStore *s, const char *name, json_t **ret, BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_prune(ImgStore *s, json_t *filters, json_t **ret, BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}

int img_store_counts(ImgStore *s, uint64_t *ret_images, uint64_t *ret_layer_bytes,
                     BerthError **err)
{
        return error_set(err, ENOSYS, "image store: not implemented");
}
