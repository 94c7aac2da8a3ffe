/*
 * u128.h - money: unsigned 128-bit base units, checked arithmetic, and the
 * exact decimal text form of SPEC 2.
 *
 * No floating point anywhere. Parsing never rounds: too many fraction
 * digits, overflow, a sign, an exponent, spaces or junk are all
 * ERR_INVALID_AMOUNT. Formatting is canonical: no leading zeros, no trailing
 * fraction zeros, no trailing dot; and parsing accepts only that form
 * (amount_parse_loose exists for text from outside mintline).
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
 * units of an asset with `decimals` (0..18) fraction digits. Only SPEC 2's
 * canonical form is accepted: digits with no leading zero (except "0"
 * itself), optionally a dot followed by 1..decimals digits, the last of
 * which is not 0 ("100", "12.5", "0.000001"; not "01", "00.5", "12.50",
 * "1.0", "1." or ".5"). Every amount mintline reads from its own
 * interfaces (commands, genesis, proof files) goes through this, so one
 * value has one text in what is signed and journaled.
 * Errors: ERR_INVALID_AMOUNT for anything else (empty, sign, exponent,
 * spaces, junk, a bare or trailing dot, too many fraction digits, a value
 * above 2^128-1, a form that is not canonical). *out is written only on
 * success. */
enum err amount_parse(const char *text, size_t len, unsigned decimals, u128 *out)
    __attribute__((warn_unused_result));

/* amount_parse_loose: amount_parse that also accepts leading zeros and
 * trailing fraction zeros ("007", "12.50"): for decimal text mintline did
 * not define (a price source's answer, a percentage in a config file).
 * Same errors otherwise; never for commands or genesis amounts. */
enum err amount_parse_loose(const char *text, size_t len, unsigned decimals, u128 *out)
    __attribute__((warn_unused_result));

/* amount_canonical_text: the canonical spelling of decimal text in SPEC 2's
 * grammar (digits, optionally a dot and at least one digit), whatever its
 * zeros, without knowing the asset's decimals: leading zeros of the integer
 * part and trailing zeros of the fraction are dropped, and the dot with an
 * empty fraction ("007.50" -> "7.5", "1.0" -> "1", "0.0" -> "0"). Only
 * zeros that carry no value go, so the value never changes. Writes the text
 * and a NUL to out and returns its length; returns 0 (out untouched) for
 * anything else ("1.", ".5", "1e3", empty, AMOUNT_TEXT_SIZE bytes or more),
 * which the caller passes on unchanged for amount_parse to refuse. */
size_t amount_canonical_text(const char *text, size_t len, char out[AMOUNT_TEXT_SIZE]);

/* amount_format: write the canonical decimal text of `amount` base units
 * with `decimals` fraction digits into out (AMOUNT_TEXT_SIZE bytes), NUL
 * terminated. Returns the text length. */
size_t amount_format(u128 amount, unsigned decimals, char out[AMOUNT_TEXT_SIZE]);

/* percent_parse: "10%" or "2.5%" (up to 4 fraction digits, at most 100%)
 * into parts per million; a percentage is not an amount, so "2.50%" is
 * read too (amount_parse_loose). ERR_INVALID_AMOUNT otherwise, *ppm
 * untouched. */
enum err percent_parse(const char *text, size_t len, uint32_t *ppm)
    __attribute__((warn_unused_result));

/* u128_format: decimal integer text of v (decimals 0). */
size_t u128_format(u128 v, char out[AMOUNT_TEXT_SIZE]);

/* u128_ratio_ppm: floor(num * 1e6 / den), saturating at UINT64_MAX; 0 when
 * den is 0. Used for usage ratios shown to operators (never for money). */
uint64_t u128_ratio_ppm(u128 num, u128 den);

#endif
