/*
 * test_alert.c - the alert state machine (src/ops/alert.h) with a clock
 * the test drives: `for` to the nanosecond, firing at once without one,
 * flapping (a resolved alert that returns is a new firing), two series of
 * one rule, a rule removed, a rule that fails to evaluate, the resolved
 * retention, fingerprints, the JSON form.
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
#include "../../src/ops/alert.h"
#include "../../src/ops/rules.h"
#include "../support/series_fixture.h"

#define S_NS INT64_C(1000000000)
#define MIN_NS (60 * S_NS)
#define T0 (INT64_C(1767225600) * S_NS) /* 2026-01-01T00:00:00Z */

static void parse_rules(const char *text, struct rules *out) {
    struct rules_error error;
    enum err err = rules_parse("test.yml", text, strlen(text), out, &error);
    if (err != ERR_OK) fail_msg("rules_parse: %s", error.message);
}

/* One round over the series in text at now. Returns the failed rules. */
static size_t round_at(struct alert_table *t, const struct rules *r, const char *series, int64_t now) {
    struct series_fixture f;
    series_fixture_parse(&f, series);
    size_t failed = alert_evaluate(t, r, &f.set, now, NULL, NULL);
    series_fixture_free(&f);
    return failed;
}

static const struct alert *find(const struct alert_table *t, const char *name, const char *asset) {
    for (size_t i = 0; i < t->count; i++) {
        struct alert_view v;
        alert_table_view(t, i, &v);
        const char *a = alert_label(&v, "asset");
        if (strcmp(v.name, name) == 0 && (asset == NULL || (a != NULL && strcmp(a, asset) == 0))) {
            return &t->alerts[i];
        }
    }
    return NULL;
}

static size_t transitions_to(const struct alert_table *t, enum alert_state to) {
    size_t n = 0;
    for (size_t i = 0; i < t->transitions_count; i++) n += t->transitions[i].to == to;
    return n;
}

static const char *const FOR_RULES =
    "groups:\n  - name: g\n    rules:\n"
    "      - alert: Low\n"
    "        expr: mintline_reserve_ratio < 1\n"
    "        for: 5m\n"
    "        labels: {severity: critical}\n"
    "        action: halt_minting\n"
    "      - alert: Now\n"
    "        expr: mintline_nav_age_seconds > 7200\n"
    "        labels: {severity: warning}\n";

static void alert_for_honoured_to_the_nanosecond(void **state) {
    (void)state;
    struct rules r;
    parse_rules(FOR_RULES, &r);
    struct alert_table t;
    alert_table_init(&t);
    const char *low = "mintline_reserve_ratio{asset=\"USDW\"} 0.5\n";
    assert_int_equal(round_at(&t, &r, low, T0), 0);
    const struct alert *a = find(&t, "Low", "USDW");
    assert_non_null(a);
    assert_int_equal(a->state, ALERT_PENDING);
    assert_true(a->active_since_ns == T0);
    assert_true(a->fired_at_ns == 0);
    assert_int_equal(t.transitions_count, 0);
    /* one nanosecond short of 5m: still pending, since unchanged */
    round_at(&t, &r, low, T0 + 5 * MIN_NS - 1);
    a = find(&t, "Low", "USDW");
    assert_int_equal(a->state, ALERT_PENDING);
    assert_true(a->active_since_ns == T0);
    assert_int_equal(t.transitions_count, 0);
    /* exactly 5m: firing, reported once */
    round_at(&t, &r, low, T0 + 5 * MIN_NS);
    a = find(&t, "Low", "USDW");
    assert_int_equal(a->state, ALERT_FIRING);
    assert_true(a->fired_at_ns == T0 + 5 * MIN_NS);
    assert_int_equal(transitions_to(&t, ALERT_FIRING), 1);
    assert_int_equal(a->action, RULE_ACTION_HALT_MINTING);
    /* still firing next round: no second transition (an action runs once) */
    round_at(&t, &r, "mintline_reserve_ratio{asset=\"USDW\"} 0.4\n", T0 + 6 * MIN_NS);
    a = find(&t, "Low", "USDW");
    assert_int_equal(a->state, ALERT_FIRING);
    assert_true(a->value == 0.4);
    assert_true(a->fired_at_ns == T0 + 5 * MIN_NS);
    assert_int_equal(t.transitions_count, 0);
    alert_table_free(&t);
    rules_free(&r);
}

static void alert_without_for_fires_at_once(void **state) {
    (void)state;
    struct rules r;
    parse_rules(FOR_RULES, &r);
    struct alert_table t;
    alert_table_init(&t);
    round_at(&t, &r, "mintline_nav_age_seconds{asset=\"F\"} 7201\n", T0);
    const struct alert *a = find(&t, "Now", "F");
    assert_non_null(a);
    assert_int_equal(a->state, ALERT_FIRING);
    assert_true(a->active_since_ns == T0 && a->fired_at_ns == T0);
    assert_int_equal(t.transitions_count, 1);
    assert_int_equal(t.transitions[0].to, ALERT_FIRING);
    assert_ptr_equal(&t.alerts[t.transitions[0].index], a);
    /* exactly at the threshold the condition does not hold: resolved */
    round_at(&t, &r, "mintline_nav_age_seconds{asset=\"F\"} 7200\n", T0 + S_NS);
    a = find(&t, "Now", "F");
    assert_int_equal(a->state, ALERT_RESOLVED);
    assert_true(a->resolved_at_ns == T0 + S_NS);
    assert_int_equal(transitions_to(&t, ALERT_RESOLVED), 1);
    alert_table_free(&t);
    rules_free(&r);
}

static void alert_flapping_is_a_new_firing_each_time(void **state) {
    (void)state;
    struct rules r;
    parse_rules(FOR_RULES, &r);
    struct alert_table t;
    alert_table_init(&t);
    const char *bad = "mintline_reserve_ratio{asset=\"USDW\"} 0.5\n";
    const char *good = "mintline_reserve_ratio{asset=\"USDW\"} 1\n";
    /* pending, then cleared before `for`: dropped, nothing reported */
    round_at(&t, &r, bad, T0);
    round_at(&t, &r, good, T0 + MIN_NS);
    assert_null(find(&t, "Low", "USDW"));
    assert_int_equal(t.transitions_count, 0);
    /* the clock of `for` starts again */
    round_at(&t, &r, bad, T0 + 2 * MIN_NS);
    round_at(&t, &r, bad, T0 + 6 * MIN_NS);
    assert_int_equal(find(&t, "Low", "USDW")->state, ALERT_PENDING);
    round_at(&t, &r, bad, T0 + 7 * MIN_NS);
    assert_int_equal(find(&t, "Low", "USDW")->state, ALERT_FIRING);
    assert_int_equal(transitions_to(&t, ALERT_FIRING), 1);
    snprintf(t.alerts[0].action_result, sizeof(t.alerts[0].action_result), "done seq 9");
    /* resolved, then back: pending again from now, and a second firing */
    round_at(&t, &r, good, T0 + 8 * MIN_NS);
    assert_int_equal(find(&t, "Low", "USDW")->state, ALERT_RESOLVED);
    assert_int_equal(transitions_to(&t, ALERT_RESOLVED), 1);
    round_at(&t, &r, bad, T0 + 9 * MIN_NS);
    const struct alert *a = find(&t, "Low", "USDW");
    assert_int_equal(a->state, ALERT_PENDING);
    assert_true(a->active_since_ns == T0 + 9 * MIN_NS);
    assert_true(a->resolved_at_ns == 0 && a->fired_at_ns == 0);
    assert_string_equal(a->action_result, "");
    assert_int_equal(t.count, 1);
    round_at(&t, &r, bad, T0 + 14 * MIN_NS);
    assert_int_equal(find(&t, "Low", "USDW")->state, ALERT_FIRING);
    assert_int_equal(transitions_to(&t, ALERT_FIRING), 1);
    alert_table_free(&t);
    rules_free(&r);
}

static void alert_two_series_of_one_rule_are_two_alerts(void **state) {
    (void)state;
    struct rules r;
    parse_rules(FOR_RULES, &r);
    struct alert_table t;
    alert_table_init(&t);
    round_at(&t, &r,
             "mintline_nav_age_seconds{asset=\"F1\"} 9000\n"
             "mintline_nav_age_seconds{asset=\"F2\"} 8000\n", T0);
    const struct alert *a1 = find(&t, "Now", "F1");
    const struct alert *a2 = find(&t, "Now", "F2");
    assert_non_null(a1);
    assert_non_null(a2);
    assert_true(a1->fingerprint != a2->fingerprint);
    assert_int_equal(transitions_to(&t, ALERT_FIRING), 2);
    /* F1 clears, F2 stays firing */
    round_at(&t, &r,
             "mintline_nav_age_seconds{asset=\"F1\"} 60\n"
             "mintline_nav_age_seconds{asset=\"F2\"} 8100\n", T0 + MIN_NS);
    assert_int_equal(find(&t, "Now", "F1")->state, ALERT_RESOLVED);
    assert_int_equal(find(&t, "Now", "F2")->state, ALERT_FIRING);
    assert_true(find(&t, "Now", "F2")->value == 8100);
    assert_int_equal(t.transitions_count, 1);
    alert_table_free(&t);
    rules_free(&r);
}

static void alert_of_a_removed_rule_resolves(void **state) {
    (void)state;
    struct rules r1, r2;
    parse_rules(FOR_RULES, &r1);
    parse_rules("groups:\n  - name: g\n    rules:\n"
                "      - alert: Other\n        expr: mintline_nav_age_seconds > 1e9\n"
                "        labels: {severity: warning}\n",
                &r2);
    struct alert_table t;
    alert_table_init(&t);
    const char *s = "mintline_nav_age_seconds{asset=\"F\"} 9000\n"
                    "mintline_reserve_ratio{asset=\"USDW\"} 0.5\n";
    round_at(&t, &r1, s, T0);
    assert_int_equal(find(&t, "Now", "F")->state, ALERT_FIRING);
    assert_int_equal(find(&t, "Low", "USDW")->state, ALERT_PENDING);
    round_at(&t, &r2, s, T0 + MIN_NS);
    assert_int_equal(find(&t, "Now", "F")->state, ALERT_RESOLVED);
    assert_null(find(&t, "Low", "USDW")); /* pending: forgotten */
    assert_int_equal(transitions_to(&t, ALERT_RESOLVED), 1);
    alert_table_free(&t);
    rules_free(&r1);
    rules_free(&r2);
}

struct failures {
    size_t count;
    size_t rule;
    char message[200];
};

static void on_failure(void *ctx, size_t rule_index, enum err err, const struct promql_error *pe) {
    struct failures *f = ctx;
    assert_int_equal(err, ERR_INVALID_ARGUMENT);
    f->count++;
    f->rule = rule_index;
    snprintf(f->message, sizeof(f->message), "%s", pe->message);
}

static void alert_rule_error_keeps_its_alerts_and_spares_the_others(void **state) {
    (void)state;
    struct rules r;
    /* Clash: one label set for two series once `asset: same` applies */
    parse_rules("groups:\n  - name: g\n    rules:\n"
                "      - alert: Clash\n        expr: mintline_nav_age_seconds > 100\n"
                "        labels: {severity: warning, asset: same}\n"
                "      - alert: Fine\n        expr: mintline_nav_age_seconds > 100\n"
                "        labels: {severity: critical}\n",
                &r);
    struct alert_table t;
    alert_table_init(&t);
    struct series_fixture f;
    series_fixture_parse(&f, "mintline_nav_age_seconds{asset=\"A\"} 200\n");
    struct failures fl = {0, 0, ""};
    assert_int_equal(alert_evaluate(&t, &r, &f.set, T0, on_failure, &fl), 0);
    series_fixture_free(&f);
    assert_int_equal(find(&t, "Clash", NULL)->state, ALERT_FIRING);
    series_fixture_parse(&f, "mintline_nav_age_seconds{asset=\"A\"} 200\n"
                             "mintline_nav_age_seconds{asset=\"B\"} 300\n");
    assert_int_equal(alert_evaluate(&t, &r, &f.set, T0 + MIN_NS, on_failure, &fl), 1);
    series_fixture_free(&f);
    assert_int_equal(fl.count, 1);
    assert_int_equal(fl.rule, 0);
    assert_string_equal(fl.message,
                        "vector contains metrics with the same labelset after applying alert labels");
    /* the failed rule's alert is kept as it was; the other rule went on */
    assert_int_equal(find(&t, "Clash", NULL)->state, ALERT_FIRING);
    assert_int_equal(find(&t, "Fine", "A")->state, ALERT_FIRING);
    assert_int_equal(find(&t, "Fine", "B")->state, ALERT_FIRING);
    assert_int_equal(t.transitions_count, 1); /* Fine B */
    alert_table_free(&t);
    rules_free(&r);
}

static void alert_resolved_kept_fifteen_minutes(void **state) {
    (void)state;
    struct rules r;
    parse_rules(FOR_RULES, &r);
    struct alert_table t;
    alert_table_init(&t);
    round_at(&t, &r, "mintline_nav_age_seconds{asset=\"F\"} 9000\n", T0);
    round_at(&t, &r, "mintline_nav_age_seconds{asset=\"F\"} 1\n", T0 + MIN_NS);
    round_at(&t, &r, "mintline_nav_age_seconds{asset=\"F\"} 1\n", T0 + MIN_NS + ALERT_RESOLVED_RETENTION_NS);
    assert_non_null(find(&t, "Now", "F"));
    assert_int_equal(t.transitions_count, 0); /* resolved once only */
    round_at(&t, &r, "mintline_nav_age_seconds{asset=\"F\"} 1\n", T0 + MIN_NS + ALERT_RESOLVED_RETENTION_NS + 1);
    assert_null(find(&t, "Now", "F"));
    assert_int_equal(t.count, 0);
    /* a clock that steps back is held at the last round's time */
    round_at(&t, &r, "mintline_nav_age_seconds{asset=\"F\"} 9000\n", T0);
    assert_true(find(&t, "Now", "F")->active_since_ns == T0 + MIN_NS + ALERT_RESOLVED_RETENTION_NS + 1);
    alert_table_free(&t);
    rules_free(&r);
}

static void alert_fingerprint_is_stable_and_printed_as_16_hex_digits(void **state) {
    (void)state;
    struct promql_label a[] = {{"alertname", "Low"}, {"asset", "USDW"}};
    struct promql_label b[] = {{"alertname", "Low"}, {"asset", "USDX"}};
    struct promql_label c[] = {{"alertname", "Lowasset"}, {"", "USDW"}};
    assert_true(alert_fingerprint(a, 2) == alert_fingerprint(a, 2));
    assert_true(alert_fingerprint(a, 2) != alert_fingerprint(b, 2));
    assert_true(alert_fingerprint(a, 2) != alert_fingerprint(c, 2)); /* separators count */
    assert_true(alert_fingerprint(NULL, 0) == UINT64_C(0xcbf29ce484222325));
    char hex[17];
    alert_fingerprint_hex(UINT64_C(0x00ab00000000cdef), hex);
    assert_string_equal(hex, "00ab00000000cdef");
}

static void alert_json_has_every_field(void **state) {
    (void)state;
    struct rules r;
    parse_rules(FOR_RULES, &r);
    struct alert_table t;
    alert_table_init(&t);
    round_at(&t, &r, "mintline_reserve_ratio{asset=\"USDW\"} 0.5\n", T0);
    struct alert_view v;
    alert_table_view(&t, 0, &v);
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    alert_write_json(&v, &w);
    buf_put(&b, "", 1);
    json_error_t je;
    json_t *doc = json_loads((const char *)b.data, 0, &je);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "name")), "Low");
    assert_int_equal(strlen(json_string_value(json_object_get(doc, "fingerprint"))), 16);
    assert_string_equal(json_string_value(json_object_get(doc, "state")), "pending");
    assert_string_equal(json_string_value(json_object_get(doc, "severity")), "critical");
    assert_string_equal(json_string_value(json_object_get(doc, "action")), "halt_minting");
    assert_string_equal(json_string_value(json_object_get(doc, "value")), "0.5");
    assert_string_equal(json_string_value(json_object_get(doc, "since")), "2026-01-01T00:00:00.000Z");
    assert_true(json_is_null(json_object_get(doc, "fired_at")));
    assert_true(json_is_null(json_object_get(doc, "resolved_at")));
    assert_true(json_is_null(json_object_get(doc, "action_result")));
    assert_true(json_is_false(json_object_get(doc, "silenced")));
    json_t *labels = json_object_get(doc, "labels");
    assert_string_equal(json_string_value(json_object_get(labels, "asset")), "USDW");
    assert_string_equal(json_string_value(json_object_get(labels, "alertname")), "Low");
    assert_true(json_is_object(json_object_get(doc, "annotations")));
    json_decref(doc);
    buf_free(&b);
    alert_table_free(&t);
    rules_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alert_for_honoured_to_the_nanosecond),
        cmocka_unit_test(alert_without_for_fires_at_once),
        cmocka_unit_test(alert_flapping_is_a_new_firing_each_time),
        cmocka_unit_test(alert_two_series_of_one_rule_are_two_alerts),
        cmocka_unit_test(alert_of_a_removed_rule_resolves),
        cmocka_unit_test(alert_rule_error_keeps_its_alerts_and_spares_the_others),
        cmocka_unit_test(alert_resolved_kept_fifteen_minutes),
        cmocka_unit_test(alert_fingerprint_is_stable_and_printed_as_16_hex_digits),
        cmocka_unit_test(alert_json_has_every_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
