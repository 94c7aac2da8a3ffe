/*
 * oracle.h - price feeds (SPEC 6): collateral prices the vaults will read.
 *
 * Feeds are named in the genesis with their maximum age; oracle_updaters
 * publish values (8 fraction digits), oracle_managers freeze and unfreeze
 * them. A frozen feed takes no update (ERR_ORACLE_FROZEN); a frozen or stale
 * feed is what blocks the commands that depend on it.
 */
#ifndef MINTLINE_ENGINE_ORACLE_H
#define MINTLINE_ENGINE_ORACLE_H

#include "command.h"

struct engine;

/* oracle_feed_stale: no value yet, or older than its max age at time_ns. */
int oracle_feed_stale(const struct engine *e, uint32_t feed, int64_t time_ns);

/* oracle_nav_check: SPEC 3 item 10 for a fund's mint or burn at time_ns:
 * ERR_NAV_MISSING before the first NAV, ERR_NAV_STALE past nav_max_age. */
enum err oracle_nav_check(const struct engine *e, uint32_t asset, int64_t time_ns);

/* nav.update (deviation-checked) and nav.force (with a reason). */
/* nav.update and nav.force (the op says which) */
enum err oracle_nav_set_apply(struct engine *e, const struct command *cmd,
                              struct event_buf *events, struct apply_result *out);

enum err oracle_price_update_apply(struct engine *e, const struct command *cmd,
                                   struct event_buf *events, struct apply_result *out);
/* oracle.freeze and oracle.unfreeze (the op says which) */
enum err oracle_freeze_unfreeze_apply(struct engine *e, const struct command *cmd,
                                      struct event_buf *events, struct apply_result *out);

#endif
