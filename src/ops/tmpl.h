/*
 * tmpl.h - alert label and annotation templates (SPEC 9), rendered as
 * Prometheus renders them (Go's text/template with Prometheus' functions,
 * template/template.go).
 *
 * The subset: text, and the actions {{ $labels.NAME }}, {{ $value }},
 * {{ $value | humanizePercentage }} and {{ $value | humanizeDuration }}
 * (also written `humanizePercentage $value`). Anything else inside {{ }}
 * is refused when the template is parsed, with its byte offset; a "}}"
 * outside an action is text, as in Go.
 *
 * Rendering, byte for byte as Prometheus 2.x does: $labels.NAME is the
 * label's value, "" when the series has no such label (missingkey=zero);
 * $value is Go's %v of a float64 (strconv 'g' with precision -1: the
 * shortest digits that read back to the same double, in exponent form when
 * the exponent is below -4 or at least 6: 0.95, 14400, 7.776e+06); humanize-
 * Percentage is %.4g of value*100 followed by "%"; humanizeDuration is
 * days/hours/minutes/seconds as Prometheus prints them, with SI prefixes
 * below one second. NaN and infinities print as NaN, +Inf, -Inf.
 */
#ifndef MINTLINE_OPS_TMPL_H
#define MINTLINE_OPS_TMPL_H

#include <stddef.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "promql.h"

struct tmpl;

/* tmpl_parse: parse len bytes of text. ERR_OK with *out (tmpl_free);
 * ERR_INVALID_ARGUMENT with the offset of the refused action in
 * *error_offset and a sentence in why; ERR_INTERNAL when out of memory. */
enum err tmpl_parse(const char *text, size_t len, struct tmpl **out, size_t *error_offset,
                    char *why, size_t why_size) __attribute__((warn_unused_result));
void tmpl_free(struct tmpl *t);

/* tmpl_is_plain: 1 when the template holds no action (its text is the
 * result, whatever the series). */
int tmpl_is_plain(const struct tmpl *t);

/* tmpl_render: append the template rendered for one series (its labels,
 * sorted or not, and its value) to out. */
void tmpl_render(const struct tmpl *t, const struct promql_label *labels, size_t labels_count,
                 double value, struct buf *out);

/* The value formats, NUL-terminated into out. */
#define TMPL_NUMBER_SIZE 64
void tmpl_format_value(double v, char out[TMPL_NUMBER_SIZE]);
void tmpl_humanize_percentage(double v, char out[TMPL_NUMBER_SIZE]);
void tmpl_humanize_duration(double v, char out[TMPL_NUMBER_SIZE]);

#endif
