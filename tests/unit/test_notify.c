/*
 * test_notify.c - receivers' payloads (src/ops/notify.h): the Alertmanager
 * API v2 body and the version-4 webhook message pinned byte for byte for a
 * known set of alerts, Go's string escapes, empty annotations, which
 * alerts are sent, Prometheus' endsAt lease and the group key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/ops/notify.h"

#define MS (INT64_C(1000000))
#define T_1000 (INT64_C(1772359200000) * MS) /* 2026-03-01T10:00:00.000Z */
#define T_0955 (INT64_C(1772358900000) * MS)
#define T_0800 (INT64_C(1772352000000) * MS)
#define T_0930_250 (INT64_C(1772357400250) * MS)
#define T_1005 (INT64_C(1772359500000) * MS)
#define T_0900 (INT64_C(1772355600000) * MS)
#define T_0945 (INT64_C(1772358300000) * MS)
#define S (INT64_C(1000000000))

static const struct promql_label usdx_labels[] = {
    {"action", "halt_minting"},
    {"alertname", "ReserveRatioCritical"},
    {"asset", "USDX"},
    {"severity", "critical"},
};
/* In the rule's order (not sorted): the payload sorts them. */
static const struct promql_label usdx_annotations[] = {
    {"summary", "USDX reserve at 98%"},
    {"description", "ratio < 1 & falling"},
};
static const struct promql_label eurx_labels[] = {
    {"action", "halt_minting"},
    {"alertname", "ReserveRatioCritical"},
    {"asset", "EURX"},
    {"severity", "critical"},
};
static const struct promql_label eurx_annotations[] = {
    {"summary", "EURX reserve at 99%"},
    {"description", "ratio < 1 & falling"},
};
static const struct promql_label nav_labels[] = {
    {"alertname", "NavStale"},
    {"asset", "FUNDX"},
    {"severity", "warning"},
};

static struct alert_view alert_firing(void) {
    struct alert_view a = {
        .name = "ReserveRatioCritical",
        .fingerprint = UINT64_C(0x0123456789abcdef),
        .labels = usdx_labels,
        .labels_count = 4,
        .annotations = usdx_annotations,
        .annotations_count = 2,
        .state = ALERT_FIRING,
        .severity = RULE_CRITICAL,
        .action = RULE_ACTION_HALT_MINTING,
        .value = 0.98,
        .active_since_ns = T_0955,
        .fired_at_ns = T_1000,
    };
    return a;
}

static struct alert_view alert_resolved_nav(void) {
    struct alert_view a = {
        .name = "NavStale",
        .fingerprint = 7,
        .labels = nav_labels,
        .labels_count = 3,
        .state = ALERT_RESOLVED,
        .severity = RULE_WARNING,
        .action = RULE_ACTION_NONE,
        .value = 7300,
        .active_since_ns = T_0800 - 60 * S,
        .fired_at_ns = T_0800,
        .resolved_at_ns = T_0930_250,
    };
    return a;
}

static struct alert_view alert_resolved_eurx(void) {
    struct alert_view a = alert_firing();
    a.fingerprint = 0xff;
    a.labels = eurx_labels;
    a.annotations = eurx_annotations;
    a.state = ALERT_RESOLVED;
    a.active_since_ns = T_0900;
    a.fired_at_ns = T_0900;
    a.resolved_at_ns = T_0945;
    return a;
}

static void assert_buf_eq(struct buf *b, const char *want) {
    assert_true(buf_ok(b));
    buf_put(b, "", 1);
    assert_string_equal((const char *)b->data, want);
    buf_free(b);
}

static void notify_sends_firing_and_resolved_only_when_not_silenced(void **state) {
    (void)state;
    struct alert_view a = alert_firing();
    assert_int_equal(notify_alert_sent(&a), 1);
    a.state = ALERT_PENDING;
    assert_int_equal(notify_alert_sent(&a), 0);
    a.state = ALERT_RESOLVED;
    assert_int_equal(notify_alert_sent(&a), 1);
    a.silenced = 1;
    assert_int_equal(notify_alert_sent(&a), 0);
    a.state = ALERT_FIRING;
    assert_int_equal(notify_alert_sent(&a), 0);
}

static void notify_valid_for_is_four_times_the_larger_of_resend_and_interval(void **state) {
    (void)state;
    assert_int_equal(notify_valid_for_ns(15 * S), 4 * 60 * S);  /* resend delay 1m wins */
    assert_int_equal(notify_valid_for_ns(60 * S), 4 * 60 * S);  /* equal */
    assert_int_equal(notify_valid_for_ns(61 * S), 4 * 61 * S);  /* interval wins */
    assert_int_equal(notify_valid_for_ns(0), 4 * 60 * S);
}

static const char am_want[] =
    "[{\"labels\":{\"action\":\"halt_minting\",\"alertname\":\"ReserveRatioCritical\","
    "\"asset\":\"USDX\",\"severity\":\"critical\"},"
    "\"annotations\":{\"description\":\"ratio \\u003c 1 \\u0026 falling\","
    "\"summary\":\"USDX reserve at 98%\"},"
    "\"startsAt\":\"2026-03-01T10:00:00.000Z\",\"endsAt\":\"2026-03-01T10:09:00.000Z\","
    "\"generatorURL\":\"http://127.0.0.1:8645/api/alerts\"},"
    "{\"labels\":{\"alertname\":\"NavStale\",\"asset\":\"FUNDX\",\"severity\":\"warning\"},"
    "\"annotations\":{},"
    "\"startsAt\":\"2026-03-01T08:00:00.000Z\",\"endsAt\":\"2026-03-01T09:30:00.250Z\","
    "\"generatorURL\":\"http://127.0.0.1:8645/api/alerts\"}]";

static void notify_alertmanager_body_pinned(void **state) {
    (void)state;
    struct alert_view alerts[4];
    alerts[0] = alert_firing();
    alerts[1] = alert_firing(); /* pending: not sent */
    alerts[1].state = ALERT_PENDING;
    alerts[1].fired_at_ns = 0;
    alerts[2] = alert_resolved_nav();
    alerts[3] = alert_firing(); /* a silenced warning: not sent */
    alerts[3].silenced = 1;
    struct buf b;
    buf_init(&b);
    size_t n = notify_alertmanager(alerts, 4, T_1005, notify_valid_for_ns(15 * S),
                                   "http://127.0.0.1:8645/api/alerts", &b);
    assert_int_equal(n, 2);
    assert_buf_eq(&b, am_want);
}

static void notify_alertmanager_leaves_out_generator_url_and_empty_sets(void **state) {
    (void)state;
    struct alert_view a = alert_resolved_nav();
    struct buf b;
    buf_init(&b);
    assert_int_equal(notify_alertmanager(&a, 1, T_1005, 4 * 60 * S, NULL, &b), 1);
    assert_buf_eq(&b, "[{\"labels\":{\"alertname\":\"NavStale\",\"asset\":\"FUNDX\","
                      "\"severity\":\"warning\"},\"annotations\":{},"
                      "\"startsAt\":\"2026-03-01T08:00:00.000Z\","
                      "\"endsAt\":\"2026-03-01T09:30:00.250Z\"}]");
    /* Nothing to send: nothing written, not even []. */
    a.state = ALERT_PENDING;
    buf_init(&b);
    assert_int_equal(notify_alertmanager(&a, 1, T_1005, 4 * 60 * S, "", &b), 0);
    assert_int_equal(b.len, 0);
    buf_free(&b);
    assert_int_equal(notify_alertmanager(NULL, 0, T_1005, 4 * 60 * S, "", &b), 0);
    assert_int_equal(b.len, 0);
}

static const char webhook_want[] =
    "{\"receiver\":\"ops-hook\",\"status\":\"firing\",\"alerts\":["
    "{\"status\":\"firing\",\"labels\":{\"action\":\"halt_minting\","
    "\"alertname\":\"ReserveRatioCritical\",\"asset\":\"USDX\",\"severity\":\"critical\"},"
    "\"annotations\":{\"description\":\"ratio \\u003c 1 \\u0026 falling\","
    "\"summary\":\"USDX reserve at 98%\"},"
    "\"startsAt\":\"2026-03-01T10:00:00.000Z\",\"endsAt\":\"0001-01-01T00:00:00Z\","
    "\"generatorURL\":\"http://127.0.0.1:8645/api/alerts\",\"fingerprint\":\"0123456789abcdef\"},"
    "{\"status\":\"resolved\",\"labels\":{\"action\":\"halt_minting\","
    "\"alertname\":\"ReserveRatioCritical\",\"asset\":\"EURX\",\"severity\":\"critical\"},"
    "\"annotations\":{\"description\":\"ratio \\u003c 1 \\u0026 falling\","
    "\"summary\":\"EURX reserve at 99%\"},"
    "\"startsAt\":\"2026-03-01T09:00:00.000Z\",\"endsAt\":\"2026-03-01T09:45:00.000Z\","
    "\"generatorURL\":\"http://127.0.0.1:8645/api/alerts\",\"fingerprint\":\"00000000000000ff\"}],"
    "\"groupLabels\":{\"alertname\":\"ReserveRatioCritical\"},"
    "\"commonLabels\":{\"action\":\"halt_minting\",\"alertname\":\"ReserveRatioCritical\","
    "\"severity\":\"critical\"},"
    "\"commonAnnotations\":{\"description\":\"ratio \\u003c 1 \\u0026 falling\"},"
    "\"externalURL\":\"http://127.0.0.1:8645\",\"version\":\"4\","
    "\"groupKey\":\"{}:{alertname=\\\"ReserveRatioCritical\\\"}\",\"truncatedAlerts\":0}\n";

static void notify_webhook_payload_pinned(void **state) {
    (void)state;
    struct alert_view firing = alert_firing();
    struct alert_view resolved = alert_resolved_eurx();
    const struct alert_view *list[] = {&firing, &resolved};
    struct promql_label group = {"alertname", "ReserveRatioCritical"};
    struct notify_webhook msg = {
        .receiver = "ops-hook",
        .external_url = "http://127.0.0.1:8645",
        .generator_url = "http://127.0.0.1:8645/api/alerts",
        .group_labels = &group,
        .group_labels_count = 1,
        .alerts = list,
        .alerts_count = 2,
    };
    struct buf b;
    buf_init(&b);
    notify_webhook(&msg, &b);
    assert_buf_eq(&b, webhook_want);
}

static void notify_webhook_resolved_group_and_empty_annotations(void **state) {
    (void)state;
    struct alert_view nav = alert_resolved_nav();
    const struct alert_view *list[] = {&nav};
    struct promql_label group = {"alertname", "NavStale"};
    struct notify_webhook msg = {
        .receiver = "r",
        .group_labels = &group,
        .group_labels_count = 1,
        .alerts = list,
        .alerts_count = 1,
        .truncated_alerts = 3,
    };
    struct buf b;
    buf_init(&b);
    notify_webhook(&msg, &b);
    assert_buf_eq(&b,
                  "{\"receiver\":\"r\",\"status\":\"resolved\",\"alerts\":["
                  "{\"status\":\"resolved\",\"labels\":{\"alertname\":\"NavStale\","
                  "\"asset\":\"FUNDX\",\"severity\":\"warning\"},\"annotations\":{},"
                  "\"startsAt\":\"2026-03-01T08:00:00.000Z\","
                  "\"endsAt\":\"2026-03-01T09:30:00.250Z\",\"generatorURL\":\"\","
                  "\"fingerprint\":\"0000000000000007\"}],"
                  "\"groupLabels\":{\"alertname\":\"NavStale\"},"
                  "\"commonLabels\":{\"alertname\":\"NavStale\",\"asset\":\"FUNDX\","
                  "\"severity\":\"warning\"},\"commonAnnotations\":{},\"externalURL\":\"\","
                  "\"version\":\"4\",\"groupKey\":\"{}:{alertname=\\\"NavStale\\\"}\","
                  "\"truncatedAlerts\":3}\n");
}

static void notify_webhook_without_alerts_has_empty_sets(void **state) {
    (void)state;
    struct notify_webhook msg = {.receiver = "r"};
    struct buf b;
    buf_init(&b);
    notify_webhook(&msg, &b);
    assert_buf_eq(&b, "{\"receiver\":\"r\",\"status\":\"resolved\",\"alerts\":[],"
                      "\"groupLabels\":{},\"commonLabels\":{},\"commonAnnotations\":{},"
                      "\"externalURL\":\"\",\"version\":\"4\",\"groupKey\":\"{}:{}\","
                      "\"truncatedAlerts\":0}\n");
}

struct escape_case {
    const char *in;
    const char *want;
};

static void notify_strings_escaped_as_go_escapes_them(void **state) {
    (void)state;
    static const struct escape_case cases[] = {
        {"", "\"\""},
        {"plain 98%", "\"plain 98%\""},
        {"a\"b\\c", "\"a\\\"b\\\\c\""},
        {"\n\r\t", "\"\\n\\r\\t\""},
        {"\x01\x08\x0c\x1f", "\"\\u0001\\u0008\\u000c\\u001f\""},
        {"<a href='x'>&amp;</a>", "\"\\u003ca href='x'\\u003e\\u0026amp;\\u003c/a\\u003e\""},
        {"\x7f", "\"\x7f\""},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
         "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
        {"\xe2\x80\xa8|\xe2\x80\xa9", "\"\\u2028|\\u2029\""},
        {"x\xffy", "\"x\\ufffdy\""},
        {"\xc0\x80", "\"\\ufffd\\ufffd\""},          /* overlong NUL */
        {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""}, /* a surrogate */
        {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* past U+10FFFF */
        {"\xe2\x82", "\"\\ufffd\\ufffd\""},          /* cut short */
        {"\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""}, /* U+10FFFF itself */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b;
        buf_init(&b);
        notify_json_string(cases[i].in, &b);
        assert_buf_eq(&b, cases[i].want);
    }
}

static void notify_escapes_reach_labels_and_annotations(void **state) {
    (void)state;
    static const struct promql_label labels[] = {{"alertname", "X"}, {"note", "a\"<b>\n"}};
    static const struct promql_label ann[] = {{"z", "\xff"}, {"a", "\xe2\x80\xa8"}};
    struct alert_view a = alert_resolved_nav();
    a.labels = labels;
    a.labels_count = 2;
    a.annotations = ann;
    a.annotations_count = 2;
    struct buf b;
    buf_init(&b);
    assert_int_equal(notify_alertmanager(&a, 1, T_1005, 0, NULL, &b), 1);
    assert_buf_eq(&b, "[{\"labels\":{\"alertname\":\"X\",\"note\":\"a\\\"\\u003cb\\u003e\\n\"},"
                      "\"annotations\":{\"a\":\"\\u2028\",\"z\":\"\\ufffd\"},"
                      "\"startsAt\":\"2026-03-01T08:00:00.000Z\","
                      "\"endsAt\":\"2026-03-01T09:30:00.250Z\"}]");
}

static void notify_group_key_quotes_values_as_go(void **state) {
    (void)state;
    static const struct promql_label l[] = {{"alertname", "A"}, {"asset", "q\"\\\n\x01"}};
    struct buf b;
    buf_init(&b);
    notify_group_key(l, 2, &b);
    assert_buf_eq(&b, "{}:{alertname=\"A\", asset=\"q\\\"\\\\\\n\\x01\"}");
}

static void notify_times_in_utc_with_milliseconds(void **state) {
    (void)state;
    char t[40];
    notify_time(T_0930_250, t);
    assert_string_equal(t, "2026-03-01T09:30:00.250Z");
    notify_time(0, t);
    assert_string_equal(t, "1970-01-01T00:00:00.000Z");
    notify_time(T_1000 + 999999, t); /* below a millisecond: cut, as Go's ms layout */
    assert_string_equal(t, "2026-03-01T10:00:00.000Z");
}

static void notify_startsat_falls_back_to_active_since(void **state) {
    (void)state;
    struct alert_view a = alert_resolved_nav();
    a.fired_at_ns = 0;
    a.active_since_ns = T_0800;
    struct buf b;
    buf_init(&b);
    assert_int_equal(notify_alertmanager(&a, 1, T_1005, 0, NULL, &b), 1);
    buf_put(&b, "", 1);
    assert_non_null(strstr((const char *)b.data, "\"startsAt\":\"2026-03-01T08:00:00.000Z\""));
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(notify_sends_firing_and_resolved_only_when_not_silenced),
        cmocka_unit_test(notify_valid_for_is_four_times_the_larger_of_resend_and_interval),
        cmocka_unit_test(notify_alertmanager_body_pinned),
        cmocka_unit_test(notify_alertmanager_leaves_out_generator_url_and_empty_sets),
        cmocka_unit_test(notify_webhook_payload_pinned),
        cmocka_unit_test(notify_webhook_resolved_group_and_empty_annotations),
        cmocka_unit_test(notify_webhook_without_alerts_has_empty_sets),
        cmocka_unit_test(notify_strings_escaped_as_go_escapes_them),
        cmocka_unit_test(notify_escapes_reach_labels_and_annotations),
        cmocka_unit_test(notify_group_key_quotes_values_as_go),
        cmocka_unit_test(notify_times_in_utc_with_milliseconds),
        cmocka_unit_test(notify_startsat_falls_back_to_active_since),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
