/* Detach keys as Docker parses and applies them (moby/term ToBytes and its
 * escape proxy). */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "daemon/api_attach_internal.h"

/* ctrl-@ = 0, ctrl-a = 1 ... ctrl-z = 26, ctrl-[ = 27 ... ctrl-_ = 31 */
static int ctrl_code(const char *key)
{
        if (strlen(key) != 6 || strncasecmp(key, "ctrl-", 5) != 0)
                return -1;
        char c = key[5];
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 1;
        if (c >= 'A' && c <= 'Z')
                return c - 'A' + 1;
        const char *rest = "@[\\]^_";
        const char *p = strchr(rest, c);
        if (!p || !c)
                return -1;
        return p == rest ? 0 : (int)(p - rest) + 26;
}

int api_detach_keys_parse(const char *s, uint8_t ret[API_DETACH_KEYS_MAX], size_t *ret_len,
                          BerthError **err)
{
        const char *orig = s;
        if (!s || !*s)
                s = API_DETACH_KEYS_DEFAULT;
        size_t n = 0;
        const char *p = s;
        for (;;) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);
                char key[16];
                int code;
                if (len == 1) {
                        code = (unsigned char)p[0];
                } else {
                        if (len >= sizeof(key))
                                code = -1;
                        else {
                                memcpy(key, p, len);
                                key[len] = 0;
                                code = ctrl_code(key);
                        }
                }
                if (code < 0 || n >= API_DETACH_KEYS_MAX)
                        return error_set(err, EINVAL, "Invalid detach keys (%s) provided", orig);
                ret[n++] = (uint8_t)code;
                if (!comma)
                        break;
                p = comma + 1;
        }
        *ret_len = n;
        return 0;
}

bool api_detach_filter(ApiDetachFilter *f, const uint8_t *in, size_t n, uint8_t *out,
                       size_t *out_len)
{
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                uint8_t c = in[i];
                if (f->n == 0) {
                        out[o++] = c;
                        continue;
                }
                if (c == f->keys[f->matched]) {
                        if (++f->matched == f->n) {
                                f->matched = 0;
                                *out_len = o;
                                return true;
                        }
                        continue;
                }
                /* the sequence broke: release what was held, then this byte
                 * may start a new one */
                memcpy(out + o, f->keys, f->matched);
                o += f->matched;
                f->matched = 0;
                if (c == f->keys[0]) {
                        if (f->n == 1) {
                                *out_len = o;
                                return true;
                        }
                        f->matched = 1;
                } else {
                        out[o++] = c;
                }
        }
        *out_len = o;
        return false;
}
