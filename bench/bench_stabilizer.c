/*
 * bench_stabilizer.c - issue 11's stabilizer figure: one observation in
 * under 1 us.
 *
 * Method: an engine from a genesis with USDW (plain, 6 decimals), its
 * market feed USDW-MKT and a stabilizer on it (window 10, sustain 3,
 * threshold 0.5%), the reserve account funded. Then OBSERVATIONS blocks
 * (default 200,000), each one price.update of the feed through
 * engine_apply (authorisation, policy, the feed, the observation, the
 * order), as the sequencer drives them: engine_reserve, engine_block_begin,
 * engine_apply, engine_block_seal. Prices move 3% off the peg and back in a
 * fixed cycle (xorshift64* noise, fixed seed), so that the window slides
 * every block and orders are emitted on most of them. Timed: engine_apply
 * alone (the seal is the state hash's business, not the stabilizer's), and
 * the same loop on a ledger without the stabilizer, so that the difference
 * is what the stabilizer adds to a price update.
 *
 * Output: human lines on stderr, "RESULT name value" lines on stdout.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/duration.h"
#include "../src/engine/engine.h"
#include "../src/engine/genesis.h"
#include "../src/engine/stabilizer.h"
#include "bench_util.h"

#define BENCH_OBSERVATIONS_DEFAULT 200000u
#define BENCH_TIME_NS INT64_C(1790000000000000000)
#define BENCH_PEG ((u128)100000000u)

static const char bench_genesis_head[] =
    "{\"operators\":[{\"name\":\"bench\","
    "\"pubkey\":\"a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800\","
    "\"roles\":[\"minter\",\"oracle_updater\"]}],"
    "\"controller\":\"bench\","
    "\"assets\":[{\"symbol\":\"USDW\",\"kind\":\"plain\",\"decimals\":\"6\"}],"
    "\"feeds\":[{\"name\":\"USDW-MKT\"}]";
static const char bench_genesis_stab[] =
    ",\"stabilizers\":[{\"asset\":\"USDW\",\"feed\":\"USDW-MKT\",\"target\":\"1\","
    "\"window_blocks\":\"10\",\"sustain_blocks\":\"3\",\"threshold\":\"0.5%\",\"k\":\"100000\","
    "\"max_per_block\":\"50000\",\"reserve_account\":\"0x5e5e000000000000000000000000000000000001\"}]";

static void bench_die(const char *what, const char *detail) {
    fprintf(stderr, "bench_stabilizer: %s: %s\n", what, detail);
    exit(1);
}

static void bench_open(struct engine *e, int with_stabilizer) {
    char text[2048];
    snprintf(text, sizeof(text), "%s%s}", bench_genesis_head, with_stabilizer ? bench_genesis_stab : "");
    if (engine_open(e, 1024) != ERR_OK) bench_die("engine_open", "memory");
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (doc == NULL) bench_die("genesis", jerr.text);
    char why[256] = "";
    enum err err = engine_genesis(e, doc, BENCH_TIME_NS, why, sizeof(why));
    json_decref(doc);
    if (err) bench_die("genesis", why);
}

/* One command in a block of its own; the seconds engine_apply took. */
static double bench_one(struct engine *e, const struct command *c, int64_t time_ns,
                        struct event_buf *ev, uint32_t *orders) {
    if (engine_reserve(e, 1) != ERR_OK) bench_die("engine_reserve", "room");
    engine_block_begin(e, time_ns);
    ev->count = 0;
    struct apply_result ar;
    double t0 = bench_now_s();
    enum err err = engine_apply(e, c, ev, &ar);
    double t = bench_now_s() - t0;
    if (err) bench_die(op_table()[c->op].name, err_name(err));
    for (uint32_t i = 0; i < ev->count; i++) *orders += ev->items[i].type == EVENT_STABILIZATION_ORDER;
    struct hash state;
    engine_block_seal(e, &state);
    return t;
}

/* OBSERVATIONS price updates, a block each; the mean ns in engine_apply. */
static double bench_run(int with_stabilizer, uint32_t observations, uint32_t *orders) {
    struct engine *e = calloc(1, sizeof(*e));
    struct event items[LIMIT_EVENTS_PER_COMMAND * 2];
    struct event_buf ev = {items, 0, LIMIT_EVENTS_PER_COMMAND * 2};
    if (e == NULL) bench_die("engine", "memory");
    bench_open(e, with_stabilizer);
    int64_t t = BENCH_TIME_NS + 5 * NS_PER_S;
    struct command c;
    memset(&c, 0, sizeof(c));
    c.op = OP_MINT;
    c.present = CMD_HAS_ASSET | CMD_HAS_TO | CMD_HAS_AMOUNT;
    if (addr_parse("0x5e5e000000000000000000000000000000000001", 42, &c.to) != ERR_OK) bench_die("addr", "");
    c.amount = (u128)1000000000000000u;
    *orders = 0;
    bench_one(e, &c, t, &ev, orders);
    memset(&c, 0, sizeof(c));
    c.op = OP_PRICE_UPDATE;
    c.present = CMD_HAS(FIELD_FEED) | CMD_HAS(FIELD_PRICE);
    uint64_t rng = BENCH_SEED;
    double total = 0;
    for (uint32_t i = 0; i < observations; i++) {
        t += 5 * NS_PER_S;
        /* 20 blocks 3% above the peg, 20 at it, with noise of +-0.1% */
        u128 base = (i / 20) % 2 ? BENCH_PEG : BENCH_PEG + BENCH_PEG * 3 / 100;
        c.price = base - BENCH_PEG / 1000 + bench_rng_next(&rng) % (BENCH_PEG / 500);
        total += bench_one(e, &c, t, &ev, orders);
    }
    if (engine_check_invariants(e) != 0) bench_die("invariants", "broken");
    engine_close(e);
    free(e);
    return total / observations * 1e9;
}

int main(int argc, char **argv) {
    uint32_t observations = BENCH_OBSERVATIONS_DEFAULT;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--observations") == 0) observations = (uint32_t)strtoul(argv[i + 1], NULL, 10);
    }
    if (observations < 100 || observations > 100000000u) {
        fprintf(stderr, "usage: bench_stabilizer [--observations 100..100000000]\n");
        return 2;
    }
    uint32_t orders = 0;
    uint32_t none = 0;
    double with_ns = bench_run(1, observations, &orders);
    double without_ns = bench_run(0, observations, &none);
    double added_ns = with_ns > without_ns ? with_ns - without_ns : 0;
    fprintf(stderr,
            "stabilizer: %u price updates, a block each: %.0f ns in engine_apply with the "
            "stabilizer (%u orders), %.0f ns without; one observation adds %.0f ns\n",
            observations, with_ns, orders, without_ns, added_ns);
    printf("RESULT stabilizer_price_update_ns %.0f\n", with_ns);
    printf("RESULT stabilizer_observation_ns %.0f\n", added_ns);
    printf("RESULT stabilizer_orders %u\n", orders);
    printf("RESULT stabilizer_failed %d\n", orders == 0 || none != 0);
    return orders == 0 || none != 0;
}
