/*
 * cli_fmt.h - the human forms of figures, one place for every renderer
 * (issue 13 item 11): durations "29h 10m", ratios "80%", amounts in their
 * one canonical spelling, thousands separators in tables, arguments and
 * event data as key=value text, usage in the runbooks' words.
 *
 * Two renderings of an amount, on purpose:
 * - text an operator may copy back into a command (key=value arguments,
 *   event data, confirmations) carries the canonical decimal only, which
 *   the amount parser reads: "1200.5";
 * - table cells (status, balances, reserves, lists) group the integer part
 *   by thousands: "1,200.5". SPEC 2's amount grammar has no separators, so
 *   the CLI never accepts "1,200.5" back; a table is for reading.
 *
 * JSON output never comes through here: --json prints the node's document.
 * Pure: no I/O, no locale (the separator is always ',').
 */
#ifndef MINTLINE_CLI_CLI_FMT_H
#define MINTLINE_CLI_CLI_FMT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/human.h"

/* cli_fmt_amount: the canonical spelling of a decimal amount ("1200.50" ->
 * "1200.5", "007" -> "7"); text that is not a decimal is copied as it is. */
void cli_fmt_amount(const char *text, char *out, size_t size);

/* cli_fmt_grouped: cli_fmt_amount, then the integer part grouped by
 * thousands with ',': "1234567.25" -> "1,234,567.25"; text that is not a
 * decimal is copied as it is. For table cells only (see above). */
void cli_fmt_grouped(const char *text, char *out, size_t size);

/* cli_fmt_count: an integer grouped by thousands: 1234567 -> "1,234,567". */
void cli_fmt_count(long long n, char *out, size_t size);

/* cli_fmt_quoted: append a value of key=value text to out: as it is when it
 * is not empty and holds no space, tab, '"', '\'' or '\\'; otherwise in double
 * quotes with '"' and '\\' escaped by a backslash (title="Reserve stale"). */
void cli_fmt_quoted(const char *text, struct buf *out);

/* Usage against a runbook threshold pair (SPEC 9's table). */
enum cli_fmt_level { CLI_FMT_OK, CLI_FMT_WARN, CLI_FMT_CRITICAL };

/* cli_fmt_level: CRITICAL when usage > critical, WARN when usage > warn
 * (SPEC 9 says "> 80%"), OK otherwise (a non-number: OK). */
enum cli_fmt_level cli_fmt_level(double usage, double warn, double critical);

/* cli_fmt_marker: the level in words with the threshold it passed: "ok",
 * "warn 80%", "critical 95%". */
void cli_fmt_marker(double usage, double warn, double critical, char *out, size_t size);

/* cli_fmt_level_below / cli_fmt_marker_below: the same for a measure that
 * is bad when low (reserve ratio: < 105% warning, < 100% critical). */
enum cli_fmt_level cli_fmt_level_below(double value, double warn, double critical);
void cli_fmt_marker_below(double value, double warn, double critical, char *out, size_t size);

/* cli_fmt_level_word: "ok", "warn", "critical". */
const char *cli_fmt_level_word(enum cli_fmt_level level);

/* Where a value is shown: a table cell (amounts and counts grouped) or
 * key=value text (amounts canonical, nothing grouped). */
enum cli_fmt_where { CLI_FMT_CELL, CLI_FMT_TEXT };

/* cli_fmt_value: a JSON value named key as display text. By the key's name
 * (the API's naming, STYLE 3): "*_s" integers are durations; "usage",
 * "*_usage", "ratio", "*_ratio", "*rate*" numbers are percentages; the
 * amount names (amount, supply, balance, used, limit, ...) are amounts;
 * other integers are counts (grouped in a cell, except ids, seq, block and
 * heights). Strings as they are, booleans "yes"/"no", null "-", an array
 * its elements joined by ',' and an object as key=value text (cli_fmt_pairs).
 * Control characters become '?'; truncated to size. key may be NULL. */
void cli_fmt_value(const char *key, const json_t *v, enum cli_fmt_where where, char *out,
                   size_t size);

/* cli_fmt_is_amount_key: 1 when a field of this name holds an amount. */
int cli_fmt_is_amount_key(const char *key);

/* cli_fmt_pairs: an object as "key=value key=value" appended to out, each
 * value through cli_fmt_value (CLI_FMT_TEXT) and cli_fmt_quoted. When op
 * names an op of the table, its amount fields are canonical too (a command
 * journaled as sent: "1200.50" shows as "1200.5", as its event does). */
void cli_fmt_pairs(const json_t *obj, const char *op, struct buf *out);

#endif
