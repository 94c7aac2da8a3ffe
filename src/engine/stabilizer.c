/*
 * stabilizer.c - per-asset stabilizers: observations, TWAP, sustained
 * deviation, StabilizationOrder events, stabilizer.set, genesis, state
 * bytes. See stabilizer.h for the rules; DECISIONS.md for why.
 *
 * Invariants: at most one stabilizer per asset and per feed; obs_count <=
 * window_blocks; observations strictly increasing in block, non-decreasing
 * in time; 2 <= sustain_blocks <= window_blocks. Never allocates, never
 * moves value.
 */
#include "stabilizer.h"

#include <stdio.h>
#include <string.h>

#include "../base/check.h"
#include "../base/buf.h"
#include "command.h"
#include "engine.h"
#include "engine_internal.h"
#include "genesis.h"

#define STAB_PPM 1000000u
/* An interval weighs at most 2^58 ns (about 9 years), so that the sum of a
 * window's weights fits 64 bits whatever the block times. */
#define STAB_WEIGHT_MAX (UINT64_C(1) << 58)

/* ---- 256-bit helpers (little-endian 64-bit limbs) ------------------- */

/* out += a x b (a x b < 2^192). */
static void stab__mul_add(uint64_t out[4], u128 a, uint64_t b) {
    u128 lo = (u128)(uint64_t)a * b;
    u128 hi = (u128)(uint64_t)(a >> 64) * b;
    u128 carry = 0;
    u128 s = (u128)out[0] + (uint64_t)lo;
    out[0] = (uint64_t)s;
    carry = s >> 64;
    s = (u128)out[1] + (uint64_t)(lo >> 64) + (uint64_t)hi + carry;
    out[1] = (uint64_t)s;
    carry = s >> 64;
    s = (u128)out[2] + (uint64_t)(hi >> 64) + carry;
    out[2] = (uint64_t)s;
    carry = s >> 64;
    out[3] += (uint64_t)carry;
}

static int stab__cmp(const uint64_t x[4], const uint64_t y[4]) {
    for (int i = 3; i >= 0; i--) {
        if (x[i] != y[i]) return x[i] > y[i] ? 1 : -1;
    }
    return 0;
}

/* floor(x / d), d > 0; the quotient fits a u128 here (an average of u128s). */
static u128 stab__div(const uint64_t x[4], uint64_t d) {
    uint64_t q[4];
    u128 rem = 0;
    for (int i = 3; i >= 0; i--) {
        u128 cur = rem << 64 | x[i];
        q[i] = (uint64_t)(cur / d);
        rem = cur % d;
    }
    return (u128)q[1] << 64 | q[0];
}

/* +1 above, -1 below target beyond threshold (strictly, exactly), else 0. */
static int stab__beyond(u128 price, u128 target, uint32_t threshold_ppm) {
    if (price == target) return 0;
    u128 diff = price > target ? price - target : target - price;
    uint64_t lhs[4] = {0, 0, 0, 0};
    uint64_t rhs[4] = {0, 0, 0, 0};
    stab__mul_add(lhs, diff, STAB_PPM);
    stab__mul_add(rhs, target, threshold_ppm);
    if (stab__cmp(lhs, rhs) <= 0) return 0;
    return price > target ? 1 : -1;
}

static const struct stabilizer_obs *stab__obs(const struct stabilizer *st, uint32_t i) {
    return &st->obs[(st->obs_first + i) % LIMIT_STABILIZER_WINDOW];
}

/* The TWAP of the window (stabilizer.h). */
static u128 stab__twap(const struct stabilizer *st) {
    if (st->obs_count == 0) return 0;
    if (st->obs_count == 1) return stab__obs(st, 0)->price;
    uint64_t acc[4] = {0, 0, 0, 0};
    uint64_t total = 0;
    for (uint32_t i = 0; i + 1 < st->obs_count; i++) {
        const struct stabilizer_obs *o = stab__obs(st, i);
        int64_t dt = stab__obs(st, i + 1)->time_ns - o->time_ns;
        uint64_t w = dt < 1 ? 1u : (uint64_t)dt;
        if (w > STAB_WEIGHT_MAX) w = STAB_WEIGHT_MAX;
        stab__mul_add(acc, o->price, w);
        total += w; /* at most 31 x 2^58: no overflow */
    }
    return stab__div(acc, total);
}

void stabilizer_view(const struct engine *e, uint32_t index, struct stabilizer_view *out) {
    ASSERT(index < e->s.stab.count);
    const struct stabilizer *st = &e->s.stab.items[index];
    memset(out, 0, sizeof(*out));
    out->reserve_balance = engine_balance(e, st->asset, &st->reserve);
    if (st->obs_count == 0) return;
    const struct stabilizer_obs *newest = stab__obs(st, st->obs_count - 1);
    out->price = newest->price;
    out->twap = stab__twap(st);
    u128 diff = out->twap > st->target ? out->twap - st->target : st->target - out->twap;
    out->deviation_ppm = u128_ratio_ppm(diff, st->target);
    out->twap_side = stab__beyond(out->twap, st->target, st->threshold_ppm);
    out->side = stab__beyond(newest->price, st->target, st->threshold_ppm);
    for (uint32_t i = st->obs_count; out->side != 0 && i > 0; i--) {
        if (stab__beyond(stab__obs(st, i - 1)->price, st->target, st->threshold_ppm) != out->side) break;
        out->consecutive++;
    }
    out->window_ns = newest->time_ns - stab__obs(st, 0)->time_ns;
}

enum err stabilizer_reserve_rule(u128 peak_outflow_per_min, uint64_t window_min, u128 reserve,
                                 struct stabilizer_reserve_rule *out) {
    u128 pt;
    u128 required;
    enum err err = u128_mul(peak_outflow_per_min, window_min, &pt);
    if (err) return err;
    err = u128_mul(pt, STABILIZER_RESERVE_FACTOR, &required);
    if (err) return err;
    out->peak_outflow_per_min = peak_outflow_per_min;
    out->window_min = window_min;
    out->factor = STABILIZER_RESERVE_FACTOR;
    out->required = required;
    out->actual = reserve;
    out->ok = reserve >= required;
    return ERR_OK;
}

uint64_t stabilizer_window_min(int64_t window_ns) {
    const int64_t minute = INT64_C(60) * 1000000000;
    if (window_ns <= 0) return 1;
    return (uint64_t)((window_ns + minute - 1) / minute);
}

int stabilizer_find(const struct engine *e, uint32_t asset) {
    for (uint32_t i = 0; i < e->s.stab.count; i++) {
        if (e->s.stab.items[i].asset == asset) return (int)i;
    }
    return -1;
}

/* ---- observation ------------------------------------------------------ */

static void stab__record(struct stabilizer *st, uint64_t block, int64_t time_ns, u128 price) {
    if (st->obs_count > 0) {
        struct stabilizer_obs *newest =
            &st->obs[(st->obs_first + st->obs_count - 1) % LIMIT_STABILIZER_WINDOW];
        if (newest->block == block) { /* one observation per block: the last price */
            newest->price = price;
            return;
        }
    }
    if (st->obs_count == st->window_blocks) {
        st->obs_first = (st->obs_first + 1) % LIMIT_STABILIZER_WINDOW;
        st->obs_count--;
    }
    struct stabilizer_obs *o = &st->obs[(st->obs_first + st->obs_count) % LIMIT_STABILIZER_WINDOW];
    o->block = block;
    o->time_ns = time_ns;
    o->price = price;
    st->obs_count++;
}

/* The order's size before the caps: floor(k x deviation_ppm / 1e6). */
static u128 stab__raw_size(u128 k, uint64_t deviation_ppm) {
    uint64_t x[4] = {0, 0, 0, 0};
    stab__mul_add(x, k, deviation_ppm);
    if (x[3] != 0 || x[2] >= STAB_PPM) return U128_MAX; /* capped below anyway */
    return stab__div(x, STAB_PPM);
}

void stabilizer_observe(struct engine *e, uint16_t feed, u128 price, struct event_buf *events) {
    struct stabilizer_book *b = &e->s.stab;
    struct stabilizer *st = NULL;
    uint32_t index = 0;
    for (; index < b->count; index++) {
        if (b->items[index].feed == feed) {
            st = &b->items[index];
            break;
        }
    }
    if (st == NULL) return;
    uint64_t block = e->s.height + 1;
    stab__record(st, block, e->s.time_ns, price);
    struct stabilizer_view v;
    stabilizer_view(e, index, &v);
    if (v.side == 0 || v.consecutive < st->sustain_blocks || v.twap_side != v.side) return;
    if (e->s.paused || e->s.assets[st->asset].paused) return;
    u128 used = st->ordered_block == block ? st->ordered_in_block : 0;
    u128 size = stab__raw_size(st->k, v.deviation_ppm);
    u128 room = st->max_per_block > used ? st->max_per_block - used : 0;
    if (size > room) size = room;
    uint8_t side = v.side > 0 ? STABILIZER_SIDE_SELL : STABILIZER_SIDE_BUY;
    if (side == STABILIZER_SIDE_SELL) {
        u128 left = v.reserve_balance > used ? v.reserve_balance - used : 0;
        if (size > left) size = left;
    }
    if (size == 0) return;
    /* used + size <= max_per_block here; the lifetime totals are only
     * figures for stabilizer show, so they saturate instead of failing. */
    st->ordered_block = block;
    st->ordered_in_block = used + size;
    st->orders_count++;
    st->last_side = side;
    st->last_size = size;
    u128 *total = side == STABILIZER_SIDE_SELL ? &st->sold_total : &st->bought_total;
    *total = *total > U128_MAX - size ? U128_MAX : *total + size;
    struct event *ev = engine__emit(events, EVENT_STABILIZATION_ORDER, st->asset);
    ev->flags = side;
    ev->amount = size;
    ev->amount2 = v.twap;
    ev->ref_id = (price >> 64) != 0 ? UINT64_MAX : (uint64_t)price;
    ev->value = v.deviation_ppm > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v.deviation_ppm;
    ev->code = (uint16_t)v.consecutive;
    ev->who = feed;
    ev->to = st->reserve;
}

/* ---- stabilizer.set ------------------------------------------------------ */

static enum err stab__fail(struct apply_result *out, enum err err, const char *what) {
    if (out != NULL) snprintf(out->detail, sizeof(out->detail), "%s", what);
    return err;
}

/* The stabilizer cmd would leave (into *next), checked; nothing changes. */
static enum err stab__plan(const struct engine_state *s, const struct command *cmd,
                           struct stabilizer *next, int *index, struct apply_result *out) {
    const struct asset *a = &s->assets[cmd->asset];
    if (a->kind != ASSET_FIAT && a->kind != ASSET_PLAIN) {
        return stab__fail(out, ERR_INVALID_ARGUMENT, "a stabilizer keeps a fiat or plain asset on its peg");
    }
    uint64_t p = cmd->present;
    if ((p & CMD_HAS(FIELD_FEED)) && cmd->feed >= s->feeds_count) return ERR_UNKNOWN_FEED;
    *index = -1;
    for (uint32_t i = 0; i < s->stab.count; i++) {
        if (s->stab.items[i].asset == cmd->asset) *index = (int)i;
    }
    if (*index >= 0) {
        *next = s->stab.items[*index];
    } else {
        uint64_t need = CMD_HAS(FIELD_FEED) | CMD_HAS(FIELD_PRICE) | CMD_HAS_AMOUNT |
                        CMD_HAS(FIELD_MAX_BALANCE) | CMD_HAS_TO;
        if ((p & need) != need) {
            return stab__fail(out, ERR_INVALID_ARGUMENT,
                              "a new stabilizer needs feed, target, k, max_per_block and reserve_account");
        }
        if (s->stab.count == LIMIT_STABILIZERS) return ERR_LIMIT_REACHED;
        memset(next, 0, sizeof(*next));
        next->asset = cmd->asset;
        next->window_blocks = STABILIZER_WINDOW_DEFAULT;
        next->sustain_blocks = STABILIZER_SUSTAIN_DEFAULT;
        next->threshold_ppm = STABILIZER_THRESHOLD_DEFAULT_PPM;
    }
    if (p & CMD_HAS(FIELD_FEED)) {
        for (uint32_t i = 0; i < s->stab.count; i++) {
            if ((int)i != *index && s->stab.items[i].feed == cmd->feed) {
                return stab__fail(out, ERR_ALREADY_EXISTS, "this feed drives another asset's stabilizer");
            }
        }
        if (*index < 0 || next->feed != cmd->feed) next->obs_count = next->obs_first = 0;
        next->feed = cmd->feed;
    }
    if (p & CMD_HAS(FIELD_PRICE)) next->target = cmd->price;
    if (p & CMD_HAS(FIELD_WINDOW_BLOCKS)) next->window_blocks = cmd->window_blocks;
    if (p & CMD_HAS(FIELD_SUSTAIN_BLOCKS)) next->sustain_blocks = cmd->sustain_blocks;
    if (p & CMD_HAS(FIELD_THRESHOLD)) next->threshold_ppm = cmd->threshold_ppm;
    if (p & CMD_HAS_AMOUNT) next->k = cmd->amount;
    if (p & CMD_HAS(FIELD_MAX_BALANCE)) next->max_per_block = cmd->max_balance;
    if (p & CMD_HAS_TO) next->reserve = cmd->to;
    if (next->sustain_blocks < 2 || next->sustain_blocks > next->window_blocks ||
        next->window_blocks > LIMIT_STABILIZER_WINDOW) {
        return stab__fail(out, ERR_INVALID_ARGUMENT, "needs 2 <= sustain_blocks <= window_blocks <= 32");
    }
    if (next->threshold_ppm == 0 || next->threshold_ppm > STAB_PPM) {
        return stab__fail(out, ERR_INVALID_ARGUMENT, "threshold must be above 0% and at most 100%");
    }
    if (next->target == 0 || next->target > (u128)INT64_MAX) {
        return stab__fail(out, ERR_INVALID_ARGUMENT, "target out of range");
    }
    if (next->k == 0) return stab__fail(out, ERR_INVALID_ARGUMENT, "k must be above 0");
    while (next->obs_count > next->window_blocks) { /* a smaller window: the oldest go */
        next->obs_first = (next->obs_first + 1) % LIMIT_STABILIZER_WINDOW;
        next->obs_count--;
    }
    return ERR_OK;
}

enum err stabilizer_set_precheck(const struct engine *e, const struct command *cmd,
                                 struct apply_result *out) {
    struct stabilizer next;
    int index;
    return stab__plan(&e->s, cmd, &next, &index, out);
}

enum err stabilizer_set_apply(struct engine *e, const struct command *cmd,
                              struct event_buf *events, struct apply_result *out) {
    struct stabilizer next;
    int index;
    enum err err = stab__plan(&e->s, cmd, &next, &index, out);
    if (err) return err;
    if (index < 0) index = (int)e->s.stab.count++;
    e->s.stab.items[index] = next;
    struct event *ev = engine__emit(events, EVENT_STABILIZER_SET, cmd->asset);
    ev->who = next.feed;
    ev->amount = next.k;
    ev->amount2 = next.max_per_block;
    ev->value = (int64_t)next.target;
    ev->ref_id = next.threshold_ppm;
    ev->flags = next.window_blocks | next.sustain_blocks << 8;
    ev->to = next.reserve;
    return ERR_OK;
}

/* ---- genesis ------------------------------------------------------------- */

static const char *const stab__genesis_keys[] = {
    "asset", "feed", "target", "window_blocks", "sustain_blocks", "threshold", "k",
    "max_per_block", "reserve_account", NULL};

static enum err stab__gfail(char *why, size_t why_size, const char *asset, const char *what) {
    snprintf(why, why_size, "stabilizer %s: %s", asset, what);
    return ERR_INVALID_GENESIS;
}

static const char *stab__gtext(const json_t *item, const char *key, char tmp[32]) {
    const json_t *v = json_object_get(item, key);
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        snprintf(tmp, 32, "%lld", (long long)json_integer_value(v));
        return tmp;
    }
    return NULL;
}

static int stab__gcount(const json_t *item, const char *key, uint32_t *out) {
    char tmp[32];
    const char *t = stab__gtext(item, key, tmp);
    if (json_object_get(item, key) == NULL) return 0;
    if (t == NULL || t[0] == '\0' || strlen(t) > 3) return -1;
    uint32_t n = 0;
    for (const char *c = t; *c; c++) {
        if (*c < '0' || *c > '9') return -1;
        n = n * 10 + (uint32_t)(*c - '0');
    }
    *out = n;
    return 0;
}

/* One entry of the list as the command stabilizer.set would carry it. */
static enum err stab__genesis_cmd(const struct engine_state *s, const json_t *item, struct command *c,
                                  const char **asset_name, char *why, size_t why_size) {
    char tmp[32];
    const char *sym = json_string_value(json_object_get(item, "asset"));
    *asset_name = sym != NULL ? sym : "?";
    if (!json_is_object(item) || sym == NULL) return stab__gfail(why, why_size, "?", "asset missing");
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)item, key, value) {
        int known = 0;
        for (unsigned i = 0; stab__genesis_keys[i] != NULL; i++) known |= strcmp(stab__genesis_keys[i], key) == 0;
        if (!known) return stab__gfail(why, why_size, sym, key);
    }
    memset(c, 0, sizeof(*c));
    c->op = OP_STABILIZER_SET;
    c->present = CMD_HAS_ASSET;
    int asset = -1;
    for (uint32_t i = 0; i < s->assets_count; i++) {
        if (strcmp(s->assets[i].symbol, sym) == 0) asset = (int)i;
    }
    if (asset < 0) return stab__gfail(why, why_size, sym, "unknown asset");
    c->asset = (uint16_t)asset;
    unsigned decimals = s->assets[asset].decimals;
    const char *feed = json_string_value(json_object_get(item, "feed"));
    for (uint32_t i = 0; feed != NULL && i < s->feeds_count; i++) {
        if (strcmp(s->feeds[i].name, feed) == 0) {
            c->feed = (uint16_t)i;
            c->present |= CMD_HAS(FIELD_FEED);
        }
    }
    if (!(c->present & CMD_HAS(FIELD_FEED))) {
        char what[64];
        snprintf(what, sizeof(what), "unknown feed %.32s", feed != NULL ? feed : "(missing)");
        return stab__gfail(why, why_size, sym, what);
    }
    const char *t = stab__gtext(item, "target", tmp);
    if (t == NULL || amount_parse(t, strlen(t), FEED_DECIMALS, &c->price) != ERR_OK || c->price == 0) {
        return stab__gfail(why, why_size, sym, "target must be a positive price");
    }
    c->present |= CMD_HAS(FIELD_PRICE);
    t = stab__gtext(item, "k", tmp);
    if (t == NULL || amount_parse(t, strlen(t), decimals, &c->amount) != ERR_OK) {
        return stab__gfail(why, why_size, sym, "k must be an amount");
    }
    c->present |= CMD_HAS_AMOUNT;
    t = stab__gtext(item, "max_per_block", tmp);
    if (t == NULL || amount_parse(t, strlen(t), decimals, &c->max_balance) != ERR_OK) {
        return stab__gfail(why, why_size, sym, "max_per_block must be an amount");
    }
    c->present |= CMD_HAS(FIELD_MAX_BALANCE);
    t = json_string_value(json_object_get(item, "reserve_account"));
    if (t == NULL || addr_parse(t, strlen(t), &c->to) != ERR_OK) {
        return stab__gfail(why, why_size, sym, "reserve_account must be an address");
    }
    c->present |= CMD_HAS_TO;
    return ERR_OK;
}

static enum err stab__genesis_tuning(const json_t *item, struct command *c, const char *sym, char *why,
                                     size_t why_size) {
    if (stab__gcount(item, "window_blocks", &c->window_blocks) != 0) {
        return stab__gfail(why, why_size, sym, "window_blocks must be a number of blocks");
    }
    if (json_object_get(item, "window_blocks") != NULL) c->present |= CMD_HAS(FIELD_WINDOW_BLOCKS);
    if (stab__gcount(item, "sustain_blocks", &c->sustain_blocks) != 0) {
        return stab__gfail(why, why_size, sym, "sustain_blocks must be a number of blocks");
    }
    if (json_object_get(item, "sustain_blocks") != NULL) c->present |= CMD_HAS(FIELD_SUSTAIN_BLOCKS);
    const json_t *thr = json_object_get(item, "threshold");
    if (thr != NULL) {
        const char *t = json_string_value(thr);
        if (t == NULL || percent_parse(t, strlen(t), &c->threshold_ppm) != ERR_OK) {
            return stab__gfail(why, why_size, sym, "threshold must be a percentage (0.5%)");
        }
        c->present |= CMD_HAS(FIELD_THRESHOLD);
    }
    return ERR_OK;
}

enum err stabilizer_genesis(struct engine_state *s, const json_t *list, char *why, size_t why_size) {
    if (list == NULL) return ERR_OK;
    if (!json_is_array(list) || json_array_size(list) > LIMIT_STABILIZERS) {
        snprintf(why, why_size, "stabilizers: must be a list of at most %u", LIMIT_STABILIZERS);
        return ERR_INVALID_GENESIS;
    }
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item) {
        struct command c;
        const char *sym;
        enum err err = stab__genesis_cmd(s, item, &c, &sym, why, why_size);
        if (err) return err;
        err = stab__genesis_tuning(item, &c, sym, why, why_size);
        if (err) return err;
        struct stabilizer next;
        int index;
        struct apply_result res;
        res.detail[0] = '\0';
        err = stab__plan(s, &c, &next, &index, &res);
        if (err == ERR_OK && index >= 0) return stab__gfail(why, why_size, sym, "listed twice");
        if (err) return stab__gfail(why, why_size, sym, res.detail[0] ? res.detail : err_name(err));
        s->stab.items[s->stab.count++] = next;
    }
    return ERR_OK;
}

/* ---- state bytes --------------------------------------------------------- */

void stabilizer_state_write(const struct engine_state *s, struct buf *out) {
    const struct stabilizer_book *b = &s->stab;
    if (b->count == 0) return;
    buf_put(out, "stb", 3);
    buf_put_u32(out, b->count);
    for (uint32_t i = 0; i < b->count; i++) {
        const struct stabilizer *st = &b->items[i];
        buf_put_u16(out, st->asset);
        buf_put_u16(out, st->feed);
        buf_put_u32(out, st->window_blocks);
        buf_put_u32(out, st->sustain_blocks);
        buf_put_u32(out, st->threshold_ppm);
        buf_put_u128(out, st->target);
        buf_put_u128(out, st->k);
        buf_put_u128(out, st->max_per_block);
        buf_put(out, st->reserve.bytes, ADDR_BYTES);
        buf_put_u32(out, st->obs_count); /* oldest first, whatever the ring's start */
        for (uint32_t k = 0; k < st->obs_count; k++) {
            const struct stabilizer_obs *o = stab__obs(st, k);
            buf_put_u64(out, o->block);
            buf_put_u64(out, (uint64_t)o->time_ns);
            buf_put_u128(out, o->price);
        }
        buf_put_u64(out, st->ordered_block);
        buf_put_u128(out, st->ordered_in_block);
        buf_put_u64(out, st->orders_count);
        buf_put_u8(out, st->last_side);
        buf_put_u128(out, st->last_size);
        buf_put_u128(out, st->bought_total);
        buf_put_u128(out, st->sold_total);
    }
}

/* One stabilizer's parameters, checked as stabilizer.set checks them. */
static int stab__read_params(struct buf_reader *r, const struct engine_state *s, struct stabilizer *st) {
    st->asset = buf_get_u16(r);
    st->feed = buf_get_u16(r);
    st->window_blocks = buf_get_u32(r);
    st->sustain_blocks = buf_get_u32(r);
    st->threshold_ppm = buf_get_u32(r);
    st->target = buf_get_u128(r);
    st->k = buf_get_u128(r);
    st->max_per_block = buf_get_u128(r);
    buf_get(r, st->reserve.bytes, ADDR_BYTES);
    if (r->failed || st->asset >= s->assets_count || st->feed >= s->feeds_count) return -1;
    uint8_t kind = s->assets[st->asset].kind;
    if (kind != ASSET_FIAT && kind != ASSET_PLAIN) return -1;
    if (st->sustain_blocks < 2 || st->sustain_blocks > st->window_blocks ||
        st->window_blocks > LIMIT_STABILIZER_WINDOW) {
        return -1;
    }
    if (st->threshold_ppm == 0 || st->threshold_ppm > STAB_PPM) return -1;
    if (st->target == 0 || st->target > (u128)INT64_MAX || st->k == 0) return -1;
    return 0;
}

static int stab__read_one(struct buf_reader *r, const struct engine_state *s, struct stabilizer *st) {
    memset(st, 0, sizeof(*st));
    if (stab__read_params(r, s, st) != 0) return -1;
    st->obs_count = buf_get_u32(r);
    if (r->failed || st->obs_count > st->window_blocks) return -1;
    for (uint32_t k = 0; k < st->obs_count; k++) {
        struct stabilizer_obs *o = &st->obs[k];
        o->block = buf_get_u64(r);
        o->time_ns = (int64_t)buf_get_u64(r);
        o->price = buf_get_u128(r);
        if (r->failed || o->price == 0 || o->block > s->height || o->time_ns < 0 || o->time_ns > s->time_ns) {
            return -1;
        }
        if (k > 0 && (o->block <= st->obs[k - 1].block || o->time_ns < st->obs[k - 1].time_ns)) return -1;
    }
    st->ordered_block = buf_get_u64(r);
    st->ordered_in_block = buf_get_u128(r);
    st->orders_count = buf_get_u64(r);
    st->last_side = buf_get_u8(r);
    st->last_size = buf_get_u128(r);
    st->bought_total = buf_get_u128(r);
    st->sold_total = buf_get_u128(r);
    if (r->failed || st->ordered_block > s->height || st->last_side > STABILIZER_SIDE_SELL) return -1;
    if ((st->orders_count == 0) != (st->ordered_block == 0)) return -1;
    if (st->orders_count == 0 && (st->ordered_in_block | st->last_size | st->last_side |
                                  st->bought_total | st->sold_total) != 0) {
        return -1;
    }
    if (st->orders_count != 0 && (st->last_size == 0 || st->last_size > st->ordered_in_block)) return -1;
    return 0;
}

int stabilizer_state_read(struct buf_reader *r, struct engine_state *s) {
    if (r->len - r->pos < 3 || memcmp(r->data + r->pos, "stb", 3) != 0) return 0; /* none */
    char magic[3];
    buf_get(r, magic, sizeof(magic));
    struct stabilizer_book *b = &s->stab;
    b->count = buf_get_u32(r);
    if (r->failed || b->count == 0 || b->count > LIMIT_STABILIZERS) return -1; /* 0: not written */
    for (uint32_t i = 0; i < b->count; i++) {
        if (stab__read_one(r, s, &b->items[i]) != 0) return -1;
        for (uint32_t j = 0; j < i; j++) {
            if (b->items[j].asset == b->items[i].asset || b->items[j].feed == b->items[i].feed) return -1;
        }
    }
    return r->failed ? -1 : 0;
}
