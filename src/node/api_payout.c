/*
 * api_payout.c - payout reads (SPEC 7 /api/payouts; docs/API.md):
 *
 *   GET /api/payouts                  every payout and snapshot (at most
 *                                     LIMIT_PAYOUTS and LIMIT_PAYOUT_SNAPSHOTS:
 *                                     one page)
 *   GET /api/payouts/ID               one payout with a page of its legs
 *                                     (?offset=N&limit=M, sorted by address)
 *   GET /api/payouts/snapshots/ID     one snapshot with a page of its holders
 *
 * Legs are recomputed from the snapshot (payout_plan_build), exactly as a
 * distribution pays them; that sorts the snapshot's holders, O(n log n), so
 * a page of a 100,000-holder payout costs tens of milliseconds under the
 * read lock. Pages hold at most LIMIT_READ_ROWS rows; "next_offset" is
 * where the next page starts, null after the last.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/duration.h"
#include "../engine/compliance.h"
#include "server.h"

#define API_PAYOUT_PAGE_DEFAULT 100u

static void api_payout__time(struct jw *w, const char *key, int64_t ns, int present) {
    jw_key(w, key);
    if (!present) {
        jw_null(w);
        return;
    }
    char t[40];
    time_format_iso(ns, t);
    jw_string(w, t);
}

static void api_payout__addr(struct jw *w, const char *key, const struct addr *a) {
    char text[ADDR_TEXT_SIZE];
    addr_format(a, text);
    jw_kv_string(w, key, text);
}

/* The fields of snapshot `id` (inside an object the caller opened). */
static void api_payout__snapshot_fields(const struct engine *e, uint64_t id, struct jw *w) {
    const struct payout_snapshot *n = &e->s.payout_snapshots[id - 1];
    const struct asset *a = &e->s.assets[n->asset];
    jw_kv_uint(w, "id", id);
    jw_kv_string(w, "asset", a->symbol);
    jw_kv_uint(w, "block", n->block);
    jw_kv_uint(w, "seq", n->seq);
    api_payout__time(w, "time", n->time_ns, 1);
    jw_kv_uint(w, "holders", n->holders);
    jw_kv_amount(w, "total", n->total, a->decimals);
}

/* The fields of payout `id` (inside an object the caller opened). */
static void api_payout__fields(const struct engine *e, uint64_t id, struct jw *w) {
    const struct payout *p = &e->s.payouts[id - 1];
    const struct asset *pay = &e->s.assets[p->pay];
    const struct payout_snapshot *n = &e->s.payout_snapshots[p->snapshot - 1];
    jw_kv_uint(w, "id", id);
    jw_kv_string(w, "status", p->distributed ? "distributed" : "open");
    jw_kv_uint(w, "snapshot", p->snapshot);
    jw_kv_string(w, "asset", e->s.assets[n->asset].symbol);
    jw_kv_string(w, "pay", pay->symbol);
    api_payout__addr(w, "from", &p->from);
    jw_kv_string(w, "mode", p->mode == PAYOUT_PRO_RATA ? "pro-rata" : "full");
    jw_kv_amount(w, "total", p->total, pay->decimals);
    jw_kv_uint(w, "recipients", p->recipients);
    jw_kv_uint(w, "created_block", p->created_block);
    api_payout__time(w, "created_at", p->created_ns, 1);
    jw_key(w, "distributed_block");
    if (p->distributed) jw_uint(w, p->distributed_block);
    else jw_null(w);
    api_payout__time(w, "distributed_at", p->distributed_ns, p->distributed);
    jw_key(w, "paid");
    if (p->distributed) jw_amount(w, p->paid, pay->decimals);
    else jw_null(w);
    jw_key(w, "legs_paid");
    if (p->distributed) jw_uint(w, p->legs);
    else jw_null(w);
}

void api_payouts_status(const struct engine *e, struct jw *w) {
    jw_key(w, "payouts");
    jw_object_begin(w);
    jw_kv_uint(w, "pending", payout_open_count(e));
    jw_kv_uint(w, "payouts", e->s.payouts_count);
    jw_kv_uint(w, "snapshots", e->s.payout_snapshots_count);
    jw_object_end(w);
}

void api_payouts(struct server *s, const struct server_request *rq, struct server_response *out) {
    (void)rq;
    struct jw w;
    jw_init(&w, &out->body);
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    jw_object_begin(&w);
    jw_kv_uint(&w, "pending", payout_open_count(e));
    jw_key(&w, "payouts");
    jw_array_begin(&w);
    for (uint64_t id = 1; id <= e->s.payouts_count; id++) {
        jw_object_begin(&w);
        api_payout__fields(e, id, &w);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_key(&w, "snapshots");
    jw_array_begin(&w);
    for (uint64_t id = 1; id <= e->s.payout_snapshots_count; id++) {
        jw_object_begin(&w);
        api_payout__snapshot_fields(e, id, &w);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    pthread_rwlock_unlock(&s->chain.lock);
    out->status = 200;
}

/* An id in a path segment: 1..max, digits only; 0 when not one. */
static uint64_t api_payout__id(const char *text, uint64_t max) {
    uint64_t v = server_path_id(text);
    return v <= max ? v : 0;
}

/* ?offset=N (default 0) and ?limit=M (1..LIMIT_READ_ROWS, default 100);
 * -1 with the error answered when malformed. */
static int api_payout__page(const char *query, uint32_t *offset, uint32_t *limit,
                            struct server_response *out) {
    char text[16];
    *offset = 0;
    *limit = API_PAYOUT_PAGE_DEFAULT;
    static const char *const keys[] = {"offset", "limit"};
    for (unsigned k = 0; k < 2; k++) {
        int present = server_query(query, keys[k], text, sizeof(text));
        if (present == 0) continue;
        char *end = NULL;
        long v = present > 0 ? strtol(text, &end, 10) : -1;
        long max = k == 0 ? (long)LIMIT_HOLDINGS : (long)LIMIT_READ_ROWS;
        if (present < 0 || end == text || *end != '\0' || v < (long)k || v > max) {
            server_error(out, ERR_INVALID_ARGUMENT, k == 0 ? "offset: 0 or more" : "limit: 1..1000");
            return -1;
        }
        if (k == 0) *offset = (uint32_t)v;
        else *limit = (uint32_t)v;
    }
    return 0;
}

static void api_payout__next(struct jw *w, uint32_t offset, uint32_t limit, uint32_t n) {
    jw_kv_uint(w, "offset", offset);
    jw_key(w, "next_offset");
    if ((uint64_t)offset + limit < n) jw_uint(w, (uint64_t)offset + limit);
    else jw_null(w);
}

/* "preflight": for an open payout, what a distribution would answer now
 * ({"ok": true} or {"ok": false, "error": {code, message}}); null once
 * distributed. */
static void api_payout__preflight(const struct engine *e, uint64_t id, struct jw *w) {
    jw_key(w, "preflight");
    if (e->s.payouts[id - 1].distributed) {
        jw_null(w);
        return;
    }
    struct apply_result ar;
    enum err err = payout_preflight(e, id, &ar);
    jw_object_begin(w);
    jw_kv_bool(w, "ok", err == ERR_OK);
    if (err) {
        char message[256 + APPLY_DETAIL_SIZE];
        snprintf(message, sizeof(message), "%s%s%s", err_message(err), ar.detail[0] ? ": " : "", ar.detail);
        jw_key(w, "error");
        jw_object_begin(w);
        jw_kv_string(w, "code", err_name(err));
        jw_kv_string(w, "message", message);
        jw_object_end(w);
    }
    jw_object_end(w);
}

/* The plan's summary and a page of legs. Open payouts also say what a
 * distribution would find now: funding and missing tax forms. */
static void api_payout__legs(const struct engine *e, uint64_t id, const struct payout_plan *plan,
                             uint32_t offset, uint32_t limit, struct jw *w) {
    const struct payout *p = &e->s.payouts[id - 1];
    unsigned pay_dec = e->s.assets[p->pay].decimals;
    unsigned snap_dec = e->s.assets[e->s.payout_snapshots[p->snapshot - 1].asset].decimals;
    int64_t day = e->s.time_ns / NS_PER_DAY;
    jw_kv_amount(w, "amount", plan->amount, pay_dec);
    jw_kv_amount(w, "distributor_snapshot_balance", plan->distributor_weight, snap_dec);
    if (!p->distributed) {
        uint32_t missing = 0;
        for (uint32_t i = 0; i < plan->n; i++) {
            missing += plan->leg[i] != 0 && !claim_valid(e, &plan->to[i], CLAIM_TAX_FORM, day);
        }
        jw_kv_amount(w, "available", plan->available, pay_dec);
        jw_kv_bool(w, "funded", p->mode == PAYOUT_PRO_RATA ? plan->available != 0 : plan->available >= p->total);
        jw_kv_uint(w, "tax_forms_missing", missing);
    }
    jw_kv_uint(w, "legs_total", plan->n);
    api_payout__next(w, offset, limit, plan->n);
    jw_key(w, "legs");
    jw_array_begin(w);
    for (uint64_t i = offset; i < plan->n && i < (uint64_t)offset + limit; i++) {
        jw_object_begin(w);
        api_payout__addr(w, "address", &plan->to[i]);
        jw_kv_amount(w, "snapshot_balance", plan->weight[i], snap_dec);
        jw_kv_amount(w, "amount", plan->leg[i], pay_dec);
        if (!p->distributed) jw_kv_bool(w, "tax_form", claim_valid(e, &plan->to[i], CLAIM_TAX_FORM, day));
        jw_object_end(w);
    }
    jw_array_end(w);
}

void api_payout(struct server *s, const struct server_request *rq, const char *id_text,
                struct server_response *out) {
    uint32_t offset, limit;
    if (api_payout__page(rq->query, &offset, &limit, out) != 0) return;
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    uint64_t id = api_payout__id(id_text, e->s.payouts_count);
    struct payout_plan plan;
    enum err err = id == 0 ? ERR_NOT_FOUND : payout_plan_build(e, id, &plan);
    if (!err) {
        struct jw w;
        jw_init(&w, &out->body);
        jw_object_begin(&w);
        api_payout__fields(e, id, &w);
        jw_key(&w, "snapshot_info");
        jw_object_begin(&w);
        api_payout__snapshot_fields(e, e->s.payouts[id - 1].snapshot, &w);
        jw_object_end(&w);
        api_payout__preflight(e, id, &w);
        api_payout__legs(e, id, &plan, offset, limit, &w);
        jw_object_end(&w);
        payout_plan_free(&plan);
        out->status = 200;
    }
    pthread_rwlock_unlock(&s->chain.lock);
    if (err) server_error(out, err, err == ERR_NOT_FOUND ? "no such payout" : NULL);
}

void api_payout_snapshot(struct server *s, const struct server_request *rq, const char *id_text,
                         struct server_response *out) {
    uint32_t offset, limit;
    if (api_payout__page(rq->query, &offset, &limit, out) != 0) return;
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    uint64_t id = api_payout__id(id_text, e->s.payout_snapshots_count);
    struct addr *addrs = NULL;
    u128 *balances = NULL;
    uint32_t n = 0;
    enum err err = id == 0 ? ERR_NOT_FOUND : payout_snapshot_holders(e, id, &addrs, &balances, &n);
    if (!err) {
        unsigned dec = e->s.assets[e->s.payout_snapshots[id - 1].asset].decimals;
        struct jw w;
        jw_init(&w, &out->body);
        jw_object_begin(&w);
        api_payout__snapshot_fields(e, id, &w);
        api_payout__next(&w, offset, limit, n);
        jw_key(&w, "balances");
        jw_array_begin(&w);
        for (uint64_t i = offset; i < n && i < (uint64_t)offset + limit; i++) {
            jw_object_begin(&w);
            api_payout__addr(&w, "address", &addrs[i]);
            jw_kv_amount(&w, "balance", balances[i], dec);
            jw_object_end(&w);
        }
        jw_array_end(&w);
        jw_object_end(&w);
        out->status = 200;
    }
    pthread_rwlock_unlock(&s->chain.lock);
    free(addrs);
    free(balances);
    if (err) server_error(out, err, err == ERR_NOT_FOUND ? "no such snapshot" : NULL);
}
