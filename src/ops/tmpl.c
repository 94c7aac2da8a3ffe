/*
 * tmpl.c - alert templates: parsing the subset, and Go's number formats
 * (fmt %v and %.4g of a float64, Prometheus' humanize functions) in C.
 *
 * %.4g: C's and Go's agree for finite values (both round the exact binary
 * value to 4 significant digits, half to even on exact ties, drop trailing
 * zeros, use the exponent form below 1e-4 or from 1e4 on, with at least two
 * exponent digits); only NaN and the infinities differ, and are written as
 * Go writes them. %v: the shortest precision whose %e form reads back to
 * the same double is the digit string Go's shortest formatting produces
 * (the correctly rounded one of that length), laid out as strconv does.
 */
#include "tmpl.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tmpl__kind {
    TMPL_TEXT = 1,
    TMPL_LABEL,
    TMPL_VALUE,
    TMPL_PERCENTAGE,
    TMPL_DURATION,
};

struct tmpl__part {
    enum tmpl__kind kind;
    size_t start; /* TEXT: the text's slice; LABEL: the label name's */
    size_t len;
};

struct tmpl {
    char *text;
    struct tmpl__part *parts;
    size_t parts_count;
};

/* ------------------------------------------------------------------ */
/* Number formats                                                       */
/* ------------------------------------------------------------------ */

/* Go writes special values as NaN, +Inf, -Inf. Returns 1 when v was one. */
static int tmpl__special(double v, char out[TMPL_NUMBER_SIZE], const char *suffix) {
    if (isnan(v)) {
        snprintf(out, TMPL_NUMBER_SIZE, "NaN%s", suffix);
        return 1;
    }
    if (isinf(v)) {
        snprintf(out, TMPL_NUMBER_SIZE, "%sInf%s", v > 0 ? "+" : "-", suffix);
        return 1;
    }
    return 0;
}

void tmpl_format_value(double v, char out[TMPL_NUMBER_SIZE]) {
    if (tmpl__special(v, out, "")) return;
    if (v == 0) {
        snprintf(out, TMPL_NUMBER_SIZE, "%s", signbit(v) ? "-0" : "0");
        return;
    }
    char e[40];
    int prec = 1;
    for (; prec <= 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v) break;
    }
    /* e: [-]d[.ddd]e±XX: the digits and the decimal exponent. */
    const char *p = e;
    int neg = *p == '-';
    if (neg) p++;
    char digits[24];
    size_t nd = 0;
    for (; *p != 'e'; p++) {
        if (*p != '.') digits[nd++] = *p;
    }
    int exp = (int)strtol(p + 1, NULL, 10);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    size_t used = 0;
    if (neg) out[used++] = '-';
    if (exp < -4 || exp >= 6) {
        out[used++] = digits[0];
        if (nd > 1) {
            out[used++] = '.';
            memcpy(out + used, digits + 1, nd - 1);
            used += nd - 1;
        }
        snprintf(out + used, TMPL_NUMBER_SIZE - used, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
        return;
    }
    int dp = exp + 1; /* digits before the point */
    if (dp <= 0) {
        out[used++] = '0';
        out[used++] = '.';
        for (int k = 0; k < -dp; k++) out[used++] = '0';
        memcpy(out + used, digits, nd);
        used += nd;
    } else if ((size_t)dp >= nd) {
        memcpy(out + used, digits, nd);
        used += nd;
        for (size_t k = nd; k < (size_t)dp; k++) out[used++] = '0';
    } else {
        memcpy(out + used, digits, (size_t)dp);
        used += (size_t)dp;
        out[used++] = '.';
        memcpy(out + used, digits + dp, nd - (size_t)dp);
        used += nd - (size_t)dp;
    }
    out[used] = '\0';
}

void tmpl_humanize_percentage(double v, char out[TMPL_NUMBER_SIZE]) {
    double p = v * 100;
    if (tmpl__special(p, out, "%")) return;
    snprintf(out, TMPL_NUMBER_SIZE, "%.4g%%", p);
}

/* Go's int64(v) on amd64 for v >= 0: out of range gives INT64_MIN. */
static int64_t tmpl__go_int64(double v) {
    if (v >= 9223372036854775808.0) return INT64_MIN;
    return (int64_t)v;
}

void tmpl_humanize_duration(double v, char out[TMPL_NUMBER_SIZE]) {
    if (tmpl__special(v, out, "")) return;
    if (v == 0) {
        snprintf(out, TMPL_NUMBER_SIZE, "%.4gs", v);
        return;
    }
    if (fabs(v) >= 1) {
        const char *sign = v < 0 ? "-" : "";
        if (v < 0) v = -v;
        int64_t d = tmpl__go_int64(v);
        long long seconds = (long long)(d % 60);
        long long minutes = (long long)((d / 60) % 60);
        long long hours = (long long)((d / 60 / 60) % 24);
        long long days = (long long)(d / 60 / 60 / 24);
        if (days != 0) {
            snprintf(out, TMPL_NUMBER_SIZE, "%s%lldd %lldh %lldm %llds", sign, days, hours, minutes, seconds);
        } else if (hours != 0) {
            snprintf(out, TMPL_NUMBER_SIZE, "%s%lldh %lldm %llds", sign, hours, minutes, seconds);
        } else if (minutes != 0) {
            snprintf(out, TMPL_NUMBER_SIZE, "%s%lldm %llds", sign, minutes, seconds);
        } else {
            snprintf(out, TMPL_NUMBER_SIZE, "%s%.4gs", sign, v);
        }
        return;
    }
    static const char *const prefixes[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
    const char *prefix = "";
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (fabs(v) >= 1) break;
        prefix = prefixes[i];
        v *= 1000;
    }
    snprintf(out, TMPL_NUMBER_SIZE, "%.4g%ss", v, prefix);
}

/* ------------------------------------------------------------------ */
/* Parsing                                                              */
/* ------------------------------------------------------------------ */

static int tmpl__space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int tmpl__ident(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The words of one action body [from, to): up to 3 space-separated words
 * or '|' tokens. Returns the count, or -1 when there are more. */
static int tmpl__words(const char *s, size_t from, size_t to, size_t start[4], size_t len[4]) {
    int n = 0;
    size_t i = from;
    while (i < to) {
        while (i < to && tmpl__space(s[i])) i++;
        if (i >= to) break;
        if (n == 4) return -1;
        start[n] = i;
        if (s[i] == '|') {
            i++;
        } else {
            while (i < to && !tmpl__space(s[i]) && s[i] != '|') i++;
        }
        len[n] = i - start[n];
        n++;
    }
    return n;
}

static int tmpl__is(const char *s, size_t start, size_t len, const char *word) {
    return len == strlen(word) && memcmp(s + start, word, len) == 0;
}

static enum tmpl__kind tmpl__function(const char *s, size_t start, size_t len) {
    if (tmpl__is(s, start, len, "humanizePercentage")) return TMPL_PERCENTAGE;
    if (tmpl__is(s, start, len, "humanizeDuration")) return TMPL_DURATION;
    return 0;
}

/* One action's body: what it renders into *part. Returns 0 or -1. */
static int tmpl__action(const char *s, size_t from, size_t to, struct tmpl__part *part) {
    size_t ws[4];
    size_t wl[4];
    int n = tmpl__words(s, from, to, ws, wl);
    if (n == 1 && tmpl__is(s, ws[0], wl[0], "$value")) {
        part->kind = TMPL_VALUE;
        return 0;
    }
    if (n == 1 && wl[0] > 8 && memcmp(s + ws[0], "$labels.", 8) == 0) {
        for (size_t k = ws[0] + 8; k < ws[0] + wl[0]; k++) {
            if (!tmpl__ident(s[k])) return -1;
        }
        if (s[ws[0] + 8] >= '0' && s[ws[0] + 8] <= '9') return -1;
        part->kind = TMPL_LABEL;
        part->start = ws[0] + 8;
        part->len = wl[0] - 8;
        return 0;
    }
    if (n == 3 && tmpl__is(s, ws[0], wl[0], "$value") && tmpl__is(s, ws[1], wl[1], "|") &&
        tmpl__function(s, ws[2], wl[2]) != 0) {
        part->kind = tmpl__function(s, ws[2], wl[2]);
        return 0;
    }
    if (n == 2 && tmpl__function(s, ws[0], wl[0]) != 0 && tmpl__is(s, ws[1], wl[1], "$value")) {
        part->kind = tmpl__function(s, ws[0], wl[0]);
        return 0;
    }
    return -1;
}

static const char tmpl__subset[] =
    "only {{ $labels.NAME }}, {{ $value }}, {{ $value | humanizePercentage }} and "
    "{{ $value | humanizeDuration }} are allowed";

enum err tmpl_parse(const char *text, size_t len, struct tmpl **out, size_t *error_offset,
                    char *why, size_t why_size) {
    size_t cap = 1;
    for (size_t i = 0; i + 1 < len; i++) {
        if (text[i] == '{' && text[i + 1] == '{') cap += 2;
    }
    struct tmpl *t = calloc(1, sizeof(*t));
    if (t != NULL) t->text = malloc(len + 1);
    if (t != NULL) t->parts = calloc(cap, sizeof(*t->parts));
    if (t == NULL || t->text == NULL || t->parts == NULL) {
        tmpl_free(t);
        return ERR_INTERNAL;
    }
    memcpy(t->text, text, len);
    t->text[len] = '\0';
    size_t i = 0;
    while (i < len) {
        const char *open = NULL;
        for (size_t k = i; k + 1 < len; k++) {
            if (text[k] == '{' && text[k + 1] == '{') {
                open = text + k;
                break;
            }
        }
        size_t stop = open != NULL ? (size_t)(open - text) : len;
        if (stop > i) t->parts[t->parts_count++] = (struct tmpl__part){TMPL_TEXT, i, stop - i};
        if (open == NULL) break;
        const char *close = NULL;
        for (size_t k = stop + 2; k + 1 < len; k++) {
            if (text[k] == '}' && text[k + 1] == '}') {
                close = text + k;
                break;
            }
        }
        if (close == NULL) {
            *error_offset = stop;
            snprintf(why, why_size, "unclosed action (\"{{\" without \"}}\")");
            tmpl_free(t);
            return ERR_INVALID_ARGUMENT;
        }
        struct tmpl__part part = {0, 0, 0};
        if (tmpl__action(text, stop + 2, (size_t)(close - text), &part) != 0) {
            *error_offset = stop;
            snprintf(why, why_size, "action \"%.*s\" refused: %s",
                     (int)((size_t)(close - text) + 2 - stop > 60 ? 60 : (size_t)(close - text) + 2 - stop),
                     text + stop, tmpl__subset);
            tmpl_free(t);
            return ERR_INVALID_ARGUMENT;
        }
        t->parts[t->parts_count++] = part;
        i = (size_t)(close - text) + 2;
    }
    *out = t;
    return ERR_OK;
}

void tmpl_free(struct tmpl *t) {
    if (t == NULL) return;
    free(t->text);
    free(t->parts);
    free(t);
}

int tmpl_is_plain(const struct tmpl *t) {
    for (size_t i = 0; i < t->parts_count; i++) {
        if (t->parts[i].kind != TMPL_TEXT) return 0;
    }
    return 1;
}

void tmpl_render(const struct tmpl *t, const struct promql_label *labels, size_t labels_count,
                 double value, struct buf *out) {
    char number[TMPL_NUMBER_SIZE];
    for (size_t i = 0; i < t->parts_count; i++) {
        const struct tmpl__part *p = &t->parts[i];
        switch (p->kind) {
        case TMPL_TEXT:
            buf_put(out, t->text + p->start, p->len);
            break;
        case TMPL_LABEL:
            for (size_t k = 0; k < labels_count; k++) {
                const char *name = labels[k].name;
                if (strlen(name) == p->len && memcmp(name, t->text + p->start, p->len) == 0) {
                    buf_put(out, labels[k].value, strlen(labels[k].value));
                    break;
                }
            }
            break;
        case TMPL_VALUE:
            tmpl_format_value(value, number);
            buf_put(out, number, strlen(number));
            break;
        case TMPL_PERCENTAGE:
            tmpl_humanize_percentage(value, number);
            buf_put(out, number, strlen(number));
            break;
        case TMPL_DURATION:
            tmpl_humanize_duration(value, number);
            buf_put(out, number, strlen(number));
            break;
        }
    }
}
