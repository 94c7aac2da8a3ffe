/*
 * test_base.c - src/base: money (u128, amounts), addresses, durations and
 * times, the error table, hex, SHA-256, the byte buffer and its reader, the
 * JSON writer, request signatures and ASSERT.
 *
 * Boundaries are the point (STYLE 15): 0, one base unit, 2^64, 2^128-1 and
 * one above, decimals 0 and 18. Every parse failure must leave its output
 * untouched (STYLE 5), so each error case checks a sentinel survives.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/base/addr.h"
#include "../../src/base/buf.h"
#include "../../src/base/check.h"
#include "../../src/base/duration.h"
#include "../../src/base/err.h"
#include "../../src/base/hash.h"
#include "../../src/base/hex.h"
#include "../../src/base/jw.h"
#include "../../src/base/report.h"
#include "../../src/base/sig.h"
#include "../../src/base/scratch.h"
#include "../../src/base/u128.h"
#include "../support/engine_fixture.h"

#define SENTINEL ((u128)0xdeadbeefu)
#define U64_MAX_TEXT "18446744073709551615"
#define TWO_POW_64_TEXT "18446744073709551616"
#define U128_MAX_TEXT "340282366920938463463374607431768211455"
#define U128_MAX_PLUS_1_TEXT "340282366920938463463374607431768211456"
#define U128_MAX_D18_TEXT "340282366920938463463.374607431768211455"

/* ------------------------------------------------------------------ */
/* amounts                                                            */
/* ------------------------------------------------------------------ */

static u128 parse_ok(const char *text, unsigned decimals) {
    u128 v = SENTINEL;
    enum err err = amount_parse(text, strlen(text), decimals, &v);
    if (err != ERR_OK) fail_msg("amount_parse(\"%s\", %u): %s", text, decimals, err_name(err));
    return v;
}

static void expect_amount_invalid(const char *text, size_t len, unsigned decimals) {
    u128 v = SENTINEL;
    enum err err = amount_parse(text, len, decimals, &v);
    if (err != ERR_INVALID_AMOUNT) {
        fail_msg("amount_parse(\"%.*s\", %u): got %s, expected ERR_INVALID_AMOUNT", (int)len, text,
                 decimals, err_name(err));
    }
    assert_u128_equal(v, SENTINEL);
}

static void expect_format(u128 v, unsigned decimals, const char *expected) {
    char out[AMOUNT_TEXT_SIZE];
    size_t n = amount_format(v, decimals, out);
    assert_string_equal(out, expected);
    assert_int_equal(n, strlen(expected));
}

static void amount_parse_zero_any_decimals_is_zero(void **state) {
    (void)state;
    assert_u128_equal(parse_ok("0", 0), 0);
    assert_u128_equal(parse_ok("0", 18), 0);
    expect_format(0, 0, "0");
    expect_format(0, 18, "0");
}

static void amount_parse_one_base_unit_round_trips(void **state) {
    (void)state;
    assert_u128_equal(parse_ok("1", 0), 1);
    assert_u128_equal(parse_ok("0.000000000000000001", 18), 1);
    assert_u128_equal(parse_ok("0.000001", 6), 1);
    expect_format(1, 0, "1");
    expect_format(1, 18, "0.000000000000000001");
    expect_format(1, 6, "0.000001");
}

static void amount_parse_two_pow_64_is_exact(void **state) {
    (void)state;
    u128 two64 = (u128)1 << 64;
    assert_u128_equal(parse_ok(U64_MAX_TEXT, 0), two64 - 1);
    assert_u128_equal(parse_ok(TWO_POW_64_TEXT, 0), two64);
    assert_u128_equal(parse_ok("18.446744073709551616", 18), two64);
    expect_format(two64, 0, TWO_POW_64_TEXT);
    expect_format(two64, 18, "18.446744073709551616");
    expect_format(two64 + 1, 0, "18446744073709551617");
}

static void amount_parse_u128_max_decimals_0_and_18_round_trip(void **state) {
    (void)state;
    assert_u128_equal(parse_ok(U128_MAX_TEXT, 0), U128_MAX);
    assert_u128_equal(parse_ok(U128_MAX_D18_TEXT, 18), U128_MAX);
    expect_format(U128_MAX, 0, U128_MAX_TEXT);
    expect_format(U128_MAX, 18, U128_MAX_D18_TEXT);
    expect_format(U128_MAX - 1, 0, "340282366920938463463374607431768211454");
}

static void amount_parse_above_u128_max_in_integer_part_invalid(void **state) {
    (void)state;
    expect_amount_invalid(U128_MAX_PLUS_1_TEXT, strlen(U128_MAX_PLUS_1_TEXT), 0);
    expect_amount_invalid("999999999999999999999999999999999999999", 39, 0);
    expect_amount_invalid("3402823669209384634633746074317682114550", 40, 0);
    /* The same value written with 18 fraction digits overflows while digits accumulate. */
    expect_amount_invalid("340282366920938463463.374607431768211456", 40, 18);
}

static void amount_parse_overflow_via_scaling_invalid(void **state) {
    (void)state;
    /* Digits fit, the scale by 10^(decimals - fraction digits) does not. */
    expect_amount_invalid("340282366920938463464", 21, 18);
    expect_amount_invalid("340282366920938463463.4", 23, 18);
    expect_amount_invalid(U128_MAX_TEXT, strlen(U128_MAX_TEXT), 1);
    /* One below the scaled overflow still fits. */
    assert_u128_equal(parse_ok("340282366920938463463", 18),
                      (u128)340282366920938463ull * 1000 * u128_pow10(18) +
                          (u128)463u * u128_pow10(18));
}

static void amount_parse_malformed_forms_invalid(void **state) {
    (void)state;
    static const char *const bad[] = {
        "",    "+1",  "-1",    "1e5", "1E5", "1e-5", " 1",   "1 ",    "1 0",  "\t1",
        "1\n", "x1",  "1x",    "abc", ".5",  "5.",   "1..2", "1.2.3", "0x10", ".",
        "..",  "1,5", "1_000", "٣",   "1/2", "Inf",  "NaN",  "0.",    "-0",   "+0",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_amount_invalid(bad[i], strlen(bad[i]), 6);
        expect_amount_invalid(bad[i], strlen(bad[i]), 18);
    }
    /* An embedded NUL is junk, not the end of the text. */
    expect_amount_invalid("1\0", 2, 6);
    expect_amount_invalid("\0001", 2, 6); /* NUL, '1' */
    expect_amount_invalid(NULL, 0, 6);
}

static void amount_parse_too_many_fraction_digits_invalid(void **state) {
    (void)state;
    expect_amount_invalid("1.0000001", 9, 6);
    expect_amount_invalid("0.0000000", 9, 6); /* even zeros: never rounded silently */
    expect_amount_invalid("0.1", 3, 0);
    expect_amount_invalid("1.0", 3, 0);
    expect_amount_invalid("0.0000000000000000001", 21, 18);
    assert_u128_equal(parse_ok("1.000001", 6), 1000001);
}

static void amount_parse_decimals_above_18_invalid(void **state) {
    (void)state;
    expect_amount_invalid("1", 1, 19);
    expect_amount_invalid("0", 1, 255);
}

static void amount_parse_length_bounds_the_text(void **state) {
    (void)state;
    u128 v = SENTINEL;
    assert_int_equal(amount_parse("123junk", 3, 0, &v), ERR_OK);
    assert_u128_equal(v, 123);
}

/* SPEC 2: amounts are read in the canonical form only (issue 8 item 9:
 * "01" was accepted). Each of these has a value, so only the form refuses it. */
static void amount_parse_not_canonical_invalid(void **state) {
    (void)state;
    static const char *const bad[] = {
        "01",  "00",   "000",  "007",  "00.5", "01.5",  "000.100", "0.0",
        "1.0", "1.50", "12.50", "0.10", "100.000000", "10.010", "0.000", "0001",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_amount_invalid(bad[i], strlen(bad[i]), 6);
        expect_amount_invalid(bad[i], strlen(bad[i]), 18);
        u128 v = SENTINEL;
        assert_int_equal(amount_parse_loose(bad[i], strlen(bad[i]), 6, &v), ERR_OK);
    }
    /* A leading zero in a value at 2^128-1 is refused before any digit counts. */
    expect_amount_invalid("0" U128_MAX_TEXT, strlen(U128_MAX_TEXT) + 1, 0);
    /* The rule is about form, not about the asset's decimals. */
    expect_amount_invalid("1.", 2, 6);
    expect_amount_invalid(".5", 2, 6);
    expect_amount_invalid("1.50", 4, 2);
}

static void amount_parse_canonical_forms_valid(void **state) {
    (void)state;
    assert_u128_equal(parse_ok("0", 6), 0);
    assert_u128_equal(parse_ok("0.5", 6), 500000);
    assert_u128_equal(parse_ok("10", 0), 10);
    assert_u128_equal(parse_ok("100", 6), 100000000);
    assert_u128_equal(parse_ok("12.5", 6), 12500000);
    assert_u128_equal(parse_ok("10.01", 2), 1001);
    assert_u128_equal(parse_ok("0.000001", 6), 1);
    assert_u128_equal(parse_ok("101.000001", 6), 101000001);
    assert_u128_equal(parse_ok(U128_MAX_TEXT, 0), U128_MAX);
    assert_u128_equal(parse_ok(U128_MAX_D18_TEXT, 18), U128_MAX);
}

/* Every canonical text parses back to its value, strictly. */
static void amount_parse_format_output_parses_strictly(void **state) {
    (void)state;
    const u128 values[] = {0, 1, 10, 100, 101, 1000000, 12500000, ((u128)1 << 64), U128_MAX - 1, U128_MAX};
    for (unsigned d = 0; d <= AMOUNT_DECIMALS_MAX; d++) {
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
            char text[AMOUNT_TEXT_SIZE];
            amount_format(values[i], d, text);
            assert_u128_equal(parse_ok(text, d), values[i]);
        }
    }
}

static void amount_canonical_text_drops_zeros_without_value(void **state) {
    (void)state;
    static const struct {
        const char *text, *canonical;
    } cases[] = {{"007.50", "7.5"}, {"1200.50", "1200.5"}, {"1.0", "1"},   {"0.0", "0"},
                 {"00", "0"},       {"0", "0"},           {"01", "1"},    {"00.5", "0.5"},
                 {"10", "10"},      {"100.000", "100"},   {"0.000001", "0.000001"},
                 {"0.10", "0.1"},   {U128_MAX_TEXT, U128_MAX_TEXT}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[AMOUNT_TEXT_SIZE];
        size_t n = amount_canonical_text(cases[i].text, strlen(cases[i].text), out);
        assert_string_equal(out, cases[i].canonical);
        assert_int_equal(n, strlen(cases[i].canonical));
        if (strlen(cases[i].text) > 20) continue; /* 2^128-1 leaves no room for 6 decimals */
        u128 v = SENTINEL, w = SENTINEL;
        assert_int_equal(amount_parse(out, n, 6, &v), ERR_OK);
        assert_int_equal(amount_parse_loose(cases[i].text, strlen(cases[i].text), 6, &w), ERR_OK);
        assert_u128_equal(v, w); /* the same value */
    }
    static const char *const other[] = {"", "1.", ".5", ".", "1e3", "-1", " 1", "1.2.3", "0x10", "1,5"};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        char out[AMOUNT_TEXT_SIZE] = "untouched";
        assert_int_equal(amount_canonical_text(other[i], strlen(other[i]), out), 0);
        assert_string_equal(out, "untouched");
    }
    char out[AMOUNT_TEXT_SIZE] = "untouched";
    char long_text[AMOUNT_TEXT_SIZE + 1];
    memset(long_text, '0', AMOUNT_TEXT_SIZE);
    long_text[AMOUNT_TEXT_SIZE] = '\0';
    assert_int_equal(amount_canonical_text(long_text, AMOUNT_TEXT_SIZE, out), 0);
    assert_int_equal(amount_canonical_text(NULL, 0, out), 0);
}

static void amount_parse_loose_leading_and_trailing_zeros_format_canonical(void **state) {
    (void)state;
    u128 v = SENTINEL;
    assert_int_equal(amount_parse_loose("007", 3, 0, &v), ERR_OK);
    assert_u128_equal(v, 7);
    expect_format(v, 0, "7");
    static const struct {
        const char *text, *canonical;
    } cases[] = {{"12.50", "12.5"},   {"0.000001", "0.000001"}, {"100", "100"},
                 {"100.000000", "100"}, {"000.100", "0.1"},     {"1000000", "1000000"},
                 {"0.0", "0"},          {"000", "0"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        v = SENTINEL;
        assert_int_equal(amount_parse_loose(cases[i].text, strlen(cases[i].text), 6, &v), ERR_OK);
        expect_format(v, 6, cases[i].canonical);
    }
    /* Loose is about zeros only: everything else is refused as strictly. */
    v = SENTINEL;
    assert_int_equal(amount_parse_loose("1.", 2, 6, &v), ERR_INVALID_AMOUNT);
    assert_int_equal(amount_parse_loose(".5", 2, 6, &v), ERR_INVALID_AMOUNT);
    assert_int_equal(amount_parse_loose("1.0000000", 9, 6, &v), ERR_INVALID_AMOUNT);
    assert_int_equal(amount_parse_loose(U128_MAX_PLUS_1_TEXT, strlen(U128_MAX_PLUS_1_TEXT), 0, &v),
                     ERR_INVALID_AMOUNT);
    assert_u128_equal(v, SENTINEL);
    /* A percentage is not an amount: "2.50%" is read. */
    uint32_t ppm = 0;
    assert_int_equal(percent_parse("2.50%", 5, &ppm), ERR_OK);
    assert_int_equal(ppm, 25000);
}

static void amount_format_every_decimals_round_trips_canonically(void **state) {
    (void)state;
    const u128 values[] = {0,
                           1,
                           9,
                           10,
                           11,
                           100,
                           1000000,
                           123456789,
                           (u128)1 << 64,
                           ((u128)1 << 64) - 1,
                           U128_MAX / 3,
                           U128_MAX - 1,
                           U128_MAX};
    for (unsigned d = 0; d <= AMOUNT_DECIMALS_MAX; d++) {
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
            char text[AMOUNT_TEXT_SIZE];
            size_t n = amount_format(values[i], d, text);
            assert_int_equal(n, strlen(text));
            assert_true(n > 0);
            if (n > 1) assert_false(text[0] == '0' && text[1] != '.');
            if (strchr(text, '.') != NULL) {
                assert_true(text[n - 1] != '0');
                assert_true(text[n - 1] != '.');
            }
            assert_u128_equal(parse_ok(text, d), values[i]);
        }
    }
}

static void u128_add_overflow_leaves_out_untouched(void **state) {
    (void)state;
    u128 out = SENTINEL;
    assert_int_equal(u128_add(U128_MAX, 1, &out), ERR_OVERFLOW);
    assert_u128_equal(out, SENTINEL);
    assert_int_equal(u128_add(U128_MAX - 1, 2, &out), ERR_OVERFLOW);
    assert_u128_equal(out, SENTINEL);
    assert_int_equal(u128_add(U128_MAX - 1, 1, &out), ERR_OK);
    assert_u128_equal(out, U128_MAX);
    assert_int_equal(u128_add(UINT64_MAX, 1, &out), ERR_OK);
    assert_u128_equal(out, (u128)1 << 64);
}

static void u128_sub_underflow_leaves_out_untouched(void **state) {
    (void)state;
    u128 out = SENTINEL;
    assert_int_equal(u128_sub(0, 1, &out), ERR_OVERFLOW);
    assert_u128_equal(out, SENTINEL);
    assert_int_equal(u128_sub(5, 6, &out), ERR_OVERFLOW);
    assert_u128_equal(out, SENTINEL);
    assert_int_equal(u128_sub(5, 5, &out), ERR_OK);
    assert_u128_equal(out, 0);
    assert_int_equal(u128_sub(U128_MAX, 1, &out), ERR_OK);
    assert_u128_equal(out, U128_MAX - 1);
}

static void u128_mul_overflow_leaves_out_untouched(void **state) {
    (void)state;
    u128 two64 = (u128)1 << 64;
    u128 out = SENTINEL;
    assert_int_equal(u128_mul(two64, two64, &out), ERR_OVERFLOW);
    assert_u128_equal(out, SENTINEL);
    assert_int_equal(u128_mul(U128_MAX, 2, &out), ERR_OVERFLOW);
    assert_u128_equal(out, SENTINEL);
    assert_int_equal(u128_mul(two64, two64 - 1, &out), ERR_OK);
    assert_u128_equal(out, U128_MAX - (two64 - 1));
    assert_int_equal(u128_mul(U128_MAX, 1, &out), ERR_OK);
    assert_u128_equal(out, U128_MAX);
    assert_int_equal(u128_mul(U128_MAX, 0, &out), ERR_OK);
    assert_u128_equal(out, 0);
}

static void u128_pow10_boundaries_exact(void **state) {
    (void)state;
    char text[AMOUNT_TEXT_SIZE];
    assert_u128_equal(u128_pow10(0), 1);
    assert_u128_equal(u128_pow10(18), (u128)1000000000000000000ull);
    u128_format(u128_pow10(38), text);
    assert_string_equal(text, "100000000000000000000000000000000000000");
    u128_format(U128_MAX, text);
    assert_string_equal(text, U128_MAX_TEXT);
    u128_format(0, text);
    assert_string_equal(text, "0");
}

static void u128_ratio_ppm_boundaries_saturate(void **state) {
    (void)state;
    assert_int_equal(u128_ratio_ppm(1, 2), 500000);
    assert_int_equal(u128_ratio_ppm(0, 0), 0);
    assert_int_equal(u128_ratio_ppm(5, 0), 0);
    assert_int_equal(u128_ratio_ppm(U128_MAX, U128_MAX), 1000000);
    assert_int_equal(u128_ratio_ppm(U128_MAX, 1), UINT64_MAX);
    assert_int_equal(u128_ratio_ppm(95, 100), 950000);
}

/* ------------------------------------------------------------------ */
/* addresses                                                          */
/* ------------------------------------------------------------------ */

static void addr_parse_mixed_case_formats_lowercase(void **state) {
    (void)state;
    const char *in = "0xAbCdEf0123456789aBcDeF0123456789ABCDEF01";
    struct addr a;
    assert_int_equal(addr_parse(in, strlen(in), &a), ERR_OK);
    char out[ADDR_TEXT_SIZE];
    addr_format(&a, out);
    assert_string_equal(out, "0xabcdef0123456789abcdef0123456789abcdef01");
    assert_int_equal(a.bytes[0], 0xab);
    assert_int_equal(a.bytes[19], 0x01);
    struct addr b;
    assert_int_equal(addr_parse(out, strlen(out), &b), ERR_OK);
    assert_true(addr_equal(&a, &b));
}

static void addr_parse_uppercase_prefix_accepted(void **state) {
    (void)state;
    const char *in = "0X1111111111111111111111111111111111111111";
    struct addr a;
    assert_int_equal(addr_parse(in, strlen(in), &a), ERR_OK);
    char out[ADDR_TEXT_SIZE];
    addr_format(&a, out);
    assert_string_equal(out, ADDR_1);
}

static void expect_addr_invalid(const char *text, size_t len) {
    struct addr a;
    memset(&a, 0x5a, sizeof(a));
    enum err err = addr_parse(text, len, &a);
    if (err != ERR_INVALID_ADDRESS) {
        fail_msg("addr_parse(\"%.*s\"): got %s", (int)len, text ? text : "", err_name(err));
    }
    for (unsigned i = 0; i < ADDR_BYTES; i++) assert_int_equal(a.bytes[i], 0x5a);
}

static void addr_parse_wrong_length_invalid(void **state) {
    (void)state;
    const char *full = "0x11111111111111111111111111111111111111111"; /* 43 */
    expect_addr_invalid(full, 43);
    expect_addr_invalid(full, 41);
    expect_addr_invalid(full, 2);
    expect_addr_invalid(full, 0);
    expect_addr_invalid(NULL, 42);
    expect_addr_invalid("0x", 2);
}

static void addr_parse_missing_prefix_invalid(void **state) {
    (void)state;
    expect_addr_invalid("111111111111111111111111111111111111111111", 42);
    expect_addr_invalid("001111111111111111111111111111111111111111", 42);
    expect_addr_invalid("1x1111111111111111111111111111111111111111", 42);
    expect_addr_invalid("x01111111111111111111111111111111111111111", 42);
    expect_addr_invalid("1111111111111111111111111111111111111111", 40);
}

static void addr_parse_non_hex_digit_invalid(void **state) {
    (void)state;
    for (size_t pos = 2; pos < 42; pos++) {
        char text[43];
        memcpy(text, ADDR_1, 43);
        text[pos] = 'g';
        expect_addr_invalid(text, 42);
        text[pos] = ' ';
        expect_addr_invalid(text, 42);
        text[pos] = '\0';
        expect_addr_invalid(text, 42);
    }
}

/* ------------------------------------------------------------------ */
/* durations and times                                                */
/* ------------------------------------------------------------------ */

static int64_t duration_ok(const char *text) {
    int64_t ns = -7;
    enum err err = duration_parse(text, strlen(text), &ns);
    if (err != ERR_OK) fail_msg("duration_parse(\"%s\"): %s", text, err_name(err));
    return ns;
}

static void duration_parse_units_give_nanoseconds(void **state) {
    (void)state;
    assert_int_equal(duration_ok("90s"), 90 * NS_PER_S);
    assert_int_equal(duration_ok("15m"), 15 * 60 * NS_PER_S);
    assert_int_equal(duration_ok("2h"), 2 * 3600 * NS_PER_S);
    assert_int_equal(duration_ok("1d"), NS_PER_DAY);
    assert_int_equal(duration_ok("4h"), 4 * 3600 * NS_PER_S);
    /* The documented ceiling, 100 years of 366 days, is accepted. */
    assert_int_equal(duration_ok("36600d"), 36600 * NS_PER_DAY);
}

static void duration_parse_malformed_invalid(void **state) {
    (void)state;
    static const char *const bad[] = {
        "",       "5",           "s",         "5x",      "-1s",
        "+1s",    "1.5h",        " 5s",       "5s ",     "5S",
        "5 s",    "1h30m",       "0x5s",      "d",       "99999999999999999999s",
        "36601d", "3162240001s", "52704001m", "878401h", "5ms",
        "1w",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ns = -7;
        enum err err = duration_parse(bad[i], strlen(bad[i]), &ns);
        if (err != ERR_INVALID_DURATION)
            fail_msg("duration_parse(\"%s\"): %s", bad[i], err_name(err));
        assert_int_equal(ns, -7);
    }
    int64_t ns = -7;
    assert_int_equal(duration_parse(NULL, 0, &ns), ERR_INVALID_DURATION);
    assert_int_equal(ns, -7);
}

static void duration_format_shortest_form_round_trips(void **state) {
    (void)state;
    static const struct {
        int64_t s;
        const char *text;
    } cases[] = {{90, "90s"},   {60, "1m"}, {900, "15m"},      {7200, "2h"},   {86400, "1d"},
                 {14400, "4h"}, {0, "0s"},  {3 * 86400, "3d"}, {3601, "3601s"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[32];
        duration_format(cases[i].s * NS_PER_S, out);
        assert_string_equal(out, cases[i].text);
        if (cases[i].s > 0) assert_int_equal(duration_ok(out), cases[i].s * NS_PER_S);
    }
}

static void expect_iso(int64_t ns, const char *expected) {
    char out[40];
    time_format_iso(ns, out);
    assert_string_equal(out, expected);
}

static void time_format_iso_known_instants(void **state) {
    (void)state;
    expect_iso(0, "1970-01-01T00:00:00.000Z");
    expect_iso(INT64_C(1700000000123456789), "2023-11-14T22:13:20.123Z");
    expect_iso(INT64_C(951782400) * NS_PER_S, "2000-02-29T00:00:00.000Z");
    expect_iso(INT64_C(4107542400) * NS_PER_S, "2100-03-01T00:00:00.000Z");
    expect_iso(INT64_C(1735689599) * NS_PER_S + 999999999, "2024-12-31T23:59:59.999Z");
    expect_iso(FIXTURE_T0_NS, "2026-03-01T12:00:00.000Z");
    expect_iso(FIXTURE_MIDNIGHT_NS, "2026-03-02T00:00:00.000Z");
    expect_iso(INT64_MAX, "2262-04-11T23:47:16.854Z");
    expect_iso(-NS_PER_DAY, "1969-12-31T00:00:00.000Z");
    expect_iso(-1000000, "1969-12-31T23:59:59.999Z");
}

/* ------------------------------------------------------------------ */
/* the error table                                                    */
/* ------------------------------------------------------------------ */

static void err_table_every_code_named_messaged_and_statused(void **state) {
    (void)state;
    static const int statuses[] = {200, 400, 401, 403, 404, 405, 409, 429, 500, 503};
    assert_int_equal(ERR_OK, 0);
    assert_string_equal(err_name(ERR_OK), "ERR_OK");
    for (unsigned i = 0; i < ERR__COUNT; i++) {
        enum err e = (enum err)i;
        const char *name = err_name(e);
        assert_non_null(name);
        assert_int_equal(strncmp(name, "ERR_", 4), 0);
        assert_true(strlen(name) > 4);
        for (const char *p = name + 4; *p; p++) {
            assert_true((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_');
        }
        assert_non_null(err_message(e));
        assert_true(strlen(err_message(e)) > 0);
        int status = err_http_status(e);
        int known = 0;
        for (size_t k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++)
            known |= status == statuses[k];
        if (!known) fail_msg("%s has HTTP status %d", name, status);
        assert_int_equal(err_from_name(name), e);
        for (unsigned j = 0; j < i; j++) {
            if (strcmp(name, err_name((enum err)j)) == 0) fail_msg("%s appears twice", name);
        }
    }
}

static void err_table_out_of_range_and_unknown_name_handled(void **state) {
    (void)state;
    assert_string_equal(err_name(ERR__COUNT), "ERR_INTERNAL");
    assert_string_equal(err_name((enum err)100000), "ERR_INTERNAL");
    assert_int_equal(err_http_status(ERR__COUNT), 500);
    assert_int_equal(err_from_name("ERR_NO_SUCH_THING"), ERR__COUNT);
    assert_int_equal(err_from_name("PAUSED"), ERR__COUNT);
    assert_int_equal(err_from_name("err_paused"), ERR__COUNT);
    assert_int_equal(err_from_name(""), ERR__COUNT);
}

static void err_table_spec_statuses_match(void **state) {
    (void)state;
    assert_int_equal(err_http_status(ERR_OK), 200);
    assert_int_equal(err_http_status(ERR_UNAUTHORIZED), 403);
    assert_int_equal(err_http_status(ERR_PAUSED), 409);
    assert_int_equal(err_http_status(ERR_INVALID_AMOUNT), 400);
    assert_int_equal(err_http_status(ERR_AUTH_SIGNATURE), 401);
    assert_int_equal(err_http_status(ERR_UNKNOWN_ASSET), 404);
    assert_int_equal(err_http_status(ERR_RATE_LIMITED), 429);
    assert_int_equal(err_http_status(ERR_NOT_READY), 503);
}

/* ------------------------------------------------------------------ */
/* hex and SHA-256                                                    */
/* ------------------------------------------------------------------ */

static void hex_round_trip_all_bytes_lowercase(void **state) {
    (void)state;
    uint8_t bytes[256];
    for (unsigned i = 0; i < 256; i++) bytes[i] = (uint8_t)i;
    char text[513];
    hex_encode(bytes, 256, text);
    assert_int_equal(strlen(text), 512);
    assert_memory_equal(text, "000102", 6);
    assert_memory_equal(text + 506, "fdfeff", 6);
    for (size_t i = 0; i < 512; i++) assert_true(text[i] < 'A' || text[i] > 'F');
    uint8_t back[256];
    assert_int_equal(hex_decode(text, 512, back, 256), 0);
    assert_memory_equal(back, bytes, 256);
}

static void hex_decode_bad_input_fails(void **state) {
    (void)state;
    uint8_t out[2];
    assert_int_equal(hex_decode("ABcd", 4, out, 2), 0);
    assert_int_equal(out[0], 0xab);
    assert_int_equal(out[1], 0xcd);
    assert_int_equal(hex_decode("abc", 3, out, 2), -1);
    assert_int_equal(hex_decode("abcdef", 6, out, 2), -1);
    assert_int_equal(hex_decode("abcg", 4, out, 2), -1);
    assert_int_equal(hex_decode("ab c", 4, out, 2), -1);
    assert_int_equal(hex_decode("", 0, out, 0), 0);
}

static void hash_sha256_known_vectors(void **state) {
    (void)state;
    struct hash h;
    char hex[HASH_HEX_SIZE];
    hash_once("abc", 3, &h);
    hash_hex(&h, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hash_once("", 0, &h);
    hash_hex(&h, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    struct hash_ctx ctx;
    struct hash inc;
    hash_init(&ctx);
    hash_update(&ctx, "a", 1);
    hash_update(&ctx, "bc", 2);
    hash_final(&ctx, &inc);
    hash_once("abc", 3, &h);
    assert_memory_equal(inc.bytes, h.bytes, HASH_BYTES);

    struct hash back;
    assert_int_equal(hash_parse_hex(hex, 64, &back), 0);
    hash_once("", 0, &h);
    assert_memory_equal(back.bytes, h.bytes, HASH_BYTES);
    assert_int_equal(hash_parse_hex(hex, 63, &back), -1);
}

static void hash_update_str_is_length_prefixed(void **state) {
    (void)state;
    struct hash_ctx ctx;
    struct hash x;
    struct hash y;
    hash_init(&ctx);
    hash_update_str(&ctx, "ab");
    hash_update_str(&ctx, "c");
    hash_final(&ctx, &x);
    hash_init(&ctx);
    hash_update_str(&ctx, "a");
    hash_update_str(&ctx, "bc");
    hash_final(&ctx, &y);
    assert_memory_not_equal(x.bytes, y.bytes, HASH_BYTES);
}

/* ------------------------------------------------------------------ */
/* buf and buf_reader                                                 */
/* ------------------------------------------------------------------ */

static void buf_put_get_little_endian_round_trip(void **state) {
    (void)state;
    struct buf b;
    buf_init(&b);
    buf_put_u8(&b, 0xa1);
    buf_put_u16(&b, 0x0102);
    buf_put_u32(&b, 0x03040506u);
    buf_put_u64(&b, 0x0708090a0b0c0d0eull);
    u128 big = ((u128)0x1112131415161718ull << 64) | 0x191a1b1c1d1e1f20ull;
    buf_put_u128(&b, big);
    assert_true(buf_ok(&b));
    assert_int_equal(b.len, 1 + 2 + 4 + 8 + 16);
    static const uint8_t head[] = {0xa1, 0x02, 0x01, 0x06, 0x05, 0x04, 0x03, 0x0e};
    assert_memory_equal(b.data, head, sizeof(head));

    struct buf_reader r;
    buf_reader_init(&r, b.data, b.len);
    assert_int_equal(buf_get_u8(&r), 0xa1);
    assert_int_equal(buf_get_u16(&r), 0x0102);
    assert_int_equal(buf_get_u32(&r), 0x03040506u);
    assert_int_equal(buf_get_u64(&r), 0x0708090a0b0c0d0eull);
    assert_u128_equal(buf_get_u128(&r), big);
    assert_false(r.failed);
    assert_int_equal(r.pos, r.len);
    buf_free(&b);
    assert_null(b.data);
}

static void buf_put_many_grows_and_keeps_bytes(void **state) {
    (void)state;
    struct buf b;
    buf_init(&b);
    for (unsigned i = 0; i < 100000; i++) buf_put_u8(&b, (uint8_t)(i * 7));
    buf_put(&b, "x", 0);
    assert_true(buf_ok(&b));
    assert_int_equal(b.len, 100000);
    for (unsigned i = 0; i < 100000; i++) assert_int_equal(b.data[i], (uint8_t)(i * 7));
    buf_free(&b);
}

static void buf_reader_short_read_fails_sticky_with_zeros(void **state) {
    (void)state;
    const uint8_t data[3] = {1, 2, 3};
    struct buf_reader r;
    buf_reader_init(&r, data, sizeof(data));
    assert_int_equal(buf_get_u32(&r), 0);
    assert_true(r.failed);
    assert_int_equal(r.pos, 0);
    /* Sticky: a read that would fit still fails and yields zero. */
    assert_int_equal(buf_get_u8(&r), 0);
    assert_true(r.failed);

    buf_reader_init(&r, data, sizeof(data));
    assert_int_equal(buf_get_u16(&r), 0x0201);
    uint8_t out[4] = {9, 9, 9, 9};
    buf_get(&r, out, 2);
    assert_true(r.failed);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], 9);

    buf_reader_init(&r, data, sizeof(data));
    buf_get(&r, out, 3);
    assert_false(r.failed);
    assert_int_equal(r.pos, 3);
    assert_u128_equal(buf_get_u128(&r), 0);
    assert_true(r.failed);

    buf_reader_init(&r, NULL, 0);
    assert_int_equal(buf_get_u64(&r), 0);
    assert_true(r.failed);
}

/* ------------------------------------------------------------------ */
/* jw                                                                 */
/* ------------------------------------------------------------------ */

static json_t *jw_parse(const struct buf *b) {
    json_error_t error;
    json_t *v = json_loadb((const char *)b->data, b->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    if (v == NULL) fail_msg("jw output is not JSON: %s: %.*s", error.text, (int)b->len, b->data);
    return v;
}

static void jw_string_control_chars_and_quotes_parse_back(void **state) {
    (void)state;
    char s[64];
    size_t n = 0;
    for (unsigned c = 0; c < 0x20; c++) s[n++] = (char)c;
    s[n++] = '"';
    s[n++] = '\\';
    s[n++] = '/';
    s[n++] = 0x7f;
    s[n++] = (char)0xc3; /* U+00E9 in UTF-8 */
    s[n++] = (char)0xa9;
    s[n++] = 'z';
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_string_n(&w, s, n);
    assert_true(buf_ok(&b));
    for (size_t i = 0; i < b.len; i++) assert_true(b.data[i] >= 0x20);
    json_t *v = jw_parse(&b);
    assert_true(json_is_string(v));
    assert_int_equal(json_string_length(v), n);
    assert_memory_equal(json_string_value(v), s, n);
    json_decref(v);
    buf_free(&b);
}

static void jw_uint_max_and_int_min_written_exactly(void **state) {
    (void)state;
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_array_begin(&w);
    jw_uint(&w, UINT64_MAX);
    jw_int(&w, INT64_MIN);
    jw_array_end(&w);
    const char *want = "[18446744073709551615,-9223372036854775808]";
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    buf_free(&b);
}

static void jw_nested_document_parses_with_commas(void **state) {
    (void)state;
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_object_begin(&w);
    jw_kv_int(&w, "a", -5);
    jw_key(&w, "b");
    jw_array_begin(&w);
    jw_uint(&w, 42);
    jw_bool(&w, 0);
    jw_object_begin(&w);
    jw_kv_bool(&w, "c", 1);
    jw_object_end(&w);
    jw_array_begin(&w);
    jw_array_end(&w);
    jw_object_begin(&w);
    jw_object_end(&w);
    jw_array_end(&w);
    jw_key(&w, "d");
    jw_null(&w);
    jw_kv_string(&w, "k\"ey\n", "v");
    jw_kv_amount(&w, "amt", 12500000, 6);
    jw_kv_amount(&w, "max", U128_MAX, 18);
    jw_kv_uint(&w, "u", 7);
    jw_key(&w, "raw");
    jw_raw(&w, "[1,2]", 5);
    jw_key(&w, "dbl");
    jw_double(&w, 0.5);
    jw_object_end(&w);
    assert_true(buf_ok(&b));
    assert_int_equal(w.depth, 0);

    json_t *got = jw_parse(&b);
    json_error_t error;
    json_t *want = json_loads("{\"a\":-5,\"b\":[42,false,{\"c\":true},[],{}],"
                              "\"d\":null,\"k\\\"ey\\n\":\"v\",\"amt\":\"12.5\","
                              "\"max\":\"" U128_MAX_D18_TEXT "\",\"u\":7,\"raw\":[1,2],"
                              "\"dbl\":0.5}",
                              0, &error);
    assert_non_null(want);
    if (!json_equal(got, want)) fail_msg("jw wrote %.*s", (int)b.len, b.data);
    json_decref(got);
    json_decref(want);
    buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* sig                                                                */
/* ------------------------------------------------------------------ */

struct sig_case {
    const char *method;
    const char *path;
    const char *time_ms;
    const char *nonce;
    const char *body;
};

static int sig_case_verify(const uint8_t pk[SIG_PUBKEY_BYTES], const struct sig_case *c,
                           const char *b64) {
    struct hash body_hash;
    hash_once(c->body, strlen(c->body), &body_hash);
    return sig_verify(pk, c->method, c->path, c->time_ms, c->nonce, &body_hash, b64);
}

static void sig_message_matches_spec_layout(void **state) {
    (void)state;
    struct buf b;
    buf_init(&b);
    struct hash empty;
    hash_once("", 0, &empty);
    sig_message(&b, "POST", "/api/commands?x=1", "1700000000000", "n1", &empty);
    const char *want = "mintline-v1\nPOST\n/api/commands?x=1\n1700000000000\nn1\n"
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    buf_free(&b);
}

static void sig_sign_verify_round_trip_and_tamper_fails(void **state) {
    (void)state;
    uint8_t seed[SIG_SEED_BYTES];
    for (unsigned i = 0; i < SIG_SEED_BYTES; i++) seed[i] = (uint8_t)(i * 13 + 1);
    uint8_t pk[SIG_PUBKEY_BYTES];
    sig_pubkey(seed, pk);
    const struct sig_case good = {"POST", "/api/commands", "1700000000000", "abc123",
                                  "{\"op\":\"mint\",\"amount\":\"1\"}"};
    char b64[SIG_B64_SIZE];
    assert_int_equal(sig_sign(seed, good.method, good.path, good.time_ms, good.nonce,
                              (const uint8_t *)good.body, strlen(good.body), b64),
                     0);
    assert_int_equal(strlen(b64), 88);
    assert_int_equal(sig_case_verify(pk, &good, b64), 0);

    const struct sig_case tampered[] = {
        {"POST", "/api/commands", "1700000000000", "abc123", "{\"op\":\"mint\",\"amount\":\"2\"}"},
        {"GET", "/api/commands", "1700000000000", "abc123", good.body},
        {"POST", "/api/command", "1700000000000", "abc123", good.body},
        {"POST", "/api/commands?", "1700000000000", "abc123", good.body},
        {"POST", "/api/commands", "1700000000001", "abc123", good.body},
        {"POST", "/api/commands", "1700000000000", "abc124", good.body},
        {"POST", "/api/commands", "1700000000000", "", good.body},
    };
    for (size_t i = 0; i < sizeof(tampered) / sizeof(tampered[0]); i++) {
        if (sig_case_verify(pk, &tampered[i], b64) != -1) fail_msg("tampered case %zu verified", i);
    }

    /* Another key's signature fails. */
    uint8_t other_seed[SIG_SEED_BYTES];
    memset(other_seed, 0x42, sizeof(other_seed));
    uint8_t other_pk[SIG_PUBKEY_BYTES];
    sig_pubkey(other_seed, other_pk);
    assert_int_equal(sig_case_verify(other_pk, &good, b64), -1);

    /* One flipped signature character fails. */
    char bad[SIG_B64_SIZE];
    memcpy(bad, b64, sizeof(bad));
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    assert_int_equal(sig_case_verify(pk, &good, bad), -1);
}

static void sig_verify_garbage_base64_fails(void **state) {
    (void)state;
    uint8_t seed[SIG_SEED_BYTES];
    memset(seed, 7, sizeof(seed));
    uint8_t pk[SIG_PUBKEY_BYTES];
    sig_pubkey(seed, pk);
    const struct sig_case c = {"GET", "/api/system/status", "1", "n", ""};
    char b64[SIG_B64_SIZE];
    assert_int_equal(sig_sign(seed, c.method, c.path, c.time_ms, c.nonce, NULL, 0, b64), 0);
    assert_int_equal(sig_case_verify(pk, &c, b64), 0);

    static const char *const garbage[] = {"", "!!!!", "not base64 at all", "AAAA", "===="};
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
        if (sig_case_verify(pk, &c, garbage[i]) != -1) fail_msg("garbage %zu verified", i);
    }
    /* Well-formed base64 of the wrong length: 63 bytes (84 digits), 65 bytes (88). */
    char wrong[96];
    memset(wrong, 'A', 84);
    wrong[84] = '\0';
    assert_int_equal(sig_case_verify(pk, &c, wrong), -1);
    memset(wrong, 'A', 87);
    wrong[87] = '=';
    wrong[88] = '\0';
    assert_int_equal(sig_case_verify(pk, &c, wrong), -1);
    /* The signature in URL-safe base64 is not the standard form. */
    char urlsafe[SIG_B64_SIZE];
    memcpy(urlsafe, b64, sizeof(urlsafe));
    int changed = 0;
    for (char *p = urlsafe; *p; p++) {
        if (*p == '+' || *p == '/') {
            *p = *p == '+' ? '-' : '_';
            changed = 1;
        }
    }
    if (changed) assert_int_equal(sig_case_verify(pk, &c, urlsafe), -1);
    /* Trailing junk after a valid signature fails. */
    char longer[SIG_B64_SIZE + 4];
    snprintf(longer, sizeof(longer), "%sAA", b64);
    assert_int_equal(sig_case_verify(pk, &c, longer), -1);
}

/* ------------------------------------------------------------------ */
/* report                                                             */
/* ------------------------------------------------------------------ */

static void report_exit_code_maps_spec_exit_codes(void **state) {
    (void)state;
    assert_int_equal(report_exit_code(ERR_OK), 0);
    assert_int_equal(report_exit_code(ERR_PAUSED), 1);
    assert_int_equal(report_exit_code(ERR_UNAUTHORIZED), 1);
    assert_int_equal(report_exit_code(ERR_INVALID_AMOUNT), 1);
    assert_int_equal(report_exit_code(ERR_USAGE), 2);
    assert_int_equal(report_exit_code(ERR_NODE_UNREACHABLE), 3);
    assert_int_equal(report_exit_code(ERR_IO), 3);
    assert_int_equal(report_exit_code(ERR_STORE_IO), 3);
    for (unsigned i = 1; i < ERR__COUNT; i++) {
        int code = report_exit_code((enum err)i);
        assert_true(code >= 1 && code <= 3);
    }
}

/* Run report_error with stderr sent to a temporary file; return its text. */
static int report_capture(enum err err, const char *detail, char *out, size_t out_size) {
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), 2) >= 0);
    int code = report_error(err, detail);
    fflush(stderr);
    assert_true(dup2(saved, 2) >= 0);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, out_size - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
    return code;
}

static void report_error_prints_code_and_message_on_stderr(void **state) {
    (void)state;
    char text[256];
    assert_int_equal(report_capture(ERR_PAUSED, NULL, text, sizeof(text)), 1);
    assert_string_equal(text, "error: ERR_PAUSED: paused\n");
    assert_int_equal(report_capture(ERR_USAGE, "", text, sizeof(text)), 2);
    assert_string_equal(text, "error: ERR_USAGE: usage error\n");
    assert_int_equal(report_capture(ERR_NODE_UNREACHABLE, "127.0.0.1:8645", text, sizeof(text)), 3);
    assert_string_equal(text, "error: ERR_NODE_UNREACHABLE: node unreachable: 127.0.0.1:8645\n");
}

/* ------------------------------------------------------------------ */
/* ASSERT                                                             */
/* ------------------------------------------------------------------ */

static void check_assert_false_aborts_process(void **state) {
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (freopen("/dev/null", "w", stderr) == NULL) _exit(3);
        volatile int zero = 0;
        ASSERT(zero == 1);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* scratch: a private directory, a named file, a file with no name. */
static void scratch_makes_private_dirs_and_unnamed_files(void **state) {
    (void)state;
    char dir[512], path[600];
    assert_int_equal(scratch_dir(NULL, "mintline-test", dir, sizeof(dir)), 0);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_non_null(strstr(dir, "/mintline-test-"));
    int fd = scratch_file(dir);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "abc", 3), 3);
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_nlink, 0); /* no name: it goes when closed */
    close(fd);
    assert_int_equal(scratch_path(dir, "named", path, sizeof(path)), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0); /* nothing else was left in it */
    char tiny[8];
    assert_int_equal(scratch_dir(NULL, "mintline-test", tiny, sizeof(tiny)), -1);
    assert_int_equal(scratch_file("/nonexistent-mintline-dir"), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(amount_parse_zero_any_decimals_is_zero),
        cmocka_unit_test(amount_parse_one_base_unit_round_trips),
        cmocka_unit_test(amount_parse_two_pow_64_is_exact),
        cmocka_unit_test(amount_parse_u128_max_decimals_0_and_18_round_trip),
        cmocka_unit_test(amount_parse_above_u128_max_in_integer_part_invalid),
        cmocka_unit_test(amount_parse_overflow_via_scaling_invalid),
        cmocka_unit_test(amount_parse_malformed_forms_invalid),
        cmocka_unit_test(amount_parse_too_many_fraction_digits_invalid),
        cmocka_unit_test(amount_parse_decimals_above_18_invalid),
        cmocka_unit_test(amount_parse_length_bounds_the_text),
        cmocka_unit_test(amount_parse_not_canonical_invalid),
        cmocka_unit_test(amount_parse_canonical_forms_valid),
        cmocka_unit_test(amount_parse_format_output_parses_strictly),
        cmocka_unit_test(amount_parse_loose_leading_and_trailing_zeros_format_canonical),
        cmocka_unit_test(amount_canonical_text_drops_zeros_without_value),
        cmocka_unit_test(amount_format_every_decimals_round_trips_canonically),
        cmocka_unit_test(u128_add_overflow_leaves_out_untouched),
        cmocka_unit_test(u128_sub_underflow_leaves_out_untouched),
        cmocka_unit_test(u128_mul_overflow_leaves_out_untouched),
        cmocka_unit_test(u128_pow10_boundaries_exact),
        cmocka_unit_test(u128_ratio_ppm_boundaries_saturate),
        cmocka_unit_test(addr_parse_mixed_case_formats_lowercase),
        cmocka_unit_test(addr_parse_uppercase_prefix_accepted),
        cmocka_unit_test(addr_parse_wrong_length_invalid),
        cmocka_unit_test(addr_parse_missing_prefix_invalid),
        cmocka_unit_test(addr_parse_non_hex_digit_invalid),
        cmocka_unit_test(duration_parse_units_give_nanoseconds),
        cmocka_unit_test(duration_parse_malformed_invalid),
        cmocka_unit_test(duration_format_shortest_form_round_trips),
        cmocka_unit_test(time_format_iso_known_instants),
        cmocka_unit_test(err_table_every_code_named_messaged_and_statused),
        cmocka_unit_test(err_table_out_of_range_and_unknown_name_handled),
        cmocka_unit_test(err_table_spec_statuses_match),
        cmocka_unit_test(hex_round_trip_all_bytes_lowercase),
        cmocka_unit_test(hex_decode_bad_input_fails),
        cmocka_unit_test(hash_sha256_known_vectors),
        cmocka_unit_test(hash_update_str_is_length_prefixed),
        cmocka_unit_test(buf_put_get_little_endian_round_trip),
        cmocka_unit_test(buf_put_many_grows_and_keeps_bytes),
        cmocka_unit_test(buf_reader_short_read_fails_sticky_with_zeros),
        cmocka_unit_test(jw_string_control_chars_and_quotes_parse_back),
        cmocka_unit_test(jw_uint_max_and_int_min_written_exactly),
        cmocka_unit_test(jw_nested_document_parses_with_commas),
        cmocka_unit_test(sig_message_matches_spec_layout),
        cmocka_unit_test(sig_sign_verify_round_trip_and_tamper_fails),
        cmocka_unit_test(sig_verify_garbage_base64_fails),
        cmocka_unit_test(report_exit_code_maps_spec_exit_codes),
        cmocka_unit_test(report_error_prints_code_and_message_on_stderr),
        cmocka_unit_test(check_assert_false_aborts_process),
        cmocka_unit_test(scratch_makes_private_dirs_and_unnamed_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
