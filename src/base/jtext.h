/*
 * jtext.h - THE definition of acceptable JSON text, for every reader.
 *
 * mintline reads request bodies with more than one JSON library (yajl on
 * the admission path, jansson in the CLI) and keeps them, signed, in the
 * journal for ever. Libraries disagree at the edges (yajl takes a lone
 * "\udc00" escape and overlong UTF-8 that jansson refuses), and a body one
 * reader takes and another refuses can hide a command from history. So
 * there is one definition, checked here, before any library sees the text:
 *
 *   - the grammar of RFC 8259 (any value at the top), whitespace being
 *     space, tab, LF and CR only; no BOM, comments or trailing commas;
 *   - strict UTF-8 (RFC 3629): no overlong forms, no UTF-8-encoded
 *     surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no stray or
 *     truncated sequences; bytes >= 0x80 only inside strings;
 *   - in strings: no control character below 0x20 unescaped, no "\u0000"
 *     (C strings end there), and every \u surrogate escape paired: a high
 *     one (D800..DBFF) immediately followed by a low one (DC00..DFFF);
 *   - numbers every reader holds exactly or finitely: at most
 *     JTEXT_NUMBER_MAX characters; an integer (no fraction or exponent)
 *     within int64 (jansson's json_int_t); an exponent of at most two
 *     digits (so a double never overflows);
 *   - nesting at most LIMIT_JSON_DEPTH arrays and objects.
 *
 * Duplicate keys are a matter for the reader of each shape (request.c
 * refuses them in a request body, where every object is small).
 * Non-characters (U+FFFE, U+FDD0..) are valid scalar values and accepted.
 * Nothing here allocates; every check is one pass over the bytes.
 */
#ifndef MINTLINE_BASE_JTEXT_H
#define MINTLINE_BASE_JTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Characters one number may take: int64's 20 ("-9223372036854775808")
 * with room for a fraction and an exponent. */
#define JTEXT_NUMBER_MAX 32u

/* Bytes of a fault's path ("commands[12].reason"): keys are cut to 40. */
#define JTEXT_PATH_SIZE 96u

/* Where a text breaks the definition, and why. */
struct jtext_fault {
    size_t offset;               /* byte offset of the offending byte */
    const char *reason;          /* static text, e.g. "lone surrogate escape" */
    char path[JTEXT_PATH_SIZE];  /* "commands[1].reason"; "" at the top level */
};

/* jtext_check: is text[0..len) acceptable JSON text (the definition
 * above)? Returns ERR_OK, or ERR_INVALID_JSON with *fault filled. */
enum err jtext_check(const uint8_t *text, size_t len, struct jtext_fault *fault)
    __attribute__((warn_unused_result));

/* jtext_utf8: the length of the longest valid strict-UTF-8 prefix of
 * s[0..len): len when all of it is valid. On a fault, *reason (when not
 * NULL) names it ("overlong UTF-8", "UTF-8 encoded surrogate", ...). */
size_t jtext_utf8(const uint8_t *s, size_t len, const char **reason);

/* jtext_decoded: a string as a parser decoded it (a key or a value): is
 * it strict UTF-8 without U+0000? Returns ERR_OK or ERR_INVALID_JSON with
 * *reason set. The second line of defence behind jtext_check: whatever a
 * library makes of the escapes, what reaches the ledger is clean text. */
enum err jtext_decoded(const char *s, size_t len, const char **reason)
    __attribute__((warn_unused_result));

/* jtext_describe: "PATH: REASON (byte N)" into out (size bytes), with
 * "body" for an empty path. */
void jtext_describe(const struct jtext_fault *fault, char *out, size_t size);

#endif
