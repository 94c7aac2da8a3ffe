/*
 * ha.c - leader election and following on a PostgreSQL ledger (ha.h).
 *
 * One thread per node. As a follower it waits for the leader's NOTIFY (or
 * HA_POLL_MS), reads the journal's head and applies every block it lacks
 * under the chain's write lock, exactly as replay does, then reads the
 * leader's row (for ERR_NOT_LEADER's URL) and, every HA_TRY_LOCK_MS, tries
 * for the lock. As the leader it checks every HA_POLL_MS that its session
 * still holds the lock and that no append failed (chain.broken); either
 * ends its leadership.
 *
 * The role changes under the chain's write lock (chain.follower), which
 * the sequencer reads under the same lock before each block: no block is
 * begun by a node that has stepped down. A block the fence refused was
 * rolled back by the sequencer (engine_block_abort): the state is the
 * journal's up to its height, so the node follows on from there; a block
 * whose COMMIT was cut may be in the journal after all, and is then
 * applied from it like any other.
 */
#include "ha.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

/* A leader that stepped down waits this long before trying again, so
 * that a follower that has been trying takes over first. */
#define HA_STEPPED_DOWN_WAIT_MS 1500

struct ha {
    char store_url[1024];
    char advertise[256];
    char holder[64];
    struct store_lease *lease;
    struct server *s;
    pthread_t thread;
    int started;
    int stopping;      /* atomic */
    int first_leading; /* ha_open took the lock */
    uint64_t first_term;
    int diverged; /* a block did not replay: the node is stopping */
    int64_t next_try_ns;
    int64_t behind_since_ns; /* under mu */
    struct chain_replay_buf rb;
    pthread_mutex_t mu; /* guards the view */
    struct ha_view view;
};

const double ha_delay_bounds_s[HA_DELAY_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01,  0.025, 0.05,  0.075, 0.1,   0.125, 0.15,
    0.175, 0.2,    0.225, 0.25,  0.275, 0.3,   0.325, 0.35,  0.375, 0.4,
    0.425, 0.45,   0.475, 0.5,   0.6,   0.75,  1.0,   2.5,   5.0,   10.0};

void ha_delay_add(struct ha_delay *d, double delay_s) {
    if (delay_s < 0) delay_s = 0; /* clocks a little apart: not negative */
    d->count++;
    d->sum_s += delay_s;
    for (int i = 0; i < HA_DELAY_BUCKETS; i++) {
        if (delay_s <= ha_delay_bounds_s[i]) d->le[i]++;
    }
}

double ha_lag_s(int64_t behind_since_ns, int64_t now_ns) {
    if (behind_since_ns <= 0 || now_ns <= behind_since_ns) return 0.0;
    return (double)(now_ns - behind_since_ns) / 1e9;
}

static void ha__sleep_ms(struct ha *h, int ms) {
    for (int left = ms; left > 0 && !__atomic_load_n(&h->stopping, __ATOMIC_SEQ_CST); left -= 50) {
        struct timespec ts = {0, (long)(left < 50 ? left : 50) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

enum err ha_open(const struct ha_options *opt, struct ha **out, char *why, size_t why_size) {
    struct ha *h = calloc(1, sizeof(*h));
    if (h == NULL) return ERR_INTERNAL;
    pthread_mutex_init(&h->mu, NULL);
    snprintf(h->store_url, sizeof(h->store_url), "%s", opt->store_url);
    snprintf(h->advertise, sizeof(h->advertise), "%s", opt->advertise);
    snprintf(h->holder, sizeof(h->holder), "%s", opt->holder);
    char where[512];
    store_url_redact(opt->store_url, where, sizeof(where));
    enum err err = store_lease_open(h->store_url, h->holder, &h->lease);
    if (!err) err = store_lease_try(h->lease, h->advertise, &h->first_leading, &h->first_term);
    if (err) {
        snprintf(why, why_size, "cannot take part in the leader election of %s", where);
        ha_stop(h);
        return err;
    }
    *out = h;
    return ERR_OK;
}

/* ---- following ---------------------------------------------------------- */

struct ha__apply {
    struct ha *h;
    enum err err;
    char why[300];
};

/* One block of the journal onto the state, under the write lock, by the
 * replay routine (as recovery applies it: no undo). A block that does not
 * replay leaves a state no one can vouch for: the node stops (ha__follow). */
static enum err ha__apply_block(struct ha *h, const struct store_block *b,
                                const struct store_request *reqs, uint32_t n, char *why,
                                size_t why_size) {
    struct chain *c = &h->s->chain;
    struct engine *e = &c->engine;
    pthread_rwlock_wrlock(&c->lock);
    enum err err = ERR_OK;
    if (b->height <= e->s.height) {
        pthread_rwlock_unlock(&c->lock); /* applied already (a scan that overlapped) */
        return ERR_OK;
    }
    if (memcmp(b->prev_hash.bytes, c->head_hash.bytes, HASH_BYTES) != 0) {
        snprintf(why, why_size, "block %llu does not follow this node's block %llu",
                 (unsigned long long)b->height, (unsigned long long)e->s.height);
        err = ERR_AUDIT_FAILED;
    }
    if (!err) err = chain_replay_block(e, b, reqs, n, &h->rb, 0, NULL, NULL, why, why_size);
    if (!err) {
        c->head_hash = b->hash;
        c->head_time_ns = b->time_ns;
    }
    pthread_rwlock_unlock(&c->lock);
    if (!err && !c->clock_manual) {
        pthread_mutex_lock(&h->mu);
        ha_delay_add(&h->view.delay, (double)(chain_now_ns() - b->time_ns) / 1e9);
        pthread_mutex_unlock(&h->mu);
    }
    /* Its nonces are spent here too: a client retrying at this node once
     * it leads gets ERR_AUTH_NONCE, never a second execution. */
    for (uint32_t i = 0; i < n && !err; i++) {
        auth_remember(h->s->auth, reqs[i].operator_name, reqs[i].nonce, reqs[i].time_ms);
    }
    return err;
}

static int ha__apply_fn(void *ctx, const struct store_block *b, const struct store_request *reqs,
                        uint32_t n) {
    struct ha__apply *a = ctx;
    if (__atomic_load_n(&a->h->stopping, __ATOMIC_SEQ_CST)) return 1;
    a->err = ha__apply_block(a->h, b, reqs, n, a->why, sizeof(a->why));
    return a->err != ERR_OK;
}

/* behind_since_ns: when this follower first saw the journal ahead of it
 * (0: caught up); the lag in seconds is computed from it when read. */
static void ha__set_lag(struct ha *h, uint64_t lag_blocks, int64_t behind_since_ns) {
    pthread_mutex_lock(&h->mu);
    h->view.lag_blocks = lag_blocks;
    h->behind_since_ns = behind_since_ns;
    pthread_mutex_unlock(&h->mu);
}

/* Apply what the journal holds beyond this node's height. *caught_up = 1
 * when nothing was left. ERR_STORE_IO (try again later), or a block that
 * does not replay (the node stops following: h->diverged). */
static enum err ha__follow(struct ha *h, int *caught_up) {
    struct chain *c = &h->s->chain;
    struct store_block head;
    *caught_up = 0;
    enum err err = c->store->ops->head(c->store, &head);
    if (err) return err;
    uint64_t mine = __atomic_load_n(&c->engine.s.height, __ATOMIC_SEQ_CST);
    if (head.height <= mine) {
        ha__set_lag(h, 0, 0);
        *caught_up = 1;
        return ERR_OK;
    }
    pthread_mutex_lock(&h->mu);
    int64_t since = h->behind_since_ns ? h->behind_since_ns : chain_now_ns();
    pthread_mutex_unlock(&h->mu);
    ha__set_lag(h, head.height - mine, since);
    struct ha__apply a = {.h = h};
    err = c->store->ops->scan_blocks(c->store, mine + 1, 0, ha__apply_fn, &a);
    if (!err) err = a.err;
    mine = __atomic_load_n(&c->engine.s.height, __ATOMIC_SEQ_CST);
    if (!err && mine >= head.height) ha__set_lag(h, 0, 0); /* caught up with what it read */
    if (err == ERR_AUDIT_FAILED || err == ERR_INTERNAL) {
        /* A node never serves a state it cannot prove: it stops as on
         * SIGTERM (a follower writes no snapshot); started again, it
         * replays the journal or says why it cannot. */
        fprintf(stderr, "mintline: follower: %s: %s; stopping\n", err_name(err),
                a.why[0] ? a.why : "a block could not be applied");
        h->diverged = 1;
        kill(getpid(), SIGTERM);
    }
    return err;
}

static void ha__read_leader(struct ha *h) {
    struct store_leader l;
    if (store_lease_leader(h->lease, &l) != ERR_OK) return;
    pthread_mutex_lock(&h->mu);
    snprintf(h->view.leader_url, sizeof(h->view.leader_url), "%s", l.live ? l.url : "");
    h->view.term = l.term;
    pthread_mutex_unlock(&h->mu);
}

/* ---- leading ------------------------------------------------------------ */

static void ha__set_role(struct ha *h, int leader, uint64_t term) {
    struct chain *c = &h->s->chain;
    pthread_rwlock_wrlock(&c->lock);
    if (leader) c->broken = 0; /* a fresh writer session, a whole state */
    __atomic_store_n(&c->follower, !leader, __ATOMIC_SEQ_CST);
    pthread_rwlock_unlock(&c->lock);
    pthread_mutex_lock(&h->mu);
    h->view.leader = leader;
    if (leader) {
        h->view.term = term;
        snprintf(h->view.leader_url, sizeof(h->view.leader_url), "%s", h->advertise);
        h->view.lag_blocks = 0;
        h->behind_since_ns = 0;
    } else {
        h->view.leader_url[0] = '\0';
    }
    pthread_mutex_unlock(&h->mu);
}

/* The lock is ours and the term bumped: catch up to the last committed
 * block, fence the writer with the term, then take writes. */
static void ha__promote(struct ha *h, uint64_t term) {
    int caught_up = 0;
    enum err err = ERR_OK;
    while (!err && !caught_up && !__atomic_load_n(&h->stopping, __ATOMIC_SEQ_CST)) {
        err = ha__follow(h, &caught_up);
    }
    if (!err && caught_up) err = store_postgres_fence(h->s->chain.store, term);
    if (err || !caught_up) {
        store_lease_release(h->lease); /* not leading: the lock goes */
        h->next_try_ns = chain_now_ns() + (int64_t)HA_STEPPED_DOWN_WAIT_MS * 1000000;
        return;
    }
    ha__set_role(h, 1, term);
    fprintf(stderr, "mintline: leading (term %llu) at height %llu as %s\n",
            (unsigned long long)term, (unsigned long long)h->s->chain.engine.s.height,
            h->advertise);
}

static void ha__step_down(struct ha *h, const char *why) {
    ha__set_role(h, 0, 0);
    store_lease_release(h->lease);
    h->next_try_ns = chain_now_ns() + (int64_t)HA_STEPPED_DOWN_WAIT_MS * 1000000;
    fprintf(stderr, "mintline: no longer leading (%s); following\n", why);
}

static void ha__lead_round(struct ha *h) {
    ha__sleep_ms(h, HA_POLL_MS);
    if (__atomic_load_n(&h->stopping, __ATOMIC_SEQ_CST)) return;
    if (__atomic_load_n(&h->s->chain.broken, __ATOMIC_SEQ_CST)) {
        ha__step_down(h, "a block could not be journaled");
    } else if (store_lease_held(h->lease) != ERR_OK) {
        ha__step_down(h, "the writer lock was lost");
    }
}

static void ha__follow_round(struct ha *h) {
    int notified = 0;
    if (store_lease_wait(h->lease, HA_POLL_MS, &notified) != ERR_OK) ha__sleep_ms(h, HA_POLL_MS);
    if (__atomic_load_n(&h->stopping, __ATOMIC_SEQ_CST) || h->diverged) return;
    int caught_up = 0;
    if (ha__follow(h, &caught_up) != ERR_OK) return;
    ha__read_leader(h);
    int64_t now = chain_now_ns();
    if (!caught_up || now < h->next_try_ns) return;
    h->next_try_ns = now + (int64_t)HA_TRY_LOCK_MS * 1000000;
    int leading = 0;
    uint64_t term = 0;
    if (store_lease_try(h->lease, h->advertise, &leading, &term) == ERR_OK && leading) {
        ha__promote(h, term);
    }
}

static void *ha__main(void *arg) {
    struct ha *h = arg;
    while (!__atomic_load_n(&h->stopping, __ATOMIC_SEQ_CST)) {
        int leader;
        pthread_mutex_lock(&h->mu);
        leader = h->view.leader;
        pthread_mutex_unlock(&h->mu);
        if (leader) {
            ha__lead_round(h);
        } else if (h->diverged) {
            ha__sleep_ms(h, HA_POLL_MS);
        } else {
            ha__follow_round(h);
        }
    }
    return NULL;
}

enum err ha_start(struct ha *h, struct server *s) {
    h->s = s;
    if (h->first_leading) {
        enum err err = store_postgres_fence(s->chain.store, h->first_term);
        if (err) return err;
        ha__set_role(h, 1, h->first_term);
    } else {
        ha__set_role(h, 0, 0);
        ha__read_leader(h);
        h->next_try_ns = chain_now_ns() + (int64_t)HA_TRY_LOCK_MS * 1000000;
    }
    if (pthread_create(&h->thread, NULL, ha__main, h) != 0) return ERR_INTERNAL;
    h->started = 1;
    return ERR_OK;
}

void ha_halt(struct ha *h) {
    if (h == NULL) return;
    __atomic_store_n(&h->stopping, 1, __ATOMIC_SEQ_CST);
    if (h->started) pthread_join(h->thread, NULL);
    h->started = 0;
}

void ha_stop(struct ha *h) {
    if (h == NULL) return;
    ha_halt(h);
    store_lease_drop(h->lease);
    chain_replay_buf_free(&h->rb);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

void ha_view(struct ha *h, struct ha_view *out) {
    pthread_mutex_lock(&h->mu);
    *out = h->view;
    out->lag_s = out->leader ? 0.0 : ha_lag_s(h->behind_since_ns, chain_now_ns());
    pthread_mutex_unlock(&h->mu);
}

static void ha__leader_field(struct jw *w, void *ctx) {
    const char *url = ctx;
    if (url[0]) {
        jw_kv_string(w, "leader", url);
    } else {
        jw_key(w, "leader");
        jw_null(w);
    }
}

void ha_not_leader(struct server *s, struct server_response *out) {
    struct ha_view v;
    memset(&v, 0, sizeof(v));
    if (s->ha != NULL) ha_view(s->ha, &v);
    char detail[300];
    if (v.leader_url[0]) {
        snprintf(detail, sizeof(detail), "%s", v.leader_url);
    } else {
        snprintf(detail, sizeof(detail), "no node leads yet (an election is under way)");
    }
    server_error_with(out, ERR_NOT_LEADER, detail, ha__leader_field, v.leader_url);
}
