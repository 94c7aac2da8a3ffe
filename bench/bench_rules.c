/*
 * bench_rules.c - evaluating the built-in alert rules (src/ops) over the
 * series of a node with 100 assets (issue 10: under 1 ms per evaluation).
 *
 * The series are the node's metrics for --assets fiat assets (supply, cap
 * and daily usages, holders, pause, reserve ratio, quorum, reports, proof
 * age, holder-limit usage), as many funds' NAV age and deviation, vault
 * types, bridge routes, 50 operators' key ages and commands_total for 40
 * ops by result: about 2,000 series, one asset in ten past a threshold so
 * that alerts are built too. One evaluation = index the series
 * (promql_set_update on a set kept from round to round) + every enabled
 * rule evaluated and its alerts built (rule_alerts_eval), as the node's
 * evaluator will do each round.
 *
 *   bench_rules [--assets N] [--rounds N]
 *
 * Prints "RESULT rules_eval_us X" (the median round), "RESULT rules_eval_p99_us",
 * "RESULT rules_series N" and "RESULT rules_alerts N".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/ops/promql.h"
#include "../src/ops/rules.h"
#include "bench_util.h"

#define BENCH_RULES_SERIES_MAX 8192u

struct bench_rules {
    struct promql_series series[BENCH_RULES_SERIES_MAX];
    struct promql_label labels[BENCH_RULES_SERIES_MAX * 2];
    char names[BENCH_RULES_SERIES_MAX][48];
    char values[BENCH_RULES_SERIES_MAX][2][32];
    size_t count;
};

static void bench_rules_add(struct bench_rules *b, const char *name, const char *l1, const char *v1,
                            const char *l2, const char *v2, double value) {
    if (b->count == BENCH_RULES_SERIES_MAX) return;
    size_t i = b->count++;
    struct promql_series *s = &b->series[i];
    snprintf(b->names[i], sizeof(b->names[i]), "%s", name);
    s->name = b->names[i];
    s->labels = &b->labels[2 * i];
    s->labels_count = 0;
    s->value = value;
    if (l1 != NULL) {
        snprintf(b->values[i][0], sizeof(b->values[i][0]), "%s", v1);
        b->labels[2 * i] = (struct promql_label){l1, b->values[i][0]};
        s->labels_count = 1;
    }
    if (l2 != NULL) {
        snprintf(b->values[i][1], sizeof(b->values[i][1]), "%s", v2);
        b->labels[2 * i + 1] = (struct promql_label){l2, b->values[i][1]};
        s->labels_count = 2;
    }
}

static void bench_rules_node(struct bench_rules *b, unsigned assets) {
    char sym[32];
    for (unsigned a = 0; a < assets; a++) {
        int hot = a % 10 == 0; /* one in ten past a threshold */
        snprintf(sym, sizeof(sym), "FIAT%u", a);
        bench_rules_add(b, "mintline_supply_base_units", "asset", sym, NULL, NULL, 1e12);
        bench_rules_add(b, "mintline_supply_cap_usage_ratio", "asset", sym, NULL, NULL, hot ? 0.99 : 0.5);
        bench_rules_add(b, "mintline_daily_mint_usage_ratio", "asset", sym, NULL, NULL, hot ? 0.96 : 0.1);
        bench_rules_add(b, "mintline_daily_inflow_usage_ratio", "asset", sym, NULL, NULL, 0.1);
        bench_rules_add(b, "mintline_holders", "asset", sym, NULL, NULL, 1000);
        bench_rules_add(b, "mintline_paused", "asset", sym, NULL, NULL, 0);
        bench_rules_add(b, "mintline_reserve_ratio", "asset", sym, NULL, NULL, hot ? 0.999999 : 1.2);
        bench_rules_add(b, "mintline_reserve_quorum_met", "asset", sym, NULL, NULL, 1);
        bench_rules_add(b, "mintline_reserve_reports_stale", "asset", sym, NULL, NULL, 0);
        bench_rules_add(b, "mintline_reserve_deviation_ratio", "asset", sym, NULL, NULL, 0.01);
        bench_rules_add(b, "mintline_por_age_seconds", "asset", sym, NULL, NULL, 3600);
        bench_rules_add(b, "mintline_holder_limit_usage_ratio", "asset", sym, NULL, NULL, hot ? 0.75 : 0.2);
        snprintf(sym, sizeof(sym), "FUND%u", a);
        bench_rules_add(b, "mintline_nav_age_seconds", "asset", sym, NULL, NULL, hot ? 20000 : 60);
        bench_rules_add(b, "mintline_nav_deviation_ratio", "asset", sym, NULL, NULL, 0.01);
        snprintf(sym, sizeof(sym), "VT%u", a);
        bench_rules_add(b, "mintline_vault_health_min_ratio", "vault_type", sym, NULL, NULL, 1.6);
        bench_rules_add(b, "mintline_vault_debt_ceiling_usage_ratio", "vault_type", sym, NULL, NULL, 0.3);
        char chain[16];
        snprintf(chain, sizeof(chain), "%u", 1000 + a);
        snprintf(sym, sizeof(sym), "FIAT%u", a);
        bench_rules_add(b, "mintline_bridge_success_ratio", "asset", sym, "chain", chain, 0.99);
        bench_rules_add(b, "mintline_bridge_settlement_p95_seconds", "asset", sym, "chain", chain, 600);
        bench_rules_add(b, "mintline_bridge_buffer_balance_base_units", "asset", sym, "chain", chain, 1e9);
        bench_rules_add(b, "mintline_bridge_buffer_required_base_units", "asset", sym, "chain", chain, 5e8);
        bench_rules_add(b, "mintline_bridge_buffer_projected_base_units", "asset", sym, "chain", chain, 9e8);
    }
    for (unsigned o = 0; o < 50; o++) {
        char name[32];
        snprintf(name, sizeof(name), "operator%u", o);
        bench_rules_add(b, "mintline_operator_key_age_seconds", "operator", name, NULL, NULL, 86400.0 * o * 2);
    }
    for (unsigned op = 0; op < 40; op++) {
        char name[32];
        snprintf(name, sizeof(name), "op%u", op);
        bench_rules_add(b, "mintline_commands_total", "op", name, "result", "ok", 1000);
        bench_rules_add(b, "mintline_commands_total", "op", name, "result", "ERR_PAUSED", 3);
        bench_rules_add(b, "mintline_commands_total", "op", name, "result", "ERR_UNAUTHORIZED", 1);
    }
    bench_rules_add(b, "mintline_failed_commands_ratio", NULL, NULL, NULL, NULL, 0.004);
    bench_rules_add(b, "mintline_price_age_seconds", "feed", "XAU", NULL, NULL, 30);
}

static int bench_rules_cmp(const void *a, const void *b) {
    double x = *(const double *)a;
    double y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One round: index, evaluate every rule, build its alerts. Returns the
 * alerts built, or -1. */
static long bench_rules_round(const struct rules *rules, const struct bench_rules *b,
                              struct promql_set *set) {
    if (promql_set_update(set, b->series, b->count) != ERR_OK) return -1;
    long alerts = 0;
    for (size_t i = 0; i < rules->rules_count; i++) {
        struct rule_alert *a = NULL;
        size_t n = 0;
        struct promql_error error;
        if (rule_alerts_eval(&rules->rules[i], set, &a, &n, &error) != ERR_OK) {
            fprintf(stderr, "bench_rules: %s: %s\n", rules->rules[i].name, error.message);
            return -1;
        }
        alerts += (long)n;
        rule_alerts_free(a, n);
    }
    return alerts;
}

int main(int argc, char **argv) {
    unsigned assets = 100;
    unsigned rounds = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--assets") == 0) assets = (unsigned)strtoul(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--rounds") == 0) rounds = (unsigned)strtoul(argv[i + 1], NULL, 10);
    }
    if (rounds == 0) rounds = 1;
    static struct bench_rules b;
    bench_rules_node(&b, assets);
    struct rules rules;
    struct rules_error error;
    if (rules_defaults(&rules, &error) != ERR_OK) {
        fprintf(stderr, "bench_rules: built-in rules: %s\n", error.message);
        return 1;
    }
    double *us = calloc(rounds, sizeof(*us));
    if (us == NULL) return 1;
    struct promql_set set;
    if (promql_set_init(&set, NULL, 0) != ERR_OK) return 1;
    long alerts = bench_rules_round(&rules, &b, &set); /* warm-up: the set grows to size */
    for (unsigned r = 0; r < rounds && alerts >= 0; r++) {
        double t0 = bench_now_s();
        alerts = bench_rules_round(&rules, &b, &set);
        us[r] = (bench_now_s() - t0) * 1e6;
    }
    if (alerts < 0) return 1;
    qsort(us, rounds, sizeof(*us), bench_rules_cmp);
    double median = us[rounds / 2];
    double p99 = us[(size_t)((double)rounds * 0.99)];
    fprintf(stderr, "built-in rules (%zu) over %zu series (%u assets): %.0f us per evaluation (median of %u), "
                    "p99 %.0f us, %ld alerts built each\n",
            rules.rules_count, b.count, assets, median, rounds, p99, alerts);
    printf("RESULT rules_eval_us %.1f\n", median);
    printf("RESULT rules_eval_p99_us %.1f\n", p99);
    printf("RESULT rules_series %zu\n", b.count);
    printf("RESULT rules_alerts %ld\n", alerts);
    free(us);
    promql_set_free(&set);
    rules_free(&rules);
    return 0;
}
