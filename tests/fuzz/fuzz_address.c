/*
 * fuzz_address.c - holder addresses (SPEC 2): addr_parse and addr_format,
 * checked against a model written here.
 *
 * Properties:
 *   - text is accepted exactly when it is "0x" or "0X" and 40 hex digits;
 *   - an accepted address formats as the text in lowercase, and the
 *     refused text leaves the output untouched;
 *   - any 20 bytes (the input's first 20) format to text that parses back
 *     to them.
 */
#include <stdint.h>
#include <string.h>

#include "../../src/base/addr.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int address__hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int address__model(const char *t, size_t len) {
    if (len != 42 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X')) return 0;
    for (size_t i = 2; i < len; i++) {
        if (!address__hex(t[i])) return 0;
    }
    return 1;
}

static char address__lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    struct addr a;
    memset(a.bytes, 0xA5, sizeof(a.bytes));
    enum err err = addr_parse(text, size, &a);
    FUZZ_CHECK(err == ERR_OK || err == ERR_INVALID_ADDRESS);
    FUZZ_CHECK((err == ERR_OK) == address__model(text, size));
    char out[ADDR_TEXT_SIZE];
    if (err == ERR_OK) {
        addr_format(&a, out);
        FUZZ_CHECK(strlen(out) == 42);
        for (size_t i = 0; i < 42; i++)
            FUZZ_CHECK(out[i] == address__lower(text[i]));
    } else {
        for (size_t i = 0; i < ADDR_BYTES; i++)
            FUZZ_CHECK(a.bytes[i] == 0xA5);
    }
    if (size >= ADDR_BYTES) {
        struct addr raw;
        struct addr back;
        memcpy(raw.bytes, data, ADDR_BYTES);
        addr_format(&raw, out);
        FUZZ_CHECK(addr_parse(out, strlen(out), &back) == ERR_OK && addr_equal(&raw, &back));
    }
    return 0;
}
