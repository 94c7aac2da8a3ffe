/*
 * test_cli_fmt.c - the CLI's human forms (issue 13 item 11): durations,
 * percentages, canonical and grouped amounts, counts, quoting in key=value
 * text, usage markers at the runbook thresholds, and values chosen by key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "../../src/base/buf.h"
#include "../../src/cli/cli_fmt.h"
#include "../../src/cli/cli_out.h"

static void duration_is(int64_t s, const char *want) {
    char out[32];
    human_duration(s, out, sizeof(out));
    if (strcmp(out, want) != 0) fail_msg("%lld s: got '%s', want '%s'", (long long)s, out, want);
}

static void percent_is(double r, const char *want) {
    char out[32];
    human_percent(r, out, sizeof(out));
    if (strcmp(out, want) != 0) fail_msg("%g: got '%s', want '%s'", r, out, want);
}

static void grouped_is(const char *in, const char *want) {
    char out[96];
    cli_fmt_grouped(in, out, sizeof(out));
    if (strcmp(out, want) != 0) fail_msg("'%s': got '%s', want '%s'", in, out, want);
}

static void test_duration_boundaries_read_as_written(void **state) {
    (void)state;
    duration_is(0, "0s");
    duration_is(59, "59s");
    duration_is(60, "1m 0s");
    duration_is(3599, "59m 59s");
    duration_is(3600, "1h 0m");
    duration_is(29 * 3600 + 10 * 60, "29h 10m"); /* the stale NAV */
    duration_is(29 * 3600 + 10 * 60 + 59, "29h 10m");
    duration_is(48 * 3600 - 1, "47h 59m");
    duration_is(48 * 3600, "2d 0h");
    duration_is(90 * 86400 + 5 * 3600, "90d 5h"); /* a key past rotation */
    duration_is(-90, "-1m 30s");
    duration_is(INT64_MIN, "-106751991167300d 15h");
}

static void exact_is(int64_t s, const char *want) {
    char out[48];
    human_duration_exact(s, out, sizeof(out));
    if (strcmp(out, want) != 0) fail_msg("%lld s: got '%s', want '%s'", (long long)s, out, want);
}

/* The checklists read a value against its threshold: one second over shows. */
static void test_duration_exact_keeps_what_matters_at_a_threshold(void **state) {
    (void)state;
    exact_is(59, "59s");
    exact_is(3600, "1h 0m");
    exact_is(4 * 3600 + 1, "4h 0m 1s");
    exact_is(29 * 3600 + 10 * 60, "29h 10m");
    exact_is(7 * 86400, "7d 0h");
    exact_is(7 * 86400 + 1, "7d 0h 0m 1s");
    exact_is(26 * 3600 + 61, "26h 1m 1s");
    exact_is(-(4 * 3600 + 1), "-4h 0m 1s");
}

static void test_duration_truncated_to_size(void **state) {
    (void)state;
    char out[4];
    human_duration(29 * 3600, out, sizeof(out));
    assert_string_equal(out, "29h");
}

static void test_percent_two_digits_zeros_dropped(void **state) {
    (void)state;
    percent_is(0, "0%");
    percent_is(0.8, "80%");
    percent_is(0.955, "95.5%");
    percent_is(1.0473, "104.73%");
    percent_is(0.0001, "0.01%");
    percent_is(0.000001, "<0.01%"); /* a sliver never reads as nothing */
    percent_is(0.00006, "0.01%");   /* rounds up to the smallest shown */
    percent_is(1, "100%");
    percent_is(-0.0, "0%");
}

static void test_amount_canonical_whatever_its_zeros(void **state) {
    (void)state;
    char out[64];
    cli_fmt_amount("1200.50", out, sizeof(out));
    assert_string_equal(out, "1200.5");
    cli_fmt_amount("007", out, sizeof(out));
    assert_string_equal(out, "7");
    cli_fmt_amount("1.000", out, sizeof(out));
    assert_string_equal(out, "1");
    cli_fmt_amount("0x0a", out, sizeof(out)); /* not a decimal: as it is */
    assert_string_equal(out, "0x0a");
    cli_fmt_amount(NULL, out, sizeof(out));
    assert_string_equal(out, "-");
}

static void test_grouped_by_thousands_integer_part_only(void **state) {
    (void)state;
    grouped_is("0", "0");
    grouped_is("999", "999");
    grouped_is("1000", "1,000");
    grouped_is("1200.50", "1,200.5");
    grouped_is("123456", "123,456");
    grouped_is("1234567.123456", "1,234,567.123456"); /* the fraction is never grouped */
    grouped_is("340282366920938463463374607431768211455",
               "340,282,366,920,938,463,463,374,607,431,768,211,455"); /* 2^128 - 1 */
    grouped_is("12ab", "12ab");
    grouped_is("", "");
}

static void test_count_grouped_with_sign(void **state) {
    (void)state;
    char out[48];
    cli_fmt_count(0, out, sizeof(out));
    assert_string_equal(out, "0");
    cli_fmt_count(1234567, out, sizeof(out));
    assert_string_equal(out, "1,234,567");
    cli_fmt_count(-1000, out, sizeof(out));
    assert_string_equal(out, "-1,000");
    cli_fmt_count(INT64_MIN, out, sizeof(out));
    assert_string_equal(out, "-9,223,372,036,854,775,808");
}

static void quoted_is(const char *in, const char *want) {
    struct buf b;
    buf_init(&b);
    cli_fmt_quoted(in, &b);
    const char *got = cli_out_cstr(&b);
    if (strcmp(got, want) != 0) fail_msg("'%s': got '%s', want '%s'", in, got, want);
    buf_free(&b);
}

static void test_quoted_only_when_needed(void **state) {
    (void)state;
    quoted_is("USDW", "USDW");
    quoted_is("a=b", "a=b");
    quoted_is("Reserve stale", "\"Reserve stale\"");
    quoted_is("", "\"\"");
    quoted_is("say \"hi\"", "\"say \\\"hi\\\"\"");
    quoted_is("c:\\x", "\"c:\\\\x\"");
    quoted_is("it's", "\"it's\"");
}

static void marker_is(double usage, double warn, double crit, const char *want) {
    char out[32];
    cli_fmt_marker(usage, warn, crit, out, sizeof(out));
    if (strcmp(out, want) != 0) fail_msg("%g: got '%s', want '%s'", usage, out, want);
}

static void test_marker_at_spec9_thresholds(void **state) {
    (void)state;
    /* daily limits: > 80% warning, > 95% critical */
    marker_is(0.0, 0.80, 0.95, "ok");
    marker_is(0.80, 0.80, 0.95, "ok"); /* "> 80%": 80% itself is not yet */
    marker_is(0.8001, 0.80, 0.95, "warn 80%");
    marker_is(0.95, 0.80, 0.95, "warn 80%");
    marker_is(0.951, 0.80, 0.95, "critical 95%");
    /* supply cap: > 90% warning, > 98% critical */
    marker_is(0.91, 0.90, 0.98, "warn 90%");
    marker_is(1.2, 0.90, 0.98, "critical 98%");
    assert_int_equal(cli_fmt_level(0.5, 0.8, 0.95), CLI_FMT_OK);
    assert_int_equal(cli_fmt_level(NAN, 0.8, 0.95), CLI_FMT_OK);
    /* reserve ratio: < 105% warning, < 100% critical */
    char out[32];
    cli_fmt_marker_below(1.05, 1.05, 1.00, out, sizeof(out));
    assert_string_equal(out, "ok");
    cli_fmt_marker_below(1.04, 1.05, 1.00, out, sizeof(out));
    assert_string_equal(out, "warn 105%");
    cli_fmt_marker_below(0.999, 1.05, 1.00, out, sizeof(out));
    assert_string_equal(out, "critical 100%");
    assert_string_equal(cli_fmt_level_word(CLI_FMT_WARN), "warn");
}

static void value_is(const char *json, const char *key, enum cli_fmt_where where, const char *want) {
    json_error_t jerr;
    json_t *v = json_loads(json, JSON_DECODE_ANY, &jerr);
    assert_non_null(v);
    char out[256];
    cli_fmt_value(key, v, where, out, sizeof(out));
    if (strcmp(out, want) != 0) fail_msg("%s=%s: got '%s', want '%s'", key ? key : "-", json, out, want);
    json_decref(v);
}

static void test_value_by_key_name(void **state) {
    (void)state;
    value_is("105000", "age_s", CLI_FMT_CELL, "29h 10m");
    value_is("105000", "key_age_s", CLI_FMT_TEXT, "29h 10m");
    value_is("0.8123", "usage", CLI_FMT_CELL, "81.23%");
    value_is("0", "supply_cap_usage", CLI_FMT_CELL, "0%");
    value_is("1.05", "ratio", CLI_FMT_CELL, "105%");
    value_is("0.975", "success_rate_24h", CLI_FMT_CELL, "97.5%");
    value_is("\"1200.50\"", "amount", CLI_FMT_CELL, "1,200.5");
    value_is("\"1200.50\"", "amount", CLI_FMT_TEXT, "1200.5"); /* text: copyable */
    value_is("\"1000000\"", "supply", CLI_FMT_CELL, "1,000,000");
    value_is("1234", "holders", CLI_FMT_CELL, "1,234");
    value_is("1234", "holders", CLI_FMT_TEXT, "1234");
    value_is("1234", "block", CLI_FMT_CELL, "1234"); /* a position, not a count */
    value_is("1234", "proposal_id", CLI_FMT_CELL, "1234");
    value_is("\"0x00ab\"", "address", CLI_FMT_CELL, "0x00ab");
    value_is("\"2024\"", "partition", CLI_FMT_CELL, "2024"); /* not an amount key */
    value_is("42", "operator_count", CLI_FMT_CELL, "42");     /* "operator" is no rate */
    value_is("2", "below_liquidation_ratio", CLI_FMT_CELL, "2"); /* a count of vaults */
    value_is("[\"admin\",\"minter\"]", "roles", CLI_FMT_CELL, "admin,minter");
    value_is("[]", "roles", CLI_FMT_CELL, "-");
    value_is("{\"USDW\":[\"minter\",\"burner\"]}", "asset_roles", CLI_FMT_CELL, "USDW=minter,burner");
    value_is("true", "stale", CLI_FMT_CELL, "yes");
    value_is("null", "value", CLI_FMT_CELL, "-");
    value_is("\"a\\u001bb\"", NULL, CLI_FMT_TEXT, "a?b");
}

static void pairs_are(const char *json, const char *op, const char *want) {
    json_error_t jerr;
    json_t *v = json_loads(json, 0, &jerr);
    assert_non_null(v);
    struct buf b;
    buf_init(&b);
    cli_fmt_pairs(v, op, &b);
    const char *got = cli_out_cstr(&b);
    if (strcmp(got, want) != 0) fail_msg("%s: got '%s', want '%s'", json, got, want);
    buf_free(&b);
    json_decref(v);
}

static void test_pairs_canonical_quoted_no_json(void **state) {
    (void)state;
    /* A command journaled as sent shows its amount as its event does. */
    pairs_are("{\"asset\":\"USDW\",\"to\":\"0x0a\",\"amount\":\"1200.50\"}", "mint",
              "asset=USDW to=0x0a amount=1200.5");
    pairs_are("{\"asset\":\"AAXJF\",\"value\":\"10.50\"}", "nav.update", "asset=AAXJF value=10.5");
    pairs_are("{\"severity\":\"P1\",\"title\":\"Reserve stale\"}", "incident.open",
              "severity=P1 title=\"Reserve stale\"");
    pairs_are("{\"claims\":[\"kyc\",\"aml\"],\"n\":1}", NULL, "claims=kyc,aml n=1");
    pairs_are("{\"rules\":{\"a\":1,\"b\":\"x y\"}}", NULL, "rules=\"a=1 b=\\\"x y\\\"\"");
    pairs_are("{}", "mint", "");
}

static void test_out_text_has_no_json_blobs(void **state) {
    (void)state;
    json_t *v = json_pack("[s,s]", "pauser", "viewer");
    char out[64];
    cli_out_text(v, out, sizeof(out));
    assert_string_equal(out, "pauser,viewer");
    json_decref(v);
    v = json_real(0.0008);
    cli_out_text(v, out, sizeof(out));
    assert_string_equal(out, "0.0008");
    json_decref(v);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_boundaries_read_as_written),
        cmocka_unit_test(test_duration_truncated_to_size),
        cmocka_unit_test(test_duration_exact_keeps_what_matters_at_a_threshold),
        cmocka_unit_test(test_percent_two_digits_zeros_dropped),
        cmocka_unit_test(test_amount_canonical_whatever_its_zeros),
        cmocka_unit_test(test_grouped_by_thousands_integer_part_only),
        cmocka_unit_test(test_count_grouped_with_sign),
        cmocka_unit_test(test_quoted_only_when_needed),
        cmocka_unit_test(test_marker_at_spec9_thresholds),
        cmocka_unit_test(test_value_by_key_name),
        cmocka_unit_test(test_pairs_canonical_quoted_no_json),
        cmocka_unit_test(test_out_text_has_no_json_blobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
