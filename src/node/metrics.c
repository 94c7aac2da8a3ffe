/*
 * metrics.c - GET /metrics in the Prometheus text format (version 0.0.4).
 *
 * Names carry the mintline_ prefix and their unit; amounts are base units.
 * A u128 amount is written as its exact decimal integer: Prometheus reads it
 * as a float, which is what a dashboard needs.
 *
 * No sentinel values (docs/operators/metrics.md, "Never"): an age whose event
 * never happened counts from when it could first have happened (the genesis
 * block for the genesis's assets and feeds, the scheduler's start for
 * backups), so a threshold on the age fires for "never" as for "too old";
 * a companion mintline_*_present gauge (0/1) says which it is. A figure that
 * has no value (a NAV never set, a reserve without quorum) is left out.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../base/duration.h"
#include "../engine/bridge.h"
#include "../engine/keys.h"
#include "../engine/reserve.h"
#include "../engine/restrict.h"
#include "../engine/stabilizer.h"
#include "../engine/vault.h"
#include "deliver.h"
#include "backup.h"
#include "ha.h"
#include "server.h"

static void metrics__line(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void metrics__line(struct buf *b, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0) buf_put(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* The fresh reserve reports' spread over their median (the verified
 * reserve's rule: the lower middle), as a ratio for display; 0 with fewer
 * than two fresh reports, 1 when the median is 0 and another is not. */
static double metrics__reserve_spread(const struct engine *e, uint32_t asset, int64_t now) {
    u128 lo = 0, hi = 0;
    u128 amounts[LIMIT_RESERVE_REPORTS];
    uint32_t n = 0;
    for (uint32_t k = 0; k < e->s.reserve_reports_count; k++) {
        const struct reserve_report *r = &e->s.reserve_reports[k];
        if (r->asset != asset || now - r->time_ns > RESERVE_REPORT_MAX_AGE_NS) continue;
        uint32_t j = n++;
        while (j > 0 && amounts[j - 1] > r->amount) {
            amounts[j] = amounts[j - 1];
            j--;
        }
        amounts[j] = r->amount;
    }
    if (n < 2) return 0.0;
    lo = amounts[0];
    hi = amounts[n - 1];
    u128 median = amounts[(n - 1) / 2];
    if (median == 0) return hi > lo ? 1.0 : 0.0;
    return (double)u128_ratio_ppm(hi - lo, median) / 1e6;
}

static void metrics__head(struct buf *b, const char *name, const char *type, const char *help) {
    metrics__line(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metrics__commands(struct server *s, struct buf *b) {
    metrics__head(b, "mintline_commands_total", "counter",
                  "Journaled commands by op and result (ok or the error code).");
    for (unsigned op = 0; op < OP__COUNT; op++) {
        for (unsigned e = 0; e < ERR__COUNT; e++) {
            uint64_t v = __atomic_load_n(&s->commands_total[op][e], __ATOMIC_RELAXED);
            if (v == 0) continue;
            metrics__line(b, "mintline_commands_total{op=\"%s\",result=\"%s\"} %llu\n",
                          op_table()[op].name, e == ERR_OK ? "ok" : err_name((enum err)e),
                          (unsigned long long)v);
        }
    }
    uint64_t recent = 0, recent_failed = 0;
    cmdwin_read(&s->cmdwin, server_now(s), &recent, &recent_failed);
    metrics__head(b, "mintline_commands_recent", "gauge",
                  "Journaled commands in the last 5 minutes of the ledger's clock (the failed-command ratio's window).");
    metrics__line(b, "mintline_commands_recent %llu\n", (unsigned long long)recent);
    metrics__head(b, "mintline_failed_commands_recent", "gauge",
                  "Rejected journaled commands in the last 5 minutes of the ledger's clock.");
    metrics__line(b, "mintline_failed_commands_recent %llu\n", (unsigned long long)recent_failed);
    metrics__head(b, "mintline_failed_commands_ratio", "gauge",
                  "Rejected over all journaled commands in the last 5 minutes of the ledger's clock (0 when none).");
    metrics__line(b, "mintline_failed_commands_ratio %.6f\n",
                  recent ? (double)recent_failed / (double)recent : 0.0);
    metrics__head(b, "mintline_requests_refused_total", "counter",
                  "Requests refused before sequencing (malformed input), by code.");
    for (unsigned e = 0; e < ERR__COUNT; e++) {
        uint64_t v = __atomic_load_n(&s->refused_total[e], __ATOMIC_RELAXED);
        if (v) metrics__line(b, "mintline_requests_refused_total{code=\"%s\"} %llu\n", err_name((enum err)e), (unsigned long long)v);
    }
}

static void metrics__latency(struct server *s, struct buf *b) {
    struct seq_stats st;
    sequencer_stats(s->seq, &st);
    metrics__head(b, "mintline_block_commit_seconds", "histogram",
                  "Time to commit a block durably (fsync included).");
    for (int i = 0; i < SEQ_LATENCY_BUCKETS; i++) {
        metrics__line(b, "mintline_block_commit_seconds_bucket{le=\"%g\"} %llu\n",
                      seq_latency_bounds_s[i], (unsigned long long)st.latency_le[i]);
    }
    metrics__line(b, "mintline_block_commit_seconds_bucket{le=\"+Inf\"} %llu\n",
                  (unsigned long long)st.latency_count);
    metrics__line(b, "mintline_block_commit_seconds_sum %.9f\n", st.latency_sum_s);
    metrics__line(b, "mintline_block_commit_seconds_count %llu\n", (unsigned long long)st.latency_count);
}

/* A PostgreSQL node's role and, as a follower, how far behind it is. */
static void metrics__ha(struct ha *h, struct buf *b) {
    struct ha_view v;
    ha_view(h, &v);
    metrics__head(b, "mintline_leader", "gauge",
                  "1 while this node leads (holds the writer lock of its PostgreSQL ledger), 0 "
                  "while it follows.");
    metrics__line(b, "mintline_leader %d\n", v.leader);
    metrics__head(b, "mintline_follower_lag_blocks", "gauge",
                  "Blocks in the journal this follower has not applied yet, as last read (0 on "
                  "the leader).");
    metrics__line(b, "mintline_follower_lag_blocks %llu\n", (unsigned long long)v.lag_blocks);
    metrics__head(b, "mintline_follower_lag_seconds", "gauge",
                  "How long this follower has been behind the journal (0 when caught up, and on "
                  "the leader).");
    metrics__line(b, "mintline_follower_lag_seconds %.3f\n", v.lag_s);
    metrics__head(b, "mintline_follower_apply_delay_seconds", "histogram",
                  "Per block this node applied as a follower: when it applied it minus the "
                  "block's time (the leader's clock at the block's start; wall-clock ledgers).");
    for (int i = 0; i < HA_DELAY_BUCKETS; i++) {
        metrics__line(b, "mintline_follower_apply_delay_seconds_bucket{le=\"%g\"} %llu\n",
                      ha_delay_bounds_s[i], (unsigned long long)v.delay.le[i]);
    }
    metrics__line(b, "mintline_follower_apply_delay_seconds_bucket{le=\"+Inf\"} %llu\n",
                  (unsigned long long)v.delay.count);
    metrics__line(b, "mintline_follower_apply_delay_seconds_sum %.9f\n", v.delay.sum_s);
    metrics__line(b, "mintline_follower_apply_delay_seconds_count %llu\n",
                  (unsigned long long)v.delay.count);
}

/* The node's own health: can it write, and what did the sequencer refuse
 * or lose (nothing acknowledged: a refused or rolled-back block is never
 * answered ok). */
static void metrics__node(struct server *s, struct buf *b) {
    struct seq_stats st;
    sequencer_stats(s->seq, &st);
    int writable = __atomic_load_n(&s->ready, __ATOMIC_RELAXED) && !__atomic_load_n(&s->draining, __ATOMIC_RELAXED) &&
                   !__atomic_load_n(&s->chain.broken, __ATOMIC_RELAXED) &&
                   !__atomic_load_n(&s->chain.follower, __ATOMIC_RELAXED);
    metrics__head(b, "mintline_node_writable", "gauge",
                  "1 while the node takes writes; 0 while it cannot: a block could not be journaled "
                  "(store failure or read-only store: rolled back, writes refused until restart), "
                  "or the node is starting or draining.");
    metrics__line(b, "mintline_node_writable %d\n", writable);
    if (s->ha != NULL) metrics__ha(s->ha, b);
    metrics__head(b, "mintline_build_info", "gauge",
                  "Always 1; the labels say which build serves which kind of ledger.");
    metrics__line(b, "mintline_build_info{version=\"%s\",store=\"%s\",clock=\"%s\"} 1\n", MINTLINE_VERSION,
                  s->chain.store ? s->chain.store->kind : "none", s->chain.clock_manual ? "manual" : "wall");
    metrics__head(b, "mintline_blocks_aborted_total", "counter",
                  "Blocks applied but not journaled (store failure) and rolled back.");
    metrics__line(b, "mintline_blocks_aborted_total %llu\n", (unsigned long long)st.blocks_aborted);
    metrics__head(b, "mintline_snapshots_total", "counter", "Snapshot writes by result.");
    metrics__line(b, "mintline_snapshots_total{result=\"ok\"} %llu\n",
                  (unsigned long long)st.snapshots_written);
    metrics__line(b, "mintline_snapshots_total{result=\"failed\"} %llu\n",
                  (unsigned long long)st.snapshots_failed);
    metrics__head(b, "mintline_stale_signer_refused_total", "counter",
                  "Requests refused when they came to apply: the signer's key had been rotated "
                  "or the operator removed since admission (401, not journaled).");
    metrics__line(b, "mintline_stale_signer_refused_total %llu\n", (unsigned long long)st.stale_signer);
    metrics__head(b, "mintline_clock_behind_total", "counter",
                  "Blocks refused because the wall clock was behind the ledger's time.");
    metrics__line(b, "mintline_clock_behind_total %llu\n", (unsigned long long)st.clock_behind);
}

static void metrics__auth(struct server *s, struct buf *b) {
    struct auth_stats st;
    auth_stats(s->auth, &st);
    metrics__head(b, "mintline_signature_failures_total", "counter",
                  "Requests refused by the signature check, by reason.");
    metrics__line(b, "mintline_signature_failures_total{reason=\"missing\"} %llu\n", (unsigned long long)st.missing);
    metrics__line(b, "mintline_signature_failures_total{reason=\"unknown_operator\"} %llu\n", (unsigned long long)st.operator_unknown);
    metrics__line(b, "mintline_signature_failures_total{reason=\"time\"} %llu\n", (unsigned long long)st.time);
    metrics__line(b, "mintline_signature_failures_total{reason=\"signature\"} %llu\n", (unsigned long long)st.signature);
    metrics__line(b, "mintline_signature_failures_total{reason=\"nonce\"} %llu\n", (unsigned long long)st.nonce);
    metrics__head(b, "mintline_rate_limited_total", "counter",
                  "Signed requests refused 429 because their operator's nonce share was full, by path.");
    metrics__line(b, "mintline_rate_limited_total{path=\"read\"} %llu\n", (unsigned long long)st.rate_limited_read);
    metrics__line(b, "mintline_rate_limited_total{path=\"write\"} %llu\n", (unsigned long long)st.rate_limited_write);
    metrics__head(b, "mintline_commands_replayed_total", "counter",
                  "Command requests sent again identical, answered from the journal.");
    metrics__line(b, "mintline_commands_replayed_total %llu\n", (unsigned long long)st.replayed);
    metrics__head(b, "mintline_nonces_held", "gauge", "Nonces remembered against replay, all operators.");
    metrics__line(b, "mintline_nonces_held %llu\n", (unsigned long long)st.nonces_held);
}

static void metrics__http(struct server *s, struct buf *b) {
    struct http_stats st;
    http_stats(s, &st);
    metrics__head(b, "mintline_http_connections", "gauge", "Open HTTP connections.");
    metrics__line(b, "mintline_http_connections %u\n", st.connections_open);
    metrics__head(b, "mintline_http_connections_evicted_total", "counter",
                  "Idle or unverified connections closed to make room for new ones.");
    metrics__line(b, "mintline_http_connections_evicted_total %llu\n", (unsigned long long)st.evicted_total);
    metrics__head(b, "mintline_http_unverified_body_bytes", "gauge",
                  "Bytes reserved by request bodies whose signature is not yet checked.");
    metrics__line(b, "mintline_http_unverified_body_bytes %llu\n", (unsigned long long)st.unverified_bytes);
}

static void metrics__u128(struct buf *b, const char *name, const char *asset, u128 v) {
    char text[AMOUNT_TEXT_SIZE];
    u128_format(v, text);
    metrics__line(b, "%s{asset=\"%s\"} %s\n", name, asset, text);
}

/* Payouts created and not yet distributed, by the asset they pay, and
 * what they would pay (their totals) in base units. */
static void metrics__payouts(const struct engine *e, struct buf *b) {
    metrics__head(b, "mintline_payouts_pending", "gauge", "Payouts created and not yet distributed, by paid asset.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        uint32_t n = 0;
        for (uint32_t k = 0; k < e->s.payouts_count; k++) n += !e->s.payouts[k].distributed && e->s.payouts[k].pay == i;
        metrics__line(b, "mintline_payouts_pending{asset=\"%s\"} %u\n", e->s.assets[i].symbol, n);
    }
    metrics__head(b, "mintline_payouts_pending_base_units", "gauge", "Totals of the payouts not yet distributed, by paid asset, in base units.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        u128 total = 0;
        for (uint32_t k = 0; k < e->s.payouts_count; k++) {
            const struct payout *p = &e->s.payouts[k];
            if (!p->distributed && p->pay == i && u128_add(total, p->total, &total) != ERR_OK) total = ~(u128)0;
        }
        metrics__u128(b, "mintline_payouts_pending_base_units", e->s.assets[i].symbol, total);
    }
}

/* Stabilizers (stabilizer.h): the TWAP's deviation from the peg, and the
 * orders emitted; nothing for a ledger without one. */
static void metrics__stabilizers(const struct engine *e, struct buf *b) {
    if (e->s.stab.count == 0) return;
    metrics__head(b, "mintline_stabilizer_deviation_ratio", "gauge",
                  "The stabilizer's TWAP deviation from its peg (ppm / 1e6), by asset.");
    for (uint32_t i = 0; i < e->s.stab.count; i++) {
        struct stabilizer_view v;
        stabilizer_view(e, i, &v);
        metrics__line(b, "mintline_stabilizer_deviation_ratio{asset=\"%s\"} %.6f\n",
                      e->s.assets[e->s.stab.items[i].asset].symbol, (double)v.deviation_ppm / 1e6);
    }
    metrics__head(b, "mintline_stabilizer_orders_total", "counter",
                  "StabilizationOrder events so far, by asset.");
    for (uint32_t i = 0; i < e->s.stab.count; i++) {
        metrics__line(b, "mintline_stabilizer_orders_total{asset=\"%s\"} %llu\n",
                      e->s.assets[e->s.stab.items[i].asset].symbol,
                      (unsigned long long)e->s.stab.items[i].orders_count);
    }
}

/* The bridge's routes (bridge.h): the series the built-in bridge rules
 * read; nothing for a ledger without a route. */
static void metrics__bridge(const struct engine *e, int64_t now_ns, struct buf *b) {
    uint32_t n = e->s.bridge.routes_count;
    if (n == 0) return;
    struct bridge_figures f[LIMIT_BRIDGE_ROUTES];
    for (uint32_t i = 0; i < n; i++) bridge_route_figures(e, i, now_ns, &f[i]);
    static const char *const names[] = {"mintline_bridge_success_ratio", "mintline_bridge_settlement_p95_seconds",
                                        "mintline_bridge_settlement_p50_seconds", "mintline_bridge_escrow_base_units",
                                        "mintline_bridge_buffer_balance_base_units",
                                        "mintline_bridge_buffer_required_base_units",
                                        "mintline_bridge_buffer_ok", "mintline_bridge_peak_hourly_outflow_base_units",
                                        "mintline_bridge_buffer_minimum_base_units",
                                        "mintline_bridge_buffer_projected_base_units"};
    static const char *const help[] = {"Settled / (settled + refunded) over the last 24h (1 when neither), by route.",
                                       "Settlement time p95 over the last settlements, by route.",
                                       "Settlement time p50 over the last settlements, by route.",
                                       "Escrow outstanding (initiated and refund-requested transfers), by route.",
                                       "The buffer account's balance of the route's asset.",
                                       "The buffer rule: peak hourly outflow x latency x safety factor, rounded up.",
                                       "1 when the buffer holds what the rule requires.",
                                       "The largest hourly outflow of the last 24 hours, by route.",
                                       "The bare buffer rule: peak hourly outflow x latency, rounded up.",
                                       "The buffer's balance less the escrow in flight (paid within a window)."};
    for (unsigned k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        metrics__head(b, names[k], "gauge", help[k]);
        for (uint32_t i = 0; i < n; i++) {
            const struct bridge_route *r = &e->s.bridge.routes[i];
            const char *sym = e->s.assets[r->asset].symbol;
            char v[AMOUNT_TEXT_SIZE];
            switch (k) {
            case 0: snprintf(v, sizeof(v), "%.6f", (double)f[i].success_ppm / 1e6); break;
            case 1: snprintf(v, sizeof(v), "%.3f", (double)f[i].p95_ns / 1e9); break;
            case 2: snprintf(v, sizeof(v), "%.3f", (double)f[i].p50_ns / 1e9); break;
            case 3: u128_format(f[i].escrow, v); break;
            case 4: u128_format(f[i].buffer_actual, v); break;
            case 5: u128_format(f[i].buffer_required, v); break;
            case 6: snprintf(v, sizeof(v), "%d", f[i].buffer_ok ? 1 : 0); break;
            case 7: u128_format(f[i].peak_hourly_outflow, v); break;
            case 8: u128_format(f[i].buffer_minimum, v); break;
            default: u128_format(f[i].buffer_projected, v); break;
            }
            metrics__line(b, "%s{asset=\"%s\",chain=\"%llu\"} %s\n", names[k], sym,
                          (unsigned long long)r->chain, v);
        }
    }
}

/* Vault types (vault.h): the lowest health among vaults with debt (the
 * built-in vault rules read it), debt ceiling usage, debt, liquidations;
 * nothing for a ledger without a type. */
static void metrics__vaults(const struct engine *e, struct buf *b) {
    uint32_t n = e->s.vlt.types_count;
    if (n == 0) return;
    uint64_t min[LIMIT_VAULT_TYPES];
    vault_health_min(e, min);
    metrics__head(b, "mintline_vault_health_min_ratio", "gauge",
                  "The lowest collateral value / debt among a type's vaults with debt (absent when none).");
    for (uint32_t t = 0; t < n; t++) {
        if (min[t] == UINT64_MAX) continue;
        metrics__line(b, "mintline_vault_health_min_ratio{vault_type=\"%s\"} %.6f\n", e->s.vlt.types[t].name,
                      (double)min[t] / 1e6);
    }
    metrics__head(b, "mintline_vault_debt_ceiling_usage_ratio", "gauge", "A type's total debt / its debt ceiling.");
    for (uint32_t t = 0; t < n; t++) {
        const struct vault_type *vt = &e->s.vlt.types[t];
        double usage = (double)u128_ratio_ppm(vt->total_debt, vt->debt_ceiling) / 1e6;
        metrics__line(b, "mintline_vault_debt_ceiling_usage_ratio{vault_type=\"%s\"} %.6f\n", vt->name, usage);
    }
    metrics__head(b, "mintline_vault_debt_base_units", "gauge", "A type's total debt, in the debt asset's base units.");
    for (uint32_t t = 0; t < n; t++) {
        char v[AMOUNT_TEXT_SIZE];
        u128_format(e->s.vlt.types[t].total_debt, v);
        metrics__line(b, "mintline_vault_debt_base_units{vault_type=\"%s\"} %s\n", e->s.vlt.types[t].name, v);
    }
    metrics__head(b, "mintline_vault_liquidations_total", "counter", "Liquidations of a type's vaults.");
    for (uint32_t t = 0; t < n; t++) {
        metrics__line(b, "mintline_vault_liquidations_total{vault_type=\"%s\"} %llu\n", e->s.vlt.types[t].name,
                      (unsigned long long)e->s.vlt.types[t].liquidations_count);
    }
}

/* Whole seconds from since_ns to now_ns, never negative. */
static long long metrics__age_s(int64_t now_ns, int64_t since_ns) {
    return now_ns > since_ns ? (long long)((now_ns - since_ns) / 1000000000) : 0;
}

/* Blacklists are address-wide (SPEC 3 item 3): one count. Frozen, per
 * asset: addresses frozen for every asset or for that one; and the
 * partially frozen amounts. One scan of the holdings, and none while
 * nothing is restricted. */
static void metrics__restrictions(const struct engine *e, struct buf *b) {
    uint64_t blacklisted = 0, frozen_all = 0;
    uint64_t frozen[LIMIT_ASSETS] = {0};
    u128 partial[LIMIT_ASSETS] = {0};
    if (e->s.restricted_count != 0) {
        uint32_t slot = 0;
        const struct holding *h;
        while ((h = holdings_next(&e->holdings, &slot)) != NULL) {
            if (!key_is_restriction(h->asset)) continue;
            u128 v = holding_balance(h);
            if (h->asset == KEY_RESTRICT_ADDRESS) {
                blacklisted += (v & RESTRICT_BLACKLISTED) != 0;
                frozen_all += (v & RESTRICT_FROZEN) != 0;
                continue;
            }
            uint16_t a = (uint16_t)(h->asset - KEY_RESTRICT_ASSET);
            u128 amount = v & RESTRICT_AMOUNT_MASK;
            if (u128_add(partial[a], amount, &partial[a]) != ERR_OK) partial[a] = RESTRICT_AMOUNT_MASK;
            if (!(v & RESTRICT_ASSET_FROZEN)) continue;
            struct addr addr;
            memcpy(addr.bytes, h->addr, ADDR_BYTES);
            frozen[a] += !(restrict_address_flags(e, &addr) & RESTRICT_FROZEN); /* counted in frozen_all */
        }
    }
    metrics__head(b, "mintline_blacklisted_addresses", "gauge",
                  "Blacklisted addresses (a blacklist covers every asset).");
    metrics__line(b, "mintline_blacklisted_addresses %llu\n", (unsigned long long)blacklisted);
    metrics__head(b, "mintline_frozen_addresses", "gauge",
                  "Addresses that cannot move the asset: frozen for every asset or for this one.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        metrics__line(b, "mintline_frozen_addresses{asset=\"%s\"} %llu\n", e->s.assets[i].symbol,
                      (unsigned long long)(frozen_all + frozen[i]));
    }
    metrics__head(b, "mintline_frozen_amount_base_units", "gauge",
                  "Partially frozen amounts (freeze --amount), summed over addresses, in base units.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        metrics__u128(b, "mintline_frozen_amount_base_units", e->s.assets[i].symbol, partial[i]);
    }
}

/* Each asset's settings and absolute limits, in base units (the usage
 * ratios above are over these). */
static void metrics__limits(const struct engine *e, int64_t now, struct buf *b) {
    metrics__head(b, "mintline_asset_decimals", "gauge",
                  "Decimals of each asset: a base-unit figure / 10^decimals is the amount in whole units.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        metrics__line(b, "mintline_asset_decimals{asset=\"%s\"} %u\n", e->s.assets[i].symbol, e->s.assets[i].decimals);
    }
    metrics__head(b, "mintline_minting_halted", "gauge", "1 while minting of the asset is halted (mint-halt, or an alert's halt_minting).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        metrics__line(b, "mintline_minting_halted{asset=\"%s\"} %d\n", e->s.assets[i].symbol, e->s.assets[i].mint_halted != 0);
    }
    metrics__head(b, "mintline_supply_cap_base_units", "gauge", "The supply cap, in base units (assets with a cap).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->limit_flags & ASSET_HAS_SUPPLY_CAP) metrics__u128(b, "mintline_supply_cap_base_units", a->symbol, a->supply_cap);
    }
    metrics__head(b, "mintline_daily_mint_limit_base_units", "gauge",
                  "The daily mint limit, in base units (assets with one).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->limit_flags & ASSET_HAS_DAILY_MINT_LIMIT) metrics__u128(b, "mintline_daily_mint_limit_base_units", a->symbol, a->daily_mint_limit);
    }
    metrics__head(b, "mintline_daily_inflow_limit_base_units", "gauge",
                  "The daily net inflow limit, in base units (assets with one).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->limit_flags & ASSET_HAS_DAILY_INFLOW_LIMIT) metrics__u128(b, "mintline_daily_inflow_limit_base_units", a->symbol, a->daily_inflow_limit);
    }
    metrics__head(b, "mintline_minted_today_base_units", "gauge", "Minted since 00:00 UTC, in base units.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        u128 minted, burned;
        engine_day_counters(e, i, now, &minted, &burned);
        metrics__u128(b, "mintline_minted_today_base_units", e->s.assets[i].symbol, minted);
    }
    metrics__head(b, "mintline_net_inflow_today_base_units", "gauge",
                  "Minted less burned since 00:00 UTC (0 when more was burned), in base units.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        u128 minted, burned;
        engine_day_counters(e, i, now, &minted, &burned);
        metrics__u128(b, "mintline_net_inflow_today_base_units", e->s.assets[i].symbol, minted > burned ? minted - burned : 0);
    }
}

static void metrics__assets(struct server *s, struct buf *b) {
    const struct engine *e = &s->chain.engine;
    int64_t now = server_now(s);
    int64_t born = s->chain.genesis_time_ns; /* the genesis made every asset and feed */
    metrics__head(b, "mintline_supply_base_units", "gauge", "Supply per asset, in base units.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) metrics__u128(b, "mintline_supply_base_units", e->s.assets[i].symbol, e->s.assets[i].supply);
    metrics__head(b, "mintline_supply_cap_usage_ratio", "gauge", "Supply over supply cap (assets with a cap).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->limit_flags & ASSET_HAS_SUPPLY_CAP) metrics__line(b, "mintline_supply_cap_usage_ratio{asset=\"%s\"} %.6f\n", a->symbol, (double)u128_ratio_ppm(a->supply, a->supply_cap) / 1e6);
    }
    metrics__head(b, "mintline_daily_mint_usage_ratio", "gauge", "Minted today over the daily mint limit.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        u128 minted, burned;
        engine_day_counters(e, i, now, &minted, &burned);
        if (a->limit_flags & ASSET_HAS_DAILY_MINT_LIMIT) metrics__line(b, "mintline_daily_mint_usage_ratio{asset=\"%s\"} %.6f\n", a->symbol, (double)u128_ratio_ppm(minted, a->daily_mint_limit) / 1e6);
    }
    metrics__head(b, "mintline_daily_inflow_usage_ratio", "gauge", "Net inflow today over the daily inflow limit.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        u128 minted, burned;
        engine_day_counters(e, i, now, &minted, &burned);
        if (a->limit_flags & ASSET_HAS_DAILY_INFLOW_LIMIT) metrics__line(b, "mintline_daily_inflow_usage_ratio{asset=\"%s\"} %.6f\n", a->symbol, (double)u128_ratio_ppm(minted > burned ? minted - burned : 0, a->daily_inflow_limit) / 1e6);
    }
    metrics__head(b, "mintline_holders", "gauge", "Addresses with a non-zero balance.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) metrics__line(b, "mintline_holders{asset=\"%s\"} %llu\n", e->s.assets[i].symbol, (unsigned long long)e->s.assets[i].holders_count);
    metrics__head(b, "mintline_paused", "gauge", "1 when the asset is paused (itself or globally).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) metrics__line(b, "mintline_paused{asset=\"%s\"} %d\n", e->s.assets[i].symbol, e->s.assets[i].paused || e->s.paused);
    metrics__head(b, "mintline_operator_key_age_seconds", "gauge", "Age of each operator's key.");
    for (uint32_t i = 0; i < e->s.operators_count; i++) {
        const struct operator *o = &e->s.operators[i];
        if (!o->removed) metrics__line(b, "mintline_operator_key_age_seconds{operator=\"%s\"} %lld\n", o->name, (long long)((now - o->key_created_ns) / 1000000000));
    }
    metrics__head(b, "mintline_reserve_ratio", "gauge",
                  "Verified reserve over the reserve-backed supply (supply less vault debt; fiat assets; "
                  "absent without quorum, +Inf when all supply is vault debt).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->kind != ASSET_FIAT) continue;
        u128 verified = 0;
        uint32_t fresh = 0;
        if (!reserve_verified(e, i, now, &verified, &fresh)) continue;
        u128 backed = reserve_backed_supply(e, i);
        if (a->supply != 0 && backed == 0) {
            metrics__line(b, "mintline_reserve_ratio{asset=\"%s\"} +Inf\n", a->symbol);
            continue;
        }
        double ratio = backed ? (double)u128_ratio_ppm(verified, backed) / 1e6 : 0.0;
        metrics__line(b, "mintline_reserve_ratio{asset=\"%s\"} %.6f\n", a->symbol, ratio);
    }
    metrics__head(b, "mintline_reserve_verified_base_units", "gauge",
                  "The verified reserve (the fresh reports' lower median), in the asset's base units "
                  "(fiat assets; absent without quorum).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        if (e->s.assets[i].kind != ASSET_FIAT) continue;
        u128 verified = 0;
        uint32_t fresh = 0;
        if (reserve_verified(e, i, now, &verified, &fresh)) {
            metrics__u128(b, "mintline_reserve_verified_base_units", e->s.assets[i].symbol, verified);
        }
    }
    metrics__head(b, "mintline_reserve_quorum_met", "gauge", "1 when enough fresh reserve reports agree.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->kind != ASSET_FIAT) continue;
        u128 verified = 0;
        uint32_t fresh = 0;
        metrics__line(b, "mintline_reserve_quorum_met{asset=\"%s\"} %d\n", a->symbol, reserve_verified(e, i, now, &verified, &fresh));
    }
    metrics__head(b, "mintline_reserve_reports_stale", "gauge", "Reporters whose latest reserve report is older than 1h (fiat assets).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        if (e->s.assets[i].kind != ASSET_FIAT) continue;
        uint32_t stale = 0;
        for (uint32_t k = 0; k < e->s.reserve_reports_count; k++) {
            const struct reserve_report *r = &e->s.reserve_reports[k];
            stale += r->asset == i && now - r->time_ns > RESERVE_REPORT_MAX_AGE_NS;
        }
        metrics__line(b, "mintline_reserve_reports_stale{asset=\"%s\"} %u\n", e->s.assets[i].symbol, stale);
    }
    int64_t newest[LIMIT_ASSETS] = {0};
    for (uint32_t k = 0; k < e->s.reserve_reports_count; k++) {
        const struct reserve_report *r = &e->s.reserve_reports[k];
        if (r->asset < LIMIT_ASSETS && r->time_ns > newest[r->asset]) newest[r->asset] = r->time_ns;
    }
    metrics__head(b, "mintline_reserve_report_age_seconds", "gauge",
                  "Age of the newest reserve report of each fiat asset (none yet: since the genesis).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        if (e->s.assets[i].kind != ASSET_FIAT) continue;
        metrics__line(b, "mintline_reserve_report_age_seconds{asset=\"%s\"} %lld\n", e->s.assets[i].symbol,
                      metrics__age_s(now, newest[i] ? newest[i] : born));
    }
    metrics__head(b, "mintline_reserve_report_present", "gauge",
                  "1 when the fiat asset has had a reserve report, 0 when none yet.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        if (e->s.assets[i].kind != ASSET_FIAT) continue;
        metrics__line(b, "mintline_reserve_report_present{asset=\"%s\"} %d\n", e->s.assets[i].symbol, newest[i] != 0);
    }
    metrics__head(b, "mintline_reserve_deviation_ratio", "gauge", "Spread (highest minus lowest) of the fresh reserve reports over their median; 0 with fewer than two.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        if (e->s.assets[i].kind != ASSET_FIAT) continue;
        metrics__line(b, "mintline_reserve_deviation_ratio{asset=\"%s\"} %.6f\n", e->s.assets[i].symbol,
                      metrics__reserve_spread(e, i, now));
    }
    metrics__head(b, "mintline_por_age_seconds", "gauge",
                  "Age of each fiat asset's latest proof-of-reserves publication (none yet: since the genesis).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->kind != ASSET_FIAT) continue;
        metrics__line(b, "mintline_por_age_seconds{asset=\"%s\"} %lld\n", a->symbol,
                      metrics__age_s(now, a->por.block ? a->por.time_ns : born));
    }
    metrics__head(b, "mintline_por_present", "gauge",
                  "1 when the fiat asset has a proof-of-reserves publication, 0 when none yet.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->kind == ASSET_FIAT) metrics__line(b, "mintline_por_present{asset=\"%s\"} %d\n", a->symbol, a->por.block != 0);
    }
    metrics__head(b, "mintline_nav_age_seconds", "gauge", "Age of each fund's NAV (none yet: since the genesis).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->kind != ASSET_FUND) continue;
        metrics__line(b, "mintline_nav_age_seconds{asset=\"%s\"} %lld\n", a->symbol,
                      metrics__age_s(now, a->nav_updated_ns ? a->nav_updated_ns : born));
    }
    metrics__head(b, "mintline_nav_present", "gauge", "1 when the fund has a NAV, 0 when none yet.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->kind == ASSET_FUND) metrics__line(b, "mintline_nav_present{asset=\"%s\"} %d\n", a->symbol, a->nav_updated_ns != 0);
    }
    metrics__head(b, "mintline_nav", "gauge",
                  "Each fund's NAV per unit (label currency: the fund's, when it names one), written exactly "
                  "(8 fraction digits at most; absent when none yet).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->kind != ASSET_FUND || a->nav_updated_ns == 0) continue;
        char v[AMOUNT_TEXT_SIZE];
        amount_format(a->nav, 8, v);
        if (a->currency[0] != '\0') {
            metrics__line(b, "mintline_nav{asset=\"%s\",currency=\"%s\"} %s\n", a->symbol, a->currency, v);
        } else {
            metrics__line(b, "mintline_nav{asset=\"%s\"} %s\n", a->symbol, v);
        }
    }
    metrics__head(b, "mintline_nav_deviation_ratio", "gauge", "Relative move of each fund's last NAV update.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->kind == ASSET_FUND) metrics__line(b, "mintline_nav_deviation_ratio{asset=\"%s\"} %.6f\n", a->symbol, (double)a->nav_deviation_ppm / 1e6);
    }
    metrics__head(b, "mintline_nav_force_updates_total", "counter", "Forced NAV updates (nav force, with a reason).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->kind == ASSET_FUND) metrics__line(b, "mintline_nav_force_updates_total{asset=\"%s\"} %llu\n", a->symbol, (unsigned long long)a->nav_force_count);
    }
    metrics__head(b, "mintline_price_age_seconds", "gauge", "Age of each price feed's value (none yet: since the genesis).");
    for (uint32_t i = 0; i < e->s.feeds_count; i++) {
        const struct feed *f = &e->s.feeds[i];
        metrics__line(b, "mintline_price_age_seconds{feed=\"%s\"} %lld\n", f->name,
                      metrics__age_s(now, f->value ? f->updated_ns : born));
    }
    metrics__head(b, "mintline_price_present", "gauge", "1 when the price feed has a value, 0 when none yet.");
    for (uint32_t i = 0; i < e->s.feeds_count; i++) {
        metrics__line(b, "mintline_price_present{feed=\"%s\"} %d\n", e->s.feeds[i].name, e->s.feeds[i].value != 0);
    }
    metrics__head(b, "mintline_oracle_frozen", "gauge", "1 when a price feed is frozen.");
    for (uint32_t i = 0; i < e->s.feeds_count; i++) {
        metrics__line(b, "mintline_oracle_frozen{feed=\"%s\"} %d\n", e->s.feeds[i].name, e->s.feeds[i].frozen);
    }
    metrics__head(b, "mintline_proposals_open", "gauge", "Proposals waiting for approvals.");
    metrics__line(b, "mintline_proposals_open %u\n", e->s.proposals_count);
    metrics__head(b, "mintline_timelock_entries", "gauge", "Commands waiting in the timelock.");
    metrics__line(b, "mintline_timelock_entries %u\n", e->s.timelock_count);
    metrics__payouts(e, b);
    metrics__head(b, "mintline_block_height", "gauge", "Height of the last committed block.");
    metrics__line(b, "mintline_block_height %llu\n", (unsigned long long)e->s.height);
    metrics__head(b, "mintline_last_block_timestamp_seconds", "gauge",
                  "Time of the last committed block (the ledger's clock), in seconds since the Unix epoch.");
    metrics__line(b, "mintline_last_block_timestamp_seconds %.3f\n", (double)s->chain.head_time_ns / 1e9);
    metrics__limits(e, now, b);
    metrics__restrictions(e, b);
}

/* Security assets (SPEC 5, 9): holder limits and the claims figures (an
 * O(holdings) scan of the identity records, once per scrape). */
static void metrics__compliance(struct server *s, struct buf *b) {
    const struct engine *e = &s->chain.engine;
    metrics__head(b, "mintline_holder_limit_usage_ratio", "gauge",
                  "Holders over max_holders (security assets; SPEC 9: warning at 0.7, critical at 0.9).");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        if (e->s.assets[i].kind != ASSET_SECURITY) continue;
        metrics__line(b, "mintline_holder_limit_usage_ratio{asset=\"%s\"} %.6f\n", e->s.assets[i].symbol,
                      api_holder_limit_usage(e, i));
    }
    metrics__head(b, "mintline_max_holders", "gauge", "The holder limit (max_holders) of each security asset.");
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        if (e->s.assets[i].kind != ASSET_SECURITY) continue;
        metrics__line(b, "mintline_max_holders{asset=\"%s\"} %u\n", e->s.assets[i].symbol,
                      e->s.rules[i].max_holders);
    }
    struct api_claims c;
    api_claims_count(e, server_now(s) / NS_PER_DAY, &c);
    metrics__head(b, "mintline_identities", "gauge", "Registered identities.");
    metrics__line(b, "mintline_identities %u\n", c.identities);
    metrics__head(b, "mintline_claims_expiring_30d", "gauge",
                  "Valid claims that expire within 30 days, by topic.");
    for (unsigned t = 0; t < CLAIM__COUNT; t++) {
        metrics__line(b, "mintline_claims_expiring_30d{topic=\"%s\"} %u\n",
                      claim_topic_name((enum claim_topic)t), c.expiring[t]);
    }
    metrics__head(b, "mintline_claims_expired", "gauge",
                  "Claims past their expiry date, still on record (check 5 refuses them: ERR_CLAIM_EXPIRED), by topic.");
    for (unsigned t = 0; t < CLAIM__COUNT; t++) {
        metrics__line(b, "mintline_claims_expired{topic=\"%s\"} %u\n",
                      claim_topic_name((enum claim_topic)t), c.expired[t]);
    }
}

void metrics_render(struct server *s, struct server_response *out) {
    metrics__commands(s, &out->body);
    metrics__latency(s, &out->body);
    metrics__auth(s, &out->body);
    metrics__node(s, &out->body);
    metrics__http(s, &out->body);
    if (s->alerting != NULL) alerting_metrics(s->alerting, &out->body);
    deliver_metrics(s->deliver, &out->body);
    backup_sched_metrics(s->backup, chain_now_ns(), &out->body);
    pthread_rwlock_rdlock(&s->chain.lock);
    metrics__assets(s, &out->body);
    metrics__compliance(s, &out->body);
    api_incidents_metrics(&s->chain.engine, server_now(s), &out->body);
    metrics__stabilizers(&s->chain.engine, &out->body);
    metrics__bridge(&s->chain.engine, server_now(s), &out->body);
    metrics__vaults(&s->chain.engine, &out->body);
    pthread_rwlock_unlock(&s->chain.lock);
    out->status = 200;
    out->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
