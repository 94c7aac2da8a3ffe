/*
 * deliver.c - alert receivers (deliver.h): the `alerting:` configuration,
 * the per-receiver queues and delivery threads, the webhook's grouping
 * state and the delivery counters.
 *
 * Invariants: a queue never holds more than queue_max payloads or
 * LIMIT_DELIVER_QUEUE_BYTES; payloads leave a queue in the order they were
 * queued; deliver_submit holds a receiver's lock only to push (never
 * across I/O), and a delivery thread holds it only to pop, count and
 * wait. Nothing here runs on the sequencer or an HTTP thread.
 */
#include "deliver.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/check.h"
#include "../base/duration.h"
#include "../ops/notify.h"
#include "../ops/ydoc.h"

/* ------------------------------------------------------------------ */
/* Configuration                                                      */
/* ------------------------------------------------------------------ */

struct deliver__cfg {
    const char *file;
    char *why;
    size_t why_size;
};

static enum err deliver__refuse(const struct deliver__cfg *c, const struct ydoc_node *at,
                                const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum err deliver__refuse(const struct deliver__cfg *c, const struct ydoc_node *at,
                                const char *fmt, ...) {
    char reason[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    snprintf(c->why, c->why_size, "%s:%u:%u: %s", c->file, at ? at->line : 1, at ? at->col : 1,
             reason);
    return ERR_INVALID_CONFIG;
}

static int deliver__name_ok(const char *s, size_t len) {
    if (len == 0 || len > LIMIT_RECEIVER_NAME) return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '_' || ch == '-';
        if (!ok) return 0;
    }
    return 1;
}

/* http:// or https://, a host, printable ASCII without spaces. */
static int deliver__url_ok(const char *s, size_t len) {
    size_t scheme = strncmp(s, "http://", 7) == 0 ? 7 : strncmp(s, "https://", 8) == 0 ? 8 : 0;
    if (scheme == 0 || len <= scheme || len > LIMIT_RECEIVER_URL || s[scheme] == '/') return 0;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return 0;
    }
    return 1;
}

static enum err deliver__duration(const struct deliver__cfg *c, const struct ydoc_node *v,
                                  const char *key, int64_t min_ns, int64_t max_ns, int64_t *out) {
    int64_t ns = 0;
    if (v->kind != YDOC_SCALAR || duration_parse(v->text, v->len, &ns) != ERR_OK) {
        return deliver__refuse(c, v, "%s: not a duration (e.g. 5s, 1m, 4h)", key);
    }
    char lo[32];
    char hi[32];
    duration_format(min_ns, lo);
    duration_format(max_ns, hi);
    if (ns < min_ns || ns > max_ns) {
        return deliver__refuse(c, v, "%s: %s is outside %s..%s", key, v->text, lo, hi);
    }
    *out = ns;
    return ERR_OK;
}

static enum err deliver__type(const struct deliver__cfg *c, const struct ydoc_node *v,
                              enum deliver_type *out) {
    if (v->kind == YDOC_SCALAR && strcmp(v->text, "alertmanager") == 0) {
        *out = DELIVER_ALERTMANAGER;
    } else if (v->kind == YDOC_SCALAR && strcmp(v->text, "webhook") == 0) {
        *out = DELIVER_WEBHOOK;
    } else {
        return deliver__refuse(c, v, "type: alertmanager or webhook");
    }
    return ERR_OK;
}

/* The url as posted to: an Alertmanager's base URL gets /api/v2/alerts. */
static enum err deliver__url(const struct deliver__cfg *c, const struct ydoc_node *v,
                             struct deliver_receiver *r) {
    if (v->kind != YDOC_SCALAR || !deliver__url_ok(v->text, v->len)) {
        return deliver__refuse(c, v, "url: an http:// or https:// URL of at most %u bytes",
                               LIMIT_RECEIVER_URL);
    }
    size_t len = v->len;
    if (r->type == DELIVER_ALERTMANAGER) {
        while (len > 0 && v->text[len - 1] == '/') len--;
        snprintf(r->url, sizeof(r->url), "%.*s/api/v2/alerts", (int)len, v->text);
    } else {
        snprintf(r->url, sizeof(r->url), "%s", v->text);
    }
    return ERR_OK;
}

static enum err deliver__receiver_keys(const struct deliver__cfg *c, const struct ydoc_node *m) {
    static const char *const known[] = {"name", "type", "url", "timeout", "repeat_interval"};
    for (size_t i = 0; i < m->count; i++) {
        const struct ydoc_node *k = m->items[2 * i];
        size_t j = 0;
        while (j < sizeof(known) / sizeof(known[0]) && strcmp(k->text, known[j]) != 0) j++;
        if (j == sizeof(known) / sizeof(known[0])) {
            return deliver__refuse(c, k, "unknown key \"%s\" in a receiver (name, type, url, "
                                         "timeout, repeat_interval)", k->text);
        }
    }
    return ERR_OK;
}

static enum err deliver__receiver(const struct deliver__cfg *c, const struct ydoc_node *m,
                                  const struct deliver_config *so_far,
                                  struct deliver_receiver *r) {
    if (m->kind != YDOC_MAP) return deliver__refuse(c, m, "a receiver is a mapping");
    enum err err = deliver__receiver_keys(c, m);
    if (err) return err;
    const struct ydoc_node *name = ydoc_get(m, "name");
    const struct ydoc_node *type = ydoc_get(m, "type");
    const struct ydoc_node *url = ydoc_get(m, "url");
    const struct ydoc_node *timeout = ydoc_get(m, "timeout");
    const struct ydoc_node *repeat = ydoc_get(m, "repeat_interval");
    if (name == NULL) return deliver__refuse(c, m, "a receiver needs a name");
    if (name->kind != YDOC_SCALAR || !deliver__name_ok(name->text, name->len)) {
        return deliver__refuse(c, name, "name: 1 to %u of A-Z a-z 0-9 _ -", LIMIT_RECEIVER_NAME);
    }
    for (size_t i = 0; i < so_far->receivers_count; i++) {
        if (strcmp(so_far->receivers[i].name, name->text) == 0) {
            return deliver__refuse(c, name, "receiver \"%s\" is named twice (first at line %u)",
                                   name->text, so_far->receivers[i].line);
        }
    }
    if (type == NULL) return deliver__refuse(c, m, "receiver \"%s\" needs a type", name->text);
    if (url == NULL) return deliver__refuse(c, m, "receiver \"%s\" needs a url", name->text);
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name->text);
    r->line = m->line;
    r->col = m->col;
    r->timeout_ns = DELIVER_TIMEOUT_DEFAULT_NS;
    r->repeat_interval_ns = DELIVER_REPEAT_DEFAULT_NS;
    err = deliver__type(c, type, &r->type);
    if (!err) err = deliver__url(c, url, r);
    if (!err && timeout != NULL) {
        err = deliver__duration(c, timeout, "timeout", NS_PER_S, 60 * NS_PER_S, &r->timeout_ns);
    }
    if (err || repeat == NULL) return err;
    if (r->type != DELIVER_WEBHOOK) {
        return deliver__refuse(c, repeat, "repeat_interval is for a webhook (Alertmanager "
                                          "repeats by its own route's repeat_interval)");
    }
    return deliver__duration(c, repeat, "repeat_interval", 60 * NS_PER_S, 7 * NS_PER_DAY,
                             &r->repeat_interval_ns);
}

/* A key written with nothing after it (`alerting:`, everything under it
 * commented out) is read as absent. */
static int deliver__empty(const struct ydoc_node *v) {
    return v->kind == YDOC_SCALAR && v->plain && v->len == 0;
}

static enum err deliver__alerting(const struct deliver__cfg *c, const struct ydoc_node *a,
                                  struct deliver_config *out) {
    if (deliver__empty(a)) return ERR_OK;
    if (a->kind != YDOC_MAP) return deliver__refuse(c, a, "alerting: a mapping with receivers");
    for (size_t i = 0; i < a->count; i++) {
        const struct ydoc_node *k = a->items[2 * i];
        if (strcmp(k->text, "receivers") != 0) {
            return deliver__refuse(c, k, "unknown key \"%s\" in alerting (receivers)", k->text);
        }
    }
    const struct ydoc_node *list = ydoc_get(a, "receivers");
    if (list == NULL || deliver__empty(list)) return ERR_OK;
    if (list->kind != YDOC_SEQ) return deliver__refuse(c, list, "receivers: a list");
    if (list->count > LIMIT_RECEIVERS) {
        return deliver__refuse(c, list->items[LIMIT_RECEIVERS], "more than %u receivers",
                               LIMIT_RECEIVERS);
    }
    for (size_t i = 0; i < list->count; i++) {
        enum err err = deliver__receiver(c, list->items[i], out, &out->receivers[i]);
        if (err) return err;
        out->receivers_count = i + 1;
    }
    return ERR_OK;
}

enum err deliver_config_parse(const char *file, const char *text, size_t len,
                              struct deliver_config *out, char *why, size_t why_size) {
    struct deliver__cfg c = {.file = file, .why = why, .why_size = why_size};
    struct ydoc_node *root = NULL;
    char reason[200];
    unsigned line = 0;
    unsigned col = 0;
    enum err err = ydoc_parse(text, len, &root, reason, sizeof(reason), &line, &col);
    if (err) {
        snprintf(why, why_size, "%s:%u:%u: %s", file, line, col, reason);
        return err == ERR_INTERNAL ? ERR_INTERNAL : ERR_INVALID_CONFIG;
    }
    struct deliver_config *built = calloc(1, sizeof(*built));
    if (built == NULL) {
        ydoc_free(root);
        return ERR_INTERNAL;
    }
    const struct ydoc_node *alerting = root != NULL ? ydoc_get(root, "alerting") : NULL;
    if (root != NULL && root->kind != YDOC_MAP) {
        err = deliver__refuse(&c, root, "the configuration is a mapping");
    } else if (alerting != NULL) {
        err = deliver__alerting(&c, alerting, built);
    }
    ydoc_free(root);
    if (!err) memcpy(out, built, sizeof(*out));
    free(built);
    return err;
}

enum err deliver_config_load(const char *path, struct deliver_config *out, char *why,
                             size_t why_size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
        return ERR_IO;
    }
    char *text = malloc(LIMIT_CONFIG_FILE_BYTES + 1);
    size_t len = text != NULL ? fread(text, 1, LIMIT_CONFIG_FILE_BYTES + 1, f) : 0;
    int bad = text == NULL || ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        snprintf(why, why_size, "cannot read %s", path);
        return text == NULL ? ERR_INTERNAL : ERR_IO;
    }
    if (len > LIMIT_CONFIG_FILE_BYTES) {
        free(text);
        snprintf(why, why_size, "%s: larger than %u bytes", path, LIMIT_CONFIG_FILE_BYTES);
        return ERR_INVALID_CONFIG;
    }
    enum err err = deliver_config_parse(path, text, len, out, why, why_size);
    free(text);
    return err;
}

/* ------------------------------------------------------------------ */
/* Queues and threads                                                 */
/* ------------------------------------------------------------------ */

struct deliver__payload {
    char *body;
    size_t len;
};

/* What a webhook receiver last sent about one alert. */
struct deliver__seen {
    uint64_t fingerprint;
    int64_t sent_ns;
    uint8_t firing; /* the last payload listed it firing */
};

struct deliver__receiver {
    struct deliver *d;
    struct deliver_receiver cfg;
    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct deliver__payload *ring; /* queue_max slots */
    size_t head;
    size_t count;
    size_t bytes;
    struct deliver_stats stats;
    int failing; /* the last try failed (logged once per outage) */
    /* webhook: sorted by fingerprint; touched only by deliver_submit */
    struct deliver__seen *seen;
    size_t seen_count;
};

struct deliver {
    struct deliver__receiver *receivers;
    size_t receivers_count;
    char external_url[LIMIT_RECEIVER_URL + 1];
    char generator_url[LIMIT_RECEIVER_URL + 16];
    int64_t valid_for_ns;
    unsigned queue_max;
    unsigned tries_max;
    int64_t backoff_initial_ns;
    int64_t backoff_max_ns;
    int64_t stop_grace_ns;
    int stopping;            /* under every receiver's lock */
    int64_t stop_deadline_ns; /* monotonic; set before stopping */
};

static int64_t deliver__mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* Push a payload (taking ownership of body), dropping the oldest past the
 * queue's bounds. */
static void deliver__push(struct deliver__receiver *r, char *body, size_t len) {
    struct deliver *d = r->d;
    pthread_mutex_lock(&r->lock);
    if (d->stopping) {
        r->stats.dropped++;
        pthread_mutex_unlock(&r->lock);
        free(body);
        return;
    }
    while (r->count > 0 &&
           (r->count >= d->queue_max || r->bytes + len > LIMIT_DELIVER_QUEUE_BYTES)) {
        struct deliver__payload *old = &r->ring[r->head];
        r->bytes -= old->len;
        free(old->body);
        r->head = (r->head + 1) % d->queue_max;
        r->count--;
        r->stats.dropped++;
    }
    struct deliver__payload *slot = &r->ring[(r->head + r->count) % d->queue_max];
    slot->body = body;
    slot->len = len;
    r->count++;
    r->bytes += len;
    r->stats.queued = r->count;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
}

static void deliver__count_dropped(struct deliver__receiver *r) {
    pthread_mutex_lock(&r->lock);
    r->stats.dropped++;
    pthread_mutex_unlock(&r->lock);
}

/* Queue a copy of a built body on r; a failed buffer counts as dropped. */
static void deliver__queue_copy(struct deliver__receiver *r, const struct buf *b) {
    char *body = buf_ok(b) ? malloc(b->len + 1) : NULL;
    if (body == NULL) {
        deliver__count_dropped(r);
        return;
    }
    memcpy(body, b->data, b->len);
    body[b->len] = '\0';
    deliver__push(r, body, b->len);
}

static size_t deliver__discard(char *ptr, size_t size, size_t nmemb, void *ctx) {
    (void)ptr;
    (void)ctx;
    return size * nmemb;
}

/* libcurl's progress callback: abort a transfer once the stop's grace is
 * over. */
static int deliver__progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                             curl_off_t ulnow) {
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    struct deliver__receiver *r = ctx;
    int stopping = __atomic_load_n(&r->d->stopping, __ATOMIC_ACQUIRE);
    return stopping && deliver__mono_ns() >= r->d->stop_deadline_ns;
}

enum deliver__result {
    DELIVER__OK = 0,
    DELIVER__RETRY,
    DELIVER__FINAL,
};

static enum deliver__result deliver__post(struct deliver__receiver *r, CURL *curl,
                                          struct curl_slist *headers,
                                          const struct deliver__payload *p, char *why,
                                          size_t why_size) {
    long timeout_ms = (long)(r->cfg.timeout_ns / 1000000);
    curl_easy_setopt(curl, CURLOPT_URL, r->cfg.url);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, p->body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)p->len);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "mintline");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, deliver__discard);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, deliver__progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, r);
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        snprintf(why, why_size, "%s", curl_easy_strerror(rc));
        return DELIVER__RETRY;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) return DELIVER__OK;
    snprintf(why, why_size, "HTTP %ld", status);
    if (status >= 500 || status == 408 || status == 429) return DELIVER__RETRY;
    return DELIVER__FINAL;
}

/* Log the start and the end of an outage, not every failure. */
static void deliver__log(struct deliver__receiver *r, enum deliver__result res, const char *why) {
    int ok = res == DELIVER__OK;
    if (ok && r->failing) {
        fprintf(stderr, "mintline: receiver %s: delivering again\n", r->cfg.name);
    } else if (!ok && !r->failing && !r->d->stopping) {
        fprintf(stderr, "mintline: receiver %s: delivery to %s failed: %s%s\n", r->cfg.name,
                r->cfg.url, why, res == DELIVER__FINAL ? " (refused: not tried again)" : "");
    }
    r->failing = !ok;
}

/* Wait up to wait_ns or until the stop. Returns 1 when stopping. Holds
 * the lock on entry and exit. */
static int deliver__sleep(struct deliver__receiver *r, int64_t wait_ns) {
    int64_t until = deliver__mono_ns() + wait_ns;
    while (!r->d->stopping) {
        int64_t now = deliver__mono_ns();
        if (now >= until) break;
        struct timespec ts = {.tv_sec = (time_t)(until / NS_PER_S),
                              .tv_nsec = (long)(until % NS_PER_S)};
        pthread_cond_timedwait(&r->wake, &r->lock, &ts);
    }
    return r->d->stopping;
}

/* Deliver one payload: tries with backoff; counts its outcome. */
static void deliver__send(struct deliver__receiver *r, CURL *curl, struct curl_slist *headers,
                          const struct deliver__payload *p) {
    struct deliver *d = r->d;
    int64_t backoff = d->backoff_initial_ns;
    for (unsigned attempt = 1;; attempt++) {
        char why[200] = "";
        enum deliver__result res = deliver__post(r, curl, headers, p, why, sizeof(why));
        pthread_mutex_lock(&r->lock);
        deliver__log(r, res, why);
        if (res == DELIVER__OK) {
            r->stats.ok++;
        } else if (res == DELIVER__FINAL || attempt >= d->tries_max) {
            r->stats.error++;
        } else if (d->stopping) {
            r->stats.dropped++;
        } else {
            r->stats.retries++;
            int stopped = deliver__sleep(r, backoff);
            backoff = backoff > d->backoff_max_ns / 2 ? d->backoff_max_ns : backoff * 2;
            if (!stopped) {
                pthread_mutex_unlock(&r->lock);
                continue;
            }
            r->stats.dropped++;
        }
        pthread_mutex_unlock(&r->lock);
        return;
    }
}

static void *deliver__run(void *arg) {
    struct deliver__receiver *r = arg;
    struct deliver *d = r->d;
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (r->count == 0 && !d->stopping) pthread_cond_wait(&r->wake, &r->lock);
        if (r->count == 0 || (d->stopping && deliver__mono_ns() >= d->stop_deadline_ns)) break;
        struct deliver__payload p = r->ring[r->head];
        r->head = (r->head + 1) % d->queue_max;
        r->count--;
        r->bytes -= p.len;
        r->stats.queued = r->count;
        r->stats.in_flight = 1;
        pthread_mutex_unlock(&r->lock);
        if (curl != NULL && headers != NULL) {
            deliver__send(r, curl, headers, &p);
        } else {
            deliver__count_dropped(r);
        }
        free(p.body);
        pthread_mutex_lock(&r->lock);
        r->stats.in_flight = 0;
    }
    pthread_mutex_unlock(&r->lock);
    curl_slist_free_all(headers);
    if (curl != NULL) curl_easy_cleanup(curl);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Open, close, metrics                                               */
/* ------------------------------------------------------------------ */

static void deliver__free(struct deliver *d) {
    for (size_t i = 0; i < d->receivers_count; i++) {
        struct deliver__receiver *r = &d->receivers[i];
        for (size_t k = 0; r->ring != NULL && k < r->count; k++) {
            free(r->ring[(r->head + k) % d->queue_max].body);
        }
        free(r->ring);
        free(r->seen);
        pthread_mutex_destroy(&r->lock);
        pthread_cond_destroy(&r->wake);
    }
    free(d->receivers);
    free(d);
}

static void deliver__options(struct deliver *d, const struct deliver_options *opt) {
    d->queue_max = opt->queue_max ? opt->queue_max : LIMIT_DELIVER_QUEUE;
    d->tries_max = opt->tries_max ? opt->tries_max : DELIVER_TRIES_DEFAULT;
    d->backoff_initial_ns = opt->backoff_initial_ns ? opt->backoff_initial_ns : NS_PER_S;
    d->backoff_max_ns = opt->backoff_max_ns ? opt->backoff_max_ns : 30 * NS_PER_S;
    d->stop_grace_ns = opt->stop_grace_ns ? opt->stop_grace_ns : 2 * NS_PER_S;
    d->valid_for_ns = notify_valid_for_ns(opt->eval_interval_ns);
    if (opt->external_url != NULL && opt->external_url[0] != '\0') {
        snprintf(d->external_url, sizeof(d->external_url), "%s", opt->external_url);
        snprintf(d->generator_url, sizeof(d->generator_url), "%s/api/alerts", d->external_url);
    }
}

/* Set up receiver i (not started). 0, or -1 out of memory. */
static int deliver__receiver_init(struct deliver *d, size_t i, const struct deliver_receiver *cfg) {
    struct deliver__receiver *r = &d->receivers[i];
    r->d = d;
    r->cfg = *cfg;
    r->ring = calloc(d->queue_max, sizeof(*r->ring));
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->wake, &attr);
    pthread_condattr_destroy(&attr);
    d->receivers_count = i + 1;
    return r->ring != NULL ? 0 : -1;
}

enum err deliver_open(const struct deliver_config *config, const struct deliver_options *opt,
                      struct deliver **out) {
    struct deliver *d = calloc(1, sizeof(*d));
    if (d == NULL) return ERR_INTERNAL;
    deliver__options(d, opt);
    size_t n = config->receivers_count;
    d->receivers = calloc(n ? n : 1, sizeof(*d->receivers));
    if (d->receivers == NULL) {
        free(d);
        return ERR_INTERNAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (deliver__receiver_init(d, i, &config->receivers[i]) != 0) {
            deliver__free(d);
            return ERR_INTERNAL;
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct deliver__receiver *r = &d->receivers[i];
        if (pthread_create(&r->thread, NULL, deliver__run, r) != 0) {
            deliver_close(d);
            return ERR_INTERNAL;
        }
        r->started = 1;
    }
    *out = d;
    return ERR_OK;
}

void deliver_close(struct deliver *d) {
    if (d == NULL) return;
    d->stop_deadline_ns = deliver__mono_ns() + d->stop_grace_ns;
    for (size_t i = 0; i < d->receivers_count; i++) {
        struct deliver__receiver *r = &d->receivers[i];
        pthread_mutex_lock(&r->lock);
        __atomic_store_n(&d->stopping, 1, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&r->wake);
        pthread_mutex_unlock(&r->lock);
    }
    for (size_t i = 0; i < d->receivers_count; i++) {
        struct deliver__receiver *r = &d->receivers[i];
        if (r->started) pthread_join(r->thread, NULL);
        if (r->count > 0) {
            fprintf(stderr, "mintline: receiver %s: %zu payloads not delivered at the stop\n",
                    r->cfg.name, r->count);
        }
    }
    deliver__free(d);
}

size_t deliver_receivers_count(const struct deliver *d) {
    return d != NULL ? d->receivers_count : 0;
}

void deliver_receiver_stats(struct deliver *d, size_t index, struct deliver_stats *out) {
    ASSERT(index < d->receivers_count);
    struct deliver__receiver *r = &d->receivers[index];
    pthread_mutex_lock(&r->lock);
    *out = r->stats;
    out->queued = r->count;
    pthread_mutex_unlock(&r->lock);
}

static void deliver__line(struct buf *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void deliver__line(struct buf *out, const char *fmt, ...) {
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0) buf_put(out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void deliver_metrics(struct deliver *d, struct buf *out) {
    if (d == NULL) return;
    size_t n = d->receivers_count;
    struct deliver_stats *st = calloc(n ? n : 1, sizeof(*st));
    if (st == NULL) {
        out->failed = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) deliver_receiver_stats(d, i, &st[i]);
    deliver__line(out, "# HELP mintline_alert_deliveries_total Alert payloads by receiver and "
                       "outcome: ok, error (refused or out of tries), dropped (queue full or "
                       "left at the stop).\n# TYPE mintline_alert_deliveries_total counter\n");
    for (size_t i = 0; i < n; i++) {
        static const char *const results[] = {"ok", "error", "dropped"};
        const uint64_t counts[] = {st[i].ok, st[i].error, st[i].dropped};
        for (size_t k = 0; k < 3; k++) {
            deliver__line(out,
                          "mintline_alert_deliveries_total{receiver=\"%s\",result=\"%s\"} %llu\n",
                          d->receivers[i].cfg.name, results[k], (unsigned long long)counts[k]);
        }
    }
    deliver__line(out, "# HELP mintline_alert_delivery_retries_total Failed tries of alert "
                       "payloads that were tried again after a backoff.\n"
                       "# TYPE mintline_alert_delivery_retries_total counter\n");
    for (size_t i = 0; i < n; i++) {
        deliver__line(out, "mintline_alert_delivery_retries_total{receiver=\"%s\"} %llu\n",
                      d->receivers[i].cfg.name, (unsigned long long)st[i].retries);
    }
    deliver__line(out, "# HELP mintline_alert_queue_length Alert payloads waiting for delivery.\n"
                       "# TYPE mintline_alert_queue_length gauge\n");
    for (size_t i = 0; i < n; i++) {
        deliver__line(out, "mintline_alert_queue_length{receiver=\"%s\"} %llu\n",
                      d->receivers[i].cfg.name, (unsigned long long)st[i].queued);
    }
    free(st);
}

/* ------------------------------------------------------------------ */
/* Submission                                                         */
/* ------------------------------------------------------------------ */

static int deliver__seen_cmp(const void *a, const void *b) {
    const struct deliver__seen *x = a;
    const struct deliver__seen *y = b;
    return x->fingerprint < y->fingerprint ? -1 : x->fingerprint > y->fingerprint;
}

static const struct deliver__seen *deliver__seen_find(const struct deliver__receiver *r,
                                                      uint64_t fingerprint) {
    if (r->seen_count == 0) return NULL;
    struct deliver__seen key = {.fingerprint = fingerprint};
    return bsearch(&key, r->seen, r->seen_count, sizeof(key), deliver__seen_cmp);
}

/* qsort_r: sent alerts' indexes by alertname, then as given. */
static int deliver__name_cmp(const void *a, const void *b, void *ctx) {
    const struct alert_view *alerts = ctx;
    size_t x = *(const size_t *)a;
    size_t y = *(const size_t *)b;
    int c = strcmp(alerts[x].name, alerts[y].name);
    if (c != 0) return c;
    return x < y ? -1 : x > y;
}

/* Whether webhook receiver r sends alert a now: a firing alert it has not
 * sent firing, or sent firing a repeat_interval ago; a resolved alert it
 * last sent firing. */
static int deliver__due(const struct deliver__receiver *r, const struct alert_view *a,
                        int64_t now_ns) {
    const struct deliver__seen *s = deliver__seen_find(r, a->fingerprint);
    if (a->state == ALERT_FIRING) {
        return s == NULL || !s->firing || now_ns - s->sent_ns >= r->cfg.repeat_interval_ns;
    }
    return s != NULL && s->firing;
}

/* One group (alerts order[from..to), one alertname): when anything in it
 * is due, queue a payload of its firing alerts and its due resolved ones,
 * and mark them in included. */
static void deliver__group(struct deliver *d, struct deliver__receiver *r,
                           const struct alert_view *alerts, const size_t *order, size_t from,
                           size_t to, int64_t now_ns, uint8_t *included,
                           const struct alert_view **list) {
    size_t n = 0;
    int due = 0;
    for (size_t k = from; k < to; k++) {
        const struct alert_view *a = &alerts[order[k]];
        int a_due = deliver__due(r, a, now_ns);
        due |= a_due;
        if (a->state == ALERT_FIRING || a_due) list[n++] = a;
    }
    if (!due) return;
    for (size_t k = from; k < to; k++) {
        const struct alert_view *a = &alerts[order[k]];
        if (a->state == ALERT_FIRING || deliver__due(r, a, now_ns)) included[order[k]] = 1;
    }
    struct promql_label group = {.name = "alertname", .value = alerts[order[from]].name};
    struct notify_webhook msg = {
        .receiver = r->cfg.name,
        .external_url = d->external_url,
        .generator_url = d->generator_url,
        .group_labels = &group,
        .group_labels_count = 1,
        .alerts = list,
        .alerts_count = n,
    };
    struct buf b;
    buf_init(&b);
    notify_webhook(&msg, &b);
    deliver__queue_copy(r, &b);
    buf_free(&b);
}

/* What r remembers after this submission: the alerts just sent as sent
 * now, the others still held by the loop as before. */
static void deliver__remember(struct deliver__receiver *r, const struct alert_view *alerts,
                              size_t count, const uint8_t *included, int64_t now_ns,
                              struct deliver__seen *next) {
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        const struct alert_view *a = &alerts[i];
        const struct deliver__seen *old = deliver__seen_find(r, a->fingerprint);
        if (included[i]) {
            next[n++] = (struct deliver__seen){.fingerprint = a->fingerprint,
                                               .sent_ns = now_ns,
                                               .firing = a->state == ALERT_FIRING};
        } else if (old != NULL) {
            next[n++] = *old;
        }
    }
    qsort(next, n, sizeof(*next), deliver__seen_cmp);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (kept == 0 || next[kept - 1].fingerprint != next[i].fingerprint) next[kept++] = next[i];
    }
    free(r->seen);
    r->seen = next;
    r->seen_count = kept;
}

static void deliver__webhook(struct deliver *d, struct deliver__receiver *r,
                             const struct alert_view *alerts, size_t count, const size_t *order,
                             size_t sent, int64_t now_ns) {
    uint8_t *included = calloc(count ? count : 1, 1);
    const struct alert_view **list = malloc((sent ? sent : 1) * sizeof(*list));
    struct deliver__seen *next = malloc((count ? count : 1) * sizeof(*next));
    if (included == NULL || list == NULL || next == NULL) {
        free(included);
        free(list);
        free(next);
        deliver__count_dropped(r);
        return;
    }
    for (size_t from = 0; from < sent;) {
        size_t to = from + 1;
        while (to < sent && strcmp(alerts[order[to]].name, alerts[order[from]].name) == 0) to++;
        deliver__group(d, r, alerts, order, from, to, now_ns, included, list);
        from = to;
    }
    deliver__remember(r, alerts, count, included, now_ns, next);
    free(included);
    free(list);
}

void deliver_submit(struct deliver *d, const struct alert_view *alerts, size_t count,
                    int64_t now_ns) {
    if (d == NULL || d->receivers_count == 0) return;
    size_t *order = malloc((count ? count : 1) * sizeof(*order));
    if (order == NULL) {
        for (size_t i = 0; i < d->receivers_count; i++) deliver__count_dropped(&d->receivers[i]);
        return;
    }
    size_t sent = 0;
    for (size_t i = 0; i < count; i++) {
        if (notify_alert_sent(&alerts[i])) order[sent++] = i;
    }
    qsort_r(order, sent, sizeof(*order), deliver__name_cmp, (void *)alerts);
    struct buf am;
    buf_init(&am);
    int am_built = 0;
    size_t am_count = 0;
    for (size_t i = 0; i < d->receivers_count; i++) {
        struct deliver__receiver *r = &d->receivers[i];
        if (r->cfg.type == DELIVER_WEBHOOK) {
            deliver__webhook(d, r, alerts, count, order, sent, now_ns);
            continue;
        }
        if (!am_built) {
            am_count = notify_alertmanager(alerts, count, now_ns, d->valid_for_ns,
                                           d->generator_url, &am);
            am_built = 1;
        }
        if (am_count > 0) deliver__queue_copy(r, &am);
    }
    buf_free(&am);
    free(order);
}
