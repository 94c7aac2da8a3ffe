/*
 * restrict.c - blacklists, freezes and the agents' tools (forced transfer,
 * recover, rescue), as ERC-3643 has them.
 *
 * Every handler validates first and mutates last. The invariant kept here
 * with ledger.c: the partially frozen amount of a holding never exceeds its
 * balance (a burn or rescue that reaches into frozen tokens lowers it; a
 * forced transfer unfreezes what the free balance does not cover).
 */
#include "restrict.h"

#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "engine_internal.h"
#include "bridge.h"
#include "compliance.h"
#include "ledger.h"

#define RESTRICT_SCOPE_ADDRESS 0u
#define RESTRICT_SCOPE_ASSET 1u
#define RESTRICT_SCOPE_AMOUNT 2u

static u128 restrict__get(const struct engine *e, uint16_t key, const struct addr *a) {
    if (e->s.restricted_count == 0) return 0;
    uint32_t slot = holdings_find(&e->holdings, key, a);
    return slot == HOLDINGS_NONE ? 0 : holding_balance(&e->holdings.slots[slot]);
}

static void restrict__put(struct engine *e, uint16_t key, const struct addr *a, u128 value) {
    u128 old = restrict__get(e, key, a);
    if (old == value) return;
    uint32_t slot = holdings_upsert(&e->holdings, key, a);
    holdings_set_balance(&e->holdings, slot, value);
    if (old == 0) e->s.restricted_count++;
    if (value == 0) e->s.restricted_count--;
}

uint32_t restrict_address_flags(const struct engine *e, const struct addr *a) {
    return (uint32_t)restrict__get(e, RESTRICT_ADDRESS, a);
}

u128 restrict_frozen_amount(const struct engine *e, uint16_t asset, const struct addr *a) {
    return restrict__get(e, (uint16_t)(RESTRICT_ASSET | asset), a) & RESTRICT_AMOUNT_MASK;
}

int restrict_asset_frozen(const struct engine *e, uint16_t asset, const struct addr *a) {
    return (restrict__get(e, (uint16_t)(RESTRICT_ASSET | asset), a) & RESTRICT_ASSET_FROZEN) != 0;
}

static int restrict__frozen(const struct engine *e, uint16_t asset, const struct addr *a) {
    return (restrict_address_flags(e, a) & RESTRICT_FROZEN) || restrict_asset_frozen(e, asset, a);
}

enum err restrict_check(const struct engine *e, uint16_t asset, const struct addr *first,
                        const struct addr *second) {
    if (vault_is_escrow(e, first) || vault_is_escrow(e, second)) return ERR_INVALID_ADDRESS; /* vault.h */
    if (bridge_is_escrow(e, first) || bridge_is_escrow(e, second)) return ERR_INVALID_ADDRESS; /* bridge.h */
    if (e->s.restricted_count == 0) return ERR_OK;
    if (first && (restrict_address_flags(e, first) & RESTRICT_BLACKLISTED)) return ERR_BLACKLISTED;
    if (second && (restrict_address_flags(e, second) & RESTRICT_BLACKLISTED)) return ERR_BLACKLISTED;
    if (first && restrict__frozen(e, asset, first)) return ERR_FROZEN;
    if (second && restrict__frozen(e, asset, second)) return ERR_FROZEN;
    return ERR_OK;
}

void restrict_set_frozen_amount(struct engine *e, uint16_t asset, const struct addr *a, u128 amount) {
    uint16_t key = (uint16_t)(RESTRICT_ASSET | asset);
    u128 flag = restrict__get(e, key, a) & RESTRICT_ASSET_FROZEN;
    restrict__put(e, key, a, flag | amount);
}

static struct event *restrict__event(struct event_buf *events, enum event_type type,
                                     uint16_t asset, const struct addr *a) {
    struct event *ev = engine__emit(events, type, asset);
    ev->from = *a;
    return ev;
}

/* Set or clear one bit of an address's flags; returns whether it already was so. */
static int restrict__address_bit(struct engine *e, const struct addr *a, uint32_t bit, int on) {
    uint32_t flags = restrict_address_flags(e, a);
    int already = ((flags & bit) != 0) == on;
    restrict__put(e, RESTRICT_ADDRESS, a, on ? (flags | bit) : (flags & ~bit));
    return already;
}

enum err restrict_blacklist_add_remove_apply(struct engine *e, const struct command *cmd,
                                             struct event_buf *events, struct apply_result *out) {
    int on = cmd->op == OP_BLACKLIST_ADD;
    int already = restrict__address_bit(e, &cmd->from, RESTRICT_BLACKLISTED, on);
    if (already) out->note = on ? "already blacklisted" : "not blacklisted";
    struct event *ev = restrict__event(events, on ? EVENT_BLACKLISTED : EVENT_UNBLACKLISTED,
                                       (uint16_t)EVENT_NO_ASSET, &cmd->from);
    ev->flags = (uint32_t)already;
    return ERR_OK;
}

/* Freeze or unfreeze part of a balance: the new frozen amount, checked. */
static enum err restrict__partial(const struct engine *e, const struct command *cmd, int on,
                                  u128 *next) {
    u128 frozen = restrict_frozen_amount(e, cmd->asset, &cmd->from);
    if (!on) {
        if (cmd->amount > frozen) return ERR_INVALID_AMOUNT; /* more than is frozen */
        *next = frozen - cmd->amount;
        return ERR_OK;
    }
    u128 sum;
    if (u128_add(frozen, cmd->amount, &sum) || sum > RESTRICT_AMOUNT_MASK) return ERR_OVERFLOW;
    if (sum > engine_balance(e, cmd->asset, &cmd->from)) return ERR_INVALID_AMOUNT;
    *next = sum;
    return ERR_OK;
}

enum err restrict_freeze_unfreeze_apply(struct engine *e, const struct command *cmd,
                                        struct event_buf *events, struct apply_result *out) {
    int on = cmd->op == OP_FREEZE;
    enum event_type type = on ? EVENT_FROZEN : EVENT_UNFROZEN;
    if (cmd->present & CMD_HAS_AMOUNT) {
        u128 next;
        enum err err = restrict__partial(e, cmd, on, &next);
        if (err == ERR_INVALID_AMOUNT) {
            /* which amounts: the operator sees the figures, not only the code */
            unsigned d = e->s.assets[cmd->asset].decimals;
            char amount[AMOUNT_TEXT_SIZE], frozen[AMOUNT_TEXT_SIZE], balance[AMOUNT_TEXT_SIZE];
            amount_format(cmd->amount, d, amount);
            amount_format(restrict_frozen_amount(e, cmd->asset, &cmd->from), d, frozen);
            amount_format(engine_balance(e, cmd->asset, &cmd->from), d, balance);
            snprintf(out->detail, sizeof(out->detail),
                     on ? "freezing %s more would freeze more than the balance (%s frozen of %s)"
                        : "unfreezing %s is more than is frozen (%s frozen of %s)",
                     amount, frozen, balance);
        }
        if (err) return err;
        restrict_set_frozen_amount(e, cmd->asset, &cmd->from, next);
        struct event *ev = restrict__event(events, type, cmd->asset, &cmd->from);
        ev->code = RESTRICT_SCOPE_AMOUNT;
        ev->amount = cmd->amount;
        return ERR_OK;
    }
    int already;
    uint16_t asset = (uint16_t)EVENT_NO_ASSET;
    if (cmd->present & CMD_HAS_ASSET) {
        uint16_t key = (uint16_t)(RESTRICT_ASSET | cmd->asset);
        u128 v = restrict__get(e, key, &cmd->from);
        already = ((v & RESTRICT_ASSET_FROZEN) != 0) == on;
        restrict__put(e, key, &cmd->from, on ? (v | RESTRICT_ASSET_FROZEN) : (v & RESTRICT_AMOUNT_MASK));
        asset = cmd->asset;
    } else {
        already = restrict__address_bit(e, &cmd->from, RESTRICT_FROZEN, on);
    }
    if (already) out->note = on ? "already frozen" : "not frozen";
    struct event *ev = restrict__event(events, type, asset, &cmd->from);
    ev->code = (uint16_t)(asset == (uint16_t)EVENT_NO_ASSET ? RESTRICT_SCOPE_ADDRESS : RESTRICT_SCOPE_ASSET);
    ev->flags = (uint32_t)already;
    return ERR_OK;
}

/* The receiver of an agent's tool must be able to hold: not blacklisted,
 * not frozen (SPEC 3's invariant on receivers). */
static enum err restrict__receiver(const struct engine *e, uint16_t asset, const struct addr *to) {
    return restrict_check(e, asset, NULL, to);
}

enum err restrict_forced_transfer_apply(struct engine *e, const struct command *cmd,
                                        struct event_buf *events, struct apply_result *out) {
    (void)out;
    if (addr_equal(&cmd->from, &cmd->to)) return ERR_INVALID_ARGUMENT;
    if (vault_is_escrow(e, &cmd->from) || vault_is_escrow(e, &cmd->to)) return ERR_INVALID_ADDRESS;
    if (bridge_is_escrow(e, &cmd->from) || bridge_is_escrow(e, &cmd->to)) return ERR_INVALID_ADDRESS;
    if (e->s.restricted_count &&
        (restrict_address_flags(e, &cmd->from) & RESTRICT_BLACKLISTED)) {
        return ERR_BLACKLISTED;
    }
    enum err err = restrict__receiver(e, cmd->asset, &cmd->to);
    if (err) return err;
    int partition;
    err = ledger_check_receiver(e, cmd, &cmd->from, &cmd->to, 0, &partition);
    if (err) return err;
    u128 balance = engine_balance(e, cmd->asset, &cmd->from);
    if (balance < cmd->amount) return ERR_INSUFFICIENT_BALANCE;
    if (partition >= 0 && compliance_partition_balance(e, cmd->asset, (unsigned)partition, &cmd->from) < cmd->amount) {
        return ERR_INSUFFICIENT_BALANCE;
    }
    u128 frozen = restrict_frozen_amount(e, cmd->asset, &cmd->from);
    u128 free_amount = balance - frozen;
    u128 unfreeze = cmd->amount > free_amount ? cmd->amount - free_amount : 0;
    if (unfreeze) {
        restrict_set_frozen_amount(e, cmd->asset, &cmd->from, frozen - unfreeze);
        struct event *ev = restrict__event(events, EVENT_UNFROZEN, cmd->asset, &cmd->from);
        ev->code = RESTRICT_SCOPE_AMOUNT;
        ev->amount = unfreeze;
    }
    ledger_move_partition(e, cmd->asset, partition, &cmd->from, &cmd->to, cmd->amount);
    struct event *ev = restrict__event(events, EVENT_FORCED_TRANSFER, cmd->asset, &cmd->from);
    ev->to = cmd->to;
    ev->amount = cmd->amount;
    ev->code = (uint16_t)(partition + 1);
    return ERR_OK;
}

/* Recover's item 5 for a security asset: a balance lands on the new
 * address, so that address is judged as any receiver is (SPEC 3's
 * invariant: nothing lands on an unverified receiver), with the identity
 * it will hold: the lost one's, which moves with the balance, or its own
 * when the lost address has none. Each partition the lost address holds
 * brings its own claims and no_us_persons; max_balance is checked on what
 * the new address ends with. The holder count cannot grow (one holder
 * replaces another, or two become one) and lockups are for holders'
 * transfers, so neither applies. */
static enum err restrict__recover_compliance(const struct engine *e, const struct command *cmd,
                                             u128 balance) {
    if (e->s.assets[cmd->asset].kind != ASSET_SECURITY) return ERR_OK;
    struct identity id;
    identity_read(e, &cmd->from, &id);
    if (!id.registered) identity_read(e, &cmd->to, &id);
    struct compliance_move m = {cmd->asset, -1, &cmd->to, engine_balance(e, cmd->asset, &cmd->to),
                                balance, 1, 0};
    enum err err = compliance_check_identity(e, &m, &id);
    for (unsigned p = 0; err == ERR_OK && p < e->s.rules[cmd->asset].partitions_count; p++) {
        if (compliance_partition_balance(e, cmd->asset, p, &cmd->from) == 0) continue;
        m.partition = (int)p;
        err = compliance_check_identity(e, &m, &id);
    }
    return err;
}

enum err restrict_recover_apply(struct engine *e, const struct command *cmd,
                                struct event_buf *events, struct apply_result *out) {
    (void)out;
    if (addr_equal(&cmd->from, &cmd->to)) return ERR_INVALID_ARGUMENT;
    if (vault_is_escrow(e, &cmd->from) || vault_is_escrow(e, &cmd->to)) return ERR_INVALID_ADDRESS;
    if (bridge_is_escrow(e, &cmd->from) || bridge_is_escrow(e, &cmd->to)) return ERR_INVALID_ADDRESS;
    enum err err = restrict__receiver(e, cmd->asset, &cmd->to);
    if (err) return err;
    u128 balance = engine_balance(e, cmd->asset, &cmd->from);
    uint16_t key = (uint16_t)(RESTRICT_ASSET | cmd->asset);
    u128 lost_record = restrict__get(e, key, &cmd->from);
    if (balance == 0 && lost_record == 0) return ERR_INSUFFICIENT_BALANCE; /* nothing to recover */
    u128 new_frozen = restrict_frozen_amount(e, cmd->asset, &cmd->to);
    if ((lost_record & RESTRICT_AMOUNT_MASK) + new_frozen > RESTRICT_AMOUNT_MASK) return ERR_OVERFLOW;
    err = restrict__recover_compliance(e, cmd, balance);
    if (err) return err;
    if (balance) ledger_move(e, cmd->asset, &cmd->from, &cmd->to, balance);
    if (e->s.assets[cmd->asset].kind == ASSET_SECURITY) {
        /* Every partition's balance, and the identity (SPEC 4, ERC-3643). */
        for (unsigned p = 0; p < e->s.rules[cmd->asset].partitions_count; p++) {
            u128 held = compliance_partition_balance(e, cmd->asset, p, &cmd->from);
            if (held == 0) continue;
            compliance_partition_sub(e, cmd->asset, p, &cmd->from, held);
            compliance_partition_add(e, cmd->asset, p, &cmd->to, held);
        }
    }
    compliance_identity_move(e, &cmd->from, &cmd->to);
    /* The frozen amount and flag go with the balance (ERC-3643 recoveryAddress). */
    restrict__put(e, key, &cmd->from, 0);
    restrict__put(e, key, &cmd->to, lost_record + new_frozen);
    struct event *ev = restrict__event(events, EVENT_RECOVERED, cmd->asset, &cmd->from);
    ev->to = cmd->to;
    ev->amount = balance;
    return ERR_OK;
}

enum err restrict_rescue_apply(struct engine *e, const struct command *cmd,
                               struct event_buf *events, struct apply_result *out) {
    (void)out;
    if (addr_equal(&cmd->from, &cmd->to)) return ERR_INVALID_ARGUMENT;
    if (vault_is_escrow(e, &cmd->from) || vault_is_escrow(e, &cmd->to)) return ERR_INVALID_ADDRESS;
    if (bridge_is_escrow(e, &cmd->from) || bridge_is_escrow(e, &cmd->to)) return ERR_INVALID_ADDRESS;
    enum err err = restrict__receiver(e, cmd->asset, &cmd->to);
    if (err) return err;
    int partition;
    err = ledger_check_receiver(e, cmd, &cmd->from, &cmd->to, 0, &partition);
    if (err) return err;
    u128 balance = engine_balance(e, cmd->asset, &cmd->from);
    if (balance < cmd->amount) return ERR_INSUFFICIENT_BALANCE;
    if (partition >= 0 && compliance_partition_balance(e, cmd->asset, (unsigned)partition, &cmd->from) < cmd->amount) {
        return ERR_INSUFFICIENT_BALANCE;
    }
    u128 frozen = restrict_frozen_amount(e, cmd->asset, &cmd->from);
    if (frozen > balance - cmd->amount) {
        restrict_set_frozen_amount(e, cmd->asset, &cmd->from, balance - cmd->amount);
    }
    ledger_move_partition(e, cmd->asset, partition, &cmd->from, &cmd->to, cmd->amount);
    struct event *ev = restrict__event(events, EVENT_RESCUED, cmd->asset, &cmd->from);
    ev->to = cmd->to;
    ev->amount = cmd->amount;
    ev->code = (uint16_t)(partition + 1);
    return ERR_OK;
}
