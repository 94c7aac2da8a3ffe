/* test_bridge.c - the bridge engine module (bridge.h, issue 11 item 2):
 * routes from genesis and their refusals, send / confirm / refund /
 * refund_execute / receive with every refusal changing nothing, escrow =
 * the sum of unsettled transfers after every command, inbound mints once
 * per (chain, tx), refunds only after the timeout and by another signer,
 * route set/enable timelocked and disable at once, the buffer rule's
 * figures exactly, the transfer table's bound, snapshots and replay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/base/jw.h"
#include "../../src/base/limits.h"
#include "../../src/engine/bridge.h"
#include "../../src/engine/engine.h"
#include "../../src/engine/engine_internal.h"
#include "../support/engine_fixture.h"

#define MIN_NS (INT64_C(60) * NS_PER_S)
#define HOUR_NS (INT64_C(3600) * NS_PER_S)
#define CHAIN "651940"
#define CHAIN_N UINT64_C(651940)
#define TX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define TX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define BUFFER ADDR_3

/* --------------------------------------------------------------------- */
/* set-up                                                                */
/* --------------------------------------------------------------------- */

static json_t *route_json(const char *chain, const char *asset) {
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "chain", chain, "asset", asset,
                     "timeout", "1h", "latency", "30m", "min", "1", "max", "1000000",
                     "buffer_account", BUFFER, "safety_factor", "1.5");
}

/* alice: admin, pauser, minter, bridge operator; bob: bridge operator and
 * refund signer; carol: refund signer; dave: viewer. USDW (plain, 6
 * decimals) routed to chain 651940 and 138; GOLD (plain, 18) routed to
 * 651940; SEC a security token. zero_timelock: bridge.route.set/enable
 * with no delay (the route tests that are not about the timelock). */
static json_t *bridge_genesis_doc(int zero_timelock) {
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "alice", "admin,pauser,minter,bridge_operator");
    fixture_genesis_add_operator(doc, "bob", "bridge_operator,refund_signer");
    fixture_genesis_add_operator(doc, "carol", "refund_signer");
    fixture_genesis_add_operator(doc, "dave", "viewer");
    fixture_genesis_add_asset(doc, "USDW", "plain", "6");
    fixture_genesis_add_asset(doc, "GOLD", "plain", "18");
    fixture_genesis_add_asset(doc, "SEC", "security", "0");
    json_t *routes = json_array();
    json_array_append_new(routes, route_json(CHAIN, "USDW"));
    json_array_append_new(routes, route_json("138", "USDW"));
    json_array_append_new(routes, route_json(CHAIN, "GOLD"));
    json_object_set_new(doc, "bridge_routes", routes);
    /* the refusals under test need pauses lifted and blacklistings made
     * by one operator */
    json_t *policies =
        json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]", "op", "unpause", "approvals", "1", "op",
                  "blacklist.add", "approvals", "1", "op", "blacklist.remove", "approvals", "1");
    if (zero_timelock) {
        json_array_append_new(policies,
                              json_pack("{s:s, s:s}", "op", "bridge.route.set", "timelock", "0s"));
        json_array_append_new(
            policies, json_pack("{s:s, s:s}", "op", "bridge.route.enable", "timelock", "0s"));
    }
    json_object_set_new(doc, "policies", policies);
    return doc;
}

static struct fixture *open_bridge(int zero_timelock) {
    json_t *doc = bridge_genesis_doc(zero_timelock);
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    return f;
}

static void block_at(struct fixture *f, int64_t time_ns) {
    if (f->in_block) fixture_seal(f, NULL);
    fixture_begin(f, time_ns, FIXTURE_BLOCK_COMMANDS);
}

/* The escrow invariants, and the engine's, checked the test's own way
 * too: each route's escrow = the sum of its open transfers. */
static void check_escrow(struct fixture *f) {
    assert_int_equal(bridge_check_invariants(&f->e), 0);
    assert_int_equal(engine_check_invariants(&f->e), 0);
    const struct bridge_book *b = &f->e.s.bridge;
    for (uint32_t r = 0; r < b->routes_count; r++) {
        u128 sum = 0;
        for (uint32_t i = 0; i < LIMIT_BRIDGE_TRANSFERS; i++) {
            const struct bridge_transfer *t = &b->transfers[i];
            if (t->id == 0 || t->route != r) continue;
            if (t->status == BRIDGE_INITIATED || t->status == BRIDGE_REFUND_REQUESTED)
                sum += t->amount;
        }
        assert_u128_equal(b->routes[r].escrow, sum);
    }
    /* nobody sends to the escrow directly in these tests: equality */
    for (uint32_t a = 0; a < f->e.s.assets_count; a++) {
        u128 sum = 0;
        for (uint32_t r = 0; r < b->routes_count; r++) {
            if (b->routes[r].asset == a) sum += b->routes[r].escrow;
        }
        assert_u128_equal(engine_balance(&f->e, a, &BRIDGE_ESCROW), sum);
    }
}

static enum err send(struct fixture *f, const char *who, const char *asset, const char *from,
                     const char *chain, const char *amount) {
    return fixture_applyf(
        f, who,
        "{\"op\":\"bridge.send\",\"asset\":\"%s\",\"from\":\"%s\",\"chain\":\"%s\","
        "\"to\":\"" ADDR_4 "\",\"amount\":\"%s\"}",
        asset, from, chain, amount);
}

/* A send that must pass; its transfer id. */
static uint64_t send_ok(struct fixture *f, const char *amount) {
    assert_ok(send(f, "alice", "USDW", ADDR_1, CHAIN, amount));
    assert_int_equal(f->events.count, 2);
    assert_int_equal(f->events.items[0].type, EVENT_TRANSFER);
    assert_int_equal(f->events.items[1].type, EVENT_BRIDGE_SENT);
    check_escrow(f);
    return f->events.items[1].ref_id;
}

static enum err confirm(struct fixture *f, const char *who, uint64_t id, const char *tx) {
    return fixture_applyf(f, who, "{\"op\":\"bridge.confirm\",\"id\":%llu,\"tx\":\"%s\"}",
                          (unsigned long long)id, tx);
}

static enum err by_id(struct fixture *f, const char *who, const char *op, uint64_t id) {
    return fixture_applyf(f, who, "{\"op\":\"%s\",\"id\":%llu}", op, (unsigned long long)id);
}

static void rejected_id(struct fixture *f, const char *who, const char *op, uint64_t id,
                        enum err expected) {
    char json[200];
    if (strcmp(op, "bridge.confirm") == 0) {
        snprintf(json, sizeof(json), "{\"op\":\"bridge.confirm\",\"id\":%llu,\"tx\":\"" TX_A "\"}",
                 (unsigned long long)id);
    } else {
        snprintf(json, sizeof(json), "{\"op\":\"%s\",\"id\":%llu}", op, (unsigned long long)id);
    }
    fixture_expect_rejected(f, who, json, expected);
}

static enum err receive(struct fixture *f, const char *chain, const char *tx, const char *amount) {
    return fixture_applyf(
        f, "alice",
        "{\"op\":\"bridge.receive\",\"asset\":\"USDW\",\"chain\":\"%s\",\"tx\":\"%s\","
        "\"to\":\"" ADDR_2 "\",\"amount\":\"%s\"}",
        chain, tx, amount);
}

static const struct bridge_route *route_of(struct fixture *f, uint64_t chain, const char *asset) {
    int i = bridge_route_find(&f->e, chain, (uint16_t)fixture_asset(f, asset));
    assert_true(i >= 0);
    return &f->e.s.bridge.routes[i];
}

/* --------------------------------------------------------------------- */
/* genesis                                                               */
/* --------------------------------------------------------------------- */

static void genesis_routes_loaded_with_defaults(void **state) {
    (void)state;
    struct fixture *f = open_bridge(0);
    assert_int_equal(f->e.s.bridge.routes_count, 3);
    const struct bridge_route *r = route_of(f, CHAIN_N, "USDW");
    assert_true(r->enabled);
    assert_u128_equal(r->min, fixture_amount(f, "USDW", "1"));
    assert_u128_equal(r->max, fixture_amount(f, "USDW", "1000000"));
    assert_int_equal(r->timeout_ns, HOUR_NS);
    assert_int_equal(r->latency_ns, 30 * MIN_NS);
    assert_int_equal(r->safety_e8, 150000000);
    assert_true(addr_equal(&r->buffer, &(struct addr){0}) == 0);
    for (unsigned i = 0; i < BRIDGE_HOURS; i++)
        assert_int_equal(r->hours[i].hour, -1);
    fixture_close(f);

    /* latency defaults to the timeout, safety to 1, max to none */
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "alice", "admin");
    fixture_genesis_add_asset(doc, "USDW", "plain", "6");
    json_object_set_new(doc, "bridge_routes",
                        json_pack("[{s:i, s:s, s:s, s:s, s:s}]", "chain", 138, "asset", "USDW",
                                  "timeout", "2h", "min", "0.5", "buffer_account", BUFFER));
    f = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    r = route_of(f, 138, "USDW");
    assert_int_equal(r->latency_ns, 2 * HOUR_NS);
    assert_int_equal(r->safety_e8, BRIDGE_SAFETY_ONE);
    assert_u128_equal(r->max, 0);
    fixture_close(f);
}

static void genesis_bad_routes_refused(void **state) {
    (void)state;
    static const struct {
        const char *key;
        const char *value;
    } bad[] = {
        {"chain", "0"},
        {"chain", "abc"},
        {"asset", "NOPE"},
        {"asset", "SEC"},
        {"min", "0"},
        {"min", "1.0000001"},
        {"max", "0.5"},
        {"timeout", "soon"},
        {"latency", "x"},
        {"safety_factor", "0.5"},
        {"safety_factor", "101"},
        {"buffer_account", "0x12"},
        {"buffer_account", BRIDGE_ESCROW_TEXT},
        {"enabled", "maybe"},
        {"colour", "blue"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *doc = bridge_genesis_doc(0);
        json_t *first = json_array_get(json_object_get(doc, "bridge_routes"), 0);
        json_object_set_new(first, bad[i].key, json_string(bad[i].value));
        struct fixture *f = fixture_open_empty(FIXTURE_HOLDINGS_HINT);
        char why[192];
        enum err err = engine_genesis(&f->e, doc, FIXTURE_T0_NS, why, sizeof(why));
        if (err != ERR_INVALID_GENESIS) fail_msg("%s=%s: accepted", bad[i].key, bad[i].value);
        json_decref(doc);
        fixture_close(f);
    }
    /* the same (chain, asset) twice */
    json_t *doc = bridge_genesis_doc(0);
    json_array_append_new(json_object_get(doc, "bridge_routes"), route_json(CHAIN, "USDW"));
    struct fixture *f = fixture_open_empty(FIXTURE_HOLDINGS_HINT);
    char why[192];
    assert_err(engine_genesis(&f->e, doc, FIXTURE_T0_NS, why, sizeof(why)), ERR_INVALID_GENESIS);
    assert_non_null(strstr(why, "same chain"));
    json_decref(doc);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* send, confirm                                                         */
/* --------------------------------------------------------------------- */

static void send_escrows_and_confirm_burns(void **state) {
    (void)state;
    struct fixture *f = open_bridge(0);
    assert_ok(fixture_mint(f, "alice", "USDW", ADDR_1, "100"));
    uint64_t id = send_ok(f, "10.5");
    assert_int_equal(id, 1);
    assert_balance(f, "USDW", ADDR_1, "89.5");
    assert_balance(f, "USDW", BRIDGE_ESCROW_TEXT, "10.5");
    assert_supply(f, "USDW", "100");
    const struct bridge_transfer *t = bridge_transfer_find(&f->e, id);
    assert_non_null(t);
    assert_int_equal(t->status, BRIDGE_INITIATED);
    assert_true(addr_equal(
        &t->to, &(struct addr){{0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,
                                0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44}}));
    const struct bridge_route *r = route_of(f, CHAIN_N, "USDW");
    assert_u128_equal(r->escrow, fixture_amount(f, "USDW", "10.5"));
    assert_int_equal(r->sent_count, 1);

    block_at(f, FIXTURE_T0_NS + 10 * MIN_NS);
    assert_ok(confirm(f, "bob", id, "0x" TX_A));
    assert_int_equal(f->events.count, 2);
    assert_int_equal(f->events.items[0].type, EVENT_BURN);
    assert_int_equal(f->events.items[1].type, EVENT_BRIDGE_SETTLED);
    assert_int_equal(f->events.items[1].flags, 600); /* settlement seconds */
    assert_supply(f, "USDW", "89.5");
    assert_balance(f, "USDW", BRIDGE_ESCROW_TEXT, "0");
    t = bridge_transfer_find(&f->e, id);
    assert_int_equal(t->status, BRIDGE_SETTLED);
    assert_int_equal(t->tx[0], 0xaa);
    assert_int_equal(r->settle_count, 1);
    assert_int_equal(r->settle_ns[0], 10 * MIN_NS);
    assert_u128_equal(r->escrow, 0);
    check_escrow(f);

    /* the events' JSON */
    struct buf out;
    buf_init(&out);
    struct jw w;
    jw_init(&w, &out);
    event_write_json(&f->e, &f->events.items[1], 2, "bob", &w);
    buf_put_u8(&out, 0);
    assert_non_null(strstr((const char *)out.data, "\"type\":\"BridgeSettled\""));
    assert_non_null(strstr((const char *)out.data, "\"chain\":\"651940\""));
    assert_non_null(strstr((const char *)out.data, "\"settlement_seconds\":600"));
    buf_free(&out);
    fixture_close(f);
}

static void send_refusals_change_nothing(void **state) {
    (void)state;
    struct fixture *f = open_bridge(0);
    assert_ok(fixture_mint(f, "alice", "USDW", ADDR_1, "100"));
    assert_ok(fixture_mint(f, "alice", "GOLD", ADDR_1, "1"));
#define SEND(asset, chain, amount)                                                                 \
    "{\"op\":\"bridge.send\",\"asset\":\"" asset "\",\"from\":\"" ADDR_1 "\",\"chain\":\"" chain   \
    "\",\"to\":\"" ADDR_4 "\",\"amount\":\"" amount "\"}"
    fixture_expect_rejected(f, "alice", SEND("USDW", "999", "5"), ERR_UNKNOWN_CHAIN);
    fixture_expect_rejected(f, "alice", SEND("SEC", CHAIN, "5"), ERR_UNKNOWN_CHAIN);
    assert_non_null(strstr(f->result.detail, "no route"));
    fixture_expect_rejected(f, "alice", SEND("USDW", CHAIN, "0.999999"), ERR_ROUTE_LIMIT);
    fixture_expect_rejected(f, "alice", SEND("USDW", CHAIN, "1000000.000001"), ERR_ROUTE_LIMIT);
    fixture_expect_rejected(f, "alice", SEND("USDW", CHAIN, "100.000001"),
                            ERR_INSUFFICIENT_BALANCE);
    fixture_expect_rejected(f, "carol", SEND("USDW", CHAIN, "5"), ERR_UNAUTHORIZED);
    fixture_expect_rejected(f, "dave", SEND("USDW", CHAIN, "5"), ERR_UNAUTHORIZED);
    /* checks 2-4 on the sender */
    assert_ok(fixture_pause(f, "alice", "USDW"));
    fixture_expect_rejected(f, "alice", SEND("USDW", CHAIN, "5"), ERR_PAUSED);
    assert_ok(fixture_unpause(f, "alice", "USDW"));
    /* a disabled route: sends and receives stop, at once */
    assert_ok(fixture_apply(f, "alice",
                            "{\"op\":\"bridge.route.disable\",\"chain\":\"" CHAIN
                            "\",\"asset\":\"USDW\"}"));
    assert_int_equal(f->result.pending, APPLY_DONE);
    fixture_expect_rejected(f, "alice", SEND("USDW", CHAIN, "5"), ERR_ROUTE_DISABLED);
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"bridge.receive\",\"asset\":\"USDW\",\"chain\":\"" CHAIN
                            "\",\"tx\":\"" TX_A "\",\"to\":\"" ADDR_2 "\",\"amount\":\"1\"}",
                            ERR_ROUTE_DISABLED);
    /* the other routes go on */
    assert_ok(send(f, "alice", "USDW", ADDR_1, "138", "5"));
    assert_ok(send(f, "alice", "GOLD", ADDR_1, CHAIN, "1"));
    check_escrow(f);
    /* limits are inclusive */
    assert_ok(fixture_mint(f, "alice", "USDW", ADDR_1, "1000000"));
    assert_ok(send(f, "alice", "USDW", ADDR_1, "138", "1"));
    assert_ok(send(f, "alice", "USDW", ADDR_1, "138", "1000000"));
    check_escrow(f);
#undef SEND
    fixture_close(f);
}

static void command_decoding_refuses_bad_tx_and_chain(void **state) {
    (void)state;
    struct fixture *f = open_bridge(0);
    struct command c;
    static const char *const bad_tx[] = {
        "",
        "0x",
        "zz" TX_A,
        TX_A "a",
        "0x" TX_A "aa",
        "gaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "0y" TX_A,
    };
    for (size_t i = 0; i < sizeof(bad_tx) / sizeof(bad_tx[0]); i++) {
        char json[300];
        snprintf(json, sizeof(json), "{\"op\":\"bridge.confirm\",\"id\":1,\"tx\":\"%s\"}",
                 bad_tx[i]);
        assert_err(fixture_decode(f, json, &c), ERR_INVALID_TX_HASH);
        snprintf(json, sizeof(json),
                 "{\"op\":\"bridge.receive\",\"asset\":\"USDW\",\"chain\":\"1\",\"tx\":\"%s\","
                 "\"to\":\"" ADDR_2 "\",\"amount\":\"1\"}",
                 bad_tx[i]);
        assert_err(fixture_decode(f, json, &c), ERR_INVALID_TX_HASH);
    }
    assert_err(fixture_decode(f, "{\"op\":\"bridge.confirm\",\"id\":1,\"tx\":7}", &c),
               ERR_INVALID_TX_HASH);
    /* upper case and 0X are the same hash */
    assert_ok(
        fixture_decode(f,
                       "{\"op\":\"bridge.confirm\",\"id\":1,\"tx\":"
                       "\"0XAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
                       &c));
    assert_int_equal(c.pubkey[31], 0xaa);
    /* chains: digits, > 0; a JSON number too */
    static const char *const bad_chain[] = {
        "\"0\"", "\"-1\"", "\"1a\"", "\"\"", "\"99999999999999999999\"", "1.5"};
    for (size_t i = 0; i < sizeof(bad_chain) / sizeof(bad_chain[0]); i++) {
        char json[300];
        snprintf(json, sizeof(json), "{\"op\":\"bridge.route.disable\",\"chain\":%s}",
                 bad_chain[i]);
        assert_err(fixture_decode(f, json, &c), ERR_INVALID_ARGUMENT);
    }
    assert_ok(fixture_decode(f, "{\"op\":\"bridge.route.disable\",\"chain\":138}", &c));
    assert_int_equal(c.chain, 138);
    /* the journal's binary form round-trips, and the API's arguments */
    assert_ok(fixture_decode(f,
                             "{\"op\":\"bridge.receive\",\"asset\":\"USDW\",\"chain\":\"" CHAIN
                             "\",\"tx\":\"" TX_B "\",\"to\":\"" ADDR_2 "\",\"amount\":\"1.5\"}",
                             &c));
    struct buf b;
    buf_init(&b);
    command_encode(&c, &b);
    struct buf_reader r;
    buf_reader_init(&r, b.data, b.len);
    struct command back;
    assert_int_equal(command_decode_bin(&f->e, &r, &back), 0);
    assert_int_equal(memcmp(&back, &c, sizeof(c)), 0);
    buf_free(&b);
    struct buf out;
    buf_init(&out);
    struct jw w;
    jw_init(&w, &out);
    command_write_args(&f->e, &c, &w);
    buf_put_u8(&out, 0);
    assert_string_equal((const char *)out.data,
                        "{\"asset\":\"USDW\",\"chain\":\"651940\",\"tx\":\"0x" TX_B
                        "\",\"to\":\"" ADDR_2 "\",\"amount\":\"1.5\"}");
    buf_free(&out);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* refunds                                                               */
/* --------------------------------------------------------------------- */

static void refund_only_after_timeout_by_another_signer(void **state) {
    (void)state;
    struct fixture *f = open_bridge(0);
    assert_ok(fixture_mint(f, "alice", "USDW", ADDR_1, "100"));
    uint64_t id = send_ok(f, "40");
    /* one nanosecond before the timeout: refused */
    block_at(f, FIXTURE_T0_NS + HOUR_NS - 1);
    rejected_id(f, "bob", "bridge.refund", id, ERR_TIMEOUT_NOT_REACHED);
    assert_non_null(strstr(f->result.detail, "2026-03-01T13:00:00"));
    rejected_id(f, "carol", "bridge.refund_execute", id, ERR_REFUND_NOT_REQUESTED);
    /* at the timeout: requested by bob */
    block_at(f, FIXTURE_T0_NS + HOUR_NS);
    rejected_id(f, "carol", "bridge.refund", id, ERR_UNAUTHORIZED); /* not a bridge operator */
    assert_ok(by_id(f, "bob", "bridge.refund", id));
    assert_int_equal(f->events.items[0].type, EVENT_BRIDGE_REFUND_REQUESTED);
    assert_int_equal(bridge_transfer_find(&f->e, id)->status, BRIDGE_REFUND_REQUESTED);
    check_escrow(f);
    /* asking again is no error: it says so, and the requester stays bob */
    assert_ok(by_id(f, "alice", "bridge.refund", id));
    assert_string_equal(f->result.note, "refund already requested");
    assert_int_equal(bridge_transfer_find(&f->e, id)->requested_by, 1);
    /* bob signs refunds too, but not his own request */
    rejected_id(f, "bob", "bridge.refund_execute", id, ERR_SAME_SIGNER);
    rejected_id(f, "alice", "bridge.refund_execute", id, ERR_UNAUTHORIZED);
    assert_ok(by_id(f, "carol", "bridge.refund_execute", id));
    assert_int_equal(f->events.count, 2);
    assert_int_equal(f->events.items[0].type, EVENT_TRANSFER);
    assert_int_equal(f->events.items[1].type, EVENT_BRIDGE_REFUNDED);
    assert_balance(f, "USDW", ADDR_1, "100");
    assert_balance(f, "USDW", BRIDGE_ESCROW_TEXT, "0");
    assert_supply(f, "USDW", "100");
    check_escrow(f);
    /* a refunded transfer: no confirm, no second refund */
    rejected_id(f, "bob", "bridge.confirm", id, ERR_ALREADY_REFUNDED);
    rejected_id(f, "bob", "bridge.refund", id, ERR_ALREADY_REFUNDED);
    rejected_id(f, "carol", "bridge.refund_execute", id, ERR_ALREADY_REFUNDED);
    /* a settled one: no second confirm, no refund */
    uint64_t id2 = send_ok(f, "5");
    assert_ok(confirm(f, "bob", id2, TX_B));
    rejected_id(f, "bob", "bridge.confirm", id2, ERR_ALREADY_SETTLED);
    block_at(f, FIXTURE_T0_NS + 5 * HOUR_NS);
    rejected_id(f, "bob", "bridge.refund", id2, ERR_ALREADY_SETTLED);
    rejected_id(f, "carol", "bridge.refund_execute", id2, ERR_ALREADY_SETTLED);
    /* unknown ids */
    rejected_id(f, "bob", "bridge.confirm", 99, ERR_NOT_FOUND);
    rejected_id(f, "bob", "bridge.refund", 99, ERR_NOT_FOUND);
    rejected_id(f, "carol", "bridge.refund_execute", 99, ERR_NOT_FOUND);
    fixture_close(f);
}

static void refund_execute_checks_the_sender(void **state) {
    (void)state;
    json_t *doc = bridge_genesis_doc(0);
    fixture_genesis_add_operator(doc, "erin", "compliance");
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    assert_ok(fixture_mint(f, "alice", "USDW", ADDR_1, "100"));
    uint64_t id = send_ok(f, "40");
    block_at(f, FIXTURE_T0_NS + 2 * HOUR_NS);
    assert_ok(by_id(f, "bob", "bridge.refund", id));
    assert_ok(fixture_apply(f, "erin", "{\"op\":\"blacklist.add\",\"address\":\"" ADDR_1 "\"}"));
    rejected_id(f, "carol", "bridge.refund_execute", id, ERR_BLACKLISTED);
    assert_ok(fixture_apply(f, "erin", "{\"op\":\"blacklist.remove\",\"address\":\"" ADDR_1 "\"}"));
    assert_ok(fixture_pause(f, "alice", NULL));
    rejected_id(f, "carol", "bridge.refund_execute", id, ERR_PAUSED);
    rejected_id(f, "bob", "bridge.confirm", id, ERR_PAUSED); /* a confirm burns: a pause stops it */
    assert_ok(fixture_unpause(f, "alice", NULL));
    assert_ok(by_id(f, "carol", "bridge.refund_execute", id));
    check_escrow(f);
    fixture_close(f);
}

static void confirm_after_refund_request_settles(void **state) {
    (void)state;
    struct fixture *f = open_bridge(0);
    assert_ok(fixture_mint(f, "alice", "USDW", ADDR_1, "100"));
    uint64_t id = send_ok(f, "40");
    block_at(f, FIXTURE_T0_NS + 2 * HOUR_NS);
    assert_ok(by_id(f, "bob", "bridge.refund", id));
    /* the destination released it late: the confirm wins, no double pay */
    assert_ok(confirm(f, "alice", id, TX_A));
    assert_string_equal(f->result.note, "settled: its refund request is void");
    assert_int_equal(bridge_transfer_find(&f->e, id)->status, BRIDGE_SETTLED);
    rejected_id(f, "carol", "bridge.refund_execute", id, ERR_ALREADY_SETTLED);
    assert_balance(f, "USDW", ADDR_1, "60");
    assert_supply(f, "USDW", "60");
    check_escrow(f);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* inbound                                                               */
/* --------------------------------------------------------------------- */

static void inbound_mints_once_per_chain_and_tx(void **state) {
    (void)state;
    struct fixture *f = open_bridge(0);
    assert_ok(receive(f, CHAIN, TX_A, "25"));
    assert_int_equal(f->events.count, 2);
    assert_int_equal(f->events.items[0].type, EVENT_MINT);
    assert_int_equal(f->events.items[1].type, EVENT_BRIDGE_RECEIVED);
    assert_balance(f, "USDW", ADDR_2, "25");
    assert_supply(f, "USDW", "25");
    uint8_t tx[32];
    memset(tx, 0xaa, sizeof(tx));
    assert_true(bridge_received(&f->e, CHAIN_N, tx));
    assert_false(bridge_received(&f->e, 138, tx));
    /* the same (chain, tx): refused, in this block and later ones, in any spelling */
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"bridge.receive\",\"asset\":\"USDW\",\"chain\":\"" CHAIN
                            "\",\"tx\":\"" TX_A "\",\"to\":\"" ADDR_2 "\",\"amount\":\"25\"}",
                            ERR_ALREADY_RECEIVED);
    block_at(f, FIXTURE_T0_NS + HOUR_NS);
    fixture_expect_rejected(
        f, "alice",
        "{\"op\":\"bridge.receive\",\"asset\":\"USDW\",\"chain\":651940,\"tx\":\"0x"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"to\":\"" ADDR_3
        "\",\"amount\":\"1\"}",
        ERR_ALREADY_RECEIVED);
    /* the same tx from another chain, another tx from the same chain: new */
    assert_ok(receive(f, "138", TX_A, "1"));
    assert_ok(receive(f, CHAIN, TX_B, "1"));
    assert_supply(f, "USDW", "27");
    assert_int_equal(route_of(f, CHAIN_N, "USDW")->received_count, 2);
    /* the receipts survive a snapshot and a mint refusal leaves none */
    struct fixture *g = fixture_from_snapshot(f, NULL);
    assert_true(bridge_received(&g->e, CHAIN_N, tx));
    fixture_expect_rejected(g, "alice",
                            "{\"op\":\"bridge.receive\",\"asset\":\"USDW\",\"chain\":\"" CHAIN
                            "\",\"tx\":\"" TX_A "\",\"to\":\"" ADDR_2 "\",\"amount\":\"25\"}",
                            ERR_ALREADY_RECEIVED);
    fixture_close(g);
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"mint_halt\",\"asset\":\"USDW\"}"));
    char json[300];
    snprintf(json, sizeof(json),
             "{\"op\":\"bridge.receive\",\"asset\":\"USDW\",\"chain\":\"" CHAIN
             "\",\"tx\":\"%064d\",\"to\":\"" ADDR_2 "\",\"amount\":\"1\"}",
             1);
    fixture_expect_rejected(f, "alice", json, ERR_MINT_HALTED);
    fixture_expect_rejected(f, "carol", json, ERR_UNAUTHORIZED);
    fixture_expect_rejected(
        f, "alice",
        "{\"op\":\"bridge.receive\",\"asset\":\"USDW\",\"chain\":\"5\",\"tx\":\"" TX_B
        "\",\"to\":\"" ADDR_2 "\",\"amount\":\"1\"}",
        ERR_UNKNOWN_CHAIN);
    assert_int_equal(engine_check_invariants(&f->e), 0);
    fixture_close(f);
}

static void inbound_fiat_needs_reserves(void **state) {
    (void)state;
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "alice", "admin,bridge_operator,reserve_reporter");
    json_t *a = fixture_genesis_add_asset(doc, "USDW", "fiat", "6");
    json_object_set_new(a, "reserve_quorum", json_string("1"));
    json_object_set_new(doc, "bridge_routes", json_pack("[o]", route_json(CHAIN, "USDW")));
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    const char *json = "{\"op\":\"bridge.receive\",\"asset\":\"USDW\",\"chain\":\"" CHAIN
                       "\",\"tx\":\"" TX_A "\",\"to\":\"" ADDR_2 "\",\"amount\":\"10\"}";
    fixture_expect_rejected(f, "alice", json, ERR_QUORUM_NOT_MET);
    assert_ok(fixture_apply(
        f, "alice", "{\"op\":\"reserve.report\",\"asset\":\"USDW\",\"amount\":\"9.999999\"}"));
    fixture_expect_rejected(f, "alice", json, ERR_RESERVE_INSUFFICIENT);
    assert_ok(fixture_apply(f, "alice",
                            "{\"op\":\"reserve.report\",\"asset\":\"USDW\",\"amount\":\"10\"}"));
    assert_ok(fixture_apply(f, "alice", json));
    assert_supply(f, "USDW", "10");
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* routes                                                                */
/* --------------------------------------------------------------------- */

#define ROUTE_SET(chain, min, max)                                                                 \
    "{\"op\":\"bridge.route.set\",\"asset\":\"USDW\",\"chain\":\"" chain "\",\"min\":\"" min       \
    "\",\"max\":\"" max                                                                            \
    "\",\"timeout\":\"2h\",\"safety_factor\":\"2\",\"buffer_account\":\"" ADDR_1 "\"}"

static void route_set_and_enable_timelocked_disable_immediate(void **state) {
    (void)state;
    struct fixture *f = open_bridge(0);
    assert_ok(fixture_mint(f, "alice", "USDW", ADDR_1, "100"));
    /* set: scheduled for 24h */
    assert_ok(fixture_apply(f, "alice", ROUTE_SET(CHAIN, "5", "50")));
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    uint64_t entry = f->result.pending_id;
    assert_int_equal(f->result.eta_ns, FIXTURE_T0_NS + 24 * HOUR_NS);
    assert_u128_equal(route_of(f, CHAIN_N, "USDW")->min, fixture_amount(f, "USDW", "1"));
    /* disable: at once */
    assert_ok(
        fixture_apply(f, "alice", "{\"op\":\"bridge.route.disable\",\"chain\":\"" CHAIN "\"}"));
    assert_int_equal(f->result.pending, APPLY_DONE);
    assert_int_equal(f->events.items[0].type, EVENT_BRIDGE_ROUTE_DISABLED);
    assert_int_equal(f->events.items[0].ref_id, 2); /* USDW and GOLD */
    assert_false(route_of(f, CHAIN_N, "USDW")->enabled);
    assert_false(route_of(f, CHAIN_N, "GOLD")->enabled);
    assert_true(route_of(f, 138, "USDW")->enabled);
    assert_ok(
        fixture_apply(f, "alice", "{\"op\":\"bridge.route.disable\",\"chain\":\"" CHAIN "\"}"));
    assert_string_equal(f->result.note, "already disabled");
    fixture_expect_rejected(f, "bob", "{\"op\":\"bridge.route.disable\",\"chain\":\"" CHAIN "\"}",
                            ERR_UNAUTHORIZED);
    fixture_expect_rejected(f, "alice", "{\"op\":\"bridge.route.disable\",\"chain\":\"7\"}",
                            ERR_UNKNOWN_CHAIN);
    /* enable: scheduled too */
    assert_ok(fixture_apply(
        f, "alice", "{\"op\":\"bridge.route.enable\",\"chain\":\"" CHAIN "\",\"asset\":\"USDW\"}"));
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    uint64_t entry2 = f->result.pending_id;
    assert_false(route_of(f, CHAIN_N, "USDW")->enabled);
    fixture_expect_rejected(f, "alice", "{\"op\":\"timelock.execute\",\"id\":1}",
                            ERR_TIMELOCK_NOT_READY);
    /* 24h later both run */
    block_at(f, FIXTURE_T0_NS + 24 * HOUR_NS);
    assert_ok(by_id(f, "alice", "timelock.execute", entry));
    assert_int_equal(f->result.ran_err, ERR_OK);
    const struct bridge_route *r = route_of(f, CHAIN_N, "USDW");
    assert_u128_equal(r->min, fixture_amount(f, "USDW", "5"));
    assert_u128_equal(r->max, fixture_amount(f, "USDW", "50"));
    assert_int_equal(r->timeout_ns, 2 * HOUR_NS);
    assert_int_equal(r->latency_ns, 2 * HOUR_NS);
    assert_int_equal(r->safety_e8, 2 * BRIDGE_SAFETY_ONE);
    assert_false(r->enabled); /* a change keeps the enabled flag */
    assert_ok(by_id(f, "alice", "timelock.execute", entry2));
    assert_true(route_of(f, CHAIN_N, "USDW")->enabled);
    assert_false(route_of(f, CHAIN_N, "GOLD")->enabled);
    assert_err(send(f, "alice", "USDW", ADDR_1, CHAIN, "4.999999"), ERR_ROUTE_LIMIT);
    assert_ok(send(f, "alice", "USDW", ADDR_1, CHAIN, "5"));
    check_escrow(f);
    fixture_close(f);
}

static void route_set_adds_and_refuses_bad_parameters(void **state) {
    (void)state;
    struct fixture *f = open_bridge(1);
    assert_ok(fixture_apply(f, "alice", ROUTE_SET("138000", "1", "0")));
    assert_int_equal(f->result.pending, APPLY_DONE);
    assert_int_equal(f->events.items[0].type, EVENT_BRIDGE_ROUTE_SET);
    assert_int_equal(f->events.items[0].flags, 1);
    assert_int_equal(f->e.s.bridge.routes_count, 4);
    assert_true(route_of(f, 138000, "USDW")->enabled);
    assert_u128_equal(route_of(f, 138000, "USDW")->max, 0); /* no maximum */
    fixture_expect_rejected(f, "alice", ROUTE_SET("9", "5", "4"), ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(f->result.detail, "max"));
    fixture_expect_rejected(
        f, "alice",
        "{\"op\":\"bridge.route.set\",\"asset\":\"USDW\",\"chain\":\"9\",\"min\":\"1\","
        "\"max\":\"0\",\"timeout\":\"2h\",\"safety_factor\":\"0.9\",\"buffer_account\":\"" ADDR_1
        "\"}",
        ERR_INVALID_ARGUMENT);
    fixture_expect_rejected(
        f, "alice",
        "{\"op\":\"bridge.route.set\",\"asset\":\"SEC\",\"chain\":\"9\",\"min\":\"1\","
        "\"max\":\"0\",\"timeout\":\"2h\",\"safety_factor\":\"1\",\"buffer_account\":\"" ADDR_1
        "\"}",
        ERR_INVALID_ARGUMENT);
    fixture_expect_rejected(f, "bob", ROUTE_SET("9", "1", "0"), ERR_UNAUTHORIZED);
    /* the table's bound */
    char json[400];
    for (unsigned i = 4; i < LIMIT_BRIDGE_ROUTES; i++) {
        snprintf(json, sizeof(json),
                 "{\"op\":\"bridge.route.set\",\"asset\":\"USDW\",\"chain\":\"%u\",\"min\":\"1\","
                 "\"max\":\"0\","
                 "\"timeout\":\"2h\",\"safety_factor\":\"1\",\"buffer_account\":\"" ADDR_1 "\"}",
                 1000 + i);
        assert_ok(fixture_apply(f, "alice", json));
    }
    fixture_expect_rejected(f, "alice", ROUTE_SET("99", "1", "0"), ERR_LIMIT_REACHED);
    assert_ok(fixture_apply(f, "alice", ROUTE_SET("138000", "2", "0"))); /* a change still fits */
    assert_int_equal(f->events.items[0].flags, 0);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* figures                                                               */
/* --------------------------------------------------------------------- */

static void buffer_rule_figures_exact(void **state) {
    (void)state;
    struct fixture *f = open_bridge(0);
    assert_ok(fixture_mint(f, "alice", "USDW", ADDR_1, "1000"));
    int route = bridge_route_find(&f->e, CHAIN_N, (uint16_t)fixture_asset(f, "USDW"));
    struct bridge_figures fig;
    /* nothing yet: 100%, no samples, latency = the route's 30m, nothing required */
    bridge_route_figures(&f->e, (uint32_t)route, f->e.s.time_ns, &fig);
    assert_int_equal(fig.success_ppm, 1000000);
    assert_int_equal(fig.samples, 0);
    assert_int_equal(fig.latency_ns, 30 * MIN_NS);
    assert_u128_equal(fig.buffer_required, 0);
    assert_true(fig.buffer_ok);
    /* hour 0: 100 + 50 out; hour 1: 30 out */
    uint64_t a = send_ok(f, "100");
    uint64_t b = send_ok(f, "50");
    block_at(f, FIXTURE_T0_NS + 10 * MIN_NS);
    assert_ok(confirm(f, "bob", a, TX_A)); /* 10 min */
    block_at(f, FIXTURE_T0_NS + 20 * MIN_NS);
    assert_ok(confirm(f, "bob", b, TX_B)); /* 20 min */
    block_at(f, FIXTURE_T0_NS + 70 * MIN_NS);
    uint64_t c = send_ok(f, "30");
    block_at(f, FIXTURE_T0_NS + 3 * HOUR_NS);
    assert_ok(by_id(f, "bob", "bridge.refund", c));
    assert_ok(by_id(f, "carol", "bridge.refund_execute", c));
    bridge_route_figures(&f->e, (uint32_t)route, f->e.s.time_ns, &fig);
    assert_int_equal(fig.settled_24h, 2);
    assert_int_equal(fig.refunded_24h, 1);
    assert_int_equal(fig.success_ppm, 666666); /* 2/3, floor */
    assert_int_equal(fig.samples, 2);
    assert_int_equal(fig.p50_ns, 10 * MIN_NS);
    assert_int_equal(fig.p95_ns, 20 * MIN_NS);
    assert_int_equal(fig.latency_ns, 20 * MIN_NS);
    assert_u128_equal(fig.peak_hourly_outflow, fixture_amount(f, "USDW", "150"));
    assert_u128_equal(fig.escrow, 0);
    /* 150/h x 1/3 h x 1.5 = 75 */
    assert_u128_equal(fig.buffer_required, fixture_amount(f, "USDW", "75"));
    assert_u128_equal(fig.buffer_actual, 0);
    assert_false(fig.buffer_ok);
    assert_ok(fixture_mint(f, "alice", "USDW", BUFFER, "74.999999"));
    bridge_route_figures(&f->e, (uint32_t)route, f->e.s.time_ns, &fig);
    assert_false(fig.buffer_ok);
    assert_ok(fixture_mint(f, "alice", "USDW", BUFFER, "0.000001"));
    bridge_route_figures(&f->e, (uint32_t)route, f->e.s.time_ns, &fig);
    assert_u128_equal(fig.buffer_actual, fixture_amount(f, "USDW", "75"));
    assert_true(fig.buffer_ok);
    /* the bare rule 150/h x 1/3 h = 50; nothing in flight: projected = actual */
    assert_u128_equal(fig.buffer_minimum, fixture_amount(f, "USDW", "50"));
    assert_u128_equal(fig.buffer_projected, fixture_amount(f, "USDW", "75"));
    (void)send_ok(f, "25");
    bridge_route_figures(&f->e, (uint32_t)route, f->e.s.time_ns, &fig);
    assert_u128_equal(fig.buffer_projected, fixture_amount(f, "USDW", "50")); /* 75 - 25 in flight: at the rule */
    (void)send_ok(f, "5");
    bridge_route_figures(&f->e, (uint32_t)route, f->e.s.time_ns, &fig);
    assert_u128_equal(fig.escrow, fixture_amount(f, "USDW", "30"));
    assert_u128_equal(fig.buffer_projected, fixture_amount(f, "USDW", "45")); /* below 50: breaks */
    assert_true(fig.buffer_ok); /* while the balance itself still passes */
    /* the window: hour 0 leaves it after 24h, hour 1 an hour later */
    bridge_route_figures(&f->e, (uint32_t)route, FIXTURE_T0_NS + 24 * HOUR_NS, &fig);
    assert_u128_equal(fig.peak_hourly_outflow, fixture_amount(f, "USDW", "30"));
    assert_int_equal(fig.settled_24h, 0);
    assert_int_equal(fig.refunded_24h, 1);
    assert_int_equal(fig.success_ppm, 0);
    bridge_route_figures(&f->e, (uint32_t)route, FIXTURE_T0_NS + 27 * HOUR_NS, &fig);
    assert_u128_equal(fig.peak_hourly_outflow, 0);
    assert_int_equal(fig.success_ppm, 1000000);
    assert_int_equal(fig.samples, 2); /* the ring is not windowed: the last 64 settlements */
    fixture_close(f);
}

static void buffer_rule_rounds_up_and_saturates(void **state) {
    (void)state;
    /* 1 unit/h x 1 ns x 1.0 = 1/3.6e12: rounded up to 1 */
    assert_u128_equal(bridge_buffer_required(1, 1, BRIDGE_SAFETY_ONE), 1);
    /* exact: 3600 x 1h x 1.0 = 3600 */
    assert_u128_equal(bridge_buffer_required(3600, HOUR_NS, BRIDGE_SAFETY_ONE), 3600);
    /* 7 x 90 min x 1.5 = 15.75 -> 16 */
    assert_u128_equal(bridge_buffer_required(7, 90 * MIN_NS, 150000000), 16);
    /* a large peak: 2^100 x 2h x 1.0, exact in 256 bits */
    u128 big = (u128)1 << 100;
    assert_u128_equal(bridge_buffer_required(big, 2 * HOUR_NS, BRIDGE_SAFETY_ONE), big * 2);
    assert_u128_equal(bridge_buffer_required(U128_MAX, 2 * HOUR_NS, BRIDGE_SAFETY_ONE), U128_MAX);
    assert_u128_equal(bridge_buffer_required(U128_MAX, HOUR_NS, BRIDGE_SAFETY_ONE), U128_MAX);
    assert_u128_equal(bridge_buffer_required(U128_MAX - 1, HOUR_NS, BRIDGE_SAFETY_ONE),
                      U128_MAX - 1);
    assert_u128_equal(bridge_buffer_required(0, HOUR_NS, BRIDGE_SAFETY_ONE), 0);
    assert_u128_equal(bridge_buffer_required(5, 0, BRIDGE_SAFETY_ONE), 0);
}

static void settlement_percentiles_nearest_rank_over_the_ring(void **state) {
    (void)state;
    struct fixture *f = open_bridge(0);
    assert_ok(fixture_mint(f, "alice", "USDW", ADDR_1, "100000"));
    int route = bridge_route_find(&f->e, CHAIN_N, (uint16_t)fixture_asset(f, "USDW"));
    int64_t t = FIXTURE_T0_NS;
    /* 70 transfers settled after 1..70 minutes (in reverse order, so the ring
     * is not sorted): the ring keeps the last 64, i.e. 64..1 minutes */
    for (int k = 70; k >= 1; k--) {
        block_at(f, t);
        uint64_t id = send_ok(f, "1");
        block_at(f, t + k * MIN_NS);
        assert_ok(confirm(f, "bob", id, TX_A));
        t += k * MIN_NS;
    }
    struct bridge_figures fig;
    bridge_route_figures(&f->e, (uint32_t)route, f->e.s.time_ns, &fig);
    assert_int_equal(fig.samples, 64);
    assert_int_equal(fig.p50_ns, 32 * MIN_NS); /* rank 32 of 1..64 */
    assert_int_equal(fig.p95_ns, 61 * MIN_NS); /* rank ceil(60.8) = 61 */
    assert_int_equal(route_of(f, CHAIN_N, "USDW")->settled_count, 70);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* the transfer table                                                    */
/* --------------------------------------------------------------------- */

static void transfer_table_full_refuses_until_the_oldest_finishes(void **state) {
    (void)state;
    struct fixture *f = open_bridge(0);
    assert_ok(fixture_mint(f, "alice", "USDW", ADDR_1, "100000"));
    for (unsigned i = 1; i <= LIMIT_BRIDGE_TRANSFERS; i++) {
        if (i % 512 == 0) block_at(f, f->e.s.time_ns + NS_PER_S);
        assert_ok(send(f, "alice", "USDW", ADDR_1, i % 2 ? CHAIN : "138", "1"));
    }
    check_escrow(f);
    block_at(f, f->e.s.time_ns + NS_PER_S);
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"bridge.send\",\"asset\":\"USDW\",\"from\":\"" ADDR_1
                            "\",\"chain\":\"" CHAIN "\",\"to\":\"" ADDR_4 "\",\"amount\":\"1\"}",
                            ERR_LIMIT_REACHED);
    assert_non_null(strstr(f->result.detail, "transfer 1 is still in flight"));
    /* transfer 1 settles: its slot takes transfer 1025, and 1 leaves the state */
    assert_ok(confirm(f, "bob", 1, TX_A));
    uint64_t id = send_ok(f, "2");
    assert_int_equal(id, LIMIT_BRIDGE_TRANSFERS + 1);
    assert_null(bridge_transfer_find(&f->e, 1));
    rejected_id(f, "bob", "bridge.confirm", 1, ERR_NOT_FOUND);
    assert_non_null(strstr(f->result.detail, "older than"));
    assert_non_null(bridge_transfer_find(&f->e, 2));
    check_escrow(f);
    struct fixture *g = fixture_from_snapshot(f, NULL);
    check_escrow(g);
    assert_int_equal(bridge_transfer_find(&g->e, id)->amount, fixture_amount(f, "USDW", "2"));
    fixture_close(g);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* state: snapshots, replay, the section's absence                       */
/* --------------------------------------------------------------------- */

/* A deterministic history over a few blocks; the state hash at its end. */
static void scenario(struct fixture *f, struct hash *out) {
    assert_ok(fixture_mint(f, "alice", "USDW", ADDR_1, "500"));
    uint64_t a = send_ok(f, "100");
    uint64_t b = send_ok(f, "20");
    assert_ok(receive(f, CHAIN, TX_A, "7"));
    block_at(f, FIXTURE_T0_NS + 15 * MIN_NS);
    assert_ok(confirm(f, "bob", a, TX_B));
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"bridge.route.disable\",\"chain\":\"138\"}"));
    block_at(f, FIXTURE_T0_NS + 2 * HOUR_NS);
    assert_ok(by_id(f, "bob", "bridge.refund", b));
    uint64_t c = send_ok(f, "3");
    (void)c;
    block_at(f, FIXTURE_T0_NS + 3 * HOUR_NS);
    assert_ok(by_id(f, "carol", "bridge.refund_execute", b));
    assert_ok(fixture_apply(f, "alice", ROUTE_SET("138", "2", "0"))); /* scheduled */
    check_escrow(f);
    fixture_seal(f, out);
    fixture_begin(f, f->e.s.time_ns, FIXTURE_BLOCK_COMMANDS);
}

static void snapshot_round_trip_and_replay_hash(void **state) {
    (void)state;
    struct fixture *f = open_bridge(0);
    struct hash h1, h2;
    scenario(f, &h1);
    struct fixture *g = open_bridge(0);
    scenario(g, &h2);
    assert_hash_equal(&h1, &h2); /* replay: the same commands, the same hash */
    fixture_close(g);
    struct buf snap;
    g = fixture_from_snapshot(f, &snap); /* asserts equal hashes */
    check_escrow(g);
    assert_int_equal(memcmp(&g->e.s.bridge, &f->e.s.bridge, sizeof(f->e.s.bridge)), 0);
    /* the copy goes on like the original */
    block_at(f, FIXTURE_T0_NS + 4 * HOUR_NS);
    block_at(g, FIXTURE_T0_NS + 4 * HOUR_NS);
    assert_ok(send(f, "alice", "USDW", ADDR_1, CHAIN, "9"));
    assert_ok(send(g, "alice", "USDW", ADDR_1, CHAIN, "9"));
    fixture_seal(f, &h1);
    fixture_seal(g, &h2);
    assert_hash_equal(&h1, &h2);

    /* corrupted sections are refused: the byte after "brg" (routes count) */
    const uint8_t *brg = memmem(snap.data, snap.len, "brg", 3);
    assert_non_null(brg);
    size_t at = (size_t)(brg - snap.data) + 3;
    uint8_t *copy = malloc(snap.len);
    static const uint8_t patches[] = {0, 17, 0xFF};
    for (size_t i = 0; i < sizeof(patches); i++) {
        memcpy(copy, snap.data, snap.len);
        copy[at] = patches[i];
        struct fixture *h = fixture_open_empty(FIXTURE_HOLDINGS_HINT);
        assert_err(engine_snapshot_read(&h->e, copy, snap.len), ERR_IO);
        fixture_close(h);
    }
    /* a route's escrow that does not match its transfers */
    memcpy(copy, snap.data, snap.len);
    size_t escrow_at = at + 4 + 8 + 2 + 1 + 8 + 16 + 16 + 8 + 8 + ADDR_BYTES;
    copy[escrow_at] ^= 1;
    struct fixture *h = fixture_open_empty(FIXTURE_HOLDINGS_HINT);
    assert_err(engine_snapshot_read(&h->e, copy, snap.len), ERR_IO);
    fixture_close(h);
    free(copy);
    buf_free(&snap);
    fixture_close(g);
    fixture_close(f);
}

static void ledger_without_routes_has_no_section(void **state) {
    (void)state;
    struct fixture *f = fixture_open(NULL, FIXTURE_T0_NS);
    struct buf b;
    buf_init(&b);
    engine__state_write(&f->e.s, &b);
    assert_null(memmem(b.data, b.len, "brg", 3));
    buf_free(&b);
    /* and the bridge ops say there is no route */
    assert_ok(fixture_mint(f, "alice", "USDW", ADDR_1, "1"));
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* a seeded random sequence                                              */
/* --------------------------------------------------------------------- */

#define RANDOM_STEPS 800u

static const char *const random_addrs[] = {ADDR_1, ADDR_2, ADDR_3, ADDR_4};

/* One random bridge command (or a pause, a route switch); its result. */
static enum err random_step(struct fixture *f) {
    const char *from = random_addrs[fixture_rng_below(4)];
    uint64_t id = 1 + fixture_rng_below(f->e.s.bridge.next_transfer_id + 2);
    static const char *const who[] = {"alice", "bob", "carol"};
    const char *by = who[fixture_rng_below(3)];
    char amount[32];
    snprintf(amount, sizeof(amount), "%llu.%llu", (unsigned long long)fixture_rng_below(3000),
             (unsigned long long)(1 + fixture_rng_below(9)));
    char tx[65];
    snprintf(tx, sizeof(tx), "%064llx", (unsigned long long)fixture_rng_below(40)); /* repeats */
    switch (fixture_rng_below(12)) {
    case 0:
    case 1:
    case 2:
    case 10: {
        static const char *const chains[] = {CHAIN, "138", "7"};
        const char *chain = chains[fixture_rng_below(3)];
        return send(f, "alice", fixture_rng_percent(80) ? "USDW" : "GOLD", from, chain, amount);
    }
    case 3: return confirm(f, by, id, tx);
    case 4: return by_id(f, by, "bridge.refund", id);
    case 5: return by_id(f, by, "bridge.refund_execute", id);
    case 6:
    case 11: return receive(f, fixture_rng_percent(50) ? CHAIN : "138", tx, amount);
    case 7:
        return fixture_applyf(f, "alice", "{\"op\":\"bridge.route.%s\",\"chain\":\"%s\"}",
                              fixture_rng_percent(75) ? "enable" : "disable",
                              fixture_rng_percent(50) ? CHAIN : "138");
    case 8:
        return fixture_rng_percent(25) ? fixture_pause(f, "alice", "USDW")
                                       : fixture_unpause(f, "alice", "USDW");
    default: return fixture_mint(f, "alice", "USDW", from, amount);
    }
}

/* The run for a seed: every result, and the state hash at the end. */
static void random_run(struct fixture *f, uint64_t seed, uint16_t *results, struct hash *out) {
    fixture_rng_seed(seed);
    for (unsigned i = 0; i < 4; i++) {
        assert_ok(fixture_mint(f, "alice", "USDW", random_addrs[i], "1000000"));
        assert_ok(fixture_mint(f, "alice", "GOLD", random_addrs[i], "1000"));
    }
    int64_t t = f->e.s.time_ns;
    for (unsigned i = 0; i < RANDOM_STEPS; i++) {
        if (i % 20 == 0) {
            t += (int64_t)fixture_rng_below(40) * MIN_NS;
            block_at(f, t);
        }
        results[i] = (uint16_t)random_step(f);
        check_escrow(f); /* escrow = the sum of unsettled transfers, after every command */
    }
    fixture_seal(f, out);
}

static void random_sequences_keep_escrow_and_replay(void **state) {
    (void)state;
    static const uint64_t seeds[] = {1, 42, 20261205};
    for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
        uint16_t first[RANDOM_STEPS], second[RANDOM_STEPS];
        struct hash h1, h2;
        struct fixture *f = open_bridge(1);
        random_run(f, seeds[k], first, &h1);
        struct fixture *g = open_bridge(1);
        random_run(g, seeds[k], second, &h2);
        assert_int_equal(memcmp(first, second, sizeof(first)), 0);
        assert_hash_equal(&h1, &h2);
        unsigned sent = 0, kinds[ERR__COUNT] = {0};
        for (unsigned i = 0; i < RANDOM_STEPS; i++)
            kinds[first[i]]++;
        sent = (unsigned)f->e.s.bridge.next_transfer_id;
        print_message(
            "seed %llu: %u transfers, %u ok, %u settled twice refused, %u received twice refused\n",
            (unsigned long long)seeds[k], sent, kinds[ERR_OK], kinds[ERR_ALREADY_SETTLED],
            kinds[ERR_ALREADY_RECEIVED]);
        assert_true(sent > 50);
        fixture_close(g);
        fixture_begin(f, f->e.s.time_ns, 1);
        g = fixture_from_snapshot(f, NULL);
        check_escrow(g);
        fixture_close(g);
        fixture_close(f);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(genesis_routes_loaded_with_defaults),
        cmocka_unit_test(genesis_bad_routes_refused),
        cmocka_unit_test(send_escrows_and_confirm_burns),
        cmocka_unit_test(send_refusals_change_nothing),
        cmocka_unit_test(command_decoding_refuses_bad_tx_and_chain),
        cmocka_unit_test(refund_only_after_timeout_by_another_signer),
        cmocka_unit_test(refund_execute_checks_the_sender),
        cmocka_unit_test(confirm_after_refund_request_settles),
        cmocka_unit_test(inbound_mints_once_per_chain_and_tx),
        cmocka_unit_test(inbound_fiat_needs_reserves),
        cmocka_unit_test(route_set_and_enable_timelocked_disable_immediate),
        cmocka_unit_test(route_set_adds_and_refuses_bad_parameters),
        cmocka_unit_test(buffer_rule_figures_exact),
        cmocka_unit_test(buffer_rule_rounds_up_and_saturates),
        cmocka_unit_test(settlement_percentiles_nearest_rank_over_the_ring),
        cmocka_unit_test(transfer_table_full_refuses_until_the_oldest_finishes),
        cmocka_unit_test(snapshot_round_trip_and_replay_hash),
        cmocka_unit_test(ledger_without_routes_has_no_section),
        cmocka_unit_test(random_sequences_keep_escrow_and_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
