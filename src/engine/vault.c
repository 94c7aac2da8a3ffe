/*
 * vault.c - collateralised debt vaults (vault.h has the model).
 *
 * Every handler validates first and mutates last: a refused command
 * changes nothing. The checks run in SPEC 3's order (pause, blacklist and
 * freeze, balance, supply cap), then the vault's own rules (feed, dust,
 * ceiling, health). Health comparisons are exact in 384-bit integers;
 * every division names its rounding.
 */
#include "vault.h"

#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/check.h"
#include "../base/jw.h"
#include "engine.h"
#include "engine_internal.h"
#include "ledger.h"
#include "oracle.h"
#include "restrict.h"

/* ------------------------------------------------------------------ */
/* 384-bit unsigned integers, just enough for exact comparisons        */
/* ------------------------------------------------------------------ */

/* The largest product formed is collateral (128 bits) * price (128) *
 * 10^(18+6) (80): 336 bits, so six limbs never overflow (asserted). */
#define VAULT__LIMBS 6u

struct vault__wide {
    uint64_t w[VAULT__LIMBS]; /* little-endian limbs */
};

static void vault__wide_set(struct vault__wide *x, u128 v) {
    memset(x, 0, sizeof(*x));
    x->w[0] = (uint64_t)v;
    x->w[1] = (uint64_t)(v >> 64);
}

static void vault__wide_mul64(struct vault__wide *x, uint64_t m) {
    u128 carry = 0;
    for (unsigned i = 0; i < VAULT__LIMBS; i++) {
        u128 t = (u128)x->w[i] * m + carry;
        x->w[i] = (uint64_t)t;
        carry = t >> 64;
    }
    ASSERT(carry == 0);
}

/* x *= m (m < 2^128): x * lo + (x * hi) << 64. */
static void vault__wide_mul(struct vault__wide *x, u128 m) {
    uint64_t lo = (uint64_t)m;
    uint64_t hi = (uint64_t)(m >> 64);
    if (hi == 0) {
        vault__wide_mul64(x, lo);
        return;
    }
    struct vault__wide h = *x;
    vault__wide_mul64(&h, hi);
    ASSERT(h.w[VAULT__LIMBS - 1] == 0);
    vault__wide_mul64(x, lo);
    unsigned carry = 0;
    for (unsigned i = 1; i < VAULT__LIMBS; i++) {
        uint64_t add = h.w[i - 1];
        uint64_t s = x->w[i] + add;
        unsigned c1 = s < add;
        uint64_t s2 = s + carry;
        unsigned c2 = s2 < s;
        x->w[i] = s2;
        carry = c1 | c2;
    }
    ASSERT(carry == 0);
}

static int vault__wide_cmp(const struct vault__wide *a, const struct vault__wide *b) {
    for (unsigned i = VAULT__LIMBS; i-- > 0;) {
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

/* The largest q <= cap with q * den <= num (den > 0): a quotient rounded
 * down, found bit by bit (128 steps; never on the transfer path). */
static u128 vault__quotient(const struct vault__wide *num, const struct vault__wide *den, u128 cap) {
    u128 q = 0;
    for (unsigned bit = 128; bit-- > 0;) {
        u128 t = q | ((u128)1 << bit);
        if (t > cap) continue;
        struct vault__wide p = *den;
        vault__wide_mul(&p, t);
        if (vault__wide_cmp(&p, num) <= 0) q = t;
    }
    return q;
}

/* ------------------------------------------------------------------ */
/* names, ratios, lookups                                              */
/* ------------------------------------------------------------------ */

int vault_type_name_valid(const char *name, size_t len) {
    if (len == 0 || len > VAULT_TYPE_NAME_MAX) return 0;
    char c0 = name[0];
    if (!((c0 >= 'A' && c0 <= 'Z') || (c0 >= 'a' && c0 <= 'z'))) return 0;
    for (size_t i = 1; i < len; i++) {
        char c = name[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
        if (!ok) return 0;
    }
    return 1;
}

enum err vault_ratio_parse(const char *text, size_t len, int loose, uint32_t *ppm) {
    if (len < 2 || text[len - 1] != '%') return ERR_INVALID_AMOUNT;
    u128 v; /* in 1/10,000 of a percent: ppm */
    enum err err = loose ? amount_parse_loose(text, len - 1, 4, &v) : amount_parse(text, len - 1, 4, &v);
    if (err) return ERR_INVALID_AMOUNT;
    if (v > VAULT_RATIO_PPM_MAX) return ERR_INVALID_AMOUNT;
    *ppm = (uint32_t)v;
    return ERR_OK;
}

const struct vault *vault_find(const struct engine *e, uint64_t id) {
    if (id == 0 || id > e->s.vlt.vaults_count) return NULL;
    return &e->s.vlt.vaults[id - 1];
}

static int vault__type_find_state(const struct engine_state *s, const char *name, size_t len) {
    for (uint32_t i = 0; i < s->vlt.types_count; i++) {
        const char *n = s->vlt.types[i].name;
        if (strlen(n) == len && memcmp(n, name, len) == 0) return (int)i;
    }
    return -1;
}

int vault_type_find(const struct engine *e, const char *name, size_t len) {
    return vault__type_find_state(&e->s, name, len);
}

/* VAULT_ESCROW_ADDR's bytes (test_vault checks they match the text). */
static const struct addr vault__escrow_addr = {{0x56, 0x41, 0x55, 0x4c, 0x54, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                0, 0, 0x01}};

static struct addr vault__escrow(void) { return vault__escrow_addr; }

int vault_is_escrow(const struct engine *e, const struct addr *a) {
    return a != NULL && e->s.vlt.types_count != 0 && addr_equal(a, &vault__escrow_addr);
}

enum err vault_command_asset(const struct engine *e, struct command *cmd) {
    int collateral = cmd->op == OP_VAULT_DEPOSIT || cmd->op == OP_VAULT_WITHDRAW;
    int debt = cmd->op == OP_VAULT_BORROW || cmd->op == OP_VAULT_REPAY || cmd->op == OP_VAULT_LIQUIDATE;
    if (!collateral && !debt) return ERR_OK;
    if (!(cmd->present & CMD_HAS(FIELD_ID))) return ERR_OK; /* missing: reported as such */
    const struct vault *v = vault_find(e, cmd->id);
    if (v == NULL) return ERR_UNKNOWN_VAULT;
    const struct vault_type *t = &e->s.vlt.types[v->type];
    cmd->asset = collateral ? t->collateral : t->debt;
    cmd->present |= CMD_HAS_ASSET;
    return ERR_OK;
}

/* ------------------------------------------------------------------ */
/* exact health                                                        */
/* ------------------------------------------------------------------ */

/* The two scale factors of the health comparison with their common
 * power of ten taken out:
 *   collateral * price * left >= debt * ratio * right. */
static void vault__scales(const struct engine_state *s, const struct vault_type *t, u128 *left,
                          u128 *right) {
    unsigned l = s->assets[t->debt].decimals + 6u;          /* 10^dd * 10^6 (ppm) */
    unsigned r = s->assets[t->collateral].decimals + FEED_DECIMALS; /* 10^dc * 10^8 */
    unsigned common = l < r ? l : r;
    *left = u128_pow10(l - common);
    *right = u128_pow10(r - common);
}

static int vault__at_least_scaled(u128 collateral, u128 debt, u128 price, uint32_t ratio_ppm,
                                  u128 left, u128 right) {
    if (debt == 0) return 1;
    struct vault__wide lhs, rhs;
    vault__wide_set(&lhs, collateral);
    vault__wide_mul(&lhs, price);
    vault__wide_mul(&lhs, left);
    vault__wide_set(&rhs, debt);
    vault__wide_mul64(&rhs, ratio_ppm);
    vault__wide_mul(&rhs, right);
    return vault__wide_cmp(&lhs, &rhs) >= 0;
}

static int vault__at_least(const struct engine *e, const struct vault_type *t, u128 collateral,
                           u128 debt, u128 price, uint32_t ratio_ppm) {
    u128 left, right;
    vault__scales(&e->s, t, &left, &right);
    return vault__at_least_scaled(collateral, debt, price, ratio_ppm, left, right);
}

int vault_at_least(const struct engine *e, const struct vault *v, u128 price, uint32_t ratio_ppm) {
    return vault__at_least(e, &e->s.vlt.types[v->type], v->collateral, v->debt, price, ratio_ppm);
}

/* floor(collateral * price * 10^dd / 10^(dc+8)), at most cap. */
static u128 vault__value(const struct engine *e, const struct vault_type *t, u128 collateral,
                         u128 price, u128 cap) {
    u128 left, right;
    vault__scales(&e->s, t, &left, &right);
    /* value * 10^(dc+8) <= collateral * price * 10^dd; the ppm factor of
     * `left` (10^6) is matched by multiplying `right` by it. */
    struct vault__wide num, den;
    vault__wide_set(&num, collateral);
    vault__wide_mul(&num, price);
    vault__wide_mul(&num, left);
    vault__wide_set(&den, right);
    vault__wide_mul64(&den, VAULT_PPM);
    return vault__quotient(&num, &den, cap);
}

/* floor(debt * (1 + factor) in collateral units), at most cap: the
 * largest q with q * price * 10^dd <= debt * (10^6 + factor_ppm) / 10^6 *
 * 10^(dc+8). Rounded down: against the liquidator. */
static u128 vault__collateral_for(const struct engine *e, const struct vault_type *t, u128 debt,
                                  u128 price, uint32_t factor_ppm, u128 cap) {
    u128 left, right;
    vault__scales(&e->s, t, &left, &right);
    struct vault__wide num, den;
    vault__wide_set(&num, debt);
    vault__wide_mul64(&num, (uint64_t)VAULT_PPM + factor_ppm);
    vault__wide_mul(&num, right);
    vault__wide_set(&den, price);
    vault__wide_mul(&den, left);
    return vault__quotient(&num, &den, cap);
}

enum err vault_collateral_value(const struct engine *e, const struct vault *v, u128 *out) {
    const struct vault_type *t = &e->s.vlt.types[v->type];
    u128 price = e->s.feeds[t->feed].value;
    if (price == 0) return ERR_FEED_STALE;
    u128 value = vault__value(e, t, v->collateral, price, U128_MAX);
    if (value == U128_MAX) return ERR_OVERFLOW;
    *out = value;
    return ERR_OK;
}

uint64_t vault_health_ppm(const struct engine *e, const struct vault *v) {
    if (v->debt == 0) return UINT64_MAX;
    const struct vault_type *t = &e->s.vlt.types[v->type];
    u128 price = e->s.feeds[t->feed].value;
    u128 left, right;
    vault__scales(&e->s, t, &left, &right);
    /* health * debt * right <= collateral * price * left */
    struct vault__wide num, den;
    vault__wide_set(&num, v->collateral);
    vault__wide_mul(&num, price);
    vault__wide_mul(&num, left);
    vault__wide_set(&den, v->debt);
    vault__wide_mul(&den, right);
    return (uint64_t)vault__quotient(&num, &den, UINT64_MAX);
}

void vault_health_min(const struct engine *e, uint64_t min[LIMIT_VAULT_TYPES]) {
    for (uint32_t t = 0; t < LIMIT_VAULT_TYPES; t++) min[t] = UINT64_MAX;
    for (uint32_t i = 0; i < e->s.vlt.vaults_count; i++) {
        const struct vault *v = &e->s.vlt.vaults[i];
        if (v->debt == 0) continue;
        uint64_t h = vault_health_ppm(e, v);
        if (h < min[v->type]) min[v->type] = h;
    }
}

uint32_t vault_scan_below(const struct engine *e, int type, uint32_t ratio_ppm, uint64_t *ids,
                          uint32_t cap) {
    const struct vault_book *b = &e->s.vlt;
    u128 left[LIMIT_VAULT_TYPES], right[LIMIT_VAULT_TYPES], price[LIMIT_VAULT_TYPES];
    for (uint32_t i = 0; i < b->types_count; i++) {
        vault__scales(&e->s, &b->types[i], &left[i], &right[i]);
        price[i] = e->s.feeds[b->types[i].feed].value;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->vaults_count; i++) {
        const struct vault *v = &b->vaults[i];
        if (v->debt == 0 || (type >= 0 && v->type != (uint16_t)type)) continue;
        unsigned k = v->type;
        if (vault__at_least_scaled(v->collateral, v->debt, price[k], ratio_ppm, left[k], right[k])) continue;
        if (n < cap) ids[n] = (uint64_t)i + 1;
        n++;
    }
    return n;
}

u128 vault_debt_of_asset(const struct engine *e, uint32_t asset) {
    u128 sum = 0;
    for (uint32_t i = 0; i < e->s.vlt.types_count; i++) {
        if (e->s.vlt.types[i].debt == asset) sum += e->s.vlt.types[i].total_debt;
    }
    return sum;
}

/* ------------------------------------------------------------------ */
/* genesis and vault.type.set: one validation                          */
/* ------------------------------------------------------------------ */

/* A type's parameters hold together: collateral plain, debt fiat or
 * plain and another asset, min_ratio >= liquidation_ratio > 100%, penalty
 * < liquidation_ratio - 100% (SPEC 6: the seized value never passes the
 * collateral of a vault at the liquidation ratio), dust <= ceiling. */
static const char *vault__type_problem(const struct engine_state *s, const struct vault_type *t) {
    if (s->assets[t->collateral].kind != ASSET_PLAIN) return "collateral must be a plain asset";
    uint8_t dk = s->assets[t->debt].kind;
    if (dk != ASSET_FIAT && dk != ASSET_PLAIN) return "debt must be a fiat or plain asset";
    if (t->debt == t->collateral) return "debt and collateral must differ";
    if (t->liquidation_ratio_ppm <= VAULT_PPM) return "liquidation_ratio must be above 100%";
    if (t->min_ratio_ppm < t->liquidation_ratio_ppm) return "min_ratio must be at least liquidation_ratio";
    if (t->penalty_ppm >= t->liquidation_ratio_ppm - VAULT_PPM) {
        return "penalty must be below liquidation_ratio - 100%";
    }
    if (t->dust > t->debt_ceiling) return "dust must not exceed debt_ceiling";
    return NULL;
}

static enum err vault__fail(char *why, size_t why_size, const char *what, const char *detail) {
    snprintf(why, why_size, "vault_types: %s%s%s", what, detail[0] ? ": " : "", detail);
    return ERR_INVALID_GENESIS;
}

static int vault__asset_state(const struct engine_state *s, const char *symbol) {
    for (uint32_t i = 0; symbol != NULL && i < s->assets_count; i++) {
        if (strcmp(s->assets[i].symbol, symbol) == 0) return (int)i;
    }
    return -1;
}

static int vault__feed_state(const struct engine_state *s, const char *name) {
    for (uint32_t i = 0; name != NULL && i < s->feeds_count; i++) {
        if (strcmp(s->feeds[i].name, name) == 0) return (int)i;
    }
    return -1;
}

static const char *const vault__genesis_keys[] = {
    "name", "collateral", "feed", "debt", "min_ratio", "liquidation_ratio", "penalty",
    "debt_ceiling", "dust", NULL};

static int vault__ratio_json(const json_t *v, uint32_t *ppm) {
    const char *t = json_string_value(v);
    return t != NULL && vault_ratio_parse(t, strlen(t), 1, ppm) == ERR_OK ? 0 : -1;
}

static int vault__amount_json(const json_t *v, unsigned decimals, u128 *out) {
    const char *t = json_string_value(v);
    return t != NULL && amount_parse(t, strlen(t), decimals, out) == ERR_OK ? 0 : -1;
}

static enum err vault__genesis_one(struct engine_state *s, const json_t *item, char *why,
                                   size_t why_size) {
    if (!json_is_object(item)) return vault__fail(why, why_size, "each must be a mapping", "");
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)item, key, value) {
        int known = 0;
        for (unsigned i = 0; vault__genesis_keys[i] != NULL; i++) known |= strcmp(key, vault__genesis_keys[i]) == 0;
        if (!known) return vault__fail(why, why_size, "unknown key", key);
    }
    const char *name = json_string_value(json_object_get(item, "name"));
    if (name == NULL || !vault_type_name_valid(name, strlen(name))) {
        return vault__fail(why, why_size, "name", name ? name : "missing");
    }
    if (vault__type_find_state(s, name, strlen(name)) >= 0) return vault__fail(why, why_size, "duplicate", name);
    if (s->vlt.types_count == LIMIT_VAULT_TYPES) return vault__fail(why, why_size, "too many types", "");
    struct vault_type t;
    memset(&t, 0, sizeof(t));
    memcpy(t.name, name, strlen(name));
    int c = vault__asset_state(s, json_string_value(json_object_get(item, "collateral")));
    int d = vault__asset_state(s, json_string_value(json_object_get(item, "debt")));
    int f = vault__feed_state(s, json_string_value(json_object_get(item, "feed")));
    if (c < 0 || d < 0) return vault__fail(why, why_size, name, "collateral and debt must be known assets");
    if (f < 0) return vault__fail(why, why_size, name, "feed must be a known feed");
    t.collateral = (uint16_t)c;
    t.debt = (uint16_t)d;
    t.feed = (uint16_t)f;
    const json_t *pen = json_object_get(item, "penalty");
    if (vault__ratio_json(json_object_get(item, "min_ratio"), &t.min_ratio_ppm) != 0 ||
        vault__ratio_json(json_object_get(item, "liquidation_ratio"), &t.liquidation_ratio_ppm) != 0 ||
        (pen != NULL && vault__ratio_json(pen, &t.penalty_ppm) != 0)) {
        return vault__fail(why, why_size, name, "min_ratio, liquidation_ratio (and penalty) as \"150%\"");
    }
    unsigned dd = s->assets[d].decimals;
    const json_t *dust = json_object_get(item, "dust");
    if (vault__amount_json(json_object_get(item, "debt_ceiling"), dd, &t.debt_ceiling) != 0 ||
        (dust != NULL && vault__amount_json(dust, dd, &t.dust) != 0)) {
        return vault__fail(why, why_size, name, "debt_ceiling (and dust): amounts of the debt asset");
    }
    const char *problem = vault__type_problem(s, &t);
    if (problem != NULL) return vault__fail(why, why_size, name, problem);
    s->vlt.types[s->vlt.types_count++] = t;
    return ERR_OK;
}

enum err vault_genesis(struct engine_state *s, const json_t *list, char *why, size_t why_size) {
    if (list == NULL) return ERR_OK;
    if (!json_is_array(list)) return vault__fail(why, why_size, "must be a list", "");
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item) {
        enum err err = vault__genesis_one(s, item, why, why_size);
        if (err) return err;
    }
    return ERR_OK;
}

/* ------------------------------------------------------------------ */
/* the ops' shared checks and moves                                    */
/* ------------------------------------------------------------------ */

/* The vault an op names, its type, and the asset the command was decoded
 * for (which must be the vault's: the amount is in its decimals). */
static enum err vault__target(struct engine *e, const struct command *cmd, int collateral,
                              struct vault **v, struct vault_type **t) {
    if (cmd->id == 0 || cmd->id > e->s.vlt.vaults_count) return ERR_UNKNOWN_VAULT;
    *v = &e->s.vlt.vaults[cmd->id - 1];
    *t = &e->s.vlt.types[(*v)->type];
    uint16_t asset = collateral ? (*t)->collateral : (*t)->debt;
    if ((cmd->present & CMD_HAS_ASSET) && cmd->asset != asset) return ERR_INVALID_ARGUMENT;
    if ((cmd->present & CMD_HAS_FROM) && !addr_equal(&cmd->from, &(*v)->owner)) return ERR_VAULT_OWNER;
    return ERR_OK;
}

static enum err vault__paused(const struct engine *e, uint16_t asset) {
    return e->s.paused || e->s.assets[asset].paused ? ERR_PAUSED : ERR_OK;
}

/* A stale or frozen feed stops what reads a price. */
static enum err vault__feed(const struct engine *e, const struct vault_type *t) {
    if (e->s.feeds[t->feed].frozen) return ERR_ORACLE_FROZEN;
    if (oracle_feed_stale(e, t->feed, e->s.time_ns)) return ERR_FEED_STALE;
    return ERR_OK;
}

static u128 vault__balance(const struct engine *e, uint16_t asset, const struct addr *a) {
    return engine_balance(e, asset, a);
}

/* Check 6: the unfrozen balance. */
static enum err vault__funds(const struct engine *e, uint16_t asset, const struct addr *a, u128 amount) {
    u128 balance = vault__balance(e, asset, a);
    u128 frozen = restrict_frozen_amount(e, asset, a);
    if (balance < frozen || balance - frozen < amount) return ERR_INSUFFICIENT_BALANCE;
    return ERR_OK;
}

static void vault__set(struct engine *e, uint16_t asset, uint32_t slot, u128 old_balance, u128 new_balance) {
    struct asset *a = &e->s.assets[asset];
    if (old_balance == 0 && new_balance != 0) a->holders_count++;
    if (old_balance != 0 && new_balance == 0) a->holders_count--;
    holdings_set_balance(&e->holdings, slot, new_balance);
}

/* Mint (borrow) and burn (repay, liquidation): supply and lifetime
 * totals; vault debt stays out of the day counters (checks 8 and 9 are not
 * a vault's: docs/DECISIONS.md). Overflow was checked by the caller. */
static void vault__mint(struct engine *e, uint16_t asset, const struct addr *to, u128 amount) {
    uint32_t slot = holdings_upsert(&e->holdings, asset, to);
    u128 old = holding_balance(&e->holdings.slots[slot]);
    vault__set(e, asset, slot, old, old + amount);
    e->s.assets[asset].supply += amount;
    e->s.assets[asset].minted_total += amount;
}

static void vault__burn(struct engine *e, uint16_t asset, const struct addr *from, u128 amount) {
    uint32_t slot = holdings_find(&e->holdings, asset, from);
    ASSERT(slot != HOLDINGS_NONE);
    u128 old = holding_balance(&e->holdings.slots[slot]);
    ASSERT(old >= amount);
    vault__set(e, asset, slot, old, old - amount);
    struct asset *a = &e->s.assets[asset];
    ASSERT(a->supply >= amount);
    a->supply -= amount;
    a->burned_total += amount;
}

static struct event *vault__event(struct event_buf *events, enum event_type type, uint16_t asset,
                                  const struct command *cmd, const struct vault *v) {
    struct event *ev = engine__emit(events, type, asset);
    ev->ref_id = cmd->id;
    ev->from = v->owner;
    ev->code = v->type;
    ev->amount = cmd->amount;
    return ev;
}

/* ------------------------------------------------------------------ */
/* the ops                                                             */
/* ------------------------------------------------------------------ */

enum err vault_open_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                          struct apply_result *out) {
    (void)out;
    int t = vault_type_find(e, cmd->vault_type, strlen(cmd->vault_type));
    if (t < 0) return ERR_UNKNOWN_VAULT_TYPE;
    struct addr escrow = vault__escrow();
    if (addr_equal(&cmd->from, &escrow)) return ERR_INVALID_ARGUMENT;
    struct vault_book *b = &e->s.vlt;
    if (b->vaults_count == LIMIT_VAULTS) return ERR_LIMIT_REACHED;
    struct vault *v = &b->vaults[b->vaults_count++];
    memset(v, 0, sizeof(*v));
    v->owner = cmd->from;
    v->type = (uint16_t)t;
    v->opened_ns = e->s.time_ns;
    b->types[t].vaults_count++;
    struct event *ev = engine__emit(events, EVENT_VAULT_OPENED, b->types[t].debt);
    ev->ref_id = b->vaults_count;
    ev->from = v->owner;
    ev->code = (uint16_t)t;
    return ERR_OK;
}

enum err vault_deposit_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                             struct apply_result *out) {
    (void)out;
    struct vault *v;
    struct vault_type *t;
    enum err err = vault__target(e, cmd, 1, &v, &t);
    if (err) return err;
    err = vault__paused(e, t->collateral);
    if (err) return err;
    err = restrict_check(e, t->collateral, &v->owner, NULL);
    if (err) return err;
    err = vault__funds(e, t->collateral, &v->owner, cmd->amount);
    if (err) return err;
    u128 after, total;
    if (u128_add(v->collateral, cmd->amount, &after) || u128_add(t->total_collateral, cmd->amount, &total)) {
        return ERR_OVERFLOW;
    }
    struct addr escrow = vault__escrow();
    ledger_move(e, t->collateral, &v->owner, &escrow, cmd->amount);
    v->collateral = after;
    t->total_collateral = total;
    vault__event(events, EVENT_VAULT_DEPOSITED, t->collateral, cmd, v);
    return ERR_OK;
}

enum err vault_withdraw_apply(struct engine *e, const struct command *cmd,
                              struct event_buf *events, struct apply_result *out) {
    (void)out;
    struct vault *v;
    struct vault_type *t;
    enum err err = vault__target(e, cmd, 1, &v, &t);
    if (err) return err;
    err = vault__paused(e, t->collateral);
    if (err) return err;
    err = restrict_check(e, t->collateral, &v->owner, NULL);
    if (err) return err;
    if (cmd->amount > v->collateral) return ERR_INSUFFICIENT_BALANCE;
    u128 after = v->collateral - cmd->amount;
    if (v->debt != 0) { /* a vault without debt needs no price */
        err = vault__feed(e, t);
        if (err) return err;
        if (!vault__at_least(e, t, after, v->debt, e->s.feeds[t->feed].value, t->min_ratio_ppm)) {
            return ERR_VAULT_UNSAFE;
        }
    }
    struct addr escrow = vault__escrow();
    ledger_move(e, t->collateral, &escrow, &v->owner, cmd->amount);
    v->collateral = after;
    t->total_collateral -= cmd->amount;
    vault__event(events, EVENT_VAULT_WITHDRAWN, t->collateral, cmd, v);
    return ERR_OK;
}

/* Checks 2 (pause, minting halt), 3-4 and 7 for a borrow's mint. */
static enum err vault__borrow_controls(const struct engine *e, const struct vault *v,
                                       const struct vault_type *t, u128 amount) {
    enum err err = vault__paused(e, t->debt);
    if (err) return err;
    const struct asset *a = &e->s.assets[t->debt];
    if (a->mint_halted) return ERR_MINT_HALTED;
    err = restrict_check(e, t->debt, &v->owner, NULL);
    if (err) return err;
    u128 supply, minted;
    if (u128_add(a->supply, amount, &supply)) return (a->limit_flags & ASSET_HAS_SUPPLY_CAP) ? ERR_SUPPLY_CAP : ERR_OVERFLOW;
    if ((a->limit_flags & ASSET_HAS_SUPPLY_CAP) && supply > a->supply_cap) return ERR_SUPPLY_CAP;
    if (u128_add(a->minted_total, amount, &minted)) return ERR_OVERFLOW;
    return ERR_OK;
}

enum err vault_borrow_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                            struct apply_result *out) {
    (void)out;
    struct vault *v;
    struct vault_type *t;
    enum err err = vault__target(e, cmd, 0, &v, &t);
    if (err) return err;
    err = vault__borrow_controls(e, v, t, cmd->amount);
    if (err) return err;
    err = vault__feed(e, t);
    if (err) return err;
    u128 debt, total;
    if (u128_add(v->debt, cmd->amount, &debt) || u128_add(t->total_debt, cmd->amount, &total)) return ERR_OVERFLOW;
    if (debt < t->dust) return ERR_DUST;
    if (total > t->debt_ceiling) return ERR_DEBT_CEILING;
    if (!vault__at_least(e, t, v->collateral, debt, e->s.feeds[t->feed].value, t->min_ratio_ppm)) {
        return ERR_VAULT_UNSAFE;
    }
    vault__mint(e, t->debt, &v->owner, cmd->amount);
    v->debt = debt;
    t->total_debt = total;
    t->borrowed_total += cmd->amount; /* <= minted_total, checked */
    vault__event(events, EVENT_VAULT_BORROWED, t->debt, cmd, v);
    return ERR_OK;
}

enum err vault_repay_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                           struct apply_result *out) {
    (void)out;
    struct vault *v;
    struct vault_type *t;
    enum err err = vault__target(e, cmd, 0, &v, &t);
    if (err) return err;
    err = vault__paused(e, t->debt);
    if (err) return err;
    err = restrict_check(e, t->debt, &v->owner, NULL);
    if (err) return err;
    if (cmd->amount > v->debt) return ERR_INVALID_AMOUNT; /* more than is owed */
    err = vault__funds(e, t->debt, &v->owner, cmd->amount);
    if (err) return err;
    u128 debt = v->debt - cmd->amount;
    if (debt != 0 && debt < t->dust) return ERR_DUST;
    u128 burned;
    if (u128_add(e->s.assets[t->debt].burned_total, cmd->amount, &burned)) return ERR_OVERFLOW;
    vault__burn(e, t->debt, &v->owner, cmd->amount);
    v->debt = debt;
    t->total_debt -= cmd->amount;
    t->repaid_total += cmd->amount;
    vault__event(events, EVENT_VAULT_REPAID, t->debt, cmd, v);
    return ERR_OK;
}

/* What a liquidation moves (vault.h: rounding against the liquidator). */
struct vault__split {
    u128 seized;   /* collateral to the liquidator */
    u128 penalty;  /* the part of seized beyond the debt's worth */
    u128 returned; /* collateral back to the owner */
    u128 bad_debt; /* debt units the collateral did not cover */
};

static void vault__liquidation_split(const struct engine *e, const struct vault_type *t,
                                     const struct vault *v, u128 price, struct vault__split *s) {
    s->seized = vault__collateral_for(e, t, v->debt, price, t->penalty_ppm, v->collateral);
    u128 cover = vault__collateral_for(e, t, v->debt, price, 0, s->seized);
    s->penalty = s->seized - cover;
    s->returned = v->collateral - s->seized;
    u128 value = vault__value(e, t, v->collateral, price, v->debt);
    s->bad_debt = v->debt - value;
}

static enum err vault__liquidation_checks(const struct engine *e, const struct command *cmd,
                                          const struct vault *v, const struct vault_type *t) {
    if (v->debt == 0) return ERR_VAULT_EMPTY;
    struct addr escrow = vault__escrow();
    if (addr_equal(&cmd->to, &escrow)) return ERR_INVALID_ARGUMENT;
    enum err err = vault__paused(e, t->debt);
    if (!err) err = vault__paused(e, t->collateral);
    if (err) return err;
    /* The liquidator pays and receives; the owner's share lands under
     * whatever restrictions hold its address. */
    err = restrict_check(e, t->debt, &cmd->to, NULL);
    if (!err) err = restrict_check(e, t->collateral, &cmd->to, NULL);
    if (err) return err;
    err = vault__feed(e, t);
    if (err) return err;
    if (vault__at_least(e, t, v->collateral, v->debt, e->s.feeds[t->feed].value, t->liquidation_ratio_ppm)) {
        return ERR_VAULT_SAFE;
    }
    err = vault__funds(e, t->debt, &cmd->to, v->debt);
    if (err) return err;
    u128 burned;
    if (u128_add(e->s.assets[t->debt].burned_total, v->debt, &burned)) return ERR_OVERFLOW;
    return ERR_OK;
}

enum err vault_liquidate_apply(struct engine *e, const struct command *cmd,
                               struct event_buf *events, struct apply_result *out) {
    (void)out;
    struct vault *v;
    struct vault_type *t;
    enum err err = vault__target(e, cmd, 0, &v, &t);
    if (err) return err;
    err = vault__liquidation_checks(e, cmd, v, t);
    if (err) return err;
    u128 price = e->s.feeds[t->feed].value;
    struct vault__split s;
    vault__liquidation_split(e, t, v, price, &s);
    u128 debt = v->debt;
    u128 collateral = v->collateral;
    struct addr escrow = vault__escrow();
    vault__burn(e, t->debt, &cmd->to, debt);
    if (s.seized) ledger_move(e, t->collateral, &escrow, &cmd->to, s.seized);
    if (s.returned) ledger_move(e, t->collateral, &escrow, &v->owner, s.returned);
    v->debt = 0;
    v->collateral = 0;
    t->total_debt -= debt;
    t->total_collateral -= collateral;
    t->liquidated_total += debt;
    t->bad_debt_total += s.bad_debt; /* <= liquidated_total */
    t->liquidations_count++;
    struct event *ev = engine__emit(events, EVENT_LIQUIDATED, t->debt);
    ev->ref_id = cmd->id;
    ev->from = cmd->to; /* the liquidator */
    ev->to = v->owner;
    ev->code = v->type;
    ev->value = price > (u128)INT64_MAX ? INT64_MAX : (int64_t)price;
    ev->amount = debt;
    ev->amount2 = s.seized;
    ev->amount3 = s.penalty;
    ev->amount4 = s.returned;
    ev->amount5 = s.bad_debt;
    return ERR_OK;
}

/* Which parameters a vault.type.set gives (event flags, bit 0: created). */
static const uint8_t vault__set_kinds[] = {FIELD_ASSET, FIELD_COLLATERAL, FIELD_FEED, FIELD_MIN_RATIO,
                                           FIELD_LIQUIDATION_RATIO, FIELD_PENALTY, FIELD_SUPPLY_CAP,
                                           FIELD_MINT_LIMIT};
static const char *const vault__set_names[] = {"debt", "collateral", "feed", "min_ratio",
                                               "liquidation_ratio", "penalty", "debt_ceiling", "dust"};

static void vault__apply_params(const struct command *cmd, struct vault_type *t) {
    uint64_t p = cmd->present;
    if (p & CMD_HAS_ASSET) t->debt = cmd->asset;
    if (p & CMD_HAS(FIELD_COLLATERAL)) t->collateral = cmd->vault_collateral;
    if (p & CMD_HAS(FIELD_FEED)) t->feed = cmd->feed;
    if (p & CMD_HAS(FIELD_MIN_RATIO)) t->min_ratio_ppm = cmd->vault_min_ratio_ppm;
    if (p & CMD_HAS(FIELD_LIQUIDATION_RATIO)) t->liquidation_ratio_ppm = cmd->vault_liquidation_ratio_ppm;
    if (p & CMD_HAS(FIELD_PENALTY)) t->penalty_ppm = cmd->vault_penalty_ppm;
    if (p & CMD_HAS(FIELD_SUPPLY_CAP)) t->debt_ceiling = cmd->supply_cap;
    if (p & CMD_HAS(FIELD_MINT_LIMIT)) t->dust = cmd->daily_mint_limit;
}

enum err vault_type_set_apply(struct engine *e, const struct command *cmd,
                              struct event_buf *events, struct apply_result *out) {
    struct vault_book *b = &e->s.vlt;
    int index = vault_type_find(e, cmd->vault_type, strlen(cmd->vault_type));
    struct vault_type t;
    uint64_t needed = CMD_HAS_ASSET | CMD_HAS(FIELD_COLLATERAL) | CMD_HAS(FIELD_FEED) |
                      CMD_HAS(FIELD_MIN_RATIO) | CMD_HAS(FIELD_LIQUIDATION_RATIO) | CMD_HAS(FIELD_SUPPLY_CAP);
    if (index < 0) {
        if ((cmd->present & needed) != needed) {
            snprintf(out->detail, sizeof(out->detail),
                     "a new type needs asset, collateral, feed, min_ratio, liquidation_ratio and debt_ceiling");
            return ERR_MISSING_FIELD;
        }
        if (b->types_count == LIMIT_VAULT_TYPES) return ERR_LIMIT_REACHED;
        memset(&t, 0, sizeof(t));
        memcpy(t.name, cmd->vault_type, strlen(cmd->vault_type));
    } else {
        t = b->types[index];
        /* The assets are what the vaults hold and owe: fixed once set. */
        if ((cmd->present & CMD_HAS_ASSET) && cmd->asset != t.debt) return ERR_INVALID_ARGUMENT;
        if ((cmd->present & CMD_HAS(FIELD_COLLATERAL)) && cmd->vault_collateral != t.collateral) {
            return ERR_INVALID_ARGUMENT;
        }
    }
    vault__apply_params(cmd, &t);
    const char *problem = vault__type_problem(&e->s, &t);
    if (problem != NULL) {
        snprintf(out->detail, sizeof(out->detail), "%s", problem);
        return ERR_INVALID_ARGUMENT;
    }
    int created = index < 0;
    if (created) index = (int)b->types_count++;
    b->types[index] = t;
    struct event *ev = engine__emit(events, EVENT_VAULT_TYPE_SET, t.debt);
    ev->code = (uint16_t)index;
    ev->flags = created ? 1u : 0u;
    for (unsigned i = 0; i < sizeof(vault__set_kinds); i++) {
        if (cmd->present & CMD_HAS(vault__set_kinds[i])) ev->flags |= 2u << i;
    }
    return ERR_OK;
}

/* ------------------------------------------------------------------ */
/* events                                                              */
/* ------------------------------------------------------------------ */

static void vault__addr(struct jw *w, const char *key, const struct addr *a) {
    char text[ADDR_TEXT_SIZE];
    addr_format(a, text);
    jw_kv_string(w, key, text);
}

static void vault__liquidated_write(const struct engine *e, const struct event *ev,
                                    const struct vault_type *t, unsigned decimals, struct jw *w) {
    unsigned cd = t ? e->s.assets[t->collateral].decimals : 0;
    vault__addr(w, "owner", &ev->to);
    vault__addr(w, "liquidator", &ev->from);
    jw_kv_amount(w, "price", (u128)ev->value, FEED_DECIMALS);
    jw_kv_string(w, "collateral_asset", t ? e->s.assets[t->collateral].symbol : "?");
    jw_kv_amount(w, "debt_repaid", ev->amount, decimals);
    jw_kv_amount(w, "seized", ev->amount2, cd);
    jw_kv_amount(w, "penalty", ev->amount3, cd);
    jw_kv_amount(w, "returned", ev->amount4, cd);
    jw_kv_amount(w, "bad_debt", ev->amount5, decimals);
}

void vault_event_write(const struct engine *e, const struct event *ev, unsigned decimals,
                       struct jw *w) {
    const struct vault_type *t = ev->code < e->s.vlt.types_count ? &e->s.vlt.types[ev->code] : NULL;
    enum event_type type = (enum event_type)ev->type;
    if (type == EVENT_VAULT_TYPE_SET) {
        jw_kv_string(w, "type", t ? t->name : "?");
        jw_kv_bool(w, "created", (int)(ev->flags & 1u));
        jw_key(w, "changed");
        jw_array_begin(w);
        for (unsigned i = 0; i < sizeof(vault__set_kinds); i++) {
            if (ev->flags & (2u << i)) jw_string(w, vault__set_names[i]);
        }
        jw_array_end(w);
        return;
    }
    jw_kv_uint(w, "id", ev->ref_id);
    jw_kv_string(w, "type", t ? t->name : "?");
    if (type == EVENT_LIQUIDATED) {
        vault__liquidated_write(e, ev, t, decimals, w);
        return;
    }
    vault__addr(w, "owner", &ev->from);
    if (type != EVENT_VAULT_OPENED) jw_kv_amount(w, "amount", ev->amount, decimals);
}

/* ------------------------------------------------------------------ */
/* state bytes                                                         */
/* ------------------------------------------------------------------ */

static void vault__type_write(const struct vault_type *t, struct buf *out) {
    buf_put(out, t->name, sizeof(t->name));
    buf_put_u16(out, t->collateral);
    buf_put_u16(out, t->debt);
    buf_put_u16(out, t->feed);
    buf_put_u32(out, t->min_ratio_ppm);
    buf_put_u32(out, t->liquidation_ratio_ppm);
    buf_put_u32(out, t->penalty_ppm);
    buf_put_u32(out, t->vaults_count);
    buf_put_u64(out, t->liquidations_count);
    buf_put_u128(out, t->debt_ceiling);
    buf_put_u128(out, t->dust);
    buf_put_u128(out, t->total_collateral);
    buf_put_u128(out, t->total_debt);
    buf_put_u128(out, t->borrowed_total);
    buf_put_u128(out, t->repaid_total);
    buf_put_u128(out, t->liquidated_total);
    buf_put_u128(out, t->bad_debt_total);
}

void vault_state_write(const struct engine_state *s, struct buf *out) {
    const struct vault_book *b = &s->vlt;
    if (b->types_count == 0) return;
    buf_put(out, "vlt", 3);
    buf_put_u32(out, b->types_count);
    for (uint32_t i = 0; i < b->types_count; i++) vault__type_write(&b->types[i], out);
    buf_put_u32(out, b->vaults_count);
    for (uint32_t i = 0; i < b->vaults_count; i++) {
        const struct vault *v = &b->vaults[i];
        buf_put_u128(out, v->collateral);
        buf_put_u128(out, v->debt);
        buf_put_u64(out, (uint64_t)v->opened_ns);
        buf_put(out, v->owner.bytes, ADDR_BYTES);
        buf_put_u16(out, v->type);
    }
}

/* A name NUL-terminated and zero-padded, as the handlers leave it. */
static int vault__name_ok(const char *name, size_t size) {
    size_t len = strnlen(name, size);
    if (len == size || !vault_type_name_valid(name, len)) return 0;
    for (size_t i = len; i < size; i++) {
        if (name[i] != 0) return 0;
    }
    return 1;
}

static int vault__type_read(struct buf_reader *r, const struct engine_state *s, struct vault_type *t) {
    buf_get(r, t->name, sizeof(t->name));
    t->collateral = buf_get_u16(r);
    t->debt = buf_get_u16(r);
    t->feed = buf_get_u16(r);
    t->min_ratio_ppm = buf_get_u32(r);
    t->liquidation_ratio_ppm = buf_get_u32(r);
    t->penalty_ppm = buf_get_u32(r);
    t->vaults_count = buf_get_u32(r);
    t->liquidations_count = buf_get_u64(r);
    t->debt_ceiling = buf_get_u128(r);
    t->dust = buf_get_u128(r);
    t->total_collateral = buf_get_u128(r);
    t->total_debt = buf_get_u128(r);
    t->borrowed_total = buf_get_u128(r);
    t->repaid_total = buf_get_u128(r);
    t->liquidated_total = buf_get_u128(r);
    t->bad_debt_total = buf_get_u128(r);
    if (r->failed || !vault__name_ok(t->name, sizeof(t->name))) return -1;
    if (t->collateral >= s->assets_count || t->debt >= s->assets_count || t->feed >= s->feeds_count) return -1;
    if (t->min_ratio_ppm > VAULT_RATIO_PPM_MAX || vault__type_problem(s, t) != NULL) return -1;
    /* total = borrowed - repaid - liquidated; bad debt within what was liquidated */
    u128 out_total;
    if (u128_add(t->repaid_total, t->liquidated_total, &out_total) || out_total > t->borrowed_total) return -1;
    if (t->borrowed_total - out_total != t->total_debt || t->bad_debt_total > t->liquidated_total) return -1;
    return 0;
}

/* Every vault well formed, and each type's totals the sum of its vaults. */
static int vault__vaults_read(struct buf_reader *r, struct vault_book *b) {
    u128 debt[LIMIT_VAULT_TYPES] = {0};
    u128 collateral[LIMIT_VAULT_TYPES] = {0};
    uint32_t count[LIMIT_VAULT_TYPES] = {0};
    for (uint32_t i = 0; i < b->vaults_count; i++) {
        struct vault *v = &b->vaults[i];
        memset(v, 0, sizeof(*v));
        v->collateral = buf_get_u128(r);
        v->debt = buf_get_u128(r);
        v->opened_ns = (int64_t)buf_get_u64(r);
        buf_get(r, v->owner.bytes, ADDR_BYTES);
        v->type = buf_get_u16(r);
        if (r->failed || v->type >= b->types_count) return -1;
        if (u128_add(debt[v->type], v->debt, &debt[v->type])) return -1;
        if (u128_add(collateral[v->type], v->collateral, &collateral[v->type])) return -1;
        count[v->type]++;
    }
    for (uint32_t k = 0; k < b->types_count; k++) {
        const struct vault_type *t = &b->types[k];
        if (t->total_debt != debt[k] || t->total_collateral != collateral[k] || t->vaults_count != count[k]) return -1;
    }
    return 0;
}

int vault_state_read(struct buf_reader *r, struct engine_state *s) {
    if (r->len - r->pos < 3 || memcmp(r->data + r->pos, "vlt", 3) != 0) return 0; /* none */
    char magic[3];
    buf_get(r, magic, sizeof(magic));
    struct vault_book *b = &s->vlt;
    b->types_count = buf_get_u32(r);
    if (r->failed || b->types_count == 0 || b->types_count > LIMIT_VAULT_TYPES) return -1;
    for (uint32_t i = 0; i < b->types_count; i++) {
        memset(&b->types[i], 0, sizeof(b->types[i]));
        if (vault__type_read(r, s, &b->types[i]) != 0) return -1;
        if (vault__type_find_state(s, b->types[i].name, strlen(b->types[i].name)) != (int)i) return -1;
    }
    b->vaults_count = buf_get_u32(r);
    if (r->failed || b->vaults_count > LIMIT_VAULTS) return -1;
    if (vault__vaults_read(r, b) != 0) return -1;
    return r->failed ? -1 : 0;
}

int vault_check_invariants(const struct engine *e) {
    const struct vault_book *b = &e->s.vlt;
    u128 debt[LIMIT_VAULT_TYPES] = {0};
    u128 collateral[LIMIT_VAULT_TYPES] = {0};
    uint32_t count[LIMIT_VAULT_TYPES] = {0};
    for (uint32_t i = 0; i < b->vaults_count; i++) {
        const struct vault *v = &b->vaults[i];
        if (v->type >= b->types_count) return -1;
        debt[v->type] += v->debt;
        collateral[v->type] += v->collateral;
        count[v->type]++;
    }
    u128 held[LIMIT_ASSETS] = {0};
    for (uint32_t k = 0; k < b->types_count; k++) {
        const struct vault_type *t = &b->types[k];
        if (t->total_debt != debt[k] || t->total_collateral != collateral[k] || t->vaults_count != count[k]) return -1;
        if (t->borrowed_total - t->repaid_total - t->liquidated_total != t->total_debt) return -1;
        held[t->collateral] += t->total_collateral;
    }
    struct addr escrow = vault__escrow();
    for (uint32_t a = 0; a < e->s.assets_count; a++) {
        if (held[a] > engine_balance(e, a, &escrow)) return -1;
    }
    return 0;
}
