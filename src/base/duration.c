/* duration.c - parse and format durations and ISO-8601 times (pure). */
#include "duration.h"

#include <stdio.h>

#define DURATION_MAX_S (INT64_C(100) * 366 * 86400)

enum err duration_parse(const char *text, size_t len, int64_t *out_ns) {
    if (text == NULL || len < 2 || len > 20) return ERR_INVALID_DURATION;
    int64_t unit_s;
    switch (text[len - 1]) {
    case 's': unit_s = 1; break;
    case 'm': unit_s = 60; break;
    case 'h': unit_s = 3600; break;
    case 'd': unit_s = 86400; break;
    default: return ERR_INVALID_DURATION;
    }
    int64_t v = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (text[i] < '0' || text[i] > '9') return ERR_INVALID_DURATION;
        v = v * 10 + (text[i] - '0');
        if (v > DURATION_MAX_S) return ERR_INVALID_DURATION;
    }
    if (v * unit_s > DURATION_MAX_S) return ERR_INVALID_DURATION;
    *out_ns = v * unit_s * NS_PER_S;
    return ERR_OK;
}

void duration_format(int64_t ns, char out[32]) {
    int64_t s = ns / NS_PER_S;
    if (s != 0 && s % 86400 == 0) {
        snprintf(out, 32, "%lldd", (long long)(s / 86400));
    } else if (s != 0 && s % 3600 == 0) {
        snprintf(out, 32, "%lldh", (long long)(s / 3600));
    } else if (s != 0 && s % 60 == 0) {
        snprintf(out, 32, "%lldm", (long long)(s / 60));
    } else {
        snprintf(out, 32, "%llds", (long long)s);
    }
}

/* Days since 1970-01-01 to civil date (Howard Hinnant's algorithm). */
static void duration__civil(int64_t days, int *y, unsigned *m, unsigned *d) {
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

void time_format_iso(int64_t unix_ns, char out[40]) {
    int64_t s = unix_ns / NS_PER_S;
    int64_t ms = (unix_ns % NS_PER_S) / 1000000;
    if (ms < 0) {
        ms += 1000;
        s -= 1;
    }
    int64_t days = s / 86400;
    int64_t rem = s % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    int y;
    unsigned m, d;
    duration__civil(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(out, 40, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d, (int)(rem / 3600),
                 (int)(rem / 60 % 60), (int)(rem % 60), (int)ms);
        return;
    }
    /* The common case without printf: events and history print one each. */
    unsigned fields[7] = {(unsigned)y, m, d, (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
                          (unsigned)(rem % 60), (unsigned)ms};
    static const char seps[7] = {'-', '-', 'T', ':', ':', '.', 'Z'};
    static const unsigned widths[7] = {4, 2, 2, 2, 2, 2, 3};
    size_t n = 0;
    for (int f = 0; f < 7; f++) {
        for (unsigned k = widths[f]; k > 0; k--) {
            unsigned p = 1;
            for (unsigned j = 1; j < k; j++) p *= 10;
            out[n++] = (char)('0' + fields[f] / p % 10);
        }
        out[n++] = seps[f];
    }
    out[n] = '\0';
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
static int64_t duration__days(int y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

enum err date_parse(const char *text, size_t len, int32_t *day) {
    if (text == NULL || len != 10 || text[4] != '-' || text[7] != '-') return ERR_INVALID_ARGUMENT;
    unsigned v[3] = {0, 0, 0};
    static const unsigned starts[3] = {0, 5, 8};
    static const unsigned widths[3] = {4, 2, 2};
    for (unsigned f = 0; f < 3; f++) {
        for (unsigned i = 0; i < widths[f]; i++) {
            char c = text[starts[f] + i];
            if (c < '0' || c > '9') return ERR_INVALID_ARGUMENT;
            v[f] = v[f] * 10 + (unsigned)(c - '0');
        }
    }
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > mdays[v[1] - 1]) {
        return ERR_INVALID_ARGUMENT;
    }
    int leap = (v[0] % 4 == 0 && v[0] % 100 != 0) || v[0] % 400 == 0;
    if (v[1] == 2 && v[2] == 29 && !leap) return ERR_INVALID_ARGUMENT;
    *day = (int32_t)duration__days((int)v[0], v[1], v[2]);
    return ERR_OK;
}

void date_format(int32_t day, char out[11]) {
    int y;
    unsigned m, d;
    duration__civil(day, &y, &m, &d);
    if (y < 0 || y > 9999) y = 0;
    unsigned f[3] = {(unsigned)y, m % 100u, d % 100u};
    static const unsigned widths[3] = {4, 2, 2};
    size_t k = 0;
    for (unsigned i = 0; i < 3; i++) {
        if (i) out[k++] = '-';
        for (unsigned j = widths[i]; j-- > 0;) {
            out[k + j] = (char)('0' + f[i] % 10u);
            f[i] /= 10u;
        }
        k += widths[i];
    }
    out[k] = '\0';
}
