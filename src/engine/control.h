/*
 * control.h - pauses (global and per asset) and the manual clock.
 *
 * Pausing what is paused, or unpausing what is not, succeeds and says so
 * (SPEC 3): an operator re-running a pause in an emergency is never met
 * with an error.
 */
#ifndef MINTLINE_ENGINE_CONTROL_H
#define MINTLINE_ENGINE_CONTROL_H

#include "command.h"

/* pause and unpause (the op says which) */
enum err control_pause_unpause_apply(struct engine *e, const struct command *cmd,
                                     struct event_buf *events, struct apply_result *out);
enum err control_dev_advance_apply(struct engine *e, const struct command *cmd,
                                   struct event_buf *events, struct apply_result *out);

/* mint_halt and mint_resume (the op says which) */
enum err control_mint_halt_resume_apply(struct engine *e, const struct command *cmd,
                                        struct event_buf *events, struct apply_result *out);
enum err control_caps_set_apply(struct engine *e, const struct command *cmd,
                                struct event_buf *events, struct apply_result *out);

#endif
