/*
 * promql_eval.c - evaluation of the rule language over a series set, with
 * Prometheus 2.x's semantics (promql/engine.go: VectorscalarBinop,
 * VectorBinop, VectorAnd/Or/Unless, aggregation, absent) at one instant.
 *
 * Everything an evaluation allocates lives in one arena the result owns.
 * Label sets are arrays sorted by name; a derived set (a dropped name, a
 * grouping) is a new array of pointers to the same strings. Matching uses
 * a hash of the labels that take part (FNV-1a), confirmed by comparing
 * them, so equal signatures are exactly Prometheus' equal signatures.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promql_internal.h"

/* ------------------------------------------------------------------ */
/* The series set                                                       */
/* ------------------------------------------------------------------ */

/* strcmp, with the shortcut the node's shared string literals allow. */
static int promql__str_cmp(const char *a, const char *b) { return a == b ? 0 : strcmp(a, b); }

static int promql__labels_cmp(const struct promql_label *a, size_t an, const struct promql_label *b,
                              size_t bn) {
    for (size_t i = 0; i < an && i < bn; i++) {
        int c = promql__str_cmp(a[i].name, b[i].name);
        if (c != 0) return c;
        c = promql__str_cmp(a[i].value, b[i].value);
        if (c != 0) return c;
    }
    return an < bn ? -1 : an > bn ? 1 : 0;
}

static int promql__row_cmp(const void *pa, const void *pb) {
    const struct promql_set__row *a = pa;
    const struct promql_set__row *b = pb;
    int c = promql__str_cmp(a->name, b->name);
    if (c != 0) return c;
    return promql__labels_cmp(a->labels, a->labels_count, b->labels, b->labels_count);
}

/* Copy one series' labels, __name__ merged in order and empty values
 * dropped (an empty label is no label, as in Prometheus). */
static int promql__row_fill(const struct promql_series *s, struct promql_label *out, size_t *count) {
    size_t n = 0;
    int named = 0;
    for (size_t k = 0; k < s->labels_count; k++) {
        const struct promql_label *l = &s->labels[k];
        if (l->name == NULL || l->value == NULL) return -1;
        if (!promql_label_name_valid(l->name, strlen(l->name))) return -1;
        if (strcmp(l->name, PROMQL_NAME_LABEL) == 0) return -1;
        if (k > 0 && strcmp(s->labels[k - 1].name, l->name) >= 0) return -1;
        if (!named && strcmp(PROMQL_NAME_LABEL, l->name) < 0) {
            out[n++] = (struct promql_label){PROMQL_NAME_LABEL, s->name};
            named = 1;
        }
        if (l->value[0] != '\0') out[n++] = *l;
    }
    if (!named) out[n++] = (struct promql_label){PROMQL_NAME_LABEL, s->name};
    *count = n;
    return 0;
}

static uint64_t promql__fnv(uint64_t h, const char *s);

/* The metrics' names: each series' group (distinct name), by hashing. */
struct promql__names {
    size_t *slots; /* group + 1; 0 empty */
    size_t mask;
    const char **name; /* per group */
    size_t *size;      /* series per group */
    size_t *at;        /* a group's first row once placed */
    size_t count;
};

static size_t promql__name_group(struct promql__names *g, const char *name) {
    size_t k = (size_t)promql__fnv(UINT64_C(14695981039346656037), name) & g->mask;
    while (g->slots[k] != 0) {
        size_t id = g->slots[k] - 1;
        if (promql__str_cmp(g->name[id], name) == 0) return id;
        k = (k + 1) & g->mask;
    }
    g->slots[k] = g->count + 1;
    g->name[g->count] = name;
    g->size[g->count] = 0;
    return g->count++;
}

static int promql__group_cmp(const void *a, const void *b, void *names) {
    const char *const *n = names;
    return strcmp(n[*(const size_t *)a], n[*(const size_t *)b]);
}

/* Order rows by (name, labels) as Prometheus orders series: group by name
 * (hashing), groups in name order, each group in input order unless it
 * needs sorting. `group` holds each input row's group; out is filled. */
static void promql__order(struct promql__names *g, const size_t *group, const struct promql_set__row *in,
                          size_t count, struct promql_set__row *out, size_t *order) {
    for (size_t i = 0; i < g->count; i++) order[i] = i;
    qsort_r(order, g->count, sizeof(*order), promql__group_cmp, (void *)g->name);
    size_t next = 0;
    for (size_t i = 0; i < g->count; i++) {
        g->at[order[i]] = next;
        next += g->size[order[i]];
    }
    for (size_t i = 0; i < count; i++) out[g->at[group[i]]++] = in[i];
    size_t from = 0;
    for (size_t i = 0; i < g->count; i++) {
        size_t n = g->size[order[i]];
        int sorted = 1;
        for (size_t k = from + 1; sorted && k < from + n; k++) sorted = promql__row_cmp(&out[k - 1], &out[k]) < 0;
        if (!sorted) qsort(out + from, n, sizeof(*out), promql__row_cmp);
        from += n;
    }
}

/* p grown to hold n items of size bytes (at least one): p itself when it
 * is large enough, else the reallocation (*cap updated), or NULL (p left
 * as it was) when out of memory. */
static void *promql__grow(void *p, size_t *cap, size_t n, size_t size) {
    if (n == 0) n = 1;
    if (n <= *cap) return p;
    void *q = realloc(p, n * size);
    if (q != NULL) *cap = n;
    return q;
}

/* Room in set for count series of total labels and for ordering them
 * (work_words of scratch). 0, or -1 when out of memory. */
static int promql__set_room(struct promql_set *set, size_t count, size_t total, size_t work_words) {
    void *q = promql__grow(set->rows, &set->rows_cap, count, sizeof(*set->rows));
    if (q == NULL) return -1;
    set->rows = q;
    q = promql__grow(set->labels, &set->labels_cap, total, sizeof(*set->labels));
    if (q == NULL) return -1;
    set->labels = q;
    q = promql__grow(set->scratch_rows, &set->scratch_rows_cap, count, sizeof(*set->scratch_rows));
    if (q == NULL) return -1;
    set->scratch_rows = q;
    q = promql__grow(set->scratch_names, &set->scratch_names_cap, count, sizeof(*set->scratch_names));
    if (q == NULL) return -1;
    set->scratch_names = q;
    q = promql__grow(set->scratch, &set->scratch_cap, work_words, sizeof(*set->scratch));
    if (q == NULL) return -1;
    set->scratch = q;
    return 0;
}

enum err promql_set_init(struct promql_set *set, const struct promql_series *series, size_t count) {
    memset(set, 0, sizeof(*set));
    return promql_set_update(set, series, count);
}

enum err promql_set_update(struct promql_set *set, const struct promql_series *series, size_t count) {
    set->rows_count = 0;
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (series[i].name == NULL || !promql_metric_name_valid(series[i].name, strlen(series[i].name))) {
            return ERR_INVALID_ARGUMENT;
        }
        total += series[i].labels_count + 1;
    }
    size_t cap = 8;
    while (cap < 2 * count) cap *= 2;
    /* The rows and labels, then what ordering them needs: the rows in
     * input order, each one's group, the name table, the groups' sizes,
     * places and order. */
    size_t work_words = count + cap + 3 * count + 1;
    if (promql__set_room(set, count, total, work_words) != 0) return ERR_INTERNAL;
    struct promql_set__row *in = set->scratch_rows;
    size_t *group = set->scratch;
    struct promql__names g = {.slots = group + count, .mask = cap - 1, .name = set->scratch_names};
    g.size = g.slots + cap;
    g.at = g.size + count;
    size_t *order = g.at + count;
    memset(g.slots, 0, cap * sizeof(*g.slots));
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        size_t n = 0;
        if (promql__row_fill(&series[i], set->labels + used, &n) != 0) return ERR_INVALID_ARGUMENT;
        in[i] = (struct promql_set__row){series[i].name, set->labels + used, n, series[i].value};
        used += n;
        group[i] = promql__name_group(&g, series[i].name);
        g.size[group[i]]++;
    }
    promql__order(&g, group, in, count, set->rows, order);
    for (size_t i = 1; i < count; i++) {
        if (promql__row_cmp(&set->rows[i - 1], &set->rows[i]) == 0) return ERR_INVALID_ARGUMENT; /* twice */
    }
    set->rows_count = count;
    return ERR_OK;
}

void promql_set_free(struct promql_set *set) {
    free(set->rows);
    free(set->labels);
    free(set->scratch_rows);
    free(set->scratch_names);
    free(set->scratch);
    memset(set, 0, sizeof(*set));
}

/* ------------------------------------------------------------------ */
/* Values                                                               */
/* ------------------------------------------------------------------ */

struct promql__vec {
    struct promql_sample *s;
    size_t n;
};

struct promql__val {
    enum promql_type type;
    double scalar;
    struct promql__vec vec;
};

struct promql__eval {
    struct promql_arena *arena;
    const struct promql_set *set;
    struct promql_error *error;
    int failed;
};

static void promql__eval_fail(struct promql__eval *ev, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void promql__eval_fail(struct promql__eval *ev, size_t offset, const char *fmt, ...) {
    if (ev->failed) return;
    ev->failed = 1;
    ev->error->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->error->message, sizeof(ev->error->message), fmt, ap);
    va_end(ap);
}

static void *promql__eval_alloc(struct promql__eval *ev, size_t size) {
    void *p = promql__alloc(ev->arena, size ? size : 1);
    if (p == NULL && !ev->failed) {
        ev->failed = 2; /* out of memory */
        snprintf(ev->error->message, sizeof(ev->error->message), "out of memory");
    }
    return p;
}

static const char *promql__get(const struct promql_label *l, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(l[i].name, name) == 0) return l[i].value;
    }
    return NULL;
}

const char *promql_sample_label(const struct promql_sample *s, const char *name) {
    return promql__get(s->labels, s->labels_count, name);
}

static int promql__listed(const char *const *list, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], name) == 0) return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Signatures: which labels take part in matching                       */
/* ------------------------------------------------------------------ */

struct promql__sig {
    int on;                 /* 1: only `names`; 0: all but __name__ and `names` */
    const char *const *names;
    size_t names_count;
};

static int promql__sig_takes(const struct promql__sig *g, const char *name) {
    if (g->on) return promql__listed(g->names, g->names_count, name);
    if (strcmp(name, PROMQL_NAME_LABEL) == 0) return 0;
    return !promql__listed(g->names, g->names_count, name);
}

static uint64_t promql__fnv(uint64_t h, const char *s) {
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    h ^= 0xff;
    h *= UINT64_C(1099511628211);
    return h;
}

static uint64_t promql__sig_hash(const struct promql__sig *g, const struct promql_sample *s) {
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < s->labels_count; i++) {
        if (!promql__sig_takes(g, s->labels[i].name)) continue;
        h = promql__fnv(h, s->labels[i].name);
        h = promql__fnv(h, s->labels[i].value);
    }
    return h;
}

/* Are a and b equal on the labels g takes? (Both sorted by name.) */
static int promql__sig_equal(const struct promql__sig *g, const struct promql_sample *a,
                             const struct promql_sample *b) {
    size_t i = 0;
    size_t j = 0;
    for (;;) {
        while (i < a->labels_count && !promql__sig_takes(g, a->labels[i].name)) i++;
        while (j < b->labels_count && !promql__sig_takes(g, b->labels[j].name)) j++;
        if (i == a->labels_count || j == b->labels_count) {
            return i == a->labels_count && j == b->labels_count;
        }
        if (strcmp(a->labels[i].name, b->labels[j].name) != 0) return 0;
        if (strcmp(a->labels[i].value, b->labels[j].value) != 0) return 0;
        i++;
        j++;
    }
}

/* An open-addressing table of sample indexes by signature. */
struct promql__table {
    size_t *slots; /* index + 1; 0 empty */
    uint64_t *hashes;
    size_t mask;
};

static int promql__table_init(struct promql__eval *ev, struct promql__table *t, size_t n) {
    size_t cap = 8;
    while (cap < 2 * n) cap *= 2;
    t->slots = promql__eval_alloc(ev, cap * sizeof(*t->slots));
    t->hashes = promql__eval_alloc(ev, cap * sizeof(*t->hashes));
    t->mask = cap - 1;
    return t->slots != NULL && t->hashes != NULL ? 0 : -1;
}

/* Find the sample of vec with s's signature: its index, or (size_t)-1;
 * *slot is where s's signature goes when it is new. */
static size_t promql__table_find(const struct promql__table *t, const struct promql__sig *g,
                                 const struct promql__vec *vec, const struct promql_sample *s,
                                 uint64_t h, size_t *slot) {
    size_t k = (size_t)h & t->mask;
    while (t->slots[k] != 0) {
        size_t idx = t->slots[k] - 1;
        if (t->hashes[k] == h && promql__sig_equal(g, &vec->s[idx], s)) return idx;
        k = (k + 1) & t->mask;
    }
    *slot = k;
    return (size_t)-1;
}

static void promql__table_put(struct promql__table *t, size_t slot, uint64_t h, size_t idx) {
    t->slots[slot] = idx + 1;
    t->hashes[slot] = h;
}

/* A readable form of labels for messages: {a="b", c="d"}, cut to size. */
static void promql__labels_text(const struct promql_sample *s, char *out, size_t size) {
    size_t used = (size_t)snprintf(out, size, "{");
    for (size_t i = 0; i < s->labels_count && used < size; i++) {
        used += (size_t)snprintf(out + used, size - used, "%s%s=\"%s\"", i ? ", " : "",
                                 s->labels[i].name, s->labels[i].value);
    }
    if (used < size) snprintf(out + used, size - used, "}");
}

/* Prometheus refuses a vector with two elements of one label set. */
static int promql__check_unique(struct promql__eval *ev, const struct promql__vec *v, size_t offset) {
    if (v->n < 2) return 0;
    struct promql__table t;
    if (promql__table_init(ev, &t, v->n) != 0) return -1;
    for (size_t i = 0; i < v->n; i++) {
        uint64_t h = UINT64_C(14695981039346656037);
        for (size_t k = 0; k < v->s[i].labels_count; k++) {
            h = promql__fnv(promql__fnv(h, v->s[i].labels[k].name), v->s[i].labels[k].value);
        }
        size_t k = (size_t)h & t.mask;
        while (t.slots[k] != 0) {
            const struct promql_sample *o = &v->s[t.slots[k] - 1];
            if (t.hashes[k] == h && promql__labels_cmp(o->labels, o->labels_count, v->s[i].labels,
                                                       v->s[i].labels_count) == 0) {
                promql__eval_fail(ev, offset, "vector cannot contain metrics with the same labelset");
                return -1;
            }
            k = (k + 1) & t.mask;
        }
        promql__table_put(&t, k, h, i);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Label sets                                                           */
/* ------------------------------------------------------------------ */

/* s's labels without __name__ (a new array when it had one). */
static int promql__drop_name(struct promql__eval *ev, struct promql_sample *s) {
    size_t at = s->labels_count;
    for (size_t i = 0; i < s->labels_count; i++) {
        if (strcmp(s->labels[i].name, PROMQL_NAME_LABEL) == 0) at = i;
    }
    if (at == s->labels_count) return 0;
    struct promql_label *l = promql__eval_alloc(ev, sizeof(*l) * s->labels_count);
    if (l == NULL) return -1;
    size_t n = 0;
    for (size_t i = 0; i < s->labels_count; i++) {
        if (i != at) l[n++] = s->labels[i];
    }
    s->labels = l;
    s->labels_count = n;
    return 0;
}

/* s's labels filtered: keep those in names (keep = 1) or drop them (0). */
static int promql__filter(struct promql__eval *ev, struct promql_sample *s, const char *const *names,
                          size_t names_count, int keep) {
    struct promql_label *l = promql__eval_alloc(ev, sizeof(*l) * (s->labels_count + 1));
    if (l == NULL) return -1;
    size_t n = 0;
    for (size_t i = 0; i < s->labels_count; i++) {
        if (promql__listed(names, names_count, s->labels[i].name) == keep) l[n++] = s->labels[i];
    }
    s->labels = l;
    s->labels_count = n;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Selectors                                                            */
/* ------------------------------------------------------------------ */

static int promql__matcher_ok(const struct promql__matcher *m, const struct promql_set__row *r) {
    const char *v = promql__get(r->labels, r->labels_count, m->name);
    if (v == NULL) v = "";
    switch (m->type) {
    case PQ_MATCH_EQ:
        return strcmp(v, m->value) == 0;
    case PQ_MATCH_NE:
        return strcmp(v, m->value) != 0;
    case PQ_MATCH_RE:
        return promql__regex_match(m->re, v);
    case PQ_MATCH_NRE:
        return !promql__regex_match(m->re, v);
    }
    return 0;
}

/* The rows whose name is `name`: [*from, *to). */
static void promql__name_range(const struct promql_set *set, const char *name, size_t *from,
                               size_t *to) {
    size_t lo = 0;
    size_t hi = set->rows_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(set->rows[mid].name, name) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    size_t end = lo;
    while (end < set->rows_count && strcmp(set->rows[end].name, name) == 0) end++;
    *from = lo;
    *to = end;
}

static int promql__selector(struct promql__eval *ev, const struct promql__node *n,
                            struct promql__val *out) {
    const char *name = n->u.selector.metric;
    for (size_t i = 0; name == NULL && i < n->u.selector.matchers_count; i++) {
        const struct promql__matcher *m = &n->u.selector.matchers[i];
        if (m->type == PQ_MATCH_EQ && strcmp(m->name, PROMQL_NAME_LABEL) == 0) name = m->value;
    }
    size_t from = 0;
    size_t to = ev->set->rows_count;
    if (name != NULL) promql__name_range(ev->set, name, &from, &to);
    out->type = PROMQL_VECTOR;
    out->vec.s = promql__eval_alloc(ev, sizeof(*out->vec.s) * (to - from));
    if (out->vec.s == NULL) return -1;
    out->vec.n = 0;
    for (size_t i = from; i < to; i++) {
        const struct promql_set__row *r = &ev->set->rows[i];
        int ok = 1;
        for (size_t k = 0; ok && k < n->u.selector.matchers_count; k++) {
            ok = promql__matcher_ok(&n->u.selector.matchers[k], r);
        }
        if (ok) out->vec.s[out->vec.n++] = (struct promql_sample){r->labels, r->labels_count, r->value};
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Operators                                                            */
/* ------------------------------------------------------------------ */

static int promql__is_comparison(enum promql__op op) { return op >= PQ_EQ && op <= PQ_LE; }

/* Prometheus' vectorElemBinop: the value and whether a comparison holds. */
static double promql__apply(enum promql__op op, double l, double r, int *keep) {
    *keep = 1;
    switch (op) {
    case PQ_ADD: return l + r;
    case PQ_SUB: return l - r;
    case PQ_MUL: return l * r;
    case PQ_DIV: return l / r;
    case PQ_EQ: *keep = l == r; return l;
    case PQ_NE: *keep = l != r; return l;
    case PQ_GT: *keep = l > r; return l;
    case PQ_LT: *keep = l < r; return l;
    case PQ_GE: *keep = l >= r; return l;
    case PQ_LE: *keep = l <= r; return l;
    case PQ_AND:
    case PQ_OR:
    case PQ_UNLESS:
        break;
    }
    *keep = 0;
    return 0;
}

static int promql__eval_node(struct promql__eval *ev, const struct promql__node *n,
                             struct promql__val *out);

/* vector OP scalar, or scalar OP vector (swap). */
static int promql__vector_scalar(struct promql__eval *ev, const struct promql__node *n,
                                 const struct promql__vec *v, double scalar, int swap,
                                 struct promql__val *out) {
    enum promql__op op = n->u.binary.op;
    int drop = !promql__is_comparison(op) || n->u.binary.return_bool;
    out->type = PROMQL_VECTOR;
    out->vec.s = promql__eval_alloc(ev, sizeof(*out->vec.s) * v->n);
    if (out->vec.s == NULL) return -1;
    out->vec.n = 0;
    for (size_t i = 0; i < v->n; i++) {
        double l = swap ? scalar : v->s[i].value;
        double r = swap ? v->s[i].value : scalar;
        int keep = 0;
        double value = promql__apply(op, l, r, &keep);
        if (promql__is_comparison(op) && swap) value = r;
        if (n->u.binary.return_bool) {
            value = keep ? 1.0 : 0.0;
        } else if (!keep) {
            continue;
        }
        struct promql_sample s = {v->s[i].labels, v->s[i].labels_count, value};
        if (drop && promql__drop_name(ev, &s) != 0) return -1;
        out->vec.s[out->vec.n++] = s;
    }
    return promql__check_unique(ev, &out->vec, n->offset);
}

static struct promql__sig promql__binary_sig(const struct promql__node *n) {
    struct promql__sig g = {.on = n->u.binary.matching && n->u.binary.on,
                            .names = n->u.binary.labels,
                            .names_count = n->u.binary.labels_count};
    return g;
}

/* and, or, unless (VectorAnd, VectorOr, VectorUnless). */
static int promql__set_op(struct promql__eval *ev, const struct promql__node *n,
                          const struct promql__vec *l, const struct promql__vec *r,
                          struct promql__val *out) {
    enum promql__op op = n->u.binary.op;
    struct promql__sig g = promql__binary_sig(n);
    out->type = PROMQL_VECTOR;
    out->vec.s = promql__eval_alloc(ev, sizeof(*out->vec.s) * (l->n + r->n));
    if (out->vec.s == NULL) return -1;
    out->vec.n = 0;
    /* or: the left side's signatures; and/unless: the right side's. */
    const struct promql__vec *indexed = op == PQ_OR ? l : r;
    const struct promql__vec *probed = op == PQ_OR ? r : l;
    struct promql__table t;
    if (promql__table_init(ev, &t, indexed->n) != 0) return -1;
    for (size_t i = 0; i < indexed->n; i++) {
        uint64_t h = promql__sig_hash(&g, &indexed->s[i]);
        size_t slot = 0;
        if (promql__table_find(&t, &g, indexed, &indexed->s[i], h, &slot) == (size_t)-1) {
            promql__table_put(&t, slot, h, i);
        }
    }
    if (op == PQ_OR) {
        memcpy(out->vec.s, l->s, sizeof(*l->s) * l->n);
        out->vec.n = l->n;
    }
    for (size_t i = 0; i < probed->n; i++) {
        size_t slot = 0;
        uint64_t h = promql__sig_hash(&g, &probed->s[i]);
        int found = promql__table_find(&t, &g, indexed, &probed->s[i], h, &slot) != (size_t)-1;
        int take = op == PQ_AND ? found : !found;
        if (take) out->vec.s[out->vec.n++] = probed->s[i];
    }
    return 0;
}

/* vector OP vector, one-to-one (VectorBinop). */
static int promql__vector_vector(struct promql__eval *ev, const struct promql__node *n,
                                 const struct promql__vec *l, const struct promql__vec *r,
                                 struct promql__val *out) {
    enum promql__op op = n->u.binary.op;
    struct promql__sig g = promql__binary_sig(n);
    out->type = PROMQL_VECTOR;
    out->vec.n = 0;
    out->vec.s = promql__eval_alloc(ev, sizeof(*out->vec.s) * (l->n ? l->n : 1));
    if (out->vec.s == NULL) return -1;
    if (l->n == 0 || r->n == 0) return 0;
    struct promql__table t;
    if (promql__table_init(ev, &t, r->n) != 0) return -1;
    uint8_t *matched = promql__eval_alloc(ev, r->n);
    if (matched == NULL) return -1;
    for (size_t i = 0; i < r->n; i++) {
        uint64_t h = promql__sig_hash(&g, &r->s[i]);
        size_t slot = 0;
        if (promql__table_find(&t, &g, r, &r->s[i], h, &slot) != (size_t)-1) {
            char text[120];
            promql__labels_text(&r->s[i], text, sizeof(text));
            promql__eval_fail(ev, n->offset,
                              "found duplicate series for the match group on the right hand-side "
                              "of the operation: %s; many-to-many matching not allowed",
                              text);
            return -1;
        }
        promql__table_put(&t, slot, h, i);
    }
    for (size_t i = 0; i < l->n; i++) {
        size_t slot = 0;
        size_t j = promql__table_find(&t, &g, r, &l->s[i], promql__sig_hash(&g, &l->s[i]), &slot);
        if (j == (size_t)-1) continue;
        int keep = 0;
        double value = promql__apply(op, l->s[i].value, r->s[j].value, &keep);
        if (n->u.binary.return_bool) {
            value = keep ? 1.0 : 0.0;
        } else if (!keep) {
            continue;
        }
        struct promql_sample s = {l->s[i].labels, l->s[i].labels_count, value};
        if (!promql__is_comparison(op) && promql__drop_name(ev, &s) != 0) return -1;
        if (n->u.binary.matching &&
            promql__filter(ev, &s, n->u.binary.labels, n->u.binary.labels_count, n->u.binary.on) != 0) {
            return -1;
        }
        if (n->u.binary.return_bool && promql__drop_name(ev, &s) != 0) return -1;
        if (matched[j]) {
            promql__eval_fail(ev, n->offset,
                              "multiple matches for labels: many-to-one matching must be explicit "
                              "(group_left/group_right)");
            return -1;
        }
        matched[j] = 1;
        out->vec.s[out->vec.n++] = s;
    }
    return promql__check_unique(ev, &out->vec, n->offset);
}

static int promql__binary(struct promql__eval *ev, const struct promql__node *n,
                          struct promql__val *out) {
    struct promql__val l;
    struct promql__val r;
    memset(&l, 0, sizeof(l));
    memset(&r, 0, sizeof(r));
    if (promql__eval_node(ev, n->u.binary.lhs, &l) != 0) return -1;
    if (promql__eval_node(ev, n->u.binary.rhs, &r) != 0) return -1;
    enum promql__op op = n->u.binary.op;
    if (l.type == PROMQL_SCALAR && r.type == PROMQL_SCALAR) {
        int keep = 0;
        double value = promql__apply(op, l.scalar, r.scalar, &keep);
        out->type = PROMQL_SCALAR;
        out->scalar = promql__is_comparison(op) ? (keep ? 1.0 : 0.0) : value;
        return 0;
    }
    if (l.type == PROMQL_VECTOR && r.type == PROMQL_SCALAR) {
        return promql__vector_scalar(ev, n, &l.vec, r.scalar, 0, out);
    }
    if (l.type == PROMQL_SCALAR) return promql__vector_scalar(ev, n, &r.vec, l.scalar, 1, out);
    if (op == PQ_AND || op == PQ_OR || op == PQ_UNLESS) return promql__set_op(ev, n, &l.vec, &r.vec, out);
    return promql__vector_vector(ev, n, &l.vec, &r.vec, out);
}

/* ------------------------------------------------------------------ */
/* Aggregation, absent, negation                                        */
/* ------------------------------------------------------------------ */

/* The labels a group keeps: by -> those listed (present), without -> all
 * but those listed and __name__. */
static int promql__group_labels(struct promql__eval *ev, const struct promql__node *n,
                                struct promql_sample *s) {
    if (!n->u.aggregate.without) {
        return promql__filter(ev, s, n->u.aggregate.labels, n->u.aggregate.labels_count, 1);
    }
    if (promql__filter(ev, s, n->u.aggregate.labels, n->u.aggregate.labels_count, 0) != 0) return -1;
    return promql__drop_name(ev, s);
}

static int promql__aggregate(struct promql__eval *ev, const struct promql__node *n,
                             struct promql__val *out) {
    struct promql__val in;
    memset(&in, 0, sizeof(in));
    if (promql__eval_node(ev, n->u.aggregate.operand, &in) != 0) return -1;
    enum promql__agg op = n->u.aggregate.op;
    out->type = PROMQL_VECTOR;
    out->vec.n = 0;
    out->vec.s = promql__eval_alloc(ev, sizeof(*out->vec.s) * (in.vec.n ? in.vec.n : 1));
    struct promql__table t;
    if (out->vec.s == NULL || promql__table_init(ev, &t, in.vec.n) != 0) return -1;
    for (size_t i = 0; i < in.vec.n; i++) {
        struct promql_sample s = in.vec.s[i];
        if (promql__group_labels(ev, n, &s) != 0) return -1;
        /* The group's labels are its key: compare them whole. */
        uint64_t h = UINT64_C(14695981039346656037);
        for (size_t k = 0; k < s.labels_count; k++) {
            h = promql__fnv(promql__fnv(h, s.labels[k].name), s.labels[k].value);
        }
        size_t slot = 0;
        size_t k = (size_t)h & t.mask;
        size_t found = (size_t)-1;
        while (t.slots[k] != 0) {
            const struct promql_sample *o = &out->vec.s[t.slots[k] - 1];
            if (t.hashes[k] == h &&
                promql__labels_cmp(o->labels, o->labels_count, s.labels, s.labels_count) == 0) {
                found = t.slots[k] - 1;
                break;
            }
            k = (k + 1) & t.mask;
        }
        slot = k;
        if (found == (size_t)-1) {
            s.value = op == PQ_COUNT ? 1.0 : s.value;
            promql__table_put(&t, slot, h, out->vec.n);
            out->vec.s[out->vec.n++] = s;
            continue;
        }
        struct promql_sample *grp = &out->vec.s[found];
        double v = in.vec.s[i].value;
        switch (op) {
        case PQ_SUM: grp->value += v; break;
        case PQ_COUNT: grp->value += 1.0; break;
        case PQ_MAX: if (grp->value < v || isnan(grp->value)) grp->value = v; break;
        case PQ_MIN: if (grp->value > v || isnan(grp->value)) grp->value = v; break;
        }
    }
    return 0;
}

/* absent(): the labels of the selector's equality matchers (not the name;
 * a label matched twice, or matched otherwise, is left out). */
static int promql__absent(struct promql__eval *ev, const struct promql__node *n,
                          struct promql__val *out) {
    struct promql__val in;
    memset(&in, 0, sizeof(in));
    if (promql__eval_node(ev, n->u.operand, &in) != 0) return -1;
    out->type = PROMQL_VECTOR;
    out->vec.n = 0;
    out->vec.s = promql__eval_alloc(ev, sizeof(*out->vec.s));
    if (out->vec.s == NULL) return -1;
    if (in.vec.n > 0) return 0;
    const struct promql__node *arg = n->u.operand;
    size_t count = arg->kind == PQ_SELECTOR ? arg->u.selector.matchers_count : 0;
    struct promql_label *l = promql__eval_alloc(ev, sizeof(*l) * (count ? count : 1));
    if (l == NULL) return -1;
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        const struct promql__matcher *m = &arg->u.selector.matchers[i];
        if (strcmp(m->name, PROMQL_NAME_LABEL) == 0) continue;
        int seen = 0;
        for (size_t k = 0; k < i; k++) {
            const struct promql__matcher *o = &arg->u.selector.matchers[k];
            if (o->type == PQ_MATCH_EQ && strcmp(o->name, m->name) == 0) seen = 1;
        }
        size_t at = used;
        for (size_t k = 0; k < used; k++) {
            if (strcmp(l[k].name, m->name) == 0) at = k;
        }
        if (at < used) { /* Builder.Del */
            memmove(&l[at], &l[at + 1], sizeof(*l) * (used - at - 1));
            used--;
        }
        if (m->type == PQ_MATCH_EQ && !seen && m->value[0] != '\0') {
            l[used++] = (struct promql_label){m->name, m->value};
        }
    }
    /* Sorted by name, as every label set. */
    for (size_t i = 1; i < used; i++) {
        for (size_t k = i; k > 0 && strcmp(l[k - 1].name, l[k].name) > 0; k--) {
            struct promql_label tmp = l[k];
            l[k] = l[k - 1];
            l[k - 1] = tmp;
        }
    }
    out->vec.s[0] = (struct promql_sample){l, used, 1.0};
    out->vec.n = 1;
    return 0;
}

static int promql__negate(struct promql__eval *ev, const struct promql__node *n,
                          struct promql__val *out) {
    if (promql__eval_node(ev, n->u.operand, out) != 0) return -1;
    if (out->type == PROMQL_SCALAR) {
        out->scalar = -out->scalar;
        return 0;
    }
    struct promql_sample *s = promql__eval_alloc(ev, sizeof(*s) * (out->vec.n ? out->vec.n : 1));
    if (s == NULL) return -1;
    for (size_t i = 0; i < out->vec.n; i++) {
        s[i] = out->vec.s[i];
        s[i].value = -s[i].value;
        if (promql__drop_name(ev, &s[i]) != 0) return -1;
    }
    out->vec.s = s;
    return promql__check_unique(ev, &out->vec, n->offset);
}

static int promql__eval_node(struct promql__eval *ev, const struct promql__node *n,
                             struct promql__val *out) {
    int rc = 0;
    switch (n->kind) {
    case PQ_NUMBER:
        out->type = PROMQL_SCALAR;
        out->scalar = n->u.number;
        break;
    case PQ_SELECTOR:
        rc = promql__selector(ev, n, out);
        break;
    case PQ_NEG:
        rc = promql__negate(ev, n, out);
        break;
    case PQ_PAREN:
        rc = promql__eval_node(ev, n->u.operand, out);
        break;
    case PQ_BINARY:
        rc = promql__binary(ev, n, out);
        break;
    case PQ_AGGREGATE:
        rc = promql__aggregate(ev, n, out);
        break;
    case PQ_ABSENT:
        rc = promql__absent(ev, n, out);
        break;
    }
    return rc != 0 || ev->failed ? -1 : 0;
}

enum err promql_eval(const struct promql_expr *expr, const struct promql_set *set,
                     struct promql_result *out, struct promql_error *error) {
    memset(error, 0, sizeof(*error));
    struct promql_arena *arena = calloc(1, sizeof(*arena));
    if (arena == NULL) return ERR_INTERNAL;
    struct promql__eval ev = {.arena = arena, .set = set, .error = error};
    struct promql__val v;
    memset(&v, 0, sizeof(v));
    if (promql__eval_node(&ev, expr->root, &v) != 0) {
        int oom = ev.failed == 2;
        promql__arena_free(arena);
        free(arena);
        return oom ? ERR_INTERNAL : ERR_INVALID_ARGUMENT;
    }
    if (v.type == PROMQL_SCALAR) {
        v.vec.s = promql__eval_alloc(&ev, sizeof(*v.vec.s));
        if (v.vec.s == NULL) {
            promql__arena_free(arena);
            free(arena);
            return ERR_INTERNAL;
        }
        v.vec.s[0] = (struct promql_sample){NULL, 0, v.scalar};
        v.vec.n = 1;
    }
    out->samples = v.vec.s;
    out->samples_count = v.vec.n;
    out->type = v.type;
    out->arena = arena;
    return ERR_OK;
}

void promql_result_free(struct promql_result *result) {
    if (result->arena != NULL) {
        promql__arena_free(result->arena);
        free(result->arena);
    }
    memset(result, 0, sizeof(*result));
}
