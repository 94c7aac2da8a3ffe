/*
 * test_period.c - report periods and renderings (src/ops/period_report.h).
 *
 * UTC calendar arithmetic at its edges (ISO weeks across a year boundary,
 * week 53, February in leap and common years, December), the default
 * period (the last complete one), exact ratio text, and the renderings:
 * the same figures give the same bytes, HTML escapes ledger text and holds
 * no script or network reference, amounts at 2^128 - 1 print exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/duration.h"
#include "../../src/ops/period_report.h"

static int32_t day_of(const char *date) {
    int32_t d = 0;
    assert_int_equal(date_parse(date, strlen(date), &d), ERR_OK);
    return d;
}

static void start_end(const struct period_bounds *b, const char *start, const char *end) {
    char s[11], e[11];
    date_format((int32_t)(b->start_ns / NS_PER_DAY), s);
    date_format((int32_t)(b->end_ns / NS_PER_DAY), e);
    assert_string_equal(s, start);
    assert_string_equal(e, end);
    assert_int_equal(b->start_ns % NS_PER_DAY, 0);
}

static void period_daily_is_the_day_96_quarter_hours(void **state) {
    (void)state;
    struct period_bounds b;
    period_bounds_of(PERIOD_DAILY, day_of("2026-12-31"), &b);
    start_end(&b, "2026-12-31", "2027-01-01");
    assert_string_equal(b.label, "2026-12-31");
    assert_int_equal(b.points, 97);
}

static void period_weekly_iso_week_across_year_boundary(void **state) {
    (void)state;
    struct period_bounds b;
    /* 2027-01-01 is a Friday: ISO week 53 of 2026, Monday 2026-12-28 */
    period_bounds_of(PERIOD_WEEKLY, day_of("2027-01-01"), &b);
    start_end(&b, "2026-12-28", "2027-01-04");
    assert_string_equal(b.label, "2026-W53");
    /* 2024-12-30 is a Monday: ISO week 1 of 2025 */
    period_bounds_of(PERIOD_WEEKLY, day_of("2025-01-05"), &b);
    start_end(&b, "2024-12-30", "2025-01-06");
    assert_string_equal(b.label, "2025-W01");
    /* a Sunday belongs to the week that began the Monday before */
    period_bounds_of(PERIOD_WEEKLY, day_of("2026-12-06"), &b);
    start_end(&b, "2026-11-30", "2026-12-07");
    assert_string_equal(b.label, "2026-W49");
    assert_int_equal(b.points, 85);
}

static void period_monthly_february_leap_and_common_and_december(void **state) {
    (void)state;
    struct period_bounds b;
    period_bounds_of(PERIOD_MONTHLY, day_of("2024-02-29"), &b);
    start_end(&b, "2024-02-01", "2024-03-01");
    assert_int_equal(b.points, 29 * 8 + 1);
    period_bounds_of(PERIOD_MONTHLY, day_of("2026-02-10"), &b);
    start_end(&b, "2026-02-01", "2026-03-01");
    period_bounds_of(PERIOD_MONTHLY, day_of("2026-12-01"), &b);
    start_end(&b, "2026-12-01", "2027-01-01");
    assert_string_equal(b.label, "2026-12");
    assert_true(b.points <= PERIOD_POINTS_MAX);
}

static void period_default_is_the_last_complete_period(void **state) {
    (void)state;
    int64_t now = (int64_t)day_of("2026-12-02") * NS_PER_DAY + 3600 * NS_PER_S; /* a Wednesday */
    char d[11];
    date_format(period_default_day(PERIOD_DAILY, now), d);
    assert_string_equal(d, "2026-12-01");
    date_format(period_default_day(PERIOD_WEEKLY, now), d);
    assert_string_equal(d, "2026-11-29"); /* the Sunday ending last week */
    date_format(period_default_day(PERIOD_MONTHLY, now), d);
    assert_string_equal(d, "2026-11-30");
}

static void period_kind_parse_rejects_others(void **state) {
    (void)state;
    enum period_kind k;
    assert_int_equal(period_kind_parse("weekly", &k), ERR_OK);
    assert_int_equal(k, PERIOD_WEEKLY);
    assert_int_equal(period_kind_parse("yearly", &k), ERR_INVALID_ARGUMENT);
    assert_int_equal(period_kind_parse("Daily", &k), ERR_INVALID_ARGUMENT);
    assert_int_equal(period_kind_parse(NULL, &k), ERR_INVALID_ARGUMENT);
}

static void period_ratio_text_is_exact(void **state) {
    (void)state;
    char t[32];
    period_ratio_format(1045000, t);
    assert_string_equal(t, "104.5000%");
    period_ratio_format(999999, t);
    assert_string_equal(t, "99.9999%");
    period_ratio_format(0, t);
    assert_string_equal(t, "0.0000%");
}

static struct period_report *sample(void) {
    struct period_report *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    period_bounds_of(PERIOD_DAILY, day_of("2026-12-01"), &r->b);
    r->complete = 1;
    r->blocks = 2;
    r->first_height = 5;
    r->last_height = 6;
    r->last_time_ns = r->b.start_ns + 60 * NS_PER_S;
    memset(r->head_hash, 'a', 64);
    r->assets_count = 1;
    struct period_asset *a = &r->assets[0];
    strcpy(a->symbol, "USDW");
    strcpy(a->kind, "fiat");
    a->decimals = 6;
    a->is_fiat = 1;
    a->supply_end = ~(u128)0;
    a->ratio_has = a->ratio_end_has = 1;
    a->ratio_end_ppm = a->ratio_low_ppm = 1045000;
    r->points_filled = r->b.points;
    for (uint32_t k = 0; k < r->points_filled; k++) {
        a->points[k].supply = (u128)k * 1000000;
        a->points[k].has_ratio = k % 2;
        a->points[k].ratio_ppm = 1000000 + k;
    }
    struct period_item it = {.time_ns = r->last_time_ns, .id = 3, .severity = 1, .asset = 0};
    strcpy(it.by, "alice");
    strcpy(it.what, "<script>alert(1)</script> | \"x\"");
    period_list_add(&r->opened, &it);
    return r;
}

static void period_renderings_same_bytes_escaped_exact(void **state) {
    (void)state;
    struct period_report *r = sample();
    struct buf a[3], b[3];
    for (int i = 0; i < 3; i++) {
        buf_init(&a[i]);
        buf_init(&b[i]);
    }
    period_report_json(r, &a[0]);
    period_report_md(r, &a[1]);
    period_report_html(r, &a[2]);
    period_report_json(r, &b[0]);
    period_report_md(r, &b[1]);
    period_report_html(r, &b[2]);
    for (int i = 0; i < 3; i++) {
        assert_true(buf_ok(&a[i]));
        assert_int_equal(a[i].len, b[i].len);
        assert_memory_equal(a[i].data, b[i].data, a[i].len);
        buf_put(&a[i], "", 1);
    }
    const char *json = (const char *)a[0].data, *md = (const char *)a[1].data;
    const char *html = (const char *)a[2].data;
    assert_non_null(strstr(json, "\"supply_end\":\"340282366920938463463374607431768.211455\""));
    assert_non_null(strstr(json, "\"ratio_end\":\"1.045\""));
    assert_non_null(strstr(md, "| reserve ratio | 104.5000% at end"));
    assert_non_null(strstr(md, "\\| \"x\""));
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "&lt;script&gt;"));
    assert_null(strstr(html, "http://"));
    assert_null(strstr(html, "https://"));
    assert_non_null(strstr(html, "<svg"));
    assert_non_null(strstr(html, "<polyline"));
    assert_non_null(strstr(html, "<circle")); /* lone ratio values: dots */
    for (int i = 0; i < 3; i++) {
        buf_free(&a[i]);
        buf_free(&b[i]);
    }
    free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(period_daily_is_the_day_96_quarter_hours),
        cmocka_unit_test(period_weekly_iso_week_across_year_boundary),
        cmocka_unit_test(period_monthly_february_leap_and_common_and_december),
        cmocka_unit_test(period_default_is_the_last_complete_period),
        cmocka_unit_test(period_kind_parse_rejects_others),
        cmocka_unit_test(period_ratio_text_is_exact),
        cmocka_unit_test(period_renderings_same_bytes_escaped_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
