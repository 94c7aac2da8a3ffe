/*
 * jtext.c - the one definition of acceptable JSON text (see jtext.h).
 *
 * A validator, not a parser: one pass, no allocation, no recursion (an
 * explicit stack of at most LIMIT_JSON_DEPTH frames, which also gives a
 * fault its path). It never decodes: readers decode afterwards with the
 * library of their choice, knowing every one of them takes this text.
 */
#include "jtext.h"

#include <stdio.h>
#include <string.h>

#include "limits.h"

/* Keys longer than this are cut in a fault's path. */
#define JTEXT__KEY_SHOWN 40u

enum jtext__state { JTEXT__OPENED, JTEXT__AFTER };

struct jtext__frame {
    uint8_t object;  /* 1: an object; 0: an array */
    uint8_t state;   /* enum jtext__state */
    uint8_t has_key; /* object: key_at/key_len name the member being read */
    uint32_t index;  /* array: the element being read */
    size_t key_at;   /* object: the current key's raw text */
    size_t key_len;
};

struct jtext__p {
    const uint8_t *s;
    size_t len;
    size_t at;
    uint32_t depth;
    struct jtext__frame stack[LIMIT_JSON_DEPTH];
    struct jtext_fault *fault;
};

static int jtext__fail(struct jtext__p *p, size_t at, const char *reason) {
    p->fault->offset = at;
    p->fault->reason = reason;
    return -1;
}

static int jtext__digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* Eight bytes at a time over the common case of a decoded string: ASCII. */
#define JTEXT__HIGHS UINT64_C(0x8080808080808080)

static uint64_t jtext__load8(const uint8_t *s) {
    uint64_t x;
    memcpy(&x, s, sizeof(x));
    return x;
}

/* Bytes a string holds as they are (0): printable ASCII but '"' and '\\'.
 * Anything else (1) takes the slow path: an escape, the end, a control
 * character, or a UTF-8 sequence to check. */
static const uint8_t jtext__special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* The length (1..4) of the valid UTF-8 sequence starting s[0..len), or 0
 * with *reason set. RFC 3629's table: the second byte's range depends on
 * the first (E0: A0..BF, ED: 80..9F, F0: 90..BF, F4: 80..8F). */
static size_t jtext__seq(const uint8_t *s, size_t len, const char **reason) {
    uint8_t c = s[0];
    if (c < 0x80) return 1;
    if (c < 0xC0) {
        *reason = "stray UTF-8 continuation byte";
        return 0;
    }
    if (c < 0xC2) {
        *reason = "overlong UTF-8";
        return 0;
    }
    if (c >= 0xF5) {
        *reason = "UTF-8 above U+10FFFF";
        return 0;
    }
    size_t n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    for (size_t i = 1; i < n; i++) {
        if (i >= len || (s[i] & 0xC0) != 0x80) {
            *reason = "incomplete UTF-8 sequence";
            return 0;
        }
    }
    uint8_t b = s[1];
    if ((c == 0xE0 && b < 0xA0) || (c == 0xF0 && b < 0x90)) {
        *reason = "overlong UTF-8";
        return 0;
    }
    if (c == 0xED && b > 0x9F) {
        *reason = "UTF-8 encoded surrogate";
        return 0;
    }
    if (c == 0xF4 && b > 0x8F) {
        *reason = "UTF-8 above U+10FFFF";
        return 0;
    }
    return n;
}

size_t jtext_utf8(const uint8_t *s, size_t len, const char **reason) {
    size_t at = 0;
    while (at < len) {
        if (len - at >= 8 && (jtext__load8(s + at) & JTEXT__HIGHS) == 0) {
            at += 8;
            continue;
        }
        if (s[at] < 0x80) {
            at++;
            continue;
        }
        const char *why = NULL;
        size_t n = jtext__seq(s + at, len - at, &why);
        if (n == 0) {
            if (reason != NULL) *reason = why;
            return at;
        }
        at += n;
    }
    return len;
}

enum err jtext_decoded(const char *s, size_t len, const char **reason) {
    const char *why = NULL;
    if (jtext_utf8((const uint8_t *)s, len, &why) != len) {
        *reason = why;
        return ERR_INVALID_JSON;
    }
    if (memchr(s, '\0', len) != NULL) {
        *reason = "U+0000 in a string";
        return ERR_INVALID_JSON;
    }
    return ERR_OK;
}

/* Four hex digits at s[at..at+4) into *out; -1 when short or not hex. */
static int jtext__hex4(const struct jtext__p *p, size_t at, uint32_t *out) {
    if (p->len < 4 || at > p->len - 4) return -1;
    uint32_t v = 0;
    for (size_t i = at; i < at + 4; i++) {
        uint8_t c = p->s[i];
        uint32_t d = jtext__digit(c)              ? (uint32_t)(c - '0')
                     : (c >= 'a' && c <= 'f') ? (uint32_t)(c - 'a' + 10)
                     : (c >= 'A' && c <= 'F') ? (uint32_t)(c - 'A' + 10)
                                              : 16u;
        if (d == 16u) return -1;
        v = v * 16 + d;
    }
    *out = v;
    return 0;
}

/* The escape at s[at] ('\\'): the bytes it takes, or -1. */
static int jtext__escape(struct jtext__p *p, size_t at) {
    if (at + 1 >= p->len) return jtext__fail(p, at, "unterminated string");
    uint8_t e = p->s[at + 1];
    if (e != 0 && strchr("\"\\/bfnrt", e) != NULL) return 2;
    if (e != 'u') return jtext__fail(p, at, "invalid escape");
    uint32_t cp;
    if (jtext__hex4(p, at + 2, &cp) != 0) return jtext__fail(p, at, "invalid \\u escape");
    if (cp == 0) return jtext__fail(p, at, "\\u0000 in a string");
    if (cp >= 0xDC00 && cp <= 0xDFFF) return jtext__fail(p, at, "lone surrogate escape");
    if (cp < 0xD800 || cp > 0xDBFF) return 6;
    uint32_t low;
    if (at + 7 < p->len && p->s[at + 6] == '\\' && p->s[at + 7] == 'u' &&
        jtext__hex4(p, at + 8, &low) == 0 && low >= 0xDC00 && low <= 0xDFFF) {
        return 12;
    }
    return jtext__fail(p, at, "lone surrogate escape");
}

/* The string whose opening quote is at p->at; leaves p->at past its end. */
static int jtext__string(struct jtext__p *p) {
    const uint8_t *s = p->s;
    size_t at = p->at + 1;
    while (at < p->len) {
        while (at < p->len && jtext__special[s[at]] == 0) at++;
        if (at == p->len) break;
        uint8_t c = s[at];
        if (c == '"') {
            p->at = at + 1;
            return 0;
        }
        if (c == '\\') {
            int n = jtext__escape(p, at);
            if (n < 0) return -1;
            at += (size_t)n;
        } else if (c < 0x20) {
            return jtext__fail(p, at, "control character in a string");
        } else if (c < 0x80) {
            at++;
        } else {
            const char *why = NULL;
            size_t n = jtext__seq(s + at, p->len - at, &why);
            if (n == 0) return jtext__fail(p, at, why);
            at += n;
        }
    }
    return jtext__fail(p, p->len, "unterminated string");
}

/* Does the integer's digit string (no sign, no leading zero) fit int64? */
static int jtext__int64(const uint8_t *digits, size_t n, int negative) {
    if (n < 19) return 1;
    if (n > 19) return 0;
    const char *max = negative ? "9223372036854775808" : "9223372036854775807";
    return memcmp(digits, max, 19) <= 0;
}

static size_t jtext__digits(const struct jtext__p *p, size_t at) {
    while (at < p->len && jtext__digit(p->s[at])) at++;
    return at;
}

/* The number at p->at: RFC 8259's grammar and the limits in jtext.h. */
static int jtext__number(struct jtext__p *p) {
    const uint8_t *s = p->s;
    size_t start = p->at;
    size_t at = start;
    int negative = s[at] == '-';
    if (negative) at++;
    if (at >= p->len || !jtext__digit(s[at])) return jtext__fail(p, at, "invalid number");
    size_t int_at = at;
    at = s[at] == '0' ? at + 1 : jtext__digits(p, at);
    if (s[int_at] == '0' && at < p->len && jtext__digit(s[at])) {
        return jtext__fail(p, start, "leading zero in a number");
    }
    size_t int_len = at - int_at;
    int integer = 1;
    if (at < p->len && s[at] == '.') {
        integer = 0;
        size_t end = jtext__digits(p, at + 1);
        if (end == at + 1) return jtext__fail(p, at, "invalid number");
        at = end;
    }
    if (at < p->len && (s[at] == 'e' || s[at] == 'E')) {
        integer = 0;
        at++;
        if (at < p->len && (s[at] == '+' || s[at] == '-')) at++;
        size_t end = jtext__digits(p, at);
        if (end == at) return jtext__fail(p, at, "invalid number");
        if (end - at > 2) return jtext__fail(p, start, "number exponent of more than two digits");
        at = end;
    }
    if (at - start > JTEXT_NUMBER_MAX) return jtext__fail(p, start, "number too long");
    if (integer && !jtext__int64(s + int_at, int_len, negative)) {
        return jtext__fail(p, start, "integer outside the int64 range");
    }
    p->at = at;
    return 0;
}

static int jtext__literal(struct jtext__p *p, const char *word) {
    size_t n = strlen(word);
    if (p->len - p->at < n || memcmp(p->s + p->at, word, n) != 0) {
        return jtext__fail(p, p->at, "unexpected character");
    }
    p->at += n;
    return 0;
}

static void jtext__ws(struct jtext__p *p) {
    while (p->at < p->len) {
        uint8_t c = p->s[p->at];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
        p->at++;
    }
}

static int jtext__open(struct jtext__p *p, int object) {
    if (p->depth == LIMIT_JSON_DEPTH) return jtext__fail(p, p->at, "nesting too deep");
    struct jtext__frame *f = &p->stack[p->depth++];
    memset(f, 0, sizeof(*f));
    f->object = (uint8_t)object;
    f->state = JTEXT__OPENED;
    p->at++;
    return 0;
}

/* One value: a scalar whole, or the opening of a container (pushed). */
static int jtext__value(struct jtext__p *p) {
    jtext__ws(p);
    if (p->at >= p->len) return jtext__fail(p, p->len, "unexpected end of text");
    uint8_t c = p->s[p->at];
    if (c == '{' || c == '[') return jtext__open(p, c == '{');
    if (c == '"') return jtext__string(p);
    if (c == 't') return jtext__literal(p, "true");
    if (c == 'f') return jtext__literal(p, "false");
    if (c == 'n') return jtext__literal(p, "null");
    if (c == '-' || jtext__digit(c)) return jtext__number(p);
    return jtext__fail(p, p->at,
                       c >= 0x80 ? "byte above 0x7F outside a string" : "unexpected character");
}

/* An object member's key and colon, then its value. */
static int jtext__member(struct jtext__p *p, struct jtext__frame *f) {
    jtext__ws(p);
    f->has_key = 0;
    if (p->at >= p->len || p->s[p->at] != '"') return jtext__fail(p, p->at, "expected a key");
    size_t start = p->at;
    if (jtext__string(p) != 0) return -1;
    f->key_at = start + 1;
    f->key_len = p->at - start - 2;
    f->has_key = 1;
    jtext__ws(p);
    if (p->at >= p->len || p->s[p->at] != ':') return jtext__fail(p, p->at, "expected ':'");
    p->at++;
    return jtext__value(p);
}

/* Inside the innermost container: its next element, or its end. */
static int jtext__next(struct jtext__p *p) {
    struct jtext__frame *f = &p->stack[p->depth - 1];
    if (p->at >= p->len) return jtext__fail(p, p->len, "unexpected end of text");
    uint8_t c = p->s[p->at];
    if (c == (f->object ? '}' : ']')) {
        p->at++;
        p->depth--;
        return 0;
    }
    if (f->state == JTEXT__AFTER) {
        if (c != ',') {
            return jtext__fail(p, p->at, f->object ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        p->at++;
        if (!f->object) f->index++;
    }
    f->state = JTEXT__AFTER;
    return f->object ? jtext__member(p, f) : jtext__value(p);
}

/* "commands[1].reason" from the stack; keys cut and shown in ASCII (any
 * other byte as '?') so a message never carries a broken sequence. */
static void jtext__path(const struct jtext__p *p, char *out, size_t size) {
    size_t n = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < p->depth && n + 1 < size; i++) {
        const struct jtext__frame *f = &p->stack[i];
        if (!f->object) {
            int w = snprintf(out + n, size - n, "[%u]", f->index);
            if (w < 0 || (size_t)w >= size - n) break;
            n += (size_t)w;
            continue;
        }
        if (!f->has_key) break;
        if (n > 0) out[n++] = '.';
        for (size_t k = 0; k < f->key_len && k < JTEXT__KEY_SHOWN && n + 1 < size; k++) {
            uint8_t c = p->s[f->key_at + k];
            out[n++] = (char)(c >= 0x20 && c < 0x7F ? c : '?');
        }
        out[n] = '\0';
    }
}

enum err jtext_check(const uint8_t *text, size_t len, struct jtext_fault *fault) {
    struct jtext__p p;
    p.s = text;
    p.len = len;
    p.at = 0;
    p.depth = 0;
    p.fault = fault;
    int rc = jtext__value(&p);
    while (rc == 0 && p.depth > 0) {
        jtext__ws(&p);
        rc = jtext__next(&p);
    }
    if (rc == 0) {
        jtext__ws(&p);
        if (p.at == p.len) return ERR_OK;
        (void)jtext__fail(&p, p.at, "characters after the value");
    }
    jtext__path(&p, fault->path, sizeof(fault->path));
    return ERR_INVALID_JSON;
}

void jtext_describe(const struct jtext_fault *fault, char *out, size_t size) {
    snprintf(out, size, "%s: %s (byte %zu)", fault->path[0] ? fault->path : "body", fault->reason,
             fault->offset);
}
