/*
 * test_restrict.c - blacklists, freezes and the agents' tools in the engine.
 *
 * The genesis sets single-approval policies for these ops so each test can
 * act in one command; the two-operator defaults are test_governance's and
 * the integration tests' business.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/engine/engine.h"
#include "../../src/engine/restrict.h"
#include "../support/engine_fixture.h"

#define T0 (INT64_C(1790000000) * 1000000000)
#define X "0x1111111111111111111111111111111111111111"
#define Y "0x2222222222222222222222222222222222222222"
#define Z "0x3333333333333333333333333333333333333333"

static int setup(void **state) {
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "alice", "admin,minter,burner,transfer_agent,pauser,compliance,agent");
    fixture_genesis_add_asset(doc, "USDW", "plain", "0");
    json_t *policies = json_array();
    static const char *const ops[] = {"blacklist.add", "blacklist.remove", "freeze", "unfreeze",
                                      "forced_transfer", "recover", "rescue"};
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        json_t *p = json_object();
        json_object_set_new(p, "op", json_string(ops[i]));
        json_array_append_new(policies, p);
    }
    json_object_set_new(doc, "policies", policies);
    struct fixture *f = fixture_open(doc, T0);
    json_decref(doc);
    assert_int_equal(fixture_mint(f, "alice", "USDW", X, "100"), ERR_OK);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture_close(*state);
    return 0;
}

static enum err run(struct fixture *f, const char *json) { return fixture_apply(f, "alice", json); }

static u128 frozen(struct fixture *f, const char *a) {
    struct addr ad;
    assert_int_equal(addr_parse(a, strlen(a), &ad), ERR_OK);
    return restrict_frozen_amount(&f->e, 0, &ad);
}

static void blacklist_checked_before_freeze_and_balance(void **state) {
    struct fixture *f = *state;
    assert_int_equal(run(f, "{\"op\":\"blacklist.add\",\"address\":\"" Y "\"}"), ERR_OK);
    assert_int_equal(run(f, "{\"op\":\"freeze\",\"address\":\"" Y "\"}"), ERR_OK);
    fixture_expect_rejected(f, "alice", "{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" X "\",\"to\":\"" Y "\",\"amount\":\"1000\"}", ERR_BLACKLISTED);
    assert_int_equal(run(f, "{\"op\":\"blacklist.remove\",\"address\":\"" Y "\"}"), ERR_OK);
    fixture_expect_rejected(f, "alice", "{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" X "\",\"to\":\"" Y "\",\"amount\":\"1000\"}", ERR_FROZEN);
    assert_int_equal(run(f, "{\"op\":\"unfreeze\",\"address\":\"" Y "\"}"), ERR_OK);
    fixture_expect_rejected(f, "alice", "{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" X "\",\"to\":\"" Y "\",\"amount\":\"1000\"}", ERR_INSUFFICIENT_BALANCE);
    assert_int_equal(f->e.s.restricted_count, 0);
    assert_int_equal(engine_check_invariants(&f->e), 0);
}

static void partial_freeze_limits_transfers_and_follows_burns(void **state) {
    struct fixture *f = *state;
    assert_int_equal(run(f, "{\"op\":\"freeze\",\"address\":\"" X "\",\"asset\":\"USDW\",\"amount\":\"70\"}"), ERR_OK);
    fixture_expect_rejected(f, "alice", "{\"op\":\"freeze\",\"address\":\"" X "\",\"asset\":\"USDW\",\"amount\":\"31\"}", ERR_INVALID_AMOUNT);
    fixture_expect_rejected(f, "alice", "{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" X "\",\"to\":\"" Y "\",\"amount\":\"31\"}", ERR_INSUFFICIENT_BALANCE);
    assert_int_equal(fixture_transfer(f, "alice", "USDW", X, Y, "30"), ERR_OK);
    assert_int_equal(fixture_burn(f, "alice", "USDW", X, "20"), ERR_OK);
    assert_true(frozen(f, X) == 50);
    fixture_expect_rejected(f, "alice", "{\"op\":\"unfreeze\",\"address\":\"" X "\",\"asset\":\"USDW\",\"amount\":\"51\"}", ERR_INVALID_AMOUNT);
    assert_int_equal(engine_check_invariants(&f->e), 0);
}

static void forced_transfer_unfreezes_the_shortfall(void **state) {
    struct fixture *f = *state;
    assert_int_equal(run(f, "{\"op\":\"freeze\",\"address\":\"" X "\",\"asset\":\"USDW\",\"amount\":\"90\"}"), ERR_OK);
    assert_int_equal(fixture_pause(f, "alice", NULL), ERR_OK);
    assert_int_equal(run(f, "{\"op\":\"forced_transfer\",\"asset\":\"USDW\",\"from\":\"" X "\",\"to\":\"" Z "\",\"amount\":\"40\"}"), ERR_OK);
    assert_true(frozen(f, X) == 60);
    assert_int_equal(f->events.count, 2); /* Unfrozen 30, ForcedTransfer */
    assert_int_equal(engine_check_invariants(&f->e), 0);
}

static void recover_moves_balance_and_freeze(void **state) {
    struct fixture *f = *state;
    assert_int_equal(run(f, "{\"op\":\"freeze\",\"address\":\"" X "\",\"asset\":\"USDW\",\"amount\":\"10\"}"), ERR_OK);
    assert_int_equal(run(f, "{\"op\":\"recover\",\"asset\":\"USDW\",\"lost\":\"" X "\",\"new\":\"" Y "\"}"), ERR_OK);
    assert_true(frozen(f, X) == 0);
    assert_true(frozen(f, Y) == 10);
    assert_int_equal(f->e.s.assets[0].holders_count, 1);
    fixture_expect_rejected(f, "alice", "{\"op\":\"recover\",\"asset\":\"USDW\",\"lost\":\"" X "\",\"new\":\"" Z "\"}", ERR_INSUFFICIENT_BALANCE);
    assert_int_equal(engine_check_invariants(&f->e), 0);
}

static void rescue_from_blacklisted_to_safe_only(void **state) {
    struct fixture *f = *state;
    assert_int_equal(run(f, "{\"op\":\"blacklist.add\",\"address\":\"" X "\"}"), ERR_OK);
    assert_int_equal(run(f, "{\"op\":\"blacklist.add\",\"address\":\"" Z "\"}"), ERR_OK);
    fixture_expect_rejected(f, "alice", "{\"op\":\"rescue\",\"asset\":\"USDW\",\"from\":\"" X "\",\"to\":\"" Z "\",\"amount\":\"1\"}", ERR_BLACKLISTED);
    assert_int_equal(run(f, "{\"op\":\"rescue\",\"asset\":\"USDW\",\"from\":\"" X "\",\"to\":\"" Y "\",\"amount\":\"100\"}"), ERR_OK);
    assert_int_equal(engine_check_invariants(&f->e), 0);
}

static void snapshot_and_rollback_keep_restrictions(void **state) {
    struct fixture *f = *state;
    assert_int_equal(run(f, "{\"op\":\"freeze\",\"address\":\"" X "\",\"asset\":\"USDW\",\"amount\":\"5\"}"), ERR_OK);
    assert_int_equal(run(f, "{\"op\":\"blacklist.add\",\"address\":\"" Z "\"}"), ERR_OK);
    struct fixture *g = fixture_from_snapshot(f, NULL);
    assert_int_equal(g->e.s.restricted_count, 2);
    fixture_close(g);
    struct hash h1, h2;
    engine_state_hash(&f->e, &h1);
    fixture_begin(f, T0, 4);
    assert_int_equal(engine_savepoint(&f->e), ERR_OK);
    assert_int_equal(run(f, "{\"op\":\"blacklist.remove\",\"address\":\"" Z "\"}"), ERR_OK);
    engine_rollback(&f->e);
    engine_state_hash(&f->e, &h2);
    assert_memory_equal(h1.bytes, h2.bytes, HASH_BYTES);
}

int main(void) {
#define R(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        R(blacklist_checked_before_freeze_and_balance),
        R(partial_freeze_limits_transfers_and_follows_burns),
        R(forced_transfer_unfreezes_the_shortfall),
        R(recover_moves_balance_and_freeze),
        R(rescue_from_blacklisted_to_safe_only),
        R(snapshot_and_rollback_keep_restrictions),
    };
#undef R
    return cmocka_run_group_tests(tests, NULL, NULL);
}
