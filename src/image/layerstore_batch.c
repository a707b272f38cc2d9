/* img_layerstore_create_many: a batch of layers, unpacked by a small pool
 * of threads. overlay layers are independent (a layer holds only its own
 * changes), so every job of the batch can run at once; vfs layers start as
 * a copy of their parent, so a vfs batch runs in order on one thread.
 *
 * Jobs are taken in order from a shared counter; after a failure no new job
 * starts, the running ones finish, and every layer this call created is
 * removed again (children first). The error reported is the one of the
 * failed job with the lowest index, so the message does not depend on the
 * scheduling. Two jobs that name the same layer (same parent and expected
 * diff_id) are unpacked once; the second gets the first one's info. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "image/layerstore.h"
#include "image/layerstore_internal.h"

typedef struct BatchJob {
        ImgLayerJob *job;
        size_t same_as; /* index of the job that unpacks the same layer, or itself */
        int r;          /* result of img_layerstore_create: 1 created, 0 existed, < 0 failed */
        BerthError *err;
} BatchJob;

typedef struct Batch {
        ImgLayerStore *ls;
        BatchJob *jobs;
        size_t n_jobs;
        pthread_mutex_t lock;
        size_t next;
        bool failed;
} Batch;

/* The next job to run, or SIZE_MAX when none is left or a job failed. */
static size_t take_job(Batch *b)
{
        size_t i = SIZE_MAX;
        pthread_mutex_lock(&b->lock);
        while (!b->failed && b->next < b->n_jobs) {
                size_t k = b->next++;
                if (b->jobs[k].same_as == k) {
                        i = k;
                        break;
                }
        }
        pthread_mutex_unlock(&b->lock);
        return i;
}

static void *worker(void *arg)
{
        Batch *b = arg;
        size_t i;
        while ((i = take_job(b)) != SIZE_MAX) {
                BatchJob *bj = &b->jobs[i];
                ImgLayerJob *j = bj->job;
                bj->r = img_layerstore_create(b->ls, j->parent_chain_id, j->expected_diff_id,
                                              j->src_fd, &j->info, &bj->err);
                if (bj->r < 0) {
                        if (!bj->err)
                                error_set(&bj->err, bj->r, "layer %s: unpack failed",
                                          j->expected_diff_id ?: "(new)");
                        pthread_mutex_lock(&b->lock);
                        b->failed = true;
                        pthread_mutex_unlock(&b->lock);
                }
        }
        return NULL;
}

static unsigned pick_threads(const ImgLayerStore *ls, unsigned max_threads, size_t n_jobs)
{
        if (ls->ops->needs_parent)
                return 1;
        unsigned n = max_threads;
        if (n == 0) {
                long cpus = sysconf(_SC_NPROCESSORS_ONLN);
                n = cpus > 0 ? (unsigned)cpus : 1;
        }
        if (n > 64)
                n = 64;
        if (n > n_jobs)
                n = (unsigned)n_jobs;
        return n ? n : 1;
}

/* Jobs naming the same layer: the later ones copy the first one's result. */
static void find_duplicates(BatchJob *jobs, size_t n_jobs)
{
        for (size_t i = 0; i < n_jobs; i++) {
                jobs[i].same_as = i;
                const ImgLayerJob *a = jobs[i].job;
                if (!a->expected_diff_id)
                        continue;
                for (size_t k = 0; k < i; k++) {
                        const ImgLayerJob *c = jobs[k].job;
                        if (jobs[k].same_as == k && c->expected_diff_id &&
                            strcmp(a->expected_diff_id, c->expected_diff_id) == 0 &&
                            strcmp(a->parent_chain_id ?: "", c->parent_chain_id ?: "") == 0) {
                                jobs[i].same_as = k;
                                break;
                        }
                }
        }
}

int img_layerstore_create_many(ImgLayerStore *ls, ImgLayerJob *jobs, size_t n_jobs,
                               unsigned max_threads, BerthError **err)
{
        if (n_jobs == 0)
                return 0;
        if (!jobs)
                return error_set(err, EINVAL, "layer batch: no jobs given");
        _cleanup_free_ BatchJob *bjobs = calloc(n_jobs, sizeof(*bjobs));
        if (!bjobs)
                return error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n_jobs; i++)
                bjobs[i].job = &jobs[i];
        find_duplicates(bjobs, n_jobs);

        Batch b = {.ls = ls, .jobs = bjobs, .n_jobs = n_jobs};
        pthread_mutex_init(&b.lock, NULL);
        unsigned n_threads = pick_threads(ls, max_threads, n_jobs);
        pthread_t tids[64];
        unsigned started = 0;
        /* The calling thread works too: n_threads - 1 helpers. */
        for (unsigned t = 1; t < n_threads; t++) {
                if (pthread_create(&tids[started], NULL, worker, &b) != 0)
                        break; /* fewer helpers: still correct */
                started++;
        }
        worker(&b);
        for (unsigned t = 0; t < started; t++)
                pthread_join(tids[t], NULL);
        pthread_mutex_destroy(&b.lock);

        int r = 0;
        for (size_t i = 0; i < n_jobs; i++) {
                if (bjobs[i].r < 0 && r == 0) {
                        r = bjobs[i].r;
                        error_move(err, TAKE_PTR(bjobs[i].err));
                }
                error_free(bjobs[i].err);
        }
        if (r < 0) {
                /* Children before parents: the reverse of the batch order. */
                for (size_t i = n_jobs; i-- > 0;)
                        if (bjobs[i].same_as == i && bjobs[i].r > 0)
                                (void)img_layerstore_remove(ls, jobs[i].info.chain_id, NULL);
                return r;
        }
        for (size_t i = 0; i < n_jobs; i++)
                if (bjobs[i].same_as != i)
                        jobs[i].info = jobs[bjobs[i].same_as].info;
        return 0;
}
