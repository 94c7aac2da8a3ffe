/*
 * api_commands.c - POST /api/commands: admission, dry runs, submission to
 * the sequencer, and the answer.
 *
 * Admission happens on the HTTP thread, in parallel: the body is decoded
 * and validated whole before anything is queued, so malformed input is
 * refused (400) without being journaled and without touching state. A dry
 * run applies under a savepoint and rolls back: full checks, the events it
 * would emit, nothing changed or journaled.
 *
 * A retry (the same signed request again, its nonce already seen: SPEC 7
 * refuses a reused nonce) is answered from the journal when the original
 * is there, byte for byte the same request: its results, events and what
 * it became, rebuilt by the same writer as the first answer, never run a
 * second time (api_commands_retry).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/buf.h"
#include "../base/check.h"
#include "../base/duration.h"
#include "ha.h"
#include "history.h"
#include "request.h"
#include "server.h"

struct api__outcome {
    const struct command *cmds;
    const enum err *results;
    const struct apply_result *ars;
    const uint32_t *event_ends;
    const struct event *events;
    uint64_t block;
    int dry;
    const char *operator_name; /* who signed: every event here is theirs */
};

/* {"code", "message"}: the code's message, and after ": " the detail the
 * handler gave (which recipients, which amounts) when there is one. */
static void api__error(enum err err, const char *detail, struct jw *w) {
    jw_key(w, "error");
    jw_object_begin(w);
    jw_kv_string(w, "code", err_name(err));
    if (detail != NULL && detail[0] != '\0') {
        char message[256 + APPLY_DETAIL_SIZE];
        snprintf(message, sizeof(message), "%s: %s", err_message(err), detail);
        jw_kv_string(w, "message", message);
    } else {
        jw_kv_string(w, "message", err_message(err));
    }
    jw_object_end(w);
}

static void api__time(struct jw *w, const char *key, int64_t ns) {
    char t[40];
    time_format_iso(ns, t);
    jw_kv_string(w, key, t);
}

/* What a dry run's governed command would become, without an id (nothing
 * is created, SPEC 7): "proposal": {"approvals_needed", "approvals" (the
 * submitter's own), "expires_at", "timelock" (the delay its release then
 * waits, "0s" when none)} or "timelock": {"eta", "delay", "expires_at"}.
 * Read from the proposal or entry the dry run made under its savepoint
 * (still there: the caller rolls back after the answer). */
static void api__would_be_fields(const struct engine *e, const struct command *cmd,
                                 const struct apply_result *ar, struct jw *w) {
    uint32_t approvals = 1;
    int64_t delay_ns = 0;
    engine_policy(e, (enum op)cmd->op, (cmd->present & CMD_HAS_ASSET) ? cmd->asset : -1,
                  &approvals, &delay_ns);
    char d[32];
    duration_format(delay_ns, d);
    if (ar->pending == APPLY_PROPOSED) {
        jw_key(w, "proposal");
        jw_object_begin(w);
        const struct proposal *p = NULL;
        for (uint32_t i = 0; i < e->s.proposals_count; i++) {
            if (e->s.proposals[i].id == ar->pending_id) p = &e->s.proposals[i];
        }
        jw_kv_uint(w, "approvals_needed", p != NULL ? p->needed : approvals);
        jw_key(w, "approvals");
        jw_array_begin(w);
        jw_string(w, e->s.operators[cmd->operator_index].name);
        jw_array_end(w);
        if (p != NULL) api__time(w, "expires_at", p->expires_ns);
        jw_kv_string(w, "timelock", delay_ns == 0 ? "0s" : d);
        jw_object_end(w);
        return;
    }
    jw_key(w, "timelock");
    jw_object_begin(w);
    api__time(w, "eta", ar->eta_ns);
    jw_kv_string(w, "delay", delay_ns == 0 ? "0s" : d);
    api__time(w, "expires_at", ar->eta_ns + GOVERNANCE_TIMELOCK_GRACE);
    jw_object_end(w);
}

/* "pending" while a command waits ("would_be" for a dry run); "executed"
 * when an approval or a timelock execution ran its command (ok, or the
 * command's own error). */
static void api__governance(const struct engine *e, const struct command *cmd,
                            const struct apply_result *ar, int dry, struct jw *w) {
    if (ar->pending != APPLY_DONE && dry) {
        jw_key(w, "would_be");
        jw_object_begin(w);
        api__would_be_fields(e, cmd, ar, w);
        jw_object_end(w);
    } else if (ar->pending != APPLY_DONE) {
        jw_key(w, "pending");
        jw_object_begin(w);
        jw_kv_uint(w, ar->pending == APPLY_PROPOSED ? "proposal" : "timelock", ar->pending_id);
        if (ar->pending == APPLY_SCHEDULED) {
            char t[40];
            time_format_iso(ar->eta_ns, t);
            jw_kv_string(w, "eta", t);
        }
        jw_object_end(w);
    }
    if (ar->ran_id == 0) return;
    jw_key(w, "executed");
    jw_object_begin(w);
    int entry = cmd->op == OP_TIMELOCK_EXECUTE || cmd->op == OP_TIMELOCK_EXPEDITE;
    jw_kv_uint(w, entry ? "timelock" : "proposal", ar->ran_id);
    jw_kv_bool(w, "ok", ar->ran_err == ERR_OK);
    if (ar->ran_err) api__error(ar->ran_err, ar->detail, w);
    jw_object_end(w);
}

static void api__result(struct server *s, const struct api__outcome *o, uint32_t i,
                        struct jw *w) {
    const struct engine *e = &s->chain.engine;
    enum err err = o->results[i];
    jw_object_begin(w);
    jw_kv_bool(w, "ok", err == ERR_OK);
    if (o->dry) {
        jw_kv_bool(w, "dry_run", 1);
    } else {
        jw_kv_uint(w, "seq", o->ars[i].seq);
        jw_kv_uint(w, "block", o->block);
    }
    if (err) {
        api__error(err, o->ars[i].detail, w);
    } else {
        jw_key(w, "events");
        jw_array_begin(w);
        uint32_t from = i == 0 ? 0 : o->event_ends[i - 1];
        for (uint32_t k = from; k < o->event_ends[i]; k++) {
            event_write_json(e, &o->events[k], o->block, o->operator_name, w);
        }
        jw_array_end(w);
        if (o->ars[i].note) jw_kv_string(w, "note", o->ars[i].note);
        api__governance(e, &o->cmds[i], &o->ars[i], o->dry, w);
    }
    jw_object_end(w);
}

/* A single command's HTTP status: 202 while it waits for approvals or time. */
static int api__status(enum err err, const struct apply_result *ar) {
    if (err == ERR_OK && ar->pending != APPLY_DONE) return 202;
    return err_http_status(err);
}

/* One entry of a compact answer: {"index", "seq"?, "error"} and, for an
 * approval or execution whose released command failed, "executed". */
static void api__compact_failure(const struct api__outcome *o, uint32_t i, struct jw *w) {
    const struct apply_result *ar = &o->ars[i];
    jw_object_begin(w);
    jw_kv_uint(w, "index", i);
    if (!o->dry) jw_kv_uint(w, "seq", ar->seq);
    if (o->results[i]) {
        api__error(o->results[i], ar->detail, w);
    } else {
        int entry = o->cmds[i].op == OP_TIMELOCK_EXECUTE || o->cmds[i].op == OP_TIMELOCK_EXPEDITE;
        jw_key(w, "executed");
        jw_object_begin(w);
        jw_kv_uint(w, entry ? "timelock" : "proposal", ar->ran_id);
        jw_kv_bool(w, "ok", 0);
        jw_object_end(w);
        api__error(ar->ran_err, ar->detail, w);
    }
    jw_object_end(w);
}

/* A batch's compact answer ("reply": "errors", SPEC 7): the block, the
 * first seq and the count, then only what failed (a command refused, or a
 * released command that failed), and what waits ("pending" / "would_be"
 * entries, listed only when there are some). The events are read back
 * with /api/events. */
static void api__compact(const struct engine *e, const struct api__outcome *o, uint32_t count,
                         struct jw *w) {
    jw_object_begin(w);
    jw_kv_bool(w, "ok", 1);
    if (o->dry) {
        jw_kv_bool(w, "dry_run", 1);
    } else {
        jw_kv_uint(w, "block", o->block);
        jw_kv_uint(w, "first_seq", o->ars[0].seq);
    }
    jw_kv_uint(w, "count", count);
    jw_key(w, "failed");
    jw_array_begin(w);
    uint32_t waiting = 0;
    for (uint32_t i = 0; i < count; i++) {
        const struct apply_result *ar = &o->ars[i];
        if (o->results[i] || (ar->ran_id != 0 && ar->ran_err)) api__compact_failure(o, i, w);
        waiting += o->results[i] == ERR_OK && ar->pending != APPLY_DONE;
    }
    jw_array_end(w);
    if (waiting > 0) {
        jw_key(w, o->dry ? "would_be" : "pending");
        jw_array_begin(w);
        for (uint32_t i = 0; i < count; i++) {
            const struct apply_result *ar = &o->ars[i];
            if (o->results[i] || ar->pending == APPLY_DONE) continue;
            jw_object_begin(w);
            jw_kv_uint(w, "index", i);
            if (!o->dry) {
                jw_kv_uint(w, "seq", ar->seq);
                jw_kv_uint(w, ar->pending == APPLY_PROPOSED ? "proposal" : "timelock", ar->pending_id);
                if (ar->pending == APPLY_SCHEDULED) api__time(w, "eta", ar->eta_ns);
            } else {
                api__would_be_fields(e, &o->cmds[i], ar, w);
            }
            jw_object_end(w);
        }
        jw_array_end(w);
    }
    jw_object_end(w);
}

static void api__answer(struct server *s, const struct request_cmds *rc,
                        const struct api__outcome *o, struct server_response *out) {
    struct jw w;
    jw_init(&w, &out->body);
    if (rc->batch && rc->reply_errors) {
        api__compact(&s->chain.engine, o, rc->count, &w);
        out->status = 200;
        return;
    }
    if (!rc->batch) {
        api__result(s, o, 0, &w);
        out->status = o->dry ? err_http_status(o->results[0])
                             : api__status(o->results[0], &o->ars[0]);
        return;
    }
    jw_object_begin(&w);
    jw_kv_bool(&w, "ok", 1);
    if (o->dry) jw_kv_bool(&w, "dry_run", 1);
    else jw_kv_uint(&w, "block", o->block);
    jw_key(&w, "results");
    jw_array_begin(&w);
    for (uint32_t i = 0; i < rc->count; i++) api__result(s, o, i, &w);
    jw_array_end(&w);
    jw_object_end(&w);
    out->status = 200;
}

static void api__dry_run(struct server *s, const struct server_request *rq,
                         const struct request_cmds *rc, struct server_response *out) {
    struct event_buf events = {0};
    enum err *results = calloc(rc->count, sizeof(*results));
    struct apply_result *ars = calloc(rc->count, sizeof(*ars));
    uint32_t *ends = calloc(rc->count, sizeof(*ends));
    enum err err = (results && ars && ends) ? chain_events_reserve(&events, rc->count) : ERR_INTERNAL;
    if (!err) {
        struct engine *e = &s->chain.engine;
        pthread_rwlock_wrlock(&s->chain.lock);
        err = chain_signer_current(e, (uint32_t)rq->operator_index, rq->pubkey);
        uint64_t extra = 0;
        for (uint32_t i = 0; !err && i < rc->count; i++) extra += engine_command_room(e, &rc->cmds[i]);
        if (!err) err = engine_reserve_room(e, rc->count, extra);
        if (!err) err = engine_savepoint(e);
        if (!err) {
            engine_block_begin(e, s->chain.clock_manual ? 0 : chain_now_ns());
            chain_apply_request(e, rc->cmds, rc->count, rc->atomic, 1, &events, results, ars, ends);
            struct api__outcome o = {rc->cmds, results, ars,  ends, events.items, e->s.height + 1,
                                     1,        rq->headers.operator_name};
            api__answer(s, rc, &o, out);
            engine_rollback(e);
        }
        pthread_rwlock_unlock(&s->chain.lock);
    }
    if (err) server_error(out, err, NULL);
    free(results);
    free(ars);
    free(ends);
    chain_events_free(&events);
}

static void api__count(struct server *s, const struct request_cmds *rc, const enum err *results) {
    for (uint32_t i = 0; i < rc->count; i++) {
        __atomic_fetch_add(&s->commands_total[rc->cmds[i].op][results[i]], 1, __ATOMIC_RELAXED);
    }
}

/* Queue the request and wait for its block; or, from a sequencer hook
 * (seq_inline: the alert loop's actions on a manual clock), apply its
 * block at once on the calling thread. */
static void api__submit(struct server *s, struct sequencer *seq_inline,
                        const struct server_request *rq, const struct request_cmds *rc,
                        struct server_response *out) {
    struct buf bin;
    buf_init(&bin);
    for (uint32_t i = 0; i < rc->count; i++) command_encode(&rc->cmds[i], &bin);
    if (!buf_ok(&bin)) {
        server_error(out, ERR_INTERNAL, NULL);
        return;
    }
    struct seq_item item;
    memset(&item, 0, sizeof(item));
    item.cmds = rc->cmds;
    item.count = rc->count;
    item.atomic = rc->atomic;
    item.operator_index = (uint32_t)rq->operator_index;
    memcpy(item.pubkey, rq->pubkey, sizeof(item.pubkey));
    item.journal.operator_name = rq->headers.operator_name;
    item.journal.time_ms = rq->time_ms;
    item.journal.nonce = rq->headers.nonce;
    item.journal.signature = rq->headers.signature;
    item.journal.method = rq->method;
    item.journal.path = rq->raw_uri;
    item.journal.body = rq->body;
    item.journal.body_len = rq->body_len;
    item.journal.body_hash = rq->body_hash;
    item.journal.commands = bin.data;
    item.journal.commands_len = bin.len;
    if (seq_inline != NULL) sequencer_apply_inline(seq_inline, &item, 1);
    else sequencer_submit(s->seq, &item);
    if (item.fatal == ERR_NOT_LEADER) {
        ha_not_leader(s, out); /* stepped down while it waited: not applied */
    } else if (item.fatal) {
        server_error(out, item.fatal, NULL);
    } else {
        api__count(s, rc, item.results);
        struct api__outcome o = {rc->cmds,   item.results, item.ars, item.event_ends, item.events,
                                 item.block, 0,            rq->headers.operator_name};
        api__answer(s, rc, &o, out);
    }
    seq_item_free(&item);
    buf_free(&bin);
}

/* Refuse the whole request when an op needs a manual clock we lack. */
static enum err api__admissible(const struct server *s, const struct request_cmds *rc) {
    for (uint32_t i = 0; i < rc->count; i++) {
        const struct op_def *def = &op_table()[rc->cmds[i].op];
        if ((def->flags & OP_NEEDS_MANUAL_CLOCK) && !s->chain.clock_manual) return ERR_CLOCK_NOT_MANUAL;
    }
    return ERR_OK;
}

static void api__commands(struct server *s, struct sequencer *seq_inline,
                          const struct server_request *rq, struct server_response *out) {
    struct request_cmds rc;
    char why[160];
    pthread_rwlock_rdlock(&s->chain.lock);
    enum err err = request_parse(&s->chain.engine, rq->body, rq->body_len,
                                 (uint32_t)rq->operator_index, &rc, why, sizeof(why));
    pthread_rwlock_unlock(&s->chain.lock);
    if (!err) err = api__admissible(s, &rc);
    if (err) {
        __atomic_fetch_add(&s->refused_total[err], 1, __ATOMIC_RELAXED);
        server_error(out, err, why);
        request_cmds_free(&rc);
        return;
    }
    if (rc.dry_run) {
        api__dry_run(s, rq, &rc, out); /* a follower answers at its height */
    } else if (__atomic_load_n(&s->chain.follower, __ATOMIC_SEQ_CST)) {
        __atomic_fetch_add(&s->refused_total[ERR_NOT_LEADER], 1, __ATOMIC_RELAXED);
        ha_not_leader(s, out);
    } else {
        api__submit(s, seq_inline, rq, &rc, out);
    }
    request_cmds_free(&rc);
}

void api_commands(struct server *s, const struct server_request *rq, struct server_response *out) {
    api__commands(s, NULL, rq, out);
}

void api_commands_inline(struct server *s, struct sequencer *seq, const struct server_request *rq,
                         struct server_response *out) {
    ASSERT(seq != NULL);
    api__commands(s, seq, rq, out);
}

/* ---- a retry, answered from the journal ---------------------------------- */

/* Between two looks into the journal for a retry's original. */
#define API__RETRY_PAUSE_MS 20L

/* The journaled original of a retried request, copied out of the store's
 * scan (so that no chain lock is taken inside a store callback). */
struct api__original {
    uint64_t height;
    uint64_t first_seq;
    uint32_t count;
    uint32_t flags;
    struct buf results;  /* u16 LE per command */
    struct buf commands; /* command_encode records */
    struct buf events;   /* the block's events (event_encode records) */
};

struct api__retry {
    const struct server_request *rq;
    int64_t time_ms;
    int found;   /* a journaled request of this operator with this nonce */
    int same;    /* and it is this very request: orig is filled */
    enum err err;
    struct api__original orig;
};

static int api__retry_names(const struct api__retry *x, const struct store_request *r) {
    return r->operator_name != NULL && r->nonce != NULL &&
           strcmp(r->operator_name, x->rq->headers.operator_name) == 0 &&
           strcmp(r->nonce, x->rq->headers.nonce) == 0;
}

/* Everything that was signed, and the signature: the same request. */
static int api__retry_same(const struct api__retry *x, const struct store_request *r) {
    const struct server_request *rq = x->rq;
    if (r->time_ms != x->time_ms || r->body_len != rq->body_len) return 0;
    if (r->signature == NULL || strcmp(r->signature, rq->headers.signature) != 0) return 0;
    if (r->method == NULL || strcmp(r->method, rq->method) != 0) return 0;
    if (r->path == NULL || strcmp(r->path, rq->raw_uri) != 0) return 0;
    return rq->body_len == 0 || (r->body != NULL && memcmp(r->body, rq->body, rq->body_len) == 0);
}

static int api__retry_find(void *ctx, const struct store_request *r, uint64_t height,
                           int64_t block_time_ns) {
    (void)block_time_ns;
    struct api__retry *x = ctx;
    if (!api__retry_names(x, r)) return 0;
    x->found = 1;
    x->orig.height = height;
    return 1;
}

/* The original's block (the first the scan gives): copy the request out. */
static int api__retry_block(void *ctx, const struct store_block *b,
                            const struct store_request *reqs, uint32_t n) {
    struct api__retry *x = ctx;
    for (uint32_t i = 0; i < n; i++) {
        const struct store_request *r = &reqs[i];
        if (!api__retry_names(x, r)) continue;
        if (!api__retry_same(x, r)) return 1;
        struct api__original *o = &x->orig;
        o->height = b->height;
        o->first_seq = r->first_seq;
        o->count = r->commands_count;
        o->flags = r->flags;
        buf_put(&o->results, r->results, r->results ? r->results_len : 0);
        buf_put(&o->commands, r->commands, r->commands ? r->commands_len : 0);
        buf_put(&o->events, b->events, b->events ? b->events_len : 0);
        if (!buf_ok(&o->results) || !buf_ok(&o->commands) || !buf_ok(&o->events)) {
            x->err = ERR_INTERNAL;
        }
        x->same = 1;
        return 1;
    }
    return 1;
}

/* The original's events, those its commands emitted, in order, and where
 * each command's end (event_ends). *events malloc'd (caller frees). */
static enum err api__replay_events(const struct api__original *o, struct event **events,
                                   uint32_t *ends) {
    struct buf_reader rd;
    struct event ev;
    uint32_t kept = 0;
    buf_reader_init(&rd, o->events.data, o->events.len);
    while (rd.pos < rd.len && event_decode(&rd, &ev) == 0) {
        kept += ev.command_seq >= o->first_seq && ev.command_seq - o->first_seq < o->count;
    }
    *events = calloc(kept ? kept : 1, sizeof(**events));
    if (*events == NULL) return ERR_INTERNAL;
    memset(ends, 0, o->count * sizeof(*ends));
    uint32_t k = 0;
    buf_reader_init(&rd, o->events.data, o->events.len);
    while (k < kept && rd.pos < rd.len && event_decode(&rd, &ev) == 0) {
        if (ev.command_seq < o->first_seq || ev.command_seq - o->first_seq >= o->count) continue;
        uint32_t i = (uint32_t)(ev.command_seq - o->first_seq);
        (*events)[k++] = ev;
        ends[i] = k;
    }
    for (uint32_t i = 1; i < o->count; i++) {
        if (ends[i] < ends[i - 1]) ends[i] = ends[i - 1]; /* a command without events */
    }
    return ERR_OK;
}

/* The original answer again, from the journal: the same writer
 * (api__answer) over the journaled results, the block's events and what
 * history_outcomes reads from them. */
static enum err api__replay(struct server *s, const struct server_request *rq,
                            const struct request_shape *shape, const struct api__original *o,
                            struct server_response *out) {
    uint32_t n = o->count;
    if (n == 0 || n > LIMIT_BATCH_COMMANDS || o->results.len != 2 * (size_t)n) return ERR_INTERNAL;
    struct command *cmds = calloc(n, sizeof(*cmds));
    enum err *results = calloc(n, sizeof(*results));
    struct apply_result *ars = calloc(n, sizeof(*ars));
    uint32_t *ends = calloc(n, sizeof(*ends));
    struct event *events = NULL;
    enum err err = cmds && results && ars && ends ? api__replay_events(o, &events, ends)
                                                  : ERR_INTERNAL;
    struct store_request r;
    memset(&r, 0, sizeof(r));
    r.first_seq = o->first_seq;
    r.commands_count = n;
    r.commands = o->commands.data;
    r.commands_len = o->commands.len;
    r.block_events = o->events.data;
    r.block_events_len = o->events.len;
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    struct buf_reader rd;
    buf_reader_init(&rd, o->commands.data, o->commands.len);
    for (uint32_t i = 0; !err && i < n; i++) {
        const uint8_t *le = o->results.data + 2 * i;
        unsigned code = (unsigned)le[0] | ((unsigned)le[1] << 8);
        if (code >= ERR__COUNT || command_decode_bin(e, &rd, &cmds[i]) != 0) err = ERR_INTERNAL;
        results[i] = (enum err)code;
    }
    if (!err) err = history_outcomes(e, &r, ars);
    if (!err) {
        struct request_cmds rc = {cmds, n, shape->batch, (o->flags & STORE_REQUEST_ATOMIC) != 0, 0,
                                  shape->reply_errors};
        struct api__outcome oc = {cmds, results, ars, ends, events, o->height, 0,
                                  rq->headers.operator_name};
        api__answer(s, &rc, &oc, out);
    }
    pthread_rwlock_unlock(&s->chain.lock);
    free(cmds);
    free(results);
    free(ars);
    free(ends);
    free(events);
    return err;
}

static enum err api__retry_scan_fn(void *ctx, uint32_t index, const struct command_arg *args,
                                   uint32_t count, char *why, size_t why_size) {
    (void)ctx, (void)index, (void)args, (void)count, (void)why, (void)why_size;
    return ERR_OK;
}

static void api__sleep_ms(long ms) {
    ASSERT(ms > 0 && ms < 1000);
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* Look for the original in the journal; when it is not there yet, wait
 * for what was queued before to commit and look again, until
 * LIMIT_RETRY_WAIT_MS has passed. */
static enum err api__retry_lookup(struct server *s, struct api__retry *x) {
    struct store *st = s->chain.store;
    int64_t deadline_ns = chain_now_ns() + (int64_t)LIMIT_RETRY_WAIT_MS * 1000000;
    for (int looked = 0;; looked++) {
        enum err err = st->ops->scan_requests_since(st, x->time_ms, api__retry_find, x);
        if (err || x->found || chain_now_ns() >= deadline_ns) return err;
        /* The original may still be on its way to the queue (or was
         * refused before it): from the second look on, a pause between
         * looks, so that a refused nonce costs a bounded number of scans. */
        if (looked > 0) api__sleep_ms(API__RETRY_PAUSE_MS);
        if (s->seq != NULL) (void)sequencer_wait_queued(s->seq, deadline_ns);
    }
}

int api_commands_retry(struct server *s, const struct server_request *rq,
                       struct server_response *out) {
    struct request_shape shape;
    char why[160];
    if (strcmp(rq->method, "POST") != 0 || strcmp(rq->path, "/api/commands") != 0) return 0;
    if (request_scan(rq->body, rq->body_len, api__retry_scan_fn, NULL, &shape, why, sizeof(why)) ||
        shape.dry_run) {
        return 0; /* never journaled: a reused nonce */
    }
    if (__atomic_load_n(&s->chain.follower, __ATOMIC_SEQ_CST)) {
        __atomic_fetch_add(&s->refused_total[ERR_NOT_LEADER], 1, __ATOMIC_RELAXED);
        ha_not_leader(s, out); /* the leader answers it from the journal */
        return 1;
    }
    struct api__retry x;
    memset(&x, 0, sizeof(x));
    x.rq = rq;
    x.time_ms = strtoll(rq->headers.time, NULL, 10); /* auth_check read it: digits */
    buf_init(&x.orig.results);
    buf_init(&x.orig.commands);
    buf_init(&x.orig.events);
    enum err err = api__retry_lookup(s, &x);
    if (!err && x.found) {
        struct store *st = s->chain.store;
        err = st->ops->scan_blocks(st, x.orig.height, 1, api__retry_block, &x);
    }
    if (!err) err = x.err;
    if (!err && x.same) err = api__replay(s, rq, &shape, &x.orig, out);
    buf_free(&x.orig.results);
    buf_free(&x.orig.commands);
    buf_free(&x.orig.events);
    if (err) {
        buf_free(&out->body);
        buf_init(&out->body);
        server_error(out, err, NULL);
        return 1;
    }
    if (!x.same) return 0;
    auth_nonce_replayed(s->auth);
    out->replayed = 1;
    return 1;
}
