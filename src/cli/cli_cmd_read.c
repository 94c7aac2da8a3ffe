/*
 * cli_cmd_read.c - the reading subcommands: `balance SYM ADDR`, `account
 * show ADDR` and `history` (`status` is cli_cmd_status.c). Each is one signed GET; with
 * --json the node's document is printed as received, otherwise a short
 * aligned form of it.
 *
 * Amounts are the node's decimal strings, shown through cli_fmt: grouped
 * by thousands in table cells, canonical in key=value text.
 */
#include <stdio.h>
#include <string.h>

#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_fmt.h"
#include "cli_http.h"
#include "cli_out.h"

/* "balance  100 ACME", "frozen  0 ACME", then one line per partition. */
static int cli_read__balance(const json_t *doc) {
    char asset[64], text[256], label[96];
    cli_out_field(doc, "asset", asset, sizeof(asset));
    struct cli_table t;
    cli_table_init(&t, 2);
    cli_table_cell(&t, "balance");
    cli_fmt_value("balance", json_object_get(doc, "balance"), CLI_FMT_CELL, label, sizeof(label));
    snprintf(text, sizeof(text), "%s %s", label, asset);
    cli_table_cell(&t, text);
    cli_table_cell(&t, "frozen");
    cli_fmt_value("frozen", json_object_get(doc, "frozen"), CLI_FMT_CELL, label, sizeof(label));
    snprintf(text, sizeof(text), "%s %s%s", label, asset,
             json_is_true(json_object_get(doc, "asset_frozen")) ? " (asset frozen)" : "");
    cli_table_cell(&t, text);
    const char *name;
    const json_t *p;
    json_object_foreach((json_t *)json_object_get(doc, "partitions"), name, p) {
        char clean[40];
        snprintf(clean, sizeof(clean), "%s", name);
        cli_out_clean(clean);
        snprintf(text, sizeof(text), "  %s", clean);
        cli_table_cell(&t, text);
        cli_fmt_value("balance", p, CLI_FMT_CELL, label, sizeof(label));
        snprintf(text, sizeof(text), "%s %s", label, asset);
        cli_table_cell(&t, text);
    }
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

int cli_cmd_balance(struct cli_ctx *ctx) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/assets/", 12);
    cli_http_encode(&path, cli_ctx_pos(ctx, 0));
    buf_put(&path, "/balances/", 10);
    cli_http_encode(&path, cli_ctx_pos(ctx, 1));
    struct cli_reply reply;
    int rc = cli_get(ctx, &path, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        rc = cli_read__balance(reply.doc);
    }
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}

/* One balance row, and one per partition under it ("ACME:REG_D"). */
static void cli_read__holding(struct cli_table *t, const char *sym, const json_t *h) {
    char text[160];
    cli_table_cell(t, sym);
    cli_fmt_value("balance", json_object_get(h, "balance"), CLI_FMT_CELL, text, sizeof(text));
    cli_table_cell(t, text);
    cli_fmt_value("frozen", json_object_get(h, "frozen"), CLI_FMT_CELL, text, sizeof(text));
    if (json_is_true(json_object_get(h, "asset_frozen"))) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof(text) - n, " (asset frozen)");
    }
    cli_table_cell(t, text);
    const char *name;
    const json_t *p;
    json_object_foreach((json_t *)json_object_get(h, "partitions"), name, p) {
        char label[128];
        snprintf(label, sizeof(label), "%s:%s", sym, name);
        cli_table_cell(t, label);
        if (json_is_object(p)) {
            cli_fmt_value("balance", json_object_get(p, "balance"), CLI_FMT_CELL, text, sizeof(text));
            cli_table_cell(t, text);
            cli_fmt_value("frozen", json_object_get(p, "frozen"), CLI_FMT_CELL, text, sizeof(text));
            cli_table_cell(t, text);
        } else {
            cli_fmt_value("balance", p, CLI_FMT_CELL, text, sizeof(text));
            cli_table_cell(t, text);
            cli_table_cell(t, "-");
        }
    }
}

/* An identity in one line: "US, individual; kyc until 2027-12-01, accredited
 * EXPIRED 2026-01-01", or "none" (identity show has the whole of it). */
static void cli_read__identity(const json_t *id, char *out, size_t size) {
    if (!json_is_object(id)) {
        snprintf(out, size, "none");
        return;
    }
    char country[16], type[32];
    cli_out_field(id, "country", country, sizeof(country));
    cli_out_field(id, "investor_type", type, sizeof(type));
    int typed = strcmp(type, "-") != 0;
    int n = snprintf(out, size, "%s%s%s", country, typed ? ", " : "", typed ? type : "");
    size_t used = n > 0 && (size_t)n < size ? (size_t)n : 0;
    const char *topic;
    const json_t *c;
    const char *sep = "; ";
    json_object_foreach((json_t *)json_object_get(id, "claims"), topic, c) {
        char expires[32];
        cli_out_field(c, "expires", expires, sizeof(expires));
        n = snprintf(out + used, size - used, "%s%s %s %s", sep, topic,
                     json_is_true(json_object_get(c, "valid")) ? "until" : "EXPIRED", expires);
        sep = ", ";
        if (n < 0 || (size_t)n >= size - used) break;
        used += (size_t)n;
    }
    cli_out_clean(out);
}

static int cli_read__account(const json_t *doc) {
    char text[512];
    struct cli_table head;
    cli_table_init(&head, 2);
    static const char *const keys[] = {"address", "blacklisted", "frozen"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        cli_table_cell(&head, keys[i]);
        cli_table_cell(&head, cli_out_field(doc, keys[i], text, sizeof(text)));
    }
    cli_table_cell(&head, "identity");
    cli_read__identity(json_object_get(doc, "identity"), text, sizeof(text));
    cli_table_cell(&head, text);
    int rc = cli_table_print(&head, stdout);
    cli_table_free(&head);
    struct cli_table t;
    cli_table_init(&t, 3);
    cli_table_cell(&t, "ASSET");
    cli_table_cell(&t, "BALANCE");
    cli_table_cell(&t, "FROZEN");
    const char *sym;
    const json_t *h;
    json_object_foreach((json_t *)json_object_get(doc, "balances"), sym, h) {
        cli_read__holding(&t, sym, h);
    }
    printf("\n");
    if (cli_table_print(&t, stdout) != 0) rc = -1;
    cli_table_free(&t);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

int cli_cmd_account_show(struct cli_ctx *ctx) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/accounts/", 14);
    cli_http_encode(&path, cli_ctx_pos(ctx, 0));
    struct cli_reply reply;
    int rc = cli_get(ctx, &path, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) rc = cli_read__account(reply.doc);
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}

/* A history entry's RESULT: "ok", the code, "pending proposal 3" for a
 * command that waits, and what an approval or execution released:
 * "ok (proposal 3: ok)", "ok (proposal 3: ERR_…)", "ok (proposal 3:
 * pending timelock 4)". */
static void cli_read__history_result(const json_t *e, char *out, size_t out_size) {
    char result[48], id[24];
    cli_out_field(e, "result", result, sizeof(result));
    const json_t *p = json_object_get(e, "proposal");
    const json_t *tl = json_object_get(e, "timelock");
    const json_t *rel = json_object_get(e, "released");
    if (strcmp(result, "pending") == 0 && (p != NULL || tl != NULL)) {
        cli_out_text(p != NULL ? p : tl, id, sizeof(id));
        snprintf(out, out_size, "pending %s %s", p != NULL ? "proposal" : "timelock", id);
        return;
    }
    if (!json_is_object(rel)) {
        snprintf(out, out_size, "%s", result);
        return;
    }
    const json_t *rp = json_object_get(rel, "proposal");
    char rid[24], rres[48], entry[24];
    cli_out_text(rp != NULL ? rp : json_object_get(rel, "timelock"), rid, sizeof(rid));
    cli_out_field(rel, "result", rres, sizeof(rres));
    if (rp != NULL && json_object_get(rel, "timelock") != NULL) {
        cli_out_text(json_object_get(rel, "timelock"), entry, sizeof(entry));
        snprintf(out, out_size, "%s (proposal %s: pending timelock %s)", result, rid, entry);
        return;
    }
    snprintf(out, out_size, "%s (%s %s: %s)", result, rp != NULL ? "proposal" : "timelock", rid,
             rres);
}

static void cli_read__history_row(struct cli_table *t, const json_t *e) {
    static const char *const keys[] = {"seq", "block", "time", "operator", "op"};
    char text[160];
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        cli_table_cell(t, cli_out_field(e, keys[k], text, sizeof(text)));
    }
    char result[256];
    cli_read__history_result(e, result, sizeof(result));
    cli_table_cell(t, result);
    struct buf args;
    buf_init(&args);
    cli_fmt_pairs(json_object_get(e, "args"), json_string_value(json_object_get(e, "op")), &args);
    cli_table_cell(t, args.len > 0 ? cli_out_cstr(&args) : "-");
    buf_free(&args);
}

int cli_cmd_history(struct cli_ctx *ctx) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/history", 12);
    cli_http_query(&path, "limit", cli_ctx_flag(ctx, "limit"));
    cli_http_query(&path, "op", cli_ctx_flag(ctx, "op"));
    cli_http_query(&path, "operator", cli_ctx_flag(ctx, "operator"));
    struct cli_reply reply;
    int rc = cli_get(ctx, &path, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        static const char *const head[] = {"SEQ", "BLOCK",  "TIME", "OPERATOR",
                                           "OP",  "RESULT", "ARGS"};
        struct cli_table t;
        cli_table_init(&t, sizeof(head) / sizeof(head[0]));
        for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) cli_table_cell(&t, head[i]);
        size_t i;
        const json_t *e;
        json_array_foreach(json_object_get(reply.doc, "history"), i, e) {
            cli_read__history_row(&t, e);
        }
        rc = cli_table_print(&t, stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
        cli_table_free(&t);
    }
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}
