/*
 * bench_payout.c - issue 9's payout figure: `payout distribute` over
 * HOLDERS (default 100,000) holders in engine_apply, under 1 s, with the
 * exact-sum property checked on that very run.
 *
 * Method: an engine from a genesis (one operator; EQ the snapshotted asset,
 * 0 decimals; USDC paid, 6 decimals; payout.distribute at one approval, so
 * engine_apply runs the distribution itself), HOLDERS addresses each minted
 * a random 1..1,000,000 EQ (xorshift64*, fixed seed) and given an identity
 * with a tax_form claim, the distributor funded with the total. Blocks are
 * driven as the sequencer drives them: the room summed with
 * engine_command_room on the state before the block, engine_reserve_room,
 * engine_block_begin, engine_apply, engine_block_seal. Timed: the
 * snapshot's engine_apply, the distribution's engine_apply (collect and sort
 * the holders, split, every leg's checks and tax form, every write) and its
 * seal (the state-hash fold of 100,000 changed balances) apart, and one
 * payout_plan_build (what a page of `payout show` costs under the read
 * lock).
 *
 * Then, from the balances alone: the legs sum exactly to the total, and
 * each is the floor or the ceiling of its exact share total * w / W (W the
 * sum of the weights).
 *
 * Output: human lines on stderr, "RESULT name value" lines on stdout.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/country.h"
#include "../src/base/duration.h"
#include "../src/engine/compliance.h"
#include "../src/engine/engine.h"
#include "../src/engine/genesis.h"
#include "../src/engine/payout.h"
#include "bench_util.h"

#define BENCH_HOLDERS_DEFAULT 100000u
#define BENCH_BLOCK 60000u
#define BENCH_TIME_NS INT64_C(1790000000000000000)
/* 1,000,000.123457 USDC: not a multiple of anything, so rounding happens. */
#define BENCH_TOTAL ((u128)1000000123457u)

static const char bench_genesis[] =
    "{\"operators\":[{\"name\":\"bench\","
    "\"pubkey\":\"a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800\","
    "\"roles\":[\"minter\",\"compliance\",\"payout_manager\"]}],"
    "\"controller\":\"bench\","
    "\"assets\":[{\"symbol\":\"EQ\",\"kind\":\"plain\",\"decimals\":\"0\"},"
    "{\"symbol\":\"USDC\",\"kind\":\"plain\",\"decimals\":\"6\"}],"
    "\"policies\":[{\"op\":\"payout.distribute\",\"approvals\":\"1\"}]}";

static void bench_die(const char *what, enum err err) {
    fprintf(stderr, "bench_payout: %s: %s\n", what, err_name(err));
    exit(1);
}

/* One block of n commands, as the sequencer applies it; the seconds spent
 * in engine_apply and in engine_block_seal. */
static void bench_block(struct engine *e, struct event_buf *ev, const struct command *cmds,
                        uint32_t n, double *apply_s, double *seal_s) {
    uint64_t extra = 0;
    for (uint32_t i = 0; i < n; i++) extra += engine_command_room(e, &cmds[i]);
    enum err err = engine_reserve_room(e, n, extra);
    if (err) bench_die("engine_reserve_room", err);
    engine_block_begin(e, BENCH_TIME_NS);
    ev->count = 0;
    struct apply_result ar;
    double t0 = bench_now_s();
    for (uint32_t i = 0; i < n; i++) {
        err = engine_apply(e, &cmds[i], ev, &ar);
        if (err) {
            fprintf(stderr, "bench_payout: op %s failed: %s %s\n", op_table()[cmds[i].op].name,
                    err_name(err), ar.detail);
            exit(1);
        }
    }
    double t1 = bench_now_s();
    struct hash state;
    engine_block_seal(e, &state);
    *apply_s = t1 - t0;
    *seal_s = bench_now_s() - t1;
}

static void bench_open(struct engine *e, struct event_buf *ev) {
    enum err err = engine_open(e, 1024);
    if (err) bench_die("engine_open", err);
    json_error_t jerr;
    json_t *doc = json_loads(bench_genesis, 0, &jerr);
    char why[256] = "";
    err = doc ? engine_genesis(e, doc, BENCH_TIME_NS, why, sizeof(why)) : ERR_INVALID_GENESIS;
    json_decref(doc);
    if (err) {
        fprintf(stderr, "bench_payout: genesis: %s %s\n", why, doc ? "" : jerr.text);
        exit(1);
    }
    ev->cap = (BENCH_BLOCK + 1) * LIMIT_EVENTS_PER_COMMAND;
    ev->items = calloc(ev->cap, sizeof(*ev->items));
    if (ev->items == NULL) bench_die("events", ERR_INTERNAL);
}

/* Holder i: a mint of weights[i] EQ, an identity, a tax_form claim. */
static void bench_holders(struct engine *e, struct event_buf *ev, const struct addr *addrs,
                          const u128 *weights, uint32_t holders) {
    int32_t expires = 0;
    if (date_parse("2099-01-01", 10, &expires) != ERR_OK) bench_die("date", ERR_INTERNAL);
    struct command *cmds = calloc(BENCH_BLOCK, sizeof(*cmds));
    if (cmds == NULL) bench_die("commands", ERR_INTERNAL);
    uint32_t n = 0;
    for (uint32_t i = 0; i < holders; i++) {
        struct command *c = &cmds[n++];
        memset(c, 0, sizeof(*c) * 3);
        c->op = OP_MINT;
        c->present = CMD_HAS_ASSET | CMD_HAS_TO | CMD_HAS_AMOUNT;
        c->to = addrs[i];
        c->amount = weights[i];
        c = &cmds[n++];
        c->op = OP_IDENTITY_REGISTER;
        c->present = CMD_HAS_FROM | CMD_HAS(FIELD_COUNTRY);
        c->from = addrs[i];
        c->country = country_parse("DE", 2);
        c = &cmds[n++];
        c->op = OP_CLAIM_SET;
        c->present = CMD_HAS_FROM | CMD_HAS(FIELD_TOPIC) | CMD_HAS(FIELD_DATE);
        c->from = addrs[i];
        c->topic = CLAIM_TAX_FORM;
        c->date = expires;
        if (n + 3 > BENCH_BLOCK || i + 1 == holders) {
            double a, s;
            bench_block(e, ev, cmds, n, &a, &s);
            n = 0;
        }
    }
    free(cmds);
}

/* The legs, read back from the USDC balances: exact sum, floor or ceiling. */
static int bench_exact(const struct engine *e, const struct addr *addrs, const u128 *weights,
                       uint32_t holders) {
    u128 w_sum = 0, leg_sum = 0;
    for (uint32_t i = 0; i < holders; i++) w_sum += weights[i];
    for (uint32_t i = 0; i < holders; i++) {
        u128 leg = engine_balance(e, 1, &addrs[i]);
        u128 exact = BENCH_TOTAL * weights[i]; /* < 2^61 * 2^20: no overflow */
        leg_sum += leg;
        u128 floor = exact / w_sum;
        if (leg != floor && (leg != floor + 1 || exact % w_sum == 0)) {
            fprintf(stderr, "bench_payout: holder %u's leg is not the floor or ceiling of its share\n", i);
            return 0;
        }
    }
    if (leg_sum != BENCH_TOTAL) {
        fprintf(stderr, "bench_payout: the legs do not sum to the total\n");
        return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    uint32_t holders = BENCH_HOLDERS_DEFAULT;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--holders") == 0) holders = (uint32_t)strtoul(argv[i + 1], NULL, 10);
    }
    if (holders < 1 || holders > 10000000u) {
        fprintf(stderr, "usage: bench_payout [--holders 1..10000000]\n");
        return 2;
    }
    struct addr *addrs = calloc(holders, sizeof(*addrs));
    u128 *weights = calloc(holders, sizeof(*weights));
    struct engine *e = calloc(1, sizeof(*e));
    if (addrs == NULL || weights == NULL || e == NULL) bench_die("memory", ERR_INTERNAL);
    uint64_t rng = BENCH_SEED;
    for (uint32_t i = 0; i < holders; i++) {
        bench_addr(i, &addrs[i]);
        weights[i] = 1 + bench_rng_next(&rng) % 1000000u;
    }
    struct event_buf ev;
    bench_open(e, &ev);
    bench_holders(e, &ev, addrs, weights, holders);
    struct addr distributor;
    bench_addr(holders + 7, &distributor);
    struct command c;
    memset(&c, 0, sizeof(c));
    c.op = OP_MINT;
    c.asset = 1;
    c.present = CMD_HAS_ASSET | CMD_HAS_TO | CMD_HAS_AMOUNT;
    c.to = distributor;
    c.amount = BENCH_TOTAL;
    double snap_s, snap_seal_s, a, s;
    bench_block(e, &ev, &c, 1, &a, &s);
    memset(&c, 0, sizeof(c));
    c.op = OP_PAYOUT_SNAPSHOT;
    c.present = CMD_HAS_ASSET;
    bench_block(e, &ev, &c, 1, &snap_s, &snap_seal_s);
    memset(&c, 0, sizeof(c));
    c.op = OP_PAYOUT_CREATE;
    c.asset = 1;
    c.present = CMD_HAS_ASSET | CMD_HAS(FIELD_ID) | CMD_HAS_AMOUNT | CMD_HAS_FROM | CMD_HAS(FIELD_MODE);
    c.id = 1;
    c.amount = BENCH_TOTAL;
    c.from = distributor;
    c.mode = PAYOUT_FULL;
    bench_block(e, &ev, &c, 1, &a, &s);

    memset(&c, 0, sizeof(c));
    c.op = OP_PAYOUT_DISTRIBUTE;
    c.present = CMD_HAS(FIELD_ID);
    c.id = 1;
    double dist_s, dist_seal_s;
    bench_block(e, &ev, &c, 1, &dist_s, &dist_seal_s);
    const struct payout *p = &e->s.payouts[0];
    double t0 = bench_now_s();
    struct payout_plan plan;
    if (payout_plan_build(e, 1, &plan) != ERR_OK) bench_die("payout_plan_build", ERR_INTERNAL);
    double plan_s = bench_now_s() - t0;
    payout_plan_free(&plan);

    int exact = p->distributed && p->legs == holders && p->paid == BENCH_TOTAL &&
                bench_exact(e, addrs, weights, holders) && engine_check_invariants(e) == 0;
    fprintf(stderr,
            "payout over %u holders: snapshot %.3f s (seal %.1f ms); distribute %.3f s in "
            "engine_apply (seal %.1f ms), %u legs; a payout_plan_build (payout show) %.3f s; "
            "exact sum and floor/ceiling legs: %s\n",
            holders, snap_s, snap_seal_s * 1e3, dist_s, dist_seal_s * 1e3, p->legs, plan_s,
            exact ? "checked" : "FAILED");
    printf("RESULT payout_distribute_s %.3f\n", dist_s);
    printf("RESULT payout_distribute_seal_s %.3f\n", dist_seal_s);
    printf("RESULT payout_snapshot_s %.3f\n", snap_s);
    printf("RESULT payout_plan_s %.3f\n", plan_s);
    printf("RESULT payout_exact_checked %d\n", exact);
    printf("RESULT payout_exact_failed %d\n", !exact);
    engine_close(e);
    free(e);
    free(ev.items);
    free(addrs);
    free(weights);
    return exact ? 0 : 1;
}
