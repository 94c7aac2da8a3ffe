/*
 * alert.c - the alert state machine (alert.h): pending -> firing ->
 * resolved per (rule, label set), as Prometheus' alerting rules keep them.
 *
 * Invariants: every alert in the table has a distinct (name, fingerprint);
 * slots index every alert by fingerprint (open addressing, at most half
 * full); a transition's index is valid until the next round begins (alerts
 * are only removed there). Nothing here reads a clock: the round's time is
 * the caller's, so a test drives it to the nanosecond.
 */
#include "alert.h"

#include "../base/human.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/check.h"
#include "../base/duration.h"
#include "../base/limits.h"
#include "tmpl.h"

uint64_t alert_fingerprint(const struct promql_label *labels, size_t count) {
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < count; i++) {
        const char *parts[2] = {labels[i].name, labels[i].value};
        for (int k = 0; k < 2; k++) {
            for (const unsigned char *p = (const unsigned char *)parts[k]; *p; p++) {
                h ^= *p;
                h *= UINT64_C(0x100000001b3);
            }
            h ^= 0xffu;
            h *= UINT64_C(0x100000001b3);
        }
    }
    return h;
}

void alert_fingerprint_hex(uint64_t fingerprint, char out[17]) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) out[i] = digits[(fingerprint >> (60 - 4 * i)) & 0xf];
    out[16] = '\0';
}

void alert_table_init(struct alert_table *t) {
    memset(t, 0, sizeof(*t));
}

static void alert__labels_free(struct promql_label *l, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free((char *)l[i].name);
        free((char *)l[i].value);
    }
    free(l);
}

static void alert__free(struct alert *a) {
    free(a->name);
    alert__labels_free(a->labels, a->labels_count);
    alert__labels_free(a->annotations, a->annotations_count);
}

void alert_table_free(struct alert_table *t) {
    for (size_t i = 0; i < t->count; i++) alert__free(&t->alerts[i]);
    free(t->alerts);
    free(t->slots);
    free(t->transitions);
    alert_table_init(t);
}

/* A deep copy of n labels; NULL when out of memory (n == 0 gives a
 * non-NULL empty array, so NULL always means failure). */
static struct promql_label *alert__labels_copy(const struct promql_label *l, size_t n) {
    struct promql_label *c = calloc(n + 1, sizeof(*c));
    if (c == NULL) return NULL;
    for (size_t i = 0; i < n; i++) {
        c[i].name = strdup(l[i].name);
        c[i].value = strdup(l[i].value);
        if (c[i].name == NULL || c[i].value == NULL) {
            alert__labels_free(c, i + 1);
            return NULL;
        }
    }
    return c;
}

/* ---- the fingerprint index ---------------------------------------- */

static void alert__slots_put(struct alert_table *t, size_t index) {
    size_t mask = t->slots_cap - 1;
    size_t at = (size_t)t->alerts[index].fingerprint & mask;
    while (t->slots[at] != 0) at = (at + 1) & mask;
    t->slots[at] = (uint32_t)(index + 1);
}

/* Rebuild the index with room for at least `want` alerts at half load.
 * Returns -1 when out of memory (the old index stays). */
static int alert__slots_rebuild(struct alert_table *t, size_t want) {
    size_t cap = t->slots_cap ? t->slots_cap : 64;
    while (cap < 2 * want) cap *= 2;
    uint32_t *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL) return -1;
    free(t->slots);
    t->slots = slots;
    t->slots_cap = cap;
    for (size_t i = 0; i < t->count; i++) alert__slots_put(t, i);
    return 0;
}

long alert_table_find(const struct alert_table *t, const char *name, uint64_t fingerprint) {
    if (t->slots_cap == 0) return -1;
    size_t mask = t->slots_cap - 1;
    for (size_t at = (size_t)fingerprint & mask; t->slots[at] != 0; at = (at + 1) & mask) {
        const struct alert *a = &t->alerts[t->slots[at] - 1];
        if (a->fingerprint == fingerprint && strcmp(a->name, name) == 0) return (long)(t->slots[at] - 1);
    }
    return -1;
}

/* ---- rounds ---------------------------------------------------------- */

static int alert__transition(struct alert_table *t, size_t index, enum alert_state to) {
    if (t->transitions_count == t->transitions_cap) {
        size_t cap = t->transitions_cap ? 2 * t->transitions_cap : 16;
        struct alert_transition *n = realloc(t->transitions, cap * sizeof(*n));
        if (n == NULL) return -1;
        t->transitions = n;
        t->transitions_cap = cap;
    }
    t->transitions[t->transitions_count++] = (struct alert_transition){index, to};
    return 0;
}

void alert_round_begin(struct alert_table *t, int64_t now_ns) {
    if (now_ns < t->now_ns) now_ns = t->now_ns;
    t->now_ns = now_ns;
    t->transitions_count = 0;
    size_t kept = 0;
    for (size_t i = 0; i < t->count; i++) {
        struct alert *a = &t->alerts[i];
        if (a->state == ALERT_RESOLVED && now_ns - a->resolved_at_ns > ALERT_RESOLVED_RETENTION_NS) {
            alert__free(a);
            continue;
        }
        a->seen = 0;
        if (kept != i) t->alerts[kept] = *a;
        kept++;
    }
    if (kept != t->count) {
        t->count = kept;
        memset(t->slots, 0, t->slots_cap * sizeof(*t->slots));
        for (size_t i = 0; i < t->count; i++) alert__slots_put(t, i);
    }
}

/* Pending -> firing once `for` has elapsed (at once without one). */
static int alert__maybe_fire(struct alert_table *t, size_t index, const struct rule *rule) {
    struct alert *a = &t->alerts[index];
    if (a->state != ALERT_PENDING) return 0;
    int64_t hold = rule->has_for ? rule->for_ns : 0;
    if (t->now_ns - a->active_since_ns < hold) return 0;
    a->state = ALERT_FIRING;
    a->fired_at_ns = t->now_ns;
    return alert__transition(t, index, ALERT_FIRING);
}

/* A known alert: new value and annotations; a resolved one starts over. */
/* The rule's value as its annotations render it: "$value |
 * humanizePercentage" makes it a ratio, "humanizeDuration" seconds. */
static enum alert_value_form alert__value_form(const struct rule *rule) {
    for (size_t i = 0; i < rule->annotations_count; i++) {
        const char *text = rule->annotations[i].text;
        if (text == NULL) continue;
        if (strstr(text, "humanizePercentage") != NULL) return ALERT_VALUE_PERCENT;
        if (strstr(text, "humanizeDuration") != NULL) return ALERT_VALUE_DURATION;
    }
    return ALERT_VALUE_NUMBER;
}

static int alert__refresh(struct alert_table *t, size_t index, const struct rule *rule,
                          const struct rule_alert *ra) {
    struct alert *a = &t->alerts[index];
    struct promql_label *ann = alert__labels_copy(ra->annotations, ra->annotations_count);
    if (ann == NULL) return -1;
    alert__labels_free(a->annotations, a->annotations_count);
    a->annotations = ann;
    a->annotations_count = ra->annotations_count;
    a->value = ra->value;
    a->value_form = alert__value_form(rule);
    a->severity = rule->severity;
    a->action = rule->action;
    a->seen = 1;
    if (a->state == ALERT_RESOLVED) { /* the series is back: a new alert */
        a->state = ALERT_PENDING;
        a->active_since_ns = t->now_ns;
        a->fired_at_ns = 0;
        a->resolved_at_ns = 0;
        a->silenced = 0;
        a->action_result[0] = '\0';
    }
    return alert__maybe_fire(t, index, rule);
}

static enum err alert__add(struct alert_table *t, const struct rule *rule,
                           const struct rule_alert *ra, uint64_t fingerprint) {
    if (t->count >= LIMIT_ALERTS) return ERR_LIMIT_REACHED;
    if (t->count == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 32;
        struct alert *n = realloc(t->alerts, cap * sizeof(*n));
        if (n == NULL) return ERR_INTERNAL;
        t->alerts = n;
        t->cap = cap;
    }
    if (2 * (t->count + 1) > t->slots_cap && alert__slots_rebuild(t, t->count + 1) != 0) {
        return ERR_INTERNAL;
    }
    struct alert *a = &t->alerts[t->count];
    memset(a, 0, sizeof(*a));
    a->name = strdup(rule->name);
    a->labels = alert__labels_copy(ra->labels, ra->labels_count);
    a->annotations = alert__labels_copy(ra->annotations, ra->annotations_count);
    if (a->name == NULL || a->labels == NULL || a->annotations == NULL) {
        free(a->name);
        if (a->labels) alert__labels_free(a->labels, ra->labels_count);
        if (a->annotations) alert__labels_free(a->annotations, ra->annotations_count);
        return ERR_INTERNAL;
    }
    a->labels_count = ra->labels_count;
    a->annotations_count = ra->annotations_count;
    a->fingerprint = fingerprint;
    a->state = ALERT_PENDING;
    a->severity = rule->severity;
    a->action = rule->action;
    a->value = ra->value;
    a->value_form = alert__value_form(rule);
    a->active_since_ns = t->now_ns;
    a->seen = 1;
    size_t index = t->count++;
    alert__slots_put(t, index);
    return alert__maybe_fire(t, index, rule) == 0 ? ERR_OK : ERR_INTERNAL;
}

enum err alert_rule_update(struct alert_table *t, const struct rule *rule,
                           const struct rule_alert *alerts, size_t count) {
    enum err result = ERR_OK;
    for (size_t i = 0; i < count; i++) {
        const struct rule_alert *ra = &alerts[i];
        uint64_t fp = alert_fingerprint(ra->labels, ra->labels_count);
        long at = alert_table_find(t, rule->name, fp);
        enum err err = ERR_OK;
        if (at >= 0) err = alert__refresh(t, (size_t)at, rule, ra) == 0 ? ERR_OK : ERR_INTERNAL;
        else err = alert__add(t, rule, ra, fp);
        if (err != ERR_OK && result == ERR_OK) result = err;
    }
    return result;
}

void alert_rule_keep(struct alert_table *t, const char *name) {
    for (size_t i = 0; i < t->count; i++) {
        if (t->alerts[i].state != ALERT_RESOLVED && strcmp(t->alerts[i].name, name) == 0) {
            t->alerts[i].seen = 1;
        }
    }
}

void alert_round_end(struct alert_table *t) {
    size_t kept = 0;
    int dropped = 0;
    for (size_t i = 0; i < t->count; i++) {
        struct alert *a = &t->alerts[i];
        if (!a->seen && a->state == ALERT_PENDING) { /* never fired: forgotten */
            alert__free(a);
            dropped = 1;
            continue;
        }
        if (kept != i) {
            t->alerts[kept] = *a;
            for (size_t k = 0; k < t->transitions_count; k++) {
                if (t->transitions[k].index == i) t->transitions[k].index = kept;
            }
        }
        a = &t->alerts[kept];
        if (!a->seen && a->state == ALERT_FIRING) {
            a->state = ALERT_RESOLVED;
            a->resolved_at_ns = t->now_ns;
            (void)alert__transition(t, kept, ALERT_RESOLVED); /* no memory: not reported, still resolved */
        }
        kept++;
    }
    t->count = kept;
    if (dropped) {
        memset(t->slots, 0, t->slots_cap * sizeof(*t->slots));
        for (size_t i = 0; i < t->count; i++) alert__slots_put(t, i);
    }
}

size_t alert_evaluate(struct alert_table *t, const struct rules *rules,
                      const struct promql_set *set, int64_t now_ns, alert_failure_fn on_failure,
                      void *ctx) {
    alert_round_begin(t, now_ns);
    size_t failed = 0;
    for (size_t i = 0; i < rules->rules_count; i++) {
        const struct rule *r = &rules->rules[i];
        if (!r->enabled || r->expr == NULL) continue;
        struct rule_alert *alerts = NULL;
        size_t count = 0;
        struct promql_error pe;
        memset(&pe, 0, sizeof(pe));
        enum err err = rule_alerts_eval(r, set, &alerts, &count, &pe);
        if (err == ERR_OK) {
            err = alert_rule_update(t, r, alerts, count);
            if (err != ERR_OK) {
                pe.offset = 0;
                snprintf(pe.message, sizeof(pe.message), "%s",
                         err == ERR_LIMIT_REACHED ? "too many alerts (LIMIT_ALERTS)" : "out of memory");
            }
            rule_alerts_free(alerts, count);
        } else {
            alert_rule_keep(t, r->name);
        }
        if (err != ERR_OK) {
            failed++;
            if (on_failure != NULL) on_failure(ctx, i, err, &pe);
        }
    }
    alert_round_end(t);
    return failed;
}

void alert_table_view(const struct alert_table *t, size_t index, struct alert_view *out) {
    ASSERT(index < t->count);
    const struct alert *a = &t->alerts[index];
    out->name = a->name;
    out->fingerprint = a->fingerprint;
    out->labels = a->labels;
    out->labels_count = a->labels_count;
    out->annotations = a->annotations;
    out->annotations_count = a->annotations_count;
    out->state = a->state;
    out->severity = a->severity;
    out->action = a->action;
    out->value = a->value;
    out->value_form = a->value_form;
    out->active_since_ns = a->active_since_ns;
    out->fired_at_ns = a->fired_at_ns;
    out->resolved_at_ns = a->resolved_at_ns;
    out->silenced = a->silenced;
    out->action_result = a->action_result;
}

const char *alert_label(const struct alert_view *v, const char *name) {
    for (size_t i = 0; i < v->labels_count; i++) {
        if (strcmp(v->labels[i].name, name) == 0) return v->labels[i].value;
    }
    return NULL;
}

const char *alert_state_name(enum alert_state state) {
    switch (state) {
    case ALERT_PENDING: return "pending";
    case ALERT_FIRING: return "firing";
    case ALERT_RESOLVED: return "resolved";
    }
    return "?";
}

static void alert__object(struct jw *w, const char *key, const struct promql_label *l, size_t n) {
    jw_key(w, key);
    jw_object_begin(w);
    for (size_t i = 0; i < n; i++) jw_kv_string(w, l[i].name, l[i].value);
    jw_object_end(w);
}

void alert_value_text(double value, enum alert_value_form form, char out[ALERT_VALUE_TEXT_SIZE]) {
    if (form == ALERT_VALUE_PERCENT && isfinite(value)) {
        human_percent(value, out, ALERT_VALUE_TEXT_SIZE);
    } else if (form == ALERT_VALUE_DURATION && isfinite(value) && fabs(value) < 9.2e18) {
        human_duration_exact((int64_t)value, out, ALERT_VALUE_TEXT_SIZE);
    } else {
        char number[TMPL_NUMBER_SIZE];
        tmpl_format_value(value, number);
        snprintf(out, ALERT_VALUE_TEXT_SIZE, "%s", number);
    }
}

void alert_write_json(const struct alert_view *v, struct jw *w) {
    char fp[17];
    char value[TMPL_NUMBER_SIZE];
    alert_fingerprint_hex(v->fingerprint, fp);
    tmpl_format_value(v->value, value);
    jw_object_begin(w);
    jw_kv_string(w, "name", v->name);
    jw_kv_string(w, "fingerprint", fp);
    jw_kv_string(w, "severity", rule_severity_name(v->severity));
    alert__object(w, "labels", v->labels, v->labels_count);
    alert__object(w, "annotations", v->annotations, v->annotations_count);
    jw_kv_string(w, "value", value);
    /* value_text (extension): the value as people read it */
    char text[ALERT_VALUE_TEXT_SIZE];
    alert_value_text(v->value, v->value_form, text);
    jw_kv_string(w, "value_text", text);
    jw_kv_time(w, "since", v->active_since_ns);
    jw_kv_string(w, "state", alert_state_name(v->state));
    jw_kv_string(w, "action", rule_action_name(v->action));
    jw_key(w, "action_result");
    if (v->action_result != NULL && v->action_result[0] != '\0') jw_string(w, v->action_result);
    else jw_null(w);
    jw_kv_bool(w, "silenced", v->silenced);
    jw_kv_time(w, "fired_at", v->fired_at_ns);
    jw_kv_time(w, "resolved_at", v->resolved_at_ns);
    jw_object_end(w);
}
