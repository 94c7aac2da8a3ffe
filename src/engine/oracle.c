/* oracle.c - price feeds: update, freeze, unfreeze, staleness. */
#include "oracle.h"

#include "engine.h"
#include "engine_internal.h"

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
    return ERR_OK;
}

static enum err oracle__set_frozen(struct engine *e, const struct command *cmd,
                                   struct event_buf *events, struct apply_result *out,
                                   uint8_t frozen) {
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

enum err oracle_freeze_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                             struct apply_result *out) {
    return oracle__set_frozen(e, cmd, events, out, 1);
}

enum err oracle_unfreeze_apply(struct engine *e, const struct command *cmd,
                               struct event_buf *events, struct apply_result *out) {
    return oracle__set_frozen(e, cmd, events, out, 0);
}
