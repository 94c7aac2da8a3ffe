/*
 * store_wire.c - the journal stream's frames (store_wire.h): writers for
 * the node, an incremental reader for `audit verify` through the node.
 *
 * The reader takes bytes as they come (a curl write callback), keeps what
 * is not yet a whole frame, and hands each whole block with its requests
 * to its handler. It trusts no length: every one is checked against what
 * is left of the frame and against STORE_WIRE_FRAME_MAX before anything
 * is copied; the frames' order is checked too (G, then B R.., then E).
 */
#include "store_wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing ------------------------------------------------------------ */

static void wire__bytes(struct buf *out, const void *p, size_t n) {
    buf_put_u32(out, (uint32_t)n);
    buf_put(out, p, n);
}

static void wire__str(struct buf *out, const char *s) { wire__bytes(out, s, strlen(s)); }

/* Reserve the frame header; wire__frame_end fills the length in. */
static size_t wire__frame_begin(struct buf *out, char kind) {
    buf_put_u8(out, (uint8_t)kind);
    size_t at = out->len;
    buf_put_u32(out, 0);
    return at;
}

static void wire__frame_end(struct buf *out, size_t at) {
    if (!buf_ok(out)) return;
    size_t n = out->len - at - 4;
    for (int i = 0; i < 4; i++) out->data[at + (size_t)i] = (uint8_t)(n >> (8 * i));
}

static void wire__header(struct buf *out, const struct store_block *b) {
    buf_put_u64(out, b->height);
    buf_put_u64(out, (uint64_t)b->time_ns);
    buf_put(out, b->prev_hash.bytes, HASH_BYTES);
    buf_put(out, b->hash.bytes, HASH_BYTES);
    buf_put(out, b->state_hash.bytes, HASH_BYTES);
    buf_put_u64(out, b->first_seq);
    buf_put_u32(out, b->commands_count);
    buf_put_u32(out, b->requests_count);
    buf_put_u64(out, b->first_event_seq);
    buf_put_u32(out, b->events_count);
}

void store_wire_put_magic(struct buf *out) { buf_put(out, STORE_WIRE_MAGIC, STORE_WIRE_MAGIC_BYTES); }

void store_wire_put_genesis(struct buf *out, const struct store_wire_genesis *g) {
    size_t at = wire__frame_begin(out, 'G');
    buf_put_u64(out, g->from_height);
    buf_put_u64(out, g->head_height);
    buf_put(out, g->head_hash.bytes, HASH_BYTES);
    wire__bytes(out, g->json, g->json_len);
    wire__header(out, &g->block0);
    wire__frame_end(out, at);
}

void store_wire_put_block(struct buf *out, const struct store_block *b) {
    size_t at = wire__frame_begin(out, 'B');
    wire__header(out, b);
    wire__bytes(out, b->events, b->events_len);
    wire__frame_end(out, at);
}

void store_wire_put_request(struct buf *out, const struct store_request *r) {
    size_t at = wire__frame_begin(out, 'R');
    buf_put_u64(out, r->first_seq);
    buf_put_u32(out, r->commands_count);
    buf_put_u32(out, r->flags);
    wire__str(out, r->operator_name);
    buf_put_u64(out, (uint64_t)r->time_ms);
    wire__str(out, r->nonce);
    wire__str(out, r->signature);
    wire__str(out, r->method);
    wire__str(out, r->path);
    wire__bytes(out, r->body, r->body_len);
    wire__bytes(out, r->results, r->results_len);
    wire__bytes(out, r->commands, r->commands_len);
    wire__frame_end(out, at);
}

void store_wire_put_end(struct buf *out, uint64_t blocks_sent, uint64_t head_height,
                        const struct hash *head_hash) {
    size_t at = wire__frame_begin(out, 'E');
    buf_put_u64(out, blocks_sent);
    buf_put_u64(out, head_height);
    buf_put(out, head_hash->bytes, HASH_BYTES);
    wire__frame_end(out, at);
}

/* ---- reading ------------------------------------------------------------ */

enum wire__state { WIRE_MAGIC, WIRE_GENESIS, WIRE_BLOCKS, WIRE_REQUESTS, WIRE_ENDED, WIRE_FAILED };

/* A request's strings and blobs as offsets into the arena (it grows). */
struct wire__req_offs {
    size_t at[8];
    size_t len[8];
};

struct store_wire_reader {
    struct store_wire_handlers h;
    enum wire__state state;
    struct buf pend;   /* bytes received and not yet consumed, from pos */
    size_t pos;
    uint64_t next_height;
    uint64_t blocks;
    struct store_block block;
    struct buf events; /* the current block's events */
    struct store_request *reqs;
    struct wire__req_offs *offs;
    uint32_t reqs_count;
    struct buf arena;  /* the current block's requests' bytes */
    uint64_t end_head_height;
    struct hash end_head_hash;
};

struct store_wire_reader *store_wire_reader_new(const struct store_wire_handlers *h) {
    struct store_wire_reader *r = calloc(1, sizeof(*r));
    if (r == NULL) return NULL;
    r->h = *h;
    buf_init(&r->pend);
    buf_init(&r->events);
    buf_init(&r->arena);
    return r;
}

void store_wire_reader_free(struct store_wire_reader *r) {
    if (r == NULL) return;
    buf_free(&r->pend);
    buf_free(&r->events);
    buf_free(&r->arena);
    free(r->reqs);
    free(r->offs);
    free(r);
}

__attribute__((format(printf, 4, 5))) static enum err wire__bad(struct store_wire_reader *r,
                                                                 char *why, size_t why_size,
                                                                 const char *fmt, ...);

static enum err wire__bad(struct store_wire_reader *r, char *why, size_t why_size, const char *fmt,
                          ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_size, fmt, ap);
    va_end(ap);
    r->state = WIRE_FAILED;
    return ERR_JOURNAL_MALFORMED;
}

/* A length-prefixed field; NULL (and rd failed) when it does not fit. */
static const uint8_t *wire__field(struct buf_reader *rd, size_t *len) {
    uint32_t n = buf_get_u32(rd);
    if (rd->failed || n > rd->len - rd->pos) {
        rd->failed = 1;
        *len = 0;
        return NULL;
    }
    const uint8_t *p = rd->data + rd->pos;
    rd->pos += n;
    *len = n;
    return p;
}

static void wire__get_hash(struct buf_reader *rd, struct hash *h) { buf_get(rd, h->bytes, HASH_BYTES); }

static void wire__get_header(struct buf_reader *rd, struct store_block *b) {
    memset(b, 0, sizeof(*b));
    b->height = buf_get_u64(rd);
    b->time_ns = (int64_t)buf_get_u64(rd);
    wire__get_hash(rd, &b->prev_hash);
    wire__get_hash(rd, &b->hash);
    wire__get_hash(rd, &b->state_hash);
    b->first_seq = buf_get_u64(rd);
    b->commands_count = buf_get_u32(rd);
    b->requests_count = buf_get_u32(rd);
    b->first_event_seq = buf_get_u64(rd);
    b->events_count = buf_get_u32(rd);
}

static enum err wire__genesis(struct store_wire_reader *r, struct buf_reader *rd, char *why,
                              size_t why_size) {
    struct store_wire_genesis g;
    memset(&g, 0, sizeof(g));
    g.from_height = buf_get_u64(rd);
    g.head_height = buf_get_u64(rd);
    wire__get_hash(rd, &g.head_hash);
    size_t n = 0;
    const uint8_t *json = wire__field(rd, &n);
    wire__get_header(rd, &g.block0);
    if (rd->failed || rd->pos != rd->len || g.block0.height != 0 || g.head_height < g.from_height) {
        return wire__bad(r, why, why_size, "the genesis frame is malformed");
    }
    /* The genesis JSON NUL-terminated for the handler (a copy: it is small). */
    char *copy = malloc(n + 1);
    if (copy == NULL) return ERR_INTERNAL;
    memcpy(copy, json, n);
    copy[n] = '\0';
    g.json = copy;
    g.json_len = n;
    r->next_height = g.from_height > 0 ? g.from_height : 1;
    r->state = WIRE_BLOCKS;
    enum err err = r->h.genesis ? r->h.genesis(r->h.ctx, &g) : ERR_OK;
    free(copy);
    return err;
}

static enum err wire__deliver(struct store_wire_reader *r) {
    const uint8_t *base = r->arena.data;
    for (uint32_t i = 0; i < r->reqs_count; i++) {
        struct store_request *q = &r->reqs[i];
        const struct wire__req_offs *o = &r->offs[i];
        q->operator_name = (const char *)base + o->at[0];
        q->nonce = (const char *)base + o->at[1];
        q->signature = (const char *)base + o->at[2];
        q->method = (const char *)base + o->at[3];
        q->path = (const char *)base + o->at[4];
        q->body = base + o->at[5];
        q->body_len = o->len[5];
        q->results = base + o->at[6];
        q->results_len = o->len[6];
        q->commands = base + o->at[7];
        q->commands_len = o->len[7];
    }
    r->block.events = r->events.data;
    r->block.events_len = r->events.len;
    r->blocks++;
    r->next_height++;
    r->state = WIRE_BLOCKS;
    return r->h.block ? r->h.block(r->h.ctx, &r->block, r->reqs, r->reqs_count) : ERR_OK;
}

static enum err wire__block(struct store_wire_reader *r, struct buf_reader *rd, char *why,
                            size_t why_size) {
    wire__get_header(rd, &r->block);
    size_t n = 0;
    const uint8_t *events = wire__field(rd, &n);
    if (rd->failed || rd->pos != rd->len) return wire__bad(r, why, why_size, "a block frame is malformed");
    if (r->block.height != r->next_height) {
        return wire__bad(r, why, why_size, "block %llu where block %llu was due",
                         (unsigned long long)r->block.height, (unsigned long long)r->next_height);
    }
    if (r->block.requests_count > r->block.commands_count || r->block.requests_count > (1u << 20)) {
        return wire__bad(r, why, why_size, "block %llu: %u requests for %u commands",
                         (unsigned long long)r->block.height, r->block.requests_count,
                         r->block.commands_count);
    }
    r->events.len = 0;
    buf_put(&r->events, events, n);
    r->arena.len = 0;
    r->reqs_count = 0;
    uint32_t want = r->block.requests_count;
    struct store_request *reqs = realloc(r->reqs, (want ? want : 1) * sizeof(*reqs));
    if (reqs) r->reqs = reqs;
    struct wire__req_offs *offs = realloc(r->offs, (want ? want : 1) * sizeof(*offs));
    if (offs) r->offs = offs;
    if (reqs == NULL || offs == NULL || !buf_ok(&r->events)) return ERR_INTERNAL;
    if (want == 0) return wire__deliver(r);
    r->state = WIRE_REQUESTS;
    return ERR_OK;
}

/* One string or blob into the arena (NUL after it); strings may hold no NUL. */
static int wire__keep(struct store_wire_reader *r, struct buf_reader *rd, int is_string,
                      size_t *at, size_t *len) {
    const uint8_t *p = wire__field(rd, len);
    if (p == NULL || (is_string && memchr(p, 0, *len) != NULL)) return -1;
    *at = r->arena.len;
    buf_put(&r->arena, p, *len);
    buf_put_u8(&r->arena, 0);
    return 0;
}

static enum err wire__request(struct store_wire_reader *r, struct buf_reader *rd, char *why,
                              size_t why_size) {
    struct store_request *q = &r->reqs[r->reqs_count];
    struct wire__req_offs *o = &r->offs[r->reqs_count];
    memset(q, 0, sizeof(*q));
    q->first_seq = buf_get_u64(rd);
    q->commands_count = buf_get_u32(rd);
    q->flags = buf_get_u32(rd);
    int bad = wire__keep(r, rd, 1, &o->at[0], &o->len[0]);
    q->time_ms = (int64_t)buf_get_u64(rd);
    for (int i = 1; i < 8 && !bad; i++) bad = wire__keep(r, rd, i < 5, &o->at[i], &o->len[i]);
    if (bad || rd->failed || rd->pos != rd->len) {
        return wire__bad(r, why, why_size, "block %llu: request %u is malformed",
                         (unsigned long long)r->block.height, r->reqs_count);
    }
    if (!buf_ok(&r->arena)) return ERR_INTERNAL;
    r->reqs_count++;
    return r->reqs_count == r->block.requests_count ? wire__deliver(r) : ERR_OK;
}

static enum err wire__end(struct store_wire_reader *r, struct buf_reader *rd, char *why,
                          size_t why_size) {
    uint64_t sent = buf_get_u64(rd);
    r->end_head_height = buf_get_u64(rd);
    wire__get_hash(rd, &r->end_head_hash);
    if (rd->failed || rd->pos != rd->len || sent != r->blocks) {
        return wire__bad(r, why, why_size, "the end frame is malformed or counts %llu blocks, "
                                           "not the %llu sent", (unsigned long long)sent,
                         (unsigned long long)r->blocks);
    }
    r->state = WIRE_ENDED;
    return ERR_OK;
}

static enum err wire__frame(struct store_wire_reader *r, char kind, const uint8_t *p, size_t n,
                            char *why, size_t why_size) {
    struct buf_reader rd;
    buf_reader_init(&rd, p, n);
    if (r->state == WIRE_GENESIS && kind == 'G') return wire__genesis(r, &rd, why, why_size);
    if (r->state == WIRE_BLOCKS && kind == 'B') return wire__block(r, &rd, why, why_size);
    if (r->state == WIRE_BLOCKS && kind == 'E') return wire__end(r, &rd, why, why_size);
    if (r->state == WIRE_REQUESTS && kind == 'R') return wire__request(r, &rd, why, why_size);
    return wire__bad(r, why, why_size, "unexpected frame '%c' (0x%02x)",
                     kind >= 0x20 && kind < 0x7f ? kind : '?', (unsigned)(uint8_t)kind);
}

/* Consume whole frames from pend. */
static enum err wire__drain(struct store_wire_reader *r, char *why, size_t why_size) {
    enum err err = ERR_OK;
    while (!err) {
        size_t avail = r->pend.len - r->pos;
        const uint8_t *p = r->pend.data + r->pos;
        if (r->state == WIRE_MAGIC) {
            if (avail < STORE_WIRE_MAGIC_BYTES) break;
            if (memcmp(p, STORE_WIRE_MAGIC, STORE_WIRE_MAGIC_BYTES) != 0) {
                return wire__bad(r, why, why_size, "not a mintline journal stream");
            }
            r->pos += STORE_WIRE_MAGIC_BYTES;
            r->state = WIRE_GENESIS;
            continue;
        }
        if (avail > 0 && r->state == WIRE_ENDED) {
            return wire__bad(r, why, why_size, "bytes after the end frame");
        }
        if (avail < 5) break;
        uint32_t n = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
        if (n > STORE_WIRE_FRAME_MAX) return wire__bad(r, why, why_size, "a frame of %u bytes", n);
        if (avail - 5 < n) break;
        r->pos += 5 + (size_t)n;
        err = wire__frame(r, (char)p[0], p + 5, n, why, why_size);
    }
    if (err && r->state != WIRE_FAILED) r->state = WIRE_FAILED;
    return err;
}

enum err store_wire_feed(struct store_wire_reader *r, const void *data, size_t len, char *why,
                         size_t why_size) {
    if (r->state == WIRE_FAILED) return ERR_JOURNAL_MALFORMED;
    /* Keep the unconsumed tail at the front before it grows. */
    if (r->pos > 0 && (r->pos >= r->pend.len / 2 || r->pos == r->pend.len)) {
        memmove(r->pend.data, r->pend.data + r->pos, r->pend.len - r->pos);
        r->pend.len -= r->pos;
        r->pos = 0;
    }
    buf_put(&r->pend, data, len);
    if (!buf_ok(&r->pend)) {
        r->state = WIRE_FAILED;
        return ERR_INTERNAL;
    }
    return wire__drain(r, why, why_size);
}

enum err store_wire_finish(struct store_wire_reader *r, uint64_t *blocks, uint64_t *head_height,
                           struct hash *head_hash, char *why, size_t why_size) {
    if (r->state == WIRE_FAILED) return ERR_JOURNAL_MALFORMED;
    if (r->state != WIRE_ENDED) {
        snprintf(why, why_size, "the stream stopped after %llu blocks, %s",
                 (unsigned long long)r->blocks,
                 r->state == WIRE_REQUESTS ? "inside a block" : "before its end frame");
        return ERR_JOURNAL_CUT;
    }
    if (blocks) *blocks = r->blocks;
    if (head_height) *head_height = r->end_head_height;
    if (head_hash) *head_hash = r->end_head_hash;
    return ERR_OK;
}
