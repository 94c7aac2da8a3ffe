/*
 * promql.c - the rule language's lexer and parser (SPEC 9; promql.h says
 * what the subset is).
 *
 * A recursive-descent parser with precedence climbing over Prometheus'
 * levels (or < and, unless < comparisons < + - < * /), left-associative
 * like Prometheus' yacc grammar; unary minus binds as tightly as * does.
 * Lexing follows promql/parser/lex.go: keywords are case-insensitive,
 * function names are not, `#` starts a comment, numbers are decimal (with
 * an exponent), hexadecimal, octal with a leading 0 (Go's ParseInt base 0),
 * Inf or NaN; strings take "...", '...' and `...` with Go's escapes.
 *
 * Every refusal carries the byte offset where the refused thing starts.
 * The parser never asserts on its input: text comes from a person.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/limits.h"
#include "promql_internal.h"

/* ------------------------------------------------------------------ */
/* Arena                                                                */
/* ------------------------------------------------------------------ */

struct promql_arena__chunk {
    struct promql_arena__chunk *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

#define PROMQL__CHUNK_BYTES 8192u

void *promql__alloc(struct promql_arena *a, size_t size) {
    size = (size + 15u) & ~(size_t)15u;
    struct promql_arena__chunk *c = a->head;
    if (c == NULL || c->size - c->used < size) {
        size_t cap = size > PROMQL__CHUNK_BYTES ? size : PROMQL__CHUNK_BYTES;
        c = malloc(sizeof(*c) + cap);
        if (c == NULL) return NULL;
        c->size = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *promql__strndup(struct promql_arena *a, const char *s, size_t len) {
    char *d = promql__alloc(a, len + 1);
    if (d == NULL) return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void promql__arena_free(struct promql_arena *a) {
    struct promql_arena__chunk *c = a->head;
    while (c != NULL) {
        struct promql_arena__chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}

/* ------------------------------------------------------------------ */
/* Names and positions                                                  */
/* ------------------------------------------------------------------ */

static int promql__alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int promql__digit(int c) { return c >= '0' && c <= '9'; }
static int promql__alnum(int c) { return promql__alpha(c) || promql__digit(c); }

int promql_metric_name_valid(const char *s, size_t len) {
    if (len == 0 || promql__digit((unsigned char)s[0])) return 0;
    for (size_t i = 0; i < len; i++) {
        if (!promql__alnum((unsigned char)s[i]) && s[i] != ':') return 0;
    }
    return 1;
}

int promql_label_name_valid(const char *s, size_t len) {
    if (len == 0 || promql__digit((unsigned char)s[0])) return 0;
    for (size_t i = 0; i < len; i++) {
        if (!promql__alnum((unsigned char)s[i])) return 0;
    }
    return 1;
}

void promql_error_position(const char *text, size_t len, size_t offset, unsigned *line,
                           unsigned *col) {
    unsigned l = 1;
    unsigned c = 1;
    for (size_t i = 0; i < offset && i < len; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* ------------------------------------------------------------------ */
/* Lexer                                                                */
/* ------------------------------------------------------------------ */

enum promql__tok {
    TK_EOF = 1,
    TK_IDENT,
    TK_NUMBER,
    TK_STRING,
    TK_LPAREN,
    TK_RPAREN,
    TK_LBRACE,
    TK_RBRACE,
    TK_LBRACKET,
    TK_RBRACKET,
    TK_COMMA,
    TK_ADD,
    TK_SUB,
    TK_MUL,
    TK_DIV,
    TK_MOD,
    TK_POW,
    TK_EQLC,   /* == */
    TK_NEQ,    /* != */
    TK_LSS,    /* <  */
    TK_GTR,    /* >  */
    TK_LTE,    /* <= */
    TK_GTE,    /* >= */
    TK_ASSIGN, /* =  */
    TK_EQL_RE, /* =~ */
    TK_NEQ_RE, /* !~ */
    TK_AT,
    TK_COLON,
};

struct promql__token {
    enum promql__tok type;
    size_t start;
    size_t len;
    double number;
};

struct promql__parser {
    const char *text;
    size_t len;
    size_t pos; /* where the lexer continues after tok */
    struct promql__token tok;
    struct promql_expr *expr;
    struct promql_error *error;
    unsigned depth;
    int failed;
    int oom;
};

static void promql__fail(struct promql__parser *p, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void promql__fail(struct promql__parser *p, size_t offset, const char *fmt, ...) {
    if (p->failed) return;
    p->failed = 1;
    p->error->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->error->message, sizeof(p->error->message), fmt, ap);
    va_end(ap);
}

static void *promql__new(struct promql__parser *p, size_t size) {
    void *m = promql__alloc(&p->expr->arena, size);
    if (m == NULL) {
        p->oom = 1;
        promql__fail(p, 0, "out of memory");
    }
    return m;
}

/* How a token reads in a message: its text in quotes, cut at 24 bytes. */
static void promql__describe(const struct promql__parser *p, const struct promql__token *t,
                             char *out, size_t size) {
    if (t->type == TK_EOF) {
        snprintf(out, size, "end of expression");
        return;
    }
    int n = (int)(t->len > 24 ? 24 : t->len);
    snprintf(out, size, "\"%.*s%s\"", n, p->text + t->start, t->len > 24 ? "..." : "");
}

static int promql__space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* The number's text as Prometheus' parseNumber reads it: ParseInt with
 * base 0 first (hexadecimal 0x.., octal 0..), else ParseFloat. Returns 0
 * and *out, or -1. */
static int promql__number_value(const char *s, size_t len, double *out) {
    char buf[128];
    if (len >= sizeof(buf)) return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    int hex = len > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');
    int octal = len > 1 && buf[0] == '0' && strspn(buf, "01234567") == len;
    if (hex || octal) {
        errno = 0;
        char *end = NULL;
        unsigned long long v = strtoull(buf + (hex ? 2 : 1), &end, hex ? 16 : 8);
        if (errno != 0 || *end != '\0' || v > (unsigned long long)INT64_MAX) {
            /* ParseInt refuses; ParseFloat takes a decimal (an octal-looking
             * one is decimal to it) and never a hexadecimal without 'p'. */
            if (hex) return -1;
        } else {
            *out = (double)v;
            return 0;
        }
    }
    errno = 0;
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end != buf + len) return -1;
    if (errno == ERANGE && isinf(v)) return -1;
    *out = v;
    return 0;
}

/* A number starting at i (Prometheus' scanNumber). Returns the position
 * after it, or 0 after reporting the failure. */
static size_t promql__lex_number(struct promql__parser *p, size_t i, struct promql__token *t) {
    const char *s = p->text;
    size_t start = i;
    int hex = 0;
    if (s[i] == '0' && i + 1 < p->len && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        hex = 1;
        i += 2;
    }
    while (i < p->len && (promql__digit((unsigned char)s[i]) ||
                          (hex && strchr("abcdefABCDEF", s[i]) != NULL && s[i] != '\0'))) {
        i++;
    }
    if (i < p->len && s[i] == '.') {
        i++;
        while (i < p->len && promql__digit((unsigned char)s[i])) i++;
    }
    if (!hex && i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < p->len && (s[i] == '+' || s[i] == '-')) i++;
        while (i < p->len && promql__digit((unsigned char)s[i])) i++;
    }
    if (i < p->len && (promql__alnum((unsigned char)s[i]) || s[i] == ':')) {
        size_t j = i;
        while (j < p->len && promql__alnum((unsigned char)s[j])) j++;
        int unit = strchr("smhdwy", s[i]) != NULL && j == i + 1;
        unit = unit || (j == i + 2 && s[i] == 'm' && s[i + 1] == 's');
        if (unit) {
            promql__fail(p, start,
                         "durations (\"%.*s\") belong to range vectors and offsets, which are not "
                         "in mintline's rule language",
                         (int)(j - start), s + start);
        } else {
            promql__fail(p, start, "bad number \"%.*s\"", (int)(j - start > 24 ? 24 : j - start),
                         s + start);
        }
        return 0;
    }
    double v = 0;
    if (promql__number_value(s + start, i - start, &v) != 0) {
        promql__fail(p, start, "bad number \"%.*s\"", (int)(i - start > 24 ? 24 : i - start),
                     s + start);
        return 0;
    }
    t->type = TK_NUMBER;
    t->start = start;
    t->len = i - start;
    t->number = v;
    return i;
}

/* A quoted string starting at i. Returns the position after it, or 0. */
static size_t promql__lex_string(struct promql__parser *p, size_t i, struct promql__token *t) {
    char quote = p->text[i];
    size_t start = i++;
    while (i < p->len && p->text[i] != quote) {
        if (quote != '`' && p->text[i] == '\n') break;
        if (quote != '`' && p->text[i] == '\\') {
            if (i + 1 >= p->len) break;
            i++;
        }
        i++;
    }
    if (i >= p->len || p->text[i] != quote) {
        promql__fail(p, start, "unterminated quoted string");
        return 0;
    }
    t->type = TK_STRING;
    t->start = start;
    t->len = i + 1 - start;
    return i + 1;
}

struct promql__punct {
    const char *text;
    enum promql__tok type;
};

static const struct promql__punct promql__puncts[] = {
    {"==", TK_EQLC}, {"!=", TK_NEQ}, {"<=", TK_LTE}, {">=", TK_GTE}, {"=~", TK_EQL_RE},
    {"!~", TK_NEQ_RE}, {"(", TK_LPAREN}, {")", TK_RPAREN}, {"{", TK_LBRACE}, {"}", TK_RBRACE},
    {"[", TK_LBRACKET}, {"]", TK_RBRACKET}, {",", TK_COMMA}, {"+", TK_ADD}, {"-", TK_SUB},
    {"*", TK_MUL}, {"/", TK_DIV}, {"%", TK_MOD}, {"^", TK_POW}, {"<", TK_LSS}, {">", TK_GTR},
    {"=", TK_ASSIGN}, {"@", TK_AT}, {":", TK_COLON},
};

/* Lex the token starting at or after pos into *t. Returns the position
 * after it, or 0 after reporting a failure. */
static size_t promql__lex(struct promql__parser *p, size_t i, struct promql__token *t) {
    const char *s = p->text;
    for (;;) {
        while (i < p->len && promql__space((unsigned char)s[i])) i++;
        if (i < p->len && s[i] == '#') {
            while (i < p->len && s[i] != '\n') i++;
            continue;
        }
        break;
    }
    memset(t, 0, sizeof(*t));
    t->start = i;
    if (i >= p->len) {
        t->type = TK_EOF;
        return i;
    }
    unsigned char c = (unsigned char)s[i];
    if (promql__digit(c) || (c == '.' && i + 1 < p->len && promql__digit((unsigned char)s[i + 1]))) {
        return promql__lex_number(p, i, t);
    }
    if (c == '"' || c == '\'' || c == '`') return promql__lex_string(p, i, t);
    if (promql__alpha(c) || c == ':') {
        size_t j = i;
        while (j < p->len && (promql__alnum((unsigned char)s[j]) || s[j] == ':')) j++;
        t->len = j - i;
        if ((t->len == 3 && strncasecmp(s + i, "inf", 3) == 0) ||
            (t->len == 3 && strncasecmp(s + i, "nan", 3) == 0)) {
            t->type = TK_NUMBER;
            t->number = (s[i] == 'n' || s[i] == 'N') ? NAN : INFINITY;
            return j;
        }
        t->type = TK_IDENT;
        return j;
    }
    for (size_t k = 0; k < sizeof(promql__puncts) / sizeof(promql__puncts[0]); k++) {
        size_t n = strlen(promql__puncts[k].text);
        if (i + n <= p->len && memcmp(s + i, promql__puncts[k].text, n) == 0) {
            t->type = promql__puncts[k].type;
            t->len = n;
            return i + n;
        }
    }
    if (c == '!') {
        promql__fail(p, i, "unexpected character after \"!\"");
    } else if (c >= 0x20 && c < 0x7f) {
        promql__fail(p, i, "unexpected character \"%c\"", c);
    } else {
        promql__fail(p, i, "unexpected character (byte 0x%02x)", c);
    }
    return 0;
}

/* Move to the next token. Returns 0, or -1 on a lexing failure. */
static int promql__advance(struct promql__parser *p) {
    if (p->failed) return -1;
    size_t next = promql__lex(p, p->pos, &p->tok);
    if (p->failed) return -1;
    p->pos = next;
    return 0;
}

/* The token after the current one, without moving. */
static int promql__peek(struct promql__parser *p, struct promql__token *t) {
    if (p->failed) return -1;
    promql__lex(p, p->pos, t);
    return p->failed ? -1 : 0;
}

static int promql__is_word(const struct promql__parser *p, const struct promql__token *t,
                           const char *word) {
    return t->type == TK_IDENT && t->len == strlen(word) &&
           strncasecmp(p->text + t->start, word, t->len) == 0;
}

static int promql__expect(struct promql__parser *p, enum promql__tok type, const char *what) {
    if (p->failed) return -1;
    if (p->tok.type != type) {
        char got[48];
        promql__describe(p, &p->tok, got, sizeof(got));
        promql__fail(p, p->tok.start, "expected %s, got %s", what, got);
        return -1;
    }
    return promql__advance(p);
}

/* ------------------------------------------------------------------ */
/* Keywords and what the subset refuses                                 */
/* ------------------------------------------------------------------ */

/* Prometheus' keywords (case-insensitive), never metric names. */
static const char *const promql__keywords[] = {
    "and",    "or",     "unless", "atan2",    "sum",         "avg",         "count",
    "min",    "max",    "group",  "stddev",   "stdvar",      "topk",        "bottomk",
    "count_values",     "quantile",           "offset",      "by",          "without",
    "on",     "ignoring",         "group_left", "group_right", "bool",      "start",
    "end",
};

static int promql__keyword(const struct promql__parser *p, const struct promql__token *t) {
    if (t->type != TK_IDENT) return 0;
    for (size_t i = 0; i < sizeof(promql__keywords) / sizeof(promql__keywords[0]); i++) {
        if (promql__is_word(p, t, promql__keywords[i])) return 1;
    }
    return 0;
}

/* Prometheus 2.x's functions: named in the refusal so that a rule author
 * knows the name is right and the subset is what stops it. */
static const char *const promql__functions[] = {
    "abs", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh",
    "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh",
    "count_over_time", "days_in_month", "day_of_month", "day_of_week", "day_of_year", "deg",
    "delta", "deriv", "exp", "floor", "histogram_count", "histogram_fraction",
    "histogram_quantile", "histogram_sum", "holt_winters", "hour", "idelta", "increase",
    "irate", "label_join", "label_replace", "last_over_time", "ln", "log10", "log2",
    "max_over_time", "min_over_time", "minute", "month", "pi", "predict_linear",
    "present_over_time", "quantile_over_time", "rad", "rate", "resets", "round", "scalar",
    "sgn", "sin", "sinh", "sort", "sort_desc", "sqrt", "stddev_over_time",
    "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp", "vector", "year",
};

static int promql__known_function(const char *s, size_t len) {
    for (size_t i = 0; i < sizeof(promql__functions) / sizeof(promql__functions[0]); i++) {
        if (strlen(promql__functions[i]) == len && memcmp(promql__functions[i], s, len) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char promql__outside[] = "is not in mintline's rule language (SPEC 9)";
static const char promql__outside_plural[] = "are not in mintline's rule language (SPEC 9)";

/* ------------------------------------------------------------------ */
/* Strings                                                              */
/* ------------------------------------------------------------------ */

static int promql__hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static size_t promql__utf8_put(char *out, unsigned long r) {
    if (r < 0x80) {
        out[0] = (char)r;
        return 1;
    }
    if (r < 0x800) {
        out[0] = (char)(0xc0 | (r >> 6));
        out[1] = (char)(0x80 | (r & 0x3f));
        return 2;
    }
    if (r < 0x10000) {
        out[0] = (char)(0xe0 | (r >> 12));
        out[1] = (char)(0x80 | ((r >> 6) & 0x3f));
        out[2] = (char)(0x80 | (r & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (r >> 18));
    out[1] = (char)(0x80 | ((r >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((r >> 6) & 0x3f));
    out[3] = (char)(0x80 | (r & 0x3f));
    return 4;
}

/* One escape after a backslash at s[*i] (s[*i] is the letter). Appends to
 * out at *n. Returns 0, or -1 with why. */
static int promql__unescape_one(const char *s, size_t len, size_t *i, char quote, char *out,
                                size_t *n, const char **why) {
    static const char simple_from[] = "abfnrtv\\";
    static const char simple_to[] = "\a\b\f\n\r\t\v\\";
    char c = s[*i];
    const char *hit = strchr(simple_from, c);
    if (c != '\0' && hit != NULL) {
        out[(*n)++] = simple_to[hit - simple_from];
        (*i)++;
        return 0;
    }
    if (c == '\'' || c == '"') {
        if (c != quote) {
            *why = "\\' and \\\" are valid only inside their own quotes";
            return -1;
        }
        out[(*n)++] = c;
        (*i)++;
        return 0;
    }
    size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : (c >= '0' && c <= '7') ? 3 : 0;
    if (digits == 0) {
        *why = "unknown escape sequence";
        return -1;
    }
    int base = (c >= '0' && c <= '7') ? 8 : 16;
    size_t from = base == 8 ? *i : *i + 1;
    if (from + digits > len) {
        *why = "escape sequence cut short";
        return -1;
    }
    unsigned long v = 0;
    for (size_t k = 0; k < digits; k++) {
        int d = promql__hexval((unsigned char)s[from + k]);
        if (d < 0 || d >= base) {
            *why = "bad digit in escape sequence";
            return -1;
        }
        v = v * (unsigned long)base + (unsigned long)d;
    }
    *i = from + digits;
    if (c == 'x' || base == 8) {
        if (v > 255) {
            *why = "octal escape above \\377";
            return -1;
        }
        out[(*n)++] = (char)v;
        return 0;
    }
    if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) {
        *why = "escape is not a Unicode code point";
        return -1;
    }
    *n += promql__utf8_put(out + *n, v);
    return 0;
}

/* The value of a string token (quotes removed, escapes applied), in the
 * expression's arena; NULL after reporting a failure. */
static const char *promql__string_value(struct promql__parser *p, const struct promql__token *t) {
    const char *s = p->text + t->start + 1;
    size_t len = t->len - 2;
    char quote = p->text[t->start];
    char *out = promql__new(p, len + 1);
    if (out == NULL) return NULL;
    if (quote == '`') {
        memcpy(out, s, len);
        out[len] = '\0';
        return out;
    }
    size_t n = 0;
    size_t i = 0;
    while (i < len) {
        if (s[i] != '\\') {
            out[n++] = s[i++];
            continue;
        }
        size_t at = i;
        i++;
        const char *why = NULL;
        if (promql__unescape_one(s, len, &i, quote, out, &n, &why) != 0) {
            promql__fail(p, t->start + 1 + at, "%s", why);
            return NULL;
        }
    }
    out[n] = '\0';
    if (memchr(out, '\0', n) != NULL) {
        promql__fail(p, t->start, "a string may not hold a NUL byte");
        return NULL;
    }
    return out;
}

/* ------------------------------------------------------------------ */
/* Parser                                                               */
/* ------------------------------------------------------------------ */

static struct promql__node *promql__expr(struct promql__parser *p, int min_prec);

static unsigned promql__height(const struct promql__node *n);

static struct promql__node *promql__node_new(struct promql__parser *p, enum promql__kind kind,
                                             size_t offset) {
    struct promql__node *n = promql__new(p, sizeof(*n));
    if (n == NULL) return NULL;
    n->kind = kind;
    n->offset = offset;
    n->type = PROMQL_VECTOR;
    return n;
}

/* Does matcher m accept the empty string (a missing label)? */
static int promql__matches_empty(const struct promql__matcher *m) {
    switch (m->type) {
    case PQ_MATCH_EQ:
        return m->value[0] == '\0';
    case PQ_MATCH_NE:
        return m->value[0] != '\0';
    case PQ_MATCH_RE:
        return promql__regex_match(m->re, "");
    case PQ_MATCH_NRE:
        return !promql__regex_match(m->re, "");
    }
    return 0;
}

static regex_t *promql__regex(struct promql__parser *p, const char *pattern, size_t at) {
    struct promql__regex *r = promql__new(p, sizeof(*r));
    if (r == NULL) return NULL;
    char why[120];
    size_t where = 0;
    if (promql__regex_compile(pattern, strlen(pattern), &r->re, why, sizeof(why), &where) != 0) {
        promql__fail(p, at, "invalid regular expression: %s (at byte %zu of the pattern)", why,
                     where);
        return NULL;
    }
    r->next = p->expr->regexes;
    p->expr->regexes = r;
    return &r->re;
}

/* One label matcher inside braces: NAME OP STRING. */
static int promql__matcher(struct promql__parser *p, struct promql__matcher *m) {
    const struct promql__token name = p->tok;
    /* Inside braces every word is a label name ("inf" and "nan" too). */
    int word = name.type == TK_IDENT ||
               (name.type == TK_NUMBER && promql__alpha((unsigned char)p->text[name.start]));
    if (!word) {
        char got[48];
        promql__describe(p, &name, got, sizeof(got));
        promql__fail(p, name.start, "expected a label name, got %s", got);
        return -1;
    }
    if (!promql_label_name_valid(p->text + name.start, name.len)) {
        promql__fail(p, name.start, "invalid label name \"%.*s\"", (int)name.len,
                     p->text + name.start);
        return -1;
    }
    m->name = promql__strndup(&p->expr->arena, p->text + name.start, name.len);
    if (m->name == NULL || promql__advance(p) != 0) return -1;
    enum promql__tok op = p->tok.type;
    if (op == TK_ASSIGN) {
        m->type = PQ_MATCH_EQ;
    } else if (op == TK_NEQ) {
        m->type = PQ_MATCH_NE;
    } else if (op == TK_EQL_RE) {
        m->type = PQ_MATCH_RE;
    } else if (op == TK_NEQ_RE) {
        m->type = PQ_MATCH_NRE;
    } else if (op == TK_EQLC) {
        promql__fail(p, p->tok.start, "a label matcher uses =, not ==");
        return -1;
    } else {
        char got[48];
        promql__describe(p, &p->tok, got, sizeof(got));
        promql__fail(p, p->tok.start, "expected =, !=, =~ or !~ after the label name, got %s", got);
        return -1;
    }
    if (promql__advance(p) != 0) return -1;
    if (p->tok.type != TK_STRING) {
        char got[48];
        promql__describe(p, &p->tok, got, sizeof(got));
        promql__fail(p, p->tok.start, "expected a quoted string as the label value, got %s", got);
        return -1;
    }
    size_t at = p->tok.start;
    m->value = promql__string_value(p, &p->tok);
    if (m->value == NULL) return -1;
    if (m->type == PQ_MATCH_RE || m->type == PQ_MATCH_NRE) {
        m->re = promql__regex(p, m->value, at);
        if (m->re == NULL) return -1;
    }
    return promql__advance(p);
}

/* {matchers} after an optional metric name; the current token is '{'. */
static int promql__matchers(struct promql__parser *p, struct promql__node *n) {
    struct promql__matcher *list = promql__new(p, sizeof(*list) * LIMIT_PROMQL_MATCHERS);
    if (list == NULL || promql__advance(p) != 0) return -1;
    size_t count = 0;
    while (p->tok.type != TK_RBRACE) {
        if (count == LIMIT_PROMQL_MATCHERS) {
            promql__fail(p, p->tok.start, "more than %u label matchers in one selector",
                         LIMIT_PROMQL_MATCHERS);
            return -1;
        }
        if (promql__matcher(p, &list[count]) != 0) return -1;
        count++;
        if (p->tok.type == TK_COMMA) {
            if (promql__advance(p) != 0) return -1;
        } else if (p->tok.type != TK_RBRACE) {
            char got[48];
            promql__describe(p, &p->tok, got, sizeof(got));
            promql__fail(p, p->tok.start, "expected \",\" or \"}\" in the label matchers, got %s",
                         got);
            return -1;
        }
    }
    n->u.selector.matchers = list;
    n->u.selector.matchers_count = count;
    return promql__advance(p);
}

/* Checks Prometheus makes on a selector once it is read. */
static int promql__selector_check(struct promql__parser *p, struct promql__node *n) {
    int nonempty = 0;
    for (size_t i = 0; i < n->u.selector.matchers_count; i++) {
        const struct promql__matcher *m = &n->u.selector.matchers[i];
        if (strcmp(m->name, PROMQL_NAME_LABEL) == 0 && n->u.selector.metric != NULL) {
            promql__fail(p, n->offset, "metric name must not be set twice: \"%s\" or \"%s\"",
                         n->u.selector.metric, m->value);
            return -1;
        }
        if (!promql__matches_empty(m)) nonempty = 1;
    }
    if (n->u.selector.metric == NULL && !nonempty) {
        promql__fail(p, n->offset, "vector selector must contain at least one non-empty matcher");
        return -1;
    }
    return 0;
}

static struct promql__node *promql__selector(struct promql__parser *p) {
    struct promql__node *n = promql__node_new(p, PQ_SELECTOR, p->tok.start);
    if (n == NULL) return NULL;
    if (p->tok.type == TK_IDENT) {
        n->u.selector.metric = promql__strndup(&p->expr->arena, p->text + p->tok.start, p->tok.len);
        if (n->u.selector.metric == NULL || promql__advance(p) != 0) return NULL;
    }
    if (p->tok.type == TK_LBRACE && promql__matchers(p, n) != 0) return NULL;
    if (promql__selector_check(p, n) != 0) return NULL;
    return n;
}

/* ( label, ... ) after by/without/on/ignoring; the current token is the
 * keyword. */
static int promql__label_list(struct promql__parser *p, const char ***labels, size_t *count) {
    size_t kw_at = p->tok.start;
    if (promql__advance(p) != 0) return -1;
    if (p->tok.type != TK_LPAREN) {
        promql__fail(p, kw_at, "expected a parenthesised label list after \"%.*s\"",
                     (int)(p->pos - kw_at), p->text + kw_at);
        return -1;
    }
    const char **list = promql__new(p, sizeof(*list) * LIMIT_PROMQL_GROUPING);
    if (list == NULL || promql__advance(p) != 0) return -1;
    size_t n = 0;
    while (p->tok.type != TK_RPAREN) {
        if (p->tok.type != TK_IDENT || !promql_label_name_valid(p->text + p->tok.start, p->tok.len)) {
            char got[48];
            promql__describe(p, &p->tok, got, sizeof(got));
            promql__fail(p, p->tok.start, "expected a label name in the list, got %s", got);
            return -1;
        }
        if (n == LIMIT_PROMQL_GROUPING) {
            promql__fail(p, p->tok.start, "more than %u labels in one list", LIMIT_PROMQL_GROUPING);
            return -1;
        }
        list[n] = promql__strndup(&p->expr->arena, p->text + p->tok.start, p->tok.len);
        if (list[n] == NULL || promql__advance(p) != 0) return -1;
        n++;
        if (p->tok.type == TK_COMMA) {
            if (promql__advance(p) != 0) return -1;
        } else if (p->tok.type != TK_RPAREN) {
            char got[48];
            promql__describe(p, &p->tok, got, sizeof(got));
            promql__fail(p, p->tok.start, "expected \",\" or \")\" in the label list, got %s", got);
            return -1;
        }
    }
    *labels = list;
    *count = n;
    return promql__advance(p);
}

static const char *promql__type_name(enum promql_type t) {
    return t == PROMQL_SCALAR ? "scalar" : "instant vector";
}

static int promql__grouping(struct promql__parser *p, struct promql__node *n) {
    n->u.aggregate.without = promql__is_word(p, &p->tok, "without") ? 1 : 0;
    return promql__label_list(p, &n->u.aggregate.labels, &n->u.aggregate.labels_count);
}

static struct promql__node *promql__aggregate(struct promql__parser *p, enum promql__agg op) {
    size_t at = p->tok.start;
    struct promql__node *n = promql__node_new(p, PQ_AGGREGATE, at);
    if (n == NULL || promql__advance(p) != 0) return NULL;
    n->u.aggregate.op = op;
    int grouped = 0;
    if (promql__is_word(p, &p->tok, "by") || promql__is_word(p, &p->tok, "without")) {
        if (promql__grouping(p, n) != 0) return NULL;
        grouped = 1;
    }
    if (promql__expect(p, TK_LPAREN, "\"(\" after the aggregation") != 0) return NULL;
    struct promql__node *arg = promql__expr(p, 1);
    if (arg == NULL) return NULL;
    if (p->tok.type == TK_COMMA) {
        promql__fail(p, p->tok.start,
                     "wrong number of arguments for aggregate expression provided, expected 1");
        return NULL;
    }
    if (promql__expect(p, TK_RPAREN, "\")\" closing the aggregation") != 0) return NULL;
    if (promql__is_word(p, &p->tok, "by") || promql__is_word(p, &p->tok, "without")) {
        if (grouped) {
            promql__fail(p, p->tok.start, "by/without given twice in one aggregation");
            return NULL;
        }
        if (promql__grouping(p, n) != 0) return NULL;
    }
    if (arg->type != PROMQL_VECTOR) {
        promql__fail(p, arg->offset,
                     "expected type instant vector in aggregation expression, got %s",
                     promql__type_name(arg->type));
        return NULL;
    }
    n->u.aggregate.operand = arg;
    return n;
}

static struct promql__node *promql__absent(struct promql__parser *p) {
    struct promql__node *n = promql__node_new(p, PQ_ABSENT, p->tok.start);
    if (n == NULL || promql__advance(p) != 0) return NULL;
    if (promql__expect(p, TK_LPAREN, "\"(\"") != 0) return NULL;
    if (p->tok.type == TK_RPAREN) {
        promql__fail(p, p->tok.start, "expected 1 argument in call to \"absent\", got 0");
        return NULL;
    }
    struct promql__node *arg = promql__expr(p, 1);
    if (arg == NULL) return NULL;
    if (p->tok.type == TK_COMMA) {
        promql__fail(p, p->tok.start, "expected 1 argument in call to \"absent\", got more");
        return NULL;
    }
    if (promql__expect(p, TK_RPAREN, "\")\" closing absent(") != 0) return NULL;
    if (arg->type != PROMQL_VECTOR) {
        promql__fail(p, arg->offset,
                     "expected type instant vector in call to function \"absent\", got %s",
                     promql__type_name(arg->type));
        return NULL;
    }
    n->u.operand = arg;
    return n;
}

static const struct {
    const char *word;
    enum promql__agg op;
} promql__aggs[] = {{"sum", PQ_SUM}, {"min", PQ_MIN}, {"max", PQ_MAX}, {"count", PQ_COUNT}};

static const char *const promql__other_aggs[] = {
    "avg", "group", "stddev", "stdvar", "topk", "bottomk", "count_values", "quantile",
};

/* A word at the start of an operand: an aggregation, a function call or a
 * selector, or a keyword out of place. */
static struct promql__node *promql__word(struct promql__parser *p) {
    const struct promql__token t = p->tok;
    for (size_t i = 0; i < sizeof(promql__aggs) / sizeof(promql__aggs[0]); i++) {
        if (promql__is_word(p, &t, promql__aggs[i].word)) return promql__aggregate(p, promql__aggs[i].op);
    }
    for (size_t i = 0; i < sizeof(promql__other_aggs) / sizeof(promql__other_aggs[0]); i++) {
        if (promql__is_word(p, &t, promql__other_aggs[i])) {
            promql__fail(p, t.start, "the aggregation %s %s", promql__other_aggs[i], promql__outside);
            return NULL;
        }
    }
    if (promql__keyword(p, &t)) {
        promql__fail(p, t.start, "unexpected keyword \"%.*s\"", (int)t.len, p->text + t.start);
        return NULL;
    }
    struct promql__token next;
    if (promql__peek(p, &next) != 0) return NULL;
    if (next.type == TK_LPAREN) {
        if (t.len == 6 && memcmp(p->text + t.start, "absent", 6) == 0) return promql__absent(p);
        if (promql__known_function(p->text + t.start, t.len)) {
            promql__fail(p, t.start, "the function %.*s() %s: absent() is the only one",
                         (int)t.len, p->text + t.start, promql__outside);
        } else {
            promql__fail(p, t.start, "unknown function \"%.*s\"", (int)(t.len > 40 ? 40 : t.len),
                         p->text + t.start);
        }
        return NULL;
    }
    return promql__selector(p);
}

/* What may follow an operand and is refused: [range], offset, @. */
static int promql__postfix(struct promql__parser *p) {
    if (p->tok.type == TK_LBRACKET) {
        promql__fail(p, p->tok.start, "range vectors and subqueries ([...]) %s", promql__outside_plural);
        return -1;
    }
    if (promql__is_word(p, &p->tok, "offset")) {
        promql__fail(p, p->tok.start, "offset %s", promql__outside);
        return -1;
    }
    if (p->tok.type == TK_AT) {
        promql__fail(p, p->tok.start, "the @ modifier %s", promql__outside);
        return -1;
    }
    return 0;
}

static struct promql__node *promql__primary(struct promql__parser *p) {
    struct promql__node *n = NULL;
    enum promql__tok t = p->tok.type;
    if (t == TK_NUMBER) {
        n = promql__node_new(p, PQ_NUMBER, p->tok.start);
        if (n == NULL) return NULL;
        n->type = PROMQL_SCALAR;
        n->u.number = p->tok.number;
        if (promql__advance(p) != 0) return NULL;
    } else if (t == TK_STRING) {
        promql__fail(p, p->tok.start, "a string literal is allowed only as a label matcher's value");
        return NULL;
    } else if (t == TK_LPAREN) {
        n = promql__node_new(p, PQ_PAREN, p->tok.start);
        if (n == NULL || promql__advance(p) != 0) return NULL;
        n->u.operand = promql__expr(p, 1);
        if (n->u.operand == NULL) return NULL;
        n->type = n->u.operand->type;
        if (promql__expect(p, TK_RPAREN, "\")\"") != 0) return NULL;
    } else if (t == TK_LBRACE) {
        n = promql__selector(p);
    } else if (t == TK_IDENT) {
        n = promql__word(p);
    } else if (t == TK_EOF) {
        promql__fail(p, p->tok.start, "unexpected end of expression");
        return NULL;
    } else {
        char got[48];
        promql__describe(p, &p->tok, got, sizeof(got));
        promql__fail(p, p->tok.start, "unexpected %s", got);
        return NULL;
    }
    if (n == NULL || promql__postfix(p) != 0) return NULL;
    return n;
}

static int promql__enter(struct promql__parser *p) {
    if (++p->depth > LIMIT_PROMQL_DEPTH) {
        promql__fail(p, p->tok.start, "expression nested deeper than %u", LIMIT_PROMQL_DEPTH);
        return -1;
    }
    return 0;
}

static struct promql__node *promql__unary(struct promql__parser *p) {
    struct promql__node *n = NULL;
    if (p->tok.type == TK_ADD || p->tok.type == TK_SUB) {
        size_t at = p->tok.start;
        int minus = p->tok.type == TK_SUB;
        if (promql__advance(p) != 0 || promql__enter(p) != 0) return NULL;
        struct promql__node *operand = promql__unary(p);
        if (operand == NULL) return NULL;
        p->depth--;
        if (!minus) {
            n = operand;
        } else if (operand->kind == PQ_NUMBER) {
            operand->u.number = -operand->u.number;
            operand->offset = at;
            n = operand;
        } else {
            n = promql__node_new(p, PQ_NEG, at);
            if (n == NULL) return NULL;
            n->type = operand->type;
            n->u.operand = operand;
        }
    } else {
        n = promql__primary(p);
    }
    return n;
}

struct promql__binop {
    enum promql__tok tok;
    const char *word; /* or a keyword */
    enum promql__op op;
    int prec;
};

static const struct promql__binop promql__binops[] = {
    {TK_IDENT, "or", PQ_OR, 1},    {TK_IDENT, "and", PQ_AND, 2}, {TK_IDENT, "unless", PQ_UNLESS, 2},
    {TK_EQLC, NULL, PQ_EQ, 3},     {TK_NEQ, NULL, PQ_NE, 3},     {TK_GTR, NULL, PQ_GT, 3},
    {TK_LSS, NULL, PQ_LT, 3},      {TK_GTE, NULL, PQ_GE, 3},     {TK_LTE, NULL, PQ_LE, 3},
    {TK_ADD, NULL, PQ_ADD, 4},     {TK_SUB, NULL, PQ_SUB, 4},    {TK_MUL, NULL, PQ_MUL, 5},
    {TK_DIV, NULL, PQ_DIV, 5},
};

/* The binary operator at the current token, or NULL. Operators outside
 * the subset are refused here. */
static const struct promql__binop *promql__binop(struct promql__parser *p) {
    for (size_t i = 0; i < sizeof(promql__binops) / sizeof(promql__binops[0]); i++) {
        const struct promql__binop *b = &promql__binops[i];
        if (b->tok != p->tok.type) continue;
        if (b->word == NULL || promql__is_word(p, &p->tok, b->word)) return b;
    }
    if (p->tok.type == TK_MOD || p->tok.type == TK_POW || promql__is_word(p, &p->tok, "atan2")) {
        promql__fail(p, p->tok.start, "the operator \"%.*s\" %s", (int)p->tok.len,
                     p->text + p->tok.start, promql__outside);
    }
    return NULL;
}

static int promql__is_comparison(enum promql__op op) { return op >= PQ_EQ && op <= PQ_LE; }
static int promql__is_set(enum promql__op op) { return op >= PQ_AND; }

/* bool, on(...) / ignoring(...) after a binary operator. */
static int promql__modifiers(struct promql__parser *p, struct promql__node *n) {
    if (promql__is_word(p, &p->tok, "bool")) {
        n->u.binary.return_bool = 1;
        if (promql__advance(p) != 0) return -1;
    }
    if (promql__is_word(p, &p->tok, "on") || promql__is_word(p, &p->tok, "ignoring")) {
        n->u.binary.matching = 1;
        n->u.binary.on = promql__is_word(p, &p->tok, "on") ? 1 : 0;
        if (promql__label_list(p, &n->u.binary.labels, &n->u.binary.labels_count) != 0) return -1;
    }
    if (promql__is_word(p, &p->tok, "group_left") || promql__is_word(p, &p->tok, "group_right")) {
        promql__fail(p, p->tok.start, "%.*s (many-to-one matching) %s", (int)p->tok.len,
                     p->text + p->tok.start, promql__outside);
        return -1;
    }
    return 0;
}

/* Prometheus' checks on a binary expression (parser.checkAST). */
static int promql__binary_check(struct promql__parser *p, struct promql__node *n) {
    enum promql__op op = n->u.binary.op;
    enum promql_type lt = n->u.binary.lhs->type;
    enum promql_type rt = n->u.binary.rhs->type;
    if (n->u.binary.return_bool && !promql__is_comparison(op)) {
        promql__fail(p, n->offset, "bool modifier can only be used on comparison operators");
        return -1;
    }
    if (promql__is_comparison(op) && !n->u.binary.return_bool && lt == PROMQL_SCALAR &&
        rt == PROMQL_SCALAR) {
        promql__fail(p, n->offset, "comparisons between scalars must use BOOL modifier");
        return -1;
    }
    if (promql__is_set(op) && (lt == PROMQL_SCALAR || rt == PROMQL_SCALAR)) {
        promql__fail(p, n->offset, "set operator not allowed in binary scalar expression");
        return -1;
    }
    if ((lt != PROMQL_VECTOR || rt != PROMQL_VECTOR) && n->u.binary.labels_count > 0) {
        promql__fail(p, n->offset, "vector matching only allowed between instant vectors");
        return -1;
    }
    n->type = (lt == PROMQL_SCALAR && rt == PROMQL_SCALAR) ? PROMQL_SCALAR : PROMQL_VECTOR;
    return 0;
}

static unsigned promql__height(const struct promql__node *n) {
    switch (n->kind) {
    case PQ_NUMBER:
    case PQ_SELECTOR:
        return 1;
    case PQ_NEG:
    case PQ_PAREN:
    case PQ_ABSENT:
        return 1 + promql__height(n->u.operand);
    case PQ_AGGREGATE:
        return 1 + promql__height(n->u.aggregate.operand);
    case PQ_BINARY: {
        unsigned l = promql__height(n->u.binary.lhs);
        unsigned r = promql__height(n->u.binary.rhs);
        return 1 + (l > r ? l : r);
    }
    }
    return 1;
}

static struct promql__node *promql__expr(struct promql__parser *p, int min_prec) {
    if (promql__enter(p) != 0) return NULL;
    struct promql__node *lhs = promql__unary(p);
    while (lhs != NULL) {
        const struct promql__binop *b = promql__binop(p);
        if (b == NULL || b->prec < min_prec) break;
        struct promql__node *n = promql__node_new(p, PQ_BINARY, p->tok.start);
        if (n == NULL || promql__advance(p) != 0) return NULL;
        n->u.binary.op = b->op;
        n->u.binary.lhs = lhs;
        if (promql__modifiers(p, n) != 0) return NULL;
        n->u.binary.rhs = promql__expr(p, b->prec + 1);
        if (n->u.binary.rhs == NULL || promql__binary_check(p, n) != 0) return NULL;
        /* Left-deep chains are built by this loop, not by recursion: bound
         * the tree the evaluator will walk. */
        if (promql__height(n) > LIMIT_PROMQL_DEPTH) {
            promql__fail(p, n->offset, "expression nested deeper than %u", LIMIT_PROMQL_DEPTH);
            return NULL;
        }
        lhs = n;
    }
    if (p->failed) return NULL;
    p->depth--;
    return lhs;
}

/* Valid UTF-8 and no NUL: an expression is text. Returns the offset of the
 * first bad byte, or len. */
static size_t promql__utf8_check(const char *text, size_t len) {
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
                                : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (c == 0 || n == 0 || (n == 2 && c < 0xc2) || i + n > len) return i;
        unsigned long cp = n == 1 ? c : n == 2 ? (c & 0x1fu) : n == 3 ? (c & 0x0fu) : (c & 0x07u);
        for (size_t k = 1; k < n; k++) {
            unsigned char cc = (unsigned char)text[i + k];
            if ((cc & 0xc0) != 0x80) return i;
            cp = (cp << 6) | (cc & 0x3fu);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp < 0xe000)) {
            return i;
        }
        i += n;
    }
    return len;
}

static void promql__regexes_free(struct promql__regex *r) {
    for (; r != NULL; r = r->next) regfree(&r->re);
}

enum err promql_parse(const char *text, size_t len, struct promql_expr **out,
                      struct promql_error *error) {
    memset(error, 0, sizeof(*error));
    if (len > LIMIT_PROMQL_EXPR_BYTES) {
        error->offset = LIMIT_PROMQL_EXPR_BYTES;
        snprintf(error->message, sizeof(error->message), "expression longer than %u bytes",
                 LIMIT_PROMQL_EXPR_BYTES);
        return ERR_INVALID_ARGUMENT;
    }
    size_t bad = promql__utf8_check(text, len);
    if (bad != len) {
        error->offset = bad;
        snprintf(error->message, sizeof(error->message), "not UTF-8 text (or a NUL byte)");
        return ERR_INVALID_ARGUMENT;
    }
    struct promql_expr *e = calloc(1, sizeof(*e));
    if (e == NULL) return ERR_INTERNAL;
    struct promql__parser p = {.text = text, .len = len, .expr = e, .error = error};
    struct promql__node *root = NULL;
    if (promql__advance(&p) == 0) root = promql__expr(&p, 1);
    if (root != NULL && p.tok.type != TK_EOF) {
        char got[48];
        promql__describe(&p, &p.tok, got, sizeof(got));
        promql__fail(&p, p.tok.start, "unexpected %s", got);
        root = NULL;
    }
    if (root == NULL || p.failed) {
        int oom = p.oom;
        promql_free(e);
        return oom ? ERR_INTERNAL : ERR_INVALID_ARGUMENT;
    }
    e->root = root;
    *out = e;
    return ERR_OK;
}

void promql_free(struct promql_expr *expr) {
    if (expr == NULL) return;
    promql__regexes_free(expr->regexes);
    promql__arena_free(&expr->arena);
    free(expr);
}

enum promql_type promql_type_of(const struct promql_expr *expr) { return expr->root->type; }

/* Through parentheses: (x) is x. */
static const struct promql__node *promql__unparen(const struct promql__node *n) {
    while (n->kind == PQ_PAREN) n = n->u.operand;
    return n;
}

int promql_threshold(const struct promql_expr *expr, const char *metric, int *inclusive,
                     double *value) {
    const struct promql__node *n = promql__unparen(expr->root);
    if (n->kind != PQ_BINARY || n->u.binary.return_bool || n->u.binary.matching) return 0;
    if (n->u.binary.op != PQ_GT && n->u.binary.op != PQ_GE) return 0;
    const struct promql__node *lhs = promql__unparen(n->u.binary.lhs);
    const struct promql__node *rhs = promql__unparen(n->u.binary.rhs);
    if (lhs->kind != PQ_SELECTOR || lhs->u.selector.matchers_count != 0) return 0;
    if (lhs->u.selector.metric == NULL || strcmp(lhs->u.selector.metric, metric) != 0) return 0;
    if (rhs->kind != PQ_NUMBER || !isfinite(rhs->u.number)) return 0;
    *inclusive = n->u.binary.op == PQ_GE;
    *value = rhs->u.number;
    return 1;
}
