/*
 * period_scan.c - a report's figures from the journal (period_scan.h).
 *
 * One pass over the blocks, oldest first, with a private engine: blocks
 * before the period are only replayed; when the first block at or after the
 * period's start comes, the state then is the period's start; each block in
 * the period is replayed and its events counted, and the figures that move
 * (NAV, reserve ratio, the day counters) are sampled after it; chart points
 * take the state as it stands at their time; the first block at or after the
 * period's end stops the scan unapplied. Counters that the engine keeps for
 * the ledger's lifetime (minted, burned, vault and bridge totals) give the
 * period's figures as end minus start.
 *
 * It never touches the live engine or its lock: it reads the store as audit
 * does, so it runs beside the sequencer.
 */
#include "period_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/duration.h"
#include "../base/hex.h"
#include "../engine/incident.h"
#include "../engine/reserve.h"
#include "chain.h"

#define PERIOD_SCAN_PROGRESS_EVERY 4096u

/* What the lifetime counters were at the period's start. */
struct period_scan_start {
    u128 minted[PERIOD_ASSETS_MAX], burned[PERIOD_ASSETS_MAX];
    uint64_t vaults[PERIOD_VAULT_TYPES_MAX], liquidations[PERIOD_VAULT_TYPES_MAX];
    u128 borrowed[PERIOD_VAULT_TYPES_MAX], repaid[PERIOD_VAULT_TYPES_MAX];
    u128 liquidated[PERIOD_VAULT_TYPES_MAX], bad_debt[PERIOD_VAULT_TYPES_MAX];
    uint64_t sent[PERIOD_ROUTES_MAX], settled[PERIOD_ROUTES_MAX], refunded[PERIOD_ROUTES_MAX];
    uint64_t received[PERIOD_ROUTES_MAX];
    u128 sent_volume[PERIOD_ROUTES_MAX], received_volume[PERIOD_ROUTES_MAX];
};

struct period_scan {
    struct engine e;
    struct chain_replay_buf rb;
    const struct period_bounds *b;
    struct period_report *r;
    struct period_scan_start start;
    period_scan_progress_fn progress;
    void *progress_ctx;
    int started;
    int reached_end;
    uint32_t next_point;
    enum err err;
    char why[320];
};

static uint32_t period_scan__min(uint32_t a, uint32_t b) {
    return a < b ? a : b;
}

/* The reserve ratio of asset i at time t: 1 and *ppm when the quorum is met
 * and something is backed. */
static int period_scan__ratio(const struct engine *e, uint32_t i, int64_t t, uint64_t *ppm) {
    u128 verified = 0;
    uint32_t fresh = 0;
    if (!reserve_verified(e, i, t, &verified, &fresh)) return 0;
    u128 backed = reserve_backed_supply(e, i);
    if (backed == 0) return 0;
    *ppm = u128_ratio_ppm(verified, backed);
    return 1;
}

static void period_scan__point(struct period_scan *s, uint32_t k, int64_t t) {
    const struct engine *e = &s->e;
    for (uint32_t i = 0; i < s->r->assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        struct period_point *p = &s->r->assets[i].points[k];
        p->supply = a->supply;
        p->has_nav = a->nav_updated_ns != 0;
        if (p->has_nav) p->nav = a->nav;
        if (a->kind == ASSET_FIAT) p->has_ratio = (uint8_t)period_scan__ratio(e, i, t, &p->ratio_ppm);
    }
}

/* Fill the chart points whose time is at or before t with the state as it
 * stands (every block before t applied). */
static void period_scan__points_until(struct period_scan *s, int64_t t) {
    while (s->next_point < s->b->points) {
        int64_t pt = s->b->start_ns + (int64_t)s->next_point * s->b->step_ns;
        if (pt > t) break;
        period_scan__point(s, s->next_point, pt);
        s->next_point++;
    }
    s->r->points_filled = s->next_point;
}

/* The state at the period's start: what end-minus-start figures subtract. */
static void period_scan__begin(struct period_scan *s) {
    const struct engine *e = &s->e;
    struct period_report *r = s->r;
    struct period_scan_start *st = &s->start;
    r->assets_count = period_scan__min(e->s.assets_count, PERIOD_ASSETS_MAX);
    for (uint32_t i = 0; i < r->assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        struct period_asset *pa = &r->assets[i];
        snprintf(pa->symbol, sizeof(pa->symbol), "%s", a->symbol);
        snprintf(pa->kind, sizeof(pa->kind), "%s", asset_kind_name((enum asset_kind)a->kind));
        pa->decimals = a->decimals;
        pa->is_fiat = a->kind == ASSET_FIAT;
        pa->is_fund = a->kind == ASSET_FUND;
        pa->supply_start = a->supply;
        pa->holders_start = a->holders_count;
        st->minted[i] = a->minted_total;
        st->burned[i] = a->burned_total;
        pa->nav_start_has = a->nav_updated_ns != 0;
        if (pa->nav_start_has) {
            pa->nav_start = pa->nav_low = pa->nav_high = a->nav;
            pa->nav_has = 1;
        }
        pa->mint_peak_day = pa->inflow_peak_day = -1;
    }
    for (uint32_t i = 0; i < period_scan__min(e->s.vlt.types_count, PERIOD_VAULT_TYPES_MAX); i++) {
        const struct vault_type *v = &e->s.vlt.types[i];
        st->vaults[i] = v->vaults_count;
        st->liquidations[i] = v->liquidations_count;
        st->borrowed[i] = v->borrowed_total;
        st->repaid[i] = v->repaid_total;
        st->liquidated[i] = v->liquidated_total;
        st->bad_debt[i] = v->bad_debt_total;
    }
    for (uint32_t i = 0; i < period_scan__min(e->s.bridge.routes_count, PERIOD_ROUTES_MAX); i++) {
        const struct bridge_route *t = &e->s.bridge.routes[i];
        st->sent[i] = t->sent_count;
        st->settled[i] = t->settled_count;
        st->refunded[i] = t->refunded_count;
        st->received[i] = t->received_count;
        st->sent_volume[i] = t->sent_total;
        st->received_volume[i] = t->received_total;
    }
    s->started = 1;
}

/* The operator whose command emitted ev: the request holding its seq. */
static const char *period_scan__by(const struct event *ev, const struct store_request *reqs,
                                   uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        if (ev->command_seq >= reqs[i].first_seq &&
            ev->command_seq < reqs[i].first_seq + reqs[i].commands_count) {
            return reqs[i].operator_name;
        }
    }
    return "";
}

static void period_scan__item(struct period_scan *s, const struct event *ev, int64_t t,
                              const char *by, struct period_item *it) {
    memset(it, 0, sizeof(*it));
    it->time_ns = t;
    it->asset = ev->asset < s->r->assets_count ? (int16_t)ev->asset : -1;
    snprintf(it->by, sizeof(it->by), "%s", by);
}

static void period_scan__incident(struct period_scan *s, const struct event *ev, int64_t t,
                                  const char *by) {
    struct period_item it;
    period_scan__item(s, ev, t, by, &it);
    it.id = ev->ref_id;
    it.severity = (uint8_t)(ev->code & 3u);
    const struct incident *in = incident_find(&s->e, ev->ref_id);
    snprintf(it.what, sizeof(it.what), "%s", in ? in->title : "(no longer kept: see history)");
    if (ev->type == EVENT_INCIDENT_RESOLVED) {
        period_list_add(&s->r->resolved, &it);
        return;
    }
    it.alert = (uint64_t)ev->value;
    period_list_add(&s->r->opened, &it);
    if (it.alert != 0) period_list_add(&s->r->alerts, &it);
}

static void period_scan__gov(struct period_scan *s, const struct event *ev, int64_t t,
                             const char *by, struct period_list *l) {
    struct period_item it;
    period_scan__item(s, ev, t, by, &it);
    it.id = ev->ref_id;
    snprintf(it.what, sizeof(it.what), "%s",
             ev->ref_op < OP__COUNT ? op_table()[ev->ref_op].name : "?");
    period_list_add(l, &it);
}

/* A halt or pause the alert loop ran (as `system`), not a no-op. */
static void period_scan__action(struct period_scan *s, const struct event *ev, int64_t t,
                                const char *by) {
    const struct engine *e = &s->e;
    if (!e->s.inc.has_system || ev->flags != 0) return;
    if (strcmp(by, e->s.operators[e->s.inc.system_operator].name) != 0) return;
    struct period_item it;
    period_scan__item(s, ev, t, by, &it);
    snprintf(it.what, sizeof(it.what), "%s", event_type_name((enum event_type)ev->type));
    period_list_add(&s->r->actions, &it);
}

static void period_scan__event(struct period_scan *s, const struct event *ev, int64_t t,
                               const struct store_request *reqs, uint32_t n) {
    struct period_asset *a = ev->asset < s->r->assets_count ? &s->r->assets[ev->asset] : NULL;
    switch (ev->type) { /* the journal's number: events this report ignores fall through */
    case EVENT_MINT:
        if (a) a->mints++;
        break;
    case EVENT_BURN:
        if (a) a->burns++;
        break;
    case EVENT_TRANSFER:
        if (a) {
            a->transfers++;
            u128 sum;
            a->transfer_volume = u128_add(a->transfer_volume, ev->amount, &sum) ? ~(u128)0 : sum;
        }
        break;
    case EVENT_FORCED_TRANSFER:
        if (a) a->forced_transfers++;
        break;
    case EVENT_NAV_UPDATED:
        if (a) a->nav_updates++;
        break;
    case EVENT_RESERVE_REPORTED:
        if (a) a->reserve_reports++;
        break;
    case EVENT_INCIDENT_OPENED:
    case EVENT_INCIDENT_RESOLVED:
        period_scan__incident(s, ev, t, period_scan__by(ev, reqs, n));
        break;
    case EVENT_PROPOSAL_EXECUTED:
        period_scan__gov(s, ev, t, period_scan__by(ev, reqs, n), &s->r->proposals);
        break;
    case EVENT_TIMELOCK_EXECUTED:
        period_scan__gov(s, ev, t, period_scan__by(ev, reqs, n), &s->r->timelock);
        break;
    case EVENT_PAUSED:
    case EVENT_MINT_HALTED:
        period_scan__action(s, ev, t, period_scan__by(ev, reqs, n));
        break;
    default:
        break;
    }
}

/* After one of the period's blocks: the figures that move and may come back. */
static void period_scan__sample(struct period_scan *s, int64_t t) {
    const struct engine *e = &s->e;
    int32_t day = (int32_t)(t / NS_PER_DAY);
    for (uint32_t i = 0; i < s->r->assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        struct period_asset *pa = &s->r->assets[i];
        if (a->nav_updated_ns != 0) {
            if (!pa->nav_has || a->nav < pa->nav_low) pa->nav_low = a->nav;
            if (!pa->nav_has || a->nav > pa->nav_high) pa->nav_high = a->nav;
            pa->nav_has = 1;
        }
        uint64_t ppm = 0;
        if (a->kind == ASSET_FIAT && period_scan__ratio(e, i, t, &ppm)) {
            if (!pa->ratio_has || ppm < pa->ratio_low_ppm) {
                pa->ratio_low_ppm = ppm;
                pa->ratio_low_ns = t;
            }
            pa->ratio_has = 1;
        }
        u128 minted, burned;
        engine_day_counters(e, i, t, &minted, &burned);
        u128 inflow = minted > burned ? minted - burned : 0;
        if (minted > pa->mint_peak) {
            pa->mint_peak = minted;
            pa->mint_peak_day = day;
        }
        if (inflow > pa->inflow_peak) {
            pa->inflow_peak = inflow;
            pa->inflow_peak_day = day;
        }
    }
}

static void period_scan__block_in(struct period_scan *s, const struct store_block *b,
                                  const struct store_request *reqs, uint32_t n) {
    struct period_report *r = s->r;
    const struct event_buf *evs = &s->rb.events;
    for (uint32_t i = 0; i < evs->count; i++) period_scan__event(s, &evs->items[i], b->time_ns, reqs, n);
    period_scan__sample(s, b->time_ns);
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t k = 0; k + 1 < reqs[i].results_len; k += 2) {
            if (reqs[i].results[k] | reqs[i].results[k + 1]) r->rejected++;
        }
    }
    if (r->blocks == 0) r->first_height = b->height;
    r->blocks++;
    r->commands += b->commands_count;
    r->last_height = b->height;
    r->last_time_ns = b->time_ns;
    hash_hex(&b->hash, r->head_hash);
}

static int period_scan__block(void *ctx, const struct store_block *b,
                              const struct store_request *reqs, uint32_t n) {
    struct period_scan *s = ctx;
    if (s->progress && b->height % PERIOD_SCAN_PROGRESS_EVERY == 0) s->progress(s->progress_ctx, b->height);
    if (b->time_ns >= s->b->end_ns) {
        s->reached_end = 1;
        return 1;
    }
    if (!s->started && b->time_ns >= s->b->start_ns) period_scan__begin(s);
    if (s->started) period_scan__points_until(s, b->time_ns);
    s->err = chain_replay_block(&s->e, b, reqs, n, &s->rb, 0, NULL, NULL, s->why, sizeof(s->why));
    if (s->err) return 1;
    if (s->started) period_scan__block_in(s, b, reqs, n);
    return 0;
}

/* At the end: the figures that are the state at the period's end. */
static void period_scan__finish(struct period_scan *s, int64_t now_ns) {
    const struct engine *e = &s->e;
    struct period_report *r = s->r;
    const struct period_scan_start *st = &s->start;
    r->complete = (uint8_t)(s->reached_end || now_ns >= s->b->end_ns);
    period_scan__points_until(s, r->complete ? s->b->end_ns : r->last_time_ns);
    for (uint32_t i = 0; i < r->assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        struct period_asset *pa = &r->assets[i];
        pa->supply_end = a->supply;
        pa->holders_end = a->holders_count;
        pa->minted = a->minted_total - st->minted[i];
        pa->burned = a->burned_total - st->burned[i];
        if (a->nav_updated_ns != 0) pa->nav_end = a->nav;
        pa->ratio_end_has = (uint8_t)(a->kind == ASSET_FIAT &&
                                      period_scan__ratio(e, i, r->last_time_ns, &pa->ratio_end_ppm));
        pa->mint_limit_has = (a->limit_flags & ASSET_HAS_DAILY_MINT_LIMIT) != 0;
        pa->inflow_limit_has = (a->limit_flags & ASSET_HAS_DAILY_INFLOW_LIMIT) != 0;
        pa->mint_limit = a->daily_mint_limit;
        pa->inflow_limit = a->daily_inflow_limit;
    }
    r->vault_types_count = period_scan__min(e->s.vlt.types_count, PERIOD_VAULT_TYPES_MAX);
    for (uint32_t i = 0; i < r->vault_types_count; i++) {
        const struct vault_type *v = &e->s.vlt.types[i];
        struct period_vault_type *pv = &r->vault_types[i];
        snprintf(pv->name, sizeof(pv->name), "%s", v->name);
        pv->collateral = v->collateral;
        pv->debt = v->debt;
        pv->vaults_start = st->vaults[i];
        pv->vaults_end = v->vaults_count;
        pv->liquidations = v->liquidations_count - st->liquidations[i];
        pv->borrowed = v->borrowed_total - st->borrowed[i];
        pv->repaid = v->repaid_total - st->repaid[i];
        pv->liquidated = v->liquidated_total - st->liquidated[i];
        pv->bad_debt = v->bad_debt_total - st->bad_debt[i];
        pv->collateral_end = v->total_collateral;
        pv->debt_end = v->total_debt;
        pv->debt_ceiling = v->debt_ceiling;
    }
    r->routes_count = period_scan__min(e->s.bridge.routes_count, PERIOD_ROUTES_MAX);
    for (uint32_t i = 0; i < r->routes_count; i++) {
        const struct bridge_route *t = &e->s.bridge.routes[i];
        struct period_route *pr = &r->routes[i];
        pr->asset = t->asset;
        pr->chain = t->chain;
        pr->enabled = t->enabled;
        pr->sent = t->sent_count - st->sent[i];
        pr->settled = t->settled_count - st->settled[i];
        pr->refunded = t->refunded_count - st->refunded[i];
        pr->received = t->received_count - st->received[i];
        pr->sent_volume = t->sent_total - st->sent_volume[i];
        pr->received_volume = t->received_total - st->received_volume[i];
        pr->escrow_end = t->escrow;
    }
}

static enum err period_scan__genesis(struct period_scan *s, struct store *store) {
    char *json = NULL;
    size_t len = 0;
    struct store_block b0;
    enum err err = store->ops->read_genesis(store, &json, &len);
    if (!err) err = store->ops->block_at(store, 0, &b0);
    if (!err) err = chain_genesis_engine(&s->e, json, len, b0.time_ns, NULL, s->why, sizeof(s->why));
    free(json);
    return err;
}

enum err period_scan(struct store *store, const struct period_bounds *b, int64_t now_ns,
                     period_scan_progress_fn progress, void *progress_ctx,
                     struct period_report *out, char *why, size_t why_size) {
    snprintf(why, why_size, "%s", "");
    struct period_scan *s = calloc(1, sizeof(*s));
    if (s == NULL) return ERR_INTERNAL;
    memset(out, 0, sizeof(*out));
    out->b = *b;
    s->b = &out->b;
    s->r = out;
    s->progress = progress;
    s->progress_ctx = progress_ctx;
    enum err err = engine_open(&s->e, 1024);
    if (!err) err = period_scan__genesis(s, store);
    if (!err) err = store->ops->scan_blocks(store, 1, 0, period_scan__block, s);
    if (!err) err = s->err;
    if (!err && out->blocks == 0) {
        char a[40], z[40];
        time_format_iso(b->start_ns, a);
        time_format_iso(b->end_ns, z);
        snprintf(s->why, sizeof(s->why), "%s %s (%s to %s)", period_kind_name(b->kind), b->label, a, z);
        err = ERR_REPORT_NO_BLOCKS;
    }
    if (!err) period_scan__finish(s, now_ns);
    if (err && s->why[0]) snprintf(why, why_size, "%s", s->why);
    engine_close(&s->e);
    chain_replay_buf_free(&s->rb);
    free(s);
    return err;
}
