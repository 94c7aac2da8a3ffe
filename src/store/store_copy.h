/*
 * store_copy.h - consistent reads of a whole SQLite journal beside a
 * running node: an online copy of the file (backups) and a cursor over
 * its blocks and requests (the journal stream, GET /api/journal).
 *
 * Each opens a connection of its own on the journal file (never the
 * node's), inside one read transaction: with WAL the node keeps
 * committing meanwhile, and what is read is the journal exactly as it
 * stood after one commit, which is one whole block (a block and its
 * requests are one transaction). While it reads, the WAL cannot be
 * checkpointed past it (docs/operators/audit.md).
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

#endif
