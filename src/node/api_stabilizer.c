/*
 * api_stabilizer.c - the stabilizers' reads (SPEC 7 /api/stabilizers,
 * `mintline stabilizer show`) and their metrics.
 *
 *   GET /api/stabilizers[?asset=SYM]  every stabilizer (or one asset's):
 *     parameters, the newest price, the TWAP, the deviation, the run of
 *     observations beyond the threshold, orders so far, and the reserve
 *     sizing rule of seed 001 (reserve >= P x T x 3) when ?peak_outflow=A
 *     (P: the peak outflow per minute, in the asset's units) is given.
 *
 * Figures are derived from the state by stabilizer_view (the engine
 * keeps only parameters and observations), so they are exact integers
 * printed in their fixed-point forms (metrics.c prints the deviation as
 * ppm / 1e6, a display ratio never used in arithmetic).
 */
#include <stdio.h>
#include <string.h>

#include "../engine/stabilizer.h"
#include "server.h"

static void api_stab__side(struct jw *w, const char *key, int side) {
    jw_kv_string(w, key, side > 0 ? "above" : side < 0 ? "below" : "within");
}

/* One stabilizer as an object. rule: the sizing rule's figures, or NULL. */
static void api_stab__one(const struct engine *e, uint32_t i, const struct stabilizer_reserve_rule *rule,
                          struct jw *w) {
    const struct stabilizer *st = &e->s.stab.items[i];
    const struct asset *a = &e->s.assets[st->asset];
    struct stabilizer_view v;
    stabilizer_view(e, i, &v);
    char text[ADDR_TEXT_SIZE];
    jw_object_begin(w);
    jw_kv_string(w, "asset", a->symbol);
    jw_kv_string(w, "feed", e->s.feeds[st->feed].name);
    jw_kv_amount(w, "target", st->target, FEED_DECIMALS);
    jw_kv_uint(w, "window_blocks", st->window_blocks);
    jw_kv_uint(w, "sustain_blocks", st->sustain_blocks);
    jw_kv_uint(w, "threshold_ppm", st->threshold_ppm);
    jw_kv_amount(w, "k", st->k, a->decimals);
    jw_kv_amount(w, "max_per_block", st->max_per_block, a->decimals);
    addr_format(&st->reserve, text);
    jw_kv_string(w, "reserve_account", text);
    jw_kv_amount(w, "reserve_balance", v.reserve_balance, a->decimals);
    jw_kv_uint(w, "observations", st->obs_count);
    jw_key(w, "price");
    if (st->obs_count == 0) jw_null(w);
    else jw_amount(w, v.price, FEED_DECIMALS);
    jw_key(w, "twap");
    if (st->obs_count == 0) jw_null(w);
    else jw_amount(w, v.twap, FEED_DECIMALS);
    jw_kv_uint(w, "deviation_ppm", v.deviation_ppm);
    api_stab__side(w, "twap_side", v.twap_side);
    api_stab__side(w, "run_side", v.side);
    jw_kv_uint(w, "consecutive", v.consecutive);
    jw_kv_uint(w, "window_min", stabilizer_window_min(v.window_ns));
    jw_kv_uint(w, "orders", st->orders_count);
    jw_kv_amount(w, "bought_total", st->bought_total, a->decimals);
    jw_kv_amount(w, "sold_total", st->sold_total, a->decimals);
    jw_key(w, "reserve_rule");
    if (rule == NULL) {
        jw_null(w);
    } else {
        jw_object_begin(w);
        jw_kv_amount(w, "peak_outflow_per_min", rule->peak_outflow_per_min, a->decimals);
        jw_kv_uint(w, "window_min", rule->window_min);
        jw_kv_uint(w, "factor", rule->factor);
        jw_kv_amount(w, "required", rule->required, a->decimals);
        jw_kv_amount(w, "actual", rule->actual, a->decimals);
        jw_kv_bool(w, "ok", rule->ok);
        jw_object_end(w);
    }
    jw_object_end(w);
}

void api_stabilizers(struct server *s, const struct server_request *rq, struct server_response *out) {
    char sym[LIMIT_SYMBOL + 2] = "";
    char peak[LIMIT_AMOUNT_TEXT + 2] = "";
    int has_sym = server_query(rq->query, "asset", sym, sizeof(sym));
    int has_peak = server_query(rq->query, "peak_outflow", peak, sizeof(peak));
    if (has_sym < 0 || has_peak < 0) {
        server_error(out, ERR_INVALID_ARGUMENT, has_sym < 0 ? "asset" : "peak_outflow");
        return;
    }
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    int only = -1;
    if (has_sym) {
        only = engine_asset_find(e, sym, strlen(sym));
        if (only < 0) {
            pthread_rwlock_unlock(&s->chain.lock);
            server_error(out, ERR_UNKNOWN_ASSET, sym);
            return;
        }
        if (stabilizer_find(e, (uint32_t)only) < 0) {
            pthread_rwlock_unlock(&s->chain.lock);
            char why[80];
            snprintf(why, sizeof(why), "%s has no stabilizer", sym);
            server_error(out, ERR_NOT_FOUND, why);
            return;
        }
    }
    struct jw w;
    jw_init(&w, &out->body);
    jw_object_begin(&w);
    jw_key(&w, "stabilizers");
    jw_array_begin(&w);
    enum err bad = ERR_OK;
    for (uint32_t i = 0; i < e->s.stab.count && !bad; i++) {
        const struct stabilizer *st = &e->s.stab.items[i];
        if (only >= 0 && st->asset != (uint32_t)only) continue;
        struct stabilizer_reserve_rule rule;
        const struct stabilizer_reserve_rule *r = NULL;
        if (has_peak) {
            u128 p = 0;
            struct stabilizer_view v;
            stabilizer_view(e, i, &v);
            bad = amount_parse(peak, strlen(peak), e->s.assets[st->asset].decimals, &p);
            if (!bad) bad = stabilizer_reserve_rule(p, stabilizer_window_min(v.window_ns), v.reserve_balance, &rule);
            r = bad ? NULL : &rule;
        }
        if (!bad) api_stab__one(e, i, r, &w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
    pthread_rwlock_unlock(&s->chain.lock);
    if (bad) {
        buf_free(&out->body);
        buf_init(&out->body);
        server_error(out, bad == ERR_OVERFLOW ? ERR_OVERFLOW : ERR_INVALID_AMOUNT, peak);
        return;
    }
    out->status = 200;
}
