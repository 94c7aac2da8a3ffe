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
    size_t text_at;   /* its text argument as sent, in the texts buffer */
    size_t text_len;
    int has_text;
    /* From the block's events (history__governance): the command became a
     * proposal or a timelock entry (pending: HISTORY__PROPOSAL or
     * HISTORY__TIMELOCK, with its id and an entry's eta); or it released
     * one (an approval, a timelock execution): released, its id and the
     * released command's result (ERR_OK, its code, or scheduled: a
     * timelock entry, released_entry, that waits in turn). */
    uint8_t pending;
    uint64_t pending_id;
    int64_t pending_eta_ns;
    uint8_t released;
    uint64_t released_id;
    uint16_t released_code;
    uint64_t released_entry;
    int64_t released_entry_eta_ns;
    /* An approval that released a timelock.expedite: the expedited
     * entry's result (its TIMELOCK_FAILED code; ERR_OK when it ran), which
     * is what the approval's answer reported. */
    uint16_t released_entry_code;
};

#define HISTORY__PROPOSAL 1
#define HISTORY__TIMELOCK 2

struct history__read {
    struct history__cmd *cmds;
    uint32_t count;
    struct buf args;  /* every command's arguments, as JSON objects back to back */
    struct buf texts; /* the text arguments (history_item.text), each NUL-terminated */
};

/* The op a command object names, or HISTORY__NO_OP. */
static uint16_t history__args_op(const struct command_arg *args, uint32_t count) {
    for (uint32_t i = 0; i < count; i++) {
        const struct command_arg *a = &args[i];
        if (a->key_len != 2 || memcmp(a->key, "op", 2) != 0 || a->type != ARG_STRING) continue;
        const struct op_def *def = op_find(a->value, a->value_len);
        return def != NULL ? (uint16_t)(def - op_table()) : HISTORY__NO_OP;
    }
    return HISTORY__NO_OP;
}

/* Keep the first argument of op whose kind is a text only the body holds
 * in full (a title, a note, a summary, a reason). */
static void history__text(struct history__read *h, struct history__cmd *c,
                          const struct command_arg *a) {
    if (c->has_text || c->body_op == HISTORY__NO_OP || a->type != ARG_STRING) return;
    const struct op_def *def = &op_table()[c->body_op];
    for (unsigned k = 0; k < OP_FIELDS_MAX && def->fields[k].name != NULL; k++) {
        const struct op_field *f = &def->fields[k];
        if (f->kind != FIELD_TEXT && f->kind != FIELD_REASON) continue;
        if (strlen(f->name) != a->key_len || memcmp(f->name, a->key, a->key_len) != 0) continue;
        c->text_at = h->texts.len;
        c->text_len = a->value_len;
        buf_put(&h->texts, a->value, a->value_len);
        buf_put_u8(&h->texts, 0);
        c->has_text = 1;
        return;
    }
}

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
    c->body_op = history__args_op(args, count);
    jw_object_begin(&w);
    for (uint32_t i = 0; i < count; i++) {
        const struct command_arg *a = &args[i];
        if (a->key_len == 2 && memcmp(a->key, "op", 2) == 0) continue;
        history__text(h, c, a);
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
    if (!err && (!buf_ok(&h->args) || !buf_ok(&h->texts))) err = ERR_INTERNAL;
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
        h->cmds[i].has_text = 0;
    }
}

/* Which commands of request r became a proposal or a timelock entry, and
 * which released one, from the governance events of its block (when the
 * scan brought them: store_request.block_events). An event whose ref_op
 * is the command's own op is what the command became; from an approval or
 * an execution (another op) it is what the command released. */
static void history__governance(const struct store_request *r, struct history__read *h) {
    if (r->block_events == NULL) return;
    struct buf_reader rd;
    buf_reader_init(&rd, r->block_events, r->block_events_len);
    struct event ev;
    while (rd.pos < rd.len && event_decode(&rd, &ev) == 0) {
        if (ev.command_seq < r->first_seq || ev.command_seq - r->first_seq >= h->count) continue;
        struct history__cmd *c = &h->cmds[ev.command_seq - r->first_seq];
        int own = c->op != HISTORY__NO_OP && ev.ref_op == c->op;
        unsigned t = ev.type;
        if (t == EVENT_PROPOSAL_CREATED) {
            if (own && !c->pending) {
                c->pending = HISTORY__PROPOSAL;
                c->pending_id = ev.ref_id;
            }
        } else if (t == EVENT_TIMELOCK_SCHEDULED) {
            if (own && !c->pending) {
                c->pending = HISTORY__TIMELOCK;
                c->pending_id = ev.ref_id;
                c->pending_eta_ns = ev.value;
            } else if (!own) {
                c->released = HISTORY__PROPOSAL; /* its id: the approval's event, just before */
                c->released_entry = ev.ref_id;
                c->released_entry_eta_ns = ev.value;
            }
        } else if (t == EVENT_PROPOSAL_APPROVED) {
            if (!c->released) c->released_id = ev.ref_id; /* released only if it ran or waits */
        } else if (t == EVENT_PROPOSAL_EXECUTED || t == EVENT_PROPOSAL_FAILED) {
            c->released = HISTORY__PROPOSAL;
            c->released_id = ev.ref_id;
            c->released_code = t == EVENT_PROPOSAL_FAILED ? ev.code : ERR_OK;
        } else if (t == EVENT_TIMELOCK_EXECUTED || t == EVENT_TIMELOCK_FAILED ||
                   t == EVENT_TIMELOCK_EXPEDITED) {
            if (c->released == HISTORY__PROPOSAL) { /* an approval that released an expedite */
                if (t == EVENT_TIMELOCK_FAILED) c->released_entry_code = ev.code;
                continue;
            }
            c->released = HISTORY__TIMELOCK;
            c->released_id = ev.ref_id;
            if (t == EVENT_TIMELOCK_FAILED) c->released_code = ev.code;
        }
    }
}

/* "released": what an approval or an execution released, and its result. */
static void history__released(const struct history__cmd *c, struct jw *w) {
    jw_key(w, "released");
    jw_object_begin(w);
    jw_kv_uint(w, c->released == HISTORY__PROPOSAL ? "proposal" : "timelock", c->released_id);
    if (c->released_entry != 0) {
        jw_kv_string(w, "result", "pending");
        jw_kv_uint(w, "timelock", c->released_entry);
    } else {
        jw_kv_string(w, "result", c->released_code == ERR_OK || c->released_code >= ERR__COUNT
                                      ? "ok"
                                      : err_name((enum err)c->released_code));
    }
    jw_object_end(w);
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
    int waits = c->pending != 0 && strcmp(x->result, "ok") == 0;
    jw_kv_string(w, "result", waits ? "pending" : x->result);
    if (waits) {
        jw_kv_uint(w, c->pending == HISTORY__PROPOSAL ? "proposal" : "timelock", c->pending_id);
        if (c->pending == HISTORY__TIMELOCK) {
            char eta[40];
            time_format_iso(c->pending_eta_ns, eta);
            jw_kv_string(w, "eta", eta);
        }
    }
    if (c->released != 0 && strcmp(x->result, "ok") == 0) history__released(c, w);
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

/* Read request r's commands (both sources; the body only with_body);
 * body_why says why the body could not be read ("" when it could).
 * ERR_INTERNAL: out of memory. */
static enum err history__load(const struct engine *e, const struct store_request *r,
                              int with_body, struct history__read *h,
                              char body_why[HISTORY__WHY_SIZE]) {
    uint32_t n = r->commands_count;
    body_why[0] = '\0';
    if (n > LIMIT_BATCH_COMMANDS) {
        snprintf(body_why, HISTORY__WHY_SIZE, "the journal row claims %u commands", n);
        n = LIMIT_BATCH_COMMANDS;
    }
    memset(h, 0, sizeof(*h));
    buf_init(&h->args);
    buf_init(&h->texts);
    if (n == 0) return ERR_OK;
    h->cmds = calloc(n, sizeof(struct history__cmd));
    if (h->cmds == NULL) return ERR_INTERNAL;
    h->count = n;
    history__binary(e, r, h);
    history__governance(r, h);
    if (with_body && !body_why[0]) history__body(r, h, body_why, HISTORY__WHY_SIZE);
    return ERR_OK;
}

static void history__unload(struct history__read *h) {
    buf_free(&h->args);
    buf_free(&h->texts);
    free(h->cmds);
}

enum err history_write_request(const struct engine *e, const struct store_request *r,
                               uint64_t height, int64_t time_ns, const char *op, uint32_t max,
                               struct jw *w, struct history_stats *out) {
    memset(out, 0, sizeof(*out));
    char body_why[HISTORY__WHY_SIZE];
    struct history__read h;
    enum err err = history__load(e, r, 1, &h, body_why);
    if (err || h.count == 0) {
        history__unload(&h);
        return err;
    }
    char time_text[40];
    time_format_iso(time_ns, time_text);
    for (uint32_t i = h.count; i-- > 0;) {
        struct history__entry x = {i, history__op_name(&h.cmds[i]), history__result(r, i),
                                   history__unreadable(r, &h.cmds[i], i, body_why)};
        if (x.unreadable != NULL) out->unreadable++;
        if (out->written == max || (op != NULL && op[0] && strcmp(op, x.op) != 0)) continue;
        history__entry(e, r, &h, height, time_text, &x, w);
        out->written++;
    }
    history__unload(&h);
    return ERR_OK;
}

enum err history_each(const struct engine *e, const struct store_request *r, history_item_fn fn,
                      void *ctx) {
    char body_why[HISTORY__WHY_SIZE];
    struct history__read h;
    enum err err = history__load(e, r, 1, &h, body_why);
    for (uint32_t i = 0; !err && i < h.count; i++) {
        const struct history__cmd *c = &h.cmds[i];
        struct command cmd;
        struct buf_reader rd;
        int decoded = 0;
        if (c->op != HISTORY__NO_OP && r->commands != NULL && c->bin_at <= r->commands_len) {
            buf_reader_init(&rd, r->commands + c->bin_at, r->commands_len - c->bin_at);
            decoded = command_decode_bin(e, &rd, &cmd) == 0;
        }
        struct history_item it;
        memset(&it, 0, sizeof(it));
        it.seq = r->first_seq + i;
        it.index = i;
        it.op = history__op_name(c);
        it.result = history__result(r, i);
        it.cmd = decoded ? &cmd : NULL;
        it.unreadable = history__unreadable(r, c, i, body_why);
        if (it.unreadable == NULL) {
            it.args = (const char *)h.args.data + c->args_at;
            it.args_len = c->args_len;
            if (c->has_text) {
                it.text = (const char *)h.texts.data + c->text_at;
                it.text_len = c->text_len;
            }
        }
        if (fn(ctx, &it) != 0) break;
    }
    history__unload(&h);
    return err;
}

void history_item_args(const struct engine *e, const struct history_item *it, struct jw *w) {
    if (it->args != NULL) {
        jw_raw(w, it->args, it->args_len);
        return;
    }
    if (it->cmd == NULL) {
        jw_null(w);
        return;
    }
    struct command cmd = *it->cmd;
    cmd.present &= ~(CMD_HAS(FIELD_REASON) | CMD_HAS(FIELD_SECRET)); /* only the body has them */
    command_write_args(e, &cmd, w);
}

/* What command c's answer said it became or released (see history_outcomes). */
static void history__outcome(const struct history__cmd *c, struct apply_result *ar) {
    if (c->pending != 0) {
        ar->pending = c->pending == HISTORY__PROPOSAL ? APPLY_PROPOSED : APPLY_SCHEDULED;
        ar->pending_id = c->pending_id;
        ar->eta_ns = c->pending_eta_ns;
    } else if (c->released_entry != 0) { /* the last approval: its command now waits */
        ar->pending = APPLY_SCHEDULED;
        ar->pending_id = c->released_entry;
        ar->eta_ns = c->released_entry_eta_ns;
    } else if (c->released != 0) {
        unsigned code = c->released_code != ERR_OK ? c->released_code : c->released_entry_code;
        ar->ran_id = c->released_id;
        ar->ran_err = code < ERR__COUNT ? (enum err)code : ERR_INTERNAL;
    } else if (c->released_id != 0) { /* an approval, not yet the last */
        ar->pending = APPLY_PROPOSED;
        ar->pending_id = c->released_id;
    }
}

enum err history_outcomes(const struct engine *e, const struct store_request *r,
                          struct apply_result *ars) {
    char body_why[HISTORY__WHY_SIZE];
    struct history__read h;
    enum err err = history__load(e, r, 0, &h, body_why);
    if (!err && h.count != r->commands_count) err = ERR_INTERNAL; /* a row over the batch limit */
    for (uint32_t i = 0; !err && i < h.count; i++) {
        memset(&ars[i], 0, sizeof(ars[i]));
        ars[i].seq = r->first_seq + i;
        history__outcome(&h.cmds[i], &ars[i]);
    }
    history__unload(&h);
    return err;
}
