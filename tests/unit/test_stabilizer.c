/* test_stabilizer.c - the stabilizer (SPEC 6): the flash-spike property
 * (a random single-block spike never orders; a sustained deviation orders
 * within sustain_blocks; a price back at the peg stops orders at once),
 * the TWAP, the per-block cap, the reserve limit on sells, stabilizer.set
 * and its refusals (a feed that does not exist among them), genesis,
 * snapshots, replay, the reserve sizing rule, and one observation's cost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/base/jw.h"
#include "../../src/engine/engine.h"
#include "../../src/engine/stabilizer.h"
#include "../support/engine_fixture.h"

#define RESERVE "0x5e5e000000000000000000000000000000000001"
#define BLOCK_NS (INT64_C(5) * NS_PER_S)
#define PEG ((u128)100000000u) /* 1.00000000 */

/* --------------------------------------------------------------------- */
/* set-up                                                                */
/* --------------------------------------------------------------------- */

static json_t *stab_genesis(int with_stabilizer, int timelocked) {
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "alice",
                                 "admin,minter,burner,transfer_agent,pauser,oracle_updater,treasury_manager");
    fixture_genesis_add_operator(doc, "carol", "viewer");
    fixture_genesis_add_asset(doc, "USDW", "plain", "6");
    fixture_genesis_add_asset(doc, "EURW", "plain", "6");
    json_t *fund = fixture_genesis_add_asset(doc, "FND", "fund", "0");
    json_object_set_new(fund, "nav", json_string("10"));
    json_object_set_new(doc, "feeds",
                        json_pack("[{s:s},{s:s},{s:s}]", "name", "USDW-MKT", "name", "EUR-MKT", "name", "XAU"));
    if (!timelocked) {
        json_object_set_new(doc, "policies",
                            json_pack("[{s:s, s:s, s:s}, {s:s, s:s}]", "op", "stabilizer.set", "approvals", "1",
                                      "timelock", "0s", "op", "unpause", "approvals", "1"));
    }
    if (with_stabilizer) {
        json_object_set_new(doc, "stabilizers",
                            json_pack("[{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}]", "asset", "USDW",
                                      "feed", "USDW-MKT", "target", "1", "window_blocks", "10",
                                      "sustain_blocks", "3", "threshold", "0.5%", "k", "100000",
                                      "max_per_block", "50000", "reserve_account", RESERVE));
    }
    return doc;
}

static struct fixture *open_stab(int with_stabilizer) {
    json_t *doc = stab_genesis(with_stabilizer, 0);
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    return f;
}

static void next_block(struct fixture *f) {
    int64_t t = f->e.s.time_ns;
    if (f->in_block) fixture_seal(f, NULL);
    fixture_begin(f, t + BLOCK_NS, 16);
}

/* The order the last command emitted, if any (at most one). */
static const struct event *last_order(const struct fixture *f) {
    const struct event *found = NULL;
    for (uint32_t i = 0; i < f->events.count; i++) {
        if (f->events.items[i].type == EVENT_STABILIZATION_ORDER) {
            assert_null(found);
            found = &f->events.items[i];
        }
    }
    return found;
}

static void price_text(u128 price, char out[AMOUNT_TEXT_SIZE]) { amount_format(price, FEED_DECIMALS, out); }

/* A price.update of USDW-MKT (in the open block); returns its order. */
static const struct event *update(struct fixture *f, u128 price) {
    char text[AMOUNT_TEXT_SIZE];
    price_text(price, text);
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"price.update\",\"feed\":\"USDW-MKT\",\"value\":\"%s\"}", text));
    return last_order(f);
}

/* One observation in a block of its own. */
static const struct event *observe(struct fixture *f, u128 price) {
    next_block(f);
    return update(f, price);
}

/* price = PEG x (1e6 + signed ppm) / 1e6 */
static u128 at_ppm(int64_t ppm) { return (u128)((int64_t)PEG + (int64_t)PEG * ppm / 1000000); }

static const struct stabilizer *usdw(const struct fixture *f) {
    int i = stabilizer_find(&f->e, fixture_asset(f, "USDW"));
    assert_true(i >= 0);
    return &f->e.s.stab.items[i];
}

/* --------------------------------------------------------------------- */
/* genesis and parameters                                                */
/* --------------------------------------------------------------------- */

static void genesis_sets_the_stabilizer(void **state) {
    (void)state;
    struct fixture *f = open_stab(1);
    assert_int_equal(f->e.s.stab.count, 1);
    const struct stabilizer *st = usdw(f);
    assert_int_equal(st->feed, engine_feed_find(&f->e, "USDW-MKT", 8));
    assert_u128_equal(st->target, PEG);
    assert_int_equal(st->window_blocks, 10);
    assert_int_equal(st->sustain_blocks, 3);
    assert_int_equal(st->threshold_ppm, 5000);
    assert_u128_equal(st->k, fixture_amount(f, "USDW", "100000"));
    assert_u128_equal(st->max_per_block, fixture_amount(f, "USDW", "50000"));
    assert_int_equal(st->obs_count, 0);
    assert_int_equal(stabilizer_find(&f->e, fixture_asset(f, "EURW")), -1);
    fixture_close(f);
}

static enum err genesis_with(json_t *entry, char *why, size_t why_size) {
    json_t *doc = stab_genesis(0, 0);
    json_object_set_new(doc, "stabilizers", json_pack("[o]", entry));
    struct fixture *f = fixture_open_empty(0);
    enum err err = engine_genesis(&f->e, doc, FIXTURE_T0_NS, why, why_size);
    fixture_close(f);
    json_decref(doc);
    return err;
}

static json_t *entry(const char *asset, const char *feed) {
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "asset", asset, "feed", feed, "target", "1", "k",
                     "100", "max_per_block", "50", "reserve_account", RESERVE);
}

static void genesis_refusals(void **state) {
    (void)state;
    char why[192];
    assert_ok(genesis_with(entry("USDW", "USDW-MKT"), why, sizeof(why)));
    assert_err(genesis_with(entry("USDW", "NOPE"), why, sizeof(why)), ERR_INVALID_GENESIS);
    assert_non_null(strstr(why, "unknown feed NOPE"));
    assert_err(genesis_with(entry("NOPE", "USDW-MKT"), why, sizeof(why)), ERR_INVALID_GENESIS);
    assert_non_null(strstr(why, "unknown asset"));
    assert_err(genesis_with(entry("FND", "USDW-MKT"), why, sizeof(why)), ERR_INVALID_GENESIS);
    json_t *e = entry("USDW", "USDW-MKT");
    json_object_set_new(e, "sustain_blocks", json_string("1"));
    assert_err(genesis_with(e, why, sizeof(why)), ERR_INVALID_GENESIS);
    assert_non_null(strstr(why, "sustain_blocks"));
    e = entry("USDW", "USDW-MKT");
    json_object_set_new(e, "window_blocks", json_string("33"));
    assert_err(genesis_with(e, why, sizeof(why)), ERR_INVALID_GENESIS);
    e = entry("USDW", "USDW-MKT");
    json_object_set_new(e, "threshold", json_string("half"));
    assert_err(genesis_with(e, why, sizeof(why)), ERR_INVALID_GENESIS);
    e = entry("USDW", "USDW-MKT");
    json_object_set_new(e, "colour", json_string("red"));
    assert_err(genesis_with(e, why, sizeof(why)), ERR_INVALID_GENESIS);
    e = entry("USDW", "USDW-MKT");
    json_object_del(e, "reserve_account");
    assert_err(genesis_with(e, why, sizeof(why)), ERR_INVALID_GENESIS);
    /* the same asset twice, and one feed for two assets */
    json_t *doc = stab_genesis(0, 0);
    json_object_set_new(doc, "stabilizers", json_pack("[o,o]", entry("USDW", "USDW-MKT"), entry("USDW", "EUR-MKT")));
    struct fixture *f = fixture_open_empty(0);
    assert_err(engine_genesis(&f->e, doc, FIXTURE_T0_NS, why, sizeof(why)), ERR_INVALID_GENESIS);
    json_object_set_new(doc, "stabilizers", json_pack("[o,o]", entry("USDW", "USDW-MKT"), entry("EURW", "USDW-MKT")));
    assert_err(engine_genesis(&f->e, doc, FIXTURE_T0_NS, why, sizeof(why)), ERR_INVALID_GENESIS);
    assert_int_equal(f->e.s.stab.count, 0);
    fixture_close(f);
    json_decref(doc);
}

#define SET_EURW                                                                                   \
    "{\"op\":\"stabilizer.set\",\"asset\":\"EURW\",\"feed\":\"EUR-MKT\",\"target\":\"1.08\","    \
    "\"window_blocks\":8,\"sustain_blocks\":\"2\",\"threshold\":\"1%\",\"k\":\"5000\","           \
    "\"max_per_block\":\"1000\",\"reserve_account\":\"" RESERVE "\"}"

static void set_creates_and_changes(void **state) {
    (void)state;
    struct fixture *f = open_stab(1);
    assert_ok(fixture_apply(f, "alice", SET_EURW));
    assert_int_equal(f->result.pending, APPLY_DONE);
    assert_int_equal(f->events.count, 1);
    assert_int_equal(f->events.items[0].type, EVENT_STABILIZER_SET);
    int i = stabilizer_find(&f->e, fixture_asset(f, "EURW"));
    assert_int_equal(i, 1);
    const struct stabilizer *st = &f->e.s.stab.items[i];
    assert_int_equal(st->window_blocks, 8);
    assert_int_equal(st->sustain_blocks, 2);
    assert_int_equal(st->threshold_ppm, 10000);
    assert_u128_equal(st->target, (u128)108000000u);
    /* a new stabilizer gets the defaults it is not given */
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"threshold\":\"2%\"}"));
    assert_int_equal(usdw(f)->threshold_ppm, 20000);
    assert_int_equal(usdw(f)->window_blocks, 10);
    /* observations survive a change of parameters, not a change of feed;
     * a smaller window drops the oldest */
    for (int k = 0; k < 6; k++) observe(f, PEG);
    assert_int_equal(usdw(f)->obs_count, 6);
    next_block(f);
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"window_blocks\":\"4\"}"));
    assert_int_equal(usdw(f)->obs_count, 4);
    assert_int_equal(usdw(f)->obs[usdw(f)->obs_first].block, 4);
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"feed\":\"XAU\"}"));
    assert_int_equal(usdw(f)->obs_count, 0);
    /* the JSON of the arguments is what a client sends */
    struct command cmd;
    assert_ok(fixture_decode(f, SET_EURW, &cmd));
    struct buf jb;
    buf_init(&jb);
    struct jw w;
    jw_init(&w, &jb);
    command_write_args(&f->e, &cmd, &w);
    buf_put_u8(&jb, 0);
    const char *out = (const char *)jb.data;
    assert_non_null(strstr(out, "\"threshold\":\"1%\""));
    assert_non_null(strstr(out, "\"window_blocks\":8"));
    assert_non_null(strstr(out, "\"max_per_block\":\"1000\""));
    buf_free(&jb);
    fixture_close(f);
}

static void set_refusals_change_nothing(void **state) {
    (void)state;
    struct fixture *f = open_stab(1);
    fixture_expect_rejected(f, "carol", SET_EURW, ERR_UNAUTHORIZED);
    fixture_expect_rejected(f, "alice", "{\"op\":\"stabilizer.set\",\"asset\":\"EURW\",\"feed\":\"EUR-MKT\"}",
                            ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(f->result.detail, "a new stabilizer needs"));
    fixture_expect_rejected(f, "alice", "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"sustain_blocks\":\"11\"}",
                            ERR_INVALID_ARGUMENT);
    fixture_expect_rejected(f, "alice", "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"window_blocks\":\"2\"}",
                            ERR_INVALID_ARGUMENT);
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"stabilizer.set\",\"asset\":\"EURW\",\"feed\":\"USDW-MKT\",\"target\":\"1\","
                            "\"k\":\"1\",\"max_per_block\":\"1\",\"reserve_account\":\"" RESERVE "\"}",
                            ERR_ALREADY_EXISTS);
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"stabilizer.set\",\"asset\":\"FND\",\"feed\":\"XAU\",\"target\":\"1\","
                            "\"k\":\"1\",\"max_per_block\":\"1\",\"reserve_account\":\"" RESERVE "\"}",
                            ERR_INVALID_ARGUMENT);
    fixture_expect_rejected(f, "alice", "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"target\":\"100000000000\"}",
                            ERR_INVALID_ARGUMENT);
    /* malformed values are refused by the decoder (never journaled) */
    struct command cmd;
    assert_err(fixture_decode(f, "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"sustain_blocks\":\"1\"}", &cmd),
               ERR_INVALID_ARGUMENT);
    assert_err(fixture_decode(f, "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"window_blocks\":33}", &cmd),
               ERR_INVALID_ARGUMENT);
    assert_err(fixture_decode(f, "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"threshold\":\"0%\"}", &cmd),
               ERR_INVALID_ARGUMENT);
    assert_err(fixture_decode(f, "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"k\":\"0\"}", &cmd),
               ERR_INVALID_AMOUNT);
    assert_err(fixture_decode(f, "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"reserve_account\":\"0x12\"}", &cmd),
               ERR_INVALID_ADDRESS);
    fixture_close(f);
}

/* A stabilizer on a feed that does not exist: a named error, nothing changed. */
static void unknown_feed_is_refused(void **state) {
    (void)state;
    struct fixture *f = open_stab(1);
    struct command cmd;
    assert_err(fixture_decode(f,
                              "{\"op\":\"stabilizer.set\",\"asset\":\"EURW\",\"feed\":\"NOPE\",\"target\":\"1\","
                              "\"k\":\"1\",\"max_per_block\":\"1\",\"reserve_account\":\"" RESERVE "\"}",
                              &cmd),
               ERR_UNKNOWN_FEED);
    assert_string_equal(f->why, "feed");
    /* The same past the decoder (a command built by hand, or a journal's):
     * the handler refuses it too, and nothing changes. */
    assert_ok(fixture_decode(f, SET_EURW, &cmd));
    cmd.feed = (uint16_t)f->e.s.feeds_count;
    struct stabilizer_book before = f->e.s.stab;
    fixture_begin(f, f->e.s.time_ns, 4);
    assert_err(fixture_apply_cmd(f, &cmd), ERR_UNKNOWN_FEED);
    assert_int_equal(f->events.count, 0);
    assert_int_equal(memcmp(&before, &f->e.s.stab, sizeof(before)), 0);
    /* and its journal form does not decode */
    struct buf b;
    buf_init(&b);
    command_encode(&cmd, &b);
    struct buf_reader r;
    buf_reader_init(&r, b.data, b.len);
    struct command back;
    assert_int_equal(command_decode_bin(&f->e, &r, &back), -1);
    buf_free(&b);
    fixture_close(f);
}

static void set_is_timelocked_24h_by_default(void **state) {
    (void)state;
    json_t *doc = stab_genesis(1, 1);
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    assert_ok(fixture_apply(f, "alice", SET_EURW));
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    assert_true(f->result.eta_ns == f->e.s.time_ns + INT64_C(86400) * NS_PER_S);
    assert_int_equal(f->e.s.stab.count, 1);
    /* checked when scheduled: a refusal comes at once, not a day later */
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"stabilizer.set\",\"asset\":\"EURW\",\"feed\":\"USDW-MKT\",\"target\":\"1\","
                            "\"k\":\"1\",\"max_per_block\":\"1\",\"reserve_account\":\"" RESERVE "\"}",
                            ERR_ALREADY_EXISTS);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* observations, TWAP, orders                                             */
/* --------------------------------------------------------------------- */

static void twap_is_time_weighted_and_one_observation_per_block(void **state) {
    (void)state;
    struct fixture *f = open_stab(1);
    uint32_t index = (uint32_t)stabilizer_find(&f->e, fixture_asset(f, "USDW"));
    struct stabilizer_view v;
    stabilizer_view(&f->e, index, &v);
    assert_u128_equal(v.twap, 0);
    observe(f, PEG);
    stabilizer_view(&f->e, index, &v);
    assert_u128_equal(v.twap, PEG); /* one observation: its own TWAP */
    /* 1.00 for 5 s, then 1.10 for 15 s, then 0.90 (weighs nothing yet) */
    observe(f, (u128)110000000u);
    fixture_seal(f, NULL);
    fixture_begin(f, f->e.s.time_ns + 3 * BLOCK_NS, 4);
    update(f, (u128)90000000u);
    stabilizer_view(&f->e, index, &v);
    assert_u128_equal(v.twap, (u128)107500000u); /* (1.00 x 5 + 1.10 x 15) / 20 */
    assert_int_equal(v.deviation_ppm, 75000);
    assert_int_equal(v.twap_side, 1);
    assert_int_equal(v.side, -1);
    assert_int_equal(v.consecutive, 1);
    assert_true(v.window_ns == 4 * BLOCK_NS);
    /* a second update in the block replaces its observation */
    update(f, PEG);
    assert_int_equal(usdw(f)->obs_count, 3);
    stabilizer_view(&f->e, index, &v);
    assert_u128_equal(v.price, PEG);
    assert_int_equal(v.side, 0);
    assert_int_equal(v.consecutive, 0);
    /* the window keeps window_blocks observations */
    for (int k = 0; k < 25; k++) observe(f, PEG);
    assert_int_equal(usdw(f)->obs_count, 10);
    stabilizer_view(&f->e, index, &v);
    assert_u128_equal(v.twap, PEG);
    assert_int_equal(v.deviation_ppm, 0);
    fixture_close(f);
}

/* A random single-block spike, of any size and either side, alone or
 * with further updates in its block, never triggers an order. */
static void flash_spike_never_orders(void **state) {
    (void)state;
    fixture_rng_seed(0x5eed0011);
    unsigned spikes = 0;
    for (int trial = 0; trial < 60; trial++) {
        struct fixture *f = open_stab(1);
        unsigned quiet = 1 + (unsigned)fixture_rng_below(15);
        for (unsigned k = 0; k < quiet; k++) {
            assert_null(observe(f, at_ppm((int64_t)fixture_rng_below(9001) - 4500))); /* within 0.45% */
        }
        for (int round = 0; round < 5; round++) {
            next_block(f);
            unsigned updates = 1 + (unsigned)fixture_rng_below(3);
            for (unsigned u = 0; u < updates; u++) {
                u128 spike = fixture_rng_percent(50) ? PEG * (2 + fixture_rng_below(1000))
                                                     : (u128)(1 + fixture_rng_below(99000000));
                assert_null(update(f, spike));
                spikes++;
            }
            unsigned calm = 1 + (unsigned)fixture_rng_below(4);
            for (unsigned k = 0; k < calm; k++) {
                assert_null(observe(f, at_ppm((int64_t)fixture_rng_below(9001) - 4500)));
            }
        }
        fixture_close(f);
    }
    print_message("test_stabilizer: %u spikes, no order\n", spikes);
}

/* A sustained deviation large enough for the TWAP to cross the threshold
 * by then orders at the sustain_blocks-th observation, not before, on the
 * right side and of the right size; a price back at the peg stops the
 * orders at its own observation, and they stay stopped. */
static void sustained_deviation_orders_and_peg_stops_them(void **state) {
    (void)state;
    fixture_rng_seed(0x5eed0022);
    for (int trial = 0; trial < 60; trial++) {
        struct fixture *f = open_stab(1);
        assert_ok(fixture_mint(f, "alice", "USDW", RESERVE, "1000000"));
        for (int k = 0; k < 10; k++) assert_null(observe(f, PEG));
        /* beyond threshold x (window - 1) / (sustain - 1) = 2.25% */
        int64_t ppm = 23000 + (int64_t)fixture_rng_below(300000);
        int below = fixture_rng_percent(50);
        u128 price = at_ppm(below ? -ppm : ppm);
        assert_null(observe(f, price));
        assert_null(observe(f, price));
        const struct event *ev = observe(f, price);
        assert_non_null(ev);
        assert_int_equal(ev->flags, below ? STABILIZER_SIDE_BUY : STABILIZER_SIDE_SELL);
        assert_int_equal(ev->code, 3);
        u128 twap = ev->amount2;
        u128 diff = twap > PEG ? twap - PEG : PEG - twap;
        assert_int_equal((uint64_t)ev->value, (uint64_t)(diff * 1000000u / PEG));
        u128 k = fixture_amount(f, "USDW", "100000");
        u128 want = k * (u128)(uint64_t)ev->value / 1000000u;
        u128 cap = fixture_amount(f, "USDW", "50000");
        assert_u128_equal(ev->amount, want < cap ? want : cap);
        unsigned more = (unsigned)fixture_rng_below(5);
        for (unsigned m = 0; m < more; m++) assert_non_null(observe(f, price));
        /* back to the peg (or within the threshold): no order from then on */
        assert_null(observe(f, at_ppm((int64_t)fixture_rng_below(9001) - 4500)));
        assert_null(observe(f, PEG));
        assert_null(observe(f, PEG));
        fixture_close(f);
    }
}

/* A small sustained deviation orders once the TWAP has crossed too. */
static void small_deviation_waits_for_the_twap(void **state) {
    (void)state;
    struct fixture *f = open_stab(1);
    for (int k = 0; k < 10; k++) observe(f, PEG);
    u128 price = at_ppm(-10000); /* 1% below: the TWAP crosses 0.5% at 5 intervals of 9 */
    unsigned first = 0;
    for (unsigned n = 1; n <= 10 && first == 0; n++) {
        if (observe(f, price) != NULL) first = n;
    }
    assert_int_equal(first, 6);
    fixture_close(f);
}

static void per_block_cap_and_reserve_limit(void **state) {
    (void)state;
    struct fixture *f = open_stab(1);
    next_block(f);
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"k\":\"10000000\"}"));
    for (int k = 0; k < 10; k++) observe(f, PEG);
    /* sells are limited by what the reserve holds: nothing, then 123 */
    u128 high = at_ppm(200000);
    observe(f, high);
    observe(f, high);
    assert_null(observe(f, high));
    assert_int_equal(usdw(f)->orders_count, 0);
    assert_ok(fixture_mint(f, "alice", "USDW", RESERVE, "123"));
    const struct event *ev = observe(f, high);
    assert_non_null(ev);
    assert_u128_equal(ev->amount, fixture_amount(f, "USDW", "123"));
    /* a second update in the block: what is left of the block's cap and
     * of the reserve (already ordered counts) */
    assert_null(update(f, high));
    assert_ok(fixture_mint(f, "alice", "USDW", RESERVE, "1000000"));
    ev = update(f, high);
    assert_non_null(ev);
    assert_u128_equal(ev->amount, fixture_amount(f, "USDW", "49877"));
    assert_null(update(f, high));
    assert_u128_equal(usdw(f)->ordered_in_block, fixture_amount(f, "USDW", "50000"));
    /* next block: the cap again */
    ev = observe(f, high);
    assert_non_null(ev);
    assert_u128_equal(ev->amount, fixture_amount(f, "USDW", "50000"));
    assert_u128_equal(usdw(f)->sold_total, fixture_amount(f, "USDW", "100000"));
    fixture_close(f);

    /* buys are not limited by the reserve; max_per_block 0 observes only */
    f = open_stab(1);
    for (int k = 0; k < 10; k++) observe(f, PEG);
    u128 low = at_ppm(-200000);
    observe(f, low);
    observe(f, low);
    ev = observe(f, low);
    assert_non_null(ev);
    assert_int_equal(ev->flags, STABILIZER_SIDE_BUY);
    assert_u128_equal(ev->amount, fixture_amount(f, "USDW", "4444.4")); /* 100000 x 0.044444 (TWAP 2/9 of 20% off) */
    next_block(f);
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"max_per_block\":\"0\"}"));
    assert_null(update(f, low));
    assert_null(observe(f, low));
    assert_int_equal(usdw(f)->obs_count, 10);
    fixture_close(f);
}

static void no_order_while_paused(void **state) {
    (void)state;
    struct fixture *f = open_stab(1);
    for (int k = 0; k < 10; k++) observe(f, PEG);
    u128 low = at_ppm(-100000);
    observe(f, low);
    observe(f, low);
    next_block(f);
    assert_ok(fixture_pause(f, "alice", "USDW"));
    assert_null(update(f, low));
    assert_int_equal(usdw(f)->obs_count, 10);
    fixture_close(f);
}

static void order_event_json(void **state) {
    (void)state;
    struct fixture *f = open_stab(1);
    for (int k = 0; k < 10; k++) observe(f, PEG);
    u128 low = at_ppm(-100000);
    observe(f, low);
    observe(f, low);
    const struct event *ev = observe(f, low);
    assert_non_null(ev);
    struct buf jb;
    buf_init(&jb);
    struct jw w;
    jw_init(&w, &jb);
    event_write_json(&f->e, ev, 14, "alice", &w);
    buf_put_u8(&jb, 0);
    const char *out = (const char *)jb.data;
    assert_non_null(strstr(out, "\"type\":\"StabilizationOrder\""));
    assert_non_null(strstr(out, "\"asset\":\"USDW\""));
    assert_non_null(strstr(out, "\"side\":\"buy\""));
    assert_non_null(strstr(out, "\"price\":\"0.9\""));
    assert_non_null(strstr(out, "\"twap\":\"0.97777777\""));
    assert_non_null(strstr(out, "\"deviation_ppm\":22222"));
    assert_non_null(strstr(out, "\"size\":\"2222.2\""));
    assert_non_null(strstr(out, "\"reserve_account\":\"" RESERVE "\""));
    buf_free(&jb);
    /* the journal form carries every field */
    struct buf b;
    buf_init(&b);
    event_encode(ev, &b);
    struct buf_reader r;
    buf_reader_init(&r, b.data, b.len);
    struct event back;
    assert_int_equal(event_decode(&r, &back), 0);
    assert_int_equal(r.pos, b.len);
    assert_u128_equal(back.amount2, ev->amount2);
    assert_u128_equal(back.amount, ev->amount);
    assert_int_equal(back.value, ev->value);
    buf_free(&b);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* a seeded random sequence against a reference model                    */
/* --------------------------------------------------------------------- */

/* The rules of stabilizer.h written again, plainly (prices and times here
 * are small enough for u128 sums). */
struct model {
    uint32_t window, sustain, threshold_ppm;
    u128 k, max_per_block;
    uint32_t n;
    uint64_t block[LIMIT_STABILIZER_WINDOW + 1]; /* one more: appended, then trimmed */
    int64_t time[LIMIT_STABILIZER_WINDOW + 1];
    u128 price[LIMIT_STABILIZER_WINDOW + 1];
    uint64_t ordered_block;
    u128 ordered;
};

static int model_side(const struct model *m, u128 p) {
    u128 diff = p > PEG ? p - PEG : PEG - p;
    if (diff * 1000000u <= PEG * m->threshold_ppm) return 0;
    return p > PEG ? 1 : -1;
}

static void model_trim(struct model *m) {
    while (m->n > m->window) {
        memmove(m->block, m->block + 1, (m->n - 1) * sizeof(m->block[0]));
        memmove(m->time, m->time + 1, (m->n - 1) * sizeof(m->time[0]));
        memmove(m->price, m->price + 1, (m->n - 1) * sizeof(m->price[0]));
        m->n--;
    }
}

/* The order the model expects for an update (0: none); *side set. */
static u128 model_update(struct model *m, uint64_t block, int64_t time, u128 price, int paused,
                         u128 reserve, int *side) {
    if (m->n > 0 && m->block[m->n - 1] == block) {
        m->price[m->n - 1] = price;
    } else {
        m->block[m->n] = block;
        m->time[m->n] = time;
        m->price[m->n] = price;
        m->n++;
        model_trim(m);
    }
    *side = model_side(m, price);
    uint32_t run = 0;
    while (*side != 0 && run < m->n && model_side(m, m->price[m->n - 1 - run]) == *side) run++;
    u128 twap = m->price[0];
    if (m->n > 1) {
        u128 sum = 0, weights = 0;
        for (uint32_t i = 0; i + 1 < m->n; i++) {
            int64_t dt = m->time[i + 1] - m->time[i];
            u128 w = dt < 1 ? 1 : (u128)dt;
            sum += m->price[i] * w;
            weights += w;
        }
        twap = sum / weights;
    }
    if (*side == 0 || run < m->sustain || model_side(m, twap) != *side || paused) return 0;
    u128 diff = twap > PEG ? twap - PEG : PEG - twap;
    u128 size = m->k * (diff * 1000000u / PEG) / 1000000u;
    u128 used = m->ordered_block == block ? m->ordered : 0;
    u128 room = m->max_per_block > used ? m->max_per_block - used : 0;
    if (size > room) size = room;
    if (*side > 0) {
        u128 left = reserve > used ? reserve - used : 0;
        if (size > left) size = left;
    }
    if (size == 0) return 0;
    m->ordered_block = block;
    m->ordered = used + size;
    return size;
}

/* Prices in regimes that last a while (at the peg, above, below, spiky),
 * so that sustained deviations, spikes and returns to the peg all occur. */
static u128 random_price(int regime) {
    int64_t ppm;
    uint64_t r = fixture_rng_below(100);
    if (r < 10) ppm = (int64_t)fixture_rng_below(1900001) - 950000; /* a spike in any regime */
    else if (regime == 0) ppm = (int64_t)fixture_rng_below(8001) - 4000;
    else if (regime == 1) ppm = 2000 + (int64_t)fixture_rng_below(60000);
    else if (regime == 2) ppm = -2000 - (int64_t)fixture_rng_below(60000);
    else ppm = (int64_t)fixture_rng_below(100001) - 50000;
    return at_ppm(ppm);
}

/* One seeded walk: price updates (several a block at times), random block
 * gaps (zero too), pauses, reserve mints, parameter changes. Every order
 * is the model's, size and side; the state hashes of each block go to
 * hashes (for the replay comparison). */
static void random_walk(struct fixture *f, uint64_t seed, unsigned blocks, char hashes[][HASH_HEX_SIZE]) {
    fixture_rng_seed(seed);
    struct model m = {10, 3, 5000, 0, 0, 0, {0}, {0}, {0}, 0, 0};
    m.k = fixture_amount(f, "USDW", "100000");
    m.max_per_block = fixture_amount(f, "USDW", "50000");
    int paused = 0;
    int regime = 0;
    unsigned orders = 0;
    for (unsigned b = 0; b < blocks; b++) {
        int64_t t = f->e.s.time_ns;
        if (f->in_block) fixture_seal(f, NULL);
        if (hashes != NULL && b > 0) fixture_state_hex(f, hashes[b - 1]);
        fixture_begin(f, t + (int64_t)fixture_rng_below(21) * NS_PER_S, 16);
        if (fixture_rng_percent(5)) {
            assert_ok(fixture_apply(f, "alice", paused ? J_UNPAUSE("USDW") : J_PAUSE("USDW")));
            assert_int_equal(f->result.pending, APPLY_DONE);
            paused = !paused;
        }
        if (!paused && fixture_rng_percent(8)) assert_ok(fixture_mint(f, "alice", "USDW", RESERVE, "20000"));
        if (fixture_rng_percent(3)) {
            uint32_t window = 2 + (uint32_t)fixture_rng_below(LIMIT_STABILIZER_WINDOW - 1);
            uint32_t sustain = 2 + (uint32_t)fixture_rng_below(window - 1);
            uint32_t thr = 1 + (uint32_t)fixture_rng_below(30);
            uint64_t k = 1 + fixture_rng_below(1000000);
            uint64_t cap = fixture_rng_below(100000);
            assert_ok(fixture_applyf(f, "alice",
                                     "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"window_blocks\":%u,"
                                     "\"sustain_blocks\":%u,\"threshold\":\"%u.%u%%\",\"k\":\"%llu\","
                                     "\"max_per_block\":\"%llu\"}",
                                     window, sustain, thr / 10, thr % 10, (unsigned long long)k, (unsigned long long)cap));
            m.window = window;
            m.sustain = sustain;
            m.threshold_ppm = thr * 1000u;
            m.k = (u128)k * 1000000u;
            m.max_per_block = (u128)cap * 1000000u;
            model_trim(&m);
        }
        if (fixture_rng_percent(6)) regime = (int)fixture_rng_below(4);
        unsigned updates = fixture_rng_percent(80) ? 1 : (unsigned)fixture_rng_below(4);
        for (unsigned u = 0; u < updates; u++) {
            u128 price = random_price(regime);
            u128 reserve = fixture_balance(f, "USDW", RESERVE);
            int side;
            u128 want = model_update(&m, f->e.s.height + 1, f->e.s.time_ns, price, paused, reserve, &side);
            const struct event *ev = update(f, price);
            if (want == 0) {
                if (ev != NULL) fail_msg("block %u: an order of %llu the model does not expect", b,
                                         (unsigned long long)ev->amount);
                continue;
            }
            if (ev == NULL) fail_msg("block %u: no order; the model expects %llu", b, (unsigned long long)want);
            assert_u128_equal(ev->amount, want);
            assert_int_equal(ev->flags, side > 0 ? STABILIZER_SIDE_SELL : STABILIZER_SIDE_BUY);
            orders++;
        }
        assert_int_equal(usdw(f)->obs_count, m.n);
        assert_int_equal(engine_check_invariants(&f->e), 0);
    }
    fixture_seal(f, NULL);
    if (hashes != NULL) fixture_state_hex(f, hashes[blocks - 1]);
    assert_true(orders > 0);
    print_message("test_stabilizer: seed %llx, %u blocks: %u orders, as the model expects\n",
                  (unsigned long long)seed, blocks, orders);
}

static void random_sequence_matches_the_model(void **state) {
    (void)state;
    enum { BLOCKS = 1500 };
    static char a[BLOCKS][HASH_HEX_SIZE], b[BLOCKS][HASH_HEX_SIZE];
    for (uint64_t seed = 1; seed <= 3; seed++) {
        json_t *doc = stab_genesis(1, 0);
        struct fixture *f = fixture_open_hint(doc, FIXTURE_T0_NS, 64);
        struct fixture *g = fixture_open_hint(doc, FIXTURE_T0_NS, 1u << 16);
        json_decref(doc);
        random_walk(f, 0x5eed0100 + seed, BLOCKS, a);
        random_walk(g, 0x5eed0100 + seed, BLOCKS, b); /* replay: the same hashes, block by block */
        for (unsigned i = 0; i < BLOCKS; i++) assert_string_equal(a[i], b[i]);
        fixture_begin(f, f->e.s.time_ns, 1);
        struct fixture *h = fixture_from_snapshot(f, NULL); /* and a snapshot reads back to them */
        fixture_close(h);
        fixture_close(f);
        fixture_close(g);
    }
}

/* --------------------------------------------------------------------- */
/* snapshots, replay, state hash compatibility                           */
/* --------------------------------------------------------------------- */

static void run_script(struct fixture *f, char hashes[][HASH_HEX_SIZE], unsigned *blocks) {
    *blocks = 0;
    assert_ok(fixture_mint(f, "alice", "USDW", RESERVE, "777"));
    fixture_rng_seed(0x5eed0033);
    for (int k = 0; k < 40; k++) {
        int64_t ppm = (int64_t)fixture_rng_below(80001) - 40000;
        observe(f, at_ppm(ppm));
        if (k == 20) assert_ok(fixture_apply(f, "alice", SET_EURW));
        if (k % 8 == 0) fixture_state_hex(f, hashes[(*blocks)++]);
    }
    fixture_seal(f, NULL);
    fixture_state_hex(f, hashes[(*blocks)++]);
}

static void replay_reaches_the_same_hashes(void **state) {
    (void)state;
    json_t *doc = stab_genesis(1, 0);
    struct fixture *f = fixture_open_hint(doc, FIXTURE_T0_NS, 64);
    struct fixture *g = fixture_open_hint(doc, FIXTURE_T0_NS, 1u << 16);
    json_decref(doc);
    char a[8][HASH_HEX_SIZE], b[8][HASH_HEX_SIZE];
    unsigned na, nb;
    run_script(f, a, &na);
    run_script(g, b, &nb);
    assert_int_equal(na, nb);
    for (unsigned i = 0; i < na; i++) assert_string_equal(a[i], b[i]);
    assert_true(usdw(f)->orders_count > 0);
    fixture_close(f);
    fixture_close(g);
}

static void snapshot_round_trip(void **state) {
    (void)state;
    struct fixture *f = open_stab(1);
    assert_ok(fixture_mint(f, "alice", "USDW", RESERVE, "100000"));
    for (int k = 0; k < 14; k++) observe(f, PEG); /* the ring has wrapped */
    u128 high = at_ppm(50000);
    observe(f, high);
    observe(f, high);
    assert_non_null(observe(f, high));
    struct buf bytes;
    struct fixture *g = fixture_from_snapshot(f, &bytes); /* asserts equal hashes */
    assert_int_equal(g->e.s.stab.count, 1);
    assert_int_equal(usdw(g)->orders_count, 1);
    /* both go on the same way */
    for (int k = 0; k < 3; k++) {
        const struct event *ef = observe(f, high);
        const struct event *eg = observe(g, high);
        assert_non_null(ef);
        assert_non_null(eg);
        assert_u128_equal(ef->amount, eg->amount);
        assert_u128_equal(ef->amount2, eg->amount2);
    }
    char hf[HASH_HEX_SIZE], hg[HASH_HEX_SIZE];
    fixture_seal(f, NULL);
    fixture_seal(g, NULL);
    fixture_state_hex(f, hf);
    fixture_state_hex(g, hg);
    assert_string_equal(hf, hg);
    /* a damaged stabilizer section is refused */
    size_t at = 0;
    for (size_t i = 8; i + 3 <= bytes.len; i++) {
        if (memcmp(bytes.data + i, "stb", 3) == 0) at = i;
    }
    assert_true(at != 0);
    /* count, asset, feed, window, sustain, threshold, target, obs_count,
     * the first observation's block and time */
    static const size_t offsets[] = {3, 7, 9, 11, 15, 22, 23 + 8, 71 + 20 + 3, 71 + 20 + 4 + 7,
                                     71 + 20 + 4 + 8 + 7};
    for (size_t k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++) {
        uint8_t *copy = malloc(bytes.len);
        assert_non_null(copy);
        memcpy(copy, bytes.data, bytes.len);
        copy[at + offsets[k]] ^= 0x80;
        if (offsets[k] == 23 + 8) copy[at + offsets[k]] ^= 0x80 ^ 0x7F; /* target above INT64_MAX */
        struct fixture *h = fixture_open_empty(0);
        enum err err = engine_snapshot_read(&h->e, copy, bytes.len);
        fixture_close(h);
        free(copy);
        if (err != ERR_IO) fail_msg("corruption at +%zu: got %s", offsets[k], err_name(err));
    }
    buf_free(&bytes);
    fixture_close(f);
    fixture_close(g);
}

/* A ledger without a stabilizer writes no "stb" section; its observations
 * (price updates) hash as they always did. */
static void ledgers_without_stabilizers_keep_their_state_bytes(void **state) {
    (void)state;
    struct fixture *f = open_stab(0);
    for (int k = 0; k < 3; k++) observe(f, at_ppm(100000));
    struct buf bytes;
    struct fixture *g = fixture_from_snapshot(f, &bytes);
    for (size_t i = 0; i + 3 <= bytes.len; i++) assert_false(memcmp(bytes.data + i, "stb", 3) == 0);
    buf_free(&bytes);
    fixture_close(f);
    fixture_close(g);
}

/* --------------------------------------------------------------------- */
/* the reserve sizing rule; one observation's cost                        */
/* --------------------------------------------------------------------- */

static void reserve_sizing_rule(void **state) {
    (void)state;
    struct stabilizer_reserve_rule rule;
    /* seed 001: P = 10,000 a minute, T = 5 min: 150,000 with the 3x factor */
    assert_ok(stabilizer_reserve_rule(10000, 5, 150000, &rule));
    assert_u128_equal(rule.required, 150000);
    assert_int_equal(rule.factor, 3);
    assert_true(rule.ok);
    assert_ok(stabilizer_reserve_rule(10000, 5, 149999, &rule));
    assert_false(rule.ok);
    assert_u128_equal(rule.actual, 149999);
    struct stabilizer_reserve_rule kept = rule;
    assert_err(stabilizer_reserve_rule(U128_MAX / 2, 2, 0, &rule), ERR_OVERFLOW);
    assert_int_equal(memcmp(&kept, &rule, sizeof(rule)), 0);
    assert_int_equal(stabilizer_window_min(0), 1);
    assert_int_equal(stabilizer_window_min(INT64_C(60) * NS_PER_S), 1);
    assert_int_equal(stabilizer_window_min(INT64_C(61) * NS_PER_S), 2);
    /* the stabilizer's own window: 10 blocks of 5 s (45 s) is a minute */
    struct fixture *f = open_stab(1);
    for (int k = 0; k < 12; k++) observe(f, PEG);
    struct stabilizer_view v;
    stabilizer_view(&f->e, 0, &v);
    assert_true(v.window_ns == 9 * BLOCK_NS);
    assert_int_equal(stabilizer_window_min(v.window_ns), 1);
    fixture_close(f);
}

static void observation_cost(void **state) {
    (void)state;
    struct fixture *f = open_stab(1);
    assert_ok(fixture_mint(f, "alice", "USDW", RESERVE, "1000000"));
    for (int k = 0; k < 10; k++) observe(f, at_ppm(30000));
    struct event items[8];
    struct event_buf events = {items, 0, 8};
    uint16_t feed = usdw(f)->feed;
    enum { N = 200000 };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < N; i++) {
        events.count = 0;
        f->e.s.height++; /* a block each: the window slides, an order each */
        stabilizer_observe(&f->e, feed, at_ppm(30000 + (i & 7)), &events);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(events.count, 1);
    double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / N;
    print_message("test_stabilizer: one observation (window 10, with an order): %.0f ns\n", ns);
    fixture_close(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(genesis_sets_the_stabilizer),
        cmocka_unit_test(genesis_refusals),
        cmocka_unit_test(set_creates_and_changes),
        cmocka_unit_test(set_refusals_change_nothing),
        cmocka_unit_test(unknown_feed_is_refused),
        cmocka_unit_test(set_is_timelocked_24h_by_default),
        cmocka_unit_test(twap_is_time_weighted_and_one_observation_per_block),
        cmocka_unit_test(flash_spike_never_orders),
        cmocka_unit_test(sustained_deviation_orders_and_peg_stops_them),
        cmocka_unit_test(small_deviation_waits_for_the_twap),
        cmocka_unit_test(per_block_cap_and_reserve_limit),
        cmocka_unit_test(no_order_while_paused),
        cmocka_unit_test(order_event_json),
        cmocka_unit_test(random_sequence_matches_the_model),
        cmocka_unit_test(replay_reaches_the_same_hashes),
        cmocka_unit_test(snapshot_round_trip),
        cmocka_unit_test(ledgers_without_stabilizers_keep_their_state_bytes),
        cmocka_unit_test(reserve_sizing_rule),
        cmocka_unit_test(observation_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
