/* addr.c - parse and format 20-byte holder addresses. */
#include "addr.h"

#include <string.h>

#include "hex.h"

enum err addr_parse(const char *text, size_t len, struct addr *out) {
    if (text == NULL || len != 42) return ERR_INVALID_ADDRESS;
    if (text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return ERR_INVALID_ADDRESS;
    struct addr a;
    if (hex_decode(text + 2, 40, a.bytes, ADDR_BYTES) != 0) return ERR_INVALID_ADDRESS;
    *out = a;
    return ERR_OK;
}

void addr_format(const struct addr *a, char out[ADDR_TEXT_SIZE]) {
    out[0] = '0';
    out[1] = 'x';
    hex_encode(a->bytes, ADDR_BYTES, out + 2);
}

int addr_equal(const struct addr *a, const struct addr *b) {
    return memcmp(a->bytes, b->bytes, ADDR_BYTES) == 0;
}
