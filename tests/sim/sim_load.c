/*
 * sim_load.c - the simulator's clients and its random workload.
 *
 * Six operators sign requests with their Ed25519 keys (libsodium, through
 * sig_sign) exactly as the CLI does; each request is then admitted as the
 * HTTP layer admits it (auth_check's operator lookup and signature check,
 * request_parse, then a seq_item filled as api_commands.c fills it), so
 * that `audit verify` re-checks real signatures over real bodies. A round
 * admits a few requests against the state of the moment and only then
 * runs them as one block: a key rotation or a removal admitted early in a
 * round overtakes requests admitted after it but signed with the key it
 * replaces, which the sequencer must refuse (ERR_AUTH_SIGNATURE,
 * ERR_AUTH_OPERATOR) and never journal.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/buf.h"
#include "../../src/base/hex.h"
#include "../../src/node/request.h"
#include "sim.h"

static const char *const sim__names[SIM_OPERATORS] = {"alice", "bob", "carol", "dave", "eve",
                                                      "frank"};
enum { ALICE, BOB, CAROL, DAVE, EVE, FRANK };

/* Roles at genesis; a removed operator added again gets them back by
 * role.grant, one at a time, as an admin would. */
static const char *const sim__roles[SIM_OPERATORS] = {
    "[\"admin\",\"minter\",\"burner\",\"transfer_agent\",\"pauser\",\"treasury_manager\","
    "\"oracle_manager\",\"compliance\",\"agent\"]",
    "[\"admin\",\"pauser\",\"minter@USDW\",\"oracle_updater\",\"reserve_reporter\"]",
    "[\"admin\",\"pauser\",\"compliance\",\"burner\"]",
    "[\"minter\",\"burner\",\"transfer_agent\"]",
    "[\"minter@GOLD\",\"minter@USDW\",\"transfer_agent\",\"burner\"]",
    "[\"viewer\"]",
};

static const char *const sim__assets[] = {"USDW", "GOLD", "AAXJF", "USDF"};
static const unsigned sim__decimals[] = {6, 18, 18, 2};
#define SIM_ASSETS 4u

/* The genesis: a drill ledger (manual clock), policies that let keys,
 * operators and roles change at once (timelock 0) so that they race the
 * requests in flight, and SPEC 4's defaults elsewhere (unpause and freeze
 * need two approvals, caps.set waits 24 h). */
static const char *const sim__genesis_rest =
    "\"assets\":["
    "{\"symbol\":\"USDW\",\"kind\":\"plain\",\"decimals\":6,\"supply_cap\":\"1000000000\","
    "\"daily_mint_limit\":\"5000000\",\"daily_inflow_limit\":\"4000000\"},"
    "{\"symbol\":\"GOLD\",\"kind\":\"plain\",\"decimals\":18,\"supply_cap\":\"100000\"},"
    "{\"symbol\":\"AAXJF\",\"kind\":\"fund\",\"decimals\":18,\"nav\":\"1\","
    "\"nav_max_age\":\"3650d\",\"nav_max_deviation\":\"10%\"},"
    "{\"symbol\":\"USDF\",\"kind\":\"fiat\",\"currency\":\"USD\",\"decimals\":2,"
    "\"reserve_quorum\":1}],"
    "\"controller\":\"alice\",\"clock\":\"manual\","
    "\"policies\":[{\"op\":\"operator.rotate_key\",\"timelock\":\"0s\"},"
    "{\"op\":\"operator.remove\",\"timelock\":\"0s\"},{\"op\":\"operator.add\",\"timelock\":\"0s\"},"
    "{\"op\":\"role.grant\",\"timelock\":\"0s\"},{\"op\":\"role.revoke\",\"timelock\":\"0s\"},"
    "{\"op\":\"burn\",\"asset\":\"GOLD\",\"approvals\":2}]";

/* ---- clients ------------------------------------------------------------ */

/* Forget old keys when the table is full: keep the current one (first)
 * and the newest half (rotations still in flight may name them). */
static void sim__keys_compact(struct sim_client *c) {
    uint32_t keep = SIM_KEYS_MAX / 2;
    memmove(c->seeds[0], c->seeds[c->key], SIG_SEED_BYTES);
    memmove(c->seeds[1], c->seeds[SIM_KEYS_MAX - keep], (size_t)keep * SIG_SEED_BYTES);
    c->key = 0;
    c->keys_count = 1 + keep;
}

static void sim__new_key(struct sim *s, struct sim_client *c) {
    if (c->keys_count == SIM_KEYS_MAX) sim__keys_compact(c);
    uint8_t *seed = c->seeds[c->keys_count++];
    for (unsigned i = 0; i < SIG_SEED_BYTES; i += 8) {
        uint64_t v = sim_next(s);
        memcpy(seed + i, &v, 8);
    }
}

static void sim__pubkey_hex(const uint8_t seed[SIG_SEED_BYTES], char out[65]) {
    uint8_t pk[SIG_PUBKEY_BYTES];
    sig_pubkey(seed, pk);
    hex_encode(pk, sizeof(pk), out);
    out[64] = '\0';
}

void sim_clients_init(struct sim *s) {
    for (unsigned i = 0; i < SIM_OPERATORS; i++) {
        struct sim_client *c = &s->clients[i];
        memset(c, 0, sizeof(*c));
        c->name = sim__names[i];
        sim__new_key(s, c);
    }
}

char *sim_genesis_json(struct sim *s) {
    struct buf b;
    buf_init(&b);
    buf_put(&b, "{\"operators\":[", 14);
    for (unsigned i = 0; i < SIM_OPERATORS; i++) {
        char hex[65];
        char row[512];
        sim__pubkey_hex(s->clients[i].seeds[0], hex);
        int n = snprintf(row, sizeof(row), "%s{\"name\":\"%s\",\"pubkey\":\"%s\",\"roles\":%s}",
                         i ? "," : "", sim__names[i], hex, sim__roles[i]);
        buf_put(&b, row, (size_t)n);
    }
    buf_put(&b, "],", 2);
    buf_put(&b, sim__genesis_rest, strlen(sim__genesis_rest));
    buf_put(&b, "}", 2); /* with the NUL */
    json_error_t jerr;
    json_t *doc = buf_ok(&b) ? json_loads((const char *)b.data, 0, &jerr) : NULL;
    buf_free(&b);
    /* Canonical, as `mintline init` writes it. */
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    return text;
}

static int sim__key_matches(const struct sim_client *c, uint32_t k, const uint8_t pubkey[32]) {
    uint8_t pk[SIG_PUBKEY_BYTES];
    sig_pubkey(c->seeds[k], pk);
    return memcmp(pk, pubkey, SIG_PUBKEY_BYTES) == 0;
}

int sim_clients_sync(struct sim *s) {
    const struct engine *e = &s->chain.engine;
    for (unsigned i = 0; i < SIM_OPERATORS; i++) {
        struct sim_client *c = &s->clients[i];
        int op = engine_operator_find(e, c->name, strlen(c->name));
        c->removed = op < 0;
        if (op < 0) continue;
        uint32_t k = c->keys_count;
        while (k > 0 && !sim__key_matches(c, k - 1, e->s.operators[op].pubkey)) k--;
        if (k == 0) return sim_failf(s, "the ledger holds a key for %s that no client made", c->name);
        c->key = k - 1;
    }
    return 0;
}

/* ---- command text --------------------------------------------------------- */

/* A request being built: its body and what it does to operators' keys. */
struct sim__req {
    uint32_t client;
    uint32_t key;
    char body[SIM_BODY_MAX];
    size_t len;
    uint32_t count;
    int bad;   /* malformed on purpose: admission must refuse it */
    int dry;
    uint8_t effect[SIM_BATCH_MAX]; /* 0, 'r' rotated, 'x' removed, 'a' added: of effect_op */
    uint8_t effect_op[SIM_BATCH_MAX];
};

static void sim__append(struct sim__req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sim__append(struct sim__req *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->body + r->len, sizeof(r->body) - r->len, fmt, ap);
    va_end(ap);
    if (n > 0) r->len += (size_t)n;
    if (r->len >= sizeof(r->body)) r->len = sizeof(r->body) - 1;
}

static void sim__addr(struct sim *s, char out[43]) {
    snprintf(out, 43, "0x51515151515151515151515151515151515151%02x",
             (unsigned)sim_below(s, SIM_ADDRESSES));
}

/* A canonical amount: mostly small, sometimes a whole balance (the edge). */
static void sim__amount(struct sim *s, unsigned asset, const char *holder, char *out) {
    unsigned d = sim__decimals[asset];
    if (holder && sim_percent(s, 15)) {
        struct addr a;
        if (addr_parse(holder, strlen(holder), &a) == ERR_OK) {
            u128 bal = engine_balance(&s->chain.engine, asset, &a);
            if (bal) {
                amount_format(bal, d, out);
                return;
            }
        }
    }
    static const char *const fractions[] = {"5", "25", "125", "75", "01"};
    uint64_t whole = sim_percent(s, 5) ? sim_below(s, 200000) : 1 + sim_below(s, 400);
    const char *frac = fractions[sim_below(s, 5)];
    if (d >= strlen(frac) && sim_percent(s, 30)) snprintf(out, AMOUNT_TEXT_SIZE, "%llu.%s", (unsigned long long)whole, frac);
    else snprintf(out, AMOUNT_TEXT_SIZE, "%llu", (unsigned long long)(whole ? whole : 1));
}

static uint32_t sim__pick(struct sim *s, const uint32_t *who, uint32_t n) {
    if (sim_percent(s, 12)) return (uint32_t)sim_below(s, SIM_OPERATORS); /* anyone: rejections */
    return who[sim_below(s, n)];
}

static uint32_t sim__value_cmd(struct sim *s, struct sim__req *r) {
    static const uint32_t minters[] = {ALICE, DAVE, EVE, BOB};
    static const uint32_t movers[] = {ALICE, DAVE, EVE};
    static const uint32_t burners[] = {ALICE, DAVE, EVE, CAROL};
    unsigned asset = (unsigned)sim_below(s, SIM_ASSETS);
    char from[43];
    char to[43];
    char amount[AMOUNT_TEXT_SIZE];
    sim__addr(s, from);
    sim__addr(s, to);
    uint64_t k = sim_below(s, 10);
    if (k < 4) {
        sim__amount(s, asset, NULL, amount);
        sim__append(r, "{\"op\":\"mint\",\"asset\":\"%s\",\"to\":\"%s\",\"amount\":\"%s\"}",
                    sim__assets[asset], to, amount);
        return sim__pick(s, minters, 4);
    }
    sim__amount(s, asset, from, amount);
    if (k < 6) {
        sim__append(r, "{\"op\":\"burn\",\"asset\":\"%s\",\"from\":\"%s\",\"amount\":\"%s\"}",
                    sim__assets[asset], from, amount);
        return sim__pick(s, burners, 4);
    }
    sim__append(r, "{\"op\":\"transfer\",\"asset\":\"%s\",\"from\":\"%s\",\"to\":\"%s\","
                   "\"amount\":\"%s\"}", sim__assets[asset], from, to, amount);
    return sim__pick(s, movers, 3);
}

/* Key rotation, removal, addition, grants: what races the requests in
 * flight. Records the effect on the target so the round can predict
 * which later requests the sequencer must refuse. */
static uint32_t sim__operator_cmd(struct sim *s, struct sim__req *r, uint32_t at) {
    static const uint32_t admins[] = {ALICE, BOB, CAROL};
    static const char *const roles[] = {"minter", "burner", "transfer_agent", "pauser"};
    uint32_t target = (uint32_t)sim_below(s, SIM_OPERATORS);
    struct sim_client *t = &s->clients[target];
    char hex[65];
    uint64_t k = sim_below(s, 10);
    if (t->removed && k < 6) {
        sim__new_key(s, t);
        sim__pubkey_hex(t->seeds[t->keys_count - 1], hex);
        sim__append(r, "{\"op\":\"operator.add\",\"name\":\"%s\",\"pubkey\":\"%s\"}", t->name, hex);
        r->effect[at] = 'a';
    } else if (k < 6) {
        sim__new_key(s, t);
        sim__pubkey_hex(t->seeds[t->keys_count - 1], hex);
        sim__append(r, "{\"op\":\"operator.rotate_key\",\"name\":\"%s\",\"pubkey\":\"%s\"}", t->name,
                    hex);
        r->effect[at] = 'r';
    } else if (k < 8 && target >= DAVE) {
        sim__append(r, "{\"op\":\"operator.remove\",\"name\":\"%s\"}", t->name);
        r->effect[at] = 'x';
    } else {
        sim__append(r, "{\"op\":\"role.grant\",\"name\":\"%s\",\"role\":\"%s\"}", t->name,
                    roles[sim_below(s, 4)]);
    }
    r->effect_op[at] = (uint8_t)target;
    return sim__pick(s, admins, 3);
}

static uint64_t sim__id(struct sim *s, uint64_t next) {
    return 1 + sim_below(s, next > 1 ? next : 2);
}

static uint32_t sim__governance_cmd(struct sim *s, struct sim__req *r) {
    static const uint32_t pausers[] = {ALICE, BOB, CAROL};
    static const uint32_t voters[] = {ALICE, BOB, CAROL, DAVE, EVE};
    const struct engine_state *st = &s->chain.engine.s;
    const char *asset = sim__assets[sim_below(s, SIM_ASSETS)];
    char addr[43];
    switch (sim_below(s, 9)) {
    case 0: sim__append(r, "{\"op\":\"pause\",\"asset\":\"%s\"}", asset); return sim__pick(s, pausers, 3);
    case 1: sim__append(r, "{\"op\":\"unpause\",\"asset\":\"%s\"}", asset); return sim__pick(s, pausers, 3);
    case 2: sim__append(r, "{\"op\":\"mint_halt\",\"asset\":\"%s\"}", asset); return sim__pick(s, pausers, 3);
    case 3: sim__append(r, "{\"op\":\"mint_resume\",\"asset\":\"%s\"}", asset); return sim__pick(s, pausers, 3);
    case 4:
        sim__append(r, "{\"op\":\"approve\",\"id\":%llu}",
                    (unsigned long long)sim__id(s, st->next_proposal_id));
        return sim__pick(s, voters, 5);
    case 5:
        sim__append(r, "{\"op\":\"timelock.execute\",\"id\":%llu}",
                    (unsigned long long)sim__id(s, st->next_timelock_id));
        return sim__pick(s, voters, 5);
    case 6:
        sim__append(r, "{\"op\":\"caps.set\",\"asset\":\"USDW\",\"daily_mint_limit\":\"%llu\"}",
                    (unsigned long long)(1000000 + sim_below(s, 9000000)));
        return ALICE;
    case 7:
        sim__addr(s, addr);
        sim__append(r, "{\"op\":\"freeze\",\"address\":\"%s\",\"asset\":\"%s\"}", addr, asset);
        return sim__pick(s, pausers, 3);
    default:
        sim__append(r, "{\"op\":\"cancel\",\"id\":%llu}",
                    (unsigned long long)sim__id(s, st->next_proposal_id));
        return sim__pick(s, voters, 5);
    }
}

/* A price in SPEC's canonical form: whole.cents without trailing zeros. */
static void sim__price(char out[24], uint64_t whole, uint64_t cents) {
    if (cents == 0) snprintf(out, 24, "%llu", (unsigned long long)whole);
    else if (cents % 10 == 0) snprintf(out, 24, "%llu.%llu", (unsigned long long)whole, (unsigned long long)(cents / 10));
    else snprintf(out, 24, "%llu.%02llu", (unsigned long long)whole, (unsigned long long)cents);
}

static uint32_t sim__oracle_cmd(struct sim *s, struct sim__req *r) {
    static const char *const advances[] = {"15m", "1h", "6h", "1d", "2d"};
    char salt[65];
    char price[24];
    switch (sim_below(s, 5)) {
    case 0:
        sim__append(r, "{\"op\":\"dev.advance\",\"duration\":\"%s\"}", advances[sim_below(s, 5)]);
        return ALICE;
    case 1:
        sim__price(price, sim_below(s, 2), 1 + sim_below(s, 98));
        sim__append(r, "{\"op\":\"nav.update\",\"asset\":\"AAXJF\",\"value\":\"%s\"}", price);
        return BOB;
    case 2:
        sim__append(r, "{\"op\":\"reserve.report\",\"asset\":\"USDF\",\"amount\":\"%llu\"}",
                    (unsigned long long)(1000 + sim_below(s, 10000000)));
        return BOB;
    case 3:
        for (unsigned i = 0; i < 64; i += 16) {
            snprintf(salt + i, 17, "%016llx", (unsigned long long)sim_next(s));
        }
        sim__append(r, "{\"op\":\"por.publish\",\"asset\":\"USDF\",\"salt\":\"%s\"}", salt);
        return ALICE;
    default:
        sim__price(price, 1, sim_below(s, 99));
        sim__append(r, "{\"op\":\"nav.force\",\"asset\":\"AAXJF\",\"value\":\"%s\","
                       "\"reason\":\"sim\"}", price);
        return ALICE;
    }
}

/* One command of the request; returns who should sign it. */
static uint32_t sim__command(struct sim *s, struct sim__req *r, uint32_t at) {
    uint64_t k = sim_below(s, 100);
    if (k < 55) return sim__value_cmd(s, r);
    if (k < 70) return sim__operator_cmd(s, r, at);
    if (k < 88) return sim__governance_cmd(s, r);
    return sim__oracle_cmd(s, r);
}

static void sim__build(struct sim *s, struct sim__req *r) {
    memset(r, 0, sizeof(*r));
    uint32_t signer = ALICE;
    if (s->scripted) { /* a scenario's plain traffic: mints that succeed */
        r->count = 1;
        sim__append(r, "{\"op\":\"mint\",\"asset\":\"USDW\",\"to\":\"0x%040llx\",\"amount\":\"%llu\"}",
                    (unsigned long long)(1 + sim_below(s, 9)), (unsigned long long)(1 + sim_below(s, 99)));
        r->client = ALICE;
        r->key = s->clients[ALICE].key;
        return;
    }
    if (sim_percent(s, 25)) {
        r->count = 2 + (uint32_t)sim_below(s, SIM_BATCH_MAX - 1);
        sim__append(r, "{\"commands\":[");
        for (uint32_t i = 0; i < r->count; i++) {
            if (i) sim__append(r, ",");
            signer = sim__command(s, r, i);
        }
        sim__append(r, "]%s}", sim_percent(s, 40) ? ",\"atomic\":true" : "");
    } else {
        r->count = 1;
        signer = sim__command(s, r, 0);
        if (sim_percent(s, 6)) { /* a dry run: the same checks, nothing kept */
            r->len--;
            sim__append(r, ",\"dry_run\":true}");
            r->dry = 1;
        } else if (sim_percent(s, 3)) { /* malformed: refused at admission */
            r->len--;
            sim__append(r, ",\"bogus\":1}");
            r->bad = 1;
        }
    }
    r->client = signer;
    struct sim_client *c = &s->clients[signer];
    r->key = c->key;
    if (c->keys_count > 1 && sim_percent(s, 4)) r->key = (uint32_t)sim_below(s, c->keys_count);
}

/* ---- admission, as auth_check and api_commands do it ------------------------ */

struct sim__item {
    struct sim__req req;
    uint64_t id;
    char nonce[24];
    char time_text[24];
    char signature[SIG_B64_SIZE];
    struct hash body_hash;
    struct request_cmds rc;
    struct buf bin;
    struct seq_item item;
    int queued;
};

static enum err sim__auth(struct sim *s, struct sim__item *it, int *op) {
    const struct sim_client *c = &s->clients[it->req.client];
    const struct engine *e = &s->chain.engine;
    *op = engine_operator_find(e, c->name, strlen(c->name));
    if (*op < 0) return ERR_AUTH_OPERATOR;
    hash_once(it->req.body, it->req.len, &it->body_hash);
    if (sig_verify(e->s.operators[*op].pubkey, "POST", "/api/commands", it->time_text, it->nonce,
                   &it->body_hash, it->signature) != 0) {
        return ERR_AUTH_SIGNATURE;
    }
    return ERR_OK;
}

/* A dry run as api_commands.c runs one: savepoint, apply, roll back. The
 * state (its hash) must be exactly as before, and the invariants hold. */
static int sim__dry_run(struct sim *s, const struct request_cmds *rc) {
    struct engine *e = &s->chain.engine;
    struct event_buf events = {0};
    enum err results[SIM_BATCH_MAX];
    struct apply_result ars[SIM_BATCH_MAX];
    uint32_t ends[SIM_BATCH_MAX];
    struct hash before;
    struct hash after;
    engine_state_hash(e, &before);
    enum err err = chain_events_reserve(&events, rc->count);
    if (!err) err = engine_reserve(e, rc->count);
    if (!err) err = engine_savepoint(e);
    if (!err) {
        engine_block_begin(e, 0);
        chain_apply_request(e, rc->cmds, rc->count, rc->atomic, 1, &events, results, ars, ends);
        engine_rollback(e);
    }
    chain_events_free(&events);
    s->counts.dry_runs++;
    engine_state_hash(e, &after);
    if (err) return sim_failf(s, "a dry run could not run: %s", err_name(err));
    if (memcmp(before.bytes, after.bytes, HASH_BYTES) != 0) {
        return sim_failf(s, "a dry run changed the state hash");
    }
    return 0;
}

/* Fill the seq_item exactly as api__submit does. */
static void sim__item_fill(struct sim__item *it, int op) {
    buf_init(&it->bin);
    for (uint32_t i = 0; i < it->rc.count; i++) command_encode(&it->rc.cmds[i], &it->bin);
    struct seq_item *q = &it->item;
    memset(q, 0, sizeof(*q));
    q->cmds = it->rc.cmds;
    q->count = it->rc.count;
    q->atomic = it->rc.atomic;
    q->operator_index = (uint32_t)op;
    q->journal.time_ms = 0;
    q->journal.nonce = it->nonce;
    q->journal.signature = it->signature;
    q->journal.method = "POST";
    q->journal.path = "/api/commands";
    q->journal.body = (const uint8_t *)it->req.body;
    q->journal.body_len = it->req.len;
    q->journal.body_hash = it->body_hash;
    q->journal.commands = it->bin.data;
    q->journal.commands_len = it->bin.len;
}

/* Admit one request: 1 queued, 0 refused as expected, -1 a check failed. */
static int sim__admit(struct sim *s, struct sim__item *it) {
    struct sim_client *c = &s->clients[it->req.client];
    s->time_ms += 1 + (int64_t)sim_below(s, 50);
    snprintf(it->time_text, sizeof(it->time_text), "%lld", (long long)s->time_ms);
    struct sim_out *out = sim_model_new(s, &it->id);
    if (out == NULL) return sim_failf(s, "out of memory");
    snprintf(it->nonce, sizeof(it->nonce), "n%llu", (unsigned long long)it->id);
    if (sig_sign(c->seeds[it->req.key], "POST", "/api/commands", it->time_text, it->nonce,
                 (const uint8_t *)it->req.body, it->req.len, it->signature) != 0) {
        return sim_failf(s, "libsodium could not sign");
    }
    s->counts.requests++;
    int op = -1;
    enum err want = c->removed ? ERR_AUTH_OPERATOR : it->req.key != c->key ? ERR_AUTH_SIGNATURE : ERR_OK;
    enum err err = sim__auth(s, it, &op);
    if (err != want) {
        return sim_failf(s, "admission of a request by %s: %s, expected %s", c->name, err_name(err),
                         err_name(want));
    }
    char why[160] = "";
    if (!err) err = request_parse(&s->chain.engine, (const uint8_t *)it->req.body, it->req.len,
                                  (uint32_t)op, &it->rc, why, sizeof(why));
    if (!err && it->req.bad) return sim_failf(s, "a malformed body was admitted: %s", it->req.body);
    if (want == ERR_OK && err && !it->req.bad) {
        return sim_failf(s, "a valid body was refused (%s: %s): %s", err_name(err), why, it->req.body);
    }
    if (err) {
        s->counts.refused_admission++;
        return 0;
    }
    if (it->rc.dry_run) {
        int rc = sim__dry_run(s, &it->rc);
        request_cmds_free(&it->rc);
        return rc < 0 ? -1 : 0;
    }
    sim__item_fill(it, op);
    it->item.journal.operator_name = c->name;
    it->item.journal.time_ms = s->time_ms;
    memcpy(it->item.pubkey, s->chain.engine.s.operators[op].pubkey, sizeof(it->item.pubkey));
    out->client = (uint8_t)it->req.client;
    out->count = it->rc.count;
    s->counts.admitted++;
    return 1;
}

/* ---- the outcome of a round ---------------------------------------------------- */

/* What the ledger did to each operator earlier in this block. */
struct sim__flags {
    uint8_t removed[SIM_OPERATORS];
    uint8_t changed[SIM_OPERATORS];
};

static void sim__effects(struct sim__flags *fl, const struct sim__item *it) {
    for (uint32_t k = 0; k < it->item.count; k++) {
        uint8_t t = it->req.effect_op[k];
        if (!it->req.effect[k] || it->item.results[k] != ERR_OK) continue;
        if (it->req.effect[k] == 'x') fl->removed[t] = 1;
        if (it->req.effect[k] == 'a') fl->removed[t] = 0;
        if (it->req.effect[k] != 'x') fl->changed[t] = 1;
    }
}

static int sim__record(struct sim *s, struct sim__item *it, enum sim_state state) {
    struct sim_out *o = sim_model_get(s, it->id);
    o->state = (uint8_t)state;
    o->block = it->item.block;
    o->first_seq = it->item.journal.first_seq;
    o->results = calloc(it->item.count, sizeof(*o->results));
    if (o->results == NULL) return sim_failf(s, "out of memory");
    for (uint32_t k = 0; k < it->item.count; k++) o->results[k] = (uint16_t)it->item.results[k];
    if (state == SIM_ACKED) s->model.acked++;
    if (state == SIM_UNKNOWN) s->model.unknown_pending = 1;
    return 0;
}

/* One item's fate against what the rules predict: refused whole when its
 * signer's key was replaced or its signer removed by an earlier request of
 * the block; else applied, and acknowledged unless the block failed. */
static int sim__outcome(struct sim *s, struct sim__item *it, struct sim__flags *fl, int broken_before) {
    const char *who = s->clients[it->req.client].name;
    uint32_t op = it->req.client;
    enum err want = fl->removed[op] ? ERR_AUTH_OPERATOR : fl->changed[op] ? ERR_AUTH_SIGNATURE : ERR_OK;
    enum err fatal = it->item.fatal;
    sim_log(s, "  n%llu by %s: %s %s", (unsigned long long)it->id, who,
            fatal ? err_name(fatal) : "ok", it->req.body);
    if (broken_before) {
        if (fatal != ERR_STORE_IO) {
            return sim_failf(s, "a write to a broken chain was answered %s, not ERR_STORE_IO",
                             err_name(fatal));
        }
        return sim__record(s, it, SIM_REFUSED);
    }
    if (fatal == ERR_AUTH_SIGNATURE || fatal == ERR_AUTH_OPERATOR || want != ERR_OK) {
        if (fatal != want) {
            return sim_failf(s, "request n%llu by %s: the sequencer said %s, expected %s (key "
                             "replaced or operator removed earlier in the block: %s)",
                             (unsigned long long)it->id, who, err_name(fatal), err_name(want),
                             want ? "yes" : "no");
        }
        s->counts.stale_refused++;
        return sim__record(s, it, SIM_REFUSED);
    }
    if (fatal != ERR_OK && fatal != ERR_STORE_IO) {
        return sim_failf(s, "request n%llu: unexpected %s", (unsigned long long)it->id, err_name(fatal));
    }
    sim__effects(fl, it);
    return sim__record(s, it, fatal ? SIM_UNKNOWN : SIM_ACKED);
}

static void sim__item_free(struct sim__item *it) {
    if (it->queued) {
        seq_item_free(&it->item);
        buf_free(&it->bin);
    }
    request_cmds_free(&it->rc);
}

static int sim__admit_all(struct sim *s, struct sim__item *items, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        sim__build(s, &items[i].req);
        int rc = sim__admit(s, &items[i]);
        if (rc < 0) return -1;
        if (rc == 0) continue;
        items[i].queued = 1;
        sequencer_enqueue(s->seq, &items[i].item);
    }
    return 0;
}

int sim_round(struct sim *s) {
    uint32_t n = 1 + (uint32_t)sim_below(s, SIM_ROUND_MAX);
    struct sim__item *items = calloc(n, sizeof(*items));
    if (items == NULL) return sim_failf(s, "out of memory");
    s->counts.rounds++;
    int rc = sim__admit_all(s, items, n);
    int broken_before = s->chain.broken;
    sim_faults_apply(s);
    sequencer_run_now(s->seq);
    sim_faults_off();
    struct sim__flags fl;
    memset(&fl, 0, sizeof(fl));
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        if (!items[i].queued) continue;
        if (!items[i].item.done) rc = sim_failf(s, "an item was left undecided by run_now");
        else rc = sim__outcome(s, &items[i], &fl, broken_before);
    }
    if (rc == 0 && !broken_before && s->chain.broken) s->counts.failed_blocks++;
    if (rc == 0 && !simvfs_crashed()) rc = sim_clients_sync(s);
    for (uint32_t i = 0; i < n; i++) sim__item_free(&items[i]);
    free(items);
    return rc;
}
