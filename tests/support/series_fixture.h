/*
 * series_fixture.h - series sets for the rule language's tests (prefix
 * series_fixture_), written in the exposition format, one series a line:
 *
 *     struct series_fixture f;
 *     series_fixture_parse(&f, "mintline_reserve_ratio{asset=\"USDW\"} 1\n");
 *     ... promql_eval(expr, &f.set, ...) ...
 *     series_fixture_free(&f);
 *
 * Labels are sorted for promql_set_init; values are read by strtod (so
 * "0.950000" is the double Prometheus reads from the same text). A
 * malformed line or a refused set fails the running test through cmocka.
 */
#ifndef MINTLINE_TESTS_SERIES_FIXTURE_H
#define MINTLINE_TESTS_SERIES_FIXTURE_H

#include <stddef.h>

#include "../../src/ops/promql.h"

#define SERIES_FIXTURE_MAX 96
#define SERIES_FIXTURE_LABELS 256

struct series_fixture {
    struct promql_series series[SERIES_FIXTURE_MAX];
    struct promql_label labels[SERIES_FIXTURE_LABELS];
    char strings[16384];
    size_t strings_used;
    size_t count;
    struct promql_set set;
};

void series_fixture_parse(struct series_fixture *f, const char *text);
void series_fixture_free(struct series_fixture *f);

/* series_fixture_render: a result as "{labels} value" lines in result
 * order (values %.15g, NaN as NaN), into out. */
void series_fixture_render(const struct promql_result *r, char *out, size_t size);

#endif
