/* Rendering and applying berth's nftables table. */
#include "network/nft.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

static void fclosep_mem(FILE **f)
{
        if (*f)
                fclose(*f);
}

static void port_rule(FILE *f, const NetNftPort *p)
{
        char hip[16], cip[16];
        net_ip4_format(p->container_ip, cip, sizeof(cip));
        fputs("\t\t", f);
        if (p->host_ip)
                fprintf(f, "ip daddr %s ", net_ip4_format(p->host_ip, hip, sizeof(hip)));
        bool range = p->host_last > p->host_first;
        if (range && p->host_first == p->container_first) {
                /* Same numbers: one rule, the destination port is kept. */
                fprintf(f, "%s dport %u-%u dnat to %s\n", p->proto, p->host_first, p->host_last,
                        cip);
        } else if (range) {
                /* Shifted range: one rule with a map, still no rule per port. */
                fprintf(f, "dnat ip to %s dport map { ", p->proto);
                for (unsigned i = 0; i <= (unsigned)(p->host_last - p->host_first); i++)
                        fprintf(f, "%s%u : %s . %u", i ? ", " : "", p->host_first + i, cip,
                                p->container_first + i);
                fputs(" }\n", f);
        } else {
                fprintf(f, "%s dport %u dnat to %s:%u\n", p->proto, p->host_first, cip,
                        p->container_first);
        }
}

int net_nft_render(const char *table, const NetNftNetwork *nets, size_t n_nets,
                   const NetNftPort *ports, size_t n_ports, char **ret, BerthError **err)
{
        char *buf = NULL;
        size_t len = 0;
        __attribute__((cleanup(fclosep_mem))) FILE *f = open_memstream(&buf, &len);
        if (!f)
                return error_set(err, ENOMEM, "out of memory");
        /* Create-then-delete makes the delete valid when the table is absent;
         * the whole script is one transaction. */
        fprintf(f, "table ip %s\ndelete table ip %s\ntable ip %s {\n", table, table, table);
        fputs("\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy "
              "accept;\n\t\tfib daddr type local jump published\n\t}\n",
              f);
        fputs("\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n"
              "\t\tfib daddr type local jump published\n\t}\n",
              f);
        fputs("\tchain published {\n", f);
        for (size_t i = 0; i < n_ports; i++)
                port_rule(f, &ports[i]);
        fputs("\t}\n", f);
        fputs("\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy "
              "accept;\n",
              f);
        for (size_t i = 0; i < n_nets; i++) {
                char sn[20];
                if (nets[i].internal)
                        continue;
                fprintf(f, "\t\tip saddr %s oifname != \"%s\" masquerade\n",
                        net_subnet4_format(nets[i].subnet, sn, sizeof(sn)), nets[i].bridge);
                fprintf(f, "\t\tip saddr 127.0.0.0/8 oifname \"%s\" masquerade\n", nets[i].bridge);
        }
        fputs("\t}\n", f);
        fputs("\tchain forward {\n\t\ttype filter hook forward priority filter; policy "
              "accept;\n",
              f);
        for (size_t i = 0; i < n_nets; i++) {
                const char *b = nets[i].bridge;
                if (nets[i].internal) {
                        fprintf(f, "\t\tiifname \"%s\" oifname != \"%s\" drop\n", b, b);
                        fprintf(f, "\t\toifname \"%s\" iifname != \"%s\" drop\n", b, b);
                        continue;
                }
                fprintf(f, "\t\toifname \"%s\" ct state established,related accept\n", b);
                fprintf(f, "\t\toifname \"%s\" ct status dnat accept\n", b);
                fprintf(f, "\t\toifname \"%s\" iifname != \"%s\" drop\n", b, b);
        }
        fputs("\t}\n}\n", f);
        if (fflush(f) != 0 || ferror(f))
                return error_set(err, ENOMEM, "out of memory");
        fclose(f);
        f = NULL;
        *ret = buf;
        return 0;
}

int net_nft_apply(const char *script, BerthError **err)
{
        struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
        if (!ctx)
                return error_set(err, ENOMEM, "nftables: cannot create a context");
        nft_ctx_buffer_output(ctx);
        nft_ctx_buffer_error(ctx);
        int r = nft_run_cmd_from_buffer(ctx, script);
        int ret = 0;
        if (r != 0) {
                const char *msg = nft_ctx_get_error_buffer(ctx);
                _cleanup_free_ char *first = strndup(msg ? msg : "", 400);
                if (first) {
                        char *nl = strchr(first, '\n');
                        if (nl)
                                *nl = '\0';
                }
                ret = error_set(err, EIO, "nftables: applying berth's rules failed: %s",
                                first && *first ? first : "unknown error");
        }
        nft_ctx_free(ctx);
        return ret;
}

int net_nft_sync(const char *table, const NetNftNetwork *nets, size_t n_nets,
                 const NetNftPort *ports, size_t n_ports, BerthError **err)
{
        _cleanup_free_ char *script = NULL;
        int r = net_nft_render(table, nets, n_nets, ports, n_ports, &script, err);
        return r < 0 ? r : net_nft_apply(script, err);
}

int net_nft_remove(const char *table, BerthError **err)
{
        _cleanup_free_ char *script = NULL;
        if (asprintf(&script, "table ip %s\ndelete table ip %s\n", table, table) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return net_nft_apply(script, err);
}
