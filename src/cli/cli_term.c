/* Terminal handling for -t: raw mode (restored at exit), the window size,
 * and the detach key sequence (default ctrl-p,ctrl-q), parsed as docker does
 * ("a", "ctrl-a" .. "ctrl-z", "ctrl-@", "ctrl-[", "ctrl-\\", "ctrl-]",
 * "ctrl-^", "ctrl-_", comma separated). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"

static struct termios saved;
static int saved_fd = -1;

void cli_term_restore(void)
{
        if (saved_fd >= 0) {
                tcsetattr(saved_fd, TCSANOW, &saved);
                saved_fd = -1;
        }
}

int cli_term_raw(int fd)
{
        struct termios t;
        if (tcgetattr(fd, &t) < 0)
                return -errno;
        if (saved_fd < 0) {
                saved = t;
                saved_fd = fd;
                atexit(cli_term_restore);
        }
        cfmakeraw(&t);
        /* keep output post-processing off as docker does, but let the
         * terminal keep generating nothing itself: signals go to the
         * container as bytes */
        if (tcsetattr(fd, TCSANOW, &t) < 0)
                return -errno;
        return 0;
}

int cli_term_size(int fd, unsigned *rows, unsigned *cols)
{
        struct winsize ws;
        if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
                return -errno;
        *rows = ws.ws_row;
        *cols = ws.ws_col;
        return 0;
}

int cli_detach_keys_parse(const char *spec, unsigned char *ret, size_t max, BerthError **err)
{
        size_t n = 0;
        const char *p = spec;

        if (!spec || !*spec)
                return error_set(err, EINVAL, "invalid detach keys: empty sequence");
        while (*p) {
                const char *end = strchr(p, ',');
                size_t len = end ? (size_t)(end - p) : strlen(p);
                if (n >= max)
                        return error_set(err, EINVAL, "invalid detach keys (%s): too long", spec);
                if (len == 1) {
                        ret[n++] = (unsigned char)p[0];
                } else if (len == 6 && strncasecmp(p, "ctrl-", 5) == 0) {
                        char c = p[5];
                        if (isalpha((unsigned char)c))
                                ret[n++] = (unsigned char)(tolower((unsigned char)c) - 'a' + 1);
                        else if (c == '@')
                                ret[n++] = 0;
                        else if (c == '[')
                                ret[n++] = 27;
                        else if (c == '\\')
                                ret[n++] = 28;
                        else if (c == ']')
                                ret[n++] = 29;
                        else if (c == '^')
                                ret[n++] = 30;
                        else if (c == '_')
                                ret[n++] = 31;
                        else
                                return error_set(err, EINVAL, "Unknown character: '%.*s'", (int)len,
                                                 p);
                } else {
                        return error_set(err, EINVAL, "Unknown character: '%.*s'", (int)len, p);
                }
                if (!end)
                        break;
                p = end + 1;
                if (!*p)
                        return error_set(err, EINVAL, "Unknown character: ''");
        }
        return (int)n;
}

size_t cli_detach_filter(CliDetach *d, const unsigned char *in, size_t len, unsigned char *out,
                         bool *detached)
{
        size_t o = 0;
        *detached = false;
        for (size_t i = 0; i < len; i++) {
                if (in[i] == d->keys[d->matched]) {
                        d->matched++;
                        if (d->matched == d->nkeys) {
                                *detached = true;
                                d->matched = 0;
                                return o;
                        }
                        continue;
                }
                /* mismatch: release what was held back, then retry this byte */
                if (d->matched) {
                        memcpy(out + o, d->keys, d->matched);
                        o += d->matched;
                        d->matched = 0;
                        if (in[i] == d->keys[0]) {
                                d->matched = 1;
                                if (d->nkeys == 1) {
                                        *detached = true;
                                        d->matched = 0;
                                        return o;
                                }
                                continue;
                        }
                }
                out[o++] = in[i];
        }
        return o;
}
