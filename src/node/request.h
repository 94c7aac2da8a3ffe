/*
 * request.h - a POST /api/commands body: one command, or a batch under one
 * signature, with the dry_run and atomic flags. Shared by the HTTP layer
 * (live) and audit (which re-derives the journaled commands from the
 * signed bytes).
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
};

/* request_parse: decode and validate a body for the operator. Errors:
 * ERR_BODY_TOO_LARGE (a single command over 1 MiB), ERR_INVALID_JSON,
 * ERR_BATCH_TOO_LARGE, ERR_UNKNOWN_FIELD, ERR_INVALID_ARGUMENT (empty
 * batch, non-boolean flag) and every command_decode error; why names the
 * place ("commands[3].amount"). out->cmds is malloc'd on success
 * (request_cmds_free). */
enum err request_parse(const struct engine *e, const uint8_t *body, size_t len,
                       uint32_t operator_index, struct request_cmds *out, char *why,
                       size_t why_size) __attribute__((warn_unused_result));
void request_cmds_free(struct request_cmds *r);

#endif
