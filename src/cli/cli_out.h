/*
 * cli_out.h - how the CLI speaks: the error line of SPEC 8 on stderr,
 * warnings, aligned tables on stdout, and short text forms of the JSON the
 * node answers with.
 *
 * Everything printed that came from the network or from argv is cleaned of
 * control characters first, so a hostile string cannot drive the terminal.
 */
#ifndef MINTLINE_CLI_CLI_OUT_H
#define MINTLINE_CLI_CLI_OUT_H

#include <jansson.h>
#include <stdio.h>

#include "../base/buf.h"

/* cli_out_color: 1 when text written to stream may carry colour: a
 * terminal, NO_COLOR unset or empty, TERM not "dumb". */
int cli_out_color(FILE *stream);

/* cli_out_error: "error: CODE: message" on stderr ("error:" in red when
 * color is set). The message is cleaned and cut at 500 bytes. */
void cli_out_error(int color, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* cli_out_warn: "warning: message" on stderr. */
void cli_out_warn(int color, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_out_clean: replace control characters (and DEL) in text by '?', in place. */
void cli_out_clean(char *text);

/* cli_out_raw: write the body as received to stdout, ending in one newline.
 * Returns 0, or -1 on a write error. */
int cli_out_raw(const struct buf *body);

/* An aligned table: cells are added row by row, left to right, and copied.
 * Allocation failure is sticky and reported by cli_table_print. */
struct cli_table {
    size_t cols;
    size_t cells_count;
    size_t cells_cap;
    char **cells;
    int failed;
};

void cli_table_init(struct cli_table *t, size_t cols);
void cli_table_cell(struct cli_table *t, const char *text);
/* cli_table_cell_tint: a cell whose text is shown in tint (an escape such
 * as CLI_OUT_TINT_RED; NULL or "" for none); the escapes do not count in the
 * column's width. Callers tint only when cli_out_color(stdout). */
void cli_table_cell_tint(struct cli_table *t, const char *text, const char *tint);
#define CLI_OUT_TINT_RED "\033[31m"
#define CLI_OUT_TINT_YELLOW "\033[33m"
#define CLI_OUT_TINT_GREEN "\033[32m"
#define CLI_OUT_TINT_RESET "\033[0m"
/* cli_table_print: columns separated by two spaces, the last one unpadded.
 * Returns 0, or -1 when a cell could not be stored or stdout failed. */
int cli_table_print(const struct cli_table *t, FILE *stream);
void cli_table_free(struct cli_table *t);

/* cli_out_text: a JSON value as a short display text into out: strings
 * as they are, integers in decimal, booleans "yes"/"no", null or NULL
 * "-", an array "a,b", an object key=value text (cli_fmt_value without a
 * key); cleaned and cut to out_size. */
void cli_out_text(const json_t *v, char *out, size_t out_size);

/* cli_out_field: cli_out_text of obj's member key (obj may be NULL or not
 * an object: "-"); returns out, so it can be an argument of printf. */
const char *cli_out_field(const json_t *obj, const char *key, char *out, size_t out_size);

/* cli_out_fields: the named fields of an object as aligned "key  value"
 * lines on stdout (values through cli_fmt_value by key, as table cells). Returns 0, or -1 when
 * stdout failed. */
int cli_out_fields(const json_t *obj, const char *const *keys, size_t count);

/* cli_out_pairs: an object as "key=value key=value" appended to out
 * (cli_fmt_pairs: amounts canonical, values with spaces quoted); nothing
 * for a non-object. */
void cli_out_pairs(const json_t *obj, struct buf *out);

/* cli_out_event: "Mint USDW to=0x.. amount=100" for an event object,
 * appended to out. */
void cli_out_event(const json_t *event, struct buf *out);

/* cli_out_cstr: NUL-terminate b and return its text ("" when b failed). */
const char *cli_out_cstr(struct buf *b);

#endif
