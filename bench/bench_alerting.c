/*
 * bench_alerting.c - one round of the node's alert loop as the node runs
 * it (src/node/alerting.c): /metrics rendered from the ledger
 * (metrics_render), read back (expo_parse), indexed (promql_set_update),
 * the 31 built-in rules evaluated and the alert state machine advanced
 * (issue 10: under 1 ms per evaluation).
 *
 * The ledger has LIMIT_ASSETS assets (64, the most a ledger holds; the
 * issue's 100 assets are bench_rules' synthetic series): half fiat with two
 * reserve reports each, half funds with a NAV, 20 operators; one fiat
 * asset in ten is under its reserve and one fund in ten has a NAV 5h old,
 * so alerts fire and stay firing (rounds after the first are the steady
 * state). Supplies and reports are written into the state directly: the
 * render reads them, nothing checks them.
 *
 *   bench_alerting [--rounds N]
 *
 * Prints "RESULT alert_round_us X" (the median round), "RESULT
 * alert_round_p99_us", "RESULT alert_round_series N" and "RESULT
 * alert_round_alerts N" (active alerts).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/engine/genesis.h"
#include "../src/node/alerting.h"
#include "../src/node/server.h"
#include "../src/ops/rules.h"
#include "bench_util.h"

#define BENCH_TIME_NS (INT64_C(1767225600) * 1000000000)
#define BENCH_OPERATORS 20u

static void bench_die(const char *what, const char *why) {
    fprintf(stderr, "bench_alerting: %s: %s\n", what, why);
    exit(1);
}

/* The genesis document: operators op0..op19 (op0 and op1 report
 * reserves), LIMIT_ASSETS / 2 fiat assets F0.. and as many funds N0... */
static json_t *bench_genesis(void) {
    json_t *doc = json_object();
    json_t *ops = json_array();
    for (unsigned i = 0; i < BENCH_OPERATORS; i++) {
        char name[16], key[65];
        snprintf(name, sizeof(name), "op%u", i);
        for (unsigned k = 0; k < 64; k++) key[k] = "0123456789abcdef"[k < 2 ? (i >> (4 * k)) % 16 : k % 16];
        key[64] = '\0';
        json_array_append_new(ops, json_pack("{s:s, s:s, s:[s, s]}", "name", name, "pubkey", key,
                                             "roles", "admin", "reserve_reporter"));
    }
    json_t *assets = json_array();
    for (unsigned i = 0; i < LIMIT_ASSETS; i++) {
        char sym[16];
        int fiat = i % 2 == 0;
        snprintf(sym, sizeof(sym), "%s%u", fiat ? "F" : "N", i / 2);
        json_t *a = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "symbol", sym, "kind",
                              fiat ? "fiat" : "fund", "decimals", "6", "supply_cap", "1000000000",
                              "daily_mint_limit", "5000000", "daily_inflow_limit", "4000000");
        if (fiat) {
            json_object_set_new(a, "reserve_quorum", json_string("2"));
            json_object_set_new(a, "currency", json_string("USD"));
        } else {
            json_object_set_new(a, "nav", json_string("1"));
            json_object_set_new(a, "nav_max_age", json_string("3650d"));
        }
        json_array_append_new(assets, a);
    }
    json_object_set_new(doc, "operators", ops);
    json_object_set_new(doc, "controller", json_string("op0"));
    json_object_set_new(doc, "assets", assets);
    return doc;
}

/* Supplies, reserve reports and NAV ages: one asset in ten past a threshold. */
static void bench_state(struct engine *e) {
    int64_t now = e->s.time_ns;
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        struct asset *a = &e->s.assets[i];
        int hot = (i / 2) % 10 == 0;
        a->supply = (u128)500000000u * 1000000u;
        if (a->kind == ASSET_FUND) {
            a->nav_updated_ns = now - (hot ? INT64_C(5) * 3600 : 60) * 1000000000;
            continue;
        }
        for (uint32_t r = 0; r < 2 && e->s.reserve_reports_count < LIMIT_RESERVE_REPORTS; r++) {
            struct reserve_report *rep = &e->s.reserve_reports[e->s.reserve_reports_count++];
            rep->asset = (uint16_t)i;
            rep->reporter = r;
            rep->amount = a->supply / 100 * (hot ? 99u : 110u + r);
            rep->time_ns = now - 60 * 1000000000LL;
        }
    }
}

static int bench_cmp(const void *x, const void *y) {
    double a = *(const double *)x;
    double b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static void bench_server(struct server *s) {
    char why[256];
    if (engine_open(&s->chain.engine, 1024) != ERR_OK) bench_die("engine_open", "no memory");
    json_t *doc = bench_genesis();
    if (engine_genesis(&s->chain.engine, doc, BENCH_TIME_NS, why, sizeof(why)) != ERR_OK) {
        bench_die("genesis", why);
    }
    json_decref(doc);
    bench_state(&s->chain.engine);
    pthread_rwlock_init(&s->chain.lock, NULL);
    s->chain.clock_manual = 1; /* rounds at the ledger's time */
    if (sequencer_open(&s->chain, NULL, &s->seq) != ERR_OK) bench_die("sequencer", "no memory");
    if (auth_open(&s->auth) != ERR_OK) bench_die("auth", "no memory");
    struct rules rules;
    if (alerting_rules_load(NULL, &rules, why, sizeof(why)) != ERR_OK) bench_die("rules", why);
    if (alerting_open(s, &rules, "/nonexistent", 0, &s->alerting) != ERR_OK) {
        bench_die("alerting", "no memory");
    }
}

int main(int argc, char **argv) {
    unsigned rounds = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--rounds") == 0) rounds = (unsigned)strtoul(argv[i + 1], NULL, 10);
    }
    if (rounds == 0) rounds = 1;
    static struct server s;
    bench_server(&s);
    alerting_evaluate_now(s.alerting); /* warm-up: buffers grow to size, alerts start */
    double *us = calloc(rounds, sizeof(*us));
    if (us == NULL) bench_die("rounds", "no memory");
    for (unsigned r = 0; r < rounds; r++) {
        double t0 = bench_now_s();
        alerting_evaluate_now(s.alerting);
        us[r] = (bench_now_s() - t0) * 1e6;
    }
    qsort(us, rounds, sizeof(*us), bench_cmp);
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_object_begin(&w);
    alerting_status_json(s.alerting, &w);
    jw_object_end(&w);
    buf_put(&b, "", 1);
    json_t *st = json_loads((const char *)b.data, 0, NULL);
    json_t *firing = json_object_get(json_object_get(st, "alerts"), "firing");
    long long active = json_integer_value(json_object_get(firing, "warning")) +
                       json_integer_value(json_object_get(firing, "critical"));
    struct server_response m;
    memset(&m, 0, sizeof(m));
    buf_init(&m.body);
    metrics_render(&s, &m);
    size_t series = 0;
    for (size_t i = 0; i < m.body.len; i++) {
        series += m.body.data[i] == '\n' && i + 1 < m.body.len && m.body.data[i + 1] != '#';
    }
    fprintf(stderr, "alert loop over a node of %u assets: %zu bytes of /metrics, %zu series, "
                    "%lld alerts firing: %.0f us per round (median of %u), p99 %.0f us\n",
            s.chain.engine.s.assets_count, m.body.len, series, active, us[rounds / 2], rounds,
            us[(size_t)((double)rounds * 0.99)]);
    printf("RESULT alert_round_us %.1f\n", us[rounds / 2]);
    printf("RESULT alert_round_p99_us %.1f\n", us[(size_t)((double)rounds * 0.99)]);
    printf("RESULT alert_round_series %zu\n", series);
    printf("RESULT alert_round_alerts %lld\n", active);
    json_decref(st);
    buf_free(&b);
    buf_free(&m.body);
    free(us);
    alerting_stop(s.alerting);
    alerting_free(s.alerting);
    auth_close(s.auth);
    sequencer_stop(s.seq);
    engine_close(&s.chain.engine);
    return 0;
}
