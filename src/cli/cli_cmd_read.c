/*
 * cli_cmd_read.c - the reading subcommands: `status [SYM]`, `balance SYM
 * ADDR`, `account show ADDR` and `history`. Each is one signed GET; with
 * --json the node's document is printed as received, otherwise a short
 * aligned form of it.
 *
 * Amounts are printed exactly as the node wrote them (canonical decimal
 * strings); the only floating point here is the usage ratios, which the API
 * gives as display figures.
 */
#include <stdio.h>
#include <string.h>

#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_http.h"
#include "cli_out.h"
#include "cli_sec.h"

/* A usage ratio as a percentage: "-" unset, "<0.01%" for a sliver. */
static void cli_read__percent(const json_t *ratio, char *out, size_t size) {
    if (!json_is_number(ratio)) {
        snprintf(out, size, "-");
        return;
    }
    double r = json_number_value(ratio);
    if (r > 0 && r < 0.0001) {
        snprintf(out, size, "<0.01%%");
    } else {
        snprintf(out, size, "%.2f%%", r * 100.0);
    }
}

/* "used/limit (usage%)", or "used/-" without a limit. */
static void cli_read__daily(const json_t *daily, char *out, size_t size) {
    char used[64], limit[64], pct[32];
    cli_out_field(daily, "used", used, sizeof(used));
    cli_out_field(daily, "limit", limit, sizeof(limit));
    if (!json_is_string(json_object_get(daily, "limit"))) {
        snprintf(out, size, "%s/-", used);
        return;
    }
    cli_read__percent(json_object_get(daily, "usage"), pct, sizeof(pct));
    snprintf(out, size, "%s/%s (%s)", used, limit, pct);
}

static void cli_read__asset_row(struct cli_table *t, const json_t *a) {
    char text[256];
    cli_table_cell(t, cli_out_field(a, "symbol", text, sizeof(text)));
    cli_table_cell(t, cli_out_field(a, "kind", text, sizeof(text)));
    cli_table_cell(t, cli_out_field(a, "supply", text, sizeof(text)));
    cli_read__percent(json_object_get(a, "supply_cap_usage"), text, sizeof(text));
    cli_table_cell(t, text);
    cli_read__daily(json_object_get(a, "daily_mint"), text, sizeof(text));
    cli_table_cell(t, text);
    cli_read__daily(json_object_get(a, "daily_net_inflow"), text, sizeof(text));
    cli_table_cell(t, text);
    cli_out_field(a, "holders", text, sizeof(text));
    if (json_is_integer(json_object_get(a, "max_holders"))) {
        /* a security asset: holders of its limit */
        size_t n = strlen(text);
        long long max = (long long)json_integer_value(json_object_get(a, "max_holders"));
        snprintf(text + n, sizeof(text) - n, "/%lld", max);
    }
    cli_table_cell(t, text);
    const char *paused = json_is_true(json_object_get(a, "paused"))        ? "yes"
                         : json_is_true(json_object_get(a, "mint_halted")) ? "mint halted"
                                                                           : "no";
    cli_table_cell(t, paused);
}

/* Under the table, what the morning check watches besides it: a fund's NAV
 * and a fiat asset's reserve and latest proof of reserves, in words. */
static void cli_read__oracles(const json_t *a) {
    char sym[64], v[64], age[32], n[32], q[32];
    cli_out_field(a, "symbol", sym, sizeof(sym));
    const json_t *nav = json_object_get(a, "nav");
    if (json_is_object(nav)) {
        if (!json_is_string(json_object_get(nav, "value"))) {
            printf("%s  NAV: none yet (mints and burns are refused)\n", sym);
        } else {
            printf("%s  NAV %s, %s s old%s\n", sym, cli_out_field(nav, "value", v, sizeof(v)),
                   cli_out_field(nav, "age_s", age, sizeof(age)),
                   json_is_true(json_object_get(nav, "stale")) ? ", STALE: mints and burns are refused"
                                                               : " (fresh)");
        }
    }
    const json_t *res = json_object_get(a, "reserve");
    if (!json_is_object(res)) return;
    cli_out_field(res, "reports", n, sizeof(n));
    cli_out_field(res, "quorum", q, sizeof(q));
    if (!json_is_true(json_object_get(res, "quorum_met"))) {
        printf("%s  reserve: quorum NOT met (%s fresh of %s needed): mints are refused", sym, n, q);
    } else {
        char ratio[64];
        printf("%s  reserve %s verified (%s fresh reports, quorum %s), ratio %s%s", sym,
               cli_out_field(res, "verified", v, sizeof(v)), n, q,
               cli_out_field(res, "ratio", ratio, sizeof(ratio)),
               json_is_true(json_object_get(res, "below_one")) ? ", BELOW 1.0" : "");
    }
    const json_t *por = json_object_get(res, "por");
    if (json_is_object(por)) {
        char block[32];
        printf("; proof of reserves at block %s, %s s old\n", cli_out_field(por, "block", block, sizeof(block)),
               cli_out_field(por, "age_s", age, sizeof(age)));
    } else {
        printf("; no proof of reserves published yet\n");
    }
}

/* A security asset at SPEC 9's holder thresholds (12(g)): say so. */
static int cli_read__holder_limit(const json_t *a) {
    const json_t *usage = json_object_get(a, "holder_limit_usage");
    if (!json_is_number(usage) || cli_sec_holder_level(json_number_value(usage)) == NULL) return 0;
    char sym[64], text[160];
    cli_out_field(a, "symbol", sym, sizeof(sym));
    cli_sec_holders_text(a, text, sizeof(text));
    printf("%s  holders %s (12(g): warning at 70%% of max_holders, critical at 90%%)\n", sym, text);
    return 1;
}

/* The asset table; assets is an array of asset status objects. */
static int cli_read__assets(const json_t *assets) {
    static const char *const head[] = {"ASSET",    "KIND",         "SUPPLY",
                                       "CAP USED", "MINTED TODAY", "NET INFLOW TODAY",
                                       "HOLDERS",  "PAUSED"};
    struct cli_table t;
    cli_table_init(&t, sizeof(head) / sizeof(head[0]));
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) cli_table_cell(&t, head[i]);
    size_t i;
    const json_t *a;
    json_array_foreach(assets, i, a) cli_read__asset_row(&t, a);
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    int watched = 0;
    json_array_foreach(assets, i, a) {
        watched |= json_is_object(json_object_get(a, "nav")) || json_is_object(json_object_get(a, "reserve"));
        const json_t *usage = json_object_get(a, "holder_limit_usage");
        watched |= json_is_number(usage) && cli_sec_holder_level(json_number_value(usage)) != NULL;
    }
    if (watched) printf("\n");
    json_array_foreach(assets, i, a) cli_read__oracles(a);
    json_array_foreach(assets, i, a) cli_read__holder_limit(a);
    return rc == 0 && fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

static void cli_read__node_line(const json_t *doc) {
    const json_t *node = json_object_get(doc, "node");
    char height[32], time[64], clock[32], store[128], paused[16], controller[64];
    printf("node  height %s  time %s  clock %s  store %s  paused %s  controller %s\n",
           cli_out_field(node, "height", height, sizeof(height)),
           cli_out_field(node, "time", time, sizeof(time)),
           cli_out_field(node, "clock", clock, sizeof(clock)),
           cli_out_field(node, "store", store, sizeof(store)),
           cli_out_field(node, "paused", paused, sizeof(paused)),
           cli_out_field(node, "controller", controller, sizeof(controller)));
    if (json_is_false(json_object_get(node, "writable"))) {
        printf("NOT WRITABLE: a block could not be journaled; it was rolled back and writes are "
               "refused until the node is restarted (see the node's log)\n");
    }
    const json_t *snapshots_failed = json_object_get(node, "snapshots_failed");
    if (json_integer_value(snapshots_failed) > 0) {
        printf("snapshots failed %lld since start: restarts replay further (see the node's log)\n",
               (long long)json_integer_value(snapshots_failed));
    }
    const json_t *payouts = json_object_get(doc, "payouts");
    if (json_integer_value(json_object_get(payouts, "pending")) > 0) {
        printf("payouts pending distribution %lld (mintline payout list)\n",
               (long long)json_integer_value(json_object_get(payouts, "pending")));
    }
    const json_t *alerts = json_object_get(doc, "alerts");
    if (alerts != NULL) {
        const json_t *firing = json_object_get(alerts, "firing");
        char critical[32], warning[32], pending[32];
        printf("alerts firing %s critical, %s warning, %s pending\n",
               cli_out_field(firing, "critical", critical, sizeof(critical)),
               cli_out_field(firing, "warning", warning, sizeof(warning)),
               cli_out_field(alerts, "pending", pending, sizeof(pending)));
    }
    cli_incident_status(json_object_get(doc, "incidents"));
    cli_vault_status(json_object_get(doc, "vaults"));
    const json_t *bridge = json_object_get(doc, "bridge");
    for (size_t i = 0; i < json_array_size(bridge); i++) {
        const json_t *r = json_array_get(bridge, i);
        char chain[32], asset[32], escrow[64];
        printf("bridge chain %s %s %s  escrow %s  24h success %.4g  buffer %s\n",
               cli_out_field(r, "chain", chain, sizeof(chain)), cli_out_field(r, "asset", asset, sizeof(asset)),
               json_is_true(json_object_get(r, "enabled")) ? "enabled" : "DISABLED",
               cli_out_field(r, "escrow", escrow, sizeof(escrow)),
               json_number_value(json_object_get(r, "success_rate_24h")),
               json_is_true(json_object_get(r, "buffer_ok")) ? "ok" : "SHORT");
    }
}

/* "kyc 2, accredited 1" of the non-zero counts; the total. */
static long long cli_read__topics(const json_t *counts, char *out, size_t size) {
    long long total = 0;
    size_t used = 0;
    const char *topic;
    const json_t *n;
    out[0] = '\0';
    json_object_foreach((json_t *)counts, topic, n) {
        long long v = json_integer_value(n);
        if (v <= 0) continue;
        total += v;
        int w = snprintf(out + used, size - used, "%s%s %lld", used ? ", " : "", topic, v);
        if (w > 0 && (size_t)w < size - used) used += (size_t)w;
    }
    return total;
}

/* Identities and the claims that need a compliance officer's attention. */
static void cli_read__compliance(const json_t *c) {
    if (!json_is_object(c) || json_integer_value(json_object_get(c, "identities")) == 0) return;
    char soon[160], expired[160];
    long long n_soon =
        cli_read__topics(json_object_get(c, "claims_expiring_30d"), soon, sizeof(soon));
    long long n_expired =
        cli_read__topics(json_object_get(c, "claims_expired"), expired, sizeof(expired));
    printf("identities %lld  claims expiring within 30 days %lld%s%s%s  expired %lld%s%s%s\n",
           (long long)json_integer_value(json_object_get(c, "identities")), n_soon,
           n_soon ? " (" : "", soon, n_soon ? ")" : "", n_expired, n_expired ? " (" : "", expired,
           n_expired ? ")" : "");
}

int cli_cmd_status(struct cli_ctx *ctx) {
    const char *sym = cli_ctx_pos(ctx, 0);
    struct buf path;
    buf_init(&path);
    if (sym != NULL) {
        buf_put(&path, "/api/assets/", 12);
        cli_http_encode(&path, sym);
    } else {
        buf_put(&path, "/api/system/status", 18);
    }
    struct cli_reply reply;
    int rc = cli_get(ctx, &path, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        if (sym != NULL) {
            json_t *one = json_array();
            if (one == NULL || json_array_append(one, reply.doc) != 0) rc = CLI_EXIT_IO;
            if (rc == CLI_EXIT_OK) rc = cli_read__assets(one);
            json_decref(one);
        } else {
            cli_read__node_line(reply.doc);
            cli_read__compliance(json_object_get(reply.doc, "compliance"));
            printf("\n");
            rc = cli_read__assets(json_object_get(reply.doc, "assets"));
        }
    }
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}

/* "balance  100 ACME", "frozen  0 ACME", then one line per partition. */
static int cli_read__balance(const json_t *doc) {
    char asset[64], text[256], label[96];
    cli_out_field(doc, "asset", asset, sizeof(asset));
    struct cli_table t;
    cli_table_init(&t, 2);
    cli_table_cell(&t, "balance");
    snprintf(text, sizeof(text), "%s %s", cli_out_field(doc, "balance", label, sizeof(label)), asset);
    cli_table_cell(&t, text);
    cli_table_cell(&t, "frozen");
    snprintf(text, sizeof(text), "%s %s%s", cli_out_field(doc, "frozen", label, sizeof(label)), asset,
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
        cli_out_text(p, label, sizeof(label));
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
    cli_table_cell(t, cli_out_field(h, "balance", text, sizeof(text)));
    cli_out_field(h, "frozen", text, sizeof(text));
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
            cli_table_cell(t, cli_out_field(p, "balance", text, sizeof(text)));
            cli_table_cell(t, cli_out_field(p, "frozen", text, sizeof(text)));
        } else {
            cli_out_text(p, text, sizeof(text));
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
    cli_out_pairs(json_object_get(e, "args"), &args);
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
