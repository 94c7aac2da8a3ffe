/*
 * bridge.c - routes, escrow, settlement, refunds, inbound mints and the
 * per-route figures (bridge.h).
 *
 * Every handler validates everything first; the value moves go through
 * ledger.c's own handlers (a transfer to the escrow, a burn from it, a
 * transfer back, a mint), which run SPEC 3's checks and change nothing
 * when they refuse, and only then does the bridge's own state change.
 */
#include "bridge.h"

#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/check.h"
#include "../base/duration.h"
#include "../base/hash.h"
#include "../base/hex.h"
#include "../base/jw.h"
#include "engine.h"
#include "engine_internal.h"
#include "keys.h"
#include "ledger.h"

const struct addr BRIDGE_ESCROW = {
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xb7, 0x1d, 0x9e}};

const char *bridge_status_name(enum bridge_status status) {
    switch (status) {
    case BRIDGE_INITIATED: return "initiated";
    case BRIDGE_SETTLED: return "settled";
    case BRIDGE_REFUND_REQUESTED: return "refund_requested";
    case BRIDGE_REFUNDED: return "refunded";
    }
    return "?";
}

enum bridge_status bridge_status_parse(const char *text, size_t len) {
    for (unsigned s = BRIDGE_INITIATED; s <= BRIDGE_REFUNDED; s++) {
        const char *name = bridge_status_name((enum bridge_status)s);
        if (strlen(name) == len && memcmp(name, text, len) == 0) return (enum bridge_status)s;
    }
    return (enum bridge_status)0;
}

static int bridge__open(uint8_t status) {
    return status == BRIDGE_INITIATED || status == BRIDGE_REFUND_REQUESTED;
}

int bridge_is_escrow(const struct engine *e, const struct addr *a) {
    return a != NULL && !e->bridge_moving && e->s.bridge.routes_count != 0 && addr_equal(a, &BRIDGE_ESCROW);
}

int bridge_route_find(const struct engine *e, uint64_t chain, uint16_t asset) {
    const struct bridge_book *b = &e->s.bridge;
    for (uint32_t i = 0; i < b->routes_count; i++) {
        if (b->routes[i].chain == chain && b->routes[i].asset == asset) return (int)i;
    }
    return -1;
}

static struct bridge_transfer *bridge__transfer(struct engine *e, uint64_t id) {
    if (id == 0) return NULL;
    struct bridge_transfer *t = &e->s.bridge.transfers[id % LIMIT_BRIDGE_TRANSFERS];
    return t->id == id ? t : NULL;
}

const struct bridge_transfer *bridge_transfer_find(const struct engine *e, uint64_t id) {
    return bridge__transfer((struct engine *)e, id);
}

/* The receipt key's address: the first 20 bytes of SHA-256 over a label,
 * the chain (8 bytes LE) and the tx hash. Two inbound transactions share
 * one only by a 160-bit collision, and then the second is refused
 * (ERR_ALREADY_RECEIVED): never a second mint. */
static void bridge__receipt_addr(uint64_t chain, const uint8_t tx[32], struct addr *out) {
    struct hash_ctx ctx;
    struct hash h;
    hash_init(&ctx);
    hash_update_str(&ctx, "mintline-bridge-receipt");
    hash_update_u64(&ctx, chain);
    hash_update(&ctx, tx, 32);
    hash_final(&ctx, &h);
    memcpy(out->bytes, h.bytes, ADDR_BYTES);
}

int bridge_received(const struct engine *e, uint64_t chain, const uint8_t tx[32]) {
    struct addr a;
    bridge__receipt_addr(chain, tx, &a);
    return engine_balance(e, KEY_BRIDGE_RECEIPT, &a) != 0;
}

/* ---- figures ---------------------------------------------------------- */

static int64_t bridge__hour(int64_t time_ns) {
    return time_ns / BRIDGE_HOUR_NS;
}

/* The bucket of the hour of now, reset when it held an older hour. */
static struct bridge_hour *bridge__bucket(struct bridge_route *r, int64_t now_ns) {
    int64_t hour = bridge__hour(now_ns);
    struct bridge_hour *h = &r->hours[(uint64_t)hour % BRIDGE_HOURS];
    if (h->hour != hour) {
        memset(h, 0, sizeof(*h));
        h->hour = hour;
    }
    return h;
}

static int bridge__in_window(const struct bridge_hour *h, int64_t now_ns) {
    int64_t hour = bridge__hour(now_ns);
    return h->hour >= 0 && h->hour <= hour && h->hour > hour - (int64_t)BRIDGE_HOURS;
}

/* Nearest rank: the ceil(pct x n / 100)-th smallest of sorted[0..n). */
static int64_t bridge__rank(const int64_t *sorted, uint32_t n, uint32_t pct) {
    if (n == 0) return 0;
    uint32_t rank = (pct * n + 99) / 100;
    if (rank == 0) rank = 1;
    return sorted[rank - 1];
}

static void bridge__percentiles(const struct bridge_route *r, struct bridge_figures *out) {
    int64_t sorted[LIMIT_BRIDGE_SETTLE_RING];
    uint32_t n = r->settle_count;
    for (uint32_t i = 0; i < n; i++) { /* insertion sort: at most 64 */
        int64_t v = r->settle_ns[i];
        uint32_t k = i;
        while (k > 0 && sorted[k - 1] > v) {
            sorted[k] = sorted[k - 1];
            k--;
        }
        sorted[k] = v;
    }
    out->samples = n;
    out->p50_ns = bridge__rank(sorted, n, 50);
    out->p95_ns = bridge__rank(sorted, n, 95);
}

/* a x b as a 256-bit (hi, lo). */
static void bridge__mul(u128 a, u128 b, u128 *hi, u128 *lo) {
    const u128 mask = UINT64_MAX;
    u128 a0 = a & mask, a1 = a >> 64, b0 = b & mask, b1 = b >> 64;
    u128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    u128 mid = (p00 >> 64) + (p01 & mask) + (p10 & mask);
    *lo = (p00 & mask) | (mid << 64);
    *hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
}

u128 bridge_buffer_required(u128 peak, int64_t latency_ns, uint64_t safety_e8) {
    if (peak == 0 || latency_ns <= 0 || safety_e8 == 0) return 0;
    /* latency_ns < 2^63 and safety_e8 < 2^64: their product fits. */
    u128 factor = (u128)(uint64_t)latency_ns * safety_e8;
    const u128 den = (u128)BRIDGE_HOUR_NS * BRIDGE_SAFETY_ONE;
    u128 hi, lo;
    bridge__mul(peak, factor, &hi, &lo);
    if (hi >= den) return U128_MAX; /* the quotient needs more than 128 bits */
    u128 q = 0, rem = hi;
    for (int i = 127; i >= 0; i--) { /* long division, one bit at a time */
        int carry = (int)(rem >> 127);
        rem = (rem << 1) | ((lo >> i) & 1u);
        q <<= 1;
        if (carry || rem >= den) {
            rem -= den;
            q |= 1u;
        }
    }
    if (rem != 0) { /* rounded up: the rule never understates the buffer */
        if (q == U128_MAX) return U128_MAX;
        q++;
    }
    return q;
}

void bridge_route_figures(const struct engine *e, uint32_t route, int64_t now_ns,
                          struct bridge_figures *out) {
    ASSERT(route < e->s.bridge.routes_count);
    const struct bridge_route *r = &e->s.bridge.routes[route];
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < BRIDGE_HOURS; i++) {
        const struct bridge_hour *h = &r->hours[i];
        if (!bridge__in_window(h, now_ns)) continue;
        out->settled_24h += h->settled;
        out->refunded_24h += h->refunded;
        if (h->outflow > out->peak_hourly_outflow) out->peak_hourly_outflow = h->outflow;
    }
    uint64_t done = out->settled_24h + out->refunded_24h;
    out->success_ppm = done == 0 ? 1000000u : (uint32_t)(out->settled_24h * 1000000u / done);
    bridge__percentiles(r, out);
    out->escrow = r->escrow;
    out->latency_ns = out->samples ? out->p95_ns : r->latency_ns;
    out->buffer_required =
        bridge_buffer_required(out->peak_hourly_outflow, out->latency_ns, r->safety_e8);
    out->buffer_actual = engine_balance(e, r->asset, &r->buffer);
    out->buffer_ok = out->buffer_actual >= out->buffer_required;
    out->buffer_minimum = bridge_buffer_required(out->peak_hourly_outflow, out->latency_ns, BRIDGE_SAFETY_ONE);
    out->buffer_projected = out->buffer_actual > out->escrow ? out->buffer_actual - out->escrow : 0;
}

int bridge_check_invariants(const struct engine *e) {
    const struct bridge_book *b = &e->s.bridge;
    u128 escrow[LIMIT_BRIDGE_ROUTES] = {0};
    for (uint32_t i = 0; i < LIMIT_BRIDGE_TRANSFERS; i++) {
        const struct bridge_transfer *t = &b->transfers[i];
        if (t->id == 0 || !bridge__open(t->status)) continue;
        if (t->route >= b->routes_count) return -1;
        escrow[t->route] += t->amount;
    }
    u128 per_asset[LIMIT_ASSETS] = {0};
    for (uint32_t i = 0; i < b->routes_count; i++) {
        if (escrow[i] != b->routes[i].escrow) return -1;
        per_asset[b->routes[i].asset] += escrow[i];
    }
    for (uint32_t a = 0; a < e->s.assets_count; a++) {
        if (per_asset[a] > engine_balance(e, a, &BRIDGE_ESCROW)) return -1;
    }
    return 0;
}

/* ---- ops ---------------------------------------------------------------- */

static struct event *bridge__event(struct event_buf *events, enum event_type type,
                                   const struct bridge_route *r, const struct bridge_transfer *t,
                                   uint32_t who) {
    struct event *ev = engine__emit(events, type, r->asset);
    ev->value = (int64_t)r->chain;
    ev->who = who;
    if (t != NULL) {
        ev->ref_id = t->id;
        ev->from = t->from;
        ev->to = t->to;
        ev->amount = t->amount;
    }
    return ev;
}

/* The route a send or receive names, usable: ERR_UNKNOWN_CHAIN,
 * ERR_ROUTE_DISABLED. */
static enum err bridge__route_for(struct engine *e, const struct command *cmd,
                                  struct bridge_route **route, struct apply_result *out) {
    int i = bridge_route_find(e, cmd->chain, cmd->asset);
    if (i < 0) {
        snprintf(out->detail, sizeof(out->detail), "no route for %s to chain %llu",
                 e->s.assets[cmd->asset].symbol, (unsigned long long)cmd->chain);
        return ERR_UNKNOWN_CHAIN;
    }
    *route = &e->s.bridge.routes[i];
    return (*route)->enabled ? ERR_OK : ERR_ROUTE_DISABLED;
}

/* A transfer-shaped command for ledger.c's handlers. */
static void bridge__move_cmd(const struct command *cmd, uint16_t op, uint16_t asset,
                             const struct addr *from, const struct addr *to, u128 amount,
                             struct command *out) {
    memset(out, 0, sizeof(*out));
    out->op = op;
    out->asset = asset;
    out->operator_index = cmd->operator_index;
    out->present = CMD_HAS_ASSET | CMD_HAS_AMOUNT;
    out->amount = amount;
    if (from != NULL) {
        out->from = *from;
        out->present |= CMD_HAS_FROM;
    }
    if (to != NULL) {
        out->to = *to;
        out->present |= CMD_HAS_TO;
    }
}

enum err bridge_send_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                           struct apply_result *out) {
    struct bridge_route *r;
    enum err err = bridge__route_for(e, cmd, &r, out);
    if (err) return err;
    if (cmd->amount < r->min || (r->max != 0 && cmd->amount > r->max)) return ERR_ROUTE_LIMIT;
    struct bridge_book *b = &e->s.bridge;
    uint64_t id = b->next_transfer_id + 1;
    struct bridge_transfer *slot = &b->transfers[id % LIMIT_BRIDGE_TRANSFERS];
    if (slot->id != 0 && bridge__open(slot->status)) {
        snprintf(out->detail, sizeof(out->detail),
                 "transfer %llu is still in flight: at most %u at once; settle or refund it",
                 (unsigned long long)slot->id, LIMIT_BRIDGE_TRANSFERS);
        return ERR_LIMIT_REACHED;
    }
    u128 escrow, sent;
    if (u128_add(r->escrow, cmd->amount, &escrow) || u128_add(r->sent_total, cmd->amount, &sent)) {
        return ERR_OVERFLOW;
    }
    const struct bridge_hour *now = &r->hours[(uint64_t)bridge__hour(e->s.time_ns) % BRIDGE_HOURS];
    u128 outflow;
    if (u128_add(now->hour == bridge__hour(e->s.time_ns) ? now->outflow : 0, cmd->amount,
                 &outflow)) {
        return ERR_OVERFLOW;
    }
    struct command move;
    bridge__move_cmd(cmd, OP_TRANSFER, cmd->asset, &cmd->from, &BRIDGE_ESCROW, cmd->amount, &move);
    if (addr_equal(&cmd->from, &BRIDGE_ESCROW)) return ERR_INVALID_ADDRESS; /* bridge_is_escrow */
    e->bridge_moving = 1;
    err = ledger_transfer_apply(e, &move, events, out); /* checks 2-6; nothing changed on error */
    e->bridge_moving = 0;
    if (err) return err;
    bridge__bucket(r, e->s.time_ns)->outflow = outflow;
    r->escrow = escrow;
    r->sent_total = sent;
    r->sent_count++;
    b->next_transfer_id = id;
    memset(slot, 0, sizeof(*slot));
    slot->id = id;
    slot->route = (uint16_t)(r - b->routes);
    slot->status = BRIDGE_INITIATED;
    slot->from = cmd->from;
    slot->to = cmd->to;
    slot->amount = cmd->amount;
    slot->created_ns = e->s.time_ns;
    bridge__event(events, EVENT_BRIDGE_SENT, r, slot, cmd->operator_index); /* ref_id: the id */
    return ERR_OK;
}

/* The transfer a command names, or ERR_NOT_FOUND. */
static enum err bridge__named(struct engine *e, const struct command *cmd,
                              struct bridge_transfer **t, struct apply_result *out) {
    *t = bridge__transfer(e, cmd->id);
    if (*t != NULL) return ERR_OK;
    if (cmd->id <= e->s.bridge.next_transfer_id) {
        snprintf(
            out->detail, sizeof(out->detail),
            "transfer %llu is finished and older than the %u kept; its record is in the journal",
            (unsigned long long)cmd->id, LIMIT_BRIDGE_TRANSFERS);
    } else {
        snprintf(out->detail, sizeof(out->detail), "no bridge transfer %llu",
                 (unsigned long long)cmd->id);
    }
    return ERR_NOT_FOUND;
}

static enum err bridge__finished_err(const struct bridge_transfer *t) {
    if (t->status == BRIDGE_SETTLED) return ERR_ALREADY_SETTLED;
    if (t->status == BRIDGE_REFUNDED) return ERR_ALREADY_REFUNDED;
    return ERR_OK;
}

static void bridge__settle_sample(struct bridge_route *r, int64_t ns) {
    r->settle_ns[r->settle_next] = ns;
    r->settle_next = (r->settle_next + 1) % LIMIT_BRIDGE_SETTLE_RING;
    if (r->settle_count < LIMIT_BRIDGE_SETTLE_RING) r->settle_count++;
}

enum err bridge_confirm_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                              struct apply_result *out) {
    struct bridge_transfer *t;
    enum err err = bridge__named(e, cmd, &t, out);
    if (err) return err;
    err = bridge__finished_err(t);
    if (err) return err;
    struct bridge_route *r = &e->s.bridge.routes[t->route];
    struct command burn;
    bridge__move_cmd(cmd, OP_BURN, r->asset, &BRIDGE_ESCROW, NULL, t->amount, &burn);
    e->bridge_moving = 1;
    err = ledger_burn_apply(e, &burn, events, out); /* the escrow leaves this ledger */
    e->bridge_moving = 0;
    if (err) return err;
    if (t->status == BRIDGE_REFUND_REQUESTED) out->note = "settled: its refund request is void";
    ASSERT(r->escrow >= t->amount);
    r->escrow -= t->amount;
    r->settled_count++;
    bridge__bucket(r, e->s.time_ns)->settled++;
    int64_t took = e->s.time_ns - t->created_ns;
    bridge__settle_sample(r, took);
    t->status = BRIDGE_SETTLED;
    t->finished_ns = e->s.time_ns;
    t->finished_by = cmd->operator_index;
    memcpy(t->tx, cmd->pubkey, sizeof(t->tx));
    struct event *ev = bridge__event(events, EVENT_BRIDGE_SETTLED, r, t, cmd->operator_index);
    ev->flags = (uint32_t)(took / NS_PER_S); /* settlement seconds, capped below */
    if (took / NS_PER_S > UINT32_MAX) ev->flags = UINT32_MAX;
    return ERR_OK;
}

enum err bridge_refund_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                             struct apply_result *out) {
    struct bridge_transfer *t;
    enum err err = bridge__named(e, cmd, &t, out);
    if (err) return err;
    err = bridge__finished_err(t);
    if (err) return err;
    struct bridge_route *r = &e->s.bridge.routes[t->route];
    if (t->status == BRIDGE_REFUND_REQUESTED) {
        out->note = "refund already requested";
    } else {
        int64_t due = t->created_ns + r->timeout_ns;
        if (e->s.time_ns < due) {
            char when[40];
            time_format_iso(due, when);
            snprintf(out->detail, sizeof(out->detail), "a refund may be requested from %s", when);
            return ERR_TIMEOUT_NOT_REACHED;
        }
        t->status = BRIDGE_REFUND_REQUESTED;
        t->requested_ns = e->s.time_ns;
        t->requested_by = cmd->operator_index;
    }
    struct event *ev = bridge__event(events, EVENT_BRIDGE_REFUND_REQUESTED, r, t, t->requested_by);
    ev->flags = out->note != NULL;
    return ERR_OK;
}

enum err bridge_refund_execute_apply(struct engine *e, const struct command *cmd,
                                     struct event_buf *events, struct apply_result *out) {
    struct bridge_transfer *t;
    enum err err = bridge__named(e, cmd, &t, out);
    if (err) return err;
    err = bridge__finished_err(t);
    if (err) return err;
    if (t->status != BRIDGE_REFUND_REQUESTED) return ERR_REFUND_NOT_REQUESTED;
    if (t->requested_by == cmd->operator_index) return ERR_SAME_SIGNER;
    struct bridge_route *r = &e->s.bridge.routes[t->route];
    struct command back;
    bridge__move_cmd(cmd, OP_TRANSFER, r->asset, &BRIDGE_ESCROW, &t->from, t->amount, &back);
    e->bridge_moving = 1;
    err = ledger_transfer_apply(e, &back, events, out); /* checks 2-4 on the sender */
    e->bridge_moving = 0;
    if (err) return err;
    ASSERT(r->escrow >= t->amount);
    r->escrow -= t->amount;
    r->refunded_count++;
    bridge__bucket(r, e->s.time_ns)->refunded++;
    t->status = BRIDGE_REFUNDED;
    t->finished_ns = e->s.time_ns;
    t->finished_by = cmd->operator_index;
    bridge__event(events, EVENT_BRIDGE_REFUNDED, r, t, cmd->operator_index);
    return ERR_OK;
}

enum err bridge_receive_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                              struct apply_result *out) {
    struct bridge_route *r;
    enum err err = bridge__route_for(e, cmd, &r, out);
    if (err) return err;
    struct addr key;
    bridge__receipt_addr(cmd->chain, cmd->pubkey, &key);
    if (engine_balance(e, KEY_BRIDGE_RECEIPT, &key) != 0) return ERR_ALREADY_RECEIVED;
    u128 received;
    if (u128_add(r->received_total, cmd->amount, &received)) return ERR_OVERFLOW;
    struct command mint;
    bridge__move_cmd(cmd, OP_MINT, cmd->asset, NULL, &cmd->to, cmd->amount, &mint);
    err = ledger_mint_apply(e, &mint, events, out); /* checks 2-11 */
    if (err) return err;
    uint32_t slot = holdings_upsert(&e->holdings, KEY_BRIDGE_RECEIPT, &key);
    holdings_set_balance(&e->holdings, slot, cmd->amount);
    r->received_total = received;
    r->received_count++;
    struct event *ev = bridge__event(events, EVENT_BRIDGE_RECEIVED, r, NULL, cmd->operator_index);
    ev->to = cmd->to;
    ev->amount = cmd->amount;
    return ERR_OK;
}

/* A route's parameters, from a command or genesis; ERR_INVALID_ARGUMENT
 * with the reason in why. */
static enum err bridge__route_check(const struct engine_state *s, const struct bridge_route *r,
                                    char *why, size_t why_size) {
    const char *bad = NULL;
    if (r->chain == 0 || r->chain > UINT64_MAX / 2)
        bad = "chain: a positive chain id";
    else if (r->asset >= s->assets_count)
        bad = "asset: unknown";
    else if (s->assets[r->asset].kind == ASSET_SECURITY)
        bad = "asset: a security token does not bridge";
    else if (r->min == 0)
        bad = "min: more than zero";
    else if (r->max != 0 && r->max < r->min)
        bad = "max: at least min (or 0: no maximum)";
    else if (r->timeout_ns <= 0)
        bad = "timeout: more than zero";
    else if (r->latency_ns < 0)
        bad = "latency: zero or more";
    else if (r->safety_e8 < BRIDGE_SAFETY_ONE || r->safety_e8 > BRIDGE_SAFETY_MAX) {
        bad = "safety_factor: 1 to 100";
    } else if (addr_equal(&r->buffer, &BRIDGE_ESCROW))
        bad = "buffer_account: not the escrow address";
    if (bad == NULL) return ERR_OK;
    snprintf(why, why_size, "%s", bad);
    return ERR_INVALID_ARGUMENT;
}

static void bridge__route_init(struct bridge_route *r) {
    memset(r, 0, sizeof(*r));
    for (unsigned i = 0; i < BRIDGE_HOURS; i++)
        r->hours[i].hour = -1;
}

enum err bridge_route_set_apply(struct engine *e, const struct command *cmd,
                                struct event_buf *events, struct apply_result *out) {
    struct bridge_book *b = &e->s.bridge;
    int i = bridge_route_find(e, cmd->chain, cmd->asset);
    struct bridge_route want;
    if (i >= 0)
        want = b->routes[i]; /* figures and the enabled flag stay */
    else {
        bridge__route_init(&want);
        want.chain = cmd->chain;
        want.asset = cmd->asset;
        want.enabled = 1;
    }
    want.min = cmd->amount;
    want.max = cmd->max_balance;
    want.timeout_ns = cmd->duration_ns;
    want.latency_ns = (cmd->present & CMD_HAS(FIELD_DELAY)) ? cmd->delay_ns : cmd->duration_ns;
    want.safety_e8 = cmd->price > UINT64_MAX ? UINT64_MAX : (uint64_t)cmd->price;
    want.buffer = cmd->to;
    enum err err = bridge__route_check(&e->s, &want, out->detail, sizeof(out->detail));
    if (err) return err;
    if (i < 0 && b->routes_count == LIMIT_BRIDGE_ROUTES) {
        snprintf(out->detail, sizeof(out->detail), "at most %u routes", LIMIT_BRIDGE_ROUTES);
        return ERR_LIMIT_REACHED;
    }
    uint32_t added = i < 0;
    if (i < 0) i = (int)b->routes_count++;
    b->routes[i] = want;
    struct event *ev =
        bridge__event(events, EVENT_BRIDGE_ROUTE_SET, &want, NULL, cmd->operator_index);
    ev->amount = want.min;
    ev->flags = added;
    return ERR_OK;
}

/* bridge.route.enable and bridge.route.disable: every route to the chain,
 * or the one of the asset named; one event, whose ref_id counts the
 * routes it changed. Enabling what is enabled (or disabling what is
 * disabled) succeeds and says so, like a pause. */
enum err bridge_route_enable_apply(struct engine *e, const struct command *cmd,
                                   struct event_buf *events, struct apply_result *out) {
    struct bridge_book *b = &e->s.bridge;
    uint8_t enable = cmd->op == OP_BRIDGE_ROUTE_ENABLE;
    uint32_t matched = 0, changed = 0;
    for (uint32_t i = 0; i < b->routes_count; i++) {
        struct bridge_route *r = &b->routes[i];
        if (r->chain != cmd->chain) continue;
        if ((cmd->present & CMD_HAS_ASSET) && r->asset != cmd->asset) continue;
        matched++;
    }
    if (matched == 0) {
        snprintf(out->detail, sizeof(out->detail), "no route to chain %llu",
                 (unsigned long long)cmd->chain);
        return ERR_UNKNOWN_CHAIN;
    }
    for (uint32_t i = 0; i < b->routes_count; i++) {
        struct bridge_route *r = &b->routes[i];
        if (r->chain != cmd->chain) continue;
        if ((cmd->present & CMD_HAS_ASSET) && r->asset != cmd->asset) continue;
        changed += r->enabled != enable;
        r->enabled = enable;
    }
    if (changed == 0) out->note = enable ? "already enabled" : "already disabled";
    struct event *ev =
        engine__emit(events, enable ? EVENT_BRIDGE_ROUTE_ENABLED : EVENT_BRIDGE_ROUTE_DISABLED,
                     (cmd->present & CMD_HAS_ASSET) ? cmd->asset : (uint16_t)EVENT_NO_ASSET);
    ev->value = (int64_t)cmd->chain;
    ev->who = cmd->operator_index;
    ev->ref_id = changed;
    ev->flags = changed == 0;
    return ERR_OK;
}

/* ---- genesis ------------------------------------------------------------ */

static const char *bridge__text(const json_t *v, char tmp[32]) {
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        snprintf(tmp, 32, "%lld", (long long)json_integer_value(v));
        return tmp;
    }
    return NULL;
}

static const char *const bridge__keys[] = {"chain",   "asset",   "min",           "max",
                                           "timeout", "latency", "safety_factor", "buffer_account",
                                           "enabled", NULL};

static int bridge__key_known(const char *key) {
    for (unsigned i = 0; bridge__keys[i] != NULL; i++) {
        if (strcmp(bridge__keys[i], key) == 0) return 1;
    }
    return 0;
}

static int bridge__chain_parse(const char *t, uint64_t *out) {
    size_t n = t ? strlen(t) : 0;
    if (n == 0 || n > 19) return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9') return -1;
        v = v * 10 + (uint64_t)(t[i] - '0');
    }
    *out = v;
    return v == 0 || v > UINT64_MAX / 2 ? -1 : 0;
}

/* One route's scalars; the reason names the key. */
static const char *bridge__genesis_fields(const struct engine_state *s, const json_t *item,
                                          struct bridge_route *r) {
    char tmp[32];
    const char *t = bridge__text(json_object_get(item, "chain"), tmp);
    if (bridge__chain_parse(t, &r->chain) != 0) return "chain: a positive chain id";
    const char *sym = json_string_value(json_object_get(item, "asset"));
    r->asset = UINT16_MAX;
    for (uint32_t i = 0; sym != NULL && i < s->assets_count; i++) {
        if (strcmp(s->assets[i].symbol, sym) == 0) r->asset = (uint16_t)i;
    }
    if (r->asset == UINT16_MAX) return "asset: unknown";
    unsigned decimals = s->assets[r->asset].decimals;
    t = bridge__text(json_object_get(item, "min"), tmp);
    if (t == NULL || amount_parse(t, strlen(t), decimals, &r->min) != ERR_OK)
        return "min: an amount";
    const json_t *v = json_object_get(item, "max");
    t = bridge__text(v, tmp);
    if (v != NULL && (t == NULL || amount_parse(t, strlen(t), decimals, &r->max) != ERR_OK))
        return "max: an amount";
    t = json_string_value(json_object_get(item, "timeout"));
    if (t == NULL || duration_parse(t, strlen(t), &r->timeout_ns) != ERR_OK)
        return "timeout: a duration";
    r->latency_ns = r->timeout_ns;
    v = json_object_get(item, "latency");
    t = json_string_value(v);
    if (v != NULL && (t == NULL || duration_parse(t, strlen(t), &r->latency_ns) != ERR_OK))
        return "latency: a duration";
    u128 safety = BRIDGE_SAFETY_ONE;
    v = json_object_get(item, "safety_factor");
    t = bridge__text(v, tmp);
    if (v != NULL &&
        (t == NULL || amount_parse_loose(t, strlen(t), FEED_DECIMALS, &safety) != ERR_OK)) {
        return "safety_factor: a number, 8 fraction digits at most";
    }
    r->safety_e8 = safety > BRIDGE_SAFETY_MAX ? BRIDGE_SAFETY_MAX + 1 : (uint64_t)safety;
    t = json_string_value(json_object_get(item, "buffer_account"));
    if (t == NULL || addr_parse(t, strlen(t), &r->buffer) != ERR_OK)
        return "buffer_account: an address";
    v = json_object_get(item, "enabled");
    r->enabled = 1;
    if (v != NULL) {
        const char *b = json_string_value(v);
        if (json_is_false(v) || (b != NULL && strcmp(b, "false") == 0))
            r->enabled = 0;
        else if (!json_is_true(v) && (b == NULL || strcmp(b, "true") != 0))
            return "enabled: true or false";
    }
    return NULL;
}

enum err bridge_genesis(struct engine_state *s, const json_t *list, char *why, size_t why_size) {
    if (list == NULL) return ERR_OK;
    if (!json_is_array(list) || json_array_size(list) > LIMIT_BRIDGE_ROUTES) {
        snprintf(why, why_size, "bridge_routes: a list of at most %u", LIMIT_BRIDGE_ROUTES);
        return ERR_INVALID_GENESIS;
    }
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item) {
        if (!json_is_object(item)) {
            snprintf(why, why_size, "bridge_routes: each must be a mapping");
            return ERR_INVALID_GENESIS;
        }
        const char *key;
        const json_t *value;
        json_object_foreach((json_t *)item, key, value) {
            if (!bridge__key_known(key)) {
                snprintf(why, why_size, "bridge route: unknown key: %s", key);
                return ERR_INVALID_GENESIS;
            }
        }
        struct bridge_route *r = &s->bridge.routes[s->bridge.routes_count];
        bridge__route_init(r);
        char detail[96];
        const char *bad = bridge__genesis_fields(s, item, r);
        if (bad == NULL && bridge__route_check(s, r, detail, sizeof(detail)) != ERR_OK)
            bad = detail;
        for (uint32_t k = 0; bad == NULL && k < s->bridge.routes_count; k++) {
            if (s->bridge.routes[k].chain == r->chain && s->bridge.routes[k].asset == r->asset) {
                bad = "a second route for the same chain and asset";
            }
        }
        if (bad != NULL) {
            snprintf(why, why_size, "bridge route %zu: %s", i + 1, bad);
            return ERR_INVALID_GENESIS;
        }
        s->bridge.routes_count++;
    }
    return ERR_OK;
}

/* ---- events ------------------------------------------------------------- */

void bridge_event_data(const struct engine *e, const struct event *ev, struct jw *w) {
    unsigned decimals = ev->asset < e->s.assets_count ? e->s.assets[ev->asset].decimals : 0;
    char text[ADDR_TEXT_SIZE + 8];
    snprintf(text, sizeof(text), "%llu", (unsigned long long)ev->value);
    jw_kv_string(w, "chain", text);
    enum event_type type = (enum event_type)ev->type;
    if (type == EVENT_BRIDGE_ROUTE_SET || type == EVENT_BRIDGE_ROUTE_ENABLED ||
        type == EVENT_BRIDGE_ROUTE_DISABLED) {
        if (type == EVENT_BRIDGE_ROUTE_SET) {
            jw_kv_bool(w, "new", ev->flags != 0);
            jw_kv_amount(w, "min", ev->amount, decimals);
        } else {
            jw_kv_uint(w, "routes_changed", ev->ref_id);
            jw_kv_bool(w, "already", ev->flags != 0);
        }
        return;
    }
    if (type != EVENT_BRIDGE_RECEIVED) {
        jw_kv_uint(w, "id", ev->ref_id);
        addr_format(&ev->from, text);
        jw_kv_string(w, "from", text);
    }
    addr_format(&ev->to, text);
    jw_kv_string(w, "to", text);
    jw_kv_amount(w, "amount", ev->amount, decimals);
    if (type == EVENT_BRIDGE_SETTLED) jw_kv_uint(w, "settlement_seconds", ev->flags);
    if (type == EVENT_BRIDGE_REFUND_REQUESTED) jw_kv_bool(w, "already", ev->flags != 0);
}

/* ---- state bytes -------------------------------------------------------- */

static void bridge__route_write(const struct bridge_route *r, struct buf *out) {
    buf_put_u64(out, r->chain);
    buf_put_u16(out, r->asset);
    buf_put_u8(out, r->enabled);
    buf_put_u64(out, r->safety_e8);
    buf_put_u128(out, r->min);
    buf_put_u128(out, r->max);
    buf_put_u64(out, (uint64_t)r->timeout_ns);
    buf_put_u64(out, (uint64_t)r->latency_ns);
    buf_put(out, r->buffer.bytes, ADDR_BYTES);
    buf_put_u128(out, r->escrow);
    buf_put_u128(out, r->sent_total);
    buf_put_u128(out, r->received_total);
    buf_put_u64(out, r->sent_count);
    buf_put_u64(out, r->settled_count);
    buf_put_u64(out, r->refunded_count);
    buf_put_u64(out, r->received_count);
    for (unsigned i = 0; i < BRIDGE_HOURS; i++) {
        buf_put_u64(out, (uint64_t)r->hours[i].hour);
        buf_put_u32(out, r->hours[i].settled);
        buf_put_u32(out, r->hours[i].refunded);
        buf_put_u128(out, r->hours[i].outflow);
    }
    buf_put_u32(out, r->settle_count);
    buf_put_u32(out, r->settle_next);
    for (uint32_t i = 0; i < r->settle_count; i++)
        buf_put_u64(out, (uint64_t)r->settle_ns[i]);
}

static void bridge__transfer_write(const struct bridge_transfer *t, struct buf *out) {
    buf_put_u64(out, t->id);
    buf_put_u16(out, t->route);
    buf_put_u8(out, t->status);
    buf_put_u32(out, t->requested_by);
    buf_put_u32(out, t->finished_by);
    buf_put(out, t->from.bytes, ADDR_BYTES);
    buf_put(out, t->to.bytes, ADDR_BYTES);
    buf_put_u128(out, t->amount);
    buf_put_u64(out, (uint64_t)t->created_ns);
    buf_put_u64(out, (uint64_t)t->requested_ns);
    buf_put_u64(out, (uint64_t)t->finished_ns);
    buf_put(out, t->tx, sizeof(t->tx));
}

void bridge_state_write(const struct engine_state *s, struct buf *out) {
    const struct bridge_book *b = &s->bridge;
    if (b->routes_count == 0) return; /* transfers need a route */
    buf_put(out, "brg", 3);
    buf_put_u32(out, b->routes_count);
    for (uint32_t i = 0; i < b->routes_count; i++)
        bridge__route_write(&b->routes[i], out);
    buf_put_u64(out, b->next_transfer_id);
    uint32_t n = 0;
    for (uint32_t i = 0; i < LIMIT_BRIDGE_TRANSFERS; i++)
        n += b->transfers[i].id != 0;
    buf_put_u32(out, n);
    for (uint32_t i = 0; i < LIMIT_BRIDGE_TRANSFERS; i++) { /* slot order */
        if (b->transfers[i].id != 0) bridge__transfer_write(&b->transfers[i], out);
    }
}

static int bridge__route_read(struct buf_reader *r, const struct engine_state *s,
                              struct bridge_route *x) {
    bridge__route_init(x);
    x->chain = buf_get_u64(r);
    x->asset = buf_get_u16(r);
    x->enabled = buf_get_u8(r);
    x->safety_e8 = buf_get_u64(r);
    x->min = buf_get_u128(r);
    x->max = buf_get_u128(r);
    x->timeout_ns = (int64_t)buf_get_u64(r);
    x->latency_ns = (int64_t)buf_get_u64(r);
    buf_get(r, x->buffer.bytes, ADDR_BYTES);
    x->escrow = buf_get_u128(r);
    x->sent_total = buf_get_u128(r);
    x->received_total = buf_get_u128(r);
    x->sent_count = buf_get_u64(r);
    x->settled_count = buf_get_u64(r);
    x->refunded_count = buf_get_u64(r);
    x->received_count = buf_get_u64(r);
    for (unsigned i = 0; i < BRIDGE_HOURS; i++) {
        struct bridge_hour *h = &x->hours[i];
        h->hour = (int64_t)buf_get_u64(r);
        h->settled = buf_get_u32(r);
        h->refunded = buf_get_u32(r);
        h->outflow = buf_get_u128(r);
        if (h->hour < -1 || (h->hour >= 0 && (uint64_t)h->hour % BRIDGE_HOURS != i)) return -1;
        if (h->hour < 0 && (h->settled || h->refunded || h->outflow)) return -1;
    }
    x->settle_count = buf_get_u32(r);
    x->settle_next = buf_get_u32(r);
    if (r->failed || x->settle_count > LIMIT_BRIDGE_SETTLE_RING ||
        x->settle_next >= LIMIT_BRIDGE_SETTLE_RING)
        return -1;
    if (x->settle_count < LIMIT_BRIDGE_SETTLE_RING && x->settle_next != x->settle_count) return -1;
    for (uint32_t i = 0; i < x->settle_count; i++) {
        x->settle_ns[i] = (int64_t)buf_get_u64(r);
        if (x->settle_ns[i] < 0) return -1;
    }
    char why[96];
    if (r->failed || x->enabled > 1 || bridge__route_check(s, x, why, sizeof(why)) != ERR_OK)
        return -1;
    return 0;
}

static int bridge__transfer_read(struct buf_reader *r, const struct engine_state *s,
                                 struct bridge_transfer *t) {
    const struct bridge_book *b = &s->bridge;
    t->id = buf_get_u64(r);
    t->route = buf_get_u16(r);
    t->status = buf_get_u8(r);
    t->requested_by = buf_get_u32(r);
    t->finished_by = buf_get_u32(r);
    buf_get(r, t->from.bytes, ADDR_BYTES);
    buf_get(r, t->to.bytes, ADDR_BYTES);
    t->amount = buf_get_u128(r);
    t->created_ns = (int64_t)buf_get_u64(r);
    t->requested_ns = (int64_t)buf_get_u64(r);
    t->finished_ns = (int64_t)buf_get_u64(r);
    buf_get(r, t->tx, sizeof(t->tx));
    if (r->failed || t->id == 0 || t->id > b->next_transfer_id) return -1;
    if (b->next_transfer_id >= LIMIT_BRIDGE_TRANSFERS &&
        t->id <= b->next_transfer_id - LIMIT_BRIDGE_TRANSFERS)
        return -1;
    if (t->route >= b->routes_count || t->amount == 0) return -1;
    if (t->status < BRIDGE_INITIATED || t->status > BRIDGE_REFUNDED) return -1;
    if (t->requested_by >= s->operators_count || t->finished_by >= s->operators_count) return -1;
    int requested = t->status == BRIDGE_REFUND_REQUESTED || t->status == BRIDGE_REFUNDED;
    if (!requested && t->requested_ns != 0 && t->status != BRIDGE_SETTLED) return -1;
    if (bridge__open(t->status) != (t->finished_ns == 0)) return -1;
    if (t->created_ns > s->time_ns || t->finished_ns > s->time_ns || t->requested_ns > s->time_ns)
        return -1;
    return 0;
}

int bridge_state_read(struct buf_reader *r, struct engine_state *s) {
    if (r->len - r->pos < 3 || memcmp(r->data + r->pos, "brg", 3) != 0) return 0; /* none */
    char magic[3];
    buf_get(r, magic, sizeof(magic));
    struct bridge_book *b = &s->bridge;
    b->routes_count = buf_get_u32(r);
    if (r->failed || b->routes_count == 0 || b->routes_count > LIMIT_BRIDGE_ROUTES) return -1;
    for (uint32_t i = 0; i < b->routes_count; i++) {
        if (bridge__route_read(r, s, &b->routes[i]) != 0) return -1;
        for (uint32_t k = 0; k < i; k++) {
            if (b->routes[k].chain == b->routes[i].chain &&
                b->routes[k].asset == b->routes[i].asset)
                return -1;
        }
    }
    b->next_transfer_id = buf_get_u64(r);
    uint32_t n = buf_get_u32(r);
    if (r->failed || n > LIMIT_BRIDGE_TRANSFERS || n > b->next_transfer_id) return -1;
    memset(b->transfers, 0, sizeof(b->transfers));
    u128 escrow[LIMIT_BRIDGE_ROUTES] = {0};
    int64_t prev_slot = -1;
    for (uint32_t i = 0; i < n; i++) {
        struct bridge_transfer t;
        memset(&t, 0, sizeof(t));
        if (bridge__transfer_read(r, s, &t) != 0) return -1;
        int64_t slot = (int64_t)(t.id % LIMIT_BRIDGE_TRANSFERS);
        if (slot <= prev_slot) return -1; /* slot order, each once */
        prev_slot = slot;
        b->transfers[slot] = t;
        if (bridge__open(t.status) && u128_add(escrow[t.route], t.amount, &escrow[t.route]))
            return -1;
    }
    for (uint32_t i = 0; i < b->routes_count; i++) {
        if (escrow[i] != b->routes[i].escrow) return -1;
    }
    return r->failed ? -1 : 0;
}
