/*
 * test_split.c - the exact pro-rata split (src/engine/split.h).
 *
 * Hand-checked cases (equal thirds, ties by index, zero weights, total 0,
 * one holder, values at 2^128 - 1 where total * w_i needs 256 bits), the
 * errors, and a property test: 10,000 seeded random holder sets (1..200
 * holders, weights and totals across the whole u128 range) each checked
 * against an independent reference that only multiplies and compares, in
 * 256-bit integers of 32-bit digits written here (the code under test
 * divides in 64-bit digits): every leg is floor or floor + 1 of its exact
 * share, the legs sum to total, the remainders sum to (number of +1 legs)
 * * W, and every +1 leg's (remainder, lower index) key beats every other
 * leg's. Then 100,000 holders, checked the same way.
 *
 * MINTLINE_SPLIT_SEED=N reruns the property test with another seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/engine/split.h"
#include "../support/engine_fixture.h"

#define SEED_DEFAULT 20260412u
#define PROPERTY_SETS 10000u
#define PROPERTY_HOLDERS_MAX 200u
#define LARGE_HOLDERS 100000u
#define SENTINEL ((u128)0xA5A5A5A5u)

#define TWO_POW_64 ((u128)1 << 64)
#define TWO_POW_127 ((u128)1 << 127)

/* ------------------------------------------------------------------ */
/* the reference: 288-bit integers in nine 32-bit digits              */
/* ------------------------------------------------------------------ */

#define BIG_DIGITS 9u

struct big {
    uint32_t d[BIG_DIGITS]; /* little endian */
};

static struct big big_of(u128 v) {
    struct big b;
    memset(&b, 0, sizeof(b));
    for (unsigned i = 0; i < 4; i++) b.d[i] = (uint32_t)(v >> (32 * i));
    return b;
}

/* a * b, digit by digit. */
static struct big big_mul(u128 a, u128 b) {
    struct big x = big_of(a);
    struct big y = big_of(b);
    struct big out;
    memset(&out, 0, sizeof(out));
    for (unsigned i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (unsigned j = 0; j < 4; j++) {
            uint64_t t = (uint64_t)x.d[i] * y.d[j] + out.d[i + j] + carry;
            out.d[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        out.d[i + 4] = (uint32_t)carry;
    }
    return out;
}

static struct big big_add(struct big a, struct big b) {
    struct big out;
    uint64_t carry = 0;
    for (unsigned i = 0; i < BIG_DIGITS; i++) {
        uint64_t t = (uint64_t)a.d[i] + b.d[i] + carry;
        out.d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    assert_int_equal(carry, 0);
    return out;
}

static int big_cmp(struct big a, struct big b) {
    for (unsigned i = BIG_DIGITS; i-- > 0;) {
        if (a.d[i] != b.d[i]) return a.d[i] < b.d[i] ? -1 : 1;
    }
    return 0;
}

/* a - b, a >= b. */
static struct big big_sub(struct big a, struct big b) {
    assert_true(big_cmp(a, b) >= 0);
    struct big out;
    int64_t borrow = 0;
    for (unsigned i = 0; i < BIG_DIGITS; i++) {
        int64_t t = (int64_t)a.d[i] - b.d[i] - borrow;
        borrow = t < 0;
        out.d[i] = (uint32_t)(t + (borrow ? ((int64_t)1 << 32) : 0));
    }
    return out;
}

static u128 big_to_u128(struct big b) {
    for (unsigned i = 4; i < BIG_DIGITS; i++) assert_int_equal(b.d[i], 0);
    u128 v = 0;
    for (unsigned i = 4; i-- > 0;) v = (v << 32) | b.d[i];
    return v;
}

/* ------------------------------------------------------------------ */
/* the checks                                                         */
/* ------------------------------------------------------------------ */

/* Key order of the leftover units: the larger remainder, then the lower
 * index. Returns 1 when holder a's key beats holder b's. */
static int key_beats(const u128 *rem, uint32_t a, uint32_t b) {
    if (rem[a] != rem[b]) return rem[a] > rem[b];
    return a < b;
}

/* Check legs against the definition in split.h with only multiplications
 * and comparisons: for each i, P = total * w_i and L = leg_i * W; a floor leg
 * has 0 <= P - L < W (its remainder is P - L); a +1 leg has 0 < L - P < W
 * (its remainder is W - (L - P), which is positive: a leg one above an
 * exact share is wrong). Anything else is not floor or floor + 1. */
static void verify(const u128 *weights, uint32_t n, u128 total, const u128 *legs) {
    u128 w_sum = 0;
    for (uint32_t i = 0; i < n; i++) assert_int_equal(u128_add(w_sum, weights[i], &w_sum), ERR_OK);
    struct big w_big = big_of(w_sum);
    u128 *rem = malloc(n * sizeof(*rem));
    uint8_t *plus = malloc(n);
    assert_non_null(rem);
    assert_non_null(plus);
    u128 leg_sum = 0;
    struct big rem_sum = big_of(0);
    uint32_t plus_count = 0;
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(u128_add(leg_sum, legs[i], &leg_sum), ERR_OK);
        struct big p = big_mul(total, weights[i]);
        struct big l = big_mul(legs[i], w_sum);
        if (big_cmp(l, p) <= 0) {
            struct big gap = big_sub(p, l);
            if (big_cmp(gap, w_big) >= 0) fail_msg("leg %u is below the floor of its share", i);
            rem[i] = big_to_u128(gap);
            plus[i] = 0;
        } else {
            struct big gap = big_sub(l, p);
            if (big_cmp(gap, w_big) >= 0) fail_msg("leg %u is above floor + 1 of its share", i);
            rem[i] = w_sum - big_to_u128(gap);
            plus[i] = 1;
            plus_count++;
        }
        rem_sum = big_add(rem_sum, big_of(rem[i]));
    }
    assert_u128_equal(leg_sum, total);
    /* sum(total * w_i) = total * W, so the remainders sum to R * W where R
     * is total - sum(floor) = the number of +1 legs. */
    assert_true(big_cmp(rem_sum, big_mul(plus_count, w_sum)) == 0);
    assert_true(plus_count < n);
    /* The +1 legs are exactly the plus_count greatest keys. */
    uint32_t weakest_plus = UINT32_MAX;
    uint32_t strongest_floor = UINT32_MAX;
    for (uint32_t i = 0; i < n; i++) {
        if (plus[i]) {
            if (weakest_plus == UINT32_MAX || key_beats(rem, weakest_plus, i)) weakest_plus = i;
        } else if (strongest_floor == UINT32_MAX || key_beats(rem, i, strongest_floor)) {
            strongest_floor = i;
        }
    }
    if (weakest_plus != UINT32_MAX && strongest_floor != UINT32_MAX &&
        !key_beats(rem, weakest_plus, strongest_floor)) {
        fail_msg("leg %u got a leftover unit ahead of leg %u", weakest_plus, strongest_floor);
    }
    free(rem);
    free(plus);
}

/* Run the split with fresh scratch (filled with garbage) and return its
 * error; legs are written through. */
static enum err run_split(const u128 *weights, uint32_t n, u128 total, u128 *legs) {
    size_t count = n ? n : 1;
    uint32_t *scratch = malloc(count * sizeof(*scratch));
    u128 *scratch_rem = malloc(count * sizeof(*scratch_rem));
    assert_non_null(scratch);
    assert_non_null(scratch_rem);
    memset(scratch, 0xC3, count * sizeof(*scratch));
    memset(scratch_rem, 0x3C, count * sizeof(*scratch_rem));
    enum err err = split_pro_rata(weights, n, total, legs, scratch, scratch_rem);
    free(scratch);
    free(scratch_rem);
    return err;
}

/* Split, verify against the reference, and compare with the expected legs. */
static void expect_legs(const u128 *weights, uint32_t n, u128 total, const u128 *expected) {
    u128 legs[16];
    assert_true(n <= 16);
    assert_int_equal(run_split(weights, n, total, legs), ERR_OK);
    verify(weights, n, total, legs);
    for (uint32_t i = 0; i < n; i++) assert_u128_equal(legs[i], expected[i]);
}

/* ------------------------------------------------------------------ */
/* hand-checked cases                                                 */
/* ------------------------------------------------------------------ */

static void split_equal_thirds_of_100_gives_34_33_33(void **state) {
    (void)state;
    const u128 w[] = {1, 1, 1};
    const u128 want[] = {34, 33, 33};
    expect_legs(w, 3, 100, want);
}

static void split_equal_remainders_go_to_lower_index(void **state) {
    (void)state;
    const u128 w[] = {1, 1, 1, 1};
    const u128 want[] = {1, 1, 0, 0};
    expect_legs(w, 4, 2, want);
    /* W = 6, total 3: shares 0.5, 1, 0.5, 1; remainders 3, 0, 3, 0. */
    const u128 w2[] = {1, 2, 1, 2};
    const u128 want2[] = {1, 1, 0, 1};
    expect_legs(w2, 4, 3, want2);
}

static void split_largest_remainder_wins_over_lower_index(void **state) {
    (void)state;
    /* W = 7, total 10: 20/7 = 2 r 6, 10/7 = 1 r 3, 40/7 = 5 r 5; R = 2. */
    const u128 w[] = {2, 1, 4};
    const u128 want[] = {3, 1, 6};
    expect_legs(w, 3, 10, want);
    /* Shares 0.25 and 0.75: the unit goes to index 1. */
    const u128 w2[] = {1, 3};
    const u128 want2[] = {0, 1};
    expect_legs(w2, 2, 1, want2);
}

static void split_zero_weights_get_zero(void **state) {
    (void)state;
    /* W = 10, total 7: shares 0, 3.5, 0, 3.5; the unit goes to index 1. */
    const u128 w[] = {0, 5, 0, 5};
    const u128 want[] = {0, 4, 0, 3};
    expect_legs(w, 4, 7, want);
    const u128 w2[] = {0, 0, 9, 0};
    const u128 want2[] = {0, 0, U128_MAX, 0};
    expect_legs(w2, 4, U128_MAX, want2);
}

static void split_total_zero_gives_zero_legs(void **state) {
    (void)state;
    const u128 w[] = {3, U128_MAX - 3, 0};
    const u128 want[] = {0, 0, 0};
    expect_legs(w, 3, 0, want);
}

static void split_single_holder_gets_total(void **state) {
    (void)state;
    const u128 weights[] = {1, 7, TWO_POW_64, U128_MAX};
    const u128 totals[] = {0, 1, 5, TWO_POW_64 - 1, TWO_POW_64, U128_MAX - 1, U128_MAX};
    for (unsigned i = 0; i < sizeof(weights) / sizeof(weights[0]); i++) {
        for (unsigned j = 0; j < sizeof(totals) / sizeof(totals[0]); j++) {
            expect_legs(&weights[i], 1, totals[j], &totals[j]);
        }
    }
}

static void split_max_total_and_weights_is_exact_in_256_bits(void **state) {
    (void)state;
    /* W = total = 2^128 - 1: each share is its weight exactly, though
     * total * w_i is near 2^256. */
    const u128 w[] = {U128_MAX - 1, 1};
    const u128 want[] = {U128_MAX - 1, 1};
    expect_legs(w, 2, U128_MAX, want);
    /* M = 2^128 - 1, total M - 1, weights 2^127 and 2^127 - 1:
     * (M-1) 2^127 / M = 2^127 - 1 r 2^127 - 1;
     * (M-1)(2^127-1) / M = 2^127 - 2 r 2^127; R = 1, to index 1. */
    const u128 w2[] = {TWO_POW_127, TWO_POW_127 - 1};
    const u128 want2[] = {TWO_POW_127 - 1, TWO_POW_127 - 1};
    expect_legs(w2, 2, U128_MAX - 1, want2);
}

static void split_small_weights_huge_total_is_exact(void **state) {
    (void)state;
    const u128 third = U128_MAX / 3; /* 2^128 - 1 is a multiple of 3 */
    const u128 w[] = {1, 1, 1};
    const u128 want[] = {third, third, third};
    expect_legs(w, 3, U128_MAX, want);
    /* total M - 1: floors M/3 - 1 with remainder 2 each; R = 2. */
    const u128 want2[] = {third, third, third - 1};
    expect_legs(w, 3, U128_MAX - 1, want2);
    const u128 w3[] = {1, 2};
    const u128 want3[] = {third, 2 * third};
    expect_legs(w3, 2, U128_MAX, want3);
}

static void split_weights_near_max_with_unnormalised_divisor_is_exact(void **state) {
    (void)state;
    /* W = 2^100 + 2^64 = 2^64 (2^36 + 1) (the division normalises it by 27
     * bits), total M = 2^128 - 1. Mod 2^36 + 1, 2^36 = -1, so
     * 2^128 = 2^(3*36 + 20) = -2^20 and M = q (2^36 + 1) + 2^36 - 2^20.
     * Leg 1's share M / (2^36 + 1) is q and a fraction near 1, leg 0's is
     * M - q - 1 and a fraction near 0; R = 1 goes to leg 1. */
    const u128 k = ((u128)1 << 36) + 1;
    const u128 r = ((u128)1 << 36) - ((u128)1 << 20);
    assert_u128_equal((U128_MAX - r) % k, 0);
    const u128 q = (U128_MAX - r) / k;
    const u128 w[] = {(u128)1 << 100, TWO_POW_64};
    const u128 want[] = {U128_MAX - q - 1, q + 1};
    expect_legs(w, 2, U128_MAX, want);
}

/* ------------------------------------------------------------------ */
/* errors                                                             */
/* ------------------------------------------------------------------ */

static void expect_refused(const u128 *weights, uint32_t n, u128 total, enum err want) {
    u128 legs[4] = {SENTINEL, SENTINEL, SENTINEL, SENTINEL};
    uint32_t scratch[4] = {7, 7, 7, 7};
    u128 scratch_rem[4] = {SENTINEL, SENTINEL, SENTINEL, SENTINEL};
    assert_true(n <= 4);
    assert_int_equal(split_pro_rata(weights, n, total, legs, scratch, scratch_rem), want);
    for (unsigned i = 0; i < 4; i++) {
        assert_u128_equal(legs[i], SENTINEL);
        assert_int_equal(scratch[i], 7);
        assert_u128_equal(scratch_rem[i], SENTINEL);
    }
}

static void split_no_holders_rejected_invalid_argument(void **state) {
    (void)state;
    const u128 w[] = {1};
    expect_refused(w, 0, 100, ERR_INVALID_ARGUMENT);
}

static void split_all_zero_weights_rejected_invalid_argument(void **state) {
    (void)state;
    const u128 w[] = {0, 0, 0};
    expect_refused(w, 3, 100, ERR_INVALID_ARGUMENT);
    expect_refused(w, 1, 0, ERR_INVALID_ARGUMENT);
}

static void split_weight_sum_past_u128_max_rejected_overflow(void **state) {
    (void)state;
    const u128 w[] = {U128_MAX, 1};
    expect_refused(w, 2, 100, ERR_OVERFLOW);
    const u128 w2[] = {TWO_POW_127, 0, TWO_POW_127};
    expect_refused(w2, 3, U128_MAX, ERR_OVERFLOW);
    /* One below the edge is accepted. */
    const u128 w3[] = {TWO_POW_127, 0, TWO_POW_127 - 1};
    u128 legs[3];
    assert_int_equal(run_split(w3, 3, U128_MAX, legs), ERR_OK);
    verify(w3, 3, U128_MAX, legs);
}

/* ------------------------------------------------------------------ */
/* the property test                                                  */
/* ------------------------------------------------------------------ */

static uint64_t rng_next(uint64_t *s) { /* splitmix64 */
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static u128 rng_u128(uint64_t *s) {
    u128 hi = rng_next(s);
    return (hi << 64) | rng_next(s);
}

/* A value of at most `bits` bits (0..128). */
static u128 rng_bits(uint64_t *s, unsigned bits) {
    if (bits == 0) return 0;
    return rng_u128(s) >> (128 - bits);
}

static uint64_t rng_below(uint64_t *s, uint64_t bound) { return rng_next(s) % bound; }

/* One weight in the given regime for a set of n holders. */
static u128 gen_weight(uint64_t *s, unsigned regime, uint32_t n, u128 equal) {
    switch (regime) {
    case 0: return rng_below(s, 11); /* tiny: many ties and zeros */
    case 1: return rng_next(s);
    case 2: return rng_u128(s); /* full range; shrunk to fit below */
    case 3: {                   /* near (2^128 - 1) / n */
        u128 top = U128_MAX / n;
        u128 off = rng_below(s, 1000);
        return top > off ? top - off : top;
    }
    case 4: return rng_bits(s, (unsigned)rng_below(s, 129));
    case 5: return equal;            /* all equal: ties everywhere */
    default: return rng_below(s, 4); /* 6: tiny beside one whale */
    }
}

static u128 gen_total(uint64_t *s, u128 w_sum) {
    switch (rng_below(s, 10)) {
    case 0: return rng_below(s, 11);
    case 1: return rng_next(s);
    case 2: return rng_u128(s);
    case 3: return U128_MAX - rng_below(s, 1000);
    case 4: return rng_bits(s, (unsigned)rng_below(s, 129));
    case 5: return w_sum;
    case 6: return w_sum - 1 + rng_below(s, 3); /* W - 1, W, W + 1 (mod 2^128) */
    case 7: return TWO_POW_64 - 2 + rng_below(s, 4);
    case 8: return U128_MAX;
    default: return w_sum * (u128)(1 + rng_below(s, 7)) + rng_below(s, 3);
    }
}

/* Fill weights[0..n): a regime, some zeros, shrunk until W fits, never all
 * zero. */
static void gen_weights(uint64_t *s, u128 *weights, uint32_t n) {
    unsigned regime = (unsigned)rng_below(s, 7);
    int zeros = rng_below(s, 3) == 0;
    u128 equal = rng_bits(s, (unsigned)rng_below(s, 129)) / n;
    for (uint32_t i = 0; i < n; i++) {
        weights[i] = gen_weight(s, regime, n, equal);
        if (zeros && rng_below(s, 4) == 0) weights[i] = 0;
    }
    if (regime == 6) weights[rng_below(s, n)] = rng_u128(s);
    for (;;) {
        u128 w_sum = 0;
        int over = 0;
        for (uint32_t i = 0; i < n && !over; i++) over = u128_add(w_sum, weights[i], &w_sum) != 0;
        if (!over) break;
        for (uint32_t i = 0; i < n; i++) weights[i] >>= 1;
    }
    int any = 0;
    for (uint32_t i = 0; i < n; i++) any |= weights[i] != 0;
    if (!any) weights[rng_below(s, n)] = 1 + rng_below(s, 1000);
}

static uint64_t seed_from_env(void) {
    const char *env = getenv("MINTLINE_SPLIT_SEED");
    if (env == NULL || *env == '\0') return SEED_DEFAULT;
    return strtoull(env, NULL, 10);
}

static void split_random_sets_match_reference(void **state) {
    (void)state;
    uint64_t seed = seed_from_env();
    print_message("test_split: seed %llu (MINTLINE_SPLIT_SEED=%llu to rerun)\n",
                  (unsigned long long)seed, (unsigned long long)seed);
    uint64_t s = seed;
    u128 weights[PROPERTY_HOLDERS_MAX];
    u128 legs[PROPERTY_HOLDERS_MAX];
    uint32_t scratch[PROPERTY_HOLDERS_MAX];
    u128 scratch_rem[PROPERTY_HOLDERS_MAX];
    unsigned with_leftover = 0;
    for (unsigned set = 0; set < PROPERTY_SETS; set++) {
        uint32_t n = 1 + (uint32_t)rng_below(&s, PROPERTY_HOLDERS_MAX);
        gen_weights(&s, weights, n);
        u128 w_sum = 0;
        for (uint32_t i = 0; i < n; i++) w_sum += weights[i];
        u128 total = gen_total(&s, w_sum);
        /* The split must not read scratch before writing it. */
        memset(scratch, 0xC3, sizeof(scratch));
        memset(scratch_rem, 0x3C, sizeof(scratch_rem));
        assert_int_equal(split_pro_rata(weights, n, total, legs, scratch, scratch_rem), ERR_OK);
        verify(weights, n, total, legs);
        /* How many sets split between several holders. */
        for (uint32_t i = 0; i < n; i++) {
            if (legs[i] != 0 && legs[i] != total) {
                with_leftover++;
                break;
            }
        }
    }
    /* The generator is not degenerate: most sets split between holders. */
    assert_true(with_leftover > PROPERTY_SETS / 2);
}

static void split_100k_holders_sum_to_total(void **state) {
    (void)state;
    uint64_t s = SEED_DEFAULT + 1;
    u128 *weights = malloc(LARGE_HOLDERS * sizeof(*weights));
    u128 *legs = malloc(LARGE_HOLDERS * sizeof(*legs));
    assert_non_null(weights);
    assert_non_null(legs);
    for (uint32_t i = 0; i < LARGE_HOLDERS; i++) {
        weights[i] = rng_below(&s, 8) == 0 ? 0 : rng_bits(&s, 1 + (unsigned)rng_below(&s, 100));
    }
    const u128 totals[] = {U128_MAX - 12345, LARGE_HOLDERS - 1,
                           (u128)1000000 * 1000000000000000000u};
    for (unsigned t = 0; t < sizeof(totals) / sizeof(totals[0]); t++) {
        assert_int_equal(run_split(weights, LARGE_HOLDERS, totals[t], legs), ERR_OK);
        u128 sum = 0;
        for (uint32_t i = 0; i < LARGE_HOLDERS; i++) {
            assert_int_equal(u128_add(sum, legs[i], &sum), ERR_OK);
        }
        assert_u128_equal(sum, totals[t]);
        verify(weights, LARGE_HOLDERS, totals[t], legs);
    }
    /* All weights equal: every remainder is the same, the selection runs
     * all its passes, and the lowest indexes get the leftover units. */
    for (uint32_t i = 0; i < LARGE_HOLDERS; i++) weights[i] = 7;
    const u128 total = (u128)LARGE_HOLDERS * 3 + LARGE_HOLDERS / 2 - 1;
    assert_int_equal(run_split(weights, LARGE_HOLDERS, total, legs), ERR_OK);
    for (uint32_t i = 0; i < LARGE_HOLDERS; i++) {
        if (legs[i] != (i < LARGE_HOLDERS / 2 - 1 ? 4u : 3u)) fail_msg("leg %u is wrong", i);
    }
    verify(weights, LARGE_HOLDERS, total, legs);
    free(weights);
    free(legs);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(split_equal_thirds_of_100_gives_34_33_33),
        cmocka_unit_test(split_equal_remainders_go_to_lower_index),
        cmocka_unit_test(split_largest_remainder_wins_over_lower_index),
        cmocka_unit_test(split_zero_weights_get_zero),
        cmocka_unit_test(split_total_zero_gives_zero_legs),
        cmocka_unit_test(split_single_holder_gets_total),
        cmocka_unit_test(split_max_total_and_weights_is_exact_in_256_bits),
        cmocka_unit_test(split_small_weights_huge_total_is_exact),
        cmocka_unit_test(split_weights_near_max_with_unnormalised_divisor_is_exact),
        cmocka_unit_test(split_no_holders_rejected_invalid_argument),
        cmocka_unit_test(split_all_zero_weights_rejected_invalid_argument),
        cmocka_unit_test(split_weight_sum_past_u128_max_rejected_overflow),
        cmocka_unit_test(split_random_sets_match_reference),
        cmocka_unit_test(split_100k_holders_sum_to_total),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
