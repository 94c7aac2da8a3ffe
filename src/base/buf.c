/* buf.c - little-endian byte writer and bounds-checked reader. */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b) { memset(b, 0, sizeof(*b)); }

void buf_free(struct buf *b) {
    free(b->data);
    memset(b, 0, sizeof(*b));
}

int buf_ok(const struct buf *b) { return !b->failed; }

void buf_reserve(struct buf *b, size_t len) {
    if (b->failed || b->len + len <= b->cap) return;
    uint8_t *p = realloc(b->data, b->len + len);
    if (p == NULL) {
        b->failed = 1;
        return;
    }
    b->data = p;
    b->cap = b->len + len;
}

void buf__put_slow(struct buf *b, const void *data, size_t len) {
    if (b->failed || len == 0) return;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len) cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (p == NULL) {
            b->failed = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void buf__put_le(struct buf *b, uint64_t v, unsigned n) {
    uint8_t t[8];
    for (unsigned i = 0; i < n; i++) t[i] = (uint8_t)(v >> (8 * i));
    buf_put(b, t, n);
}

void buf_put_u8(struct buf *b, uint8_t v) { buf_put(b, &v, 1); }
void buf_put_u16(struct buf *b, uint16_t v) { buf__put_le(b, v, 2); }
void buf_put_u32(struct buf *b, uint32_t v) { buf__put_le(b, v, 4); }
void buf_put_u64(struct buf *b, uint64_t v) { buf__put_le(b, v, 8); }

void buf_put_u128(struct buf *b, u128 v) {
    buf_put_u64(b, (uint64_t)v);
    buf_put_u64(b, (uint64_t)(v >> 64));
}

void buf_reader_init(struct buf_reader *r, const void *data, size_t len) {
    r->data = data;
    r->len = len;
    r->pos = 0;
    r->failed = 0;
}

void buf_get(struct buf_reader *r, void *out, size_t len) {
    if (r->failed || len > r->len - r->pos) {
        r->failed = 1;
        memset(out, 0, len);
        return;
    }
    memcpy(out, r->data + r->pos, len);
    r->pos += len;
}

/* n (1..8) bytes, little-endian; 0 and r->failed when they are not there.
 * Inlined with a constant n: one bounds check and one load on a
 * little-endian machine (replay reads every amount through here). */
static inline uint64_t buf__get_le(struct buf_reader *r, unsigned n) {
    if (r->failed || n > r->len - r->pos) {
        r->failed = 1;
        return 0;
    }
    const uint8_t *p = r->data + r->pos;
    r->pos += n;
    uint64_t v = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&v, p, n);
#else
    for (unsigned i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
#endif
    return v;
}

uint8_t buf_get_u8(struct buf_reader *r) { return (uint8_t)buf__get_le(r, 1); }
uint16_t buf_get_u16(struct buf_reader *r) { return (uint16_t)buf__get_le(r, 2); }
uint32_t buf_get_u32(struct buf_reader *r) { return (uint32_t)buf__get_le(r, 4); }
uint64_t buf_get_u64(struct buf_reader *r) { return buf__get_le(r, 8); }

u128 buf_get_u128(struct buf_reader *r) {
    u128 lo = buf__get_le(r, 8);
    u128 hi = buf__get_le(r, 8);
    return lo | (hi << 64);
}
