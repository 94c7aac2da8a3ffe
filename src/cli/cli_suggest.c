/* cli_suggest.c - edit distance and the closest candidate (cli_suggest.h). */
#include "cli_suggest.h"

#include <stdio.h>
#include <string.h>

size_t cli_edit_distance(const char *a, const char *b) {
    size_t n = strlen(a), m = strlen(b);
    if (n > CLI_SUGGEST_WORD_MAX || m > CLI_SUGGEST_WORD_MAX) return CLI_SUGGEST_WORD_MAX + 1;
    /* Three rows of the dynamic programme: i-2, i-1, i. */
    size_t rows[3][CLI_SUGGEST_WORD_MAX + 1];
    for (size_t j = 0; j <= m; j++) rows[0][j] = j; /* row i lives in rows[i % 3] */
    for (size_t i = 1; i <= n; i++) {
        size_t *cur = rows[i % 3], *prev = rows[(i + 2) % 3], *prev2 = rows[(i + 1) % 3];
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = prev[j] + 1;                               /* delete */
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;        /* insert */
            if (prev[j - 1] + cost < best) best = prev[j - 1] + cost; /* substitute */
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < best) {
                best = prev2[j - 2] + 1; /* swap neighbours */
            }
            cur[j] = best;
        }
    }
    return n == 0 ? m : rows[n % 3][m];
}

int cli_suggest_close(const char *typed, const char *candidate) {
    size_t len = strlen(typed);
    if (len == 0) return 0;
    if (len >= 3 && strncmp(candidate, typed, len) == 0) return 1;
    size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    size_t d = cli_edit_distance(typed, candidate);
    return d <= limit && d < len;
}

const char *cli_suggest_best(const char *typed, const char *const *candidates, size_t n) {
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        if (candidates[i] == NULL || !cli_suggest_close(typed, candidates[i])) continue;
        size_t d = cli_edit_distance(typed, candidates[i]);
        if (d < best_d) {
            best = candidates[i];
            best_d = d;
        }
    }
    return best;
}

size_t cli_suggest_text(const char *typed, const char *const *candidates, size_t n,
                        const char *prefix, char *out, size_t out_size) {
    if (out_size > 0) out[0] = '\0';
    const char *best = cli_suggest_best(typed, candidates, n);
    if (best == NULL || out_size == 0) return 0;
    size_t d = cli_edit_distance(typed, best), count = 0, used = 0;
    for (size_t i = 0; i < n && count < 3; i++) {
        if (candidates[i] == NULL || !cli_suggest_close(typed, candidates[i])) continue;
        if (cli_edit_distance(typed, candidates[i]) != d) continue;
        int w = snprintf(out + used, out_size - used, "%s'%s%s'", count ? " or " : "", prefix,
                         candidates[i]);
        if (w < 0 || (size_t)w >= out_size - used) break;
        used += (size_t)w;
        count++;
    }
    return count;
}
