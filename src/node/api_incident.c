/*
 * api_incident.c - incidents and maintenance windows on the operator's
 * surface (SPEC 9; docs/operators/incidents.md, maintenance.md):
 *
 *   GET /api/incidents[?open=1]   every incident the state keeps, newest
 *                                 first (open=1: the unresolved ones)
 *   GET /api/incidents/ID         one incident and its timeline
 *   GET /api/maintenance          the window in force and the last ones
 *
 * plus the "incidents" block of /api/system/status and the incident series
 * of /metrics.
 *
 * The state (src/engine/incident.c) keeps what lists and refusals need; a
 * timeline is read from the journal: the blocks from the incident's open
 * block to the head, with their bodies, each request read by history.c
 * (history_each: the same two sources and the same judgement as GET
 * /api/history; note texts and the resolve summary live only in the signed
 * bodies). A request is handed to history only when one of its journaled
 * commands belongs on the timeline, which the binary commands decide
 * cheaply. The scan runs without the chain lock, as history's does (the
 * store serialises reads; asset names are only appended). "overdue" is
 * judged against server_now, never by the engine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/duration.h"
#include "history.h"
#include "server.h"

/* A timeline shows at most this many of the incident's own entries
 * (open, ack, notes, resolve, expedites) and, apart, as many commands on
 * its asset; past either, "omitted" counts what was left out. */
#define API_INCIDENT_TIMELINE_MAX LIMIT_READ_ROWS
/* Commands of one block marked by its events as expedite work; more in one
 * block are not marked (their commands still show if they are the
 * incident's own or its asset's). */
#define API_INCIDENT_MARKS_MAX 64u

/* An incident as read under the lock, with the names it refers to. */
struct api_incident__view {
    struct incident in;
    char asset[LIMIT_SYMBOL + 1];
    char opened_by[LIMIT_OPERATOR_NAME + 1];
    char acked_by[LIMIT_OPERATOR_NAME + 1];
    char resolved_by[LIMIT_OPERATOR_NAME + 1];
    int overdue;
};

static void api_incident__view(const struct engine *e, const struct incident *in, int64_t now_ns,
                               struct api_incident__view *v) {
    memset(v, 0, sizeof(*v));
    v->in = *in;
    if (in->asset != INCIDENT_NO_ASSET && in->asset < e->s.assets_count) {
        snprintf(v->asset, sizeof(v->asset), "%s", e->s.assets[in->asset].symbol);
    }
    snprintf(v->opened_by, sizeof(v->opened_by), "%s", e->s.operators[in->opened_by].name);
    if (in->acked_ns != 0) {
        snprintf(v->acked_by, sizeof(v->acked_by), "%s", e->s.operators[in->acked_by].name);
    }
    if (in->state == INCIDENT_RESOLVED) {
        snprintf(v->resolved_by, sizeof(v->resolved_by), "%s", e->s.operators[in->resolved_by].name);
    }
    v->overdue = incident_overdue(in, now_ns);
}

static void api_incident__name(struct jw *w, const char *key, const char *name) {
    jw_key(w, key);
    if (name[0]) jw_string(w, name);
    else jw_null(w);
}

/* The fields of an incident (inside an object the caller opened). */
static void api_incident__fields(const struct api_incident__view *v, struct jw *w) {
    const struct incident *in = &v->in;
    jw_kv_uint(w, "id", in->id);
    jw_kv_string(w, "severity", incident_severity_name(in->severity));
    jw_kv_string(w, "state", incident_state_name((enum incident_state)in->state));
    jw_kv_string(w, "title", in->title);
    api_incident__name(w, "asset", v->asset);
    jw_kv_time(w, "opened_at", in->opened_ns);
    jw_kv_string(w, "opened_by", v->opened_by);
    jw_kv_time(w, "acked_at", in->acked_ns);
    api_incident__name(w, "acked_by", v->acked_by);
    jw_kv_time(w, "resolved_at", in->state == INCIDENT_RESOLVED ? in->resolved_ns : 0);
    api_incident__name(w, "resolved_by", v->resolved_by);
    jw_kv_int(w, "ack_target_s", incident_ack_target_ns(in->severity) / NS_PER_S);
    jw_kv_bool(w, "overdue", v->overdue);
    jw_key(w, "alert");
    if (in->alert != 0) {
        char hex[20];
        snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)in->alert);
        jw_string(w, hex);
    } else {
        jw_null(w);
    }
    jw_kv_uint(w, "notes", in->notes);
    jw_kv_uint(w, "expedites", in->expedites);
}

/* ?open=1 (or true): 1; absent, 0 or false: 0; anything else -1. */
static int api_incident__open_only(const char *query) {
    char text[8];
    int present = server_query(query, "open", text, sizeof(text));
    if (present == 0) return 0;
    if (present < 0) return -1;
    if (strcmp(text, "1") == 0 || strcmp(text, "true") == 0) return 1;
    if (strcmp(text, "0") == 0 || strcmp(text, "false") == 0) return 0;
    return -1;
}

void api_incidents(struct server *s, const struct server_request *rq, struct server_response *out) {
    int open_only = api_incident__open_only(rq->query);
    if (open_only < 0) {
        server_error(out, ERR_INVALID_ARGUMENT, "open: 1 or 0");
        return;
    }
    struct jw w;
    jw_init(&w, &out->body);
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    int64_t now = server_now(s);
    jw_object_begin(&w);
    jw_key(&w, "incidents");
    jw_array_begin(&w);
    for (uint32_t i = e->s.inc.incidents_count; i-- > 0;) {
        const struct incident *in = &e->s.inc.incidents[i];
        if (open_only && in->state == INCIDENT_RESOLVED) continue;
        struct api_incident__view v;
        api_incident__view(e, in, now, &v);
        jw_object_begin(&w);
        api_incident__fields(&v, &w);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    pthread_rwlock_unlock(&s->chain.lock);
    out->status = 200;
}

/* ---- the timeline ------------------------------------------------------ */

enum api_incident__kind { API_INCIDENT_NONE, API_INCIDENT_OWN, API_INCIDENT_EXPEDITE, API_INCIDENT_ASSET };

static const char *const api_incident__kind_name[] = {"", "incident", "expedite", "asset"};

struct api_incident__scan {
    const struct engine *e;
    struct incident in;
    uint64_t head; /* the height when the read began: later blocks are not read */
    uint64_t marks[API_INCIDENT_MARKS_MAX]; /* this block's commands its events tie to expedites */
    uint32_t marks_count;
    uint32_t own_count;
    uint32_t asset_count;
    uint32_t omitted;
    const struct store_request *r; /* the request being read, its block and time */
    uint64_t height;
    char time_text[40];
    struct jw *w;
    enum err err;
    int has_summary;
    char summary[LIMIT_REASON_BYTES + 1];
};

/* Whether command seq lies between the open and the resolve (or now). */
static int api_incident__within(const struct incident *in, uint64_t seq) {
    if (seq < in->open_seq) return 0;
    return in->state != INCIDENT_RESOLVED || seq <= in->resolve_seq;
}

static enum api_incident__kind api_incident__classify(const struct api_incident__scan *q, uint64_t seq,
                                                      const struct command *cmd) {
    const struct incident *in = &q->in;
    if (cmd->op == OP_INCIDENT_OPEN && seq == in->open_seq) return API_INCIDENT_OWN;
    if ((cmd->op == OP_INCIDENT_ACK || cmd->op == OP_INCIDENT_NOTE || cmd->op == OP_INCIDENT_RESOLVE) &&
        cmd->id == in->id) {
        return API_INCIDENT_OWN;
    }
    for (uint32_t i = 0; i < q->marks_count; i++) {
        if (q->marks[i] == seq) return API_INCIDENT_EXPEDITE;
    }
    int within = api_incident__within(in, seq);
    /* An expedite proposed during a P0/P1 is this emergency's work. */
    if (cmd->op == OP_TIMELOCK_EXPEDITE && in->severity <= 1 && within) return API_INCIDENT_EXPEDITE;
    if (in->asset != INCIDENT_NO_ASSET && (cmd->present & CMD_HAS_ASSET) && cmd->asset == in->asset &&
        within) {
        return API_INCIDENT_ASSET;
    }
    return API_INCIDENT_NONE;
}

/* Mark the commands a block's events tie to this incident's expedites: the
 * release (TimelockExpedited names the incident) and, during a P0/P1, the
 * proposal and its approvals (their events name the op). */
static void api_incident__marks(struct api_incident__scan *q, const struct store_block *b) {
    q->marks_count = 0;
    struct buf_reader rd;
    buf_reader_init(&rd, b->events, b->events ? b->events_len : 0);
    for (uint32_t i = 0; i < b->events_count && q->marks_count < API_INCIDENT_MARKS_MAX; i++) {
        struct event ev;
        if (event_decode(&rd, &ev) != 0 || rd.failed) return;
        int mine = ev.type == EVENT_TIMELOCK_EXPEDITED && (uint64_t)ev.value == q->in.id;
        int proposal = (ev.type == EVENT_PROPOSAL_CREATED || ev.type == EVENT_PROPOSAL_APPROVED ||
                        ev.type == EVENT_PROPOSAL_CANCELLED) &&
                       ev.ref_op == OP_TIMELOCK_EXPEDITE && q->in.severity <= 1 &&
                       api_incident__within(&q->in, ev.command_seq);
        if (mine || proposal) q->marks[q->marks_count++] = ev.command_seq;
    }
}

/* Whether any journaled command of r belongs on the timeline (the binary
 * commands alone; cheap next to reading the body). */
static int api_incident__wanted(const struct api_incident__scan *q, const struct store_request *r) {
    struct buf_reader rd;
    buf_reader_init(&rd, r->commands, r->commands ? r->commands_len : 0);
    for (uint32_t i = 0; i < r->commands_count && i < LIMIT_BATCH_COMMANDS; i++) {
        struct command cmd;
        if (command_decode_bin(q->e, &rd, &cmd) != 0) return 1; /* let history say why */
        if (api_incident__classify(q, r->first_seq + i, &cmd) != API_INCIDENT_NONE) return 1;
    }
    return 0;
}

static int api_incident__item(void *ctx, const struct history_item *it) {
    struct api_incident__scan *q = ctx;
    if (it->cmd == NULL) return 0;
    enum api_incident__kind kind = api_incident__classify(q, it->seq, it->cmd);
    if (kind == API_INCIDENT_NONE) return 0;
    uint32_t *count = kind == API_INCIDENT_ASSET ? &q->asset_count : &q->own_count;
    if (*count == API_INCIDENT_TIMELINE_MAX) {
        q->omitted++;
        return 0;
    }
    (*count)++;
    if (it->cmd->op == OP_INCIDENT_RESOLVE && strcmp(it->result, "ok") == 0 && it->text != NULL) {
        snprintf(q->summary, sizeof(q->summary), "%s", it->text);
        q->has_summary = 1;
    }
    struct jw *w = q->w;
    jw_object_begin(w);
    jw_kv_string(w, "time", q->time_text);
    jw_kv_uint(w, "block", q->height);
    jw_kv_uint(w, "seq", it->seq);
    jw_kv_string(w, "operator", q->r->operator_name ? q->r->operator_name : "?");
    jw_kv_string(w, "op", it->op);
    jw_kv_string(w, "kind", api_incident__kind_name[kind]);
    jw_key(w, "args");
    history_item_args(q->e, it, w);
    if (it->text != NULL) {
        jw_key(w, "text");
        jw_string_n(w, it->text, it->text_len);
    }
    jw_kv_string(w, "result", it->result);
    if (it->unreadable != NULL) jw_kv_string(w, "unreadable", it->unreadable);
    jw_object_end(w);
    return 0;
}

static int api_incident__block(void *ctx, const struct store_block *b, const struct store_request *reqs,
                               uint32_t n) {
    struct api_incident__scan *q = ctx;
    if (b->height > q->head) return 1;
    api_incident__marks(q, b);
    q->height = b->height;
    time_format_iso(b->time_ns, q->time_text);
    for (uint32_t i = 0; i < n; i++) {
        if (!api_incident__wanted(q, &reqs[i])) continue;
        q->r = &reqs[i];
        q->err = history_each(q->e, &reqs[i], api_incident__item, q);
        if (q->err) return 1;
    }
    return 0;
}

/* The incident under the lock; 0 when found (with the head), else the
 * error answered. */
static int api_incident__lookup(struct server *s, const char *id_text, struct api_incident__view *v,
                                uint64_t *head, struct server_response *out) {
    uint64_t id = server_path_id(id_text);
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    const struct incident *in = id ? incident_find(e, id) : NULL;
    uint64_t last = e->s.inc.next_incident_id;
    if (in != NULL) {
        api_incident__view(e, in, server_now(s), v);
        *head = e->s.height;
    }
    pthread_rwlock_unlock(&s->chain.lock);
    if (in != NULL) return 0;
    char why[160];
    if (id != 0 && id <= last) {
        snprintf(why, sizeof(why), "incident %llu is older than the %u kept; its commands are in the "
                 "journal (history)", (unsigned long long)id, LIMIT_INCIDENTS);
    } else {
        snprintf(why, sizeof(why), "no incident %s", id_text);
    }
    server_error(out, ERR_NOT_FOUND, why);
    return -1;
}

void api_incident(struct server *s, const struct server_request *rq, const char *id_text,
                  struct server_response *out) {
    (void)rq;
    struct api_incident__scan *q = calloc(1, sizeof(*q));
    if (q == NULL) {
        server_error(out, ERR_INTERNAL, NULL);
        return;
    }
    struct api_incident__view v;
    if (api_incident__lookup(s, id_text, &v, &q->head, out) != 0) {
        free(q);
        return;
    }
    struct jw w;
    jw_init(&w, &out->body);
    q->e = &s->chain.engine;
    q->in = v.in;
    q->w = &w;
    jw_object_begin(&w);
    api_incident__fields(&v, &w);
    jw_key(&w, "timeline");
    jw_array_begin(&w);
    enum err err = s->chain.store->ops->scan_blocks(s->chain.store, v.in.open_block, 1,
                                                    api_incident__block, q);
    if (!err) err = q->err;
    jw_array_end(&w);
    jw_kv_uint(&w, "omitted", q->omitted);
    jw_key(&w, "summary");
    if (q->has_summary) jw_string(&w, q->summary);
    else jw_null(&w);
    jw_object_end(&w);
    free(q);
    if (err) {
        buf_free(&out->body);
        server_error(out, err, NULL);
        return;
    }
    out->status = 200;
}

/* ---- maintenance windows ----------------------------------------------- */

static const char *api_incident__window_state(const struct maintenance *m, int64_t now_ns) {
    if (m->ended_ns != 0) return "ended";
    return now_ns >= m->until_ns ? "expired" : "active";
}

static void api_incident__window(const struct engine *e, const struct maintenance *m, int64_t now_ns,
                                 struct jw *w) {
    jw_object_begin(w);
    jw_kv_uint(w, "id", m->id);
    jw_kv_time(w, "start", m->start_ns);
    jw_kv_time(w, "until", m->until_ns);
    jw_kv_time(w, "ended_at", m->ended_ns);
    jw_kv_string(w, "by", e->s.operators[m->by].name);
    jw_key(w, "ended_by");
    if (m->ended_ns != 0) jw_string(w, e->s.operators[m->ended_by].name);
    else jw_null(w);
    jw_kv_string(w, "reason", m->reason);
    jw_kv_string(w, "state", api_incident__window_state(m, now_ns));
    jw_object_end(w);
}

/* "maintenance": the window in force or null (caller holds the lock). */
static void api_incident__active(const struct engine *e, int64_t now_ns, struct jw *w) {
    const struct maintenance *m = maintenance_active(e, now_ns);
    jw_key(w, "maintenance");
    if (m != NULL) api_incident__window(e, m, now_ns, w);
    else jw_null(w);
}

void api_maintenance(struct server *s, const struct server_request *rq, struct server_response *out) {
    (void)rq;
    struct jw w;
    jw_init(&w, &out->body);
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    int64_t now = server_now(s);
    const struct maintenance *active = maintenance_active(e, now);
    jw_object_begin(&w);
    jw_key(&w, "active");
    if (active != NULL) api_incident__window(e, active, now, &w);
    else jw_null(&w);
    jw_key(&w, "windows");
    jw_array_begin(&w);
    for (uint32_t i = e->s.inc.maintenance_count; i-- > 0;) {
        api_incident__window(e, &e->s.inc.maintenance[i], now, &w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    pthread_rwlock_unlock(&s->chain.lock);
    out->status = 200;
}

/* ---- status and metrics ------------------------------------------------ */

/* Unresolved incidents by severity, and how many are overdue at now_ns. */
static void api_incident__count(const struct engine *e, int64_t now_ns,
                                uint32_t open[INCIDENT_SEVERITIES], uint32_t *overdue) {
    memset(open, 0, INCIDENT_SEVERITIES * sizeof(open[0]));
    *overdue = 0;
    for (uint32_t i = 0; i < e->s.inc.incidents_count; i++) {
        const struct incident *in = &e->s.inc.incidents[i];
        if (in->state == INCIDENT_RESOLVED) continue;
        open[in->severity]++;
        *overdue += (uint32_t)incident_overdue(in, now_ns);
    }
}

void api_incidents_status(struct server *s, struct jw *w) {
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    int64_t now = server_now(s);
    uint32_t open[INCIDENT_SEVERITIES];
    uint32_t overdue;
    api_incident__count(e, now, open, &overdue);
    jw_key(w, "incidents");
    jw_object_begin(w);
    jw_key(w, "open");
    jw_object_begin(w);
    for (unsigned k = 0; k < INCIDENT_SEVERITIES; k++) jw_kv_uint(w, incident_severity_name(k), open[k]);
    jw_object_end(w);
    jw_kv_uint(w, "overdue", overdue);
    api_incident__active(e, now, w);
    jw_object_end(w);
    pthread_rwlock_unlock(&s->chain.lock);
}

static void api_incident__metric(struct buf *b, const char *name, const char *type, const char *help) {
    char line[256];
    int n = snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    if (n > 0 && (size_t)n < sizeof(line)) buf_put(b, line, (size_t)n);
}

static void api_incident__value(struct buf *b, const char *series, uint32_t v) {
    char line[160];
    int n = snprintf(line, sizeof(line), "%s %u\n", series, v);
    if (n > 0 && (size_t)n < sizeof(line)) buf_put(b, line, (size_t)n);
}

void api_incidents_metrics(const struct engine *e, int64_t now_ns, struct buf *b) {
    uint32_t open[INCIDENT_SEVERITIES];
    uint32_t overdue;
    api_incident__count(e, now_ns, open, &overdue);
    api_incident__metric(b, "mintline_incidents_open", "gauge",
                         "Unresolved incidents (open or acknowledged), by severity.");
    for (unsigned k = 0; k < INCIDENT_SEVERITIES; k++) {
        char series[64];
        snprintf(series, sizeof(series), "mintline_incidents_open{severity=\"%s\"}",
                 incident_severity_name(k));
        api_incident__value(b, series, open[k]);
    }
    api_incident__metric(b, "mintline_incidents_overdue", "gauge",
                         "Open incidents not acknowledged within their target (P0 5m, P1 30m, P2 2h, P3 24h).");
    api_incident__value(b, "mintline_incidents_overdue", overdue);
    api_incident__metric(b, "mintline_maintenance_active", "gauge",
                         "1 while a maintenance window is in force (warning alerts silenced).");
    api_incident__value(b, "mintline_maintenance_active", maintenance_active(e, now_ns) != NULL);
}
