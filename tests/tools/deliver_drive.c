/*
 * deliver_drive.c - drive the alert receivers' module (src/node/deliver.h)
 * from a test, without a node: tests/integration/test_receivers.py points
 * it at a real Alertmanager and at webhooks until the evaluation loop
 * calls deliver_submit itself.
 *
 *   deliver_drive CONFIG [--external-url URL] [--eval-interval-s N]
 *                 [--tries N] [--backoff-ms N] [--grace-ms N]
 *
 * CONFIG is a configuration file (its alerting: section, read by
 * deliver_config_load; a refusal prints "error: CODE: why" and exits 2).
 * Then one JSON command per line on stdin, one JSON answer per line on
 * stdout:
 *   {"cmd": "submit", "now_ms": N, "alerts": [ALERT...]}  -> {"ok": true}
 *   {"cmd": "stats"}    -> {"receivers": [{"name", "ok", "error", "dropped",
 *                           "retries", "queued", "in_flight"}]}
 *   {"cmd": "metrics"}  -> {"text": "...the exposition lines..."}
 * ALERT: {"labels": {..}, "annotations": [[NAME, TEXT], ...] (in order),
 * "state": "pending|firing|resolved", "fingerprint": "16 hex digits", "active_since_ms",
 * "fired_at_ms", "resolved_at_ms", "silenced": bool, "severity":
 * "warning|critical"}; the name is labels.alertname. End of input:
 * deliver_close, exit 0.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/err.h"
#include "../../src/node/deliver.h"

#define DRIVE_ALERTS_MAX 4096
#define DRIVE_PAIRS_MAX 64
#define MS_NS INT64_C(1000000)

struct drive_alert {
    struct alert_view view;
    struct promql_label labels[DRIVE_PAIRS_MAX];
    struct promql_label annotations[DRIVE_PAIRS_MAX];
};

static int drive_label_cmp(const void *a, const void *b) {
    return strcmp(((const struct promql_label *)a)->name, ((const struct promql_label *)b)->name);
}

static int64_t drive_ms(const json_t *o, const char *key) {
    return (int64_t)json_integer_value(json_object_get(o, key)) * MS_NS;
}

static enum alert_state drive_state(const char *s) {
    if (s != NULL && strcmp(s, "firing") == 0) return ALERT_FIRING;
    if (s != NULL && strcmp(s, "resolved") == 0) return ALERT_RESOLVED;
    return ALERT_PENDING;
}

/* One ALERT into a (strings borrowed from the JSON document). */
static void drive_alert(const json_t *o, struct drive_alert *a) {
    struct alert_view *v = &a->view;
    memset(v, 0, sizeof(*v));
    const char *k;
    json_t *val;
    size_t n = 0;
    json_object_foreach((json_t *)json_object_get(o, "labels"), k, val) {
        if (n == DRIVE_PAIRS_MAX) break;
        a->labels[n].name = k;
        a->labels[n].value = json_string_value(val);
        if (strcmp(k, "alertname") == 0) v->name = json_string_value(val);
        n++;
    }
    qsort(a->labels, n, sizeof(a->labels[0]), drive_label_cmp);
    v->labels = a->labels;
    v->labels_count = n;
    size_t i;
    n = 0;
    json_array_foreach(json_object_get(o, "annotations"), i, val) {
        if (n == DRIVE_PAIRS_MAX) break;
        a->annotations[n].name = json_string_value(json_array_get(val, 0));
        a->annotations[n].value = json_string_value(json_array_get(val, 1));
        n++;
    }
    v->annotations = a->annotations;
    v->annotations_count = n;
    v->state = drive_state(json_string_value(json_object_get(o, "state")));
    const char *fp = json_string_value(json_object_get(o, "fingerprint"));
    v->fingerprint = fp != NULL ? strtoull(fp, NULL, 16) : 0;
    v->active_since_ns = drive_ms(o, "active_since_ms");
    v->fired_at_ns = drive_ms(o, "fired_at_ms");
    v->resolved_at_ns = drive_ms(o, "resolved_at_ms");
    v->silenced = json_is_true(json_object_get(o, "silenced"));
    const char *sev = json_string_value(json_object_get(o, "severity"));
    v->severity = sev != NULL && strcmp(sev, "warning") == 0 ? RULE_WARNING : RULE_CRITICAL;
    v->action = RULE_ACTION_NONE;
    if (v->name == NULL) v->name = "";
}

static void drive_submit(struct deliver *d, const json_t *cmd, struct drive_alert *scratch,
                         struct alert_view *views) {
    const json_t *list = json_object_get(cmd, "alerts");
    size_t n = json_array_size(list);
    if (n > DRIVE_ALERTS_MAX) n = DRIVE_ALERTS_MAX;
    for (size_t i = 0; i < n; i++) {
        drive_alert(json_array_get(list, i), &scratch[i]);
        views[i] = scratch[i].view;
    }
    deliver_submit(d, views, n, drive_ms(cmd, "now_ms"));
    printf("{\"ok\": true}\n");
}

static void drive_stats(struct deliver *d, const struct deliver_config *c) {
    json_t *out = json_object();
    json_t *list = json_array();
    for (size_t i = 0; i < deliver_receivers_count(d); i++) {
        struct deliver_stats st;
        deliver_receiver_stats(d, i, &st);
        json_array_append_new(list, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
                                              c->receivers[i].name, "ok", (json_int_t)st.ok,
                                              "error", (json_int_t)st.error, "dropped",
                                              (json_int_t)st.dropped, "retries",
                                              (json_int_t)st.retries, "queued",
                                              (json_int_t)st.queued, "in_flight",
                                              (json_int_t)st.in_flight));
    }
    json_object_set_new(out, "receivers", list);
    char *text = json_dumps(out, JSON_COMPACT);
    printf("%s\n", text);
    free(text);
    json_decref(out);
}

static void drive_metrics(struct deliver *d) {
    struct buf b;
    buf_init(&b);
    deliver_metrics(d, &b);
    json_t *out = json_pack("{s:s%}", "text", buf_ok(&b) ? (const char *)b.data : "", b.len);
    char *text = json_dumps(out, JSON_COMPACT);
    printf("%s\n", text);
    free(text);
    json_decref(out);
    buf_free(&b);
}

static int drive_options(int argc, char **argv, struct deliver_options *opt) {
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i];
        long v = strtol(argv[i + 1], NULL, 10);
        if (strcmp(k, "--external-url") == 0) {
            opt->external_url = argv[i + 1];
        } else if (strcmp(k, "--eval-interval-s") == 0) {
            opt->eval_interval_ns = (int64_t)v * 1000 * MS_NS;
        } else if (strcmp(k, "--tries") == 0) {
            opt->tries_max = (unsigned)v;
        } else if (strcmp(k, "--backoff-ms") == 0) {
            opt->backoff_initial_ns = (int64_t)v * MS_NS;
        } else if (strcmp(k, "--grace-ms") == 0) {
            opt->stop_grace_ns = (int64_t)v * MS_NS;
        } else {
            fprintf(stderr, "deliver_drive: unknown option %s\n", k);
            return -1;
        }
    }
    return 0;
}

static int drive_loop(struct deliver *d, const struct deliver_config *c) {
    struct drive_alert *scratch = calloc(DRIVE_ALERTS_MAX, sizeof(*scratch));
    struct alert_view *views = calloc(DRIVE_ALERTS_MAX, sizeof(*views));
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (scratch != NULL && views != NULL && getline(&line, &cap, stdin) > 0) {
        json_error_t e;
        json_t *cmd = json_loads(line, 0, &e);
        const char *what = json_string_value(json_object_get(cmd, "cmd"));
        if (what == NULL) {
            fprintf(stderr, "deliver_drive: bad command: %s\n", line);
            rc = 2;
        } else if (strcmp(what, "submit") == 0) {
            drive_submit(d, cmd, scratch, views);
        } else if (strcmp(what, "stats") == 0) {
            drive_stats(d, c);
        } else if (strcmp(what, "metrics") == 0) {
            drive_metrics(d);
        } else {
            fprintf(stderr, "deliver_drive: unknown command %s\n", what);
            rc = 2;
        }
        json_decref(cmd);
        fflush(stdout);
        if (rc != 0) break;
    }
    free(line);
    free(scratch);
    free(views);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: deliver_drive CONFIG [options]\n");
        return 2;
    }
    static struct deliver_config config;
    char why[600];
    enum err err = deliver_config_load(argv[1], &config, why, sizeof(why));
    if (err != ERR_OK) {
        fprintf(stderr, "error: %s: %s\n", err_name(err), why);
        return 2;
    }
    struct deliver_options opt = {.eval_interval_ns = 15 * 1000 * MS_NS};
    if (drive_options(argc, argv, &opt) != 0) return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct deliver *d = NULL;
    err = deliver_open(&config, &opt, &d);
    if (err != ERR_OK) {
        fprintf(stderr, "error: %s: cannot start delivery\n", err_name(err));
        return 3;
    }
    int rc = drive_loop(d, &config);
    deliver_close(d);
    curl_global_cleanup();
    return rc;
}
