/*
 * cli_suggest.h - "did you mean": the edit distance between what was typed
 * and what the command table knows. Pure: no I/O, no allocation.
 */
#ifndef MINTLINE_CLI_CLI_SUGGEST_H
#define MINTLINE_CLI_CLI_SUGGEST_H

#include <stddef.h>

/* Longest word compared; longer ones are "far" from everything. */
#define CLI_SUGGEST_WORD_MAX 64u

/* cli_edit_distance: the optimal string alignment distance (Levenshtein
 * plus the swap of two neighbours, "mnit" -> "mint" is 1) between a and b;
 * CLI_SUGGEST_WORD_MAX + 1 when either is longer than CLI_SUGGEST_WORD_MAX. */
size_t cli_edit_distance(const char *a, const char *b);

/* cli_suggest_close: whether `candidate` is close enough to `typed` to be
 * offered: distance at most 1 for words of up to 4 characters, 2 up to 8,
 * 3 beyond, and always less than the typed word's length; or typed is a
 * prefix of candidate of at least 3 characters. */
int cli_suggest_close(const char *typed, const char *candidate);

/* cli_suggest_best: the closest of candidates[0..n) to typed (ties: the
 * first), or NULL when none is close (cli_suggest_close). NULL entries are
 * skipped. */
const char *cli_suggest_best(const char *typed, const char *const *candidates, size_t n);

/* cli_suggest_text: every candidate at the best distance (ties are
 * offered together: "mnit" is as close to init as to mint), quoted and
 * joined by " or " with prefix before each ("'init' or 'mint'"), into out;
 * returns how many (0: none close, out is ""). */
size_t cli_suggest_text(const char *typed, const char *const *candidates, size_t n,
                        const char *prefix, char *out, size_t out_size);

#endif
