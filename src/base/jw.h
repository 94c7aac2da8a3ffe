/*
 * jw.h - a small, fast JSON writer over struct buf.
 *
 * Output only (input is parsed with jansson). Commas are inserted
 * automatically; strings are escaped (control characters as \u00XX);
 * nesting is bounded by JW_DEPTH_MAX (asserted: the writer's callers are
 * code, not input). Used for every response and event so that an 8,000-
 * command batch answers without building a DOM.
 */
#ifndef MINTLINE_BASE_JW_H
#define MINTLINE_BASE_JW_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define JW_DEPTH_MAX 32

struct jw {
    struct buf *out;
    int depth;
    uint8_t need_comma[JW_DEPTH_MAX];
};

void jw_init(struct jw *w, struct buf *out);
void jw_object_begin(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w);
void jw_array_end(struct jw *w);
/* jw_key: the next value's key (inside an object). */
void jw_key(struct jw *w, const char *key);
void jw_string(struct jw *w, const char *s);
void jw_string_n(struct jw *w, const char *s, size_t len);
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
void jw_bool(struct jw *w, int v);
void jw_null(struct jw *w);
/* jw_double: a ratio for display (never money); 6 significant digits. */
void jw_double(struct jw *w, double v);
/* jw_raw: already-valid JSON text as one value. */
void jw_raw(struct jw *w, const char *json, size_t len);
/* jw_amount: an amount as its canonical decimal string. */
void jw_amount(struct jw *w, u128 amount, unsigned decimals);

/* Shorthands for key + value. */
void jw_kv_string(struct jw *w, const char *key, const char *s);
void jw_kv_int(struct jw *w, const char *key, int64_t v);
void jw_kv_uint(struct jw *w, const char *key, uint64_t v);
void jw_kv_bool(struct jw *w, const char *key, int v);
void jw_kv_amount(struct jw *w, const char *key, u128 amount, unsigned decimals);
/* jw_kv_time: key and an ISO-8601 UTC time (time_format_iso), or null when
 * unix_ns is 0 ("not yet"). */
void jw_kv_time(struct jw *w, const char *key, int64_t unix_ns);

#endif
