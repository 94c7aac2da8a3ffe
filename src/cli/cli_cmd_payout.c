/*
 * cli_cmd_payout.c - the payout reads: `payout show ID [--offset N]
 * [--limit N]` (one payout, its snapshot and a page of its legs) and
 * `payout list` (every payout and snapshot). The state changes (`payout
 * snapshot`, `payout create`, `payout distribute`) are plain rows of the
 * table submitted by cli_cmd_submit.
 */
#include <stdio.h>
#include <string.h>

#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_http.h"
#include "cli_fmt.h"
#include "cli_out.h"

/* The header lines of `payout show`. */
static void cli_payout__summary(const json_t *doc) {
    char id[32], status[32], pay[64], from[64], mode[32], total[64], block[32], at[64];
    char sid[32], sasset[64], sblock[32], holders[32], stotal[64], paid[64], legs[32];
    const json_t *snap = json_object_get(doc, "snapshot_info");
    printf("payout       %s (%s)\n", cli_out_field(doc, "id", id, sizeof(id)),
           cli_out_field(doc, "status", status, sizeof(status)));
    printf("snapshot     %s: %s at block %s, %s holders, total %s\n",
           cli_out_field(snap, "id", sid, sizeof(sid)),
           cli_out_field(snap, "asset", sasset, sizeof(sasset)),
           cli_out_field(snap, "block", sblock, sizeof(sblock)),
           cli_out_field(snap, "holders", holders, sizeof(holders)),
           cli_out_field(snap, "total", stotal, sizeof(stotal)));
    printf("pays         %s %s from %s, mode %s\n", cli_out_field(doc, "total", total, sizeof(total)),
           cli_out_field(doc, "pay", pay, sizeof(pay)), cli_out_field(doc, "from", from, sizeof(from)),
           cli_out_field(doc, "mode", mode, sizeof(mode)));
    printf("created      block %s, %s\n", cli_out_field(doc, "created_block", block, sizeof(block)),
           cli_out_field(doc, "created_at", at, sizeof(at)));
    if (json_is_string(json_object_get(doc, "paid"))) {
        printf("distributed  block %s, %s: paid %s %s in %s legs\n",
               cli_out_field(doc, "distributed_block", block, sizeof(block)),
               cli_out_field(doc, "distributed_at", at, sizeof(at)),
               cli_out_field(doc, "paid", paid, sizeof(paid)), pay,
               cli_out_field(doc, "legs_paid", legs, sizeof(legs)));
        return;
    }
    char amount[64], available[64], missing[32];
    printf("would pay    %s %s now (the distributor holds %s free; %s); tax forms missing: %s\n",
           cli_out_field(doc, "amount", amount, sizeof(amount)), pay,
           cli_out_field(doc, "available", available, sizeof(available)),
           json_is_true(json_object_get(doc, "funded")) ? "funded" : "NOT funded",
           cli_out_field(doc, "tax_forms_missing", missing, sizeof(missing)));
    const json_t *pre = json_object_get(doc, "preflight");
    if (json_is_true(json_object_get(pre, "ok"))) {
        printf("preflight    ok: a distribution now passes every check\n");
    } else if (json_is_object(pre)) {
        char code[64], message[400];
        const json_t *error = json_object_get(pre, "error");
        printf("preflight    %s: %s\n", cli_out_field(error, "code", code, sizeof(code)),
               cli_out_field(error, "message", message, sizeof(message)));
    }
}

static int cli_payout__legs(const json_t *doc) {
    int open = !json_is_string(json_object_get(doc, "paid"));
    static const char *const head[] = {"ADDRESS", "SNAPSHOT BALANCE", "AMOUNT", "TAX FORM"};
    size_t cols = open ? 4 : 3;
    struct cli_table t;
    cli_table_init(&t, cols);
    for (size_t i = 0; i < cols; i++) cli_table_cell(&t, head[i]);
    size_t i;
    const json_t *leg;
    json_array_foreach(json_object_get(doc, "legs"), i, leg) {
        char text[160];
        cli_table_cell(&t, cli_out_field(leg, "address", text, sizeof(text)));
        cli_fmt_value("snapshot_balance", json_object_get(leg, "snapshot_balance"), CLI_FMT_CELL, text,
                      sizeof(text));
        cli_table_cell(&t, text);
        cli_fmt_value("amount", json_object_get(leg, "amount"), CLI_FMT_CELL, text, sizeof(text));
        cli_table_cell(&t, text);
        if (open) cli_table_cell(&t, json_is_true(json_object_get(leg, "tax_form")) ? "valid" : "MISSING");
    }
    char offset[32], total[32];
    printf("\nlegs from %s, of %s (sorted by address):\n", cli_out_field(doc, "offset", offset, sizeof(offset)),
           cli_out_field(doc, "legs_total", total, sizeof(total)));
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    const json_t *next = json_object_get(doc, "next_offset");
    if (json_is_integer(next)) {
        char id[32];
        printf("more: mintline payout show %s --offset %lld\n", cli_out_field(doc, "id", id, sizeof(id)),
               (long long)json_integer_value(next));
    }
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

int cli_cmd_payout_show(struct cli_ctx *ctx) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/payouts/", 13);
    cli_http_encode(&path, cli_ctx_pos(ctx, 0));
    const char *offset = cli_ctx_flag(ctx, "offset");
    const char *limit = cli_ctx_flag(ctx, "limit");
    const char *sep = "?";
    if (offset != NULL) {
        buf_put(&path, "?offset=", 8);
        cli_http_encode(&path, offset);
        sep = "&";
    }
    if (limit != NULL) {
        buf_put(&path, sep, 1);
        buf_put(&path, "limit=", 6);
        cli_http_encode(&path, limit);
    }
    struct cli_reply reply;
    int rc = cli_get(ctx, &path, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        cli_payout__summary(reply.doc);
        rc = cli_payout__legs(reply.doc);
    }
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}

static int cli_payout__list_payouts(const json_t *payouts) {
    static const char *const head[] = {"ID", "STATUS", "PAY", "TOTAL", "PAID", "MODE", "SNAPSHOT", "FROM"};
    struct cli_table t;
    cli_table_init(&t, 8);
    for (size_t i = 0; i < 8; i++) cli_table_cell(&t, head[i]);
    size_t i;
    const json_t *p;
    json_array_foreach(payouts, i, p) {
        char text[160], asset[64];
        cli_table_cell(&t, cli_out_field(p, "id", text, sizeof(text)));
        cli_table_cell(&t, cli_out_field(p, "status", text, sizeof(text)));
        cli_table_cell(&t, cli_out_field(p, "pay", text, sizeof(text)));
        cli_fmt_value("total", json_object_get(p, "total"), CLI_FMT_CELL, text, sizeof(text));
        cli_table_cell(&t, text);
        cli_fmt_value("paid", json_object_get(p, "paid"), CLI_FMT_CELL, text, sizeof(text));
        cli_table_cell(&t, text);
        cli_table_cell(&t, cli_out_field(p, "mode", text, sizeof(text)));
        cli_out_field(p, "asset", asset, sizeof(asset));
        char snap[128], id[32];
        snprintf(snap, sizeof(snap), "%s (%s)", cli_out_field(p, "snapshot", id, sizeof(id)), asset);
        cli_table_cell(&t, snap);
        cli_table_cell(&t, cli_out_field(p, "from", text, sizeof(text)));
    }
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    return rc;
}

static int cli_payout__list_snapshots(const json_t *snapshots) {
    static const char *const head[] = {"SNAPSHOT", "ASSET", "BLOCK", "TIME", "HOLDERS", "TOTAL"};
    static const char *const keys[] = {"id", "asset", "block", "time", "holders", "total"};
    struct cli_table t;
    cli_table_init(&t, 6);
    for (size_t i = 0; i < 6; i++) cli_table_cell(&t, head[i]);
    size_t i;
    const json_t *n;
    json_array_foreach(snapshots, i, n) {
        for (size_t k = 0; k < 6; k++) {
            char text[160];
            cli_fmt_value(keys[k], json_object_get(n, keys[k]), CLI_FMT_CELL, text, sizeof(text));
            cli_table_cell(&t, text);
        }
    }
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    return rc;
}

int cli_cmd_payout_list(struct cli_ctx *ctx) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/payouts", 12);
    struct cli_reply reply;
    int rc = cli_get(ctx, &path, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        char pending[32];
        printf("payouts pending distribution: %s\n\n", cli_out_field(reply.doc, "pending", pending, sizeof(pending)));
        int bad = cli_payout__list_payouts(json_object_get(reply.doc, "payouts"));
        printf("\n");
        bad |= cli_payout__list_snapshots(json_object_get(reply.doc, "snapshots"));
        rc = bad == 0 && fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
    }
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}
