/*
 * engine.c - open, apply, seal, savepoints, lookups and the state hash.
 *
 * engine_apply is the one entry for every op: it consumes a seq, checks
 * authorisation (SPEC 3 item 1) from the op table, calls the op's handler
 * and stamps the events. The state hash is SHA-256 over the canonical bytes
 * of the small state and a 256-bit sum of one keyed SipHash per holding, so
 * it is independent of table layout and cheap to keep up to date.
 */
#include "engine.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/check.h"
#include "../base/duration.h"
#include "engine_internal.h"
#include "explain.h"
#include "governance.h"
#include "keys.h"
#include "restrict.h"

static const char *const asset_kind_names[ASSET_KIND__COUNT] = {"fund", "fiat", "security",
                                                                 "plain"};

const char *asset_kind_name(enum asset_kind kind) {
    if ((unsigned)kind >= ASSET_KIND__COUNT) return "?";
    return asset_kind_names[kind];
}

enum err engine_open(struct engine *e, uint32_t holdings_hint) {
    memset(e, 0, sizeof(*e));
    e->saved = calloc(1, sizeof(*e->saved));
    e->block_saved = calloc(1, sizeof(*e->block_saved));
    enum err err = e->saved && e->block_saved ? ERR_OK : ERR_INTERNAL;
    if (!err) {
        err = holdings_open(&e->holdings, holdings_hint,
                            LIMIT_BLOCK_COMMANDS * HOLDINGS_UNDO_PER_COMMAND);
    }
    if (err) {
        free(e->saved);
        free(e->block_saved);
        e->saved = NULL;
        e->block_saved = NULL;
        return err;
    }
    return ERR_OK;
}

void engine_close(struct engine *e) {
    por_free_all(e);
    holdings_close(&e->holdings);
    free(e->saved);
    free(e->block_saved);
    memset(e, 0, sizeof(*e));
}

enum err engine_reserve(struct engine *e, uint32_t commands) {
    return engine_reserve_room(e, commands, 0);
}

enum err engine_reserve_room(struct engine *e, uint32_t commands, uint64_t extra) {
    ASSERT(!e->saved_active);
    ASSERT(!e->block_active);
    if (extra > LIMIT_HOLDINGS) return ERR_LIMIT_REACHED;
    enum err err = holdings_reserve(&e->holdings, (uint32_t)(commands + extra));
    if (!err) {
        err = holdings_undo_reserve(&e->holdings, (uint64_t)commands * HOLDINGS_UNDO_PER_COMMAND +
                                                      ENGINE_UNDO_PER_ROOM * extra);
    }
    return err;
}

/* Recover on a security asset: its balance, restriction and identity
 * records (an insert and up to two writes each) and every partition's. */
#define ENGINE_ROOM_RECOVER (LIMIT_PARTITIONS + 3u)

static uint32_t engine__room_of(const struct engine *e, const struct command *cmd) {
    if (cmd->op == OP_RECOVER) return ENGINE_ROOM_RECOVER;
    if (cmd->op == OP_PAYOUT_SNAPSHOT || cmd->op == OP_PAYOUT_DISTRIBUTE) return payout_room(e, cmd);
    if (cmd->op == OP_BRIDGE_RECEIVE) return 1u; /* the receipt record (bridge.h) */
    if (cmd->op == OP_VAULT_LIQUIDATE) return 1u; /* the liquidator's and the owner's collateral */
    /* A move within a partition may insert the receiver's total and its
     * partition record (undo: six records, within the allowance). */
    return (cmd->present & CMD_HAS(FIELD_PARTITION)) ? 1u : 0u;
}

/* The most any single command could need in this state: an approval or
 * execution that releases a command queued in the same block is judged
 * by it. */
uint32_t engine_command_room_max(const struct engine *e) {
    uint32_t payout = payout_room_max(e);
    return payout > ENGINE_ROOM_RECOVER ? payout : ENGINE_ROOM_RECOVER;
}

uint32_t engine_command_room(const struct engine *e, const struct command *cmd) {
    if (cmd->op == OP_APPROVE || cmd->op == OP_TIMELOCK_EXECUTE) {
        for (uint32_t i = 0; i < e->s.proposals_count; i++) {
            if (cmd->op == OP_APPROVE && e->s.proposals[i].id == cmd->id) {
                return engine__room_of(e, &e->s.proposals[i].cmd);
            }
        }
        for (uint32_t i = 0; i < e->s.timelock_count; i++) {
            if (cmd->op == OP_TIMELOCK_EXECUTE && e->s.timelock[i].id == cmd->id) {
                return engine__room_of(e, &e->s.timelock[i].cmd);
            }
        }
        /* A proposal created earlier in this block: the command that
         * created it was counted in full (the proposal holds that exact
         * command, released at most once), so its release needs nothing
         * more. An id that names nothing fails and needs nothing. */
        return 0;
    }
    return engine__room_of(e, cmd);
}

uint32_t engine_block_room(const struct engine *e) {
    return holdings_undo_room(&e->holdings) / HOLDINGS_UNDO_PER_COMMAND;
}

void engine_block_begin(struct engine *e, int64_t time_ns) {
    if (time_ns > e->s.time_ns) e->s.time_ns = time_ns;
}

struct event *engine__emit(struct event_buf *events, enum event_type type, uint16_t asset) {
    ASSERT(events->count < events->cap);
    struct event *ev = &events->items[events->count++];
    memset(ev, 0, sizeof(*ev));
    ev->type = (uint16_t)type;
    ev->asset = asset;
    return ev;
}

/* Number the events a command emitted from `mark` on and give them its
 * seq and the ledger time. */
static void engine__stamp(struct engine *e, struct event_buf *events, uint32_t mark, uint64_t seq) {
    for (uint32_t i = mark; i < events->count; i++) {
        events->items[i].seq = e->s.next_event_seq++;
        events->items[i].command_seq = seq;
        events->items[i].time_ns = e->s.time_ns;
    }
}

enum err engine_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                      struct apply_result *out) {
    ASSERT(cmd->op < OP__COUNT);
    ASSERT(holdings_undo_room(&e->holdings) >= HOLDINGS_UNDO_PER_COMMAND);
    ASSERT(events->cap - events->count >= LIMIT_EVENTS_PER_COMMAND);
    const struct op_def *def = &op_table()[cmd->op];
    memset(out, 0, offsetof(struct apply_result, detail));
    out->detail[0] = '\0';
    out->seq = e->s.next_seq++;
    uint32_t mark = events->count;
    enum err err;
    if (cmd->operator_index >= e->s.operators_count) {
        err = ERR_UNAUTHORIZED;
    } else if (e->s.inc.has_system && cmd->operator_index == e->s.inc.system_operator) {
        /* The alert loop's hand: its few ops, at once (incident.h); none
         * once removed (it holds no role for the removal to take away). */
        int may = incident_system_may(cmd->op) && !e->s.operators[cmd->operator_index].removed;
        err = may ? def->apply(e, cmd, events, out) : ERR_UNAUTHORIZED;
    } else if (def->flags & OP_META) {
        err = def->apply(e, cmd, events, out); /* checks its own role */
    } else if (!governance_may(e, cmd->operator_index, cmd)) {
        err = ERR_UNAUTHORIZED;
    } else {
        err = governance_route(e, cmd, events, out);
    }
    if (err) {
        events->count = mark;
        /* the refusal path only: what to do about it (explain.h) */
        if (out->detail[0] == '\0') explain_refusal(e, cmd, err, out->detail, sizeof(out->detail));
        return err;
    }
    engine__stamp(e, events, mark, out->seq);
    return ERR_OK;
}

enum err engine_apply_dry(struct engine *e, const struct command *cmd, struct event_buf *events,
                          struct apply_result *out) {
    uint32_t mark = events->count;
    uint64_t event_seq = e->s.next_event_seq;
    enum err err = engine_apply(e, cmd, events, out);
    if (err || out->pending == APPLY_DONE || (op_table()[cmd->op].flags & OP_META)) return err;
    /* Governed: drop the proposal's or entry's events and run the command
     * itself, as its release would (the caller rolls all of it back). */
    events->count = mark;
    e->s.next_event_seq = event_seq;
    struct apply_result ran;
    memset(&ran, 0, sizeof(ran));
    err = governance_execute(e, cmd, events, &ran);
    if (err) {
        /* the refusal's detail (which recipients, which amounts), as the
         * release would answer it */
        memcpy(out->detail, ran.detail, sizeof(out->detail));
        events->count = mark;
        return err;
    }
    engine__stamp(e, events, mark, out->seq);
    out->note = ran.note;
    return ERR_OK;
}

void engine_prefetch(const struct engine *e, const struct command *cmd) {
    if (!(cmd->present & CMD_HAS_ASSET)) return;
    if (cmd->present & CMD_HAS_FROM) holdings_prefetch(&e->holdings, cmd->asset, &cmd->from);
    if (cmd->present & CMD_HAS_TO) holdings_prefetch(&e->holdings, cmd->asset, &cmd->to);
}

void engine_consume_seqs(struct engine *e, uint32_t n) { e->s.next_seq += n; }

/* A publication's header (the salt included: it is state, and it is in
 * the journal anyway). */
static void engine__por_write(const struct por_header *h, struct buf *out) {
    buf_put_u64(out, h->block);
    buf_put_u64(out, h->seq);
    buf_put_u64(out, (uint64_t)h->time_ns);
    buf_put_u128(out, h->total);
    buf_put_u128(out, h->reserve);
    buf_put_u8(out, h->depth);
    buf_put_u32(out, h->leaves);
    buf_put(out, h->tree_root, HASH_BYTES);
    buf_put(out, h->root, HASH_BYTES);
    buf_put(out, h->salt, HASH_BYTES);
}

/* The published headers, "por" + count + (asset, header) each, only when
 * there is one: a ledger that never published keeps the state bytes (and
 * hashes) it had before proof of reserves existed. */
static void engine__por_section_write(const struct engine_state *s, struct buf *out) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->assets_count; i++) n += s->assets[i].por.block != 0;
    if (n == 0) return;
    buf_put(out, "por", 3);
    buf_put_u32(out, n);
    for (uint32_t i = 0; i < s->assets_count; i++) {
        if (s->assets[i].por.block == 0) continue;
        buf_put_u16(out, (uint16_t)i);
        engine__por_write(&s->assets[i].por, out);
    }
}

void engine__state_write(const struct engine_state *s, struct buf *out) {
    buf_put(out, "mintline-state-v1", 17);
    buf_put_u64(out, s->height);
    buf_put_u64(out, s->next_seq);
    buf_put_u64(out, s->next_event_seq);
    buf_put_u64(out, (uint64_t)s->time_ns);
    buf_put_u8(out, s->paused);
    buf_put_u32(out, s->controller);
    buf_put_u32(out, s->controller_pending);
    buf_put_u32(out, s->assets_count);
    for (uint32_t i = 0; i < s->assets_count; i++) {
        const struct asset *a = &s->assets[i];
        buf_put(out, a->symbol, sizeof(a->symbol));
        buf_put(out, a->currency, sizeof(a->currency));
        buf_put_u8(out, a->kind);
        buf_put_u8(out, a->decimals);
        buf_put_u8(out, a->paused);
        buf_put_u8(out, a->mint_halted);
        buf_put_u32(out, a->limit_flags);
        buf_put_u32(out, a->nav_max_deviation_ppm);
        buf_put_u32(out, a->reserve_quorum);
        buf_put_u64(out, (uint64_t)a->nav_max_age_ns);
        buf_put_u128(out, a->supply);
        buf_put_u128(out, a->minted_total);
        buf_put_u128(out, a->burned_total);
        buf_put_u128(out, a->supply_cap);
        buf_put_u128(out, a->daily_mint_limit);
        buf_put_u128(out, a->daily_inflow_limit);
        buf_put_u64(out, (uint64_t)a->day);
        buf_put_u128(out, a->minted_today);
        buf_put_u128(out, a->burned_today);
        buf_put_u64(out, a->holders_count);
        buf_put_u128(out, a->nav);
        buf_put_u64(out, (uint64_t)a->nav_updated_ns);
        buf_put_u32(out, a->nav_deviation_ppm);
        buf_put_u64(out, a->nav_force_count);
        buf_put_u128(out, a->attested_usd);
        buf_put(out, a->attest_hash, sizeof(a->attest_hash));
        buf_put_u64(out, (uint64_t)a->attested_ns);
    }
    buf_put_u32(out, s->operators_count);
    for (uint32_t i = 0; i < s->operators_count; i++) {
        const struct operator *o = &s->operators[i];
        buf_put(out, o->name, sizeof(o->name));
        buf_put(out, o->pubkey, sizeof(o->pubkey));
        buf_put_u32(out, o->roles);
        buf_put_u64(out, (uint64_t)o->key_created_ns);
        buf_put_u8(out, o->removed);
    }
    buf_put_u32(out, s->restricted_count);
    buf_put_u32(out, s->grants_count);
    for (uint32_t i = 0; i < s->grants_count; i++) {
        buf_put_u16(out, s->grants[i].operator_index);
        buf_put_u16(out, s->grants[i].asset_index);
        buf_put_u32(out, s->grants[i].roles);
    }
    buf_put_u32(out, s->feeds_count);
    for (uint32_t i = 0; i < s->feeds_count; i++) {
        const struct feed *f = &s->feeds[i];
        buf_put(out, f->name, sizeof(f->name));
        buf_put_u8(out, f->frozen);
        buf_put_u64(out, (uint64_t)f->max_age_ns);
        buf_put_u128(out, f->value);
        buf_put_u64(out, (uint64_t)f->updated_ns);
    }
    buf_put_u32(out, s->reserve_reports_count);
    for (uint32_t i = 0; i < s->reserve_reports_count; i++) {
        const struct reserve_report *r = &s->reserve_reports[i];
        buf_put_u16(out, r->asset);
        buf_put_u32(out, r->reporter);
        buf_put_u128(out, r->amount);
        buf_put_u64(out, (uint64_t)r->time_ns);
    }
    engine__governance_write(s, out);
    engine__por_section_write(s, out);
    payout_state_write(s, out);
    compliance_state_write(s, out);
    incident_state_write(s, out);
    stabilizer_state_write(s, out);
    bridge_state_write(s, out);
    vault_state_write(s, out);
}

void engine__governance_write(const struct engine_state *s, struct buf *out) {
    buf_put_u64(out, (uint64_t)s->proposal_ttl_ns);
    buf_put_u64(out, s->next_proposal_id);
    buf_put_u64(out, s->next_timelock_id);
    buf_put_u32(out, s->policies_count);
    for (uint32_t i = 0; i < s->policies_count; i++) {
        buf_put_u16(out, s->policies[i].op);
        buf_put_u16(out, s->policies[i].asset);
        buf_put_u32(out, s->policies[i].approvals);
        buf_put_u64(out, (uint64_t)s->policies[i].timelock_ns);
    }
    buf_put_u32(out, s->proposals_count);
    for (uint32_t i = 0; i < s->proposals_count; i++) {
        const struct proposal *p = &s->proposals[i];
        buf_put_u64(out, p->id);
        command_encode(&p->cmd, out);
        buf_put_u32(out, p->needed);
        buf_put_u64(out, p->approvers[0]);
        buf_put_u64(out, p->approvers[1]);
        buf_put_u64(out, (uint64_t)p->created_ns);
        buf_put_u64(out, (uint64_t)p->expires_ns);
    }
    buf_put_u32(out, s->timelock_count);
    for (uint32_t i = 0; i < s->timelock_count; i++) {
        const struct timelock_entry *t = &s->timelock[i];
        buf_put_u64(out, t->id);
        command_encode(&t->cmd, out);
        buf_put_u64(out, t->proposal_id);
        buf_put_u64(out, (uint64_t)t->eta_ns);
    }
}

void engine_state_hash(const struct engine *e, struct hash *out) {
    struct buf b;
    buf_init(&b);
    engine__state_write(&e->s, &b);
    ASSERT(buf_ok(&b));
    struct hash_ctx ctx;
    hash_init(&ctx);
    hash_update(&ctx, b.data, b.len);
    for (int i = 0; i < 4; i++) hash_update_u64(&ctx, e->holdings_acc[i]);
    hash_final(&ctx, out);
    buf_free(&b);
}

void engine_block_seal(struct engine *e, struct hash *state_hash) {
    ASSERT(!e->saved_active);
    if (e->block_active) holdings_fold(&e->holdings, e->holdings_acc);
    else holdings_seal(&e->holdings, e->holdings_acc);
    e->s.height++;
    engine_state_hash(e, state_hash);
}

/* Copy the small state for a block checkpoint or a savepoint, and back.
 * It is 1.4 MB, three quarters of it the vault array (LIMIT_VAULTS), of
 * which only vaults_count are ever read: a vault is opened into the next
 * slot and wholly reset there (vault.c), never removed. So only those are
 * copied: a restore leaves the slots of vaults opened by the aborted block
 * or request as they were, unread until a later opening resets them. A
 * whole copy each one-command block cost ~65 µs (session 24). */
_Static_assert(offsetof(struct engine_state, vlt) + sizeof(struct vault_book) ==
                   sizeof(struct engine_state),
               "the vault book is the small state's last member");
_Static_assert(offsetof(struct vault_book, vaults) + sizeof(((struct vault_book *)0)->vaults) ==
                   sizeof(struct vault_book),
               "the vaults are the vault book's last member");

static void engine__state_copy(struct engine_state *dst, const struct engine_state *src) {
    size_t head = offsetof(struct engine_state, vlt) + offsetof(struct vault_book, vaults);
    memcpy(dst, src, head);
    memcpy(dst->vlt.vaults, src->vlt.vaults, (size_t)src->vlt.vaults_count * sizeof(src->vlt.vaults[0]));
}

void engine_block_checkpoint(struct engine *e) {
    ASSERT(!e->saved_active);
    ASSERT(!e->block_active);
    ASSERT(e->holdings.undo_len == 0);
    engine__state_copy(e->block_saved, &e->s);
    memcpy(e->block_acc, e->holdings_acc, sizeof(e->block_acc));
    e->block_active = 1;
}

void engine_block_commit(struct engine *e) {
    ASSERT(e->block_active);
    ASSERT(!e->saved_active);
    holdings_forget(&e->holdings);
    e->block_active = 0;
    por_block_end(e, 0);
}

void engine_block_abort(struct engine *e) {
    ASSERT(e->block_active);
    ASSERT(!e->saved_active);
    holdings_rollback(&e->holdings, 0);
    engine__state_copy(&e->s, e->block_saved);
    memcpy(e->holdings_acc, e->block_acc, sizeof(e->holdings_acc));
    e->block_active = 0;
    por_block_end(e, 1);
}

enum err engine_savepoint(struct engine *e) {
    ASSERT(!e->saved_active);
    engine__state_copy(e->saved, &e->s);
    e->saved_undo_len = e->holdings.undo_len;
    e->saved_active = 1;
    return ERR_OK;
}

void engine_rollback(struct engine *e) {
    ASSERT(e->saved_active);
    holdings_rollback(&e->holdings, e->saved_undo_len);
    engine__state_copy(&e->s, e->saved);
    por_rollback(e);
    e->saved_active = 0;
}

void engine_release(struct engine *e) {
    ASSERT(e->saved_active);
    por_release(e);
    e->saved_active = 0;
}

int engine_asset_find(const struct engine *e, const char *symbol, size_t len) {
    if (len == 0 || len > LIMIT_SYMBOL) return -1;
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const char *s = e->s.assets[i].symbol;
        if (strlen(s) == len && memcmp(s, symbol, len) == 0) return (int)i;
    }
    return -1;
}

int engine_feed_find(const struct engine *e, const char *name, size_t len) {
    if (len == 0 || len > LIMIT_SYMBOL) return -1;
    for (uint32_t i = 0; i < e->s.feeds_count; i++) {
        const char *n = e->s.feeds[i].name;
        if (strlen(n) == len && memcmp(n, name, len) == 0) return (int)i;
    }
    return -1;
}

int engine_operator_find(const struct engine *e, const char *name, size_t len) {
    if (len == 0 || len > LIMIT_OPERATOR_NAME) return -1;
    for (uint32_t i = 0; i < e->s.operators_count; i++) {
        const char *n = e->s.operators[i].name;
        if (!e->s.operators[i].removed && strlen(n) == len && memcmp(n, name, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

u128 engine_balance(const struct engine *e, uint32_t asset, const struct addr *addr) {
    uint32_t slot = holdings_find(&e->holdings, (uint16_t)asset, addr);
    if (slot == HOLDINGS_NONE) return 0;
    return holding_balance(&e->holdings.slots[slot]);
}

int engine_operator_may(const struct engine *e, uint32_t operator_index, enum role role,
                        int asset) {
    ASSERT(operator_index < e->s.operators_count);
    if (e->s.operators[operator_index].roles & ROLE_BIT(role)) return 1;
    if (asset < 0) return 0;
    for (uint32_t i = 0; i < e->s.grants_count; i++) {
        const struct grant *g = &e->s.grants[i];
        if (g->operator_index == operator_index && g->asset_index == (uint32_t)asset &&
            (g->roles & ROLE_BIT(role))) {
            return 1;
        }
    }
    return 0;
}

void engine_day_counters(const struct engine *e, uint32_t asset, int64_t time_ns, u128 *minted,
                         u128 *burned) {
    const struct asset *a = &e->s.assets[asset];
    if (a->day == time_ns / NS_PER_DAY) {
        *minted = a->minted_today;
        *burned = a->burned_today;
    } else {
        *minted = 0;
        *burned = 0;
    }
}

int engine__key_valid(const struct engine_state *s, uint16_t key, u128 value) {
    if (key_is_balance(key)) return key < s->assets_count;
    if (key_is_partition(key)) {
        unsigned asset = key & 0xFFu;
        unsigned p = (key - KEY_PARTITION) >> 8;
        return asset < s->assets_count && s->assets[asset].kind == ASSET_SECURITY &&
               p < s->rules[asset].partitions_count;
    }
    if (key == KEY_RESTRICT_ADDRESS) return value <= (RESTRICT_BLACKLISTED | RESTRICT_FROZEN);
    if (key_is_restriction(key)) return (unsigned)(key - KEY_RESTRICT_ASSET) < s->assets_count;
    if (key_is_payout(key)) return value != 0 && payout_key_valid(s, key);
    if (key == KEY_IDENTITY) return compliance_identity_valid(value);
    if (key == KEY_BRIDGE_RECEIPT) return value != 0;
    return 0;
}

/* frozen <= balance for every holder (SPEC 3). */
static int engine__check_frozen(const struct engine *e) {
    uint32_t slot = 0;
    const struct holding *h;
    while ((h = holdings_next(&e->holdings, &slot)) != NULL) {
        if (!key_is_restriction(h->asset) || h->asset == KEY_RESTRICT_ADDRESS) continue;
        uint16_t asset = (uint16_t)(h->asset - KEY_RESTRICT_ASSET);
        if (asset >= e->s.assets_count) return -1;
        struct addr a;
        memcpy(a.bytes, h->addr, ADDR_BYTES);
        if ((holding_balance(h) & RESTRICT_AMOUNT_MASK) > engine_balance(e, asset, &a)) return -1;
    }
    return 0;
}

/* For a partitioned asset, every holder's balance is the sum of its
 * partition balances, and no partition record stands without a balance. */
static int engine__check_partitions(const struct engine *e) {
    uint32_t slot = 0;
    const struct holding *h;
    while ((h = holdings_next(&e->holdings, &slot)) != NULL) {
        struct addr a;
        memcpy(a.bytes, h->addr, ADDR_BYTES);
        if (key_is_partition(h->asset)) {
            uint16_t asset = (uint16_t)(h->asset & 0xFFu);
            if (!engine__key_valid(&e->s, h->asset, holding_balance(h))) return -1;
            if (holding_balance(h) > engine_balance(e, asset, &a)) return -1;
            continue;
        }
        if (!key_is_balance(h->asset) || e->s.assets[h->asset].kind != ASSET_SECURITY) continue;
        unsigned count = e->s.rules[h->asset].partitions_count;
        if (count == 0) continue;
        u128 sum = 0;
        for (unsigned p = 0; p < count; p++) {
            sum += compliance_partition_balance(e, h->asset, p, &a);
        }
        if (sum != holding_balance(h)) return -1;
    }
    return 0;
}

int engine_check_invariants(const struct engine *e) {
    u128 sums[LIMIT_ASSETS] = {0};
    uint64_t holders[LIMIT_ASSETS] = {0};
    uint32_t slot = 0;
    const struct holding *h;
    uint32_t restricted = 0;
    uint32_t identities = 0;
    while ((h = holdings_next(&e->holdings, &slot)) != NULL) {
        if (h->asset == KEY_IDENTITY) {
            identities += holding_balance(h) != 0;
            continue;
        }
        if (key_is_restriction(h->asset)) {
            if (holding_balance(h) != 0) restricted++;
            continue;
        }
        if (!key_is_balance(h->asset)) continue; /* partitions and payouts: below */
        if (h->asset >= e->s.assets_count) return -1;
        u128 b = holding_balance(h);
        if (__builtin_add_overflow(sums[h->asset], b, &sums[h->asset])) return -1;
        if (b != 0) holders[h->asset]++;
    }
    if (restricted != e->s.restricted_count) return -1;
    if (identities != e->s.identities_count) return -1;
    if (engine__check_frozen(e) != 0) return -1;
    if (engine__check_partitions(e) != 0) return -1;
    if (payout_check_invariants(e) != 0) return -1;
    if (bridge_check_invariants(e) != 0) return -1;
    if (vault_check_invariants(e) != 0) return -1;
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        const struct asset *a = &e->s.assets[i];
        if (a->supply != sums[i]) return -1;
        if (a->minted_total - a->burned_total != a->supply) return -1;
        if (a->minted_total < a->burned_total) return -1;
        if (a->holders_count != holders[i]) return -1;
    }
    return 0;
}
