/*
 * store_wire.h - the journal as a byte stream (GET /api/journal), written
 * by the node and read by `audit verify` through the node.
 *
 * The stream is the magic line STORE_WIRE_MAGIC, then frames: one byte of
 * kind, four bytes of payload length (little endian), the payload.
 *
 *   'G' once, first: from height, head height and head hash of the copy
 *       being sent, the genesis JSON, block 0's header;
 *   'B' a block's header with its events, followed by exactly its
 *       requests_count 'R' frames: one request each, as journaled;
 *   'E' once, last: the number of blocks sent, head height and head hash.
 *
 * Integers are little endian; strings and blobs are a u32 length and the
 * bytes (strings hold no NUL). Everything the journal keeps is sent,
 * derived data included, so the reader can check it as the offline audit
 * does; nothing in the stream is trusted by the reader beyond its shape.
 * A stream that stops before 'E' was cut (ERR_JOURNAL_CUT); anything else
 * out of shape is ERR_JOURNAL_MALFORMED.
 */
#ifndef MINTLINE_STORE_STORE_WIRE_H
#define MINTLINE_STORE_STORE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "store.h"

#define STORE_WIRE_MAGIC "mintline-journal-v1\n"
#define STORE_WIRE_MAGIC_BYTES 20u
/* A frame's payload at most: a request's body is at most 16 MiB
 * (LIMIT_BODY_BATCH_BYTES), its results and binary commands a few MiB
 * more; a block's events for LIMIT_BLOCK_COMMANDS commands fit too. */
#define STORE_WIRE_FRAME_MAX (256u << 20)

/* What the 'G' frame says. */
struct store_wire_genesis {
    uint64_t from_height;
    uint64_t head_height;
    struct hash head_hash;
    const char *json; /* not NUL-terminated in the stream; the reader adds one */
    size_t json_len;
    struct store_block block0; /* events not sent */
};

/* Writers: append one frame to out (check buf_ok once at the end). */
void store_wire_put_magic(struct buf *out);
void store_wire_put_genesis(struct buf *out, const struct store_wire_genesis *g);
void store_wire_put_block(struct buf *out, const struct store_block *b);
void store_wire_put_request(struct buf *out, const struct store_request *r);
void store_wire_put_end(struct buf *out, uint64_t blocks_sent, uint64_t head_height,
                        const struct hash *head_hash);

/* The reader's callbacks: return ERR_OK to go on; any other code stops
 * the stream with it. Pointers are valid during the call only. */
struct store_wire_handlers {
    enum err (*genesis)(void *ctx, const struct store_wire_genesis *g);
    enum err (*block)(void *ctx, const struct store_block *b, const struct store_request *reqs,
                      uint32_t count);
    void *ctx;
};

struct store_wire_reader;

/* store_wire_reader_new: a reader calling h. NULL when out of memory. */
struct store_wire_reader *store_wire_reader_new(const struct store_wire_handlers *h);

/* store_wire_feed: the next len bytes of the stream. Calls the handlers
 * for every whole frame. Returns ERR_OK, ERR_JOURNAL_MALFORMED (why says
 * what), ERR_INTERNAL (memory), or a handler's code; after an error the
 * reader refuses everything. */
enum err store_wire_feed(struct store_wire_reader *r, const void *data, size_t len, char *why,
                         size_t why_size) __attribute__((warn_unused_result));

/* store_wire_finish: the stream ended. ERR_OK when it ended right after
 * 'E'; ERR_JOURNAL_CUT when before; *end_* (may be NULL) get the 'E'
 * frame's head height and hash, blocks the number of blocks passed to
 * the handler. */
enum err store_wire_finish(struct store_wire_reader *r, uint64_t *blocks, uint64_t *head_height,
                           struct hash *head_hash, char *why, size_t why_size)
    __attribute__((warn_unused_result));

void store_wire_reader_free(struct store_wire_reader *r);

#endif
