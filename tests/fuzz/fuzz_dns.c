/* The embedded DNS server's parser and answer builder on arbitrary packets,
 * and the -p spec parser on arbitrary strings (both untrusted input). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/json.h"
#include "network/dns_packet.h"
#include "network/portspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        NetDnsQuery q;
        if (net_dns_parse_query(data, size, &q) == 0) {
                uint8_t out[512];
                uint32_t ips[3] = {1, 2, 3};
                uint32_t ip;
                (void)net_dns_build_reply(data, &q, 0, ips, 3, NULL, 60, out, sizeof(out));
                (void)net_dns_build_reply(data, &q, 0, NULL, 0, q.name, 60, out, sizeof(out));
                (void)net_dns_ptr_ip4(q.name, &ip);
                NetIp6 ips6[2] = {{{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}}, {{0}}};
                (void)net_dns_build_reply6(data, &q, 0, ips6, 2, 60, out, sizeof(out));
                (void)net_dns_build_reply6(data, &q, 0, ips6, 2, 60, out, 64);
                (void)net_dns_ptr_ip6(q.name, &ips6[1]);
        }
        char *s = strndup((const char *)data, size);
        if (s) {
                NetPortSpec spec;
                BerthError *err = NULL;
                if (net_portspec_parse(s, &spec, &err) == 0) {
                        json_t *e = json_object(), *b = json_object(), *same = json_array();
                        (void)net_portspec_to_api(&spec, e, b, same, NULL);
                        json_decref(e);
                        json_decref(b);
                        json_decref(same);
                }
                error_free(err);
                free(s);
        }
        return 0;
}
