/* test_payout.c - payouts: snapshots, creation, distribution all or none,
 * the exact split, every refusal changing nothing, replay, engine
 * snapshots, savepoints, block aborts and the room a block needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/engine/engine.h"
#include "../../src/engine/keys.h"
#include "../../src/engine/payout.h"
#include "../support/engine_fixture.h"

#define DIST "0xd000000000000000000000000000000000000001"
#define ADDR_A "0x0a00000000000000000000000000000000000001"
#define ADDR_B "0x0b00000000000000000000000000000000000002"
#define ADDR_C "0x0c00000000000000000000000000000000000003"
#define EXPIRES "2027-01-01"

/* --------------------------------------------------------------------- */
/* set-up                                                                */
/* --------------------------------------------------------------------- */

static void add_policy(json_t *policies, const char *op, const char *asset, const char *approvals) {
    json_t *p = json_object();
    json_object_set_new(p, "op", json_string(op));
    if (asset != NULL) json_object_set_new(p, "asset", json_string(asset));
    json_object_set_new(p, "approvals", json_string(approvals));
    json_array_append_new(policies, p);
}

/* alice: everything a payout needs; bob: a second payout manager;
 * carol: viewer. EQ plain (0 decimals), USDC plain (6), SEC security
 * (max 4 holders), PART security with a partition, CAP security (max
 * balance 25). Incident tools run at
 * once; payout.distribute too unless `two_approvals`. */
static json_t *payout_genesis(int two_approvals) {
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(
        doc, "alice", "admin,minter,burner,transfer_agent,pauser,compliance,agent,payout_manager");
    fixture_genesis_add_operator(doc, "bob", "payout_manager,compliance");
    fixture_genesis_add_operator(doc, "carol", "viewer");
    fixture_genesis_add_asset(doc, "EQ", "plain", "0");
    fixture_genesis_add_asset(doc, "USDC", "plain", "6");
    json_t *sec = fixture_genesis_add_asset(doc, "SEC", "security", "0");
    json_object_set_new(sec, "max_holders", json_string("4"));
    json_t *part = fixture_genesis_add_asset(doc, "PART", "security", "0");
    json_object_set_new(part, "partitions", json_pack("[{s:s}]", "name", "REG_S"));
    json_t *cap = fixture_genesis_add_asset(doc, "CAP", "security", "0");
    json_object_set_new(cap, "max_balance", json_string("25"));
    json_t *policies = json_array();
    add_policy(policies, "mint", "SEC", "1");
    add_policy(policies, "burn", "SEC", "1");
    add_policy(policies, "mint", "CAP", "1");
    add_policy(policies, "burn", "CAP", "1");
    add_policy(policies, "mint", "PART", "1");
    add_policy(policies, "freeze", NULL, "1");
    add_policy(policies, "unfreeze", NULL, "1");
    add_policy(policies, "blacklist.add", NULL, "1");
    add_policy(policies, "unpause", NULL, "1");
    if (!two_approvals) add_policy(policies, "payout.distribute", NULL, "1");
    json_object_set_new(doc, "policies", policies);
    return doc;
}

static struct fixture *open_payout(int two_approvals) {
    json_t *doc = payout_genesis(two_approvals);
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    return f;
}

static void next_block(struct fixture *f) {
    if (f->in_block) fixture_seal(f, NULL);
}

static void tax_form(struct fixture *f, const char *addr) {
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"identity.register\",\"address\":\"%s\",\"country\":\"DE\"}", addr));
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"claim.set\",\"address\":\"%s\",\"topic\":\"tax_form\",\"expires\":\"%s\"}",
                             addr, EXPIRES));
}

static uint64_t take_snapshot(struct fixture *f, const char *asset) {
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"payout.snapshot\",\"asset\":\"%s\"}", asset));
    assert_int_equal(f->events.count, 1);
    assert_int_equal(f->events.items[0].type, EVENT_PAYOUT_SNAPSHOT);
    return f->events.items[0].ref_id;
}

static enum err create_payout(struct fixture *f, uint64_t snapshot, const char *pay, const char *total,
                              const char *from, const char *mode, uint64_t *id) {
    enum err err = fixture_applyf(f, "alice",
                                  "{\"op\":\"payout.create\",\"snapshot\":%llu,\"pay\":\"%s\","
                                  "\"total\":\"%s\",\"from\":\"%s\",\"mode\":\"%s\"}",
                                  (unsigned long long)snapshot, pay, total, from, mode);
    if (err == ERR_OK && id != NULL) {
        assert_int_equal(f->events.items[0].type, EVENT_PAYOUT_CREATED);
        *id = f->events.items[0].ref_id;
    }
    return err;
}

static enum err distribute(struct fixture *f, const char *who, uint64_t id) {
    return fixture_applyf(f, who, "{\"op\":\"payout.distribute\",\"id\":%llu}", (unsigned long long)id);
}

static void distribute_rejected(struct fixture *f, uint64_t id, enum err expected) {
    char json[96];
    snprintf(json, sizeof(json), "{\"op\":\"payout.distribute\",\"id\":%llu}", (unsigned long long)id);
    fixture_expect_rejected(f, "alice", json, expected);
    assert_true(f->result.detail[0] != '\0');
}

/* EQ held 100 by A, 200 by B, 300 by C, each with a tax form; the
 * distributor holds `funds` USDC. Returns the snapshot id (a block later). */
static uint64_t three_holders(struct fixture *f, const char *funds) {
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_A, "100"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_B, "200"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_C, "300"));
    if (funds != NULL) assert_ok(fixture_mint(f, "alice", "USDC", DIST, funds));
    tax_form(f, ADDR_A);
    tax_form(f, ADDR_B);
    tax_form(f, ADDR_C);
    uint64_t snap = take_snapshot(f, "EQ");
    next_block(f);
    return snap;
}

static u128 units(const struct fixture *f, const char *sym, const char *text) {
    return fixture_amount(f, sym, text);
}

static void state_hex(struct fixture *f, char out[HASH_HEX_SIZE]) {
    next_block(f);
    fixture_state_hex(f, out);
}

/* --------------------------------------------------------------------- */
/* snapshots                                                             */
/* --------------------------------------------------------------------- */

static void snapshot_freezes_balances_at_its_command(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_A, "10"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_B, "5"));
    assert_ok(fixture_transfer(f, "alice", "EQ", ADDR_B, ADDR_C, "5")); /* B emptied in this block */
    uint64_t snap = take_snapshot(f, "EQ");
    assert_int_equal(snap, 1);
    assert_int_equal(f->events.items[0].value, 2);
    assert_u128_equal(f->events.items[0].amount, 15);
    /* Later moves, in the same block and after, leave it as it was. */
    assert_ok(fixture_transfer(f, "alice", "EQ", ADDR_A, ADDR_B, "7"));
    next_block(f);
    assert_ok(fixture_transfer(f, "alice", "EQ", ADDR_C, ADDR_A, "5"));
    next_block(f);
    struct addr *addrs = NULL;
    u128 *balances = NULL;
    uint32_t n = 0;
    assert_ok(payout_snapshot_holders(&f->e, snap, &addrs, &balances, &n));
    assert_int_equal(n, 2);
    char text[ADDR_TEXT_SIZE];
    addr_format(&addrs[0], text);
    assert_string_equal(text, ADDR_A);
    assert_u128_equal(balances[0], 10);
    addr_format(&addrs[1], text);
    assert_string_equal(text, ADDR_C);
    assert_u128_equal(balances[1], 5);
    free(addrs);
    free(balances);
    assert_int_equal(f->e.s.payout_snapshots[0].block, 1);
    assert_int_equal(engine_check_invariants(&f->e), 0);
    assert_err(payout_snapshot_holders(&f->e, 2, &addrs, &balances, &n), ERR_NOT_FOUND);
    fixture_close(f);
}

static void snapshot_of_any_kind_and_of_nobody(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    tax_form(f, ADDR_A);
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"claim.set\",\"address\":\"%s\",\"topic\":\"kyc\",\"expires\":\"%s\"}",
                             ADDR_A, EXPIRES));
    assert_ok(fixture_mint(f, "alice", "SEC", ADDR_A, "3"));
    assert_int_equal(take_snapshot(f, "SEC"), 1);
    assert_int_equal(f->events.items[0].value, 1);
    assert_int_equal(take_snapshot(f, "USDC"), 2); /* nobody holds it: an empty snapshot */
    assert_int_equal(f->events.items[0].value, 0);
    /* A payout over nobody has no recipient. */
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"payout.create\",\"snapshot\":2,\"pay\":\"EQ\",\"total\":\"1\","
                            "\"from\":\"" DIST "\",\"mode\":\"full\"}",
                            ERR_INVALID_ARGUMENT);
    fixture_expect_rejected(f, "carol", "{\"op\":\"payout.snapshot\",\"asset\":\"EQ\"}", ERR_UNAUTHORIZED);
    fixture_close(f);
}

static void snapshot_table_has_a_limit(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    for (unsigned i = 0; i < LIMIT_PAYOUT_SNAPSHOTS; i++) take_snapshot(f, "USDC");
    fixture_expect_rejected(f, "alice", "{\"op\":\"payout.snapshot\",\"asset\":\"USDC\"}", ERR_LIMIT_REACHED);
    assert_int_equal(payout_room_max(&f->e) < LIMIT_BLOCK_COMMANDS, 1); /* no snapshot can come */
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* create                                                                */
/* --------------------------------------------------------------------- */

static void create_refusals_change_nothing(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    uint64_t snap = three_holders(f, "1000");
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"payout.create\",\"snapshot\":9,\"pay\":\"USDC\",\"total\":\"10\","
                            "\"from\":\"" DIST "\",\"mode\":\"full\"}",
                            ERR_NOT_FOUND);
    assert_string_equal(f->result.detail, "no snapshot 9");
    /* a zero total never decodes */
    assert_err(create_payout(f, snap, "USDC", "0", DIST, "full", NULL), ERR_INVALID_AMOUNT);
    assert_err(create_payout(f, snap, "USDC", "1", DIST, "half", NULL), ERR_INVALID_ARGUMENT);
    /* a paid asset with partitions */
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"payout.create\",\"snapshot\":1,\"pay\":\"PART\",\"total\":\"10\","
                            "\"from\":\"" DIST "\",\"mode\":\"full\"}",
                            ERR_PARTITION);
    /* a blacklisted or frozen distributor */
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"freeze\",\"address\":\"%s\"}", DIST));
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"payout.create\",\"snapshot\":1,\"pay\":\"USDC\",\"total\":\"10\","
                            "\"from\":\"" DIST "\",\"mode\":\"full\"}",
                            ERR_FROZEN);
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"blacklist.add\",\"address\":\"%s\"}", DIST));
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"payout.create\",\"snapshot\":1,\"pay\":\"USDC\",\"total\":\"10\","
                            "\"from\":\"" DIST "\",\"mode\":\"full\"}",
                            ERR_BLACKLISTED);
    fixture_expect_rejected(f, "carol",
                            "{\"op\":\"payout.create\",\"snapshot\":1,\"pay\":\"USDC\",\"total\":\"10\","
                            "\"from\":\"" ADDR_A "\",\"mode\":\"full\"}",
                            ERR_UNAUTHORIZED);
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "USDC", "10", ADDR_A, "pro-rata", &id));
    assert_int_equal(id, 1);
    assert_int_equal(f->e.s.payouts[0].recipients, 2); /* A holds EQ: not its own recipient */
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* distribute: the split                                                 */
/* --------------------------------------------------------------------- */

static void full_mode_pays_the_exact_split(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    uint64_t snap = three_holders(f, "1000");
    /* 100 units of 1e-6 over 100:200:300: 16.66.., 33.33.., 50 -> 17, 33, 50 */
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "USDC", "0.0001", DIST, "full", &id));
    next_block(f);
    assert_ok(distribute(f, "alice", id));
    assert_int_equal(f->events.count, 1);
    const struct event *ev = &f->events.items[0];
    assert_int_equal(ev->type, EVENT_PAYOUT_DISTRIBUTED);
    assert_int_equal(ev->ref_id, id);
    assert_int_equal(ev->value, 3);
    assert_u128_equal(ev->amount, 100);
    assert_u128_equal(fixture_balance(f, "USDC", ADDR_A), 17);
    assert_u128_equal(fixture_balance(f, "USDC", ADDR_B), 33);
    assert_u128_equal(fixture_balance(f, "USDC", ADDR_C), 50);
    assert_balance(f, "USDC", DIST, "999.9999");
    assert_supply(f, "USDC", "1000");
    assert_int_equal(f->e.s.assets[fixture_asset(f, "USDC")].holders_count, 4);
    const struct payout *p = &f->e.s.payouts[id - 1];
    assert_int_equal(p->distributed, 1);
    assert_int_equal(p->legs, 3);
    assert_u128_equal(p->paid, 100);
    /* The plan recomputes exactly what was paid. */
    struct payout_plan plan;
    assert_ok(payout_plan_build(&f->e, id, &plan));
    assert_int_equal(plan.n, 3);
    assert_u128_equal(plan.leg[0] + plan.leg[1] + plan.leg[2], 100);
    assert_u128_equal(plan.leg[0], 17);
    payout_plan_free(&plan);
    /* A second distribution is refused and changes nothing. */
    distribute_rejected(f, id, ERR_ALREADY_DISTRIBUTED);
    distribute_rejected(f, 77, ERR_NOT_FOUND);
    assert_int_equal(engine_check_invariants(&f->e), 0);
    fixture_close(f);
}

static void ties_go_to_the_lower_address(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    /* Minted in descending address order: the table's order must not matter. */
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_C, "1"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_B, "1"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_A, "1"));
    assert_ok(fixture_mint(f, "alice", "USDC", DIST, "1"));
    tax_form(f, ADDR_A);
    tax_form(f, ADDR_B);
    tax_form(f, ADDR_C);
    uint64_t snap = take_snapshot(f, "EQ");
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "USDC", "0.000005", DIST, "full", &id));
    next_block(f);
    assert_ok(distribute(f, "alice", id));
    /* 5 over three equal holders: 1 each, the 2 left to the lowest addresses */
    assert_u128_equal(fixture_balance(f, "USDC", ADDR_A), 2);
    assert_u128_equal(fixture_balance(f, "USDC", ADDR_B), 2);
    assert_u128_equal(fixture_balance(f, "USDC", ADDR_C), 1);
    fixture_close(f);
}

static void distributor_holding_the_snapshot_asset_earns_nothing(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    assert_ok(fixture_mint(f, "alice", "EQ", DIST, "500"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_A, "250"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_B, "250"));
    assert_ok(fixture_mint(f, "alice", "USDC", DIST, "10"));
    tax_form(f, ADDR_A);
    tax_form(f, ADDR_B);
    uint64_t snap = take_snapshot(f, "EQ");
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "USDC", "10", DIST, "full", &id));
    next_block(f);
    assert_ok(distribute(f, "alice", id));
    assert_balance(f, "USDC", ADDR_A, "5");
    assert_balance(f, "USDC", ADDR_B, "5");
    assert_balance(f, "USDC", DIST, "0");
    assert_int_equal(f->e.s.assets[fixture_asset(f, "USDC")].holders_count, 2); /* DIST left */
    struct payout_plan plan;
    assert_ok(payout_plan_build(&f->e, id, &plan));
    assert_u128_equal(plan.distributor_weight, 500);
    payout_plan_free(&plan);
    fixture_close(f);
}

static void pro_rata_pays_what_the_distributor_holds_free(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    uint64_t snap = three_holders(f, "60");
    /* 60 held, 30 of it frozen: pro rata pays 30 of the 600 asked */
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"freeze\",\"address\":\"%s\",\"asset\":\"USDC\",\"amount\":\"30\"}", DIST));
    uint64_t full = 0, part = 0;
    assert_ok(create_payout(f, snap, "USDC", "600", DIST, "full", &full));
    assert_ok(create_payout(f, snap, "USDC", "600", DIST, "pro-rata", &part));
    next_block(f);
    distribute_rejected(f, full, ERR_UNDERFUNDED_FULL_MODE);
    assert_non_null(strstr(f->result.detail, "30 USDC"));
    assert_ok(distribute(f, "alice", part));
    assert_balance(f, "USDC", ADDR_A, "5");
    assert_balance(f, "USDC", ADDR_B, "10");
    assert_balance(f, "USDC", ADDR_C, "15");
    assert_balance(f, "USDC", DIST, "30");
    assert_u128_equal(f->e.s.payouts[part - 1].paid, units(f, "USDC", "30"));
    /* Nothing free left: pro rata has nothing to pay. */
    uint64_t again = 0;
    assert_ok(create_payout(f, snap, "USDC", "1", DIST, "pro-rata", &again));
    next_block(f);
    distribute_rejected(f, again, ERR_INSUFFICIENT_BALANCE);
    /* A total below what is held: pro rata pays the total. */
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"unfreeze\",\"address\":\"%s\",\"asset\":\"USDC\",\"amount\":\"30\"}", DIST));
    assert_ok(distribute(f, "alice", again));
    assert_u128_equal(f->e.s.payouts[again - 1].paid, units(f, "USDC", "1"));
    assert_int_equal(engine_check_invariants(&f->e), 0);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* distribute: refusals                                                  */
/* --------------------------------------------------------------------- */

static void tax_form_missing_lists_the_recipients(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_A, "1"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_B, "1"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_C, "1"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_4, "1"));
    assert_ok(fixture_mint(f, "alice", "USDC", DIST, "100"));
    tax_form(f, ADDR_B);
    uint64_t snap = take_snapshot(f, "EQ");
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "USDC", "4", DIST, "full", &id));
    next_block(f);
    distribute_rejected(f, id, ERR_TAX_FORM_MISSING);
    assert_non_null(strstr(f->result.detail, "3 of 4: "));
    assert_non_null(strstr(f->result.detail, ADDR_A));
    assert_non_null(strstr(f->result.detail, ADDR_C));
    assert_null(strstr(f->result.detail, ADDR_B));
    assert_non_null(strstr(f->result.detail, " and 1 more (payout show 1)"));
        assert_true(strlen(f->result.detail) < APPLY_DETAIL_SIZE - 1);
    tax_form(f, ADDR_A);
    tax_form(f, ADDR_C);
    tax_form(f, ADDR_4);
    /* An expired claim is no claim. */
    assert_ok(fixture_advance(f, "alice", "400d")); /* past 2027-01-01 */
    distribute_rejected(f, id, ERR_TAX_FORM_MISSING);
    assert_non_null(strstr(f->result.detail, "4 of 4: "));
    fixture_close(f);
}

static void pro_rata_zero_legs_need_no_tax_form(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_A, "1000000"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_B, "1"));
    assert_ok(fixture_mint(f, "alice", "USDC", DIST, "0.000002"));
    tax_form(f, ADDR_A);
    uint64_t snap = take_snapshot(f, "EQ");
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "USDC", "1", DIST, "pro-rata", &id));
    next_block(f);
    assert_ok(distribute(f, "alice", id)); /* B's leg is 0: no claim needed, no leg */
    assert_u128_equal(fixture_balance(f, "USDC", ADDR_A), 2);
    assert_u128_equal(fixture_balance(f, "USDC", ADDR_B), 0);
    assert_int_equal(f->e.s.payouts[id - 1].legs, 1);
    fixture_close(f);
}

static void distributor_and_recipient_controls(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    uint64_t snap = three_holders(f, "1000");
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "USDC", "600", DIST, "full", &id));
    next_block(f);
    assert_ok(fixture_pause(f, "alice", "USDC"));
    distribute_rejected(f, id, ERR_PAUSED);
    assert_ok(fixture_unpause(f, "alice", "USDC"));
    assert_ok(fixture_pause(f, "alice", NULL));
    distribute_rejected(f, id, ERR_PAUSED);
    assert_ok(fixture_unpause(f, "alice", NULL));
    /* The distributor frozen for the asset, then a recipient's freeze, then its blacklist. */
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"freeze\",\"address\":\"%s\",\"asset\":\"USDC\"}", DIST));
    distribute_rejected(f, id, ERR_FROZEN);
    assert_non_null(strstr(f->result.detail, "distributor"));
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"unfreeze\",\"address\":\"%s\",\"asset\":\"USDC\"}", DIST));
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"freeze\",\"address\":\"%s\"}", ADDR_C));
    distribute_rejected(f, id, ERR_FROZEN);
    assert_non_null(strstr(f->result.detail, ADDR_C));
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"blacklist.add\",\"address\":\"%s\"}", ADDR_B));
    distribute_rejected(f, id, ERR_BLACKLISTED); /* B's leg comes before C's */
    assert_non_null(strstr(f->result.detail, ADDR_B));
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"blacklist.add\",\"address\":\"%s\"}", DIST));
    distribute_rejected(f, id, ERR_BLACKLISTED);
    assert_non_null(strstr(f->result.detail, "distributor"));
    fixture_expect_rejected(f, "carol", "{\"op\":\"payout.distribute\",\"id\":1}", ERR_UNAUTHORIZED);
    fixture_close(f);
}

static void kyc(struct fixture *f, const char *addr) {
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"claim.set\",\"address\":\"%s\",\"topic\":\"kyc\",\"expires\":\"%s\"}",
                             addr, EXPIRES));
}

static void paid_security_passes_check_5_per_leg(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    uint64_t snap = three_holders(f, NULL);
    /* Holders of SEC need an identity and kyc: the distributor and ADDR_4 have them. */
    tax_form(f, DIST);
    tax_form(f, ADDR_4);
    kyc(f, DIST);
    kyc(f, ADDR_4);
    kyc(f, ADDR_A);
    kyc(f, ADDR_B);
    assert_ok(fixture_mint(f, "alice", "SEC", DIST, "61"));
    assert_ok(fixture_mint(f, "alice", "SEC", ADDR_4, "1"));
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "SEC", "60", DIST, "full", &id));
    next_block(f);
    /* C has a tax form but no kyc: check 5 refuses its leg. */
    distribute_rejected(f, id, ERR_NOT_WHITELISTED);
    assert_non_null(strstr(f->result.detail, ADDR_C));
    kyc(f, ADDR_C);
    /* max_holders 4: two holders and three new ones, the distributor keeping 1. */
    distribute_rejected(f, id, ERR_HOLDER_LIMIT);
    /* Paying out all it holds, the distributor leaves and makes room. */
    assert_ok(fixture_burn(f, "alice", "SEC", DIST, "1"));
    assert_ok(distribute(f, "alice", id));
    assert_balance(f, "SEC", ADDR_A, "10");
    assert_balance(f, "SEC", ADDR_B, "20");
    assert_balance(f, "SEC", ADDR_C, "30");
    assert_balance(f, "SEC", DIST, "0");
    assert_int_equal(f->e.s.assets[fixture_asset(f, "SEC")].holders_count, 4);
    assert_int_equal(engine_check_invariants(&f->e), 0);
    fixture_close(f);
}

static void paid_security_leg_over_max_balance_or_with_an_expired_claim(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    uint64_t snap = three_holders(f, NULL);
    tax_form(f, DIST);
    kyc(f, DIST);
    kyc(f, ADDR_A);
    kyc(f, ADDR_B);
    kyc(f, ADDR_C);
    assert_ok(fixture_mint(f, "alice", "CAP", DIST, "25"));
    uint64_t big = 0, small = 0;
    assert_ok(create_payout(f, snap, "CAP", "60", DIST, "pro-rata", &big));
    next_block(f);
    /* pro rata, 25 held, over 100:200:300: 4, 8, 13 (the unit left over to C, the largest remainder) */
    assert_ok(fixture_mint(f, "alice", "CAP", ADDR_C, "20")); /* C near max_balance */
    distribute_rejected(f, big, ERR_MAX_BALANCE);
    assert_non_null(strstr(f->result.detail, ADDR_C));
    assert_ok(fixture_burn(f, "alice", "CAP", ADDR_C, "20"));
    assert_balance(f, "CAP", ADDR_C, "0");
    /* A's kyc lapses: its leg is refused before anything is paid. */
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"claim.set\",\"address\":\"%s\",\"topic\":\"kyc\",\"expires\":\"%s\"}",
                             ADDR_A, "2026-03-03"));
    assert_ok(fixture_advance(f, "alice", "3d"));
    tax_form(f, ADDR_A); /* the tax forms still valid: check 5 is what refuses */
    distribute_rejected(f, big, ERR_CLAIM_EXPIRED);
    assert_non_null(strstr(f->result.detail, ADDR_A));
    kyc(f, ADDR_A);
    assert_ok(create_payout(f, snap, "CAP", "6", DIST, "full", &small));
    next_block(f);
    assert_ok(distribute(f, "alice", small));
    assert_balance(f, "CAP", ADDR_A, "1");
    assert_balance(f, "CAP", ADDR_B, "2");
    assert_balance(f, "CAP", ADDR_C, "3");
    assert_int_equal(engine_check_invariants(&f->e), 0);
    fixture_close(f);
}

static void partitioned_paid_asset_is_refused_at_distribution(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    uint64_t snap = three_holders(f, "10");
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "SEC", "1", DIST, "full", &id));
    /* SEC gains a partition after the payout was created. */
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"policy.set\",\"target_op\":\"asset.rules.set\",\"timelock\":\"0s\"}"));
    assert_int_equal(f->result.pending, APPLY_SCHEDULED); /* policy.set is itself timelocked */
    uint64_t entry = f->result.pending_id;
    assert_ok(fixture_advance(f, "alice", "2d"));
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"timelock.execute\",\"id\":%llu}", (unsigned long long)entry));
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"asset.rules.set\",\"asset\":\"SEC\",\"partition\":\"REG_D\"}"));
    next_block(f);
    distribute_rejected(f, id, ERR_PARTITION);
    fixture_close(f);
}

static void payout_created_in_the_block_waits_for_the_next(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    uint64_t snap = three_holders(f, "1000");
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "USDC", "6", DIST, "full", &id));
    distribute_rejected(f, id, ERR_PAYOUT_NOT_READY);
    next_block(f);
    assert_ok(distribute(f, "alice", id));
    fixture_close(f);
}

static void detail_is_reset_by_the_next_command(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    distribute_rejected(f, 5, ERR_NOT_FOUND);
    assert_string_equal(f->result.detail, "no payout 5");
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_A, "1"));
    assert_string_equal(f->result.detail, "");
    fixture_close(f);
}

static void preflight_reports_what_distribute_would_and_changes_nothing(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_A, "1"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_B, "3"));
    assert_ok(fixture_mint(f, "alice", "USDC", DIST, "8"));
    tax_form(f, ADDR_A);
    uint64_t snap = take_snapshot(f, "EQ");
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "USDC", "8", DIST, "full", &id));
    next_block(f);
    char before[HASH_HEX_SIZE], after[HASH_HEX_SIZE];
    fixture_state_hex(f, before);
    struct apply_result ar;
    assert_err(payout_preflight(&f->e, id, &ar), ERR_TAX_FORM_MISSING);
    assert_non_null(strstr(ar.detail, "1 of 2: " ADDR_B));
    assert_err(payout_preflight(&f->e, 9, &ar), ERR_NOT_FOUND);
    fixture_state_hex(f, after);
    assert_string_equal(before, after);
    tax_form(f, ADDR_B);
    next_block(f);
    assert_ok(payout_preflight(&f->e, id, &ar));
    assert_string_equal(ar.detail, "");
    assert_ok(distribute(f, "alice", id));
    assert_balance(f, "USDC", ADDR_A, "2");
    assert_balance(f, "USDC", ADDR_B, "6");
    next_block(f);
    assert_err(payout_preflight(&f->e, id, &ar), ERR_ALREADY_DISTRIBUTED);
    fixture_close(f);
}

/* A ledger that never took a snapshot writes no payout section: its state
 * hash is the one it had before payouts existed (computed by the engine of
 * commit 21b5d9c, before this module, for this genesis). */
static void ledgers_without_snapshots_keep_their_state_hash(void **state) {
    (void)state;
    json_t *doc = fixture_genesis_new();
    json_t *op = fixture_genesis_add_operator(doc, "alice", "admin,minter,payout_manager");
    json_object_set_new(op, "pubkey",
                        json_string("a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800"));
    fixture_genesis_add_asset(doc, "EQ", "plain", "0");
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    char hex[HASH_HEX_SIZE];
    fixture_state_hex(f, hex);
    assert_string_equal(hex, "497dfb2708d3f1b901163792ae2221f4f03181625686b7ab7b4dbe87b14405c9");
    /* and a snapshot changes it (the section is written then) */
    take_snapshot(f, "EQ");
    next_block(f);
    fixture_state_hex(f, hex);
    assert_string_not_equal(hex, "497dfb2708d3f1b901163792ae2221f4f03181625686b7ab7b4dbe87b14405c9");
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* governance: two approvals by default                                  */
/* --------------------------------------------------------------------- */

static void distribute_needs_two_operators_by_default(void **state) {
    (void)state;
    struct fixture *f = open_payout(1);
    uint64_t snap = three_holders(f, "1000");
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "USDC", "600", DIST, "full", &id));
    assert_ok(create_payout(f, snap, "USDC", "6", ADDR_4, "full", NULL)); /* unfunded */
    next_block(f);
    uint32_t approvals;
    int64_t delay;
    engine_policy(&f->e, OP_PAYOUT_DISTRIBUTE, -1, &approvals, &delay);
    assert_int_equal(approvals, 2);
    assert_ok(distribute(f, "alice", id));
    assert_int_equal(f->result.pending, APPLY_PROPOSED);
    uint64_t proposal = f->result.pending_id;
    assert_balance(f, "USDC", ADDR_A, "0");
    assert_err(fixture_applyf(f, "alice", "{\"op\":\"approve\",\"id\":%llu}", (unsigned long long)proposal),
               ERR_SAME_OPERATOR);
    assert_ok(fixture_applyf(f, "bob", "{\"op\":\"approve\",\"id\":%llu}", (unsigned long long)proposal));
    assert_int_equal(f->result.ran_err, ERR_OK);
    assert_balance(f, "USDC", ADDR_A, "100");
    /* Its dry run (the node's: savepoint, engine_apply_dry, rollback) runs
     * the release and answers its refusal with the same detail. */
    struct command cmd;
    assert_ok(fixture_decode(f, "{\"op\":\"payout.distribute\",\"id\":2}", &cmd));
    cmd.operator_index = (uint32_t)engine_operator_find(&f->e, "alice", 5);
    if (!f->in_block) fixture_begin(f, f->e.s.time_ns, 16);
    struct apply_result dry;
    assert_ok(engine_savepoint(&f->e));
    f->events.count = 0;
    assert_err(engine_apply_dry(&f->e, &cmd, &f->events, &dry), ERR_UNDERFUNDED_FULL_MODE);
    engine_rollback(&f->e);
    assert_non_null(strstr(dry.detail, "holds 0 USDC"));
    /* A released distribution that fails says why in the approval's result. */
    assert_ok(distribute(f, "alice", 2));
    proposal = f->result.pending_id;
    assert_ok(fixture_applyf(f, "bob", "{\"op\":\"approve\",\"id\":%llu}", (unsigned long long)proposal));
    assert_int_equal(f->result.ran_err, ERR_UNDERFUNDED_FULL_MODE);
    assert_non_null(strstr(f->result.detail, "holds 0 USDC"));
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* the exact-sum property through the engine                             */
/* --------------------------------------------------------------------- */

/* Legs sum to what was paid, and each leg is the floor or the ceiling of
 * its exact share paid * w / W (figures small enough that the product
 * fits in 128 bits). */
static void check_plan_exact(const struct fixture *f, uint64_t id) {
    struct payout_plan plan;
    assert_ok(payout_plan_build(&f->e, id, &plan));
    u128 w_sum = 0, leg_sum = 0;
    for (uint32_t i = 0; i < plan.n; i++) {
        w_sum += plan.weight[i];
        leg_sum += plan.leg[i];
    }
    assert_u128_equal(leg_sum, plan.amount);
    assert_u128_equal(plan.amount, f->e.s.payouts[id - 1].paid);
    for (uint32_t i = 0; i < plan.n; i++) {
        u128 exact = plan.amount * plan.weight[i];
        u128 floor = exact / w_sum;
        if (plan.leg[i] == floor) continue;
        assert_u128_equal(plan.leg[i], floor + 1);
        assert_true(exact % w_sum != 0);
    }
    payout_plan_free(&plan);
}

static void random_payouts_sum_exactly(void **state) {
    (void)state;
    fixture_rng_seed(0x9a7);
    for (unsigned round = 0; round < 40; round++) {
        struct fixture *f = open_payout(0);
        uint32_t n = 1 + (uint32_t)fixture_rng_below(60);
        for (uint32_t i = 0; i < n; i++) {
            char a[ADDR_TEXT_SIZE], amount[32];
            fixture_addr_text(1000 + i, a);
            snprintf(amount, sizeof(amount), "%llu", 1 + (unsigned long long)fixture_rng_below(1000000));
            assert_ok(fixture_mint(f, "alice", "EQ", a, amount));
            tax_form(f, a);
        }
        char funds[32];
        snprintf(funds, sizeof(funds), "%llu", 1 + (unsigned long long)fixture_rng_below(100000));
        assert_ok(fixture_mint(f, "alice", "USDC", DIST, funds));
        uint64_t snap = take_snapshot(f, "EQ");
        uint64_t full = 0, part = 0;
        char total[AMOUNT_TEXT_SIZE];
        amount_format(1 + (u128)fixture_rng_below(999999), 6, total);
        assert_ok(create_payout(f, snap, "USDC", total, DIST, "full", &full));
        assert_ok(create_payout(f, snap, "USDC", "1000000", DIST, "pro-rata", &part));
        next_block(f);
        u128 before = fixture_balance(f, "USDC", DIST);
        assert_ok(distribute(f, "alice", full));
        check_plan_exact(f, full);
        assert_ok(distribute(f, "alice", part)); /* all that is left */
        check_plan_exact(f, part);
        assert_u128_equal(fixture_balance(f, "USDC", DIST), 0);
        u128 paid = f->e.s.payouts[full - 1].paid + f->e.s.payouts[part - 1].paid;
        assert_u128_equal(paid, before);
        assert_int_equal(engine_check_invariants(&f->e), 0);
        fixture_close(f);
    }
}

/* --------------------------------------------------------------------- */
/* replay, engine snapshots, savepoints, block aborts                    */
/* --------------------------------------------------------------------- */

/* The same commands on a fresh engine with another table size (another
 * layout) reach the same state hash, block by block. */
static void run_script(struct fixture *f, char hashes[][HASH_HEX_SIZE], unsigned *blocks) {
    *blocks = 0;
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_A, "7"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_B, "11"));
    assert_ok(fixture_mint(f, "alice", "EQ", ADDR_C, "13"));
    for (uint32_t i = 0; i < 40; i++) {
        char a[ADDR_TEXT_SIZE];
        fixture_addr_text(i, a);
        assert_ok(fixture_mint(f, "alice", "EQ", a, "3"));
        tax_form(f, a);
    }
    tax_form(f, ADDR_A);
    tax_form(f, ADDR_B);
    tax_form(f, ADDR_C);
    assert_ok(fixture_mint(f, "alice", "USDC", DIST, "1000"));
    uint64_t snap = take_snapshot(f, "EQ");
    uint64_t id = 0, id2 = 0;
    assert_ok(create_payout(f, snap, "USDC", "123.456789", DIST, "full", &id));
    assert_ok(create_payout(f, snap, "USDC", "5000", DIST, "pro-rata", &id2));
    state_hex(f, hashes[(*blocks)++]);
    assert_ok(fixture_transfer(f, "alice", "EQ", ADDR_A, ADDR_B, "7"));
    assert_ok(distribute(f, "alice", id));
    state_hex(f, hashes[(*blocks)++]);
    assert_ok(distribute(f, "alice", id2));
    take_snapshot(f, "USDC");
    state_hex(f, hashes[(*blocks)++]);
}

static void replay_reaches_the_same_hashes(void **state) {
    (void)state;
    json_t *doc = payout_genesis(0);
    struct fixture *f = fixture_open_hint(doc, FIXTURE_T0_NS, 64);
    struct fixture *g = fixture_open_hint(doc, FIXTURE_T0_NS, 1u << 16);
    json_decref(doc);
    char a[4][HASH_HEX_SIZE], b[4][HASH_HEX_SIZE];
    unsigned na, nb;
    run_script(f, a, &na);
    run_script(g, b, &nb);
    assert_int_equal(na, nb);
    for (unsigned i = 0; i < na; i++) assert_string_equal(a[i], b[i]);
    fixture_close(f);
    fixture_close(g);
}

static void engine_snapshot_round_trip(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    uint64_t snap = three_holders(f, "1000");
    uint64_t done = 0, open = 0;
    assert_ok(create_payout(f, snap, "USDC", "60", DIST, "full", &done));
    assert_ok(create_payout(f, snap, "USDC", "6", DIST, "pro-rata", &open));
    next_block(f);
    assert_ok(distribute(f, "alice", done));
    struct buf bytes;
    struct fixture *g = fixture_from_snapshot(f, &bytes); /* asserts equal hashes */
    assert_int_equal(g->e.s.payouts_count, 2);
    assert_int_equal(engine_check_invariants(&g->e), 0);
    /* Both go on the same way. */
    assert_ok(distribute(f, "alice", open));
    assert_ok(distribute(g, "alice", open));
    char hf[HASH_HEX_SIZE], hg[HASH_HEX_SIZE];
    state_hex(f, hf);
    state_hex(g, hg);
    assert_string_equal(hf, hg);
    /* A snapshot whose payout section is damaged is refused. */
    size_t at = 0;
    for (size_t i = 8; i + 3 <= bytes.len; i++) {
        if (memcmp(bytes.data + i, "pay", 3) == 0) {
            at = i;
            break;
        }
    }
    assert_true(at != 0);
    static const size_t offsets[] = {0, 3, 7 /* holders */, 9 /* block */, 3 + 4 + 46 + 4 + 8 + 2 + 1};
    for (size_t k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++) {
        uint8_t *copy = malloc(bytes.len);
        assert_non_null(copy);
        memcpy(copy, bytes.data, bytes.len);
        copy[at + offsets[k]] ^= 0x40;
        struct fixture *h = fixture_open_empty(0);
        enum err err = engine_snapshot_read(&h->e, copy, bytes.len);
        fixture_close(h);
        free(copy);
        if (err != ERR_IO) fail_msg("corruption at +%zu: got %s", offsets[k], err_name(err));
    }
    /* So is a record of a snapshot that does not exist (a key past the table). */
    buf_free(&bytes);
    fixture_close(f);
    fixture_close(g);
}

static void rollback_undoes_snapshot_and_distribution(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    uint64_t snap = three_holders(f, "1000");
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "USDC", "60", DIST, "full", &id));
    next_block(f);
    fixture_begin(f, f->e.s.time_ns, 64);
    struct buf before, after;
    buf_init(&before);
    engine_snapshot_write(&f->e, &before);
    assert_ok(engine_savepoint(&f->e));
    take_snapshot(f, "EQ");
    assert_ok(distribute(f, "alice", id));
    assert_balance(f, "USDC", ADDR_C, "30");
    engine_rollback(&f->e);
    buf_init(&after);
    engine_snapshot_write(&f->e, &after);
    assert_int_equal(before.len, after.len);
    assert_memory_equal(before.data, after.data, before.len);
    assert_int_equal(f->e.s.payout_snapshots_count, 1);
    assert_int_equal(f->e.s.payouts[id - 1].distributed, 0);
    buf_free(&before);
    buf_free(&after);
    fixture_close(f);
}

static void block_abort_restores_the_state_before_the_block(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    uint64_t snap = three_holders(f, "1000");
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "USDC", "60", DIST, "full", &id));
    next_block(f);
    char before[HASH_HEX_SIZE], after[HASH_HEX_SIZE];
    fixture_state_hex(f, before);
    /* as the sequencer does: room, checkpoint, begin */
    assert_ok(engine_reserve_room(&f->e, 64, 64u * 8u));
    engine_block_checkpoint(&f->e);
    engine_block_begin(&f->e, f->e.s.time_ns);
    f->in_block = 1;
    f->block_reserved = 64;
    f->block_applied = 0;
    take_snapshot(f, "EQ");
    take_snapshot(f, "USDC");
    assert_ok(distribute(f, "alice", id));
    fixture_seal(f, NULL);
    engine_block_abort(&f->e);
    fixture_state_hex(f, after);
    assert_string_equal(before, after);
    assert_int_equal(f->e.s.payout_snapshots_count, 1);
    assert_int_equal(engine_check_invariants(&f->e), 0);
    /* and the block can be applied again, to the same end */
    assert_ok(distribute(f, "alice", id));
    assert_balance(f, "USDC", ADDR_C, "30");
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* room                                                                  */
/* --------------------------------------------------------------------- */

/* Apply a block as the sequencer does: room summed over the commands on
 * the state before the block, reserved, then applied. A bound too small
 * trips the holdings table's room assertions. */
static void room_block(struct fixture *f, char (*json)[200], const char *const *who, uint32_t n,
                       enum err *results) {
    struct command *cmds = calloc(n, sizeof(*cmds));
    assert_non_null(cmds);
    uint64_t extra = 0;
    for (uint32_t i = 0; i < n; i++) {
        assert_ok(fixture_decode(f, json[i], &cmds[i]));
        cmds[i].operator_index = (uint32_t)engine_operator_find(&f->e, who[i], strlen(who[i]));
        extra += engine_command_room(&f->e, &cmds[i]);
    }
    assert_ok(engine_reserve_room(&f->e, n, extra));
    engine_block_begin(&f->e, f->e.s.time_ns);
    for (uint32_t i = 0; i < n; i++) {
        f->events.count = 0;
        results[i] = engine_apply(&f->e, &cmds[i], &f->events, &f->result);
    }
    struct hash h;
    engine_block_seal(&f->e, &h);
    free(cmds);
}

static void block_minting_new_holders_then_snapshotting_has_room(void **state) {
    (void)state;
    json_t *doc = payout_genesis(0);
    struct fixture *f = fixture_open_hint(doc, FIXTURE_T0_NS, 16); /* 1,024 slots */
    json_decref(doc);
    enum { N = 700 };
    char (*json)[200] = calloc(N + 1, sizeof(*json));
    const char **who = calloc(N + 1, sizeof(*who));
    enum err *results = calloc(N + 1, sizeof(*results));
    assert_non_null(json);
    for (uint32_t i = 0; i < N; i++) {
        char a[ADDR_TEXT_SIZE];
        fixture_addr_text(i, a);
        snprintf(json[i], sizeof(json[i]), "{\"op\":\"mint\",\"asset\":\"EQ\",\"to\":\"%s\",\"amount\":\"2\"}", a);
        who[i] = "alice";
    }
    snprintf(json[N], sizeof(json[N]), "{\"op\":\"payout.snapshot\",\"asset\":\"EQ\"}");
    who[N] = "alice";
    assert_true(payout_room(&f->e, &(struct command){.op = OP_PAYOUT_SNAPSHOT, .asset = 0}) >= N);
    room_block(f, json, who, N + 1, results);
    for (uint32_t i = 0; i <= N; i++) assert_err(results[i], ERR_OK);
    assert_int_equal(f->e.s.payout_snapshots[0].holders, N);
    assert_int_equal(engine_check_invariants(&f->e), 0);
    free(json);
    free(who);
    free(results);
    fixture_close(f);
}

static void distribute_released_in_the_proposals_block_has_room(void **state) {
    (void)state;
    json_t *doc = payout_genesis(1);
    struct fixture *f = fixture_open_hint(doc, FIXTURE_T0_NS, 16);
    json_decref(doc);
    /* 600 holders, each a tax form, a snapshot and a payout: a block each
     * step, with the sequencer's room. */
    enum { N = 600 };
    char (*json)[200] = calloc(3 * N + 4, sizeof(*json));
    const char **who = calloc(3 * N + 4, sizeof(*who));
    enum err *results = calloc(3 * N + 4, sizeof(*results));
    assert_non_null(json);
    uint32_t k = 0;
    for (uint32_t i = 0; i < N; i++) {
        char a[ADDR_TEXT_SIZE];
        fixture_addr_text(i, a);
        snprintf(json[k], sizeof(json[k]), "{\"op\":\"mint\",\"asset\":\"EQ\",\"to\":\"%s\",\"amount\":\"1\"}", a);
        who[k++] = "alice";
        snprintf(json[k], sizeof(json[k]), "{\"op\":\"identity.register\",\"address\":\"%s\",\"country\":\"FR\"}", a);
        who[k++] = "alice";
        snprintf(json[k], sizeof(json[k]), "{\"op\":\"claim.set\",\"address\":\"%s\",\"topic\":\"tax_form\",\"expires\":\"%s\"}", a, EXPIRES);
        who[k++] = "alice";
    }
    snprintf(json[k], sizeof(json[k]), "{\"op\":\"mint\",\"asset\":\"USDC\",\"to\":\"%s\",\"amount\":\"600\"}", DIST);
    who[k++] = "alice";
    snprintf(json[k], sizeof(json[k]), "{\"op\":\"payout.snapshot\",\"asset\":\"EQ\"}");
    who[k++] = "alice";
    snprintf(json[k], sizeof(json[k]),
             "{\"op\":\"payout.create\",\"snapshot\":1,\"pay\":\"USDC\",\"total\":\"600\",\"from\":\"%s\",\"mode\":\"full\"}", DIST);
    who[k++] = "alice";
    room_block(f, json, who, k, results);
    for (uint32_t i = 0; i < k; i++) assert_err(results[i], ERR_OK);
    /* The proposal and its approval in one block: the command that makes
     * the proposal is counted in full (the proposal holds it, released at
     * most once); the approval of a proposal that does not exist yet adds
     * nothing. */
    snprintf(json[0], sizeof(json[0]), "{\"op\":\"payout.distribute\",\"id\":1}");
    who[0] = "alice";
    snprintf(json[1], sizeof(json[1]), "{\"op\":\"approve\",\"id\":1}");
    who[1] = "bob";
    struct command proposing = {0};
    struct command approve = {0};
    assert_ok(fixture_decode(f, json[0], &proposing));
    assert_ok(fixture_decode(f, json[1], &approve));
    assert_true(engine_command_room(&f->e, &proposing) >= N);
    assert_int_equal(engine_command_room(&f->e, &approve), 0);
    room_block(f, json, who, 2, results);
    assert_err(results[0], ERR_OK);
    assert_err(results[1], ERR_OK);
    assert_int_equal(f->result.ran_err, ERR_OK);
    assert_int_equal(f->e.s.payouts[0].legs, N);
    assert_int_equal(f->e.s.assets[fixture_asset(f, "USDC")].holders_count, N);
    assert_int_equal(engine_check_invariants(&f->e), 0);
    free(json);
    free(who);
    free(results);
    fixture_close(f);
}

static void room_is_judged_on_the_state_before_the_block(void **state) {
    (void)state;
    struct fixture *f = open_payout(0);
    uint64_t snap = three_holders(f, "1000");
    uint64_t id = 0;
    assert_ok(create_payout(f, snap, "USDC", "6", DIST, "full", &id));
    next_block(f);
    struct command c = {0};
    assert_ok(fixture_decode(f, "{\"op\":\"payout.distribute\",\"id\":1}", &c));
    assert_int_equal(engine_command_room(&f->e, &c), 3);
    assert_ok(fixture_decode(f, "{\"op\":\"payout.distribute\",\"id\":2}", &c));
    assert_int_equal(engine_command_room(&f->e, &c), 0); /* unknown: it will fail */
    /* a snapshot of USDC: its 1 holder, a block of new ones, the open payout's 3 */
    assert_ok(fixture_decode(f, "{\"op\":\"payout.snapshot\",\"asset\":\"USDC\"}", &c));
    assert_int_equal(engine_command_room(&f->e, &c), 1 + LIMIT_BLOCK_COMMANDS + 3);
    /* the most: that same USDC snapshot (EQ's 3 holders have no open payout) */
    assert_int_equal(engine_command_room_max(&f->e), 1 + LIMIT_BLOCK_COMMANDS + 3);
    assert_ok(distribute(f, "alice", id));
    next_block(f);
    assert_ok(fixture_decode(f, "{\"op\":\"payout.distribute\",\"id\":1}", &c));
    assert_int_equal(engine_command_room(&f->e, &c), 0); /* distributed: it will fail */
    assert_ok(fixture_decode(f, J_TRANSFER("USDC", ADDR_A, ADDR_B, "1"), &c));
    assert_int_equal(engine_command_room(&f->e, &c), 0);
    fixture_close(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(snapshot_freezes_balances_at_its_command),
        cmocka_unit_test(snapshot_of_any_kind_and_of_nobody),
        cmocka_unit_test(snapshot_table_has_a_limit),
        cmocka_unit_test(create_refusals_change_nothing),
        cmocka_unit_test(full_mode_pays_the_exact_split),
        cmocka_unit_test(ties_go_to_the_lower_address),
        cmocka_unit_test(distributor_holding_the_snapshot_asset_earns_nothing),
        cmocka_unit_test(pro_rata_pays_what_the_distributor_holds_free),
        cmocka_unit_test(tax_form_missing_lists_the_recipients),
        cmocka_unit_test(pro_rata_zero_legs_need_no_tax_form),
        cmocka_unit_test(distributor_and_recipient_controls),
        cmocka_unit_test(paid_security_passes_check_5_per_leg),
        cmocka_unit_test(paid_security_leg_over_max_balance_or_with_an_expired_claim),
        cmocka_unit_test(partitioned_paid_asset_is_refused_at_distribution),
        cmocka_unit_test(payout_created_in_the_block_waits_for_the_next),
        cmocka_unit_test(detail_is_reset_by_the_next_command),
        cmocka_unit_test(preflight_reports_what_distribute_would_and_changes_nothing),
        cmocka_unit_test(ledgers_without_snapshots_keep_their_state_hash),
        cmocka_unit_test(distribute_needs_two_operators_by_default),
        cmocka_unit_test(random_payouts_sum_exactly),
        cmocka_unit_test(replay_reaches_the_same_hashes),
        cmocka_unit_test(engine_snapshot_round_trip),
        cmocka_unit_test(rollback_undoes_snapshot_and_distribution),
        cmocka_unit_test(block_abort_restores_the_state_before_the_block),
        cmocka_unit_test(block_minting_new_holders_then_snapshotting_has_room),
        cmocka_unit_test(distribute_released_in_the_proposals_block_has_room),
        cmocka_unit_test(room_is_judged_on_the_state_before_the_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
