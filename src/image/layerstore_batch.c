/* img_layerstore_create_many: a batch of layers. (Sequential for now; the
 * parallel version replaces this file.) */
#include <errno.h>
#include <stddef.h>

#include "image/layerstore.h"

int img_layerstore_create_many(ImgLayerStore *ls, ImgLayerJob *jobs, size_t n_jobs,
                               unsigned max_threads, BerthError **err)
{
        size_t created = 0;
        for (size_t i = 0; i < n_jobs; i++) {
                int r = img_layerstore_create(ls, jobs[i].parent_chain_id,
                                              jobs[i].expected_diff_id, jobs[i].src_fd,
                                              &jobs[i].info, err);
                if (r < 0) {
                        for (size_t j = 0; j < i; j++)
                                if (created & ((size_t)1 << (j % 64)))
                                        (void)img_layerstore_remove(ls, jobs[j].info.chain_id, NULL);
                        return r;
                }
                if (r > 0 && i < 64)
                        created |= (size_t)1 << i;
        }
        return 0;
}
