/*
 * api_gov.c - governance reads: policies, proposals, the timelock queue.
 *
 * Each is computed from the engine under the read lock. A proposal past its
 * ttl still in the table shows status "expired" (it is removed, with a
 * ProposalExpired event, when a new proposal needs the room); a timelock
 * entry shows "waiting", "ready" or "expired" against the ledger time.
 */
#include <string.h>

#include "../base/duration.h"
#include "../base/hex.h"
#include "../engine/oracle.h"
#include "server.h"

static void api__time(struct jw *w, const char *key, int64_t ns) {
    char t[40];
    time_format_iso(ns, t);
    jw_kv_string(w, key, t);
}

static void api__delay(struct jw *w, const char *key, int64_t ns) {
    char t[32];
    duration_format(ns, t);
    jw_kv_string(w, key, ns == 0 ? "0s" : t);
}

static void api__asset_of(const struct engine *e, const struct command *cmd, struct jw *w) {
    jw_key(w, "asset");
    if (cmd->present & CMD_HAS_ASSET) jw_string(w, e->s.assets[cmd->asset].symbol);
    else jw_null(w);
}

static void api__proposal(const struct engine *e, const struct proposal *p, struct jw *w) {
    jw_object_begin(w);
    jw_kv_uint(w, "id", p->id);
    jw_kv_string(w, "op", op_table()[p->cmd.op].name);
    api__asset_of(e, &p->cmd, w);
    jw_key(w, "args");
    command_write_args(e, &p->cmd, w);
    jw_kv_string(w, "proposer", e->s.operators[p->cmd.operator_index].name);
    jw_key(w, "approvals");
    jw_array_begin(w);
    for (uint32_t i = 0; i < e->s.operators_count; i++) {
        if (p->approvers[i / 64] & (UINT64_C(1) << (i % 64))) jw_string(w, e->s.operators[i].name);
    }
    jw_array_end(w);
    jw_kv_uint(w, "approvals_needed", p->needed);
    api__time(w, "created_at", p->created_ns);
    api__time(w, "expires_at", p->expires_ns);
    jw_kv_int(w, "expires_in_s", (p->expires_ns - e->s.time_ns) / NS_PER_S);
    jw_kv_string(w, "status", p->expires_ns <= e->s.time_ns ? "expired" : "pending");
    jw_object_end(w);
}

static void api__timelock_entry(const struct engine *e, const struct timelock_entry *t,
                                struct jw *w) {
    jw_object_begin(w);
    jw_kv_uint(w, "id", t->id);
    jw_kv_string(w, "op", op_table()[t->cmd.op].name);
    api__asset_of(e, &t->cmd, w);
    jw_key(w, "args");
    command_write_args(e, &t->cmd, w);
    jw_kv_string(w, "submitted_by", e->s.operators[t->cmd.operator_index].name);
    jw_key(w, "proposal");
    if (t->proposal_id) jw_uint(w, t->proposal_id);
    else jw_null(w);
    api__time(w, "eta", t->eta_ns);
    api__time(w, "expires_at", t->eta_ns + GOVERNANCE_TIMELOCK_GRACE);
    jw_kv_int(w, "eta_in_s", (t->eta_ns - e->s.time_ns) / NS_PER_S);
    const char *status = e->s.time_ns < t->eta_ns ? "waiting"
                         : e->s.time_ns > t->eta_ns + GOVERNANCE_TIMELOCK_GRACE ? "expired"
                                                                                : "ready";
    jw_kv_string(w, "status", status);
    jw_object_end(w);
}

void api_proposals_array(const struct engine *e, struct jw *w) {
    jw_array_begin(w);
    for (uint32_t i = 0; i < e->s.proposals_count; i++) api__proposal(e, &e->s.proposals[i], w);
    jw_array_end(w);
}

void api_timelock_array(const struct engine *e, struct jw *w) {
    jw_array_begin(w);
    for (uint32_t i = 0; i < e->s.timelock_count; i++) api__timelock_entry(e, &e->s.timelock[i], w);
    jw_array_end(w);
}

void api_governance_status(const struct engine *e, int64_t now_ns, struct jw *w) {
    uint64_t pending = 0, expired = 0, waiting = 0, due = 0;
    int64_t next_eta = INT64_MAX;
    for (uint32_t i = 0; i < e->s.proposals_count; i++) {
        if (e->s.proposals[i].expires_ns <= e->s.time_ns) expired++;
        else pending++;
    }
    for (uint32_t i = 0; i < e->s.timelock_count; i++) {
        int64_t eta = e->s.timelock[i].eta_ns;
        if (eta > now_ns) {
            waiting++;
            if (eta < next_eta) next_eta = eta;
        } else if (now_ns <= eta + GOVERNANCE_TIMELOCK_GRACE) {
            due++;
        }
    }
    jw_key(w, "governance");
    jw_object_begin(w);
    jw_kv_uint(w, "proposals_pending", pending);
    jw_kv_uint(w, "proposals_expired", expired);
    jw_kv_uint(w, "timelock_waiting", waiting);
    jw_kv_uint(w, "timelock_due", due);
    if (next_eta != INT64_MAX) {
        api__time(w, "timelock_next_eta", next_eta);
    } else {
        jw_key(w, "timelock_next_eta");
        jw_null(w);
    }
    jw_object_end(w);
}

static void api__list(struct server *s, struct server_response *out, const char *key,
                      void (*fn)(const struct engine *, struct jw *)) {
    struct jw w;
    jw_init(&w, &out->body);
    jw_object_begin(&w);
    jw_key(&w, key);
    pthread_rwlock_rdlock(&s->chain.lock);
    fn(&s->chain.engine, &w);
    pthread_rwlock_unlock(&s->chain.lock);
    jw_object_end(&w);
    out->status = 200;
}

void api_proposals(struct server *s, const struct server_request *rq, struct server_response *out) {
    (void)rq;
    api__list(s, out, "proposals", api_proposals_array);
}

void api_timelock(struct server *s, const struct server_request *rq, struct server_response *out) {
    (void)rq;
    api__list(s, out, "timelock", api_timelock_array);
}

static int api__explicit(const struct engine *e, unsigned op, uint16_t asset) {
    for (uint32_t i = 0; i < e->s.policies_count; i++) {
        if (e->s.policies[i].op == op && e->s.policies[i].asset == asset) return 1;
    }
    return 0;
}

static void api__policy_row(const struct engine *e, unsigned op, int asset, struct jw *w) {
    uint32_t approvals;
    int64_t delay;
    engine_policy(e, (enum op)op, asset, &approvals, &delay);
    jw_object_begin(w);
    jw_kv_string(w, "op", op_table()[op].name);
    jw_key(w, "asset");
    if (asset >= 0) jw_string(w, e->s.assets[asset].symbol);
    else jw_null(w);
    jw_kv_uint(w, "approvals", approvals);
    api__delay(w, "timelock", delay);
    uint16_t key = asset >= 0 ? (uint16_t)asset : POLICY_ANY_ASSET;
    jw_kv_string(w, "source", api__explicit(e, op, key) ? "set" : "default");
    jw_object_end(w);
}

/* Every governed op's policy for all assets, then each asset whose policy
 * differs from it (an explicit row, or a default such as a security
 * asset's two-approval mint). */
static void api__policies_array(const struct engine *e, struct jw *w) {
    jw_array_begin(w);
    for (unsigned op = 0; op < OP__COUNT; op++) {
        if (op_table()[op].flags & OP_META) continue;
        api__policy_row(e, op, -1, w);
        uint32_t k0, k;
        int64_t d0, d;
        engine_policy(e, (enum op)op, -1, &k0, &d0);
        for (uint32_t a = 0; a < e->s.assets_count; a++) {
            engine_policy(e, (enum op)op, (int)a, &k, &d);
            if (k != k0 || d != d0 || api__explicit(e, op, (uint16_t)a)) api__policy_row(e, op, (int)a, w);
        }
    }
    jw_array_end(w);
}

void api_policies(struct server *s, const struct server_request *rq, struct server_response *out) {
    (void)rq;
    api__list(s, out, "policies", api__policies_array);
}

static void api__roles(struct jw *w, uint32_t roles) {
    jw_array_begin(w);
    for (unsigned r = 0; r < ROLE__COUNT; r++) {
        if (roles & ROLE_BIT(r)) jw_string(w, role_name((enum role)r));
    }
    jw_array_end(w);
}

/* One operator: roles global and per asset, key and its age. */
static void api__operator(const struct engine *e, uint32_t i, int64_t now_ns, struct jw *w) {
    const struct operator *o = &e->s.operators[i];
    char hex[65];
    hex_encode(o->pubkey, sizeof(o->pubkey), hex);
    jw_object_begin(w);
    jw_kv_string(w, "name", o->name);
    jw_kv_string(w, "pubkey", hex);
    jw_key(w, "roles");
    api__roles(w, o->roles);
    jw_key(w, "asset_roles");
    jw_object_begin(w);
    for (uint32_t g = 0; g < e->s.grants_count; g++) {
        const struct grant *gr = &e->s.grants[g];
        if (gr->operator_index != i || gr->roles == 0) continue;
        jw_key(w, e->s.assets[gr->asset_index].symbol);
        api__roles(w, gr->roles);
    }
    jw_object_end(w);
    api__time(w, "key_created_at", o->key_created_ns);
    jw_kv_int(w, "key_age_s", (now_ns - o->key_created_ns) / 1000000000);
    jw_kv_bool(w, "controller", i == e->s.controller);
    jw_object_end(w);
}

void api_operators(struct server *s, const struct server_request *rq, struct server_response *out) {
    (void)rq;
    struct jw w;
    jw_init(&w, &out->body);
    jw_object_begin(&w);
    jw_key(&w, "operators");
    jw_array_begin(&w);
    pthread_rwlock_rdlock(&s->chain.lock);
    const struct engine *e = &s->chain.engine;
    int64_t now = server_now(s);
    for (uint32_t i = 0; i < e->s.operators_count; i++) {
        if (!e->s.operators[i].removed) api__operator(e, i, now, &w);
    }
    pthread_rwlock_unlock(&s->chain.lock);
    jw_array_end(&w);
    jw_object_end(&w);
    out->status = 200;
}

/* One feed: value, age, staleness and freeze at the status clock. */
static void api__feed(const struct engine *e, uint32_t i, int64_t now_ns, struct jw *w) {
    const struct feed *f = &e->s.feeds[i];
    jw_object_begin(w);
    jw_kv_string(w, "name", f->name);
    jw_key(w, "value");
    if (f->value) jw_amount(w, f->value, FEED_DECIMALS);
    else jw_null(w);
    jw_key(w, "updated_at");
    if (f->value) {
        char t[40];
        time_format_iso(f->updated_ns, t);
        jw_string(w, t);
    } else {
        jw_null(w);
    }
    jw_key(w, "age_s");
    if (f->value) jw_int(w, (now_ns - f->updated_ns) / 1000000000);
    else jw_null(w);
    api__delay(w, "max_age", f->max_age_ns);
    jw_kv_bool(w, "stale", oracle_feed_stale(e, i, now_ns));
    jw_kv_bool(w, "frozen", f->frozen);
    jw_object_end(w);
}

void api_feeds_array(const struct server *s, struct jw *w) {
    const struct engine *e = &s->chain.engine;
    int64_t now = server_now(s);
    jw_array_begin(w);
    for (uint32_t i = 0; i < e->s.feeds_count; i++) api__feed(e, i, now, w);
    jw_array_end(w);
}

void api_feeds(struct server *s, const struct server_request *rq, struct server_response *out) {
    (void)rq;
    struct jw w;
    jw_init(&w, &out->body);
    jw_object_begin(&w);
    jw_key(&w, "feeds");
    pthread_rwlock_rdlock(&s->chain.lock);
    api_feeds_array(s, &w);
    pthread_rwlock_unlock(&s->chain.lock);
    jw_object_end(&w);
    out->status = 200;
}
