/*
 * gen_corpus.c - writes the generated part of the fuzz seed corpora
 * (`make fuzz-corpus`; the files are committed):
 *
 *   request/      a body per op and a few batches, each accepted by request_parse
 *   request_fast/ the same bodies (the fast path against the generic one)
 *   command/      the single-command bodies as command objects
 *   command_bin/  each body's commands in the journal's binary form
 *   events/       block 1's events and each body's, in the journal's form
 *   genesis/      fuzz.yaml, the genesis the harnesses' engine starts from
 *   snapshot/     snapshots of the genesis alone, the fuzz state, and the fuzz
 *                 state with more holders (after the harness's mode byte 0),
 *                 and a list of edits of the fuzz state's snapshot (mode 1)
 *
 * Every input is checked on the way (a body must parse, a snapshot must
 * read back), so a seed is a real input of its kind. Built with the
 * release library: it needs no libFuzzer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../src/base/duration.h"
#include "../../src/node/chain.h"
#include "../../src/node/request.h"
#include "fuzz.h"

#define A1 "0x1111111111111111111111111111111111111111"
#define A2 "0x2222222222222222222222222222222222222222"
#define A3 "0x3333333333333333333333333333333333333333"
#define A5 "0x5555555555555555555555555555555555555555"
#define KEY "c9077518cfa438767ed68c718178cf1a92343d3c5ffc854f22658b65cba262f0"
#define SALT "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

struct gen_body {
    const char *name;
    const char *body;
};

/* One body per op (most of which the fuzz engine accepts), then batches. */
static const struct gen_body gen_bodies[] = {
    {"mint", "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" A5 "\",\"amount\":\"12.5\"}"},
    {"burn", "{\"op\":\"burn\",\"asset\":\"USDW\",\"from\":\"" A1 "\",\"amount\":\"0.000001\"}"},
    {"transfer", "{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" A1 "\",\"to\":\"" A2
                 "\",\"amount\":\"100\"}"},
    {"pause", "{\"op\":\"pause\"}"},
    {"pause-asset", "{\"op\":\"pause\",\"asset\":\"GOLD\",\"dry_run\":true}"},
    {"unpause", "{\"op\":\"unpause\",\"asset\":\"USDW\"}"},
    {"dev-advance", "{\"op\":\"dev.advance\",\"duration\":\"1d\"}"},
    {"mint-halt", "{\"op\":\"mint_halt\",\"asset\":\"AAXJF\"}"},
    {"mint-resume", "{\"op\":\"mint_resume\",\"asset\":\"AAXJF\"}"},
    {"caps-set", "{\"op\":\"caps.set\",\"asset\":\"GOLD\",\"supply_cap\":\"1000.5\","
                 "\"daily_mint_limit\":\"0\",\"daily_inflow_limit\":\"7\"}"},
    {"role-grant",
     "{\"op\":\"role.grant\",\"name\":\"eve\",\"role\":\"minter\",\"asset\":\"GOLD\"}"},
    {"role-revoke", "{\"op\":\"role.revoke\",\"name\":\"bob\",\"role\":\"pauser\"}"},
    {"policy-set", "{\"op\":\"policy.set\",\"target_op\":\"burn\",\"asset\":\"EQ\","
                   "\"approvals\":3,\"timelock\":\"2h\"}"},
    {"approve", "{\"op\":\"approve\",\"id\":1}"},
    {"cancel", "{\"op\":\"cancel\",\"id\":\"1\"}"},
    {"timelock-execute", "{\"op\":\"timelock.execute\",\"id\":1}"},
    {"timelock-cancel", "{\"op\":\"timelock.cancel\",\"id\":1}"},
    {"operator-add", "{\"op\":\"operator.add\",\"name\":\"frank\",\"pubkey\":\"" KEY "\"}"},
    {"operator-remove", "{\"op\":\"operator.remove\",\"name\":\"dave\"}"},
    {"operator-rotate-key",
     "{\"op\":\"operator.rotate_key\",\"name\":\"eve\",\"pubkey\":\"" KEY "\"}"},
    {"controller-propose", "{\"op\":\"controller.propose\",\"name\":\"bob\"}"},
    {"controller-accept", "{\"op\":\"controller.accept\"}"},
    {"blacklist-add", "{\"op\":\"blacklist.add\",\"address\":\"" A5 "\"}"},
    {"blacklist-remove",
     "{\"op\":\"blacklist.remove\",\"address\":\"0x4444444444444444444444444444444444444444\"}"},
    {"freeze", "{\"op\":\"freeze\",\"address\":\"" A1 "\",\"asset\":\"USDW\"}"},
    {"unfreeze",
     "{\"op\":\"unfreeze\",\"address\":\"" A2 "\",\"asset\":\"USDW\",\"amount\":\"0.25\"}"},
    {"forced-transfer", "{\"op\":\"forced_transfer\",\"asset\":\"USDW\",\"from\":\"" A2
                        "\",\"to\":\"" A5 "\",\"amount\":\"250\"}"},
    {"recover", "{\"op\":\"recover\",\"asset\":\"USDW\",\"lost\":\"" A2 "\",\"new\":\"" A5 "\"}"},
    {"rescue", "{\"op\":\"rescue\",\"asset\":\"AAXJF\",\"from\":\"" A2 "\",\"to\":\"" A1
               "\",\"amount\":\"0.75\"}"},
    {"price-update", "{\"op\":\"price.update\",\"feed\":\"BTC\",\"value\":\"64000.5\"}"},
    {"oracle-freeze", "{\"op\":\"oracle.freeze\",\"feed\":\"XAU\"}"},
    {"oracle-unfreeze", "{\"op\":\"oracle.unfreeze\",\"feed\":\"XAU\"}"},
    {"nav-update", "{\"op\":\"nav.update\",\"asset\":\"AAXJF\",\"value\":\"1.55\"}"},
    {"nav-force", "{\"op\":\"nav.force\",\"asset\":\"AAXJF\",\"value\":\"3\","
                  "\"reason\":\"fund split, see notice 12\"}"},
    {"reserve-report", "{\"op\":\"reserve.report\",\"asset\":\"USDW\",\"amount\":\"1000000\"}"},
    {"reserve-attest", "{\"op\":\"reserve.attest\",\"asset\":\"USDW\",\"usd\":\"999999.99\","
                       "\"hash\":\"" SALT "\"}"},
    {"por-publish", "{\"op\":\"por.publish\",\"asset\":\"USDW\",\"salt\":\"" SALT "\"}"},
    {"batch", "{\"commands\":[{\"op\":\"mint\",\"asset\":\"GOLD\",\"to\":\"" A5
              "\",\"amount\":\"1\"},{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" A1
              "\",\"to\":\"" A5 "\",\"amount\":\"5\"},{\"op\":\"burn\",\"asset\":\"AAXJF\","
              "\"from\":\"" A2 "\",\"amount\":\"0.5\"}]}"},
    {"batch-atomic", "{\"atomic\":true,\"commands\":[{\"op\":\"transfer\",\"asset\":\"USDW\","
                     "\"from\":\"" A1 "\",\"to\":\"" A3 "\",\"amount\":\"1\"},{\"op\":\"burn\","
                     "\"asset\":\"USDW\",\"from\":\"" A3 "\",\"amount\":\"99999\"}]}"},
    {"batch-dry-run", "{\"dry_run\":true,\"atomic\":false,\"commands\":[{\"op\":\"pause\"},"
                      "{\"op\":\"unpause\"}]}"},
    {"batch-timelock", "{\"commands\":[{\"op\":\"dev.advance\",\"duration\":\"25h\"},"
                       "{\"op\":\"timelock.execute\",\"id\":1},{\"op\":\"approve\",\"id\":1}]}"},
    {NULL, NULL},
};

static const char *gen_dir;

static void gen_write(const char *sub, const char *name, const void *data, size_t len) {
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", gen_dir, sub);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) FUZZ_CHECK(!"mkdir");
    snprintf(path, sizeof(path), "%s/%s/%s", gen_dir, sub, name);
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(fwrite(data, 1, len, f) == len);
    FUZZ_CHECK(fclose(f) == 0);
}

/* Apply a parsed body as a dry run, keeping its events' journal form. */
static void gen_events_of(struct engine *e, const struct request_cmds *r, struct buf *out) {
    struct event_buf events = {0};
    FUZZ_CHECK(chain_events_reserve(&events, r->count) == ERR_OK);
    enum err results[64];
    struct apply_result ars[64];
    uint32_t ends[64];
    FUZZ_CHECK(r->count <= 64);
    FUZZ_CHECK(engine_reserve(e, r->count) == ERR_OK);
    FUZZ_CHECK(engine_savepoint(e) == ERR_OK);
    chain_apply_request(e, r->cmds, r->count, r->atomic, 1, &events, results, ars, ends);
    for (uint32_t i = 0; i < events.count; i++)
        event_encode(&events.items[i], out);
    engine_rollback(e);
    chain_events_free(&events);
}

static void gen_body(struct engine *e, const struct gen_body *g) {
    char name[96];
    struct request_cmds r;
    char why[256];
    enum err err =
        request_parse(e, (const uint8_t *)g->body, strlen(g->body), 0, &r, why, sizeof(why));
    if (err) fprintf(stderr, "gen_corpus: %s: %s (%s)\n", g->name, err_name(err), why);
    FUZZ_CHECK(err == ERR_OK);
    snprintf(name, sizeof(name), "%s.json", g->name);
    gen_write("request", name, g->body, strlen(g->body));
    gen_write("request_fast", name, g->body, strlen(g->body));
    if (!r.batch && strstr(g->body, "dry_run") == NULL)
        gen_write("command", name, g->body, strlen(g->body));
    struct buf b;
    buf_init(&b);
    for (uint32_t i = 0; i < r.count; i++)
        command_encode(&r.cmds[i], &b);
    FUZZ_CHECK(buf_ok(&b));
    snprintf(name, sizeof(name), "%s.bin", g->name);
    gen_write("command_bin", name, b.data, b.len);
    b.len = 0;
    gen_events_of(e, &r, &b);
    FUZZ_CHECK(buf_ok(&b));
    if (b.len > 0) gen_write("events", name, b.data, b.len);
    buf_free(&b);
    request_cmds_free(&r);
}

/* Write e's snapshot as name (after fuzz_snapshot's mode byte 0, "the
 * rest is a snapshot"), after checking it reads back. */
static void gen_snapshot(const struct engine *e, const char *name) {
    fuzz_check_snapshot(e);
    struct buf b;
    buf_init(&b);
    buf_put_u8(&b, 0);
    engine_snapshot_write(e, &b);
    FUZZ_CHECK(buf_ok(&b));
    gen_write("snapshot", name, b.data, b.len);
    buf_free(&b);
}

/* The fuzz state plus 40 holders of GOLD, in block 2. */
static void gen_more_holders(struct engine *e) {
    FUZZ_CHECK(engine_reserve(e, 64) == ERR_OK);
    engine_block_begin(e, FUZZ_T1_NS + 60 * NS_PER_S);
    struct event items[LIMIT_EVENTS_PER_COMMAND];
    struct event_buf events = {items, 0, LIMIT_EVENTS_PER_COMMAND};
    for (uint32_t i = 0; i < 40; i++) {
        struct command c;
        memset(&c, 0, sizeof(c));
        c.op = OP_MINT;
        c.asset = (uint16_t)engine_asset_find(e, "GOLD", 4);
        c.operator_index = 0;
        c.present = CMD_HAS_ASSET | CMD_HAS_TO | CMD_HAS_AMOUNT;
        for (unsigned k = 0; k < ADDR_BYTES; k++)
            c.to.bytes[k] = (uint8_t)(i * 7 + k);
        c.amount = (u128)(i + 1) * 1000000007u;
        struct apply_result ar;
        events.count = 0;
        FUZZ_CHECK(engine_apply(e, &c, &events, &ar) == ERR_OK);
    }
    struct hash h;
    engine_block_seal(e, &h);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: gen_corpus DIR\n");
        return 2;
    }
    gen_dir = argv[1];
    gen_write("genesis", "fuzz.yaml", fuzz_genesis_yaml, strlen(fuzz_genesis_yaml));
    struct engine *e = malloc(sizeof(*e));
    FUZZ_CHECK(e != NULL && engine_open(e, FUZZ_HOLDINGS_HINT) == ERR_OK);
    struct buf b;
    buf_init(&b);
    char why[256];
    FUZZ_CHECK(fuzz_genesis_from_yaml(e, fuzz_genesis_yaml, strlen(fuzz_genesis_yaml), NULL, why,
                                      sizeof(why)) == ERR_OK);
    gen_snapshot(e, "genesis.bin");
    engine_close(e);
    fuzz_engine_setup(e, &b);
    FUZZ_CHECK(buf_ok(&b));
    gen_write("events", "block1.bin", b.data, b.len);
    buf_free(&b);
    gen_snapshot(e, "state.bin");
    /* fuzz_snapshot's edit mode: byte 1, then (offset, op, value) edits. */
    static const uint8_t edits[] = {1, 0x10, 0x00, 0,    0x07, 0xa0, 0x0f,
                                    1, 0x01, 0x00, 0x01, 2,    0xff};
    gen_write("snapshot", "edit.bin", edits, sizeof(edits));
    for (unsigned i = 0; gen_bodies[i].name != NULL; i++)
        gen_body(e, &gen_bodies[i]);
    gen_more_holders(e);
    gen_snapshot(e, "holders.bin");
    engine_close(e);
    free(e);
    return 0;
}
