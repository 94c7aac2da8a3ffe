/*
 * test_sequencer.c - the sequencer against a real SQLite store in a
 * temporary directory: the signer's key is the one in force when a request
 * applies (issue 8, defect 1), and block time never runs ahead of the wall
 * clock on a wall-clock ledger (defect 5). Requests are built as the HTTP
 * layer builds them (a signed JSON body, request_parse, the journal's
 * fields), so `audit verify` re-checks real signatures at the end.
 * Each case runs on SQLite, and again on PostgreSQL (a fresh database,
 * tests/support/pg_fixture.h) when MINTLINE_TEST_PG_URL names one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/base/limits.h"
#include "../../src/base/sig.h"
#include "../../src/node/chain.h"
#include "../../src/node/node.h"
#include "../../src/node/request.h"
#include "../../src/node/sequencer.h"
#include "../support/engine_fixture.h"
#include "../support/pg_fixture.h"

/* The backend of the case that runs: set by its setup. */
static int seq_on_pg;

static int seq_use_sqlite(void **state) {
    (void)state;
    seq_on_pg = 0;
    return 0;
}

static int seq_use_pg(void **state) {
    (void)state;
    seq_on_pg = 1;
    return 0;
}

struct seq_fixture {
    char dir[64];
    char url[512]; /* "" on SQLite */
    struct chain chain;
    struct sequencer *seq;
    unsigned nonce;
    int manual; /* seq made by sequencer_open: items are run by seq_submit */
};

/* A ledger whose block 0 is at time0_ns (the genesis written as init
 * writes it), opened and sequenced. alice (admin), bob (minter), and key
 * rotation and operator removal without delay. */
static struct seq_fixture *seq_open(int64_t time0_ns) {
    struct seq_fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/mintline-seq-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "alice", "admin,minter");
    fixture_genesis_add_operator(doc, "bob", "minter");
    fixture_genesis_add_asset(doc, "USDC", "plain", "6");
    json_t *policies = json_array();
    json_array_append_new(policies, json_pack("{s:s, s:i, s:s}", "op", "operator.rotate_key",
                                              "approvals", 1, "timelock", "0s"));
    json_array_append_new(policies, json_pack("{s:s, s:i, s:s}", "op", "operator.remove",
                                              "approvals", 1, "timelock", "0s"));
    json_object_set_new(doc, "policies", policies);
    char *json = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    struct engine e;
    char why[256];
    assert_int_equal(engine_open(&e, 1024), ERR_OK);
    assert_int_equal(chain_genesis_engine(&e, json, strlen(json), time0_ns, NULL, why, sizeof(why)),
                     ERR_OK);
    struct store_block b0;
    memset(&b0, 0, sizeof(b0));
    b0.time_ns = time0_ns;
    engine_state_hash(&e, &b0.state_hash);
    block_hash_genesis(&b0, json, strlen(json), &b0.hash);
    engine_close(&e);
    struct store *s = NULL;
    if (seq_on_pg) assert_int_equal(pg_fixture_make(f->url, sizeof(f->url)), 0);
    const char *url = f->url[0] ? f->url : NULL;
    assert_int_equal(store_open_url(url, f->dir, 1, &s), ERR_OK);
    assert_int_equal(s->ops->write_genesis(s, "", 0, json, strlen(json), &b0), ERR_OK);
    s->ops->close(s);
    free(json);
    assert_int_equal(chain_open_url(&f->chain, f->dir, url, why, sizeof(why)), ERR_OK);
    assert_int_equal(sequencer_start(&f->chain, &f->seq), ERR_OK);
    return f;
}

static void seq_close(struct seq_fixture *f) {
    sequencer_stop(f->seq);
    chain_close(&f->chain);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    if (f->url[0]) pg_fixture_drop(f->url);
    free(f);
}

/* Operator n (1-based genesis order) signs with seed byte `seed`. */
struct seq_signer {
    const char *name;
    uint32_t index;
    uint8_t seed[SIG_SEED_BYTES];
};

static struct seq_signer seq_signer(const char *name, uint32_t index, unsigned seed) {
    struct seq_signer s = {name, index, {0}};
    memset(s.seed, (int)seed, sizeof(s.seed));
    return s;
}

/* Submit `body` as `who` (verified at admission against who's seed) and
 * return the fatal error or the first command's result. */
static enum err seq_submit(struct seq_fixture *f, const struct seq_signer *who, const char *body) {
    struct request_cmds rc;
    char why[160];
    size_t len = strlen(body);
    assert_int_equal(request_parse(&f->chain.engine, (const uint8_t *)body, len, who->index, &rc,
                                   why, sizeof(why)),
                     ERR_OK);
    struct buf bin;
    buf_init(&bin);
    for (uint32_t i = 0; i < rc.count; i++) command_encode(&rc.cmds[i], &bin);
    char nonce[32], time_ms[32], signature[SIG_B64_SIZE];
    snprintf(nonce, sizeof(nonce), "n%u", ++f->nonce);
    int64_t now_ms = chain_now_ns() / 1000000;
    snprintf(time_ms, sizeof(time_ms), "%lld", (long long)now_ms);
    assert_int_equal(sig_sign(who->seed, "POST", "/api/commands", time_ms, nonce,
                              (const uint8_t *)body, len, signature),
                     0);
    struct seq_item item;
    memset(&item, 0, sizeof(item));
    item.cmds = rc.cmds;
    item.count = rc.count;
    item.operator_index = who->index;
    sig_pubkey(who->seed, item.pubkey);
    item.journal.operator_name = who->name;
    item.journal.time_ms = now_ms;
    item.journal.nonce = nonce;
    item.journal.signature = signature;
    item.journal.method = "POST";
    item.journal.path = "/api/commands";
    item.journal.body = (const uint8_t *)body;
    item.journal.body_len = len;
    hash_once((const uint8_t *)body, len, &item.journal.body_hash);
    item.journal.commands = bin.data;
    item.journal.commands_len = bin.len;
    if (f->manual) {
        sequencer_enqueue(f->seq, &item);
        sequencer_run_now(f->seq);
    } else {
        sequencer_submit(f->seq, &item);
    }
    enum err err = item.fatal ? item.fatal : item.results[0];
    seq_item_free(&item);
    buf_free(&bin);
    request_cmds_free(&rc);
    return err;
}

static uint64_t seq_journaled_requests(struct seq_fixture *f) {
    struct store_tally t;
    assert_int_equal(f->chain.store->ops->tally(f->chain.store, &t), ERR_OK);
    return t.requests;
}

#define MINT "{\"op\":\"mint\",\"asset\":\"USDC\",\"to\":\"0x00000000000000000000000000000000000000aa\",\"amount\":\"1\"}"

static void stale_key_is_refused_and_never_journaled(void **state) {
    (void)state;
    struct seq_fixture *f = seq_open(chain_now_ns() - 1000000000);
    struct seq_signer alice = seq_signer("alice", 0, 1);
    struct seq_signer bob_old = seq_signer("bob", 1, 2);
    struct seq_signer bob_new = seq_signer("bob", 1, 9);
    assert_int_equal(seq_submit(f, &bob_old, MINT), ERR_OK);
    char hex[65];
    fixture_pubkey_hex(9, hex);
    char rotate[160];
    snprintf(rotate, sizeof(rotate), "{\"op\":\"operator.rotate_key\",\"name\":\"bob\",\"pubkey\":\"%s\"}", hex);
    assert_int_equal(seq_submit(f, &alice, rotate), ERR_OK);
    uint64_t journaled = seq_journaled_requests(f);
    uint64_t height = f->chain.engine.s.height;
    /* verified against the old key before the rotation applied */
    assert_int_equal(seq_submit(f, &bob_old, MINT), ERR_AUTH_SIGNATURE);
    assert_int_equal(seq_journaled_requests(f), journaled);
    assert_int_equal(f->chain.engine.s.height, height);
    assert_int_equal(seq_submit(f, &bob_new, MINT), ERR_OK);
    assert_int_equal(seq_submit(f, &alice, "{\"op\":\"operator.remove\",\"name\":\"bob\"}"), ERR_OK);
    journaled = seq_journaled_requests(f);
    assert_int_equal(seq_submit(f, &bob_new, MINT), ERR_AUTH_OPERATOR);
    assert_int_equal(seq_journaled_requests(f), journaled);
    struct seq_stats st;
    sequencer_stats(f->seq, &st);
    assert_int_equal(st.stale_signer, 2);
    assert_int_equal(node_audit_verify(f->dir, f->url[0] ? f->url : NULL, 1), 0);
    seq_close(f);
}

static void wall_clock_behind_the_ledger_refuses_blocks(void **state) {
    (void)state;
    struct seq_fixture *f = seq_open(chain_now_ns() + INT64_C(3600) * 1000000000);
    struct seq_signer alice = seq_signer("alice", 0, 1);
    assert_int_equal(seq_submit(f, &alice, MINT), ERR_CLOCK_BEHIND);
    assert_int_equal(f->chain.engine.s.height, 0);
    assert_int_equal(seq_journaled_requests(f), 0);
    seq_close(f);
}

static void wall_clock_a_step_behind_is_waited_out(void **state) {
    (void)state;
    int64_t t0 = chain_now_ns() + 300000000; /* 0.3 s ahead: an NTP step */
    struct seq_fixture *f = seq_open(t0);
    struct seq_signer alice = seq_signer("alice", 0, 1);
    assert_int_equal(seq_submit(f, &alice, MINT), ERR_OK);
    assert_int_equal(f->chain.engine.s.height, 1);
    assert_true(f->chain.engine.s.time_ns >= t0);
    assert_true(f->chain.engine.s.time_ns <= chain_now_ns());
    seq_close(f);
}

/* sequencer_wait_queued (a retry waits for its original): nothing in
 * flight returns at once, saying so; after blocks committed, the same. */
static void wait_queued_returns_when_nothing_is_in_flight(void **state) {
    (void)state;
    struct seq_fixture *f = seq_open(chain_now_ns() - 1000000000);
    struct seq_signer alice = seq_signer("alice", 0, 1);
    int64_t far_ns = chain_now_ns() + INT64_C(60) * 1000000000;
    assert_int_equal(sequencer_wait_queued(f->seq, far_ns), 0);
    assert_int_equal(seq_submit(f, &alice, MINT), ERR_OK);
    assert_int_equal(seq_submit(f, &alice, MINT), ERR_OK);
    assert_int_equal(sequencer_wait_queued(f->seq, far_ns), 0);
    assert_int_equal(f->chain.engine.s.height, 2);
    seq_close(f);
}

/* Snapshots written by the writer thread through the buffer the sequencer
 * keeps between them (made ahead by the same thread half way to the
 * first), each of a larger state than the last: the newest in the store
 * is whole, reads back into an engine, and matches its block's state hash
 * (bytes left from an earlier snapshot in the buffer would not). */
static void snapshots_through_the_kept_buffer_read_back(void **state) {
    (void)state;
    struct seq_fixture *f = seq_open(chain_now_ns() - 1000000000);
    struct seq_signer alice = seq_signer("alice", 0, 1);
    sequencer_stop(f->seq);
    struct sequencer_options opt = {.inline_snapshots = 0, .snapshot_every_blocks = 4};
    assert_int_equal(sequencer_open(&f->chain, &opt, &f->seq), ERR_OK);
    f->manual = 1;
    struct seq_stats st;
    memset(&st, 0, sizeof(st));
    unsigned blocks = 0;
    /* Each mint a new holder, so each snapshot is larger than the last. */
    while (blocks < 2000 && st.snapshots_written < 4) {
        char body[200];
        blocks++;
        snprintf(body, sizeof(body),
                 "{\"op\":\"mint\",\"asset\":\"USDC\",\"to\":\"0x%040x\",\"amount\":\"%u\"}",
                 blocks, blocks);
        assert_int_equal(seq_submit(f, &alice, body), ERR_OK);
        sequencer_stats(f->seq, &st);
    }
    assert_true(st.snapshots_written >= 4);
    assert_int_equal(st.snapshots_failed, 0);
    struct store *s = f->chain.store;
    uint64_t height = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(s->ops->latest_snapshot(s, &height, &data, &len), ERR_OK);
    assert_true(height >= 8);
    struct store_block b;
    assert_int_equal(s->ops->block_at(s, height, &b), ERR_OK);
    struct engine e;
    assert_int_equal(engine_open(&e, 1024), ERR_OK);
    assert_int_equal(engine_snapshot_read(&e, data, len), ERR_OK);
    free(data);
    struct hash h;
    engine_state_hash(&e, &h);
    assert_memory_equal(h.bytes, b.state_hash.bytes, HASH_BYTES);
    assert_int_equal(e.s.height, height);
    assert_int_equal(e.holdings.used_count, height); /* one holder a block */
    engine_close(&e);
    seq_close(f);
}

/* Each case on SQLite, then on PostgreSQL. */
#define BOTH(f)                                                                                    \
    {#f " (sqlite)", f, seq_use_sqlite, NULL, NULL}, {#f " (postgres)", f, seq_use_pg, NULL, NULL}

/* Snapshots: due by blocks AND commands by default (a snapshot of a big
 * state is not worth 2,000 one-command blocks of replay), by blocks alone
 * whatever they held past LIMIT_SNAPSHOT_MAX_BLOCKS, and by the exact
 * block count when a driver sets one. */
static void snapshot_due_by_blocks_and_commands(void **state) {
    (void)state;
    struct sequencer_options def = {0};
    assert_false(sequencer_snapshot_due(&def, LIMIT_SNAPSHOT_EVERY_BLOCKS - 1, UINT64_MAX / 2));
    assert_false(sequencer_snapshot_due(&def, LIMIT_SNAPSHOT_EVERY_BLOCKS,
                                        LIMIT_SNAPSHOT_MIN_COMMANDS - 1));
    assert_true(sequencer_snapshot_due(&def, LIMIT_SNAPSHOT_EVERY_BLOCKS,
                                       LIMIT_SNAPSHOT_MIN_COMMANDS));
    assert_false(sequencer_snapshot_due(&def, LIMIT_SNAPSHOT_MAX_BLOCKS - 1,
                                        LIMIT_SNAPSHOT_EVERY_BLOCKS));
    assert_true(sequencer_snapshot_due(&def, LIMIT_SNAPSHOT_MAX_BLOCKS, 0));
    struct sequencer_options every3 = {.snapshot_every_blocks = 3};
    assert_false(sequencer_snapshot_due(&every3, 2, UINT64_MAX / 2));
    assert_true(sequencer_snapshot_due(&every3, 3, 0));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(snapshot_due_by_blocks_and_commands),
        BOTH(stale_key_is_refused_and_never_journaled),
        BOTH(wall_clock_behind_the_ledger_refuses_blocks),
        BOTH(wall_clock_a_step_behind_is_waited_out),
        BOTH(wait_queued_returns_when_nothing_is_in_flight),
        BOTH(snapshots_through_the_kept_buffer_read_back),
    };
    size_t n = sizeof(tests) / sizeof(tests[0]);
    if (pg_fixture_enabled()) return cmocka_run_group_tests(tests, NULL, NULL);
    /* Run by hand without a PostgreSQL: the SQLite half (make test sets it). */
    struct CMUnitTest sqlite_only[sizeof(tests) / sizeof(tests[0])];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (tests[i].setup_func == seq_use_sqlite || tests[i].setup_func == NULL) {
            sqlite_only[k++] = tests[i];
        }
    }
    fprintf(stderr, "# MINTLINE_TEST_PG_URL not set: the PostgreSQL half is not run\n");
    return _cmocka_run_group_tests("sequencer", sqlite_only, k, NULL, NULL);
}
