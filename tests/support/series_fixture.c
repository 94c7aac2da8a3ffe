/* series_fixture.c - series sets from exposition text (series_fixture.h). */
#include "series_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

static char *series_fixture__str(struct series_fixture *f, const char *s, size_t n) {
    if (f->strings_used + n + 1 > sizeof(f->strings)) fail_msg("series fixture: strings full");
    char *d = f->strings + f->strings_used;
    memcpy(d, s, n);
    d[n] = '\0';
    f->strings_used += n + 1;
    return d;
}

static int series_fixture__cmp(const void *a, const void *b) {
    return strcmp(((const struct promql_label *)a)->name, ((const struct promql_label *)b)->name);
}

/* {a="b",c="d"} at *p (values hold no '"'); returns the label count. */
static size_t series_fixture__labels(struct series_fixture *f, const char **pp, struct promql_label *l,
                                     size_t room) {
    const char *p = *pp;
    size_t n = 0;
    if (*p != '{') return 0;
    p++;
    while (*p != '}') {
        const char *k = p;
        while (*p && *p != '=') p++;
        if (*p != '=' || p[1] != '"' || n == room) fail_msg("series fixture: bad labels at %s", k);
        l[n].name = series_fixture__str(f, k, (size_t)(p - k));
        p += 2;
        const char *v = p;
        while (*p && *p != '"') p++;
        if (*p != '"') fail_msg("series fixture: unterminated value at %s", v);
        l[n].value = series_fixture__str(f, v, (size_t)(p - v));
        n++;
        p++;
        if (*p == ',') p++;
    }
    *pp = p + 1;
    return n;
}

void series_fixture_parse(struct series_fixture *f, const char *text) {
    memset(f, 0, sizeof(*f));
    size_t used = 0;
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\n') p++;
        if (!*p) break;
        if (f->count == SERIES_FIXTURE_MAX) fail_msg("series fixture: too many series");
        struct promql_series *s = &f->series[f->count++];
        const char *name = p;
        while (*p && *p != '{' && *p != ' ') p++;
        s->name = series_fixture__str(f, name, (size_t)(p - name));
        struct promql_label *l = &f->labels[used];
        size_t n = series_fixture__labels(f, &p, l, SERIES_FIXTURE_LABELS - used);
        qsort(l, n, sizeof(*l), series_fixture__cmp);
        s->labels = l;
        s->labels_count = n;
        used += n;
        while (*p == ' ') p++;
        char *end = NULL;
        s->value = strtod(p, &end);
        if (end == p) fail_msg("series fixture: no value for %s", s->name);
        p = end;
    }
    if (promql_set_init(&f->set, f->series, f->count) != ERR_OK) fail_msg("series fixture: set refused");
}

void series_fixture_free(struct series_fixture *f) { promql_set_free(&f->set); }

void series_fixture_render(const struct promql_result *r, char *out, size_t size) {
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->samples_count && used < size; i++) {
        const struct promql_sample *s = &r->samples[i];
        used += (size_t)snprintf(out + used, size - used, "{");
        for (size_t k = 0; k < s->labels_count && used < size; k++) {
            used += (size_t)snprintf(out + used, size - used, "%s%s=\"%s\"", k ? "," : "",
                                     s->labels[k].name, s->labels[k].value);
        }
        if (used >= size) break;
        if (isnan(s->value)) {
            used += (size_t)snprintf(out + used, size - used, "} NaN\n");
        } else {
            used += (size_t)snprintf(out + used, size - used, "} %.15g\n", s->value);
        }
    }
    if (used >= size) fail_msg("series fixture: rendering longer than %zu bytes", size);
}
