/*
 * history.c - one journaled request as history entries (see history.h).
 *
 * Two sources, checked against each other: the journaled binary commands
 * (what the ledger decoded and applied; replay runs on them) give each
 * entry its op, and the signed body, read by request_scan (the admission
 * reader itself), gives the arguments as sent. A body that cannot be read,
 * or that disagrees with the binary, marks the entries it concerns
 * "unreadable" and they show the binary's arguments: no journaled command
 * is ever left out of history.
 */
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/duration.h"
#include "request.h"

#define HISTORY__NO_OP UINT16_MAX

/* Why a body could not be read: "ERR_INVALID_JSON: commands[1].reason: ...". */
#define HISTORY__WHY_SIZE 200u

struct history__cmd {
    uint16_t op;      /* from the binary; HISTORY__NO_OP when it did not decode */
    uint16_t body_op; /* from the body; HISTORY__NO_OP when unknown */
    size_t bin_at;    /* where its binary record starts */
    size_t args_at;   /* its arguments as sent, in the args buffer */
    size_t args_len;  /* 0: none read */
};

struct history__read {
    struct history__cmd *cmds;
    uint32_t count;
    struct buf args; /* every command's arguments, as JSON objects back to back */
};

/* request_scan's callback: keep a command's op and its arguments as sent. */
static enum err history__command(void *ctx, uint32_t index, const struct command_arg *args,
                                 uint32_t count, char *why, size_t why_size) {
    struct history__read *h = ctx;
    if (index >= h->count) {
        snprintf(why, why_size, "more commands than the journal holds");
        return ERR_INVALID_JSON;
    }
    struct history__cmd *c = &h->cmds[index];
    struct jw w;
    jw_init(&w, &h->args);
    size_t at = h->args.len;
    jw_object_begin(&w);
    for (uint32_t i = 0; i < count; i++) {
        const struct command_arg *a = &args[i];
        if (a->key_len == 2 && memcmp(a->key, "op", 2) == 0) {
            const struct op_def *def =
                a->type == ARG_STRING ? op_find(a->value, a->value_len) : NULL;
            if (def != NULL) c->body_op = (uint16_t)(def - op_table());
            continue;
        }
        jw_key(&w, a->key);
        if (a->type == ARG_STRING) jw_string_n(&w, a->value, a->value_len);
        else if (a->type == ARG_BOOL) jw_bool(&w, a->value_len == 4);
        else if (a->type == ARG_NUMBER && a->value != NULL) jw_raw(&w, a->value, a->value_len);
        else jw_null(&w);
    }
    jw_object_end(&w);
    c->args_at = at;
    c->args_len = h->args.len - at;
    return ERR_OK;
}

/* Each command's op and where its record starts, from the journaled binary. */
static void history__binary(const struct engine *e, const struct store_request *r,
                            struct history__read *h) {
    struct buf_reader rd;
    buf_reader_init(&rd, r->commands, r->commands ? r->commands_len : 0);
    uint32_t i = 0;
    for (; i < h->count; i++) {
        struct command c;
        h->cmds[i].bin_at = rd.pos;
        if (command_decode_bin(e, &rd, &c) != 0) break;
        h->cmds[i].op = c.op;
    }
    for (; i < h->count; i++) h->cmds[i].op = HISTORY__NO_OP;
}

/* Read the body; on failure, why says so and no argument of it is used. */
static void history__body(const struct store_request *r, struct history__read *h, char *why,
                          size_t why_size) {
    struct request_shape shape;
    char detail[160];
    const uint8_t *body = r->body ? r->body : (const uint8_t *)"";
    enum err err = request_scan(body, r->body ? r->body_len : 0, history__command, h, &shape,
                                detail, sizeof(detail));
    if (!err && !buf_ok(&h->args)) err = ERR_INTERNAL;
    if (!err && shape.dry_run) {
        err = ERR_INVALID_JSON;
        snprintf(detail, sizeof(detail), "the body asks for a dry run");
    }
    if (!err && shape.count != h->count) {
        err = ERR_INVALID_JSON;
        snprintf(detail, sizeof(detail), "the body holds %u commands, the journal %u", shape.count,
                 h->count);
    }
    if (!err) return;
    snprintf(why, why_size, "%s: %s", err_name(err), detail);
    for (uint32_t i = 0; i < h->count; i++) {
        h->cmds[i].args_len = 0;
        h->cmds[i].body_op = HISTORY__NO_OP;
    }
}

/* The arguments the ledger decoded, when the body cannot show them. */
static void history__args_journaled(const struct engine *e, const struct store_request *r,
                                    const struct history__cmd *c, struct jw *w) {
    struct buf_reader rd;
    struct command cmd;
    if (c->op == HISTORY__NO_OP || r->commands == NULL || c->bin_at > r->commands_len) {
        jw_null(w);
        return;
    }
    buf_reader_init(&rd, r->commands + c->bin_at, r->commands_len - c->bin_at);
    if (command_decode_bin(e, &rd, &cmd) != 0) {
        jw_null(w);
        return;
    }
    cmd.present &= ~(CMD_HAS(FIELD_REASON) | CMD_HAS(FIELD_SECRET)); /* only the body has them */
    command_write_args(e, &cmd, w);
}

/* The journaled result of command i: "ok", its code, or "?" when missing. */
static const char *history__result(const struct store_request *r, uint32_t i) {
    if (r->results == NULL || r->results_len < 2 * (size_t)i + 2) return "?";
    unsigned code = (unsigned)r->results[2 * i] | ((unsigned)r->results[2 * i + 1] << 8);
    if (code >= ERR__COUNT) return "?";
    return code == ERR_OK ? "ok" : err_name((enum err)code);
}

struct history__entry {
    uint32_t index;
    const char *op;
    const char *result;
    const char *unreadable; /* NULL: read */
};

static void history__entry(const struct engine *e, const struct store_request *r,
                           const struct history__read *h, uint64_t height, const char *time_text,
                           const struct history__entry *x, struct jw *w) {
    const struct history__cmd *c = &h->cmds[x->index];
    jw_object_begin(w);
    jw_kv_uint(w, "seq", r->first_seq + x->index);
    jw_kv_uint(w, "block", height);
    jw_kv_string(w, "time", time_text);
    jw_kv_string(w, "operator", r->operator_name ? r->operator_name : "?");
    jw_kv_string(w, "op", x->op);
    jw_key(w, "args");
    if (x->unreadable == NULL) jw_raw(w, (const char *)h->args.data + c->args_at, c->args_len);
    else history__args_journaled(e, r, c, w);
    jw_kv_string(w, "result", x->result);
    if (x->unreadable != NULL) jw_kv_string(w, "unreadable", x->unreadable);
    jw_object_end(w);
}

/* Why entry i cannot show the body's arguments, or NULL when it can. */
static const char *history__unreadable(const struct store_request *r, const struct history__cmd *c,
                                       uint32_t i, const char *body_why) {
    if (body_why[0]) return body_why;
    if (c->op != c->body_op) return "the body and the journaled command differ";
    if (r->results == NULL || r->results_len < 2 * (size_t)i + 2) return "no result code journaled";
    return NULL;
}

static const char *history__op_name(const struct history__cmd *c) {
    uint16_t op = c->op != HISTORY__NO_OP ? c->op : c->body_op;
    return op < OP__COUNT ? op_table()[op].name : "?";
}

enum err history_write_request(const struct engine *e, const struct store_request *r,
                               uint64_t height, int64_t time_ns, const char *op, uint32_t max,
                               struct jw *w, struct history_stats *out) {
    memset(out, 0, sizeof(*out));
    uint32_t n = r->commands_count;
    char body_why[HISTORY__WHY_SIZE] = "";
    if (n > LIMIT_BATCH_COMMANDS) {
        snprintf(body_why, sizeof(body_why), "the journal row claims %u commands", n);
        n = LIMIT_BATCH_COMMANDS;
    }
    if (n == 0) return ERR_OK;
    struct history__read h = {calloc(n, sizeof(struct history__cmd)), n, {0}};
    if (h.cmds == NULL) return ERR_INTERNAL;
    buf_init(&h.args);
    history__binary(e, r, &h);
    if (!body_why[0]) history__body(r, &h, body_why, sizeof(body_why));
    char time_text[40];
    time_format_iso(time_ns, time_text);
    for (uint32_t i = n; i-- > 0;) {
        struct history__entry x = {i, history__op_name(&h.cmds[i]), history__result(r, i),
                                   history__unreadable(r, &h.cmds[i], i, body_why)};
        if (x.unreadable != NULL) out->unreadable++;
        if (out->written == max || (op != NULL && op[0] && strcmp(op, x.op) != 0)) continue;
        history__entry(e, r, &h, height, time_text, &x, w);
        out->written++;
    }
    buf_free(&h.args);
    free(h.cmds);
    return ERR_OK;
}
