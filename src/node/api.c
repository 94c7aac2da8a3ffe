/*
 * api.c - the read API: status, assets, balances, accounts (their
 * security-token parts: api_compliance.c).
 *
 * Engine reads hold the chain lock for reading, so a reader never sees a
 * block half applied or not yet durable. Usage figures are ratios for
 * display (JSON numbers); every amount is an exact decimal string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/duration.h"
#include "../engine/oracle.h"
#include "../base/hex.h"
#include "../engine/reserve.h"
#include "../engine/restrict.h"
#include "ha.h"
#include "server.h"

static void api__ok(struct server_response *out) {
    out->status = 200;
    out->content_type = NULL;
}

/* {"used", "limit", "remaining", "usage"}: limit, remaining, usage null when unset. */
static void api__usage(struct jw *w, const char *key, u128 used, int has_limit, u128 limit,
                       unsigned decimals) {
    jw_key(w, key);
    jw_object_begin(w);
    jw_kv_amount(w, "used", used, decimals);
    jw_key(w, "limit");
    if (has_limit) jw_amount(w, limit, decimals);
    else jw_null(w);
    jw_key(w, "remaining");
    if (has_limit) jw_amount(w, used >= limit ? 0 : limit - used, decimals);
    else jw_null(w);
    jw_key(w, "usage");
    if (has_limit) jw_double(w, limit == 0 ? 1.0 : (double)u128_ratio_ppm(used, limit) / 1e6);
    else jw_null(w);
    jw_object_end(w);
}

/* {"value", "updated_at", "age_s", "stale"}: a fund's NAV at now_ns. */
static void api__nav_fields(const struct engine *e, uint32_t index, int64_t now_ns, struct jw *w) {
    const struct asset *a = &e->s.assets[index];
    int has = a->nav_updated_ns != 0;
    jw_key(w, "value");
    if (has) jw_amount(w, a->nav, FEED_DECIMALS);
    else jw_null(w);
    jw_key(w, "updated_at");
    if (has) {
        char t[40];
        time_format_iso(a->nav_updated_ns, t);
        jw_string(w, t);
    } else {
        jw_null(w);
    }
    jw_key(w, "age_s");
    if (has) jw_int(w, (now_ns - a->nav_updated_ns) / 1000000000);
    else jw_null(w);
    jw_kv_bool(w, "stale", oracle_nav_check(e, index, now_ns) != ERR_OK);
}

/* {"verified", "ratio", "quorum_met", "quorum", "reports", "below_one",
 * "por"} of a fiat asset; "por" is the latest proof-of-reserves publication
 * {block, published_at, age_s, root} or null. */
static void api__reserve_fields(const struct engine *e, uint32_t index, int64_t now_ns, struct jw *w) {
    const struct asset *a = &e->s.assets[index];
    u128 verified = 0;
    uint32_t fresh = 0;
    int met = reserve_verified(e, index, now_ns, &verified, &fresh);
    jw_key(w, "verified");
    if (met) jw_amount(w, verified, a->decimals);
    else jw_null(w);
    jw_key(w, "ratio");
    u128 backed = reserve_backed_supply(e, index);
    if (met && backed) jw_double(w, (double)u128_ratio_ppm(verified, backed) / 1e6);
    else jw_null(w);
    jw_kv_bool(w, "quorum_met", met);
    jw_kv_uint(w, "quorum", a->reserve_quorum);
    jw_kv_uint(w, "reports", fresh);
    jw_kv_bool(w, "below_one", met && a->supply && verified < a->supply);
    jw_key(w, "por");
    if (a->por.block) {
        char t[40], hex[HASH_HEX_SIZE];
        time_format_iso(a->por.time_ns, t);
        hex_encode(a->por.root, HASH_BYTES, hex);
        jw_object_begin(w);
        jw_kv_uint(w, "block", a->por.block);
        jw_kv_string(w, "published_at", t);
        jw_kv_int(w, "age_s", (now_ns - a->por.time_ns) / 1000000000);
        jw_kv_string(w, "root", hex);
        jw_object_end(w);
    } else {
        jw_null(w);
    }
}

static void api__asset_status(const struct engine *e, uint32_t index, int64_t now_ns, struct jw *w) {
    const struct asset *a = &e->s.assets[index];
    jw_object_begin(w);
    jw_kv_string(w, "symbol", a->symbol);
    jw_kv_string(w, "kind", asset_kind_name((enum asset_kind)a->kind));
    jw_kv_uint(w, "decimals", a->decimals);
    if (a->currency[0]) jw_kv_string(w, "currency", a->currency);
    jw_kv_bool(w, "paused", a->paused || e->s.paused);
    jw_kv_bool(w, "mint_halted", a->mint_halted);
    jw_kv_amount(w, "supply", a->supply, a->decimals);
    int has_cap = (a->limit_flags & ASSET_HAS_SUPPLY_CAP) != 0;
    jw_key(w, "supply_cap");
    if (has_cap) jw_amount(w, a->supply_cap, a->decimals);
    else jw_null(w);
    jw_key(w, "supply_cap_usage");
    if (has_cap) jw_double(w, a->supply_cap == 0 ? 1.0 : (double)u128_ratio_ppm(a->supply, a->supply_cap) / 1e6);
    else jw_null(w);
    u128 minted, burned;
    engine_day_counters(e, index, now_ns, &minted, &burned);
    api__usage(w, "daily_mint", minted, (a->limit_flags & ASSET_HAS_DAILY_MINT_LIMIT) != 0,
               a->daily_mint_limit, a->decimals);
    api__usage(w, "daily_net_inflow", minted > burned ? minted - burned : 0,
               (a->limit_flags & ASSET_HAS_DAILY_INFLOW_LIMIT) != 0, a->daily_inflow_limit,
               a->decimals);
    jw_kv_uint(w, "holders", a->holders_count);
    api_security_fields(e, index, w);
    if (a->kind == ASSET_FIAT) {
        jw_key(w, "reserve");
        jw_object_begin(w);
        api__reserve_fields(e, index, now_ns, w);
        jw_object_end(w);
    }
    if (a->kind == ASSET_FUND) {
        jw_key(w, "nav");
        jw_object_begin(w);
        api__nav_fields(e, index, now_ns, w);
        jw_object_end(w);
    }
    jw_object_end(w);
}

static void api__reserve_show(const struct engine *e, uint32_t index, int64_t now_ns, struct jw *w) {
    const struct asset *a = &e->s.assets[index];
    jw_object_begin(w);
    jw_kv_string(w, "asset", a->symbol);
    jw_kv_amount(w, "supply", a->supply, a->decimals);
    api__reserve_fields(e, index, now_ns, w);
    jw_key(w, "report_list");
    jw_array_begin(w);
    for (uint32_t i = 0; i < e->s.reserve_reports_count; i++) {
        const struct reserve_report *r = &e->s.reserve_reports[i];
        if (r->asset != index) continue;
        char t[40];
        time_format_iso(r->time_ns, t);
        jw_object_begin(w);
        jw_kv_string(w, "reporter", e->s.operators[r->reporter].name);
        jw_kv_amount(w, "amount", r->amount, a->decimals);
        jw_kv_string(w, "reported_at", t);
        jw_kv_int(w, "age_s", (now_ns - r->time_ns) / 1000000000);
        jw_kv_bool(w, "fresh", now_ns - r->time_ns <= RESERVE_REPORT_MAX_AGE_NS);
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_key(w, "attestation");
    if (a->attested_ns) {
        char t[40], hex[65];
        time_format_iso(a->attested_ns, t);
        hex_encode(a->attest_hash, sizeof(a->attest_hash), hex);
        jw_object_begin(w);
        jw_kv_amount(w, "usd", a->attested_usd, FEED_DECIMALS);
        jw_kv_string(w, "hash", hex);
        jw_kv_string(w, "attested_at", t);
        jw_object_end(w);
    } else {
        jw_null(w);
    }
    jw_object_end(w);
}

int api_asset_of_kind(const struct engine *e, const char *symbol, enum asset_kind kind,
                      struct server_response *out) {
    int index = engine_asset_find(e, symbol, strlen(symbol));
    if (index < 0) {
        server_error(out, ERR_UNKNOWN_ASSET, symbol);
    } else if (e->s.assets[index].kind != kind) {
        if (kind == ASSET_FIAT) server_error(out, ERR_NOT_FIAT, symbol);
        else server_error(out, ERR_INVALID_ARGUMENT, "not a fund asset: it has no NAV");
        index = -1;
    }
    return index;
}

void api_reserve(struct server *s, const char *symbol, struct server_response *out) {
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    int index = api_asset_of_kind(e, symbol, ASSET_FIAT, out);
    if (index >= 0) {
        struct jw w;
        jw_init(&w, &out->body);
        api__reserve_show(e, (uint32_t)index, server_now(s), &w);
        api__ok(out);
    }
    pthread_rwlock_unlock(&s->chain.lock);
}

void api_nav(struct server *s, const char *symbol, struct server_response *out) {
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    int index = api_asset_of_kind(e, symbol, ASSET_FUND, out);
    if (index >= 0) {
        struct jw w;
        jw_init(&w, &out->body);
        jw_object_begin(&w);
        jw_kv_string(&w, "asset", symbol);
        api__nav_fields(e, (uint32_t)index, server_now(s), &w);
        jw_kv_uint(&w, "forced_updates", e->s.assets[index].nav_force_count);
        jw_object_end(&w);
        api__ok(out);
    }
    pthread_rwlock_unlock(&s->chain.lock);
}

int64_t server_now(const struct server *s) {
    int64_t ledger = s->chain.engine.s.time_ns;
    if (s->chain.clock_manual) return ledger;
    int64_t wall = chain_now_ns();
    return wall > ledger ? wall : ledger;
}

static void api__node(struct server *s, struct jw *w) {
    const struct engine *e = &s->chain.engine;
    char t[40];
    char hex[HASH_HEX_SIZE];
    struct hash h;
    engine_state_hash(e, &h);
    hash_hex(&h, hex);
    time_format_iso(e->s.time_ns, t);
    jw_key(w, "node");
    jw_object_begin(w);
    jw_kv_string(w, "version", MINTLINE_VERSION);
    jw_kv_uint(w, "height", e->s.height);
    jw_kv_string(w, "time", t);
    jw_kv_string(w, "store", s->chain.store->kind);
    /* EXTENSION: which database (its URL without the password). */
    if (strcmp(s->chain.store->kind, "postgres") == 0) {
        jw_kv_string(w, "store_url", s->chain.store->where);
    }
    /* EXTENSION (issue 15): leader or follower, and the leader's URL. */
    if (s->ha != NULL) {
        struct ha_view v;
        ha_view(s->ha, &v);
        jw_kv_string(w, "role", v.leader ? "leader" : "follower");
        jw_key(w, "leader");
        if (v.leader_url[0]) jw_string(w, v.leader_url);
        else jw_null(w);
        jw_kv_uint(w, "term", v.term);
        jw_kv_uint(w, "lag_blocks", v.lag_blocks);
    }
    jw_kv_string(w, "clock", s->chain.clock_manual ? "manual" : "wall");
    jw_kv_string(w, "state_hash", hex);
    jw_kv_bool(w, "paused", e->s.paused);
    jw_kv_string(w, "controller", e->s.operators[e->s.controller].name);
    jw_kv_bool(w, "writable", !s->chain.broken && !s->chain.follower);
    struct seq_stats st;
    sequencer_stats(s->seq, &st);
    jw_kv_uint(w, "snapshots_failed", st.snapshots_failed);
    /* The morning read (issue 13 item 12): which ledger, and the node's now
     * beside "time", the last block's. */
    hash_hex(&s->chain.genesis_hash, hex);
    jw_kv_string(w, "genesis_hash", hex);
    time_format_iso(server_now(s), t);
    jw_kv_string(w, "now", t);
    jw_object_end(w);
}

/* "assets": [status, ...] (caller holds the chain lock). */
static void api__assets_array(struct server *s, struct jw *w) {
    const struct engine *e = &s->chain.engine;
    int64_t now = server_now(s);
    jw_key(w, "assets");
    jw_array_begin(w);
    for (uint32_t i = 0; i < e->s.assets_count; i++) api__asset_status(e, i, now, w);
    jw_array_end(w);
}

void api_system_status(struct server *s, const struct server_request *rq, struct server_response *out) {
    (void)rq;
    struct jw w;
    jw_init(&w, &out->body);
    pthread_rwlock_rdlock(&s->chain.lock);
    jw_object_begin(&w);
    api__node(s, &w);
    api__assets_array(s, &w);
    api_compliance_status(s, &w);
    api_payouts_status(&s->chain.engine, &w);
    api_bridge_status(&s->chain.engine, server_now(s), &w);
    api_vault_status(&s->chain.engine, &w);
    api_governance_status(&s->chain.engine, server_now(s), &w);
    pthread_rwlock_unlock(&s->chain.lock);
    alerting_status_json(s->alerting, &w);
    api_incidents_status(s, &w);
    jw_object_end(&w);
    api__ok(out);
}

void api_contracts_status(struct server *s, const struct server_request *rq,
                          struct server_response *out) {
    (void)rq;
    struct jw w;
    jw_init(&w, &out->body);
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    jw_object_begin(&w);
    jw_kv_bool(&w, "paused", e->s.paused);
    jw_kv_string(&w, "controller", e->s.operators[e->s.controller].name);
    jw_key(&w, "controller_pending");
    if (e->s.controller_pending != UINT32_MAX) jw_string(&w, e->s.operators[e->s.controller_pending].name);
    else jw_null(&w);
    jw_key(&w, "assets");
    jw_object_begin(&w);
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        jw_key(&w, e->s.assets[i].symbol);
        jw_object_begin(&w);
        jw_kv_bool(&w, "paused", e->s.assets[i].paused);
        jw_kv_bool(&w, "mint_halted", e->s.assets[i].mint_halted);
        jw_object_end(&w);
    }
    jw_object_end(&w);
    jw_key(&w, "oracles");
    api_feeds_array(s, &w);
    jw_key(&w, "timelock");
    api_timelock_array(e, &w);
    jw_key(&w, "proposals");
    api_proposals_array(e, &w);
    pthread_rwlock_unlock(&s->chain.lock);
    jw_object_end(&w);
    api__ok(out);
}

void api_assets(struct server *s, const struct server_request *rq, struct server_response *out) {
    (void)rq;
    struct jw w;
    jw_init(&w, &out->body);
    pthread_rwlock_rdlock(&s->chain.lock);
    jw_object_begin(&w);
    api__assets_array(s, &w);
    jw_object_end(&w);
    pthread_rwlock_unlock(&s->chain.lock);
    api__ok(out);
}

void api_asset(struct server *s, const char *symbol, struct server_response *out) {
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    int index = engine_asset_find(e, symbol, strlen(symbol));
    if (index >= 0) {
        struct jw w;
        jw_init(&w, &out->body);
        api__asset_status(e, (uint32_t)index, server_now(s), &w);
    }
    pthread_rwlock_unlock(&s->chain.lock);
    if (index < 0) {
        server_error(out, ERR_UNKNOWN_ASSET, symbol);
        return;
    }
    api__ok(out);
}

void api_balance(struct server *s, const char *symbol, const char *address,
                 struct server_response *out) {
    struct addr a;
    if (addr_parse(address, strlen(address), &a) != ERR_OK) {
        server_error(out, ERR_INVALID_ADDRESS, address);
        return;
    }
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    int index = engine_asset_find(e, symbol, strlen(symbol));
    if (index >= 0) {
        char text[ADDR_TEXT_SIZE];
        addr_format(&a, text);
        unsigned decimals = e->s.assets[index].decimals;
        struct jw w;
        jw_init(&w, &out->body);
        jw_object_begin(&w);
        jw_kv_string(&w, "asset", symbol);
        jw_kv_string(&w, "address", text);
        jw_kv_amount(&w, "balance", engine_balance(e, (uint32_t)index, &a), decimals);
        jw_kv_amount(&w, "frozen", restrict_frozen_amount(e, (uint16_t)index, &a), decimals);
        jw_kv_bool(&w, "asset_frozen", restrict_asset_frozen(e, (uint16_t)index, &a));
        api_partitions_json(e, (uint32_t)index, &a, &w);
        jw_object_end(&w);
    }
    pthread_rwlock_unlock(&s->chain.lock);
    if (index < 0) {
        server_error(out, ERR_UNKNOWN_ASSET, symbol);
        return;
    }
    api__ok(out);
}

void api_account(struct server *s, const char *address, struct server_response *out) {
    struct addr a;
    if (addr_parse(address, strlen(address), &a) != ERR_OK) {
        server_error(out, ERR_INVALID_ADDRESS, address);
        return;
    }
    char text[ADDR_TEXT_SIZE];
    addr_format(&a, text);
    struct jw w;
    jw_init(&w, &out->body);
    jw_object_begin(&w);
    jw_kv_string(&w, "address", text);
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    uint32_t flags = restrict_address_flags(e, &a);
    jw_kv_bool(&w, "blacklisted", (flags & RESTRICT_BLACKLISTED) != 0);
    jw_kv_bool(&w, "frozen", (flags & RESTRICT_FROZEN) != 0);
    jw_key(&w, "balances");
    jw_object_begin(&w);
    for (uint32_t i = 0; i < e->s.assets_count; i++) {
        u128 balance = engine_balance(e, i, &a);
        int asset_frozen = restrict_asset_frozen(e, (uint16_t)i, &a);
        if (balance == 0 && !asset_frozen) continue;
        jw_key(&w, e->s.assets[i].symbol);
        jw_object_begin(&w);
        jw_kv_amount(&w, "balance", balance, e->s.assets[i].decimals);
        jw_kv_amount(&w, "frozen", restrict_frozen_amount(e, (uint16_t)i, &a), e->s.assets[i].decimals);
        jw_kv_bool(&w, "asset_frozen", asset_frozen);
        api_partitions_json(e, i, &a, &w);
        jw_object_end(&w);
    }
    jw_object_end(&w);
    api_account_identity(s, &a, &w);
    pthread_rwlock_unlock(&s->chain.lock);
    jw_object_end(&w);
    api__ok(out);
}
