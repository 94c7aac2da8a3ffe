/* country.h - ISO 3166-1 alpha-2 country codes (SPEC 5: identities carry
 * one; asset rules allow or block them). A code is kept as two letters in
 * a uint16_t ('U' << 8 | 'S'); only codes officially assigned are known
 * (the list of Debian's iso-codes 4.15, 249 codes). */
#ifndef MINTLINE_BASE_COUNTRY_H
#define MINTLINE_BASE_COUNTRY_H

#include <stddef.h>
#include <stdint.h>

#define COUNTRY_US ((uint16_t)('U' << 8 | 'S'))
/* Index space of a country set: 26 x 26 letter pairs. */
#define COUNTRY_SET_BITS (26u * 26u)
#define COUNTRY_SET_WORDS ((COUNTRY_SET_BITS + 63u) / 64u)

/* country_parse: an assigned alpha-2 code, letters in either case; 0 when
 * the text is not one. */
uint16_t country_parse(const char *text, size_t len);

/* country_format: the code as two upper-case letters and a NUL. */
void country_format(uint16_t code, char out[3]);

/* country_index: the code's bit in a country set (0..675). */
static inline unsigned country_index(uint16_t code) {
    return (unsigned)((code >> 8) - 'A') * 26u + (unsigned)((code & 0xFFu) - 'A');
}

/* country_from_index: the inverse of country_index. */
static inline uint16_t country_from_index(unsigned index) {
    return (uint16_t)((('A' + index / 26u) << 8) | ('A' + index % 26u));
}

#endif
