/*
 * api_vault.c - the vaults' reads (SPEC 7; docs/operators/vaults.md):
 *
 *   GET /api/vaults[?type=NAME][&owner=ADDR][&below=liquidation|min|RATIO]
 *       [&offset=N&limit=M]
 *       the vault types with their totals, and a page of vaults (id
 *       ascending) with their health at the feed's current price; `owner`
 *       keeps one owner's vaults; `below` keeps only those with debt
 *       strictly under the type's liquidation (or min) ratio, or under
 *       RATIO ("120%", SPEC 8's `vault list --below RATIO`)
 *   GET /api/vaults/ID   one vault
 *
 * api_vault_status: the per-type block of /api/system/status (SPEC 6:
 * total collateral, total debt, ceiling usage, lowest health, vault count).
 *
 * Health is collateral value / debt (vault_health_ppm, rounded down; a
 * display figure: the rules compare exactly in the engine); null for a
 * vault without debt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/vault.h"
#include "server.h"

#define API_VAULT_PAGE_DEFAULT 100u

static void api_vault__ratio(struct jw *w, const char *key, uint64_t ppm) {
    jw_key(w, key);
    if (ppm == UINT64_MAX) jw_null(w);
    else jw_double(w, (double)ppm / 1e6);
}

static void api_vault__type(const struct engine *e, uint32_t i, struct jw *w) {
    const struct vault_type *t = &e->s.vlt.types[i];
    const struct asset *c = &e->s.assets[t->collateral];
    const struct asset *d = &e->s.assets[t->debt];
    jw_object_begin(w);
    jw_kv_string(w, "name", t->name);
    jw_kv_string(w, "collateral", c->symbol);
    jw_kv_string(w, "debt", d->symbol);
    jw_kv_string(w, "feed", e->s.feeds[t->feed].name);
    api_vault__ratio(w, "min_ratio", t->min_ratio_ppm);
    api_vault__ratio(w, "liquidation_ratio", t->liquidation_ratio_ppm);
    api_vault__ratio(w, "penalty", t->penalty_ppm);
    jw_kv_amount(w, "debt_ceiling", t->debt_ceiling, d->decimals);
    jw_kv_amount(w, "dust", t->dust, d->decimals);
    jw_kv_uint(w, "vaults", t->vaults_count);
    jw_kv_amount(w, "total_collateral", t->total_collateral, c->decimals);
    jw_kv_amount(w, "total_debt", t->total_debt, d->decimals);
    jw_kv_amount(w, "borrowed_total", t->borrowed_total, d->decimals);
    jw_kv_amount(w, "repaid_total", t->repaid_total, d->decimals);
    jw_kv_amount(w, "liquidated_total", t->liquidated_total, d->decimals);
    jw_kv_amount(w, "bad_debt_total", t->bad_debt_total, d->decimals);
    jw_kv_uint(w, "liquidations", t->liquidations_count);
    jw_kv_uint(w, "below_liquidation_ratio", vault_scan_below(e, (int)i, t->liquidation_ratio_ppm, NULL, 0));
    jw_object_end(w);
}

static void api_vault__one(const struct engine *e, uint64_t id, const struct vault *v, struct jw *w) {
    const struct vault_type *t = &e->s.vlt.types[v->type];
    char owner[ADDR_TEXT_SIZE];
    addr_format(&v->owner, owner);
    uint64_t health = vault_health_ppm(e, v);
    jw_object_begin(w);
    jw_kv_uint(w, "id", id);
    jw_kv_string(w, "type", t->name);
    jw_kv_string(w, "owner", owner);
    jw_kv_amount(w, "collateral", v->collateral, e->s.assets[t->collateral].decimals);
    jw_kv_amount(w, "debt", v->debt, e->s.assets[t->debt].decimals);
    api_vault__ratio(w, "health", v->debt == 0 ? UINT64_MAX : health);
    jw_kv_bool(w, "safe", v->debt == 0 || health >= t->min_ratio_ppm);
    jw_kv_bool(w, "liquidatable", v->debt != 0 && health < t->liquidation_ratio_ppm);
    jw_kv_time(w, "opened_at", v->opened_ns);
    jw_object_end(w);
}

static int api_vault__count(const char *q, const char *key, uint64_t dflt, uint64_t max, uint64_t *out) {
    char text[24];
    int has = server_query(q, key, text, sizeof(text));
    if (has < 0) return -1;
    if (!has) {
        *out = dflt;
        return 0;
    }
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || v > max) return -1;
    *out = v;
    return 0;
}

/* api_vault__below: `below` as liquidation, min or a ratio ("120%"): 0
 * with *kind 'l', 'm' or 'r' (*ppm the ratio); -1 when it is none. */
static int api_vault__below(const char *text, char *kind, uint32_t *ppm) {
    if (strcmp(text, "liquidation") == 0 || strcmp(text, "min") == 0) {
        *kind = text[0];
        return 0;
    }
    if (vault_ratio_parse(text, strlen(text), 0, ppm) != ERR_OK) return -1;
    *kind = 'r';
    return 0;
}

void api_vaults(struct server *s, const struct server_request *rq, struct server_response *out) {
    char type_name[VAULT_TYPE_NAME_MAX + 2] = "";
    char below[16] = "";
    char owner_text[ADDR_TEXT_SIZE + 2] = "";
    int has_type = server_query(rq->query, "type", type_name, sizeof(type_name));
    int has_below = server_query(rq->query, "below", below, sizeof(below));
    int has_owner = server_query(rq->query, "owner", owner_text, sizeof(owner_text));
    uint64_t offset = 0, limit = 0;
    char below_kind = 0;
    uint32_t below_ppm = 0;
    struct addr owner;
    if (has_type < 0 || has_below < 0 || has_owner < 0 ||
        (has_below && api_vault__below(below, &below_kind, &below_ppm) != 0) ||
        api_vault__count(rq->query, "offset", 0, UINT32_MAX, &offset) != 0 ||
        api_vault__count(rq->query, "limit", API_VAULT_PAGE_DEFAULT, LIMIT_READ_ROWS, &limit) != 0) {
        server_error(out, ERR_INVALID_ARGUMENT,
                     "type, owner, below (liquidation|min|RATIO such as 120%), offset, limit");
        return;
    }
    if (has_owner && addr_parse(owner_text, strlen(owner_text), &owner) != ERR_OK) {
        server_error(out, ERR_INVALID_ADDRESS, owner_text);
        return;
    }
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    int type = has_type ? vault_type_find(e, type_name, strlen(type_name)) : -1;
    if (has_type && type < 0) {
        pthread_rwlock_unlock(&s->chain.lock);
        server_error(out, ERR_UNKNOWN_VAULT_TYPE, type_name);
        return;
    }
    struct jw w;
    jw_init(&w, &out->body);
    jw_object_begin(&w);
    jw_key(&w, "types");
    jw_array_begin(&w);
    for (uint32_t i = 0; i < e->s.vlt.types_count; i++) {
        if (type < 0 || (uint32_t)type == i) api_vault__type(e, i, &w);
    }
    jw_array_end(&w);
    jw_key(&w, "vaults");
    jw_array_begin(&w);
    uint64_t seen = 0, written = 0, next = 0;
    for (uint32_t i = 0; i < e->s.vlt.vaults_count; i++) {
        const struct vault *v = &e->s.vlt.vaults[i];
        if (type >= 0 && v->type != (uint16_t)type) continue;
        if (has_owner && !addr_equal(&v->owner, &owner)) continue;
        if (has_below) {
            const struct vault_type *t = &e->s.vlt.types[v->type];
            uint32_t ratio = below_kind == 'm' ? t->min_ratio_ppm
                             : below_kind == 'l' ? t->liquidation_ratio_ppm : below_ppm;
            if (v->debt == 0 || vault_at_least(e, v, e->s.feeds[t->feed].value, ratio)) continue;
        }
        if (seen++ < offset) continue;
        if (written == limit) {
            next = seen - 1;
            break;
        }
        api_vault__one(e, (uint64_t)i + 1, v, &w);
        written++;
    }
    jw_array_end(&w);
    jw_key(&w, "next_offset");
    if (next) jw_uint(&w, next);
    else jw_null(&w);
    jw_object_end(&w);
    pthread_rwlock_unlock(&s->chain.lock);
    out->status = 200;
}

void api_vault(struct server *s, const char *id_text, struct server_response *out) {
    uint64_t id = server_path_id(id_text);
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    const struct vault *v = id ? vault_find(e, id) : NULL;
    if (v == NULL) {
        pthread_rwlock_unlock(&s->chain.lock);
        server_error(out, ERR_UNKNOWN_VAULT, id_text);
        return;
    }
    struct jw w;
    jw_init(&w, &out->body);
    api_vault__one(e, id, v, &w);
    pthread_rwlock_unlock(&s->chain.lock);
    out->status = 200;
}

void api_vault_status(const struct engine *e, struct jw *w) {
    uint32_t n = e->s.vlt.types_count;
    if (n == 0) return;
    uint64_t min[LIMIT_VAULT_TYPES];
    vault_health_min(e, min);
    jw_key(w, "vaults");
    jw_array_begin(w);
    for (uint32_t i = 0; i < n; i++) {
        const struct vault_type *t = &e->s.vlt.types[i];
        const struct asset *c = &e->s.assets[t->collateral];
        const struct asset *d = &e->s.assets[t->debt];
        jw_object_begin(w);
        jw_kv_string(w, "type", t->name);
        jw_kv_string(w, "collateral", c->symbol);
        jw_kv_string(w, "debt", d->symbol);
        jw_kv_uint(w, "vaults", t->vaults_count);
        jw_kv_amount(w, "total_collateral", t->total_collateral, c->decimals);
        jw_kv_amount(w, "total_debt", t->total_debt, d->decimals);
        jw_kv_amount(w, "debt_ceiling", t->debt_ceiling, d->decimals);
        jw_key(w, "debt_ceiling_usage");
        jw_double(w, (double)u128_ratio_ppm(t->total_debt, t->debt_ceiling) / 1e6);
        api_vault__ratio(w, "health_min", min[i]);
        api_vault__ratio(w, "liquidation_ratio", t->liquidation_ratio_ppm);
        jw_kv_uint(w, "below_liquidation_ratio", vault_scan_below(e, (int)i, t->liquidation_ratio_ppm, NULL, 0));
        jw_kv_uint(w, "liquidations", t->liquidations_count);
        jw_kv_amount(w, "bad_debt_total", t->bad_debt_total, d->decimals);
        jw_object_end(w);
    }
    jw_array_end(w);
}
