/* The network manager's SQLite tables (net_*) in berth.db. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/sqlite_conn.h"
#include "common/fileutil.h"
#include "network/link.h"
#include "network/net_internal.h"

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS net_networks (id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
    " driver TEXT NOT NULL, created TEXT NOT NULL, subnet TEXT, gateway TEXT, ip_range TEXT,"
    " bridge TEXT, internal INTEGER, ipv6 INTEGER, predefined INTEGER, labels TEXT,"
    " options TEXT);"
    "CREATE TABLE IF NOT EXISTS net_endpoints (network_id TEXT NOT NULL, container_id TEXT NOT"
    " NULL, container_name TEXT, endpoint_id TEXT, ip TEXT, mac TEXT, aliases TEXT,"
    " host_ifname TEXT, plugged INTEGER, pid INTEGER, PRIMARY KEY (network_id, container_id));"
    "CREATE TABLE IF NOT EXISTS net_ports (container_id TEXT NOT NULL, proto TEXT, host_ip TEXT,"
    " host_first INTEGER, host_last INTEGER, container_ip TEXT, container_first INTEGER);";

/* Columns added since the first schema (IPv6); ALTER fails harmlessly
 * when a column exists already. */
static const char *const MIGRATIONS[] = {
    "ALTER TABLE net_networks ADD COLUMN subnet6 TEXT",
    "ALTER TABLE net_networks ADD COLUMN gateway6 TEXT",
    "ALTER TABLE net_networks ADD COLUMN ip_range6 TEXT",
    "ALTER TABLE net_endpoints ADD COLUMN ip6 TEXT",
};

static int db_fail(NetManager *m, BerthError **err, const char *what)
{
        return error_set(err, EIO, "network state: %s: %s", what, sqlite3_errmsg(m->db));
}

int net_db_open(NetManager *m, const char *data_root, BerthError **err)
{
        int r = mkdir_p(data_root, 0711, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/berth.db", data_root) < 0)
                return error_set(err, ENOMEM, "out of memory");
        if (sqlite3_open_v2(path, &m->db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                            NULL) != SQLITE_OK)
                return error_set(err, EIO, "opening %s: %s", path,
                                 m->db ? sqlite3_errmsg(m->db) : "out of memory");
        berth_sqlite_busy_setup(m->db);
        if (sqlite3_exec(m->db, BERTH_SQLITE_PRAGMAS, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(m->db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
                return db_fail(m, err, "creating the tables");
        for (size_t i = 0; i < ARRAY_SIZE(MIGRATIONS); i++)
                (void)sqlite3_exec(m->db, MIGRATIONS[i], NULL, NULL, NULL);
        return 0;
}

static const char *col(sqlite3_stmt *st, int i)
{
        const unsigned char *t = sqlite3_column_text(st, i);
        return t ? (const char *)t : "";
}

static json_t *json_col(sqlite3_stmt *st, int i, bool array)
{
        json_t *j = json_loads(col(st, i), 0, NULL);
        if (!j || (array ? !json_is_array(j) : !json_is_object(j))) {
                json_decref(j);
                j = array ? json_array() : json_object();
        }
        return j;
}

static int load_networks(NetManager *m, BerthError **err)
{
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(m->db,
                               "SELECT id, name, driver, created, subnet, gateway, ip_range, "
                               "bridge, internal, ipv6, predefined, labels, options, subnet6, "
                               "gateway6, ip_range6 FROM net_networks",
                               -1, &st, NULL) != SQLITE_OK)
                return db_fail(m, err, "reading networks");
        int r = 0;
        while (r >= 0 && sqlite3_step(st) == SQLITE_ROW) {
                NetNetwork *n = net_network_new();
                if (!n) {
                        r = error_set(err, ENOMEM, "out of memory");
                        break;
                }
                snprintf(n->id, sizeof(n->id), "%s", col(st, 0));
                n->name = strdup(col(st, 1));
                n->driver = strdup(col(st, 2));
                snprintf(n->created, sizeof(n->created), "%s", col(st, 3));
                if (*col(st, 4)) {
                        n->has_subnet =
                            net_subnet4_parse(col(st, 4), false, &n->subnet, NULL, NULL) == 0;
                        (void)net_ip4_parse(col(st, 5), &n->gateway);
                }
                if (*col(st, 6))
                        n->has_range =
                            net_subnet4_parse(col(st, 6), false, &n->range, NULL, NULL) == 0;
                snprintf(n->bridge, sizeof(n->bridge), "%s", col(st, 7));
                n->internal = sqlite3_column_int(st, 8);
                n->ipv6 = sqlite3_column_int(st, 9);
                n->predefined = sqlite3_column_int(st, 10);
                json_decref(n->labels);
                json_decref(n->options);
                n->labels = json_col(st, 11, false);
                n->options = json_col(st, 12, false);
                if (*col(st, 13)) {
                        n->has_subnet6 =
                            net_subnet6_parse(col(st, 13), false, &n->subnet6, NULL, NULL) == 0;
                        (void)net_ip6_parse(col(st, 14), &n->gateway6);
                }
                if (*col(st, 15))
                        n->has_range6 =
                            net_subnet6_parse(col(st, 15), false, &n->range6, NULL, NULL) == 0;
                if (n->has_subnet6 && net_model_space6(n, NULL) < 0)
                        n->has_subnet6 = false;
                if (!n->name || !n->driver || (n->has_subnet && net_model_space(n, err) < 0) ||
                    net_model_add_network(m, n) < 0) {
                        net_network_free(n);
                        r = error_set(err, ENOMEM, "network state: loading a network failed");
                }
        }
        sqlite3_finalize(st);
        return r;
}

static int load_endpoints(NetManager *m, BerthError **err)
{
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(m->db,
                               "SELECT network_id, container_id, container_name, endpoint_id, ip,"
                               " mac, aliases, host_ifname, plugged, pid, ip6 FROM net_endpoints",
                               -1, &st, NULL) != SQLITE_OK)
                return db_fail(m, err, "reading endpoints");
        int r = 0;
        while (r >= 0 && sqlite3_step(st) == SQLITE_ROW) {
                NetNetwork *n = net_model_find_id(m, col(st, 0));
                if (!n)
                        continue;
                NetEndpoint *e = calloc(1, sizeof(*e));
                if (!e) {
                        r = error_set(err, ENOMEM, "out of memory");
                        break;
                }
                snprintf(e->network_id, sizeof(e->network_id), "%s", col(st, 0));
                snprintf(e->container_id, sizeof(e->container_id), "%s", col(st, 1));
                e->container_name = strdup(col(st, 2));
                snprintf(e->endpoint_id, sizeof(e->endpoint_id), "%s", col(st, 3));
                (void)net_ip4_parse(col(st, 4), &e->ip);
                unsigned mac[6] = {0};
                sscanf(col(st, 5), "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
                       &mac[5]);
                for (int i = 0; i < 6; i++)
                        e->mac[i] = (uint8_t)mac[i];
                e->aliases = json_col(st, 6, true);
                snprintf(e->host_ifname, sizeof(e->host_ifname), "%s", col(st, 7));
                e->plugged = sqlite3_column_int(st, 8);
                e->pid = (pid_t)sqlite3_column_int(st, 9);
                if (n->space && e->ip)
                        (void)net_addrspace_reserve(n->space, e->ip, NULL);
                if (*col(st, 10) && net_ip6_parse(col(st, 10), &e->ip6) == 0 && n->space6) {
                        e->has_ip6 = true;
                        (void)net_addrspace6_reserve(n->space6, e->ip6, NULL);
                }
                if (!e->container_name || net_model_add_endpoint(m, e) < 0) {
                        net_endpoint_free(e);
                        r = error_set(err, ENOMEM, "out of memory");
                }
        }
        sqlite3_finalize(st);
        return r;
}

static int load_ports(NetManager *m, BerthError **err)
{
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(m->db,
                               "SELECT container_id, proto, host_ip, host_first, host_last, "
                               "container_ip, container_first FROM net_ports",
                               -1, &st, NULL) != SQLITE_OK)
                return db_fail(m, err, "reading ports");
        int r = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
                NetPortRec *v = reallocarray(m->ports, m->n_ports + 1, sizeof(*v));
                if (!v) {
                        r = error_set(err, ENOMEM, "out of memory");
                        break;
                }
                m->ports = v;
                NetPortRec *p = &v[m->n_ports++];
                *p = (NetPortRec){0};
                snprintf(p->container_id, sizeof(p->container_id), "%s", col(st, 0));
                snprintf(p->proto, sizeof(p->proto), "%s", col(st, 1));
                /* An IPv6 binding has IPv6 addresses in the same columns. */
                p->v6 = net_is_ip6_text(col(st, 5));
                if (p->v6) {
                        (void)net_ip6_parse(col(st, 2), &p->host_ip6);
                        (void)net_ip6_parse(col(st, 5), &p->container_ip6);
                } else if (*col(st, 2)) {
                        (void)net_ip4_parse(col(st, 2), &p->host_ip);
                }
                p->host_first = (uint16_t)sqlite3_column_int(st, 3);
                p->host_last = (uint16_t)sqlite3_column_int(st, 4);
                if (!p->v6)
                        (void)net_ip4_parse(col(st, 5), &p->container_ip);
                p->container_first = (uint16_t)sqlite3_column_int(st, 6);
        }
        sqlite3_finalize(st);
        return r;
}

int net_db_load(NetManager *m, BerthError **err)
{
        int r = load_networks(m, err);
        r = r < 0 ? r : load_endpoints(m, err);
        return r < 0 ? r : load_ports(m, err);
}

int net_db_save_network(NetManager *m, const NetNetwork *n, BerthError **err)
{
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(m->db,
                               "INSERT OR REPLACE INTO net_networks VALUES "
                               "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               -1, &st, NULL) != SQLITE_OK)
                return db_fail(m, err, "saving a network");
        char subnet[20] = "", gw[16] = "", range[20] = "";
        if (n->has_subnet) {
                net_subnet4_format(n->subnet, subnet, sizeof(subnet));
                net_ip4_format(n->gateway, gw, sizeof(gw));
        }
        if (n->has_range)
                net_subnet4_format(n->range, range, sizeof(range));
        char subnet6[NET_SUBNET6_STRLEN] = "", gw6[NET_IP6_STRLEN] = "",
             range6[NET_SUBNET6_STRLEN] = "";
        if (n->has_subnet6) {
                net_subnet6_format(n->subnet6, subnet6, sizeof(subnet6));
                net_ip6_format(n->gateway6, gw6, sizeof(gw6));
        }
        if (n->has_range6)
                net_subnet6_format(n->range6, range6, sizeof(range6));
        _cleanup_free_ char *labels = json_dumps(n->labels, JSON_COMPACT);
        _cleanup_free_ char *options = json_dumps(n->options, JSON_COMPACT);
        sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, n->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, n->driver, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, n->created, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, subnet, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, gw, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, range, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, n->bridge, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 9, n->internal);
        sqlite3_bind_int(st, 10, n->ipv6);
        sqlite3_bind_int(st, 11, n->predefined);
        sqlite3_bind_text(st, 12, labels ? labels : "{}", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 13, options ? options : "{}", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 14, subnet6, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 15, gw6, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 16, range6, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : db_fail(m, err, "saving a network");
}

static int exec_bind(NetManager *m, const char *sql, const char *a, const char *b, BerthError **err)
{
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(m->db, sql, -1, &st, NULL) != SQLITE_OK)
                return db_fail(m, err, "preparing a statement");
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
        if (b)
                sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : db_fail(m, err, "writing the state");
}

int net_db_delete_network(NetManager *m, const char *id, BerthError **err)
{
        return exec_bind(m, "DELETE FROM net_networks WHERE id = ?", id, NULL, err);
}

int net_db_save_endpoint(NetManager *m, const NetEndpoint *e, BerthError **err)
{
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(m->db,
                               "INSERT OR REPLACE INTO net_endpoints VALUES "
                               "(?,?,?,?,?,?,?,?,?,?,?)",
                               -1, &st, NULL) != SQLITE_OK)
                return db_fail(m, err, "saving an endpoint");
        char ip[16], mac[18], ip6[NET_IP6_STRLEN] = "";
        net_ip4_format(e->ip, ip, sizeof(ip));
        if (e->has_ip6)
                net_ip6_format(e->ip6, ip6, sizeof(ip6));
        net_mac_format(e->mac, mac, sizeof(mac));
        _cleanup_free_ char *aliases = json_dumps(e->aliases, JSON_COMPACT);
        sqlite3_bind_text(st, 1, e->network_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, e->container_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, e->container_name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, e->endpoint_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, ip, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, mac, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, aliases ? aliases : "[]", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, e->host_ifname, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 9, e->plugged);
        sqlite3_bind_int(st, 10, (int)e->pid);
        sqlite3_bind_text(st, 11, ip6, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : db_fail(m, err, "saving an endpoint");
}

int net_db_delete_endpoints(NetManager *m, const char *container_id, const char *network_id,
                            BerthError **err)
{
        if (network_id)
                return exec_bind(m,
                                 "DELETE FROM net_endpoints WHERE container_id = ? AND "
                                 "network_id = ?",
                                 container_id, network_id, err);
        return exec_bind(m, "DELETE FROM net_endpoints WHERE container_id = ?", container_id, NULL,
                         err);
}

int net_db_save_ports(NetManager *m, const char *container_id, BerthError **err)
{
        int r =
            exec_bind(m, "DELETE FROM net_ports WHERE container_id = ?", container_id, NULL, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_ports; i++) {
                const NetPortRec *p = &m->ports[i];
                if (strcmp(p->container_id, container_id) != 0)
                        continue;
                sqlite3_stmt *st;
                if (sqlite3_prepare_v2(m->db, "INSERT INTO net_ports VALUES (?,?,?,?,?,?,?)", -1,
                                       &st, NULL) != SQLITE_OK)
                        return db_fail(m, err, "saving ports");
                char hip[NET_IP6_STRLEN] = "", cip[NET_IP6_STRLEN];
                if (p->v6) {
                        net_ip6_format(p->host_ip6, hip, sizeof(hip));
                        net_ip6_format(p->container_ip6, cip, sizeof(cip));
                } else {
                        if (p->host_ip)
                                net_ip4_format(p->host_ip, hip, sizeof(hip));
                        net_ip4_format(p->container_ip, cip, sizeof(cip));
                }
                sqlite3_bind_text(st, 1, p->container_id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, p->proto, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 3, hip, -1, SQLITE_STATIC);
                sqlite3_bind_int(st, 4, p->host_first);
                sqlite3_bind_int(st, 5, p->host_last);
                sqlite3_bind_text(st, 6, cip, -1, SQLITE_STATIC);
                sqlite3_bind_int(st, 7, p->container_first);
                int rc = sqlite3_step(st);
                sqlite3_finalize(st);
                if (rc != SQLITE_DONE)
                        return db_fail(m, err, "saving ports");
        }
        return 0;
}
