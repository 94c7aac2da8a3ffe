/*
 * snapshot.c - the engine's whole state as bytes, and back.
 *
 * Layout: the canonical small-state bytes (as hashed), then the holdings
 * count and one (address, asset, balance) record each, then the leaves of
 * each asset's latest proof-of-reserves publication (count, then asset,
 * leaf count and (address, balance) per leaf); those trees are rebuilt on
 * reading and must reproduce the published roots. Reading treats the
 * bytes as untrusted input: every field is bounds-checked, and the result is
 * only accepted whole. The state hash is recomputed from the records, so a
 * snapshot that does not match its block's recorded hash is detected by the
 * caller.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "engine.h"
#include "engine_internal.h"
#include "genesis.h"
#include "restrict.h"

/* One holding record: address, asset index, balance. */
#define SNAPSHOT_RECORD_BYTES (ADDR_BYTES + 2u + 16u)
/* One proof-of-reserves leaf: address, balance. */
#define SNAPSHOT_LEAF_BYTES (ADDR_BYTES + 16u)

size_t engine_snapshot_bytes_hint(const struct engine *e) {
    size_t n = (size_t)e->holdings.used_count * SNAPSHOT_RECORD_BYTES;
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        if (e->por[i] != NULL) n += (size_t)e->por[i]->n * SNAPSHOT_LEAF_BYTES + 6u;
    }
    return n;
}

void engine_snapshot_write(const struct engine *e, struct buf *out) {
    struct buf small;
    buf_init(&small);
    engine__state_write(&e->s, &small);
    buf_put_u64(out, small.len);
    buf_put(out, small.data, small.len);
    buf_free(&small);
    buf_put_u32(out, e->holdings.used_count);
    buf_reserve(out, (size_t)e->holdings.used_count * SNAPSHOT_RECORD_BYTES);
    if (!buf_ok(out)) return;
    /* Straight into the reserved space, walking the table's slots here
     * (not a call per holder): 1,000,000 holders are 38 MB, and the
     * sequencer waits for this copy. */
    uint8_t *p = out->data + out->len;
    const struct holding *slots = e->holdings.slots;
    const uint64_t cap = (uint64_t)e->holdings.mask + 1;
    for (uint64_t i = 0; i < cap; i++) {
        const struct holding *h = &slots[i];
        if (!(h->flags & HOLDING_USED)) continue;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* The record is the slot's own bytes in the slot's order: the
         * address and the asset (22 bytes), then the balance's two halves
         * (16); two copies instead of a byte loop. */
        _Static_assert(offsetof(struct holding, asset) == ADDR_BYTES, "holding layout");
        _Static_assert(offsetof(struct holding, balance_hi) ==
                           offsetof(struct holding, balance_lo) + 8,
                       "holding layout");
        memcpy(p, h->addr, ADDR_BYTES + 2u);
        memcpy(p + 22, &h->balance_lo, 16);
#else
        memcpy(p, h->addr, ADDR_BYTES);
        p[20] = (uint8_t)h->asset;
        p[21] = (uint8_t)(h->asset >> 8);
        uint64_t halves[2] = {h->balance_lo, h->balance_hi};
        for (int k = 0; k < 16; k++) p[22 + k] = (uint8_t)(halves[k / 8] >> (8 * (k % 8)));
#endif
        p += SNAPSHOT_RECORD_BYTES;
    }
    out->len = (size_t)(p - out->data);
    uint32_t trees = 0;
    for (uint32_t i = 0; i < e->s.assets_count; i++) trees += e->por[i] != NULL;
    buf_put_u32(out, trees);
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct por_tree *t = e->por[i];
        if (t == NULL) continue;
        buf_put_u16(out, (uint16_t)i);
        buf_put_u32(out, t->n);
        for (uint32_t k = 0; k < t->n; k++) {
            buf_put(out, t->addrs[k].bytes, ADDR_BYTES);
            buf_put_u128(out, ((u128)t->nodes[k].sum_hi << 64) | t->nodes[k].sum_lo);
        }
    }
}


/* Read one asset's leaves and rebuild its tree; -1 unless it reproduces
 * the asset's published header exactly (tree root, total, depth, and the
 * root bound to the header's fields). */
static int snapshot__por_tree(struct engine *e, struct buf_reader *r) {
    uint16_t asset = buf_get_u16(r);
    uint32_t n = buf_get_u32(r);
    if (r->failed || asset >= e->s.assets_count || e->por[asset] != NULL) return -1;
    const struct por_header *h = &e->s.assets[asset].por;
    if (h->block == 0 || n != h->leaves || n > LIMIT_HOLDINGS ||
        (uint64_t)n * SNAPSHOT_LEAF_BYTES > r->len - r->pos) {
        return -1;
    }
    struct addr *addrs = malloc((size_t)(n ? n : 1) * sizeof(*addrs));
    u128 *balances = malloc((size_t)(n ? n : 1) * sizeof(*balances));
    int ok = addrs != NULL && balances != NULL;
    for (uint32_t k = 0; ok && k < n; k++) {
        buf_get(r, addrs[k].bytes, ADDR_BYTES);
        balances[k] = buf_get_u128(r);
        ok = balances[k] != 0 && (k == 0 || memcmp(addrs[k - 1].bytes, addrs[k].bytes, ADDR_BYTES) < 0);
    }
    struct por_tree *t = NULL;
    if (ok) {
        t = por_tree_build(addrs, balances, n, h->salt);
        addrs = NULL;
    }
    free(addrs);
    free(balances);
    if (t == NULL) return -1;
    e->por[asset] = t;
    uint8_t root[HASH_BYTES];
    u128 total;
    por_tree_root(t, root, &total);
    if (memcmp(root, h->tree_root, HASH_BYTES) != 0 || total != h->total) return -1;
    if (t->levels - 1 != h->depth) return -1;
    const struct asset *a = &e->s.assets[asset];
    por_bind(a->symbol, a->decimals, h, root);
    return memcmp(root, h->root, HASH_BYTES) == 0 ? 0 : -1;
}

static int snapshot__por(struct engine *e, struct buf_reader *r) {
    uint32_t trees = buf_get_u32(r);
    if (r->failed || trees > e->s.assets_count) return -1;
    for (uint32_t i = 0; i < trees; i++) {
        if (snapshot__por_tree(e, r) != 0) return -1;
    }
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        if ((e->s.assets[i].por.block != 0) != (e->por[i] != NULL)) return -1;
    }
    return r->pos == r->len ? 0 : -1;
}

static int snapshot__text_ok(const char *text, size_t size, int (*valid)(const char *, size_t)) {
    size_t n = strnlen(text, size);
    return n < size && valid(text, n);
}

/* Returns -1 when the asset's fields are out of range. */
static int snapshot__asset(struct buf_reader *r, struct asset *a) {
    buf_get(r, a->symbol, sizeof(a->symbol));
    buf_get(r, a->currency, sizeof(a->currency));
    a->kind = buf_get_u8(r);
    a->decimals = buf_get_u8(r);
    a->paused = buf_get_u8(r);
    a->mint_halted = buf_get_u8(r);
    a->limit_flags = buf_get_u32(r);
    a->nav_max_deviation_ppm = buf_get_u32(r);
    a->reserve_quorum = buf_get_u32(r);
    a->nav_max_age_ns = (int64_t)buf_get_u64(r);
    a->supply = buf_get_u128(r);
    a->minted_total = buf_get_u128(r);
    a->burned_total = buf_get_u128(r);
    a->supply_cap = buf_get_u128(r);
    a->daily_mint_limit = buf_get_u128(r);
    a->daily_inflow_limit = buf_get_u128(r);
    a->day = (int64_t)buf_get_u64(r);
    a->minted_today = buf_get_u128(r);
    a->burned_today = buf_get_u128(r);
    a->holders_count = buf_get_u64(r);
    a->nav = buf_get_u128(r);
    a->nav_updated_ns = (int64_t)buf_get_u64(r);
    a->nav_deviation_ppm = buf_get_u32(r);
    a->nav_force_count = buf_get_u64(r);
    a->attested_usd = buf_get_u128(r);
    buf_get(r, a->attest_hash, sizeof(a->attest_hash));
    a->attested_ns = (int64_t)buf_get_u64(r);
    if (!snapshot__text_ok(a->symbol, sizeof(a->symbol), symbol_valid)) return -1;
    if (strnlen(a->currency, sizeof(a->currency)) == sizeof(a->currency)) return -1;
    if (a->kind >= ASSET_KIND__COUNT || a->decimals > AMOUNT_DECIMALS_MAX) return -1;
    if (a->paused > 1 || a->mint_halted > 1) return -1;
    return 0;
}

/* One published header (engine__por_write); -1 when out of range. */
static int snapshot__por_header(struct buf_reader *r, struct por_header *p) {
    p->block = buf_get_u64(r);
    p->seq = buf_get_u64(r);
    p->time_ns = (int64_t)buf_get_u64(r);
    p->total = buf_get_u128(r);
    p->reserve = buf_get_u128(r);
    p->depth = buf_get_u8(r);
    p->leaves = buf_get_u32(r);
    buf_get(r, p->tree_root, HASH_BYTES);
    buf_get(r, p->root, HASH_BYTES);
    buf_get(r, p->salt, HASH_BYTES);
    if (r->failed || p->block == 0 || p->depth >= POR_MAX_LEVELS) return -1;
    if (p->leaves > LIMIT_HOLDINGS) return -1;
    return 0;
}

/* The optional section of published headers that ends the small state. */
static int snapshot__por_section(struct buf_reader *r, struct engine_state *s) {
    if (r->len - r->pos < 3 || memcmp(r->data + r->pos, "por", 3) != 0) return 0; /* nothing published */
    char magic[3];
    buf_get(r, magic, sizeof(magic));
    uint32_t n = buf_get_u32(r);
    if (r->failed || memcmp(magic, "por", 3) != 0 || n == 0 || n > s->assets_count) return -1;
    int last = -1;
    for (uint32_t i = 0; i < n; i++) {
        uint16_t asset = buf_get_u16(r);
        if (r->failed || asset >= s->assets_count || (int)asset <= last) return -1;
        if (s->assets[asset].kind != ASSET_FIAT) return -1;
        last = asset;
        if (snapshot__por_header(r, &s->assets[asset].por) != 0) return -1;
    }
    return 0;
}

/* Commands inside proposals and timelock entries are decoded against the
 * snapshot's own state: its assets and operators. */
static int snapshot__command(struct buf_reader *r, const struct engine_state *s,
                             struct command *out) {
    return command_decode_bin_state(s, r, out);
}

static int snapshot__governance(struct buf_reader *r, struct engine_state *s) {
    s->proposal_ttl_ns = (int64_t)buf_get_u64(r);
    s->next_proposal_id = buf_get_u64(r);
    s->next_timelock_id = buf_get_u64(r);
    s->policies_count = buf_get_u32(r);
    if (s->policies_count > LIMIT_POLICIES) return -1;
    for (uint32_t i = 0; i < s->policies_count; i++) {
        struct policy *p = &s->policies[i];
        p->op = buf_get_u16(r);
        p->asset = buf_get_u16(r);
        p->approvals = buf_get_u32(r);
        p->timelock_ns = (int64_t)buf_get_u64(r);
        if (p->op >= OP__COUNT || p->approvals == 0 || p->approvals > LIMIT_APPROVALS) return -1;
        if (p->asset != POLICY_ANY_ASSET && p->asset >= s->assets_count) return -1;
    }
    s->proposals_count = buf_get_u32(r);
    if (s->proposals_count > LIMIT_PROPOSALS) return -1;
    for (uint32_t i = 0; i < s->proposals_count; i++) {
        struct proposal *p = &s->proposals[i];
        p->id = buf_get_u64(r);
        if (snapshot__command(r, s, &p->cmd) != 0) return -1;
        p->needed = buf_get_u32(r);
        p->approvers[0] = buf_get_u64(r);
        p->approvers[1] = buf_get_u64(r);
        p->created_ns = (int64_t)buf_get_u64(r);
        p->expires_ns = (int64_t)buf_get_u64(r);
    }
    s->timelock_count = buf_get_u32(r);
    if (s->timelock_count > LIMIT_TIMELOCK) return -1;
    for (uint32_t i = 0; i < s->timelock_count; i++) {
        struct timelock_entry *t = &s->timelock[i];
        t->id = buf_get_u64(r);
        if (snapshot__command(r, s, &t->cmd) != 0) return -1;
        t->proposal_id = buf_get_u64(r);
        t->eta_ns = (int64_t)buf_get_u64(r);
    }
    return r->failed ? -1 : 0;
}

static int snapshot__state(struct buf_reader *r, struct engine_state *s) {
    char magic[17];
    buf_get(r, magic, sizeof(magic));
    if (memcmp(magic, "mintline-state-v1", 17) != 0) return -1;
    s->height = buf_get_u64(r);
    s->next_seq = buf_get_u64(r);
    s->next_event_seq = buf_get_u64(r);
    s->time_ns = (int64_t)buf_get_u64(r);
    s->paused = buf_get_u8(r);
    s->controller = buf_get_u32(r);
    s->controller_pending = buf_get_u32(r);
    s->assets_count = buf_get_u32(r);
    if (s->assets_count > LIMIT_ASSETS) return -1;
    for (uint32_t i = 0; i < s->assets_count; i++) {
        if (snapshot__asset(r, &s->assets[i]) != 0) return -1;
    }
    s->operators_count = buf_get_u32(r);
    if (s->operators_count > LIMIT_OPERATORS) return -1;
    for (uint32_t i = 0; i < s->operators_count; i++) {
        struct operator *o = &s->operators[i];
        buf_get(r, o->name, sizeof(o->name));
        if (!snapshot__text_ok(o->name, sizeof(o->name), name_valid)) return -1;
        buf_get(r, o->pubkey, sizeof(o->pubkey));
        o->roles = buf_get_u32(r);
        o->key_created_ns = (int64_t)buf_get_u64(r);
        o->removed = buf_get_u8(r);
        if (o->removed > 1) return -1;
    }
    s->restricted_count = buf_get_u32(r);
    s->grants_count = buf_get_u32(r);
    if (s->grants_count > LIMIT_GRANTS) return -1;
    for (uint32_t i = 0; i < s->grants_count; i++) {
        s->grants[i].operator_index = buf_get_u16(r);
        s->grants[i].asset_index = buf_get_u16(r);
        s->grants[i].roles = buf_get_u32(r);
        if (s->grants[i].operator_index >= s->operators_count) return -1;
        if (s->grants[i].asset_index >= s->assets_count) return -1;
    }
    if (s->controller >= s->operators_count && s->operators_count > 0) return -1;
    if (s->controller_pending != UINT32_MAX && s->controller_pending >= s->operators_count) return -1;
    s->feeds_count = buf_get_u32(r);
    if (s->feeds_count > LIMIT_FEEDS) return -1;
    for (uint32_t i = 0; i < s->feeds_count; i++) {
        struct feed *f = &s->feeds[i];
        buf_get(r, f->name, sizeof(f->name));
        if (!snapshot__text_ok(f->name, sizeof(f->name), symbol_valid)) return -1;
        f->frozen = buf_get_u8(r);
        f->max_age_ns = (int64_t)buf_get_u64(r);
        f->value = buf_get_u128(r);
        f->updated_ns = (int64_t)buf_get_u64(r);
        /* Genesis allows a max_age of 0s (found by fuzz_genesis). */
        if (f->frozen > 1 || f->max_age_ns < 0) return -1;
    }
    s->reserve_reports_count = buf_get_u32(r);
    if (s->reserve_reports_count > LIMIT_RESERVE_REPORTS) return -1;
    for (uint32_t i = 0; i < s->reserve_reports_count; i++) {
        struct reserve_report *rr = &s->reserve_reports[i];
        rr->asset = buf_get_u16(r);
        rr->reporter = buf_get_u32(r);
        rr->amount = buf_get_u128(r);
        rr->time_ns = (int64_t)buf_get_u64(r);
        if (rr->asset >= s->assets_count || rr->reporter >= s->operators_count) return -1;
    }
    if (snapshot__governance(r, s) != 0) return -1;
    if (snapshot__por_section(r, s) != 0) return -1;
    if (payout_state_read(r, s) != 0) return -1;
    if (compliance_state_read(r, s) != 0) return -1;
    if (incident_state_read(r, s) != 0) return -1;
    if (stabilizer_state_read(r, s) != 0) return -1;
    if (bridge_state_read(r, s) != 0) return -1;
    return vault_state_read(r, s);
}

/* Insert the holding records in chunks the undo log can carry, sealing
 * each chunk into the accumulator. */
static int snapshot__holdings(struct engine *e, struct buf_reader *r, uint32_t count) {
    uint32_t chunk = holdings_undo_room(&e->holdings) / 2;
    for (uint32_t done = 0; done < count;) {
        for (uint32_t k = 0; k < chunk && done < count; k++, done++) {
            struct addr a;
            buf_get(r, a.bytes, ADDR_BYTES);
            uint16_t asset = buf_get_u16(r);
            u128 balance = buf_get_u128(r);
            if (r->failed || balance == 0 || !engine__key_valid(&e->s, asset, balance)) return -1;
            if (holdings_find(&e->holdings, asset, &a) != HOLDINGS_NONE) return -1;
            uint32_t slot = holdings_upsert(&e->holdings, asset, &a);
            holdings_set_balance(&e->holdings, slot, balance);
        }
        holdings_seal(&e->holdings, e->holdings_acc);
    }
    return 0;
}

/* Empty the engine again (after a failed read). */
static enum err snapshot__reset(struct engine *e) {
    por_free_all(e);
    holdings_close(&e->holdings);
    memset(&e->s, 0, sizeof(e->s));
    memset(e->holdings_acc, 0, sizeof(e->holdings_acc));
    return holdings_open(&e->holdings, 1024, LIMIT_BLOCK_COMMANDS * HOLDINGS_UNDO_PER_COMMAND);
}

/* Parse and check the small state; NULL when the bytes are bad. */
static struct engine_state *snapshot__small(struct buf_reader *r) {
    uint64_t small_len = buf_get_u64(r);
    if (r->failed || small_len > r->len - r->pos) return NULL;
    struct buf_reader sr;
    buf_reader_init(&sr, r->data + r->pos, (size_t)small_len);
    r->pos += (size_t)small_len;
    struct engine_state *s = calloc(1, sizeof(*s));
    if (s != NULL && (snapshot__state(&sr, s) != 0 || sr.pos != sr.len)) {
        free(s);
        s = NULL;
    }
    return s;
}

enum err engine_snapshot_read(struct engine *e, const uint8_t *data, size_t len) {
    struct buf_reader r;
    buf_reader_init(&r, data, len);
    struct engine_state *s = snapshot__small(&r);
    uint32_t count = buf_get_u32(&r);
    /* The records must fit in the rest: checked before any allocation. */
    int bad = s == NULL || r.failed || (uint64_t)count * SNAPSHOT_RECORD_BYTES > len - r.pos;
    enum err err = snapshot__reset(e);
    if (!err && bad) err = ERR_IO;
    if (!err) {
        memcpy(&e->s, s, sizeof(*s));
        err = holdings_reserve(&e->holdings, count);
    }
    free(s);
    if (!err && (snapshot__holdings(e, &r, count) != 0 || engine_check_invariants(e) != 0 ||
                 snapshot__por(e, &r) != 0)) {
        err = ERR_IO;
    }
    if (err == ERR_INTERNAL) return err;
    if (err) {
        holdings_rollback(&e->holdings, 0);
        if (snapshot__reset(e)) return ERR_INTERNAL;
        return ERR_IO;
    }
    return ERR_OK;
}
