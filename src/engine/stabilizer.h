/*
 * stabilizer.h - keeps a token near its peg without reacting to flash
 * spikes (SPEC 6 "Stabilizer"; seed 001's Cantilever and flash-loan
 * containment rules).
 *
 * A stabilizer belongs to one asset (fiat or plain) and reads one market
 * feed (a feed drives at most one stabilizer). Every price.update of that
 * feed is an observation in the current block; a second update in the same
 * block replaces the block's observation (one observation per block). The
 * last `window_blocks` observed blocks are kept.
 *
 * TWAP: price i holds from its block's time until the next observation's;
 * the TWAP is sum(price_i x dt_i) / sum(dt_i) over the window's intervals
 * (dt_i at least 1 ns, so blocks with equal times weigh equally), floored.
 * The newest price has held for no time yet and weighs nothing: a price
 * reaches the TWAP only from the next observation on (Uniswap v2's rule).
 * One observation alone is its own TWAP.
 *
 * The stabilizer acts at an observation when the last `sustain_blocks`
 * observations (sustain_blocks >= 2) are all beyond `threshold` from
 * `target` on the same side and the TWAP is beyond it on that side too:
 * it emits a StabilizationOrder (side buy below the peg, sell above; size
 * = floor(k x deviation_ppm / 1e6) with deviation_ppm = floor(|TWAP -
 * target| x 1e6 / target), capped at what is left of `max_per_block` in
 * this block and, for a sell, at what `reserve_account` holds of the asset
 * less what was already ordered in this block). "Beyond" is strict and
 * exact: |p - target| x 1e6 > threshold_ppm x target. A single-block spike
 * never triggers an order (sustain_blocks >= 2), and a price back within
 * the threshold stops orders at that observation. No order while the
 * asset or the ledger is paused, and none of size 0.
 *
 * An order is an event only: nothing moves on the ledger (the trade is
 * made on the market and settled by ordinary transfers), so a price.update
 * by an oracle_updater never mints or burns.
 *
 * Everything is integer arithmetic (prices FEED_DECIMALS fixed point,
 * ratios in ppm, 256-bit intermediates), no floating point. The engine
 * state keeps only parameters, observations and order counters; TWAP,
 * deviation and the consecutive count are recomputed from them
 * (stabilizer_view), so they cannot disagree with what they derive from.
 *
 * State bytes: an "stb" section after the incidents', written only when a
 * stabilizer exists, so ledgers without one keep their state hashes.
 */
#ifndef MINTLINE_ENGINE_STABILIZER_H
#define MINTLINE_ENGINE_STABILIZER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/addr.h"
#include "../base/err.h"
#include "../base/limits.h"
#include "../base/u128.h"

/* Defaults of stabilizer.set / genesis for a new stabilizer (SPEC 6's
 * example). */
#define STABILIZER_WINDOW_DEFAULT 10u
#define STABILIZER_SUSTAIN_DEFAULT 3u
#define STABILIZER_THRESHOLD_DEFAULT_PPM 5000u
/* The reserve sizing rule's safety factor (seed 001: Reserve >= P x T x 3). */
#define STABILIZER_RESERVE_FACTOR 3u

#define STABILIZER_SIDE_BUY 0u
#define STABILIZER_SIDE_SELL 1u

struct stabilizer_obs {
    uint64_t block; /* the block it was observed in */
    int64_t time_ns;  /* that block's time */
    u128 price;     /* FEED_DECIMALS fraction digits, > 0 */
};

struct stabilizer {
    uint16_t asset;
    uint16_t feed;
    uint32_t window_blocks;  /* sustain_blocks..LIMIT_STABILIZER_WINDOW */
    uint32_t sustain_blocks; /* 2..window_blocks */
    uint32_t threshold_ppm;  /* 1..1e6 */
    u128 target;             /* FEED_DECIMALS, 0 < target <= INT64_MAX */
    u128 k;                  /* base units of the asset per unit deviation, > 0 */
    u128 max_per_block;      /* base units; 0 = observe only, no orders */
    struct addr reserve;
    /* observations, a ring: the oldest at obs[first], obs_count of them */
    uint32_t obs_first;
    uint32_t obs_count;
    struct stabilizer_obs obs[LIMIT_STABILIZER_WINDOW];
    /* orders */
    uint64_t ordered_block;  /* the block of the last order (0: none) */
    u128 ordered_in_block;   /* size ordered in ordered_block, both sides */
    uint64_t orders_count;
    uint8_t last_side;       /* STABILIZER_SIDE_* of the last order */
    u128 last_size;
    u128 bought_total;
    u128 sold_total;
};

/* One member of struct engine_state. */
struct stabilizer_book {
    uint32_t count;
    struct stabilizer items[LIMIT_STABILIZERS];
};

struct engine;
struct engine_state;
struct command;
struct event_buf;
struct apply_result;
struct buf;
struct buf_reader;

/* stabilizer_find: the index of asset's stabilizer, or -1. */
int stabilizer_find(const struct engine *e, uint32_t asset);

/* What stabilizer show needs, derived from the state (pure). */
struct stabilizer_view {
    u128 price;              /* the newest observation (0: none yet) */
    u128 twap;               /* 0: no observation yet */
    uint64_t deviation_ppm;  /* floor(|twap - target| x 1e6 / target), saturating */
    int twap_side;           /* +1 above, -1 below beyond the threshold, 0 within */
    int side;                /* the side of the consecutive run: +1, -1, 0 */
    uint32_t consecutive;    /* observations in a row beyond the threshold on `side` */
    int64_t window_ns;       /* newest - oldest observation time in the window */
    u128 reserve_balance;    /* what reserve_account holds of the asset */
};

/* stabilizer_view: the figures of stabilizer `index` (< count) now. */
void stabilizer_view(const struct engine *e, uint32_t index, struct stabilizer_view *out);

/* The reserve sizing rule (seed 001): required = P x T x 3, with P the
 * peak outflow per minute (base units) and T the stabilization window in
 * minutes; ok = reserve >= required. */
struct stabilizer_reserve_rule {
    u128 peak_outflow_per_min;
    uint64_t window_min;
    uint32_t factor; /* STABILIZER_RESERVE_FACTOR */
    u128 required;
    u128 actual;
    int ok;
};

/* stabilizer_reserve_rule: fill *out for (P, T, reserve). ERR_OVERFLOW
 * (out untouched) when P x T x 3 does not fit a u128. */
enum err stabilizer_reserve_rule(u128 peak_outflow_per_min, uint64_t window_min, u128 reserve,
                                 struct stabilizer_reserve_rule *out)
    __attribute__((warn_unused_result));

/* stabilizer_window_min: the stabilization window T in whole minutes,
 * rounded up, from window_ns (at least 1). */
uint64_t stabilizer_window_min(int64_t window_ns);

/* stabilizer_observe: price.update of `feed` at value `price` just landed;
 * feed the stabilizer that reads it (if any) and emit its order (at most
 * one event). Called by the price.update handler after its own checks. */
void stabilizer_observe(struct engine *e, uint16_t feed, u128 price, struct event_buf *events);

/* stabilizer.set (treasury_manager; SPEC 4: 24h timelock by default).
 * Creates the asset's stabilizer (feed, target, k, max_per_block and
 * reserve_account required; window_blocks, sustain_blocks, threshold
 * default to 10, 3, 0.5%) or changes the given parameters of the existing
 * one (a new feed clears the observations; a smaller window drops the
 * oldest). Errors: ERR_INVALID_ARGUMENT (asset not fiat or plain, a
 * missing parameter for a new one, 2 <= sustain <= window <= 32 broken,
 * target above INT64_MAX; detail says which), ERR_UNKNOWN_FEED (a feed
 * index the ledger does not have), ERR_ALREADY_EXISTS (the feed drives
 * another asset's stabilizer), ERR_LIMIT_REACHED (LIMIT_STABILIZERS). */
enum err stabilizer_set_apply(struct engine *e, const struct command *cmd,
                              struct event_buf *events, struct apply_result *out);
/* stabilizer_set_precheck: the same checks, changing nothing (governance
 * runs it when the command is scheduled). */
enum err stabilizer_set_precheck(const struct engine *e, const struct command *cmd,
                                 struct apply_result *out);

/* stabilizer_genesis: the genesis document's `stabilizers:` list (feeds
 * and assets already set in s). ERR_INVALID_GENESIS with a reason in why
 * (an unknown feed: "stabilizer USDW: unknown feed X"). */
enum err stabilizer_genesis(struct engine_state *s, const json_t *list, char *why,
                            size_t why_size) __attribute__((warn_unused_result));

/* State bytes (engine__state_write; snapshots). read: 0 when the section
 * is absent or valid, -1 when the bytes are not a state this module
 * writes. */
void stabilizer_state_write(const struct engine_state *s, struct buf *out);
int stabilizer_state_read(struct buf_reader *r, struct engine_state *s);

#endif
