/* expo.c - the text exposition format into series (expo.h). */
#include "expo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct expo__ctx {
    const char *s;
    size_t len;
    size_t i;
    char *strings;
    size_t used;
    char *why;
    size_t why_size;
};

static int expo__fail(struct expo__ctx *c, const char *what) {
    snprintf(c->why, c->why_size, "%s", what);
    return -1;
}

static void expo__blanks(struct expo__ctx *c) {
    while (c->i < c->len && (c->s[c->i] == ' ' || c->s[c->i] == '\t')) c->i++;
}

static int expo__namechar(char ch, int first, int colon) {
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_') return 1;
    if (colon && ch == ':') return 1;
    return !first && ch >= '0' && ch <= '9';
}

/* A name at c->i, copied into the strings; NULL when there is none. */
static const char *expo__name(struct expo__ctx *c, int colon) {
    size_t start = c->i;
    while (c->i < c->len && expo__namechar(c->s[c->i], c->i == start, colon)) c->i++;
    if (c->i == start) return NULL;
    char *d = c->strings + c->used;
    memcpy(d, c->s + start, c->i - start);
    d[c->i - start] = '\0';
    c->used += c->i - start + 1;
    return d;
}

/* A quoted label value at c->i (the opening quote). */
static const char *expo__value(struct expo__ctx *c) {
    if (c->i >= c->len || c->s[c->i] != '"') return NULL;
    c->i++;
    char *d = c->strings + c->used;
    size_t n = 0;
    while (c->i < c->len && c->s[c->i] != '"' && c->s[c->i] != '\n') {
        char ch = c->s[c->i++];
        if (ch == '\\') {
            if (c->i >= c->len) return NULL;
            char e = c->s[c->i++];
            if (e == 'n') {
                ch = '\n';
            } else if (e == '\\' || e == '"') {
                ch = e;
            } else {
                return NULL;
            }
        }
        if (ch == '\0') return NULL;
        d[n++] = ch;
    }
    if (c->i >= c->len || c->s[c->i] != '"') return NULL;
    c->i++;
    d[n] = '\0';
    c->used += n + 1;
    return d;
}

static int expo__label_cmp(const void *a, const void *b) {
    return strcmp(((const struct promql_label *)a)->name, ((const struct promql_label *)b)->name);
}

/* {a="b",...} into l (room for `room`); *n set. */
static int expo__labels(struct expo__ctx *c, struct promql_label *l, size_t room, size_t *n) {
    *n = 0;
    if (c->i >= c->len || c->s[c->i] != '{') return 0;
    c->i++;
    for (;;) {
        expo__blanks(c);
        if (c->i < c->len && c->s[c->i] == '}') break;
        const char *name = expo__name(c, 0);
        if (name == NULL) return expo__fail(c, "expected a label name");
        expo__blanks(c);
        if (c->i >= c->len || c->s[c->i] != '=') return expo__fail(c, "expected = after the label name");
        c->i++;
        expo__blanks(c);
        const char *value = expo__value(c);
        if (value == NULL) return expo__fail(c, "expected a quoted label value (escapes: \\\\ \\\" \\n)");
        if (*n == room) return expo__fail(c, "too many labels");
        l[(*n)++] = (struct promql_label){name, value};
        expo__blanks(c);
        if (c->i < c->len && c->s[c->i] == ',') {
            c->i++;
            continue;
        }
        if (c->i >= c->len || c->s[c->i] != '}') return expo__fail(c, "expected , or } in the labels");
    }
    c->i++;
    qsort(l, *n, sizeof(*l), expo__label_cmp);
    for (size_t k = 1; k < *n; k++) {
        if (strcmp(l[k - 1].name, l[k].name) == 0) return expo__fail(c, "a label given twice");
    }
    return 0;
}

/* The rest of a sample line after the labels: value [timestamp]. */
static int expo__sample_value(struct expo__ctx *c, double *out) {
    expo__blanks(c);
    size_t start = c->i;
    while (c->i < c->len && c->s[c->i] != ' ' && c->s[c->i] != '\t' && c->s[c->i] != '\n') c->i++;
    char buf[64];
    size_t n = c->i - start;
    if (n == 0 || n >= sizeof(buf)) return expo__fail(c, "expected a value");
    memcpy(buf, c->s + start, n);
    buf[n] = '\0';
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + n || strchr(buf, 'x') != NULL || strchr(buf, 'X') != NULL) {
        return expo__fail(c, "the value is not a number");
    }
    *out = v;
    expo__blanks(c);
    /* An optional timestamp (milliseconds, possibly negative): ignored. */
    if (c->i < c->len && c->s[c->i] == '-') c->i++;
    while (c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9') c->i++;
    expo__blanks(c);
    if (c->i < c->len && c->s[c->i] != '\n') return expo__fail(c, "unexpected text after the value");
    return 0;
}

enum err expo_parse(const char *text, size_t len, struct expo *out, unsigned *line, char *why,
                    size_t why_size) {
    size_t lines = 1;
    size_t equals = 0;
    for (size_t k = 0; k < len; k++) {
        lines += text[k] == '\n';
        equals += text[k] == '=';
    }
    struct expo e = {0};
    e.series = calloc(lines, sizeof(*e.series));
    e.labels = calloc(equals + 1, sizeof(*e.labels));
    e.strings = malloc(2 * len + 16);
    if (e.series == NULL || e.labels == NULL || e.strings == NULL) {
        expo_free(&e);
        return ERR_INTERNAL;
    }
    struct expo__ctx c = {.s = text, .len = len, .strings = e.strings, .why = why, .why_size = why_size};
    size_t labels_used = 0;
    *line = 0;
    while (c.i < len) {
        (*line)++;
        expo__blanks(&c);
        if (c.i < len && (c.s[c.i] == '#' || c.s[c.i] == '\n')) {
            while (c.i < len && c.s[c.i] != '\n') c.i++;
            c.i++;
            continue;
        }
        if (c.i >= len) break;
        struct promql_series *s = &e.series[e.count];
        s->name = expo__name(&c, 1);
        size_t n = 0;
        int rc = s->name == NULL ? expo__fail(&c, "expected a metric name") : 0;
        if (rc == 0) rc = expo__labels(&c, e.labels + labels_used, equals + 1 - labels_used, &n);
        if (rc == 0) rc = expo__sample_value(&c, &s->value);
        if (rc != 0) {
            expo_free(&e);
            return ERR_INVALID_ARGUMENT;
        }
        s->labels = e.labels + labels_used;
        s->labels_count = n;
        labels_used += n;
        e.count++;
        c.i++;
    }
    *out = e;
    return ERR_OK;
}

void expo_free(struct expo *e) {
    free(e->series);
    free(e->labels);
    free(e->strings);
    memset(e, 0, sizeof(*e));
}
