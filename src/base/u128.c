/*
 * u128.c - checked 128-bit arithmetic and exact decimal amounts.
 *
 * Invariant: every function leaves its out-parameter untouched on failure.
 */
#include "u128.h"

#include <string.h>

#include "check.h"

enum err u128_add(u128 a, u128 b, u128 *out) {
    u128 r;
    if (__builtin_add_overflow(a, b, &r)) return ERR_OVERFLOW;
    *out = r;
    return ERR_OK;
}

enum err u128_sub(u128 a, u128 b, u128 *out) {
    u128 r;
    if (__builtin_sub_overflow(a, b, &r)) return ERR_OVERFLOW;
    *out = r;
    return ERR_OK;
}

enum err u128_mul(u128 a, u128 b, u128 *out) {
    u128 r;
    if (__builtin_mul_overflow(a, b, &r)) return ERR_OVERFLOW;
    *out = r;
    return ERR_OK;
}

static const uint64_t u128__pow10_u64[20] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
    10000000000u, 100000000000u, 1000000000000u, 10000000000000u, 100000000000000u,
    1000000000000000u, 10000000000000000u, 100000000000000000u, 1000000000000000000u,
    10000000000000000000u};

u128 u128_pow10(unsigned n) {
    ASSERT(n <= 38);
    if (n < 20) return u128__pow10_u64[n];
    return (u128)u128__pow10_u64[19] * u128__pow10_u64[n - 19];
}

static int u128__is_digit(char c) { return c >= '0' && c <= '9'; }

/* Accumulate digits text[from..to) into *acc; ERR_INVALID_AMOUNT on overflow. */
static enum err u128__digits(const char *text, size_t from, size_t to, u128 *acc) {
    u128 v = *acc;
    for (size_t i = from; i < to; i++) {
        u128 next;
        if (__builtin_mul_overflow(v, (u128)10, &next)) return ERR_INVALID_AMOUNT;
        if (__builtin_add_overflow(next, (u128)(unsigned)(text[i] - '0'), &next)) {
            return ERR_INVALID_AMOUNT;
        }
        v = next;
    }
    *acc = v;
    return ERR_OK;
}

/* The SPEC 2 grammar: digits, optionally a dot and 1..decimals digits.
 * Canonical (what mintline writes, and the only form it reads from its
 * interfaces) also means no leading zero in the integer part unless it is
 * "0", and no trailing zero in the fraction. */
static enum err u128__amount(const char *text, size_t len, unsigned decimals, int canonical,
                             u128 *out) {
    if (text == NULL || len == 0 || len >= AMOUNT_TEXT_SIZE) return ERR_INVALID_AMOUNT;
    if (decimals > AMOUNT_DECIMALS_MAX) return ERR_INVALID_AMOUNT;
    size_t dot = len;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '.') {
            if (dot != len) return ERR_INVALID_AMOUNT;
            dot = i;
        } else if (!u128__is_digit(text[i])) {
            return ERR_INVALID_AMOUNT;
        }
    }
    if (dot == 0) return ERR_INVALID_AMOUNT;           /* ".5" */
    if (dot != len && dot == len - 1) return ERR_INVALID_AMOUNT; /* "5." */
    size_t frac_len = dot == len ? 0 : len - dot - 1;
    if (frac_len > decimals) return ERR_INVALID_AMOUNT;
    if (canonical && dot > 1 && text[0] == '0') return ERR_INVALID_AMOUNT;        /* "01", "00.5" */
    if (canonical && frac_len > 0 && text[len - 1] == '0') return ERR_INVALID_AMOUNT; /* "1.50" */

    u128 v = 0;
    enum err err = u128__digits(text, 0, dot, &v);
    if (err) return err;
    if (frac_len > 0) {
        err = u128__digits(text, dot + 1, len, &v);
        if (err) return err;
    }
    u128 scaled;
    if (__builtin_mul_overflow(v, u128_pow10(decimals - (unsigned)frac_len), &scaled)) {
        return ERR_INVALID_AMOUNT;
    }
    *out = scaled;
    return ERR_OK;
}

enum err amount_parse(const char *text, size_t len, unsigned decimals, u128 *out) {
    return u128__amount(text, len, decimals, 1, out);
}

enum err amount_parse_loose(const char *text, size_t len, unsigned decimals, u128 *out) {
    return u128__amount(text, len, decimals, 0, out);
}

size_t amount_canonical_text(const char *text, size_t len, char out[AMOUNT_TEXT_SIZE]) {
    if (text == NULL || len == 0 || len >= AMOUNT_TEXT_SIZE) return 0;
    size_t dot = len;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '.' && dot == len) {
            dot = i;
        } else if (!u128__is_digit(text[i])) {
            return 0;
        }
    }
    if (dot == 0 || dot == len - 1) return 0; /* ".5", "5." */
    size_t from = 0;
    while (from + 1 < dot && text[from] == '0') from++;
    size_t to = len;
    if (dot < len) {
        while (to > dot + 1 && text[to - 1] == '0') to--;
        if (to == dot + 1) to = dot; /* nothing left of the fraction: drop the dot */
    }
    memcpy(out, text + from, to - from);
    out[to - from] = '\0';
    return to - from;
}

/* Digits of a u64, most significant first; returns the count. */
static size_t u128__u64_digits(uint64_t v, char *out) {
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

/* 128-bit division is a library call per digit; split into 19-digit u64
 * chunks so that at most two u128 divisions remain. */
#define U128_CHUNK UINT64_C(10000000000000000000)

size_t u128_format(u128 v, char out[AMOUNT_TEXT_SIZE]) {
    size_t n = 0;
    if (v <= UINT64_MAX) {
        n = u128__u64_digits((uint64_t)v, out);
        out[n] = '\0';
        return n;
    }
    uint64_t low = (uint64_t)(v % U128_CHUNK);
    u128 high = v / U128_CHUNK;
    n = u128_format(high, out);
    for (int i = 18; i >= 0; i--) {
        out[n + (size_t)i] = (char)('0' + low % 10);
        low /= 10;
    }
    n += 19;
    out[n] = '\0';
    return n;
}

size_t amount_format(u128 amount, unsigned decimals, char out[AMOUNT_TEXT_SIZE]) {
    ASSERT(decimals <= AMOUNT_DECIMALS_MAX);
    if (decimals == 0) return u128_format(amount, out);
    uint64_t unit = (uint64_t)u128_pow10(decimals);
    u128 whole = amount <= UINT64_MAX ? (u128)((uint64_t)amount / unit) : amount / unit;
    uint64_t frac = amount <= UINT64_MAX ? (uint64_t)amount % unit : (uint64_t)(amount % unit);
    size_t n = u128_format(whole, out);
    if (frac == 0) return n;
    char digits[AMOUNT_DECIMALS_MAX + 1];
    for (unsigned i = decimals; i > 0; i--) {
        digits[i - 1] = (char)('0' + frac % 10);
        frac /= 10;
    }
    unsigned keep = decimals;
    while (keep > 0 && digits[keep - 1] == '0') keep--;
    out[n++] = '.';
    memcpy(out + n, digits, keep);
    n += keep;
    out[n] = '\0';
    return n;
}

uint64_t u128_ratio_ppm(u128 num, u128 den) {
    if (den == 0) return 0;
    u128 scaled;
    if (__builtin_mul_overflow(num, (u128)1000000, &scaled)) {
        /* num is huge: divide first, losing only sub-ppm precision. */
        u128 q = num / den;
        if (q > (u128)(UINT64_MAX / 1000000)) return UINT64_MAX;
        return (uint64_t)(q * 1000000);
    }
    u128 q = scaled / den;
    return q > (u128)UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

enum err percent_parse(const char *text, size_t len, uint32_t *ppm) {
    if (text == NULL || len < 2 || text[len - 1] != '%') return ERR_INVALID_AMOUNT;
    u128 x;
    /* A percent with 4 fraction digits, in units of 1e-4 %, is parts per million. */
    if (amount_parse_loose(text, len - 1, 4, &x) != ERR_OK || x > 1000000u) {
        return ERR_INVALID_AMOUNT;
    }
    *ppm = (uint32_t)x;
    return ERR_OK;
}
