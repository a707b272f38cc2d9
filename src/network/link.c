/* Bridges, veth endpoints and host routes through libnl-route-3. */
#include "network/link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"

static void nl_sockp(struct nl_sock **s)
{
        if (*s)
                nl_socket_free(*s);
}
static void linkp(struct rtnl_link **l)
{
        if (*l)
                rtnl_link_put(*l);
}
static void addrp(struct nl_addr **a)
{
        if (*a)
                nl_addr_put(*a);
}
static void cachep(struct nl_cache **c)
{
        if (*c)
                nl_cache_free(*c);
}
#define _cleanup_nl_sock_ __attribute__((cleanup(nl_sockp)))
#define _cleanup_link_    __attribute__((cleanup(linkp)))
#define _cleanup_nladdr_  __attribute__((cleanup(addrp)))
#define _cleanup_cache_   __attribute__((cleanup(cachep)))

/* libnl's NLE_* codes as an errno for our callers. */
static int nl_errno(int nle)
{
        switch (-nle < 0 ? nle : -nle) {
        case NLE_EXIST:
                return EEXIST;
        case NLE_OBJ_NOTFOUND:
        case NLE_NODEV:
                return ENODEV;
        case NLE_PERM:
                return EPERM;
        case NLE_NOMEM:
                return ENOMEM;
        case NLE_BUSY:
                return EBUSY;
        case NLE_INVAL:
        case NLE_RANGE:
                return EINVAL;
        default:
                return EIO;
        }
}

static int nl_fail(BerthError **err, int nle, const char *what, const char *name)
{
        return error_set(err, nl_errno(nle), "%s %s: %s", what, name, nl_geterror(nle));
}

static int open_sock(struct nl_sock **ret, BerthError **err)
{
        struct nl_sock *s = nl_socket_alloc();
        if (!s)
                return error_set(err, ENOMEM, "netlink: out of memory");
        int r = nl_connect(s, NETLINK_ROUTE);
        if (r < 0) {
                nl_socket_free(s);
                return error_set(err, nl_errno(r), "netlink: connect: %s", nl_geterror(r));
        }
        *ret = s;
        return 0;
}

static struct nl_addr *ip4_addr(uint32_t ip, uint8_t prefix)
{
        uint32_t be = htonl(ip);
        struct nl_addr *a = nl_addr_build(AF_INET, &be, 4);
        if (a)
                nl_addr_set_prefixlen(a, prefix);
        return a;
}

static struct nl_addr *ip6_addr(NetIp6 ip, uint8_t prefix)
{
        struct nl_addr *a = nl_addr_build(AF_INET6, ip.b, 16);
        if (a)
                nl_addr_set_prefixlen(a, prefix);
        return a;
}

static int link_set_up(struct nl_sock *s, struct rtnl_link *l, int master, int mtu,
                       const uint8_t *mac, const char *name, BerthError **err)
{
        _cleanup_link_ struct rtnl_link *change = rtnl_link_alloc();
        _cleanup_nladdr_ struct nl_addr *lladdr = mac ? nl_addr_build(AF_LLC, mac, 6) : NULL;
        if (!change || (mac && !lladdr))
                return error_set(err, ENOMEM, "netlink: out of memory");
        rtnl_link_set_flags(change, IFF_UP);
        if (master > 0)
                rtnl_link_set_master(change, master);
        if (mtu > 0)
                rtnl_link_set_mtu(change, (unsigned)mtu);
        if (lladdr)
                rtnl_link_set_addr(change, lladdr);
        int r = rtnl_link_change(s, l, change, 0);
        return r < 0 ? nl_fail(err, r, "configuring link", name) : 0;
}

/* Adds local (consumed: put here) to ifindex; IPv6 addresses skip
 * duplicate address detection, so that they are usable at once (the
 * bridge and the endpoint own their subnet). */
static int add_nladdr(struct nl_sock *s, int ifindex, struct nl_addr *local, const char *name,
                      BerthError **err)
{
        _cleanup_nladdr_ struct nl_addr *owned = local;
        struct rtnl_addr *a = rtnl_addr_alloc();
        if (!a || !local) {
                if (a)
                        rtnl_addr_put(a);
                return error_set(err, ENOMEM, "netlink: out of memory");
        }
        rtnl_addr_set_ifindex(a, ifindex);
        rtnl_addr_set_local(a, local);
        if (nl_addr_get_family(local) == AF_INET6)
                rtnl_addr_set_flags(a, IFA_F_NODAD);
        int r = rtnl_addr_add(s, a, 0);
        rtnl_addr_put(a);
        if (r < 0 && r != -NLE_EXIST)
                return nl_fail(err, r, "adding an address to", name);
        return 0;
}

static int add_address(struct nl_sock *s, int ifindex, uint32_t ip, uint8_t prefix,
                       const char *name, BerthError **err)
{
        return add_nladdr(s, ifindex, ip4_addr(ip, prefix), name, err);
}

static int add_address6(struct nl_sock *s, int ifindex, NetIp6 ip, uint8_t prefix, const char *name,
                        BerthError **err)
{
        return add_nladdr(s, ifindex, ip6_addr(ip, prefix), name, err);
}

static int ipv6_conf(const char *ifname, const char *key, const char *value, BerthError **err)
{
        char path[96];
        snprintf(path, sizeof(path), "net/ipv6/conf/%s/%s", ifname, key);
        return net_sysctl_write(path, value, err);
}

int net_link_bridge_add_ip6(const char *name, NetIp6 gateway, uint8_t prefix, BerthError **err)
{
        int r = ipv6_conf(name, "disable_ipv6", "0", err);
        if (r >= 0)
                r = ipv6_conf(name, "forwarding", "1", err);
        if (r < 0)
                return r;
        _cleanup_nl_sock_ struct nl_sock *s = NULL;
        r = open_sock(&s, err);
        if (r < 0)
                return r;
        _cleanup_link_ struct rtnl_link *l = NULL;
        r = rtnl_link_get_kernel(s, 0, name, &l);
        if (r < 0)
                return nl_fail(err, r, "finding bridge", name);
        return add_address6(s, rtnl_link_get_ifindex(l), gateway, prefix, name, err);
}

int net_link_bridge_ensure(const char *name, uint32_t gateway, uint8_t prefix, int mtu,
                           BerthError **err)
{
        _cleanup_nl_sock_ struct nl_sock *s = NULL;
        int r = open_sock(&s, err);
        if (r < 0)
                return r;
        _cleanup_link_ struct rtnl_link *l = NULL;
        if (rtnl_link_get_kernel(s, 0, name, &l) < 0) {
                _cleanup_link_ struct rtnl_link *nb = rtnl_link_bridge_alloc();
                if (!nb)
                        return error_set(err, ENOMEM, "netlink: out of memory");
                rtnl_link_set_name(nb, name);
                if (mtu > 0)
                        rtnl_link_set_mtu(nb, (unsigned)mtu);
                r = rtnl_link_add(s, nb, NLM_F_CREATE);
                if (r < 0 && r != -NLE_EXIST)
                        return nl_fail(err, r, "creating bridge", name);
                r = rtnl_link_get_kernel(s, 0, name, &l);
                if (r < 0)
                        return nl_fail(err, r, "finding bridge", name);
        } else if (!rtnl_link_is_bridge(l)) {
                return error_set(err, EEXIST,
                                 "cannot use %s as a bridge: a device of another "
                                 "kind has that name",
                                 name);
        }
        r = add_address(s, rtnl_link_get_ifindex(l), gateway, prefix, name, err);
        if (r < 0)
                return r;
        return link_set_up(s, l, 0, 0, NULL, name, err);
}

int net_link_delete(const char *name, BerthError **err)
{
        _cleanup_nl_sock_ struct nl_sock *s = NULL;
        int r = open_sock(&s, err);
        if (r < 0)
                return r;
        _cleanup_link_ struct rtnl_link *l = NULL;
        if (rtnl_link_get_kernel(s, 0, name, &l) < 0)
                return 0;
        r = rtnl_link_delete(s, l);
        if (r < 0 && r != -NLE_OBJ_NOTFOUND && r != -NLE_NODEV)
                return nl_fail(err, r, "deleting link", name);
        return 0;
}

bool net_link_exists(const char *name)
{
        return if_nametoindex(name) > 0;
}

void net_mac_from_ip4(uint32_t ip, uint8_t mac[6])
{
        mac[0] = 0x02;
        mac[1] = 0x42;
        mac[2] = (uint8_t)(ip >> 24);
        mac[3] = (uint8_t)(ip >> 16);
        mac[4] = (uint8_t)(ip >> 8);
        mac[5] = (uint8_t)ip;
}

const char *net_mac_format(const uint8_t mac[6], char *buf, size_t len)
{
        snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                 mac[5]);
        return buf;
}

/* setns() changes only the calling thread: the inside work runs in a
 * thread of its own so that berthd's other threads stay where they are. */
typedef struct NetnsJob {
        int netns_fd;
        const NetEndpointConfig *ep; /* NULL: loopback only */
        int r;
        BerthError *err;
} NetnsJob;

/* The default route of family (AF_INET/AF_INET6) via gw (consumed). */
static int add_default_route(struct nl_sock *s, int idx, int family, struct nl_addr *gw,
                             const char *ifname, BerthError **err)
{
        _cleanup_nladdr_ struct nl_addr *gw_owned = gw;
        struct rtnl_route *route = rtnl_route_alloc();
        struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
        _cleanup_nladdr_ struct nl_addr *dst =
            family == AF_INET6 ? ip6_addr((NetIp6){{0}}, 0) : ip4_addr(0, 0);
        if (!route || !nh || !dst || !gw) {
                if (route)
                        rtnl_route_put(route);
                if (nh)
                        rtnl_route_nh_free(nh);
                return error_set(err, ENOMEM, "netlink: out of memory");
        }
        rtnl_route_set_family(route, (uint8_t)family);
        rtnl_route_set_dst(route, dst);
        rtnl_route_nh_set_gateway(nh, gw);
        rtnl_route_nh_set_ifindex(nh, idx);
        rtnl_route_add_nexthop(route, nh); /* the route owns nh now */
        int r = rtnl_route_add(s, route, NLM_F_CREATE);
        rtnl_route_put(route);
        if (r < 0 && r != -NLE_EXIST)
                return nl_fail(err, r, "adding the default route in", ifname);
        return 0;
}

static int configure_inside(const NetEndpointConfig *c, BerthError **err)
{
        _cleanup_nl_sock_ struct nl_sock *s = NULL;
        int r = open_sock(&s, err);
        if (r < 0)
                return r;
        _cleanup_link_ struct rtnl_link *lo = NULL;
        r = rtnl_link_get_kernel(s, 0, "lo", &lo);
        if (r < 0)
                return nl_fail(err, r, "finding", "lo");
        r = link_set_up(s, lo, 0, 0, NULL, "lo", err);
        if (r < 0 || !c)
                return r;
        _cleanup_link_ struct rtnl_link *l = NULL;
        r = rtnl_link_get_kernel(s, 0, c->ifname, &l);
        if (r < 0)
                return nl_fail(err, r, "finding", c->ifname);
        int idx = rtnl_link_get_ifindex(l);
        r = add_address(s, idx, c->ip, c->prefix, c->ifname, err);
        if (r >= 0 && c->has_ip6) {
                /* This thread is in the container's namespace: its /proc/sys/net. */
                r = ipv6_conf(c->ifname, "disable_ipv6", "0", err);
                if (r >= 0)
                        r = add_address6(s, idx, c->ip6, c->prefix6, c->ifname, err);
        }
        if (r < 0)
                return r;
        r = link_set_up(s, l, 0, c->mtu, c->mac, c->ifname, err);
        if (r >= 0 && c->has_ip6 && !net_ip6_is_zero(c->gateway6))
                r = add_default_route(s, idx, AF_INET6, ip6_addr(c->gateway6, 128), c->ifname, err);
        if (r < 0 || !c->gateway)
                return r;
        return add_default_route(s, idx, AF_INET, ip4_addr(c->gateway, 32), c->ifname, err);
}

/* for the short-lived threads that enter a container's network namespace */
#define NETNS_THREAD_STACK (256 * 1024)

static void *netns_thread(void *arg)
{
        NetnsJob *j = arg;
        if (setns(j->netns_fd, CLONE_NEWNET) < 0) {
                j->r = error_set_errno(&j->err, errno,
                                       "entering the container's network "
                                       "namespace");
                return NULL;
        }
        j->r = configure_inside(j->ep, &j->err);
        return NULL;
}

static int run_in_netns(int netns_fd, const NetEndpointConfig *ep, BerthError **err)
{
        NetnsJob j = {.netns_fd = netns_fd, .ep = ep};
        pthread_t t;
        /* A small stack: the default (RLIMIT_STACK, often 8 MiB) is mapped
         * and advised away again at every container start. */
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setstacksize(&a, NETNS_THREAD_STACK);
        int r = pthread_create(&t, &a, netns_thread, &j);
        pthread_attr_destroy(&a);
        if (r != 0)
                return error_set_errno(err, r, "starting a thread for the network namespace");
        pthread_join(t, NULL);
        if (j.r < 0)
                error_move(err, j.err);
        return j.r;
}

int net_netns_loopback_up(int netns_fd, BerthError **err)
{
        return run_in_netns(netns_fd, NULL, err);
}

int net_endpoint_create(const NetEndpointConfig *c, BerthError **err)
{
        _cleanup_nl_sock_ struct nl_sock *s = NULL;
        int r = open_sock(&s, err);
        if (r < 0)
                return r;
        _cleanup_link_ struct rtnl_link *br = NULL;
        r = rtnl_link_get_kernel(s, 0, c->bridge, &br);
        if (r < 0)
                return nl_fail(err, r, "finding bridge", c->bridge);

        _cleanup_link_ struct rtnl_link *veth = rtnl_link_veth_alloc();
        if (!veth)
                return error_set(err, ENOMEM, "netlink: out of memory");
        rtnl_link_set_name(veth, c->host_ifname);
        struct rtnl_link *peer = rtnl_link_veth_get_peer(veth);
        rtnl_link_set_name(peer, c->ifname);
        rtnl_link_set_ns_fd(peer, c->netns_fd);
        rtnl_link_put(peer);
        r = rtnl_link_add(s, veth, NLM_F_CREATE | NLM_F_EXCL);
        if (r < 0)
                return nl_fail(err, r, "creating veth pair", c->host_ifname);

        _cleanup_link_ struct rtnl_link *host = NULL;
        r = rtnl_link_get_kernel(s, 0, c->host_ifname, &host);
        if (r < 0)
                r = nl_fail(err, r, "finding", c->host_ifname);
        else
                r = link_set_up(s, host, rtnl_link_get_ifindex(br), c->mtu, NULL, c->host_ifname,
                                err);
        if (r >= 0)
                r = run_in_netns(c->netns_fd, c, err);
        if (r < 0)
                (void)net_link_delete(c->host_ifname, NULL);
        return r;
}

static int push_subnet(NetSubnet4 **v, size_t *n, NetSubnet4 s)
{
        NetSubnet4 *nv = reallocarray(*v, *n + 1, sizeof(**v));
        if (!nv)
                return -ENOMEM;
        nv[(*n)++] = s;
        *v = nv;
        return 0;
}

static bool nladdr_to_subnet(struct nl_addr *a, NetSubnet4 *ret)
{
        if (!a || nl_addr_get_family(a) != AF_INET || nl_addr_get_len(a) != 4)
                return false;
        uint32_t be;
        memcpy(&be, nl_addr_get_binary_addr(a), 4);
        unsigned p = nl_addr_get_prefixlen(a);
        if (p == 0 || p > 32)
                return false;
        uint32_t mask = 0xffffffffu << (32 - p);
        *ret = (NetSubnet4){ntohl(be) & mask, (uint8_t)p};
        return true;
}

int net_host_subnets4(NetSubnet4 **ret, size_t *ret_n, BerthError **err)
{
        _cleanup_nl_sock_ struct nl_sock *s = NULL;
        int r = open_sock(&s, err);
        if (r < 0)
                return r;
        _cleanup_cache_ struct nl_cache *routes = NULL, *addrs = NULL;
        r = rtnl_route_alloc_cache(s, AF_INET, 0, &routes);
        if (r >= 0)
                r = rtnl_addr_alloc_cache(s, &addrs);
        if (r < 0)
                return error_set(err, nl_errno(r), "reading the host's routes: %s", nl_geterror(r));
        NetSubnet4 *v = NULL;
        size_t n = 0;
        for (struct nl_object *o = nl_cache_get_first(routes); o; o = nl_cache_get_next(o)) {
                NetSubnet4 sn;
                if (nladdr_to_subnet(rtnl_route_get_dst((struct rtnl_route *)o), &sn) &&
                    push_subnet(&v, &n, sn) < 0)
                        goto oom;
        }
        for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
                NetSubnet4 sn;
                if (nladdr_to_subnet(rtnl_addr_get_local((struct rtnl_addr *)o), &sn) &&
                    push_subnet(&v, &n, sn) < 0)
                        goto oom;
        }
        *ret = v;
        *ret_n = n;
        return 0;
oom:
        free(v);
        return error_set(err, ENOMEM, "out of memory");
}

int net_sysctl_write(const char *key, const char *value, BerthError **err)
{
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "/proc/sys/%s", key) < 0)
                return error_set(err, ENOMEM, "out of memory");
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return error_set_errno(err, errno, "opening %s", path);
        size_t n = strlen(value);
        if (write(fd, value, n) != (ssize_t)n)
                return error_set_errno(err, errno, "writing %s to %s", value, path);
        return 0;
}
