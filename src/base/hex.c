/* hex.c - hex encoding helpers. */
#include "hex.h"

/* Without branches on the digit's class (random hex mispredicts them half
 * the time; addresses are parsed twice per transfer). */
static int hex__nibble(char ch) {
    unsigned c = (unsigned char)ch;
    unsigned digit = c - '0';
    unsigned letter = (c | 0x20u) - 'a';
    int v = -1;
    v = letter < 6u ? (int)letter + 10 : v;
    v = digit < 10u ? (int)digit : v;
    return v;
}

void hex_encode(const uint8_t *bytes, size_t len, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * len] = '\0';
}

int hex_decode(const char *text, size_t text_len, uint8_t *out, size_t out_len) {
    if (text_len != 2 * out_len) return -1;
    for (size_t i = 0; i < out_len; i++) {
        int hi = hex__nibble(text[2 * i]);
        int lo = hex__nibble(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (uint8_t)((hi << 4) | lo);
    }
    return 0;
}
