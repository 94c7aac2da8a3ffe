/*
 * restrict.h - blacklists and freezes (SPEC 3 items 3 and 4, SPEC 4's agent
 * tools), kept as records of the holdings table so that the undo log, the
 * state hash, snapshots and seal's clean-up cover them like balances:
 *
 *   (RESTRICT_ADDRESS, addr)     bit 0 blacklisted, bit 1 frozen (all assets)
 *   (RESTRICT_ASSET | a, addr)   bit 127 frozen for asset a; the low 127 bits
 *                                the partially frozen amount of a
 *
 * e->s.restricted_count counts these records; while it is zero the value-
 * moving ops skip every lookup here (the common case costs nothing).
 */
#ifndef MINTLINE_ENGINE_RESTRICT_H
#define MINTLINE_ENGINE_RESTRICT_H

#include "command.h"
#include "keys.h"

#define RESTRICT_ADDRESS KEY_RESTRICT_ADDRESS
#define RESTRICT_ASSET KEY_RESTRICT_ASSET
#define RESTRICT_BLACKLISTED 1u
#define RESTRICT_FROZEN 2u
#define RESTRICT_ASSET_FROZEN ((u128)1 << 127)
#define RESTRICT_AMOUNT_MASK (RESTRICT_ASSET_FROZEN - 1)


/* Reads (0 when there is no record). */
uint32_t restrict_address_flags(const struct engine *e, const struct addr *a);
u128 restrict_frozen_amount(const struct engine *e, uint16_t asset, const struct addr *a);
int restrict_asset_frozen(const struct engine *e, uint16_t asset, const struct addr *a);

/* restrict_check: SPEC 3 items 3 then 4 for the parties of a command
 * (either may be NULL): ERR_BLACKLISTED, ERR_FROZEN or ERR_OK. */
enum err restrict_check(const struct engine *e, uint16_t asset, const struct addr *first,
                        const struct addr *second);

/* restrict_set_frozen_amount: write the partially frozen amount of (asset,
 * addr), keeping the asset-frozen bit (logged; keeps restricted_count). */
void restrict_set_frozen_amount(struct engine *e, uint16_t asset, const struct addr *a, u128 amount);

/* blacklist.add and blacklist.remove (the op says which) */
enum err restrict_blacklist_add_remove_apply(struct engine *e, const struct command *cmd,
                                             struct event_buf *events, struct apply_result *out);
/* freeze and unfreeze (the op says which) */
enum err restrict_freeze_unfreeze_apply(struct engine *e, const struct command *cmd,
                                        struct event_buf *events, struct apply_result *out);
enum err restrict_forced_transfer_apply(struct engine *e, const struct command *cmd,
                                        struct event_buf *events, struct apply_result *out);
enum err restrict_recover_apply(struct engine *e, const struct command *cmd,
                                struct event_buf *events, struct apply_result *out);
enum err restrict_rescue_apply(struct engine *e, const struct command *cmd,
                               struct event_buf *events, struct apply_result *out);

#endif
