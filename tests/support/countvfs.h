/*
 * countvfs.h - a SQLite VFS for tests over SQLite's default one: counts
 * the writes reaching WAL and database files and the WAL reads, and fails
 * the Nth WAL or database write, or every fsync of a database file, on
 * request. Single process; the counters are plain (tests read them
 * between calls), fail_db_sync is read atomically (a store's checkpointer
 * thread syncs).
 */
#ifndef MINTLINE_TESTS_COUNTVFS_H
#define MINTLINE_TESTS_COUNTVFS_H

#include <sqlite3.h>

struct countvfs {
    long wal_writes;
    long wal_reads;
    long db_writes;
    long fail_at;    /* fail the WAL write with this number (1-based), 0: never */
    long fail_db_at; /* the same for the database file's writes */
    int fail_db_sync; /* 1: every fsync of a main database file fails */
};

extern struct countvfs countvfs;

/* countvfs_register: register it ("counting"), as the default VFS when
 * make_default; its name. */
const char *countvfs_register(int make_default);

/* countvfs_restore_default: make the VFS it wraps the default again. */
void countvfs_restore_default(void);

#endif
