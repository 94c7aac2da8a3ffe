/*
 * checks.h - the runbooks' checklists (SPEC 9 "Checklists"): `mintline
 * check daily|weekly|monthly` and GET /api/checks/{period}.
 *
 * Most items read the node's own /metrics series (the ones the alert rules
 * read), with the thresholds of SPEC 9's table: an item is one PromQL
 * expression giving one value per subject (an asset, a vault type, a
 * route, an operator), compared with a warning and a failing threshold. An
 * item whose expression gives no series does not apply to this ledger (no
 * fiat asset, no vault with debt, no bridge route) and says so ("n/a"),
 * rather than passing silently. A negative age (the metrics' "-1: none
 * yet") is "never", which fails an item about freshness.
 *
 * Items that need more than a metric (the role review, the backup's
 * verification, the monthly audit and restore drill) are added by the
 * caller as ready results (checks_add), then checks_write_json writes the
 * whole list.
 *
 * Thresholds compare exactly as the rule language does (promql.h): a
 * threshold's text is read by strtod, a value is the double the scrape
 * holds; a reserve ratio of exactly 1.0 is not below 1.0.
 */
#ifndef MINTLINE_OPS_CHECKS_H
#define MINTLINE_OPS_CHECKS_H

#include <stddef.h>

#include "../base/err.h"
#include "../base/jw.h"
#include "promql.h"

enum check_period {
    CHECK_DAILY = 1,
    CHECK_WEEKLY = 2,
    CHECK_MONTHLY = 4,
};

enum check_status {
    CHECK_PASS = 0,
    CHECK_NA = 1, /* does not apply to this ledger */
    CHECK_WARN = 2,
    CHECK_FAIL = 3,
};

#define CHECK_TEXT_SIZE 160
#define CHECK_RESULTS_MAX 512

/* One line of a checklist. */
struct check_result {
    const char *item;     /* a stable key: "reserve_ratio" */
    const char *title;    /* what an operator reads: "reserve ratio" */
    const char *runbook;  /* the runbook line it comes from */
    char subject[CHECK_TEXT_SIZE];   /* "asset=USDW"; "" for the ledger as a whole */
    enum check_status status;
    char value[CHECK_TEXT_SIZE];     /* "104.2%", "1h 5m", "never", "n/a" */
    char threshold[CHECK_TEXT_SIZE]; /* "warn < 105%, fail < 100%" */
    char detail[CHECK_TEXT_SIZE];    /* why n/a, or what to look at */
};

struct checks {
    enum check_period period;
    struct check_result results[CHECK_RESULTS_MAX];
    size_t count;
    size_t dropped; /* results past CHECK_RESULTS_MAX (said in the JSON) */
};

/* check_period_parse: "daily" | "weekly" | "monthly"; 0 otherwise. */
enum check_period check_period_parse(const char *text);
const char *check_period_name(enum check_period period);
const char *check_status_name(enum check_status status);

/* checks_init: an empty list for period. */
void checks_init(struct checks *c, enum check_period period);

/* checks_eval_metrics: every metric item of c's period over set, appended
 * to c. ERR_INTERNAL when out of memory; an item whose expression cannot
 * be evaluated is a failing line naming the error (never silently
 * dropped). */
enum err checks_eval_metrics(struct checks *c, const struct promql_set *set)
    __attribute__((warn_unused_result));

/* checks_add: a result the caller computed; returns the line to fill (its
 * item, title and runbook set, the texts empty, status pass), or NULL when
 * the list is full (counted in dropped). */
struct check_result *checks_add(struct checks *c, const char *item, const char *title,
                                const char *runbook);

/* checks_worst: the worst status of the list (pass when empty). */
enum check_status checks_worst(const struct checks *c);

/* checks_write_json: {"period", "status", "counts": {"pass", "warn",
 * "fail", "n/a"}, "items": [{"item", "title", "subject", "status",
 * "value", "threshold", "runbook", "detail"}]}; "status" is "fail" when
 * any item fails, else "warn" when any warns, else "pass". */
void checks_write_json(const struct checks *c, struct jw *w);

#endif
