/*
 * control.c - global and per-asset pause, and the manual clock.
 *
 * Governance and incident tools keep working while paused; only mint, burn
 * and transfer look at the pause flags (ledger.c).
 */
#include "control.h"

#include "engine.h"
#include "engine_internal.h"

enum err control_pause_unpause_apply(struct engine *e, const struct command *cmd,
                                     struct event_buf *events, struct apply_result *out) {
    uint8_t paused = cmd->op == OP_PAUSE;
    int scoped = (cmd->present & CMD_HAS_ASSET) != 0;
    uint8_t *flag = scoped ? &e->s.assets[cmd->asset].paused : &e->s.paused;
    uint32_t already = *flag == paused;
    *flag = paused;
    if (already) out->note = paused ? "already paused" : "not paused";
    struct event *ev = engine__emit(events, paused ? EVENT_PAUSED : EVENT_UNPAUSED,
                                    scoped ? cmd->asset : EVENT_NO_ASSET);
    ev->flags = already;
    return ERR_OK;
}

enum err control_dev_advance_apply(struct engine *e, const struct command *cmd,
                                   struct event_buf *events, struct apply_result *out) {
    (void)out;
    if (cmd->duration_ns <= 0) return ERR_INVALID_DURATION;
    int64_t time_ns;
    if (__builtin_add_overflow(e->s.time_ns, cmd->duration_ns, &time_ns)) return ERR_INVALID_DURATION;
    e->s.time_ns = time_ns;
    struct event *ev = engine__emit(events, EVENT_CLOCK_ADVANCED, EVENT_NO_ASSET);
    ev->value = cmd->duration_ns;
    return ERR_OK;
}

enum err control_mint_halt_resume_apply(struct engine *e, const struct command *cmd,
                                        struct event_buf *events, struct apply_result *out) {
    uint8_t halted = cmd->op == OP_MINT_HALT;
    uint8_t *flag = &e->s.assets[cmd->asset].mint_halted;
    uint32_t already = *flag == halted;
    *flag = halted;
    if (already) out->note = halted ? "already halted" : "not halted";
    struct event *ev = engine__emit(events, halted ? EVENT_MINT_HALTED : EVENT_MINT_RESUMED, cmd->asset);
    ev->flags = already;
    return ERR_OK;
}

/* One limit: set the value and its flag, and say so in an event. */
static void control__cap(struct engine *e, const struct command *cmd, struct event_buf *events,
                         enum field_kind kind, uint32_t flag, u128 *slot, u128 value) {
    if (!(cmd->present & CMD_HAS(kind))) return;
    struct asset *a = &e->s.assets[cmd->asset];
    *slot = value;
    a->limit_flags |= flag;
    struct event *ev = engine__emit(events, EVENT_CAPS_SET, cmd->asset);
    ev->ref_op = (uint16_t)kind;
    ev->amount = value;
}

enum err control_caps_set_apply(struct engine *e, const struct command *cmd,
                                struct event_buf *events, struct apply_result *out) {
    (void)out;
    uint64_t limits = CMD_HAS(FIELD_SUPPLY_CAP) | CMD_HAS(FIELD_MINT_LIMIT) | CMD_HAS(FIELD_INFLOW_LIMIT);
    if (!(cmd->present & limits)) return ERR_MISSING_FIELD;
    struct asset *a = &e->s.assets[cmd->asset];
    control__cap(e, cmd, events, FIELD_SUPPLY_CAP, ASSET_HAS_SUPPLY_CAP, &a->supply_cap, cmd->supply_cap);
    control__cap(e, cmd, events, FIELD_MINT_LIMIT, ASSET_HAS_DAILY_MINT_LIMIT, &a->daily_mint_limit,
                 cmd->daily_mint_limit);
    control__cap(e, cmd, events, FIELD_INFLOW_LIMIT, ASSET_HAS_DAILY_INFLOW_LIMIT,
                 &a->daily_inflow_limit, cmd->daily_inflow_limit);
    return ERR_OK;
}
