/*
 * payout.c - snapshots, payouts and their distribution (payout.h).
 *
 * Every handler validates first and mutates last. A distribution
 * computes every leg and checks every one of them before it writes the
 * first, so it pays all legs or none; its result depends only on the
 * state, the command and the ledger time; the holders are sorted by
 * address, never taken in table order.
 */
#include "payout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/check.h"
#include "../base/duration.h"
#include "compliance.h"
#include "engine.h"
#include "engine_internal.h"
#include "keys.h"
#include "restrict.h"
#include "split.h"

_Static_assert(LIMIT_PAYOUT_SNAPSHOTS <= 0xFFFFu, "a snapshot index fits a key offset");

static uint16_t payout__key(uint64_t snapshot_id) {
    return (uint16_t)(KEY_PAYOUT + (snapshot_id - 1));
}

static void payout__detail(struct apply_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void payout__detail(struct apply_result *out, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
    va_end(ap);
}

static const struct payout_snapshot *payout__snapshot(const struct engine_state *s, uint64_t id) {
    if (id == 0 || id > s->payout_snapshots_count) return NULL;
    return &s->payout_snapshots[id - 1];
}

static struct payout *payout__find(struct engine *e, uint64_t id) {
    if (id == 0 || id > e->s.payouts_count) return NULL;
    return &e->s.payouts[id - 1];
}

static const struct payout *payout__find_const(const struct engine *e, uint64_t id) {
    if (id == 0 || id > e->s.payouts_count) return NULL;
    return &e->s.payouts[id - 1];
}

static u128 payout__record(const struct engine *e, uint16_t key, const struct addr *a) {
    uint32_t slot = holdings_find(&e->holdings, key, a);
    return slot == HOLDINGS_NONE ? 0 : holding_balance(&e->holdings.slots[slot]);
}

/* The distributor's balance of the paid asset that is free to move. */
static u128 payout__available(const struct engine *e, const struct payout *p) {
    u128 balance = engine_balance(e, p->pay, &p->from);
    u128 frozen = restrict_frozen_amount(e, p->pay, &p->from);
    return balance > frozen ? balance - frozen : 0;
}

/* What a distribution pays: the total, or in pro-rata mode what the
 * distributor holds free, at most the total; what was paid once done. */
static u128 payout__amount(const struct engine *e, const struct payout *p) {
    if (p->distributed) return p->paid;
    if (p->mode == PAYOUT_FULL) return p->total;
    u128 available = payout__available(e, p);
    return available < p->total ? available : p->total;
}

static void payout__addr_text(const struct addr *a, char out[ADDR_TEXT_SIZE]) {
    addr_format(a, out);
}

/* ---- payout.snapshot -------------------------------------------------- */

enum err payout_snapshot_apply(struct engine *e, const struct command *cmd,
                               struct event_buf *events, struct apply_result *out) {
    if (e->s.payout_snapshots_count == LIMIT_PAYOUT_SNAPSHOTS) {
        payout__detail(out, "%u snapshots are kept at most", LIMIT_PAYOUT_SNAPSHOTS);
        return ERR_LIMIT_REACHED;
    }
    const struct asset *a = &e->s.assets[cmd->asset];
    uint64_t id = e->s.payout_snapshots_count + 1;
    uint16_t key = payout__key(id);
    /* Records go in while the table is walked: they never move slots (no
     * growth inside a block), and the walk skips them by key. */
    uint32_t holders = 0;
    u128 total = 0;
    uint32_t slot = 0;
    const struct holding *h;
    while ((h = holdings_next(&e->holdings, &slot)) != NULL) {
        if (h->asset != cmd->asset) continue;
        u128 balance = holding_balance(h);
        if (balance == 0) continue; /* emptied in this block: gone at the seal */
        struct addr holder;
        memcpy(holder.bytes, h->addr, ADDR_BYTES);
        uint32_t at = holdings_upsert(&e->holdings, key, &holder);
        holdings_set_balance(&e->holdings, at, balance);
        holders++;
        total += balance; /* the sum of balances is the supply: no overflow */
    }
    ASSERT(holders == a->holders_count);
    ASSERT(total == a->supply);
    struct payout_snapshot *s = &e->s.payout_snapshots[e->s.payout_snapshots_count++];
    memset(s, 0, sizeof(*s));
    s->asset = cmd->asset;
    s->holders = holders;
    s->block = e->s.height + 1;
    s->seq = out->seq;
    s->time_ns = e->s.time_ns;
    s->total = total;
    struct event *ev = engine__emit(events, EVENT_PAYOUT_SNAPSHOT, cmd->asset);
    ev->ref_id = id;
    ev->value = holders;
    ev->amount = total;
    ev->who = cmd->operator_index;
    return ERR_OK;
}

/* ---- payout.create ---------------------------------------------------- */

/* The paid asset cannot have partitions: a leg would have to name one. */
static enum err payout__pay_asset(const struct engine *e, uint16_t pay, struct apply_result *out) {
    const struct asset *a = &e->s.assets[pay];
    if (a->kind == ASSET_SECURITY && e->s.rules[pay].partitions_count > 0) {
        payout__detail(out, "%s has partitions: a payout leg cannot name one", a->symbol);
        return ERR_PARTITION;
    }
    return ERR_OK;
}

static enum err payout__distributor(const struct engine *e, uint16_t pay, const struct addr *from,
                                    struct apply_result *out) {
    enum err err = restrict_check(e, pay, from, NULL);
    if (err) {
        char text[ADDR_TEXT_SIZE];
        payout__addr_text(from, text);
        payout__detail(out, "the distributor %s is %s", text,
                       err == ERR_BLACKLISTED ? "blacklisted" : "frozen");
    }
    return err;
}

enum err payout_create_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                             struct apply_result *out) {
    const struct payout_snapshot *snap = payout__snapshot(&e->s, cmd->id);
    if (snap == NULL) {
        payout__detail(out, "no snapshot %llu", (unsigned long long)cmd->id);
        return ERR_NOT_FOUND;
    }
    if (e->s.payouts_count == LIMIT_PAYOUTS) {
        payout__detail(out, "%u payouts are kept at most", LIMIT_PAYOUTS);
        return ERR_LIMIT_REACHED;
    }
    enum err err = payout__pay_asset(e, cmd->asset, out);
    if (!err) err = payout__distributor(e, cmd->asset, &cmd->from, out);
    if (err) return err;
    int is_holder = payout__record(e, payout__key(cmd->id), &cmd->from) != 0;
    uint32_t recipients = snap->holders - (uint32_t)is_holder;
    if (recipients == 0) {
        payout__detail(out, "snapshot %llu has no holder but the distributor", (unsigned long long)cmd->id);
        return ERR_INVALID_ARGUMENT;
    }
    uint64_t id = e->s.payouts_count + 1;
    struct payout *p = &e->s.payouts[e->s.payouts_count++];
    memset(p, 0, sizeof(*p));
    p->snapshot = cmd->id;
    p->pay = cmd->asset;
    p->mode = cmd->mode;
    p->recipients = recipients;
    p->from = cmd->from;
    p->total = cmd->amount;
    p->created_block = e->s.height + 1;
    p->created_seq = out->seq;
    p->created_ns = e->s.time_ns;
    struct event *ev = engine__emit(events, EVENT_PAYOUT_CREATED, cmd->asset);
    ev->ref_id = id;
    ev->value = (int64_t)cmd->id;
    ev->from = cmd->from;
    ev->amount = cmd->amount;
    ev->code = cmd->mode;
    ev->flags = recipients;
    return ERR_OK;
}

/* ---- the plan: legs recomputed from the snapshot ---------------------- */

struct payout__rec {
    struct addr addr;
    uint32_t pad;
    u128 balance;
};

static int payout__cmp(const void *a, const void *b) {
    return memcmp(((const struct payout__rec *)a)->addr.bytes,
                  ((const struct payout__rec *)b)->addr.bytes, ADDR_BYTES);
}

/* Snapshot id's records sorted by address (a new array of snap->holders). */
static struct payout__rec *payout__collect(const struct engine *e, uint64_t id) {
    const struct payout_snapshot *snap = payout__snapshot(&e->s, id);
    ASSERT(snap != NULL);
    uint16_t key = payout__key(id);
    uint32_t n = snap->holders;
    struct payout__rec *recs = malloc((size_t)(n ? n : 1) * sizeof(*recs));
    if (recs == NULL) return NULL;
    uint32_t k = 0;
    uint32_t slot = 0;
    const struct holding *h;
    while ((h = holdings_next(&e->holdings, &slot)) != NULL) {
        if (h->asset != key) continue;
        ASSERT(k < n);
        memcpy(recs[k].addr.bytes, h->addr, ADDR_BYTES);
        recs[k].pad = 0;
        recs[k].balance = holding_balance(h);
        k++;
    }
    ASSERT(k == n);
    qsort(recs, n, sizeof(*recs), payout__cmp);
    return recs;
}

void payout_plan_free(struct payout_plan *p) {
    free(p->to);
    free(p->weight);
    free(p->leg);
    memset(p, 0, sizeof(*p));
}

/* Split plan->amount over the weights (largest remainder, ties to the
 * lower index: the lower address). -1 when memory cannot be had. */
static int payout__split(struct payout_plan *plan) {
    if (plan->amount == 0) {
        memset(plan->leg, 0, (size_t)plan->n * sizeof(*plan->leg));
        return 0;
    }
    uint32_t *scratch = malloc((size_t)plan->n * sizeof(*scratch));
    u128 *rem = malloc((size_t)plan->n * sizeof(*rem));
    int rc = -1;
    if (scratch != NULL && rem != NULL) {
        enum err err = split_pro_rata(plan->weight, plan->n, plan->amount, plan->leg, scratch, rem);
        ASSERT(err == ERR_OK); /* n >= 1, weights non-zero, their sum a supply */
        rc = 0;
    }
    free(scratch);
    free(rem);
    return rc;
}

enum err payout_plan_build(const struct engine *e, uint64_t id, struct payout_plan *out) {
    const struct payout *p = payout__find_const(e, id);
    if (p == NULL) return ERR_NOT_FOUND;
    struct payout_plan plan;
    memset(&plan, 0, sizeof(plan));
    uint32_t n = p->recipients;
    struct payout__rec *recs = payout__collect(e, p->snapshot);
    plan.to = malloc((size_t)n * sizeof(*plan.to));
    plan.weight = malloc((size_t)n * sizeof(*plan.weight));
    plan.leg = malloc((size_t)n * sizeof(*plan.leg));
    if (recs == NULL || plan.to == NULL || plan.weight == NULL || plan.leg == NULL) {
        free(recs);
        payout_plan_free(&plan);
        return ERR_INTERNAL;
    }
    uint32_t holders = payout__snapshot(&e->s, p->snapshot)->holders;
    for (uint32_t i = 0; i < holders; i++) {
        if (addr_equal(&recs[i].addr, &p->from)) {
            plan.distributor_weight = recs[i].balance;
            continue;
        }
        ASSERT(plan.n < n);
        plan.to[plan.n] = recs[i].addr;
        plan.weight[plan.n] = recs[i].balance;
        plan.n++;
    }
    free(recs);
    ASSERT(plan.n == n);
    plan.available = payout__available(e, p);
    plan.amount = payout__amount(e, p);
    if (payout__split(&plan) != 0) {
        payout_plan_free(&plan);
        return ERR_INTERNAL;
    }
    *out = plan;
    return ERR_OK;
}

enum err payout_snapshot_holders(const struct engine *e, uint64_t id, struct addr **addrs,
                                 u128 **balances, uint32_t *n) {
    const struct payout_snapshot *snap = payout__snapshot(&e->s, id);
    if (snap == NULL) return ERR_NOT_FOUND;
    struct payout__rec *recs = payout__collect(e, id);
    struct addr *a = malloc((size_t)(snap->holders ? snap->holders : 1) * sizeof(*a));
    u128 *b = malloc((size_t)(snap->holders ? snap->holders : 1) * sizeof(*b));
    if (recs == NULL || a == NULL || b == NULL) {
        free(recs);
        free(a);
        free(b);
        return ERR_INTERNAL;
    }
    for (uint32_t i = 0; i < snap->holders; i++) {
        a[i] = recs[i].addr;
        b[i] = recs[i].balance;
    }
    free(recs);
    *addrs = a;
    *balances = b;
    *n = snap->holders;
    return ERR_OK;
}

/* ---- payout.distribute ------------------------------------------------ */

/* The payout itself: known, open, created in an earlier block. */
static enum err payout__distributable(const struct engine *e, uint64_t id, const struct payout *p,
                                      struct apply_result *out) {
    if (p == NULL) {
        payout__detail(out, "no payout %llu", (unsigned long long)id);
        return ERR_NOT_FOUND;
    }
    if (p->distributed) {
        payout__detail(out, "payout %llu was distributed in block %llu", (unsigned long long)id,
                       (unsigned long long)p->distributed_block);
        return ERR_ALREADY_DISTRIBUTED;
    }
    if (p->created_block > e->s.height) {
        payout__detail(out, "payout %llu was created in this block: distribute it in a later one",
                       (unsigned long long)id);
        return ERR_PAYOUT_NOT_READY;
    }
    return ERR_OK;
}

/* SPEC 3 items 2-4 for the distributor, the paid asset's partitions, then
 * the funding (item 6 for the legs together): the legs follow from it. */
static enum err payout__sender(const struct engine *e, const struct payout *p,
                               struct apply_result *out) {
    const struct asset *a = &e->s.assets[p->pay];
    if (e->s.paused || a->paused) {
        payout__detail(out, "%s is paused", e->s.paused ? "the ledger" : a->symbol);
        return ERR_PAUSED;
    }
    enum err err = payout__distributor(e, p->pay, &p->from, out);
    if (!err) err = payout__pay_asset(e, p->pay, out);
    if (err) return err;
    u128 available = payout__available(e, p);
    char held[AMOUNT_TEXT_SIZE], total[AMOUNT_TEXT_SIZE];
    amount_format(available, a->decimals, held);
    amount_format(p->total, a->decimals, total);
    if (p->mode == PAYOUT_FULL && available < p->total) {
        payout__detail(out, "the distributor holds %s %s unfrozen; the payout's total is %s", held,
                       a->symbol, total);
        return ERR_UNDERFUNDED_FULL_MODE;
    }
    if (p->mode == PAYOUT_PRO_RATA && available == 0) {
        payout__detail(out, "the distributor holds no %s free to pay out", a->symbol);
        return ERR_INSUFFICIENT_BALANCE;
    }
    return ERR_OK;
}

static enum err payout__leg_fail(enum err err, const struct addr *to, struct apply_result *out) {
    char text[ADDR_TEXT_SIZE];
    payout__addr_text(to, text);
    payout__detail(out, "the leg to %s", text);
    return err;
}

/* Items 3 and 4 for every recipient of a non-zero leg. */
static enum err payout__recipients(const struct engine *e, const struct payout *p,
                                   const struct payout_plan *plan, struct apply_result *out) {
    if (e->s.restricted_count == 0) return ERR_OK;
    for (uint32_t i = 0; i < plan->n; i++) {
        if (plan->leg[i] == 0) continue;
        enum err err = restrict_check(e, p->pay, &plan->to[i], NULL);
        if (err) return payout__leg_fail(err, &plan->to[i], out);
    }
    return ERR_OK;
}

/* Every recipient of a non-zero leg holds a valid tax_form claim; the
 * detail names the first few without one and counts the rest. */
static enum err payout__tax_forms(const struct engine *e, uint64_t id,
                                  const struct payout_plan *plan, struct apply_result *out) {
    int64_t day = e->s.time_ns / NS_PER_DAY;
    uint32_t missing = 0;
    uint32_t first[PAYOUT_DETAIL_ADDRESSES];
    for (uint32_t i = 0; i < plan->n; i++) {
        if (plan->leg[i] == 0 || claim_valid(e, &plan->to[i], CLAIM_TAX_FORM, day)) continue;
        if (missing < PAYOUT_DETAIL_ADDRESSES) first[missing] = i;
        missing++;
    }
    if (missing == 0) return ERR_OK;
    uint32_t paid = 0;
    for (uint32_t i = 0; i < plan->n; i++) paid += plan->leg[i] != 0;
    size_t used = (size_t)snprintf(out->detail, sizeof(out->detail), "%u of %u:", missing, paid);
    uint32_t shown = missing < PAYOUT_DETAIL_ADDRESSES ? missing : PAYOUT_DETAIL_ADDRESSES;
    for (uint32_t k = 0; k < shown && used < sizeof(out->detail); k++) {
        char text[ADDR_TEXT_SIZE];
        payout__addr_text(&plan->to[first[k]], text);
        used += (size_t)snprintf(out->detail + used, sizeof(out->detail) - used, "%s %s",
                                 k ? "," : "", text);
    }
    if (missing > shown && used < sizeof(out->detail)) {
        used += (size_t)snprintf(out->detail + used, sizeof(out->detail) - used, " and %u more",
                                 missing - shown);
    }
    if (used < sizeof(out->detail)) {
        snprintf(out->detail + used, sizeof(out->detail) - used, " (payout show %llu)",
                 (unsigned long long)id);
    }
    return ERR_TAX_FORM_MISSING;
}

/* Check 5 for every recipient when the paid asset is a security: identity,
 * claims, country and max_balance by compliance_check; the holder limit
 * here, counting the new holders the earlier legs make (the distributor
 * leaving, when it pays out all it holds, makes room for one). */
static enum err payout__compliance(const struct engine *e, const struct payout *p,
                                   const struct payout_plan *plan, struct apply_result *out) {
    const struct asset *a = &e->s.assets[p->pay];
    if (a->kind != ASSET_SECURITY) return ERR_OK;
    uint64_t leaves = engine_balance(e, p->pay, &p->from) == plan->amount;
    uint64_t holders = a->holders_count;
    uint64_t max = e->s.rules[p->pay].max_holders;
    for (uint32_t i = 0; i < plan->n; i++) {
        if (plan->leg[i] == 0) continue;
        u128 balance = engine_balance(e, p->pay, &plan->to[i]);
        /* sender_leaves set: the holder limit is judged below, over all legs. */
        struct compliance_move m = {p->pay, -1, &plan->to[i], balance, plan->leg[i], 1, 0};
        enum err err = compliance_check(e, &m);
        if (err && err != ERR_MAX_BALANCE) return payout__leg_fail(err, &plan->to[i], out);
        if (balance == 0 && ++holders > max + leaves) {
            return payout__leg_fail(ERR_HOLDER_LIMIT, &plan->to[i], out);
        }
        if (err) return payout__leg_fail(err, &plan->to[i], out);
    }
    return ERR_OK;
}

/* Write a balance, keeping the holder count exact. */
static void payout__set(struct engine *e, uint16_t asset, uint32_t slot, u128 old_balance,
                        u128 new_balance) {
    struct asset *a = &e->s.assets[asset];
    if (old_balance == 0 && new_balance != 0) a->holders_count++;
    if (old_balance != 0 && new_balance == 0) a->holders_count--;
    holdings_set_balance(&e->holdings, slot, new_balance);
}

/* Pay every non-zero leg from the distributor; the number of legs. */
static uint32_t payout__pay(struct engine *e, const struct payout *p, const struct payout_plan *plan) {
    uint32_t source = holdings_find(&e->holdings, p->pay, &p->from);
    ASSERT(source != HOLDINGS_NONE);
    u128 source_balance = holding_balance(&e->holdings.slots[source]);
    ASSERT(source_balance >= plan->amount);
    uint32_t legs = 0;
    for (uint32_t i = 0; i < plan->n; i++) {
        if (plan->leg[i] == 0) continue;
        uint32_t target = holdings_upsert(&e->holdings, p->pay, &plan->to[i]);
        u128 old = holding_balance(&e->holdings.slots[target]);
        /* old + leg <= supply: the leg moves within the supply. */
        payout__set(e, p->pay, target, old, old + plan->leg[i]);
        legs++;
    }
    payout__set(e, p->pay, source, source_balance, source_balance - plan->amount);
    return legs;
}

static enum err payout__checks(const struct engine *e, uint64_t id, const struct payout *p,
                               const struct payout_plan *plan, struct apply_result *out) {
    enum err err = payout__recipients(e, p, plan, out);
    if (!err) err = payout__tax_forms(e, id, plan, out);
    if (!err) err = payout__compliance(e, p, plan, out);
    return err;
}

/* Everything a distribution checks, in order; the plan on success. */
static enum err payout__validate(const struct engine *e, uint64_t id, struct payout_plan *plan,
                                 struct apply_result *out) {
    const struct payout *p = payout__find_const(e, id);
    enum err err = payout__distributable(e, id, p, out);
    if (!err) err = payout__sender(e, p, out);
    if (!err) err = payout_plan_build(e, id, plan); /* ERR_INTERNAL: never journaled */
    if (err) return err;
    ASSERT(plan->amount != 0);
    err = payout__checks(e, id, p, plan, out);
    if (err) payout_plan_free(plan);
    return err;
}

enum err payout_preflight(const struct engine *e, uint64_t id, struct apply_result *out) {
    struct payout_plan plan;
    out->detail[0] = '\0';
    enum err err = payout__validate(e, id, &plan, out);
    if (!err) payout_plan_free(&plan);
    return err;
}

enum err payout_distribute_apply(struct engine *e, const struct command *cmd,
                                 struct event_buf *events, struct apply_result *out) {
    struct payout_plan plan;
    enum err err = payout__validate(e, cmd->id, &plan, out);
    if (err) return err;
    struct payout *p = payout__find(e, cmd->id);
    uint32_t legs = payout__pay(e, p, &plan);
    p->distributed = 1;
    p->paid = plan.amount;
    p->legs = legs;
    p->distributed_block = e->s.height + 1;
    p->distributed_seq = out->seq;
    p->distributed_ns = e->s.time_ns;
    payout_plan_free(&plan);
    struct event *ev = engine__emit(events, EVENT_PAYOUT_DISTRIBUTED, p->pay);
    ev->ref_id = cmd->id;
    ev->from = p->from;
    ev->amount = p->paid;
    ev->value = legs;
    ev->code = p->mode;
    ev->flags = (uint32_t)p->snapshot;
    return ERR_OK;
}

/* ---- room ------------------------------------------------------------- */

static uint64_t payout__snapshot_room(const struct engine *e, uint16_t asset) {
    uint64_t room = e->s.assets[asset].holders_count + LIMIT_BLOCK_COMMANDS;
    for (uint32_t i = 0; i < e->s.payouts_count; i++) {
        const struct payout *p = &e->s.payouts[i];
        if (!p->distributed && p->pay == asset) room += p->recipients;
    }
    return room;
}

static uint32_t payout__clamp(uint64_t room) { return room > UINT32_MAX ? UINT32_MAX : (uint32_t)room; }

uint32_t payout_room(const struct engine *e, const struct command *cmd) {
    if (cmd->op == OP_PAYOUT_SNAPSHOT) {
        if (e->s.payout_snapshots_count == LIMIT_PAYOUT_SNAPSHOTS) return 0; /* will fail */
        return payout__clamp(payout__snapshot_room(e, cmd->asset));
    }
    if (cmd->op == OP_PAYOUT_DISTRIBUTE) {
        const struct payout *p = payout__find_const(e, cmd->id);
        return p == NULL || p->distributed ? 0 : p->recipients;
    }
    return 0;
}

uint32_t payout_room_max(const struct engine *e) {
    uint64_t room = 0;
    for (uint32_t i = 0; i < e->s.payouts_count; i++) {
        const struct payout *p = &e->s.payouts[i];
        if (!p->distributed && p->recipients > room) room = p->recipients;
    }
    if (e->s.payout_snapshots_count == LIMIT_PAYOUT_SNAPSHOTS) return payout__clamp(room);
    for (uint32_t a = 0; a < e->s.assets_count; a++) {
        uint64_t r = payout__snapshot_room(e, (uint16_t)a);
        if (r > room) room = r;
    }
    return payout__clamp(room);
}

uint32_t payout_open_count(const struct engine *e) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < e->s.payouts_count; i++) n += !e->s.payouts[i].distributed;
    return n;
}

/* ---- state bytes ------------------------------------------------------ */

void payout_state_write(const struct engine_state *s, struct buf *out) {
    if (s->payout_snapshots_count == 0) return;
    buf_put(out, "pay", 3);
    buf_put_u32(out, s->payout_snapshots_count);
    for (uint32_t i = 0; i < s->payout_snapshots_count; i++) {
        const struct payout_snapshot *n = &s->payout_snapshots[i];
        buf_put_u16(out, n->asset);
        buf_put_u32(out, n->holders);
        buf_put_u64(out, n->block);
        buf_put_u64(out, n->seq);
        buf_put_u64(out, (uint64_t)n->time_ns);
        buf_put_u128(out, n->total);
    }
    buf_put_u32(out, s->payouts_count);
    for (uint32_t i = 0; i < s->payouts_count; i++) {
        const struct payout *p = &s->payouts[i];
        buf_put_u64(out, p->snapshot);
        buf_put_u16(out, p->pay);
        buf_put_u8(out, p->mode);
        buf_put_u8(out, p->distributed);
        buf_put_u32(out, p->recipients);
        buf_put(out, p->from.bytes, ADDR_BYTES);
        buf_put_u128(out, p->total);
        buf_put_u64(out, p->created_block);
        buf_put_u64(out, p->created_seq);
        buf_put_u64(out, (uint64_t)p->created_ns);
        buf_put_u64(out, p->distributed_block);
        buf_put_u64(out, p->distributed_seq);
        buf_put_u64(out, (uint64_t)p->distributed_ns);
        buf_put_u128(out, p->paid);
        buf_put_u32(out, p->legs);
    }
}

static int payout__snapshot_read(struct buf_reader *r, const struct engine_state *s,
                                 struct payout_snapshot *n) {
    n->asset = buf_get_u16(r);
    n->holders = buf_get_u32(r);
    n->block = buf_get_u64(r);
    n->seq = buf_get_u64(r);
    n->time_ns = (int64_t)buf_get_u64(r);
    n->total = buf_get_u128(r);
    if (r->failed || n->asset >= s->assets_count || n->holders > LIMIT_HOLDINGS) return -1;
    if (n->block == 0 || n->block > s->height || n->seq >= s->next_seq) return -1;
    if ((n->holders == 0) != (n->total == 0) || n->total < n->holders) return -1;
    return 0;
}

/* The distribution fields: all zero while open; in range once done. */
static int payout__done_ok(const struct engine_state *s, const struct payout *p) {
    if (!p->distributed) {
        return p->distributed_block == 0 && p->distributed_seq == 0 && p->distributed_ns == 0 &&
               p->paid == 0 && p->legs == 0;
    }
    return p->distributed_block > p->created_block && p->distributed_block <= s->height &&
           p->distributed_seq > p->created_seq && p->distributed_seq < s->next_seq &&
           p->distributed_ns >= p->created_ns && p->paid != 0 && p->paid <= p->total &&
           (p->mode == PAYOUT_PRO_RATA || p->paid == p->total) && p->legs != 0 &&
           p->legs <= p->recipients;
}

static int payout__payout_read(struct buf_reader *r, const struct engine_state *s, struct payout *p) {
    p->snapshot = buf_get_u64(r);
    p->pay = buf_get_u16(r);
    p->mode = buf_get_u8(r);
    p->distributed = buf_get_u8(r);
    p->recipients = buf_get_u32(r);
    buf_get(r, p->from.bytes, ADDR_BYTES);
    p->total = buf_get_u128(r);
    p->created_block = buf_get_u64(r);
    p->created_seq = buf_get_u64(r);
    p->created_ns = (int64_t)buf_get_u64(r);
    p->distributed_block = buf_get_u64(r);
    p->distributed_seq = buf_get_u64(r);
    p->distributed_ns = (int64_t)buf_get_u64(r);
    p->paid = buf_get_u128(r);
    p->legs = buf_get_u32(r);
    const struct payout_snapshot *snap = payout__snapshot(s, p->snapshot);
    if (r->failed || snap == NULL || p->pay >= s->assets_count || p->mode > PAYOUT_PRO_RATA) return -1;
    if (p->distributed > 1 || p->total == 0 || p->recipients == 0 || p->recipients > snap->holders) return -1;
    if (p->created_block < snap->block || p->created_block > s->height) return -1;
    if (p->created_seq <= snap->seq || p->created_seq >= s->next_seq) return -1;
    return payout__done_ok(s, p) ? 0 : -1;
}

int payout_state_read(struct buf_reader *r, struct engine_state *s) {
    if (r->len - r->pos < 3 || memcmp(r->data + r->pos, "pay", 3) != 0) return 0; /* none taken */
    char magic[3];
    buf_get(r, magic, sizeof(magic));
    s->payout_snapshots_count = buf_get_u32(r);
    if (r->failed || s->payout_snapshots_count == 0 ||
        s->payout_snapshots_count > LIMIT_PAYOUT_SNAPSHOTS) {
        return -1;
    }
    for (uint32_t i = 0; i < s->payout_snapshots_count; i++) {
        if (payout__snapshot_read(r, s, &s->payout_snapshots[i]) != 0) return -1;
    }
    s->payouts_count = buf_get_u32(r);
    if (r->failed || s->payouts_count > LIMIT_PAYOUTS) return -1;
    for (uint32_t i = 0; i < s->payouts_count; i++) {
        if (payout__payout_read(r, s, &s->payouts[i]) != 0) return -1;
    }
    return r->failed ? -1 : 0;
}

int payout_key_valid(const struct engine_state *s, uint16_t key) {
    return key_is_payout(key) && (uint32_t)(key - KEY_PAYOUT) < s->payout_snapshots_count;
}

int payout_check_invariants(const struct engine *e) {
    uint32_t counts[LIMIT_PAYOUT_SNAPSHOTS] = {0};
    u128 sums[LIMIT_PAYOUT_SNAPSHOTS] = {0};
    uint32_t slot = 0;
    const struct holding *h;
    while ((h = holdings_next(&e->holdings, &slot)) != NULL) {
        if (!key_is_payout(h->asset)) continue;
        uint32_t k = (uint32_t)(h->asset - KEY_PAYOUT);
        if (k >= e->s.payout_snapshots_count || holding_balance(h) == 0) return -1;
        counts[k]++;
        if (u128_add(sums[k], holding_balance(h), &sums[k]) != ERR_OK) return -1;
    }
    for (uint32_t k = 0; k < e->s.payout_snapshots_count; k++) {
        const struct payout_snapshot *n = &e->s.payout_snapshots[k];
        if (counts[k] != n->holders || sums[k] != n->total) return -1;
    }
    for (uint32_t i = 0; i < e->s.payouts_count; i++) {
        const struct payout *p = &e->s.payouts[i];
        const struct payout_snapshot *n = payout__snapshot(&e->s, p->snapshot);
        if (n == NULL) return -1;
        int is_holder = payout__record(e, payout__key(p->snapshot), &p->from) != 0;
        if (p->recipients != n->holders - (uint32_t)is_holder) return -1;
    }
    return 0;
}
