/*
 * test_random.c - a seeded random command sequence against a model.
 *
 * 20,000 commands over 300 addresses and three assets (USDW: 6 decimals,
 * cap and both daily limits; GOLD: 18 decimals, no limit; EQ: 0 decimals,
 * cap and daily mint limit), from five operators of which only one holds
 * every role, in blocks of random size and time (sometimes earlier than the
 * ledger clock, sometimes past a UTC midnight). Ops: mint, burn, transfer,
 * pause, unpause, dev.advance, some malformed commands, some dry runs
 * (savepoint + rollback). Amounts aim at the edges: a whole balance and one
 * more, exactly what is left under a limit and one more, large values.
 *
 * A small model of SPEC 3 predicts every result. After every command:
 * the engine's answer equals the model's; engine_check_invariants holds;
 * for every asset, supply = minted - burned = the sum of engine_balance
 * over the known addresses = the model's supply; the holder count is exact.
 * Then the recorded sequence is replayed into a fresh engine (another
 * table size, without the dry runs) and must give the same state hash
 * after every block, and a snapshot taken midway plus the rest of the
 * sequence must give the same hashes to the end.
 *
 * The seed is printed; MINTLINE_RANDOM_SEED=N reruns another sequence.
 * Amounts stay below 2^100 so lifetime mint totals cannot reach 2^128 in
 * 20,000 commands (that edge is test_engine's
 * mint_lifetime_total_past_u128_max_rejected_overflow).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../support/engine_fixture.h"

#define SEED_DEFAULT 20260301u
#define COMMANDS 20000u
#define ADDRESSES 300u
#define ASSETS 3u
#define OPERATORS 5u
#define BLOCK_MAX 200u
#define JSON_MAX 320u

/* ------------------------------------------------------------------ */
/* the model                                                          */
/* ------------------------------------------------------------------ */

static const char *const asset_symbols[ASSETS] = {"USDW", "GOLD", "EQ"};
static const unsigned asset_decimals[ASSETS] = {6, 18, 0};
static const char *const operator_names[OPERATORS] = {"admin", "minter_u", "agent_g", "pauser_e",
                                                      "viewer"};

struct model_asset {
    u128 balance[ADDRESSES];
    u128 supply;
    u128 minted_total;
    u128 burned_total;
    u128 minted_today;
    u128 burned_today;
    int64_t day;
    uint8_t paused;
    uint8_t has_cap;
    uint8_t has_mint_limit;
    uint8_t has_inflow_limit;
    u128 cap;
    u128 mint_limit;
    u128 inflow_limit;
    uint64_t holders;
};

struct model {
    struct model_asset a[ASSETS];
    uint8_t paused;
    int64_t time_ns;
    uint64_t next_seq;
};

enum mop { M_MINT, M_BURN, M_TRANSFER, M_PAUSE, M_UNPAUSE, M_ADVANCE, M_MALFORMED };

struct mcmd {
    enum mop op;
    uint32_t who;
    int asset; /* -1: none (global pause, advance) */
    uint32_t from;
    uint32_t to;
    u128 amount;
    int64_t duration_ns;
};

static u128 unit_of(unsigned asset) { return u128_pow10(asset_decimals[asset]); }

static json_t *random_genesis(void) {
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "admin", "admin,minter,burner,transfer_agent,pauser");
    fixture_genesis_add_operator(doc, "minter_u", "minter@USDW,burner@USDW");
    fixture_genesis_add_operator(doc, "agent_g", "transfer_agent@GOLD");
    fixture_genesis_add_operator(doc, "pauser_e", "pauser@EQ");
    fixture_genesis_add_operator(doc, "viewer", "viewer");
    json_t *a = fixture_genesis_add_asset(doc, "USDW", "plain", "6");
    json_object_set_new(a, "supply_cap", json_string("50000000"));
    json_object_set_new(a, "daily_mint_limit", json_string("5000000"));
    json_object_set_new(a, "daily_inflow_limit", json_string("3000000"));
    fixture_genesis_add_asset(doc, "GOLD", "plain", "18");
    a = fixture_genesis_add_asset(doc, "EQ", "plain", "0");
    json_object_set_new(a, "supply_cap", json_string("2000000"));
    json_object_set_new(a, "daily_mint_limit", json_string("150000"));
    fixture_genesis_single_approvals(doc);
    return doc;
}

static void model_init(struct model *m, const struct fixture *f) {
    memset(m, 0, sizeof(*m));
    m->time_ns = f->e.s.time_ns;
    for (unsigned i = 0; i < ASSETS; i++) {
        const struct asset *ea = &f->e.s.assets[fixture_asset(f, asset_symbols[i])];
        struct model_asset *ma = &m->a[i];
        ma->has_cap = (ea->limit_flags & ASSET_HAS_SUPPLY_CAP) != 0;
        ma->has_mint_limit = (ea->limit_flags & ASSET_HAS_DAILY_MINT_LIMIT) != 0;
        ma->has_inflow_limit = (ea->limit_flags & ASSET_HAS_DAILY_INFLOW_LIMIT) != 0;
        ma->cap = ea->supply_cap;
        ma->mint_limit = ea->daily_mint_limit;
        ma->inflow_limit = ea->daily_inflow_limit;
        ma->day = ea->day;
    }
}

/* Who may do what: the genesis above, written out independently. */
static int model_may(uint32_t who, enum mop op, int asset) {
    switch (who) {
    case 0: return 1;
    case 1: return asset == 0 && (op == M_MINT || op == M_BURN);
    case 2: return asset == 1 && op == M_TRANSFER;
    case 3: return asset == 2 && (op == M_PAUSE || op == M_UNPAUSE);
    default: return 0;
    }
}

static void model_today(const struct model *m, const struct model_asset *a, u128 *minted,
                        u128 *burned) {
    int same = a->day == m->time_ns / NS_PER_DAY;
    *minted = same ? a->minted_today : 0;
    *burned = same ? a->burned_today : 0;
}

static void model_roll_day(const struct model *m, struct model_asset *a) {
    int64_t today = m->time_ns / NS_PER_DAY;
    if (a->day == today) return;
    a->day = today;
    a->minted_today = 0;
    a->burned_today = 0;
}

static void model_set(struct model_asset *a, uint32_t addr, u128 balance) {
    if (a->balance[addr] == 0 && balance != 0) a->holders++;
    if (a->balance[addr] != 0 && balance == 0) a->holders--;
    a->balance[addr] = balance;
}

/* SPEC 3 items 7-9 for a mint, as the spec states them. */
static enum err model_mint_limits(const struct model *m, const struct model_asset *a, u128 amount) {
    u128 supply;
    if (__builtin_add_overflow(a->supply, amount, &supply)) {
        return a->has_cap ? ERR_SUPPLY_CAP : ERR_OVERFLOW;
    }
    if (a->has_cap && supply > a->cap) return ERR_SUPPLY_CAP;
    u128 minted, burned, after;
    model_today(m, a, &minted, &burned);
    if (__builtin_add_overflow(minted, amount, &after)) return ERR_OVERFLOW;
    if (a->has_mint_limit && after > a->mint_limit) return ERR_DAILY_MINT_LIMIT;
    if (a->has_inflow_limit) {
        /* (minted - burned) + amount > limit, in signed terms. */
        u128 ceiling;
        if (!__builtin_add_overflow(a->inflow_limit, burned, &ceiling) && after > ceiling) {
            return ERR_DAILY_INFLOW_LIMIT;
        }
    }
    return ERR_OK;
}

static enum err model_value_op(struct model *m, const struct mcmd *c) {
    struct model_asset *a = &m->a[c->asset];
    if (m->paused || a->paused) return ERR_PAUSED;
    if (c->op == M_MINT) {
        enum err err = model_mint_limits(m, a, c->amount);
        if (err) return err;
        model_roll_day(m, a);
        model_set(a, c->to, a->balance[c->to] + c->amount);
        a->supply += c->amount;
        a->minted_total += c->amount;
        a->minted_today += c->amount;
        return ERR_OK;
    }
    if (a->balance[c->from] < c->amount) return ERR_INSUFFICIENT_BALANCE;
    if (c->op == M_BURN) {
        model_roll_day(m, a);
        model_set(a, c->from, a->balance[c->from] - c->amount);
        a->supply -= c->amount;
        a->burned_total += c->amount;
        a->burned_today += c->amount;
        return ERR_OK;
    }
    if (c->from != c->to) {
        model_set(a, c->from, a->balance[c->from] - c->amount);
        model_set(a, c->to, a->balance[c->to] + c->amount);
    }
    return ERR_OK;
}

/* model_step: the expected result of c, applied to m when it succeeds.
 * Malformed commands never reach the engine and consume no seq. */
static enum err model_step(struct model *m, const struct mcmd *c, enum err malformed_err) {
    if (c->op == M_MALFORMED) return malformed_err;
    m->next_seq++;
    if (!model_may(c->who, c->op, c->asset)) return ERR_UNAUTHORIZED;
    switch (c->op) {
    case M_MINT:
    case M_BURN:
    case M_TRANSFER: return model_value_op(m, c);
    case M_PAUSE:
    case M_UNPAUSE: {
        uint8_t *flag = c->asset < 0 ? &m->paused : &m->a[c->asset].paused;
        *flag = c->op == M_PAUSE;
        return ERR_OK;
    }
    case M_ADVANCE:
        if (c->duration_ns <= 0) return ERR_INVALID_DURATION;
        m->time_ns += c->duration_ns;
        return ERR_OK;
    case M_MALFORMED: break;
    }
    return ERR_INTERNAL;
}

/* ------------------------------------------------------------------ */
/* command generation                                                 */
/* ------------------------------------------------------------------ */

static u128 random_large(void) {
    u128 v = ((u128)fixture_rng_next() << 64) | fixture_rng_next();
    return (v & (((u128)1 << 100) - 1)) + 1;
}

/* What is left for a mint under every limit of the asset (U128_MAX: no limit). */
static u128 mint_room(const struct model *m, const struct model_asset *a) {
    u128 room = U128_MAX;
    u128 minted, burned;
    model_today(m, a, &minted, &burned);
    if (a->has_cap) room = a->cap > a->supply ? a->cap - a->supply : 0;
    if (a->has_mint_limit) {
        u128 r = a->mint_limit > minted ? a->mint_limit - minted : 0;
        if (r < room) room = r;
    }
    if (a->has_inflow_limit) {
        u128 ceiling = a->inflow_limit + burned;
        u128 r = ceiling > minted ? ceiling - minted : 0;
        if (r < room) room = r;
    }
    return room;
}

static u128 random_amount(const struct model *m, const struct mcmd *c) {
    const struct model_asset *a = &m->a[c->asset];
    u128 unit = unit_of((unsigned)c->asset);
    u128 v;
    uint64_t k = fixture_rng_below(100);
    if (c->op != M_MINT && k < 35) {
        u128 balance = a->balance[c->from];
        v = k < 20 ? balance : (k < 28 ? balance + 1 : balance / 2);
    } else if (c->op == M_MINT && k < 30) {
        u128 room = mint_room(m, a);
        if (room == U128_MAX) room = unit * 1000;
        v = k < 18 ? room : room + 1;
    } else if (k < 45) {
        v = random_large();
    } else if (k < 60) {
        v = 1 + (u128)fixture_rng_below(100);
    } else {
        v = 1 + (u128)fixture_rng_below(1000000) * unit / 1000;
    }
    return v == 0 ? 1 : v;
}

static const char *const durations[] = {"1s", "90s", "15m", "1h", "2h", "6h", "13h", "1d"};

/* Build a command and its JSON text; *malformed_err is the decode error
 * a malformed command must get. */
static void random_command(const struct model *m, struct mcmd *c, char json[JSON_MAX],
                           enum err *malformed_err) {
    memset(c, 0, sizeof(*c));
    c->who = fixture_rng_percent(80) ? 0 : (uint32_t)fixture_rng_below(OPERATORS);
    c->asset = (int)fixture_rng_below(ASSETS);
    c->from = (uint32_t)fixture_rng_below(ADDRESSES);
    c->to = fixture_rng_percent(3) ? c->from : (uint32_t)fixture_rng_below(ADDRESSES);
    char from[ADDR_TEXT_SIZE];
    char to[ADDR_TEXT_SIZE];
    fixture_addr_text(c->from, from);
    fixture_addr_text(c->to, to);
    const char *sym = asset_symbols[c->asset];
    uint64_t k = fixture_rng_below(100);
    if (k < 31)
        c->op = M_MINT;
    else if (k < 51)
        c->op = M_BURN;
    else if (k < 89)
        c->op = M_TRANSFER;
    else if (k < 90)
        c->op = M_PAUSE;
    else if (k < 96)
        c->op = M_UNPAUSE;
    else if (k < 98)
        c->op = M_ADVANCE;
    else
        c->op = M_MALFORMED;

    char amount[AMOUNT_TEXT_SIZE];
    if (c->op == M_MINT || c->op == M_BURN || c->op == M_TRANSFER) {
        c->amount = random_amount(m, c);
        amount_format(c->amount, asset_decimals[c->asset], amount);
    }
    switch (c->op) {
    case M_MINT:
        snprintf(json, JSON_MAX,
                 "{\"op\":\"mint\",\"asset\":\"%s\",\"to\":\"%s\",\"amount\":\"%s\"}", sym, to,
                 amount);
        return;
    case M_BURN:
        snprintf(json, JSON_MAX,
                 "{\"op\":\"burn\",\"asset\":\"%s\",\"from\":\"%s\",\"amount\":\"%s\"}", sym, from,
                 amount);
        return;
    case M_TRANSFER:
        snprintf(json, JSON_MAX,
                 "{\"op\":\"transfer\",\"asset\":\"%s\",\"from\":\"%s\",\"to\":\"%s\","
                 "\"amount\":\"%s\"}",
                 sym, from, to, amount);
        return;
    case M_PAUSE:
    case M_UNPAUSE: {
        const char *op = c->op == M_PAUSE ? "pause" : "unpause";
        if (fixture_rng_percent(25)) {
            c->asset = -1;
            snprintf(json, JSON_MAX, "{\"op\":\"%s\"}", op);
        } else {
            snprintf(json, JSON_MAX, "{\"op\":\"%s\",\"asset\":\"%s\"}", op, sym);
        }
        return;
    }
    case M_ADVANCE: {
        const char *d = durations[fixture_rng_below(sizeof(durations) / sizeof(durations[0]))];
        c->asset = -1;
        if (duration_parse(d, strlen(d), &c->duration_ns) != ERR_OK) fail_msg("bad duration %s", d);
        snprintf(json, JSON_MAX, "{\"op\":\"dev.advance\",\"duration\":\"%s\"}", d);
        return;
    }
    case M_MALFORMED: break;
    }
    switch (fixture_rng_below(5)) {
    case 0:
        *malformed_err = ERR_INVALID_AMOUNT;
        snprintf(json, JSON_MAX,
                 "{\"op\":\"mint\",\"asset\":\"%s\",\"to\":\"%s\",\"amount\":\"0\"}", sym, to);
        break;
    case 1:
        *malformed_err = ERR_INVALID_AMOUNT;
        snprintf(json, JSON_MAX,
                 "{\"op\":\"burn\",\"asset\":\"%s\",\"from\":\"%s\",\"amount\":\"1.%019u\"}", sym,
                 from, 1u);
        break;
    case 2:
        *malformed_err = ERR_INVALID_ADDRESS;
        snprintf(json, JSON_MAX,
                 "{\"op\":\"transfer\",\"asset\":\"%s\",\"from\":\"%s\",\"to\":\"0x12\","
                 "\"amount\":\"1\"}",
                 sym, from);
        break;
    case 3:
        *malformed_err = ERR_UNKNOWN_ASSET;
        snprintf(json, JSON_MAX,
                 "{\"op\":\"mint\",\"asset\":\"NOPE\",\"to\":\"%s\",\"amount\":\"1\"}", to);
        break;
    default:
        *malformed_err = ERR_UNKNOWN_OP;
        snprintf(json, JSON_MAX, "{\"op\":\"mint.all\"}");
        break;
    }
}

/* ------------------------------------------------------------------ */
/* the recorded run                                                   */
/* ------------------------------------------------------------------ */

struct rcmd {
    char json[JSON_MAX];
    uint8_t who;
    uint8_t dry_run;
    enum err result;
};

struct rblock {
    int64_t time_ns;
    uint32_t first;
    uint32_t count;
    struct hash hash;
};

static struct {
    uint64_t seed;
    struct rcmd *cmds;
    uint32_t cmds_count;
    struct rblock *blocks;
    uint32_t blocks_count;
    uint32_t snap_block; /* the snapshot is taken after this block */
    struct buf snap;
    int complete;
} run;

/* The known addresses, parsed once. */
static struct addr addr_table[ADDRESSES];

static void addr_table_init(void) {
    for (uint32_t k = 0; k < ADDRESSES; k++) {
        char text[ADDR_TEXT_SIZE];
        fixture_addr_text(k, text);
        addr_table[k] = fixture_addr_parse(text);
    }
}

static void check_sums(const struct fixture *f, const struct model *m, size_t index) {
    if (engine_check_invariants(&f->e) != 0)
        fail_msg("command %zu: engine invariants broken", index);
    for (unsigned i = 0; i < ASSETS; i++) {
        uint32_t ai = fixture_asset(f, asset_symbols[i]);
        const struct asset *ea = &f->e.s.assets[ai];
        u128 sum = 0;
        uint64_t holders = 0;
        for (uint32_t k = 0; k < ADDRESSES; k++) {
            u128 b = engine_balance(&f->e, ai, &addr_table[k]);
            if (__builtin_add_overflow(sum, b, &sum)) fail_msg("command %zu: sum overflows", index);
            holders += b != 0;
        }
        const struct model_asset *ma = &m->a[i];
        if (sum != ea->supply || ea->supply != ma->supply ||
            ea->minted_total - ea->burned_total != ea->supply ||
            ea->minted_total != ma->minted_total || ea->burned_total != ma->burned_total ||
            holders != ea->holders_count || holders != ma->holders || ea->paused != ma->paused) {
            char s1[AMOUNT_TEXT_SIZE];
            char s2[AMOUNT_TEXT_SIZE];
            char s3[AMOUNT_TEXT_SIZE];
            u128_format(sum, s1);
            u128_format(ea->supply, s2);
            u128_format(ma->supply, s3);
            fail_msg("command %zu, %s: sum %s, supply %s, model %s, holders %llu/%llu/%llu", index,
                     asset_symbols[i], s1, s2, s3, (unsigned long long)holders,
                     (unsigned long long)ea->holders_count, (unsigned long long)ma->holders);
        }
    }
    if (f->e.s.paused != m->paused) fail_msg("command %zu: global pause differs", index);
    if (f->e.s.time_ns != m->time_ns) fail_msg("command %zu: clock differs", index);
    if (f->e.s.next_seq != m->next_seq) fail_msg("command %zu: seq differs", index);
}

static void check_every_balance(const struct fixture *f, const struct model *m, size_t index) {
    for (unsigned i = 0; i < ASSETS; i++) {
        for (uint32_t k = 0; k < ADDRESSES; k++) {
            char text[ADDR_TEXT_SIZE];
            fixture_addr_text(k, text);
            if (fixture_balance(f, asset_symbols[i], text) != m->a[i].balance[k]) {
                fail_msg("command %zu: %s balance of %s differs from the model", index,
                         asset_symbols[i], text);
            }
        }
    }
}

static void seed_choose(void) {
    run.seed = SEED_DEFAULT;
    const char *env = getenv("MINTLINE_RANDOM_SEED");
    if (env != NULL && *env != '\0') run.seed = strtoull(env, NULL, 10);
    fixture_rng_seed(run.seed);
    print_message("test_random: seed %llu (MINTLINE_RANDOM_SEED=%llu to rerun)\n",
                  (unsigned long long)run.seed, (unsigned long long)run.seed);
}

/* One command of the first run: predict, apply (or dry-run), compare. */
static void first_run_command(struct fixture *f, struct model *m, struct rcmd *r) {
    struct mcmd c;
    enum err malformed_err = ERR_OK;
    random_command(m, &c, r->json, &malformed_err);
    r->who = (uint8_t)c.who;
    r->dry_run = c.op != M_MALFORMED && fixture_rng_percent(4);
    size_t index = (size_t)(r - run.cmds);

    struct model *scratch = NULL;
    struct model *target = m;
    if (r->dry_run) {
        scratch = malloc(sizeof(*scratch));
        assert_non_null(scratch);
        memcpy(scratch, m, sizeof(*m));
        target = scratch;
        assert_ok(engine_savepoint(&f->e));
    }
    enum err want = model_step(target, &c, malformed_err);
    r->result = fixture_apply(f, operator_names[c.who], r->json);
    if (r->result != want) {
        free(scratch);
        fail_msg("command %zu (%s as %s): engine %s, model %s", index, r->json,
                 operator_names[c.who], err_name(r->result), err_name(want));
    }
    if (r->dry_run) {
        check_sums(f, scratch, index);
        engine_rollback(&f->e);
        free(scratch);
    }
    check_sums(f, m, index);
}

static void random_sequence_matches_model_invariants_every_command(void **state) {
    (void)state;
    seed_choose();
    addr_table_init();
    run.cmds = calloc(COMMANDS, sizeof(*run.cmds));
    run.blocks = calloc(COMMANDS, sizeof(*run.blocks));
    assert_non_null(run.cmds);
    assert_non_null(run.blocks);
    json_t *doc = random_genesis();
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    struct model *m = malloc(sizeof(*m));
    assert_non_null(m);
    model_init(m, f);

    uint32_t done = 0;
    int snap_taken = 0;
    while (done < COMMANDS) {
        struct rblock *b = &run.blocks[run.blocks_count];
        uint32_t size = 1 + (uint32_t)fixture_rng_below(BLOCK_MAX);
        if (size > COMMANDS - done) size = COMMANDS - done;
        /* Mostly forward by up to 3h, sometimes a request from the past. */
        int64_t t = m->time_ns + (int64_t)fixture_rng_below(3 * 3600) * NS_PER_S;
        if (fixture_rng_percent(5)) t = m->time_ns - 3600 * NS_PER_S;
        b->time_ns = t;
        b->first = done;
        b->count = size;
        fixture_begin(f, t, size);
        if (t > m->time_ns) m->time_ns = t;
        for (uint32_t i = 0; i < size; i++) first_run_command(f, m, &run.cmds[done + i]);
        done += size;
        fixture_seal(f, &b->hash);
        run.blocks_count++;
        check_every_balance(f, m, done);
        if (!snap_taken && done >= COMMANDS / 2) {
            buf_init(&run.snap);
            engine_snapshot_write(&f->e, &run.snap);
            assert_true(buf_ok(&run.snap));
            run.snap_block = run.blocks_count - 1;
            snap_taken = 1;
        }
    }
    run.cmds_count = done;

    /* Something of everything happened. */
    unsigned counts[ERR__COUNT] = {0};
    for (uint32_t i = 0; i < done; i++) counts[run.cmds[i].result]++;
    print_message("test_random: %u commands in %u blocks; ok %u, unauthorized %u, paused %u, "
                  "insufficient %u, cap %u, daily mint %u, inflow %u, malformed %u\n",
                  done, run.blocks_count, counts[ERR_OK], counts[ERR_UNAUTHORIZED],
                  counts[ERR_PAUSED], counts[ERR_INSUFFICIENT_BALANCE], counts[ERR_SUPPLY_CAP],
                  counts[ERR_DAILY_MINT_LIMIT], counts[ERR_DAILY_INFLOW_LIMIT],
                  counts[ERR_INVALID_AMOUNT] + counts[ERR_INVALID_ADDRESS] +
                      counts[ERR_UNKNOWN_ASSET] + counts[ERR_UNKNOWN_OP]);
    assert_true(counts[ERR_OK] > done / 10);
    assert_true(counts[ERR_UNAUTHORIZED] > 0);
    assert_true(counts[ERR_PAUSED] > 0);
    assert_true(counts[ERR_INSUFFICIENT_BALANCE] > 0);
    assert_true(counts[ERR_SUPPLY_CAP] + counts[ERR_DAILY_MINT_LIMIT] > 0);
    assert_true(counts[ERR_DAILY_INFLOW_LIMIT] > 0);
    assert_true(m->time_ns - FIXTURE_T0_NS > 2 * NS_PER_DAY);
    free(m);
    fixture_close(f);
    run.complete = 1;
}

/* Replay blocks [from, blocks_count) into f, skipping dry runs, comparing
 * every result and every sealed hash with the first run. */
static void replay_blocks(struct fixture *f, uint32_t from) {
    for (uint32_t bi = from; bi < run.blocks_count; bi++) {
        const struct rblock *b = &run.blocks[bi];
        fixture_begin(f, b->time_ns, b->count);
        for (uint32_t i = b->first; i < b->first + b->count; i++) {
            const struct rcmd *r = &run.cmds[i];
            if (r->dry_run) continue;
            enum err err = fixture_apply(f, operator_names[r->who], r->json);
            if (err != r->result) {
                fail_msg("replay command %u (%s): %s, first run %s", i, r->json, err_name(err),
                         err_name(r->result));
            }
        }
        struct hash h;
        fixture_seal(f, &h);
        if (memcmp(h.bytes, b->hash.bytes, HASH_BYTES) != 0) {
            char x[HASH_HEX_SIZE];
            char y[HASH_HEX_SIZE];
            hash_hex(&h, x);
            hash_hex(&b->hash, y);
            fail_msg("block %u: replay hash %s, first run %s", bi, x, y);
        }
        if (engine_check_invariants(&f->e) != 0) fail_msg("block %u: invariants broken", bi);
    }
}

static void random_sequence_replay_same_hash_every_block(void **state) {
    (void)state;
    if (!run.complete) fail_msg("the first run did not complete");
    json_t *doc = random_genesis();
    struct fixture *f = fixture_open_hint(doc, FIXTURE_T0_NS, 100000);
    json_decref(doc);
    replay_blocks(f, 0);
    fixture_close(f);
}

static void random_sequence_snapshot_midway_same_final_hash(void **state) {
    (void)state;
    if (!run.complete) fail_msg("the first run did not complete");
    assert_true(run.snap_block > 0);
    assert_true(run.snap_block + 1 < run.blocks_count);
    struct fixture *f = fixture_open_empty(0);
    assert_ok(engine_snapshot_read(&f->e, run.snap.data, run.snap.len));
    struct hash h;
    engine_state_hash(&f->e, &h);
    assert_hash_equal(&h, &run.blocks[run.snap_block].hash);
    replay_blocks(f, run.snap_block + 1);
    engine_state_hash(&f->e, &h);
    assert_hash_equal(&h, &run.blocks[run.blocks_count - 1].hash);
    fixture_close(f);
}

static int teardown_run(void **state) {
    (void)state;
    free(run.cmds);
    free(run.blocks);
    buf_free(&run.snap);
    memset(&run, 0, sizeof(run));
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_sequence_matches_model_invariants_every_command),
        cmocka_unit_test(random_sequence_replay_same_hash_every_block),
        cmocka_unit_test(random_sequence_snapshot_midway_same_final_hash),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_run);
}
