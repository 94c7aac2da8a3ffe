/* duration.h - durations as operators type them: "90s", "15m", "2h", "1d"
 * (SPEC 2), kept as nanoseconds. */
#ifndef MINTLINE_BASE_DURATION_H
#define MINTLINE_BASE_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define NS_PER_S INT64_C(1000000000)
#define NS_PER_DAY (INT64_C(86400) * NS_PER_S)

/* duration_parse: digits followed by one of s, m, h, d; at most 100 years.
 * ERR_INVALID_DURATION otherwise; *out_ns untouched on error. */
enum err duration_parse(const char *text, size_t len, int64_t *out_ns)
    __attribute__((warn_unused_result));

/* duration_format: shortest exact form ("90s", "4h", "1d"), into out. */
void duration_format(int64_t ns, char out[32]);

/* time_format_iso: ISO-8601 UTC with milliseconds, "2026-11-22T01:02:03.004Z". */
void time_format_iso(int64_t unix_ns, char out[40]);

/* date_parse: a calendar date "YYYY-MM-DD" (1970..9999, a real day) as days
 * since 1970-01-01. ERR_INVALID_ARGUMENT otherwise; *day untouched on error.
 * Dates mark day boundaries: a date means its 00:00 UTC. */
enum err date_parse(const char *text, size_t len, int32_t *day) __attribute__((warn_unused_result));

/* date_format: "YYYY-MM-DD" of a day since 1970-01-01. */
void date_format(int32_t day, char out[11]);

#endif
