/*
 * cli_cmd_submit.c - every state-changing subcommand: the row's op, its
 * positionals and flags become one command object POSTed to /api/commands,
 * and the row's sentences describe the result.
 *
 * Field names are the flag names with hyphens as underscores (SPEC 2), so a
 * new op needs a row, not code. Values are passed through untouched (the
 * node validates amounts, addresses and durations, and says why it
 * refuses) with one exception: an amount is written in SPEC 2's canonical
 * form, which is what JSON must carry, so "1200.50" typed is "1200.5"
 * signed (only zeros without value are dropped; the op table says which
 * fields are amounts), and a country code is written in capitals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/err.h"
#include "../base/u128.h"
#include "../engine/command.h"
#include "cli_args.h"
#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_out.h"

/* Set body[name] to a string, turning '-' into '_' in the name. */
static int cli_submit__set(json_t *body, const char *name, json_t *value) {
    char field[64];
    size_t len = strlen(name);
    if (value == NULL || len >= sizeof(field)) {
        json_decref(value);
        return -1;
    }
    for (size_t i = 0; i <= len; i++) field[i] = name[i] == '-' ? '_' : name[i];
    return json_object_set_new(body, field, value);
}

/* The JSON string of a value for field `name` (hyphens allowed) of op `def`:
 * amounts in the canonical form, anything else as typed. */
static json_t *cli_submit__value(const struct op_def *def, const char *name, const char *v) {
    for (unsigned i = 0; def != NULL && i < OP_FIELDS_MAX && def->fields[i].name != NULL; i++) {
        const char *f = def->fields[i].name;
        size_t k = 0;
        while (f[k] != '\0' && (f[k] == name[k] || (f[k] == '_' && name[k] == '-'))) k++;
        if (f[k] != '\0' || name[k] != '\0') continue;
        char text[AMOUNT_TEXT_SIZE];
        if (op_field_is_amount((enum field_kind)def->fields[i].kind) &&
            amount_canonical_text(v, strlen(v), text) > 0) {
            return json_string(text);
        }
        /* A country code as the ledger keeps it ("de" -> "DE"), so that the
         * signed command, history and the confirmation all say DE. */
        if (def->fields[i].kind == FIELD_COUNTRY && strlen(v) == 2) {
            char cc[3] = {v[0], v[1], '\0'};
            for (int c = 0; c < 2; c++) {
                if (cc[c] >= 'a' && cc[c] <= 'z') cc[c] = (char)(cc[c] - 'a' + 'A');
            }
            return json_string(cc);
        }
        break;
    }
    return json_string(v);
}

json_t *cli_cmd_submit_body(const struct cli_ctx *ctx) {
    const struct cli_cmd *row = ctx->args->cmd;
    json_t *body = json_object();
    if (body == NULL) return NULL;
    int failed = cli_submit__set(body, "op", json_string(row->op)) != 0;
    const struct op_def *def = row->op != NULL ? op_find(row->op, strlen(row->op)) : NULL;
    for (size_t k = 0; k < CLI_POS_MAX && row->pos[k].metavar != NULL; k++) {
        const char *v = cli_ctx_pos(ctx, k);
        if (v != NULL && row->pos[k].field != NULL) {
            json_t *value = cli_submit__value(def, row->pos[k].field, v);
            failed |= cli_submit__set(body, row->pos[k].field, value) != 0;
        }
    }
    for (size_t k = 0; k < CLI_FLAGS_MAX && row->flags[k].name != NULL; k++) {
        const char *v = ctx->args->flag_values[k];
        if (v == NULL) continue;
        int is_bool = (row->flags[k].kind & CLI_FLAG_BOOL) != 0;
        json_t *value = is_bool ? json_true() : cli_submit__value(def, row->flags[k].name, v);
        failed |= cli_submit__set(body, row->flags[k].name, value) != 0;
    }
    if (ctx->dry_run) failed |= cli_submit__set(body, "dry_run", json_true()) != 0;
    if (failed) {
        json_decref(body);
        return NULL;
    }
    return body;
}

/* One "{name}", "{name|absent}" or "{name?present, % is the value}". */
static void cli_submit__field(const char *spec, size_t len, const json_t *body, struct buf *out) {
    size_t name_len = strcspn(spec, "|?}");
    if (name_len > len) name_len = len;
    char name[64];
    if (name_len >= sizeof(name)) return;
    memcpy(name, spec, name_len);
    name[name_len] = '\0';
    char value[256];
    const json_t *v = json_object_get(body, name);
    cli_out_text(v, value, sizeof(value));
    char mode = name_len < len ? spec[name_len] : '\0';
    const char *alt = spec + name_len + 1;
    size_t alt_len = name_len < len ? len - name_len - 1 : 0;
    if (mode == '|' && v == NULL) {
        buf_put(out, alt, alt_len);
    } else if (mode == '?') {
        for (size_t i = 0; v != NULL && i < alt_len; i++) {
            if (alt[i] == '%') {
                buf_put(out, value, strlen(value));
            } else {
                buf_put_u8(out, (uint8_t)alt[i]);
            }
        }
    } else if (v != NULL) {
        buf_put(out, value, strlen(value));
    }
}

void cli_cmd_submit_expand(const char *tpl, const json_t *body, struct buf *out) {
    while (*tpl != '\0') {
        const char *close = tpl[0] == '{' ? strchr(tpl, '}') : NULL;
        if (close == NULL) {
            buf_put_u8(out, (uint8_t)*tpl++);
            continue;
        }
        cli_submit__field(tpl + 1, (size_t)(close - tpl - 1), body, out);
        tpl = close + 1;
    }
}

/* 202: a proposal or a timelock entry; its id is what the operator needs. */
static int cli_submit__pending(const struct cli_ctx *ctx, const json_t *pending) {
    if (ctx->json) return CLI_EXIT_PENDING;
    char id[128], eta[128];
    const json_t *proposal = json_object_get(pending, "proposal");
    if (proposal != NULL) {
        cli_out_text(proposal, id, sizeof(id));
        printf("pending: proposal %s awaits more approvals (mintline approve %s)\n", id, id);
        return CLI_EXIT_PENDING;
    }
    cli_out_text(json_object_get(pending, "timelock"), id, sizeof(id));
    cli_out_text(json_object_get(pending, "eta"), eta, sizeof(eta));
    printf("pending: timelock %s, executable from %s (mintline timelock execute %s)\n", id, eta,
           id);
    return CLI_EXIT_PENDING;
}

/* A dry run of a governed command passed every check; say what it would
 * become (SPEC 7's would_be: nothing was created, so no id). */
static void cli_submit__would_be(const json_t *would_be) {
    if (!json_is_object(would_be)) return;
    const json_t *p = json_object_get(would_be, "proposal");
    char needed[32], expires[64], delay[32];
    if (json_is_object(p)) {
        cli_out_field(p, "approvals_needed", needed, sizeof(needed));
        cli_out_field(p, "expires_at", expires, sizeof(expires));
        cli_out_field(p, "timelock", delay, sizeof(delay));
        printf("  when submitted: a proposal needing %s approvals (yours is the first), "
               "expiring %s%s%s\n",
               needed, expires, strcmp(delay, "0s") != 0 ? "; then a timelock of " : "",
               strcmp(delay, "0s") != 0 ? delay : "");
        return;
    }
    const json_t *t = json_object_get(would_be, "timelock");
    char eta[64];
    cli_out_field(t, "eta", eta, sizeof(eta));
    cli_out_field(t, "delay", delay, sizeof(delay));
    printf("  when submitted: a timelock entry executable from %s (a delay of %s)\n", eta, delay);
}

static void cli_submit__events(const json_t *events) {
    size_t i;
    const json_t *ev;
    json_array_foreach(events, i, ev) {
        struct buf line;
        buf_init(&line);
        cli_out_event(ev, &line);
        printf("  event %s\n", cli_out_cstr(&line));
        buf_free(&line);
    }
}

/* An approval or execution that ran its command, which then failed: the
 * approval stands, the command did not happen; say so and exit 1. */
static int cli_submit__failed_run(const struct cli_ctx *ctx, const json_t *executed) {
    if (!json_is_object(executed) || !json_is_false(json_object_get(executed, "ok"))) return -1;
    const json_t *error = json_object_get(executed, "error");
    char code[64], message[256], id[32];
    cli_out_text(json_object_get(error, "code"), code, sizeof(code));
    cli_out_text(json_object_get(error, "message"), message, sizeof(message));
    const json_t *p = json_object_get(executed, "proposal");
    cli_out_text(p ? p : json_object_get(executed, "timelock"), id, sizeof(id));
    cli_out_error(ctx->color_err, code, "%s %s failed: %s", p ? "proposal" : "timelock entry", id,
                  message);
    return CLI_EXIT_REJECTED;
}

static int cli_submit__report(const struct cli_ctx *ctx, const json_t *body, const json_t *doc) {
    const json_t *pending = json_object_get(doc, "pending");
    if (json_is_object(pending)) return cli_submit__pending(ctx, pending);
    int failed = cli_submit__failed_run(ctx, json_object_get(doc, "executed"));
    if (failed >= 0) return failed;
    if (ctx->json) return CLI_EXIT_OK;
    const struct cli_cmd *row = ctx->args->cmd;
    char note[256];
    cli_out_text(json_object_get(doc, "note"), note, sizeof(note));
    int has_note = json_is_string(json_object_get(doc, "note"));
    struct buf line;
    buf_init(&line);
    cli_cmd_submit_expand(ctx->dry_run ? row->dry : row->done, body, &line);
    if (ctx->dry_run) {
        printf("dry run: would %s\n", cli_out_cstr(&line));
        cli_submit__events(json_object_get(doc, "events"));
        if (has_note) printf("  note %s\n", note);
        cli_submit__would_be(json_object_get(doc, "would_be"));
    } else {
        char seq[32], block[32];
        cli_out_text(json_object_get(doc, "seq"), seq, sizeof(seq));
        cli_out_text(json_object_get(doc, "block"), block, sizeof(block));
        printf("%s (seq %s, block %s%s%s)\n", cli_out_cstr(&line), seq, block, has_note ? "; " : "",
               has_note ? note : "");
        /* An approval or execution that ran its command: say so, with what it did. */
        const json_t *executed = json_object_get(doc, "executed");
        if (row->show_events && !json_is_object(executed)) cli_submit__events(json_object_get(doc, "events"));
        if (json_is_true(json_object_get(executed, "ok"))) {
            printf("  ran %s\n", json_object_get(executed, "proposal") ? "the proposal" : "the entry");
            cli_submit__events(json_object_get(doc, "events"));
        }
    }
    buf_free(&line);
    return CLI_EXIT_OK;
}

int cli_cmd_submit(struct cli_ctx *ctx) { return cli_cmd_submit_send(ctx, cli_cmd_submit_body(ctx)); }

int cli_cmd_submit_send(struct cli_ctx *ctx, json_t *body) {
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    if (text == NULL) {
        json_decref(body);
        cli_out_error(ctx->color_err, err_name(ERR_INTERNAL), "out of memory");
        return CLI_EXIT_IO;
    }
    struct cli_reply reply;
    cli_call(ctx, "POST", "/api/commands", text, &reply);
    int rc = cli_reply_finish(ctx, &reply);
    if (rc == CLI_EXIT_OK) rc = cli_submit__report(ctx, body, reply.doc);
    cli_reply_free(&reply);
    free(text);
    json_decref(body);
    return rc;
}
