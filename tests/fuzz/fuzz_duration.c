/*
 * fuzz_duration.c - durations as operators type them ("90s", "15m", "2h",
 * "1d", SPEC 2) and the time formats, checked against a model written here.
 *
 * Input: the text; when it has 8 bytes or more, its first 8 are also a
 * raw int64 for the formatters.
 *
 * Properties:
 *   - accepted text is digits and one unit (s, m, h, d), its value exact
 *     in nanoseconds and at most 100 years (of 366 days);
 *   - text without leading zeros worth at most 100 years of 365 days is
 *     accepted; refused text leaves the output untouched;
 *   - duration_format writes the shortest form that parses back to the
 *     same value (whole seconds up to 100 years);
 *   - time_format_iso writes "YYYY-MM-DDTHH:MM:SS.mmmZ" for years 0..9999
 *     and never overruns its 40 bytes.
 */
#include <stdint.h>
#include <string.h>

#include "../../src/base/duration.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DURATION__DAY_S INT64_C(86400)

static int64_t duration__unit_s(char c) {
    switch (c) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return DURATION__DAY_S;
    default: return 0;
    }
}

/* The model: -1 when not digits + unit, else the value in seconds
 * (saturating at INT64_MAX); *canonical says no leading zero. */
static int64_t duration__model(const char *t, size_t len, int *canonical) {
    if (len < 2 || duration__unit_s(t[len - 1]) == 0) return -1;
    __extension__ unsigned __int128 v = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (t[i] < '0' || t[i] > '9') return -1;
        if (v < (unsigned __int128)INT64_MAX) v = v * 10 + (unsigned)(t[i] - '0');
    }
    *canonical = len == 2 || t[0] != '0';
    v *= (unsigned __int128)duration__unit_s(t[len - 1]);
    return v > (unsigned __int128)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static void duration__text(const char *t, size_t len) {
    int64_t ns = -7;
    enum err err = duration_parse(t, len, &ns);
    FUZZ_CHECK(err == ERR_OK || err == ERR_INVALID_DURATION);
    int canonical = 0;
    int64_t s = duration__model(t, len, &canonical);
    if (err != ERR_OK) {
        FUZZ_CHECK(ns == -7);
        FUZZ_CHECK(s < 0 || !canonical || s > 100 * 365 * DURATION__DAY_S);
        return;
    }
    FUZZ_CHECK(s >= 0 && s <= 100 * 366 * DURATION__DAY_S);
    FUZZ_CHECK(ns == s * NS_PER_S);
    char out[32];
    duration_format(ns, out);
    int64_t back = -1;
    FUZZ_CHECK(duration_parse(out, strlen(out), &back) == ERR_OK && back == ns);
    FUZZ_CHECK(strlen(out) <= len);
}

static void duration__raw(int64_t v) {
    char out[40];
    duration_format(v, out);
    FUZZ_CHECK(strlen(out) < 32);
    int64_t s = v / NS_PER_S;
    if (v >= 0 && v % NS_PER_S == 0 && s <= 100 * 365 * DURATION__DAY_S) {
        int64_t back = -1;
        FUZZ_CHECK(duration_parse(out, strlen(out), &back) == ERR_OK && back == v);
    }
    memset(out, 'x', sizeof(out));
    time_format_iso(v, out);
    size_t n = strnlen(out, sizeof(out));
    FUZZ_CHECK(n < sizeof(out));
    int64_t days = s / DURATION__DAY_S;
    /* 0000-01-01 is day -719528; 9999-12-31 is day 2932896. */
    if (days > -719528 + 1 && days < 2932896 - 1) {
        FUZZ_CHECK(n == 24 && out[4] == '-' && out[7] == '-' && out[10] == 'T' && out[13] == ':' &&
                   out[16] == ':' && out[19] == '.' && out[23] == 'Z');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    duration__text((const char *)data, size);
    if (size >= 8) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--)
            v = (v << 8) | data[i];
        duration__raw((int64_t)v);
    }
    return 0;
}
