/*
 * alert.h - an alert as the rest of the node sees it (SPEC 9): what the
 * evaluation loop keeps per alert and what receivers are sent, and the
 * state machine that keeps them (alert.c).
 *
 * One alert is one series a rule's expression returned (its labels: the
 * series' labels, the rule's labels, alertname), identified by the
 * fingerprint of that label set. States follow Prometheus
 * (rules/alerting.go): pending (the condition holds, `for` not yet
 * elapsed), firing, and resolved (it held, and no longer does; kept for
 * ALERT_RESOLVED_RETENTION_NS so receivers and `alerts --all` see it).
 *
 * The state machine is pure: no clock (the caller passes the round's
 * time), no I/O, no threads; one caller at a time (the node's evaluator
 * holds a mutex around it). A round:
 *
 *   alert_round_begin(t, now)        expire old resolved alerts, clear marks
 *   alert_rule_update(t, rule, ...)  per rule that evaluated: its alerts now
 *   alert_rule_keep(t, rule)         per rule that failed: its alerts stay as they were
 *   alert_round_end(t)               active alerts nobody returned clear
 *
 * (alert_evaluate does all of it over a series set.) Transitions the
 * caller acts on (became firing, became resolved) are listed in
 * t->transitions until the next round begins: an action runs once per
 * firing because a firing alert is reported firing once.
 *
 * Rules:
 *   - a new alert (or one whose last state was resolved) starts pending at
 *     `now` (active_since); with no `for` (or `for: 0`) it fires at once;
 *   - a pending alert fires in the first round where now - active_since >=
 *     for (to the nanosecond, as Prometheus' `>=`); fired_at = now;
 *   - an active alert its rule no longer returns: a pending one is dropped
 *     (it never fired, Prometheus forgets it), a firing one resolves
 *     (resolved_at = now);
 *   - a rule that failed to evaluate keeps its alerts as they are (no
 *     resolve on an error); an alert whose rule is gone or disabled is not
 *     returned by anyone and clears like the others;
 *   - a resolved alert is dropped once now - resolved_at exceeds
 *     ALERT_RESOLVED_RETENTION_NS; if its series returns before then, it
 *     starts over as a new alert (a new firing).
 */
#ifndef MINTLINE_OPS_ALERT_H
#define MINTLINE_OPS_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"
#include "../base/jw.h"
#include "promql.h"
#include "rules.h"

enum alert_state {
    ALERT_PENDING = 1,
    ALERT_FIRING,
    ALERT_RESOLVED,
};

/* Prometheus' resolvedRetention: 15 minutes. */
#define ALERT_RESOLVED_RETENTION_NS (INT64_C(15) * 60 * 1000000000)

/* "done seq 123", "ERR_FORBIDDEN", "unavailable: ...": what the action did. */
#define ALERT_ACTION_RESULT_SIZE 160u

/* One alert, read-only, as a receiver is given it. Strings belong to the
 * evaluation loop and live until the call that passed them returns. */
/* How a rule's value reads to people: as its summary renders $value. */
enum alert_value_form { ALERT_VALUE_NUMBER, ALERT_VALUE_PERCENT, ALERT_VALUE_DURATION };

/* alert_value_text: the value as people read it, in the forms of every
 * human output (src/base/human.h): "99.23%", "29h 10m", else Prometheus'
 * %v ("0.888888"). */
#define ALERT_VALUE_TEXT_SIZE 64u
void alert_value_text(double value, enum alert_value_form form, char out[ALERT_VALUE_TEXT_SIZE]);

struct alert_view {
    const char *name;                       /* alertname */
    uint64_t fingerprint;                   /* of the label set (alert_fingerprint) */
    const struct promql_label *labels;      /* sorted by name; alertname and severity among them */
    size_t labels_count;
    const struct promql_label *annotations; /* rendered, in the rule's order */
    size_t annotations_count;
    enum alert_state state;
    enum rule_severity severity;
    enum rule_action action;
    double value;
    enum alert_value_form value_form;
    int64_t active_since_ns; /* when the condition first held (Prometheus' activeAt) */
    int64_t fired_at_ns;     /* when it became firing (startsAt); 0 while pending */
    int64_t resolved_at_ns;  /* when it resolved (endsAt); 0 while active */
    uint8_t silenced;        /* a warning during a maintenance window: not sent */
    const char *action_result; /* "" when no action ran (none, alert_team, not yet) */
};

/* One alert as the table keeps it; everything owned by the table. */
struct alert {
    char *name; /* the rule's name (alertname) */
    uint64_t fingerprint;
    struct promql_label *labels;
    size_t labels_count;
    struct promql_label *annotations;
    size_t annotations_count;
    enum alert_state state;
    enum rule_severity severity;
    enum rule_action action;
    double value;
    enum alert_value_form value_form;
    int64_t active_since_ns;
    int64_t fired_at_ns;
    int64_t resolved_at_ns;
    uint8_t silenced;
    uint8_t seen; /* returned (or kept) in the current round */
    char action_result[ALERT_ACTION_RESULT_SIZE];
};

struct alert_transition {
    size_t index;         /* into alert_table.alerts, valid until the next round */
    enum alert_state to;  /* ALERT_FIRING or ALERT_RESOLVED */
};

struct alert_table {
    struct alert *alerts; /* in order of first appearance */
    size_t count;
    size_t cap;
    uint32_t *slots; /* open addressing: fingerprint -> index + 1 (0 empty) */
    size_t slots_cap;
    struct alert_transition *transitions;
    size_t transitions_count;
    size_t transitions_cap;
    int64_t now_ns; /* the current round's time */
};

/* alert_fingerprint: FNV-1a (64-bit) of the sorted label set, each name and
 * value followed by the byte 0xff (which UTF-8 never holds). */
uint64_t alert_fingerprint(const struct promql_label *labels, size_t count);

/* alert_fingerprint_hex: 16 lowercase hex digits and a NUL. */
void alert_fingerprint_hex(uint64_t fingerprint, char out[17]);

void alert_table_init(struct alert_table *t);
void alert_table_free(struct alert_table *t);

/* alert_round_begin: start a round at now_ns (never earlier than the last
 * round's; an earlier time is taken as the last round's): drop resolved
 * alerts past their retention, clear the marks and the transitions. */
void alert_round_begin(struct alert_table *t, int64_t now_ns);

/* alert_rule_update: the alerts rule returned this round (rule_alerts_eval).
 * Known alerts take the new value, annotations, severity and action; new
 * ones start. ERR_OK; ERR_LIMIT_REACHED when the table holds LIMIT_ALERTS
 * alerts (the known ones are updated, the new ones past the limit are not
 * kept); ERR_INTERNAL when out of memory (the same). */
enum err alert_rule_update(struct alert_table *t, const struct rule *rule,
                           const struct rule_alert *alerts, size_t count)
    __attribute__((warn_unused_result));

/* alert_rule_keep: the rule named name could not be evaluated this round:
 * its active alerts stay as they are. */
void alert_rule_keep(struct alert_table *t, const char *name);

/* alert_round_end: active alerts nobody returned or kept clear (pending
 * ones are dropped, firing ones resolve). */
void alert_round_end(struct alert_table *t);

/* A rule that failed this round: its index in rules, the error and the
 * evaluation's message. */
typedef void (*alert_failure_fn)(void *ctx, size_t rule_index, enum err err,
                                 const struct promql_error *error);

/* alert_evaluate: one whole round at now_ns: every enabled rule of rules
 * evaluated over set (rule_alerts_eval) and the table updated. A rule that
 * fails (an evaluation error, LIMIT_ALERTS reached, no memory) is passed
 * to on_failure (may be NULL) and the others go on. Returns how many
 * rules failed. */
size_t alert_evaluate(struct alert_table *t, const struct rules *rules,
                      const struct promql_set *set, int64_t now_ns, alert_failure_fn on_failure,
                      void *ctx);

/* alert_table_view: the alert at index as a receiver sees it (pointers into
 * the table, valid until the table next changes). */
void alert_table_view(const struct alert_table *t, size_t index, struct alert_view *out);

/* alert_table_find: the index of the alert of rule name with fingerprint,
 * or -1. */
long alert_table_find(const struct alert_table *t, const char *name, uint64_t fingerprint);

/* alert_label: the value of label name in the view, or NULL. */
const char *alert_label(const struct alert_view *v, const char *name);

/* alert_state_name: "pending", "firing", "resolved". */
const char *alert_state_name(enum alert_state state);

/* alert_write_json: the API's object for one alert: {"name",
 * "fingerprint", "severity", "labels", "annotations", "value", "since",
 * "state", "action", "action_result", "silenced", "fired_at",
 * "resolved_at"}; times ISO-8601 UTC (null when not yet), value as
 * Prometheus prints it (a string), action_result null when none ran. */
void alert_write_json(const struct alert_view *v, struct jw *w);

#endif
