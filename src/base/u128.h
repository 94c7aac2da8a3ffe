/*
 * u128.h - money: unsigned 128-bit base units, checked arithmetic, and the
 * exact decimal text form of SPEC 2.
 *
 * No floating point anywhere. Parsing never rounds: too many fraction
 * digits, overflow, a sign, an exponent, spaces or junk are all
 * ERR_INVALID_AMOUNT. Formatting is canonical: no leading zeros, no trailing
 * fraction zeros, no trailing dot.
 */
#ifndef MINTLINE_BASE_U128_H
#define MINTLINE_BASE_U128_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

__extension__ typedef unsigned __int128 u128;

#define U128_MAX (~(u128)0)
#define AMOUNT_DECIMALS_MAX 18u
/* 39 digits of 2^128-1, a dot, a NUL, and room. */
#define AMOUNT_TEXT_SIZE 48u

/* u128_add: *out = a + b. ERR_OVERFLOW (out untouched) when it wraps. */
enum err u128_add(u128 a, u128 b, u128 *out) __attribute__((warn_unused_result));

/* u128_sub: *out = a - b. ERR_OVERFLOW (out untouched) when b > a. */
enum err u128_sub(u128 a, u128 b, u128 *out) __attribute__((warn_unused_result));

/* u128_mul: *out = a * b. ERR_OVERFLOW (out untouched) when it wraps. */
enum err u128_mul(u128 a, u128 b, u128 *out) __attribute__((warn_unused_result));

/* u128_pow10: 10^n for n <= 38. */
u128 u128_pow10(unsigned n);

/* amount_parse: parse `len` bytes of decimal text (no NUL needed) into base
 * units of an asset with `decimals` (0..18) fraction digits.
 * Accepts: digits, optionally a dot followed by 1..decimals digits.
 * Errors: ERR_INVALID_AMOUNT for anything else (empty, sign, exponent,
 * spaces, junk, a bare or trailing dot, too many fraction digits, a value
 * above 2^128-1). *out is written only on success. */
enum err amount_parse(const char *text, size_t len, unsigned decimals, u128 *out)
    __attribute__((warn_unused_result));

/* amount_format: write the canonical decimal text of `amount` base units
 * with `decimals` fraction digits into out (AMOUNT_TEXT_SIZE bytes), NUL
 * terminated. Returns the text length. */
size_t amount_format(u128 amount, unsigned decimals, char out[AMOUNT_TEXT_SIZE]);

/* percent_parse: "10%" or "2.5%" (up to 4 fraction digits, at most 100%)
 * into parts per million. ERR_INVALID_AMOUNT otherwise, *ppm untouched. */
enum err percent_parse(const char *text, size_t len, uint32_t *ppm)
    __attribute__((warn_unused_result));

/* u128_format: decimal integer text of v (decimals 0). */
size_t u128_format(u128 v, char out[AMOUNT_TEXT_SIZE]);

/* u128_ratio_ppm: floor(num * 1e6 / den), saturating at UINT64_MAX; 0 when
 * den is 0. Used for usage ratios shown to operators (never for money). */
uint64_t u128_ratio_ppm(u128 num, u128 den);

#endif
