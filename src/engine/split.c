/*
 * split.c - the exact pro-rata split (split.h).
 *
 * Each share is total * w_i / W with both factors up to 2^128 - 1, so the
 * product is taken in 256 bits and divided by the 128-bit W with integer
 * long division (Knuth's algorithm D in base 2^64). The quotient always
 * fits in 128 bits because w_i <= W, so the share is at most total.
 *
 * The R leftover units go to the R greatest keys (remainder, then lower
 * index), found by a radix selection on the remainders' bytes rather than
 * a comparison sort: O(n) for any input, no recursion, no comparator (so no
 * context pointer or global state), and it visits holders in index order,
 * which is the tie-break itself.
 *
 * Never: floating point, allocation, I/O.
 */
#include "split.h"

#include <stddef.h>

#include "../base/check.h"

#define SPLIT_HALF ((u128)1 << 64)

static uint64_t split__lo64(u128 v) { return (uint64_t)v; }

static uint64_t split__hi64(u128 v) { return (uint64_t)(v >> 64); }

/* (*hi, *lo) = a * b, the full 256-bit product. */
static void split__mul256(u128 a, u128 b, u128 *hi, u128 *lo) {
    u128 a0 = split__lo64(a), a1 = split__hi64(a);
    u128 b0 = split__lo64(b), b1 = split__hi64(b);
    u128 p00 = a0 * b0;
    u128 p01 = a0 * b1;
    u128 p10 = a1 * b0;
    u128 p11 = a1 * b1;
    /* Middle column: at most 3 * (2^64 - 1), no overflow in 128 bits. */
    u128 mid = (u128)split__hi64(p00) + split__lo64(p01) + split__lo64(p10);
    *lo = (mid << 64) | split__lo64(p00);
    *hi = p11 + split__hi64(p01) + split__hi64(p10) + split__hi64(mid);
}

/* Divide the three 64-bit digits (u2, u1, u0) by v = (v1, v0), normalised
 * (top bit of v1 set), where (u2, u1) < v so the quotient is one digit.
 * Knuth D3 with a two-digit divisor compares the whole dividend, so the
 * corrected estimate is exact and no add-back step exists. */
static uint64_t split__div3by2(uint64_t u2, uint64_t u1, uint64_t u0, u128 v, u128 *rem) {
    uint64_t v1 = split__hi64(v);
    uint64_t v0 = split__lo64(v);
    u128 top = ((u128)u2 << 64) | u1;
    u128 qhat;
    u128 rhat;
    ASSERT(v1 >> 63 == 1);
    ASSERT(top < v);
    if (u2 >= v1) { /* then u2 == v1: the quotient digit is at most 2^64 - 1 */
        qhat = SPLIT_HALF - 1;
        rhat = top - qhat * v1;
    } else {
        qhat = top / v1;
        rhat = top % v1;
    }
    /* qhat * v0 > rhat * 2^64 + u0 is exactly "qhat * v > u". */
    while (rhat < SPLIT_HALF && qhat * v0 > ((rhat << 64) | u0)) {
        qhat--;
        rhat += v1;
    }
    /* u - qhat * v lies in [0, v), so arithmetic mod 2^128 gives it exactly. */
    *rem = (rhat << 64) + u0 - qhat * v0;
    ASSERT(*rem < v);
    return (uint64_t)qhat;
}

/* *q = (hi * 2^128 + lo) / d, *r = the remainder; requires hi < d (so the
 * quotient fits in 128 bits). */
static void split__div256(u128 hi, u128 lo, u128 d, u128 *q, u128 *r) {
    ASSERT(hi < d);
    if (hi == 0) {
        *q = lo / d;
        *r = lo % d;
        return;
    }
    if (d < SPLIT_HALF) { /* one-digit divisor: schoolbook, hi < d < 2^64 */
        u128 cur = (hi << 64) | split__hi64(lo);
        u128 q1 = cur / d;
        u128 r1 = cur % d;
        cur = (r1 << 64) | split__lo64(lo);
        *q = (q1 << 64) | (cur / d);
        *r = cur % d;
        return;
    }
    /* Normalise: shift d so its top bit is set, and the dividend with it;
     * hi < d keeps the shifted high half below the shifted d. */
    unsigned s = (unsigned)__builtin_clzll(split__hi64(d));
    u128 dn = d << s;
    u128 hn = s ? (hi << s) | (lo >> (128 - s)) : hi;
    u128 ln = lo << s;
    u128 r1;
    u128 r0;
    uint64_t q1 = split__div3by2(split__hi64(hn), split__lo64(hn), split__hi64(ln), dn, &r1);
    uint64_t q0 = split__div3by2(split__hi64(r1), split__lo64(r1), split__lo64(ln), dn, &r0);
    *q = ((u128)q1 << 64) | q0;
    *r = r0 >> s;
}

/* The number of leading zero bits of v (v != 0). */
static unsigned split__clz128(u128 v) {
    uint64_t hi = split__hi64(v);
    if (hi != 0) return (unsigned)__builtin_clzll(hi);
    return 64u + (unsigned)__builtin_clzll(split__lo64(v));
}

/* Byte `byte` (0: the most significant) of a remainder shifted left by
 * `shift`; rem < W and shift = clz(W), so the shift loses nothing and keeps
 * the order of remainders. It is for speed only: without it a small W
 * leaves the first bytes zero and the first passes split nothing. */
static unsigned split__digit(u128 rem, unsigned shift, unsigned byte) {
    return (unsigned)((rem << shift) >> (120u - 8u * byte)) & 0xFFu;
}

/* Add one to the legs of the `count` greatest keys: the larger remainder,
 * then the lower index. A most-significant-digit radix selection: each pass
 * over the candidates histograms one byte of their remainders, gives the
 * unit to every candidate above the boundary byte, and keeps only those on
 * it, in index order. After 16 bytes the candidates left share one
 * remainder and the lowest indexes win. At most 16 passes, O(n), whatever
 * the input; no comparison sort and no recursion. cand: n uint32_t. */
static void split__give_left(const u128 *rem, uint32_t n, uint32_t count, u128 w_sum,
                             uint32_t *cand, u128 *legs) {
    if (count == 0) return;
    unsigned shift = split__clz128(w_sum);
    for (uint32_t i = 0; i < n; i++) cand[i] = i;
    uint32_t cand_count = n;
    uint32_t need = count;
    for (unsigned byte = 0; byte < 16u; byte++) {
        uint32_t hist[256] = {0};
        for (uint32_t k = 0; k < cand_count; k++) hist[split__digit(rem[cand[k]], shift, byte)]++;
        /* The boundary byte: fewer than `need` candidates lie above it,
         * at least `need` on or above it. need <= cand_count, so it exists. */
        unsigned boundary = 255;
        uint32_t above = 0;
        while (above + hist[boundary] < need) {
            above += hist[boundary];
            ASSERT(boundary > 0);
            boundary--;
        }
        uint32_t kept = 0;
        for (uint32_t k = 0; k < cand_count; k++) {
            uint32_t i = cand[k];
            unsigned digit = split__digit(rem[i], shift, byte);
            if (digit > boundary) legs[i] += 1;
            if (digit == boundary) cand[kept++] = i;
        }
        need -= above;
        cand_count = kept;
        ASSERT(need >= 1);
        ASSERT(need <= cand_count);
        if (need == cand_count) break; /* every candidate left gets one */
    }
    /* Either all candidates left get a unit, or they share one remainder
     * and the first `need` of them (the lowest indexes) do. */
    for (uint32_t k = 0; k < need; k++) legs[cand[k]] += 1;
}

enum err split_pro_rata(const u128 *weights, uint32_t n, u128 total, u128 *legs, uint32_t *scratch,
                        u128 *scratch_rem) {
    if (n == 0) return ERR_INVALID_ARGUMENT;
    u128 w_sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        enum err err = u128_add(w_sum, weights[i], &w_sum);
        if (err) return err;
    }
    if (w_sum == 0) return ERR_INVALID_ARGUMENT;

    u128 floor_sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        u128 hi;
        u128 lo;
        split__mul256(total, weights[i], &hi, &lo);
        split__div256(hi, lo, w_sum, &legs[i], &scratch_rem[i]);
        /* Each floor is at most its exact share and the shares sum to total,
         * so the running sum never passes total. */
        floor_sum += legs[i];
        ASSERT(floor_sum <= total);
    }
    /* R * W = the sum of the remainders, each below W: R < n. */
    u128 left = total - floor_sum;
    ASSERT(left < n);
    uint32_t left_count = (uint32_t)left;
    split__give_left(scratch_rem, n, left_count, w_sum, scratch, legs);
    return ERR_OK;
}
