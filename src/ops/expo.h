/*
 * expo.h - the Prometheus text exposition format (version 0.0.4, what
 * GET /metrics serves) read into series for the rule language, so that
 * rules can be evaluated over a saved scrape exactly as Prometheus would
 * over the same text.
 *
 * Read: `# ...` lines (HELP, TYPE, comments) and blank lines are skipped;
 * a sample is `name[{label="value",...}] value [timestamp]`, with the
 * label-value escapes \\ \" \n, a trailing comma allowed, the value read by
 * strtod (Go's ParseFloat agrees on every value the format allows: decimals,
 * exponents, +Inf, -Inf, NaN). The timestamp is ignored (one instant).
 * Labels are sorted; a label named twice, a bad name or a missing value is
 * refused with its line (a series given twice, by promql_set_init).
 */
#ifndef MINTLINE_OPS_EXPO_H
#define MINTLINE_OPS_EXPO_H

#include <stddef.h>

#include "../base/err.h"
#include "promql.h"

struct expo {
    struct promql_series *series;
    size_t count;
    struct promql_label *labels;
    char *strings;
};

/* expo_parse: read text. ERR_OK with *out (expo_free); ERR_INVALID_ARGUMENT
 * with the 1-based line and a reason; ERR_INTERNAL when out of memory. */
enum err expo_parse(const char *text, size_t len, struct expo *out, unsigned *line, char *why,
                    size_t why_size) __attribute__((warn_unused_result));
void expo_free(struct expo *e);

#endif
