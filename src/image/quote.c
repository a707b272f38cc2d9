/* Printable copies of untrusted strings for messages. */
#include "image/quote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *img_quote(const char *s, char buf[IMG_QUOTE_MAX])
{
        /* room for one escape (4) and the "..." marker (3) and the NUL */
        const size_t limit = IMG_QUOTE_MAX - 8;
        size_t o = 0;
        if (!s)
                s = "";
        for (; *s && o < limit; s++) {
                unsigned char c = (unsigned char)*s;
                if (c < 0x20 || c == 0x7f)
                        o += (size_t)snprintf(buf + o, IMG_QUOTE_MAX - o, "\\x%02x", c);
                else
                        buf[o++] = (char)c;
        }
        if (*s) {
                memcpy(buf + o, "...", 3);
                o += 3;
        }
        buf[o] = '\0';
        return buf;
}

void img_error_escape(BerthError *err)
{
        if (!err || !err->message)
                return;
        size_t n = strlen(err->message);
        char *out = malloc(n * 4 + 1);
        if (!out)
                return;
        size_t o = 0;
        for (const char *p = err->message; *p; p++) {
                unsigned char c = (unsigned char)*p;
                if (c < 0x20 || c == 0x7f)
                        o += (size_t)sprintf(out + o, "\\x%02x", c);
                else
                        out[o++] = (char)c;
        }
        out[o] = '\0';
        free(err->message);
        err->message = out;
}
