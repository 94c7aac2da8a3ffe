/*
 * buf.h - a growable byte buffer and a bounds-checked reader, for the
 * binary forms mintline writes (snapshots, result vectors).
 *
 * The writer owns its memory (buf_free). A failed allocation makes the
 * buffer sticky-failed: later writes do nothing and buf_ok() says so, so
 * callers check once at the end. The reader never reads past its end: a
 * short read sets its failed flag and yields zeros.
 */
#ifndef MINTLINE_BASE_BUF_H
#define MINTLINE_BASE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "u128.h"

struct buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    int failed;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
int buf_ok(const struct buf *b);
/* buf_put: append len bytes. The common case (room left) is inline: the
 * JSON writer and the event encoder call it for every few bytes. */
void buf__put_slow(struct buf *b, const void *data, size_t len);
static inline void buf_put(struct buf *b, const void *data, size_t len) {
    if (__builtin_expect(!b->failed && len <= b->cap - b->len, 1)) {
        if (len) memcpy(b->data + b->len, data, len);
        b->len += len;
        return;
    }
    buf__put_slow(b, data, len);
}
/* buf_reserve: make room for len more bytes in one allocation. */
void buf_reserve(struct buf *b, size_t len);
void buf_put_u8(struct buf *b, uint8_t v);
void buf_put_u16(struct buf *b, uint16_t v);
void buf_put_u32(struct buf *b, uint32_t v);
void buf_put_u64(struct buf *b, uint64_t v);
void buf_put_u128(struct buf *b, u128 v);

struct buf_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    int failed;
};

void buf_reader_init(struct buf_reader *r, const void *data, size_t len);
void buf_get(struct buf_reader *r, void *out, size_t len);
uint8_t buf_get_u8(struct buf_reader *r);
uint16_t buf_get_u16(struct buf_reader *r);
uint32_t buf_get_u32(struct buf_reader *r);
uint64_t buf_get_u64(struct buf_reader *r);
u128 buf_get_u128(struct buf_reader *r);

#endif
