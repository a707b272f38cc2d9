/* Names to image IDs, as Docker's ImageService.GetImage resolves them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "image/store_internal.h"

char *store_familiar(const char *full_ref)
{
        _cleanup_reference_ ImgReference *ref = NULL;
        if (img_reference_parse_normalized(full_ref, &ref, NULL) < 0)
                return strdup(full_ref);
        return img_reference_familiar_string(ref);
}

static bool is_hex(const char *s, size_t max)
{
        size_t n = strlen(s);
        if (n == 0 || n > max)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

bool store_is_id_like(const char *name)
{
        if (strncmp(name, "sha256:", 7) == 0)
                name += 7;
        return is_hex(name, IMG_SHA256_HEX_LEN);
}

static int lookup_ref(ImgStore *s, const char *ref, char ret_id[IMG_DIGEST_LEN + 1],
                      BerthError **err)
{
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = store_db_prepare(s, "SELECT image_id FROM img_refs WHERE ref = ?", &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                snprintf(ret_id, IMG_DIGEST_LEN + 1, "%s",
                         (const char *)sqlite3_column_text(st, 0));
                return 1;
        }
        if (rc != SQLITE_DONE)
                return store_db_error(s, "look up reference", err);
        return 0;
}

/* 1 found, 0 none, -EBUSY... ambiguous prefixes count as not found, as
 * Docker's digest set reports them ("ambiguous" is a 404 there too). */
static int lookup_prefix(ImgStore *s, const char *name, char ret_id[IMG_DIGEST_LEN + 1],
                         BerthError **err)
{
        const char *hex = strncmp(name, "sha256:", 7) == 0 ? name + 7 : name;
        if (!is_hex(hex, IMG_SHA256_HEX_LEN))
                return 0;
        char pattern[IMG_DIGEST_LEN + 2];
        snprintf(pattern, sizeof(pattern), "sha256:%s*", hex);
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = store_db_prepare(s, "SELECT id FROM img_images WHERE id GLOB ? LIMIT 2", &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
        int n = 0, rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (n == 0)
                        snprintf(ret_id, IMG_DIGEST_LEN + 1, "%s",
                                 (const char *)sqlite3_column_text(st, 0));
                n++;
        }
        if (rc != SQLITE_DONE)
                return store_db_error(s, "look up image", err);
        return n == 1 ? 1 : 0;
}

int store_resolve(ImgStore *s, const char *name, char ret_id[IMG_DIGEST_LEN + 1], char **ret_ref,
                  BerthError **err)
{
        if (ret_ref)
                *ret_ref = NULL;
        if (!name || !*name)
                return error_set(err, EINVAL, "invalid reference format: empty image name");
        /* A full ID, bare or with its algorithm. */
        char id[IMG_DIGEST_LEN + 1];
        bool full_id = false;
        if (img_is_hex_id(name)) {
                snprintf(id, sizeof(id), "sha256:%s", name);
                full_id = true;
        } else if (strncmp(name, "sha256:", 7) == 0 && img_is_hex_id(name + 7)) {
                snprintf(id, sizeof(id), "%s", name);
                full_id = true;
        }
        if (full_id) {
                int r = store_db_image_exists(s, id, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        return error_set(err, ENOENT, "No such image: %s", id);
                memcpy(ret_id, id, sizeof(id));
                return 0;
        }
        BerthError *perr = NULL;
        _cleanup_reference_ ImgReference *ref = NULL;
        int r = img_reference_parse_docker(name, &ref, &perr);
        if (r < 0) {
                /* "sha256:abc" (a short ID with its algorithm) is no reference. */
                if (strncmp(name, "sha256:", 7) == 0) {
                        error_free(perr);
                        r = lookup_prefix(s, name, ret_id, err);
                        if (r < 0)
                                return r;
                        if (r > 0)
                                return 0;
                        return error_set(err, ENOENT, "No such image: %s", name);
                }
                return error_move(err, perr);
        }
        _cleanup_free_ char *full = img_reference_string(ref);
        if (!full)
                return error_set(err, ENOMEM, "out of memory");
        r = lookup_ref(s, full, ret_id, err);
        if (r < 0)
                return r;
        if (r > 0) {
                if (ret_ref)
                        *ret_ref = TAKE_PTR(full);
                return 0;
        }
        r = lookup_prefix(s, name, ret_id, err);
        if (r < 0)
                return r;
        if (r > 0)
                return 0;
        _cleanup_free_ char *fam = img_reference_familiar_string(ref);
        return error_set(err, ENOENT, "No such image: %s", fam ? fam : name);
}
