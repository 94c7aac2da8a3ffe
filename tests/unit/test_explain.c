/*
 * test_explain.c - the detail of a refusal (engine/explain.h, issue 13
 * items 4 and 5): what it says for each code, that it is written only on
 * the refusal path, that decode errors quote the value given, and that a
 * governed command naming no operator is refused when submitted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/engine/engine.h"
#include "../../src/engine/explain.h"
#include "../support/engine_fixture.h"

/* noon (UTC) of the day holding unix second 1790000000 */
#define SEC (INT64_C(1000000000))
#define T0 ((INT64_C(1790000000) - INT64_C(1790000000) % 86400 + 43200) * SEC)
#define ADDR_1 "0x1111111111111111111111111111111111111111"
#define ADDR_2 "0x2222222222222222222222222222222222222222"

static int setup(void **state) {
    json_t *doc = fixture_genesis_default();
    json_t *fund = fixture_genesis_add_asset(doc, "FUND", "fund", "2");
    json_object_set_new(fund, "nav_max_age", json_string("4h"));
    json_object_set_new(fund, "nav_max_deviation", json_string("10%"));
    json_t *res = fixture_genesis_add_asset(doc, "RES", "fiat", "2");
    json_object_set_new(res, "reserve_quorum", json_integer(2));
    json_t *lim = fixture_genesis_add_asset(doc, "LIM", "plain", "2");
    json_object_set_new(lim, "supply_cap", json_string("1000000"));
    json_object_set_new(lim, "daily_mint_limit", json_string("500000"));
    json_object_set_new(lim, "daily_inflow_limit", json_string("400000"));
    *state = fixture_open(doc, T0);
    json_decref(doc);
    return 0;
}

static int teardown(void **state) {
    fixture_close(*state);
    return 0;
}

#define HAS(f, text) assert_non_null(strstr((f)->result.detail, (text)))

static void formats(void **state) {
    (void)state;
    char p[24], a[32];
    explain_percent(125000, p);
    assert_string_equal(p, "12.5%");
    explain_percent(100000, p);
    assert_string_equal(p, "10%");
    explain_percent(1, p);
    assert_string_equal(p, "0.0001%");
    explain_age(INT64_C(18000) * 1000000000 + 7, a);
    assert_string_equal(a, "5h 0m");
    explain_age(INT64_C(190) * 1000000000, a);
    assert_string_equal(a, "3m 10s");
    explain_age(-5, a);
    assert_string_equal(a, "0s");
    explain_age(INT64_C(187200) * 1000000000, a);
    assert_string_equal(a, "2d 4h");
}

static void unauthorized_names_role_and_asset(void **state) {
    struct fixture *f = *state;
    assert_int_equal(fixture_mint(f, "carol", "USDW", ADDR_1, "1"), ERR_UNAUTHORIZED);
    HAS(f, "mint USDW needs role minter (global or minter@USDW); carol holds neither");
    assert_int_equal(fixture_mint(f, "dave", "USDW", ADDR_1, "1"), ERR_UNAUTHORIZED);
    HAS(f, "dave holds neither");
    assert_int_equal(fixture_apply(f, "carol", "{\"op\":\"pause\"}"), ERR_UNAUTHORIZED);
    HAS(f, "pause needs role pauser; carol lacks it");
}

static void success_leaves_no_detail(void **state) {
    struct fixture *f = *state;
    assert_int_equal(fixture_mint(f, "carol", "GOLD", ADDR_1, "1"), ERR_UNAUTHORIZED);
    assert_true(f->result.detail[0] != '\0');
    assert_int_equal(fixture_mint(f, "alice", "GOLD", ADDR_1, "1"), ERR_OK);
    assert_string_equal(f->result.detail, "");
}

static void limits_give_used_limit_remaining_and_reset(void **state) {
    struct fixture *f = *state;
    assert_int_equal(fixture_mint(f, "alice", "LIM", ADDR_1, "350000"), ERR_OK);
    /* inflow 400000: 350000 used, 60000 asked */
    assert_int_equal(fixture_mint(f, "alice", "LIM", ADDR_1, "60000"), ERR_DAILY_INFLOW_LIMIT);
    HAS(f, "LIM used 350000 of 400000 today, 50000 remaining, 60000 asked; resets ");
    HAS(f, "T00:00Z (in 12h 0m)");
    /* daily mint 500000: 350000 minted, 200000 asked */
    assert_int_equal(fixture_mint(f, "alice", "LIM", ADDR_1, "200000"), ERR_DAILY_MINT_LIMIT);
    HAS(f, "LIM used 350000 of 500000 today, 150000 remaining, 200000 asked");
    /* a burn of 50000 makes room: net inflow 300000 of 400000, 100000 left */
    assert_int_equal(fixture_burn(f, "alice", "LIM", ADDR_1, "50000"), ERR_OK);
    assert_int_equal(fixture_mint(f, "alice", "LIM", ADDR_1, "100001"), ERR_DAILY_INFLOW_LIMIT);
    HAS(f, "used 300000 of 400000 today, 100000 remaining, 100001 asked");
    assert_int_equal(fixture_mint(f, "alice", "LIM", ADDR_1, "100000"), ERR_OK);
}

static void cap_and_balance(void **state) {
    struct fixture *f = *state;
    assert_int_equal(fixture_mint(f, "alice", "LIM", ADDR_1, "1000001"), ERR_SUPPLY_CAP);
    HAS(f, "LIM supply 0 + 1000001 asked > cap 1000000");
    assert_int_equal(fixture_mint(f, "alice", "GOLD", ADDR_1, "5"), ERR_OK);
    assert_int_equal(fixture_transfer(f, "alice", "GOLD", ADDR_1, ADDR_2, "7.5"), ERR_INSUFFICIENT_BALANCE);
    HAS(f, "GOLD unfrozen 5 (frozen 0), 7.5 asked");
}

static void nav_missing_stale_and_deviation(void **state) {
    struct fixture *f = *state;
    assert_int_equal(fixture_mint(f, "alice", "FUND", ADDR_1, "1"), ERR_NAV_MISSING);
    HAS(f, "FUND has no NAV yet: nav update FUND VALUE first");
    assert_int_equal(fixture_apply(f, "alice", "{\"op\":\"role.grant\",\"name\":\"alice\",\"role\":\"oracle_updater\"}"),
                     ERR_OK);
    assert_int_equal(f->result.pending, APPLY_SCHEDULED); /* role grants wait a day */
    assert_int_equal(fixture_advance(f, "alice", "1d"), ERR_OK);
    char exec[64];
    snprintf(exec, sizeof(exec), "{\"op\":\"timelock.execute\",\"id\":%u}", 1u);
    assert_int_equal(fixture_apply(f, "alice", exec), ERR_OK);
    assert_int_equal(fixture_apply(f, "alice", "{\"op\":\"nav.update\",\"asset\":\"FUND\",\"value\":\"2\"}"), ERR_OK);
    assert_int_equal(fixture_apply(f, "alice", "{\"op\":\"nav.update\",\"asset\":\"FUND\",\"value\":\"2.25\"}"),
                     ERR_NAV_DEVIATION);
    HAS(f, "FUND 2.25 is 12.5% off the current 2 (nav_max_deviation 10%)");
    assert_int_equal(fixture_advance(f, "alice", "5h"), ERR_OK);
    assert_int_equal(fixture_mint(f, "alice", "FUND", ADDR_1, "1"), ERR_NAV_STALE);
    HAS(f, "FUND NAV is 5h 0m old (updated ");
    HAS(f, "nav_max_age 4h 0m");
}

static void reserve_quorum_and_shortfall(void **state) {
    struct fixture *f = *state;
    /* RES is fiat with a quorum of two: no report yet (the shortfall's
     * words are checked by test_error_detail.py, where reporters exist) */
    assert_int_equal(fixture_mint(f, "alice", "RES", ADDR_1, "1"), ERR_QUORUM_NOT_MET);
    HAS(f, "RES has 0 fresh reserve reports of the 2 needed");
}

static void decode_quotes_the_value(void **state) {
    struct fixture *f = *state;
    struct command cmd;
    assert_int_equal(fixture_decode(f, "{\"op\":\"mint\",\"asset\":\"USDX\",\"to\":\"" ADDR_1 "\",\"amount\":\"1\"}", &cmd),
                     ERR_UNKNOWN_ASSET);
    assert_string_equal(f->why, "asset \"USDX\"");
    assert_int_equal(fixture_decode(f, "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"0xzz\",\"amount\":\"1\"}", &cmd),
                     ERR_INVALID_ADDRESS);
    assert_string_equal(f->why, "to \"0xzz\"");
    assert_int_equal(fixture_decode(f, "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" ADDR_1 "\",\"amount\":\"a\\nb\"}", &cmd),
                     ERR_INVALID_AMOUNT);
    assert_string_equal(f->why, "amount \"a?b\"");
    /* a non-canonical amount still says how to write it */
    assert_int_equal(fixture_decode(f, "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" ADDR_1 "\",\"amount\":\"01\"}", &cmd),
                     ERR_INVALID_AMOUNT);
    assert_string_equal(f->why, "amount: write 1 (canonical form)");
}

static void governed_names_checked_when_submitted(void **state) {
    struct fixture *f = *state;
    uint32_t queued = f->e.s.timelock_count;
    assert_int_equal(fixture_apply(f, "alice", "{\"op\":\"role.grant\",\"name\":\"zed\",\"role\":\"minter\"}"),
                     ERR_NOT_FOUND);
    HAS(f, "no operator \"zed\"");
    assert_int_equal(fixture_apply(f, "alice", "{\"op\":\"operator.remove\",\"name\":\"alice\"}"),
                     ERR_INVALID_ARGUMENT);
    HAS(f, "alice is the controller");
    char add[160];
    char pk[65];
    fixture_pubkey_hex(77, pk);
    snprintf(add, sizeof(add), "{\"op\":\"operator.add\",\"name\":\"alice\",\"pubkey\":\"%s\"}", pk);
    assert_int_equal(fixture_apply(f, "alice", add), ERR_ALREADY_EXISTS);
    assert_int_equal(f->e.s.timelock_count, queued); /* nothing scheduled */
    /* a name whose addition waits may be granted a role in the same queue */
    snprintf(add, sizeof(add), "{\"op\":\"operator.add\",\"name\":\"zed\",\"pubkey\":\"%s\"}", pk);
    assert_int_equal(fixture_apply(f, "alice", add), ERR_OK);
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    assert_int_equal(fixture_apply(f, "alice", "{\"op\":\"role.grant\",\"name\":\"zed\",\"role\":\"minter\"}"), ERR_OK);
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    assert_int_equal(f->e.s.timelock_count, queued + 2);
}

static void released_command_carries_its_detail(void **state) {
    struct fixture *f = *state;
    /* carol executes an entry whose op needs admin */
    char add[160], pk[65];
    fixture_pubkey_hex(78, pk);
    snprintf(add, sizeof(add), "{\"op\":\"operator.add\",\"name\":\"erin\",\"pubkey\":\"%s\"}", pk);
    assert_int_equal(fixture_apply(f, "alice", add), ERR_OK);
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    char exec[64];
    snprintf(exec, sizeof(exec), "{\"op\":\"timelock.execute\",\"id\":%llu}",
             (unsigned long long)f->result.pending_id);
    assert_int_equal(fixture_apply(f, "carol", exec), ERR_UNAUTHORIZED);
    HAS(f, "executing operator.add needs role admin; carol lacks it");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(formats),
        cmocka_unit_test_setup_teardown(unauthorized_names_role_and_asset, setup, teardown),
        cmocka_unit_test_setup_teardown(success_leaves_no_detail, setup, teardown),
        cmocka_unit_test_setup_teardown(limits_give_used_limit_remaining_and_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(cap_and_balance, setup, teardown),
        cmocka_unit_test_setup_teardown(nav_missing_stale_and_deviation, setup, teardown),
        cmocka_unit_test_setup_teardown(reserve_quorum_and_shortfall, setup, teardown),
        cmocka_unit_test_setup_teardown(decode_quotes_the_value, setup, teardown),
        cmocka_unit_test_setup_teardown(governed_names_checked_when_submitted, setup, teardown),
        cmocka_unit_test_setup_teardown(released_command_carries_its_detail, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
