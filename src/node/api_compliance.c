/*
 * api_compliance.c - the security-token reads (SPEC 5, 7, 9): an identity,
 * an address's partition balances, a security asset's rules and holder
 * limit in its status, and the claims figures of status and /metrics.
 *
 * Reads hold the chain lock for reading (the callers in api.c and
 * metrics.c take it; api_identity takes its own). Claim validity is judged
 * on the UTC day of server_now, the time every status figure is computed
 * at; check 5 itself judges on the block's time.
 *
 * The claims figures scan the identity records of the holdings table:
 * O(table) once per status request or scrape, never on the transfer path,
 * and nothing at all on a ledger without identities.
 */
#include <string.h>

#include "../base/duration.h"
#include "../engine/keys.h"
#include "server.h"

/* The UTC day status figures are judged on. */
static int64_t api__day(const struct server *s) { return server_now(s) / NS_PER_DAY; }

void api_identity(struct server *s, const char *address, struct server_response *out) {
    struct addr a;
    if (addr_parse(address, strlen(address), &a) != ERR_OK) {
        server_error(out, ERR_INVALID_ADDRESS, address);
        return;
    }
    pthread_rwlock_rdlock(&s->chain.lock);
    struct identity id;
    identity_read(&s->chain.engine, &a, &id);
    if (id.registered) {
        struct jw w;
        jw_init(&w, &out->body);
        compliance_identity_json(&id, &a, api__day(s), &w);
    }
    pthread_rwlock_unlock(&s->chain.lock);
    if (!id.registered) {
        server_error(out, ERR_NOT_FOUND, "no identity registered for this address");
        return;
    }
    out->status = 200;
    out->content_type = NULL;
}

void api_account_identity(const struct server *s, const struct addr *a, struct jw *w) {
    struct identity id;
    identity_read(&s->chain.engine, a, &id);
    jw_key(w, "identity");
    compliance_identity_json(&id, NULL, api__day(s), w);
}

void api_partitions_json(const struct engine *e, uint32_t asset, const struct addr *a,
                         struct jw *w) {
    const struct asset *as = &e->s.assets[asset];
    unsigned count = as->kind == ASSET_SECURITY ? e->s.rules[asset].partitions_count : 0;
    jw_key(w, "partitions");
    jw_object_begin(w);
    for (unsigned p = 0; p < count; p++) {
        jw_kv_amount(w, e->s.rules[asset].partitions[p].name,
                     compliance_partition_balance(e, (uint16_t)asset, p, a), as->decimals);
    }
    jw_object_end(w);
}

double api_holder_limit_usage(const struct engine *e, uint32_t asset) {
    uint32_t max = e->s.rules[asset].max_holders;
    return max ? (double)e->s.assets[asset].holders_count / (double)max : 1.0;
}

void api_security_fields(const struct engine *e, uint32_t asset, struct jw *w) {
    const struct asset *a = &e->s.assets[asset];
    if (a->kind != ASSET_SECURITY) return;
    jw_kv_uint(w, "max_holders", e->s.rules[asset].max_holders);
    jw_key(w, "holder_limit_usage");
    jw_double(w, api_holder_limit_usage(e, asset));
    jw_key(w, "rules");
    compliance_rules_json(&e->s.rules[asset], a->decimals, w);
}

void api_claims_count(const struct engine *e, int64_t day, struct api_claims *out) {
    memset(out, 0, sizeof(*out));
    if (e->s.identities_count == 0) return;
    uint32_t slot = 0;
    const struct holding *h;
    while ((h = holdings_next(&e->holdings, &slot)) != NULL) {
        if (h->asset != KEY_IDENTITY || holding_balance(h) == 0) continue;
        struct addr a;
        memcpy(a.bytes, h->addr, ADDR_BYTES);
        struct identity id;
        identity_read(e, &a, &id);
        out->identities++;
        for (unsigned t = 0; t < CLAIM__COUNT; t++) {
            if (id.expires[t] < 0) continue;
            if (id.expires[t] <= day) out->expired[t]++;
            else if (id.expires[t] <= day + API_CLAIMS_SOON_DAYS) out->expiring[t]++;
        }
    }
}

static void api__topics(struct jw *w, const char *key, const uint32_t counts[CLAIM__COUNT]) {
    jw_key(w, key);
    jw_object_begin(w);
    for (unsigned t = 0; t < CLAIM__COUNT; t++) {
        jw_kv_uint(w, claim_topic_name((enum claim_topic)t), counts[t]);
    }
    jw_object_end(w);
}

void api_compliance_status(const struct server *s, struct jw *w) {
    struct api_claims c;
    api_claims_count(&s->chain.engine, api__day(s), &c);
    jw_key(w, "compliance");
    jw_object_begin(w);
    jw_kv_uint(w, "identities", c.identities);
    api__topics(w, "claims_expiring_30d", c.expiring);
    api__topics(w, "claims_expired", c.expired);
    jw_object_end(w);
}
