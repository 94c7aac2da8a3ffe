/*
 * rules.h - alert rules (SPEC 9): rule files in the shape of Prometheus
 * rule groups, the built-in defaults (the runbooks' thresholds), merging a
 * file over them, and the export Prometheus' promtool accepts.
 *
 * A file:
 *
 *   groups:
 *     - name: reserves               # unique in the file
 *       interval: 30s                # optional (the node's --eval-interval)
 *       rules:
 *         - alert: ReserveRatioCritical            # unique, [a-zA-Z_:][a-zA-Z0-9_:]*
 *           expr: mintline_reserve_ratio < 1       # the rule language (promql.h)
 *           for: 5m                                # optional, a duration (90s, 15m, 2h, 1d)
 *           labels: {severity: critical, team: treasury}   # severity: warning | critical
 *           annotations: {summary: "{{ $labels.asset }} at {{ $value | humanizePercentage }}"}
 *           action: halt_minting       # none (default) | alert_team | halt_minting | emergency_pause
 *           enabled: false             # optional; alone with `alert`, disables a built-in
 *
 * Refused, with the file, the line and column, the rule and (for an
 * expression) the position inside it: YAML syntax, a missing or unknown
 * key, `record:` (recording rules are not supported), an expression
 * outside the rule language, a `for` or `interval` that is not a duration,
 * a missing or invalid severity, an unknown action, a duplicate alert or
 * group name, a label or annotation name that is not a label name (or is
 * __name__ or alertname, which the alert gets by itself), a template
 * outside the subset (tmpl.h), more than LIMIT_RULES rules. A label
 * `action` is read as the action (so an export reads back); with an
 * `action:` too, the two must agree.
 * The error code is ERR_INVALID_CONFIG (a rule file is configuration);
 * the CLI exits 2 with it, as for any bad local input (docs/DECISIONS.md).
 *
 * Merging a file over a set (rules_merge): a rule named like one in the
 * set replaces it; a new name adds one; `enabled: false` with no expr
 * disables the rule of that name (which must exist). A file's group named
 * like an existing group adds to it (its interval, when given, wins).
 *
 * Memory: a struct rules owns everything in it (rules_free).
 */
#ifndef MINTLINE_OPS_RULES_H
#define MINTLINE_OPS_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "../base/jw.h"
#include "../base/limits.h"
#include "promql.h"
#include "tmpl.h"

enum rule_severity {
    RULE_WARNING = 1,
    RULE_CRITICAL,
};

enum rule_action {
    RULE_ACTION_NONE = 1,
    RULE_ACTION_ALERT_TEAM,
    RULE_ACTION_HALT_MINTING,
    RULE_ACTION_EMERGENCY_PAUSE,
};

/* A label or an annotation: its name, its text and the parsed template. */
struct rule_text {
    char *name;
    char *text;
    struct tmpl *tmpl;
};

struct rule {
    char *name;
    char *expr_text;          /* NULL only for an entry that disables another */
    struct promql_expr *expr; /* parsed expr_text */
    int64_t for_ns;
    uint8_t has_for;
    enum rule_severity severity;
    enum rule_action action;
    uint8_t enabled;
    uint8_t builtin; /* one of the defaults (possibly disabled by a file) */
    /* labels sorted by name, severity among them; annotations as written */
    struct rule_text *labels;
    size_t labels_count;
    struct rule_text *annotations;
    size_t annotations_count;
    size_t group; /* index into rules.groups */
    char *source; /* the file it came from ("built-in" for the defaults) */
    unsigned line;
};

struct rule_group {
    char *name;
    int64_t interval_ns; /* 0: the node's evaluation interval */
};

struct rules {
    struct rule *rules;
    size_t rules_count;
    struct rule_group *groups;
    size_t groups_count;
};

/* What a refusal says: message is the whole line ("FILE:LINE:COL: rule
 * \"NAME\": expr 1:23: ..."); the parts are there for programs. */
struct rules_error {
    char message[768];
    unsigned line;
    unsigned col;
    char rule[LIMIT_RULE_NAME + 1]; /* "" when not about one rule */
    long expr_offset;               /* byte offset in the expression, or -1 */
};

/* rules_parse: read one rule file's text; file names it in messages.
 * ERR_OK with *out (rules_free); ERR_INVALID_CONFIG with *error;
 * ERR_INTERNAL when out of memory. *out untouched on error. */
enum err rules_parse(const char *file, const char *text, size_t len, struct rules *out,
                     struct rules_error *error) __attribute__((warn_unused_result));

/* rules_load_file: rules_parse on the file at path. ERR_IO (with a
 * message) when it cannot be read; ERR_INVALID_CONFIG when it is larger
 * than LIMIT_RULES_FILE_BYTES or refused. */
enum err rules_load_file(const char *path, struct rules *out, struct rules_error *error)
    __attribute__((warn_unused_result));

/* rules_defaults: the built-in rules (rules_default.c), every one marked
 * builtin. ERR_INTERNAL only when out of memory (a test proves the text
 * is accepted). */
enum err rules_defaults(struct rules *out, struct rules_error *error)
    __attribute__((warn_unused_result));

/* rules_default_text: append the built-in rules' YAML to out. */
void rules_default_text(struct buf *out);

struct rules_merge_stats {
    size_t added;    /* new names */
    size_t replaced; /* rules that replaced one of base */
    size_t disabled; /* rules of base that a file's `enabled: false` disabled */
};

/* rules_merge: merge user over base (see above). On ERR_OK user's rules
 * have moved into base and user is empty (still to be freed). On
 * ERR_INVALID_CONFIG (an entry that disables a name base lacks) nothing
 * changed. ERR_LIMIT_REACHED beyond LIMIT_RULES; ERR_INTERNAL when out of
 * memory. */
enum err rules_merge(struct rules *base, struct rules *user, struct rules_merge_stats *stats,
                     struct rules_error *error) __attribute__((warn_unused_result));

void rules_free(struct rules *rules);

/* rules_find: the rule named name, or NULL. */
const struct rule *rules_find(const struct rules *rules, const char *name);

/* rules_enabled_count: rules in force (enabled, with an expression). */
size_t rules_enabled_count(const struct rules *rules);

/* rules_export_prometheus: the enabled rules as a Prometheus rule file
 * (YAML, every string double-quoted): mintline's `action` becomes the label
 * action="..." (left out for none), `enabled` is left out with the
 * disabled rules, empty groups are left out. Appended to out. */
void rules_export_prometheus(const struct rules *rules, struct buf *out);

/* rules_write_json: {"rules": [{"name", "group", "severity", "action",
 * "for", "enabled", "builtin", "expr", "labels", "annotations", "source"}],
 * "thresholds": {BAR: {"metric", "warning", "critical"}}} where a mark is
 * {"value", "op" (">" or ">="), "rule"} or null (rules_thresholds). */
void rules_write_json(const struct rules *rules, struct jw *w);

/* The console's usage bars (issue 14) and the thresholds the rules in
 * force put on them. A bar's metric is one the node exports per asset:
 *
 *   supply_cap        mintline_supply_cap_usage_ratio
 *   daily_mint        mintline_daily_mint_usage_ratio
 *   daily_net_inflow  mintline_daily_inflow_usage_ratio
 *   nav_age_s         mintline_nav_age_seconds
 *   vault_debt_ceiling  mintline_vault_debt_ceiling_usage_ratio (per vault type)
 *
 * A rule puts a mark on a bar when it is enabled and its expression is a
 * plain threshold on the bar's metric (promql_threshold: `metric > N` or
 * `metric >= N`); its severity says which mark. Of several such rules of
 * one severity the lowest N wins (the first to fire), `>=` before `>` at
 * one N. No such rule (an override disabled it, or rewrote it into a
 * compound expression or one narrowed to an asset): no mark. */
enum rules_bar {
    RULES_BAR_SUPPLY_CAP = 0,
    RULES_BAR_DAILY_MINT,
    RULES_BAR_DAILY_NET_INFLOW,
    RULES_BAR_NAV_AGE,
    RULES_BAR_VAULT_DEBT_CEILING,
    RULES_BAR__COUNT,
};

struct rules_threshold {
    uint8_t present;
    uint8_t inclusive; /* 1: `>=` */
    double value;
    const char *rule; /* its name; owned by the rules, valid while they live */
};

struct rules_bar_thresholds {
    struct rules_threshold warning;
    struct rules_threshold critical;
};

/* rules_thresholds: out[bar] for every bar (see above). */
void rules_thresholds(const struct rules *rules, struct rules_bar_thresholds out[RULES_BAR__COUNT]);

/* rules_bar_name / rules_bar_metric: "supply_cap", "mintline_supply_cap_usage_ratio", ... */
const char *rules_bar_name(enum rules_bar bar);
const char *rules_bar_metric(enum rules_bar bar);

/* One alert of a rule, as Prometheus makes it from one result sample
 * (rules/alerting.go): the series' labels without __name__, the rule's
 * labels rendered (an empty one removes the label), `action` unless it is
 * none (the export's label), `alertname`; sorted by name. Annotations
 * rendered, in the rule's order. Strings owned (rule_alerts_free). */
struct rule_alert {
    struct promql_label *labels;
    size_t labels_count;
    struct promql_label *annotations;
    size_t annotations_count;
    double value;
};

/* rule_alerts_eval: evaluate an enabled rule over set and build one alert
 * per result sample. ERR_OK with *alerts (count of them; free with
 * rule_alerts_free); ERR_INVALID_ARGUMENT with *error for an evaluation
 * error, or two alerts with one label set ("vector contains metrics with
 * the same labelset after applying alert labels", as Prometheus);
 * ERR_INTERNAL when out of memory. */
enum err rule_alerts_eval(const struct rule *rule, const struct promql_set *set,
                          struct rule_alert **alerts, size_t *count, struct promql_error *error)
    __attribute__((warn_unused_result));
void rule_alerts_free(struct rule_alert *alerts, size_t count);

const char *rule_severity_name(enum rule_severity severity);
const char *rule_action_name(enum rule_action action);

#endif
