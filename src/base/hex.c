/* hex.c - hex encoding helpers. */
#include "hex.h"

void hex_encode(const uint8_t *bytes, size_t len, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * len] = '\0';
}

/* Each byte's digit value plus one; 0 for a byte that is not a hex digit. */
static const uint8_t hex__value[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,
    ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
    ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
    ['F'] = 16,
};

/* A table look-up per digit, and one test at the end: a digit that is not
 * hex makes its value minus one negative, which the OR keeps. */
int hex_decode(const char *text, size_t text_len, uint8_t *out, size_t out_len) {
    if (text_len != 2 * out_len) return -1;
    int bad = 0;
    for (size_t i = 0; i < out_len; i++) {
        int hi = (int)hex__value[(unsigned char)text[2 * i]] - 1;
        int lo = (int)hex__value[(unsigned char)text[2 * i + 1]] - 1;
        bad |= hi | lo;
        out[i] = (uint8_t)(((unsigned)hi << 4) | (unsigned)lo);
    }
    return bad < 0 ? -1 : 0;
}
