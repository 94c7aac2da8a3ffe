/* engine_internal.h - helpers shared by the engine's modules (engine__*). */
#ifndef MINTLINE_ENGINE_INTERNAL_H
#define MINTLINE_ENGINE_INTERNAL_H

#include "engine.h"

/* engine__emit: append a zeroed event of `type` for `asset` (or
 * EVENT_NO_ASSET); engine_apply fills seq and time. Room is asserted. */
struct event *engine__emit(struct event_buf *events, enum event_type type, uint16_t asset);

/* engine__state_write: the canonical bytes of the small state (the state
 * hash input and the first part of a snapshot). */
struct buf;
void engine__state_write(const struct engine_state *s, struct buf *out);
/* engine__governance_write: the governance part of the above. */
void engine__governance_write(const struct engine_state *s, struct buf *out);

/* engine__key_valid: could (key, any address) hold `value` in this state?
 * (keys.h; the snapshot loader reads untrusted records through it). */
int engine__key_valid(const struct engine_state *s, uint16_t key, u128 value);

#endif
