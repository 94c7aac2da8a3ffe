/*
 * bench_vault.c - issue 11's vault figures: vault borrow/repay applied in
 * memory (target >= 1,000,000 ops/s) and 10,000 vaults re-checked after a
 * price update, finding every vault below the liquidation ratio (target
 * under 5 ms).
 *
 * Method: an engine from a genesis (one operator; XAUT collateral and USDW
 * debt, plain, 6 decimals; feed XAU; type XAU-A at 150% / 110% / 5%),
 * VAULTS owners each minted 10 XAUT, a vault opened, the 10 XAUT
 * deposited and a random 1,000..13,000 USDW borrowed (xorshift64*, fixed
 * seed), in blocks driven as the sequencer drives them. Timed: a pool of
 * pre-decoded commands alternating vault.borrow and vault.repay of 1 USDW
 * over random vaults (each check in full: pause, blacklist, feed, dust,
 * ceiling, exact health; the mint or burn), apply and seal apart; then the
 * price moved to 1,000 and vault_scan_below over every vault at the
 * liquidation ratio, ROUNDS times (best and median kept), the count
 * checked against a plain recount.
 *
 * Output: human lines on stderr, "RESULT name value" lines on stdout.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/engine/engine.h"
#include "../src/engine/genesis.h"
#include "../src/engine/vault.h"
#include "bench_util.h"

#define BENCH_VAULTS_DEFAULT 10000u
#define BENCH_OPS_DEFAULT 2000000u
#define BENCH_BLOCK 60000u
#define BENCH_ROUNDS 101u
#define BENCH_TIME_NS INT64_C(1790000000000000000)
#define BENCH_UNIT ((u128)1000000u) /* 1 token, 6 decimals */

static const char bench_genesis[] =
    "{\"operators\":[{\"name\":\"bench\","
    "\"pubkey\":\"a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800\","
    "\"roles\":[\"minter\",\"transfer_agent\",\"oracle_updater\"]}],"
    "\"controller\":\"bench\","
    "\"assets\":[{\"symbol\":\"XAUT\",\"kind\":\"plain\",\"decimals\":\"6\"},"
    "{\"symbol\":\"USDW\",\"kind\":\"plain\",\"decimals\":\"6\"}],"
    "\"feeds\":[{\"name\":\"XAU\",\"max_age\":\"3650d\"}],"
    "\"vault_types\":[{\"name\":\"XAU-A\",\"collateral\":\"XAUT\",\"feed\":\"XAU\",\"debt\":\"USDW\","
    "\"min_ratio\":\"150%\",\"liquidation_ratio\":\"110%\",\"penalty\":\"5%\","
    "\"debt_ceiling\":\"1000000000000\",\"dust\":\"100\"}]}";

static void bench_die(const char *what, enum err err) {
    fprintf(stderr, "bench_vault: %s: %s\n", what, err_name(err));
    exit(1);
}

/* One block of n commands, as the sequencer applies it. */
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
            fprintf(stderr, "bench_vault: op %s failed: %s\n", op_table()[cmds[i].op].name, err_name(err));
            exit(1);
        }
        if (ev->count + LIMIT_EVENTS_PER_COMMAND > ev->cap) ev->count = 0;
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
        fprintf(stderr, "bench_vault: genesis: %s %s\n", why, doc ? "" : jerr.text);
        exit(1);
    }
    ev->cap = 64 * LIMIT_EVENTS_PER_COMMAND;
    ev->items = calloc(ev->cap, sizeof(*ev->items));
    if (ev->items == NULL) bench_die("events", ERR_INTERNAL);
}

static void bench_price(struct engine *e, struct event_buf *ev, u128 whole) {
    struct command c;
    memset(&c, 0, sizeof(c));
    c.op = OP_PRICE_UPDATE;
    c.present = CMD_HAS(FIELD_FEED) | CMD_HAS(FIELD_PRICE);
    c.price = whole * 100000000u;
    double a, s;
    bench_block(e, ev, &c, 1, &a, &s);
}

/* Owner i: a mint of 10 XAUT, a vault, its deposit and a borrow. */
static void bench_vaults(struct engine *e, struct event_buf *ev, uint32_t vaults, uint64_t *rng) {
    struct command *cmds = calloc(BENCH_BLOCK, sizeof(*cmds));
    if (cmds == NULL) bench_die("commands", ERR_INTERNAL);
    uint32_t n = 0;
    for (uint32_t i = 0; i < vaults; i++) {
        struct addr owner;
        bench_addr(i, &owner);
        struct command *c = &cmds[n];
        memset(c, 0, sizeof(*c) * 4);
        c[0].op = OP_MINT;
        c[0].present = CMD_HAS_ASSET | CMD_HAS_TO | CMD_HAS_AMOUNT;
        c[0].to = owner;
        c[0].amount = 10 * BENCH_UNIT;
        c[1].op = OP_VAULT_OPEN;
        c[1].present = CMD_HAS(FIELD_VAULT_TYPE) | CMD_HAS_FROM;
        memcpy(c[1].vault_type, "XAU-A", 6);
        c[1].from = owner;
        c[2].op = OP_VAULT_DEPOSIT;
        c[2].present = CMD_HAS(FIELD_ID) | CMD_HAS_AMOUNT | CMD_HAS_ASSET;
        c[2].id = (uint64_t)i + 1;
        c[2].amount = 10 * BENCH_UNIT;
        c[3].op = OP_VAULT_BORROW;
        c[3].present = CMD_HAS(FIELD_ID) | CMD_HAS_AMOUNT | CMD_HAS_ASSET;
        c[3].asset = 1;
        c[3].id = (uint64_t)i + 1;
        c[3].amount = (1000 + bench_rng_next(rng) % 12001u) * BENCH_UNIT;
        n += 4;
        if (n + 4 > BENCH_BLOCK || i + 1 == vaults) {
            double a, s;
            bench_block(e, ev, cmds, n, &a, &s);
            n = 0;
        }
    }
    free(cmds);
}

int main(int argc, char **argv) {
    uint32_t vaults = BENCH_VAULTS_DEFAULT;
    uint32_t ops = BENCH_OPS_DEFAULT;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--vaults") == 0) vaults = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--ops") == 0) ops = (uint32_t)strtoul(argv[i + 1], NULL, 10);
    }
    if (vaults < 1 || vaults > LIMIT_VAULTS || ops < 2) {
        fprintf(stderr, "usage: bench_vault [--vaults 1..%u] [--ops N]\n", LIMIT_VAULTS);
        return 2;
    }
    struct engine *e = calloc(1, sizeof(*e));
    if (e == NULL) bench_die("memory", ERR_INTERNAL);
    struct event_buf ev;
    bench_open(e, &ev);
    uint64_t rng = BENCH_SEED;
    bench_price(e, &ev, 2000);
    bench_vaults(e, &ev, vaults, &rng);

    /* borrow/repay pool: each vault borrows 1 USDW, then repays it */
    uint32_t pool_n = BENCH_BLOCK;
    struct command *pool = calloc(pool_n, sizeof(*pool));
    if (pool == NULL) bench_die("pool", ERR_INTERNAL);
    for (uint32_t i = 0; i < pool_n; i += 2) {
        uint64_t id = 1 + bench_rng_next(&rng) % vaults;
        for (unsigned k = 0; k < 2; k++) {
            struct command *c = &pool[i + k];
            c->op = k ? OP_VAULT_REPAY : OP_VAULT_BORROW;
            c->present = CMD_HAS(FIELD_ID) | CMD_HAS_AMOUNT | CMD_HAS_ASSET;
            c->asset = 1;
            c->id = id;
            c->amount = BENCH_UNIT;
        }
    }
    double apply_s = 0, seal_s = 0;
    uint32_t done = 0;
    while (done < ops) {
        uint32_t n = ops - done < pool_n ? ops - done : pool_n;
        n &= ~1u;
        if (n == 0) break;
        double a, s;
        bench_block(e, &ev, pool, n, &a, &s);
        apply_s += a;
        seal_s += s;
        done += n;
    }
    if (engine_check_invariants(e) != 0) bench_die("invariants", ERR_INTERNAL);

    /* the price falls; which vaults are below 110%? */
    bench_price(e, &ev, 1000);
    uint64_t *ids = calloc(vaults, sizeof(*ids));
    double *t = calloc(BENCH_ROUNDS, sizeof(*t));
    if (ids == NULL || t == NULL) bench_die("scan", ERR_INTERNAL);
    uint32_t found = 0;
    for (unsigned r = 0; r < BENCH_ROUNDS; r++) {
        double t0 = bench_now_s();
        found = vault_scan_below(e, 0, e->s.vlt.types[0].liquidation_ratio_ppm, ids, vaults);
        t[r] = bench_now_s() - t0;
    }
    for (unsigned i = 1; i < BENCH_ROUNDS; i++) { /* insertion sort for the median */
        double x = t[i];
        unsigned j = i;
        while (j > 0 && t[j - 1] > x) {
            t[j] = t[j - 1];
            j--;
        }
        t[j] = x;
    }
    /* recount: 10 XAUT at 1,000 = 10,000 USDW; below 110% means debt > 9,090.90 */
    uint32_t recount = 0;
    for (uint32_t i = 0; i < e->s.vlt.vaults_count; i++) {
        const struct vault *v = &e->s.vlt.vaults[i];
        if (v->debt != 0 && (u128)10000 * BENCH_UNIT * 1000000u < v->debt * 1100000u) recount++;
    }
    fprintf(stderr, "bench_vault: %u vaults, %u borrow/repay ops: apply %.3f s (%.0f ops/s), seal %.3f s\n",
            vaults, done, apply_s, done / apply_s, seal_s);
    fprintf(stderr, "bench_vault: scan of %u vaults at 110%%: %u below (recount %u), best %.3f ms, median %.3f ms\n",
            vaults, found, recount, t[0] * 1e3, t[BENCH_ROUNDS / 2] * 1e3);
    printf("RESULT vault_ops_apply_per_s %.0f\n", done / apply_s);
    printf("RESULT vault_ops_sealed_per_s %.0f\n", done / (apply_s + seal_s));
    printf("RESULT vault_scan_ms %.3f\n", t[BENCH_ROUNDS / 2] * 1e3);
    printf("RESULT vault_scan_found %u\n", found);
    printf("RESULT vault_scan_failed %d\n", found != recount);
    free(ids);
    free(t);
    free(pool);
    free(ev.items);
    engine_close(e);
    free(e);
    return found == recount ? 0 : 1;
}
