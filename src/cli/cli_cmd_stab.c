/*
 * cli_cmd_stab.c - the reads of issue 11's modules: `stabilizer show SYM
 * [--peak-outflow A]` (GET /api/stabilizers?asset=SYM, with seed 001's
 * reserve sizing rule when the peak outflow per minute is given), and
 * `bridge list|show|routes` (GET /api/bridge/...). Their state changes
 * are plain rows of cli.c's table.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_fmt.h"
#include "cli_http.h"

static const char *cli_stab__text(const json_t *o, const char *key, char *out, size_t size) {
    const json_t *v = json_object_get(o, key);
    if (json_is_string(v)) snprintf(out, size, "%s", json_string_value(v));
    else if (json_is_integer(v)) snprintf(out, size, "%lld", (long long)json_integer_value(v));
    else if (json_is_true(v)) snprintf(out, size, "yes");
    else if (json_is_false(v)) snprintf(out, size, "no");
    else snprintf(out, size, "-");
    return out;
}

static void cli_stab__print(const json_t *st) {
    char a[80], b[80], c[80], d[80], e[80];
    printf("stabilizer %s  feed %s  peg %s\n", cli_stab__text(st, "asset", a, sizeof(a)),
           cli_stab__text(st, "feed", b, sizeof(b)), cli_stab__text(st, "target", c, sizeof(c)));
    /* parts per million as percentages, as --threshold is given ("0.5%") */
    human_percent((double)json_integer_value(json_object_get(st, "deviation_ppm")) / 1e6, c, sizeof(c));
    printf("  price %s  twap %s  deviation %s (%s)\n", cli_stab__text(st, "price", a, sizeof(a)),
           cli_stab__text(st, "twap", b, sizeof(b)), c, cli_stab__text(st, "twap_side", d, sizeof(d)));
    human_percent((double)json_integer_value(json_object_get(st, "threshold_ppm")) / 1e6, d, sizeof(d));
    printf("  run %s observations %s the peg (acts at %s, threshold %s, window %s blocks)\n",
           cli_stab__text(st, "consecutive", a, sizeof(a)), cli_stab__text(st, "run_side", b, sizeof(b)),
           cli_stab__text(st, "sustain_blocks", c, sizeof(c)), d,
           cli_stab__text(st, "window_blocks", e, sizeof(e)));
    printf("  orders %s  bought %s  sold %s  k %s  max per block %s\n", cli_stab__text(st, "orders", a, sizeof(a)),
           cli_stab__text(st, "bought_total", b, sizeof(b)), cli_stab__text(st, "sold_total", c, sizeof(c)),
           cli_stab__text(st, "k", d, sizeof(d)), cli_stab__text(st, "max_per_block", e, sizeof(e)));
    printf("  reserve %s holds %s\n", cli_stab__text(st, "reserve_account", a, sizeof(a)),
           cli_stab__text(st, "reserve_balance", b, sizeof(b)));
    const json_t *rule = json_object_get(st, "reserve_rule");
    if (json_is_object(rule)) {
        printf("  reserve rule: required %s = peak outflow %s/min x window %s min x %s; actual %s: %s\n",
               cli_stab__text(rule, "required", a, sizeof(a)), cli_stab__text(rule, "peak_outflow_per_min", b, sizeof(b)),
               cli_stab__text(rule, "window_min", c, sizeof(c)), cli_stab__text(rule, "factor", d, sizeof(d)),
               cli_stab__text(rule, "actual", e, sizeof(e)),
               json_is_true(json_object_get(rule, "ok")) ? "ok" : "SHORT");
    }
}

int cli_cmd_stabilizer_show(struct cli_ctx *ctx) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/stabilizers?asset=", 23);
    cli_http_encode(&path, cli_ctx_pos(ctx, 0));
    const char *peak = cli_ctx_flag(ctx, "peak-outflow");
    if (peak != NULL) {
        buf_put(&path, "&peak_outflow=", 14);
        cli_http_encode(&path, peak);
    }
    struct cli_reply reply;
    int rc = cli_get(ctx, &path, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        const json_t *list = json_object_get(reply.doc, "stabilizers");
        for (size_t i = 0; i < json_array_size(list); i++) cli_stab__print(json_array_get(list, i));
        rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
    }
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}

/* ---- the bridge's reads (GET /api/bridge/...) ------------------------------ */

static void cli_bridge__transfer(const json_t *t) {
    char a[80], b[80], c[80], d[80], e[80], f[80], g[80];
    printf("%-6s %-17s %-8s %-10s %-22s %s -> %s\n", cli_stab__text(t, "id", a, sizeof(a)),
           cli_stab__text(t, "status", b, sizeof(b)), cli_stab__text(t, "asset", c, sizeof(c)),
           cli_stab__text(t, "chain", d, sizeof(d)), cli_stab__text(t, "amount", e, sizeof(e)),
           cli_stab__text(t, "from", f, sizeof(f)), cli_stab__text(t, "to", g, sizeof(g)));
}

static int cli_bridge__get(struct cli_ctx *ctx, const char *path_text, const char *value,
                           void (*print)(const json_t *doc)) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, path_text, strlen(path_text));
    if (value != NULL) cli_http_encode(&path, value);
    struct cli_reply reply;
    int rc = cli_get(ctx, &path, &reply);
    if (rc == CLI_EXIT_OK && !ctx->json) {
        print(reply.doc);
        rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
    }
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}

static void cli_bridge__list(const json_t *doc) {
    const json_t *list = json_object_get(doc, "transfers");
    printf("%-6s %-17s %-8s %-10s %-22s %s\n", "ID", "STATUS", "ASSET", "CHAIN", "AMOUNT", "FROM -> TO");
    for (size_t i = 0; i < json_array_size(list); i++) cli_bridge__transfer(json_array_get(list, i));
}

static void cli_bridge__show(const json_t *t) {
    char a[80], b[80], c[80];
    cli_bridge__list(NULL);
    cli_bridge__transfer(t);
    printf("created %s  refund requested %s  finished %s\n", cli_stab__text(t, "created_at", a, sizeof(a)),
           cli_stab__text(t, "refund_requested_at", b, sizeof(b)), cli_stab__text(t, "finished_at", c, sizeof(c)));
    printf("tx %s  requested by %s  finished by %s\n", cli_stab__text(t, "tx", a, sizeof(a)),
           cli_stab__text(t, "requested_by", b, sizeof(b)), cli_stab__text(t, "finished_by", c, sizeof(c)));
}

static void cli_bridge__routes(const json_t *doc) {
    const json_t *list = json_object_get(doc, "routes");
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *r = json_array_get(list, i);
        const json_t *buffer = json_object_get(r, "buffer");
        char a[80], b[80], c[80], d[80], e[80];
        printf("chain %s %s  %s  min %s max %s  escrow %s\n", cli_stab__text(r, "chain", a, sizeof(a)),
               cli_stab__text(r, "asset", b, sizeof(b)),
               json_is_true(json_object_get(r, "enabled")) ? "enabled" : "DISABLED",
               cli_stab__text(r, "min", c, sizeof(c)), cli_stab__text(r, "max", d, sizeof(d)),
               cli_stab__text(r, "escrow", e, sizeof(e)));
        char rate[32];
        cli_fmt_value("success_rate_24h", json_object_get(r, "success_rate_24h"), CLI_FMT_CELL, rate,
                      sizeof(rate));
        printf("  24h success %s (%s settled, %s refunded)  settlement p50 %.3gs p95 %.3gs\n", rate,
               cli_stab__text(r, "settled_24h", a, sizeof(a)), cli_stab__text(r, "refunded_24h", b, sizeof(b)),
               json_number_value(json_object_get(r, "settlement_p50_s")),
               json_number_value(json_object_get(r, "settlement_p95_s")));
        printf("  buffer: required %s (peak hourly outflow %s x latency %.3gs x safety %s), actual %s: %s\n",
               cli_stab__text(buffer, "required", a, sizeof(a)), cli_stab__text(r, "peak_hourly_outflow", b, sizeof(b)),
               json_number_value(json_object_get(buffer, "latency_s")), cli_stab__text(r, "safety_factor", c, sizeof(c)),
               cli_stab__text(buffer, "actual", d, sizeof(d)),
               json_is_true(json_object_get(buffer, "ok")) ? "ok" : "SHORT");
        printf("  after the escrow in flight is paid out: %s against the bare rule %s (peak x latency): %s\n",
               cli_stab__text(buffer, "projected", a, sizeof(a)), cli_stab__text(buffer, "minimum", b, sizeof(b)),
               json_is_true(json_object_get(buffer, "projected_ok")) ? "ok" : "BREAKS WITHIN ONE SETTLEMENT WINDOW");
    }
}

/* cli_bridge__query: "&key=value" (the first one "?"), percent-encoded;
 * nothing when value is NULL. */
static void cli_bridge__query(struct buf *path, const char *key, const char *value) {
    if (value == NULL) return;
    buf_put(path, memchr(path->data, '?', path->len) ? "&" : "?", 1);
    buf_put(path, key, strlen(key));
    buf_put(path, "=", 1);
    cli_http_encode(path, value);
}

int cli_cmd_bridge_list(struct cli_ctx *ctx) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/bridge/transfers", 21);
    cli_bridge__query(&path, "status", cli_ctx_flag(ctx, "status"));
    cli_bridge__query(&path, "chain", cli_ctx_flag(ctx, "chain"));
    buf_put(&path, "", 1); /* NUL: the path as text */
    int rc = buf_ok(&path) ? cli_bridge__get(ctx, (const char *)path.data, NULL, cli_bridge__list) : CLI_EXIT_IO;
    buf_free(&path);
    return rc;
}

int cli_cmd_bridge_show(struct cli_ctx *ctx) {
    return cli_bridge__get(ctx, "/api/bridge/transfers/", cli_ctx_pos(ctx, 0), cli_bridge__show);
}

int cli_cmd_bridge_routes(struct cli_ctx *ctx) {
    return cli_bridge__get(ctx, "/api/bridge/routes", NULL, cli_bridge__routes);
}

/* ---- the vaults' reads (GET /api/vaults) ----------------------------------- */

static void cli_vault__row(const json_t *v) {
    char a[80], b[80], c[80], d[80], e[80];
    const json_t *h = json_object_get(v, "health");
    char health[32];
    cli_fmt_value("health_ratio", h, CLI_FMT_CELL, health, sizeof(health));
    printf("%-6s %-10s %-22s %-22s %-9s %s%s\n", cli_stab__text(v, "id", a, sizeof(a)),
           cli_stab__text(v, "type", b, sizeof(b)), cli_stab__text(v, "collateral", c, sizeof(c)),
           cli_stab__text(v, "debt", d, sizeof(d)), health, cli_stab__text(v, "owner", e, sizeof(e)),
           json_is_true(json_object_get(v, "liquidatable")) ? "  LIQUIDATABLE" : "");
}

static void cli_vault__head(void) {
    printf("%-6s %-10s %-22s %-22s %-9s %s\n", "ID", "TYPE", "COLLATERAL", "DEBT", "HEALTH", "OWNER");
}

static void cli_vault__show(const json_t *v) {
    cli_vault__head();
    cli_vault__row(v);
}

static void cli_vault__list(const json_t *doc) {
    const json_t *types = json_object_get(doc, "types");
    for (size_t i = 0; i < json_array_size(types); i++) {
        const json_t *t = json_array_get(types, i);
        char a[80], b[80], c[80], d[80], e[80], f[80];
        printf("type %s: %s against %s (feed %s)  debt %s of ceiling %s\n", cli_stab__text(t, "name", a, sizeof(a)),
               cli_stab__text(t, "debt", b, sizeof(b)), cli_stab__text(t, "collateral", c, sizeof(c)),
               cli_stab__text(t, "feed", d, sizeof(d)), cli_stab__text(t, "total_debt", e, sizeof(e)),
               cli_stab__text(t, "debt_ceiling", f, sizeof(f)));
        char min[32], liq[32], pen[32];
        human_percent(json_number_value(json_object_get(t, "min_ratio")), min, sizeof(min));
        human_percent(json_number_value(json_object_get(t, "liquidation_ratio")), liq, sizeof(liq));
        human_percent(json_number_value(json_object_get(t, "penalty")), pen, sizeof(pen));
        printf("  min %s  liquidation %s  penalty %s  vaults %s  below liquidation %s  "
               "liquidations %s  bad debt %s\n",
               min, liq, pen, cli_stab__text(t, "vaults", a, sizeof(a)),
               cli_stab__text(t, "below_liquidation_ratio", b, sizeof(b)),
               cli_stab__text(t, "liquidations", c, sizeof(c)), cli_stab__text(t, "bad_debt_total", d, sizeof(d)));
    }
    printf("\n");
    cli_vault__head();
    const json_t *vaults = json_object_get(doc, "vaults");
    for (size_t i = 0; i < json_array_size(vaults); i++) cli_vault__row(json_array_get(vaults, i));
}

int cli_cmd_vault_show(struct cli_ctx *ctx) {
    return cli_bridge__get(ctx, "/api/vaults/", cli_ctx_pos(ctx, 0), cli_vault__show);
}

int cli_cmd_vault_list(struct cli_ctx *ctx) {
    struct buf path;
    buf_init(&path);
    buf_put(&path, "/api/vaults?limit=1000", 22);
    cli_bridge__query(&path, "type", cli_ctx_flag(ctx, "type"));
    cli_bridge__query(&path, "below", cli_ctx_flag(ctx, "below"));
    cli_bridge__query(&path, "owner", cli_ctx_flag(ctx, "owner"));
    buf_put(&path, "", 1); /* NUL: the path as text */
    int rc = buf_ok(&path) ? cli_bridge__get(ctx, (const char *)path.data, NULL, cli_vault__list) : CLI_EXIT_IO;
    buf_free(&path);
    return rc;
}

void cli_vault_status(const json_t *vaults) {
    for (size_t i = 0; i < json_array_size(vaults); i++) {
        const json_t *t = json_array_get(vaults, i);
        char a[80], b[80], c[80], d[80], e[80], f[80], g[80];
        const json_t *h = json_object_get(t, "health_min");
        char health[32];
        char ceiling[32];
        cli_fmt_value("health_ratio", h, CLI_FMT_TEXT, health, sizeof(health));
        cli_fmt_value("debt_ceiling_usage", json_object_get(t, "debt_ceiling_usage"), CLI_FMT_TEXT,
                      ceiling, sizeof(ceiling));
        printf("vault type %s  vaults %s  collateral %s %s  debt %s %s (%s of ceiling)  lowest health %s  "
               "below liquidation %s\n",
               cli_stab__text(t, "type", a, sizeof(a)), cli_stab__text(t, "vaults", b, sizeof(b)),
               cli_stab__text(t, "total_collateral", c, sizeof(c)), cli_stab__text(t, "collateral", d, sizeof(d)),
               cli_stab__text(t, "total_debt", e, sizeof(e)), cli_stab__text(t, "debt", f, sizeof(f)),
               ceiling, health,
               cli_stab__text(t, "below_liquidation_ratio", g, sizeof(g)));
    }
}
