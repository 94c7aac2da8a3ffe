/*
 * period_report_html.c - the HTML form of a report: one self-contained file
 * (inline CSS and SVG; no script, no font or image from anywhere) that
 * prints legibly on paper: the facts, a table per asset, and a chart per
 * series (supply; NAV for funds; reserve ratio for fiat assets) with axes,
 * tick labels, units and a legend.
 *
 * Figures and tick labels are exact decimals computed in integers (a tick
 * is lo + (hi - lo) * k / 4 base units, floor); floating point is used only
 * for where things are drawn. Output depends on the figures alone.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../base/duration.h"
#include "period_report.h"

#define HTML_W 760.0
#define HTML_H 270.0
#define HTML_L 150.0 /* room for the value labels */
#define HTML_R 20.0
#define HTML_T 34.0 /* room for the legend */
#define HTML_B 44.0 /* room for the time labels */
#define HTML_Y_TICKS 4

static void html__put(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void html__put(struct buf *out, const char *fmt, ...) {
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0) buf_put(out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Text from the ledger, escaped for HTML content and attributes. */
static void html__text(struct buf *out, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '<': buf_put(out, "&lt;", 4); break;
        case '>': buf_put(out, "&gt;", 4); break;
        case '&': buf_put(out, "&amp;", 5); break;
        case '"': buf_put(out, "&quot;", 6); break;
        case '\'': buf_put(out, "&#39;", 5); break;
        default:
            if ((unsigned char)*s >= 0x20) buf_put(out, s, 1);
        }
    }
}

/* One series of a chart: values as u128 with a presence flag per point. */
struct html_series {
    const char *name;  /* "supply" */
    const char *unit;  /* "USDW", "USD", "%" */
    unsigned decimals; /* of the values */
    int percent;       /* values are ppm, labelled as percentages */
    u128 values[PERIOD_POINTS_MAX];
    uint8_t has[PERIOD_POINTS_MAX];
    uint32_t count;
};

static void html__label(const struct html_series *sr, u128 v, char out[AMOUNT_TEXT_SIZE]) {
    if (sr->percent) {
        char p[32];
        period_ratio_format((uint64_t)v, p);
        snprintf(out, AMOUNT_TEXT_SIZE, "%s", p);
    } else {
        amount_format(v, sr->decimals, out);
    }
}

static double html__x(const struct period_bounds *b, uint32_t k) {
    return HTML_L + (HTML_W - HTML_L - HTML_R) * (double)k / (double)(b->points - 1);
}

static double html__y(u128 v, u128 lo, u128 hi) {
    double f = hi > lo ? (double)(v - lo) / (double)(hi - lo) : 0.5;
    return HTML_T + (HTML_H - HTML_T - HTML_B) * (1.0 - f);
}

/* The time axis: a label every tick_points points. */
static void html__x_axis(const struct period_bounds *b, struct buf *out) {
    uint32_t every = b->kind == PERIOD_DAILY ? 12 : b->kind == PERIOD_WEEKLY ? 12 : 40;
    double y0 = HTML_H - HTML_B;
    html__put(out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", HTML_L,
              y0, HTML_W - HTML_R, y0);
    for (uint32_t k = 0; k < b->points; k += every) {
        int64_t t = b->start_ns + (int64_t)k * b->step_ns;
        char iso[40], label[24];
        time_format_iso(t, iso);
        if (b->kind == PERIOD_DAILY) snprintf(label, sizeof(label), "%.5s", iso + 11);
        else snprintf(label, sizeof(label), "%.5s", iso + 5);
        double x = html__x(b, k);
        html__put(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x,
                  HTML_T, x, y0 + 4);
        html__put(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x, y0 + 16,
                  label);
    }
    html__put(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"unit\">time (UTC, %s)</text>\n",
              (HTML_L + HTML_W - HTML_R) / 2, HTML_H - 6,
              b->kind == PERIOD_DAILY ? "hours" : "month-day");
}

static void html__y_axis(const struct html_series *sr, u128 lo, u128 hi, struct buf *out) {
    html__put(out, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", HTML_L,
              HTML_T, HTML_L, HTML_H - HTML_B);
    const u128 ticks = HTML_Y_TICKS;
    for (u128 k = 0; k <= ticks; k++) {
        u128 v = lo + (hi - lo) / ticks * k + (hi - lo) % ticks * k / ticks;
        char label[AMOUNT_TEXT_SIZE];
        html__label(sr, v, label);
        double y = html__y(v, lo, hi);
        html__put(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                  HTML_L - 4, y, HTML_W - HTML_R, y);
        html__put(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", HTML_L - 6,
                  y + 4, label);
    }
}

/* The range drawn: the values' own, widened when flat so the line sits mid-chart. */
static int html__range(const struct html_series *sr, u128 *lo, u128 *hi) {
    int any = 0;
    for (uint32_t k = 0; k < sr->count; k++) {
        if (!sr->has[k]) continue;
        if (!any || sr->values[k] < *lo) *lo = sr->values[k];
        if (!any || sr->values[k] > *hi) *hi = sr->values[k];
        any = 1;
    }
    if (any && *lo == *hi) {
        /* flat: a tenth of the value either side, or one whole unit above zero */
        u128 pad = *lo / 10 ? *lo / 10 : sr->percent ? 10000 : u128_pow10(sr->decimals);
        *lo = *lo >= pad ? *lo - pad : 0;
        *hi = *hi + pad;
    }
    return any;
}

static void html__chart(const struct period_report *r, const char *symbol,
                        const struct html_series *sr, const char *css, struct buf *out) {
    u128 lo = 0, hi = 0;
    html__put(out, "<figure>\n<svg viewBox=\"0 0 %.0f %.0f\" "
                   "role=\"img\">\n<title>",
              HTML_W, HTML_H);
    html__text(out, symbol);
    html__put(out, " %s over %s</title>\n", sr->name, r->b.label);
    if (!html__range(sr, &lo, &hi)) {
        html__put(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no %s in this period</text>\n"
                       "</svg>\n</figure>\n",
                  HTML_W / 2, HTML_H / 2, sr->name);
        return;
    }
    html__x_axis(&r->b, out);
    html__y_axis(sr, lo, hi, out);
    for (uint32_t k = 0; k < sr->count; k++) { /* a value with no neighbour: a dot */
        int alone = sr->has[k] && (k == 0 || !sr->has[k - 1]) && (k + 1 >= sr->count || !sr->has[k + 1]);
        if (alone) {
            html__put(out, "<circle class=\"%s d\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>\n", css,
                      html__x(&r->b, k), html__y(sr->values[k], lo, hi));
        }
    }
    int open = 0;
    for (uint32_t k = 0; k < sr->count; k++) {
        if (!sr->has[k]) {
            if (open) html__put(out, "\"/>\n");
            open = 0;
            continue;
        }
        if (!open) html__put(out, "<polyline class=\"%s\" points=\"", css);
        html__put(out, "%s%.1f,%.1f", open ? " " : "", html__x(&r->b, k), html__y(sr->values[k], lo, hi));
        open = 1;
    }
    if (open) html__put(out, "\"/>\n");
    /* legend */
    html__put(out, "<line class=\"%s\" x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"14\"/>\n", css, HTML_L,
              HTML_L + 28);
    html__put(out, "<text x=\"%.1f\" y=\"18\">", HTML_L + 34);
    html__text(out, symbol);
    html__put(out, " %s (%s)</text>\n</svg>\n<figcaption>", sr->name, sr->unit);
    html__text(out, symbol);
    html__put(out, " %s, %s: value at each %" PRId64 "-minute mark (state after every earlier block)%s.</figcaption>\n</figure>\n",
              sr->name, sr->unit, r->b.step_ns / (60 * NS_PER_S),
              r->points_filled < r->b.points ? "; the period has not ended, the line stops at the last block" : "");
}

static void html__charts(const struct period_report *r, const struct period_asset *a,
                         struct html_series *sr, struct buf *out) {
    memset(sr, 0, sizeof(*sr));
    sr->name = "supply";
    sr->unit = a->symbol;
    sr->decimals = a->decimals;
    sr->count = r->points_filled;
    for (uint32_t k = 0; k < sr->count; k++) {
        sr->values[k] = a->points[k].supply;
        sr->has[k] = 1;
    }
    html__chart(r, a->symbol, sr, "s1", out);
    if (a->is_fund) {
        memset(sr, 0, sizeof(*sr));
        sr->name = "NAV";
        sr->unit = "per unit, 8 decimals";
        sr->decimals = 8;
        sr->count = r->points_filled;
        for (uint32_t k = 0; k < sr->count; k++) {
            sr->values[k] = a->points[k].nav;
            sr->has[k] = a->points[k].has_nav;
        }
        html__chart(r, a->symbol, sr, "s2", out);
    }
    if (a->is_fiat) {
        memset(sr, 0, sizeof(*sr));
        sr->name = "reserve ratio";
        sr->unit = "% of the reserve-backed supply";
        sr->percent = 1;
        sr->count = r->points_filled;
        for (uint32_t k = 0; k < sr->count; k++) {
            sr->values[k] = a->points[k].ratio_ppm;
            sr->has[k] = a->points[k].has_ratio;
        }
        html__chart(r, a->symbol, sr, "s3", out);
    }
}

static const char html__css[] =
    "body{font-family:sans-serif;color:#000;background:#fff;max-width:60em;margin:1em auto;"
    "padding:0 1em;line-height:1.35}\n"
    "h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #888;margin-top:1.6em}\n"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #999;padding:.2em .5em;"
    "text-align:left;vertical-align:top}\n"
    "td.n{text-align:right;font-family:monospace}\ncode{font-family:monospace;word-break:break-all}\n"
    "figure{margin:.8em 0;page-break-inside:avoid;break-inside:avoid}\n"
    "figcaption{font-size:.85em;color:#333}\nsvg{width:100%;height:auto;max-width:760px}\n"
    "svg text{font-family:sans-serif;font-size:10.5px;fill:#000}svg text.unit{font-size:11px}\n"
    ".axis{stroke:#000;stroke-width:1}.grid{stroke:#ccc;stroke-width:.6}\n"
    ".s1,.s2,.s3{fill:none;stroke-width:2}.s1{stroke:#1f4e9c}.s2{stroke:#1b7a3a}"
    ".s3{stroke:#b3261e;stroke-dasharray:6 3}.d{stroke-dasharray:none}\n"
    ".s1.d{fill:#1f4e9c}.s2.d{fill:#1b7a3a}.s3.d{fill:#b3261e}\n"
    ".warn{color:#b3261e;font-weight:bold}\n"
    "@media print{body{max-width:none;margin:0}h2{page-break-after:avoid}}\n";

/* A row of label and exact value(s). */
static void html__row(struct buf *out, const char *label, const char *value) {
    html__put(out, "<tr><th>%s</th><td class=\"n\">", label);
    html__text(out, value);
    html__put(out, "</td></tr>\n");
}

static void html__asset_table(const struct period_asset *a, struct buf *out) {
    char v[4 * AMOUNT_TEXT_SIZE + 96], s1[AMOUNT_TEXT_SIZE], s2[AMOUNT_TEXT_SIZE];
    char s3[AMOUNT_TEXT_SIZE], s4[AMOUNT_TEXT_SIZE];
    unsigned dec = a->decimals;
    html__put(out, "<table>\n");
    amount_format(a->supply_start, dec, s1);
    html__row(out, "supply at start", s1);
    amount_format(a->supply_end, dec, s1);
    html__row(out, "supply at end", s1);
    amount_format(a->minted, dec, s1);
    snprintf(v, sizeof(v), "%s (%" PRIu64 " mints)", s1, a->mints);
    html__row(out, "minted", v);
    amount_format(a->burned, dec, s1);
    snprintf(v, sizeof(v), "%s (%" PRIu64 " burns)", s1, a->burns);
    html__row(out, "burned", v);
    amount_format(a->transfer_volume, dec, s1);
    snprintf(v, sizeof(v), "%" PRIu64 " (volume %s)", a->transfers, s1);
    html__row(out, "transfers", v);
    snprintf(v, sizeof(v), "%" PRIu64 " → %" PRIu64, a->holders_start, a->holders_end);
    html__row(out, "holders (start → end)", v);
    if (a->is_fund) {
        amount_format(a->nav_start, 8, s1);
        amount_format(a->nav_end, 8, s2);
        amount_format(a->nav_low, 8, s3);
        amount_format(a->nav_high, 8, s4);
        if (a->nav_has) {
            snprintf(v, sizeof(v), "%s → %s; range %s to %s; %" PRIu64 " updates",
                     a->nav_start_has ? s1 : "none", s2, s3, s4, a->nav_updates);
        } else {
            snprintf(v, sizeof(v), "none published");
        }
        html__row(out, "NAV", v);
    }
    if (a->is_fiat) {
        char e[32], l[32], t[40];
        period_ratio_format(a->ratio_end_ppm, e);
        period_ratio_format(a->ratio_low_ppm, l);
        time_format_iso(a->ratio_low_ns, t);
        if (a->ratio_has) {
            snprintf(v, sizeof(v), "%s at end; low %s at %s; %" PRIu64 " reports",
                     a->ratio_end_has ? e : "no quorum", l, t, a->reserve_reports);
        } else {
            snprintf(v, sizeof(v), "no quorum of fresh reports (%" PRIu64 " reports)", a->reserve_reports);
        }
        html__row(out, "reserve ratio", v);
    }
    char day[11] = "-";
    if (a->mint_peak_day >= 0) date_format(a->mint_peak_day, day);
    amount_format(a->mint_peak, dec, s1);
    amount_format(a->mint_limit, dec, s2);
    snprintf(v, sizeof(v), "%s on %s (limit %s)", s1, day, a->mint_limit_has ? s2 : "none");
    html__row(out, "daily mint peak", v);
    snprintf(day, sizeof(day), "-");
    if (a->inflow_peak_day >= 0) date_format(a->inflow_peak_day, day);
    amount_format(a->inflow_peak, dec, s1);
    amount_format(a->inflow_limit, dec, s2);
    snprintf(v, sizeof(v), "%s on %s (limit %s)", s1, day, a->inflow_limit_has ? s2 : "none");
    html__row(out, "daily net inflow peak", v);
    html__put(out, "</table>\n");
}

static void html__list(const struct period_report *r, const char *heading,
                       const struct period_list *l, struct buf *out) {
    html__put(out, "<h2>%s (%" PRIu64 ")</h2>\n", heading, (uint64_t)l->count + l->omitted);
    if (l->count == 0) {
        html__put(out, "<p>None.</p>\n");
        return;
    }
    html__put(out, "<table>\n<tr><th>time</th><th>id</th><th>what</th><th>asset</th><th>by</th></tr>\n");
    for (uint32_t i = 0; i < l->count; i++) {
        const struct period_item *it = &l->items[i];
        char t[40];
        time_format_iso(it->time_ns, t);
        html__put(out, "<tr><td>%s</td><td class=\"n\">", t);
        if (it->id) html__put(out, "%" PRIu64, it->id);
        html__put(out, "</td><td>");
        if (l == &r->alerts || l == &r->opened || l == &r->resolved) html__put(out, "P%u ", (unsigned)it->severity);
        html__text(out, it->what);
        html__put(out, "</td><td>");
        if (it->asset >= 0) html__text(out, r->assets[it->asset].symbol);
        html__put(out, "</td><td>");
        html__text(out, it->by);
        html__put(out, "</td></tr>\n");
    }
    html__put(out, "</table>\n");
    if (l->omitted) html__put(out, "<p>and %" PRIu64 " more (see the JSON form or history).</p>\n", l->omitted);
}

static void html__vaults_routes(const struct period_report *r, struct buf *out) {
    char s1[AMOUNT_TEXT_SIZE], s2[AMOUNT_TEXT_SIZE], s3[AMOUNT_TEXT_SIZE], s4[AMOUNT_TEXT_SIZE];
    if (r->vault_types_count) {
        html__put(out, "<h2>Vaults</h2>\n<table>\n<tr><th>type</th><th>debt</th><th>vaults</th>"
                       "<th>borrowed</th><th>repaid</th><th>liquidations</th><th>debt at end</th>"
                       "<th>collateral at end</th></tr>\n");
        for (uint32_t i = 0; i < r->vault_types_count; i++) {
            const struct period_vault_type *v = &r->vault_types[i];
            unsigned dec = r->assets[v->debt].decimals;
            amount_format(v->borrowed, dec, s1);
            amount_format(v->repaid, dec, s2);
            amount_format(v->debt_end, dec, s3);
            amount_format(v->collateral_end, r->assets[v->collateral].decimals, s4);
            html__put(out, "<tr><td>");
            html__text(out, v->name);
            html__put(out, "</td><td>%s</td><td class=\"n\">%" PRIu64 " → %" PRIu64 "</td><td class=\"n\">%s</td>"
                           "<td class=\"n\">%s</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%s</td>"
                           "<td class=\"n\">%s %s</td></tr>\n",
                      r->assets[v->debt].symbol, v->vaults_start, v->vaults_end, s1, s2, v->liquidations,
                      s3, s4, r->assets[v->collateral].symbol);
        }
        html__put(out, "</table>\n");
    }
    if (r->routes_count) {
        html__put(out, "<h2>Bridge</h2>\n<table>\n<tr><th>asset</th><th>chain</th><th>sent</th>"
                       "<th>settled</th><th>refunded</th><th>received</th><th>escrow at end</th></tr>\n");
        for (uint32_t i = 0; i < r->routes_count; i++) {
            const struct period_route *t = &r->routes[i];
            unsigned dec = r->assets[t->asset].decimals;
            amount_format(t->sent_volume, dec, s1);
            amount_format(t->received_volume, dec, s2);
            amount_format(t->escrow_end, dec, s3);
            html__put(out, "<tr><td>%s</td><td class=\"n\">%" PRIu64 "%s</td><td class=\"n\">%" PRIu64
                           " (%s)</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                           "</td><td class=\"n\">%" PRIu64 " (%s)</td><td class=\"n\">%s</td></tr>\n",
                      r->assets[t->asset].symbol, t->chain, t->enabled ? "" : " (disabled)", t->sent, s1,
                      t->settled, t->refunded, t->received, s2, s3);
        }
        html__put(out, "</table>\n");
    }
}

void period_report_html(const struct period_report *r, struct buf *out) {
    struct html_series series;
    struct html_series *sr = &series;
    char s[40], e[40], t[40];
    time_format_iso(r->b.start_ns, s);
    time_format_iso(r->b.end_ns, e);
    time_format_iso(r->last_time_ns, t);
    const char *kind = period_kind_name(r->b.kind);
    html__put(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<title>mintline %s report %s</title>\n<style>\n",
              kind, r->b.label);
    buf_put(out, html__css, sizeof(html__css) - 1);
    html__put(out, "</style>\n</head>\n<body>\n");
    html__put(out, "<h1>mintline %s report %s</h1>\n<table>\n", kind, r->b.label);
    html__put(out, "<tr><th>period (UTC)</th><td>%s to %s (end excluded)</td></tr>\n", s, e);
    if (!r->complete) html__put(out, "<tr><th>status</th><td class=\"warn\">incomplete: the period has not ended on the ledger</td></tr>\n");
    html__put(out, "<tr><th>blocks</th><td class=\"n\">%" PRIu64 " to %" PRIu64 " (%" PRIu64 " blocks, %" PRIu64
                   " commands, %" PRIu64 " rejected)</td></tr>\n",
              r->first_height, r->last_height, r->blocks, r->commands, r->rejected);
    html__put(out, "<tr><th>head at the period's end</th><td>block %" PRIu64 " at %s<br><code>%s</code></td></tr>\n</table>\n",
              r->last_height, t, r->head_hash);
    for (uint32_t i = 0; i < r->assets_count; i++) {
        const struct period_asset *a = &r->assets[i];
        html__put(out, "<h2>");
        html__text(out, a->symbol);
        html__put(out, " (%s)</h2>\n", a->kind);
        html__asset_table(a, out);
        html__charts(r, a, sr, out);
    }
    html__vaults_routes(r, out);
    html__list(r, "Alerts fired (critical, journaled)", &r->alerts, out);
    html__list(r, "Alert actions", &r->actions, out);
    html__list(r, "Incidents opened", &r->opened, out);
    html__list(r, "Incidents resolved", &r->resolved, out);
    html__list(r, "Proposals executed", &r->proposals, out);
    html__list(r, "Timelock entries executed", &r->timelock, out);
    html__put(out, "<p><small>Computed from the journal by replaying it to the period's end: the same "
                   "ledger and period give this same file, byte for byte.</small></p>\n</body>\n</html>\n");
}
