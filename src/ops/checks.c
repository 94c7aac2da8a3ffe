/*
 * checks.c - the runbooks' checklists over the node's series (checks.h).
 */
#include "checks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/human.h"
#include "tmpl.h"

/* How a value compares with a threshold: bad when above, at or above, or
 * below it. */
enum check_cmp {
    CMP_ABOVE = 1,
    CMP_AT_LEAST = 2,
    CMP_BELOW = 3,
};

enum check_unit {
    UNIT_RATIO = 1,   /* shown as a percentage */
    UNIT_SECONDS = 2, /* shown as a duration */
    UNIT_COUNT = 3,
    UNIT_FLAG = 4,    /* 1 yes, 0 no */
};

struct check_def {
    unsigned periods;
    const char *item;
    const char *title;
    const char *runbook;
    const char *expr;
    const char *subject; /* the labels naming the subject, comma-separated; NULL: none */
    enum check_cmp cmp;
    const char *warn; /* threshold text, NULL: none */
    const char *fail;
    enum check_unit unit;
    const char *na; /* why the item does not apply when no series */
    /* The item's mintline_*_present series (0: the thing never happened;
     * its age then counts from the genesis or the schedule's start), so the
     * item says "never" rather than an age; NULL: none. */
    const char *present;
};

#define DAY (CHECK_DAILY)
#define WEEK (CHECK_WEEKLY)
#define MONTH (CHECK_MONTHLY)

static const struct check_def check_defs[] = {
    {DAY, "node_writable", "node ready and writable", "seed 003 daily: check system status",
     "mintline_node_writable", NULL, CMP_BELOW, NULL, "1", UNIT_FLAG, "the node exports no writable flag", NULL},
    {DAY, "reserve_ratio", "reserve ratio", "seed 001 8.1: check all reserve ratios (W tokens)",
     "mintline_reserve_ratio and mintline_reserve_quorum_met == 1", "asset", CMP_BELOW, "1.05", "1",
     UNIT_RATIO, "no fiat asset with a verified reserve", NULL},
    {DAY, "reserve_quorum", "reserve quorum met", "seed 001 8.1: verify oracle quorum status",
     "mintline_reserve_quorum_met", "asset", CMP_BELOW, NULL, "1", UNIT_FLAG, "no fiat asset", NULL},
    {DAY, "reserve_reports_stale", "stale reserve reports", "seed 001 daily reserve check",
     "mintline_reserve_reports_stale", "asset", CMP_ABOVE, NULL, "0", UNIT_COUNT, "no fiat asset", NULL},
    {DAY, "nav_age", "NAV freshness", "seed 000 thresholds: NAV staleness",
     "mintline_nav_age_seconds", "asset", CMP_ABOVE, "7200", "14400", UNIT_SECONDS, "no fund",
     "mintline_nav_present"},
    {DAY, "daily_mint_usage", "daily mint usage", "seed 000 thresholds: daily mint usage",
     "mintline_daily_mint_usage_ratio", "asset", CMP_ABOVE, "0.8", "0.95", UNIT_RATIO,
     "no asset with a daily mint limit", NULL},
    {DAY, "daily_inflow_usage", "daily net inflow usage", "seed 000 thresholds: daily inflow usage",
     "mintline_daily_inflow_usage_ratio", "asset", CMP_ABOVE, "0.8", "0.95", UNIT_RATIO,
     "no asset with a daily net inflow limit", NULL},
    {DAY, "supply_cap_usage", "supply cap usage", "seed 000 thresholds: supply cap usage",
     "mintline_supply_cap_usage_ratio", "asset", CMP_ABOVE, "0.9", "0.98", UNIT_RATIO,
     "no asset with a supply cap", NULL},
    {DAY, "vault_health_min", "lowest vault health", "seed 001 8.1: check vault health ratios",
     "mintline_vault_health_min_ratio", "vault_type", CMP_BELOW, "1.2", "1.1", UNIT_RATIO,
     "no vault with debt", NULL},
    {DAY, "bridge_success", "bridge success rate (24h)", "seed 001 8.1: review bridge success rates",
     "mintline_bridge_success_ratio", "chain,asset", CMP_BELOW, "0.95", "0.9", UNIT_RATIO, "no bridge route", NULL},
    {DAY, "bridge_buffer", "bridge buffer rule", "seed 001: BridgeReserve >= PeakBridgeOutflow x Latency",
     "mintline_bridge_buffer_ok", "chain,asset", CMP_BELOW, "1", NULL, UNIT_FLAG, "no bridge route", NULL},
    {DAY, "bridge_buffer_projected", "bridge buffer after the escrow in flight",
     "seed 001: may breach within one settlement window",
     "mintline_bridge_buffer_projected_base_units / (mintline_bridge_buffer_minimum_base_units > 0)",
     "chain,asset", CMP_BELOW, NULL, "1", UNIT_RATIO, "no bridge route with outflow in the last 24h", NULL},
    {DAY, "alerts_critical", "critical alerts firing", "seed 001 8.1: check for critical alerts",
     "mintline_alerts_firing{severity=\"critical\"}", NULL, CMP_ABOVE, NULL, "0", UNIT_COUNT,
     "the node evaluates no alerts", NULL},
    {DAY, "incidents_p0_p1", "open P0/P1 incidents", "seed 004: incident response by severity",
     "sum(mintline_incidents_open{severity=~\"P0|P1\"})", NULL, CMP_ABOVE, NULL, "0", UNIT_COUNT,
     "the node keeps no incidents", NULL},
    {DAY, "incidents_overdue", "overdue acknowledgements", "seed 004: acknowledge within the target",
     "mintline_incidents_overdue", NULL, CMP_ABOVE, NULL, "0", UNIT_COUNT, "the node keeps no incidents", NULL},
    {DAY, "failed_commands", "failed-command ratio", "seed 000 thresholds: failed commands",
     "mintline_failed_commands_ratio and mintline_commands_recent >= 20", NULL, CMP_ABOVE, "0.05", "0.1",
     UNIT_RATIO, "fewer than 20 commands journaled in the last 5 minutes: one refusal is no trend", NULL},
    {WEEK, "por_age", "proof of reserves published in the last 7 days", "seed 001 weekly reserve report",
     "mintline_por_age_seconds", "asset", CMP_ABOVE, NULL, "604800", UNIT_SECONDS, "no fiat asset",
     "mintline_por_present"},
    {WEEK, "reserve_attestation", "reserve attestation in the last 7 days",
     "seed 001 8.2: submit reserve attestations", "mintline_reserve_report_age_seconds", "asset", CMP_ABOVE,
     NULL, "604800", UNIT_SECONDS, "no fiat asset", "mintline_reserve_report_present"},
    {WEEK, "backup_age", "last good backup younger than 24h", "seed 001 6.1: daily backups; seed 003 daily: verify backup completion",
     "mintline_backup_age_seconds", NULL, CMP_ABOVE, NULL, "86400", UNIT_SECONDS,
     "the node makes no scheduled backups (serve --backup-dir DIR): take them yourself, `backup create`",
     "mintline_backup_present"},
    {WEEK, "backup_failures", "scheduled backups failing in a row", "seed 001 8.3: backup verification",
     "mintline_backup_failures_consecutive", NULL, CMP_ABOVE, "0", "2", UNIT_COUNT,
     "the node makes no scheduled backups", NULL},
    {WEEK, "holder_limit", "holder count vs max_holders", "seed 003: holder limits (Reg D 12(g))",
     "mintline_holder_limit_usage_ratio", "asset", CMP_AT_LEAST, "0.7", "0.9", UNIT_RATIO,
     "no asset with max_holders", NULL},
    {WEEK, "key_age", "operator key age", "seed 004: key rotation every 90 days",
     "mintline_operator_key_age_seconds", "operator", CMP_ABOVE, "6912000", "7776000", UNIT_SECONDS,
     "no operator", NULL},
    {MONTH, "key_age_90d", "keys older than 90 days", "seed 003 monthly: rotate API keys",
     "mintline_operator_key_age_seconds", "operator", CMP_ABOVE, NULL, "7776000", UNIT_SECONDS, "no operator", NULL},
};

enum check_period check_period_parse(const char *text) {
    if (text == NULL) return 0;
    if (strcmp(text, "daily") == 0) return CHECK_DAILY;
    if (strcmp(text, "weekly") == 0) return CHECK_WEEKLY;
    if (strcmp(text, "monthly") == 0) return CHECK_MONTHLY;
    return 0;
}

const char *check_period_name(enum check_period period) {
    switch (period) {
    case CHECK_DAILY: return "daily";
    case CHECK_WEEKLY: return "weekly";
    case CHECK_MONTHLY: return "monthly";
    }
    return "?";
}

const char *check_status_name(enum check_status status) {
    switch (status) {
    case CHECK_PASS: return "pass";
    case CHECK_NA: return "n/a";
    case CHECK_WARN: return "warn";
    case CHECK_FAIL: return "fail";
    }
    return "?";
}

void checks_init(struct checks *c, enum check_period period) {
    memset(c, 0, sizeof(*c));
    c->period = period;
}

struct check_result *checks_add(struct checks *c, const char *item, const char *title,
                                const char *runbook) {
    if (c->count >= CHECK_RESULTS_MAX) {
        c->dropped++;
        return NULL;
    }
    struct check_result *r = &c->results[c->count++];
    memset(r, 0, sizeof(*r));
    r->item = item;
    r->title = title;
    r->runbook = runbook;
    r->status = CHECK_PASS;
    return r;
}

static void checks__format(enum check_unit unit, double v, char out[CHECK_TEXT_SIZE]) {
    switch (unit) {
    case UNIT_RATIO:
        if (isnan(v)) snprintf(out, CHECK_TEXT_SIZE, "undefined");
        else human_percent(v, out, CHECK_TEXT_SIZE);
        return;
    case UNIT_SECONDS:
        /* whole seconds: a check's ages and windows are never finer */
        if (!isfinite(v)) snprintf(out, CHECK_TEXT_SIZE, "undefined");
        else human_duration_exact(v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v, out, CHECK_TEXT_SIZE);
        return;
    case UNIT_FLAG: snprintf(out, CHECK_TEXT_SIZE, "%s", v >= 1 ? "yes" : "no"); return;
    case UNIT_COUNT: snprintf(out, CHECK_TEXT_SIZE, "%.0f", v); return;
    }
    snprintf(out, CHECK_TEXT_SIZE, "%g", v);
}

static const char *checks__cmp_text(enum check_cmp cmp) {
    return cmp == CMP_ABOVE ? ">" : cmp == CMP_AT_LEAST ? ">=" : "<";
}

static void checks__bound(const struct check_def *d, const char *label, const char *t,
                          char out[CHECK_TEXT_SIZE]) {
    if (d->unit == UNIT_FLAG) {
        snprintf(out, CHECK_TEXT_SIZE, "%s when no", label);
        return;
    }
    char v[CHECK_TEXT_SIZE];
    checks__format(d->unit, strtod(t, NULL), v);
    snprintf(out, CHECK_TEXT_SIZE, "%.16s %s %.64s", label, checks__cmp_text(d->cmp), v);
}

/* "warn > 80%, fail > 95%" */
static void checks__threshold_text(const struct check_def *d, char out[CHECK_TEXT_SIZE]) {
    char w[CHECK_TEXT_SIZE] = "", f[CHECK_TEXT_SIZE] = "";
    if (d->warn != NULL) checks__bound(d, "warn", d->warn, w);
    if (d->fail != NULL) checks__bound(d, "fail", d->fail, f);
    snprintf(out, CHECK_TEXT_SIZE, "%s%s%s", w, w[0] && f[0] ? ", " : "", f);
}

/* Whether v is bad against the threshold text t. */
static int checks__bad(enum check_cmp cmp, double v, const char *t) {
    if (t == NULL || isnan(v)) return 0;
    double x = strtod(t, NULL);
    switch (cmp) {
    case CMP_ABOVE: return v > x;
    case CMP_AT_LEAST: return v >= x;
    case CMP_BELOW: return v < x;
    }
    return 0;
}

static void checks__subject(const struct check_def *d, const struct promql_sample *s,
                            char out[CHECK_TEXT_SIZE]) {
    out[0] = '\0';
    if (d->subject == NULL) return;
    size_t used = 0;
    const char *p = d->subject;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char name[32];
        if (len >= sizeof(name)) len = sizeof(name) - 1;
        memcpy(name, p, len);
        name[len] = '\0';
        const char *value = promql_sample_label(s, name);
        int n = snprintf(out + used, CHECK_TEXT_SIZE - used, "%s%s=%s", used ? " " : "", name,
                         value ? value : "");
        if (n > 0 && (size_t)n < CHECK_TEXT_SIZE - used) used += (size_t)n;
        p = end ? end + 1 : p + strlen(p);
    }
}

static int checks__cmp_results(const void *a, const void *b) {
    return strcmp(((const struct check_result *)a)->subject, ((const struct check_result *)b)->subject);
}

/* Whether the subject's present series (d->present) is 0: it never
 * happened. Absent series or an expression that fails: not "never". */
static int checks__never(const struct check_def *d, const struct promql_set *set, const char *subject) {
    if (d->present == NULL) return 0;
    struct promql_expr *expr = NULL;
    struct promql_error error;
    struct promql_result res;
    int never = 0;
    if (promql_parse(d->present, strlen(d->present), &expr, &error) != ERR_OK) return 0;
    if (promql_eval(expr, set, &res, &error) == ERR_OK) {
        for (size_t i = 0; i < res.samples_count && !never; i++) {
            char s[CHECK_TEXT_SIZE];
            checks__subject(d, &res.samples[i], s);
            never = strcmp(s, subject) == 0 && res.samples[i].value == 0;
        }
        promql_result_free(&res);
    }
    promql_free(expr);
    return never;
}

static enum err checks__one(struct checks *c, const struct check_def *d, const struct promql_set *set) {
    struct promql_expr *expr = NULL;
    struct promql_error error;
    struct promql_result res;
    enum err err = promql_parse(d->expr, strlen(d->expr), &expr, &error);
    if (err == ERR_OK) err = promql_eval(expr, set, &res, &error);
    if (err != ERR_OK) {
        promql_free(expr);
        if (err == ERR_INTERNAL) return err;
        struct check_result *r = checks_add(c, d->item, d->title, d->runbook);
        if (r != NULL) {
            r->status = CHECK_FAIL;
            snprintf(r->value, sizeof(r->value), "not evaluated");
            snprintf(r->detail, sizeof(r->detail), "%.150s", error.message);
        }
        return ERR_OK;
    }
    size_t first = c->count;
    if (res.samples_count == 0) {
        struct check_result *r = checks_add(c, d->item, d->title, d->runbook);
        if (r != NULL) {
            r->status = CHECK_NA;
            snprintf(r->value, sizeof(r->value), "n/a");
            snprintf(r->detail, sizeof(r->detail), "%s", d->na);
            checks__threshold_text(d, r->threshold);
        }
    }
    for (size_t i = 0; i < res.samples_count; i++) {
        const struct promql_sample *s = &res.samples[i];
        struct check_result *r = checks_add(c, d->item, d->title, d->runbook);
        if (r == NULL) break;
        checks__subject(d, s, r->subject);
        checks__format(d->unit, s->value, r->value);
        checks__threshold_text(d, r->threshold);
        if (checks__never(d, set, r->subject)) {
            r->status = d->fail != NULL ? CHECK_FAIL : CHECK_WARN;
            snprintf(r->value, sizeof(r->value), "never");
            char since[CHECK_TEXT_SIZE];
            checks__format(d->unit, s->value, since);
            snprintf(r->detail, sizeof(r->detail), "none yet (%.60s since %s)", since,
                     d->subject != NULL ? "the genesis" : "the schedule began");
        } else if (checks__bad(d->cmp, s->value, d->fail)) {
            r->status = CHECK_FAIL;
        } else if (checks__bad(d->cmp, s->value, d->warn)) {
            r->status = CHECK_WARN;
        }
    }
    /* one order whatever the set's: by subject */
    qsort(&c->results[first], c->count - first, sizeof(c->results[0]), checks__cmp_results);
    promql_result_free(&res);
    promql_free(expr);
    return ERR_OK;
}

enum err checks_eval_metrics(struct checks *c, const struct promql_set *set) {
    for (size_t i = 0; i < sizeof(check_defs) / sizeof(check_defs[0]); i++) {
        if (!(check_defs[i].periods & c->period)) continue;
        enum err err = checks__one(c, &check_defs[i], set);
        if (err != ERR_OK) return err;
    }
    return ERR_OK;
}

enum check_status checks_worst(const struct checks *c) {
    enum check_status worst = CHECK_PASS;
    for (size_t i = 0; i < c->count; i++) {
        enum check_status s = c->results[i].status;
        if (s != CHECK_NA && s > worst) worst = s;
    }
    return worst;
}

void checks_write_json(const struct checks *c, struct jw *w) {
    size_t counts[4] = {0};
    for (size_t i = 0; i < c->count; i++) counts[c->results[i].status]++;
    jw_object_begin(w);
    jw_kv_string(w, "period", check_period_name(c->period));
    jw_kv_string(w, "status", check_status_name(checks_worst(c)));
    jw_key(w, "counts");
    jw_object_begin(w);
    jw_kv_uint(w, "pass", counts[CHECK_PASS]);
    jw_kv_uint(w, "warn", counts[CHECK_WARN]);
    jw_kv_uint(w, "fail", counts[CHECK_FAIL]);
    jw_kv_uint(w, "n/a", counts[CHECK_NA]);
    jw_object_end(w);
    if (c->dropped) jw_kv_uint(w, "dropped", c->dropped);
    jw_key(w, "items");
    jw_array_begin(w);
    for (size_t i = 0; i < c->count; i++) {
        const struct check_result *r = &c->results[i];
        jw_object_begin(w);
        jw_kv_string(w, "item", r->item);
        jw_kv_string(w, "title", r->title);
        jw_kv_string(w, "subject", r->subject);
        jw_kv_string(w, "status", check_status_name(r->status));
        jw_kv_string(w, "value", r->value);
        jw_kv_string(w, "threshold", r->threshold);
        jw_kv_string(w, "runbook", r->runbook);
        jw_kv_string(w, "detail", r->detail);
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_object_end(w);
}
