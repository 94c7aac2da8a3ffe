/* explain.h - the words an operator needs after a refusal (issue 13 item 4).
 *
 * An error code says what went wrong; the detail says what to do: the role
 * (and asset) an op needs, how much of a daily limit is used and when the
 * day resets, how old or how far off a NAV is, the verified reserve against
 * supply + amount. Computed from the state after the refusal, which a
 * refused command leaves as it found it, so only the refusal path pays for
 * it: nothing here runs for a command that succeeds. Pure: no I/O, no
 * clock (the ledger's own time), no allocation. */
#ifndef MINTLINE_ENGINE_EXPLAIN_H
#define MINTLINE_ENGINE_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

struct engine;
struct command;

/* explain_refusal: write the detail of `err` for `cmd` (as refused in the
 * engine's current state) into detail (size bytes, NUL-terminated, cut to
 * fit). Writes nothing for a code it has no words for, leaving detail as
 * it was. */
void explain_refusal(const struct engine *e, const struct command *cmd, enum err err,
                     char *detail, size_t size);

/* explain_percent: ppm as a percentage without trailing zeros ("12.5%"),
 * into out (24 bytes). */
void explain_percent(uint32_t ppm, char out[24]);

/* explain_age: a duration as people read it ("5h 2m", "3m 10s", "40s",
 * "2d 4h"), into out (32 bytes). Negative counts as 0. */
void explain_age(int64_t ns, char out[32]);

#endif
