/*
 * fuzz_rules.c - the alert rules' inputs (src/ops): the rule language,
 * rule files, templates and the exposition format, all text a person or
 * a scrape supplies.
 *
 * Input: the first byte chooses what the rest is (its value mod 4):
 *   0  an expression: parsed; when accepted, evaluated over a fixed node-like
 *      series set;
 *   1  a rule file: read; when accepted, merged over the built-ins and
 *      exported, and the export read back;
 *   2  a template: parsed; when accepted, rendered;
 *   3  a scrape of /metrics: read, then indexed as a series set.
 *
 * Properties:
 *   - refusals are ERR_INVALID_ARGUMENT / ERR_INVALID_CONFIG with a message
 *     and a position inside the input;
 *   - an evaluation gives ERR_OK or ERR_INVALID_ARGUMENT with a message, and
 *     every result's labels are sorted and unique;
 *   - a rule file that is accepted exports to a file that is accepted, with
 *     as many rules as were enabled, each with the same expression;
 *   - nothing leaks, overruns or trips UBSan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/ops/expo.h"
#include "../../src/ops/promql.h"
#include "../../src/ops/rules.h"
#include "../../src/ops/tmpl.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules__series[] =
    "mintline_reserve_ratio{asset=\"USDW\"} 1\n"
    "mintline_reserve_ratio{asset=\"EURW\"} 0.95\n"
    "mintline_reserve_quorum_met{asset=\"USDW\"} 1\n"
    "mintline_reserve_quorum_met{asset=\"EURW\"} 0\n"
    "mintline_supply_base_units{asset=\"USDW\"} 2500000000\n"
    "mintline_commands_total{op=\"mint\",result=\"ok\"} 3\n"
    "mintline_commands_total{op=\"mint\",result=\"ERR_PAUSED\"} 1\n"
    "mintline_price_age_seconds{feed=\"XAU\"} 3601\n"
    "mintline_block_height 42\n"
    "m{v=\"\xc3\xa9\"} NaN\n"
    "m{v=\"a\\nb\"} +Inf\n";

static void rules__check_result(const struct promql_result *r) {
    for (size_t i = 0; i < r->samples_count; i++) {
        const struct promql_sample *s = &r->samples[i];
        for (size_t k = 1; k < s->labels_count; k++) {
            FUZZ_CHECK(strcmp(s->labels[k - 1].name, s->labels[k].name) < 0);
        }
    }
}

static void rules__expr(const char *text, size_t len, const struct promql_set *set) {
    struct promql_expr *e = NULL;
    struct promql_error error;
    enum err err = promql_parse(text, len, &e, &error);
    if (err != ERR_OK) {
        FUZZ_CHECK(err == ERR_INVALID_ARGUMENT);
        FUZZ_CHECK(error.message[0] != '\0');
        FUZZ_CHECK(error.offset <= len);
        return;
    }
    struct promql_result r;
    err = promql_eval(e, set, &r, &error);
    FUZZ_CHECK(err == ERR_OK || err == ERR_INVALID_ARGUMENT);
    if (err == ERR_OK) {
        rules__check_result(&r);
        promql_result_free(&r);
    } else {
        FUZZ_CHECK(error.message[0] != '\0');
    }
    promql_free(e);
}

static void rules__file(const char *text, size_t len) {
    struct rules user;
    struct rules_error error;
    enum err err = rules_parse("fuzz.yml", text, len, &user, &error);
    if (err != ERR_OK) {
        FUZZ_CHECK(err == ERR_INVALID_CONFIG);
        FUZZ_CHECK(strncmp(error.message, "fuzz.yml:", 9) == 0);
        return;
    }
    struct rules base;
    FUZZ_CHECK(rules_defaults(&base, &error) == ERR_OK);
    struct rules_merge_stats stats;
    err = rules_merge(&base, &user, &stats, &error);
    FUZZ_CHECK(err == ERR_OK || err == ERR_INVALID_CONFIG || err == ERR_LIMIT_REACHED);
    rules_free(&user);
    struct buf out;
    buf_init(&out);
    rules_export_prometheus(&base, &out);
    FUZZ_CHECK(buf_ok(&out));
    struct rules back;
    err = rules_parse("export.yml", (const char *)out.data, out.len, &back, &error);
    if (err != ERR_OK) fuzz_fail(error.message, __FILE__, __LINE__);
    FUZZ_CHECK(back.rules_count == rules_enabled_count(&base));
    for (size_t i = 0; i < back.rules_count; i++) {
        const struct rule *a = rules_find(&base, back.rules[i].name);
        FUZZ_CHECK(a != NULL && a->enabled && strcmp(a->expr_text, back.rules[i].expr_text) == 0);
        FUZZ_CHECK(a->action == back.rules[i].action && a->severity == back.rules[i].severity);
    }
    rules_free(&back);
    buf_free(&out);
    rules_free(&base);
}

static void rules__template(const char *text, size_t len) {
    struct tmpl *t = NULL;
    size_t at = 0;
    char why[200];
    enum err err = tmpl_parse(text, len, &t, &at, why, sizeof(why));
    if (err != ERR_OK) {
        FUZZ_CHECK(err == ERR_INVALID_ARGUMENT && at < len && why[0] != '\0');
        return;
    }
    const struct promql_label labels[] = {{"__name__", "x"}, {"asset", "USDW"}};
    static const double values[] = {0.95, -0.0, 1e300, 5e-324, 86400.5, -1e19};
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) tmpl_render(t, labels, 2, values[i], &b);
    FUZZ_CHECK(buf_ok(&b));
    buf_free(&b);
    tmpl_free(t);
}

static void rules__scrape(const char *text, size_t len) {
    struct expo e;
    unsigned line = 0;
    char why[160];
    enum err err = expo_parse(text, len, &e, &line, why, sizeof(why));
    if (err != ERR_OK) {
        FUZZ_CHECK(err == ERR_INVALID_ARGUMENT && line >= 1 && why[0] != '\0');
        return;
    }
    struct promql_set set;
    err = promql_set_init(&set, e.series, e.count);
    FUZZ_CHECK(err == ERR_OK || err == ERR_INVALID_ARGUMENT);
    promql_set_free(&set);
    expo_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static struct expo series;
    static struct promql_set set;
    static int ready;
    if (!ready) {
        unsigned line = 0;
        char why[160];
        FUZZ_CHECK(expo_parse(rules__series, sizeof(rules__series) - 1, &series, &line, why, sizeof(why)) == ERR_OK);
        FUZZ_CHECK(promql_set_init(&set, series.series, series.count) == ERR_OK);
        ready = 1;
    }
    if (size == 0) return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    switch (data[0] % 4) {
    case 0: rules__expr(text, len, &set); break;
    case 1: rules__file(text, len); break;
    case 2: rules__template(text, len); break;
    default: rules__scrape(text, len); break;
    }
    return 0;
}
