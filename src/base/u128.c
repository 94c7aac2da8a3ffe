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

u128 u128_pow10(unsigned n) {
    ASSERT(n <= 38);
    u128 r = 1;
    for (unsigned i = 0; i < n; i++) r *= 10;
    return r;
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

enum err amount_parse(const char *text, size_t len, unsigned decimals, u128 *out) {
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

size_t u128_format(u128 v, char out[AMOUNT_TEXT_SIZE]) {
    char tmp[AMOUNT_TEXT_SIZE];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (unsigned)(v % 10));
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

size_t amount_format(u128 amount, unsigned decimals, char out[AMOUNT_TEXT_SIZE]) {
    ASSERT(decimals <= AMOUNT_DECIMALS_MAX);
    if (decimals == 0) return u128_format(amount, out);
    u128 unit = u128_pow10(decimals);
    size_t n = u128_format(amount / unit, out);
    u128 frac = amount % unit;
    if (frac == 0) return n;
    char digits[AMOUNT_DECIMALS_MAX + 1];
    for (unsigned i = decimals; i > 0; i--) {
        digits[i - 1] = (char)('0' + (unsigned)(frac % 10));
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
