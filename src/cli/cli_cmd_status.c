/*
 * cli_cmd_status.c - `status [SYM]`, the morning read (issue 13 item 12):
 * which ledger and node, now and the last block, whether the node takes
 * writes, what waits for people (proposals, timelock entries due), alerts
 * and incidents, then one row per asset with its usage against the
 * runbooks' thresholds (SPEC 9) in words: "ok", "warn 80%", "critical 95%".
 *
 * On a terminal (and NO_COLOR unset) the markers are coloured; anywhere
 * else the same words without escapes. --json prints the node's document.
 * Thresholds: daily mint and net inflow usage > 80% / > 95%, supply cap
 * usage > 90% / > 98%, NAV age > 2h / > 4h (or stale), reserve ratio
 * < 105% / < 100%, the same as the built-in alert rules.
 */
#include <stdio.h>
#include <string.h>

#include "cli_call.h"
#include "cli_cmd.h"
#include "cli_fmt.h"
#include "cli_http.h"
#include "cli_out.h"
#include "cli_sec.h"

#define CLI_STATUS_DAILY_WARN 0.80
#define CLI_STATUS_DAILY_CRITICAL 0.95
#define CLI_STATUS_CAP_WARN 0.90
#define CLI_STATUS_CAP_CRITICAL 0.98
#define CLI_STATUS_NAV_WARN_S (2 * 3600)
#define CLI_STATUS_NAV_CRITICAL_S (4 * 3600)
#define CLI_STATUS_RESERVE_WARN 1.05
#define CLI_STATUS_RESERVE_CRITICAL 1.00

/* How status writes: colour or not, decided once for stdout. */
struct cli_status {
    int color;
    int worst; /* enum cli_fmt_level, the worst marker shown */
};

static const char *cli_status__tint(const struct cli_status *st, enum cli_fmt_level level) {
    if (!st->color) return NULL;
    switch (level) {
    case CLI_FMT_CRITICAL:
        return CLI_OUT_TINT_RED;
    case CLI_FMT_WARN:
        return CLI_OUT_TINT_YELLOW;
    case CLI_FMT_OK:
        break;
    }
    return CLI_OUT_TINT_GREEN;
}

/* text in the level's colour on stdout (plain without colour). */
static void cli_status__say(struct cli_status *st, enum cli_fmt_level level, const char *text) {
    if ((int)level > st->worst) st->worst = (int)level;
    const char *tint = cli_status__tint(st, level);
    printf("%s%s%s", tint != NULL ? tint : "", text, tint != NULL ? CLI_OUT_TINT_RESET : "");
}

/* A usage cell: "0.01% ok" for the cap, "850,000/1,000,000 (85%) warn 80%"
 * for a daily limit, "-" (cap) or "12/-" (daily) without a limit. */
static void cli_status__usage_cell(struct cli_status *st, struct cli_table *t, const json_t *daily,
                                   const json_t *usage, double warn, double critical) {
    char text[320], used[96], limit[96], pct[32], marker[32];
    int has_limit = json_is_number(usage);
    if (daily != NULL) {
        cli_fmt_value("used", json_object_get(daily, "used"), CLI_FMT_CELL, used, sizeof(used));
        if (!has_limit) {
            snprintf(text, sizeof(text), "%s/-", used);
            cli_table_cell(t, text);
            return;
        }
        cli_fmt_value("limit", json_object_get(daily, "limit"), CLI_FMT_CELL, limit, sizeof(limit));
    } else if (!has_limit) {
        cli_table_cell(t, "-");
        return;
    }
    double u = json_number_value(usage);
    human_percent(u, pct, sizeof(pct));
    cli_fmt_marker(u, warn, critical, marker, sizeof(marker));
    enum cli_fmt_level level = cli_fmt_level(u, warn, critical);
    if ((int)level > st->worst) st->worst = (int)level;
    if (daily != NULL) snprintf(text, sizeof(text), "%s/%s (%s) %s", used, limit, pct, marker);
    else snprintf(text, sizeof(text), "%s %s", pct, marker);
    cli_table_cell_tint(t, text, cli_status__tint(st, level));
}

static void cli_status__asset_row(struct cli_status *st, struct cli_table *t, const json_t *a) {
    char text[256];
    cli_table_cell(t, cli_out_field(a, "symbol", text, sizeof(text)));
    cli_table_cell(t, cli_out_field(a, "kind", text, sizeof(text)));
    cli_fmt_value("supply", json_object_get(a, "supply"), CLI_FMT_CELL, text, sizeof(text));
    cli_table_cell(t, text);
    cli_status__usage_cell(st, t, NULL, json_object_get(a, "supply_cap_usage"), CLI_STATUS_CAP_WARN,
                           CLI_STATUS_CAP_CRITICAL);
    const json_t *mint = json_object_get(a, "daily_mint");
    cli_status__usage_cell(st, t, mint, json_object_get(mint, "usage"), CLI_STATUS_DAILY_WARN,
                           CLI_STATUS_DAILY_CRITICAL);
    const json_t *inflow = json_object_get(a, "daily_net_inflow");
    cli_status__usage_cell(st, t, inflow, json_object_get(inflow, "usage"), CLI_STATUS_DAILY_WARN,
                           CLI_STATUS_DAILY_CRITICAL);
    cli_fmt_value("holders", json_object_get(a, "holders"), CLI_FMT_CELL, text, sizeof(text));
    if (json_is_integer(json_object_get(a, "max_holders"))) {
        /* a security asset: holders of its limit */
        char max[32];
        size_t n = strlen(text);
        cli_fmt_count((long long)json_integer_value(json_object_get(a, "max_holders")), max, sizeof(max));
        snprintf(text + n, sizeof(text) - n, "/%s", max);
    }
    cli_table_cell(t, text);
    const char *paused = json_is_true(json_object_get(a, "paused"))        ? "yes"
                         : json_is_true(json_object_get(a, "mint_halted")) ? "mint halted"
                                                                           : "no";
    cli_table_cell(t, paused);
}

/* A fund's NAV in words with its age marker. */
static void cli_status__nav(struct cli_status *st, const char *sym, const json_t *nav) {
    if (!json_is_string(json_object_get(nav, "value"))) {
        printf("%s  NAV: none yet (mints and burns are refused)  ", sym);
        cli_status__say(st, CLI_FMT_CRITICAL, "critical: no NAV");
        printf("\n");
        return;
    }
    char value[96], age[32], marker[64];
    cli_fmt_value("value", json_object_get(nav, "value"), CLI_FMT_CELL, value, sizeof(value));
    long long age_s = (long long)json_integer_value(json_object_get(nav, "age_s"));
    human_duration(age_s, age, sizeof(age));
    int stale = json_is_true(json_object_get(nav, "stale"));
    enum cli_fmt_level level = stale || age_s > CLI_STATUS_NAV_CRITICAL_S ? CLI_FMT_CRITICAL
                               : age_s > CLI_STATUS_NAV_WARN_S            ? CLI_FMT_WARN
                                                                          : CLI_FMT_OK;
    if (level == CLI_FMT_CRITICAL) snprintf(marker, sizeof(marker), "critical 4h%s", stale ? ", stale" : "");
    else if (level == CLI_FMT_WARN) snprintf(marker, sizeof(marker), "warn 2h");
    else snprintf(marker, sizeof(marker), "ok");
    printf("%s  NAV %s, %s old%s  ", sym, value, age,
           stale ? ", STALE: mints and burns are refused" : " (fresh)");
    cli_status__say(st, level, marker);
    printf("\n");
}

/* A fiat asset's reserve and its latest proof of reserves. */
static void cli_status__reserve(struct cli_status *st, const char *sym, const json_t *res) {
    char n[32], q[32], age[32];
    cli_out_field(res, "reports", n, sizeof(n));
    cli_out_field(res, "quorum", q, sizeof(q));
    if (!json_is_true(json_object_get(res, "quorum_met"))) {
        printf("%s  reserve: quorum NOT met (%s fresh of %s needed): mints are refused  ", sym, n, q);
        cli_status__say(st, CLI_FMT_CRITICAL, "critical: no quorum");
    } else {
        char verified[96], ratio[32], marker[32];
        cli_fmt_value("verified", json_object_get(res, "verified"), CLI_FMT_CELL, verified,
                      sizeof(verified));
        const json_t *r = json_object_get(res, "ratio");
        cli_fmt_value("ratio", r, CLI_FMT_CELL, ratio, sizeof(ratio));
        printf("%s  reserve %s verified (%s fresh reports, quorum %s), ratio %s%s ", sym, verified, n,
               q, ratio, json_is_true(json_object_get(res, "below_one")) ? ", BELOW 100%" : "");
        double v = json_is_number(r) ? json_number_value(r) : 1e300;
        cli_fmt_marker_below(v, CLI_STATUS_RESERVE_WARN, CLI_STATUS_RESERVE_CRITICAL, marker,
                             sizeof(marker));
        cli_status__say(st, cli_fmt_level_below(v, CLI_STATUS_RESERVE_WARN, CLI_STATUS_RESERVE_CRITICAL),
                        marker);
    }
    const json_t *por = json_object_get(res, "por");
    if (json_is_object(por)) {
        char block[32];
        human_duration((int64_t)json_integer_value(json_object_get(por, "age_s")), age, sizeof(age));
        printf("; proof of reserves at block %s, %s old\n",
               cli_out_field(por, "block", block, sizeof(block)), age);
    } else {
        printf("; no proof of reserves published yet\n");
    }
}

/* A security asset at SPEC 9's holder thresholds (12(g)): say so. */
static void cli_status__holder_limit(const json_t *a) {
    const json_t *usage = json_object_get(a, "holder_limit_usage");
    if (!json_is_number(usage) || cli_sec_holder_level(json_number_value(usage)) == NULL) return;
    char sym[64], text[160];
    cli_out_field(a, "symbol", sym, sizeof(sym));
    cli_sec_holders_text(a, text, sizeof(text));
    printf("%s  holders %s (12(g): warning at 70%% of max_holders, critical at 90%%)\n", sym, text);
}

/* The asset table, then the NAV, reserve and holder lines under it. */
static int cli_status__assets(struct cli_status *st, const json_t *assets) {
    static const char *const head[] = {"ASSET",    "KIND",         "SUPPLY",
                                       "CAP USED", "MINTED TODAY", "NET INFLOW TODAY",
                                       "HOLDERS",  "PAUSED"};
    struct cli_table t;
    cli_table_init(&t, sizeof(head) / sizeof(head[0]));
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++) cli_table_cell(&t, head[i]);
    size_t i;
    const json_t *a;
    json_array_foreach(assets, i, a) cli_status__asset_row(st, &t, a);
    int rc = cli_table_print(&t, stdout);
    cli_table_free(&t);
    int watched = 0;
    json_array_foreach(assets, i, a) {
        watched |= json_is_object(json_object_get(a, "nav")) || json_is_object(json_object_get(a, "reserve"));
        const json_t *usage = json_object_get(a, "holder_limit_usage");
        watched |= json_is_number(usage) && cli_sec_holder_level(json_number_value(usage)) != NULL;
    }
    if (watched) printf("\n");
    json_array_foreach(assets, i, a) {
        char sym[64];
        cli_out_field(a, "symbol", sym, sizeof(sym));
        if (json_is_object(json_object_get(a, "nav"))) cli_status__nav(st, sym, json_object_get(a, "nav"));
        const json_t *res = json_object_get(a, "reserve");
        if (json_is_object(res)) cli_status__reserve(st, sym, res);
    }
    json_array_foreach(assets, i, a) cli_status__holder_limit(a);
    return rc == 0 && fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_IO;
}

/* Seconds from ISO time a to b ("...Z" as the node writes them), or -1. */
static long long cli_status__between(const char *a, const char *b) {
    int y1, mo1, d1, h1, mi1, y2, mo2, d2, h2, mi2;
    double s1, s2;
    if (sscanf(a, "%d-%d-%dT%d:%d:%lfZ", &y1, &mo1, &d1, &h1, &mi1, &s1) != 6) return -1;
    if (sscanf(b, "%d-%d-%dT%d:%d:%lfZ", &y2, &mo2, &d2, &h2, &mi2, &s2) != 6) return -1;
    /* days from civil (Howard Hinnant's algorithm) */
    long long days[2];
    int ys[2] = {y1, y2}, ms[2] = {mo1, mo2}, ds[2] = {d1, d2};
    for (int k = 0; k < 2; k++) {
        int y = ys[k] - (ms[k] <= 2);
        long long era = (y >= 0 ? y : y - 399) / 400;
        long long yoe = y - era * 400;
        long long doy = (153 * (ms[k] + (ms[k] > 2 ? -3 : 9)) + 2) / 5 + ds[k] - 1;
        long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        days[k] = era * 146097 + doe - 719468;
    }
    long long t1 = days[0] * 86400 + h1 * 3600 + mi1 * 60 + (long long)s1;
    long long t2 = days[1] * 86400 + h2 * 3600 + mi2 * 60 + (long long)s2;
    return t2 - t1;
}

/* Which ledger and node, now and the last block, writable, what waits. */
static void cli_status__head(struct cli_status *st, const struct cli_ctx *ctx, const json_t *doc) {
    const json_t *node = json_object_get(doc, "node");
    char genesis[80], store[400], clock[32], version[32], height[32], time[64], now[64];
    char paused[16], controller[64], url[256], store_url[300];
    cli_out_field(node, "genesis_hash", genesis, sizeof(genesis));
    genesis[12] = genesis[0] != '\0' && strlen(genesis) > 12 ? '\0' : genesis[12];
    snprintf(url, sizeof(url), "%s", ctx->node_url);
    cli_out_clean(url);
    cli_out_field(node, "store", store, sizeof(store));
    if (json_object_get(node, "store_url") != NULL) {
        size_t n = strlen(store);
        snprintf(store + n, sizeof(store) - n, " (%s)",
                 cli_out_field(node, "store_url", store_url, sizeof(store_url)));
    }
    printf("ledger      %s  node %s  store %s  clock %s  version %s\n", genesis, url, store,
           cli_out_field(node, "clock", clock, sizeof(clock)),
           cli_out_field(node, "version", version, sizeof(version)));
    if (json_object_get(node, "role") != NULL) { /* a PostgreSQL node (issue 15) */
        char role[32], leader[300];
        cli_out_field(node, "role", role, sizeof(role));
        const char *l = json_string_value(json_object_get(node, "leader"));
        snprintf(leader, sizeof(leader), "%s", l != NULL ? l : "none yet (an election is under way)");
        cli_out_clean(leader);
        printf("role        %s  leader %s  term %lld  behind %lld blocks\n", role, leader,
               (long long)json_integer_value(json_object_get(node, "term")),
               (long long)json_integer_value(json_object_get(node, "lag_blocks")));
    }
    cli_out_field(node, "height", height, sizeof(height));
    cli_out_field(node, "time", time, sizeof(time));
    cli_out_field(node, "now", now, sizeof(now));
    long long ago = cli_status__between(time, now);
    char ago_text[40] = "";
    if (ago >= 0) {
        char d[32];
        human_duration(ago, d, sizeof(d));
        snprintf(ago_text, sizeof(ago_text), " (%s ago)", d);
    }
    printf("now         %s  last block height %s at %s%s\n", now, height, time, ago_text);
    int writable = !json_is_false(json_object_get(node, "writable"));
    printf("writable    ");
    cli_status__say(st, writable ? CLI_FMT_OK : CLI_FMT_CRITICAL, writable ? "yes" : "NO");
    printf("  paused %s  controller %s\n", cli_out_field(node, "paused", paused, sizeof(paused)),
           cli_out_field(node, "controller", controller, sizeof(controller)));
    if (!writable) {
        printf("NOT WRITABLE: a block could not be journaled; it was rolled back and writes are "
               "refused until the node is restarted (see the node's log)\n");
    }
    const json_t *gov = json_object_get(doc, "governance");
    if (json_is_object(gov)) {
        long long waiting = (long long)json_integer_value(json_object_get(gov, "proposals_pending"));
        long long due = (long long)json_integer_value(json_object_get(gov, "timelock_due"));
        long long later = (long long)json_integer_value(json_object_get(gov, "timelock_waiting"));
        char next[64];
        cli_out_field(gov, "timelock_next_eta", next, sizeof(next));
        printf("waiting     proposals %lld%s  timelock due %lld%s, not yet due %lld%s%s\n", waiting,
               waiting > 0 ? " (mintline proposals)" : "", due, due > 0 ? " (mintline timelock)" : "",
               later, later > 0 ? ", next eta " : "", later > 0 ? next : "");
    }
}

/* What else the morning check watches: snapshots, payouts, alerts,
 * incidents, vault types and bridge routes. */
static void cli_status__ops(struct cli_status *st, const json_t *doc) {
    const json_t *node = json_object_get(doc, "node");
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
        long long critical = (long long)json_integer_value(json_object_get(firing, "critical"));
        long long warning = (long long)json_integer_value(json_object_get(firing, "warning"));
        char text[128];
        snprintf(text, sizeof(text), "alerts firing %lld critical, %lld warning, %lld pending", critical,
                 warning, (long long)json_integer_value(json_object_get(alerts, "pending")));
        cli_status__say(st, critical > 0 ? CLI_FMT_CRITICAL : warning > 0 ? CLI_FMT_WARN : CLI_FMT_OK,
                        text);
        printf("\n");
    }
    cli_incident_status(json_object_get(doc, "incidents"));
    cli_vault_status(json_object_get(doc, "vaults"));
    const json_t *bridge = json_object_get(doc, "bridge");
    for (size_t i = 0; i < json_array_size(bridge); i++) {
        const json_t *r = json_array_get(bridge, i);
        char chain[32], asset[32], escrow[64], rate[32];
        cli_fmt_value("escrow", json_object_get(r, "escrow"), CLI_FMT_CELL, escrow, sizeof(escrow));
        cli_fmt_value("success_rate_24h", json_object_get(r, "success_rate_24h"), CLI_FMT_CELL, rate,
                      sizeof(rate));
        printf("bridge chain %s %s %s  escrow %s  24h success %s  buffer %s\n",
               cli_out_field(r, "chain", chain, sizeof(chain)), cli_out_field(r, "asset", asset, sizeof(asset)),
               json_is_true(json_object_get(r, "enabled")) ? "enabled" : "DISABLED", escrow, rate,
               json_is_true(json_object_get(r, "buffer_ok")) ? "ok" : "SHORT");
    }
}

/* "kyc 2, accredited 1" of the non-zero counts; the total. */
static long long cli_status__topics(const json_t *counts, char *out, size_t size) {
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
static void cli_status__compliance(const json_t *c) {
    if (!json_is_object(c) || json_integer_value(json_object_get(c, "identities")) == 0) return;
    char soon[160], expired[160];
    long long n_soon = cli_status__topics(json_object_get(c, "claims_expiring_30d"), soon, sizeof(soon));
    long long n_expired = cli_status__topics(json_object_get(c, "claims_expired"), expired, sizeof(expired));
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
    struct cli_status st = {.color = cli_out_color(stdout), .worst = CLI_FMT_OK};
    if (rc == CLI_EXIT_OK && !ctx->json) {
        if (sym != NULL) {
            json_t *one = json_array();
            if (one == NULL || json_array_append(one, reply.doc) != 0) rc = CLI_EXIT_IO;
            if (rc == CLI_EXIT_OK) rc = cli_status__assets(&st, one);
            json_decref(one);
        } else {
            cli_status__head(&st, ctx, reply.doc);
            cli_status__ops(&st, reply.doc);
            cli_status__compliance(json_object_get(reply.doc, "compliance"));
            printf("\n");
            rc = cli_status__assets(&st, json_object_get(reply.doc, "assets"));
        }
    }
    cli_reply_free(&reply);
    buf_free(&path);
    return rc;
}
