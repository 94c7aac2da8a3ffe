/*
 * store_backup.h - the backup file: a short text header, then the SQLite
 * image of the journal (the file held at one commit, store_copy_freeze).
 *
 *   mintline-backup-v1
 *   height 1234
 *   head_hash <64 hex>        the hash of block `height`
 *   genesis_hash <64 hex>     block 0's hash: which ledger this is
 *   created_ms 1767225600000  when the copy was made (unix ms, wall clock)
 *   size 52428800             bytes of the SQLite image after the header
 *   sha256 <64 hex>           SHA-256 of every header byte before this
 *                             line, then of the image
 *   (an empty line)
 *   <size bytes: the SQLite image>
 *
 * The header is at most STORE_BACKUP_HEADER_MAX bytes, its lines in this
 * order, numbers in decimal without leading zeros, hex lowercase. The hash
 * covers the header's facts and the image, so any byte changed anywhere
 * fails it; `backup verify` then audits the image and checks that its
 * head and genesis are the header's. The format is stable: a change gets
 * a new first line.
 */
#ifndef MINTLINE_STORE_STORE_BACKUP_H
#define MINTLINE_STORE_STORE_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "../base/hash.h"
#include "store_copy.h"

#define STORE_BACKUP_MAGIC "mintline-backup-v1\n"
#define STORE_BACKUP_HEADER_MAX 1024u

struct store_backup_header {
    struct store_copy_head head;
    int64_t created_ms;
    uint64_t size;       /* the image's bytes */
    struct hash sha256;
    size_t header_len;   /* the header's bytes, the empty line included */
};

/* db_path below is a SQLite journal file or a postgres:// URL: a backup of
 * a PostgreSQL ledger holds the SQLite image of its journal as of one
 * commit (store_copy_image_pg), in the same format, so it restores into a
 * directory a node serves.
 *
 * store_backup_image: an online copy of the journal db_path into a new
 * temporary file in tmp_dir, with its header: *fd is the image (open for
 * reading, its name already removed: it goes when closed), *header the
 * header text (appended to; the caller frees it), *h what it says.
 * Errors as store_copy_backup (store_copy_image_pg for a URL), and ERR_IO
 * when tmp_dir cannot hold it. */
enum err store_backup_image(const char *db_path, const char *tmp_dir, int64_t created_ms, int *fd,
                            struct buf *header, struct store_backup_header *h, char *why,
                            size_t why_size) __attribute__((warn_unused_result));

/* store_backup_make: a backup file of db_path at dest_path, written as
 * dest_path.tmp, fsynced, renamed, its directory fsynced: never half a
 * file under dest_path. *h (may be NULL) gets its header. */
enum err store_backup_make(const char *db_path, const char *dest_path, int64_t created_ms,
                           struct store_backup_header *h, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* store_backup_parse_header: the header at the start of p[0..len). len
 * may be the whole file or its first STORE_BACKUP_HEADER_MAX bytes.
 * ERR_BACKUP_TRUNCATED when the header is cut short, ERR_BACKUP_CORRUPT
 * when it is not one (why says which line); out untouched on error. */
enum err store_backup_parse_header(const uint8_t *p, size_t len, struct store_backup_header *out,
                                   char *why, size_t why_size) __attribute__((warn_unused_result));

/* store_backup_check: read the file at path whole: its header, its size
 * (shorter: ERR_BACKUP_TRUNCATED; longer: ERR_BACKUP_CORRUPT) and its
 * SHA-256 (ERR_BACKUP_CORRUPT). ERR_IO when it cannot be read (why). */
enum err store_backup_check(const char *path, struct store_backup_header *out, char *why,
                            size_t why_size) __attribute__((warn_unused_result));

/* store_backup_stream: store_backup_check on bytes as they arrive (a
 * download), so the file need not be read back: feed every byte in order,
 * then finish, which answers what store_backup_check would on a file of
 * those bytes (ERR_BACKUP_TRUNCATED, ERR_BACKUP_CORRUPT) with *out filled
 * on ERR_OK. No allocation. */
struct store_backup_stream {
    uint8_t head[STORE_BACKUP_HEADER_MAX];
    size_t head_len;
    int parsed;
    struct store_backup_header h;
    struct hash_ctx ctx;
    uint64_t image_seen;
    uint64_t extra; /* bytes past the image */
    enum err err;   /* sticky: the header was refused */
    char why[200];
};
void store_backup_stream_init(struct store_backup_stream *s);
void store_backup_stream_feed(struct store_backup_stream *s, const void *data, size_t len);
enum err store_backup_stream_finish(struct store_backup_stream *s, struct store_backup_header *out,
                                    char *why, size_t why_size) __attribute__((warn_unused_result));

/* store_backup_extract: write the image of a checked backup file (path,
 * h) to dest_path (created, mode 0600, fsynced). ERR_IO. */
enum err store_backup_extract(const char *path, const struct store_backup_header *h,
                              const char *dest_path, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* store_backup_fsync_dir: fsync the directory holding path (after a
 * rename into it). */
void store_backup_fsync_dir(const char *path);

#endif
