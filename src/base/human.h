/*
 * human.h - figures as people read them, for every human output (the CLI's
 * tables and text, the checklists' values): durations "29h 10m", ratios
 * "80%". Pure: no I/O, no locale. JSON carries numbers, never these.
 */
#ifndef MINTLINE_BASE_HUMAN_H
#define MINTLINE_BASE_HUMAN_H

#include <stddef.h>
#include <stdint.h>

/* human_duration: whole seconds as "45s", "3m 20s", "29h 10m" (under
 * 48 hours), "12d 4h" (48 hours and more); a negative one as "-" and its
 * magnitude. Truncated to size. */
void human_duration(int64_t seconds, char *out, size_t size);

/* human_duration_exact: human_duration, then what it leaves out when that
 * is not zero ("4h 0m 1s", "7d 0h 0m 1s"; "29h 10m" stays): where a value
 * is read against a threshold (the checklists), one second over shows. */
void human_duration_exact(int64_t seconds, char *out, size_t size);

/* human_percent: a ratio (1.0 = 100%) with at most two fraction digits,
 * trailing zeros dropped: "80%", "95.5%", "104.73%", "0%"; a positive ratio
 * under 0.005% is "<0.01%" so that a sliver never reads as nothing. */
void human_percent(double ratio, char *out, size_t size);

#endif
