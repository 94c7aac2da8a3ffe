/*
 * test_holdings.c - the (asset, address) -> balance hash table: inserts and
 * lookups, the undo log (rollback to any mark restores the table exactly),
 * seal (zero balances become tombstones, the order-independent accumulator
 * stays the sum of the live entries), reserve (rehash keeps every entry and
 * drops tombstones) and a 100k-key random fill.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "../../src/base/limits.h"
#include "../../src/engine/holdings.h"
#include "../support/engine_fixture.h"

#define UNDO_CAP 4096u


static struct addr key(uint32_t n) {
    char text[ADDR_TEXT_SIZE];
    fixture_addr_text(n, text);
    return fixture_addr_parse(text);
}

static void open_table(struct holdings *h, uint32_t hint, uint32_t undo_cap) {
    assert_int_equal(holdings_open(h, hint, undo_cap), ERR_OK);
}

static u128 balance_of(const struct holdings *h, uint16_t asset, const struct addr *a) {
    uint32_t slot = holdings_find(h, asset, a);
    if (slot == HOLDINGS_NONE) return 0;
    return holding_balance(&h->slots[slot]);
}

static uint32_t put(struct holdings *h, uint16_t asset, const struct addr *a, u128 balance) {
    uint32_t slot = holdings_upsert(h, asset, a);
    holdings_set_balance(h, slot, balance);
    return slot;
}

/* A copy of the table to compare against after a rollback. */
struct image {
    struct holding *slots;
    uint32_t mask;
    uint32_t used_count;
    uint32_t tomb_count;
    uint32_t undo_len;
};

static void image_take(const struct holdings *h, struct image *img) {
    size_t n = (size_t)h->mask + 1;
    img->slots = malloc(n * sizeof(*img->slots));
    assert_non_null(img->slots);
    memcpy(img->slots, h->slots, n * sizeof(*img->slots));
    img->mask = h->mask;
    img->used_count = h->used_count;
    img->tomb_count = h->tomb_count;
    img->undo_len = h->undo_len;
}

/* Exact as far as anything can observe: every slot's flags, asset and
 * balance, and the key of every slot in use. (The key bytes of a free or
 * tombstoned slot are never read.) */
static void image_assert_equal(const struct holdings *h, const struct image *img) {
    assert_int_equal(h->mask, img->mask);
    assert_int_equal(h->used_count, img->used_count);
    assert_int_equal(h->tomb_count, img->tomb_count);
    assert_int_equal(h->undo_len, img->undo_len);
    for (uint32_t i = 0; i <= h->mask; i++) {
        const struct holding *a = &h->slots[i];
        const struct holding *b = &img->slots[i];
        if (a->flags != b->flags || a->asset != b->asset || a->balance_lo != b->balance_lo ||
            a->balance_hi != b->balance_hi) {
            fail_msg("slot %u differs: flags %u/%u asset %u/%u", i, a->flags, b->flags, a->asset,
                     b->asset);
        }
        if ((a->flags & HOLDING_USED) && memcmp(a->addr, b->addr, ADDR_BYTES) != 0) {
            fail_msg("slot %u holds another key", i);
        }
    }
}

static void image_free(struct image *img) { free(img->slots); }

/* The accumulator recomputed from scratch over the live entries. */
static void acc_recompute(const struct holdings *h, uint64_t acc[4]) {
    memset(acc, 0, 4 * sizeof(uint64_t));
    uint32_t slot = 0;
    const struct holding *s;
    while ((s = holdings_next(h, &slot)) != NULL) {
        if (holding_balance(s) != 0) holdings_acc_apply(acc, s, holding_balance(s), +1);
    }
}

/* The entry hash as ARCHITECTURE.md defines it, computed with libsodium
 * over the 38 input bytes: the reference holdings.c's own SipHash must
 * reproduce bit for bit (ledgers journal state hashes made with it). */
static void ref_acc_apply(uint64_t acc[4], const uint8_t addr[ADDR_BYTES], uint16_t asset,
                          u128 balance, int sign) {
    static const uint8_t key_lo[16] = "mintline-state-1";
    static const uint8_t key_hi[16] = "mintline-state-2";
    uint8_t in[ADDR_BYTES + 2 + 16];
    memcpy(in, addr, ADDR_BYTES);
    in[20] = (uint8_t)asset;
    in[21] = (uint8_t)(asset >> 8);
    for (int i = 0; i < 16; i++) in[22 + i] = (uint8_t)(balance >> (8 * i));
    uint8_t out[32];
    crypto_shorthash_siphashx24(out, in, sizeof(in), key_lo);
    crypto_shorthash_siphashx24(out + 16, in, sizeof(in), key_hi);
    unsigned carry = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t w = 0;
        for (int b = 7; b >= 0; b--) w = (w << 8) | out[8 * i + b];
        u128 r = sign > 0 ? (u128)acc[i] + w + carry : (u128)acc[i] - w - carry;
        acc[i] = (uint64_t)r;
        carry = (unsigned)((r >> 64) != 0);
    }
}

static uint64_t rng_next(uint64_t *x) {
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 0x2545f4914f6cdd1dull;
}

/* Live entries summed with the reference hash. */
static void ref_acc_recompute(const struct holdings *h, uint64_t acc[4]) {
    memset(acc, 0, 4 * sizeof(uint64_t));
    uint32_t slot = 0;
    const struct holding *s;
    while ((s = holdings_next(h, &slot)) != NULL) {
        if (holding_balance(s) != 0) ref_acc_apply(acc, s->addr, s->asset, holding_balance(s), +1);
    }
}

static void holdings_entry_hash_matches_libsodium(void **state) {
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    uint64_t acc[4] = {0}, ref[4] = {0};
    for (int n = 0; n < 2000; n++) {
        struct holding e;
        memset(&e, 0, sizeof(e));
        for (unsigned i = 0; i < ADDR_BYTES; i++) e.addr[i] = (uint8_t)rng_next(&x);
        e.asset = (uint16_t)rng_next(&x);
        u128 balance = ((u128)rng_next(&x) << 64) | rng_next(&x);
        if (n % 4 == 1) balance >>= (unsigned)(rng_next(&x) % 128); /* small ones too */
        if (n == 2) balance = U128_MAX;
        if (n == 3) balance = 1;
        int sign = (n % 3 == 0) ? -1 : +1;
        holdings_acc_apply(acc, &e, balance, sign);
        ref_acc_apply(ref, e.addr, e.asset, balance, sign);
        assert_memory_equal(acc, ref, sizeof(acc));
        /* every variant this CPU runs, word for word */
        uint64_t one[4] = {0}, want[4];
        ref_acc_apply(one, e.addr, e.asset, balance, +1);
        for (int impl = HOLDINGS_HASH_PORTABLE; impl <= HOLDINGS_HASH_AVX512; impl++) {
            if (!holdings_hash_impl_available((enum holdings_hash_impl)impl)) continue;
            unsigned lane = (unsigned)n % HOLDINGS_LANES; /* every lane, in turn */
            holdings_entry_hash_with((enum holdings_hash_impl)impl, lane, &e, balance, want);
            assert_memory_equal(want, one, sizeof(one));
        }
    }
    assert_true(holdings_hash_impl_available(HOLDINGS_HASH_PORTABLE));
}

/* Seal hashes the changed entries several at a time: blocks of changes of
 * every size (inserts, rewrites of one slot, balances emptied into
 * tombstones, tombstones reused) leave the accumulator equal to the
 * reference sum over the live entries. */
static void holdings_seal_acc_matches_reference(void **state) {
    (void)state;
    struct holdings h;
    open_table(&h, 200, UNDO_CAP);
    uint64_t acc[4] = {0}, ref[4];
    uint64_t x = 12345;
    for (uint32_t block = 0; block < 40; block++) {
        assert_int_equal(holdings_reserve(&h, 64), ERR_OK);
        uint32_t changes = block % 13; /* 0..12, up to two hashes each: every remainder of eight lanes */
        for (uint32_t c = 0; c < changes; c++) {
            struct addr a = key((uint32_t)(rng_next(&x) % 50));
            uint16_t asset = (uint16_t)(rng_next(&x) % 3);
            uint64_t r = rng_next(&x);
            u128 balance = (r % 4 == 0) ? 0 : ((u128)r << 40) | (r >> 30);
            put(&h, asset, &a, balance);
        }
        holdings_seal(&h, acc);
        ref_acc_recompute(&h, ref);
        assert_memory_equal(acc, ref, sizeof(acc));
    }
    holdings_close(&h);
}

static void holdings_open_empty_find_returns_none(void **state) {
    (void)state;
    struct holdings h;
    open_table(&h, 5000, UNDO_CAP);
    uint64_t cap = (uint64_t)h.mask + 1;
    assert_int_equal(cap & (cap - 1), 0);
    assert_true(cap * 3 / 4 >= 5000);
    assert_int_equal(h.used_count, 0);
    assert_int_equal(h.tomb_count, 0);
    assert_int_equal(holdings_undo_room(&h), UNDO_CAP);
    struct addr a = key(1);
    assert_int_equal(holdings_find(&h, 0, &a), HOLDINGS_NONE);
    uint32_t slot = 0;
    assert_null(holdings_next(&h, &slot));
    holdings_close(&h);
}

static void holdings_upsert_inserts_zero_then_finds_same_slot(void **state) {
    (void)state;
    struct holdings h;
    open_table(&h, 0, UNDO_CAP);
    struct addr a = key(1);
    uint32_t slot = holdings_upsert(&h, 3, &a);
    assert_int_not_equal(slot, HOLDINGS_NONE);
    assert_int_equal(h.undo_len, 1);
    assert_int_equal(h.used_count, 1);
    assert_true(h.slots[slot].flags & HOLDING_USED);
    assert_u128_equal(holding_balance(&h.slots[slot]), 0);
    assert_int_equal(holdings_find(&h, 3, &a), slot);
    /* Upserting an existing key logs nothing and returns its slot. */
    assert_int_equal(holdings_upsert(&h, 3, &a), slot);
    assert_int_equal(h.undo_len, 1);
    assert_int_equal(h.used_count, 1);
    assert_int_equal(holdings_undo_room(&h), UNDO_CAP - 1);
    holdings_close(&h);
}

static void holdings_set_balance_reads_back_full_u128(void **state) {
    (void)state;
    struct holdings h;
    open_table(&h, 0, UNDO_CAP);
    struct addr a = key(7);
    const u128 values[] = {1, UINT64_MAX, (u128)1 << 64, U128_MAX, 0, 42};
    uint32_t slot = holdings_upsert(&h, 0, &a);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        uint32_t len = h.undo_len;
        holdings_set_balance(&h, slot, values[i]);
        assert_int_equal(h.undo_len, len + 1);
        assert_u128_equal(balance_of(&h, 0, &a), values[i]);
    }
    holdings_close(&h);
}

static void holdings_same_address_other_asset_is_distinct_key(void **state) {
    (void)state;
    struct holdings h;
    open_table(&h, 0, UNDO_CAP);
    struct addr a = key(9);
    for (uint16_t asset = 0; asset < 500; asset++) put(&h, asset, &a, (u128)asset + 1000);
    assert_int_equal(h.used_count, 500);
    for (uint16_t asset = 0; asset < 500; asset++) {
        assert_u128_equal(balance_of(&h, asset, &a), (u128)asset + 1000);
    }
    assert_int_equal(holdings_find(&h, 500, &a), HOLDINGS_NONE);
    struct addr b = key(10);
    assert_int_equal(holdings_find(&h, 0, &b), HOLDINGS_NONE);
    holdings_close(&h);
}

static void holdings_seal_zero_balance_becomes_tombstone(void **state) {
    (void)state;
    struct holdings h;
    open_table(&h, 0, UNDO_CAP);
    uint64_t acc[4] = {0};
    struct addr a = key(1);
    struct addr b = key(2);
    uint32_t sa = put(&h, 0, &a, 5);
    put(&h, 0, &b, 6);
    holdings_seal(&h, acc);
    assert_int_equal(h.undo_len, 0);
    assert_int_equal(h.slots[sa].flags, HOLDING_USED); /* DIRTY cleared */

    holdings_set_balance(&h, sa, 0);
    /* Within the block the emptied entry is still in use. */
    assert_int_equal(holdings_find(&h, 0, &a), sa);
    holdings_seal(&h, acc);
    assert_int_equal(h.slots[sa].flags, HOLDING_TOMB);
    assert_int_equal(holdings_find(&h, 0, &a), HOLDINGS_NONE);
    assert_int_equal(h.used_count, 1);
    assert_int_equal(h.tomb_count, 1);
    assert_u128_equal(balance_of(&h, 0, &b), 6);

    /* A key inserted and left at zero in a block is a tombstone after seal. */
    struct addr c = key(3);
    uint32_t sc = holdings_upsert(&h, 0, &c);
    assert_int_equal(h.used_count, 2);
    holdings_seal(&h, acc);
    assert_int_equal(h.slots[sc].flags, HOLDING_TOMB);
    assert_int_equal(h.used_count, 1);

    /* Re-inserting a tombstoned key reuses a tombstone on its probe path. */
    uint32_t tombs = h.tomb_count;
    uint32_t again = holdings_upsert(&h, 0, &a);
    assert_true(h.tomb_count == tombs - 1);
    assert_true(again == sa || again == sc);
    holdings_close(&h);
}

static void holdings_rollback_to_mark_restores_exactly(void **state) {
    (void)state;
    struct holdings h;
    open_table(&h, 0, UNDO_CAP);
    uint64_t acc[4] = {0};
    for (uint32_t i = 0; i < 50; i++) {
        struct addr a = key(i);
        put(&h, (uint16_t)(i % 3), &a, (u128)i * 1000 + 1);
    }
    holdings_seal(&h, acc);
    struct addr k10 = key(10);
    holdings_set_balance(&h, holdings_find(&h, 10 % 3, &k10), 0);
    holdings_seal(&h, acc);
    assert_int_equal(h.tomb_count, 1);

    struct image img;
    image_take(&h, &img);
    uint32_t mark = h.undo_len;

    /* Changes of every kind after the mark. */
    for (uint32_t i = 0; i < 5; i++) {
        struct addr a = key(i);
        holdings_set_balance(&h, holdings_find(&h, (uint16_t)(i % 3), &a), (u128)77 + i);
    }
    struct addr k2 = key(2);
    holdings_set_balance(&h, holdings_find(&h, 2, &k2), U128_MAX);
    holdings_set_balance(&h, holdings_find(&h, 2, &k2), 0);
    for (uint32_t i = 100; i < 111; i++) {
        struct addr a = key(i);
        put(&h, 1, &a, i);
    }
    /* The insert into the tombstone. */
    uint32_t reused = holdings_upsert(&h, 10 % 3, &k10);
    assert_int_equal(h.tomb_count, 0);
    holdings_set_balance(&h, reused, 999);

    holdings_rollback(&h, mark);
    image_assert_equal(&h, &img);
    assert_int_equal(holdings_find(&h, 10 % 3, &k10), HOLDINGS_NONE);
    struct addr k100 = key(100);
    assert_int_equal(holdings_find(&h, 1, &k100), HOLDINGS_NONE);
    struct addr k1 = key(1);
    assert_u128_equal(balance_of(&h, 1, &k1), 1001);

    /* The accumulator a seal computes is as if nothing had happened. */
    uint64_t before[4];
    memcpy(before, acc, sizeof(before));
    holdings_seal(&h, acc);
    assert_memory_equal(acc, before, sizeof(before));
    image_free(&img);
    holdings_close(&h);
}

static void holdings_rollback_to_middle_mark_keeps_earlier_changes(void **state) {
    (void)state;
    struct holdings h;
    open_table(&h, 0, UNDO_CAP);
    uint64_t acc[4] = {0};
    struct addr a = key(1);
    struct addr b = key(2);
    struct addr c = key(3);
    put(&h, 0, &a, 10);
    holdings_seal(&h, acc);

    /* Earlier changes in the block: a new key and a balance change. */
    put(&h, 0, &b, 20);
    holdings_set_balance(&h, holdings_find(&h, 0, &a), 11);
    struct image img;
    image_take(&h, &img);
    uint32_t mark = h.undo_len;

    /* Later: touch the same slots again, insert, empty one. */
    holdings_set_balance(&h, holdings_find(&h, 0, &b), 21);
    holdings_set_balance(&h, holdings_find(&h, 0, &a), 0);
    put(&h, 0, &c, 30);
    holdings_rollback(&h, mark);
    image_assert_equal(&h, &img);

    /* Seal folds the surviving changes: a=11, b=20. */
    holdings_seal(&h, acc);
    uint64_t want[4];
    acc_recompute(&h, want);
    assert_memory_equal(acc, want, sizeof(want));
    assert_u128_equal(balance_of(&h, 0, &a), 11);
    assert_u128_equal(balance_of(&h, 0, &b), 20);
    assert_int_equal(holdings_find(&h, 0, &c), HOLDINGS_NONE);
    image_free(&img);
    holdings_close(&h);
}

static void holdings_seal_accumulator_is_sum_of_live_entries(void **state) {
    (void)state;
    struct holdings h;
    open_table(&h, 0, UNDO_CAP);
    uint64_t acc[4] = {0};
    fixture_rng_seed(11);
    for (int block = 0; block < 40; block++) {
        for (int k = 0; k < 20; k++) {
            struct addr a = key((uint32_t)(fixture_rng_next() % 60));
            uint16_t asset = (uint16_t)(fixture_rng_next() % 2);
            uint64_t r = fixture_rng_next() % 4;
            u128 v = r == 0 ? 0 : (r == 1 ? U128_MAX - (u128)(fixture_rng_next() % 5) : fixture_rng_next());
            put(&h, asset, &a, v);
        }
        holdings_seal(&h, acc);
        uint64_t want[4];
        acc_recompute(&h, want);
        assert_memory_equal(acc, want, sizeof(want));
        uint32_t slot = 0;
        const struct holding *s;
        while ((s = holdings_next(&h, &slot)) != NULL) assert_true(holding_balance(s) != 0);
    }
    holdings_close(&h);
}

static void holdings_seal_accumulator_independent_of_order_and_layout(void **state) {
    (void)state;
    struct holdings x;
    struct holdings y;
    open_table(&x, 0, UNDO_CAP);
    open_table(&y, 100000, UNDO_CAP); /* another capacity: another layout */
    uint64_t ax[4] = {0};
    uint64_t ay[4] = {0};
    for (uint32_t i = 0; i < 300; i++) {
        struct addr a = key(i);
        put(&x, 0, &a, (u128)i + 1);
    }
    holdings_seal(&x, ax);
    for (uint32_t i = 300; i-- > 0;) {
        struct addr a = key(i);
        put(&y, 0, &a, (u128)i + 1);
        if (i % 50 == 0) holdings_seal(&y, ay);
    }
    holdings_seal(&y, ay);
    assert_memory_equal(ax, ay, sizeof(ax));
    /* Inserting then removing an entry returns the accumulator. */
    struct addr z = key(5000);
    put(&x, 0, &z, 123);
    holdings_seal(&x, ax);
    assert_memory_not_equal(ax, ay, sizeof(ax));
    holdings_set_balance(&x, holdings_find(&x, 0, &z), 0);
    holdings_seal(&x, ax);
    assert_memory_equal(ax, ay, sizeof(ax));
    holdings_close(&x);
    holdings_close(&y);
}

static void holdings_reserve_rehash_keeps_all_entries(void **state) {
    (void)state;
    struct holdings h;
    open_table(&h, 0, UNDO_CAP);
    uint64_t acc[4] = {0};
    uint32_t cap0 = h.mask + 1;
    assert_int_equal(holdings_reserve(&h, 700), ERR_OK);
    assert_int_equal(h.mask + 1, cap0); /* 700 fit in 3/4 of 1024 */
    for (uint32_t i = 0; i < 700; i++) {
        struct addr a = key(i);
        put(&h, (uint16_t)(i % 4), &a, (u128)i * 3 + 1);
    }
    holdings_seal(&h, acc);
    /* Empty a few so tombstones exist before the rehash. */
    for (uint32_t i = 0; i < 700; i += 7) {
        struct addr a = key(i);
        holdings_set_balance(&h, holdings_find(&h, (uint16_t)(i % 4), &a), 0);
    }
    holdings_seal(&h, acc);
    assert_int_equal(h.tomb_count, 100);
    uint64_t acc_before[4];
    memcpy(acc_before, acc, sizeof(acc));

    assert_int_equal(holdings_reserve(&h, 1000), ERR_OK);
    assert_true(h.mask + 1 > cap0);
    assert_true(((uint64_t)h.used_count + 1000) * 4 <= ((uint64_t)h.mask + 1) * 3);
    assert_int_equal(h.tomb_count, 0);
    assert_int_equal(h.used_count, 600);
    for (uint32_t i = 0; i < 700; i++) {
        struct addr a = key(i);
        u128 want = i % 7 == 0 ? 0 : (u128)i * 3 + 1;
        assert_u128_equal(balance_of(&h, (uint16_t)(i % 4), &a), want);
        if (i % 7 == 0) assert_int_equal(holdings_find(&h, (uint16_t)(i % 4), &a), HOLDINGS_NONE);
    }
    uint64_t want[4];
    acc_recompute(&h, want);
    assert_memory_equal(want, acc_before, sizeof(want));
    holdings_close(&h);
}

static void holdings_reserve_drops_tombstones_at_same_capacity(void **state) {
    (void)state;
    struct holdings h;
    open_table(&h, 0, UNDO_CAP);
    uint64_t acc[4] = {0};
    uint32_t cap = h.mask + 1;
    for (uint32_t i = 0; i < 700; i++) {
        struct addr a = key(i);
        put(&h, 0, &a, 1);
    }
    holdings_seal(&h, acc);
    for (uint32_t i = 0; i < 600; i++) {
        struct addr a = key(i);
        holdings_set_balance(&h, holdings_find(&h, 0, &a), 0);
    }
    holdings_seal(&h, acc);
    assert_int_equal(h.used_count, 100);
    assert_int_equal(h.tomb_count, 600);
    /* 100 live + 200 more fit the same capacity once tombstones go. */
    assert_int_equal(holdings_reserve(&h, 200), ERR_OK);
    assert_int_equal(h.mask + 1, cap);
    assert_int_equal(h.tomb_count, 0);
    for (uint32_t i = 600; i < 700; i++) {
        struct addr a = key(i);
        assert_u128_equal(balance_of(&h, 0, &a), 1);
    }
    holdings_close(&h);
}

static void holdings_reserve_beyond_limit_fails_table_unchanged(void **state) {
    (void)state;
    struct holdings h;
    open_table(&h, 0, UNDO_CAP);
    uint64_t acc[4] = {0};
    struct addr a = key(1);
    put(&h, 0, &a, 5);
    holdings_seal(&h, acc);
    struct image img;
    image_take(&h, &img);
    assert_int_equal(holdings_reserve(&h, LIMIT_HOLDINGS), ERR_LIMIT_REACHED);
    image_assert_equal(&h, &img);
    assert_int_equal(holdings_reserve(&h, UINT32_MAX), ERR_LIMIT_REACHED);
    image_assert_equal(&h, &img);
    image_free(&img);
    holdings_close(&h);
}

static void holdings_next_visits_each_used_slot_once(void **state) {
    (void)state;
    struct holdings h;
    open_table(&h, 0, UNDO_CAP);
    uint64_t acc[4] = {0};
    for (uint32_t i = 0; i < 200; i++) {
        struct addr a = key(i);
        put(&h, 0, &a, (u128)i + 1);
    }
    holdings_seal(&h, acc);
    for (uint32_t i = 0; i < 200; i += 2) {
        struct addr a = key(i);
        holdings_set_balance(&h, holdings_find(&h, 0, &a), 0);
    }
    holdings_seal(&h, acc);
    uint32_t slot = 0;
    uint32_t seen = 0;
    u128 sum = 0;
    const struct holding *s;
    while ((s = holdings_next(&h, &slot)) != NULL) {
        seen++;
        sum += holding_balance(s);
    }
    assert_int_equal(seen, 100);
    assert_int_equal(seen, h.used_count);
    assert_u128_equal(sum, (u128)100 * 101); /* 2 + 4 + ... + 200 */
    holdings_close(&h);
}

#define MANY_KEYS 100000u
#define MANY_CHUNK 10000u

struct many_key {
    struct addr a;
    uint16_t asset;
    u128 balance;
};

static void holdings_many_random_keys_all_found(void **state) {
    (void)state;
    fixture_rng_seed(20260301);
    struct many_key *keys = calloc(MANY_KEYS, sizeof(*keys));
    assert_non_null(keys);
    for (uint32_t i = 0; i < MANY_KEYS; i++) {
        for (unsigned b = 0; b < ADDR_BYTES; b += 4) {
            uint64_t r = fixture_rng_next();
            memcpy(keys[i].a.bytes + b, &r, 4);
        }
        keys[i].asset = (uint16_t)(fixture_rng_next() % 8);
        keys[i].balance = ((u128)fixture_rng_next() << 64 | fixture_rng_next()) | 1;
    }
    struct holdings h;
    open_table(&h, 0, 2 * MANY_CHUNK);
    uint64_t acc[4] = {0};
    for (uint32_t done = 0; done < MANY_KEYS; done += MANY_CHUNK) {
        assert_int_equal(holdings_reserve(&h, MANY_CHUNK), ERR_OK);
        for (uint32_t i = done; i < done + MANY_CHUNK; i++) {
            assert_int_equal(holdings_find(&h, keys[i].asset, &keys[i].a), HOLDINGS_NONE);
            put(&h, keys[i].asset, &keys[i].a, keys[i].balance);
        }
        holdings_seal(&h, acc);
    }
    assert_int_equal(h.used_count, MANY_KEYS);
    assert_true((uint64_t)h.used_count * 4 <= ((uint64_t)h.mask + 1) * 3);
    for (uint32_t i = 0; i < MANY_KEYS; i++) {
        assert_u128_equal(balance_of(&h, keys[i].asset, &keys[i].a), keys[i].balance);
        /* The same address under an asset it was not given is absent. */
        uint16_t other = (uint16_t)(keys[i].asset + 8);
        assert_int_equal(holdings_find(&h, other, &keys[i].a), HOLDINGS_NONE);
    }

    /* Empty every third key, in chunks the undo log can carry. */
    for (uint32_t done = 0; done < MANY_KEYS; done += 2 * MANY_CHUNK) {
        for (uint32_t i = done; i < done + 2 * MANY_CHUNK && i < MANY_KEYS; i++) {
            if (i % 3 != 0) continue;
            holdings_set_balance(&h, holdings_find(&h, keys[i].asset, &keys[i].a), 0);
        }
        holdings_seal(&h, acc);
    }
    uint32_t live = MANY_KEYS - (MANY_KEYS + 2) / 3;
    assert_int_equal(h.used_count, live);
    assert_int_equal(h.tomb_count, MANY_KEYS - live);
    assert_int_equal(holdings_reserve(&h, (h.mask + 1) / 2), ERR_OK); /* forces a rehash */
    assert_int_equal(h.tomb_count, 0);
    for (uint32_t i = 0; i < MANY_KEYS; i++) {
        u128 want = i % 3 == 0 ? 0 : keys[i].balance;
        assert_u128_equal(balance_of(&h, keys[i].asset, &keys[i].a), want);
    }
    uint64_t want[4];
    acc_recompute(&h, want);
    assert_memory_equal(acc, want, sizeof(want));
    holdings_close(&h);
    free(keys);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(holdings_open_empty_find_returns_none),
        cmocka_unit_test(holdings_upsert_inserts_zero_then_finds_same_slot),
        cmocka_unit_test(holdings_set_balance_reads_back_full_u128),
        cmocka_unit_test(holdings_same_address_other_asset_is_distinct_key),
        cmocka_unit_test(holdings_seal_zero_balance_becomes_tombstone),
        cmocka_unit_test(holdings_rollback_to_mark_restores_exactly),
        cmocka_unit_test(holdings_rollback_to_middle_mark_keeps_earlier_changes),
        cmocka_unit_test(holdings_seal_accumulator_is_sum_of_live_entries),
        cmocka_unit_test(holdings_seal_accumulator_independent_of_order_and_layout),
        cmocka_unit_test(holdings_reserve_rehash_keeps_all_entries),
        cmocka_unit_test(holdings_reserve_drops_tombstones_at_same_capacity),
        cmocka_unit_test(holdings_reserve_beyond_limit_fails_table_unchanged),
        cmocka_unit_test(holdings_next_visits_each_used_slot_once),
        cmocka_unit_test(holdings_many_random_keys_all_found),
        cmocka_unit_test(holdings_entry_hash_matches_libsodium),
        cmocka_unit_test(holdings_seal_acc_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
