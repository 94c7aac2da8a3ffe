/* hex.h - lowercase hex encoding; case-insensitive decoding. */
#ifndef MINTLINE_BASE_HEX_H
#define MINTLINE_BASE_HEX_H

#include <stddef.h>
#include <stdint.h>

/* hex_encode: write 2*len lowercase digits and a NUL into out. */
void hex_encode(const uint8_t *bytes, size_t len, char *out);

/* hex_decode: decode exactly text_len digits (must be 2*out_len) into out.
 * Returns 0, or -1 on a length mismatch or a non-hex character (out may be
 * partly written on failure: callers decode into a temporary). */
int hex_decode(const char *text, size_t text_len, uint8_t *out, size_t out_len);

#endif
