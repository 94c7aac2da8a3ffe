/*
 * genesis.h - block 0: the first operators, roles, assets and limits.
 *
 * Input is the genesis document as JSON (the node converts the operator's
 * YAML into it, keeping every scalar as a string). Validation is complete
 * before anything is set; on error the engine is left as it was.
 */
#ifndef MINTLINE_ENGINE_GENESIS_H
#define MINTLINE_ENGINE_GENESIS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

struct engine;

/* engine_genesis: set up an empty engine from the genesis document at
 * time_ns (block 0's time). ERR_INVALID_GENESIS with a reason in why. */
enum err engine_genesis(struct engine *e, const json_t *doc, int64_t time_ns, char *why,
                        size_t why_size) __attribute__((warn_unused_result));

/* name_valid / symbol_valid: SPEC 2 patterns. */
int name_valid(const char *name, size_t len);
int symbol_valid(const char *symbol, size_t len);

#endif
