/* reserve.c - reserve reports, the verified reserve, attestations, check 11. */
#include "reserve.h"

#include <string.h>

#include "engine.h"
#include "engine_internal.h"

int reserve_verified(const struct engine *e, uint32_t asset, int64_t time_ns, u128 *verified,
                     uint32_t *fresh) {
    u128 amounts[LIMIT_RESERVE_REPORTS];
    uint32_t n = 0;
    for (uint32_t i = 0; i < e->s.reserve_reports_count; i++) {
        const struct reserve_report *r = &e->s.reserve_reports[i];
        if (r->asset != asset || time_ns - r->time_ns > RESERVE_REPORT_MAX_AGE_NS) continue;
        /* insertion sort: at most LIMIT_RESERVE_REPORTS values */
        uint32_t k = n++;
        while (k > 0 && amounts[k - 1] > r->amount) {
            amounts[k] = amounts[k - 1];
            k--;
        }
        amounts[k] = r->amount;
    }
    *fresh = n;
    if (n == 0 || n < e->s.assets[asset].reserve_quorum) return 0;
    *verified = amounts[(n - 1) / 2];
    return 1;
}

u128 reserve_backed_supply(const struct engine *e, uint32_t asset) {
    u128 supply = e->s.assets[asset].supply;
    u128 vault = vault_debt_of_asset(e, asset);
    return vault < supply ? supply - vault : 0; /* vault debt <= supply (invariant) */
}

enum err reserve_mint_check(const struct engine *e, uint32_t asset, u128 amount) {
    const struct asset *a = &e->s.assets[asset];
    if (a->kind != ASSET_FIAT) return ERR_OK;
    u128 verified;
    uint32_t fresh;
    if (!reserve_verified(e, asset, e->s.time_ns, &verified, &fresh)) return ERR_QUORUM_NOT_MET;
    u128 after;
    if (u128_add(reserve_backed_supply(e, asset), amount, &after) || verified < after) {
        return ERR_RESERVE_INSUFFICIENT;
    }
    return ERR_OK;
}

enum err reserve_report_apply(struct engine *e, const struct command *cmd,
                              struct event_buf *events, struct apply_result *out) {
    (void)out;
    if (e->s.assets[cmd->asset].kind != ASSET_FIAT) return ERR_NOT_FIAT;
    struct reserve_report *slot = NULL;
    for (uint32_t i = 0; i < e->s.reserve_reports_count && slot == NULL; i++) {
        struct reserve_report *r = &e->s.reserve_reports[i];
        if (r->asset == cmd->asset && r->reporter == cmd->operator_index) slot = r;
    }
    if (slot == NULL) {
        if (e->s.reserve_reports_count == LIMIT_RESERVE_REPORTS) return ERR_LIMIT_REACHED;
        slot = &e->s.reserve_reports[e->s.reserve_reports_count++];
        slot->asset = cmd->asset;
        slot->reporter = cmd->operator_index;
    }
    slot->amount = cmd->amount;
    slot->time_ns = e->s.time_ns;
    struct event *ev = engine__emit(events, EVENT_RESERVE_REPORTED, cmd->asset);
    ev->amount = cmd->amount;
    ev->who = cmd->operator_index;
    return ERR_OK;
}

enum err reserve_attest_apply(struct engine *e, const struct command *cmd,
                              struct event_buf *events, struct apply_result *out) {
    (void)out;
    struct asset *a = &e->s.assets[cmd->asset];
    if (a->kind != ASSET_FIAT) return ERR_NOT_FIAT;
    a->attested_usd = cmd->price;
    memcpy(a->attest_hash, cmd->pubkey, sizeof(a->attest_hash));
    a->attested_ns = e->s.time_ns;
    struct event *ev = engine__emit(events, EVENT_RESERVE_ATTESTED, cmd->asset);
    ev->amount = cmd->price;
    ev->who = cmd->operator_index;
    return ERR_OK;
}
