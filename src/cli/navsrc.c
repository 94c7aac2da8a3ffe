/*
 * navsrc.c - read a NAV out of a price source's answer.
 *
 * yajl hands numbers over as their text (yajl_number), so a price never
 * passes through a double. The walker follows one path of object keys:
 * `matched` counts the leading segments whose objects we are inside, and a
 * key equal to the next segment arms `hit` for the value that follows it.
 */
#include "navsrc.h"

#include <stdio.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "../base/err.h"

#define NAVSRC__TEXT 64u

struct navsrc__walk {
    const char *segs[NAVSRC_MAX_PATH];
    size_t seg_len[NAVSRC_MAX_PATH];
    unsigned nsegs;
    unsigned depth;   /* open containers */
    unsigned matched; /* path segments entered */
    int hit;          /* the key just read is the next segment */
    int found;        /* a scalar at the full path (first one wins) */
    int bad;          /* it was not a number or a string, or too long */
    char text[NAVSRC__TEXT];
    size_t text_len;
    int top_note;  /* top-level "Note" or "Information" */
    int top_error; /* top-level "Error Message" */
};

static int navsrc__scalar(struct navsrc__walk *w, const char *text, size_t len, int usable) {
    if (w->hit && w->matched + 1 == w->nsegs && !w->found) {
        w->found = 1;
        if (!usable || len >= NAVSRC__TEXT) {
            w->bad = 1;
        } else {
            memcpy(w->text, text, len);
            w->text_len = len;
        }
    }
    w->hit = 0;
    return 1;
}

static int navsrc__null(void *ctx) { return navsrc__scalar(ctx, NULL, 0, 0); }

static int navsrc__bool(void *ctx, int v) {
    (void)v;
    return navsrc__scalar(ctx, NULL, 0, 0);
}

static int navsrc__number(void *ctx, const char *s, size_t len) {
    return navsrc__scalar(ctx, s, len, 1);
}

static int navsrc__string(void *ctx, const unsigned char *s, size_t len) {
    return navsrc__scalar(ctx, (const char *)s, len, 1);
}

static int navsrc__start(struct navsrc__walk *w, int is_map) {
    if (w->hit && is_map && w->matched + 1 < w->nsegs) {
        w->matched++;
    } else if (w->hit && w->matched + 1 == w->nsegs && !w->found) {
        w->found = 1; /* a container where the price should be */
        w->bad = 1;
    }
    w->hit = 0;
    w->depth++;
    return 1;
}

static int navsrc__start_map(void *ctx) { return navsrc__start(ctx, 1); }
static int navsrc__start_array(void *ctx) { return navsrc__start(ctx, 0); }

static int navsrc__end(void *ctx) {
    struct navsrc__walk *w = ctx;
    /* Leaving an entered object: the path root (depth 1) is never entered. */
    if (w->matched > 0 && w->depth == w->matched + 1) w->matched--;
    w->depth--;
    w->hit = 0;
    return 1;
}

static int navsrc__key_is(const unsigned char *k, size_t len, const char *want) {
    return strlen(want) == len && memcmp(k, want, len) == 0;
}

static int navsrc__map_key(void *ctx, const unsigned char *k, size_t len) {
    struct navsrc__walk *w = ctx;
    if (w->depth == 1) {
        if (navsrc__key_is(k, len, "Note") || navsrc__key_is(k, len, "Information")) w->top_note = 1;
        if (navsrc__key_is(k, len, "Error Message")) w->top_error = 1;
    }
    w->hit = w->depth == w->matched + 1 && w->matched < w->nsegs &&
             w->seg_len[w->matched] == len && memcmp(w->segs[w->matched], k, len) == 0;
    return 1;
}

static const yajl_callbacks navsrc__callbacks = {
    .yajl_null = navsrc__null,
    .yajl_boolean = navsrc__bool,
    .yajl_number = navsrc__number,
    .yajl_string = navsrc__string,
    .yajl_start_map = navsrc__start_map,
    .yajl_map_key = navsrc__map_key,
    .yajl_end_map = navsrc__end,
    .yajl_start_array = navsrc__start_array,
    .yajl_end_array = navsrc__end,
};

/* Walk the whole body; -1 when it is not one well-formed JSON document. */
static int navsrc__walk(struct navsrc__walk *w, const char *body, size_t len) {
    yajl_handle h = yajl_alloc(&navsrc__callbacks, NULL, w);
    if (h == NULL) return -1;
    int ok = yajl_parse(h, (const unsigned char *)body, len) == yajl_status_ok &&
             yajl_complete_parse(h) == yajl_status_ok;
    yajl_free(h);
    return ok ? 0 : -1;
}

/* The decimal text of a price -> base units of 8 fraction digits, > 0. */
static int navsrc__price(const char *t, size_t len, u128 *out) {
    const char *dot = memchr(t, '.', len);
    if (dot != NULL && (size_t)(t + len - dot) > NAVSRC_DECIMALS + 1) {
        len = (size_t)(dot - t) + NAVSRC_DECIMALS + 1; /* drop digits past the eighth */
    }
    u128 v;
    if (amount_parse_loose(t, len, NAVSRC_DECIMALS, &v) != ERR_OK || v == 0) return -1;
    *out = v;
    return 0;
}

static enum navsrc_outcome navsrc__finish(const struct navsrc__walk *w, u128 *price, char *why,
                                          size_t why_size) {
    if (!w->found) {
        snprintf(why, why_size, "no price in the answer");
        return NAVSRC_NO_PRICE;
    }
    if (w->bad || navsrc__price(w->text, w->text_len, price) != 0) {
        snprintf(why, why_size, "the price is not a positive decimal");
        return NAVSRC_BAD_PRICE;
    }
    why[0] = '\0';
    return NAVSRC_OK;
}

enum navsrc_outcome navsrc_parse_alphavantage(const char *body, size_t len, u128 *price, char *why,
                                              size_t why_size) {
    struct navsrc__walk w = {.segs = {"Global Quote", "05. price"}, .nsegs = 2};
    w.seg_len[0] = strlen(w.segs[0]);
    w.seg_len[1] = strlen(w.segs[1]);
    if (navsrc__walk(&w, body, len) != 0) {
        snprintf(why, why_size, "the answer is not JSON");
        return NAVSRC_GARBAGE;
    }
    if (w.top_error) {
        snprintf(why, why_size, "Alpha Vantage answered an error message");
        return NAVSRC_ERROR_BODY;
    }
    if (w.top_note) {
        snprintf(why, why_size, "Alpha Vantage is rate-limiting this key");
        return NAVSRC_RATE_LIMITED;
    }
    return navsrc__finish(&w, price, why, why_size);
}

enum navsrc_outcome navsrc_parse_json(const char *body, size_t len, const char *path, u128 *price,
                                      char *why, size_t why_size) {
    struct navsrc__walk w = {0};
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        if (n == 0 || w.nsegs == NAVSRC_MAX_PATH) {
            snprintf(why, why_size, "bad path");
            return NAVSRC_NO_PRICE;
        }
        w.segs[w.nsegs] = p;
        w.seg_len[w.nsegs++] = n;
        if (dot == NULL) break;
        p = dot + 1;
    }
    if (navsrc__walk(&w, body, len) != 0) {
        snprintf(why, why_size, "the answer is not JSON");
        return NAVSRC_GARBAGE;
    }
    return navsrc__finish(&w, price, why, why_size);
}

const char *navsrc_outcome_name(enum navsrc_outcome o) {
    switch (o) {
    case NAVSRC_OK: return "ok";
    case NAVSRC_RATE_LIMITED: return "rate_limited";
    case NAVSRC_ERROR_BODY: return "error_body";
    case NAVSRC_NO_PRICE: return "no_price";
    case NAVSRC_BAD_PRICE: return "bad_price";
    case NAVSRC_GARBAGE: return "garbage";
    case NAVSRC_NO_KEY: return "no_api_key";
    case NAVSRC_HTTP_STATUS: return "http_status";
    case NAVSRC_TIMEOUT: return "timeout";
    case NAVSRC_UNREACHABLE: return "unreachable";
    }
    return "unknown";
}

u128 navsrc_median(u128 *values, size_t n) {
    for (size_t i = 1; i < n; i++) { /* insertion sort: a handful of sources */
        u128 v = values[i];
        size_t j = i;
        while (j > 0 && values[j - 1] > v) {
            values[j] = values[j - 1];
            j--;
        }
        values[j] = v;
    }
    return values[(n - 1) / 2];
}

uint64_t navsrc_spread_ppm(const u128 *values, size_t n) {
    if (n < 2) return 0;
    u128 lo = values[0], hi = values[0];
    for (size_t i = 1; i < n; i++) {
        if (values[i] < lo) lo = values[i];
        if (values[i] > hi) hi = values[i];
    }
    return u128_ratio_ppm(hi - lo, lo);
}
