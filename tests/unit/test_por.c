/* test_por.c - proof of reserves: trees, proofs, tampering, publication,
 * savepoints and snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/buf.h"
#include "../../src/base/hex.h"
#include "../../src/engine/engine.h"
#include "../../src/engine/por.h"
#include "../support/engine_fixture.h"

#define T0 (INT64_C(1790000000) * 1000000000)
#define SALT_A "abababababababababababababababababababababababababababababababab"
#define SALT_B "0101010101010101010101010101010101010101010101010101010101010101"
#define J_PUBLISH(salt) "{\"op\":\"por.publish\",\"asset\":\"FIA\",\"salt\":\"" salt "\"}"

/* n sorted distinct addresses with balances 1..n (times 1000 + i). */
static struct addr *make_leaves(uint32_t n, u128 **balances) {
    struct addr *a = malloc((size_t)(n ? n : 1) * sizeof(*a));
    *balances = malloc((size_t)(n ? n : 1) * sizeof(**balances));
    assert_non_null(a);
    assert_non_null(*balances);
    for (uint32_t i = 0; i < n; i++) {
        memset(a[i].bytes, 0, ADDR_BYTES);
        a[i].bytes[0] = (uint8_t)(i >> 24);
        a[i].bytes[1] = (uint8_t)(i >> 16);
        a[i].bytes[2] = (uint8_t)(i >> 8);
        a[i].bytes[3] = (uint8_t)i;
        a[i].bytes[19] = 0x5a;
        (*balances)[i] = (u128)(i + 1) * 1000 + i;
    }
    return a;
}

/* A header for a tree as por_publish_apply would make it. */
static void header_for(const struct por_tree *t, struct por_proof *p) {
    snprintf(p->symbol, sizeof(p->symbol), "FIA");
    p->decimals = 2;
    p->pub.block = 7;
    p->pub.seq = 42;
    p->pub.time_ns = T0 + 123456789;
    p->pub.reserve = 999999;
    p->pub.depth = (uint8_t)(t->levels - 1);
    p->pub.leaves = t->n;
    por_tree_root(t, p->pub.tree_root, &p->pub.total);
    por_bind(p->symbol, p->decimals, &p->pub, p->pub.root);
}

static void every_leaf_of_every_shape_proves(void **state) {
    (void)state;
    uint8_t salt[HASH_BYTES];
    memset(salt, 7, sizeof(salt));
    for (uint32_t n = 1; n <= 70; n++) {
        u128 *balances;
        struct addr *addrs = make_leaves(n, &balances);
        u128 sum = 0;
        for (uint32_t i = 0; i < n; i++) sum += balances[i];
        struct por_tree *t = por_tree_build(addrs, balances, n, salt);
        assert_non_null(t);
        struct por_proof p;
        memset(&p, 0, sizeof(p));
        header_for(t, &p);
        assert_u128_equal(p.pub.total, sum);
        uint32_t depth = 0;
        for (uint32_t m = n; m > 1; m = (m + 1) / 2) depth++;
        assert_int_equal(p.pub.depth, depth);
        for (uint32_t i = 0; i < n; i++) {
            assert_int_equal(por_tree_find(t, &t->addrs[i]), i);
            por_tree_proof(t, i, salt, &p);
            assert_true(p.steps_count <= depth);
            const char *why;
            if (por_verify(&p, &why) != ERR_OK) fail_msg("n=%u leaf %u: %s", n, i, why);
            assert_u128_equal(p.balance, balances[i]);
        }
        struct addr absent = t->addrs[0];
        absent.bytes[19] = 0x5b;
        assert_int_equal(por_tree_find(t, &absent), -1);
        free(balances);
        por_tree_free(t);
    }
}

/* The documented layout, written out independently of por.c. */
static void two_leaf_root_matches_the_documented_layout(void **state) {
    (void)state;
    uint8_t salt[HASH_BYTES];
    memset(salt, 0x11, sizeof(salt));
    u128 *balances;
    struct addr *addrs = make_leaves(2, &balances);
    struct por_tree *t = por_tree_build(addrs, balances, 2, salt);
    assert_non_null(t);
    uint8_t leaf[2][HASH_BYTES];
    for (int i = 0; i < 2; i++) {
        uint8_t m1[1 + 32 + 20], m2[1 + 20 + 16 + 32];
        struct hash ls, lh;
        m1[0] = 2;
        memcpy(m1 + 1, salt, 32);
        memcpy(m1 + 33, t->addrs[i].bytes, 20);
        hash_once(m1, sizeof(m1), &ls);
        m2[0] = 0;
        memcpy(m2 + 1, t->addrs[i].bytes, 20);
        memset(m2 + 21, 0, 16);
        uint64_t b = (uint64_t)balances[i];
        for (int k = 0; k < 8; k++) m2[21 + 15 - k] = (uint8_t)(b >> (8 * k));
        memcpy(m2 + 37, ls.bytes, 32);
        hash_once(m2, sizeof(m2), &lh);
        memcpy(leaf[i], lh.bytes, 32);
    }
    uint8_t m3[1 + 2 * 48];
    m3[0] = 1;
    for (int i = 0; i < 2; i++) {
        memcpy(m3 + 1 + 48 * i, leaf[i], 32);
        memset(m3 + 1 + 48 * i + 32, 0, 16);
        uint64_t b = (uint64_t)balances[i];
        for (int k = 0; k < 8; k++) m3[1 + 48 * i + 32 + 15 - k] = (uint8_t)(b >> (8 * k));
    }
    struct hash root;
    hash_once(m3, sizeof(m3), &root);
    uint8_t got[HASH_BYTES];
    u128 total;
    por_tree_root(t, got, &total);
    assert_memory_equal(got, root.bytes, HASH_BYTES);
    assert_u128_equal(total, balances[0] + balances[1]);
    free(balances);
    por_tree_free(t);
}

/* Every change to any field of a proof makes it fail. */
static void any_change_to_a_proof_fails(void **state) {
    (void)state;
    uint8_t salt[HASH_BYTES];
    memset(salt, 3, sizeof(salt));
    u128 *balances;
    struct addr *addrs = make_leaves(11, &balances);
    struct por_tree *t = por_tree_build(addrs, balances, 11, salt);
    struct por_proof good;
    memset(&good, 0, sizeof(good));
    header_for(t, &good);
    por_tree_proof(t, 5, salt, &good);
    const char *why;
    assert_int_equal(por_verify(&good, &why), ERR_OK);
    for (int c = 0; c < 24; c++) {
        struct por_proof p = good;
        switch (c) {
        case 0: p.balance += 1; break;
        case 1: p.addr.bytes[4] ^= 1; break;
        case 2: p.leaf_salt[0] ^= 1; break;
        case 3: p.index ^= 1; break;
        case 4: p.steps[0].hash[31] ^= 1; break;
        case 5: p.steps[1].sum += 1; break;
        case 6: { struct por_step t0 = p.steps[0]; p.steps[0] = p.steps[1]; p.steps[1] = t0; } break;
        case 7: p.steps_count--; break;
        case 8: p.steps[p.steps_count++] = good.steps[0]; break;
        case 9: p.pub.total += 1; break;
        case 10: p.pub.reserve += 1; break;
        case 11: p.pub.leaves += 1; break;
        case 12: p.pub.depth += 1; break;
        case 13: p.pub.block += 1; break;
        case 14: p.pub.seq += 1; break;
        case 15: p.pub.time_ns += 1000000; break;
        case 16: p.steps_count = 0; break;
        case 17: p.pub.root[0] ^= 1; break;
        case 18: p.symbol[0] = 'G'; break;
        case 19: p.decimals = 3; break;
        case 20: p.pub.reserve = 0; break;
        case 21: p.balance = 0; break;
        case 22: p.index = 11; break;
        case 23: p.steps[0].sum = ~(u128)0; break; /* overflow */
        }
        if (por_verify(&p, &why) == ERR_OK) fail_msg("change %d went unnoticed", c);
        assert_non_null(why);
    }
    free(balances);
    por_tree_free(t);
}

static void empty_tree_has_zero_root(void **state) {
    (void)state;
    uint8_t salt[HASH_BYTES] = {0};
    struct por_tree *t = por_tree_build(malloc(1), NULL, 0, salt);
    assert_non_null(t);
    uint8_t root[HASH_BYTES], zero[HASH_BYTES] = {0};
    u128 total = 1;
    por_tree_root(t, root, &total);
    assert_memory_equal(root, zero, HASH_BYTES);
    assert_u128_equal(total, 0);
    assert_int_equal(t->levels, 1);
    por_tree_free(t);
}

/* ---- the op in the engine ---- */

static struct fixture *por_open(void) {
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "adm", "admin,minter,transfer_agent,reserve_reporter");
    fixture_genesis_add_operator(doc, "rep", "reserve_reporter");
    fixture_genesis_add_operator(doc, "tre", "treasury_manager");
    json_t *fiat = fixture_genesis_add_asset(doc, "FIA", "fiat", "2");
    json_object_set_new(fiat, "reserve_quorum", json_string("2"));
    fixture_genesis_add_asset(doc, "PLN", "plain", "0");
    struct fixture *f = fixture_open(doc, T0);
    json_decref(doc);
    return f;
}

static void report_reserves(struct fixture *f, const char *amount) {
    assert_ok(fixture_applyf(f, "adm", "{\"op\":\"reserve.report\",\"asset\":\"FIA\",\"amount\":\"%s\"}",
                             amount));
    assert_ok(fixture_applyf(f, "rep", "{\"op\":\"reserve.report\",\"asset\":\"FIA\",\"amount\":\"%s\"}",
                             amount));
}

/* A proof of addr in the engine's latest FIA publication, checked. */
static void assert_proves(const struct fixture *f, const char *addr_text, const char *balance) {
    uint32_t a = fixture_asset(f, "FIA");
    const struct por_tree *t = f->e.por[a];
    assert_non_null(t);
    struct addr addr = fixture_addr_parse(addr_text);
    int64_t i = por_tree_find(t, &addr);
    assert_true(i >= 0);
    struct por_proof p;
    por_proof_of(&f->e, a, (uint32_t)i, &p);
    assert_string_equal(p.symbol, "FIA");
    const char *why;
    if (por_verify(&p, &why) != ERR_OK) fail_msg("%s: %s", addr_text, why);
    assert_u128_equal(p.balance, fixture_amount(f, "FIA", balance));
}

static void publish_needs_fiat_quorum_and_role(void **state) {
    (void)state;
    struct fixture *f = por_open();
    fixture_expect_rejected(f, "tre", J_PUBLISH(SALT_A), ERR_QUORUM_NOT_MET);
    fixture_expect_rejected(f, "tre", "{\"op\":\"por.publish\",\"asset\":\"PLN\",\"salt\":\"" SALT_A "\"}",
                            ERR_NOT_FIAT);
    report_reserves(f, "1000");
    fixture_expect_rejected(f, "adm", J_PUBLISH(SALT_A), ERR_UNAUTHORIZED);
    struct command cmd;
    assert_err(fixture_decode(f, "{\"op\":\"por.publish\",\"asset\":\"FIA\"}", &cmd), ERR_MISSING_FIELD);
    assert_err(fixture_decode(f, "{\"op\":\"por.publish\",\"asset\":\"FIA\",\"salt\":\"abc\"}", &cmd),
               ERR_INVALID_ARGUMENT);
    assert_ok(fixture_apply(f, "tre", J_PUBLISH(SALT_A))); /* no holders yet: an empty tree */
    assert_int_equal(f->e.s.assets[0].por.leaves, 0);
    assert_u128_equal(f->e.s.assets[0].por.total, 0);
    fixture_close(f);
}

static void publish_commits_to_balances_at_its_seq(void **state) {
    (void)state;
    struct fixture *f = por_open();
    report_reserves(f, "1000");
    assert_ok(fixture_mint(f, "adm", "FIA", ADDR_1, "100.25"));
    assert_ok(fixture_mint(f, "adm", "FIA", ADDR_2, "50"));
    assert_ok(fixture_mint(f, "adm", "FIA", ADDR_3, "0.75"));
    assert_ok(fixture_mint(f, "adm", "PLN", ADDR_4, "9")); /* another asset: not a leaf */
    assert_ok(fixture_apply(f, "tre", J_PUBLISH(SALT_A)));
    const struct por_header *h = &f->e.s.assets[0].por;
    assert_int_equal(h->block, f->e.s.height + 1);
    assert_int_equal(h->seq, f->result.seq);
    assert_int_equal(h->leaves, 3);
    assert_int_equal(h->depth, 2);
    assert_u128_equal(h->total, fixture_amount(f, "FIA", "151"));
    assert_u128_equal(h->reserve, fixture_amount(f, "FIA", "1000"));
    assert_int_equal(f->events.count, 1);
    const struct event *ev = &f->events.items[0];
    assert_int_equal(ev->type, EVENT_POR_PUBLISHED);
    assert_memory_equal(ev->digest, h->root, HASH_BYTES);
    assert_u128_equal(ev->amount, h->total);
    assert_u128_equal(ev->amount2, h->reserve);
    assert_int_equal(ev->ref_id, 3);
    /* later moves do not change what was published */
    assert_ok(fixture_transfer(f, "adm", "FIA", ADDR_1, ADDR_4, "100.25"));
    assert_proves(f, ADDR_1, "100.25");
    assert_proves(f, ADDR_2, "50");
    assert_proves(f, ADDR_3, "0.75");
    struct addr a4 = fixture_addr_parse(ADDR_4);
    assert_int_equal(por_tree_find(f->e.por[0], &a4), -1);
    /* the same commands with the same salt give the same root; another salt another */
    uint8_t first[HASH_BYTES];
    memcpy(first, h->root, HASH_BYTES);
    struct fixture *g = por_open();
    report_reserves(g, "1000");
    assert_ok(fixture_mint(g, "adm", "FIA", ADDR_1, "100.25"));
    assert_ok(fixture_mint(g, "adm", "FIA", ADDR_2, "50"));
    assert_ok(fixture_mint(g, "adm", "FIA", ADDR_3, "0.75"));
    assert_ok(fixture_mint(g, "adm", "PLN", ADDR_4, "9"));
    assert_ok(fixture_apply(g, "tre", J_PUBLISH(SALT_A)));
    assert_memory_equal(g->e.s.assets[0].por.root, first, HASH_BYTES);
    assert_ok(fixture_apply(g, "tre", J_PUBLISH(SALT_B)));
    assert_memory_not_equal(g->e.s.assets[0].por.tree_root, f->e.s.assets[0].por.tree_root, HASH_BYTES);
    fixture_close(g);
    fixture_close(f);
}

/* An account emptied earlier in the publishing block is no leaf (its slot
 * stays, at zero, until the seal). */
static void emptied_in_the_same_block_is_no_leaf(void **state) {
    (void)state;
    struct fixture *f = por_open();
    report_reserves(f, "1000");
    assert_ok(fixture_mint(f, "adm", "FIA", ADDR_1, "1"));
    assert_ok(fixture_mint(f, "adm", "FIA", ADDR_2, "2.5"));
    assert_ok(fixture_transfer(f, "adm", "FIA", ADDR_2, ADDR_1, "2.5"));
    assert_ok(fixture_apply(f, "tre", J_PUBLISH(SALT_A)));
    assert_int_equal(f->e.s.assets[0].por.leaves, 1);
    assert_int_equal(f->e.s.assets[0].holders_count, 1);
    assert_proves(f, ADDR_1, "3.5");
    fixture_close(fixture_from_snapshot(f, NULL));
    fixture_close(f);
}

static void rollback_restores_the_previous_tree(void **state) {
    (void)state;
    struct fixture *f = por_open();
    report_reserves(f, "1000");
    assert_ok(fixture_mint(f, "adm", "FIA", ADDR_1, "10"));
    assert_ok(fixture_apply(f, "tre", J_PUBLISH(SALT_A)));
    fixture_seal(f, NULL);
    struct por_header before = f->e.s.assets[0].por;
    const struct por_tree *tree_before = f->e.por[0];
    fixture_begin(f, f->e.s.time_ns, 8);
    assert_ok(engine_savepoint(&f->e));
    assert_ok(fixture_mint(f, "adm", "FIA", ADDR_2, "5"));
    assert_ok(fixture_apply(f, "tre", J_PUBLISH(SALT_B)));
    assert_ok(fixture_apply(f, "tre", J_PUBLISH(SALT_A))); /* twice: the first new tree is freed */
    assert_int_equal(f->e.s.assets[0].por.leaves, 2);
    engine_rollback(&f->e);
    assert_ptr_equal(f->e.por[0], tree_before);
    assert_memory_equal(&f->e.s.assets[0].por, &before, sizeof(before));
    fixture_seal(f, NULL);
    assert_int_equal(f->e.s.assets[0].por.leaves, 1);
    assert_proves(f, ADDR_1, "10");
    /* release keeps the new one */
    fixture_begin(f, f->e.s.time_ns, 8);
    assert_ok(engine_savepoint(&f->e));
    assert_ok(fixture_mint(f, "adm", "FIA", ADDR_2, "5"));
    assert_ok(fixture_apply(f, "tre", J_PUBLISH(SALT_B)));
    engine_release(&f->e);
    fixture_seal(f, NULL);
    assert_int_equal(f->e.s.assets[0].por.leaves, 2);
    assert_proves(f, ADDR_2, "5");
    fixture_close(f);
}

/* The commands of the block used by the checkpoint tests: an account
 * emptied (a tombstone at the seal), a new holder, a publication under a
 * released savepoint (an atomic batch) and another outside it. */
static void checkpoint_block(struct fixture *f) {
    assert_ok(fixture_transfer(f, "adm", "FIA", ADDR_2, ADDR_1, "3"));
    assert_ok(fixture_mint(f, "adm", "FIA", ADDR_3, "1"));
    assert_ok(engine_savepoint(&f->e));
    assert_ok(fixture_apply(f, "tre", J_PUBLISH(SALT_B)));
    engine_release(&f->e);
    assert_ok(fixture_apply(f, "tre", J_PUBLISH(SALT_A)));
}

/* A block the store could not journal is undone whole, after its seal:
 * state, state hash, holdings (tombstones included) and the tree it
 * replaced; the same block committed matches an engine that never
 * checkpointed. */
static void block_abort_restores_the_state_before_the_block(void **state) {
    (void)state;
    struct fixture *f = por_open();
    struct fixture *g = por_open();
    struct fixture *both[2] = {f, g};
    for (int i = 0; i < 2; i++) {
        report_reserves(both[i], "1000");
        assert_ok(fixture_mint(both[i], "adm", "FIA", ADDR_1, "10"));
        assert_ok(fixture_mint(both[i], "adm", "FIA", ADDR_2, "3"));
        assert_ok(fixture_apply(both[i], "tre", J_PUBLISH(SALT_A)));
        fixture_seal(both[i], NULL);
    }
    struct hash before, after, sealed, plain;
    engine_state_hash(&f->e, &before);
    struct engine_state *copy = malloc(sizeof(*copy));
    assert_non_null(copy);
    memcpy(copy, &f->e.s, sizeof(*copy));
    const struct por_tree *tree_before = f->e.por[0];
    uint32_t used = f->e.holdings.used_count, tombs = f->e.holdings.tomb_count;
    for (int round = 0; round < 2; round++) {
        assert_ok(engine_reserve(&f->e, 16));
        engine_block_checkpoint(&f->e);
        engine_block_begin(&f->e, f->e.s.time_ns + 1000);
        f->in_block = 1; /* fixture_begin's bookkeeping, reserved above */
        f->block_reserved = 16;
        f->block_applied = 0;
        checkpoint_block(f);
        fixture_seal(f, &sealed);
        assert_int_equal(f->e.s.assets[0].por.leaves, 2);
        if (round == 1) break;
        engine_block_abort(&f->e);
        engine_state_hash(&f->e, &after);
        assert_memory_equal(after.bytes, before.bytes, HASH_BYTES);
        assert_memory_equal(&f->e.s, copy, sizeof(*copy));
        assert_ptr_equal(f->e.por[0], tree_before);
        assert_int_equal(f->e.holdings.used_count, used);
        assert_int_equal(f->e.holdings.tomb_count, tombs);
        assert_balance(f, "FIA", ADDR_2, "3");
        assert_balance(f, "FIA", ADDR_3, "0");
        assert_proves(f, ADDR_2, "3");
        assert_int_equal(engine_check_invariants(&f->e), 0);
    }
    engine_block_commit(&f->e);
    fixture_begin(g, g->e.s.time_ns + 1000, 16);
    checkpoint_block(g);
    fixture_seal(g, &plain);
    assert_memory_equal(sealed.bytes, plain.bytes, HASH_BYTES);
    assert_proves(f, ADDR_1, "13");
    assert_proves(f, ADDR_3, "1");
    fixture_begin(f, f->e.s.time_ns, 1);
    fixture_close(fixture_from_snapshot(f, NULL));
    free(copy);
    fixture_close(g);
    fixture_close(f);
}

static void snapshot_carries_and_checks_the_leaves(void **state) {
    (void)state;
    struct fixture *f = por_open();
    report_reserves(f, "100000");
    for (uint32_t i = 0; i < 300; i++) {
        char a[ADDR_TEXT_SIZE];
        fixture_addr_text(i, a);
        assert_ok(fixture_applyf(f, "adm", "{\"op\":\"mint\",\"asset\":\"FIA\",\"to\":\"%s\",\"amount\":\"%u.5\"}",
                                 a, i + 1));
    }
    assert_ok(fixture_apply(f, "tre", J_PUBLISH(SALT_A)));
    char a0[ADDR_TEXT_SIZE];
    fixture_addr_text(0, a0);
    assert_ok(fixture_transfer(f, "adm", "FIA", a0, ADDR_1, "1"));
    struct buf snap;
    struct fixture *g = fixture_from_snapshot(f, &snap);
    assert_non_null(g->e.por[0]);
    assert_null(g->e.por[1]);
    assert_proves(g, a0, "1.5"); /* as published, not as it is now */
    fixture_close(g);
    /* a leaf changed, dropped or reordered, or the tail cut: refused */
    size_t leaves_at = snap.len - (size_t)300 * 36;
    /* the published headers end the small state: "por", count 1, asset 0 */
    const uint8_t mark[] = {'p', 'o', 'r', 1, 0, 0, 0, 0, 0};
    const uint8_t *sec = memmem(snap.data, leaves_at, mark, sizeof(mark));
    assert_non_null(sec);
    size_t sec_at = (size_t)(sec - snap.data);
    for (int c = 0; c < 8; c++) {
        uint8_t *copy = malloc(snap.len);
        assert_non_null(copy);
        memcpy(copy, snap.data, snap.len);
        size_t len = snap.len;
        if (c == 0) copy[leaves_at + 20 + 15] ^= 1;           /* a balance */
        if (c == 1) copy[leaves_at + 36 * 7 + 3] ^= 1;        /* an address: order or root */
        if (c == 2) len -= 36;                                /* a leaf short */
        if (c == 3) copy[leaves_at - 4] ^= 1;                 /* the leaf count */
        if (c == 4) memset(copy + leaves_at + 20, 0, 16);     /* a zero balance */
        if (c == 5) copy[sec_at] ^= 1;                        /* the section's tag */
        if (c == 6) copy[sec_at + 3] = 2;                     /* its count */
        if (c == 7) copy[sec_at + 9 + 8] ^= 1;                /* the header's seq */
        struct fixture *h = fixture_open_empty(0);
        enum err err = engine_snapshot_read(&h->e, copy, len);
        fixture_close(h);
        free(copy);
        if (err != ERR_IO) fail_msg("corruption %d: got %s", c, err_name(err));
    }
    buf_free(&snap);
    fixture_close(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_leaf_of_every_shape_proves),
        cmocka_unit_test(two_leaf_root_matches_the_documented_layout),
        cmocka_unit_test(any_change_to_a_proof_fails),
        cmocka_unit_test(empty_tree_has_zero_root),
        cmocka_unit_test(publish_needs_fiat_quorum_and_role),
        cmocka_unit_test(publish_commits_to_balances_at_its_seq),
        cmocka_unit_test(emptied_in_the_same_block_is_no_leaf),
        cmocka_unit_test(rollback_restores_the_previous_tree),
        cmocka_unit_test(snapshot_carries_and_checks_the_leaves),
        cmocka_unit_test(block_abort_restores_the_state_before_the_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
