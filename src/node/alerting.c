/*
 * alerting.c - the node's alert evaluation loop (alerting.h): rounds,
 * actions of the operator `system`, and the loop's reads.
 *
 * Invariants: one round at a time (eval_mu); the table is changed only by
 * a round and only under mu; an action runs for an alert's transition to
 * firing, which the state machine reports once per firing, so never twice
 * for one firing; no lock of this file is held while a request goes
 * through the sequencer (a reader of /api/alerts never waits for a block).
 * On a manual clock the rounds run on the sequencer's thread (after-block
 * hook) and commit their actions there (api_commands_inline), bounded by
 * LIMIT_ALERT_ROUNDS rounds per block.
 */
#include "alerting.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../base/duration.h"
#include "../base/hex.h"
#include "../base/keyfile.h"
#include "../base/limits.h"
#include "../base/sig.h"
#include "../ops/expo.h"
#include "../ops/rules.h"
#include "server.h"

#define ALERTING_OPERATOR "system"

struct alerting {
    struct server *s;
    struct rules rules;
    uint64_t *failures; /* per rule index: rounds where it could not be evaluated */
    uint8_t *failed_once; /* per rule: its first failure was logged */
    int64_t interval_ns;
    pthread_mutex_t eval_mu; /* one round at a time */
    pthread_mutex_t mu;      /* the table and the figures */
    struct alert_table table;
    uint64_t evaluations;
    double evaluation_s;
    int64_t evaluated_at_ns;
    /* a round's buffers, kept from round to round */
    struct buf scrape;
    struct expo expo;
    int has_expo;
    struct promql_set set;
    /* actions */
    int actions_ok;
    char unavailable[ALERT_ACTION_RESULT_SIZE];
    uint8_t seed[SIG_SEED_BYTES];
    /* the wall clock's thread */
    pthread_t thread;
    int thread_live;
    pthread_cond_t wake;
    int stopping;
    alerting_deliver_fn deliver;
    void *deliver_ctx;
    /* incidents sent as overdue in the last round (SPEC 9's escalation) */
    uint64_t escalated[LIMIT_INCIDENTS];
    size_t escalated_count;
};

/* What one transition to firing needs, copied out of the table. */
struct alerting__fired {
    char name[LIMIT_RULE_NAME + 1];
    uint64_t fingerprint;
    enum rule_action action;
    enum rule_severity severity;
    char asset[LIMIT_SYMBOL + 1];
    int has_asset; /* the alert has an asset label (too long: refused by the engine) */
    int resolved;  /* a transition to resolved (else to firing) */
    double value;
    enum alert_value_form value_form;
    char summary[LIMIT_TITLE_BYTES + 1]; /* the summary annotation, "" when none */
    char result[ALERT_ACTION_RESULT_SIZE];
};

/* ---- rules and the key ------------------------------------------------ */

enum err alerting_rules_load(const char *path, struct rules *out, char *why, size_t why_size) {
    struct rules_error error;
    enum err err = rules_defaults(out, &error);
    if (err != ERR_OK) {
        snprintf(why, why_size, "built-in rules: %s", error.message);
        return err;
    }
    if (path == NULL) return ERR_OK;
    struct rules user;
    err = rules_load_file(path, &user, &error);
    if (err == ERR_OK) {
        struct rules_merge_stats stats;
        err = rules_merge(out, &user, &stats, &error);
        rules_free(&user);
    }
    if (err != ERR_OK) {
        snprintf(why, why_size, "%s", error.message);
        rules_free(out);
    }
    return err;
}

/* DATA/system.key (base/keyfile.h), whose public key must be the system
 * operator's. Returns 0, or -1 with the reason. */
static int alerting__key(struct alerting *a, const char *data_dir, uint32_t op) {
    char path[4200];
    char why[300] = "";
    snprintf(path, sizeof(path), "%s/system.key", data_dir);
    uint8_t seed[SIG_SEED_BYTES];
    int loose = 0;
    if (keyfile_load(path, seed, &loose, why, sizeof(why)) != ERR_OK) {
        snprintf(a->unavailable, sizeof(a->unavailable), "unavailable: %s", why);
        return -1;
    }
    if (loose) {
        fprintf(stderr, "mintline: warning: %s can be read by others (chmod 600 it)\n", path);
    }
    uint8_t pubkey[SIG_PUBKEY_BYTES];
    sig_pubkey(seed, pubkey);
    int match = sodium_memcmp(pubkey, a->s->chain.engine.s.operators[op].pubkey, 32) == 0;
    if (match) memcpy(a->seed, seed, sizeof(seed));
    sodium_memzero(seed, sizeof(seed));
    if (!match) {
        snprintf(a->unavailable, sizeof(a->unavailable),
                 "unavailable: system.key is not the key of the operator system");
        return -1;
    }
    return 0;
}

static void alerting__actions_check(struct alerting *a, const char *data_dir) {
    struct chain *c = &a->s->chain;
    pthread_rwlock_rdlock(&c->lock);
    uint32_t op = engine_system_operator(&c->engine);
    if (op == UINT32_MAX || c->engine.s.operators[op].removed) {
        snprintf(a->unavailable, sizeof(a->unavailable),
                 "unavailable: this ledger has no operator system (docs/DECISIONS.md: ledgers "
                 "made before it)");
    }
    a->actions_ok = op != UINT32_MAX && !c->engine.s.operators[op].removed &&
                    alerting__key(a, data_dir, op) == 0;
    pthread_rwlock_unlock(&c->lock);
    if (!a->actions_ok) {
        fprintf(stderr, "mintline: warning: alert actions (halt_minting, emergency_pause) will not "
                        "run: %s\n", a->unavailable + strlen("unavailable: "));
    }
}

enum err alerting_open(struct server *s, struct rules *rules, const char *data_dir,
                       int64_t interval_ns, struct alerting **out) {
    struct alerting *a = calloc(1, sizeof(*a));
    size_t n = rules->rules_count;
    if (a != NULL) {
        a->failures = calloc(n + 1, sizeof(*a->failures));
        a->failed_once = calloc(n + 1, 1);
    }
    if (a == NULL || a->failures == NULL || a->failed_once == NULL ||
        promql_set_init(&a->set, NULL, 0) != ERR_OK) {
        if (a != NULL) {
            promql_set_free(&a->set);
            free(a->failures);
            free(a->failed_once);
        }
        free(a);
        rules_free(rules);
        return ERR_INTERNAL;
    }
    a->s = s;
    a->rules = *rules;
    memset(rules, 0, sizeof(*rules));
    a->interval_ns = interval_ns > 0 ? interval_ns : ALERTING_INTERVAL_DEFAULT_NS;
    pthread_mutex_init(&a->eval_mu, NULL);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->wake, NULL);
    alert_table_init(&a->table);
    buf_init(&a->scrape);
    alerting__actions_check(a, data_dir);
    *out = a;
    return ERR_OK;
}

void alerting_free(struct alerting *a) {
    if (a == NULL) return;
    alert_table_free(&a->table);
    buf_free(&a->scrape);
    if (a->has_expo) expo_free(&a->expo);
    promql_set_free(&a->set);
    rules_free(&a->rules);
    free(a->failures);
    free(a->failed_once);
    sodium_memzero(a->seed, sizeof(a->seed));
    pthread_mutex_destroy(&a->eval_mu);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->wake);
    free(a);
}

void alerting_set_receiver(struct alerting *a, alerting_deliver_fn fn, void *ctx) {
    pthread_mutex_lock(&a->mu);
    a->deliver = fn;
    a->deliver_ctx = ctx;
    pthread_mutex_unlock(&a->mu);
}

/* ---- actions ------------------------------------------------------------ */

/* The command(s) of an action into body: {"op": "mint_halt", "asset": A}
 * (every asset not yet halted when the alert names none) or {"op":
 * "pause"[, "asset": A]}. Returns the commands written; 0 when nothing is
 * left to do (result says so). Caller holds the chain lock. */
static uint32_t alerting__body(const struct engine *e, const struct alerting__fired *f,
                               struct buf *body) {
    const char *op = op_table()[f->action == RULE_ACTION_HALT_MINTING ? OP_MINT_HALT : OP_PAUSE].name;
    struct jw w;
    jw_init(&w, body);
    if (f->has_asset || f->action == RULE_ACTION_EMERGENCY_PAUSE) {
        int i = f->has_asset ? engine_asset_find(e, f->asset, strlen(f->asset)) : -1;
        int done = f->action == RULE_ACTION_HALT_MINTING ? i >= 0 && e->s.assets[i].mint_halted
                   : f->has_asset                        ? e->s.paused || (i >= 0 && e->s.assets[i].paused)
                                                         : e->s.paused;
        if (done) return 0;
        jw_object_begin(&w);
        jw_kv_string(&w, "op", op);
        if (f->has_asset) jw_kv_string(&w, "asset", f->asset);
        jw_object_end(&w);
        return 1;
    }
    uint32_t n = 0;
    jw_object_begin(&w);
    jw_key(&w, "commands");
    jw_array_begin(&w);
    for (uint32_t i = 0; i < e->s.assets_count && n < LIMIT_BATCH_COMMANDS; i++) {
        if (e->s.assets[i].mint_halted) continue;
        jw_object_begin(&w);
        jw_kv_string(&w, "op", op);
        jw_kv_string(&w, "asset", e->s.assets[i].symbol);
        jw_object_end(&w);
        n++;
    }
    jw_array_end(&w);
    jw_object_end(&w);
    return n;
}

/* "done seq N" / "done seq N..M" / the first error's code, from the
 * answer of POST /api/commands. Returns 1 when a block was committed. */
static int alerting__result(const struct server_response *resp, char *out, size_t size) {
    json_t *doc = json_loadb((const char *)resp->body.data, resp->body.len, 0, NULL);
    json_t *results = json_object_get(doc, "results");
    size_t n = json_is_array(results) ? json_array_size(results) : 1;
    json_int_t first = -1, last = -1;
    const char *code = NULL;
    for (size_t i = 0; i < n && doc != NULL; i++) {
        json_t *r = json_is_array(results) ? json_array_get(results, i) : doc;
        json_t *seq = json_object_get(r, "seq");
        if (json_is_integer(seq)) {
            if (first < 0) first = json_integer_value(seq);
            last = json_integer_value(seq);
        }
        if (code == NULL && !json_is_true(json_object_get(r, "ok"))) {
            code = json_string_value(json_object_get(json_object_get(r, "error"), "code"));
        }
    }
    if (code != NULL) snprintf(out, size, "%s", code);
    else if (first >= 0 && first == last) snprintf(out, size, "done seq %lld", (long long)first);
    else if (first >= 0) snprintf(out, size, "done seq %lld..%lld", (long long)first, (long long)last);
    else snprintf(out, size, "ERR_INTERNAL");
    json_decref(doc);
    return first >= 0;
}

/* Sign body as `system` (SPEC 7: POST /api/commands, now, a fresh nonce),
 * check it as the HTTP front checks a client's request (auth_check), and
 * run it. Returns 1 when a block was committed. */
static int alerting__submit(struct alerting *a, struct sequencer *seq_inline,
                            const struct buf *body, char *result, size_t size) {
    struct server *s = a->s;
    char time_ms[24], nonce[33], signature[SIG_B64_SIZE];
    uint8_t raw[16];
    randombytes_buf(raw, sizeof(raw));
    hex_encode(raw, sizeof(raw), nonce);
    snprintf(time_ms, sizeof(time_ms), "%lld", (long long)(chain_now_ns() / 1000000));
    if (sig_sign(a->seed, "POST", "/api/commands", time_ms, nonce, body->data, body->len,
                 signature) != 0) {
        snprintf(result, size, "ERR_INTERNAL");
        return 0;
    }
    struct server_request rq;
    memset(&rq, 0, sizeof(rq));
    rq.method = "POST";
    rq.path = "/api/commands";
    rq.query = "";
    rq.raw_uri = "/api/commands";
    rq.body = body->data;
    rq.body_len = body->len;
    rq.headers = (struct auth_headers){ALERTING_OPERATOR, time_ms, nonce, signature};
    enum err err = auth_check(s->auth, &s->chain, rq.method, rq.raw_uri, &rq.headers, rq.body,
                              rq.body_len, &rq.operator_index, &rq.time_ms, &rq.body_hash,
                              rq.pubkey);
    if (err != ERR_OK) {
        snprintf(result, size, "%s", err_name(err));
        return 0;
    }
    struct server_response resp;
    memset(&resp, 0, sizeof(resp));
    buf_init(&resp.body);
    if (seq_inline != NULL) api_commands_inline(s, seq_inline, &rq, &resp);
    else api_commands(s, &rq, &resp);
    int committed = alerting__result(&resp, result, size);
    buf_free(&resp.body);
    return committed;
}

/* An alert became firing: its action runs here, once per firing (issue 10
 * item 7 adds here: a critical alert opens an incident as `system`).
 * Returns 1 when it committed a block. */
static int alerting__on_firing(struct alerting *a, struct sequencer *seq_inline,
                               struct alerting__fired *f) {
    if (f->resolved) return 0;
    if (f->action != RULE_ACTION_HALT_MINTING && f->action != RULE_ACTION_EMERGENCY_PAUSE) return 0;
    if (!a->actions_ok) {
        snprintf(f->result, sizeof(f->result), "%s", a->unavailable);
        return 0;
    }
    struct buf body;
    buf_init(&body);
    pthread_rwlock_rdlock(&a->s->chain.lock);
    uint32_t n = alerting__body(&a->s->chain.engine, f, &body);
    pthread_rwlock_unlock(&a->s->chain.lock);
    int committed = 0;
    if (!buf_ok(&body)) {
        snprintf(f->result, sizeof(f->result), "ERR_INTERNAL");
    } else if (n == 0) {
        snprintf(f->result, sizeof(f->result), "not needed: %s",
                 f->action == RULE_ACTION_HALT_MINTING ? "minting already halted" : "already paused");
    } else {
        committed = alerting__submit(a, seq_inline, &body, f->result, sizeof(f->result));
    }
    buf_free(&body);
    return committed;
}

/* ---- incidents ----------------------------------------------------------- */

/* text into a JSON-safe title of at most LIMIT_TITLE_BYTES bytes, cut at a
 * character boundary, control characters as spaces. */
static void alerting__title(char *out, const char *name, const char *summary) {
    char text[LIMIT_RULE_NAME + LIMIT_TITLE_BYTES + 8];
    snprintf(text, sizeof(text), "%.*s%s%.*s", (int)LIMIT_RULE_NAME, name, summary[0] ? ": " : "",
             (int)LIMIT_TITLE_BYTES, summary);
    size_t n = strlen(text);
    if (n > LIMIT_TITLE_BYTES) {
        n = LIMIT_TITLE_BYTES;
        while (n > 0 && ((unsigned char)text[n] & 0xC0u) == 0x80u) n--; /* not inside a character */
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7F) text[i] = ' ';
    }
    memcpy(out, text, n);
    out[n] = '\0';
}

/* SPEC 9: a critical alert opens an incident by itself (P1; P0 when its
 * action paused), as `system`, linked to the alert by its fingerprint,
 * unless one it opened is still unresolved; its resolution adds a line to
 * that incident's timeline (the incident stays open for people). Returns
 * 1 when it committed a block. */
static int alerting__incident(struct alerting *a, struct sequencer *seq_inline,
                              const struct alerting__fired *f) {
    if (!a->actions_ok) return 0;
    struct buf body;
    buf_init(&body);
    struct jw w;
    jw_init(&w, &body);
    char fp[20];
    snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)f->fingerprint);
    pthread_rwlock_rdlock(&a->s->chain.lock);
    const struct engine *e = &a->s->chain.engine;
    const struct incident *open = incident_for_alert(e, f->fingerprint);
    int asset = f->has_asset ? engine_asset_find(e, f->asset, strlen(f->asset)) : -1;
    int wanted = 0;
    if (f->resolved && open != NULL) {
        char text[LIMIT_REASON];
        char value[ALERT_VALUE_TEXT_SIZE];
        alert_value_text(f->value, f->value_form, value);
        snprintf(text, sizeof(text), "alert %.*s resolved (last value %.40s)", 120, f->name, value);
        jw_object_begin(&w);
        jw_kv_string(&w, "op", "incident.note");
        jw_kv_uint(&w, "id", open->id);
        jw_kv_string(&w, "text", text);
        jw_object_end(&w);
        wanted = 1;
    } else if (!f->resolved && open == NULL && f->severity == RULE_CRITICAL) {
        char title[LIMIT_TITLE_BYTES + 1];
        alerting__title(title, f->name, f->summary);
        jw_object_begin(&w);
        jw_kv_string(&w, "op", "incident.open");
        jw_kv_string(&w, "severity", f->action == RULE_ACTION_EMERGENCY_PAUSE ? "P0" : "P1");
        jw_kv_string(&w, "title", title);
        if (asset >= 0) jw_kv_string(&w, "asset", e->s.assets[asset].symbol);
        jw_kv_string(&w, "alert", fp);
        jw_object_end(&w);
        wanted = 1;
    }
    pthread_rwlock_unlock(&a->s->chain.lock);
    int committed = 0;
    if (wanted && buf_ok(&body)) {
        char result[ALERT_ACTION_RESULT_SIZE];
        committed = alerting__submit(a, seq_inline, &body, result, sizeof(result));
        if (!committed) {
            fprintf(stderr, "mintline: alert %s: the incident command was refused: %s\n", f->name, result);
        }
    }
    buf_free(&body);
    return committed;
}

/* ---- rounds ------------------------------------------------------------- */

static void alerting__failure(void *ctx, size_t rule_index, enum err err,
                              const struct promql_error *error) {
    struct alerting *a = ctx;
    a->failures[rule_index]++;
    if (a->failed_once[rule_index]) return;
    a->failed_once[rule_index] = 1;
    fprintf(stderr, "mintline: rule \"%s\" not evaluated (%s): %s (counted in "
                    "mintline_rule_evaluation_failures_total; said once)\n",
            a->rules.rules[rule_index].name, err_name(err), error->message);
}

/* Render /metrics and index it into a->set. Returns 0, or -1 (logged). */
static int alerting__scrape(struct alerting *a) {
    if (!buf_ok(&a->scrape)) buf_free(&a->scrape);
    a->scrape.len = 0;
    struct server_response resp;
    memset(&resp, 0, sizeof(resp));
    resp.body = a->scrape;
    metrics_render(a->s, &resp);
    a->scrape = resp.body;
    if (!buf_ok(&a->scrape)) return -1;
    if (a->has_expo) expo_free(&a->expo);
    a->has_expo = 0;
    unsigned line = 0;
    char why[160];
    enum err err = expo_parse((const char *)a->scrape.data, a->scrape.len, &a->expo, &line, why,
                              sizeof(why));
    if (err != ERR_OK) {
        fprintf(stderr, "mintline: alerts: /metrics line %u not read: %s\n", line, why);
        return -1;
    }
    a->has_expo = 1;
    err = promql_set_update(&a->set, a->expo.series, a->expo.count);
    return err == ERR_OK ? 0 : -1;
}

static double alerting__mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The state machine's round (mu held): the alerts that became firing or
 * resolved are copied into *fired (count returned; NULL when none or out
 * of memory). Warnings are marked silenced while a maintenance window is
 * in force (maintenance_open: the caller read it under the chain lock). */
static size_t alerting__advance(struct alerting *a, int64_t now_ns, int maintenance_open,
                                struct alerting__fired **fired) {
    alert_evaluate(&a->table, &a->rules, &a->set, now_ns, alerting__failure, a);
    for (size_t i = 0; i < a->table.count; i++) {
        a->table.alerts[i].silenced = maintenance_open && a->table.alerts[i].severity == RULE_WARNING;
    }
    *fired = NULL;
    size_t n = a->table.transitions_count;
    if (n == 0) return 0;
    struct alerting__fired *f = calloc(n, sizeof(*f));
    if (f == NULL) return 0;
    for (size_t k = 0; k < n; k++) {
        struct alert_view v;
        alert_table_view(&a->table, a->table.transitions[k].index, &v);
        snprintf(f[k].name, sizeof(f[k].name), "%s", v.name);
        f[k].fingerprint = v.fingerprint;
        f[k].action = v.action;
        f[k].severity = v.severity;
        f[k].resolved = a->table.transitions[k].to == ALERT_RESOLVED;
        f[k].value = v.value;
        f[k].value_form = v.value_form;
        const char *asset = alert_label(&v, "asset");
        f[k].has_asset = asset != NULL;
        if (asset != NULL) snprintf(f[k].asset, sizeof(f[k].asset), "%s", asset);
        if (asset != NULL && strlen(asset) > LIMIT_SYMBOL) f[k].asset[0] = '?'; /* no such asset */
        for (size_t i = 0; i < v.annotations_count; i++) {
            if (strcmp(v.annotations[i].name, "summary") == 0) {
                snprintf(f[k].summary, sizeof(f[k].summary), "%s", v.annotations[i].value);
            }
        }
    }
    *fired = f;
    return n;
}

/* Hand every alert to the receivers (issue 10 item 5), mu held. */
/* An overdue incident as an alert for the receivers (SPEC 9: sent again
 * with escalation="overdue", so Alertmanager can route it up the
 * escalation path). Its strings live in *x. */
struct alerting__escalation {
    char id[24];
    char severity[4];
    char asset[LIMIT_SYMBOL + 1];
    char summary[LIMIT_TITLE_BYTES + 128];
    struct promql_label labels[6];
    struct promql_label annotations[1];
};

static void alerting__escalation_view(const struct incident *in, const char *asset, int64_t now_ns,
                                      int resolved, struct alerting__escalation *x,
                                      struct alert_view *v) {
    snprintf(x->id, sizeof(x->id), "%llu", (unsigned long long)in->id);
    snprintf(x->severity, sizeof(x->severity), "%s", incident_severity_name(in->severity));
    char target[32];
    duration_format(incident_ack_target_ns(in->severity), target);
    snprintf(x->summary, sizeof(x->summary), "incident %s (%s) not acknowledged within %s: %s", x->id,
             x->severity, target, in->title);
    size_t n = 0;
    x->labels[n++] = (struct promql_label){"alertname", "IncidentOverdue"};
    if (asset[0] != '\0') {
        snprintf(x->asset, sizeof(x->asset), "%s", asset);
        x->labels[n++] = (struct promql_label){"asset", x->asset};
    }
    x->labels[n++] = (struct promql_label){"escalation", "overdue"};
    x->labels[n++] = (struct promql_label){"incident", x->id};
    x->labels[n++] = (struct promql_label){"incident_severity", x->severity};
    x->labels[n++] = (struct promql_label){"severity", "critical"};
    x->annotations[0] = (struct promql_label){"summary", x->summary};
    memset(v, 0, sizeof(*v));
    v->name = "IncidentOverdue";
    v->labels = x->labels;
    v->labels_count = n;
    v->fingerprint = alert_fingerprint(x->labels, n);
    v->annotations = x->annotations;
    v->annotations_count = 1;
    v->state = resolved ? ALERT_RESOLVED : ALERT_FIRING;
    v->severity = RULE_CRITICAL;
    v->action = RULE_ACTION_ALERT_TEAM;
    v->value = (double)(now_ns - in->opened_ns) / 1e9;
    v->active_since_ns = in->opened_ns;
    v->fired_at_ns = in->opened_ns + incident_ack_target_ns(in->severity);
    v->resolved_at_ns = resolved ? now_ns : 0;
    v->action_result = "";
}

/* The incidents to send as escalations this round, copied under the
 * chain lock before the table's lock is taken (lock order: the chain's
 * lock is never taken while mu is held). */
struct alerting__overdue {
    struct incident items[2 * LIMIT_INCIDENTS];
    uint8_t resolved[2 * LIMIT_INCIDENTS];
    char assets[2 * LIMIT_INCIDENTS][LIMIT_SYMBOL + 1];
    size_t count;
};

static void alerting__overdue_collect(struct alerting *a, int64_t now_ns, struct alerting__overdue *o) {
    o->count = 0;
    uint64_t still[LIMIT_INCIDENTS];
    size_t still_count = 0;
    pthread_rwlock_rdlock(&a->s->chain.lock);
    const struct engine *e = &a->s->chain.engine;
    for (uint32_t i = 0; i < e->s.inc.incidents_count; i++) {
        const struct incident *in = &e->s.inc.incidents[i];
        if (!incident_overdue(in, now_ns)) continue;
        o->resolved[o->count] = 0;
        o->items[o->count++] = *in;
        still[still_count++] = in->id;
    }
    for (size_t j = 0; j < a->escalated_count; j++) { /* overdue before, not now */
        int again = 0;
        for (size_t m = 0; m < still_count; m++) again |= still[m] == a->escalated[j];
        const struct incident *in = incident_find(e, a->escalated[j]);
        if (again || in == NULL) continue;
        o->resolved[o->count] = 1;
        o->items[o->count++] = *in;
    }
    for (size_t i = 0; i < o->count; i++) {
        uint16_t asset = o->items[i].asset;
        snprintf(o->assets[i], sizeof(o->assets[i]), "%s",
                 asset != INCIDENT_NO_ASSET && asset < e->s.assets_count ? e->s.assets[asset].symbol : "");
    }
    pthread_rwlock_unlock(&a->s->chain.lock);
    memcpy(a->escalated, still, still_count * sizeof(still[0]));
    a->escalated_count = still_count;
}

/* Hand every alert to the receivers (issue 10 item 5), mu held: the
 * rules' alerts, then one per overdue incident, and once more (resolved)
 * for an incident that was overdue and no longer is. */
static void alerting__deliver(struct alerting *a, int64_t now_ns, const struct alerting__overdue *o) {
    if (a->deliver == NULL) return;
    size_t cap = a->table.count + o->count;
    if (cap == 0) return;
    struct alert_view *views = calloc(cap, sizeof(*views));
    struct alerting__escalation *x = calloc(o->count + 1, sizeof(*x));
    if (views == NULL || x == NULL) {
        free(views);
        free(x);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < a->table.count; i++) alert_table_view(&a->table, i, &views[n++]);
    for (size_t i = 0; i < o->count; i++) {
        alerting__escalation_view(&o->items[i], o->assets[i], now_ns, o->resolved[i], &x[i], &views[n++]);
    }
    a->deliver(a->deliver_ctx, views, n, now_ns);
    free(views);
    free(x);
}

/* One round; seq_inline as api_commands_inline takes it (NULL: queue the
 * actions). Returns the actions that committed a block. */
static unsigned alerting__round(struct alerting *a, struct sequencer *seq_inline) {
    pthread_mutex_lock(&a->eval_mu);
    double t0 = alerting__mono_s();
    if (alerting__scrape(a) != 0) {
        pthread_mutex_unlock(&a->eval_mu);
        return 0;
    }
    pthread_rwlock_rdlock(&a->s->chain.lock);
    int64_t now_ns = server_now(a->s);
    int maintenance_open = maintenance_active(&a->s->chain.engine, now_ns) != NULL;
    pthread_rwlock_unlock(&a->s->chain.lock);
    pthread_mutex_lock(&a->mu);
    struct alerting__fired *fired = NULL;
    size_t n = alerting__advance(a, now_ns, maintenance_open, &fired);
    a->evaluations++;
    a->evaluated_at_ns = now_ns;
    a->evaluation_s = alerting__mono_s() - t0;
    pthread_mutex_unlock(&a->mu);
    unsigned committed = 0;
    for (size_t i = 0; i < n; i++) { /* the incident first: its timeline then holds the action */
        committed += (unsigned)alerting__incident(a, seq_inline, &fired[i]);
        committed += (unsigned)alerting__on_firing(a, seq_inline, &fired[i]);
    }
    struct alerting__overdue *overdue = a->deliver != NULL ? calloc(1, sizeof(*overdue)) : NULL;
    if (overdue != NULL) alerting__overdue_collect(a, now_ns, overdue);
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < n; i++) {
        long at = alert_table_find(&a->table, fired[i].name, fired[i].fingerprint);
        if (at >= 0 && fired[i].result[0] != '\0') {
            snprintf(a->table.alerts[at].action_result, sizeof(a->table.alerts[at].action_result),
                     "%s", fired[i].result);
        }
    }
    if (overdue != NULL) alerting__deliver(a, now_ns, overdue);
    pthread_mutex_unlock(&a->mu);
    free(overdue);
    free(fired);
    pthread_mutex_unlock(&a->eval_mu);
    return committed;
}

unsigned alerting_evaluate_now(struct alerting *a) {
    return alerting__round(a, NULL);
}

/* Manual clock: after every committed block, before its answers: evaluate
 * at the ledger's time; an action's block is evaluated in turn. */
static void alerting__after_block(void *ctx, struct sequencer *seq) {
    struct alerting *a = ctx;
    for (unsigned r = 0; r < LIMIT_ALERT_ROUNDS; r++) {
        if (alerting__round(a, seq) == 0) break;
    }
}

static void *alerting__main(void *arg) {
    struct alerting *a = arg;
    pthread_mutex_lock(&a->mu);
    while (!a->stopping) {
        pthread_mutex_unlock(&a->mu);
        alerting__round(a, NULL);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        int64_t ns = (int64_t)until.tv_nsec + a->interval_ns % 1000000000;
        until.tv_sec += (time_t)(a->interval_ns / 1000000000 + ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        pthread_mutex_lock(&a->mu);
        while (!a->stopping && pthread_cond_timedwait(&a->wake, &a->mu, &until) == 0) {
        }
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

enum err alerting_start(struct alerting *a) {
    if (a->s->chain.clock_manual) {
        alerting__round(a, NULL);
        sequencer_set_after_block(a->s->seq, alerting__after_block, a);
        return ERR_OK;
    }
    if (pthread_create(&a->thread, NULL, alerting__main, a) != 0) return ERR_INTERNAL;
    a->thread_live = 1;
    return ERR_OK;
}

void alerting_stop(struct alerting *a) {
    if (a == NULL) return;
    if (a->s->seq != NULL) sequencer_set_after_block(a->s->seq, NULL, NULL);
    pthread_mutex_lock(&a->mu);
    a->stopping = 1;
    pthread_cond_broadcast(&a->wake);
    pthread_mutex_unlock(&a->mu);
    if (a->thread_live) pthread_join(a->thread, NULL);
    a->thread_live = 0;
}

/* ---- reads --------------------------------------------------------------- */

static void alerting__counts(const struct alerting *a, size_t *warning, size_t *critical,
                             size_t *pending) {
    *warning = *critical = *pending = 0;
    for (size_t i = 0; i < a->table.count; i++) {
        const struct alert *al = &a->table.alerts[i];
        if (al->state == ALERT_PENDING) (*pending)++;
        if (al->state != ALERT_FIRING) continue;
        if (al->severity == RULE_CRITICAL) (*critical)++;
        else (*warning)++;
    }
}

void alerting_metrics(struct alerting *a, struct buf *b) {
    char line[LIMIT_RULE_NAME + 96];
    pthread_mutex_lock(&a->mu);
    size_t warning, critical, pending;
    alerting__counts(a, &warning, &critical, &pending);
    int n = snprintf(line, sizeof(line),
                     "# HELP mintline_alerts_firing Alerts firing, by severity.\n"
                     "# TYPE mintline_alerts_firing gauge\n"
                     "mintline_alerts_firing{severity=\"warning\"} %zu\n"
                     "mintline_alerts_firing{severity=\"critical\"} %zu\n",
                     warning, critical);
    buf_put(b, line, (size_t)n < sizeof(line) ? (size_t)n : 0);
    n = snprintf(line, sizeof(line),
                 "# HELP mintline_alerts_pending Alerts whose condition holds, waiting for their for.\n"
                 "# TYPE mintline_alerts_pending gauge\nmintline_alerts_pending %zu\n", pending);
    buf_put(b, line, (size_t)n < sizeof(line) ? (size_t)n : 0);
    n = snprintf(line, sizeof(line),
                 "# HELP mintline_alert_evaluations_total Alert evaluation rounds since start.\n"
                 "# TYPE mintline_alert_evaluations_total counter\n"
                 "mintline_alert_evaluations_total %llu\n",
                 (unsigned long long)a->evaluations);
    buf_put(b, line, (size_t)n < sizeof(line) ? (size_t)n : 0);
    n = snprintf(line, sizeof(line),
                 "# HELP mintline_alert_evaluation_seconds Duration of the last evaluation round.\n"
                 "# TYPE mintline_alert_evaluation_seconds gauge\n"
                 "mintline_alert_evaluation_seconds %.9f\n", a->evaluation_s);
    buf_put(b, line, (size_t)n < sizeof(line) ? (size_t)n : 0);
    static const char head[] =
        "# HELP mintline_rule_evaluation_failures_total Rounds where a rule could not be evaluated.\n"
        "# TYPE mintline_rule_evaluation_failures_total counter\n";
    buf_put(b, head, sizeof(head) - 1);
    for (size_t i = 0; i < a->rules.rules_count; i++) {
        const struct rule *r = &a->rules.rules[i];
        if (!r->enabled || r->expr == NULL) continue;
        n = snprintf(line, sizeof(line), "mintline_rule_evaluation_failures_total{rule=\"%s\"} %llu\n",
                     r->name, (unsigned long long)a->failures[i]);
        buf_put(b, line, (size_t)n < sizeof(line) ? (size_t)n : 0);
    }
    pthread_mutex_unlock(&a->mu);
}

void alerting_status_json(struct alerting *a, struct jw *w) {
    size_t warning = 0, critical = 0, pending = 0, rules = 0;
    int64_t at = 0;
    if (a != NULL) {
        pthread_mutex_lock(&a->mu);
        alerting__counts(a, &warning, &critical, &pending);
        rules = rules_enabled_count(&a->rules);
        at = a->evaluated_at_ns;
        pthread_mutex_unlock(&a->mu);
    }
    jw_key(w, "alerts");
    jw_object_begin(w);
    jw_key(w, "firing");
    jw_object_begin(w);
    jw_kv_uint(w, "warning", warning);
    jw_kv_uint(w, "critical", critical);
    jw_object_end(w);
    jw_kv_uint(w, "pending", pending);
    jw_kv_uint(w, "rules", rules);
    jw_kv_time(w, "evaluated_at", at);
    jw_object_end(w);
}

void api_alerts(struct server *s, const struct server_request *rq, struct server_response *out) {
    char all_text[8];
    int all = server_query(rq->query, "all", all_text, sizeof(all_text));
    if (all < 0 || (all == 1 && strcmp(all_text, "1") != 0 && strcmp(all_text, "true") != 0 &&
                    strcmp(all_text, "0") != 0 && strcmp(all_text, "false") != 0)) {
        server_error(out, ERR_INVALID_ARGUMENT, "all takes 1 or 0");
        return;
    }
    all = all == 1 && (all_text[0] == '1' || all_text[0] == 't');
    struct alerting *a = s->alerting;
    struct jw w;
    jw_init(&w, &out->body);
    jw_object_begin(&w);
    jw_key(&w, "alerts");
    jw_array_begin(&w);
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < a->table.count; i++) {
        struct alert_view v;
        alert_table_view(&a->table, i, &v);
        if (v.state == ALERT_RESOLVED && !all) continue;
        alert_write_json(&v, &w);
    }
    jw_array_end(&w);
    jw_kv_time(&w, "evaluated_at", a->evaluated_at_ns);
    jw_kv_uint(&w, "rules", rules_enabled_count(&a->rules));
    jw_key(&w, "evaluation_ms");
    jw_double(&w, a->evaluation_s * 1e3);
    pthread_mutex_unlock(&a->mu);
    jw_object_end(&w);
    out->status = 200;
    out->content_type = NULL;
}

void api_alert_rules(struct server *s, const struct server_request *rq,
                     struct server_response *out) {
    (void)rq;
    struct jw w;
    jw_init(&w, &out->body);
    /* The rules are the loop's from alerting_open to alerting_free and never change. */
    rules_write_json(&s->alerting->rules, &w);
    out->status = 200;
    out->content_type = NULL;
}
