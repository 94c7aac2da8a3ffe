/*
 * holdings.c - the (asset, address) -> balance table.
 *
 * Invariants: used_count + tomb_count <= 3/4 capacity after any reserve;
 * a USED slot's key never changes within a block; every mutation is logged
 * before it happens.
 */
#include "holdings.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../base/check.h"
#include "../base/limits.h"

static uint64_t holdings__load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Addresses are hashes of keys already; a multiply-xorshift mix of their
 * bytes spreads them well. The layout never reaches output, so a fixed
 * function keeps the engine free of randomness. */
static uint32_t holdings__hash(uint16_t asset, const uint8_t addr[ADDR_BYTES]) {
    uint32_t tail;
    memcpy(&tail, addr + 16, 4);
    uint64_t x = holdings__load64(addr) ^ (holdings__load64(addr + 8) * 0x9e3779b97f4a7c15ull);
    x ^= ((uint64_t)tail << 16) ^ asset;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return (uint32_t)x;
}

static int holdings__key_eq(const struct holding *s, uint16_t asset, const uint8_t *addr) {
    return s->asset == asset && memcmp(s->addr, addr, ADDR_BYTES) == 0;
}

enum err holdings_open(struct holdings *h, uint32_t hint, uint32_t undo_cap) {
    memset(h, 0, sizeof(*h));
    uint32_t cap = 1024;
    while (cap < LIMIT_HOLDINGS && (uint64_t)cap * 3 / 4 < hint) cap *= 2;
    h->slots = calloc(cap, sizeof(*h->slots));
    h->undo = calloc(undo_cap, sizeof(*h->undo));
    if (h->slots == NULL || h->undo == NULL) {
        free(h->slots);
        free(h->undo);
        memset(h, 0, sizeof(*h));
        return ERR_INTERNAL;
    }
    h->mask = cap - 1;
    h->undo_cap = undo_cap;
    return ERR_OK;
}

void holdings_close(struct holdings *h) {
    free(h->slots);
    free(h->undo);
    memset(h, 0, sizeof(*h));
}

/* Insert a USED entry into a fresh table (rehash path; no log, no tombs). */
static void holdings__place(struct holding *slots, uint32_t mask, const struct holding *src) {
    uint32_t i = holdings__hash(src->asset, src->addr) & mask;
    while (slots[i].flags & HOLDING_USED) i = (i + 1) & mask;
    slots[i] = *src;
}

enum err holdings_reserve(struct holdings *h, uint32_t more) {
    ASSERT(h->undo_len == 0);
    uint64_t cap = (uint64_t)h->mask + 1;
    uint64_t need = (uint64_t)h->used_count + h->tomb_count + more;
    if (need * 4 <= cap * 3) return ERR_OK;
    uint64_t live = (uint64_t)h->used_count + more;
    uint64_t new_cap = cap;
    while (live * 4 > new_cap * 3) new_cap *= 2;
    if (new_cap > LIMIT_HOLDINGS) return ERR_LIMIT_REACHED;
    struct holding *slots = calloc(new_cap, sizeof(*slots));
    if (slots == NULL) return ERR_INTERNAL;
    for (uint64_t i = 0; i < cap; i++) {
        if (h->slots[i].flags & HOLDING_USED) holdings__place(slots, (uint32_t)(new_cap - 1), &h->slots[i]);
    }
    free(h->slots);
    h->slots = slots;
    h->mask = (uint32_t)(new_cap - 1);
    h->tomb_count = 0;
    return ERR_OK;
}

enum err holdings_undo_reserve(struct holdings *h, uint64_t records) {
    ASSERT(h->undo_len == 0);
    if (records <= h->undo_cap) return ERR_OK;
    if (records > UINT32_MAX / 2) return ERR_LIMIT_REACHED;
    struct holding_undo *undo = realloc(h->undo, (size_t)records * sizeof(*undo));
    if (undo == NULL) return ERR_INTERNAL;
    h->undo = undo;
    h->undo_cap = (uint32_t)records;
    return ERR_OK;
}

uint32_t holdings_find(const struct holdings *h, uint16_t asset, const struct addr *addr) {
    uint32_t i = holdings__hash(asset, addr->bytes) & h->mask;
    for (;;) {
        const struct holding *s = &h->slots[i];
        if (s->flags == 0) return HOLDINGS_NONE;
        if ((s->flags & HOLDING_USED) && holdings__key_eq(s, asset, addr->bytes)) return i;
        i = (i + 1) & h->mask;
    }
}

void holdings_prefetch(const struct holdings *h, uint16_t asset, const struct addr *addr) {
    __builtin_prefetch(&h->slots[holdings__hash(asset, addr->bytes) & h->mask]);
}

static void holdings__log(struct holdings *h, uint32_t slot) {
    ASSERT(h->undo_len < h->undo_cap);
    const struct holding *s = &h->slots[slot];
    struct holding_undo *u = &h->undo[h->undo_len++];
    u->slot = slot;
    u->flags = s->flags;
    u->asset = s->asset;
    u->balance_lo = s->balance_lo;
    u->balance_hi = s->balance_hi;
}

uint32_t holdings_upsert(struct holdings *h, uint16_t asset, const struct addr *addr) {
    uint32_t i = holdings__hash(asset, addr->bytes) & h->mask;
    uint32_t tomb = HOLDINGS_NONE;
    for (;;) {
        const struct holding *s = &h->slots[i];
        if (s->flags == 0) break;
        if ((s->flags & HOLDING_USED) && holdings__key_eq(s, asset, addr->bytes)) return i;
        if ((s->flags & HOLDING_TOMB) && tomb == HOLDINGS_NONE) tomb = i;
        i = (i + 1) & h->mask;
    }
    uint32_t slot = tomb != HOLDINGS_NONE ? tomb : i;
    ASSERT(((uint64_t)h->used_count + h->tomb_count + 1) * 4 <= ((uint64_t)h->mask + 1) * 3 ||
           tomb != HOLDINGS_NONE);
    holdings__log(h, slot);
    struct holding *s = &h->slots[slot];
    if (s->flags & HOLDING_TOMB) h->tomb_count--;
    memcpy(s->addr, addr->bytes, ADDR_BYTES);
    s->asset = asset;
    s->flags = HOLDING_USED | HOLDING_DIRTY;
    s->balance_lo = 0;
    s->balance_hi = 0;
    h->used_count++;
    return slot;
}

void holdings_set_balance(struct holdings *h, uint32_t slot, u128 balance) {
    struct holding *s = &h->slots[slot];
    ASSERT(s->flags & HOLDING_USED);
    holdings__log(h, slot);
    s->flags |= HOLDING_DIRTY;
    s->balance_lo = (uint64_t)balance;
    s->balance_hi = (uint64_t)(balance >> 64);
}

uint32_t holdings_undo_room(const struct holdings *h) { return h->undo_cap - h->undo_len; }

static void holdings__count_flags(struct holdings *h, uint16_t flags, int sign) {
    if (flags & HOLDING_USED) h->used_count = (uint32_t)((int64_t)h->used_count + sign);
    if (flags & HOLDING_TOMB) h->tomb_count = (uint32_t)((int64_t)h->tomb_count + sign);
}

void holdings_rollback(struct holdings *h, uint32_t undo_len) {
    ASSERT(undo_len <= h->undo_len);
    while (h->undo_len > undo_len) {
        const struct holding_undo *u = &h->undo[--h->undo_len];
        struct holding *s = &h->slots[u->slot];
        holdings__count_flags(h, s->flags, -1);
        holdings__count_flags(h, u->flags, +1);
        s->flags = u->flags;
        s->asset = u->asset;
        s->balance_lo = u->balance_lo;
        s->balance_hi = u->balance_hi;
    }
}

/* Entry hash: two SipHash-2-4 (128-bit output) under fixed, public,
 * domain-separated keys, 256 bits in all. The accumulator detects any
 * divergence between replays and any accidental corruption of a snapshot;
 * it is not the tamper seal (that is the SHA-256 block chain and the
 * signatures, which audit verify re-checks from genesis), so a keyed PRF at
 * a fifth of BLAKE2b's cost is the right tool here. */
static const uint8_t holdings__key_lo[16] = "mintline-state-1";
static const uint8_t holdings__key_hi[16] = "mintline-state-2";

void holdings_acc_apply(uint64_t acc[4], const struct holding *entry, u128 balance, int sign) {
    uint8_t in[ADDR_BYTES + 2 + 16];
    memcpy(in, entry->addr, ADDR_BYTES);
    in[20] = (uint8_t)entry->asset;
    in[21] = (uint8_t)(entry->asset >> 8);
    for (int i = 0; i < 16; i++) in[22 + i] = (uint8_t)(balance >> (8 * i));
    uint8_t out[32];
    crypto_shorthash_siphashx24(out, in, sizeof(in), holdings__key_lo);
    crypto_shorthash_siphashx24(out + 16, in, sizeof(in), holdings__key_hi);
    uint64_t w[4];
    memcpy(w, out, sizeof(w));
    unsigned carry = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t a = acc[i];
        uint64_t r;
        if (sign > 0) {
            unsigned c1 = __builtin_add_overflow(a, w[i], &r);
            unsigned c2 = __builtin_add_overflow(r, (uint64_t)carry, &r);
            carry = c1 | c2;
        } else {
            unsigned c1 = __builtin_sub_overflow(a, w[i], &r);
            unsigned c2 = __builtin_sub_overflow(r, (uint64_t)carry, &r);
            carry = c1 | c2;
        }
        acc[i] = r;
    }
}

/* How far ahead seal prefetches the slots the undo log names: a block's
 * slots were touched during apply but have mostly left the cache since. */
#define HOLDINGS_SEAL_PREFETCH 32u

void holdings_fold(struct holdings *h, uint64_t acc[4]) {
    for (uint32_t k = 0; k < h->undo_len; k++) {
        if (k + HOLDINGS_SEAL_PREFETCH < h->undo_len) {
            __builtin_prefetch(&h->slots[h->undo[k + HOLDINGS_SEAL_PREFETCH].slot], 1);
        }
        const struct holding_undo *u = &h->undo[k];
        struct holding *s = &h->slots[u->slot];
        if (!(s->flags & HOLDING_DIRTY)) continue; /* a later record of a slot done */
        s->flags &= (uint16_t)~HOLDING_DIRTY;
        u128 old_balance = ((u128)u->balance_hi << 64) | u->balance_lo;
        if ((u->flags & HOLDING_USED) && old_balance != 0) {
            struct holding old = *s;
            old.asset = u->asset;
            holdings_acc_apply(acc, &old, old_balance, -1);
        }
        u128 balance = holding_balance(s);
        if (balance != 0) {
            holdings_acc_apply(acc, s, balance, +1);
        } else {
            s->flags = HOLDING_TOMB;
            h->used_count--;
            h->tomb_count++;
        }
    }
}

void holdings_forget(struct holdings *h) { h->undo_len = 0; }

void holdings_seal(struct holdings *h, uint64_t acc[4]) {
    holdings_fold(h, acc);
    holdings_forget(h);
}

const struct holding *holdings_next(const struct holdings *h, uint32_t *slot) {
    uint64_t cap = (uint64_t)h->mask + 1;
    while (*slot < cap) {
        const struct holding *s = &h->slots[(*slot)++];
        if (s->flags & HOLDING_USED) return s;
    }
    return NULL;
}
