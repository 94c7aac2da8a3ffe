/*
 * bench_stages.c - where the time of benchmark (b) goes: every stage one
 * 8,000-transfer batch passes through in the node, timed alone on one core
 * with the library's own functions.
 *
 * Stages, in the node's order (HTTP thread = runs in parallel, one thread
 * per connection; sequencer = one thread, in series for every block):
 *   verify    sig_verify: SHA-256 of the body + one Ed25519 check   HTTP thread
 *   parse     request_parse: yajl stream + command_decode_args of 8,000      HTTP thread
 *   encode    command_encode (the journal's binary commands)         HTTP thread
 *   apply     chain_apply_request                                   sequencer
 *   seal      engine_block_seal (state-hash fold)                   sequencer
 *   events    event_encode (the journal's binary events)            sequencer
 *   hash      block_hash: SHA-256 over body, commands, events       sequencer
 *   store     append_block to SQLite (WAL, synchronous=FULL: fsync) sequencer
 *   respond   the batch answer: a result and its event per command  HTTP thread
 *             (a copy of api_commands.c's writer, which is static)
 * Each stage is timed over ROUNDS batches of fresh random transfers between
 * HOLDERS holders; the median is reported in microseconds per transfer.
 *
 *   bench_stages --dir DIR --key FILE [--holders N] [--rounds R]
 * Output: a human table on stderr, "RESULT stage_NAME_us value" on stdout.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/hex.h"
#include "../src/base/jw.h"
#include "../src/base/sig.h"
#include "../src/engine/genesis.h"
#include "../src/node/chain.h"
#include "../src/node/request.h"
#include "../src/store/store.h"
#include "bench_util.h"

#define ST_BATCH 8000u
#define ST_ROUNDS_MAX 64
#define ST_MINT_BLOCK 60000u

enum st_stage {
    ST_VERIFY,
    ST_PARSE,
    ST_ENCODE,
    ST_APPLY,
    ST_SEAL,
    ST_EVENTS,
    ST_HASH,
    ST_STORE,
    ST_RESPOND,
    ST__COUNT
};

static const char *const st_names[ST__COUNT] = {"verify", "parse", "encode", "apply",  "seal",
                                                 "events", "hash",  "store",  "respond"};
static const int st_serial[ST__COUNT] = {0, 0, 0, 1, 1, 1, 1, 1, 0};

static const char st_genesis[] =
    "{\"operators\":[{\"name\":\"alice\","
    "\"pubkey\":\"a88d3efae5df12cbb52815d00cfb5c67e28dc4ea26e29768a73c8d80912b0800\","
    "\"roles\":[\"minter\",\"transfer_agent\"]}],\"controller\":\"alice\","
    "\"assets\":[{\"symbol\":\"USDW\",\"kind\":\"plain\","
    "\"decimals\":\"6\",\"supply_cap\":\"1000000000000\"}]}";
struct st_ctx {
    struct engine *e;
    struct store *store;
    struct event_buf ev;
    uint8_t seed[SIG_SEED_BYTES];
    uint8_t pubkey[SIG_PUBKEY_BYTES];
    uint64_t rng;
    uint64_t height;
    uint32_t holders;
    char *body;
    size_t body_len;
    char b64[SIG_B64_SIZE];
};

static void st_die(const char *what, enum err err) {
    fprintf(stderr, "bench_stages: %s: %s\n", what, err_name(err));
    exit(1);
}

static void st_engine(struct st_ctx *c) {
    c->e = calloc(1, sizeof(*c->e));
    if (c->e == NULL || engine_open(c->e, 1024) != ERR_OK) st_die("engine_open", ERR_INTERNAL);
    char why[256];
    enum err err = chain_genesis_engine(c->e, st_genesis, strlen(st_genesis), 0, NULL, why, sizeof(why));
    if (err) st_die(why, err);
    if (chain_events_reserve(&c->ev, ST_MINT_BLOCK) != ERR_OK) st_die("events", ERR_INTERNAL);
    struct command *cmds = calloc(ST_MINT_BLOCK, sizeof(*cmds));
    if (cmds == NULL) st_die("mint", ERR_INTERNAL);
    for (uint32_t at = 0; at < c->holders; at += ST_MINT_BLOCK) {
        uint32_t n = c->holders - at < ST_MINT_BLOCK ? c->holders - at : ST_MINT_BLOCK;
        for (uint32_t i = 0; i < n; i++) {
            memset(&cmds[i], 0, sizeof(cmds[i]));
            cmds[i].op = OP_MINT;
            cmds[i].present = CMD_HAS_ASSET | CMD_HAS_TO | CMD_HAS_AMOUNT;
            bench_addr(at + i, &cmds[i].to);
            cmds[i].amount = (u128)1000000000u;
        }
        if (engine_reserve(c->e, n) != ERR_OK) st_die("engine_reserve", ERR_INTERNAL);
        engine_block_begin(c->e, 0);
        c->ev.count = 0;
        struct apply_result ar;
        for (uint32_t i = 0; i < n; i++) {
            if (engine_apply(c->e, &cmds[i], &c->ev, &ar) != ERR_OK) st_die("mint", ERR_INTERNAL);
        }
        struct hash h;
        engine_block_seal(c->e, &h);
    }
    free(cmds);
}

/* A fresh signed body of ST_BATCH random transfers (as bench_http sends). */
static void st_body(struct st_ctx *c, int round) {
    free(c->body);
    c->body = malloc((size_t)ST_BATCH * 192 + 32);
    if (c->body == NULL) st_die("body", ERR_INTERNAL);
    size_t len = (size_t)snprintf(c->body, 32, "{\"commands\":[");
    for (uint32_t i = 0; i < ST_BATCH; i++) {
        uint32_t f, t;
        bench_rng_pair(&c->rng, c->holders, &f, &t);
        struct addr a;
        char from[ADDR_TEXT_SIZE], to[ADDR_TEXT_SIZE];
        bench_addr(f, &a);
        addr_format(&a, from);
        bench_addr(t, &a);
        addr_format(&a, to);
        len += (size_t)snprintf(c->body + len, 192,
                                "%s{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"%s\","
                                "\"to\":\"%s\",\"amount\":\"1\"}",
                                i ? "," : "", from, to);
    }
    len += (size_t)snprintf(c->body + len, 4, "]}");
    c->body_len = len;
    char nonce[32];
    snprintf(nonce, sizeof(nonce), "stages-%d", round);
    if (sig_sign(c->seed, "POST", "/api/commands", "1790000000000", nonce,
                 (const uint8_t *)c->body, len, c->b64) != 0) {
        st_die("sig_sign", ERR_INTERNAL);
    }
}

/* The batch answer, as api_commands.c writes it. */
static void st_respond(const struct engine *e, uint32_t n, const enum err *results,
                       const struct apply_result *ars, const uint32_t *ends,
                       const struct event *events, uint64_t block, struct buf *out) {
    struct jw w;
    jw_init(&w, out);
    jw_object_begin(&w);
    jw_kv_bool(&w, "ok", 1);
    jw_kv_uint(&w, "block", block);
    jw_key(&w, "results");
    jw_array_begin(&w);
    for (uint32_t i = 0; i < n; i++) {
        jw_object_begin(&w);
        jw_kv_bool(&w, "ok", results[i] == ERR_OK);
        jw_kv_uint(&w, "seq", ars[i].seq);
        jw_kv_uint(&w, "block", block);
        jw_key(&w, "events");
        jw_array_begin(&w);
        for (uint32_t k = i ? ends[i - 1] : 0; k < ends[i]; k++) {
            event_write_json(e, &events[k], block, "bench", &w);
        }
        jw_array_end(&w);
        jw_object_end(&w);
    }
    jw_array_end(&w);
    jw_object_end(&w);
}

struct st_round {
    struct request_cmds rc;
    struct buf bin;
    struct buf events_bin;
    struct buf answer;
    enum err *results;
    struct apply_result *ars;
    uint32_t *ends;
    struct hash body_hash;
};

static void st_round_free(struct st_round *r) {
    request_cmds_free(&r->rc);
    buf_free(&r->bin);
    buf_free(&r->events_bin);
    buf_free(&r->answer);
    free(r->results);
    free(r->ars);
    free(r->ends);
}

/* The HTTP thread's admission: verify, parse, encode. */
static void st_admit(struct st_ctx *c, struct st_round *r, int round, double *t) {
    char nonce[32];
    snprintf(nonce, sizeof(nonce), "stages-%d", round);
    double t0 = bench_now_s();
    hash_once(c->body, c->body_len, &r->body_hash);
    if (sig_verify(c->pubkey, "POST", "/api/commands", "1790000000000", nonce, &r->body_hash,
                   c->b64) != 0) {
        st_die("sig_verify", ERR_AUTH_SIGNATURE);
    }
    double t1 = bench_now_s();
    char why[160];
    enum err err = request_parse(c->e, (const uint8_t *)c->body, c->body_len, 0, &r->rc, why,
                                 sizeof(why));
    if (err) st_die(why, err);
    double t2 = bench_now_s();
    for (uint32_t i = 0; i < r->rc.count; i++) command_encode(&r->rc.cmds[i], &r->bin);
    double t3 = bench_now_s();
    t[ST_VERIFY] = t1 - t0;
    t[ST_PARSE] = t2 - t1;
    t[ST_ENCODE] = t3 - t2;
}

/* The sequencer's block: apply, seal, hash, store. */
static void st_block(struct st_ctx *c, struct st_round *r, int round, double *t) {
    uint32_t n = r->rc.count;
    if (engine_reserve(c->e, n) != ERR_OK || chain_events_reserve(&c->ev, n) != ERR_OK) {
        st_die("reserve", ERR_INTERNAL);
    }
    struct store_block b;
    memset(&b, 0, sizeof(b));
    b.first_seq = c->e->s.next_seq;
    c->ev.count = 0;
    engine_block_begin(c->e, 0);
    double t0 = bench_now_s();
    chain_apply_request(c->e, r->rc.cmds, n, 0, 0, &c->ev, r->results, r->ars, r->ends);
    double t1 = bench_now_s();
    engine_block_seal(c->e, &b.state_hash);
    double t2 = bench_now_s();
    uint8_t *res = calloc(n, 2);
    if (res == NULL) st_die("results", ERR_INTERNAL);
    for (uint32_t i = 0; i < n; i++) {
        if (r->results[i] != ERR_OK) st_die("a transfer was refused", r->results[i]);
    }
    char nonce[32];
    snprintf(nonce, sizeof(nonce), "stages-%d", round);
    struct store_request q;
    memset(&q, 0, sizeof(q));
    q.first_seq = b.first_seq;
    q.commands_count = n;
    q.operator_name = "alice";
    q.time_ms = 1790000000000;
    q.nonce = nonce;
    q.signature = c->b64;
    q.method = "POST";
    q.path = "/api/commands";
    q.body = (const uint8_t *)c->body;
    q.body_len = c->body_len;
    q.body_hash = r->body_hash;
    q.results = res;
    q.results_len = (size_t)n * 2;
    q.commands = r->bin.data;
    q.commands_len = r->bin.len;
    double t3 = bench_now_s();
    for (uint32_t i = 0; i < c->ev.count; i++) event_encode(&c->ev.items[i], &r->events_bin);
    double t4 = bench_now_s();
    b.height = ++c->height;
    b.commands_count = n;
    b.requests_count = 1;
    b.events = r->events_bin.data;
    b.events_len = r->events_bin.len;
    b.events_count = c->ev.count;
    block_hash(&b, &q, 1, &b.hash);
    double t5 = bench_now_s();
    enum err err = c->store->ops->append_block(c->store, &b, &q, 1);
    double t6 = bench_now_s();
    free(res);
    if (err) st_die("append_block", err);
    t[ST_APPLY] = t1 - t0;
    t[ST_SEAL] = t2 - t1;
    t[ST_EVENTS] = t4 - t3;
    t[ST_HASH] = t5 - t4;
    t[ST_STORE] = t6 - t5;
}

static void st_round(struct st_ctx *c, int round, double *t) {
    st_body(c, round);
    struct st_round r;
    memset(&r, 0, sizeof(r));
    buf_init(&r.bin);
    buf_init(&r.events_bin);
    buf_init(&r.answer);
    st_admit(c, &r, round, t);
    r.results = calloc(r.rc.count, sizeof(*r.results));
    r.ars = calloc(r.rc.count, sizeof(*r.ars));
    r.ends = calloc(r.rc.count, sizeof(*r.ends));
    if (!r.results || !r.ars || !r.ends) st_die("scratch", ERR_INTERNAL);
    st_block(c, &r, round, t);
    double t0 = bench_now_s();
    st_respond(c->e, r.rc.count, r.results, r.ars, r.ends, c->ev.items, c->height, &r.answer);
    t[ST_RESPOND] = bench_now_s() - t0;
    if (!buf_ok(&r.answer) || !buf_ok(&r.bin) || !buf_ok(&r.events_bin)) {
        st_die("buf", ERR_INTERNAL);
    }
    st_round_free(&r);
}

static int st_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void st_key(const char *path, uint8_t seed[SIG_SEED_BYTES]) {
    FILE *f = fopen(path, "r");
    char line[200] = "";
    if (f == NULL || fgets(line, sizeof(line), f) == NULL) st_die(path, ERR_IO);
    fclose(f);
    if (hex_decode(line, strcspn(line, "\r\n \t"), seed, SIG_SEED_BYTES) != 0) st_die(path, ERR_IO);
}

static void st_report(double t[ST_ROUNDS_MAX][ST__COUNT], int rounds) {
    double serial = 0, parallel = 0;
    fprintf(stderr, "(b) stages of one %u-transfer batch, median of %d, one core:\n", ST_BATCH,
            rounds);
    for (int s = 0; s < ST__COUNT; s++) {
        double v[ST_ROUNDS_MAX];
        for (int r = 0; r < rounds; r++) v[r] = t[r][s];
        qsort(v, (size_t)rounds, sizeof(double), st_cmp);
        double us = v[rounds / 2] * 1e6 / ST_BATCH;
        if (st_serial[s]) serial += us;
        else parallel += us;
        fprintf(stderr, "    %-8s %7.3f us/transfer  %7.2f ms/batch  (%s)\n", st_names[s], us,
                us * ST_BATCH / 1e3, st_serial[s] ? "sequencer" : "HTTP thread");
        printf("RESULT stage_%s_us %.3f\n", st_names[s], us);
    }
    fprintf(stderr,
            "    total %.2f us/transfer: sequencer %.2f (ceiling %.0f/s), HTTP threads %.2f\n",
            serial + parallel, serial, 1e6 / serial, parallel);
    printf("RESULT stage_total_us %.3f\n", serial + parallel);
    printf("RESULT stage_serial_us %.3f\n", serial);
    printf("RESULT stage_parallel_us %.3f\n", parallel);
}

static uint32_t st_u32(const char *text) { return (uint32_t)strtoul(text, NULL, 10); }

int main(int argc, char **argv) {
    const char *dir = NULL, *key = NULL;
    struct st_ctx c;
    memset(&c, 0, sizeof(c));
    c.holders = 1000000;
    int rounds = 8;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
        else if (strcmp(argv[i], "--key") == 0) key = argv[i + 1];
        else if (strcmp(argv[i], "--holders") == 0) c.holders = st_u32(argv[i + 1]);
        else if (strcmp(argv[i], "--rounds") == 0) rounds = (int)st_u32(argv[i + 1]);
    }
    if (dir == NULL || key == NULL || c.holders < 2 || rounds < 1 || rounds > ST_ROUNDS_MAX) {
        fprintf(stderr,
                "usage: bench_stages --dir DIR --key FILE [--holders N] [--rounds 1..64]\n");
        return 2;
    }
    st_key(key, c.seed);
    sig_pubkey(c.seed, c.pubkey);
    c.rng = BENCH_SEED ^ 0x5eed;
    st_engine(&c);
    enum err err = store_open(dir, 1, &c.store);
    if (err) st_die(dir, err);
    /* Block 0 first: the store appends a block only right after its last. */
    struct store_block b0;
    memset(&b0, 0, sizeof(b0));
    err = c.store->ops->write_genesis(c.store, "", 0, st_genesis, strlen(st_genesis), &b0);
    if (err) st_die("write_genesis", err);
    static double t[ST_ROUNDS_MAX][ST__COUNT];
    for (int r = 0; r < rounds; r++) st_round(&c, r, t[r]);
    st_report(t, rounds);
    c.store->ops->close(c.store);
    chain_events_free(&c.ev);
    engine_close(c.e);
    free(c.e);
    free(c.body);
    return 0;
}
