/*
 * notify.h - what receivers are sent (SPEC 9 "Receivers"): the body of an
 * Alertmanager `POST /api/v2/alerts` and Alertmanager's version-4 webhook
 * payload, built from the evaluation loop's alerts (alert.h).
 *
 * Pure: no clock, no I/O, no global state; the caller passes the time.
 * Both bodies are JSON as Go's encoding/json writes the structs they come
 * from (Prometheus' notifier.Alert, Alertmanager's webhook.Message), so a
 * receiver sees what it would see from Prometheus or Alertmanager:
 *   - objects of labels and annotations are maps: keys sorted bytewise;
 *   - strings escaped as Go escapes them: \" \\ \n \r \t, other control
 *     characters \u00XX, the HTML characters < > & as \u003c \u003e
 *     \u0026, U+2028 and U+2029 as \u2028 \u2029, and every byte that is
 *     not part of valid UTF-8 as \ufffd (Go 1.19, Alertmanager 0.25's);
 *   - times RFC 3339 in UTC with milliseconds ("2026-03-01T10:00:00.000Z";
 *     Go trims trailing zeros, every RFC 3339 reader accepts both), and
 *     Go's zero time "0001-01-01T00:00:00Z" where Alertmanager writes it.
 *
 * Which alerts are sent (notify_alert_sent): firing and resolved ones that
 * are not silenced. Pending alerts are never sent (Prometheus'
 * needsSending); a silenced one (a warning during a maintenance window) is
 * not either.
 *
 * Alertmanager API v2 (Prometheus' rules.SendAlerts and sendAlerts,
 * rules/manager.go and rules/alerting.go): startsAt is when the alert
 * fired; a resolved alert's endsAt is when it resolved; a firing alert's
 * endsAt is now + valid_for, where Prometheus takes
 * valid_for = 4 x max(resend delay, evaluation interval) ("allow for two
 * Eval or Alertmanager send failures"): Alertmanager resolves the alert by
 * itself if it hears nothing more by then.
 */
#ifndef MINTLINE_OPS_NOTIFY_H
#define MINTLINE_OPS_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "alert.h"

/* Prometheus' --rules.alert.resend-delay default (1m). */
#define NOTIFY_RESEND_DELAY_NS (INT64_C(60) * INT64_C(1000000000))

/* notify_alert_sent: 1 when receivers are told about alert (firing or
 * resolved, and not silenced), else 0. */
int notify_alert_sent(const struct alert_view *alert);

/* notify_valid_for_ns: Prometheus' 4 x max(resend delay, interval). */
int64_t notify_valid_for_ns(int64_t eval_interval_ns);

/* notify_alertmanager: append to out the JSON array Alertmanager's
 * `POST /api/v2/alerts` takes, one element per alert that is sent (in the
 * order given): {"labels", "annotations", "startsAt", "endsAt",
 * "generatorURL"} (generatorURL left out when generator_url is NULL or
 * empty, as Prometheus' omitempty does). Returns the count of alerts
 * written; when it is 0 nothing is appended. Allocation failures leave out
 * failed (buf_ok). */
size_t notify_alertmanager(const struct alert_view *alerts, size_t count, int64_t now_ns,
                           int64_t valid_for_ns, const char *generator_url, struct buf *out);

/* One webhook notification: a group of alerts, as Alertmanager's
 * webhook.Message. alerts are the ones to list (each must be sent, per
 * notify_alert_sent); group_labels are the labels the group is keyed by
 * (sorted by name); external_url and generator_url may be NULL (""). */
struct notify_webhook {
    const char *receiver;
    const char *external_url;
    const char *generator_url;
    const struct promql_label *group_labels;
    size_t group_labels_count;
    const struct alert_view *const *alerts;
    size_t alerts_count;
    uint64_t truncated_alerts;
};

/* notify_webhook: append to out the JSON Alertmanager 0.25 posts to a
 * webhook: {"receiver", "status", "alerts": [{"status", "labels",
 * "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}],
 * "groupLabels", "commonLabels", "commonAnnotations", "externalURL",
 * "version": "4", "groupKey", "truncatedAlerts"} and the newline Go's
 * json.Encoder ends it with. Fields in that order (the embedded
 * template.Data's first); status is "firing" when any alert fires, else
 * "resolved"; a firing alert's endsAt is Go's zero time (Alertmanager hides
 * an end not reached); fingerprint is the alert's as 16 hex digits;
 * groupKey is what Alertmanager's root route makes, "{}:" followed by the
 * group labels as {name="value", ...}; commonLabels and commonAnnotations
 * hold the pairs every alert has. receiver is written as given
 * (Alertmanager writes it through regexp.QuoteMeta: receiver names here
 * are restricted to characters it leaves alone). */
void notify_webhook(const struct notify_webhook *msg, struct buf *out);

/* notify_group_key: the webhook's groupKey for labels (see above),
 * appended to out. */
void notify_group_key(const struct promql_label *labels, size_t count, struct buf *out);

/* notify_json_string: s as a JSON string the way Go writes it (above),
 * appended to out. */
void notify_json_string(const char *s, struct buf *out);

/* notify_time: RFC 3339 UTC with milliseconds of unix_ns into out. */
void notify_time(int64_t unix_ns, char out[40]);

#endif
