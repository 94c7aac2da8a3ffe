/*
 * store_copy.c - online copies and a read cursor over an SQLite journal
 * (store_copy.h), each on a connection of its own.
 *
 * The copy uses SQLite's online backup API in a single step: one read
 * transaction over the source, so the copy is the journal as of one
 * commit, page for page, while the node's writer goes on appending to the
 * WAL (docs/DECISIONS.md, issue 12: why not VACUUM INTO). The destination
 * is written without a journal and with synchronous off (it is a new file
 * nobody reads until we fsync and hand it on); one fsync at the end.
 */
#include "store_copy.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* ---- the cursor ----------------------------------------------------------- */

struct store_cursor {
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
    *json = c->genesis_json;
    *json_len = c->genesis_len;
    *block0 = c->block0;
    *head = c->head;
}

enum err store_cursor_next_block(struct store_cursor *c, struct store_block *out, int *done) {
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
    sqlite3_finalize(c->blocks);
    sqlite3_finalize(c->reqs);
    if (c->db) sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(c->db);
    free(c->genesis_json);
    free(c);
}
