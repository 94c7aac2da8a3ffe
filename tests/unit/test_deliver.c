/*
 * test_deliver.c - alert receivers (src/node/deliver.h): the `alerting:`
 * configuration read field by field and every bad case refused with the
 * file, line and column; delivery to a receiver on loopback (a sink made
 * here with libmicrohttpd) as Alertmanager and as a webhook (what is sent
 * when); a receiver that is down (connection refused: retries with
 * backoff, then an error), one that answers 5xx then 2xx (retried) or 4xx
 * (final), and one that is slow (accepts and never answers): submissions
 * never wait for it (its queue fills, the oldest are dropped and counted)
 * and another receiver is not held up; the delivery metrics; a bounded
 * stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../src/node/deliver.h"
#include "../../src/ops/notify.h"

#define S (INT64_C(1000000000))
#define MS (INT64_C(1000000))
#define T0 (INT64_C(1772359200000) * MS) /* 2026-03-01T10:00:00.000Z */

/* ------------------------------------------------------------------ */
/* A sink: records every POST; answers from a plan of statuses         */
/* ------------------------------------------------------------------ */

#define SINK_MAX 64

struct sink {
    struct MHD_Daemon *d;
    unsigned port;
    pthread_mutex_t lock;
    char *bodies[SINK_MAX];
    char *paths[SINK_MAX];
    char *types[SINK_MAX];
    size_t count;
    unsigned plan[8]; /* statuses of the next answers; then 200 */
    size_t plan_count;
    size_t plan_next;
};

struct sink_upload {
    char *data;
    size_t len;
};

static void sink_done(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe) {
    (void)cls, (void)c, (void)toe;
    struct sink_upload *u = *con_cls;
    if (u != NULL) free(u->data);
    free(u);
    *con_cls = NULL;
}

static enum MHD_Result sink_answer(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *upload,
                                   size_t *upload_size, void **con_cls) {
    (void)version;
    struct sink *s = cls;
    struct sink_upload *u = *con_cls;
    if (u == NULL) {
        *con_cls = calloc(1, sizeof(struct sink_upload));
        return *con_cls != NULL ? MHD_YES : MHD_NO;
    }
    if (*upload_size > 0) {
        char *grown = realloc(u->data, u->len + *upload_size + 1);
        if (grown == NULL) return MHD_NO;
        u->data = grown;
        memcpy(u->data + u->len, upload, *upload_size);
        u->len += *upload_size;
        u->data[u->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    unsigned status = MHD_HTTP_OK;
    pthread_mutex_lock(&s->lock);
    if (strcmp(method, "POST") == 0 && s->count < SINK_MAX) {
        const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        s->bodies[s->count] = strdup(u->data != NULL ? u->data : "");
        s->paths[s->count] = strdup(url);
        s->types[s->count] = strdup(type != NULL ? type : "");
        s->count++;
    }
    if (s->plan_next < s->plan_count) status = s->plan[s->plan_next++];
    pthread_mutex_unlock(&s->lock);
    static const char body[] = "{}";
    struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)(uintptr_t)body,
                                                             MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static struct sink *sink_start(void) {
    struct sink *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    pthread_mutex_init(&s->lock, NULL);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                            NULL, NULL, sink_answer, s, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_NOTIFY_COMPLETED, sink_done, NULL, MHD_OPTION_END);
    assert_non_null(s->d);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info->port;
    return s;
}

static size_t sink_count(struct sink *s) {
    pthread_mutex_lock(&s->lock);
    size_t n = s->count;
    pthread_mutex_unlock(&s->lock);
    return n;
}

static void sink_stop(struct sink *s) {
    MHD_stop_daemon(s->d);
    for (size_t i = 0; i < s->count; i++) {
        free(s->bodies[i]);
        free(s->paths[i]);
        free(s->types[i]);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* A port nothing listens on: bound, then closed. */
static unsigned closed_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* A listener that never accepts: connections complete in the kernel's
 * backlog and requests are never answered (a slow receiver). */
static int slow_listener(unsigned *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 16), 0);
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Wait (at most 20 s) until receiver i has settled `settled` payloads
 * (ok + error + dropped) and nothing is queued or in flight. */
static void wait_settled(struct deliver *d, size_t i, uint64_t settled, struct deliver_stats *st) {
    int64_t until = mono_ms() + 20000;
    for (;;) {
        deliver_receiver_stats(d, i, st);
        if (st->ok + st->error + st->dropped >= settled && st->queued == 0 && st->in_flight == 0)
            return;
        if (mono_ms() > until) fail_msg("receiver %zu did not settle %llu payloads", i,
                                        (unsigned long long)settled);
        sleep_ms(5);
    }
}

/* ------------------------------------------------------------------ */
/* Alerts                                                              */
/* ------------------------------------------------------------------ */

static const struct promql_label usdx[] = {
    {"alertname", "ReserveRatioCritical"}, {"asset", "USDX"}, {"severity", "critical"}};
static const struct promql_label eurx[] = {
    {"alertname", "ReserveRatioCritical"}, {"asset", "EURX"}, {"severity", "critical"}};
static const struct promql_label nav[] = {
    {"alertname", "NavStale"}, {"asset", "FUNDX"}, {"severity", "warning"}};
static const struct promql_label summary[] = {{"summary", "reserve below 100%"}};

static struct alert_view alert_of(const struct promql_label *labels, uint64_t fp,
                                  enum alert_state state) {
    struct alert_view a = {
        .name = labels[0].value,
        .fingerprint = fp,
        .labels = labels,
        .labels_count = 3,
        .annotations = summary,
        .annotations_count = 1,
        .state = state,
        .severity = RULE_CRITICAL,
        .action = RULE_ACTION_NONE,
        .value = 0.97,
        .active_since_ns = T0 - 60 * S,
        .fired_at_ns = state == ALERT_PENDING ? 0 : T0,
        .resolved_at_ns = state == ALERT_RESOLVED ? T0 + 600 * S : 0,
    };
    return a;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

static void deliver_config_good_file_read_field_by_field(void **state) {
    (void)state;
    static const char text[] = "nav_sources:\n"
                               "  FUNDX: [{type: json, url: 'http://x/y'}]\n"
                               "alerting:\n"
                               "  receivers:\n"
                               "    - name: am\n"
                               "      type: alertmanager\n"
                               "      url: http://127.0.0.1:9093/\n"
                               "      timeout: 5s\n"
                               "    - name: ops-hook_2\n"
                               "      type: webhook\n"
                               "      url: https://hooks.example.com/a?b=c\n"
                               "      repeat_interval: 1h\n";
    struct deliver_config c;
    char why[512] = "";
    assert_int_equal(deliver_config_parse("cfg.yaml", text, strlen(text), &c, why, sizeof(why)),
                     ERR_OK);
    assert_int_equal(c.receivers_count, 2);
    assert_string_equal(c.receivers[0].name, "am");
    assert_int_equal(c.receivers[0].type, DELIVER_ALERTMANAGER);
    assert_string_equal(c.receivers[0].url, "http://127.0.0.1:9093/api/v2/alerts");
    assert_int_equal(c.receivers[0].timeout_ns, 5 * S);
    assert_int_equal(c.receivers[0].line, 5);
    assert_int_equal(c.receivers[0].col, 7);
    assert_string_equal(c.receivers[1].name, "ops-hook_2");
    assert_int_equal(c.receivers[1].type, DELIVER_WEBHOOK);
    assert_string_equal(c.receivers[1].url, "https://hooks.example.com/a?b=c");
    assert_int_equal(c.receivers[1].timeout_ns, DELIVER_TIMEOUT_DEFAULT_NS);
    assert_int_equal(c.receivers[1].repeat_interval_ns, 3600 * S);
    assert_int_equal(c.receivers[1].line, 9);
}

static void deliver_config_without_receivers_is_empty(void **state) {
    (void)state;
    static const char *const texts[] = {
        "", "# nothing\n", "nav_sources: {}\n", "alerting:\n", "alerting: {}\n",
        "alerting:\n  receivers: []\n", "alerting:\n  receivers:\n",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct deliver_config c;
        c.receivers_count = 99;
        char why[512] = "";
        enum err err =
            deliver_config_parse("c.yaml", texts[i], strlen(texts[i]), &c, why, sizeof(why));
        if (err != ERR_OK) fail_msg("text %zu refused: %s", i, why);
        assert_int_equal(c.receivers_count, 0);
    }
}

struct refusal {
    const char *text;
    const char *want; /* the whole message */
};

#define RCV "alerting:\n  receivers:\n"

static void deliver_config_refusals_name_file_line_and_column(void **state) {
    (void)state;
    static const struct refusal cases[] = {
        {"alerting: [\n", NULL}, /* YAML syntax: file:line:col from the parser */
        {"- a\n", "c.yaml:1:1: the configuration is a mapping"},
        {"alerting: [am]\n", "c.yaml:1:11: alerting: a mapping with receivers"},
        {"alerting:\n  routes: []\n", "c.yaml:2:3: unknown key \"routes\" in alerting (receivers)"},
        {"alerting:\n  receivers: am\n", "c.yaml:2:14: receivers: a list"},
        {RCV "    - am\n", "c.yaml:3:7: a receiver is a mapping"},
        {RCV "    - type: webhook\n      url: http://x\n", "c.yaml:3:7: a receiver needs a name"},
        {RCV "    - name: a b\n      type: webhook\n      url: http://x\n",
         "c.yaml:3:13: name: 1 to 64 of A-Z a-z 0-9 _ -"},
        {RCV "    - name: a\n      url: http://x\n", "c.yaml:3:7: receiver \"a\" needs a type"},
        {RCV "    - name: a\n      type: webhook\n", "c.yaml:3:7: receiver \"a\" needs a url"},
        {RCV "    - name: a\n      type: pager\n      url: http://x\n",
         "c.yaml:4:13: type: alertmanager or webhook"},
        {RCV "    - name: a\n      type: webhook\n      url: ftp://x\n",
         "c.yaml:5:12: url: an http:// or https:// URL of at most 1024 bytes"},
        {RCV "    - name: a\n      type: webhook\n      url: http://\n",
         "c.yaml:5:12: url: an http:// or https:// URL of at most 1024 bytes"},
        {RCV "    - name: a\n      type: webhook\n      url: http:///x\n",
         "c.yaml:5:12: url: an http:// or https:// URL of at most 1024 bytes"},
        {RCV "    - name: a\n      type: webhook\n      url: 'http://a b'\n",
         "c.yaml:5:12: url: an http:// or https:// URL of at most 1024 bytes"},
        {RCV "    - name: a\n      type: webhook\n      url: http://x\n      urls: http://y\n",
         "c.yaml:6:7: unknown key \"urls\" in a receiver (name, type, url, timeout, "
         "repeat_interval)"},
        {RCV "    - name: a\n      type: webhook\n      url: http://x\n      timeout: 5 s\n",
         "c.yaml:6:16: timeout: not a duration (e.g. 5s, 1m, 4h)"},
        {RCV "    - name: a\n      type: webhook\n      url: http://x\n      timeout: 0s\n",
         "c.yaml:6:16: timeout: 0s is outside 1s..1m"},
        {RCV "    - name: a\n      type: webhook\n      url: http://x\n      timeout: 2m\n",
         "c.yaml:6:16: timeout: 2m is outside 1s..1m"},
        {RCV "    - name: a\n      type: webhook\n      url: http://x\n"
             "      repeat_interval: 30s\n",
         "c.yaml:6:24: repeat_interval: 30s is outside 1m..7d"},
        {RCV "    - name: a\n      type: alertmanager\n      url: http://x\n"
             "      repeat_interval: 1h\n",
         "c.yaml:6:24: repeat_interval is for a webhook (Alertmanager repeats by its own "
         "route's repeat_interval)"},
        {RCV "    - name: a\n      type: webhook\n      url: http://x\n"
             "    - name: a\n      type: webhook\n      url: http://y\n",
         "c.yaml:6:13: receiver \"a\" is named twice (first at line 3)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct deliver_config c;
        memset(&c, 0xAB, sizeof(c));
        char why[512] = "";
        enum err err = deliver_config_parse("c.yaml", cases[i].text, strlen(cases[i].text), &c,
                                            why, sizeof(why));
        if (err != ERR_INVALID_CONFIG) fail_msg("case %zu: %s, \"%s\"", i, err_name(err), why);
        if (cases[i].want != NULL) {
            if (strcmp(why, cases[i].want) != 0) fail_msg("case %zu: got \"%s\"", i, why);
        } else {
            assert_non_null(strstr(why, "c.yaml:"));
        }
        /* nothing written on a refusal */
        assert_int_equal(c.receivers_count, (size_t)0xABABABABABABABABull);
    }
}

static void deliver_config_refuses_more_than_the_receivers_limit(void **state) {
    (void)state;
    char text[8192];
    size_t n = (size_t)snprintf(text, sizeof(text), RCV);
    for (unsigned i = 0; i <= LIMIT_RECEIVERS; i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n,
                              "    - {name: r%u, type: webhook, url: 'http://x/%u'}\n", i, i);
    }
    struct deliver_config c;
    char why[512] = "";
    assert_int_equal(deliver_config_parse("c.yaml", text, n, &c, why, sizeof(why)),
                     ERR_INVALID_CONFIG);
    assert_string_equal(why, "c.yaml:19:7: more than 16 receivers");
}

static void deliver_config_load_reads_files_and_refuses_big_ones(void **state) {
    (void)state;
    struct deliver_config c;
    char why[512] = "";
    assert_int_equal(deliver_config_load("/nonexistent/mintline.yaml", &c, why, sizeof(why)),
                     ERR_IO);
    assert_non_null(strstr(why, "cannot read /nonexistent/mintline.yaml"));
    char path[] = "/tmp/test_deliver_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char good[] = RCV "    - {name: am, type: alertmanager, url: 'http://h:1'}\n";
    assert_int_equal(write(fd, good, sizeof(good) - 1), (ssize_t)(sizeof(good) - 1));
    assert_int_equal(deliver_config_load(path, &c, why, sizeof(why)), ERR_OK);
    assert_string_equal(c.receivers[0].url, "http://h:1/api/v2/alerts");
    char *pad = malloc(LIMIT_CONFIG_FILE_BYTES);
    memset(pad, '#', LIMIT_CONFIG_FILE_BYTES);
    assert_int_equal(write(fd, pad, LIMIT_CONFIG_FILE_BYTES), (ssize_t)LIMIT_CONFIG_FILE_BYTES);
    free(pad);
    close(fd);
    assert_int_equal(deliver_config_load(path, &c, why, sizeof(why)), ERR_INVALID_CONFIG);
    assert_non_null(strstr(why, "larger than 1048576 bytes"));
    unlink(path);
}

/* ------------------------------------------------------------------ */
/* Delivery                                                            */
/* ------------------------------------------------------------------ */

static struct deliver_receiver receiver_of(const char *name, enum deliver_type type, unsigned port,
                                           const char *path) {
    struct deliver_receiver r;
    memset(&r, 0, sizeof(r));
    snprintf(r.name, sizeof(r.name), "%s", name);
    r.type = type;
    snprintf(r.url, sizeof(r.url), "http://127.0.0.1:%u%s", port, path);
    r.timeout_ns = 5 * S;
    r.repeat_interval_ns = 60 * S;
    return r;
}

static const struct deliver_options fast = {
    .external_url = "http://127.0.0.1:8645",
    .eval_interval_ns = 15 * S,
    .tries_max = 3,
    .backoff_initial_ns = 10 * MS,
    .backoff_max_ns = 40 * MS,
    .stop_grace_ns = 200 * MS,
};

static void deliver_alertmanager_gets_every_evaluation_and_the_resolve(void **state) {
    (void)state;
    struct sink *s = sink_start();
    struct deliver_config c = {.receivers_count = 1};
    c.receivers[0] = receiver_of("am", DELIVER_ALERTMANAGER, s->port, "/api/v2/alerts");
    struct deliver *d = NULL;
    assert_int_equal(deliver_open(&c, &fast, &d), ERR_OK);
    struct alert_view a[2] = {alert_of(usdx, 1, ALERT_FIRING), alert_of(nav, 2, ALERT_PENDING)};
    deliver_submit(d, a, 2, T0);
    deliver_submit(d, a, 2, T0 + 15 * S);
    a[0] = alert_of(usdx, 1, ALERT_RESOLVED);
    deliver_submit(d, a, 2, T0 + 30 * S);
    a[0].silenced = 1; /* nothing to send: no payload */
    deliver_submit(d, a, 2, T0 + 45 * S);
    struct deliver_stats st;
    wait_settled(d, 0, 3, &st);
    assert_int_equal(st.ok, 3);
    assert_int_equal(st.error + st.dropped + st.retries, 0);
    assert_int_equal(sink_count(s), 3);
    /* What arrived is notify_alertmanager's body, byte for byte. */
    struct alert_view firing = alert_of(usdx, 1, ALERT_FIRING);
    struct buf want;
    buf_init(&want);
    notify_alertmanager(&firing, 1, T0 + 15 * S, notify_valid_for_ns(15 * S),
                        "http://127.0.0.1:8645/api/alerts", &want);
    buf_put(&want, "", 1);
    assert_string_equal(s->bodies[1], (const char *)want.data);
    buf_free(&want);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(s->paths[i], "/api/v2/alerts");
        assert_string_equal(s->types[i], "application/json");
    }
    assert_non_null(strstr(s->bodies[0], "\"endsAt\":\"2026-03-01T10:04:00.000Z\""));
    assert_non_null(strstr(s->bodies[2], "\"endsAt\":\"2026-03-01T10:10:00.000Z\""));
    deliver_close(d);
    sink_stop(s);
}

/* The webhook payload i as JSON: its status and alerts count. */
static void webhook_is(struct sink *s, size_t i, const char *status, size_t alerts,
                       const char *group) {
    json_error_t e;
    json_t *doc = json_loads(s->bodies[i], 0, &e);
    if (doc == NULL) fail_msg("payload %zu is not JSON: %s", i, e.text);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), status);
    assert_int_equal(json_array_size(json_object_get(doc, "alerts")), alerts);
    assert_string_equal(json_string_value(json_object_get(doc, "version")), "4");
    assert_string_equal(json_string_value(json_object_get(doc, "receiver")), "hook");
    const char *alertname =
        json_string_value(json_object_get(json_object_get(doc, "groupLabels"), "alertname"));
    assert_string_equal(alertname, group);
    json_decref(doc);
}

static void deliver_webhook_sends_on_change_and_repeats(void **state) {
    (void)state;
    struct sink *s = sink_start();
    struct deliver_config c = {.receivers_count = 1};
    c.receivers[0] = receiver_of("hook", DELIVER_WEBHOOK, s->port, "/hook");
    struct deliver *d = NULL;
    assert_int_equal(deliver_open(&c, &fast, &d), ERR_OK);
    struct deliver_stats st;
    struct alert_view a[3];
    a[0] = alert_of(usdx, 1, ALERT_FIRING);
    deliver_submit(d, a, 1, T0); /* 1: new firing */
    deliver_submit(d, a, 1, T0 + 15 * S); /* nothing changed */
    a[1] = alert_of(eurx, 2, ALERT_FIRING);
    deliver_submit(d, a, 2, T0 + 30 * S); /* 2: the group gains EURX: both listed */
    a[1] = alert_of(eurx, 2, ALERT_RESOLVED);
    deliver_submit(d, a, 2, T0 + 45 * S); /* 3: EURX resolves: USDX firing, EURX resolved */
    deliver_submit(d, a, 2, T0 + 60 * S); /* nothing: EURX's resolve was told */
    wait_settled(d, 0, 3, &st);
    assert_int_equal(sink_count(s), 3);
    webhook_is(s, 0, "firing", 1, "ReserveRatioCritical");
    webhook_is(s, 1, "firing", 2, "ReserveRatioCritical");
    webhook_is(s, 2, "firing", 2, "ReserveRatioCritical");
    assert_non_null(strstr(s->bodies[2], "\"status\":\"resolved\""));
    assert_string_equal(s->paths[0], "/hook");
    deliver_submit(d, a, 2, T0 + 105 * S); /* 4: USDX still firing a repeat_interval later */
    a[2] = alert_of(nav, 3, ALERT_FIRING); /* 5: another group: its own payload */
    deliver_submit(d, a, 3, T0 + 110 * S);
    wait_settled(d, 0, 5, &st);
    webhook_is(s, 3, "firing", 1, "ReserveRatioCritical");
    webhook_is(s, 4, "firing", 1, "NavStale");
    a[0] = alert_of(usdx, 1, ALERT_RESOLVED);
    a[2] = alert_of(nav, 3, ALERT_RESOLVED);
    a[2].silenced = 1; /* resolved during a window: not told */
    deliver_submit(d, a, 3, T0 + 120 * S); /* 6: USDX resolves: the group resolves */
    wait_settled(d, 0, 6, &st);
    webhook_is(s, 5, "resolved", 1, "ReserveRatioCritical");
    deliver_submit(d, NULL, 0, T0 + 130 * S); /* the loop forgot them all */
    a[0] = alert_of(usdx, 1, ALERT_FIRING);
    deliver_submit(d, a, 1, T0 + 140 * S); /* 7: fires again: new */
    wait_settled(d, 0, 7, &st);
    webhook_is(s, 6, "firing", 1, "ReserveRatioCritical");
    assert_int_equal(st.ok, 7);
    assert_int_equal(sink_count(s), 7);
    deliver_close(d);
    sink_stop(s);
}

static void deliver_down_receiver_retries_with_backoff_then_errors(void **state) {
    (void)state;
    struct deliver_config c = {.receivers_count = 1};
    c.receivers[0] = receiver_of("down", DELIVER_ALERTMANAGER, closed_port(), "/api/v2/alerts");
    struct deliver *d = NULL;
    assert_int_equal(deliver_open(&c, &fast, &d), ERR_OK);
    struct alert_view a = alert_of(usdx, 1, ALERT_FIRING);
    int64_t t = mono_ms();
    deliver_submit(d, &a, 1, T0);
    struct deliver_stats st;
    wait_settled(d, 0, 1, &st);
    int64_t took = mono_ms() - t;
    assert_int_equal(st.ok, 0);
    assert_int_equal(st.error, 1);
    assert_int_equal(st.retries, 2); /* 3 tries */
    assert_int_equal(st.dropped, 0);
    assert_true(took >= 10 + 20); /* the two backoffs waited (10 ms, then 20 ms) */
    struct buf m;
    buf_init(&m);
    deliver_metrics(d, &m);
    buf_put(&m, "", 1);
    const char *text = (const char *)m.data;
    assert_non_null(strstr(text, "# TYPE mintline_alert_deliveries_total counter\n"));
#define DOWN_TOTAL "mintline_alert_deliveries_total{receiver=\"down\","
    assert_non_null(strstr(text, DOWN_TOTAL "result=\"ok\"} 0\n"));
    assert_non_null(strstr(text, DOWN_TOTAL "result=\"error\"} 1\n"));
    assert_non_null(strstr(text, DOWN_TOTAL "result=\"dropped\"} 0\n"));
    assert_non_null(strstr(text, "mintline_alert_delivery_retries_total{receiver=\"down\"} 2\n"));
    assert_non_null(strstr(text, "# TYPE mintline_alert_queue_length gauge\n"));
    assert_non_null(strstr(text, "mintline_alert_queue_length{receiver=\"down\"} 0\n"));
    buf_free(&m);
    deliver_close(d);
}

static void deliver_5xx_is_retried_and_4xx_is_final(void **state) {
    (void)state;
    struct sink *s = sink_start();
    s->plan[0] = 503;
    s->plan[1] = 500;
    s->plan[2] = 200;
    s->plan[3] = 400;
    s->plan[4] = 429;
    s->plan[5] = 200;
    s->plan_count = 6;
    struct deliver_config c = {.receivers_count = 1};
    c.receivers[0] = receiver_of("am", DELIVER_ALERTMANAGER, s->port, "/api/v2/alerts");
    struct deliver *d = NULL;
    assert_int_equal(deliver_open(&c, &fast, &d), ERR_OK);
    struct alert_view a = alert_of(usdx, 1, ALERT_FIRING);
    struct deliver_stats st;
    deliver_submit(d, &a, 1, T0); /* 503, 500, 200 */
    wait_settled(d, 0, 1, &st);
    assert_int_equal(st.ok, 1);
    assert_int_equal(st.retries, 2);
    deliver_submit(d, &a, 1, T0 + 15 * S); /* 400: refused, not retried */
    wait_settled(d, 0, 2, &st);
    assert_int_equal(st.error, 1);
    assert_int_equal(st.retries, 2);
    deliver_submit(d, &a, 1, T0 + 30 * S); /* 429 then 200 */
    wait_settled(d, 0, 3, &st);
    assert_int_equal(st.ok, 2);
    assert_int_equal(st.retries, 3);
    assert_int_equal(sink_count(s), 6);
    deliver_close(d);
    sink_stop(s);
}

static void deliver_slow_receiver_never_blocks_submit_and_drops_the_oldest(void **state) {
    (void)state;
    unsigned port = 0;
    int fd = slow_listener(&port);
    struct sink *s = sink_start();
    struct deliver_config c = {.receivers_count = 2};
    c.receivers[0] = receiver_of("slow", DELIVER_ALERTMANAGER, port, "/api/v2/alerts");
    c.receivers[0].timeout_ns = 60 * S; /* longer than the test: in flight throughout */
    c.receivers[1] = receiver_of("ok", DELIVER_ALERTMANAGER, s->port, "/api/v2/alerts");
    struct deliver *d = NULL;
    assert_int_equal(deliver_open(&c, &fast, &d), ERR_OK);
    struct alert_view a = alert_of(usdx, 1, ALERT_FIRING);
    /* A few evaluations: the healthy receiver gets every one while the
     * slow one holds its first. */
    for (int i = 0; i < 5; i++) deliver_submit(d, &a, 1, T0 + i * 15 * S);
    struct deliver_stats st;
    wait_settled(d, 1, 5, &st);
    assert_int_equal(st.ok, 5);
    /* The slow receiver's thread takes its first payload when the machine
     * lets it run: wait for that (a loaded CI machine may take a while). */
    int64_t until = mono_ms() + 20000;
    for (deliver_receiver_stats(d, 0, &st); st.in_flight == 0; deliver_receiver_stats(d, 0, &st)) {
        if (mono_ms() > until) fail_msg("the slow receiver never took its first payload");
        sleep_ms(5);
    }
    assert_int_equal(st.ok + st.error + st.dropped, 0);
    /* A flood: 1000 submissions return at once; the slow queue stays at
     * its bound and the oldest payloads are dropped and counted. */
    int64_t t = mono_ms();
    for (int i = 0; i < 1000; i++) deliver_submit(d, &a, 1, T0 + (5 + i) * 15 * S);
    int64_t took = mono_ms() - t;
    print_message("1000 submissions with a receiver that never answers: %lld ms\n",
                  (long long)took);
    deliver_receiver_stats(d, 0, &st);
    assert_int_equal(st.queued, LIMIT_DELIVER_QUEUE);
    assert_int_equal(st.in_flight, 1);
    assert_int_equal(st.ok + st.error, 0);
    assert_int_equal(st.dropped + st.queued + st.in_flight, 1005);
    struct buf m;
    buf_init(&m);
    deliver_metrics(d, &m);
    buf_put(&m, "", 1);
    char want[128];
    snprintf(want, sizeof(want),
             "mintline_alert_deliveries_total{receiver=\"slow\",result=\"dropped\"} %llu\n",
             (unsigned long long)st.dropped);
    assert_non_null(strstr((const char *)m.data, want));
    assert_non_null(
        strstr((const char *)m.data, "mintline_alert_queue_length{receiver=\"slow\"} 256\n"));
    buf_free(&m);
    /* The stop is bounded: the grace (200 ms) and libcurl's abort check,
     * not the slow receiver's 60 s timeout. */
    t = mono_ms();
    deliver_close(d);
    took = mono_ms() - t;
    print_message("close with a post in flight and 256 queued: %lld ms\n", (long long)took);
    assert_true(took < 30000);
    close(fd);
    sink_stop(s);
}

static void deliver_without_receivers_does_nothing(void **state) {
    (void)state;
    struct deliver_config c = {.receivers_count = 0};
    struct deliver *d = NULL;
    assert_int_equal(deliver_open(&c, &fast, &d), ERR_OK);
    assert_int_equal(deliver_receivers_count(d), 0);
    struct alert_view a = alert_of(usdx, 1, ALERT_FIRING);
    deliver_submit(d, &a, 1, T0);
    deliver_submit(NULL, &a, 1, T0);
    struct buf m;
    buf_init(&m);
    deliver_metrics(NULL, &m);
    assert_int_equal(m.len, 0);
    deliver_metrics(d, &m);
    buf_put(&m, "", 1);
    assert_non_null(strstr((const char *)m.data, "# TYPE mintline_alert_queue_length gauge\n"));
    assert_null(strstr((const char *)m.data, "receiver="));
    buf_free(&m);
    deliver_close(d);
    deliver_close(NULL);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deliver_config_good_file_read_field_by_field),
        cmocka_unit_test(deliver_config_without_receivers_is_empty),
        cmocka_unit_test(deliver_config_refusals_name_file_line_and_column),
        cmocka_unit_test(deliver_config_refuses_more_than_the_receivers_limit),
        cmocka_unit_test(deliver_config_load_reads_files_and_refuses_big_ones),
        cmocka_unit_test(deliver_alertmanager_gets_every_evaluation_and_the_resolve),
        cmocka_unit_test(deliver_webhook_sends_on_change_and_repeats),
        cmocka_unit_test(deliver_down_receiver_retries_with_backoff_then_errors),
        cmocka_unit_test(deliver_5xx_is_retried_and_4xx_is_final),
        cmocka_unit_test(deliver_slow_receiver_never_blocks_submit_and_drops_the_oldest),
        cmocka_unit_test(deliver_without_receivers_does_nothing),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
