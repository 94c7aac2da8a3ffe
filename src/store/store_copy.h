/*
 * store_copy.h - consistent reads of a whole journal beside a running
 * node: an online copy of a SQLite file (backups), a SQLite image built
 * from a PostgreSQL journal (backups of a PostgreSQL ledger), and a cursor
 * over the blocks and requests of either (the journal stream, GET
 * /api/journal).
 *
 * Each opens a connection of its own on the journal file (never the
 * node's), inside one read transaction: with WAL the node keeps
 * committing meanwhile, and what is read is the journal exactly as it
 * stood after one commit, which is one whole block (a block and its
 * requests are one transaction). While it reads, the WAL cannot be
 * checkpointed past it (docs/operators/audit.md).
 *
 * On PostgreSQL the same holds through one REPEATABLE READ READ ONLY
 * transaction on a session of its own (store_postgres_journal_*, below):
 * the leader keeps appending, and what is read is the journal as of one
 * commit, a page of blocks at a time.
 */
#ifndef MINTLINE_STORE_STORE_COPY_H
#define MINTLINE_STORE_STORE_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"
#include "../base/hash.h"
#include "store.h"

/* What a journal file holds at its end, and which ledger it is. */
struct store_copy_head {
    uint64_t height;           /* the last block */
    struct hash head_hash;     /* its hash */
    struct hash genesis_hash;  /* block 0's hash: the ledger's identity */
};

/* store_copy_backup: copy the journal file db_path into dest_path (a new
 * SQLite file, created; it must not exist or be empty) with SQLite's
 * online backup API in one step (one read transaction) and fill *out
 * from the copy itself: what backups use when store_copy_freeze cannot
 * hold the file. Not fsynced: it is a temporary image the caller
 * reads back and writes (and syncs) as a backup file. ERR_NO_LEDGER when
 * db_path holds no journal, ERR_STORE_IO when SQLite fails (why says
 * what), ERR_IO when the copy cannot be written. On failure dest_path is
 * removed. */
enum err store_copy_backup(const char *db_path, const char *dest_path, struct store_copy_head *out,
                           char *why, size_t why_size) __attribute__((warn_unused_result));

/* store_copy_head_of: the head and block 0 of the journal file db_path
 * (opened read-only). ERR_NO_LEDGER when it holds none; ERR_STORE_IO
 * when it is not a readable SQLite journal. */
enum err store_copy_head_of(const char *db_path, struct store_copy_head *out)
    __attribute__((warn_unused_result));

/* The journal file's bytes as of one commit, read while the node goes on
 * committing (store_copy.c says how). */
struct store_frozen;
/* store_copy_freeze: hold db_path still and fill *head from what is held.
 * ERR_OK with *out NULL when a reader elsewhere kept the file from being
 * held (the caller copies another way); ERR_NO_LEDGER, ERR_STORE_IO. */
enum err store_copy_freeze(const char *db_path, struct store_frozen **out,
                           struct store_copy_head *head) __attribute__((warn_unused_result));
/* store_copy_frozen_size: the held file's bytes. */
uint64_t store_copy_frozen_size(const struct store_frozen *f);
/* store_copy_frozen_read: n bytes from offset at (inside the size). */
enum err store_copy_frozen_read(struct store_frozen *f, void *dst, size_t n, uint64_t at)
    __attribute__((warn_unused_result));
/* store_copy_thaw: let the file go (checkpoints resume). NULL is fine. */
void store_copy_thaw(struct store_frozen *f);
/* A cursor over the blocks of a journal file from some height, and the
 * requests of each, in one read transaction. */
struct store_cursor;

/* store_cursor_open: open db_path and fix what it reads: the journal as
 * of now. ERR_NO_LEDGER, ERR_STORE_IO, ERR_INTERNAL. */
enum err store_cursor_open(const char *db_path, uint64_t from_height, struct store_cursor **out)
    __attribute__((warn_unused_result));

/* store_cursor_genesis: the genesis JSON (valid until close), block 0's
 * header, and the head (height and hash) this cursor will stop at. */
void store_cursor_genesis(const struct store_cursor *c, const char **json, size_t *json_len,
                          struct store_block *block0, struct store_block *head);

/* store_cursor_next_block: the next block (events included; valid until
 * the next call of either next function). *done is set at the end.
 * ERR_STORE_IO when a read fails. */
enum err store_cursor_next_block(struct store_cursor *c, struct store_block *out, int *done)
    __attribute__((warn_unused_result));

/* store_cursor_next_request: the next request of the current block, in
 * journal order, body included (valid until the next call). *done when
 * the block has no more. */
enum err store_cursor_next_request(struct store_cursor *c, struct store_request *out, int *done)
    __attribute__((warn_unused_result));

void store_cursor_close(struct store_cursor *c);

/* store_cursor_open_pg: the same cursor on the PostgreSQL ledger at url
 * (a libpq URI, password included: never printed), its blocks read a page
 * at a time (store_postgres_journal_*). The pointers the next functions
 * give stay valid until the next call of store_cursor_next_block.
 * ERR_NO_LEDGER, ERR_STORE_IO, ERR_IO (another store format),
 * ERR_INTERNAL. */
enum err store_cursor_open_pg(const char *url, uint64_t from_height, struct store_cursor **out)
    __attribute__((warn_unused_result));

/* store_copy_image_pg: a SQLite journal file at dest_path (created; it
 * must not exist or be empty) holding what the PostgreSQL ledger at url
 * holds as of one commit: its genesis, every block with its requests, and
 * its newest whole snapshot at or below that head; *out is its head. The
 * same file a SQLite node would have written (store_open's schema, written
 * through the store interface), so a backup made of it restores into a
 * directory a node serves. Built in a directory of its own next to
 * dest_path, without fsyncs (a temporary image, as store_copy_backup's);
 * memory: a page of blocks and the snapshot. Errors as store_cursor_open_pg,
 * ERR_IO when the file cannot be written (why says what). On failure
 * dest_path is removed. */
enum err store_copy_image_pg(const char *url, const char *dest_path, struct store_copy_head *out,
                             char *why, size_t why_size) __attribute__((warn_unused_result));

/* store_copy_restore_pg: write the SQLite journal in data_dir (an audited
 * backup's image, unpacked) into the PostgreSQL database at url, which
 * must hold no ledger (its schema is made when absent): the genesis as
 * init wrote it, every block with its requests through append_block (each
 * a durable commit), then the newest whole snapshot. *out is what was
 * written. ERR_DATA_EXISTS when the database holds a ledger (nothing
 * written); ERR_STORE_IO, ERR_NO_LEDGER, ERR_INTERNAL (why says what). A
 * failure after the genesis leaves the blocks written so far: a prefix of
 * the ledger, each block whole (why says to empty the database). */
enum err store_copy_restore_pg(const char *data_dir, const char *url, struct store_copy_head *out,
                               char *why, size_t why_size) __attribute__((warn_unused_result));

/* ---- the PostgreSQL journal as of one commit (store_postgres.c) ---- */

struct store_pg_journal;

/* store_postgres_journal_open: a session of its own on url, one
 * REPEATABLE READ READ ONLY transaction, the blocks from from_height (0
 * and 1 both mean from block 1) through a cursor. ERR_INVALID_ARGUMENT for
 * a URL that is not postgres://, ERR_NO_LEDGER, ERR_STORE_IO, ERR_IO
 * (another store format), ERR_INTERNAL. */
enum err store_postgres_journal_open(const char *url, uint64_t from_height,
                                     struct store_pg_journal **out)
    __attribute__((warn_unused_result));
/* store_postgres_journal_genesis: the genesis JSON and YAML (valid until
 * close; yaml and yaml_len may be NULL), block 0 and the head as of the
 * transaction. */
void store_postgres_journal_genesis(const struct store_pg_journal *j, const char **json,
                                    size_t *json_len, const char **yaml, size_t *yaml_len,
                                    struct store_block *block0, struct store_block *head);
/* As store_cursor_next_block and _next_request; what they give is valid
 * until the next call of next_block. ERR_STORE_IO. */
enum err store_postgres_journal_next_block(struct store_pg_journal *j, struct store_block *out,
                                           int *done) __attribute__((warn_unused_result));
enum err store_postgres_journal_next_request(struct store_pg_journal *j, struct store_request *out,
                                             int *done) __attribute__((warn_unused_result));
/* store_postgres_journal_snapshot: the newest whole snapshot at or below
 * the head, as of the transaction; *data malloc'd (the caller frees).
 * ERR_NOT_FOUND when there is none, ERR_STORE_IO, ERR_INTERNAL. */
enum err store_postgres_journal_snapshot(struct store_pg_journal *j, uint64_t *height,
                                         uint8_t **data, size_t *len)
    __attribute__((warn_unused_result));
/* store_postgres_journal_close: end the session (NULL is fine). */
void store_postgres_journal_close(struct store_pg_journal *j);

#endif
