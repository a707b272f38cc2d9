/* How berthd's three SQLite connections (engine, images, networks share
 * berth.db) are set up.
 *
 * BERTH_SQLITE_PRAGMAS: WAL with synchronous=NORMAL (a commit survives any
 * crash of berthd; a power loss may lose the last ones, never consistency),
 * and a page cache of 256 KiB instead of 2 MiB per connection: the state
 * lives in memory and the database is written far more than it is read.
 *
 * One busy handler for the three. SQLite's own busy timeout sleeps 1, 2, 5, 10...
 * up to 100 ms between tries: with one writer at a time and transactions of
 * well under a millisecond, that turned concurrent starts into queues of
 * sleepers. Retrying every 50 µs for the first 20 ms and every millisecond
 * after that, up to 10 s, keeps a busy database busy and not idle. */
#pragma once

#include <sqlite3.h>
#include <time.h>

#define BERTH_SQLITE_PRAGMAS                                                                       \
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-256;"

static inline int berth_sqlite_busy(void *unused, int tries)
{
        (void)unused;
        long us = tries < 400 ? 50 : 1000;
        long spent = tries < 400 ? tries * 50L : 20000L + (tries - 400) * 1000L;
        if (spent >= 10L * 1000 * 1000)
                return 0;
        struct timespec ts = {0, us * 1000};
        nanosleep(&ts, NULL);
        return 1;
}

static inline void berth_sqlite_busy_setup(sqlite3 *db)
{
        sqlite3_busy_handler(db, berth_sqlite_busy, NULL);
}
