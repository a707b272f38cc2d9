/* The host's ports in use from the kernel's socket tables (portprobe.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "network/ipam.h"
#include "network/portprobe.h"

/* As the kernel prints them on a little-endian machine. */
static const char TCP[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n"
    /* 127.0.0.1:8080 LISTEN */
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "1001 1 0000000000000000 100 0 0 10 0\n"
    /* 0.0.0.0:22 LISTEN */
    "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
    "1002 1 0000000000000000 100 0 0 10 0\n"
    /* 127.0.0.1:8081 ESTABLISHED (a client's end): not a listener */
    "   2: 0100007F:1F91 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 "
    "1003 1 0000000000000000 20 4 30 10 -1\n"
    /* 10.1.2.3:8084 TIME_WAIT */
    "   3: 0302010A:1F94 0502010A:0050 06 00000000:00000000 03:00000F3C 00000000     0        0 "
    "0 3 0000000000000000\n";

static const char TCP6[] =
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    /* [::]:80 LISTEN */
    "   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0\n"
    /* [::1]:8082 LISTEN */
    "   1: 00000000000000000000000001000000:1F92 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 100 0 0 10 0\n"
    /* [::ffff:127.0.0.1]:8083 LISTEN: an IPv4 socket as far as conflicts go */
    "   2: 0000000000000000FFFF00000100007F:1F93 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000     0        0 2003 1 0000000000000000 100 0 0 10 0\n"
    /* [fd00::5]:9090 ESTABLISHED */
    "   3: 000000FD000000000000000005000000:2382 000000FD000000000000000006000000:D000 01 "
    "00000000:00000000 00:00000000 00000000     0        0 2004 1 0000000000000000 20 4 30 10 "
    "-1\n";

static const char UDP[] =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode ref pointer drops\n"
    /* 0.0.0.0:5353, unconnected (07) */
    "  100: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000   104        0 "
    "3001 2 0000000000000000 0\n"
    /* 10.1.2.3:40000 connected (01): still bound */
    "  200: 0302010A:9C40 08080808:0035 01 00000000:00000000 00:00000000 00000000     0        0 "
    "3002 2 0000000000000000 0\n";

static const char SCTP[] =
    " ENDPT     SOCK   STY SST HBKT LPORT   UID INODE LADDRS\n"
    "ffff888004b8c000 ffff888003a2e000 2   10  29   9000      0 41000 10.0.0.5 10.0.0.6 \n"
    "ffff888004b8d000 ffff888003a2f000 1   10  30   9001      0 41001 :: \n";

static NetPortQuery q4(NetPortProto proto, const char *ip)
{
        NetPortQuery q = {.proto = proto, .v4 = true};
        struct in_addr a;
        assert_int_equal(inet_pton(AF_INET, ip, &a), 1);
        q.ip4 = ntohl(a.s_addr);
        return q;
}

static NetPortQuery q6(NetPortProto proto, const char *ip)
{
        NetPortQuery q = {.proto = proto, .v6 = true};
        assert_int_equal(net_ip6_parse(ip, &q.ip6), 0);
        return q;
}

static bool free4(NetPortProbe *p, NetPortProto proto, const char *ip, uint16_t port)
{
        NetPortQuery q = q4(proto, ip);
        return net_portprobe_free(p, &q, port);
}

static bool free6(NetPortProbe *p, NetPortProto proto, const char *ip, uint16_t port)
{
        NetPortQuery q = q6(proto, ip);
        return net_portprobe_free(p, &q, port);
}

static void fixture(NetPortProbe *p)
{
        net_portprobe_init(p, false);
        assert_int_equal(net_portprobe_parse(p, NET_PORT_TCP, false, TCP, strlen(TCP)), 0);
        assert_int_equal(net_portprobe_parse(p, NET_PORT_TCP, true, TCP6, strlen(TCP6)), 0);
        assert_int_equal(net_portprobe_parse(p, NET_PORT_UDP, false, UDP, strlen(UDP)), 0);
        assert_int_equal(net_portprobe_parse_sctp(p, SCTP, strlen(SCTP)), 0);
}

static void test_parse(void **state)
{
        NetPortProbe p;
        fixture(&p);
        /* 2 + 3 TCP listeners, 2 UDP sockets, 3 SCTP addresses. */
        assert_int_equal(p.n, 2 + 3 + 2 + 3);
        /* Only listeners count for TCP. */
        assert_true(free4(&p, NET_PORT_TCP, "127.0.0.1", 8081));
        assert_true(free4(&p, NET_PORT_TCP, "10.1.2.3", 8084));
        assert_true(free6(&p, NET_PORT_TCP, "fd00::5", 9090));
        /* Every bound UDP socket counts, connected or not. */
        assert_false(free4(&p, NET_PORT_UDP, "0.0.0.0", 5353));
        assert_false(free4(&p, NET_PORT_UDP, "10.1.2.3", 40000));
        assert_true(free4(&p, NET_PORT_UDP, "10.1.2.4", 40000));
        /* Protocols do not mix. */
        assert_true(free4(&p, NET_PORT_TCP, "0.0.0.0", 5353));
        assert_true(free4(&p, NET_PORT_UDP, "0.0.0.0", 22));
        net_portprobe_clear(&p);
}

static void test_conflicts(void **state)
{
        NetPortProbe p;
        fixture(&p);
        /* 127.0.0.1:8080: that address and the wildcard, not another one. */
        assert_false(free4(&p, NET_PORT_TCP, "127.0.0.1", 8080));
        assert_false(free4(&p, NET_PORT_TCP, "0.0.0.0", 8080));
        assert_true(free4(&p, NET_PORT_TCP, "10.0.0.1", 8080));
        assert_true(free6(&p, NET_PORT_TCP, "::", 8080));
        /* 0.0.0.0:22: every IPv4 address, no IPv6 one. */
        assert_false(free4(&p, NET_PORT_TCP, "127.0.0.1", 22));
        assert_false(free4(&p, NET_PORT_TCP, "0.0.0.0", 22));
        assert_true(free6(&p, NET_PORT_TCP, "::", 22));
        /* [::]:80: every IPv6 address and (dual-stack) every IPv4 one. */
        assert_false(free6(&p, NET_PORT_TCP, "::", 80));
        assert_false(free6(&p, NET_PORT_TCP, "fd00::1", 80));
        assert_false(free4(&p, NET_PORT_TCP, "0.0.0.0", 80));
        assert_false(free4(&p, NET_PORT_TCP, "192.168.1.1", 80));
        /* [::1]:8082: ::1 and ::, not another address, not IPv4. */
        assert_false(free6(&p, NET_PORT_TCP, "::1", 8082));
        assert_false(free6(&p, NET_PORT_TCP, "::", 8082));
        assert_true(free6(&p, NET_PORT_TCP, "fd00::1", 8082));
        assert_true(free4(&p, NET_PORT_TCP, "0.0.0.0", 8082));
        /* [::ffff:127.0.0.1]:8083 is 127.0.0.1:8083. */
        assert_false(free4(&p, NET_PORT_TCP, "127.0.0.1", 8083));
        assert_false(free4(&p, NET_PORT_TCP, "0.0.0.0", 8083));
        assert_true(free4(&p, NET_PORT_TCP, "10.0.0.1", 8083));
        assert_true(free6(&p, NET_PORT_TCP, "::", 8083));
        /* SCTP endpoints: on their addresses; one on :: everywhere. */
        assert_false(free4(&p, NET_PORT_SCTP, "10.0.0.6", 9000));
        assert_false(free4(&p, NET_PORT_SCTP, "0.0.0.0", 9000));
        assert_true(free4(&p, NET_PORT_SCTP, "10.0.0.7", 9000));
        assert_false(free4(&p, NET_PORT_SCTP, "10.0.0.7", 9001));
        assert_false(free6(&p, NET_PORT_SCTP, "fd00::1", 9001));
        /* Both families at once: free only when free in both. */
        NetPortQuery both = q4(NET_PORT_TCP, "0.0.0.0");
        both.v6 = true;
        assert_false(net_portprobe_free(&p, &both, 8082));
        assert_true(net_portprobe_free(&p, &both, 8085));
        net_portprobe_clear(&p);
}

static bool refuse_8081(void *userdata, uint16_t port)
{
        (*(int *)userdata)++;
        return port == 8081;
}

static void test_pick(void **state)
{
        NetPortProbe p;
        fixture(&p);
        NetPortQuery q = q4(NET_PORT_TCP, "0.0.0.0");
        uint16_t port;
        unsigned next;
        /* 8080 (127.0.0.1 listens) is skipped; 8081 is refused by the caller. */
        int calls = 0;
        assert_int_equal(
            net_portprobe_pick(&p, &q, 8080, 8083, 0, refuse_8081, &calls, &port, &next), 0);
        assert_int_equal(port, 8082);
        assert_int_equal(next, 3);
        /* The start wraps around the range. */
        assert_int_equal(net_portprobe_pick(&p, &q, 8080, 8083, 7, NULL, NULL, &port, &next), 0);
        assert_int_equal(port, 8081);
        assert_int_equal(next, 6); /* the caller takes it modulo the range */
        /* 8083 is held on 127.0.0.1 (mapped), 8080 too: nothing left. */
        assert_int_equal(net_portprobe_pick(&p, &q, 8083, 8083, 0, NULL, NULL, &port, NULL),
                         -EADDRINUSE);
        assert_int_equal(
            net_portprobe_pick(&p, &q, 8080, 8081, 0, refuse_8081, &calls, &port, NULL),
            -EADDRINUSE);
        /* On another address 8080 is free. */
        q = q4(NET_PORT_TCP, "10.9.9.9");
        assert_int_equal(net_portprobe_pick(&p, &q, 8080, 8081, 0, NULL, NULL, &port, NULL), 0);
        assert_int_equal(port, 8080);
        assert_int_equal(net_portprobe_pick(&p, &q, 0, 10, 0, NULL, NULL, &port, NULL), -EINVAL);
        net_portprobe_clear(&p);
}

static void test_garbage(void **state)
{
        NetPortProbe p;
        net_portprobe_init(&p, false);
        static const char junk[] =
            "   0: 0100007F:1F90\n"                                          /* cut short */
            "   1: 0100007:1F90 00000000:0000 0A\n"                          /* 7 digits */
            "   2: 0100007F0:1F90 00000000:0000 0A\n"                        /* 9 digits */
            "   3: 0100007G:1F90 00000000:0000 0A\n"                         /* not hex */
            "   4: 0100007F:0000 00000000:0000 0A\n"                         /* port 0 */
            "   5: 00000000000000000000000000000000:0050 00000000:0000 0A\n" /* v6 in v4 */
            "\n\n:::\n"
            "   6: 0100007F:1F90 00000000:0000 0A"; /* last line without newline: good */
        assert_int_equal(net_portprobe_parse(&p, NET_PORT_TCP, false, junk, strlen(junk)), 0);
        assert_int_equal(p.n, 1);
        assert_false(free4(&p, NET_PORT_TCP, "127.0.0.1", 8080));
        /* A line longer than any socket line is not read past its bound. */
        size_t big = 100000;
        char *s = malloc(big);
        assert_non_null(s);
        memset(s, '1', big);
        assert_int_equal(net_portprobe_parse(&p, NET_PORT_UDP, true, s, big), 0);
        assert_int_equal(net_portprobe_parse_sctp(&p, s, big), 0);
        free(s);
        assert_int_equal(net_portprobe_proto("tcp"), NET_PORT_TCP);
        assert_int_equal(net_portprobe_proto("sctp"), NET_PORT_SCTP);
        assert_int_equal(net_portprobe_proto("icmp"), -EINVAL);
        net_portprobe_clear(&p);
}

static void write_file(const char *dir, const char *name, const char *text)
{
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void test_load_dir(void **state)
{
        char dir[] = "/tmp/portprobe-XXXXXX";
        assert_non_null(mkdtemp(dir));
        write_file(dir, "tcp", TCP);
        write_file(dir, "udp", UDP);
        /* tcp6, udp6 and sctp/eps are missing: empty. */
        NetPortProbe p;
        net_portprobe_init(&p, false);
        assert_int_equal(net_portprobe_load(&p, dir), 0);
        assert_int_equal(p.n, 4 - 2 + 2);
        assert_false(free4(&p, NET_PORT_TCP, "0.0.0.0", 22));
        assert_false(free4(&p, NET_PORT_UDP, "0.0.0.0", 5353));
        assert_true(free4(&p, NET_PORT_TCP, "0.0.0.0", 80));
        net_portprobe_clear(&p);
        char path[300];
        snprintf(path, sizeof(path), "%s/tcp", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/udp", dir);
        unlink(path);
        rmdir(dir);
}

/* The real tables of this namespace: a listener and a bound UDP socket of
 * ours are seen; the pick goes around them without a bind per port. */
static void test_host(void **state)
{
        int l = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
        assert_true(l >= 0 && u >= 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(l, 1), 0);
        assert_int_equal(bind(u, (struct sockaddr *)&sa, sizeof(sa)), 0);
        socklen_t sl = sizeof(sa);
        assert_int_equal(getsockname(l, (struct sockaddr *)&sa, &sl), 0);
        uint16_t lport = ntohs(sa.sin_port);
        sl = sizeof(sa);
        assert_int_equal(getsockname(u, (struct sockaddr *)&sa, &sl), 0);
        uint16_t uport = ntohs(sa.sin_port);

        NetPortProbe p;
        net_portprobe_init(&p, true);
        assert_false(free4(&p, NET_PORT_TCP, "127.0.0.1", lport));
        assert_false(free4(&p, NET_PORT_TCP, "0.0.0.0", lport));
        assert_false(free4(&p, NET_PORT_UDP, "0.0.0.0", uport));
        NetPortQuery q = q4(NET_PORT_TCP, "0.0.0.0");
        uint16_t port;
        assert_int_equal(net_portprobe_pick(&p, &q, lport, lport, 0, NULL, NULL, &port, NULL),
                         -EADDRINUSE);
        /* Read once: closing the listener does not change the snapshot. */
        close(l);
        assert_false(free4(&p, NET_PORT_TCP, "127.0.0.1", lport));
        net_portprobe_clear(&p);
        assert_true(free4(&p, NET_PORT_TCP, "127.0.0.1", lport));
        close(u);
        net_portprobe_clear(&p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_parse),    cmocka_unit_test(test_conflicts),
            cmocka_unit_test(test_pick),     cmocka_unit_test(test_garbage),
            cmocka_unit_test(test_load_dir), cmocka_unit_test(test_host),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
