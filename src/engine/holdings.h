/*
 * holdings.h - balances keyed by (asset, address): an open-addressing hash
 * table with linear probing, tombstones, and an undo log.
 *
 * Layout is private: nothing outside iterates it in an order that reaches
 * output or a hash. Slots never move during a block (inserts do not shift
 * others; deletions become tombstones at seal), so the undo log can name
 * slots by index. Growth (rehash) happens only in holdings_reserve, when
 * the undo log is empty.
 *
 * Every change to a slot appends an undo record (the slot's old flags and
 * balance) first: rollback replays them backwards; seal reads the first
 * record of each slot touched in the block (marked by HOLDING_DIRTY) to fold
 * old and new values into the order-independent state accumulator.
 */
#ifndef MINTLINE_ENGINE_HOLDINGS_H
#define MINTLINE_ENGINE_HOLDINGS_H

#include <stdint.h>

#include "../base/addr.h"
#include "../base/err.h"
#include "../base/u128.h"

#define HOLDING_USED 1u
#define HOLDING_TOMB 2u
#define HOLDING_DIRTY 4u

#define HOLDINGS_NONE UINT32_MAX
/* Undo records one command may need at most (a recover: two balances, an
 * insert, two restriction records and their insert). */
#define HOLDINGS_UNDO_PER_COMMAND 8u

/* 40 bytes: the balance is two halves so the slot needs only 8-byte alignment. */
struct holding {
    uint8_t addr[ADDR_BYTES];
    uint16_t asset;
    uint16_t flags;
    uint64_t balance_lo;
    uint64_t balance_hi;
};

struct holding_undo {
    uint32_t slot;
    uint16_t flags;
    uint16_t asset;
    uint64_t balance_lo;
    uint64_t balance_hi;
};

struct holdings {
    struct holding *slots;
    uint32_t mask;        /* capacity - 1; capacity is a power of two */
    uint32_t used_count;  /* USED slots */
    uint32_t tomb_count;  /* TOMB slots */
    struct holding_undo *undo;
    uint32_t undo_len;
    uint32_t undo_cap;
};

static inline u128 holding_balance(const struct holding *h) {
    return ((u128)h->balance_hi << 64) | h->balance_lo;
}

/* holdings_open: empty table with capacity for `hint` entries and an undo
 * log of undo_cap records. ERR_INTERNAL on allocation failure (nothing to
 * free then). */
enum err holdings_open(struct holdings *h, uint32_t hint, uint32_t undo_cap)
    __attribute__((warn_unused_result));
void holdings_close(struct holdings *h);

/* holdings_reserve: room for `more` inserts without passing 3/4 load.
 * Rehashes (dropping tombstones) when needed; requires an empty undo log.
 * ERR_LIMIT_REACHED beyond LIMIT_HOLDINGS, ERR_INTERNAL on no memory. */
enum err holdings_reserve(struct holdings *h, uint32_t more) __attribute__((warn_unused_result));

/* holdings_undo_reserve: an undo log of at least `records` records (grown
 * between blocks only: requires an empty log). ERR_INTERNAL on no memory. */
enum err holdings_undo_reserve(struct holdings *h, uint64_t records) __attribute__((warn_unused_result));

/* holdings_find: slot of (asset, addr), or HOLDINGS_NONE. */
uint32_t holdings_find(const struct holdings *h, uint16_t asset, const struct addr *addr);

/* holdings_prefetch: hint the CPU to load (asset, addr)'s home slot; a
 * caller applying a batch prefetches a few commands ahead so that random
 * lookups in a large table overlap instead of stalling one by one. */
void holdings_prefetch(const struct holdings *h, uint16_t asset, const struct addr *addr);

/* holdings_upsert: slot of (asset, addr), inserting it with balance 0 when
 * absent (logged). Room must have been reserved (asserted). */
uint32_t holdings_upsert(struct holdings *h, uint16_t asset, const struct addr *addr);

/* holdings_set_balance: set a slot's balance (logged). */
void holdings_set_balance(struct holdings *h, uint32_t slot, u128 balance);

/* holdings_undo_room: records left in the undo log. */
uint32_t holdings_undo_room(const struct holdings *h);

/* holdings_rollback: undo every change logged after position `undo_len`. */
void holdings_rollback(struct holdings *h, uint32_t undo_len);

/* holdings_seal: fold the logged changes into acc (a 256-bit sum of entry
 * hashes), turn emptied entries into tombstones, clear the log. */
void holdings_seal(struct holdings *h, uint64_t acc[4]);

/* holdings_fold: holdings_seal but the log is kept, so that a block the
 * store could not journal can still be rolled back whole with
 * holdings_rollback(h, 0): rollback restores each slot's flags from its
 * record and recounts used and tombstoned slots from the flags it
 * replaces, so tombstones made here are undone exactly. The caller ends
 * the block with holdings_forget or holdings_rollback(h, 0); the acc it
 * passed must then be restored by the caller on rollback. */
void holdings_fold(struct holdings *h, uint64_t acc[4]);

/* holdings_forget: clear the log (the folded block is kept). */
void holdings_forget(struct holdings *h);

/* holdings_entry_hash_add: acc += H(asset, addr, balance) (sign +1) or
 * acc -= H(...) (sign -1). Exposed for the snapshot loader. */
void holdings_acc_apply(uint64_t acc[4], const struct holding *entry, u128 balance, int sign);

/* The entry hash's implementations: the same function (libsodium's
 * SipHash-2-4-128 under the two state keys), compiled for three
 * instruction sets (AVX-512: eight entries in 8-lane vectors); seal uses
 * the fastest the CPU has. */
enum holdings_hash_impl { HOLDINGS_HASH_PORTABLE, HOLDINGS_HASH_AVX2, HOLDINGS_HASH_AVX512 };

/* holdings_hash_impl_available: 1 when this CPU runs `impl`. */
int holdings_hash_impl_available(enum holdings_hash_impl impl);

/* Entries the implementations hash at once (one per vector lane). */
#define HOLDINGS_LANES 8u

/* holdings_entry_hash_with: w = H(asset, addr, balance) computed by `impl`
 * (which must be available) in vector lane `lane` (< HOLDINGS_LANES; the
 * other lanes hash other balances): for tests that hold every variant and
 * lane to the reference. */
void holdings_entry_hash_with(enum holdings_hash_impl impl, unsigned lane,
                              const struct holding *entry, u128 balance, uint64_t w[4]);

/* holdings_next: iterate USED slots: start with *slot = 0; returns the
 * entry and advances *slot, or NULL at the end. Order is layout order:
 * callers that output or hash must not depend on it. */
const struct holding *holdings_next(const struct holdings *h, uint32_t *slot);

#endif
