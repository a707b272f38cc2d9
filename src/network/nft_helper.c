/* berth-nft: applies one nft script, read whole from stdin, in one
 * libnftables transaction. berthd spawns it per apply (net_nft_apply) so
 * that libnftables and what it pulls in (libnftnl, libxtables, libgmp)
 * never sit in the long-running daemon's memory.
 *
 * Exit 0 when applied; 1 with nft's error text on stderr otherwise. */
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_all(FILE *in)
{
        size_t cap = 16384, len = 0;
        char *buf = malloc(cap);
        while (buf) {
                len += fread(buf + len, 1, cap - len - 1, in);
                if (ferror(in)) {
                        free(buf);
                        return NULL;
                }
                if (feof(in)) {
                        buf[len] = '\0';
                        return buf;
                }
                char *n = len + 1 >= cap ? realloc(buf, cap *= 2) : buf;
                if (!n)
                        free(buf);
                buf = n;
        }
        return NULL;
}

int main(void)
{
        char *script = read_all(stdin);
        if (!script) {
                fputs("cannot read the script from stdin\n", stderr);
                return 1;
        }
        struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
        if (!ctx) {
                fputs("cannot create a context\n", stderr);
                return 1;
        }
        nft_ctx_buffer_output(ctx);
        nft_ctx_buffer_error(ctx);
        int r = nft_run_cmd_from_buffer(ctx, script);
        if (r != 0) {
                const char *msg = nft_ctx_get_error_buffer(ctx);
                fputs(msg && *msg ? msg : "unknown error\n", stderr);
        }
        /* No nft_ctx_free: the process ends here, and unmapping the
         * context's buffers one by one costs ~2 ms of the ~12 an apply
         * takes. Leak checkers want everything freed. */
#ifdef __SANITIZE_ADDRESS__
        nft_ctx_free(ctx);
        free(script);
#endif
        return r != 0 ? 1 : 0;
}
