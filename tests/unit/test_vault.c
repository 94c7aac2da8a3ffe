/* test_vault.c - the vault engine module (vault.h, issue 11 item 1):
 * genesis vault_types and their refusals; open, deposit, withdraw,
 * borrow, repay with balances, escrow, supply and events; min_ratio
 * exactly at it allowed and one base unit past it refused (borrow and
 * withdraw); the liquidation boundary (exactly at liquidation_ratio is
 * safe); the penalty split to the unit; bad debt; the debt ceiling only
 * when debt grows; dust; a stale or frozen feed; every error code with
 * nothing changed; vault.type.set (timelocked by default, validated);
 * check 11 leaving vault debt out; the 10,000-vault scan; the state
 * section (absent without types, snapshot round trip, corrupt bytes
 * refused), the journal forms of commands and events, and replay. */
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
#include "../../src/engine/engine.h"
#include "../../src/engine/engine_internal.h"
#include "../../src/engine/vault.h"
#include "../support/engine_fixture.h"

#define HOUR_NS (INT64_C(3600) * NS_PER_S)
#define OWNER ADDR_1
#define OTHER ADDR_2
#define LIQ ADDR_3

/* --------------------------------------------------------------------- */
/* set-up                                                                */
/* --------------------------------------------------------------------- */

static json_t *vault_type_json(const char *name, const char *debt, const char *ceiling) {
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", name, "collateral",
                     "XAUT", "feed", "XAU", "debt", debt, "min_ratio", "150%", "liquidation_ratio",
                     "110%", "penalty", "5%", "debt_ceiling", ceiling, "dust", "100");
}

/* alice: admin and the managers' roles; tom: transfer_agent; lena:
 * liquidator; carl: viewer. XAUT (plain, 6), USDW (plain, 6), USDF (fiat,
 * 6, quorum 1). Feed XAU (1h). Types XAU-A (debt USDW) and XAU-F (USDF).
 * types NULL: the default list; else stolen. */
/* Tests of vault.type.set's effects run it at once (policy in genesis);
 * type_set_is_timelocked_by_default clears this. */
static int type_set_now = 1;

static json_t *vault_genesis_doc(json_t *types) {
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "alice",
                                 "admin,treasury_manager,oracle_updater,oracle_manager,minter,"
                                 "pauser,compliance,reserve_reporter,burner,agent,transfer_agent");
    fixture_genesis_add_operator(doc, "tom", "transfer_agent");
    fixture_genesis_add_operator(doc, "lena", "liquidator");
    fixture_genesis_add_operator(doc, "carl", "viewer");
    fixture_genesis_add_asset(doc, "XAUT", "plain", "6");
    fixture_genesis_add_asset(doc, "USDW", "plain", "6");
    json_t *usdf = fixture_genesis_add_asset(doc, "USDF", "fiat", "6");
    json_object_set_new(usdf, "reserve_quorum", json_string("1"));
    json_object_set_new(doc, "feeds", json_pack("[{s:s, s:s}]", "name", "XAU", "max_age", "1h"));
    if (types == NULL) {
        types = json_array();
        json_array_append_new(types, vault_type_json("XAU-A", "USDW", "10000000"));
        json_array_append_new(types, vault_type_json("XAU-F", "USDF", "10000000"));
    }
    json_object_set_new(doc, "vault_types", types);
    /* the incident tools the refusal tests use, with one approval */
    json_t *policies = json_array();
    static const char *const single[] = {"unpause", "mint_resume", "blacklist.add", "blacklist.remove",
                                         "freeze", "unfreeze", "forced_transfer", "recover",
                                         "rescue", NULL};
    for (unsigned i = 0; single[i] != NULL; i++) {
        json_array_append_new(policies, json_pack("{s:s, s:s}", "op", single[i], "approvals", "1"));
    }
    if (type_set_now) {
        json_array_append_new(policies, json_pack("{s:s, s:s}", "op", "vault.type.set", "timelock", "0s"));
    }
    json_object_set_new(doc, "policies", policies);
    return doc;
}

static void next_block(struct fixture *f) {
    if (f->in_block) fixture_seal(f, NULL);
}

static void block_at(struct fixture *f, int64_t time_ns) {
    next_block(f);
    fixture_begin(f, time_ns, FIXTURE_BLOCK_COMMANDS);
}

static void set_price(struct fixture *f, const char *value) {
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"price.update\",\"feed\":\"XAU\",\"value\":\"%s\"}", value));
}

static void check_invariants(const struct fixture *f) { assert_int_equal(engine_check_invariants(&f->e), 0); }

/* A ledger with the default types, XAU at 2000, the owner holding 10 XAUT
 * and the liquidator 100,000 USDW. */
static struct fixture *open_vaults(json_t *types) {
    json_t *doc = vault_genesis_doc(types);
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    set_price(f, "2000");
    assert_ok(fixture_mint(f, "alice", "XAUT", OWNER, "10"));
    assert_ok(fixture_mint(f, "alice", "XAUT", OTHER, "10"));
    assert_ok(fixture_mint(f, "alice", "USDW", LIQ, "100000"));
    return f;
}

/* vault.open for owner of type; the new id. */
static uint64_t open_vault(struct fixture *f, const char *type, const char *owner) {
    assert_ok(fixture_applyf(f, "tom", "{\"op\":\"vault.open\",\"type\":\"%s\",\"owner\":\"%s\"}", type, owner));
    assert_int_equal(f->events.count, 1);
    assert_int_equal(f->events.items[0].type, EVENT_VAULT_OPENED);
    return f->events.items[0].ref_id;
}

static enum err vop(struct fixture *f, const char *who, const char *op, uint64_t id, const char *amount) {
    return fixture_applyf(f, who, "{\"op\":\"vault.%s\",\"id\":%llu,\"amount\":\"%s\"}", op,
                          (unsigned long long)id, amount);
}

static enum err liquidate(struct fixture *f, uint64_t id) {
    return fixture_applyf(f, "lena", "{\"op\":\"vault.liquidate\",\"id\":%llu,\"by\":\"%s\"}",
                          (unsigned long long)id, LIQ);
}

static const struct vault *vault_get(const struct fixture *f, uint64_t id) {
    const struct vault *v = vault_find(&f->e, id);
    assert_non_null(v);
    return v;
}

/* The JSON text a jw wrote into b, NUL-terminated in out. */
static const char *text_of(struct buf *b, char *out, size_t size) {
    size_t n = b->len < size - 1 ? b->len : size - 1;
    memcpy(out, b->data, n);
    out[n] = '\0';
    buf_free(b);
    return out;
}

static u128 amt(const struct fixture *f, const char *sym, const char *text) { return fixture_amount(f, sym, text); }

/* A vault of XAU-A with `collateral` XAUT and `debt` USDW borrowed. */
static uint64_t funded_vault(struct fixture *f, const char *collateral, const char *debt) {
    uint64_t id = open_vault(f, "XAU-A", OWNER);
    assert_ok(vop(f, "tom", "deposit", id, collateral));
    if (debt != NULL) assert_ok(vop(f, "tom", "borrow", id, debt));
    return id;
}

/* --------------------------------------------------------------------- */
/* genesis                                                               */
/* --------------------------------------------------------------------- */

static void genesis_reads_vault_types(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    assert_int_equal(f->e.s.vlt.types_count, 2);
    const struct vault_type *t = &f->e.s.vlt.types[0];
    assert_string_equal(t->name, "XAU-A");
    assert_int_equal(t->collateral, fixture_asset(f, "XAUT"));
    assert_int_equal(t->debt, fixture_asset(f, "USDW"));
    assert_int_equal(t->min_ratio_ppm, 1500000);
    assert_int_equal(t->liquidation_ratio_ppm, 1100000);
    assert_int_equal(t->penalty_ppm, 50000);
    assert_u128_equal(t->debt_ceiling, amt(f, "USDW", "10000000"));
    assert_u128_equal(t->dust, amt(f, "USDW", "100"));
    assert_int_equal(vault_type_find(&f->e, "XAU-F", 5), 1);
    assert_int_equal(vault_type_find(&f->e, "XAU-B", 5), -1);
    fixture_close(f);
}

/* Open a genesis with one type changed by key=value; expect a refusal. */
static void expect_genesis_refused(const char *key, const char *value, const char *why_part) {
    json_t *types = json_array();
    json_t *t = vault_type_json("XAU-A", "USDW", "1000");
    if (value == NULL) json_object_del(t, key);
    else json_object_set_new(t, key, json_string(value));
    json_array_append_new(types, t);
    json_t *doc = vault_genesis_doc(types);
    struct fixture *f = fixture_open_empty(64);
    char why[256] = "";
    assert_err(engine_genesis(&f->e, doc, FIXTURE_T0_NS, why, sizeof(why)), ERR_INVALID_GENESIS);
    if (strstr(why, why_part) == NULL) fail_msg("%s=%s: why \"%s\" lacks \"%s\"", key, value ? value : "(none)", why, why_part);
    json_decref(doc);
    fixture_close(f);
}

static void genesis_refuses_bad_vault_types(void **state) {
    (void)state;
    expect_genesis_refused("penalty", "10%", "penalty must be below");  /* = 110% - 100% */
    expect_genesis_refused("min_ratio", "105%", "min_ratio must be at least");
    expect_genesis_refused("liquidation_ratio", "100%", "above 100%");
    expect_genesis_refused("collateral", "USDF", "collateral must be a plain asset");
    expect_genesis_refused("debt", "XAUT", "differ");
    expect_genesis_refused("feed", "XAG", "feed");
    expect_genesis_refused("debt", "NOPE", "known assets");
    expect_genesis_refused("min_ratio", "150", "min_ratio");
    expect_genesis_refused("debt_ceiling", "10.0000001", "debt_ceiling");
    expect_genesis_refused("debt_ceiling", NULL, "debt_ceiling");
    expect_genesis_refused("dust", "2000", "dust must not exceed");
    expect_genesis_refused("name", "1X", "name");
    expect_genesis_refused("colour", "red", "unknown key");
    /* a duplicate name */
    json_t *types = json_array();
    json_array_append_new(types, vault_type_json("XAU-A", "USDW", "1000"));
    json_array_append_new(types, vault_type_json("XAU-A", "USDF", "1000"));
    json_t *doc = vault_genesis_doc(types);
    struct fixture *f = fixture_open_empty(64);
    char why[256] = "";
    assert_err(engine_genesis(&f->e, doc, FIXTURE_T0_NS, why, sizeof(why)), ERR_INVALID_GENESIS);
    assert_non_null(strstr(why, "duplicate"));
    json_decref(doc);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* the owner's orders                                                    */
/* --------------------------------------------------------------------- */

static void open_deposit_borrow_repay_withdraw_move_tokens(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    uint64_t id = open_vault(f, "XAU-A", OWNER);
    assert_int_equal(id, 1);
    assert_ok(vop(f, "tom", "deposit", id, "3"));
    assert_int_equal(f->events.items[0].type, EVENT_VAULT_DEPOSITED);
    assert_balance(f, "XAUT", OWNER, "7");
    assert_balance(f, "XAUT", VAULT_ESCROW_ADDR, "3");
    assert_ok(vop(f, "tom", "borrow", id, "1000"));
    assert_int_equal(f->events.items[0].type, EVENT_VAULT_BORROWED);
    assert_balance(f, "USDW", OWNER, "1000");
    assert_supply(f, "USDW", "101000");
    check_invariants(f);
    assert_ok(vop(f, "tom", "repay", id, "400"));
    assert_int_equal(f->events.items[0].type, EVENT_VAULT_REPAID);
    assert_balance(f, "USDW", OWNER, "600");
    assert_supply(f, "USDW", "100600");
    assert_ok(vop(f, "tom", "withdraw", id, "1"));
    assert_int_equal(f->events.items[0].type, EVENT_VAULT_WITHDRAWN);
    assert_balance(f, "XAUT", OWNER, "8");
    assert_balance(f, "XAUT", VAULT_ESCROW_ADDR, "2");
    const struct vault *v = vault_get(f, id);
    assert_u128_equal(v->collateral, amt(f, "XAUT", "2"));
    assert_u128_equal(v->debt, amt(f, "USDW", "600"));
    const struct vault_type *t = &f->e.s.vlt.types[0];
    assert_u128_equal(t->total_debt, amt(f, "USDW", "600"));
    assert_u128_equal(t->borrowed_total, amt(f, "USDW", "1000"));
    assert_u128_equal(t->repaid_total, amt(f, "USDW", "400"));
    assert_u128_equal(vault_debt_of_asset(&f->e, fixture_asset(f, "USDW")), amt(f, "USDW", "600"));
    /* health: 2 * 2000 / 600 = 666.66..% */
    assert_int_equal(vault_health_ppm(&f->e, v), 6666666);
    u128 value;
    assert_ok(vault_collateral_value(&f->e, v, &value));
    assert_u128_equal(value, amt(f, "USDW", "4000"));
    /* the owner repays all and takes everything back (no price needed then) */
    assert_ok(vop(f, "tom", "repay", id, "600"));
    assert_ok(vop(f, "tom", "withdraw", id, "2"));
    assert_balance(f, "XAUT", VAULT_ESCROW_ADDR, "0");
    assert_supply(f, "USDW", "100000");
    check_invariants(f);
    fixture_close(f);
}

/* Savepoints and block checkpoints copy only the vaults in use
 * (engine.c, engine__state_copy): vaults opened and funded by a request
 * rolled back, or by a block the store refused, leave their slots as they
 * were; the next openings reset them, and the state hashes are those of a
 * ledger that never saw them. */
static void vaults_of_a_rolled_back_request_or_aborted_block_leave_no_trace(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    struct fixture *g = open_vaults(NULL);
    /* vault 1 on both, before anything is rolled back */
    assert_int_equal(funded_vault(f, "1", NULL), 1);
    assert_int_equal(funded_vault(g, "1", NULL), 1);
    struct hash hf, hg;
    fixture_seal(f, &hf);
    fixture_seal(g, &hg);
    int64_t t = f->e.s.time_ns;
    /* a request rolled back: vault 1 changed, two vaults opened and funded */
    fixture_begin(f, t, 16);
    assert_ok(engine_savepoint(&f->e));
    assert_ok(vop(f, "tom", "deposit", 1, "2"));
    funded_vault(f, "3", "1000");
    funded_vault(f, "2", "500");
    assert_int_equal(f->e.s.vlt.vaults_count, 3);
    engine_rollback(&f->e);
    assert_int_equal(f->e.s.vlt.vaults_count, 1);
    assert_u128_equal(vault_get(f, 1)->collateral, amt(f, "XAUT", "1"));
    fixture_seal(f, &hf);
    fixture_begin(g, t, 16);
    fixture_seal(g, &hg);
    assert_memory_equal(hf.bytes, hg.bytes, HASH_BYTES);
    /* a block aborted: vault 1 changed again, one more opened */
    fixture_begin(f, t, 16);
    engine_block_checkpoint(&f->e);
    assert_ok(vop(f, "tom", "borrow", 1, "100"));
    funded_vault(f, "4", "2000");
    engine_block_abort(&f->e);
    f->in_block = 0;
    assert_int_equal(f->e.s.vlt.vaults_count, 1);
    assert_u128_equal(vault_get(f, 1)->debt, 0);
    /* the same openings on both: vault 2 is OTHER's now, empty */
    fixture_begin(f, t, 16);
    fixture_begin(g, t, 16);
    assert_int_equal(open_vault(f, "XAU-F", OTHER), 2);
    assert_int_equal(open_vault(g, "XAU-F", OTHER), 2);
    assert_int_equal(open_vault(f, "XAU-A", OWNER), 3);
    assert_int_equal(open_vault(g, "XAU-A", OWNER), 3);
    const struct vault *v = vault_get(f, 2);
    assert_true(addr_equal(&v->owner, &vault_get(g, 2)->owner));
    assert_u128_equal(v->collateral, 0);
    assert_u128_equal(v->debt, 0);
    assert_u128_equal(vault_get(f, 3)->debt, 0);
    fixture_seal(f, &hf);
    fixture_seal(g, &hg);
    assert_memory_equal(hf.bytes, hg.bytes, HASH_BYTES);
    check_invariants(f);
    fixture_close(f);
    fixture_close(g);
}

static void owner_named_must_be_the_vaults(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    uint64_t id = funded_vault(f, "3", NULL);
    assert_ok(fixture_applyf(f, "tom", "{\"op\":\"vault.borrow\",\"id\":%llu,\"amount\":\"100\",\"owner\":\"%s\"}",
                             (unsigned long long)id, OWNER));
    char json[256];
    snprintf(json, sizeof(json), "{\"op\":\"vault.borrow\",\"id\":%llu,\"amount\":\"100\",\"owner\":\"%s\"}",
             (unsigned long long)id, OTHER);
    fixture_expect_rejected(f, "tom", json, ERR_VAULT_OWNER);
    snprintf(json, sizeof(json), "{\"op\":\"vault.withdraw\",\"id\":%llu,\"amount\":\"1\",\"owner\":\"%s\"}",
             (unsigned long long)id, OTHER);
    fixture_expect_rejected(f, "tom", json, ERR_VAULT_OWNER);
    snprintf(json, sizeof(json), "{\"op\":\"vault.repay\",\"id\":%llu,\"amount\":\"100\",\"owner\":\"%s\"}",
             (unsigned long long)id, OTHER);
    fixture_expect_rejected(f, "tom", json, ERR_VAULT_OWNER);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* min_ratio, exactly                                                    */
/* --------------------------------------------------------------------- */

static void borrow_exactly_at_min_ratio_allowed_one_unit_more_refused(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    uint64_t id = funded_vault(f, "3", NULL); /* worth 6000: 150% of 4000 */
    char json[128];
    snprintf(json, sizeof(json), "{\"op\":\"vault.borrow\",\"id\":%llu,\"amount\":\"4000.000001\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_VAULT_UNSAFE);
    assert_ok(vop(f, "tom", "borrow", id, "4000"));
    assert_int_equal(vault_health_ppm(&f->e, vault_get(f, id)), 1500000);
    snprintf(json, sizeof(json), "{\"op\":\"vault.borrow\",\"id\":%llu,\"amount\":\"0.000001\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_VAULT_UNSAFE);
    check_invariants(f);
    fixture_close(f);
}

static void withdraw_exactly_at_min_ratio_allowed_one_unit_more_refused(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    uint64_t id = funded_vault(f, "3.5", "4000");
    char json[128];
    snprintf(json, sizeof(json), "{\"op\":\"vault.withdraw\",\"id\":%llu,\"amount\":\"0.500001\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_VAULT_UNSAFE);
    assert_ok(vop(f, "tom", "withdraw", id, "0.5"));
    snprintf(json, sizeof(json), "{\"op\":\"vault.withdraw\",\"id\":%llu,\"amount\":\"0.000001\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_VAULT_UNSAFE);
    snprintf(json, sizeof(json), "{\"op\":\"vault.withdraw\",\"id\":%llu,\"amount\":\"3.000001\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_INSUFFICIENT_BALANCE); /* more than it holds */
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* liquidation                                                           */
/* --------------------------------------------------------------------- */

static void liquidation_strictly_below_liquidation_ratio(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    uint64_t id = funded_vault(f, "3", "3000");
    char json[160];
    snprintf(json, sizeof(json), "{\"op\":\"vault.liquidate\",\"id\":%llu,\"by\":\"%s\"}", (unsigned long long)id, LIQ);
    fixture_expect_rejected(f, "lena", json, ERR_VAULT_SAFE); /* 200% */
    set_price(f, "1100"); /* 3300 = 110% of 3000: exactly at it is safe */
    fixture_expect_rejected(f, "lena", json, ERR_VAULT_SAFE);
    assert_int_equal(vault_scan_below(&f->e, -1, 1100000, NULL, 0), 0);
    set_price(f, "1099.99999999"); /* one feed unit below */
    uint64_t ids[4];
    assert_int_equal(vault_scan_below(&f->e, 0, 1100000, ids, 4), 1);
    assert_int_equal(ids[0], id);
    fixture_expect_rejected(f, "tom", json, ERR_UNAUTHORIZED); /* a transfer agent is no liquidator */
    assert_ok(liquidate(f, id));
    assert_int_equal(f->events.items[0].type, EVENT_LIQUIDATED);
    check_invariants(f);
    fixture_close(f);
}

static void liquidation_penalty_split_exact(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    uint64_t id = funded_vault(f, "3", "3000");
    set_price(f, "1075"); /* worth 3225: 107.5% */
    assert_ok(liquidate(f, id));
    /* seized = floor(3000 * 1.05 / 1075) = floor(2.9302325..) = 2.930232;
     * the debt's worth floor(3000 / 1075) = 2.790697, penalty the rest;
     * 3 - 2.930232 back to the owner. */
    const struct event *ev = &f->events.items[0];
    assert_int_equal(f->events.count, 1);
    assert_int_equal(ev->type, EVENT_LIQUIDATED);
    assert_int_equal(ev->ref_id, id);
    assert_u128_equal(ev->amount, amt(f, "USDW", "3000"));
    assert_u128_equal(ev->amount2, amt(f, "XAUT", "2.930232"));
    assert_u128_equal(ev->amount3, amt(f, "XAUT", "0.139535"));
    assert_u128_equal(ev->amount4, amt(f, "XAUT", "0.069768"));
    assert_u128_equal(ev->amount5, 0);
    assert_int_equal(ev->value, INT64_C(107500000000));
    assert_balance(f, "USDW", LIQ, "97000");
    assert_balance(f, "XAUT", LIQ, "2.930232");
    assert_balance(f, "XAUT", OWNER, "7.069768");
    assert_balance(f, "XAUT", VAULT_ESCROW_ADDR, "0");
    assert_balance(f, "USDW", OWNER, "3000"); /* the owner keeps what was borrowed */
    assert_supply(f, "USDW", "100000");
    const struct vault *v = vault_get(f, id);
    assert_u128_equal(v->debt, 0);
    assert_u128_equal(v->collateral, 0);
    const struct vault_type *t = &f->e.s.vlt.types[0];
    assert_int_equal(t->liquidations_count, 1);
    assert_u128_equal(t->liquidated_total, amt(f, "USDW", "3000"));
    assert_u128_equal(t->bad_debt_total, 0);
    assert_u128_equal(t->total_debt, 0);
    /* the owner's notice */
    struct buf jb;
    buf_init(&jb);
    struct jw w;
    jw_init(&w, &jb);
    event_write_json(&f->e, ev, 3, "lena", &w);
    char text[1024];
    const char *json = text_of(&jb, text, sizeof(text));
    assert_non_null(strstr(json, "\"type\":\"Liquidated\""));
    assert_non_null(strstr(json, "\"owner\":\"" OWNER "\""));
    assert_non_null(strstr(json, "\"liquidator\":\"" LIQ "\""));
    assert_non_null(strstr(json, "\"price\":\"1075\""));
    assert_non_null(strstr(json, "\"debt_repaid\":\"3000\""));
    assert_non_null(strstr(json, "\"seized\":\"2.930232\""));
    assert_non_null(strstr(json, "\"penalty\":\"0.139535\""));
    assert_non_null(strstr(json, "\"returned\":\"0.069768\""));
    assert_non_null(strstr(json, "\"bad_debt\":\"0\""));
    assert_non_null(strstr(json, "\"type\":\"XAU-A\""));
    /* an emptied vault cannot be liquidated again */
    char again[160];
    snprintf(again, sizeof(again), "{\"op\":\"vault.liquidate\",\"id\":%llu,\"by\":\"%s\"}", (unsigned long long)id, LIQ);
    fixture_expect_rejected(f, "lena", again, ERR_VAULT_EMPTY);
    check_invariants(f);
    fixture_close(f);
}

static void liquidation_short_of_value_records_bad_debt(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    uint64_t id = funded_vault(f, "3", "3000");
    set_price(f, "900"); /* worth 2700 < 3000 */
    assert_ok(liquidate(f, id));
    const struct event *ev = &f->events.items[0];
    assert_u128_equal(ev->amount2, amt(f, "XAUT", "3"));
    assert_u128_equal(ev->amount3, 0);
    assert_u128_equal(ev->amount4, 0);
    assert_u128_equal(ev->amount5, amt(f, "USDW", "300"));
    assert_balance(f, "XAUT", LIQ, "3");
    assert_balance(f, "XAUT", OWNER, "7");
    assert_u128_equal(f->e.s.vlt.types[0].bad_debt_total, amt(f, "USDW", "300"));
    check_invariants(f);
    /* between the debt and debt + penalty: all collateral, a partial penalty */
    uint64_t id2 = open_vault(f, "XAU-A", OTHER);
    set_price(f, "2000");
    assert_ok(vop(f, "tom", "deposit", id2, "3"));
    assert_ok(vop(f, "tom", "borrow", id2, "3000"));
    set_price(f, "1020"); /* worth 3060: above 3000, below 3150 */
    assert_ok(liquidate(f, id2));
    ev = &f->events.items[0];
    assert_u128_equal(ev->amount2, amt(f, "XAUT", "3"));
    assert_u128_equal(ev->amount3, amt(f, "XAUT", "0.058824")); /* 3 - floor(3000/1020 = 2.9411764) */
    assert_u128_equal(ev->amount4, 0);
    assert_u128_equal(ev->amount5, 0);
    check_invariants(f);
    fixture_close(f);
}

static void liquidation_needs_the_liquidators_funds(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    uint64_t id = funded_vault(f, "3", "3000");
    set_price(f, "1000");
    char json[160];
    snprintf(json, sizeof(json), "{\"op\":\"vault.liquidate\",\"id\":%llu,\"by\":\"%s\"}", (unsigned long long)id, ADDR_4);
    fixture_expect_rejected(f, "lena", json, ERR_INSUFFICIENT_BALANCE);
    snprintf(json, sizeof(json), "{\"op\":\"vault.liquidate\",\"id\":%llu,\"by\":\"%s\"}", (unsigned long long)id, VAULT_ESCROW_ADDR);
    fixture_expect_rejected(f, "lena", json, ERR_INVALID_ARGUMENT);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* ceiling, dust, feed                                                   */
/* --------------------------------------------------------------------- */

static void debt_ceiling_only_when_debt_grows(void **state) {
    (void)state;
    json_t *types = json_array();
    json_array_append_new(types, vault_type_json("XAU-A", "USDW", "5000"));
    struct fixture *f = open_vaults(types);
    uint64_t a = funded_vault(f, "3", "4000");
    uint64_t b = open_vault(f, "XAU-A", OTHER);
    assert_ok(vop(f, "tom", "deposit", b, "3"));
    char json[128];
    snprintf(json, sizeof(json), "{\"op\":\"vault.borrow\",\"id\":%llu,\"amount\":\"1000.000001\"}", (unsigned long long)b);
    fixture_expect_rejected(f, "tom", json, ERR_DEBT_CEILING);
    assert_ok(vop(f, "tom", "borrow", b, "1000")); /* exactly at the ceiling */
    /* the ceiling lowered under the debt: repaying still works */
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"vault.type.set\",\"type\":\"XAU-A\",\"asset\":\"USDW\",\"debt_ceiling\":\"4000\"}"));
    assert_int_equal(f->result.pending, APPLY_DONE);
    assert_ok(vop(f, "tom", "repay", a, "500"));
    snprintf(json, sizeof(json), "{\"op\":\"vault.borrow\",\"id\":%llu,\"amount\":\"100\"}", (unsigned long long)a);
    fixture_expect_rejected(f, "tom", json, ERR_DEBT_CEILING);
    check_invariants(f);
    fixture_close(f);
}

static void dust_debt_zero_or_at_least_dust(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    uint64_t id = funded_vault(f, "3", NULL);
    char json[128];
    snprintf(json, sizeof(json), "{\"op\":\"vault.borrow\",\"id\":%llu,\"amount\":\"99.999999\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_DUST);
    assert_ok(vop(f, "tom", "borrow", id, "100"));
    snprintf(json, sizeof(json), "{\"op\":\"vault.repay\",\"id\":%llu,\"amount\":\"0.000001\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_DUST);
    snprintf(json, sizeof(json), "{\"op\":\"vault.repay\",\"id\":%llu,\"amount\":\"100.000001\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_INVALID_AMOUNT); /* more than is owed */
    assert_ok(vop(f, "tom", "borrow", id, "0.000001")); /* above dust already */
    assert_ok(vop(f, "tom", "repay", id, "100.000001"));
    assert_u128_equal(vault_get(f, id)->debt, 0);
    fixture_close(f);
}

static void stale_or_frozen_feed_stops_borrow_withdraw_liquidate(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    uint64_t id = funded_vault(f, "3", "3000");
    uint64_t idle = open_vault(f, "XAU-A", OTHER);
    assert_ok(vop(f, "tom", "deposit", idle, "1"));
    block_at(f, FIXTURE_T0_NS + HOUR_NS + 1); /* the price is now older than 1h */
    char borrow[128], withdraw[128], liq[160];
    snprintf(borrow, sizeof(borrow), "{\"op\":\"vault.borrow\",\"id\":%llu,\"amount\":\"100\"}", (unsigned long long)id);
    snprintf(withdraw, sizeof(withdraw), "{\"op\":\"vault.withdraw\",\"id\":%llu,\"amount\":\"0.1\"}", (unsigned long long)id);
    snprintf(liq, sizeof(liq), "{\"op\":\"vault.liquidate\",\"id\":%llu,\"by\":\"%s\"}", (unsigned long long)id, LIQ);
    fixture_expect_rejected(f, "tom", borrow, ERR_FEED_STALE);
    fixture_expect_rejected(f, "tom", withdraw, ERR_FEED_STALE);
    fixture_expect_rejected(f, "lena", liq, ERR_FEED_STALE);
    assert_ok(vop(f, "tom", "repay", id, "100"));     /* only improves health */
    assert_ok(vop(f, "tom", "deposit", id, "0.1"));
    assert_ok(vop(f, "tom", "withdraw", idle, "1"));  /* no debt: no price needed */
    set_price(f, "1000");
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"oracle.freeze\",\"feed\":\"XAU\"}"));
    fixture_expect_rejected(f, "tom", borrow, ERR_ORACLE_FROZEN);
    fixture_expect_rejected(f, "tom", withdraw, ERR_ORACLE_FROZEN);
    fixture_expect_rejected(f, "lena", liq, ERR_ORACLE_FROZEN);
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"oracle.unfreeze\",\"feed\":\"XAU\"}"));
    assert_ok(liquidate(f, id));
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* bad input and the SPEC 3 controls                                     */
/* --------------------------------------------------------------------- */

static void refusals_change_nothing(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    uint64_t id = funded_vault(f, "3", "1000");
    char json[192];
    /* unknown type, unknown id (the asset given: decoded, refused when applied) */
    fixture_expect_rejected(f, "tom", "{\"op\":\"vault.open\",\"type\":\"XAG-A\",\"owner\":\"" OWNER "\"}",
                            ERR_UNKNOWN_VAULT_TYPE);
    fixture_expect_rejected(f, "tom", "{\"op\":\"vault.deposit\",\"id\":99,\"amount\":\"1\",\"asset\":\"XAUT\"}",
                            ERR_UNKNOWN_VAULT);
    fixture_expect_rejected(f, "lena", "{\"op\":\"vault.liquidate\",\"id\":99,\"by\":\"" LIQ "\",\"asset\":\"USDW\"}",
                            ERR_UNKNOWN_VAULT);
    /* the wrong asset for the vault */
    snprintf(json, sizeof(json), "{\"op\":\"vault.deposit\",\"id\":%llu,\"amount\":\"1\",\"asset\":\"USDW\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_INVALID_ARGUMENT);
    /* the escrow cannot own a vault */
    fixture_expect_rejected(f, "tom", "{\"op\":\"vault.open\",\"type\":\"XAU-A\",\"owner\":\"" VAULT_ESCROW_ADDR "\"}",
                            ERR_INVALID_ARGUMENT);
    /* roles */
    snprintf(json, sizeof(json), "{\"op\":\"vault.deposit\",\"id\":%llu,\"amount\":\"1\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "carl", json, ERR_UNAUTHORIZED);
    fixture_expect_rejected(f, "lena", json, ERR_UNAUTHORIZED);
    /* balance: more than the owner holds */
    snprintf(json, sizeof(json), "{\"op\":\"vault.deposit\",\"id\":%llu,\"amount\":\"7.000001\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_INSUFFICIENT_BALANCE);
    snprintf(json, sizeof(json), "{\"op\":\"vault.repay\",\"id\":%llu,\"amount\":\"1000\"}", (unsigned long long)id);
    assert_ok(fixture_transfer(f, "tom", "USDW", OWNER, OTHER, "1"));
    fixture_expect_rejected(f, "tom", json, ERR_INSUFFICIENT_BALANCE);
    /* pause */
    assert_ok(fixture_pause(f, "alice", "XAUT"));
    snprintf(json, sizeof(json), "{\"op\":\"vault.deposit\",\"id\":%llu,\"amount\":\"1\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_PAUSED);
    assert_ok(fixture_unpause(f, "alice", "XAUT"));
    assert_ok(fixture_pause(f, "alice", NULL));
    snprintf(json, sizeof(json), "{\"op\":\"vault.borrow\",\"id\":%llu,\"amount\":\"100\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_PAUSED);
    assert_ok(fixture_unpause(f, "alice", NULL));
    /* a minting halt stops borrowing */
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"mint_halt\",\"asset\":\"USDW\"}"));
    fixture_expect_rejected(f, "tom", json, ERR_MINT_HALTED);
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"mint_resume\",\"asset\":\"USDW\"}"));
    /* blacklisted and frozen owners */
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"blacklist.add\",\"address\":\"" OWNER "\"}"));
    fixture_expect_rejected(f, "tom", json, ERR_BLACKLISTED);
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"blacklist.remove\",\"address\":\"" OWNER "\"}"));
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"freeze\",\"address\":\"" OWNER "\",\"asset\":\"XAUT\"}"));
    snprintf(json, sizeof(json), "{\"op\":\"vault.withdraw\",\"id\":%llu,\"amount\":\"0.1\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_FROZEN);
    /* the supply cap (check 7) */
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"unfreeze\",\"address\":\"" OWNER "\",\"asset\":\"XAUT\"}"));
    check_invariants(f);
    fixture_close(f);
}

static void escrow_is_no_partys_address(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    struct addr escrow = fixture_addr_parse(VAULT_ESCROW_ADDR);
    assert_true(vault_is_escrow(&f->e, &escrow));
    funded_vault(f, "3", "1000");
    fixture_expect_rejected(f, "alice", J_TRANSFER("XAUT", VAULT_ESCROW_ADDR, ADDR_4, "1"), ERR_INVALID_ADDRESS);
    fixture_expect_rejected(f, "alice", J_TRANSFER("XAUT", OWNER, VAULT_ESCROW_ADDR, "1"), ERR_INVALID_ADDRESS);
    fixture_expect_rejected(f, "alice", J_BURN("XAUT", VAULT_ESCROW_ADDR, "1"), ERR_INVALID_ADDRESS);
    fixture_expect_rejected(f, "alice", J_MINT("XAUT", VAULT_ESCROW_ADDR, "1"), ERR_INVALID_ADDRESS);
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"forced_transfer\",\"asset\":\"XAUT\",\"from\":\"" VAULT_ESCROW_ADDR
                            "\",\"to\":\"" ADDR_4 "\",\"amount\":\"1\"}",
                            ERR_INVALID_ADDRESS);
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"rescue\",\"asset\":\"XAUT\",\"from\":\"" VAULT_ESCROW_ADDR
                            "\",\"to\":\"" ADDR_4 "\",\"amount\":\"1\"}",
                            ERR_INVALID_ADDRESS);
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"recover\",\"asset\":\"XAUT\",\"lost\":\"" VAULT_ESCROW_ADDR
                            "\",\"new\":\"" ADDR_4 "\"}",
                            ERR_INVALID_ADDRESS);
    /* on a ledger without vault types the address is anyone's */
    struct fixture *g = fixture_open(NULL, FIXTURE_T0_NS);
    assert_false(vault_is_escrow(&g->e, &escrow));
    assert_ok(fixture_mint(g, "alice", "USDW", VAULT_ESCROW_ADDR, "1"));
    fixture_close(g);
    check_invariants(f);
    fixture_close(f);
}

static void borrow_bounded_by_the_debt_assets_supply_cap(void **state) {
    (void)state;
    json_t *doc = vault_genesis_doc(NULL);
    json_object_set_new(json_array_get(json_object_get(doc, "assets"), 1), "supply_cap", json_string("1000"));
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    set_price(f, "2000");
    assert_ok(fixture_mint(f, "alice", "XAUT", OWNER, "10"));
    uint64_t id = funded_vault(f, "3", "1000"); /* exactly at the cap */
    char json[128];
    snprintf(json, sizeof(json), "{\"op\":\"vault.borrow\",\"id\":%llu,\"amount\":\"0.000001\"}", (unsigned long long)id);
    fixture_expect_rejected(f, "tom", json, ERR_SUPPLY_CAP);
    assert_ok(vop(f, "tom", "repay", id, "500"));
    assert_ok(vop(f, "tom", "borrow", id, "500"));
    fixture_close(f);
}

static void bad_input_refused_at_decode(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    uint64_t id = funded_vault(f, "3", NULL);
    (void)id;
    struct command cmd;
    assert_err(fixture_decode(f, "{\"op\":\"vault.deposit\",\"id\":99,\"amount\":\"1\"}", &cmd), ERR_UNKNOWN_VAULT);
    assert_err(fixture_decode(f, "{\"op\":\"vault.deposit\",\"id\":1,\"amount\":\"0\"}", &cmd), ERR_INVALID_AMOUNT);
    assert_err(fixture_decode(f, "{\"op\":\"vault.deposit\",\"id\":1,\"amount\":\"-1\"}", &cmd), ERR_INVALID_AMOUNT);
    assert_err(fixture_decode(f, "{\"op\":\"vault.deposit\",\"id\":1,\"amount\":\"0.0000001\"}", &cmd), ERR_INVALID_AMOUNT);
    assert_err(fixture_decode(f, "{\"op\":\"vault.deposit\",\"id\":0,\"amount\":\"1\"}", &cmd), ERR_INVALID_ARGUMENT);
    assert_err(fixture_decode(f, "{\"op\":\"vault.open\",\"type\":\"X A\",\"owner\":\"" OWNER "\"}", &cmd),
               ERR_INVALID_ARGUMENT);
    assert_err(fixture_decode(f, "{\"op\":\"vault.open\",\"type\":\"XAU-A\"}", &cmd), ERR_MISSING_FIELD);
    assert_err(fixture_decode(f, "{\"op\":\"vault.type.set\",\"type\":\"XAU-A\",\"min_ratio\":\"150\"}", &cmd),
               ERR_INVALID_AMOUNT);
    assert_err(fixture_decode(f, "{\"op\":\"vault.type.set\",\"type\":\"XAU-A\",\"min_ratio\":\"150.0%\"}", &cmd),
               ERR_INVALID_AMOUNT);
    assert_err(fixture_decode(f, "{\"op\":\"vault.type.set\",\"type\":\"XAU-A\",\"collateral\":\"NOPE\"}", &cmd),
               ERR_UNKNOWN_ASSET);
    /* the decoder fills the vault's asset: collateral for deposit, debt for borrow */
    assert_ok(fixture_decode(f, "{\"op\":\"vault.deposit\",\"id\":1,\"amount\":\"1.5\"}", &cmd));
    assert_int_equal(cmd.asset, fixture_asset(f, "XAUT"));
    assert_u128_equal(cmd.amount, 1500000);
    assert_ok(fixture_decode(f, "{\"op\":\"vault.borrow\",\"id\":1,\"amount\":\"2\"}", &cmd));
    assert_int_equal(cmd.asset, fixture_asset(f, "USDW"));
    assert_err(fixture_decode(f, "{\"op\":\"vault.liquidate\",\"id\":99,\"by\":\"" LIQ "\"}", &cmd), ERR_UNKNOWN_VAULT);
    /* vault.type.set names its debt asset for amounts (nothing looked up) */
    assert_err(fixture_decode(f, "{\"op\":\"vault.type.set\",\"type\":\"XAU-A\",\"dust\":\"5\"}", &cmd), ERR_MISSING_FIELD);
    assert_ok(fixture_decode(f, "{\"op\":\"vault.type.set\",\"type\":\"XAU-A\",\"asset\":\"USDW\",\"dust\":\"5\"}", &cmd));
    assert_u128_equal(cmd.daily_mint_limit, 5000000);
    assert_ok(fixture_decode(f, "{\"op\":\"vault.type.set\",\"type\":\"XAU-A\",\"penalty\":\"6%\"}", &cmd));
    assert_false(cmd.present & CMD_HAS_ASSET);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* vault.type.set                                                        */
/* --------------------------------------------------------------------- */

static void type_set_is_timelocked_by_default(void **state) {
    (void)state;
    type_set_now = 0;
    struct fixture *f = open_vaults(NULL);
    type_set_now = 1;
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"vault.type.set\",\"type\":\"XAU-A\",\"min_ratio\":\"160%\"}"));
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    assert_int_equal(f->e.s.vlt.types[0].min_ratio_ppm, 1500000);
    block_at(f, FIXTURE_T0_NS + 24 * HOUR_NS);
    assert_ok(fixture_applyf(f, "alice", "{\"op\":\"timelock.execute\",\"id\":%llu}",
                             (unsigned long long)f->e.s.timelock[0].id));
    assert_int_equal(f->e.s.vlt.types[0].min_ratio_ppm, 1600000);
    fixture_expect_rejected(f, "tom", "{\"op\":\"vault.type.set\",\"type\":\"XAU-A\",\"min_ratio\":\"170%\"}",
                            ERR_UNAUTHORIZED);
    fixture_close(f);
}

static void type_set_adds_and_changes_types_validated(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    assert_ok(fixture_apply(f, "alice",
                            "{\"op\":\"vault.type.set\",\"type\":\"XAU-B\",\"asset\":\"USDW\",\"collateral\":\"XAUT\","
                            "\"feed\":\"XAU\",\"min_ratio\":\"200%\",\"liquidation_ratio\":\"120%\",\"penalty\":\"10%\","
                            "\"debt_ceiling\":\"500\",\"dust\":\"1\"}"));
    assert_int_equal(f->events.items[0].type, EVENT_VAULT_TYPE_SET);
    assert_int_equal(f->events.items[0].flags & 1u, 1);
    assert_int_equal(f->e.s.vlt.types_count, 3);
    const struct vault_type *t = &f->e.s.vlt.types[2];
    assert_string_equal(t->name, "XAU-B");
    assert_int_equal(t->penalty_ppm, 100000);
    assert_u128_equal(t->debt_ceiling, amt(f, "USDW", "500"));
    struct buf jb;
    buf_init(&jb);
    struct jw w;
    jw_init(&w, &jb);
    event_write_json(&f->e, &f->events.items[0], 3, "alice", &w);
    char text[1024];
    text_of(&jb, text, sizeof(text));
    assert_non_null(strstr(text, "\"created\":true"));
    assert_non_null(strstr(text, "\"penalty\""));
    uint64_t id = open_vault(f, "XAU-B", OWNER);
    assert_ok(vop(f, "tom", "deposit", id, "1"));
    assert_ok(vop(f, "tom", "borrow", id, "500"));
    /* refusals: a new type missing parameters, a penalty too high, a
     * changed collateral, a debt asset of the wrong kind */
    fixture_expect_rejected(f, "alice", "{\"op\":\"vault.type.set\",\"type\":\"XAU-C\",\"asset\":\"USDW\"}",
                            ERR_MISSING_FIELD);
    fixture_expect_rejected(f, "alice", "{\"op\":\"vault.type.set\",\"type\":\"XAU-B\",\"penalty\":\"20%\"}",
                            ERR_INVALID_ARGUMENT);
    fixture_expect_rejected(f, "alice", "{\"op\":\"vault.type.set\",\"type\":\"XAU-B\",\"collateral\":\"USDW\"}",
                            ERR_INVALID_ARGUMENT);
    fixture_expect_rejected(f, "alice", "{\"op\":\"vault.type.set\",\"type\":\"XAU-B\",\"asset\":\"USDF\"}",
                            ERR_INVALID_ARGUMENT);
    fixture_expect_rejected(f, "alice",
                            "{\"op\":\"vault.type.set\",\"type\":\"XAU-D\",\"asset\":\"XAUT\",\"collateral\":\"XAUT\","
                            "\"feed\":\"XAU\",\"min_ratio\":\"200%\",\"liquidation_ratio\":\"120%\",\"debt_ceiling\":\"5\"}",
                            ERR_INVALID_ARGUMENT);
    /* a change of ratios: the vault at 400% stays, a lower ceiling binds */
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"vault.type.set\",\"type\":\"XAU-B\",\"min_ratio\":\"300%\",\"liquidation_ratio\":\"150%\"}"));
    assert_int_equal(f->events.items[0].flags & 1u, 0);
    assert_int_equal(f->e.s.vlt.types[2].min_ratio_ppm, 3000000);
    check_invariants(f);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* check 11: vault debt is collateral-backed                             */
/* --------------------------------------------------------------------- */

static void check_11_leaves_vault_debt_out(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    uint64_t id = open_vault(f, "XAU-F", OWNER);
    assert_ok(vop(f, "tom", "deposit", id, "3"));
    /* no reserve report at all: a borrow is no check-11 mint */
    assert_ok(vop(f, "tom", "borrow", id, "4000"));
    assert_supply(f, "USDF", "4000");
    assert_ok(fixture_apply(f, "alice", "{\"op\":\"reserve.report\",\"asset\":\"USDF\",\"amount\":\"1000\"}"));
    /* a plain mint is checked against the supply the reserve backs: 0 + 1000 */
    assert_ok(fixture_mint(f, "alice", "USDF", OTHER, "1000"));
    fixture_expect_rejected(f, "alice", J_MINT("USDF", ADDR_2, "0.000001"), ERR_RESERVE_INSUFFICIENT);
    /* repaying vault debt does not free reserve room */
    assert_ok(vop(f, "tom", "repay", id, "1000"));
    fixture_expect_rejected(f, "alice", J_MINT("USDF", ADDR_2, "0.000001"), ERR_RESERVE_INSUFFICIENT);
    check_invariants(f);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* scale: 10,000 vaults re-checked after a price move                    */
/* --------------------------------------------------------------------- */

static void scan_finds_every_vault_below(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    assert_ok(fixture_mint(f, "alice", "XAUT", OWNER, "100000"));
    for (unsigned i = 0; i < 10000; i++) {
        if (f->in_block && f->block_applied > FIXTURE_BLOCK_COMMANDS - 4) next_block(f);
        uint64_t id = open_vault(f, "XAU-A", OWNER);
        assert_ok(vop(f, "tom", "deposit", id, "1"));
        /* debts 100..1099 USDW: health 2000/debt */
        char debt[16];
        snprintf(debt, sizeof(debt), "%u", 100 + i % 1000);
        assert_ok(vop(f, "tom", "borrow", id, debt));
    }
    check_invariants(f);
    set_price(f, "1100"); /* below 110%: debt > 1000 -> 99 of every 1000 */
    static uint64_t ids[LIMIT_VAULTS];
    uint32_t n = vault_scan_below(&f->e, 0, 1100000, ids, LIMIT_VAULTS);
    assert_int_equal(n, 990);
    for (uint32_t k = 0; k < n; k++) assert_true(vault_get(f, ids[k])->debt > amt(f, "USDW", "1000"));
    assert_int_equal(vault_scan_below(&f->e, -1, 1100000, NULL, 0), 990);
    fixture_close(f);
}

/* --------------------------------------------------------------------- */
/* state bytes, snapshots, replay                                        */
/* --------------------------------------------------------------------- */

static int bytes_contain(const struct buf *b, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= b->len; i++) {
        if (memcmp(b->data + i, needle, n) == 0) return 1;
    }
    return 0;
}

static void state_without_types_writes_no_section(void **state) {
    (void)state;
    struct fixture *f = fixture_open(NULL, FIXTURE_T0_NS);
    struct buf b;
    buf_init(&b);
    engine__state_write(&f->e.s, &b);
    assert_false(bytes_contain(&b, "vlt"));
    buf_free(&b);
    fixture_close(f);
    f = open_vaults(NULL);
    buf_init(&b);
    engine__state_write(&f->e.s, &b);
    assert_true(bytes_contain(&b, "vlt"));
    buf_free(&b);
    fixture_close(f);
}

/* A busy ledger: vaults borrowed, repaid, liquidated with bad debt. */
static struct fixture *busy_ledger(void) {
    struct fixture *f = open_vaults(NULL);
    uint64_t a = funded_vault(f, "3", "3000");
    uint64_t b = open_vault(f, "XAU-A", OTHER);
    assert_ok(vop(f, "tom", "deposit", b, "2"));
    assert_ok(vop(f, "tom", "borrow", b, "1000"));
    assert_ok(vop(f, "tom", "repay", b, "200"));
    next_block(f);
    set_price(f, "900");
    assert_ok(liquidate(f, a));
    open_vault(f, "XAU-F", OWNER);
    next_block(f);
    return f;
}

static void state_snapshot_round_trip_keeps_hash(void **state) {
    (void)state;
    struct fixture *f = busy_ledger();
    block_at(f, f->e.s.time_ns);
    struct fixture *g = fixture_from_snapshot(f, NULL); /* asserts equal hashes */
    assert_int_equal(g->e.s.vlt.vaults_count, 3);
    assert_memory_equal(&f->e.s.vlt.types, &g->e.s.vlt.types, sizeof(f->e.s.vlt.types));
    assert_memory_equal(&f->e.s.vlt.vaults, &g->e.s.vlt.vaults, 3 * sizeof(struct vault));
    check_invariants(g);
    /* both go on the same way, and a vault change moves the hash */
    char h1[HASH_HEX_SIZE], h2[HASH_HEX_SIZE];
    block_at(f, f->e.s.time_ns);
    block_at(g, g->e.s.time_ns);
    assert_ok(vop(f, "tom", "repay", 2, "100"));
    assert_ok(vop(g, "tom", "repay", 2, "100"));
    next_block(f);
    next_block(g);
    fixture_state_hex(f, h1);
    fixture_state_hex(g, h2);
    assert_string_equal(h1, h2);
    block_at(g, g->e.s.time_ns);
    assert_ok(vop(g, "tom", "deposit", 3, "1"));
    next_block(g);
    fixture_state_hex(g, h2);
    assert_string_not_equal(h1, h2);
    fixture_close(g);
    fixture_close(f);
}

/* The offset of the "vlt" section in a snapshot. */
static size_t vlt_offset(const struct buf *b) {
    for (size_t i = 0; i + 3 <= b->len; i++) {
        if (memcmp(b->data + i, "vlt", 3) == 0) return i;
    }
    fail_msg("no vlt section");
    return 0;
}

static enum err read_patched(const struct buf *snap, size_t at, uint8_t value) {
    uint8_t *copy = malloc(snap->len);
    memcpy(copy, snap->data, snap->len);
    copy[at] = value;
    struct fixture *g = fixture_open_empty(64);
    enum err err = engine_snapshot_read(&g->e, copy, snap->len);
    fixture_close(g);
    free(copy);
    return err;
}

static void state_corrupted_section_refused(void **state) {
    (void)state;
    struct fixture *f = busy_ledger();
    block_at(f, f->e.s.time_ns);
    struct buf snap;
    struct fixture *g = fixture_from_snapshot(f, &snap);
    fixture_close(g);
    size_t at = vlt_offset(&snap);
    /* types_count (u32 after the magic, low byte first): 0, and past the limit */
    assert_err(read_patched(&snap, at + 3, 0), ERR_IO);
    assert_err(read_patched(&snap, at + 3, LIMIT_VAULT_TYPES + 1), ERR_IO);
    /* the first type's name: a space */
    assert_err(read_patched(&snap, at + 3 + 4, ' '), ERR_IO);
    /* a byte of the first type's totals (its total debt no longer the sum) */
    size_t type_bytes = (VAULT_TYPE_NAME_MAX + 1) + 3 * 2 + 4 * 4 + 8 + 8 * 16;
    assert_err(read_patched(&snap, at + 3 + 4 + type_bytes - 16 * 5 + 3, 0x55), ERR_IO);
    /* the first vault's type index out of range (last byte of its record) */
    size_t vaults_at = at + 3 + 4 + 2 * type_bytes + 4;
    size_t vault_bytes = 16 + 16 + 8 + ADDR_BYTES + 2;
    assert_err(read_patched(&snap, vaults_at + vault_bytes - 2, 9), ERR_IO);
    /* unpatched, it reads */
    assert_err(read_patched(&snap, at, 'v'), ERR_OK);
    buf_free(&snap);
    fixture_close(f);
}

/* Replay: the same commands, journaled (binary) and applied to a fresh
 * ledger in the same blocks, reach the same state hash. */
#define REPLAY_MAX 64u
struct replay_log {
    struct buf cmds[REPLAY_MAX];
    int64_t block_ns[REPLAY_MAX];
    uint32_t count;
};

static void log_cmd(struct fixture *f, struct replay_log *log, const char *who, const char *json) {
    struct command cmd;
    assert_ok(fixture_decode(f, json, &cmd));
    int op = engine_operator_find(&f->e, who, strlen(who));
    assert_true(op >= 0);
    cmd.operator_index = (uint32_t)op;
    if (!f->in_block) fixture_begin(f, f->e.s.time_ns, FIXTURE_BLOCK_COMMANDS);
    assert_ok(fixture_apply_cmd(f, &cmd));
    buf_init(&log->cmds[log->count]);
    command_encode(&cmd, &log->cmds[log->count]);
    log->block_ns[log->count] = f->e.s.time_ns;
    log->count++;
}

static void replay_reaches_the_same_hash(void **state) {
    (void)state;
    json_t *doc = vault_genesis_doc(NULL);
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    struct fixture *g = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    static struct replay_log log;
    memset(&log, 0, sizeof(log));
    log_cmd(f, &log, "alice", "{\"op\":\"price.update\",\"feed\":\"XAU\",\"value\":\"2000\"}");
    log_cmd(f, &log, "alice", J_MINT("XAUT", OWNER, "10"));
    log_cmd(f, &log, "alice", J_MINT("USDW", LIQ, "10000"));
    log_cmd(f, &log, "tom", "{\"op\":\"vault.open\",\"type\":\"XAU-A\",\"owner\":\"" OWNER "\"}");
    log_cmd(f, &log, "tom", "{\"op\":\"vault.deposit\",\"id\":1,\"amount\":\"3\"}");
    log_cmd(f, &log, "tom", "{\"op\":\"vault.borrow\",\"id\":1,\"amount\":\"3000\"}");
    log_cmd(f, &log, "alice", "{\"op\":\"vault.type.set\",\"type\":\"XAU-A\",\"asset\":\"USDW\",\"penalty\":\"7.5%\",\"dust\":\"10\"}");
    next_block(f);
    log_cmd(f, &log, "alice", "{\"op\":\"price.update\",\"feed\":\"XAU\",\"value\":\"1050\"}");
    log_cmd(f, &log, "lena", "{\"op\":\"vault.liquidate\",\"id\":1,\"by\":\"" LIQ "\"}");
    next_block(f);
    int64_t last = 0;
    for (uint32_t i = 0; i < log.count; i++) {
        if (i == 0 || log.block_ns[i] != last) {
            /* the test's blocks: a new one where the log's time says */
        }
        last = log.block_ns[i];
        struct buf_reader r;
        buf_reader_init(&r, log.cmds[i].data, log.cmds[i].len);
        struct command cmd;
        assert_int_equal(command_decode_bin(&g->e, &r, &cmd), 0);
        assert_int_equal(r.pos, r.len);
        if (!g->in_block) fixture_begin(g, log.block_ns[i], FIXTURE_BLOCK_COMMANDS);
        assert_ok(fixture_apply_cmd(g, &cmd));
        if (i == 6 || i == log.count - 1) next_block(g); /* the same two block boundaries */
        buf_free(&log.cmds[i]);
    }
    char h1[HASH_HEX_SIZE], h2[HASH_HEX_SIZE];
    fixture_state_hex(f, h1);
    fixture_state_hex(g, h2);
    assert_string_equal(h1, h2);
    assert_int_equal(g->e.s.vlt.types[0].penalty_ppm, 75000);
    assert_int_equal(g->e.s.vlt.types[0].liquidations_count, 1);
    fixture_close(g);
    fixture_close(f);
}

static void event_liquidated_journal_form_round_trips(void **state) {
    (void)state;
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    ev.seq = 7;
    ev.type = EVENT_LIQUIDATED;
    ev.amount = 1;
    ev.amount2 = 2;
    ev.amount3 = 3;
    ev.amount4 = 4;
    ev.amount5 = (u128)5 << 100;
    struct buf b;
    buf_init(&b);
    event_encode(&ev, &b);
    struct buf_reader r;
    buf_reader_init(&r, b.data, b.len);
    struct event back;
    memset(&back, 0xAB, sizeof(back));
    assert_int_equal(event_decode(&r, &back), 0);
    assert_int_equal(r.pos, r.len);
    assert_u128_equal(back.amount2, 2);
    assert_u128_equal(back.amount3, 3);
    assert_u128_equal(back.amount4, 4);
    assert_u128_equal(back.amount5, (u128)5 << 100);
    /* other vault events keep the short form */
    ev.type = EVENT_VAULT_BORROWED;
    struct buf c;
    buf_init(&c);
    event_encode(&ev, &c);
    assert_int_equal(c.len, b.len - 4 * 16);
    buf_free(&c);
    buf_free(&b);
}

static void command_bin_type_set_round_trips(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    struct command cmd;
    assert_ok(fixture_decode(f,
                             "{\"op\":\"vault.type.set\",\"type\":\"XAU-Z\",\"asset\":\"USDW\",\"collateral\":\"XAUT\","
                             "\"feed\":\"XAU\",\"min_ratio\":\"175.5%\",\"liquidation_ratio\":\"120%\","
                             "\"penalty\":\"0.25%\",\"debt_ceiling\":\"0\",\"dust\":\"0\"}",
                             &cmd));
    assert_int_equal(cmd.vault_min_ratio_ppm, 1755000);
    assert_int_equal(cmd.vault_penalty_ppm, 2500);
    struct buf b;
    buf_init(&b);
    command_encode(&cmd, &b);
    struct buf_reader r;
    buf_reader_init(&r, b.data, b.len);
    struct command back;
    assert_int_equal(command_decode_bin(&f->e, &r, &back), 0);
    assert_int_equal(r.pos, r.len);
    assert_string_equal(back.vault_type, "XAU-Z");
    assert_int_equal(back.vault_collateral, cmd.vault_collateral);
    assert_int_equal(back.vault_liquidation_ratio_ppm, 1200000);
    struct buf jb;
    buf_init(&jb);
    struct jw w;
    jw_init(&w, &jb);
    command_write_args(&f->e, &back, &w);
    char text[1024];
    assert_string_equal(text_of(&jb, text, sizeof(text)),
                        "{\"type\":\"XAU-Z\",\"asset\":\"USDW\",\"collateral\":\"XAUT\",\"feed\":\"XAU\","
                        "\"min_ratio\":\"175.5%\",\"liquidation_ratio\":\"120%\",\"penalty\":\"0.25%\","
                        "\"debt_ceiling\":\"0\",\"dust\":\"0\"}");
    /* a collateral index past the assets is refused */
    b.data[b.len - 14] = 0xFF;
    buf_reader_init(&r, b.data, b.len);
    (void)command_decode_bin(&f->e, &r, &back); /* whichever byte: must not crash */
    buf_free(&b);
    fixture_close(f);
}


/* --------------------------------------------------------------------- */
/* a seeded random walk over the vault ops with price moves              */
/* --------------------------------------------------------------------- */

#define WALK_STEPS 3000u
#define WALK_OWNERS 4u

/* Every command applied, in its journal form, with its block and time. */
struct walk_log {
    struct buf bytes;
    uint32_t count;
    uint32_t offset[WALK_STEPS + 64];
    uint32_t block[WALK_STEPS + 64];
    int64_t time_ns[WALK_STEPS + 64];
};

struct walk {
    struct fixture *f;
    struct walk_log *log;
    uint32_t block;
    uint32_t ok[OP__COUNT];
    uint32_t refused[OP__COUNT];
    u128 price;
};

static uint32_t walk_op(const struct fixture *f, const char *name) {
    int i = engine_operator_find(&f->e, name, strlen(name));
    assert_true(i >= 0);
    return (uint32_t)i;
}

static enum err walk_apply(struct walk *w, struct command *c, const char *who) {
    c->operator_index = walk_op(w->f, who);
    struct walk_log *log = w->log;
    assert_true(log->count < WALK_STEPS + 64);
    if (!w->f->in_block) fixture_begin(w->f, w->f->e.s.time_ns, FIXTURE_BLOCK_COMMANDS);
    log->offset[log->count] = (uint32_t)log->bytes.len;
    log->block[log->count] = w->block;
    log->time_ns[log->count] = w->f->e.s.time_ns;
    log->count++;
    command_encode(c, &log->bytes);
    enum err err = fixture_apply_cmd(w->f, c);
    if (err) w->refused[c->op]++;
    else w->ok[c->op]++;
    assert_int_equal(engine_check_invariants(&w->f->e), 0);
    return err;
}

static void walk_addr(uint32_t i, struct addr *out) {
    char text[ADDR_TEXT_SIZE];
    fixture_addr_text(100 + i, text);
    *out = fixture_addr_parse(text);
}

static void walk_price(struct walk *w) {
    /* a move of -20%..+20%, kept within 500..4000 */
    u128 p = w->price * (80 + fixture_rng_below(41)) / 100;
    u128 unit = 100000000u;
    if (p < 500 * unit) p = 500 * unit;
    if (p > 4000 * unit) p = 4000 * unit;
    w->price = p + fixture_rng_below(100); /* not round: rounding happens */
    struct command c;
    memset(&c, 0, sizeof(c));
    c.op = OP_PRICE_UPDATE;
    c.present = CMD_HAS(FIELD_FEED) | CMD_HAS(FIELD_PRICE);
    c.price = w->price;
    assert_ok(walk_apply(w, &c, "alice"));
}

static void walk_vault_op(struct walk *w) {
    const struct engine *e = &w->f->e;
    struct command c;
    memset(&c, 0, sizeof(c));
    uint32_t n = e->s.vlt.vaults_count;
    if (n == 0 || fixture_rng_percent(1)) {
        c.op = OP_VAULT_OPEN;
        c.present = CMD_HAS(FIELD_VAULT_TYPE) | CMD_HAS_FROM;
        memcpy(c.vault_type, fixture_rng_percent(70) ? "XAU-A" : "XAU-F", 6);
        walk_addr((uint32_t)fixture_rng_below(WALK_OWNERS), &c.from);
        (void)walk_apply(w, &c, "tom");
        return;
    }
    c.id = 1 + fixture_rng_below(n + 1); /* now and then one past the last */
    const struct vault *v = c.id <= n ? &e->s.vlt.vaults[c.id - 1] : NULL;
    const struct vault_type *t = v ? &e->s.vlt.types[v->type] : &e->s.vlt.types[0];
    static const uint16_t ops[] = {OP_VAULT_DEPOSIT, OP_VAULT_WITHDRAW, OP_VAULT_BORROW, OP_VAULT_REPAY,
                                   OP_VAULT_LIQUIDATE};
    c.op = ops[fixture_rng_below(5)];
    int collateral = c.op == OP_VAULT_DEPOSIT || c.op == OP_VAULT_WITHDRAW;
    c.asset = collateral ? t->collateral : t->debt;
    c.present = CMD_HAS(FIELD_ID) | CMD_HAS_ASSET;
    const char *who = "tom";
    if (c.op == OP_VAULT_LIQUIDATE) {
        c.present |= CMD_HAS_TO;
        c.to = fixture_addr_parse(LIQ);
        who = "lena";
    } else {
        c.present |= CMD_HAS_AMOUNT;
        uint64_t unit = 1000000u;
        c.amount = collateral ? 1 + fixture_rng_below(5 * unit) : 1 + fixture_rng_below(3000 * unit);
        if (v && c.op == OP_VAULT_REPAY && v->debt && fixture_rng_percent(30)) c.amount = v->debt;
        if (v && c.op == OP_VAULT_WITHDRAW && v->collateral && fixture_rng_percent(20)) c.amount = v->collateral;
        u128 value;
        if (v && c.op == OP_VAULT_BORROW && fixture_rng_percent(40) && vault_collateral_value(e, v, &value) == ERR_OK) {
            /* up to min_ratio exactly (or a unit past it) */
            u128 most = value * VAULT_PPM / t->min_ratio_ppm;
            if (most > v->debt) c.amount = most - v->debt + fixture_rng_below(2);
        }
    }
    enum err err = walk_apply(w, &c, who);
    if (err == ERR_OK && v && (c.op == OP_VAULT_BORROW || c.op == OP_VAULT_WITHDRAW)) {
        /* never below min_ratio after a borrow or a withdrawal */
        assert_true(vault_at_least(e, v, e->s.feeds[t->feed].value, t->min_ratio_ppm));
    }
    if (err == ERR_OK && v && c.op == OP_VAULT_LIQUIDATE) {
        assert_u128_equal(v->debt, 0);
        assert_u128_equal(v->collateral, 0);
    }
}

static void walk_setup(struct walk *w) {
    struct command c;
    for (uint32_t i = 0; i < WALK_OWNERS; i++) {
        memset(&c, 0, sizeof(c));
        c.op = OP_MINT;
        c.present = CMD_HAS_ASSET | CMD_HAS_TO | CMD_HAS_AMOUNT;
        c.asset = (uint16_t)fixture_asset(w->f, "XAUT");
        walk_addr(i, &c.to);
        c.amount = (u128)1000 * 1000000u;
        assert_ok(walk_apply(w, &c, "alice"));
    }
    memset(&c, 0, sizeof(c));
    c.op = OP_MINT;
    c.present = CMD_HAS_ASSET | CMD_HAS_TO | CMD_HAS_AMOUNT;
    c.asset = (uint16_t)fixture_asset(w->f, "USDW");
    c.to = fixture_addr_parse(LIQ);
    c.amount = (u128)100000000 * 1000000u;
    assert_ok(walk_apply(w, &c, "alice"));
    /* USDF is fiat: a reserve report (its borrows need none; mints would) */
    assert_ok(fixture_decode(w->f, "{\"op\":\"reserve.report\",\"asset\":\"USDF\",\"amount\":\"100000000\"}", &c));
    assert_ok(walk_apply(w, &c, "alice"));
}

static void random_walk_keeps_every_invariant_and_replays(void **state) {
    (void)state;
    json_t *doc = vault_genesis_doc(NULL);
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    static struct walk_log log;
    memset(&log, 0, sizeof(log));
    buf_init(&log.bytes);
    struct walk w;
    memset(&w, 0, sizeof(w));
    w.f = f;
    w.log = &log;
    w.price = (u128)2000 * 100000000u;
    fixture_rng_seed(0x7661756c74ull); /* "vault" */
    walk_price(&w);
    walk_setup(&w);
    for (uint32_t i = 0; i < WALK_STEPS; i++) {
        if (fixture_rng_percent(2)) {
            /* a new block, 10 minutes on (now and then 2 hours: stale until the next price) */
            next_block(f);
            w.block++;
            int64_t step = fixture_rng_percent(10) ? 2 * HOUR_NS : HOUR_NS / 6;
            fixture_begin(f, f->e.s.time_ns + step, FIXTURE_BLOCK_COMMANDS);
        }
        if (fixture_rng_percent(8)) walk_price(&w);
        else walk_vault_op(&w);
    }
    next_block(f);
    /* the walk did something of each */
    for (unsigned op = OP_VAULT_OPEN; op <= OP_VAULT_LIQUIDATE; op++) {
        print_message("%-16s ok %4u refused %4u\n", op_table()[op].name, w.ok[op], w.refused[op]);
    }
    assert_true(w.ok[OP_VAULT_BORROW] > 100);
    assert_true(w.ok[OP_VAULT_REPAY] > 50);
    assert_true(w.ok[OP_VAULT_WITHDRAW] > 50);
    assert_true(w.ok[OP_VAULT_LIQUIDATE] > 5);
    assert_true(w.refused[OP_VAULT_LIQUIDATE] > 5);
    assert_true(w.refused[OP_VAULT_BORROW] > 5);

    /* replay: the journal form on a fresh ledger, in the same blocks */
    struct fixture *g = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    uint32_t block = UINT32_MAX;
    for (uint32_t i = 0; i < log.count; i++) {
        if (log.block[i] != block) {
            next_block(g);
            fixture_begin(g, log.time_ns[i], FIXTURE_BLOCK_COMMANDS);
            block = log.block[i];
        }
        uint32_t end = i + 1 < log.count ? log.offset[i + 1] : (uint32_t)log.bytes.len;
        struct buf_reader r;
        buf_reader_init(&r, log.bytes.data + log.offset[i], end - log.offset[i]);
        struct command cmd;
        assert_int_equal(command_decode_bin(&g->e, &r, &cmd), 0);
        assert_int_equal(r.pos, r.len);
        (void)fixture_apply_cmd(g, &cmd);
    }
    next_block(g);
    char h1[HASH_HEX_SIZE], h2[HASH_HEX_SIZE];
    fixture_state_hex(f, h1);
    fixture_state_hex(g, h2);
    assert_string_equal(h1, h2);
    /* and a snapshot of the end state reads back to the same hash */
    block_at(f, f->e.s.time_ns);
    struct fixture *h = fixture_from_snapshot(f, NULL);
    check_invariants(h);
    fixture_close(h);
    fixture_close(g);
    fixture_close(f);
    buf_free(&log.bytes);
}

/* The vault kinds share a union with a title and country sets: another
 * op's long title must still decode from its journal form (found by the
 * integration tests' audits). */
static void command_bin_other_ops_sharing_the_union_still_decode(void **state) {
    (void)state;
    struct fixture *f = open_vaults(NULL);
    static const char *const jsons[] = {
        "{\"op\":\"incident.open\",\"severity\":\"P1\",\"title\":\"a title long enough to reach every vault field\"}",
        "{\"op\":\"maintenance.start\",\"duration\":\"1h\",\"reason\":\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"}",
    };
    for (unsigned i = 0; i < sizeof(jsons) / sizeof(jsons[0]); i++) {
        struct command cmd;
        assert_ok(fixture_decode(f, jsons[i], &cmd));
        struct buf b;
        buf_init(&b);
        command_encode(&cmd, &b);
        struct buf_reader r;
        buf_reader_init(&r, b.data, b.len);
        struct command back;
        assert_int_equal(command_decode_bin(&f->e, &r, &back), 0);
        assert_int_equal(r.pos, r.len);
        assert_string_equal(back.text, cmd.text);
        buf_free(&b);
    }
    fixture_close(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(genesis_reads_vault_types),
        cmocka_unit_test(genesis_refuses_bad_vault_types),
        cmocka_unit_test(open_deposit_borrow_repay_withdraw_move_tokens),
        cmocka_unit_test(owner_named_must_be_the_vaults),
        cmocka_unit_test(vaults_of_a_rolled_back_request_or_aborted_block_leave_no_trace),
        cmocka_unit_test(borrow_exactly_at_min_ratio_allowed_one_unit_more_refused),
        cmocka_unit_test(withdraw_exactly_at_min_ratio_allowed_one_unit_more_refused),
        cmocka_unit_test(liquidation_strictly_below_liquidation_ratio),
        cmocka_unit_test(liquidation_penalty_split_exact),
        cmocka_unit_test(liquidation_short_of_value_records_bad_debt),
        cmocka_unit_test(liquidation_needs_the_liquidators_funds),
        cmocka_unit_test(debt_ceiling_only_when_debt_grows),
        cmocka_unit_test(dust_debt_zero_or_at_least_dust),
        cmocka_unit_test(stale_or_frozen_feed_stops_borrow_withdraw_liquidate),
        cmocka_unit_test(refusals_change_nothing),
        cmocka_unit_test(escrow_is_no_partys_address),
        cmocka_unit_test(borrow_bounded_by_the_debt_assets_supply_cap),
        cmocka_unit_test(bad_input_refused_at_decode),
        cmocka_unit_test(type_set_is_timelocked_by_default),
        cmocka_unit_test(type_set_adds_and_changes_types_validated),
        cmocka_unit_test(check_11_leaves_vault_debt_out),
        cmocka_unit_test(scan_finds_every_vault_below),
        cmocka_unit_test(state_without_types_writes_no_section),
        cmocka_unit_test(state_snapshot_round_trip_keeps_hash),
        cmocka_unit_test(state_corrupted_section_refused),
        cmocka_unit_test(replay_reaches_the_same_hash),
        cmocka_unit_test(event_liquidated_journal_form_round_trips),
        cmocka_unit_test(command_bin_type_set_round_trips),
        cmocka_unit_test(command_bin_other_ops_sharing_the_union_still_decode),
        cmocka_unit_test(random_walk_keeps_every_invariant_and_replays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
