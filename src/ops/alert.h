/*
 * alert.h - an alert as the rest of the node sees it (SPEC 9): what the
 * evaluation loop keeps per alert and what receivers are sent.
 *
 * One alert is one series a rule's expression returned (its labels: the
 * series' labels, the rule's labels, alertname), identified by the
 * fingerprint of that label set. States follow Prometheus: pending (the
 * condition holds, `for` not yet elapsed), firing, and resolved (it held,
 * and no longer does; kept for a while so receivers and `alerts --all`
 * see it).
 */
#ifndef MINTLINE_OPS_ALERT_H
#define MINTLINE_OPS_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "promql.h"
#include "rules.h"

enum alert_state {
    ALERT_PENDING = 1,
    ALERT_FIRING,
    ALERT_RESOLVED,
};

/* One alert, read-only, as a receiver is given it. Strings belong to the
 * evaluation loop and live until the call that passed them returns. */
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
    int64_t active_since_ns; /* when the condition first held (Prometheus' activeAt) */
    int64_t fired_at_ns;     /* when it became firing (startsAt); 0 while pending */
    int64_t resolved_at_ns;  /* when it resolved (endsAt); 0 while active */
    uint8_t silenced;        /* a warning during a maintenance window: not sent */
};

#endif
