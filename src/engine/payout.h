/*
 * payout.h - payouts (SPEC 6 "Payouts"): a snapshot of an asset's holders,
 * a payout of another asset from that snapshot, and its distribution, all
 * legs or none.
 *
 * State. A snapshot's balances are records of the holdings table, keyed
 * (KEY_PAYOUT + id - 1, holder) -> the holder's balance when the snapshot
 * was taken (keys.h), so the undo log, the state hash, engine snapshots and
 * block aborts cover them with no code of their own; later transfers never
 * touch them. The headers of snapshots and payouts are fixed tables in the
 * small state (struct engine_state), written into the state bytes in a
 * "pay" section that exists only once a snapshot was taken, so ledgers
 * from before keep their state hashes. Ids are 1-based table indexes:
 * nothing is ever removed.
 *
 * The split. The recipients are the snapshot's holders but the distributor
 * (its own share stays with it: treasury holdings earn no dividend), sorted
 * by address; each gets floor(amount * balance / W) and the units left
 * over go one each to the largest remainders, ties to the lower address
 * (split_pro_rata), so the legs sum exactly to the amount paid. The amount
 * is the payout's total (full mode) or what the distributor holds unfrozen,
 * at most the total (pro-rata mode). Legs are never stored: they follow
 * from the snapshot, the distributor and the amount, and payout_plan
 * recomputes them for reads exactly as they were paid.
 *
 * Room. payout.snapshot and payout.distribute write a record per holder;
 * payout_room bounds that on the state before the block (engine.c's
 * engine_command_room adds it). A payout is distributed in a later block
 * than the one that created it (ERR_PAYOUT_NOT_READY), so every distribute
 * in a block pays a payout the block's start state knows.
 *
 * Allocation: snapshot and distribute collect and sort the holders (like
 * por.publish, not on the transfer path); ERR_INTERNAL when memory cannot
 * be had. Never: I/O, clock, floating point.
 */
#ifndef MINTLINE_ENGINE_PAYOUT_H
#define MINTLINE_ENGINE_PAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "../base/addr.h"
#include "../base/err.h"
#include "../base/limits.h"
#include "../base/u128.h"

#define PAYOUT_FULL 0u
#define PAYOUT_PRO_RATA 1u

/* How many recipients without a tax_form claim ERR_TAX_FORM_MISSING's
 * detail names (the rest are counted; payout show lists them all). */
#define PAYOUT_DETAIL_ADDRESSES 2u

/* A snapshot: asset's holders as of the command that took it. */
struct payout_snapshot {
    uint16_t asset;
    uint32_t holders; /* records (non-zero balances) */
    uint64_t block;   /* the block that took it */
    uint64_t seq;     /* the command that took it */
    int64_t time_ns;
    u128 total;       /* the sum of the balances (the asset's supply then) */
};

/* A payout: `total` of asset `pay` from `from`, split over a snapshot. */
struct payout {
    uint64_t snapshot; /* snapshot id */
    uint16_t pay;      /* the asset paid */
    uint8_t mode;      /* PAYOUT_FULL or PAYOUT_PRO_RATA */
    uint8_t distributed;
    uint32_t recipients; /* the snapshot's holders but the distributor */
    struct addr from;    /* the distributor */
    u128 total;
    uint64_t created_block;
    uint64_t created_seq;
    int64_t created_ns;
    /* once distributed: when, what was paid, how many non-zero legs */
    uint64_t distributed_block;
    uint64_t distributed_seq;
    int64_t distributed_ns;
    u128 paid;
    uint32_t legs;
};

struct engine;
struct engine_state;
struct command;
struct event_buf;
struct apply_result;
struct buf;
struct buf_reader;

/* The ops. payout.snapshot {asset}: any asset kind (ERR_LIMIT_REACHED when
 * the table is full). payout.create {snapshot, pay, total, from, mode}:
 * ERR_NOT_FOUND (no such snapshot), ERR_PARTITION (pay has partitions),
 * ERR_BLACKLISTED / ERR_FROZEN (the distributor, for the paid asset),
 * ERR_INVALID_ARGUMENT (no holder but the distributor), ERR_LIMIT_REACHED.
 * payout.distribute {id}: ERR_NOT_FOUND, ERR_ALREADY_DISTRIBUTED,
 * ERR_PAYOUT_NOT_READY, then per leg SPEC 3's checks as a transfer of the
 * paid asset from the distributor: ERR_PAUSED, ERR_BLACKLISTED,
 * ERR_FROZEN (distributor first), ERR_PARTITION, the funding
 * (ERR_UNDERFUNDED_FULL_MODE; ERR_INSUFFICIENT_BALANCE in pro-rata mode
 * when nothing is held), each recipient's blacklist and freeze,
 * ERR_TAX_FORM_MISSING (every recipient of a non-zero leg needs a valid
 * tax_form claim; the detail lists them), and check 5 per recipient when
 * the paid asset is a security. ERR_INTERNAL when memory cannot be had.
 * Failures write out->detail (which recipient, which amounts). */
enum err payout_snapshot_apply(struct engine *e, const struct command *cmd,
                               struct event_buf *events, struct apply_result *out);
enum err payout_create_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                             struct apply_result *out);
enum err payout_distribute_apply(struct engine *e, const struct command *cmd,
                                 struct event_buf *events, struct apply_result *out);

/* payout_preflight: every check payout.distribute of payout `id` would
 * make now, in its order, changing nothing: ERR_OK, or the error it would
 * return with out->detail written (out's other fields untouched). What
 * `payout show` reports for an open payout. */
enum err payout_preflight(const struct engine *e, uint64_t id, struct apply_result *out);

/* payout_room: the holdings records cmd may insert beyond a command's
 * own, judged on the state before its block: a snapshot of A, A's holders
 * then, plus one per command the block may hold before it (each can add a
 * holder), plus every open payout's recipients paying A (their distribution
 * can add as many); a distribute, its payout's recipients (0 when the
 * payout is unknown or distributed: it will fail). 0 for other ops.
 * payout_room_max: the most any snapshot or distribute may need now. */
uint32_t payout_room(const struct engine *e, const struct command *cmd);
uint32_t payout_room_max(const struct engine *e);

/* The legs of a payout, recomputed (sorted by address; the distributor is
 * not among them). For a distributed payout `amount` is what was paid and
 * the legs are the ones paid; for an open one they are what a distribution
 * would pay now. Arrays owned by the plan, n entries each. */
struct payout_plan {
    uint32_t n;
    struct addr *to;
    u128 *weight; /* snapshot balance */
    u128 *leg;    /* amount paid (or to pay) */
    u128 amount;  /* sum of the legs */
    u128 available; /* the distributor's unfrozen balance of the paid asset now */
    u128 distributor_weight; /* its own snapshot balance (0: not a holder) */
};

/* payout_plan_build: the plan of payout `id` (ERR_NOT_FOUND when none);
 * ERR_INTERNAL when memory cannot be had (nothing to free then). */
enum err payout_plan_build(const struct engine *e, uint64_t id, struct payout_plan *out)
    __attribute__((warn_unused_result));
void payout_plan_free(struct payout_plan *p);

/* payout_snapshot_holders: snapshot `id`'s records sorted by address into
 * new arrays (*addrs, *balances, *n; freed by the caller with free()).
 * ERR_NOT_FOUND, ERR_INTERNAL. */
enum err payout_snapshot_holders(const struct engine *e, uint64_t id, struct addr **addrs,
                                 u128 **balances, uint32_t *n) __attribute__((warn_unused_result));

/* payout_open_count: payouts created and not yet distributed. */
uint32_t payout_open_count(const struct engine *e);

/* State bytes: the "pay" section (after the proof-of-reserves one) when a
 * snapshot exists. Reading is a no-op when the section is absent; -1 on any
 * value out of range (s has its assets and height already). */
void payout_state_write(const struct engine_state *s, struct buf *out);
int payout_state_read(struct buf_reader *r, struct engine_state *s);

/* payout_key_valid: could key (in KEY_PAYOUT..KEY_PAYOUT_END) hold a
 * record in this state? */
int payout_key_valid(const struct engine_state *s, uint16_t key);

/* payout_check_invariants: every snapshot has exactly its header's count
 * and total in records; payouts refer to what exists. 0 or -1. */
int payout_check_invariants(const struct engine *e);

#endif
