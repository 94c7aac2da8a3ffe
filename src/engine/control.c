/*
 * control.c - global and per-asset pause, and the manual clock.
 *
 * Governance and incident tools keep working while paused; only mint, burn
 * and transfer look at the pause flags (ledger.c).
 */
#include "control.h"

#include "engine.h"
#include "engine_internal.h"

static enum err control__set_pause(struct engine *e, const struct command *cmd,
                                   struct event_buf *events, struct apply_result *out,
                                   uint8_t paused) {
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

enum err control_pause_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                             struct apply_result *out) {
    return control__set_pause(e, cmd, events, out, 1);
}

enum err control_unpause_apply(struct engine *e, const struct command *cmd,
                               struct event_buf *events, struct apply_result *out) {
    return control__set_pause(e, cmd, events, out, 0);
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
