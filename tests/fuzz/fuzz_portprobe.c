/* The parser of the kernel's socket tables (/proc/net/tcp and the like,
 * /proc/net/sctp/eps) on arbitrary bytes, then queries on what it kept. */
#include <stddef.h>
#include <stdint.h>

#include "network/portprobe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* The first byte chooses the table's format. */
        uint8_t sel = size ? data[0] : 0;
        const char *text = size ? (const char *)data + 1 : "";
        size_t len = size ? size - 1 : 0;
        NetPortProbe p;
        net_portprobe_init(&p, false);
        if (sel % 5 == 4)
                (void)net_portprobe_parse_sctp(&p, text, len);
        else
                (void)net_portprobe_parse(&p, sel % 5 < 2 ? NET_PORT_TCP : NET_PORT_UDP, sel % 2,
                                          text, len);
        NetPortQuery q = {.proto = (NetPortProto)(sel % 3), .v4 = true, .v6 = true};
        for (size_t i = 0; i < p.n && i < 8; i++)
                (void)net_portprobe_free(&p, &q, p.v[i].port);
        uint16_t port;
        (void)net_portprobe_pick(&p, &q, 1, 1024, sel, NULL, NULL, &port, NULL);
        net_portprobe_clear(&p);
        return 0;
}
