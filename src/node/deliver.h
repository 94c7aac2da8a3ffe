/*
 * deliver.h - alert receivers (SPEC 9 "Receivers"): the `alerting:` section
 * of `serve --config FILE`, and delivery of the evaluation loop's alerts to
 * them off every latency-critical thread.
 *
 *   alerting:
 *     receivers:
 *       - name: am                        # unique, [A-Za-z0-9_-], at most 64
 *         type: alertmanager              # alertmanager | webhook
 *         url: http://127.0.0.1:9093      # base URL; /api/v2/alerts is appended
 *         timeout: 5s                     # optional, 1s..60s (default 10s)
 *       - name: ops-hook
 *         type: webhook
 *         url: http://127.0.0.1:8080/hook # posted to as written
 *         repeat_interval: 4h             # optional (webhook only; default 4h, at least 1m)
 *
 * What each receiver gets per deliver_submit (notify.h writes the bodies):
 *   - alertmanager: one `POST /api/v2/alerts` with every firing and
 *     resolved alert that is not silenced, every evaluation (Alertmanager
 *     deduplicates; a firing alert's endsAt is a lease Prometheus' way);
 *     nothing when there is none.
 *   - webhook: Alertmanager's version-4 payload, one per alertname (the
 *     group, as Alertmanager grouped `by: [alertname]` would): sent when a
 *     group gains a firing alert, when one of its alerts resolves, and
 *     again every repeat_interval while something in it fires. It lists
 *     the group's firing alerts and those that resolved since the last
 *     payload. What was sent is remembered per alert fingerprint at
 *     submission (not at delivery) for the alerts the loop still holds.
 *
 * Delivery: one thread per receiver and a FIFO queue of payloads each
 * (LIMIT_DELIVER_QUEUE payloads, LIMIT_DELIVER_QUEUE_BYTES; past either
 * the oldest is dropped and counted). deliver_submit builds the payloads
 * and queues them under a short lock: it never waits for the network. A
 * thread posts its queue's head with libcurl (the receiver's timeout); on
 * a connection failure, a timeout, a 5xx, 408 or 429 it retries after
 * backoff_initial, doubling up to backoff_max, at most tries_max tries in
 * all; any other non-2xx answer is final. Outcomes are counted by
 * receiver: ok, error (refused, or still failing after its tries), dropped
 * (pushed out of a full queue, or not delivered before the stop), and
 * retries.
 *
 * Threads: deliver_submit may be called from any one thread at a time
 * (the evaluation loop); deliver_metrics and deliver_receiver_stats from
 * any thread. libcurl must have been initialised (curl_global_init) by
 * the process before deliver_open.
 */
#ifndef MINTLINE_NODE_DELIVER_H
#define MINTLINE_NODE_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "../base/limits.h"
#include "../ops/alert.h"

enum deliver_type {
    DELIVER_ALERTMANAGER = 1,
    DELIVER_WEBHOOK,
};

#define DELIVER_TIMEOUT_DEFAULT_NS (INT64_C(10) * INT64_C(1000000000))
#define DELIVER_REPEAT_DEFAULT_NS (INT64_C(4) * 3600 * INT64_C(1000000000))

struct deliver_receiver {
    char name[LIMIT_RECEIVER_NAME + 1];
    enum deliver_type type;
    char url[LIMIT_RECEIVER_URL + 32]; /* what is posted to (/api/v2/alerts appended) */
    int64_t timeout_ns;
    int64_t repeat_interval_ns;        /* webhook */
    unsigned line;                     /* where the receiver was written */
    unsigned col;
};

/* The `alerting:` section as parsed: no receivers when it is absent. */
struct deliver_config {
    struct deliver_receiver receivers[LIMIT_RECEIVERS];
    size_t receivers_count;
};

/* deliver_config_parse: read the `alerting:` section of a configuration
 * document (YAML; other top-level keys belong to other readers and are
 * left alone). file names the text in messages. ERR_OK with *out filled;
 * ERR_INVALID_CONFIG with "FILE:LINE:COL: reason" in why for a YAML error,
 * an unknown or missing key, a duplicate or malformed name, an unknown
 * type, a URL that is not http(s)://, a timeout or repeat_interval out of
 * range, more than LIMIT_RECEIVERS receivers; ERR_INTERNAL when out of
 * memory. *out untouched on error. */
enum err deliver_config_parse(const char *file, const char *text, size_t len,
                              struct deliver_config *out, char *why, size_t why_size)
    __attribute__((warn_unused_result));

/* deliver_config_load: deliver_config_parse on the file at path. ERR_IO
 * when it cannot be read; ERR_INVALID_CONFIG when it is larger than
 * LIMIT_CONFIG_FILE_BYTES or refused. */
enum err deliver_config_load(const char *path, struct deliver_config *out, char *why,
                             size_t why_size) __attribute__((warn_unused_result));

struct deliver_options {
    /* The node's URL ("http://127.0.0.1:8645"): the webhook's externalURL;
     * generatorURL is it followed by /api/alerts. NULL: both left empty. */
    const char *external_url;
    int64_t eval_interval_ns;   /* for a firing alert's endsAt (notify_valid_for_ns) */
    unsigned queue_max;         /* 0: LIMIT_DELIVER_QUEUE */
    unsigned tries_max;         /* 0: DELIVER_TRIES_DEFAULT */
    int64_t backoff_initial_ns; /* 0: 1s */
    int64_t backoff_max_ns;     /* 0: 30s */
    int64_t stop_grace_ns;      /* 0: 2s; how long deliver_close lets queues drain */
};

#define DELIVER_TRIES_DEFAULT 5u

struct deliver;

/* deliver_open: start a delivery thread per receiver of config (none for
 * an empty config). ERR_OK with *out (deliver_close); ERR_INTERNAL when
 * memory, a libcurl handle or a thread cannot be had (nothing is left
 * running). */
enum err deliver_open(const struct deliver_config *config, const struct deliver_options *opt,
                      struct deliver **out) __attribute__((warn_unused_result));

/* deliver_submit: hand over the evaluation's alerts (all of them, every
 * evaluation; strings are copied into payloads before it returns) at
 * now_ns (the evaluation's time). Never blocks on a receiver. d NULL: does
 * nothing. A payload that cannot be built for lack of memory is counted
 * as dropped. */
void deliver_submit(struct deliver *d, const struct alert_view *alerts, size_t count,
                    int64_t now_ns);

/* deliver_metrics: append the exposition lines (HELP, TYPE, samples) of
 * mintline_alert_deliveries_total{receiver,result="ok|error|dropped"},
 * mintline_alert_delivery_retries_total{receiver} and
 * mintline_alert_queue_length{receiver}. d NULL: nothing. */
void deliver_metrics(struct deliver *d, struct buf *out);

struct deliver_stats {
    uint64_t ok;
    uint64_t error;
    uint64_t dropped;
    uint64_t retries;
    uint64_t queued;    /* payloads waiting */
    uint64_t in_flight; /* 1 while a payload is being posted or waits for a retry */
};

size_t deliver_receivers_count(const struct deliver *d);

/* deliver_receiver_stats: the counters of receiver index (config order). */
void deliver_receiver_stats(struct deliver *d, size_t index, struct deliver_stats *out);

/* deliver_close: stop taking payloads, give the queues up to stop_grace
 * to drain (one try each, no backoff), abort what is still in flight,
 * count the rest dropped, join the threads, free d. Bounded: stop_grace
 * plus about a second (libcurl's abort check). d NULL: nothing. The
 * caller has stopped calling deliver_submit (the evaluation loop first). */
void deliver_close(struct deliver *d);

#endif
