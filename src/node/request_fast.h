/*
 * request_fast.h - the fast path of request_parse: the common bodies
 * (commands whose arguments are all plain strings naming an asset, an
 * address or an amount: transfer, mint, burn and their kin) decoded in
 * one pass straight into struct command, without the generic tokeniser.
 *
 * It only ever decides a success, and only for a body the generic path
 * (request.c) accepts with the same commands and flags: anything else (an
 * escape, a number, a field of another kind, a duplicate key, an unknown
 * key, a value the decoder refuses, a size limit reached) sends the whole
 * body to the generic path, which alone writes errors. So acceptance and
 * errors are the generic path's by construction; test_request and
 * fuzz_request_fast compare the two paths on generated and hostile bodies.
 */
#ifndef MINTLINE_NODE_REQUEST_FAST_H
#define MINTLINE_NODE_REQUEST_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "request.h"

/* request_fast_parse: body[0..len) must already be JSON text as jtext.h
 * defines it (jtext_check passed) and at most LIMIT_BODY_BATCH_BYTES.
 * Returns 1 when decided: *out holds the commands (malloc'd,
 * request_cmds_free) and flags, exactly as request_parse would give them.
 * Returns 0 when the body needs the generic path: *out is empty then. */
int request_fast_parse(const struct engine *e, const uint8_t *body, size_t len,
                       uint32_t operator_index, struct request_cmds *out)
    __attribute__((warn_unused_result));

#endif
