/*
 * ledger.h - the value-moving ops: mint, burn, transfer.
 *
 * Each runs the SPEC 3 controls that apply to it, in SPEC order, after the
 * engine has checked authorisation (item 1), then changes balances, supply
 * and day counters, and emits one event. Nothing allocates here.
 */
#ifndef MINTLINE_ENGINE_LEDGER_H
#define MINTLINE_ENGINE_LEDGER_H

#include "command.h"

enum err ledger_mint_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                           struct apply_result *out);
enum err ledger_burn_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                           struct apply_result *out);
enum err ledger_transfer_apply(struct engine *e, const struct command *cmd,
                               struct event_buf *events, struct apply_result *out);

/* ledger_move: move amount of asset from one holder to another, keeping
 * the holder count exact (no checks: the caller has made them; the source
 * holds at least amount). */
void ledger_move(struct engine *e, uint16_t asset, const struct addr *from, const struct addr *to,
                 u128 amount);

/* ledger_move_partition: ledger_move, and the same amount between the
 * partition's records when partition >= 0 (the source holds it there). */
void ledger_move_partition(struct engine *e, uint16_t asset, int partition, const struct addr *from,
                           const struct addr *to, u128 amount);

/* ledger_check_receiver: SPEC 3 item 5 for cmd->amount of cmd->asset moving
 * from `from` (NULL: a mint) to `to`, for the ops that take a "partition"
 * field: the partition resolved into *partition (-1: none), the receiver's
 * identity, claims, country, the partition's rules, the holder count and
 * max_balance; lockup_applies for a holder's transfer (not an agent's
 * tool). ERR_OK at once for an asset that is not a security and a command
 * naming no partition. */
enum err ledger_check_receiver(const struct engine *e, const struct command *cmd,
                               const struct addr *from, const struct addr *to, int lockup_applies,
                               int *partition);

#endif
