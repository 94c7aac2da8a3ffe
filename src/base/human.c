/*
 * human.c - durations and percentages as people read them (human.h).
 */
#include "human.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void human_duration(int64_t seconds, char *out, size_t size) {
    if (size == 0) return;
    const char *sign = seconds < 0 ? "-" : "";
    /* INT64_MIN has no magnitude in int64_t; a day short of it reads the same */
    long long s = seconds < 0 ? (seconds == INT64_MIN ? INT64_MAX : -seconds) : seconds;
    long long d = s / 86400, h = s / 3600, m = (s / 60) % 60, sec = s % 60;
    if (s >= 48 * 3600) snprintf(out, size, "%s%lldd %lldh", sign, d, h % 24);
    else if (s >= 3600) snprintf(out, size, "%s%lldh %lldm", sign, h, m);
    else if (s >= 60) snprintf(out, size, "%s%lldm %llds", sign, m, sec);
    else snprintf(out, size, "%s%llds", sign, sec);
}

void human_percent(double ratio, char *out, size_t size) {
    if (size == 0) return;
    if (!isfinite(ratio)) {
        snprintf(out, size, "-");
        return;
    }
    double pct = ratio * 100.0;
    if (pct > 0 && pct < 0.005) {
        snprintf(out, size, "<0.01%%");
        return;
    }
    char text[64];
    snprintf(text, sizeof(text), "%.2f", pct);
    size_t n = strlen(text);
    if (strchr(text, '.') != NULL) {
        while (n > 0 && text[n - 1] == '0') text[--n] = '\0';
        if (n > 0 && text[n - 1] == '.') text[--n] = '\0';
    }
    if (strcmp(text, "-0") == 0) snprintf(text, sizeof(text), "0");
    snprintf(out, size, "%s%%", text);
}

void human_duration_exact(int64_t seconds, char *out, size_t size) {
    if (size == 0) return;
    human_duration(seconds, out, size);
    long long s = seconds < 0 ? (seconds == INT64_MIN ? INT64_MAX : -seconds) : seconds;
    /* what human_duration left out: minutes and seconds past "12d 4h",
     * seconds past "29h 10m"; only when some are not zero */
    long long m = (s / 60) % 60, sec = s % 60;
    size_t n = strlen(out);
    if (s >= 48 * 3600 && (m != 0 || sec != 0)) {
        snprintf(out + n, size - n, " %lldm %llds", m, sec);
    } else if (s >= 3600 && s < 48 * 3600 && sec != 0) {
        snprintf(out + n, size - n, " %llds", sec);
    }
}
