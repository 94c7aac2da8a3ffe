/*
 * compliance.c - identities, claims, per-asset rules, partitions and check
 * 5 (SPEC 3 item 5, SPEC 5), after ERC-3643's identity registry and
 * compliance modules.
 *
 * Handlers validate first and mutate last. The lookups check 5 makes on a
 * transfer: one identity record (country, type and every claim in one
 * probe), the rules in the small state, and the partition records.
 */
#include "compliance.h"

#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/check.h"
#include "../base/duration.h"
#include "../base/jw.h"
#include "command.h"
#include "engine.h"
#include "engine_internal.h"
#include "keys.h"

#define ID_REGISTERED ((u128)1 << 24)
#define ID_CLAIM_SHIFT(t) (32u + 24u * (unsigned)(t))
#define ID_CLAIM_MASK 0xFFFFFFu

static const char *const claim_names[CLAIM__COUNT] = {
#define CLAIM_NAME_ROW(id, name) name,
    CLAIM_TABLE(CLAIM_NAME_ROW)
#undef CLAIM_NAME_ROW
};

static const char *const investor_names[INVESTOR__COUNT] = {
#define INVESTOR_NAME_ROW(id, name) name,
    INVESTOR_TABLE(INVESTOR_NAME_ROW)
#undef INVESTOR_NAME_ROW
};

const char *claim_topic_name(enum claim_topic t) {
    return (unsigned)t < CLAIM__COUNT ? claim_names[t] : "?";
}

enum claim_topic claim_topic_parse(const char *text, size_t len) {
    for (unsigned t = 0; t < CLAIM__COUNT; t++) {
        if (strlen(claim_names[t]) == len && memcmp(claim_names[t], text, len) == 0) {
            return (enum claim_topic)t;
        }
    }
    return CLAIM__COUNT;
}

const char *investor_type_name(enum investor_type t) {
    return (unsigned)t < INVESTOR__COUNT ? investor_names[t] : "?";
}

enum investor_type investor_type_parse(const char *text, size_t len) {
    for (unsigned t = 1; t < INVESTOR__COUNT; t++) {
        if (strlen(investor_names[t]) == len && memcmp(investor_names[t], text, len) == 0) {
            return (enum investor_type)t;
        }
    }
    return INVESTOR__COUNT;
}

/* Split "a,b,c" and call item() on each piece; -1 on an empty piece (but
 * "" as a whole is the empty list) or when item() refuses. */
static int compliance__list(const char *text, size_t len, int (*item)(const char *, size_t, void *),
                            void *ctx) {
    if (len == 0) return 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != ',') continue;
        if (i == start || item(text + start, i - start, ctx) != 0) return -1;
        start = i + 1;
    }
    return 0;
}

static int compliance__claim_item(const char *text, size_t len, void *ctx) {
    uint8_t *mask = ctx;
    enum claim_topic t = claim_topic_parse(text, len);
    if (t == CLAIM__COUNT || (*mask & CLAIM_BIT(t))) return -1;
    *mask |= (uint8_t)CLAIM_BIT(t);
    return 0;
}

int claims_parse(const char *text, size_t len, uint8_t *mask) {
    uint8_t m = 0;
    if (compliance__list(text, len, compliance__claim_item, &m) != 0) return -1;
    *mask = m;
    return 0;
}

struct compliance__set {
    uint64_t *set;
    uint16_t count;
};

static int compliance__country_item(const char *text, size_t len, void *ctx) {
    struct compliance__set *s = ctx;
    uint16_t code = country_parse(text, len);
    if (code == 0) return -1;
    unsigned b = country_index(code);
    if (s->set[b / 64] >> (b % 64) & 1u) return -1;
    s->set[b / 64] |= (uint64_t)1 << (b % 64);
    s->count++;
    return 0;
}

int countries_parse(const char *text, size_t len, uint64_t set[COUNTRY_SET_WORDS], uint16_t *count) {
    uint64_t tmp[COUNTRY_SET_WORDS] = {0};
    struct compliance__set s = {tmp, 0};
    if (compliance__list(text, len, compliance__country_item, &s) != 0) return -1;
    memcpy(set, tmp, sizeof(tmp));
    *count = s.count;
    return 0;
}

static int compliance__in_set(const uint64_t set[COUNTRY_SET_WORDS], uint16_t code) {
    unsigned b = country_index(code);
    return (set[b / 64] >> (b % 64) & 1u) != 0;
}

int partition_name_valid(const char *text, size_t len) {
    if (len == 0 || len > LIMIT_PARTITION_NAME) return 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return 0;
    }
    return 1;
}

/* ---- identities ------------------------------------------------------- */

static u128 compliance__record(const struct engine *e, const struct addr *addr) {
    if (e->s.identities_count == 0) return 0;
    uint32_t slot = holdings_find(&e->holdings, KEY_IDENTITY, addr);
    return slot == HOLDINGS_NONE ? 0 : holding_balance(&e->holdings.slots[slot]);
}

static void compliance__unpack(u128 v, struct identity *out) {
    out->registered = (v & ID_REGISTERED) != 0;
    out->country = (uint16_t)(v & 0xFFFFu);
    out->investor_type = (uint8_t)(v >> 16);
    for (unsigned t = 0; t < CLAIM__COUNT; t++) {
        uint32_t d = (uint32_t)(v >> ID_CLAIM_SHIFT(t)) & ID_CLAIM_MASK;
        out->expires[t] = d == 0 ? -1 : (int32_t)(d - 1);
    }
}

static u128 compliance__pack(const struct identity *id) {
    u128 v = ID_REGISTERED | id->country | ((u128)id->investor_type << 16);
    for (unsigned t = 0; t < CLAIM__COUNT; t++) {
        if (id->expires[t] >= 0) v |= (u128)((uint32_t)id->expires[t] + 1) << ID_CLAIM_SHIFT(t);
    }
    return v;
}

/* Write addr's record (0 removes it), keeping identities_count. */
static void compliance__put(struct engine *e, const struct addr *addr, u128 value) {
    u128 old = compliance__record(e, addr);
    if (old == value) return;
    uint32_t slot = holdings_upsert(&e->holdings, KEY_IDENTITY, addr);
    holdings_set_balance(&e->holdings, slot, value);
    if (old == 0) e->s.identities_count++;
    if (value == 0) e->s.identities_count--;
}

void identity_read(const struct engine *e, const struct addr *addr, struct identity *out) {
    compliance__unpack(compliance__record(e, addr), out);
}

int compliance_identity_valid(u128 value) {
    struct identity id;
    compliance__unpack(value, &id);
    char code[3];
    country_format(id.country, code);
    uint8_t flags = (uint8_t)(value >> 24);
    if (flags != 1 || country_parse(code, 2) != id.country || id.investor_type >= INVESTOR__COUNT) {
        return 0;
    }
    for (unsigned t = 0; t < CLAIM__COUNT; t++) {
        if (id.expires[t] > COMPLIANCE_DAY_MAX) return 0;
    }
    return 1;
}

int claim_valid(const struct engine *e, const struct addr *addr, enum claim_topic topic, int64_t day) {
    struct identity id;
    identity_read(e, addr, &id);
    return id.registered && id.expires[topic] > day;
}

void compliance_identity_move(struct engine *e, const struct addr *lost, const struct addr *new_addr) {
    u128 v = compliance__record(e, lost);
    if (v == 0) return;
    compliance__put(e, new_addr, v);
    compliance__put(e, lost, 0);
}

/* ---- rules and check 5 ------------------------------------------------ */

void compliance_rules_default(struct asset_rules *r) {
    memset(r, 0, sizeof(*r));
    r->required_claims = (uint8_t)CLAIM_BIT(CLAIM_KYC);
    r->max_holders = RULES_MAX_HOLDERS_DEFAULT;
}

/* Names are at most LIMIT_PARTITION_NAME characters: compared inline (a
 * partitioned transfer resolves one; a libc call per candidate showed in
 * the compliance-checked transfer's profile). */
static int compliance__name_eq(const char *a, const char *b) {
    for (unsigned i = 0; i <= LIMIT_PARTITION_NAME; i++) {
        if (a[i] != b[i]) return 0;
        if (a[i] == '\0') return 1;
    }
    return 1;
}

static int compliance__partition_find(const struct asset_rules *r, const char *name) {
    for (unsigned i = 0; i < r->partitions_count; i++) {
        if (compliance__name_eq(r->partitions[i].name, name)) return (int)i;
    }
    return -1;
}

enum err compliance_partition(const struct engine *e, uint16_t asset, const struct command *cmd,
                              int *partition) {
    *partition = -1;
    const struct asset *a = &e->s.assets[asset];
    unsigned count = a->kind == ASSET_SECURITY ? e->s.rules[asset].partitions_count : 0;
    if (!(cmd->present & CMD_HAS(FIELD_PARTITION))) return count ? ERR_PARTITION : ERR_OK;
    if (count == 0) return ERR_PARTITION;
    *partition = compliance__partition_find(&e->s.rules[asset], cmd->partition);
    return *partition < 0 ? ERR_PARTITION : ERR_OK;
}

static int64_t compliance__today(const struct engine *e) { return e->s.time_ns / NS_PER_DAY; }

enum err compliance_check(const struct engine *e, const struct compliance_move *m) {
    if (e->s.assets[m->asset].kind != ASSET_SECURITY) return ERR_OK;
    struct identity id;
    identity_read(e, m->to, &id);
    return compliance_check_identity(e, m, &id);
}

enum err compliance_check_identity(const struct engine *e, const struct compliance_move *m,
                                   const struct identity *id) {
    const struct asset *a = &e->s.assets[m->asset];
    if (a->kind != ASSET_SECURITY) return ERR_OK;
    const struct asset_rules *r = &e->s.rules[m->asset];
    const struct partition_rule *p = m->partition >= 0 ? &r->partitions[m->partition] : NULL;
    if (!id->registered) return ERR_NOT_WHITELISTED;
    unsigned need = r->required_claims | (p ? p->required_claims : 0u);
    for (unsigned t = 0; t < CLAIM__COUNT; t++) {
        if ((need & CLAIM_BIT(t)) && id->expires[t] < 0) return ERR_NOT_WHITELISTED;
    }
    int64_t today = compliance__today(e);
    for (unsigned t = 0; t < CLAIM__COUNT; t++) {
        if ((need & CLAIM_BIT(t)) && id->expires[t] <= today) return ERR_CLAIM_EXPIRED;
    }
    if (r->blocked_count && compliance__in_set(r->blocked, id->country)) return ERR_JURISDICTION;
    if (r->allowed_count && !compliance__in_set(r->allowed, id->country)) return ERR_JURISDICTION;
    if (p && p->no_us_persons && id->country == COUNTRY_US) return ERR_PARTITION;
    if (p && m->lockup_applies && p->lockup_until > today) return ERR_LOCKUP;
    if (m->to_balance == 0 && !m->sender_leaves && a->holders_count >= r->max_holders) {
        return ERR_HOLDER_LIMIT;
    }
    if (r->has_max_balance) {
        u128 after;
        if (u128_add(m->to_balance, m->amount, &after) || after > r->max_balance) return ERR_MAX_BALANCE;
    }
    return ERR_OK;
}

u128 compliance_partition_balance(const struct engine *e, uint16_t asset, unsigned p,
                                  const struct addr *addr) {
    uint32_t slot = holdings_find(&e->holdings, key_partition(asset, p), addr);
    return slot == HOLDINGS_NONE ? 0 : holding_balance(&e->holdings.slots[slot]);
}

void compliance_partition_add(struct engine *e, uint16_t asset, unsigned p, const struct addr *addr,
                              u128 amount) {
    uint32_t slot = holdings_upsert(&e->holdings, key_partition(asset, p), addr);
    u128 old = holding_balance(&e->holdings.slots[slot]);
    ASSERT(old + amount >= old);
    holdings_set_balance(&e->holdings, slot, old + amount);
}

void compliance_partition_sub(struct engine *e, uint16_t asset, unsigned p, const struct addr *addr,
                              u128 amount) {
    uint32_t slot = holdings_find(&e->holdings, key_partition(asset, p), addr);
    ASSERT(slot != HOLDINGS_NONE);
    u128 old = holding_balance(&e->holdings.slots[slot]);
    ASSERT(old >= amount);
    holdings_set_balance(&e->holdings, slot, old - amount);
}

/* ---- genesis ---------------------------------------------------------- */

static const char *const compliance__genesis_keys[] = {
    "required_claims", "allowed_countries", "blocked_countries", "max_holders", "max_balance",
    "partitions", NULL};

/* SPEC 5's further modules, not built yet: refused by name rather than
 * ignored (a rule an operator wrote must never be silently dropped). */
static const char *const compliance__later_keys[] = {
    "holding_period", "max_holders_per_country", "transfer_limits", "transfer_fee", NULL};

int compliance_genesis_key(const char *key) {
    for (unsigned i = 0; compliance__genesis_keys[i] != NULL; i++) {
        if (strcmp(compliance__genesis_keys[i], key) == 0) return 1;
    }
    for (unsigned i = 0; compliance__later_keys[i] != NULL; i++) {
        if (strcmp(compliance__later_keys[i], key) == 0) return 1;
    }
    return 0;
}

static enum err compliance__fail(char *why, size_t why_size, const char *what, const char *detail) {
    snprintf(why, why_size, "%s: %s", what, detail);
    return ERR_INVALID_GENESIS;
}

/* A YAML list of claims ([kyc, accredited]) into a mask. */
static int compliance__claims_json(const json_t *v, uint8_t *mask) {
    if (!json_is_array(v)) return -1;
    uint8_t m = 0;
    size_t i;
    const json_t *item;
    json_array_foreach(v, i, item) {
        const char *t = json_string_value(item);
        if (t == NULL || compliance__claim_item(t, strlen(t), &m) != 0) return -1;
    }
    *mask = m;
    return 0;
}

static int compliance__countries_json(const json_t *v, uint64_t set[COUNTRY_SET_WORDS], uint16_t *count) {
    if (!json_is_array(v)) return -1;
    struct compliance__set s = {set, 0};
    memset(set, 0, COUNTRY_SET_WORDS * sizeof(uint64_t));
    size_t i;
    const json_t *item;
    json_array_foreach(v, i, item) {
        const char *t = json_string_value(item);
        if (t == NULL || compliance__country_item(t, strlen(t), &s) != 0) return -1;
    }
    *count = s.count;
    return 0;
}

static int compliance__flag_json(const json_t *v, uint8_t *out) {
    const char *t = json_string_value(v);
    if (json_is_true(v) || (t && strcmp(t, "true") == 0)) *out = 1;
    else if (json_is_false(v) || (t && strcmp(t, "false") == 0)) *out = 0;
    else return -1;
    return 0;
}

static enum err compliance__partition_json(const json_t *doc, struct asset_rules *r, char *why,
                                           size_t why_size) {
    if (!json_is_object(doc)) return compliance__fail(why, why_size, "partitions", "each must be a mapping");
    if (r->partitions_count >= LIMIT_PARTITIONS) {
        return compliance__fail(why, why_size, "partitions", "at most 4 per asset");
    }
    struct partition_rule *p = &r->partitions[r->partitions_count];
    memset(p, 0, sizeof(*p));
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)doc, key, v) {
        if (strcmp(key, "name") != 0 && strcmp(key, "required_claims") != 0 &&
            strcmp(key, "lockup_until") != 0 && strcmp(key, "no_us_persons") != 0) {
            return compliance__fail(why, why_size, "partition: unknown key", key);
        }
    }
    const char *name = json_string_value(json_object_get(doc, "name"));
    if (name == NULL || !partition_name_valid(name, strlen(name))) {
        return compliance__fail(why, why_size, "partition name", "[A-Z0-9_]{1,16} required");
    }
    if (compliance__partition_find(r, name) >= 0) return compliance__fail(why, why_size, "duplicate partition", name);
    memcpy(p->name, name, strlen(name) + 1);
    /* SPEC 5: accredited investors only in REG_D unless told otherwise. */
    if (strcmp(name, "REG_D") == 0) p->required_claims = (uint8_t)CLAIM_BIT(CLAIM_ACCREDITED);
    v = json_object_get(doc, "required_claims");
    if (v != NULL && compliance__claims_json(v, &p->required_claims) != 0) {
        return compliance__fail(why, why_size, name, "required_claims: a list of kyc, aml, accredited, tax_form");
    }
    v = json_object_get(doc, "lockup_until");
    const char *t = json_string_value(v);
    if (v != NULL && (t == NULL || date_parse(t, strlen(t), &p->lockup_until) != ERR_OK)) {
        return compliance__fail(why, why_size, name, "lockup_until: a date YYYY-MM-DD");
    }
    v = json_object_get(doc, "no_us_persons");
    if (v != NULL && compliance__flag_json(v, &p->no_us_persons) != 0) {
        return compliance__fail(why, why_size, name, "no_us_persons: true or false");
    }
    r->partitions_count++;
    return ERR_OK;
}

enum err compliance_rules_from_json(const json_t *doc, unsigned decimals, struct asset_rules *r,
                                    char *why, size_t why_size) {
    compliance_rules_default(r);
    for (unsigned i = 0; compliance__later_keys[i] != NULL; i++) {
        if (json_object_get(doc, compliance__later_keys[i]) != NULL) {
            return compliance__fail(why, why_size, compliance__later_keys[i],
                                    "this compliance module is not available yet");
        }
    }
    const json_t *v = json_object_get(doc, "required_claims");
    if (v != NULL && compliance__claims_json(v, &r->required_claims) != 0) {
        return compliance__fail(why, why_size, "required_claims", "a list of kyc, aml, accredited, tax_form");
    }
    v = json_object_get(doc, "allowed_countries");
    if (v != NULL && compliance__countries_json(v, r->allowed, &r->allowed_count) != 0) {
        return compliance__fail(why, why_size, "allowed_countries", "a list of ISO 3166 alpha-2 codes");
    }
    v = json_object_get(doc, "blocked_countries");
    if (v != NULL && compliance__countries_json(v, r->blocked, &r->blocked_count) != 0) {
        return compliance__fail(why, why_size, "blocked_countries", "a list of ISO 3166 alpha-2 codes");
    }
    v = json_object_get(doc, "max_holders");
    if (v != NULL) {
        const char *t = json_string_value(v);
        char tmp[24];
        if (json_is_integer(v)) {
            snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(v));
            t = tmp;
        }
        uint64_t n = 0;
        size_t len = t ? strlen(t) : 0;
        for (size_t i = 0; i < len && len <= 9; i++) n = (t[i] >= '0' && t[i] <= '9') ? n * 10 + (uint64_t)(t[i] - '0') : UINT64_MAX;
        if (len == 0 || len > 9 || n == 0 || n > RULES_MAX_HOLDERS_MAX) {
            return compliance__fail(why, why_size, "max_holders", "1..100000000");
        }
        r->max_holders = (uint32_t)n;
    }
    v = json_object_get(doc, "max_balance");
    if (v != NULL) {
        const char *t = json_string_value(v);
        if (t == NULL || amount_parse(t, strlen(t), decimals, &r->max_balance) != ERR_OK) {
            return compliance__fail(why, why_size, "max_balance", "an amount in the asset's decimals");
        }
        r->has_max_balance = r->max_balance != 0;
    }
    v = json_object_get(doc, "partitions");
    if (v != NULL) {
        if (!json_is_array(v)) return compliance__fail(why, why_size, "partitions", "a list");
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item) {
            enum err err = compliance__partition_json(item, r, why, why_size);
            if (err) return err;
        }
    }
    return ERR_OK;
}

/* ---- state bytes ------------------------------------------------------ */

static void compliance__rules_write(const struct asset_rules *r, struct buf *out) {
    buf_put_u8(out, r->required_claims);
    buf_put_u32(out, r->max_holders);
    buf_put_u8(out, r->has_max_balance);
    buf_put_u128(out, r->max_balance);
    for (unsigned i = 0; i < COUNTRY_SET_WORDS; i++) buf_put_u64(out, r->allowed[i]);
    for (unsigned i = 0; i < COUNTRY_SET_WORDS; i++) buf_put_u64(out, r->blocked[i]);
    buf_put_u8(out, r->partitions_count);
    for (unsigned i = 0; i < r->partitions_count; i++) {
        const struct partition_rule *p = &r->partitions[i];
        buf_put(out, p->name, sizeof(p->name));
        buf_put_u8(out, p->required_claims);
        buf_put_u8(out, p->no_us_persons);
        buf_put_u32(out, (uint32_t)p->lockup_until);
    }
}

void compliance_state_write(const struct engine_state *s, struct buf *out) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->assets_count; i++) n += s->assets[i].kind == ASSET_SECURITY;
    if (n == 0 && s->identities_count == 0) return;
    buf_put(out, "sec", 3);
    buf_put_u32(out, s->identities_count);
    buf_put_u32(out, n);
    for (uint32_t i = 0; i < s->assets_count; i++) {
        if (s->assets[i].kind != ASSET_SECURITY) continue;
        buf_put_u16(out, (uint16_t)i);
        compliance__rules_write(&s->rules[i], out);
    }
}

int countries_read(struct buf_reader *r, uint64_t set[COUNTRY_SET_WORDS], uint16_t *count) {
    unsigned n = 0;
    for (unsigned i = 0; i < COUNTRY_SET_WORDS; i++) set[i] = buf_get_u64(r);
    for (unsigned b = 0; b < COUNTRY_SET_WORDS * 64u; b++) {
        if (!(set[b / 64] >> (b % 64) & 1u)) continue;
        char code[3];
        if (b >= COUNTRY_SET_BITS) return -1;
        country_format(country_from_index(b), code);
        if (country_parse(code, 2) == 0) return -1;
        n++;
    }
    *count = (uint16_t)n;
    return 0;
}

static int compliance__rules_read(struct buf_reader *r, struct asset_rules *out) {
    memset(out, 0, sizeof(*out));
    out->required_claims = buf_get_u8(r);
    out->max_holders = buf_get_u32(r);
    out->has_max_balance = buf_get_u8(r);
    out->max_balance = buf_get_u128(r);
    if (countries_read(r, out->allowed, &out->allowed_count) != 0) return -1;
    if (countries_read(r, out->blocked, &out->blocked_count) != 0) return -1;
    out->partitions_count = buf_get_u8(r);
    if (r->failed || (out->required_claims & ~CLAIMS_ALL) || out->max_holders == 0 ||
        out->max_holders > RULES_MAX_HOLDERS_MAX || out->has_max_balance > 1 ||
        (out->has_max_balance == 0) != (out->max_balance == 0) ||
        out->partitions_count > LIMIT_PARTITIONS) {
        return -1;
    }
    for (unsigned i = 0; i < out->partitions_count; i++) {
        struct partition_rule *p = &out->partitions[i];
        buf_get(r, p->name, sizeof(p->name));
        p->required_claims = buf_get_u8(r);
        p->no_us_persons = buf_get_u8(r);
        p->lockup_until = (int32_t)buf_get_u32(r);
        if (r->failed || p->name[LIMIT_PARTITION_NAME] != '\0') return -1;
        size_t len = strlen(p->name);
        for (size_t k = len; k < sizeof(p->name); k++) {
            if (p->name[k] != '\0') return -1;
        }
        if (!partition_name_valid(p->name, len) || (p->required_claims & ~CLAIMS_ALL) ||
            p->no_us_persons > 1 || p->lockup_until < 0 || p->lockup_until > COMPLIANCE_DAY_MAX) {
            return -1;
        }
        for (unsigned k = 0; k < i; k++) {
            if (strcmp(out->partitions[k].name, p->name) == 0) return -1;
        }
    }
    return 0;
}

int compliance_state_read(struct buf_reader *r, struct engine_state *s) {
    for (uint32_t i = 0; i < s->assets_count; i++) {
        if (s->assets[i].kind == ASSET_SECURITY) compliance_rules_default(&s->rules[i]);
    }
    if (r->len - r->pos < 3 || memcmp(r->data + r->pos, "sec", 3) != 0) {
        /* no section: no security asset and no identity */
        for (uint32_t i = 0; i < s->assets_count; i++) {
            if (s->assets[i].kind == ASSET_SECURITY) return -1;
        }
        return 0;
    }
    char magic[3];
    buf_get(r, magic, sizeof(magic));
    s->identities_count = buf_get_u32(r);
    uint32_t n = buf_get_u32(r);
    if (r->failed || memcmp(magic, "sec", 3) != 0 || n > s->assets_count) return -1;
    uint32_t expected = 0;
    for (uint32_t i = 0; i < s->assets_count; i++) expected += s->assets[i].kind == ASSET_SECURITY;
    if (n != expected || (n == 0 && s->identities_count == 0)) return -1;
    int last = -1;
    for (uint32_t i = 0; i < n; i++) {
        uint16_t asset = buf_get_u16(r);
        if (r->failed || asset >= s->assets_count || (int)asset <= last) return -1;
        if (s->assets[asset].kind != ASSET_SECURITY) return -1;
        last = asset;
        if (compliance__rules_read(r, &s->rules[asset]) != 0) return -1;
    }
    return r->failed ? -1 : 0;
}

/* ---- JSON ------------------------------------------------------------- */

static void compliance__claims_array(uint8_t mask, struct jw *w) {
    jw_array_begin(w);
    for (unsigned t = 0; t < CLAIM__COUNT; t++) {
        if (mask & CLAIM_BIT(t)) jw_string(w, claim_names[t]);
    }
    jw_array_end(w);
}

static void compliance__countries_array(const uint64_t set[COUNTRY_SET_WORDS], struct jw *w) {
    jw_array_begin(w);
    for (unsigned b = 0; b < COUNTRY_SET_BITS; b++) {
        if (!(set[b / 64] >> (b % 64) & 1u)) continue;
        char code[3];
        country_format(country_from_index(b), code);
        jw_string(w, code);
    }
    jw_array_end(w);
}

void compliance_rules_json(const struct asset_rules *r, unsigned decimals, struct jw *w) {
    jw_object_begin(w);
    jw_key(w, "required_claims");
    compliance__claims_array(r->required_claims, w);
    jw_key(w, "allowed_countries");
    compliance__countries_array(r->allowed, w);
    jw_key(w, "blocked_countries");
    compliance__countries_array(r->blocked, w);
    jw_kv_uint(w, "max_holders", r->max_holders);
    jw_key(w, "max_balance");
    if (r->has_max_balance) jw_amount(w, r->max_balance, decimals);
    else jw_null(w);
    jw_key(w, "partitions");
    jw_array_begin(w);
    for (unsigned i = 0; i < r->partitions_count; i++) {
        const struct partition_rule *p = &r->partitions[i];
        jw_object_begin(w);
        jw_kv_string(w, "name", p->name);
        jw_key(w, "required_claims");
        compliance__claims_array(p->required_claims, w);
        jw_key(w, "lockup_until");
        if (p->lockup_until) {
            char text[11];
            date_format(p->lockup_until, text);
            jw_string(w, text);
        } else {
            jw_null(w);
        }
        jw_kv_bool(w, "no_us_persons", p->no_us_persons);
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_object_end(w);
}

void compliance_identity_json(const struct identity *id, const struct addr *address, int64_t day,
                              struct jw *w) {
    if (!id->registered) {
        jw_null(w);
        return;
    }
    char text[ADDR_TEXT_SIZE]; /* an address, a country, a date */
    jw_object_begin(w);
    if (address != NULL) {
        addr_format(address, text);
        jw_kv_string(w, "address", text);
    }
    country_format(id->country, text);
    jw_kv_string(w, "country", text);
    jw_key(w, "investor_type");
    if (id->investor_type != INVESTOR_NONE) jw_string(w, investor_names[id->investor_type]);
    else jw_null(w);
    jw_key(w, "claims");
    jw_object_begin(w);
    for (unsigned t = 0; t < CLAIM__COUNT; t++) {
        if (id->expires[t] < 0) continue;
        jw_key(w, claim_names[t]);
        jw_object_begin(w);
        date_format(id->expires[t], text);
        jw_kv_string(w, "expires", text);
        jw_kv_bool(w, "valid", id->expires[t] > day);
        jw_object_end(w);
    }
    jw_object_end(w);
    jw_object_end(w);
}

/* ---- ops -------------------------------------------------------------- */

static struct event *compliance__event(struct event_buf *events, enum event_type type,
                                       uint16_t asset, const struct addr *a) {
    struct event *ev = engine__emit(events, type, asset);
    ev->from = *a;
    return ev;
}

enum err compliance_identity_register_apply(struct engine *e, const struct command *cmd,
                                            struct event_buf *events, struct apply_result *out) {
    struct identity id;
    identity_read(e, &cmd->from, &id);
    int existed = id.registered;
    if (!existed) {
        for (unsigned t = 0; t < CLAIM__COUNT; t++) id.expires[t] = -1;
    }
    id.registered = 1;
    id.country = cmd->country;
    /* A re-registration keeps the claims, and the investor type unless a new one is given. */
    if (cmd->present & CMD_HAS(FIELD_INVESTOR_TYPE)) id.investor_type = cmd->investor_type;
    else if (!existed) id.investor_type = INVESTOR_NONE;
    compliance__put(e, &cmd->from, compliance__pack(&id));
    if (existed) out->note = "identity updated (claims kept)";
    struct event *ev = compliance__event(events, EVENT_IDENTITY_REGISTERED, (uint16_t)EVENT_NO_ASSET, &cmd->from);
    ev->code = id.country;
    ev->who = id.investor_type;
    ev->flags = (uint32_t)existed;
    return ERR_OK;
}

enum err compliance_identity_remove_apply(struct engine *e, const struct command *cmd,
                                          struct event_buf *events, struct apply_result *out) {
    (void)out;
    if (compliance__record(e, &cmd->from) == 0) return ERR_NOT_FOUND;
    compliance__put(e, &cmd->from, 0);
    compliance__event(events, EVENT_IDENTITY_REMOVED, (uint16_t)EVENT_NO_ASSET, &cmd->from);
    return ERR_OK;
}

enum err compliance_claim_set_apply(struct engine *e, const struct command *cmd,
                                    struct event_buf *events, struct apply_result *out) {
    (void)out;
    struct identity id;
    identity_read(e, &cmd->from, &id);
    if (!id.registered) return ERR_NOT_FOUND;             /* register the identity first */
    if (cmd->date <= compliance__today(e)) return ERR_INVALID_ARGUMENT; /* expired already */
    id.expires[cmd->topic] = cmd->date;
    compliance__put(e, &cmd->from, compliance__pack(&id));
    struct event *ev = compliance__event(events, EVENT_CLAIM_SET, (uint16_t)EVENT_NO_ASSET, &cmd->from);
    ev->code = cmd->topic;
    ev->value = cmd->date;
    return ERR_OK;
}

enum err compliance_claim_revoke_apply(struct engine *e, const struct command *cmd,
                                       struct event_buf *events, struct apply_result *out) {
    struct identity id;
    identity_read(e, &cmd->from, &id);
    if (!id.registered) return ERR_NOT_FOUND;
    int had = id.expires[cmd->topic] >= 0;
    id.expires[cmd->topic] = -1;
    compliance__put(e, &cmd->from, compliance__pack(&id));
    if (!had) out->note = "no such claim";
    struct event *ev = compliance__event(events, EVENT_CLAIM_REVOKED, (uint16_t)EVENT_NO_ASSET, &cmd->from);
    ev->code = cmd->topic;
    ev->flags = (uint32_t)!had;
    return ERR_OK;
}

#define RULES_PARTITION_FIELDS (CMD_HAS(FIELD_DATE) | CMD_HAS(FIELD_FLAG))

/* The rules asset.rules.set would leave (into *next, the partition it
 * names into *index, -1 for none), or why it cannot. */
static enum err compliance__rules_next(const struct engine *e, const struct command *cmd,
                                       struct asset_rules *next, int *index) {
    const struct asset *a = &e->s.assets[cmd->asset];
    if (a->kind != ASSET_SECURITY) return ERR_NOT_SECURITY;
    uint64_t p = cmd->present;
    int has_partition = (p & CMD_HAS(FIELD_PARTITION)) != 0;
    if ((p & RULES_PARTITION_FIELDS) && !has_partition) return ERR_INVALID_ARGUMENT;
    *next = e->s.rules[cmd->asset];
    *index = -1;
    if (has_partition) {
        *index = compliance__partition_find(next, cmd->partition);
        if (*index < 0) {
            if (next->partitions_count >= LIMIT_PARTITIONS) return ERR_LIMIT_REACHED;
            /* Balances held outside partitions cannot be split after the fact. */
            if (next->partitions_count == 0 && a->supply != 0) return ERR_PARTITION;
            *index = next->partitions_count++;
            struct partition_rule *np = &next->partitions[*index];
            memset(np, 0, sizeof(*np));
            memcpy(np->name, cmd->partition, strlen(cmd->partition) + 1);
            if (strcmp(np->name, "REG_D") == 0) np->required_claims = (uint8_t)CLAIM_BIT(CLAIM_ACCREDITED);
        }
        struct partition_rule *pr = &next->partitions[*index];
        if (p & CMD_HAS(FIELD_CLAIMS)) pr->required_claims = cmd->claims;
        if (p & CMD_HAS(FIELD_DATE)) pr->lockup_until = cmd->date;
        if (p & CMD_HAS(FIELD_FLAG)) pr->no_us_persons = cmd->flag;
    } else if (p & CMD_HAS(FIELD_CLAIMS)) {
        next->required_claims = cmd->claims;
    }
    if (p & CMD_HAS(FIELD_ALLOWED_COUNTRIES)) {
        memcpy(next->allowed, cmd->countries[0], sizeof(next->allowed));
        next->allowed_count = cmd->countries_count[0];
    }
    if (p & CMD_HAS(FIELD_BLOCKED_COUNTRIES)) {
        memcpy(next->blocked, cmd->countries[1], sizeof(next->blocked));
        next->blocked_count = cmd->countries_count[1];
    }
    if (p & CMD_HAS(FIELD_MAX_HOLDERS)) next->max_holders = cmd->max_holders;
    if (p & CMD_HAS(FIELD_MAX_BALANCE)) {
        next->max_balance = cmd->max_balance;
        next->has_max_balance = cmd->max_balance != 0;
    }
    return ERR_OK;
}

enum err compliance_rules_set_precheck(const struct engine *e, const struct command *cmd) {
    struct asset_rules next;
    int index;
    return compliance__rules_next(e, cmd, &next, &index);
}

enum err compliance_rules_set_apply(struct engine *e, const struct command *cmd,
                                    struct event_buf *events, struct apply_result *out) {
    (void)out;
    struct asset_rules next;
    int index;
    enum err err = compliance__rules_next(e, cmd, &next, &index);
    if (err) return err;
    e->s.rules[cmd->asset] = next;
    struct event *ev = engine__emit(events, EVENT_RULES_SET, cmd->asset);
    ev->flags = (uint32_t)cmd->present; /* asset.rules.set: kinds below 31 */
    ev->code = (uint16_t)(index + 1);
    return ERR_OK;
}
