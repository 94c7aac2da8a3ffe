/*
 * api_bridge.c - the bridge's reads (SPEC 7; docs/operators/bridge.md):
 *
 *   GET /api/bridge/routes           every route with its figures: 24h
 *                                    success rate, settlement p50/p95,
 *                                    escrow, peak hourly outflow and the
 *                                    buffer rule (required/actual/ok)
 *   GET /api/bridge/transfers        the transfers the state keeps, newest
 *                                    first (?status=initiated|...,
 *                                    ?chain=C)
 *   GET /api/bridge/transfers/ID     one transfer
 *
 * The figures are bridge_route_figures' integers at server_now; /metrics
 * prints the same ones (metrics.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/hex.h"
#include "../engine/bridge.h"
#include "server.h"

static void api_bridge__addr(struct jw *w, const char *key, const struct addr *a) {
    char text[ADDR_TEXT_SIZE];
    addr_format(a, text);
    jw_kv_string(w, key, text);
}

static void api_bridge__seconds(struct jw *w, const char *key, int64_t ns) {
    jw_key(w, key);
    jw_double(w, (double)ns / 1e9);
}

static void api_bridge__route(const struct engine *e, uint32_t i, int64_t now_ns, struct jw *w) {
    const struct bridge_route *r = &e->s.bridge.routes[i];
    const struct asset *a = &e->s.assets[r->asset];
    struct bridge_figures f;
    bridge_route_figures(e, i, now_ns, &f);
    char chain[24];
    snprintf(chain, sizeof(chain), "%llu", (unsigned long long)r->chain);
    jw_object_begin(w);
    jw_kv_string(w, "chain", chain);
    jw_kv_string(w, "asset", a->symbol);
    jw_kv_bool(w, "enabled", r->enabled);
    jw_kv_amount(w, "min", r->min, a->decimals);
    jw_kv_amount(w, "max", r->max, a->decimals);
    api_bridge__seconds(w, "timeout_s", r->timeout_ns);
    api_bridge__seconds(w, "latency_s", r->latency_ns);
    jw_kv_amount(w, "safety_factor", r->safety_e8, FEED_DECIMALS);
    api_bridge__addr(w, "buffer_account", &r->buffer);
    jw_kv_uint(w, "sent", r->sent_count);
    jw_kv_uint(w, "settled", r->settled_count);
    jw_kv_uint(w, "refunded", r->refunded_count);
    jw_kv_uint(w, "received", r->received_count);
    jw_kv_amount(w, "sent_total", r->sent_total, a->decimals);
    jw_kv_amount(w, "received_total", r->received_total, a->decimals);
    jw_kv_amount(w, "escrow", f.escrow, a->decimals);
    jw_kv_uint(w, "settled_24h", f.settled_24h);
    jw_kv_uint(w, "refunded_24h", f.refunded_24h);
    jw_key(w, "success_rate_24h");
    jw_double(w, (double)f.success_ppm / 1e6);
    jw_kv_uint(w, "settlement_samples", f.samples);
    api_bridge__seconds(w, "settlement_p50_s", f.p50_ns);
    api_bridge__seconds(w, "settlement_p95_s", f.p95_ns);
    jw_kv_amount(w, "peak_hourly_outflow", f.peak_hourly_outflow, a->decimals);
    jw_key(w, "buffer");
    jw_object_begin(w);
    api_bridge__seconds(w, "latency_s", f.latency_ns);
    jw_kv_amount(w, "required", f.buffer_required, a->decimals);
    jw_kv_amount(w, "actual", f.buffer_actual, a->decimals);
    jw_kv_bool(w, "ok", f.buffer_ok);
    jw_kv_amount(w, "minimum", f.buffer_minimum, a->decimals);
    jw_kv_amount(w, "projected", f.buffer_projected, a->decimals);
    jw_kv_bool(w, "projected_ok", f.buffer_projected >= f.buffer_minimum);
    jw_object_end(w);
    jw_object_end(w);
}

void api_bridge_routes(struct server *s, const struct server_request *rq, struct server_response *out) {
    (void)rq;
    struct jw w;
    jw_init(&w, &out->body);
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    int64_t now = server_now(s);
    jw_object_begin(&w);
    jw_key(&w, "routes");
    jw_array_begin(&w);
    for (uint32_t i = 0; i < e->s.bridge.routes_count; i++) api_bridge__route(e, i, now, &w);
    jw_array_end(&w);
    jw_object_end(&w);
    pthread_rwlock_unlock(&s->chain.lock);
    out->status = 200;
}

static void api_bridge__transfer(const struct engine *e, const struct bridge_transfer *t, struct jw *w) {
    const struct bridge_route *r = &e->s.bridge.routes[t->route];
    const struct asset *a = &e->s.assets[r->asset];
    char chain[24];
    snprintf(chain, sizeof(chain), "%llu", (unsigned long long)r->chain);
    jw_object_begin(w);
    jw_kv_uint(w, "id", t->id);
    jw_kv_string(w, "status", bridge_status_name((enum bridge_status)t->status));
    jw_kv_string(w, "asset", a->symbol);
    jw_kv_string(w, "chain", chain);
    api_bridge__addr(w, "from", &t->from);
    api_bridge__addr(w, "to", &t->to);
    jw_kv_amount(w, "amount", t->amount, a->decimals);
    jw_kv_time(w, "created_at", t->created_ns);
    jw_kv_time(w, "refund_requested_at", t->requested_ns);
    jw_kv_time(w, "finished_at", t->finished_ns);
    jw_key(w, "requested_by");
    if (t->requested_ns == 0) jw_null(w);
    else jw_string(w, e->s.operators[t->requested_by].name);
    jw_key(w, "finished_by");
    if (t->finished_ns == 0) jw_null(w);
    else jw_string(w, e->s.operators[t->finished_by].name);
    jw_key(w, "tx");
    int has_tx = 0;
    for (unsigned k = 0; k < sizeof(t->tx); k++) has_tx |= t->tx[k];
    if (!has_tx) {
        jw_null(w);
    } else {
        char hex[2 + 64 + 1] = "0x";
        hex_encode(t->tx, sizeof(t->tx), hex + 2);
        jw_string(w, hex);
    }
    jw_object_end(w);
}

void api_bridge_transfers(struct server *s, const struct server_request *rq, struct server_response *out) {
    char status[24] = "";
    char chain_text[24] = "";
    int has = server_query(rq->query, "status", status, sizeof(status));
    int has_chain = server_query(rq->query, "chain", chain_text, sizeof(chain_text));
    enum bridge_status want = (enum bridge_status)0;
    if (has < 0 || (has && (want = bridge_status_parse(status, strlen(status))) == 0)) {
        server_error(out, ERR_INVALID_ARGUMENT, "status");
        return;
    }
    /* ?chain=C: a chain id, digits (SPEC 8 `bridge list --chain C`) */
    unsigned long long chain = 0;
    if (has_chain) {
        char *end = NULL;
        chain = strtoull(chain_text, &end, 10);
        if (has_chain < 0 || chain_text[0] < '0' || chain_text[0] > '9' || *end != '\0' || chain == 0) {
            server_error(out, ERR_INVALID_ARGUMENT, "chain (a chain id, digits)");
            return;
        }
    }
    struct jw w;
    jw_init(&w, &out->body);
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    jw_object_begin(&w);
    jw_key(&w, "transfers");
    jw_array_begin(&w);
    uint64_t next = e->s.bridge.next_transfer_id;
    for (uint64_t id = next; id >= 1 && id + LIMIT_BRIDGE_TRANSFERS > next; id--) {
        const struct bridge_transfer *t = bridge_transfer_find(e, id);
        if (t == NULL || (has && t->status != (uint8_t)want)) continue;
        if (has_chain && e->s.bridge.routes[t->route].chain != chain) continue;
        api_bridge__transfer(e, t, &w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    pthread_rwlock_unlock(&s->chain.lock);
    out->status = 200;
}

void api_bridge_transfer(struct server *s, const char *id_text, struct server_response *out) {
    uint64_t id = server_path_id(id_text);
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    const struct bridge_transfer *t = id ? bridge_transfer_find(e, id) : NULL;
    if (t == NULL) {
        pthread_rwlock_unlock(&s->chain.lock);
        char why[80];
        snprintf(why, sizeof(why), "no bridge transfer %.24s kept", id_text);
        server_error(out, ERR_NOT_FOUND, why);
        return;
    }
    struct jw w;
    jw_init(&w, &out->body);
    api_bridge__transfer(e, t, &w);
    pthread_rwlock_unlock(&s->chain.lock);
    out->status = 200;
}

void api_bridge_status(const struct engine *e, int64_t now_ns, struct jw *w) {
    if (e->s.bridge.routes_count == 0) return;
    jw_key(w, "bridge");
    jw_array_begin(w);
    for (uint32_t i = 0; i < e->s.bridge.routes_count; i++) {
        const struct bridge_route *r = &e->s.bridge.routes[i];
        const struct asset *a = &e->s.assets[r->asset];
        struct bridge_figures f;
        bridge_route_figures(e, i, now_ns, &f);
        char chain[24];
        snprintf(chain, sizeof(chain), "%llu", (unsigned long long)r->chain);
        jw_object_begin(w);
        jw_kv_string(w, "chain", chain);
        jw_kv_string(w, "asset", a->symbol);
        jw_kv_bool(w, "enabled", r->enabled);
        jw_kv_amount(w, "escrow", f.escrow, a->decimals);
        jw_key(w, "success_rate_24h");
        jw_double(w, (double)f.success_ppm / 1e6);
        api_bridge__seconds(w, "settlement_p95_s", f.p95_ns);
        jw_kv_bool(w, "buffer_ok", f.buffer_ok);
        jw_object_end(w);
    }
    jw_array_end(w);
}
