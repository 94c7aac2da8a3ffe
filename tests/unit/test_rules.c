/*
 * test_rules.c - alert rules (src/ops/rules.h) and their templates
 * (src/ops/tmpl.h).
 *
 * Templates: Go's %v, humanizePercentage and humanizeDuration compared
 * with the outputs Prometheus' own tests expect (template/template_test.go)
 * and with strconv's rules; every action outside the subset refused.
 * Rule files: a good file read field by field, every bad case refused with
 * the file, line, rule and position; merging (replace, add, disable);
 * export read back; the built-ins load, cover SPEC 9's table, and fire on
 * a hand-built node exactly past their thresholds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <float.h>
#include <jansson.h>
#include <math.h>

#include "../../src/base/duration.h"
#include "../../src/ops/expo.h"
#include "../../src/ops/rules.h"
#include "../../src/ops/tmpl.h"
#include "../support/series_fixture.h"

/* ------------------------------------------------------------------ */
/* Templates                                                          */
/* ------------------------------------------------------------------ */

struct number_case {
    double v;
    const char *want;
};

static void tmpl_value_is_go_percent_v(void **state) {
    (void)state;
    const struct number_case cases[] = {
        {0.95, "0.95"}, {1, "1"}, {0, "0"}, {-0.0, "-0"}, {14400, "14400"}, {100000, "100000"},
        {123456, "123456"}, {1e6, "1e+06"}, {1234567, "1.234567e+06"}, {7776000, "7.776e+06"},
        {2500000000.0, "2.5e+09"}, {0.0001, "0.0001"}, {0.00001, "1e-05"}, {0.000123, "0.000123"},
        {0.1 + 0.2, "0.30000000000000004"}, {1.0 / 3, "0.3333333333333333"}, {-2.5, "-2.5"},
        {123456.7, "123456.7"}, {1e21, "1e+21"}, {1e100, "1e+100"}, {5e-324, "5e-324"},
        {DBL_MAX, "1.7976931348623157e+308"}, {0.999999, "0.999999"}, {1.05, "1.05"},
        {NAN, "NaN"}, {INFINITY, "+Inf"}, {-INFINITY, "-Inf"}, {11, "11"}, {1.5, "1.5"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[TMPL_NUMBER_SIZE];
        tmpl_format_value(cases[i].v, out);
        if (strcmp(out, cases[i].want) != 0) fail_msg("%%v of %.17g: %s, want %s", cases[i].v, out, cases[i].want);
    }
}

/* Prometheus' template_test.go: "HumanizePercentage - model.SampleValue
 * input - float64", "- int", and the special values. */
static void tmpl_humanize_percentage_matches_prometheus(void **state) {
    (void)state;
    const struct number_case cases[] = {
        {-0.22222, "-22.22%"}, {0.0, "0%"}, {0.1234567, "12.35%"}, {1.23456, "123.5%"}, {-1, "-100%"},
        {1, "100%"}, {1234567, "1.235e+08%"}, {9223372036854775807.0, "9.223e+20%"}, {0.95, "95%"},
        {0.999999, "100%"}, {0.5, "50%"}, {NAN, "NaN%"}, {INFINITY, "+Inf%"}, {-INFINITY, "-Inf%"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[TMPL_NUMBER_SIZE];
        tmpl_humanize_percentage(cases[i].v, out);
        if (strcmp(out, cases[i].want) != 0) fail_msg("%.17g: %s, want %s", cases[i].v, out, cases[i].want);
    }
}

/* Prometheus' template_test.go: "HumanizeDuration - seconds - float64",
 * "- subsecond and fractional seconds", "- int", Inf and NaN. */
static void tmpl_humanize_duration_matches_prometheus(void **state) {
    (void)state;
    const struct number_case cases[] = {
        {0, "0s"}, {1, "1s"}, {60, "1m 0s"}, {3600, "1h 0m 0s"}, {86400, "1d 0h 0m 0s"},
        {86400 + 3600, "1d 1h 0m 0s"}, {-(86400 * 2 + 3600 * 3 + 60 * 4 + 5), "-2d 3h 4m 5s"},
        {899.99, "14m 59s"}, {.1, "100ms"}, {.0001, "100us"}, {.12345, "123.5ms"}, {60.1, "1m 0s"},
        {60.5, "1m 0s"}, {1.2345, "1.234s"}, {12.345, "12.35s"}, {-1, "-1s"}, {1234567, "14d 6h 56m 7s"},
        {INFINITY, "+Inf"}, {-INFINITY, "-Inf"}, {NAN, "NaN"}, {14401, "4h 0m 1s"},
        {7776001, "90d 0h 0m 1s"}, {1e-9, "1ns"}, {-0.5, "-500ms"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[TMPL_NUMBER_SIZE];
        tmpl_humanize_duration(cases[i].v, out);
        if (strcmp(out, cases[i].want) != 0) fail_msg("%.17g: %s, want %s", cases[i].v, out, cases[i].want);
    }
}

static const char *render(const char *text, double value) {
    static char out[512];
    struct tmpl *t = NULL;
    size_t at = 0;
    char why[200];
    if (tmpl_parse(text, strlen(text), &t, &at, why, sizeof(why)) != ERR_OK) fail_msg("%s: %s", text, why);
    const struct promql_label labels[] = {{"__name__", "mintline_reserve_ratio"}, {"asset", "USDW"}};
    struct buf b;
    buf_init(&b);
    tmpl_render(t, labels, 2, value, &b);
    assert_true(buf_ok(&b));
    assert_true(b.len < sizeof(out));
    if (b.len > 0) memcpy(out, b.data, b.len);
    out[b.len] = '\0';
    buf_free(&b);
    tmpl_free(t);
    return out;
}

static void tmpl_renders_labels_and_values(void **state) {
    (void)state;
    assert_string_equal(render("plain text", 1), "plain text");
    assert_string_equal(render("", 1), "");
    assert_string_equal(render("{{ $labels.asset }} at {{ $value }}", 0.95), "USDW at 0.95");
    assert_string_equal(render("{{$labels.asset}}:{{$value|humanizePercentage}}", 0.95), "USDW:95%");
    assert_string_equal(render("{{ humanizePercentage $value }}", 0.5), "50%");
    assert_string_equal(render("{{ $value | humanizeDuration }} old", 14401), "4h 0m 1s old");
    assert_string_equal(render("{{ humanizeDuration $value }}", 90), "1m 30s");
    assert_string_equal(render("{{ $labels.__name__ }}", 1), "mintline_reserve_ratio");
    /* a missing label is empty (missingkey=zero) */
    assert_string_equal(render("[{{ $labels.chain }}]", 1), "[]");
    /* "}}" outside an action is text, as in Go */
    assert_string_equal(render("a }} b", 1), "a }} b");
    assert_string_equal(render("{{\t$value\n}}", 2), "2");
    struct tmpl *t = NULL;
    size_t at = 0;
    char why[200];
    assert_int_equal(tmpl_parse("x", 1, &t, &at, why, sizeof(why)), ERR_OK);
    assert_true(tmpl_is_plain(t));
    tmpl_free(t);
    assert_int_equal(tmpl_parse("{{ $value }}", 12, &t, &at, why, sizeof(why)), ERR_OK);
    assert_false(tmpl_is_plain(t));
    tmpl_free(t);
}

static void tmpl_refuses_everything_outside_the_subset(void **state) {
    (void)state;
    static const struct {
        const char *text;
        size_t at;
    } bad[] = {
        {"{{ .Labels.asset }}", 0}, {"x {{ $labels }}", 2}, {"{{ $value | humanize }}", 0},
        {"{{ humanize $value }}", 0}, {"{{ printf \"%f\" $value }}", 0}, {"a {{", 2},
        {"{{- $value }}", 0}, {"{{ $value -}}", 0}, {"{{ $labels.1a }}", 0}, {"{{ $labels.a-b }}", 0},
        {"{{ $externalLabels.x }}", 0}, {"{{ range . }}", 0}, {"{{/* c */}}", 0}, {"{{}}", 0},
        {"{{ $value | humanizePercentage | humanizeDuration }}", 0}, {"ok {{ $value }} {{ $x }}", 16},
        {"{{ $labels.asset.x }}", 0}, {"{{ $value humanizePercentage }}", 0},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct tmpl *t = NULL;
        size_t at = 999;
        char why[200];
        enum err err = tmpl_parse(bad[i].text, strlen(bad[i].text), &t, &at, why, sizeof(why));
        if (err == ERR_OK) {
            tmpl_free(t);
            fail_msg("accepted %s", bad[i].text);
        }
        assert_int_equal(err, ERR_INVALID_ARGUMENT);
        if (at != bad[i].at) fail_msg("%s: refused at %zu, want %zu", bad[i].text, at, bad[i].at);
    }
}

/* ------------------------------------------------------------------ */
/* Rule files                                                         */
/* ------------------------------------------------------------------ */

static const char GOOD[] =
    "groups:\n"
    "  - name: treasury\n"
    "    interval: 30s\n"
    "    rules:\n"
    "      - alert: ReserveRatioCritical\n"
    "        expr: mintline_reserve_ratio < 1\n"
    "        for: 5m\n"
    "        labels:\n"
    "          team: treasury\n"
    "          severity: critical\n"
    "        annotations:\n"
    "          summary: \"{{ $labels.asset }} at {{ $value | humanizePercentage }}\"\n"
    "          runbook: \"say \\\"stop\\\" \\\\ then\\nbreathe\"\n"
    "        action: emergency_pause\n"
    "      - alert: BigSupply\n"
    "        expr: |\n"
    "          sum by (asset) (mintline_supply_base_units) > 1e15\n"
    "        labels: {severity: warning}\n"
    "      - alert: NavStaleWarning\n"
    "        enabled: false\n"
    "      - alert: Exported\n"
    "        expr: up == 0\n"
    "        labels: {severity: critical, action: halt_minting}\n"
    "        enabled: true\n"
    "  - name: mintline.nav\n"
    "    interval: 1m\n"
    "    rules:\n"
    "      - alert: NavGone\n"
    "        expr: absent(mintline_nav_age_seconds{asset=\"AAXJF\"})\n"
    "        labels: {severity: warning}\n"
    "        action: none\n";

static void parse_ok(const char *text, struct rules *out) {
    struct rules_error error;
    enum err err = rules_parse("good.yml", text, strlen(text), out, &error);
    if (err != ERR_OK) fail_msg("refused: %s", error.message);
}

static void rules_good_file_reads_every_field(void **state) {
    (void)state;
    struct rules r;
    parse_ok(GOOD, &r);
    assert_int_equal(r.rules_count, 5);
    assert_int_equal(r.groups_count, 2);
    assert_string_equal(r.groups[0].name, "treasury");
    assert_true(r.groups[0].interval_ns == 30 * NS_PER_S);
    assert_true(r.groups[1].interval_ns == 60 * NS_PER_S);
    const struct rule *c = rules_find(&r, "ReserveRatioCritical");
    assert_non_null(c);
    assert_string_equal(c->expr_text, "mintline_reserve_ratio < 1");
    assert_non_null(c->expr);
    assert_true(c->has_for && c->for_ns == 300 * NS_PER_S);
    assert_int_equal(c->severity, RULE_CRITICAL);
    assert_int_equal(c->action, RULE_ACTION_EMERGENCY_PAUSE);
    assert_true(c->enabled);
    assert_false(c->builtin);
    assert_int_equal(c->labels_count, 2);
    assert_string_equal(c->labels[0].name, "severity"); /* sorted */
    assert_string_equal(c->labels[1].name, "team");
    assert_int_equal(c->annotations_count, 2);
    assert_string_equal(c->annotations[0].name, "summary"); /* as written */
    assert_string_equal(c->annotations[1].text, "say \"stop\" \\ then\nbreathe");
    assert_string_equal(c->source, "good.yml");
    assert_int_equal(c->line, 5);
    assert_int_equal(c->group, 0);
    const struct rule *b = rules_find(&r, "BigSupply");
    assert_string_equal(b->expr_text, "sum by (asset) (mintline_supply_base_units) > 1e15\n");
    assert_false(b->has_for);
    assert_int_equal(b->action, RULE_ACTION_NONE);
    const struct rule *d = rules_find(&r, "NavStaleWarning");
    assert_null(d->expr);
    assert_false(d->enabled);
    const struct rule *e = rules_find(&r, "Exported");
    assert_int_equal(e->action, RULE_ACTION_HALT_MINTING); /* labels.action, as an export writes it */
    assert_int_equal(e->labels_count, 1);
    assert_string_equal(e->labels[0].name, "severity");
    assert_int_equal(rules_find(&r, "NavGone")->group, 1);
    assert_null(rules_find(&r, "Nope"));
    rules_free(&r);
    /* an empty file, and empty lists, hold no rules */
    parse_ok("", &r);
    assert_int_equal(r.rules_count, 0);
    rules_free(&r);
    parse_ok("groups:\n", &r);
    assert_int_equal(r.rules_count, 0);
    rules_free(&r);
    parse_ok("groups:\n  - name: g\n    rules:\n", &r);
    assert_int_equal(r.rules_count, 0);
    rules_free(&r);
}

struct bad_file {
    const char *text;
    unsigned line;
    const char *rule;
    const char *part;
};

#define RULE_HEAD "groups:\n  - name: g\n    rules:\n      - alert: X\n"

static void rules_bad_files_refused_with_file_line_rule_and_position(void **state) {
    (void)state;
    static const struct bad_file cases[] = {
        /* syntax */
        {"groups:\n  - name: g\n    rules: [\n", 4, NULL, "bad.yml:4:"},
        {"groups: [a: b: c]\n", 1, NULL, "bad.yml:1:"},
        /* the expression: position inside it */
        {RULE_HEAD "        expr: mintline_reserve_ratio <\n        labels: {severity: warning}\n", 5, "X",
         "expr 1:25: unexpected end of expression"},
        {RULE_HEAD "        expr: rate(x[5m]) > 1\n        labels: {severity: warning}\n", 5, "X",
         "expr 1:1: the function rate() is not in mintline's rule language"},
        {RULE_HEAD "        expr: foo(x)\n        labels: {severity: warning}\n", 5, "X", "expr 1:1: unknown function \"foo\""},
        {RULE_HEAD "        expr: |\n          x\n            > 1 offset 5m\n        labels: {severity: warning}\n", 5,
         "X", "expr 2:7: offset is not in"},
        {RULE_HEAD "        expr: [x]\n        labels: {severity: warning}\n", 5, "X", "expr must be text, not a list"},
        {RULE_HEAD "        labels: {severity: warning}\n", 4, "X", "a rule needs expr"},
        /* action, for, severity */
        {RULE_HEAD "        expr: x\n        labels: {severity: warning}\n        action: page\n", 7, "X",
         "unknown action \"page\""},
        {RULE_HEAD "        expr: x\n        labels: {severity: warning, action: page}\n", 6, "X", "unknown action \"page\""},
        {RULE_HEAD "        expr: x\n        labels: {severity: warning, action: none}\n        action: halt_minting\n", 6,
         "X", "labels.action and action: disagree"},
        {RULE_HEAD "        expr: x\n        for: 5 minutes\n        labels: {severity: warning}\n", 6, "X",
         "for \"5 minutes\" is not a duration"},
        {RULE_HEAD "        expr: x\n        for: 1h30m\n        labels: {severity: warning}\n", 6, "X", "is not a duration"},
        {RULE_HEAD "        expr: x\n        labels: {team: a}\n", 6, "X", "labels.severity is required"},
        {RULE_HEAD "        expr: x\n", 4, "X", "labels.severity is required"},
        {RULE_HEAD "        expr: x\n        labels: {severity: page}\n", 6, "X", "severity is warning or critical"},
        /* names */
        {RULE_HEAD "        expr: x\n        labels: {severity: warning}\n      - alert: X\n        expr: y\n"
                   "        labels: {severity: warning}\n",
         7, "X", "duplicate alert name"},
        {"groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: x\n        labels: {severity: warning}\n"
         "  - name: h\n    rules:\n      - alert: X\n        expr: x\n        labels: {severity: warning}\n",
         9, "X", "duplicate alert name"},
        {"groups:\n  - name: g\n    rules:\n      - alert: bad name\n        expr: x\n", 4, NULL, "invalid alert name"},
        {"groups:\n  - name: g\n    rules:\n      - expr: x\n", 4, NULL, "a rule needs alert"},
        {"groups:\n  - name: g\n    rules:\n      - record: job:x:sum\n        expr: sum(x)\n", 4, "job:x:sum",
         "recording rules (record:) are not supported"},
        /* keys */
        {RULE_HEAD "        expr: x\n        labels: {severity: warning}\n        summary: hi\n", 7, "X",
         "unknown key \"summary\""},
        {RULE_HEAD "        expr: x\n        labels: {severity: warning}\n        keep_firing_for: 5m\n", 7, "X",
         "\"keep_firing_for\" is not supported"},
        {RULE_HEAD "        enabled: false\n        for: 5m\n", 4, "X", "holds only alert and enabled: false"},
        {RULE_HEAD "        expr: x\n        labels: {severity: warning}\n        enabled: maybe\n", 7, "X",
         "enabled is true or false"},
        {RULE_HEAD "        alert: Y\n", 5, NULL, "duplicate key \"alert\""},
        /* labels and annotations */
        {RULE_HEAD "        expr: x\n        labels: [severity]\n", 6, "X", "label must be a mapping"},
        {RULE_HEAD "        expr: x\n        labels: {severity: warning, 1a: b}\n", 6, "X", "invalid label name \"1a\""},
        {RULE_HEAD "        expr: x\n        labels: {severity: warning, alertname: b}\n", 6, "X",
         "\"alertname\" is set by the alert itself"},
        {RULE_HEAD "        expr: x\n        labels: {severity: warning}\n        annotations: {summary: \"{{ $value | humanize }}\"}\n",
         7, "X", "annotation summary: template at byte 0"},
        {RULE_HEAD "        expr: x\n        labels: {severity: warning}\n        annotations: {summary: [a]}\n", 7, "X",
         "summary must be text"},
        /* groups and the top level */
        {"groups:\n  - name: g\n  - name: g\n", 3, NULL, "duplicate group name \"g\""},
        {"groups:\n  - rules: []\n", 2, NULL, "a group needs name"},
        {"groups:\n  - name: g\n    interval: 10\n", 3, NULL, "interval \"10\" is not a duration"},
        {"groups:\n  - name: g\n    interval: 0s\n", 3, NULL, "interval must be longer than 0s"},
        {"groups:\n  - name: g\n    limit: 10\n", 3, NULL, "\"limit\" is not supported"},
        {"groups:\n  - name: g\n    rules: {a: b}\n", 3, NULL, "rules must be a list"},
        {"groups:\n  - name: g\n    rules:\n      - just text\n", 4, NULL, "a rule must be a mapping"},
        {"groups:\n  - just text\n", 2, NULL, "a group must be a mapping"},
        {"- a\n- b\n", 1, NULL, "a rule file is a mapping with groups:"},
        {"groups: 3\n", 1, NULL, "groups must be a list"},
        {"rules: []\n", 1, NULL, "top level: unknown key \"rules\""},
        {"groups:\n  - &a {name: g}\n  - *a\n", 3, NULL, "aliases are not accepted"},
        {"groups: []\n---\ngroups: []\n", 2, NULL, "one YAML document only"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rules r;
        struct rules_error error;
        const char *text = cases[i].text;
        enum err err = rules_parse("bad.yml", text, strlen(text), &r, &error);
        if (err == ERR_OK) {
            rules_free(&r);
            fail_msg("accepted case %zu:\n%s", i, text);
        }
        assert_int_equal(err, ERR_INVALID_CONFIG);
        char head[32];
        snprintf(head, sizeof(head), "bad.yml:%u:", cases[i].line);
        int ok = strncmp(error.message, head, strlen(head)) == 0 && error.line == cases[i].line &&
                 strstr(error.message, cases[i].part) != NULL;
        if (cases[i].rule != NULL) {
            char named[160];
            snprintf(named, sizeof(named), "rule \"%s\": ", cases[i].rule);
            ok = ok && strstr(error.message, named) != NULL && strcmp(error.rule, cases[i].rule) == 0;
        }
        if (!ok) fail_msg("case %zu: \"%s\"; want line %u, rule %s, \"%s\"", i, error.message, cases[i].line,
                          cases[i].rule ? cases[i].rule : "-", cases[i].part);
    }
}

static void rules_expr_error_carries_offset(void **state) {
    (void)state;
    const char *text = RULE_HEAD "        expr: x > 1 and y[5m]\n        labels: {severity: warning}\n";
    struct rules r;
    struct rules_error error;
    assert_int_equal(rules_parse("f.yml", text, strlen(text), &r, &error), ERR_INVALID_CONFIG);
    assert_int_equal(error.expr_offset, 11);
    assert_int_equal(error.line, 5);
    assert_int_equal(error.col, 15);
    assert_string_equal(error.rule, "X");
    assert_string_equal(error.message,
                        "f.yml:5:15: rule \"X\": expr 1:12: range vectors and subqueries ([...]) are not in "
                        "mintline's rule language (SPEC 9)");
}

static void rules_limit_on_rule_count(void **state) {
    (void)state;
    size_t size = 64 + (size_t)(LIMIT_RULES + 1) * 80;
    char *text = malloc(size);
    assert_non_null(text);
    size_t used = (size_t)snprintf(text, size, "groups:\n  - name: g\n    rules:\n");
    for (unsigned i = 0; i <= LIMIT_RULES; i++) {
        used += (size_t)snprintf(text + used, size - used,
                                 "      - {alert: R%u, expr: x, labels: {severity: warning}}\n", i);
    }
    struct rules r;
    struct rules_error error;
    assert_int_equal(rules_parse("big.yml", text, used, &r, &error), ERR_INVALID_CONFIG);
    assert_non_null(strstr(error.message, "more than 512 rules"));
    /* one fewer is fine */
    char *cut = strstr(text, "      - {alert: R512,");
    assert_non_null(cut);
    assert_int_equal(rules_parse("big.yml", text, (size_t)(cut - text), &r, &error), ERR_OK);
    assert_int_equal(r.rules_count, LIMIT_RULES);
    rules_free(&r);
    free(text);
}

static void rules_load_file_reports_io_and_size(void **state) {
    (void)state;
    struct rules r;
    struct rules_error error;
    assert_int_equal(rules_load_file("/nonexistent/rules.yml", &r, &error), ERR_IO);
    assert_non_null(strstr(error.message, "cannot read /nonexistent/rules.yml"));
    assert_int_equal(rules_load_file("/", &r, &error), ERR_IO);
    char path[] = "/tmp/test_rules_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_true(write(fd, GOOD, strlen(GOOD)) == (ssize_t)strlen(GOOD));
    assert_int_equal(rules_load_file(path, &r, &error), ERR_OK);
    assert_int_equal(r.rules_count, 5);
    assert_string_equal(r.rules[0].source, path);
    rules_free(&r);
    /* past the size limit */
    char *pad = calloc(1, LIMIT_RULES_FILE_BYTES);
    assert_non_null(pad);
    memset(pad, '#', LIMIT_RULES_FILE_BYTES);
    assert_true(write(fd, pad, LIMIT_RULES_FILE_BYTES) == (ssize_t)LIMIT_RULES_FILE_BYTES);
    free(pad);
    close(fd);
    assert_int_equal(rules_load_file(path, &r, &error), ERR_INVALID_CONFIG);
    assert_non_null(strstr(error.message, "larger than"));
    unlink(path);
}

/* ------------------------------------------------------------------ */
/* The built-ins                                                      */
/* ------------------------------------------------------------------ */

struct builtin {
    const char *name;
    enum rule_severity severity;
    enum rule_action action;
    const char *expr;
};

/* SPEC 9's table and the lines under it, one rule per threshold. */
static const struct builtin BUILTINS[] = {
    {"NavStaleWarning", RULE_WARNING, RULE_ACTION_NONE, "mintline_nav_age_seconds > 7200"},
    {"NavStaleCritical", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM, "mintline_nav_age_seconds > 14400"},
    {"NavDeviationWarning", RULE_WARNING, RULE_ACTION_NONE, "mintline_nav_deviation_ratio > 0.05"},
    {"NavDeviationCritical", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM, "mintline_nav_deviation_ratio > 0.1"},
    {"DailyMintUsageWarning", RULE_WARNING, RULE_ACTION_NONE, "mintline_daily_mint_usage_ratio > 0.8"},
    {"DailyMintUsageCritical", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM, "mintline_daily_mint_usage_ratio > 0.95"},
    {"DailyInflowUsageWarning", RULE_WARNING, RULE_ACTION_NONE, "mintline_daily_inflow_usage_ratio > 0.8"},
    {"DailyInflowUsageCritical", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM, "mintline_daily_inflow_usage_ratio > 0.95"},
    {"SupplyCapUsageWarning", RULE_WARNING, RULE_ACTION_NONE, "mintline_supply_cap_usage_ratio > 0.9"},
    {"SupplyCapUsageCritical", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM, "mintline_supply_cap_usage_ratio > 0.98"},
    {"ReserveRatioWarning", RULE_WARNING, RULE_ACTION_ALERT_TEAM,
     "mintline_reserve_ratio < 1.05 and mintline_reserve_quorum_met == 1 and mintline_supply_base_units > 0"},
    {"ReserveRatioCritical", RULE_CRITICAL, RULE_ACTION_HALT_MINTING,
     "mintline_reserve_ratio < 1 and mintline_reserve_quorum_met == 1 and mintline_supply_base_units > 0"},
    {"ReserveQuorumNotMet", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM,
     "mintline_reserve_quorum_met == 0 and mintline_supply_base_units > 0"},
    {"ReserveReportsStale", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM, "mintline_reserve_reports_stale > 0"},
    {"ReserveDeviationWarning", RULE_WARNING, RULE_ACTION_NONE, "mintline_reserve_deviation_ratio > 0.03"},
    {"ReserveDeviationCritical", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM, "mintline_reserve_deviation_ratio > 0.05"},
    {"VaultHealthWarning", RULE_WARNING, RULE_ACTION_ALERT_TEAM, "mintline_vault_health_min_ratio < 1.2"},
    {"VaultHealthCritical", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM, "mintline_vault_health_min_ratio < 1.1"},
    {"VaultDebtCeilingWarning", RULE_WARNING, RULE_ACTION_NONE, "mintline_vault_debt_ceiling_usage_ratio > 0.9"},
    {"CollateralFeedStale", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM, "mintline_price_age_seconds > 3600"},
    {"BridgeSuccessRateWarning", RULE_WARNING, RULE_ACTION_NONE, "mintline_bridge_success_ratio < 0.95"},
    {"BridgeSuccessRateCritical", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM, "mintline_bridge_success_ratio < 0.9"},
    {"BridgeSettlementSlow", RULE_WARNING, RULE_ACTION_NONE, "mintline_bridge_settlement_p95_seconds > 3600"},
    {"BridgeBufferBroken", RULE_WARNING, RULE_ACTION_NONE,
     "mintline_bridge_buffer_balance_base_units < mintline_bridge_buffer_required_base_units"},
    {"BridgeBufferProjectedBreak", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM,
     "mintline_bridge_buffer_projected_base_units < mintline_bridge_buffer_minimum_base_units"},
    {"HolderLimitWarning", RULE_WARNING, RULE_ACTION_NONE, "mintline_holder_limit_usage_ratio >= 0.7"},
    {"HolderLimitCritical", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM, "mintline_holder_limit_usage_ratio >= 0.9"},
    {"FailedCommandsWarning", RULE_WARNING, RULE_ACTION_NONE, "mintline_failed_commands_ratio > 0.05 and mintline_commands_recent >= 20"},
    {"FailedCommandsCritical", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM, "mintline_failed_commands_ratio > 0.1 and mintline_commands_recent >= 20"},
    {"OperatorKeyAgeWarning", RULE_WARNING, RULE_ACTION_NONE, "mintline_operator_key_age_seconds > 6912000"},
    {"OperatorKeyAgeCritical", RULE_CRITICAL, RULE_ACTION_ALERT_TEAM, "mintline_operator_key_age_seconds > 7776000"},
    {"BackupTooOld", RULE_WARNING, RULE_ACTION_ALERT_TEAM, "mintline_backup_age_seconds > 93600"},
    {"BackupFailing", RULE_WARNING, RULE_ACTION_ALERT_TEAM, "mintline_backup_failures_consecutive >= 3"},
};
#define BUILTINS_COUNT (sizeof(BUILTINS) / sizeof(BUILTINS[0]))

static void rules_defaults_cover_spec_thresholds(void **state) {
    (void)state;
    struct rules r;
    struct rules_error error;
    assert_int_equal(rules_defaults(&r, &error), ERR_OK);
    assert_int_equal(r.rules_count, BUILTINS_COUNT);
    for (size_t i = 0; i < BUILTINS_COUNT; i++) {
        const struct rule *x = rules_find(&r, BUILTINS[i].name);
        if (x == NULL) fail_msg("no built-in %s", BUILTINS[i].name);
        assert_string_equal(x->expr_text, BUILTINS[i].expr);
        if (x->severity != BUILTINS[i].severity || x->action != BUILTINS[i].action) fail_msg("%s", x->name);
        assert_true(x->builtin && x->enabled && !x->has_for);
        assert_string_equal(x->source, "built-in");
        int summary = 0;
        for (size_t k = 0; k < x->annotations_count; k++) summary |= strcmp(x->annotations[k].name, "summary") == 0;
        if (!summary) fail_msg("%s has no summary", x->name);
    }
    assert_int_equal(rules_enabled_count(&r), BUILTINS_COUNT);
    rules_free(&r);
}

/* A node's series just at and just past every threshold. */
static const char NODE_SERIES[] =
    "mintline_nav_age_seconds{asset=\"FA\"} 7200\n"
    "mintline_nav_age_seconds{asset=\"FB\"} 7201\n"
    "mintline_nav_age_seconds{asset=\"FC\"} 14401\n"
    "mintline_nav_age_seconds{asset=\"FD\"} 14401\n" /* never had a NAV: counted from the genesis */
    "mintline_nav_present{asset=\"FD\"} 0\n"
    "mintline_nav_deviation_ratio{asset=\"FA\"} 0.050000\n"
    "mintline_nav_deviation_ratio{asset=\"FB\"} 0.100001\n"
    "mintline_daily_mint_usage_ratio{asset=\"USDW\"} 0.950000\n"
    "mintline_daily_mint_usage_ratio{asset=\"EURW\"} 0.950001\n"
    "mintline_daily_inflow_usage_ratio{asset=\"USDW\"} 0.800000\n"
    "mintline_daily_inflow_usage_ratio{asset=\"EURW\"} 0.800001\n"
    "mintline_supply_cap_usage_ratio{asset=\"USDW\"} 0.980000\n"
    "mintline_supply_cap_usage_ratio{asset=\"EURW\"} 0.900000\n"
    "mintline_reserve_ratio{asset=\"USDW\"} 1.000000\n"
    "mintline_reserve_ratio{asset=\"EURW\"} 0.999999\n"
    "mintline_reserve_ratio{asset=\"JPYW\"} 0.000000\n"
    "mintline_reserve_ratio{asset=\"CHFW\"} 1.049999\n"
    "mintline_reserve_ratio{asset=\"CADW\"} 1.050000\n"
    "mintline_reserve_quorum_met{asset=\"USDW\"} 1\n"
    "mintline_reserve_quorum_met{asset=\"EURW\"} 1\n"
    "mintline_reserve_quorum_met{asset=\"GBPW\"} 0\n"
    "mintline_reserve_quorum_met{asset=\"JPYW\"} 1\n"
    "mintline_reserve_quorum_met{asset=\"CHFW\"} 1\n"
    "mintline_reserve_quorum_met{asset=\"CADW\"} 1\n"
    "mintline_supply_base_units{asset=\"USDW\"} 1000000\n"
    "mintline_supply_base_units{asset=\"EURW\"} 1000000\n"
    "mintline_supply_base_units{asset=\"GBPW\"} 5\n"
    "mintline_supply_base_units{asset=\"JPYW\"} 0\n"
    "mintline_supply_base_units{asset=\"CHFW\"} 1000000\n"
    "mintline_supply_base_units{asset=\"CADW\"} 1000000\n"
    "mintline_reserve_reports_stale{asset=\"USDW\"} 0\n"
    "mintline_reserve_reports_stale{asset=\"GBPW\"} 2\n"
    "mintline_reserve_deviation_ratio{asset=\"USDW\"} 0.030000\n"
    "mintline_reserve_deviation_ratio{asset=\"EURW\"} 0.050000\n"
    "mintline_vault_health_min_ratio{vault_type=\"XAU-A\"} 1.100000\n"
    "mintline_vault_health_min_ratio{vault_type=\"XAU-B\"} 1.200000\n"
    "mintline_vault_debt_ceiling_usage_ratio{vault_type=\"XAU-A\"} 0.900001\n"
    "mintline_price_age_seconds{feed=\"XAU\"} 3600\n"
    "mintline_price_age_seconds{feed=\"OLD\"} 3601\n"
    "mintline_bridge_success_ratio{asset=\"USDW\",chain=\"651940\"} 0.900000\n"
    "mintline_bridge_settlement_p95_seconds{asset=\"USDW\",chain=\"651940\"} 3601\n"
    "mintline_bridge_buffer_balance_base_units{asset=\"USDW\",chain=\"651940\"} 100\n"
    "mintline_bridge_buffer_required_base_units{asset=\"USDW\",chain=\"651940\"} 100\n"
    "mintline_bridge_buffer_minimum_base_units{asset=\"USDW\",chain=\"651940\"} 100\n"
    "mintline_bridge_buffer_projected_base_units{asset=\"USDW\",chain=\"651940\"} 99\n"
    "mintline_holder_limit_usage_ratio{asset=\"SA\"} 0.700000\n"
    "mintline_holder_limit_usage_ratio{asset=\"SB\"} 0.900000\n"
    "mintline_holder_limit_usage_ratio{asset=\"SC\"} 0.699999\n"
    "mintline_failed_commands_ratio 0.100000\n"
    "mintline_commands_total{op=\"mint\",result=\"ok\"} 90\n"
    "mintline_commands_total{op=\"mint\",result=\"ERR_PAUSED\"} 10\n"
    "mintline_commands_recent 20\n"
    "mintline_operator_key_age_seconds{operator=\"alice\"} 7776000\n"
    "mintline_operator_key_age_seconds{operator=\"bob\"} 7776001\n";

/* What fires: the rule's name and the series' identifying labels. */
static const char *const NODE_FIRING[] = {
    "NavStaleWarning{asset=FB}", "NavStaleWarning{asset=FC}", "NavStaleCritical{asset=FC}",
    "NavStaleWarning{asset=FD}", "NavStaleCritical{asset=FD}",
    "NavDeviationWarning{asset=FB}", "NavDeviationCritical{asset=FB}",
    "DailyMintUsageWarning{asset=EURW}", "DailyMintUsageWarning{asset=USDW}",
    "DailyMintUsageCritical{asset=EURW}", "DailyInflowUsageWarning{asset=EURW}",
    "SupplyCapUsageWarning{asset=USDW}",
    "ReserveRatioWarning{asset=CHFW}", "ReserveRatioWarning{asset=EURW}", "ReserveRatioWarning{asset=USDW}", "ReserveRatioCritical{asset=EURW}",
    "ReserveQuorumNotMet{asset=GBPW}", "ReserveReportsStale{asset=GBPW}", "ReserveDeviationWarning{asset=EURW}",
    "VaultHealthWarning{vault_type=XAU-A}", "VaultDebtCeilingWarning{vault_type=XAU-A}",
    "CollateralFeedStale{feed=OLD}", "BridgeSuccessRateWarning{asset=USDW,chain=651940}",
    "BridgeSettlementSlow{asset=USDW,chain=651940}", "BridgeBufferProjectedBreak{asset=USDW,chain=651940}",
    "HolderLimitWarning{asset=SA}", "HolderLimitWarning{asset=SB}", "HolderLimitCritical{asset=SB}",
    "FailedCommandsWarning{}", "OperatorKeyAgeWarning{operator=alice}", "OperatorKeyAgeWarning{operator=bob}", "OperatorKeyAgeCritical{operator=bob}",
};

static int str_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void rules_defaults_fire_exactly_past_thresholds(void **state) {
    (void)state;
    struct rules r;
    struct rules_error error;
    assert_int_equal(rules_defaults(&r, &error), ERR_OK);
    struct series_fixture f;
    series_fixture_parse(&f, NODE_SERIES);
    char *fired[128];
    size_t n = 0;
    for (size_t i = 0; i < r.rules_count; i++) {
        struct promql_result res;
        struct promql_error pe;
        if (promql_eval(r.rules[i].expr, &f.set, &res, &pe) != ERR_OK) fail_msg("%s: %s", r.rules[i].name, pe.message);
        for (size_t k = 0; k < res.samples_count; k++) {
            char key[256];
            size_t used = (size_t)snprintf(key, sizeof(key), "%s{", r.rules[i].name);
            int first = 1;
            for (size_t j = 0; j < res.samples[k].labels_count; j++) {
                const struct promql_label *l = &res.samples[k].labels[j];
                if (strcmp(l->name, "__name__") == 0) continue;
                used += (size_t)snprintf(key + used, sizeof(key) - used, "%s%s=%s", first ? "" : ",", l->name, l->value);
                first = 0;
            }
            snprintf(key + used, sizeof(key) - used, "}");
            assert_true(n < 128);
            fired[n++] = strdup(key);
        }
        promql_result_free(&res);
    }
    size_t want_n = sizeof(NODE_FIRING) / sizeof(NODE_FIRING[0]);
    const char *want[64];
    memcpy(want, NODE_FIRING, sizeof(NODE_FIRING));
    qsort(fired, n, sizeof(*fired), str_cmp);
    qsort(want, want_n, sizeof(*want), str_cmp);
    for (size_t i = 0; i < n || i < want_n; i++) {
        const char *got = i < n ? fired[i] : "(none)";
        const char *exp = i < want_n ? want[i] : "(none)";
        if (strcmp(got, exp) != 0) fail_msg("firing #%zu: %s, want %s", i, got, exp);
    }
    for (size_t i = 0; i < n; i++) free(fired[i]);
    /* the critical reserve alert's summary, as Prometheus renders it */
    const struct rule *c = rules_find(&r, "ReserveRatioCritical");
    const struct promql_label labels[] = {{"__name__", "mintline_reserve_ratio"}, {"asset", "EURW"}};
    struct buf b;
    buf_init(&b);
    for (size_t k = 0; k < c->annotations_count; k++) {
        if (strcmp(c->annotations[k].name, "summary") == 0) tmpl_render(c->annotations[k].tmpl, labels, 2, 0.999999, &b);
    }
    buf_put(&b, "", 1);
    assert_string_equal((const char *)b.data, "EURW reserve ratio is 0.999999: minting halted");
    buf_free(&b);
    series_fixture_free(&f);
    rules_free(&r);
}

/* ------------------------------------------------------------------ */
/* Merging and export                                                 */
/* ------------------------------------------------------------------ */

static void rules_merge_replaces_adds_and_disables(void **state) {
    (void)state;
    struct rules base;
    struct rules user;
    struct rules_error error;
    assert_int_equal(rules_defaults(&base, &error), ERR_OK);
    size_t groups_before = base.groups_count;
    parse_ok(GOOD, &user);
    struct rules_merge_stats stats;
    assert_int_equal(rules_merge(&base, &user, &stats, &error), ERR_OK);
    assert_int_equal(user.rules_count, 0);
    rules_free(&user);
    assert_int_equal(stats.added, 3);
    assert_int_equal(stats.replaced, 1);
    assert_int_equal(stats.disabled, 1);
    assert_int_equal(base.rules_count, BUILTINS_COUNT + 3);
    assert_int_equal(rules_enabled_count(&base), BUILTINS_COUNT + 2);
    const struct rule *c = rules_find(&base, "ReserveRatioCritical");
    assert_int_equal(c->action, RULE_ACTION_EMERGENCY_PAUSE);
    assert_false(c->builtin);
    assert_string_equal(base.groups[c->group].name, "treasury");
    const struct rule *d = rules_find(&base, "NavStaleWarning");
    assert_false(d->enabled);
    assert_true(d->builtin);
    assert_non_null(d->expr); /* the built-in's definition stays, disabled */
    /* "mintline.nav" is a built-in group: the file's rule joins it and its interval wins */
    const struct rule *g = rules_find(&base, "NavGone");
    assert_string_equal(base.groups[g->group].name, "mintline.nav");
    assert_true(base.groups[g->group].interval_ns == 60 * NS_PER_S);
    assert_int_equal(base.groups_count, groups_before + 1);
    rules_free(&base);
}

static void rules_merge_refuses_disabling_an_unknown_rule_and_changes_nothing(void **state) {
    (void)state;
    struct rules base;
    struct rules user;
    struct rules_error error;
    assert_int_equal(rules_defaults(&base, &error), ERR_OK);
    const char *text = "groups:\n  - name: g\n    rules:\n      - alert: New\n        expr: x\n"
                       "        labels: {severity: warning}\n      - alert: NoSuchRule\n        enabled: false\n";
    assert_int_equal(rules_parse("off.yml", text, strlen(text), &user, &error), ERR_OK);
    struct rules_merge_stats stats;
    assert_int_equal(rules_merge(&base, &user, &stats, &error), ERR_INVALID_CONFIG);
    assert_string_equal(error.message,
                        "off.yml:7: rule \"NoSuchRule\": enabled: false without expr disables a built-in rule, "
                        "and there is none of that name");
    assert_int_equal(base.rules_count, BUILTINS_COUNT);
    assert_int_equal(rules_enabled_count(&base), BUILTINS_COUNT);
    assert_null(rules_find(&base, "New"));
    assert_int_equal(user.rules_count, 2);
    rules_free(&user);
    rules_free(&base);
}

/* The export reads back (labels.action is the action) to the same rules. */
static void rules_export_reads_back_to_the_same_rules(void **state) {
    (void)state;
    struct rules base;
    struct rules user;
    struct rules_error error;
    assert_int_equal(rules_defaults(&base, &error), ERR_OK);
    parse_ok(GOOD, &user);
    struct rules_merge_stats stats;
    assert_int_equal(rules_merge(&base, &user, &stats, &error), ERR_OK);
    rules_free(&user);
    struct buf out;
    buf_init(&out);
    rules_export_prometheus(&base, &out);
    assert_true(buf_ok(&out));
    struct rules back;
    if (rules_parse("export.yml", (const char *)out.data, out.len, &back, &error) != ERR_OK) {
        fail_msg("%s", error.message);
    }
    assert_int_equal(back.rules_count, rules_enabled_count(&base));
    assert_null(rules_find(&back, "NavStaleWarning")); /* disabled: left out */
    for (size_t i = 0; i < base.rules_count; i++) {
        const struct rule *a = &base.rules[i];
        if (!a->enabled) continue;
        const struct rule *b = rules_find(&back, a->name);
        assert_non_null(b);
        assert_string_equal(a->expr_text, b->expr_text);
        assert_int_equal(a->severity, b->severity);
        assert_int_equal(a->action, b->action);
        assert_int_equal(a->has_for, b->has_for);
        assert_true(a->for_ns == b->for_ns);
        assert_string_equal(base.groups[a->group].name, back.groups[b->group].name);
        assert_true(base.groups[a->group].interval_ns == back.groups[b->group].interval_ns);
        assert_int_equal(a->labels_count, b->labels_count);
        for (size_t k = 0; k < a->labels_count; k++) {
            assert_string_equal(a->labels[k].name, b->labels[k].name);
            assert_string_equal(a->labels[k].text, b->labels[k].text);
        }
        assert_int_equal(a->annotations_count, b->annotations_count);
        for (size_t k = 0; k < a->annotations_count; k++) {
            assert_string_equal(a->annotations[k].name, b->annotations[k].name);
            assert_string_equal(a->annotations[k].text, b->annotations[k].text);
        }
    }
    /* the shape Prometheus reads: action as a label, no mintline keys */
    buf_put(&out, "", 1);
    const char *text = (const char *)out.data;
    assert_non_null(strstr(text, "      - alert: \"ReserveRatioCritical\"\n"
                                 "        expr: \"mintline_reserve_ratio < 1\"\n"
                                 "        for: 5m\n"
                                 "        labels:\n"
                                 "          \"action\": \"emergency_pause\"\n"
                                 "          \"severity\": \"critical\"\n"
                                 "          \"team\": \"treasury\"\n"));
    assert_non_null(strstr(text, "  - name: \"treasury\"\n    interval: 30s\n    rules:\n"));
    assert_non_null(strstr(text, "\"runbook\": \"say \\\"stop\\\" \\\\ then\\nbreathe\"\n"));
    assert_null(strstr(text, "enabled"));
    assert_null(strstr(text, "\n        action:"));
    rules_free(&back);
    buf_free(&out);
    rules_free(&base);
    /* nothing enabled: an empty list, not a null */
    struct rules none;
    parse_ok("groups:\n  - name: g\n    rules:\n      - {alert: A, expr: x, labels: {severity: warning}, enabled: false}\n",
             &none);
    buf_init(&out);
    rules_export_prometheus(&none, &out);
    buf_put(&out, "", 1);
    assert_non_null(strstr((const char *)out.data, "\ngroups: []\n"));
    buf_free(&out);
    rules_free(&none);
}

static void assert_mark(const struct rules_threshold *t, double value, int inclusive,
                        const char *rule) {
    assert_true(t->present);
    assert_true(t->value == value);
    assert_int_equal(t->inclusive, inclusive);
    assert_string_equal(t->rule, rule);
}

static void rules_thresholds_of_the_defaults_are_the_runbooks(void **state) {
    (void)state;
    struct rules r;
    struct rules_error error;
    assert_int_equal(rules_defaults(&r, &error), ERR_OK);
    struct rules_bar_thresholds t[RULES_BAR__COUNT];
    rules_thresholds(&r, t);
    assert_mark(&t[RULES_BAR_SUPPLY_CAP].warning, 0.9, 0, "SupplyCapUsageWarning");
    assert_mark(&t[RULES_BAR_SUPPLY_CAP].critical, 0.98, 0, "SupplyCapUsageCritical");
    assert_mark(&t[RULES_BAR_DAILY_MINT].warning, 0.8, 0, "DailyMintUsageWarning");
    assert_mark(&t[RULES_BAR_DAILY_MINT].critical, 0.95, 0, "DailyMintUsageCritical");
    assert_mark(&t[RULES_BAR_DAILY_NET_INFLOW].warning, 0.8, 0, "DailyInflowUsageWarning");
    assert_mark(&t[RULES_BAR_DAILY_NET_INFLOW].critical, 0.95, 0, "DailyInflowUsageCritical");
    assert_mark(&t[RULES_BAR_NAV_AGE].warning, 7200, 0, "NavStaleWarning");
    assert_mark(&t[RULES_BAR_NAV_AGE].critical, 14400, 0, "NavStaleCritical");
    assert_mark(&t[RULES_BAR_VAULT_DEBT_CEILING].warning, 0.9, 0, "VaultDebtCeilingWarning");
    assert_int_equal(t[RULES_BAR_VAULT_DEBT_CEILING].critical.present, 0); /* the ceiling refuses; no alert */
    assert_string_equal(rules_bar_name(RULES_BAR_NAV_AGE), "nav_age_s");
    assert_string_equal(rules_bar_metric(RULES_BAR_DAILY_NET_INFLOW),
                        "mintline_daily_inflow_usage_ratio");
    rules_free(&r);
}

/* An override moves a mark; a disabled rule, a compound or asset-narrowed
 * expression, `bool` or the number on the left leave no mark; of two rules
 * of one severity the lower threshold (>= first at one value) wins. */
static void rules_thresholds_follow_an_override(void **state) {
    (void)state;
    struct rules base;
    struct rules user;
    struct rules_error error;
    struct rules_merge_stats stats;
    assert_int_equal(rules_defaults(&base, &error), ERR_OK);
    parse_ok("groups:\n"
             "  - name: ops\n"
             "    rules:\n"
             "      - alert: SupplyCapUsageWarning\n"
             "        expr: (mintline_supply_cap_usage_ratio > 0.5)\n"
             "        labels: {severity: warning}\n"
             "      - {alert: SupplyCapUsageCritical, enabled: false}\n"
             "      - alert: SupplyCapEarly\n"
             "        expr: mintline_supply_cap_usage_ratio{asset=\"USDW\"} > 0.1\n"
             "        labels: {severity: critical}\n"
             "      - alert: DailyMintUsageCritical\n"
             "        expr: mintline_daily_mint_usage_ratio > 0.95 and mintline_supply_base_units > 0\n"
             "        labels: {severity: critical}\n"
             "      - alert: DailyMintBool\n"
             "        expr: mintline_daily_mint_usage_ratio > bool 0.2\n"
             "        labels: {severity: critical}\n"
             "      - alert: DailyMintLeft\n"
             "        expr: 0.3 < mintline_daily_mint_usage_ratio\n"
             "        labels: {severity: critical}\n"
             "      - alert: NavOlder\n"
             "        expr: mintline_nav_age_seconds >= 3600\n"
             "        labels: {severity: warning}\n"
             "      - alert: NavOlderToo\n"
             "        expr: mintline_nav_age_seconds > 3600\n"
             "        labels: {severity: warning}\n",
             &user);
    assert_int_equal(rules_merge(&base, &user, &stats, &error), ERR_OK);
    rules_free(&user);
    struct rules_bar_thresholds t[RULES_BAR__COUNT];
    rules_thresholds(&base, t);
    assert_mark(&t[RULES_BAR_SUPPLY_CAP].warning, 0.5, 0, "SupplyCapUsageWarning");
    assert_false(t[RULES_BAR_SUPPLY_CAP].critical.present);
    assert_mark(&t[RULES_BAR_DAILY_MINT].warning, 0.8, 0, "DailyMintUsageWarning");
    assert_false(t[RULES_BAR_DAILY_MINT].critical.present);
    assert_mark(&t[RULES_BAR_NAV_AGE].warning, 3600, 1, "NavOlder");
    assert_mark(&t[RULES_BAR_NAV_AGE].critical, 14400, 0, "NavStaleCritical");

    struct buf out;
    buf_init(&out);
    struct jw w;
    jw_init(&w, &out);
    rules_write_json(&base, &w);
    assert_true(buf_ok(&out));
    json_error_t je;
    json_t *doc = json_loadb((const char *)out.data, out.len, 0, &je);
    assert_non_null(doc);
    json_t *th = json_object_get(doc, "thresholds");
    json_t *cap = json_object_get(th, "supply_cap");
    json_t *cap_warning = json_object_get(cap, "warning");
    assert_string_equal(json_string_value(json_object_get(cap, "metric")),
                        "mintline_supply_cap_usage_ratio");
    assert_true(json_real_value(json_object_get(cap_warning, "value")) == 0.5);
    assert_string_equal(json_string_value(json_object_get(cap_warning, "op")), ">");
    assert_true(json_is_null(json_object_get(cap, "critical")));
    json_t *nav_warning = json_object_get(json_object_get(th, "nav_age_s"), "warning");
    assert_int_equal(json_integer_value(json_object_get(nav_warning, "value")), 3600);
    assert_string_equal(json_string_value(json_object_get(nav_warning, "op")), ">=");
    json_decref(doc);
    buf_free(&out);
    rules_free(&base);
}

static void rules_json_lists_every_rule(void **state) {
    (void)state;
    struct rules r;
    struct rules_error error;
    assert_int_equal(rules_defaults(&r, &error), ERR_OK);
    struct buf out;
    buf_init(&out);
    struct jw w;
    jw_init(&w, &out);
    rules_write_json(&r, &w);
    assert_true(buf_ok(&out));
    json_error_t je;
    json_t *doc = json_loadb((const char *)out.data, out.len, 0, &je);
    assert_non_null(doc);
    json_t *list = json_object_get(doc, "rules");
    assert_int_equal(json_array_size(list), BUILTINS_COUNT);
    json_t *first = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(first, "name")), "NavStaleWarning");
    assert_string_equal(json_string_value(json_object_get(first, "group")), "mintline.nav");
    assert_string_equal(json_string_value(json_object_get(first, "severity")), "warning");
    assert_string_equal(json_string_value(json_object_get(first, "action")), "none");
    assert_string_equal(json_string_value(json_object_get(first, "for")), "0s");
    assert_true(json_is_true(json_object_get(first, "enabled")));
    assert_true(json_is_true(json_object_get(first, "builtin")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(first, "labels"), "severity")), "warning");
    assert_non_null(json_object_get(json_object_get(first, "annotations"), "summary"));
    json_decref(doc);
    buf_free(&out);
    rules_free(&r);
}


/* ------------------------------------------------------------------ */
/* Scrapes and alerts                                                 */
/* ------------------------------------------------------------------ */

static void expo_reads_the_exposition_format(void **state) {
    (void)state;
    const char *text = "# HELP mintline_x A help text.\n"
                       "# TYPE mintline_x gauge\n"
                       "\n"
                       "mintline_x{b=\"2\",a=\"q\\\"uo\\\\te\\nline\",} 1.5e3 1700000000000\n"
                       "  mintline_y 7\n"
                       "mintline_z{ a = \"1\" } +Inf\n"
                       "mintline_z{a=\"2\"} -Inf -5\n"
                       "mintline_z{a=\"3\"}\tNaN\n"
                       "mintline_w{le=\"+Inf\"} 0.000001";
    struct expo e;
    unsigned line = 0;
    char why[160];
    assert_int_equal(expo_parse(text, strlen(text), &e, &line, why, sizeof(why)), ERR_OK);
    assert_int_equal(e.count, 6);
    assert_string_equal(e.series[0].name, "mintline_x");
    assert_int_equal(e.series[0].labels_count, 2);
    assert_string_equal(e.series[0].labels[0].name, "a"); /* sorted */
    assert_string_equal(e.series[0].labels[0].value, "q\"uo\\te\nline");
    assert_string_equal(e.series[0].labels[1].value, "2");
    assert_true(e.series[0].value == 1500.0);
    assert_string_equal(e.series[1].name, "mintline_y");
    assert_int_equal(e.series[1].labels_count, 0);
    assert_true(isinf(e.series[2].value) && e.series[2].value > 0);
    assert_true(isinf(e.series[3].value) && e.series[3].value < 0);
    assert_true(isnan(e.series[4].value));
    assert_true(e.series[5].value == 0.000001);
    struct promql_set set;
    assert_int_equal(promql_set_init(&set, e.series, e.count), ERR_OK);
    promql_set_free(&set);
    expo_free(&e);
}

static void expo_refuses_malformed_lines_with_their_line(void **state) {
    (void)state;
    static const struct {
        const char *text;
        unsigned line;
        const char *part;
    } bad[] = {
        {"x 1\ny\n", 2, "expected a value"},
        {"x{a=\"1\" 2\n", 1, "expected , or }"},
        {"x{a=1} 2\n", 1, "quoted label value"},
        {"x{a=\"1} 2\n", 1, "quoted label value"},
        {"x{a=\"\\t\"} 2\n", 1, "quoted label value"},
        {"x{1a=\"1\"} 2\n", 1, "expected a label name"},
        {"x{a=\"1\",a=\"2\"} 2\n", 1, "a label given twice"},
        {"# ok\n\nx 1 2 3\n", 3, "unexpected text after the value"},
        {"x one\n", 1, "not a number"},
        {"x 0x10\n", 1, "not a number"},
        {"9x 1\n", 1, "expected a metric name"},
        {"{a=\"1\"} 1\n", 1, "expected a metric name"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct expo e;
        unsigned line = 0;
        char why[160];
        enum err err = expo_parse(bad[i].text, strlen(bad[i].text), &e, &line, why, sizeof(why));
        if (err == ERR_OK) {
            expo_free(&e);
            fail_msg("accepted: %s", bad[i].text);
        }
        if (err != ERR_INVALID_ARGUMENT || line != bad[i].line || strstr(why, bad[i].part) == NULL) {
            fail_msg("%s: line %u \"%s\"; want line %u \"%s\"", bad[i].text, line, why, bad[i].line, bad[i].part);
        }
    }
}

static const char *alert_labels(const struct rule_alert *a, char *out, size_t size) {
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < a->labels_count; k++) {
        used += (size_t)snprintf(out + used, size - used, "%s%s=%s", k ? "," : "", a->labels[k].name,
                                 a->labels[k].value);
    }
    return out;
}

static void rule_alerts_built_as_prometheus_builds_them(void **state) {
    (void)state;
    const char *file =
        "groups:\n  - name: g\n    rules:\n"
        "      - alert: Low\n"
        "        expr: mintline_reserve_ratio < 1\n"
        "        labels: {severity: critical, asset: \"{{ $labels.asset }}-x\", gone: \"{{ $labels.none }}\",\n"
        "                 team: treasury, kind: \"\"}\n"
        "        annotations: {summary: \"{{ $labels.__name__ }} {{ $value | humanizePercentage }}\", b: plain}\n"
        "        action: halt_minting\n"
        "      - alert: Clash\n"
        "        expr: mintline_reserve_ratio\n"
        "        labels: {severity: warning, asset: same}\n";
    struct rules r;
    parse_ok(file, &r);
    struct series_fixture f;
    series_fixture_parse(&f, "mintline_reserve_ratio{asset=\"USDW\",kind=\"fiat\"} 0.5\n"
                             "mintline_reserve_ratio{asset=\"EURW\",kind=\"fiat\"} 1\n");
    struct rule_alert *a = NULL;
    size_t n = 0;
    struct promql_error error;
    assert_int_equal(rule_alerts_eval(rules_find(&r, "Low"), &f.set, &a, &n, &error), ERR_OK);
    assert_int_equal(n, 1);
    char text[512];
    /* __name__ dropped, the rule's labels over the series' (an empty one
     * removes the label), action, alertname; sorted */
    assert_string_equal(alert_labels(&a[0], text, sizeof(text)),
                        "action=halt_minting,alertname=Low,asset=USDW-x,severity=critical,team=treasury");
    assert_int_equal(a[0].annotations_count, 2);
    assert_string_equal(a[0].annotations[0].name, "summary");
    assert_string_equal(a[0].annotations[0].value, "mintline_reserve_ratio 50%");
    assert_string_equal(a[0].annotations[1].value, "plain");
    assert_true(a[0].value == 0.5);
    rule_alerts_free(a, n);
    /* two series, one label set once the rule's labels are applied */
    assert_int_equal(rule_alerts_eval(rules_find(&r, "Clash"), &f.set, &a, &n, &error), ERR_INVALID_ARGUMENT);
    assert_string_equal(error.message, "vector contains metrics with the same labelset after applying alert labels");
    series_fixture_free(&f);
    rules_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tmpl_value_is_go_percent_v),
        cmocka_unit_test(tmpl_humanize_percentage_matches_prometheus),
        cmocka_unit_test(tmpl_humanize_duration_matches_prometheus),
        cmocka_unit_test(tmpl_renders_labels_and_values),
        cmocka_unit_test(tmpl_refuses_everything_outside_the_subset),
        cmocka_unit_test(rules_good_file_reads_every_field),
        cmocka_unit_test(rules_bad_files_refused_with_file_line_rule_and_position),
        cmocka_unit_test(rules_expr_error_carries_offset),
        cmocka_unit_test(rules_limit_on_rule_count),
        cmocka_unit_test(rules_load_file_reports_io_and_size),
        cmocka_unit_test(rules_defaults_cover_spec_thresholds),
        cmocka_unit_test(rules_defaults_fire_exactly_past_thresholds),
        cmocka_unit_test(rules_merge_replaces_adds_and_disables),
        cmocka_unit_test(rules_merge_refuses_disabling_an_unknown_rule_and_changes_nothing),
        cmocka_unit_test(rules_export_reads_back_to_the_same_rules),
        cmocka_unit_test(rules_json_lists_every_rule),
        cmocka_unit_test(rules_thresholds_of_the_defaults_are_the_runbooks),
        cmocka_unit_test(rules_thresholds_follow_an_override),
        cmocka_unit_test(expo_reads_the_exposition_format),
        cmocka_unit_test(expo_refuses_malformed_lines_with_their_line),
        cmocka_unit_test(rule_alerts_built_as_prometheus_builds_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
