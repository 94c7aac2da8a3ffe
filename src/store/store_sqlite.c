/*
 * store_sqlite.c - the journal in one SQLite file (WAL, synchronous=FULL).
 *
 * Two connections: the writer (the sequencer's thread: genesis, blocks,
 * snapshots) and a reader shared by the read API under a mutex; a scan
 * (which may run for seconds) opens a reader of its own. WAL lets them
 * run side by side. Every append is one transaction; with
 * synchronous=FULL, COMMIT returns after fsync, so a returned block is
 * durable. Nothing read back is trusted: callers validate what they decode.
 *
 * WAL checkpoints run on a thread of their own (sqlite__ckpt_main), not in
 * the COMMIT that crosses SQLite's automatic threshold: a checkpoint copies
 * every page of the WAL into the file and fsyncs it, and a block that did
 * it waited for that too. A commit is durable when its WAL frames are
 * (synchronous=FULL); the checkpoint only moves them, so durability is the
 * same wherever it runs.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/bgthread.h"
#include "sqlite_walbuf.h"
#include "store.h"

struct store_sqlite {
    struct store base; /* first: a struct store * is a struct store_sqlite * */
    sqlite3 *w;
    sqlite3 *r;
    pthread_mutex_t r_lock;
    sqlite3_stmt *ins_block;
    sqlite3_stmt *ins_request;
    sqlite3 *snap; /* opened on the first snapshot; used under snap_lock */
    pthread_mutex_t snap_lock;
    sqlite3_stmt *begin;
    sqlite3_stmt *commit;
    sqlite3_stmt *last_height;
    /* The checkpointer (none on a VFS set by store_sqlite_vfs: the
     * simulator's runs must be decided by its seed, so SQLite's own
     * automatic checkpoint runs there, in the commit). */
    sqlite3 *ckpt;
    pthread_t ckpt_thread;
    int ckpt_live;
    pthread_mutex_t ckpt_lock;
    pthread_cond_t ckpt_wake;
    int ckpt_due;      /* a commit left the WAL at or past ckpt_next_at pages */
    int ckpt_stopping;
    int ckpt_seen;     /* the WAL's pages after the last commit */
    int ckpt_next_at;  /* wake the checkpointer at this many */
    /* Whose turn it is to write (sqlite__turn_take): the writer and the
     * snapshot connection, first come first served. */
    pthread_mutex_t turn_lock;
    pthread_cond_t turn_next;
    uint64_t turn_ticket;
    uint64_t turn_serving;
    char path[480];
    int unsynced; /* store_sqlite_unsynced: a temporary image, its snapshots too */
    /* An fsync by the snapshot writer or the checkpointer failed (atomic).
     * Linux marks the pages of a failed fsync clean: frames the snapshot
     * writer had already committed without a sync of their own may never
     * reach the disk, a hole in the WAL that a power loss would end the
     * journal at, taking every later block with it. So no block is acknowledged
     * after it: append_block fails from then on, the node refuses writes,
     * and the restart's settle (a full checkpoint from the page cache)
     * puts the journal on the disk whole. */
    int wal_sync_failed;
};

static const char *const sqlite__schema =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS blocks(height INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL,"
    " prev_hash BLOB NOT NULL, hash BLOB NOT NULL, state_hash BLOB NOT NULL,"
    " first_seq INTEGER NOT NULL, commands INTEGER NOT NULL, requests INTEGER NOT NULL,"
    " first_event_seq INTEGER NOT NULL, events_count INTEGER NOT NULL, events BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS requests(id INTEGER PRIMARY KEY, height INTEGER NOT NULL,"
    " first_seq INTEGER NOT NULL, commands INTEGER NOT NULL, flags INTEGER NOT NULL,"
    " operator TEXT NOT NULL, time_ms INTEGER NOT NULL, nonce TEXT NOT NULL,"
    " signature TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, body BLOB NOT NULL,"
    " results BLOB NOT NULL, cmds BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS requests_height ON requests(height);"
    "CREATE INDEX IF NOT EXISTS requests_time ON requests(time_ms);"
    "CREATE TABLE IF NOT EXISTS snapshot_chunks(height INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " data BLOB NOT NULL, PRIMARY KEY(height, idx));"
    "CREATE TABLE IF NOT EXISTS snapshots(height INTEGER PRIMARY KEY, size INTEGER NOT NULL,"
    " sha256 BLOB NOT NULL);";

/* Snapshots are written in chunks, each in its own short transaction, from
 * a background thread on a connection of their own: block commits interleave
 * with them instead of waiting for one 40 MB insert. The row in `snapshots`
 * is written last and names the size and SHA-256 of the whole. */
#define SQLITE_SNAPSHOT_CHUNK_BYTES (256u << 10)

/* WAL pages after which a commit wakes the checkpointer: four times
 * SQLite's own automatic threshold (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT).
 * Each wake fsyncs the WAL and the database file beside the commits' own
 * fsyncs; at 1,000 pages a node serving one command a block (~5 pages
 * each) did that every ~200 commands, a stall of a millisecond or more
 * for the one or two behind it (session 24: (c) at one client, six
 * interleaved pairs, p99 median 1.5 -> 1.3 ms). The WAL then grows to
 * ~16 MB between restarts. */
#define SQLITE_CKPT_PAGES 4000

#define SQL_INS_BLOCK                                                                              \
    "INSERT INTO blocks(height,time_ns,prev_hash,hash,state_hash,first_seq,commands,requests,"    \
    "first_event_seq,events_count,events) VALUES(?,?,?,?,?,?,?,?,?,?,?)"
#define SQL_INS_REQUEST                                                                            \
    "INSERT INTO requests(height,first_seq,commands,flags,operator,time_ms,nonce,signature,"      \
    "method,path,body,results,cmds) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)"
#define SQL_BLOCK_COLS                                                                             \
    "height,time_ns,prev_hash,hash,state_hash,first_seq,commands,requests,first_event_seq,"       \
    "events_count"
#define SQL_REQUEST_COLS                                                                           \
    "first_seq,commands,flags,operator,time_ms,nonce,signature,method,path,body,results,cmds"

#define SQL_REQUEST_COLS_R                                                                          \
    "r.first_seq,r.commands,r.flags,r.operator,r.time_ms,r.nonce,r.signature,r.method,r.path,"    \
    "r.body,r.results,r.cmds"

#define SQL_REQUESTS_OF_BLOCK                                                                       \
    "SELECT " SQL_REQUEST_COLS " FROM requests WHERE height = ? ORDER BY id"
/* The same columns with the body left out: replay does not need 1 MB a batch. */
#define SQL_REQUESTS_OF_BLOCK_NO_BODY                                                               \
    "SELECT first_seq,commands,flags,operator,time_ms,nonce,signature,method,path,NULL,results,"  \
    "cmds FROM requests WHERE height = ? ORDER BY id"

/* Only what places a command seq: who, and which seqs (the events read). */
#define SQL_REQUESTS_OF_BLOCK_HEADERS                                                               \
    "SELECT first_seq,commands,flags,operator,time_ms,nonce,signature,method,path,NULL,NULL,"     \
    "NULL FROM requests WHERE height = ? ORDER BY id"

#define SQLITE_STORE_FORMAT "mintline-store-v1"

static enum err sqlite__exec(sqlite3 *db, const char *sql) {
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "mintline: store: %s\n", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return ERR_STORE_IO;
    }
    return ERR_OK;
}

/* The SQLite VFS every connection opens on (store_sqlite_vfs); NULL is
 * SQLite's default. Set before a store opens, never while one is open. */
static const char *sqlite__vfs_name;

void store_sqlite_vfs(const char *name) { sqlite__vfs_name = name; }

/* Every connection of a store opens on the WAL write-coalescing layer
 * (sqlite_walbuf.h) over that VFS, or on the VFS itself if the layer
 * cannot be registered. */
static enum err sqlite__connect(const char *path, int flags, sqlite3 **out) {
    sqlite3 *db = NULL;
    const char *vfs = sqlite_walbuf_vfs(sqlite__vfs_name);
    if (vfs == NULL) vfs = sqlite__vfs_name;
    if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, vfs) != SQLITE_OK) {
        sqlite3_close(db);
        return ERR_IO;
    }
    sqlite3_busy_timeout(db, 10000);
    *out = db;
    return ERR_OK;
}

/* ---- the turn to write ------------------------------------------------ */

/* SQLite lets one connection write at a time, and a connection that finds
 * the lock taken sleeps in its busy handler (1, 2, 5, 10 ms, ...) and tries
 * again: a block that met a snapshot chunk's transaction waited at least
 * 1 ms more than the chunk took. The process's own two writing connections
 * take turns here instead, in order of arrival, woken the moment the turn
 * before theirs ends: a block waits at most for the one chunk already
 * being written. (Another process writing, a backup taking the lock for a
 * moment, still meets the busy handler.) */
static void sqlite__turn_take(struct store_sqlite *s) {
    pthread_mutex_lock(&s->turn_lock);
    uint64_t mine = s->turn_ticket++;
    while (s->turn_serving != mine) pthread_cond_wait(&s->turn_next, &s->turn_lock);
    pthread_mutex_unlock(&s->turn_lock);
}

static void sqlite__turn_give(struct store_sqlite *s) {
    pthread_mutex_lock(&s->turn_lock);
    s->turn_serving++;
    pthread_cond_broadcast(&s->turn_next);
    pthread_mutex_unlock(&s->turn_lock);
}

/* ---- the checkpointer ------------------------------------------------- */

/* sqlite3_wal_hook, on the committing thread after each commit: wake the
 * checkpointer when the WAL has grown past the threshold. Installing it
 * replaces SQLite's automatic checkpoint on that connection. */
static int sqlite__ckpt_hook_fn(void *arg, sqlite3 *db, const char *name, int pages) {
    struct store_sqlite *s = arg;
    (void)db;
    (void)name;
    pthread_mutex_lock(&s->ckpt_lock);
    /* Fewer pages than last time: the WAL started over from its head. */
    if (pages < s->ckpt_seen || s->ckpt_next_at == 0) s->ckpt_next_at = SQLITE_CKPT_PAGES;
    s->ckpt_seen = pages;
    /* Once per SQLITE_CKPT_PAGES pages more, not at every commit past the
     * mark: a reader keeping frames back must not turn every commit into a
     * checkpoint. */
    if (pages >= s->ckpt_next_at) {
        s->ckpt_next_at = pages + SQLITE_CKPT_PAGES;
        s->ckpt_due = 1;
        pthread_cond_signal(&s->ckpt_wake);
    }
    pthread_mutex_unlock(&s->ckpt_lock);
    return SQLITE_OK;
}

/* A connection that commits: its checkpoints go to the checkpointer when
 * there is one; otherwise SQLite's automatic checkpoint stays. */
static void sqlite__ckpt_hook(struct store_sqlite *s, sqlite3 *db) {
    if (s->ckpt_live) sqlite3_wal_hook(db, sqlite__ckpt_hook_fn, s);
}

/* First PASSIVE: it copies what no reader still needs and takes no lock a
 * commit waits for (only the checkpoint lock), while blocks go on
 * committing. Then PASSIVE again in a turn of its own (sqlite__turn_take),
 * with no commit running: the few frames the blocks added meanwhile are
 * copied (nothing, no fsync, when there are none) and the next commit
 * starts the WAL over from its head (SQLite restarts the WAL only when a
 * write begins on a WAL copied whole). Without that, a WAL always a few
 * frames ahead of its checkpoint would grow for ever (test_store_wal).
 * One block in a thousand pages may wait for that second, short
 * checkpoint; before, one waited for the whole. */
/* ---- a failed fsync of the WAL (store_sqlite.wal_sync_failed) --------- */

static enum err sqlite__wal_ok(struct store_sqlite *s) {
    if (!__atomic_load_n(&s->wal_sync_failed, __ATOMIC_SEQ_CST)) return ERR_OK;
    fprintf(stderr, "mintline: store: an fsync of the journal failed (snapshot writer or "
                    "checkpointer); no block is acknowledged until the node is restarted\n");
    return ERR_STORE_IO;
}

/* A background connection's fsync failed: the snapshot writer's (of the
 * WAL its chunks went to) or the checkpointer's (of the WAL, before it
 * copies frames, or of the database file after). */
static void sqlite__wal_sync_failed(struct store_sqlite *s) {
    __atomic_store_n(&s->wal_sync_failed, 1, __ATOMIC_SEQ_CST);
}

static int sqlite__fsync_error(sqlite3 *db) {
    int code = sqlite3_extended_errcode(db);
    return code == SQLITE_IOERR_FSYNC || code == SQLITE_IOERR_DIR_FSYNC;
}

/* One checkpoint by the checkpointer; an fsync it failed marks the store. */
static void sqlite__ckpt_once(struct store_sqlite *s) {
    if (sqlite3_wal_checkpoint_v2(s->ckpt, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) !=
            SQLITE_OK &&
        sqlite__fsync_error(s->ckpt)) {
        sqlite__wal_sync_failed(s);
    }
}

static void *sqlite__ckpt_main(void *arg) {
    struct store_sqlite *s = arg;
    bgthread_name("mintline-ckpt");
    pthread_mutex_lock(&s->ckpt_lock);
    for (;;) {
        while (!s->ckpt_due && !s->ckpt_stopping) pthread_cond_wait(&s->ckpt_wake, &s->ckpt_lock);
        if (s->ckpt_stopping) break;
        s->ckpt_due = 0;
        pthread_mutex_unlock(&s->ckpt_lock);
        sqlite__ckpt_once(s);
        sqlite__turn_take(s);
        sqlite__ckpt_once(s);
        sqlite__turn_give(s);
        pthread_mutex_lock(&s->ckpt_lock);
    }
    pthread_mutex_unlock(&s->ckpt_lock);
    return NULL;
}

/* On the default VFS only (see struct store_sqlite). A checkpointer that
 * cannot start leaves SQLite's automatic checkpoint in place. */
static void sqlite__ckpt_start(struct store_sqlite *s) {
    if (sqlite__vfs_name != NULL) return;
    /* FULL: the file is fsynced before the WAL it was copied from may be
     * reused. Reading the journal mode opens the WAL on this connection,
     * without which a checkpoint finds nothing to do. */
    if (sqlite__connect(s->path, SQLITE_OPEN_READWRITE, &s->ckpt) != ERR_OK ||
        sqlite__exec(s->ckpt, "PRAGMA synchronous=FULL; PRAGMA journal_mode") != ERR_OK) {
        sqlite3_close(s->ckpt);
        s->ckpt = NULL;
        return;
    }
    /* Its page copies reach the database file in large writes (its only
     * writes are checkpoints, synced: sqlite_walbuf.h). Without the layer
     * they go one page a call, as before. */
    (void)sqlite_walbuf_buffer_db(s->ckpt);
    if (pthread_create(&s->ckpt_thread, NULL, sqlite__ckpt_main, s) != 0) {
        sqlite3_close(s->ckpt);
        s->ckpt = NULL;
        return;
    }
    s->ckpt_live = 1;
}

static void sqlite__ckpt_stop(struct store_sqlite *s) {
    if (!s->ckpt_live) return;
    pthread_mutex_lock(&s->ckpt_lock);
    s->ckpt_stopping = 1;
    pthread_cond_signal(&s->ckpt_wake);
    pthread_mutex_unlock(&s->ckpt_lock);
    pthread_join(s->ckpt_thread, NULL);
    s->ckpt_live = 0;
    sqlite3_close(s->ckpt);
    s->ckpt = NULL;
}

/* ---- writing ---------------------------------------------------------- */

static void sqlite__bind_hash(sqlite3_stmt *st, int i, const struct hash *h) {
    sqlite3_bind_blob(st, i, h->bytes, HASH_BYTES, SQLITE_STATIC);
}

static void sqlite__bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n) {
    sqlite3_bind_blob64(st, i, n ? p : "", n, SQLITE_STATIC);
}

static int sqlite__insert_block(struct store_sqlite *s, const struct store_block *b) {
    sqlite3_stmt *st = s->ins_block;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)b->height);
    sqlite3_bind_int64(st, 2, b->time_ns);
    sqlite__bind_hash(st, 3, &b->prev_hash);
    sqlite__bind_hash(st, 4, &b->hash);
    sqlite__bind_hash(st, 5, &b->state_hash);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)b->first_seq);
    sqlite3_bind_int64(st, 7, b->commands_count);
    sqlite3_bind_int64(st, 8, b->requests_count);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)b->first_event_seq);
    sqlite3_bind_int64(st, 10, b->events_count);
    sqlite__bind_blob(st, 11, b->events, b->events_len);
    int rc = sqlite3_step(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int sqlite__insert_request(struct store_sqlite *s, uint64_t height,
                                  const struct store_request *r) {
    sqlite3_stmt *st = s->ins_request;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)height);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)r->first_seq);
    sqlite3_bind_int64(st, 3, r->commands_count);
    sqlite3_bind_int64(st, 4, r->flags);
    sqlite3_bind_text(st, 5, r->operator_name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, r->time_ms);
    sqlite3_bind_text(st, 7, r->nonce, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->signature, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, r->method, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, r->path, -1, SQLITE_STATIC);
    sqlite__bind_blob(st, 11, r->body, r->body_len);
    sqlite__bind_blob(st, 12, r->results, r->results_len);
    sqlite__bind_blob(st, 13, r->commands, r->commands_len);
    int rc = sqlite3_step(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Inside the write transaction: the journal must end at the block before
 * this one. Another writer (a second node the lock file did not stop: a
 * copied directory, a hand edit) is caught here with its height, not as a
 * bare UNIQUE failure. Returns 0 when it does. */
static int sqlite__follows(struct store_sqlite *s, uint64_t height) {
    sqlite3_stmt *st = s->last_height;
    int ok = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 last = sqlite3_column_int64(st, 0);
        ok = last + 1 == (sqlite3_int64)height;
        if (!ok) {
            fprintf(stderr, "mintline: store: the journal ends at block %lld, not %llu: another "
                            "writer has appended to it\n",
                    (long long)last, (unsigned long long)height - 1);
        }
    }
    sqlite3_reset(st);
    return ok ? 0 : -1;
}

/* BEGIN IMMEDIATE or COMMIT through its prepared statement (parsed once,
 * at open, instead of once a block). */
static enum err sqlite__step_once(struct store_sqlite *s, sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) return ERR_OK;
    fprintf(stderr, "mintline: store: %s\n", sqlite3_errmsg(s->w));
    return ERR_STORE_IO;
}

static enum err sqlite__append(struct store_sqlite *s, const struct store_block *b,
                               const struct store_request *reqs, uint32_t n) {
    if (sqlite__step_once(s, s->begin)) return ERR_STORE_IO;
    if (sqlite__follows(s, b->height) != 0) {
        sqlite__exec(s->w, "ROLLBACK");
        return ERR_STORE_IO;
    }
    int bad = sqlite__insert_block(s, b);
    for (uint32_t i = 0; i < n && !bad; i++) bad = sqlite__insert_request(s, b->height, &reqs[i]);
    if (bad) {
        fprintf(stderr, "mintline: store: %s\n", sqlite3_errmsg(s->w));
        sqlite__exec(s->w, "ROLLBACK");
        return ERR_STORE_IO;
    }
    return sqlite__step_once(s, s->commit);
}

static enum err sqlite_append_block(struct store *base, const struct store_block *b,
                                    const struct store_request *reqs, uint32_t n) {
    struct store_sqlite *s = (struct store_sqlite *)base;
    sqlite__turn_take(s);
    enum err err = sqlite__wal_ok(s);
    if (!err) err = sqlite__append(s, b, reqs, n);
    /* After the commit too: a failure that raced with this block's fsync
     * may have dropped frames this block's recovery depends on. */
    if (!err) err = sqlite__wal_ok(s);
    sqlite__turn_give(s);
    return err;
}

static enum err sqlite__meta_put(struct store_sqlite *s, const char *key, const void *v, size_t n) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->w, "INSERT INTO meta(key,value) VALUES(?,?)", -1, &st, NULL)) {
        return ERR_STORE_IO;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 2, v, n, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? ERR_OK : ERR_STORE_IO;
}

static enum err sqlite_write_genesis(struct store *base, const char *yaml, size_t yaml_len,
                                     const char *json, size_t json_len,
                                     const struct store_block *b0) {
    struct store_sqlite *s = (struct store_sqlite *)base;
    if (sqlite__exec(s->w, "BEGIN IMMEDIATE")) return ERR_STORE_IO;
    enum err err = sqlite__meta_put(s, "format", SQLITE_STORE_FORMAT, strlen(SQLITE_STORE_FORMAT));
    if (!err) err = sqlite__meta_put(s, "genesis_yaml", yaml, yaml_len);
    if (!err) err = sqlite__meta_put(s, "genesis_json", json, json_len);
    if (!err && sqlite__insert_block(s, b0) != 0) err = ERR_STORE_IO;
    if (err) {
        sqlite__exec(s->w, "ROLLBACK");
        return err;
    }
    return sqlite__exec(s->w, "COMMIT");
}

static enum err sqlite__snap_exec_blob(sqlite3 *db, const char *sql, uint64_t height, int64_t n,
                                       const void *blob, size_t len) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return ERR_STORE_IO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)height);
    sqlite3_bind_int64(st, 2, n);
    sqlite3_bind_blob64(st, 3, blob, len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? ERR_OK : ERR_STORE_IO;
}

/* One statement in a transaction of its own, in the snapshot writer's
 * turn (sqlite__turn_take). `more`, when not NULL, runs in the same
 * transaction after it. */
static enum err sqlite__snap_txn(struct store_sqlite *s, const char *sql, uint64_t height,
                                 int64_t n, const void *blob, size_t len, const char *more) {
    sqlite__turn_take(s);
    enum err err = sqlite__exec(s->snap, "BEGIN IMMEDIATE");
    if (!err) {
        err = sql ? sqlite__snap_exec_blob(s->snap, sql, height, n, blob, len) : ERR_OK;
        if (!err && more) err = sqlite__exec(s->snap, more);
        err = err ? err : sqlite__exec(s->snap, "COMMIT");
        if (err && sqlite__fsync_error(s->snap)) sqlite__wal_sync_failed(s);
        if (err) sqlite__exec(s->snap, "ROLLBACK");
    }
    sqlite__turn_give(s);
    return err;
}

/* fsync the WAL through the snapshot connection's own handle, outside any
 * lock: what it wrote is on the disk before a block's commit comes to
 * fsync the same file, and no block waits for it. */
static enum err sqlite__snap_sync(struct store_sqlite *s) {
    if (s->unsynced) return ERR_OK;
    sqlite3_file *wal = NULL;
    if (sqlite3_file_control(s->snap, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK ||
        wal == NULL || wal->pMethods == NULL) {
        return ERR_STORE_IO;
    }
    if (wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL) == SQLITE_OK) return ERR_OK;
    sqlite__wal_sync_failed(s);
    return ERR_STORE_IO;
}

/* The snapshot connection's synchronous mode: OFF throughout for a
 * temporary image (store_sqlite_unsynced), else as asked. */
static enum err sqlite__snap_mode(struct store_sqlite *s, const char *mode) {
    return sqlite__exec(s->snap, s->unsynced ? "PRAGMA synchronous=OFF" : mode);
}

/* The chunks are committed with synchronous=NORMAL (no fsync in the
 * transaction) and the WAL is fsynced after each, outside the turn: a
 * chunk holds SQLite's write lock, which every block commit needs, for
 * the time of a 256 KiB write, not of an fsync too. The row in `snapshots`
 * that names them is committed with FULL: its fsync covers every earlier
 * frame of the WAL, so a snapshot is whole on disk when it is recorded,
 * as before. A crash in between leaves chunks no row names (deleted by
 * the next snapshot's prune), never a named snapshot missing a chunk. */
static uint64_t sqlite__turns(struct store_sqlite *s) {
    pthread_mutex_lock(&s->turn_lock);
    uint64_t n = s->turn_ticket;
    pthread_mutex_unlock(&s->turn_lock);
    return n;
}

static double sqlite__now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pacing: while blocks are committing, one chunk at most every
 * SQLITE_SNAPSHOT_PACE_MS (256 KiB per 50 ms: 5 MB/s, a 38 MB snapshot in
 * ~8 s instead of ~1). A block's COMMIT fsyncs the WAL the chunks go to:
 * one that comes while a chunk is written or synced waits for the chunk's
 * 256 KiB on the disk as well as for its own pages, and so does one that
 * comes during the checkpoint copying those pages into the file. At full
 * speed that was most blocks for the second a 38 MB snapshot took; paced,
 * the disk is busy with the snapshot a small part of the time and only
 * the blocks that meet that part wait (PERFORMANCE.md, session 24). With
 * no block committing (an idle node, or one stopping) it goes at full
 * speed; on the simulator's VFS never paced (no clock decides a seed). */
#ifndef SQLITE_SNAPSHOT_PACE_MS
#define SQLITE_SNAPSHOT_PACE_MS 50
#endif

static void sqlite__snap_pace(struct store_sqlite *s, double started, uint64_t *turns) {
    uint64_t now = sqlite__turns(s);
    /* a turn besides the chunk's own: a block (or the checkpointer) */
    int others = now - *turns > 1 && sqlite__vfs_name == NULL;
    double left = SQLITE_SNAPSHOT_PACE_MS / 1e3 - (sqlite__now_s() - started);
    if (others && left > 0) {
        struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
        nanosleep(&ts, NULL);
    }
    *turns = sqlite__turns(s);
}

static enum err sqlite__snap_chunks(struct store_sqlite *s, uint64_t height, const uint8_t *data,
                                    size_t len) {
    enum err err = sqlite__snap_mode(s, "PRAGMA synchronous=NORMAL");
    uint64_t turns = sqlite__turns(s);
    for (size_t at = 0, idx = 0; at < len && !err; at += SQLITE_SNAPSHOT_CHUNK_BYTES, idx++) {
        size_t n = len - at < SQLITE_SNAPSHOT_CHUNK_BYTES ? len - at : SQLITE_SNAPSHOT_CHUNK_BYTES;
        double started = sqlite__now_s();
        err = sqlite__snap_txn(s, "INSERT OR REPLACE INTO snapshot_chunks(height,idx,data) "
                                  "VALUES(?,?,?)", height, (int64_t)idx, data + at, n, NULL);
        if (!err) err = sqlite__snap_sync(s);
        if (!err && at + n < len) sqlite__snap_pace(s, started, &turns);
    }
    return err;
}

/* The chunks of snapshots no row names any more, one chunk a transaction:
 * deleting a chunk walks its overflow pages, and all of an old snapshot's
 * (tens of MB) in one transaction held the write lock for as long. NORMAL:
 * a deletion lost in a crash is redone by the next snapshot's prune. */
#define SQL_SNAP_PRUNE_ONE                                                                         \
    "DELETE FROM snapshot_chunks WHERE rowid = (SELECT rowid FROM snapshot_chunks WHERE "         \
    "height NOT IN (SELECT height FROM snapshots) AND height <= "                                  \
    "(SELECT max(height) FROM snapshots) LIMIT 1)"

static enum err sqlite__snap_prune(struct store_sqlite *s) {
    enum err err = sqlite__snap_mode(s, "PRAGMA synchronous=NORMAL");
    int changed = 1;
    while (!err && changed) {
        err = sqlite__snap_txn(s, NULL, 0, 0, NULL, 0, SQL_SNAP_PRUNE_ONE);
        changed = sqlite3_changes(s->snap) > 0;
    }
    return err;
}

static enum err sqlite_write_snapshot(struct store *base, uint64_t height, const uint8_t *data,
                                      size_t len) {
    struct store_sqlite *s = (struct store_sqlite *)base;
    pthread_mutex_lock(&s->snap_lock);
    enum err err = ERR_OK;
    if (s->snap == NULL) {
        err = sqlite__connect(s->path, SQLITE_OPEN_READWRITE, &s->snap);
        if (!err) sqlite__ckpt_hook(s, s->snap);
    }
    if (!err) err = sqlite__snap_chunks(s, height, data, len);
    struct hash h;
    hash_once(data, len, &h);
    /* The row, and the two newest kept (one to fall back on if the newest
     * is damaged): one short transaction, durable (FULL) before return. */
    if (!err) err = sqlite__snap_mode(s, "PRAGMA synchronous=FULL");
    if (!err) {
        err = sqlite__snap_txn(s,
                               "INSERT OR REPLACE INTO snapshots(height,size,sha256) "
                               "VALUES(?,?,?)",
                               height, (int64_t)len, h.bytes, HASH_BYTES,
                               "DELETE FROM snapshots WHERE height NOT IN "
                               "(SELECT height FROM snapshots ORDER BY height DESC LIMIT 2)");
    }
    if (!err) err = sqlite__snap_prune(s);
    pthread_mutex_unlock(&s->snap_lock);
    return err;
}

/* ---- reading ---------------------------------------------------------- */

static void sqlite__col_hash(sqlite3_stmt *st, int i, struct hash *out) {
    memset(out, 0, sizeof(*out));
    if (sqlite3_column_bytes(st, i) == (int)HASH_BYTES) {
        memcpy(out->bytes, sqlite3_column_blob(st, i), HASH_BYTES);
    }
}

static void sqlite__row_block(sqlite3_stmt *st, struct store_block *b) {
    memset(b, 0, sizeof(*b));
    b->height = (uint64_t)sqlite3_column_int64(st, 0);
    b->time_ns = sqlite3_column_int64(st, 1);
    sqlite__col_hash(st, 2, &b->prev_hash);
    sqlite__col_hash(st, 3, &b->hash);
    sqlite__col_hash(st, 4, &b->state_hash);
    b->first_seq = (uint64_t)sqlite3_column_int64(st, 5);
    b->commands_count = (uint32_t)sqlite3_column_int64(st, 6);
    b->requests_count = (uint32_t)sqlite3_column_int64(st, 7);
    b->first_event_seq = (uint64_t)sqlite3_column_int64(st, 8);
    b->events_count = (uint32_t)sqlite3_column_int64(st, 9);
}

static const char *sqlite__text(sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

static void sqlite__row_request(sqlite3_stmt *st, int c, struct store_request *r) {
    memset(r, 0, sizeof(*r));
    r->first_seq = (uint64_t)sqlite3_column_int64(st, c + 0);
    r->commands_count = (uint32_t)sqlite3_column_int64(st, c + 1);
    r->flags = (uint32_t)sqlite3_column_int64(st, c + 2);
    r->operator_name = sqlite__text(st, c + 3);
    r->time_ms = sqlite3_column_int64(st, c + 4);
    r->nonce = sqlite__text(st, c + 5);
    r->signature = sqlite__text(st, c + 6);
    r->method = sqlite__text(st, c + 7);
    r->path = sqlite__text(st, c + 8);
    r->body = sqlite3_column_blob(st, c + 9);
    r->body_len = (size_t)sqlite3_column_bytes(st, c + 9);
    r->results = sqlite3_column_blob(st, c + 10);
    r->results_len = (size_t)sqlite3_column_bytes(st, c + 10);
    r->commands = sqlite3_column_blob(st, c + 11);
    r->commands_len = (size_t)sqlite3_column_bytes(st, c + 11);
}

static enum err sqlite__block_query(struct store_sqlite *s, const char *where, uint64_t arg,
                                    struct store_block *out) {
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT " SQL_BLOCK_COLS " FROM blocks %s", where);
    pthread_mutex_lock(&s->r_lock);
    sqlite3_stmt *st = NULL;
    enum err err = ERR_STORE_IO;
    if (sqlite3_prepare_v2(s->r, sql, -1, &st, NULL) == SQLITE_OK) {
        if (strchr(where, '?')) sqlite3_bind_int64(st, 1, (sqlite3_int64)arg);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            sqlite__row_block(st, out);
            err = ERR_OK;
        } else if (rc == SQLITE_DONE) {
            err = ERR_NOT_FOUND;
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->r_lock);
    return err;
}

static enum err sqlite_head(struct store *base, struct store_block *out) {
    enum err err = sqlite__block_query((struct store_sqlite *)base, "ORDER BY height DESC LIMIT 1", 0, out);
    return err == ERR_NOT_FOUND ? ERR_NO_LEDGER : err;
}

static enum err sqlite_block_at(struct store *base, uint64_t height, struct store_block *out) {
    return sqlite__block_query((struct store_sqlite *)base, "WHERE height = ?", height, out);
}

static enum err sqlite_read_genesis(struct store *base, char **json, size_t *json_len) {
    struct store_sqlite *s = (struct store_sqlite *)base;
    pthread_mutex_lock(&s->r_lock);
    sqlite3_stmt *st = NULL;
    enum err err = ERR_STORE_IO;
    int rc = sqlite3_prepare_v2(s->r, "SELECT value FROM meta WHERE key='genesis_json'", -1, &st,
                                NULL) == SQLITE_OK ? sqlite3_step(st) : SQLITE_ERROR;
    if (rc == SQLITE_DONE) err = ERR_NO_LEDGER; /* a store without a genesis */
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        char *p = malloc(n + 1);
        if (p == NULL) {
            err = ERR_INTERNAL;
        } else {
            if (n) memcpy(p, sqlite3_column_blob(st, 0), n);
            p[n] = '\0';
            *json = p;
            *json_len = n;
            err = ERR_OK;
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->r_lock);
    return err;
}

/* Load one block's requests into a growing array (texts point into rows
 * that stay valid only until the statement steps: copy what must live). */
struct sqlite__reqs {
    struct store_request *items;
    uint32_t count;
    uint32_t cap;
    struct buf_store {
        uint8_t *data;
        size_t len, cap;
    } arena;
};

static int sqlite__arena_add(struct sqlite__reqs *q, const void *p, size_t n, size_t *off) {
    struct buf_store *a = &q->arena;
    if (a->len + n + 1 > a->cap) {
        size_t cap = a->cap ? a->cap : 65536;
        while (cap < a->len + n + 1) cap *= 2;
        uint8_t *d = realloc(a->data, cap);
        if (d == NULL) return -1;
        a->data = d;
        a->cap = cap;
    }
    if (n) memcpy(a->data + a->len, p, n);
    a->data[a->len + n] = 0;
    *off = a->len;
    a->len += n + 1;
    return 0;
}

/* Copy a request's strings and blobs into the arena, storing offsets. */
static int sqlite__reqs_push(struct sqlite__reqs *q, const struct store_request *r, size_t offs[8]) {
    if (q->count == q->cap) {
        uint32_t cap = q->cap ? q->cap * 2 : 16;
        struct store_request *it = realloc(q->items, cap * sizeof(*it));
        if (it == NULL) return -1;
        q->items = it;
        q->cap = cap;
    }
    const void *ptrs[8] = {r->operator_name, r->nonce, r->signature, r->method,
                           r->path,          r->body,  r->results,   r->commands};
    size_t lens[8] = {strlen(r->operator_name), strlen(r->nonce), strlen(r->signature),
                      strlen(r->method),        strlen(r->path),  r->body_len,
                      r->results_len,           r->commands_len};
    for (int i = 0; i < 8; i++) {
        if (sqlite__arena_add(q, ptrs[i], lens[i], &offs[i]) != 0) return -1;
    }
    q->items[q->count++] = *r;
    return 0;
}

static void sqlite__reqs_fix(struct sqlite__reqs *q, size_t (*offs)[8]) {
    const uint8_t *base = q->arena.data;
    for (uint32_t i = 0; i < q->count; i++) {
        struct store_request *r = &q->items[i];
        r->operator_name = (const char *)base + offs[i][0];
        r->nonce = (const char *)base + offs[i][1];
        r->signature = (const char *)base + offs[i][2];
        r->method = (const char *)base + offs[i][3];
        r->path = (const char *)base + offs[i][4];
        r->body = base + offs[i][5];
        r->results = base + offs[i][6];
        r->commands = base + offs[i][7];
    }
}

static enum err sqlite__load_requests(struct store_sqlite *s, sqlite3_stmt *st, uint64_t height,
                                      int with_bodies, struct sqlite__reqs *q, size_t (**offs)[8]) {
    q->count = 0;
    q->arena.len = 0;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)height);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_request r;
        sqlite__row_request(st, 0, &r);
        uint32_t before = q->cap;
        size_t o[8];
        if (sqlite__reqs_push(q, &r, o) != 0) return ERR_INTERNAL;
        if (q->cap != before) {
            size_t(*n)[8] = realloc(*offs, q->cap * sizeof(**offs));
            if (n == NULL) return ERR_INTERNAL;
            *offs = n;
        }
        memcpy((*offs)[q->count - 1], o, sizeof(o));
    }
    (void)s;
    if (rc != SQLITE_DONE) return ERR_STORE_IO;
    sqlite__reqs_fix(q, *offs);
    for (uint32_t i = 0; i < q->count && !with_bodies; i++) q->items[i].body = NULL;
    return ERR_OK;
}

/* Step the block statement once: *b and q (its requests, with_requests)
 * filled; b->events points into the row. SQLITE_ROW, SQLITE_DONE, or
 * another code with *err set. */
static int sqlite__step_block(struct store_sqlite *s, sqlite3_stmt *bs, sqlite3_stmt *rs,
                              int with_requests, struct store_block *b, struct sqlite__reqs *q,
                              size_t (**offs)[8], enum err *err) {
    int rc = sqlite3_step(bs);
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE) *err = ERR_STORE_IO;
        return rc;
    }
    sqlite__row_block(bs, b);
    b->events = sqlite3_column_blob(bs, 10);
    b->events_len = (size_t)sqlite3_column_bytes(bs, 10);
    q->count = 0;
    if (with_requests) *err = sqlite__load_requests(s, rs, b->height, with_requests == 2, q, offs);
    return *err ? SQLITE_ERROR : SQLITE_ROW;
}

/* Read-ahead (STORE_SCAN_READ_AHEAD): a thread of the scan's own steps its
 * statements and fills one of two slots with a block, its events and its
 * requests (copied: they outlive the step) while the caller's thread
 * handles the other. Replay spends a quarter of its time in SQLite's reads
 * of the journal (a pread and a copy per page, every body's overflow page
 * walked to reach the commands after it): on a second core, beside apply
 * and seal instead of before them. The callback runs in the caller's
 * thread as without it, on the blocks in the same order; only the reads
 * run up to two blocks ahead of it. */
struct sqlite__slot {
    struct store_block b;
    struct sqlite__reqs q;
    size_t (*offs)[8];
    uint8_t *events;
    size_t events_cap;
    int full;
};

struct sqlite__ahead {
    struct store_sqlite *s;
    sqlite3_stmt *bs;
    sqlite3_stmt *rs;
    int with_requests;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct sqlite__slot slot[2];
    int done; /* the reader has no block more to give (err: why) */
    int stop; /* the caller wants no block more */
    enum err err;
};

static int sqlite__slot_keep_events(struct sqlite__slot *sl) {
    if (sl->b.events_len == 0) {
        sl->b.events = NULL;
        return 0;
    }
    if (sl->b.events_len > sl->events_cap) {
        uint8_t *p = realloc(sl->events, sl->b.events_len);
        if (p == NULL) return -1;
        sl->events = p;
        sl->events_cap = sl->b.events_len;
    }
    memcpy(sl->events, sl->b.events, sl->b.events_len);
    sl->b.events = sl->events;
    return 0;
}

static void *sqlite__ahead_main(void *arg) {
    struct sqlite__ahead *a = arg;
    for (unsigned w = 0;; w ^= 1) {
        struct sqlite__slot *sl = &a->slot[w];
        pthread_mutex_lock(&a->mu);
        while (sl->full && !a->stop) pthread_cond_wait(&a->cv, &a->mu);
        int stop = a->stop;
        pthread_mutex_unlock(&a->mu);
        if (stop) break;
        enum err err = ERR_OK;
        int rc = sqlite__step_block(a->s, a->bs, a->rs, a->with_requests, &sl->b, &sl->q,
                                    &sl->offs, &err);
        if (rc == SQLITE_ROW && sqlite__slot_keep_events(sl) != 0) {
            err = ERR_INTERNAL;
            rc = SQLITE_ERROR;
        }
        pthread_mutex_lock(&a->mu);
        if (rc == SQLITE_ROW) {
            sl->full = 1;
        } else {
            a->done = 1;
            a->err = err;
        }
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        if (rc != SQLITE_ROW) break;
    }
    return NULL;
}

/* The caller's side of the read-ahead: each block handed to fn in order,
 * *err what the reads met. 0 when no thread could be started (nothing
 * was read then: the caller reads), else 1. */
static int sqlite__scan_ahead(struct sqlite__ahead *a, store_block_fn fn, void *ctx,
                              enum err *err) {
    pthread_t reader;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    int started = pthread_create(&reader, NULL, sqlite__ahead_main, a) == 0;
    int stopped = 0;
    for (unsigned r = 0; started && !stopped; r ^= 1) {
        struct sqlite__slot *sl = &a->slot[r];
        pthread_mutex_lock(&a->mu);
        while (!sl->full && !a->done) pthread_cond_wait(&a->cv, &a->mu);
        int full = sl->full;
        pthread_mutex_unlock(&a->mu);
        if (!full) break; /* the reader is done and this slot was not filled */
        stopped = fn(ctx, &sl->b, sl->q.items, a->with_requests ? sl->q.count : 0) != 0;
        pthread_mutex_lock(&a->mu);
        sl->full = 0;
        if (stopped) a->stop = 1;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
    }
    if (started) pthread_join(reader, NULL);
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    for (int i = 0; i < 2; i++) {
        free(a->slot[i].q.items);
        free(a->slot[i].q.arena.data);
        free(a->slot[i].offs);
        free(a->slot[i].events);
    }
    /* what the reader met past a stop is not the caller's */
    *err = started && !stopped ? a->err : ERR_OK;
    return started;
}

/* with_requests: 0 none, 1 without bodies, 2 with bodies, 3 headers only.
 * events: the blocks' events (else events NULL, events_len 0). ahead:
 * read ahead on a thread (never on the simulator's VFS, whose runs its
 * seed decides, nor on the shared reader). */
static enum err sqlite__scan(struct store_sqlite *s, uint64_t from, int with_requests, int desc,
                             int events, int ahead, store_block_fn fn, void *ctx) {
    sqlite3_stmt *bs = NULL;
    sqlite3_stmt *rs = NULL;
    struct sqlite__reqs q;
    memset(&q, 0, sizeof(q));
    size_t(*offs)[8] = NULL;
    enum err err = ERR_OK;
    /* events is the row's last column: left out, its overflow pages are
     * not read (a block of transfers holds twice as many bytes of events
     * as of binary commands: 96 against 68 a transfer, and more). */
    const char *bsql = desc     ? "SELECT " SQL_BLOCK_COLS ",events FROM blocks WHERE height >= ? "
                                  "ORDER BY height DESC"
                       : events ? "SELECT " SQL_BLOCK_COLS ",events FROM blocks WHERE height >= ? "
                                  "ORDER BY height"
                                : "SELECT " SQL_BLOCK_COLS ",NULL FROM blocks WHERE height >= ? "
                                  "ORDER BY height";
    /* A scan may run for seconds (a monthly report, the events feed, an
     * incident's timeline): on a connection of its own, so that the read
     * API's short reads do not wait behind it on the shared reader. */
    sqlite3 *db = NULL;
    if (sqlite__connect(s->path, SQLITE_OPEN_READONLY, &db) != ERR_OK) {
        db = NULL;
        pthread_mutex_lock(&s->r_lock);
    }
    sqlite3 *rd = db ? db : s->r;
    if (sqlite3_prepare_v2(rd, bsql, -1, &bs, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(rd, with_requests == 2   ? SQL_REQUESTS_OF_BLOCK
                                 : with_requests == 3 ? SQL_REQUESTS_OF_BLOCK_HEADERS
                                                      : SQL_REQUESTS_OF_BLOCK_NO_BODY,
                           -1, &rs, NULL) != SQLITE_OK) {
        err = ERR_STORE_IO;
    }
    if (!err) sqlite3_bind_int64(bs, 1, (sqlite3_int64)from);
    int read = 0;
    if (!err && ahead && db != NULL && sqlite__vfs_name == NULL) {
        struct sqlite__ahead a;
        memset(&a, 0, sizeof(a));
        a.s = s;
        a.bs = bs;
        a.rs = rs;
        a.with_requests = with_requests;
        read = sqlite__scan_ahead(&a, fn, ctx, &err); /* no thread: read here */
    }
    while (!err && !read) {
        struct store_block b;
        int rc = sqlite__step_block(s, bs, rs, with_requests, &b, &q, &offs, &err);
        if (rc != SQLITE_ROW || fn(ctx, &b, q.items, with_requests ? q.count : 0) != 0) break;
    }
    sqlite3_finalize(bs);
    sqlite3_finalize(rs);
    if (db) sqlite3_close(db);
    else pthread_mutex_unlock(&s->r_lock);
    free(q.items);
    free(q.arena.data);
    free(offs);
    return err;
}

static enum err sqlite_scan_blocks(struct store *base, uint64_t from, int flags,
                                   store_block_fn fn, void *ctx) {
    return sqlite__scan((struct store_sqlite *)base, from, (flags & STORE_SCAN_BODIES) ? 2 : 1, 0,
                        (flags & STORE_SCAN_NO_EVENTS) == 0, (flags & STORE_SCAN_READ_AHEAD) != 0,
                        fn, ctx);
}

static enum err sqlite_scan_blocks_desc(struct store *base, store_block_fn fn, void *ctx) {
    return sqlite__scan((struct store_sqlite *)base, 1, 3, 1, 1, 0, fn, ctx);
}

/* with_events: the query's column 14 is the block's events. */
static enum err sqlite__scan_requests(struct store_sqlite *s, const char *sql, int64_t arg,
                                      int with_events, store_request_fn fn, void *ctx) {
    sqlite3_stmt *st = NULL;
    enum err err = ERR_OK;
    pthread_mutex_lock(&s->r_lock);
    if (sqlite3_prepare_v2(s->r, sql, -1, &st, NULL) != SQLITE_OK) err = ERR_STORE_IO;
    if (!err && strchr(sql, '?')) sqlite3_bind_int64(st, 1, arg);
    int rc = SQLITE_DONE;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_request r;
        sqlite__row_request(st, 2, &r);
        if (with_events) {
            r.block_events = sqlite3_column_blob(st, 14);
            r.block_events_len = (size_t)sqlite3_column_bytes(st, 14);
        }
        uint64_t height = (uint64_t)sqlite3_column_int64(st, 0);
        if (fn(ctx, &r, height, sqlite3_column_int64(st, 1)) != 0) break;
    }
    if (!err && rc != SQLITE_ROW && rc != SQLITE_DONE) err = ERR_STORE_IO;
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->r_lock);
    return err;
}

static enum err sqlite_scan_requests_desc(struct store *base, store_request_fn fn, void *ctx) {
    return sqlite__scan_requests((struct store_sqlite *)base,
                                 "SELECT r.height, b.time_ns, " SQL_REQUEST_COLS_R
                                 ",b.events FROM requests r JOIN blocks b ON b.height = r.height "
                                 "ORDER BY r.id DESC",
                                 0, 1, fn, ctx);
}

static enum err sqlite_scan_requests_since(struct store *base, int64_t time_ms,
                                           store_request_fn fn, void *ctx) {
    return sqlite__scan_requests((struct store_sqlite *)base,
                                 "SELECT r.height, b.time_ns, " SQL_REQUEST_COLS_R
                                 " FROM requests r JOIN blocks b ON b.height = r.height "
                                 "WHERE r.time_ms >= ?",
                                 time_ms, 0, fn, ctx);
}

/* Reassemble the snapshot at `height` and check its size and SHA-256. */
static enum err sqlite__snap_read(struct store_sqlite *s, uint64_t height, size_t size,
                                  const struct hash *want, uint8_t **data) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->r, "SELECT data FROM snapshot_chunks WHERE height = ? ORDER BY idx",
                           -1, &st, NULL) != SQLITE_OK) {
        return ERR_STORE_IO;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)height);
    uint8_t *p = malloc(size ? size : 1);
    size_t at = 0;
    int bad = p == NULL;
    while (!bad && sqlite3_step(st) == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        if (n > size - at) bad = 1;
        else memcpy(p + at, sqlite3_column_blob(st, 0), n);
        at += n;
    }
    sqlite3_finalize(st);
    struct hash h;
    if (!bad) hash_once(p, at, &h);
    if (bad || at != size || memcmp(h.bytes, want->bytes, HASH_BYTES) != 0) {
        free(p);
        return p == NULL ? ERR_INTERNAL : ERR_IO;
    }
    *data = p;
    return ERR_OK;
}

static enum err sqlite_latest_snapshot(struct store *base, uint64_t *height, uint8_t **data,
                                       size_t *len) {
    struct store_sqlite *s = (struct store_sqlite *)base;
    pthread_mutex_lock(&s->r_lock);
    sqlite3_stmt *st = NULL;
    enum err err = ERR_NOT_FOUND;
    if (sqlite3_prepare_v2(s->r, "SELECT height, size, sha256 FROM snapshots ORDER BY height DESC",
                           -1, &st, NULL) != SQLITE_OK) {
        err = ERR_STORE_IO;
    }
    /* The newest whole one; a damaged newest falls back to the one before. */
    while (err == ERR_NOT_FOUND && st && sqlite3_step(st) == SQLITE_ROW) {
        struct hash want;
        sqlite__col_hash(st, 2, &want);
        uint64_t h = (uint64_t)sqlite3_column_int64(st, 0);
        size_t size = (size_t)sqlite3_column_int64(st, 1);
        enum err got = sqlite__snap_read(s, h, size, &want, data);
        if (got == ERR_OK) {
            *height = h;
            *len = size;
            err = ERR_OK;
        } else if (got == ERR_INTERNAL) {
            err = got;
        } else {
            fprintf(stderr, "mintline: snapshot at block %llu is damaged (size or SHA-256); "
                            "trying an older one\n", (unsigned long long)h);
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->r_lock);
    return err;
}

static enum err sqlite_tally(struct store *base, struct store_tally *out) {
    struct store_sqlite *s = (struct store_sqlite *)base;
    pthread_mutex_lock(&s->r_lock);
    sqlite3_stmt *st = NULL;
    enum err err = ERR_STORE_IO;
    if (sqlite3_prepare_v2(s->r,
                           "SELECT (SELECT count(*) FROM requests), "
                           "(SELECT coalesce(sum(requests), 0) FROM blocks), "
                           "(SELECT coalesce(max(height), 0) FROM requests), "
                           "(SELECT coalesce(max(height), 0) FROM snapshots)",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        out->requests = (uint64_t)sqlite3_column_int64(st, 0);
        out->requests_in_blocks = (uint64_t)sqlite3_column_int64(st, 1);
        out->request_height_max = (uint64_t)sqlite3_column_int64(st, 2);
        out->snapshot_height_max = (uint64_t)sqlite3_column_int64(st, 3);
        err = ERR_OK;
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->r_lock);
    return err;
}

/* Copy every WAL frame into the database file, fsync it, and empty the
 * WAL: what the page cache held is then on the disk, and a WAL whose
 * middle never reached the disk (a failed fsync) is not there to be
 * replayed over a database that already holds later pages. */
/* A reader (audit verify, a backup) holding an old snapshot makes the
 * checkpoint wait (busy timeout, 10 s a try): start-up waits for it this
 * many tries, saying so, rather than serve a journal it could not settle. */
#define SQLITE_SETTLE_TRIES 12

/* One try: 0 settled, 1 busy (a reader), -1 failed. */
static int sqlite__settle_once(struct store_sqlite *s) {
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(s->w, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 0) != 0) rc = 1;
        else rc = sqlite3_column_int(st, 1) == sqlite3_column_int(st, 2) ? 0 : 1;
    }
    sqlite3_finalize(st);
    return rc;
}

static enum err sqlite_settle(struct store *base) {
    struct store_sqlite *s = (struct store_sqlite *)base;
    int rc = sqlite__settle_once(s);
    for (int tries = 1; rc == 1 && tries < SQLITE_SETTLE_TRIES; tries++) {
        if (tries == 1) {
            fprintf(stderr, "mintline: waiting for a reader of the journal (audit verify, a "
                            "backup) to finish before serving\n");
        }
        rc = sqlite__settle_once(s);
    }
    if (rc == 0) return ERR_OK;
    fprintf(stderr, "mintline: store: the journal could not be made durable: %s\n",
            rc == 1 ? "a reader kept it open for two minutes" : sqlite3_errmsg(s->w));
    return ERR_STORE_IO;
}

static void sqlite_close(struct store *base) {
    struct store_sqlite *s = (struct store_sqlite *)base;
    sqlite__ckpt_stop(s); /* before the connections whose hooks wake it */
    sqlite3_finalize(s->ins_block);
    sqlite3_finalize(s->ins_request);
    sqlite3_finalize(s->begin);
    sqlite3_finalize(s->commit);
    sqlite3_finalize(s->last_height);
    /* Reader first, then a checkpoint by the last (writing) connection, so a
     * cleanly stopped ledger is one self-contained file. */
    sqlite3_close(s->r);
    sqlite3_close(s->snap);
    if (s->w) sqlite3_exec(s->w, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_close(s->w);
    pthread_mutex_destroy(&s->r_lock);
    pthread_mutex_destroy(&s->snap_lock);
    pthread_mutex_destroy(&s->ckpt_lock);
    pthread_cond_destroy(&s->ckpt_wake);
    pthread_mutex_destroy(&s->turn_lock);
    pthread_cond_destroy(&s->turn_next);
    free(s);
}

static const struct store_ops sqlite_ops = {
    .close = sqlite_close,
    .write_genesis = sqlite_write_genesis,
    .read_genesis = sqlite_read_genesis,
    .append_block = sqlite_append_block,
    .head = sqlite_head,
    .block_at = sqlite_block_at,
    .scan_blocks = sqlite_scan_blocks,
    .scan_blocks_desc = sqlite_scan_blocks_desc,
    .scan_requests_desc = sqlite_scan_requests_desc,
    .scan_requests_since = sqlite_scan_requests_since,
    .settle = sqlite_settle,
    .tally = sqlite_tally,
    .write_snapshot = sqlite_write_snapshot,
    .latest_snapshot = sqlite_latest_snapshot,
};

/* A store written by another format version is refused, not misread. A
 * store without the row is new (init writes it with the genesis). */
static enum err sqlite__format_ok(struct store_sqlite *s) {
    sqlite3_stmt *st = NULL;
    enum err err = ERR_OK;
    if (sqlite3_prepare_v2(s->r, "SELECT value FROM meta WHERE key='format'", -1, &st, NULL) != SQLITE_OK) {
        return ERR_STORE_IO;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        const void *v = sqlite3_column_blob(st, 0);
        if (n != strlen(SQLITE_STORE_FORMAT) || memcmp(v, SQLITE_STORE_FORMAT, n) != 0) {
            fprintf(stderr, "mintline: store: unknown format (this mintline reads %s)\n", SQLITE_STORE_FORMAT);
            err = ERR_IO;
        }
    }
    sqlite3_finalize(st);
    return err;
}

static enum err sqlite__setup(struct store_sqlite *s, const char *path, int create) {
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    enum err err = sqlite__connect(path, flags, &s->w);
    if (err) return create ? ERR_IO : ERR_STORE_IO; /* it exists (store_open): a read failed */
    err = sqlite__exec(s->w, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    if (!err) err = sqlite__exec(s->w, sqlite__schema);
    if (err) return err;
    if (sqlite3_prepare_v2(s->w, SQL_INS_BLOCK, -1, &s->ins_block, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->w, SQL_INS_REQUEST, -1, &s->ins_request, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->w, "BEGIN IMMEDIATE", -1, &s->begin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->w, "COMMIT", -1, &s->commit, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->w, "SELECT coalesce(max(height), -1) FROM blocks", -1,
                           &s->last_height, NULL) != SQLITE_OK) {
        return ERR_STORE_IO;
    }
    sqlite__ckpt_start(s);
    sqlite__ckpt_hook(s, s->w);
    err = sqlite__connect(path, SQLITE_OPEN_READONLY, &s->r);
    return err ? err : sqlite__format_ok(s);
}

void store_sqlite_unsynced(struct store *base) {
    if (strcmp(base->kind, "sqlite") != 0) return;
    struct store_sqlite *s = (struct store_sqlite *)base;
    sqlite3_exec(s->w, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
    s->unsynced = 1;
}

/* Does the ledger file exist? Asked of the VFS the store opens on, so a
 * VFS that keeps its files elsewhere (in memory) answers for them. */
static int sqlite__exists(const char *path) {
    if (sqlite__vfs_name == NULL) return access(path, F_OK) == 0;
    sqlite3_vfs *vfs = sqlite3_vfs_find(sqlite__vfs_name);
    int found = 0;
    if (vfs == NULL || vfs->xAccess(vfs, path, SQLITE_ACCESS_EXISTS, &found) != SQLITE_OK) return 0;
    return found;
}

enum err store_open(const char *data_dir, int create, struct store **out) {
    char path[480];
    int n = snprintf(path, sizeof(path), "%s/mintline.db", data_dir);
    if (n < 0 || (size_t)n >= sizeof(path)) return ERR_INVALID_ARGUMENT;
    if (create) {
        if (sqlite__vfs_name == NULL) mkdir(data_dir, 0700);
    } else if (!sqlite__exists(path)) {
        return ERR_NO_LEDGER;
    }
    struct store_sqlite *s = calloc(1, sizeof(*s));
    if (s == NULL) return ERR_INTERNAL;
    pthread_mutex_init(&s->r_lock, NULL);
    pthread_mutex_init(&s->snap_lock, NULL);
    pthread_mutex_init(&s->ckpt_lock, NULL);
    pthread_cond_init(&s->ckpt_wake, NULL);
    pthread_mutex_init(&s->turn_lock, NULL);
    pthread_cond_init(&s->turn_next, NULL);
    snprintf(s->path, sizeof(s->path), "%s", path);
    s->base.ops = &sqlite_ops;
    snprintf(s->base.kind, sizeof(s->base.kind), "sqlite");
    snprintf(s->base.where, sizeof(s->base.where), "%s", path);
    enum err err = sqlite__setup(s, path, create);
    if (err) {
        sqlite_close(&s->base);
        return err;
    }
    *out = &s->base;
    return ERR_OK;
}
