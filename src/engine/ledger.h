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

#endif
