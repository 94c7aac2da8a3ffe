/*
 * ledger.c - mint, burn and transfer with the SPEC 3 controls.
 *
 * Every handler validates first and mutates last, so a failed command
 * changes nothing. The transfer path does two table lookups, the checks,
 * two logged balance writes and one event: no allocation, no I/O.
 */
#include "ledger.h"

#include <string.h>

#include "../base/check.h"
#include "../base/duration.h"
#include "engine.h"
#include "engine_internal.h"
#include "compliance.h"
#include "keys.h"
#include "oracle.h"
#include "reserve.h"
#include "restrict.h"

/* SPEC 3 item 2 for every value-moving op. */
static enum err ledger__paused(const struct engine *e, const struct asset *a) {
    if (e->s.paused || a->paused) return ERR_PAUSED;
    return ERR_OK;
}

/* Item 5 (and the partition a command names, for every asset): only
 * commands that name a partition or move a security asset pay for it. */
static int ledger__compliance_applies(const struct asset *a, const struct command *cmd) {
    return a->kind == ASSET_SECURITY || (cmd->present & CMD_HAS(FIELD_PARTITION));
}

/* Check 5 for `amount` moving to `to`, the partition the command names
 * resolved already (compliance_partition: perr and its index). */
static enum err ledger__compliance(const struct engine *e, const struct command *cmd,
                                   enum err perr, int partition, const struct addr *to,
                                   u128 to_balance, u128 amount, int sender_leaves,
                                   int lockup_applies) {
    struct compliance_move m = {cmd->asset, partition, to, to_balance, amount, sender_leaves,
                                lockup_applies};
    enum err err = compliance_check(e, &m);
    /* SPEC's order puts a partition's error after identity, claims and
     * country: a wrong partition is reported there. */
    if (err == ERR_NOT_WHITELISTED || err == ERR_CLAIM_EXPIRED || err == ERR_JURISDICTION) return err;
    if (perr) return perr;
    return err;
}

enum err ledger_check_receiver(const struct engine *e, const struct command *cmd,
                               const struct addr *from, const struct addr *to, int lockup_applies,
                               int *partition) {
    *partition = -1;
    const struct asset *a = &e->s.assets[cmd->asset];
    if (!ledger__compliance_applies(a, cmd)) return ERR_OK;
    enum err perr = compliance_partition(e, cmd->asset, cmd, partition);
    u128 to_balance = engine_balance(e, cmd->asset, to);
    int leaves = 0;
    if (from != NULL && !addr_equal(from, to)) leaves = engine_balance(e, cmd->asset, from) == cmd->amount;
    return ledger__compliance(e, cmd, perr, *partition, to, to_balance, cmd->amount, leaves,
                              lockup_applies);
}

/* A transfer of a security asset reads up to six records at random places
 * of a large table (both totals, the receiver's identity, both partition
 * records): ask for them all before the first lookup, so that their cache
 * misses overlap instead of following one another. A hint only. */
static void ledger__prefetch_security(const struct engine *e, const struct command *cmd,
                                      int partition) {
    const struct holdings *h = &e->holdings;
    holdings_prefetch(h, cmd->asset, &cmd->from);
    holdings_prefetch(h, cmd->asset, &cmd->to);
    holdings_prefetch(h, KEY_IDENTITY, &cmd->to);
    if (partition < 0) return;
    holdings_prefetch(h, key_partition(cmd->asset, (unsigned)partition), &cmd->from);
    holdings_prefetch(h, key_partition(cmd->asset, (unsigned)partition), &cmd->to);
}

/* The partition part of item 6: what the sender holds in it. */
static enum err ledger__partition_funds(const struct engine *e, const struct command *cmd, int p,
                                        const struct addr *from) {
    if (p < 0) return ERR_OK;
    u128 held = compliance_partition_balance(e, cmd->asset, (unsigned)p, from);
    return held < cmd->amount ? ERR_INSUFFICIENT_BALANCE : ERR_OK;
}

static int64_t ledger__today(const struct engine *e) { return e->s.time_ns / NS_PER_DAY; }

/* Today's counters, zero when the stored ones are from another day. */
static void ledger__day(const struct engine *e, const struct asset *a, u128 *minted, u128 *burned) {
    if (a->day == ledger__today(e)) {
        *minted = a->minted_today;
        *burned = a->burned_today;
    } else {
        *minted = 0;
        *burned = 0;
    }
}

static u128 ledger__balance_at(const struct engine *e, uint32_t slot) {
    if (slot == HOLDINGS_NONE) return 0;
    return holding_balance(&e->holdings.slots[slot]);
}

/* Items 7-9 for a mint of `amount`: cap, daily mint, daily net inflow. */
static enum err ledger__mint_limits(const struct engine *e, const struct asset *a, u128 amount,
                                    u128 *new_supply) {
    u128 supply;
    enum err err = u128_add(a->supply, amount, &supply);
    if (err) return (a->limit_flags & ASSET_HAS_SUPPLY_CAP) ? ERR_SUPPLY_CAP : ERR_OVERFLOW;
    if ((a->limit_flags & ASSET_HAS_SUPPLY_CAP) && supply > a->supply_cap) return ERR_SUPPLY_CAP;
    u128 minted, burned;
    ledger__day(e, a, &minted, &burned);
    u128 minted_after;
    err = u128_add(minted, amount, &minted_after);
    if (err) return ERR_OVERFLOW;
    if ((a->limit_flags & ASSET_HAS_DAILY_MINT_LIMIT) && minted_after > a->daily_mint_limit) {
        return ERR_DAILY_MINT_LIMIT;
    }
    /* (minted - burned) + amount > limit, kept in unsigned form:
     * minted + amount > limit + burned. */
    if (a->limit_flags & ASSET_HAS_DAILY_INFLOW_LIMIT) {
        u128 ceiling;
        err = u128_add(a->daily_inflow_limit, burned, &ceiling);
        if (err == ERR_OK && minted_after > ceiling) return ERR_DAILY_INFLOW_LIMIT;
    }
    err = oracle_nav_check(e, (uint32_t)(a - e->s.assets), e->s.time_ns); /* item 10 */
    if (err) return err;
    err = reserve_mint_check(e, (uint32_t)(a - e->s.assets), amount); /* item 11 */
    if (err) return err;
    /* The lifetime total is the one counter that can pass 2^128 while supply
     * stays small (mint and burn the maximum, again and again). */
    u128 minted_total;
    if (u128_add(a->minted_total, amount, &minted_total)) return ERR_OVERFLOW;
    *new_supply = supply;
    return ERR_OK;
}

/* Write a new balance and keep the holder count exact. */
static void ledger__set(struct engine *e, struct asset *a, uint32_t slot, u128 old_balance,
                        u128 new_balance) {
    if (old_balance == 0 && new_balance != 0) a->holders_count++;
    if (old_balance != 0 && new_balance == 0) a->holders_count--;
    holdings_set_balance(&e->holdings, slot, new_balance);
}

static void ledger__roll_day(const struct engine *e, struct asset *a) {
    int64_t today = ledger__today(e);
    if (a->day != today) {
        a->day = today;
        a->minted_today = 0;
        a->burned_today = 0;
    }
}

enum err ledger_mint_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                           struct apply_result *out) {
    (void)out;
    struct asset *a = &e->s.assets[cmd->asset];
    enum err err = ledger__paused(e, a);
    if (err) return err;
    if (a->mint_halted) return ERR_MINT_HALTED;
    err = restrict_check(e, cmd->asset, &cmd->to, NULL);
    if (err) return err;
    int partition = -1;
    if (ledger__compliance_applies(a, cmd)) {
        err = ledger_check_receiver(e, cmd, NULL, &cmd->to, 0, &partition);
        if (err) return err;
    }
    u128 supply;
    err = ledger__mint_limits(e, a, cmd->amount, &supply);
    if (err) return err;

    uint32_t slot = holdings_upsert(&e->holdings, cmd->asset, &cmd->to);
    u128 old_balance = ledger__balance_at(e, slot);
    /* balance <= supply (invariant), and supply + amount did not overflow. */
    ledger__set(e, a, slot, old_balance, old_balance + cmd->amount);
    ledger__roll_day(e, a);
    a->supply = supply;
    a->minted_total += cmd->amount;
    a->minted_today += cmd->amount;
    if (partition >= 0) compliance_partition_add(e, cmd->asset, (unsigned)partition, &cmd->to, cmd->amount);

    struct event *ev = engine__emit(events, EVENT_MINT, cmd->asset);
    ev->to = cmd->to;
    ev->amount = cmd->amount;
    ev->code = (uint16_t)(partition + 1);
    return ERR_OK;
}

enum err ledger_burn_apply(struct engine *e, const struct command *cmd, struct event_buf *events,
                           struct apply_result *out) {
    (void)out;
    struct asset *a = &e->s.assets[cmd->asset];
    enum err err = ledger__paused(e, a);
    if (err) return err;
    err = restrict_check(e, cmd->asset, &cmd->from, NULL);
    if (err) return err;
    int partition = -1;
    if (ledger__compliance_applies(a, cmd)) {
        /* A burn has no receiver: item 5 is only the partition it names. */
        err = compliance_partition(e, cmd->asset, cmd, &partition);
        if (err) return err;
    }
    uint32_t slot = holdings_find(&e->holdings, cmd->asset, &cmd->from);
    u128 balance = ledger__balance_at(e, slot);
    if (balance < cmd->amount) return ERR_INSUFFICIENT_BALANCE;
    err = ledger__partition_funds(e, cmd, partition, &cmd->from);
    if (err) return err;
    u128 burned_total;
    if (u128_add(a->burned_total, cmd->amount, &burned_total)) return ERR_OVERFLOW;
    err = oracle_nav_check(e, cmd->asset, e->s.time_ns); /* item 10 */
    if (err) return err;

    /* A burn may reach into frozen tokens; the frozen amount follows it down. */
    u128 frozen = restrict_frozen_amount(e, cmd->asset, &cmd->from);
    if (frozen > balance - cmd->amount) {
        restrict_set_frozen_amount(e, cmd->asset, &cmd->from, balance - cmd->amount);
    }
    ledger__set(e, a, slot, balance, balance - cmd->amount);
    ledger__roll_day(e, a);
    ASSERT(a->supply >= cmd->amount);
    a->supply -= cmd->amount;
    a->burned_total = burned_total;
    a->burned_today += cmd->amount;
    if (partition >= 0) compliance_partition_sub(e, cmd->asset, (unsigned)partition, &cmd->from, cmd->amount);

    struct event *ev = engine__emit(events, EVENT_BURN, cmd->asset);
    ev->from = cmd->from;
    ev->amount = cmd->amount;
    ev->code = (uint16_t)(partition + 1);
    return ERR_OK;
}

static void ledger__transfer_event(struct event_buf *events, const struct command *cmd,
                                   int partition) {
    struct event *ev = engine__emit(events, EVENT_TRANSFER, cmd->asset);
    ev->from = cmd->from;
    ev->to = cmd->to;
    ev->amount = cmd->amount;
    ev->code = (uint16_t)(partition + 1);
}

/* A transfer of a security asset, or of any asset naming a partition:
 * items 5 and 6 with the partition records, the same order as the plain
 * path, each record looked up once (the slots stay put during a block). */
static enum err ledger__transfer_checked(struct engine *e, struct asset *a,
                                         const struct command *cmd, struct event_buf *events) {
    int partition = -1;
    enum err perr = compliance_partition(e, cmd->asset, cmd, &partition);
    if (a->kind == ASSET_SECURITY) ledger__prefetch_security(e, cmd, partition);
    /* A transfer to oneself changes no balance: it neither adds a holder
     * nor raises a balance towards max_balance. */
    int self = addr_equal(&cmd->from, &cmd->to);
    uint32_t source = holdings_find(&e->holdings, cmd->asset, &cmd->from);
    u128 source_balance = ledger__balance_at(e, source);
    uint32_t target = self ? source : holdings_find(&e->holdings, cmd->asset, &cmd->to);
    u128 target_balance = ledger__balance_at(e, target);
    enum err err = ledger__compliance(e, cmd, perr, partition, &cmd->to, target_balance,
                                      self ? 0 : cmd->amount, self || source_balance == cmd->amount, 1);
    if (err) return err;
    u128 frozen = restrict_frozen_amount(e, cmd->asset, &cmd->from);
    if (source_balance - frozen < cmd->amount) return ERR_INSUFFICIENT_BALANCE;
    uint32_t held_slot = HOLDINGS_NONE;
    u128 held = 0;
    if (partition >= 0) {
        held_slot = holdings_find(&e->holdings, key_partition(cmd->asset, (unsigned)partition), &cmd->from);
        held = ledger__balance_at(e, held_slot);
        if (held < cmd->amount) return ERR_INSUFFICIENT_BALANCE;
    }
    if (!self) {
        if (target == HOLDINGS_NONE) target = holdings_upsert(&e->holdings, cmd->asset, &cmd->to);
        ASSERT(target_balance <= a->supply - cmd->amount);
        ledger__set(e, a, source, source_balance, source_balance - cmd->amount);
        ledger__set(e, a, target, target_balance, target_balance + cmd->amount);
        if (partition >= 0) {
            holdings_set_balance(&e->holdings, held_slot, held - cmd->amount);
            compliance_partition_add(e, cmd->asset, (unsigned)partition, &cmd->to, cmd->amount);
        }
    }
    ledger__transfer_event(events, cmd, partition);
    return ERR_OK;
}

enum err ledger_transfer_apply(struct engine *e, const struct command *cmd,
                               struct event_buf *events, struct apply_result *out) {
    (void)out;
    struct asset *a = &e->s.assets[cmd->asset];
    enum err err = ledger__paused(e, a);
    if (err) return err;
    err = restrict_check(e, cmd->asset, &cmd->from, &cmd->to);
    if (err) return err;
    if (ledger__compliance_applies(a, cmd)) return ledger__transfer_checked(e, a, cmd, events);
    uint32_t source = holdings_find(&e->holdings, cmd->asset, &cmd->from);
    u128 source_balance = ledger__balance_at(e, source);
    /* Item 6: only the unfrozen part of the balance moves. */
    u128 frozen = restrict_frozen_amount(e, cmd->asset, &cmd->from);
    if (source_balance - frozen < cmd->amount) return ERR_INSUFFICIENT_BALANCE;
    if (!addr_equal(&cmd->from, &cmd->to)) {
        uint32_t target = holdings_upsert(&e->holdings, cmd->asset, &cmd->to);
        u128 target_balance = ledger__balance_at(e, target);
        ASSERT(target_balance <= a->supply - cmd->amount);
        ledger__set(e, a, source, source_balance, source_balance - cmd->amount);
        ledger__set(e, a, target, target_balance, target_balance + cmd->amount);
    }
    ledger__transfer_event(events, cmd, -1);
    return ERR_OK;
}

void ledger_move_partition(struct engine *e, uint16_t asset, int partition, const struct addr *from,
                           const struct addr *to, u128 amount) {
    ledger_move(e, asset, from, to, amount);
    if (partition >= 0) {
        compliance_partition_sub(e, asset, (unsigned)partition, from, amount);
        compliance_partition_add(e, asset, (unsigned)partition, to, amount);
    }
}

void ledger_move(struct engine *e, uint16_t asset, const struct addr *from, const struct addr *to,
                 u128 amount) {
    struct asset *a = &e->s.assets[asset];
    uint32_t source = holdings_find(&e->holdings, asset, from);
    u128 source_balance = ledger__balance_at(e, source);
    ASSERT(source != HOLDINGS_NONE && source_balance >= amount);
    uint32_t target = holdings_upsert(&e->holdings, asset, to);
    u128 target_balance = ledger__balance_at(e, target);
    ASSERT(target_balance <= a->supply - amount);
    ledger__set(e, a, source, source_balance, source_balance - amount);
    ledger__set(e, a, target, target_balance, target_balance + amount);
}
