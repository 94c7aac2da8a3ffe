/*
 * store_copy.c - online copies and a read cursor over an SQLite journal
 * (store_copy.h), each on a connection of its own.
 *
 * Backups read the file held still at one commit (store_copy_freeze,
 * below) or, when a reader elsewhere is in the way, copy it with SQLite's
 * online backup API in a single step: one read transaction over the
 * source, so the copy is the journal as of one commit, page for page,
 * while the node's writer goes on appending to the WAL (docs/DECISIONS.md,
 * issue 12: why not VACUUM INTO). The destination
 * is written without a journal and with synchronous off (it is a new file
 * nobody reads until we fsync and hand it on); one fsync at the end.
 */
#include "store_copy.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_COPY_BLOCK_COLS                                                                      \
    "height,time_ns,prev_hash,hash,state_hash,first_seq,commands,requests,first_event_seq,"       \
    "events_count,events"

static enum err copy__connect(const char *path, int flags, sqlite3 **out) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return ERR_STORE_IO;
    }
    sqlite3_busy_timeout(db, 10000);
    *out = db;
    return ERR_OK;
}

static void copy__hash(sqlite3_stmt *st, int i, struct hash *out) {
    memset(out, 0, sizeof(*out));
    if (sqlite3_column_bytes(st, i) == (int)HASH_BYTES) {
        memcpy(out->bytes, sqlite3_column_blob(st, i), HASH_BYTES);
    }
}

static void copy__row_block(sqlite3_stmt *st, struct store_block *b) {
    memset(b, 0, sizeof(*b));
    b->height = (uint64_t)sqlite3_column_int64(st, 0);
    b->time_ns = sqlite3_column_int64(st, 1);
    copy__hash(st, 2, &b->prev_hash);
    copy__hash(st, 3, &b->hash);
    copy__hash(st, 4, &b->state_hash);
    b->first_seq = (uint64_t)sqlite3_column_int64(st, 5);
    b->commands_count = (uint32_t)sqlite3_column_int64(st, 6);
    b->requests_count = (uint32_t)sqlite3_column_int64(st, 7);
    b->first_event_seq = (uint64_t)sqlite3_column_int64(st, 8);
    b->events_count = (uint32_t)sqlite3_column_int64(st, 9);
    b->events = sqlite3_column_blob(st, 10);
    b->events_len = (size_t)sqlite3_column_bytes(st, 10);
}

/* One block row by SQL (WHERE/ORDER tail); ERR_NOT_FOUND when none. */
static enum err copy__block(sqlite3 *db, const char *tail, struct store_block *out) {
    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT " STORE_COPY_BLOCK_COLS " FROM blocks %s", tail);
    sqlite3_stmt *st = NULL;
    enum err err = ERR_STORE_IO;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            copy__row_block(st, out);
            out->events = NULL;
            out->events_len = 0;
            err = ERR_OK;
        } else if (rc == SQLITE_DONE) {
            err = ERR_NOT_FOUND;
        }
    }
    sqlite3_finalize(st);
    return err;
}

static enum err copy__head(sqlite3 *db, struct store_copy_head *out) {
    struct store_block head, b0;
    enum err err = copy__block(db, "ORDER BY height DESC LIMIT 1", &head);
    if (!err) err = copy__block(db, "WHERE height = 0", &b0);
    if (err == ERR_NOT_FOUND) return ERR_NO_LEDGER;
    if (err) return err;
    out->height = head.height;
    out->head_hash = head.hash;
    out->genesis_hash = b0.hash;
    return ERR_OK;
}

enum err store_copy_head_of(const char *db_path, struct store_copy_head *out) {
    sqlite3 *db = NULL;
    if (access(db_path, F_OK) != 0) return ERR_NO_LEDGER;
    /* Read-write (nothing is written) so that closing the last connection
     * removes the -wal and -shm files a reader of a WAL journal makes: a
     * look at a directory leaves it as it was. Read-only where it must. */
    enum err err = copy__connect(db_path, SQLITE_OPEN_READWRITE, &db);
    if (err) err = copy__connect(db_path, SQLITE_OPEN_READONLY, &db);
    if (!err) err = copy__head(db, out);
    sqlite3_close(db);
    return err;
}

/* The copy itself: one backup step over the whole source. */
static enum err copy__run(sqlite3 *src, sqlite3 *dst, char *why, size_t why_size) {
    if (sqlite3_exec(dst, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", NULL, NULL, NULL) !=
        SQLITE_OK) {
        snprintf(why, why_size, "backup: %s", sqlite3_errmsg(dst));
        return ERR_STORE_IO;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (b == NULL) {
        snprintf(why, why_size, "backup: %s", sqlite3_errmsg(dst));
        return ERR_STORE_IO;
    }
    int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        snprintf(why, why_size, "backup: %s", sqlite3_errstr(rc));
        return rc == SQLITE_IOERR || rc == SQLITE_FULL ? ERR_IO : ERR_STORE_IO;
    }
    return ERR_OK;
}

enum err store_copy_backup(const char *db_path, const char *dest_path, struct store_copy_head *out,
                           char *why, size_t why_size) {
    snprintf(why, why_size, "%s", "");
    if (access(db_path, F_OK) != 0) return ERR_NO_LEDGER;
    sqlite3 *src = NULL;
    sqlite3 *dst = NULL;
    /* Read-write without create: a read-only connection cannot open a WAL
     * journal whose -shm is missing (no node running). Nothing is written. */
    enum err err = copy__connect(db_path, SQLITE_OPEN_READWRITE, &src);
    if (!err) err = copy__connect(dest_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dst);
    if (!err) err = copy__run(src, dst, why, why_size);
    if (!err) err = copy__head(dst, out);
    sqlite3_close(src);
    if (sqlite3_close(dst) != SQLITE_OK && !err) err = ERR_STORE_IO;
    /* No fsync here: the copy is a temporary image, read back at once and
     * written (and fsynced) as a backup file by the caller; an fsync of
     * hundreds of MB would only compete with the sequencer's commits. */
    if (err) unlink(dest_path);
    return err;
}

/* ---- the file held still -------------------------------------------------- */

/*
 * A journal file read as bytes, as of one commit. With WAL, a reader that
 * starts when every WAL frame is already in the database file reads the
 * file alone (SQLite's read lock 0), and while it holds that lock no
 * checkpoint may write into the file: the writer goes on appending to the
 * WAL, and the file's bytes stay exactly the journal as of that commit.
 * To start such a reader: take the write lock on a second connection (the
 * node's next commit waits on its busy timeout), checkpoint what the WAL
 * holds, begin the read, let the write lock go. The node stops for one
 * checkpoint (what its own automatic checkpoint would have cost); the copy
 * then runs at the speed of reading a file, not of SQLite's page-by-page
 * backup. A reader elsewhere holding an older snapshot keeps the
 * checkpoint from completing: a few tries, then *out is NULL and the
 * caller uses the backup API instead.
 */
#define COPY_FREEZE_TRIES 8

struct store_frozen {
    sqlite3 *db;
    sqlite3_file *file;
    uint64_t size;
};

/* One try: 1 held (the read is open, *head read in it), 0 not settled,
 * -1 failed, -2 no journal in the file. The read must begin before the write lock goes: BEGIN alone
 * takes no snapshot, the first SELECT does. */
static int copy__freeze_once(sqlite3 *r, sqlite3 *w, int wal, struct store_copy_head *head) {
    if (sqlite3_exec(w, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return -1;
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(r, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    /* Not a WAL journal: a reader's shared lock keeps writers out of the
     * file by itself. */
    int held = 0;
    if ((rc == SQLITE_OK || rc == SQLITE_BUSY) && (!wal || (rc == SQLITE_OK && log == done))) {
        held = sqlite3_exec(r, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? 1 : -1;
        if (held == 1) {
            enum err e = copy__head(r, head);
            if (e) held = e == ERR_NO_LEDGER ? -2 : -1;
        }
    } else if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        held = -1;
    }
    sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
    return held;
}

enum err store_copy_freeze(const char *db_path, struct store_frozen **out,
                           struct store_copy_head *head) {
    if (access(db_path, F_OK) != 0) return ERR_NO_LEDGER;
    struct store_frozen *f = calloc(1, sizeof(*f));
    if (f == NULL) return ERR_INTERNAL;
    sqlite3 *w = NULL;
    enum err err = copy__connect(db_path, SQLITE_OPEN_READWRITE, &f->db);
    if (!err) err = copy__connect(db_path, SQLITE_OPEN_READWRITE, &w);
    /* The journal mode, read first: it also opens the WAL, without which
     * a checkpoint answers as if there were none. */
    int wal = 0;
    sqlite3_stmt *st = NULL;
    if (!err && sqlite3_prepare_v2(f->db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *mode = sqlite3_column_text(st, 0);
        wal = mode != NULL && strcmp((const char *)mode, "wal") == 0;
    } else if (!err) {
        err = ERR_STORE_IO;
    }
    sqlite3_finalize(st);
    int held = 0;
    for (int i = 0; !err && held == 0 && i < COPY_FREEZE_TRIES; i++) {
        if (i > 0) usleep(20000u * (unsigned)i);
        held = copy__freeze_once(f->db, w, wal, head);
        if (held < 0) err = held == -2 ? ERR_NO_LEDGER : ERR_STORE_IO;
    }
    sqlite3_close(w);
    *out = NULL;
    if (!err && held == 0) {
        store_copy_thaw(f);
        return ERR_OK;
    }
    sqlite3_int64 size = 0;
    if (!err && (sqlite3_file_control(f->db, "main", SQLITE_FCNTL_FILE_POINTER, &f->file) !=
                     SQLITE_OK ||
                 f->file == NULL || f->file->pMethods == NULL ||
                 f->file->pMethods->xFileSize(f->file, &size) != SQLITE_OK || size <= 0)) {
        err = ERR_STORE_IO;
    }
    if (err) {
        store_copy_thaw(f);
        return err;
    }
    f->size = (uint64_t)size;
    *out = f;
    return ERR_OK;
}

uint64_t store_copy_frozen_size(const struct store_frozen *f) { return f->size; }

enum err store_copy_frozen_read(struct store_frozen *f, void *dst, size_t n, uint64_t at) {
    if (at > f->size || n > f->size - at || n > INT32_MAX) return ERR_INTERNAL;
    /* Through SQLite's own file handle: opening the file again and closing
     * it would drop every POSIX lock this process holds on it. */
    return f->file->pMethods->xRead(f->file, dst, (int)n, (sqlite3_int64)at) == SQLITE_OK
               ? ERR_OK
               : ERR_STORE_IO;
}

void store_copy_thaw(struct store_frozen *f) {
    if (f == NULL) return;
    if (f->db) sqlite3_exec(f->db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(f->db);
    free(f);
}

/* ---- the cursor ----------------------------------------------------------- */

struct store_cursor {
    struct store_pg_journal *pg; /* a PostgreSQL ledger's (store_cursor_open_pg); NULL on SQLite */
    sqlite3 *db;
    sqlite3_stmt *blocks;
    sqlite3_stmt *reqs;
    char *genesis_json;
    size_t genesis_len;
    struct store_block block0;
    struct store_block head;
    int in_block; /* reqs is bound to the current block */
};

static enum err cursor__genesis(struct store_cursor *c) {
    sqlite3_stmt *st = NULL;
    enum err err = ERR_STORE_IO;
    if (sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key='genesis_json'", -1, &st,
                           NULL) == SQLITE_OK) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) err = ERR_NO_LEDGER;
        if (rc == SQLITE_ROW) {
            size_t n = (size_t)sqlite3_column_bytes(st, 0);
            c->genesis_json = malloc(n + 1);
            err = c->genesis_json ? ERR_OK : ERR_INTERNAL;
            if (!err) {
                if (n) memcpy(c->genesis_json, sqlite3_column_blob(st, 0), n);
                c->genesis_json[n] = '\0';
                c->genesis_len = n;
            }
        }
    }
    sqlite3_finalize(st);
    return err;
}

enum err store_cursor_open(const char *db_path, uint64_t from_height, struct store_cursor **out) {
    if (access(db_path, F_OK) != 0) return ERR_NO_LEDGER;
    struct store_cursor *c = calloc(1, sizeof(*c));
    if (c == NULL) return ERR_INTERNAL;
    enum err err = copy__connect(db_path, SQLITE_OPEN_READWRITE, &c->db);
    /* One read transaction for everything below: the head read first fixes
     * the snapshot every later read sees. */
    if (!err && sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) err = ERR_STORE_IO;
    if (!err) err = copy__block(c->db, "ORDER BY height DESC LIMIT 1", &c->head);
    if (!err) err = copy__block(c->db, "WHERE height = 0", &c->block0);
    if (err == ERR_NOT_FOUND) err = ERR_NO_LEDGER;
    if (!err) err = cursor__genesis(c);
    if (!err && (sqlite3_prepare_v2(c->db,
                                    "SELECT " STORE_COPY_BLOCK_COLS " FROM blocks WHERE height >= ? "
                                    "ORDER BY height", -1, &c->blocks, NULL) != SQLITE_OK ||
                 sqlite3_prepare_v2(c->db,
                                    "SELECT first_seq,commands,flags,operator,time_ms,nonce,"
                                    "signature,method,path,body,results,cmds FROM requests "
                                    "WHERE height = ? ORDER BY id", -1, &c->reqs, NULL) != SQLITE_OK)) {
        err = ERR_STORE_IO;
    }
    if (err) {
        store_cursor_close(c);
        return err;
    }
    sqlite3_bind_int64(c->blocks, 1, (sqlite3_int64)(from_height > 0 ? from_height : 1));
    *out = c;
    return ERR_OK;
}

void store_cursor_genesis(const struct store_cursor *c, const char **json, size_t *json_len,
                          struct store_block *block0, struct store_block *head) {
    if (c->pg) {
        store_postgres_journal_genesis(c->pg, json, json_len, NULL, NULL, block0, head);
        return;
    }
    *json = c->genesis_json;
    *json_len = c->genesis_len;
    *block0 = c->block0;
    *head = c->head;
}

enum err store_cursor_next_block(struct store_cursor *c, struct store_block *out, int *done) {
    if (c->pg) return store_postgres_journal_next_block(c->pg, out, done);
    int rc = sqlite3_step(c->blocks);
    *done = rc != SQLITE_ROW;
    if (rc == SQLITE_DONE) return ERR_OK;
    if (rc != SQLITE_ROW) return ERR_STORE_IO;
    copy__row_block(c->blocks, out);
    sqlite3_reset(c->reqs);
    sqlite3_bind_int64(c->reqs, 1, (sqlite3_int64)out->height);
    c->in_block = 1;
    return ERR_OK;
}

static const char *cursor__text(sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

enum err store_cursor_next_request(struct store_cursor *c, struct store_request *out, int *done) {
    if (c->pg) return store_postgres_journal_next_request(c->pg, out, done);
    *done = 1;
    if (!c->in_block) return ERR_OK;
    int rc = sqlite3_step(c->reqs);
    if (rc == SQLITE_DONE) {
        c->in_block = 0;
        return ERR_OK;
    }
    if (rc != SQLITE_ROW) return ERR_STORE_IO;
    sqlite3_stmt *st = c->reqs;
    memset(out, 0, sizeof(*out));
    out->first_seq = (uint64_t)sqlite3_column_int64(st, 0);
    out->commands_count = (uint32_t)sqlite3_column_int64(st, 1);
    out->flags = (uint32_t)sqlite3_column_int64(st, 2);
    out->operator_name = cursor__text(st, 3);
    out->time_ms = sqlite3_column_int64(st, 4);
    out->nonce = cursor__text(st, 5);
    out->signature = cursor__text(st, 6);
    out->method = cursor__text(st, 7);
    out->path = cursor__text(st, 8);
    out->body = sqlite3_column_blob(st, 9);
    out->body_len = (size_t)sqlite3_column_bytes(st, 9);
    out->results = sqlite3_column_blob(st, 10);
    out->results_len = (size_t)sqlite3_column_bytes(st, 10);
    out->commands = sqlite3_column_blob(st, 11);
    out->commands_len = (size_t)sqlite3_column_bytes(st, 11);
    *done = 0;
    return ERR_OK;
}

void store_cursor_close(struct store_cursor *c) {
    if (c == NULL) return;
    store_postgres_journal_close(c->pg);
    sqlite3_finalize(c->blocks);
    sqlite3_finalize(c->reqs);
    if (c->db) sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(c->db);
    free(c->genesis_json);
    free(c);
}

enum err store_cursor_open_pg(const char *url, uint64_t from_height, struct store_cursor **out) {
    struct store_cursor *c = calloc(1, sizeof(*c));
    if (c == NULL) return ERR_INTERNAL;
    enum err err = store_postgres_journal_open(url, from_height, &c->pg);
    if (err) {
        free(c);
        return err;
    }
    *out = c;
    return ERR_OK;
}

/* ---- a SQLite image of a PostgreSQL journal ---------------------------- */

/* The requests of one block, gathered for append_block: pointers into the
 * journal's current page (valid until its next block). */
struct copy__reqs {
    struct store_request *items;
    uint32_t count;
    uint32_t cap;
};

static enum err copy__gather(struct store_pg_journal *j, struct copy__reqs *r) {
    r->count = 0;
    for (;;) {
        if (r->count == r->cap) {
            uint32_t cap = r->cap ? r->cap * 2 : 64;
            struct store_request *grown = realloc(r->items, cap * sizeof(*grown));
            if (grown == NULL) return ERR_INTERNAL;
            r->items = grown;
            r->cap = cap;
        }
        int done = 0;
        enum err err = store_postgres_journal_next_request(j, &r->items[r->count], &done);
        if (err || done) return err;
        r->count++;
    }
}

/* Everything j holds into the (new) SQLite store dst. */
static enum err copy__pour_pg(struct store_pg_journal *j, struct store *dst, struct store_copy_head *head,
                              char *why, size_t why_size) {
    const char *json, *yaml;
    size_t json_len, yaml_len;
    struct store_block b0, last;
    store_postgres_journal_genesis(j, &json, &json_len, &yaml, &yaml_len, &b0, &last);
    enum err err = dst->ops->write_genesis(dst, yaml, yaml_len, json, json_len, &b0);
    struct copy__reqs reqs = {NULL, 0, 0};
    int done = err != ERR_OK;
    while (!done) {
        struct store_block b;
        err = store_postgres_journal_next_block(j, &b, &done);
        if (!err && !done) err = copy__gather(j, &reqs);
        if (!err && !done) err = dst->ops->append_block(dst, &b, reqs.items, reqs.count);
        if (err) done = 1;
    }
    free(reqs.items);
    uint64_t snap_height = 0;
    uint8_t *snap = NULL;
    size_t snap_len = 0;
    if (!err) {
        err = store_postgres_journal_snapshot(j, &snap_height, &snap, &snap_len);
        if (err == ERR_NOT_FOUND) err = ERR_OK;
        else if (!err) err = dst->ops->write_snapshot(dst, snap_height, snap, snap_len);
    }
    free(snap);
    if (err) {
        snprintf(why, why_size, "cannot copy the PostgreSQL journal (%s)", err_name(err));
        return err;
    }
    head->height = last.height;
    head->head_hash = last.hash;
    head->genesis_hash = b0.hash;
    return ERR_OK;
}

enum err store_copy_image_pg(const char *url, const char *dest_path, struct store_copy_head *out,
                             char *why, size_t why_size) {
    snprintf(why, why_size, "%s", "");
    char dir[4200], db[4300];
    int n = snprintf(dir, sizeof(dir), "%s.d", dest_path);
    if (n < 0 || (size_t)n >= sizeof(dir) || mkdir(dir, 0700) != 0) {
        snprintf(why, why_size, "cannot make a directory next to %s", dest_path);
        unlink(dest_path);
        return ERR_IO;
    }
    snprintf(db, sizeof(db), "%s/mintline.db", dir);
    struct store_pg_journal *j = NULL;
    struct store *dst = NULL;
    struct store_copy_head head;
    enum err err = store_postgres_journal_open(url, 1, &j);
    if (err) snprintf(why, why_size, "cannot read the PostgreSQL journal (%s)", err_name(err));
    if (!err) {
        err = store_open(dir, 1, &dst);
        if (err) snprintf(why, why_size, "cannot make the image in %s (%s)", dir, err_name(err));
    }
    if (!err) {
        store_sqlite_unsynced(dst);
        err = copy__pour_pg(j, dst, &head, why, why_size);
    }
    store_postgres_journal_close(j);
    if (dst) dst->ops->close(dst); /* checkpoints: one self-contained file */
    if (!err && rename(db, dest_path) != 0) {
        snprintf(why, why_size, "cannot move the image to %s", dest_path);
        err = ERR_IO;
    }
    static const char *const left[] = {"mintline.db", "mintline.db-wal", "mintline.db-shm"};
    for (size_t i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
        snprintf(db, sizeof(db), "%s/%s", dir, left[i]);
        unlink(db);
    }
    rmdir(dir);
    if (err) {
        unlink(dest_path);
        return err;
    }
    *out = head;
    return ERR_OK;
}

/* ---- a SQLite journal into an empty PostgreSQL database -------------------- */

struct copy__to {
    struct store *dst;
    enum err err;
    uint64_t height;
    struct hash hash;
};

static int copy__append(void *ctx, const struct store_block *b, const struct store_request *reqs,
                        uint32_t count) {
    struct copy__to *to = ctx;
    to->err = to->dst->ops->append_block(to->dst, b, reqs, count);
    to->height = b->height;
    to->hash = b->hash;
    return to->err != ERR_OK;
}

/* The genesis YAML of the SQLite journal at db (malloc'd, NUL ended). */
static enum err copy__yaml(const char *db, char **out, size_t *len) {
    sqlite3 *c = NULL;
    enum err err = copy__connect(db, SQLITE_OPEN_READONLY, &c);
    sqlite3_stmt *st = NULL;
    if (!err && sqlite3_prepare_v2(c, "SELECT value FROM meta WHERE key='genesis_yaml'", -1, &st,
                                   NULL) != SQLITE_OK) {
        err = ERR_STORE_IO;
    }
    if (!err) {
        int rc = sqlite3_step(st);
        size_t n = rc == SQLITE_ROW ? (size_t)sqlite3_column_bytes(st, 0) : 0;
        char *v = rc == SQLITE_ROW ? malloc(n + 1) : NULL;
        err = rc != SQLITE_ROW ? ERR_NO_LEDGER : v == NULL ? ERR_INTERNAL : ERR_OK;
        if (v) {
            if (n) memcpy(v, sqlite3_column_blob(st, 0), n);
            v[n] = '\0';
            *out = v;
            *len = n;
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(c);
    return err;
}

/* Genesis, blocks, snapshot from src into dst (which holds no ledger). */
static enum err copy__pour_into(const char *db, struct store *src, struct store *dst,
                                struct copy__to *to) {
    char *yaml = NULL, *json = NULL;
    size_t yaml_len = 0, json_len = 0;
    struct store_block b0;
    enum err err = copy__yaml(db, &yaml, &yaml_len);
    if (!err) err = src->ops->read_genesis(src, &json, &json_len);
    if (!err) err = src->ops->block_at(src, 0, &b0);
    if (!err) err = dst->ops->write_genesis(dst, yaml, yaml_len, json, json_len, &b0);
    free(yaml);
    free(json);
    if (err) return err;
    to->hash = b0.hash;
    err = src->ops->scan_blocks(src, 1, 1, copy__append, to);
    if (!err) err = to->err;
    uint64_t snap_height = 0;
    uint8_t *snap = NULL;
    size_t snap_len = 0;
    if (!err) {
        err = src->ops->latest_snapshot(src, &snap_height, &snap, &snap_len);
        if (err == ERR_NOT_FOUND) err = ERR_OK;
        else if (!err) err = dst->ops->write_snapshot(dst, snap_height, snap, snap_len);
    }
    free(snap);
    return err;
}

enum err store_copy_restore_pg(const char *data_dir, const char *url, struct store_copy_head *out,
                               char *why, size_t why_size) {
    snprintf(why, why_size, "%s", "");
    char db[4300];
    snprintf(db, sizeof(db), "%s/mintline.db", data_dir);
    struct store *src = NULL, *dst = NULL;
    enum err err = store_open(data_dir, 0, &src);
    if (err) snprintf(why, why_size, "cannot open the backup's copy (%s)", err_name(err));
    if (!err) {
        err = store_postgres_open(url, 1, &dst);
        if (err) snprintf(why, why_size, "cannot open the database (%s)", err_name(err));
    }
    struct store_block head;
    if (!err && dst->ops->head(dst, &head) != ERR_NO_LEDGER) {
        snprintf(why, why_size, "the database already holds a ledger (at block %llu); restore "
                                "into an empty database",
                 (unsigned long long)head.height);
        err = ERR_DATA_EXISTS;
    }
    struct copy__to to;
    memset(&to, 0, sizeof(to));
    to.dst = dst;
    struct hash genesis;
    if (!err) {
        err = copy__pour_into(db, src, dst, &to);
        if (err) {
            snprintf(why, why_size, "the restore stopped after block %llu (%s): the database holds "
                                    "the ledger up to there; empty it before trying again",
                     (unsigned long long)to.height, err_name(err));
        }
    }
    if (!err) {
        struct store_block b0;
        err = dst->ops->block_at(dst, 0, &b0);
        genesis = b0.hash;
    }
    if (dst) dst->ops->close(dst);
    if (src) src->ops->close(src);
    if (err) return err;
    out->height = to.height;
    out->head_hash = to.hash;
    out->genesis_hash = genesis;
    return ERR_OK;
}
