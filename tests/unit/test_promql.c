/*
 * test_promql.c - the rule language (src/ops/promql.h): every construct
 * parsed, every refusal with its position, evaluation against hand-built
 * series sets checked against Prometheus 2.x's semantics (engine.go), the
 * regular-expression translation, and exactness at thresholds: a reserve
 * ratio of exactly 1 is not below 1, a usage of exactly 95% is not above
 * 0.95, for every ratio the node can print (floor to parts per million).
 *
 * Series sets are written in the exposition format, one series a line:
 * `name{label="value",...} value`.
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

#include "../../src/base/limits.h"
#include "../../src/base/u128.h"
#include "../../src/ops/promql.h"
#include "../support/series_fixture.h"

/* ------------------------------------------------------------------ */
/* Fixtures                                                           */
/* ------------------------------------------------------------------ */

/* Evaluate expr over f and return the rendering (static buffer), or
 * "error: MESSAGE". */
static const char *eval(struct series_fixture *f, const char *expr) {
    static char out[8192];
    struct promql_expr *e = NULL;
    struct promql_error error;
    enum err err = promql_parse(expr, strlen(expr), &e, &error);
    if (err != ERR_OK) fail_msg("parse %s: %s (at %zu)", expr, error.message, error.offset);
    struct promql_result r;
    err = promql_eval(e, &f->set, &r, &error);
    if (err != ERR_OK) {
        snprintf(out, sizeof(out), "error: %s", error.message);
    } else {
        series_fixture_render(&r, out, sizeof(out));
        promql_result_free(&r);
    }
    promql_free(e);
    return out;
}

static void expect(struct series_fixture *f, const char *expr, const char *want) {
    const char *got = eval(f, expr);
    if (strcmp(got, want) != 0) fail_msg("%s\n got:\n%s\n want:\n%s", expr, got, want);
}

/* Evaluate a scalar expression. */
static double scalar(const char *expr) {
    struct series_fixture f;
    series_fixture_parse(&f, "");
    struct promql_expr *e = NULL;
    struct promql_error error;
    if (promql_parse(expr, strlen(expr), &e, &error) != ERR_OK) fail_msg("parse %s: %s", expr, error.message);
    assert_int_equal(promql_type_of(e), PROMQL_SCALAR);
    struct promql_result r;
    assert_int_equal(promql_eval(e, &f.set, &r, &error), ERR_OK);
    assert_int_equal(r.samples_count, 1);
    assert_int_equal(r.samples[0].labels_count, 0);
    double v = r.samples[0].value;
    promql_result_free(&r);
    promql_free(e);
    series_fixture_free(&f);
    return v;
}

/* Expect a parse refusal at offset whose message holds `part`. */
static void refused(const char *expr, size_t offset, const char *part) {
    struct promql_expr *e = NULL;
    struct promql_error error;
    enum err err = promql_parse(expr, strlen(expr), &e, &error);
    if (err == ERR_OK) {
        promql_free(e);
        fail_msg("accepted: %s", expr);
    }
    assert_int_equal(err, ERR_INVALID_ARGUMENT);
    if (error.offset != offset || strstr(error.message, part) == NULL) {
        fail_msg("%s: refused at %zu with \"%s\"; want %zu with \"%s\"", expr, error.offset,
                 error.message, offset, part);
    }
}

static const char *const NODE =
    "mintline_reserve_ratio{asset=\"USDW\"} 1\n"
    "mintline_reserve_ratio{asset=\"EURW\"} 0.95\n"
    "mintline_reserve_ratio{asset=\"GBPW\"} -1\n"
    "mintline_reserve_quorum_met{asset=\"USDW\"} 1\n"
    "mintline_reserve_quorum_met{asset=\"EURW\"} 1\n"
    "mintline_reserve_quorum_met{asset=\"GBPW\"} 0\n"
    "mintline_supply_base_units{asset=\"USDW\"} 2500000000\n"
    "mintline_supply_base_units{asset=\"EURW\"} 100\n"
    "mintline_supply_base_units{asset=\"GBPW\"} 0\n"
    "mintline_commands_total{op=\"mint\",result=\"ok\"} 3\n"
    "mintline_commands_total{op=\"mint\",result=\"ERR_PAUSED\"} 1\n"
    "mintline_commands_total{op=\"burn\",result=\"ok\"} 5\n"
    "mintline_block_height 42\n";

/* ------------------------------------------------------------------ */
/* Parsing                                                            */
/* ------------------------------------------------------------------ */

static void parse_every_construct_accepted(void **state) {
    (void)state;
    static const char *const ok[] = {
        "up",
        "mintline_reserve_ratio{asset=\"USDW\"}",
        "x{a=\"b\", c!=\"d\", e=~\"f.*\", g!~\"h|i\",}",
        "{__name__=\"x\"}",
        "{__name__=~\"mintline_.*\", asset=\"USDW\"}",
        "x{}",
        "x{a='single', b=`raw \\d`}",
        "x{a=\"esc \\\" \\\\ \\n \\t \\x41 \\101 \\u00e9 \\U0001F600\"}",
        "a:b:c_total",
        "x{inf=\"1\", nan=\"2\", on=\"3\", by=\"4\", sum=\"5\"}",
        "1", "1.5", ".5", "5.", "1e3", "1E-3", "0x1F", "010", "Inf", "-inf", "NaN", "+5",
        "x > 1", "x < 1", "x >= 1", "x <= 1", "x == 1", "x != 1", "1 < x",
        "x > bool 1", "1 == bool 1", "x > bool on(a) y", "x == ignoring(b) y",
        "x + 1", "x - y", "x * 2", "x / y", "2 * 3 + 4", "-x", "- -x", "+x", "-(x)",
        "x and y", "x or y", "x unless y", "x and on(asset) y", "x or ignoring(op) y",
        "x AND y", "x Or y", "x UNLESS y",
        "sum(x)", "sum by (a) (x)", "sum(x) by (a)", "sum without (a, b) (x)", "sum(x) without (a,)",
        "min(x)", "max by (a) (x)", "count(x)", "count by () (x)", "SUM BY (a) (x)", "sum by (by, on) (x)",
        "absent(x)", "absent(x{a=\"b\"})", "absent(sum(x))",
        "(x)", "((x + 1) * 2)",
        "x # a comment\n > 1",
        "mintline_reserve_ratio < 1 and mintline_reserve_quorum_met == 1 and mintline_supply_base_units > 0",
        "x{a=~\"(?i)usdw\"}", "x{a=~\"\\\\d+\\\\.\\\\d*\"}", "x{a=~\"[[:alpha:]_-]+\"}", "x{a=~\"a{2,3}b{2}c{1,}\"}",
        "x{a=~\"a{\"}", "x{a=~\"(?:a|b)+?\"}", "x{a=~\"(?P<n>a)\"}", "x{a=~\"\\\\Qa.b\\\\E\"}",
        "x{a=~\"\"}", "x{a=~\"]\"}",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct promql_expr *e = NULL;
        struct promql_error error;
        if (promql_parse(ok[i], strlen(ok[i]), &e, &error) != ERR_OK) {
            fail_msg("refused %s: %s (at %zu)", ok[i], error.message, error.offset);
        }
        promql_free(e);
    }
}

static void parse_number_literals_have_prometheus_values(void **state) {
    (void)state;
    assert_true(scalar("0x1F") == 31.0);
    assert_true(scalar("0X1f") == 31.0);
    assert_true(scalar("010") == 8.0); /* Go's ParseInt, base 0: octal */
    assert_true(scalar("08") == 8.0);  /* not octal: ParseFloat, decimal */
    assert_true(scalar("1e3") == 1000.0);
    assert_true(scalar("1E-3") == strtod("0.001", NULL));
    assert_true(scalar(".5") == 0.5);
    assert_true(scalar("5.") == 5.0);
    assert_true(isinf(scalar("Inf")) && scalar("Inf") > 0);
    assert_true(isinf(scalar("-inf")) && scalar("-inf") < 0);
    assert_true(isnan(scalar("NaN")));
    assert_true(scalar("0.95") == strtod("0.95", NULL));
    assert_true(scalar("9.5e-1") == scalar("0.95"));
    assert_true(scalar("95e-2") == scalar("0.95"));
    assert_true(scalar("-1") == -1.0);
    assert_true(scalar("- -1") == 1.0);
    assert_true(scalar("2 * 3 + 4") == 10.0);
    assert_true(scalar("2 + 3 * 4") == 14.0);
    assert_true(scalar("(2 + 3) * 4") == 20.0);
    assert_true(scalar("10 - 4 - 3") == 3.0); /* left-associative */
    assert_true(scalar("8 / 4 / 2") == 1.0);
    assert_true(scalar("-2 * 3") == -6.0);
    assert_true(scalar("1 > bool 2") == 0.0);
    assert_true(scalar("2 >= bool 2") == 1.0);
    assert_true(scalar("1 / 0") == INFINITY);
    assert_true(isnan(scalar("0 / 0")));
    assert_true(scalar("9223372036854775807") == 9223372036854775807.0);
    assert_true(scalar("99999999999999999999") == 1e20); /* ParseInt overflows: ParseFloat */
}

struct refusal {
    const char *expr;
    size_t offset;
    const char *part;
};

static void parse_refusals_name_the_construct_and_position(void **state) {
    (void)state;
    static const struct refusal cases[] = {
        {"rate(x[5m])", 0, "function rate() is not in mintline's rule language"},
        {"histogram_quantile(0.9, x)", 0, "histogram_quantile()"},
        {"x[5m]", 1, "range vectors and subqueries"},
        {"x[5m:1m]", 1, "range vectors"},
        {"(x)[5m:]", 3, "subqueries"},
        {"x offset 5m", 2, "offset is not in"},
        {"x @ 100", 2, "@ modifier"},
        {"foo(x)", 0, "unknown function \"foo\""},
        {"ABSENT(x)", 0, "unknown function"},
        {"avg(x)", 0, "aggregation avg"},
        {"topk(3, x)", 0, "aggregation topk"},
        {"count_values(\"v\", x)", 0, "aggregation count_values"},
        {"x % 2", 2, "operator \"%\""},
        {"x ^ 2", 2, "operator \"^\""},
        {"x atan2 y", 2, "operator \"atan2\""},
        {"x + on(a) group_left y", 10, "group_left"},
        {"x * on(a) group_right(b) y", 10, "group_right"},
        {"\"a\"", 0, "string literal"},
        {"x == \"a\"", 5, "string literal"},
        {"1 > 2", 2, "comparisons between scalars must use BOOL"},
        {"x and 1", 2, "set operator not allowed in binary scalar"},
        {"1 or x", 2, "set operator"},
        {"x + bool 1", 2, "bool modifier can only be used on comparison"},
        {"1 + on(a) x", 2, "vector matching only allowed between instant vectors"},
        {"sum(1)", 4, "expected type instant vector in aggregation expression, got scalar"},
        {"absent(1)", 7, "expected type instant vector in call to function \"absent\""},
        {"absent()", 7, "got 0"},
        {"absent(x, y)", 8, "got more"},
        {"sum(x, y)", 5, "wrong number of arguments"},
        {"sum by (a) (x) by (b)", 15, "given twice"},
        {"sum(x) by (a) by (b)", 14, "unexpected \"by\""},
        {"sum by a (x)", 4, "parenthesised label list"},
        {"sum by (1) (x)", 8, "expected a label name"},
        {"x + on(a:b) y", 7, "expected a label name"},
        {"by", 0, "unexpected keyword \"by\""},
        {"x and", 5, "unexpected end of expression"},
        {"{}", 0, "at least one non-empty matcher"},
        {"{a=\"\"}", 0, "at least one non-empty matcher"},
        {"{a=~\".*\"}", 0, "at least one non-empty matcher"},
        {"x{__name__=\"y\"}", 0, "metric name must not be set twice"},
        {"x{a=~\"(\"}", 5, "invalid regular expression: missing closing )"},
        {"x{a=~\")\"}", 5, "unexpected )"},
        {"x{a=~\"*a\"}", 5, "missing argument to repetition operator"},
        {"x{a=~\"a**\"}", 5, "nested repetition"},
        {"x{a=~\"a{1001}\"}", 5, "bad repetition count"},
        {"x{a=~\"a{3,2}\"}", 5, "bad repetition count"},
        {"x{a=~\"[b-a]\"}", 5, "invalid character class range"},
        {"x{a=~\"[a\"}", 5, "missing closing ]"},
        {"x{a=~\"\\\\pL\"}", 5, "\\p"},
        {"x{a=~\"(?s).\"}", 5, "flags"},
        {"x{a=~\"[\xc3\xa4]\"}", 5, "non-ASCII"},
        {"x{a=~\"\\\\y\"}", 5, "escape"},
        {"x{a=~\"[\\\\D]\"}", 5, "\\D, \\W and \\S inside"},
        {"x{a==\"b\"}", 3, "=, not =="},
        {"x{a=b}", 4, "expected a quoted string"},
        {"x{a}", 3, "expected =, !=, =~ or !~"},
        {"x{a=\"b\"", 7, "expected \",\" or \"}\""},
        {"x{a=\"b\" c=\"d\"}", 8, "expected \",\" or \"}\""},
        {"x{\"a\"=\"b\"}", 2, "expected a label name"},
        {"x{a:b=\"c\"}", 2, "invalid label name"},
        {"x{a=\"\\q\"}", 5, "unknown escape"},
        {"x{a='\\\"'}", 5, "inside their own quotes"},
        {"x{a=\"\\x4g\"}", 5, "bad digit"},
        {"x{a=\"\\x4\"}", 5, "cut short"},
        {"x{a=\"\\ud800\"}", 5, "not a Unicode code point"},
        {"x{a=\"\\400\"}", 5, "above \\377"},
        {"x{a=\"\\u00\"}", 5, "cut short"},
        {"\"unterminated", 0, "unterminated quoted string"},
        {"x{a=\"b\nc\"}", 4, "unterminated quoted string"},
        {"(x", 2, "expected \")\""},
        {"x)", 1, "unexpected \")\""},
        {"", 0, "unexpected end of expression"},
        {"   # only a comment", 19, "unexpected end"},
        {"x +", 3, "unexpected end of expression"},
        {"x y", 2, "unexpected \"y\""},
        {"5m", 0, "durations (\"5m\")"},
        {"1e400", 0, "bad number"},
        {"1e", 0, "bad number"},
        {"0x", 0, "bad number"},
        {"0x1g", 0, "bad number"},
        {"12abc", 0, "bad number"},
        {"x $ 1", 2, "unexpected character \"$\""},
        {"x ! 1", 2, "after \"!\""},
        {"x\x01", 1, "byte 0x01"},
        {"x{a=\"\xff\"}", 5, "not UTF-8"},
        {"x{a=\"\xc3\"}", 5, "not UTF-8"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        refused(cases[i].expr, cases[i].offset, cases[i].part);
    }
}

static void parse_nesting_and_length_are_bounded(void **state) {
    (void)state;
    char text[LIMIT_PROMQL_EXPR_BYTES + 16];
    /* 70 parentheses deep */
    size_t n = 0;
    for (int i = 0; i < 70; i++) text[n++] = '(';
    text[n++] = 'x';
    for (int i = 0; i < 70; i++) text[n++] = ')';
    text[n] = '\0';
    refused(text, 64, "nested deeper than 64");
    /* 63 deep is fine */
    n = 0;
    for (int i = 0; i < 63; i++) text[n++] = '(';
    text[n++] = 'x';
    for (int i = 0; i < 63; i++) text[n++] = ')';
    text[n] = '\0';
    struct promql_expr *e = NULL;
    struct promql_error error;
    assert_int_equal(promql_parse(text, n, &e, &error), ERR_OK);
    promql_free(e);
    /* a left-deep chain: 1+1+...+1, 80 operators (no recursion in the
     * parser, but the tree is deep) */
    n = 0;
    text[n++] = '1';
    for (int i = 0; i < 80; i++) {
        text[n++] = '+';
        text[n++] = '1';
    }
    text[n] = '\0';
    struct promql_expr *e2 = NULL;
    assert_int_equal(promql_parse(text, n, &e2, &error), ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(error.message, "nested deeper"));
    /* over the length limit */
    memset(text, ' ', LIMIT_PROMQL_EXPR_BYTES + 1);
    text[0] = 'x';
    assert_int_equal(promql_parse(text, LIMIT_PROMQL_EXPR_BYTES + 1, &e2, &error), ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(error.message, "longer than"));
    /* at the limit it parses */
    assert_int_equal(promql_parse(text, LIMIT_PROMQL_EXPR_BYTES, &e2, &error), ERR_OK);
    promql_free(e2);
}

static void parse_error_position_is_line_and_column(void **state) {
    (void)state;
    const char *expr = "mintline_reserve_ratio\n  < 1\n  and rate(x[5m])";
    struct promql_expr *e = NULL;
    struct promql_error error;
    assert_int_equal(promql_parse(expr, strlen(expr), &e, &error), ERR_INVALID_ARGUMENT);
    unsigned line = 0;
    unsigned col = 0;
    promql_error_position(expr, strlen(expr), error.offset, &line, &col);
    assert_int_equal(line, 3);
    assert_int_equal(col, 7);
    promql_error_position(expr, strlen(expr), 0, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 1);
}

static void parse_types_scalar_and_vector(void **state) {
    (void)state;
    static const struct {
        const char *expr;
        enum promql_type type;
    } cases[] = {
        {"1", PROMQL_SCALAR},      {"1 + 2", PROMQL_SCALAR}, {"(1)", PROMQL_SCALAR},
        {"-1", PROMQL_SCALAR},     {"1 > bool 2", PROMQL_SCALAR},
        {"x", PROMQL_VECTOR},      {"x + 1", PROMQL_VECTOR}, {"1 - x", PROMQL_VECTOR},
        {"sum(x)", PROMQL_VECTOR}, {"absent(x)", PROMQL_VECTOR}, {"-x", PROMQL_VECTOR},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct promql_expr *e = NULL;
        struct promql_error error;
        assert_int_equal(promql_parse(cases[i].expr, strlen(cases[i].expr), &e, &error), ERR_OK);
        if (promql_type_of(e) != cases[i].type) fail_msg("%s: wrong type", cases[i].expr);
        promql_free(e);
    }
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                         */
/* ------------------------------------------------------------------ */

static void eval_selector_matchers_select_series(void **state) {
    (void)state;
    struct series_fixture f;
    series_fixture_parse(&f, NODE);
    expect(&f, "mintline_reserve_ratio{asset=\"USDW\"}",
           "{__name__=\"mintline_reserve_ratio\",asset=\"USDW\"} 1\n");
    expect(&f, "mintline_reserve_ratio{asset!=\"USDW\"}",
           "{__name__=\"mintline_reserve_ratio\",asset=\"EURW\"} 0.95\n"
           "{__name__=\"mintline_reserve_ratio\",asset=\"GBPW\"} -1\n");
    expect(&f, "mintline_reserve_ratio{asset=~\"EUR.|GBPW\"}",
           "{__name__=\"mintline_reserve_ratio\",asset=\"EURW\"} 0.95\n"
           "{__name__=\"mintline_reserve_ratio\",asset=\"GBPW\"} -1\n");
    expect(&f, "mintline_reserve_ratio{asset!~\".*W\"}", "");
    /* anchored at both ends, as Prometheus anchors */
    expect(&f, "mintline_reserve_ratio{asset=~\"USD\"}", "");
    expect(&f, "mintline_reserve_ratio{asset=~\"SDW\"}", "");
    expect(&f, "mintline_reserve_ratio{asset=~\"U|USDW\"}",
           "{__name__=\"mintline_reserve_ratio\",asset=\"USDW\"} 1\n");
    /* a missing label is the empty string */
    expect(&f, "mintline_block_height{asset=\"\"}", "{__name__=\"mintline_block_height\"} 42\n");
    expect(&f, "mintline_block_height{asset!=\"\"}", "");
    expect(&f, "mintline_block_height{asset=~\"U*\"}", "{__name__=\"mintline_block_height\"} 42\n");
    /* selection by the name label */
    expect(&f, "{__name__=~\"mintline_(reserve_quorum_met|block_height)\", asset!=\"USDW\"}",
           "{__name__=\"mintline_block_height\"} 42\n"
           "{__name__=\"mintline_reserve_quorum_met\",asset=\"EURW\"} 1\n"
           "{__name__=\"mintline_reserve_quorum_met\",asset=\"GBPW\"} 0\n");
    expect(&f, "{__name__=\"mintline_block_height\"}", "{__name__=\"mintline_block_height\"} 42\n");
    expect(&f, "no_such_metric", "");
    expect(&f, "mintline_commands_total{op=\"mint\"}",
           "{__name__=\"mintline_commands_total\",op=\"mint\",result=\"ERR_PAUSED\"} 1\n"
           "{__name__=\"mintline_commands_total\",op=\"mint\",result=\"ok\"} 3\n");
    series_fixture_free(&f);
}

static void eval_regex_follows_re2_semantics(void **state) {
    (void)state;
    struct series_fixture f;
    series_fixture_parse(&f,
             "m{v=\"\xc3\xa9\"} 1\n"          /* é: one rune, two bytes */
             "m{v=\"\xc3\xa9\xc3\xa9\"} 2\n"
             "m{v=\"a.b\"} 3\n"
             "m{v=\"axb\"} 4\n"
             "m{v=\"12\"} 5\n"
             "m{v=\"a{\"} 6\n"
             "m{v=\"USDW\"} 7\n"
             "m{v=\"a\nb\"} 8\n"
             "m{v=\"a]\"} 9\n"
             "m{v=\"^-\"} 10\n");
    expect(&f, "sum(m{v=~\".\"})", "{} 1\n");          /* one rune */
    expect(&f, "sum(m{v=~\"[^a]\"})", "{} 1\n");       /* a negated class takes a rune */
    expect(&f, "sum(m{v=~\"\xc3\xa9+\"})", "{} 3\n");  /* the quantifier repeats the rune */
    expect(&f, "sum(m{v=~\"a\\\\.b\"})", "{} 3\n");
    expect(&f, "sum(m{v=~\"a.b\"})", "{} 7\n");
    expect(&f, "sum(m{v=~\"\\\\Qa.b\\\\E\"})", "{} 3\n");
    expect(&f, "sum(m{v=~\"\\\\d+\"})", "{} 5\n");
    expect(&f, "sum(m{v=~\"[[:digit:]]{2}\"})", "{} 5\n");
    expect(&f, "sum(m{v=~\"\\\\d{3}\"})", "");
    expect(&f, "sum(m{v=~\"a{\"})", "{} 6\n");         /* not a repetition: a literal */
    expect(&f, "sum(m{v=~\"usdw\"})", "");
    expect(&f, "sum(m{v=~\"(?i)usdw\"})", "{} 7\n");
    expect(&f, "sum(m{v=~\"US.*?\"})", "{} 7\n");      /* lazy: same whole-string match */
    expect(&f, "sum(m{v=~\"a.*\"})", "{} 22\n");       /* . is not \\n: a\\nb excluded */
    expect(&f, "sum(m{v=~\"a\\\\sb\"})", "{} 8\n");
    expect(&f, "sum(m{v=~\"a[]]\"})", "{} 9\n");
    expect(&f, "sum(m{v=~\"[\\\\^][-]\"})", "{} 10\n");
    expect(&f, "sum(m{v=~\"[\\\\^\\\\-]+\"})", "{} 10\n");
    expect(&f, "sum(m{v=~\"\\\\D+\"})", "{} 50\n");    /* all but 12 (5); \\n is a non-digit */
    expect(&f, "sum(m{v=~\"(?:a|x)+[.xb{]*\"})", "{} 13\n"); /* a.b, axb, a{ */
    series_fixture_free(&f);
}

static void eval_comparison_filters_keep_lhs_value_and_name(void **state) {
    (void)state;
    struct series_fixture f;
    series_fixture_parse(&f, NODE);
    expect(&f, "mintline_reserve_ratio < 1",
           "{__name__=\"mintline_reserve_ratio\",asset=\"EURW\"} 0.95\n"
           "{__name__=\"mintline_reserve_ratio\",asset=\"GBPW\"} -1\n");
    expect(&f, "mintline_reserve_ratio >= 1", "{__name__=\"mintline_reserve_ratio\",asset=\"USDW\"} 1\n");
    expect(&f, "mintline_reserve_ratio == 0.95", "{__name__=\"mintline_reserve_ratio\",asset=\"EURW\"} 0.95\n");
    expect(&f, "mintline_reserve_ratio != 0.95",
           "{__name__=\"mintline_reserve_ratio\",asset=\"GBPW\"} -1\n"
           "{__name__=\"mintline_reserve_ratio\",asset=\"USDW\"} 1\n");
    expect(&f, "mintline_reserve_ratio > 1", "");
    expect(&f, "mintline_reserve_ratio <= -1", "{__name__=\"mintline_reserve_ratio\",asset=\"GBPW\"} -1\n");
    /* scalar on the left: the vector's value and labels are kept */
    expect(&f, "1 > mintline_reserve_ratio",
           "{__name__=\"mintline_reserve_ratio\",asset=\"EURW\"} 0.95\n"
           "{__name__=\"mintline_reserve_ratio\",asset=\"GBPW\"} -1\n");
    /* vector against vector: matched on all labels but the name, lhs kept */
    expect(&f, "mintline_supply_base_units > mintline_reserve_ratio",
           "{__name__=\"mintline_supply_base_units\",asset=\"EURW\"} 100\n"
           "{__name__=\"mintline_supply_base_units\",asset=\"GBPW\"} 0\n"
           "{__name__=\"mintline_supply_base_units\",asset=\"USDW\"} 2500000000\n");
    expect(&f, "mintline_reserve_ratio > mintline_reserve_quorum_met", "");
    expect(&f, "mintline_reserve_quorum_met == mintline_reserve_ratio",
           "{__name__=\"mintline_reserve_quorum_met\",asset=\"USDW\"} 1\n");
    /* NaN compares false, except != */
    series_fixture_free(&f);
    series_fixture_parse(&f, "n{a=\"1\"} NaN\n");
    expect(&f, "n > 0", "");
    expect(&f, "n == n", "");
    expect(&f, "n != 0", "{__name__=\"n\",a=\"1\"} NaN\n");
    series_fixture_free(&f);
}

static void eval_bool_gives_zero_or_one_and_drops_name(void **state) {
    (void)state;
    struct series_fixture f;
    series_fixture_parse(&f, NODE);
    expect(&f, "mintline_reserve_ratio < bool 1",
           "{asset=\"EURW\"} 1\n{asset=\"GBPW\"} 1\n{asset=\"USDW\"} 0\n");
    expect(&f, "1 > bool mintline_reserve_ratio",
           "{asset=\"EURW\"} 1\n{asset=\"GBPW\"} 1\n{asset=\"USDW\"} 0\n");
    expect(&f, "mintline_reserve_quorum_met == bool mintline_reserve_ratio",
           "{asset=\"EURW\"} 0\n{asset=\"GBPW\"} 0\n{asset=\"USDW\"} 1\n");
    series_fixture_free(&f);
}

static void eval_arithmetic_drops_name_and_matches_one_to_one(void **state) {
    (void)state;
    struct series_fixture f;
    series_fixture_parse(&f, NODE);
    expect(&f, "mintline_reserve_ratio * 100",
           "{asset=\"EURW\"} 95\n{asset=\"GBPW\"} -100\n{asset=\"USDW\"} 100\n");
    expect(&f, "2 - mintline_reserve_quorum_met", "{asset=\"EURW\"} 1\n{asset=\"GBPW\"} 2\n{asset=\"USDW\"} 1\n");
    expect(&f, "mintline_supply_base_units / mintline_reserve_quorum_met",
           "{asset=\"EURW\"} 100\n{asset=\"GBPW\"} NaN\n{asset=\"USDW\"} 2500000000\n");
    expect(&f, "mintline_reserve_ratio + mintline_reserve_quorum_met - 1",
           "{asset=\"EURW\"} 0.95\n{asset=\"GBPW\"} -2\n{asset=\"USDW\"} 1\n");
    /* no match: dropped; the block height has no asset label */
    expect(&f, "mintline_reserve_ratio + mintline_block_height", "");
    expect(&f, "mintline_reserve_ratio + on() mintline_block_height",
           "error: multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
    expect(&f, "mintline_reserve_ratio{asset=\"USDW\"} + on() mintline_block_height", "{} 43\n");
    expect(&f, "mintline_reserve_ratio{asset=\"USDW\"} + ignoring(asset) mintline_block_height", "{} 43\n");
    expect(&f, "-mintline_reserve_ratio",
           "{asset=\"EURW\"} -0.95\n{asset=\"GBPW\"} 1\n{asset=\"USDW\"} -1\n");
    series_fixture_free(&f);
}

static void eval_on_and_ignoring_shape_the_result(void **state) {
    (void)state;
    struct series_fixture f;
    series_fixture_parse(&f,
             "used{asset=\"A\",kind=\"x\"} 3\n"
             "used{asset=\"B\",kind=\"y\"} 8\n"
             "limit{asset=\"A\",unit=\"u\"} 4\n"
             "limit{asset=\"B\",unit=\"u\"} 8\n");
    /* different other labels: no match without on/ignoring */
    expect(&f, "used / limit", "");
    expect(&f, "used / on(asset) limit", "{asset=\"A\"} 0.75\n{asset=\"B\"} 1\n");
    expect(&f, "used >= on(asset) limit", "{asset=\"B\"} 8\n");
    expect(&f, "used / ignoring(kind, unit) limit", "{asset=\"A\"} 0.75\n{asset=\"B\"} 1\n");
    expect(&f, "used >= ignoring(kind, unit) limit", "{__name__=\"used\",asset=\"B\"} 8\n");
    expect(&f, "used and on(asset) limit > 5", "{__name__=\"used\",asset=\"B\",kind=\"y\"} 8\n");
    series_fixture_free(&f);
}

static void eval_many_to_many_and_duplicates_refused_as_prometheus(void **state) {
    (void)state;
    struct series_fixture f;
    series_fixture_parse(&f,
             "a{x=\"1\",y=\"1\"} 1\n"
             "a{x=\"1\",y=\"2\"} 2\n"
             "b{x=\"1\"} 10\n"
             "c{x=\"1\"} 3\n");
    const char *got = eval(&f, "b + on(x) a");
    assert_non_null(strstr(got, "error: found duplicate series for the match group"));
    expect(&f, "a + on(x) b",
           "error: multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
    /* a filtered-out duplicate is no match (Prometheus checks kept ones) */
    expect(&f, "a > on(x) b", "");
    expect(&f, "a < on(x) b",
           "error: multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
    /* two series left with one label set once the name is gone */
    expect(&f, "{__name__=~\"b|c\"} * 2", "error: vector cannot contain metrics with the same labelset");
    expect(&f, "-{__name__=~\"b|c\"}", "error: vector cannot contain metrics with the same labelset");
    /* a comparison keeps the names: no collision */
    expect(&f, "{__name__=~\"b|c\"} > 2", "{__name__=\"b\",x=\"1\"} 10\n{__name__=\"c\",x=\"1\"} 3\n");
    /* an empty side is no error (Prometheus returns early) */
    expect(&f, "nothing + on(x) a", "");
    series_fixture_free(&f);
}

static void eval_and_or_unless_match_on_labels(void **state) {
    (void)state;
    struct series_fixture f;
    series_fixture_parse(&f, NODE);
    expect(&f, "mintline_reserve_ratio and mintline_reserve_quorum_met == 1",
           "{__name__=\"mintline_reserve_ratio\",asset=\"EURW\"} 0.95\n"
           "{__name__=\"mintline_reserve_ratio\",asset=\"USDW\"} 1\n");
    expect(&f, "mintline_reserve_ratio unless mintline_reserve_quorum_met == 1",
           "{__name__=\"mintline_reserve_ratio\",asset=\"GBPW\"} -1\n");
    expect(&f, "mintline_reserve_ratio < 1 or mintline_supply_base_units > 1000",
           "{__name__=\"mintline_reserve_ratio\",asset=\"EURW\"} 0.95\n"
           "{__name__=\"mintline_reserve_ratio\",asset=\"GBPW\"} -1\n"
           "{__name__=\"mintline_supply_base_units\",asset=\"USDW\"} 2500000000\n");
    expect(&f, "mintline_reserve_ratio < 1 or mintline_supply_base_units",
           "{__name__=\"mintline_reserve_ratio\",asset=\"EURW\"} 0.95\n"
           "{__name__=\"mintline_reserve_ratio\",asset=\"GBPW\"} -1\n"
           "{__name__=\"mintline_supply_base_units\",asset=\"USDW\"} 2500000000\n");
    expect(&f, "mintline_block_height and mintline_reserve_ratio", "");
    expect(&f, "mintline_block_height and on() mintline_reserve_ratio", "{__name__=\"mintline_block_height\"} 42\n");
    expect(&f, "mintline_commands_total and ignoring(result) mintline_commands_total{result=\"ERR_PAUSED\"}",
           "{__name__=\"mintline_commands_total\",op=\"mint\",result=\"ERR_PAUSED\"} 1\n"
           "{__name__=\"mintline_commands_total\",op=\"mint\",result=\"ok\"} 3\n");
    expect(&f, "mintline_reserve_ratio unless nothing",
           "{__name__=\"mintline_reserve_ratio\",asset=\"EURW\"} 0.95\n"
           "{__name__=\"mintline_reserve_ratio\",asset=\"GBPW\"} -1\n"
           "{__name__=\"mintline_reserve_ratio\",asset=\"USDW\"} 1\n");
    /* precedence: and binds tighter than or */
    expect(&f, "nothing and mintline_block_height or mintline_block_height",
           "{__name__=\"mintline_block_height\"} 42\n");
    /* the built-in reserve rule: exactly 1.0 is not a shortfall, -1 (no
     * quorum) and 0 supply are excluded */
    expect(&f, "mintline_reserve_ratio < 1 and mintline_reserve_quorum_met == 1 and mintline_supply_base_units > 0",
           "{__name__=\"mintline_reserve_ratio\",asset=\"EURW\"} 0.95\n");
    series_fixture_free(&f);
}

static void eval_aggregations_group_by_and_without(void **state) {
    (void)state;
    struct series_fixture f;
    series_fixture_parse(&f, NODE);
    expect(&f, "sum(mintline_commands_total)", "{} 9\n");
    expect(&f, "sum by (op) (mintline_commands_total)", "{op=\"burn\"} 5\n{op=\"mint\"} 4\n");
    /* groups in order of first appearance (series sorted by labels) */
    expect(&f, "sum(mintline_commands_total) by (result)", "{result=\"ok\"} 8\n{result=\"ERR_PAUSED\"} 1\n");
    expect(&f, "sum without (result) (mintline_commands_total)", "{op=\"burn\"} 5\n{op=\"mint\"} 4\n");
    expect(&f, "count(mintline_commands_total)", "{} 3\n");
    expect(&f, "count by (op) (mintline_commands_total)", "{op=\"burn\"} 1\n{op=\"mint\"} 2\n");
    expect(&f, "min(mintline_reserve_ratio)", "{} -1\n");
    expect(&f, "max(mintline_reserve_ratio)", "{} 1\n");
    expect(&f, "max by (asset) (mintline_reserve_ratio)",
           "{asset=\"EURW\"} 0.95\n{asset=\"GBPW\"} -1\n{asset=\"USDW\"} 1\n");
    expect(&f, "sum by (nolabel) (mintline_reserve_quorum_met)", "{} 2\n");
    expect(&f, "sum by (__name__) (mintline_reserve_quorum_met)", "{__name__=\"mintline_reserve_quorum_met\"} 2\n");
    expect(&f, "count({__name__=~\".+\"}) by (asset)",
           "{} 4\n{asset=\"EURW\"} 3\n{asset=\"GBPW\"} 3\n{asset=\"USDW\"} 3\n");
    expect(&f, "sum(nothing)", "");
    expect(&f, "min(mintline_reserve_ratio < 1) < 0", "{} -1\n");
    series_fixture_free(&f);
    /* NaN: max and min replace a NaN group value (engine.go) */
    series_fixture_parse(&f, "n{a=\"1\"} NaN\nn{a=\"2\"} 5\nn{a=\"3\"} 2\n");
    expect(&f, "max(n)", "{} 5\n");
    expect(&f, "min(n)", "{} 2\n");
    series_fixture_free(&f);
}

static void eval_absent_gives_equality_labels(void **state) {
    (void)state;
    struct series_fixture f;
    series_fixture_parse(&f, NODE);
    expect(&f, "absent(mintline_block_height)", "");
    expect(&f, "absent(nope)", "{} 1\n");
    expect(&f, "absent(nope{job=\"a\", instance=~\"x.*\", env=\"prod\"})", "{env=\"prod\",job=\"a\"} 1\n");
    /* a label matched twice is dropped; so is a non-equality one */
    expect(&f, "absent(nope{job=\"a\", job=\"b\", foo=\"bar\"})", "{foo=\"bar\"} 1\n");
    expect(&f, "absent(nope{job!=\"x\", job=\"a\"})", "{job=\"a\"} 1\n");
    expect(&f, "absent(nope{job=\"a\", job!=\"x\"})", "{} 1\n");
    expect(&f, "absent({__name__=\"nope\", job=\"a\"})", "{job=\"a\"} 1\n");
    expect(&f, "absent(sum(nope{job=\"a\"}))", "{} 1\n");
    expect(&f, "absent((nope{job=\"a\"}))", "{} 1\n");
    expect(&f, "absent(mintline_reserve_ratio > 5)", "{} 1\n");
    series_fixture_free(&f);
}

static void eval_scalar_expression_is_one_unlabelled_sample(void **state) {
    (void)state;
    struct series_fixture f;
    series_fixture_parse(&f, NODE);
    expect(&f, "1 + 1", "{} 2\n");
    expect(&f, "2 > bool 1", "{} 1\n");
    series_fixture_free(&f);
}

static void eval_result_labels_are_sorted_bytewise(void **state) {
    (void)state;
    struct series_fixture f;
    series_fixture_parse(&f, "m{zeta=\"1\",Alpha=\"2\",beta=\"3\"} 1\n");
    /* '_' (0x5f) sorts after 'A' (0x41), before 'b' */
    expect(&f, "m", "{Alpha=\"2\",__name__=\"m\",beta=\"3\",zeta=\"1\"} 1\n");
    series_fixture_free(&f);
}

static void set_init_refuses_malformed_series(void **state) {
    (void)state;
    struct promql_set set;
    struct promql_label unsorted[] = {{"b", "1"}, {"a", "2"}};
    struct promql_label dup[] = {{"a", "1"}, {"a", "2"}};
    struct promql_label named[] = {{"__name__", "x"}};
    struct promql_label badname[] = {{"1a", "x"}};
    struct promql_label good[] = {{"a", "1"}};
    struct promql_series s;
    s = (struct promql_series){"m", unsorted, 2, 1};
    assert_int_equal(promql_set_init(&set, &s, 1), ERR_INVALID_ARGUMENT);
    assert_int_equal(set.rows_count, 0);
    s = (struct promql_series){"m", dup, 2, 1};
    assert_int_equal(promql_set_update(&set, &s, 1), ERR_INVALID_ARGUMENT);
    s = (struct promql_series){"m", named, 1, 1};
    assert_int_equal(promql_set_update(&set, &s, 1), ERR_INVALID_ARGUMENT);
    s = (struct promql_series){"m", badname, 1, 1};
    assert_int_equal(promql_set_update(&set, &s, 1), ERR_INVALID_ARGUMENT);
    s = (struct promql_series){"9m", good, 1, 1};
    assert_int_equal(promql_set_update(&set, &s, 1), ERR_INVALID_ARGUMENT);
    struct promql_series two[2] = {{"m", good, 1, 1}, {"m", good, 1, 2}};
    assert_int_equal(promql_set_update(&set, two, 2), ERR_INVALID_ARGUMENT);
    assert_int_equal(set.rows_count, 0);
    promql_set_free(&set);
    /* an empty value is no label (Prometheus drops it) */
    struct promql_label empty[] = {{"a", ""}, {"b", "x"}};
    s = (struct promql_series){"m", empty, 2, 7};
    assert_int_equal(promql_set_init(&set, &s, 1), ERR_OK);
    struct promql_expr *e = NULL;
    struct promql_error error;
    assert_int_equal(promql_parse("m{a=\"\"}", 7, &e, &error), ERR_OK);
    struct promql_result r;
    assert_int_equal(promql_eval(e, &set, &r, &error), ERR_OK);
    assert_int_equal(r.samples_count, 1);
    assert_int_equal(r.samples[0].labels_count, 2);
    assert_null(promql_sample_label(&r.samples[0], "a"));
    assert_string_equal(promql_sample_label(&r.samples[0], "b"), "x");
    assert_string_equal(promql_sample_label(&r.samples[0], "__name__"), "m");
    promql_result_free(&r);
    promql_free(e);
    promql_set_free(&set);
    assert_int_equal(promql_set_init(&set, NULL, 0), ERR_OK);
    promql_set_free(&set);
}


static void set_update_reuses_memory_for_new_series(void **state) {
    (void)state;
    struct promql_label a[] = {{"asset", "A"}};
    struct promql_label b[] = {{"asset", "B"}};
    struct promql_series first[] = {{"m", a, 1, 1}, {"m", b, 1, 2}, {"n", a, 1, 3}};
    struct promql_series second[] = {{"m", b, 1, 20}};
    struct promql_set set;
    assert_int_equal(promql_set_init(&set, first, 3), ERR_OK);
    struct promql_expr *e = NULL;
    struct promql_error error;
    assert_int_equal(promql_parse("sum(m)", 6, &e, &error), ERR_OK);
    struct promql_result r;
    assert_int_equal(promql_eval(e, &set, &r, &error), ERR_OK);
    assert_true(r.samples[0].value == 3.0);
    promql_result_free(&r);
    struct promql_set__row *rows = set.rows;
    assert_int_equal(promql_set_update(&set, second, 1), ERR_OK);
    assert_ptr_equal(set.rows, rows); /* no new allocation when it fits */
    assert_int_equal(promql_eval(e, &set, &r, &error), ERR_OK);
    assert_true(r.samples[0].value == 20.0);
    promql_result_free(&r);
    /* a refused update leaves an empty set */
    struct promql_series twice[] = {{"m", b, 1, 1}, {"m", b, 1, 2}};
    assert_int_equal(promql_set_update(&set, twice, 2), ERR_INVALID_ARGUMENT);
    assert_int_equal(promql_eval(e, &set, &r, &error), ERR_OK);
    assert_int_equal(r.samples_count, 0);
    promql_result_free(&r);
    promql_free(e);
    promql_set_free(&set);
}

/* ------------------------------------------------------------------ */
/* Exactness at thresholds                                            */
/* ------------------------------------------------------------------ */

/* The node prints a ratio as floor(num * 1e6 / den) / 1e6 with %.6f. */
static double node_ratio(u128 num, u128 den) { return (double)u128_ratio_ppm(num, den) / 1e6; }

static void eval_reserve_ratio_exactly_one_is_not_below_one(void **state) {
    (void)state;
    char text[512];
    /* verified == supply, for amounts small and past 2^64 */
    assert_true(node_ratio(1, 1) == 1.0);
    /* u128_ratio_ppm is exact while num * 1e6 fits in 128 bits (supplies
     * below 3.4e32 base units); past that it divides first. */
    const u128 supplies[] = {1000000, 2500000000u, (u128)1 << 70, (u128)1 << 108};
    for (size_t i = 0; i < sizeof(supplies) / sizeof(supplies[0]); i++) {
        double exact = node_ratio(supplies[i], supplies[i]);
        double short_by_one = node_ratio(supplies[i] - 1, supplies[i]); /* one base unit short */
        snprintf(text, sizeof(text),
                 "mintline_reserve_ratio{asset=\"A\"} %.6f\nmintline_reserve_ratio{asset=\"B\"} %.6f\n",
                 exact, short_by_one);
        struct series_fixture f;
        series_fixture_parse(&f, text);
        assert_true(f.series[0].value == 1.0);
        expect(&f, "mintline_reserve_ratio{asset=\"A\"} < 1", "");
        expect(&f, "mintline_reserve_ratio{asset=\"A\"} >= 1", "{__name__=\"mintline_reserve_ratio\",asset=\"A\"} 1\n");
        expect(&f, "mintline_reserve_ratio{asset=\"A\"} == 1", "{__name__=\"mintline_reserve_ratio\",asset=\"A\"} 1\n");
        expect(&f, "mintline_reserve_ratio{asset=\"B\"} < 1",
               "{__name__=\"mintline_reserve_ratio\",asset=\"B\"} 0.999999\n");
        series_fixture_free(&f);
    }
}

static void eval_usage_of_exactly_95_percent_is_not_above_095(void **state) {
    (void)state;
    struct series_fixture f;
    char text[256];
    /* as the node computes it, as a division of integers, as text */
    snprintf(text, sizeof(text), "u{k=\"node\"} %.6f\nu{k=\"div\"} %.17g\nu{k=\"text\"} 0.950000\n",
             node_ratio(4750000, 5000000), 19.0 / 20.0);
    series_fixture_parse(&f, text);
    for (size_t i = 0; i < 3; i++) assert_true(f.series[i].value == 0.95);
    expect(&f, "u > 0.95", "");
    expect(&f, "count(u >= 0.95)", "{} 3\n");
    expect(&f, "count(u == 0.95)", "{} 3\n");
    expect(&f, "count(u == 95e-2)", "{} 3\n");
    expect(&f, "count(u * 100 == 95)", "{} 3\n");
    series_fixture_free(&f);
}

/* For every ratio the node can print (k / 1e6) and every threshold of the
 * built-in rules, the comparison on doubles says what the integers say. */
static void eval_every_ppm_ratio_compares_exactly_with_thresholds(void **state) {
    (void)state;
    static const struct {
        const char *text;
        uint64_t ppm;
    } thresholds[] = {
        {"0.03", 30000}, {"0.05", 50000}, {"0.1", 100000}, {"0.7", 700000}, {"0.8", 800000},
        {"0.9", 900000}, {"0.95", 950000}, {"0.98", 980000}, {"1", 1000000}, {"1.05", 1050000},
        {"1.1", 1100000}, {"1.2", 1200000},
    };
    for (uint64_t k = 0; k <= 1300000; k++) {
        double v = (double)k / 1e6;
        char printed[32];
        snprintf(printed, sizeof(printed), "%.6f", v);
        if (strtod(printed, NULL) != v) fail_msg("%llu ppm does not read back", (unsigned long long)k);
        for (size_t t = 0; t < sizeof(thresholds) / sizeof(thresholds[0]); t++) {
            double lit = strtod(thresholds[t].text, NULL);
            uint64_t tp = thresholds[t].ppm;
            if ((v < lit) != (k < tp) || (v > lit) != (k > tp) || (v == lit) != (k == tp)) {
                fail_msg("%llu ppm vs %s", (unsigned long long)k, thresholds[t].text);
            }
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_every_construct_accepted),
        cmocka_unit_test(parse_number_literals_have_prometheus_values),
        cmocka_unit_test(parse_refusals_name_the_construct_and_position),
        cmocka_unit_test(parse_nesting_and_length_are_bounded),
        cmocka_unit_test(parse_error_position_is_line_and_column),
        cmocka_unit_test(parse_types_scalar_and_vector),
        cmocka_unit_test(eval_selector_matchers_select_series),
        cmocka_unit_test(eval_regex_follows_re2_semantics),
        cmocka_unit_test(eval_comparison_filters_keep_lhs_value_and_name),
        cmocka_unit_test(eval_bool_gives_zero_or_one_and_drops_name),
        cmocka_unit_test(eval_arithmetic_drops_name_and_matches_one_to_one),
        cmocka_unit_test(eval_on_and_ignoring_shape_the_result),
        cmocka_unit_test(eval_many_to_many_and_duplicates_refused_as_prometheus),
        cmocka_unit_test(eval_and_or_unless_match_on_labels),
        cmocka_unit_test(eval_aggregations_group_by_and_without),
        cmocka_unit_test(eval_absent_gives_equality_labels),
        cmocka_unit_test(eval_scalar_expression_is_one_unlabelled_sample),
        cmocka_unit_test(eval_result_labels_are_sorted_bytewise),
        cmocka_unit_test(set_init_refuses_malformed_series),
        cmocka_unit_test(set_update_reuses_memory_for_new_series),
        cmocka_unit_test(eval_reserve_ratio_exactly_one_is_not_below_one),
        cmocka_unit_test(eval_usage_of_exactly_95_percent_is_not_above_095),
        cmocka_unit_test(eval_every_ppm_ratio_compares_exactly_with_thresholds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
