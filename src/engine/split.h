/*
 * split.h - the exact pro-rata split of an amount between holders (SPEC 6,
 * "Payouts": pro rata with largest-remainder rounding, so the legs sum
 * exactly to the total).
 *
 * Pure: no I/O, no allocation, no floating point. The caller owns every
 * array; the result depends only on the inputs (ties are broken by index,
 * never by memory layout or sort stability).
 */
#ifndef MINTLINE_ENGINE_SPLIT_H
#define MINTLINE_ENGINE_SPLIT_H

#include <stdint.h>

#include "../base/err.h"
#include "../base/u128.h"

/* split_pro_rata: divide `total` between n holders in proportion to their
 * weights (the snapshot balances), exactly: leg_i = floor(total * w_i / W)
 * (W = sum of weights, total * w_i computed in 256 bits), then the
 * R = total - sum(floor) units left over (R < n) are given one each to the
 * R legs with the largest remainders (total * w_i mod W); equal remainders
 * go to the lower index (callers order holders by address, so ties are
 * broken by address). Every leg is floor or floor + 1 of its exact share,
 * no leg exceeds total, and the legs sum to total exactly. Zero weights are
 * allowed (their legs are 0). total == 0 gives n zero legs.
 *
 * weights:     n weights, read only.
 * legs:        n results, written only on success.
 * scratch:     n uint32_t the function may overwrite (holder indexes).
 * scratch_rem: n u128 the function may overwrite (the remainders).
 * The four arrays must not overlap. Nothing is written when the call
 * fails. Runs in O(n): one 256-by-128-bit division per holder and at most
 * 16 counting passes over the holders to place the leftover units.
 *
 * Errors: ERR_INVALID_ARGUMENT when n == 0 or W == 0; ERR_OVERFLOW when W
 * does not fit in a u128. */
enum err split_pro_rata(const u128 *weights, uint32_t n, u128 total, u128 *legs, uint32_t *scratch,
                        u128 *scratch_rem) __attribute__((warn_unused_result));

#endif
