/*
 * chain.c - recovery and the shared apply routine.
 *
 * Replay trusts nothing it reads: commands are decoded from their binary
 * form with bounds checks, every result is compared with the journal, and
 * the state hash of every block must match. A mismatch stops start-up: a
 * node never serves a state it cannot prove.
 */
#include "chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../engine/genesis.h"

/* Commands prefetched ahead of the one applied: enough to overlap a few
 * cache misses, few enough that the lines are still there when used. */
#define CHAIN_PREFETCH_AHEAD 8u

int64_t chain_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

enum err chain_signer_current(const struct engine *e, uint32_t index, const uint8_t pubkey[32]) {
    if (index >= e->s.operators_count) return ERR_AUTH_OPERATOR;
    const struct operator *o = &e->s.operators[index];
    if (o->removed) return ERR_AUTH_OPERATOR;
    if (memcmp(o->pubkey, pubkey, 32) != 0) return ERR_AUTH_SIGNATURE;
    return ERR_OK;
}

enum err chain_events_reserve(struct event_buf *ev, uint32_t commands) {
    uint64_t need = (uint64_t)commands * LIMIT_EVENTS_PER_COMMAND + LIMIT_EVENTS_PER_COMMAND;
    ev->count = 0;
    if (need <= ev->cap) return ERR_OK;
    /* Half as much again, so a node whose blocks grow (batches merging)
     * grows it a few times, not at every larger block; emptied, so nothing
     * is copied as a realloc would. */
    uint64_t cap = need + need / 2;
    free(ev->items);
    ev->items = malloc(cap * sizeof(*ev->items));
    ev->cap = ev->items != NULL ? (uint32_t)cap : 0;
    return ev->items != NULL ? ERR_OK : ERR_INTERNAL;
}

void chain_events_free(struct event_buf *ev) {
    free(ev->items);
    memset(ev, 0, sizeof(*ev));
}

/* The clock mode is the node's, not the engine's: read and taken out of
 * the document before the engine sees it. Absent means the wall clock
 * (ledgers made before the mode was recorded). */
static enum err chain__clock(json_t *doc, int *manual, char *why, size_t why_size) {
    json_t *v = json_object_get(doc, "clock");
    *manual = 0;
    if (v == NULL) return ERR_OK;
    const char *t = json_string_value(v);
    if (t == NULL || (strcmp(t, "manual") != 0 && strcmp(t, "wall") != 0)) {
        snprintf(why, why_size, "clock: manual or wall");
        return ERR_INVALID_GENESIS;
    }
    *manual = strcmp(t, "manual") == 0;
    json_object_del(doc, "clock");
    return ERR_OK;
}

enum err chain_genesis_engine(struct engine *e, const char *json, size_t json_len, int64_t time_ns,
                              int *clock_manual, char *why, size_t why_size) {
    json_error_t jerr;
    json_t *doc = json_loadb(json, json_len, JSON_DECODE_ANY, &jerr);
    if (doc == NULL) {
        snprintf(why, why_size, "genesis JSON: %s", jerr.text);
        return ERR_INVALID_GENESIS;
    }
    int manual = 0;
    enum err err = json_is_object(doc) ? chain__clock(doc, &manual, why, why_size) : ERR_OK;
    if (!err) err = engine_genesis(e, doc, time_ns, why, why_size);
    json_decref(doc);
    if (!err && clock_manual) *clock_manual = manual;
    return err;
}

enum err chain_genesis_clock(struct store *store, int *clock_manual, char *why, size_t why_size) {
    char *json = NULL;
    size_t len = 0;
    enum err err = store->ops->read_genesis(store, &json, &len);
    if (err) return err;
    json_error_t jerr;
    json_t *doc = json_loadb(json, len, 0, &jerr);
    free(json);
    if (doc == NULL || !json_is_object(doc)) {
        snprintf(why, why_size, "genesis JSON: %s", doc ? "not an object" : jerr.text);
        json_decref(doc);
        return ERR_INVALID_GENESIS;
    }
    err = chain__clock(doc, clock_manual, why, why_size);
    json_decref(doc);
    return err;
}

void chain_apply_request(struct engine *e, const struct command *cmds, uint32_t n, int atomic,
                         int dry, struct event_buf *events, enum err *results,
                         struct apply_result *ars, uint32_t *event_ends) {
    uint32_t mark = events->count;
    int savepoint = atomic && !dry && engine_savepoint(e) == ERR_OK;
    int failed = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i + CHAIN_PREFETCH_AHEAD < n) engine_prefetch(e, &cmds[i + CHAIN_PREFETCH_AHEAD]);
        results[i] = dry ? engine_apply_dry(e, &cmds[i], events, &ars[i])
                         : engine_apply(e, &cmds[i], events, &ars[i]);
        if (results[i]) failed = 1;
        event_ends[i] = events->count;
    }
    if (!atomic) return;
    if (!failed) {
        if (savepoint) engine_release(e);
        return;
    }
    if (savepoint) {
        engine_rollback(e);
        engine_consume_seqs(e, n);
    }
    events->count = mark;
    for (uint32_t i = 0; i < n; i++) {
        if (results[i] == ERR_OK) results[i] = ERR_BATCH_ABORTED;
        event_ends[i] = mark;
    }
}

/* Decode a request's binary commands; the journal is input, not proof. */
static enum err chain__decode(const struct engine *e, const struct store_request *r,
                              struct command *cmds, char *why, size_t why_size) {
    struct buf_reader rd;
    buf_reader_init(&rd, r->commands, r->commands_len);
    if (r->results_len != (size_t)r->commands_count * 2) {
        snprintf(why, why_size, "request at seq %llu: sizes do not match its command count",
                 (unsigned long long)r->first_seq);
        return ERR_AUDIT_FAILED;
    }
    for (uint32_t i = 0; i < r->commands_count; i++) {
        if (command_decode_bin(e, &rd, &cmds[i]) != 0) {
            snprintf(why, why_size, "seq %llu: undecodable command",
                     (unsigned long long)(r->first_seq + i));
            return ERR_AUDIT_FAILED;
        }
    }
    if (rd.pos != rd.len) {
        snprintf(why, why_size, "request at seq %llu: bytes after its commands",
                 (unsigned long long)r->first_seq);
        return ERR_AUDIT_FAILED;
    }
    return ERR_OK;
}

/* A replay's arrays are mapped at room for the largest block from the
 * first, fresh from the kernel: only the pages the biggest block writes are
 * ever faulted in, once, and in every replay of a process alike. Grown
 * block by block with calloc (8,000, 16,000, 24,000 commands...) each new
 * array was faulted in afresh, and once malloc's threshold had risen past
 * them (a freed mapping raises it) calloc came from the heap and cleared
 * every byte: ~3,000 of replay's ~10,600 faults at a million holders,
 * 5,000 more in a second replay, each microseconds in a paravirtualised
 * guest. */
static void *chain__map(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void chain__scratch_unmap(struct chain_replay_buf *s) {
    if (s->cmds) munmap(s->cmds, (size_t)s->cap * sizeof(*s->cmds));
    if (s->results) munmap(s->results, (size_t)s->cap * sizeof(*s->results));
    if (s->ars) munmap(s->ars, (size_t)s->cap * sizeof(*s->ars));
    if (s->ends) munmap(s->ends, (size_t)s->cap * sizeof(*s->ends));
    s->cmds = NULL;
    s->results = NULL;
    s->ars = NULL;
    s->ends = NULL;
    s->cap = 0;
}

static enum err chain__scratch_grow(struct chain_replay_buf *s, uint32_t n) {
    if (n <= s->cap) return ERR_OK;
    chain__scratch_unmap(s);
    if (n < LIMIT_BLOCK_COMMANDS) n = LIMIT_BLOCK_COMMANDS;
    s->cap = n;
    s->cmds = chain__map((size_t)n * sizeof(*s->cmds));
    s->results = chain__map((size_t)n * sizeof(*s->results));
    s->ars = chain__map((size_t)n * sizeof(*s->ars));
    s->ends = chain__map((size_t)n * sizeof(*s->ends));
    if (!s->cmds || !s->results || !s->ars || !s->ends) {
        chain__scratch_unmap(s);
        return ERR_INTERNAL;
    }
    return ERR_OK;
}

void chain_replay_buf_free(struct chain_replay_buf *rb) {
    chain__scratch_unmap(rb);
    free(rb->decoded);
    chain_events_free(&rb->events);
    memset(rb, 0, sizeof(*rb));
}

/* A request whose operator the block itself adds, decoded for its room
 * only (operators are the one count that grows; what fails even so is
 * refused when its turn comes and needs no room: counted as nothing). */
static void chain__decode_for_room(const struct engine *e, const struct store_request *r,
                                   struct command *cmds) {
    struct buf_reader rd;
    buf_reader_init(&rd, r->commands, r->commands_len);
    for (uint32_t i = 0; i < r->commands_count; i++) {
        if (command_decode_bin_counts(&rd, e->s.assets_count, LIMIT_OPERATORS, e->s.feeds_count,
                                      &cmds[i]) != 0) {
            for (; i < r->commands_count; i++) memset(&cmds[i], 0, sizeof(cmds[i]));
            return;
        }
    }
}

/* Every request of a block decoded before any applies: the room the block
 * needs is summed over its commands first (engine_command_room). Decoding
 * checks operator, asset and feed indexes against the state, and those
 * only grow: a request that decodes now decodes the same when it applies;
 * one that does not (an operator the block itself adds) is counted as if
 * its operator were known, and decoded again when its turn comes. */
static enum err chain__decode_block(const struct engine *e, const struct store_block *b,
                                    const struct store_request *reqs, uint32_t n,
                                    struct chain_replay_buf *s, uint64_t *extra, char *why,
                                    size_t why_size) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) total += reqs[i].commands_count;
    if (total > LIMIT_BLOCK_COMMANDS) {
        snprintf(why, why_size, "block %llu: more commands than a block holds",
                 (unsigned long long)b->height);
        return ERR_AUDIT_FAILED;
    }
    enum err err = chain__scratch_grow(s, (uint32_t)(total ? total : 1));
    if (!err && n > s->decoded_cap) {
        free(s->decoded);
        s->decoded = calloc(n, sizeof(*s->decoded));
        s->decoded_cap = s->decoded ? n : 0;
        if (s->decoded == NULL) err = ERR_INTERNAL;
    }
    uint32_t at = 0;
    *extra = 0;
    for (uint32_t i = 0; i < n && !err; i++) {
        if (reqs[i].commands_count > LIMIT_BATCH_COMMANDS) {
            snprintf(why, why_size, "request at seq %llu: too many commands",
                     (unsigned long long)reqs[i].first_seq);
            return ERR_AUDIT_FAILED;
        }
        char ignored[8];
        s->decoded[i] = chain__decode(e, &reqs[i], s->cmds + at, ignored, sizeof(ignored)) == ERR_OK;
        if (!s->decoded[i]) chain__decode_for_room(e, &reqs[i], s->cmds + at);
        for (uint32_t k = 0; k < reqs[i].commands_count; k++) {
            *extra += engine_command_room(e, &s->cmds[at + k]);
        }
        at += reqs[i].commands_count;
    }
    return err;
}

static enum err chain__replay_request(struct engine *e, const struct store_request *r,
                                      struct command *cmds, int decoded, struct event_buf *events,
                                      struct chain_replay_buf *s, char *why, size_t why_size) {
    if (r->first_seq != e->s.next_seq) {
        snprintf(why, why_size, "request at seq %llu: expected seq %llu",
                 (unsigned long long)r->first_seq, (unsigned long long)e->s.next_seq);
        return ERR_AUDIT_FAILED;
    }
    if (!decoded) {
        enum err err = chain__decode(e, r, cmds, why, why_size);
        if (err) return err;
    }
    chain_apply_request(e, cmds, r->commands_count, (r->flags & STORE_REQUEST_ATOMIC) != 0, 0,
                        events, s->results, s->ars, s->ends);
    for (uint32_t i = 0; i < r->commands_count; i++) {
        unsigned journaled = (unsigned)r->results[2 * i] | ((unsigned)r->results[2 * i + 1] << 8);
        if ((unsigned)s->results[i] != journaled) {
            snprintf(why, why_size, "seq %llu: journal says %s, replay gives %s",
                     (unsigned long long)(r->first_seq + i), err_name((enum err)journaled),
                     err_name(s->results[i]));
            return ERR_AUDIT_FAILED;
        }
    }
    return ERR_OK;
}

/* The journaled events are derived data: they must be exactly what replay
 * emits (event_journal_match: a journal written before issue 13 holds its
 * governance events without the asset they now carry). */
static int chain__events_differ(const struct event_buf *events, const struct store_block *b) {
    return !event_journal_match(events->items, events->count, b->events, b->events_len);
}

struct chain__check {
    chain_request_check_fn fn;
    void *ctx;
};

static enum err chain__replay_requests(struct engine *e, const struct store_block *b,
                                       const struct store_request *reqs, uint32_t n,
                                       struct chain_replay_buf *rb, int checks,
                                       const struct chain__check *check, char *why,
                                       size_t why_size) {
    struct event_buf *events = &rb->events;
    enum err err = ERR_OK;
    uint32_t at = 0;
    for (uint32_t i = 0; i < n && !err; i++) {
        if (check->fn) err = check->fn(check->ctx, e, &reqs[i], b->height);
        if (!err) {
            err = chain__replay_request(e, &reqs[i], rb->cmds + at, rb->decoded[i], events, rb, why,
                                        why_size);
        }
        at += reqs[i].commands_count;
    }
    if (!err && (events->count != b->events_count ||
                 ((checks & CHAIN_CHECK_EVENTS) && chain__events_differ(events, b)))) {
        snprintf(why, why_size, "block %llu: replayed events differ from the journal's",
                 (unsigned long long)b->height);
        err = ERR_AUDIT_FAILED;
    }
    return err;
}

enum err chain_replay_block(struct engine *e, const struct store_block *b,
                            const struct store_request *reqs, uint32_t n,
                            struct chain_replay_buf *rb, int checks, chain_request_check_fn check_fn,
                            void *check_ctx, char *why, size_t why_size) {
    struct chain__check check = {check_fn, check_ctx};
    struct event_buf *events = &rb->events;
    if (b->height != e->s.height + 1 || b->commands_count > LIMIT_BLOCK_COMMANDS) {
        snprintf(why, why_size, "block %llu follows height %llu", (unsigned long long)b->height,
                 (unsigned long long)e->s.height);
        return ERR_AUDIT_FAILED;
    }
    uint64_t extra = 0;
    enum err err = chain__decode_block(e, b, reqs, n, rb, &extra, why, why_size);
    if (err) return err;
    err = engine_reserve_room(e, b->commands_count, extra);
    if (!err) err = chain_events_reserve(events, b->commands_count);
    if (err) {
        snprintf(why, why_size, "block %llu: out of room", (unsigned long long)b->height);
        return err;
    }
    events->count = 0;
    engine_block_begin(e, b->time_ns);
    err = chain__replay_requests(e, b, reqs, n, rb, checks, &check, why, why_size);
    if (err) return err;
    struct hash state;
    engine_block_seal(e, &state);
    if (memcmp(state.bytes, b->state_hash.bytes, HASH_BYTES) != 0) {
        snprintf(why, why_size, "block %llu: state hash differs from the journal",
                 (unsigned long long)b->height);
        return ERR_AUDIT_FAILED;
    }
    return ERR_OK;
}

/* ---- recovery ---------------------------------------------------------- */

struct chain__replay {
    struct chain *c;
    struct chain_replay_buf rb;
    uint64_t target_height;
    uint64_t commands;
    int64_t started_ns;
    int64_t shown_ns;
    int tty;
    enum err err;
    char *why;
    size_t why_size;
};

static void chain__progress(struct chain__replay *r, uint64_t height, int final) {
    if (!r->tty) return;
    int64_t now = chain_now_ns();
    if (!final && (now - r->started_ns < 1000000000 || now - r->shown_ns < 200000000)) return;
    if (final && r->shown_ns == 0) return;
    r->shown_ns = now;
    double secs = (double)(now - r->started_ns) / 1e9;
    fprintf(stderr, "\rreplaying block %llu/%llu, %llu commands (%.0f/s)%s",
            (unsigned long long)height, (unsigned long long)r->target_height,
            (unsigned long long)r->commands, secs > 0 ? (double)r->commands / secs : 0.0,
            final ? "\n" : "");
}

static int chain__replay_fn(void *ctx, const struct store_block *b,
                            const struct store_request *reqs, uint32_t n) {
    struct chain__replay *r = ctx;
    r->err = chain_replay_block(&r->c->engine, b, reqs, n, &r->rb, 0, NULL, NULL, r->why,
                                r->why_size);
    if (r->err) return 1;
    r->c->head_hash = b->hash;
    r->c->head_time_ns = b->time_ns;
    r->commands += b->commands_count;
    chain__progress(r, b->height, 0);
    return 0;
}

/* Start from the newest snapshot if it proves itself, else from genesis. */
static enum err chain__base(struct chain *c, char *why, size_t why_size) {
    uint64_t height = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    struct store_block b;
    if (c->store->ops->latest_snapshot(c->store, &height, &data, &len) == ERR_OK &&
        c->store->ops->block_at(c->store, height, &b) == ERR_OK) {
        enum err err = engine_snapshot_read(&c->engine, data, len);
        struct hash h;
        if (!err) engine_state_hash(&c->engine, &h);
        free(data);
        if (!err && c->engine.s.height == height &&
            memcmp(h.bytes, b.state_hash.bytes, HASH_BYTES) == 0) {
            c->head_hash = b.hash;
            c->head_time_ns = b.time_ns;
            c->snapshot_height = height;
            return ERR_OK;
        }
        fprintf(stderr, "mintline: snapshot at block %llu does not match; replaying from genesis\n",
                (unsigned long long)height);
        engine_close(&c->engine);
        if (engine_open(&c->engine, 1024)) return ERR_INTERNAL;
    } else {
        free(data);
    }
    char *json = NULL;
    size_t json_len = 0;
    enum err err = c->store->ops->read_genesis(c->store, &json, &json_len);
    if (!err) err = c->store->ops->block_at(c->store, 0, &b);
    if (!err) err = chain_genesis_engine(&c->engine, json, json_len, b.time_ns, NULL, why, why_size);
    free(json);
    if (err) return err;
    struct hash h;
    engine_state_hash(&c->engine, &h);
    if (memcmp(h.bytes, b.state_hash.bytes, HASH_BYTES) != 0) {
        snprintf(why, why_size, "genesis state hash differs from block 0");
        return ERR_AUDIT_FAILED;
    }
    c->head_hash = b.hash;
    c->head_time_ns = b.time_ns;
    return ERR_OK;
}

/* The journal must end where its blocks end: rows that name a later block,
 * or more request rows than the blocks account for, mean blocks were cut
 * from the end. Serving it would write new blocks at the removed heights
 * (two requests with one seq, a chain that never audits again). */
static enum err chain__ends(struct store *store, struct store_block *head, char *why,
                            size_t why_size) {
    struct store_tally t;
    enum err err = store->ops->tally(store, &t);
    /* The head after the tally: on PostgreSQL a leader may append between
     * the two reads, and a block counted after the tally only adds to the
     * head (never a request naming a block past it). */
    if (!err) err = store->ops->head(store, head);
    if (err) return err;
    uint64_t past = t.request_height_max > t.snapshot_height_max ? t.request_height_max
                                                                 : t.snapshot_height_max;
    if (past > head->height) {
        snprintf(why, why_size, "the last block is %llu but the journal holds %s of block %llu: "
                                "blocks %llu..%llu are missing",
                 (unsigned long long)head->height,
                 t.request_height_max >= t.snapshot_height_max ? "requests" : "a snapshot",
                 (unsigned long long)past, (unsigned long long)head->height + 1,
                 (unsigned long long)past);
        return ERR_STORE_CORRUPT;
    }
    if (t.requests != t.requests_in_blocks) {
        snprintf(why, why_size, "the blocks account for %llu requests but the journal holds %llu",
                 (unsigned long long)t.requests_in_blocks, (unsigned long long)t.requests);
        return ERR_STORE_CORRUPT;
    }
    return ERR_OK;
}

enum err chain_open(struct chain *c, const char *data_dir, char *why, size_t why_size) {
    return chain_open_url(c, data_dir, NULL, why, why_size);
}

enum err chain_open_url(struct chain *c, const char *data_dir, const char *store_url, char *why,
                        size_t why_size) {
    memset(c, 0, sizeof(*c));
    snprintf(why, why_size, "%s", "");
    pthread_rwlock_init(&c->lock, NULL);
    enum err err = store_open_url(store_url, data_dir, 0, &c->store);
    if (err) return err;
    struct store_block head;
    err = c->store->ops->settle(c->store); /* serve nothing that is not on the disk */
    if (!err) err = chain__ends(c->store, &head, why, why_size); /* reads the head too */
    if (!err) err = chain_genesis_clock(c->store, &c->clock_manual, why, why_size);
    if (!err) err = engine_open(&c->engine, 1024);
    if (err) {
        c->store->ops->close(c->store);
        c->store = NULL;
        return err;
    }
    err = chain__base(c, why, why_size);
    struct store_block genesis;
    if (!err) err = c->store->ops->block_at(c->store, 0, &genesis);
    if (!err) {
        c->genesis_time_ns = genesis.time_ns;
        c->genesis_hash = genesis.hash;
    }
    struct chain__replay r;
    memset(&r, 0, sizeof(r));
    r.c = c;
    r.target_height = head.height;
    r.started_ns = chain_now_ns();
    r.tty = isatty(2);
    r.why = why;
    r.why_size = why_size;
    /* Without the blocks' events: recovery checks their count, not their
     * bytes (audit does), and they are twice the commands' bytes. The
     * journal's reads run on a second thread, beside apply and seal. */
    if (!err) err = c->store->ops->scan_blocks(c->store, c->engine.s.height + 1,
                                               STORE_SCAN_NO_EVENTS | STORE_SCAN_READ_AHEAD,
                                               chain__replay_fn, &r);
    if (!err) err = r.err;
    chain__progress(&r, c->engine.s.height, 1);
    chain_replay_buf_free(&r.rb);
    /* Past the head read above is fine: on PostgreSQL the leader may append
     * while a follower recovers (each block replayed with every check). */
    if (!err && c->engine.s.height < head.height) {
        snprintf(why, why_size, "replay stopped at block %llu of %llu",
                 (unsigned long long)c->engine.s.height, (unsigned long long)head.height);
        err = ERR_AUDIT_FAILED;
    }
    if (err) chain_close(c);
    return err;
}

void chain_close(struct chain *c) {
    if (c->store) c->store->ops->close(c->store);
    engine_close(&c->engine);
    pthread_rwlock_destroy(&c->lock);
    memset(c, 0, sizeof(*c));
}

enum err chain_snapshot(struct chain *c) {
    struct buf b;
    buf_init(&b);
    engine_snapshot_write(&c->engine, &b);
    enum err err = buf_ok(&b) ? c->store->ops->write_snapshot(c->store, c->engine.s.height, b.data, b.len)
                              : ERR_INTERNAL;
    buf_free(&b);
    if (!err) c->snapshot_height = c->engine.s.height;
    return err;
}
