/*
 * test_random_gov.c - a seeded random sequence over the foundation ops and
 * the controls and governance ops: mint, burn, transfer, pause/unpause
 * (global and per asset), mint_halt/mint_resume, blacklist.add/remove,
 * freeze/unfreeze (address, asset, partial amount), forced_transfer,
 * recover, rescue, dev.advance, approve/cancel of the proposals that
 * the two-approval policies of a subset of ops create, on a fiat
 * asset, reserve.report and por.publish, and on a security asset (SEC,
 * partitions A and B, every value-moving op naming one; mint and burn
 * need SPEC 4's two approvals) identity.register/remove and
 * claim.set/revoke after a first block that registers every address;
 * and the alert loop's journaled side (issue 10): incident.open/ack/note/
 * resolve, maintenance.start/end, caps.set entries in the timelock that
 * timelock.expedite (two admins, during an open P0/P1) or timelock.execute
 * runs, and the built-in system operator's pause, mint_halt and incident
 * commands (and its refused attempts at anything else).
 *
 * 10,000 commands over 40 addresses and four assets, from four operators
 * (two holding every role needed, one holding some roles for USDW only,
 * one viewer), in blocks of random size and time. After EVERY command:
 *   - engine_check_invariants (supply = minted - burned = sum of balances,
 *     holder counts, frozen <= balance, the restricted records count);
 *   - a rejected command emitted nothing, consumed exactly one seq and
 *     changed nothing else (snapshot bytes compared, seq discounted);
 *   - no balance increased on an address that was blacklisted or frozen
 *     (address-wide, or for that asset) when the command ran;
 *   - a mint, burn or transfer that succeeded was not paused (nor, for a
 *     mint, halted) and none of its parties was blacklisted or frozen;
 *   - no SEC partition balance rose on an address that is not verified at
 *     that block time (identity, claims, country, no_us_persons), whatever
 *     raised it (a released mint, a transfer, an agent's tool, recover);
 *   - a proof-of-reserves publication covers exactly the holders and the
 *     supply of that moment, and every holder's proof verifies;
 *   - the system operator ran only pause, mint_halt, incident.open and
 *     incident.note, each at once, and was refused anything else;
 *   - the incident table and the maintenance ring stay well formed (ids
 *     ascending, at most LIMIT_INCIDENTS / LIMIT_MAINTENANCE, times in
 *     order), and an entry was expedited only during an open P0/P1.
 * Then the recorded sequence is replayed into a fresh engine (same blocks,
 * same times, another table size): same result for every command, same
 * state hash after every block; and a snapshot taken midway plus the rest
 * gives the same hashes to the end.
 *
 * The seed is printed; MINTLINE_RANDOM_SEED=N reruns another sequence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/hex.h"
#include "../../src/engine/compliance.h"
#include "../../src/engine/incident.h"
#include "../../src/engine/por.h"
#include "../../src/engine/restrict.h"
#include "../support/engine_fixture.h"

#define SEED_DEFAULT 20260415u
#define COMMANDS 10000u
#define ADDRESSES 40u
#define ASSETS 4u
#define FIAT 2u /* the index of FIA */
#define SEC 3u  /* the index of the security asset */
#define SEC_PARTS 2u
#define OPERATORS 5u
#define SYSTEM 4u /* the system operator, made by the genesis "system" entry */
#define BLOCK_MAX 100u
#define JSON_MAX 320u
#define RECENT_IDS 16u

static const char *const asset_symbols[ASSETS] = {"USDW", "GOLD", "FIA", "SEC"};
static const unsigned asset_decimals[ASSETS] = {6, 18, 2, 0};
static const char *const sec_parts[SEC_PARTS] = {"A", "B"};
static const char *const operator_names[OPERATORS] = {"boss", "boss2", "mu", "viewer", "system"};

static struct addr addr_table[ADDRESSES];
static char addr_text[ADDRESSES][ADDR_TEXT_SIZE];

static void addr_table_init(void) {
    for (uint32_t k = 0; k < ADDRESSES; k++) {
        fixture_addr_text(k, addr_text[k]);
        addr_table[k] = fixture_addr_parse(addr_text[k]);
    }
}

/* Two-approval policies for a subset of ops; every other op of the mix
 * runs at once (the defaults of SPEC 4 would make most of them wait). */
static json_t *random_genesis(void) {
    json_t *doc = fixture_genesis_new();
    fixture_genesis_add_operator(doc, "boss",
                                 "admin,minter,burner,transfer_agent,pauser,compliance,agent,"
                                 "reserve_reporter,treasury_manager,incident_manager");
    fixture_genesis_add_operator(doc, "boss2",
                                 "admin,minter,burner,transfer_agent,pauser,compliance,agent,"
                                 "reserve_reporter,incident_manager");
    fixture_genesis_add_operator(doc, "mu", "minter@USDW,burner@USDW,compliance@USDW,agent@USDW");
    fixture_genesis_add_operator(doc, "viewer", "viewer");
    json_t *a = fixture_genesis_add_asset(doc, "USDW", "plain", "6");
    json_object_set_new(a, "supply_cap", json_string("900000000"));
    fixture_genesis_add_asset(doc, "GOLD", "plain", "18");
    a = fixture_genesis_add_asset(doc, "FIA", "fiat", "2");
    json_object_set_new(a, "reserve_quorum", json_string("1"));
    a = fixture_genesis_add_asset(doc, "SEC", "security", "0");
    json_object_set_new(a, "max_holders", json_string("30"));
    json_object_set_new(a, "blocked_countries", json_pack("[s]", "KP"));
    json_object_set_new(a, "partitions", json_pack("[{s:s}, {s:s, s:s}]", "name", "A", "name", "B",
                                                   "no_us_persons", "true"));
    static const struct {
        const char *op;
        const char *asset;
        const char *approvals;
    } rows[] = {
        {"unpause", NULL, "2"},          {"mint_resume", NULL, "2"},
        {"blacklist.add", NULL, "2"},    {"blacklist.remove", NULL, "1"},
        {"freeze", NULL, "1"},           {"unfreeze", NULL, "1"},
        {"forced_transfer", NULL, "1"},  {"recover", NULL, "1"},
        {"rescue", NULL, "2"},           {"mint", "GOLD", "2"},
        {"mint", "SEC", "1"}, /* SEC's burn keeps SPEC 4's two approvals */
    };
    json_t *policies = json_array();
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        json_t *p = json_pack("{s:s, s:s}", "op", rows[i].op, "approvals", rows[i].approvals);
        if (rows[i].asset) json_object_set_new(p, "asset", json_string(rows[i].asset));
        json_array_append_new(policies, p);
    }
    json_object_set_new(doc, "policies", policies);
    char pk[65];
    fixture_pubkey_hex(99, pk);
    json_object_set_new(doc, "system", json_pack("{s:s}", "pubkey", pk));
    json_object_set_new(doc, "emergency_approvals", json_string("2"));
    return doc;
}

/* ------------------------------------------------------------------ */
/* reads                                                              */
/* ------------------------------------------------------------------ */

static u128 balance_of(const struct fixture *f, unsigned asset, uint32_t k) {
    return engine_balance(&f->e, asset, &addr_table[k]);
}

static u128 part_of(const struct fixture *f, unsigned p, uint32_t k) {
    return compliance_partition_balance(&f->e, SEC, p, &addr_table[k]);
}

static u128 frozen_of(const struct fixture *f, unsigned asset, uint32_t k) {
    return restrict_frozen_amount(&f->e, (uint16_t)asset, &addr_table[k]);
}

/* Blacklisted, or frozen for the whole address or this asset. */
static int restricted(const struct fixture *f, unsigned asset, uint32_t k) {
    uint32_t flags = restrict_address_flags(&f->e, &addr_table[k]);
    return (flags & (RESTRICT_BLACKLISTED | RESTRICT_FROZEN)) != 0 ||
           restrict_asset_frozen(&f->e, (uint16_t)asset, &addr_table[k]);
}

/* ------------------------------------------------------------------ */
/* command generation                                                 */
/* ------------------------------------------------------------------ */

enum gop {
    G_MINT, G_BURN, G_TRANSFER, G_PAUSE, G_UNPAUSE, G_HALT, G_RESUME, G_BL_ADD, G_BL_REMOVE,
    G_FREEZE, G_UNFREEZE, G_FORCED, G_RECOVER, G_RESCUE, G_ADVANCE, G_APPROVE, G_CANCEL,
    G_REPORT, G_POR, G_IDENTITY, G_INCIDENT, G_MAINTENANCE, G_CAPS, G_EXPEDITE
};

struct gcmd {
    enum gop op;
    uint32_t who;
    int asset; /* -1: none */
    uint32_t from;
    uint32_t to;
};

static struct {
    uint64_t ids[RECENT_IDS]; /* recent proposal ids */
    uint32_t count;
} recent;

static void recent_add(uint64_t id) {
    recent.ids[recent.count % RECENT_IDS] = id;
    recent.count++;
}

/* A proposal id: a pending unpause, mint_resume or timelock.expedite first
 * when there is one (so pauses do not last for ever, and expedites meet
 * incidents resolved meanwhile), the latest, a recent, or any number. */
static uint64_t recent_pick(const struct fixture *f) {
    if (fixture_rng_percent(40)) {
        for (uint32_t i = 0; i < f->e.s.proposals_count; i++) {
            const struct proposal *p = &f->e.s.proposals[i];
            if (p->cmd.op == OP_UNPAUSE || p->cmd.op == OP_MINT_RESUME ||
                p->cmd.op == OP_TIMELOCK_EXPEDITE) {
                return p->id;
            }
        }
    }
    if (recent.count == 0 || fixture_rng_percent(5)) return 1 + fixture_rng_below(f->e.s.next_proposal_id + 2);
    if (fixture_rng_percent(60)) return recent.ids[(recent.count - 1) % RECENT_IDS]; /* the latest */
    uint32_t n = recent.count < RECENT_IDS ? recent.count : RECENT_IDS;
    return recent.ids[fixture_rng_below(n)];
}

/* An amount around `edge` (a balance, a free or frozen amount): the edge,
 * half, one more, or something small or large; never zero. */
static u128 pick_amount(unsigned asset, u128 edge) {
    u128 unit = u128_pow10(asset_decimals[asset]);
    uint64_t k = fixture_rng_below(100);
    u128 v;
    if (k < 30) v = edge;
    else if (k < 45) v = edge / 2;
    else if (k < 55) v = edge + 1;
    else if (k < 80) v = (1 + (u128)fixture_rng_below(1000)) * unit;
    else if (k < 95) v = (1 + (u128)fixture_rng_below(1000000)) * unit / 1000;
    else v = (u128)fixture_rng_below(100000000) * unit;
    return v == 0 ? 1 : v;
}

static const char *const durations[] = {"1s", "90s", "15m", "1h", "6h", "13h", "1d"};

static uint32_t pick_who(int approving) {
    uint64_t k = fixture_rng_below(100);
    if (approving) return k < 65 ? 1 : k < 82 ? 0 : k < 94 ? 2 : 3;
    return k < 76 ? 0 : k < 86 ? 1 : k < 94 ? 2 : 3;
}

static enum gop pick_op(void) {
    static const struct {
        enum gop op;
        unsigned weight;
    } mix[] = {{G_MINT, 15},     {G_BURN, 7},        {G_TRANSFER, 13}, {G_PAUSE, 1},
               {G_UNPAUSE, 4},   {G_HALT, 1},        {G_RESUME, 3},    {G_BL_ADD, 4},
               {G_BL_REMOVE, 4}, {G_FREEZE, 6},      {G_UNFREEZE, 6},  {G_FORCED, 5},
               {G_RECOVER, 2},   {G_RESCUE, 4},      {G_ADVANCE, 2},   {G_APPROVE, 11},
               {G_CANCEL, 3},    {G_REPORT, 3},      {G_POR, 2},       {G_IDENTITY, 3},
               {G_INCIDENT, 5},  {G_MAINTENANCE, 2}, {G_CAPS, 1},      {G_EXPEDITE, 2}};
    uint64_t k = fixture_rng_below(110);
    for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
        if (k < mix[i].weight) return mix[i].op;
        k -= mix[i].weight;
    }
    return G_TRANSFER;
}

/* Freeze or unfreeze: address-wide, for the asset, or an amount. */
static void freeze_json(const struct fixture *f, const struct gcmd *c, char json[JSON_MAX]) {
    const char *op = c->op == G_FREEZE ? "freeze" : "unfreeze";
    const char *sym = asset_symbols[c->asset];
    uint64_t k = fixture_rng_below(100);
    unsigned wide = c->op == G_FREEZE ? 10 : 30; /* unfreeze more than freeze, so some stay clean */
    if (k < wide) {
        snprintf(json, JSON_MAX, "{\"op\":\"%s\",\"address\":\"%s\"}", op, addr_text[c->from]);
    } else if (k < 2 * wide) {
        snprintf(json, JSON_MAX, "{\"op\":\"%s\",\"address\":\"%s\",\"asset\":\"%s\"}", op,
                 addr_text[c->from], sym);
    } else {
        u128 b = balance_of(f, (unsigned)c->asset, c->from);
        u128 fr = frozen_of(f, (unsigned)c->asset, c->from);
        u128 edge = c->op == G_FREEZE ? b - fr : fr;
        char amount[AMOUNT_TEXT_SIZE];
        amount_format(pick_amount((unsigned)c->asset, edge), asset_decimals[c->asset], amount);
        snprintf(json, JSON_MAX,
                 "{\"op\":\"%s\",\"address\":\"%s\",\"asset\":\"%s\",\"amount\":\"%s\"}", op,
                 addr_text[c->from], sym, amount);
    }
}

/* ,"partition":"A" for most SEC moves; none (refused) now and then. */
static const char *partition_field(int asset) {
    if (asset != (int)SEC) return "";
    uint64_t k = fixture_rng_below(100);
    return k < 50 ? ",\"partition\":\"A\"" : k < 95 ? ",\"partition\":\"B\"" : "";
}

/* identity.register (a country, US or KP sometimes), identity.remove,
 * claim.set (kyc, days ahead) or claim.revoke. */
static void identity_json(const struct fixture *f, const char *addr, char json[JSON_MAX]) {
    uint64_t k = fixture_rng_below(100);
    if (k < 35) {
        static const char *const cc[] = {"DE", "DE", "FR", "US", "US", "KP"};
        snprintf(json, JSON_MAX, "{\"op\":\"identity.register\",\"address\":\"%s\",\"country\":\"%s\"}",
                 addr, cc[fixture_rng_below(6)]);
    } else if (k < 45) {
        snprintf(json, JSON_MAX, "{\"op\":\"identity.remove\",\"address\":\"%s\"}", addr);
    } else if (k < 90) {
        /* Some expire within the run, some outlast it. */
        static const int32_t ahead[] = {1, 2, 4, 9, 300};
        char date[12];
        date_format((int32_t)(f->e.s.time_ns / NS_PER_DAY) + ahead[fixture_rng_below(5)], date);
        snprintf(json, JSON_MAX,
                 "{\"op\":\"claim.set\",\"address\":\"%s\",\"topic\":\"kyc\",\"expires\":\"%s\"}", addr,
                 date);
    } else {
        snprintf(json, JSON_MAX, "{\"op\":\"claim.revoke\",\"address\":\"%s\",\"topic\":\"kyc\"}", addr);
    }
}

/* incident.open (any severity, P1 most, sometimes about an asset or an
 * alert), or ack, note or resolve of one of the latest ids (sometimes one
 * not held yet). */
static void incident_json(const struct fixture *f, char json[JSON_MAX]) {
    uint64_t next = f->e.s.inc.next_incident_id;
    uint64_t k = fixture_rng_below(100);
    if (k < 25 || next == 0) {
        static const char *const sev[] = {"P0", "P1", "P2", "P3", "P3"};
        char extra[96] = "";
        if (fixture_rng_percent(40)) {
            snprintf(extra, sizeof(extra), ",\"asset\":\"%s\"",
                     asset_symbols[fixture_rng_below(ASSETS)]);
        }
        if (fixture_rng_percent(30)) {
            size_t n = strlen(extra);
            snprintf(extra + n, sizeof(extra) - n, ",\"alert\":\"%016llx\"",
                     (unsigned long long)(1 + fixture_rng_below(UINT64_MAX - 1)));
        }
        snprintf(json, JSON_MAX,
                 "{\"op\":\"incident.open\",\"severity\":\"%s\",\"title\":\"incident %llu\"%s}",
                 sev[fixture_rng_below(5)], (unsigned long long)next + 1, extra);
        return;
    }
    uint64_t id = fixture_rng_percent(92) ? next - fixture_rng_below(next < 6 ? next : 6)
                                          : next + 1 + fixture_rng_below(3);
    if (k < 40) {
        snprintf(json, JSON_MAX, "{\"op\":\"incident.ack\",\"id\":%llu}", (unsigned long long)id);
    } else if (k < 50) {
        snprintf(json, JSON_MAX, "{\"op\":\"incident.note\",\"id\":%llu,\"text\":\"looking\"}",
                 (unsigned long long)id);
    } else {
        /* mostly the emergency, so that there are spells without one */
        const struct incident *em = incident_emergency((struct engine *)&f->e);
        if (em != NULL && fixture_rng_percent(70)) id = em->id;
        snprintf(json, JSON_MAX, "{\"op\":\"incident.resolve\",\"id\":%llu,\"summary\":\"done\"}",
                 (unsigned long long)id);
    }
}

/* maintenance.start (up to 7d, sometimes longer: refused) or end. */
static void maintenance_json(char json[JSON_MAX]) {
    static const char *const d[] = {"30m", "2h", "6h", "1d", "7d", "604801s", "8d"};
    if (fixture_rng_percent(30)) {
        snprintf(json, JSON_MAX, "{\"op\":\"maintenance.end\"}");
        return;
    }
    snprintf(json, JSON_MAX,
             "{\"op\":\"maintenance.start\",\"duration\":\"%s\",\"reason\":\"window\"}",
             d[fixture_rng_below(sizeof(d) / sizeof(d[0]))]);
}

/* A timelock entry: one waiting, mostly; sometimes any number. */
static uint64_t timelock_pick(const struct fixture *f) {
    if (f->e.s.timelock_count > 0 && fixture_rng_percent(85)) {
        return f->e.s.timelock[fixture_rng_below(f->e.s.timelock_count)].id;
    }
    return 1 + fixture_rng_below(f->e.s.next_timelock_id + 2);
}

static void random_command(const struct fixture *f, struct gcmd *c, char json[JSON_MAX]) {
    memset(c, 0, sizeof(*c));
    c->op = pick_op();
    c->who = pick_who(c->op == G_APPROVE);
    /* the system operator: its own ops now and then, anything else rarely */
    unsigned system_share = c->op == G_PAUSE || c->op == G_HALT || c->op == G_INCIDENT ? 15 : 1;
    if (fixture_rng_percent(system_share)) c->who = SYSTEM;
    c->asset = c->op == G_MINT && fixture_rng_percent(60) ? 0 : (int)fixture_rng_below(ASSETS); /* GOLD mints wait */
    if (c->op == G_MINT && fixture_rng_percent(25)) c->asset = (int)SEC;
    /* SEC is never paused or halted here (test_random pauses it): its
     * moves meet freezes, blacklists and check 5 instead. */
    if (c->asset == (int)SEC && (c->op == G_PAUSE || c->op == G_UNPAUSE || c->op == G_HALT ||
                                 c->op == G_RESUME)) {
        c->asset = 1;
    }
    c->from = (uint32_t)fixture_rng_below(ADDRESSES);
    c->to = fixture_rng_percent(3) ? c->from : (uint32_t)fixture_rng_below(ADDRESSES);
    const char *sym = asset_symbols[c->asset];
    const char *from = addr_text[c->from];
    const char *to = addr_text[c->to];
    unsigned asset = (unsigned)c->asset;
    char amount[AMOUNT_TEXT_SIZE];
    u128 b = balance_of(f, asset, c->from);
    switch (c->op) {
    case G_MINT:
        amount_format(pick_amount(asset, (1 + (u128)fixture_rng_below(5000)) * u128_pow10(asset_decimals[asset])),
                      asset_decimals[asset], amount);
        snprintf(json, JSON_MAX, "{\"op\":\"mint\",\"asset\":\"%s\",\"to\":\"%s\",\"amount\":\"%s\"%s}",
                 sym, to, amount, partition_field(c->asset));
        return;
    case G_BURN:
        amount_format(pick_amount(asset, b), asset_decimals[asset], amount);
        snprintf(json, JSON_MAX,
                 "{\"op\":\"burn\",\"asset\":\"%s\",\"from\":\"%s\",\"amount\":\"%s\"%s}", sym, from,
                 amount, partition_field(c->asset));
        return;
    case G_TRANSFER:
    case G_FORCED:
    case G_RESCUE: {
        u128 edge = b;
        if (c->op == G_TRANSFER && fixture_rng_percent(50)) edge = b - frozen_of(f, asset, c->from);
        amount_format(pick_amount(asset, edge), asset_decimals[asset], amount);
        const char *op = c->op == G_TRANSFER ? "transfer" : c->op == G_FORCED ? "forced_transfer" : "rescue";
        snprintf(json, JSON_MAX,
                 "{\"op\":\"%s\",\"asset\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"amount\":\"%s\"%s}",
                 op, sym, from, to, amount, partition_field(c->asset));
        return;
    }
    case G_RECOVER:
        snprintf(json, JSON_MAX, "{\"op\":\"recover\",\"asset\":\"%s\",\"lost\":\"%s\",\"new\":\"%s\"}",
                 sym, from, to);
        return;
    case G_PAUSE:
    case G_UNPAUSE:
    case G_HALT:
    case G_RESUME: {
        const char *op = c->op == G_PAUSE     ? "pause"
                         : c->op == G_UNPAUSE ? "unpause"
                         : c->op == G_HALT    ? "mint_halt"
                                              : "mint_resume";
        if ((c->op == G_PAUSE || c->op == G_UNPAUSE) && fixture_rng_percent(c->op == G_PAUSE ? 10 : 30)) {
            c->asset = -1;
            snprintf(json, JSON_MAX, "{\"op\":\"%s\"}", op);
        } else {
            snprintf(json, JSON_MAX, "{\"op\":\"%s\",\"asset\":\"%s\"}", op, sym);
        }
        return;
    }
    case G_BL_ADD:
    case G_BL_REMOVE:
        c->asset = -1;
        snprintf(json, JSON_MAX, "{\"op\":\"%s\",\"address\":\"%s\"}",
                 c->op == G_BL_ADD ? "blacklist.add" : "blacklist.remove", from);
        return;
    case G_FREEZE:
    case G_UNFREEZE: freeze_json(f, c, json); return;
    case G_ADVANCE:
        c->asset = -1;
        snprintf(json, JSON_MAX, "{\"op\":\"dev.advance\",\"duration\":\"%s\"}",
                 durations[fixture_rng_below(sizeof(durations) / sizeof(durations[0]))]);
        return;
    case G_APPROVE:
    case G_CANCEL:
        c->asset = -1;
        snprintf(json, JSON_MAX, "{\"op\":\"%s\",\"id\":%llu}",
                 c->op == G_APPROVE ? "approve" : "cancel", (unsigned long long)recent_pick(f));
        return;
    case G_IDENTITY:
        c->asset = -1;
        identity_json(f, from, json);
        return;
    case G_INCIDENT:
        c->asset = -1;
        incident_json(f, json);
        return;
    case G_MAINTENANCE:
        c->asset = -1;
        maintenance_json(json);
        return;
    case G_CAPS:
        /* a day in the timelock (SPEC 4's default); a cap far above GOLD's supply */
        c->asset = -1;
        snprintf(json, JSON_MAX,
                 "{\"op\":\"caps.set\",\"asset\":\"GOLD\",\"supply_cap\":\"%llu000000000\"}",
                 (unsigned long long)(1 + fixture_rng_below(9)));
        return;
    case G_EXPEDITE:
        c->asset = -1;
        snprintf(json, JSON_MAX, "{\"op\":\"%s\",\"id\":%llu}",
                 fixture_rng_percent(75) ? "timelock.expedite" : "timelock.execute",
                 (unsigned long long)timelock_pick(f));
        return;
    case G_REPORT:
    case G_POR:
        /* mostly the fiat asset; sometimes another, to be refused */
        c->asset = fixture_rng_percent(95) ? (int)FIAT : (int)fixture_rng_below(ASSETS);
        sym = asset_symbols[c->asset];
        if (c->op == G_REPORT) {
            /* usually ample, sometimes short of the supply */
            u128 amount_units = fixture_rng_percent(85) ? (u128)1000000000000u : (u128)fixture_rng_below(2000000) + 1;
            amount_format(amount_units, asset_decimals[c->asset], amount);
            snprintf(json, JSON_MAX, "{\"op\":\"reserve.report\",\"asset\":\"%s\",\"amount\":\"%s\"}", sym,
                     amount);
        } else {
            uint8_t salt[HASH_BYTES];
            for (unsigned i = 0; i < HASH_BYTES; i += 8) {
                uint64_t r = fixture_rng_next();
                memcpy(salt + i, &r, 8);
            }
            char hex[HASH_HEX_SIZE];
            hex_encode(salt, HASH_BYTES, hex);
            snprintf(json, JSON_MAX, "{\"op\":\"por.publish\",\"asset\":\"%s\",\"salt\":\"%s\"}", sym, hex);
        }
        return;
    }
}

/* ------------------------------------------------------------------ */
/* the recorded run                                                   */
/* ------------------------------------------------------------------ */

struct rcmd {
    char json[JSON_MAX];
    uint8_t who;
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
    unsigned proposed;
    unsigned released_ok;
    unsigned released_failed;
    unsigned cancelled;
    unsigned balance_raised;
    unsigned published;
    unsigned sec_landings;
    unsigned incidents_opened;
    unsigned expedited;
    unsigned expedite_failed; /* released after the emergency ended: ProposalFailed */
    unsigned system_ran;
    unsigned system_refused;
    unsigned windows_replaced;
} run;

/* The state before a command, for the checks after it. */
struct before {
    struct buf snap;
    uint64_t seq;
    u128 balance[ASSETS][ADDRESSES];
    u128 part[SEC_PARTS][ADDRESSES];
    uint8_t restricted[ASSETS][ADDRESSES];
    uint8_t paused[ASSETS];
    uint8_t halted[ASSETS];
    uint8_t emergency; /* an unresolved P0/P1 incident */
};

static void before_take(const struct fixture *f, struct before *b) {
    buf_init(&b->snap);
    engine_snapshot_write(&f->e, &b->snap);
    assert_true(buf_ok(&b->snap));
    b->seq = f->e.s.next_seq;
    b->emergency = incident_emergency((struct engine *)&f->e) != NULL;
    for (unsigned i = 0; i < ASSETS; i++) {
        b->paused[i] = f->e.s.paused || f->e.s.assets[i].paused;
        b->halted[i] = f->e.s.assets[i].mint_halted;
        for (uint32_t k = 0; k < ADDRESSES; k++) {
            b->balance[i][k] = balance_of(f, i, k);
            b->restricted[i][k] = (uint8_t)restricted(f, i, k);
        }
    }
    for (unsigned p = 0; p < SEC_PARTS; p++) {
        for (uint32_t k = 0; k < ADDRESSES; k++) b->part[p][k] = part_of(f, p, k);
    }
}

/* Is k a receiver SEC's partition p may credit now (SPEC 3's invariant)? */
static int sec_verified(const struct fixture *f, unsigned p, uint32_t k) {
    const struct asset_rules *r = &f->e.s.rules[SEC];
    int64_t today = f->e.s.time_ns / NS_PER_DAY;
    struct identity id;
    identity_read(&f->e, &addr_table[k], &id);
    if (!id.registered) return 0;
    unsigned need = r->required_claims | r->partitions[p].required_claims;
    for (unsigned t = 0; t < CLAIM__COUNT; t++) {
        if ((need & CLAIM_BIT(t)) && id.expires[t] <= today) return 0;
    }
    unsigned c = country_index(id.country);
    if (r->blocked_count && (r->blocked[c / 64] >> (c % 64) & 1u)) return 0;
    if (r->allowed_count && !(r->allowed[c / 64] >> (c % 64) & 1u)) return 0;
    return !(r->partitions[p].no_us_persons && id.country == COUNTRY_US);
}

static void check_rejected_changed_nothing(struct fixture *f, const struct before *b, size_t index,
                                           const char *json, enum err err) {
    if (f->events.count != 0) fail_msg("command %zu (%s): %s but emitted events", index, json, err_name(err));
    if (f->e.s.next_seq != b->seq + 1) fail_msg("command %zu (%s): seq not consumed once", index, json);
    f->e.s.next_seq = b->seq;
    struct buf after;
    buf_init(&after);
    engine_snapshot_write(&f->e, &after);
    f->e.s.next_seq = b->seq + 1;
    assert_true(buf_ok(&after));
    int same = after.len == b->snap.len && memcmp(after.data, b->snap.data, after.len) == 0;
    buf_free(&after);
    if (!same) fail_msg("command %zu (%s): rejected with %s but the state changed", index, json, err_name(err));
}

static void check_accepted(struct fixture *f, const struct before *b, const struct gcmd *c,
                           size_t index, const char *json) {
    for (unsigned i = 0; i < ASSETS; i++) {
        for (uint32_t k = 0; k < ADDRESSES; k++) {
            u128 now = balance_of(f, i, k);
            if (now <= b->balance[i][k]) continue;
            run.balance_raised++;
            if (b->restricted[i][k]) {
                fail_msg("command %zu (%s as %s): %s balance of %s rose while it was blacklisted "
                         "or frozen",
                         index, json, operator_names[c->who], asset_symbols[i], addr_text[k]);
            }
        }
    }
    for (unsigned p = 0; p < SEC_PARTS; p++) {
        for (uint32_t k = 0; k < ADDRESSES; k++) {
            if (part_of(f, p, k) <= b->part[p][k]) continue;
            run.sec_landings++;
            if (!sec_verified(f, p, k)) {
                fail_msg("command %zu (%s as %s): SEC %s landed on %s, not verified", index, json,
                         operator_names[c->who], sec_parts[p], addr_text[k]);
            }
        }
    }
    /* A direct mint, burn or transfer that ran (not one that only proposed). */
    if (f->result.pending != APPLY_DONE) return;
    if (c->op != G_MINT && c->op != G_BURN && c->op != G_TRANSFER) return;
    unsigned a = (unsigned)c->asset;
    if (b->paused[a]) fail_msg("command %zu (%s): ran while paused", index, json);
    if (c->op == G_MINT && b->halted[a]) fail_msg("command %zu (%s): minted while halted", index, json);
    if (c->op != G_MINT && b->restricted[a][c->from]) {
        fail_msg("command %zu (%s): moved tokens of a blacklisted or frozen sender", index, json);
    }
    if (c->op != G_BURN && b->restricted[a][c->to]) {
        fail_msg("command %zu (%s): credited a blacklisted or frozen receiver", index, json);
    }
}

/* A publication that ran: it covers the holders and supply of this
 * moment, and every holder's proof verifies with its balance now. */
static void check_published(struct fixture *f, size_t index, const char *json) {
    const struct asset *a = &f->e.s.assets[FIAT];
    const struct por_tree *t = f->e.por[FIAT];
    if (t == NULL || a->por.leaves != a->holders_count || a->por.total != a->supply) {
        fail_msg("command %zu (%s): the publication does not cover the holders and supply", index, json);
    }
    for (uint32_t k = 0; k < ADDRESSES; k++) {
        u128 balance = balance_of(f, FIAT, k);
        int64_t leaf = por_tree_find(t, &addr_table[k]);
        if ((balance == 0) != (leaf < 0)) fail_msg("command %zu: holder %u leaf mismatch", index, k);
        if (leaf < 0) continue;
        struct por_proof p;
        por_proof_of(&f->e, FIAT, (uint32_t)leaf, &p);
        const char *why;
        if (por_verify(&p, &why) != ERR_OK || p.balance != balance) {
            fail_msg("command %zu: holder %u proof: %s", index, k, why ? why : "balance differs");
        }
    }
    run.published++;
}

/* The incident table and the maintenance ring, after every command. */
static void check_incident_book(const struct fixture *f, size_t index, const char *json) {
    const struct incident_book *b = &f->e.s.inc;
    if (b->incidents_count > LIMIT_INCIDENTS || b->maintenance_count > LIMIT_MAINTENANCE) {
        fail_msg("command %zu (%s): incident tables over their limits", index, json);
    }
    for (uint32_t i = 0; i < b->incidents_count; i++) {
        const struct incident *in = &b->incidents[i];
        int ok = in->id > (i ? b->incidents[i - 1].id : 0) && in->id <= b->next_incident_id;
        ok = ok && in->severity < INCIDENT_SEVERITIES && in->title[0] != '\0';
        if (in->state == INCIDENT_OPEN) ok = ok && in->acked_ns == 0 && in->resolved_ns == 0;
        if (in->state == INCIDENT_ACKED)
            ok = ok && in->acked_ns >= in->opened_ns && in->resolved_ns == 0;
        if (in->state == INCIDENT_RESOLVED) {
            ok = ok && in->acked_ns >= in->opened_ns && in->resolved_ns >= in->acked_ns &&
                 in->resolve_block >= in->open_block && in->resolve_seq > in->open_seq;
        }
        ok = ok && in->state >= INCIDENT_OPEN && in->state <= INCIDENT_RESOLVED;
        if (!ok)
            fail_msg("command %zu (%s): incident %llu malformed", index, json,
                     (unsigned long long)in->id);
    }
    for (uint32_t k = 0; k < b->maintenance_count; k++) {
        const struct maintenance *m = &b->maintenance[k];
        int ok = m->id > (k ? b->maintenance[k - 1].id : 0) && m->until_ns > m->start_ns &&
                 m->until_ns - m->start_ns <= MAINTENANCE_MAX_NS &&
                 (m->ended_ns == 0 || m->ended_ns >= m->start_ns);
        /* one window in force at a time: each is over when the next starts */
        if (k + 1 < b->maintenance_count) {
            int64_t over = m->ended_ns != 0 ? m->ended_ns : m->until_ns;
            ok = ok && over <= b->maintenance[k + 1].start_ns;
        } else {
            ok = ok && m->id == b->next_maintenance_id;
        }
        if (!ok)
            fail_msg("command %zu (%s): window %llu malformed", index, json,
                     (unsigned long long)m->id);
    }
}

/* The system operator ran only its ops, at once; an entry was expedited
 * only during an emergency, naming an unresolved P0/P1. */
static void check_alert_loop(struct fixture *f, const struct before *b, const struct rcmd *r,
                             size_t index) {
    if (r->who == SYSTEM) {
        struct command cmd;
        if (fixture_decode(f, r->json, &cmd) != ERR_OK) fail_msg("%s: does not decode", r->json);
        int may = cmd.op == OP_PAUSE || cmd.op == OP_MINT_HALT || cmd.op == OP_INCIDENT_OPEN ||
                  cmd.op == OP_INCIDENT_NOTE; /* SPEC 9, not the engine's own list */
        if (!may && r->result != ERR_UNAUTHORIZED) {
            fail_msg("command %zu (%s): the system operator got %s", index, r->json,
                     err_name(r->result));
        }
        if (may && (r->result == ERR_UNAUTHORIZED ||
                    (r->result == ERR_OK && f->result.pending != APPLY_DONE))) {
            fail_msg("command %zu (%s): the system operator did not run it at once", index,
                     r->json);
        }
        if (r->result == ERR_OK)
            run.system_ran++;
        else
            run.system_refused++;
    }
    for (uint32_t i = 0; r->result == ERR_OK && i < f->events.count; i++) {
        const struct event *ev = &f->events.items[i];
        if (ev->type == EVENT_INCIDENT_OPENED) run.incidents_opened++;
        if (ev->type == EVENT_MAINTENANCE_ENDED && i + 1 < f->events.count) run.windows_replaced++;
        if (ev->type == EVENT_PROPOSAL_FAILED && ev->ref_op == OP_TIMELOCK_EXPEDITE) {
            if (b->emergency && ev->code == ERR_NO_EMERGENCY) {
                fail_msg("command %zu (%s): an expedite failed during an emergency", index,
                         r->json);
            }
            run.expedite_failed++;
        }
        if (ev->type != EVENT_TIMELOCK_EXPEDITED) continue;
        const struct incident *in = incident_find(&f->e, (uint64_t)ev->value);
        if (!b->emergency || in == NULL || in->severity > 1 || in->state == INCIDENT_RESOLVED) {
            fail_msg("command %zu (%s): expedited outside an emergency", index, r->json);
        }
        run.expedited++;
    }
}

static void seed_choose(void) {
    run.seed = SEED_DEFAULT;
    const char *env = getenv("MINTLINE_RANDOM_SEED");
    if (env != NULL && *env != '\0') run.seed = strtoull(env, NULL, 10);
    fixture_rng_seed(run.seed);
    print_message("test_random_gov: seed %llu (MINTLINE_RANDOM_SEED=%llu to rerun)\n",
                  (unsigned long long)run.seed, (unsigned long long)run.seed);
}

/* Decode (must succeed: the generator makes valid commands) and apply. */
static enum err apply_recorded(struct fixture *f, const struct rcmd *r) {
    struct command cmd;
    enum err err = fixture_decode(f, r->json, &cmd);
    if (err) fail_msg("%s: does not decode: %s (%s)", r->json, err_name(err), f->why);
    cmd.operator_index = r->who;
    return fixture_apply_cmd(f, &cmd);
}

/* The first block: every address gets an identity (a US person now and
 * then) and a kyc claim, so that SEC has receivers from the start. */
static void prelude_command(const struct fixture *f, uint32_t i, struct gcmd *c, char json[JSON_MAX]) {
    memset(c, 0, sizeof(*c));
    c->op = G_IDENTITY;
    c->asset = -1;
    uint32_t k = i / 2;
    if (i % 2 == 0) {
        snprintf(json, JSON_MAX, "{\"op\":\"identity.register\",\"address\":\"%s\",\"country\":\"%s\"}",
                 addr_text[k], k % 5 == 0 ? "US" : "DE");
    } else {
        char date[12];
        date_format((int32_t)(f->e.s.time_ns / NS_PER_DAY) + 2 + (int32_t)(k % 9), date);
        snprintf(json, JSON_MAX,
                 "{\"op\":\"claim.set\",\"address\":\"%s\",\"topic\":\"kyc\",\"expires\":\"%s\"}",
                 addr_text[k], date);
    }
}

#define PRELUDE (2u * ADDRESSES)

static void first_run_command(struct fixture *f, struct rcmd *r, struct before *b) {
    struct gcmd c;
    size_t at = (size_t)(r - run.cmds);
    if (at < PRELUDE) prelude_command(f, (uint32_t)at, &c, r->json);
    else random_command(f, &c, r->json);
    r->who = (uint8_t)c.who;
    size_t index = (size_t)(r - run.cmds);
    before_take(f, b);
    r->result = apply_recorded(f, r);
    if (at < PRELUDE && r->result != ERR_OK) fail_msg("prelude %s: %s", r->json, err_name(r->result));
    if (r->result != ERR_OK) {
        check_rejected_changed_nothing(f, b, index, r->json, r->result);
    } else {
        if (f->result.pending == APPLY_PROPOSED && c.op != G_APPROVE) {
            run.proposed++;
            recent_add(f->result.pending_id);
        }
        if (f->result.ran_id != 0) {
            if (f->result.ran_err == ERR_OK) run.released_ok++;
            else run.released_failed++;
        }
        if (c.op == G_CANCEL) run.cancelled++;
        if (c.op == G_POR && f->result.pending == APPLY_DONE) check_published(f, index, r->json);
        check_accepted(f, b, &c, index, r->json);
    }
    check_alert_loop(f, b, r, index);
    check_incident_book(f, index, r->json);
    buf_free(&b->snap);
    if (engine_check_invariants(&f->e) != 0) {
        fail_msg("command %zu (%s as %s, %s): engine invariants broken", index, r->json,
                 operator_names[c.who], err_name(r->result));
    }
}

static void random_governed_sequence_keeps_controls_every_command(void **state) {
    (void)state;
    seed_choose();
    addr_table_init();
    memset(&recent, 0, sizeof(recent));
    run.cmds = calloc(COMMANDS, sizeof(*run.cmds));
    run.blocks = calloc(COMMANDS, sizeof(*run.blocks));
    struct before *b = malloc(sizeof(*b));
    assert_non_null(run.cmds);
    assert_non_null(run.blocks);
    assert_non_null(b);
    json_t *doc = random_genesis();
    struct fixture *f = fixture_open(doc, FIXTURE_T0_NS);
    json_decref(doc);
    for (unsigned i = 0; i < OPERATORS; i++) {
        int index = engine_operator_find(&f->e, operator_names[i], strlen(operator_names[i]));
        assert_int_equal(index, (int)i);
    }

    uint32_t done = 0;
    int snap_taken = 0;
    while (done < COMMANDS) {
        struct rblock *blk = &run.blocks[run.blocks_count];
        uint32_t size = done == 0 ? PRELUDE : 1 + (uint32_t)fixture_rng_below(BLOCK_MAX);
        if (size > COMMANDS - done) size = COMMANDS - done;
        int64_t t = f->e.s.time_ns + (int64_t)fixture_rng_below(2 * 3600) * NS_PER_S;
        if (fixture_rng_percent(5)) t = f->e.s.time_ns - 3600 * NS_PER_S;
        blk->time_ns = t;
        blk->first = done;
        blk->count = size;
        fixture_begin(f, t, size);
        for (uint32_t i = 0; i < size; i++) first_run_command(f, &run.cmds[done + i], b);
        done += size;
        fixture_seal(f, &blk->hash);
        run.blocks_count++;
        if (!snap_taken && done >= COMMANDS / 2) {
            buf_init(&run.snap);
            engine_snapshot_write(&f->e, &run.snap);
            assert_true(buf_ok(&run.snap));
            run.snap_block = run.blocks_count - 1;
            snap_taken = 1;
        }
    }
    run.cmds_count = done;
    free(b);

    unsigned counts[ERR__COUNT] = {0};
    for (uint32_t i = 0; i < done; i++) counts[run.cmds[i].result]++;
    print_message("test_random_gov: %u commands in %u blocks; ok %u, unauthorized %u, paused %u, "
                  "halted %u, blacklisted %u, frozen %u, insufficient %u, invalid amount %u, "
                  "same operator %u, not found %u, expired %u; proposals %u, released %u (+%u "
                  "failed), cancelled %u, balance rises %u; por published %u, quorum not met %u, "
                  "reserve insufficient %u, not fiat %u\n",
                  done, run.blocks_count, counts[ERR_OK], counts[ERR_UNAUTHORIZED],
                  counts[ERR_PAUSED], counts[ERR_MINT_HALTED], counts[ERR_BLACKLISTED],
                  counts[ERR_FROZEN], counts[ERR_INSUFFICIENT_BALANCE], counts[ERR_INVALID_AMOUNT],
                  counts[ERR_SAME_OPERATOR], counts[ERR_NOT_FOUND], counts[ERR_PROPOSAL_EXPIRED],
                  run.proposed, run.released_ok, run.released_failed, run.cancelled,
                  run.balance_raised, run.published, counts[ERR_QUORUM_NOT_MET],
                  counts[ERR_RESERVE_INSUFFICIENT], counts[ERR_NOT_FIAT]);
    /* Something of everything happened. */
    assert_true(counts[ERR_OK] > done / 4);
    assert_true(counts[ERR_UNAUTHORIZED] > 0);
    assert_true(counts[ERR_PAUSED] > 0);
    assert_true(counts[ERR_MINT_HALTED] > 0);
    assert_true(counts[ERR_BLACKLISTED] > 0);
    assert_true(counts[ERR_FROZEN] > 0);
    assert_true(counts[ERR_INSUFFICIENT_BALANCE] > 0);
    assert_true(counts[ERR_INVALID_AMOUNT] > 0);
    assert_true(counts[ERR_SAME_OPERATOR] > 0);
    assert_true(run.proposed > 0 && run.released_ok > 0 && run.cancelled > 0);
    assert_true(run.published > 10 && counts[ERR_QUORUM_NOT_MET] > 0 && counts[ERR_NOT_FIAT] > 0);
    assert_true(run.balance_raised > done / 100);
    assert_true(counts[ERR_PAUSED] < done / 3);
    print_message("test_random_gov: SEC landings %u; not whitelisted %u, claim expired %u, "
                  "jurisdiction %u, partition %u, holder limit %u\n",
                  run.sec_landings, counts[ERR_NOT_WHITELISTED], counts[ERR_CLAIM_EXPIRED],
                  counts[ERR_JURISDICTION], counts[ERR_PARTITION], counts[ERR_HOLDER_LIMIT]);
    assert_true(run.sec_landings > 20);
    assert_true(counts[ERR_NOT_WHITELISTED] + counts[ERR_CLAIM_EXPIRED] > 0);
    assert_true(counts[ERR_PARTITION] > 0);
    print_message("test_random_gov: incidents opened %u, resolved twice %u, limit %u; expedited %u "
                  "(+%u failed), no emergency %u, not ready %u; system ran %u, refused %u; windows "
                  "replaced %u, too long %u\n",
                  run.incidents_opened, counts[ERR_INCIDENT_RESOLVED], counts[ERR_LIMIT_REACHED],
                  run.expedited, run.expedite_failed, counts[ERR_NO_EMERGENCY],
                  counts[ERR_TIMELOCK_NOT_READY], run.system_ran, run.system_refused,
                  run.windows_replaced, counts[ERR_INVALID_DURATION]);
    assert_true(run.incidents_opened > 20 && counts[ERR_INCIDENT_RESOLVED] > 0);
    assert_true(run.expedited > 0 && run.expedite_failed > 0 && counts[ERR_NO_EMERGENCY] > 0);
    assert_true(run.system_ran > 0 && run.system_refused > 0);
    assert_true(run.windows_replaced > 0 && counts[ERR_INVALID_DURATION] > 0);
    fixture_close(f);
    run.complete = 1;
}

/* Replay blocks [from, blocks_count) into f, comparing results and hashes. */
static void replay_blocks(struct fixture *f, uint32_t from, const char *what) {
    for (uint32_t bi = from; bi < run.blocks_count; bi++) {
        const struct rblock *blk = &run.blocks[bi];
        fixture_begin(f, blk->time_ns, blk->count);
        for (uint32_t i = 0; i < blk->count; i++) {
            const struct rcmd *r = &run.cmds[blk->first + i];
            enum err err = apply_recorded(f, r);
            if (err != r->result) {
                fail_msg("%s: command %u (%s): %s, first run %s", what, blk->first + i, r->json,
                         err_name(err), err_name(r->result));
            }
        }
        struct hash h;
        fixture_seal(f, &h);
        if (memcmp(&h, &blk->hash, sizeof(h)) != 0) {
            char x[HASH_HEX_SIZE];
            char y[HASH_HEX_SIZE];
            fixture_hash_hex(&h, x);
            fixture_hash_hex(&blk->hash, y);
            fail_msg("%s: block %u hash %s, first run %s", what, bi, x, y);
        }
        if (engine_check_invariants(&f->e) != 0) fail_msg("%s: block %u invariants", what, bi);
    }
}

static void replay_gives_same_hash_every_block(void **state) {
    (void)state;
    if (!run.complete) skip();
    json_t *doc = random_genesis();
    struct fixture *f = fixture_open_hint(doc, FIXTURE_T0_NS, 16);
    json_decref(doc);
    replay_blocks(f, 0, "replay");
    fixture_close(f);
}

static void snapshot_midway_then_rest_gives_same_hashes(void **state) {
    (void)state;
    if (!run.complete) skip();
    struct fixture *f = fixture_open_empty(64);
    assert_ok(engine_snapshot_read(&f->e, run.snap.data, run.snap.len));
    assert_int_equal(engine_check_invariants(&f->e), 0);
    replay_blocks(f, run.snap_block + 1, "from snapshot");
    fixture_close(f);
}

static int group_teardown(void **state) {
    (void)state;
    free(run.cmds);
    free(run.blocks);
    if (run.snap.data) buf_free(&run.snap);
    memset(&run, 0, sizeof(run));
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_governed_sequence_keeps_controls_every_command),
        cmocka_unit_test(replay_gives_same_hash_every_block),
        cmocka_unit_test(snapshot_midway_then_rest_gives_same_hashes),
    };
    return cmocka_run_group_tests(tests, NULL, group_teardown);
}
