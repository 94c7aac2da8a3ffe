/*
 * promql_re.c - Prometheus' regular expressions (Go's RE2 syntax, anchored
 * as ^(?:re)$) on POSIX regcomp: the pattern is translated to an extended
 * regular expression that matches the same label values.
 *
 * Label values are UTF-8 and RE2 matches runes where POSIX (in the C
 * locale mintline runs in) matches bytes. The translation keeps RE2's
 * meaning: `.` and negated classes consume one whole UTF-8 sequence (a lead
 * byte and its continuation bytes), a multi-byte literal is grouped so a
 * quantifier repeats all of it, `.` does not match a newline (RE2 without
 * the s flag), \d \w \s are RE2's ASCII classes, a lazy quantifier (`*?`)
 * is its greedy twin (whole-string matching cannot tell them apart), and
 * `{` that starts no repetition is a literal, as in RE2. What the
 * translation does not cover is refused with the offset in the pattern:
 * flags other than a leading (?i), \p classes, non-ASCII characters inside
 * a class, \D \W \S inside a class.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "promql_internal.h"

struct promql__re {
    const char *s;
    size_t len;
    size_t i;
    struct buf out;
    int can_repeat;  /* the last thing written is an atom a quantifier may follow */
    int quantified;  /* the last thing written is a quantifier */
    unsigned groups; /* open parentheses */
    char *why;
    size_t why_size;
    size_t *at;
};

static int promql__re_fail(struct promql__re *r, size_t at, const char *why) {
    snprintf(r->why, r->why_size, "%s", why);
    *r->at = at;
    return -1;
}

static void promql__re_put(struct promql__re *r, const char *text) {
    buf_put(&r->out, text, strlen(text));
}

/* A set of ASCII bytes (1..127). */
struct promql__set {
    unsigned char has[128];
};

static void promql__set_range(struct promql__set *set, int lo, int hi) {
    for (int c = lo; c <= hi; c++) {
        if (c > 0 && c < 128) set->has[c] = 1;
    }
}

/* \d \w \s (RE2's Perl classes, ASCII). Returns 0, or -1 for another letter. */
static int promql__set_perl(struct promql__set *set, char c) {
    switch (c) {
    case 'd':
        promql__set_range(set, '0', '9');
        return 0;
    case 'w':
        promql__set_range(set, '0', '9');
        promql__set_range(set, 'A', 'Z');
        promql__set_range(set, 'a', 'z');
        promql__set_range(set, '_', '_');
        return 0;
    case 's':
        promql__set_range(set, '\t', '\n');
        promql__set_range(set, '\f', '\r');
        promql__set_range(set, ' ', ' ');
        return 0;
    default:
        return -1;
    }
}

/* The members of set inside brackets, in an order POSIX reads literally:
 * ']' first, '^' never first, '-' last, ranges for runs of three or more
 * (runs never cross ']', '^' or '-'). A negated class consumes one whole
 * UTF-8 sequence: a lead byte outside the set, then continuation bytes. */
static void promql__set_emit(struct promql__re *r, const struct promql__set *set, int negated) {
    struct buf members;
    buf_init(&members);
    for (int c = 1; c < 128; c++) {
        if (!set->has[c] || c == ']' || c == '-' || c == '^') continue;
        int hi = c;
        while (hi + 1 < 128 && set->has[hi + 1] && hi + 1 != ']' && hi + 1 != '-' && hi + 1 != '^') {
            hi++;
        }
        char run[3] = {(char)c, '-', (char)hi};
        if (hi - c >= 2) {
            buf_put(&members, run, 3);
        } else {
            for (int k = c; k <= hi; k++) {
                char ch = (char)k;
                buf_put(&members, &ch, 1);
            }
        }
        c = hi;
    }
    if (!buf_ok(&members)) r->out.failed = 1;
    int close = set->has[']'];
    int caret = set->has['^'];
    int dash = set->has['-'];
    if (!negated && caret && !close && members.len == 0) {
        promql__re_put(r, dash ? "[-^]" : "\\^");
        buf_free(&members);
        return;
    }
    promql__re_put(r, negated ? "([^" : "[");
    if (close) promql__re_put(r, "]");
    buf_put(&r->out, members.data, members.len);
    if (negated) promql__re_put(r, "\x80-\xbf");
    if (caret) promql__re_put(r, "^");
    if (dash) promql__re_put(r, "-");
    promql__re_put(r, negated ? "][\x80-\xbf]*)" : "]");
    buf_free(&members);
}

static const struct {
    const char *name;
    int lo1, hi1, lo2, hi2, lo3, hi3, lo4, hi4;
} promql__posix_classes[] = {
    {"alnum", '0', '9', 'A', 'Z', 'a', 'z', 0, -1},
    {"alpha", 'A', 'Z', 'a', 'z', 0, -1, 0, -1},
    {"ascii", 1, 127, 0, -1, 0, -1, 0, -1},
    {"blank", '\t', '\t', ' ', ' ', 0, -1, 0, -1},
    {"cntrl", 1, 31, 127, 127, 0, -1, 0, -1},
    {"digit", '0', '9', 0, -1, 0, -1, 0, -1},
    {"graph", '!', '~', 0, -1, 0, -1, 0, -1},
    {"lower", 'a', 'z', 0, -1, 0, -1, 0, -1},
    {"print", ' ', '~', 0, -1, 0, -1, 0, -1},
    {"punct", '!', '/', ':', '@', '[', '`', '{', '~'},
    {"space", '\t', '\r', ' ', ' ', 0, -1, 0, -1},
    {"upper", 'A', 'Z', 0, -1, 0, -1, 0, -1},
    {"word", '0', '9', 'A', 'Z', 'a', 'z', '_', '_'},
    {"xdigit", '0', '9', 'A', 'F', 'a', 'f', 0, -1},
};

/* [:name:] at r->i inside a class. Returns 1 when one was read, 0 when
 * there is none, -1 on error. */
static int promql__class_posix(struct promql__re *r, struct promql__set *set) {
    if (r->i + 1 >= r->len || r->s[r->i] != '[' || r->s[r->i + 1] != ':') return 0;
    const char *end = memchr(r->s + r->i + 2, ':', r->len - r->i - 2);
    if (end == NULL || (size_t)(end - r->s) + 1 >= r->len || end[1] != ']') return 0;
    const char *name = r->s + r->i + 2;
    size_t n = (size_t)(end - name);
    if (n > 0 && name[0] == '^') return promql__re_fail(r, r->i, "negated [:^class:] is not supported");
    for (size_t k = 0; k < sizeof(promql__posix_classes) / sizeof(promql__posix_classes[0]); k++) {
        if (strlen(promql__posix_classes[k].name) != n || memcmp(promql__posix_classes[k].name, name, n) != 0) {
            continue;
        }
        promql__set_range(set, promql__posix_classes[k].lo1, promql__posix_classes[k].hi1);
        promql__set_range(set, promql__posix_classes[k].lo2, promql__posix_classes[k].hi2);
        promql__set_range(set, promql__posix_classes[k].lo3, promql__posix_classes[k].hi3);
        promql__set_range(set, promql__posix_classes[k].lo4, promql__posix_classes[k].hi4);
        r->i = (size_t)(end - r->s) + 2;
        return 1;
    }
    return promql__re_fail(r, r->i, "invalid character class range");
}

static int promql__hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* An escaped single character (after the backslash at r->i - 1): the
 * byte in *c. Returns 0, 1 when it is a Perl class letter (left at r->i),
 * or -1. */
static int promql__escape_char(struct promql__re *r, int *c) {
    if (r->i >= r->len) return promql__re_fail(r, r->i - 1, "trailing backslash at end of expression");
    unsigned char e = (unsigned char)r->s[r->i];
    static const char from[] = "aftnrv";
    static const char to[] = "\a\f\t\n\r\v";
    const char *hit = strchr(from, e);
    if (e != 0 && hit != NULL) {
        *c = to[hit - from];
        r->i++;
        return 0;
    }
    if (e == 'd' || e == 'w' || e == 's' || e == 'D' || e == 'W' || e == 'S') return 1;
    if (e == 'x') {
        int h1 = r->i + 1 < r->len ? promql__hex(r->s[r->i + 1]) : -1;
        int h2 = r->i + 2 < r->len ? promql__hex(r->s[r->i + 2]) : -1;
        if (h1 < 0 || h2 < 0) return promql__re_fail(r, r->i - 1, "\\x takes two hex digits here");
        int v = h1 * 16 + h2;
        if (v == 0 || v > 127) return promql__re_fail(r, r->i - 1, "\\x above \\x7f or \\x00 is not supported");
        *c = v;
        r->i += 3;
        return 0;
    }
    if (e < 0x80 && !((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))) {
        *c = e;
        r->i++;
        return 0;
    }
    return promql__re_fail(r, r->i - 1, "invalid or unsupported escape sequence");
}

/* A bracket class at r->i ('['). */
static int promql__class(struct promql__re *r) {
    size_t start = r->i++;
    struct promql__set set;
    memset(&set, 0, sizeof(set));
    int negated = 0;
    if (r->i < r->len && r->s[r->i] == '^') {
        negated = 1;
        r->i++;
    }
    int first = 1;
    for (;;) {
        if (r->i >= r->len) return promql__re_fail(r, start, "missing closing ]");
        unsigned char c = (unsigned char)r->s[r->i];
        if (c == ']' && !first) break;
        first = 0;
        int got = promql__class_posix(r, &set);
        if (got < 0) return -1;
        if (got > 0) continue;
        int lo = c;
        if (c >= 0x80) return promql__re_fail(r, r->i, "non-ASCII characters inside [...] are not supported");
        r->i++;
        if (c == '\\') {
            int perl = promql__escape_char(r, &lo);
            if (perl < 0) return -1;
            if (perl == 1) {
                char letter = r->s[r->i];
                if (promql__set_perl(&set, letter) != 0) {
                    return promql__re_fail(r, r->i - 1, "\\D, \\W and \\S inside [...] are not supported");
                }
                r->i++;
                continue;
            }
        }
        int hi = lo;
        if (r->i + 1 < r->len && r->s[r->i] == '-' && r->s[r->i + 1] != ']') {
            r->i++;
            unsigned char h = (unsigned char)r->s[r->i];
            if (h >= 0x80) return promql__re_fail(r, r->i, "non-ASCII characters inside [...] are not supported");
            r->i++;
            hi = h;
            if (h == '\\' && (promql__escape_char(r, &hi) != 0)) {
                return promql__re_fail(r, r->i, "invalid character class range");
            }
            if (hi < lo) return promql__re_fail(r, start, "invalid character class range");
        }
        promql__set_range(&set, lo, hi);
    }
    r->i++;
    promql__set_emit(r, &set, negated);
    return 0;
}

/* {n}, {n,}, {n,m} at r->i: returns 1 and writes it when it is one, 0
 * when the brace is a literal, -1 when RE2 refuses the count. */
static int promql__repeat(struct promql__re *r) {
    size_t j = r->i + 1;
    unsigned long n = 0;
    unsigned long m = 0;
    size_t digits = 0;
    while (j < r->len && r->s[j] >= '0' && r->s[j] <= '9' && digits < 8) {
        n = n * 10 + (unsigned long)(r->s[j] - '0');
        j++;
        digits++;
    }
    if (digits == 0 || j >= r->len) return 0;
    int comma = 0;
    int has_max = 0;
    if (r->s[j] == ',') {
        comma = 1;
        j++;
        size_t md = 0;
        while (j < r->len && r->s[j] >= '0' && r->s[j] <= '9' && md < 8) {
            m = m * 10 + (unsigned long)(r->s[j] - '0');
            j++;
            md++;
        }
        has_max = md > 0;
    }
    if (j >= r->len || r->s[j] != '}') return 0;
    if (n > 1000 || (has_max && (m > 1000 || m < n))) {
        return promql__re_fail(r, r->i, "bad repetition count (RE2 allows 0 to 1000, min <= max)");
    }
    char text[32];
    if (!comma) {
        snprintf(text, sizeof(text), "{%lu}", n);
    } else if (!has_max) {
        snprintf(text, sizeof(text), "{%lu,}", n);
    } else {
        snprintf(text, sizeof(text), "{%lu,%lu}", n, m);
    }
    promql__re_put(r, text);
    r->i = j + 1;
    return 1;
}

/* A quantifier at r->i (* + ? or a counted repeat). Returns 1 when one was
 * written, 0 when r->i holds none, -1 on error. */
static int promql__quantifier(struct promql__re *r) {
    char c = r->s[r->i];
    if (c != '*' && c != '+' && c != '?' && c != '{') return 0;
    if (c == '?' && r->quantified == 1) {
        /* A lazy quantifier: the same strings match the whole value. */
        r->i++;
        r->quantified = 2;
        return 1;
    }
    if (c == '{') {
        size_t at = r->i;
        int got = promql__repeat(r);
        if (got <= 0) return got;
        if (!r->can_repeat || r->quantified) {
            return promql__re_fail(r, at, "missing argument to repetition operator, or nested repetition");
        }
    } else {
        if (!r->can_repeat || r->quantified) {
            return promql__re_fail(r, r->i, "missing argument to repetition operator, or nested repetition");
        }
        buf_put(&r->out, &c, 1);
        r->i++;
    }
    r->quantified = 1;
    return 1;
}

/* ( at r->i: a group, (?:...), (?P<name>...) or (?<name>...). */
static int promql__group(struct promql__re *r) {
    size_t at = r->i++;
    if (r->i < r->len && r->s[r->i] == '?') {
        if (r->i + 1 < r->len && r->s[r->i + 1] == ':') {
            r->i += 2;
        } else if (r->i + 2 < r->len && (r->s[r->i + 1] == '<' || (r->s[r->i + 1] == 'P' && r->s[r->i + 2] == '<'))) {
            const char *close = memchr(r->s + r->i, '>', r->len - r->i);
            if (close == NULL) return promql__re_fail(r, at, "invalid named capture");
            r->i = (size_t)(close - r->s) + 1;
        } else {
            return promql__re_fail(r, at, "flags other than a leading (?i) are not supported");
        }
    }
    promql__re_put(r, "(");
    r->groups++;
    r->can_repeat = 0;
    r->quantified = 0;
    return 0;
}

/* One literal byte as a one-byte POSIX atom. */
static void promql__literal(struct promql__re *r, int c) {
    if (strchr(".[]()*+?{}|^$\\", c) != NULL) {
        char text[4] = {'[', (char)c, ']', 0};
        if (c == '\\') {
            promql__re_put(r, "\\\\");
        } else if (c == '^') {
            promql__re_put(r, "\\^");
        } else {
            promql__re_put(r, text);
        }
        return;
    }
    char ch = (char)c;
    buf_put(&r->out, &ch, 1);
}

/* A backslash escape outside classes at r->i ('\\'). */
static int promql__escape(struct promql__re *r) {
    size_t at = r->i++;
    if (r->i < r->len) {
        char e = r->s[r->i];
        if (e == 'b' || e == 'B') {
            promql__re_put(r, e == 'b' ? "\\b" : "\\B");
            r->i++;
            r->can_repeat = 0;
            return 0;
        }
        if (e == 'A' || e == 'z') {
            promql__re_put(r, e == 'A' ? "^" : "$");
            r->i++;
            r->can_repeat = 0;
            return 0;
        }
        if (e == 'Q') {
            const char *end = NULL;
            size_t from = r->i + 1;
            for (size_t k = from; k + 1 < r->len; k++) {
                if (r->s[k] == '\\' && r->s[k + 1] == 'E') {
                    end = r->s + k;
                    break;
                }
            }
            size_t stop = end != NULL ? (size_t)(end - r->s) : r->len;
            promql__re_put(r, "(");
            for (size_t k = from; k < stop; k++) promql__literal(r, (unsigned char)r->s[k]);
            promql__re_put(r, ")");
            r->i = end != NULL ? stop + 2 : stop;
            r->can_repeat = 1;
            return 0;
        }
        if (e == 'p' || e == 'P') return promql__re_fail(r, at, "Unicode classes (\\p) are not supported");
    }
    int c = 0;
    int perl = promql__escape_char(r, &c);
    if (perl < 0) return -1;
    if (perl == 1) {
        char letter = r->s[r->i++];
        struct promql__set set;
        memset(&set, 0, sizeof(set));
        int negated = letter >= 'A' && letter <= 'Z';
        (void)promql__set_perl(&set, (char)(negated ? letter - 'A' + 'a' : letter));
        promql__set_emit(r, &set, negated);
    } else {
        promql__literal(r, c);
    }
    r->can_repeat = 1;
    return 0;
}

/* One multi-byte UTF-8 character, grouped so that a quantifier repeats it
 * whole (the pattern is valid UTF-8: the parser checked the expression). */
static void promql__multibyte(struct promql__re *r) {
    size_t n = 1;
    while (r->i + n < r->len && ((unsigned char)r->s[r->i + n] & 0xc0) == 0x80) n++;
    promql__re_put(r, "(");
    buf_put(&r->out, r->s + r->i, n);
    promql__re_put(r, ")");
    r->i += n;
}

static int promql__re_step(struct promql__re *r) {
    int q = promql__quantifier(r);
    if (q != 0) return q < 0 ? -1 : 0;
    unsigned char c = (unsigned char)r->s[r->i];
    r->quantified = 0;
    switch (c) {
    case '(':
        return promql__group(r);
    case ')':
        if (r->groups == 0) return promql__re_fail(r, r->i, "unexpected )");
        r->groups--;
        promql__re_put(r, ")");
        r->i++;
        r->can_repeat = 1;
        return 0;
    case '|':
        promql__re_put(r, "|");
        r->i++;
        r->can_repeat = 0;
        return 0;
    case '^':
    case '$':
        buf_put(&r->out, (const char *)&r->s[r->i], 1);
        r->i++;
        r->can_repeat = 0;
        return 0;
    case '.':
        promql__re_put(r, "([^\n\x80-\xbf][\x80-\xbf]*)");
        r->i++;
        r->can_repeat = 1;
        return 0;
    case '[':
        r->can_repeat = 1;
        return promql__class(r);
    case '\\':
        return promql__escape(r);
    default:
        break;
    }
    if (c >= 0x80) {
        promql__multibyte(r);
    } else {
        promql__literal(r, c);
        r->i++;
    }
    r->can_repeat = 1;
    return 0;
}

int promql__regex_compile(const char *pattern, size_t len, regex_t *re, char *why,
                          size_t why_size, size_t *at) {
    struct promql__re r = {.s = pattern, .len = len, .why = why, .why_size = why_size, .at = at};
    int flags = REG_EXTENDED | REG_NOSUB;
    if (len >= 4 && memcmp(pattern, "(?i)", 4) == 0) {
        flags |= REG_ICASE;
        r.i = 4;
    }
    buf_init(&r.out);
    promql__re_put(&r, "^(");
    int rc = 0;
    while (rc == 0 && r.i < r.len) rc = promql__re_step(&r);
    if (rc == 0 && r.groups > 0) rc = promql__re_fail(&r, len, "missing closing )");
    promql__re_put(&r, ")$");
    buf_put(&r.out, "", 1);
    if (rc == 0 && !buf_ok(&r.out)) rc = promql__re_fail(&r, 0, "out of memory");
    if (rc == 0) {
        int cr = regcomp(re, (const char *)r.out.data, flags);
        if (cr != 0) {
            char msg[80];
            regerror(cr, NULL, msg, sizeof(msg));
            rc = promql__re_fail(&r, 0, msg);
        }
    }
    buf_free(&r.out);
    return rc;
}

int promql__regex_match(const regex_t *re, const char *s) { return regexec(re, s, 0, NULL, 0) == 0; }
