/*
 * sim_check.c - the model of what the node answered, and the checks.
 *
 * The model remembers every request the sequencer was given and what it
 * answered (sim.h, enum sim_state), and the last block the node proved
 * durable. The checks hold the node to its guarantees:
 *   - nothing acknowledged is lost: every acknowledged request is in the
 *     journal, in its block, with its seq and result codes, after every
 *     restart of every kind;
 *   - nothing refused is journaled, and a request whose block failed is
 *     journaled whole or not at all, for good once a restart has decided;
 *   - nothing unsaved is visible: the engine always equals the store's
 *     last block (height, block hash, state hash), after a failed commit
 *     too;
 *   - replay and audit agree: `audit verify` (node_audit_run) over the
 *     store reaches the node's head hash and state hash;
 *   - the SPEC 3 invariants hold (engine_check_invariants); start-up uses
 *     the newest whole snapshot (a snapshot that does not prove itself is
 *     a defect even though replay from genesis would hide it).
 * Checks run with faults off: they observe, they are not the system.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/node/node.h"
#include "sim.h"

/* ---- the model ---------------------------------------------------------- */

struct sim_out *sim_model_new(struct sim *s, uint64_t *id) {
    struct sim_model *m = &s->model;
    if (m->outs_count == 0) m->outs_count = 1; /* ids start at 1 */
    if (m->outs_count >= m->outs_cap) {
        uint64_t cap = m->outs_cap ? m->outs_cap * 2 : 1024;
        struct sim_out *o = realloc(m->outs, cap * sizeof(*o));
        if (o == NULL) return NULL;
        memset(o + m->outs_cap, 0, (cap - m->outs_cap) * sizeof(*o));
        m->outs = o;
        m->outs_cap = cap;
    }
    *id = m->outs_count++;
    return &m->outs[*id];
}

struct sim_out *sim_model_get(struct sim *s, uint64_t id) {
    return id > 0 && id < s->model.outs_count ? &s->model.outs[id] : NULL;
}

void sim_model_free(struct sim_model *m) {
    for (uint64_t i = 0; i < m->outs_count; i++) free(m->outs[i].results);
    free(m->outs);
    memset(m, 0, sizeof(*m));
}

/* ---- the engine against the store --------------------------------------- */

static int sim__same(const struct hash *a, const struct hash *b) {
    return memcmp(a->bytes, b->bytes, HASH_BYTES) == 0;
}

static void sim__durable(struct sim *s, const struct store_block *head) {
    s->model.durable_height = head->height;
    s->model.durable_hash = head->hash;
    s->model.durable_state = head->state_hash;
}

int sim_check_step(struct sim *s) {
    if (!s->up || simvfs_crashed()) return 0;
    struct engine *e = &s->chain.engine;
    if (engine_check_invariants(e) != 0) return sim_failf(s, "engine invariants broken");
    struct store_block head;
    enum err err = s->chain.store->ops->head(s->chain.store, &head);
    if (err) return sim_failf(s, "the store's head cannot be read: %s", err_name(err));
    struct hash state;
    engine_state_hash(e, &state);
    const char *what = NULL;
    if (head.height < s->model.durable_height) what = "an acknowledged block left the store";
    else if (head.height != e->s.height) what = "the engine's height is not the store's";
    else if (!sim__same(&head.hash, &s->chain.head_hash)) what = "the head hash is not the store's";
    else if (!sim__same(&head.state_hash, &state)) what = "the state is not the store's last block";
    if (what) {
        return sim_failf(s, "%s%s (engine height %llu, store %llu)", what,
                         s->chain.broken ? " after a failed commit" : "",
                         (unsigned long long)e->s.height, (unsigned long long)head.height);
    }
    sim__durable(s, &head);
    return 0;
}

/* ---- the journal against the model ----------------------------------------- */

struct sim__scan {
    struct sim *s;
    int resolve;
    int failed;
};

static int sim__results_equal(const struct sim_out *o, const struct store_request *r) {
    if (r->commands_count != o->count || r->results_len != (size_t)o->count * 2) return 0;
    for (uint32_t k = 0; k < o->count; k++) {
        unsigned code = (unsigned)r->results[2 * k] | ((unsigned)r->results[2 * k + 1] << 8);
        if (code != o->results[k]) return 0;
    }
    return 1;
}

static int sim__journaled(struct sim__scan *sc, const struct store_request *r, uint64_t height) {
    struct sim *s = sc->s;
    unsigned long long id = 0;
    struct sim_out *o = sscanf(r->nonce, "n%llu", &id) == 1 ? sim_model_get(s, id) : NULL;
    if (o == NULL || o->state == 0 || strcmp(r->operator_name, s->clients[o->client].name) != 0) {
        return sim_failf(s, "block %llu holds a request nobody sent to the sequencer (%s by %s)",
                         (unsigned long long)height, r->nonce, r->operator_name);
    }
    if (o->state == SIM_REFUSED) {
        return sim_failf(s, "request %s was refused, yet block %llu journals it", r->nonce,
                         (unsigned long long)height);
    }
    if (o->state == SIM_LOST) {
        return sim_failf(s, "request %s, gone after a restart, is back in block %llu", r->nonce,
                         (unsigned long long)height);
    }
    if (o->state == SIM_UNKNOWN && !sc->resolve) {
        return sim_failf(s, "request %s of a failed block is journaled before any restart",
                         r->nonce);
    }
    if (o->first_seq != r->first_seq || !sim__results_equal(o, r)) {
        return sim_failf(s, "request %s is journaled with other seqs or results than answered",
                         r->nonce);
    }
    if (o->state == SIM_UNKNOWN) { /* its block reached the disk after all */
        o->state = SIM_ACKED;
        o->block = height;
        s->model.acked++;
        s->counts.adopted++;
    } else if (o->block != height) {
        return sim_failf(s, "request %s answered in block %llu is journaled in block %llu", r->nonce,
                         (unsigned long long)o->block, (unsigned long long)height);
    }
    o->seen = 1;
    return 0;
}

static int sim__scan_block(void *ctx, const struct store_block *b, const struct store_request *reqs,
                           uint32_t n) {
    struct sim__scan *sc = ctx;
    for (uint32_t i = 0; i < n; i++) {
        if (sim__journaled(sc, &reqs[i], b->height) != 0) {
            sc->failed = 1;
            return 1;
        }
    }
    return 0;
}

/* After the scan: every acknowledged request was seen; unknown ones not
 * seen are lost for good (resolve). */
static int sim__unseen(struct sim *s, int resolve) {
    int rc = 0;
    for (uint64_t id = 1; id < s->model.outs_count; id++) {
        struct sim_out *o = &s->model.outs[id];
        if (o->state == SIM_ACKED && !o->seen && rc == 0) {
            rc = sim_failf(s, "acknowledged request n%llu (block %llu) is missing from the journal",
                           (unsigned long long)id, (unsigned long long)o->block);
        }
        if (o->state == SIM_UNKNOWN && !o->seen && resolve) {
            o->state = SIM_LOST;
            s->counts.lost++;
        }
        o->seen = 0;
    }
    return rc;
}

int sim_check_journal(struct sim *s, int resolve) {
    struct sim__scan sc = {s, resolve, 0};
    s->counts.journal_checks++;
    enum err err = s->chain.store->ops->scan_blocks(s->chain.store, 1, 0, sim__scan_block, &sc);
    if (sc.failed) {
        sim__unseen(s, 0);
        return -1;
    }
    if (err) return sim_failf(s, "the journal cannot be scanned: %s", err_name(err));
    if (sim__unseen(s, resolve) != 0) return -1;
    if (resolve) s->model.unknown_pending = 0;
    return 0;
}

/* ---- recovery ------------------------------------------------------------ */

static int sim__snapshot_used(struct sim *s) {
    uint64_t height = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    enum err err = s->chain.store->ops->latest_snapshot(s->chain.store, &height, &data, &len);
    free(data);
    if (err == ERR_NOT_FOUND) return 0;
    /* A read that failed during start-up makes a snapshot look damaged:
     * falling back to an older one (or genesis) is right then. */
    if (s->start_faulted && s->chain.snapshot_height <= height) return 0;
    if (err) return sim_failf(s, "the newest snapshot cannot be read: %s", err_name(err));
    if (s->chain.snapshot_height != height) {
        return sim_failf(s, "start-up did not use the newest whole snapshot (block %llu; it "
                         "started from %llu)", (unsigned long long)height,
                         (unsigned long long)s->chain.snapshot_height);
    }
    if (height) s->counts.snapshots_used++;
    return 0;
}

int sim_check_recovered(struct sim *s) {
    const struct sim_model *m = &s->model;
    uint64_t h = s->chain.engine.s.height;
    struct hash state;
    engine_state_hash(&s->chain.engine, &state);
    if (h < m->durable_height) {
        return sim_failf(s, "acknowledged blocks lost: recovered to block %llu, block %llu was "
                         "durable", (unsigned long long)h, (unsigned long long)m->durable_height);
    }
    if (h > m->durable_height + 1) {
        return sim_failf(s, "recovered to block %llu, but only %llu were ever written",
                         (unsigned long long)h, (unsigned long long)m->durable_height + 1);
    }
    if (h == m->durable_height &&
        (!sim__same(&state, &m->durable_state) || !sim__same(&s->chain.head_hash, &m->durable_hash))) {
        return sim_failf(s, "block %llu recovered with another state or hash than it had",
                         (unsigned long long)h);
    }
    if (sim__snapshot_used(s) != 0) return -1;
    if (engine_check_invariants(&s->chain.engine) != 0) return sim_failf(s, "invariants broken after recovery");
    return 0;
}

/* ---- audit --------------------------------------------------------------- */

int sim_check_audit(struct sim *s) {
    struct node_audit_summary sum;
    char why[320];
    s->counts.audits++;
    enum err err = node_audit_run(SIM_DATA_DIR, &sum, why, sizeof(why));
    if (err) return sim_failf(s, "audit verify: %s: %s", err_name(err), why);
    struct hash state;
    engine_state_hash(&s->chain.engine, &state);
    if (sum.blocks != s->chain.engine.s.height + 1 || !sim__same(&sum.head_hash, &s->chain.head_hash) ||
        !sim__same(&sum.state_hash, &state)) {
        return sim_failf(s, "audit reached block %llu, the node is at %llu (or another hash)",
                         (unsigned long long)sum.blocks - 1,
                         (unsigned long long)s->chain.engine.s.height);
    }
    if (!s->model.unknown_pending && sum.requests != s->model.acked) {
        return sim_failf(s, "audit counts %llu journaled requests, %llu were acknowledged",
                         (unsigned long long)sum.requests, (unsigned long long)s->model.acked);
    }
    return 0;
}
