/*
 * test_authz.c - the authorisation matrix: every op of the op table x every
 * role, held globally (r_<role>), for the command's asset (a_<role>, role
 * @USDW), for another asset only (o_<role>, role@OTH), by an operator with
 * no role ("none"), by the controller holding no role ("ctl") and by an
 * operator index the engine does not know ("ghost").
 *
 * Every governed op is single-approval and zero-timelock in the genesis, so
 * an authorised command runs at once: it must succeed (ERR_OK: the
 * arguments are chosen valid), and a refused one must be ERR_UNAUTHORIZED
 * and change nothing (fixture_expect_rejected). The expectation is computed
 * from the op table's role and SPEC 4's "a role held globally or for the
 * op's asset", so a new op without a row here fails
 * every_op_of_the_table_has_a_matrix_row.
 *
 * The OP_META ops check their own rules (governance.c), tested one by one
 * against a real proposal or timelock entry:
 *   approve, timelock.execute  the role of the op approved/executed, for its asset
 *   cancel                     the proposer, a (global) admin, the controller
 *   timelock.cancel            a (global) admin, the controller
 *   controller.propose         the controller
 *   controller.accept          the pending controller
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/engine/restrict.h"
#include "../support/engine_fixture.h"

#define T0 (INT64_C(1790000000) * 1000000000)
#define HOUR (INT64_C(3600) * 1000000000)
#define JSON_MAX 512u

/* ------------------------------------------------------------------ */
/* the operators under test                                           */
/* ------------------------------------------------------------------ */

enum who_kind { WHO_GLOBAL, WHO_ASSET, WHO_OTHER, WHO_NONE, WHO_CONTROLLER, WHO_GHOST };

struct who {
    char name[LIMIT_OPERATOR_NAME + 1];
    enum who_kind kind;
    enum role role; /* WHO_GLOBAL, WHO_ASSET, WHO_OTHER */
};

#define WHO_MAX (3u * ROLE__COUNT + 3u)
static struct who whos[WHO_MAX];
static unsigned whos_count;

static void whos_init(void) {
    whos_count = 0;
    static const char *const prefix[3] = {"r_", "a_", "o_"};
    for (unsigned k = 0; k < 3; k++) {
        for (unsigned r = 0; r < ROLE__COUNT; r++) {
            struct who *w = &whos[whos_count++];
            snprintf(w->name, sizeof(w->name), "%s%s", prefix[k], role_name((enum role)r));
            w->kind = (enum who_kind)k;
            w->role = (enum role)r;
        }
    }
    static const struct {
        const char *name;
        enum who_kind kind;
    } extra[] = {{"none", WHO_NONE}, {"ctl", WHO_CONTROLLER}, {"ghost", WHO_GHOST}};
    for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
        struct who *w = &whos[whos_count++];
        snprintf(w->name, sizeof(w->name), "%s", extra[i].name);
        w->kind = extra[i].kind;
        w->role = ROLE__COUNT;
    }
}

/* Holds `role` globally, or for USDW when the command is about USDW. */
static int who_holds(const struct who *w, enum role role, int for_usdw) {
    if (w->role != role) return 0;
    return w->kind == WHO_GLOBAL || (w->kind == WHO_ASSET && for_usdw);
}

static const char *who_desc(const struct who *w) {
    switch (w->kind) {
    case WHO_GLOBAL: return "global role";
    case WHO_ASSET: return "role@USDW";
    case WHO_OTHER: return "role@OTH";
    case WHO_NONE: return "no role";
    case WHO_CONTROLLER: return "controller, no role";
    case WHO_GHOST: return "unknown operator";
    }
    return "?";
}

/* Every operator with exactly one role; the controller holds none; every
 * governed op single-approval without timelock. */
static json_t *authz_genesis(void) {
    json_t *doc = fixture_genesis_new();
    for (unsigned i = 0; i < whos_count; i++) {
        const struct who *w = &whos[i];
        char roles[64] = "";
        if (w->kind == WHO_GLOBAL) snprintf(roles, sizeof(roles), "%s", role_name(w->role));
        if (w->kind == WHO_ASSET) snprintf(roles, sizeof(roles), "%s@USDW", role_name(w->role));
        if (w->kind == WHO_OTHER) snprintf(roles, sizeof(roles), "%s@OTH", role_name(w->role));
        if (w->kind != WHO_GHOST) fixture_genesis_add_operator(doc, w->name, roles);
    }
    fixture_genesis_add_asset(doc, "USDW", "plain", "0");
    fixture_genesis_add_asset(doc, "OTH", "plain", "0");
    fixture_genesis_add_asset(doc, "SEC", "security", "0");
    json_object_set_new(doc, "feeds", json_pack("[{s:s}]", "name", "XAU"));
    json_t *fund = fixture_genesis_add_asset(doc, "FND", "fund", "0");
    json_object_set_new(fund, "nav", json_string("10"));
    json_t *fiat = fixture_genesis_add_asset(doc, "FIA", "fiat", "0");
    json_object_set_new(fiat, "reserve_quorum", json_string("1"));
    /* a vault type: COL collateral, USDW debt (so per-asset roles show) */
    fixture_genesis_add_asset(doc, "COL", "plain", "0");
    json_object_set_new(doc, "vault_types",
                        json_pack("[{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}]", "name", "COL-A",
                                  "collateral", "COL", "feed", "XAU", "debt", "USDW", "min_ratio", "150%",
                                  "liquidation_ratio", "110%", "penalty", "5%", "debt_ceiling", "100000",
                                  "dust", "1"));
    json_t *policies = json_array();
    const struct op_def *ops = op_table();
    for (unsigned i = 0; i < OP__COUNT; i++) {
        if (ops[i].flags & OP_META) continue;
        json_t *p = json_pack("{s:s, s:s, s:s}", "op", ops[i].name, "approvals", "1", "timelock",
                              "0s");
        json_array_append_new(policies, p);
    }
    json_object_set_new(doc, "policies", policies);
    json_object_set_new(doc, "bridge_routes",
                        json_pack("[{s:s, s:s, s:s, s:s, s:s}]", "chain", "138", "asset", "USDW",
                                  "timeout", "1s", "min", "1", "buffer_account", ADDR_3));
    json_object_set_new(doc, "controller", json_string("ctl"));
    return doc;
}

/* A fresh engine: 100 USDW and 100 OTH on ADDR_1, 5 USDW of it frozen, a
 * reserve report for FIA. */
static json_t *genesis_doc; /* built once: operator keys are costly to derive */

static struct fixture *authz_open(void) {
    if (genesis_doc == NULL) genesis_doc = authz_genesis();
    struct fixture *f = fixture_open(genesis_doc, T0);
    assert_ok(fixture_mint(f, "r_minter", "USDW", ADDR_1, "100"));
    assert_ok(fixture_mint(f, "r_minter", "OTH", ADDR_1, "100"));
    assert_ok(fixture_apply(f, "r_compliance",
                            "{\"op\":\"freeze\",\"address\":\"" ADDR_1
                            "\",\"asset\":\"USDW\",\"amount\":\"5\"}"));
    /* an identity with a claim, for identity.remove and claim.revoke */
    assert_ok(fixture_apply(f, "r_compliance",
                            "{\"op\":\"identity.register\",\"address\":\"" ADDR_1 "\",\"country\":\"DE\"}"));
    assert_ok(fixture_apply(f, "r_compliance",
                            "{\"op\":\"claim.set\",\"address\":\"" ADDR_1
                            "\",\"topic\":\"kyc\",\"expires\":\"2099-01-01\"}"));
    /* a verified reserve, so that por.publish can run */
    assert_ok(fixture_apply(f, "r_reserve_reporter",
                            "{\"op\":\"reserve.report\",\"asset\":\"FIA\",\"amount\":\"1\"}"));
    /* snapshot 1 (ADDR_1's USDW) and payout 1 of it (1 OTH from ADDR_2), a
     * block before, so that payout.create and payout.distribute can run */
    assert_ok(fixture_apply(f, "r_compliance",
                            "{\"op\":\"claim.set\",\"address\":\"" ADDR_1
                            "\",\"topic\":\"tax_form\",\"expires\":\"2099-01-01\"}"));
    assert_ok(fixture_mint(f, "r_minter", "OTH", ADDR_2, "10"));
    assert_ok(fixture_apply(f, "r_payout_manager", "{\"op\":\"payout.snapshot\",\"asset\":\"USDW\"}"));
    assert_ok(fixture_apply(f, "r_payout_manager",
                            "{\"op\":\"payout.create\",\"snapshot\":1,\"pay\":\"OTH\",\"total\":\"1\","
                            "\"from\":\"" ADDR_2 "\",\"mode\":\"full\"}"));
    /* incident 1 (P1: an emergency), a maintenance window, and timelock
     * entry 1 (a mint_resume scheduled for an hour), for the incident ops,
     * maintenance.end and timelock.expedite */
    assert_ok(fixture_apply(f, "r_incident_manager",
                            "{\"op\":\"incident.open\",\"severity\":\"P1\",\"title\":\"reserve short\"}"));
    assert_ok(fixture_apply(f, "r_incident_manager",
                            "{\"op\":\"maintenance.start\",\"duration\":\"2h\",\"reason\":\"upgrade\"}"));
    assert_ok(fixture_apply(f, "r_admin",
                            "{\"op\":\"policy.set\",\"target_op\":\"mint_resume\",\"asset\":\"OTH\",\"timelock\":\"1h\"}"));
    assert_ok(fixture_apply(f, "r_pauser", "{\"op\":\"mint_resume\",\"asset\":\"OTH\"}"));
    /* bridge transfers 1 and 2 past their timeout, 2's refund requested
     * by r_bridge_operator, for bridge.confirm, refund, refund_execute */
    for (int i = 0; i < 2; i++) {
        assert_ok(fixture_apply(f, "r_bridge_operator",
                                "{\"op\":\"bridge.send\",\"asset\":\"USDW\",\"from\":\"" ADDR_1
                                "\",\"chain\":\"138\",\"to\":\"" ADDR_4 "\",\"amount\":\"1\"}"));
    }
    fixture_seal(f, NULL);
    fixture_begin(f, f->e.s.time_ns + 1000000000, FIXTURE_BLOCK_COMMANDS);
    assert_ok(fixture_apply(f, "r_bridge_operator", "{\"op\":\"bridge.refund\",\"id\":2}"));
    /* vault 1 (ADDR_1: 50 COL, 10 USDW owed) and vault 2 (ADDR_3: 10 COL,
     * 600 USDW owed), then XAU at 60: vault 2 below 110%, for the vault ops */
    assert_ok(fixture_apply(f, "r_oracle_updater", "{\"op\":\"price.update\",\"feed\":\"XAU\",\"value\":\"100\"}"));
    assert_ok(fixture_mint(f, "r_minter", "COL", ADDR_1, "100"));
    assert_ok(fixture_mint(f, "r_minter", "COL", ADDR_3, "10"));
    assert_ok(fixture_mint(f, "r_minter", "USDW", ADDR_4, "1000"));
    assert_ok(fixture_apply(f, "r_transfer_agent", "{\"op\":\"vault.open\",\"type\":\"COL-A\",\"owner\":\"" ADDR_1 "\"}"));
    assert_ok(fixture_apply(f, "r_transfer_agent", "{\"op\":\"vault.deposit\",\"id\":1,\"amount\":\"50\"}"));
    assert_ok(fixture_apply(f, "r_transfer_agent", "{\"op\":\"vault.borrow\",\"id\":1,\"amount\":\"10\"}"));
    assert_ok(fixture_apply(f, "r_transfer_agent", "{\"op\":\"vault.open\",\"type\":\"COL-A\",\"owner\":\"" ADDR_3 "\"}"));
    assert_ok(fixture_apply(f, "r_transfer_agent", "{\"op\":\"vault.deposit\",\"id\":2,\"amount\":\"10\"}"));
    assert_ok(fixture_apply(f, "r_transfer_agent", "{\"op\":\"vault.borrow\",\"id\":2,\"amount\":\"600\"}"));
    assert_ok(fixture_apply(f, "r_oracle_updater", "{\"op\":\"price.update\",\"feed\":\"XAU\",\"value\":\"60\"}"));
    fixture_seal(f, NULL);
    return f;
}

/* ------------------------------------------------------------------ */
/* the plain ops: one or two valid commands each                      */
/* ------------------------------------------------------------------ */

struct variant {
    const char *op;
    const char *json; /* "%s" (when present) takes a public key */
    unsigned pubkey_seed;
};

static const struct variant variants[] = {
    {"mint", J_MINT("USDW", ADDR_2, "1"), 0},
    {"burn", J_BURN("USDW", ADDR_1, "1"), 0},
    {"transfer", J_TRANSFER("USDW", ADDR_1, ADDR_2, "1"), 0},
    {"pause", J_PAUSE_ALL, 0},
    {"pause", J_PAUSE("USDW"), 0},
    {"unpause", J_UNPAUSE_ALL, 0},
    {"unpause", J_UNPAUSE("USDW"), 0},
    {"dev.advance", J_ADVANCE("1h"), 0},
    {"mint_halt", "{\"op\":\"mint_halt\",\"asset\":\"USDW\"}", 0},
    {"mint_resume", "{\"op\":\"mint_resume\",\"asset\":\"USDW\"}", 0},
    {"caps.set", "{\"op\":\"caps.set\",\"asset\":\"USDW\",\"supply_cap\":\"1000\"}", 0},
    {"role.grant", "{\"op\":\"role.grant\",\"name\":\"none\",\"role\":\"viewer\"}", 0},
    {"role.grant", "{\"op\":\"role.grant\",\"name\":\"none\",\"role\":\"minter\",\"asset\":\"USDW\"}",
     0},
    {"role.revoke", "{\"op\":\"role.revoke\",\"name\":\"r_viewer\",\"role\":\"viewer\"}", 0},
    {"role.revoke",
     "{\"op\":\"role.revoke\",\"name\":\"a_viewer\",\"role\":\"viewer\",\"asset\":\"USDW\"}", 0},
    {"policy.set", "{\"op\":\"policy.set\",\"target_op\":\"mint\"}", 0},
    {"policy.set",
     "{\"op\":\"policy.set\",\"target_op\":\"mint\",\"asset\":\"USDW\",\"approvals\":\"2\"}", 0},
    {"operator.add", "{\"op\":\"operator.add\",\"name\":\"newop\",\"pubkey\":\"%s\"}", 200},
    {"operator.remove", "{\"op\":\"operator.remove\",\"name\":\"none\"}", 0},
    {"operator.rotate_key", "{\"op\":\"operator.rotate_key\",\"name\":\"none\",\"pubkey\":\"%s\"}",
     201},
    {"blacklist.add", "{\"op\":\"blacklist.add\",\"address\":\"" ADDR_3 "\"}", 0},
    {"blacklist.remove", "{\"op\":\"blacklist.remove\",\"address\":\"" ADDR_3 "\"}", 0},
    {"freeze", "{\"op\":\"freeze\",\"address\":\"" ADDR_2 "\"}", 0},
    {"freeze", "{\"op\":\"freeze\",\"address\":\"" ADDR_2 "\",\"asset\":\"USDW\"}", 0},
    {"freeze", "{\"op\":\"freeze\",\"address\":\"" ADDR_1 "\",\"asset\":\"USDW\",\"amount\":\"1\"}",
     0},
    {"unfreeze", "{\"op\":\"unfreeze\",\"address\":\"" ADDR_2 "\"}", 0},
    {"unfreeze", "{\"op\":\"unfreeze\",\"address\":\"" ADDR_2 "\",\"asset\":\"USDW\"}", 0},
    {"unfreeze",
     "{\"op\":\"unfreeze\",\"address\":\"" ADDR_1 "\",\"asset\":\"USDW\",\"amount\":\"1\"}", 0},
    {"forced_transfer",
     "{\"op\":\"forced_transfer\",\"asset\":\"USDW\",\"from\":\"" ADDR_1 "\",\"to\":\"" ADDR_2
     "\",\"amount\":\"1\"}",
     0},
    {"recover", "{\"op\":\"recover\",\"asset\":\"USDW\",\"lost\":\"" ADDR_1 "\",\"new\":\"" ADDR_4 "\"}",
     0},
    {"rescue",
     "{\"op\":\"rescue\",\"asset\":\"USDW\",\"from\":\"" ADDR_1 "\",\"to\":\"" ADDR_2
     "\",\"amount\":\"1\"}",
     0},
    {"price.update", "{\"op\":\"price.update\",\"feed\":\"XAU\",\"value\":\"2400.5\"}", 0},
    {"oracle.freeze", "{\"op\":\"oracle.freeze\",\"feed\":\"XAU\"}", 0},
    {"oracle.unfreeze", "{\"op\":\"oracle.unfreeze\",\"feed\":\"XAU\"}", 0},
    {"nav.update", "{\"op\":\"nav.update\",\"asset\":\"FND\",\"value\":\"10.5\"}", 0},
    {"nav.force", "{\"op\":\"nav.force\",\"asset\":\"FND\",\"value\":\"99\",\"reason\":\"r\"}", 0},
    {"reserve.report", "{\"op\":\"reserve.report\",\"asset\":\"FIA\",\"amount\":\"100\"}", 0},
    {"reserve.attest",
     "{\"op\":\"reserve.attest\",\"asset\":\"FIA\",\"usd\":\"100\",\"hash\":\""
     "abababababababababababababababababababababababababababababababab\"}",
     0},
    {"por.publish",
     "{\"op\":\"por.publish\",\"asset\":\"FIA\",\"salt\":\""
     "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\"}",
     0},
    {"identity.register",
     "{\"op\":\"identity.register\",\"address\":\"" ADDR_2 "\",\"country\":\"US\","
     "\"investor_type\":\"individual\"}",
     0},
    {"identity.remove", "{\"op\":\"identity.remove\",\"address\":\"" ADDR_1 "\"}", 0},
    {"claim.set",
     "{\"op\":\"claim.set\",\"address\":\"" ADDR_1 "\",\"topic\":\"aml\",\"expires\":\"2099-01-01\"}",
     0},
    {"claim.revoke", "{\"op\":\"claim.revoke\",\"address\":\"" ADDR_1 "\",\"topic\":\"kyc\"}", 0},
    {"asset.rules.set", "{\"op\":\"asset.rules.set\",\"asset\":\"SEC\",\"max_holders\":\"10\"}", 0},
    {"payout.snapshot", "{\"op\":\"payout.snapshot\",\"asset\":\"USDW\"}", 0},
    {"payout.create",
     "{\"op\":\"payout.create\",\"snapshot\":1,\"pay\":\"USDW\",\"total\":\"1\",\"from\":\"" ADDR_2
     "\",\"mode\":\"pro-rata\"}",
     0},
    {"payout.distribute", "{\"op\":\"payout.distribute\",\"id\":1}", 0},
    {"incident.open", "{\"op\":\"incident.open\",\"severity\":\"P2\",\"title\":\"t\",\"asset\":\"USDW\"}", 0},
    {"incident.ack", "{\"op\":\"incident.ack\",\"id\":1}", 0},
    {"incident.note", "{\"op\":\"incident.note\",\"id\":1,\"text\":\"looking\"}", 0},
    {"incident.resolve", "{\"op\":\"incident.resolve\",\"id\":1,\"summary\":\"fixed\"}", 0},
    {"maintenance.start", "{\"op\":\"maintenance.start\",\"duration\":\"1h\",\"reason\":\"r\"}", 0},
    {"maintenance.end", "{\"op\":\"maintenance.end\"}", 0},
    {"timelock.expedite", "{\"op\":\"timelock.expedite\",\"id\":1}", 0},
    {"stabilizer.set",
     "{\"op\":\"stabilizer.set\",\"asset\":\"USDW\",\"feed\":\"XAU\",\"target\":\"1\",\"k\":\"100\","
     "\"max_per_block\":\"50\",\"reserve_account\":\"" ADDR_2 "\"}",
     0},
    {"bridge.send",
     "{\"op\":\"bridge.send\",\"asset\":\"USDW\",\"from\":\"" ADDR_1 "\",\"chain\":\"138\",\"to\":\"" ADDR_4
     "\",\"amount\":\"1\"}",
     0},
    {"bridge.confirm",
     "{\"op\":\"bridge.confirm\",\"id\":1,\"tx\":\"0x"
     "abababababababababababababababababababababababababababababababab\"}",
     0},
    {"bridge.refund", "{\"op\":\"bridge.refund\",\"id\":1}", 0},
    {"bridge.refund_execute", "{\"op\":\"bridge.refund_execute\",\"id\":2}", 0},
    {"bridge.receive",
     "{\"op\":\"bridge.receive\",\"asset\":\"USDW\",\"chain\":\"138\",\"tx\":\""
     "abababababababababababababababababababababababababababababababab\",\"to\":\"" ADDR_2 "\",\"amount\":\"1\"}",
     0},
    {"bridge.route.set",
     "{\"op\":\"bridge.route.set\",\"asset\":\"USDW\",\"chain\":\"138\",\"min\":\"1\",\"max\":\"0\","
     "\"timeout\":\"2h\",\"safety_factor\":\"1.5\",\"buffer_account\":\"" ADDR_3 "\"}",
     0},
    {"bridge.route.enable", "{\"op\":\"bridge.route.enable\",\"chain\":\"138\"}", 0},
    {"bridge.route.enable", "{\"op\":\"bridge.route.enable\",\"chain\":\"138\",\"asset\":\"USDW\"}", 0},
    {"bridge.route.disable", "{\"op\":\"bridge.route.disable\",\"chain\":\"138\"}", 0},
    {"bridge.route.disable", "{\"op\":\"bridge.route.disable\",\"chain\":\"138\",\"asset\":\"USDW\"}", 0},
    {"vault.open", "{\"op\":\"vault.open\",\"type\":\"COL-A\",\"owner\":\"" ADDR_2 "\"}", 0},
    {"vault.deposit", "{\"op\":\"vault.deposit\",\"id\":1,\"amount\":\"1\"}", 0},
    {"vault.withdraw", "{\"op\":\"vault.withdraw\",\"id\":1,\"amount\":\"1\"}", 0},
    {"vault.borrow", "{\"op\":\"vault.borrow\",\"id\":1,\"amount\":\"1\"}", 0},
    {"vault.repay", "{\"op\":\"vault.repay\",\"id\":1,\"amount\":\"1\"}", 0},
    {"vault.liquidate", "{\"op\":\"vault.liquidate\",\"id\":2,\"by\":\"" ADDR_4 "\"}", 0},
    {"vault.type.set", "{\"op\":\"vault.type.set\",\"type\":\"COL-A\",\"asset\":\"USDW\",\"dust\":\"2\"}", 0},
};

#define VARIANTS (sizeof(variants) / sizeof(variants[0]))

/* The ops whose rules are their own, tested below by name. */
static const char *const meta_tested[] = {"approve",          "cancel",
                                          "timelock.execute", "timelock.cancel",
                                          "controller.propose", "controller.accept"};

static void variant_json(const struct variant *v, char out[JSON_MAX]) {
    if (v->pubkey_seed == 0) {
        snprintf(out, JSON_MAX, "%s", v->json);
        return;
    }
    char pk[65];
    fixture_pubkey_hex(v->pubkey_seed, pk);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(out, JSON_MAX, v->json, pk);
#pragma GCC diagnostic pop
}

static void every_op_of_the_table_has_a_matrix_row(void **state) {
    (void)state;
    const struct op_def *ops = op_table();
    for (unsigned i = 0; i < OP__COUNT; i++) {
        unsigned rows = 0;
        for (size_t k = 0; k < VARIANTS; k++) rows += strcmp(variants[k].op, ops[i].name) == 0;
        for (size_t k = 0; k < sizeof(meta_tested) / sizeof(meta_tested[0]); k++) {
            rows += strcmp(meta_tested[k], ops[i].name) == 0;
        }
        if (rows == 0) fail_msg("op %s has no row in the authorisation matrix", ops[i].name);
        if ((ops[i].flags & OP_META) != 0) {
            int listed = 0;
            for (size_t k = 0; k < sizeof(meta_tested) / sizeof(meta_tested[0]); k++) {
                listed |= strcmp(meta_tested[k], ops[i].name) == 0;
            }
            if (!listed) fail_msg("meta op %s has no test of its own rules", ops[i].name);
        }
    }
    /* Each variant names an op of the table, and one that is not OP_META. */
    for (size_t k = 0; k < VARIANTS; k++) {
        const struct op_def *def = op_find(variants[k].op, strlen(variants[k].op));
        assert_non_null(def);
        assert_false(def->flags & OP_META);
    }
}

/* One case on f, undone afterwards (savepoint + rollback) so that every
 * operator meets the same state. */
static void matrix_check(struct fixture *f, const struct variant *v, const struct who *w,
                         unsigned *ok, unsigned *refused) {
    char json[JSON_MAX];
    variant_json(v, json);
    struct command cmd;
    assert_ok(fixture_decode(f, json, &cmd));
    const struct op_def *def = &op_table()[cmd.op];
    int for_usdw = (cmd.present & CMD_HAS_ASSET) != 0 && cmd.asset == fixture_asset(f, "USDW");
    int may = who_holds(w, (enum role)def->role, for_usdw);
    fixture_begin(f, f->e.s.time_ns, 4);
    assert_ok(engine_savepoint(&f->e));
    if (may) {
        enum err err = fixture_apply(f, w->name, json);
        if (err != ERR_OK) {
            fail_msg("%s as %s (%s): got %s, expected it authorised and ERR_OK", json, w->name,
                     who_desc(w), err_name(err));
        }
        assert_int_equal(f->result.pending, APPLY_DONE);
        assert_true(f->events.count > 0);
        (*ok)++;
    } else {
        fixture_expect_rejected(f, w->name, json, ERR_UNAUTHORIZED);
        (*refused)++;
    }
    engine_rollback(&f->e);
    fixture_seal(f, NULL);
}

static void matrix_every_plain_op_every_role(void **state) {
    (void)state;
    unsigned ok = 0;
    unsigned refused = 0;
    for (size_t k = 0; k < VARIANTS; k++) {
        struct fixture *f = authz_open();
        for (unsigned i = 0; i < whos_count; i++) {
            matrix_check(f, &variants[k], &whos[i], &ok, &refused);
        }
        fixture_close(f);
    }
    print_message("test_authz: %zu commands x %u operators: %u authorised, %u refused\n", VARIANTS,
                  whos_count, ok, refused);
    /* Each variant: one global holder, and one @USDW holder when it has an asset. */
    assert_true(ok >= VARIANTS && ok <= 2 * VARIANTS);
}

/* ------------------------------------------------------------------ */
/* the OP_META ops                                                    */
/* ------------------------------------------------------------------ */

static void json_id(char out[JSON_MAX], const char *op, uint64_t id) {
    snprintf(out, JSON_MAX, "{\"op\":\"%s\",\"id\":%llu}", op, (unsigned long long)id);
}

/* A proposal: `json` run as `proposer` after its op needs two approvals. */
static uint64_t propose(struct fixture *f, const char *policy, const char *proposer,
                        const char *json) {
    assert_ok(fixture_apply(f, "r_admin", policy));
    assert_int_equal(f->result.pending, APPLY_DONE);
    assert_ok(fixture_apply(f, proposer, json));
    assert_int_equal(f->result.pending, APPLY_PROPOSED);
    return f->result.pending_id;
}

/* A timelock entry due now: `json` run as `submitter` after a 1h delay. */
static uint64_t schedule_due(struct fixture *f, const char *policy, const char *submitter,
                             const char *json) {
    assert_ok(fixture_apply(f, "r_admin", policy));
    assert_ok(fixture_apply(f, submitter, json));
    assert_int_equal(f->result.pending, APPLY_SCHEDULED);
    uint64_t id = f->result.pending_id;
    fixture_seal(f, NULL);
    fixture_begin(f, f->e.s.time_ns + HOUR, FIXTURE_BLOCK_COMMANDS);
    return id;
}

#define POLICY_MINT_USDW_2 \
    "{\"op\":\"policy.set\",\"target_op\":\"mint\",\"asset\":\"USDW\",\"approvals\":\"2\"}"
#define POLICY_PAUSE_2 "{\"op\":\"policy.set\",\"target_op\":\"pause\",\"approvals\":\"2\"}"
#define POLICY_MINT_USDW_1H \
    "{\"op\":\"policy.set\",\"target_op\":\"mint\",\"asset\":\"USDW\",\"timelock\":\"1h\"}"
#define POLICY_PAUSE_1H "{\"op\":\"policy.set\",\"target_op\":\"pause\",\"timelock\":\"1h\"}"

/* One meta command per operator; may(w) says who is authorised. The
 * authorised get anything but ERR_UNAUTHORIZED (want_ok: exactly ERR_OK). */
typedef uint64_t (*meta_setup_fn)(struct fixture *f);

static void meta_matrix(const char *what, meta_setup_fn setup, const char *op,
                        const char *fixed_json, int (*may)(const struct who *w),
                        enum err (*want)(const struct who *w)) {
    unsigned ok = 0;
    for (unsigned i = 0; i < whos_count; i++) {
        const struct who *w = &whos[i];
        struct fixture *f = authz_open();
        uint64_t id = setup(f);
        char json[JSON_MAX];
        if (fixed_json) snprintf(json, sizeof(json), "%s", fixed_json);
        else json_id(json, op, id);
        if (may(w)) {
            enum err expected = want(w);
            enum err err = fixture_apply(f, w->name, json);
            if (err != expected) {
                fail_msg("%s: %s as %s (%s): got %s, expected %s", what, json, w->name, who_desc(w),
                         err_name(err), err_name(expected));
            }
            ok++;
        } else {
            fixture_expect_rejected(f, w->name, json, ERR_UNAUTHORIZED);
        }
        fixture_close(f);
    }
    assert_true(ok > 0);
}

static enum err want_ok(const struct who *w) {
    (void)w;
    return ERR_OK;
}

/* approve: the role of the proposed op, for its asset; the proposer's own
 * second approval is ERR_SAME_OPERATOR (authorised, but refused). */
static uint64_t setup_mint_proposal(struct fixture *f) {
    return propose(f, POLICY_MINT_USDW_2, "r_minter", J_MINT("USDW", ADDR_2, "1"));
}
static uint64_t setup_pause_proposal(struct fixture *f) {
    return propose(f, POLICY_PAUSE_2, "r_pauser", J_PAUSE_ALL);
}
static int may_approve_mint(const struct who *w) { return who_holds(w, ROLE_MINTER, 1); }
static int may_approve_pause(const struct who *w) { return who_holds(w, ROLE_PAUSER, 0); }
static enum err want_approve_mint(const struct who *w) {
    return strcmp(w->name, "r_minter") == 0 ? ERR_SAME_OPERATOR : ERR_OK;
}
static enum err want_approve_pause(const struct who *w) {
    return strcmp(w->name, "r_pauser") == 0 ? ERR_SAME_OPERATOR : ERR_OK;
}

static void meta_approve_needs_the_role_of_the_proposed_op(void **state) {
    (void)state;
    meta_matrix("approve mint@USDW", setup_mint_proposal, "approve", NULL, may_approve_mint,
                want_approve_mint);
    meta_matrix("approve global pause", setup_pause_proposal, "approve", NULL, may_approve_pause,
                want_approve_pause);
}

/* cancel: the proposer, a global admin, the controller. */
static int may_cancel(const struct who *w) {
    return strcmp(w->name, "r_minter") == 0 || who_holds(w, ROLE_ADMIN, 0) ||
           w->kind == WHO_CONTROLLER;
}

static void meta_cancel_proposer_admin_or_controller(void **state) {
    (void)state;
    meta_matrix("cancel", setup_mint_proposal, "cancel", NULL, may_cancel, want_ok);
}

/* timelock.execute: the role of the scheduled op, for its asset. */
static uint64_t setup_mint_timelock(struct fixture *f) {
    return schedule_due(f, POLICY_MINT_USDW_1H, "r_minter", J_MINT("USDW", ADDR_2, "1"));
}
static uint64_t setup_pause_timelock(struct fixture *f) {
    return schedule_due(f, POLICY_PAUSE_1H, "r_pauser", J_PAUSE_ALL);
}

static void meta_timelock_execute_needs_the_role_of_the_scheduled_op(void **state) {
    (void)state;
    meta_matrix("timelock.execute mint@USDW", setup_mint_timelock, "timelock.execute", NULL,
                may_approve_mint, want_ok);
    meta_matrix("timelock.execute global pause", setup_pause_timelock, "timelock.execute", NULL,
                may_approve_pause, want_ok);
}

/* timelock.cancel: a global admin, the controller (not the submitter). */
static int may_timelock_cancel(const struct who *w) {
    return who_holds(w, ROLE_ADMIN, 0) || w->kind == WHO_CONTROLLER;
}

static void meta_timelock_cancel_admin_or_controller(void **state) {
    (void)state;
    meta_matrix("timelock.cancel", setup_mint_timelock, "timelock.cancel", NULL,
                may_timelock_cancel, want_ok);
}

/* controller.propose: the controller only. */
static uint64_t setup_nothing(struct fixture *f) {
    (void)f;
    return 0;
}
static int may_controller(const struct who *w) { return w->kind == WHO_CONTROLLER; }

static void meta_controller_propose_only_the_controller(void **state) {
    (void)state;
    meta_matrix("controller.propose", setup_nothing, NULL,
                "{\"op\":\"controller.propose\",\"name\":\"r_viewer\"}", may_controller, want_ok);
}

/* controller.accept: the pending controller only. */
static uint64_t setup_handover(struct fixture *f) {
    assert_ok(fixture_apply(f, "ctl", "{\"op\":\"controller.propose\",\"name\":\"a_admin\"}"));
    return 0;
}
static int may_accept(const struct who *w) { return strcmp(w->name, "a_admin") == 0; }

static void meta_controller_accept_only_the_pending_controller(void **state) {
    (void)state;
    meta_matrix("controller.accept", setup_handover, NULL, "{\"op\":\"controller.accept\"}",
                may_accept, want_ok);
}

/* ------------------------------------------------------------------ */
/* authorisation that changes with time                               */
/* ------------------------------------------------------------------ */

/* A released proposal is checked again: its proposer lost the role. */
static void released_proposal_rechecks_the_proposers_role(void **state) {
    (void)state;
    struct fixture *f = authz_open();
    uint64_t id = setup_mint_proposal(f);
    assert_ok(fixture_apply(f, "r_admin", "{\"op\":\"role.revoke\",\"name\":\"r_minter\",\"role\":\"minter\"}"));
    char json[JSON_MAX];
    json_id(json, "approve", id);
    assert_ok(fixture_apply(f, "a_minter", json));
    assert_int_equal(f->result.ran_id, id);
    assert_err(f->result.ran_err, ERR_UNAUTHORIZED);
    assert_balance(f, "USDW", ADDR_2, "0");
    fixture_close(f);
}

/* A removed operator keeps its slot but nothing it held; an asset grant
 * given after genesis authorises for that asset only. */
static void removed_operator_and_new_grants(void **state) {
    (void)state;
    struct fixture *f = authz_open();
    assert_ok(fixture_apply(f, "r_admin", "{\"op\":\"operator.remove\",\"name\":\"a_minter\"}"));
    fixture_expect_rejected(f, "a_minter", J_MINT("USDW", ADDR_2, "1"), ERR_UNAUTHORIZED);
    assert_ok(fixture_apply(f, "r_admin",
                            "{\"op\":\"role.grant\",\"name\":\"none\",\"role\":\"burner\",\"asset\":"
                            "\"OTH\"}"));
    assert_ok(fixture_apply(f, "none", J_BURN("OTH", ADDR_1, "1")));
    fixture_expect_rejected(f, "none", J_BURN("USDW", ADDR_1, "1"), ERR_UNAUTHORIZED);
    assert_ok(fixture_apply(f, "r_admin",
                            "{\"op\":\"role.revoke\",\"name\":\"none\",\"role\":\"burner\",\"asset\":"
                            "\"OTH\"}"));
    fixture_expect_rejected(f, "none", J_BURN("OTH", ADDR_1, "1"), ERR_UNAUTHORIZED);
    fixture_close(f);
}

/* Only the controller grants or revokes admin; other admins may not; the
 * controller may even without holding admin itself (else a controller
 * without admin would lock everyone out of admin changes). */
static void admin_role_changes_need_the_controller(void **state) {
    (void)state;
    struct fixture *f = authz_open();
    assert_int_equal(fixture_apply(f, "ctl", "{\"op\":\"role.grant\",\"name\":\"none\",\"role\":\"admin\"}"),
                     ERR_OK);
    fixture_expect_rejected(f, "r_admin",
                            "{\"op\":\"role.grant\",\"name\":\"none\",\"role\":\"admin\"}",
                            ERR_UNAUTHORIZED);
    fixture_expect_rejected(f, "a_admin",
                            "{\"op\":\"role.grant\",\"name\":\"none\",\"role\":\"admin\",\"asset\":"
                            "\"USDW\"}",
                            ERR_UNAUTHORIZED);
    fixture_close(f);
}

static int group_setup(void **state) {
    (void)state;
    whos_init();
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    json_decref(genesis_doc);
    genesis_doc = NULL;
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_op_of_the_table_has_a_matrix_row),
        cmocka_unit_test(matrix_every_plain_op_every_role),
        cmocka_unit_test(meta_approve_needs_the_role_of_the_proposed_op),
        cmocka_unit_test(meta_cancel_proposer_admin_or_controller),
        cmocka_unit_test(meta_timelock_execute_needs_the_role_of_the_scheduled_op),
        cmocka_unit_test(meta_timelock_cancel_admin_or_controller),
        cmocka_unit_test(meta_controller_propose_only_the_controller),
        cmocka_unit_test(meta_controller_accept_only_the_pending_controller),
        cmocka_unit_test(released_proposal_rechecks_the_proposers_role),
        cmocka_unit_test(removed_operator_and_new_grants),
        cmocka_unit_test(admin_role_changes_need_the_controller),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
