/* The storage-driver interface inside the layer store. */
#pragma once

#include "image/layerstore.h"

typedef struct ImgDriverOps {
        const char *name;
        ImgWhiteoutMode whiteouts;
        /* vfs layers start as a copy of their parent, so the parent must be
         * in the store first; overlay layers can be unpacked in any order
         * (in parallel), the chain is only needed to mount. */
        bool needs_parent;
        /* Fills a new layer's empty diff dir before the tar is unpacked
         * into it (vfs: a copy of the parent). parent may be NULL. */
        int (*prepare_layer)(ImgLayerStore *ls, const char *parent_chain_id, int diff_dirfd,
                             BerthError **err);
        int (*mount)(ImgLayerStore *ls, const char *chain_id, const char *container_dir,
                     const char *rootfs, BerthError **err);
        int (*unmount)(ImgLayerStore *ls, const char *container_dir, const char *rootfs,
                       BerthError **err);
        int (*changes)(ImgLayerStore *ls, const char *chain_id, const char *container_dir,
                       int out_fd, BerthError **err);
} ImgDriverOps;

extern const ImgDriverOps img_driver_overlay;
extern const ImgDriverOps img_driver_vfs;

struct ImgLayerStore {
        char *root;  /* <data_root>/layers */
        int root_fd; /* O_RDONLY directory fd of root */
        const ImgDriverOps *ops;
};

/* Chain of diff dirs from chain_id down to the base, top first. */
int img_layerstore_lowers(ImgLayerStore *ls, const char *chain_id, char ***ret, BerthError **err);
/* Probes overlay with a test mount in dir; 0 when it works. */
int img_overlay_probe(const char *dir, BerthError **err);
