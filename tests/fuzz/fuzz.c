/*
 * fuzz.c - the harnesses' shared engine and property checks (fuzz.h).
 *
 * Everything here is a check a harness states about accepted input; a
 * failure aborts (libFuzzer saves the input). The shared engine is opened
 * once per process and every check leaves it as it found it: applying goes
 * through a savepoint and a rollback, as a dry run does.
 */
#include "fuzz.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../../src/base/jw.h"
#include "../../src/node/chain.h"
#include "../../src/node/yaml_json.h"

void fuzz_fail(const char *what, const char *file, int line) {
    fprintf(stderr, "fuzz: property failed at %s:%d: %s\n", file, line, what);
    abort();
}

/* Five operators, four asset kinds, two feeds. Freezes, blacklists and the
 * agents' tools run on one approval so that fuzzed commands reach their
 * handlers; a security asset's mint still needs two (a proposal) and an
 * operator's removal 24 hours (the timelock), SPEC 4's defaults. */
const char fuzz_genesis_yaml[] =
    "operators:\n"
    "  - name: alice\n"
    "    pubkey: dcbe4fdaf43c6146889b82b0e690fc88c12866052ea3ea042b1f7988bca5ae08\n"
    "    roles: [admin, minter, burner, transfer_agent, pauser, treasury_manager,\n"
    "            oracle_manager, oracle_updater, reserve_reporter, compliance, agent]\n"
    "  - name: bob\n"
    "    pubkey: 70082ae9f98861b514d4846bc5e02fb096fb36ca953c92830909816dcf38a0a1\n"
    "    roles: [pauser, minter@USDW, minter@EQ, reserve_reporter, admin]\n"
    "  - name: carol\n"
    "    pubkey: b8fc9d70b330b5d377a521047bce772144a747caa203c453a91385de86e177cc\n"
    "    roles: [viewer]\n"
    "  - name: dave\n"
    "    pubkey: 3e37e8f0ceeaa3b787d5fd9bf6a4ed5922afe71f92c4443fd59940f73026b9c2\n"
    "    roles: [minter@GOLD, burner@GOLD, compliance]\n"
    "  - name: eve\n"
    "    pubkey: 379bd5b7d1494939afe9f87b3587a50a96bde608f695e759daf3a3f106173e76\n"
    "    roles: [oracle_updater, treasury_manager@USDW]\n"
    "controller: alice\n"
    "proposal_ttl: 48h\n"
    "assets:\n"
    "  - symbol: AAXJF\n"
    "    kind: fund\n"
    "    decimals: 18\n"
    "    supply_cap: \"10000000\"\n"
    "    daily_mint_limit: \"1000000\"\n"
    "    nav_max_age: 3650d\n"
    "    nav_max_deviation: 10%\n"
    "    nav: \"1.5\"\n"
    "  - symbol: USDW\n"
    "    kind: fiat\n"
    "    currency: USD\n"
    "    decimals: 6\n"
    "    supply_cap: \"1000000000\"\n"
    "    daily_mint_limit: \"5000000\"\n"
    "    daily_inflow_limit: \"4000000\"\n"
    "    reserve_quorum: 1\n"
    "  - {symbol: GOLD, kind: plain, decimals: 18}\n"
    "  - {symbol: EQ, kind: security, decimals: 0}\n"
    "feeds:\n"
    "  - {name: XAU, max_age: 1h}\n"
    "  - {name: BTC}\n"
    "policies:\n"
    "  - {op: unpause, approvals: 1}\n"
    "  - {op: mint_resume, approvals: 1}\n"
    "  - {op: freeze, approvals: 1}\n"
    "  - {op: unfreeze, approvals: 1}\n"
    "  - {op: blacklist.add, approvals: 1}\n"
    "  - {op: blacklist.remove, approvals: 1}\n"
    "  - {op: forced_transfer, approvals: 1}\n"
    "  - {op: recover, approvals: 1}\n"
    "  - {op: rescue, approvals: 1}\n"
    "  - {op: caps.set, asset: GOLD, approvals: 1, timelock: 0s}\n"
    "  - {op: role.grant, approvals: 1, timelock: 0s}\n";

#define FUZZ_A1 "0x1111111111111111111111111111111111111111"
#define FUZZ_A2 "0x2222222222222222222222222222222222222222"
#define FUZZ_A3 "0x3333333333333333333333333333333333333333"
#define FUZZ_A4 "0x4444444444444444444444444444444444444444"
#define FUZZ_SALT "5a17000000000000000000000000000000000000000000000000000000000001"

const char *const fuzz_setup_commands[] = {
    "{\"as\":\"alice\",\"cmd\":{\"op\":\"reserve.report\",\"asset\":\"USDW\","
    "\"amount\":\"900000\"}}",
    "{\"as\":\"alice\",\"cmd\":{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" FUZZ_A1
    "\",\"amount\":\"1000\"}}",
    "{\"as\":\"bob\",\"cmd\":{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"" FUZZ_A2
    "\",\"amount\":\"250.5\"}}",
    "{\"as\":\"alice\",\"cmd\":{\"op\":\"transfer\",\"asset\":\"USDW\",\"from\":\"" FUZZ_A1
    "\",\"to\":\"" FUZZ_A3 "\",\"amount\":\"0.000001\"}}",
    "{\"as\":\"dave\",\"cmd\":{\"op\":\"mint\",\"asset\":\"GOLD\",\"to\":\"" FUZZ_A1
    "\",\"amount\":\"0.000000000000000001\"}}",
    "{\"as\":\"alice\",\"cmd\":{\"op\":\"mint\",\"asset\":\"AAXJF\",\"to\":\"" FUZZ_A2
    "\",\"amount\":\"12.75\"}}",
    "{\"as\":\"alice\",\"cmd\":{\"op\":\"freeze\",\"address\":\"" FUZZ_A2
    "\",\"asset\":\"USDW\",\"amount\":\"0.5\"}}",
    "{\"as\":\"alice\",\"cmd\":{\"op\":\"blacklist.add\",\"address\":\"" FUZZ_A4 "\"}}",
    "{\"as\":\"alice\",\"cmd\":{\"op\":\"freeze\",\"address\":\"" FUZZ_A3 "\"}}",
    "{\"as\":\"eve\",\"cmd\":{\"op\":\"price.update\",\"feed\":\"XAU\","
    "\"value\":\"2350.12345678\"}}",
    "{\"as\":\"alice\",\"cmd\":{\"op\":\"reserve.attest\",\"asset\":\"USDW\",\"usd\":\"900000\","
    "\"hash\":\"" FUZZ_SALT "\"}}",
    "{\"as\":\"alice\",\"cmd\":{\"op\":\"por.publish\",\"asset\":\"USDW\",\"salt\":\"" FUZZ_SALT
    "\"}}",
    "{\"as\":\"alice\",\"cmd\":{\"op\":\"mint\",\"asset\":\"EQ\",\"to\":\"" FUZZ_A3
    "\",\"amount\":\"7\"}}",
    "{\"as\":\"alice\",\"cmd\":{\"op\":\"operator.remove\",\"name\":\"carol\"}}",
    "{\"as\":\"alice\",\"cmd\":{\"op\":\"caps.set\",\"asset\":\"GOLD\",\"supply_cap\":\"5\"}}",
    NULL,
};

enum err fuzz_genesis_from_yaml(struct engine *e, const char *yaml, size_t len, char **json,
                                char *why, size_t why_size) {
    if (json != NULL) *json = NULL;
    json_t *doc = NULL;
    if (yaml_to_json(yaml, len, &doc, why, why_size) != ERR_OK) return ERR_INVALID_GENESIS;
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(doc);
    FUZZ_CHECK(text != NULL); /* a tree of strings always dumps (init.c does the same) */
    enum err err = chain_genesis_engine(e, text, strlen(text), FUZZ_T0_NS, NULL, why, why_size);
    if (json != NULL)
        *json = text;
    else
        free(text);
    return err;
}

/* Apply one setup line ({"as", "cmd"}) at the open block; aborts unless it
 * decodes and the engine accepts it. */
static void fuzz__setup_one(struct engine *e, const char *line, struct event_buf *events,
                            struct buf *out) {
    json_t *doc = json_loads(line, 0, NULL);
    FUZZ_CHECK(doc != NULL);
    const char *as = json_string_value(json_object_get(doc, "as"));
    int who = as ? engine_operator_find(e, as, strlen(as)) : -1;
    FUZZ_CHECK(who >= 0);
    struct command cmd;
    char why[128] = "";
    enum err err = command_decode(e, json_object_get(doc, "cmd"), &cmd, why, sizeof(why));
    if (err) fprintf(stderr, "fuzz: setup: %s: %s (%s)\n", line, err_name(err), why);
    FUZZ_CHECK(err == ERR_OK);
    cmd.operator_index = (uint32_t)who;
    struct apply_result ar;
    events->count = 0;
    err = engine_apply(e, &cmd, events, &ar);
    if (err) fprintf(stderr, "fuzz: setup: %s: %s\n", line, err_name(err));
    FUZZ_CHECK(err == ERR_OK);
    for (uint32_t i = 0; out != NULL && i < events->count; i++)
        event_encode(&events->items[i], out);
    json_decref(doc);
}

void fuzz_engine_setup(struct engine *e, struct buf *out) {
    FUZZ_CHECK(engine_open(e, FUZZ_HOLDINGS_HINT) == ERR_OK);
    char why[256] = "";
    enum err err = fuzz_genesis_from_yaml(e, fuzz_genesis_yaml, strlen(fuzz_genesis_yaml), NULL,
                                          why, sizeof(why));
    if (err) fprintf(stderr, "fuzz: setup: genesis: %s\n", why);
    FUZZ_CHECK(err == ERR_OK);
    struct event items[LIMIT_EVENTS_PER_COMMAND * 2];
    struct event_buf events = {items, 0, LIMIT_EVENTS_PER_COMMAND * 2};
    FUZZ_CHECK(engine_reserve(e, 64) == ERR_OK);
    engine_block_begin(e, FUZZ_T1_NS);
    for (unsigned i = 0; fuzz_setup_commands[i] != NULL; i++) {
        fuzz__setup_one(e, fuzz_setup_commands[i], &events, out);
    }
    struct hash h;
    engine_block_seal(e, &h);
    FUZZ_CHECK(engine_check_invariants(e) == 0);
}

struct engine *fuzz_engine(void) {
    static struct engine e;
    static int opened;
    if (!opened) {
        fuzz_engine_setup(&e, NULL);
        opened = 1;
    }
    return &e;
}

int fuzz_env_flag(const char *name) {
    const char *v = getenv(name);
    return v != NULL && strcmp(v, "1") == 0;
}

void fuzz_check_json(const uint8_t *text, size_t len) {
    json_error_t jerr;
    /* Integers past 2^63 are valid JSON that jansson reads only as reals. */
    json_t *doc =
        json_loadb((const char *)text, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &jerr);
    if (doc == NULL) fprintf(stderr, "fuzz: invalid JSON (%s): %.*s\n", jerr.text, (int)len, text);
    FUZZ_CHECK(doc != NULL);
    json_decref(doc);
}

void fuzz_check_command(const struct engine *e, const struct command *cmd) {
    struct buf once;
    struct buf twice;
    buf_init(&once);
    buf_init(&twice);
    command_encode(cmd, &once);
    FUZZ_CHECK(buf_ok(&once));
    struct buf_reader r;
    buf_reader_init(&r, once.data, once.len);
    struct command back;
    FUZZ_CHECK(command_decode_bin(e, &r, &back) == 0);
    FUZZ_CHECK(r.pos == r.len);
    command_encode(&back, &twice);
    FUZZ_CHECK(buf_ok(&twice));
    FUZZ_CHECK(twice.len == once.len && memcmp(twice.data, once.data, once.len) == 0);
    buf_free(&twice);
    struct jw w;
    jw_init(&w, &twice);
    command_write_args(e, cmd, &w);
    FUZZ_CHECK(buf_ok(&twice));
    fuzz_check_json(twice.data, twice.len);
    buf_free(&once);
    buf_free(&twice);
}

/* An event survives its journal form and writes valid JSON. */
static void fuzz__check_event(const struct engine *e, const struct event *ev) {
    struct buf once;
    struct buf twice;
    buf_init(&once);
    buf_init(&twice);
    event_encode(ev, &once);
    struct buf_reader r;
    buf_reader_init(&r, once.data, once.len);
    struct event back;
    FUZZ_CHECK(event_decode(&r, &back) == 0);
    FUZZ_CHECK(r.pos == r.len);
    event_encode(&back, &twice);
    FUZZ_CHECK(buf_ok(&once) && buf_ok(&twice));
    FUZZ_CHECK(twice.len == once.len && memcmp(twice.data, once.data, once.len) == 0);
    buf_free(&twice);
    struct jw w;
    jw_init(&w, &twice);
    event_write_json(e, ev, e->s.height + 1, "fuzz", &w);
    FUZZ_CHECK(buf_ok(&twice));
    fuzz_check_json(twice.data, twice.len);
    buf_free(&once);
    buf_free(&twice);
}

struct fuzz__scratch {
    struct event_buf events;
    enum err *results;
    struct apply_result *ars;
    uint32_t *ends;
};

static void fuzz__scratch_open(struct fuzz__scratch *s, uint32_t n) {
    memset(s, 0, sizeof(*s));
    FUZZ_CHECK(chain_events_reserve(&s->events, n) == ERR_OK);
    s->results = calloc(n ? n : 1, sizeof(*s->results));
    s->ars = calloc(n ? n : 1, sizeof(*s->ars));
    s->ends = calloc(n ? n : 1, sizeof(*s->ends));
    FUZZ_CHECK(s->results != NULL && s->ars != NULL && s->ends != NULL);
}

static void fuzz__scratch_close(struct fuzz__scratch *s) {
    chain_events_free(&s->events);
    free(s->results);
    free(s->ars);
    free(s->ends);
}

/* The commands applied for real to a copy of the fuzz state and sealed: the
 * block's state survives a snapshot round trip (every state the engine can
 * reach is one its snapshot reader takes back). */
static void fuzz__check_sealed(const struct command *cmds, uint32_t n, int atomic) {
    static struct engine *scratch;
    static struct buf base;
    if (scratch == NULL) {
        scratch = malloc(sizeof(*scratch));
        FUZZ_CHECK(scratch != NULL && engine_open(scratch, FUZZ_HOLDINGS_HINT) == ERR_OK);
        buf_init(&base);
        engine_snapshot_write(fuzz_engine(), &base);
        FUZZ_CHECK(buf_ok(&base));
    }
    FUZZ_CHECK(engine_snapshot_read(scratch, base.data, base.len) == ERR_OK);
    FUZZ_CHECK(engine_reserve(scratch, n) == ERR_OK);
    struct fuzz__scratch s;
    fuzz__scratch_open(&s, n);
    engine_block_begin(scratch, scratch->s.time_ns);
    chain_apply_request(scratch, cmds, n, atomic, 0, &s.events, s.results, s.ars, s.ends);
    struct hash h;
    engine_block_seal(scratch, &h);
    FUZZ_CHECK(engine_check_invariants(scratch) == 0);
    fuzz_check_snapshot(scratch);
    fuzz__scratch_close(&s);
}

void fuzz_check_apply(struct engine *e, const struct command *cmds, uint32_t n, int atomic) {
    struct hash before;
    struct hash after;
    engine_state_hash(e, &before);
    uint64_t seq = e->s.next_seq;
    FUZZ_CHECK(engine_reserve(e, n) == ERR_OK);
    FUZZ_CHECK(engine_block_room(e) >= n);
    struct fuzz__scratch s;
    fuzz__scratch_open(&s, n);
    engine_block_begin(e, e->s.time_ns);
    FUZZ_CHECK(engine_savepoint(e) == ERR_OK);
    chain_apply_request(e, cmds, n, atomic, 1, &s.events, s.results, s.ars, s.ends);
    FUZZ_CHECK(e->s.next_seq == seq + n);
    uint32_t mark = 0;
    for (uint32_t i = 0; i < n; i++) {
        FUZZ_CHECK((unsigned)s.results[i] < ERR__COUNT);
        FUZZ_CHECK(s.ends[i] >= mark && s.ends[i] <= s.events.count);
        if (s.results[i] != ERR_OK) FUZZ_CHECK(s.ends[i] == mark);
        mark = s.ends[i];
    }
    for (uint32_t i = 0; i < s.events.count; i++)
        fuzz__check_event(e, &s.events.items[i]);
    FUZZ_CHECK(engine_check_invariants(e) == 0);
    engine_rollback(e);
    engine_state_hash(e, &after);
    FUZZ_CHECK(memcmp(before.bytes, after.bytes, HASH_BYTES) == 0);
    FUZZ_CHECK(e->s.next_seq == seq);
    /* Costly (two engine resets): only when the whole request succeeded. */
    int all_ok = n > 0;
    for (uint32_t i = 0; i < n; i++) all_ok &= s.results[i] == ERR_OK;
    fuzz__scratch_close(&s);
    if (all_ok) fuzz__check_sealed(cmds, n, atomic);
}

static void fuzz__yaml_tree(const json_t *v, unsigned depth) {
    FUZZ_CHECK(depth <= LIMIT_JSON_DEPTH);
    if (json_is_object(v)) {
        const char *key;
        const json_t *item;
        json_object_foreach((json_t *)v, key, item) fuzz__yaml_tree(item, depth + 1);
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            fuzz__yaml_tree(json_array_get(v, i), depth + 1);
        }
    } else {
        FUZZ_CHECK(json_is_string(v));
    }
}

static size_t fuzz__json_pairs(const json_t *v) {
    size_t n = 0;
    if (json_is_object(v)) {
        const char *key;
        const json_t *item;
        json_object_foreach((json_t *)v, key, item) n += 1 + fuzz__json_pairs(item);
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) n += fuzz__json_pairs(json_array_get(v, i));
    }
    return n;
}

/* The mapping pairs of the document, from libyaml's events: a node met in
 * a mapping expecting a key is a key. The text must be one well-formed
 * document: libyaml reads all of it without an error. */
static size_t fuzz__yaml_pairs(const char *text, size_t len) {
    yaml_parser_t parser;
    FUZZ_CHECK(yaml_parser_initialize(&parser));
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int is_map[LIMIT_JSON_DEPTH + 2];
    int want_key[LIMIT_JSON_DEPTH + 2];
    int depth = 0;
    size_t pairs = 0;
    unsigned documents = 0;
    for (int done = 0; !done;) {
        yaml_event_t ev;
        FUZZ_CHECK(yaml_parser_parse(&parser, &ev)); /* nothing left unread */
        int node = ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT ||
                   ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT;
        if (node && depth > 0 && is_map[depth - 1]) {
            pairs += (size_t)want_key[depth - 1];
            want_key[depth - 1] = !want_key[depth - 1];
        }
        if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) {
            FUZZ_CHECK(depth < (int)LIMIT_JSON_DEPTH + 2);
            is_map[depth] = ev.type == YAML_MAPPING_START_EVENT;
            want_key[depth++] = 1;
        } else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
            depth--;
        }
        documents += ev.type == YAML_DOCUMENT_START_EVENT;
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    FUZZ_CHECK(documents == 1);
    return pairs;
}

void fuzz_check_yaml_tree(const char *text, size_t len, const json_t *v) {
    fuzz__yaml_tree(v, 0);
    FUZZ_CHECK(fuzz__json_pairs(v) == fuzz__yaml_pairs(text, len));
}

/* One holding record of a snapshot: address, asset, balance. */
#define FUZZ_RECORD_BYTES 38u

static int fuzz__record_cmp(const void *a, const void *b) {
    return memcmp(a, b, FUZZ_RECORD_BYTES);
}

/* The offset of the holdings count, the count, and a sorted copy of the
 * records; -1 when the bytes are not shaped like a snapshot. */
static int fuzz__records(const struct buf *s, size_t *at, uint32_t *count, uint8_t **sorted) {
    struct buf_reader r;
    buf_reader_init(&r, s->data, s->len);
    uint64_t small = buf_get_u64(&r);
    if (r.failed || small > s->len - r.pos) return -1;
    r.pos += (size_t)small;
    *at = r.pos;
    *count = buf_get_u32(&r);
    if (r.failed || (uint64_t)*count * FUZZ_RECORD_BYTES > s->len - r.pos) return -1;
    size_t size = (size_t)*count * FUZZ_RECORD_BYTES;
    *sorted = malloc(size ? size : 1);
    FUZZ_CHECK(*sorted != NULL);
    if (size) memcpy(*sorted, s->data + r.pos, size);
    qsort(*sorted, *count, FUZZ_RECORD_BYTES, fuzz__record_cmp);
    return 0;
}

int fuzz_snapshot_same(const struct buf *a, const struct buf *b) {
    size_t at_a = 0, at_b = 0;
    uint32_t n_a = 0, n_b = 0;
    uint8_t *rec_a = NULL;
    uint8_t *rec_b = NULL;
    int same = a->len == b->len && fuzz__records(a, &at_a, &n_a, &rec_a) == 0 &&
               fuzz__records(b, &at_b, &n_b, &rec_b) == 0 && at_a == at_b && n_a == n_b;
    size_t rest = same ? at_a + 4 + (size_t)n_a * FUZZ_RECORD_BYTES : 0;
    same = same && memcmp(a->data, b->data, at_a) == 0 &&
           memcmp(rec_a, rec_b, (size_t)n_a * FUZZ_RECORD_BYTES) == 0 &&
           memcmp(a->data + rest, b->data + rest, a->len - rest) == 0;
    free(rec_a);
    free(rec_b);
    return same;
}

void fuzz_check_snapshot(const struct engine *e) {
    struct buf once;
    struct buf twice;
    buf_init(&once);
    buf_init(&twice);
    engine_snapshot_write(e, &once);
    FUZZ_CHECK(buf_ok(&once));
    /* One engine for every check: a read replaces what it held. */
    static struct engine *copy;
    if (copy == NULL) {
        copy = malloc(sizeof(*copy));
        FUZZ_CHECK(copy != NULL && engine_open(copy, FUZZ_HOLDINGS_HINT) == ERR_OK);
    }
    FUZZ_CHECK(engine_snapshot_read(copy, once.data, once.len) == ERR_OK);
    FUZZ_CHECK(engine_check_invariants(copy) == 0);
    struct hash h1;
    struct hash h2;
    engine_state_hash(e, &h1);
    engine_state_hash(copy, &h2);
    FUZZ_CHECK(memcmp(h1.bytes, h2.bytes, HASH_BYTES) == 0);
    engine_snapshot_write(copy, &twice);
    FUZZ_CHECK(buf_ok(&twice));
    FUZZ_CHECK(fuzz_snapshot_same(&once, &twice));
    buf_free(&once);
    buf_free(&twice);
}
