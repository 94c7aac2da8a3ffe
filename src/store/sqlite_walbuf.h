/*
 * sqlite_walbuf.h - a SQLite VFS layer that coalesces the writes SQLite
 * makes to a WAL file into few large ones.
 *
 * SQLite appends a transaction to its WAL one frame at a time, with two
 * writes per page (a 24-byte frame header, then the page): an 8,000-transfer
 * block (2.6 MB) is ~1,300 write() calls. On this kind of host a system
 * call costs microseconds, and they were most of the store's CPU time.
 * The layer keeps a WAL handle's contiguous appends in a buffer (1 MiB) and
 * writes them in one call when the buffer is full and before anything that
 * could see the file: a read, a size, a truncate, a sync, a close, a write
 * elsewhere in the file, the commit frame of a transaction (so a committed
 * transaction is in the file before SQLite publishes it to other
 * connections, whatever the synchronous mode), and the connection's
 * wal-index locks and barriers. The file's contents after any of those are
 * exactly what SQLite's own writes would have left; a sync is a sync.
 * Every other file (the database, temporary files) passes straight through.
 */
#ifndef MINTLINE_SQLITE_WALBUF_H
#define MINTLINE_SQLITE_WALBUF_H

#include <sqlite3.h>

/* sqlite_walbuf_vfs: the name of the layer over the VFS registered as
 * `base` (NULL: SQLite's default), registering it on first use; NULL when
 * it cannot be registered (then open on `base` itself). Thread-safe. */
const char *sqlite_walbuf_vfs(const char *base);

/* sqlite_walbuf_buffer_db: buffer the writes of db's main database file
 * too (contiguous pages in one write), for a connection whose only writes
 * to it are checkpoints run with synchronous=FULL: a checkpoint's pages
 * are then passed on at its fsync, before it records them as copied (and
 * at every lock, as for a WAL). 0, or -1 when db is not on the layer. */
int sqlite_walbuf_buffer_db(sqlite3 *db);

#endif
