/* test_oracle.c - price feeds in the engine: update, freeze, staleness, snapshot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/engine/engine.h"
#include "../../src/engine/oracle.h"
#include "../../src/engine/reserve.h"
#include "../support/engine_fixture.h"

#define T0 (INT64_C(1790000000) * 1000000000)
#define MIN (INT64_C(60) * 1000000000)

static int setup(void **state) {
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "adm", "admin");
    fixture_genesis_add_operator(doc, "upd", "oracle_updater");
    fixture_genesis_add_operator(doc, "mgr", "oracle_manager");
    fixture_genesis_add_asset(doc, "USDW", "plain", "6");
    json_object_set_new(doc, "feeds", json_pack("[{s:s, s:s}]", "name", "XAU", "max_age", "30m"));
    *state = fixture_open(doc, T0);
    json_decref(doc);
    return 0;
}

static int teardown(void **state) {
    fixture_close(*state);
    return 0;
}

static void feed_update_freeze_and_staleness(void **state) {
    struct fixture *f = *state;
    assert_true(oracle_feed_stale(&f->e, 0, T0)); /* no value yet */
    assert_int_equal(fixture_apply(f, "upd", "{\"op\":\"price.update\",\"feed\":\"XAU\",\"value\":\"2400.5\"}"),
                     ERR_OK);
    assert_true(f->e.s.feeds[0].value == (u128)240050000000);
    assert_false(oracle_feed_stale(&f->e, 0, T0 + 30 * MIN));
    assert_true(oracle_feed_stale(&f->e, 0, T0 + 30 * MIN + 1));
    fixture_expect_rejected(f, "mgr", "{\"op\":\"price.update\",\"feed\":\"XAU\",\"value\":\"1\"}",
                            ERR_UNAUTHORIZED);
    assert_int_equal(fixture_apply(f, "mgr", "{\"op\":\"oracle.freeze\",\"feed\":\"XAU\"}"), ERR_OK);
    fixture_expect_rejected(f, "upd", "{\"op\":\"price.update\",\"feed\":\"XAU\",\"value\":\"1\"}",
                            ERR_ORACLE_FROZEN);
    struct command cmd;
    assert_int_equal(fixture_decode(f, "{\"op\":\"price.update\",\"feed\":\"XAG\",\"value\":\"1\"}", &cmd),
                     ERR_UNKNOWN_FEED);
    assert_int_equal(fixture_decode(f, "{\"op\":\"price.update\",\"feed\":\"XAU\",\"value\":\"0.000000001\"}", &cmd),
                     ERR_INVALID_AMOUNT);
}

static void feeds_survive_a_snapshot(void **state) {
    struct fixture *f = *state;
    assert_int_equal(fixture_apply(f, "upd", "{\"op\":\"price.update\",\"feed\":\"XAU\",\"value\":\"7\"}"), ERR_OK);
    assert_int_equal(fixture_apply(f, "mgr", "{\"op\":\"oracle.freeze\",\"feed\":\"XAU\"}"), ERR_OK);
    struct fixture *g = fixture_from_snapshot(f, NULL);
    assert_int_equal(g->e.s.feeds_count, 1);
    assert_int_equal(g->e.s.feeds[0].frozen, 1);
    assert_true(g->e.s.feeds[0].max_age_ns == 30 * MIN);
    fixture_close(g);
}

static void nav_is_checked_tenth_on_fund_mint_and_burn(void **state) {
    (void)state;
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "adm", "admin,minter,burner,oracle_updater,oracle_manager");
    json_t *fund = fixture_genesis_add_asset(doc, "FUND", "fund", "2");
    json_object_set_new(fund, "daily_mint_limit", json_string("100"));
    json_object_set_new(fund, "nav_max_age", json_string("1h"));
    struct fixture *f = fixture_open(doc, T0);
    json_decref(doc);
    const char *big = "{\"op\":\"mint\",\"asset\":\"FUND\",\"to\":\"0x1111111111111111111111111111111111111111\",\"amount\":\"101\"}";
    const char *one = "{\"op\":\"mint\",\"asset\":\"FUND\",\"to\":\"0x1111111111111111111111111111111111111111\",\"amount\":\"1\"}";
    fixture_expect_rejected(f, "adm", big, ERR_DAILY_MINT_LIMIT); /* item 8 before item 10 */
    fixture_expect_rejected(f, "adm", one, ERR_NAV_MISSING);
    assert_int_equal(fixture_apply(f, "adm", "{\"op\":\"nav.update\",\"asset\":\"FUND\",\"value\":\"100\"}"), ERR_OK);
    assert_int_equal(fixture_apply(f, "adm", one), ERR_OK);
    fixture_expect_rejected(f, "adm", "{\"op\":\"nav.update\",\"asset\":\"FUND\",\"value\":\"110.01\"}",
                            ERR_NAV_DEVIATION);
    assert_int_equal(fixture_apply(f, "adm", "{\"op\":\"nav.update\",\"asset\":\"FUND\",\"value\":\"110\"}"), ERR_OK);
    assert_true(f->e.s.assets[0].nav_deviation_ppm == 100000);
    fixture_seal(f, NULL);
    fixture_begin(f, T0 + 61 * MIN, 4);
    fixture_expect_rejected(f, "adm", one, ERR_NAV_STALE);
    fixture_expect_rejected(f, "adm", "{\"op\":\"burn\",\"asset\":\"FUND\",\"from\":\"0x1111111111111111111111111111111111111111\",\"amount\":\"1\"}",
                            ERR_NAV_STALE);
    assert_int_equal(fixture_apply(f, "adm", "{\"op\":\"nav.force\",\"asset\":\"FUND\",\"value\":\"500\",\"reason\":\"rebased\"}"),
                     ERR_OK);
    assert_int_equal(f->e.s.assets[0].nav_force_count, 1);
    assert_int_equal(fixture_apply(f, "adm", one), ERR_OK);
    fixture_close(f);
}

static void reserve_median_quorum_and_check_eleven(void **state) {
    (void)state;
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "adm", "admin,minter,reserve_reporter");
    fixture_genesis_add_operator(doc, "r2", "reserve_reporter");
    fixture_genesis_add_operator(doc, "r3", "reserve_reporter@FIA");
    json_t *fiat = fixture_genesis_add_asset(doc, "FIA", "fiat", "0");
    json_object_set_new(fiat, "daily_mint_limit", json_string("500"));
    json_object_set_new(fiat, "reserve_quorum", json_string("2"));
    struct fixture *f = fixture_open(doc, T0);
    json_decref(doc);
    const char *m = "{\"op\":\"mint\",\"asset\":\"FIA\",\"to\":\"0x1111111111111111111111111111111111111111\",\"amount\":\"%s\"}";
    char big[200], small[200];
    snprintf(big, sizeof(big), m, "501");
    snprintf(small, sizeof(small), m, "100");
    fixture_expect_rejected(f, "adm", big, ERR_DAILY_MINT_LIMIT); /* item 8 before item 11 */
    fixture_expect_rejected(f, "adm", small, ERR_QUORUM_NOT_MET);
    assert_int_equal(fixture_apply(f, "adm", "{\"op\":\"reserve.report\",\"asset\":\"FIA\",\"amount\":\"300\"}"), ERR_OK);
    assert_int_equal(fixture_apply(f, "r2", "{\"op\":\"reserve.report\",\"asset\":\"FIA\",\"amount\":\"100\"}"), ERR_OK);
    assert_int_equal(fixture_apply(f, "r3", "{\"op\":\"reserve.report\",\"asset\":\"FIA\",\"amount\":\"200\"}"), ERR_OK);
    u128 verified = 0;
    uint32_t fresh = 0;
    assert_true(reserve_verified(&f->e, 0, T0, &verified, &fresh));
    assert_true(verified == 200 && fresh == 3); /* median of 100, 200, 300 */
    assert_int_equal(fixture_apply(f, "r2", "{\"op\":\"reserve.report\",\"asset\":\"FIA\",\"amount\":\"250\"}"), ERR_OK);
    assert_true(reserve_verified(&f->e, 0, T0, &verified, &fresh));
    assert_true(verified == 250 && fresh == 3); /* r2's report replaced */
    assert_int_equal(fixture_apply(f, "adm", small), ERR_OK);
    snprintf(small, sizeof(small), m, "151");
    fixture_expect_rejected(f, "adm", small, ERR_RESERVE_INSUFFICIENT);
    fixture_seal(f, NULL);
    fixture_begin(f, T0 + 61 * MIN, 4);
    assert_false(reserve_verified(&f->e, 0, T0 + 61 * MIN, &verified, &fresh));
    snprintf(small, sizeof(small), m, "1");
    fixture_expect_rejected(f, "adm", small, ERR_QUORUM_NOT_MET);
    fixture_close(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(feed_update_freeze_and_staleness, setup, teardown),
        cmocka_unit_test_setup_teardown(feeds_survive_a_snapshot, setup, teardown),
        cmocka_unit_test(nav_is_checked_tenth_on_fund_mint_and_burn),
        cmocka_unit_test(reserve_median_quorum_and_check_eleven),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
