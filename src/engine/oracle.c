/* oracle.c - price feeds: update, freeze, unfreeze, staleness. */
#include "oracle.h"

#include "engine.h"
#include "engine_internal.h"
#include "stabilizer.h"

int oracle_feed_stale(const struct engine *e, uint32_t feed, int64_t time_ns) {
    const struct feed *f = &e->s.feeds[feed];
    return f->value == 0 || time_ns - f->updated_ns > f->max_age_ns;
}

enum err oracle_price_update_apply(struct engine *e, const struct command *cmd,
                                   struct event_buf *events, struct apply_result *out) {
    (void)out;
    struct feed *f = &e->s.feeds[cmd->feed];
    if (f->frozen) return ERR_ORACLE_FROZEN;
    f->value = cmd->price;
    f->updated_ns = e->s.time_ns;
    struct event *ev = engine__emit(events, EVENT_PRICE_UPDATED, (uint16_t)EVENT_NO_ASSET);
    ev->who = cmd->feed;
    ev->amount = cmd->price;
    if (e->s.stab.count) stabilizer_observe(e, cmd->feed, cmd->price, events);
    return ERR_OK;
}

enum err oracle_freeze_unfreeze_apply(struct engine *e, const struct command *cmd,
                                      struct event_buf *events, struct apply_result *out) {
    uint8_t frozen = cmd->op == OP_ORACLE_FREEZE;
    struct feed *f = &e->s.feeds[cmd->feed];
    uint32_t already = f->frozen == frozen;
    f->frozen = frozen;
    if (already) out->note = frozen ? "already frozen" : "not frozen";
    struct event *ev = engine__emit(events, frozen ? EVENT_ORACLE_FROZEN : EVENT_ORACLE_UNFROZEN,
                                    (uint16_t)EVENT_NO_ASSET);
    ev->who = cmd->feed;
    ev->flags = already;
    return ERR_OK;
}

enum err oracle_nav_check(const struct engine *e, uint32_t asset, int64_t time_ns) {
    const struct asset *a = &e->s.assets[asset];
    if (a->kind != ASSET_FUND) return ERR_OK;
    if (a->nav_updated_ns == 0) return ERR_NAV_MISSING;
    if (time_ns - a->nav_updated_ns > a->nav_max_age_ns) return ERR_NAV_STALE;
    return ERR_OK;
}

/* |new - old| / old in parts per million, saturating; 0 for a first NAV. */
static uint32_t oracle__deviation_ppm(u128 old, u128 value) {
    if (old == 0) return 0;
    u128 diff = value > old ? value - old : old - value;
    uint64_t ppm = u128_ratio_ppm(diff, old);
    return ppm > UINT32_MAX ? UINT32_MAX : (uint32_t)ppm;
}

/* nav.update and nav.force (the op says which: a force skips the deviation
 * check and is counted). */
enum err oracle_nav_set_apply(struct engine *e, const struct command *cmd,
                              struct event_buf *events, struct apply_result *out) {
    (void)out;
    int forced = cmd->op == OP_NAV_FORCE;
    struct asset *a = &e->s.assets[cmd->asset];
    if (a->kind != ASSET_FUND) return ERR_INVALID_ARGUMENT;
    uint32_t dev = oracle__deviation_ppm(a->nav, cmd->price);
    if (!forced && dev > a->nav_max_deviation_ppm) return ERR_NAV_DEVIATION;
    struct event *ev = engine__emit(events, EVENT_NAV_UPDATED, cmd->asset);
    ev->amount = cmd->price;
    ev->value = (int64_t)dev;
    ev->flags = (uint32_t)forced;
    ev->ref_id = (uint64_t)(a->nav >> 64) == 0 ? (uint64_t)a->nav : UINT64_MAX; /* previous, for display */
    a->nav = cmd->price;
    a->nav_updated_ns = e->s.time_ns;
    a->nav_deviation_ppm = dev;
    if (forced) a->nav_force_count++;
    return ERR_OK;
}

