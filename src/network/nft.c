/* Rendering and applying berth's nftables table. */
#include "network/nft.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fileutil.h"
#include "network/network.h"

extern char **environ;

static void fclosep_mem(FILE **f)
{
        if (*f)
                fclose(*f);
}

/* The container's address as nft writes it in "dnat to ADDR:PORT". */
static void port_rule(FILE *f, const NetNftPort *p)
{
        char hip[NET_IP6_STRLEN], cip[NET_IP6_STRLEN], cipport[NET_IP6_STRLEN + 2];
        const char *fam = p->v6 ? "ip6" : "ip";
        if (p->v6) {
                net_ip6_format(p->container_ip6, cip, sizeof(cip));
                snprintf(cipport, sizeof(cipport), "[%s]", cip);
        } else {
                net_ip4_format(p->container_ip, cip, sizeof(cip));
                snprintf(cipport, sizeof(cipport), "%s", cip);
        }
        fputs("\t\t", f);
        if (!p->v6 && p->host_ip)
                fprintf(f, "ip daddr %s ", net_ip4_format(p->host_ip, hip, sizeof(hip)));
        if (p->v6 && !net_ip6_is_zero(p->host_ip6))
                fprintf(f, "ip6 daddr %s ", net_ip6_format(p->host_ip6, hip, sizeof(hip)));
        bool range = p->host_last > p->host_first;
        if (range && p->host_first == p->container_first) {
                /* Same numbers: one rule, the destination port is kept. */
                fprintf(f, "%s dport %u-%u dnat to %s\n", p->proto, p->host_first, p->host_last,
                        cip);
        } else if (range) {
                /* Shifted range: one rule with a map, still no rule per port. */
                fprintf(f, "dnat %s to %s dport map { ", fam, p->proto);
                for (unsigned i = 0; i <= (unsigned)(p->host_last - p->host_first); i++)
                        fprintf(f, "%s%u : %s . %u", i ? ", " : "", p->host_first + i, cip,
                                p->container_first + i);
                fputs(" }\n", f);
        } else {
                fprintf(f, "%s dport %u dnat to %s:%u\n", p->proto, p->host_first, cipport,
                        p->container_first);
        }
}

/* Routed mode: the published ports of the network's containers, and
 * ICMP, at the containers' own addresses. */
static void routed_rules(FILE *f, bool v6, const NetNftNetwork *n, const NetNftPort *ports,
                         size_t n_ports)
{
        fprintf(f, "\t\toifname \"%s\" meta l4proto %s accept\n", n->bridge,
                v6 ? "ipv6-icmp" : "icmp");
        for (size_t i = 0; i < n_ports; i++) {
                const NetNftPort *p = &ports[i];
                char cip[NET_IP6_STRLEN];
                if (p->v6 != v6 || (v6 ? !net_subnet6_contains(n->subnet6, p->container_ip6)
                                       : !net_subnet4_contains(n->subnet, p->container_ip)))
                        continue;
                if (v6)
                        net_ip6_format(p->container_ip6, cip, sizeof(cip));
                else
                        net_ip4_format(p->container_ip, cip, sizeof(cip));
                unsigned last = p->container_first + (unsigned)(p->host_last - p->host_first);
                fprintf(f, "\t\toifname \"%s\" %s daddr %s %s dport %u-%u accept\n", n->bridge,
                        v6 ? "ip6" : "ip", cip, p->proto, p->container_first, last);
        }
}

/* One table: family "ip" (IPv4 networks and bindings) or "ip6". */
static void render_table(FILE *f, bool v6, const char *table, const NetNftNetwork *nets,
                         size_t n_nets, const NetNftPort *ports, size_t n_ports)
{
        const char *fam = v6 ? "ip6" : "ip";
        /* Create-then-delete makes the delete valid when the table is absent;
         * the whole script is one transaction. */
        fprintf(f, "table %s %s\ndelete table %s %s\ntable %s %s {\n", fam, table, fam, table, fam,
                table);
        fputs("\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy "
              "accept;\n\t\tfib daddr type local jump published\n\t}\n",
              f);
        fputs("\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n"
              "\t\tfib daddr type local jump published\n\t}\n",
              f);
        fputs("\tchain published {\n", f);
        for (size_t i = 0; i < n_ports; i++)
                if (ports[i].v6 == v6)
                        port_rule(f, &ports[i]);
        fputs("\t}\n", f);
        fputs("\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy "
              "accept;\n",
              f);
        for (size_t i = 0; i < n_nets; i++) {
                char sn[NET_SUBNET6_STRLEN];
                if (nets[i].internal || (v6 && !nets[i].has_subnet6) ||
                    (v6 ? nets[i].routed6 : nets[i].routed4))
                        continue;
                if (v6)
                        net_subnet6_format(nets[i].subnet6, sn, sizeof(sn));
                else
                        net_subnet4_format(nets[i].subnet, sn, sizeof(sn));
                fprintf(f, "\t\t%s saddr %s oifname != \"%s\" masquerade\n", fam, sn,
                        nets[i].bridge);
                fprintf(f, "\t\t%s saddr %s oifname \"%s\" masquerade\n", fam,
                        v6 ? "::1" : "127.0.0.0/8", nets[i].bridge);
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
                if (v6 ? nets[i].routed6 : nets[i].routed4)
                        routed_rules(f, v6, &nets[i], ports, n_ports);
                fprintf(f, "\t\toifname \"%s\" iifname != \"%s\" drop\n", b, b);
        }
        fputs("\t}\n}\n", f);
}

int net_nft_render(const char *table, const NetNftNetwork *nets, size_t n_nets,
                   const NetNftPort *ports, size_t n_ports, char **ret, BerthError **err)
{
        char *buf = NULL;
        size_t len = 0;
        __attribute__((cleanup(fclosep_mem))) FILE *f = open_memstream(&buf, &len);
        if (!f)
                return error_set(err, ENOMEM, "out of memory");
        render_table(f, false, table, nets, n_nets, ports, n_ports);
        /* The ip6 table only when some network or binding has IPv6 (a host
         * without IPv6 never loads IPv6 modules); otherwise an old one goes. */
        bool any6 = false;
        for (size_t i = 0; i < n_nets; i++)
                any6 |= nets[i].has_subnet6;
        for (size_t i = 0; i < n_ports; i++)
                any6 |= ports[i].v6;
        if (any6)
                render_table(f, true, table, nets, n_nets, ports, n_ports);
        else
                fprintf(f, "table ip6 %s\ndelete table ip6 %s\n", table, table);
        if (fflush(f) != 0 || ferror(f))
                return error_set(err, ENOMEM, "out of memory");
        fclose(f);
        f = NULL;
        *ret = buf;
        return 0;
}

/* The helper's path (net_nft_set_helper); BERTH_NFT_HELPER overrides. */
static char *nft_helper;

void net_nft_set_helper(const char *path)
{
        free(nft_helper);
        nft_helper = path && *path ? strdup(path) : NULL;
}

/* An in-memory file holding text, at offset 0, for the helper's stdin or
 * stderr: unlike a pipe, nobody blocks on a full buffer and no SIGPIPE can
 * hit berthd. */
static int memfd_with(const char *name, const char *text)
{
        int fd = memfd_create(name, MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = text ? write_all_fd(fd, text, strlen(text)) : 0;
        if (r < 0) {
                close(fd);
                return r;
        }
        if (lseek(fd, 0, SEEK_SET) < 0) {
                int e = errno;
                close(fd);
                return -e;
        }
        return fd;
}

/* Runs the helper with stdin from in_fd, stderr into err_fd; stdout goes
 * to /dev/null. Returns its wait status or -errno. */
static int run_helper(const char *path, int in_fd, int err_fd)
{
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        if (posix_spawn_file_actions_init(&fa) != 0)
                return -ENOMEM;
        if (posix_spawnattr_init(&attr) != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -ENOMEM;
        }
        /* berthd blocks its shutdown signals and ignores SIGPIPE; the
         * helper starts with neither. */
        sigset_t none, def;
        sigemptyset(&none);
        sigemptyset(&def);
        sigaddset(&def, SIGPIPE);
        int r = posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
        if (r == 0)
                r = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
        if (r == 0)
                r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        if (r == 0)
                r = posix_spawnattr_setsigmask(&attr, &none);
        if (r == 0)
                r = posix_spawnattr_setsigdefault(&attr, &def);
        pid_t pid = -1;
        char *argv[] = {(char *)path, NULL};
        if (r == 0)
                r = posix_spawn(&pid, path, &fa, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        if (r != 0)
                return -r;
        /* This pid only: berthd's other children are not ours to reap. */
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return status;
}

int net_nft_apply(const char *script, BerthError **err)
{
        const char *env = getenv("BERTH_NFT_HELPER");
        const char *path = env && *env ? env : nft_helper;
        if (!path)
                return error_set(err, ENOENT,
                                 "nftables: the berth-nft helper was not found (install it in "
                                 "libexecdir/berth or next to berthd, or set BERTH_NFT_HELPER)");
        _cleanup_close_ int in_fd = memfd_with("berth-nft-script", script);
        if (in_fd < 0)
                return error_set_errno(err, in_fd, "nftables: pass the script to %s", path);
        _cleanup_close_ int err_fd = memfd_with("berth-nft-error", NULL);
        if (err_fd < 0)
                return error_set_errno(err, err_fd, "nftables: run %s", path);
        int status = run_helper(path, in_fd, err_fd);
        if (status < 0)
                return error_set_errno(err, status, "nftables: run the helper %s", path);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        /* The first line of what it said, bounded. */
        char msg[4096];
        ssize_t n;
        while ((n = pread(err_fd, msg, sizeof(msg) - 1, 0)) < 0 && errno == EINTR)
                ;
        msg[n > 0 ? n : 0] = '\0';
        char *nl = strchr(msg, '\n');
        if (nl)
                *nl = '\0';
        if (!*msg) {
                if (WIFSIGNALED(status))
                        snprintf(msg, sizeof(msg), "%s killed by signal %d", path,
                                 WTERMSIG(status));
                else
                        snprintf(msg, sizeof(msg), "%s exited with status %d", path,
                                 WEXITSTATUS(status));
        }
        return error_set(err, EIO, "nftables: applying berth's rules failed: %s", msg);
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
        if (asprintf(&script,
                     "table ip %s\ndelete table ip %s\ntable ip6 %s\ndelete table ip6 %s\n", table,
                     table, table, table) < 0)
                return error_set(err, ENOMEM, "out of memory");
        return net_nft_apply(script, err);
}
