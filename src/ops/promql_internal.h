/*
 * promql_internal.h - what the parser (promql.c), the evaluator
 * (promql_eval.c) and the regular-expression translator (promql_re.c)
 * share: the arena, the syntax tree and the indexed series set.
 */
#ifndef MINTLINE_OPS_PROMQL_INTERNAL_H
#define MINTLINE_OPS_PROMQL_INTERNAL_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "promql.h"

/* A bump allocator: everything of one expression or one evaluation is
 * freed at once. Allocation failure returns NULL. */
struct promql_arena {
    struct promql_arena__chunk *head;
};

void *promql__alloc(struct promql_arena *a, size_t size);
char *promql__strndup(struct promql_arena *a, const char *s, size_t len);
void promql__arena_free(struct promql_arena *a);

/* The series set's rows: one per input series, its labels (name included)
 * sorted bytewise. */
struct promql_set__row {
    const char *name;
    const struct promql_label *labels;
    size_t labels_count;
    double value;
};

enum promql__kind {
    PQ_NUMBER = 1,
    PQ_SELECTOR,
    PQ_NEG,
    PQ_PAREN,
    PQ_BINARY,
    PQ_AGGREGATE,
    PQ_ABSENT,
};

enum promql__op {
    PQ_ADD = 1,
    PQ_SUB,
    PQ_MUL,
    PQ_DIV,
    PQ_EQ,
    PQ_NE,
    PQ_GT,
    PQ_LT,
    PQ_GE,
    PQ_LE,
    PQ_AND,
    PQ_OR,
    PQ_UNLESS,
};

enum promql__agg {
    PQ_SUM = 1,
    PQ_MIN,
    PQ_MAX,
    PQ_COUNT,
};

enum promql__match {
    PQ_MATCH_EQ = 1,
    PQ_MATCH_NE,
    PQ_MATCH_RE,
    PQ_MATCH_NRE,
};

struct promql__matcher {
    const char *name;
    const char *value;
    enum promql__match type;
    regex_t *re; /* for =~ and !~: compiled, anchored */
};

struct promql__node {
    enum promql__kind kind;
    enum promql_type type;
    size_t offset; /* where the node's text starts (an operator's: the operator) */
    union {
        double number;
        struct {
            const char *metric; /* NULL: selected by matchers only */
            struct promql__matcher *matchers;
            size_t matchers_count;
        } selector;
        struct promql__node *operand; /* PQ_NEG, PQ_PAREN, PQ_ABSENT */
        struct {
            enum promql__op op;
            uint8_t return_bool;
            uint8_t matching;    /* on(...) or ignoring(...) was given */
            uint8_t on;          /* 1: on(...), 0: ignoring(...) */
            const char **labels; /* the on/ignoring list */
            size_t labels_count;
            struct promql__node *lhs;
            struct promql__node *rhs;
        } binary;
        struct {
            enum promql__agg op;
            uint8_t without;
            const char **labels; /* by/without list */
            size_t labels_count;
            struct promql__node *operand;
        } aggregate;
    } u;
};

/* Regular expressions compiled for one expression, freed with it. */
struct promql__regex {
    regex_t re;
    struct promql__regex *next;
};

struct promql_expr {
    struct promql_arena arena;
    struct promql__node *root;
    struct promql__regex *regexes;
};

/* promql__regex_compile: translate a Prometheus (RE2) regular expression,
 * anchored as Prometheus anchors it (^(?:re)$), into POSIX ERE and compile
 * it into re. Returns 0, or -1 with a message in why (and the offset in
 * the pattern in *at) for what RE2 refuses or the translation does not
 * cover. */
int promql__regex_compile(const char *pattern, size_t len, regex_t *re, char *why,
                          size_t why_size, size_t *at);

/* promql__regex_match: does re match the whole of s (s NUL-terminated)? */
int promql__regex_match(const regex_t *re, const char *s);

#endif
