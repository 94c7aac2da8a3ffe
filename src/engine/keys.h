/*
 * keys.h - the key space of the holdings table. A holding is keyed by
 * (key, address); the key says what the record holds:
 *
 *   0 .. LIMIT_ASSETS-1            the address's balance of asset `key`
 *                                  (for a partitioned asset: the total
 *                                  over its partitions)
 *   KEY_PARTITION | p << 8 | a     its balance in partition p of asset a
 *   KEY_PAYOUT .. KEY_PAYOUT_END   payout snapshots (payout.h)
 *   KEY_RESTRICT_ASSET | a         freeze state for asset a (restrict.h)
 *   KEY_BRIDGE_RECEIPT             an inbound bridge transaction received:
 *                                  the address is a digest of (chain, tx
 *                                  hash), the value the amount (bridge.h)
 *   KEY_IDENTITY                   the identity and claims (compliance.h)
 *   KEY_RESTRICT_ADDRESS           blacklist and freeze flags (restrict.h)
 *
 * Being holdings, every record gets the undo log, the state hash,
 * snapshots and seal's clean-up (a record whose value is 0 is gone).
 */
#ifndef MINTLINE_ENGINE_KEYS_H
#define MINTLINE_ENGINE_KEYS_H

#include <stdint.h>

#include "../base/limits.h"

#define KEY_PARTITION 0x4000u
#define KEY_PARTITION_END (KEY_PARTITION + (LIMIT_PARTITIONS << 8))
#define KEY_PAYOUT 0x2000u
#define KEY_PAYOUT_END 0x4000u
#define KEY_RESTRICT_ASSET 0x8000u
#define KEY_IDENTITY 0xFFFEu
#define KEY_BRIDGE_RECEIPT 0xFFFDu
#define KEY_RESTRICT_ADDRESS 0xFFFFu

_Static_assert(LIMIT_ASSETS <= 256u, "an asset index fits the low byte of a partition key");
_Static_assert(KEY_PARTITION_END <= KEY_RESTRICT_ASSET, "partition keys below restriction keys");
_Static_assert(LIMIT_PAYOUT_SNAPSHOTS <= KEY_PAYOUT_END - KEY_PAYOUT, "a key per payout snapshot");

static inline int key_is_balance(uint16_t key) { return key < LIMIT_ASSETS; }

static inline int key_is_partition(uint16_t key) {
    return key >= KEY_PARTITION && key < KEY_PARTITION_END;
}

static inline uint16_t key_partition(uint16_t asset, unsigned partition) {
    return (uint16_t)(KEY_PARTITION | (partition << 8) | asset);
}

static inline int key_is_payout(uint16_t key) { return key >= KEY_PAYOUT && key < KEY_PAYOUT_END; }

static inline int key_is_restriction(uint16_t key) {
    return key == KEY_RESTRICT_ADDRESS || (key >= KEY_RESTRICT_ASSET && key < KEY_RESTRICT_ASSET + LIMIT_ASSETS);
}

#endif
