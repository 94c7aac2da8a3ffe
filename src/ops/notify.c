/*
 * notify.c - receivers' payloads (notify.h): Alertmanager's API v2 alerts
 * and its version-4 webhook message, written as Go's encoding/json writes
 * them. Pure: the caller passes the time; nothing here blocks or keeps
 * state. Memory: only the small sort arrays of one call (freed before it
 * returns); an allocation failure marks the output buffer failed.
 */
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/duration.h"

static void notify__put(struct buf *out, const char *s) { buf_put(out, s, strlen(s)); }

/* The length of the valid UTF-8 sequence at s (Go's utf8.DecodeRune
 * rules: no overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t notify__utf8_len(const unsigned char *s, size_t len) {
    unsigned char c = s[0];
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    size_t n;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (len < n || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
    }
    return n;
}

/* The escape Go writes for an ASCII byte, or NULL when it is written as is. */
static const char *notify__ascii_escape(unsigned char c, char tmp[8]) {
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '<': return "\\u003c";
    case '>': return "\\u003e";
    case '&': return "\\u0026";
    default: break;
    }
    if (c >= 0x20) return NULL;
    snprintf(tmp, 8, "\\u%04x", c);
    return tmp;
}

void notify_json_string(const char *s, struct buf *out) {
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    size_t start = 0;
    size_t i = 0;
    buf_put(out, "\"", 1);
    while (i < len) {
        char tmp[8];
        const char *esc = NULL;
        size_t n = 1;
        if (p[i] < 0x80) {
            esc = notify__ascii_escape(p[i], tmp);
        } else {
            n = notify__utf8_len(p + i, len - i);
            if (n == 0) {
                esc = "\\ufffd";
                n = 1;
            } else if (n == 3 && p[i] == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] & 0xFE) == 0xA8) {
                esc = p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
            }
        }
        if (esc != NULL) {
            buf_put(out, s + start, i - start);
            notify__put(out, esc);
            start = i + n;
        }
        i += n;
    }
    buf_put(out, s + start, len - start);
    buf_put(out, "\"", 1);
}

void notify_time(int64_t unix_ns, char out[40]) { time_format_iso(unix_ns, out); }

static void notify__time_value(struct buf *out, int64_t unix_ns) {
    char t[40];
    notify_time(unix_ns, t);
    buf_put(out, "\"", 1);
    notify__put(out, t);
    buf_put(out, "\"", 1);
}

static void notify__key(struct buf *out, const char *key) {
    notify_json_string(key, out);
    buf_put(out, ":", 1);
}

static int notify__label_cmp(const void *a, const void *b) {
    const struct promql_label *const *x = a;
    const struct promql_label *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

/* A map of pairs as Go writes map[string]string: keys sorted bytewise. */
static void notify__map(struct buf *out, const struct promql_label *pairs, size_t count) {
    buf_put(out, "{", 1);
    if (count == 0) {
        buf_put(out, "}", 1);
        return;
    }
    const struct promql_label **sorted = malloc(count * sizeof(*sorted));
    if (sorted == NULL) {
        out->failed = 1;
        return;
    }
    for (size_t i = 0; i < count; i++) sorted[i] = &pairs[i];
    qsort(sorted, count, sizeof(*sorted), notify__label_cmp);
    for (size_t i = 0; i < count; i++) {
        if (i) buf_put(out, ",", 1);
        notify__key(out, sorted[i]->name);
        notify_json_string(sorted[i]->value, out);
    }
    free(sorted);
    buf_put(out, "}", 1);
}

int notify_alert_sent(const struct alert_view *alert) {
    if (alert->silenced) return 0;
    return alert->state == ALERT_FIRING || alert->state == ALERT_RESOLVED;
}

int64_t notify_valid_for_ns(int64_t eval_interval_ns) {
    int64_t delta = eval_interval_ns > NOTIFY_RESEND_DELAY_NS ? eval_interval_ns
                                                              : NOTIFY_RESEND_DELAY_NS;
    return 4 * delta;
}

/* startsAt: when it fired (Prometheus' FiredAt); an alert handed over
 * resolved without a firing time falls back to when it became active. */
static int64_t notify__starts_ns(const struct alert_view *a) {
    return a->fired_at_ns != 0 ? a->fired_at_ns : a->active_since_ns;
}

size_t notify_alertmanager(const struct alert_view *alerts, size_t count, int64_t now_ns,
                           int64_t valid_for_ns, const char *generator_url, struct buf *out) {
    size_t written = 0;
    for (size_t i = 0; i < count; i++) {
        const struct alert_view *a = &alerts[i];
        if (!notify_alert_sent(a)) continue;
        buf_put(out, written == 0 ? "[{" : ",{", 2);
        written++;
        notify__key(out, "labels");
        notify__map(out, a->labels, a->labels_count);
        buf_put(out, ",", 1);
        notify__key(out, "annotations");
        notify__map(out, a->annotations, a->annotations_count);
        buf_put(out, ",", 1);
        notify__key(out, "startsAt");
        notify__time_value(out, notify__starts_ns(a));
        buf_put(out, ",", 1);
        notify__key(out, "endsAt");
        notify__time_value(out, a->state == ALERT_RESOLVED ? a->resolved_at_ns
                                                            : now_ns + valid_for_ns);
        if (generator_url != NULL && generator_url[0] != '\0') {
            buf_put(out, ",", 1);
            notify__key(out, "generatorURL");
            notify_json_string(generator_url, out);
        }
        buf_put(out, "}", 1);
    }
    if (written) buf_put(out, "]", 1);
    return written;
}

/* Go's strconv.Quote for the ASCII a label value holds; bytes of UTF-8
 * text are kept (printable in practice: label values come from metrics). */
static void notify__go_quote(const char *s, struct buf *out) {
    buf_put(out, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char tmp[8];
        switch (*p) {
        case '"': notify__put(out, "\\\""); break;
        case '\\': notify__put(out, "\\\\"); break;
        case '\n': notify__put(out, "\\n"); break;
        case '\r': notify__put(out, "\\r"); break;
        case '\t': notify__put(out, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
                notify__put(out, tmp);
            } else {
                buf_put(out, p, 1);
            }
        }
    }
    buf_put(out, "\"", 1);
}

void notify_group_key(const struct promql_label *labels, size_t count, struct buf *out) {
    notify__put(out, "{}:{");
    for (size_t i = 0; i < count; i++) {
        if (i) notify__put(out, ", ");
        notify__put(out, labels[i].name);
        buf_put(out, "=", 1);
        notify__go_quote(labels[i].value, out);
    }
    buf_put(out, "}", 1);
}

static const char *notify__find(const struct promql_label *l, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(l[i].name, name) == 0) return l[i].value;
    }
    return NULL;
}

/* The pairs of the first alert's labels (annotations when which is 1)
 * that every alert has with the same value (template.Data's
 * commonLabels), written as a map. */
static void notify__common(const struct notify_webhook *msg, int which, struct buf *out) {
    if (msg->alerts_count == 0) {
        notify__put(out, "{}");
        return;
    }
    const struct alert_view *first = msg->alerts[0];
    const struct promql_label *l = which ? first->annotations : first->labels;
    size_t n = which ? first->annotations_count : first->labels_count;
    struct promql_label *common = malloc((n ? n : 1) * sizeof(*common));
    if (common == NULL) {
        out->failed = 1;
        return;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 1;
        for (; k < msg->alerts_count; k++) {
            const struct alert_view *a = msg->alerts[k];
            const char *v = which ? notify__find(a->annotations, a->annotations_count, l[i].name)
                                  : notify__find(a->labels, a->labels_count, l[i].name);
            if (v == NULL || strcmp(v, l[i].value) != 0) break;
        }
        if (k == msg->alerts_count) common[kept++] = l[i];
    }
    notify__map(out, common, kept);
    free(common);
}

static void notify__webhook_alert(const struct notify_webhook *msg, const struct alert_view *a,
                                  struct buf *out) {
    char fp[24];
    snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)a->fingerprint);
    int firing = a->state == ALERT_FIRING;
    buf_put(out, "{", 1);
    notify__key(out, "status");
    notify_json_string(firing ? "firing" : "resolved", out);
    buf_put(out, ",", 1);
    notify__key(out, "labels");
    notify__map(out, a->labels, a->labels_count);
    buf_put(out, ",", 1);
    notify__key(out, "annotations");
    notify__map(out, a->annotations, a->annotations_count);
    buf_put(out, ",", 1);
    notify__key(out, "startsAt");
    notify__time_value(out, notify__starts_ns(a));
    buf_put(out, ",", 1);
    notify__key(out, "endsAt");
    if (firing) {
        notify__put(out, "\"0001-01-01T00:00:00Z\"");
    } else {
        notify__time_value(out, a->resolved_at_ns);
    }
    buf_put(out, ",", 1);
    notify__key(out, "generatorURL");
    notify_json_string(msg->generator_url != NULL ? msg->generator_url : "", out);
    buf_put(out, ",", 1);
    notify__key(out, "fingerprint");
    notify_json_string(fp, out);
    buf_put(out, "}", 1);
}

void notify_webhook(const struct notify_webhook *msg, struct buf *out) {
    int firing = 0;
    for (size_t i = 0; i < msg->alerts_count; i++) {
        if (msg->alerts[i]->state == ALERT_FIRING) firing = 1;
    }
    buf_put(out, "{", 1);
    notify__key(out, "receiver");
    notify_json_string(msg->receiver, out);
    buf_put(out, ",", 1);
    notify__key(out, "status");
    notify_json_string(firing ? "firing" : "resolved", out);
    buf_put(out, ",", 1);
    notify__key(out, "alerts");
    buf_put(out, "[", 1);
    for (size_t i = 0; i < msg->alerts_count; i++) {
        if (i) buf_put(out, ",", 1);
        notify__webhook_alert(msg, msg->alerts[i], out);
    }
    notify__put(out, "],");
    notify__key(out, "groupLabels");
    notify__map(out, msg->group_labels, msg->group_labels_count);
    buf_put(out, ",", 1);
    notify__key(out, "commonLabels");
    notify__common(msg, 0, out);
    buf_put(out, ",", 1);
    notify__key(out, "commonAnnotations");
    notify__common(msg, 1, out);
    buf_put(out, ",", 1);
    notify__key(out, "externalURL");
    notify_json_string(msg->external_url != NULL ? msg->external_url : "", out);
    notify__put(out, ",\"version\":\"4\",");
    notify__key(out, "groupKey");
    struct buf key;
    buf_init(&key);
    notify_group_key(msg->group_labels, msg->group_labels_count, &key);
    buf_put(&key, "", 1);
    if (!buf_ok(&key)) out->failed = 1;
    notify_json_string(buf_ok(&key) ? (const char *)key.data : "", out);
    buf_free(&key);
    char n[40];
    snprintf(n, sizeof(n), ",\"truncatedAlerts\":%llu}\n",
             (unsigned long long)msg->truncated_alerts);
    notify__put(out, n);
}
