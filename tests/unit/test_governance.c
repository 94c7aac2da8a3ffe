/*
 * test_governance.c - policies, proposals and the timelock in the engine.
 *
 * The genesis here keeps SPEC 4's defaults (no single-approval overrides),
 * so unpause needs two pausers and caps.set waits 24 hours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/base/hex.h"
#include "../../src/engine/engine.h"
#include "../support/engine_fixture.h"

#define T0 (INT64_C(1790000000) * 1000000000)
#define HOUR (INT64_C(3600) * 1000000000)
#define ADDR_1 "0x1111111111111111111111111111111111111111"

static int setup(void **state) {
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "alice", "admin,minter,pauser,treasury_manager,compliance");
    fixture_genesis_add_operator(doc, "bob", "pauser");
    fixture_genesis_add_operator(doc, "carol", "viewer");
    fixture_genesis_add_operator(doc, "dave", "pauser@EQ,minter@EQ");
    json_t *usdw = fixture_genesis_add_asset(doc, "USDW", "fiat", "6");
    json_object_set_new(usdw, "daily_mint_limit", json_string("1000"));
    fixture_genesis_add_asset(doc, "EQ", "security", "0");
    *state = fixture_open(doc, T0);
    json_decref(doc);
    return 0;
}

static int teardown(void **state) {
    fixture_close(*state);
    return 0;
}

static void policy_defaults_follow_spec_table(void **state) {
    struct fixture *f = *state;
    uint32_t k;
    int64_t d;
    engine_policy(&f->e, OP_PAUSE, -1, &k, &d);
    assert_true(k == 1 && d == 0);
    engine_policy(&f->e, OP_UNPAUSE, 0, &k, &d);
    assert_true(k == 2 && d == 0);
    engine_policy(&f->e, OP_MINT, 0, &k, &d);
    assert_true(k == 1 && d == 0);
    engine_policy(&f->e, OP_MINT, 1, &k, &d); /* EQ is a security */
    assert_true(k == 2 && d == 0);
    engine_policy(&f->e, OP_CAPS_SET, 0, &k, &d);
    assert_true(k == 1 && d == 24 * HOUR);
    engine_policy(&f->e, OP_POLICY_SET, -1, &k, &d);
    assert_true(k == 1 && d == 24 * HOUR);
}

static void unpause_needs_a_second_distinct_pauser(void **state) {
    struct fixture *f = *state;
    assert_int_equal(fixture_pause(f, "alice", NULL), ERR_OK);
    assert_int_equal(fixture_unpause(f, "alice", NULL), ERR_OK);
    assert_int_equal(f->result.pending, APPLY_PROPOSED);
    uint64_t id = f->result.pending_id;
    assert_true(f->e.s.paused);
    char json[64];
    snprintf(json, sizeof(json), "{\"op\":\"approve\",\"id\":\"%llu\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "alice", json, ERR_SAME_OPERATOR);
    fixture_expect_rejected(f, "carol", json, ERR_UNAUTHORIZED);
    assert_int_equal(fixture_apply(f, "bob", json), ERR_OK);
    assert_int_equal(f->result.ran_id, id);
    assert_int_equal(f->result.ran_err, ERR_OK);
    assert_false(f->e.s.paused);
    assert_int_equal(f->e.s.proposals_count, 0);
    assert_int_equal(f->events.count, 3); /* approved, executed, unpaused */
}

static void proposal_expires_after_ttl(void **state) {
    struct fixture *f = *state;
    assert_int_equal(fixture_pause(f, "alice", "USDW"), ERR_OK);
    assert_int_equal(fixture_unpause(f, "alice", "USDW"), ERR_OK);
    uint64_t id = f->result.pending_id;
    fixture_seal(f, NULL);
    fixture_begin(f, T0 + 25 * HOUR, 4);
    char json[64];
    snprintf(json, sizeof(json), "{\"op\":\"approve\",\"id\":%llu}", (unsigned long long)id);
    fixture_expect_rejected(f, "bob", json, ERR_PROPOSAL_EXPIRED);
    fixture_expect_rejected(f, "bob", "{\"op\":\"approve\",\"id\":999}", ERR_NOT_FOUND);
}

static void security_mint_waits_for_two_minters(void **state) {
    struct fixture *f = *state;
    assert_int_equal(fixture_apply(f, "alice",
                                   "{\"op\":\"identity.register\",\"address\":\"" ADDR_1
                                   "\",\"country\":\"GB\"}"),
                     ERR_OK);
    assert_int_equal(fixture_apply(f, "alice",
                                   "{\"op\":\"claim.set\",\"address\":\"" ADDR_1
                                   "\",\"topic\":\"kyc\",\"expires\":\"2099-01-01\"}"),
                     ERR_OK);
    assert_int_equal(fixture_mint(f, "dave", "EQ", ADDR_1, "5"), ERR_OK);
    assert_int_equal(f->result.pending, APPLY_PROPOSED);
    assert_int_equal(f->e.s.assets[1].supply, 0);
    char json[64];
    snprintf(json, sizeof(json), "{\"op\":\"approve\",\"id\":%llu}",
             (unsigned long long)f->result.pending_id);
    assert_int_equal(fixture_apply(f, "alice", json), ERR_OK);
    assert_int_equal(f->result.ran_err, ERR_OK);
    assert_true(f->e.s.assets[1].supply == 5);
}

static void timelock_not_ready_then_due_then_expired(void **state) {
    struct fixture *f = *state;
    const char *caps = "{\"op\":\"caps.set\",\"asset\":\"USDW\",\"daily_mint_limit\":\"10\"}";
    assert_int_equal(fixture_apply(f, "alice", caps), ERR_OK);
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    assert_true(f->result.eta_ns == T0 + 24 * HOUR);
    uint64_t first = f->result.pending_id;
    assert_int_equal(fixture_apply(f, "alice", caps), ERR_OK);
    uint64_t second = f->result.pending_id;
    char json[64];
    snprintf(json, sizeof(json), "{\"op\":\"timelock.execute\",\"id\":%llu}", (unsigned long long)first);
    fixture_expect_rejected(f, "alice", json, ERR_TIMELOCK_NOT_READY);
    fixture_seal(f, NULL);
    fixture_begin(f, T0 + 24 * HOUR, 4);
    fixture_expect_rejected(f, "bob", json, ERR_UNAUTHORIZED); /* not a treasury manager */
    assert_int_equal(fixture_apply(f, "alice", json), ERR_OK);
    assert_int_equal(f->result.ran_err, ERR_OK);
    assert_true(f->e.s.assets[0].daily_mint_limit == 10 * 1000000);
    fixture_seal(f, NULL);
    fixture_begin(f, T0 + (24 + 14 * 24) * HOUR + 1, 4);
    snprintf(json, sizeof(json), "{\"op\":\"timelock.execute\",\"id\":%llu}", (unsigned long long)second);
    fixture_expect_rejected(f, "alice", json, ERR_TIMELOCK_EXPIRED);
}

static void released_command_that_fails_closes_and_says_why(void **state) {
    struct fixture *f = *state;
    /* A grant to no operator is refused when submitted (issue 13 item 5);
     * one whose operator's addition waits is scheduled, and fails when it
     * runs if the addition was cancelled meanwhile. */
    fixture_expect_rejected(f, "alice", "{\"op\":\"role.grant\",\"name\":\"zed\",\"role\":\"pauser\"}",
                            ERR_NOT_FOUND);
    char pk[65], add[160];
    fixture_pubkey_hex(91, pk);
    snprintf(add, sizeof(add), "{\"op\":\"operator.add\",\"name\":\"zed\",\"pubkey\":\"%s\"}", pk);
    assert_int_equal(fixture_apply(f, "alice", add), ERR_OK);
    uint64_t add_id = f->result.pending_id;
    assert_int_equal(fixture_apply(f, "alice", "{\"op\":\"role.grant\",\"name\":\"zed\",\"role\":\"pauser\"}"),
                     ERR_OK);
    uint64_t id = f->result.pending_id;
    char cancel[64];
    snprintf(cancel, sizeof(cancel), "{\"op\":\"timelock.cancel\",\"id\":%llu}", (unsigned long long)add_id);
    assert_int_equal(fixture_apply(f, "alice", cancel), ERR_OK);
    fixture_seal(f, NULL);
    fixture_begin(f, T0 + 24 * HOUR, 4);
    char json[64];
    snprintf(json, sizeof(json), "{\"op\":\"timelock.execute\",\"id\":%llu}", (unsigned long long)id);
    assert_int_equal(fixture_apply(f, "alice", json), ERR_OK);
    assert_int_equal(f->result.ran_err, ERR_NOT_FOUND);
    assert_int_equal(f->e.s.timelock_count, 0);
    assert_int_equal(f->events.count, 1);
    assert_int_equal(f->events.items[0].type, EVENT_TIMELOCK_FAILED);
}

static void snapshot_carries_proposals_timelock_and_policies(void **state) {
    struct fixture *f = *state;
    assert_int_equal(fixture_unpause(f, "alice", NULL), ERR_OK);
    assert_int_equal(fixture_apply(f, "alice", "{\"op\":\"policy.set\",\"target_op\":\"pause\",\"approvals\":2}"),
                     ERR_OK);
    struct fixture *g = fixture_from_snapshot(f, NULL);
    assert_int_equal(g->e.s.proposals_count, 1);
    assert_int_equal(g->e.s.timelock_count, 1);
    assert_memory_equal(&g->e.s.timelock[0].cmd, &f->e.s.timelock[0].cmd, sizeof(struct command));
    fixture_close(g);
}

static void rollback_restores_governance_tables(void **state) {
    struct fixture *f = *state;
    fixture_begin(f, T0, 4);
    struct hash before, after;
    engine_state_hash(&f->e, &before);
    assert_int_equal(engine_savepoint(&f->e), ERR_OK);
    assert_int_equal(fixture_unpause(f, "alice", NULL), ERR_OK);
    assert_int_equal(f->e.s.proposals_count, 1);
    engine_rollback(&f->e);
    engine_state_hash(&f->e, &after);
    assert_memory_equal(before.bytes, after.bytes, HASH_BYTES);
    assert_int_equal(f->e.s.proposals_count, 0);
}

/* ---- one public key, one operator (issue 8 item 9) ------------------- */

static void key_of(const struct fixture *f, const char *name, char out[65]) {
    int i = engine_operator_find(&f->e, name, strlen(name));
    assert_true(i >= 0);
    hex_encode(f->e.s.operators[i].pubkey, 32, out);
}

static uint64_t schedule(struct fixture *f, const char *op, const char *name, const char *key) {
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"%s\",\"name\":\"%s\",\"pubkey\":\"%s\"}", op, name, key));
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    return f->result.pending_id;
}

static void execute(struct fixture *f, uint64_t id) {
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"timelock.execute\",\"id\":%llu}", (unsigned long long)id));
}

/* Refused when submitted, not a day later: nothing is scheduled. */
static void operator_add_key_of_another_operator_key_in_use(void **state) {
    struct fixture *f = *state;
    char bob[65], json[192];
    key_of(f, "bob", bob);
    snprintf(json, sizeof(json), "{\"op\":\"operator.add\",\"name\":\"frank\",\"pubkey\":\"%s\"}", bob);
    fixture_expect_rejected(f, "alice", json, ERR_KEY_IN_USE);
    assert_int_equal(f->e.s.timelock_count, 0);
    /* Upper-case hex is the same key. */
    for (char *p = bob; *p; p++) {
        if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 'a' + 'A');
    }
    snprintf(json, sizeof(json), "{\"op\":\"operator.add\",\"name\":\"frank\",\"pubkey\":\"%s\"}", bob);
    fixture_expect_rejected(f, "alice", json, ERR_KEY_IN_USE);
}

static void operator_rotate_key_to_key_of_another_operator_key_in_use(void **state) {
    struct fixture *f = *state;
    char carol[65], json[192];
    key_of(f, "carol", carol);
    snprintf(json, sizeof(json), "{\"op\":\"operator.rotate_key\",\"name\":\"bob\",\"pubkey\":\"%s\"}",
             carol);
    fixture_expect_rejected(f, "alice", json, ERR_KEY_IN_USE);
    assert_int_equal(f->e.s.timelock_count, 0);
}

/* Two entries that were each fine when scheduled: the second to execute
 * finds the key taken and fails, changing nothing. */
static void operator_key_taken_while_scheduled_fails_at_execution(void **state) {
    struct fixture *f = *state;
    char fresh[65], bob_before[65], bob_after[65];
    fixture_pubkey_hex(50, fresh);
    key_of(f, "bob", bob_before);
    uint64_t add = schedule(f, "operator.add", "frank", fresh);
    uint64_t rotate = schedule(f, "operator.rotate_key", "bob", fresh);
    uint64_t add_again = schedule(f, "operator.add", "gina", fresh);
    fixture_seal(f, NULL);
    fixture_begin(f, T0 + 24 * HOUR, 8);
    execute(f, add);
    assert_int_equal(f->result.ran_err, ERR_OK);
    assert_true(engine_operator_find(&f->e, "frank", 5) >= 0);
    execute(f, rotate);
    assert_int_equal(f->result.ran_err, ERR_KEY_IN_USE);
    assert_int_equal(f->events.count, 1);
    assert_int_equal(f->events.items[0].type, EVENT_TIMELOCK_FAILED);
    assert_int_equal(f->events.items[0].code, ERR_KEY_IN_USE);
    key_of(f, "bob", bob_after);
    assert_string_equal(bob_after, bob_before);
    execute(f, add_again);
    assert_int_equal(f->result.ran_err, ERR_KEY_IN_USE);
    assert_true(engine_operator_find(&f->e, "gina", 4) < 0);
}

/* Decision: operator remove clears the key, so a removed operator's key may
 * be registered again (docs/DECISIONS.md, "One key, one operator"). */
static void operator_add_key_of_removed_operator_accepted(void **state) {
    struct fixture *f = *state;
    char dave[65];
    key_of(f, "dave", dave);
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"operator.remove\",\"name\":\"dave\"}"));
    uint64_t remove = f->result.pending_id;
    fixture_seal(f, NULL);
    fixture_begin(f, T0 + 24 * HOUR, 8);
    execute(f, remove);
    assert_int_equal(f->result.ran_err, ERR_OK);
    uint64_t add = schedule(f, "operator.add", "frank", dave);
    fixture_seal(f, NULL);
    fixture_begin(f, T0 + 48 * HOUR, 8);
    execute(f, add);
    assert_int_equal(f->result.ran_err, ERR_OK);
    char frank[65];
    key_of(f, "frank", frank);
    assert_string_equal(frank, dave);
}

/* With approvals and a delay, the last approval checks the key before
 * scheduling: a proposal that could only fail a day later closes now. */
static void operator_add_proposal_key_taken_closes_failed_at_last_approval(void **state) {
    (void)state;
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "alice", "admin");
    fixture_genesis_add_operator(doc, "erin", "admin");
    fixture_genesis_add_asset(doc, "USDW", "fiat", "6");
    json_object_set_new(doc, "policies",
                        json_pack("[{s:s, s:s, s:s}]", "op", "operator.add", "approvals", "2", "timelock", "1h"));
    struct fixture *f = fixture_open(doc, T0);
    json_decref(doc);
    char fresh[65];
    fixture_pubkey_hex(60, fresh);
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"operator.add\",\"name\":\"frank\",\"pubkey\":\"%s\"}", fresh));
    uint64_t p1 = f->result.pending_id;
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"operator.add\",\"name\":\"gina\",\"pubkey\":\"%s\"}", fresh));
    uint64_t p2 = f->result.pending_id;
    assert_ok(fixture_applyf(f, "erin", "{\"op\":\"approve\",\"id\":%llu}", (unsigned long long)p1));
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    uint64_t entry = f->result.pending_id;
    fixture_seal(f, NULL);
    fixture_begin(f, T0 + HOUR, 8);
    execute(f, entry);
    assert_int_equal(f->result.ran_err, ERR_OK);
    assert_ok(fixture_applyf(f, "erin", "{\"op\":\"approve\",\"id\":%llu}", (unsigned long long)p2));
    assert_int_equal(f->result.ran_id, p2);
    assert_int_equal(f->result.ran_err, ERR_KEY_IN_USE);
    assert_int_equal(f->e.s.timelock_count, 0);
    assert_int_equal(f->e.s.proposals_count, 0);
    assert_int_equal(f->events.items[f->events.count - 1].type, EVENT_PROPOSAL_FAILED);
    assert_int_equal(f->events.items[f->events.count - 1].code, ERR_KEY_IN_USE);
    fixture_close(f);
}

/* A proposal made after many have expired: the events it emits and the
 * state it leaves depend on the ledger alone, not on how much room the
 * caller's event buffer has (the live node's buffer is sized by the
 * largest block it has seen, replay's and audit's by theirs). Found by
 * the fault-injection simulator (seed 1065): a node restarted from a
 * snapshot swept fewer expired proposals than audit's replay did. */
static void proposal_sweep_buffer_room_same_events_and_state(void **state) {
    struct fixture *f = *state;
    assert_int_equal(fixture_pause(f, "alice", "USDW"), ERR_OK);
    for (int i = 0; i < 20; i++) assert_int_equal(fixture_unpause(f, "alice", "USDW"), ERR_OK);
    assert_int_equal(f->e.s.proposals_count, 20);
    struct fixture *g = fixture_from_snapshot(f, NULL);
    struct command cmd;
    assert_int_equal(fixture_decode(f, "{\"op\":\"unpause\",\"asset\":\"USDW\"}", &cmd), ERR_OK);
    cmd.operator_index = 0; /* alice */
    fixture_begin(f, T0 + 25 * HOUR, 4);
    fixture_begin(g, T0 + 25 * HOUR, 4);
    struct event small_items[16];
    struct event_buf small = {small_items, 0, 16}; /* a buffer with little room */
    struct apply_result ar;
    assert_int_equal(fixture_apply_cmd(f, &cmd), ERR_OK); /* the fixture's larger one */
    assert_int_equal(engine_apply(&g->e, &cmd, &small, &ar), ERR_OK);
    assert_int_equal(f->events.count, small.count);
    assert_true(small.count <= LIMIT_EVENTS_PER_COMMAND);
    struct hash hf;
    struct hash hg;
    fixture_seal(f, &hf);
    fixture_seal(g, &hg);
    assert_hash_equal(&hf, &hg);
    fixture_close(g);
}

/* A dry run the way the node makes one: savepoint, engine_apply_dry,
 * rollback (the state hash must come back). Returns the result; types and
 * *count get its events' types, ar what engine_apply_dry reported. */
static enum err dry(struct fixture *f, const char *name, const char *json, uint32_t *types,
                    uint32_t *count, struct apply_result *ar) {
    struct command cmd;
    assert_int_equal(fixture_decode(f, json, &cmd), ERR_OK);
    cmd.operator_index = (uint32_t)engine_operator_find(&f->e, name, strlen(name));
    if (!f->in_block) fixture_begin(f, f->e.s.time_ns, 16);
    char before[HASH_HEX_SIZE], after[HASH_HEX_SIZE];
    fixture_state_hex(f, before);
    assert_int_equal(engine_savepoint(&f->e), ERR_OK);
    f->events.count = 0;
    enum err err = engine_apply_dry(&f->e, &cmd, &f->events, ar);
    *count = f->events.count;
    for (uint32_t i = 0; i < f->events.count; i++) types[i] = f->events.items[i].type;
    engine_rollback(&f->e);
    fixture_state_hex(f, after);
    assert_string_equal(before, after);
    return err;
}

static void dry_run_of_governed_command_runs_it_as_released(void **state) {
    struct fixture *f = *state;
    uint32_t types[FIXTURE_EVENTS_CAP];
    uint32_t n;
    struct apply_result ar;
    const char *mint = "{\"op\":\"mint\",\"asset\":\"EQ\",\"to\":\"" ADDR_1 "\",\"amount\":\"5\"}";
    /* the mint's own check refuses it: no identity (engine_apply alone answered a proposal) */
    assert_int_equal(dry(f, "dave", mint, types, &n, &ar), ERR_NOT_WHITELISTED);
    assert_int_equal(n, 0);
    assert_int_equal(fixture_apply(f, "alice",
                                   "{\"op\":\"identity.register\",\"address\":\"" ADDR_1
                                   "\",\"country\":\"GB\"}"),
                     ERR_OK);
    assert_int_equal(fixture_apply(f, "alice",
                                   "{\"op\":\"claim.set\",\"address\":\"" ADDR_1
                                   "\",\"topic\":\"kyc\",\"expires\":\"2099-01-01\"}"),
                     ERR_OK);
    /* passes: the Mint it would emit, and the proposal it would become */
    assert_int_equal(dry(f, "dave", mint, types, &n, &ar), ERR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(types[0], EVENT_MINT);
    assert_int_equal(ar.pending, APPLY_PROPOSED);
    assert_int_equal(ar.pending_id, f->e.s.next_proposal_id + 1);
    assert_int_equal(f->e.s.proposals_count, 0);
    /* the role is still the submitter's: a viewer's dry run is refused */
    assert_int_equal(dry(f, "carol", mint, types, &n, &ar), ERR_UNAUTHORIZED);
    /* a timelocked command: its own event and the entry it would be */
    const char *caps = "{\"op\":\"caps.set\",\"asset\":\"USDW\",\"daily_mint_limit\":\"10\"}";
    assert_int_equal(dry(f, "alice", caps, types, &n, &ar), ERR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(types[0], EVENT_CAPS_SET);
    assert_int_equal(ar.pending, APPLY_SCHEDULED);
    assert_true(ar.eta_ns == f->e.s.time_ns + 24 * HOUR);
    assert_int_equal(f->e.s.timelock_count, 0);
    /* an ungoverned command: as engine_apply */
    assert_int_equal(dry(f, "alice", "{\"op\":\"pause\"}", types, &n, &ar), ERR_OK);
    assert_int_equal(ar.pending, APPLY_DONE);
    assert_int_equal(types[0], EVENT_PAUSED);
    /* a 2-approval freeze beyond the balance: the release's refusal, with
     * the figures, and no proposal (issue 13: it used to answer one) */
    const char *freeze = "{\"op\":\"freeze\",\"address\":\"" ADDR_1 "\",\"asset\":\"USDW\",\"amount\":\"5\"}";
    uint32_t proposals = f->e.s.proposals_count;
    assert_int_equal(dry(f, "alice", freeze, types, &n, &ar), ERR_INVALID_AMOUNT);
    assert_int_equal(n, 0);
    assert_string_equal(ar.detail, "freezing 5 more would freeze more than the balance (0 frozen of 0)");
    assert_int_equal(f->e.s.proposals_count, proposals);
}

int main(void) {
#define G(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        G(policy_defaults_follow_spec_table),
        G(unpause_needs_a_second_distinct_pauser),
        G(proposal_expires_after_ttl),
        G(security_mint_waits_for_two_minters),
        G(timelock_not_ready_then_due_then_expired),
        G(released_command_that_fails_closes_and_says_why),
        G(snapshot_carries_proposals_timelock_and_policies),
        G(rollback_restores_governance_tables),
        G(operator_add_key_of_another_operator_key_in_use),
        G(operator_rotate_key_to_key_of_another_operator_key_in_use),
        G(operator_key_taken_while_scheduled_fails_at_execution),
        G(operator_add_key_of_removed_operator_accepted),
        cmocka_unit_test(operator_add_proposal_key_taken_closes_failed_at_last_approval),
        G(proposal_sweep_buffer_room_same_events_and_state),
        G(dry_run_of_governed_command_runs_it_as_released),
    };
#undef G
    return cmocka_run_group_tests(tests, NULL, NULL);
}
