/*
 * reserve.h - the reserve oracle of fiat assets (SPEC 6) and check 11.
 *
 * Each reserve_reporter's latest report per asset counts while younger than
 * an hour; the verified reserve is the median of the fresh reports when at
 * least reserve_quorum reporters have one (the lower middle for an even
 * count: the conservative one). A mint of a fiat asset needs the quorum and
 * a verified reserve covering supply + amount (money multiplier <= 1).
 */
#ifndef MINTLINE_ENGINE_RESERVE_H
#define MINTLINE_ENGINE_RESERVE_H

#include "command.h"

struct engine;

/* reserve_verified: 1 and *verified when the quorum is met at time_ns,
 * else 0; *fresh is the number of fresh reports either way. */
int reserve_verified(const struct engine *e, uint32_t asset, int64_t time_ns, u128 *verified,
                     uint32_t *fresh);

/* reserve_mint_check: SPEC 3 item 11 for a mint of amount. */
enum err reserve_mint_check(const struct engine *e, uint32_t asset, u128 amount);

/* reserve_backed_supply: the part of a fiat asset's supply the reserve
 * backs: the supply less what vaults owe in it (vault debt is backed by
 * its collateral: vault.h). What check 11, the reserve ratio of status and
 * /metrics, and so the reserve alerts, all divide by. */
u128 reserve_backed_supply(const struct engine *e, uint32_t asset);

enum err reserve_report_apply(struct engine *e, const struct command *cmd,
                              struct event_buf *events, struct apply_result *out);
enum err reserve_attest_apply(struct engine *e, const struct command *cmd,
                              struct event_buf *events, struct apply_result *out);

#endif
