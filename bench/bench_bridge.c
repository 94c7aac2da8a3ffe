/*
 * bench_bridge.c - issue 11's bridge figure: `bridge.send` applied in
 * memory at >= 1,000,000 ops/s (engine_apply only), and `bridge.confirm`
 * beside it.
 *
 * Method: an engine from a genesis (one operator, minter and bridge
 * operator; USDW, 6 decimals; one route to chain 138, min 1 unit, no max),
 * HOLDERS addresses (default 10,000) minted 1,000,000 USDW each. Then
 * TRANSFERS sends (default 1,000,000) from random holders, in blocks of
 * LIMIT_BRIDGE_TRANSFERS sends followed by the confirms of the same
 * transfers (the transfer table holds at most that many in flight), driven
 * as the sequencer drives blocks (engine_reserve_room, engine_block_begin,
 * engine_apply, engine_block_seal). The sends' engine_apply calls and the
 * confirms' are timed apart; seals are not in either figure. At the end
 * the escrow invariants and the engine's are checked.
 *
 * Output: human lines on stderr, "RESULT name value" lines on stdout.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/duration.h"
#include "../src/engine/bridge.h"
#include "../src/engine/engine.h"
#include "../src/engine/genesis.h"
#include "bench_util.h"

#define BENCH_TIME_NS INT64_C(1790000000000000000)
#define BENCH_BLOCK LIMIT_BRIDGE_TRANSFERS

static const char bench_genesis[] =
    "{\"operators\":[{\"name\":\"bench\","
    "\"pubkey\":\"a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800\","
    "\"roles\":[\"minter\",\"bridge_operator\"]}],"
    "\"controller\":\"bench\","
    "\"assets\":[{\"symbol\":\"USDW\",\"kind\":\"plain\",\"decimals\":\"6\"}],"
    "\"bridge_routes\":[{\"chain\":\"138\",\"asset\":\"USDW\",\"timeout\":\"1h\",\"min\":\"0."
    "000001\","
    "\"buffer_account\":\"0x3333333333333333333333333333333333333333\",\"safety_factor\":\"1.5\"}]"
    "}";

static void bench_die(const char *what, enum err err) {
    fprintf(stderr, "bench_bridge: %s: %s\n", what, err_name(err));
    exit(1);
}

/* Apply n commands in the open block; the seconds spent in engine_apply. */
static double bench_apply(struct engine *e, struct event_buf *ev, const struct command *cmds,
                          uint32_t n) {
    struct apply_result ar;
    double t0 = bench_now_s();
    for (uint32_t i = 0; i < n; i++) {
        enum err err = engine_apply(e, &cmds[i], ev, &ar);
        if (err) {
            fprintf(stderr, "bench_bridge: %s failed: %s %s\n", op_table()[cmds[i].op].name,
                    err_name(err), ar.detail);
            exit(1);
        }
    }
    return bench_now_s() - t0;
}

static void bench_begin(struct engine *e, struct event_buf *ev, const struct command *cmds,
                        uint32_t n, int64_t time_ns) {
    uint64_t extra = 0;
    for (uint32_t i = 0; i < n; i++)
        extra += engine_command_room(e, &cmds[i]);
    enum err err = engine_reserve_room(e, n, extra);
    if (err) bench_die("engine_reserve_room", err);
    engine_block_begin(e, time_ns);
    ev->count = 0;
}

static void bench_open(struct engine *e, struct event_buf *ev, uint32_t holders) {
    enum err err = engine_open(e, holders * 2 + 1024);
    if (err) bench_die("engine_open", err);
    json_error_t jerr;
    json_t *doc = json_loads(bench_genesis, 0, &jerr);
    char why[256] = "";
    err = doc ? engine_genesis(e, doc, BENCH_TIME_NS, why, sizeof(why)) : ERR_INVALID_GENESIS;
    json_decref(doc);
    if (err) {
        fprintf(stderr, "bench_bridge: genesis: %s %s\n", why, doc ? "" : jerr.text);
        exit(1);
    }
    ev->cap = (2 * BENCH_BLOCK + 1) * LIMIT_EVENTS_PER_COMMAND;
    ev->items = calloc(ev->cap, sizeof(*ev->items));
    if (ev->items == NULL) bench_die("events", ERR_INTERNAL);
}

static void bench_fund(struct engine *e, struct event_buf *ev, uint32_t holders) {
    struct command *cmds = calloc(BENCH_BLOCK, sizeof(*cmds));
    if (cmds == NULL) bench_die("commands", ERR_INTERNAL);
    uint32_t n = 0;
    for (uint32_t i = 0; i < holders; i++) {
        struct command *c = &cmds[n++];
        memset(c, 0, sizeof(*c));
        c->op = OP_MINT;
        c->present = CMD_HAS_ASSET | CMD_HAS_TO | CMD_HAS_AMOUNT;
        bench_addr(i, &c->to);
        c->amount = (u128)1000000 * 1000000;
        if (n == BENCH_BLOCK || i + 1 == holders) {
            bench_begin(e, ev, cmds, n, BENCH_TIME_NS);
            bench_apply(e, ev, cmds, n);
            struct hash h;
            engine_block_seal(e, &h);
            n = 0;
        }
    }
    free(cmds);
}

int main(int argc, char **argv) {
    uint32_t holders = 10000;
    uint64_t transfers = 1000000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--holders") == 0) holders = (uint32_t)strtoul(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--transfers") == 0) transfers = strtoull(argv[i + 1], NULL, 10);
    }
    if (holders < 2 || transfers == 0) {
        fprintf(stderr, "usage: bench_bridge [--holders N>=2] [--transfers N]\n");
        return 2;
    }
    static struct engine e;
    struct event_buf ev;
    bench_open(&e, &ev, holders);
    bench_fund(&e, &ev, holders);
    struct command *sends = calloc(BENCH_BLOCK, sizeof(*sends));
    struct command *confirms = calloc(BENCH_BLOCK, sizeof(*confirms));
    if (sends == NULL || confirms == NULL) bench_die("commands", ERR_INTERNAL);
    uint64_t rng = BENCH_SEED;
    double send_s = 0, confirm_s = 0;
    uint64_t done = 0;
    int64_t t = BENCH_TIME_NS;
    while (done < transfers) {
        uint32_t n = transfers - done < BENCH_BLOCK ? (uint32_t)(transfers - done) : BENCH_BLOCK;
        uint64_t first = e.s.bridge.next_transfer_id + 1;
        for (uint32_t i = 0; i < n; i++) {
            struct command *c = &sends[i];
            memset(c, 0, sizeof(*c));
            c->op = OP_BRIDGE_SEND;
            c->present =
                CMD_HAS_ASSET | CMD_HAS_FROM | CMD_HAS_TO | CMD_HAS_AMOUNT | CMD_HAS(FIELD_CHAIN);
            bench_addr((uint32_t)(bench_rng_next(&rng) % holders), &c->from);
            bench_addr(0, &c->to);
            c->chain = 138;
            c->amount = 1 + bench_rng_next(&rng) % 1000000;
            struct command *k = &confirms[i];
            memset(k, 0, sizeof(*k));
            k->op = OP_BRIDGE_CONFIRM;
            k->present = CMD_HAS(FIELD_ID) | CMD_HAS(FIELD_TX_HASH);
            k->id = first + i;
            memset(k->pubkey, 0xab, sizeof(k->pubkey));
        }
        t += 60 * NS_PER_S;
        bench_begin(&e, &ev, sends, n, t);
        send_s += bench_apply(&e, &ev, sends, n);
        struct hash h;
        engine_block_seal(&e, &h);
        t += 60 * NS_PER_S;
        bench_begin(&e, &ev, confirms, n, t);
        confirm_s += bench_apply(&e, &ev, confirms, n);
        engine_block_seal(&e, &h);
        done += n;
    }
    if (bridge_check_invariants(&e) != 0 || engine_check_invariants(&e) != 0) {
        fprintf(stderr, "bench_bridge: invariants broken\n");
        return 1;
    }
    double send_rate = (double)transfers / send_s;
    double confirm_rate = (double)transfers / confirm_s;
    fprintf(stderr,
            "bench_bridge: %llu bridge.send in %.3f s: %.0f/s (%.0f ns each); confirms %.0f/s\n",
            (unsigned long long)transfers, send_s, send_rate, 1e9 * send_s / (double)transfers,
            confirm_rate);
    printf("RESULT bridge_send_per_s %.0f\n", send_rate);
    printf("RESULT bridge_send_ns %.0f\n", 1e9 * send_s / (double)transfers);
    printf("RESULT bridge_confirm_per_s %.0f\n", confirm_rate);
    free(sends);
    free(confirms);
    free(ev.items);
    engine_close(&e);
    return 0;
}
