/*
 * alerting.h - the node's alert evaluation loop (SPEC 9, issue 10): the
 * rules in force evaluated over the node's own /metrics, the alert state
 * machine (src/ops/alert.h), the actions of the built-in operator
 * `system`, and what the API, the status and /metrics say about them.
 *
 * When it evaluates: on a wall clock, a thread every --eval-interval
 * (default 15s) at the wall clock's time; on a manual clock, after every
 * committed block, on the sequencer's thread before that block's requests
 * are answered (a sequencer hook), at the ledger's time, so that the
 * answer to `dev advance 5h` comes after the alerts it raised have acted.
 * Both also evaluate once at start.
 *
 * A round: render /metrics into a buffer kept from round to round
 * (metrics_render), read it back (expo_parse), index it
 * (promql_set_update), evaluate every enabled rule (alert_evaluate; a rule
 * that fails is counted in mintline_rule_evaluation_failures_total{rule}
 * and the others go on), then, for each alert that became firing, its
 * action (alerting__on_firing), then hand every alert to the receivers
 * (alerting__deliver).
 *
 * Actions: halt_minting and emergency_pause are requests of the operator
 * `system`, signed with DATA/system.key exactly as a client signs them
 * (SPEC 7), checked by auth_check (signature, nonce) and run through
 * POST /api/commands' own code, so they are journaled like any request
 * and `audit verify` checks them. A ledger without the operator or the key
 * runs no action: each such alert says "unavailable: ..." and the node
 * warns once at start.
 *
 * Threads: one evaluation at a time (eval_mu); readers (the API, status,
 * metrics) take the table's mutex only to copy or write it out.
 */
#ifndef MINTLINE_NODE_ALERTING_H
#define MINTLINE_NODE_ALERTING_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "../base/jw.h"
#include "../ops/alert.h"

struct server;
struct server_request;
struct server_response;
struct alerting;

#define ALERTING_INTERVAL_DEFAULT_NS (INT64_C(15) * 1000000000)

/* alerting_rules_load: the built-in rules, with the file at path merged
 * over them when path is not NULL (as `alerts rules --check` does).
 * ERR_OK with *out (rules_free); ERR_INVALID_CONFIG, ERR_IO, ERR_LIMIT_REACHED
 * or ERR_INTERNAL with the file's error in why. */
enum err alerting_rules_load(const char *path, struct rules *out, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* alerting_open: the loop over server s (its chain open, its sequencer and
 * auth started), taking the rules (they move into the loop; *rules is
 * left empty). data_dir is where system.key is looked for. Prints the
 * warning when actions are unavailable. ERR_INTERNAL when out of memory
 * (rules are freed). Nothing runs until alerting_start. */
enum err alerting_open(struct server *s, struct rules *rules, const char *data_dir,
                       int64_t interval_ns, struct alerting **out)
    __attribute__((warn_unused_result));

/* alerting_start: evaluate once, then every interval (a thread, wall
 * clock) or after every block (a sequencer hook, manual clock).
 * ERR_INTERNAL when the thread cannot be made. */
enum err alerting_start(struct alerting *a) __attribute__((warn_unused_result));

/* alerting_stop: no more rounds (the thread joined, the hook removed).
 * Call before sequencer_stop; free after it. */
void alerting_stop(struct alerting *a);
void alerting_free(struct alerting *a);

/* alerting_evaluate_now: one round at once on the caller's thread, as the
 * loop runs it (tests, benchmarks). Returns the actions that committed. */
unsigned alerting_evaluate_now(struct alerting *a);

/* Receivers (issue 10 item 5) are handed every alert after each round:
 * fn gets views valid during the call only, never blocks (copy and
 * queue), and may be NULL (no receiver). */
typedef void (*alerting_deliver_fn)(void *ctx, const struct alert_view *alerts, size_t count,
                                    int64_t now_ns);
void alerting_set_receiver(struct alerting *a, alerting_deliver_fn fn, void *ctx);

/* The figures: mintline_alerts_firing{severity}, mintline_alerts_pending,
 * mintline_alert_evaluations_total, mintline_alert_evaluation_seconds,
 * mintline_rule_evaluation_failures_total{rule}; appended to b. */
void alerting_metrics(struct alerting *a, struct buf *b);

/* "alerts": {"firing": {"warning", "critical"}, "pending", "rules",
 * "evaluated_at"} of the system status (a may be NULL: zeros). */
void alerting_status_json(struct alerting *a, struct jw *w);

/* GET /api/alerts[?all=1]: {"alerts": [...], "evaluated_at", "rules",
 * "evaluation_ms"}; active alerts (pending and firing), with all=1 the
 * resolved ones kept too. */
void api_alerts(struct server *s, const struct server_request *rq, struct server_response *out);

/* GET /api/alerts/rules (an extension, issue 14): the rules in force, the
 * built-ins with --alert-rules merged over them, as `mintline alerts rules
 * --json` prints them (rules_write_json), with the usage bars' thresholds. */
void api_alert_rules(struct server *s, const struct server_request *rq,
                     struct server_response *out);

#endif
