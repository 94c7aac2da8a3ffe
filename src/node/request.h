/*
 * request.h - a POST /api/commands body: one command, or a batch under one
 * signature, with the dry_run and atomic flags. Shared by the HTTP layer
 * (admission), audit (which re-derives the journaled commands from the
 * signed bytes) and history (which shows them): all three read a body
 * through request_scan, so what admission accepts the others read alike.
 */
#ifndef MINTLINE_NODE_REQUEST_H
#define MINTLINE_NODE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "../engine/engine.h"

struct request_cmds {
    struct command *cmds;
    uint32_t count;
    int batch;
    int atomic;
    int dry_run;
    int reply_errors; /* a batch's "reply": "errors": the compact answer (SPEC 7) */
};

/* What request_scan saw besides the commands. */
struct request_shape {
    uint32_t count; /* command objects handed to the callback */
    int batch;      /* {"commands": [...]} rather than one command */
    int atomic;
    int dry_run;
    int reply_errors; /* "reply": "errors" ("full", the default, leaves it 0) */
};

/* A command object as the client wrote it: its fields in order ("op"
 * included; a single command's "dry_run" left out), strings decoded and
 * checked (jtext_decoded), no key twice. args and their texts live until
 * the callback returns. Return ERR_OK to go on; another code stops the
 * scan and is its result, with why (why_size bytes) naming the field: the
 * scan puts "commands[i]." before it for a batch. */
typedef enum err (*request_command_fn)(void *ctx, uint32_t index, const struct command_arg *args,
                                       uint32_t count, char *why, size_t why_size);

/* request_scan: check a body and hand each command object to fn, in
 * order. The body must be JSON text as jtext.h defines it, an object,
 * either one command or {"commands": [objects], "atomic"?, "dry_run"?,
 * "reply"?}, with no key twice in any object, only booleans for the flags
 * and "full" or "errors" for a batch's "reply".
 * Errors: ERR_BODY_TOO_LARGE (a body over 16 MiB, a single command over
 * 1 MiB), ERR_INVALID_JSON (outside the definition, which the message
 * places: "commands[1].reason: lone surrogate escape (byte 97)"; a
 * duplicate key, named; not an object where a command belongs),
 * ERR_BATCH_TOO_LARGE, ERR_UNKNOWN_FIELD, ERR_INVALID_ARGUMENT (empty
 * batch, non-boolean flag, a reply other than "full" or "errors"), and
 * whatever fn returns. why is always valid UTF-8. *out is written whatever
 * the result. */
enum err request_scan(const uint8_t *body, size_t len, request_command_fn fn, void *ctx,
                      struct request_shape *out, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* request_parse: request_scan, decoding every command for the operator
 * (command_decode_args). Errors: request_scan's and every command_decode
 * error; why names the place ("commands[3].amount"). out->cmds is
 * malloc'd on success (request_cmds_free); on error *out is empty. */
enum err request_parse(const struct engine *e, const uint8_t *body, size_t len,
                       uint32_t operator_index, struct request_cmds *out, char *why,
                       size_t why_size) __attribute__((warn_unused_result));

/* request_parse_journaled: request_parse for a body the journal holds,
 * read by audit and history: the same text rules (one definition of JSON
 * text: an attack body admitted by an older node still fails), but an
 * amount in a spelling admission now refuses ("1200.50", "007", accepted
 * before amounts had to be canonical) is read as the value it spells. */
enum err request_parse_journaled(const struct engine *e, const uint8_t *body, size_t len,
                                 uint32_t operator_index, struct request_cmds *out, char *why,
                                 size_t why_size) __attribute__((warn_unused_result));
/* request_parse_generic: request_parse (journaled 0) or
 * request_parse_journaled (1) by the generic path alone, without the fast
 * path for the common shapes (request_fast.h). Same results, same errors:
 * test_request and fuzz_request_fast compare the two. */
enum err request_parse_generic(const struct engine *e, const uint8_t *body, size_t len,
                               uint32_t operator_index, int journaled, struct request_cmds *out,
                               char *why, size_t why_size) __attribute__((warn_unused_result));
void request_cmds_free(struct request_cmds *r);

#endif
