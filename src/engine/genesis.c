/*
 * genesis.c - validate a genesis document and build block 0's state.
 *
 * Everything is checked into a scratch state first and copied into the
 * engine only when the whole document is valid.
 */
#include "genesis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/duration.h"
#include "../base/hex.h"
#include "compliance.h"
#include "engine.h"
#include "vault.h"

#define GENESIS_NAV_MAX_AGE_DEFAULT (INT64_C(4) * 3600 * NS_PER_S)
#define GENESIS_NAV_DEVIATION_DEFAULT_PPM 100000u
#define GENESIS_RESERVE_QUORUM_DEFAULT 2u

int name_valid(const char *name, size_t len) {
    if (len == 0 || len > LIMIT_OPERATOR_NAME) return 0;
    if (name[0] < 'a' || name[0] > 'z') return 0;
    for (size_t i = 1; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return 0;
    }
    return 1;
}

int symbol_valid(const char *symbol, size_t len) {
    if (len < 2 || len > LIMIT_SYMBOL) return 0;
    if (symbol[0] < 'A' || symbol[0] > 'Z') return 0;
    for (size_t i = 1; i < len; i++) {
        char c = symbol[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return 0;
    }
    return 1;
}

static enum err genesis__fail(char *why, size_t why_size, const char *what, const char *detail) {
    snprintf(why, why_size, "%s%s%s", what, detail[0] ? ": " : "", detail);
    return ERR_INVALID_GENESIS;
}

/* A scalar as text: YAML gives strings; JSON callers may give integers. */
static const char *genesis__text(const json_t *v, char tmp[32]) {
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(tmp, 32, "%lld", (long long)json_integer_value(v));
        return tmp;
    }
    return NULL;
}

static int genesis__uint(const json_t *v, uint64_t max, uint64_t *out) {
    char tmp[32];
    const char *t = genesis__text(v, tmp);
    if (t == NULL || t[0] == '\0' || strlen(t) > 19) return -1;
    uint64_t n = 0;
    for (const char *p = t; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    if (n > max) return -1;
    *out = n;
    return 0;
}

/* "10%" or "2.5%" -> parts per million. */
static int genesis__percent(const json_t *v, uint32_t *ppm) {
    char tmp[32];
    const char *t = genesis__text(v, tmp);
    return t != NULL && percent_parse(t, strlen(t), ppm) == ERR_OK ? 0 : -1;
}

static const char *const genesis__asset_keys[] = {
    "symbol", "kind", "currency", "decimals", "supply_cap", "daily_mint_limit",
    "daily_inflow_limit", "reserve_quorum", "nav_max_age", "nav_max_deviation", "nav", NULL};

static int genesis__key_known(const char *const *keys, const char *key) {
    for (unsigned i = 0; keys[i] != NULL; i++) {
        if (strcmp(keys[i], key) == 0) return 1;
    }
    return 0;
}

/* An amount that does not parse; when only its form is not canonical
 * ("1000000.00"), say how to write it. */
static enum err genesis__amount_fail(char *why, size_t why_size, const char *symbol,
                                     const char *key, const char *text, unsigned decimals) {
    u128 v;
    if (text == NULL || amount_parse_loose(text, strlen(text), decimals, &v) != ERR_OK) {
        return genesis__fail(why, why_size, symbol, key);
    }
    char canonical[AMOUNT_TEXT_SIZE];
    amount_format(v, decimals, canonical);
    snprintf(why, why_size, "%s: %s: write %s (canonical form: no leading or trailing zeros)",
             symbol, key, canonical);
    return ERR_INVALID_GENESIS;
}

static enum err genesis__limit(const json_t *a, const char *key, struct asset *out, uint32_t flag,
                               u128 *slot, char *why, size_t why_size) {
    const json_t *v = json_object_get(a, key);
    if (v == NULL) return ERR_OK;
    char tmp[32];
    const char *t = genesis__text(v, tmp);
    if (t == NULL || amount_parse(t, strlen(t), out->decimals, slot) != ERR_OK) {
        return genesis__amount_fail(why, why_size, out->symbol, key, t, out->decimals);
    }
    out->limit_flags |= flag;
    return ERR_OK;
}

static enum err genesis__kind(const json_t *a, struct asset *out, char *why, size_t why_size) {
    const char *kind = json_string_value(json_object_get(a, "kind"));
    for (unsigned k = 0; kind != NULL && k < ASSET_KIND__COUNT; k++) {
        if (strcmp(kind, asset_kind_name((enum asset_kind)k)) == 0) {
            out->kind = (uint8_t)k;
            return ERR_OK;
        }
    }
    return genesis__fail(why, why_size, out->symbol, "kind must be fund, fiat, security or plain");
}

static enum err genesis__asset_tuning(const json_t *a, struct asset *out, char *why,
                                      size_t why_size) {
    const json_t *v = json_object_get(a, "currency");
    if (v != NULL) {
        const char *c = json_string_value(v);
        if (c == NULL || strlen(c) != 3) return genesis__fail(why, why_size, out->symbol, "currency");
        memcpy(out->currency, c, 4);
    }
    uint64_t n = GENESIS_RESERVE_QUORUM_DEFAULT;
    v = json_object_get(a, "reserve_quorum");
    if (v != NULL && (genesis__uint(v, LIMIT_OPERATORS, &n) != 0 || n == 0)) {
        return genesis__fail(why, why_size, out->symbol, "reserve_quorum");
    }
    out->reserve_quorum = (uint32_t)n;
    out->nav_max_age_ns = GENESIS_NAV_MAX_AGE_DEFAULT;
    v = json_object_get(a, "nav_max_age");
    const char *t = json_string_value(v);
    if (v != NULL && (t == NULL || duration_parse(t, strlen(t), &out->nav_max_age_ns) != ERR_OK)) {
        return genesis__fail(why, why_size, out->symbol, "nav_max_age");
    }
    out->nav_max_deviation_ppm = GENESIS_NAV_DEVIATION_DEFAULT_PPM;
    v = json_object_get(a, "nav_max_deviation");
    if (v != NULL && genesis__percent(v, &out->nav_max_deviation_ppm) != 0) {
        return genesis__fail(why, why_size, out->symbol, "nav_max_deviation");
    }
    /* A fund may start with a NAV, dated at block 0 (an extension). */
    v = json_object_get(a, "nav");
    t = json_string_value(v);
    if (v != NULL) {
        if (out->kind != ASSET_FUND || t == NULL ||
            amount_parse(t, strlen(t), FEED_DECIMALS, &out->nav) != ERR_OK || out->nav == 0) {
            return genesis__fail(why, why_size, out->symbol, "nav: a fund's positive NAV, 8 fraction digits at most");
        }
    }
    return ERR_OK;
}

/* SPEC 5's keys: a security asset's rules; refused on any other kind. */
static enum err genesis__security(const json_t *doc, const struct asset *a, struct asset_rules *r,
                                  char *why, size_t why_size) {
    if (a->kind != ASSET_SECURITY) {
        const char *key;
        const json_t *value;
        json_object_foreach((json_t *)doc, key, value) {
            if (compliance_genesis_key(key)) {
                return genesis__fail(why, why_size, a->symbol, "compliance rules are for security assets");
            }
        }
        return ERR_OK;
    }
    char detail[160];
    enum err err = compliance_rules_from_json(doc, a->decimals, r, detail, sizeof(detail));
    if (err) return genesis__fail(why, why_size, a->symbol, detail);
    return ERR_OK;
}

static enum err genesis__asset(const struct engine_state *s, const json_t *a, struct asset *out,
                               char *why, size_t why_size) {
    if (!json_is_object(a)) return genesis__fail(why, why_size, "assets", "each must be a mapping");
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)a, key, value) {
        if (!genesis__key_known(genesis__asset_keys, key) && !compliance_genesis_key(key)) {
            return genesis__fail(why, why_size, "asset: unknown key", key);
        }
    }
    memset(out, 0, sizeof(*out));
    const char *sym = json_string_value(json_object_get(a, "symbol"));
    if (sym == NULL || !symbol_valid(sym, strlen(sym))) {
        return genesis__fail(why, why_size, "asset symbol", sym ? sym : "missing");
    }
    memcpy(out->symbol, sym, strlen(sym) + 1);
    for (uint32_t i = 0; i < s->assets_count; i++) {
        if (strcmp(s->assets[i].symbol, sym) == 0) return genesis__fail(why, why_size, "duplicate asset", sym);
    }
    enum err err = genesis__kind(a, out, why, why_size);
    if (err) return err;
    uint64_t decimals;
    if (genesis__uint(json_object_get(a, "decimals"), AMOUNT_DECIMALS_MAX, &decimals) != 0) {
        return genesis__fail(why, why_size, sym, "decimals must be 0..18");
    }
    out->decimals = (uint8_t)decimals;
    err = genesis__limit(a, "supply_cap", out, ASSET_HAS_SUPPLY_CAP, &out->supply_cap, why, why_size);
    if (err) return err;
    err = genesis__limit(a, "daily_mint_limit", out, ASSET_HAS_DAILY_MINT_LIMIT,
                         &out->daily_mint_limit, why, why_size);
    if (err) return err;
    err = genesis__limit(a, "daily_inflow_limit", out, ASSET_HAS_DAILY_INFLOW_LIMIT,
                         &out->daily_inflow_limit, why, why_size);
    if (err) return err;
    return genesis__asset_tuning(a, out, why, why_size);
}

/* "minter" or "minter@USDW". */
static enum err genesis__role(struct engine_state *s, uint32_t op_index, const json_t *r,
                              char *why, size_t why_size) {
    const char *text = json_string_value(r);
    if (text == NULL) return genesis__fail(why, why_size, "roles", "each must be a string");
    const char *at = strchr(text, '@');
    size_t role_len = at ? (size_t)(at - text) : strlen(text);
    enum role role = role_parse(text, role_len);
    if (role == ROLE__COUNT) return genesis__fail(why, why_size, "unknown role", text);
    if (at == NULL) {
        s->operators[op_index].roles |= ROLE_BIT(role);
        return ERR_OK;
    }
    int asset = -1;
    for (uint32_t i = 0; i < s->assets_count; i++) {
        if (strcmp(s->assets[i].symbol, at + 1) == 0) asset = (int)i;
    }
    if (asset < 0) return genesis__fail(why, why_size, "role for unknown asset", text);
    if (s->grants_count >= LIMIT_GRANTS) return genesis__fail(why, why_size, "too many grants", "");
    struct grant *g = &s->grants[s->grants_count++];
    g->operator_index = (uint16_t)op_index;
    g->asset_index = (uint16_t)asset;
    g->roles = ROLE_BIT(role);
    return ERR_OK;
}

static enum err genesis__operator(struct engine_state *s, const json_t *o, int64_t time_ns,
                                  char *why, size_t why_size) {
    if (!json_is_object(o)) return genesis__fail(why, why_size, "operators", "each must be a mapping");
    const char *name = json_string_value(json_object_get(o, "name"));
    if (name == NULL || !name_valid(name, strlen(name))) {
        return genesis__fail(why, why_size, "operator name", name ? name : "missing");
    }
    for (uint32_t i = 0; i < s->operators_count; i++) {
        if (strcmp(s->operators[i].name, name) == 0) return genesis__fail(why, why_size, "duplicate operator", name);
    }
    if (s->operators_count >= LIMIT_OPERATORS) return genesis__fail(why, why_size, "too many operators", "");
    uint32_t index = s->operators_count++;
    struct operator *op = &s->operators[index];
    memset(op, 0, sizeof(*op));
    memcpy(op->name, name, strlen(name) + 1);
    op->key_created_ns = time_ns;
    const char *pk = json_string_value(json_object_get(o, "pubkey"));
    if (pk == NULL || hex_decode(pk, strlen(pk), op->pubkey, sizeof(op->pubkey)) != 0) {
        return genesis__fail(why, why_size, name, "pubkey must be 64 hex digits");
    }
    /* One key, one operator: the signature does not name the operator. */
    for (uint32_t k = 0; k < index; k++) {
        if (memcmp(s->operators[k].pubkey, op->pubkey, sizeof(op->pubkey)) == 0) {
            snprintf(why, why_size, "operators %s and %s have the same pubkey",
                     s->operators[k].name, name);
            return ERR_INVALID_GENESIS;
        }
    }
    const json_t *roles = json_object_get(o, "roles");
    if (roles != NULL && !json_is_array(roles)) return genesis__fail(why, why_size, name, "roles must be a list");
    size_t i;
    const json_t *r;
    json_array_foreach(roles, i, r) {
        enum err err = genesis__role(s, index, r, why, why_size);
        if (err) return err;
    }
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)o, key, value) {
        if (strcmp(key, "name") && strcmp(key, "pubkey") && strcmp(key, "roles")) {
            return genesis__fail(why, why_size, "operator: unknown key", key);
        }
    }
    return ERR_OK;
}

/* Price feeds: [{name, max_age?}] (max_age default 1h). */
static enum err genesis__feeds(struct engine_state *s, const json_t *list, char *why,
                               size_t why_size) {
    if (list == NULL) return ERR_OK;
    if (!json_is_array(list) || json_array_size(list) > LIMIT_FEEDS) {
        return genesis__fail(why, why_size, "feeds", "must be a list of at most 32");
    }
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item) {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (name == NULL || !symbol_valid(name, strlen(name))) {
            return genesis__fail(why, why_size, "feed name", name ? name : "missing");
        }
        for (uint32_t k = 0; k < s->feeds_count; k++) {
            if (strcmp(s->feeds[k].name, name) == 0) return genesis__fail(why, why_size, "duplicate feed", name);
        }
        struct feed *f = &s->feeds[s->feeds_count];
        memset(f, 0, sizeof(*f));
        memcpy(f->name, name, strlen(name) + 1);
        f->max_age_ns = FEED_MAX_AGE_DEFAULT;
        const char *age = json_string_value(json_object_get(item, "max_age"));
        if (json_object_get(item, "max_age") != NULL &&
            (age == NULL || duration_parse(age, strlen(age), &f->max_age_ns) != ERR_OK)) {
            return genesis__fail(why, why_size, name, "max_age must be a duration");
        }
        s->feeds_count++;
    }
    return ERR_OK;
}

/* One policy row: {op, asset?, approvals?, timelock?} (defaults: 1, 0s). */
static enum err genesis__policy(struct engine_state *s, const json_t *entry, char *why,
                                size_t why_size) {
    const char *op = json_string_value(json_object_get(entry, "op"));
    const struct op_def *def = op ? op_find(op, strlen(op)) : NULL;
    if (def == NULL || (def->flags & OP_META)) return genesis__fail(why, why_size, "policy op", op ? op : "missing");
    if (s->policies_count == LIMIT_POLICIES) return genesis__fail(why, why_size, "too many policies", "");
    struct policy *p = &s->policies[s->policies_count];
    p->op = (uint16_t)(def - op_table());
    p->asset = POLICY_ANY_ASSET;
    p->approvals = 1;
    p->timelock_ns = 0;
    const char *sym = json_string_value(json_object_get(entry, "asset"));
    if (sym != NULL) {
        int a = -1;
        for (uint32_t i = 0; i < s->assets_count; i++) {
            if (strcmp(s->assets[i].symbol, sym) == 0) a = (int)i;
        }
        if (a < 0) return genesis__fail(why, why_size, "policy for unknown asset", sym);
        p->asset = (uint16_t)a;
    }
    const json_t *v = json_object_get(entry, "approvals");
    uint64_t k = 1;
    if (v != NULL && (genesis__uint(v, LIMIT_APPROVALS, &k) != 0 || k == 0)) {
        return genesis__fail(why, why_size, op, "approvals must be 1..16");
    }
    p->approvals = (uint32_t)k;
    v = json_object_get(entry, "timelock");
    char tmp[32];
    const char *t = v ? genesis__text(v, tmp) : NULL;
    if (v != NULL && (t == NULL || (strcmp(t, "0") != 0 && strcmp(t, "0s") != 0 &&
                                    duration_parse(t, strlen(t), &p->timelock_ns) != ERR_OK))) {
        return genesis__fail(why, why_size, op, "timelock must be a duration (0s, 90s, 15m, 2h, 1d)");
    }
    s->policies_count++;
    return ERR_OK;
}

/* Policies set in genesis apply from block 0, without timelock (SPEC 4). */
static enum err genesis__policies(struct engine_state *s, const json_t *p, char *why,
                                  size_t why_size) {
    if (p == NULL) return ERR_OK;
    if (!json_is_array(p)) return genesis__fail(why, why_size, "policies", "must be a list");
    size_t i;
    const json_t *entry;
    json_array_foreach(p, i, entry) {
        if (!json_is_object(entry)) return genesis__fail(why, why_size, "policies", "each must be a mapping");
        enum err err = genesis__policy(s, entry, why, why_size);
        if (err) return err;
    }
    return ERR_OK;
}

static enum err genesis__controller(struct engine_state *s, const json_t *doc, char *why,
                                    size_t why_size) {
    const char *name = json_string_value(json_object_get(doc, "controller"));
    for (uint32_t i = 0; i < s->operators_count; i++) {
        int match = name ? strcmp(s->operators[i].name, name) == 0
                         : (s->operators[i].roles & ROLE_BIT(ROLE_ADMIN)) != 0;
        if (match) {
            s->controller = i;
            return ERR_OK;
        }
    }
    return genesis__fail(why, why_size, "controller", name ? name : "no admin operator to default to");
}

/* "system": {"pubkey": HEX}, written by init (incident.h): an operator
 * named system, holding no role, the alert loop's hand. */
static enum err genesis__system(struct engine_state *s, const json_t *sys, int64_t time_ns,
                                char *why, size_t why_size) {
    if (sys == NULL) return ERR_OK;
    if (!json_is_object(sys) || json_object_size(sys) != 1 || json_object_get(sys, "pubkey") == NULL) {
        return genesis__fail(why, why_size, "system", "must be {pubkey: 64 hex digits}");
    }
    json_t *o = json_pack("{s:s, s:O}", "name", SYSTEM_OPERATOR_NAME, "pubkey", json_object_get(sys, "pubkey"));
    if (o == NULL) return ERR_INTERNAL;
    enum err err = genesis__operator(s, o, time_ns, why, why_size);
    json_decref(o);
    if (err) return err;
    s->inc.has_system = 1;
    s->inc.system_operator = s->operators_count - 1;
    return ERR_OK;
}

/* emergency_approvals: N (SPEC 9): timelock.expedite's approvals. */
static enum err genesis__emergency(struct engine_state *s, const json_t *v, char *why,
                                   size_t why_size) {
    if (v == NULL) return ERR_OK;
    uint64_t k = 0;
    if (genesis__uint(v, LIMIT_APPROVALS, &k) != 0 || k == 0) {
        return genesis__fail(why, why_size, "emergency_approvals", "must be 1..16");
    }
    if (s->policies_count == LIMIT_POLICIES) return genesis__fail(why, why_size, "too many policies", "");
    struct policy *p = &s->policies[s->policies_count++];
    p->op = OP_TIMELOCK_EXPEDITE;
    p->asset = POLICY_ANY_ASSET;
    p->approvals = (uint32_t)k;
    p->timelock_ns = 0;
    return ERR_OK;
}

/* emergency_approvals and a timelock.expedite row in the policies list
 * would make two rows for the op: policy.set would change the first while
 * the last decides (engine_policy). One of them is refused rather than
 * left to do nothing. */
static enum err genesis__emergency_clash(const struct engine_state *s, const json_t *v,
                                         uint32_t listed, char *why, size_t why_size) {
    for (uint32_t i = listed; v != NULL && i < s->policies_count; i++) {
        if (s->policies[i].op == OP_TIMELOCK_EXPEDITE) {
            return genesis__fail(why, why_size, "emergency_approvals",
                                 "a timelock.expedite policy sets it too: give one");
        }
    }
    return ERR_OK;
}

static enum err genesis__build(struct engine_state *s, const json_t *doc, int64_t time_ns,
                               char *why, size_t why_size) {
    if (!json_is_object(doc)) return genesis__fail(why, why_size, "genesis", "must be a mapping");
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)doc, key, value) {
        if (strcmp(key, "operators") && strcmp(key, "assets") && strcmp(key, "policies") &&
            strcmp(key, "controller") && strcmp(key, "proposal_ttl") && strcmp(key, "feeds") &&
            strcmp(key, "system") && strcmp(key, "emergency_approvals") &&
            strcmp(key, "stabilizers") && strcmp(key, "bridge_routes") && strcmp(key, "vault_types")) {
            return genesis__fail(why, why_size, "unknown key", key);
        }
    }
    const json_t *assets = json_object_get(doc, "assets");
    const json_t *ops = json_object_get(doc, "operators");
    if (!json_is_array(assets)) return genesis__fail(why, why_size, "assets", "must be a list");
    if (!json_is_array(ops) || json_array_size(ops) == 0) {
        return genesis__fail(why, why_size, "operators", "must be a non-empty list");
    }
    if (json_array_size(assets) > LIMIT_ASSETS) return genesis__fail(why, why_size, "too many assets", "");
    size_t i;
    const json_t *item;
    json_array_foreach(assets, i, item) {
        enum err err = genesis__asset(s, item, &s->assets[s->assets_count], why, why_size);
        if (err) return err;
        err = genesis__security(item, &s->assets[s->assets_count], &s->rules[s->assets_count], why,
                                why_size);
        if (err) return err;
        if (s->assets[s->assets_count].nav) s->assets[s->assets_count].nav_updated_ns = time_ns;
        s->assets_count++;
    }
    json_array_foreach(ops, i, item) {
        enum err err = genesis__operator(s, item, time_ns, why, why_size);
        if (err) return err;
    }
    enum err err = genesis__feeds(s, json_object_get(doc, "feeds"), why, why_size);
    if (err) return err;
    err = stabilizer_genesis(s, json_object_get(doc, "stabilizers"), why, why_size);
    if (err) return err;
    err = vault_genesis(s, json_object_get(doc, "vault_types"), why, why_size);
    if (err) return err;
    err = genesis__system(s, json_object_get(doc, "system"), time_ns, why, why_size);
    if (err) return err;
    err = genesis__emergency(s, json_object_get(doc, "emergency_approvals"), why, why_size);
    if (err) return err;
    uint32_t listed = s->policies_count; /* the policies list's rows start here */
    err = genesis__policies(s, json_object_get(doc, "policies"), why, why_size);
    if (err) return err;
    err = genesis__emergency_clash(s, json_object_get(doc, "emergency_approvals"), listed, why,
                                   why_size);
    if (err) return err;
    err = bridge_genesis(s, json_object_get(doc, "bridge_routes"), why, why_size);
    if (err) return err;
    s->proposal_ttl_ns = GOVERNANCE_PROPOSAL_TTL_DEFAULT;
    const char *ttl = json_string_value(json_object_get(doc, "proposal_ttl"));
    if (json_object_get(doc, "proposal_ttl") != NULL &&
        (ttl == NULL || duration_parse(ttl, strlen(ttl), &s->proposal_ttl_ns) != ERR_OK)) {
        return genesis__fail(why, why_size, "proposal_ttl", "must be a duration (e.g. 24h)");
    }
    return genesis__controller(s, doc, why, why_size);
}

enum err engine_genesis(struct engine *e, const json_t *doc, int64_t time_ns, char *why,
                        size_t why_size) {
    struct engine_state *s = calloc(1, sizeof(*s));
    if (s == NULL) return ERR_INTERNAL;
    s->time_ns = time_ns;
    s->controller_pending = UINT32_MAX;
    enum err err = genesis__build(s, doc, time_ns, why, why_size);
    if (err == ERR_OK) memcpy(&e->s, s, sizeof(*s));
    free(s);
    return err;
}
