/*
 * fuzz_amount.c - the u128 decimal amounts of SPEC 2: amount_parse,
 * amount_format, u128_format and percent_parse, checked against a string
 * model written here (no arithmetic shared with the code under test).
 *
 * Input: byte 0 picks the decimals (0..19; 19 must be refused), the rest
 * is the text. When the input has 17 bytes or more, bytes 1..16 are also
 * formatted as a raw u128.
 *
 * Properties (they hold whether or not the parser accepts non-canonical
 * text such as "01" or "1.50"):
 *   - accepted text is digits with at most `decimals` fraction digits, and
 *     formats back to its canonical form (leading zeros and trailing
 *     fraction zeros dropped): the value is exact;
 *   - text in canonical form whose value fits in 128 bits is accepted and
 *     formats back to itself; a value that does not fit is refused;
 *   - any u128 formats canonically and parses back to itself;
 *   - an accepted percent is at most 100% and is the amount of its digits
 *     in units of 1e-4 %.
 */
#include <stdint.h>
#include <string.h>

#include "../../src/base/u128.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define AMOUNT__MAX_TEXT "340282366920938463463374607431768211455"

static int amount__digit(char c) { return c >= '0' && c <= '9'; }

/* Digits, then optionally a dot and 1..decimals digits. */
static int amount__grammar(const char *t, size_t len, unsigned decimals) {
    size_t i = 0;
    while (i < len && amount__digit(t[i]))
        i++;
    if (i == 0) return 0;
    if (i == len) return 1;
    if (t[i] != '.') return 0;
    size_t frac = len - i - 1;
    if (frac == 0 || frac > decimals) return 0;
    for (size_t k = i + 1; k < len; k++) {
        if (!amount__digit(t[k])) return 0;
    }
    return 1;
}

/* The canonical text of grammatical t: no leading zeros (but one), no
 * trailing fraction zeros, no trailing dot. */
static size_t amount__canonical(const char *t, size_t len, char *out) {
    size_t dot = 0;
    while (dot < len && t[dot] != '.')
        dot++;
    size_t start = 0;
    while (start + 1 < dot && t[start] == '0')
        start++;
    size_t n = dot - start;
    memcpy(out, t + start, n);
    if (dot < len) {
        size_t end = len;
        while (end > dot + 1 && t[end - 1] == '0')
            end--;
        if (end > dot + 1) {
            memcpy(out + n, t + dot, end - dot);
            n += end - dot;
        }
    }
    out[n] = '\0';
    return n;
}

/* Does the grammatical t, in base units of `decimals`, fit in 128 bits? */
static int amount__fits(const char *t, size_t len, unsigned decimals) {
    char digits[128];
    size_t n = 0;
    size_t frac = 0;
    int in_frac = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == '.') {
            in_frac = 1;
            continue;
        }
        if (n == 0 && t[i] == '0') {
            frac += (size_t)in_frac;
            continue;
        }
        digits[n++] = t[i];
        frac += (size_t)in_frac;
    }
    if (n == 0) return 1; /* zero */
    size_t total = n + (decimals - frac);
    size_t max = strlen(AMOUNT__MAX_TEXT);
    if (total != max) return total < max;
    while (n < max)
        digits[n++] = '0';
    return memcmp(digits, AMOUNT__MAX_TEXT, max) <= 0;
}

static void amount__text(const char *t, size_t len, unsigned decimals) {
    u128 v = 0;
    enum err err = amount_parse(t, len, decimals, &v);
    FUZZ_CHECK(err == ERR_OK || err == ERR_INVALID_AMOUNT);
    int grammar = decimals <= AMOUNT_DECIMALS_MAX && len < 64 && amount__grammar(t, len, decimals);
    if (!grammar || !amount__fits(t, len, decimals)) {
        FUZZ_CHECK(err != ERR_OK);
        return;
    }
    char canonical[80];
    size_t clen = amount__canonical(t, len, canonical);
    if (clen == len) FUZZ_CHECK(err == ERR_OK); /* canonical text is always accepted */
    if (err != ERR_OK) return;
    char text[AMOUNT_TEXT_SIZE];
    size_t n = amount_format(v, decimals, text);
    FUZZ_CHECK(n == clen && strcmp(text, canonical) == 0);
}

/* The canonical form, by the string model. */
static int amount__is_canonical(const char *t, size_t len, unsigned decimals) {
    char c[80];
    return len < sizeof(c) && amount__grammar(t, len, decimals) &&
           amount__canonical(t, len, c) == len && memcmp(c, t, len) == 0;
}

static void amount__raw(u128 v, unsigned decimals) {
    char text[AMOUNT_TEXT_SIZE];
    size_t n = amount_format(v, decimals, text);
    FUZZ_CHECK(n == strlen(text));
    FUZZ_CHECK(amount__is_canonical(text, n, decimals));
    u128 back = 0;
    FUZZ_CHECK(amount_parse(text, n, decimals, &back) == ERR_OK && back == v);
    n = u128_format(v, text);
    FUZZ_CHECK(n == strlen(text) && amount__is_canonical(text, n, 0));
    FUZZ_CHECK(amount_parse(text, n, 0, &back) == ERR_OK && back == v);
}

static void amount__percent(const char *t, size_t len) {
    uint32_t ppm = UINT32_MAX;
    if (percent_parse(t, len, &ppm) != ERR_OK) {
        FUZZ_CHECK(ppm == UINT32_MAX); /* untouched */
        return;
    }
    FUZZ_CHECK(len >= 2 && t[len - 1] == '%');
    FUZZ_CHECK(ppm <= 1000000u);
    u128 v = 0;
    FUZZ_CHECK(amount_parse_loose(t, len - 1, 4, &v) == ERR_OK && v == ppm); /* "2.50%" too */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    unsigned decimals = data[0] % 20u;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    amount__text(text, len, decimals);
    amount__percent(text, len);
    if (size >= 17) {
        u128 v = 0;
        for (int i = 16; i >= 1; i--)
            v = (v << 8) | data[i];
        amount__raw(v, decimals % (AMOUNT_DECIMALS_MAX + 1));
    }
    return 0;
}
