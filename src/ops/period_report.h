/*
 * period_report.h - the figures of SPEC 9's daily, weekly and monthly
 * reports, and their three renderings (JSON, Markdown, HTML with inline SVG
 * charts).
 *
 * This module only holds and renders figures: who fills them (the node,
 * replaying the journal up to the period's end: node/period_scan.c) is not
 * its business, and it includes base/ only. Rendering is a pure function of
 * the struct: no clock, locale or hash order, so the same figures always give
 * the same bytes. Amounts are u128 base units printed as exact decimal
 * strings; ratios are parts per million printed as exact decimals. The HTML
 * charts use floating point for drawing coordinates only.
 *
 * Periods are UTC: daily is one calendar day, weekly the ISO week (Monday to
 * Sunday) holding the day, monthly the calendar month.
 */
#ifndef MINTLINE_OPS_PERIOD_REPORT_H
#define MINTLINE_OPS_PERIOD_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "../base/u128.h"

enum period_kind { PERIOD_DAILY, PERIOD_WEEKLY, PERIOD_MONTHLY };

/* Chart points per period: daily every 15 min (96), weekly every 2 h (84),
 * monthly every 3 h (at most 248), plus the period's start. */
#define PERIOD_POINTS_MAX 249u
/* Listed items per section (incidents, alerts, proposals, timelock
 * entries): past this a report says how many more there were. */
#define PERIOD_LIST_MAX 200u
#define PERIOD_ASSETS_MAX 64u
#define PERIOD_VAULT_TYPES_MAX 32u
#define PERIOD_ROUTES_MAX 16u
#define PERIOD_NAME_SIZE 48u
#define PERIOD_TITLE_SIZE 128u

struct period_bounds {
    enum period_kind kind;
    int64_t start_ns; /* inclusive, 00:00 UTC */
    int64_t end_ns;   /* exclusive */
    char label[32];   /* "2026-12-01", "2026-W49", "2026-12" */
    uint32_t points;  /* chart points, the start included */
    int64_t step_ns;  /* between chart points */
};

/* period_kind_parse: "daily", "weekly", "monthly". ERR_INVALID_ARGUMENT. */
enum err period_kind_parse(const char *text, enum period_kind *out)
    __attribute__((warn_unused_result));
const char *period_kind_name(enum period_kind kind);

/* period_bounds_of: the period of that kind holding day (days since
 * 1970-01-01). */
void period_bounds_of(enum period_kind kind, int32_t day, struct period_bounds *out);

/* period_default_day: a day of the last complete period of that kind at
 * now_ns (yesterday, last week, last month): what a report run without
 * --at is about. */
int32_t period_default_day(enum period_kind kind, int64_t now_ns);

/* One chart point: the state after every block before its time. */
struct period_point {
    u128 supply;
    u128 nav;           /* valid when has_nav */
    uint64_t ratio_ppm; /* valid when has_ratio */
    uint8_t has_nav;
    uint8_t has_ratio;
};

struct period_asset {
    char symbol[PERIOD_NAME_SIZE];
    char kind[16];     /* "fiat", "fund", "security", "plain" */
    uint8_t decimals;
    uint8_t is_fiat;
    uint8_t is_fund;
    u128 supply_start;
    u128 supply_end;
    u128 minted; /* every supply increase the asset counted (mints, vault borrows) */
    u128 burned;
    uint64_t mints; /* Mint events */
    uint64_t burns; /* Burn events */
    uint64_t transfers;
    u128 transfer_volume;
    uint64_t forced_transfers;
    uint64_t holders_start;
    uint64_t holders_end;
    /* a fund's NAV (8 fraction digits): over the start and every block */
    uint8_t nav_has; /* any value at all */
    u128 nav_start, nav_end, nav_low, nav_high;
    uint8_t nav_start_has;
    uint64_t nav_updates;
    /* a fiat asset's reserve ratio (verified reserve / reserve-backed supply) */
    uint8_t ratio_has;     /* quorum met at least once */
    uint8_t ratio_end_has; /* quorum met at the last block */
    uint64_t ratio_end_ppm, ratio_low_ppm;
    int64_t ratio_low_ns;
    uint64_t reserve_reports;
    /* the UTC day counters' peaks over the period's blocks */
    uint8_t mint_limit_has, inflow_limit_has;
    u128 mint_limit, inflow_limit;
    u128 mint_peak, inflow_peak;
    int32_t mint_peak_day, inflow_peak_day; /* -1: no mint in the period */
    struct period_point points[PERIOD_POINTS_MAX];
};

struct period_vault_type {
    char name[PERIOD_NAME_SIZE];
    uint16_t collateral, debt; /* asset indexes in the report */
    uint64_t vaults_start, vaults_end;
    uint64_t liquidations;
    u128 borrowed, repaid, liquidated, bad_debt; /* in the period (debt units) */
    u128 collateral_end, debt_end, debt_ceiling;
};

struct period_route {
    uint16_t asset;
    uint64_t chain;
    uint8_t enabled;
    uint64_t sent, settled, refunded, received;
    u128 sent_volume, received_volume, escrow_end;
};

/* An incident, an alert's incident, a governance release or an alert action. */
struct period_item {
    int64_t time_ns;
    uint64_t id;      /* incident, proposal or timelock id; 0 for an action */
    uint64_t alert;   /* an alert's fingerprint, 0 none */
    uint8_t severity; /* incidents: 0..3 = P0..P3 */
    int16_t asset;    /* report asset index or -1 */
    char by[PERIOD_NAME_SIZE];
    char what[PERIOD_TITLE_SIZE]; /* title, op name or event type */
};

struct period_list {
    struct period_item items[PERIOD_LIST_MAX];
    uint32_t count;   /* listed */
    uint64_t omitted; /* past PERIOD_LIST_MAX */
};

struct period_report {
    struct period_bounds b;
    uint8_t complete;  /* the journal's head is at or past the period's end */
    uint64_t first_height, last_height; /* the period's blocks */
    uint64_t blocks, commands, rejected;
    int64_t last_time_ns;
    char head_hash[65]; /* of the period's last block */
    uint32_t points_filled;
    uint32_t assets_count;
    struct period_asset assets[PERIOD_ASSETS_MAX];
    uint32_t vault_types_count;
    struct period_vault_type vault_types[PERIOD_VAULT_TYPES_MAX];
    uint32_t routes_count;
    struct period_route routes[PERIOD_ROUTES_MAX];
    struct period_list alerts;   /* incidents opened by the alert loop */
    struct period_list actions;  /* halts and pauses the alert loop ran */
    struct period_list opened;   /* incidents */
    struct period_list resolved; /* incidents */
    struct period_list proposals; /* executed */
    struct period_list timelock;  /* executed */
};

/* period_list_add: append item (or count it as omitted when full). */
void period_list_add(struct period_list *l, const struct period_item *item);

/* Renderings, appended to out (its sticky failure says out of memory). */
void period_report_json(const struct period_report *r, struct buf *out);
void period_report_md(const struct period_report *r, struct buf *out);
void period_report_html(const struct period_report *r, struct buf *out);

/* period_ratio_format: ppm as an exact percentage, "104.5000%" (4 places). */
void period_ratio_format(uint64_t ppm, char out[32]);

#endif
