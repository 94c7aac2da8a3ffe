/* jw.c - JSON writer. */
#include "jw.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "duration.h"

void jw_init(struct jw *w, struct buf *out) {
    w->out = out;
    w->depth = 0;
    w->need_comma[0] = 0;
}

/* Before a value: a comma when a sibling came before (not after a key). */
static void jw__value(struct jw *w) {
    if (w->need_comma[w->depth] == 1) buf_put(w->out, ",", 1);
    w->need_comma[w->depth] = 1;
}

static void jw__open(struct jw *w, char c) {
    jw__value(w);
    buf_put(w->out, &c, 1);
    ASSERT(w->depth + 1 < JW_DEPTH_MAX);
    w->depth++;
    w->need_comma[w->depth] = 0;
}

static void jw__close(struct jw *w, char c) {
    ASSERT(w->depth > 0);
    w->depth--;
    buf_put(w->out, &c, 1);
}

void jw_object_begin(struct jw *w) { jw__open(w, '{'); }
void jw_object_end(struct jw *w) { jw__close(w, '}'); }
void jw_array_begin(struct jw *w) { jw__open(w, '['); }
void jw_array_end(struct jw *w) { jw__close(w, ']'); }

static void jw__escaped(struct buf *out, const char *s, size_t len) {
    /* Keys, addresses, amounts and times need no escaping: one append. */
    if (len <= 126) {
        char q[128];
        size_t i = 0;
        while (i < len && (unsigned char)s[i] >= 0x20 && s[i] != '"' && s[i] != '\\') i++;
        if (i == len) {
            q[0] = '"';
            memcpy(q + 1, s, len);
            q[len + 1] = '"';
            buf_put(out, q, len + 2);
            return;
        }
    }
    buf_put(out, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        buf_put(out, s + start, i - start);
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            buf_put(out, esc, 2);
        } else {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            buf_put(out, esc, 6);
        }
        start = i + 1;
    }
    buf_put(out, s + start, len - start);
    buf_put(out, "\"", 1);
}

void jw_key(struct jw *w, const char *key) {
    jw__value(w);
    jw__escaped(w->out, key, strlen(key));
    buf_put(w->out, ":", 1);
    w->need_comma[w->depth] = 2; /* the value that follows takes no comma */
}

void jw_string_n(struct jw *w, const char *s, size_t len) {
    jw__value(w);
    jw__escaped(w->out, s, len);
}

void jw_string(struct jw *w, const char *s) { jw_string_n(w, s, strlen(s)); }

void jw_uint(struct jw *w, uint64_t v) {
    char t[AMOUNT_TEXT_SIZE];
    size_t n = u128_format(v, t);
    jw__value(w);
    buf_put(w->out, t, n);
}

void jw_int(struct jw *w, int64_t v) {
    if (v >= 0) {
        jw_uint(w, (uint64_t)v);
        return;
    }
    char t[AMOUNT_TEXT_SIZE + 1];
    t[0] = '-';
    size_t n = u128_format((u128)(-(v + 1)) + 1, t + 1);
    jw__value(w);
    buf_put(w->out, t, n + 1);
}

void jw_bool(struct jw *w, int v) {
    jw__value(w);
    buf_put(w->out, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jw *w) {
    jw__value(w);
    buf_put(w->out, "null", 4);
}

void jw_double(struct jw *w, double v) {
    char t[32];
    int n = snprintf(t, sizeof(t), "%.6g", v);
    jw__value(w);
    buf_put(w->out, t, (size_t)n);
}

void jw_raw(struct jw *w, const char *json, size_t len) {
    jw__value(w);
    buf_put(w->out, json, len);
}

void jw_amount(struct jw *w, u128 amount, unsigned decimals) {
    char t[AMOUNT_TEXT_SIZE];
    size_t n = amount_format(amount, decimals, t);
    jw_string_n(w, t, n);
}

void jw_kv_string(struct jw *w, const char *key, const char *s) {
    jw_key(w, key);
    jw_string(w, s);
}

void jw_kv_int(struct jw *w, const char *key, int64_t v) {
    jw_key(w, key);
    jw_int(w, v);
}

void jw_kv_uint(struct jw *w, const char *key, uint64_t v) {
    jw_key(w, key);
    jw_uint(w, v);
}

void jw_kv_bool(struct jw *w, const char *key, int v) {
    jw_key(w, key);
    jw_bool(w, v);
}

void jw_kv_amount(struct jw *w, const char *key, u128 amount, unsigned decimals) {
    jw_key(w, key);
    jw_amount(w, amount, decimals);
}

void jw_kv_time(struct jw *w, const char *key, int64_t unix_ns) {
    jw_key(w, key);
    if (unix_ns == 0) {
        jw_null(w);
        return;
    }
    char t[40];
    time_format_iso(unix_ns, t);
    jw_string(w, t);
}
