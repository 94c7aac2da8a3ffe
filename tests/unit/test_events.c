/*
 * test_events.c - issue 13 item 13 in the engine: every event carries the
 * seq of the command that emitted it (command_seq, also in its JSON), the
 * events of approvals, releases and their failures carry the asset of the
 * command they are about, and a journal written before (those events
 * without an asset) still matches what replay emits (event_journal_match).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/base/jw.h"
#include "../../src/engine/engine.h"
#include "../support/engine_fixture.h"

#define T0 (INT64_C(1790000000) * 1000000000)
#define J_APPROVE "{\"op\":\"approve\",\"id\":%llu}"
#define J_CANCEL "{\"op\":\"cancel\",\"id\":%llu}"

static int setup(void **state) {
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "alice", "admin,minter,pauser,treasury_manager");
    fixture_genesis_add_operator(doc, "bob", "minter,pauser");
    fixture_genesis_add_asset(doc, "USDW", "plain", "6");
    fixture_genesis_add_asset(doc, "EQ", "security", "0"); /* mint: two approvals (SPEC 4) */
    *state = fixture_open(doc, T0);
    json_decref(doc);
    return 0;
}

static int teardown(void **state) {
    fixture_close(*state);
    return 0;
}

/* Every event of the last command carries its seq. */
static void assert_command_seq(const struct fixture *f) {
    assert_true(f->events.count > 0);
    for (uint32_t i = 0; i < f->events.count; i++) {
        assert_int_equal(f->events.items[i].command_seq, f->result.seq);
    }
}

static uint64_t propose_mint_eq(struct fixture *f, const char *to) {
    assert_int_equal(fixture_mint(f, "alice", "EQ", to, "5"), ERR_OK);
    assert_int_equal(f->result.pending, APPLY_PROPOSED);
    assert_int_equal(f->events.items[0].type, EVENT_PROPOSAL_CREATED);
    assert_int_equal(f->events.items[0].asset, fixture_asset(f, "EQ"));
    return f->result.pending_id;
}

static void approve_release_events_carry_asset_and_seq(void **state) {
    struct fixture *f = *state;
    uint32_t eq = fixture_asset(f, "EQ");
    uint64_t id = propose_mint_eq(f, ADDR_1);
    assert_int_equal(fixture_applyf(f, "bob", J_APPROVE, (unsigned long long)id),
                     ERR_OK);
    assert_command_seq(f);
    assert_int_equal(f->events.items[0].type, EVENT_PROPOSAL_APPROVED);
    assert_int_equal(f->events.items[0].asset, eq);
    /* ADDR_1 holds no identity (EQ is a security): the release fails,
     * and its ProposalFailed names EQ too */
    assert_int_equal(f->result.ran_err, ERR_NOT_WHITELISTED);
    assert_int_equal(f->events.count, 2);
    assert_int_equal(f->events.items[1].type, EVENT_PROPOSAL_FAILED);
    assert_int_equal(f->events.items[1].asset, eq);
}

static void cancel_carries_asset(void **state) {
    struct fixture *f = *state;
    uint64_t id = propose_mint_eq(f, ADDR_2);
    assert_int_equal(fixture_applyf(f, "alice", J_CANCEL, (unsigned long long)id),
                     ERR_OK);
    assert_command_seq(f);
    assert_int_equal(f->events.count, 1);
    assert_int_equal(f->events.items[0].type, EVENT_PROPOSAL_CANCELLED);
    assert_int_equal(f->events.items[0].asset, fixture_asset(f, "EQ"));
}

static void global_release_carries_no_asset(void **state) {
    struct fixture *f = *state;
    assert_int_equal(fixture_pause(f, "alice", NULL), ERR_OK);
    assert_int_equal(fixture_unpause(f, "alice", NULL), ERR_OK);
    uint64_t id = f->result.pending_id;
    assert_int_equal(fixture_applyf(f, "bob", J_APPROVE, (unsigned long long)id),
                     ERR_OK);
    assert_command_seq(f);
    assert_int_equal(f->events.count, 3); /* approved, executed, unpaused */
    assert_int_equal(f->events.items[0].asset, EVENT_NO_ASSET);
    assert_int_equal(f->events.items[1].type, EVENT_PROPOSAL_EXECUTED);
    assert_int_equal(f->events.items[1].asset, EVENT_NO_ASSET);
}

static void timelock_execute_and_cancel_carry_asset(void **state) {
    struct fixture *f = *state;
    uint32_t usdw = fixture_asset(f, "USDW");
    const char *caps = "{\"op\":\"caps.set\",\"asset\":\"USDW\",\"supply_cap\":\"1000\"}";
    assert_int_equal(fixture_apply(f, "alice", caps), ERR_OK);
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    uint64_t first = f->result.pending_id;
    assert_int_equal(fixture_apply(f, "alice", caps), ERR_OK);
    uint64_t second = f->result.pending_id;
    assert_int_equal(fixture_applyf(f, "alice", "{\"op\":\"timelock.cancel\",\"id\":%llu}",
                                    (unsigned long long)second),
                     ERR_OK);
    assert_command_seq(f);
    assert_int_equal(f->events.items[0].type, EVENT_TIMELOCK_CANCELLED);
    assert_int_equal(f->events.items[0].asset, usdw);
    fixture_seal(f, NULL);
    fixture_begin(f, T0 + INT64_C(25) * 3600 * 1000000000, 4);
    assert_int_equal(fixture_applyf(f, "alice", "{\"op\":\"timelock.execute\",\"id\":%llu}",
                                    (unsigned long long)first),
                     ERR_OK);
    assert_command_seq(f);
    assert_int_equal(f->events.count, 2);
    assert_int_equal(f->events.items[0].type, EVENT_TIMELOCK_EXECUTED);
    assert_int_equal(f->events.items[0].asset, usdw);
    assert_int_equal(f->events.items[1].type, EVENT_CAPS_SET);
}

/* The events of an approval that released an unpause of USDW, encoded. */
static void release_events(struct fixture *f, struct event out[3], struct buf *enc) {
    assert_int_equal(fixture_unpause(f, "alice", "USDW"), ERR_OK);
    assert_int_equal(fixture_pause(f, "alice", "USDW"), ERR_OK);
    assert_int_equal(fixture_unpause(f, "alice", "USDW"), ERR_OK);
    uint64_t id = f->result.pending_id;
    assert_int_equal(fixture_applyf(f, "bob", J_APPROVE, (unsigned long long)id),
                     ERR_OK);
    assert_int_equal(f->events.count, 3);
    memcpy(out, f->events.items, 3 * sizeof(*out));
    assert_int_equal(out[0].asset, fixture_asset(f, "USDW"));
    buf_init(enc);
    for (unsigned i = 0; i < 3; i++) event_encode(&out[i], enc);
    assert_true(buf_ok(enc));
}

static void journal_match_exact_and_legacy(void **state) {
    struct fixture *f = *state;
    struct event evs[3];
    struct buf enc;
    release_events(f, evs, &enc);
    assert_true(event_journal_match(evs, 3, enc.data, enc.len));
    /* as journaled before issue 13: approved and executed without an asset */
    struct event old[3];
    memcpy(old, evs, sizeof(old));
    old[0].asset = EVENT_NO_ASSET;
    old[1].asset = EVENT_NO_ASSET;
    struct buf legacy;
    buf_init(&legacy);
    for (unsigned i = 0; i < 3; i++) event_encode(&old[i], &legacy);
    assert_true(event_journal_match(evs, 3, legacy.data, legacy.len));
    buf_free(&legacy);
    buf_free(&enc);
}

static void journal_match_refuses_other_differences(void **state) {
    struct fixture *f = *state;
    struct event evs[3];
    struct buf enc;
    release_events(f, evs, &enc);
    struct event bad[3];
    struct buf b;
    /* another asset on a governance event */
    memcpy(bad, evs, sizeof(bad));
    bad[0].asset = (uint16_t)(evs[0].asset + 1);
    buf_init(&b);
    for (unsigned i = 0; i < 3; i++) event_encode(&bad[i], &b);
    assert_false(event_journal_match(evs, 3, b.data, b.len));
    buf_free(&b);
    /* no asset on an event that always had one (the Unpaused of USDW) */
    memcpy(bad, evs, sizeof(bad));
    bad[2].asset = EVENT_NO_ASSET;
    buf_init(&b);
    for (unsigned i = 0; i < 3; i++) event_encode(&bad[i], &b);
    assert_false(event_journal_match(evs, 3, b.data, b.len));
    buf_free(&b);
    /* legacy asset, but another field differs too */
    memcpy(bad, evs, sizeof(bad));
    bad[0].asset = EVENT_NO_ASSET;
    bad[0].flags++;
    buf_init(&b);
    for (unsigned i = 0; i < 3; i++) event_encode(&bad[i], &b);
    assert_false(event_journal_match(evs, 3, b.data, b.len));
    buf_free(&b);
    /* cut short, one byte more, one event fewer */
    assert_false(event_journal_match(evs, 3, enc.data, enc.len - 1));
    assert_false(event_journal_match(evs, 2, enc.data, enc.len));
    buf_put_u8(&enc, 0);
    assert_false(event_journal_match(evs, 3, enc.data, enc.len));
    assert_true(event_journal_match(evs, 0, enc.data, 0));
    buf_free(&enc);
}

static void legacy_types_are_the_governance_releases(void **state) {
    (void)state;
    assert_true(event_legacy_no_asset(EVENT_PROPOSAL_APPROVED));
    assert_true(event_legacy_no_asset(EVENT_TIMELOCK_EXPEDITED));
    assert_false(event_legacy_no_asset(EVENT_PROPOSAL_CREATED)); /* carried its asset already */
    assert_false(event_legacy_no_asset(EVENT_TIMELOCK_SCHEDULED));
    assert_false(event_legacy_no_asset(EVENT_MINT));
    assert_false(event_legacy_no_asset(EVENT__COUNT));
}

static void json_carries_command_seq(void **state) {
    struct fixture *f = *state;
    /* a refusal consumes a command seq and emits nothing: the numbers part */
    const char *caps = "{\"op\":\"caps.set\",\"asset\":\"USDW\",\"supply_cap\":\"1\"}";
    fixture_expect_rejected(f, "bob", caps, ERR_UNAUTHORIZED);
    assert_int_equal(fixture_mint(f, "alice", "USDW", ADDR_1, "2"), ERR_OK);
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    event_write_json(&f->e, &f->events.items[0], 7, "alice", &w);
    buf_put_u8(&b, 0);
    char want[64];
    snprintf(want, sizeof(want), "\"seq\":%llu,\"command_seq\":%llu,\"block\":7,",
             (unsigned long long)f->events.items[0].seq, (unsigned long long)f->result.seq);
    assert_non_null(strstr((const char *)b.data, want));
    assert_true(f->events.items[0].seq != f->result.seq); /* two numbers, not one */
    buf_free(&b);
}

#define E(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        E(approve_release_events_carry_asset_and_seq),
        E(cancel_carries_asset),
        E(global_release_carries_no_asset),
        E(timelock_execute_and_cancel_carry_asset),
        E(journal_match_exact_and_legacy),
        E(journal_match_refuses_other_differences),
        E(legacy_types_are_the_governance_releases),
        E(json_carries_command_seq),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
