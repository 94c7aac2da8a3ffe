/*
 * addr.h - holder addresses: "0x" + 40 hex digits (SPEC 2), 20 raw bytes
 * inside. Case-insensitive on input, lowercase on output, so an on-chain
 * wallet maps 1:1.
 */
#ifndef MINTLINE_BASE_ADDR_H
#define MINTLINE_BASE_ADDR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ADDR_BYTES 20u
#define ADDR_TEXT_SIZE 43u /* "0x" + 40 + NUL */

struct addr {
    uint8_t bytes[ADDR_BYTES];
};

/* addr_parse: parse exactly `len` bytes. ERR_INVALID_ADDRESS when not
 * "0x"/"0X" followed by exactly 40 hex digits. *out untouched on error. */
enum err addr_parse(const char *text, size_t len, struct addr *out)
    __attribute__((warn_unused_result));

/* addr_format: lowercase text form into out, NUL terminated. */
void addr_format(const struct addr *a, char out[ADDR_TEXT_SIZE]);

int addr_equal(const struct addr *a, const struct addr *b);

#endif
