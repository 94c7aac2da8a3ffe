/*
 * promql.h - the rule language of SPEC 9: a subset of PromQL, parsed and
 * evaluated in C against the node's own series, so that an alert rule gives
 * here the alerts a Prometheus scraping /metrics gives.
 *
 * The subset: instant selectors with label matchers (= != =~ !~; regular
 * expressions anchored at both ends, as Prometheus anchors them), number
 * literals (decimal, exponent, hexadecimal, Inf, NaN), comparisons
 * (== != > < >= <=, filtering, or 0/1 with `bool`), arithmetic (+ - * /),
 * `and` / `or` / `unless`, one-to-one vector matching on all labels but the
 * name or `on(...)` / `ignoring(...)`, the aggregations sum, min, max and
 * count with `by (...)` or `without (...)`, absent(), unary minus and
 * parentheses. Everything else PromQL has (range vectors, functions other
 * than absent, offset, @, subqueries, %, ^, group_left/right, other
 * aggregations, string expressions) is refused by promql_parse with the
 * byte offset where it starts and a message that names it.
 *
 * Semantics follow Prometheus 2.x (promql/engine.go): a comparison without
 * `bool` keeps each left-hand element (its labels, name included, and its
 * value) for which it holds; `scalar OP vector` keeps the vector's value;
 * arithmetic and `bool` drop the metric name; with on(...) a one-to-one
 * result keeps only the on-labels; set operators keep the left side's
 * elements whole. Duplicate matches, many-to-many matching and results
 * with two identical label sets are evaluation errors, as in Prometheus.
 *
 * Exactness: values are IEEE doubles and every comparison is the machine's
 * exact one, with no tolerance. A literal is parsed by strtod, which rounds
 * correctly, as Go's ParseFloat does, so `0.95` here is the double
 * Prometheus gets. A ratio the node computes as floor(num * 1e6 / den) / 1e6
 * (one correctly rounded division of integers below 2^53) is the double
 * nearest the exact six-decimal quotient, as is the literal with the same
 * digits: a reserve ratio of exactly 1 is 1.0, and `< 1` is false.
 *
 * Memory: promql_parse allocates the expression (promql_free); promql_eval
 * allocates the result (promql_result_free). Nothing is global; one
 * expression may be evaluated by several threads at once.
 */
#ifndef MINTLINE_OPS_PROMQL_H
#define MINTLINE_OPS_PROMQL_H

#include <stddef.h>

#include "../base/err.h"

/* The metric name's label in results (as in Prometheus). */
#define PROMQL_NAME_LABEL "__name__"

struct promql_label {
    const char *name;
    const char *value;
};

/* One series of the input: a metric name, its other labels sorted by name
 * (bytewise, unique, none named __name__) and its value. */
struct promql_series {
    const char *name;
    const struct promql_label *labels;
    size_t labels_count;
    double value;
};

/* A set of series indexed for evaluation: ordered as Prometheus orders
 * series (by name, then label set), so that aggregations add in the same
 * order. The strings and arrays stay the caller's and must outlive the set
 * and every result evaluated on it. The memory is the set's and is reused
 * by promql_set_update: an evaluator that re-indexes each round allocates
 * nothing once its set has grown to size. */
struct promql_set {
    struct promql_set__row *rows;
    size_t rows_count;
    struct promql_label *labels; /* every row's labels, __name__ merged in */
    size_t rows_cap;
    size_t labels_cap;
    struct promql_set__row *scratch_rows;
    size_t scratch_rows_cap;
    const char **scratch_names;
    size_t scratch_names_cap;
    size_t *scratch;
    size_t scratch_cap;
};

/* promql_set_init: index count series (count may be 0) into a new set.
 * ERR_INVALID_ARGUMENT when a series' name is not a metric name, its labels
 * are not sorted and unique, a label name is invalid or __name__, or two
 * series have one name and label set; ERR_INTERNAL when out of memory. A
 * label with an empty value is no label (as in Prometheus). Whatever the
 * result, free the set with promql_set_free; after an error it holds no
 * series. */
enum err promql_set_init(struct promql_set *set, const struct promql_series *series,
                         size_t count) __attribute__((warn_unused_result));

/* promql_set_update: the same for a set already initialised, reusing its
 * memory (results evaluated on its previous series are then invalid). */
enum err promql_set_update(struct promql_set *set, const struct promql_series *series,
                           size_t count) __attribute__((warn_unused_result));
void promql_set_free(struct promql_set *set);

/* Where a parse or evaluation failed: offset is a byte offset into the
 * expression's text (for evaluation errors, the operator's), message a
 * sentence without the position. */
struct promql_error {
    size_t offset;
    char message[200];
};

/* promql_error_position: the 1-based line and column (in bytes) of offset
 * in text, for messages ("expr 1:23: ..."). */
void promql_error_position(const char *text, size_t len, size_t offset, unsigned *line,
                           unsigned *col);

struct promql_expr;

enum promql_type {
    PROMQL_SCALAR = 1,
    PROMQL_VECTOR = 2,
};

/* promql_parse: parse len bytes of text (no NUL needed). On ERR_OK *out is
 * a new expression owned by the caller. ERR_INVALID_ARGUMENT with *error
 * filled when the text is not in the subset (or longer than
 * LIMIT_PROMQL_EXPR_BYTES, or nested deeper than LIMIT_PROMQL_DEPTH);
 * ERR_INTERNAL when out of memory. *out untouched on error. */
enum err promql_parse(const char *text, size_t len, struct promql_expr **out,
                      struct promql_error *error) __attribute__((warn_unused_result));
void promql_free(struct promql_expr *expr);

/* promql_type_of: the type of the expression's result. */
enum promql_type promql_type_of(const struct promql_expr *expr);

/* One element of a result: labels sorted by name, __name__ included when
 * Prometheus keeps it. */
struct promql_sample {
    const struct promql_label *labels;
    size_t labels_count;
    double value;
};

/* A result: the vector's elements, or, for a scalar expression, one element
 * with no labels (an alerting rule over a scalar sees one series, as in
 * Prometheus). Pointers stay valid until promql_result_free, while the set
 * and the expression live. */
struct promql_result {
    struct promql_sample *samples;
    size_t samples_count;
    enum promql_type type;
    struct promql_arena *arena;
};

/* promql_eval: evaluate expr over set. ERR_OK with *out filled (free it with
 * promql_result_free); ERR_INVALID_ARGUMENT with *error for what Prometheus
 * also refuses while evaluating (many-to-many matching, a duplicate
 * match, two results with one label set); ERR_INTERNAL when out of memory.
 * *out untouched on error. */
enum err promql_eval(const struct promql_expr *expr, const struct promql_set *set,
                     struct promql_result *out, struct promql_error *error)
    __attribute__((warn_unused_result));
void promql_result_free(struct promql_result *result);

/* promql_threshold: is expr a plain threshold on metric, `metric > N` or
 * `metric >= N` (parentheses allowed; no label matchers, no `bool`, no
 * on/ignoring; N a finite number)? Returns 1 with *inclusive (1 for >=)
 * and *value, else 0 with both untouched. The console marks a usage bar
 * at N (rules_thresholds); anything else (another operator, a matcher
 * narrowing it to one asset, N on the left) is not a bar's threshold. */
int promql_threshold(const struct promql_expr *expr, const char *metric, int *inclusive,
                     double *value);

/* promql_sample_label: the value of label name in s, or NULL. */
const char *promql_sample_label(const struct promql_sample *s, const char *name);

/* promql_metric_name_valid / promql_label_name_valid: [a-zA-Z_:][a-zA-Z0-9_:]*
 * and [a-zA-Z_][a-zA-Z0-9_]*, non-empty, as Prometheus' model package. */
int promql_metric_name_valid(const char *s, size_t len);
int promql_label_name_valid(const char *s, size_t len);

#endif
