/*
 * engine_fixture.c - genesis builders, an engine with block bookkeeping,
 * commands from JSON text, and u128-aware assertions for the unit tests.
 *
 * Failures in here are the test's own (a malformed genesis in a test, an
 * unknown symbol): they fail the running test through cmocka rather than
 * return something a test could misread as the engine's answer.
 */
#include "engine_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/sig.h"

void fixture_pubkey_hex(unsigned seed, char out[65]) {
    uint8_t s[SIG_SEED_BYTES];
    memset(s, (int)(seed & 0xffu), sizeof(s));
    uint8_t pk[SIG_PUBKEY_BYTES];
    sig_pubkey(s, pk);
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < SIG_PUBKEY_BYTES; i++) {
        out[2 * i] = digits[pk[i] >> 4];
        out[2 * i + 1] = digits[pk[i] & 15];
    }
    out[64] = '\0';
}

json_t *fixture_genesis_new(void) {
    json_t *doc = json_pack("{s:[], s:[]}", "operators", "assets");
    if (doc == NULL) fail_msg("json_pack failed");
    return doc;
}

json_t *fixture_genesis_add_operator(json_t *doc, const char *name, const char *roles) {
    json_t *ops = json_object_get(doc, "operators");
    if (!json_is_array(ops)) fail_msg("genesis has no operators list");
    char pk[65];
    fixture_pubkey_hex((unsigned)json_array_size(ops) + 1u, pk);
    json_t *list = json_array();
    const char *p = roles;
    while (p != NULL && *p != '\0') {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        json_array_append_new(list, json_stringn(p, n));
        p = comma ? comma + 1 : NULL;
    }
    json_t *op = json_pack("{s:s, s:s, s:o}", "name", name, "pubkey", pk, "roles", list);
    if (op == NULL) fail_msg("json_pack failed");
    json_array_append_new(ops, op);
    return op;
}

json_t *fixture_genesis_add_asset(json_t *doc, const char *symbol, const char *kind,
                                  const char *decimals) {
    json_t *assets = json_object_get(doc, "assets");
    if (!json_is_array(assets)) fail_msg("genesis has no assets list");
    json_t *a = json_pack("{s:s, s:s, s:s}", "symbol", symbol, "kind", kind, "decimals", decimals);
    if (a == NULL) fail_msg("json_pack failed");
    json_array_append_new(assets, a);
    return a;
}

json_t *fixture_genesis_default(void) {
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "alice", "admin,minter,burner,transfer_agent,pauser");
    fixture_genesis_add_operator(doc, "bob",
                                 "minter@USDW,burner@USDW,transfer_agent@USDW,pauser@USDW");
    fixture_genesis_add_operator(doc, "carol", "viewer");
    fixture_genesis_add_operator(doc, "dave", "minter@GOLD");
    json_t *usdw = fixture_genesis_add_asset(doc, "USDW", "plain", "6");
    json_object_set_new(usdw, "currency", json_string("USD"));
    json_object_set_new(usdw, "supply_cap", json_string("1000000"));
    json_object_set_new(usdw, "daily_mint_limit", json_string("500000"));
    json_object_set_new(usdw, "daily_inflow_limit", json_string("400000"));
    fixture_genesis_add_asset(doc, "GOLD", "plain", "18");
    /* EQ: a zero-decimal asset; security assets have their own tests
     * (test_compliance), since every holder of one needs an identity. */
    fixture_genesis_add_asset(doc, "EQ", "plain", "0");
    fixture_genesis_single_approvals(doc);
    return doc;
}

void fixture_genesis_single_approvals(json_t *doc) {
    json_t *policies = json_array();
    static const char *const single[][2] = {
        {"unpause", NULL}, {"mint_resume", NULL}, {"mint", "EQ"}, {"burn", "EQ"}};
    for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
        json_t *p = json_object();
        json_object_set_new(p, "op", json_string(single[i][0]));
        if (single[i][1]) json_object_set_new(p, "asset", json_string(single[i][1]));
        json_object_set_new(p, "approvals", json_string("1"));
        json_array_append_new(policies, p);
    }
    json_object_set_new(doc, "policies", policies);
}

struct fixture *fixture_open_empty(uint32_t hint) {
    struct fixture *f = calloc(1, sizeof(*f));
    if (f == NULL) fail_msg("out of memory");
    enum err err = engine_open(&f->e, hint);
    if (err) fail_msg("engine_open: %s", err_name(err));
    f->events.items = f->event_items;
    f->events.cap = FIXTURE_EVENTS_CAP;
    return f;
}

struct fixture *fixture_open_hint(const json_t *genesis, int64_t time_ns, uint32_t hint) {
    struct fixture *f = fixture_open_empty(hint);
    json_t *doc = genesis ? NULL : fixture_genesis_default();
    char why[256] = "";
    enum err err = engine_genesis(&f->e, genesis ? genesis : doc, time_ns, why, sizeof(why));
    json_decref(doc);
    if (err) fail_msg("engine_genesis: %s: %s", err_name(err), why);
    return f;
}

struct fixture *fixture_open(const json_t *genesis, int64_t time_ns) {
    return fixture_open_hint(genesis, time_ns, FIXTURE_HOLDINGS_HINT);
}

void fixture_close(struct fixture *f) {
    if (f == NULL) return;
    engine_close(&f->e);
    free(f);
}

void fixture_begin(struct fixture *f, int64_t time_ns, uint32_t commands) {
    /* Room for any command: a recover on a partitioned asset needs more
     * than a transfer (engine_command_room). */
    fixture_begin_room(f, time_ns, commands, (uint64_t)commands * 8u);
}

void fixture_begin_room(struct fixture *f, int64_t time_ns, uint32_t commands, uint64_t extra) {
    if (f->in_block) fail_msg("fixture_begin: a block is already open");
    enum err err = engine_reserve_room(&f->e, commands, extra);
    if (err) fail_msg("engine_reserve: %s", err_name(err));
    engine_block_begin(&f->e, time_ns);
    f->in_block = 1;
    f->block_reserved = commands;
    f->block_applied = 0;
}

void fixture_seal(struct fixture *f, struct hash *out) {
    if (!f->in_block) fail_msg("fixture_seal: no block is open");
    struct hash h;
    engine_block_seal(&f->e, &h);
    if (out != NULL) *out = h;
    f->in_block = 0;
}

struct fixture *fixture_from_snapshot(struct fixture *f, struct buf *snap) {
    struct hash h1, h2;
    fixture_seal(f, &h1);
    struct buf own;
    struct buf *b = snap != NULL ? snap : &own;
    buf_init(b);
    engine_snapshot_write(&f->e, b);
    if (!buf_ok(b)) fail_msg("fixture_from_snapshot: out of memory");
    struct fixture *g = fixture_open_empty(FIXTURE_HOLDINGS_HINT);
    enum err err = engine_snapshot_read(&g->e, b->data, b->len);
    if (err != ERR_OK) fail_msg("fixture_from_snapshot: the snapshot reads back as %s", err_name(err));
    engine_state_hash(&g->e, &h2);
    fixture_assert_hash_equal(&h1, &h2, __FILE__, __LINE__);
    if (snap == NULL) buf_free(&own);
    return g;
}

enum err fixture_decode(struct fixture *f, const char *json, struct command *out) {
    json_error_t error;
    json_t *obj = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    if (obj == NULL) {
        snprintf(f->why, sizeof(f->why), "%s", error.text);
        return ERR_INVALID_JSON;
    }
    f->why[0] = '\0';
    enum err err = command_decode(&f->e, obj, out, f->why, sizeof(f->why));
    json_decref(obj);
    return err;
}

enum err fixture_apply_cmd(struct fixture *f, const struct command *cmd) {
    if (!f->in_block) fixture_begin(f, f->e.s.time_ns, FIXTURE_BLOCK_COMMANDS);
    if (f->block_applied >= f->block_reserved) fail_msg("fixture: block room exhausted");
    f->block_applied++;
    f->events.count = 0;
    return engine_apply(&f->e, cmd, &f->events, &f->result);
}

enum err fixture_apply(struct fixture *f, const char *name, const char *json) {
    struct command cmd;
    f->events.count = 0;
    enum err err = fixture_decode(f, json, &cmd);
    if (err) return err;
    int index = engine_operator_find(&f->e, name, strlen(name));
    cmd.operator_index = index < 0 ? UINT32_MAX : (uint32_t)index;
    return fixture_apply_cmd(f, &cmd);
}

enum err fixture_applyf(struct fixture *f, const char *name, const char *fmt, ...) {
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(text)) fail_msg("fixture_applyf: command too long");
    return fixture_apply(f, name, text);
}

enum err fixture_mint(struct fixture *f, const char *name, const char *asset, const char *to,
                      const char *amount) {
    return fixture_applyf(f, name,
                          "{\"op\":\"mint\",\"asset\":\"%s\",\"to\":\"%s\",\"amount\":\"%s\"}",
                          asset, to, amount);
}

enum err fixture_burn(struct fixture *f, const char *name, const char *asset, const char *from,
                      const char *amount) {
    return fixture_applyf(f, name,
                          "{\"op\":\"burn\",\"asset\":\"%s\",\"from\":\"%s\",\"amount\":\"%s\"}",
                          asset, from, amount);
}

enum err fixture_transfer(struct fixture *f, const char *name, const char *asset, const char *from,
                          const char *to, const char *amount) {
    return fixture_applyf(f, name,
                          "{\"op\":\"transfer\",\"asset\":\"%s\",\"from\":\"%s\",\"to\":\"%s\","
                          "\"amount\":\"%s\"}",
                          asset, from, to, amount);
}

static enum err fixture__pause(struct fixture *f, const char *name, const char *op,
                               const char *asset) {
    if (asset == NULL) return fixture_applyf(f, name, "{\"op\":\"%s\"}", op);
    return fixture_applyf(f, name, "{\"op\":\"%s\",\"asset\":\"%s\"}", op, asset);
}

enum err fixture_pause(struct fixture *f, const char *name, const char *asset) {
    return fixture__pause(f, name, "pause", asset);
}

enum err fixture_unpause(struct fixture *f, const char *name, const char *asset) {
    return fixture__pause(f, name, "unpause", asset);
}

enum err fixture_advance(struct fixture *f, const char *name, const char *duration) {
    return fixture_applyf(f, name, "{\"op\":\"dev.advance\",\"duration\":\"%s\"}", duration);
}

static void fixture__snapshot(const struct fixture *f, struct buf *out) {
    buf_init(out);
    engine_snapshot_write(&f->e, out);
    if (!buf_ok(out)) fail_msg("snapshot: out of memory");
}

void fixture_expect_rejected(struct fixture *f, const char *name, const char *json,
                             enum err expected) {
    if (!f->in_block) fixture_begin(f, f->e.s.time_ns, FIXTURE_BLOCK_COMMANDS);
    struct buf before;
    fixture__snapshot(f, &before);
    uint64_t seq = f->e.s.next_seq;
    uint32_t undo_len = f->e.holdings.undo_len;

    enum err err = fixture_apply(f, name, json);
    if (err != expected) {
        buf_free(&before);
        fail_msg("%s: got %s, expected %s", json, err_name(err), err_name(expected));
    }
    assert_int_equal(f->events.count, 0);
    assert_int_equal(f->result.seq, seq);
    assert_int_equal(f->e.s.next_seq, seq + 1);
    assert_int_equal(f->e.holdings.undo_len, undo_len);

    /* Discount the consumed seq, compare every other byte of state. */
    f->e.s.next_seq = seq;
    struct buf after;
    fixture__snapshot(f, &after);
    f->e.s.next_seq = seq + 1;
    int same = before.len == after.len && memcmp(before.data, after.data, before.len) == 0;
    buf_free(&before);
    buf_free(&after);
    if (!same) fail_msg("%s: rejected with %s but the state changed", json, err_name(err));
}

uint32_t fixture_asset(const struct fixture *f, const char *symbol) {
    int index = engine_asset_find(&f->e, symbol, strlen(symbol));
    if (index < 0) fail_msg("fixture: unknown asset %s", symbol);
    return (uint32_t)index;
}

struct addr fixture_addr_parse(const char *text) {
    struct addr a;
    memset(&a, 0, sizeof(a));
    if (addr_parse(text, strlen(text), &a) != ERR_OK) fail_msg("fixture: bad address %s", text);
    return a;
}

void fixture_addr_text(uint32_t n, char out[ADDR_TEXT_SIZE]) {
    struct addr a;
    /* Spread n over the bytes so neighbours differ in the hashed words. */
    uint64_t x = (uint64_t)n * 0x9e3779b97f4a7c15ull + 0x1234567ull;
    for (unsigned i = 0; i < ADDR_BYTES; i++) {
        x ^= x >> 29;
        x *= 0xbf58476d1ce4e5b9ull;
        a.bytes[i] = (uint8_t)(x >> 56);
    }
    a.bytes[0] = (uint8_t)(n >> 24);
    a.bytes[1] = (uint8_t)(n >> 16);
    a.bytes[2] = (uint8_t)(n >> 8);
    a.bytes[3] = (uint8_t)n;
    addr_format(&a, out);
}

u128 fixture_balance(const struct fixture *f, const char *symbol, const char *addr) {
    struct addr a = fixture_addr_parse(addr);
    return engine_balance(&f->e, fixture_asset(f, symbol), &a);
}

u128 fixture_supply(const struct fixture *f, const char *symbol) {
    return f->e.s.assets[fixture_asset(f, symbol)].supply;
}

u128 fixture_amount(const struct fixture *f, const char *symbol, const char *text) {
    unsigned decimals = f->e.s.assets[fixture_asset(f, symbol)].decimals;
    u128 v = 0;
    if (amount_parse(text, strlen(text), decimals, &v) != ERR_OK) {
        fail_msg("fixture: bad amount %s for %s", text, symbol);
    }
    return v;
}

void fixture_hash_hex(const struct hash *h, char out[HASH_HEX_SIZE]) { hash_hex(h, out); }

void fixture_state_hex(const struct fixture *f, char out[HASH_HEX_SIZE]) {
    struct hash h;
    engine_state_hash(&f->e, &h);
    hash_hex(&h, out);
}

void fixture_assert_err(enum err actual, enum err expected, const char *expr, const char *file,
                        int line) {
    if (actual == expected) return;
    print_error("%s: got %s, expected %s\n", expr, err_name(actual), err_name(expected));
    _fail(file, line);
}

void fixture_assert_u128_equal(u128 actual, u128 expected, const char *file, int line) {
    char a[AMOUNT_TEXT_SIZE];
    char b[AMOUNT_TEXT_SIZE];
    u128_format(actual, a);
    u128_format(expected, b);
    _assert_string_equal(a, b, file, line);
}

void fixture_assert_balance(const struct fixture *f, const char *symbol, const char *addr,
                            const char *expected, const char *file, int line) {
    unsigned decimals = f->e.s.assets[fixture_asset(f, symbol)].decimals;
    char text[AMOUNT_TEXT_SIZE];
    amount_format(fixture_balance(f, symbol, addr), decimals, text);
    _assert_string_equal(text, expected, file, line);
}

void fixture_assert_supply(const struct fixture *f, const char *symbol, const char *expected,
                           const char *file, int line) {
    unsigned decimals = f->e.s.assets[fixture_asset(f, symbol)].decimals;
    char text[AMOUNT_TEXT_SIZE];
    amount_format(fixture_supply(f, symbol), decimals, text);
    _assert_string_equal(text, expected, file, line);
}

void fixture_assert_hash_equal(const struct hash *a, const struct hash *b, const char *file,
                               int line) {
    char x[HASH_HEX_SIZE];
    char y[HASH_HEX_SIZE];
    hash_hex(a, x);
    hash_hex(b, y);
    _assert_string_equal(x, y, file, line);
}

static uint64_t fixture__rng_state;

void fixture_rng_seed(uint64_t seed) { fixture__rng_state = seed; }

uint64_t fixture_rng_next(void) {
    uint64_t z = (fixture__rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t fixture_rng_below(uint64_t n) { return n == 0 ? 0 : fixture_rng_next() % n; }

int fixture_rng_percent(unsigned p) { return fixture_rng_below(100) < p; }
