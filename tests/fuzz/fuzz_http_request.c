/* libFuzzer target for berthd's request parsing (http_request.h): request
 * line, headers, path and query decoding, Content-Length and chunked
 * bodies, pipelined requests. Input: the first byte sets how many bytes
 * each feed gets (1..256, to split tokens anywhere), the rest is what a
 * client sends. Any bytes must end in requests or one error, never a crash,
 * a hang or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/http_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_body(const char *p, size_t len, void *ud)
{
        size_t *total = ud;
        *total += len;
        if (len > 0 && p[0] == p[len - 1]) /* touch both ends */
                (*total)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        size_t step = (size_t)data[0] + 1;
        const char *in = (const char *)data + 1;
        size_t len = size - 1, pos = 0;
        while (pos < len) {
                HttpRequest r;
                size_t body = 0;
                http_request_init(&r);
                r.on_body = count_body;
                r.body_userdata = &body;
                while (pos < len && r.state != HTTP_STATE_DONE && r.state != HTTP_STATE_ERROR) {
                        size_t n = len - pos < step ? len - pos : step;
                        size_t k = http_request_feed(&r, in + pos, n);
                        /* a pause at the end of the head may take nothing
                         * only when the state moved on */
                        if (k == 0 && r.state == HTTP_STATE_HEAD)
                                __builtin_trap();
                        pos += k;
                }
                if (r.state != HTTP_STATE_HEAD && r.state != HTTP_STATE_ERROR) {
                        (void)http_request_header(&r, "Content-Type");
                        (void)http_request_has_body(&r);
                        for (size_t i = 0; i < r.n_query; i++)
                                (void)strlen(r.query[i].name);
                        if (!r.path || !r.method)
                                __builtin_trap();
                }
                HttpState st = r.state;
                http_request_clear(&r);
                if (st != HTTP_STATE_DONE)
                        break;
        }
        return 0;
}
