/*
 * test_checks.c - the checklists' metric items (src/ops/checks.c): exact
 * thresholds (a reserve ratio of exactly 1 is not below 1), n/a when an
 * item has no series, "never" where the item's _present series is 0 (and
 * only there: its age counts from the genesis), one order whatever the
 * input's, the JSON's counts and worst status, a full list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "../../src/base/buf.h"
#include "../../src/base/jw.h"
#include "../../src/ops/checks.h"
#include "../support/series_fixture.h"

static struct checks C;

/* The results of item for subject ("" for none). */
static const struct check_result *find(const char *item, const char *subject) {
    for (size_t i = 0; i < C.count; i++) {
        if (strcmp(C.results[i].item, item) == 0 && strcmp(C.results[i].subject, subject) == 0) {
            return &C.results[i];
        }
    }
    fail_msg("no result %s %s", item, subject);
    return NULL;
}

static void run(enum check_period period, const char *text) {
    struct series_fixture f;
    series_fixture_parse(&f, text);
    checks_init(&C, period);
    assert_int_equal(checks_eval_metrics(&C, &f.set), ERR_OK);
    series_fixture_free(&f);
}

static void reserve_ratio_thresholds_are_exact(void **state) {
    (void)state;
    run(CHECK_DAILY, "mintline_reserve_ratio{asset=\"A\"} 1.05\n"
                     "mintline_reserve_ratio{asset=\"B\"} 1.049999\n"
                     "mintline_reserve_ratio{asset=\"C\"} 1.000000\n"
                     "mintline_reserve_ratio{asset=\"D\"} 0.999999\n"
                     "mintline_reserve_ratio{asset=\"E\"} 0.5\n"
                     "mintline_reserve_quorum_met{asset=\"A\"} 1\n"
                     "mintline_reserve_quorum_met{asset=\"B\"} 1\n"
                     "mintline_reserve_quorum_met{asset=\"C\"} 1\n"
                     "mintline_reserve_quorum_met{asset=\"D\"} 1\n"
                     "mintline_reserve_quorum_met{asset=\"E\"} 0\n");
    assert_int_equal(find("reserve_ratio", "asset=A")->status, CHECK_PASS);
    assert_int_equal(find("reserve_ratio", "asset=B")->status, CHECK_WARN);
    assert_int_equal(find("reserve_ratio", "asset=C")->status, CHECK_WARN); /* 1.0 is not below 1.0 */
    assert_int_equal(find("reserve_ratio", "asset=D")->status, CHECK_FAIL);
    /* E has no quorum: its ratio is not judged, its quorum fails */
    for (size_t i = 0; i < C.count; i++) {
        assert_false(strcmp(C.results[i].item, "reserve_ratio") == 0 &&
                     strcmp(C.results[i].subject, "asset=E") == 0);
    }
    assert_int_equal(find("reserve_quorum", "asset=E")->status, CHECK_FAIL);
    assert_int_equal(find("reserve_quorum", "asset=A")->status, CHECK_PASS);
    assert_string_equal(find("reserve_ratio", "asset=B")->value, "105%");
    assert_string_equal(find("reserve_ratio", "asset=B")->threshold, "warn < 105%, fail < 100%");
    assert_int_equal(checks_worst(&C), CHECK_FAIL);
}

static void items_without_series_are_na(void **state) {
    (void)state;
    run(CHECK_DAILY, "mintline_node_writable 1\n");
    const struct check_result *r = find("vault_health_min", "");
    assert_int_equal(r->status, CHECK_NA);
    assert_string_equal(r->value, "n/a");
    assert_string_equal(r->detail, "no vault with debt");
    assert_int_equal(find("bridge_success", "")->status, CHECK_NA);
    assert_int_equal(find("node_writable", "")->status, CHECK_PASS);
    assert_int_equal(checks_worst(&C), CHECK_PASS); /* n/a is not a failure */
    run(CHECK_DAILY, "mintline_node_writable 0\n");
    assert_int_equal(find("node_writable", "")->status, CHECK_FAIL);
    assert_string_equal(find("node_writable", "")->value, "no");
}

static void absent_thing_is_never_and_fails(void **state) {
    (void)state;
    /* A: never published, its age counted from the genesis (1 day): still
     * "never" and a failure, though 1 day is under the threshold. */
    run(CHECK_WEEKLY, "mintline_por_age_seconds{asset=\"A\"} 86400\n"
                      "mintline_por_age_seconds{asset=\"B\"} 604800\n"
                      "mintline_por_age_seconds{asset=\"C\"} 604801\n"
                      "mintline_por_present{asset=\"A\"} 0\n"
                      "mintline_por_present{asset=\"B\"} 1\n"
                      "mintline_por_present{asset=\"C\"} 1\n"
                      "mintline_reserve_report_age_seconds{asset=\"A\"} 90000\n"
                      "mintline_reserve_report_present{asset=\"A\"} 0\n"
                      "mintline_backup_age_seconds 3600\n"
                      "mintline_backup_present 0\n");
    assert_int_equal(find("por_age", "asset=A")->status, CHECK_FAIL);
    assert_string_equal(find("por_age", "asset=A")->value, "never");
    assert_string_equal(find("por_age", "asset=A")->detail, "none yet (24h 0m since the genesis)");
    assert_int_equal(find("por_age", "asset=B")->status, CHECK_PASS); /* exactly 7 days */
    assert_int_equal(find("por_age", "asset=C")->status, CHECK_FAIL);
    assert_string_equal(find("por_age", "asset=C")->value, "7d 0h 0m 1s");
    assert_string_equal(find("reserve_attestation", "asset=A")->value, "never");
    assert_int_equal(find("reserve_attestation", "asset=A")->status, CHECK_FAIL);
    assert_string_equal(find("backup_age", "")->value, "never");
    assert_string_equal(find("backup_age", "")->detail, "none yet (1h 0m since the schedule began)");
    assert_int_equal(find("backup_age", "")->status, CHECK_FAIL);
    run(CHECK_DAILY, "mintline_nav_age_seconds{asset=\"F\"} 7200\n"
                     "mintline_nav_age_seconds{asset=\"G\"} 7201\n"
                     "mintline_nav_age_seconds{asset=\"H\"} 14401\n"
                     "mintline_nav_age_seconds{asset=\"N\"} 60\n"
                     "mintline_nav_present{asset=\"F\"} 1\n"
                     "mintline_nav_present{asset=\"N\"} 0\n");
    assert_int_equal(find("nav_age", "asset=F")->status, CHECK_PASS);
    assert_int_equal(find("nav_age", "asset=G")->status, CHECK_WARN); /* no present series: an age */
    assert_int_equal(find("nav_age", "asset=H")->status, CHECK_FAIL);
    assert_string_equal(find("nav_age", "asset=H")->value, "4h 0m 1s");
    assert_int_equal(find("nav_age", "asset=N")->status, CHECK_FAIL);
    assert_string_equal(find("nav_age", "asset=N")->value, "never");
}

static void periods_hold_their_items_and_subjects_sort(void **state) {
    (void)state;
    const char *text = "mintline_operator_key_age_seconds{operator=\"zed\"} 6912001\n"
                       "mintline_operator_key_age_seconds{operator=\"amy\"} 7776001\n"
                       "mintline_holder_limit_usage_ratio{asset=\"S\"} 0.7\n";
    run(CHECK_WEEKLY, text);
    assert_int_equal(find("key_age", "operator=zed")->status, CHECK_WARN);
    assert_int_equal(find("key_age", "operator=amy")->status, CHECK_FAIL);
    assert_int_equal(find("holder_limit", "asset=S")->status, CHECK_WARN); /* >= 70% */
    size_t amy = 0, zed = 0;
    for (size_t i = 0; i < C.count; i++) {
        if (strcmp(C.results[i].subject, "operator=amy") == 0 && strcmp(C.results[i].item, "key_age") == 0) amy = i;
        if (strcmp(C.results[i].subject, "operator=zed") == 0 && strcmp(C.results[i].item, "key_age") == 0) zed = i;
        assert_string_not_equal(C.results[i].item, "reserve_ratio"); /* a daily item */
    }
    assert_true(amy < zed);
    run(CHECK_MONTHLY, text);
    assert_int_equal(find("key_age_90d", "operator=zed")->status, CHECK_PASS); /* monthly: 90 days only */
    assert_int_equal(find("key_age_90d", "operator=amy")->status, CHECK_FAIL);
}

static void bridge_projection_needs_outflow(void **state) {
    (void)state;
    run(CHECK_DAILY, "mintline_bridge_buffer_projected_base_units{asset=\"W\",chain=\"1\"} 49\n"
                     "mintline_bridge_buffer_minimum_base_units{asset=\"W\",chain=\"1\"} 50\n"
                     "mintline_bridge_buffer_projected_base_units{asset=\"W\",chain=\"2\"} 50\n"
                     "mintline_bridge_buffer_minimum_base_units{asset=\"W\",chain=\"2\"} 50\n"
                     "mintline_bridge_buffer_projected_base_units{asset=\"W\",chain=\"3\"} 7\n"
                     "mintline_bridge_buffer_minimum_base_units{asset=\"W\",chain=\"3\"} 0\n");
    assert_int_equal(find("bridge_buffer_projected", "chain=1 asset=W")->status, CHECK_FAIL);
    assert_int_equal(find("bridge_buffer_projected", "chain=2 asset=W")->status, CHECK_PASS);
    for (size_t i = 0; i < C.count; i++) { /* no outflow: nothing to project */
        assert_string_not_equal(C.results[i].subject, "chain=3 asset=W");
    }
}

static void json_counts_and_status(void **state) {
    (void)state;
    run(CHECK_DAILY, "mintline_node_writable 1\nmintline_failed_commands_ratio 0.06\n"
                     "mintline_commands_total{op=\"mint\",result=\"ok\"} 100\n"
                     "mintline_commands_recent 20\n");
    struct check_result *extra = checks_add(&C, "x", "an extra", "here");
    assert_non_null(extra);
    extra->status = CHECK_PASS;
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    checks_write_json(&C, &w);
    assert_true(buf_ok(&b));
    json_error_t e;
    json_t *doc = json_loadb((const char *)b.data, b.len, 0, &e);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "warn");
    assert_string_equal(json_string_value(json_object_get(doc, "period")), "daily");
    json_t *counts = json_object_get(doc, "counts");
    assert_int_equal(json_integer_value(json_object_get(counts, "warn")), 1);
    assert_int_equal(json_integer_value(json_object_get(counts, "pass")), 2);
    assert_true(json_integer_value(json_object_get(counts, "n/a")) > 5);
    assert_int_equal(json_array_size(json_object_get(doc, "items")), C.count);
    json_decref(doc);
    buf_free(&b);
}

static void full_list_counts_dropped(void **state) {
    (void)state;
    checks_init(&C, CHECK_DAILY);
    for (size_t i = 0; i < CHECK_RESULTS_MAX; i++) assert_non_null(checks_add(&C, "x", "x", "x"));
    assert_null(checks_add(&C, "x", "x", "x"));
    assert_int_equal(C.dropped, 1);
    assert_int_equal(check_period_parse("weekly"), CHECK_WEEKLY);
    assert_int_equal(check_period_parse("hourly"), 0);
    assert_int_equal(check_period_parse(NULL), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reserve_ratio_thresholds_are_exact),
        cmocka_unit_test(items_without_series_are_na),
        cmocka_unit_test(absent_thing_is_never_and_fails),
        cmocka_unit_test(periods_hold_their_items_and_subjects_sort),
        cmocka_unit_test(bridge_projection_needs_outflow),
        cmocka_unit_test(json_counts_and_status),
        cmocka_unit_test(full_list_counts_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
