/*
 * explain.c - the detail of a refusal: what the operator can do about it.
 *
 * Called by engine_apply and governance_execute when a handler refused a
 * command without words of its own. Everything is read from the state,
 * which the refusal left untouched, with the same arithmetic the checks
 * use (ledger.c, oracle.c, reserve.c), so the figures are the ones that
 * decided. Fixed-size buffers only.
 */
#include "explain.h"

#include <stdio.h>
#include <string.h>

#include "../base/duration.h"
#include "../base/u128.h"
#include "engine.h"
#include "engine_internal.h"
#include "reserve.h"
#include "restrict.h"
#include "role.h"

void explain_percent(uint32_t ppm, char out[24]) {
    uint32_t whole = ppm / 10000u, frac = ppm % 10000u;
    if (frac == 0) {
        snprintf(out, 24, "%u%%", whole);
        return;
    }
    char digits[8];
    snprintf(digits, sizeof(digits), "%04u", frac);
    size_t n = strlen(digits);
    while (n > 0 && digits[n - 1] == '0') digits[--n] = '\0';
    snprintf(out, 24, "%u.%s%%", whole, digits);
}

void explain_age(int64_t ns, char out[32]) {
    int64_t s = ns > 0 ? ns / NS_PER_S : 0;
    long long d = s / 86400, h = (s / 3600) % 24, m = (s / 60) % 60, sec = s % 60;
    if (d > 0) snprintf(out, 32, "%lldd %lldh", d, h);
    else if (h > 0) snprintf(out, 32, "%lldh %lldm", h, m);
    else if (m > 0) snprintf(out, 32, "%lldm %llds", m, sec);
    else snprintf(out, 32, "%llds", sec);
}

static int explain__asset(const struct command *cmd) {
    return (cmd->present & CMD_HAS_ASSET) ? (int)cmd->asset : -1;
}

static const char *explain__operator(const struct engine *e, uint32_t index) {
    return index < e->s.operators_count ? e->s.operators[index].name : "?";
}

/* The command whose role decides: an approval or a timelock execution is
 * judged on the command it releases. */
static const struct command *explain__governed(const struct engine *e, const struct command *cmd) {
    if (cmd->op == OP_APPROVE) {
        for (uint32_t i = 0; i < e->s.proposals_count; i++) {
            if (e->s.proposals[i].id == cmd->id) return &e->s.proposals[i].cmd;
        }
    } else if (cmd->op == OP_TIMELOCK_EXECUTE) {
        for (uint32_t i = 0; i < e->s.timelock_count; i++) {
            if (e->s.timelock[i].id == cmd->id) return &e->s.timelock[i].cmd;
        }
    }
    return NULL;
}

static void explain__role(const struct engine *e, const struct command *cmd, const char *who,
                          char *detail, size_t size);

static void explain__unauthorized(const struct engine *e, const struct command *cmd, char *detail,
                                  size_t size) {
    const char *who = explain__operator(e, cmd->operator_index);
    if (cmd->operator_index < e->s.operators_count && e->s.operators[cmd->operator_index].removed) {
        snprintf(detail, size, "operator %s has been removed", who);
        return;
    }
    const char *controller = explain__operator(e, e->s.controller);
    if (cmd->op == OP_CONTROLLER_PROPOSE) {
        snprintf(detail, size, "only the controller (%s) proposes a new one", controller);
    } else if (cmd->op == OP_CONTROLLER_ACCEPT) {
        snprintf(detail, size, "only the proposed controller (%s) accepts",
                 explain__operator(e, e->s.controller_pending));
    } else if (cmd->op == OP_CANCEL) {
        snprintf(detail, size, "only the proposer or an admin cancels proposal %llu",
                 (unsigned long long)cmd->id);
    } else if (cmd->op == OP_TIMELOCK_CANCEL) {
        snprintf(detail, size, "timelock cancel needs role admin; %s lacks it", who);
    } else if ((cmd->op == OP_ROLE_GRANT || cmd->op == OP_ROLE_REVOKE) && cmd->role == ROLE_ADMIN) {
        snprintf(detail, size, "only the controller (%s) grants or revokes admin", controller);
    } else {
        explain__role(e, cmd, who, detail, size);
    }
}

/* The role an op needs, and for which asset. */
static void explain__role(const struct engine *e, const struct command *cmd, const char *who,
                          char *detail, size_t size) {
    const struct command *ruled = explain__governed(e, cmd);
    const char *via = "";
    char what[64] = "";
    if (ruled != NULL) {
        via = cmd->op == OP_APPROVE ? "approving " : "executing ";
    } else {
        ruled = cmd;
    }
    snprintf(what, sizeof(what), "%s%s", via, op_table()[ruled->op].name);
    const char *role = role_name((enum role)op_table()[ruled->op].role);
    int asset = explain__asset(ruled);
    if (asset >= 0) {
        const char *sym = e->s.assets[asset].symbol;
        snprintf(detail, size, "%s %s needs role %s (global or %s@%s); %s holds neither", what, sym,
                 role, role, sym, who);
    } else {
        snprintf(detail, size, "%s needs role %s; %s lacks it", what, role, who);
    }
}

/* When the ledger's day ends: UTC midnight of the ledger clock. */
static void explain__reset(const struct engine *e, char *out, size_t size) {
    int64_t next = (e->s.time_ns / NS_PER_DAY + 1) * NS_PER_DAY;
    char at[40], in[32];
    time_format_iso(next, at);
    explain_age(next - e->s.time_ns, in);
    snprintf(out, size, "resets %.10sT00:00Z (in %s)", at, in);
}

static void explain__limit(const struct engine *e, const struct command *cmd, enum err err,
                           char *detail, size_t size) {
    const struct asset *a = &e->s.assets[cmd->asset];
    u128 minted, burned;
    engine_day_counters(e, cmd->asset, e->s.time_ns, &minted, &burned);
    u128 limit = err == ERR_DAILY_MINT_LIMIT ? a->daily_mint_limit : a->daily_inflow_limit;
    /* net inflow: minted - burned today, never below zero for display */
    u128 used = err == ERR_DAILY_MINT_LIMIT ? minted : (minted > burned ? minted - burned : 0);
    u128 remaining = limit > used ? limit - used : 0;
    if (err == ERR_DAILY_INFLOW_LIMIT) {
        /* the check: minted + amount <= limit + burned (burns make room) */
        u128 ceiling;
        if (u128_add(limit, burned, &ceiling) == ERR_OK) remaining = ceiling > minted ? ceiling - minted : 0;
    }
    char t_used[AMOUNT_TEXT_SIZE], t_limit[AMOUNT_TEXT_SIZE], t_left[AMOUNT_TEXT_SIZE],
        t_amount[AMOUNT_TEXT_SIZE], reset[64];
    amount_format(used, a->decimals, t_used);
    amount_format(limit, a->decimals, t_limit);
    amount_format(remaining, a->decimals, t_left);
    amount_format(cmd->amount, a->decimals, t_amount);
    explain__reset(e, reset, sizeof(reset));
    snprintf(detail, size, "%s used %s of %s today, %s remaining, %s asked; %s", a->symbol, t_used,
             t_limit, t_left, t_amount, reset);
}

static void explain__supply_cap(const struct engine *e, const struct command *cmd, char *detail,
                                size_t size) {
    const struct asset *a = &e->s.assets[cmd->asset];
    char t_supply[AMOUNT_TEXT_SIZE], t_amount[AMOUNT_TEXT_SIZE], t_cap[AMOUNT_TEXT_SIZE];
    amount_format(a->supply, a->decimals, t_supply);
    amount_format(cmd->amount, a->decimals, t_amount);
    amount_format(a->supply_cap, a->decimals, t_cap);
    snprintf(detail, size, "%s supply %s + %s asked > cap %s", a->symbol, t_supply, t_amount, t_cap);
}

static void explain__nav(const struct engine *e, const struct command *cmd, enum err err,
                         char *detail, size_t size) {
    const struct asset *a = &e->s.assets[cmd->asset];
    char t_age[32], t_max[32], t_at[40];
    if (err == ERR_NAV_MISSING) {
        snprintf(detail, size, "%s has no NAV yet: nav update %s VALUE first", a->symbol, a->symbol);
        return;
    }
    if (err == ERR_NAV_STALE) {
        explain_age(e->s.time_ns - a->nav_updated_ns, t_age);
        explain_age(a->nav_max_age_ns, t_max);
        time_format_iso(a->nav_updated_ns, t_at);
        snprintf(detail, size, "%s NAV is %s old (updated %s), nav_max_age %s: update it first",
                 a->symbol, t_age, t_at, t_max);
        return;
    }
    /* ERR_NAV_DEVIATION: the same ratio oracle.c refused on */
    u128 diff = cmd->price > a->nav ? cmd->price - a->nav : a->nav - cmd->price;
    uint64_t ppm = a->nav != 0 ? u128_ratio_ppm(diff, a->nav) : 0;
    char t_dev[24], t_limit[24], t_new[AMOUNT_TEXT_SIZE], t_old[AMOUNT_TEXT_SIZE];
    explain_percent(ppm > UINT32_MAX ? UINT32_MAX : (uint32_t)ppm, t_dev);
    explain_percent(a->nav_max_deviation_ppm, t_limit);
    amount_format(cmd->price, FEED_DECIMALS, t_new);
    amount_format(a->nav, FEED_DECIMALS, t_old);
    snprintf(detail, size,
             "%s %s is %s off the current %s (nav_max_deviation %s); nav force with a reason overrides",
             a->symbol, t_new, t_dev, t_old, t_limit);
}

static void explain__reserve(const struct engine *e, const struct command *cmd, enum err err,
                             char *detail, size_t size) {
    const struct asset *a = &e->s.assets[cmd->asset];
    u128 verified = 0;
    uint32_t fresh = 0;
    reserve_verified(e, cmd->asset, e->s.time_ns, &verified, &fresh);
    if (err == ERR_QUORUM_NOT_MET) {
        snprintf(detail, size, "%s has %u fresh reserve report%s of the %u needed", a->symbol, fresh,
                 fresh == 1 ? "" : "s", a->reserve_quorum);
        return;
    }
    u128 supply = reserve_backed_supply(e, cmd->asset);
    char t_ver[AMOUNT_TEXT_SIZE], t_supply[AMOUNT_TEXT_SIZE], t_amount[AMOUNT_TEXT_SIZE];
    amount_format(verified, a->decimals, t_ver);
    amount_format(supply, a->decimals, t_supply);
    amount_format(cmd->amount, a->decimals, t_amount);
    snprintf(detail, size, "%s verified reserve %s < supply %s + %s asked", a->symbol, t_ver,
             t_supply, t_amount);
}

static void explain__balance(const struct engine *e, const struct command *cmd, char *detail,
                             size_t size) {
    const struct asset *a = &e->s.assets[cmd->asset];
    u128 balance = engine_balance(e, cmd->asset, &cmd->from);
    u128 frozen = restrict_frozen_amount(e, cmd->asset, &cmd->from);
    u128 free = balance > frozen ? balance - frozen : 0;
    char t_free[AMOUNT_TEXT_SIZE], t_frozen[AMOUNT_TEXT_SIZE], t_amount[AMOUNT_TEXT_SIZE];
    amount_format(free, a->decimals, t_free);
    amount_format(frozen, a->decimals, t_frozen);
    amount_format(cmd->amount, a->decimals, t_amount);
    snprintf(detail, size, "%s unfrozen %s (frozen %s), %s asked", a->symbol, t_free, t_frozen,
             t_amount);
}

void explain_refusal(const struct engine *e, const struct command *cmd, enum err err,
                     char *detail, size_t size) {
    if (size == 0) return;
    int asset = explain__asset(cmd);
    int moves = cmd->op == OP_MINT || cmd->op == OP_BURN || cmd->op == OP_TRANSFER;
    if (err == ERR_UNAUTHORIZED) {
        explain__unauthorized(e, cmd, detail, size);
    } else if (asset < 0) {
        return; /* the rest are about an asset's figures */
    } else if (err == ERR_DAILY_MINT_LIMIT || err == ERR_DAILY_INFLOW_LIMIT) {
        explain__limit(e, cmd, err, detail, size);
    } else if (err == ERR_SUPPLY_CAP) {
        explain__supply_cap(e, cmd, detail, size);
    } else if (err == ERR_NAV_MISSING || err == ERR_NAV_STALE || err == ERR_NAV_DEVIATION) {
        explain__nav(e, cmd, err, detail, size);
    } else if (err == ERR_QUORUM_NOT_MET || err == ERR_RESERVE_INSUFFICIENT) {
        explain__reserve(e, cmd, err, detail, size);
    } else if (err == ERR_INSUFFICIENT_BALANCE && moves && cmd->op != OP_MINT &&
               !(cmd->present & CMD_HAS(FIELD_PARTITION))) {
        /* a partition's balance is another figure: only the plain case */
        explain__balance(e, cmd, detail, size);
    }
}
