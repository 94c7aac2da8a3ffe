/*
 * holdings.c - the (asset, address) -> balance table.
 *
 * Invariants: used_count + tomb_count <= 3/4 capacity after any reserve;
 * a USED slot's key never changes within a block; every mutation is logged
 * before it happens.
 */
#include "holdings.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

/* Tables from this size on are mapped on their own, 2 MiB aligned, and
 * asked for transparent huge pages: a probe lands anywhere in a table of
 * tens of megabytes, and with 4 KiB pages nearly every probe would also
 * miss the TLB and walk the page tables (a second dependent miss). With
 * 2 MiB pages a million holders' table is 42 TLB entries. A hint the
 * kernel may ignore; the memory is the same either way. */
#define HOLDINGS_HUGE_BYTES ((size_t)4 << 20)
#define HOLDINGS_HUGE_ALIGN ((size_t)2 << 20)

/* A zeroed array of cap slots; NULL on no memory. */
static struct holding *holdings__slots_alloc(uint64_t cap) {
    size_t bytes = (size_t)cap * sizeof(struct holding);
    if (bytes < HOLDINGS_HUGE_BYTES) return calloc(cap, sizeof(struct holding));
    /* Over-map by the alignment and trim both ends to a 2 MiB boundary. */
    size_t len = bytes + HOLDINGS_HUGE_ALIGN;
    void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) return NULL;
    uintptr_t start = (uintptr_t)map;
    uintptr_t aligned = (start + HOLDINGS_HUGE_ALIGN - 1) & ~(uintptr_t)(HOLDINGS_HUGE_ALIGN - 1);
    if (aligned > start) munmap(map, aligned - start);
    size_t tail = (start + len) - (aligned + bytes);
    if (tail > 0) munmap((void *)(aligned + bytes), tail);
    (void)madvise((void *)aligned, bytes, MADV_HUGEPAGE); /* a hint: ignored where unsupported */
    return (struct holding *)aligned;
}

static void holdings__slots_free(struct holding *slots, uint64_t cap) {
    if (slots == NULL) return;
    size_t bytes = (size_t)cap * sizeof(struct holding);
    if (bytes < HOLDINGS_HUGE_BYTES) free(slots);
    else munmap(slots, bytes);
}

enum err holdings_open(struct holdings *h, uint32_t hint, uint32_t undo_cap) {
    memset(h, 0, sizeof(*h));
    uint32_t cap = 1024;
    while (cap < LIMIT_HOLDINGS && (uint64_t)cap * 3 / 4 < hint) cap *= 2;
    h->slots = holdings__slots_alloc(cap);
    h->undo = calloc(undo_cap, sizeof(*h->undo));
    if (h->slots == NULL || h->undo == NULL) {
        holdings__slots_free(h->slots, cap);
        free(h->undo);
        memset(h, 0, sizeof(*h));
        return ERR_INTERNAL;
    }
    h->mask = cap - 1;
    h->undo_cap = undo_cap;
    return ERR_OK;
}

void holdings_close(struct holdings *h) {
    if (h->slots != NULL) holdings__slots_free(h->slots, (uint64_t)h->mask + 1);
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
    struct holding *slots = holdings__slots_alloc(new_cap);
    if (slots == NULL) return ERR_INTERNAL;
    for (uint64_t i = 0; i < cap; i++) {
        if (h->slots[i].flags & HOLDING_USED) holdings__place(slots, (uint32_t)(new_cap - 1), &h->slots[i]);
    }
    holdings__slots_free(h->slots, cap);
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

/* A 40-byte slot straddles two cache lines one time in two, and a probe
 * reads the next slot one time in three or so (linear probing at the
 * load the table keeps): ask for the lines of the home slot and the next
 * one, so that neither half stalls apply later. */
void holdings_prefetch(const struct holdings *h, uint16_t asset, const struct addr *addr) {
    uint32_t i = holdings__hash(asset, addr->bytes) & h->mask;
    const char *home = (const char *)&h->slots[i];
    __builtin_prefetch(home);
    __builtin_prefetch(home + 2 * sizeof(struct holding) - 1);
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
 * a fifth of BLAKE2b's cost is the right tool here.
 *
 * The input is 38 bytes: address, asset (little-endian u16), balance
 * (little-endian u128); the output words w[0..3] are the key-1 hash's two
 * halves, then the key-2 hash's. The function is libsodium's
 * crypto_shorthash_siphashx24 exactly (test_holdings checks it against
 * libsodium on random entries, with every variant this machine runs),
 * computed here on eight entries at once under both keys: sixteen
 * independent SipHash states, in two 8-lane vectors where the CPU has
 * AVX-512 (else four 4-lane ones), so that the rounds of different entries
 * overlap instead of waiting on one another, and with the input's words
 * built from the entry instead of from a byte buffer. */
static const uint8_t holdings__key_lo[16] = "mintline-state-1";
static const uint8_t holdings__key_hi[16] = "mintline-state-2";

typedef uint64_t holdings__v4 __attribute__((vector_size(32)));

/* A little-endian word: one load (and a swap on a big-endian host). */
static uint64_t holdings__le64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

#define holdings__rotl(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define HOLDINGS_SIPROUND(v0, v1, v2, v3)                                                    \
    do {                                                                                     \
        v0 += v1;                                                                            \
        v1 = holdings__rotl(v1, 13);                                                         \
        v1 ^= v0;                                                                            \
        v0 = holdings__rotl(v0, 32);                                                         \
        v2 += v3;                                                                            \
        v3 = holdings__rotl(v3, 16);                                                         \
        v3 ^= v2;                                                                            \
        v0 += v3;                                                                            \
        v3 = holdings__rotl(v3, 21);                                                         \
        v3 ^= v0;                                                                            \
        v2 += v1;                                                                            \
        v1 = holdings__rotl(v1, 17);                                                         \
        v1 ^= v2;                                                                            \
        v2 = holdings__rotl(v2, 32);                                                         \
    } while (0)

/* One entry to hash: its five 64-bit message words (the 38 input bytes
 * and SipHash's length byte). */
struct holdings__msg {
    uint64_t m[5];
};

static void holdings__msg_make(struct holdings__msg *msg, const uint8_t addr[ADDR_BYTES],
                               uint16_t asset, u128 balance) {
    uint64_t lo = (uint64_t)balance;
    uint64_t hi = (uint64_t)(balance >> 64);
    uint32_t tail = (uint32_t)(holdings__le64(addr + 12) >> 32); /* bytes 16..19 */
    msg->m[0] = holdings__le64(addr);
    msg->m[1] = holdings__le64(addr + 8);
    msg->m[2] = tail | (uint64_t)asset << 32 | lo << 48;
    msg->m[3] = lo >> 16 | hi << 48;
    msg->m[4] = hi >> 16 | (uint64_t)(ADDR_BYTES + 2 + 16) << 56;
}

/* The two rounds of one message word on both keys' states. */
#define HOLDINGS_SIP_WORD(m)                                                                 \
    do {                                                                                     \
        a3 ^= (m);                                                                           \
        b3 ^= (m);                                                                           \
        HOLDINGS_SIPROUND(a0, a1, a2, a3);                                                   \
        HOLDINGS_SIPROUND(b0, b1, b2, b3);                                                   \
        HOLDINGS_SIPROUND(a0, a1, a2, a3);                                                   \
        HOLDINGS_SIPROUND(b0, b1, b2, b3);                                                   \
        a0 ^= (m);                                                                           \
        b0 ^= (m);                                                                           \
    } while (0)

/* Four finalisation rounds on both keys' states, then each one's 64-bit
 * output half (the 128-bit variant does this twice). */
#define HOLDINGS_SIP_FINISH(xa, xb)                                                          \
    for (int r = 0; r < 4; r++) {                                                            \
        HOLDINGS_SIPROUND(a0, a1, a2, a3);                                                   \
        HOLDINGS_SIPROUND(b0, b1, b2, b3);                                                   \
    }                                                                                        \
    __typeof__(a0) xa = a0 ^ a1 ^ a2 ^ a3;                                                   \
    __typeof__(a0) xb = b0 ^ b1 ^ b2 ^ b3

/* w[l][0..3] = the entry hash of msg[l], for l < n, the lanes of vector
 * type vt; one body compiled for the instruction sets that run it fastest:
 * the same arithmetic, so the same bits, on every machine. */
#define HOLDINGS_HASH_LANES_BODY(vt, n)                                                      \
    const uint64_t k0a = holdings__le64(holdings__key_lo);                                   \
    const uint64_t k1a = holdings__le64(holdings__key_lo + 8);                               \
    const uint64_t k0b = holdings__le64(holdings__key_hi);                                   \
    const uint64_t k1b = holdings__le64(holdings__key_hi + 8);                               \
    vt a0, a1, a2, a3, b0, b1, b2, b3;                                                       \
    for (unsigned l = 0; l < (n); l++) {                                                     \
        a0[l] = 0x736f6d6570736575ull ^ k0a;                                                 \
        a1[l] = 0x646f72616e646f83ull ^ k1a; /* 0x...6d ^ 0xee: 128-bit output */            \
        a2[l] = 0x6c7967656e657261ull ^ k0a;                                                 \
        a3[l] = 0x7465646279746573ull ^ k1a;                                                 \
        b0[l] = 0x736f6d6570736575ull ^ k0b;                                                 \
        b1[l] = 0x646f72616e646f83ull ^ k1b;                                                 \
        b2[l] = 0x6c7967656e657261ull ^ k0b;                                                 \
        b3[l] = 0x7465646279746573ull ^ k1b;                                                 \
    }                                                                                        \
    for (unsigned j = 0; j < 5; j++) {                                                       \
        vt m;                                                                                \
        for (unsigned l = 0; l < (n); l++) m[l] = msg[l].m[j];                               \
        HOLDINGS_SIP_WORD(m);                                                                \
    }                                                                                        \
    a2 ^= 0xee;                                                                              \
    b2 ^= 0xee;                                                                              \
    HOLDINGS_SIP_FINISH(xa, xb);                                                             \
    a1 ^= 0xdd;                                                                              \
    b1 ^= 0xdd;                                                                              \
    HOLDINGS_SIP_FINISH(ya, yb);                                                             \
    for (unsigned l = 0; l < (n); l++) {                                                     \
        w[l][0] = xa[l];                                                                     \
        w[l][1] = ya[l];                                                                     \
        w[l][2] = xb[l];                                                                     \
        w[l][3] = yb[l];                                                                     \
    }

typedef void holdings__lanes_fn(const struct holdings__msg *msg, uint64_t (*w)[4]);

/* Eight entries: four in 256-bit vectors, twice. */
static void holdings__lanes4_portable(const struct holdings__msg *msg, uint64_t (*w)[4]) {
    HOLDINGS_HASH_LANES_BODY(holdings__v4, 4)
}

static void holdings__lanes_portable(const struct holdings__msg *msg, uint64_t (*w)[4]) {
    holdings__lanes4_portable(msg, w);
    holdings__lanes4_portable(msg + 4, w + 4);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HOLDINGS_X86 1
/* AVX2: four lanes an instruction, twice. */
__attribute__((target("avx2"))) static void holdings__lanes4_avx2(const struct holdings__msg *msg,
                                                                  uint64_t (*w)[4]) {
    HOLDINGS_HASH_LANES_BODY(holdings__v4, 4)
}

__attribute__((target("avx2"))) static void holdings__lanes_avx2(const struct holdings__msg *msg,
                                                                 uint64_t (*w)[4]) {
    holdings__lanes4_avx2(msg, w);
    holdings__lanes4_avx2(msg + 4, w + 4);
}

/* AVX-512: eight lanes an instruction (half the instructions of two 4-lane
 * halves on a core with 512-bit units) and a one-instruction rotate. */
typedef uint64_t holdings__v8 __attribute__((vector_size(64)));

__attribute__((target("avx512f,avx512vl"))) static void
holdings__lanes_avx512(const struct holdings__msg *msg, uint64_t (*w)[4]) {
    HOLDINGS_HASH_LANES_BODY(holdings__v8, 8)
}
#endif

static holdings__lanes_fn *holdings__lanes_of(enum holdings_hash_impl impl) {
#ifdef HOLDINGS_X86
    if (impl == HOLDINGS_HASH_AVX512) return holdings__lanes_avx512;
    if (impl == HOLDINGS_HASH_AVX2) return holdings__lanes_avx2;
#endif
    return holdings__lanes_portable;
}

int holdings_hash_impl_available(enum holdings_hash_impl impl) {
#ifdef HOLDINGS_X86
    if (impl == HOLDINGS_HASH_AVX512) {
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    }
    if (impl == HOLDINGS_HASH_AVX2) return __builtin_cpu_supports("avx2");
#endif
    return impl == HOLDINGS_HASH_PORTABLE;
}

/* The fastest this machine runs (the CPU's features, read once by the
 * compiler's runtime before main). */
static holdings__lanes_fn *holdings__lanes_best(void) {
    if (holdings_hash_impl_available(HOLDINGS_HASH_AVX512)) return holdings__lanes_of(HOLDINGS_HASH_AVX512);
    if (holdings_hash_impl_available(HOLDINGS_HASH_AVX2)) return holdings__lanes_of(HOLDINGS_HASH_AVX2);
    return holdings__lanes_portable;
}

/* acc += w (sign +1) or acc -= w (sign -1), mod 2^256. */
static void holdings__acc_add(uint64_t acc[4], const uint64_t w[4], int sign) {
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

void holdings_entry_hash_with(enum holdings_hash_impl impl, unsigned lane,
                              const struct holding *entry, u128 balance, uint64_t w[4]) {
    ASSERT(lane < HOLDINGS_LANES);
    struct holdings__msg msg[HOLDINGS_LANES];
    for (unsigned l = 0; l < HOLDINGS_LANES; l++) {
        holdings__msg_make(&msg[l], entry->addr, entry->asset, l == lane ? balance : ~balance - l);
    }
    uint64_t out[HOLDINGS_LANES][4];
    holdings__lanes_of(impl)(msg, out);
    memcpy(w, out[lane], sizeof(out[lane]));
}

void holdings_acc_apply(uint64_t acc[4], const struct holding *entry, u128 balance, int sign) {
    struct holdings__msg msg[HOLDINGS_LANES];
    holdings__msg_make(&msg[0], entry->addr, entry->asset, balance);
    for (unsigned l = 1; l < HOLDINGS_LANES; l++) msg[l] = msg[0];
    uint64_t w[HOLDINGS_LANES][4];
    holdings__lanes_best()(msg, w);
    holdings__acc_add(acc, w[0], sign);
}

/* Entries waiting to be hashed into the accumulator, HOLDINGS_LANES at a
 * time. */
struct holdings__pending {
    holdings__lanes_fn *lanes;
    struct holdings__msg msg[HOLDINGS_LANES];
    int sign[HOLDINGS_LANES];
    unsigned count;
};

static void holdings__pending_flush(struct holdings__pending *p, uint64_t acc[4]) {
    if (p->count == 0) return;
    for (unsigned l = p->count; l < HOLDINGS_LANES; l++) p->msg[l] = p->msg[0];
    uint64_t w[HOLDINGS_LANES][4];
    p->lanes(p->msg, w);
    for (unsigned l = 0; l < p->count; l++) holdings__acc_add(acc, w[l], p->sign[l]);
    p->count = 0;
}

static void holdings__pending_add(struct holdings__pending *p, uint64_t acc[4],
                                  const uint8_t addr[ADDR_BYTES], uint16_t asset, u128 balance,
                                  int sign) {
    holdings__msg_make(&p->msg[p->count], addr, asset, balance);
    p->sign[p->count++] = sign;
    if (p->count == HOLDINGS_LANES) holdings__pending_flush(p, acc);
}

/* How far ahead seal prefetches the slots the undo log names: a block's
 * slots were touched during apply but have mostly left the cache since. */
#define HOLDINGS_SEAL_PREFETCH 32u

void holdings_fold(struct holdings *h, uint64_t acc[4]) {
    struct holdings__pending p;
    p.lanes = holdings__lanes_best();
    p.count = 0;
    for (uint32_t k = 0; k < h->undo_len; k++) {
        if (k + HOLDINGS_SEAL_PREFETCH < h->undo_len) {
            const char *ahead = (const char *)&h->slots[h->undo[k + HOLDINGS_SEAL_PREFETCH].slot];
            __builtin_prefetch(ahead, 1);
            __builtin_prefetch(ahead + sizeof(struct holding) - 1, 1); /* a straddling slot */
        }
        const struct holding_undo *u = &h->undo[k];
        struct holding *s = &h->slots[u->slot];
        if (!(s->flags & HOLDING_DIRTY)) continue; /* a later record of a slot done */
        s->flags &= (uint16_t)~HOLDING_DIRTY;
        u128 old_balance = ((u128)u->balance_hi << 64) | u->balance_lo;
        if ((u->flags & HOLDING_USED) && old_balance != 0) {
            holdings__pending_add(&p, acc, s->addr, u->asset, old_balance, -1);
        }
        u128 balance = holding_balance(s);
        if (balance != 0) {
            holdings__pending_add(&p, acc, s->addr, s->asset, balance, +1);
        } else {
            s->flags = HOLDING_TOMB;
            h->used_count--;
            h->tomb_count++;
        }
    }
    holdings__pending_flush(&p, acc);
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
