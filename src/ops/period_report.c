/*
 * period_report.c - report periods (UTC calendar arithmetic) and the JSON
 * and Markdown renderings of a report's figures. The HTML one, with its
 * charts, is period_report_html.c.
 *
 * Every rendering is a pure function of struct period_report: the same
 * figures give the same bytes (SPEC 9: the same ledger and period give the
 * same report).
 */
#include "period_report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../base/duration.h"
#include "../base/jw.h"

#define PERIOD_NS_PER_H (INT64_C(3600) * NS_PER_S)

/* ---- calendar (proleptic Gregorian, days since 1970-01-01) ---------------- */

static int32_t period__days_from_civil(int32_t y, int32_t m, int32_t d) {
    y -= m <= 2;
    int32_t era = (y >= 0 ? y : y - 399) / 400;
    int32_t yoe = y - era * 400;
    int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void period__civil_from_days(int32_t z, int32_t *y, int32_t *m, int32_t *d) {
    z += 719468;
    int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    int32_t doe = z - era * 146097;
    int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int32_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

/* Monday = 0 (1970-01-01 was a Thursday). */
static int32_t period__weekday(int32_t day) {
    int32_t r = (day + 3) % 7;
    return r < 0 ? r + 7 : r;
}

static int32_t period__floor_day(int64_t ns) {
    int64_t d = ns / NS_PER_DAY;
    if (ns < 0 && d * NS_PER_DAY != ns) d--;
    return (int32_t)d;
}

enum err period_kind_parse(const char *text, enum period_kind *out) {
    if (text == NULL) return ERR_INVALID_ARGUMENT;
    if (strcmp(text, "daily") == 0) *out = PERIOD_DAILY;
    else if (strcmp(text, "weekly") == 0) *out = PERIOD_WEEKLY;
    else if (strcmp(text, "monthly") == 0) *out = PERIOD_MONTHLY;
    else return ERR_INVALID_ARGUMENT;
    return ERR_OK;
}

const char *period_kind_name(enum period_kind kind) {
    switch (kind) {
    case PERIOD_DAILY: return "daily";
    case PERIOD_WEEKLY: return "weekly";
    case PERIOD_MONTHLY: return "monthly";
    }
    return "daily";
}

void period_bounds_of(enum period_kind kind, int32_t day, struct period_bounds *out) {
    int32_t first = day, days = 1, y, m, d;
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    if (kind == PERIOD_DAILY) {
        date_format(day, out->label);
        out->step_ns = PERIOD_NS_PER_H / 4;
    } else if (kind == PERIOD_WEEKLY) {
        first = day - period__weekday(day);
        days = 7;
        period__civil_from_days(first + 3, &y, &m, &d); /* the Thursday names the ISO year */
        int32_t week = (first + 3 - period__days_from_civil(y, 1, 1)) / 7 + 1;
        snprintf(out->label, sizeof(out->label), "%04d-W%02d", (int)y, (int)week);
        out->step_ns = 2 * PERIOD_NS_PER_H;
    } else {
        period__civil_from_days(day, &y, &m, &d);
        first = period__days_from_civil(y, m, 1);
        days = (m == 12 ? period__days_from_civil(y + 1, 1, 1) : period__days_from_civil(y, m + 1, 1)) -
               first;
        snprintf(out->label, sizeof(out->label), "%04d-%02d", (int)y, (int)m);
        out->step_ns = 3 * PERIOD_NS_PER_H;
    }
    out->start_ns = (int64_t)first * NS_PER_DAY;
    out->end_ns = (int64_t)(first + days) * NS_PER_DAY;
    out->points = (uint32_t)((out->end_ns - out->start_ns) / out->step_ns) + 1;
}

int32_t period_default_day(enum period_kind kind, int64_t now_ns) {
    int32_t today = period__floor_day(now_ns);
    struct period_bounds b;
    period_bounds_of(kind, today, &b);
    return period__floor_day(b.start_ns) - 1; /* the day before the current period */
}

void period_list_add(struct period_list *l, const struct period_item *item) {
    if (l->count < PERIOD_LIST_MAX) l->items[l->count++] = *item;
    else l->omitted++;
}

void period_ratio_format(uint64_t ppm, char out[32]) {
    /* ppm / 10^4 = percent; 4 fraction digits are exact */
    snprintf(out, 32, "%" PRIu64 ".%04" PRIu64 "%%", ppm / 10000, ppm % 10000);
}

/* ---- JSON ------------------------------------------------------------------ */

static void period__hex16(uint64_t v, char out[17]) {
    snprintf(out, 17, "%016" PRIx64, v);
}

static void period__json_peak(struct jw *w, const char *key, uint8_t has_limit, u128 limit, u128 peak,
                              int32_t day, unsigned decimals) {
    char t[11];
    jw_key(w, key);
    jw_object_begin(w);
    jw_kv_amount(w, "peak", peak, decimals);
    jw_key(w, "day");
    if (day >= 0) {
        date_format(day, t);
        jw_string(w, t);
    } else {
        jw_null(w);
    }
    jw_key(w, "limit");
    if (has_limit) jw_amount(w, limit, decimals);
    else jw_null(w);
    jw_key(w, "usage");
    if (has_limit) jw_amount(w, u128_ratio_ppm(peak, limit), 6);
    else jw_null(w);
    jw_object_end(w);
}

static void period__json_nav(struct jw *w, const struct period_asset *a) {
    jw_key(w, "nav");
    if (!a->is_fund) {
        jw_null(w);
        return;
    }
    jw_object_begin(w);
    jw_key(w, "start");
    if (a->nav_start_has) jw_amount(w, a->nav_start, 8);
    else jw_null(w);
    const char *keys[3] = {"end", "low", "high"};
    const u128 vals[3] = {a->nav_end, a->nav_low, a->nav_high};
    for (int i = 0; i < 3; i++) {
        jw_key(w, keys[i]);
        if (a->nav_has) jw_amount(w, vals[i], 8);
        else jw_null(w);
    }
    jw_kv_uint(w, "updates", a->nav_updates);
    jw_object_end(w);
}

static void period__json_reserve(struct jw *w, const struct period_asset *a) {
    jw_key(w, "reserve");
    if (!a->is_fiat) {
        jw_null(w);
        return;
    }
    jw_object_begin(w);
    jw_key(w, "ratio_end");
    if (a->ratio_end_has) jw_amount(w, a->ratio_end_ppm, 6);
    else jw_null(w);
    jw_key(w, "ratio_low");
    if (a->ratio_has) jw_amount(w, a->ratio_low_ppm, 6);
    else jw_null(w);
    if (a->ratio_has) {
        jw_kv_time(w, "ratio_low_at", a->ratio_low_ns);
    } else {
        jw_key(w, "ratio_low_at");
        jw_null(w);
    }
    jw_kv_uint(w, "reports", a->reserve_reports);
    jw_object_end(w);
}

static void period__json_series(struct jw *w, const struct period_report *r,
                                const struct period_asset *a) {
    jw_key(w, "series");
    jw_object_begin(w);
    jw_key(w, "supply");
    jw_array_begin(w);
    for (uint32_t i = 0; i < r->points_filled; i++) jw_amount(w, a->points[i].supply, a->decimals);
    jw_array_end(w);
    if (a->is_fund) {
        jw_key(w, "nav");
        jw_array_begin(w);
        for (uint32_t i = 0; i < r->points_filled; i++) {
            if (a->points[i].has_nav) jw_amount(w, a->points[i].nav, 8);
            else jw_null(w);
        }
        jw_array_end(w);
    }
    if (a->is_fiat) {
        jw_key(w, "reserve_ratio");
        jw_array_begin(w);
        for (uint32_t i = 0; i < r->points_filled; i++) {
            if (a->points[i].has_ratio) jw_amount(w, a->points[i].ratio_ppm, 6);
            else jw_null(w);
        }
        jw_array_end(w);
    }
    jw_object_end(w);
}

static void period__json_asset(struct jw *w, const struct period_report *r,
                               const struct period_asset *a, uint32_t index) {
    unsigned dec = a->decimals;
    jw_object_begin(w);
    jw_kv_string(w, "symbol", a->symbol);
    jw_kv_string(w, "kind", a->kind);
    jw_kv_uint(w, "decimals", dec);
    jw_kv_amount(w, "supply_start", a->supply_start, dec);
    jw_kv_amount(w, "supply_end", a->supply_end, dec);
    jw_kv_amount(w, "minted", a->minted, dec);
    jw_kv_amount(w, "burned", a->burned, dec);
    jw_kv_uint(w, "mints", a->mints);
    jw_kv_uint(w, "burns", a->burns);
    jw_kv_uint(w, "transfers", a->transfers);
    jw_kv_amount(w, "transfer_volume", a->transfer_volume, dec);
    jw_kv_uint(w, "forced_transfers", a->forced_transfers);
    jw_kv_uint(w, "holders_start", a->holders_start);
    jw_kv_uint(w, "holders_end", a->holders_end);
    period__json_nav(w, a);
    period__json_reserve(w, a);
    period__json_peak(w, "daily_mint_peak", a->mint_limit_has, a->mint_limit, a->mint_peak,
                      a->mint_peak_day, dec);
    period__json_peak(w, "daily_net_inflow_peak", a->inflow_limit_has, a->inflow_limit,
                      a->inflow_peak, a->inflow_peak_day, dec);
    jw_key(w, "vault_types");
    jw_array_begin(w);
    for (uint32_t i = 0; i < r->vault_types_count; i++) {
        const struct period_vault_type *v = &r->vault_types[i];
        if (v->debt != index) continue;
        jw_object_begin(w);
        jw_kv_string(w, "name", v->name);
        jw_kv_string(w, "collateral", r->assets[v->collateral].symbol);
        jw_kv_uint(w, "vaults_start", v->vaults_start);
        jw_kv_uint(w, "vaults_end", v->vaults_end);
        jw_kv_amount(w, "borrowed", v->borrowed, dec);
        jw_kv_amount(w, "repaid", v->repaid, dec);
        jw_kv_uint(w, "liquidations", v->liquidations);
        jw_kv_amount(w, "liquidated", v->liquidated, dec);
        jw_kv_amount(w, "bad_debt", v->bad_debt, dec);
        jw_kv_amount(w, "debt_end", v->debt_end, dec);
        jw_kv_amount(w, "debt_ceiling", v->debt_ceiling, dec);
        jw_kv_amount(w, "collateral_end", v->collateral_end, r->assets[v->collateral].decimals);
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_key(w, "bridge_routes");
    jw_array_begin(w);
    for (uint32_t i = 0; i < r->routes_count; i++) {
        const struct period_route *t = &r->routes[i];
        if (t->asset != index) continue;
        jw_object_begin(w);
        jw_kv_uint(w, "chain", t->chain);
        jw_kv_bool(w, "enabled", t->enabled);
        jw_kv_uint(w, "sent", t->sent);
        jw_kv_amount(w, "sent_volume", t->sent_volume, dec);
        jw_kv_uint(w, "settled", t->settled);
        jw_kv_uint(w, "refunded", t->refunded);
        jw_kv_uint(w, "received", t->received);
        jw_kv_amount(w, "received_volume", t->received_volume, dec);
        jw_kv_amount(w, "escrow_end", t->escrow_end, dec);
        jw_object_end(w);
    }
    jw_array_end(w);
    period__json_series(w, r, a);
    jw_object_end(w);
}

static void period__json_list(struct jw *w, const struct period_report *r, const char *key,
                              const struct period_list *l, const char *what_key) {
    char hex[17];
    jw_key(w, key);
    jw_object_begin(w);
    jw_kv_uint(w, "count", l->count + l->omitted);
    jw_key(w, "items");
    jw_array_begin(w);
    for (uint32_t i = 0; i < l->count; i++) {
        const struct period_item *it = &l->items[i];
        jw_object_begin(w);
        jw_kv_time(w, "time", it->time_ns);
        if (it->id) jw_kv_uint(w, "id", it->id);
        jw_kv_string(w, what_key, it->what);
        if (strcmp(key, "actions") != 0 && strcmp(key, "proposals_executed") != 0 &&
            strcmp(key, "timelock_executed") != 0) {
            char sev[3] = {'P', (char)('0' + it->severity), '\0'};
            jw_kv_string(w, "severity", sev);
        }
        if (it->alert) {
            period__hex16(it->alert, hex);
            jw_kv_string(w, "alert", hex);
        }
        jw_key(w, "asset");
        if (it->asset >= 0) jw_string(w, r->assets[it->asset].symbol);
        else jw_null(w);
        jw_kv_string(w, "by", it->by);
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_kv_uint(w, "omitted", l->omitted);
    jw_object_end(w);
}

void period_report_json(const struct period_report *r, struct buf *out) {
    struct jw w;
    jw_init(&w, out);
    jw_object_begin(&w);
    jw_kv_string(&w, "period", period_kind_name(r->b.kind));
    jw_kv_string(&w, "label", r->b.label);
    jw_kv_time(&w, "start", r->b.start_ns);
    jw_kv_time(&w, "end", r->b.end_ns);
    jw_kv_bool(&w, "complete", r->complete);
    jw_key(&w, "blocks");
    jw_object_begin(&w);
    jw_kv_uint(&w, "first", r->first_height);
    jw_kv_uint(&w, "last", r->last_height);
    jw_kv_uint(&w, "count", r->blocks);
    jw_kv_uint(&w, "commands", r->commands);
    jw_kv_uint(&w, "rejected", r->rejected);
    jw_object_end(&w);
    jw_key(&w, "head");
    jw_object_begin(&w);
    jw_kv_uint(&w, "height", r->last_height);
    jw_kv_time(&w, "time", r->last_time_ns);
    jw_kv_string(&w, "hash", r->head_hash);
    jw_object_end(&w);
    jw_key(&w, "assets");
    jw_array_begin(&w);
    for (uint32_t i = 0; i < r->assets_count; i++) period__json_asset(&w, r, &r->assets[i], i);
    jw_array_end(&w);
    period__json_list(&w, r, "alerts", &r->alerts, "title");
    period__json_list(&w, r, "actions", &r->actions, "type");
    period__json_list(&w, r, "incidents_opened", &r->opened, "title");
    period__json_list(&w, r, "incidents_resolved", &r->resolved, "title");
    period__json_list(&w, r, "proposals_executed", &r->proposals, "op");
    period__json_list(&w, r, "timelock_executed", &r->timelock, "op");
    jw_key(&w, "chart_times");
    jw_object_begin(&w);
    jw_kv_time(&w, "first", r->b.start_ns);
    jw_kv_int(&w, "step_s", r->b.step_ns / NS_PER_S);
    jw_kv_uint(&w, "points", r->points_filled);
    jw_object_end(&w);
    jw_object_end(&w);
    buf_put(out, "\n", 1);
}

/* ---- Markdown ---------------------------------------------------------------- */

static void period__put(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void period__put(struct buf *out, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0) buf_put(out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Text from the ledger (titles) in a Markdown table cell: no pipes or newlines. */
static void period__md_cell(const char *in, char *out, size_t size) {
    size_t j = 0;
    for (size_t i = 0; in[i] && j + 2 < size; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '|') {
            out[j++] = '\\';
            out[j++] = '|';
        } else {
            out[j++] = c < 0x20 ? ' ' : (char)c;
        }
    }
    out[j] = '\0';
}

static void period__amt(u128 v, unsigned decimals, char out[AMOUNT_TEXT_SIZE]) {
    amount_format(v, decimals, out);
}

static void period__md_asset(const struct period_report *r, const struct period_asset *a,
                             struct buf *out) {
    char s1[AMOUNT_TEXT_SIZE], s2[AMOUNT_TEXT_SIZE], s3[AMOUNT_TEXT_SIZE], s4[AMOUNT_TEXT_SIZE];
    unsigned dec = a->decimals;
    (void)r;
    period__put(out, "\n## %s (%s)\n\n| figure | value |\n| --- | --- |\n", a->symbol, a->kind);
    period__amt(a->supply_start, dec, s1);
    period__amt(a->supply_end, dec, s2);
    period__put(out, "| supply at start | %s |\n| supply at end | %s |\n", s1, s2);
    period__amt(a->minted, dec, s1);
    period__amt(a->burned, dec, s2);
    period__put(out, "| minted | %s (%" PRIu64 " mints) |\n| burned | %s (%" PRIu64 " burns) |\n", s1,
                a->mints, s2, a->burns);
    period__amt(a->transfer_volume, dec, s1);
    period__put(out, "| transfers | %" PRIu64 " (volume %s) |\n", a->transfers, s1);
    if (a->forced_transfers) period__put(out, "| forced transfers | %" PRIu64 " |\n", a->forced_transfers);
    period__put(out, "| holders | %" PRIu64 " at start, %" PRIu64 " at end |\n", a->holders_start,
                a->holders_end);
    if (a->is_fund && a->nav_has) {
        period__amt(a->nav_start, 8, s1);
        period__amt(a->nav_end, 8, s2);
        period__amt(a->nav_low, 8, s3);
        period__amt(a->nav_high, 8, s4);
        period__put(out, "| NAV | %s at start, %s at end; range %s to %s (%" PRIu64 " updates) |\n",
                    a->nav_start_has ? s1 : "none", s2, s3, s4, a->nav_updates);
    } else if (a->is_fund) {
        period__put(out, "| NAV | none published |\n");
    }
    if (a->is_fiat) {
        char e[32], l[32], t[40];
        period_ratio_format(a->ratio_end_ppm, e);
        period_ratio_format(a->ratio_low_ppm, l);
        time_format_iso(a->ratio_low_ns, t);
        if (a->ratio_has) {
            period__put(out, "| reserve ratio | %s at end; low %s at %s (%" PRIu64 " reports) |\n",
                        a->ratio_end_has ? e : "no quorum", l, t, a->reserve_reports);
        } else {
            period__put(out, "| reserve ratio | no quorum of fresh reports in the period (%" PRIu64
                             " reports) |\n", a->reserve_reports);
        }
    }
    const char *names[2] = {"daily mint peak", "daily net inflow peak"};
    const u128 peaks[2] = {a->mint_peak, a->inflow_peak}, limits[2] = {a->mint_limit, a->inflow_limit};
    const int32_t days[2] = {a->mint_peak_day, a->inflow_peak_day};
    const uint8_t has[2] = {a->mint_limit_has, a->inflow_limit_has};
    for (int i = 0; i < 2; i++) {
        char day[11] = "-", pct[32];
        if (days[i] >= 0) date_format(days[i], day);
        period__amt(peaks[i], dec, s1);
        period__amt(limits[i], dec, s2);
        period_ratio_format(u128_ratio_ppm(peaks[i], limits[i]), pct);
        if (has[i]) period__put(out, "| %s | %s on %s of %s (%s) |\n", names[i], s1, day, s2, pct);
        else period__put(out, "| %s | %s on %s (no limit) |\n", names[i], s1, day);
    }
}

static void period__md_vaults_routes(const struct period_report *r, struct buf *out) {
    char s1[AMOUNT_TEXT_SIZE], s2[AMOUNT_TEXT_SIZE], s3[AMOUNT_TEXT_SIZE], s4[AMOUNT_TEXT_SIZE];
    if (r->vault_types_count) {
        period__put(out, "\n## Vaults\n\n| type | debt | vaults (start → end) | borrowed | repaid | "
                         "liquidations | debt at end | collateral at end |\n"
                         "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    }
    for (uint32_t i = 0; i < r->vault_types_count; i++) {
        const struct period_vault_type *v = &r->vault_types[i];
        unsigned dec = r->assets[v->debt].decimals;
        period__amt(v->borrowed, dec, s1);
        period__amt(v->repaid, dec, s2);
        period__amt(v->debt_end, dec, s3);
        period__amt(v->collateral_end, r->assets[v->collateral].decimals, s4);
        period__put(out, "| %s | %s | %" PRIu64 " → %" PRIu64 " | %s | %s | %" PRIu64 " | %s | %s %s |\n",
                    v->name, r->assets[v->debt].symbol, v->vaults_start, v->vaults_end, s1, s2,
                    v->liquidations, s3, s4, r->assets[v->collateral].symbol);
    }
    if (r->routes_count) {
        period__put(out, "\n## Bridge\n\n| asset | chain | sent | settled | refunded | received | "
                         "escrow at end |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    }
    for (uint32_t i = 0; i < r->routes_count; i++) {
        const struct period_route *t = &r->routes[i];
        unsigned dec = r->assets[t->asset].decimals;
        period__amt(t->sent_volume, dec, s1);
        period__amt(t->received_volume, dec, s2);
        period__amt(t->escrow_end, dec, s3);
        period__put(out, "| %s | %" PRIu64 "%s | %" PRIu64 " (%s) | %" PRIu64 " | %" PRIu64 " | %" PRIu64
                         " (%s) | %s |\n",
                    r->assets[t->asset].symbol, t->chain, t->enabled ? "" : " (disabled)", t->sent, s1,
                    t->settled, t->refunded, t->received, s2, s3);
    }
}

static void period__md_list(const struct period_report *r, const char *heading,
                            const struct period_list *l, const char *none, struct buf *out) {
    period__put(out, "\n## %s (%" PRIu64 ")\n\n", heading, (uint64_t)l->count + l->omitted);
    if (l->count == 0) {
        period__put(out, "%s\n", none);
        return;
    }
    period__put(out, "| time | id | what | asset | by |\n| --- | --- | --- | --- | --- |\n");
    for (uint32_t i = 0; i < l->count; i++) {
        const struct period_item *it = &l->items[i];
        char t[40], what[2 * PERIOD_TITLE_SIZE + 8], cell[2 * PERIOD_TITLE_SIZE], id[24] = "";
        time_format_iso(it->time_ns, t);
        period__md_cell(it->what, cell, sizeof(cell));
        if (l == &r->alerts || l == &r->opened || l == &r->resolved) {
            snprintf(what, sizeof(what), "P%u %s", (unsigned)it->severity, cell);
        } else {
            snprintf(what, sizeof(what), "%s", cell);
        }
        if (it->id) snprintf(id, sizeof(id), "%" PRIu64, it->id);
        period__put(out, "| %s | %s | %s | %s | %s |\n", t, id, what,
                    it->asset >= 0 ? r->assets[it->asset].symbol : "", it->by);
    }
    if (l->omitted) period__put(out, "\n_and %" PRIu64 " more (see the JSON form or history)._\n", l->omitted);
}

void period_report_md(const struct period_report *r, struct buf *out) {
    char s[40], e[40], t[40];
    time_format_iso(r->b.start_ns, s);
    time_format_iso(r->b.end_ns, e);
    time_format_iso(r->last_time_ns, t);
    period__put(out, "# mintline %s report %s\n\n", period_kind_name(r->b.kind), r->b.label);
    period__put(out, "- period: %s to %s (UTC, end excluded)%s\n", s, e,
                r->complete ? "" : " — **incomplete: the period has not ended on the ledger**");
    period__put(out, "- blocks: %" PRIu64 " to %" PRIu64 " (%" PRIu64 " blocks, %" PRIu64
                     " commands, %" PRIu64 " rejected)\n",
                r->first_height, r->last_height, r->blocks, r->commands, r->rejected);
    period__put(out, "- head at the period's end: block %" PRIu64 " at %s, hash `%s`\n", r->last_height,
                t, r->head_hash);
    for (uint32_t i = 0; i < r->assets_count; i++) period__md_asset(r, &r->assets[i], out);
    period__md_vaults_routes(r, out);
    period__md_list(r, "Alerts fired (critical, journaled)", &r->alerts, "None.", out);
    period__md_list(r, "Alert actions", &r->actions, "None.", out);
    period__md_list(r, "Incidents opened", &r->opened, "None.", out);
    period__md_list(r, "Incidents resolved", &r->resolved, "None.", out);
    period__md_list(r, "Proposals executed", &r->proposals, "None.", out);
    period__md_list(r, "Timelock entries executed", &r->timelock, "None.", out);
}
